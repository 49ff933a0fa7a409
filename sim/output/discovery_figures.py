"""Figures of scenario discovery (PRIM) and of custom outcomes, with matplotlib's object API.

* :func:`tradeoff_figure` (``discovery_tradeoff.png``): the peeling trajectory, coverage
  against density, each box coloured by how many parameters it restricts, the chosen box
  ringed and the density threshold dashed;
* :func:`box_figure` (``discovery_box.png``): the chosen box's limits on each parameter it
  restricts, within the parameter's swept range, with the quasi-p value of each limit;
* :func:`custom_outcomes_figure` (``custom_outcomes.png``): custom outcomes of a Monte Carlo
  result with their 95% intervals, one panel per outcome;
* :func:`sweep_custom_figure` (``sweep_custom_<k>.png``): one custom outcome over a sweep's
  points, against its parameter with 95% interval bars (one parameter) or as coloured points
  over the first two parameters (cividis, readable in grey too).

Every function draws on ``ax`` when given one (a figure of the caller's) and otherwise on a new
figure, and returns the figure. Colours are from the Okabe-Ito palette (safe for the common
kinds of colour blindness); text is plain (no mathtext: ``$`` in a name is shown as it is).
matplotlib is imported only when a figure is drawn.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from sim.output.figures import save_figure

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from sim.experiments.custom import CustomEstimate
    from sim.experiments.discovery import Discovery
    from sim.experiments.sweep import SweepResult

__all__ = [
    "OKABE_ITO",
    "box_figure",
    "custom_outcomes_figure",
    "sweep_custom_figure",
    "tradeoff_figure",
    "write_discovery_figures",
    "write_sweep_custom_figures",
]

OKABE_ITO = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#D55E00",  # vermillion
    "#F0E442",  # yellow
    "#000000",  # black
)
"""Okabe and Ito's colour-blind-safe palette."""


def _axes(ax: Axes | None, width: float = 7.0, height: float = 4.5) -> Axes:
    if ax is not None:
        return ax
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained").add_subplot()


def _figure_of(ax: Axes) -> Figure:
    fig = ax.get_figure()
    assert fig is not None
    return fig  # type: ignore[return-value]


def _fmt(value: float) -> str:
    return f"{value:.3g}"


def tradeoff_figure(discovery: Discovery, ax: Axes | None = None) -> Figure:
    """Coverage against density along PRIM's peeling trajectory.

    Parameters
    ----------
    discovery : Discovery
        What :func:`~sim.experiments.discovery.discover` found.
    ax : matplotlib.axes.Axes, optional
        Where to draw (default: a new figure).

    Returns
    -------
    matplotlib.figure.Figure
        The figure drawn on.
    """
    ax = _axes(ax)
    trajectory = discovery.trajectory
    levels = sorted({p.restricted for p in trajectory})
    for n, level in enumerate(levels):
        boxes = [p for p in trajectory if p.restricted == level]
        ax.scatter(
            [p.coverage for p in boxes],
            [p.density for p in boxes],
            color=OKABE_ITO[n % len(OKABE_ITO)],
            marker="os^Dv<>p"[n % 8],
            s=36,
            label=f"{level} parameter{'s' if level != 1 else ''} restricted",
            zorder=3,
        )
    ax.plot(
        [p.coverage for p in trajectory],
        [p.density for p in trajectory],
        color="#999999",
        linewidth=0.8,
        zorder=2,
    )
    chosen = discovery.box
    ax.scatter(
        [chosen.coverage],
        [chosen.density],
        s=220,
        facecolors="none",
        edgecolors="#000000",
        linewidths=1.5,
        zorder=4,
        label=f"chosen box ({discovery.chosen})",
    )
    ax.annotate(
        f"box {discovery.chosen}: coverage {chosen.coverage:.2f}, density {chosen.density:.2f}",
        (chosen.coverage, chosen.density),
        xytext=(-12, -18),
        textcoords="offset points",
        ha="right",
        fontsize=8,
        parse_math=False,
    )
    ax.axhline(
        discovery.density_threshold,
        color="#555555",
        linestyle="--",
        linewidth=1,
        label=f"density threshold {discovery.density_threshold:g}",
    )
    ax.set_xlim(0, 1.05)
    ax.set_ylim(0, 1.05)
    ax.set_xlabel("coverage (share of the cases of interest inside the box)")
    ax.set_ylabel("density (share of the box that are cases of interest)")
    ax.set_title(f"PRIM peeling trajectory: {discovery.describe()}", fontsize=9, parse_math=False)
    ax.grid(alpha=0.3)
    ax.legend(loc="lower left", fontsize=8)
    return _figure_of(ax)


def box_figure(discovery: Discovery, ax: Axes | None = None) -> Figure:
    """The chosen box's limits on each parameter it restricts, within its swept range.

    Each parameter's swept range is scaled to 0..1 (its bounds written at the ends); the box's
    part is the coloured bar, its limits written beside it with their quasi-p values (small is
    significant). A choice parameter lists the values the box keeps.

    Parameters
    ----------
    discovery : Discovery
        What :func:`~sim.experiments.discovery.discover` found.
    ax : matplotlib.axes.Axes, optional
        Where to draw (default: a new figure).

    Returns
    -------
    matplotlib.figure.Figure
        The figure drawn on.
    """
    limits = discovery.limits
    ax = _axes(ax, 8.0, 1.2 + 0.7 * max(len(limits), 1))
    if not limits:
        ax.text(
            0.5,
            0.5,
            "the chosen box restricts no parameter",
            ha="center",
            va="center",
            parse_math=False,
        )
        ax.set_axis_off()
        return _figure_of(ax)
    for row, limit in enumerate(reversed(limits)):
        ax.barh(row, 1.0, left=0.0, height=0.5, color="#dddddd", zorder=1)
        if limit.values:
            text = "keeps " + ", ".join(str(v) for v in limit.values)
            ax.barh(row, 1.0, left=0.0, height=0.5, color=OKABE_ITO[0], alpha=0.6, zorder=2)
            ax.text(0.5, row, text, ha="center", va="center", fontsize=8, parse_math=False)
            continue
        span = limit.full_high - limit.full_low or 1.0
        low = (limit.low - limit.full_low) / span
        high = (limit.high - limit.full_low) / span
        ax.barh(row, high - low, left=low, height=0.5, color=OKABE_ITO[0], zorder=2)
        ax.text(-0.02, row, _fmt(limit.full_low), ha="right", va="center", fontsize=8)
        ax.text(1.02, row, _fmt(limit.full_high), ha="left", va="center", fontsize=8)
        for x, value, qp, side in (
            (low, limit.low, limit.qp_low, "right"),
            (high, limit.high, limit.qp_high, "left"),
        ):
            if qp is None:
                continue
            ax.text(
                x + (-0.01 if side == "right" else 0.01),
                row + 0.38,
                f"{_fmt(value)} (qp {qp:.2g})",
                ha=side,
                va="center",
                fontsize=8,
                parse_math=False,
            )
    ax.set_yticks(range(len(limits)), [lim.key for lim in reversed(limits)])
    for label in ax.get_yticklabels():
        label.set_parse_math(False)
    ax.set_xlim(-0.15, 1.15)
    ax.set_ylim(-0.6, len(limits) - 0.2)
    ax.set_xticks([0, 0.5, 1], ["low end", "middle", "high end"])
    ax.set_xlabel("position within the swept range (quasi-p value of each limit in brackets)")
    box = discovery.box
    ax.set_title(
        f"Box {discovery.chosen}: coverage {box.coverage:.2f}, density {box.density:.2f}, "
        f"{box.points} of {discovery.points} points",
        fontsize=9,
        parse_math=False,
    )
    return _figure_of(ax)


def write_discovery_figures(discovery: Discovery, folder: str | os.PathLike[str]) -> list[Path]:
    """Write ``discovery_tradeoff.png`` and ``discovery_box.png`` in ``folder``.

    Returns
    -------
    list of pathlib.Path
        The files written.
    """
    out = Path(folder)
    written = [out / "discovery_tradeoff.png", out / "discovery_box.png"]
    save_figure(tradeoff_figure(discovery), written[0])
    save_figure(box_figure(discovery), written[1])
    return written


def custom_outcomes_figure(
    estimates: Sequence[CustomEstimate], ax: Axes | None = None, title: str = ""
) -> Figure:
    """Custom outcomes with their 95% intervals: proportions in one panel, each number in its own.

    Parameters
    ----------
    estimates : sequence of CustomEstimate
        E.g. ``MonteCarloResult.custom()``.
    ax : matplotlib.axes.Axes, optional
        Where to draw the proportions when there are no numbers, or the only number when there
        are no proportions; otherwise a new figure is made (the panels need their own axes).
    title : str
        A title above the figure.

    Returns
    -------
    matplotlib.figure.Figure
        The figure drawn on.
    """
    booleans = [e for e in estimates if e.kind == "boolean"]
    numbers = [e for e in estimates if e.kind == "number"]
    panels = (1 if booleans else 0) + len(numbers)
    if ax is not None and panels == 1:
        axes = [ax]
    else:
        from matplotlib.figure import Figure

        fig = Figure(
            figsize=(7.0, 1.0 + 0.9 * max(len(booleans), 1) + 1.1 * len(numbers)),
            layout="constrained",
        )
        heights = ([max(len(booleans), 1)] if booleans else []) + [1] * len(numbers)
        axes = list(
            fig.subplots(
                max(panels, 1), 1, squeeze=False, gridspec_kw={"height_ratios": heights or [1]}
            )[:, 0]
        )
    index = 0
    if booleans:
        panel = axes[index]
        index += 1
        for row, e in enumerate(reversed(booleans)):
            _interval(panel, row, e, OKABE_ITO[0])
        panel.set_yticks(range(len(booleans)), [e.name for e in reversed(booleans)])
        panel.set_xlim(-0.02, 1.06)
        panel.set_ylim(-0.6, len(booleans) - 0.4)
        panel.set_xlabel("share of runs (95% Wilson interval)")
    for e in numbers:
        panel = axes[index]
        index += 1
        _interval(panel, 0, e, OKABE_ITO[1])
        panel.set_yticks([0], [e.name])
        panel.set_ylim(-0.6, 0.6)
        median = "" if e.median is None else f"; median {_fmt(e.median)}"
        panel.set_xlabel(
            f"mean (95% t interval) over {e.n} of {e.runs} runs{median}", parse_math=False
        )
    for panel in axes:
        for label in panel.get_yticklabels():
            label.set_parse_math(False)
        panel.grid(axis="x", alpha=0.3)
    fig = _figure_of(axes[0])
    if title:
        fig.suptitle(title, fontsize=10, parse_math=False)
    return fig


def _interval(ax: Axes, row: int, e: CustomEstimate, colour: str) -> None:
    if math.isnan(e.estimate):
        ax.text(
            0.5,
            row,
            "undefined in every run",
            transform=ax.get_yaxis_transform(),
            ha="center",
            va="center",
            fontsize=8,
        )
        return
    if not math.isnan(e.low):
        ax.plot([e.low, e.high], [row, row], color=colour, linewidth=2)
    ax.plot([e.estimate], [row], "o", color=colour)
    ax.annotate(
        _fmt(e.estimate),
        (e.estimate, row),
        xytext=(0, 7),
        textcoords="offset points",
        ha="center",
        fontsize=8,
    )


def _numeric(values: Sequence[object]) -> bool:
    return all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)


def sweep_custom_figure(result: SweepResult, name: str, ax: Axes | None = None) -> Figure:
    """One custom outcome over a sweep's points.

    With one numeric parameter: the estimate at each point against the parameter, with its
    95% interval as a bar. Otherwise: the points over the first two parameters, coloured by
    the estimate (a parameter that is not numeric is drawn at the index of its value).

    Parameters
    ----------
    result : SweepResult
        A sweep with custom outcomes.
    name : str
        The custom outcome.
    ax : matplotlib.axes.Axes, optional
        Where to draw (default: a new figure).

    Returns
    -------
    matplotlib.figure.Figure
        The figure drawn on.

    Raises
    ------
    KeyError
        If the sweep has no such custom outcome.
    """
    estimates = [result.custom_estimate(i, name) for i in range(len(result.design.points))]
    ax = _axes(ax)
    keys = [p.key for p in result.design.params]
    columns = [[point[k] for point in result.design.points] for k in keys]
    axes_values = [
        [float(v) for v in c]
        if _numeric(c)
        else [float(list(dict.fromkeys(c)).index(v)) for v in c]
        for c in columns
    ]
    kind = estimates[0].kind if estimates else "number"
    what = "share of runs" if kind == "boolean" else "mean"
    method = "95% Wilson" if kind == "boolean" else "95% t"
    if len(keys) == 1:
        order = sorted(range(len(estimates)), key=lambda i: axes_values[0][i])
        x = [axes_values[0][i] for i in order]
        y = [estimates[i].estimate for i in order]
        low = [estimates[i].estimate - estimates[i].low for i in order]
        high = [estimates[i].high - estimates[i].estimate for i in order]
        ax.errorbar(
            x,
            y,
            yerr=[low, high],
            fmt="o-",
            color=OKABE_ITO[0],
            ecolor="#999999",
            capsize=2,
            markersize=4,
        )
        ax.set_xlabel(keys[0], parse_math=False)
        ax.set_ylabel(f"{what} ({method} interval)")
    else:
        second = axes_values[1]
        points = ax.scatter(
            axes_values[0],
            second,
            c=[e.estimate for e in estimates],
            cmap="cividis",
            s=40,
            edgecolors="#333333",
            linewidths=0.4,
        )
        colourbar = _figure_of(ax).colorbar(points, ax=ax)
        colourbar.set_label(what)
        ax.set_xlabel(keys[0], parse_math=False)
        ax.set_ylabel(keys[1], parse_math=False)
    ax.set_title(
        f"{name} over {len(estimates)} points, {result.runs} runs each",
        fontsize=9,
        parse_math=False,
    )
    ax.grid(alpha=0.3)
    return _figure_of(ax)


def write_sweep_custom_figures(result: SweepResult, folder: str | os.PathLike[str]) -> list[Path]:
    """Write ``sweep_custom_<k>.png`` for the ``k``-th custom outcome (from 1), if any.

    Returns
    -------
    list of pathlib.Path
        The files written.
    """
    out = Path(folder)
    written = []
    for k, name in enumerate(result.custom_names, start=1):
        written.append(out / f"sweep_custom_{k}.png")
        save_figure(sweep_custom_figure(result, name), written[-1])
    return written
