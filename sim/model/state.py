"""The negotiation state and the bounded transforms it is stored in.

Every bounded quantity is stored as an unbounded latent value and read through
a squashing function, so that no update can push it out of its range and no
clipping is ever needed:

========================  ==================  =========================
quantity                  range               stored as
========================  ==================  =========================
readiness                 (0, 1)              log-odds (``logistic``)
violence                  (0, 1)              log-odds (``logistic``)
military balance          (-1, 1)             ``atanh`` (read by ``tanh``)
actor stance              (-1, 1)             ``atanh`` (read by ``tanh``)
pairwise rapport          (0, 1)              log-odds (``logistic``)
gate contention           [0, 1)              log(1 - contention)
========================  ==================  =========================

In floating point the squashed values can round to the closed interval's end
points (``logistic(40.0) == 1.0``), never beyond them. What the model computes
with is the latent value: an agreement's chance uses a gate's openness
``exp(contention_latent) = 1 - contention``, which stays positive however
contested the gate (until about 740 log-units of demands).

Whatever grows with the number of actors is kept so that no event costs more
with more actors: the mean stance is a running sum (:attr:`State.stance_sum`),
and rapport is held only for the pairs a scenario can change (its rapport
slots), not for every pair.

The state is an immutable :class:`typing.NamedTuple` rather than a frozen
dataclass: it is rebuilt after every action of every run, and building a
tuple is several times cheaper than running a frozen dataclass's
``__init__``. It is still immutable data; the functions in
:mod:`sim.model.actions` return new states.
"""

from __future__ import annotations

import math
from typing import NamedTuple

__all__ = [
    "LAST_DAY",
    "NOT_ENDED",
    "NO_DAY",
    "State",
    "atanh_stance",
    "contention_latent",
    "logistic",
    "logit",
    "pair_index",
    "saturate",
]

#: Marker for "no day set" in integer day fields (the day a pending stage is due).
NO_DAY = -1
#: Marker for "no ending" in :attr:`State.ended`.
NOT_ENDED = -1
#: The latest day a date set in a run can fall on when nothing nearer bounds it: the largest
#: day the outcomes' arrays hold (32-bit). A compiled scenario bounds dates by the last day of
#: the calendar instead (see :attr:`sim.model.actions.ActionContext.last_day`).
LAST_DAY = 2**31 - 1


class State(NamedTuple):
    """The negotiation state at one instant.

    Attributes
    ----------
    readiness_logit
        Log-odds of readiness to take the next step.
    violence_logit
        Log-odds of the level of violence (0 calm, 1 the worst of the war);
        ``-inf`` in a scenario without a war (violence 0, and nothing moves it).
    violence_mean_logit
        Log-odds of the level violence reverts to: events move it (a
        ceasefire lowers it, and it stays lowered).
    balance_latent
        ``atanh`` of the military balance: -1 one side (``side = -1`` actors)
        prevails, +1 the other side (``side = +1`` actors) prevails, 0 stalemate.
    resolved
        Bit mask of settled gates: bit ``g`` is set when gate ``g`` is settled.
    contention_latent
        Per gate, ``log(1 - contention)``: 0 for an uncontested gate, more
        negative the more contested. Agreement on a gate succeeds with a
        probability scaled by its openness ``exp(contention_latent)``.
    stance_latent
        Per actor, ``atanh`` of its stance toward an agreement, in (-1, 1).
    stance_sum
        The influence-weighted sum of the active actors' stances
        (``sum(influence * tanh(stance))``), kept up to date by every change
        so that the mean stance costs the same whatever the number of actors.
    influence_total
        The sum of the active actors' influence weights.
    rapport_latent
        Per rapport slot (a pair of actors whose rapport the scenario can
        change, see :class:`~sim.model.actions.ActionContext`), the log-odds of
        their rapport, in (0, 1).
    target_day
        The latest target date set by a ``target_date`` action, in days since
        the scenario start; ``math.inf`` when none was set.
    stage
        How many stages have been reached (0 none; the stages are ordered).
    pending_day
        The day the next stage is due (its date is announced), or :data:`NO_DAY`.
    ended
        The index of the alternative ending the negotiation ended by, or
        :data:`NOT_ENDED`.
    regime
        Per actor, the index of its current regime (0: as the scenario
        starts it; a change of leader or government moves it).
    active
        Bit mask of the actors taking part now (bit ``a`` for actor ``a``).
    deadline_days
        Per deadline, its current day (an extension moves it).
    pending_open
        While a date is pending: the gates that were still open when it was
        announced (the record set a date before every question was settled,
        as Geneva-2's was), and not settled since. They do not withdraw the
        date; a gate settled then or since, and reopened, does. 0 when no
        date is pending.
    """

    readiness_logit: float
    violence_logit: float
    violence_mean_logit: float
    balance_latent: float
    resolved: int
    contention_latent: tuple[float, ...]
    stance_latent: tuple[float, ...]
    stance_sum: float
    influence_total: float
    rapport_latent: tuple[float, ...]
    target_day: float
    stage: int
    pending_day: int
    ended: int
    regime: tuple[int, ...]
    active: int
    deadline_days: tuple[int, ...]
    pending_open: int = 0

    @property
    def readiness(self) -> float:
        """Readiness in [0, 1]."""
        return logistic(self.readiness_logit)

    @property
    def violence(self) -> float:
        """Level of violence in [0, 1]."""
        return logistic(self.violence_logit)

    @property
    def balance(self) -> float:
        """Military balance in [-1, 1]."""
        return math.tanh(self.balance_latent)

    def contention(self, gate: int) -> float:
        """How contested gate ``gate`` is, in [0, 1]."""
        return -math.expm1(self.contention_latent[gate])

    def stance(self, actor: int) -> float:
        """Stance of ``actor`` toward an agreement, in [-1, 1]."""
        return math.tanh(self.stance_latent[actor])

    def mean_stance(self) -> float:
        """The influence-weighted mean stance of the active actors (0 when none is active)."""
        return self.stance_sum / self.influence_total if self.influence_total > 0.0 else 0.0

    def gate_resolved(self, gate: int) -> bool:
        """Whether gate ``gate`` is settled."""
        return bool(self.resolved >> gate & 1)

    def is_active(self, actor: int) -> bool:
        """Whether ``actor`` takes part now."""
        return bool(self.active >> actor & 1)


#: Field indices of :class:`State`, for the effect functions that rebuild it.
READINESS = State._fields.index("readiness_logit")
VIOLENCE = State._fields.index("violence_logit")
VIOLENCE_MEAN = State._fields.index("violence_mean_logit")
BALANCE = State._fields.index("balance_latent")
RESOLVED = State._fields.index("resolved")
CONTENTION = State._fields.index("contention_latent")
STANCE = State._fields.index("stance_latent")
STANCE_SUM = State._fields.index("stance_sum")
INFLUENCE_TOTAL = State._fields.index("influence_total")
RAPPORT = State._fields.index("rapport_latent")
TARGET_DAY = State._fields.index("target_day")
STAGE = State._fields.index("stage")
PENDING_DAY = State._fields.index("pending_day")
ENDED = State._fields.index("ended")
REGIME = State._fields.index("regime")
ACTIVE = State._fields.index("active")
DEADLINE_DAYS = State._fields.index("deadline_days")
PENDING_OPEN = State._fields.index("pending_open")


def logistic(x: float) -> float:
    """Return ``1 / (1 + exp(-x))`` without overflow for any finite ``x``."""
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def logit(p: float) -> float:
    """Return the log-odds of ``p``, for ``0 < p < 1``.

    Raises
    ------
    ValueError
        If ``p`` is not strictly between 0 and 1.
    """
    if not 0.0 < p < 1.0:
        raise ValueError(f"log-odds need a value strictly between 0 and 1, got {p}")
    return math.log(p / (1.0 - p))


def atanh_stance(s: float) -> float:
    """Return ``atanh(s)``, for ``-1 < s < 1``.

    Raises
    ------
    ValueError
        If ``s`` is not strictly between -1 and 1.
    """
    if not -1.0 < s < 1.0:
        raise ValueError(f"a stance or balance must lie strictly between -1 and 1, got {s}")
    return math.atanh(s)


def contention_latent(c: float) -> float:
    """The latent value ``log(1 - c)`` of a contention ``c`` in [0, 1).

    Raises
    ------
    ValueError
        If ``c`` is not in [0, 1).
    """
    if not 0.0 <= c < 1.0:
        raise ValueError(f"a contention must lie in [0, 1), got {c}")
    return math.log1p(-c)


def saturate(latent: float, delta: float) -> float:
    """Move a gate's contention by ``delta``, on its latent value ``log(1 - contention)``.

    A positive ``delta`` makes the gate more contested: its openness ``1 -
    contention`` shrinks by the factor ``exp(-delta)``. A negative one makes
    it less contested: the contention itself shrinks by the factor
    ``exp(delta)``. Either way contention stays in [0, 1) by construction,
    and ``delta = 0`` changes nothing.
    """
    if delta >= 0.0:
        return latent - delta
    # Contention c = -expm1(latent) becomes c * exp(delta); back to log(1 - c'), in the
    # form that keeps precision: directly for a moderate c, and through
    # 1 - c' = -expm1(delta) + exp(delta + latent) for c near 1 (where c itself rounds).
    if latent > -1.0:
        moved = math.log1p(math.expm1(latent) * math.exp(delta))
    else:
        moved = math.log(-math.expm1(delta) + math.exp(delta + latent))
    # For a delta too small to change exp(delta), the round trip through expm1 and
    # log1p can land one ulp below where it started: a gate must never become more
    # contested by a negative delta.
    return max(moved, latent)


def pair_index(a: int, b: int, n: int) -> int:
    """Index of the unordered pair ``{a, b}`` among ``n`` actors (``a != b``).

    Pairs are numbered row by row through the upper triangle:
    ``(0, 1), (0, 2), ..., (0, n-1), (1, 2), ...``.
    """
    if a > b:
        a, b = b, a
    return a * (2 * n - a - 1) // 2 + (b - a - 1)
