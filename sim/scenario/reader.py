"""Typed, validating access to a parsed TOML document.

:class:`Document` collects every problem it finds (rather than stopping at the
first) and knows which file each key came from, so each problem can name its
file and key path. :class:`Table` reads one table: each getter checks the type
and range of one value and records a problem, returning a harmless stand-in,
when it is wrong; :meth:`Table.finish` reports the keys nobody asked for.
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
import re
import unicodedata
from collections.abc import Iterator, Mapping
from typing import Any, Final

from sim.scenario.errors import Problem

__all__ = ["ID_PATTERN", "Document", "Path", "Table", "control_character", "describe"]

Path = tuple[str, ...]

#: What an id (an actor, gate, event, deadline or move key) may look like.
ID_PATTERN: Final = re.compile(r"[A-Za-z][A-Za-z0-9_-]*\Z")

_MISSING: Final = object()


def describe(value: object) -> str:
    """Name a TOML value's type and quote it, for error messages."""
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, int):
        return f"the integer {value}"
    if isinstance(value, float):
        return f"the number {value}"
    if isinstance(value, str):
        text = value if len(value) <= 40 else value[:37] + "..."
        return f'the string "{text}"'
    if isinstance(value, dt.datetime):
        return f"the date-time {value.isoformat()}"
    if isinstance(value, dt.date):
        return f"the date {value.isoformat()}"
    if isinstance(value, dt.time):
        return f"the time {value.isoformat()}"
    if isinstance(value, list):
        return f"a list of {len(value)} item{'s' if len(value) != 1 else ''}"
    if isinstance(value, dict):
        return "a table"
    return f"a {type(value).__name__}"


def _fmt(x: float) -> str:
    return f"{x:g}"


class Document:
    """A resolved scenario document and the problems found while reading it.

    Parameters
    ----------
    data
        The merged TOML document.
    origins
        For each key path, the file (or ``--set``) that set it.
    default_source
        The file to name when a key has no recorded origin (a missing key).
    """

    def __init__(
        self, data: dict[str, Any], origins: Mapping[Path, str], default_source: str
    ) -> None:
        self.data = data
        self.origins = origins
        self.default_source = default_source
        self.problems: list[Problem] = []

    def source(self, path: Path) -> str:
        """The file that set ``path``, or its nearest parent's."""
        for end in range(len(path), 0, -1):
            found = self.origins.get(path[:end])
            if found is not None:
                return found
        return self.default_source

    def fail(self, path: Path, message: str) -> None:
        """Record a problem with the value at ``path``."""
        self.problems.append(Problem(self.source(path), ".".join(path), message))

    def root(self) -> Table:
        """The top-level table."""
        return Table(self, (), self.data)


class Table:
    """One table of the document, read key by key."""

    def __init__(
        self, doc: Document, path: Path, data: Mapping[str, Any], *, absent: bool = False
    ) -> None:
        self.doc = doc
        self.path = path
        self.data = data
        # A required table that is missing (or not a table) was reported once;
        # its own missing keys would only repeat that.
        self.absent = absent
        self._seen: set[str] = set()

    # -- plumbing -------------------------------------------------------------

    def key(self, key: str) -> Path:
        """The full path of ``key`` in this table."""
        return (*self.path, key)

    def fail(self, key: str, message: str) -> None:
        """Record a problem with ``key`` of this table."""
        self.doc.fail(self.key(key), message)

    def has(self, key: str) -> bool:
        """Whether the table sets ``key``."""
        return key in self.data

    def mark_seen(self, key: str) -> None:
        """Treat ``key`` as read (its problem, if any, is reported by the caller)."""
        self._seen.add(key)

    def _get(self, key: str, default: object) -> object:
        self._seen.add(key)
        if key in self.data:
            return self.data[key]
        if default is _MISSING and not self.absent:
            self.fail(key, "is required but missing")
        return _MISSING

    def skip(self) -> None:
        """Treat every key as read: a problem already reported makes them moot."""
        self._seen.update(self.data)

    def finish(self) -> None:
        """Report every key of the table that no getter asked for."""
        known = sorted(self._seen)
        for key in self.data:
            if key not in self._seen:
                close = difflib.get_close_matches(key, known, n=1)
                hint = (
                    f" (did you mean {close[0]}?)"
                    if close
                    else (f" (known keys: {', '.join(known)})" if known else "")
                )
                self.fail(key, f"unknown key{hint}")

    # -- getters ---------------------------------------------------------------

    def string(self, key: str, default: str | None = None, *, lines: bool = False) -> str:
        """A string of printable text; required when ``default`` is ``None``.

        A control character (an escape sequence, a bell) is refused: text from a
        scenario is printed on terminals and drawn in figures. Line breaks and
        tabs are allowed only where ``lines`` is true (a description).
        """
        value = self._get(key, _MISSING if default is None else default)
        if value is _MISSING:
            return default or ""
        if not isinstance(value, str):
            self.fail(key, f"expected a string, got {describe(value)}")
            return default or ""
        bad = control_character(value, lines)
        if bad is not None:
            allowed = "" if lines else " (one line of text)"
            self.fail(key, f"holds the control character U+{ord(bad):04X}{allowed}")
            return default or ""
        return value

    def identifier(self, key: str, default: str | None = None) -> str:
        """A string that must look like an id (see :data:`ID_PATTERN`)."""
        value = self.string(key, default)
        if (value or self.has(key)) and not ID_PATTERN.match(value):
            self.fail(
                key,
                f'"{value}" is not a valid id (letters, digits, _ and -, starting with a letter)',
            )
        return value

    def boolean(self, key: str, default: bool | None = None) -> bool:
        """A boolean; required when ``default`` is ``None``."""
        value = self._get(key, _MISSING if default is None else default)
        if value is _MISSING:
            return bool(default)
        if not isinstance(value, bool):
            self.fail(key, f"expected true or false, got {describe(value)}")
            return bool(default)
        return value

    def number(
        self,
        key: str,
        default: float | None = None,
        *,
        low: float | None = None,
        high: float | None = None,
        low_open: bool = False,
        high_open: bool = False,
        what: str = "a number",
        why: str = "",
    ) -> float:
        """A finite number within optional bounds; required when ``default`` is ``None``.

        Integers are accepted as numbers; booleans are not. ``why`` (why the
        bounds are what they are) ends the message for a number out of bounds.
        """
        fallback = default if default is not None else _midpoint(low, high, low_open, high_open)
        value = self._get(key, _MISSING if default is None else default)
        if value is _MISSING:
            return fallback
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.fail(key, f"expected {what}, got {describe(value)}")
            return fallback
        x = _to_float(value)
        if not math.isfinite(x):
            self.fail(key, f"must be a finite number, got {_short(value)}")
            return fallback
        if not _within(x, low, high, low_open, high_open):
            if low == 0 and not low_open and high is None:
                self.fail(key, f"must not be negative ({what}), got {_fmt(x)}{_because(why)}")
            else:
                range_text = _range_text(low, high, low_open, high_open, what)
                self.fail(key, f"must be {range_text}, got {_fmt(x)}{_because(why)}")
            return fallback
        return x

    def integer(
        self,
        key: str,
        default: int | None = None,
        *,
        low: int | None = None,
        high: int | None = None,
        what: str = "a whole number",
    ) -> int:
        """An integer within optional inclusive bounds; required when ``default`` is ``None``."""
        fallback = default if default is not None else (low if low is not None else 0)
        value = self._get(key, _MISSING if default is None else default)
        if value is _MISSING:
            return fallback
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(key, f"expected {what}, got {describe(value)}")
            return fallback
        if not _within(value, low, high, False, False):
            self.fail(key, f"must be {_range_text(low, high, False, False, what)}, got {value}")
            return fallback
        return value

    def date(self, key: str, default: dt.date | None = None) -> dt.date | None:
        """A calendar date (a TOML date, or a string ``YYYY-MM-DD``); ``None`` if bad."""
        value = self._get(key, _MISSING if default is None else default)
        if value is _MISSING:
            return default
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value)
            except ValueError:
                self.fail(key, f'expected a date YYYY-MM-DD, got the string "{value[:40]}"')
                return None
        if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
            self.fail(key, f"expected a date YYYY-MM-DD, got {describe(value)}")
            return None
        return value

    def table(self, key: str, *, required: bool = False) -> Table:
        """A sub-table (an empty one when absent and not required)."""
        value = self._get(key, _MISSING if required else {})
        if value is _MISSING:
            return Table(self.doc, self.key(key), {}, absent=True)
        if not isinstance(value, dict):
            self.fail(key, f"expected a table, got {describe(value)}")
            return Table(self.doc, self.key(key), {}, absent=True)
        return Table(self.doc, self.key(key), value)

    def tables(self, key: str) -> Iterator[tuple[str, Table]]:
        """The sub-tables of table ``key``, keyed by id, in file order.

        Each id must match :data:`ID_PATTERN`; an entry that is not a table is
        reported and skipped.
        """
        parent = self.table(key)
        for name, value in parent.data.items():
            parent.mark_seen(name)
            if not ID_PATTERN.match(name):
                parent.fail(
                    name,
                    f'"{name}" is not a valid id (letters, digits, _ and -, '
                    "starting with a letter)",
                )
                continue
            if not isinstance(value, dict):
                parent.fail(name, f"expected a table, got {describe(value)}")
                continue
            yield name, Table(self.doc, parent.key(name), value)

    def strings(self, key: str, default: tuple[str, ...] | None = None) -> tuple[str, ...]:
        """A string or a list of strings; required when ``default`` is ``None``."""
        value = self._get(key, _MISSING if default is None else default)
        if value is _MISSING or value is default:
            return default or ()
        if isinstance(value, str):
            return (value,)
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.fail(key, f"expected a string or a list of strings, got {describe(value)}")
            return default or ()
        return tuple(value)

    def span(
        self,
        key: str,
        default: tuple[float, float] | None = None,
        *,
        low: float = 0.0,
        high: float | None = None,
        integer: bool = False,
        what: str = "days",
        why: str = "",
    ) -> tuple[float, float]:
        """A number, or a ``[min, max]`` pair with ``low <= min <= max <= high``."""
        fallback = default if default is not None else (low, low)
        value = self._get(key, _MISSING if default is None else default)
        if value is _MISSING or value is default:
            return fallback
        items = value if isinstance(value, list) else [value]
        kind = "whole number" if integer else "number"
        if len(items) not in (1, 2) or any(
            isinstance(v, bool) or not isinstance(v, int if integer else int | float) for v in items
        ):
            self.fail(
                key, f"expected a {kind} of {what} or a [min, max] pair, got {describe(value)}"
            )
            return fallback
        lo, hi = _to_float(items[0]), _to_float(items[-1])  # type: ignore[arg-type]  # checked
        if not (math.isfinite(lo) and math.isfinite(hi)):
            self.fail(key, f"must be finite, got {_short(value)}")
            return fallback
        if lo < low:
            self.fail(
                key,
                f"must not be negative, got {_fmt(lo)}"
                if low == 0
                else f"must be at least {_fmt(low)}, got {_fmt(lo)}{_because(why)}",
            )
            return fallback
        if hi < lo:
            self.fail(key, f"the minimum {_fmt(lo)} exceeds the maximum {_fmt(hi)}")
            return fallback
        if high is not None and hi > high:
            self.fail(key, f"must be at most {_fmt(high)}, got {_fmt(hi)}{_because(why)}")
            return fallback
        return lo, hi


def _because(why: str) -> str:
    """The end of a message for a value out of bounds: ``" (why)"``, or nothing."""
    return f" ({why})" if why else ""


def control_character(text: str, lines: bool = False) -> str | None:
    """The first control character of ``text`` (line breaks and tabs allowed with ``lines``)."""
    if text.isprintable():
        return None
    allowed = "\n\r\t" if lines else ""
    for char in text:
        if unicodedata.category(char) in _CONTROL and char not in allowed:
            return char
    return None


#: Unicode categories refused in scenario text: control characters, line and paragraph
#: separators, and lone surrogates (bytes that were not UTF-8; TOML cannot hold them, a
#: dictionary built in Python can).
_CONTROL = frozenset({"Cc", "Zl", "Zp", "Cs"})


def _to_float(value: float) -> float:
    """``float(value)``; an integer too large for a float becomes infinity (not finite)."""
    try:
        return float(value)
    except OverflowError:
        return math.inf


def _short(value: object) -> str:
    text = str(value)
    return text if len(text) <= 40 else text[:20] + "..." + text[-8:]


def _midpoint(low: float | None, high: float | None, low_open: bool, high_open: bool) -> float:
    if low is not None and high is not None:
        return (low + high) / 2.0
    if low is not None:
        return low + 1.0 if low_open else low
    if high is not None:
        return high - 1.0 if high_open else high
    return 0.0


def _within(
    x: float, low: float | None, high: float | None, low_open: bool, high_open: bool
) -> bool:
    if low is not None and (x <= low if low_open else x < low):
        return False
    return not (high is not None and (x >= high if high_open else x > high))


def _range_text(
    low: float | None, high: float | None, low_open: bool, high_open: bool, what: str
) -> str:
    if low is not None and high is not None:
        if not low_open and not high_open:
            return f"{what} from {_fmt(low)} to {_fmt(high)}"
        if low_open and high_open:
            return f"{what} strictly between {_fmt(low)} and {_fmt(high)}"
        left = "above" if low_open else "at least"
        right = "below" if high_open else "at most"
        return f"{what} {left} {_fmt(low)} and {right} {_fmt(high)}"
    if low is not None:
        if low == 0 and low_open:
            return (
                f"a positive {what.removeprefix('a ')}"
                if what.startswith("a ")
                else f"positive {what}"
            )
        return f"{what} {'above' if low_open else 'at least'} {_fmt(low)}"
    if high is not None:
        return f"{what} {'below' if high_open else 'at most'} {_fmt(high)}"
    return what
