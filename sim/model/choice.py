"""How an actor chooses among its repertoire.

An actor's moves fall in three groups by polarity: constructive moves
(weights multiplied by ``g * focal_boost``, with ``g = exp(sensitivity *
stance)``), spoiler moves (divided by ``g``) and neutral ones (unchanged);
letting the turn pass keeps its weight. So a committed actor favours
constructive moves, a hostile one spoiler moves, and a focal date close by
makes constructive moves likelier still.

One uniform draw picks by inverse CDF: over the stack ``pass | constructive |
spoiler | neutral``, then within the group over the moves in file order. The
within-group sums never change, so they are computed once
(:class:`Repertoire`) and a choice costs a few multiplications and a bisection,
whatever the actor's stance.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["PASS", "Repertoire", "choose", "weights"]

#: Returned by :meth:`Repertoire.pick` when the actor lets its turn pass.
PASS = -1


def _cumsum(values: Sequence[float]) -> tuple[float, ...]:
    acc = 0.0
    out = []
    for v in values:
        acc += v
        out.append(acc)
    return tuple(out)


@dataclass(frozen=True, slots=True)
class Repertoire:
    """An actor's moves, grouped for fast choice.

    Build it with :meth:`of`. ``groups[g]`` lists the move indices of group
    ``g`` (0 constructive, 1 spoiler, 2 neutral), ``cums[g]`` their cumulative
    base weights and ``totals[g]`` the group's total base weight.
    """

    pass_weight: float
    groups: tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]]
    cums: tuple[tuple[float, ...], tuple[float, ...], tuple[float, ...]]
    totals: tuple[float, float, float]

    @classmethod
    def of(cls, base: Sequence[float], polarity: Sequence[int], pass_weight: float) -> Repertoire:
        """Group the moves with base weights ``base`` and polarities ``polarity``."""
        groups: list[list[int]] = [[], [], []]
        for i, (w, p) in enumerate(zip(base, polarity, strict=True)):
            if w > 0.0:
                groups[0 if p > 0 else 1 if p < 0 else 2].append(i)
        cums = tuple(_cumsum([base[i] for i in g]) for g in groups)
        totals = tuple(c[-1] if c else 0.0 for c in cums)
        return cls(
            pass_weight,
            (tuple(groups[0]), tuple(groups[1]), tuple(groups[2])),
            (cums[0], cums[1], cums[2]),
            (totals[0], totals[1], totals[2]),
        )

    def pick(self, stance_latent: float, sensitivity: float, focal_boost: float, u: float) -> int:
        """Choose a move, or :data:`PASS`.

        Parameters
        ----------
        stance_latent
            The actor's stance (``atanh`` units).
        sensitivity
            How strongly stance shapes choice (:class:`~sim.model.params.ChoiceRule`).
        focal_boost
            Multiplier of constructive moves (1 when no focal date is near).
        u
            A uniform draw in [0, 1).

        Returns
        -------
        int
            The index of the chosen move in the repertoire, or :data:`PASS`.
            A move with zero weight is never chosen.
        """
        g = math.exp(sensitivity * math.tanh(stance_latent))
        up_scale = g * focal_boost
        up = self.totals[0] * up_scale
        down = self.totals[1] / g
        x = u * (self.pass_weight + up + down + self.totals[2])
        if x < self.pass_weight:
            return PASS
        x -= self.pass_weight
        if x < up:
            return self._within(0, x / up_scale)
        x -= up
        if x < down:
            return self._within(1, x * g)
        return self._within(2, x - down)

    def _within(self, group: int, y: float) -> int:
        """The move of ``group`` at unscaled cumulative weight ``y`` (clamped for rounding)."""
        while not self.cums[group]:  # rounding ran past the last group with weight
            group -= 1
            if group < 0:
                return PASS
            y = math.inf
        cum = self.cums[group]
        i = bisect_right(cum, y)
        return self.groups[group][i if i < len(cum) else -1]


def weights(
    base: Sequence[float],
    polarity: Sequence[int],
    stance_latent: float,
    sensitivity: float,
    focal_boost: float,
) -> list[float]:
    """The effective weight of each move in the actor's current situation.

    The same weights :meth:`Repertoire.pick` chooses by, listed per move (for
    ``negsim play`` and for tests).
    """
    g = math.exp(sensitivity * math.tanh(stance_latent))
    return [
        w * g * focal_boost if p > 0 else w / g if p < 0 else w
        for w, p in zip(base, polarity, strict=True)
    ]


def choose(
    base: Sequence[float],
    polarity: Sequence[int],
    pass_weight: float,
    stance_latent: float,
    sensitivity: float,
    focal_boost: float,
    u: float,
) -> int:
    """Pick a move for one draw ``u``, building the :class:`Repertoire` on the fly."""
    return Repertoire.of(base, polarity, pass_weight).pick(
        stance_latent, sensitivity, focal_boost, u
    )
