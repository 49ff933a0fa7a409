"""Fields of results files: what each holds, read from JSON or a CSV cell with one-line errors.

A results file's record is a frozen dataclass whose fields are declared with
:func:`spec`: the field's name is the JSON key or CSV column, and its
:class:`Kind` says what the value may be (a string, a date, a whole number
from a bound, a finite number in a range, an object, a list, or any of these
or nothing). :func:`from_json` builds a record from a JSON object and
:meth:`CsvTable.record` from a CSV row; either refuses a bad value with a
:class:`ResultsError` of one line naming the file, the key (or the line and
the column), what was expected and what was found. So the name, the type and
the range of each field are said once, where the record is declared.

Every problem is found, not only the first: :func:`from_json` reads every field
and every element of a list before it fails, and :class:`Problems` gathers the
problems of a whole file (and of files checked against each other) into one
:class:`ResultsError` of one line per problem (at most :data:`MAX_PROBLEMS`).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import MISSING, dataclass, field, fields
from pathlib import Path
from typing import Any, Generic, TypeVar, cast

import numpy as np

from sim.errors import InputError, one_line
from sim.files import read_regular_bytes

__all__ = [
    "BOOL",
    "COUNT",
    "DATE",
    "DAY",
    "JSON_OBJECT",
    "MAX_PROBLEMS",
    "NON_NEGATIVE",
    "PROBABILITY",
    "PYTHON_BOOL",
    "RUNS",
    "SHA256",
    "SIGNED_PROBABILITY",
    "TEXT",
    "CsvTable",
    "JsonNode",
    "Kind",
    "Problems",
    "ResultsError",
    "as_cells",
    "as_json",
    "cell",
    "day_before",
    "field_names",
    "file_name",
    "from_json",
    "list_of",
    "number",
    "object_of",
    "one_of",
    "or_none",
    "or_word",
    "read_csv",
    "read_json_root",
    "show",
    "spec",
]

V = TypeVar("V")
R = TypeVar("R")


#: Problems listed in one error at most; the rest are counted.
MAX_PROBLEMS = 20

#: The largest CSV file of a results folder read (2 GiB): a runaway file is refused.
MAX_CSV_BYTES = 2 * 1024**3


class ResultsError(InputError):
    """A results folder or file cannot be read, or does not hold what negsim writes there.

    One line per problem (``problems``): each names the folder or the file and,
    where it applies, the key (``summary.json``) or the line and column (a CSV
    file). Past :data:`MAX_PROBLEMS`, a last line counts the others.
    """

    def __init__(self, *problems: str) -> None:
        if not problems:
            raise ValueError("a ResultsError needs at least one problem")
        shown = list(problems[:MAX_PROBLEMS])
        if len(problems) > MAX_PROBLEMS:
            more = len(problems) - MAX_PROBLEMS
            shown.append(f"... and {more} more problem{'s' if more > 1 else ''}")
        self.problems: tuple[str, ...] = tuple(problems)
        super().__init__("\n".join(shown))

    def lines(self) -> list[str]:
        """One line per problem shown, each escaped so that it stays one line."""
        return [one_line(line) for line in str(self).splitlines()]


class Problems:
    """The problems found so far in a folder: raised together, one line each.

    Use :meth:`check` around each read or check that may fail; a
    :class:`ResultsError` raised inside adds its lines and is not propagated.
    :meth:`raise_any` raises them all at once.
    """

    def __init__(self) -> None:
        self.lines: list[str] = []

    def __bool__(self) -> bool:
        return bool(self.lines)

    def add(self, error: ResultsError) -> None:
        """Add the problems of ``error``."""
        self.lines.extend(error.problems)

    def raise_any(self) -> None:
        """Raise every problem found, as one :class:`ResultsError`, if there is any."""
        if self.lines:
            raise ResultsError(*self.lines)


def show(value: object) -> str:
    """A JSON value, short, on one line, for an error message."""
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 40 else text[:37] + "..."


@dataclass(frozen=True, slots=True)
class JsonNode:
    """A value inside a JSON file with its dotted key, for precise error messages."""

    value: object
    key: str
    path: Path

    def fail(self, expected: str) -> ResultsError:
        """The error for a value that is not what was ``expected``."""
        where = f"key '{self.key}'" if self.key else "the top level"
        return ResultsError(f"{self.path}: {where}: expected {expected}, got {show(self.value)}")

    def child_key(self, name: str) -> str:
        """The dotted key of the member ``name``."""
        return f"{self.key}.{name}" if self.key else name

    def member(self, name: str) -> JsonNode | None:
        """The member ``name`` of an object, or ``None`` if it is absent."""
        if not isinstance(self.value, dict):
            raise self.fail("an object")
        if name not in self.value:
            return None
        return JsonNode(self.value[name], self.child_key(name), self.path)

    def items(self) -> list[JsonNode]:
        """The elements of an array."""
        if not isinstance(self.value, list):
            raise self.fail("an array")
        return [JsonNode(v, f"{self.key}[{i}]", self.path) for i, v in enumerate(self.value)]


class _Bad(Exception):
    """A CSV cell that is not what its column holds (reported with its line and column)."""


class Kind(Generic[V]):
    """What a field may hold, and how it is read from JSON and from a CSV cell.

    Attributes
    ----------
    expected
        What a good value is, for an error message (``a number from 0 to 1``).
    expected_in_csv
        The same for a CSV cell, where nothing is an empty cell, not ``null``.
    """

    expected: str = ""

    @property
    def expected_in_csv(self) -> str:
        """What a good CSV cell is, for an error message."""
        return self.expected

    def from_json(self, node: JsonNode) -> V:
        """The value of ``node``; :class:`ResultsError` naming its key if it is bad."""
        raise NotImplementedError

    def from_text(self, text: str) -> V:
        """The value of a CSV cell; raises ``_Bad`` if it is bad."""
        raise NotImplementedError(f"{type(self).__name__} is not read from CSV")


class _Text(Kind[str]):
    expected = "a string"

    def from_json(self, node: JsonNode) -> str:
        if isinstance(node.value, str):
            return node.value
        raise node.fail(self.expected)

    def from_text(self, text: str) -> str:
        return text


class _Bool(Kind[bool]):
    expected = "true or false"

    def from_json(self, node: JsonNode) -> bool:
        if isinstance(node.value, bool):
            return node.value
        raise node.fail(self.expected)

    def from_text(self, text: str) -> bool:
        text = text.strip()
        if text not in ("true", "false"):
            raise _Bad
        return text == "true"


class _WordBool(Kind[bool]):
    """``true``/``false`` in JSON; in CSV the words a writer used (Python's ``True``/``False``)."""

    def __init__(self, yes: str, no: str) -> None:
        self._words = {yes: True, no: False}
        self.expected = "true or false"
        self._in_csv = f"{yes} or {no}"

    @property
    def expected_in_csv(self) -> str:
        return self._in_csv

    def from_json(self, node: JsonNode) -> bool:
        if isinstance(node.value, bool):
            return node.value
        raise node.fail(self.expected)

    def from_text(self, text: str) -> bool:
        if text.strip() not in self._words:
            raise _Bad
        return self._words[text.strip()]


class _JsonObject(Kind[dict[str, Any]]):
    expected = "an object"

    def from_json(self, node: JsonNode) -> dict[str, Any]:
        if isinstance(node.value, dict):
            return dict(node.value)
        raise node.fail(self.expected)


class _Pattern(Kind[str]):
    def __init__(self, pattern: str, expected: str) -> None:
        self._pattern = re.compile(pattern)
        self.expected = expected

    def from_json(self, node: JsonNode) -> str:
        if isinstance(node.value, str) and self._pattern.fullmatch(node.value):
            return node.value
        raise node.fail(self.expected)


class _FileName(Kind[str]):
    expected = "a file name inside the results folder"

    def from_json(self, node: JsonNode) -> str:
        name = node.value
        # Only names inside the folder: a crafted summary must not pull in other files.
        if (
            not isinstance(name, str)
            or not name
            or name != Path(name).name
            or name.startswith(".")
            or "\\" in name
        ):
            raise node.fail(self.expected)
        return name


class _OneOf(Kind[str]):
    def __init__(self, values: Sequence[str], expected: str = "") -> None:
        self._values = tuple(values)
        self.expected = expected or " or ".join(json.dumps(v) for v in values) or "nothing"
        self._in_csv = expected or " or ".join(values) or "nothing"

    def from_json(self, node: JsonNode) -> str:
        if isinstance(node.value, str) and node.value in self._values:
            return node.value
        raise node.fail(self.expected)

    @property
    def expected_in_csv(self) -> str:
        return self._in_csv

    def from_text(self, text: str) -> str:
        if text not in self._values:
            raise _Bad
        return text


class _Date(Kind[dt.date]):
    expected = "a date (YYYY-MM-DD)"

    def _parse(self, text: str) -> dt.date:
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            raise _Bad from None

    def from_json(self, node: JsonNode) -> dt.date:
        if isinstance(node.value, str):
            try:
                return self._parse(node.value)
            except _Bad:
                pass
        raise node.fail(self.expected)

    def from_text(self, text: str) -> dt.date:
        return self._parse(text.strip())


_DIGITS = re.compile(r"[0-9]{1,18}")


class _Whole(Kind[int]):
    def __init__(self, low: int) -> None:
        self._low = low
        self.expected = f"a whole number, {low} or more"

    def from_json(self, node: JsonNode) -> int:
        value = node.value
        if isinstance(value, int) and not isinstance(value, bool) and value >= self._low:
            return value
        raise node.fail(self.expected)

    def from_text(self, text: str) -> int:
        text = text.strip()
        if not _DIGITS.fullmatch(text) or int(text) < self._low:
            raise _Bad
        return int(text)


class _Number(Kind[float]):
    def __init__(self, low: float, high: float, expected: str) -> None:
        self._low = low
        self._high = high
        self.expected = expected

    def _check(self, value: float) -> float:
        if not (math.isfinite(value) and self._low <= value <= self._high):
            raise _Bad
        return value

    def from_json(self, node: JsonNode) -> float:
        value = node.value
        if isinstance(value, int | float) and not isinstance(value, bool):
            try:
                return self._check(float(value))
            except (_Bad, OverflowError):
                pass
        raise node.fail(self.expected)

    def from_text(self, text: str) -> float:
        try:
            return self._check(float(text))
        except (ValueError, OverflowError):
            raise _Bad from None


class _OrWord(Kind[V | None]):
    """``kind``, or nothing: ``null`` in JSON, the word ``word`` in a CSV cell."""

    def __init__(self, kind: Kind[V], word: str) -> None:
        self._kind = kind
        self._word = word
        self.expected = f"{kind.expected}, or null"

    @property
    def expected_in_csv(self) -> str:
        return f"{self._kind.expected_in_csv}, or {self._word}"

    def from_json(self, node: JsonNode) -> V | None:
        return None if node.value is None else self._kind.from_json(node)

    def from_text(self, text: str) -> V | None:
        return None if text.strip() == self._word else self._kind.from_text(text)


class _OrNone(Kind[V | None]):
    def __init__(self, kind: Kind[V]) -> None:
        self._kind = kind
        self.expected = f"{kind.expected}, or null"

    @property
    def expected_in_csv(self) -> str:
        return f"{self._kind.expected_in_csv}, or an empty cell"

    def from_json(self, node: JsonNode) -> V | None:
        return None if node.value is None else self._kind.from_json(node)

    def from_text(self, text: str) -> V | None:
        return None if not text.strip() else self._kind.from_text(text)


class _ListOf(Kind[tuple[V, ...]]):
    def __init__(self, kind: Kind[V]) -> None:
        self._kind = kind
        self.expected = "an array"

    def from_json(self, node: JsonNode) -> tuple[V, ...]:
        found: list[V] = []
        problems = Problems()
        for item in node.items():
            try:
                found.append(self._kind.from_json(item))
            except ResultsError as exc:
                problems.add(exc)
        problems.raise_any()
        return tuple(found)


class _ObjectOf(Kind[R]):
    def __init__(self, record: Callable[..., R]) -> None:
        self._record = record
        self.expected = "an object"

    def from_json(self, node: JsonNode) -> R:
        return from_json(self._record, node)


#: Any string.
TEXT: Kind[str] = _Text()
#: ``true`` or ``false`` (in CSV too).
BOOL: Kind[bool] = _Bool()
#: ``true`` or ``false`` in JSON; ``True`` or ``False`` in CSV (Python's words, as
#: ``csv`` writes a ``bool``).
PYTHON_BOOL: Kind[bool] = _WordBool("True", "False")
#: Any JSON object, its members unchecked (values given on a command line, say).
JSON_OBJECT: Kind[dict[str, Any]] = _JsonObject()
#: A calendar date, ``YYYY-MM-DD``.
DATE: Kind[dt.date] = _Date()
#: A count: a whole number, 0 or more.
COUNT: Kind[int] = _Whole(0)
#: A number of runs: a whole number, 1 or more.
RUNS: Kind[int] = _Whole(1)
#: A probability: a finite number in [0, 1].
PROBABILITY: Kind[float] = _Number(0.0, 1.0, "a number from 0 to 1")
#: A difference of two probabilities, or a bound of its interval: in [-1, 1].
SIGNED_PROBABILITY: Kind[float] = _Number(-1.0, 1.0, "a number from -1 to 1")
#: A finite number, 0 or more.
NON_NEGATIVE: Kind[float] = _Number(0.0, math.inf, "a number, 0 or more")
#: A time in days since the start, 0 or more (the horizon bounds it; see the readers).
DAY: Kind[float] = _Number(0.0, math.inf, "a day number, 0 or more")
#: The hash of a resolved scenario.
SHA256: Kind[str] = _Pattern(r"[0-9a-f]{64}", "a SHA-256 hash (64 hexadecimal digits)")


def number(low: float, high: float, expected: str = "") -> Kind[float]:
    """A finite number from ``low`` to ``high``; ``expected`` says so in an error message."""
    return _Number(low, high, expected or f"a number from {low:g} to {high:g}")


def day_before(end: int) -> Kind[float]:
    """A time in days since the start, from 0 up to (not including) day ``end``."""
    return _Number(
        0.0,
        math.nextafter(float(end), 0.0),
        f"a day from 0 to the end of the horizon (day {end - 1})",
    )


def or_none(kind: Kind[V]) -> Kind[V | None]:
    """``kind``, or nothing: ``null`` in JSON, an empty cell in CSV."""
    return _OrNone(kind)


def or_word(kind: Kind[V], word: str) -> Kind[V | None]:
    """``kind``, or nothing: ``null`` in JSON, the cell ``word`` in CSV (``never``, say)."""
    return _OrWord(kind, word)


def list_of(kind: Kind[V]) -> Kind[tuple[V, ...]]:
    """A JSON array of values of ``kind``."""
    return _ListOf(kind)


def object_of(record: Callable[..., R]) -> Kind[R]:
    """A JSON object read as the record ``record`` (a dataclass declared with :func:`spec`)."""
    return _ObjectOf(record)


def one_of(*values: str, expected: str = "") -> Kind[str]:
    """One of the strings ``values``; ``expected`` says so in an error message (default: them)."""
    return _OneOf(values, expected)


def file_name() -> Kind[str]:
    """The name of a file inside the results folder (no folder, no hidden file)."""
    return _FileName()


def spec(kind: Kind[Any], *, optional: bool = False) -> Any:
    """Declare a record's field: what it holds, and whether its key may be absent.

    Parameters
    ----------
    kind
        What the value may be.
    optional
        The key may be absent (the field is then ``None``); files written by
        earlier versions lack it.
    """
    metadata = {"kind": kind}
    if optional:
        return field(default=None, metadata=metadata)
    return field(metadata=metadata)


def field_names(record: Callable[..., Any]) -> tuple[str, ...]:
    """The keys (or columns) of ``record``, in order: its fields declared with :func:`spec`."""
    return tuple(f.name for f in fields(cast(Any, record)) if "kind" in f.metadata)


def from_json(record: Callable[..., R], node: JsonNode) -> R:
    """Build ``record`` from the JSON object at ``node``, checking every declared field.

    Raises
    ------
    ResultsError
        Naming every key that is missing or holds a bad value, one line each.
    """
    values: dict[str, Any] = {}
    problems = Problems()
    for f in fields(cast(Any, record)):
        kind: Kind[Any] | None = f.metadata.get("kind")
        if kind is None:
            continue
        child = node.member(f.name)
        if child is None:
            if f.default is MISSING:
                problems.add(ResultsError(f"{node.path}: missing key '{node.child_key(f.name)}'"))
            continue
        try:
            values[f.name] = kind.from_json(child)
        except ResultsError as exc:
            problems.add(exc)
    problems.raise_any()
    return record(**values)


def read_json_root(path: Path, value: object) -> JsonNode:
    """The top of a JSON file, which must be an object."""
    root = JsonNode(value, "", path)
    if not isinstance(value, dict):
        raise root.fail("an object")
    return root


@dataclass(frozen=True, slots=True)
class CsvTable:
    """A CSV file's header and rows, with its path for error messages."""

    path: Path
    columns: tuple[str, ...]
    rows: tuple[Mapping[str | None, Any], ...]

    def require(self, columns: Sequence[str]) -> None:
        """Fail unless every column in ``columns`` is present."""
        for column in columns:
            if column not in self.columns:
                raise ResultsError(f"{self.path}: no column '{column}'; the file is incomplete")

    def line(self, index: int) -> int:
        """The line of row ``index`` (0 is the first row after the header)."""
        return index + 2

    def text(self, index: int, column: str) -> str:
        """The cell of row ``index`` in ``column``, as written."""
        row = self.rows[index]
        if None in row:
            raise ResultsError(
                f"{self.path}: line {self.line(index)}: more cells than the header has columns"
            )
        return str(row.get(column) or "")

    def bad(self, index: int, column: str, expected: str) -> ResultsError:
        """The error for the cell of row ``index`` in ``column``: not what was ``expected``."""
        text = self.text(index, column)
        return ResultsError(
            f"{self.path}: line {self.line(index)}, column '{column}': expected {expected}, "
            f"got '{text[:40]}'"
        )

    def value(self, index: int, column: str, kind: Kind[V]) -> V:
        """The cell of row ``index`` in ``column``, read as ``kind``."""
        try:
            return kind.from_text(self.text(index, column))
        except _Bad:
            raise self.bad(index, column, kind.expected_in_csv) from None

    def record(self, record: Callable[..., R], index: int, prefix: str = "", **extra: Any) -> R:
        """Build ``record`` from row ``index``: each declared field from column ``prefix + name``.

        ``extra`` gives the fields that are not read from one column of their own.

        Raises
        ------
        ResultsError
            Naming every bad cell of the row, one line each.
        """
        values: dict[str, Any] = {}
        problems = Problems()
        for f in fields(cast(Any, record)):
            if "kind" in f.metadata:
                try:
                    values[f.name] = self.value(index, prefix + f.name, f.metadata["kind"])
                except ResultsError as exc:
                    problems.add(exc)
        problems.raise_any()
        return record(**values, **extra)


def read_csv(path: Path) -> CsvTable:
    """Read a CSV file with a header line.

    Raises
    ------
    ResultsError
        If the file is missing, not UTF-8 text, or not readable as CSV.
    """
    if not path.exists() and not path.is_symlink():
        raise ResultsError(f"{path}: missing; the results folder is incomplete")
    try:
        # Only a regular file, of a bounded size: a pipe or a device is never waited on.
        text = read_regular_bytes(path, MAX_CSV_BYTES, ResultsError).decode("utf-8")
        reader = csv.DictReader(io.StringIO(text, newline=""))
        rows = tuple(reader)
        columns = tuple(reader.fieldnames or ())
    except UnicodeDecodeError:
        raise ResultsError(f"{path}: not UTF-8 text") from None
    except csv.Error as exc:
        raise ResultsError(f"{path}: not a readable CSV file ({one_line(str(exc))})") from None
    except OSError as exc:
        raise ResultsError(f"{path}: cannot read it ({exc.strerror or exc})") from None
    return CsvTable(path, columns, rows)


def as_json(record: object) -> dict[str, Any]:
    """A flat record as a JSON-ready object: its declared fields, in order, as they are."""
    return {name: getattr(record, name) for name in field_names(type(record))}


def as_cells(record: object, prefix: str = "") -> dict[str, Any]:
    """A flat record as CSV cells keyed by ``prefix + name``: nothing is an empty cell.

    Dates are written ``YYYY-MM-DD``; numbers as Python writes them (``repr``),
    which reads back exactly.
    """
    return {prefix + name: cell(getattr(record, name)) for name in field_names(type(record))}


def cell(value: object) -> object:
    """A value as a CSV cell: nothing (``None``, NaN) is empty, ``true``/``false``, dates ISO.

    Numbers are written as Python writes them (``repr``), which reads back exactly.
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, bool | np.bool_):
        return "true" if value else "false"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return "" if np.isnan(value) else float(value)
    return value
