"""``negsim backtest``: forecasts from rolling origins, scored against the record.

Exit status: 0 done; 2 bad input (an origin before the start or after the record's end, a
scenario without ``[calibration]`` with ``--calibrate``, pyabc missing), one line; 1 an
unreachable scheduler or a worker lost twice; 130 interrupted.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys

from sim.cli.calibrate_cmd import add_calibration_options, iso_date, settings_from
from sim.cli.common import (
    Progress,
    UsageError,
    add_executor_options,
    add_scenario_argument,
    add_seed,
    add_set,
    executor_spec,
    load,
    positive_int,
    prepare_out,
    print_json,
    progress_enabled,
)

__all__ = ["register"]


def origin_list(text: str) -> list[dt.date]:
    """An argument type: dates YYYY-MM-DD separated by commas."""
    parts = [p.strip() for p in text.split(",") if p.strip()]
    if not parts:
        raise argparse.ArgumentTypeError("expected dates YYYY-MM-DD separated by commas")
    return [iso_date(p) for p in parts]


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``backtest`` command."""
    p = subparsers.add_parser(
        "backtest",
        help="forecast from rolling origins and score against what the record says happened",
        description="For each origin, forecast from the record up to it (with --calibrate, "
        "after fitting the [calibration] parameters to the record up to it), and score "
        "P(stage by each later deadline and target date of the record) by Brier and log "
        "score, and the date of each stage by CRPS and its predictive percentile, next to a "
        "flat 0.5 and a constant-hazard forecaster on the same targets.",
    )
    add_scenario_argument(p)
    p.add_argument(
        "--origins",
        type=origin_list,
        required=True,
        metavar="D1,D2,...",
        help="forecast origins YYYY-MM-DD, from the start to the record's last event",
    )
    p.add_argument(
        "--runs",
        type=positive_int,
        default=1000,
        metavar="N",
        help="runs per origin (default 1000)",
    )
    p.add_argument(
        "--calibrate",
        action="store_true",
        help="calibrate to the record up to each origin first (needs negsim[calibrate])",
    )
    add_calibration_options(p)
    add_seed(p)
    add_executor_options(p)
    add_set(p)
    p.add_argument("--out", metavar="DIR", help="write backtest.json, CSV files and figures")
    p.add_argument("--format", choices=("table", "json"), default="table")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Run the ``backtest`` command."""
    from sim.errors import Interrupted
    from sim.experiments.backtest import backtest, check_origins

    scenario = load(args.scenario, args.set)
    check_origins(scenario, args.origins)
    settings = None
    if args.calibrate:
        from sim.experiments.calibrate import require_pyabc

        require_pyabc()
        if scenario.calibration is None:
            raise UsageError(
                f"--calibrate: {scenario.source} has no [calibration] table (the parameters "
                "to fit and their priors)"
            )
        settings = settings_from(args)
    out = prepare_out(args.out)
    with Progress(progress_enabled(args.quiet)) as bar:
        try:
            result = backtest(
                scenario,
                args.origins,
                args.runs,
                args.seed,
                executor=executor_spec(args),
                calibration=settings,
                on_progress=bar,
            )
        except Interrupted as exc:
            bar.close()
            print(f"negsim: interrupted ({exc}); nothing was written", file=sys.stderr)
            return 130
    if out is not None:
        from sim.output.backtest_files import write_backtest

        write_backtest(result, out)
    if args.format == "json":
        print_json(result.to_json())
    else:
        from sim.output.backtest_files import backtest_table

        sys.stdout.write(backtest_table(result))
        if out is not None:
            sys.stdout.write(f"Results written to {out}/\n")
    return 0
