"""Where runs are executed: in this process, in local processes, or on a Dask cluster.

Every back end is a :class:`concurrent.futures.Executor`, so the Monte Carlo
code does not care which it gets. Results never depend on the back end: run
``i`` is always computed from the ``i``-th child seed, wherever it runs.

Dask is an optional extra, imported only when asked for.
"""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Callable, Collection, Iterator
from concurrent.futures import (
    FIRST_COMPLETED,
    BrokenExecutor,
    Executor,
    Future,
    ProcessPoolExecutor,
    wait,
)
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, ParamSpec, TypeVar

from sim.errors import InputError, WorkFailed

__all__ = [
    "Backend",
    "DaskUnavailable",
    "ExecutorSpec",
    "PoolBroken",
    "SchedulerUnreachable",
    "SerialExecutor",
    "default_workers",
    "open_executor",
    "wait_alive",
]

P = ParamSpec("P")
T = TypeVar("T")

#: What to install for the Dask back end.
DASK_HINT = "pip install 'negsim[dask]'  (or: pip install 'dask[distributed]')"


class DaskUnavailable(InputError):
    """Dask was asked for but is not installed."""


class SchedulerUnreachable(WorkFailed):
    """The Dask scheduler could not be reached."""


def default_workers() -> int:
    """All the cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


class SerialExecutor(Executor):
    """An executor that runs each task at once, in this process (``--workers 1``)."""

    def submit(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> Future[T]:
        """Run ``fn(*args, **kwargs)`` now and return a finished future."""
        future: Future[T] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:
            if isinstance(exc, KeyboardInterrupt | SystemExit):
                raise
            future.set_exception(exc)
        return future


@dataclass(frozen=True, slots=True)
class ExecutorSpec:
    """Which back end to use.

    Attributes
    ----------
    workers
        Local worker processes (1: run in this process). ``None``: all cores.
    scheduler
        Address of a Dask scheduler (``tcp://HOST:PORT``): run on that cluster.
    dask_local
        Start a Dask LocalCluster of this many workers on 127.0.0.1 for the
        duration of the work.
    """

    workers: int | None = None
    scheduler: str | None = None
    dask_local: int | None = None

    def __post_init__(self) -> None:
        chosen = sum(x is not None for x in (self.scheduler, self.dask_local))
        if chosen > 1 or (chosen and self.workers is not None):
            raise ValueError("choose one of workers, scheduler and dask_local")
        if self.workers is not None and self.workers < 1:
            raise ValueError(f"workers must be at least 1, got {self.workers}")
        if self.dask_local is not None and self.dask_local < 1:
            raise ValueError(f"dask_local must be at least 1, got {self.dask_local}")

    @property
    def label(self) -> str:
        """How the work was run, for provenance."""
        if self.scheduler is not None:
            return f"dask scheduler {self.scheduler}"
        if self.dask_local is not None:
            return f"dask LocalCluster of {self.dask_local} workers"
        return f"{self.resolved_workers} local process{'es' if self.resolved_workers > 1 else ''}"

    @property
    def resolved_workers(self) -> int:
        """The number of local workers (all cores when unset)."""
        return self.workers if self.workers is not None else default_workers()


@dataclass(frozen=True, slots=True)
class Backend:
    """An open executor and how many tasks it can run at once."""

    executor: Executor
    parallelism: int


def _import_distributed() -> Any:
    try:
        import distributed
    except ImportError:
        raise DaskUnavailable(f"Dask is not installed; to use a cluster: {DASK_HINT}") from None
    return distributed


#: How long to wait for a task before checking that the pool is still alive, in seconds.
PROBE_SECONDS = 2.0


class PoolBroken(WorkFailed):
    """The process pool broke (a worker died) and some tasks will never finish."""


def _probe() -> None:
    """A task that does nothing: submitting it tells whether the pool still takes work."""


def wait_alive(
    executor: Executor, futures: Collection[Future[T]], return_when: str = FIRST_COMPLETED
) -> tuple[set[Future[T]], set[Future[T]]]:
    """:func:`concurrent.futures.wait`, except that it cannot hang on a broken pool.

    When a worker of a :class:`~concurrent.futures.ProcessPoolExecutor` dies, the
    pool fails its pending tasks, but a task submitted at the very moment it
    breaks can be left pending for ever (a race inside the standard library).
    So the wait is in slices of :data:`PROBE_SECONDS`; when a slice ends with
    nothing done, a no-op task is submitted: a broken pool refuses it.

    Raises
    ------
    PoolBroken
        If the pool is broken while some of ``futures`` are still pending.
    """
    while True:
        done, pending = wait(futures, timeout=PROBE_SECONDS, return_when=return_when)
        if (done and return_when == FIRST_COMPLETED) or not pending:
            return done, pending
        try:
            executor.submit(_probe)
        except (BrokenExecutor, RuntimeError):
            raise PoolBroken(
                f"the pool of workers broke (a worker died): {len(pending)} tasks were lost"
            ) from None


def _die_with_parent() -> None:
    """In a worker process: end when the parent process dies (Linux), even by ``kill -9``.

    Without this, workers of a killed ``negsim`` would be orphaned and run on.
    Elsewhere it does nothing.
    """
    if not sys.platform.startswith("linux"):
        return
    import ctypes
    import signal

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, int(signal.SIGKILL), 0, 0, 0)
    except (OSError, AttributeError):  # pragma: no cover - no prctl here
        return
    # The parent may have died before the request above took effect.
    if os.getppid() == 1:  # pragma: no cover
        os._exit(1)


@contextmanager
def open_executor(spec: ExecutorSpec) -> Iterator[Backend]:
    """Open the back end ``spec`` names; close it (and any cluster it started) afterwards.

    Raises
    ------
    DaskUnavailable
        If a Dask back end is asked for and Dask is not installed.
    SchedulerUnreachable
        If the scheduler does not answer.
    """
    if spec.scheduler is not None or spec.dask_local is not None:
        distributed = _import_distributed()
        cluster = None
        try:
            if spec.dask_local is not None:
                with warnings.catch_warnings():
                    # The scheduler's HTTP server (on 127.0.0.1) moves to a free port when 8787
                    # is taken, and says so; that is no concern of ours.
                    warnings.filterwarnings(
                        "ignore", message=r"Port \d+ is already in use", category=UserWarning
                    )
                    cluster = distributed.LocalCluster(
                        n_workers=spec.dask_local,
                        threads_per_worker=1,
                        processes=True,
                        host="127.0.0.1",
                        dashboard_address=None,
                    )
                address = cluster.scheduler_address
            else:
                address = spec.scheduler
            try:
                client = distributed.Client(address, timeout="10s", set_as_default=False)
            except (OSError, TimeoutError) as exc:
                raise SchedulerUnreachable(
                    f"cannot reach the Dask scheduler at {address}: {exc}"
                ) from None
            try:
                threads = sum(client.nthreads().values()) or 1
                yield Backend(client.get_executor(pure=False), threads)
            finally:
                client.close()
        finally:
            if cluster is not None:
                cluster.close()
        return
    workers = spec.resolved_workers
    if workers == 1:
        yield Backend(SerialExecutor(), 1)
        return
    pool = ProcessPoolExecutor(max_workers=workers, initializer=_die_with_parent)
    try:
        yield Backend(pool, workers)
    except BaseException:
        # Interrupted or failed: do not wait for queued work.
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)
