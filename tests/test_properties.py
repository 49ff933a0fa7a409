"""Hypothesis property tests of the model's invariants, on pure functions and whole runs.

The strategies and the invariant checks live in :mod:`sim.testing`, for anyone
who property-tests a scenario or a model change (docs/MODEL.md, "Testing the
model"); this file applies them to the model and the packaged baseline.
"""

from __future__ import annotations

import dataclasses
import linecache
import math
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from conftest import baseline_dict, tiny_dict
from hypothesis import given, settings

from sim.engine import RunResult, Source, simulate
from sim.engine.compiled import compile_scenario
from sim.model.actions import ActionKind
from sim.model.stages import Transition, due
from sim.model.state import NO_DAY, NOT_ENDED, State
from sim.scenario import Scenario, load_scenario, scenario_from_dict
from sim.testing import (
    START,
    ActionSequence,
    ActionStep,
    EventCheck,
    StageStep,
    action_sequences,
    check_run,
    check_state,
    run_indices,
    scenario_documents,
    scenarios,
    seeds,
    walk,
)

# -- bounded state under any sequence of actions ----------------------------------------------


@settings(max_examples=100, deadline=None)
@given(action_sequences())
def test_state_stays_bounded_under_any_sequence_of_actions(case: ActionSequence) -> None:
    context = case.context
    n, n_gates = context.n_actors, case.n_gates
    check_state(case.initial, n, n_gates, context=context, stages=case.stages)
    for k, moment in enumerate(walk(case), start=1):
        before, after = moment.before, moment.after
        check_state(
            after,
            n,
            n_gates,
            context=context,
            stages=case.stages,
            n_endings=len(case.endings),
            rule_applied=isinstance(moment.step, StageStep),
            updates=k,
        )
        settled = moment.settled
        assert settled == after.resolved & ~before.resolved  # what it says it settled
        if isinstance(moment.step, ActionStep):
            action = moment.step.action
            if action.kind is ActionKind.REOPEN:
                assert after.resolved == before.resolved & ~action.gates
                assert action.gates & case.reopenable == action.gates
            else:
                assert after.resolved == before.resolved | settled  # only a reopening reopens
                assert settled & ~action.gates == 0
        else:
            assert after.resolved == before.resolved
        if isinstance(moment.step, StageStep) and after.pending_day != NO_DAY:
            rule = case.stages[after.stage]
            held = rule.gates & ~after.pending_open  # a date the record set may leave some open
            assert after.resolved & held == held
            assert due(after, case.stages) is Transition.NONE
        if after.ended != NOT_ENDED:
            assert after.pending_day == NO_DAY


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


def small_state(**fields: object) -> State:
    """Two actors in their first regime, one gate, one deadline, no war."""
    state = State(
        readiness_logit=0.0,
        violence_logit=-math.inf,
        violence_mean_logit=-math.inf,
        balance_latent=0.0,
        resolved=0,
        contention_latent=(-0.5,),
        stance_latent=(0.1, -0.2),
        stance_sum=math.tanh(0.1) + math.tanh(-0.2),
        influence_total=2.0,
        rapport_latent=(0.3,),
        target_day=math.inf,
        stage=0,
        pending_day=NO_DAY,
        ended=NOT_ENDED,
        regime=(0, 0),
        active=0b11,
        deadline_days=(30,),
    )
    return state._replace(**fields)


def test_check_state_names_a_quantity_out_of_range() -> None:
    state = small_state()
    context = compile_scenario(
        scenario_from_dict(tiny_dict({"actors": {"beta": {"tempo_days": 1}}}))
    ).context
    stages = compile_scenario(scenario_from_dict(tiny_dict())).stages
    check_state(state, 2, 1, context=context, stages=stages, n_endings=0)
    check_state(state._replace(rapport_latent=(-2000.0,)), 2, 1)  # rounds to 0, never overflows
    with pytest.raises(AssertionError, match="not finite"):
        check_state(state._replace(readiness_logit=math.nan), 2, 1)
    with pytest.raises(AssertionError, match="1 stances for 2 actors"):
        check_state(state._replace(stance_latent=(0.1,)), 2, 1)
    with pytest.raises(AssertionError, match=r"gate 0: contention_latent 0\.5"):
        check_state(state._replace(contention_latent=(0.5,)), 2, 1)
    with pytest.raises(AssertionError, match="resolved mask 10 names gates beyond the 1"):
        check_state(state._replace(resolved=2), 2, 1)
    with pytest.raises(AssertionError, match="active mask 100 names actors beyond the 2"):
        check_state(state._replace(active=4), 2, 1)
    with pytest.raises(AssertionError, match=r"no war .* yet a violence mean or a balance"):
        check_state(state._replace(balance_latent=0.2), 2, 1)
    with pytest.raises(AssertionError, match=r"stance_sum .* is not the active actors'"):
        check_state(state._replace(active=0b01), 2, 1, context=context)
    with pytest.raises(AssertionError, match="actor 1 in regime 1; it has 1"):
        check_state(state._replace(regime=(0, 1)), 2, 1, context=context)
    with pytest.raises(AssertionError, match="3 stages reached of the 2 there are"):
        check_state(state._replace(stage=3), 2, 1, stages=stages)
    with pytest.raises(AssertionError, match="ended by 0, yet a date is pending"):
        check_state(state._replace(ended=0, pending_day=40), 2, 1)
    with pytest.raises(AssertionError, match="not one of the 0 endings"):
        check_state(state._replace(ended=0), 2, 1, n_endings=0)
    pending = state._replace(stage=1, pending_day=40)
    check_state(pending, 2, 1, stages=stages)  # the record may set a date with a gate open
    with pytest.raises(AssertionError, match=r"pending .* with its gates open"):
        check_state(pending, 2, 1, stages=stages, rule_applied=True)


def test_the_sums_tolerance_grows_with_the_number_of_updates() -> None:
    context = compile_scenario(
        scenario_from_dict(tiny_dict({"actors": {"beta": {"tempo_days": 1}}}))
    ).context
    drifted = small_state(stance_sum=small_state().stance_sum + 1e-13)
    with pytest.raises(AssertionError, match="stance_sum"):
        check_state(drifted, 2, 1, context=context, updates=1)
    check_state(drifted, 2, 1, context=context, updates=10_000)


def test_event_check_refuses_a_date_with_a_gate_open_after_the_origin() -> None:
    stages = compile_scenario(scenario_from_dict(tiny_dict())).stages
    check = EventCheck(2, 1, stages=stages, origin_time=10.0)
    pending = small_state(stage=1, pending_day=40)
    check(5.0, pending)  # before the origin, the record's date stands
    with pytest.raises(AssertionError, match=r"day 12\.0: a date pending .* gates open"):
        check(12.0, pending)
    assert check.times == [5.0, 12.0]


def test_event_check_refuses_a_deadline_moving_earlier_and_a_change_after_the_end() -> None:
    check = EventCheck(2, 1)
    check(1.0, small_state(deadline_days=(40,)))
    with pytest.raises(AssertionError, match="deadline 0 moved earlier, from day 40 to 30"):
        check(2.0, small_state())
    check = EventCheck(2, 1)
    check(1.0, small_state(ended=0))
    with pytest.raises(AssertionError, match="ended by 0, then ended 1"):
        check(2.0, small_state(ended=1))
    check = EventCheck(2, 1)
    check(1.0, small_state(ended=0))
    with pytest.raises(AssertionError, match="ended by 0, then ended 0 at stage 1"):
        check(2.0, small_state(ended=0, stage=1))


def test_check_run_refuses_a_doctored_trace(baseline: Scenario) -> None:
    result = next(
        r for r in (simulate(baseline, 0, run, trace=True) for run in range(50)) if r.convened
    )
    assert result.trace
    check_run(baseline, result)
    trace = result.trace
    with pytest.raises(AssertionError, match="trace times decrease"):
        check_run(baseline, dataclasses.replace(result, trace=trace[::-1]))
    unannounced = tuple(t for t in trace if t.action != "announce")
    with pytest.raises(AssertionError, match="reached without a date announced"):
        check_run(baseline, dataclasses.replace(result, trace=unannounced))
    with pytest.raises(AssertionError, match="does not end with the last stage"):
        check_run(baseline, dataclasses.replace(result, trace=trace[:-1]))
    early = dataclasses.replace(result, stage_days=(result.stage_days[1] + 1, result.stage_days[1]))
    with pytest.raises(AssertionError, match="before the stages before it"):
        check_run(baseline, early)
    both = dataclasses.replace(result, ending=0, ending_day=result.stage_days[1])
    with pytest.raises(AssertionError, match="ended by 0"):
        check_run(baseline, both)
    decision = next(t for t in trace if t.source is Source.DECISION)
    sooner = dataclasses.replace(decision, time=0.0)
    with pytest.raises(AssertionError, match="simulated before the origin"):
        check_run(baseline, dataclasses.replace(result, trace=(sooner, *trace)))
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
    # Hypothesis reads a test's source (its database key): give it the block, not the page.
    name = "<docs/MODEL.md, section 9>"
    linecache.cache[name] = (len(code), None, code.splitlines(keepends=True), name)
    namespace: dict[str, Any] = {}
    exec(compile(code, name, "exec"), namespace)
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
