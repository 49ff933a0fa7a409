"""``negsim run``: Monte Carlo estimates of the deadline probabilities."""

from __future__ import annotations

import argparse
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
    overrides,
    positive_int,
    prepare_out,
    print_json,
    probability_half_width,
    progress_enabled,
)

__all__ = ["register"]


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``run`` command."""
    p = subparsers.add_parser(
        "run",
        help="estimate P(each stage and ending by each deadline) by Monte Carlo",
        description="Run the scenario many times and report, per deadline, the probability that "
        "its stage is reached by then, with 95% Wilson intervals; every stage and ending by "
        "each deadline; where the runs stand at the horizon; and each stage's median date "
        "(Kaplan–Meier).",
    )
    add_scenario_argument(p)
    size = p.add_mutually_exclusive_group()
    size.add_argument(
        "--runs", type=positive_int, metavar="N", help="number of runs (default 1000)"
    )
    size.add_argument(
        "--precision",
        type=probability_half_width,
        metavar="H",
        help="add runs until every deadline's 95%% interval half-width is at most H (e.g. 0.01)",
    )
    p.add_argument(
        "--max-runs",
        type=positive_int,
        default=100_000,
        metavar="M",
        help="with --precision: stop at M runs even if H is not reached (default 100000)",
    )
    p.add_argument(
        "--deadline",
        action="append",
        default=[],
        metavar="NAME",
        help="report only this deadline (repeatable); with --precision, only these count",
    )
    p.add_argument(
        "--outcome",
        action="append",
        default=[],
        metavar="NAME:ARGS",
        help="a named custom outcome estimated over the runs, e.g. count:russia:arms_shipment, "
        "took:russia:arms_shipment, days:announced:convened, day:STAGE, reached:STAGE, "
        "ending:ENDING, gate:GATE, announcements, postponements, readiness (repeatable)",
    )
    add_seed(p)
    add_executor_options(p)
    add_set(p)
    p.add_argument(
        "--out",
        metavar="DIR",
        help="write summary.json, deadlines.csv, runs.csv and figures here (see the README)",
    )
    p.add_argument(
        "--posterior",
        metavar="FILE",
        help="a posterior.csv from negsim calibrate: run i draws its parameters from it, by "
        "weight (keyed by seed and i), so the forecast integrates their uncertainty",
    )
    p.add_argument("--format", choices=("table", "json"), default="table")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Run the ``run`` command."""
    from sim.errors import Interrupted
    from sim.experiments.montecarlo import run_monte_carlo

    scenario = load(args.scenario, overrides(args))
    known = [d.id for d in scenario.deadlines]
    for name in args.deadline:
        if name not in known:
            raise UsageError(
                f"--deadline: no deadline '{name}' in {scenario.source} "
                f"(deadlines: {', '.join(known)})"
            )
    from sim.experiments.custom import OutcomeError, normalise_outcomes

    try:
        custom = normalise_outcomes(args.outcome, scenario)
    except OutcomeError as exc:
        raise UsageError(f"--{exc}") from None
    task = None
    if args.posterior is not None:
        from sim.experiments.posterior import posterior_task, read_posterior

        task = posterior_task(read_posterior(args.posterior, scenario))
    out = prepare_out(args.out)
    spec = executor_spec(args)
    runs = args.runs if args.runs is not None else 1000
    with Progress(progress_enabled(args.quiet)) as bar:
        try:
            result = run_monte_carlo(
                scenario,
                None if args.precision is not None else runs,
                args.seed,
                executor=spec,
                precision=args.precision,
                max_runs=args.max_runs,
                precision_deadlines=args.deadline or None,
                on_progress=bar,
                outcomes=custom,
                task=task,
            )
        except Interrupted as exc:
            bar.close()
            print(
                f"negsim: interrupted: {exc.completed} of {exc.total} runs had finished; "
                "nothing was written",
                file=sys.stderr,
            )
            return 130
    if out is not None:
        from sim.output.results import write_run

        write_run(result, out, {"command": "run", "deadline_filter": args.deadline or None})
        if custom:
            from sim.output.custom_tables import write_custom_outcomes

            write_custom_outcomes(result.custom(), out, f"{scenario.name}: {result.runs} runs")
    if args.format == "json":
        obj = result.to_json()
        if args.deadline:
            obj["deadlines"] = [d for d in obj["deadlines"] if d["name"] in args.deadline]
        print_json(obj)
    else:
        from sim.output.tables import deadline_table

        sys.stdout.write(deadline_table(result, args.deadline or None))
        if custom:
            from sim.output.custom_tables import custom_table

            sys.stdout.write("\n" + custom_table(result.custom()))
        if (
            args.precision is not None
            and result.max_half_width(args.deadline or None) > args.precision
        ):
            sys.stdout.write(
                f"Precision {args.precision:g} not reached within --max-runs {args.max_runs}.\n"
            )
        if out is not None:
            sys.stdout.write(f"Results written to {out}/\n")
    return 0
