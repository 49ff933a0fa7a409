"""Tests of the one experiment scheduler: order, progress, retries, Ctrl-C, the errors."""

from __future__ import annotations

import time
from concurrent.futures import BrokenExecutor, CancelledError, ThreadPoolExecutor
from pathlib import Path

import pytest
from faults import DieOnce

import sim.experiments.montecarlo as mc
import sim.experiments.sweep as sweep
from sim.errors import Interrupted, NegsimError, WorkFailed
from sim.experiments.executors import Backend, ExecutorSpec, open_executor
from sim.experiments.scheduler import Scheduler, Tally, Task, WorkersLost, worker_lost
from sim.experiments.tasks import simulate_ends
from sim.scenario import load_scenario


def echo(value: int, delay: float) -> int:
    time.sleep(delay)
    return value


def fail(message: str) -> None:
    raise ValueError(message)


def test_results_come_back_in_task_order_and_progress_counts_sizes() -> None:
    # Later tasks finish first: results are still handed over in task order.
    delays = [0.2, 0.15, 0.1, 0.05, 0.0, 0.0]
    seen: list[int] = []
    progress: list[tuple[int, int]] = []
    tally = Tally(60, "runs", lambda done, total: progress.append((done, total)))
    with ThreadPoolExecutor(3) as pool, Scheduler(Backend(pool, 3)) as scheduler:
        tasks = (Task(echo, (i, d), 10, f"task {i}") for i, d in enumerate(delays))
        scheduler.run(tasks, seen.append, tally)
    assert seen == list(range(6))
    assert [done for done, _ in progress] == [10, 20, 30, 40, 50, 60]
    assert all(total == 60 for _, total in progress)


def test_ctrl_c_is_the_one_interrupted_with_what_finished() -> None:
    def stop_at_third(value: int) -> None:
        if value == 2:
            raise KeyboardInterrupt

    tally = Tally(50, "runs")
    with (
        pytest.raises(Interrupted) as info,
        Scheduler(ExecutorSpec(workers=1)) as scheduler,
    ):
        scheduler.run((Task(echo, (i, 0.0), 10, f"t{i}") for i in range(5)), stop_at_third, tally)
    error = info.value
    assert isinstance(error, NegsimError)
    assert error.exit_status == 130
    assert (error.completed, error.total, error.unit) == (30, 50, "runs")
    assert str(error) == "interrupted after 30 of 50 runs"
    # One interrupted exception: the Monte Carlo name is the same class, the sweeps' is gone.
    assert mc.Interrupted is Interrupted
    assert not hasattr(sweep, "ExperimentInterrupted")
    assert not hasattr(sweep, "ExperimentStopped")


def test_a_task_that_raises_is_a_fault_not_a_lost_worker() -> None:
    with (
        pytest.raises(ValueError, match="broken model"),
        Scheduler(ExecutorSpec(workers=1)) as scheduler,
    ):
        scheduler.run([Task(fail, ("broken model",), 1, "t")], print, Tally(1))


def test_what_counts_as_a_lost_worker() -> None:
    assert worker_lost(BrokenExecutor("gone"))
    assert worker_lost(CancelledError())
    assert not worker_lost(ValueError("a bug"))
    assert not worker_lost(KeyboardInterrupt())


def test_a_given_executor_that_breaks_stops_the_work(tmp_path: Path) -> None:
    """A pool the caller opened is not ours to replace: its first broken worker stops the work."""
    scenario = load_scenario()
    task = DieOnce(tmp_path / "died")
    tasks = [Task(task, (scenario, 0, k, k + 1), 1, f"run {k}") for k in range(4)]
    with open_executor(ExecutorSpec(workers=2)) as opened:
        given = Backend(opened.executor, opened.parallelism)
        with (
            pytest.raises(WorkersLost, match="the given executor broke") as info,
            Scheduler(given) as scheduler,
        ):
            scheduler.run(tasks, lambda _: None, Tally(4))
    assert isinstance(info.value, WorkFailed)
    assert info.value.total == 4


def test_the_scheduler_refuses_work_outside_its_with_block() -> None:
    scheduler = Scheduler(ExecutorSpec(workers=1))
    with pytest.raises(RuntimeError, match="not open"):
        scheduler.run([Task(echo, (1, 0.0), 1, "t")], print, Tally(1))


def test_workers_are_ready_without_importing_scipy() -> None:
    """The task module stays lean, which keeps a worker's start short (see the scheduler)."""
    import subprocess
    import sys

    code = (
        "import sys, sim.experiments.tasks, sim.experiments.executors\n"
        "print(any(m == 'scipy' or m.startswith('scipy.') for m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.stdout.strip() == "False", done.stderr
    assert simulate_ends.__module__ == "sim.experiments.tasks"
