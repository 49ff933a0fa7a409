"""The durable results log of a sweep or a sensitivity analysis, for ``--resume``.

A long experiment writes every finished point to ``points.jsonl`` in its output folder, so that
an interruption -- Ctrl-C, ``kill -9``, a machine going down -- loses at most the points that
were running. The same command with ``--resume`` reads the log, skips the points it holds and
runs the others; the final tables are rebuilt from the log, sorted by point index, so they are
identical, byte for byte, to those of an uninterrupted run.

File format
-----------
``points.jsonl`` is UTF-8 JSON Lines:

* line 1, the header, written atomically (temporary file, fsync, rename) when the log is
  created, so the file either does not exist or starts with a whole header::

      {"negsim_points": 1, "kind": "sweep", "fingerprint": "<sha256>",
       "identity": {"kind": ..., "version": ..., "scenario_sha256": ..., "design": {...},
                    "runs": ..., "seed": ...},
       "points": 9}

  ``identity`` says what was run (negsim version, SHA-256 of the resolved scenario, the
  design's :meth:`~sim.experiments.designs.Design.to_json`, runs per point, seed);
  ``fingerprint`` is the SHA-256 of its canonical JSON. ``points`` is how many points the
  experiment has.

* one line per finished point, appended and fsync'd (:func:`~sim.files.append_line_durably`)
  before the next point is reported done::

      {"point": 3, "values": {"actors.russia.tempo_days": 7.5}, "runs": 200,
       "counts": {"end_of_may": {"announced": 1, "convened": 0}, ...}}

  ``point`` is the index in the design (0-based), ``values`` the point's parameter values,
  ``runs`` the replications and ``counts``, per deadline, how many of them reached each stage
  and ended by each alternative ending by it (by
  deadline id). Only integer counts are stored: estimates and intervals are recomputed from
  them, so they do not depend on float formatting.

  With custom outcomes the record also holds ``"custom": {name: summary}`` (see
  :class:`~sim.experiments.custom.CustomSummary`: kind, runs, n, count, mean, sd, median;
  floats are written with ``repr``, which reads back exactly). A sweep that keeps its runs
  adds ``"kept"``: the point's per-run columns (``stage_days``, ``ending``, ``ending_day``,
  ``deadline_days``, ``custom``; ``null`` for an undefined day or value).

Reading
-------
:func:`read_log` keeps the first record of each point index and skips a torn or unparsable line
(at most the last one after a crash, as appends are whole lines flushed one at a time).
:meth:`PointStore.open` with ``resume=True`` also *repairs* a log that needed skipping: it
rewrites it atomically with the header and the good records sorted by index, so that the next
append starts on a fresh line.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from sim.errors import InputError
from sim.experiments.custom import CustomSummary
from sim.experiments.designs import Scalar
from sim.experiments.tasks import Ends
from sim.files import append_line_durably, atomic_write_text

__all__ = [
    "FORMAT_VERSION",
    "LOG_NAME",
    "LogContents",
    "PointRecord",
    "PointStore",
    "StoreError",
    "fingerprint",
    "read_log",
]

LOG_NAME = "points.jsonl"
"""File name of the log inside the output folder."""

FORMAT_VERSION = 2
"""Value of the header's ``negsim_points`` key."""


class StoreError(InputError):
    """A log that cannot be used: another experiment's, unreadable, or already present.

    The message is one line naming the file and what to do.
    """


def _canonical(obj: object) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def fingerprint(identity: Mapping[str, Any]) -> str:
    """Return the SHA-256 of the canonical JSON of ``identity``.

    Parameters
    ----------
    identity : mapping
        JSON-ready description of an experiment (see the module notes).

    Returns
    -------
    str
        64 hexadecimal digits.
    """
    return hashlib.sha256(_canonical(dict(identity)).encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class PointRecord:
    """The results of one finished point.

    Parameters
    ----------
    point : int
        Index of the point in the design (0-based).
    values : dict of str to scalar
        The point's parameter values, by dotted key.
    runs : int
        Number of replications (runs ``0 .. runs - 1`` of the experiment's seed).
    counts : dict of str to dict of str to int
        Per deadline id, per stage or ending id: how many replications reached the stage (or
        ended so) on or before the deadline.
    custom : dict of str to CustomSummary
        The custom outcomes' summaries, by name (empty when there are none).
    kept : Ends, optional
        The point's runs, when the experiment keeps them (``custom_boolean`` is not kept).
    """

    point: int
    values: dict[str, Scalar]
    runs: int
    counts: dict[str, dict[str, int]]
    custom: dict[str, CustomSummary] = field(default_factory=dict)
    kept: Ends | None = None

    def to_line(self) -> str:
        """Return the record as one line of JSON (no newline)."""
        obj: dict[str, Any] = {
            "point": self.point,
            "values": self.values,
            "runs": self.runs,
            "counts": self.counts,
        }
        if self.custom:
            obj["custom"] = {name: c.to_json() for name, c in self.custom.items()}
        if self.kept is not None:
            obj["kept"] = _kept_json(self.kept)
        return json.dumps(obj, separators=(",", ":"), ensure_ascii=False, allow_nan=False)

    @classmethod
    def from_json(cls, obj: object) -> PointRecord | None:
        """Return the record a parsed line describes, or ``None`` if it is not a record."""
        if not isinstance(obj, dict):
            return None
        point, values, runs, counts = (
            obj.get("point"),
            obj.get("values"),
            obj.get("runs"),
            obj.get("counts"),
        )
        if not (isinstance(point, int) and isinstance(runs, int)):
            return None
        if not (_is_count(point) and _is_count(runs)):
            return None
        if not isinstance(values, dict) or not isinstance(counts, dict):
            return None
        if not all(
            isinstance(c, dict) and all(_is_count(v) and v <= runs for v in c.values())
            for c in counts.values()
        ):
            return None
        if not all(isinstance(v, bool | int | float | str) for v in values.values()):
            return None
        table = {str(d): {str(k): int(v) for k, v in c.items()} for d, c in counts.items()}
        custom: dict[str, CustomSummary] = {}
        raw_custom = obj.get("custom", {})
        if not isinstance(raw_custom, dict):
            return None
        for name, summary in raw_custom.items():
            parsed = CustomSummary.from_json(str(name), summary)
            if parsed is None or parsed.runs != runs:
                return None
            custom[str(name)] = parsed
        kept = None
        if "kept" in obj:
            kept = _kept_from_json(obj["kept"], runs, len(custom))
            if kept is None:
                return None
        return cls(point, dict(values), runs, table, custom, kept)


def _column(values: np.ndarray) -> list[Any]:
    """A float column as JSON: NaN as ``null``."""
    return [None if math.isnan(v) else v for v in values.tolist()]


def _kept_json(ends: Ends) -> dict[str, Any]:
    return {
        "stage_days": [_column(row) for row in ends.stage_days],
        "ending": ends.ending.tolist(),
        "ending_day": _column(ends.ending_day),
        "deadline_days": ends.deadline_days.tolist(),
        "custom": [_column(row) for row in ends.custom],
    }


def _number(value: object) -> float:
    """A JSON number as a float, ``null`` as NaN; anything else raises :class:`TypeError`."""
    if value is None:
        return math.nan
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"not a number: {value!r}")
    return float(value)


def _width(rows: object) -> int:
    """How many columns a JSON table has: the length of its first row (0 without one)."""
    return len(rows[0]) if isinstance(rows, list) and rows and isinstance(rows[0], list) else 0


def _floats(rows: object, runs: int, width: int | None) -> np.ndarray | None:
    """A JSON table of numbers and nulls as a float array of ``runs`` rows, or ``None``."""
    if not isinstance(rows, list) or len(rows) != runs:
        return None
    if width is not None and not all(isinstance(row, list) for row in rows):
        return None
    try:
        array = np.array(
            [[_number(v) for v in row] if width is not None else _number(row) for row in rows],
            dtype=np.float64,
        )
    except (TypeError, ValueError):
        return None
    if width is not None:
        array = array.reshape(runs, width) if array.size == runs * width else None  # type: ignore[assignment]
    return array


def _kept_from_json(obj: object, runs: int, custom: int) -> Ends | None:
    if not isinstance(obj, dict):
        return None
    stage_rows = obj.get("stage_days")
    deadline_rows = obj.get("deadline_days")
    stage_days = _floats(stage_rows, runs, _width(stage_rows))
    ending_day = _floats(obj.get("ending_day"), runs, None)
    deadline_days = _floats(deadline_rows, runs, _width(deadline_rows))
    values = _floats(obj.get("custom"), runs, custom)
    ending = _floats(obj.get("ending"), runs, None)
    if stage_days is None or ending_day is None or deadline_days is None or values is None:
        return None
    # Whole numbers where whole numbers are stored (NaN fails the test too): an ending's
    # index (-1 for none) and a deadline's day, in the range of their arrays' types.
    if ending is None or not _whole(ending, -1, np.iinfo(np.int16).max):
        return None
    if not _whole(deadline_days, np.iinfo(np.int32).min, np.iinfo(np.int32).max):
        return None
    return Ends(
        stage_days=stage_days,
        ending=ending.astype(np.int16),
        ending_day=ending_day,
        deadline_days=deadline_days.astype(np.int32),
        custom=values,
        custom_boolean=np.zeros(values.shape, np.bool_),
    )


def _whole(values: np.ndarray, low: int, high: int) -> bool:
    """Whether every value is a whole number from ``low`` to ``high`` (NaN is not)."""
    return bool(np.all((values == np.floor(values)) & (values >= low) & (values <= high)))


def _is_count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


@dataclass(frozen=True, slots=True)
class LogContents:
    """What :func:`read_log` found in a log.

    Parameters
    ----------
    header : dict
        The parsed header line.
    records : dict of int to PointRecord
        The first good record of every point found, by index.
    skipped : int
        Lines skipped: torn, unparsable, or duplicates of an earlier point.
    """

    header: dict[str, Any]
    records: dict[int, PointRecord]
    skipped: int


def read_log(path: str | os.PathLike[str]) -> LogContents:
    """Read a log, ignoring a torn last line and duplicate points.

    Parameters
    ----------
    path : path-like
        The ``points.jsonl`` file.

    Returns
    -------
    LogContents
        The header, the records by point index and how many lines were skipped.

    Raises
    ------
    StoreError
        If the file cannot be read or its first line is not a header.
    """
    file = Path(path)
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise StoreError(f"{file}: cannot read the results log ({exc.strerror})") from None
    lines = data.split(b"\n")
    header: object = None
    try:
        header = json.loads(lines[0].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        header = None
    if isinstance(header, dict) and header.get("negsim_points") == 1:
        raise StoreError(
            f"{file}: a results log of an older negsim (format 1, before stages); "
            "it cannot be resumed: choose another --out or delete the file"
        )
    if not (
        isinstance(header, dict)
        and header.get("negsim_points") == FORMAT_VERSION
        and isinstance(header.get("fingerprint"), str)
    ):
        raise StoreError(
            f"{file}: not a negsim results log (bad first line); "
            "choose another --out or delete the file"
        )
    records: dict[int, PointRecord] = {}
    skipped = 0
    # The text after the last newline is a torn append (or empty): ignore it.
    complete, tail = lines[1:-1], lines[-1]
    if tail.strip():
        skipped += 1
    for raw in complete:
        if not raw.strip():
            continue
        try:
            record = PointRecord.from_json(json.loads(raw.decode("utf-8")))
        except (UnicodeDecodeError, json.JSONDecodeError):
            record = None
        if record is None or record.point in records:
            skipped += 1
            continue
        records[record.point] = record
    return LogContents(header, records, skipped)


def _has_records(path: Path) -> bool:
    """Tell whether a log holds anything besides its header (read cheaply)."""
    try:
        with open(path, "rb") as f:
            f.readline()
            return any(line.strip() for line in f)
    except OSError:
        return True


def _describe_difference(old: Mapping[str, Any], new: Mapping[str, Any]) -> str:
    """Say in a few words how two identities differ."""

    def short(value: object) -> str:
        text = value if isinstance(value, str) else _canonical(value)
        return text if len(text) <= 60 else text[:57] + "..."

    names = {
        "kind": "the kind of experiment",
        "version": "the negsim version",
        "scenario_sha256": "the scenario (SHA-256 of the resolved scenario)",
        "design": "the design",
        "runs": "the runs per point",
        "seed": "the seed",
        "samples": "the samples",
        "params": "the parameters",
    }
    for key in (*names, *sorted(set(old) | set(new))):
        if old.get(key) != new.get(key):
            there, here = old.get(key), new.get(key)
            if isinstance(there, dict) and isinstance(here, dict):
                for sub in sorted(set(there) | set(here)):
                    if there.get(sub) != here.get(sub):
                        return (
                            f"{names.get(key, key)} differs: {sub} {short(there.get(sub))} "
                            f"there, {short(here.get(sub))} now"
                        )
            return f"{names.get(key, key)} differs: {short(there)} there, {short(here)} now"
    return "the fingerprints differ"


class PointStore:
    """An open results log in an output folder; appends are durable.

    Use :meth:`open` to create or resume one. An experiment calls :meth:`append` once per
    finished point, from a single thread.

    Parameters
    ----------
    path : pathlib.Path
        The log file.
    identity : dict
        The experiment's identity (see the module notes).
    records : dict of int to PointRecord
        The points already in the log.
    """

    def __init__(
        self, path: Path, identity: dict[str, Any], records: dict[int, PointRecord]
    ) -> None:
        self.path = path
        self.identity = identity
        self._records = dict(records)

    @property
    def records(self) -> dict[int, PointRecord]:
        """The finished points, by index (a copy)."""
        return dict(self._records)

    @classmethod
    def open(
        cls,
        folder: str | os.PathLike[str],
        identity: Mapping[str, Any],
        points: int,
        *,
        resume: bool,
    ) -> PointStore:
        """Create a new log in ``folder``, or reopen the one there to resume it.

        Parameters
        ----------
        folder : path-like
            The output folder; it must exist.
        identity : mapping
            What the experiment is (see the module notes); its fingerprint must match the
            log's to resume.
        points : int
            How many points the experiment has (records beyond are refused).
        resume : bool
            ``False``: start a new log, refusing if one holding points is already there (a log
            with a header only is replaced). ``True``: reopen the log if there is one (a
            missing log starts a new one), refusing a log written for another experiment.

        Returns
        -------
        PointStore
            The open store, holding the records already finished.

        Raises
        ------
        StoreError
            With one line: a log already there (without ``resume``), a log of a different
            experiment, or an unreadable log.
        """
        path = Path(folder) / LOG_NAME
        ident = json.loads(_canonical(dict(identity)))
        kind = str(ident.get("kind", "experiment"))
        if path.exists() and not resume and not _has_records(path):
            # A log with a header and no point (a sweep that failed before its first point,
            # e.g. on an unreachable scheduler) holds nothing to lose: start it anew.
            path.unlink()
        if not path.exists():
            header = {
                "negsim_points": FORMAT_VERSION,
                "kind": kind,
                "fingerprint": fingerprint(ident),
                "identity": ident,
                "points": points,
            }
            atomic_write_text(path, _canonical(header) + "\n")
            return cls(path, ident, {})
        if not resume:
            raise StoreError(
                f"{path} holds the points of an earlier {kind}: add --resume to finish or "
                "reuse it, or choose another --out"
            )
        contents = read_log(path)
        if contents.header["fingerprint"] != fingerprint(ident):
            old = contents.header.get("identity")
            why = _describe_difference(old if isinstance(old, dict) else {}, ident)
            raise StoreError(
                f"--resume: {path} was written by a different {kind} ({why}); "
                "run the same command as before, or choose another --out"
            )
        for record in contents.records.values():
            if record.point >= points:
                raise StoreError(
                    f"{path}: holds point {record.point}, but the {kind} has {points} points; "
                    "the file is damaged: delete it to start over"
                )
        store = cls(path, ident, contents.records)
        if contents.skipped:
            store._rewrite(contents.header)
        return store

    def _rewrite(self, header: Mapping[str, Any]) -> None:
        """Replace the log, atomically, by its header and its good records sorted by index."""
        lines = [_canonical(dict(header))]
        lines.extend(self._records[i].to_line() for i in sorted(self._records))
        atomic_write_text(self.path, "\n".join(lines) + "\n")

    def append(self, record: PointRecord) -> None:
        """Add a finished point to the log, durably, before returning.

        Parameters
        ----------
        record : PointRecord
            The point's results. A point already in the log is not written twice.
        """
        if record.point in self._records:
            return
        append_line_durably(self.path, record.to_line())
        self._records[record.point] = record
