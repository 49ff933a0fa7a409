"""Hypothesis property tests of the model's invariants, on pure functions and whole runs.

The strategies and the invariant checks live in :mod:`sim.testing`, for anyone
who property-tests a scenario or a model change (docs/MODEL.md, "Testing the
model"); this file applies them to the model and the packaged baseline.
"""

from __future__ import annotations

import dataclasses
import math
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from conftest import baseline_dict, tiny_dict
from hypothesis import given, settings
from sim.model.convening import step

from sim.engine import RunResult, Source, simulate
from sim.model.actions import apply
from sim.model.mechanisms import advance, war_step
from sim.model.params import ConveningRule, Mechanisms, Narrowing, Ripeness, World
from sim.model.state import NO_DAY, Phase, State
from sim.scenario import Scenario, load_scenario, scenario_from_dict
from sim.testing import (
    START,
    ActionSequence,
    ConveningStep,
    EventCheck,
    WorldStep,
    action_sequences,
    check_run,
    check_state,
    run_indices,
    scenario_documents,
    scenarios,
    seeds,
)

# -- bounded state under any sequence of actions ----------------------------------------------


WORLD = World(
    tick_days=7.0,
    readiness_mean=0.3,
    readiness_reversion=0.04,
    stance_pull=2.0,
    violence_mean=0.75,
    violence_reversion=0.02,
    violence_volatility=0.5,
    balance_mean=0.0,
    balance_reversion=0.01,
    balance_volatility=0.5,
)
MECHANISMS = Mechanisms(ripeness=Ripeness(True, 0.5), narrowing=Narrowing(True, 0.4))
RULE = ConveningRule(0.6, 0.4, (3, 9))


@settings(max_examples=120, deadline=None)
@given(action_sequences())
def test_state_stays_bounded_under_any_sequence_of_actions(case: ActionSequence) -> None:
    state, context = case.initial, case.context
    n, n_gates = context.n_actors, case.n_gates
    check_state(state, n, n_gates)
    now = 0.0
    for item in case.steps:
        now += 1.5
        before = state
        if isinstance(item, WorldStep):
            state = advance(state, WORLD, MECHANISMS, 7.0)
            state = war_step(state, WORLD, 7.0, item.z_violence, item.z_balance)
        elif isinstance(item, ConveningStep):
            state, _ = step(state, RULE, n_gates, now, item.u)
        else:
            state, settled = apply(state, item.action, context, now, item.u)
            if settled >= 0:
                assert not before.resolved >> settled & 1
                assert state.resolved == before.resolved | 1 << settled
            else:
                assert state.resolved == before.resolved  # gates never reopen
        check_state(state, n, n_gates)
        if state.phase == Phase.ANNOUNCED:
            assert state.resolved == (1 << n_gates) - 1
            assert state.convene_day >= RULE.lead_min_days


@pytest.fixture(scope="module")
def baseline_scenario() -> Scenario:
    return load_scenario()


# -- whole runs: the trace --------------------------------------------------------------------


@settings(deadline=None, max_examples=30)
@given(seeds(), run_indices())
def test_baseline_trace_invariants(baseline_scenario: Scenario, seed: int, run: int) -> None:
    check_run(baseline_scenario, simulate(baseline_scenario, seed, run, trace=True))


@settings(deadline=None, max_examples=60)
@given(scenario_documents(), seeds())
def test_random_scenario_trace_invariants(data: dict[str, Any], seed: int) -> None:
    scenario = scenario_from_dict(data)
    check_run(scenario, simulate(scenario, seed, 0, trace=True))


# -- whole runs: an invariant after every event (like Ciw's AssertSim) ------------------------


@settings(deadline=None, max_examples=30)
@given(seeds(), run_indices())
def test_baseline_invariants_after_every_event(
    baseline_scenario: Scenario, seed: int, run: int
) -> None:
    check = EventCheck.for_scenario(baseline_scenario)
    result = simulate(baseline_scenario, seed, run, check=check)
    assert len(check.times) >= result.events


@settings(deadline=None, max_examples=60)
@given(scenario_documents(), seeds())
def test_random_scenario_invariants_after_every_event(data: dict[str, Any], seed: int) -> None:
    scenario = scenario_from_dict(data)
    check = EventCheck.for_scenario(scenario)
    result = simulate(scenario, seed, 0, check=check)
    assert len(check.times) >= result.events
    assert check.times == sorted(check.times)


def test_the_check_hook_catches_a_broken_invariant(baseline_scenario: Scenario) -> None:
    def never(now: float, state: State) -> None:
        raise AssertionError(f"checked at {now}")

    with pytest.raises(AssertionError, match="checked at"):
        simulate(baseline_scenario, 0, 0, check=never)


# -- the checks themselves catch what they are for --------------------------------------------


def test_check_state_names_a_quantity_out_of_range() -> None:
    state = State(0.0, 0.0, 0.0, 0, (-0.5,), (0.1, -0.2), (0.3,), math.inf, Phase.OPEN, NO_DAY)
    check_state(state, 2, 1)
    with pytest.raises(AssertionError, match="not finite"):
        check_state(state._replace(readiness_logit=math.nan), 2, 1)
    with pytest.raises(AssertionError, match="1 stances for 2 actors"):
        check_state(state._replace(stance_latent=(0.1,)), 2, 1)
    with pytest.raises(AssertionError, match=r"gate 0: contention_latent 0\.5"):
        check_state(state._replace(contention_latent=(0.5,)), 2, 1)
    with pytest.raises(AssertionError, match="resolved mask 10 names gates beyond the 1"):
        check_state(state._replace(resolved=2), 2, 1)


def test_event_check_refuses_an_announcement_with_a_gate_open() -> None:
    check = EventCheck(2, 2)
    state = State(0.0, 0.0, 0.0, 0b01, (0.0, 0.0), (0.0, 0.0), (0.0,), math.inf, Phase.OPEN, NO_DAY)
    check(1.0, state)
    with pytest.raises(AssertionError, match=r"day 2\.0: announced with gates open"):
        check(2.0, state._replace(phase=Phase.ANNOUNCED, convene_day=20))
    assert check.times == [1.0, 2.0]


def test_check_run_refuses_a_doctored_trace(baseline: Scenario) -> None:
    result = next(
        r for r in (simulate(baseline, 0, run, trace=True) for run in range(50)) if r.convened
    )
    assert result.trace
    check_run(baseline, result)
    with pytest.raises(AssertionError, match="trace times decrease"):
        check_run(baseline, dataclasses.replace(result, trace=result.trace[::-1]))
    with pytest.raises(AssertionError, match="without an announcement of that day"):
        check_run(baseline, dataclasses.replace(result, announcements=()))
    with pytest.raises(AssertionError, match="does not end with the convening"):
        check_run(baseline, dataclasses.replace(result, trace=result.trace[:-1]))
    with pytest.raises(ValueError, match="trace=True"):
        check_run(baseline, dataclasses.replace(result, trace=None))


@settings(deadline=None, max_examples=10)
@given(scenarios())
def test_generated_scenarios_are_valid(scenario: Scenario) -> None:
    assert scenario.start == START
    assert 1 <= len(scenario.actors) <= 4


def test_the_documented_example_runs() -> None:
    """The example of docs/MODEL.md's "Testing the model" runs and passes as printed."""
    text = (Path(__file__).parents[1] / "docs" / "MODEL.md").read_text(encoding="utf-8")
    section = text[text.index("## 9 Testing the model") :]
    code = section[section.index("```python\n") + len("```python\n") :]
    code = code[: code.index("```")]
    namespace: dict[str, Any] = {}
    exec(compile(code, "docs/MODEL.md", "exec"), namespace)
    tests = [f for name, f in namespace.items() if name.startswith("test_")]
    assert len(tests) >= 2
    for test in tests:
        test()


# -- reproducibility --------------------------------------------------------------------------


@settings(deadline=None, max_examples=15)
@given(seeds(), run_indices())
def test_same_seed_same_run(baseline_scenario: Scenario, seed: int, run: int) -> None:
    first = simulate(baseline_scenario, seed, run, trace=True)
    second = simulate(baseline_scenario, seed, run, trace=True)
    assert first == second
    assert first.trace == second.trace
    assert first.trace


@settings(deadline=None, max_examples=15)
@given(seeds(), run_indices())
def test_another_run_index_gives_another_run(
    baseline_scenario: Scenario, seed: int, run: int
) -> None:
    a = simulate(baseline_scenario, seed, run, trace=True)
    b = simulate(baseline_scenario, seed, run + 1, trace=True)
    assert a.trace != b.trace
    decisions_a = [t.draw for t in a.trace if t.source is Source.DECISION][:5]
    decisions_b = [t.draw for t in b.trace if t.source is Source.DECISION][:5]
    assert decisions_a != decisions_b


@settings(deadline=None, max_examples=20)
@given(scenario_documents(), seeds())
def test_random_scenarios_are_reproducible(data: dict[str, Any], seed: int) -> None:
    scenario = scenario_from_dict(data)
    assert simulate(scenario, seed, 3, trace=True) == simulate(
        scenario_from_dict(data), seed, 3, trace=True
    )


# -- common random numbers --------------------------------------------------------------------


def decision_draws(result: RunResult) -> dict[str, dict[int, float]]:
    draws: dict[str, dict[int, float]] = defaultdict(dict)
    assert result.trace is not None
    for t in result.trace:
        if t.source is Source.DECISION:
            draws[t.actor][t.decision] = t.draw
    return draws


@pytest.fixture(scope="module")
def without_eu_events() -> Scenario:
    data = baseline_dict()
    data["events"] = {k: v for k, v in data["events"].items() if v["actor"] != "eu"}
    assert len(data["events"]) < len(baseline_dict()["events"])
    return scenario_from_dict(data)


@settings(deadline=None, max_examples=25)
@given(seeds(), run_indices())
def test_dropping_one_actors_events_leaves_other_actors_draws_unchanged(
    baseline_scenario: Scenario, without_eu_events: Scenario, seed: int, run: int
) -> None:
    base = simulate(baseline_scenario, seed, run, trace=True)
    alt = simulate(without_eu_events, seed, run, trace=True)
    base_draws, alt_draws = decision_draws(base), decision_draws(alt)
    compared = 0
    for actor in (a.id for a in baseline_scenario.actors if a.id != "eu"):
        common = sorted(set(base_draws[actor]) & set(alt_draws[actor]))
        assert common == list(range(len(common)))  # decision numbers run 0, 1, 2, ...
        assert [base_draws[actor][k] for k in common] == [alt_draws[actor][k] for k in common]
        compared += len(common)
    assert compared > 0


def test_the_counterfactual_actually_changes_the_runs(
    baseline_scenario: Scenario, without_eu_events: Scenario
) -> None:
    # otherwise the test above would hold trivially
    differs = [
        simulate(baseline_scenario, 1, run).readiness
        != simulate(without_eu_events, 1, run).readiness
        for run in range(5)
    ]
    assert all(differs)


def test_tiny_dict_is_valid() -> None:
    assert scenario_from_dict(tiny_dict()).name == "tiny"
