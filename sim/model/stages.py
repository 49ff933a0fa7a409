"""Stages and endings: how a negotiation moves toward its outcome, or ends otherwise.

A negotiation's outcome is an ordered chain of **stages** (talks convened →
an agreement initialled → signed → ratified). Stage ``k`` can be taken only
after stage ``k - 1`` was reached; its :class:`StageRule` says when:

- every gate in its mask is settled, and readiness is at least its
  threshold (stored as log-odds; ``-inf`` for no threshold);
- then a date is set ``lead`` days ahead (drawn uniformly from the whole days
  of ``lead_days``); a lead of 0 reaches the stage at once;
- while the date is pending, the date is **postponed** if readiness falls
  below the postpone threshold, or a gate it needs is reopened (a gate
  still open when the record announced the date does not count until it is
  settled: the date stands while the question stays open); a
  postponement undoes the stages from ``undo_from`` on (by default none: only
  the pending date is withdrawn);
- otherwise the stage is reached on its date.

An **ending** is a terminal alternative (a walk-out, a collapse, a no-deal
exit): once one happens, the negotiation is over and no stage is reached
afterwards. :class:`EndingRule` says when one happens by itself (readiness
falling below a level); others are triggered by actions (``walk_out``) and by
deadlines that pass with their stage unreached.

Pure functions of the state: the engine calls :func:`due` after every change
and acts on what it says.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import IntEnum

from sim.model.state import (
    ENDED,
    LAST_DAY,
    NO_DAY,
    NOT_ENDED,
    PENDING_DAY,
    PENDING_OPEN,
    STAGE,
    State,
    logit,
)

__all__ = [
    "EndingRule",
    "StageRule",
    "Transition",
    "due",
    "end",
    "lead_days",
    "postpone",
    "reach",
    "take",
    "threshold_logit",
]

_new = tuple.__new__


class Transition(IntEnum):
    """What the state calls for (:func:`due`)."""

    NONE = 0
    TAKE = 1
    """The next stage's conditions hold: set its date (or reach it at once)."""
    POSTPONE = 2
    """The pending date must be withdrawn."""


@dataclass(frozen=True, slots=True)
class StageRule:
    """When a stage is taken and reached, in the form the engine checks.

    Attributes
    ----------
    gates
        Bit mask of the gates that must be settled.
    threshold_logit
        Readiness (log-odds) needed to take the stage; ``-inf``: none.
    lead_days
        Whole days from taking the stage to reaching it: uniform over
        ``lead_days[0] .. lead_days[1]``; ``(0, 0)`` reaches it at once.
    postpone_logit
        While its date is pending, readiness (log-odds) below this postpones
        it; ``-inf``: never.
    undo_from
        On postponement, the stages from this index on are undone (the
        number of stages still reached becomes ``undo_from``); equal to the
        stage's own index when only the pending date is withdrawn.
    last_day
        The latest day its date can be set for: for a scenario, the
        calendar's last day (31 December 9999) in days from its start.
    """

    gates: int
    threshold_logit: float
    lead_days: tuple[int, int]
    postpone_logit: float
    undo_from: int
    last_day: int = LAST_DAY

    @property
    def immediate(self) -> bool:
        """Whether the stage is reached as soon as it is taken (no date to wait for)."""
        return self.lead_days[1] == 0


@dataclass(frozen=True, slots=True)
class EndingRule:
    """When an alternative ending happens by itself.

    Attributes
    ----------
    below_logit
        The negotiation ends this way when readiness (log-odds) falls below
        this; ``-inf``: never by itself (only by an action or a deadline).
    """

    below_logit: float


def threshold_logit(level: float) -> float:
    """A readiness level as log-odds, 0 meaning "no threshold" (``-inf``)."""
    return -math.inf if level <= 0.0 else logit(level)


def lead_days(rule: StageRule, u: float) -> int:
    """The lead time for a uniform draw ``u`` in [0, 1): a whole number of days (inverse CDF)."""
    low, high = rule.lead_days
    span = high - low + 1
    return low + min(int(u * span), span - 1)


def due(state: State, rules: Sequence[StageRule]) -> Transition:
    """The stage transition the state calls for, without making it.

    Nothing is due once the negotiation has ended or reached its last stage.
    With a date pending, a postponement is due when readiness is below the
    pending stage's postpone threshold or one of its gates is open again
    (one that was settled when the date was announced:
    :attr:`State.pending_open` lists those that were not).
    Otherwise the next stage is due when its gates are settled and readiness
    is at least its threshold.
    """
    k = state.stage
    if state.ended != NOT_ENDED or k >= len(rules):
        return Transition.NONE
    rule = rules[k]
    if state.pending_day != NO_DAY:
        held = rule.gates & ~state.pending_open
        if state.readiness_logit < rule.postpone_logit or state.resolved & held != held:
            return Transition.POSTPONE
        return Transition.NONE
    if state.resolved & rule.gates == rule.gates and state.readiness_logit >= rule.threshold_logit:
        return Transition.TAKE
    return Transition.NONE


def take(state: State, rule: StageRule, now: float, u: float) -> State:
    """Take the next stage: reach it at once, or set its date ``lead`` days ahead.

    A date falls on a whole day: ``ceil(now) + lead``, so the stage is reached
    at least ``lead_days[0]`` days after it was taken (and never after the
    rule's last day, the calendar's end).
    """
    s = list(state)
    if rule.immediate:
        s[STAGE] = state.stage + 1
    else:
        s[PENDING_DAY] = min(math.ceil(now) + lead_days(rule, u), rule.last_day)
    return _new(State, s)


def postpone(state: State, rule: StageRule) -> State:
    """Withdraw the pending date, undoing the stages from ``rule.undo_from`` on."""
    s = list(state)
    s[PENDING_DAY] = NO_DAY
    s[PENDING_OPEN] = 0
    s[STAGE] = min(state.stage, rule.undo_from)
    return _new(State, s)


def reach(state: State, day: int) -> State | None:
    """The state after the pending stage is reached on ``day``, or ``None`` if none is due then.

    A date that was postponed, or replaced by a later one, reaches nothing.
    """
    if state.pending_day != day or state.ended != NOT_ENDED:
        return None
    s = list(state)
    s[STAGE] = state.stage + 1
    s[PENDING_DAY] = NO_DAY
    s[PENDING_OPEN] = 0
    return _new(State, s)


def end(state: State, ending: int) -> State:
    """The state after the negotiation ends by ``ending`` (a pending date goes with it)."""
    s = list(state)
    s[ENDED] = ending
    s[PENDING_DAY] = NO_DAY
    s[PENDING_OPEN] = 0
    return _new(State, s)
