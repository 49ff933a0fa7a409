"""The report's figures: the PNG files of a results folder, embedded, with how to read them.

Each PNG that ``summary.json`` lists is read, checked to be a PNG, and
embedded as a base64 data URI with its pixel size; a known figure gets a
title, a caption saying how to read it, and an alternative text.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
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
            f"{path}: missing (summary.json lists it under 'files'); the results folder is "
            "incomplete"
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


_CDF_HOW = (
    "The step line is the share of runs convened by each date (a Kaplan–Meier estimate: "
    "runs still not convened at the end of the simulation count as “not yet”, not as "
    "“never”). It only rises; a steep stretch means many runs convene then, a flat one "
    "means few do. The shaded band is its 95% interval. Dotted vertical lines mark the "
    "deadlines; the dots with bars on them are the probabilities in the tables above."
)
_FAN_HOW = (
    "Readiness (0 to 1) is how ready the parties are to convene. The line is the median run "
    "week by week; the darker band holds the middle half of the runs (25–75%), the lighter "
    "band 90% of them (5–95%). Once every gate is resolved, a run whose readiness is above "
    "the green dashed line (announce threshold) announces a date; if it falls below the red "
    "dashed line (postpone threshold) before that date, the date is postponed. After a "
    "run convenes its readiness stays at its last value. A wide band means the runs tell "
    "different stories, not that the estimate is imprecise."
)


def _figure_text(name: str, kind: str, base: str, alt: str) -> tuple[str, str, str]:
    """Title, caption and alternative text of a known figure."""
    if name == "convening_cdf.png" and kind == "compare":
        return (
            "Chance of having convened, by date, in both scenarios",
            f"Blue: the baseline ({base}); red: the alternative ({alt}). " + _CDF_HOW + " Where "
            "the two bands overlap, this figure alone cannot tell the scenarios apart; the "
            "paired differences in the table above are much sharper.",
            f"Step curves of the share of runs convened by each date, for {base} and {alt}",
        )
    if name == "convening_cdf.png":
        return (
            "Chance of having convened, by date",
            _CDF_HOW,
            "Step curve of the share of runs convened by each date, with deadlines marked",
        )
    if name == "comparison.png":
        return (
            "Both scenarios at each deadline, and the difference",
            "Left: the chance of convening by each deadline in the baseline (blue) and the "
            "alternative (red), with 95% intervals. Right: the difference, alternative minus "
            "baseline, as a proportion (0.05 is 5 points). The black bar is the paired 95% "
            "interval; the grey bar below it is what the interval would be if the runs had not "
            "been paired. When the black bar crosses the vertical zero line, the runs cannot "
            "tell whether the change raised or lowered the chance.",
            "Dot plots of both probabilities and of their paired difference at each deadline",
        )
    if name in ("readiness_fan.png", "readiness_fan_base.png", "readiness_fan_alt.png"):
        which = {"readiness_fan_base.png": base, "readiness_fan_alt.png": alt}.get(name)
        return (
            f"Readiness over time ({which})" if which else "Readiness over time",
            _FAN_HOW,
            "Fan chart of readiness over time: median and 25–75% and 5–95% bands, "
            "with the announce and postpone thresholds",
        )
    return (name, "A figure from the results folder.", name)


def load_figures(
    folder: Path, names: Sequence[str], kind: str, base: str, alt: str = ""
) -> list[Figure]:
    """The PNG figures among ``names``, in order, read from ``folder``.

    Parameters
    ----------
    folder
        The results folder.
    names
        The files ``summary.json`` lists (plain names inside the folder).
    kind
        ``"run"`` or ``"compare"``.
    base, alt
        The scenarios' names, for the captions (``alt`` only for a comparison).

    Raises
    ------
    ResultsError
        If a listed PNG file is missing, unreadable or not a PNG.
    """
    figures = []
    for name in names:
        if not name.lower().endswith(".png"):
            continue
        uri, width, height = _read_png(folder, name)
        title, caption, alt_text = _figure_text(name, kind, base, alt)
        figures.append(Figure(name, uri, width, height, title, caption, alt_text))
    return figures


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
