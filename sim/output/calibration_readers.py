"""A calibration's folder read back, typed and checked against itself.

:func:`read_calibration` reads ``calibration_result.json``, ``parameters.csv``,
``predictive_check.csv``, ``posterior.csv`` and ``calibrated.toml`` (records of
:mod:`sim.output.calibration_records`) and checks that they agree: the generations numbered
from 0 and their simulations adding up; each parameter's prior range ordered and its
posterior median inside its 90% interval, inside the prior's range; each statistic inside
its predictive band exactly when the file says so, and the count of those inside; the CSV
files the JSON file's parameters and statistics, row by row; ``posterior.csv`` a posterior
of the same parameters whose quantiles are the ones given; and, when the folder still has
it, ``calibration.json`` (the identity the calibration ran under) for the same scenario,
record, seed and population. Every problem is one line of a
:class:`~sim.output.fields.ResultsError` naming the file and the key (or line and column);
all the problems of a folder are reported at once.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sim.experiments.posterior import PosteriorError, read_posterior
from sim.files import JsonFileError, read_json_file
from sim.output.calibration_records import (
    CALIBRATION_RESULT,
    CALIBRATION_RUNNING,
    CalibrationSummary,
    CheckRow,
    ParameterRow,
)
from sim.output.fields import (
    CsvTable,
    Problems,
    ResultsError,
    field_names,
    from_json,
    read_csv,
    show,
)
from sim.output.readers import read_summary_root

__all__ = ["CALIBRATED_SCENARIO", "POSTERIOR", "CalibrationFolder", "read_calibration"]

_CALIBRATE = "'negsim calibrate --out'"
#: The weighted posterior sample (what ``negsim run --posterior`` reads).
POSTERIOR = "posterior.csv"
#: The calibrated scenario: the original, extended, at the posterior medians.
CALIBRATED_SCENARIO = "calibrated.toml"
#: The most of ``calibrated.toml`` read for the page, in bytes.
MAX_SCENARIO_BYTES = 64 * 1024
#: How close a quantile recomputed from ``posterior.csv`` must be (relative).
_QUANTILE_AGREE = 1e-9


@dataclass(frozen=True, slots=True)
class CalibrationFolder:
    """A folder written by ``negsim calibrate --out``, read and checked.

    ``calibrated`` is the text of ``calibrated.toml``, as written.
    """

    path: Path
    summary: CalibrationSummary
    calibrated: str


def _check_summary(file: Path, s: CalibrationSummary) -> list[str]:
    problems: list[str] = []

    def refuse(key: str, expected: str, got: object) -> None:
        problems.append(f"{file}: key '{key}': expected {expected}, got {show(got)}")

    if not s.generations:
        refuse("generations", "at least one generation", [])
    for i, g in enumerate(s.generations):
        if g.generation != i:
            refuse(f"generations[{i}].generation", f"{i} (generations in order)", g.generation)
    total = sum(g.simulations for g in s.generations)
    if s.simulations != total:
        refuse("simulations", f"{total}, the generations' simulations", s.simulations)
    if not s.parameters:
        refuse("parameters", "at least one parameter", [])
    for i, p in enumerate(s.parameters):
        key = f"parameters[{i}]"
        if not p.low < p.high:
            refuse(f"{key}.high", f"a number above low ({p.low:g})", p.high)
        elif not p.q05 <= p.median <= p.q95:
            refuse(f"{key}.median", f"a number from q05 ({p.q05:g}) to q95 ({p.q95:g})", p.median)
        elif not (p.low <= p.q05 and p.q95 <= p.high):
            refuse(f"{key}.q05", f"an interval inside the prior's ({p.low:g} to {p.high:g})", p.q05)
    if len({p.id for p in s.parameters}) != len(s.parameters):
        refuse("parameters", "each parameter once", [p.id for p in s.parameters])
    check = s.predictive_check
    for i, r in enumerate(check.statistics):
        key = f"predictive_check.statistics[{i}]"
        if not r.low <= r.high:
            refuse(f"{key}.high", f"a number from low ({r.low:g}) up", r.high)
        elif r.inside != (r.low <= r.observed <= r.high):
            refuse(
                f"{key}.inside",
                f"{str(not r.inside).lower()} (observed against the band)",
                r.inside,
            )
    inside = sum(r.inside for r in check.statistics)
    if check.inside != inside:
        refuse("predictive_check.inside", f"{inside}, the statistics inside", check.inside)
    return problems


def _mixed(path: Path, what: str, other: str = CALIBRATION_RESULT) -> str:
    return (
        f"{path}: does not match {other} ({what}); the folder mixes files of two "
        "calibrations: write the results again with --out"
    )


def _check_rows(
    table: CsvTable, record: type[ParameterRow] | type[CheckRow], expected: Sequence[object]
) -> list[str]:
    """Check a CSV file against ``expected``: the record of each row, in order."""
    names = field_names(record)
    try:
        table.require(names)
    except ResultsError as exc:
        return list(exc.problems)
    if len(table.rows) != len(expected):
        return [_mixed(table.path, f"{len(table.rows)} rows, not {len(expected)}")]
    problems = Problems()
    for i, want in enumerate(expected):
        try:
            got = table.record(record, i)
        except ResultsError as exc:
            problems.add(exc)
            continue
        differ = [n for n in names if getattr(got, n) != getattr(want, n)]
        if differ:
            problems.add(
                ResultsError(
                    _mixed(table.path, f"line {table.line(i)}, column '{differ[0]}': another value")
                )
            )
    return problems.lines


def _check_posterior(path: Path, s: CalibrationSummary) -> list[str]:
    """``posterior.csv``: a posterior of the parameters, whose quantiles are those given."""
    try:
        posterior = read_posterior(path)
    except PosteriorError as exc:
        return [str(exc)]
    keys = [p.key for p in s.parameters]
    if list(posterior.keys) != keys:
        return [_mixed(path, f"the parameters {list(posterior.keys)}, not {keys}")]
    q = posterior.quantiles([0.05, 0.5, 0.95])
    for j, p in enumerate(s.parameters):
        for row, name in enumerate(("q05", "median", "q95")):
            given = getattr(p, name)
            if not math.isclose(q[row, j], given, rel_tol=_QUANTILE_AGREE, abs_tol=1e-12):
                return [
                    _mixed(path, f"its {name} of '{p.key}' is {q[row, j]:.6g}, not {given:.6g}")
                ]
    return []


def _check_identity(path: Path, s: CalibrationSummary) -> list[str]:
    """``calibration.json``, if still there: the identity the calibration ran under."""
    if not path.is_file():
        return []
    try:
        identity = read_json_file(path)
    except JsonFileError as exc:
        return [str(exc)]
    found = identity.get("identity") if isinstance(identity, dict) else None
    if not isinstance(found, dict):
        return [f"{path}: key 'identity': expected an object, got {show(found)}"]
    wanted = {
        "scenario_sha256": s.scenario_sha256,
        "until": s.until.isoformat(),
        "seed": s.seed,
        "population": s.population,
    }
    for key, value in wanted.items():
        if found.get(key) != value:
            return [_mixed(path, f"key 'identity.{key}' is {show(found.get(key))}")]
    return []


def _read_text(path: Path) -> str:
    if not path.is_file():
        raise ResultsError(f"{path}: missing; the results folder is incomplete")
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read(MAX_SCENARIO_BYTES + 1)
    except UnicodeDecodeError:
        raise ResultsError(f"{path}: not UTF-8 text") from None
    except OSError as exc:
        raise ResultsError(f"{path}: cannot read it ({exc.strerror})") from None
    if len(text) > MAX_SCENARIO_BYTES:
        raise ResultsError(
            f"{path}: larger than {MAX_SCENARIO_BYTES // 1024} kB; not one negsim wrote"
        )
    return text


def read_calibration(folder: str | os.PathLike[str]) -> CalibrationFolder:
    """Read a calibration's folder, its files together (see the module notes).

    Raises
    ------
    ResultsError
        With one line per problem.
    """
    path = Path(folder)
    root = read_summary_root(path, CALIBRATION_RESULT, _CALIBRATE)
    summary = from_json(CalibrationSummary, root)
    problems = Problems()
    problems.lines += _check_summary(root.path, summary)
    problems.raise_any()
    for name, record, expected in (
        ("parameters.csv", ParameterRow, summary.parameters),
        ("predictive_check.csv", CheckRow, summary.predictive_check.statistics),
    ):
        try:
            problems.lines += _check_rows(read_csv(path / name), record, expected)
        except ResultsError as exc:
            problems.add(exc)
    problems.lines += _check_posterior(path / POSTERIOR, summary)
    problems.lines += _check_identity(path / CALIBRATION_RUNNING, summary)
    calibrated = ""
    try:
        calibrated = _read_text(path / CALIBRATED_SCENARIO)
    except ResultsError as exc:
        problems.add(exc)
    problems.raise_any()
    return CalibrationFolder(path, summary, calibrated)
