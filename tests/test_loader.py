"""Tests for sim.scenario: loading, ``extends``/``remove``/overrides, and every kind of bad input.

Each bad input must raise :class:`ScenarioError` whose message names the file (or
``--set``), the dotted key path and what was wrong, on one line.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import datetime as dt
import math
import re
import signal
import tomllib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import baseline_dict, tiny_dict, to_toml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.model.actions import ActionKind
from sim.scenario import (
    BASELINE,
    Scenario,
    ScenarioError,
    find_scenario,
    load_scenario,
    packaged_scenarios,
    parse_override,
    scenario_from_dict,
)
from sim.testing import scenario_documents

BASELINE_PATH = find_scenario(None)

WriteToml = Callable[..., Path]


def child(write_toml: WriteToml, body: str, name: str = "child.toml") -> Path:
    """A file that extends the baseline and adds ``body``."""
    return write_toml(name, f'extends = "{BASELINE_PATH}"\n{body}\n')


def problem_of(path: Path | str, overrides: Any = ()) -> ScenarioError:
    with pytest.raises(ScenarioError) as info:
        load_scenario(path, overrides)
    return info.value


def assert_one_line(error: ScenarioError, source: Path | str, key: str, problem: str) -> None:
    """The error is one line: ``source: key: problem`` (``problem`` a regular expression)."""
    text = str(error)
    assert "\n" not in text, text
    assert len(error.problems) == 1
    prefix = f"{source}: {key}: " if key else f"{source}: "
    assert re.fullmatch(re.escape(prefix) + f"(?:{problem})", text), text


# -- loading what is shipped ------------------------------------------------------------------


def test_baseline_loads_by_default(baseline: Scenario) -> None:
    assert baseline.name == "geneva2_2013"
    assert baseline.start == dt.date(2013, 2, 26)
    assert baseline.horizon == dt.date(2014, 12, 31)
    assert baseline.source == str(BASELINE_PATH)
    assert BASELINE_PATH.name == BASELINE
    assert [a.id for a in baseline.actors][:2] == ["united_states", "russia"]
    assert {g.id for g in baseline.gates} == {
        "opposition_delegation",
        "regional_invitations",
        "government_consent",
    }
    assert baseline.convener == "un"
    assert (baseline.convening.lead_min_days, baseline.convening.lead_max_days) == (21, 45)


def test_baseline_events_are_sorted_by_day_keeping_file_order_within_a_day(
    baseline: Scenario,
) -> None:
    days = [e.day for e in baseline.events]
    assert days == sorted(days)
    file_order = list(baseline_dict()["events"])
    assert [e.id for e in baseline.events] == file_order  # the file is already in date order
    same_day = [e.id for e in baseline.events if e.day == 0]
    assert same_day == ["berlin"]


def test_baseline_values_are_read_with_effect_defaults_and_entry_overrides(
    baseline: Scenario,
) -> None:
    eu = baseline.actor("eu")
    deliveries = next(m for m in eu.moves if m.id == "deliveries")
    assert deliveries.kind is ActionKind.ARMS_SHIPMENT
    assert deliveries.effect.balance == 0.05  # the entry's own value
    assert deliveries.effect.readiness == -0.10  # the [effects.arms_shipment] default
    russia = baseline.actor("russia")
    proposal = next(m for m in russia.moves if m.id == "joint_proposal")
    assert proposal.kind is ActionKind.JOINT_PROPOSAL  # kind taken from the entry's id
    assert proposal.other == "united_states"
    with pytest.raises(KeyError):
        baseline.actor("nobody")


@pytest.mark.parametrize("path", packaged_scenarios(), ids=lambda p: p.name)
def test_every_packaged_scenario_loads(path: Path) -> None:
    assert isinstance(load_scenario(path), Scenario)


def test_find_scenario_by_packaged_name_with_or_without_suffix() -> None:
    assert find_scenario("geneva2_2013") == BASELINE_PATH
    assert find_scenario("geneva2_2013.toml") == BASELINE_PATH


def test_toml_writer_round_trips_the_baseline(write_toml: WriteToml) -> None:
    path = write_toml("copy.toml", baseline_dict())
    # The same scenario; its hash may differ, as the writer puts a table's values before
    # its subtables and the hash keeps the order of keys within tables.
    copy_, baseline = load_scenario(path), load_scenario()
    same = {"resolved": "", "origins": {}, "source": ""}
    assert dataclasses.replace(copy_, **same) == dataclasses.replace(baseline, **same)


# -- files that cannot be read ----------------------------------------------------------------


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.toml"
    assert_one_line(problem_of(path), path, "", r"no such scenario file.*")


def test_directory_is_not_a_scenario(tmp_path: Path) -> None:
    assert_one_line(problem_of(tmp_path), tmp_path, "", r"is not a file")


def test_toml_syntax_error(write_toml: WriteToml) -> None:
    path = write_toml("broken.toml", 'name = "x"\nstart = [1,\n')
    assert_one_line(problem_of(path), path, "", r"TOML syntax error: .+")


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin.toml"
    path.write_bytes(b'title = "caf\xe9"\n')
    assert_one_line(problem_of(path), path, "", r"is not UTF-8 text \(byte \d+\)")


# -- extends, remove and overrides ------------------------------------------------------------


def test_extends_cycle(write_toml: WriteToml) -> None:
    a = write_toml("a.toml", 'extends = "b.toml"\n')
    write_toml("b.toml", 'extends = "a.toml"\n')
    assert_one_line(
        problem_of(a),
        a,
        "extends",
        re.escape("extends itself through a cycle: a.toml -> b.toml -> a.toml"),
    )


def test_extends_itself(write_toml: WriteToml) -> None:
    a = write_toml("self.toml", 'extends = "self.toml"\n')
    assert_one_line(problem_of(a), a, "extends", r"extends itself through a cycle: .*")


def test_extends_a_missing_file(write_toml: WriteToml) -> None:
    a = write_toml("a.toml", 'extends = "gone.toml"\n')
    assert_one_line(problem_of(a), a, "extends", r'no such file "gone.toml" \(looked for .*\)')


def test_remove_of_a_missing_key(write_toml: WriteToml) -> None:
    path = child(write_toml, 'remove = ["events.nope"]')
    assert_one_line(
        problem_of(path), path, "remove", re.escape('cannot remove "events.nope": no such key')
    )


def test_remove_through_a_missing_table(write_toml: WriteToml) -> None:
    path = child(write_toml, 'remove = ["nothing.here.at_all"]')
    assert_one_line(
        problem_of(path),
        path,
        "remove",
        re.escape('cannot remove "nothing.here.at_all": no table nothing'),
    )


def test_remove_without_extends(write_toml: WriteToml) -> None:
    path = write_toml("lone.toml", 'remove = ["events.paris"]\n')
    assert_one_line(
        problem_of(path), path, "remove", "only a file that extends another can remove keys"
    )


def test_counterfactual_removes_an_event_and_inherits_the_rest(
    write_toml: WriteToml, baseline: Scenario
) -> None:
    path = child(
        write_toml,
        'remove = ["events.eu_embargo_lapse"]\n\n[actors.russia]\ntempo_days = 8.0\n',
        name="no_embargo_lift.toml",
    )
    alt = load_scenario(path, ["actors.eu.pass_weight=5"])
    assert "eu_embargo_lapse" not in {e.id for e in alt.events}
    assert [e for e in baseline.events if e.id != "eu_embargo_lapse"] == list(alt.events)
    # merged key by key: russia's other values are inherited
    russia, base_russia = alt.actor("russia"), baseline.actor("russia")
    assert russia.tempo_days == 8.0
    assert russia.moves == base_russia.moves
    assert russia.stance == base_russia.stance
    assert alt.actor("eu").pass_weight == 5.0
    assert alt.gates == baseline.gates
    assert alt.deadlines == baseline.deadlines
    assert alt.world == baseline.world
    # name, title and description are never inherited
    assert alt.name == "no_embargo_lift"
    assert alt.title == "no_embargo_lift"
    assert alt.description == ""
    assert alt.source == str(path)


def test_extends_chain_with_relative_paths_and_removals(
    write_toml: WriteToml, baseline: Scenario
) -> None:
    mid = child(write_toml, 'name = "mid"\ntitle = "Middle"\nremove = ["events.paris"]', "mid.toml")
    assert mid.parent.is_dir()
    top = write_toml(
        "top.toml",
        'extends = "mid.toml"\nremove = ["events.kiruna", "actors.iran.actions.blame_gulf"]\n',
    )
    scenario = load_scenario(top)
    ids = {e.id for e in scenario.events}
    assert "paris" not in ids
    assert "kiruna" not in ids
    assert len(ids) == len(baseline.events) - 2
    assert [m.id for m in scenario.actor("iran").moves] == ["seat_demand", "arms_shipment"]
    assert scenario.name == "top"
    assert scenario.title == "top"


def test_a_problem_names_the_file_that_set_the_value(write_toml: WriteToml) -> None:
    parent = write_toml("parent.toml", to_toml(tiny_dict({"actors": {"alpha": {"stance": 3}}})))
    kid = write_toml("kid.toml", 'extends = "parent.toml"\n[actors.alpha]\ntempo_days = 0\n')
    error = problem_of(kid)
    lines = str(error).splitlines()
    assert (
        f"{parent}: actors.alpha.stance: must be a stance strictly between -1 and 1, got 3" in lines
    )
    assert (
        f"{kid}: actors.alpha.tempo_days: must be a number of days at least 0.01, got 0 "
        "(a quarter of an hour at the least: a run must end)" in lines
    )
    assert len(lines) == 2


def test_override_problems_name_set(write_toml: WriteToml) -> None:
    path = write_toml("t.toml", tiny_dict())
    error = problem_of(path, ["actors.alpha.tempo_days=-2"])
    assert_one_line(
        error,
        "--set",
        "actors.alpha.tempo_days",
        r"must be a number of days at least 0.01, got -2 \(a quarter of an hour at the least: a "
        r"run must end\)",
    )


@pytest.mark.parametrize(
    ("override", "key", "problem"),
    [
        ("noequals", "noequals", r"expected KEY=VALUE, e\.g\. actors\.russia\.tempo_days=10"),
        ("=3", "=3", r"expected KEY=VALUE.*"),
        ("a..b=1", "a..b", r"is not a dotted key path \(ids joined by dots\)"),
        (
            "nothing.here=1",
            "nothing.here",
            r"the scenario has no table nothing \(tables here: .*\)",
        ),
        (
            "actors.nobody.tempo_days=3",
            "actors.nobody.tempo_days",
            r"the scenario has no table actors\.nobody .*",
        ),
        ("title.sub=1", "title.sub", r"the scenario has no table title.*"),
        ("actors=1", "actors", r"is a table; set one of its keys instead"),
        (
            "mechanisms.reactions=false",
            "mechanisms.reactions",
            r"is a table; set one of its keys instead",
        ),
    ],
)
def test_bad_set(override: str, key: str, problem: str) -> None:
    assert_one_line(problem_of(None, [override]), "--set", key, problem)


def test_set_of_an_unknown_key_in_an_existing_table_is_caught_by_validation() -> None:
    error = problem_of(None, ["actors.russia.tempz_days=3"])
    assert_one_line(
        error, "--set", "actors.russia.tempz_days", r"unknown key \(did you mean tempo_days\?\)"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("actors.russia.tempo_days=10", ("actors.russia.tempo_days", 10)),
        (" actors.russia.tempo_days = 2.5 ", ("actors.russia.tempo_days", 2.5)),
        ("mechanisms.reactions.enabled=false", ("mechanisms.reactions.enabled", False)),
        ("title=Hello there", ("title", "Hello there")),
        ('title="quoted"', ("title", "quoted")),
        ("start=2013-05-08", ("start", dt.date(2013, 5, 8))),
        ("convening.lead_days=[7, 9]", ("convening.lead_days", [7, 9])),
        ("note=", ("note", "")),
        ("a.b=x=y", ("a.b", "x=y")),
    ],
)
def test_parse_override(text: str, expected: tuple[str, object]) -> None:
    assert parse_override(text) == expected


def test_overrides_as_strings_and_as_a_mapping_agree() -> None:
    a = load_scenario(None, ["mechanisms.reactions.enabled=false", "actors.russia.tempo_days=8"])
    b = load_scenario(None, {"mechanisms.reactions.enabled": False, "actors.russia.tempo_days": 8})
    assert a == b
    assert not a.mechanisms.reactions.enabled
    assert a.actor("russia").tempo_days == 8.0


# -- the resolved scenario's hash -------------------------------------------------------------


def test_sha256_changes_with_an_override(baseline: Scenario) -> None:
    assert load_scenario().sha256 == baseline.sha256
    changed = load_scenario(None, ["actors.russia.tempo_days=4.5"])
    assert changed.sha256 != baseline.sha256
    assert load_scenario(None, ["actors.russia.tempo_days=4.0"]).sha256 == baseline.sha256
    assert re.fullmatch(r"[0-9a-f]{64}", baseline.sha256)


def test_sha256_ignores_comments_and_whitespace(write_toml: WriteToml, baseline: Scenario) -> None:
    noisy = []
    in_string = False  # leave the multi-line description alone: its lines are its value
    for line in BASELINE_PATH.read_text(encoding="utf-8").splitlines():
        if in_string or '"""' in line:
            noisy.append(line)
        else:
            noisy.append("   " + line.replace(" = ", "   =   ", 1) + "   # noise")
            noisy.append("# an extra comment")
            noisy.append("")
        if line.count('"""') == 1:
            in_string = not in_string
    path = write_toml("noisy.toml", "\n".join(noisy) + "\n")
    assert load_scenario(path).sha256 == baseline.sha256


def test_sha256_sees_an_effective_change_from_extends(
    write_toml: WriteToml, baseline: Scenario
) -> None:
    same = child(
        write_toml,
        'name = "geneva2_2013"\ntitle = "' + baseline.title + '"\n'
        'description = """' + baseline.description + '"""',
        "same.toml",
    )
    assert load_scenario(same).sha256 == baseline.sha256
    removed = child(write_toml, 'name = "geneva2_2013"\nremove = ["events.paris"]', "removed.toml")
    assert load_scenario(removed).sha256 != baseline.sha256


def test_sha256_sees_the_order_of_stages_and_events(tiny_scenario: Callable[..., Scenario]) -> None:
    """Regression: the hash sorted keys, so reordered stages or same-day events hashed alike."""
    first = {"talks": {"threshold": 0.5}, "signed": {"lead_days": [3, 3]}}
    second = {"signed": {"lead_days": [3, 3]}, "talks": {"threshold": 0.5}}
    base = {"convening": None, "gates": {"question": {"resolved": True}}}
    a = tiny_scenario({**base, "stages": first})
    b = tiny_scenario({**base, "stages": second})
    assert [s.id for s in a.stages] != [s.id for s in b.stages]
    assert a.sha256 != b.sha256
    assert tiny_scenario({**base, "stages": first}).sha256 == a.sha256


# -- bad values, each named by file, key and problem ------------------------------------------


BAD_VALUES = [
    # unknown names
    (
        "[actors.russia]\ntempz_days = 3",
        "actors.russia.tempz_days",
        r"unknown key \(did you mean tempo_days\?\)",
    ),
    ("[initial]\nreadines = 0.3", "initial.readines", r"unknown key \(did you mean readiness\?\)"),
    ("colour = 3", "colour", r"unknown key \(did you mean .*\)|unknown key \(known keys: .*\)"),
    (
        '[actors.russia.actions.meet_us]\npartner = "usa"',
        "actors.russia.actions.meet_us.partner",
        r'unknown actor "usa" \(actors: united_states, russia, .*\)',
    ),
    (
        '[actors.russia.reactions.arms_answer]\nby = ["nobody"]',
        "actors.russia.reactions.arms_answer.by",
        r'unknown actor "nobody" \(actors: .*\)',
    ),
    (
        '[actors.russia.reactions.arms_answer]\non = ["armz_shipment"]',
        "actors.russia.reactions.arms_answer.on",
        r'unknown kind of action "armz_shipment" '
        r"\(did you mean arms_shipment\? kinds: meeting, .*arms_shipment.*\)",
    ),
    (
        '[actors.russia.actions.iran_seat]\ngate = "irans_seat"',
        "actors.russia.actions.iran_seat.gate",
        r'unknown gate "irans_seat" '
        r"\(gates: opposition_delegation, regional_invitations, government_consent\)",
    ),
    ('[convening]\nconvener = "brahimi"', "convening.convener", r'unknown actor "brahimi" .*'),
    (
        "[effects.meeting]\nbalance = 0.1",
        "effects.meeting.balance",
        r"meeting has no balance effect \(it uses: rapport, readiness, stance_other, stance_self\)",
    ),
    (
        '[events.paris]\ngate = "opposition_delegation"',
        "events.paris.gate",
        r"meeting acts on no gate",
    ),
    (
        '[actors.russia.actions.meet_us]\npartner = "russia"',
        "actors.russia.actions.meet_us.partner",
        r'"russia" cannot be its own partner',
    ),
    # dates outside the window
    (
        "[events.paris]\ndate = 2013-02-25",
        "events.paris.date",
        r"2013-02-25 is before the scenario starts \(2013-02-26\)",
    ),
    (
        "[events.paris]\ndate = 2015-01-01",
        "events.paris.date",
        r"2015-01-01 is after the scenario's horizon \(2014-12-31\)",
    ),
    (
        "[deadlines.g8_summit]\ndate = 2012-12-31",
        "deadlines.g8_summit.date",
        r"2012-12-31 is before the scenario starts .*",
    ),
    ("horizon = 2013-02-26", "horizon", r"2013-02-26 must come after the start \(2013-02-26\)"),
    (
        '[events.paris]\ndate = "2013-13-01"',
        "events.paris.date",
        r'expected a date YYYY-MM-DD, got the string "2013-13-01"',
    ),
    # probabilities outside [0, 1]
    (
        "[actors.russia.reactions.arms_answer]\nprobability = 1.5",
        "actors.russia.reactions.arms_answer.probability",
        r"must be a probability from 0 to 1, got 1\.5",
    ),
    (
        "[actors.russia.reactions.arms_answer]\nprobability = -0.01",
        "actors.russia.reactions.arms_answer.probability",
        r"must be a probability from 0 to 1, got -0\.01",
    ),
    (
        "[effects.delegation_agreement]\nsettle_probability = 2",
        "effects.delegation_agreement.settle_probability",
        r"must be a probability from 0 to 1, got 2",
    ),
    # negative or zero durations
    (
        "[actors.russia]\ntempo_days = -1.0",
        "actors.russia.tempo_days",
        r"must be a number of days at least 0\.01, got -1 \(a quarter of an hour at the least: "
        r"a run must end\)",
    ),
    (
        "[actors.russia]\ntempo_days = 0",
        "actors.russia.tempo_days",
        r"must be a number of days at least 0\.01, got 0 \(a quarter of an hour at the least: "
        r"a run must end\)",
    ),
    (
        "[actors.russia.reactions.arms_answer]\ndelay_days = [-1, 2]",
        "actors.russia.reactions.arms_answer.delay_days",
        r"must not be negative, got -1",
    ),
    (
        "[actors.russia.reactions.arms_answer]\ndelay_days = -0.5",
        "actors.russia.reactions.arms_answer.delay_days",
        r"must not be negative, got -0\.5",
    ),
    (
        "[actors.russia.reactions.arms_answer]\ndelay_days = [5, 2]",
        "actors.russia.reactions.arms_answer.delay_days",
        r"the minimum 5 exceeds the maximum 2",
    ),
    ("[convening]\nlead_days = [-3, 2]", "convening.lead_days", r"must not be negative, got -3"),
    (
        "[convening]\nlead_days = [7.5, 9]",
        "convening.lead_days",
        r"expected a whole number of whole days or a \[min, max\] pair, got a list of 2 items",
    ),
    (
        "[effects.target_date]\ntarget_days = 0",
        "effects.target_date.target_days",
        r"must be a number of days above 0 and at most 3650, got 0 \(ten years at most: every "
        r"date a run sets stays in the calendar\)",
    ),
    (
        "[world]\ntick_days = -7",
        "world.tick_days",
        r"must be a number of days at least 0\.01, got -7 \(a quarter of an hour at the least: "
        r"a run must end\)",
    ),
    # physical bounds: a run must end, and every date stays in the calendar
    (
        "[actors.russia]\ntempo_days = 1e-300",
        "actors.russia.tempo_days",
        r"must be a number of days at least 0\.01, got 1e-300 \(a quarter of an hour at the "
        r"least: a run must end\)",
    ),
    (
        "[mechanisms.focal_dates]\ntempo_boost = 1e308",
        "mechanisms.focal_dates.tempo_boost",
        r"must be a positive factor above 0 and at most 100, got 1e\+308 \(a hundred times as "
        r"often at most: a run must end\)",
    ),
    (
        "[convening]\nlead_days = 100000000",
        "convening.lead_days",
        r"must be at most 3650, got 1e\+08 \(ten years at most: every date a run sets stays in "
        r"the calendar\)",
    ),
    # NaN and infinity
    (
        "[actors.russia]\ntempo_days = nan",
        "actors.russia.tempo_days",
        r"must be a finite number, got nan",
    ),
    ("[initial]\nreadiness = inf", "initial.readiness", r"must be a finite number, got inf"),
    (
        "[effects.meeting]\nreadiness = -inf",
        "effects.meeting.readiness",
        r"must be a finite number, got -inf",
    ),
    (
        "[actors.russia.reactions.arms_answer]\ndelay_days = [1, inf]",
        "actors.russia.reactions.arms_answer.delay_days",
        r"must be finite, got \[1, inf\]",
    ),
    (
        "[world]\nviolence_volatility = nan",
        "world.violence_volatility",
        r"must be a finite number, got nan",
    ),
    # other ranges
    (
        "[initial]\nreadiness = 1.0",
        "initial.readiness",
        r"must be a readiness strictly between 0 and 1, got 1",
    ),
    (
        "[gates.opposition_delegation]\ncontention = 1.0",
        "gates.opposition_delegation.contention",
        r"must be a contention at least 0 and below 1, got 1",
    ),
    (
        "[actors.russia]\nside = 2",
        "actors.russia.side",
        r"must be a side \(-1, 0 or 1\) from -1 to 1, got 2",
    ),
    (
        "[actors.russia.actions.meet_us]\nweight = -1",
        "actors.russia.actions.meet_us.weight",
        r"must not be negative \(a weight\), got -1",
    ),
    (
        "[convening]\npostpone_threshold = 0.6",
        "convening.postpone_threshold",
        r"must not exceed announce_threshold \(0\.55\), got 0\.6",
    ),
    (
        "[mechanisms.reactions]\nmax_depth = 0",
        "mechanisms.reactions.max_depth",
        r"must be a whole number from 1 to 10, got 0",
    ),
    # wrong types
    (
        '[initial]\nviolence = "high"',
        "initial.violence",
        r'expected a level of violence, got the string "high"',
    ),
    (
        "[mechanisms.reactions]\nenabled = 1",
        "mechanisms.reactions.enabled",
        r"expected true or false, got the integer 1",
    ),
    (
        "[actors.russia]\nstance = true",
        "actors.russia.stance",
        r"expected a stance, got the boolean true",
    ),
    (
        "[actors.russia]\nside = 1.0",
        "actors.russia.side",
        r"expected a side \(-1, 0 or 1\), got the number 1\.0",
    ),
    ("start = 5", "start", r"expected a date YYYY-MM-DD, got the integer 5"),
    (
        "start = 2013-05-07T10:00:00",
        "start",
        r"expected a date YYYY-MM-DD, got the date-time 2013-05-07T10:00:00",
    ),
    ("title = 3", "title", r"expected a string, got the integer 3"),
    (
        "[actors.russia.actions]\nmeet_us = 3",
        "actors.russia.actions.meet_us",
        r"expected a table, got the integer 3",
    ),
    (
        "[actors.russia.reactions.arms_answer]\nby = [1, 2]",
        "actors.russia.reactions.arms_answer.by",
        r"expected a string or a list of strings, got a list of 2 items",
    ),
    (
        '[actors.russia.actions]\n"bad id" = { kind = "meeting", partner = "eu" }',
        "actors.russia.actions.bad id",
        r'"bad id" is not a valid id .*',
    ),
    (
        "[deadlines.g8_summit]\nknown_from = 2013-06-18",
        "deadlines.g8_summit.known_from",
        r"2013-06-18 is after the date itself \(2013-06-17\)",
    ),
    (
        '[events.extra]\ndate = 2013-07-01\nactor = "russia"\nkind = "target_date"\n'
        "known_from = 2013-06-01",
        "events.extra.known_from",
        r"only a scheduled event \(scheduled = true\) has a known_from date",
    ),
]


@pytest.mark.parametrize(
    ("body", "key", "problem"), BAD_VALUES, ids=[f"{i}-{c[1]}" for i, c in enumerate(BAD_VALUES)]
)
def test_bad_value_names_file_key_and_problem(
    write_toml: WriteToml, body: str, key: str, problem: str
) -> None:
    path = child(write_toml, 'name = "child"\n' + body)
    assert_one_line(problem_of(path), path, key, problem)


@pytest.mark.parametrize(
    ("body", "key", "problem"),
    [
        (
            '[actors.russia.actions.meet_us]\nkind = "meetin"',
            "actors.russia.actions.meet_us.kind",
            r'unknown kind of action "meetin" \(did you mean meeting\? kinds: meeting, .*\)',
        ),
        (
            '[actors.russia.reactions.arms_answer]\nrespond = "blme"',
            "actors.russia.reactions.arms_answer.respond",
            r'unknown kind of action "blme" .*',
        ),
        (
            '[events.paris]\nkind = "meetin"',
            "events.paris.kind",
            r'unknown kind of action "meetin" .*',
        ),
        (
            '[events.paris]\nactor = "nobody"',
            "events.paris.actor",
            r'unknown actor "nobody" \(actors: .*\)',
        ),
    ],
)
def test_unknown_kind_or_actor_is_reported_first(
    write_toml: WriteToml, body: str, key: str, problem: str
) -> None:
    path = child(write_toml, body)
    first = problem_of(path).problems[0]
    assert first.source == str(path)
    assert first.key == key
    assert re.fullmatch(problem, first.message)


@pytest.mark.parametrize(
    "body",
    [
        '[actors.russia.actions.meet_us]\nkind = "meetin"',
        '[actors.russia.reactions.arms_answer]\nrespond = "blme"',
        '[events.paris]\nkind = "meetin"',
        '[events.paris]\nactor = "nobody"',
    ],
)
def test_unknown_kind_or_actor_is_the_only_problem(write_toml: WriteToml, body: str) -> None:
    assert len(problem_of(child(write_toml, body)).problems) == 1


def test_several_problems_are_reported_one_per_line(write_toml: WriteToml) -> None:
    path = child(write_toml, "[actors.russia]\ntempo_days = 0\nside = 5\n[initial]\nreadiness = 2")
    error = problem_of(path)
    assert len(error.problems) == 3
    assert len(str(error).splitlines()) == 3
    assert {p.key for p in error.problems} == {
        "actors.russia.tempo_days",
        "actors.russia.side",
        "initial.readiness",
    }


def test_missing_required_values(tiny_scenario: Callable[..., Scenario]) -> None:
    with pytest.raises(
        ScenarioError, match=r"^<tiny>: actors\.alpha\.tempo_days: is required but missing$"
    ):
        tiny_scenario({"actors": {"alpha": {"tempo_days": None}}})
    with pytest.raises(
        ScenarioError, match=r"^<tiny>: deadlines: a scenario needs at least one deadline$"
    ):
        tiny_scenario({"deadlines": None})
    with pytest.raises(ScenarioError, match=r"^<tiny>: convening: is required but missing$"):
        tiny_scenario({"convening": None})
    with pytest.raises(ScenarioError, match=r"^<tiny>: start: is required but missing$"):
        tiny_scenario({"start": None})


def test_rapport_pairs_are_checked(tiny_scenario: Callable[..., Scenario]) -> None:
    two = {"actors": {"beta": {"tempo_days": 3.0}}}
    ok = tiny_scenario({**two, "rapport": {"ab": {"between": ["alpha", "beta"], "value": 0.7}}})
    assert ok.rapport[0].between == ("alpha", "beta")
    with pytest.raises(ScenarioError, match=r"rapport\.ab\.between: expected two different actors"):
        tiny_scenario({**two, "rapport": {"ab": {"between": ["alpha", "alpha"], "value": 0.7}}})
    with pytest.raises(
        ScenarioError, match=r"rapport\.ba\.between: the pair is already given in rapport\.ab"
    ):
        tiny_scenario(
            {
                **two,
                "rapport": {
                    "ab": {"between": ["alpha", "beta"], "value": 0.7},
                    "ba": {"between": ["beta", "alpha"], "value": 0.2},
                },
            }
        )


# -- fuzzing: never anything but a Scenario or a ScenarioError, never a hang ------------------


@contextlib.contextmanager
def time_limit(seconds: int) -> Iterator[None]:
    def alarm(signum: int, frame: object) -> None:
        raise TimeoutError(f"took more than {seconds} s")

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def loads_or_scenario_error(load: Callable[[], Scenario]) -> None:
    with time_limit(10):
        failure: ScenarioError | None = None
        try:
            result = load()
        except ScenarioError as error:
            failure = error
        if failure is None:
            assert isinstance(result, Scenario)
        else:
            assert failure.problems
            for p in failure.problems:
                assert p.message
                assert "\n" not in str(p)


@pytest.fixture(scope="module")
def fuzz_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


# TOML integers are 64-bit; see test_huge_integer_* below for what lies beyond
toml_scalars = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["russia", "meeting", "opposition_delegation", "2013-06-01", "provoker"]),
    st.integers(-(2**63), 2**63 - 1),
    st.integers(-3, 60),
    st.floats(),
    st.sampled_from([math.nan, math.inf, -math.inf, 0.5, -0.5, 1e-300, 1e300]),
    st.booleans(),
    st.dates(dt.date(2012, 1, 1), dt.date(2016, 1, 1)),
    st.datetimes(dt.datetime(2012, 1, 1), dt.datetime(2016, 1, 1)),
    st.times(),
)
toml_values = st.recursive(
    toml_scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.from_regex(r"[a-z][a-z_]{0,8}", fullmatch=True), inner, max_size=3),
    ),
    max_leaves=6,
)

_BASE = baseline_dict()


def _paths(data: dict[str, Any], prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    for key, value in data.items():
        yield (*prefix, key)
        if isinstance(value, dict):
            yield from _paths(value, (*prefix, key))


BASE_PATHS = list(_paths(_BASE))
TINY_PATHS = list(_paths(tiny_dict()))


def mutate(data: dict[str, Any], path: tuple[str, ...], value: object, delete: bool) -> None:
    node: Any = data
    for key in path[:-1]:
        if not isinstance(node, dict) or not isinstance(node.get(key), dict):
            return
        node = node[key]
    if path[-1] not in node:
        return
    if delete:
        del node[path[-1]]
    else:
        node[path[-1]] = value


mutations = st.lists(
    st.tuples(st.sampled_from(BASE_PATHS), toml_values, st.booleans()), min_size=1, max_size=3
)


@settings(max_examples=150, deadline=None)
@given(mutations)
def test_fuzz_mutated_baseline_dict(changes: list[tuple[tuple[str, ...], object, bool]]) -> None:
    data = copy.deepcopy(_BASE)
    for path, value, delete in changes:
        mutate(data, path, value, delete)
    loads_or_scenario_error(lambda: scenario_from_dict(data))


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(TINY_PATHS), toml_values, st.booleans()), max_size=3))
def test_fuzz_mutated_tiny_dict(changes: list[tuple[tuple[str, ...], object, bool]]) -> None:
    data = tiny_dict()
    for path, value, delete in changes:
        mutate(data, path, value, delete)
    loads_or_scenario_error(lambda: scenario_from_dict(data))


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(BASE_PATHS), toml_values)
def test_fuzz_overrides(path: tuple[str, ...], value: object) -> None:
    loads_or_scenario_error(lambda: load_scenario(None, {".".join(path): value}))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutations)
def test_fuzz_mutated_baseline_file(
    fuzz_dir: Path, changes: list[tuple[tuple[str, ...], object, bool]]
) -> None:
    data = copy.deepcopy(_BASE)
    for path, value, delete in changes:
        mutate(data, path, value, delete)
    file = fuzz_dir / "mutated.toml"
    file.write_text(to_toml(data), encoding="utf-8")
    loads_or_scenario_error(lambda: load_scenario(file))


@settings(max_examples=100, deadline=None)
@given(st.one_of(st.binary(max_size=200), st.text(max_size=200).map(str.encode)))
def test_fuzz_random_bytes_as_a_scenario_file(fuzz_dir: Path, raw: bytes) -> None:
    file = fuzz_dir / "random.toml"
    file.write_bytes(raw)
    loads_or_scenario_error(lambda: load_scenario(file))


_BASE_LINES = BASELINE_PATH.read_text(encoding="utf-8").splitlines()


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, len(_BASE_LINES) - 1),
            st.sampled_from(["drop", "double", "cut", "junk"]),
            st.text(max_size=8),
        ),
        min_size=1,
        max_size=4,
    )
)
def test_fuzz_edited_baseline_text(fuzz_dir: Path, edits: list[tuple[int, str, str]]) -> None:
    lines = list(_BASE_LINES)
    for index, how, junk in edits:
        i = min(index, len(lines) - 1)
        if how == "drop":
            del lines[i]
        elif how == "double":
            lines.insert(i, lines[i])
        elif how == "cut":
            lines[i] = lines[i][: len(lines[i]) // 2]
        else:
            lines[i] = lines[i] + junk
    file = fuzz_dir / "edited.toml"
    file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    loads_or_scenario_error(lambda: load_scenario(file))


def test_huge_integer_is_a_scenario_error(write_toml: WriteToml) -> None:
    path = child(write_toml, "[actors.russia]\ntempo_days = 1" + "0" * 400)
    with pytest.raises(ScenarioError, match=r"actors\.russia\.tempo_days"):
        load_scenario(path)


@pytest.mark.parametrize("where", ["file", "--set"])
def test_integer_literal_beyond_python_digit_limit_is_a_scenario_error(
    write_toml: WriteToml, where: str
) -> None:
    digits = "1" + "0" * 5000
    if where == "file":
        path = write_toml("digits.toml", f"x = {digits}\n")
        with pytest.raises(ScenarioError, match=f"^{re.escape(str(path))}: "):
            load_scenario(path)
    else:
        with pytest.raises(ScenarioError, match=r"^--set: actors\.russia\.tempo_days: "):
            load_scenario(None, [f"actors.russia.tempo_days={digits}"])


# -- the negotiation language: what the loader refuses ----------------------------------------


def _day(n: int) -> dt.date:
    return tiny_dict()["start"] + dt.timedelta(days=n)


@pytest.mark.parametrize(
    ("stages", "message"),
    [
        (
            {"signed": {"threshold": 0.0, "lead_days": [5, 10], "postpone_below": 0.5}},
            r"stages\.signed\.postpone_below: must not exceed the stage's threshold \(0\), "
            r"got 0\.5",
        ),
        (
            {
                "agreed": {"threshold": 0.3},
                "signed": {
                    "lead_days": [5, 10],
                    "postpone_below": 0.4,
                    "postponement_undoes": "agreed",
                },
            },
            r"stages\.signed\.postpone_below: must not exceed the highest threshold of the stages "
            r"a postponement undoes \(0\.3\), got 0\.4",
        ),
    ],
)
def test_a_postponement_that_would_loop_for_ever_is_refused(
    stages: dict[str, Any], message: str
) -> None:
    """Regression: the date was set and postponed at one instant for ever (the run hung)."""
    with pytest.raises(ScenarioError, match=message):
        scenario_from_dict(tiny_dict({"convening": None, "stages": stages}))
    # postponed below what the undone stages ask is fine
    fine = {sid: {**table, "postpone_below": 0.3} for sid, table in stages.items()}
    fine[next(iter(fine))]["threshold"] = 0.3
    scenario_from_dict(tiny_dict({"convening": None, "stages": fine}))


def test_an_extension_to_an_earlier_date_is_refused() -> None:
    """Regression: an extension's date before its deadline's moved the deadline earlier."""
    extend = {"actor": "alpha", "kind": "extend_deadline", "deadline": "soon"}
    events = {
        "first": {**extend, "date": _day(1), "to": _day(40)},
        "second": {**extend, "date": _day(2), "to": _day(35)},
    }
    with pytest.raises(
        ScenarioError,
        match=r"events\.second\.to: 2013-02-05 is not after the date deadline soon stands at by "
        r"then \(2013-02-10\): an extension moves it later",
    ):
        scenario_from_dict(tiny_dict({"events": events}))
    events["second"]["to"] = _day(45)
    assert scenario_from_dict(tiny_dict({"events": events})).events[1].to == _day(45)


def test_an_elections_winner_is_its_result_not_a_regime_key() -> None:
    """Regression: a regime key fixed the winner of an election a forecast should draw."""
    election = {
        "date": _day(5),
        "actor": "alpha",
        "kind": "election",
        "candidates": {"initial": 0.4, "hawks": 0.6},
        "regime": "hawks",
    }
    extra = {"actors": {"alpha": {"regimes": {"hawks": {}}}}, "events": {"e": election}}
    with pytest.raises(ScenarioError, match=r"events\.e\.regime: election takes no regime"):
        scenario_from_dict(tiny_dict(extra))


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            {"gates": {"a": {"requires": ["b"]}, "b": {"requires": ["a"]}}},
            r"gates require each other in a cycle: a -> b -> a",
        ),
        (
            {"actors": {"alpha": {"actions": {"r": {"kind": "reopen", "gate": "question"}}}}},
            r'the gate "question" cannot be reopened: declare reopenable = true',
        ),
        (
            {"events": {"e": {"date": _day(3), "actor": "alpha", "kind": "vote", "body": "x"}}},
            r'events\.e\.body: unknown body "x"',
        ),
        (
            {
                "actors": {
                    "alpha": {"actions": {"a": {"kind": "announce_date", "stage": "announced"}}}
                }
            },
            r"announce_date happens only as a dated event",
        ),
        (
            {
                "actors": {"alpha": {"regimes": {"hawks": {}}}},
                "events": {
                    "e": {
                        "date": _day(3),
                        "actor": "alpha",
                        "kind": "election",
                        "candidates": {"initial": 0.5, "hawks": 0.6},
                    }
                },
            },
            r"the probabilities must sum to 1, got 1\.1",
        ),
        (
            {"stages": {"a": {}}},
            r"give \[stages\] or the \[convening\] shorthand, not both",
        ),
        (
            {"initial": {"violence": None}, "world": {"violence_volatility": 0.1}},
            r"world\.violence_volatility: the scenario has no war",
        ),
        (
            {"actors": {"alpha": {"windows": [[_day(20), _day(10)]]}}},
            r"ends before it starts",
        ),
        (
            {
                "events": {
                    "e": {
                        "date": _day(3),
                        "actor": "alpha",
                        "kind": "target_date",
                        "result": "passed",
                    }
                }
            },
            r"target_date has no result: it simply happens",
        ),
    ],
)
def test_the_language_refuses_what_it_cannot_mean(extra: dict[str, Any], message: str) -> None:
    with pytest.raises(ScenarioError, match=message):
        scenario_from_dict(tiny_dict(extra))


@settings(deadline=None, max_examples=25, suppress_health_check=[HealthCheck.too_slow])
@given(scenario_documents())
def test_generated_documents_load_from_toml_files(fuzz_dir: Path, data: dict[str, Any]) -> None:
    """What :func:`sim.testing.scenario_documents` generates is valid as a file, too."""
    file = fuzz_dir / "generated.toml"
    file.write_text(to_toml(data), encoding="utf-8")
    loaded = load_scenario(file)
    # The file writes a table's values before its subtables, as TOML wants, and the hash
    # keeps the order of keys within tables: compare the file with what it says.
    assert loaded == scenario_from_dict(tomllib.loads(to_toml(data)), source=str(file))
    built = scenario_from_dict(data, source=str(file))
    assert dataclasses.replace(loaded, resolved="") == dataclasses.replace(built, resolved="")
