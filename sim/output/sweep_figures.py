"""Figures of sweeps and sensitivity analyses, drawn with matplotlib's object API.

* one parameter: P(convened by each deadline) against it, with 95% interval bands
  (:func:`sweep_line_figure`, ``sweep.png``);
* two parameters: a heatmap of P(convened by the deadline) per deadline
  (:func:`sweep_heatmap_figure`, ``sweep_<deadline>.png``); a grid design is drawn as cells,
  an LHS or Sobol' design as coloured points;
* Sobol' indices: first-order and total indices per parameter with their bootstrap intervals
  as whiskers, one bar chart per deadline (:func:`sobol_bar_figure`, ``sobol_<deadline>.png``).

Sweeps of three parameters or more get no figure (their table is the result). Every figure is
written atomically with :func:`~sim.output.figures.save_figure`; matplotlib is imported only
when a figure is drawn.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from sim.experiments.designs import Choice, Range, Scalar
from sim.output.figures import save_figure

if TYPE_CHECKING:
    from matplotlib.cm import ScalarMappable
    from matplotlib.figure import Figure

    from sim.experiments.sensitivity import SensitivityResult
    from sim.experiments.sweep import SweepResult

__all__ = [
    "sobol_bar_figure",
    "sweep_heatmap_figure",
    "sweep_line_figure",
    "write_sensitivity_figures",
    "write_sweep_figures",
]

_FIRST, _TOTAL = "#1f4e79", "#c0504d"


def _figure(width: float = 8.0, height: float = 4.5) -> Figure:
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


def _label(value: Scalar) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def _title(result: SweepResult) -> str:
    return (
        f"{result.scenario.name}: {result.design.kind} design of {len(result.design.points)} "
        f"points, {result.runs} runs each (seed {result.sweep.seed})"
    )


def sweep_line_figure(result: SweepResult) -> Figure:
    """P(convened by each deadline) against the one parameter of a sweep, with 95% bands.

    A range is drawn as lines over the sorted values; a choice as points with error bars at
    its values, in the order they were written.

    Parameters
    ----------
    result : SweepResult
        A sweep over exactly one parameter.

    Returns
    -------
    matplotlib.figure.Figure
        The figure.

    Raises
    ------
    ValueError
        If the sweep has more than one parameter.
    """
    params = result.design.params
    if len(params) != 1:
        raise ValueError(f"a line figure needs one parameter, the sweep has {len(params)}")
    param = params[0]
    fig = _figure()
    ax = fig.subplots()
    colors = [f"C{i % 10}" for i in range(len(result.deadlines))]
    values = [point[param.key] for point in result.design.points]
    runs = result.runs
    share = result.convened / runs
    low = np.array(
        [[result.estimate(i, d.id).low for d in result.deadlines] for i in range(len(values))]
    ).reshape(share.shape)
    high = np.array(
        [[result.estimate(i, d.id).high for d in result.deadlines] for i in range(len(values))]
    ).reshape(share.shape)
    if isinstance(param, Range):
        x = np.asarray(values, dtype=np.float64)
        order = np.argsort(x, kind="stable")
        for j, d in enumerate(result.deadlines):
            ax.fill_between(
                x[order], low[order, j], high[order, j], color=colors[j], alpha=0.18, linewidth=0
            )
            ax.plot(x[order], share[order, j], marker="o", markersize=3, color=colors[j])
            ax.plot([], [], color=colors[j], label=d.label)
    else:
        assert isinstance(param, Choice)
        positions = {v: k for k, v in enumerate(param.values)}
        x = np.array([positions[v] for v in values], dtype=np.float64)
        width = 0.6 / max(len(result.deadlines), 1)
        for j, d in enumerate(result.deadlines):
            offset = (j - (len(result.deadlines) - 1) / 2) * width
            ax.errorbar(
                x + offset,
                share[:, j],
                yerr=[
                    np.maximum(share[:, j] - low[:, j], 0),
                    np.maximum(high[:, j] - share[:, j], 0),
                ],
                fmt="o",
                color=colors[j],
                capsize=3,
                label=d.label,
            )
        ax.set_xticks(range(len(param.values)), [_label(v) for v in param.values])
    ax.set_ylim(0, 1)
    ax.set_xlabel(param.key)
    ax.set_ylabel("P(convened by deadline)")
    ax.set_title(_title(result) + "; bands: 95% Wilson intervals", fontsize=9)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return fig


def _axis(values: list[Scalar]) -> list[Scalar]:
    """Distinct values in increasing order when numeric, else in order of appearance."""
    distinct = list(dict.fromkeys(values))
    if all(isinstance(v, int | float) and not isinstance(v, bool) for v in distinct):
        return sorted(distinct, key=float)
    return distinct


def sweep_heatmap_figure(result: SweepResult, deadline: str) -> Figure:
    """P(convened by ``deadline``) over the two parameters of a sweep.

    A grid design is drawn as a table of cells (with the percentage written in each when the
    grid is at most 12 by 12); other designs as points coloured by the probability.

    Parameters
    ----------
    result : SweepResult
        A sweep over exactly two parameters.
    deadline : str
        A deadline id.

    Returns
    -------
    matplotlib.figure.Figure
        The figure.

    Raises
    ------
    ValueError
        If the sweep does not have two parameters.
    KeyError
        If there is no such deadline.
    """
    params = result.design.params
    if len(params) != 2:
        raise ValueError(f"a heatmap needs two parameters, the sweep has {len(params)}")
    ids = [d.id for d in result.deadlines]
    if deadline not in ids:
        raise KeyError(f"no deadline '{deadline}' (deadlines: {', '.join(ids)})")
    column = ids.index(deadline)
    label = result.deadlines[column].label
    share = result.convened[:, column] / result.runs
    first, second = params
    xs = [point[first.key] for point in result.design.points]
    ys = [point[second.key] for point in result.design.points]
    fig = _figure(7.0, 5.5)
    ax = fig.subplots()
    cmap = "viridis"
    mesh: ScalarMappable
    if result.design.kind == "grid":
        x_axis, y_axis = _axis(xs), _axis(ys)
        grid = np.full((len(y_axis), len(x_axis)), np.nan)
        for x, y, p in zip(xs, ys, share, strict=True):
            grid[y_axis.index(y), x_axis.index(x)] = p
        mesh = ax.pcolormesh(grid, cmap=cmap, vmin=0.0, vmax=1.0)
        ax.set_xticks(np.arange(len(x_axis)) + 0.5, [_label(v) for v in x_axis], fontsize=8)
        ax.set_yticks(np.arange(len(y_axis)) + 0.5, [_label(v) for v in y_axis], fontsize=8)
        if len(x_axis) <= 12 and len(y_axis) <= 12:
            for (r, c), p in np.ndenumerate(grid):
                if np.isfinite(p):
                    ax.text(
                        c + 0.5,
                        r + 0.5,
                        f"{p:.0%}",
                        ha="center",
                        va="center",
                        fontsize=7,
                        color="white" if p < 0.6 else "black",
                    )
    else:

        def coordinate(param: Range | Choice, values: list[Scalar]) -> np.ndarray:
            if isinstance(param, Range):
                return np.asarray(values, dtype=np.float64)
            positions = {v: k for k, v in enumerate(param.values)}
            return np.array([positions[v] for v in values], dtype=np.float64)

        mesh = ax.scatter(
            coordinate(first, xs),
            coordinate(second, ys),
            c=share,
            cmap=cmap,
            vmin=0.0,
            vmax=1.0,
            s=60,
            marker="s",
            edgecolors="0.3",
            linewidths=0.3,
        )
        for param, set_ticks in ((first, ax.set_xticks), (second, ax.set_yticks)):
            if isinstance(param, Choice):
                set_ticks(range(len(param.values)), [_label(v) for v in param.values])
    fig.colorbar(mesh, ax=ax, label=f"P(convened by {label})")
    ax.set_xlabel(first.key)
    ax.set_ylabel(second.key)
    ax.set_title(f"{label}\n{_title(result)}", fontsize=9)
    return fig


def sobol_bar_figure(result: SensitivityResult, deadline: str) -> Figure:
    """First-order and total Sobol' indices of P(convened by ``deadline``), with intervals.

    Parameters
    ----------
    result : SensitivityResult
        The analysis.
    deadline : str
        A deadline id (an output of the analysis).

    Returns
    -------
    matplotlib.figure.Figure
        Grouped bars per parameter; whiskers are the 95% bootstrap intervals.

    Raises
    ------
    KeyError
        If there is no such deadline.
    """
    ix = result.indices
    if deadline not in ix.outputs:
        raise KeyError(f"no deadline '{deadline}' (deadlines: {', '.join(ix.outputs)})")
    i = ix.outputs.index(deadline)
    labels = {d.id: d.label for d in result.scenario.deadlines}
    fig = _figure(max(5.0, 1.4 * len(ix.params) + 2.5), 4.5)
    ax = fig.subplots()
    x = np.arange(len(ix.params))
    for offset, name, est, low, high, color in (
        (-0.18, "first-order", ix.first_order[i], ix.first_low[i], ix.first_high[i], _FIRST),
        (0.18, "total", ix.total[i], ix.total_low[i], ix.total_high[i], _TOTAL),
    ):
        ax.bar(x + offset, est, width=0.36, color=color, label=name)
        ax.errorbar(
            x + offset,
            est,
            yerr=[np.maximum(est - low, 0.0), np.maximum(high - est, 0.0)],
            fmt="none",
            ecolor="black",
            capsize=4,
            linewidth=1,
        )
    ax.axhline(0.0, color="0.4", linewidth=0.8)
    ax.set_xticks(x, list(ix.params), fontsize=8, rotation=15, ha="right")
    ax.set_ylabel("Sobol' index")
    lowest = min(float(np.min(ix.first_low[i])), float(np.min(ix.total_low[i])))
    highest = max(float(np.max(ix.first_high[i])), float(np.max(ix.total_high[i])))
    ax.set_ylim(min(-0.05, lowest - 0.05), max(1.05, highest + 0.05))
    s = result.sensitivity
    ax.set_title(
        f"P(convened by {labels.get(deadline, deadline)}): Sobol' indices, 95% bootstrap "
        f"intervals\nN={s.samples}, {ix.evaluations} evaluations of {s.runs} runs "
        f"(seed {s.seed})",
        fontsize=9,
    )
    ax.grid(alpha=0.3, axis="y")
    ax.legend(fontsize=8)
    return fig


def write_sweep_figures(result: SweepResult, folder: str | os.PathLike[str]) -> list[Path]:
    """Write the figures of a one- or two-parameter sweep (none for more parameters).

    Returns
    -------
    list of pathlib.Path
        The files written: ``sweep.png`` for one parameter, ``sweep_<deadline>.png`` per
        deadline for two.
    """
    out = Path(folder)
    written: list[Path] = []
    count = len(result.design.params)
    if count == 1:
        written.append(out / "sweep.png")
        save_figure(sweep_line_figure(result), written[-1])
    elif count == 2:
        for d in result.deadlines:
            written.append(out / f"sweep_{d.id}.png")
            save_figure(sweep_heatmap_figure(result, d.id), written[-1])
    return written


def write_sensitivity_figures(
    result: SensitivityResult, folder: str | os.PathLike[str]
) -> list[Path]:
    """Write ``sobol_<deadline>.png`` for every deadline.

    Returns
    -------
    list of pathlib.Path
        The files written.
    """
    out = Path(folder)
    written = []
    for deadline in result.indices.outputs:
        written.append(out / f"sobol_{deadline}.png")
        save_figure(sobol_bar_figure(result, deadline), written[-1])
    return written
