"""The HTML of ``negsim report`` pinned byte for byte on fixed results folders.

``tests/data/report/`` holds folders written by the real commands with fixed
seeds (see its README and ``regenerate.py``): a run (a title and a label
carrying HTML and a ``$...$``, a deadline filter), a run with ``--precision``,
a run with endings and extended deadlines (Brexit), a comparison of two files,
a comparison of one file with a ``--set-alt`` value, a sweep and a sensitivity
analysis. The expected pages beside them were rendered when the results
folders gained stages and endings; a refactoring of the readers or the pages
must keep them.

The page shows when the results were written (the mtime of ``summary.json``)
and when it was generated, both in local time: the test fixes both instants
and the time zone. The negsim version the page names as its generator is
masked, so a version bump does not count as a change of the page.

Regenerate after a deliberate change of the page (and say why in the commit)::

    python tests/data/report/regenerate.py    # only if the folders' format changed
    python tests/test_report_pinned.py
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data" / "report"
FOLDERS = (
    "run",
    "run_precision",
    "run_endings",
    "compare",
    "compare_set",
    "sweep",
    "sensitivity",
)
#: When the results were written and when the report is generated (UTC).
WRITTEN = dt.datetime(2026, 11, 30, 9, 15, tzinfo=dt.UTC)
GENERATED = dt.datetime(2026, 12, 1, 10, 30, tzinfo=dt.UTC)
VERSION_MARK = "negsim @VERSION@"


@pytest.fixture
def utc() -> Iterator[None]:
    """Run in the UTC time zone (the page shows local times)."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = "UTC"
    time.tzset()
    try:
        yield
    finally:
        if before is None:
            del os.environ["TZ"]
        else:
            os.environ["TZ"] = before
        time.tzset()


def render(name: str, work: Path) -> str:
    """The report of the fixture folder ``name``, with the volatile parts fixed."""
    from sim._version import __version__
    from sim.output.report import build_report

    folder = shutil.copytree(DATA / name, work / name)
    stamp = WRITTEN.timestamp()
    for file in folder.glob("*.json"):
        os.utime(file, (stamp, stamp))
    page = build_report(folder, now=GENERATED)
    return page.replace(f"negsim {__version__}", VERSION_MARK)


@pytest.mark.usefixtures("utc")
@pytest.mark.parametrize("name", FOLDERS)
def test_report_html_is_unchanged(name: str, tmp_path: Path) -> None:
    expected = (DATA / f"{name}.html").read_text(encoding="utf-8")
    page = render(name, tmp_path)
    assert page == expected


if __name__ == "__main__":
    import tempfile

    os.environ["TZ"] = "UTC"
    time.tzset()
    with tempfile.TemporaryDirectory() as tmp:
        for folder_name in FOLDERS:
            (DATA / f"{folder_name}.html").write_text(
                render(folder_name, Path(tmp)), encoding="utf-8"
            )
            print(folder_name, file=sys.stderr)
