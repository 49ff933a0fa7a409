"""``negsim validate``: check scenario files."""

from __future__ import annotations

import argparse
import sys

from sim.cli.common import EXIT_OK, EXIT_USAGE
from sim.scenario import ScenarioError, load_scenario

__all__ = ["register"]


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``validate`` command."""
    p = subparsers.add_parser(
        "validate",
        help="check scenario files",
        description="Load and validate each scenario file (following its extends chain). Prints "
        "a one-line summary per valid file; otherwise one line per problem, naming the file, the "
        "key and what is wrong, and exits with status 2.",
    )
    p.add_argument("scenarios", nargs="+", metavar="SCENARIO")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Run the ``validate`` command."""
    status = EXIT_OK
    for name in args.scenarios:
        try:
            s = load_scenario(name)
        except ScenarioError as exc:
            for problem in exc.problems:
                print(f"negsim: {problem}", file=sys.stderr)
            status = EXIT_USAGE
            continue
        print(
            f"{name}: ok — {s.name}: {len(s.actors)} actors, {len(s.gates)} gates, "
            f"{len(s.events)} dated events, {len(s.deadlines)} deadlines, "
            f"{s.start.isoformat()} to {s.horizon.isoformat()}, sha256 {s.sha256[:12]}"
        )
    return status
