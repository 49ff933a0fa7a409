"""Sweep and sensitivity folders read back, typed and checked against each other.

:func:`read_sweep` reads ``sweep.json``, ``sweep.csv`` and
``sweep_outcomes.csv`` (records of :mod:`sim.output.sweep_records`) and checks
that they agree: one row per point in ``sweep.csv`` with the design's values;
one row per point, deadline and outcome (every stage, then every ending) in
``sweep_outcomes.csv``, each count within the runs and its probability its
share; ``sweep.csv``'s numbers those of each deadline's own stage.
:func:`read_sensitivity` reads ``sensitivity.json`` and ``sensitivity.csv``:
one row per deadline, outcome and parameter, the numbers those of the JSON
file's indices. Every problem is one line of a
:class:`~sim.output.fields.ResultsError`; all the problems of a folder are
reported at once.
"""

from __future__ import annotations

import datetime as dt
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.output.fields import (
    COUNT,
    PROBABILITY,
    RUNS,
    CsvTable,
    Problems,
    ResultsError,
    from_json,
    read_csv,
    show,
)
from sim.output.readers import AGREE, read_summary_root
from sim.output.sweep_records import (
    SensitivityRow,
    SensitivitySummary,
    SweepDeadline,
    SweepOutcomeRow,
    SweepSummary,
)

__all__ = [
    "SensitivityFolder",
    "SweepFolder",
    "SweepPoint",
    "read_sensitivity",
    "read_sweep",
]

_SWEEP = "'negsim sweep --out'"
_SENSITIVITY = "'negsim sensitivity --out'"


def _mixed(path: Path, what: str, json_name: str) -> ResultsError:
    return ResultsError(
        f"{path}: does not match {json_name} ({what}); the folder mixes files of two "
        "commands: write the results again with --out"
    )


def _same_value(cell: str, value: Any) -> bool:
    """Whether a CSV cell holds a design's value (a number, a boolean or a string)."""
    if isinstance(value, bool):
        return cell in ("true", "false") and (cell == "true") == value
    if isinstance(value, int | float):
        try:
            return math.isclose(float(cell), float(value), rel_tol=1e-12, abs_tol=1e-12)
        except ValueError:
            return False
    return cell == str(value)


@dataclass(frozen=True, slots=True)
class SweepPoint:
    """One point of a sweep: its values, and P(each outcome by each deadline) there."""

    index: int
    values: Mapping[str, Any]
    outcomes: Mapping[tuple[str, str], SweepOutcomeRow]


@dataclass(frozen=True, slots=True)
class SweepFolder:
    """A folder written by ``negsim sweep --out``, read and checked."""

    path: Path
    summary: SweepSummary
    points: tuple[SweepPoint, ...]


def _check_sweep_summary(file: Path, s: SweepSummary, problems: Problems) -> None:
    def refuse(key: str, expected: str, got: object) -> None:
        problems.add(ResultsError(f"{file}: key '{key}': expected {expected}, got {show(got)}"))

    if s.design.points != len(s.design.points_values):
        refuse(
            "design.points", f"{len(s.design.points_values)}, the points listed", s.design.points
        )
    keys = set(s.keys)
    for i, values in enumerate(s.design.points_values):
        if set(values) != keys:
            refuse(f"design.points_values[{i}]", f"the values of {sorted(keys)}", sorted(values))
    stages = {st.name for st in s.stages}
    for i, d in enumerate(s.deadlines):
        if d.stage not in stages:
            refuse(f"deadlines[{i}].stage", f"a stage ({', '.join(sorted(stages))})", d.stage)
    _check_deadline_days(file, s.deadlines, problems)
    if not s.stages:
        refuse("stages", "at least one stage", [])


def _check_deadline_days(
    file: Path, deadlines: Sequence[SweepDeadline], problems: Problems
) -> None:
    """Each deadline's day counts from one start, the same for all, on or after 0001-01-01."""
    start: int | None = None
    for i, d in enumerate(deadlines):
        first = d.date.toordinal() - d.day  # the start, as a day number (0001-01-01 is 1)
        if first < 1:
            expected = f"at most {d.date.toordinal() - 1} (the days to {d.date} from 0001-01-01)"
        elif start is not None and first != start:
            begin = dt.date.fromordinal(start)
            expected = f"{d.date.toordinal() - start} (the days from {begin} to {d.date})"
        else:
            start = first
            continue
        problems.add(
            ResultsError(f"{file}: key 'deadlines[{i}].day': expected {expected}, got {d.day}")
        )


def _sweep_outcomes(
    table: CsvTable, s: SweepSummary, problems: Problems
) -> dict[tuple[int, str, str], SweepOutcomeRow]:
    rows: dict[tuple[int, str, str], SweepOutcomeRow] = {}
    kinds = {st.name: "stage" for st in s.stages} | {e.name: "ending" for e in s.endings}
    expected = [
        (p, d.name, o)
        for p in range(len(s.design.points_values))
        for d in s.deadlines
        for o in s.outcome_names
    ]
    found = []
    for i in range(len(table.rows)):
        try:
            row = table.record(SweepOutcomeRow, i)
        except ResultsError as exc:
            problems.add(exc)
            continue
        found.append((row.point, row.deadline, row.outcome))
        rows[row.point, row.deadline, row.outcome] = row
        line = f"line {table.line(i)}"
        if row.runs != s.runs_per_point:
            problems.add(_mixed(table.path, f"{line}: {row.runs} runs", "sweep.json"))
        elif row.count > row.runs or abs(row.probability - row.count / row.runs) > AGREE:
            problems.add(table.bad(i, "probability", f"{row.count}/{row.runs}, its count's share"))
        if not row.ci_low - AGREE <= row.probability <= row.ci_high + AGREE:
            problems.add(table.bad(i, "ci_low", "an interval around the probability"))
        if kinds.get(row.outcome, row.kind) != row.kind:
            problems.add(table.bad(i, "kind", kinds[row.outcome]))
    if not problems and found != expected:
        problems.add(
            _mixed(
                table.path, "not one row per point, deadline and outcome, in order", "sweep.json"
            )
        )
    return rows


def _check_sweep_csv(
    table: CsvTable,
    s: SweepSummary,
    outcomes: Mapping[tuple[int, str, str], SweepOutcomeRow],
    problems: Problems,
) -> None:
    columns = ["point", *s.keys]
    for d in s.deadlines:
        columns += [f"{d.name}_{x}" for x in ("probability", "ci_low", "ci_high", "reached")]
    columns += ["runs", "seed"]
    if list(table.columns) != columns:
        problems.add(
            _mixed(table.path, "not the columns of its deadlines and parameters", "sweep.json")
        )
        return
    points = s.design.points_values
    if len(table.rows) != len(points):
        problems.add(
            _mixed(table.path, f"{len(table.rows)} points, not {len(points)}", "sweep.json")
        )
        return
    for i, values in enumerate(points):
        try:
            if table.value(i, "point", COUNT) != i:
                problems.add(table.bad(i, "point", f"{i} (points in order)"))
            for key in s.keys:
                if not _same_value(table.text(i, key), values[key]):
                    problems.add(table.bad(i, key, f"{show(values[key])}, as in sweep.json"))
            if table.value(i, "runs", RUNS) != s.runs_per_point:
                problems.add(table.bad(i, "runs", f"{s.runs_per_point}, as in sweep.json"))
            if table.value(i, "seed", COUNT) != s.seed:
                problems.add(table.bad(i, "seed", f"{s.seed}, as in sweep.json"))
            for d in s.deadlines:
                own = outcomes.get((i, d.name, d.stage))
                got = (
                    table.value(i, f"{d.name}_probability", PROBABILITY),
                    table.value(i, f"{d.name}_ci_low", PROBABILITY),
                    table.value(i, f"{d.name}_ci_high", PROBABILITY),
                    table.value(i, f"{d.name}_reached", COUNT),
                )
                if own is not None and (
                    any(
                        abs(a - b) > AGREE
                        for a, b in zip(
                            got[:3], (own.probability, own.ci_low, own.ci_high), strict=True
                        )
                    )
                    or got[3] != own.count
                ):
                    problems.add(
                        _mixed(
                            table.path,
                            f"line {table.line(i)}, deadline '{d.name}': not the numbers of "
                            f"its stage in sweep_outcomes.csv",
                            "sweep_outcomes.csv",
                        )
                    )
        except ResultsError as exc:
            problems.add(exc)


def read_sweep(folder: str | os.PathLike[str]) -> SweepFolder:
    """Read a sweep's folder: ``sweep.json``, ``sweep.csv`` and ``sweep_outcomes.csv``, together.

    Raises
    ------
    ResultsError
        With one line per problem.
    """
    path = Path(folder)
    root = read_summary_root(path, "sweep.json", _SWEEP)
    summary = from_json(SweepSummary, root)
    problems = Problems()
    _check_sweep_summary(root.path, summary, problems)
    problems.raise_any()
    outcomes = _sweep_outcomes(read_csv(path / "sweep_outcomes.csv"), summary, problems)
    _check_sweep_csv(read_csv(path / "sweep.csv"), summary, outcomes, problems)
    problems.raise_any()
    points = tuple(
        SweepPoint(
            i,
            values,
            {(d, o): row for (p, d, o), row in outcomes.items() if p == i},
        )
        for i, values in enumerate(summary.design.points_values)
    )
    return SweepFolder(path, summary, points)


@dataclass(frozen=True, slots=True)
class SensitivityFolder:
    """A folder written by ``negsim sensitivity --out``, read and checked."""

    path: Path
    summary: SensitivitySummary
    rows: tuple[SensitivityRow, ...]

    def undefined(self, output: str) -> bool:
        """Whether ``output`` did not vary over the evaluations (its indices are undefined)."""
        return float(self.summary.output_variance.get(output, 0.0)) == 0.0


def _index(sobol: Mapping[str, Any], output: str, param: str) -> Mapping[str, Any] | None:
    found = sobol.get("indices", {})
    found = found.get(output) if isinstance(found, Mapping) else None
    found = found.get(param) if isinstance(found, Mapping) else None
    return found if isinstance(found, Mapping) else None


def _check_sensitivity(
    file: Path,
    s: SensitivitySummary,
    rows: Sequence[SensitivityRow],
    csv_path: Path,
    problems: Problems,
) -> None:
    outputs = s.outputs
    params = [p.key for p in s.params]
    _check_deadline_days(file, s.deadlines, problems)
    if sorted(s.output_variance) != sorted(outputs):
        problems.add(
            ResultsError(
                f"{file}: key 'output_variance': expected one entry per output "
                f"({len(outputs)}), got {len(s.output_variance)}"
            )
        )
    for name, value in s.output_variance.items():
        try:
            ok = math.isfinite(float(value)) and float(value) >= 0
        except (TypeError, ValueError):
            ok = False
        if not ok:
            problems.add(
                ResultsError(
                    f"{file}: key 'output_variance.{name}': expected a number, 0 or "
                    f"more, got {show(value)}"
                )
            )
    expected = [(o, p) for o in outputs for p in params]
    got = [(f"{r.deadline}/{r.outcome}", r.param) for r in rows]
    if got != expected:
        problems.add(
            _mixed(
                csv_path,
                "not one row per deadline, outcome and parameter, in order",
                "sensitivity.json",
            )
        )
        return
    for line, row in enumerate(rows, start=2):
        index = _index(s.sobol, f"{row.deadline}/{row.outcome}", row.param)
        names = ("first", "first_low", "first_high", "total", "total_low", "total_high")
        try:
            same = index is not None and all(
                abs(float(index[n]) - getattr(row, n)) <= AGREE for n in names
            )
        except (KeyError, TypeError, ValueError):
            same = False
        if not same:
            problems.add(_mixed(csv_path, f"line {line}: other indices", "sensitivity.json"))


def read_sensitivity(folder: str | os.PathLike[str]) -> SensitivityFolder:
    """Read a sensitivity analysis's folder: ``sensitivity.json`` and ``sensitivity.csv``.

    Raises
    ------
    ResultsError
        With one line per problem.
    """
    path = Path(folder)
    root = read_summary_root(path, "sensitivity.json", _SENSITIVITY)
    summary = from_json(SensitivitySummary, root)
    problems = Problems()
    table = read_csv(path / "sensitivity.csv")
    rows = []
    for i in range(len(table.rows)):
        try:
            rows.append(table.record(SensitivityRow, i))
        except ResultsError as exc:
            problems.add(exc)
    if not problems:
        _check_sensitivity(root.path, summary, rows, table.path, problems)
    problems.raise_any()
    return SensitivityFolder(path, summary, tuple(rows))
