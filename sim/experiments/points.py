"""Running the points of an experiment: what sweeps and sensitivity analyses share.

An experiment (a :class:`~sim.experiments.sweep.Sweep` or a
:class:`~sim.experiments.sensitivity.Sensitivity`) is a list of points, each a set of values of
scenario parameters by dotted key. This module builds and validates each point's scenario and
runs every point ``runs`` times, recording how many runs convened by each deadline.

Validation
----------
Every point's scenario is built with :func:`~sim.scenario.load_scenario` and the point's
values as overrides, and passes the full validation, for *all* points before any is run; a
failure raises :class:`PointError` naming the point, the key and the problem.

Common random numbers
---------------------
Every point runs replications ``0 .. runs - 1`` of the same master seed (replication ``i``
uses the ``i``-th child of ``SeedSequence(seed)``, as in
:func:`~sim.experiments.montecarlo.run_monte_carlo`), so a point's results equal
``run_monte_carlo(point_scenario, runs, seed)`` and differences between points are not drowned
in run-to-run noise. Two points with equal values give equal results.

Work distribution
-----------------
Each point's runs are split into chunks (at most
:data:`~sim.experiments.montecarlo.MAX_CHUNK` runs each, smaller when there are fewer points
than workers); one task per (point, chunk) goes to the back end's executor, at most a few per
worker at a time. The task function (:func:`simulate_convened` by default) is top-level and
depends only on its arguments: the point's scenario, the seed and the run range. Results are
therefore identical on one process, on local processes and on a Dask cluster.

Faults and resuming
-------------------
A point is reported done, and appended to the :class:`~sim.experiments.store.PointStore` (if
one is given), when all its chunks are back. A task that fails because its worker died -- a
:class:`concurrent.futures.process.BrokenProcessPool` (which fails every task in flight of that
pool; a new pool is then opened when the back end was given as an
:class:`~sim.experiments.executors.ExecutorSpec`), Dask's ``KilledWorker`` or a lost
connection -- is retried once. If it fails again, the experiment stops with
:class:`ExperimentStopped`; the store holds every finished point, and the same experiment
run again with the store reopened (``--resume``) finishes the rest. Ctrl-C stops with
:class:`ExperimentInterrupted`, likewise resumable. Any other exception from a task is a fault
and propagates.
"""

from __future__ import annotations

import contextlib
import itertools
import math
import os
import platform
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ALL_COMPLETED, BrokenExecutor, Future
from concurrent.futures import CancelledError as FutureCancelledError
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from sim._version import __version__
from sim.errors import InputError, WorkFailed
from sim.experiments.designs import Choice, DesignError, Param, Range, Scalar, parse_param
from sim.experiments.executors import (
    Backend,
    ExecutorSpec,
    PoolBroken,
    open_executor,
    wait_alive,
)
from sim.experiments.montecarlo import MAX_CHUNK, simulate_runs
from sim.experiments.store import PointRecord, PointStore, StoreError, read_log
from sim.scenario import Deadline, Scenario, ScenarioError, load_scenario

__all__ = [
    "ExperimentInterrupted",
    "ExperimentStopped",
    "PointError",
    "ProgressCallback",
    "TaskFunction",
    "check_count",
    "format_value",
    "normalise_params",
    "point_scenario",
    "provenance",
    "run_points",
    "simulate_convened",
]

FloatArray = npt.NDArray[np.float64]
ProgressCallback = Callable[[int, int], None]
"""Called with (runs done, runs in all) as chunks finish, resumed points included."""

TaskFunction = Callable[[Scenario, int, int, int], npt.NDArray[np.float64]]
"""``task(scenario, seed, start, stop)`` -> convening days of runs ``start .. stop - 1``."""

TASKS_PER_WORKER = 3
"""Tasks kept in flight per unit of parallelism (so that workers never wait for work)."""

RETRIES = 1
"""How many times a task whose worker died is sent again before the experiment stops."""



def simulate_convened(scenario: Scenario, seed: int, start: int, stop: int) -> FloatArray:
    """Return the convening days of runs ``start .. stop - 1`` of ``seed``.

    The task sent to workers: top-level, so it pickles by reference, and a function of its
    arguments only.

    Parameters
    ----------
    scenario : Scenario
        The point's validated scenario.
    seed : int
        The master seed.
    start, stop : int
        The range of run indices.

    Returns
    -------
    ndarray of float64, shape (stop - start,)
        Day of convening of each run (days since the scenario start), ``nan`` if not convened
        by the horizon.
    """
    return simulate_runs(scenario, seed, start, stop).convened_day


class PointError(InputError):
    """A point of an experiment whose scenario fails validation.

    The message is one line naming the point (its index, counting from 0, as in
    ``sweep.csv``), the key and what is wrong.
    """


class ExperimentStopped(WorkFailed):
    """The experiment stopped: a task failed again after its retry (its worker died twice).

    Attributes
    ----------
    completed : int
        Points finished (and saved, when a store was given), resumed ones included.
    total : int
        Points in the experiment.
    reason : str
        What failed.
    """

    def __init__(self, completed: int, total: int, reason: str) -> None:
        super().__init__(f"stopped after {completed} of {total} points: {reason}")
        self.completed = completed
        self.total = total
        self.reason = reason


class ExperimentInterrupted(Exception):
    """The experiment was interrupted (Ctrl-C).

    Attributes
    ----------
    completed : int
        Points finished (and saved, when a store was given), resumed ones included.
    total : int
        Points in the experiment.
    """

    def __init__(self, completed: int, total: int) -> None:
        super().__init__(f"interrupted after {completed} of {total} points")
        self.completed = completed
        self.total = total


# -- building and validating the points' scenarios --------------------------------------


def format_value(value: Scalar) -> str:
    """Write a parameter value as a message or a CSV cell shows it (``true``, ``0.45``)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def _describe_point(values: Mapping[str, Scalar]) -> str:
    return ", ".join(f"{key}={format_value(value)}" for key, value in values.items())


def point_scenario(
    scenario: str | os.PathLike[str] | None,
    values: Mapping[str, Scalar],
    point: int,
    total: int,
) -> Scenario:
    """Load the scenario with the point's values as overrides.

    Raises
    ------
    PointError
        If the overridden scenario fails validation.
    """
    try:
        return load_scenario(scenario, dict(values))
    except ScenarioError as exc:
        problem = exc.problems[0]
        if problem.source == "--set":
            where = f"--param {problem.key}"
        else:
            where = f"{problem.source}: {problem.key}" if problem.key else problem.source
        more = len(exc.problems) - 1
        extra = f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
        raise PointError(
            f"{where}: {problem.message}{extra} "
            f"(at point {point} of {total}: {_describe_point(values)})"
        ) from None


def normalise_params(params: Sequence[Param | str]) -> tuple[Param, ...]:
    """Return the parameters as a tuple of :class:`Range` and :class:`Choice` objects."""
    items: object = params
    if isinstance(items, str | Range | Choice):
        params = [params]  # type: ignore[list-item]
    return tuple(parse_param(p) if isinstance(p, str) else p for p in params)


def check_count(name: str, value: int, low: int = 1) -> None:
    """Refuse a count that is not an integer of at least ``low``, with a :class:`DesignError`."""
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise DesignError(f"{name} must be an integer of at least {low}, got {value!r}")


# -- running the points --------------------------------------------------------------


def _worker_lost(exc: BaseException) -> bool:
    """Tell whether a task failed because its worker (or the connection to it) was lost."""
    if isinstance(exc, BrokenExecutor | FutureCancelledError):
        return True
    for cls in type(exc).__mro__:
        if cls.__module__.split(".")[0] == "distributed" and cls.__name__ in {
            "KilledWorker",
            "CommClosedError",
            "CommError",
            "FutureCancelledError",
        }:
            return True
    return False


def _chunks(runs: int, points: int, parallelism: int) -> list[tuple[int, int]]:
    """Split runs ``0 .. runs - 1`` of a point so that every worker gets work."""
    wanted = max(math.ceil(runs / MAX_CHUNK), math.ceil(2 * parallelism / max(points, 1)))
    count = min(runs, wanted)
    bounds = [round(k * runs / count) for k in range(count + 1)]
    return [(a, b) for a, b in itertools.pairwise(bounds) if b > a]


@dataclass(slots=True)
class _Task:
    point: int
    start: int
    stop: int
    attempts: int = 0


@dataclass(slots=True)
class _Pending:
    """A point whose chunks are out."""

    scenario: Scenario
    chunks: int
    parts: dict[int, FloatArray] = field(default_factory=dict)


def _counts(days: FloatArray, scenario: Scenario, deadline_ids: Sequence[str]) -> dict[str, int]:
    """Runs convened by each deadline (looked up by id in the point's own scenario)."""
    by_id: dict[str, Deadline] = {d.id: d for d in scenario.deadlines}
    return {i: int(np.count_nonzero(days <= by_id[i].day)) for i in deadline_ids}


def _check_records(
    records: Mapping[int, PointRecord],
    points: Sequence[Mapping[str, Scalar]],
    runs: int,
    deadline_ids: Sequence[str],
    where: str,
) -> None:
    for index, record in records.items():
        if (
            record.values != dict(points[index])
            or record.runs != runs
            or sorted(record.convened) != sorted(deadline_ids)
        ):
            raise StoreError(
                f"{where}: the record of point {index} does not match the experiment; "
                "the file is damaged: delete it to start over"
            )


def _saved(done: Mapping[int, PointRecord], store: PointStore | None) -> int:
    """Count the finished points: those in the log when there is one.

    An interruption can fall between a durable append and the bookkeeping after it, so the
    log, not memory, says what is saved.
    """
    if store is None:
        return len(done)
    try:
        return len(read_log(store.path).records)
    except StoreError:
        return len(done)


def run_points(
    scenario: str | os.PathLike[str] | None,
    points: Sequence[Mapping[str, Scalar]],
    deadline_ids: Sequence[str],
    runs: int,
    seed: int,
    executor: ExecutorSpec | Backend | None,
    store: PointStore | None,
    on_progress: ProgressCallback | None,
    task: TaskFunction,
) -> tuple[dict[int, PointRecord], str, int]:
    """Run every point not yet in ``store``.

    Returns all the records by point, the back end's label and how many points came from the
    store.
    """
    total = len(points)
    done: dict[int, PointRecord] = {}
    if store is not None:
        done.update(store.records)
        _check_records(done, points, runs, deadline_ids, str(store.path))
    resumed = len(done)
    todo = [i for i in range(total) if i not in done]
    runs_done = len(done) * runs
    if on_progress is not None:
        on_progress(runs_done, total * runs)
    if not todo:
        return done, "nothing to run (all points were in the store)", resumed

    with contextlib.ExitStack() as stack:
        spec: ExecutorSpec | None
        if isinstance(executor, Backend):
            spec, backend, label = None, executor, "given executor"
        else:
            spec = executor if executor is not None else ExecutorSpec()
            backend, label = stack.enter_context(open_executor(spec)), spec.label

        chunks = _chunks(runs, len(todo), backend.parallelism)
        queue: deque[_Task] = deque(_Task(i, a, b) for i in todo for a, b in chunks)
        pending: dict[int, _Pending] = {}
        flying: dict[Future[FloatArray], _Task] = {}
        window = 1 if backend.parallelism == 1 else TASKS_PER_WORKER * backend.parallelism

        def submit(item: _Task) -> None:
            state = pending.get(item.point)
            if state is None:
                built = point_scenario(scenario, points[item.point], item.point, total)
                state = pending[item.point] = _Pending(built, len(chunks))
            future = backend.executor.submit(task, state.scenario, seed, item.start, item.stop)
            flying[future] = item

        def finish(item: _Task, days: FloatArray) -> None:
            nonlocal runs_done
            state = pending[item.point]
            state.parts[item.start] = np.asarray(days, dtype=np.float64)
            runs_done += item.stop - item.start
            if len(state.parts) == state.chunks:
                joined = np.concatenate([state.parts[k] for k in sorted(state.parts)])
                record = PointRecord(
                    item.point,
                    dict(points[item.point]),
                    runs,
                    _counts(joined, state.scenario, deadline_ids),
                )
                if store is not None:
                    store.append(record)
                done[item.point] = record
                del pending[item.point]
            if on_progress is not None:
                on_progress(runs_done, total * runs)

        def collect(future: Future[FloatArray], lost: bool = False) -> bool:
            """Take in a finished (or ``lost``) task; requeue it if its worker was lost.

            Returns True if the pool is broken.
            """
            item = flying.pop(future)
            if lost:
                failure: BaseException | None = BrokenExecutor("its worker's pool broke")
            elif future.cancelled():
                failure = FutureCancelledError()
            else:
                failure = future.exception()
            if failure is None:
                finish(item, future.result())
                return False
            if not _worker_lost(failure):
                raise failure
            if item.attempts >= RETRIES:
                reason = f"{type(failure).__name__}: {failure}".replace("\n", " ")
                raise ExperimentStopped(
                    _saved(done, store),
                    total,
                    f"a worker was lost twice running point {item.point} ({reason})",
                )
            item.attempts += 1
            queue.appendleft(item)
            return isinstance(failure, BrokenExecutor)

        try:
            while queue or flying:
                broken = False
                while queue and len(flying) < window and not broken:
                    item = queue.popleft()
                    try:
                        submit(item)
                    except BrokenExecutor:
                        # The pool broke while we were filling it: the task never ran.
                        queue.appendleft(item)
                        broken = True
                if not broken:
                    try:
                        finished, _ = wait_alive(backend.executor, list(flying))
                    except PoolBroken:
                        finished, broken = set(), True
                    for future in sorted(
                        finished, key=lambda f: (flying[f].point, flying[f].start)
                    ):
                        broken = collect(future) or broken
                if broken:
                    # Every task of a broken pool fails: collect them all, then open a new pool.
                    while flying:
                        try:
                            finished, _ = wait_alive(backend.executor, list(flying), ALL_COMPLETED)
                        except PoolBroken:
                            # Tasks still pending now never will finish: they went with the pool.
                            finished = {f for f in flying if f.done()}
                            for future in [f for f in flying if not f.done()]:
                                collect(future, lost=True)
                        for future in sorted(
                            finished, key=lambda f: (flying[f].point, flying[f].start)
                        ):
                            collect(future)
                    if spec is None:
                        raise ExperimentStopped(
                            _saved(done, store), total, "the given executor broke (a worker died)"
                        )
                    backend = stack.enter_context(open_executor(spec))
        except KeyboardInterrupt:
            for future in flying:
                future.cancel()
            raise ExperimentInterrupted(_saved(done, store), total) from None
        except BaseException:
            for future in flying:
                future.cancel()
            raise
    return done, label, resumed


def provenance(base: Scenario) -> dict[str, Any]:
    """Return what made a result: versions and the base scenario, for its JSON file."""
    import scipy

    return {
        "negsim_version": __version__,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "scenario": base.name,
        "scenario_title": base.title,
        "scenario_file": base.source,
        "scenario_sha256": base.sha256,
    }

