"""Tests for sim.model.mechanisms: the OU steps, readiness drift, focal dates, world steps."""

from __future__ import annotations

import dataclasses
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim.model.mechanisms import (
    advance,
    near_focal_date,
    ou_step,
    readiness_drift,
    relax,
    rest_logit,
    war_step,
)
from sim.model.params import Mechanisms, Narrowing, Ripeness, World
from sim.model.state import NO_DAY, NOT_ENDED, State, logit

positive = st.floats(0.001, 2.0)
value = st.floats(-5.0, 5.0)


def state(violence: float = 0.8, balance: float = -0.1, readiness: float = 0.3) -> State:
    return State(
        readiness_logit=logit(readiness),
        violence_logit=logit(violence),
        violence_mean_logit=logit(0.75),
        balance_latent=math.atanh(balance),
        resolved=0,
        contention_latent=(),
        stance_latent=(),
        stance_sum=0.0,
        influence_total=0.0,
        rapport_latent=(),
        target_day=math.inf,
        stage=0,
        pending_day=NO_DAY,
        ended=NOT_ENDED,
        regime=(),
        active=0,
        deadline_days=(),
    )


# -- Ornstein-Uhlenbeck steps -----------------------------------------------------------------


@given(value, value, positive, st.floats(0.0, 1.0), st.floats(0.01, 30.0))
def test_ou_step_has_the_exact_conditional_mean_and_sd(
    x: float, mean: float, theta: float, sigma: float, dt: float
) -> None:
    # the step is linear in z: at z = 0 it is the mean, its slope in z is the sd
    decay = math.exp(-theta * dt)
    expected_mean = mean + (x - mean) * decay
    expected_sd = sigma * math.sqrt((1 - decay**2) / (2 * theta))
    at0 = ou_step(x, mean, theta, sigma, dt, 0.0)
    at1 = ou_step(x, mean, theta, sigma, dt, 1.0)
    atm = ou_step(x, mean, theta, sigma, dt, -2.0)
    assert at0 == pytest.approx(expected_mean, rel=1e-12, abs=1e-12)
    assert at1 - at0 == pytest.approx(expected_sd, rel=1e-9, abs=1e-12)
    assert at0 - atm == pytest.approx(2 * expected_sd, rel=1e-9, abs=1e-12)


@given(value, value, positive, st.floats(0.01, 1.0), st.floats(0.01, 30.0))
def test_two_half_ou_steps_have_the_moments_of_one_whole_step(
    x: float, mean: float, theta: float, sigma: float, dt: float
) -> None:
    # exact discretisation: the mean and variance compose without error
    h = dt / 2

    def two_steps(z1: float, z2: float) -> float:
        return ou_step(ou_step(x, mean, theta, sigma, h, z1), mean, theta, sigma, h, z2)

    m2 = two_steps(0.0, 0.0)
    var2 = (two_steps(1.0, 0.0) - m2) ** 2 + (two_steps(0.0, 1.0) - m2) ** 2
    m1 = ou_step(x, mean, theta, sigma, dt, 0.0)
    var1 = (ou_step(x, mean, theta, sigma, dt, 1.0) - m1) ** 2
    assert m2 == pytest.approx(m1, rel=1e-9, abs=1e-9)
    assert var2 == pytest.approx(var1, rel=1e-6, abs=1e-12)


@given(value, value, st.floats(0.0, 1.0), st.floats(0.01, 30.0), st.floats(-3.0, 3.0))
def test_ou_step_without_reversion_is_a_random_walk(
    x: float, mean: float, sigma: float, dt: float, z: float
) -> None:
    assert ou_step(x, mean, 0.0, sigma, dt, z) == pytest.approx(x + sigma * math.sqrt(dt) * z)
    assert ou_step(x, mean, 0.0, sigma, dt, 0.0) == x  # the mean plays no part


@pytest.mark.parametrize("reversion", [1e-20, 1e-300, 5e-324])
def test_ou_step_tends_to_the_random_walk_as_reversion_vanishes(reversion: float) -> None:
    assert ou_step(0.0, 0.0, reversion, 0.5, 7.0, 1.0) == pytest.approx(0.5 * math.sqrt(7.0))


def test_ou_step_without_noise_decays_deterministically_toward_the_mean() -> None:
    assert ou_step(2.0, 1.0, math.log(2.0), 0.0, 1.0, 5.0) == pytest.approx(1.5)
    assert ou_step(1.0, 1.0, 0.5, 0.0, 7.0, -3.0) == 1.0


# -- readiness drift --------------------------------------------------------------------------


def mech(ripeness: Ripeness, narrowing: Narrowing) -> Mechanisms:
    return Mechanisms(ripeness=ripeness, narrowing=narrowing)


@pytest.mark.parametrize(
    ("ripe_on", "narrow_on"), [(True, True), (True, False), (False, True), (False, False)]
)
def test_readiness_drift_formula(ripe_on: bool, narrow_on: bool) -> None:
    s = state(violence=0.8, balance=-0.1)
    m = mech(Ripeness(ripe_on, 0.01), Narrowing(narrow_on, 0.008))
    expected = (0.01 * 0.8 * (1 - 0.01) if ripe_on else 0.0) - (0.008 * 0.8 if narrow_on else 0.0)
    assert readiness_drift(s, m) == pytest.approx(expected, rel=1e-12, abs=1e-18)


def test_ripeness_is_fastest_in_a_stalemate_and_vanishes_when_one_side_prevails() -> None:
    m = mech(Ripeness(True, 0.05), Narrowing(False, 0.0))
    stalemate = readiness_drift(state(balance=0.0), m)
    tilted = readiness_drift(state(balance=0.6), m)
    lopsided = readiness_drift(state(balance=0.999999), m)
    assert stalemate == pytest.approx(0.05 * 0.8)
    assert tilted == pytest.approx(0.05 * 0.8 * 0.64)
    assert 0.0 <= lopsided < 1e-6


# -- readiness between events and the war's step ----------------------------------------------


WORLD = World(
    tick_days=7.0,
    readiness_mean=0.3,
    readiness_reversion=0.04,
    violence_mean=0.75,
    violence_reversion=0.02,
    violence_volatility=0.05,
    balance_mean=0.0,
    balance_reversion=0.01,
    balance_volatility=0.03,
)
MECH = mech(Ripeness(True, 0.01), Narrowing(True, 0.008))


def with_stances(s: State, *stances: float, influence: tuple[float, ...] = ()) -> State:
    """Every actor active in its first regime, weighing ``influence`` (1 each by default)."""
    weights = influence or (1.0,) * len(stances)
    return s._replace(
        stance_latent=tuple(math.atanh(x) for x in stances),
        stance_sum=math.fsum(w * x for w, x in zip(weights, stances, strict=True)),
        influence_total=math.fsum(weights),
        regime=(0,) * len(stances),
        active=(1 << len(stances)) - 1,
    )


def test_rest_logit_is_the_mean_shifted_by_the_average_stance() -> None:
    s = with_stances(state(), 0.5, -0.1, 0.2)
    assert rest_logit(s, WORLD) == pytest.approx(logit(0.3))  # no stance pull
    pulled = dataclasses.replace(WORLD, stance_pull=1.5)
    assert rest_logit(s, pulled) == pytest.approx(logit(0.3) + 1.5 * 0.6 / 3)
    assert rest_logit(state(), pulled) == pytest.approx(logit(0.3))  # no actors


def test_rest_logit_weighs_each_active_actor_by_its_influence() -> None:
    pulled = dataclasses.replace(WORLD, stance_pull=1.5)
    s = with_stances(state(), 0.5, -0.1, influence=(3.0, 1.0))
    assert rest_logit(s, pulled) == pytest.approx(logit(0.3) + 1.5 * (1.5 - 0.1) / 4)
    nobody = s._replace(stance_sum=0.0, influence_total=0.0, active=0)
    assert rest_logit(nobody, pulled) == pytest.approx(logit(0.3))


@given(value, value, st.floats(0.001, 1.0), st.floats(-0.5, 0.5), st.floats(0.0, 60.0))
def test_relax_solves_the_readiness_ode_exactly(
    x: float, rest: float, reversion: float, drift: float, dt: float
) -> None:
    s = state()._replace(readiness_logit=x)
    target = rest + drift / reversion
    after = relax(s, rest, reversion, drift, dt)
    expected = target + (x - target) * math.exp(-reversion * dt)
    assert after.readiness_logit == pytest.approx(expected, rel=1e-12, abs=1e-12)
    assert after[1:] == s[1:]  # nothing else moves
    # exact: two half steps make one whole step
    half = relax(relax(s, rest, reversion, drift, dt / 2), rest, reversion, drift, dt / 2)
    assert half.readiness_logit == pytest.approx(after.readiness_logit, rel=1e-9, abs=1e-9)


@given(value, value, st.floats(-0.5, 0.5), st.floats(0.0, 60.0))
def test_relax_without_reversion_drifts_linearly(
    x: float, rest: float, drift: float, dt: float
) -> None:
    s = state()._replace(readiness_logit=x)
    assert relax(s, rest, 0.0, drift, dt).readiness_logit == pytest.approx(x + drift * dt)


@pytest.mark.parametrize("reversion", [1e-20, 1e-300, 5e-324])
def test_relax_tends_to_the_linear_drift_as_reversion_vanishes(reversion: float) -> None:
    s = state(readiness=0.3)
    after = relax(s, logit(0.3), reversion, 0.01, 7.0)
    assert after.readiness_logit == pytest.approx(logit(0.3) + 0.07, abs=1e-9)


def test_relax_over_no_time_changes_nothing() -> None:
    s = state(readiness=0.7)
    after = relax(s, logit(0.3), 0.04, 0.01, 0.0)
    assert after.readiness_logit == pytest.approx(s.readiness_logit, rel=1e-15)
    assert after[1:] == s[1:]
    assert relax(s, logit(0.3), 0.0, 0.01, 0.0) == s


def test_advance_uses_the_states_rest_level_and_drift() -> None:
    s = with_stances(state(violence=0.8, balance=-0.1, readiness=0.7), 0.5, 0.2)
    world = dataclasses.replace(WORLD, stance_pull=1.0)
    expected = relax(s, rest_logit(s, world), 0.04, readiness_drift(s, MECH), 7.0)
    assert advance(s, world, MECH, 7.0) == expected
    target = rest_logit(s, world) + readiness_drift(s, MECH) / 0.04
    assert abs(advance(s, world, MECH, 1000.0).readiness_logit - target) < 1e-9


def test_war_step_moves_violence_and_balance_by_their_ou_steps_only() -> None:
    s = state(violence=0.8, balance=-0.1, readiness=0.3)
    after = war_step(s, WORLD, 7.0, 0.5, -1.0)
    # violence reverts to the state's own mean (a ceasefire moves it), not the world's
    assert after.violence_logit == ou_step(logit(0.8), logit(0.75), 0.02, 0.05, 7.0, 0.5)
    ceasefire = s._replace(violence_mean_logit=logit(0.2))
    assert war_step(ceasefire, WORLD, 7.0, 0.5, -1.0).violence_logit == ou_step(
        logit(0.8), logit(0.2), 0.02, 0.05, 7.0, 0.5
    )
    assert after.balance_latent == ou_step(math.atanh(-0.1), 0.0, 0.01, 0.03, 7.0, -1.0)
    assert after._replace(violence_logit=s.violence_logit, balance_latent=s.balance_latent) == s


# -- focal dates ------------------------------------------------------------------------------


FOCAL = (24.0, 41.0)


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (0.0, False),
        (13.9, False),
        (14.0, True),  # the window's far edge is inclusive
        (20.0, True),
        (24.0, True),  # a focal date today counts, all day
        (24.999, True),
        (25.0, False),  # and a passed one does not
        (30.9, False),
        (31.0, True),
        (41.0, True),
        (41.5, True),
        (42.0, False),
    ],
)
def test_near_focal_date_at_the_window_edges(now: float, expected: bool) -> None:
    assert near_focal_date(now, FOCAL, math.inf, 10.0) is expected


@pytest.mark.parametrize(
    ("now", "target", "expected"),
    [
        (0.0, 5.0, True),
        (0.0, 10.0, True),
        (0.0, 10.5, False),
        (5.0, 5.0, True),
        (5.5, 5.0, True),
        (6.0, 5.0, False),
        (100.0, 104.0, True),
        (100.0, math.inf, False),
    ],
)
def test_near_focal_date_counts_the_target_day(now: float, target: float, expected: bool) -> None:
    assert near_focal_date(now, (), target, 10.0) is expected
    # a scenario focal date far away changes nothing
    assert near_focal_date(now, (500.0,), target, 10.0) is expected


def test_near_focal_date_with_a_zero_window_only_on_the_day() -> None:
    assert near_focal_date(24.0, FOCAL, math.inf, 0.0)
    assert near_focal_date(24.5, FOCAL, math.inf, 0.0)
    assert not near_focal_date(23.5, FOCAL, math.inf, 0.0)
    assert not near_focal_date(25.0, FOCAL, math.inf, 0.0)
    assert near_focal_date(7.0, (), 7.0, 0.0)


def test_without_a_war_there_is_neither_ripeness_nor_narrowing() -> None:
    peace = state()._replace(
        violence_logit=-math.inf, violence_mean_logit=-math.inf, balance_latent=0
    )
    assert readiness_drift(peace, MECH) == 0.0
    assert advance(peace, WORLD, MECH, 7.0).violence_logit == -math.inf
