"""End-to-end tests of ``negsim run`` and ``negsim compare``, run as a user runs them.

Every test starts ``python -m sim`` (once the ``negsim`` console script) in a subprocess and
checks the exit status, stdout and stderr, and the files written.
"""

from __future__ import annotations

import csv
import json
import math
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from conftest import SLOW_RUNS, CliOutcome, negsim_in_process

from sim._version import __version__
from sim.folders import MARKER
from sim.scenario import find_scenario, load_scenario

PYTHON_M_SIM = [sys.executable, "-m", "sim"]
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
RUN_FILES = {"summary.json", "deadlines.csv", "runs.csv", "outcomes.png", "readiness_fan.png"}
BASELINE_DEADLINES = [
    "end_of_may",
    "g8_summit",
    "july_2013",
    "eu_review",
    "mid_november",
    "arab_league_date",
    "end_of_2013",
    "montreux",
    "mid_2014",
]
TIMEOUT = 300


def negsim(
    *args: str, cwd: Path, command: Sequence[str] = PYTHON_M_SIM
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*command, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )


def assert_ok(p: subprocess.CompletedProcess[str]) -> None:
    assert p.returncode == 0, p.stderr
    assert "Traceback" not in p.stdout + p.stderr


def without_provenance_of_execution(obj: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in obj.items() if k not in ("wall_time_s", "backend")}


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("cli")


@pytest.fixture(scope="module")
def run_json_one_worker(workdir: Path) -> subprocess.CompletedProcess[str]:
    return negsim(
        "run", "--runs", "200", "--seed", "3", "--workers", "1", "--format", "json", cwd=workdir
    )


@pytest.fixture(scope="module")
def run_json_two_workers(workdir: Path) -> subprocess.CompletedProcess[str]:
    return negsim(
        "run", "--runs", "200", "--seed", "3", "--workers", "2", "--format", "json", cwd=workdir
    )


# -- run --format json -------------------------------------------------------------------------


def test_run_json_object_field_by_field(
    run_json_one_worker: subprocess.CompletedProcess[str],
) -> None:
    p = run_json_one_worker
    assert_ok(p)
    assert p.stderr == ""  # no progress bar when stderr is not a terminal
    obj = json.loads(p.stdout)  # the whole of stdout is one JSON object
    assert isinstance(obj, dict)
    baseline = load_scenario()

    assert obj["scenario"] == "geneva2_2013"
    assert obj["title"] == baseline.title
    assert obj["runs"] == 200
    assert obj["seed"] == 3
    assert obj["scenario_sha256"] == baseline.sha256
    assert obj["version"] == __version__
    assert obj["start"] == "2013-02-26"
    assert obj["horizon"] == "2014-12-31"
    assert obj["backend"] == "1 local process"
    assert isinstance(obj["wall_time_s"], int | float)
    assert obj["wall_time_s"] >= 0
    assert obj["precision"] is None
    assert isinstance(obj["events"], int)
    assert obj["events"] > 0

    deadlines = obj["deadlines"]
    assert isinstance(deadlines, list)
    assert [d["name"] for d in deadlines] == BASELINE_DEADLINES
    previous = 0.0
    for d, expected in zip(deadlines, baseline.deadlines, strict=True):
        assert d["name"] == expected.id
        assert isinstance(d["date"], str)
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", d["date"])
        assert d["date"] == expected.date.isoformat()
        for key in ("probability", "ci_low", "ci_high"):
            assert isinstance(d[key], int | float), key
            assert not isinstance(d[key], bool), key
            assert math.isfinite(d[key]), key
        assert 0.0 <= d["ci_low"] <= d["probability"] <= d["ci_high"] <= 1.0
        assert d["ci_low"] < d["ci_high"]
        assert d["probability"] == d["reached"] / 200
        assert d["runs"] == 200
        assert d["stage"] == "convened"
        assert [o["name"] for o in d["outcomes"]] == ["announced", "convened"]
        assert d["probability"] >= previous
        previous = d["probability"]
    # The baseline is not trivial at this size: something convenes, not everything.
    assert 0.0 < deadlines[-1]["probability"] < 1.0

    by = obj["by_horizon"]
    still = by["still_open"]
    assert still["ci_low"] <= still["probability"] <= still["ci_high"]
    assert by["outcomes"][-1]["count"] + still["count"] == 200
    assert obj["max_half_width"] == pytest.approx(
        max((d["ci_high"] - d["ci_low"]) / 2 for d in deadlines), abs=1e-15
    )
    for stage in obj["stages"]:
        median = stage["median_day"]
        if median is None:
            assert stage["median_date"] is None
        else:
            assert stage["median_date"] == baseline.date_of(median).isoformat()


def test_run_json_is_identical_with_two_workers(
    run_json_one_worker: subprocess.CompletedProcess[str],
    run_json_two_workers: subprocess.CompletedProcess[str],
) -> None:
    assert_ok(run_json_one_worker)
    assert_ok(run_json_two_workers)
    one = json.loads(run_json_one_worker.stdout)
    two = json.loads(run_json_two_workers.stdout)
    assert two["backend"] == "2 local processes"
    assert without_provenance_of_execution(one) == without_provenance_of_execution(two)
    # Floats are printed the same too: the text differs only in those two lines.
    lines_one = [
        line
        for line in run_json_one_worker.stdout.splitlines()
        if '"wall_time_s"' not in line and '"backend"' not in line
    ]
    lines_two = [
        line
        for line in run_json_two_workers.stdout.splitlines()
        if '"wall_time_s"' not in line and '"backend"' not in line
    ]
    assert lines_one == lines_two


# -- run --out DIR ---------------------------------------------------------------------------


@pytest.mark.slow
def test_run_out_writes_the_results_folder(tmp_path: Path) -> None:
    script = shutil.which("negsim", path=str(Path(sys.executable).parent))
    assert script is not None, f"no negsim console script next to {sys.executable}"
    out = tmp_path / "results" / "first"  # created, parents included
    override = "actors.russia.tempo_days=5"
    p = negsim(
        "run",
        "--runs",
        "40",
        "--seed",
        "5",
        "--workers",
        "2",
        "--set",
        override,
        "--out",
        str(out),
        "--quiet",
        cwd=tmp_path,
        command=[script],
    )
    assert_ok(p)
    assert f"Results written to {out}" in p.stdout
    # Exactly the promised files and the folder's marker, and no temporary leftovers.
    assert set(os.listdir(out)) == RUN_FILES | {MARKER}

    resolved = load_scenario(None, [override])
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    prov = summary["provenance"]
    assert prov["negsim_version"] == __version__
    assert prov["scenario"] == "geneva2_2013"
    assert prov["scenario_sha256"] == resolved.sha256
    assert re.fullmatch(r"[0-9a-f]{64}", prov["scenario_sha256"])
    assert prov["scenario_sha256"] != load_scenario().sha256  # the hash covers the override
    assert prov["seed"] == 5
    assert prov["runs"] == 40
    assert isinstance(prov["wall_time_s"], int | float)
    assert prov["wall_time_s"] >= 0
    result = summary["result"]
    assert result["runs"] == 40
    assert result["seed"] == 5
    assert result["scenario_sha256"] == resolved.sha256
    assert set(summary["files"]) == RUN_FILES

    assert prov["overrides"] == {"actors.russia.tempo_days": 5}
    assert prov["scenario_file"] == "geneva2_2013.toml"
    assert prov["packaged"] is True

    with (out / "deadlines.csv").open(newline="", encoding="utf-8") as f:
        deadline_rows = list(csv.DictReader(f))
    # Tidy: one row per deadline and outcome, the deadline's own stage flagged.
    outcomes = ["announced", "convened"]
    assert [(r["deadline"], r["outcome"]) for r in deadline_rows] == [
        (d, o) for d in BASELINE_DEADLINES for o in outcomes
    ]
    for row in deadline_rows:
        entry = next(d for d in result["deadlines"] if d["name"] == row["deadline"])
        outcome = next(o for o in entry["outcomes"] if o["name"] == row["outcome"])
        assert row["date"] == entry["date"]
        assert float(row["probability"]) == outcome["probability"]
        assert float(row["ci_low"]) == outcome["ci_low"]
        assert float(row["ci_high"]) == outcome["ci_high"]
        assert int(row["count"]) == outcome["count"]
        assert row["is_deadline_stage"] == ("true" if row["outcome"] == "convened" else "false")
        assert row["from_record"] == ("true" if entry["from_record"] else "false")

    with (out / "runs.csv").open(newline="", encoding="utf-8") as f:
        run_rows = list(csv.DictReader(f))
    assert len(run_rows) == 40
    assert [int(r["run"]) for r in run_rows] == list(range(40))
    for entry in result["deadlines"]:
        by = [
            r["stage_convened_day"] != ""
            and float(r["stage_convened_day"]) <= float(r[f"deadline_{entry['name']}_day"])
            for r in run_rows
        ]
        assert sum(by) == entry["reached"]

    for name in ("outcomes.png", "readiness_fan.png"):
        data = (out / name).read_bytes()
        assert data.startswith(PNG_SIGNATURE), name
        assert len(data) > 1000, name


# -- compare --------------------------------------------------------------------------------


def test_compare_baseline_with_itself_gives_zero_differences(tmp_path: Path) -> None:
    p = negsim(
        "compare",
        str(find_scenario(None)),
        "geneva2_2013",
        "--runs",
        "30",
        "--seed",
        "2",
        "--workers",
        "1",
        "--format",
        "json",
        cwd=tmp_path,
    )
    assert_ok(p)
    obj = json.loads(p.stdout)
    assert obj["runs"] == 30
    assert obj["seed"] == 2
    assert [d["name"] for d in obj["deadlines"]] == BASELINE_DEADLINES
    for d in obj["deadlines"]:
        assert d["difference"] == 0
        assert d["base_probability"] == d["alt_probability"]
        assert d["only_base"] == 0
        assert d["only_alt"] == 0
        assert d["mcnemar_p"] == 1
        assert d["ci_low"] <= 0 <= d["ci_high"]
    assert without_provenance_of_execution(obj["base"]) == without_provenance_of_execution(
        obj["alt"]
    )


def test_compare_sets_values_on_either_side_of_one_file(tmp_path: Path) -> None:
    """A parameter changed by 10% needs no second file: --set-alt on BASE alone."""
    common = ["--runs", "30", "--seed", "2", "--workers", "1", "--format", "json"]
    p = negsim(
        "compare", "geneva2_2013", "--set-alt", "actors.russia.tempo_days=11", *common, cwd=tmp_path
    )
    assert_ok(p)
    obj = json.loads(p.stdout)
    base = load_scenario()
    alt = load_scenario(None, ["actors.russia.tempo_days=11"])
    assert obj["base"]["scenario_sha256"] == base.sha256
    assert obj["alt"]["scenario_sha256"] == alt.sha256
    # --set changes both, then --set-base and --set-alt each side; the same file twice is fine.
    p = negsim(
        "compare",
        "geneva2_2013",
        "geneva2_2013",
        "--set",
        "actors.russia.tempo_days=11",
        "--set-base",
        "world.stance_pull=0.4",
        "--set-alt",
        "world.stance_pull=0.6",
        *common,
        cwd=tmp_path,
    )
    assert_ok(p)
    obj = json.loads(p.stdout)
    sides = {
        "base": ["actors.russia.tempo_days=11", "world.stance_pull=0.4"],
        "alt": ["actors.russia.tempo_days=11", "world.stance_pull=0.6"],
    }
    for side, values in sides.items():
        assert obj[side]["scenario_sha256"] == load_scenario(None, values).sha256
    table = negsim(
        "compare",
        "geneva2_2013",
        "--set-alt",
        "actors.russia.tempo_days=11",
        *common[:-2],
        cwd=tmp_path,
    )
    assert_ok(table)
    lines = table.stdout.splitlines()
    assert lines[1].endswith("(with actors.russia.tempo_days=11)")
    # Newcombe's interval in words, and a width ratio of "—" where both sides are at 0%.
    words = " ".join(table.stdout.split())
    assert "Newcombe's method 10 for paired proportions: it starts from each scenario's" in words
    # Before the forecast origin, the record, not an estimate; after it, where no run of
    # either side convened, a width ratio of "—".
    first = next(line for line in lines if line.startswith("end of May 2013"))
    assert first.split()[-3:] == ["missed", "missed", "(record)"]
    g8 = next(line for line in lines if line.startswith("G8 summit"))
    assert g8.endswith("—")
    assert "width ratio —: every pair agrees and all the same way" in words


# -- bad input ----------------------------------------------------------------------------------

BAD_INPUT: dict[str, tuple[list[str], list[str]]] = {
    # case: (arguments, fragments the one stderr line must contain)
    "runs-zero": (["run", "--runs", "0"], ["--runs", "0"]),
    "runs-negative": (["run", "--runs", "-5"], ["--runs", "-5"]),
    "precision-too-large": (["run", "--precision", "0.7"], ["--precision", "0.7"]),
    "precision-zero": (["run", "--precision", "0"], ["--precision", "0"]),
    "unknown-deadline": (["run", "--runs", "5", "--deadline", "nosuch"], ["nosuch"]),
    "out-under-a-file": (["run", "--runs", "5", "--out", "{tmp}/a_file/sub"], ["a_file/sub"]),
    "missing-scenario": (["run", "{tmp}/missing.toml", "--runs", "5"], ["missing.toml"]),
    "set-unknown-actor": (
        ["run", "--runs", "5", "--set", "actors.nobody.tempo_days=3"],
        ["actors.nobody", "--set"],
    ),
    "set-negative-tempo": (
        ["run", "--runs", "5", "--set", "actors.russia.tempo_days=-1"],
        ["actors.russia.tempo_days", "-1"],
    ),
    "compare-nothing-to-compare": (
        ["compare", "geneva2_2013", "--runs", "5"],
        ["give ALT, or --set-alt KEY=VALUE"],
    ),
    "compare-bad-set-alt": (
        ["compare", "geneva2_2013", "--set-alt", "actors.nobody.tempo_days=3", "--runs", "5"],
        ["actors.nobody", "--set"],
    ),
    "compare-different-deadlines": (
        ["compare", "geneva2_2013", "{tmp}/later_g8.toml", "--runs", "5"],
        ["g8_summit", "later_g8.toml"],
    ),
}


@pytest.fixture(scope="module")
def bad_input_results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, CliOutcome]:
    """Run every bad-input case once, in this process (the subprocess would add nothing)."""
    tmp = tmp_path_factory.mktemp("bad")
    (tmp / "a_file").write_text("not a folder\n", encoding="utf-8")
    baseline = find_scenario(None).resolve()
    (tmp / "later_g8.toml").write_text(
        f'extends = "{baseline}"\nname = "later_g8"\n\n[deadlines.g8_summit]\ndate = 2013-06-18\n',
        encoding="utf-8",
    )

    def one(case: str) -> CliOutcome:
        args = [a.replace("{tmp}", str(tmp)) for a in BAD_INPUT[case][0]]
        return negsim_in_process(*args, cwd=tmp)

    return {case: one(case) for case in BAD_INPUT}


@pytest.mark.parametrize("case", list(BAD_INPUT))
def test_bad_input_exits_2_with_one_line_and_no_traceback(
    bad_input_results: dict[str, CliOutcome], case: str
) -> None:
    p = bad_input_results[case]
    assert "Traceback" not in p.stdout + p.stderr
    assert p.returncode == 2, (p.returncode, p.stderr)
    assert p.stdout == ""
    lines = p.stderr.splitlines()
    assert len(lines) == 1, lines
    (line,) = lines
    assert line.strip()
    assert line.startswith("negsim: ")
    for fragment in BAD_INPUT[case][1]:
        assert fragment in line, (fragment, line)


# -- Ctrl-C --------------------------------------------------------------------------------------


def stop_limit() -> float:
    """How long Ctrl-C may take to stop a run here: 10 s on an idle machine, more under load.

    The workers are killed at once (see the 2-second test below, with busy workers); this
    generous limit is for the tests that check what is said and written.
    """
    load = os.getloadavg()[0] / (os.cpu_count() or 1)
    return 10.0 * max(1.0, load)


def _taken(out: Path) -> bool:
    """Whether a command has taken ``--out``: its lock file is beside it (sim.folders)."""
    return (out.parent / f".{out.name}.negsim-lock").exists() or out.is_dir()


def _interrupt_a_long_run(out: Path, workers: int) -> tuple[int, str, str, float]:
    """Start a long ``run --out``, press Ctrl-C once it is under way; return what happened.

    A terminal's Ctrl-C sends SIGINT to the whole foreground process group (the worker
    processes too), so the command runs in a session of its own and the signal goes to it.
    ``--out`` is taken (its lock file made beside it) just before the runs start, so the test
    waits for that, then 1.5 s longer for the workers to be busy.
    """
    p = subprocess.Popen(
        [*PYTHON_M_SIM, "run", "--runs", "200000", "--workers", str(workers), "--out", str(out)],
        cwd=out.parent,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        while not _taken(out):
            assert p.poll() is None, p.communicate()
            assert time.monotonic() < deadline, "the run never started"
            time.sleep(0.05)
        time.sleep(1.5)
        assert p.poll() is None, "200000 runs should take far longer"
        os.killpg(p.pid, signal.SIGINT)
        sent = time.monotonic()
        stdout, stderr = p.communicate(timeout=120)
        elapsed = time.monotonic() - sent
    finally:
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()
    # No worker process is left behind.
    gone_by = time.monotonic() + 10
    while True:
        try:
            os.killpg(p.pid, 0)
        except ProcessLookupError:
            break
        assert time.monotonic() < gone_by, "worker processes outlived the command"
        time.sleep(0.1)
    return p.returncode, stdout, stderr, elapsed


@pytest.mark.slow
def test_ctrl_c_stops_a_long_run_writes_nothing_and_says_how_far_it_got(tmp_path: Path) -> None:
    out = tmp_path / "interrupted"
    limit = stop_limit()  # before this test adds its own load
    status, stdout, stderr, elapsed = _interrupt_a_long_run(out, workers=2)
    assert status == 130, stderr
    assert elapsed < limit, f"took {elapsed:.1f} s to stop (limit {limit:.1f} s)"
    assert "Traceback" not in stdout + stderr
    assert stdout == ""
    match = re.search(r"(\d+) of 200000 runs had finished", stderr)
    assert match, stderr
    assert int(match.group(1)) < 200000
    # No results, and no half-written or temporary files either (the folder itself is made
    # whole with the output: sim.folders).
    assert not out.exists() or os.listdir(out) == []


@pytest.mark.slow
def test_ctrl_c_with_one_worker_also_says_how_far_it_got(tmp_path: Path) -> None:
    out = tmp_path / "interrupted"
    limit = stop_limit()  # before this test adds its own load
    status, stdout, stderr, elapsed = _interrupt_a_long_run(out, workers=1)
    assert status == 130, stderr
    assert elapsed < limit, f"took {elapsed:.1f} s to stop (limit {limit:.1f} s)"
    assert "Traceback" not in stdout + stderr
    assert not out.exists() or os.listdir(out) == []
    assert re.search(r"\d+ of 200000 runs had finished", stderr), stderr


@pytest.mark.slow
@pytest.mark.parametrize("group", [True, False], ids=["terminal", "parent-only"])
def test_ctrl_c_with_busy_workers_exits_130_within_2_s(tmp_path: Path, group: bool) -> None:
    """Whatever the workers are doing, Ctrl-C ends `negsim run` at once, workers included.

    A terminal's Ctrl-C reaches the whole process group; a SIGINT sent to the command alone
    must do as well.
    """
    out = tmp_path / "out"
    p = subprocess.Popen(
        [*PYTHON_M_SIM, "run", "--runs", "20", "--workers", "2", "--out", str(out), *SLOW_RUNS],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120  # a loaded machine starts Python slowly
        while not _taken(out):
            assert p.poll() is None, p.communicate()
            assert time.monotonic() < deadline, "the run never started"
            time.sleep(0.05)
        time.sleep(2.5)  # the workers start, then each is in the middle of a run of seconds
        assert p.poll() is None, "20 slow runs should take far longer"
        if group:
            os.killpg(p.pid, signal.SIGINT)
        else:
            os.kill(p.pid, signal.SIGINT)
        sent = time.monotonic()
        stdout, stderr = p.communicate(timeout=60)
        elapsed = time.monotonic() - sent
    finally:
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()
    assert p.returncode == 130, stderr
    assert elapsed < 2.0, f"took {elapsed:.2f} s to stop"
    assert stdout == ""
    assert "Traceback" not in stderr
    assert re.fullmatch(
        r"negsim: interrupted: \d+ of 20 runs had finished; nothing was written\n", stderr
    ), stderr
    gone_by = time.monotonic() + 5
    while True:
        try:
            os.killpg(p.pid, 0)
        except ProcessLookupError:
            break
        assert time.monotonic() < gone_by, "worker processes outlived the command"
        time.sleep(0.05)
