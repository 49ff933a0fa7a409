"""Tests of the Dask back end on a real LocalCluster: sweeps and runs equal local ones."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import SLOW_RUNS
from faults import DieOnce

from sim.cli import main
from sim.experiments import executors
from sim.experiments.executors import ExecutorSpec
from sim.experiments.sweep import Sweep

distributed = pytest.importorskip("distributed")

RUSSIA = "actors.russia.tempo_days"
SWEEP = ["--param", f"{RUSSIA}=1.0:12", "--design", "lhs", "--points", "4", "--runs", "4"]


@pytest.fixture(scope="module")
def scheduler() -> Iterator[str]:
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"Port \d+ is already in use")
        cluster = distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
        )
    try:
        yield str(cluster.scheduler_address)
    finally:
        cluster.close()


def small_sweep() -> Sweep:
    return Sweep([f"{RUSSIA}=1.0:12"], design="lhs", points=4, runs=4, seed=3)


@pytest.mark.slow
def test_a_sweep_on_the_cluster_equals_a_local_one(scheduler: str) -> None:
    local = small_sweep().run(ExecutorSpec(workers=1))
    remote = small_sweep().run(ExecutorSpec(scheduler=scheduler))
    assert remote.csv_text() == local.csv_text()
    assert remote.backend == f"dask scheduler {scheduler}"


def test_negsim_run_on_the_cluster_equals_a_local_run(
    scheduler: str, capsys: pytest.CaptureFixture[str]
) -> None:
    outputs = []
    for where in (["--workers", "1"], ["--scheduler", scheduler]):
        assert main(["run", "--runs", "30", "--seed", "4", "--format", "json", *where]) == 0
        result = json.loads(capsys.readouterr().out)
        for key in ("backend", "wall_time_s"):
            result.pop(key)
        outputs.append(result)
    assert outputs[0] == outputs[1]


@pytest.fixture(scope="module")
def local_csv(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    out = tmp_path_factory.mktemp("local")
    assert main(["sweep", *SWEEP, "--workers", "1", "--quiet", "--out", str(out)]) == 0
    return (out / "sweep.csv").read_bytes()


def test_sweep_cli_on_the_cluster_equals_a_local_one(
    scheduler: str, local_csv: bytes, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["sweep", *SWEEP, "--scheduler", scheduler, "--out", str(tmp_path)]) == 0
    capsys.readouterr()
    assert (tmp_path / "sweep.csv").read_bytes() == local_csv


@pytest.mark.slow
def test_dask_local_starts_and_closes_its_own_cluster(
    local_csv: bytes, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["sweep", *SWEEP, "--dask-local", "2", "--out", str(tmp_path)]) == 0
    assert capsys.readouterr().err == ""
    assert (tmp_path / "sweep.csv").read_bytes() == local_csv
    meta = json.loads((tmp_path / "sweep.json").read_text(encoding="utf-8"))
    assert meta["backend"] == "dask LocalCluster of 2 workers"


def test_a_worker_that_dies_mid_sweep_is_replaced_and_the_sweep_completes(
    scheduler: str, tmp_path: Path
) -> None:
    expected = small_sweep().run(ExecutorSpec(workers=1))
    marker = tmp_path / "died"
    result = small_sweep().run(ExecutorSpec(scheduler=scheduler), task=DieOnce(marker))
    assert marker.exists()
    assert result.csv_text() == expected.csv_text()


def test_an_unreachable_scheduler_is_exit_1_in_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(executors, "CONNECT_TIMEOUT", 0.5)
    status = main(["sweep", *SWEEP, "--scheduler", "tcp://127.0.0.1:1", "--out", str(tmp_path)])
    err = capsys.readouterr().err
    assert status == 1
    assert err.count("\n") == 1
    assert err.startswith("negsim: cannot reach the Dask scheduler at tcp://127.0.0.1:1")
    # Nothing was run: the same command may be given again without --resume.
    assert main(["sweep", *SWEEP, "--workers", "1", "--out", str(tmp_path)]) == 0


def test_without_dask_the_flags_say_what_to_install() -> None:
    # Dask made unimportable in a fresh interpreter; both commands are tried there.
    sweep = ["sweep", "--dask-local", "2", "--runs", "2", "--param", f"{RUSSIA}=1:2"]
    run = ["run", "--scheduler", "tcp://127.0.0.1:8786", "--runs", "2"]
    code = (
        "import sys; sys.modules['distributed'] = None; sys.modules['dask'] = None\n"
        "from sim.cli import main\n"
        f"codes = [main({sweep!r}), main({run!r})]\n"
        "print(codes)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.stdout.strip() == "[2, 2]"
    lines = done.stderr.splitlines()
    assert len(lines) == 2
    for line in lines:
        assert line.startswith("negsim: Dask is not installed")
        assert "pip install 'negsim[dask]'" in line


@pytest.mark.slow
def test_ctrl_c_with_dask_local_is_one_line_and_quick(tmp_path: Path) -> None:
    """A terminal's Ctrl-C reaches the cluster's workers too: they ignore it, this process
    kills them and closes the cluster, and stderr has one line, no traceback."""
    out = tmp_path / "out"
    p = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sim",
            "run",
            "--runs",
            "40",
            "--dask-local",
            "2",
            "--out",
            str(out),
            *SLOW_RUNS,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        # --out is taken (its lock file made beside it) just before the runs start
        while not (out.parent / f".{out.name}.negsim-lock").exists():
            assert p.poll() is None, p.communicate()
            assert time.monotonic() < deadline, "the run never started"
            time.sleep(0.05)
        time.sleep(6.0)  # the cluster starts, then its workers are in runs of seconds
        assert p.poll() is None, "40 slow runs should take far longer"
        os.killpg(p.pid, signal.SIGINT)
        sent = time.monotonic()
        stdout, stderr = p.communicate(timeout=60)
        elapsed = time.monotonic() - sent
    finally:
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()
    assert p.returncode == 130, stderr
    assert elapsed < 5.0, f"took {elapsed:.2f} s to stop"
    assert stdout == ""
    assert stderr.startswith("negsim: interrupted: ")
    assert stderr.count("\n") == 1, stderr
