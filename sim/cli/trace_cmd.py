"""``negsim trace``: one run as a dated timeline."""

from __future__ import annotations

import argparse
import csv
import sys

from sim.cli.common import (
    add_scenario_argument,
    add_seed,
    add_set,
    load,
    non_negative_int,
    overrides,
    print_json,
)
from sim.engine import simulate
from sim.output.narrative import TRACE_COLUMNS, narrate, trace_json, trace_rows

__all__ = ["register"]


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``trace`` command."""
    p = subparsers.add_parser(
        "trace",
        help="tell one run as a dated timeline",
        description="Simulate one run and print it as a dated timeline: every action, its effect "
        "on readiness and the gates, announcements, postponements, the convening or its absence, "
        "and which deadlines were met. The same seed gives the same text.",
    )
    add_scenario_argument(p)
    add_seed(p)
    p.add_argument(
        "--run",
        type=non_negative_int,
        default=0,
        metavar="I",
        help="which run of the seed to tell (default 0: run i is run i of 'negsim run --seed S')",
    )
    add_set(p)
    p.add_argument("--format", choices=("text", "csv", "json"), default="text")
    p.add_argument(
        "--verbose",
        action="store_true",
        help="text: also show turns let pass and every week of the war's drift",
    )
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Run the ``trace`` command."""
    scenario = load(args.scenario, overrides(args))
    result = simulate(scenario, seed=args.seed, run=args.run, trace=True)
    if args.format == "text":
        sys.stdout.write(narrate(result, scenario, verbose=args.verbose))
    elif args.format == "csv":
        writer = csv.DictWriter(sys.stdout, fieldnames=TRACE_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(trace_rows(result, scenario))
    else:
        print_json(trace_json(result, scenario))
    return 0
