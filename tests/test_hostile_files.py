"""Readers trust nothing: special files, runaway sizes and bad numbers are one line, exit 2.

Every file negsim reads back -- a results folder's ``summary.json`` and ``runs.csv``, a sweep's
``points.jsonl``, a ``posterior.csv``, a ``--replay`` recording, the answers of ``play`` on its
standard input -- is tried as a named pipe (no writer: a plain ``open`` would wait for ever),
as a link to ``/dev/zero`` (a plain read never ends), as a device, and with numbers that are
not numbers, infinite, huge, or contradict each other. Whatever could block runs under a
timeout, so a hang fails the test rather than stalling it.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest
from conftest import CliOutcome, negsim_in_process

from sim.experiments import store
from sim.experiments.posterior import PosteriorError, read_posterior
from sim.experiments.store import LOG_NAME, StoreError, read_log

T = TypeVar("T")

TIMEOUT = 30.0
"""Seconds a read may take before the test calls it a hang."""

TWO_STAGES = """\
name = "tiny_two_stages"
title = "Two stages, one parameter"
start = 2013-01-01
horizon = 2013-04-01

[initial]
readiness = 0.5

[gates.question]
contention = 0.0
resolved = true

[stages.met]
label = "a meeting"
gates = []
threshold = 0.1

[stages.agreed]
label = "an agreement"
gates = []
threshold = 0.6

[actors.alpha]
tempo_days = 5.0
pass_weight = 1.0

[deadlines.soon]
date = 2013-02-01
"""
"""Every run meets at once; it agrees at once when the agreement's threshold is at most 0.5."""


def within(seconds: float, action: Callable[[], T]) -> T:
    """``action()``, failing the test if it has not returned after ``seconds``."""
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = action()
        except BaseException as exc:  # handed to the test below
            box["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        pytest.fail(f"still running after {seconds} s: a read that blocks")
    if "error" in box:
        raise box["error"]
    return box["value"]  # type: ignore[no-any-return]


def cli(*args: str) -> CliOutcome:
    """``negsim ARGS`` in this process, under the timeout."""
    return within(TIMEOUT, lambda: negsim_in_process(*args))


def assert_one_line(done: CliOutcome, *words: str) -> None:
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1, done.stderr
    assert "Traceback" not in done.stderr
    for word in words:
        assert word in done.stderr, done.stderr


def make_special(path: Path, kind: str) -> None:
    """Put a named pipe, a link to /dev/zero or a link to /dev/null at ``path``."""
    if path.exists():
        path.unlink()
    if kind == "fifo":
        os.mkfifo(path)
    else:
        path.symlink_to("/dev/zero" if kind == "zero" else os.devnull)


SPECIAL = ["fifo", "zero", "null"]


# -- results folders: summary.json and runs.csv ---------------------------------------------


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("run") / "out"
    done = negsim_in_process("run", "--runs", "8", "--workers", "1", "--quiet", "--out", str(out))
    assert done.returncode == 0, done.stderr
    return out


def copy_of(folder: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "copy"
    copy.mkdir()
    for file in folder.iterdir():
        (copy / file.name).write_bytes(file.read_bytes())
    return copy


@pytest.mark.parametrize("name", ["summary.json", "runs.csv"])
@pytest.mark.parametrize("kind", SPECIAL)
def test_a_results_file_that_is_not_a_regular_file_is_one_line(
    run_dir: Path, tmp_path: Path, name: str, kind: str
) -> None:
    folder = copy_of(run_dir, tmp_path)
    make_special(folder / name, kind)
    assert_one_line(cli("report", str(folder)), name, "not a regular file")


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "1e300", "-1e300", "9" * 5000])
@pytest.mark.parametrize("column", ["final_readiness", "events", "first_announcement_day"])
def test_a_bad_number_in_runs_csv_is_one_line_naming_file_and_column(
    run_dir: Path, tmp_path: Path, value: str, column: str
) -> None:
    folder = copy_of(run_dir, tmp_path)
    path = folder / "runs.csv"
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    rows[1][rows[0].index(column)] = value
    with open(path, "w", encoding="utf-8", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows(rows)
    assert_one_line(cli("report", str(folder)), "runs.csv", column)


@pytest.mark.parametrize(
    "value", ["9999-12-31", "0001-01-01", "+99999-01-01", "2013-02-30", 12, 1e300, None]
)
def test_a_bad_start_in_summary_json_is_refused_naming_the_key(
    run_dir: Path, tmp_path: Path, value: object
) -> None:
    folder = copy_of(run_dir, tmp_path)
    path = folder / "summary.json"
    summary = json.loads(path.read_text(encoding="utf-8"))
    summary["result"]["start"] = value
    path.write_text(json.dumps(summary), encoding="utf-8")
    done = cli("report", str(folder))
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    # One line per problem (a start that is a date makes the dates after it wrong), each
    # naming the file and the key.
    lines = done.stderr.splitlines()
    assert all("summary.json: key 'result." in line or "more problem" in line for line in lines)


def test_a_number_too_long_to_read_in_summary_json_is_one_line(
    run_dir: Path, tmp_path: Path
) -> None:
    folder = copy_of(run_dir, tmp_path)
    path = folder / "summary.json"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('"result": {', '"result": {"huge": ' + "9" * 5000 + ",", 1))
    assert_one_line(cli("report", str(folder)), "summary.json", "too many digits")


# -- points.jsonl ---------------------------------------------------------------------------


def sweep(scenario: Path, out: Path, *extra: str) -> CliOutcome:
    return cli(
        "sweep", str(scenario), "--param", "stages.agreed.threshold=0.2:0.95", "--points", "3",
        "--runs", "4", "--workers", "1", "--quiet", "--out", str(out), *extra,
    )  # fmt: skip


@pytest.fixture
def swept(tmp_path: Path) -> tuple[Path, Path]:
    scenario = tmp_path / "two.toml"
    scenario.write_text(TWO_STAGES, encoding="utf-8")
    out = tmp_path / "sweep"
    done = sweep(scenario, out)
    assert done.returncode == 0, done.stderr
    return scenario, out


def edit_record(log: Path, point: int, change: Callable[[dict[str, Any]], str]) -> None:
    """Replace the line of ``point`` in a log by ``change(its record)``."""
    lines = log.read_text(encoding="utf-8").splitlines()
    found = [n for n, line in enumerate(lines) if line.startswith(f'{{"point":{point},')]
    assert len(found) == 1, lines
    lines[found[0]] = change(json.loads(lines[found[0]]))
    log.write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.mark.parametrize("kind", SPECIAL)
def test_a_log_that_is_not_a_regular_file_is_one_line(tmp_path: Path, kind: str) -> None:
    path = tmp_path / LOG_NAME
    make_special(path, kind)
    with pytest.raises(StoreError, match="not a regular file") as caught:
        within(TIMEOUT, lambda: read_log(path))
    assert "\n" not in str(caught.value)


def test_a_log_past_its_size_cap_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, swept: tuple[Path, Path]
) -> None:
    _, out = swept
    monkeypatch.setattr(store, "MAX_LOG_BYTES", 100)
    with pytest.raises(StoreError, match="too large"):
        read_log(out / LOG_NAME)


def test_unreadable_numbers_in_a_log_are_damaged_lines_not_tracebacks(
    swept: tuple[Path, Path],
) -> None:
    _, out = swept
    log = out / LOG_NAME
    huge = "9" * 5000
    edit_record(log, 0, lambda r: json.dumps(r).replace('"runs": 4', f'"runs": {huge}'))
    edit_record(log, 1, lambda r: '{"point": 1, "values": ' + "[" * 5000 + "]" * 5000 + "}")
    edit_record(log, 2, lambda r: json.dumps(r).replace('"runs": 4', '"runs": NaN'))
    contents = read_log(log)
    assert contents.records == {}
    assert contents.skipped == 3
    # And in the header: not a log, one line.
    lines = log.read_text(encoding="utf-8").splitlines()
    log.write_text(lines[0].replace('"points":3', f'"points":{huge}') + "\n", encoding="utf-8")
    with pytest.raises(StoreError, match="not a negsim results log"):
        read_log(log)


def test_a_count_above_its_runs_is_skipped_and_run_again(swept: tuple[Path, Path]) -> None:
    scenario, out = swept
    clean = (out / "sweep.csv").read_bytes()

    def above(record: dict[str, Any]) -> str:
        record["counts"]["soon"]["met"] = 5  # of 4 runs
        return json.dumps(record)

    edit_record(out / LOG_NAME, 1, above)
    done = sweep(scenario, out, "--resume")
    assert done.returncode == 0, done.stderr
    assert "2 of 3 points were already done" in done.stderr
    assert (out / "sweep.csv").read_bytes() == clean


@pytest.mark.parametrize(
    ("change", "words"),
    [
        # Every run that agreed met first: more agreements than meetings contradict it.
        (lambda c: c.update(met=1, agreed=4), "runs reached stage 'agreed' but only 1"),
        (lambda c: c.update(walked_out=1), "name other outcomes"),
        (lambda c: c.pop("met"), "name other outcomes"),
    ],
    ids=["stage-order", "unknown-outcome", "missing-outcome"],
)
def test_counts_that_contradict_each_other_are_refused_on_resume(
    swept: tuple[Path, Path], change: Callable[[dict[str, int]], None], words: str
) -> None:
    scenario, out = swept
    log = out / LOG_NAME
    before = log.read_bytes()
    table = (out / "sweep.csv").read_bytes()

    def contradict(record: dict[str, Any]) -> str:
        change(record["counts"]["soon"])
        return json.dumps(record)

    edit_record(log, 0, contradict)
    damaged = log.read_bytes()
    assert damaged != before
    done = sweep(scenario, out, "--resume")
    assert done.returncode == 2, done.stderr
    assert words in done.stderr
    assert f"{LOG_NAME}: the record of point 0" in done.stderr
    assert done.stderr.splitlines()[-1].count(LOG_NAME) == 1
    assert "Traceback" not in done.stderr
    assert log.read_bytes() == damaged  # nothing appended, nothing rebuilt
    assert (out / "sweep.csv").read_bytes() == table


def test_kept_runs_that_contradict_their_counts_are_refused(tmp_path: Path) -> None:
    scenario = tmp_path / "two.toml"
    scenario.write_text(TWO_STAGES, encoding="utf-8")
    out = tmp_path / "kept"
    assert sweep(scenario, out, "--keep-runs").returncode == 0

    def lie(record: dict[str, Any]) -> str:
        record["counts"]["soon"]["agreed"] = 3  # the kept runs say 4
        return json.dumps(record)

    edit_record(out / LOG_NAME, 0, lie)
    done = sweep(scenario, out, "--keep-runs", "--resume")
    assert done.returncode == 2, done.stderr
    assert "not those of its kept runs" in done.stderr


# -- posterior.csv --------------------------------------------------------------------------


@pytest.mark.parametrize("kind", SPECIAL)
def test_a_posterior_that_is_not_a_regular_file_is_one_line(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "posterior.csv"
    make_special(path, kind)
    with pytest.raises(PosteriorError, match="not a regular file") as caught:
        within(TIMEOUT, lambda: read_posterior(path))
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    ("rows", "words"),
    [
        ("nan,1\n1,2\n", "not finite"),
        ("1,inf\n1,2\n", "not finite"),
        ("1e308,1\n1e308,2\n", "add up past the largest number"),
        ("-1,1\n1,2\n", "a negative weight"),
        ("0,1\n0,2\n", "every weight is 0"),
        ("1," + "9" * 5000 + "\n", "not finite"),
    ],
)
def test_bad_numbers_in_a_posterior_are_one_line(tmp_path: Path, rows: str, words: str) -> None:
    path = tmp_path / "posterior.csv"
    path.write_text("weight,actors.alpha.tempo_days\n" + rows, encoding="utf-8")
    with pytest.raises(PosteriorError, match=words) as caught:
        read_posterior(path)
    assert "\n" not in str(caught.value)


# -- play: replay files and answers ---------------------------------------------------------


@pytest.mark.parametrize("kind", SPECIAL)
def test_a_replay_file_that_is_not_a_regular_file_is_one_line(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "game.json"
    make_special(path, kind)
    assert_one_line(cli("play", "--replay", str(path)), "--replay", "not a regular file")


def test_play_reading_dev_zero_as_its_answers_ends_without_memory_error() -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([os.getcwd(), *sys.path])}
    with open("/dev/zero", "rb") as zero:
        done = subprocess.run(
            [sys.executable, "-m", "sim", "play", "--as", "russia", "--seed", "1"],
            stdin=zero,
            capture_output=True,
            text=True,
            timeout=120,
            env=env,
            check=False,
        )
    assert done.returncode in (0, 2), done.stderr[-2000:]
    assert "MemoryError" not in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("day", [10**12, -1, 1.5, "31"])
def test_a_deadline_day_out_of_range_in_sweep_json_is_one_line(
    swept: tuple[Path, Path], day: object
) -> None:
    _, out = swept
    path = out / "sweep.json"
    summary = json.loads(path.read_text(encoding="utf-8"))
    summary["deadlines"][0]["day"] = day
    path.write_text(json.dumps(summary), encoding="utf-8")
    assert_one_line(cli("report", str(out)), "sweep.json", "deadlines[0].day")


@pytest.mark.parametrize(
    ("damage", "words"),
    [
        (lambda log, summary: summary.update(runs_per_point=1e300), "runs_per_point"),
        (lambda log, summary: summary.update(runs_per_point=5), "runs_per_point"),
        (
            lambda log, summary: edit_record(
                log, 0, lambda r: json.dumps({**r, "point": 7}, separators=(",", ":"))
            ),
            "not numbered 0 to 2",
        ),
        (
            lambda log, summary: edit_record(
                log, 1, lambda r: json.dumps({**r, "values": {"x": 1}}, separators=(",", ":"))
            ),
            "not those of its parameters",
        ),
    ],
    ids=["runs-huge", "runs-other", "point-numbers", "values"],
)
def test_discover_refuses_a_sweep_folder_that_contradicts_itself(
    swept: tuple[Path, Path], damage: Callable[[Path, dict[str, Any]], None], words: str
) -> None:
    from sim.experiments.discovery import DiscoveryError, load_sweep

    _, out = swept
    path = out / "sweep.json"
    summary = json.loads(path.read_text(encoding="utf-8"))
    damage(out / LOG_NAME, summary)
    path.write_text(json.dumps(summary), encoding="utf-8")
    with pytest.raises(DiscoveryError, match=words) as caught:
        load_sweep(out)
    assert "\n" not in str(caught.value)
