"""Declared parameters: each scenario value's type, default, bounds, unit and meaning, said once.

A frozen dataclass that a scenario file fills declares each of its keys with
one of the functions below, as the field's default::

    @dataclass(frozen=True, slots=True, kw_only=True)
    class Ripeness:
        enabled: bool = flag(True, "a mutually hurting stalemate raises readiness")
        rate: float = number(0.0, "drift of readiness ...", unit="log-odds per day", low=0.0)

The declaration is metadata on the field (:func:`declaration` reads it back).
Everything else is derived from it: the scenario loader reads and checks each
key by walking the fields (:mod:`sim.scenario.build`), the key reference in
``docs/SCENARIOS.md`` is generated from it, and ``negsim params`` lists every
key with its unit and range. A field without a declaration is not a key of
the file (an id taken from the table's name, a day computed from a date).

A declared default is the dataclass's default, so code that builds the
dataclass directly gets the same value the file gets. A default that is
another key's value (``world.readiness_mean`` is ``initial.readiness`` unless
set) is declared with ``default_from`` and has no dataclass default: there
is no second number to drift from the first.

This module is pure data and imports nothing beyond the standard library.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterator
from dataclasses import MISSING, Field, dataclass
from typing import Any, Final

__all__ = [
    "Declared",
    "Type",
    "calendar_date",
    "choice",
    "declaration",
    "declared_fields",
    "flag",
    "identifier",
    "integer",
    "number",
    "periods",
    "reference",
    "span",
    "table",
    "text",
    "weights",
]

_KEY: Final = "negsim"


class Type:
    """The kinds of value a key can hold, as the docs and messages name them."""

    NUMBER: Final = "number"
    INTEGER: Final = "whole number"
    BOOLEAN: Final = "boolean"
    TEXT: Final = "string"
    TEXTS: Final = "list of strings"
    ID: Final = "id"
    CHOICE: Final = "one of"
    SPAN: Final = "number or [min, max]"
    INTEGER_SPAN: Final = "whole number or [min, max]"
    REFERENCE: Final = "reference"
    DATE: Final = "date"
    WEIGHTS: Final = "table {id = number}"
    PERIODS: Final = "list of [from, to] date pairs"
    TABLE: Final = "table"


@dataclass(frozen=True, slots=True)
class Declared:
    """What one key of a scenario table is.

    Attributes
    ----------
    kind
        The kind of value: one of :class:`Type`'s values.
    doc
        One line: what the key means.
    unit
        The unit of a number ("days", "per day", "log-odds"), or "".
    low, high
        Bounds of a number (``None``: unbounded on that side).
    low_open, high_open
        Whether the bound itself is excluded.
    what
        How error messages name the value ("a rate per day").
    key
        The key in the file, when it is not the field's name.
    default_from
        A dotted key whose value is the default (``"initial.readiness"``).
    default_text
        How the docs state a default that is not a plain value.
    options
        For a choice: the allowed strings.
    refers_to
        For a reference: what it names ("actor", "gate", "deadline", ...).
    many
        For a reference: a list of names is allowed.
    nested
        For a sub-table: the dataclass it holds.
    required
        For a sub-table: the file must have it.
    optional
        The key may be left out, and then has no value (``None``): a default
        of ``None`` declares it.
    lines
        For a string: it may hold line breaks (prose); other strings are one
        line of printable text.
    why
        Why the bounds are what they are, in a few words ("a run must end"):
        said in the docs and in the message for a value that breaks them.
    """

    kind: str
    doc: str
    unit: str = ""
    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False
    what: str = ""
    key: str | None = None
    default_from: str | None = None
    default_text: str | None = None
    options: tuple[str, ...] = ()
    refers_to: str = ""
    many: bool = False
    nested: type | None = None
    required: bool = False
    optional: bool = False
    lines: bool = False
    why: str = ""

    def within(self, x: float) -> bool:
        """Whether ``x`` lies within the bounds."""
        if self.low is not None and (x <= self.low if self.low_open else x < self.low):
            return False
        return not (self.high is not None and (x >= self.high if self.high_open else x > self.high))

    def range_text(self) -> str:
        """The bounds as the docs write them: ``(0, 1)``, ``[0, 1)``, ``≥ 0``, ``> 0``, ``any``."""
        low, high = self.low, self.high
        if low is not None and high is not None:
            left = "(" if self.low_open else "["
            right = ")" if self.high_open else "]"
            return f"{left}{_num(low)}, {_num(high)}{right}"
        if low is not None:
            return f"{'>' if self.low_open else '≥'} {_num(low)}"
        if high is not None:
            return f"{'<' if self.high_open else '≤'} {_num(high)}"
        if self.options:
            return ", ".join(self.options)
        return "any" if self.kind in (Type.NUMBER, Type.INTEGER) else "—"


def _num(x: float) -> str:
    if math.isinf(x):
        return "∞" if x > 0 else "−∞"
    return f"{x:g}".replace("-", "−")


def _field(default: Any, declared: Declared) -> Any:
    if default is None:
        declared = dataclasses.replace(declared, optional=True)
    if declared.default_from is not None or default is MISSING:
        return dataclasses.field(metadata={_KEY: declared})
    if isinstance(default, list | dict | set):
        raise TypeError("a declared default must be immutable")
    return dataclasses.field(default=default, metadata={_KEY: declared})


def number(
    default: float | Any = MISSING,
    doc: str = "",
    *,
    unit: str = "",
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    high_open: bool = False,
    what: str = "a number",
    key: str | None = None,
    default_from: str | None = None,
    optional: bool = False,
    why: str = "",
) -> Any:
    """A finite number within optional bounds (integers are accepted; booleans are not).

    ``optional=True`` (with a default of ``None``) lets the key be left out; ``why``
    says why the bounds are what they are.
    """
    if optional and default is not None:
        raise TypeError("an optional number has no default")
    return _field(
        default,
        Declared(
            Type.NUMBER,
            doc,
            unit,
            low,
            high,
            low_open,
            high_open,
            what,
            key,
            default_from,
            why=why,
        ),
    )


def integer(
    default: int | Any = MISSING,
    doc: str = "",
    *,
    unit: str = "",
    low: int | None = None,
    high: int | None = None,
    what: str = "a whole number",
    key: str | None = None,
) -> Any:
    """A whole number within optional inclusive bounds."""
    return _field(default, Declared(Type.INTEGER, doc, unit, low, high, what=what, key=key))


def flag(default: bool | Any = MISSING, doc: str = "", *, key: str | None = None) -> Any:
    """True or false."""
    return _field(default, Declared(Type.BOOLEAN, doc, key=key))


def text(
    default: str | Any = MISSING,
    doc: str = "",
    *,
    key: str | None = None,
    default_text: str | None = None,
    lines: bool = False,
) -> Any:
    """A string (a label, a name, a note): one line, or several with ``lines=True``.

    A control character is refused in any string; line breaks and tabs only
    where ``lines`` allows them.
    """
    return _field(
        default, Declared(Type.TEXT, doc, key=key, default_text=default_text, lines=lines)
    )


def identifier(
    default: str | Any = MISSING,
    doc: str = "",
    *,
    key: str | None = None,
    default_text: str | None = None,
) -> Any:
    """An id: letters, digits, ``_`` and ``-``, starting with a letter."""
    return _field(default, Declared(Type.ID, doc, key=key, default_text=default_text))


def choice(
    default: str | Any, options: tuple[str, ...], doc: str = "", *, key: str | None = None
) -> Any:
    """One of a few strings."""
    return _field(default, Declared(Type.CHOICE, doc, key=key, options=options))


def span(
    default: tuple[float, float] | Any = MISSING,
    doc: str = "",
    *,
    unit: str = "days",
    low: float = 0.0,
    high: float | None = None,
    integer: bool = False,
    what: str = "days",
    key: str | None = None,
    why: str = "",
) -> Any:
    """A number, or a ``[min, max]`` pair with ``low <= min <= max <= high`` (stored as a pair)."""
    kind = Type.INTEGER_SPAN if integer else Type.SPAN
    declared = Declared(kind, doc, unit, low=low, high=high, what=what, key=key, why=why)
    return _field(default, declared)


def calendar_date(
    default: Any = MISSING,
    doc: str = "",
    *,
    key: str | None = None,
    default_text: str | None = None,
) -> Any:
    """A calendar date (a TOML date, or a string ``YYYY-MM-DD``)."""
    return _field(default, Declared(Type.DATE, doc, key=key, default_text=default_text))


def reference(
    refers_to: str,
    doc: str = "",
    *,
    many: bool = False,
    key: str | None = None,
    default: Any = None,
    default_text: str | None = None,
) -> Any:
    """The id of something the scenario defines (an actor, a gate, a deadline, ...)."""
    return _field(
        default,
        Declared(
            Type.REFERENCE, doc, key=key, default_text=default_text, refers_to=refers_to, many=many
        ),
    )


def table(
    cls: type,
    doc: str = "",
    *,
    key: str | None = None,
    required: bool = False,
    factory: bool = True,
) -> Any:
    """A sub-table holding the declared dataclass ``cls``.

    Parameters
    ----------
    required
        The file must have the table (else its keys' defaults apply).
    factory
        The dataclass default is ``cls()`` (every key of ``cls`` has a default).
    """
    declared = Declared(Type.TABLE, doc, key=key, nested=cls, required=required)
    if factory:
        return dataclasses.field(default_factory=cls, metadata={_KEY: declared})
    return dataclasses.field(metadata={_KEY: declared})


def weights(
    refers_to: str, doc: str = "", *, default: Any = MISSING, default_text: str | None = None
) -> Any:
    """A table ``{id = number}`` whose ids name ``refers_to`` (seats by actor, weights by move)."""
    return _field(
        default, Declared(Type.WEIGHTS, doc, refers_to=refers_to, default_text=default_text)
    )


def periods(doc: str = "", *, default_text: str | None = None) -> Any:
    """A list of ``[from, to]`` date pairs, in order and not overlapping."""
    return _field((), Declared(Type.PERIODS, doc, default_text=default_text))


def declaration(f: Field[Any]) -> Declared | None:
    """The declaration of a dataclass field, or ``None`` if it is not a scenario key."""
    found = f.metadata.get(_KEY)
    return found if isinstance(found, Declared) else None


def declared_fields(cls: type) -> Iterator[tuple[str, Field[Any], Declared]]:
    """``(key in the file, field, declaration)`` for each declared field of ``cls``, in order."""
    for f in dataclasses.fields(cls):
        found = declaration(f)
        if found is not None:
            yield (found.key or f.name), f, found
