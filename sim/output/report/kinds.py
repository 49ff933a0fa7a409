"""The kinds of results folder a report is made of, and how a folder's kind is found.

Each :class:`FolderKind` names the file that marks a finished folder of its
kind (written last by its command), the command that writes it, and the
function that renders its page. :func:`folder_kind` finds a folder's kind by
those files, in the order of :data:`KINDS`; a folder that has none of them is
refused with a line that says what it is (a sweep or a calibration that has
not finished, say) and what to do.

Adding a kind (as the ``negsim backtest`` and ``negsim calibrate`` folders were added):

1. declare the folder's files as records (as :mod:`sim.output.sweep_records`
   does) and write a reader that checks them against each other
   (:mod:`sim.output.sweep_readers`);
2. write its page, ``page(folder: Path, generated: str) -> str``, with the
   helpers of :mod:`sim.output.report.markup` and
   :mod:`sim.output.report.pages` (provenance rows, figures with captions);
3. add ``FolderKind("calibration", "calibration_result.json", "negsim calibrate --out",
   page)`` to :data:`KINDS` below (or call :func:`register` with it), and give
   its figures captions in :mod:`sim.output.report.figures`.

The report command, the dispatch and the error messages then know it.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sim.output.calibration_records import CALIBRATION_RESULT, CALIBRATION_RUNNING
from sim.output.fields import ResultsError

__all__ = ["KINDS", "FolderKind", "folder_kind", "register"]

#: The log an unfinished sweep or sensitivity analysis leaves (see sim.experiments.store).
POINTS_LOG = "points.jsonl"


@dataclass(frozen=True, slots=True)
class FolderKind:
    """A kind of results folder.

    Attributes
    ----------
    name
        What it is called (``"sweep"``).
    marker
        The file that marks a finished folder of this kind: its command writes
        it last (``"sweep.json"``).
    command
        The command that writes it, for messages (``"negsim sweep --out"``).
    render
        ``render(folder, generated)``: the page, given the folder and when the
        report is generated (text). It reads and checks the folder, raising
        :class:`~sim.output.fields.ResultsError` for a bad one.
    """

    name: str
    marker: str
    command: str
    render: Callable[[Path, str], str]


def _run_or_compare(folder: Path, generated: str) -> str:
    from sim.output.readers import RunFolder, read_results
    from sim.output.report.pages import comparison_page, run_page

    results = read_results(folder)
    if isinstance(results, RunFolder):
        return run_page(results, generated)
    return comparison_page(results, generated)


def _sweep(folder: Path, generated: str) -> str:
    from sim.output.report.experiment_pages import sweep_page
    from sim.output.sweep_readers import read_sweep

    return sweep_page(read_sweep(folder), generated)


def _sensitivity(folder: Path, generated: str) -> str:
    from sim.output.report.experiment_pages import sensitivity_page
    from sim.output.sweep_readers import read_sensitivity

    return sensitivity_page(read_sensitivity(folder), generated)


def _backtest(folder: Path, generated: str) -> str:
    from sim.output.backtest_readers import read_backtest
    from sim.output.report.check_pages import backtest_page

    return backtest_page(read_backtest(folder), generated)


def _calibration(folder: Path, generated: str) -> str:
    from sim.output.calibration_readers import read_calibration
    from sim.output.report.check_pages import calibration_page

    return calibration_page(read_calibration(folder), generated)


#: The kinds a report knows, in the order they are tried.
KINDS: list[FolderKind] = [
    FolderKind(
        "run or comparison",
        "summary.json",
        "negsim run --out or negsim compare --out",
        _run_or_compare,
    ),
    FolderKind("sweep", "sweep.json", "negsim sweep --out", _sweep),
    FolderKind(
        "sensitivity analysis", "sensitivity.json", "negsim sensitivity --out", _sensitivity
    ),
    FolderKind("backtest", "backtest.json", "negsim backtest --out", _backtest),
    FolderKind("calibration", CALIBRATION_RESULT, "negsim calibrate --out", _calibration),
]


def register(kind: FolderKind) -> None:
    """Add a kind of folder (after those known), or replace the kind of the same marker."""
    for i, known in enumerate(KINDS):
        if known.marker == kind.marker:
            KINDS[i] = kind
            return
    KINDS.append(kind)


def _unfinished(folder: Path) -> ResultsError | None:
    """The error for a sweep, an analysis or a calibration that has not finished, if it is one."""
    if (folder / CALIBRATION_RUNNING).is_file():
        return ResultsError(
            f"{folder}: a calibration that has not finished (it has {CALIBRATION_RUNNING} but "
            f"no {CALIBRATION_RESULT}); finish it with the same 'negsim calibrate ... --out "
            f"{folder} --resume', then make the report"
        )
    log = folder / POINTS_LOG
    if not os.path.lexists(log):
        return None
    from sim.experiments.store import StoreError, read_log

    try:
        contents = read_log(log)
    except StoreError as exc:
        return ResultsError(f"{folder}: not a finished results folder; {exc}")
    what = "sensitivity analysis" if contents.header.get("kind") == "sensitivity" else "sweep"
    command = "negsim sensitivity" if what == "sensitivity analysis" else "negsim sweep"
    total = contents.header.get("points")
    total = total if isinstance(total, int) and not isinstance(total, bool) else "?"
    return ResultsError(
        f"{folder}: a {what} that has not finished ({len(contents.records)} of {total} points "
        f"are in {POINTS_LOG}); finish it with the same '{command} ... --out {folder}' and "
        "--resume, then make the report"
    )


def folder_kind(folder: str | Path) -> FolderKind:
    """The kind of a results folder, by the file that marks it.

    Raises
    ------
    ResultsError
        If the folder is missing, not a folder, or none of the kinds' files is
        there (saying so, and what an unfinished sweep or analysis needs).
    """
    path = Path(folder)
    if not path.exists():
        raise ResultsError(f"{path}: no such folder")
    if not path.is_dir():
        raise ResultsError(f"{path}: not a folder")
    for kind in KINDS:
        if os.path.lexists(path / kind.marker):  # a pipe or a device: its reader says so
            return kind
    unfinished = _unfinished(path)
    if unfinished is not None:
        raise unfinished
    known = "; ".join(f"{k.marker} ({k.command})" for k in KINDS)
    raise ResultsError(f"{path}: not a results folder: it has none of {known}")
