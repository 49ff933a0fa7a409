"""A Dask scheduler's address (``--scheduler ADDR``): its form is checked before anything
runs, and whatever answers there (nothing, a silent peer, an HTTP server, a scheduler with
no workers) ends in one line and a bounded wait.

The peers are real sockets on 127.0.0.1. The commands run in a thread with a deadline, so
that a hang fails the test instead of stalling the suite, with the waits of
:mod:`sim.experiments.executors` shortened to a second.
"""

from __future__ import annotations

import contextlib
import http.server
import json
import socket
import socketserver
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from sim.cli import main
from sim.errors import InputError
from sim.experiments import executors
from sim.experiments.executors import ExecutorSpec, SchedulerAddressError, scheduler_address

ROOT = Path(__file__).resolve().parents[1]

DEADLINE = 60.0
"""How long a command may take in these tests before it counts as a hang (every wait here is
shortened to a second; a loaded machine is slow)."""

COMMANDS = ["run", "compare", "sweep", "sensitivity", "calibrate", "backtest"]
"""Every command that takes ``--scheduler``."""


@dataclass
class Done:
    """What a command did: its exit status and what it printed."""

    returncode: int
    stdout: str
    stderr: str


@pytest.fixture
def negsim(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Callable[..., Done]:
    """Run ``negsim ARGS`` in this process, with the constants of
    :mod:`sim.experiments.executors` named as keywords set first; fail on a hang.

    The command runs in a thread of its own, waited for :data:`DEADLINE` seconds.
    """

    def run(args: list[str], **waits: float) -> Done:
        for name, value in waits.items():
            monkeypatch.setattr(executors, name, value)
        capsys.readouterr()
        status: list[int] = []
        thread = threading.Thread(target=lambda: status.append(main(args)), daemon=True)
        thread.start()
        thread.join(DEADLINE)
        if thread.is_alive():
            pytest.fail(f"negsim {' '.join(args)} hung for {DEADLINE:g} s")
        captured = capsys.readouterr()
        return Done(status[0], captured.out, captured.err)

    return run


def one_line(done: Done) -> str:
    """The command's one line on stderr (asserting it is one, with no traceback)."""
    assert "Traceback" not in done.stderr, done.stderr
    assert done.stderr.count("\n") == 1, done.stderr
    assert done.stdout == ""
    return done.stderr


# -- the address's form ------------------------------------------------------------------------


BAD_ADDRESSES = {
    "garbage": "has no port",
    "udp://127.0.0.1:8786": "only tcp:// is supported, not udp://",
    "tls://127.0.0.1:8786": "only tcp:// is supported, not tls://",
    "tcp://localhost:abc": "the port 'abc' is not a number",
    "tcp://localhost:99999": "the port 99999 is not from 1 to 65535",
    "tcp://localhost:0": "the port 0 is not from 1 to 65535",
    "tcp://localhost:" + "9" * 5000: "is not a number from 1 to 65535",
    "tcp://:8786": "'' is not a host name or IP address",
    "tcp://exa mple:8786": "'exa mple' is not a host name",
    "tcp://[::1:8786": "'[::1' is not a host name",
    "tcp://host\n\x1b[31m:8786": "'host\\n\\x1b[31m' is not a host name",
    "": "has no port",
}


@pytest.mark.parametrize("address", list(BAD_ADDRESSES), ids=range(len(BAD_ADDRESSES)))
def test_a_malformed_address_is_one_line_and_exit_2_before_anything_runs(
    address: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_connection(*args: object, **kwargs: object) -> None:
        raise AssertionError("a malformed address was connected to")

    monkeypatch.setattr(executors, "open_executor", no_connection)
    monkeypatch.setattr(socket, "create_connection", no_connection)
    assert main(["run", "--runs", "2", "--scheduler", address]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    (line,) = captured.err.splitlines()
    if any(c in address for c in "\n\x1b"):  # refused with every argument of its kind
        assert "holds a line break or a control character" in line
    else:
        assert line.startswith("negsim: run: argument --scheduler: scheduler address ")
        assert BAD_ADDRESSES[address] in line
    assert "\x1b" not in line
    assert len(line) < 400


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_checks_the_address_before_reading_anything_else(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([command, "--scheduler", "tcp://localhost:abc"]) == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith(f"negsim: {command}: argument --scheduler: ")


def test_the_api_checks_the_form_too_and_keeps_tcp_host_port() -> None:
    with pytest.raises(SchedulerAddressError, match="has no port") as info:
        ExecutorSpec(scheduler="garbage")
    assert isinstance(info.value, InputError)
    assert ExecutorSpec(scheduler="localhost:8786").scheduler == "tcp://localhost:8786"
    assert ExecutorSpec(scheduler="TCP://10.0.0.5:8786").scheduler == "tcp://10.0.0.5:8786"
    assert ExecutorSpec(scheduler="tcp://[::1]:8786").scheduler == "tcp://[::1]:8786"
    assert ExecutorSpec(scheduler="[::1]:8786").label == "dask scheduler tcp://[::1]:8786"
    assert ExecutorSpec(scheduler="dask_scheduler:8786").scheduler == "tcp://dask_scheduler:8786"
    with pytest.raises(SchedulerAddressError, match="is not a host name"):
        ExecutorSpec(scheduler="tcp://host\n\x1b[31m:8786")
    assert scheduler_address("tcp://node-7.cluster.example:65535") == (
        "node-7.cluster.example",
        65535,
    )


# -- what answers at the address --------------------------------------------------------------


@pytest.fixture
def serve() -> Iterator[Callable[[type[socketserver.BaseRequestHandler]], str]]:
    """Start a threaded TCP server on 127.0.0.1 with a handler; give its address."""
    servers: list[socketserver.ThreadingTCPServer] = []
    release = threading.Event()

    def start(handler: type[socketserver.BaseRequestHandler]) -> str:
        handler.release = release  # type: ignore[attr-defined]
        server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), handler)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"tcp://127.0.0.1:{server.server_address[1]}"

    yield start
    release.set()
    for server in servers:
        server.shutdown()
        server.server_close()


class Silent(socketserver.BaseRequestHandler):
    """Accepts, then says nothing until the test ends."""

    release: threading.Event

    def handle(self) -> None:
        self.release.wait(DEADLINE)


class Chatty(socketserver.BaseRequestHandler):
    """Answers every connection at once as an HTTP server answers a bad request."""

    def handle(self) -> None:
        self.request.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
        time.sleep(0.5)


class Hangup(socketserver.BaseRequestHandler):
    """Accepts, then closes at once."""

    def handle(self) -> None:
        pass


class Huge(socketserver.BaseRequestHandler):
    """Greets with a frame length of 2**60 bytes, then floods."""

    release: threading.Event

    def handle(self) -> None:
        self.request.sendall((2**60).to_bytes(8, sys.byteorder))
        with_deadline = time.monotonic() + DEADLINE
        while not self.release.is_set() and time.monotonic() < with_deadline:
            try:
                self.request.sendall(b"\0" * 65536)
            except OSError:
                return


def test_a_refused_connection_is_one_line_at_once(negsim: Callable[..., Done]) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # nothing listens on it once closed
    done = negsim(["run", "--runs", "2", "--scheduler", f"tcp://127.0.0.1:{port}"])
    assert done.returncode == 1
    assert one_line(done) == (
        f"negsim: cannot reach the Dask scheduler at tcp://127.0.0.1:{port}: Connection refused\n"
    )


def test_a_peer_that_never_completes_the_connection_times_out(negsim: Callable[..., Done]) -> None:
    """A listener whose queue is full drops new connections: the connect timeout applies."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)
        port = listener.getsockname()[1]
        filler = []
        for _ in range(4):  # fill the accept queue; later attempts are left unanswered
            s = socket.socket()
            s.settimeout(0.2)
            with contextlib.suppress(TimeoutError):
                s.connect(("127.0.0.1", port))
            filler.append(s)
        try:
            done = negsim(
                ["run", "--runs", "2", "--scheduler", f"tcp://127.0.0.1:{port}"],
                CONNECT_TIMEOUT=1.0,
            )
        finally:
            for s in filler:
                s.close()
    assert done.returncode == 1
    assert one_line(done) == (
        f"negsim: cannot reach the Dask scheduler at tcp://127.0.0.1:{port}: no answer within 1 s\n"
    )


def test_the_connect_timeout_is_ten_seconds() -> None:
    assert executors.CONNECT_TIMEOUT == 10.0


def test_a_peer_that_accepts_and_stays_silent_times_out_in_one_line(
    serve: Callable[[type[socketserver.BaseRequestHandler]], str],
    negsim: Callable[..., Done],
) -> None:
    address = serve(Silent)
    done = negsim(["run", "--runs", "2", "--scheduler", address], CONNECT_TIMEOUT=1.0)
    assert done.returncode == 1
    assert one_line(done) == (
        f"negsim: the peer at {address} accepted the connection but did not greet as a Dask "
        "scheduler within 1 s\n"
    )


def test_an_http_server_is_one_line_not_a_memory_error(
    negsim: Callable[..., Done], tmp_path: Path
) -> None:
    """The dashboard's port (8787) given for the scheduler's: an HTTP server waits for a
    request, as a silent peer does."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), http.server.BaseHTTPRequestHandler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    address = f"tcp://127.0.0.1:{server.server_address[1]}"
    try:
        sweep = ["sweep", "--param", "actors.russia.tempo_days=1:12", "--points", "2"]
        out = ["--runs", "2", "--out", str(tmp_path / "out")]
        done = negsim([*sweep, *out, "--scheduler", address], CONNECT_TIMEOUT=1.0)
    finally:
        server.shutdown()
        server.server_close()
    assert done.returncode == 1
    line = one_line(done)
    assert "MemoryError" not in line
    assert line.startswith(f"negsim: the peer at {address} accepted the connection but did not")


def test_a_peer_that_speaks_another_protocol_is_one_line_at_once(
    serve: Callable[[type[socketserver.BaseRequestHandler]], str],
    negsim: Callable[..., Done],
) -> None:
    address = serve(Chatty)
    done = negsim(["run", "--runs", "2", "--scheduler", address])
    assert done.returncode == 1
    assert one_line(done) == (
        f"negsim: the peer at {address} is not a Dask scheduler: it began with b'HTTP/1.1'\n"
    )


def test_a_greeting_too_large_for_dask_is_refused_unread(
    serve: Callable[[type[socketserver.BaseRequestHandler]], str],
    negsim: Callable[..., Done],
) -> None:
    address = serve(Huge)
    done = negsim(["run", "--runs", "2", "--scheduler", address])
    assert done.returncode == 1
    assert one_line(done).startswith(f"negsim: the peer at {address} is not a Dask scheduler")


def test_a_peer_that_hangs_up_is_one_line(
    serve: Callable[[type[socketserver.BaseRequestHandler]], str],
    negsim: Callable[..., Done],
) -> None:
    address = serve(Hangup)
    done = negsim(["run", "--runs", "2", "--scheduler", address])
    assert done.returncode == 1
    line = one_line(done)
    assert line.startswith("negsim: ")
    assert address in line


# -- a scheduler with no workers ---------------------------------------------------------------


@pytest.fixture(scope="module")
def empty_cluster() -> Iterator[object]:
    """A Dask scheduler on 127.0.0.1 with no workers (yet)."""
    import logging
    import warnings

    distributed = pytest.importorskip("distributed")
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"Port \d+ is already in use")
        cluster = distributed.LocalCluster(
            n_workers=0,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
            silence_logs=logging.ERROR,
        )
    try:
        yield cluster
    finally:
        cluster.close()


def test_a_scheduler_with_no_workers_says_so_and_gives_up_after_its_wait(
    empty_cluster: object, negsim: Callable[..., Done]
) -> None:
    address = str(empty_cluster.scheduler_address)  # type: ignore[attr-defined]
    done = negsim(["run", "--runs", "2", "--scheduler", address], WORKER_WAIT=1.0)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert done.stderr.splitlines() == [
        f"negsim: the Dask scheduler at {address} has no workers; waiting up to 1 s for one "
        "to join",
        f"negsim: no worker joined the Dask scheduler at {address} within 1 s",
    ]


def test_the_wait_for_a_worker_is_a_minute() -> None:
    assert executors.WORKER_WAIT == 60.0


@pytest.mark.slow
def test_a_worker_that_joins_during_the_wait_does_the_work(
    empty_cluster: object, negsim: Callable[..., Done]
) -> None:
    address = str(empty_cluster.scheduler_address)  # type: ignore[attr-defined]
    args = ["run", "--runs", "6", "--seed", "3", "--format", "json"]
    code = (
        "import sys\n"
        "from sim.cli import main\n"
        f"sys.exit(main({[*args, '--scheduler', address]!r}))\n"
    )
    p = subprocess.Popen(
        [sys.executable, "-c", code], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        assert p.stderr is not None
        notice = p.stderr.readline().decode()
        assert "has no workers; waiting up to 60 s for one to join" in notice
        empty_cluster.scale(1)  # type: ignore[attr-defined]
        stdout, stderr = p.communicate(timeout=DEADLINE)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
        empty_cluster.scale(0)  # type: ignore[attr-defined]
    assert p.returncode == 0, stderr
    local = negsim([*args, "--workers", "1"])
    volatile = ("backend", "wall_time_s")
    got = {k: v for k, v in json.loads(stdout).items() if k not in volatile}
    want = {k: v for k, v in json.loads(local.stdout).items() if k not in volatile}
    assert got == want
