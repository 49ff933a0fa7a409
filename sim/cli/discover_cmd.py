"""``negsim discover``: which regions of a sweep's parameters make an outcome likely (PRIM).

Reads a finished sweep's ``--out`` folder (``points.jsonl`` and ``sweep.json``), marks the
points where P(the deadline's stage, or ``--outcome``, by the deadline) is at least ``--above``
(or at most ``--below``), and runs EMA Workbench's PRIM on them (see
:mod:`sim.experiments.discovery`). Prints the chosen box, its limits and their quasi-p values;
with ``--out DIR`` also writes ``discovery.json``, ``discovery_trajectory.csv`` and the figures
``discovery_tradeoff.png`` and ``discovery_box.png``.

Exit status: 0 done; 2 bad input (no such folder or deadline, an unfinished sweep, no case of
interest, EMA Workbench not installed: one line saying what to install).
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

from sim.cli.common import UsageError, out_folder, print_json

__all__ = ["register"]


def probability(text: str) -> float:
    """An argument type: a probability in [0, 1]."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a probability, got '{text}'") from None
    if not (math.isfinite(value) and 0.0 <= value <= 1.0):
        raise argparse.ArgumentTypeError(f"must be between 0 and 1, got {text}")
    return value


def share(text: str) -> float:
    """An argument type: a share in (0, 1]."""
    value = probability(text)
    if value == 0.0:
        raise argparse.ArgumentTypeError("must be above 0")
    return value


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``discover`` command."""
    p = subparsers.add_parser(
        "discover",
        help="scenario discovery: the parameter box where an outcome is likely (PRIM)",
        description="Find the region of a finished sweep's parameters where P(a stage or an "
        "ending by a deadline) is at least --above (or at most --below), with PRIM (EMA "
        'Workbench, an optional extra: pip install "negsim[discovery]"). Prints the chosen box '
        "(highest coverage among boxes of density at least --density), its limits and their "
        "quasi-p values; --out DIR also writes the peeling trade-off figure and the tables.",
    )
    p.add_argument("sweep_dir", metavar="SWEEP_DIR", help="the --out folder of a finished sweep")
    p.add_argument("--deadline", required=True, metavar="NAME", help="the deadline")
    p.add_argument(
        "--outcome",
        metavar="ID",
        help="a stage or an ending (default: the deadline's own stage)",
    )
    side = p.add_mutually_exclusive_group()
    side.add_argument(
        "--above",
        type=probability,
        metavar="P",
        help="cases of interest: points where the probability is at least P (default 0.5)",
    )
    side.add_argument(
        "--below",
        type=probability,
        metavar="P",
        help="cases of interest: points where the probability is at most P",
    )
    p.add_argument(
        "--density",
        type=share,
        default=0.8,
        metavar="D",
        help="the density the chosen box should reach (default 0.8)",
    )
    p.add_argument(
        "--peel-alpha",
        type=share,
        metavar="A",
        help="the share of points peeled at each step (default 0.05, or two points' worth "
        "when there are fewer than 40)",
    )
    p.add_argument(
        "--out",
        metavar="DIR",
        help="write discovery.json, discovery_trajectory.csv and the figures here",
    )
    p.add_argument("--format", choices=("table", "json"), default="table")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Run the ``discover`` command."""
    from sim.experiments.discovery import discover, load_sweep
    from sim.folders import locked

    with locked(args.sweep_dir, "discover", args.sweep_dir):
        data = load_sweep(args.sweep_dir)
    with out_folder(args.out, "discover") as out:
        try:
            found = discover(
                data,
                args.deadline,
                outcome=args.outcome,
                above=args.above,
                below=args.below,
                density=args.density,
                peel_alpha=args.peel_alpha,
            )
        except ValueError as exc:  # PRIM refusing its input: say so in one line
            if isinstance(exc, UsageError) or hasattr(exc, "exit_status"):
                raise
            raise UsageError(f"discover: PRIM could not run on this sweep ({exc})") from None
        if out is not None:
            from sim.output.discovery_tables import write_discovery

            with out.staged() as stage:
                write_discovery(found, stage)
    if args.format == "json":
        print_json(found.to_json())
    else:
        from sim.output.discovery_tables import discovery_table

        sys.stdout.write(discovery_table(found))
        if args.out is not None:
            sys.stdout.write(f"Results written to {Path(args.out)}/\n")
    return 0
