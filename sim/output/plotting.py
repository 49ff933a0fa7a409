"""What every figure shares: the palette, plain text, legends, dates and deadline marks.

* Colours are the Okabe–Ito palette, safe for the common kinds of colour
  blindness; lines that must be told apart also differ in style and marker
  (:data:`LINE_STYLES`, :data:`MARKERS`), so no figure relies on telling red
  from green.
* Every text that comes from a scenario or a command line (titles, labels,
  parameter keys) is drawn as plain text: no mathtext, no TeX, whatever the
  user's ``rcParams`` (:func:`plain`); a label such as ``$x$`` is shown as
  written.
* Date axes show the year (:func:`date_axis`).
* Deadlines are vertical lines numbered in a strip above the axes, the
  numbers explained in a key under the plot (:func:`mark_deadlines`,
  :func:`deadline_key`), so that no label runs into a curve or under a legend.

matplotlib is imported only when a figure is drawn. Plot functions take
``ax=`` and return it; without one they draw on pyplot's current axes, as
matplotlib users expect (pyplot is imported only then).
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import os
import textwrap
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar, cast

import numpy as np

from sim.files import atomic_write_bytes

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.legend import Legend
    from matplotlib.text import Text

    from sim.scenario.schema import Scenario

__all__ = [
    "BLACK",
    "BLUE",
    "GREEN",
    "GREY",
    "LINE_STYLES",
    "MARKERS",
    "ORANGE",
    "PURPLE",
    "SKY",
    "VERMILLION",
    "YELLOW",
    "DeadlineMark",
    "all_texts",
    "axes_or_current",
    "date_axis",
    "date_number",
    "deadline_key",
    "key_lines",
    "legend",
    "mark_deadlines",
    "new_figure",
    "plain",
    "save_figure",
    "scenario_title",
    "series_style",
    "text_colour_on",
    "without_tex",
    "wrap",
]

# The Okabe–Ito palette (Okabe and Ito 2008), safe for colour-blind readers.
BLUE = "#0072B2"
VERMILLION = "#D55E00"
GREEN = "#009E73"
ORANGE = "#E69F00"
SKY = "#56B4E9"
PURPLE = "#CC79A7"
YELLOW = "#F0E442"
BLACK = "#000000"
GREY = "#BBBBBB"
#: Colours of series in order (yellow last: it is pale on white).
SERIES_COLOURS = (BLUE, VERMILLION, GREEN, ORANGE, SKY, PURPLE, BLACK, YELLOW)
#: Line styles of series in order, so that colour is never the only cue.
LINE_STYLES: tuple[Any, ...] = ("-", "--", "-.", ":", (0, (5, 1, 1, 1, 1, 1)), (0, (1, 3)))
#: Markers of series in order.
MARKERS = ("o", "s", "^", "D", "v", "P", "X")


def series_style(index: int, count: int) -> dict[str, Any]:
    """Colour, line style, marker and width of series ``index`` of ``count``.

    Earlier series are drawn wider, so that series that coincide (two
    deadlines both at 0%, say) all stay visible, one inside the other.
    """
    return {
        "color": SERIES_COLOURS[index % len(SERIES_COLOURS)],
        "linestyle": LINE_STYLES[index % len(LINE_STYLES)],
        "marker": MARKERS[index % len(MARKERS)],
        "linewidth": 1.2 + 1.4 * (count - 1 - index) / max(count - 1, 1),
    }


F = TypeVar("F", bound=Callable[..., Any])


def without_tex(make: F) -> F:
    """Make a figure with TeX off, whatever ``rcParams`` say (for the ``*_figure`` functions).

    Every text a figure function sets is plain already (:func:`plain`); this
    covers the texts matplotlib makes itself, tick labels among them, so that
    a user's ``text.usetex = True`` needs no LaTeX to draw a negsim figure.
    """

    @functools.wraps(make)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from matplotlib import rc_context

        with rc_context({"text.usetex": False}):
            return make(*args, **kwargs)

    return cast(F, wrapper)


def new_figure(width: float = 8.0, height: float = 4.5) -> Figure:
    """A figure with constrained layout, not registered with pyplot."""
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


def axes_or_current(ax: Axes | None) -> Axes:
    """``ax``, or pyplot's current axes (as matplotlib's own plot functions do)."""
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    current: Axes = plt.gca()
    return current


def plain(*texts: Text | None) -> None:
    """Draw texts as written: no mathtext (``$...$``) and no TeX, whatever ``rcParams`` say."""
    for t in texts:
        if t is not None:
            t.set_parse_math(False)
            t.set_usetex(False)


def scenario_title(scenario: Scenario) -> str:
    """A scenario's title, with the values set on the command line (``--set``) after it.

    Two sides of a comparison of one file differ only by those values: the
    figures' titles must tell them apart.
    """
    from sim.experiments.points import scenario_origin

    overrides = {
        k: v
        for k, v in scenario_origin(scenario)["overrides"].items()
        if k not in ("title", "description", "name")
    }
    if not overrides:
        return scenario.title
    values = ", ".join(
        f"{k}={str(v).lower() if isinstance(v, bool) else v}" for k, v in overrides.items()
    )
    return f"{scenario.title} (with {values})"


def wrap(text: str, width: int) -> str:
    """``text`` broken into lines of at most ``width`` characters (long words are kept)."""
    return "\n".join(textwrap.wrap(text, width, break_long_words=False)) or text


def legend(ax: Axes, handles: Sequence[Any], labels: Sequence[str], **kwargs: Any) -> Legend:
    """A legend of the given handles and labels, its texts plain.

    The labels are passed explicitly, so a label starting with ``_`` is shown
    too (matplotlib hides such labels when it collects them itself).
    """
    box = ax.legend(list(handles), list(labels), **kwargs)
    plain(*box.get_texts(), box.get_title())
    return box


def text_colour_on(colour: Any) -> str:
    """Black or white, whichever reads better on ``colour`` (by its luminance)."""
    from matplotlib.colors import to_rgb

    r, g, b = to_rgb(colour)
    luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b
    return "black" if luminance > 0.45 else "white"


def date_number(date: dt.date | np.datetime64) -> float:
    """A date as matplotlib's float date number."""
    import matplotlib.dates as mdates

    if isinstance(date, dt.date):
        date = np.datetime64(date, "D")
    return float(mdates.date2num(date))


def date_axis(ax: Axes) -> None:
    """Date ticks on the x axis that always say the year.

    Months are written ``Jun``, with the year under the first tick and under
    every January (``Jan`` over ``2014``); long spans get one tick a year.
    """
    import matplotlib.dates as mdates
    from matplotlib.ticker import Formatter

    locator = mdates.AutoDateLocator(minticks=4, maxticks=9)

    class YearTicks(Formatter):
        def __call__(self, x: float, pos: int | None = None) -> str:
            return self.format_ticks([x])[0]

        def format_ticks(self, values: Sequence[float]) -> list[str]:
            dates = [mdates.num2date(v) for v in values]
            if len(dates) > 1 and (dates[1] - dates[0]).days >= 300:
                return [d.strftime("%Y") for d in dates]
            daily = any(d.day != 1 for d in dates)
            labels = []
            for i, d in enumerate(dates):
                text = d.strftime("%d %b").lstrip("0") if daily else d.strftime("%b")
                if i == 0 or d.year != dates[i - 1].year:
                    text += f"\n{d.year}"
                labels.append(text)
            return labels

    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(YearTicks())


@dataclass(frozen=True, slots=True)
class DeadlineMark:
    """A deadline as a figure marks it.

    Attributes
    ----------
    number
        Its number in the strip and the key (1, 2, ...).
    date
        Where it is drawn.
    label
        Its label (text from the scenario).
    note
        More for the key: the stage it is for, an extension ("" for none).
    """

    number: int
    date: dt.date
    label: str
    note: str = ""


def mark_deadlines(ax: Axes, marks: Sequence[DeadlineMark], numbers: bool = True) -> None:
    """Dotted vertical lines at the deadlines, numbered in a strip above the axes.

    Deadlines on the same day share one number label (``1, 2``); numbers too
    close to fit side by side go on a second or third row of the strip.
    """
    for m in marks:
        ax.axvline(date_number(m.date), color="0.45", linestyle=":", linewidth=0.9, zorder=1)
    if not numbers or not marks:
        return
    low, high = ax.get_xlim()
    groups: dict[dt.date, list[int]] = {}
    for m in marks:
        groups.setdefault(m.date, []).append(m.number)
    rows: list[float] = []
    for date in sorted(groups):
        text = ", ".join(str(n) for n in groups[date])
        where = (date_number(date) - low) / (high - low)
        if not 0.0 <= where <= 1.0:
            continue
        # Widths as shares of the axis: about one character in 1.2% of an 8-inch axis.
        half = 0.007 * len(text) + 0.006
        row = next((r for r, end in enumerate(rows) if where - half > end), len(rows))
        if row == len(rows):
            rows.append(where + half)
        else:
            rows[row] = where + half
        plain(
            ax.annotate(
                text,
                xy=(where, 1.0),
                xycoords="axes fraction",
                xytext=(0, 2 + 9 * row),
                textcoords="offset points",
                ha="center",
                va="bottom",
                fontsize=7,
                color="0.2",
                annotation_clip=False,
            )
        )


def _key_entries(marks: Sequence[DeadlineMark], width: int) -> list[list[str]]:
    entries = []
    for m in marks:
        entry = f"{m.number}  {m.label}, {m.date.isoformat()}"
        if m.note:
            entry += f"; {m.note}"
        lines = textwrap.wrap(entry, width, subsequent_indent="     ", break_long_words=False)
        entries.append(lines or [entry])
    return entries


def _key_columns(marks: Sequence[DeadlineMark], width: int) -> list[list[str]]:
    """The key's lines in two columns, split where the line counts balance."""
    entries = _key_entries(marks, width)
    total = sum(len(e) for e in entries)
    split, count = len(entries), 0
    for i, e in enumerate(entries):
        if count >= total / 2:
            split = i
            break
        count += len(e)
    left = [line for e in entries[:split] for line in e]
    right = [line for e in entries[split:] for line in e]
    return [left, right] if right else [left]


def key_lines(marks: Sequence[DeadlineMark], width: int) -> int:
    """How many lines the key of :func:`deadline_key` takes (its heading included)."""
    return 1 + max((len(c) for c in _key_columns(marks, width)), default=0)


def deadline_key(ax: Axes, marks: Sequence[DeadlineMark], width: int = 44) -> list[Text]:
    """The key to the deadline numbers, in two columns in ``ax`` (an axes kept for it, turned off).

    Entries are wrapped at ``width`` characters; give the axes
    :func:`key_lines` lines of height.
    """
    ax.set_axis_off()
    if not marks:
        return []
    texts = [
        ax.text(
            0.0,
            1.0,
            "Deadlines (dotted lines, numbered above the plot)",
            va="top",
            ha="left",
            fontsize=7,
            fontweight="bold",
        )
    ]
    for k, column in enumerate(_key_columns(marks, width)):
        texts.append(
            ax.annotate(
                "\n".join(column),
                xy=(0.5 * k, 1.0),
                xycoords="axes fraction",
                xytext=(0, -11),
                textcoords="offset points",
                va="top",
                ha="left",
                fontsize=7,
                linespacing=1.35,
            )
        )
    plain(*texts)
    return texts


def save_figure(fig: Figure, path: str | os.PathLike[str], dpi: int = 150) -> None:
    """Write a figure as PNG, atomically (through :func:`sim.files.atomic_write_bytes`).

    Drawn without TeX whatever ``rcParams`` say: the tick labels made while
    drawing need no LaTeX installation, like every text the figures set. And
    every text of the figure is made plain (:func:`plain`) here, once more:
    a label from a scenario that a figure function forgot to make plain
    (``$x^$``) is drawn as written rather than failing as mathtext.
    """
    from matplotlib import rc_context
    from matplotlib.text import Text

    plain(*fig.findobj(Text))
    buffer = io.BytesIO()
    with rc_context({"text.usetex": False}):
        fig.savefig(buffer, format="png", dpi=dpi)
    atomic_write_bytes(path, buffer.getvalue())


def all_texts(fig: Figure) -> Iterable[Text]:
    """Every text artist of a figure that is drawn.

    Not empty, visible, and for a tick label, of axes that are on and at a tick
    inside the axis's limits (matplotlib keeps labels of ticks outside them, undrawn).
    """
    from matplotlib.text import Text

    undrawn: set[int] = set()
    for ax in fig.axes:
        for labels, limits, at in (
            (ax.get_xticklabels(), ax.get_xlim(), 0),
            (ax.get_yticklabels(), ax.get_ylim(), 1),
        ):
            low, high = sorted(limits)
            slack = (high - low) * 1e-9
            for label in labels:
                where = label.get_position()[at]
                if not ax.axison or not low - slack <= where <= high + slack:
                    undrawn.add(id(label))
    for t in fig.findobj(Text):
        if t.get_visible() and t.get_text().strip() and id(t) not in undrawn:
            yield t
