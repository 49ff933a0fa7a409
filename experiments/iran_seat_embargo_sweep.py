"""A sweep over the Iran-seat question and the size of the embargo-lift effect.

Two parameters on a grid: whether the regional-invitations gate (Iran's seat) starts
settled, and the readiness effect of an embargo lift (log-odds, from -0.6, three times the
baseline's, to 0, no effect). Every point runs the same seeds (common random numbers).

    python experiments/iran_seat_embargo_sweep.py [--runs 500] [--seed 2013] [--workers W]

Writes to experiments/output/iran_seat_embargo/: sweep.csv, sweep.json and one heatmap per
deadline (sweep_<deadline>.png).
"""

from __future__ import annotations

from _common import Timer, arguments, executor, output_folder

from sim.experiments.sweep import Sweep
from sim.output.results import write_sweep


def main() -> None:
    args = arguments(__doc__.split("\n\n")[0], runs=500)
    sweep = Sweep(
        [
            "gates.regional_invitations.resolved=false,true",
            "effects.embargo_lift.readiness=-0.6:0.0",
        ],
        design="grid",
        points=4,
        runs=args.runs,
        seed=args.seed,
    )
    with output_folder(args, "iran_seat_embargo") as folder:
        with Timer():
            result = sweep.run(executor(args))
        with folder.staged() as out:
            write_sweep(result, out)
    for record in result.records():
        print(
            f"iran seat settled={record['gates.regional_invitations.resolved']!s:<5} "
            f"embargo effect={record['effects.embargo_lift.readiness']:+.1f}  "
            f"P(by end of 2013)={100 * record['end_of_2013_probability']:.1f}% "
            f"[{100 * record['end_of_2013_ci_low']:.1f}, {100 * record['end_of_2013_ci_high']:.1f}]"
        )
    print(f"wrote {folder.path}")


if __name__ == "__main__":
    main()
