"""``negsim params``: every settable key of a scenario, with its value, unit, range and source."""

from __future__ import annotations

import argparse
import datetime as dt
import fnmatch
import sys

from sim.cli.common import add_scenario_argument, add_set, load, overrides, print_json

__all__ = ["register"]


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``params`` command."""
    p = subparsers.add_parser(
        "params",
        help="list every settable key of a scenario, with value, unit, range and provenance",
        description="List every key of the resolved scenario that --set or --param can change: "
        "its value (the file's, or the default), unit, allowed range, and where it comes from "
        "([record], [article], [assumed] as the file's comments tag it; --set; default). Prose "
        "(descriptions, notes) is left out.",
    )
    add_scenario_argument(p)
    add_set(p)
    p.add_argument(
        "--key",
        action="append",
        default=[],
        metavar="PATTERN",
        help="only keys matching this pattern, e.g. 'actors.russia.*' or '*tempo_days' "
        "(repeatable)",
    )
    p.add_argument("--format", choices=("table", "json"), default="table")
    p.set_defaults(handler=run)


def _show(value: object, limit: int = 60) -> str:
    """A value as the file would write it, shortened to ``limit`` characters."""
    if value is None:
        text = "—"
    elif isinstance(value, bool):
        text = str(value).lower()
    elif isinstance(value, float):
        text = f"{value:g}"
    elif isinstance(value, dt.date):
        text = value.isoformat()
    elif (
        isinstance(value, tuple)
        and value
        and all(isinstance(v, tuple) and len(v) == 2 and isinstance(v[0], str) for v in value)
    ):
        text = "{" + ", ".join(f"{k} = {_show(v)}" for k, v in value) + "}"
    elif isinstance(value, tuple):
        text = "[" + ", ".join(_show(v) for v in value) + "]"
    else:
        text = str(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def run(args: argparse.Namespace) -> int:
    """Run the ``params`` command."""
    from sim.scenario.keys import settings

    scenario = load(args.scenario, overrides(args))
    rows = [
        s
        for s in settings(scenario)
        if not args.key or any(fnmatch.fnmatchcase(s.key, p) for p in args.key)
    ]
    if args.format == "json":
        print_json(
            {
                "scenario": scenario.name,
                "scenario_sha256": scenario.sha256,
                "source": scenario.source,
                "keys": [s.to_json() for s in rows],
            }
        )
        return 0
    from sim.errors import one_line
    from sim.output.tables import format_table

    table = format_table(
        ("key", "value", "unit", "range", "source"),
        [
            (s.key, one_line(_show(s.value)), s.unit, s.range, s.provenance or "untagged")
            for s in rows
        ],
        right=set(),
    )
    sys.stdout.write(f"{scenario.title}\n{len(rows)} settable keys\n\n{table}\n")
    return 0
