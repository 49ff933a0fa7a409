"""A backtest's folder read back, typed and checked against itself.

:func:`read_backtest` reads ``backtest.json``, ``targets.csv`` and ``stages.csv`` (records
of :mod:`sim.output.backtest_records`) and checks that they agree: the origins in order and
within the record; each target after its origin and by the record's end; each stage's actual
date the one the record reached it (``truth``), after the origin, and inside the forecast
band exactly when the file says so; every score the one its targets give (Brier and log
score, recomputed); the CSV files the JSON file's targets and stages, row by row. Every
problem is one line of a :class:`~sim.output.fields.ResultsError` naming the file and the
key (or line and column); all the problems of a folder are reported at once.
"""

from __future__ import annotations

import datetime as dt
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sim.output.backtest_records import (
    STAGE_COLUMNS,
    TARGET_COLUMNS,
    BacktestScores,
    BacktestStage,
    BacktestSummary,
    BacktestTarget,
    StageRow,
)
from sim.output.fields import (
    DATE,
    CsvTable,
    Problems,
    ResultsError,
    field_names,
    from_json,
    read_csv,
    show,
)
from sim.output.readers import read_summary_root

__all__ = ["BacktestFolder", "read_backtest"]

_BACKTEST = "'negsim backtest --out'"
_JSON = "backtest.json"


@dataclass(frozen=True, slots=True)
class BacktestFolder:
    """A folder written by ``negsim backtest --out``, read and checked."""

    path: Path
    summary: BacktestSummary


def _scores(targets: Sequence[BacktestTarget], runs: int) -> dict[str, float | None]:
    """The scores of ``targets`` as the backtest computes them (``None``: no targets)."""
    if not targets:
        return dict.fromkeys(field_names(BacktestScores))
    # A probability of 0 or 1 that missed would score infinity: kept within half a run.
    eps = 0.5 / runs
    found: dict[str, float | None] = {}
    for name in ("model", "flat", "hazard"):
        ps = [(getattr(t, f"p_{name}"), t.happened) for t in targets]
        found[f"brier_{name}"] = math.fsum((p - y) ** 2 for p, y in ps) / len(ps)
        clipped = [(min(max(p, eps), 1.0 - eps), y) for p, y in ps]
        found[f"log_{name}"] = -math.fsum(math.log(p if y else 1.0 - p) for p, y in clipped) / len(
            ps
        )
    return found


def _check_scores(
    file: Path, key: str, stored: BacktestScores, targets: Sequence[BacktestTarget], runs: int
) -> list[str]:
    problems = []
    for name, value in _scores(targets, runs).items():
        got = getattr(stored, name)
        if (value is None) != (got is None) or (
            value is not None and got is not None and abs(value - got) > 1e-9 * max(1.0, value)
        ):
            expected = "null (no targets)" if value is None else f"{value:.6g}, from its targets"
            problems.append(f"{file}: key '{key}.{name}': expected {expected}, got {show(got)}")
    return problems


def _check_summary(file: Path, s: BacktestSummary) -> list[str]:
    problems: list[str] = []

    def refuse(key: str, expected: str, got: object) -> None:
        problems.append(f"{file}: key '{key}': expected {expected}, got {show(got)}")

    truth: dict[str, dt.date | None] = {}
    for stage, value in s.truth.items():
        try:
            truth[stage] = None if value is None else dt.date.fromisoformat(value)
        except (TypeError, ValueError):
            refuse(f"truth.{stage}", f"{DATE.expected}, or null", value)
    if not s.origins:
        refuse("origins", "at least one origin", [])
    for i, o in enumerate(s.origins):
        key = f"origins[{i}]"
        if i and o.origin <= s.origins[i - 1].origin:
            refuse(f"{key}.origin", "origins in order, each once", o.origin.isoformat())
        if o.origin > s.record_end:
            refuse(f"{key}.origin", f"a date by the record's end ({s.record_end})", str(o.origin))
        for j, t in enumerate(o.targets):
            if not o.origin < t.date <= s.record_end:
                refuse(
                    f"{key}.targets[{j}].date",
                    f"a date after the origin, by the record's end ({s.record_end})",
                    t.date.isoformat(),
                )
            if t.stage not in s.truth:
                refuse(f"{key}.targets[{j}].stage", "a stage of 'truth'", t.stage)
        for j, st in enumerate(o.stages):
            problems += _check_stage(file, f"{key}.stages[{j}]", o.origin, st, truth)
        problems += _check_scores(file, f"{key}.scores", o.scores, o.targets, s.runs)
    pooled = [t for o in s.origins for t in o.targets]
    problems += _check_scores(file, "scores", s.scores, pooled, s.runs)
    return problems


def _check_stage(
    file: Path, key: str, origin: dt.date, st: BacktestStage, truth: dict[str, dt.date | None]
) -> list[str]:
    problems = []
    if st.stage not in truth or truth[st.stage] != st.actual:
        problems.append(
            f"{file}: key '{key}.actual': expected the date 'truth' gives {st.stage!r}, "
            f"got {show(st.actual.isoformat())}"
        )
    if st.actual <= origin:
        problems.append(
            f"{file}: key '{key}.actual': expected a date after the origin ({origin}), "
            f"got {show(st.actual.isoformat())}"
        )
    never = dt.date.max
    low, median, high = (d or never for d in (st.band_low, st.median, st.band_high))
    if not low <= median <= high:
        problems.append(
            f"{file}: key '{key}.median': expected a date inside its band, got "
            f"{show(st.median and st.median.isoformat())}"
        )
    # The band's ends are days with fractions, written as dates: only strict cases decide.
    if (low < st.actual < high and not st.inside) or (
        (st.actual < low or st.actual > high) and st.inside
    ):
        problems.append(
            f"{file}: key '{key}.inside': expected {str(not st.inside).lower()} (the actual "
            f"date against the band), got {show(st.inside)}"
        )
    return problems


def _mixed(path: Path, what: str) -> str:
    return (
        f"{path}: does not match {_JSON} ({what}); the folder mixes files of two runs: "
        "write the results again with --out"
    )


def _check_rows(
    table: CsvTable,
    columns: Sequence[str],
    expected: Sequence[tuple[dt.date, object]],
    record: type[BacktestTarget] | type[StageRow],
    what: str,
) -> list[str]:
    """Check a CSV file against ``expected``: (origin, record) of each row, in order."""
    problems = Problems()
    try:
        table.require(columns)
    except ResultsError as exc:
        return list(exc.problems)
    if len(table.rows) != len(expected):
        return [_mixed(table.path, f"{len(table.rows)} rows, not its {len(expected)} {what}")]
    names = field_names(record)
    for i, (origin, want) in enumerate(expected):
        try:
            got_origin = table.value(i, columns[0], DATE)
            got = table.record(record, i)
        except ResultsError as exc:
            problems.add(exc)
            continue
        differ = [n for n in names if getattr(got, n) != getattr(want, n)]
        if got_origin != origin:
            differ.insert(0, columns[0])
        if differ:
            problems.add(
                ResultsError(
                    _mixed(table.path, f"line {table.line(i)}, column '{differ[0]}': another value")
                )
            )
    return problems.lines


def read_backtest(folder: str | os.PathLike[str]) -> BacktestFolder:
    """Read a backtest's folder: ``backtest.json``, ``targets.csv`` and ``stages.csv``.

    Raises
    ------
    ResultsError
        With one line per problem.
    """
    path = Path(folder)
    root = read_summary_root(path, _JSON, _BACKTEST)
    summary = from_json(BacktestSummary, root)
    problems = Problems()
    problems.lines += _check_summary(root.path, summary)
    problems.raise_any()
    targets = [(o.origin, t) for o in summary.origins for t in o.targets]
    stages = [(o.origin, st) for o in summary.origins for st in o.stages]
    for name, columns, expected, record, what in (
        ("targets.csv", TARGET_COLUMNS, targets, BacktestTarget, "targets"),
        ("stages.csv", STAGE_COLUMNS, stages, StageRow, "stages"),
    ):
        try:
            table = read_csv(path / name)
        except ResultsError as exc:
            problems.add(exc)
            continue
        problems.lines += _check_rows(table, columns, expected, record, what)
    problems.raise_any()
    return BacktestFolder(path, summary)
