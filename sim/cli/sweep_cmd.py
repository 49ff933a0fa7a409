"""``negsim sweep``: P(each stage and ending by each deadline) over a design of parameters.

Every point's scenario is validated before anything runs; every point runs the same seeds
(common random numbers). With ``--out DIR`` each finished point is appended durably to
``DIR/points.jsonl``, so an interrupted sweep is finished by the same command with
``--resume``; ``sweep.csv``, ``sweep.json`` and the figures are written at the end, rebuilt from
that log (see :mod:`sim.experiments.store`).

Exit status: 0 done; 2 bad input (a parameter, the design, a point that fails validation, a
log of another sweep), one line; 1 an unreachable scheduler, or a worker lost twice (the
finished points are saved: the message says how to resume); 130 interrupted.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from pathlib import Path

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

__all__ = ["register"]


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``sweep`` command."""
    p = subparsers.add_parser(
        "sweep",
        help="P(each stage and ending by each deadline) over a grid, LHS or Sobol' design",
        description="Vary scenario parameters over a design and estimate, at every point, "
        "P(each stage reached, and each ending, by each deadline) with 95% Wilson intervals. "
        "Every point runs the same seeds (common random numbers). With --out, finished points "
        "are saved as they come, and --resume finishes an interrupted sweep.",
    )
    add_scenario_argument(p)
    add_set(p)
    p.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="KEY=LOW:HIGH|KEY=A,B,C",
        help="a parameter to vary, by dotted scenario key as for --set: a range LOW:HIGH "
        "(integers if both bounds are written as integers) or a list of values (repeatable)",
    )
    p.add_argument(
        "--design-file",
        metavar="CSV",
        help="run the points of a design made elsewhere (SALib, a spreadsheet) instead of "
        "--param: a CSV file whose header names dotted scenario keys and whose rows are points "
        "(numbers); --design and --points do not apply",
    )
    p.add_argument(
        "--outcome",
        action="append",
        default=[],
        metavar="NAME:ARGS",
        help="a named custom outcome estimated at every point, e.g. count:russia:arms_shipment, "
        "took:russia:arms_shipment, days:announced:convened, day:STAGE, reached:STAGE, "
        "ending:ENDING, gate:GATE, announcements, postponements, readiness (repeatable; "
        "written to sweep_custom.csv)",
    )
    p.add_argument(
        "--keep-runs",
        action="store_true",
        help="also keep every run's outcomes: sweep_runs.csv, one row per point and run "
        "(at most 2,000,000 runs in all)",
    )
    p.add_argument(
        "--design",
        choices=("grid", "lhs", "sobol"),
        default="grid",
        help="grid: every combination; lhs: Latin hypercube; sobol: scrambled Sobol' sequence "
        "(default grid)",
    )
    p.add_argument(
        "--points",
        type=positive_int,
        default=5,
        metavar="P",
        help="values per range for a grid; points for lhs and sobol (a power of 2) (default 5)",
    )
    p.add_argument(
        "--runs", type=positive_int, default=200, metavar="N", help="runs per point (default 200)"
    )
    add_seed(p)
    add_executor_options(p)
    p.add_argument(
        "--out",
        metavar="DIR",
        help="write points.jsonl (as points finish), sweep.csv, sweep_outcomes.csv, sweep.json "
        "and figures here",
    )
    p.add_argument(
        "--resume",
        action="store_true",
        help="finish the sweep whose points.jsonl is in --out DIR (same arguments as before)",
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Run the ``sweep`` command."""
    from sim.cli.common import UsageError
    from sim.experiments.custom import OutcomeError
    from sim.experiments.sweep import Sweep

    if bool(args.param) == bool(args.design_file):
        raise UsageError(
            "sweep: give --param KEY=... (repeatable) or --design-file CSV, one of them"
        )

    def build() -> Sweep:
        extra = {"outcomes": args.outcome or None, "keep_runs": args.keep_runs}
        changed = overrides(args)
        scenario = load(args.scenario, changed) if changed else args.scenario
        try:
            if args.design_file:
                return Sweep.from_table(args.design_file, scenario, args.runs, args.seed, **extra)
            return Sweep(
                args.param, scenario, args.design, args.points, args.runs, args.seed, **extra
            )
        except OutcomeError as exc:
            raise UsageError(f"--{exc}") from None

    with contextlib.ExitStack() as held:
        result, out, status = run_points(args, build, held, "sweep", "sweep")
        if result is None:
            return status
        from sim.output.tables import sweep_table

        sys.stdout.write(sweep_table(result))
        if result.custom_names:
            from sim.output.custom_tables import sweep_custom_table

            sys.stdout.write("\n" + sweep_custom_table(result))
        if out is not None:
            from sim.folders import LOG_NAME
            from sim.output.results import write_sweep

            with out.staged(keep=[LOG_NAME]) as stage:
                if result.custom_names:
                    from sim.output.discovery_figures import write_sweep_custom_figures

                    write_sweep_custom_figures(result, stage)
                write_sweep(result, stage)
            sys.stdout.write(f"Results written to {Path(args.out)}/\n")
    return 0
