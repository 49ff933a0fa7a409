"""Results folders: what ``--out DIR`` writes for run, compare, sweep and sensitivity.

Every file goes through :mod:`sim.files` (written atomically); the file that
says a folder is complete is written last (``summary.json``, ``sweep.json``,
``sensitivity.json``), so a folder that has it is whole. What each file of a
run's or a comparison's folder holds is declared once, in
:mod:`sim.output.records`; ``negsim report`` reads the folders back with
:mod:`sim.output.readers` and :mod:`sim.output.point_readers`.

* ``summary.json``: the provenance (negsim, Python, numpy and scipy versions,
  the scenario's name, title, file or packaged name, ``--set`` overrides and
  the SHA-256 of the resolved scenario, seed, runs, back end, wall time) and,
  under ``result``, the result's ``to_json()``;
* ``deadlines.csv``: tidy, one row per deadline and outcome (every stage and
  ending), a function of ``summary.json`` (:func:`~sim.output.readers.deadline_rows`);
* ``runs.csv``: one row per run (per pair for a comparison), the columns of
  :func:`sim.experiments.frames.run_columns`;
* figures: see :mod:`sim.output.figures` and :mod:`sim.output.sweep_figures`.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.experiments.frames import run_columns
from sim.experiments.points import provenance
from sim.files import atomic_write_json, atomic_write_text, csv_text
from sim.output.fields import JsonNode, as_cells, cell, field_names, from_json
from sim.output.figures import (
    comparison_figure,
    outcomes_figure,
    readiness_fan_figure,
    save_figure,
)
from sim.output.readers import deadline_rows, difference_rows
from sim.output.records import (
    COMPARE_FILES,
    DEADLINE_COLUMNS,
    DIFFERENCE_COLUMNS,
    PAIRED_PREFIXES,
    RUN_COLUMN,
    RUN_FILES,
    ComparisonSummary,
    Estimates,
    Provenance,
)

if TYPE_CHECKING:
    from sim.experiments.compare import Comparison
    from sim.experiments.montecarlo import MonteCarloResult
    from sim.experiments.sensitivity import SensitivityResult
    from sim.experiments.sweep import SweepResult

__all__ = [
    "COMPARE_FILES",
    "RUN_FILES",
    "run_provenance",
    "runs_rows",
    "write_comparison",
    "write_run",
    "write_sensitivity",
    "write_sweep",
]


def run_provenance(result: MonteCarloResult) -> dict[str, Any]:
    """Where one scenario's results came from: ``provenance`` in ``summary.json``."""
    s = result.scenario
    found = {
        **provenance(s),
        "scenario_description": s.description.strip(),
        "seed": result.seed,
        "runs": result.runs,
        "backend": result.backend,
        "wall_time_s": round(result.wall_time, 3),
        "written_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    return {name: found[name] for name in field_names(Provenance)}


def runs_rows(
    result: MonteCarloResult, prefix: str = ""
) -> tuple[list[str], Iterator[dict[str, Any]]]:
    """The columns of ``runs.csv`` (without ``run``) and one row of cells per run."""
    columns = run_columns(result.outcomes, result.scenario, prefix)
    names = list(columns)

    def rows() -> Iterator[dict[str, Any]]:
        for i in range(result.runs):
            yield {name: cell(columns[name][i]) for name in names}

    return names, rows()


def _estimates(obj: Mapping[str, Any], path: Path) -> Estimates:
    """A result's JSON as the record the reader builds (so the CSV follows from the summary)."""
    return from_json(Estimates, JsonNode(dict(obj), "result", path))


def write_run(
    result: MonteCarloResult, folder: str | os.PathLike[str], extra: Mapping[str, Any] | None = None
) -> list[Path]:
    """Write a Monte Carlo result's folder (``folder`` must exist).

    Parameters
    ----------
    result
        The result.
    folder
        Where to write.
    extra
        More keys of ``summary.json``: ``command`` and ``deadline_filter`` (the
        deadlines the command was asked about).

    Returns
    -------
    list of pathlib.Path
        The files written, ``summary.json`` last.
    """
    out = Path(folder)
    obj = result.to_json()
    rows = deadline_rows(_estimates(obj, out / "summary.json"))
    atomic_write_text(
        out / "deadlines.csv", csv_text((as_cells(r) for r in rows), DEADLINE_COLUMNS)
    )
    names, cells = runs_rows(result)
    atomic_write_text(
        out / "runs.csv",
        csv_text(({RUN_COLUMN: i, **row} for i, row in enumerate(cells)), [RUN_COLUMN, *names]),
    )
    save_figure(outcomes_figure([result]), out / "outcomes.png")
    save_figure(readiness_fan_figure(result), out / "readiness_fan.png")
    summary = {
        "kind": "run",
        "provenance": run_provenance(result),
        "command": None,
        "deadline_filter": None,
        **(dict(extra) if extra else {}),
        "result": obj,
        "files": list(RUN_FILES),
    }
    atomic_write_json(out / "summary.json", summary)
    return [out / f for f in RUN_FILES]


def write_comparison(
    comparison: Comparison, folder: str | os.PathLike[str], extra: Mapping[str, Any] | None = None
) -> list[Path]:
    """Write a comparison's folder (``folder`` must exist).

    Returns
    -------
    list of pathlib.Path
        The files written, ``summary.json`` last.
    """
    out = Path(folder)
    summary = {
        "kind": "compare",
        "provenance": {
            "base": run_provenance(comparison.base),
            "alt": run_provenance(comparison.alt),
        },
        "command": None,
        **(dict(extra) if extra else {}),
        "result": comparison.to_json(),
        "files": list(COMPARE_FILES),
    }
    record = from_json(ComparisonSummary, JsonNode(summary, "", out / "summary.json"))
    atomic_write_text(
        out / "deadlines.csv",
        csv_text((as_cells(r) for r in difference_rows(record)), DIFFERENCE_COLUMNS),
    )
    base_prefix, alt_prefix = PAIRED_PREFIXES
    base_names, base_rows = runs_rows(comparison.base, base_prefix)
    alt_names, alt_rows = runs_rows(comparison.alt, alt_prefix)
    paired = (
        {RUN_COLUMN: i, **b, **a} for i, (b, a) in enumerate(zip(base_rows, alt_rows, strict=True))
    )
    atomic_write_text(out / "runs.csv", csv_text(paired, [RUN_COLUMN, *base_names, *alt_names]))
    save_figure(comparison_figure(comparison), out / "comparison.png")
    save_figure(
        outcomes_figure([comparison.base, comparison.alt], ["baseline", "alternative"]),
        out / "outcomes.png",
    )
    save_figure(readiness_fan_figure(comparison.base), out / "readiness_fan_base.png")
    save_figure(readiness_fan_figure(comparison.alt), out / "readiness_fan_alt.png")
    atomic_write_json(out / "summary.json", summary)
    return [out / f for f in COMPARE_FILES]


def write_sweep(result: SweepResult, folder: str | os.PathLike[str]) -> list[Path]:
    """Write a sweep's folder: its figures, ``sweep.csv``, ``sweep_outcomes.csv``, ``sweep.json``.

    ``sweep.json`` comes last (see :meth:`SweepResult.save
    <sim.experiments.sweep.SweepResult.save>`): a folder that has it is complete.

    Returns
    -------
    list of pathlib.Path
        The files written.
    """
    from sim.output.sweep_figures import write_sweep_figures

    return [*write_sweep_figures(result, folder), *result.save(folder)]


def write_sensitivity(result: SensitivityResult, folder: str | os.PathLike[str]) -> list[Path]:
    """Write a sensitivity analysis's folder: figures, ``sensitivity.csv``, ``sensitivity.json``.

    Returns
    -------
    list of pathlib.Path
        The files written, ``sensitivity.json`` last.
    """
    from sim.output.sweep_figures import write_sensitivity_figures

    return [*write_sensitivity_figures(result, folder), *result.save(folder)]
