"""One self-contained HTML report of a results folder: what ``negsim report`` writes.

:func:`build_report` finds the folder's kind (:mod:`sim.output.report.kinds`:
a run's or a comparison's ``summary.json``, a sweep's ``sweep.json``, a
sensitivity analysis's ``sensitivity.json``, a backtest's ``backtest.json``, a
calibration's ``calibration_result.json``; more kinds can be registered),
reads it with its typed readers (the files are checked against each other
there) and returns one HTML page: the figures are embedded as base64 data URIs,
the style sheet is inline, and nothing is loaded from anywhere else, so the
file can be mailed, opened offline or printed (on A4, without blank pages).
Every piece of text that comes from the folder (scenario titles, labels and
descriptions come from user files) is escaped, never interpreted.

A run's page holds the findings in brief, each deadline's stage with its 95%
interval, every stage and ending by each deadline, how the runs went
(announcements, postponements, questions settled and reopened, endings), the
figures with captions saying how to read them, and the provenance. A
comparison's page names the change (from the scenarios' titles, ``--set``
values and descriptions), says in one sentence per deadline what it did, and
adds the paired differences of every stage and ending. A sweep's page shows
every point; a sensitivity analysis's the indices and how far to trust them; a
backtest's the scores of the model against two naive forecasters; a
calibration's the posterior of each parameter and the predictive check.

==============================================  ============================================
module                                          what it holds
==============================================  ============================================
:mod:`~sim.output.report.kinds`                 the kinds of folder, and how to add one
:mod:`~sim.output.report.pages`                 a run's and a comparison's pages
:mod:`~sim.output.report.experiment_pages`      a sweep's and a sensitivity analysis's pages
:mod:`~sim.output.report.check_pages`           a backtest's and a calibration's pages
:mod:`~sim.output.report.sentences`             the plain words: what the numbers say
:mod:`~sim.output.report.figures`               the figures, embedded, with their captions
:mod:`~sim.output.report.markup`                HTML: the page, tables, how numbers are written
==============================================  ============================================
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from sim.output.fields import ResultsError
from sim.output.report.kinds import KINDS, FolderKind, folder_kind, register

__all__ = ["KINDS", "FolderKind", "ResultsError", "build_report", "folder_kind", "register"]


def build_report(folder: str | os.PathLike[str], *, now: dt.datetime | None = None) -> str:
    """The HTML report of a results folder.

    Parameters
    ----------
    folder
        A folder written by ``negsim run``, ``compare``, ``sweep``,
        ``sensitivity``, ``backtest`` or ``calibrate`` with ``--out`` (or of a kind
        registered in :mod:`sim.output.report.kinds`).
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
        If the folder is missing or of no known kind, or a file the report
        needs is missing, unreadable, holds a bad value or disagrees with
        another (one line per problem, naming the file and the key, or the
        line and column).
    """
    path = Path(folder)
    kind = folder_kind(path)
    generated = (now or dt.datetime.now()).astimezone().strftime("%Y-%m-%d %H:%M %Z")
    return kind.render(path, generated)
