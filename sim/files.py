"""Writing results safely: whole files appear atomically, appends are durable.

A results file is written to a temporary file in the same folder, flushed to
disk, and renamed over its final name, so a reader (or a crash, or Ctrl-C)
sees either the old file or the new one, never half of one. Only a new name or
a regular file is ever replaced: a symbolic link, a named pipe, a device, a
socket or a folder at the name is refused (:class:`OutputFileError`), never
followed or replaced (``report -o /dev/null`` run as root must not replace the
system's ``/dev/null``). A whole results folder is written with
:mod:`sim.folders`, on top of this module.

Every change this module and :mod:`sim.folders` make on disk goes through a
few functions of one system call each (:func:`sys_open`, :func:`sys_write`,
:func:`sys_fsync`, :func:`sys_rename`, :func:`sys_exchange`, :func:`sys_mkdir`,
:func:`sys_link`), so that a test can make any one of them fail
(``tests/test_results_folders.py``).
"""

from __future__ import annotations

import contextlib
import csv
import ctypes
import errno
import functools
import io
import json
import os
import secrets
import stat
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from sim.errors import InputError, one_line

__all__ = [
    "JsonFileError",
    "OutputFileError",
    "append_line_durably",
    "atomic_write_bytes",
    "atomic_write_chunks",
    "atomic_write_json",
    "atomic_write_text",
    "blames_path",
    "check_new_or_regular",
    "csv_chunks",
    "csv_text",
    "file_kind",
    "fsync_dir",
    "is_temporary",
    "read_json_file",
    "read_regular_bytes",
    "sys_exchange",
    "sys_fsync",
    "sys_link",
    "sys_mkdir",
    "sys_open",
    "sys_rename",
    "sys_write",
]

#: The ending of the name of a file being written (``.NAME.<random>.tmp``, beside ``NAME``).
TEMPORARY_SUFFIX = ".tmp"


class OutputFileError(InputError):
    """A name negsim was asked to write is something it must not replace or follow.

    The message is one line starting with the name: a symbolic link, a named
    pipe, a device, a socket or a folder is there.
    """


# -- the system calls that change the disk --------------------------------------------------


def sys_open(path: str | os.PathLike[str], flags: int, mode: int = 0o666) -> int:
    """``os.open``: open (or create) a file to write."""
    return os.open(path, flags | getattr(os, "O_CLOEXEC", 0), mode)


def sys_write(fd: int, data: bytes) -> None:
    """``os.write`` until all of ``data`` is written."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def sys_fsync(fd: int) -> None:
    """``os.fsync``: flush a file (or a folder's entries) to disk."""
    os.fsync(fd)


def sys_rename(source: str | os.PathLike[str], target: str | os.PathLike[str]) -> None:
    """``os.replace``: give ``source`` the name ``target``, in one step."""
    os.replace(source, target)


def sys_mkdir(path: str | os.PathLike[str]) -> None:
    """``os.mkdir`` (mode 0777 less the umask)."""
    os.mkdir(path)


def sys_link(source: str | os.PathLike[str], target: str | os.PathLike[str]) -> None:
    """``os.link``: a second name for a file."""
    os.link(source, target, follow_symlinks=False)


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100
_UNSUPPORTED = {errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP}


@functools.cache
def _renameat2() -> Callable[..., int] | None:
    """Linux's ``renameat2`` from the C library, or ``None`` where there is none."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        function: Any = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):  # pragma: no cover - a C library before glibc 2.28
        return None
    function.argtypes = [
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_uint,
    ]
    function.restype = ctypes.c_int
    found: Callable[..., int] = function
    return found


def sys_exchange(first: str | os.PathLike[str], second: str | os.PathLike[str]) -> bool:
    """Swap two names in one step (Linux ``renameat2(RENAME_EXCHANGE)``).

    Returns
    -------
    bool
        False, having changed nothing, where the system or the file system
        cannot (then rename one after the other).

    Raises
    ------
    OSError
        If the swap failed for another reason.
    """
    function = _renameat2()
    if function is None:
        return False
    a, b = os.fsencode(first), os.fsencode(second)
    if function(_AT_FDCWD, a, _AT_FDCWD, b, _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in _UNSUPPORTED:
        return False
    raise OSError(code, os.strerror(code), os.fsdecode(a), None, os.fsdecode(b))


# -- whole files ---------------------------------------------------------------------------


def file_kind(mode: int) -> str:
    """What ``mode`` (from ``lstat``) says a name is, in words: ``"a symbolic link"``..."""
    kinds = (
        (stat.S_ISREG, "a regular file"),
        (stat.S_ISDIR, "a folder"),
        (stat.S_ISLNK, "a symbolic link"),
        (stat.S_ISFIFO, "a named pipe"),
        (stat.S_ISCHR, "a device"),
        (stat.S_ISBLK, "a device"),
        (stat.S_ISSOCK, "a socket"),
    )
    return next((words for test, words in kinds if test(mode)), "not a regular file")


def check_new_or_regular(path: str | os.PathLike[str]) -> None:
    """Refuse a name that is there and is not a regular file; the name itself is not followed.

    Raises
    ------
    OutputFileError
        If ``path`` is a symbolic link (even to a regular file), a named pipe,
        a device, a socket or a folder.
    """
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return
    except OSError:
        return  # e.g. a parent that is not a folder: the write says so
    if not stat.S_ISREG(info.st_mode):
        kind = file_kind(info.st_mode)
        raise OutputFileError(
            f"{one_line(os.fspath(path))}: is {kind}; negsim writes only a new file or over a "
            "regular file"
        )


_PATH_ERRORS = frozenset(
    {
        errno.ENOENT,
        errno.ENOTDIR,
        errno.EISDIR,
        errno.EACCES,
        errno.EPERM,
        errno.EROFS,
        errno.ENAMETOOLONG,
        errno.ELOOP,
        errno.EEXIST,
    }
)


def blames_path(exc: OSError) -> bool:
    """Tell whether a failed write is the name's fault (no such folder, no permission).

    Such a failure is bad input (exit status 2); any other (a full disk, an I/O error) is
    work that could not be done (exit status 1).
    """
    return exc.errno in _PATH_ERRORS


def is_temporary(name: str) -> bool:
    """Tell whether ``name`` is that of a temporary file :func:`atomic_write_chunks` makes."""
    return name.startswith(".") and name.endswith(TEMPORARY_SUFFIX)


def atomic_write_chunks(path: str | os.PathLike[str], chunks: Iterable[bytes]) -> None:
    """Write ``chunks`` one after the other to ``path``, atomically.

    Written to a temporary file beside ``path`` (``.NAME.<random>.tmp``),
    flushed to disk, renamed over ``path``; the folder's entry is flushed too.
    A large file streams: the chunks never all sit in memory. On any error
    (Ctrl-C included) the temporary file is removed and ``path`` is as it was.

    Raises
    ------
    OutputFileError
        If ``path`` is there and is not a regular file (see :func:`check_new_or_regular`).
    OSError
        If writing fails (a full disk, say).
    """
    target = Path(path)
    check_new_or_regular(target)
    mode = _file_mode(target)
    tmp = target.parent / f".{target.name}.{secrets.token_hex(4)}{TEMPORARY_SUFFIX}"
    fd = sys_open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
    try:
        try:
            # Created private (0600); give it the mode a plain open() would, or the old file's.
            os.fchmod(fd, mode)
            for chunk in chunks:
                sys_write(fd, chunk)
            sys_fsync(fd)
        finally:
            os.close(fd)
        sys_rename(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    # The new file has its name: a folder that cannot be flushed now changes nothing of that.
    with contextlib.suppress(OSError):
        fsync_dir(target.parent)


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (see :func:`atomic_write_chunks`)."""
    atomic_write_chunks(path, (data,))


def atomic_write_text(path: str | os.PathLike[str], text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_json(path: str | os.PathLike[str], obj: Any) -> None:
    """Write ``obj`` as indented JSON to ``path`` atomically."""
    atomic_write_text(path, json.dumps(obj, indent=2, ensure_ascii=False, allow_nan=False) + "\n")


class JsonFileError(InputError):
    """A JSON file cannot be read; the message is one line starting with the file's name."""


def read_json_file(path: str | os.PathLike[str], max_bytes: int = 64 * 1024 * 1024) -> Any:
    """Read a JSON file, turning every way it can fail into one clear line.

    Raises
    ------
    JsonFileError
        If the file is missing, a folder, too large, not UTF-8 text, unreadable,
        not valid JSON, or holds a number too long to read.
    """
    file = Path(path)
    try:
        data = read_regular_bytes(file, max_bytes, JsonFileError)
        text = data.decode("utf-8")
    except FileNotFoundError:
        raise JsonFileError(f"{file}: no such file") from None
    except IsADirectoryError:
        raise JsonFileError(f"{file}: is a folder, not a file") from None
    except UnicodeDecodeError:
        raise JsonFileError(f"{file}: not UTF-8 text") from None
    except OSError as exc:
        raise JsonFileError(f"{file}: cannot read it ({exc.strerror})") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise JsonFileError(
            f"{file}: not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})"
        ) from None
    except ValueError:
        # What json.loads raises besides a decode error: an integer past Python's digit limit.
        raise JsonFileError(f"{file}: holds a number with too many digits to read") from None
    except RecursionError:
        raise JsonFileError(f"{file}: nested too deeply") from None


def read_regular_bytes(
    path: str | os.PathLike[str], max_bytes: int, error: type[InputError] = InputError
) -> bytes:
    """The bytes of ``path``, which must be a regular file of at most ``max_bytes``.

    Opened without blocking and checked once open (``fstat``), so that a FIFO
    with no writer, a device (a link to ``/dev/zero``) or a file that grows
    while it is read is refused rather than waited on or read forever.

    Raises
    ------
    InputError
        (``error``) One line naming the file: not a regular file, or too large.
    OSError
        If it cannot be opened or read (``FileNotFoundError``, ``IsADirectoryError``...).
    """
    file = one_line(os.fspath(path))
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(fd, "rb") as f:
        info = os.fstat(f.fileno())
        if stat.S_ISDIR(info.st_mode):
            raise IsADirectoryError(errno.EISDIR, "is a folder")
        if not stat.S_ISREG(info.st_mode):
            raise error(f"{file}: not a regular file (a pipe, a device or a socket)")
        if info.st_size > max_bytes:
            raise error(f"{file}: too large ({info.st_size} bytes; at most {max_bytes})")
        data = f.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise error(f"{file}: too large (over {max_bytes} bytes)")
    return data


def csv_text(rows: Iterable[Mapping[str, Any]], columns: Sequence[str]) -> str:
    """Rows as CSV text with a header line."""
    return b"".join(csv_chunks(rows, columns)).decode("utf-8")


def csv_chunks(
    rows: Iterable[Mapping[str, Any]], columns: Sequence[str], rows_per_chunk: int = 2000
) -> Iterator[bytes]:
    """Rows as UTF-8 CSV with a header line, a few thousand rows at a time."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(columns), lineterminator="\n")
    writer.writeheader()
    for count, row in enumerate(rows, 1):
        writer.writerow(row)
        if count % rows_per_chunk == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def append_line_durably(path: str | os.PathLike[str], line: str) -> None:
    """Append one line to ``path`` and flush it to disk before returning.

    A crash can leave at most a partial last line, which readers must ignore
    (see :mod:`sim.experiments.store`). A symbolic link at ``path`` is not followed.
    """
    if "\n" in line:
        raise ValueError("append one line at a time")
    flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0)
    fd = sys_open(path, flags, 0o666)
    try:
        sys_write(fd, (line + "\n").encode("utf-8"))
        sys_fsync(fd)
    finally:
        os.close(fd)


def _file_mode(target: Path) -> int:
    """The permission bits of the file being replaced, or 0666 less the umask for a new one."""
    try:
        return target.stat().st_mode & 0o7777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def fsync_dir(folder: str | os.PathLike[str]) -> None:
    """Make the entries of ``folder`` (a rename, a new file) durable, where the platform allows."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # pragma: no cover - e.g. Windows
        return
    try:
        sys_fsync(fd)
    except OSError as exc:
        if exc.errno not in (errno.EINVAL, errno.EBADF):  # a folder that cannot be flushed
            raise
    finally:
        os.close(fd)
