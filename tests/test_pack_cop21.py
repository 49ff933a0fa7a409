"""The Paris Agreement pack (COP21, 2015, and its entry into force, 2016).

Checks the two files load and validate, that replaying the whole record
reproduces the real history (every stage on its real date, the summit's
one-day extension, the 55 % threshold crossed by the Parties' own deposits on
5 October 2016 and not before), that every language feature the pack uses
shows up in traced forecast runs, and that the forecast from the eve of the
summit is neither all-0 nor all-1 at the real deadlines.
"""

from __future__ import annotations

import datetime as dt
import math
from functools import cache
from pathlib import Path

import pytest

from sim.engine import Source, Step, simulate
from sim.engine.compiled import compile_scenario
from sim.model.actions import ActionKind
from sim.output.narrative import describe
from sim.scenario import Scenario, load_scenario, with_overrides

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"
FULL = SCENARIOS / "paris_cop21_2015.toml"
CORE = SCENARIOS / "paris_cop21_2015_core.toml"

#: What happened (the record after the forecast origin).
REAL_STAGES = {
    "text_ready": dt.date(2015, 12, 5),
    "adopted": dt.date(2015, 12, 12),
    "signed": dt.date(2016, 4, 22),
    "in_force": dt.date(2016, 11, 4),
}
KEY_ACTORS = {
    "presidency", "un_sg", "united_states", "china", "eu", "india", "brazil",
    "south_africa", "saudi_arabia", "russia", "aosis", "ldcs",
}  # fmt: skip
SEED = 1


@cache
def scenario(path: Path) -> Scenario:
    return load_scenario(path)


@cache
def replay(path: Path) -> Scenario:
    """The scenario with the whole record known (origin at the entry into force)."""
    return with_overrides(scenario(path), {"as_of": "2016-11-04"})


def day(s: Scenario, date: dt.date) -> int:
    return s.day_of(date)


# -- loading ----------------------------------------------------------------------------


def test_both_files_load_with_the_parties_and_the_origin() -> None:
    full, core = scenario(FULL), scenario(CORE)
    assert full.as_of == core.as_of == dt.date(2015, 11, 29)
    assert {a.id for a in core.actors} == KEY_ACTORS
    assert {a.id for a in full.actors} > KEY_ACTORS
    # 196 Parties at COP21 (195 states and the EU) plus Palestine from March 2016,
    # the presidency, the depositary and the two blocs.
    assert len(full.actors) == 197 + 4
    assert not full.war
    assert not core.war
    assert [st.id for st in full.stages] == list(REAL_STAGES)
    body = next(b for b in full.bodies if b.id == "parties")
    assert math.isclose(sum(w for _, w in body.seats), 99.99, abs_tol=0.02)
    assert dict(body.seats)["china"] == 20.09
    assert dict(body.seats)["united_states"] == 17.89
    influence = {a.id: a.influence for a in full.actors}
    assert influence["china"] == 20.09
    assert influence["russia"] == 7.53
    assert full.sessions == ((dt.date(2015, 11, 29), dt.date(2015, 12, 13)),)


def test_real_deadlines_lie_after_the_origin() -> None:
    s = scenario(FULL)
    after = [d for d in s.deadlines if d.date > s.as_of]
    assert len(after) == len(s.deadlines) >= 4
    close = next(d for d in s.deadlines if d.id == "cop21_close")
    assert close.default_ending == "no_agreement"
    assert close.stage == "adopted"


# -- the record, replayed --------------------------------------------------------------------


@pytest.mark.parametrize("path", [FULL, CORE], ids=["full", "core"])
def test_the_record_reproduces_the_real_history(path: Path) -> None:
    s = replay(path)
    r = simulate(s, SEED, 0)
    reached = {sid: s.date_of(d) for sid, d in zip(r.stage_ids, r.stage_days, strict=True) if d}
    assert reached == REAL_STAGES
    assert r.ending < 0  # no alternative ending
    close = r.deadline_ids.index("cop21_close")
    assert s.date_of(r.deadline_days[close]) == dt.date(2015, 12, 12)  # the record's extension


def test_the_deposits_cross_the_threshold_on_5_october_2016() -> None:
    """The body's threshold (55 % of emissions in support units) is crossed by the
    recorded deposits on the day the UN said it was, not before."""
    s = replay(FULL)
    model = compile_scenario(s)
    body = next(b for b in s.bodies if b.id == "parties")
    index = {a: i for i, a in enumerate(model.actor_ids)}
    seats = [(index[a], w) for a, w in body.seats]
    total = sum(w for _, w in seats)
    crossing = day(s, dt.date(2016, 10, 5))
    support: dict[str, float] = {}

    def check(now: float, state) -> None:
        value = sum(w * (1 + math.tanh(state.stance_latent[i])) / 2 for i, w in seats) / total
        if now < crossing:
            support["before"] = value
        elif now < crossing + 1:
            support["after"] = value

    simulate(s, SEED, 0, check=check)
    assert support["before"] < body.threshold <= support["after"]


# -- features in traced forecast runs --------------------------------------------------------


@cache
def forecast_runs(path: Path, n: int) -> tuple:
    model = compile_scenario(scenario(path))
    return tuple(simulate(model, SEED, i) for i in range(n))


def traced(path: Path, i: int):
    return simulate(scenario(path), SEED, i, trace=True)


#: Runs of the forecast from the origin, shared by the tests (the full pack runs at about 40 ms).
N_FULL = 150


def first_run(path: Path, want) -> int:
    runs = forecast_runs(path, N_FULL)
    return next(i for i, r in enumerate(runs) if want(r))


def test_a_traced_forecast_uses_every_feature_of_the_pack() -> None:
    s = scenario(FULL)
    close = [d.id for d in s.deadlines].index("cop21_close")
    i = first_run(
        FULL,
        lambda r: r.stage_days[-1] is not None and r.deadline_days[close] > s.deadlines[close].day,
    )
    r = traced(FULL, i)
    trace = [t for t in r.trace if t.time > s.as_of_day]
    kinds = {t.action for t in trace}
    assert {
        ActionKind.MEETING,
        ActionKind.JOINT_PROPOSAL,
        ActionKind.DELEGATION_AGREEMENT,
        ActionKind.PRECONDITION,
        ActionKind.FORM_COALITION,
        ActionKind.EXTEND_DEADLINE,
        ActionKind.VOTE,
        ActionKind.CHANGE,
        ActionKind.BLAME_STATEMENT,
    } <= kinds
    # a joint act with several partners (the Comité de Paris, the BASIC statement)
    assert any(
        "+" in t.other for t in trace if t.action in (ActionKind.MEETING, ActionKind.JOINT_PROPOSAL)
    )
    # the presidency's package draft on all five crunch questions
    assert any(t.gate.count("+") == 4 for t in trace if t.action is ActionKind.DELEGATION_AGREEMENT)
    # the stages, in order, each on or after the one before
    stages = [t.stage for t in trace if t.action is Step.STAGE]
    assert stages == list(REAL_STAGES)
    # the gavel, the opening and the counts are votes; the depositary answers by reaction
    votes = [t for t in trace if t.action is ActionKind.VOTE]
    assert {t.gate for t in votes} == {"paris_outcome", "signature_open", "entry_threshold"}
    assert any(t.source is Source.REACTION and t.actor == "un_sg" for t in votes)
    # ratifications: a regime change, once per Party, answered by a count
    ratified = [t.actor for t in trace if t.action is ActionKind.CHANGE]
    assert len(ratified) == len(set(ratified)) > 55
    assert all(t.source is Source.REACTION for t in trace if t.action is ActionKind.CHANGE)
    # sessions: simulated decisions only while the summit sits
    first, last = s.sessions[0]
    for t in trace:
        if t.source is Source.DECISION:
            assert s.day_of(first) <= t.time < s.day_of(last) + 1
    # the extension moved the summit's close (an answer to a red line)
    assert any(t.deadline == "cop21_close" for t in trace if t.action is ActionKind.EXTEND_DEADLINE)
    # the scenario's own words
    text = " ".join(describe(t, s) for t in trace)
    assert "tables a draft" in text
    assert "the agreement is adopted" in text
    assert "ratifies the Paris Agreement" in text
    # many actors act
    assert len({t.actor for t in trace if t.source is Source.DECISION}) > 150


def test_a_failed_summit_ends_by_the_deadline_default() -> None:
    s = scenario(FULL)
    i = first_run(FULL, lambda r: r.ending >= 0)
    r = traced(FULL, i)
    end = [t for t in r.trace if t.action is Step.DEADLINE]
    assert len(end) == 1
    assert end[0].ending == "no_agreement"
    assert end[0].deadline == "cop21_close"
    assert r.stage_days[1] is None
    assert s.date_of(r.ending_day) >= dt.date(2015, 12, 12)  # at the end of the close's day


def test_the_record_uses_joins_coalitions_and_joint_acts() -> None:
    s = replay(FULL)
    r = simulate(s, SEED, 0, trace=True)
    record = [t for t in r.trace if t.source is Source.RECORD]
    assert any(t.action is ActionKind.JOIN and t.actor == "palestine" for t in record)
    assert {t.coalition for t in record if t.action is ActionKind.FORM_COALITION} == {
        "high_ambition"
    }
    us_china = [
        t for t in record if t.action is ActionKind.JOINT_PROPOSAL and t.actor == "united_states"
    ]
    assert {s.date_of(t.time) for t in us_china} >= {dt.date(2014, 11, 12), dt.date(2016, 9, 3)}


# -- the forecast ----------------------------------------------------------------------------


def test_the_forecast_from_the_eve_of_the_summit_is_not_degenerate() -> None:
    s = scenario(FULL)
    runs = forecast_runs(FULL, N_FULL)
    n = len(runs)
    for d in s.deadlines:
        k = s.deadline_stage(d)
        hits = sum(r.reached_by(k, d.day) for r in runs)
        assert 0 < hits < n, (d.id, hits)
    failures = sum(r.ending >= 0 for r in runs)
    assert 0.05 * n < failures < 0.5 * n


def test_the_core_cut_forecasts_the_summit_alike() -> None:
    s = scenario(CORE)
    runs = forecast_runs(CORE, 300)
    adopted = s.deadline_stage(next(d for d in s.deadlines if d.id == "cop21_close"))
    close = next(d for d in s.deadlines if d.id == "cop21_close").day
    p = sum(r.reached_by(adopted, close) for r in runs) / len(runs)
    assert 0.5 < p < 0.9
