"""``negsim sensitivity``: Sobol' indices of P(each stage and ending by every deadline) at once.

The model is run at the points of a Saltelli design (``N * (d + 2)`` evaluations for ``d``
parameters and ``--samples N``), each evaluation being ``--runs R`` runs with the same seeds
(common random numbers); first-order and total Sobol' indices with 95% bootstrap intervals
follow from :func:`scipy.stats.sobol_indices` (see :mod:`sim.experiments.sensitivity`). Notes
say when ``N`` or ``R`` is too small for stable indices. With ``--out DIR``, finished points
are saved as they come and ``--resume`` finishes an interrupted analysis.

Exit status as for ``negsim sweep``.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from sim.cli.common import (
    add_executor_options,
    add_scenario_argument,
    add_seed,
    add_set,
    load,
    overrides,
    positive_int,
)
from sim.cli.points import run_points

if TYPE_CHECKING:
    from sim.experiments.sensitivity import SensitivityResult

__all__ = ["register"]


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``sensitivity`` command."""
    p = subparsers.add_parser(
        "sensitivity",
        help="Sobol' indices of P(each stage and ending by each deadline), bootstrap intervals",
        description="First-order and total Sobol' indices of P(each stage and ending by every "
        "deadline) "
        "with respect to scenario parameter ranges, with 95% bootstrap intervals. Each of the "
        "N*(d+2) evaluations is R runs with the same seeds (common random numbers).",
    )
    add_scenario_argument(p)
    add_set(p)
    p.add_argument(
        "--param",
        action="append",
        default=[],
        required=True,
        metavar="KEY=LOW:HIGH",
        help="an uncertain parameter, uniform over LOW:HIGH (integers if both bounds are "
        "written as integers), by dotted scenario key as for --set (repeatable)",
    )
    p.add_argument(
        "--samples",
        type=positive_int,
        default=64,
        metavar="N",
        help="base sample size, a power of 2; the model is evaluated N*(d+2) times "
        "(default 64; 1024 or more for stable indices)",
    )
    p.add_argument(
        "--runs",
        type=positive_int,
        default=100,
        metavar="R",
        help="runs per evaluation (default 100)",
    )
    add_seed(p)
    add_executor_options(p)
    p.add_argument(
        "--out",
        metavar="DIR",
        help="write points.jsonl (as points finish), sensitivity.csv, sensitivity.json and "
        "one figure per deadline here",
    )
    p.add_argument(
        "--resume",
        action="store_true",
        help="finish the analysis whose points.jsonl is in --out DIR (same arguments)",
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(handler=run)


def _table(result: SensitivityResult) -> str:
    from sim.errors import one_line
    from sim.output.tables import format_table

    labels = {d.id: d.label for d in result.scenario.deadlines}
    outcomes = {s.id: s.label for s in result.scenario.stages}
    outcomes.update({e.id: e.label for e in result.scenario.endings})
    header = [
        "deadline",
        "outcome",
        "parameter",
        "first-order",
        "95% interval",
        "total",
        "95% interval",
    ]
    outputs = result.indices.outputs
    flat = {o for o, v in zip(outputs, result.variances, strict=True) if v == 0.0}
    rows = []
    for r in result.records():
        cells = [
            one_line(labels.get(r["deadline"], r["deadline"]))[:28],
            one_line(outcomes.get(r["outcome"], r["outcome"]))[:24],
            r["param"],
        ]
        if f"{r['deadline']}/{r['outcome']}" in flat:
            cells += ["—", "(did not vary:", "—", "undefined)"]
        else:
            cells += [
                f"{r['first']:.3f}",
                f"[{r['first_low']:.3f}, {r['first_high']:.3f}]",
                f"{r['total']:.3f}",
                f"[{r['total_low']:.3f}, {r['total_high']:.3f}]",
            ]
        rows.append(cells)
    s = result.sensitivity
    lines = [
        format_table(header, rows, {3, 4, 5, 6}),
        f"N={s.samples} samples, {result.evaluations} evaluations of {s.runs} runs, seed {s.seed}",
    ]
    lines += [f"Note: {note}" for note in result.notes]
    return "\n".join(lines) + "\n"


def run(args: argparse.Namespace) -> int:
    """Run the ``sensitivity`` command."""
    from sim.experiments.sensitivity import Sensitivity

    def build() -> Sensitivity:
        changed = overrides(args)
        scenario = load(args.scenario, changed) if changed else args.scenario
        return Sensitivity(args.param, scenario, args.samples, args.runs, args.seed)

    with contextlib.ExitStack() as held:
        result, out, status = run_points(args, build, held, "sensitivity", "analysis")
        if result is None:
            return status
        sys.stdout.write(_table(result))
        if out is not None:
            from sim.folders import LOG_NAME
            from sim.output.results import write_sensitivity

            with out.staged(keep=[LOG_NAME]) as stage:
                write_sensitivity(result, stage)
            sys.stdout.write(f"Results written to {Path(args.out)}/\n")
    return 0
