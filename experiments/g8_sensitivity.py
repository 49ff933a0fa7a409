"""Which of the model's main parameters matter for convening by the G8 summit (and later)?

First-order and total Sobol indices, with bootstrap intervals, of P(convened by every
deadline) to six parameters of the baseline over plausible ranges; each evaluation is a
Monte Carlo estimate with the same seeds at every point.

    python experiments/g8_sensitivity.py [--runs 60] [--samples 64] [--seed 2013] [--workers W]

Writes to experiments/output/g8_sensitivity/: sensitivity.csv, sensitivity.json and one bar
chart per deadline (sobol_<deadline>.png). The notes printed at the end say where the sample
is too small for stable indices.
"""

from __future__ import annotations

from _common import Timer, arguments, executor, output_folder

from sim.experiments.sensitivity import Sensitivity
from sim.output.results import write_sensitivity

PARAMETERS = [
    "effects.delegation_agreement.settle_probability=0.1:0.9",
    "gates.regional_invitations.contention=0.0:0.9",
    "gates.opposition_delegation.contention=0.0:0.9",
    "convening.announce_threshold=0.4:0.7",
    "world.readiness_reversion=0.0:0.08",
    "mechanisms.rapport.amplification=0.0:2.0",
]


def main() -> None:
    args = arguments(__doc__.split("\n\n")[0], runs=60, samples=64)
    analysis = Sensitivity(PARAMETERS, samples=args.samples, runs=args.runs, seed=args.seed)
    with output_folder(args, "g8_sensitivity") as folder:
        with Timer():
            result = analysis.run(executor(args))
        with folder.staged() as out:
            write_sensitivity(result, out)
    for record in result.records():
        if record["deadline"] in ("g8_summit", "end_of_2013"):
            print(
                f"{record['deadline']:<12} {record['param']:<55} "
                f"S1 {record['first']:+.2f} "
                f"[{record['first_low']:+.2f}, {record['first_high']:+.2f}]  "
                f"ST {record['total']:+.2f} "
                f"[{record['total_low']:+.2f}, {record['total_high']:+.2f}]"
            )
    for note in result.notes:
        print("note:", note)
    print(f"wrote {folder.path}")


if __name__ == "__main__":
    main()
