"""The convening rule: announce, postpone, convene.

Pure functions of the state; the engine calls :func:`step` after every change
of the state and :func:`convene` when an announced date arrives.
"""

from __future__ import annotations

import math
from enum import IntEnum

from sim.model.params import ConveningRule
from sim.model.state import NO_DAY, Phase, State, logit

__all__ = ["Transition", "all_resolved", "convene", "due", "lead_days", "step", "thresholds"]


# Plain ints: this runs after every event, and enum attribute access is slow.
_OPEN = int(Phase.OPEN)
_ANNOUNCED = int(Phase.ANNOUNCED)


class Transition(IntEnum):
    """What :func:`step` did."""

    NONE = 0
    ANNOUNCED = 1
    POSTPONED = 2


_NONE = Transition.NONE
_ANNOUNCE = Transition.ANNOUNCED
_POSTPONE = Transition.POSTPONED


def all_resolved(state: State, n_gates: int) -> bool:
    """Whether every one of the ``n_gates`` gates is resolved."""
    return state.resolved == (1 << n_gates) - 1


def lead_days(rule: ConveningRule, u: float) -> int:
    """The lead time for a uniform draw ``u`` in [0, 1): a whole number of days.

    Uniform over ``lead_min_days .. lead_max_days`` inclusive (inverse CDF).
    """
    span = rule.lead_max_days - rule.lead_min_days + 1
    return rule.lead_min_days + min(int(u * span), span - 1)


def thresholds(rule: ConveningRule) -> tuple[float, float]:
    """The announce and postpone thresholds as readiness log-odds.

    The rule compares log-odds, so that the engine can precompute these once
    per run and agree with :func:`step` to the last bit. A postpone threshold
    of 0 becomes ``-inf``: never postpone.
    """
    postpone = -math.inf if rule.postpone_threshold <= 0.0 else logit(rule.postpone_threshold)
    return logit(rule.announce_threshold), postpone


def due(state: State, n_gates: int, announce_logit: float, postpone_logit: float) -> Transition:
    """The transition the state calls for, without making it.

    Announce when no date is set, every gate is resolved and readiness is at
    least the announce threshold; postpone when a date is set and readiness is
    below the postpone threshold.
    """
    phase = state.phase
    if phase == _OPEN:
        if state.readiness_logit >= announce_logit and state.resolved == (1 << n_gates) - 1:
            return _ANNOUNCE
    elif phase == _ANNOUNCED and state.readiness_logit < postpone_logit:
        return _POSTPONE
    return _NONE


def step(
    state: State, rule: ConveningRule, n_gates: int, now: float, u: float
) -> tuple[State, Transition]:
    """Announce or postpone if the state calls for it.

    Parameters
    ----------
    state
        The state after the latest change.
    rule
        Thresholds and lead times.
    n_gates
        How many gates the scenario has.
    now
        The current time, in days.
    u
        A uniform draw in [0, 1), used for the lead time if a date is announced.

    Returns
    -------
    tuple[State, Transition]
        The new state and what happened. An announcement sets the convening
        day to ``ceil(now) + lead``, so the conference opens at least
        ``lead_min_days`` after the announcement, on a whole day.
    """
    transition = due(state, n_gates, *thresholds(rule))
    if transition is Transition.ANNOUNCED:
        day = math.ceil(now) + lead_days(rule, u)
        return state._replace(phase=Phase.ANNOUNCED, convene_day=day), transition
    if transition is Transition.POSTPONED:
        return state._replace(phase=Phase.OPEN, convene_day=NO_DAY), transition
    return state, transition


def convene(state: State, day: int) -> State | None:
    """The state after convening on ``day``, or ``None`` if no conference is due that day.

    A date that was postponed, or replaced by a later announcement, no longer
    convenes anything.
    """
    if state.phase == Phase.ANNOUNCED and state.convene_day == day:
        return state._replace(phase=Phase.CONVENED)
    return None
