"""Tests of sweeps: common random numbers, resuming after crashes, faults, the CLI."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from faults import DieOn, DieOnce

from sim.cli import main
from sim.experiments.executors import ExecutorSpec
from sim.experiments.montecarlo import run_monte_carlo
from sim.experiments.scheduler import WorkersLost
from sim.experiments.store import LOG_NAME, PointRecord, PointStore, read_log
from sim.experiments.sweep import PointError, Sweep, SweepResult
from sim.experiments.tasks import simulate_ends
from sim.scenario import Scenario, load_scenario

RUSSIA = "actors.russia.tempo_days"
THRESHOLD = "convening.announce_threshold"
SERIAL = ExecutorSpec(workers=1)


def small_sweep(**changes: Any) -> Sweep:
    """Five points, three runs each, on the baseline: quick, yet the points differ."""
    settings: dict[str, Any] = {
        "params": [f"{RUSSIA}=1.0:12", f"{THRESHOLD}=0.4:0.7"],
        "design": "lhs",
        "points": 5,
        "runs": 3,
        "seed": 5,
    }
    settings.update(changes)
    return Sweep(**settings)


@pytest.fixture(scope="module")
def reference() -> SweepResult:
    return small_sweep().run(SERIAL)


# -- the experiment object ----------------------------------------------------------------


def test_points_with_equal_values_give_equal_results() -> None:
    # An integer range of two values over an LHS of 6 points: each value comes up 3 times.
    result = Sweep([f"{RUSSIA}=3:4"], design="lhs", points=6, runs=8, seed=2).run(SERIAL)
    values = [p[RUSSIA] for p in result.design.points]
    assert sorted(values) == [3, 3, 3, 4, 4, 4]
    for value in (3, 4):
        rows = {tuple(result.convened[i]) for i, v in enumerate(values) if v == value}
        assert len(rows) == 1
    assert result.convened.sum() > 0


def test_a_point_equals_a_monte_carlo_run_of_its_scenario(reference: SweepResult) -> None:
    for i in (0, 3):
        scenario = load_scenario(None, reference.design.points[i])
        mc = run_monte_carlo(scenario, 3, 5, executor=SERIAL)
        expected = [e.proportion.successes for e in mc.deadlines()]
        assert list(reference.convened[i]) == expected


def test_local_processes_give_the_same_results(reference: SweepResult) -> None:
    parallel = small_sweep().run(ExecutorSpec(workers=2))
    assert parallel.csv_text() == reference.csv_text()


def test_tidy_results(reference: SweepResult) -> None:
    records = reference.records()
    assert len(records) == 5
    assert list(records[0]) == reference.columns()
    assert records[2]["point"] == 2
    assert records[2][RUSSIA] == reference.design.points[2][RUSSIA]
    array = reference.to_numpy()
    assert array.shape == (5,)
    assert array.dtype[RUSSIA] == np.float64
    assert array.dtype["mid_2014_reached"] == np.int64
    np.testing.assert_array_equal(array["mid_2014_reached"], reference.convened[:, -1])
    p = reference.estimate(1, "mid_2014")
    assert p.successes == reference.convened[1, -1]
    assert p.n == 3


def test_to_pandas_gives_the_same_table(reference: SweepResult) -> None:
    pytest.importorskip("pandas", reason="pandas is optional: install it for DataFrames")
    records = reference.records()
    frame = reference.to_pandas()
    assert list(frame.columns) == reference.columns()
    assert frame["mid_2014_probability"].tolist() == [r["mid_2014_probability"] for r in records]


def test_to_pandas_says_what_to_install(
    reference: SweepResult, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(ImportError, match="pip install pandas"):
        reference.to_pandas()


def test_all_points_are_validated_before_any_runs(tmp_path: Path) -> None:
    calls: list[int] = []

    def task(scenario: Scenario, seed: int, start: int, stop: int) -> Any:
        calls.append(start)
        return simulate_ends(scenario, seed, start, stop)

    sweep = Sweep(["convening.postpone_threshold=0.2,0.3,0.9"], runs=2)
    with pytest.raises(PointError, match=r"postpone_threshold.*at point 2 of 3") as info:
        sweep.run(SERIAL, task=task)
    assert calls == []
    assert "\n" not in str(info.value)


# -- resuming ------------------------------------------------------------------------------


class SimulatedCrash(BaseException):
    """The process 'dies' (a BaseException, like KeyboardInterrupt, so nothing catches it)."""


class CrashingStore(PointStore):
    """A store whose process dies after ``survive`` appends, optionally mid-line."""

    def __init__(self, store: PointStore, survive: int, torn: bool) -> None:
        super().__init__(store.path, store.identity, store.records)
        self.survive = survive
        self.torn = torn
        self.appended = 0

    def append(self, record: PointRecord) -> None:
        if self.appended == self.survive:
            if self.torn:
                with open(self.path, "a", encoding="utf-8") as f:
                    f.write(record.to_line()[: len(record.to_line()) // 2])
            raise SimulatedCrash
        super().append(record)
        self.appended += 1


@pytest.mark.parametrize("torn", [False, True], ids=["clean", "torn"])
def test_resume_after_a_crash_at_every_point(
    tmp_path: Path, reference: SweepResult, torn: bool
) -> None:
    sweep = small_sweep()
    total = len(reference.design.points)
    for survive in range(total + 1):
        folder = tmp_path / f"crash{survive}"
        folder.mkdir()
        store = CrashingStore(sweep.open_store(folder), survive, torn)
        if survive < total:
            with pytest.raises(SimulatedCrash):
                sweep.run(SERIAL, store=store)
        else:
            sweep.run(SERIAL, store=store)
        assert len(read_log(folder / LOG_NAME).records) == survive
        resumed_store = sweep.open_store(folder, resume=True)
        result = sweep.run(SERIAL, store=resumed_store)
        assert result.resumed == survive
        assert result.csv_text() == reference.csv_text()
        log = read_log(folder / LOG_NAME)
        assert sorted(log.records) == list(range(total))
        assert log.skipped == 0
        lines = (folder / LOG_NAME).read_text(encoding="utf-8").splitlines()
        assert len(lines) == 1 + total  # no point lost, none duplicated


def test_a_resumed_store_of_another_sweep_is_refused(tmp_path: Path) -> None:
    store = small_sweep().open_store(tmp_path)
    with pytest.raises(ValueError, match="another experiment"):
        small_sweep(seed=6).run(SERIAL, store=store)


# -- worker faults (local processes; the tasks are in tests/faults.py) -----------------


def test_a_worker_that_dies_once_is_retried(tmp_path: Path, reference: SweepResult) -> None:
    result = small_sweep().run(ExecutorSpec(workers=2), task=DieOnce(tmp_path / "died"))
    assert (tmp_path / "died").exists()
    assert result.csv_text() == reference.csv_text()


def test_a_point_whose_worker_dies_twice_stops_the_sweep_resumably(tmp_path: Path) -> None:
    sweep = Sweep([f"{RUSSIA}=1:6"], design="grid", points=6, runs=2, seed=1)
    expected = sweep.run(SERIAL)
    store = sweep.open_store(tmp_path)
    # Every task in flight in a broken pool fails with it: any of them may be named.
    with pytest.raises(WorkersLost, match=r"a worker was lost twice running point \d") as info:
        sweep.run(ExecutorSpec(workers=2), store=store, task=DieOn(6.0))
    assert info.value.total == 6
    assert info.value.unit == "points"
    saved = read_log(tmp_path / LOG_NAME).records
    assert len(saved) == info.value.completed
    assert 5 not in saved
    resumed = sweep.run(SERIAL, store=sweep.open_store(tmp_path, resume=True))
    assert resumed.csv_text() == expected.csv_text()


# -- the command line -------------------------------------------------------------------


def negsim(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = main(["sweep", *args])
    out, err = capsys.readouterr()
    return status, out, err


def test_cli_writes_the_results(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = negsim(
        capsys,
        "--param",
        f"{RUSSIA}=2:10",
        "--points",
        "3",
        "--runs",
        "3",
        "--workers",
        "1",
        "--out",
        str(tmp_path),
    )
    assert status == 0, err
    # The table names the deadlines by their labels, with intervals, and their stage.
    assert "mid-2014" in out
    assert "every deadline is for the stage: convened" in out
    assert re.search(r"\d+\.\d% \(\d+\.\d–\d+\.\d\)", out)
    for name in ("points.jsonl", "sweep.csv", "sweep_outcomes.csv", "sweep.json", "sweep.png"):
        assert (tmp_path / name).is_file()
    csv_lines = (tmp_path / "sweep.csv").read_text(encoding="utf-8").splitlines()
    assert csv_lines[0].startswith(f"point,{RUSSIA},end_of_may_probability,end_of_may_ci_low")
    assert len(csv_lines) == 4
    import json

    meta = json.loads((tmp_path / "sweep.json").read_text(encoding="utf-8"))
    assert meta["design"]["kind"] == "grid"
    assert meta["seed"] == 0
    assert len(meta["scenario_sha256"]) == 64
    assert meta["negsim_version"]

    # The same command again refuses to overwrite; with another seed and --resume, too.
    base = ["--param", f"{RUSSIA}=2:10", "--points", "3", "--runs", "3", "--workers", "1"]
    status, _, err = negsim(capsys, *base, "--out", str(tmp_path))
    assert status == 2
    assert "add --resume" in err
    for other in (["--seed", "1"], ["--points", "4"], ["--runs", "4"]):
        status, _, err = negsim(capsys, *base, *other, "--out", str(tmp_path), "--resume")
        assert status == 2
        assert err.count("\n") == 1
        assert "written by a different sweep" in err
    status, _, err = negsim(capsys, "no_embargo_lift", *base, "--out", str(tmp_path), "--resume")
    assert status == 2
    assert "different sweep (the scenario (SHA-256 of the resolved scenario) differs" in err


def test_cli_two_parameters_draw_a_heatmap_per_deadline(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, _, err = negsim(
        capsys,
        "--param",
        f"{RUSSIA}=2:10",
        "--param",
        "mechanisms.rapport.enabled=true,false",
        "--points",
        "2",
        "--runs",
        "2",
        "--workers",
        "1",
        "--out",
        str(tmp_path),
    )
    assert status == 0, err
    assert len(list(tmp_path.glob("sweep_*.png"))) == len(load_scenario().deadlines)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--param", "actors.russia.bogus=1:2"], "actors.russia.bogus: unknown key"),
        (["--param", "actors.nobody.tempo_days=1:2"], "no table actors.nobody"),
        (["--param", f"{RUSSIA}=5:5"], "LOW 5 must be below HIGH 5"),
        (["--param", f"{RUSSIA}=9:2"], "LOW 9 must be below HIGH 2"),
        (
            ["--param", "actors.russia.reactions.resolution_backlash.probability=0:2"],
            "must be a probability from 0 to 1, got 2 (at point 2 of 3",
        ),
        (["--param", f"{RUSSIA}=1:5", "--design", "sobol", "--points", "6"], "power of 2"),
        (["--param", f"{RUSSIA}=1:5", "--design", "lhs", "--points", "1"], "points >= 2"),
        (["--param", f"{RUSSIA}=1:5", "--resume"], "--resume needs --out"),
        (["--param", "nokey"], "no '='"),
    ],
)
def test_cli_bad_input_is_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    status, _, err = negsim(capsys, *args, "--runs", "2")
    assert status == 2
    assert err.count("\n") == 1
    assert message in err
    assert "Traceback" not in err


def test_cli_says_how_to_resume_a_stopped_sweep(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def stop(self: Sweep, *args: Any, **kwargs: Any) -> None:
        raise WorkersLost(2, 3, "points", "a worker was lost twice running point 2 (KilledWorker)")

    monkeypatch.setattr(Sweep, "run", stop)
    status, _, err = negsim(
        capsys, "--param", f"{RUSSIA}=1:5", "--points", "3", "--runs", "2", "--out", str(tmp_path)
    )
    assert status == 1
    assert err == (
        "negsim: a worker was lost twice running point 2 (KilledWorker); stopped after 2 of 3 "
        "points; rerun the same command with --resume to finish\n"
    )


@pytest.mark.slow
def test_kill_9_mid_sweep_then_resume_gives_the_same_csv(tmp_path: Path) -> None:
    args = [
        "sweep",
        "--param",
        f"{RUSSIA}=1.0:12",
        "--design",
        "lhs",
        "--points",
        "8",
        "--runs",
        "8",
        "--seed",
        "3",
        "--workers",
        "1",
        "--quiet",
    ]
    killed = tmp_path / "killed"
    command = [sys.executable, "-m", "sim", *args]
    whole = Sweep([f"{RUSSIA}=1.0:12"], design="lhs", points=8, runs=8, seed=3).run(SERIAL)

    process = subprocess.Popen(
        [*command, "--out", str(killed)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    log = killed / LOG_NAME
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline:
            if log.exists() and log.read_text(encoding="utf-8").count("\n") >= 4:
                break
            time.sleep(0.005)
        os.killpg(process.pid, signal.SIGKILL)
    finally:
        process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL
    saved = len(read_log(log).records)
    assert 3 <= saved < 8
    assert not (killed / "sweep.csv").exists()

    resumed = subprocess.run(
        [*command, "--out", str(killed), "--resume"], capture_output=True, text=True
    )
    assert resumed.returncode == 0, resumed.stderr
    assert f"resuming: {saved} of 8 points were already done" in resumed.stderr
    assert (killed / "sweep.csv").read_bytes() == whole.csv_text().encode("utf-8")
    assert len(log.read_text(encoding="utf-8").splitlines()) == 9


@pytest.mark.slow
def test_ctrl_c_mid_sweep_says_how_to_resume(tmp_path: Path) -> None:
    command = [
        sys.executable,
        "-m",
        "sim",
        "sweep",
        "--param",
        f"{RUSSIA}=1:8",
        "--points",
        "8",
        "--runs",
        "8",
        "--workers",
        "1",
        "--quiet",
        "--out",
        str(tmp_path),
    ]
    process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    log = tmp_path / LOG_NAME
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if log.exists() and log.read_text(encoding="utf-8").count("\n") >= 3:
            break
        time.sleep(0.005)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=30)
    assert process.returncode == 130
    saved = len(read_log(log).records)
    assert err == (
        f"negsim: interrupted after {saved} of 8 points; "
        "rerun the same command with --resume to finish\n"
    )
    resumed = subprocess.run([*command, "--resume"], capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr
    assert len(read_log(log).records) == 8
