"""negsim trace and negsim validate: what they print and the exit status they return.

Most tests call the command line's ``main()`` in this process
(``negsim_in_process``), which prints and returns exactly what ``python -m
sim`` does. The ``test_end_to_end_*`` tests start the command as a user does,
in a subprocess (``python -m sim`` and the ``negsim`` console script), and
check what only a real process shows: the exit status, the stderr lines and
the absence of a traceback.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import CliOutcome
from conftest import negsim_in_process as negsim

from sim.engine import simulate
from sim.output.narrative import TRACE_COLUMNS
from sim.scenario import find_scenario, load_scenario, packaged_scenarios


def python_m_sim(*args: str) -> subprocess.CompletedProcess[str]:
    """``python -m sim ARGS`` in a subprocess, as a user runs it."""
    return subprocess.run(
        [sys.executable, "-m", "sim", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def assert_bad_input(
    done: CliOutcome | subprocess.CompletedProcess[str], *fragments: str, stdout: str = ""
) -> list[str]:
    """Exit 2, no traceback, each fragment on a stderr line; stdout as given (default empty)."""
    assert done.returncode == 2, done.stderr
    assert done.stdout == stdout
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert lines
    for fragment in fragments:
        assert any(fragment in line for line in lines), (fragment, lines)
    return lines


@pytest.fixture(scope="module")
def story() -> str:
    done = negsim("trace", "--seed", "3")
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_trace_tells_the_run_and_the_same_seed_gives_the_same_text(story: str) -> None:
    again = negsim("trace", "--seed", "3")
    assert again.stdout == story
    lines = story.splitlines()
    assert lines[0] == load_scenario().title
    assert "7 May 2013 — [record] in Moscow, Kerry and Lavrov agree" in story
    assert any(line.startswith("Outcome: ") for line in lines)
    deadlines = lines[lines.index("Deadlines:") + 1 :]
    n = len(load_scenario().deadlines)
    assert [d.split(":")[-1].strip() in ("met", "missed") for d in deadlines] == [True] * n
    other = negsim("trace", "--seed", "4")
    assert other.stdout != story


def test_trace_matches_run_i_of_the_monte_carlo(story: str) -> None:
    scenario = load_scenario()
    result = simulate(scenario, 3, 0)
    if result.convened_day is not None:
        date = scenario.date_of(result.convened_day)
        assert f"on {date.day} {date:%B %Y} (day {result.convened_day})" in story
    elif result.ending >= 0:
        assert f"Outcome: {scenario.endings[result.ending].label}, on " in story
    else:
        assert f"Outcome: {scenario.stages[-1].label} not reached by the horizon" in story
    done = negsim("trace", "--seed", "3", "--run", "5", "--format", "json")
    data = json.loads(done.stdout)
    assert data["run"] == 5
    run5 = simulate(scenario, 3, 5)
    assert [s["name"] for s in data["stages"]] == [s.id for s in scenario.stages]
    assert [s["day"] for s in data["stages"]] == list(run5.stage_days)
    assert data["stages"][-1]["day"] == run5.convened_day
    if run5.ending < 0:
        assert data["ending"] is None
    else:
        assert data["ending"]["name"] == scenario.endings[run5.ending].id
        assert data["ending"]["day"] == run5.ending_day
    assert [d["final_date"] for d in data["deadlines"]] == [
        scenario.date_of(day).isoformat() for day in run5.deadline_days
    ]


def test_trace_csv_and_json_give_the_same_events_as_data() -> None:
    as_csv = negsim("trace", "--seed", "3", "--format", "csv")
    as_json = negsim("trace", "--seed", "3", "--format", "json")
    assert as_csv.returncode == as_json.returncode == 0
    rows = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    assert list(rows[0]) == list(TRACE_COLUMNS)
    data = json.loads(as_json.stdout)
    events = data["events"]
    assert len(events) == len(rows) == len(simulate(load_scenario(), 3, 0, trace=True).trace or ())
    assert [r["action"] for r in rows] == [e["action"] for e in events]
    assert [float(r["time"]) for r in rows] == [e["time"] for e in events]
    assert data["scenario_sha256"] == load_scenario().sha256
    assert {d["name"] for d in data["deadlines"]} == {d.id for d in load_scenario().deadlines}
    first = events[0]
    assert first["date"] == "2013-02-26"
    assert first["source"] == "record"
    assert first["text"].startswith("Kerry and Lavrov's first meeting, in Berlin")


def test_trace_takes_overrides_and_refuses_bad_ones(story: str) -> None:
    changed = negsim("trace", "--seed", "3", "--set", "actors.russia.tempo_days=1.5")
    assert changed.returncode == 0
    assert changed.stdout != story
    assert_bad_input(
        negsim("trace", "--set", "actors.russia.tempo_days=-1"),
        "--set: actors.russia.tempo_days: must be a number of days at least 0.01, got -1 "
        "(a quarter of an hour at the least: a run must end)",
    )
    assert_bad_input(negsim("trace", "--set", "actors.nobody.tempo_days=3"), "actors.nobody")
    assert_bad_input(negsim("trace", "--seed", "-1"), "--seed")
    assert_bad_input(negsim("trace", "no/such/file.toml"), "no/such/file.toml")


# -- end to end: the command as a user starts it ----------------------------------------------


def test_end_to_end_python_m_sim_prints_what_main_prints(story: str) -> None:
    done = python_m_sim("trace", "--seed", "3")
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert done.stdout == story


def test_end_to_end_console_script_prints_what_main_prints(story: str) -> None:
    script = Path(sys.executable).with_name("negsim")
    path = str(script) if script.exists() else shutil.which("negsim")
    if path is None:
        pytest.skip("the negsim console script is not installed next to this Python")
    done = subprocess.run(
        [path, "trace", "--seed", "3"], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == story


def test_end_to_end_bad_input_exits_2_with_one_line_per_problem_and_no_traceback(
    tmp_path: Path,
) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(
        f'extends = "{find_scenario(None)}"\n[actors.russia]\ntempo_days = -3\n'
        "[convening]\nannounce_threshold = 1.5\n",
        encoding="utf-8",
    )
    lines = assert_bad_input(
        python_m_sim("validate", str(bad)),
        f"negsim: {bad}: actors.russia.tempo_days: must be a number of days at least 0.01, got -3 "
        "(a quarter of an hour at the least: a run must end)",
        f"negsim: {bad}: convening.announce_threshold: must be a readiness threshold",
    )
    assert len(lines) == 2
    lines = assert_bad_input(
        python_m_sim("trace", "--set", "actors.russia.tempo_days=-1"),
        "negsim: --set: actors.russia.tempo_days: must be a number of days at least 0.01, got -1 "
        "(a quarter of an hour at the least: a run must end)",
    )
    assert len(lines) == 1


# -- validate ---------------------------------------------------------------------------------


def test_validate_accepts_every_packaged_scenario_with_one_line_each() -> None:
    files = [str(p) for p in packaged_scenarios()]
    done = negsim("validate", *files)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    assert len(lines) == len(files)
    for file, line in zip(files, lines, strict=True):
        assert line.startswith(f"{file}: ok — ")
        assert "sha256" in line


def test_validate_reports_each_problem_on_its_own_line(tmp_path: Path) -> None:
    base = find_scenario(None)
    bad = tmp_path / "bad.toml"
    bad.write_text(
        f'extends = "{base}"\n'
        'name = "bad"\n'
        "[actors.russia]\ntempo_days = -3\n"
        '[events.paris]\nactor = "rusia"\n'
        "[convening]\nannounce_threshold = 1.5\n"
        "[actors.eu.actions.deliveries]\nweigth = 2\n",
        encoding="utf-8",
    )
    good = str(base)
    ok_line = f"{good}: ok — geneva2_2013: 8 actors, 3 gates, 60 dated events, 9 deadlines, "
    done = negsim("validate", good, str(bad))
    assert done.stdout.startswith(ok_line)  # the valid file still gets its line
    lines = assert_bad_input(
        done,
        f"{bad}: actors.russia.tempo_days: must be a number of days at least 0.01, got -3 "
        "(a quarter of an hour at the least: a run must end)",
        f'{bad}: events.paris.actor: unknown actor "rusia" (did you mean russia?',
        f"{bad}: convening.announce_threshold: must be a readiness threshold",
        f"{bad}: actors.eu.actions.deliveries.weigth: unknown key (did you mean weight?)",
        stdout=done.stdout,
    )
    assert len(lines) == 4
    assert all(line.startswith(f"negsim: {bad}: ") for line in lines)


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ("start = 2013-05-07\n[initial\n", "TOML syntax error"),
        (b"\xff\xfe\x00bad", "is not UTF-8 text"),
        ('extends = "self.toml"\n', "extends itself through a cycle"),
    ],
    ids=["syntax", "not-text", "cycle"],
)
def test_validate_refuses_unreadable_files(
    tmp_path: Path, content: str | bytes, fragment: str
) -> None:
    path = tmp_path / "self.toml"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    lines = assert_bad_input(negsim("validate", str(path)), fragment)
    assert len(lines) == 1
    assert lines[0].startswith(f"negsim: {path}")


def test_validate_names_a_missing_file() -> None:
    lines = assert_bad_input(negsim("validate", "nowhere.toml"), "nowhere.toml")
    assert len(lines) == 1
