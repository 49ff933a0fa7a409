"""Figures of a backtest: a reliability diagram, and the forecasts by origin against the truth.

Drawn with matplotlib's object API (no pyplot state); :func:`~sim.output.figures.save_figure`
writes them atomically.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from sim.experiments.backtest import BacktestResult

__all__ = ["forecasts_figure", "reliability_figure"]

_MODEL = "#1f4e79"
_HAZARD = "#8064a2"
_ACTUAL = "#c0504d"


def reliability_figure(result: BacktestResult, bins: int = 5) -> Figure:
    """Observed frequency against forecast probability, pooled over origins and targets.

    Each point is one bin of forecast probabilities: its mean forecast against how often the
    targets in it were met, sized and labelled by how many targets it holds. A calibrated
    forecaster lies on the diagonal.
    """
    from matplotlib.figure import Figure

    fig = Figure(figsize=(5.6, 5.2), layout="constrained")
    ax = fig.subplots()
    ax.plot([0, 1], [0, 1], color="#9a9a9a", lw=1, ls="--", label="perfectly calibrated")
    edges = np.linspace(0.0, 1.0, bins + 1)
    pooled_model = [o.p_model for o in result.origins if len(o.targets)]
    pooled_hazard = [o.p_hazard for o in result.origins if len(o.targets)]
    pooled_y = [o.outcome for o in result.origins if len(o.targets)]
    if pooled_y:
        y = np.concatenate(pooled_y).astype(float)
        for name, probs, color, marker in (
            ("model", np.concatenate(pooled_model), _MODEL, "o"),
            ("constant hazard", np.concatenate(pooled_hazard), _HAZARD, "s"),
        ):
            which = np.clip(np.digitize(probs, edges[1:-1]), 0, bins - 1)
            xs, ys, ns = [], [], []
            for b in range(bins):
                inside = which == b
                if inside.any():
                    xs.append(float(probs[inside].mean()))
                    ys.append(float(y[inside].mean()))
                    ns.append(int(inside.sum()))
            ax.plot(xs, ys, color=color, marker=marker, lw=1.2, label=name)
            for x, yy, n in zip(xs, ys, ns, strict=True):
                ax.annotate(
                    str(n),
                    (x, yy),
                    textcoords="offset points",
                    xytext=(5, -10),
                    fontsize=7,
                    color=color,
                )
    ax.set_xlim(-0.02, 1.02)
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel("forecast probability (mean of the bin)")
    ax.set_ylabel("share of targets met")
    scores = result.scores()
    ax.set_title(
        f"{result.scenario.name}: reliability over {len(result.origins)} origins\n"
        f"Brier: model {scores['brier_model']:.3f}, hazard {scores['brier_hazard']:.3f}, "
        f"flat {scores['brier_flat']:.3f}",
        fontsize=9,
    )
    ax.legend(fontsize=8, frameon=False, loc="upper left")
    return fig


def forecasts_figure(result: BacktestResult) -> Figure:
    """Per stage, the forecast distribution of its date from each origin, the actual date marked.

    Each row is an origin (its date marked by a small tick): the central 80% of the runs
    (light), the middle half (dark) and the median; runs that never reach the stage by the
    horizon are counted at its end, and the share that does is written at the right.
    """
    from matplotlib.figure import Figure

    scenario = result.scenario
    stages = [k for k, d in enumerate(result.real) if d is not None]
    if not stages:
        stages = list(range(len(scenario.stages)))
    fig = Figure(
        figsize=(9.0, 1.4 + 0.45 * len(result.origins) * len(stages)), layout="constrained"
    )
    axes = fig.subplots(len(stages), 1, squeeze=False)
    start = np.datetime64(scenario.start, "D")

    def date(day: float) -> np.datetime64:
        return start + np.timedelta64(math.floor(day), "D")

    horizon = float(scenario.horizon_day + 1)
    for row, k in enumerate(stages):
        ax = axes[row][0]
        n = len(result.origins)
        for i, o in enumerate(result.origins):
            y = n - 1 - i
            ax.plot([date(o.origin_day)], [y], marker=">", color="#444444", ms=5)
            known = result.real[k]
            if known is not None and known <= o.origin_day:
                ax.annotate(
                    "reached before the origin",
                    (date(o.origin_day), y),
                    xytext=(8, 0),
                    textcoords="offset points",
                    fontsize=7,
                    va="center",
                    color="#444444",
                )
                continue
            days = np.where(np.isnan(o.stage_days[:, k]), horizon, o.stage_days[:, k])
            q = np.quantile(days, [0.10, 0.25, 0.5, 0.75, 0.90], method="inverted_cdf")
            ax.plot(
                [date(q[0]), date(q[4])],
                [y, y],
                color=_MODEL,
                lw=6,
                alpha=0.25,
                solid_capstyle="butt",
            )
            ax.plot(
                [date(q[1]), date(q[3])],
                [y, y],
                color=_MODEL,
                lw=6,
                alpha=0.7,
                solid_capstyle="butt",
            )
            ax.plot([date(q[2])], [y], marker="|", color="white", ms=12, mew=2)
            reached = float(np.mean(~np.isnan(o.stage_days[:, k])))
            ax.annotate(
                f"{reached:.0%} by horizon",
                (1.0, y),
                xycoords=("axes fraction", "data"),
                xytext=(4, 0),
                textcoords="offset points",
                fontsize=7,
                va="center",
            )
        actual = result.real[k]
        if actual is not None:
            ax.axvline(
                date(actual), color=_ACTUAL, lw=1.5, label=f"actual: {scenario.date_of(actual)}"
            )
            ax.legend(fontsize=8, frameon=False, loc="lower right")
        ax.set_yticks(range(n))
        ax.set_yticklabels([o.origin.isoformat() for o in reversed(result.origins)], fontsize=8)
        ax.set_ylabel("origin", fontsize=8)
        ax.set_title(f"stage {scenario.stages[k].id}: {scenario.stages[k].label}", fontsize=9)
        ax.set_xlim(date(0), date(horizon))
        ax.grid(axis="x", alpha=0.3)
    axes[-1][0].set_xlabel(
        "forecast date (light: central 80% of runs; dark: middle half; white tick: median; "
        "arrow: origin)",
        fontsize=8,
    )
    kind = "calibrated at each origin" if result.calibrated else "the scenario's own values"
    fig.suptitle(
        f"{scenario.name}: forecasts by origin ({kind}, {result.runs} runs each)", fontsize=10
    )
    return fig
