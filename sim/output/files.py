"""Writing results safely: whole files appear atomically, appends are durable.

A results file is written to a temporary file in the same folder, flushed to
disk, and renamed over its final name, so a reader (or a crash, or Ctrl-C)
sees either the old file or the new one, never half of one.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

__all__ = [
    "OutputDirError",
    "append_line_durably",
    "atomic_write_bytes",
    "atomic_write_json",
    "atomic_write_text",
    "csv_text",
    "prepare_output_dir",
]


class OutputDirError(ValueError):
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
