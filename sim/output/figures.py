"""Figures of runs and comparisons, for slides, papers and reports.

Plot functions draw on one matplotlib ``Axes`` (``ax=``, pyplot's current
axes without one) and return it; the ``*_figure`` functions lay several of
them out on a new figure for the results folders (``outcomes.png``,
``readiness_fan.png``, ``comparison.png``), and :func:`save_figure` writes one
atomically. What they share (palette, plain text, date axes, deadline marks)
is in :mod:`sim.output.plotting`.

=====================================  ==================================================
function                               what it shows
=====================================  ==================================================
:func:`plot_stages`                    P(each stage reached by each date): Kaplan–Meier
                                       curves with 95% bands, and each deadline's own
                                       stage at its date (95% Wilson interval)
:func:`plot_outcome_stack`             the last stage and each ending by each date,
                                       stacked with "still open": they add up to 100%
:func:`plot_readiness_fan`             readiness of the runs still going: median, 25–75%
                                       and 5–95%; the stage and postponement thresholds
:func:`plot_runs_going`                the share of runs still going, by date
:func:`plot_comparison_probabilities`  both scenarios at each deadline, 95% intervals
:func:`plot_comparison_differences`    the paired difference at each deadline, in
                                       percentage points, paired and unpaired intervals
=====================================  ==================================================
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.output.plotting import (
    BLACK,
    BLUE,
    GREEN,
    GREY,
    ORANGE,
    PURPLE,
    SKY,
    VERMILLION,
    YELLOW,
    DeadlineMark,
    axes_or_current,
    date_axis,
    date_number,
    deadline_key,
    key_lines,
    legend,
    mark_deadlines,
    new_figure,
    plain,
    save_figure,
    scenario_title,
    without_tex,
    wrap,
)

if TYPE_CHECKING:
    from matplotlib.artist import Artist
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from sim.experiments.compare import Comparison
    from sim.experiments.montecarlo import MonteCarloResult
    from sim.scenario.schema import Scenario

__all__ = [
    "MIN_RUNS_GOING",
    "comparison_figure",
    "deadline_marks",
    "outcome_shares",
    "outcomes_figure",
    "plot_comparison_differences",
    "plot_comparison_probabilities",
    "plot_outcome_stack",
    "plot_readiness_fan",
    "plot_runs_going",
    "plot_stages",
    "readiness_fan_figure",
    "save_figure",
    "stage_style",
]

#: Characters per line of a deadline key's column.
KEY_WIDTH = 66

#: Fewest runs still going for which the readiness fan is drawn (quantiles of fewer are noise).
MIN_RUNS_GOING = 20

# Stages: the last one solid blue; earlier ones other colours, each with its own dashes.
_EARLY_STAGES: tuple[tuple[str, Any], ...] = (
    (SKY, "--"),
    (GREEN, "-."),
    (BLACK, ":"),
    (PURPLE, (0, (5, 1, 1, 1, 1, 1))),
    (YELLOW, (0, (1, 3))),
)
_ENDINGS = (VERMILLION, ORANGE, PURPLE, YELLOW, BLACK)


def stage_style(index: int, count: int) -> dict[str, Any]:
    """Colour, line style and width of stage ``index`` of ``count`` (the last is solid blue)."""
    if index == count - 1:
        return {"color": BLUE, "linestyle": "-", "linewidth": 2.0}
    colour, style = _EARLY_STAGES[index % len(_EARLY_STAGES)]
    return {"color": colour, "linestyle": style, "linewidth": 1.5}


def _dates(scenario: Scenario, days: np.ndarray) -> np.ndarray:
    """Days since the start as datetime64 values (minute resolution)."""
    minutes = np.rint(np.asarray(days, dtype=float) * 1440.0).astype("timedelta64[m]")
    return np.datetime64(scenario.start, "m") + minutes


def _span(ax: Axes, scenario: Scenario) -> None:
    ax.set_xlim(date_number(scenario.start), date_number(scenario.horizon))
    date_axis(ax)


def _record(ax: Axes, scenario: Scenario) -> Artist | None:
    """Shade the time before the forecast origin (the record), if there is one."""
    if scenario.as_of_day <= 0:
        return None
    span: Artist = ax.axvspan(
        date_number(scenario.start), date_number(scenario.as_of), color="0.93", zorder=0
    )
    return span


def deadline_marks(result: MonteCarloResult) -> list[DeadlineMark]:
    """The deadlines as figures number them, with the stage each is for and any extension."""
    s = result.scenario
    several = len({d.stage for d in s.deadlines}) > 1
    marks = []
    for k, e in enumerate(result.deadlines(), start=1):
        notes = []
        if several:
            notes.append(f"for: {e.stage_estimate.label}")
        if e.from_record:
            notes.append("before the forecast origin (record)")
        if e.moved.estimate > 0:
            when = s.date_of(e.final_day).isoformat()
            notes.append(f"extended in {100 * e.moved.estimate:.0f}% of runs (median {when})")
        marks.append(DeadlineMark(k, e.deadline.date, e.deadline.label, "; ".join(notes)))
    return marks


def plot_stages(
    results: MonteCarloResult | Sequence[MonteCarloResult],
    names: Sequence[str] | None = None,
    *,
    ax: Axes | None = None,
    numbers: bool = True,
) -> Axes:
    """P(each stage reached by each date), with each deadline's estimate at its date.

    Each stage is a Kaplan–Meier curve with its 95% band (only the horizon
    censors: a run that ended another way never reaches the stage). A dot with
    a bar is P(the deadline's own stage by the deadline's date) with its 95%
    Wilson interval; a deadline that some runs extended is drawn at its
    original date (the tables also give P by the date as extended). The time
    before the forecast origin (the record) is shaded; deadlines are dotted
    lines, numbered above the axes when ``numbers`` is true (see
    :func:`~sim.output.plotting.deadline_key`).

    Parameters
    ----------
    results
        One result, or several of scenarios with the same stages and
        deadlines (a baseline and an alternative): drawn solid, dashed, ...
    names
        What to call each result in the legend (default: the scenarios' names).
    ax
        Where to draw (default: pyplot's current axes).
    numbers
        Number the deadlines above the axes.

    Returns
    -------
    matplotlib.axes.Axes
        ``ax``, with a legend of the stages (and of the results, if several)
        outside it, to the right.
    """
    ax = axes_or_current(ax)
    many = list(results) if isinstance(results, Sequence) else [results]
    s = many[0].scenario
    labels = list(names) if names is not None else [r.scenario.name for r in many]
    _span(ax, s)
    record = _record(ax, s)
    handles: list[Artist] = []
    texts: list[str] = []
    count = len(s.stages)
    for i, r in enumerate(many):
        for k in range(count):
            style = stage_style(k, count)
            if len(many) > 1:
                style["linestyle"] = ("-", "--", ":")[i % 3]
            curve = r.survival(k)
            horizon = float(r.scenario.horizon_day)
            last = curve.cdf[-1] if len(curve.cdf) else 0.0
            days = np.concatenate([[0.0], curve.days, [horizon]])
            x = _dates(r.scenario, days)
            cdf = np.concatenate([[0.0], curve.cdf, [last]])
            (line,) = ax.step(x, cdf, where="post", **style)
            low = np.concatenate(
                [[0.0], curve.cdf_low, [curve.cdf_low[-1] if len(curve.cdf) else 0]]
            )
            high = np.concatenate(
                [[0.0], curve.cdf_high, [curve.cdf_high[-1] if len(curve.cdf) else 0]]
            )
            ax.fill_between(
                x, low, high, step="post", color=style["color"], alpha=0.14, linewidth=0
            )
            if i == 0:
                handles.append(line)
                texts.append(s.stages[k].label)
        estimates = r.deadlines()
        for e in estimates:
            if e.from_record:  # the record decided it: no estimate to show
                continue
            p = e.original
            style = stage_style(e.stage, count)
            ax.errorbar(
                [date_number(e.deadline.date)],
                [p.estimate],
                yerr=[[p.estimate - p.low], [p.high - p.estimate]],
                fmt="o" if i == 0 else "s",
                color=style["color"],
                markerfacecolor=style["color"] if i == 0 else "white",
                markersize=4.5,
                capsize=3,
                linewidth=1,
                clip_on=False,
                zorder=4,
            )
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    handles.append(Line2D([], [], color="0.3", marker="o", linestyle="none", markersize=4.5))
    texts.append("a deadline's own stage by its date (95% interval)")
    if len(many) > 1:
        for i, name in enumerate(labels):
            handles.append(Line2D([], [], color="0.3", linestyle=("-", "--", ":")[i % 3]))
            texts.append(name)
    if record is not None:
        handles.append(Patch(color="0.93"))
        texts.append(f"the record, up to the forecast origin ({s.as_of.isoformat()})")
    ax.set_ylim(0.0, 1.0)
    ax.yaxis.set_major_formatter(_percent())
    plain(ax.set_ylabel("share of runs that reached the stage"))
    ax.grid(alpha=0.3)
    mark_deadlines(ax, deadline_marks(many[0]), numbers)
    legend(
        ax,
        handles,
        [wrap(t, 46) for t in texts],
        loc="upper left",
        bbox_to_anchor=(1.02, 1.0),
        fontsize=7.5,
        title="stages (shaded: 95% band)",
        title_fontsize=7.5,
        frameon=False,
    )
    return ax


def outcome_shares(result: MonteCarloResult, days: np.ndarray) -> dict[str, np.ndarray]:
    """The shares of runs, by each day, at the last stage, ended by each ending, still open.

    Competing risks: a run is in exactly one of them on every day, so the
    shares add up to 1. Keys: the last stage's id, each ending's id, then
    ``"still open"``.
    """
    s = result.scenario
    o = result.outcomes
    n = result.runs
    day = np.asarray(days, dtype=float)[:, None]
    shares = {s.stages[-1].id: np.count_nonzero(o.convened_day[None, :] <= day, axis=1) / n}
    for e, ending in enumerate(s.endings):
        ended = (o.ending[None, :] == e) & (o.ending_day[None, :] <= day)
        shares[ending.id] = np.count_nonzero(ended, axis=1) / n
    done = np.count_nonzero(
        (o.convened_day[None, :] <= day)
        | ((o.ending[None, :] >= 0) & (o.ending_day[None, :] <= day)),
        axis=1,
    )
    shares["still open"] = (n - done) / n
    return shares


def plot_outcome_stack(result: MonteCarloResult, *, ax: Axes | None = None) -> Axes:
    """The last stage and each ending by each date, stacked with "still open" up to 100%.

    The negotiation ends one way or another: by its last stage or by an
    alternative ending (a walk-out, a no-deal exit). These are competing
    risks, so on every date the layers (reached, each ending, still open) add
    up to all the runs.

    Parameters
    ----------
    result
        One scenario's runs.
    ax
        Where to draw (default: pyplot's current axes).

    Returns
    -------
    matplotlib.axes.Axes
        ``ax``, with a legend outside it, to the right.
    """
    ax = axes_or_current(ax)
    s = result.scenario
    _span(ax, s)
    _record(ax, s)
    days = np.arange(s.horizon_day + 1, dtype=float)
    shares = outcome_shares(result, days)
    x = _dates(s, days)
    colours = [BLUE, *(_ENDINGS[i % len(_ENDINGS)] for i in range(len(s.endings))), GREY]
    names = [s.stages[-1].label, *(e.label for e in s.endings), "still open"]
    hatches = [
        None,
        *(("//", "\\\\", "..", "xx", "--")[i % 5] for i in range(len(s.endings))),
        None,
    ]
    bottom = np.zeros_like(days)
    handles = []
    for values, colour, hatch in zip(shares.values(), colours, hatches, strict=True):
        top = bottom + values
        handles.append(
            ax.fill_between(
                x,
                bottom,
                top,
                step="post",
                facecolor=colour,
                edgecolor="white" if hatch else colour,
                hatch=hatch,
                linewidth=0,
                alpha=0.9,
            )
        )
        bottom = top
    ax.set_ylim(0.0, 1.0)
    ax.yaxis.set_major_formatter(_percent())
    plain(ax.set_ylabel("share of runs"))
    ax.grid(alpha=0.3, axis="y")
    mark_deadlines(ax, deadline_marks(result), numbers=False)
    legend(
        ax,
        handles[::-1],
        [wrap(t, 46) for t in names[::-1]],
        loc="upper left",
        bbox_to_anchor=(1.02, 1.0),
        fontsize=7.5,
        title="how the runs stand (adds up to 100%)",
        title_fontsize=7.5,
        frameon=False,
    )
    return ax


@without_tex
def outcomes_figure(
    results: Sequence[MonteCarloResult], names: Sequence[str] | None = None
) -> Figure:
    """Every stage by date (top), the stacked ends of each result (below), and the deadline key.

    Parameters
    ----------
    results
        One result, or a baseline and an alternative.
    names
        What to call each result (default: the scenarios' names).

    Returns
    -------
    matplotlib.figure.Figure
        ``outcomes.png`` of a results folder.
    """
    labels = list(names) if names is not None else [r.scenario.name for r in results]
    marks = deadline_marks(results[0])
    heights = [3.0 if len(results) == 1 else 2.7]
    heights += [1.9 if len(results) == 1 else 1.5] * len(results) + [_key_height(marks)]
    fig = new_figure(11.0, sum(heights) + 0.9)
    grid = fig.add_gridspec(len(heights), 1, height_ratios=heights)
    top = fig.add_subplot(grid[0])
    plot_stages(results, labels, ax=top)
    stacks = []
    for i, r in enumerate(results):
        ax = fig.add_subplot(grid[i + 1], sharex=top)
        plot_outcome_stack(r, ax=ax)
        if len(results) > 1:
            heading = f"{labels[i]}: {scenario_title(r.scenario)}"
            plain(ax.set_title(wrap(heading, 110), fontsize=8.5, loc="left"))
        stacks.append(ax)
    for ax in (top, *stacks[:-1]):
        ax.tick_params(labelbottom=False)
    deadline_key(fig.add_subplot(grid[-1]), marks, KEY_WIDTH)
    s = results[0].scenario
    if len(results) == 1:
        title = wrap(scenario_title(s), 120)
    else:
        title = wrap(f"{labels[1]}: {scenario_title(results[1].scenario)}", 120)
        title += "\n" + wrap(f"{labels[0]}: {scenario_title(s)}", 120)
    what = "paired runs" if len(results) > 1 else "runs"
    title += f"\nHow the runs end: {results[0].runs} {what}, seed {results[0].seed}"
    plain(fig.suptitle(title, fontsize=10))
    return fig


def plot_readiness_fan(result: MonteCarloResult, *, ax: Axes | None = None) -> Axes:
    """Readiness over time of the runs still going: median, 25–75% and 5–95%.

    A run stops counting once it has ended (its last stage reached, or an
    ending): the quantiles are over the runs still going each week, and the
    fan stops where fewer than :data:`MIN_RUNS_GOING` are left. The stage
    thresholds (a stage's readiness to be reached) are dashed, the
    postponement levels dotted, each labelled in the legend with its stage.

    Returns
    -------
    matplotlib.axes.Axes
        ``ax``, with a legend outside it, to the right.
    """
    ax = axes_or_current(ax)
    s = result.scenario
    _span(ax, s)
    _record(ax, s)
    readiness = np.asarray(result.outcomes.readiness, dtype=float)
    grid = np.arange(readiness.shape[1], dtype=float) * 7.0
    x = _dates(s, grid)
    going = np.count_nonzero(~np.isnan(readiness), axis=0)
    enough = going >= MIN_RUNS_GOING
    q = np.full((5, len(grid)), np.nan)
    if enough.any():
        q[:, enough] = np.nanquantile(readiness[:, enough], [0.05, 0.25, 0.5, 0.75, 0.95], axis=0)
    outer = ax.fill_between(x, q[0], q[4], color=BLUE, alpha=0.16, linewidth=0)
    inner = ax.fill_between(x, q[1], q[3], color=BLUE, alpha=0.32, linewidth=0)
    (median,) = ax.plot(x, q[2], color=BLUE, linewidth=1.6)
    handles: list[Artist] = [median, inner, outer]
    texts = ["median", "middle half of the runs (25–75%)", "90% of the runs (5–95%)"]
    levels: dict[tuple[str, float], list[str]] = {}
    for stage in s.stages:
        if stage.threshold > 0:
            levels.setdefault(("reached at", stage.threshold), []).append(stage.label)
        if stage.postpone_below > 0:
            levels.setdefault(("postponed below", stage.postpone_below), []).append(stage.label)
    for (what, level), stages in sorted(levels.items(), key=lambda kv: (kv[0][0], -kv[0][1])):
        dashed = what == "reached at"
        line = ax.axhline(
            level,
            color=BLACK if dashed else VERMILLION,
            linestyle="--" if dashed else ":",
            linewidth=1.3,
        )
        handles.append(line)
        texts.append(f"{what} {level:g}: {'; '.join(stages)}")
    if not enough.all() and enough.any():
        stop = int(np.argmin(enough[int(np.argmax(enough)) :]) + np.argmax(enough))
        if not enough[stop]:
            ax.axvline(date_number(x[stop].astype("datetime64[D]")), color="0.3", linewidth=0.8)
            from matplotlib.lines import Line2D

            handles.append(Line2D([], [], color="0.3", linewidth=0.8))
            texts.append(
                f"from here, fewer than {MIN_RUNS_GOING} runs still going: no fan "
                f"({x[stop].astype('datetime64[D]')})"
            )
    ax.set_ylim(0.0, 1.0)
    plain(ax.set_ylabel("readiness (runs still going)"))
    ax.grid(alpha=0.3)
    mark_deadlines(ax, deadline_marks(result))
    legend(
        ax,
        handles,
        [wrap(t, 46) for t in texts],
        loc="upper left",
        bbox_to_anchor=(1.02, 1.0),
        fontsize=7.5,
        frameon=False,
    )
    return ax


def plot_runs_going(result: MonteCarloResult, *, ax: Axes | None = None) -> Axes:
    """The share of runs still going (neither at their last stage nor ended otherwise), by date.

    Returns
    -------
    matplotlib.axes.Axes
        ``ax``.
    """
    ax = axes_or_current(ax)
    s = result.scenario
    _span(ax, s)
    readiness = np.asarray(result.outcomes.readiness, dtype=float)
    grid = np.arange(readiness.shape[1], dtype=float) * 7.0
    going = np.count_nonzero(~np.isnan(readiness), axis=0) / result.runs
    ax.step(_dates(s, grid), going, where="post", color="0.25", linewidth=1.3)
    ax.set_ylim(0.0, 1.0)
    ax.yaxis.set_major_formatter(_percent())
    plain(ax.set_ylabel(f"still going\n(of {result.runs})", fontsize=8))
    ax.grid(alpha=0.3)
    mark_deadlines(ax, deadline_marks(result), numbers=False)
    return ax


@without_tex
def readiness_fan_figure(result: MonteCarloResult) -> Figure:
    """The readiness fan over the share of runs still going, with the deadline key.

    Returns
    -------
    matplotlib.figure.Figure
        ``readiness_fan.png`` of a results folder.
    """
    marks = deadline_marks(result)
    heights = [3.2, 1.1, _key_height(marks)]
    fig = new_figure(11.0, sum(heights) + 0.8)
    grid = fig.add_gridspec(3, 1, height_ratios=heights)
    top = fig.add_subplot(grid[0])
    plot_readiness_fan(result, ax=top)
    bottom = fig.add_subplot(grid[1], sharex=top)
    plot_runs_going(result, ax=bottom)
    top.tick_params(labelbottom=False)
    deadline_key(fig.add_subplot(grid[2]), marks, KEY_WIDTH)
    title = wrap(scenario_title(result.scenario), 120)
    title += f"\nReadiness of the runs still going: {result.runs} runs, seed {result.seed}"
    plain(fig.suptitle(title, fontsize=10))
    return fig


def _deadline_names(comparison: Comparison) -> list[str]:
    several = len({d.stage for d in comparison.base.scenario.deadlines}) > 1
    names = []
    for d in comparison.differences():
        name = wrap(d.deadline.label, 34)
        if several:
            name += "\n" + wrap(f"({d.outcomes[d.stage].label})", 34)
        names.append(name)
    return names


def plot_comparison_probabilities(comparison: Comparison, *, ax: Axes | None = None) -> Axes:
    """Both scenarios at each deadline: P(its own stage by it), with 95% Wilson intervals.

    Returns
    -------
    matplotlib.axes.Axes
        ``ax``: deadlines down the y axis (the first on top), 0–100% across.
    """
    ax = axes_or_current(ax)
    y = np.arange(len(comparison.base.scenario.deadlines))[::-1].astype(float)
    handles = []
    for offset, result, colour, marker, fill in (
        (0.14, comparison.base, BLUE, "o", True),
        (-0.14, comparison.alt, VERMILLION, "s", False),
    ):
        est = result.deadlines()
        p = np.array([e.proportion.estimate for e in est])
        lo = np.array([e.proportion.low for e in est])
        hi = np.array([e.proportion.high for e in est])
        handles.append(
            ax.errorbar(
                100 * p,
                y + offset,
                xerr=[100 * (p - lo), 100 * (hi - p)],
                fmt=marker,
                color=colour,
                markerfacecolor=colour if fill else "white",
                capsize=3,
                clip_on=False,
                zorder=3,
            )
        )
    ax.set_xlim(-3.0, 103.0)
    ax.set_ylim(-0.6, len(y) - 0.4)
    ax.set_xticks([0, 25, 50, 75, 100], ["0%", "25%", "50%", "75%", "100%"])
    ax.set_yticks(y, _deadline_names(comparison), fontsize=7.5)
    for t in ax.get_yticklabels():
        plain(t)
    plain(ax.set_xlabel("P(the deadline's stage reached by it)"))
    ax.grid(alpha=0.3, axis="x")
    legend(
        ax,
        handles,
        ["baseline", "alternative"],
        loc="upper center",
        bbox_to_anchor=(0.5, -0.12),
        ncols=2,
        fontsize=8,
        frameon=False,
    )
    return ax


def plot_comparison_differences(comparison: Comparison, *, ax: Axes | None = None) -> Axes:
    """The paired difference at each deadline, alternative minus baseline, in percentage points.

    The black bar is the paired 95% interval (Newcombe's method 10), the grey
    bar under it what the interval would be without pairing.

    Returns
    -------
    matplotlib.axes.Axes
        ``ax``: deadlines down the y axis (the first on top), points across,
        with a line at 0.
    """
    ax = axes_or_current(ax)
    diffs = comparison.differences()
    y = np.arange(len(diffs))[::-1].astype(float)
    d = 100 * np.array([x.difference.difference for x in diffs])
    lo = 100 * np.array([x.difference.low for x in diffs])
    hi = 100 * np.array([x.difference.high for x in diffs])
    ulo = 100 * np.array([x.difference.unpaired_low for x in diffs])
    uhi = 100 * np.array([x.difference.unpaired_high for x in diffs])
    unpaired = ax.errorbar(
        d, y - 0.16, xerr=[d - ulo, uhi - d], fmt="none", ecolor="0.6", capsize=3, clip_on=False
    )
    paired = ax.errorbar(
        d, y + 0.12, xerr=[d - lo, hi - d], fmt="o", color=BLACK, capsize=3, clip_on=False, zorder=3
    )
    ax.axvline(0.0, color="0.35", linewidth=1)
    reach = max(1.0, float(np.max(np.abs(np.concatenate([ulo, uhi, lo, hi])))) if len(d) else 1.0)
    ax.set_xlim(-1.08 * reach, 1.08 * reach)
    ax.set_ylim(-0.6, len(y) - 0.4)
    ax.set_yticks(y, _deadline_names(comparison), fontsize=7.5)
    for t in ax.get_yticklabels():
        plain(t)
    plain(ax.set_xlabel("alternative − baseline (percentage points)"))
    ax.grid(alpha=0.3, axis="x")
    legend(
        ax,
        [paired, unpaired],
        ["paired 95% interval (common random numbers)", "unpaired 95% interval"],
        loc="upper center",
        bbox_to_anchor=(0.5, -0.12),
        ncols=1,
        fontsize=8,
        frameon=False,
    )
    return ax


@without_tex
def comparison_figure(comparison: Comparison) -> Figure:
    """Both scenarios at each deadline (left) and the paired difference (right).

    The title names both scenarios by their titles.

    Returns
    -------
    matplotlib.figure.Figure
        ``comparison.png`` of a results folder.
    """
    n = len(comparison.base.scenario.deadlines)
    fig = new_figure(10.0, 2.6 + 0.42 * n)
    left, right = fig.subplots(1, 2, sharey=True, width_ratios=[1.1, 1.0])
    plot_comparison_probabilities(comparison, ax=left)
    plot_comparison_differences(comparison, ax=right)
    right.tick_params(labelleft=False)
    base, alt = comparison.base.scenario, comparison.alt.scenario
    plain(
        fig.suptitle(
            wrap(f"Alternative: {scenario_title(alt)}", 110)
            + "\n"
            + wrap(f"Baseline: {scenario_title(base)}", 110)
            + f"\n{comparison.base.runs} paired runs, seed {comparison.base.seed}",
            fontsize=9.5,
        )
    )
    return fig


def _percent() -> Any:
    """Tick labels 0%, 25%, ... for shares."""
    from matplotlib.ticker import PercentFormatter

    return PercentFormatter(xmax=1.0, decimals=0)


def _key_height(marks: Sequence[DeadlineMark]) -> float:
    """The height in inches of the deadline key under a figure's axes."""
    return key_lines(marks, KEY_WIDTH) * 0.135 + 0.2
