"""Figures of sweeps and sensitivity analyses.

Plot functions draw on one matplotlib ``Axes`` (``ax=``, pyplot's current axes
without one) and return it; the ``*_figure`` functions make the figures of a
results folder, and :func:`write_sweep_figures` / :func:`write_sensitivity_figures`
write them (file names: :func:`sweep_figure_names`, :func:`sobol_figure_names`).

* one parameter: P(each deadline's own stage by it) against the parameter,
  with 95% Wilson bands (:func:`plot_sweep`, ``sweep.png``); every deadline
  has its own colour, line style and marker, earlier ones drawn wider, so
  that lines that coincide (two deadlines at 0%) both stay visible, and the
  legend says which coincide;
* two parameters: P(the deadline's stage by it) over both, one heatmap per
  deadline (:func:`plot_sweep_heatmap`, ``sweep_<deadline>.png``), its colour
  scale fitted to the values and the value written on every cell (a grid) or
  beside every point (LHS, Sobol');
* Sobol' indices: first-order and total indices per parameter with 95%
  bootstrap whiskers, one panel per stage and ending of a deadline
  (:func:`plot_sobol`, ``sobol_<deadline>.png``); an output that did not vary
  says that its indices are undefined, and the analysis's notes (too few
  samples, Monte Carlo noise) are printed under the panels.

Sweeps of three parameters or more get no figure (their tables are the result).
Text from scenarios and command lines is drawn as plain text (see
:mod:`sim.output.plotting`).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.experiments.designs import Choice, Range, Scalar
from sim.output.plotting import (
    BLUE,
    VERMILLION,
    axes_or_current,
    legend,
    new_figure,
    plain,
    save_figure,
    series_style,
    text_colour_on,
    without_tex,
    wrap,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.cm import ScalarMappable
    from matplotlib.figure import Figure

    from sim.experiments.sensitivity import SensitivityResult
    from sim.experiments.sweep import SweepResult

__all__ = [
    "plot_sobol",
    "plot_sweep",
    "plot_sweep_heatmap",
    "sobol_figure",
    "sobol_figure_names",
    "sweep_figure_names",
    "sweep_heatmap_figure",
    "sweep_line_figure",
    "write_sensitivity_figures",
    "write_sweep_figures",
]

#: Most points whose values are written beside them on a scatter heatmap.
MAX_WRITTEN_POINTS = 64


def _value(value: Scalar) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def _pct(x: float) -> str:
    return f"{100 * x:.0f}%"


def _subtitle(result: SweepResult) -> str:
    return (
        f"{result.design.kind} design of {len(result.design.points)} points, {result.runs} runs "
        f"each, seed {result.sweep.seed}"
    )


def _own_stage_label(result: SweepResult, j: int) -> str:
    d = result.deadlines[j]
    return result.scenario.stages[result.scenario.deadline_stage(d)].label


def sweep_figure_names(params: int, deadlines: Sequence[str]) -> list[str]:
    """The figures of a sweep of ``params`` parameters: ``sweep.png``, or one per deadline."""
    if params == 1:
        return ["sweep.png"]
    if params == 2:
        return [f"sweep_{d}.png" for d in deadlines]
    return []


def sobol_figure_names(deadlines: Sequence[str]) -> list[str]:
    """The figures of a sensitivity analysis: ``sobol_<deadline>.png`` per deadline."""
    return [f"sobol_{d}.png" for d in deadlines]


def _bands(result: SweepResult) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """P(own stage) per point and deadline, with the Wilson bounds."""
    points = range(len(result.design.points))
    low = np.array([[result.estimate(i, d.id).low for d in result.deadlines] for i in points])
    high = np.array([[result.estimate(i, d.id).high for d in result.deadlines] for i in points])
    share = result.convened / result.runs
    return share, low.reshape(share.shape), high.reshape(share.shape)


def plot_sweep(result: SweepResult, *, ax: Axes | None = None) -> Axes:
    """P(each deadline's own stage by it) against the one parameter of a sweep, 95% bands.

    A range is drawn as lines over the sorted values; a choice as points with
    error bars at its values, in the order they were written. Deadlines whose
    values coincide at every point are drawn one inside the other (the earlier
    wider) and the legend says so.

    Raises
    ------
    ValueError
        If the sweep has more than one parameter.
    """
    params = result.design.params
    if len(params) != 1:
        raise ValueError(f"a line figure needs one parameter, the sweep has {len(params)}")
    ax = axes_or_current(ax)
    param = params[0]
    values = [point[param.key] for point in result.design.points]
    share, low, high = _bands(result)
    count = len(result.deadlines)
    handles: list[Any] = []
    labels: list[str] = []
    several = len({d.stage for d in result.deadlines}) > 1
    for j, d in enumerate(result.deadlines):
        style = series_style(j, count)
        same = [
            str(k + 1)
            for k in range(j)
            if np.array_equal(result.convened[:, k], result.convened[:, j])
        ]
        label = f"{j + 1}  {d.label}"
        if several:
            label += f" ({_own_stage_label(result, j)})"
        if same:
            label += f" — same as {', '.join(same)}"
        if isinstance(param, Range):
            x = np.asarray(values, dtype=np.float64)
            order = np.argsort(x, kind="stable")
            ax.fill_between(
                x[order],
                low[order, j],
                high[order, j],
                color=style["color"],
                alpha=0.08,
                linewidth=0,
            )
            (line,) = ax.plot(
                x[order], share[order, j], markersize=4.5, clip_on=False, zorder=3 + j, **style
            )
            handles.append(line)
        else:
            assert isinstance(param, Choice)
            positions = {v: k for k, v in enumerate(param.values)}
            x = np.array([positions[v] for v in values], dtype=np.float64)
            offset = (j - (count - 1) / 2) * (0.6 / max(count, 1))
            handles.append(
                ax.errorbar(
                    x + offset,
                    share[:, j],
                    yerr=[
                        np.maximum(share[:, j] - low[:, j], 0),
                        np.maximum(high[:, j] - share[:, j], 0),
                    ],
                    fmt=style["marker"],
                    color=style["color"],
                    capsize=3,
                    clip_on=False,
                )
            )
        labels.append(label)
    if isinstance(param, Choice):
        ax.set_xticks(range(len(param.values)), [_value(v) for v in param.values])
        for t in ax.get_xticklabels():
            plain(t)
        ax.set_xlim(-0.5, len(param.values) - 0.5)
    ax.set_ylim(-0.02, 1.02)
    ax.yaxis.set_major_formatter(_percent())
    plain(ax.set_xlabel(param.key))
    plain(ax.set_ylabel("P(the deadline's stage reached by it)"))
    ax.grid(alpha=0.3)
    legend(
        ax,
        handles,
        [wrap(t, 50) for t in labels],
        loc="upper left",
        bbox_to_anchor=(1.02, 1.0),
        fontsize=7.5,
        title="deadlines (bands: 95% Wilson intervals)",
        title_fontsize=7.5,
        frameon=False,
    )
    return ax


@without_tex
def sweep_line_figure(result: SweepResult) -> Figure:
    """``sweep.png``: :func:`plot_sweep` with the scenario and the design in the title."""
    fig = new_figure(10.0, 5.0)
    plot_sweep(result, ax=fig.subplots())
    title = wrap(result.scenario.title, 110) + "\n" + _subtitle(result)
    plain(fig.suptitle(title, fontsize=9.5))
    return fig


def _axis(values: list[Scalar]) -> list[Scalar]:
    """Distinct values in increasing order when numeric, else in order of appearance."""
    distinct = list(dict.fromkeys(values))
    if all(isinstance(v, int | float) and not isinstance(v, bool) for v in distinct):
        return sorted(distinct, key=float)
    return distinct


def _scale(values: np.ndarray) -> tuple[float, float]:
    """A colour scale fitted to the values (widened a little when they are all equal)."""
    low, high = float(np.nanmin(values)), float(np.nanmax(values))
    if high - low < 0.02:
        middle = (low + high) / 2
        low, high = max(0.0, middle - 0.05), min(1.0, middle + 0.05)
        if high - low < 0.1:
            low, high = (0.0, 0.1) if low == 0.0 else (0.9, 1.0)
    return low, high


def plot_sweep_heatmap(result: SweepResult, deadline: str, *, ax: Axes | None = None) -> Axes:
    """P(``deadline``'s own stage by it) over the two parameters of a sweep, values written.

    A grid design is drawn as cells, every cell with its percentage; other
    designs as squares at their points, with the percentage beside each (up to
    :data:`MAX_WRITTEN_POINTS` points). The colour scale runs from the lowest
    value to the highest (a colour bar says which), not over 0–100%.

    Raises
    ------
    ValueError
        If the sweep does not have two parameters.
    KeyError
        If there is no such deadline.

    Returns
    -------
    matplotlib.axes.Axes
        ``ax``; its colour bar is ``ax.collections[0].colorbar`` once a figure
        wrapper has added one (see :func:`sweep_heatmap_figure`).
    """
    params = result.design.params
    if len(params) != 2:
        raise ValueError(f"a heatmap needs two parameters, the sweep has {len(params)}")
    ids = [d.id for d in result.deadlines]
    if deadline not in ids:
        raise KeyError(f"no deadline '{deadline}' (deadlines: {', '.join(ids)})")
    ax = axes_or_current(ax)
    column = ids.index(deadline)
    share = result.convened[:, column] / result.runs
    first, second = params
    xs = [point[first.key] for point in result.design.points]
    ys = [point[second.key] for point in result.design.points]
    low, high = _scale(share)
    cmap = "viridis"
    mesh: ScalarMappable
    if result.design.kind == "grid":
        x_axis, y_axis = _axis(xs), _axis(ys)
        grid = np.full((len(y_axis), len(x_axis)), np.nan)
        for x, y, p in zip(xs, ys, share, strict=True):
            grid[y_axis.index(y), x_axis.index(x)] = p
        mesh = ax.pcolormesh(grid, cmap=cmap, vmin=low, vmax=high)
        ax.set_xticks(np.arange(len(x_axis)) + 0.5, [_value(v) for v in x_axis], fontsize=8)
        ax.set_yticks(np.arange(len(y_axis)) + 0.5, [_value(v) for v in y_axis], fontsize=8)
        size = 7 if max(len(x_axis), len(y_axis)) <= 10 else 5.5
        for (r, c), p in np.ndenumerate(grid):
            if np.isfinite(p):
                cell = ax.text(
                    c + 0.5,
                    r + 0.5,
                    _pct(p),
                    ha="center",
                    va="center",
                    fontsize=size,
                    color=text_colour_on(mesh.to_rgba(p)),
                )
                plain(cell)
    else:

        def coordinate(param: Range | Choice, values: list[Scalar]) -> np.ndarray:
            if isinstance(param, Range):
                return np.asarray(values, dtype=np.float64)
            positions = {v: k for k, v in enumerate(param.values)}
            return np.array([positions[v] for v in values], dtype=np.float64)

        cx, cy = coordinate(first, xs), coordinate(second, ys)
        mesh = ax.scatter(
            cx,
            cy,
            c=share,
            cmap=cmap,
            vmin=low,
            vmax=high,
            s=70,
            marker="s",
            edgecolors="0.3",
            linewidths=0.3,
        )
        if len(share) <= MAX_WRITTEN_POINTS:
            for x, y, p in zip(cx, cy, share, strict=True):
                plain(
                    ax.annotate(
                        _pct(p),
                        (x, y),
                        xytext=(6, 0),
                        textcoords="offset points",
                        fontsize=6.5,
                        va="center",
                        color="0.15",
                    )
                )
        for param, set_ticks in ((first, ax.set_xticks), (second, ax.set_yticks)):
            if isinstance(param, Choice):
                set_ticks(range(len(param.values)), [_value(v) for v in param.values])
    for t in (*ax.get_xticklabels(), *ax.get_yticklabels()):
        plain(t)
    plain(ax.set_xlabel(first.key), ax.set_ylabel(second.key))
    d = result.deadlines[column]
    title = f"{d.label} ({d.date.isoformat()})"
    if float(np.min(share)) == float(np.max(share)):
        title += f": {_pct(float(share[0]))} at every point"
    plain(ax.set_title(wrap(title, 70), fontsize=9))
    return ax


@without_tex
def sweep_heatmap_figure(result: SweepResult, deadline: str) -> Figure:
    """``sweep_<deadline>.png``: :func:`plot_sweep_heatmap` with its colour bar and title."""
    fig = new_figure(7.5, 5.8)
    ax = plot_sweep_heatmap(result, deadline, ax=fig.subplots())
    column = [d.id for d in result.deadlines].index(deadline)
    mesh = ax.collections[0]
    bar = fig.colorbar(mesh, ax=ax, format=_percent())
    stage = _own_stage_label(result, column)
    bar.set_label(wrap(f"P({stage} by the deadline)", 40))
    plain(bar.ax.yaxis.label)
    plain(fig.suptitle(wrap(result.scenario.title, 80) + "\n" + _subtitle(result), fontsize=9))
    return fig


def _notes_for(result: SensitivityResult, output: str) -> list[str]:
    """The notes of the analysis about ``output``, and those about every output."""
    outputs = result.indices.outputs
    found = []
    for note in result.notes:
        named = [o for o in outputs if o in note]
        if not named or output in named:
            found.append(note)
    return found


def _undefined(result: SensitivityResult, i: int) -> bool:
    """Whether output ``i`` did not vary over the evaluations (its indices are then undefined)."""
    if result.variances:
        return result.variances[i] == 0.0
    ix = result.indices
    return bool(
        np.all(ix.first_order[i] == 0)
        and np.all(ix.total[i] == 0)
        and np.all(ix.total_high[i] == 0)
    )


def plot_sobol(
    result: SensitivityResult, output: str, *, ax: Axes | None = None, key: bool = True
) -> Axes:
    """First-order and total Sobol' indices of one output, with 95% bootstrap whiskers.

    ``output`` is ``DEADLINE/OUTCOME``. An output that did not vary over the
    evaluations has no indices: the axes then say so in words instead of
    showing bars at 0. ``key`` adds a legend (first-order, total).

    Raises
    ------
    KeyError
        If there is no such output.
    """
    ix = result.indices
    if output not in ix.outputs:
        raise KeyError(f"no output '{output}' (outputs: {', '.join(ix.outputs)})")
    ax = axes_or_current(ax)
    i = ix.outputs.index(output)
    outcome = output.partition("/")[2]
    names = {s.id: s.label for s in result.scenario.stages}
    names.update({e.id: e.label for e in result.scenario.endings})
    plain(ax.set_title(wrap(f"P({names.get(outcome, outcome)} by it)", 48), fontsize=8.5))
    if _undefined(result, i):
        ax.set_xticks([])
        ax.set_yticks([])
        plain(
            ax.text(
                0.5,
                0.5,
                wrap(
                    f"Did not vary over the {ix.evaluations} evaluations: its Sobol' indices "
                    "are undefined.",
                    36,
                ),
                ha="center",
                va="center",
                fontsize=8,
                transform=ax.transAxes,
            )
        )
        return ax
    x = np.arange(len(ix.params))
    handles = []
    for offset, name, est, low, high, colour, hatch in (
        (-0.18, "first-order", ix.first_order[i], ix.first_low[i], ix.first_high[i], BLUE, None),
        (0.18, "total", ix.total[i], ix.total_low[i], ix.total_high[i], VERMILLION, "//"),
    ):
        handles.append(
            ax.bar(
                x + offset,
                est,
                width=0.36,
                color=colour,
                hatch=hatch,
                edgecolor="white",
                label=name,
            )
        )
        ax.errorbar(
            x + offset,
            est,
            yerr=[np.maximum(est - low, 0.0), np.maximum(high - est, 0.0)],
            fmt="none",
            ecolor="black",
            capsize=3,
            linewidth=1,
        )
    ax.axhline(0.0, color="0.4", linewidth=0.8)
    ax.set_xticks(x, [wrap(p, 22) for p in ix.params], fontsize=7)
    for t in ax.get_xticklabels():
        plain(t)
    lowest = min(float(np.min(ix.first_low[i])), float(np.min(ix.total_low[i])))
    highest = max(float(np.max(ix.first_high[i])), float(np.max(ix.total_high[i])))
    ax.set_ylim(min(-0.05, lowest - 0.05), max(1.05, highest + 0.05))
    plain(ax.set_ylabel("Sobol' index", fontsize=8))
    ax.grid(alpha=0.3, axis="y")
    if key:
        legend(ax, handles, ["first-order", "total"], fontsize=7, loc="best")
    return ax


@without_tex
def sobol_figure(result: SensitivityResult, deadline: str) -> Figure:
    """``sobol_<deadline>.png``: a panel per stage and ending by the deadline, and the notes.

    Raises
    ------
    KeyError
        If there is no such deadline.
    """
    ix = result.indices
    outputs = [o for o in ix.outputs if o.partition("/")[0] == deadline]
    if not outputs:
        known = sorted({o.partition("/")[0] for o in ix.outputs})
        raise KeyError(f"no deadline '{deadline}' (deadlines: {', '.join(known)})")
    columns = min(3, len(outputs))
    rows = -(-len(outputs) // columns)
    panel = max(3.4, 0.9 * len(ix.params) + 1.4)
    width = min(columns * panel + 0.6, 14.0)
    chars = int(width * 15)
    notes = list(dict.fromkeys(n for o in outputs for n in _notes_for(result, o)))
    note_text = "\n".join(wrap(f"Note: {n}", chars) for n in notes)
    note_height = 0.145 * (note_text.count("\n") + 1) if notes else 0.0
    fig = new_figure(width, 3.2 * rows + note_height + 1.2)
    heights = [3.2] * rows + ([note_height] if notes else [])
    grid = fig.add_gridspec(len(heights), columns, height_ratios=heights)
    for k, output in enumerate(outputs):
        plot_sobol(result, output, ax=fig.add_subplot(grid[k // columns, k % columns]), key=False)
    if notes:
        box = fig.add_subplot(grid[-1, :])
        box.set_axis_off()
        plain(box.text(0.0, 1.0, note_text, va="top", ha="left", fontsize=7, color="0.15"))
    from matplotlib.patches import Patch

    handles = [Patch(color=BLUE), Patch(facecolor=VERMILLION, hatch="//", edgecolor="white")]
    key = fig.legend(
        handles,
        ["first-order index", "total index (whiskers: 95% bootstrap intervals)"],
        loc="outside lower center",
        ncols=2,
        fontsize=7.5,
        frameon=False,
    )
    plain(*key.get_texts())
    s = result.sensitivity
    label = next((d.label for d in result.scenario.deadlines if d.id == deadline), deadline)
    title = (
        wrap(result.scenario.title, int(width * 11))
        + "\n"
        + wrap(
            f"Sobol' indices by {label}: N={s.samples}, {ix.evaluations} evaluations of "
            f"{s.runs} runs, seed {s.seed}",
            int(width * 11),
        )
    )
    plain(fig.suptitle(title, fontsize=9))
    return fig


def write_sweep_figures(result: SweepResult, folder: str | os.PathLike[str]) -> list[Path]:
    """Write the figures of a one- or two-parameter sweep (none for more parameters).

    Returns
    -------
    list of pathlib.Path
        The files written (:func:`sweep_figure_names`).
    """
    out = Path(folder)
    ids = [d.id for d in result.deadlines]
    names = sweep_figure_names(len(result.design.params), ids)
    written = []
    for name in names:
        if name == "sweep.png":
            fig = sweep_line_figure(result)
        else:
            fig = sweep_heatmap_figure(result, ids[names.index(name)])
        save_figure(fig, out / name)
        written.append(out / name)
    return written


def write_sensitivity_figures(
    result: SensitivityResult, folder: str | os.PathLike[str]
) -> list[Path]:
    """Write ``sobol_<deadline>.png`` for every deadline (:func:`sobol_figure_names`).

    Returns
    -------
    list of pathlib.Path
        The files written.
    """
    out = Path(folder)
    ids = [d.id for d in result.scenario.deadlines]
    written = []
    for deadline, name in zip(ids, sobol_figure_names(ids), strict=True):
        save_figure(sobol_figure(result, deadline), out / name)
        written.append(out / name)
    return written


def _percent() -> Any:
    from matplotlib.ticker import PercentFormatter

    return PercentFormatter(xmax=1.0, decimals=0)
