"""Tests for sim.model.convening: announce, postpone, convene."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim.model.convening import (
    Transition,
    all_resolved,
    convene,
    due,
    lead_days,
    step,
    thresholds,
)
from sim.model.params import ConveningRule
from sim.model.state import NO_DAY, Phase, State, logit

RULE = ConveningRule(
    announce_threshold=0.6, postpone_threshold=0.4, lead_days=(14, 28)
)
N_GATES = 2
ALL = 0b11


def state(readiness: float, resolved: int = ALL, **fields: object) -> State:
    s = State(
        readiness_logit=logit(readiness),
        violence_logit=0.0,
        balance_latent=0.0,
        resolved=resolved,
        contention_latent=(0.0, 0.0),
        stance_latent=(0.0,),
        rapport_latent=(),
        target_day=math.inf,
        phase=Phase.OPEN,
        convene_day=NO_DAY,
    )
    return s._replace(**fields)


def announced(readiness: float, day: int) -> State:
    return state(readiness, phase=Phase.ANNOUNCED, convene_day=day)


# -- gates and thresholds ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("resolved", "n_gates", "expected"),
    [(0b11, 2, True), (0b01, 2, False), (0b10, 2, False), (0, 0, True), (0b111, 3, True)],
)
def test_all_resolved(resolved: int, n_gates: int, expected: bool) -> None:
    assert all_resolved(state(0.5, resolved), n_gates) is expected


def test_thresholds_are_log_odds_and_a_zero_postpone_threshold_never_postpones() -> None:
    assert thresholds(RULE) == (logit(0.6), logit(0.4))
    never = ConveningRule(0.6, 0.0, (14, 28))
    assert thresholds(never) == (logit(0.6), -math.inf)
    assert step(announced(1e-12, 30), never, N_GATES, 5.0, 0.5)[1] is Transition.NONE


# -- announcing -------------------------------------------------------------------------------


def test_announces_when_all_gates_resolved_and_readiness_at_the_threshold() -> None:
    after, transition = step(state(0.6), RULE, N_GATES, 10.0, 0.0)
    assert transition is Transition.ANNOUNCED
    assert after.phase == Phase.ANNOUNCED
    assert after.convene_day == 10 + 14


@pytest.mark.parametrize("resolved", [0b00, 0b01, 0b10])
def test_no_announcement_while_a_gate_is_open_however_ready(resolved: int) -> None:
    before = state(0.999999, resolved)
    assert due(before, N_GATES, *thresholds(RULE)) is Transition.NONE
    assert step(before, RULE, N_GATES, 3.0, 0.5) == (before, Transition.NONE)


def test_no_announcement_below_the_threshold() -> None:
    before = state(math.nextafter(0.6, 0.0))
    assert step(before, RULE, N_GATES, 3.0, 0.5) == (before, Transition.NONE)


def test_no_second_announcement_while_a_date_is_set() -> None:
    before = announced(0.9, 40)
    assert step(before, RULE, N_GATES, 20.0, 0.5) == (before, Transition.NONE)


def test_announcement_day_is_the_next_whole_day_plus_the_lead() -> None:
    after, _ = step(state(0.7), RULE, N_GATES, 10.25, 0.0)
    assert after.convene_day == 11 + 14
    after, _ = step(state(0.7), RULE, N_GATES, 10.0, math.nextafter(1.0, 0.0))
    assert after.convene_day == 10 + 28


@given(st.floats(0.0, 1.0, exclude_max=True), st.floats(0.0, 1000.0))
def test_announced_day_lies_within_the_lead_bounds(u: float, now: float) -> None:
    after, transition = step(state(0.7), RULE, N_GATES, now, u)
    assert transition is Transition.ANNOUNCED
    assert now + RULE.lead_min_days <= after.convene_day <= math.ceil(now) + RULE.lead_max_days
    assert isinstance(after.convene_day, int)


# -- lead times -------------------------------------------------------------------------------


def test_lead_days_are_uniform_over_the_whole_days_inclusive() -> None:
    rule = ConveningRule(0.6, 0.4, (3, 7))
    n = 5000
    counts: dict[int, int] = {}
    for i in range(n):
        d = lead_days(rule, (i + 0.5) / n)
        counts[d] = counts.get(d, 0) + 1
    assert counts == dict.fromkeys(range(3, 8), 1000)


@given(
    st.integers(0, 100),
    st.integers(0, 100),
    st.floats(0.0, 1.0, exclude_max=True),
)
def test_lead_days_stay_within_bounds(lo: int, extra: int, u: float) -> None:
    rule = ConveningRule(0.6, 0.4, (lo, lo + extra))
    assert lo <= lead_days(rule, u) <= lo + extra


def test_lead_days_for_a_fixed_lead() -> None:
    rule = ConveningRule(0.6, 0.4, (21, 21))
    assert {lead_days(rule, u) for u in (0.0, 0.5, math.nextafter(1.0, 0.0))} == {21}


# -- postponing -------------------------------------------------------------------------------


def test_postpones_when_readiness_falls_below_the_postpone_threshold() -> None:
    after, transition = step(announced(0.39, 40), RULE, N_GATES, 20.0, 0.5)
    assert transition is Transition.POSTPONED
    assert after.phase == Phase.OPEN
    assert after.convene_day == NO_DAY


@pytest.mark.parametrize("readiness", [0.4, 0.5, 0.59])
def test_keeps_the_date_at_or_above_the_postpone_threshold(readiness: float) -> None:
    before = announced(readiness, 40)
    assert step(before, RULE, N_GATES, 20.0, 0.5) == (before, Transition.NONE)


def test_an_open_state_below_the_postpone_threshold_has_nothing_to_postpone() -> None:
    before = state(0.1)
    assert step(before, RULE, N_GATES, 20.0, 0.5) == (before, Transition.NONE)


def test_after_a_postponement_a_new_announcement_names_a_new_date() -> None:
    postponed, _ = step(announced(0.3, 40), RULE, N_GATES, 20.0, 0.5)
    recovered = postponed._replace(readiness_logit=logit(0.65))
    again, transition = step(recovered, RULE, N_GATES, 30.5, 0.0)
    assert transition is Transition.ANNOUNCED
    assert again.convene_day == 31 + 14


# -- convening --------------------------------------------------------------------------------


def test_convenes_only_on_the_announced_day() -> None:
    s = announced(0.5, 40)
    assert convene(s, 39) is None
    assert convene(s, 41) is None
    after = convene(s, 40)
    assert after is not None
    assert after.phase == Phase.CONVENED
    assert after.convene_day == 40
    assert after._replace(phase=Phase.ANNOUNCED) == s


def test_a_postponed_date_does_not_convene() -> None:
    postponed, _ = step(announced(0.3, 40), RULE, N_GATES, 20.0, 0.5)
    assert convene(postponed, 40) is None


def test_a_stale_date_replaced_by_a_later_announcement_does_not_convene() -> None:
    replaced = announced(0.7, 52)  # first announced for day 40, postponed, then for day 52
    assert convene(replaced, 40) is None
    assert convene(replaced, 52) is not None


def test_a_convened_conference_does_not_convene_again() -> None:
    s = state(0.7, phase=Phase.CONVENED, convene_day=40)
    assert convene(s, 40) is None
    assert step(s, RULE, N_GATES, 40.0, 0.5) == (s, Transition.NONE)
