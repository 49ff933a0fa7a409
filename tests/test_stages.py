"""Tests for sim.model.stages: take a stage, postpone its date, reach it, end otherwise."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim.model.stages import (
    EndingRule,
    StageRule,
    Transition,
    due,
    end,
    lead_days,
    postpone,
    reach,
    take,
    threshold_logit,
)
from sim.model.state import NO_DAY, NOT_ENDED, State, logit

ALL = 0b11


def rule(
    gates: int = ALL,
    threshold: float = 0.6,
    lead: tuple[int, int] = (14, 28),
    postpone_below: float = 0.4,
    undo_from: int = 0,
) -> StageRule:
    return StageRule(
        gates, threshold_logit(threshold), lead, threshold_logit(postpone_below), undo_from
    )


#: The [convening] shorthand: a date announced (at once, at readiness 0.6), then convened on
#: it (14 to 28 days later; postponed below 0.4, which also undoes the announcement).
ANNOUNCED = rule(threshold=0.6, lead=(0, 0), postpone_below=0.0, undo_from=0)
CONVENED = rule(threshold=0.0, lead=(14, 28), postpone_below=0.4, undo_from=0)
SHORTHAND = (ANNOUNCED, CONVENED)


def state(readiness: float, resolved: int = ALL, **fields: object) -> State:
    s = State(
        readiness_logit=logit(readiness),
        violence_logit=-math.inf,
        violence_mean_logit=-math.inf,
        balance_latent=0.0,
        resolved=resolved,
        contention_latent=(0.0, 0.0),
        stance_latent=(0.0,),
        stance_sum=0.0,
        influence_total=1.0,
        rapport_latent=(),
        target_day=math.inf,
        stage=0,
        pending_day=NO_DAY,
        ended=NOT_ENDED,
        regime=(0,),
        active=1,
        deadline_days=(30,),
    )
    return s._replace(**fields)


def announced(readiness: float, day: int) -> State:
    """The shorthand's first stage reached and the conference's date pending."""
    return state(readiness, stage=1, pending_day=day)


# -- thresholds -------------------------------------------------------------------------------


def test_thresholds_are_log_odds_and_zero_means_none() -> None:
    assert threshold_logit(0.6) == logit(0.6)
    assert threshold_logit(0.0) == -math.inf
    assert CONVENED.threshold_logit == -math.inf
    assert ANNOUNCED.immediate
    assert not CONVENED.immediate


def test_a_zero_postpone_threshold_never_postpones() -> None:
    never = (ANNOUNCED, rule(threshold=0.0, postpone_below=0.0))
    assert due(announced(1e-12, 30), never) is Transition.NONE


# -- taking a stage ---------------------------------------------------------------------------


def test_takes_a_stage_when_its_gates_are_settled_and_readiness_at_the_threshold() -> None:
    assert due(state(0.6), SHORTHAND) is Transition.TAKE
    after = take(state(0.6), ANNOUNCED, 10.0, 0.0)
    assert (after.stage, after.pending_day) == (1, NO_DAY)  # reached at once
    dated = take(after, CONVENED, 10.0, 0.0)
    assert (dated.stage, dated.pending_day) == (1, 10 + 14)


@pytest.mark.parametrize("resolved", [0b00, 0b01, 0b10])
def test_no_stage_is_taken_while_a_gate_it_needs_is_open_however_ready(resolved: int) -> None:
    assert due(state(0.999999, resolved), SHORTHAND) is Transition.NONE


def test_a_stage_needs_only_its_own_gates() -> None:
    first = rule(gates=0b01, threshold=0.5, lead=(0, 0), postpone_below=0.0)
    second = rule(gates=0b10, threshold=0.5, lead=(0, 0), postpone_below=0.0, undo_from=1)
    assert due(state(0.7, resolved=0b01), (first, second)) is Transition.TAKE
    assert due(state(0.7, resolved=0b01, stage=1), (first, second)) is Transition.NONE
    assert due(state(0.7, resolved=0b10, stage=1), (first, second)) is Transition.TAKE


def test_no_stage_is_taken_below_the_threshold() -> None:
    assert due(state(math.nextafter(0.6, 0.0)), SHORTHAND) is Transition.NONE


def test_nothing_is_due_with_a_date_pending_above_the_postpone_threshold() -> None:
    assert due(announced(0.9, 40), SHORTHAND) is Transition.NONE


def test_the_date_is_the_next_whole_day_plus_the_lead() -> None:
    after = take(state(0.7, stage=1), CONVENED, 10.25, 0.0)
    assert after.pending_day == 11 + 14
    after = take(state(0.7, stage=1), CONVENED, 10.0, math.nextafter(1.0, 0.0))
    assert after.pending_day == 10 + 28


@given(st.floats(0.0, 1.0, exclude_max=True), st.floats(0.0, 1000.0))
def test_the_date_lies_within_the_lead_bounds(u: float, now: float) -> None:
    after = take(state(0.7, stage=1), CONVENED, now, u)
    low, high = CONVENED.lead_days
    assert now + low <= after.pending_day <= math.ceil(now) + high
    assert isinstance(after.pending_day, int)


# -- lead times -------------------------------------------------------------------------------


def test_lead_days_are_uniform_over_the_whole_days_inclusive() -> None:
    r = rule(lead=(3, 7))
    n = 5000
    counts: dict[int, int] = {}
    for i in range(n):
        d = lead_days(r, (i + 0.5) / n)
        counts[d] = counts.get(d, 0) + 1
    assert counts == dict.fromkeys(range(3, 8), 1000)


@given(st.integers(0, 100), st.integers(0, 100), st.floats(0.0, 1.0, exclude_max=True))
def test_lead_days_stay_within_bounds(lo: int, extra: int, u: float) -> None:
    assert lo <= lead_days(rule(lead=(lo, lo + extra)), u) <= lo + extra


def test_lead_days_for_a_fixed_lead() -> None:
    r = rule(lead=(21, 21))
    assert {lead_days(r, u) for u in (0.0, 0.5, math.nextafter(1.0, 0.0))} == {21}


def test_a_lead_from_zero_days_is_not_immediate_and_may_fall_today() -> None:
    r = rule(threshold=0.0, lead=(0, 3), postpone_below=0.0)
    assert not r.immediate
    assert take(state(0.5), r, 7.0, 0.0).pending_day == 7


# -- postponing -------------------------------------------------------------------------------


def test_postpones_when_readiness_falls_below_the_postpone_threshold() -> None:
    before = announced(0.39, 40)
    assert due(before, SHORTHAND) is Transition.POSTPONE
    after = postpone(before, CONVENED)
    assert after.pending_day == NO_DAY
    assert after.stage == 0  # the shorthand's postponement undoes the announcement


def test_a_postponement_undoes_only_what_its_rule_says() -> None:
    keep = rule(threshold=0.0, postpone_below=0.4, undo_from=1)
    after = postpone(announced(0.3, 40), keep)
    assert (after.stage, after.pending_day) == (1, NO_DAY)


@pytest.mark.parametrize("readiness", [0.4, 0.5, 0.59])
def test_keeps_the_date_at_or_above_the_postpone_threshold(readiness: float) -> None:
    assert due(announced(readiness, 40), SHORTHAND) is Transition.NONE


def test_a_gate_reopened_postpones_the_pending_date() -> None:
    assert due(announced(0.9, 40)._replace(resolved=0b01), SHORTHAND) is Transition.POSTPONE


def test_an_open_state_below_the_postpone_threshold_has_nothing_to_postpone() -> None:
    assert due(state(0.1), SHORTHAND) is Transition.NONE


def test_after_a_postponement_a_new_date_is_set() -> None:
    postponed = postpone(announced(0.3, 40), CONVENED)
    recovered = postponed._replace(readiness_logit=logit(0.65))
    assert due(recovered, SHORTHAND) is Transition.TAKE
    again = take(take(recovered, ANNOUNCED, 30.5, 0.0), CONVENED, 30.5, 0.0)
    assert (again.stage, again.pending_day) == (1, 31 + 14)


# -- reaching ---------------------------------------------------------------------------------


def test_a_stage_is_reached_only_on_its_date() -> None:
    s = announced(0.5, 40)
    assert reach(s, 39) is None
    assert reach(s, 41) is None
    after = reach(s, 40)
    assert after is not None
    assert (after.stage, after.pending_day) == (2, NO_DAY)
    assert after._replace(stage=1, pending_day=40) == s


def test_a_postponed_date_reaches_nothing() -> None:
    assert reach(postpone(announced(0.3, 40), CONVENED), 40) is None


def test_a_stale_date_replaced_by_a_later_one_reaches_nothing() -> None:
    replaced = announced(0.7, 52)  # first set for day 40, postponed, then for day 52
    assert reach(replaced, 40) is None
    assert reach(replaced, 52) is not None


def test_nothing_is_due_after_the_last_stage() -> None:
    s = state(0.7, stage=2)
    assert due(s, SHORTHAND) is Transition.NONE
    assert reach(s, 40) is None


# -- endings ----------------------------------------------------------------------------------


def test_an_ending_is_final_and_withdraws_a_pending_date() -> None:
    ended = end(announced(0.7, 40), 1)
    assert (ended.ended, ended.pending_day, ended.stage) == (1, NO_DAY, 1)
    assert due(ended, SHORTHAND) is Transition.NONE
    assert due(end(state(0.9), 0), SHORTHAND) is Transition.NONE
    assert reach(end(announced(0.7, 40), 0)._replace(pending_day=40), 40) is None


def test_an_ending_rule_holds_its_level_as_log_odds() -> None:
    assert EndingRule(threshold_logit(0.05)).below_logit == logit(0.05)
    assert EndingRule(threshold_logit(0.0)).below_logit == -math.inf
