"""Acceptance tests for Monte Carlo estimation (sim.experiments.montecarlo).

The statistical tests run a scenario whose convening time has a closed form.

The exponential scenario
------------------------
One actor ``alpha`` with ``tempo_days`` tau and ``pass_weight`` 0 has a single move: a
``delegation_agreement`` on the only gate, with ``settle_probability`` s and no readiness or
contention effect. Readiness starts at r, above the announce threshold (and above the postpone
threshold), the gate's contention is 0, every mechanism is off and every world rate is 0, so the
world process is not started and nothing ever changes readiness or contention. There are no
dated events and ``lead_days = [L, L]``.

* The engine waits ``-log1p(-u) * tau`` between decisions (``sim/engine/run.py``,
  ``_actor``): the decision times are a Poisson process of rate 1/tau.
* With pass weight 0 and one move, every decision is an attempt on the gate. An attempt
  succeeds when its own uniform ``u < settle_probability * readiness * (1 - contention)``
  (``sim/model/actions.py``, ``_agreement``), i.e. with probability p = s * r, independently
  of the waits and of the other attempts (readiness and contention never move).
* Thinning a Poisson process of rate 1/tau with probability p leaves a Poisson process of rate
  p/tau, so the first success time T is Exponential with mean tau/p.
* At T the only gate resolves, all gates are resolved and readiness r >= the announce
  threshold, so a date is announced at T; ``sim/model/convening.py`` (``step``) sets it to
  ``ceil(T) + L``. Readiness stays r > the postpone threshold, so the date is never postponed
  and the conference convenes on D = ceil(T) + L (if D is not after the horizon).
* A deadline on day d (an integer, d >= L): D <= d  <=>  ceil(T) <= d - L  <=>  T <= d - L
  (d - L is an integer), so P(convened by d) = 1 - exp(-p (d - L) / tau).
* The median of D: the smallest integer d with 1 - exp(-p (d - L)/tau) >= 1/2 is
  d = L + ceil(tau ln 2 / p).

With tau = 3.6, s = 0.9, r = 0.8 (p = 0.72, rate p/tau = 0.2 a day) and L = 3, the deadlines
on days L + 1, 2, 4, 8 and 15 have P = 0.181, 0.330, 0.551, 0.798 and 0.950, and the median is
L + ceil(3.466) = L + 4; the cdf is 0.451 the day before and 0.551 on that day, far enough from
1/2 for 4000 runs to find the right day.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from faults import DieAlways, DieOnce
from scipy import stats

import sim.experiments.montecarlo as mc
from sim._version import __version__
from sim.engine.result import Source
from sim.engine.run import simulate
from sim.errors import WorkFailed
from sim.experiments.executors import ExecutorSpec
from sim.experiments.montecarlo import (
    PRECISION_BATCH,
    Interrupted,
    MonteCarloResult,
    Outcomes,
    run_monte_carlo,
    simulate_runs,
)
from sim.experiments.scheduler import WorkersLost
from sim.experiments.stats import cdf_at, half_width, wilson
from sim.scenario import Scenario, load_scenario, scenario_from_dict

START = dt.date(2013, 1, 1)
TAU = 3.6
SETTLE = 0.9
READINESS = 0.8
P_ATTEMPT = SETTLE * READINESS  # p = s * r
RATE = P_ATTEMPT / TAU  # successes per day: 0.2
LEAD = 3
OFFSETS = (1, 2, 4, 8, 15)  # deadlines on days LEAD + k
SERIAL = ExecutorSpec(workers=1)


def expo_dict(
    *,
    horizon_days: int = 150,
    offsets: Sequence[int] = OFFSETS,
    tau: float = TAU,
    settle: float = SETTLE,
    readiness: float = READINESS,
    name: str = "expo",
) -> dict[str, Any]:
    """The exponential scenario's document (deadlines written latest first, on purpose)."""
    return {
        "name": name,
        "start": START,
        "horizon": START + dt.timedelta(days=horizon_days),
        "initial": {"readiness": readiness, "violence": 0.5, "balance": 0.0, "rapport": 0.5},
        "gates": {"only": {"contention": 0.0}},
        "actors": {
            "alpha": {
                "tempo_days": tau,
                "pass_weight": 0.0,
                "actions": {
                    "settle": {
                        "kind": "delegation_agreement",
                        "gate": "only",
                        "weight": 1.0,
                        "settle_probability": settle,
                        "readiness": 0.0,
                        "contention": 0.0,
                    }
                },
            }
        },
        "deadlines": {
            f"d{k}": {"date": START + dt.timedelta(days=LEAD + k)} for k in reversed(offsets)
        },
        "convening": {
            "announce_threshold": 0.6,
            "postpone_threshold": 0.4,
            "lead_days": [LEAD, LEAD],
        },
        "mechanisms": {
            "reactions": {"enabled": False},
            "ripeness": {"enabled": False, "rate": 0.0},
            "narrowing": {"enabled": False, "rate": 0.0},
            "focal_dates": {"enabled": False},
            "rapport": {"enabled": False, "amplification": 0.0},
        },
        "world": {
            "readiness_reversion": 0.0,
            "violence_reversion": 0.0,
            "violence_volatility": 0.0,
            "balance_reversion": 0.0,
            "balance_volatility": 0.0,
        },
    }


def expo_scenario(**kwargs: Any) -> Scenario:
    return scenario_from_dict(expo_dict(**kwargs), source="<expo>")


def true_p(day: int, rate: float = RATE) -> float:
    """P(convened by ``day``) in the exponential scenario (see the module docstring)."""
    return 1.0 - math.exp(-rate * (day - LEAD)) if day >= LEAD else 0.0


@pytest.fixture(scope="module")
def expo() -> Scenario:
    return expo_scenario()


@pytest.fixture(scope="module")
def baseline() -> Scenario:
    return load_scenario()


@pytest.fixture(scope="module")
def expo_result(expo: Scenario) -> MonteCarloResult:
    """4000 runs of the exponential scenario, seed 20130507, in this process."""
    return run_monte_carlo(expo, 4000, 20130507, executor=SERIAL)


def assert_same_outcomes(a: Outcomes, b: Outcomes) -> None:
    """Every array identical, bit for bit (nan in the same places)."""
    for name in Outcomes.__dataclass_fields__:
        x, y = getattr(a, name), getattr(b, name)
        assert x.dtype == y.dtype, name
        assert x.shape == y.shape, name
        assert np.array_equal(x, y, equal_nan=True), name
        assert x.tobytes() == y.tobytes(), name


def slice_outcomes(o: Outcomes, start: int, stop: int) -> Outcomes:
    return Outcomes(
        **{name: getattr(o, name)[start:stop] for name in Outcomes.__dataclass_fields__}
    )


# -- the scenario is what the closed form assumes -------------------------------------------


def test_the_exponential_scenario_is_what_the_closed_form_assumes(expo: Scenario) -> None:
    assert not expo.events
    assert [d.day for d in expo.deadlines] == [LEAD + k for k in OFFSETS]  # sorted by date
    assert expo.convening.lead_min_days == expo.convening.lead_max_days == LEAD
    (actor,) = expo.actors
    assert actor.pass_weight == 0.0
    (move,) = actor.moves
    assert move.effect.settle_probability == SETTLE
    assert move.effect.readiness == 0.0
    assert move.effect.contention == 0.0
    # Nothing moves readiness: no world process runs, and readiness is r all along. It is
    # sampled on the weekly grid until the run ends (the day its last stage is reached, a
    # sample on that day included), and nan after, when nothing is simulated.
    run = simulate(expo, 1, 0, trace=True)
    assert run.trace is not None
    assert {t.source for t in run.trace} <= {Source.DECISION, Source.CONVENING}
    sampled = 0
    for i in range(20):
        r = run if i == 0 else simulate(expo, 1, i)
        assert r.convened_day is not None  # the horizon is far: every run convenes
        readiness = np.array(r.readiness)
        grid = np.arange(len(readiness)) * r.sample_days
        going = grid <= r.convened_day
        assert readiness[going] == pytest.approx([READINESS] * int(going.sum()), abs=1e-12)
        assert np.isnan(readiness[~going]).all()
        assert r.final_readiness == pytest.approx(READINESS, abs=1e-12)
        sampled += int(going.sum())
    assert sampled > 20  # more than the day-0 sample of each run was checked


def test_convening_is_ceil_of_the_first_success_plus_the_lead(
    expo_result: MonteCarloResult,
) -> None:
    o = expo_result.outcomes
    horizon = expo_result.scenario.horizon_day
    convened = ~np.isnan(o.convened_day)
    # Every run announced once (never postponed) and convened ceil(T) + L days in, or was
    # announced too late for the horizon.
    assert (o.announcements == 1).all()
    assert (o.postponements == 0).all()
    assert np.array_equal(o.gate_days[:, 0], o.first_announcement)
    expected = np.ceil(o.first_announcement) + LEAD
    assert np.array_equal(o.convened_day[convened], expected[convened])
    assert (expected[~convened] > horizon).all()


def test_first_success_time_is_exponential_with_mean_tau_over_p(
    expo_result: MonteCarloResult,
) -> None:
    t = expo_result.outcomes.first_announcement
    assert not np.isnan(t).any()
    # At this fixed seed; a correct engine fails the KS test with probability 1e-3.
    ks = stats.kstest(t, "expon", args=(0.0, TAU / P_ATTEMPT))
    assert ks.pvalue > 1e-3, ks
    # Mean within 4 standard errors (the sd of an exponential is its mean).
    mean = TAU / P_ATTEMPT
    assert abs(t.mean() - mean) <= 4 * mean / math.sqrt(len(t))


# -- (a) the estimates at a fixed seed ---------------------------------------------------------


def test_estimates_agree_with_the_closed_form(expo_result: MonteCarloResult) -> None:
    """|p_hat - p| <= 4 standard errors at every deadline.

    A 95% interval misses 5% of the time per deadline by design, so "the truth lies in every
    interval" is the wrong rule; a correct engine is 4 standard errors off with probability
    6e-5 per deadline (about 3e-4 for five). The 95% Wilson interval is still checked to
    contain the truth at this seed, which it does here (its miss rate is what the coverage
    test below measures).
    """
    n = expo_result.runs
    assert n == 4000
    estimates = expo_result.deadlines()
    assert len(estimates) == len(OFFSETS)
    for e in estimates:
        p = true_p(e.deadline.day)
        se = math.sqrt(p * (1 - p) / n)
        prop = e.proportion
        assert prop.n == n
        assert prop.estimate == prop.successes / n
        assert abs(prop.estimate - p) <= 4 * se, (e.deadline.id, prop.estimate, p)
        assert prop.low <= prop.estimate <= prop.high
        assert prop.low <= p <= prop.high, (e.deadline.id, prop, p)


def test_kaplan_meier_median_is_the_closed_form_median(expo_result: MonteCarloResult) -> None:
    m = TAU * math.log(2) / P_ATTEMPT  # median of T: 3.466 days
    expected = LEAD + math.ceil(m)
    # The day is well defined: the true cdf is clearly below 1/2 the day before.
    assert true_p(expected - 1) < 0.46
    assert true_p(expected) > 0.54
    assert expo_result.median_day() == expected
    curve = expo_result.survival()
    assert curve.median == expected
    assert curve.events == expo_result.runs  # nobody censored at this horizon


# -- (b) coverage of the Wilson intervals over independent experiments --------------------------

COVERAGE_K = 200  # independent Monte Carlo experiments
COVERAGE_N = 100  # runs in each


def wilson_exact_coverage(p: float, n: int) -> float:
    """P(the 95% Wilson interval of Binomial(n, p) contains p), summed exactly."""
    total = 0.0
    for k in range(n + 1):
        w = wilson(k, n)
        if w.low <= p <= w.high:
            total += float(stats.binom.pmf(k, n, p))
    return total


@pytest.mark.slow
def test_wilson_intervals_cover_the_true_probability_95_percent(expo: Scenario) -> None:
    """Over K independent experiments the intervals contain the true p about 95% of the time.

    Experiment j runs seed 7000 + j (runs 0..n-1), so the experiments are independent. For one
    deadline the number of intervals containing p is Binomial(K, c), c the interval's true
    coverage, so the observed fraction has standard deviation sqrt(c (1 - c) / K). Wilson's
    coverage is near 95% (here between 0.94 and 0.97 at every deadline, summed exactly below),
    so the observed fraction must lie within 0.95 +- 3 sqrt(0.95 * 0.05 / K) (+-0.046 for
    K = 200), and, more sharply, within c +- 3 sqrt(c (1 - c) / K). A correct engine fails
    either with probability about 0.3% per deadline; at these fixed seeds it passes.
    """
    days = [d.day for d in expo.deadlines]
    hits = np.zeros(len(days), dtype=np.int64)
    pooled = np.zeros(len(days), dtype=np.int64)
    for j in range(COVERAGE_K):
        o = simulate_runs(expo, 7000 + j, 0, COVERAGE_N)
        result = MonteCarloResult(expo, 7000 + j, o)
        for i, e in enumerate(result.deadlines()):
            p = true_p(days[i])
            hits[i] += e.proportion.low <= p <= e.proportion.high
            pooled[i] += e.proportion.successes
    sd_nominal = math.sqrt(0.95 * 0.05 / COVERAGE_K)
    for i, day in enumerate(days):
        p = true_p(day)
        coverage = hits[i] / COVERAGE_K
        exact = wilson_exact_coverage(p, COVERAGE_N)
        assert 0.94 <= exact <= 0.97, (day, exact)
        assert abs(coverage - 0.95) <= 3 * sd_nominal, (day, coverage)
        assert abs(coverage - exact) <= 3 * math.sqrt(exact * (1 - exact) / COVERAGE_K), (
            day,
            coverage,
            exact,
        )
        # And the K * n = 20000 runs together estimate p within 4 standard errors.
        total = COVERAGE_K * COVERAGE_N
        assert abs(pooled[i] / total - p) <= 4 * math.sqrt(p * (1 - p) / total), day


# -- P(by deadline) never falls -----------------------------------------------------------------


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize(
    "which", ["expo", "expo_censored", "expo_slow", "baseline", "baseline_fast_russia"]
)
def test_probability_never_falls_at_a_later_deadline(
    which: str, seed: int, baseline: Scenario
) -> None:
    scenario = {
        "expo": lambda: expo_scenario(),
        "expo_censored": lambda: expo_scenario(horizon_days=LEAD + 9, offsets=(0, 1, 2, 5, 9)),
        "expo_slow": lambda: expo_scenario(tau=20.0, offsets=(15, 3, 40, 1, 9, 100)),
        "baseline": lambda: baseline,
        "baseline_fast_russia": lambda: load_scenario(
            None, {"actors.russia.tempo_days": 2.0, "actors.united_states.tempo_days": 2.0}
        ),
    }[which]()
    runs = 15 if which.startswith("baseline") else 300
    result = run_monte_carlo(scenario, runs, seed, executor=SERIAL)
    estimates = result.deadlines()
    dates = [e.deadline.date for e in estimates]
    assert dates == sorted(dates)
    probabilities = [e.proportion.estimate for e in estimates]
    assert probabilities == sorted(probabilities), probabilities
    counts = [e.proportion.successes for e in estimates]
    assert counts == sorted(counts)
    # The same from the raw convening days, independently of the estimate code.
    day = result.outcomes.convened_day
    for e in estimates:
        assert e.proportion.successes == int(np.sum(day <= e.deadline.day))


# -- worker-count and chunking invariance ----------------------------------------------------


def test_results_do_not_depend_on_workers_or_chunking(baseline: Scenario) -> None:
    seed = 424242
    one = run_monte_carlo(baseline, 48, seed, executor=ExecutorSpec(workers=1))
    two = run_monte_carlo(baseline, 48, seed, executor=ExecutorSpec(workers=2))
    assert one.backend == "1 local process"
    assert two.backend == "2 local processes"
    assert np.array_equal(one.outcomes.run, np.arange(48))
    # The baseline has runs that never convene and gates never resolved: nan must match too.
    assert np.isnan(one.outcomes.convened_day).any() or np.isnan(one.outcomes.gate_days).any()
    assert_same_outcomes(one.outcomes, two.outcomes)
    assert [e.proportion for e in one.deadlines()] == [e.proportion for e in two.deadlines()]

    # A different number of runs chunks differently (chunk sizes 4 instead of 6 and 12):
    # the common prefix is the same.
    shorter = run_monte_carlo(baseline, 30, seed, executor=ExecutorSpec(workers=2))
    assert_same_outcomes(shorter.outcomes, slice_outcomes(one.outcomes, 0, 30))
    # Any ranges of runs computed alone, joined in any order, are the same as the whole.
    parts = [simulate_runs(baseline, seed, a, b) for a, b in ((41, 48), (0, 17), (17, 41))]
    assert_same_outcomes(Outcomes.concat(parts), one.outcomes)

    # The check can fail: another seed gives other outcomes.
    other = simulate_runs(baseline, seed + 1, 0, 8)
    assert not np.array_equal(other.events, one.outcomes.events[:8])


def test_expo_results_do_not_depend_on_workers(expo: Scenario) -> None:
    one = run_monte_carlo(expo, 700, 5, executor=ExecutorSpec(workers=1))
    two = run_monte_carlo(expo, 700, 5, executor=ExecutorSpec(workers=2))
    assert_same_outcomes(one.outcomes, two.outcomes)
    assert one.to_json()["deadlines"] == two.to_json()["deadlines"]


@pytest.fixture(scope="module")
def baseline_14(baseline: Scenario) -> Outcomes:
    return simulate_runs(baseline, 99, 0, 14)


@pytest.mark.parametrize("i", [0, 1, 6, 13])
def test_run_i_is_simulate_with_seed_and_index_i(
    baseline: Scenario, baseline_14: Outcomes, i: int
) -> None:
    seed = 99
    outcomes, k = baseline_14, i
    r = simulate(baseline, seed, i)
    assert outcomes.run[k] == i
    day = outcomes.convened_day[k]
    if r.convened_day is None:
        assert math.isnan(day)
    else:
        assert day == r.convened_day
    assert outcomes.announcements[k] == len(r.announcements)
    assert outcomes.postponements[k] == len(r.postponements)
    first = outcomes.first_announcement[k]
    if r.announcements:
        assert first == r.announcements[0][0]
    else:
        assert math.isnan(first)
    assert np.array_equal(outcomes.gate_days[k], np.array(r.gate_days), equal_nan=True)
    assert outcomes.action_counts[k].ravel().tolist() == list(r.action_counts)
    # Readiness is nan once the run has ended: nan must be in the same places.
    readiness = np.array(r.readiness, dtype=np.float32)
    assert np.array_equal(outcomes.readiness[k], readiness, equal_nan=True)
    assert np.array_equal(outcomes.stage_days[k], np.array(r.stage_days, float), equal_nan=True)
    assert outcomes.ending[k] == r.ending
    if r.ending_day is None:
        assert math.isnan(outcomes.ending_day[k])
    else:
        assert outcomes.ending_day[k] == r.ending_day
    assert outcomes.deadline_days[k].tolist() == list(r.deadline_days)
    assert outcomes.final_readiness[k] == r.final_readiness
    assert outcomes.events[k] == r.events


# -- --precision --------------------------------------------------------------------------------


def test_precision_stops_once_every_interval_is_narrow_enough(expo: Scenario) -> None:
    h = 0.03
    result = run_monte_carlo(expo, None, 11, executor=SERIAL, precision=h, max_runs=50_000)
    assert result.precision == h
    assert result.max_half_width() <= h
    assert all(half_width(e.proportion) <= h for e in result.deadlines())
    assert PRECISION_BATCH <= result.runs < 50_000
    # It does not run far longer than needed: the worst deadline (p = 0.55) needs about
    # 1.96^2 p (1 - p) / h^2 = 1056 runs; allow the batching's overshoot.
    assert result.runs <= 1.5 * 1.96**2 * 0.25 / h**2
    # The runs are runs 0..n-1, as with a fixed count.
    assert_same_outcomes(result.outcomes, simulate_runs(expo, 11, 0, result.runs))


def test_precision_reached_by_the_first_batch_runs_one_batch(expo: Scenario) -> None:
    result = run_monte_carlo(expo, None, 3, executor=SERIAL, precision=0.2)
    assert result.runs == PRECISION_BATCH
    assert result.max_half_width() <= 0.2


def test_precision_out_of_reach_stops_at_max_runs(expo: Scenario) -> None:
    result = run_monte_carlo(expo, None, 3, executor=SERIAL, precision=0.005, max_runs=450)
    assert result.runs == 450
    assert result.max_half_width() > 0.005
    small = run_monte_carlo(expo, None, 3, executor=SERIAL, precision=0.01, max_runs=57)
    assert small.runs == 57


def test_precision_run_count_is_reproducible(expo: Scenario) -> None:
    kwargs: dict[str, Any] = {"precision": 0.035, "max_runs": 20_000}
    first = run_monte_carlo(expo, None, 8, executor=SERIAL, **kwargs)
    again = run_monte_carlo(expo, None, 8, executor=SERIAL, **kwargs)
    parallel = run_monte_carlo(expo, None, 8, executor=ExecutorSpec(workers=2), **kwargs)
    assert first.runs > PRECISION_BATCH  # more than one batch was needed
    assert first.runs == again.runs == parallel.runs
    assert_same_outcomes(first.outcomes, again.outcomes)
    assert_same_outcomes(first.outcomes, parallel.outcomes)


def test_precision_restricted_to_one_deadline(expo: Scenario) -> None:
    h = 0.04
    first = expo.deadlines[0].id  # p = 0.18: the narrowest interval
    only = run_monte_carlo(
        expo, None, 21, executor=SERIAL, precision=h, precision_deadlines=[first]
    )
    every = run_monte_carlo(expo, None, 21, executor=SERIAL, precision=h)
    assert only.max_half_width([first]) <= h
    assert every.max_half_width() <= h
    # It stopped as soon as that deadline was precise enough, before the others were.
    assert only.runs < every.runs
    assert only.max_half_width() > h
    # At 200 runs even the first deadline was not precise enough: more than one batch.
    assert only.runs > PRECISION_BATCH


# -- bad arguments ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"runs": 0}, r"number of runs must be at least 1, got 0"),
        ({"runs": -5}, r"number of runs must be at least 1, got -5"),
        ({"runs": None}, r"number of runs must be at least 1, got None"),
        ({"runs": 10, "seed": -1}, r"seed must be a non-negative integer, got -1"),
        ({"precision": 0.0}, r"precision must be between 0 and 0\.5 \(exclusive\), got 0\.0"),
        ({"precision": 0.5}, r"precision must be between 0 and 0\.5 \(exclusive\), got 0\.5"),
        ({"precision": 0.7}, r"precision must be between 0 and 0\.5"),
        ({"precision": -0.01}, r"precision must be between 0 and 0\.5"),
        ({"precision": math.nan}, r"precision must be between 0 and 0\.5 .*got nan"),
        ({"precision": math.inf}, r"precision must be between 0 and 0\.5 .*got inf"),
        ({"precision": 0.05, "max_runs": 0}, r"max_runs must be at least 1, got 0"),
        (
            {"precision": 0.05, "precision_deadlines": ["d1", "nosuch"]},
            r"no deadline 'nosuch' \(deadlines: d1, d15, d2, d4, d8\)",
        ),
    ],
)
def test_bad_arguments_raise_value_error(
    expo: Scenario, kwargs: dict[str, Any], message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_work(*args: object) -> Outcomes:
        raise AssertionError("bad arguments must be refused before any run")

    monkeypatch.setattr(mc, "simulate_runs", no_work)
    kwargs = {"seed": 0, **kwargs}
    runs = kwargs.pop("runs", 10)
    with pytest.raises(ValueError, match=message):
        run_monte_carlo(expo, runs, executor=SERIAL, **kwargs)


def test_bad_executor_spec_raises_value_error() -> None:
    with pytest.raises(ValueError, match="workers must be at least 1, got 0"):
        ExecutorSpec(workers=0)
    with pytest.raises(ValueError, match="choose one of"):
        ExecutorSpec(workers=2, dask_local=2)


# -- the result object --------------------------------------------------------------------------


def test_to_json_fields_and_types(expo_result: MonteCarloResult) -> None:
    r = expo_result
    obj = r.to_json()
    json.loads(json.dumps(obj, allow_nan=False))  # plain JSON, no nan
    required = {
        "scenario": str,
        "title": str,
        "scenario_sha256": str,
        "version": str,
        "runs": int,
        "seed": int,
        "start": str,
        "as_of": str,
        "horizon": str,
        "stages": list,
        "endings": list,
        "deadlines": list,
        "by_horizon": dict,
        "max_half_width": float,
        "backend": str,
        "wall_time_s": float,
        "events": int,
    }
    for key, kind in required.items():
        assert isinstance(obj[key], kind), (key, obj[key])
        assert not isinstance(obj[key], bool), key
    assert obj["precision"] is None
    assert obj["scenario"] == "expo"
    assert obj["scenario_sha256"] == r.scenario.sha256
    assert re.fullmatch(r"[0-9a-f]{64}", obj["scenario_sha256"])
    assert obj["version"] == __version__
    assert obj["runs"] == 4000
    assert obj["seed"] == 20130507
    assert obj["start"] == obj["as_of"] == "2013-01-01"
    assert obj["horizon"] == (START + dt.timedelta(days=150)).isoformat()
    assert obj["backend"] == "1 local process"
    assert obj["wall_time_s"] >= 0
    assert obj["events"] == int(r.outcomes.events.sum())
    # The stages, in order, each with its median day; the last is the convening.
    assert [st["name"] for st in obj["stages"]] == ["announced", "convened"]
    assert obj["endings"] == []
    for k, st in enumerate(obj["stages"]):
        assert isinstance(st["median_day"], float), st
        assert st["median_day"] == r.median_day(k)
        assert st["median_date"] == r.scenario.date_of(st["median_day"]).isoformat()
    last = obj["stages"][-1]
    assert last["median_day"] == LEAD + 4
    assert last["median_date"] == (START + dt.timedelta(days=LEAD + 4)).isoformat()
    entries = obj["deadlines"]
    assert [e["name"] for e in entries] == [f"d{k}" for k in OFFSETS]
    widest = 0.0
    for e, d in zip(entries, r.scenario.deadlines, strict=True):
        assert e["date"] == d.date.isoformat()
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", e["date"])
        assert e["day"] == d.day
        assert e["stage"] == "convened"  # a deadline is for the last stage by default
        assert isinstance(e["reached"], int)
        assert not isinstance(e["reached"], bool)
        assert e["runs"] == 4000
        assert e["probability"] == e["reached"] / 4000
        assert 0.0 <= e["ci_low"] <= e["probability"] <= e["ci_high"] <= 1.0
        assert e["from_record"] is False
        assert e["moved"] == 0.0
        assert e["final_day_median"] == d.day
        assert e["probability_by_original_date"] == e["probability"]
        # Every stage (no endings here), by the deadline; its own stage is the one above.
        outcomes = {o["name"]: o for o in e["outcomes"]}
        assert list(outcomes) == ["announced", "convened"]
        assert {o["kind"] for o in e["outcomes"]} == {"stage"}
        assert outcomes["convened"]["count"] == e["reached"]
        assert outcomes["convened"]["probability"] == e["probability"]
        assert outcomes["announced"]["count"] >= e["reached"]  # announced before convened
        widest = max(widest, (e["ci_high"] - e["ci_low"]) / 2)
    assert obj["max_half_width"] == pytest.approx(widest, abs=1e-15)
    # At the horizon, 150 days in, every run has convened: none is still open.
    horizon = obj["by_horizon"]
    assert [(o["name"], o["count"]) for o in horizon["outcomes"]] == [
        ("announced", 4000),
        ("convened", 4000),
    ]
    still_open = horizon["still_open"]
    assert set(still_open) >= {"probability", "ci_low", "ci_high", "count"}
    assert still_open["probability"] == 0.0
    assert still_open["count"] == 0
    assert still_open["ci_low"] == 0.0 < still_open["ci_high"]


def test_survival_curve_is_monotone_and_matches_the_deadline_estimates(
    expo_result: MonteCarloResult,
) -> None:
    curve = expo_result.survival()
    assert curve.n == expo_result.runs
    assert (np.diff(curve.days) > 0).all()
    assert (np.diff(curve.cdf) >= 0).all()
    assert (curve.cdf_low >= 0).all()
    assert (curve.cdf_high <= 1).all()
    assert (curve.cdf_low <= curve.cdf).all()
    assert (curve.cdf <= curve.cdf_high).all()
    assert curve.cdf[-1] == pytest.approx(1.0)
    # With no censoring before the horizon the curve is the empirical cdf of the convening day.
    for e in expo_result.deadlines():
        assert cdf_at(curve, e.deadline.day) == pytest.approx(e.proportion.estimate, abs=1e-12)


def cliff_scenario() -> Scenario:
    """The censored exponential scenario with a cliff edge: the talks collapse if the
    conference has not convened by d5 (day L + 5), at the end of that day.

    A run convenes by d5 iff T <= 5 (see the module docstring); otherwise it collapses on
    day L + 5 (``sim/engine/run.py``, ``_deadline_passed``: a default ending is checked at
    the end of the deadline's day, dated on it, and changes nothing before). So by d2:
    P(convened) = 1 - exp(-0.4), P(collapse) = 0; by d5, by d9 and at the horizon
    (day L + 9): P(convened) = 1 - exp(-1), P(collapse) = exp(-1), none open.
    """
    document = expo_dict(horizon_days=LEAD + 9, offsets=(2, 5, 9), name="expo_cliff")
    document["endings"] = {"collapse": {"label": "the talks collapse"}}
    document["deadlines"]["d5"]["default_ending"] = "collapse"
    return scenario_from_dict(document, source="<expo_cliff>")


def open_by(result: MonteCarloResult, day: np.ndarray | int) -> int:
    """Runs neither convened nor ended on or before ``day``, from the per-run arrays."""
    o = result.outcomes
    finished = (o.convened_day <= day) | ((o.ending >= 0) & (o.ending_day <= day))
    return int(np.count_nonzero(~finished))


@pytest.mark.parametrize(
    ("which", "expected"),
    [
        # Censoring only: a horizon L + 9 days in, where P(still open) = exp(-0.2 * 9) = 0.165.
        (
            "censored",
            {
                "d2": {"convened": 1 - math.exp(-0.4), "open": math.exp(-0.4)},
                "d9": {"convened": 1 - math.exp(-1.8), "open": math.exp(-1.8)},
            },
        ),
        # And a competing ending: the cliff edge at d5 (see cliff_scenario).
        (
            "cliff",
            {
                "d2": {"convened": 1 - math.exp(-0.4), "collapse": 0.0, "open": math.exp(-0.4)},
                "d5": {"convened": 1 - math.exp(-1), "collapse": math.exp(-1), "open": 0.0},
                "d9": {"convened": 1 - math.exp(-1), "collapse": math.exp(-1), "open": 0.0},
            },
        ),
    ],
)
def test_the_last_stage_the_endings_and_still_open_add_up(
    which: str, expected: dict[str, dict[str, float]]
) -> None:
    """Competing risks: at each deadline and at the horizon, every run has reached the last
    stage, or ended another way, or is still open -- one of the three -- so P(last stage) +
    sum of P(each ending) + P(still open) = 1; and each agrees with its closed form."""
    if which == "censored":
        scenario = expo_scenario(horizon_days=LEAD + 9, offsets=(2, 9))
    else:
        scenario = cliff_scenario()
    result = run_monte_carlo(scenario, 3000, 77, executor=SERIAL)
    n = result.runs
    endings = [e.id for e in scenario.endings]

    def agrees(successes: int, p: float, what: object) -> None:
        """Within 4 standard errors of p (exactly 0 runs when p is 0)."""
        if p == 0.0:
            assert successes == 0, what
        else:
            assert abs(successes / n - p) <= 4 * math.sqrt(p * (1 - p) / n), (what, successes, p)

    at_deadlines = {e.deadline.id: e for e in result.deadlines()}
    assert sorted(at_deadlines) == sorted(expected)
    for k, (name, e) in enumerate(at_deadlines.items()):
        outcomes = {o.name: o.proportion for o in e.outcomes}
        assert list(outcomes) == ["announced", "convened", *endings]
        assert all(p.n == n for p in outcomes.values())
        still_open = open_by(result, result.outcomes.deadline_days[:, k])
        ended = sum(outcomes[x].successes for x in endings)
        assert outcomes["convened"].successes + ended + still_open == n, name
        total = outcomes["convened"].estimate + sum(outcomes[x].estimate for x in endings)
        assert total + still_open / n == pytest.approx(1.0, abs=1e-12), name
        for outcome, p in expected[name].items():
            count = still_open if outcome == "open" else outcomes[outcome].successes
            agrees(count, p, (name, outcome))

    # At the horizon (d9's day): the same, from by_horizon().
    at_horizon = at_deadlines["d9"]
    assert at_horizon.deadline.day == scenario.horizon_day
    reached, still = result.by_horizon()
    found = {o.name: o.proportion for o in reached}
    assert list(found) == ["announced", "convened", *endings]
    assert still.n == n
    assert still.successes == open_by(result, scenario.horizon_day)
    ended = sum(found[x].successes for x in endings)
    assert found["convened"].successes + ended + still.successes == n
    for outcome, p in expected["d9"].items():
        agrees(still.successes if outcome == "open" else found[outcome].successes, p, outcome)
    # Nothing happens after the horizon: the last deadline, on its day, says the same.
    for o in at_horizon.outcomes:
        assert o.proportion == found[o.name], o.name
    assert still.low <= still.estimate <= still.high

    # Not convened = ended another way, or still open.
    never = result.not_convened()
    assert never.n == n
    assert never.successes == n - found["convened"].successes
    assert never.successes == ended + still.successes
    assert never.estimate == pytest.approx(1.0 - at_horizon.proportion.estimate, abs=1e-15)
    day = result.outcomes.convened_day
    assert (day[~np.isnan(day)] <= scenario.horizon_day).all()
    curve = result.survival()
    assert curve.events == n - never.successes
    assert cdf_at(curve, scenario.horizon_day) == pytest.approx(1.0 - never.estimate, abs=1e-12)
    assert (np.diff(curve.cdf) >= 0).all()

    obj = result.to_json()["by_horizon"]
    assert obj["still_open"]["probability"] == still.estimate
    assert obj["still_open"]["count"] == still.successes
    assert {o["name"]: o["count"] for o in obj["outcomes"]} == {
        name: p.successes for name, p in found.items()
    }


def test_median_is_none_when_under_half_convene() -> None:
    scenario = expo_scenario(horizon_days=LEAD + 2, offsets=(1, 2))  # P(convened) = 0.33
    result = run_monte_carlo(scenario, 400, 4, executor=SERIAL)
    assert result.deadline("d2").proportion.estimate < 0.5
    assert result.median_day() is None
    last = result.to_json()["stages"][-1]
    assert last["name"] == "convened"
    assert last["median_day"] is None
    assert last["median_date"] is None


def test_unknown_deadline_lookup_names_the_known_ones(expo_result: MonteCarloResult) -> None:
    with pytest.raises(KeyError, match="nosuch"):
        expo_result.deadline("nosuch")


# -- Ctrl-C and progress -------------------------------------------------------------------------


def _interrupt_on_third_chunk(monkeypatch: pytest.MonkeyPatch, log: list[tuple[str, int]]) -> None:
    real = mc.simulate_runs

    def chunk(scenario: Scenario, seed: int, start: int, stop: int) -> Outcomes:
        log.append(("chunk", start))
        if sum(1 for kind, _ in log if kind == "chunk") == 3:
            raise KeyboardInterrupt
        return real(scenario, seed, start, stop)

    monkeypatch.setattr(mc, "simulate_runs", chunk)


def test_ctrl_c_in_this_process_says_how_many_runs_had_finished(
    expo: Scenario, monkeypatch: pytest.MonkeyPatch
) -> None:
    log: list[tuple[str, int]] = []
    _interrupt_on_third_chunk(monkeypatch, log)
    caught: BaseException | None = None
    try:
        run_monte_carlo(expo, 40, 0, executor=SERIAL)  # chunks of 10 runs
    except (Interrupted, KeyboardInterrupt) as exc:  # a KeyboardInterrupt would stop pytest
        caught = exc
    assert [start for _, start in log] == [0, 10, 20]  # stopped at the third chunk
    assert isinstance(caught, Interrupted), f"expected Interrupted, got {caught!r}"
    assert caught.completed == 20
    assert caught.total == 40
    assert caught.unit == "runs"
    assert "interrupted after 20 of 40 runs" in str(caught)


def test_progress_is_reported_while_runs_proceed_in_this_process(expo: Scenario) -> None:
    log: list[tuple[str, int]] = []
    real = mc.simulate_runs

    def chunk(scenario: Scenario, seed: int, start: int, stop: int) -> Outcomes:
        log.append(("chunk", start))
        return real(scenario, seed, start, stop)

    with pytest.MonkeyPatch.context() as m:
        m.setattr(mc, "simulate_runs", chunk)
        run_monte_carlo(
            expo, 40, 0, executor=SERIAL, on_progress=lambda done, _: log.append(("done", done))
        )
    assert [x for kind, x in log if kind == "done"] == [10, 20, 30, 40]
    first_progress = log.index(("done", 10))
    last_chunk = log.index(("chunk", 30))
    assert first_progress < last_chunk, f"no progress before the last chunk ran: {log}"


def test_a_worker_killed_once_is_retried_and_the_results_do_not_change(
    expo: Scenario, tmp_path: Path
) -> None:
    """A chunk whose worker is killed (kill -9) is run again: the run completes, unchanged."""
    expected = run_monte_carlo(expo, 60, 4, executor=SERIAL)
    marker = tmp_path / "died"
    retried = run_monte_carlo(
        expo, 60, 4, executor=ExecutorSpec(workers=2), task=DieOnce(marker, simulate_runs)
    )
    assert marker.exists()
    assert_same_outcomes(retried.outcomes, expected.outcomes)


def test_a_worker_killed_twice_stops_the_run_saying_what_finished(expo: Scenario) -> None:
    with pytest.raises(
        WorkersLost, match=r"a worker was lost twice running runs \d+\.\.\d+"
    ) as info:
        run_monte_carlo(expo, 40, 0, executor=ExecutorSpec(workers=2), task=DieAlways())
    assert isinstance(info.value, WorkFailed)
    assert info.value.exit_status == 1
    assert (info.value.completed, info.value.total, info.value.unit) == (0, 40, "runs")
    assert "stopped after 0 of 40 runs" in str(info.value)
    assert "\n" not in str(info.value)


def _workers(pid: int) -> list[int]:
    """The loky worker processes of ``pid`` (not its resource tracker)."""
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True, check=False)
    found = []
    for child in out.stdout.split():
        try:
            cmdline = Path(f"/proc/{child}/cmdline").read_bytes()
        except OSError:
            continue
        if b"popen_loky" in cmdline:
            found.append(int(child))
    return found


@pytest.mark.slow
def test_negsim_run_survives_a_worker_killed_from_outside(tmp_path: Path) -> None:
    """kill -9 of a busy worker under `negsim run`: its chunk is run again, the output is the
    same as without the kill."""
    slow = ["--set", "horizon=2020-12-31", "--set", "actors.russia.tempo_days=0.05"]
    args = [sys.executable, "-m", "sim", "run", "--runs", "40", "--format", "json", *slow]
    reference = subprocess.run([*args, "--workers", "1"], capture_output=True, text=True)
    assert reference.returncode == 0, reference.stderr
    proc = subprocess.Popen(
        [*args, "--workers", "2"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        workers: list[int] = []
        deadline = time.monotonic() + 60
        while len(workers) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
            workers = _workers(proc.pid)
        assert len(workers) == 2, "no worker processes started"
        time.sleep(0.5)
        assert proc.poll() is None, "40 slow runs should take longer"
        os.kill(workers[0], signal.SIGKILL)
        stdout, stderr = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, stderr
    assert stderr == ""
    volatile = {"backend", "wall_time_s"}
    got = {k: v for k, v in json.loads(stdout).items() if k not in volatile}
    want = {k: v for k, v in json.loads(reference.stdout).items() if k not in volatile}
    assert got == want
