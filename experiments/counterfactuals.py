"""The deadline probabilities of the Geneva-2 baseline and of every packaged counterfactual.

Each counterfactual is compared with the baseline in pairs (run i of both shares its seed),
so the differences come with paired 95% intervals and exact McNemar p-values.

    python experiments/counterfactuals.py [--runs 2000] [--seed 2013] [--workers W]

Writes to experiments/output/counterfactuals/: probabilities.csv (every scenario and
deadline), differences.csv (every counterfactual and deadline), differences.png (a forest
plot of the paired differences) and last_stage.png (every scenario's Kaplan-Meier curve of its
last stage).
"""

from __future__ import annotations

from _common import Timer, arguments, executor, output_folder

from sim.experiments.compare import compare
from sim.files import atomic_write_text, csv_text
from sim.output.plotting import (
    date_axis,
    date_number,
    legend,
    new_figure,
    plain,
    save_figure,
    series_style,
)
from sim.scenario import find_scenario, load_scenario, packaged_scenarios


def main() -> None:
    args = arguments(__doc__.split("\n\n")[0], runs=2000)
    with output_folder(args, "counterfactuals") as folder:
        base = load_scenario()
        packaged = find_scenario(None).parent / "counterfactuals"
        alternatives = [load_scenario(p) for p in packaged_scenarios() if p.parent == packaged]
        probabilities, differences, results = [], [], []
        with Timer():
            for alt in alternatives:
                comparison = compare(base, alt, args.runs, args.seed, executor=executor(args))
                if not results:
                    results.append(comparison.base)
                    probabilities += [
                        {"scenario": base.name, **e.to_json()} for e in comparison.base.deadlines()
                    ]
                results.append(comparison.alt)
                probabilities += [
                    {"scenario": alt.name, **e.to_json()} for e in comparison.alt.deadlines()
                ]
                for d in comparison.differences():
                    differences.append({"scenario": alt.name, **d.to_json()})
                    x = d.difference
                    print(
                        f"{alt.name:<20} {d.deadline.label:<34} {100 * x.p_a:5.1f}% -> "
                        f"{100 * x.p_b:5.1f}%  diff {100 * x.difference:+5.1f} pts "
                        f"[{100 * x.low:+5.1f}, {100 * x.high:+5.1f}]  McNemar p {x.mcnemar_p:.3g}"
                    )
        with folder.staged() as out:
            atomic_write_text(
                out / "probabilities.csv", csv_text(probabilities, list(probabilities[0]))
            )
            atomic_write_text(out / "differences.csv", csv_text(differences, list(differences[0])))
            save_figure(last_stage_figure(results), out / "last_stage.png")
            save_figure(forest_plot(differences, base), out / "differences.png")
    print(f"wrote {folder.path}")


def last_stage_figure(results):  # type: ignore[no-untyped-def]
    """P(the last stage by date) of every scenario: Kaplan-Meier step curves."""
    import numpy as np

    fig = new_figure(10.0, 5.0)
    ax = fig.subplots()
    s = results[0].scenario
    lines = []
    for i, r in enumerate(results):
        curve = r.survival()
        style = series_style(i, len(results))
        days = np.concatenate([[0.0], curve.days, [float(r.scenario.horizon_day)]])
        cdf = np.concatenate([[0.0], curve.cdf, [curve.cdf[-1] if len(curve.cdf) else 0.0]])
        x = [date_number(r.scenario.date_of(d)) for d in days]
        style.pop("marker")
        lines.append(ax.step(x, cdf, where="post", **style)[0])
    ax.set_xlim(date_number(s.start), date_number(s.horizon))
    date_axis(ax)
    ax.set_ylim(0, 1)
    ax.set_ylabel(f"P({s.stages[-1].label} by date)")
    ax.grid(alpha=0.3)
    legend(ax, lines, [r.scenario.name for r in results], loc="upper left", fontsize=8)
    plain(ax.set_title("The baseline and every counterfactual", fontsize=10))
    return fig


def forest_plot(differences: list[dict[str, object]], base: object):  # type: ignore[no-untyped-def]
    """Paired differences with 95% intervals, one row per (counterfactual, deadline)."""
    from matplotlib.figure import Figure

    scenarios = list(dict.fromkeys(str(d["scenario"]) for d in differences))
    deadlines = list(dict.fromkeys(str(d["label"]) for d in differences))
    fig = Figure(
        figsize=(9, 1.0 + 0.45 * len(scenarios) * len(deadlines) / 2), layout="constrained"
    )
    axes = fig.subplots(1, len(deadlines), sharey=True)
    for ax, label in zip(axes, deadlines, strict=True):
        rows = [d for d in differences if d["label"] == label]
        y = list(range(len(rows)))[::-1]
        for yi, d in zip(y, rows, strict=True):
            diff, low, high = (100 * float(d[k]) for k in ("difference", "ci_low", "ci_high"))  # type: ignore[arg-type]
            ax.errorbar(
                diff, yi, xerr=[[diff - low], [high - diff]], fmt="o", color="black", capsize=3
            )
        ax.axvline(0, color="0.5", linewidth=1)
        ax.set_title(label, fontsize=8)
        ax.set_xlabel("points", fontsize=8)
        ax.set_yticks(y, [str(d["scenario"]) for d in rows], fontsize=8)
        ax.grid(alpha=0.3)
    fig.suptitle(
        "Counterfactual minus baseline: P(convened by deadline), paired 95% intervals", fontsize=10
    )
    return fig


if __name__ == "__main__":
    main()
