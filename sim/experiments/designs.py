"""Experimental designs over scenario parameters: full grids, Latin hypercubes and Sobol' sequences.

A parameter is addressed by a dotted key (``actors.russia.tempo_days``) and is either a
continuous or integer :class:`Range` (written ``KEY=LOW:HIGH``) or a discrete :class:`Choice`
(written ``KEY=A,B,C``). :func:`make_design` turns a tuple of parameters into a
:class:`Design`: a reproducible, ordered tuple of points, each a ``{key: value}`` dictionary.

This module knows nothing of the simulator: it only produces the points to run.

Randomness
----------
The integer ``seed`` given to :func:`make_design` is turned into one
:class:`numpy.random.Generator` (``numpy.random.default_rng(seed)``) which is handed to the
:mod:`scipy.stats.qmc` engine; no global random state is read or written. The same seed, the
same parameters and the same number of points always give the same design.

Mapping the unit hypercube to parameter values
----------------------------------------------
The LHS and Sobol' engines produce coordinates ``u`` in ``[0, 1)``. For a continuous
:class:`Range` the value is ``low + u * (high - low)`` (:func:`scipy.stats.qmc.scale`). A
:class:`Choice` with ``k`` values takes ``values[floor(u * k)]``. An integer :class:`Range` is
treated like a choice among the ``k = high - low + 1`` integers ``low .. high``, that is
``low + floor(u * k)``: every integer, the two bounds included, is then equally likely, whereas
rounding ``low + u * (high - low)`` would give the bounds only half the weight of the inner
values. With this mapping an LHS of ``points`` equal to a multiple of ``k`` hits every integer
equally often.
"""

from __future__ import annotations

import csv
import hashlib
import io
import itertools
import json
import math
import os
import re
import stat
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from scipy.stats import qmc

from sim.errors import InputError
from sim.experiments.sizes import POINT_BYTES, check_fits

__all__ = [
    "KINDS",
    "MAX_DESIGN_FILE_BYTES",
    "MAX_GRID_POINTS",
    "Choice",
    "Design",
    "DesignError",
    "DesignKind",
    "Param",
    "Range",
    "Scalar",
    "design_from_table",
    "make_design",
    "parse_param",
    "parse_params",
    "read_design_csv",
]

Scalar = bool | int | float | str
"""A value a parameter can take."""

DesignKind = Literal["grid", "lhs", "sobol", "table"]
"""The kinds of design: those :func:`make_design` builds, and ``table`` (given point by point)."""

KINDS: tuple[DesignKind, ...] = ("grid", "lhs", "sobol")
"""The kinds of design :func:`make_design` builds, in the order they are listed in messages."""

MAX_GRID_POINTS = 1_000_000
"""The largest full-factorial grid :func:`make_design` agrees to enumerate (and the most rows
a design table may have)."""

MAX_DESIGN_FILE_BYTES = 64 * 1024 * 1024
"""The largest design file :func:`read_design_csv` reads."""

_KEY_RE = re.compile(r"[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*")
_INT_RE = re.compile(r"[+-]?[0-9]+")


class DesignError(InputError):
    """A parameter specification or a design request that cannot be honoured.

    The message is a single line that quotes the offending value and the rule it broke.
    """


def _key_problem(key: str) -> str | None:
    """Return why ``key`` is not a valid dotted key, or ``None`` if it is valid."""
    if not key:
        return "the key is empty"
    if _KEY_RE.fullmatch(key) is None:
        return (
            f"key {_clip(key)} is not a dotted path: use letters, digits, '_' and '-', "
            "in parts joined by single dots"
        )
    return None


def _range_problem(low: float, high: float, integer: bool) -> str | None:
    """Return why ``low:high`` is not a valid range, or ``None`` if it is valid."""
    for name, bound in (("LOW", low), ("HIGH", high)):
        if isinstance(bound, bool) or not isinstance(bound, int | float):
            return f"{name} {bound!r} is not a number"
        if not math.isfinite(bound):
            return f"{name} {bound!r} is not finite"
        if integer and not float(bound).is_integer():
            return f"{name} {bound!r} is not an integer, yet the range is marked integer"
    if not low < high:
        return f"LOW {low!r} must be below HIGH {high!r}"
    if not math.isfinite(high - low):
        return f"the span HIGH - LOW of {low!r}:{high!r} overflows a float"
    return None


def _same_value(a: Scalar, b: Scalar) -> bool:
    """Tell whether two choice values are duplicates: ``1`` and ``1.0`` are; ``1``, ``true`` not."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, str) or isinstance(b, str):
        return isinstance(a, str) and isinstance(b, str) and a == b
    return a == b


def _values_problem(values: tuple[Scalar, ...]) -> str | None:
    """Return why ``values`` is not a valid list of choices, or ``None`` if it is valid."""
    if not values:
        return "the value list is empty"
    for i, value in enumerate(values):
        item: object = value  # values built by hand may hold anything
        if not isinstance(item, bool | int | float | str):
            return f"value {value!r} is not a bool, int, float or string"
        if isinstance(value, float) and not math.isfinite(value):
            return f"value {value!r} is not finite"
        for earlier in values[:i]:
            if _same_value(earlier, value):
                shown = _clip(value) if isinstance(value, str) else repr(value)
                return f"value {shown} is listed twice"
    return None


@dataclass(frozen=True, slots=True)
class Range:
    """A continuous or integer parameter, written ``KEY=LOW:HIGH``.

    Parameters
    ----------
    key : str
        Dotted key of the parameter, e.g. ``actors.russia.tempo_days``.
    low, high : float
        Inclusive bounds, finite, with ``low < high``.
    integer : bool, default False
        Whether the parameter takes integer values only. :func:`parse_param` sets it when both
        bounds are written as integers. Sampled values are then Python ints in
        ``low .. high`` (see the module notes for the mapping).

    Raises
    ------
    DesignError
        If the key or the bounds are invalid.
    """

    key: str
    low: float
    high: float
    integer: bool = False

    def __post_init__(self) -> None:
        problem = _key_problem(self.key) or _range_problem(self.low, self.high, self.integer)
        if problem is not None:
            raise DesignError(f"range {self.key!r}: {problem}")

    def to_json(self) -> dict[str, object]:
        """Describe the range as a JSON-ready dictionary.

        Returns
        -------
        dict of str to object
            ``key``, ``low``, ``high`` (ints for an integer range) and ``integer``.
        """
        if self.integer:
            return {"key": self.key, "low": int(self.low), "high": int(self.high), "integer": True}
        return {"key": self.key, "low": self.low, "high": self.high, "integer": False}


@dataclass(frozen=True, slots=True)
class Choice:
    """A discrete parameter, written ``KEY=A,B,C``.

    Parameters
    ----------
    key : str
        Dotted key of the parameter.
    values : tuple of bool, int, float or str
        The values, at least one, no two alike, in the order they were written.

    Raises
    ------
    DesignError
        If the key or the values are invalid.
    """

    key: str
    values: tuple[Scalar, ...]

    def __post_init__(self) -> None:
        problem = _key_problem(self.key) or _values_problem(self.values)
        if problem is not None:
            raise DesignError(f"choice {self.key!r}: {problem}")

    def to_json(self) -> dict[str, object]:
        """Describe the choice as a JSON-ready dictionary.

        Returns
        -------
        dict of str to object
            ``key`` and ``values``.
        """
        return {"key": self.key, "values": list(self.values)}


Param = Range | Choice
"""A parameter of a design."""


def _parse_number(text: str) -> int | float | None:
    """Parse a range bound: an int if written as one, else a float; ``None`` if not a number.

    Raises
    ------
    DesignError
        If the number is too long to read or too large for a float (the message is
        completed by the caller).
    """
    token = text.strip().replace("_", "")
    if _INT_RE.fullmatch(token):
        try:
            value = int(token)
            float(value)
        except (ValueError, OverflowError):
            # Past Python's digit limit, or beyond the largest float.
            raise DesignError(f"{_clip(token)} is too large a number") from None
        return value
    try:
        return float(token)
    except ValueError:
        return None


def _clip(text: str, width: int = 40) -> str:
    """``text`` quoted (control characters escaped), cut to about ``width`` characters."""
    if len(text) > width:
        return repr(text[: width - 12] + "..." + text[-8:])
    return repr(text)


def _split_values(text: str) -> list[str]:
    """Split ``A,B,C`` on the commas that are outside quoted strings.

    Raises
    ------
    DesignError
        If a quoted string is not closed (the message is completed by the caller).
    """
    tokens: list[str] = []
    current: list[str] = []
    quote: str | None = None
    escaped = False
    for char in text:
        if quote is not None:
            current.append(char)
            if escaped:
                escaped = False
            elif char == "\\" and quote == '"':
                escaped = True
            elif char == quote:
                quote = None
        elif char in "\"'":
            quote = char
            current.append(char)
        elif char == ",":
            tokens.append("".join(current))
            current = []
        else:
            current.append(char)
    if quote is not None:
        raise DesignError(f"the quoted string starting with {quote} is not closed")
    tokens.append("".join(current))
    return tokens


def _parse_scalar(token: str) -> Scalar:
    """Parse one choice value as a TOML scalar, or as a bare string.

    Raises
    ------
    DesignError
        If the value is empty or is neither a TOML bool, int, float or string nor a bare word.
    """
    token = token.strip()
    if not token:
        raise DesignError("a value is empty (two commas in a row, or a comma at an end)")
    try:
        value: object = tomllib.loads(f"v = {token}")["v"]
    except tomllib.TOMLDecodeError:
        value = None
    except (ValueError, RecursionError):
        # An integer past Python's digit limit, or brackets nested past the recursion limit.
        raise DesignError(f"value {_clip(token)} cannot be read (too long or too deep)") from None
    if isinstance(value, bool | int | float | str):
        return value
    if (
        any(char in token for char in "\"'=[]{}#")
        or any(char.isspace() for char in token)
        or not token.isprintable()
    ):
        raise DesignError(f"value {_clip(token)} is not a TOML scalar (bool, number or string)")
    # A bare word such as `high` or `2013-11-25` (TOML would read the latter as a date).
    return token


def parse_param(text: str) -> Param:
    """Parse one parameter specification.

    Parameters
    ----------
    text : str
        ``KEY=LOW:HIGH`` for a :class:`Range` or ``KEY=A,B,C`` for a :class:`Choice`.
        Range bounds are numbers (the range is an integer range when both are written as
        integers: ``5:15`` but not ``5.0:15``; beware that ``0:1`` is thus the integers 0 and 1,
        write ``0.0:1`` for the continuous unit interval). Choice values are TOML scalars: integers,
        floats, ``true``/``false``, quoted strings; unquoted words are taken as strings.
        A single value (``KEY=A``) is a one-value choice, which pins the parameter.

    Returns
    -------
    Param
        The parsed parameter.

    Raises
    ------
    DesignError
        If there is no ``=``, the key is empty or not a dotted path, the bounds are not finite
        numbers or not increasing, or the value list is empty or holds a value twice.

    Examples
    --------
    >>> parse_param("actors.russia.tempo_days=5:15")
    Range(key='actors.russia.tempo_days', low=5.0, high=15.0, integer=True)
    >>> parse_param("gates.regional_invitations.resolved=true,false")
    Choice(key='gates.regional_invitations.resolved', values=(True, False))
    """
    if "=" not in text:
        raise DesignError(
            f"invalid parameter {_clip(text)}: no '=', write KEY=LOW:HIGH or KEY=A,B,C"
        )
    key, _, spec = text.partition("=")
    key, spec = key.strip(), spec.strip()
    problem = _key_problem(key)
    if problem is not None:
        raise DesignError(f"invalid parameter {_clip(text)}: {problem}")
    if not spec:
        raise DesignError(f"invalid parameter {_clip(text)}: the value list is empty")
    is_range = ":" in spec and "," not in spec and spec[0] not in "\"'"
    try:
        if is_range:
            return _parse_range(key, spec)
        values = tuple(_parse_scalar(token) for token in _split_values(spec))
        problem = _values_problem(values)
        if problem is not None:
            raise DesignError(problem)
        return Choice(key, values)
    except DesignError as exc:
        raise DesignError(f"invalid parameter {_clip(text)}: {exc}") from None


def _parse_range(key: str, spec: str) -> Range:
    """Parse the ``LOW:HIGH`` part of a range (messages are completed by the caller)."""
    parts = spec.split(":")
    if len(parts) != 2:
        raise DesignError(f"range {_clip(spec)} must be LOW:HIGH with exactly one ':'")
    bounds: list[int | float] = []
    for name, part in zip(("LOW", "HIGH"), parts, strict=True):
        number = _parse_number(part)
        if number is None:
            raise DesignError(f"{name} {_clip(part.strip())} is not a number")
        bounds.append(number)
    low, high = bounds
    integer = isinstance(low, int) and isinstance(high, int)
    problem = _range_problem(low, high, integer)
    if problem is not None:
        raise DesignError(problem)
    return Range(key, float(low), float(high), integer)


def _duplicate_key_problem(params: Sequence[Param]) -> str | None:
    """Return a message naming the first key that appears twice, or ``None``."""
    seen: set[str] = set()
    for param in params:
        if param.key in seen:
            return f"parameter key {_clip(param.key)} is given twice"
        seen.add(param.key)
    return None


def parse_params(texts: Sequence[str]) -> tuple[Param, ...]:
    """Parse several parameter specifications, in order.

    Parameters
    ----------
    texts : sequence of str
        Specifications as accepted by :func:`parse_param`.

    Returns
    -------
    tuple of Param
        The parameters, in the order given.

    Raises
    ------
    DesignError
        If a specification is invalid, or the same key appears twice.
    """
    params = tuple(parse_param(text) for text in texts)
    problem = _duplicate_key_problem(params)
    if problem is not None:
        raise DesignError(problem)
    return params


@dataclass(frozen=True, slots=True)
class Design:
    """An ordered, reproducible set of parameter points.

    Parameters
    ----------
    kind : {"grid", "lhs", "sobol"}
        How the points were generated.
    params : tuple of Param
        The parameters; every point has exactly their keys.
    points : tuple of dict of str to scalar
        The points, in run order. Values are Python ``float``, ``int`` (integer ranges),
        or the choice values themselves.
    seed : int
        The seed the points were drawn with (recorded, though unused, for grids).
    """

    kind: DesignKind
    params: tuple[Param, ...]
    points: tuple[dict[str, Scalar], ...]
    seed: int

    def to_json(self) -> dict[str, object]:
        """Describe the design for provenance records and ``--resume`` checks.

        Two designs with equal descriptions have the same points, so a run can refuse to
        resume on a design whose description differs from the recorded one.

        Returns
        -------
        dict of str to object
            ``kind``, ``seed``, ``points`` (the number of points) and ``params`` (a list of
            ``{"key", "low", "high", "integer"}`` or ``{"key", "values"}`` dictionaries).
        """
        described: dict[str, object] = {
            "kind": self.kind,
            "seed": self.seed,
            "points": len(self.points),
            "params": [param.to_json() for param in self.params],
        }
        if self.kind == "table":
            # A table's points are not derived from the rest: its digest stands for them.
            text = json.dumps([list(p.values()) for p in self.points], separators=(",", ":"))
            described["points_sha256"] = hashlib.sha256(text.encode("utf-8")).hexdigest()
        return described


def _grid_axis(param: Param, points: int) -> list[Scalar]:
    """Return the grid values of one parameter."""
    if isinstance(param, Choice):
        return list(param.values)
    values = np.linspace(param.low, param.high, points)
    if not param.integer:
        return [float(v) for v in values]
    # Rounded, then de-duplicated while keeping the increasing order.
    return list(dict.fromkeys(int(v) for v in np.rint(values)))


def _from_unit(param: Param, u: npt.NDArray[np.float64]) -> list[Scalar]:
    """Map unit coordinates ``u`` in ``[0, 1)`` to values of ``param`` (see module notes)."""
    if isinstance(param, Choice):
        index = np.clip(np.floor(u * len(param.values)).astype(np.int64), 0, len(param.values) - 1)
        return [param.values[i] for i in index]
    if param.integer:
        low, high = int(param.low), int(param.high)
        ints = np.clip(low + np.floor(u * (high - low + 1)).astype(np.int64), low, high)
        return [int(v) for v in ints]
    scaled = qmc.scale(u.reshape(-1, 1), [param.low], [param.high])[:, 0]
    return [float(v) for v in np.clip(scaled, param.low, param.high)]


def _nearest_powers_of_two(n: int) -> tuple[int, int]:
    """Return the powers of two just below and just above ``n`` (``n >= 1``)."""
    below = 1 << (n.bit_length() - 1)
    return below, below * 2


def make_design(params: Sequence[Param], kind: str, points: int, seed: int) -> Design:
    """Build a design over ``params``.

    Parameters
    ----------
    params : sequence of Param
        The parameters, at least one, with distinct keys.
    kind : {"grid", "lhs", "sobol"}
        ``grid``: the full factorial of every :class:`Range` at ``points`` evenly spaced values
        from ``low`` to ``high`` inclusive (rounded and de-duplicated for integer ranges) and of
        every :class:`Choice` at all its values; ordered like :func:`itertools.product`, the
        first parameter varying slowest and the last fastest. ``points`` is ignored when all
        parameters are choices.
        ``lhs``: a Latin hypercube of ``points`` points (:class:`scipy.stats.qmc.LatinHypercube`);
        each of the ``points`` equal strata of every coordinate holds exactly one point.
        ``sobol``: the first ``points`` points of a scrambled Sobol' sequence
        (:class:`scipy.stats.qmc.Sobol`); ``points`` must be a power of two.
    points : int
        Values per range for a grid; number of points for ``lhs`` and ``sobol``. At least 2.
    seed : int
        Non-negative seed of the :class:`numpy.random.Generator` that drives the LHS
        permutations or the Sobol' scrambling.

    Returns
    -------
    Design
        The design; the same arguments always give the same points.

    Raises
    ------
    DesignError
        If ``kind`` is unknown, there are no parameters or a key repeats, ``points`` is too
        small (or not a power of two for ``sobol``), the grid would exceed
        :data:`MAX_GRID_POINTS` points, or ``seed`` is negative.
    """
    params = tuple(params)
    if kind not in KINDS:
        raise DesignError(f"unknown design kind {kind!r}: choose one of {', '.join(KINDS)}")
    if not params:
        raise DesignError("a design needs at least one parameter")
    for param in params:
        if not isinstance(param, Range | Choice):
            raise DesignError(f"{param!r} is not a Range or a Choice")
    problem = _duplicate_key_problem(params)
    if problem is not None:
        raise DesignError(problem)
    if isinstance(points, bool) or not isinstance(points, int):
        raise DesignError(f"the number of points must be an integer, got {points!r}")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise DesignError(f"the seed must be a non-negative integer, got {seed!r}")

    if kind == "grid":
        return Design("grid", params, _grid_points(params, points), seed)
    if points < 2:
        raise DesignError(f"a {kind} design needs points >= 2, got {points}")
    check_fits(points, "design points", POINT_BYTES * len(params))
    rng = np.random.default_rng(seed)
    engine: qmc.QMCEngine
    if kind == "lhs":
        engine = qmc.LatinHypercube(d=len(params), rng=rng)
        unit = engine.random(points)
    else:
        if points & (points - 1):
            below, above = _nearest_powers_of_two(points)
            raise DesignError(
                f"a sobol design needs a power of 2 points, got {points}: use {below} or {above}"
            )
        engine = qmc.Sobol(d=len(params), scramble=True, rng=rng)
        unit = engine.random_base2(points.bit_length() - 1)
    columns = [_from_unit(param, unit[:, j]) for j, param in enumerate(params)]
    rows = tuple(
        {param.key: column[i] for param, column in zip(params, columns, strict=True)}
        for i in range(points)
    )
    return Design("lhs" if kind == "lhs" else "sobol", params, rows, seed)


def _grid_points(params: tuple[Param, ...], points: int) -> tuple[dict[str, Scalar], ...]:
    """Enumerate the full factorial grid (first parameter slowest)."""
    for param in params:
        if isinstance(param, Range) and points < 2:
            raise DesignError(
                f"a grid needs points >= 2 to span the range {param.key!r} "
                f"({param.low:g}:{param.high:g}), got {points}"
            )
    if points > MAX_GRID_POINTS and any(isinstance(param, Range) for param in params):
        raise DesignError(
            f"a grid of {points:,} values per range would have more than {MAX_GRID_POINTS:,} "
            "points: use fewer points or an lhs or sobol design"
        )
    axes = [_grid_axis(param, points) for param in params]
    size = math.prod(len(axis) for axis in axes)
    if size > MAX_GRID_POINTS:
        sizes = " x ".join(str(len(axis)) for axis in axes)
        raise DesignError(
            f"the grid would have {size} points ({sizes}), more than {MAX_GRID_POINTS}: "
            "use fewer points or an lhs or sobol design"
        )
    keys = [param.key for param in params]
    return tuple(dict(zip(keys, combo, strict=True)) for combo in itertools.product(*axes))


# -- designs made elsewhere (SALib, a spreadsheet, by hand) ------------------------------------


def _cell(text: str, where: str) -> int | float:
    """Parse one number of a design table (an int if written as one)."""
    try:
        number = _parse_number(text)
    except DesignError as exc:
        raise DesignError(f"{where}: {exc}") from None
    if number is None or (isinstance(number, float) and not math.isfinite(number)):
        raise DesignError(f"{where}: {_clip(text.strip())} is not a finite number")
    return number


def _table_params(keys: Sequence[str], rows: Sequence[Sequence[int | float]]) -> tuple[Param, ...]:
    """Describe each column as a range over its values (a one-value choice if constant)."""
    params: list[Param] = []
    for j, key in enumerate(keys):
        column = [row[j] for row in rows]
        low, high = min(column), max(column)
        integer = all(isinstance(v, int) for v in column)
        if low < high:
            params.append(Range(key, float(low), float(high), integer))
        else:
            params.append(Choice(key, (column[0],)))
    return tuple(params)


def _checked_keys(keys: Sequence[str], source: str) -> list[str]:
    if not keys:
        raise DesignError(f"{source}: no columns; the first row must name the scenario keys")
    cleaned = [str(k).strip() for k in keys]
    for key in cleaned:
        problem = _key_problem(key)
        if problem is not None:
            raise DesignError(f"{source}: column {_clip(key)}: {problem}")
    seen: set[str] = set()
    for key in cleaned:
        if key in seen:
            raise DesignError(f"{source}: column {_clip(key)} is given twice")
        seen.add(key)
    return cleaned


def _table_design(
    keys: Sequence[str], rows: Sequence[Sequence[int | float]], source: str
) -> Design:
    if not rows:
        raise DesignError(f"{source}: no rows; each row below the header is a point")
    if len(rows) > MAX_GRID_POINTS:
        raise DesignError(f"{source}: {len(rows)} rows, more than {MAX_GRID_POINTS} points")
    points: tuple[dict[str, Scalar], ...] = tuple(dict(zip(keys, row, strict=True)) for row in rows)
    return Design("table", _table_params(keys, rows), points, 0)


def read_design_csv(path: str | os.PathLike[str]) -> Design:
    """Read a design from a CSV file: the header names dotted scenario keys, each row is a point.

    Cells are numbers (written as integers, they stay integers). A design made with SALib or in
    a spreadsheet can be saved so and run as a sweep (``negsim sweep --design-file FILE``).

    Parameters
    ----------
    path : path-like
        A regular UTF-8 text file of at most :data:`MAX_DESIGN_FILE_BYTES` bytes and at most
        :data:`MAX_GRID_POINTS` rows.

    Returns
    -------
    Design
        Of kind ``table``; its parameters are ranges over each column's values.

    Raises
    ------
    DesignError
        One line naming the file (and the row and column) for a missing, unreadable, special
        (a FIFO, a folder), huge or empty file, a bad key, a short or long row, or a cell that
        is not a number. Whether each key is a key of the scenario is checked with the points.
    """
    file = Path(path)
    source = f"--design-file {file}"
    try:
        info = os.stat(file)
    except FileNotFoundError:
        raise DesignError(f"{source}: no such file") from None
    except OSError as exc:
        raise DesignError(f"{source}: cannot read it ({exc.strerror})") from None
    if stat.S_ISDIR(info.st_mode):
        raise DesignError(f"{source}: is a folder, not a file")
    if not stat.S_ISREG(info.st_mode):
        # A FIFO or a device would block or never end: only regular files are read.
        raise DesignError(f"{source}: not a regular file (a pipe or a device)")
    if info.st_size > MAX_DESIGN_FILE_BYTES:
        raise DesignError(
            f"{source}: too large ({info.st_size} bytes, at most {MAX_DESIGN_FILE_BYTES})"
        )
    try:
        with open(file, "rb") as f:
            data = f.read(MAX_DESIGN_FILE_BYTES + 1)
    except OSError as exc:
        raise DesignError(f"{source}: cannot read it ({exc.strerror})") from None
    if len(data) > MAX_DESIGN_FILE_BYTES:
        raise DesignError(f"{source}: too large (more than {MAX_DESIGN_FILE_BYTES} bytes)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DesignError(f"{source}: not UTF-8 text") from None
    if not text.strip():
        raise DesignError(f"{source}: the file is empty")
    try:
        table = list(csv.reader(io.StringIO(text)))
    except csv.Error as exc:
        raise DesignError(f"{source}: not a CSV table ({exc})") from None
    table = [row for row in table if any(cell.strip() for cell in row)]
    keys = _checked_keys(table[0], source)
    rows: list[list[int | float]] = []
    for r, row in enumerate(table[1:], start=2):
        if len(row) != len(keys):
            raise DesignError(
                f"{source}: row {r} has {len(row)} cells, the header {len(keys)} columns"
            )
        rows.append(
            [
                _cell(cell, f"{source}: row {r}, column {k!r}")
                for k, cell in zip(keys, row, strict=True)
            ]
        )
    return _table_design(keys, rows, source)


def _python_number(value: Any, where: str) -> int | float:
    if isinstance(value, bool | np.bool_) or not isinstance(
        value, int | float | np.integer | np.floating
    ):
        raise DesignError(f"{where}: {value!r} is not a number")
    if isinstance(value, int | np.integer):
        return int(value)
    number = float(value)
    if not math.isfinite(number):
        raise DesignError(f"{where}: {value!r} is not a finite number")
    return number


def design_from_table(table: Any, columns: Sequence[str] | None = None) -> Design:
    """Make a design from a table of points: a pandas DataFrame, a numpy array, or a CSV file.

    Parameters
    ----------
    table : DataFrame, ndarray, Design or path-like
        A :class:`pandas.DataFrame` whose columns are dotted scenario keys; a numpy structured
        array whose field names are; a 2-D numpy array (or nested lists) with ``columns``; a
        :class:`Design` (returned as it is); or a CSV file (:func:`read_design_csv`). Each row
        is a point.
    columns : sequence of str, optional
        The keys of a plain 2-D array's columns.

    Returns
    -------
    Design
        Of kind ``table``, with ranges over each column's values as its parameters.

    Raises
    ------
    DesignError
        For a bad key, an empty table, too many rows, or a value that is not a finite number.
    """
    if isinstance(table, Design):
        return table
    if isinstance(table, str | os.PathLike):
        return read_design_csv(table)
    source = "the design table"
    if hasattr(table, "columns") and hasattr(table, "to_numpy"):  # a pandas DataFrame
        if columns is not None:
            raise DesignError(f"{source}: a DataFrame names its own columns; leave columns out")
        keys = _checked_keys([str(c) for c in table.columns], source)
        raw = table.to_numpy(dtype=object).tolist()
    else:
        array = np.asarray(table)
        if array.dtype.names:
            if columns is not None:
                raise DesignError(f"{source}: a structured array names its own fields")
            keys = _checked_keys(list(array.dtype.names), source)
            raw = [list(row) for row in array.tolist()]
        else:
            if columns is None:
                raise DesignError(f"{source}: give columns= (the dotted key of each column)")
            if array.ndim != 2 or array.shape[1] != len(columns):
                raise DesignError(
                    f"{source}: expected a 2-D array of {len(columns)} columns, "
                    f"got shape {array.shape}"
                )
            keys = _checked_keys(list(columns), source)
            raw = array.tolist()
    rows = [
        [
            _python_number(v, f"{source}: row {i}, column {k!r}")
            for k, v in zip(keys, row, strict=True)
        ]
        for i, row in enumerate(raw)
    ]
    return _table_design(keys, rows, source)
