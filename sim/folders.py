"""Results folders written whole: a folder holds one command's complete output, or what it held.

Every command that writes a results folder (``--out DIR``) takes it with :func:`take`, works,
and writes its files into a staging folder that replaces ``DIR`` in one step::

    with take(args.out, "run") as folder:  # refuses a busy, odd or foreign folder
        result = long_work()  # Ctrl-C or a failure here: DIR as it was
        with folder.staged() as stage:  # a new, empty folder beside DIR
            write_run(result, stage)  # every file of the output, in ``stage``
    # DIR now holds exactly the files written in ``stage``

A new command (``negsim calibrate``, say) does the same with its own name and its own
writer; its writer writes files with :mod:`sim.files` into the folder it is given and
knows nothing of staging. A command that keeps a log in ``DIR`` as it works, to be resumed
(a sweep's ``points.jsonl``, :mod:`sim.experiments.store`), takes the folder with
``logs=[LOG_NAME]``, appends to the log in :attr:`ResultsFolder.path` as it goes, and stages
its final outputs with ``folder.staged(keep=[LOG_NAME])``, which carries the finished log
into the new folder (``negsim calibrate`` does the same with its identity file and pyabc's
database).

What is promised
----------------
* ``DIR`` holds the complete output of one command, or what it held before, never a mix:
  a failure while writing (a full disk, any ``OSError``: exit status 1, one line), Ctrl-C
  (exit status 130) or ``kill -9`` leaves it as it was. The only exception is the log of a
  resumable command, which grows point by point in ``DIR`` while the command runs: there
  ``DIR`` holds the log and nothing else until the final outputs join it, all at once.
* One writer at a time: a second command taking ``DIR`` (or ``report`` reading it) is
  refused at once with one line naming the folder and the holder (exit status 2).
* Only a folder is replaced, never followed: a symbolic link, a file, a pipe, a device or a
  socket at ``DIR`` is refused (exit status 2); so is a folder that holds the current
  folder (``--out .``).
* Nothing of the user's is removed: a folder that is not empty is taken only if negsim
  wrote it (it has :data:`MARKER`, or is a resumable command's log alone); one holding a log
  of finished points is taken only by the same experiment resuming (it decides,
  :class:`~sim.experiments.store.PointStore`), never replaced by another command; and a
  resumable command starts only in a new or empty folder, or in its own log's.

How
---
* A lock file beside the folder, ``.DIR.negsim-lock``, held with ``flock`` while the
  command runs; it holds the holder's pid, host, command and start time for the message
  refusing a second writer. The kernel drops the lock when its process dies, even by
  ``kill -9``: a lock file left behind is stale by construction, and the next taker uses it.
  It is removed on release (after checking, once locked, that the file locked is the one at
  the name, so that two takers never both hold it).
* The staging folder is ``.DIR.negsim-staging-<pid>-<random>``, beside ``DIR`` (so on the
  same file system); its files are flushed to disk (:mod:`sim.files`), with the folder's
  entries, before the swap.
* The swap: where the system can (Linux's ``renameat2(RENAME_EXCHANGE)``: ext4, XFS, Btrfs,
  tmpfs), the two folders exchange names in one step, so that ``DIR`` names the old or the
  new folder at every instant; elsewhere ``DIR`` is renamed aside
  (``.DIR.negsim-old-<pid>-<random>``), then the staging folder to ``DIR``, and back on
  failure. Ctrl-C waits for the swap to finish. The old folder is removed after.
* What a killed process leaves beside ``DIR`` (staging folders, an old folder) is removed
  by the next taker, which first renames an old folder back if ``DIR`` is missing (a crash
  between the two renames); temporary files inside ``DIR`` (``.NAME.<random>.tmp``) are
  removed too. So is what ``--resume`` finds.
* :data:`MARKER`, a small JSON file (the command, negsim's version, when), is written into
  every staged folder: it says that negsim wrote the folder, so that a later command may
  replace it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import json
import os
import re
import secrets
import shutil
import signal
import socket
import stat
import sys
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Any

from sim import files
from sim._version import __version__
from sim.errors import InputError, WorkFailed, one_line

if sys.platform != "win32":
    import fcntl

__all__ = [
    "LOG_NAME",
    "MARKER",
    "FolderBusy",
    "FolderError",
    "FolderLock",
    "ResultsFolder",
    "WriteFailed",
    "locked",
    "log_has_points",
    "take",
]

#: The file in every results folder negsim wrote whole: what command wrote it, and when.
MARKER = ".negsim"

#: The log a resumable command appends to in its folder while it runs
#: (:mod:`sim.experiments.store`).
LOG_NAME = "points.jsonl"

_TAG = ".negsim-"
"""What the names negsim puts beside a folder ``DIR`` have after ``.DIR``."""

_NAME_MAX = 255
"""The longest file name, in bytes, on the file systems negsim writes to (Linux, macOS)."""

_LEFTOVER = re.compile(r"(staging|old)-\d+-[0-9a-f]{8}")
"""The rest of the name of a staging or old folder beside ``DIR``, after ``.DIR.negsim-``."""


class FolderError(InputError):
    """A results folder that cannot be used; one line naming it and saying why."""


class FolderBusy(FolderError):
    """Another negsim process holds the folder; the message names it."""


class WriteFailed(WorkFailed):
    """The output could not be written (a full disk, say); the folder is as it was."""


def log_has_points(path: str | os.PathLike[str]) -> bool:
    """Tell whether a log holds anything besides its header line (read cheaply).

    A log that cannot be read, or is not a regular file (never waited on: a named pipe),
    counts as holding points: it is not thrown away.
    """
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as f:
            if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
                return True
            f.readline(1 << 20)
            return any(line.strip() for line in iter(lambda: f.readline(1 << 20), b""))
    except OSError:
        return True


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


class FolderLock:
    """The lock on a folder, held by this process until :meth:`release`.

    Use :meth:`acquire`; a process may hold the locks of several folders.

    Parameters
    ----------
    folder
        The folder locked (absolute).
    fd
        The open, locked lock file (``None`` where there is no ``flock``).
    """

    def __init__(self, folder: Path, fd: int | None) -> None:
        self.folder = folder
        self._fd = fd

    @staticmethod
    def path_for(folder: Path) -> Path:
        """The lock file of ``folder``: ``.NAME.negsim-lock`` beside it."""
        return folder.parent / f".{folder.name}{_TAG}lock"

    @classmethod
    def acquire(cls, folder: Path, command: str, shown: str) -> FolderLock:
        """Lock ``folder`` (an absolute path whose parent exists) for ``command``.

        Parameters
        ----------
        folder
            The folder.
        command
            Who takes it, for the message refusing the next taker (``"run"``).
        shown
            How messages name the folder (``"--out results"``).

        Raises
        ------
        FolderBusy
            If another process holds the lock.
        FolderError
            If the lock file cannot be made.
        """
        if sys.platform == "win32":  # pragma: no cover - no flock: folders are not locked
            return cls(folder, None)
        path = cls.path_for(folder)
        for _ in range(20):
            try:
                fd = os.open(
                    path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | getattr(os, "O_NOFOLLOW", 0)
                )
            except OSError as exc:
                raise FolderError(
                    f"{shown}: cannot write in {one_line(str(folder.parent))} "
                    f"({exc.strerror or exc})"
                ) from None
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = _read_holder(fd)
                os.close(fd)
                raise FolderBusy(
                    f"{shown}: in use by {holder}; wait for it to finish, or choose another folder"
                ) from None
            except OSError as exc:
                os.close(fd)
                raise FolderError(
                    f"{shown}: cannot lock it ({exc.strerror or exc}); is "
                    f"{one_line(str(folder.parent))} on a file system without locks?"
                ) from None
            if _same_file(fd, path):
                mine = {
                    "pid": os.getpid(),
                    "host": socket.gethostname(),
                    "command": command,
                    "since": _now(),
                }
                with contextlib.suppress(OSError):
                    os.ftruncate(fd, 0)
                    os.pwrite(fd, json.dumps(mine).encode("utf-8"), 0)
                return cls(folder, fd)
            # The holder removed the file as it released it: lock the new one instead.
            os.close(fd)
        raise FolderBusy(f"{shown}: in use (its lock keeps changing hands); try again")

    def release(self) -> None:
        """Remove the lock file and unlock (idempotent)."""
        if self._fd is None:
            return
        # Removed while still locked: a process that opened it meanwhile sees the name gone
        # (or another file at it) once it gets the lock, and starts again.
        with contextlib.suppress(OSError):
            if _same_file(self._fd, self.path_for(self.folder)):
                os.unlink(self.path_for(self.folder))
        os.close(self._fd)
        self._fd = None


def _same_file(fd: int, path: Path) -> bool:
    try:
        there = os.stat(path, follow_symlinks=False)
    except OSError:
        return False
    here = os.fstat(fd)
    return (here.st_dev, here.st_ino) == (there.st_dev, there.st_ino)


def _read_holder(fd: int) -> str:
    """The holder a lock file names, in words."""
    try:
        holder = json.loads(os.pread(fd, 4096, 0).decode("utf-8"))
        pid, host = int(holder["pid"]), one_line(str(holder["host"]))[:64]
        command = one_line(str(holder["command"]))[:32]
        since = one_line(str(holder["since"]))[:32]
    except (OSError, ValueError, KeyError, TypeError, RecursionError):
        return "another negsim process"
    return f"'negsim {command}' (pid {pid} on {host}, since {since})"


@contextmanager
def locked(path: str | os.PathLike[str], command: str, shown: str) -> Iterator[None]:
    """Hold the lock of a folder negsim reads (and may add a file to), as ``report`` does.

    Nothing is locked when ``path`` is not a folder, or when its parent cannot be written
    to: then no negsim command can replace the folder either.

    Raises
    ------
    FolderBusy
        If a command is writing the folder.
    """
    folder = Path(os.path.abspath(os.fspath(path)))
    lock = None
    if os.path.isdir(folder) and folder.parent != folder:
        try:
            lock = FolderLock.acquire(folder, command, shown)
        except FolderBusy:
            raise
        except FolderError:
            lock = None
    try:
        yield
    finally:
        if lock is not None:
            lock.release()


class ResultsFolder:
    """A results folder taken by one command (see the module notes); use :func:`take`.

    It is a context manager that releases the folder.

    Attributes
    ----------
    path : pathlib.Path
        The folder (absolute). It exists for a command with logs, which keeps them in it.
    command : str
        The command that took it.
    shown : str
        How messages name it (``"--out results"``).
    """

    def __init__(self, path: Path, command: str, shown: str, lock: FolderLock) -> None:
        self.path = path
        self.command = command
        self.shown = shown
        self._lock = lock

    def release(self) -> None:
        """Give the folder up (idempotent)."""
        self._lock.release()

    def __enter__(self) -> ResultsFolder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()

    @contextmanager
    def staged(self, keep: Sequence[str] = ()) -> Iterator[Path]:
        """A new, empty folder for the complete output; it replaces the folder on leaving.

        Write every file of the output into the folder this yields. When the ``with``
        block ends normally, the files of ``keep`` found in :attr:`path` are carried over
        (a hard link, or a copy), :data:`MARKER` is written, everything is flushed to disk
        and the new folder takes the place of the old, which is removed. When the block
        raises, the new folder is removed and :attr:`path` is as it was.

        Parameters
        ----------
        keep
            Names of files in :attr:`path` that belong to the output too (a log).

        Raises
        ------
        WriteFailed
            If writing failed with an ``OSError`` (a full disk, say): one line, and the
            folder is as it was.
        """
        stage = self._beside("staging")
        try:
            files.sys_mkdir(stage)
            with contextlib.suppress(OSError):
                os.chmod(stage, stat.S_IMODE(os.lstat(self.path).st_mode))
        except OSError as exc:
            raise self._failed(exc) from None
        try:
            yield stage
            for name in keep:
                self._carry(name, stage)
            files.atomic_write_json(
                stage / MARKER,
                {
                    "negsim_folder": 1,
                    "command": self.command,
                    "negsim_version": __version__,
                    "written_at": _now(),
                },
            )
            files.fsync_dir(stage)
            self._swap(stage)
        except OSError as exc:
            _remove(stage)
            raise self._failed(exc) from None
        except BaseException:
            _remove(stage)
            raise

    def _failed(self, exc: OSError) -> WriteFailed:
        why = exc.strerror or str(exc) or type(exc).__name__
        return WriteFailed(f"{self.shown}: cannot write the results ({why}); it is as it was")

    def _beside(self, kind: str) -> Path:
        name = f".{self.path.name}{_TAG}{kind}-{os.getpid()}-{secrets.token_hex(4)}"
        return self.path.parent / name

    def _carry(self, name: str, stage: Path) -> None:
        """Give the file ``name`` of the folder a second name in ``stage`` (or copy it)."""
        source = self.path / name
        if not source.is_file() or source.is_symlink():
            return
        try:
            files.sys_link(source, stage / name)
        except OSError as exc:
            if exc.errno in _NO_LINKS:
                with open(source, "rb") as f:
                    files.atomic_write_chunks(stage / name, iter(lambda: f.read(1 << 20), b""))
            else:
                raise

    def _swap(self, stage: Path) -> None:
        """Put ``stage`` in the folder's place, then remove the old folder."""
        with _sigint_deferred():
            old: Path | None = stage
            if not os.path.lexists(self.path):
                files.sys_rename(stage, self.path)
                old = None
            elif not files.sys_exchange(stage, self.path):
                old = self._beside("old")
                files.sys_rename(self.path, old)
                try:
                    files.sys_rename(stage, self.path)
                except BaseException:
                    files.sys_rename(old, self.path)
                    raise
            # The new folder has the name: failing to flush that to disk changes nothing now,
            # and the old folder goes whatever happens.
            try:
                with contextlib.suppress(OSError):
                    files.fsync_dir(self.path.parent)
            finally:
                if old is not None:
                    _remove(old)


_NO_LINKS = frozenset(
    {errno.EPERM, errno.EXDEV, errno.EMLINK, errno.ENOTSUP, errno.EOPNOTSUPP, errno.ENOSYS}
)
"""Why a file system refuses a hard link, where a copy does instead."""


def _remove(path: Path) -> None:
    """Remove a staging or old folder; what cannot be removed the next taker removes."""
    shutil.rmtree(path, ignore_errors=True)


@contextmanager
def _sigint_deferred() -> Iterator[None]:
    """Hold Ctrl-C back until the block is done (in the main thread; elsewhere, nothing)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.getsignal(signal.SIGINT)
    if not callable(previous):
        yield
        return
    caught: list[FrameType | None] = []

    def hold(signum: int, frame: FrameType | None) -> None:
        caught.append(frame)

    signal.signal(signal.SIGINT, hold)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        if caught:
            previous(signal.SIGINT, caught[0])


def take(
    path: str | os.PathLike[str],
    command: str,
    *,
    flag: str = "--out",
    logs: Sequence[str] = (),
) -> ResultsFolder:
    """Take the folder ``path`` for ``command``: lock it, clean up after a killed process.

    The folder's parents are made if missing; the folder itself when the output is staged
    (for a command with logs: at once, to hold them). Call it before long work, so that a
    folder that cannot be used fails at once.

    Parameters
    ----------
    path
        The folder, as the user gave it.
    command
        The command taking it (``"run"``), written in the lock and in :data:`MARKER`.
    flag
        How messages name the folder: ``--out``.
    logs
        For a command that keeps logs in the folder as it runs, to be resumed: their names
        (a sweep's :data:`LOG_NAME`; a calibration's identity and database). Stage the final
        outputs with ``keep=logs``.

    Returns
    -------
    ResultsFolder
        The folder, locked until released (it is a context manager).

    Raises
    ------
    FolderBusy
        If another process holds the folder.
    FolderError
        If ``path`` is a symbolic link, a file or another special file; holds the current
        folder; cannot be made or written to; holds files negsim did not write; holds a log
        of finished points (for a command without a log); or holds another command's
        results (for a command with one).
    """
    text = os.fspath(path)
    shown = f"{flag} {one_line(text)}"
    folder = Path(os.path.abspath(text))
    if folder.parent == folder:
        raise FolderError(f"{shown}: is the root folder; give a folder for the results")
    _check_kind(folder, shown)
    name = len(os.fsencode(folder.name))
    longest = len(os.fsencode(f".{folder.name}{_TAG}staging-{2**22}-{'0' * 8}"))
    if longest > _NAME_MAX:
        raise FolderError(
            f"{shown}: the name is too long ({name} bytes); negsim names its work beside "
            f"it, so at most {_NAME_MAX - (longest - name)}"
        )
    here = os.path.realpath(os.getcwd())
    if os.path.commonpath([here, os.path.realpath(folder)]) == os.path.realpath(folder):
        raise FolderError(
            f"{shown}: holds the current folder, which the results would replace; "
            f"give a folder inside it ({flag} results)"
        )
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise FolderError(f"{shown}: cannot make the folder ({exc.strerror or exc})") from None
    lock = FolderLock.acquire(folder, command, shown)
    try:
        _recover(folder)
        if logs and not os.path.lexists(folder):  # else made whole by the swap, or not at all
            try:
                files.sys_mkdir(folder)
            except OSError as exc:
                why = f"{shown}: cannot make the folder ({exc.strerror or exc})"
                raise (FolderError(why) if files.blames_path(exc) else WriteFailed(why)) from None
        _check_kind(folder, shown)
        if os.path.lexists(folder):
            _clean(folder)
            _check_contents(folder, shown, command, tuple(logs))
    except BaseException:
        lock.release()
        raise
    return ResultsFolder(folder, command, shown, lock)


def _check_kind(folder: Path, shown: str) -> None:
    """Refuse anything but a folder (or nothing) at the name; never follow a link there."""
    try:
        info = os.lstat(folder)
    except FileNotFoundError:
        return
    except OSError as exc:
        raise FolderError(f"{shown}: cannot use it ({exc.strerror or exc})") from None
    if stat.S_ISLNK(info.st_mode):
        raise FolderError(
            f"{shown}: is a symbolic link; give the folder it points to, or a new name"
        )
    if not stat.S_ISDIR(info.st_mode):
        raise FolderError(
            f"{shown}: exists and is not a folder (it is {files.file_kind(info.st_mode)})"
        )


def _recover(folder: Path) -> None:
    """Remove what a killed process left beside ``folder``; first put back a folder moved aside.

    A process killed between the two renames of a swap (where names cannot be exchanged in
    one step) leaves no folder at the name and the old one aside: it is renamed back.
    """
    prefix = f".{folder.name}{_TAG}"
    found = [
        folder.parent / name
        for name in os.listdir(folder.parent)
        if name.startswith(prefix) and _LEFTOVER.fullmatch(name[len(prefix) :])
    ]
    aside = sorted(
        (p for p in found if p.name[len(prefix) :].startswith("old-")),
        key=lambda p: p.lstat().st_mtime,
    )
    if aside and not os.path.lexists(folder):
        files.sys_rename(aside[-1], folder)
        found.remove(aside[-1])
    for leftover in found:
        _remove(leftover)


def _clean(folder: Path) -> None:
    """Remove the temporary files a killed write left in ``folder``."""
    for name in os.listdir(folder):
        if files.is_temporary(name):
            file = folder / name
            if stat.S_ISREG(file.lstat().st_mode):
                file.unlink()


def _check_contents(folder: Path, shown: str, command: str, logs: tuple[str, ...]) -> None:
    """Refuse a folder that this command may not replace (see the module notes)."""
    entries = sorted(os.listdir(folder))
    if not entries:
        return
    for name in set(entries) & {LOG_NAME, MARKER, *logs}:
        info = os.lstat(folder / name)
        if not stat.S_ISREG(info.st_mode):
            raise FolderError(
                f"{shown}: its {one_line(name)} is {files.file_kind(info.st_mode)}, not a "
                "regular file; negsim neither follows nor reads it: delete it, or choose "
                "another folder"
            )
    ours = MARKER in entries
    if not ours and not (logs and set(entries) <= set(logs)) and entries != [LOG_NAME]:
        listed = ", ".join(one_line(e) for e in entries[:3]) + (", ..." if len(entries) > 3 else "")
        raise FolderError(
            f"{shown}: is not empty and negsim did not write it whole (it holds {listed}); "
            "give a new or empty folder"
        )
    if logs and not set(entries) & set(logs):
        raise FolderError(
            f"{shown}: holds the results of {_written_by(folder)}; a {command} keeps its log "
            f"there as it works, so it needs a new or empty folder: choose another, or "
            "delete it"
        )
    log = folder / LOG_NAME
    if LOG_NAME not in logs and LOG_NAME in entries and log_has_points(log):
        raise FolderError(
            f"{shown}: holds the points of {_log_kind(log)} ({LOG_NAME}), which only the same "
            "experiment may extend (--resume); choose another folder, or delete it"
        )


def _written_by(folder: Path) -> str:
    """The command :data:`MARKER` names, in words (``"'negsim run'"``)."""
    try:
        with open(folder / MARKER, "rb") as f:
            marker: Any = json.loads(f.read(4096).decode("utf-8"))
        return f"'negsim {one_line(str(marker['command']))[:32]}'"
    except (OSError, ValueError, KeyError, TypeError, RecursionError):
        return "another command"


def _log_kind(log: Path) -> str:
    """What experiment a log's header says it is, in words (``"a sweep"``)."""
    try:
        with open(log, "rb") as f:
            header: Any = json.loads(f.readline(65536).decode("utf-8"))
        kind = one_line(str(header["kind"]))[:32]
    except (OSError, ValueError, KeyError, TypeError, RecursionError):
        return "an experiment"
    return f"an {kind}" if kind[:1] in "aeiou" else f"a {kind}"
