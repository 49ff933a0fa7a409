"""``--as-of DATE`` on every command that simulates: the forecast origin, from the command line."""

from __future__ import annotations

import json

import pytest
from conftest import negsim_in_process

from sim.scenario import load_scenario

#: Each simulating command, with the arguments that keep it small.
COMMANDS = {
    "run": ["run", "--runs", "20", "--workers", "1", "--format", "json"],
    "trace": ["trace", "--format", "json"],
    "params": ["params", "--key", "as_of", "--format", "json"],
    "play": ["play", "--as", "russia"],
    "compare": [
        "compare",
        "geneva2_2013",
        "--set-alt",
        "actors.russia.tempo_days=5",
        "--runs",
        "20",
        "--workers",
        "1",
        "--format",
        "json",
    ],
    "sweep": [
        "sweep",
        "--param",
        "actors.russia.tempo_days=3:6",
        "--points",
        "2",
        "--runs",
        "10",
        "--workers",
        "1",
    ],
    "sensitivity": [
        "sensitivity",
        "--param",
        "actors.russia.tempo_days=3:6",
        "--samples",
        "4",
        "--runs",
        "5",
        "--workers",
        "1",
    ],
}


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_a_date_that_is_not_one_is_one_line_and_exit_2(command: str) -> None:
    done = negsim_in_process(*COMMANDS[command], "--as-of", "2013-13-01")
    assert done.returncode == 2
    [line] = done.stderr.strip().splitlines()
    assert "--as-of" in line
    assert "expected a date as YYYY-MM-DD, got '2013-13-01'" in line


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_a_date_outside_the_scenario_names_the_key(command: str) -> None:
    done = negsim_in_process(*COMMANDS[command], "--as-of", "2010-01-01")
    assert done.returncode == 2
    [line] = done.stderr.strip().splitlines()
    assert "as_of: 2010-01-01 is before the scenario starts (2013-02-26)" in line


def test_run_forecasts_from_the_date_given() -> None:
    later = negsim_in_process(*COMMANDS["run"], "--as-of", "2013-12-01")
    assert later.returncode == 0, later.stderr
    summary = json.loads(later.stdout)
    assert summary["as_of"] == "2013-12-01"
    by_id = {d["name"]: d for d in summary["deadlines"]}
    # The deadlines before the origin are the record's: missed, not estimated.
    assert by_id["mid_november"]["from_record"]
    assert not by_id["montreux"]["from_record"]


def test_as_of_is_the_scenarios_as_of_key() -> None:
    """--as-of DATE and --set as_of=DATE are the same scenario (the same hash)."""
    flag = negsim_in_process("params", "--as-of", "2013-12-01", "--format", "json")
    setting = negsim_in_process("params", "--set", "as_of=2013-12-01", "--format", "json")
    assert flag.returncode == setting.returncode == 0
    assert flag.stdout == setting.stdout
    assert (
        load_scenario(None, ["as_of=2013-12-01"]).sha256
        != load_scenario(None, []).sha256  # a different forecast
    )


def test_compare_forecasts_both_sides_from_the_date() -> None:
    done = negsim_in_process(*COMMANDS["compare"], "--as-of", "2013-11-01")
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["base"]["as_of"] == summary["alt"]["as_of"] == "2013-11-01"
