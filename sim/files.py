"""Writing results safely: whole files appear atomically, appends are durable.

A results file is written to a temporary file in the same folder, flushed to
disk, and renamed over its final name, so a reader (or a crash, or Ctrl-C)
sees either the old file or the new one, never half of one.
"""

from __future__ import annotations

import contextlib
import csv
import errno
import io
import json
import os
import stat
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from sim.errors import InputError

__all__ = [
    "JsonFileError",
    "OutputDirError",
    "append_line_durably",
    "atomic_write_bytes",
    "atomic_write_json",
    "atomic_write_text",
    "csv_text",
    "prepare_output_dir",
    "read_json_file",
]


class OutputDirError(InputError):
    """An output folder cannot be created or written to."""


def prepare_output_dir(path: str | os.PathLike[str]) -> Path:
    """Create ``path`` if needed and check that files can be written in it.

    Call it before long work, so a bad ``--out`` fails at once.

    Raises
    ------
    OutputDirError
        If the folder cannot be created or is not writable.
    """
    folder = Path(path)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise OutputDirError(f"{folder}: exists and is not a folder") from None
    except OSError as exc:
        raise OutputDirError(f"{folder}: cannot create the folder ({exc.strerror})") from None
    try:
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".negsim-check-"):
            pass
    except OSError as exc:
        raise OutputDirError(f"{folder}: cannot write there ({exc.strerror})") from None
    return folder


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (temporary file, fsync, rename)."""
    target = Path(path)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        # mkstemp makes the file private (0600); give it the mode a plain open() would.
        os.fchmod(fd, _file_mode(target))
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    _fsync_dir(target.parent)


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
        data = _read_regular_file(file, max_bytes)
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


def _read_regular_file(file: Path, max_bytes: int) -> bytes:
    """The bytes of ``file``, which must be a regular file of at most ``max_bytes``.

    Opened without blocking and checked once open (``fstat``), so that a FIFO
    with no writer, a device (a link to ``/dev/zero``) or a file that grows
    while it is read is refused rather than waited on or read forever.
    """
    fd = os.open(file, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(fd, "rb") as f:
        info = os.fstat(f.fileno())
        if stat.S_ISDIR(info.st_mode):
            raise IsADirectoryError(errno.EISDIR, "is a folder")
        if not stat.S_ISREG(info.st_mode):
            raise JsonFileError(f"{file}: not a regular file (a pipe, a device or a socket)")
        if info.st_size > max_bytes:
            raise JsonFileError(f"{file}: too large ({info.st_size} bytes; at most {max_bytes})")
        data = f.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise JsonFileError(f"{file}: too large (over {max_bytes} bytes)")
    return data


def csv_text(rows: Iterable[Mapping[str, Any]], columns: Sequence[str]) -> str:
    """Rows as CSV text with a header line."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(columns), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def append_line_durably(path: str | os.PathLike[str], line: str) -> None:
    """Append one line to ``path`` and flush it to disk before returning.

    A crash can leave at most a partial last line, which readers must ignore
    (see :mod:`sim.experiments.store`).
    """
    if "\n" in line:
        raise ValueError("append one line at a time")
    with open(path, "a", encoding="utf-8") as f:
        f.write(line + "\n")
        f.flush()
        os.fsync(f.fileno())


def _file_mode(target: Path) -> int:
    """The permission bits of the file being replaced, or 0666 less the umask for a new one."""
    try:
        return target.stat().st_mode & 0o7777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _fsync_dir(folder: Path) -> None:
    """Make a rename in ``folder`` durable (where the platform allows it)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # pragma: no cover - e.g. Windows
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)
