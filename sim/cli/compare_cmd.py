"""``negsim compare``: a baseline and a counterfactual, run in pairs."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sim.cli.common import (
    Progress,
    UsageError,
    add_executor_options,
    add_seed,
    executor_spec,
    iso_date,
    load,
    out_folder,
    overrides,
    positive_int,
    print_json,
    progress_enabled,
)

__all__ = ["register"]


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``compare`` command."""
    p = subparsers.add_parser(
        "compare",
        help="compare two scenarios (or one with changed values) with paired runs",
        description="Run BASE and ALT in pairs: run i of each shares its seed, and each actor has "
        "its own random stream, so the runs differ only where the scenarios do. Per deadline: "
        "both probabilities, the difference with a 95% interval for paired proportions, the "
        "exact McNemar p-value, and how much narrower the paired interval is than an unpaired "
        "one. --set, --set-base and --set-alt change values of both or one of them, so one file "
        "can be compared with itself changed.",
    )
    p.add_argument("base", metavar="BASE", help="the baseline scenario (file or packaged name)")
    p.add_argument(
        "alt",
        metavar="ALT",
        nargs="?",
        help="the alternative scenario (file or packaged name); left out, BASE again, "
        "changed by --set-alt",
    )
    sets = p.add_argument_group(
        "changing a value",
        "VALUE is a TOML value; KEY a dotted key, as for 'negsim run --set'. A ±10%% change "
        "of one parameter needs no file: negsim compare BASE --set-alt KEY=VALUE.",
    )
    sets.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="set a value in both scenarios (repeatable)",
    )
    sets.add_argument(
        "--set-base",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="set a value in the baseline only (repeatable; after --set)",
    )
    sets.add_argument(
        "--set-alt",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="set a value in the alternative only (repeatable; after --set)",
    )
    sets.add_argument(
        "--as-of",
        type=iso_date,
        metavar="DATE",
        help="forecast both as of DATE (YYYY-MM-DD): the record is known up to and including "
        "it (the scenarios' as_of)",
    )
    p.add_argument(
        "--runs", type=positive_int, default=1000, metavar="N", help="paired runs (default 1000)"
    )
    add_seed(p)
    add_executor_options(p)
    p.add_argument("--out", metavar="DIR", help="write summary.json, CSV files and figures here")
    p.add_argument("--format", choices=("table", "json"), default="table")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Run the ``compare`` command."""
    from sim.errors import Interrupted
    from sim.experiments.compare import IncompatibleScenarios, check_comparable, compare

    if args.alt is None and not args.set_alt:
        raise UsageError(
            "compare: give ALT, or --set-alt KEY=VALUE to compare BASE with a changed BASE "
            "(see 'negsim compare --help')"
        )
    both = overrides(args)  # --set, and --as-of
    base = load(args.base, [*both, *args.set_base])
    alt = load(args.alt if args.alt is not None else args.base, [*both, *args.set_alt])
    try:
        check_comparable(base, alt)
    except IncompatibleScenarios as exc:
        raise UsageError(str(exc)) from None
    with out_folder(args.out, "compare") as out:
        with Progress(progress_enabled(args.quiet)) as bar:
            try:
                comparison = compare(
                    base, alt, args.runs, args.seed, executor=executor_spec(args), on_progress=bar
                )
            except Interrupted as exc:
                bar.close()
                print(
                    f"negsim: interrupted: {exc.completed} of {exc.total} runs (of both "
                    "scenarios) had finished; nothing was written",
                    file=sys.stderr,
                )
                return 130
        if out is not None:
            from sim.output.results import write_comparison

            with out.staged() as stage:
                write_comparison(comparison, stage, {"command": "compare"})
    if args.format == "json":
        print_json(comparison.to_json())
    else:
        from sim.output.tables import comparison_table

        sys.stdout.write(comparison_table(comparison))
        if args.out is not None:
            sys.stdout.write(f"Results written to {Path(args.out)}/\n")
    return 0
