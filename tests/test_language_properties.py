"""Property tests of the negotiation language (the issues "A negotiation language" and
"Forecasting from the record"), on the pure functions and on whole runs.

Linked and reopenable gates; the forecast origin (nothing simulated before it,
nothing read after it, the record certain before it); votes; elections;
endings as competing risks; deadlines with default endings; common random
numbers across a counterfactual. The strategies and checks are
:mod:`sim.testing`'s.
"""

from __future__ import annotations

import copy
import datetime as dt
import math
from collections import Counter, defaultdict
from typing import Any

import pytest
from conftest import day, tiny_dict
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from sim.engine import RunResult, Source, simulate
from sim.engine import Step as TraceStep
from sim.engine.compiled import compile_scenario
from sim.model.actions import KINDS, Action, ActionContext, ActionKind, VoteRule, success_chance
from sim.model.params import Effect, Rapport
from sim.model.stages import Transition, due
from sim.model.state import NO_DAY, NOT_ENDED, State, logistic
from sim.output.narrative import narrate, trace_json
from sim.scenario import Scenario, ScenarioError, scenario_from_dict
from sim.testing import (
    START,
    ActionSequence,
    ActionStep,
    EventCheck,
    action_sequences,
    check_run,
    scenario_documents,
    seeds,
    stage_rule,
    walk,
)


def checked_run(scenario: Scenario, seed: int, run: int = 0) -> RunResult:
    result = simulate(scenario, seed, run, trace=True, check=EventCheck.for_scenario(scenario))
    check_run(scenario, result)
    return result


def _date(value: object) -> dt.date:
    assert isinstance(value, dt.date)
    return value


# -- gates: linked and reopenable ---------------------------------------------------------------


@settings(max_examples=100, deadline=None)
@given(action_sequences())
def test_gates_settle_after_those_they_require_and_only_reopenable_ones_reopen(
    case: ActionSequence,
) -> None:
    """No attempt or vote settles a gate before the gates it requires (the record's facts
    aside); only a reopen action reopens a gate, and only a reopenable one."""
    requires = case.context.requires
    for moment in walk(case):
        reopened = moment.before.resolved & ~moment.after.resolved
        if reopened:
            assert isinstance(moment.step, ActionStep)
            assert moment.step.action.kind is ActionKind.REOPEN
            assert reopened & ~case.reopenable == 0
        if not moment.settled:
            continue
        assert isinstance(moment.step, ActionStep)
        if moment.step.action.certain:
            continue  # the record's fact: it settled, whatever the model would require
        for g in range(case.n_gates):
            if moment.settled >> g & 1:
                assert (moment.before.resolved | moment.settled) & requires[g] == requires[g]


@settings(max_examples=40, deadline=None)
@given(action_sequences(), st.data())
def test_reopening_a_gate_puts_the_stage_rule_back(
    case: ActionSequence, data: st.DataObject
) -> None:
    """A pending date whose gate reopens is postponed; the stage waits while the gate is open."""
    state = case.initial
    k = state.stage
    rule = case.stages[k]
    assume(rule.gates)
    gate = data.draw(st.sampled_from([g for g in range(case.n_gates) if rule.gates >> g & 1]))
    pending = state._replace(
        resolved=state.resolved | rule.gates, pending_day=data.draw(st.integers(10, 40))
    )
    reopen = Action(ActionKind.REOPEN, 0, Effect(), gate=gate)
    context = case.context
    reopened = KINDS[ActionKind.REOPEN].apply(pending, reopen, context, 5.0, 0.0)[0]
    assert not reopened.resolved >> gate & 1
    assert due(reopened, case.stages) is Transition.POSTPONE
    after = stage_rule(reopened, case.stages, (), 5.0, data.draw(st.floats(0.0, 0.999)))
    # the date is withdrawn; the rule may take the stages before it again, never this one
    # while its gate is open
    assert after.pending_day == NO_DAY or after.stage < k
    assert after.stage <= min(k, max(rule.undo_from, k))
    later = stage_rule(after, case.stages, (), 6.0, 0.5)
    assert later.stage <= k
    assert later.pending_day == NO_DAY or later.stage < k


# -- whole runs of generated scenarios ----------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(scenario_documents(), seeds())
def test_generated_scenarios_keep_every_invariant(data: dict[str, Any], seed: int) -> None:
    """check_run and EventCheck: linked gates, reopening, the origin, stages, endings, deadlines."""
    checked_run(scenario_from_dict(data), seed)


# -- the forecast origin ------------------------------------------------------------------------


@settings(max_examples=30, deadline=None)
@given(scenario_documents(), seeds())
def test_nothing_simulated_happens_before_the_origin(data: dict[str, Any], seed: int) -> None:
    scenario = scenario_from_dict(data)
    origin = compile_scenario(scenario).origin_time
    result = simulate(scenario, seed, 0, trace=True)
    assert result.trace is not None
    for t in result.trace:
        if t.time < origin:
            assert t.source not in (Source.DECISION, Source.REACTION, Source.WORLD), t
            assert t.action not in (TraceStep.ANNOUNCE, TraceStep.POSTPONE, TraceStep.CHECK), t
            assert t.action is not TraceStep.END, t


def _future_record(data: dict[str, Any]) -> list[str]:
    """The record events dated after the origin, by id."""
    as_of = _date(data["as_of"])
    return [
        eid
        for eid, e in data["events"].items()
        if e.get("record", True) and _date(e["date"]) > as_of
    ]


@settings(max_examples=30, deadline=None)
@given(scenario_documents(), seeds(), st.data())
def test_a_forecast_never_reads_the_record_after_its_origin(
    data: dict[str, Any], seed: int, choice: st.DataObject
) -> None:
    """Deleting or changing record events after the origin changes nothing, bit for bit.

    Scheduled ones are kept, without their result: changing their result
    changes nothing either.
    """
    record = sorted(_date(e["date"]) for e in data["events"].values() if e.get("record", True))
    assume(record and record[-1] > START)
    # an origin before at least one record event
    latest = record[-1] - dt.timedelta(days=1)
    data = {
        **data,
        "as_of": choice.draw(st.dates(max(START, latest - dt.timedelta(days=30)), latest)),
    }
    future = _future_record(data)
    assert future
    base = scenario_from_dict(data)
    changed = copy.deepcopy(data)
    for eid in future:
        event = changed["events"][eid]
        if event.get("scheduled"):
            if "result" in event and event["kind"] == ActionKind.ELECTION.value:
                event["result"] = choice.draw(st.sampled_from(sorted(event["candidates"])))
            elif "result" in event:
                event["result"] = (
                    "failed"
                    if event["result"] != "failed"
                    else ("passed" if event["kind"] == ActionKind.VOTE.value else "succeeded")
                )
            continue
        how = choice.draw(st.sampled_from(["delete", "readiness", "note", "date"]))
        if how == "delete":
            del changed["events"][eid]
        elif how == "readiness":
            event["readiness"] = choice.draw(st.floats(-3.0, 3.0))
        elif how == "note":
            event["note"] = "rewritten"
        else:
            event["date"] = choice.draw(
                st.dates(_date(data["as_of"]) + dt.timedelta(days=1), _date(data["horizon"]))
            )
            event.pop("to", None)
            if event["kind"] == ActionKind.ANNOUNCE_DATE.value:
                event["to"] = event["date"]
    try:
        alt = scenario_from_dict(changed)
    except ScenarioError:
        assume(False)  # a change the loader refuses (an extension chain, say): not a forecast
        raise
    for run in range(2):
        assert simulate(alt, seed, run, trace=True) == simulate(base, seed, run, trace=True)


@settings(max_examples=30, deadline=None)
@given(scenario_documents(), seeds(), st.data())
def test_moving_the_origin_past_an_event_makes_it_certain(
    data: dict[str, Any], seed: int, choice: st.DataObject
) -> None:
    """A record event up to the origin is in every run's trace, with its recorded result.

    Unless the record itself ended the negotiation before it (a default
    ending, the last stage reached by the record), which every run then shows.
    """
    record = [eid for eid, e in data["events"].items() if e.get("record", True)]
    assume(record)
    eid = choice.draw(st.sampled_from(record))
    event = data["events"][eid]
    data = {
        **data,
        "as_of": _date(event["date"]) + dt.timedelta(days=choice.draw(st.integers(0, 5))),
    }
    data["as_of"] = min(data["as_of"], _date(data["horizon"]))
    scenario = scenario_from_dict(data)
    spec = next(e for e in scenario.events if e.id == eid)
    regimes = ["initial", *(r.id for r in scenario.actor(spec.actor).regimes)]
    for run in range(3):
        result = simulate(scenario, seed, run, trace=True)
        assert result.trace is not None
        found = [t for t in result.trace if t.source is Source.RECORD and t.label == eid]
        if not found:
            last = result.trace[-1]
            assert last.time <= spec.day
            assert result.ending >= 0 or result.stage_days[-1] is not None
            continue
        (t,) = found
        assert t.time == spec.day
        if spec.result is None:
            continue
        if spec.kind is ActionKind.ELECTION:
            assert t.regime == regimes.index(spec.result)
        else:
            assert t.failed is (spec.result == "failed")


# -- votes ----------------------------------------------------------------------------------------


@st.composite
def votes(draw: st.DrawFn) -> tuple[State, Action, ActionContext]:
    n = draw(st.integers(1, 5))
    members = draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=n, unique=True))
    rule = VoteRule(
        members=tuple(members),
        weights=tuple(draw(st.floats(0.0, 100.0)) for _ in members),
        others_weight=draw(st.floats(0.0, 100.0)),
        others_stance=draw(st.floats(-1.0, 1.0)),
        threshold=draw(st.floats(0.01, 0.99)),
        sharpness=draw(st.floats(0.01, 200.0)),
    )
    stances = tuple(math.atanh(draw(st.floats(-0.99, 0.99))) for _ in range(n))
    state = State(
        readiness_logit=0.0,
        violence_logit=-math.inf,
        violence_mean_logit=-math.inf,
        balance_latent=0.0,
        resolved=0,
        contention_latent=(0.0,),
        stance_latent=stances,
        stance_sum=0.0,
        influence_total=0.0,
        rapport_latent=(),
        target_day=math.inf,
        stage=0,
        pending_day=NO_DAY,
        ended=NOT_ENDED,
        regime=(0,) * n,
        active=draw(st.integers(0, (1 << n) - 1)),
        deadline_days=(),
    )
    action = Action(ActionKind.VOTE, 0, Effect(), vote=rule)
    return state, action, ActionContext((0,) * n, Rapport())


def expected_vote_chance(state: State, rule: VoteRule) -> float:
    """logistic(sharpness x (support - threshold)), support the expected share in favour."""
    favour = rule.others_weight * (1 + rule.others_stance) / 2
    weight = rule.others_weight
    for member, share in zip(rule.members, rule.weights, strict=True):
        if state.is_active(member):
            favour += share * (1 + state.stance(member)) / 2
            weight += share
    if weight == 0:
        return 0.0
    return logistic(rule.sharpness * (favour / weight - rule.threshold))


@settings(max_examples=300)
@given(votes(), st.data())
def test_a_votes_chance_is_the_logistic_of_support_over_threshold_and_monotone(
    vote: tuple[State, Action, ActionContext], data: st.DataObject
) -> None:
    state, action, context = vote
    assert action.vote is not None
    chance = success_chance(state, action, context)
    assert chance == pytest.approx(expected_vote_chance(state, action.vote), rel=1e-9, abs=1e-300)
    # a member's stance rising never lowers it
    member = data.draw(st.sampled_from(action.vote.members))
    rise = data.draw(st.floats(0.0, 5.0))
    stances = list(state.stance_latent)
    stances[member] += rise
    higher = success_chance(state._replace(stance_latent=tuple(stances)), action, context)
    assert higher >= chance * (1 - 1e-12)


@settings(max_examples=30, deadline=None)
@given(scenario_documents(), seeds(), st.data())
def test_a_recorded_result_is_always_the_outcome(
    data: dict[str, Any], seed: int, choice: st.DataObject
) -> None:
    """Every attempt, vote and election with a result known at the origin goes as recorded."""
    data = copy.deepcopy(data)
    for event in data["events"].values():
        kind = ActionKind(event["kind"])
        if kind is ActionKind.ELECTION:
            event["result"] = choice.draw(st.sampled_from(sorted(event["candidates"])))
        elif KINDS[kind].chance is not None:
            event.pop("certain", None)
            passed = "passed" if kind is ActionKind.VOTE else "succeeded"
            event["result"] = choice.draw(st.sampled_from([passed, "failed"]))
    scenario = scenario_from_dict(data)
    recorded = {
        e.id: e
        for e in scenario.events
        if (e.day <= scenario.as_of_day or not e.record) and e.result is not None
    }
    for run in range(2):
        result = simulate(scenario, seed, run, trace=True)
        assert result.trace is not None
        for t in result.trace:
            event = recorded.get(t.label) if t.source is Source.RECORD else None
            if event is None:
                continue
            if event.kind is ActionKind.ELECTION:
                actor = scenario.actor(event.actor)
                assert t.regime == ["initial", *(r.id for r in actor.regimes)].index(event.result)
            else:
                assert t.failed is (event.result == "failed")


# -- elections ----------------------------------------------------------------------------------


def test_the_drawn_winner_of_an_election_follows_the_candidates_probabilities() -> None:
    """A scheduled election after the origin, drawn in each of 3000 runs (fixed seed)."""
    candidates = {"initial": 0.2, "hawks": 0.5, "doves": 0.3}
    scenario = scenario_from_dict(
        tiny_dict(
            {
                "horizon": day(4),
                "deadlines": {"soon": {"date": day(3)}},
                "as_of": day(1),
                "actors": {
                    "alpha": {"tempo_days": 1e6, "regimes": {"hawks": {}, "doves": {}}},
                },
                "events": {
                    "vote": {
                        "date": day(2),
                        "actor": "alpha",
                        "kind": "election",
                        "candidates": candidates,
                        "scheduled": True,
                        "result": "doves",
                    }
                },
            }
        )
    )
    n = 3000
    winners: Counter[int] = Counter()
    for run in range(n):
        result = simulate(scenario, 20240501, run, trace=True)
        assert result.trace is not None
        (election,) = [t for t in result.trace if t.action is ActionKind.ELECTION]
        winners[election.regime] += 1
    for regime, p in enumerate(candidates.values()):
        se = math.sqrt(p * (1 - p) / n)
        assert abs(winners[regime] / n - p) < 4.5 * se, (regime, winners)


# -- endings: competing risks ---------------------------------------------------------------------


@settings(max_examples=30, deadline=None)
@given(scenario_documents(), seeds())
def test_the_outcomes_cumulative_incidences_sum_to_one(data: dict[str, Any], seed: int) -> None:
    """By every day: the last stage, each ending, or neither; one of them, never two."""
    scenario = scenario_from_dict(data)
    runs = [simulate(scenario, seed, run) for run in range(8)]
    n_endings = len(scenario.endings)
    before = [0.0] * (n_endings + 1)
    for d in range(scenario.horizon_day + 1):
        last = sum(r.convened_by(d) for r in runs) / len(runs)
        endings = [
            sum(r.ended_by(d) and r.ending == e for r in runs) / len(runs) for e in range(n_endings)
        ]
        neither = sum(not r.convened_by(d) and not r.ended_by(d) for r in runs) / len(runs)
        assert math.fsum([last, *endings, neither]) == pytest.approx(1.0)
        incidences = [last, *endings]
        assert all(now >= was for now, was in zip(incidences, before, strict=True))
        before = incidences
    for r in runs:
        assert not (r.convened and r.ending >= 0)


# -- deadlines and their default endings ----------------------------------------------------------


@settings(max_examples=100, deadline=None)
@given(
    st.integers(0, 30),
    st.integers(0, 12),
    st.lists(
        st.tuples(st.integers(0, 40), st.one_of(st.none(), st.integers(1, 30)), st.booleans()),
        max_size=3,
    ),
    st.integers(0, 40),
    st.floats(0.3, 0.9),
    st.one_of(st.none(), st.tuples(st.integers(0, 20), st.integers(0, 20))),
    st.integers(1, 15),
    seeds(),
)
def test_a_default_ending_happens_exactly_when_its_deadline_passes_with_the_stage_unreached(
    deadline: int,
    lead: int,
    extensions: list[tuple[int, int | None, bool]],
    as_of: int,
    readiness: float,
    announced: tuple[int, int] | None,
    extension_days: int,
    seed: int,
) -> None:
    """A stage taken when readiness reaches 0.6, with a date ``lead`` days ahead (or a date
    the record announced); a deadline with a default ending; extensions from the record (to
    a date, or by days) or simulated, before or after the date was set.
    """
    events: dict[str, Any] = {}
    if announced is not None:
        when, ahead = announced
        events["date"] = {
            "date": day(when),
            "actor": "alpha",
            "kind": "announce_date",
            "stage": "signed",
            "to": day(when + ahead),
        }
    standing = deadline  # where the record's extensions leave the deadline, in date order
    for i, (when, days, record) in enumerate(sorted(extensions, key=lambda e: e[0])):
        event: dict[str, Any] = {
            "date": day(when),
            "actor": "alpha",
            "kind": "extend_deadline",
            "deadline": "cliff",
            "record": record,
        }
        if days is None:
            event["extension_days"] = 7
        else:
            standing = max(standing, when) + days
            if standing > 60:
                break
            event["to"] = day(standing)
        events[f"ext{i}"] = event
    extra = {
        **{
            "convening": None,
            "horizon": day(60),
            "gates": {"question": {"resolved": True}},
            "initial": {"readiness": readiness},
            "world": {"readiness_reversion": 0.05, "readiness_mean": 0.7},
            "stages": {"signed": {"threshold": 0.6, "lead_days": [lead, lead]}},
            "endings": {"no_deal": {}},
            "deadlines": {
                "soon": None,
                "cliff": {"date": day(deadline), "default_ending": "no_deal"},
            },
            "as_of": day(as_of),
            "actors": {
                "alpha": {
                    "tempo_days": 4.0,
                    "actions": {
                        "extend": {
                            "kind": "extend_deadline",
                            "deadline": "cliff",
                            "weight": 0.3,
                            "extension_days": extension_days,
                        }
                    },
                }
            },
        },
        "events": events,
    }
    try:
        scenario = scenario_from_dict(tiny_dict(extra))
    except ScenarioError:
        assume(False)
        raise
    result = checked_run(scenario, seed)
    final = result.deadline_days[0]
    missed = not result.reached_by(0, final) and final < scenario.horizon_day
    if missed:
        assert (result.ending, result.ending_day) == (0, final)
    else:
        assert result.ending == -1


# -- common random numbers ----------------------------------------------------------------------


def decision_draws(result: RunResult) -> dict[str, dict[int, float]]:
    draws: dict[str, dict[int, float]] = defaultdict(dict)
    assert result.trace is not None
    for t in result.trace:
        if t.source is Source.DECISION and t.draw is not None:
            draws[t.actor][t.decision] = t.draw
    return draws


@settings(max_examples=30, deadline=None)
@given(scenario_documents(), seeds(), st.data())
def test_changing_one_actor_leaves_the_others_draws_unchanged(
    data: dict[str, Any], seed: int, choice: st.DataObject
) -> None:
    """A counterfactual that changes one actor's moves: every other actor draws the same."""
    actors = sorted(data["actors"])
    changed_actor = choice.draw(st.sampled_from(actors))
    alt = copy.deepcopy(data)
    for move in alt["actors"][changed_actor]["actions"].values():
        move["weight"] = choice.draw(st.floats(0.0, 3.0))
    alt["actors"][changed_actor]["pass_weight"] = choice.draw(st.floats(0.0, 2.0))
    base = simulate(scenario_from_dict(data), seed, 0, trace=True)
    other = simulate(scenario_from_dict(alt), seed, 0, trace=True)
    base_draws, alt_draws = decision_draws(base), decision_draws(other)
    for actor in actors:
        if actor == changed_actor:
            continue
        common = sorted(set(base_draws[actor]) & set(alt_draws[actor]))
        assert [base_draws[actor][k] for k in common] == [alt_draws[actor][k] for k in common]


# -- the narrative ------------------------------------------------------------------------------


@settings(max_examples=30, deadline=None)
@given(scenario_documents(), seeds())
def test_the_narrative_tells_any_run(data: dict[str, Any], seed: int) -> None:
    """Every kind, stage, ending, deadline and regime of any scenario has words in the story."""
    scenario = scenario_from_dict(data)
    result = simulate(scenario, seed, 0, trace=True)
    story = narrate(result, scenario, verbose=True)
    assert story.startswith(scenario.title)
    assert "Outcome: " in story
    assert trace_json(result, scenario)["seed"] == seed
