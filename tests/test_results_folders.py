"""Results folders are all-or-nothing, one writer at a time, and never follow special files.

The promises of :mod:`sim.folders` and :mod:`sim.files`, tried as a hostile user (and a full
disk, Ctrl-C, ``kill -9``) would: every write that changes the disk goes through one of the
``sim.files.sys_*`` functions, so each is made to fail in turn (``ENOSPC`` and
``KeyboardInterrupt``) and the folder must then hold exactly what it held before. Anything that
could block (a named pipe) runs with a timeout, so a hang fails the test instead of stalling it.
"""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import negsim_in_process

from sim import files
from sim.folders import LOG_NAME, MARKER, FolderBusy, FolderError, WriteFailed, take

SYS_CALLS = (
    "sys_open",
    "sys_write",
    "sys_fsync",
    "sys_rename",
    "sys_exchange",
    "sys_mkdir",
    "sys_link",
)
"""Every function of :mod:`sim.files` that changes the disk."""

TINY = """\
name = "tiny_folders"
title = "One parameter decides"
start = 2013-01-01
horizon = 2013-04-01

[initial]
readiness = 0.5

[gates.question]
contention = 0.0
resolved = true

[stages.agreed]
label = "an agreement"
gates = []
threshold = 0.6

[actors.alpha]
tempo_days = 5.0
pass_weight = 1.0

[deadlines.soon]
date = 2013-02-01
"""


def snapshot(folder: Path) -> dict[str, bytes] | None:
    """Every file of ``folder`` (recursively) with its bytes; ``None`` if there is no folder."""
    if not folder.exists():
        return None
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def without_time(files_: dict[str, bytes] | None) -> dict[str, bytes] | None:
    """A snapshot with the marker's time left out (it says when the folder was written)."""
    if files_ is None:
        return None
    return {k: b"" if k == MARKER else v for k, v in files_.items()}


def beside(folder: Path) -> list[str]:
    """What negsim left beside ``folder``: staging or old folders, a lock file."""
    return sorted(n for n in os.listdir(folder.parent) if n.startswith(f".{folder.name}.negsim-"))


def write_output(stage: Path, tag: str) -> None:
    """A command's output: several files, one streamed, as the real writers write them."""
    files.atomic_write_text(stage / "summary.json", json.dumps({"tag": tag}) + "\n")
    files.atomic_write_text(stage / "runs.csv", f"run,tag\n0,{tag}\n")
    files.atomic_write_chunks(stage / "big.csv", (f"{i},{tag}\n".encode() for i in range(50)))
    files.atomic_write_bytes(stage / "figure.png", b"\x89PNG" + tag.encode() * 100)


def write_whole(folder: Path, tag: str, log: bool = False) -> None:
    """Take ``folder`` and write the output tagged ``tag`` into it (a log there is carried)."""
    logs = [LOG_NAME] if log else []
    with take(folder, "test", logs=logs) as taken, taken.staged(keep=logs) as stage:
        write_output(stage, tag)


def prepare(folder: Path, before: str, log: bool) -> None:
    """Put ``folder`` in a state: no folder, an empty one, or an earlier command's output."""
    if before == "empty":
        folder.mkdir()
    elif before == "old-output":
        if log:
            folder.mkdir()
            files.append_line_durably(folder / LOG_NAME, json.dumps({"log": "a point"}))
        write_whole(folder, "old", log)


class Failure:
    """Makes the ``n``-th call of one ``sim.files.sys_*`` function raise ``error``."""

    def __init__(self, name: str, n: int, error: BaseException) -> None:
        self.name, self.n, self.error = name, n, error
        self.calls = 0
        self.real: Callable[..., Any] = getattr(files, name)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.calls += 1
        if self.calls == self.n:
            raise self.error
        return self.real(*args, **kwargs)


def count_calls(monkeypatch: pytest.MonkeyPatch, action: Callable[[], None]) -> dict[str, int]:
    """How many times ``action`` calls each ``sys_*`` function."""
    counters = {name: Failure(name, 0, RuntimeError()) for name in SYS_CALLS}
    with monkeypatch.context() as m:
        for name, counter in counters.items():
            m.setattr(files, name, counter)
        action()
    return {name: c.calls for name, c in counters.items()}


ERRORS: dict[str, Callable[[], BaseException]] = {
    "ENOSPC": lambda: OSError(errno.ENOSPC, os.strerror(errno.ENOSPC)),
    "Ctrl-C": KeyboardInterrupt,
}


@pytest.mark.parametrize(
    ("exchange", "before", "log"),
    [
        (True, "old-output", False),
        pytest.param(True, "old-output", True, marks=pytest.mark.slow),
        pytest.param(True, "new", False, marks=pytest.mark.slow),
        pytest.param(True, "new", True, marks=pytest.mark.slow),
        pytest.param(True, "empty", False, marks=pytest.mark.slow),
        pytest.param(False, "old-output", False, marks=pytest.mark.slow),
        pytest.param(False, "old-output", True, marks=pytest.mark.slow),
        pytest.param(False, "new", False, marks=pytest.mark.slow),
    ],
    ids=[
        "exchange-old-output",
        "exchange-old-output-log",
        "exchange-new",
        "exchange-new-log",
        "exchange-empty",
        "rename-aside-old-output",
        "rename-aside-old-output-log",
        "rename-aside-new",
    ],
)
def test_every_write_failing_in_turn_leaves_the_folder_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, exchange: bool, before: str, log: bool
) -> None:
    if not exchange:  # a system or file system without renameat2(RENAME_EXCHANGE)
        monkeypatch.setattr(files, "sys_exchange", lambda a, b: False)
    # Flushing to disk is what makes a crash of the machine safe, not what is tried here
    # (sys_fsync still fails in turn): skipped, the hundreds of writes take a second.
    monkeypatch.setattr(os, "fsync", lambda fd: None)
    probe = tmp_path / "probe"
    prepare(probe, before, log)
    calls = count_calls(monkeypatch, lambda: write_whole(probe, "new", log))
    assert calls["sys_write"] >= 4
    assert calls["sys_rename"] >= 4
    assert calls["sys_fsync"] >= 4
    whole = snapshot(probe)
    assert whole is not None
    tried = 0
    for name, count in calls.items():
        for n in range(1, count + 1):
            for why, error in ERRORS.items():
                folder = tmp_path / f"{name}-{n}-{why}"
                prepare(folder, before, log)
                was = snapshot(folder)
                failure = Failure(name, n, error())
                with monkeypatch.context() as m:
                    m.setattr(files, name, failure)
                    try:
                        write_whole(folder, "new", log)
                    except (WriteFailed, KeyboardInterrupt) as exc:
                        raised: BaseException | None = exc
                    else:
                        raised = None
                    if raised is not None:
                        assert isinstance(raised, KeyboardInterrupt) == (why == "Ctrl-C")
                        assert "\n" not in str(raised)
                        now = snapshot(folder)
                        if log and was is None and now == {}:
                            was = {}  # a command with a log makes its folder first, to hold it
                        if now != was:
                            # Ctrl-C once the new folder has its name (flushing the parent's
                            # entries) stops nothing: the output is whole, the command says so.
                            assert (name, why) == ("sys_fsync", "Ctrl-C"), f"{name} call {n}"
                            assert without_time(now) == without_time(whole), f"{name} call {n}"
                    else:
                        # Only a failure that changes nothing may go unnoticed: flushing a
                        # folder's entries after the rename that made the output whole.
                        assert name == "sys_fsync", f"{name} call {n} ({why}) went unnoticed"
                        assert without_time(snapshot(folder)) == without_time(whole)
                assert beside(folder) == [], f"{name} call {n} ({why}) left {beside(folder)}"
                tried += 1
    assert tried >= 2 * 20
    assert sorted(whole) == sorted(
        [
            MARKER,
            "big.csv",
            "figure.png",
            "runs.csv",
            "summary.json",
            *([LOG_NAME] if log and before == "old-output" else []),
        ]
    )
    assert json.loads(whole["summary.json"]) == {"tag": "new"}


@pytest.mark.slow  # two runs and a simulation (about 3 s)
def test_a_full_disk_during_run_out_is_one_line_exit_1_and_the_folder_is_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    args = ("run", "--runs", "8", "--workers", "1", "--quiet", "--out", str(out))
    first = negsim_in_process(*args, "--seed", "1")
    assert first.returncode == 0, first.stderr
    was = snapshot(out)
    for name in ("sys_write", "sys_rename", "sys_exchange"):
        failure = Failure(
            name,
            3 if name != "sys_exchange" else 1,
            OSError(errno.ENOSPC, "No space left on device"),
        )
        with monkeypatch.context() as m:
            m.setattr(files, name, failure)
            done = negsim_in_process(*args, "--seed", "2")
        assert failure.calls >= failure.n
        assert done.returncode == 1, done.stderr
        assert done.stderr.count("\n") == 1
        assert "No space left on device" in done.stderr
        assert snapshot(out) == was
        assert beside(out) == []


def test_ctrl_c_during_the_writes_of_run_out_leaves_the_folder_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    args = ("run", "--runs", "8", "--workers", "1", "--quiet", "--out", str(out))
    assert negsim_in_process(*args, "--seed", "1").returncode == 0
    was = snapshot(out)
    with monkeypatch.context() as m:
        m.setattr(files, "sys_rename", Failure("sys_rename", 2, KeyboardInterrupt()))
        done = negsim_in_process(*args, "--seed", "2")
    assert done.returncode == 130
    assert snapshot(out) == was
    assert beside(out) == []


@pytest.mark.parametrize("exchange", [True, False], ids=["exchange", "rename-aside"])
def test_a_real_ctrl_c_during_the_swap_waits_for_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, exchange: bool
) -> None:
    folder = tmp_path / "out"
    write_whole(folder, "old")
    real = files.sys_exchange if exchange else (lambda a, b: False)

    def interrupted(first: Path, second: Path) -> bool:
        os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C as the names change
        return real(first, second)

    monkeypatch.setattr(files, "sys_exchange", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_whole(folder, "new")
    # Delivered once the swap was done: the new output, whole, and nothing left beside.
    assert json.loads((folder / "summary.json").read_text()) == {"tag": "new"}
    assert beside(folder) == []


def test_what_a_killed_writer_left_is_cleaned_by_the_next(tmp_path: Path) -> None:
    folder = tmp_path / "out"
    write_whole(folder, "old")
    was = snapshot(folder)
    # kill -9 during a write: a temporary file inside, a staging folder beside.
    (folder / ".summary.json.0123abcd.tmp").write_text("{half")
    staging = tmp_path / ".out.negsim-staging-4242-deadbeef"
    staging.mkdir()
    (staging / "runs.csv").write_text("half")
    # Not negsim's: left alone.
    (tmp_path / ".out.negsim-mine").write_text("keep me")
    with take(folder, "test"):
        pass
    assert snapshot(folder) == was
    assert not staging.exists()
    assert (tmp_path / ".out.negsim-mine").read_text() == "keep me"


def test_a_writer_killed_between_the_two_renames_leaves_the_old_folder_to_be_put_back(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "out"
    write_whole(folder, "old")
    was = snapshot(folder)
    folder.rename(tmp_path / ".out.negsim-old-4242-deadbeef")
    with take(folder, "test"):
        pass
    assert snapshot(folder) == was
    assert beside(folder) == []


def test_a_resumed_sweep_cleans_a_temporary_file_left_in_its_folder(tmp_path: Path) -> None:
    scenario = tmp_path / "tiny.toml"
    scenario.write_text(TINY, encoding="utf-8")
    out = tmp_path / "sweep"
    args = ("sweep", str(scenario), "--param", "stages.agreed.threshold=0.05:0.95")
    args += ("--points", "3", "--runs", "4", "--workers", "1", "--quiet", "--out", str(out))
    assert negsim_in_process(*args).returncode == 0
    (out / f".{LOG_NAME}.0123abcd.tmp").write_text("torn")
    done = negsim_in_process(*args, "--resume")
    assert done.returncode == 0, done.stderr
    assert not [n for n in os.listdir(out) if n.endswith(".tmp")]


KILLED_MID_WRITE = textwrap.dedent(
    """
    import sys, time
    from sim import files
    from sim.folders import take

    def rows():
        yield b"run,tag\\n" + b"0,new\\n" * 1000
        print("mid-write", flush=True)
        time.sleep(600)
        yield b"never"

    with take(sys.argv[1], "run") as folder, folder.staged() as stage:
        files.atomic_write_text(stage / "summary.json", "{}")
        files.atomic_write_chunks(stage / "runs.csv", rows())
    """
)


def python_env() -> dict[str, str]:
    """The environment of a child Python that imports this checkout's ``sim``."""
    return {**os.environ, "PYTHONPATH": os.pathsep.join([os.getcwd(), *sys.path])}


def test_kill_9_during_the_final_write_leaves_the_folder_and_the_next_taker_cleans(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "out"
    write_whole(folder, "old")
    was = snapshot(folder)
    proc = subprocess.Popen(
        [sys.executable, "-c", KILLED_MID_WRITE, str(folder)],
        stdout=subprocess.PIPE,
        text=True,
        env=python_env(),
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "mid-write"
    finally:
        proc.kill()
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    assert snapshot(folder) == was
    left = beside(folder)
    staging = [n for n in left if ".negsim-staging-" in n]
    assert len(staging) == 1
    assert [n for n in os.listdir(tmp_path / staging[0]) if files.is_temporary(n)]
    with take(folder, "run"):
        assert [n for n in beside(folder) if "staging" in n] == []
    assert beside(folder) == []
    assert snapshot(folder) == was


def test_a_temporary_file_in_a_log_folder_is_removed_when_it_is_taken(tmp_path: Path) -> None:
    folder = tmp_path / "sweep"
    folder.mkdir()
    files.append_line_durably(folder / LOG_NAME, "{}")
    (folder / f".{LOG_NAME}.0123abcd.tmp").write_text("a repair killed half-way")
    with take(folder, "sweep", logs=[LOG_NAME]) as taken:
        assert sorted(os.listdir(taken.path)) == [LOG_NAME]


def test_a_calibration_folder_is_its_own_to_resume_and_no_one_elses(tmp_path: Path) -> None:
    from sim.experiments.calibrate import KEPT_FILES

    folder = tmp_path / "cal"
    folder.mkdir()
    (folder / "calibration.json").write_text("{}")
    (folder / "abc.db").write_bytes(b"SQLite format 3\x00")
    (folder / "abc.db-journal").write_bytes(b"hot")  # a killed transaction's: kept
    with (
        take(folder, "calibrate", logs=KEPT_FILES) as taken,
        taken.staged(keep=KEPT_FILES) as stage,
    ):
        (stage / "posterior.csv").write_text("weight,x\n1,2\n")
    assert sorted(os.listdir(folder)) == sorted(
        [MARKER, "abc.db", "abc.db-journal", "calibration.json", "posterior.csv"]
    )
    run = tmp_path / "run"
    write_whole(run, "a run")
    with pytest.raises(FolderError, match="holds the results of 'negsim test'"):
        take(run, "calibrate", logs=KEPT_FILES)


# -- one writer at a time -------------------------------------------------------------------

HOLDER = textwrap.dedent(
    """
    import sys
    from sim.folders import take
    with take(sys.argv[1], "run"):
        print("held", flush=True)
        sys.stdin.read()
    """
)


@pytest.fixture
def held(tmp_path: Path) -> Iterator[tuple[Path, subprocess.Popen[str]]]:
    """A folder another process holds (until it is killed, or its stdin closes)."""
    folder = tmp_path / "out"
    write_whole(folder, "old")
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(folder)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=python_env(),
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "held"
    yield folder, proc
    if proc.poll() is None:
        proc.kill()
    proc.wait(timeout=30)


def test_a_second_writer_is_refused_with_one_line(
    held: tuple[Path, subprocess.Popen[str]],
) -> None:
    folder, proc = held
    was = snapshot(folder)
    done = negsim_in_process(
        "run", "--runs", "4", "--workers", "1", "--quiet", "--out", str(folder)
    )
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1
    assert f"in use by 'negsim run' (pid {proc.pid}" in done.stderr
    assert snapshot(folder) == was
    with pytest.raises(FolderBusy):
        take(folder, "sweep", logs=[LOG_NAME])


def test_report_does_not_read_a_folder_being_written(
    held: tuple[Path, subprocess.Popen[str]],
) -> None:
    folder, _ = held
    done = negsim_in_process("report", str(folder))
    assert done.returncode == 2
    assert "in use by 'negsim run'" in done.stderr
    assert done.stderr.count("\n") == 1


def test_a_holder_killed_with_kill_9_frees_the_folder(
    held: tuple[Path, subprocess.Popen[str]],
) -> None:
    folder, proc = held
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    with take(folder, "run"):  # the lock file is left, but no process holds it
        pass
    assert beside(folder) == []


@pytest.mark.slow  # two interpreters, one running 2000 runs (about 10 s)
def test_two_commands_started_together_on_one_folder_one_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "out"
    args = ["run", "--runs", "2000", "--workers", "1", "--quiet", "--out", str(out)]
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "sim", *args, "--seed", str(seed)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=python_env(),
        )
        for seed in (1, 2)
    ]
    done = [(p.wait(timeout=300), p.stderr.read() if p.stderr else "") for p in procs]
    for p in procs:
        for stream in (p.stdout, p.stderr):
            if stream is not None:
                stream.close()
    statuses = sorted(status for status, _ in done)
    assert statuses == [0, 2], done
    refused = next(err for status, err in done if status == 2)
    assert refused.count("\n") == 1
    assert "in use by 'negsim run'" in refused
    # The folder is the complete output of the one that ran.
    winner = 1 + [status for status, _ in done].index(0)
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["provenance"]["seed"] == winner
    assert beside(out) == []


# -- folders that are not negsim's, or another command's ------------------------------------


def sweep_args(
    scenario: Path, out: Path, param: str = "stages.agreed.threshold=0.05:0.95"
) -> tuple[str, ...]:
    return (
        "sweep", str(scenario), "--param", param, "--points", "3", "--runs", "4",
        "--workers", "1", "--quiet", "--out", str(out),
    )  # fmt: skip


def test_two_different_sweeps_never_share_one_log(tmp_path: Path) -> None:
    scenario = tmp_path / "tiny.toml"
    scenario.write_text(TINY, encoding="utf-8")
    out = tmp_path / "sweep"
    assert negsim_in_process(*sweep_args(scenario, out)).returncode == 0
    was = snapshot(out)
    other = "actors.alpha.tempo_days=1:9"
    for extra in ((), ("--resume",)):
        done = negsim_in_process(*sweep_args(scenario, out, other), *extra)
        assert done.returncode == 2, done.stderr
        assert done.stderr.count("\n") == 1
        assert LOG_NAME in done.stderr
        assert snapshot(out) == was
    # Nor does another command replace it.
    done = negsim_in_process("run", str(scenario), "--runs", "4", "--quiet", "--out", str(out))
    assert done.returncode == 2
    assert "only the same experiment" in done.stderr
    assert snapshot(out) == was


def test_a_sweep_does_not_take_another_commands_folder(tmp_path: Path) -> None:
    scenario = tmp_path / "tiny.toml"
    scenario.write_text(TINY, encoding="utf-8")
    out = tmp_path / "run"
    assert (
        negsim_in_process(
            "run", str(scenario), "--runs", "4", "--quiet", "--out", str(out)
        ).returncode
        == 0
    )
    was = snapshot(out)
    done = negsim_in_process(*sweep_args(scenario, out))
    assert done.returncode == 2
    assert "holds the results of 'negsim run'" in done.stderr
    assert snapshot(out) == was


def test_a_folder_negsim_did_not_write_is_never_replaced(tmp_path: Path) -> None:
    out = tmp_path / "mine"
    out.mkdir()
    (out / "thesis.tex").write_text("years of work")
    done = negsim_in_process("run", "--runs", "4", "--quiet", "--out", str(out))
    assert done.returncode == 2
    assert "negsim did not write it" in done.stderr
    assert (out / "thesis.tex").read_text() == "years of work"
    done = negsim_in_process("run", "--runs", "4", "--quiet", "--out", ".", cwd=out)
    assert done.returncode == 2
    assert "holds the current folder" in done.stderr


# -- writes never follow or replace special files --------------------------------------------


def special_names(tmp_path: Path) -> dict[str, Path]:
    """A symbolic link to a regular file, one to /dev/null, a named pipe, a folder, /dev/null."""
    victim = tmp_path / "victim.txt"
    victim.write_text("do not touch")
    link = tmp_path / "link"
    link.symlink_to(victim)
    null_link = tmp_path / "null_link"
    null_link.symlink_to(os.devnull)
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    folder = tmp_path / "a_folder"
    folder.mkdir()
    return {
        "symlink": link,
        "symlink-to-device": null_link,
        "fifo": fifo,
        "folder": folder,
        "device": Path(os.devnull),
    }


def negsim_subprocess(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """``python -m sim ARGS`` with a timeout: a write that blocks on a pipe fails the test."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([os.getcwd(), *sys.path])}
    return subprocess.run(
        [sys.executable, "-m", "sim", *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        check=False,
    )


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("run") / "out"
    done = negsim_in_process("run", "--runs", "8", "--workers", "1", "--quiet", "--out", str(out))
    assert done.returncode == 0, done.stderr
    return out


@pytest.mark.slow  # one interpreter per special file (about 10 s in all)
def test_outputs_never_follow_or_replace_special_files(tmp_path: Path, run_dir: Path) -> None:
    names = special_names(tmp_path)
    null_before = os.stat(os.devnull)
    for kind, target in names.items():
        commands = {
            "report -o": ("report", str(run_dir), "-o", str(target)),
            "play --record": ("play", "--as", "russia", "--seed", "1", "--record", str(target)),
            "run --out": ("run", "--runs", "4", "--workers", "1", "--quiet", "--out", str(target)),
        }
        for what, args in commands.items():
            if what == "run --out" and kind == "folder":
                continue  # a folder is what --out wants
            done = negsim_subprocess(*args, cwd=tmp_path)
            assert done.returncode == 2, f"{what} {kind}: {done.stderr}"
            assert done.stderr.count("\n") == 1, f"{what} {kind}: {done.stderr}"
            assert "Traceback" not in done.stderr
    assert (tmp_path / "victim.txt").read_text() == "do not touch"
    assert (tmp_path / "link").is_symlink()
    assert (tmp_path / "null_link").is_symlink()
    assert (tmp_path / "fifo").is_fifo()
    after = os.stat(os.devnull)
    assert (after.st_ino, after.st_mode) == (null_before.st_ino, null_before.st_mode)


def test_report_and_record_refuse_special_files_in_process(tmp_path: Path, run_dir: Path) -> None:
    for kind, target in special_names(tmp_path).items():
        done = negsim_in_process("report", str(run_dir), "-o", str(target))
        assert done.returncode == 2, f"{kind}: {done.stderr}"
        assert done.stderr.count("\n") == 1
        assert str(target) in done.stderr
        if kind != "folder":
            with pytest.raises(files.OutputFileError):
                files.atomic_write_text(target, "x")
    assert (tmp_path / "victim.txt").read_text() == "do not touch"
    assert (tmp_path / "fifo").is_fifo()


@pytest.mark.parametrize("kind", ["symlink", "symlink-to-device", "fifo", "device"])
def test_out_refuses_what_is_not_a_folder(tmp_path: Path, kind: str) -> None:
    target = special_names(tmp_path)[kind]
    with pytest.raises(FolderError) as caught:
        take(target, "run")
    assert "\n" not in str(caught.value)
    assert (tmp_path / "victim.txt").read_text() == "do not touch"


def test_a_log_that_is_a_pipe_or_a_link_is_refused_not_read(tmp_path: Path) -> None:
    for kind in ("fifo", "symlink"):
        out = tmp_path / kind
        out.mkdir()
        if kind == "fifo":
            os.mkfifo(out / LOG_NAME)
        else:
            (out / LOG_NAME).symlink_to("/dev/zero")
        with pytest.raises(FolderError, match="not a regular file"):
            take(out, "sweep", logs=[LOG_NAME])
        with pytest.raises(FolderError, match="not a regular file"):
            take(out, "run")


def test_a_name_too_long_for_the_work_beside_it_is_refused_before_any_work(
    tmp_path: Path,
) -> None:
    for length in (223, 240, 300):
        folder = tmp_path / ("x" * length)
        with pytest.raises(FolderError, match="too long") as caught:
            take(folder, "run")
        assert "\n" not in str(caught.value)
    with take(tmp_path / ("x" * 200), "run"):
        pass
