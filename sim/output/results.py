"""Results folders: what ``--out DIR`` writes for ``negsim run`` and ``negsim compare``.

Every file is written atomically; ``summary.json`` is written last, so a
folder with a ``summary.json`` is complete. The summary carries the
provenance: package version, scenario name and the SHA-256 of the resolved
scenario, seed, runs, back end and wall time. ``negsim report`` reads these
folders back with :mod:`sim.output.readers`. What each file holds is declared
once, in :mod:`sim.output.records`: the file names, the columns and the
provenance's keys used here are taken from there.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import platform
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from sim._version import __version__
from sim.experiments.compare import Comparison
from sim.experiments.montecarlo import MonteCarloResult
from sim.files import atomic_write_json, atomic_write_text, csv_text
from sim.model.actions import ActionKind
from sim.output.fields import as_cells, as_json
from sim.output.figures import (
    comparison_figure,
    convening_cdf_figure,
    readiness_fan_figure,
    save_figure,
)
from sim.output.records import (
    COMPARE_FILES,
    DEADLINE_COLUMNS,
    DIFFERENCE_COLUMNS,
    PAIRED_PREFIXES,
    RUN_COLUMN,
    RUN_FILES,
    RUN_RECORD_COLUMNS,
    Provenance,
    RunRecord,
    action_column,
    gate_column,
)

__all__ = [
    "COMPARE_FILES",
    "RUN_FILES",
    "deadlines_rows",
    "runs_columns",
    "runs_rows",
    "write_comparison",
    "write_run",
]


def _provenance(result: MonteCarloResult) -> dict[str, Any]:
    s = result.scenario
    return as_json(
        Provenance(
            negsim_version=__version__,
            python=platform.python_version(),
            numpy=np.__version__,
            scenario=s.name,
            scenario_title=s.title,
            scenario_description=s.description.strip(),
            outcome=s.outcome,
            scenario_file=s.source,
            scenario_sha256=s.sha256,
            seed=result.seed,
            runs=result.runs,
            backend=result.backend,
            wall_time_s=round(result.wall_time, 3),
            written_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        )
    )


def deadlines_rows(result: MonteCarloResult) -> Iterator[dict[str, Any]]:
    """One row per deadline (the columns of ``deadlines.csv``)."""
    for e in result.deadlines():
        yield {"scenario": result.scenario.name, **e.to_json()}


def _day(x: float) -> float | None:
    """A day, or ``None`` for a thing that did not happen (NaN)."""
    return None if math.isnan(x) else x


def _action_counts(result: MonteCarloResult) -> list[tuple[int, int, str]]:
    """``(actor, kind, column)`` of each action count some run has: the others are left out."""
    counts = result.outcomes.action_counts
    return [
        (a, k, action_column(actor.id, kind.value))
        for a, actor in enumerate(result.scenario.actors)
        for k, kind in enumerate(ActionKind)
        if counts[:, a, k].any()
    ]


def runs_columns(result: MonteCarloResult, prefix: str = "") -> list[str]:
    """The columns of ``runs.csv`` after ``run``: one row per run."""
    cols = [
        *RUN_RECORD_COLUMNS,
        *(gate_column(g.id) for g in result.scenario.gates),
        *(column for _, _, column in _action_counts(result)),
    ]
    return [prefix + c for c in cols]


def runs_rows(result: MonteCarloResult, prefix: str = "") -> Iterator[dict[str, Any]]:
    """One row per run, without the ``run`` column."""
    s = result.scenario
    o = result.outcomes
    counts = _action_counts(result)
    gates = [gate_column(g.id) for g in s.gates]
    for i in range(result.runs):
        day = _day(float(o.convened_day[i]))
        record = RunRecord(
            convened_day=None if day is None else int(day),
            convened_date=None if day is None else s.date_of(day),
            announcements=int(o.announcements[i]),
            postponements=int(o.postponements[i]),
            first_announcement_day=_day(float(o.first_announcement[i])),
            final_readiness=float(o.final_readiness[i]),
            events=int(o.events[i]),
            gate_days=tuple(_day(float(o.gate_days[i, g])) for g in range(len(s.gates))),
            action_counts=tuple(int(o.action_counts[i, a, k]) for a, k, _ in counts),
        )
        gate_cells = zip(gates, record.gate_days, strict=True)
        count_cells = zip(counts, record.action_counts, strict=True)
        yield {
            **as_cells(record, prefix),
            **{prefix + column: "" if d is None else d for column, d in gate_cells},
            **{prefix + column: n for (_, _, column), n in count_cells},
        }


def write_run(
    result: MonteCarloResult, folder: str | os.PathLike[str], extra: Mapping[str, Any] | None = None
) -> list[Path]:
    """Write a Monte Carlo result's files into ``folder`` (which must exist)."""
    out = Path(folder)
    atomic_write_text(out / "deadlines.csv", csv_text(deadlines_rows(result), DEADLINE_COLUMNS))
    columns = [RUN_COLUMN, *runs_columns(result)]
    rows = ({RUN_COLUMN: i, **row} for i, row in enumerate(runs_rows(result)))
    atomic_write_text(out / "runs.csv", csv_text(rows, columns))
    save_figure(convening_cdf_figure([result]), out / "convening_cdf.png")
    save_figure(readiness_fan_figure(result), out / "readiness_fan.png")
    summary = {
        "kind": "run",
        "provenance": _provenance(result),
        **(dict(extra) if extra else {}),
        "result": result.to_json(),
        "files": list(RUN_FILES),
    }
    atomic_write_json(out / "summary.json", summary)
    return [out / f for f in RUN_FILES]


def write_comparison(
    comparison: Comparison, folder: str | os.PathLike[str], extra: Mapping[str, Any] | None = None
) -> list[Path]:
    """Write a comparison's files into ``folder`` (which must exist)."""
    out = Path(folder)
    rows = [
        {"scenario": r.scenario.name, **e.to_json()}
        for r in (comparison.base, comparison.alt)
        for e in r.deadlines()
    ]
    diff_rows = (d.to_json() for d in comparison.differences())
    atomic_write_text(out / "deadlines.csv", csv_text(diff_rows, DIFFERENCE_COLUMNS))
    base, alt = PAIRED_PREFIXES
    base_cols = runs_columns(comparison.base, base)
    alt_cols = runs_columns(comparison.alt, alt)
    paired = (
        {RUN_COLUMN: i, **b, **a}
        for i, (b, a) in enumerate(
            zip(runs_rows(comparison.base, base), runs_rows(comparison.alt, alt), strict=True)
        )
    )
    atomic_write_text(out / "runs.csv", csv_text(paired, [RUN_COLUMN, *base_cols, *alt_cols]))
    save_figure(
        convening_cdf_figure(
            [comparison.base, comparison.alt],
            [f"base: {comparison.base.scenario.name}", f"alt: {comparison.alt.scenario.name}"],
        ),
        out / "convening_cdf.png",
    )
    save_figure(comparison_figure(comparison), out / "comparison.png")
    save_figure(readiness_fan_figure(comparison.base), out / "readiness_fan_base.png")
    save_figure(readiness_fan_figure(comparison.alt), out / "readiness_fan_alt.png")
    summary = {
        "kind": "compare",
        "provenance": {
            "base": _provenance(comparison.base),
            "alt": _provenance(comparison.alt),
        },
        **(dict(extra) if extra else {}),
        "result": comparison.to_json(),
        "probabilities": rows,
        "files": list(COMPARE_FILES),
    }
    atomic_write_json(out / "summary.json", summary)
    return [out / f for f in COMPARE_FILES]
