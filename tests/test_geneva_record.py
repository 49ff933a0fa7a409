"""The Geneva-2 baseline's record, from Berlin (26 February 2013) to the second Geneva round.

The record is replayed with the forecast origin at its end: the real history
must come out (Ban's announcement on 25 November 2013 of 22 January 2014, the
opening at Montreux on that date, Iran's invitation and its withdrawal, the
Coalition's vote to attend). The default origin (5 June 2013) must leave a
forecast that is neither certain nor impossible for the later target dates.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

from sim.engine import simulate
from sim.engine.compiled import compile_scenario
from sim.experiments.montecarlo import run_monte_carlo
from sim.model.actions import ActionKind
from sim.scenario import Scenario, find_scenario, load_scenario, with_overrides
from sim.scenario.provenance import comment_tags

END_OF_RECORD = dt.date(2014, 2, 15)
ANNOUNCED = dt.date(2013, 11, 25)
OPENED = dt.date(2014, 1, 22)


@pytest.fixture(scope="module")
def baseline() -> Scenario:
    return load_scenario()


@pytest.fixture(scope="module")
def replay(baseline: Scenario) -> Any:
    """One run with the origin at the end of the record: nothing simulated before Montreux."""
    at_the_end = with_overrides(baseline, {"as_of": END_OF_RECORD.isoformat()})
    return simulate(at_the_end, 1, 0, trace=True)


def _day(scenario: Scenario, date: dt.date) -> int:
    return scenario.day_of(date)


def test_the_window_and_the_origin(baseline: Scenario) -> None:
    assert baseline.start == dt.date(2013, 2, 26)  # Berlin, the first Kerry-Lavrov meeting
    assert baseline.horizon == dt.date(2014, 12, 31)
    assert baseline.as_of == dt.date(2013, 6, 5)  # what the source article knew
    assert baseline.events[0].id == "berlin"
    dates = [e.date for e in baseline.events]
    assert dates == sorted(dates)
    assert all(baseline.start <= d <= END_OF_RECORD for d in dates)
    assert max(dates) == END_OF_RECORD  # the end of the second Geneva round
    assert all(e.record for e in baseline.events)
    for d in baseline.deadlines:
        assert baseline.start <= d.date <= baseline.horizon


def test_the_record_replayed_to_its_end_reproduces_the_history(
    baseline: Scenario, replay: Any
) -> None:
    announced, convened = replay.stage_days
    assert announced == _day(baseline, ANNOUNCED)
    assert convened == _day(baseline, OPENED)
    assert replay.ending == -1
    # Ban's announcement of 25 November named 22 January 2014, and nothing postponed it.
    assert [(int(t), k, d) for t, k, d in replay.announcements] == [
        (_day(baseline, ANNOUNCED), 1, _day(baseline, OPENED))
    ]
    assert replay.postponements == ()
    gates = dict(zip(replay.gate_ids, replay.gate_days, strict=True))
    assert gates["government_consent"] == _day(baseline, dt.date(2013, 5, 26))
    assert gates["regional_invitations"] == _day(baseline, dt.date(2014, 1, 6))  # first settled
    assert gates["opposition_delegation"] == _day(baseline, dt.date(2014, 1, 18))
    reopened = dict(zip(replay.gate_ids, replay.gate_reopenings, strict=True))
    assert reopened == {
        "opposition_delegation": 0,
        "regional_invitations": 1,  # Iran invited on 19 January
        "government_consent": 0,
    }


def test_iran_invited_and_uninvited_and_the_coalition_vote(baseline: Scenario, replay: Any) -> None:
    by_date = {}
    for record in replay.trace:
        by_date.setdefault(baseline.date_of(record.time), []).append(record)
    vote = [r for r in by_date[dt.date(2014, 1, 18)] if r.action is ActionKind.VOTE]
    assert len(vote) == 1
    assert not vote[0].failed
    assert vote[0].settled == "opposition_delegation"
    invited = [r for r in by_date[dt.date(2014, 1, 19)] if r.action is ActionKind.REOPEN]
    assert [r.gate for r in invited] == ["regional_invitations"]
    withdrawn = [
        r for r in by_date[dt.date(2014, 1, 20)] if r.action is ActionKind.DELEGATION_AGREEMENT
    ]
    assert [r.settled for r in withdrawn] == ["regional_invitations"]
    # Nothing was simulated: every line is a record event or the stage rule (the opening).
    assert {str(r.source) for r in replay.trace} == {"record", "convening"}
    assert [str(r.action) for r in replay.trace if str(r.source) == "convening"] == ["stage"]
    replayed = [r.label for r in replay.trace if str(r.source) == "record"]
    assert replayed == [e.id for e in baseline.events if e.date < OPENED]
    kinds = {r.action for r in replay.trace}
    for kind in (
        ActionKind.MEETING,
        ActionKind.JOINT_PROPOSAL,
        ActionKind.TARGET_DATE,
        ActionKind.UN_RESOLUTION,
        ActionKind.EMBARGO_LIFT,
        ActionKind.ARMS_SHIPMENT,
        ActionKind.SEAT_DEMAND,
        ActionKind.PRECONDITION,
        ActionKind.DELEGATION_AGREEMENT,
        ActionKind.MILITARY_OFFENSIVE,
        ActionKind.BLAME_STATEMENT,
        ActionKind.VOTE,
        ActionKind.REOPEN,
        ActionKind.ANNOUNCE_DATE,
    ):
        assert kind in kinds, kind


def test_the_security_council_vote_and_the_trilaterals(baseline: Scenario, replay: Any) -> None:
    council = [r for r in replay.trace if r.action is ActionKind.VOTE and r.gate == ""]
    assert [baseline.date_of(r.time) for r in council] == [dt.date(2013, 9, 27)]  # resolution 2118
    trilaterals = [
        baseline.date_of(r.time)
        for r in replay.trace
        if r.action is ActionKind.MEETING and r.other == "russia+un"
    ]
    assert trilaterals == [
        dt.date(2013, 6, 5),
        dt.date(2013, 6, 25),
        dt.date(2013, 9, 13),
        dt.date(2013, 11, 5),
        dt.date(2013, 11, 25),
        dt.date(2013, 12, 20),
        dt.date(2014, 1, 13),
    ]
    # Six Kerry-Lavrov meetings in four months (the article), counting the Moscow agreement.
    spring = [
        e
        for e in baseline.events
        if e.date <= dt.date(2013, 5, 27)
        and e.kind in (ActionKind.MEETING, ActionKind.JOINT_PROPOSAL)
        and e.actor == "united_states"
        and e.targets.others == ("russia",)
    ]
    assert len(spring) == 6


def test_a_forecast_knows_only_the_record_up_to_its_origin(baseline: Scenario) -> None:
    model = compile_scenario(baseline)
    last = max(e.day for e in model.events)
    assert last == _day(baseline, baseline.as_of)
    later = compile_scenario(with_overrides(baseline, {"as_of": "2013-11-01"}))
    assert max(e.day for e in later.events) == _day(baseline, dt.date(2013, 10, 20))
    run = simulate(with_overrides(baseline, {"as_of": "2013-11-01"}), 2, 0)
    assert run.stage_days[0] is None or run.stage_days[0] > _day(baseline, dt.date(2013, 11, 1))


def test_the_forecast_from_june_2013_is_uncertain_about_the_later_targets(
    baseline: Scenario,
) -> None:
    result = run_monte_carlo(baseline, runs=200, seed=1)
    estimates = {e.deadline.id: e.proportion.estimate for e in result.deadlines()}
    # Dates before the origin are settled by the record: missed.
    assert estimates["end_of_may"] == 0.0
    for name in ("mid_november", "end_of_2013", "montreux", "mid_2014"):
        assert 0.0 < estimates[name] < 1.0, (name, estimates[name])
    values = [estimates[d.id] for d in baseline.deadlines]
    assert values == sorted(values)
    assert np.isfinite(values).all()


def _leaves(node: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _leaves(value, (*path, key))
    else:
        yield path, node


def _is_number(value: Any) -> bool:
    """A number, a date, or a non-empty list of numbers (a span): what needs a source."""
    if isinstance(value, list):
        return bool(value) and all(_is_number(v) and not isinstance(v, list) for v in value)
    return isinstance(value, int | float | dt.date) and not isinstance(value, bool)


def untagged_numbers(text: str) -> list[str]:
    """The dotted keys of a scenario text whose numbers or dates carry no [tag] comment."""
    tags = comment_tags(text)
    return [
        ".".join(key)
        for key, value in _leaves(tomllib.loads(text))
        if _is_number(value) and not any(key[:n] in tags for n in range(len(key), 0, -1))
    ]


def test_every_number_and_date_in_the_file_is_tagged() -> None:
    text = find_scenario(None).read_text(encoding="utf-8")
    assert untagged_numbers(text) == []
    assert set(comment_tags(text).values()) <= {"record", "article", "assumed"}


def test_a_forecast_after_the_announcement_keeps_the_announced_date(baseline: Scenario) -> None:
    """The date set on 25 November 2013 (Iran's seat still open) is not withdrawn at the origin."""
    origin = dt.date(2013, 12, 1)
    run = simulate(with_overrides(baseline, {"as_of": origin.isoformat()}), 1, 0)
    assert all(int(t) > _day(baseline, origin) + 1 for t, _ in run.postponements)
