"""Model parameters: plain frozen data the model's functions read.

These are the numbers a scenario file sets. Units: times are in days, rates
are per day, shifts of readiness, violence and rapport are in log-odds, shifts
of stance and balance are in ``atanh`` units (see :mod:`sim.model.state`).
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from sim.model.declare import flag, integer, number, span, table

__all__ = [
    "AHEAD_WHY",
    "BOOST_WHY",
    "EFFECT_FIELDS",
    "MAX_AHEAD_DAYS",
    "MAX_SENSITIVITY",
    "MAX_TEMPO_BOOST",
    "MIN_STEP_DAYS",
    "STEP_WHY",
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


#: Shortest mean time between an actor's decisions, and shortest step of the war, in days
#: (0.01 day is 14.4 minutes): no negotiator decides more often, and a shorter time only
#: makes a run of millions of events (1e-320 days: one that never ends, time no longer
#: advancing). See also the engine's event budget (:mod:`sim.engine.run`).
MIN_STEP_DAYS = 0.01
#: Why, in the docs and in the message for a shorter time.
STEP_WHY = "a quarter of an hour at the least: a run must end"

#: Largest factor by which a focal date speeds up decisions: a hundred times as often is
#: already a decision every 15 seconds at the shortest tempo; a larger factor only makes a run
#: that never ends (1e308 divides every wait to 0).
MAX_TEMPO_BOOST = 100.0
#: Why, in the docs and in the message for a larger factor.
BOOST_WHY = "a hundred times as often at most: a run must end"

#: Longest time ahead a date can be set, in days (ten years): a stage's lead, a target date,
#: an extension. No negotiation sets a date further ahead; and with it, no date a run
#: computes leaves the calendar (the model also stops every date at the calendar's last
#: day, 31 December 9999; see :class:`~sim.model.actions.ActionContext`).
MAX_AHEAD_DAYS = 3650
#: Why, in the docs and in the message for a longer time.
AHEAD_WHY = "ten years at most: every date a run sets stays in the calendar"


@dataclass(frozen=True, slots=True)
class Effect:
    """The sizes of an action's effects; which ones apply depends on its kind.

    Each field's meaning, unit and range are declared below (and listed in
    ``docs/SCENARIOS.md``). Shifts of readiness, violence and rapport are in
    log-odds (+0.4 multiplies the odds by 1.5); shifts of stance and balance
    in ``atanh`` units.
    """

    readiness: float = number(
        0.0,
        "shift of readiness (for a meeting, times 1 + amplification x rapport; for an "
        "agreement, only on success)",
        unit="log-odds",
    )
    stance_self: float = number(0.0, "shift of the acting actor's stance", unit="atanh units")
    stance_other: float = number(
        0.0, "shift of the partner's or target's stance", unit="atanh units"
    )
    rapport: float = number(
        0.0, "shift of the rapport between the actor and its partner or target", unit="log-odds"
    )
    balance: float = number(
        0.0,
        "shift of the military balance toward the actor's side (times its side: nothing for "
        "side 0)",
        unit="atanh units",
    )
    violence: float = number(0.0, "shift of the level of violence", unit="log-odds")
    contention: float = number(
        0.0,
        "for a demand or precondition: how much more contested the gate becomes; for an "
        "agreement: the change when the attempt fails (negative: a failed round still narrows "
        "the dispute)",
        unit="saturating",
    )
    settle_probability: float = number(
        1.0,
        "for an agreement: the chance it succeeds at full readiness and no contention",
        unit="probability",
        low=0.0,
        high=1.0,
        what="a probability",
    )
    target_days: float = number(
        14.0,
        "for a target date: how many days ahead the date is set",
        unit="days",
        low=0.0,
        low_open=True,
        high=MAX_AHEAD_DAYS,
        why=AHEAD_WHY,
        what="a number of days",
    )
    fail_readiness: float = number(
        0.0,
        "for an attempt or a vote: shift of readiness when it fails (a rejected deal)",
        unit="log-odds",
    )
    violence_mean: float = number(
        0.0,
        "for a ceasefire: shift of the level violence returns to (it stays shifted)",
        unit="log-odds",
    )
    extension_days: float = number(
        30.0,
        "for an extension decided in a run: how many days the deadline moves",
        unit="days",
        low=0.0,
        low_open=True,
        high=MAX_AHEAD_DAYS,
        why=AHEAD_WHY,
        what="a number of days",
    )
    cohesion: float = number(
        0.5,
        "for a coalition forming: how far its members' stances move toward their mean "
        "(1 aligns them)",
        unit="share",
        low=0.0,
        high=1.0,
        what="a share",
    )


#: The names of :class:`Effect`'s fields, in order.
EFFECT_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(Effect))


@dataclass(frozen=True, slots=True)
class Reactions:
    """Spoiler moves and reactions: actors answer what others do."""

    enabled: bool = flag(True, "reaction rules fire")
    max_depth: int = integer(
        2, "longest chain: 1 = only direct answers, 2 = answers to answers", low=1, high=10
    )


@dataclass(frozen=True, slots=True)
class Ripeness:
    """A mutually hurting stalemate raises readiness.

    Readiness log-odds rise by ``rate * violence * (1 - balance**2)`` per day:
    fastest when the war hurts and neither side expects to win.
    """

    enabled: bool = flag(True, "a mutually hurting stalemate raises readiness")
    rate: float = number(
        0.0,
        "drift rate x violence x (1 - balance^2) of readiness, acting continuously between events",
        unit="log-odds per day",
        low=0.0,
        what="a rate per day",
    )


@dataclass(frozen=True, slots=True)
class Narrowing:
    """Continuing violence narrows the space for talks.

    Readiness log-odds fall by ``rate * violence`` per day.
    """

    enabled: bool = flag(True, "continuing violence lowers readiness")
    rate: float = number(
        0.0,
        "drift -rate x violence of readiness, acting continuously between events",
        unit="log-odds per day",
        low=0.0,
        what="a rate per day",
    )


@dataclass(frozen=True, slots=True)
class FocalDates:
    """Focal dates (summits, target dates) concentrate effort.

    Within ``window_days`` before a focal date, actors decide ``tempo_boost``
    times as often and weight their constructive moves ``weight_boost`` times
    more.
    """

    enabled: bool = flag(True, "focal dates concentrate effort")
    window_days: float = number(
        10.0,
        "how far ahead a focal date (a focal deadline or a target date) draws effort",
        unit="days",
        low=0.0,
        what="a number of days",
    )
    tempo_boost: float = number(
        1.0,
        "decisions come this many times as often",
        unit="factor",
        low=0.0,
        low_open=True,
        high=MAX_TEMPO_BOOST,
        why=BOOST_WHY,
        what="a positive factor",
    )
    weight_boost: float = number(
        1.0,
        "constructive moves weigh this many times more",
        unit="factor",
        low=0.0,
        low_open=True,
        what="a positive factor",
    )


@dataclass(frozen=True, slots=True)
class Rapport:
    """Rapport between negotiators amplifies their meetings.

    A meeting's readiness effect is multiplied by ``1 + amplification *
    rapport`` of the two who meet.
    """

    enabled: bool = flag(True, "rapport amplifies meetings")
    amplification: float = number(
        0.0,
        "a meeting's readiness effect x (1 + amplification x rapport)",
        unit="factor",
        low=0.0,
        what="a factor",
    )


@dataclass(frozen=True, slots=True)
class Mechanisms:
    """The switchable mechanisms of the model, with their parameters."""

    reactions: Reactions = table(Reactions, "spoiler moves and reactions")
    ripeness: Ripeness = table(Ripeness, "the ripeness of a mutually hurting stalemate")
    narrowing: Narrowing = table(Narrowing, "violence narrowing the space for talks")
    focal_dates: FocalDates = table(FocalDates, "focal dates concentrating effort")
    rapport: Rapport = table(Rapport, "rapport amplifying meetings")


@dataclass(frozen=True, slots=True, kw_only=True)
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

    tick_days: float = number(
        7.0,
        "how often the war takes its random step (at k x tick_days, k = 1, 2, ...)",
        unit="days",
        low=MIN_STEP_DAYS,
        why=STEP_WHY,
        what="a number of days",
    )
    readiness_mean: float = number(
        doc="where readiness settles without effort when the actors' mean stance is 0",
        unit="level",
        low=0.0,
        high=1.0,
        low_open=True,
        high_open=True,
        what="a readiness",
        default_from="initial.readiness",
    )
    readiness_reversion: float = number(
        0.0,
        "how fast readiness returns to its rest level (half-life 0.693 / rate days); 0 = never",
        unit="per day",
        low=0.0,
        what="a rate per day",
    )
    stance_pull: float = number(
        0.0,
        "how far the actors' lasting attitudes move the rest level: rest = "
        "logit(readiness_mean) + stance_pull x mean stance",
        unit="log-odds per unit of mean stance",
        low=0.0,
        what="a number of log-odds",
    )
    violence_mean: float = number(
        doc="long-run level of violence",
        unit="level",
        low=0.0,
        high=1.0,
        low_open=True,
        high_open=True,
        what="a level of violence",
        default_from="initial.violence",
    )
    violence_reversion: float = number(
        0.0, "pull toward it", unit="per day", low=0.0, what="a rate per day"
    )
    violence_volatility: float = number(
        0.0,
        "noise of each step",
        unit="log-odds per square-root day",
        low=0.0,
        what="a volatility per square-root day",
    )
    balance_mean: float = number(
        doc="long-run military balance",
        unit="level",
        low=-1.0,
        high=1.0,
        low_open=True,
        high_open=True,
        what="a balance",
        default_from="initial.balance",
    )
    balance_reversion: float = number(
        0.0, "pull toward it", unit="per day", low=0.0, what="a rate per day"
    )
    balance_volatility: float = number(
        0.0,
        "noise of each step",
        unit="atanh units per square-root day",
        low=0.0,
        what="a volatility per square-root day",
    )


@dataclass(frozen=True, slots=True)
class ConveningRule:
    """When the conference is announced, postponed and convened.

    When every gate is resolved and readiness is at least
    ``announce_threshold``, the convener announces a date ``lead`` days after
    the current day, ``lead`` drawn uniformly from the whole days
    ``lead_days[0] .. lead_days[1]``. If readiness falls below
    ``postpone_threshold`` before that date, the date is postponed. The
    conference convenes on the announced date.
    """

    announce_threshold: float = number(
        doc="once every gate is resolved, a date is announced when readiness reaches this",
        unit="readiness",
        low=0.0,
        high=1.0,
        low_open=True,
        high_open=True,
        what="a readiness threshold",
    )
    postpone_threshold: float = number(
        doc="an announced date is postponed if readiness falls below this (at most "
        "announce_threshold); 0 means never postpone",
        unit="readiness",
        low=0.0,
        high=1.0,
        high_open=True,
        what="a readiness threshold",
    )
    lead_days: tuple[int, int] = span(
        doc="days from the announcement to the conference, drawn uniformly among the whole "
        "days min ... max",
        high=MAX_AHEAD_DAYS,
        why=AHEAD_WHY,
        integer=True,
        what="whole days",
    )

    @property
    def lead_min_days(self) -> int:
        """The shortest lead time, in days."""
        return self.lead_days[0]

    @property
    def lead_max_days(self) -> int:
        """The longest lead time, in days."""
        return self.lead_days[1]


#: Largest choice.stance_sensitivity: a committed actor favours constructive moves at
#: most exp(20), about 5e8, times; beyond that weights overflow.
MAX_SENSITIVITY = 20.0


@dataclass(frozen=True, slots=True)
class ChoiceRule:
    """How an actor's stance shapes its choices.

    A constructive move's weight is multiplied by ``exp(stance_sensitivity *
    stance)``, a spoiler move's by ``exp(-stance_sensitivity * stance)``.
    """

    stance_sensitivity: float = number(
        1.0,
        "kappa: constructive moves weigh e^(kappa x stance) times their base weight, spoiler "
        "moves e^(-kappa x stance); 0 makes stance irrelevant; at most 20 (beyond that the "
        "weights overflow)",
        low=0.0,
        high=MAX_SENSITIVITY,
        what="a sensitivity",
    )
