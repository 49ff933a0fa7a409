"""One self-contained HTML report of a results folder: what ``negsim report`` writes.

:func:`build_report` reads a folder written by ``negsim run --out`` or
``negsim compare --out`` with the typed readers of
:mod:`sim.output.readers` (the files are checked against each other there),
and returns one HTML page: the figures are embedded as base64 data URIs, the
style sheet is inline, and nothing is loaded from anywhere else, so the file
can be mailed, opened offline or printed. Every piece of text that comes from
the folder (scenario titles and labels come from user files) is escaped.

The page holds the scenario's summary, the deadline table (probability and
95% interval), the share of runs not convened by the horizon and the median
convening date, how the runs went (announcements, postponements, gates), the
figures with captions saying how to read them, and the provenance. For a
comparison it adds both scenarios side by side and the table of paired
differences, with one plain sentence per deadline.

==================================  =====================================================
module                              what it holds
==================================  =====================================================
:mod:`~sim.output.report.pages`     the two pages, section by section
:mod:`~sim.output.report.sentences` the plain words: what the numbers say
:mod:`~sim.output.report.figures`   the figures, embedded, with their captions
:mod:`~sim.output.report.markup`    HTML: the page, tables, how numbers are written
==================================  =====================================================
"""

from __future__ import annotations

import datetime as dt
import os

from sim.output.fields import ResultsError
from sim.output.readers import RunFolder, read_results
from sim.output.report.pages import comparison_page, run_page

__all__ = ["ResultsError", "build_report"]


def build_report(folder: str | os.PathLike[str], *, now: dt.datetime | None = None) -> str:
    """The HTML report of a results folder.

    Parameters
    ----------
    folder
        A folder written by ``negsim run --out`` or ``negsim compare --out``.
    now
        When the report is generated, as shown on the page (default: now, local time).

    Returns
    -------
    str
        One self-contained HTML page: figures embedded as data URIs, inline
        CSS, no scripts, nothing loaded from the network.

    Raises
    ------
    ResultsError
        If the folder is missing, or a file the report needs is missing,
        unreadable, holds a bad value or disagrees with another (the message
        is one line naming the file and the key, or the line and column).
    """
    results = read_results(folder)
    generated = (now or dt.datetime.now()).astimezone().strftime("%Y-%m-%d %H:%M %Z")
    if isinstance(results, RunFolder):
        return run_page(results, generated)
    return comparison_page(results, generated)
