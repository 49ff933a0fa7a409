"""Custom outcomes as text tables and files (see :mod:`sim.experiments.custom`)."""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from sim.experiments.custom import CUSTOM_COLUMNS
from sim.files import csv_text
from sim.output.tables import format_table

if TYPE_CHECKING:
    from sim.experiments.custom import CustomEstimate
    from sim.experiments.sweep import SweepResult

__all__ = ["custom_table", "sweep_custom_table", "write_custom_outcomes"]


def _value(e: CustomEstimate, x: float) -> str:
    if math.isnan(x):
        return "-"
    return f"{100 * x:.1f}%" if e.kind == "boolean" else f"{x:.4g}"


def _row(e: CustomEstimate) -> list[str]:
    interval = "-" if math.isnan(e.low) else f"{_value(e, e.low)} – {_value(e, e.high)}"
    median = "" if e.median is None else f"{e.median:.4g}"
    return [e.name, _value(e, e.estimate), interval, e.interval, f"{e.n}/{e.runs}", median]


def custom_table(estimates: Sequence[CustomEstimate]) -> str:
    """Custom outcomes: estimate, 95% interval (which), runs where defined, median."""
    header = ["custom outcome", "estimate", "95% interval", "method", "defined", "median"]
    return format_table(header, [_row(e) for e in estimates], {1, 2, 4, 5}) + "\n"


def sweep_custom_table(result: SweepResult) -> str:
    """A sweep's custom outcomes: one row per point and outcome."""
    header = ["point", "custom outcome", "estimate", "95% interval", "method", "defined", "median"]
    rows = [
        [str(i), *_row(summary.estimate())]
        for i, summaries in enumerate(result.custom_summaries)
        for summary in summaries
    ]
    return format_table(header, rows, {0, 2, 3, 5, 6}) + "\n"


def write_custom_outcomes(
    estimates: Sequence[CustomEstimate], folder: str | os.PathLike[str], title: str = ""
) -> list[Path]:
    """Write ``custom_outcomes.csv`` and ``custom_outcomes.png`` in ``folder``.

    Returns
    -------
    list of pathlib.Path
        The files written.
    """
    from sim.files import atomic_write_text
    from sim.output.discovery_figures import custom_outcomes_figure
    from sim.output.figures import save_figure

    out = Path(folder)
    rows = []
    for e in estimates:
        data = e.to_json()
        data["outcome"] = data.pop("name")
        rows.append({k: data[k] for k in CUSTOM_COLUMNS})
    atomic_write_text(out / "custom_outcomes.csv", csv_text(rows, CUSTOM_COLUMNS))
    save_figure(custom_outcomes_figure(estimates, title=title), out / "custom_outcomes.png")
    return [out / "custom_outcomes.csv", out / "custom_outcomes.png"]
