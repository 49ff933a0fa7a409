"""How the local process pools behave when things go wrong: the figures behind the scheduler.

Run from the repository root:

    python benchmarks/bench_pool.py              # both pools, then negsim itself (~2 minutes)
    python benchmarks/bench_pool.py --only pools # the standard library's pool against loky's

It prints, for the standard library's ProcessPoolExecutor (``std``) and loky's:

1. start: a pool of 2 workers up and through its first two one-run tasks of the baseline;
2. kill: how long after a ``kill -9`` of a busy worker every task of the pool has failed
   (``hang`` if some task is still pending after 30 s);
3. race: a worker killed, then tasks submitted at once, 30 times: how many times a task was
   left pending for ever (10 s);
4. 1000 runs: ``run_monte_carlo`` of the baseline on that pool;

then, for ``negsim run`` as installed here (with ``--dask``, also ``--dask-local 2``):

5. Ctrl-C: seconds from SIGINT (to the process group, as a terminal sends it) to the exit of
   a ``negsim run`` whose 2 workers are busy in runs of seconds, the exit status, and the
   lines on stderr.

Timings vary with the machine and its load; run it on an idle machine, and compare pools
within one run. See :mod:`sim.experiments.scheduler` for what the figures decided.
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ALL_COMPLETED, Executor, wait
from concurrent.futures import ProcessPoolExecutor as StdPool
from pathlib import Path

from sim.experiments.executors import Backend, _die_with_parent, _init_worker
from sim.experiments.montecarlo import run_monte_carlo
from sim.experiments.tasks import simulate_runs
from sim.scenario import load_scenario

SLOW = ["--set", "horizon=2030-12-31", "--set", "actors.russia.tempo_days=0.01"]
"""Overrides that make one run of the baseline take seconds."""


def spin(seconds: float) -> int:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        pass
    return os.getpid()


def make_pool(kind: str) -> Executor:
    if kind == "std":
        return StdPool(max_workers=2, initializer=_die_with_parent)
    import loky

    return loky.ProcessPoolExecutor(max_workers=2, initializer=_init_worker)


def close(pool: Executor, kind: str) -> None:
    if kind == "std":
        pool.shutdown(wait=False, cancel_futures=True)
    else:
        pool.shutdown(wait=False, kill_workers=True)  # type: ignore[call-arg]


def worker_pids(pool: Executor) -> list[int]:
    return list(pool._processes)  # type: ignore[attr-defined]


def start(kind: str, reps: int = 3) -> float:
    scenario = load_scenario()
    times = []
    for _ in range(reps):
        began = time.monotonic()
        pool = make_pool(kind)
        wait([pool.submit(simulate_runs, scenario, 0, k, k + 1) for k in range(2)])
        times.append(time.monotonic() - began)
        pool.shutdown(wait=True)
    return statistics.median(times)


def kill(kind: str, busy: float = 20.0) -> str:
    pool = make_pool(kind)
    futures = [pool.submit(spin, busy) for _ in range(4)]
    time.sleep(1.5)
    began = time.monotonic()
    os.kill(worker_pids(pool)[0], signal.SIGKILL)
    _, pending = wait(futures, timeout=30, return_when=ALL_COMPLETED)
    elapsed = time.monotonic() - began
    close(pool, kind)
    return "hang" if pending else f"{elapsed:.3f} s"


def race(kind: str, trials: int = 30) -> int:
    hangs = 0
    for _ in range(trials):
        pool = make_pool(kind)
        wait([pool.submit(os.getpid) for _ in range(2)])
        futures = [pool.submit(spin, 0.2) for _ in range(4)]
        os.kill(worker_pids(pool)[0], signal.SIGKILL)
        for _ in range(200):
            try:
                futures.append(pool.submit(spin, 0.01))
            except Exception:
                break
        _, pending = wait(futures, timeout=10)
        hangs += bool(pending)
        close(pool, kind)
    return hangs


def thousand_runs(kind: str) -> float:
    scenario = load_scenario()
    pool = make_pool(kind)
    began = time.monotonic()
    run_monte_carlo(scenario, 1000, 0, executor=Backend(pool, 2))
    elapsed = time.monotonic() - began
    pool.shutdown(wait=True)
    return elapsed


def ctrl_c(where: list[str], settle: float) -> tuple[float, int | None, list[str]]:
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "out"
        p = subprocess.Popen(
            [sys.executable, "-m", "sim", "run", "--runs", "200", "--out", str(out), *SLOW, *where],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        while not out.is_dir() and p.poll() is None:
            time.sleep(0.05)
        time.sleep(settle)
        os.killpg(p.pid, signal.SIGINT)
        began = time.monotonic()
        try:
            _, err = p.communicate(timeout=120)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            _, err = p.communicate()
        return time.monotonic() - began, p.returncode, err.splitlines()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", choices=("pools", "negsim"), help="run only this part")
    parser.add_argument("--dask", action="store_true", help="also Ctrl-C of --dask-local 2")
    args = parser.parse_args()
    print(f"python {sys.version.split()[0]}")
    if args.only in (None, "pools"):
        for kind in ("std", "loky"):
            print(
                f"{kind}: start {start(kind):.2f} s; kill {kill(kind)}; "
                f"race {race(kind)} of 30 left pending; 1000 runs {thousand_runs(kind):.2f} s"
            )
    if args.only in (None, "negsim"):
        targets = [("--workers 2", ["--workers", "2"], 2.5)]
        if args.dask:
            targets.append(("--dask-local 2", ["--dask-local", "2"], 8.0))
        for label, where, settle in targets:
            elapsed, status, lines = ctrl_c(where, settle)
            print(
                f"negsim run {label}, Ctrl-C with busy workers: exit {status} after "
                f"{elapsed:.2f} s, {len(lines)} line(s) on stderr: {lines[:1]}"
            )


if __name__ == "__main__":
    main()
