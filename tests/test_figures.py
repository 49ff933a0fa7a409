"""Tests of the figures: what a reader sees, asserted from the drawn artists.

Each figure is drawn on the Agg canvas and its texts measured with the
renderer: every label is there, no text overlaps another, legends sit outside
the plot, the date axis says the year, the stacked ends add up to 100%,
coinciding lines stay visible, heatmaps are scaled to their values and write
them, Sobol' figures carry the analysis's notes and say when an output has no
indices. Labels from scenarios are drawn as plain text: ``$\\undefined$``
neither crashes nor renders as math, whatever ``rcParams`` say. Plot functions
take ``ax=`` and return it.
"""

from __future__ import annotations

import io
import itertools
from collections.abc import Iterator
from pathlib import Path

import matplotlib
import numpy as np
import pytest
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.legend import Legend
from matplotlib.text import Text
from matplotlib.transforms import Bbox

from sim.experiments.compare import Comparison, compare
from sim.experiments.executors import ExecutorSpec
from sim.experiments.montecarlo import MonteCarloResult, run_monte_carlo
from sim.experiments.sensitivity import Sensitivity, SensitivityResult
from sim.experiments.sweep import Sweep, SweepResult
from sim.output.figures import (
    MIN_RUNS_GOING,
    comparison_figure,
    outcome_shares,
    outcomes_figure,
    plot_comparison_differences,
    plot_outcome_stack,
    plot_readiness_fan,
    plot_stages,
    readiness_fan_figure,
)
from sim.output.plotting import all_texts, date_number, save_figure
from sim.output.sweep_figures import (
    plot_sobol,
    plot_sweep,
    plot_sweep_heatmap,
    sobol_figure,
    sweep_heatmap_figure,
    sweep_line_figure,
)
from sim.scenario import Scenario, load_scenario

matplotlib.use("Agg")

ONE = ExecutorSpec(workers=1)
MATH = "$\\undefined$"


def with_math_labels(name: str) -> Scenario:
    """A scenario whose title and every stage, ending and deadline label hold ``$...$``."""
    s = load_scenario(name)
    changes: dict[str, object] = {"title": f"{s.title} {MATH}"}
    for d in s.deadlines:
        changes[f"deadlines.{d.id}.label"] = f"{d.label} {MATH}"
    for e in s.endings:
        changes[f"endings.{e.id}.label"] = f"{e.label} {MATH}"
    if s.convening is None:
        for st in s.stages:
            changes[f"stages.{st.id}.label"] = f"{st.label} {MATH}"
    return load_scenario(name, changes)


@pytest.fixture(scope="module")
def brexit() -> MonteCarloResult:
    return run_monte_carlo(with_math_labels("brexit_withdrawal_2017"), 60, 3, executor=ONE)


@pytest.fixture(scope="module")
def geneva() -> MonteCarloResult:
    return run_monte_carlo(with_math_labels("geneva2_2013"), 60, 1, executor=ONE)


@pytest.fixture(scope="module")
def comparison() -> Comparison:
    return compare(
        load_scenario(), load_scenario("no_embargo_lift"), 60, 0, executor=ExecutorSpec(workers=2)
    )


@pytest.fixture(scope="module")
def sweep() -> SweepResult:
    # Two deadlines before any run can convene coincide at 0% at every point.
    return Sweep(["actors.russia.tempo_days=4:12"], points=3, runs=12).run(ONE)


@pytest.fixture(scope="module")
def sweep2() -> SweepResult:
    params = ["actors.russia.tempo_days=4:12", "world.stance_pull=0.0:2.0"]
    return Sweep(params, points=3, runs=10).run(ONE)


@pytest.fixture(scope="module")
def analysis() -> SensitivityResult:
    params = ["actors.russia.tempo_days=4:12", "world.stance_pull=0.0:2.0"]
    return Sensitivity(params, samples=4, runs=4, seed=2, n_resamples=19).run(ONE)


# -- measuring a drawn figure --------------------------------------------------------------


def draw(fig: Figure) -> FigureCanvasAgg:
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    return canvas


def boxes(fig: Figure) -> list[tuple[Text, Bbox]]:
    renderer = draw(fig).get_renderer()
    return [(t, t.get_window_extent(renderer)) for t in all_texts(fig)]


def overlaps(fig: Figure) -> list[tuple[str, str]]:
    """Pairs of drawn texts whose boxes overlap by more than a pixel."""
    found = []
    for (a, box_a), (b, box_b) in itertools.combinations(boxes(fig), 2):
        inner = Bbox.intersection(box_a, box_b)
        if inner is not None and inner.width > 1 and inner.height > 1:
            found.append((a.get_text()[:40], b.get_text()[:40]))
    return found


def texts(fig: Figure) -> list[str]:
    return [t.get_text() for t in all_texts(fig)]


def joined(fig: Figure) -> str:
    return " ".join(" ".join(t.split()) for t in texts(fig))


def legends(fig: Figure) -> Iterator[Legend]:
    for ax in fig.axes:
        box = ax.get_legend()
        if box is not None:
            yield box


def assert_legends_outside_the_plots(fig: Figure) -> None:
    renderer = draw(fig).get_renderer()
    plots = [ax for ax in fig.axes if ax.axison]
    for box in legends(fig):
        extent = box.get_window_extent(renderer)
        for ax in plots:
            inner = Bbox.intersection(extent, ax.get_window_extent(renderer))
            assert inner is None or inner.width < 1 or inner.height < 1, box.get_texts()[0]


def png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=60)
    return buffer.getvalue()


# -- outcomes ------------------------------------------------------------------------------


@pytest.mark.parametrize("which", ["brexit", "geneva"])
def test_outcomes_figure_labels_every_stage_ending_and_deadline_without_overlap(
    which: str, request: pytest.FixtureRequest
) -> None:
    result: MonteCarloResult = request.getfixturevalue(which)
    fig = outcomes_figure([result])
    s = result.scenario
    words = joined(fig)
    for label in (s.title, *(st.label for st in s.stages), *(e.label for e in s.endings)):
        assert " ".join(label.split()) in words, label
    for d in s.deadlines:
        assert " ".join(d.label.split()) in words or d.label[:30] in words, d.label
    assert overlaps(fig) == []
    assert_legends_outside_the_plots(fig)


def test_the_date_axis_says_the_year_and_spans_the_scenario(brexit: MonteCarloResult) -> None:
    fig = outcomes_figure([brexit])
    draw(fig)
    s = brexit.scenario
    bottom = [ax for ax in fig.axes if ax.axison][-1]
    labels = [t.get_text() for t in bottom.get_xticklabels() if t.get_text()]
    assert any(str(s.start.year) in label for label in labels), labels
    assert any(str(s.horizon.year) in label for label in labels), labels
    assert bottom.get_xlim() == pytest.approx((date_number(s.start), date_number(s.horizon)))
    assert bottom.get_ylim() == (0.0, 1.0)


def test_the_stacked_ends_add_up_to_all_the_runs(brexit: MonteCarloResult) -> None:
    s = brexit.scenario
    days = np.arange(s.horizon_day + 1, dtype=float)
    shares = outcome_shares(brexit, days)
    assert list(shares) == [s.stages[-1].id, *(e.id for e in s.endings), "still open"]
    total = np.sum(list(shares.values()), axis=0)
    np.testing.assert_allclose(total, 1.0)
    assert all((v >= 0).all() for v in shares.values())
    # By the horizon, the layers are where the runs stood.
    _, still_open = brexit.by_horizon()
    assert shares["still open"][-1] == pytest.approx(still_open.estimate)
    # The drawn layers: the top of the last one is 1 everywhere.
    fig = Figure()
    ax = plot_outcome_stack(brexit, ax=fig.add_subplot())
    top = ax.collections[-1].get_paths()[0].vertices[:, 1]
    assert top.max() == pytest.approx(1.0)
    assert len(ax.collections) == len(shares)


def test_stage_curves_and_deadline_dots(brexit: MonteCarloResult) -> None:
    fig = Figure()
    ax = fig.add_subplot()
    assert plot_stages(brexit, ax=ax) is ax
    steps = [line for line in ax.get_lines() if len(line.get_xdata()) > 2]
    assert len(steps) == len(brexit.scenario.stages)
    # Each deadline's dot is its own stage at its original date, drawn unclipped.
    dots = [c for c in ax.containers]
    assert len(dots) == len(brexit.scenario.deadlines)
    for container, e in zip(dots, brexit.deadlines(), strict=True):
        x, y = container.lines[0].get_data()
        assert float(x[0]) == pytest.approx(date_number(e.deadline.date))
        assert float(y[0]) == pytest.approx(e.original.estimate)
        assert container.lines[0].get_clip_on() is False


def test_a_comparison_outcomes_figure_has_both_stacks(comparison: Comparison) -> None:
    fig = outcomes_figure([comparison.base, comparison.alt], ["baseline", "alternative"])
    assert len([ax for ax in fig.axes if ax.axison]) == 3
    words = joined(fig)
    assert "baseline:" in words
    assert "alternative:" in words
    assert overlaps(fig) == []


# -- readiness -----------------------------------------------------------------------------


def test_the_fan_is_of_the_runs_still_going_and_says_so(brexit: MonteCarloResult) -> None:
    fig = readiness_fan_figure(brexit)
    words = joined(fig)
    assert "runs still going" in words
    assert f"fewer than {MIN_RUNS_GOING} runs still going" in words
    assert f"(of {brexit.runs})" in words
    assert overlaps(fig) == []
    assert_legends_outside_the_plots(fig)
    readiness = np.asarray(brexit.outcomes.readiness, dtype=float)
    going = np.count_nonzero(~np.isnan(readiness), axis=0)
    fan = Figure()
    ax = plot_readiness_fan(brexit, ax=fan.add_subplot())
    median = ax.get_lines()[0].get_ydata()
    for k in np.flatnonzero(going >= MIN_RUNS_GOING)[::7]:
        assert median[k] == pytest.approx(np.nanmedian(readiness[:, k]))
    assert np.isnan(np.asarray(median, dtype=float)[going < MIN_RUNS_GOING]).all()


def test_thresholds_differ_in_style_not_only_in_colour(geneva: MonteCarloResult) -> None:
    fig = Figure()
    ax = plot_readiness_fan(geneva, ax=fig.add_subplot())
    levels = [line for line in ax.get_lines() if len(set(line.get_ydata())) == 1]
    styles = {line.get_linestyle() for line in levels}
    assert len(levels) == 2
    assert len(styles) == 2
    colours = {line.get_color() for line in levels}
    assert not {"red", "green", "#ff0000", "#00ff00"} & colours


# -- comparison ----------------------------------------------------------------------------


def test_the_comparison_figure_names_the_scenarios_and_speaks_in_points(
    comparison: Comparison,
) -> None:
    fig = comparison_figure(comparison)
    title = fig.get_suptitle()
    assert comparison.base.scenario.title in " ".join(title.split())
    assert comparison.alt.scenario.title in " ".join(title.split())
    left, right = fig.axes[:2]
    assert "percentage points" in right.get_xlabel()
    low, high = right.get_xlim()
    assert low < 0 < high
    assert low == pytest.approx(-high)
    widest = max(
        abs(100 * x)
        for d in comparison.differences()
        for x in (
            d.difference.low,
            d.difference.high,
            d.difference.unpaired_low,
            d.difference.unpaired_high,
        )
    )
    assert high >= widest
    # Dots at 0% are not cut in half by the axis: the axis starts left of 0 and nothing clips.
    assert left.get_xlim()[0] < 0 < 100 < left.get_xlim()[1]
    assert all(c.lines[0].get_clip_on() is False for c in left.containers)
    labels = [" ".join(t.get_text().split()) for t in left.get_yticklabels()]
    assert labels == [d.label for d in comparison.base.scenario.deadlines]
    assert overlaps(fig) == []
    assert_legends_outside_the_plots(fig)


def test_plot_functions_take_ax_or_use_the_current_axes(comparison: Comparison) -> None:
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    try:
        assert plot_comparison_differences(comparison) is ax
        assert isinstance(plot_stages(comparison.base, ax=fig.add_subplot(2, 1, 2)), Axes)
    finally:
        plt.close(fig)


# -- plain text ----------------------------------------------------------------------------


@pytest.mark.parametrize("usetex", [False, True])
def test_labels_from_scenarios_are_plain_text(
    brexit: MonteCarloResult, usetex: bool, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setitem(matplotlib.rcParams, "text.usetex", usetex)
    for fig in (outcomes_figure([brexit]), readiness_fan_figure(brexit)):
        save_figure(fig, tmp_path / "figure.png")  # no mathtext or TeX error, no LaTeX needed
        assert (tmp_path / "figure.png").read_bytes().startswith(b"\x89PNG")
        drawn = [t for t in all_texts(fig) if MATH in t.get_text()]
        assert drawn, "the labels with $...$ are drawn as written"
        for t in drawn:
            assert t.get_parse_math() is False
            assert t.get_usetex() is False


# -- sweeps and sensitivity ------------------------------------------------------------------


def test_sweep_lines_are_told_apart_and_coinciding_ones_stay_visible(sweep: SweepResult) -> None:
    fig = sweep_line_figure(sweep)
    ax = fig.axes[0]
    lines = [line for line in ax.get_lines() if len(line.get_xdata()) > 1]
    assert len(lines) == len(sweep.deadlines)
    looks = {(line.get_color(), line.get_linestyle(), line.get_marker()) for line in lines}
    assert len(looks) == len(lines)
    widths = [line.get_linewidth() for line in lines]
    assert widths == sorted(widths, reverse=True)
    assert widths[0] > widths[-1]
    legend = ax.get_legend()
    assert legend is not None
    labels = [t.get_text() for t in legend.get_texts()]
    # 'end_of_may' and 'g8_summit' are at 0% at every point: the legend says they coincide.
    assert np.array_equal(sweep.convened[:, 0], sweep.convened[:, 1])
    assert "same as 1" in labels[1]
    for d in sweep.deadlines:
        assert any(d.label in label for label in labels)
    assert ax.get_ylim()[0] < 0 < 1 < ax.get_ylim()[1]
    assert overlaps(fig) == []
    assert_legends_outside_the_plots(fig)


def test_a_heatmap_is_scaled_to_its_values_and_writes_them(sweep2: SweepResult) -> None:
    deadline = "mid_2014"
    fig = sweep_heatmap_figure(sweep2, deadline)
    ax = fig.axes[0]
    mesh = ax.collections[0]
    share = sweep2.convened[:, -1] / sweep2.runs
    low, high = mesh.norm.vmin, mesh.norm.vmax
    assert (low, high) != (0.0, 1.0)
    assert low <= share.min()
    assert high >= share.max()
    written = [t.get_text() for t in ax.texts]
    assert sorted(written) == sorted(f"{100 * p:.0f}%" for p in share)
    assert overlaps(fig) == []
    other = Figure()
    assert plot_sweep_heatmap(sweep2, deadline, ax=other.add_subplot()).figure is other
    with pytest.raises(ValueError, match="one parameter"):
        plot_sweep(sweep2, ax=other.add_subplot())


def test_sobol_figures_carry_the_notes_and_name_undefined_indices(
    analysis: SensitivityResult,
) -> None:
    undefined = sobol_figure(analysis, "end_of_may")
    words = joined(undefined)
    assert words.count("its Sobol' indices are undefined") == len(analysis.scenario.stages)
    assert "Note: N=4 is small" in words
    assert not [ax for ax in undefined.axes if ax.containers]  # no bars at all
    varied = sobol_figure(analysis, "mid_2014")
    words = joined(varied)
    assert "Note: N=4 is small" in words
    for param in analysis.indices.params:
        assert param in words
    assert overlaps(varied) == []
    fig = Figure()
    ax = fig.add_subplot()
    assert plot_sobol(analysis, "mid_2014/convened", ax=ax) is ax
    assert len(ax.containers) >= 2
