"""Results folders read back: what ``run --out`` and ``compare --out`` write, typed and checked.

:func:`read_results` reads a whole folder into the records of
:mod:`sim.output.records` and checks that its files agree: the estimates in
``summary.json`` with themselves (intervals around their estimates, dates
between the start and the horizon, counts within the runs, the provenance
naming the same scenario, seed and runs), ``deadlines.csv`` with
``summary.json``, and ``runs.csv`` with both (as many rows as runs, every day
before the horizon, and the runs convened by each deadline those counted).
Every problem is one :class:`~sim.output.fields.ResultsError` line naming the
file and the key, or the line and the column. Figures are not read here.
"""

from __future__ import annotations

import datetime as dt
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.files import JsonFileError, read_json_file
from sim.output.fields import (
    COUNT,
    CsvTable,
    ResultsError,
    day_before,
    field_names,
    from_json,
    one_of,
    or_none,
    read_csv,
    read_json_root,
    show,
)
from sim.output.records import (
    DEADLINE_COLUMNS,
    DIFFERENCE_COLUMNS,
    PAIRED_PREFIXES,
    RUN_COLUMN,
    RUN_RECORD_COLUMNS,
    ComparisonSummary,
    DeadlineDifference,
    DeadlineEstimate,
    DeadlineRow,
    Estimates,
    Provenance,
    RunRecord,
    RunsTable,
    RunSummary,
    Share,
    column_gate,
    gate_column,
    is_action_column,
)

__all__ = [
    "ComparisonFolder",
    "ResultsError",
    "RunFolder",
    "read_deadlines",
    "read_differences",
    "read_paired_runs",
    "read_results",
    "read_runs",
    "read_summary",
]

#: Two numbers from different places in one folder agree if they differ by less.
_AGREE = 1e-9


# -- summary.json ----------------------------------------------------------------------


def read_summary(folder: str | os.PathLike[str]) -> RunSummary | ComparisonSummary:
    """Read and check ``summary.json`` of a results folder.

    Raises
    ------
    ResultsError
        If the folder or the file is missing, the file is not JSON, a key is
        missing or holds a bad value, or the estimates contradict themselves.
    """
    path = Path(folder)
    if not path.exists():
        raise ResultsError(f"{path}: no such folder")
    if not path.is_dir():
        raise ResultsError(f"{path}: not a folder")
    file = path / "summary.json"
    if not file.is_file():
        raise ResultsError(
            f"{path}: no summary.json (not a folder written by 'negsim run --out' or "
            "'negsim compare --out', or that command did not finish)"
        )
    try:
        root = read_json_root(file, read_json_file(file))
    except JsonFileError as exc:
        raise ResultsError(str(exc)) from None
    kind = root.member("kind")
    if kind is None:
        raise ResultsError(f"{file}: missing key 'kind'")
    if one_of("run", "compare").from_json(kind) == "run":
        run = from_json(RunSummary, root)
        _check_run_summary(file, run)
        return run
    comparison = from_json(ComparisonSummary, root)
    _check_comparison_summary(file, comparison)
    return comparison


def _refuse(file: Path, key: str, expected: str, got: object) -> ResultsError:
    if isinstance(got, dt.date):
        got = got.isoformat()
    return ResultsError(f"{file}: key '{key}': expected {expected}, got {show(got)}")


def _check_interval(file: Path, key: str, share: Share | DeadlineEstimate) -> None:
    if not share.ci_low - _AGREE <= share.probability <= share.ci_high + _AGREE:
        raise _refuse(
            file,
            f"{key}.ci_low",
            f"an interval around the probability {share.probability!r} (to ci_high "
            f"{share.ci_high!r})",
            share.ci_low,
        )


def _check_estimates(file: Path, key: str, e: Estimates) -> None:
    """The estimates of one scenario agree with themselves."""
    if e.start >= e.horizon:
        raise _refuse(file, f"{key}.start", f"a date before the horizon ({e.horizon})", e.start)
    for i, d in enumerate(e.deadlines):
        at = f"{key}.deadlines[{i}]"
        if not e.start <= d.date <= e.horizon:
            raise _refuse(
                file, f"{at}.date", f"a date from {e.start} to the horizon ({e.horizon})", d.date
            )
        if d.day != (d.date - e.start).days:
            days = (d.date - e.start).days
            raise _refuse(file, f"{at}.day", f"{days} (the days from {e.start} to {d.date})", d.day)
        if d.runs != e.runs:
            raise _refuse(file, f"{at}.runs", f"{e.runs}, the number of runs", d.runs)
        if d.convened > d.runs:
            raise _refuse(file, f"{at}.convened", f"at most the {d.runs} runs", d.convened)
        if abs(d.probability - d.convened / d.runs) > _AGREE:
            raise _refuse(
                file, f"{at}.probability", f"{d.convened}/{d.runs} runs convened", d.probability
            )
        _check_interval(file, at, d)
    _check_interval(file, f"{key}.not_convened_by_horizon", e.not_convened_by_horizon)
    day, date = e.median_convening_day, e.median_convening_date
    if (day is None) != (date is None):
        raise _refuse(
            file,
            f"{key}.median_convening_date",
            "a date exactly when median_convening_day is a day",
            date,
        )
    if day is not None and date is not None:
        if day > e.horizon_day:
            raise _refuse(
                file,
                f"{key}.median_convening_day",
                f"a day from 0 to {e.horizon_day} (the horizon)",
                day,
            )
        expected = e.start + dt.timedelta(days=math.floor(day))
        if date != expected:
            raise _refuse(file, f"{key}.median_convening_date", f"{expected} (day {day:g})", date)


def _check_provenance(file: Path, key: str, p: Provenance, e: Estimates, at: str) -> None:
    """The provenance names the scenario, seed and runs the estimates are of."""
    pairs = (
        ("scenario", p.scenario, e.scenario),
        ("scenario_sha256", p.scenario_sha256, e.scenario_sha256),
        ("seed", p.seed, e.seed),
        ("runs", p.runs, e.runs),
    )
    for name, mine, theirs in pairs:
        if mine != theirs:
            raise _refuse(
                file, f"{key}.{name}", f"the same as '{at}.{name}' ({show(theirs)})", mine
            )


def _check_run_summary(file: Path, s: RunSummary) -> None:
    _check_estimates(file, "result", s.result)
    _check_provenance(file, "provenance", s.provenance, s.result, "result")
    names = [d.name for d in s.result.deadlines]
    for i, name in enumerate(s.deadline_filter or ()):
        if name not in names:
            raise _refuse(
                file, f"deadline_filter[{i}]", f"a deadline's name ({', '.join(names)})", name
            )


def _check_comparison_summary(file: Path, s: ComparisonSummary) -> None:
    r = s.result
    for side, e in (("base", r.base), ("alt", r.alt)):
        _check_estimates(file, f"result.{side}", e)
        p = getattr(s.provenance, side)
        _check_provenance(file, f"provenance.{side}", p, e, f"result.{side}")
        for name, mine, theirs in (("runs", e.runs, r.runs), ("seed", e.seed, r.seed)):
            if mine != theirs:
                raise _refuse(file, f"result.{side}.{name}", f"{theirs}, as 'result.{name}'", mine)
    base, alt = r.base.deadlines, r.alt.deadlines
    names = [(d.name, d.date) for d in base]
    if [(d.name, d.date) for d in alt] != names:
        raise _refuse(
            file,
            "result.alt.deadlines",
            "the deadlines of result.base (names and dates)",
            [d.name for d in alt],
        )
    if len(r.deadlines) != len(base):
        raise _refuse(
            file, "result.deadlines", f"{len(base)} entries, one a deadline", len(r.deadlines)
        )
    for i, (d, b, a) in enumerate(zip(r.deadlines, base, alt, strict=True)):
        at = f"result.deadlines[{i}]"
        if (d.name, d.date) != names[i]:
            raise _refuse(file, f"{at}.name", f"{show(b.name)} on {b.date}, as in base", d.name)
        for side, value, known in (("base", d.base_probability, b), ("alt", d.alt_probability, a)):
            if abs(value - known.probability) > _AGREE:
                raise _refuse(
                    file, f"{at}.{side}_probability", f"{known.probability!r}, as in {side}", value
                )
        if d.both + d.only_base + d.only_alt + d.neither != r.runs:
            raise _refuse(file, f"{at}.neither", f"the pairs left of the {r.runs} runs", d.neither)
        if d.both + d.only_base != b.convened or d.both + d.only_alt != a.convened:
            raise _refuse(
                file, f"{at}.both", "counts that add up to the runs convened by then", d.both
            )
        if abs(d.difference - (d.alt_probability - d.base_probability)) > _AGREE:
            raise _refuse(
                file, f"{at}.difference", "alt_probability - base_probability", d.difference
            )
        for low, high, what in (
            (d.ci_low, d.ci_high, "ci"),
            (d.unpaired_ci_low, d.unpaired_ci_high, "unpaired_ci"),
        ):
            if not low - _AGREE <= d.difference <= high + _AGREE:
                raise _refuse(
                    file, f"{at}.{what}_low", f"an interval around the difference (to {high})", low
                )
    if s.probabilities is not None:
        expected = [
            DeadlineRow(scenario=e.scenario, **_fields_of(d))
            for e in (r.base, r.alt)
            for d in e.deadlines
        ]
        if len(s.probabilities) != len(expected):
            raise _refuse(file, "probabilities", f"{len(expected)} entries", list(s.probabilities))
        for i, (got, want) in enumerate(zip(s.probabilities, expected, strict=True)):
            if not _same(got, want, DEADLINE_COLUMNS):
                raise _refuse(
                    file,
                    f"probabilities[{i}]",
                    f"the same numbers as deadline '{want.name}' of {want.scenario} in 'result'",
                    got.name,
                )


def _fields_of(record: DeadlineEstimate) -> dict[str, Any]:
    return {name: getattr(record, name) for name in field_names(DeadlineEstimate)}


def _same(a: object, b: object, names: Sequence[str]) -> bool:
    """Whether ``a`` and ``b`` hold the same ``names`` (numbers to :data:`_AGREE`)."""
    for name in names:
        x, y = getattr(a, name), getattr(b, name)
        if isinstance(x, float) and isinstance(y, float):
            if abs(x - y) > _AGREE:
                return False
        elif x != y:
            return False
    return True


# -- deadlines.csv ---------------------------------------------------------------------


def _mixed(path: Path, what: str) -> ResultsError:
    return ResultsError(
        f"{path}: does not match summary.json ({what}); the folder mixes files of two "
        "commands: write the results again with --out"
    )


def read_deadlines(folder: str | os.PathLike[str], summary: RunSummary) -> tuple[DeadlineRow, ...]:
    """Read a run's ``deadlines.csv``, checked against its ``summary.json``.

    Raises
    ------
    ResultsError
        If the file is missing or unreadable, a cell is bad, or its deadlines
        are not those of ``summary``.
    """
    table = read_csv(Path(folder) / "deadlines.csv")
    table.require(DEADLINE_COLUMNS)
    rows = tuple(table.record(DeadlineRow, i) for i in range(len(table.rows)))
    known = summary.result.deadlines
    if [r.name for r in rows] != [d.name for d in known]:
        raise _mixed(table.path, "not the same deadlines")
    for row, d in zip(rows, known, strict=True):
        if row.scenario != summary.result.scenario or not _same(
            row, d, field_names(DeadlineEstimate)
        ):
            raise _mixed(table.path, f"deadline '{row.name}' has other numbers")
    return rows


def read_differences(
    folder: str | os.PathLike[str], summary: ComparisonSummary
) -> tuple[DeadlineDifference, ...]:
    """Read a comparison's ``deadlines.csv``, checked against its ``summary.json``.

    Raises
    ------
    ResultsError
        If the file is missing or unreadable, a cell is bad, or its rows are
        not the differences of ``summary``.
    """
    table = read_csv(Path(folder) / "deadlines.csv")
    table.require(DIFFERENCE_COLUMNS)
    rows = tuple(table.record(DeadlineDifference, i) for i in range(len(table.rows)))
    known = summary.result.deadlines
    if [r.name for r in rows] != [d.name for d in known]:
        raise _mixed(table.path, "not the same deadlines")
    for row, d in zip(rows, known, strict=True):
        if not _same(row, d, DIFFERENCE_COLUMNS):
            raise _mixed(table.path, f"deadline '{row.name}' has another difference")
    return rows


# -- runs.csv --------------------------------------------------------------------------


def read_runs(folder: str | os.PathLike[str], summary: RunSummary) -> RunsTable:
    """Read a run's ``runs.csv``, checked against its ``summary.json``.

    Raises
    ------
    ResultsError
        If the file is missing or unreadable, a cell is bad (a day after the
        horizon, a date that is not its day's), or the runs are not those the
        estimates were made of (their number, who convened by each deadline,
        the events).
    """
    table = read_csv(Path(folder) / "runs.csv")
    e = summary.result
    _check_run_indexes(table, e.runs, "runs", ("",))
    return _runs_table(table, "", e)


def read_paired_runs(
    folder: str | os.PathLike[str], summary: ComparisonSummary
) -> tuple[RunsTable, RunsTable]:
    """Read a comparison's ``runs.csv`` (one row per pair), checked against its ``summary.json``.

    Returns
    -------
    tuple[RunsTable, RunsTable]
        The baseline's runs and the alternative's.

    Raises
    ------
    ResultsError
        As :func:`read_runs`, and if the pairs do not give the paired counts
        of ``summary``'s differences.
    """
    table = read_csv(Path(folder) / "runs.csv")
    r = summary.result
    _check_run_indexes(table, r.runs, "paired runs", PAIRED_PREFIXES)
    base_prefix, alt_prefix = PAIRED_PREFIXES
    base = _runs_table(table, base_prefix, r.base)
    alt = _runs_table(table, alt_prefix, r.alt)
    for d in r.deadlines:
        day = next(e.day for e in r.base.deadlines if e.name == d.name)
        by = [
            (_by(b.convened_day, day), _by(a.convened_day, day))
            for b, a in zip(base.rows, alt.rows, strict=True)
        ]
        counts = (
            by.count((True, True)),
            by.count((True, False)),
            by.count((False, True)),
            by.count((False, False)),
        )
        if counts != (d.both, d.only_base, d.only_alt, d.neither):
            raise _mixed(table.path, f"deadline '{d.name}': other pairs convened by then")
    return base, alt


def _by(convened_day: int | None, day: int) -> bool:
    return convened_day is not None and convened_day <= day


def _check_run_indexes(table: CsvTable, runs: int, what: str, prefixes: Sequence[str]) -> None:
    """The file has every column, one row per run, and the runs in order."""
    table.require([RUN_COLUMN, *(p + c for p in prefixes for c in RUN_RECORD_COLUMNS)])
    if len(table.rows) != runs:
        raise _mixed(table.path, f"{len(table.rows)} {what}, not {runs}")
    for i in range(len(table.rows)):
        if table.text(i, RUN_COLUMN).strip() != str(i):
            raise table.bad(i, RUN_COLUMN, f"{i} (runs are numbered 0, 1, 2, ... in order)")


def _runs_table(table: CsvTable, prefix: str, e: Estimates) -> RunsTable:
    """The runs of one scenario (columns starting with ``prefix``), checked against ``e``."""
    # A comparison's file holds both scenarios: only the columns with this prefix are theirs.
    own = [c.removeprefix(prefix) for c in table.columns if c.startswith(prefix)]
    gates = tuple(g for c in own if (g := column_gate(c)) is not None)
    actions = tuple(c for c in own if is_action_column(c))
    gate_columns = [prefix + gate_column(g) for g in gates]
    action_columns = [prefix + c for c in actions]
    # A run ends at the end of its horizon day: nothing happens from day horizon_day + 1 on.
    day_kind = or_none(day_before(e.horizon_day + 1))
    rows = []
    for i in range(len(table.rows)):
        row = table.record(
            RunRecord,
            i,
            prefix,
            gate_days=tuple(table.value(i, c, day_kind) for c in gate_columns),
            action_counts=tuple(table.value(i, c, COUNT) for c in action_columns),
        )
        _check_run(table, i, prefix, row, e)
        rows.append(row)
    _check_totals(table, rows, e)
    return RunsTable(gates, actions, tuple(rows))


def _check_run(table: CsvTable, i: int, prefix: str, row: RunRecord, e: Estimates) -> None:
    """One run's days fall before the horizon, and its convening date is its convening day's."""
    day = row.convened_day
    if day is not None and day > e.horizon_day:
        raise table.bad(
            i,
            f"{prefix}convened_day",
            f"a day from 0 to {e.horizon_day} (the horizon), or an empty cell",
        )
    expected = None if day is None else e.start + dt.timedelta(days=day)
    if row.convened_date != expected:
        raise table.bad(
            i,
            f"{prefix}convened_date",
            "an empty cell, as the run did not convene"
            if expected is None
            else f"{expected} (day {day})",
        )
    first = row.first_announcement_day
    if first is not None and first >= e.horizon_day + 1:
        column = f"{prefix}first_announcement_day"
        raise table.bad(i, column, or_none(day_before(e.horizon_day + 1)).expected_in_csv)


def _check_totals(table: CsvTable, rows: Sequence[RunRecord], e: Estimates) -> None:
    """The runs give the estimates: who convened by each deadline and by the horizon, the events."""
    for d in e.deadlines:
        convened = sum(_by(r.convened_day, d.day) for r in rows)
        if convened != d.convened:
            raise _mixed(
                table.path,
                f"{convened} runs convened by deadline '{d.name}', not {d.convened}",
            )
    never = sum(r.convened_day is None for r in rows)
    share = e.not_convened_by_horizon.probability
    if abs(never / len(rows) - share) > _AGREE:
        raise _mixed(
            table.path,
            f"{never} of the {len(rows)} runs not convened by the horizon, not "
            f"{round(share * len(rows))}",
        )
    if e.events is not None and sum(r.events for r in rows) != e.events:
        raise _mixed(table.path, f"{sum(r.events for r in rows)} events, not {e.events}")


# -- a whole folder --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RunFolder:
    """A folder written by ``negsim run --out``, read and checked."""

    path: Path
    summary: RunSummary
    deadlines: tuple[DeadlineRow, ...]
    runs: RunsTable


@dataclass(frozen=True, slots=True)
class ComparisonFolder:
    """A folder written by ``negsim compare --out``, read and checked."""

    path: Path
    summary: ComparisonSummary
    differences: tuple[DeadlineDifference, ...]
    base_runs: RunsTable
    alt_runs: RunsTable


def read_results(folder: str | os.PathLike[str]) -> RunFolder | ComparisonFolder:
    """Read a results folder: ``summary.json``, ``deadlines.csv``, ``runs.csv``, checked together.

    Figures are not read here: they are listed in ``summary.files``.

    Raises
    ------
    ResultsError
        At the first problem, in one line naming the file and the key, or the
        line and the column.
    """
    path = Path(folder)
    summary = read_summary(path)
    if isinstance(summary, RunSummary):
        return RunFolder(path, summary, read_deadlines(path, summary), read_runs(path, summary))
    differences = read_differences(path, summary)
    base, alt = read_paired_runs(path, summary)
    return ComparisonFolder(path, summary, differences, base, alt)
