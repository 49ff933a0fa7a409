"""Tests for sim.model.state: the bounded transforms and the state's read-outs."""

from __future__ import annotations

import itertools
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim.model.actions import ActionContext
from sim.model.params import Rapport
from sim.model.state import (
    NO_DAY,
    NOT_ENDED,
    State,
    atanh_stance,
    contention_latent,
    logistic,
    logit,
    pair_index,
    saturate,
)

finite = st.floats(allow_nan=False, allow_infinity=False)
open_unit = st.floats(min_value=0.0, max_value=1.0, exclude_min=True, exclude_max=True)
contention = st.floats(min_value=0.0, max_value=1.0, exclude_max=True)


def make_state(n_actors: int = 3, **fields: object) -> State:
    """Every actor active in its first regime, with influence 1; rapport slots for every pair."""
    state = State(
        readiness_logit=0.0,
        violence_logit=0.0,
        violence_mean_logit=0.0,
        balance_latent=0.0,
        resolved=0,
        contention_latent=(0.0, 0.0),
        stance_latent=(0.0,) * n_actors,
        stance_sum=0.0,
        influence_total=float(n_actors),
        rapport_latent=(0.0,) * (n_actors * (n_actors - 1) // 2),
        target_day=math.inf,
        stage=0,
        pending_day=NO_DAY,
        ended=NOT_ENDED,
        regime=(0,) * n_actors,
        active=(1 << n_actors) - 1,
        deadline_days=(30,),
    )
    return state._replace(**fields)


# -- logistic and logit -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("x", "expected"),
    [(0.0, 0.5), (math.log(3.0), 0.75), (-math.log(3.0), 0.25), (40.0, 1.0), (-800.0, 0.0)],
)
def test_logistic_values(x: float, expected: float) -> None:
    assert logistic(x) == pytest.approx(expected, rel=1e-15, abs=0.0)


@given(finite)
def test_logistic_is_in_closed_unit_interval_and_never_overflows(x: float) -> None:
    p = logistic(x)
    assert 0.0 <= p <= 1.0
    assert logistic(-x) == pytest.approx(1.0 - p, abs=1e-15)


@given(open_unit)
def test_logit_inverts_logistic(p: float) -> None:
    assert logistic(logit(p)) == pytest.approx(p, rel=1e-9, abs=1e-300)


@pytest.mark.parametrize("p", [0.0, 1.0, -0.1, 1.5, math.nan])
def test_logit_rejects_values_outside_the_open_interval(p: float) -> None:
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        logit(p)


@pytest.mark.parametrize("s", [-1.0, 1.0, 2.0, math.nan])
def test_atanh_stance_rejects_values_outside_the_open_interval(s: float) -> None:
    with pytest.raises(ValueError, match="strictly between -1 and 1"):
        atanh_stance(s)


def test_atanh_stance_round_trips() -> None:
    assert math.tanh(atanh_stance(0.5)) == pytest.approx(0.5, rel=1e-15)
    assert atanh_stance(0.0) == 0.0


# -- saturate ---------------------------------------------------------------------------------


def c_after(c: float, delta: float) -> float:
    """The contention after a saturating move of ``delta`` from contention ``c``."""
    return -math.expm1(saturate(contention_latent(c), delta))


def test_saturate_closes_the_distance_to_one_by_exp_of_minus_delta() -> None:
    assert c_after(0.5, math.log(2.0)) == pytest.approx(0.75, rel=1e-15)
    assert c_after(0.0, math.log(4.0)) == pytest.approx(0.75, rel=1e-15)


def test_saturate_shrinks_toward_zero_for_negative_delta() -> None:
    assert c_after(0.8, -math.log(2.0)) == pytest.approx(0.4, rel=1e-15)
    assert saturate(0.0, -5.0) == 0.0  # an uncontested gate stays uncontested


@given(st.floats(min_value=-700.0, max_value=0.0))
def test_saturate_with_zero_delta_changes_nothing(latent: float) -> None:
    assert saturate(latent, 0.0) == latent
    assert c_after(0.05125731555520386, 0.0) == pytest.approx(0.05125731555520386, rel=1e-15)


@given(contention, st.floats(min_value=-50.0, max_value=50.0))
def test_saturate_stays_in_the_unit_interval_and_moves_with_the_sign(
    c: float, delta: float
) -> None:
    before = contention_latent(c)
    after = saturate(before, delta)
    assert math.isfinite(after)
    assert after <= 0.0
    assert math.exp(after) > 0.0  # openness, what an agreement's chance uses, stays positive
    assert 0.0 <= -math.expm1(after) <= 1.0
    if delta > 0:
        assert after <= before
    elif delta < 0:
        assert after >= before


def test_saturate_with_a_vanishing_negative_delta_never_raises_contention() -> None:
    # Found by the property test above: the round trip through expm1 and log1p lowered
    # the latent value by one ulp.
    before = contention_latent(0.45801312438453673)
    assert saturate(before, -9.953213179839022e-216) >= before


@given(contention, st.floats(0.0, 5.0), st.floats(0.0, 5.0))
def test_saturate_composes_additively(c: float, d1: float, d2: float) -> None:
    latent = contention_latent(c)
    assert saturate(saturate(latent, d1), d2) == pytest.approx(saturate(latent, d1 + d2), abs=1e-12)


def test_repeated_demands_never_close_a_gate_for_good() -> None:
    latent = contention_latent(0.5)
    for _ in range(100):
        latent = saturate(latent, math.log(2.0))
    assert math.exp(latent) == pytest.approx(0.5 * 2.0**-100, rel=1e-12)  # still open


def test_contention_latent_rejects_values_outside_zero_one() -> None:
    for bad in (-0.1, 1.0, 1.5, math.nan):
        with pytest.raises(ValueError, match="contention must lie in"):
            contention_latent(bad)


# -- pair_index -------------------------------------------------------------------------------


@pytest.mark.parametrize("n", [2, 3, 4, 7])
def test_pair_index_numbers_the_upper_triangle_row_by_row(n: int) -> None:
    pairs = list(itertools.combinations(range(n), 2))
    assert [pair_index(a, b, n) for a, b in pairs] == list(range(len(pairs)))
    assert all(pair_index(b, a, n) == pair_index(a, b, n) for a, b in pairs)


# -- the state's read-outs --------------------------------------------------------------------


def test_state_reads_its_latent_values_through_the_squashing_functions() -> None:
    state = make_state(
        readiness_logit=logit(0.3),
        violence_logit=logit(0.8),
        balance_latent=math.atanh(-0.1),
        stance_latent=(math.atanh(0.5), 0.0, math.atanh(-0.3)),
        rapport_latent=(logit(0.65), logit(0.3), logit(0.5)),
        resolved=0b10,
        active=0b101,
    )
    assert state.readiness == pytest.approx(0.3)
    assert state.violence == pytest.approx(0.8)
    assert state.balance == pytest.approx(-0.1)
    assert state.stance(0) == pytest.approx(0.5)
    assert state.stance(2) == pytest.approx(-0.3)
    assert not state.gate_resolved(0)
    assert state.gate_resolved(1)
    assert state.is_active(0)
    assert not state.is_active(1)
    assert state.is_active(2)


def test_rapport_is_read_by_slot_and_pairs_without_one_keep_the_default() -> None:
    # slots for the pairs (0, 1) and (1, 2) only, in that order; (0, 2) never changes
    context = ActionContext(
        (0, 0, 0),
        Rapport(),
        slots={pair_index(0, 1, 3): 0, pair_index(1, 2, 3): 1},
        default_rapport_logit=logit(0.3),
    )
    state = make_state(rapport_latent=(logit(0.65), logit(0.5)))
    assert context.slot(0, 1) == context.slot(1, 0) == 0
    assert context.slot(2, 1) == 1
    assert context.slot(0, 2) == -1
    assert context.rapport_of(state, 0, 1) == pytest.approx(0.65)
    assert context.rapport_of(state, 1, 0) == pytest.approx(0.65)
    assert context.rapport_of(state, 2, 1) == pytest.approx(0.5)
    assert context.rapport_of(state, 0, 2) == pytest.approx(0.3)
    assert context.rapport_logit(state, 2, 0) == logit(0.3)


def test_mean_stance_is_the_running_sum_over_the_total_influence() -> None:
    state = make_state(stance_sum=1.5, influence_total=2.0)
    assert state.mean_stance() == 0.75
    assert make_state(stance_sum=0.0, influence_total=0.0, active=0).mean_stance() == 0.0


def test_a_context_without_influence_weighs_every_actor_one_in_one_regime() -> None:
    assert ActionContext((1, -1, 0), Rapport()).influence == ((1.0,), (1.0,), (1.0,))
    assert ActionContext((1, -1), Rapport()).n_actors == 2


def test_state_is_immutable() -> None:
    state = make_state()
    with pytest.raises(AttributeError):
        state.readiness_logit = 1.0  # type: ignore[misc]


def test_easing_a_nearly_deadlocked_gate_keeps_precision() -> None:
    # contention 1 - e**-38 rounds to 1.0; easing it must still work from its openness
    latent = -38.0
    eased = saturate(latent, -1e-20)
    expected_openness = math.exp(latent) + 1e-20  # 1 - c * exp(delta), to first order
    assert math.exp(eased) == pytest.approx(expected_openness, rel=1e-9)
    assert saturate(latent, -math.log(2.0)) == pytest.approx(
        math.log1p(-(1 - math.exp(latent)) / 2)
    )
