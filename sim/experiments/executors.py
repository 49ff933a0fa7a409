"""Where runs are executed: in this process, in local processes, or on a Dask cluster.

Every back end is a :class:`concurrent.futures.Executor`, so the scheduler
(:mod:`sim.experiments.scheduler`) does not care which it gets. Results never
depend on the back end: run ``i`` is always computed from the ``i``-th child
seed, wherever it runs.

Local processes are a :class:`loky.ProcessPoolExecutor` (why loky and not the
standard library's pool: see :mod:`sim.experiments.scheduler`). Its workers
ignore Ctrl-C from their first instruction (:func:`_starting_workers`), since the
parent stops them, and die with the parent, even by ``kill -9``. The workers of a
Dask LocalCluster started here (``--dask-local``) ignore Ctrl-C too, once their
set-up has run, so that a Ctrl-C in the terminal reaches only this process, which
closes the cluster. (A Ctrl-C while they still import, in the second or two the
cluster takes to start, reaches them: Dask starts them from threads of its own, so
they cannot be started ignoring it, and each prints a KeyboardInterrupt traceback.)

Dask is an optional extra, imported only when asked for. A scheduler's address is checked
for its form when the :class:`ExecutorSpec` is made, before anything runs; then, before Dask
is handed the address, negsim greets the peer itself, within :data:`CONNECT_TIMEOUT`: a peer
that refuses, stays silent or speaks another protocol (an HTTP server, say) is one line, not
a hang or a gigabyte buffer. A scheduler with no workers is waited on for at most
:data:`WORKER_WAIT` seconds, and the wait is announced on stderr.
"""

from __future__ import annotations

import contextlib
import ipaddress
import logging
import os
import signal
import socket
import sys
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, ParamSpec, TypeVar

from sim.errors import InputError, WorkFailed, one_line

__all__ = [
    "Backend",
    "DaskUnavailable",
    "ExecutorSpec",
    "NoWorkers",
    "SchedulerAddressError",
    "SchedulerUnreachable",
    "SerialExecutor",
    "dask_setup",
    "default_workers",
    "open_executor",
    "scheduler_address",
]

P = ParamSpec("P")
T = TypeVar("T")

#: What to install for the Dask back end.
DASK_HINT = "pip install 'negsim[dask]'  (or: pip install 'dask[distributed]')"

#: How long to wait for a Dask scheduler to answer, in seconds.
CONNECT_TIMEOUT = 10.0

#: How long to wait for a first worker when the Dask scheduler has none, in seconds.
WORKER_WAIT = 60.0

#: The longest greeting a Dask scheduler sends on a new connection (its handshake: a few
#: versions and settings, some hundred bytes), in bytes; a longer one is not from Dask.
GREETING_LIMIT = 64 * 1024

#: The form of a scheduler's address.
ADDRESS_FORM = "tcp://HOST:PORT"

#: How long closing a Dask LocalCluster may take after an interruption or a failure, in
#: seconds (its workers are killed first, not waited for).
DASK_CLOSE_SECONDS = 1.0


class DaskUnavailable(InputError):
    """Dask was asked for but is not installed."""


class SchedulerUnreachable(WorkFailed):
    """The Dask scheduler could not be reached, or what answered was not one."""


class SchedulerAddressError(InputError):
    """A scheduler address that is not of the form ``tcp://HOST:PORT``."""


class NoWorkers(WorkFailed):
    """The Dask scheduler had no worker, and none joined within :data:`WORKER_WAIT`."""


def _host(text: str) -> str | None:
    """``text`` as a host to connect to (a name, an IPv4 or a bracketed IPv6 address), or None."""
    if text.startswith("[") and text.endswith("]"):
        try:
            return str(ipaddress.IPv6Address(text[1:-1]))
        except ValueError:
            return None
    labels = text.split(".")
    if not text or len(text) > 253 or not all(labels):
        return None
    for label in labels:
        if len(label) > 63 or label[0] == "-" or label[-1] == "-":
            return None
        # Underscores are not in the standard, but in container service names.
        if not all(c.isascii() and (c.isalnum() or c in "-_") for c in label):
            return None
    return text


def _quote(text: str, limit: int = 80) -> str:
    """``text`` quoted for a one-line message: escaped, and cut short if long."""
    return f"'{one_line(text if len(text) <= limit else text[: limit - 3] + '...')}'"


def scheduler_address(text: str) -> tuple[str, int]:
    """Check a Dask scheduler's address for its form; return its host and port.

    Accepted: ``tcp://HOST:PORT`` and ``HOST:PORT``, where HOST is a host name, an IPv4
    address or an IPv6 address in brackets, and PORT is 1 to 65535. Nothing is looked up
    or connected to.

    Raises
    ------
    SchedulerAddressError
        If ``text`` is not of that form (the message says what is wrong, on one line).
    """
    shown = _quote(text)
    scheme, sep, rest = text.partition("://")
    if not sep:
        scheme, rest = "tcp", text
    if scheme.lower() != "tcp":
        raise SchedulerAddressError(
            f"scheduler address {shown}: only tcp:// is supported, not "
            f"{_quote(scheme, 20)[1:-1]}:// (expected {ADDRESS_FORM})"
        )
    host_text, colon, port_text = rest.rpartition(":")
    if not colon:
        raise SchedulerAddressError(
            f"scheduler address {shown} has no port (expected {ADDRESS_FORM})"
        )
    host = _host(host_text)
    if host is None:
        raise SchedulerAddressError(
            f"scheduler address {shown}: {_quote(host_text)} is not a host name or IP "
            f"address (expected {ADDRESS_FORM}; IPv6 in brackets)"
        )
    if not (port_text.isascii() and port_text.isdigit()) or len(port_text) > 5:
        raise SchedulerAddressError(
            f"scheduler address {shown}: the port {_quote(port_text, 20)} is not a number "
            "from 1 to 65535"
        )
    port = int(port_text)
    if not 1 <= port <= 65535:
        raise SchedulerAddressError(
            f"scheduler address {shown}: the port {port} is not from 1 to 65535"
        )
    return host, port


def _format_address(host: str, port: int) -> str:
    return f"tcp://[{host}]:{port}" if ":" in host else f"tcp://{host}:{port}"


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
        Address of a Dask scheduler (``tcp://HOST:PORT``, or ``HOST:PORT``): run on that
        cluster. Its form is checked here (:class:`SchedulerAddressError`, a
        :class:`~sim.errors.InputError`); it is kept as ``tcp://HOST:PORT``.
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
        if self.scheduler is not None:
            address = _format_address(*scheduler_address(self.scheduler))
            object.__setattr__(self, "scheduler", address)

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
    """An open executor and how many tasks it can run at once.

    Attributes
    ----------
    executor
        Where tasks are submitted.
    parallelism
        How many tasks it runs at once (worker processes or Dask threads).
    local_pool
        Whether it is a pool of local processes opened by :func:`open_executor`: the
        scheduler replaces it when a worker dies (which breaks it), and it is killed, not
        waited for, when the work fails or is interrupted.
    """

    executor: Executor
    parallelism: int
    local_pool: bool = False


def _import_distributed() -> Any:
    try:
        import distributed
    except ImportError:
        raise DaskUnavailable(f"Dask is not installed; to use a cluster: {DASK_HINT}") from None
    return distributed


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


def _init_worker() -> None:
    """Set up a local worker process: ignore Ctrl-C, and die with the parent.

    A terminal's Ctrl-C goes to the whole process group; the parent answers it by killing
    its workers, so a worker has nothing to do with it, and a KeyboardInterrupt inside a
    task would only print a traceback.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _die_with_parent()


def dask_setup(worker: object) -> None:
    """Set up a worker of a Dask LocalCluster started by negsim: ignore Ctrl-C.

    Dask calls this in each worker process (this module is the cluster's ``preload``),
    restarted workers included. The parent closes the cluster on Ctrl-C.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)


@contextmanager
def _starting_workers() -> Iterator[None]:
    """Hold Ctrl-C back in this process while it starts local worker processes.

    A terminal's Ctrl-C goes to the whole process group: a worker still importing, before
    :func:`_init_worker` could tell it to ignore Ctrl-C, would die of it with a
    KeyboardInterrupt traceback. An ignored SIGINT stays ignored through fork and
    exec, and Python leaves it so: workers started in this block ignore Ctrl-C from their
    first instruction. Meanwhile this thread blocks SIGINT, so that the kernel keeps a
    Ctrl-C pending instead of discarding it, to be delivered, as a KeyboardInterrupt, on
    leaving the block. (Another thread that does not block it may still take it and drop
    it: the block is kept to the milliseconds of a fork and exec.) Only the main thread may
    change a signal's handler; elsewhere this does nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)


def _nothing() -> None:
    """A task that does nothing (it makes a pool start its workers)."""


@contextmanager
def _local_pool(workers: int) -> Iterator[Backend]:
    """A loky pool of ``workers`` processes; on an exception, kill them at once."""
    import loky

    pool = loky.ProcessPoolExecutor(max_workers=workers, initializer=_init_worker)
    try:
        with _starting_workers():
            # loky starts its workers on the first task: start them here.
            pool.submit(_nothing)
        yield Backend(pool, workers, local_pool=True)
    except BaseException:
        # Interrupted or failed: do not wait for the tasks running or queued.
        pool.shutdown(wait=False, kill_workers=True)
        raise
    pool.shutdown(wait=True)


def _notice(text: str) -> None:
    """Say something on stderr that the user should know while the command goes on."""
    print(f"negsim: {text}", file=sys.stderr, flush=True)


def _receive(sock: socket.socket, size: int, deadline: float, address: str) -> bytes:
    """Read ``size`` bytes from ``sock`` before ``deadline`` (a :func:`time.monotonic`)."""
    data = bytearray()
    while len(data) < size:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError
        sock.settimeout(left)
        chunk = sock.recv(size - len(data))
        if not chunk:
            raise SchedulerUnreachable(
                f"the peer at {address} closed the connection without greeting as a Dask scheduler"
            )
        data += chunk
    return bytes(data)


def _greet(address: str) -> None:
    """Check, within :data:`CONNECT_TIMEOUT`, that a Dask scheduler answers at ``address``.

    A Dask scheduler greets a new connection first, with its handshake: a length (8 bytes)
    and that many bytes. The greeting is read here, checked for its size and sent back as
    this side's handshake (the two are alike), and the connection is closed, which the
    scheduler takes as a client leaving. Dask itself would wait for ever on a silent peer,
    and take an HTTP server's answer for the length of a frame of exbibytes.

    Raises
    ------
    SchedulerUnreachable
        If nothing listens there, if it says nothing within the timeout, or if what it
        says is not a Dask scheduler's greeting.
    """
    host, port = scheduler_address(address)
    deadline = time.monotonic() + CONNECT_TIMEOUT
    unreachable = f"cannot reach the Dask scheduler at {address}"
    try:
        sock = socket.create_connection((host, port), timeout=CONNECT_TIMEOUT)
    except socket.gaierror as exc:
        raise SchedulerUnreachable(
            f"{unreachable}: cannot resolve {_quote(host)} ({exc.strerror})"
        ) from None
    except TimeoutError:
        raise SchedulerUnreachable(
            f"{unreachable}: no answer within {CONNECT_TIMEOUT:g} s"
        ) from None
    except OSError as exc:
        raise SchedulerUnreachable(f"{unreachable}: {exc.strerror or exc}") from None
    with sock:
        try:
            header = _receive(sock, 8, deadline, address)
            size = int.from_bytes(header, sys.byteorder)
            if not 0 < size <= GREETING_LIMIT:
                raise SchedulerUnreachable(
                    f"the peer at {address} is not a Dask scheduler: it began with {header!r}"
                )
            body = _receive(sock, size, deadline, address)
            sock.settimeout(max(deadline - time.monotonic(), 0.001))
            sock.sendall(header + body)
        except TimeoutError:
            raise SchedulerUnreachable(
                f"the peer at {address} accepted the connection but did not greet as a Dask "
                f"scheduler within {CONNECT_TIMEOUT:g} s"
            ) from None
        except OSError as exc:
            raise SchedulerUnreachable(f"{unreachable}: {exc.strerror or exc}") from None


def _wait_for_a_worker(client: Any, address: str) -> None:
    """Wait, saying so, up to :data:`WORKER_WAIT` seconds for a scheduler's first worker."""
    if client.nthreads():
        return
    _notice(
        f"the Dask scheduler at {address} has no workers; waiting up to {WORKER_WAIT:g} s "
        "for one to join"
    )
    try:
        client.wait_for_workers(1, timeout=WORKER_WAIT)
    except TimeoutError:
        raise NoWorkers(
            f"no worker joined the Dask scheduler at {address} within {WORKER_WAIT:g} s"
        ) from None


@contextmanager
def _dask(spec: ExecutorSpec) -> Iterator[Backend]:
    """A client of the scheduler ``spec`` names, or of a LocalCluster it starts."""
    distributed = _import_distributed()
    cluster = None
    failed = False
    try:
        if spec.dask_local is not None:
            # (Not in _starting_workers: Dask's threads, some started on its import, would
            # take a Ctrl-C of the seconds the cluster takes to start, and drop it.)
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
                    # Workers log warnings on stderr when a task is cancelled mid-run, as on
                    # Ctrl-C; errors still show.
                    silence_logs=logging.ERROR,
                    preload=[__name__],
                )
            address = cluster.scheduler_address
        else:
            address = str(spec.scheduler)
            _greet(address)
        try:
            client = distributed.Client(
                address, timeout=f"{CONNECT_TIMEOUT}s", set_as_default=False
            )
        except (OSError, TimeoutError) as exc:
            raise SchedulerUnreachable(
                f"cannot reach the Dask scheduler at {address}: {exc}"
            ) from None
        try:
            _wait_for_a_worker(client, address)
            threads = sum(client.nthreads().values()) or 1
            yield Backend(client.get_executor(pure=False), threads)
        finally:
            client.close()
    except BaseException:
        failed = True
        raise
    finally:
        if cluster is not None:
            if failed:
                _close_quietly(cluster)
            else:
                cluster.close()


def _close_quietly(cluster: Any) -> None:
    """Close a LocalCluster whose workers may be mid-task, without waiting for them.

    The workers ignore Ctrl-C and would finish their task before they stop (a close with a
    timeout leaves the cluster half-closed, and the interpreter then waits for it at exit):
    so they are killed first, then the cluster is closed. Stopping busy workers makes Dask
    log its surprise on stderr; the interruption or the failure that is the reason is
    reported already, so those logs are silenced meanwhile.
    """
    logger = logging.getLogger("distributed")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        for nanny in list(cluster.workers.values()):
            pid = getattr(nanny, "pid", None)
            if pid:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(Exception):  # the cluster is going away whatever it says
            cluster.close(timeout=DASK_CLOSE_SECONDS)
    finally:
        logger.setLevel(level)


@contextmanager
def open_executor(spec: ExecutorSpec) -> Iterator[Backend]:
    """Open the back end ``spec`` names; close it (and any cluster it started) afterwards.

    On an exception (Ctrl-C included), the workers of a local pool are killed rather than
    waited for.

    Raises
    ------
    DaskUnavailable
        If a Dask back end is asked for and Dask is not installed.
    SchedulerUnreachable
        If the scheduler does not answer within :data:`CONNECT_TIMEOUT` seconds, or what
        answers is not a Dask scheduler.
    NoWorkers
        If the scheduler has no worker and none joins within :data:`WORKER_WAIT` seconds.
    """
    if spec.scheduler is not None or spec.dask_local is not None:
        with _dask(spec) as backend:
            yield backend
        return
    workers = spec.resolved_workers
    if workers == 1:
        yield Backend(SerialExecutor(), 1)
        return
    with _local_pool(workers) as backend:
        yield backend
