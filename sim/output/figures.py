"""Figures for slides and papers, drawn with matplotlib's object API (no pyplot state).

Each function returns a :class:`matplotlib.figure.Figure`; :func:`save_figure`
writes it atomically. matplotlib is imported only here, and only when a
figure is drawn.
"""

from __future__ import annotations

import datetime as dt
import io
import os
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from sim.files import atomic_write_bytes

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from sim.experiments.compare import Comparison
    from sim.experiments.montecarlo import MonteCarloResult
    from sim.scenario.schema import Scenario

__all__ = [
    "comparison_figure",
    "convening_cdf_figure",
    "readiness_fan_figure",
    "save_figure",
]

_COLORS = ("#1f4e79", "#c0504d", "#4f8f3a", "#8064a2")


def _figure(width: float = 8.0, height: float = 4.5) -> Figure:
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


def _dates(scenario: Scenario, days: np.ndarray) -> np.ndarray:
    """Days since the start as datetime64 values (minute resolution)."""
    minutes = np.rint(np.asarray(days, dtype=float) * 1440.0).astype("timedelta64[m]")
    return np.datetime64(scenario.start, "m") + minutes


def _day_num(date: dt.date) -> float:
    """A date as matplotlib's float date number."""
    import matplotlib.dates as mdates

    return float(mdates.date2num(dt.datetime.combine(date, dt.time())))


def _date_axis(ax: Axes) -> None:
    import matplotlib.dates as mdates

    locator = mdates.AutoDateLocator(minticks=4, maxticks=10)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))


def _deadline_marks(ax: Axes, scenario: Scenario) -> None:
    for d in scenario.deadlines:
        when = _day_num(d.date)
        ax.axvline(when, color="0.5", linestyle=":", linewidth=1)
        ax.annotate(
            d.label,
            xy=(when, 1.0),
            xycoords=("data", "axes fraction"),
            xytext=(2, -4),
            textcoords="offset points",
            rotation=90,
            va="top",
            ha="left",
            fontsize=7,
            color="0.35",
        )


def convening_cdf_figure(
    results: Sequence[MonteCarloResult], labels: Sequence[str] | None = None
) -> Figure:
    """P(convened by date): the Kaplan–Meier curve with its 95% band, deadlines marked.

    Several results (a baseline and counterfactuals) are drawn on one set of
    axes. Dots with bars show each deadline's Wilson interval.
    """
    fig = _figure()
    ax = fig.add_subplot()
    scenario = results[0].scenario
    names = list(labels) if labels is not None else [r.scenario.name for r in results]
    for i, (r, name) in enumerate(zip(results, names, strict=True)):
        color = _COLORS[i % len(_COLORS)]
        curve = r.survival()
        horizon = float(r.scenario.horizon_day)
        days = np.concatenate([[0.0], curve.days, [horizon]])
        cdf = np.concatenate([[0.0], curve.cdf, [curve.cdf[-1] if len(curve.cdf) else 0.0]])
        low = np.concatenate([[0.0], curve.cdf_low, [curve.cdf_low[-1] if len(curve.cdf) else 0.0]])
        high = np.concatenate(
            [[0.0], curve.cdf_high, [curve.cdf_high[-1] if len(curve.cdf) else 0.0]]
        )
        x = _dates(r.scenario, days)
        ax.step(x, cdf, where="post", color=color, label=f"{name} ({r.runs} runs)")
        ax.fill_between(x, low, high, step="post", color=color, alpha=0.18, linewidth=0)
        est = r.deadlines()
        ax.errorbar(
            [_day_num(e.deadline.date) for e in est],
            [e.proportion.estimate for e in est],
            yerr=[
                [e.proportion.estimate - e.proportion.low for e in est],
                [e.proportion.high - e.proportion.estimate for e in est],
            ],
            fmt="o",
            color=color,
            markersize=4,
            capsize=3,
            linewidth=1,
        )
    _deadline_marks(ax, scenario)
    ax.set_ylim(0, 1)
    ax.set_xlim(
        _day_num(scenario.start),
        _day_num(scenario.horizon),
    )
    _date_axis(ax)
    ax.set_ylabel(f"P({scenario.outcome.removeprefix('the ')} by date)", fontsize=9)
    ax.set_title(
        "Convening date: Kaplan–Meier estimate with 95% band; dots: deadlines (95% Wilson)",
        fontsize=10,
    )
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", fontsize=8)
    return fig


def readiness_fan_figure(result: MonteCarloResult) -> Figure:
    """Quantile bands of readiness over time (5–95 %, 25–75 %, median).

    After a run convenes its readiness stays at its last value, so late bands
    describe all runs, convened or not.
    """
    fig = _figure()
    ax = fig.add_subplot()
    s = result.scenario
    grid = np.arange(result.outcomes.readiness.shape[1], dtype=float) * 7.0
    x = _dates(s, grid)
    q = np.quantile(result.outcomes.readiness, [0.05, 0.25, 0.5, 0.75, 0.95], axis=0)
    ax.fill_between(x, q[0], q[4], color=_COLORS[0], alpha=0.15, linewidth=0, label="5–95 %")
    ax.fill_between(x, q[1], q[3], color=_COLORS[0], alpha=0.3, linewidth=0, label="25–75 %")
    ax.plot(x, q[2], color=_COLORS[0], label="median")
    thresholds = sorted({st.threshold for st in s.stages if st.threshold > 0})
    postpones = sorted({st.postpone_below for st in s.stages if st.postpone_below > 0})
    for level in thresholds:
        ax.axhline(level, color=_COLORS[2], linestyle="--", linewidth=1, label="stage threshold")
    for level in postpones:
        ax.axhline(level, color=_COLORS[1], linestyle=":", linewidth=1, label="postpone threshold")
    _deadline_marks(ax, s)
    ax.set_ylim(0, 1)
    _date_axis(ax)
    ax.set_ylabel("readiness")
    ax.set_title(f"Readiness over time, {result.runs} runs of {s.name}", fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend(loc="lower left", fontsize=8, ncols=3)
    return fig


def comparison_figure(comparison: Comparison) -> Figure:
    """Per deadline: both probabilities (left) and the paired difference (right), 95% intervals."""
    fig = _figure(9.0, 5.0)
    left, right = fig.subplots(1, 2, sharey=True)
    diffs = comparison.differences()
    y = np.arange(len(diffs))[::-1]
    labels = [d.deadline.label for d in diffs]
    base_est = comparison.base.deadlines()
    alt_est = comparison.alt.deadlines()
    for offset, est, color, name in (
        (0.12, base_est, _COLORS[0], comparison.base.scenario.name),
        (-0.12, alt_est, _COLORS[1], comparison.alt.scenario.name),
    ):
        p = np.array([e.proportion.estimate for e in est])
        lo = np.array([e.proportion.low for e in est])
        hi = np.array([e.proportion.high for e in est])
        left.errorbar(
            p, y + offset, xerr=[p - lo, hi - p], fmt="o", color=color, capsize=3, label=name
        )
    left.set_xlim(0, 1)
    left.set_yticks(y, labels, fontsize=8)
    left.set_xlabel("P(convened by deadline)")
    left.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.14), ncols=2)
    left.grid(alpha=0.3)
    d = np.array([x.difference.difference for x in diffs])
    lo = np.array([x.difference.low for x in diffs])
    hi = np.array([x.difference.high for x in diffs])
    ulo = np.array([x.difference.unpaired_low for x in diffs])
    uhi = np.array([x.difference.unpaired_high for x in diffs])
    right.errorbar(
        d,
        y - 0.12,
        xerr=[d - ulo, uhi - d],
        fmt="none",
        ecolor="0.6",
        capsize=3,
        label="unpaired interval",
    )
    right.errorbar(
        d,
        y + 0.12,
        xerr=[d - lo, hi - d],
        fmt="o",
        color="black",
        capsize=3,
        label="paired interval (common random numbers)",
    )
    right.axvline(0.0, color="0.4", linewidth=1)
    right.set_xlabel(
        f"difference ({comparison.alt.scenario.name} − {comparison.base.scenario.name})"
    )
    right.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.14), ncols=1)
    right.grid(alpha=0.3)
    fig.suptitle(f"{comparison.base.runs} paired runs, seed {comparison.base.seed}", fontsize=10)
    return fig


def save_figure(fig: Figure, path: str | os.PathLike[str], dpi: int = 150) -> None:
    """Write a figure as PNG, atomically."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    atomic_write_bytes(path, buffer.getvalue())
