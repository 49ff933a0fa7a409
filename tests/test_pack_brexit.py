"""The Brexit pack (scenarios/brexit_withdrawal_2017.toml): the record, the features, the forecast.

Three things are checked:

- replaying the whole record (the origin moved to the horizon) reproduces what
  happened: every stage on its real date, the three extensions of exit day,
  the backstop settled, reopened and settled again, May's government replaced
  by Johnson's, the election won, no cliff edge;
- each language feature the pack uses shows up in a traced run (stages,
  endings, votes in bodies with seats, packages, a reopenable gate, regimes
  with a change and an election, a coalition, extensions, an inactive actor
  whose seats leave the count, the scenario's own words);
- the forecast from the pack's origin (25 November 2018) is neither all-0 nor
  all-1 at the real deadlines, and knows nothing of the record after it.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter

import pytest

from sim.engine import Source, simulate
from sim.engine.compiled import compile_scenario
from sim.model.effects import vote_chance
from sim.model.state import logit
from sim.output.narrative import narrate
from sim.scenario import load_scenario, with_overrides
from sim.scenario.loader import find_scenario

PACK = "brexit_withdrawal_2017"
RUNS = 200
SEED = 1


@pytest.fixture(scope="module")
def scenario():
    return load_scenario(find_scenario(PACK))


@pytest.fixture(scope="module")
def history(scenario):
    """The whole record replayed: the origin moved to the horizon."""
    replay = with_overrides(scenario, {"as_of": scenario.horizon})
    return replay, simulate(replay, seed=SEED, run=0, trace=True)


@pytest.fixture(scope="module")
def forecast(scenario):
    model = compile_scenario(scenario)
    return [simulate(model, seed=SEED, run=i) for i in range(RUNS)]


def day(scenario, iso: str) -> int:
    return scenario.day_of(dt.date.fromisoformat(iso))


def test_loads_with_its_origin_and_the_language_it_uses(scenario):
    assert scenario.as_of == dt.date(2018, 11, 25)
    assert [s.id for s in scenario.stages] == ["agreed", "commons_approved", "ratified", "in_force"]
    assert [e.id for e in scenario.endings] == ["no_deal", "revoked"]
    assert not scenario.war  # no initial.violence: no war
    exit_day = next(d for d in scenario.deadlines if d.id == "exit_day")
    assert (exit_day.date, exit_day.default_ending, exit_day.stage) == (
        dt.date(2019, 3, 29),
        "no_deal",
        "ratified",
    )
    commons = next(b for b in scenario.bodies if b.id == "commons")
    assert commons.size == 650
    assert sum(n for _, n in commons.seats) == 648  # the Speaker and Lady Hermon are others
    assert next(g for g in scenario.gates if g.id == "backstop").reopenable
    gov = scenario.actor("uk_government")
    assert [r.id for r in gov.regimes][-3:] == ["johnson", "johnson_majority", "labour_led"]
    assert not scenario.actor("sinn_fein").active
    assert [c.id for c in scenario.coalitions] == ["confidence_and_supply"]
    assert {w.kind.value for w in scenario.words} >= {"vote", "delegation_agreement", "reopen"}
    record_after = [e for e in scenario.events if e.record and e.date > scenario.as_of]
    assert len(record_after) >= 20
    assert not any(e.scheduled for e in scenario.events)


def test_the_record_reproduces_the_real_history(history):
    replay, r = history
    real = ["2018-11-14", "2020-01-09", "2020-01-29", "2020-01-31"]
    assert list(r.stage_days) == [day(replay, d) for d in real]
    assert r.ending == -1
    assert r.ending_day is None
    exit_day = r.deadline_ids.index("exit_day")
    assert r.deadline_days[exit_day] == day(replay, "2020-01-31")
    gates = dict(zip(r.gate_ids, r.gate_days, strict=True))
    for g in ("money", "citizens", "transition"):  # the package of 19 March 2018
        assert gates[g] == day(replay, "2018-03-19")
    for g in ("backstop", "governance"):  # the package of 14 November 2018
        assert gates[g] == day(replay, "2018-11-14")
    assert gates["commons_approval"] == day(replay, "2020-01-09")
    assert gates["ep_consent"] == day(replay, "2020-01-29")
    reopenings = dict(zip(r.gate_ids, r.gate_reopenings, strict=True))
    assert reopenings == {g: int(g == "backstop") for g in r.gate_ids}


def test_the_record_drives_each_feature(history):
    replay, r = history
    trace = r.trace
    assert all(t.source is Source.RECORD or t.time > replay.as_of_day for t in trace)

    def at(iso: str, kind: str):
        return [t for t in trace if t.time == day(replay, iso) and t.action.value == kind]

    # the three extensions: 29 March -> 12 April -> 31 October 2019 -> 31 January 2020
    extensions = [t for t in trace if t.action.value == "extend_deadline"]
    assert [(t.deadline, replay.date_of(t.day).isoformat()) for t in extensions] == [
        ("exit_day", "2019-04-12"),
        ("exit_day", "2019-10-31"),
        ("exit_day", "2020-01-31"),
    ]
    # the three failed meaningful votes, then the Letwin amendment; the bill's passage
    for iso in ("2019-01-15", "2019-03-12", "2019-03-29", "2019-10-19"):
        (vote,) = [t for t in at(iso, "vote") if t.gate == "commons_approval"]
        assert vote.failed
        assert not vote.settled
    assert not at("2019-10-22", "vote")[0].failed  # second reading, 329-299
    (third,) = at("2020-01-09", "vote")
    assert not third.failed
    assert third.settled == "commons_approval"
    # packages settled at once, the backstop reopened and settled again
    assert at("2018-03-19", "delegation_agreement")[0].settled == "money+citizens+transition"
    assert at("2018-11-14", "delegation_agreement")[0].settled == "backstop+governance"
    assert at("2019-10-02", "reopen")[0].gate == "backstop"
    assert at("2019-10-17", "delegation_agreement")[0].settled == "backstop"
    # May's government -> Johnson's (a change) -> Johnson with a majority (the election)
    regimes = ["initial", "johnson", "johnson_majority", "labour_led"]
    (change,) = at("2019-07-24", "change")
    assert regimes[change.regime] == "johnson"
    (election,) = at("2019-12-12", "election")
    assert regimes[election.regime] == "johnson_majority"
    # the Conservative-DUP confidence-and-supply agreement
    assert at("2017-06-26", "form_coalition")[0].coalition == "confidence_and_supply"


def test_sinn_fein_seats_leave_the_count(scenario):
    """Support = seat-weighted (1 + stance) / 2 over the *active* members and the others."""
    model = compile_scenario(scenario)
    seen = []
    simulate(model, seed=SEED, run=0, check=lambda t, s: seen.append((t, s)))
    state = next(s for t, s in seen if t >= model.origin_time)
    gov = next(a for a in model.actors if a.id == "uk_government")
    vote = gov.moves[[m.id for m in gov.specs].index("meaningful_vote")]
    commons = next(b for b in scenario.bodies if b.id == "commons")
    favour = weight = 0.0
    for actor, seats in commons.seats:
        i = model.actor_ids.index(actor)
        if state.active >> i & 1:
            favour += seats * (1 + math.tanh(state.stance_latent[i])) / 2
            weight += seats
    others = commons.size - sum(n for _, n in commons.seats)
    favour += others * (1 + commons.others_stance) / 2
    weight += others
    assert weight == 650 - 7
    chance = vote_chance(state, vote, model.context)
    implied = commons.threshold + logit(chance) / commons.sharpness
    assert implied == pytest.approx(favour / weight)
    assert 0.30 < favour / weight < 0.40  # 202 of 634 voted for the deal on 15 January 2019


def test_forecast_is_neither_certain_nor_impossible(scenario, forecast):
    """P(the deadline's stage by each real deadline) from the origin is strictly inside (0, 1)."""
    for d in scenario.deadlines:
        k = scenario.deadline_stage(d)
        p = sum(r.reached_by(k, d.day) for r in forecast) / RUNS
        assert 0.0 < p < 1.0, (d.id, p)
    endings = Counter(r.ending for r in forecast)
    assert 0 < endings[0] < RUNS  # some runs exit without a deal, most do not
    final = day(scenario, "2020-01-31")
    in_force = sum(r.reached_by(3, final) for r in forecast) / RUNS
    assert 0.3 < in_force < 0.85


def test_forecast_simulates_what_the_record_did(scenario, forecast):
    counts = Counter()
    for r in forecast:
        for (actor, kind), n in r.counts().items():
            counts[actor, kind] += n > 0
    assert counts["uk_government", "vote"] > RUNS // 2  # meaningful votes
    assert counts["european_parliament", "vote"] > 0  # consent, once the Commons approved
    assert counts["eu27", "extend_deadline"] > RUNS // 2  # extensions answer Commons votes
    assert 0 < counts["uk_government", "change"] < RUNS  # a new prime minister, sometimes
    assert 0 < counts["uk_government", "reopen"] < RUNS  # who reopens the backstop
    assert counts["uk_government", "form_coalition"] > 0
    assert counts["uk_government", "election"] == 0  # unknown at the origin: not replayed
    reopened = [r for r in forecast if r.gate_reopenings[r.gate_ids.index("backstop")]]
    assert any(r.stage_days[1] is not None for r in reopened)  # settled again, then approved


def test_a_forecast_run_speaks_the_scenarios_words(scenario):
    model = compile_scenario(scenario)
    stories = []
    for i in range(40):
        r = simulate(model, seed=SEED, run=i, trace=True)
        assert all(t.source is not Source.RECORD or t.time <= scenario.as_of_day for t in r.trace)
        stories.append(narrate(r, scenario))
    text = "\n".join(stories)
    assert "loses the vote on the Commons' approval of the deal" in text
    assert "the House of Commons approves the deal" in text
    assert "tables a text on the Irish border (the backstop)" in text
    assert "reopens the Irish border (the backstop): the settled text is back on the table" in text
    assert "Boris Johnson becomes prime minister" in text
    assert "the EU27 extend exit day under Article 50" in text
    assert "a no-deal exit" in text
