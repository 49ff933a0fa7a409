"""``negsim report``: one self-contained HTML page from a results folder."""

from __future__ import annotations

import argparse
from pathlib import Path

from sim.cli.common import UsageError

__all__ = ["register"]


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``report`` command."""
    p = subparsers.add_parser(
        "report",
        help="write an HTML report of a results folder",
        description="Read a folder written with --out by 'negsim run', 'compare', 'sweep', "
        "'sensitivity', 'backtest' or 'calibrate' and write one self-contained HTML page: what "
        "the results say in brief, the tables (with 95% intervals; a backtest's scores, a "
        "calibration's posterior and predictive check), the figures (embedded) with captions "
        "on how to read them, and the provenance; for a comparison, the change and the paired "
        "differences. Nothing in the page is loaded from the network; it prints on A4.",
    )
    p.add_argument("results_dir", metavar="RESULTS_DIR", help="the results folder")
    p.add_argument(
        "-o",
        "--output",
        metavar="FILE.html",
        help="where to write the page (default: RESULTS_DIR/report.html)",
    )
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Run the ``report`` command: build the page, write it atomically, print its path.

    The results folder is locked meanwhile (:func:`sim.folders.locked`), so that no command
    replaces it while it is read and the page written into it. The page is written only to a
    new name or over a regular file (:func:`sim.files.check_new_or_regular`).
    """
    from sim.errors import WorkFailed
    from sim.files import OutputFileError, atomic_write_text, blames_path, check_new_or_regular
    from sim.folders import locked
    from sim.output.report import ResultsError, build_report

    folder = Path(args.results_dir)
    out = Path(args.output) if args.output else folder / "report.html"
    try:
        check_new_or_regular(out)
    except OutputFileError as exc:
        raise UsageError(f"-o {exc}") from None
    with locked(folder, "report", f"report: {folder}"):
        try:
            page = build_report(folder)
        except ResultsError as exc:
            raise UsageError("\n".join(f"report: {line}" for line in exc.lines())) from None
        try:
            atomic_write_text(out, page)
        except OutputFileError as exc:
            raise UsageError(f"-o {exc}") from None
        except OSError as exc:
            why = f"-o {out}: cannot write the report ({exc.strerror or exc})"
            raise (UsageError(why) if blames_path(exc) else WorkFailed(why)) from None
    print(out)
    return 0
