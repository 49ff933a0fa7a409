"""The report's figures: the PNG files of a results folder, embedded, with how to read them.

Each PNG a folder holds (``summary.json`` lists a run's and a comparison's;
a sweep's and an analysis's follow from its deadlines; a backtest's and a
calibration's are fixed) is read, checked to be
a PNG, and embedded as a base64 data URI with its pixel size; a known figure
gets a title, a caption saying how to read it, and an alternative text.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from sim.output.fields import ResultsError
from sim.output.report.markup import escape, section

__all__ = ["Figure", "figures_section", "load_figures"]

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@dataclass(frozen=True, slots=True)
class Figure:
    """An embedded PNG figure and what to say about it (text, not HTML).

    Attributes
    ----------
    name
        The file's name in the results folder.
    data_uri
        The image as a ``data:image/png;base64,...`` URI.
    width, height
        Its size in pixels.
    title, caption, alt
        Its title, how to read it, and its alternative text.
    """

    name: str
    data_uri: str
    width: int
    height: int
    title: str
    caption: str
    alt: str


def _read_png(folder: Path, name: str) -> tuple[str, int, int]:
    """A PNG file as a data URI, with its width and height in pixels."""
    path = folder / name
    if not path.is_file():
        raise ResultsError(
            f"{path}: missing (the folder's figures include it); the results folder is incomplete"
        )
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ResultsError(f"{path}: cannot read it ({exc.strerror})") from None
    # The IHDR chunk comes first: width and height are bytes 16-24.
    if len(data) < 24 or not data.startswith(_PNG_SIGNATURE) or data[12:16] != b"IHDR":
        raise ResultsError(f"{path}: not a PNG image")
    width = int.from_bytes(data[16:20], "big")
    height = int.from_bytes(data[20:24], "big")
    return "data:image/png;base64," + base64.b64encode(data).decode("ascii"), width, height


_OUTCOMES_HOW = (
    "Top: the share of runs that had reached each stage by each date (a Kaplan–Meier curve, "
    "its 95% band shaded; a run that ended another way never reaches the stage). The dots with "
    "bars are each deadline's own stage at the deadline's date, with 95% intervals (a "
    "deadline some runs extended is drawn at its original date; the tables give the chance by "
    "the date as extended). The grey area is the record, before the forecast origin. Below: "
    "how the runs stand on each date, at the last stage, ended another way (each ending), or "
    "still open; the layers add up to 100%. Deadlines are dotted lines, numbered above the "
    "plot and listed under it."
)
_FAN_HOW = (
    "Readiness (0 to 1) is how ready the parties are. The line is the median of the runs "
    "still going, week by week; the darker band holds the middle half of them (25–75%), the "
    "lighter band 90% (5–95%). A run stops counting once it has ended (its last stage "
    "reached, or another ending): the lower panel shows the share still going, and the fan "
    "stops where fewer than 20 runs are left. A dashed line is the readiness at which a stage "
    "is reached once its questions are settled; a dotted one the level below which a set date "
    "is postponed. A wide band means the runs tell different stories, not that the estimate is "
    "imprecise."
)


def _figure_text(
    name: str, kind: str, labels: Mapping[str, str], base: str = "", alt: str = ""
) -> tuple[str, str, str]:
    """Title, caption and alternative text of a known figure (text, not HTML).

    ``labels`` gives the deadlines' labels by id (for ``sweep_<id>.png`` and
    ``sobol_<id>.png``); ``base`` and ``alt`` name a comparison's scenarios.
    """
    if name == "outcomes.png" and kind == "compare":
        return (
            "How the runs end, in both scenarios",
            _OUTCOMES_HOW + " In the top panel the baseline is drawn solid and the alternative "
            f"dashed; below, one panel per scenario (baseline: {base}; alternative: {alt}).",
            "Cumulative curves of every stage in both scenarios, and stacked shares of how "
            "the runs end in each",
        )
    if name == "outcomes.png":
        return (
            "How the runs end: every stage, and every ending, by date",
            _OUTCOMES_HOW,
            "Cumulative curves of every stage with deadlines marked, and the stacked shares of "
            "the runs at the last stage, ended otherwise, or still open",
        )
    if name == "comparison.png":
        return (
            "Both scenarios at each deadline, and the difference",
            "Left: the chance of each deadline's stage by the deadline in the baseline (filled "
            "circles) and the alternative (open squares), with 95% intervals. Right: the "
            "difference, alternative minus baseline, in percentage points. The black bar is "
            "the paired 95% interval; the grey bar under it what the interval would be if the "
            "runs had not been paired. When the black bar crosses the zero line, the runs "
            "cannot tell whether the change raised or lowered the chance.",
            "Dot plots of both probabilities and of their paired difference at each deadline",
        )
    if name in ("readiness_fan.png", "readiness_fan_base.png", "readiness_fan_alt.png"):
        which = {"readiness_fan_base.png": base, "readiness_fan_alt.png": alt}.get(name)
        return (
            f"Readiness of the runs still going ({which})"
            if which
            else "Readiness of the runs still going",
            _FAN_HOW,
            "Fan chart of readiness over time with the share of runs still going",
        )
    if name == "sweep.png":
        return (
            "Each deadline's stage against the parameter",
            "The chance of each deadline's stage by the deadline at every value of the "
            "parameter, with 95% intervals as bands. Every deadline has its own colour, line "
            "and marker; lines that coincide (two deadlines both at 0%, say) are drawn one "
            "inside the other, and the legend says which.",
            "Lines of the probability at each deadline against the swept parameter",
        )
    if name.startswith("sweep_") and name.endswith(".png"):
        label = labels.get(name.removeprefix("sweep_").removesuffix(".png"), name)
        return (
            f"Over both parameters: {label}",
            "The chance of the deadline's stage by the deadline at every point of the design, "
            "written on each cell (or beside each point). The colour scale runs from the lowest "
            "value to the highest, not over 0–100%: read the numbers, not only the colours.",
            f"Heatmap of the probability by {label} over the two parameters",
        )
    if name.startswith("sobol_") and name.endswith(".png"):
        label = labels.get(name.removeprefix("sobol_").removesuffix(".png"), name)
        return (
            f"Sobol' indices by {label}",
            "One panel per stage and ending by the deadline. The first-order index is the share "
            "of the variance of the chance, across the parameter ranges, that one parameter "
            "explains alone; the total index adds its interactions with the others. Whiskers "
            "are 95% bootstrap intervals. An output that did not vary has no indices, and the "
            "panel says so. The notes under the panels say when the indices are not to be "
            "trusted yet (too few samples, too few runs per point).",
            f"Bar charts of first-order and total Sobol' indices by {label}",
        )
    if name == "reliability.png":
        return (
            "Reliability: how often what was forecast happened",
            "Every target of every origin, pooled, and put in five bins by its forecast "
            "probability (0–20%, 20–40%, ...). Each point is a bin: its mean forecast across, "
            "the share of its targets that were met up, and beside it how many targets it "
            "holds. A forecaster whose points lie on the dashed diagonal is calibrated: of "
            "the targets it gave 70%, 70% were met. Circles are the model, squares the "
            "constant-hazard forecaster; the flat forecaster (0.5 for every target) would be "
            "a single point at 0.5 across. A bin of few targets moves a lot by chance: read "
            "the counts before the positions.",
            "Reliability diagram of the model and the constant-hazard forecaster against the "
            "diagonal",
        )
    if name == "forecasts.png":
        return (
            "The forecast date of each stage, from each origin, against the actual date",
            "One panel per stage the record reached, one row per origin (its date marked by "
            "an arrow). The bar is the forecast of the stage's date from that origin: light, "
            "the central 80% of the runs; dark, the middle half; the white tick, the median. "
            "Runs that had not reached the stage by the horizon are counted at its end, and "
            "the share that had is written at the right. The red line is the date the record "
            "reached it. A calibrated forecast holds the red line inside the dark part about "
            "half the time and inside the whole bar about four times in five; a sharp one "
            "has short bars. A row marked 'reached before the origin' had nothing left to "
            "forecast.",
            "Horizontal bars of the forecast date of each stage by origin, with the actual "
            "date as a vertical line",
        )
    if name == "posterior.png":
        return (
            "Each parameter: prior and posterior",
            "One panel per fitted parameter: its prior (the grey line; a loguniform prior is "
            "drawn on a logarithmic axis, where it is flat) and its posterior, the weighted "
            "histogram of the last generation's particles, with the median (the line) and the "
            "90% interval (the light band). A posterior as wide and flat as the prior means "
            "the record said little about that parameter; a narrow peak, that it pinned it "
            "down (within this model and the statistics compared). A peak against an end of "
            "the prior suggests the prior is too narrow.",
            "Histograms of each parameter's posterior over its prior",
        )
    if name == "predictive_check.png":
        return (
            "Posterior predictive check: the record against runs drawn from the posterior",
            "One row per statistic the calibration compared (actions per actor and period, "
            "the days questions were settled and stages reached, deadlines missed, dates "
            "postponed, and each counted pair's actions per 30 days). Statistics have "
            "different units, so every "
            "row is drawn on the scale of percentiles: the shaded band is the central 90% of "
            "the simulated values, the dot is where the record's value falls among them "
            "(circle inside, diamond outside the band), and the values themselves are "
            "written at the right. If the model fits, about one statistic in ten falls "
            "outside by chance; many outside, or most on one side of the middle, show what "
            "the calibrated model does not reproduce.",
            "Dot plot of the observed values' predictive percentiles against the 90% band",
        )
    return (name, "A figure from the results folder.", name)


def load_figures(
    folder: Path,
    names: Sequence[str],
    kind: str,
    labels: Mapping[str, str] | None = None,
    base: str = "",
    alt: str = "",
) -> list[Figure]:
    """The PNG figures among ``names``, in order, read from ``folder``.

    Parameters
    ----------
    folder
        The results folder.
    names
        The figures' file names (plain names inside the folder).
    kind
        The folder's kind (``run``, ``compare``, ``sweep``, ``sensitivity``, ``backtest``,
        ``calibration``).
    labels
        The deadlines' labels by id, for the captions of per-deadline figures.
    base, alt
        The scenarios' names, for a comparison's captions.

    Raises
    ------
    ResultsError
        If a listed PNG file is missing, unreadable or not a PNG.
    """
    figures: list[Figure] = []
    # Figures of one family (one per deadline) are read alike: the first says how.
    family_first: dict[str, int] = {}
    for name in names:
        if not name.lower().endswith(".png"):
            continue
        uri, width, height = _read_png(folder, name)
        title, caption, alt_text = _figure_text(name, kind, labels or {}, base, alt)
        family = next((f for f in _FAMILIES if name.startswith(f) and name != "sweep.png"), "")
        if family in family_first:
            caption = f"Read as figure {family_first[family]}."
        elif family:
            family_first[family] = len(figures) + 1
        figures.append(Figure(name, uri, width, height, title, caption, alt_text))
    return figures


#: File name prefixes of figures drawn once per deadline.
_FAMILIES = ("sweep_", "sobol_", "readiness_fan_")


def figures_section(figures: Sequence[Figure]) -> str:
    """The section of numbered figures with their captions (HTML; empty without figures)."""
    if not figures:
        return ""
    items = "\n".join(
        f'<figure id="fig-{escape(f.name.removesuffix(".png"))}">'
        f'<img src="{f.data_uri}" width="{f.width}" height="{f.height}" alt="{escape(f.alt)}">'
        f"<figcaption><strong>Figure {n}. {escape(f.title)}.</strong> {escape(f.caption)} "
        f'<span class="date">(file {escape(f.name)})</span></figcaption></figure>'
        for n, f in enumerate(figures, start=1)
    )
    return section("figures", "Figures", items, "figures")
