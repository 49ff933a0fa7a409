"""One scheduler for every experiment: tasks out to a back end, results back in order.

Monte Carlo runs (``negsim run``, ``compare``), sweeps and sensitivity analyses all send their
work through :meth:`Scheduler.run`: a sequence of :class:`Task` objects, each a top-level
function and its arguments (see :mod:`sim.experiments.tasks`). The scheduler

* keeps a few tasks per worker in flight (:data:`TASKS_PER_WORKER`), submitting the next as
  one finishes, so that a long sequence never floods the back end;
* hands every result to the caller in task order, whatever order they finish in;
* reports progress (a :class:`Tally` of units done, runs for every experiment) as tasks
  finish;
* retries, once, a task whose worker died (a local worker killed, a Dask ``KilledWorker`` or
  a lost connection); a broken local pool is replaced by a new one first. A task whose
  worker dies again stops the work with :class:`WorkersLost` (a
  :class:`~sim.errors.WorkFailed`, exit status 1) saying what had finished. Any other
  exception from a task is a fault and propagates;
* turns Ctrl-C into :class:`~sim.errors.Interrupted` (exit status 130) saying what had
  finished, after killing the local workers rather than waiting for them.

Results never depend on the scheduling: a task is a function of its arguments only, and run
``i`` always uses the ``i``-th child of ``SeedSequence(seed)``.

Why loky, and no hand-written probe of a broken pool
----------------------------------------------------
Local workers were a :class:`concurrent.futures.ProcessPoolExecutor`; they are now a
:class:`loky.ProcessPoolExecutor` (joblib's robust pool). Measured on this project's machine
(2 cores, Python 3.11, loky 3.7.0; ``benchmarks/bench_pool.py`` measures most of these; the
machine was shared, so the times of whole commands are medians of interleaved runs):

==============================================  =====================  =====================
                                                standard library       loky
==============================================  =====================  =====================
``kill -9`` of a busy worker: every task of     under 0.01 s, no hang  0.005 to 0.1 s,
its pool failed                                                        no hang
kill a worker, then submit at once (30 tries):  0                      0
a task left pending for ever
Ctrl-C, workers busy in runs of seconds         over 120 s (killed)    0.2 to 0.4 s, 130
(``negsim run``, 2 workers, exit status)
Ctrl-C, workers busy, baseline runs             0.4 to 0.9 s           0.2 to 0.4 s
a pool of 2 workers up and through its first    0.02 s                 0.19 s
two runs (idle machine)
1,000 runs on that pool (idle machine)          1.07 s                 1.03 s
``negsim run --runs 10 --workers 2`` (busy      0.70 s                 1.14 s
machine)
``negsim run --runs 1000 --workers 2`` (busy    2.55 s (best 1.62 s)   3.03 s (best 1.89 s)
machine)
``negsim run --dask-local 2``, Ctrl-C to the    over 120 s (killed),   0.3 to 0.6 s,
terminal's process group                        146 lines of stderr    one line
==============================================  =====================  =====================

* A task submitted just as a standard-library pool breaks can stay pending for ever (a race
  inside the standard library; it hung a CI run here, though 30 tries above did not
  reproduce it). The remedy was to wait in slices of 2 s and submit a no-op task to ask the
  pool whether it still lived. loky's pool watches every worker's process sentinel from its
  own thread and fails every pending task when one dies, so the probe is gone.
* On Ctrl-C the standard library's ``shutdown(wait=False, cancel_futures=True)`` still let the
  interpreter wait at exit for the tasks already handed to workers: with slow runs, minutes.
  loky's ``shutdown(wait=False, kill_workers=True)`` kills them, and the command exits at once.
* The price is start-up: loky starts workers by fork and exec (so that no lock or thread of
  the parent is inherited half-held), and each worker imports the task's module: 0.2 s for
  two workers on an idle machine, 0.4 s on a busy one; the runs themselves go as fast. The
  tasks live in :mod:`sim.experiments.tasks`, which imports numpy and the engine but not
  scipy: with the task in :mod:`sim.experiments.montecarlo` (which imports scipy) a worker
  took 1.6 s to be ready.

Workers ignore Ctrl-C (the parent kills them) and die with the parent, even by ``kill -9``
(see :mod:`sim.experiments.executors`).
"""

from __future__ import annotations

import contextlib
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, BrokenExecutor, Future, wait
from concurrent.futures import CancelledError as FutureCancelledError
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from sim.errors import Interrupted, WorkFailed
from sim.experiments.executors import Backend, ExecutorSpec, open_executor

__all__ = [
    "MAX_CHUNK",
    "RETRIES",
    "TASKS_PER_WORKER",
    "ProgressCallback",
    "Scheduler",
    "Tally",
    "Task",
    "WorkersLost",
    "worker_lost",
]

R = TypeVar("R")

ProgressCallback = Callable[[int, int], None]
"""Called with (units done, units planned) as work finishes."""

MAX_CHUNK = 100
"""Most runs in one task sent to a worker: small enough that progress is smooth and a lost
worker loses little, large enough that sending the scenario is cheap."""

TASKS_PER_WORKER = 3
"""Tasks kept in flight per unit of parallelism (so that workers never wait for work)."""

RETRIES = 1
"""How many times a task whose worker died is sent again before the work stops."""


class WorkersLost(WorkFailed):
    """The work stopped: a task's worker died again after its retry.

    Attributes
    ----------
    completed : int
        Units finished (for sweeps: points saved in the results log).
    total : int
        Units planned.
    unit : str
        What was counted: ``"runs"`` or ``"points"``.
    reason : str
        What failed, one line.
    """

    def __init__(self, completed: int, total: int, unit: str, reason: str) -> None:
        super().__init__(f"{reason}; stopped after {completed} of {total} {unit}")
        self.completed = completed
        self.total = total
        self.unit = unit
        self.reason = reason


@dataclass(slots=True)
class Tally:
    """Units of work done out of those planned, passed on to a progress callback.

    Attributes
    ----------
    total : int
        Units planned (it may grow, as in a run to a precision).
    unit : str
        What is counted, for messages: ``"runs"``.
    on_progress : callable, optional
        Called with ``(done, total)`` whenever ``done`` grows.
    done : int
        Units done.
    """

    total: int
    unit: str = "runs"
    on_progress: ProgressCallback | None = None
    done: int = 0

    def add(self, units: int) -> None:
        """Count ``units`` more as done, and report it."""
        self.done += units
        self.report()

    def report(self) -> None:
        """Call the progress callback with the current counts."""
        if self.on_progress is not None:
            self.on_progress(self.done, self.total)


@dataclass(frozen=True, slots=True)
class Task(Generic[R]):
    """One call to send to a worker.

    Attributes
    ----------
    fn : callable
        A top-level function (it pickles by reference), a function of its arguments only.
    args : tuple
        Its arguments.
    size : int
        Units of progress it stands for (its runs).
    label : str
        What it is, for messages: ``"runs 0..99"``, ``"point 3"``.
    """

    fn: Callable[..., R]
    args: tuple[Any, ...]
    size: int
    label: str


def worker_lost(exc: BaseException) -> bool:
    """Tell whether a task failed because its worker (or the connection to it) was lost.

    Parameters
    ----------
    exc : BaseException
        The task's exception.

    Returns
    -------
    bool
        True for a broken local pool (a worker died), a cancelled future, and Dask's
        ``KilledWorker`` and lost connections.
    """
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


def _describe(exc: BaseException) -> str:
    """Name an exception in one short line: its class and what its message says that counts.

    loky's message for a killed worker is a paragraph whose telling line gives the exit codes
    (``{SIGKILL(-9)}``); otherwise the first line is kept.
    """
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    telling = [line for line in lines if "exit code" in line]
    text = (telling or lines or [""])[0]
    if len(text) > 160:
        text = text[:157] + "..."
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


@dataclass(slots=True)
class _Flight(Generic[R]):
    index: int
    task: Task[R]
    attempts: int = 0


@dataclass(slots=True)
class _Run(Generic[R]):
    """The state of one :meth:`Scheduler.run`."""

    tasks: Iterator[tuple[int, Task[R]]]
    retries: deque[_Flight[R]] = field(default_factory=deque)
    flying: dict[Future[R], _Flight[R]] = field(default_factory=dict)
    ready: dict[int, R] = field(default_factory=dict)
    next_out: int = 0
    exhausted: bool = False

    def next_task(self) -> _Flight[R] | None:
        if self.retries:
            return self.retries.popleft()
        if self.exhausted:
            return None
        try:
            index, task = next(self.tasks)
        except StopIteration:
            self.exhausted = True
            return None
        return _Flight(index, task)

    def busy(self) -> bool:
        return bool(self.flying or self.retries or not self.exhausted)


class Scheduler:
    """Run tasks on a back end: in order, with one retry, progress and Ctrl-C.

    Use it as a context manager, which opens the back end (and closes it, killing local
    workers if the work failed or was interrupted)::

        with Scheduler(ExecutorSpec(workers=2)) as scheduler:
            scheduler.run(tasks, results.append, Tally(total=runs))

    Parameters
    ----------
    executor : ExecutorSpec or Backend, optional
        Where to run: a spec (default: all local cores), or a back end opened by the caller,
        which is used as it is and never replaced (when its pool breaks, the work stops).
    """

    def __init__(self, executor: ExecutorSpec | Backend | None = None) -> None:
        self._given = executor if isinstance(executor, Backend) else None
        self._spec = None if isinstance(executor, Backend) else executor or ExecutorSpec()
        self._stack = contextlib.ExitStack()
        self._backend: Backend | None = self._given

    @property
    def label(self) -> str:
        """How the work is run, for provenance."""
        return "given executor" if self._spec is None else self._spec.label

    @property
    def backend(self) -> Backend:
        """The open back end.

        Raises
        ------
        RuntimeError
            Outside the ``with`` block.
        """
        if self._backend is None:
            raise RuntimeError("the scheduler is not open: use it in a with block")
        return self._backend

    @property
    def parallelism(self) -> int:
        """How many tasks the back end runs at once."""
        return self.backend.parallelism

    def __enter__(self) -> Scheduler:
        if self._spec is not None:
            self._backend = self._stack.enter_context(open_executor(self._spec))
        return self

    def __exit__(self, *exc_info: Any) -> None:
        try:
            self._stack.__exit__(*exc_info)
        finally:
            self._backend = self._given

    def _replace_broken_pool(self, tally: Tally) -> None:
        """Open a new pool in place of one that broke."""
        if self._spec is None or not self.backend.local_pool:
            raise WorkersLost(
                tally.done, tally.total, tally.unit, "the given executor broke (a worker died)"
            )
        # The broken pool is closed with the scheduler; its workers are gone already.
        self._backend = self._stack.enter_context(open_executor(self._spec))

    def run(self, tasks: Iterable[Task[R]], on_result: Callable[[R], None], tally: Tally) -> None:
        """Run ``tasks``; hand each result to ``on_result``, in the order of the tasks.

        Tasks are taken from ``tasks`` only as workers free up, so it may be a generator.
        ``tally`` counts each task's ``size`` as the task finishes.

        Parameters
        ----------
        tasks : iterable of Task
            What to run, in order.
        on_result : callable
            Called with each task's result, in task order, in this process.
        tally : Tally
            Progress, and what an interruption says was finished.

        Raises
        ------
        Interrupted
            On Ctrl-C, with ``tally``'s counts, after the workers were stopped.
        WorkersLost
            If a task's worker died again after its retry (or a given executor broke).
        Exception
            Whatever a task or ``on_result`` raised, other than a lost worker.
        """
        state: _Run[R] = _Run(enumerate(tasks))
        try:
            while state.busy():
                broken = self._fill(state)
                if not broken and state.flying:
                    done, _ = wait(list(state.flying), return_when=FIRST_COMPLETED)
                    for future in sorted(done, key=lambda f: state.flying[f].index):
                        broken = self._collect(state, future, tally) or broken
                if broken:
                    self._drain(state, tally)
                    self._replace_broken_pool(tally)
                while state.next_out in state.ready:
                    on_result(state.ready.pop(state.next_out))
                    state.next_out += 1
        except KeyboardInterrupt:
            self._cancel(state)
            raise Interrupted(tally.done, tally.total, tally.unit) from None
        except BaseException:
            self._cancel(state)
            raise

    def _window(self) -> int:
        parallelism = self.backend.parallelism
        return 1 if parallelism == 1 else TASKS_PER_WORKER * parallelism

    def _fill(self, state: _Run[R]) -> bool:
        """Submit tasks up to the window; return True if the pool was found broken."""
        while len(state.flying) < self._window():
            flight = state.next_task()
            if flight is None:
                return False
            try:
                future = self.backend.executor.submit(flight.task.fn, *flight.task.args)
            except BrokenExecutor:
                # The pool broke before this task reached it: it never ran.
                state.retries.appendleft(flight)
                return True
            state.flying[future] = flight
        return False

    def _collect(self, state: _Run[R], future: Future[R], tally: Tally) -> bool:
        """Take in a finished task; requeue it if its worker was lost.

        Returns True if the local pool is broken.
        """
        flight = state.flying.pop(future)
        failure = FutureCancelledError() if future.cancelled() else future.exception()
        if failure is None:
            state.ready[flight.index] = future.result()
            tally.add(flight.task.size)
            return False
        if not worker_lost(failure):
            raise failure
        if flight.attempts >= RETRIES:
            raise WorkersLost(
                tally.done,
                tally.total,
                tally.unit,
                f"a worker was lost twice running {flight.task.label} ({_describe(failure)})",
            )
        flight.attempts += 1
        state.retries.append(flight)
        return isinstance(failure, BrokenExecutor)

    def _drain(self, state: _Run[R], tally: Tally) -> None:
        """Collect every task of a broken pool: each has failed, or finished just before."""
        while state.flying:
            done, _ = wait(list(state.flying), return_when=FIRST_COMPLETED)
            for future in sorted(done, key=lambda f: state.flying[f].index):
                self._collect(state, future, tally)
        # Retry in task order, so that results come back in order soonest.
        state.retries = deque(sorted(state.retries, key=lambda f: f.index))

    def _cancel(self, state: _Run[R]) -> None:
        """Cancel the tasks in flight, unless they are in a local pool of ours.

        Such a pool is killed as the scheduler closes, which fails its tasks; cancelling them
        first would trip loky (3.7) into an error in its manager thread as it shuts down.
        """
        if self._backend is not None and self._backend.local_pool:
            return
        for future in state.flying:
            future.cancel()
