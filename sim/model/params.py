"""Model parameters: plain frozen data the model's functions read.

These are the numbers a scenario file sets. Units: times are in days, rates
are per day, shifts of readiness, violence and rapport are in log-odds, shifts
of stance and balance are in ``atanh`` units (see :mod:`sim.model.state`).
"""

from __future__ import annotations

from dataclasses import dataclass, fields

__all__ = [
    "EFFECT_FIELDS",
    "ChoiceRule",
    "ConveningRule",
    "Effect",
    "FocalDates",
    "Mechanisms",
    "Narrowing",
    "Rapport",
    "Reactions",
    "Ripeness",
    "World",
]


@dataclass(frozen=True, slots=True)
class Effect:
    """The sizes of an action's effects; which ones apply depends on its kind.

    Attributes
    ----------
    readiness
        Shift of readiness, in log-odds (+0.4 multiplies the odds by 1.5).
    stance_self
        Shift of the acting actor's stance (``atanh`` units).
    stance_other
        Shift of the partner's or target's stance (``atanh`` units).
    rapport
        Shift of the rapport between the actor and its partner or target
        (log-odds).
    balance
        Shift of the military balance toward the acting actor's side
        (``atanh`` units, multiplied by the actor's side, -1, 0 or +1).
    violence
        Shift of the level of violence (log-odds).
    contention
        Saturating shift of the contention of the action's gate (see
        :func:`sim.model.state.saturate`).
    settle_probability
        For an agreement on a gate: the chance it succeeds at full readiness
        and no contention, in [0, 1].
    target_days
        For a target date: how many days ahead the date is set.
    """

    readiness: float = 0.0
    stance_self: float = 0.0
    stance_other: float = 0.0
    rapport: float = 0.0
    balance: float = 0.0
    violence: float = 0.0
    contention: float = 0.0
    settle_probability: float = 1.0
    target_days: float = 14.0


#: The names of :class:`Effect`'s fields, in order.
EFFECT_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(Effect))


@dataclass(frozen=True, slots=True)
class Reactions:
    """Spoiler moves and reactions: actors answer what others do.

    Attributes
    ----------
    enabled
        When false, no reaction rule fires.
    max_depth
        Longest chain of reactions to reactions (1: only direct reactions).
    """

    enabled: bool = True
    max_depth: int = 2


@dataclass(frozen=True, slots=True)
class Ripeness:
    """A mutually hurting stalemate raises readiness.

    Readiness log-odds rise by ``rate * violence * (1 - balance**2)`` per day:
    fastest when the war hurts and neither side expects to win.
    """

    enabled: bool = True
    rate: float = 0.0


@dataclass(frozen=True, slots=True)
class Narrowing:
    """Continuing violence narrows the space for talks.

    Readiness log-odds fall by ``rate * violence`` per day.
    """

    enabled: bool = True
    rate: float = 0.0


@dataclass(frozen=True, slots=True)
class FocalDates:
    """Focal dates (summits, target dates) concentrate effort.

    Within ``window_days`` before a focal date, actors decide ``tempo_boost``
    times as often and weight their constructive moves ``weight_boost`` times
    more.
    """

    enabled: bool = True
    window_days: float = 10.0
    tempo_boost: float = 1.0
    weight_boost: float = 1.0


@dataclass(frozen=True, slots=True)
class Rapport:
    """Rapport between negotiators amplifies their meetings.

    A meeting's readiness effect is multiplied by ``1 + amplification *
    rapport`` of the two who meet.
    """

    enabled: bool = True
    amplification: float = 0.0


@dataclass(frozen=True, slots=True)
class Mechanisms:
    """The switchable mechanisms of the model, with their parameters."""

    reactions: Reactions = Reactions()
    ripeness: Ripeness = Ripeness()
    narrowing: Narrowing = Narrowing()
    focal_dates: FocalDates = FocalDates()
    rapport: Rapport = Rapport()


@dataclass(frozen=True, slots=True)
class World:
    """The world's own dynamics.

    Readiness log-odds relax continuously toward a rest level at
    ``readiness_reversion`` per day: without fresh effort, diplomatic momentum
    fades (and without fresh provocations, anger does too). The rest level is
    ``logit(readiness_mean) + stance_pull * mean stance``: lasting attitudes
    set where readiness settles. See :mod:`sim.model.mechanisms`.

    Every ``tick_days`` the war takes a random step: violence log-odds and the
    balance's latent value each follow an Ornstein–Uhlenbeck process, with
    mean reversion at ``*_reversion`` per day toward their means and
    ``*_volatility`` per square-root day of noise.
    """

    tick_days: float = 7.0
    readiness_mean: float = 0.5
    readiness_reversion: float = 0.0
    stance_pull: float = 0.0
    violence_mean: float = 0.5
    violence_reversion: float = 0.0
    violence_volatility: float = 0.0
    balance_mean: float = 0.0
    balance_reversion: float = 0.0
    balance_volatility: float = 0.0


@dataclass(frozen=True, slots=True)
class ConveningRule:
    """When the conference is announced, postponed and convened.

    When every gate is resolved and readiness is at least
    ``announce_threshold``, the convener announces a date ``lead`` days after
    the current day, ``lead`` drawn uniformly from the whole days
    ``lead_min_days .. lead_max_days``. If readiness falls below
    ``postpone_threshold`` before that date, the date is postponed. The
    conference convenes on the announced date.
    """

    announce_threshold: float = 0.6
    postpone_threshold: float = 0.4
    lead_min_days: int = 14
    lead_max_days: int = 28


@dataclass(frozen=True, slots=True)
class ChoiceRule:
    """How an actor's stance shapes its choices.

    A constructive move's weight is multiplied by ``exp(stance_sensitivity *
    stance)``, a spoiler move's by ``exp(-stance_sensitivity * stance)``.
    """

    stance_sensitivity: float = 1.0
