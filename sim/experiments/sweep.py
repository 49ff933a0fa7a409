"""Parameter sweeps and Sobol' sensitivity analyses of a scenario, as small experiment objects.

A :class:`Sweep` says what to vary (parameters written ``KEY=LOW:HIGH`` or ``KEY=A,B,C``, with
dotted scenario keys as for ``--set``), how to sample it (a grid, a Latin hypercube or a Sobol'
sequence, see :mod:`sim.experiments.designs`) and how many runs to make at every point. A
:class:`Sensitivity` says which ranges to analyse, with how many samples and runs.
``.run()`` returns a :class:`SweepResult` or :class:`SensitivityResult` with tidy results.

From a notebook::

    from sim.experiments.sweep import Sweep
    sweep = Sweep(["actors.russia.tempo_days=2:10", "convening.announce_threshold=0.45:0.65"],
                  design="lhs", points=16, runs=200, seed=1)
    result = sweep.run()                       # all local cores; or run(ExecutorSpec(...))
    df = result.to_pandas()                    # or result.records(), result.to_numpy()

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
import csv
import io
import itertools
import math
import os
import platform
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ALL_COMPLETED, BrokenExecutor, Future
from concurrent.futures import CancelledError as FutureCancelledError
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from sim._version import __version__
from sim.errors import InputError, WorkFailed
from sim.experiments.designs import (
    Choice,
    Design,
    DesignError,
    DesignKind,
    Param,
    Range,
    Scalar,
    make_design,
    parse_param,
)
from sim.experiments.executors import (
    Backend,
    ExecutorSpec,
    PoolBroken,
    open_executor,
    wait_alive,
)
from sim.experiments.montecarlo import MAX_CHUNK, simulate_runs
from sim.experiments.sensitivity import SobolIndices, saltelli_points, sobol
from sim.experiments.stats import Proportion, wilson
from sim.experiments.store import PointRecord, PointStore, StoreError, read_log
from sim.files import atomic_write_json, atomic_write_text
from sim.scenario import Deadline, Scenario, ScenarioError, load_scenario

__all__ = [
    "ExperimentInterrupted",
    "ExperimentStopped",
    "PointError",
    "ProgressCallback",
    "Sensitivity",
    "SensitivityResult",
    "Sweep",
    "SweepResult",
    "TaskFunction",
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

NOISE_NOTE_SHARE = 0.1
"""Share of an output's variance that Monte Carlo noise may reach before a note is given."""


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


def _format_value(value: Scalar) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def _describe_point(values: Mapping[str, Scalar]) -> str:
    return ", ".join(f"{key}={_format_value(value)}" for key, value in values.items())


def _point_scenario(
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


def _normalise_params(params: Sequence[Param | str]) -> tuple[Param, ...]:
    items: object = params
    if isinstance(items, str | Range | Choice):
        params = [params]  # type: ignore[list-item]
    return tuple(parse_param(p) if isinstance(p, str) else p for p in params)


def _check_count(name: str, value: int, low: int = 1) -> None:
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


def _run_points(
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
                built = _point_scenario(scenario, points[item.point], item.point, total)
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


# -- sweeps ----------------------------------------------------------------------------


@dataclass(frozen=True, init=False)
class Sweep:
    """A parameter sweep: what to vary, how to sample it, how many runs at each point.

    Parameters
    ----------
    params : sequence of Param or str
        The parameters, as :class:`~sim.experiments.designs.Range` /
        :class:`~sim.experiments.designs.Choice` objects or as the text ``KEY=LOW:HIGH`` or
        ``KEY=A,B,C`` (parsed with :func:`~sim.experiments.designs.parse_param`); stored as a
        tuple of parameters.
    scenario : str or path-like, optional
        A scenario file or the name of a packaged scenario; ``None`` for the packaged
        baseline.
    design : {"grid", "lhs", "sobol"}, default "grid"
        How to sample the parameters (see :func:`~sim.experiments.designs.make_design`).
    points : int, default 5
        Values per range for a grid; number of points for ``lhs`` and ``sobol`` (a power of
        two for ``sobol``).
    runs : int, default 200
        Replications at every point (the same seeds at every point).
    seed : int, default 0
        Seed of the design and master seed of the replications.

    Raises
    ------
    DesignError
        If a parameter text is invalid or ``runs`` is below 1 (the design itself is checked
        by :meth:`design`).
    """

    params: tuple[Param, ...]
    scenario: str | os.PathLike[str] | None = None
    design_kind: DesignKind = "grid"
    points: int = 5
    runs: int = 200
    seed: int = 0

    def __init__(
        self,
        params: Sequence[Param | str] | Param | str,
        scenario: str | os.PathLike[str] | None = None,
        design: str = "grid",
        points: int = 5,
        runs: int = 200,
        seed: int = 0,
    ) -> None:
        object.__setattr__(self, "params", _normalise_params(params))  # type: ignore[arg-type]
        object.__setattr__(self, "scenario", scenario)
        object.__setattr__(self, "design_kind", design)
        object.__setattr__(self, "points", points)
        object.__setattr__(self, "runs", runs)
        object.__setattr__(self, "seed", seed)
        _check_count("runs", runs)
        _check_count("the seed", seed, 0)

    def design(self) -> Design:
        """Return the design (the same every time).

        Raises
        ------
        DesignError
            If the design kind is unknown, there are too few points, a Sobol' design is not a
            power of two, etc. (see :func:`~sim.experiments.designs.make_design`).
        """
        return make_design(self.params, self.design_kind, self.points, self.seed)

    def base_scenario(self) -> Scenario:
        """Return the scenario without the sweep's values (for deadlines and provenance)."""
        return load_scenario(self.scenario)

    def point_scenario(self, point: int, design: Design | None = None) -> Scenario:
        """Return the validated scenario of point ``point`` (counting from 0).

        Raises
        ------
        PointError
            If it fails validation.
        """
        design = design if design is not None else self.design()
        return _point_scenario(self.scenario, design.points[point], point, len(design.points))

    def validate(self) -> tuple[Design, Scenario]:
        """Build the design and validate every point's scenario.

        Returns
        -------
        tuple of Design and Scenario
            The design and the base scenario.

        Raises
        ------
        DesignError
            For an impossible design.
        ScenarioError
            If the base scenario is invalid.
        PointError
            For the first point whose scenario fails validation.
        """
        design = self.design()
        base = self.base_scenario()
        for index, values in enumerate(design.points):
            _point_scenario(self.scenario, values, index, len(design.points))
        return design, base

    def identity(
        self, design: Design | None = None, base: Scenario | None = None
    ) -> dict[str, Any]:
        """Return what identifies the sweep for ``--resume`` (see :mod:`sim.experiments.store`)."""
        design = design if design is not None else self.design()
        base = base if base is not None else self.base_scenario()
        return {
            "kind": "sweep",
            "version": __version__,
            "scenario_sha256": base.sha256,
            "design": design.to_json(),
            "runs": self.runs,
            "seed": self.seed,
        }

    def open_store(self, folder: str | os.PathLike[str], *, resume: bool = False) -> PointStore:
        """Create (or with ``resume``, reopen) the sweep's results log in ``folder``.

        Raises
        ------
        StoreError
            If a log is there and ``resume`` is false, or the log is another experiment's.
        """
        design = self.design()
        return PointStore.open(folder, self.identity(design), len(design.points), resume=resume)

    def run(
        self,
        executor: ExecutorSpec | Backend | None = None,
        *,
        store: PointStore | None = None,
        on_progress: ProgressCallback | None = None,
        task: TaskFunction = simulate_convened,
    ) -> SweepResult:
        """Validate every point, then run the points not yet in ``store``.

        Parameters
        ----------
        executor : ExecutorSpec or Backend, optional
            Where to run (default: all local cores). A broken local pool is replaced only
            when a spec is given.
        store : PointStore, optional
            The results log (see :meth:`open_store`): points already in it are not run again,
            and each finished point is appended to it durably.
        on_progress : callable, optional
            Called with (runs done, runs in all).
        task : callable, default :func:`simulate_convened`
            The function sent to workers, for instrumentation and tests; it must pickle by
            reference and return what :func:`simulate_convened` returns.

        Returns
        -------
        SweepResult
            All points' results, in point order.

        Raises
        ------
        DesignError, ScenarioError, PointError
            For bad input, before anything runs.
        StoreError
            If ``store`` belongs to another experiment.
        ExperimentStopped
            If a task's worker died again after its retry.
        ExperimentInterrupted
            On Ctrl-C.
        """
        began = time.perf_counter()
        design, base = self.validate()
        if store is not None and store.identity != self.identity(design, base):
            raise StoreError(f"{store.path}: the results log belongs to another experiment")
        ids = [d.id for d in base.deadlines]
        records, label, resumed = _run_points(
            self.scenario,
            design.points,
            ids,
            self.runs,
            self.seed,
            executor,
            store,
            on_progress,
            task,
        )
        convened = np.array(
            [[records[i].convened[d] for d in ids] for i in range(len(design.points))],
            dtype=np.int64,
        ).reshape(len(design.points), len(ids))
        convened.setflags(write=False)
        return SweepResult(
            sweep=self,
            design=design,
            scenario=base,
            convened=convened,
            backend=label,
            wall_time=time.perf_counter() - began,
            resumed=resumed,
        )


def _numpy_dtype(values: Sequence[Scalar]) -> npt.DTypeLike:
    if all(isinstance(v, bool) for v in values):
        return np.bool_
    if all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return np.int64
    if all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
        return np.float64
    return f"U{max(len(str(v)) for v in values)}"


def _provenance(base: Scenario) -> dict[str, Any]:
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


@dataclass(frozen=True)
class SweepResult:
    """The results of a sweep: per point and deadline, how many runs convened by the deadline.

    Parameters
    ----------
    sweep : Sweep
        The sweep run.
    design : Design
        Its design; row ``i`` of every table is ``design.points[i]``.
    scenario : Scenario
        The base scenario (its deadlines name the columns).
    convened : ndarray of int64, shape (points, deadlines)
        Runs convened by each deadline (columns in the order of ``scenario.deadlines``).
    backend : str
        Where the runs were made.
    wall_time : float
        Seconds, validation included.
    resumed : int
        Points taken from the results log rather than run.
    """

    sweep: Sweep
    design: Design
    scenario: Scenario
    convened: npt.NDArray[np.int64]
    backend: str = "1 local process"
    wall_time: float = 0.0
    resumed: int = 0

    @property
    def runs(self) -> int:
        """Replications at every point."""
        return self.sweep.runs

    @property
    def deadlines(self) -> tuple[Deadline, ...]:
        """The deadlines, in the order of the columns."""
        return self.scenario.deadlines

    def estimate(self, point: int, deadline: str) -> Proportion:
        """Return P(convened by ``deadline``) at ``point`` with its 95% Wilson interval.

        Raises
        ------
        KeyError
            If there is no such deadline.
        """
        ids = [d.id for d in self.deadlines]
        if deadline not in ids:
            raise KeyError(f"no deadline '{deadline}' (deadlines: {', '.join(ids)})")
        return wilson(int(self.convened[point, ids.index(deadline)]), self.runs)

    def columns(self) -> list[str]:
        """The columns of :meth:`records` and ``sweep.csv``, in order.

        ``point`` (index from 0), the parameter keys, then per deadline
        ``<id>_probability``, ``<id>_ci_low``, ``<id>_ci_high`` (95% Wilson interval) and
        ``<id>_convened`` (a count), then ``runs`` and ``seed``.
        """
        cols = ["point", *(p.key for p in self.design.params)]
        for d in self.deadlines:
            cols += [f"{d.id}_probability", f"{d.id}_ci_low", f"{d.id}_ci_high", f"{d.id}_convened"]
        return [*cols, "runs", "seed"]

    def records(self) -> list[dict[str, Any]]:
        """Return one flat dictionary per point, keyed by :meth:`columns`."""
        rows: list[dict[str, Any]] = []
        for i, values in enumerate(self.design.points):
            row: dict[str, Any] = {"point": i, **values}
            for j, d in enumerate(self.deadlines):
                p = wilson(int(self.convened[i, j]), self.runs)
                row[f"{d.id}_probability"] = p.estimate
                row[f"{d.id}_ci_low"] = p.low
                row[f"{d.id}_ci_high"] = p.high
                row[f"{d.id}_convened"] = p.successes
            row["runs"] = self.runs
            row["seed"] = self.sweep.seed
            rows.append(row)
        return rows

    def to_numpy(self) -> np.ndarray:
        """Return the records as a numpy structured array, one element per point.

        Field types: ``int64`` for indices and counts, ``float64`` for probabilities and
        continuous parameters, ``int64`` / ``bool`` / unicode for integer, boolean and other
        choice values.
        """
        rows = self.records()
        dtypes: list[tuple[str, npt.DTypeLike]] = []
        for name in self.columns():
            values = [row[name] for row in rows]
            dtypes.append((name, _numpy_dtype(values) if values else np.float64))
        array = np.zeros(len(rows), dtype=np.dtype(dtypes))
        for name in self.columns():
            array[name] = [row[name] for row in rows]
        return array

    def to_pandas(self) -> Any:
        """Return the records as a :class:`pandas.DataFrame` (pandas is imported only here).

        Raises
        ------
        ImportError
            If pandas is not installed, saying what to install.
        """
        try:
            import pandas
        except ImportError:
            raise ImportError(
                "pandas is not installed; to get a DataFrame: pip install pandas "
                "(or use .records() or .to_numpy())"
            ) from None
        return pandas.DataFrame.from_records(self.records(), columns=self.columns())

    def csv_text(self) -> str:
        """Return ``sweep.csv``: one row per point, sorted by point; a function of the counts."""
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=self.columns(), lineterminator="\n")
        writer.writeheader()
        for row in self.records():
            writer.writerow(
                {k: (_format_value(v) if isinstance(v, bool) else v) for k, v in row.items()}
            )
        return buffer.getvalue()

    def to_json(self) -> dict[str, Any]:
        """Return ``sweep.json``: provenance, the design and the deadlines."""
        return {
            **_provenance(self.scenario),
            "experiment": "sweep",
            "design": {
                **self.design.to_json(),
                "points_values": [dict(p) for p in self.design.points],
            },
            "seed": self.sweep.seed,
            "runs_per_point": self.runs,
            "common_random_numbers": True,
            "deadlines": [
                {"name": d.id, "label": d.label, "date": d.date.isoformat(), "day": d.day}
                for d in self.deadlines
            ],
            "interval": "95% Wilson",
            "backend": self.backend,
            "points_resumed": self.resumed,
            "wall_time_s": round(self.wall_time, 3),
        }

    def save(self, folder: str | os.PathLike[str]) -> list[Path]:
        """Write ``sweep.csv`` then ``sweep.json`` (last: a folder with it is complete).

        Returns
        -------
        list of pathlib.Path
            The files written.
        """
        out = Path(folder)
        atomic_write_text(out / "sweep.csv", self.csv_text())
        atomic_write_json(out / "sweep.json", self.to_json())
        return [out / "sweep.csv", out / "sweep.json"]


# -- sensitivity ------------------------------------------------------------------------


def _unique_columns(
    ranges: Sequence[Range], matrix: FloatArray
) -> tuple[list[dict[str, Scalar]], npt.NDArray[np.intp]]:
    """Return the distinct points of the Saltelli matrix and, per column, its point's index.

    Points are in order of first appearance.
    """
    index: dict[tuple[float, ...], int] = {}
    points: list[dict[str, Scalar]] = []
    where = np.empty(matrix.shape[1], dtype=np.intp)
    for col in range(matrix.shape[1]):
        column = tuple(float(v) for v in matrix[:, col])
        if column not in index:
            index[column] = len(points)
            points.append(
                {
                    r.key: (int(v) if r.integer else float(v))
                    for r, v in zip(ranges, column, strict=True)
                }
            )
        where[col] = index[column]
    return points, where


@dataclass(frozen=True, init=False)
class Sensitivity:
    """A Sobol' sensitivity analysis of P(convened by every deadline) at once.

    The model is evaluated at the columns of
    :func:`~sim.experiments.sensitivity.saltelli_points` (``samples * (d + 2)`` columns;
    equal columns, which integer ranges can give, are run once); every evaluation is ``runs``
    replications with the same seeds (common random numbers) and yields P(convened by each
    deadline). The indices come from :func:`~sim.experiments.sensitivity.sobol` with bootstrap
    intervals.

    Parameters
    ----------
    params : sequence of Range or str
        The uncertain parameters, ``KEY=LOW:HIGH`` texts or :class:`Range` objects.
    scenario : str or path-like, optional
        A scenario file or packaged name; ``None`` for the baseline.
    samples : int, default 64
        Base sample size ``N``, a power of two.
    runs : int, default 100
        Replications per evaluation.
    seed : int, default 0
        Seed of the points, of the bootstrap and of the replications.
    n_resamples : int, default 999
        Bootstrap resamples.

    Raises
    ------
    DesignError
        If a parameter is not a range, ``runs`` is below 1 or ``samples`` is not a power of
        two.
    """

    params: tuple[Range, ...]
    scenario: str | os.PathLike[str] | None = None
    samples: int = 64
    runs: int = 100
    seed: int = 0
    n_resamples: int = 999

    def __init__(
        self,
        params: Sequence[Range | str] | Range | str,
        scenario: str | os.PathLike[str] | None = None,
        samples: int = 64,
        runs: int = 100,
        seed: int = 0,
        n_resamples: int = 999,
    ) -> None:
        parsed = _normalise_params(params)  # type: ignore[arg-type]
        for param in parsed:
            if not isinstance(param, Range):
                raise DesignError(
                    f"parameter {param.key!r}: a sensitivity analysis needs ranges "
                    "KEY=LOW:HIGH, not a list of values"
                )
        object.__setattr__(self, "params", parsed)
        object.__setattr__(self, "scenario", scenario)
        object.__setattr__(self, "samples", samples)
        object.__setattr__(self, "runs", runs)
        object.__setattr__(self, "seed", seed)
        object.__setattr__(self, "n_resamples", n_resamples)
        _check_count("runs", runs)
        self.matrix()  # checks the ranges, the samples and the seed

    def matrix(self) -> FloatArray:
        """Return the ``(d, samples * (d + 2))`` evaluation matrix (see ``saltelli_points``)."""
        return saltelli_points(self.params, self.samples, self.seed)

    def points(self) -> list[dict[str, Scalar]]:
        """Return the distinct evaluation points, in order of first appearance."""
        return _unique_columns(self.params, self.matrix())[0]

    def base_scenario(self) -> Scenario:
        """Return the scenario without overrides."""
        return load_scenario(self.scenario)

    def validate(self) -> tuple[list[dict[str, Scalar]], Scenario]:
        """Validate every evaluation point's scenario.

        Returns
        -------
        tuple
            The distinct points and the base scenario.

        Raises
        ------
        ScenarioError, PointError
            As for :meth:`Sweep.validate`.
        """
        points = self.points()
        base = self.base_scenario()
        for index, values in enumerate(points):
            _point_scenario(self.scenario, values, index, len(points))
        return points, base

    def identity(self, base: Scenario | None = None) -> dict[str, Any]:
        """Return what identifies the analysis for ``--resume``."""
        base = base if base is not None else self.base_scenario()
        return {
            "kind": "sensitivity",
            "version": __version__,
            "scenario_sha256": base.sha256,
            "params": [p.to_json() for p in self.params],
            "samples": self.samples,
            "runs": self.runs,
            "seed": self.seed,
        }

    def open_store(self, folder: str | os.PathLike[str], *, resume: bool = False) -> PointStore:
        """Create (or with ``resume``, reopen) the analysis's results log in ``folder``."""
        return PointStore.open(folder, self.identity(), len(self.points()), resume=resume)

    def run(
        self,
        executor: ExecutorSpec | Backend | None = None,
        *,
        store: PointStore | None = None,
        on_progress: ProgressCallback | None = None,
        task: TaskFunction = simulate_convened,
    ) -> SensitivityResult:
        """Validate every point, run those not in ``store``, then estimate the indices.

        Parameters and exceptions are those of :meth:`Sweep.run`.

        Returns
        -------
        SensitivityResult
            The indices, one output per deadline.
        """
        began = time.perf_counter()
        points, base = self.validate()
        if store is not None and store.identity != self.identity(base):
            raise StoreError(f"{store.path}: the results log belongs to another experiment")
        ids = [d.id for d in base.deadlines]
        records, label, resumed = _run_points(
            self.scenario,
            points,
            ids,
            self.runs,
            self.seed,
            executor,
            store,
            on_progress,
            task,
        )
        probability = np.array(
            [[records[i].convened[d] / self.runs for d in ids] for i in range(len(points))],
            dtype=np.float64,
        ).reshape(len(points), len(ids))
        _, where = _unique_columns(self.params, self.matrix())

        def lookup(x: FloatArray) -> FloatArray:
            # sobol() calls this once, on exactly the matrix the points came from.
            result: FloatArray = probability[where].T
            return result

        indices = sobol(
            lookup, self.params, ids, self.samples, self.seed, n_resamples=self.n_resamples
        )
        values = probability[where]
        notes = list(indices.warnings)
        for j, deadline in enumerate(ids):
            variance = float(np.var(values[:, j]))
            noise = float(np.mean(values[:, j] * (1 - values[:, j]))) / self.runs
            if variance > 0 and noise / variance >= 1.0:
                notes.append(
                    f"{deadline}: the Monte Carlo noise of {self.runs} runs per point is as large "
                    "as the variance of P(by deadline) across points: the indices are mostly "
                    "noise; use more --runs"
                )
            elif variance > 0 and noise / variance > NOISE_NOTE_SHARE:
                notes.append(
                    f"{deadline}: the Monte Carlo noise of {self.runs} runs per point may make "
                    f"up to {noise / variance:.0%} of the variance of P(by deadline), which "
                    "inflates the indices; use more --runs"
                )
        return SensitivityResult(
            sensitivity=self,
            scenario=base,
            indices=indices,
            notes=tuple(notes),
            evaluations=len(points),
            backend=label,
            wall_time=time.perf_counter() - began,
            resumed=resumed,
        )


@dataclass(frozen=True)
class SensitivityResult:
    """Sobol' indices of P(convened by each deadline), with notes on their reliability.

    Parameters
    ----------
    sensitivity : Sensitivity
        The analysis run.
    scenario : Scenario
        The base scenario.
    indices : SobolIndices
        One output per deadline (by id), one column per parameter.
    notes : tuple of str
        One line each: small samples, wide intervals, Monte Carlo noise (see
        :mod:`sim.experiments.sensitivity`).
    evaluations : int
        Distinct points run.
    backend : str
        Where the runs were made.
    wall_time : float
        Seconds.
    resumed : int
        Points taken from the results log.
    """

    sensitivity: Sensitivity
    scenario: Scenario
    indices: SobolIndices
    notes: tuple[str, ...]
    evaluations: int
    backend: str = "1 local process"
    wall_time: float = 0.0
    resumed: int = 0

    COLUMNS = (
        "deadline",
        "param",
        "first",
        "first_low",
        "first_high",
        "total",
        "total_low",
        "total_high",
    )

    def records(self) -> list[dict[str, Any]]:
        """Return one row per (deadline, parameter), keyed by :attr:`COLUMNS`."""
        ix = self.indices
        rows = []
        for i, output in enumerate(ix.outputs):
            for j, param in enumerate(ix.params):
                rows.append(
                    {
                        "deadline": output,
                        "param": param,
                        "first": float(ix.first_order[i, j]),
                        "first_low": float(ix.first_low[i, j]),
                        "first_high": float(ix.first_high[i, j]),
                        "total": float(ix.total[i, j]),
                        "total_low": float(ix.total_low[i, j]),
                        "total_high": float(ix.total_high[i, j]),
                    }
                )
        return rows

    def to_pandas(self) -> Any:
        """Return :meth:`records` as a :class:`pandas.DataFrame`.

        Raises
        ------
        ImportError
            If pandas is not installed.
        """
        try:
            import pandas
        except ImportError:
            raise ImportError(
                "pandas is not installed; to get a DataFrame: pip install pandas "
                "(or use .records())"
            ) from None
        return pandas.DataFrame.from_records(self.records(), columns=list(self.COLUMNS))

    def csv_text(self) -> str:
        """Return ``sensitivity.csv``."""
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=list(self.COLUMNS), lineterminator="\n")
        writer.writeheader()
        writer.writerows(self.records())
        return buffer.getvalue()

    def to_json(self) -> dict[str, Any]:
        """Return ``sensitivity.json``: provenance, the set-up, the indices and the notes."""
        s = self.sensitivity
        return {
            **_provenance(self.scenario),
            "experiment": "sensitivity",
            "params": [p.to_json() for p in s.params],
            "samples": s.samples,
            "runs_per_point": s.runs,
            "seed": s.seed,
            "n_resamples": s.n_resamples,
            "interval": "95% bootstrap (BCa)",
            "common_random_numbers": True,
            "evaluations": self.evaluations,
            "deadlines": [
                {"name": d.id, "label": d.label, "date": d.date.isoformat(), "day": d.day}
                for d in self.scenario.deadlines
            ],
            "notes": list(self.notes),
            "sobol": self.indices.to_json(),
            "backend": self.backend,
            "points_resumed": self.resumed,
            "wall_time_s": round(self.wall_time, 3),
        }

    def save(self, folder: str | os.PathLike[str]) -> list[Path]:
        """Write ``sensitivity.csv`` then ``sensitivity.json``."""
        out = Path(folder)
        atomic_write_text(out / "sensitivity.csv", self.csv_text())
        atomic_write_json(out / "sensitivity.json", self.to_json())
        return [out / "sensitivity.csv", out / "sensitivity.json"]
