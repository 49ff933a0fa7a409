"""Results folders: what ``--out DIR`` writes for ``negsim run`` and ``negsim compare``.

Every file is written atomically; ``summary.json`` is written last, so a
folder with a ``summary.json`` is complete. The summary carries the
provenance: package version, scenario name and the SHA-256 of the resolved
scenario, seed, runs, back end and wall time. ``negsim report`` reads these
folders.
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
from sim.output.figures import (
    comparison_figure,
    convening_cdf_figure,
    readiness_fan_figure,
    save_figure,
)

__all__ = [
    "COMPARE_FILES",
    "RUN_FILES",
    "deadlines_rows",
    "runs_rows",
    "write_comparison",
    "write_run",
]

#: The files ``negsim run --out`` writes.
RUN_FILES = ("summary.json", "deadlines.csv", "runs.csv", "convening_cdf.png", "readiness_fan.png")
#: The files ``negsim compare --out`` writes.
COMPARE_FILES = (
    "summary.json",
    "deadlines.csv",
    "runs.csv",
    "convening_cdf.png",
    "comparison.png",
    "readiness_fan_base.png",
    "readiness_fan_alt.png",
)

DEADLINE_COLUMNS = (
    "scenario",
    "name",
    "label",
    "date",
    "day",
    "probability",
    "ci_low",
    "ci_high",
    "convened",
    "runs",
)


def _provenance(result: MonteCarloResult) -> dict[str, Any]:
    s = result.scenario
    return {
        "negsim_version": __version__,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scenario": s.name,
        "scenario_title": s.title,
        "scenario_description": s.description.strip(),
        "outcome": s.outcome,
        "scenario_file": s.source,
        "scenario_sha256": s.sha256,
        "seed": result.seed,
        "runs": result.runs,
        "backend": result.backend,
        "wall_time_s": round(result.wall_time, 3),
        "written_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }


def deadlines_rows(result: MonteCarloResult) -> Iterator[dict[str, Any]]:
    """One row per deadline (the columns of ``deadlines.csv``)."""
    for e in result.deadlines():
        yield {"scenario": result.scenario.name, **e.to_json()}


def _num(x: float) -> float | str:
    return "" if math.isnan(x) else x


def runs_columns(result: MonteCarloResult, prefix: str = "") -> list[str]:
    """The columns of ``runs.csv``: one row per run."""
    s = result.scenario
    cols = [
        "convened_day",
        "convened_date",
        "announcements",
        "postponements",
        "first_announcement_day",
        "final_readiness",
        "events",
    ]
    cols += [f"gate_{g.id}_day" for g in s.gates]
    counts = result.outcomes.action_counts
    kinds = _kind_names()
    for a, actor in enumerate(s.actors):
        for k, kind in enumerate(kinds):
            if counts[:, a, k].any():
                cols.append(f"actions_{actor.id}_{kind}")
    return [prefix + c for c in cols]


def _kind_names() -> list[str]:
    from sim.model.actions import ActionKind

    return [k.value for k in ActionKind]


def runs_rows(result: MonteCarloResult, prefix: str = "") -> Iterator[dict[str, Any]]:
    """One row per run, without the ``run`` column."""
    s = result.scenario
    o = result.outcomes
    kinds = _kind_names()
    count_cols = [
        (a, k, f"{prefix}actions_{actor.id}_{kind}")
        for a, actor in enumerate(s.actors)
        for k, kind in enumerate(kinds)
        if o.action_counts[:, a, k].any()
    ]
    for i in range(result.runs):
        day = float(o.convened_day[i])
        row: dict[str, Any] = {
            f"{prefix}convened_day": "" if math.isnan(day) else int(day),
            f"{prefix}convened_date": "" if math.isnan(day) else s.date_of(day).isoformat(),
            f"{prefix}announcements": int(o.announcements[i]),
            f"{prefix}postponements": int(o.postponements[i]),
            f"{prefix}first_announcement_day": _num(float(o.first_announcement[i])),
            f"{prefix}final_readiness": float(o.final_readiness[i]),
            f"{prefix}events": int(o.events[i]),
        }
        for g, gate in enumerate(s.gates):
            row[f"{prefix}gate_{gate.id}_day"] = _num(float(o.gate_days[i, g]))
        for a, k, name in count_cols:
            row[name] = int(o.action_counts[i, a, k])
        yield row


def write_run(
    result: MonteCarloResult, folder: str | os.PathLike[str], extra: Mapping[str, Any] | None = None
) -> list[Path]:
    """Write a Monte Carlo result's files into ``folder`` (which must exist)."""
    out = Path(folder)
    atomic_write_text(out / "deadlines.csv", csv_text(deadlines_rows(result), DEADLINE_COLUMNS))
    columns = ["run", *runs_columns(result)]
    rows = ({"run": i, **row} for i, row in enumerate(runs_rows(result)))
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
    diff_cols = list(comparison.differences()[0].to_json()) if comparison.differences() else []
    diff_rows = [d.to_json() for d in comparison.differences()]
    atomic_write_text(
        out / "deadlines.csv",
        csv_text(({**d} for d in diff_rows), diff_cols),
    )
    base_cols = runs_columns(comparison.base, "base_")
    alt_cols = runs_columns(comparison.alt, "alt_")
    paired = (
        {"run": i, **b, **a}
        for i, (b, a) in enumerate(
            zip(runs_rows(comparison.base, "base_"), runs_rows(comparison.alt, "alt_"), strict=True)
        )
    )
    atomic_write_text(out / "runs.csv", csv_text(paired, ["run", *base_cols, *alt_cols]))
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
