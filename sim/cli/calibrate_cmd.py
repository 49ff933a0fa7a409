"""``negsim calibrate``: the posterior of a scenario's declared parameters, given its record.

Exit status: 0 done; 2 bad input (a scenario without ``[calibration]``, a window outside the
record, an output folder holding another calibration, pyabc not installed), one line; 1 no
generation finished, an unreachable scheduler, or a worker lost twice; 130 interrupted (the
finished generations are saved in ``--out``: ``--resume`` continues).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys

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

__all__ = ["iso_date", "register"]


def iso_date(text: str) -> dt.date:
    """An argument type: a date as YYYY-MM-DD."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date YYYY-MM-DD, got '{text}'") from None


def fraction(text: str) -> float:
    """An argument type: a number in (0, 1)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got '{text}'") from None
    if not 0.0 < value < 1.0:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1 (exclusive), got {text}")
    return value


def minutes(text: str) -> float:
    """An argument type: a positive number of minutes."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of minutes, got '{text}'") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a positive number of minutes, got {text}")
    return value


def add_calibration_options(p: argparse.ArgumentParser) -> None:
    """The sampling and stopping options, shared with ``negsim backtest --calibrate``."""
    p.add_argument(
        "--population",
        type=positive_int,
        default=200,
        metavar="N",
        help="accepted particles per generation (default 200)",
    )
    p.add_argument(
        "--generations",
        type=positive_int,
        default=8,
        metavar="G",
        help="generations at most, the prior's included (default 8)",
    )
    p.add_argument(
        "--min-acceptance",
        type=fraction,
        default=0.02,
        metavar="R",
        help="stop when a generation's acceptance rate would fall below R (default 0.02)",
    )
    p.add_argument(
        "--max-minutes",
        type=minutes,
        metavar="M",
        help="stop starting new work after M minutes (the generation under way is dropped)",
    )
    p.add_argument(
        "--predictive-runs",
        type=positive_int,
        default=300,
        metavar="K",
        help="runs of the posterior predictive check (default 300)",
    )


def settings_from(args: argparse.Namespace) -> object:
    """The :class:`~sim.experiments.calibrate.CalibrationSettings` the options ask for."""
    from sim.experiments.calibrate import CalibrationSettings

    return CalibrationSettings(
        population=args.population,
        generations=args.generations,
        min_acceptance=args.min_acceptance,
        max_seconds=None if args.max_minutes is None else args.max_minutes * 60.0,
        predictive_runs=args.predictive_runs,
    )


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``calibrate`` command."""
    p = subparsers.add_parser(
        "calibrate",
        help="fit the scenario's [calibration] parameters to its record (ABC-SMC)",
        description="Fit the parameters the scenario's [calibration] table declares to its "
        "record up to --until, by approximate Bayesian computation (pyabc's ABC-SMC): runs "
        "simulated from the start are compared with the record's counts of actions per actor "
        "and period, the days questions settled and stages were reached, and the deadlines "
        "missed. The same seed gives the same posterior on any number of workers. Needs "
        "negsim[calibrate].",
    )
    add_scenario_argument(p)
    p.add_argument(
        "--until",
        type=iso_date,
        metavar="DATE",
        help="the last day of the record compared (default: [calibration].until, else as_of)",
    )
    add_calibration_options(p)
    add_seed(p)
    add_executor_options(p)
    add_set(p)
    p.add_argument(
        "--out",
        metavar="DIR",
        help="write the posterior, the calibrated scenario, the checks and figures here; "
        "pyabc's database there lets --resume continue an interrupted calibration",
    )
    p.add_argument("--resume", action="store_true", help="continue the calibration in --out")
    p.add_argument("--format", choices=("table", "json"), default="table")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Run the ``calibrate`` command."""
    from sim.errors import Interrupted
    from sim.experiments.calibrate import calibrate, require_pyabc

    if args.resume and args.out is None:
        raise UsageError("calibrate: --resume needs --out DIR (the calibration to continue)")
    require_pyabc()
    scenario = load(args.scenario, args.set)
    out = prepare_out(args.out)
    with Progress(progress_enabled(args.quiet), unit="sim") as bar:
        try:
            result = calibrate(
                scenario,
                args.until,
                args.seed,
                settings=settings_from(args),  # type: ignore[arg-type]
                executor=executor_spec(args),
                folder=out,
                resume=args.resume,
                on_progress=bar,
            )
        except Interrupted as exc:
            bar.close()
            saved = f"; they are saved in {out}: add --resume to continue" if out else ""
            print(
                f"negsim: interrupted: {exc.completed} of {exc.total} generations had "
                f"finished{saved}",
                file=sys.stderr,
            )
            return 130
    if out is not None:
        from sim.output.calibration_files import write_calibration

        write_calibration(result, out)
    if args.format == "json":
        print_json(result.to_json())
    else:
        from sim.output.calibration_files import calibration_table

        sys.stdout.write(calibration_table(result))
        if out is not None:
            sys.stdout.write(f"Results written to {out}/\n")
    return 0
