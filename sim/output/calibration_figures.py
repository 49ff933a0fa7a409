"""Figures of a calibration: prior against posterior, and the posterior predictive check.

Drawn with matplotlib's object API (no pyplot state); :func:`~sim.output.figures.save_figure`
writes them atomically.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from sim.experiments.calibrate import CalibrationResult, PredictiveCheck

__all__ = ["posterior_figure", "predictive_figure"]

_PRIOR = "#9a9a9a"
_POSTERIOR = "#1f4e79"
_OBSERVED = "#c0504d"


def posterior_figure(result: CalibrationResult) -> Figure:
    """One panel per parameter: the prior's density and the posterior's weighted histogram.

    A loguniform prior is drawn on a logarithmic axis, where it is flat.
    """
    from matplotlib.figure import Figure

    priors = result.priors
    cols = min(3, len(priors))
    rows = math.ceil(len(priors) / cols)
    fig = Figure(figsize=(4.2 * cols, 3.2 * rows), layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False)
    q = result.posterior.quantiles([0.05, 0.5, 0.95])
    for j, prior in enumerate(priors):
        ax = axes[j // cols][j % cols]
        values = result.posterior.values[:, j]
        log = prior.prior == "loguniform"
        if log:
            edges = np.logspace(math.log10(prior.low), math.log10(prior.high), 31)
            ax.set_xscale("log")
            # Density per unit of log10(x), so that the loguniform prior is flat.
            widths = np.diff(np.log10(edges))
            prior_density = 1.0 / (math.log10(prior.high) - math.log10(prior.low))
        else:
            edges = np.linspace(prior.low, prior.high, 31)
            widths = np.diff(edges)
            prior_density = 1.0 / (prior.high - prior.low)
        counts, _ = np.histogram(values, bins=edges, weights=result.posterior.weights)
        density = counts / widths
        ax.stairs(density, edges, fill=True, color=_POSTERIOR, alpha=0.55, label="posterior")
        ax.hlines(prior_density, prior.low, prior.high, color=_PRIOR, lw=2, label="prior")
        ax.axvline(q[1, j], color=_POSTERIOR, lw=1.5)
        ax.axvspan(q[0, j], q[2, j], color=_POSTERIOR, alpha=0.08)
        ax.set_title(prior.id, fontsize=10)
        ax.set_xlabel(
            f"{prior.key}\nmedian {q[1, j]:.3g}, 90% {q[0, j]:.3g} to {q[2, j]:.3g}", fontsize=8
        )
        ax.set_ylabel("density" + (" per log10 unit" if log else ""), fontsize=8)
        ax.set_xlim(prior.low, prior.high)
        if log:
            from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

            ax.xaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
            ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _pos: f"{x:g}"))
            ax.xaxis.set_minor_formatter(NullFormatter())
        if j == 0:
            ax.legend(fontsize=8, frameon=False)
    for k in range(len(priors), rows * cols):
        axes[k // cols][k % cols].set_visible(False)
    gens = len(result.generations)
    fig.suptitle(
        f"{result.scenario.name}: prior and posterior, record to {result.until} "
        f"({gens} generation{'s' if gens != 1 else ''} of {result.settings.population})",
        fontsize=11,
    )
    return fig


def predictive_figure(check: PredictiveCheck, title: str, level: float = 0.90) -> Figure:
    """Each statistic's observed value against its posterior predictive distribution.

    Statistics have different units (counts, days, 0/1), so each row is drawn on the scale
    of its predictive percentile: the observed value's percentile (a dot) against the
    central ``level`` band (shaded), labelled with the values themselves.
    """
    from matplotlib.figure import Figure

    rows = check.rows(level)
    n = len(rows)
    fig = Figure(figsize=(9.5, 1.6 + 0.24 * n), layout="constrained")
    ax = fig.subplots()
    tail = (1.0 - level) / 2.0
    ax.axvspan(
        100 * tail,
        100 * (1 - tail),
        color=_POSTERIOR,
        alpha=0.10,
        label=f"central {level:.0%} of the simulations",
    )
    ax.axvline(50, color=_POSTERIOR, lw=0.8, alpha=0.6)
    y = np.arange(n)[::-1]
    pct = np.array([100 * r["percentile"] for r in rows])
    inside = np.array([r["inside"] for r in rows])
    ax.scatter(pct[inside], y[inside], color=_POSTERIOR, s=18, zorder=3, label="observed, inside")
    ax.scatter(
        pct[~inside],
        y[~inside],
        color=_OBSERVED,
        s=26,
        marker="D",
        zorder=3,
        label="observed, outside",
    )
    ax.set_yticks(y)
    ax.set_yticklabels([r["statistic"] for r in rows], fontsize=7)
    ax.set_xlim(-2, 102)
    ax.set_ylim(-1, n)
    ax.set_xlabel("predictive percentile of the observed value (%)")
    for yi, r in zip(y, rows, strict=True):
        ax.text(
            103,
            yi,
            f"obs {r['observed']:.3g}  ({r['low']:.3g} to {r['high']:.3g})",
            fontsize=6.5,
            va="center",
            clip_on=False,
        )
    ax.legend(fontsize=7, loc="lower center", bbox_to_anchor=(0.5, 1.0), frameon=False, ncols=3)
    outside = int((~inside).sum())
    fig.suptitle(
        f"{title}: {n - outside} of {n} observed values inside the {level:.0%} band", fontsize=10
    )
    return fig
