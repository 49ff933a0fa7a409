"""One self-contained HTML report of a results folder: what ``negsim report`` writes.

:func:`build_report` reads a folder written by ``negsim run --out`` or
``negsim compare --out`` (``summary.json``, ``deadlines.csv``, ``runs.csv`` and
the PNG figures) with the standard library only, and returns one HTML page:
the figures are embedded as base64 data URIs, the style sheet is inline, and
nothing is loaded from anywhere else, so the file can be mailed, opened
offline or printed. Every piece of text that comes from the folder (scenario
titles and labels come from user files) is escaped.

The page holds the scenario's summary, the deadline table (probability and
95% interval), the share of runs not convened by the horizon and the median
convening date, how the runs went (announcements, postponements, gates), the
figures with captions saying how to read them, and the provenance. For a
comparison it adds both scenarios side by side and the table of paired
differences, with one plain sentence per deadline.
"""

from __future__ import annotations

import base64
import csv
import datetime as dt
import html
import json
import math
import os
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from sim._version import __version__
from sim.errors import InputError
from sim.files import JsonFileError, read_json_file

__all__ = ["ReportError", "build_report"]

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
#: Two numbers read from different files of one folder agree if they differ by less.
_AGREE = 1e-9
_MINUS = "\u2212"
_NUM = ' class="num"'


class ReportError(InputError):
    """A results folder is missing, incomplete or unreadable for a report.

    The message is one line; it names the folder or file, and for
    ``summary.json`` the offending key.
    """


# -- reading summary.json -----------------------------------------------------------


def _show(value: object) -> str:
    """A JSON value, short, on one line, for an error message."""
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 40 else text[:37] + "..."


@dataclass(frozen=True, slots=True)
class _Node:
    """A value inside ``summary.json`` with its dotted key, for precise error messages."""

    value: object
    key: str
    source: Path

    def fail(self, expected: str) -> ReportError:
        """The error for a value that is not what was ``expected``."""
        where = f"key '{self.key}'" if self.key else "the top level"
        return ReportError(f"{self.source}: {where}: expected {expected}, got {_show(self.value)}")

    def _child_key(self, name: str) -> str:
        return f"{self.key}.{name}" if self.key else name

    def opt(self, name: str) -> _Node | None:
        """The member ``name`` of an object, or ``None`` if it is absent."""
        if not isinstance(self.value, dict):
            raise self.fail("an object")
        if name not in self.value:
            return None
        return _Node(self.value[name], self._child_key(name), self.source)

    def get(self, name: str) -> _Node:
        """The member ``name`` of an object; an error naming the key if it is absent."""
        node = self.opt(name)
        if node is None:
            raise ReportError(f"{self.source}: missing key '{self._child_key(name)}'")
        return node

    def items(self) -> list[_Node]:
        """The elements of an array."""
        if not isinstance(self.value, list):
            raise self.fail("an array")
        return [_Node(v, f"{self.key}[{i}]", self.source) for i, v in enumerate(self.value)]

    def text(self) -> str:
        """A string."""
        if not isinstance(self.value, str):
            raise self.fail("a string")
        return self.value

    def number(self) -> float:
        """A number (an integer or a float, not a boolean)."""
        if isinstance(self.value, bool) or not isinstance(self.value, int | float):
            raise self.fail("a number")
        return float(self.value)

    def integer(self) -> int:
        """A whole number."""
        if isinstance(self.value, bool) or not isinstance(self.value, int):
            raise self.fail("a whole number")
        return self.value

    def date(self) -> dt.date:
        """An ISO date string (YYYY-MM-DD)."""
        try:
            return dt.date.fromisoformat(self.text())
        except ValueError:
            raise self.fail("a date (YYYY-MM-DD)") from None

    def text_or_none(self) -> str | None:
        """A string or ``null``."""
        return None if self.value is None else self.text()

    def number_or_none(self) -> float | None:
        """A number or ``null``."""
        return None if self.value is None else self.number()


def _read_summary(folder: Path) -> _Node:
    path = folder / "summary.json"
    if not path.is_file():
        raise ReportError(
            f"{folder}: no summary.json (not a folder written by 'negsim run --out' or "
            "'negsim compare --out', or that command did not finish)"
        )
    try:
        value = read_json_file(path)
    except JsonFileError as exc:
        raise ReportError(str(exc)) from None
    root = _Node(value, "", path)
    if not isinstance(value, dict):
        raise root.fail("an object")
    return root


@dataclass(frozen=True, slots=True)
class _Share:
    """A proportion with its 95% interval."""

    estimate: float
    low: float
    high: float


@dataclass(frozen=True, slots=True)
class _Deadline:
    """P(convened by one deadline)."""

    name: str
    label: str
    date: dt.date
    share: _Share
    convened: int
    runs: int


@dataclass(frozen=True, slots=True)
class _Provenance:
    """Where one scenario's results came from."""

    version: str
    python: str
    numpy: str
    scenario: str
    title: str
    file: str
    sha256: str
    seed: int
    runs: int
    backend: str
    wall_time_s: float


@dataclass(frozen=True, slots=True)
class _Result:
    """One scenario's Monte Carlo estimates, as ``summary.json`` holds them."""

    scenario: str
    title: str
    runs: int
    seed: int
    start: dt.date
    horizon: dt.date
    deadlines: tuple[_Deadline, ...]
    never: _Share
    median_date: dt.date | None
    precision: float | None
    max_half_width: float
    events: int | None


@dataclass(frozen=True, slots=True)
class _Difference:
    """The paired comparison at one deadline (a row of a comparison's ``deadlines.csv``)."""

    name: str
    label: str
    date: dt.date
    base: float
    alt: float
    difference: float
    low: float
    high: float
    mcnemar_p: float
    both: int
    only_base: int
    only_alt: int
    neither: int
    unpaired_low: float
    unpaired_high: float
    width_ratio: float


def _share(node: _Node) -> _Share:
    return _Share(
        node.get("probability").number(), node.get("ci_low").number(), node.get("ci_high").number()
    )


def _provenance(node: _Node) -> _Provenance:
    return _Provenance(
        version=node.get("negsim_version").text(),
        python=node.get("python").text(),
        numpy=node.get("numpy").text(),
        scenario=node.get("scenario").text(),
        title=node.get("scenario_title").text(),
        file=node.get("scenario_file").text(),
        sha256=node.get("scenario_sha256").text(),
        seed=node.get("seed").integer(),
        runs=node.get("runs").integer(),
        backend=node.get("backend").text(),
        wall_time_s=node.get("wall_time_s").number(),
    )


def _result(node: _Node) -> _Result:
    deadlines = tuple(
        _Deadline(
            name=d.get("name").text(),
            label=d.get("label").text(),
            date=d.get("date").date(),
            share=_share(d),
            convened=d.get("convened").integer(),
            runs=d.get("runs").integer(),
        )
        for d in node.get("deadlines").items()
    )
    median = node.get("median_convening_date")
    events = node.opt("events")
    precision = node.opt("precision")
    return _Result(
        scenario=node.get("scenario").text(),
        title=node.get("title").text(),
        runs=node.get("runs").integer(),
        seed=node.get("seed").integer(),
        start=node.get("start").date(),
        horizon=node.get("horizon").date(),
        deadlines=deadlines,
        never=_share(node.get("not_convened_by_horizon")),
        median_date=None if median.value is None else median.date(),
        precision=None if precision is None else precision.number_or_none(),
        max_half_width=node.get("max_half_width").number(),
        events=None if events is None else events.integer(),
    )


def _files(root: _Node) -> list[str]:
    """The file names ``summary.json`` lists, each a plain name inside the folder."""
    names = []
    for item in root.get("files").items():
        name = item.text()
        # Only names inside the folder: a crafted summary must not pull in other files.
        if not name or name != Path(name).name or name.startswith(".") or "\\" in name:
            raise item.fail("a file name inside the results folder")
        names.append(name)
    return names


# -- reading the CSV files ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Csv:
    """A CSV file's rows, with its path for error messages."""

    path: Path
    columns: tuple[str, ...]
    rows: tuple[dict[str, str], ...]

    def require(self, *columns: str) -> None:
        """Fail unless every column in ``columns`` is present."""
        for column in columns:
            if column not in self.columns:
                raise ReportError(f"{self.path}: no column '{column}'; the file is incomplete")

    def _bad(self, line: int, column: str, expected: str, text: str) -> ReportError:
        return ReportError(
            f"{self.path}: line {line}, column '{column}': expected {expected}, got '{text[:40]}'"
        )

    def number(self, index: int, column: str) -> float:
        """The number in row ``index`` (0 is the first row after the header)."""
        value = self.number_or_none(index, column)
        if value is None:
            raise self._bad(index + 2, column, "a number", "")
        return value

    def number_or_none(self, index: int, column: str) -> float | None:
        """The number in row ``index``, or ``None`` for an empty cell."""
        text = (self.rows[index].get(column) or "").strip()
        if not text:
            return None
        try:
            return float(text)
        except ValueError:
            raise self._bad(index + 2, column, "a number", text) from None

    def integer(self, index: int, column: str) -> int:
        """The whole number in row ``index``."""
        text = (self.rows[index].get(column) or "").strip()
        try:
            return int(text)
        except ValueError:
            raise self._bad(index + 2, column, "a whole number", text) from None

    def text(self, index: int, column: str) -> str:
        """The text in row ``index``."""
        return self.rows[index].get(column) or ""

    def date(self, index: int, column: str) -> dt.date:
        """The ISO date in row ``index``."""
        text = self.text(index, column).strip()
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            raise self._bad(index + 2, column, "a date (YYYY-MM-DD)", text) from None


def _read_csv(folder: Path, name: str) -> _Csv:
    path = folder / name
    if not path.is_file():
        raise ReportError(f"{path}: missing; the results folder is incomplete")
    try:
        with open(path, encoding="utf-8", newline="") as f:
            reader = csv.DictReader(f)
            rows = tuple(reader)
            columns = tuple(reader.fieldnames or ())
    except UnicodeDecodeError:
        raise ReportError(f"{path}: not UTF-8 text") from None
    except csv.Error as exc:
        raise ReportError(f"{path}: not a readable CSV file ({exc})") from None
    except OSError as exc:
        raise ReportError(f"{path}: cannot read it ({exc.strerror})") from None
    return _Csv(path, columns, rows)


def _mixed(path: Path, what: str) -> ReportError:
    return ReportError(
        f"{path}: does not match summary.json ({what}); the folder mixes files of two "
        "commands: write the results again with --out"
    )


def _check_run_deadlines(table: _Csv, result: _Result) -> tuple[_Deadline, ...]:
    """The deadline rows of a run's ``deadlines.csv``, checked against ``summary.json``."""
    if not table.rows and not result.deadlines:
        return ()
    table.require("name", "label", "date", "probability", "ci_low", "ci_high", "convened", "runs")
    rows = []
    for i in range(len(table.rows)):
        rows.append(
            _Deadline(
                name=table.text(i, "name"),
                label=table.text(i, "label"),
                date=table.date(i, "date"),
                share=_Share(
                    table.number(i, "probability"),
                    table.number(i, "ci_low"),
                    table.number(i, "ci_high"),
                ),
                convened=table.integer(i, "convened"),
                runs=table.integer(i, "runs"),
            )
        )
    if [r.name for r in rows] != [d.name for d in result.deadlines]:
        raise _mixed(table.path, "not the same deadlines")
    for row, known in zip(rows, result.deadlines, strict=True):
        if abs(row.share.estimate - known.share.estimate) > _AGREE or row.runs != known.runs:
            raise _mixed(table.path, f"deadline '{row.name}' has other numbers")
    return tuple(rows)


def _check_differences(table: _Csv, known: _Node) -> tuple[_Difference, ...]:
    """The rows of a comparison's ``deadlines.csv``, checked against ``summary.json``."""
    expected = known.items()
    if not table.rows and not expected:
        return ()
    table.require(
        "name",
        "label",
        "date",
        "base_probability",
        "alt_probability",
        "difference",
        "ci_low",
        "ci_high",
        "mcnemar_p",
        "both",
        "only_base",
        "only_alt",
        "neither",
        "unpaired_ci_low",
        "unpaired_ci_high",
        "width_ratio",
    )
    rows = []
    for i in range(len(table.rows)):
        ratio = table.number_or_none(i, "width_ratio")
        rows.append(
            _Difference(
                name=table.text(i, "name"),
                label=table.text(i, "label"),
                date=table.date(i, "date"),
                base=table.number(i, "base_probability"),
                alt=table.number(i, "alt_probability"),
                difference=table.number(i, "difference"),
                low=table.number(i, "ci_low"),
                high=table.number(i, "ci_high"),
                mcnemar_p=table.number(i, "mcnemar_p"),
                both=table.integer(i, "both"),
                only_base=table.integer(i, "only_base"),
                only_alt=table.integer(i, "only_alt"),
                neither=table.integer(i, "neither"),
                unpaired_low=table.number(i, "unpaired_ci_low"),
                unpaired_high=table.number(i, "unpaired_ci_high"),
                width_ratio=math.nan if ratio is None else ratio,
            )
        )
    names = [d.get("name").text() for d in expected]
    if [r.name for r in rows] != names:
        raise _mixed(table.path, "not the same deadlines")
    for row, node in zip(rows, expected, strict=True):
        if abs(row.difference - node.get("difference").number()) > _AGREE:
            raise _mixed(table.path, f"deadline '{row.name}' has another difference")
    return tuple(rows)


@dataclass(frozen=True, slots=True)
class _GateStats:
    """How often, and when, one gate was resolved."""

    gate: str
    resolved: int
    median_day: float | None


@dataclass(frozen=True, slots=True)
class _RunStats:
    """What ``runs.csv`` says about one scenario's runs."""

    runs: int
    announced: int
    postponed: int
    first_announcement_day: float | None
    gates: tuple[_GateStats, ...]


def _median(values: Sequence[float]) -> float | None:
    return statistics.median(values) if values else None


def _run_stats(table: _Csv, prefix: str) -> _RunStats:
    """Announcements, postponements and gates over the runs of ``runs.csv`` (one scenario)."""
    announcements = f"{prefix}announcements"
    postponements = f"{prefix}postponements"
    first = f"{prefix}first_announcement_day"
    table.require(announcements, postponements, first)
    gate_columns = [
        c for c in table.columns if c.startswith(f"{prefix}gate_") and c.endswith("_day")
    ]
    n = len(table.rows)
    firsts = [d for i in range(n) if (d := table.number_or_none(i, first)) is not None]
    gates = []
    for column in gate_columns:
        days = [d for i in range(n) if (d := table.number_or_none(i, column)) is not None]
        gate = column.removeprefix(f"{prefix}gate_").removesuffix("_day")
        gates.append(_GateStats(gate, len(days), _median(days)))
    return _RunStats(
        runs=n,
        announced=sum(table.integer(i, announcements) > 0 for i in range(n)),
        postponed=sum(table.integer(i, postponements) > 0 for i in range(n)),
        first_announcement_day=_median(firsts),
        gates=tuple(gates),
    )


# -- figures ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Figure:
    """An embedded PNG figure and what to say about it."""

    name: str
    data_uri: str
    width: int
    height: int
    title: str
    caption: str
    alt: str


def _read_png(folder: Path, name: str) -> tuple[str, int, int]:
    """A PNG file as a data URI, with its width and height in pixels."""
    path = folder / name
    if not path.is_file():
        raise ReportError(
            f"{path}: missing (summary.json lists it under 'files'); the results folder is "
            "incomplete"
        )
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ReportError(f"{path}: cannot read it ({exc.strerror})") from None
    # The IHDR chunk comes first: width and height are bytes 16-24.
    if len(data) < 24 or not data.startswith(_PNG_SIGNATURE) or data[12:16] != b"IHDR":
        raise ReportError(f"{path}: not a PNG image")
    width = int.from_bytes(data[16:20], "big")
    height = int.from_bytes(data[20:24], "big")
    return "data:image/png;base64," + base64.b64encode(data).decode("ascii"), width, height


_CDF_HOW = (
    "The step line is the share of runs convened by each date (a Kaplan–Meier estimate: "
    "runs still not convened at the end of the simulation count as “not yet”, not as "
    "“never”). It only rises; a steep stretch means many runs convene then, a flat one "
    "means few do. The shaded band is its 95% interval. Dotted vertical lines mark the "
    "deadlines; the dots with bars on them are the probabilities in the tables above."
)
_FAN_HOW = (
    "Readiness (0 to 1) is how ready the parties are to convene. The line is the median run "
    "week by week; the darker band holds the middle half of the runs (25–75%), the lighter "
    "band 90% of them (5–95%). Once every gate is resolved, a run whose readiness is above "
    "the green dashed line (announce threshold) announces a date; if it falls below the red "
    "dashed line (postpone threshold) before that date, the date is postponed. After a "
    "run convenes its readiness stays at its last value. A wide band means the runs tell "
    "different stories, not that the estimate is imprecise."
)


def _figure_text(name: str, kind: str, base: str, alt: str) -> tuple[str, str, str]:
    """Title, caption and alternative text of a known figure."""
    if name == "convening_cdf.png" and kind == "compare":
        return (
            "Chance of having convened, by date, in both scenarios",
            f"Blue: the baseline ({base}); red: the alternative ({alt}). " + _CDF_HOW + " Where "
            "the two bands overlap, this figure alone cannot tell the scenarios apart; the "
            "paired differences in the table above are much sharper.",
            f"Step curves of the share of runs convened by each date, for {base} and {alt}",
        )
    if name == "convening_cdf.png":
        return (
            "Chance of having convened, by date",
            _CDF_HOW,
            "Step curve of the share of runs convened by each date, with deadlines marked",
        )
    if name == "comparison.png":
        return (
            "Both scenarios at each deadline, and the difference",
            "Left: the chance of convening by each deadline in the baseline (blue) and the "
            "alternative (red), with 95% intervals. Right: the difference, alternative minus "
            "baseline, as a proportion (0.05 is 5 points). The black bar is the paired 95% "
            "interval; the grey bar below it is what the interval would be if the runs had not "
            "been paired. When the black bar crosses the vertical zero line, the runs cannot "
            "tell whether the change raised or lowered the chance.",
            "Dot plots of both probabilities and of their paired difference at each deadline",
        )
    if name in ("readiness_fan.png", "readiness_fan_base.png", "readiness_fan_alt.png"):
        which = {"readiness_fan_base.png": base, "readiness_fan_alt.png": alt}.get(name)
        return (
            f"Readiness over time ({which})" if which else "Readiness over time",
            _FAN_HOW,
            "Fan chart of readiness over time: median and 25–75% and 5–95% bands, "
            "with the announce and postpone thresholds",
        )
    return (name, "A figure from the results folder.", name)


# -- formatting ---------------------------------------------------------------------


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _iso(date: dt.date) -> str:
    """``2013-05-07``, kept on one line (HTML)."""
    return f'<span class="nw">{date.isoformat()}</span>'


def _long_date(date: dt.date) -> str:
    """``7 May 2013``, whatever the locale."""
    return f"{date.day} {_MONTHS[date.month - 1]} {date.year}"


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def _pts(x: float, sign: bool = True) -> str:
    """Percentage points, with a real minus sign."""
    value = 100 * x
    if abs(value) < 0.05:
        return "0.0"
    text = f"{value:+.1f}" if sign else f"{abs(value):.1f}"
    return text.replace("-", _MINUS)


def _p_value(p: float) -> str:
    return "< 0.001" if p < 0.001 else f"{p:.3g}"


def _seconds(s: float) -> str:
    return f"{s:.1f} s" if s < 120 else f"{s / 60:.1f} min"


def _day_date(start: dt.date, day: float) -> dt.date:
    return start + dt.timedelta(days=math.floor(day))


def _of(count: int, runs: int) -> str:
    share = f" ({_pct(count / runs)})" if runs else ""
    return f"{count} of {runs}{share}"


def _bar(share: _Share) -> str:
    """A small interval bar: the 95% interval as a band, the estimate as a tick."""
    low = max(0.0, min(1.0, share.low))
    high = max(low, min(1.0, share.high))
    est = max(0.0, min(1.0, share.estimate))
    return (
        '<span class="bar" aria-hidden="true">'
        f'<span class="ci" style="left:{100 * low:.2f}%;width:{100 * (high - low):.2f}%"></span>'
        f'<span class="pt" style="left:{100 * est:.2f}%"></span></span>'
    )


def _table(header: Sequence[str], rows: Sequence[Sequence[str]], numeric: set[int]) -> str:
    """An HTML table; cells are HTML already (escape text before)."""
    head = "".join(
        f'<th scope="col"{_NUM if i in numeric else ""}>{h}</th>' for i, h in enumerate(header)
    )
    body = "".join(
        "<tr>"
        + "".join(f"<td{_NUM if i in numeric else ''}>{cell}</td>" for i, cell in enumerate(row))
        + "</tr>"
        for row in rows
    )
    return (
        f'<div class="table-wrap"><table><thead><tr>{head}</tr></thead>'
        f"<tbody>{body}</tbody></table></div>"
    )


def _key_values(rows: Sequence[tuple[str, Sequence[str]]], header: Sequence[str] = ()) -> str:
    """A two- (or more) column table of names and values; values are HTML already."""
    head = (
        "<thead><tr>" + "".join(f'<th scope="col">{h}</th>' for h in header) + "</tr></thead>"
        if header
        else ""
    )
    body = "".join(
        f'<tr><th scope="row">{name}</th>' + "".join(f"<td>{v}</td>" for v in values) + "</tr>"
        for name, values in rows
    )
    return f'<div class="table-wrap"><table class="kv">{head}<tbody>{body}</tbody></table></div>'


def _deadline_cell(label: str, date: dt.date) -> str:
    return f'{_e(label)}<br><span class="date nw">{date.isoformat()}</span>'


def _deadline_table(deadlines: Sequence[_Deadline]) -> str:
    rows = [
        [
            _deadline_cell(d.label, d.date),
            _pct(d.share.estimate),
            f"{_pct(d.share.low)} – {_pct(d.share.high)}",
            f"{d.convened} / {d.runs}",
            _bar(d.share),
        ]
        for d in deadlines
    ]
    return _table(
        ["deadline", "P(convened by then)", "95% interval", "runs convened", "0 – 100%"],
        rows,
        numeric={1, 2, 3},
    )


def _outcome_lines(result: _Result) -> list[str]:
    """Not convened by the horizon, and the median convening date (HTML)."""
    never = result.never
    median = (
        f"<strong>{_e(_long_date(result.median_date))}</strong> "
        f"({result.median_date.isoformat()}): half of the runs had convened by then"
        if result.median_date is not None
        else "not reached: fewer than half of the runs convened before the end of the simulation"
    )
    return [
        f"Not convened by the end of the simulation ({_e(_long_date(result.horizon))}): "
        f"<strong>{_pct(never.estimate)}</strong> of runs "
        f"(95% interval {_pct(never.low)} to {_pct(never.high)}).",
        f"Median convening date (Kaplan–Meier): {median}.",
    ]


def _run_stats_rows(
    stats: Sequence[_RunStats], starts: Sequence[dt.date]
) -> list[tuple[str, list[str]]]:
    def median_date(day: float | None, start: dt.date) -> str:
        return "—" if day is None else _iso(_day_date(start, day))

    rows: list[tuple[str, list[str]]] = [
        ("a date announced at least once", [_of(s.announced, s.runs) for s in stats]),
        ("postponed at least once", [_of(s.postponed, s.runs) for s in stats]),
        (
            "first announcement (median date, runs that announced)",
            [median_date(s.first_announcement_day, d) for s, d in zip(stats, starts, strict=True)],
        ),
    ]
    gates = list(dict.fromkeys(g.gate for s in stats for g in s.gates))
    for gate in gates:
        cells = []
        for s, start in zip(stats, starts, strict=True):
            found = [g for g in s.gates if g.gate == gate]
            if not found:
                cells.append("—")
                continue
            g = found[0]
            cells.append(
                f"{_of(g.resolved, s.runs)}, median {median_date(g.median_day, start)}"
                if g.resolved
                else _of(0, s.runs)
            )
        rows.append((f"gate <code>{_e(gate)}</code> resolved", cells))
    return rows


def _interpret(d: _Difference, runs: int) -> str:
    """One plain sentence (HTML) on the difference at one deadline."""
    lead = f"<strong>{_e(d.label)}</strong> ({_e(_long_date(d.date))}): "
    interval = f"95% interval {_pts(d.low)} to {_pts(d.high)} points"
    if d.neither == runs:
        return (
            lead + f"no run of either scenario had convened by then ({interval}, so any "
            "difference is small)."
        )
    if d.both == runs:
        return lead + f"every run of both scenarios had convened by then ({interval})."
    if abs(d.difference) < 0.5 / max(runs, 1):
        return (
            lead + f"the change made no difference on balance: {_pct(d.base)} in both "
            f"({interval}); {d.only_base} runs had convened by then only in the baseline and "
            f"{d.only_alt} only in the alternative."
        )
    verb = "raised" if d.difference > 0 else "lowered"
    sentence = (
        lead + f"going from the baseline to the alternative {verb} the chance of convening by "
        f"then by {_pts(d.difference, sign=False)} points, from {_pct(d.base)} to "
        f"{_pct(d.alt)} ({interval})."
    )
    if d.low > 0 or d.high < 0:
        side = "above" if d.low > 0 else "below"
        return sentence + f" The whole interval is {side} zero: these runs show the change clearly."
    return (
        sentence + " The interval includes zero, so these runs cannot tell whether the change is "
        "real; more runs would narrow it."
    )


def _difference_table(diffs: Sequence[_Difference]) -> str:
    rows = [
        [
            _deadline_cell(d.label, d.date),
            _pct(d.base),
            _pct(d.alt),
            _pts(d.difference),
            f"{_pts(d.low)} to {_pts(d.high)}",
            f"{d.only_base} / {d.only_alt}",
            _p_value(d.mcnemar_p),
            "—" if math.isnan(d.width_ratio) else f"{d.width_ratio:.2f}",
        ]
        for d in diffs
    ]
    return _table(
        [
            "deadline",
            "baseline",
            "alternative",
            "difference (points)",
            "paired 95% interval (points)",
            "runs only in baseline / only in alternative",
            "McNemar p",
            "width ratio",
        ],
        rows,
        numeric={1, 2, 3, 4, 5, 6, 7},
    )


# -- the page -----------------------------------------------------------------------

_CSS = """
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 62rem; padding: 1.5rem 1.25rem 3rem; background: #fff;
  color: #1b1b1b; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue",
  Arial, sans-serif; }
header.top { border-bottom: 3px solid #1f4e79; margin-bottom: 1.5rem; padding-bottom: .75rem; }
.kicker { margin: 0; color: #1f4e79; font-size: .85em; font-weight: 600; letter-spacing: .04em;
  text-transform: uppercase; }
h1 { margin: .25rem 0 .5rem; font-size: 1.75rem; line-height: 1.25; }
h2 { margin: 2rem 0 .5rem; font-size: 1.3rem; color: #1f4e79; border-bottom: 1px solid #d0d7de;
  padding-bottom: .2rem; }
h3 { margin: 1.25rem 0 .4rem; font-size: 1.05rem; }
p, li { max-width: 48rem; }
.lede { margin: 0; color: #444; }
.note { color: #444; font-size: .9em; }
.nw { white-space: nowrap; }
code { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: .9em;
  background: #f3f5f7; padding: 0 .2em; border-radius: 3px; }
code { overflow-wrap: anywhere; }
.table-wrap { overflow-x: auto; margin: .5rem 0 1rem; }
table { border-collapse: collapse; font-size: .92em; }
th, td { border-bottom: 1px solid #d0d7de; padding: .35rem .6rem; text-align: left;
  vertical-align: top; overflow-wrap: break-word; }
td:first-child { min-width: 9rem; }
thead th { border-bottom: 2px solid #1f4e79; font-weight: 600; vertical-align: bottom; }
tbody tr:nth-child(even) { background: #f6f8fa; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.num { white-space: nowrap; }
table.kv { width: 100%; table-layout: fixed; }
table.kv th[scope=row] { font-weight: 600; color: #333; width: 30%; min-width: 10rem; }
.date { color: #555; font-size: .85em; font-variant-numeric: tabular-nums; }
.bar { position: relative; display: inline-block; width: 8rem; height: .8rem; margin-top: .3rem;
  border: 1px solid #8a99a8; background: #fff; }
.bar .ci { position: absolute; top: 0; bottom: 0; background: #9bb3cc; min-width: 2px;
  -webkit-print-color-adjust: exact; print-color-adjust: exact; }
.bar .pt { position: absolute; top: -2px; bottom: -2px; width: 2px; margin-left: -1px;
  background: #1f4e79; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
ul.findings li { margin-bottom: .45rem; }
figure { margin: 1.5rem 0; padding: 0; }
figure img { display: block; width: 100%; max-width: 100%; height: auto;
  border: 1px solid #d0d7de; }
figcaption { margin-top: .5rem; font-size: .92em; color: #333; max-width: 52rem; }
footer { margin-top: 2.5rem; border-top: 1px solid #d0d7de; padding-top: .5rem; color: #555;
  font-size: .85em; }
@page { size: A4; margin: 15mm 14mm 16mm; }
@media print {
  body { max-width: none; padding: 0; font-size: 10.5pt; line-height: 1.4; color: #000;
    background: #fff; }
  header.top { border-bottom-color: #000; }
  h1 { font-size: 18pt; }
  h2 { font-size: 13pt; color: #000; border-bottom-color: #000; margin-top: 1.2rem; }
  h2, h3 { break-after: avoid; page-break-after: avoid; }
  .kicker, .lede, .note, figcaption, footer, .date, table.kv th[scope=row] { color: #000; }
  code { background: none; padding: 0; }
  .table-wrap { overflow: visible; }
  table { width: 100%; font-size: 8.5pt; }
  thead { display: table-header-group; }
  tr, li, #provenance table { break-inside: avoid; page-break-inside: avoid; }
  tbody tr:nth-child(even) { background: none; }
  th, td { padding: .2rem .35rem; border-bottom-color: #999; }
  td:first-child { min-width: 0; }
  .bar { width: 5rem; }
  figure { break-inside: avoid; page-break-inside: avoid; margin: .8rem 0; }
  figure img { max-height: 17cm; width: auto; max-width: 100%; border: none; }
  section.figures { break-before: page; page-break-before: always; }
}
"""


def _page(title: str, kicker: str, lede: str, sections: Sequence[str], generated: str) -> str:
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f'<meta name="generator" content="negsim {_e(__version__)}">\n'
        f"<title>{title}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
        f'<header class="top"><p class="kicker">{kicker}</p><h1>{title}</h1>'
        f'<p class="lede">{lede}</p></header>\n'
        + "\n".join(sections)
        + f"\n<footer><p>Report written by negsim {_e(__version__)} on {_e(generated)}, from "
        "the files of the results folder only; nothing in this page is loaded from "
        "elsewhere.</p></footer>\n</body>\n</html>\n"
    )


def _section(ident: str, heading: str, body: str, extra_class: str = "") -> str:
    cls = f' class="{extra_class}"' if extra_class else ""
    return f'<section id="{ident}"{cls}>\n<h2>{heading}</h2>\n{body}\n</section>'


def _figures_section(figures: Sequence[_Figure]) -> str:
    if not figures:
        return ""
    items = "\n".join(
        f'<figure id="fig-{_e(f.name.removesuffix(".png"))}">'
        f'<img src="{f.data_uri}" width="{f.width}" height="{f.height}" alt="{_e(f.alt)}">'
        f"<figcaption><strong>Figure {n}. {_e(f.title)}.</strong> {_e(f.caption)} "
        f'<span class="date">(file {_e(f.name)})</span></figcaption></figure>'
        for n, f in enumerate(figures, start=1)
    )
    return _section("figures", "Figures", items, "figures")


def _load_figures(
    folder: Path, names: Sequence[str], kind: str, base: str, alt: str
) -> list[_Figure]:
    figures = []
    for name in names:
        if not name.lower().endswith(".png"):
            continue
        uri, width, height = _read_png(folder, name)
        title, caption, alt_text = _figure_text(name, kind, base, alt)
        figures.append(_Figure(name, uri, width, height, title, caption, alt_text))
    return figures


def _written_at(folder: Path) -> str:
    stamp = (folder / "summary.json").stat().st_mtime
    return dt.datetime.fromtimestamp(stamp).astimezone().strftime("%Y-%m-%d %H:%M %Z")


_READING_RUN = (
    "Each run plays the scenario once: the actors' timing and choices are random, so runs "
    "differ. A percentage is the share of runs that had convened by that date. The 95% "
    "interval (Wilson) says how precisely this number of runs pins that share down: more "
    "runs, narrower interval. It is not a range for what would happen in the real world; "
    "that depends on how good the scenario's assumptions are."
)


def _provenance_rows(
    provs: Sequence[_Provenance], results: Sequence[_Result]
) -> list[tuple[str, list[str]]]:
    rows: list[tuple[str, list[str]]] = [
        ("scenario", [f"<code>{_e(p.scenario)}</code>" for p in provs]),
        ("title", [_e(p.title) for p in provs]),
        ("scenario file", [f"<code>{_e(p.file)}</code>" for p in provs]),
        (
            "scenario SHA-256 (resolved)",
            [f'<code class="hash">{_e(p.sha256)}</code>' for p in provs],
        ),
        ("negsim version", [_e(p.version) for p in provs]),
        ("Python, numpy", [f"{_e(p.python)}, {_e(p.numpy)}" for p in provs]),
        ("seed", [str(p.seed) for p in provs]),
        ("runs", [str(p.runs) for p in provs]),
        ("back end", [_e(p.backend) for p in provs]),
        ("wall time", [_seconds(p.wall_time_s) for p in provs]),
        ("start, horizon", [f"{_iso(r.start)}, {_iso(r.horizon)}" for r in results]),
    ]
    if any(r.precision is not None for r in results):
        rows.append(
            (
                "runs added until every half-width ≤",
                ["—" if r.precision is None else f"{r.precision:g}" for r in results],
            )
        )
    rows.append(
        ("widest interval half-width", [f"{100 * r.max_half_width:.2f} points" for r in results])
    )
    if all(r.events is not None for r in results):
        rows.append(("events simulated", [f"{r.events:,}" for r in results]))
    return rows


def _run_report(folder: Path, root: _Node, generated: str) -> str:
    prov = _provenance(root.get("provenance"))
    result = _result(root.get("result"))
    names = _files(root)
    deadlines = _check_run_deadlines(_read_csv(folder, "deadlines.csv"), result)
    runs_table = _read_csv(folder, "runs.csv")
    if len(runs_table.rows) != result.runs:
        raise _mixed(runs_table.path, f"{len(runs_table.rows)} runs, not {result.runs}")
    stats = _run_stats(runs_table, "")
    figures = _load_figures(folder, names, "run", result.scenario, "")
    title = _e(result.title)
    lede = (
        f"Scenario <code>{_e(result.scenario)}</code>: {result.runs} simulated runs from "
        f"{_e(_long_date(result.start))} to {_e(_long_date(result.horizon))}, seed "
        f"{result.seed}."
    )
    filtered = root.opt("deadline_filter")
    only = [] if filtered is None or filtered.value is None else filtered.items()
    filter_note = (
        '<p class="note">The command was asked about '
        + ", ".join(f"<code>{_e(n.text())}</code>" for n in only)
        + " only; the table shows every deadline.</p>"
        if only
        else ""
    )
    brief_items = []
    if deadlines:
        last = deadlines[-1]
        brief_items.append(
            f"By the last deadline, <strong>{_e(last.label)}</strong> "
            f"({_e(_long_date(last.date))}), <strong>{_pct(last.share.estimate)}</strong> of "
            f"runs had convened (95% interval "
            f"{_pct(last.share.low)} to {_pct(last.share.high)})."
        )
    brief_items += _outcome_lines(result)
    brief = (
        '<ul class="findings">'
        + "".join(f"<li>{item}</li>" for item in brief_items)
        + f'</ul>\n<p class="note">{_e(_READING_RUN)}</p>'
    )
    sections = [
        _section("summary", "In brief", brief),
        _section(
            "deadlines",
            "Chance of convening by each deadline",
            _deadline_table(deadlines)
            + filter_note
            + '<p class="note">The bar shows the 95% interval on a 0–100% scale, with a tick at '
            "the estimate.</p>",
        ),
        _section(
            "runs",
            "How the runs went",
            _key_values(_run_stats_rows([stats], [result.start]), ["", "runs"]),
        ),
        _figures_section(figures),
        _section(
            "provenance",
            "Where these numbers come from",
            _key_values(
                [
                    *_provenance_rows([prov], [result]),
                    ("results written", [_e(_written_at(folder))]),
                    ("report generated", [_e(generated)]),
                ]
            ),
        ),
    ]
    kicker = f"negsim report · one scenario · {result.runs} runs"
    return _page(title, kicker, lede, [s for s in sections if s], generated)


def _named(result: _Result) -> str:
    """A scenario's name, and its title when that says more (HTML)."""
    name = f"<code>{_e(result.scenario)}</code>"
    return name if result.title in ("", result.scenario) else f"{name} — {_e(result.title)}"


def _compare_report(folder: Path, root: _Node, generated: str) -> str:
    provenance = root.get("provenance")
    provs = [_provenance(provenance.get("base")), _provenance(provenance.get("alt"))]
    summary_result = root.get("result")
    base = _result(summary_result.get("base"))
    alt = _result(summary_result.get("alt"))
    runs = summary_result.get("runs").integer()
    seed = summary_result.get("seed").integer()
    names = _files(root)
    diffs = _check_differences(_read_csv(folder, "deadlines.csv"), summary_result.get("deadlines"))
    runs_table = _read_csv(folder, "runs.csv")
    if len(runs_table.rows) != runs:
        raise _mixed(runs_table.path, f"{len(runs_table.rows)} paired runs, not {runs}")
    stats = [_run_stats(runs_table, "base_"), _run_stats(runs_table, "alt_")]
    figures = _load_figures(folder, names, "compare", base.scenario, alt.scenario)

    title = f"Comparison: {_e(alt.scenario)} against {_e(base.scenario)}"
    lede = (
        f"Baseline: {_named(base)}<br>Alternative: {_named(alt)}<br>"
        f"{runs} paired runs from {_e(_long_date(base.start))} to "
        f"{_e(_long_date(base.horizon))}, seed {seed}."
    )
    both_rows: list[tuple[str, list[str]]] = [
        ("name", [f"<code>{_e(r.scenario)}</code>" for r in (base, alt)]),
        ("title", [_e(r.title) for r in (base, alt)]),
        ("scenario file", [f"<code>{_e(p.file)}</code>" for p in provs]),
        *[
            (
                f"P(convened by {_e(b.label)}, {_iso(b.date)})",
                [
                    f"{_pct(d.share.estimate)} ({_pct(d.share.low)} – {_pct(d.share.high)})"
                    for d in (b, a)
                ],
            )
            for b, a in zip(base.deadlines, alt.deadlines, strict=False)
        ],
        (
            "not convened by the horizon",
            [
                f"{_pct(r.never.estimate)} ({_pct(r.never.low)} – {_pct(r.never.high)})"
                for r in (base, alt)
            ],
        ),
        (
            "median convening date",
            [
                _iso(r.median_date) if r.median_date is not None else "not reached"
                for r in (base, alt)
            ],
        ),
    ]
    intro = (
        f'<p class="note">Each scenario was run {runs} times, in pairs: run <em>i</em> of the '
        "baseline and run <em>i</em> of the alternative share their random seed, and every "
        "actor draws from its own random stream, so the two runs of a pair differ only where "
        "the scenarios differ. Differences are alternative minus baseline, in percentage "
        "points.</p>"
    )
    findings = (
        '<ul class="findings">'
        + "".join(f"<li>{_interpret(d, runs)}</li>" for d in diffs)
        + "</ul>"
        + intro
    )
    table_note = (
        '<p class="note">The paired interval is Newcombe’s method for paired proportions. '
        "“Runs only in baseline / only in alternative” counts the pairs in which the runs had "
        "convened by the deadline in one scenario and not in the other. These pairs carry all "
        "the information about the difference; McNemar’s exact test (two-sided) asks how "
        "surprising their split would be if the change made no difference: a small p (say below "
        "0.05) means chance alone is an unlikely explanation. The width ratio is the paired "
        "interval’s width over the width an unpaired comparison would give: 0.30 means pairing "
        "made the estimate about three times sharper.</p>"
    )
    sections = [
        _section("summary", "In brief: what the change did", findings),
        _section(
            "scenarios",
            "The two scenarios",
            _key_values(both_rows, ["", "baseline", "alternative"]),
        ),
        _section(
            "differences", "Differences at each deadline", _difference_table(diffs) + table_note
        ),
        _section(
            "runs",
            "How the runs went",
            _key_values(
                _run_stats_rows(stats, [base.start, alt.start]), ["", "baseline", "alternative"]
            ),
        ),
        _figures_section(figures),
        _section(
            "provenance",
            "Where these numbers come from",
            _key_values(
                [
                    *_provenance_rows(provs, [base, alt]),
                    ("results written", [_e(_written_at(folder))] * 2),
                    ("report generated", [_e(generated)] * 2),
                ],
                ["", "baseline", "alternative"],
            ),
        ),
    ]
    kicker = f"negsim report · comparison of two scenarios · {runs} paired runs"
    return _page(title, kicker, lede, [s for s in sections if s], generated)


_BUILDERS: dict[str, Callable[[Path, _Node, str], str]] = {
    "run": _run_report,
    "compare": _compare_report,
}


def build_report(folder: str | os.PathLike[str], *, now: dt.datetime | None = None) -> str:
    """The HTML report of a results folder.

    Parameters
    ----------
    folder
        A folder written by ``negsim run --out`` or ``negsim compare --out``.
    now
        When the report is generated, as shown on the page (default: now, local time).

    Returns
    -------
    str
        One self-contained HTML page: figures embedded as data URIs, inline
        CSS, no scripts, nothing loaded from the network.

    Raises
    ------
    ReportError
        If the folder is missing, or a file the report needs is missing or
        unreadable, or ``summary.json`` lacks a key or has a bad value (the
        message names the file and the key).
    """
    path = Path(folder)
    if not path.exists():
        raise ReportError(f"{path}: no such folder")
    if not path.is_dir():
        raise ReportError(f"{path}: not a folder")
    root = _read_summary(path)
    kind_node = root.get("kind")
    builder = _BUILDERS.get(kind_node.text())
    if builder is None:
        raise kind_node.fail('"run" or "compare"')
    stamp = (now or dt.datetime.now()).astimezone()
    return builder(path, root, stamp.strftime("%Y-%m-%d %H:%M %Z"))
