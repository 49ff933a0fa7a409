"""The Iran nuclear pack: explicit stages, the record's extensions, a forecast origin.

The record replayed to its end gives the real history (the framework on 2
April 2015, the extensions of the 30 June deadline to 7, 10 and 13 July, the
JCPOA on 14 July); from the origin (8 May 2015) the forecast is uncertain for
the real deadlines; from an origin after 30 June, that deadline is missed by
the record.
"""

from __future__ import annotations

import datetime as dt

import pytest
from test_geneva_record import untagged_numbers

from sim.engine import simulate
from sim.experiments.montecarlo import run_monte_carlo
from sim.scenario import Scenario, find_scenario, load_scenario, with_overrides
from sim.scenario.provenance import comment_tags


@pytest.fixture(scope="module")
def iran() -> Scenario:
    return load_scenario("iran_nuclear_2015")


def test_stages_deadlines_and_origin(iran: Scenario) -> None:
    assert [s.id for s in iran.stages] == ["framework", "concluded"]
    assert iran.as_of == dt.date(2015, 5, 8)
    assert {d.stage for d in iran.deadlines} == {"concluded"}
    focal = {d.id for d in iran.deadlines if d.focal}
    assert focal == {"june_30", "congress_30_days"}  # the dates known from the start
    assert all(iran.start <= e.date <= dt.date(2015, 7, 14) for e in iran.events)


def test_the_record_replayed_to_its_end_is_the_history(iran: Scenario) -> None:
    end = with_overrides(iran, {"as_of": "2015-07-14"})
    run = simulate(end, 1, 0, trace=True)
    assert [end.date_of(d) for d in run.stage_days] == [dt.date(2015, 4, 2), dt.date(2015, 7, 14)]
    moved = dict(zip(run.deadline_ids, run.deadline_days, strict=True))
    assert end.date_of(moved["june_30"]) == dt.date(2015, 7, 13)  # extended three times
    assert end.date_of(moved["july_7"]) == dt.date(2015, 7, 7)
    extensions = [
        (end.date_of(t.time), end.date_of(t.day))
        for t in run.trace or ()
        if str(t.action) == "extend_deadline"
    ]
    assert extensions == [
        (dt.date(2015, 6, 30), dt.date(2015, 7, 7)),
        (dt.date(2015, 7, 7), dt.date(2015, 7, 10)),
        (dt.date(2015, 7, 10), dt.date(2015, 7, 13)),
    ]
    assert {str(t.source) for t in run.trace or ()} <= {"record", "convening"}


def test_a_forecast_before_30_june_and_the_record_after_it(iran: Scenario) -> None:
    before = run_monte_carlo(iran, runs=200, seed=1)
    p = {e.deadline.id: e.proportion.estimate for e in before.deadlines()}
    for name in ("june_30", "july_7", "july_13"):
        assert 0.0 < p[name] < 1.0, (name, p[name])
    after = run_monte_carlo(with_overrides(iran, {"as_of": "2015-07-01"}), runs=200, seed=1)
    q = {e.deadline.id: e.proportion.estimate for e in after.deadlines()}
    assert q["june_30"] == 0.0  # missed: the record says so, not the model
    assert q["end_of_2015"] > 0.5


def test_every_number_and_date_is_tagged() -> None:
    text = find_scenario("iran_nuclear_2015").read_text(encoding="utf-8")
    assert untagged_numbers(text) == []
    assert set(comment_tags(text).values()) <= {"record", "assumed"}
