"""Tests of :mod:`sim.output.records` and :mod:`sim.output.readers`: results folders read back.

The readers share their field names with the writer (:mod:`sim.output.results`)
and with the JSON the experiments print; a folder written by the real writer
reads back to the same numbers; and every damaged or hostile folder (NaN,
infinities, 1e300, a date past the year 9999 could hold, files from two
commands mixed) is refused with one line naming the file and the key, or the
line and the column, exit status 2 on the command line.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from sim.cli import main
from sim.experiments.compare import compare
from sim.experiments.executors import ExecutorSpec
from sim.experiments.montecarlo import MonteCarloResult, run_monte_carlo
from sim.output.fields import ResultsError, field_names
from sim.output.readers import ComparisonFolder, RunFolder, read_results
from sim.output.records import (
    DEADLINE_COLUMNS,
    DIFFERENCE_COLUMNS,
    RUN_RECORD_COLUMNS,
    DeadlineDifference,
    DeadlineEstimate,
    Estimates,
    PairedEstimates,
    Provenance,
)
from sim.output.results import runs_columns, write_run
from sim.scenario import load_scenario

DATA = Path(__file__).parent / "data" / "report"


# -- one fact, said once ---------------------------------------------------------------


@pytest.fixture(scope="module")
def small_run() -> MonteCarloResult:
    return run_monte_carlo(load_scenario(), 12, 5, executor=ExecutorSpec(workers=1))


def test_the_records_name_the_keys_the_experiments_write(small_run: MonteCarloResult) -> None:
    assert field_names(Estimates) == tuple(small_run.to_json())
    assert field_names(DeadlineEstimate) == tuple(small_run.deadlines()[0].to_json())
    comparison = compare(
        load_scenario(), load_scenario("no_hrc_resolution"), 6, 1, executor=ExecutorSpec(workers=1)
    )
    assert field_names(PairedEstimates) == tuple(comparison.to_json())
    assert field_names(DeadlineDifference) == tuple(comparison.differences()[0].to_json())
    assert field_names(DeadlineDifference) == DIFFERENCE_COLUMNS
    assert ("scenario", *field_names(DeadlineEstimate)) == DEADLINE_COLUMNS
    assert runs_columns(small_run)[: len(RUN_RECORD_COLUMNS)] == list(RUN_RECORD_COLUMNS)


def test_a_written_run_reads_back_to_the_same_numbers(
    small_run: MonteCarloResult, tmp_path: Path
) -> None:
    write_run(small_run, tmp_path, {"command": "run", "deadline_filter": ["g8_summit"]})
    folder = read_results(tmp_path)
    assert isinstance(folder, RunFolder)
    s = folder.summary
    assert s.deadline_filter == ("g8_summit",)
    written = json.loads((tmp_path / "summary.json").read_text(encoding="utf-8"))
    assert s.provenance == Provenance(**written["provenance"])
    assert s.result.runs == small_run.runs == len(folder.runs.rows)
    for row, known in zip(folder.deadlines, small_run.deadlines(), strict=True):
        assert row.name == known.deadline.id
        assert row.date == known.deadline.date
        assert row.probability == known.proportion.estimate
        assert (row.ci_low, row.ci_high) == (known.proportion.low, known.proportion.high)
    days = [np.nan if r.convened_day is None else r.convened_day for r in folder.runs.rows]
    np.testing.assert_array_equal(days, small_run.outcomes.convened_day)
    assert folder.runs.gates == tuple(g.id for g in small_run.scenario.gates)
    readiness = [r.final_readiness for r in folder.runs.rows]
    np.testing.assert_array_equal(readiness, small_run.outcomes.final_readiness)


@pytest.mark.parametrize("name", ["run", "run_precision", "compare"])
def test_the_pinned_folders_read(name: str) -> None:
    folder = read_results(DATA / name)
    if name == "compare":
        assert isinstance(folder, ComparisonFolder)
        r = folder.summary.result
        assert len(folder.base_runs.rows) == len(folder.alt_runs.rows) == r.runs
        assert [d.name for d in folder.differences] == [d.name for d in r.base.deadlines]
        assert all(
            d.both + d.only_base + d.only_alt + d.neither == r.runs for d in folder.differences
        )
    else:
        assert isinstance(folder, RunFolder)
        assert folder.summary.result.precision == (0.15 if name == "run_precision" else None)


# -- hostile folders: one line, exit 2 ---------------------------------------------------------


def edit_json(change: Callable[[dict[str, Any]], None]) -> Callable[[Path], None]:
    def damage(folder: Path) -> None:
        path = folder / "summary.json"
        summary = json.loads(path.read_text(encoding="utf-8"))
        change(summary)
        path.write_text(json.dumps(summary), encoding="utf-8")

    return damage


def edit_text(change: Callable[[str], str]) -> Callable[[Path], None]:
    def damage(folder: Path) -> None:
        path = folder / "summary.json"
        path.write_text(change(path.read_text(encoding="utf-8")), encoding="utf-8")

    return damage


def edit_cell(file: str, line: int, column: str, value: str) -> Callable[[Path], None]:
    """Set one cell of a CSV file (``line`` counts the header as line 1)."""

    def damage(folder: Path) -> None:
        path = folder / file
        lines = path.read_text(encoding="utf-8").split("\n")
        header = lines[0].split(",")
        cells = lines[line - 1].split(",")
        cells[header.index(column)] = value
        lines[line - 1] = ",".join(cells)
        path.write_text("\n".join(lines), encoding="utf-8")

    return damage


def set_key(*path: str | int, value: object) -> Callable[[Path], None]:
    def change(summary: dict[str, Any]) -> None:
        node: Any = summary
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value

    return edit_json(change)


def both(*damages: Callable[[Path], None]) -> Callable[[Path], None]:
    def damage(folder: Path) -> None:
        for d in damages:
            d(folder)

    return damage


def swap_rows(folder: Path) -> None:
    path = folder / "runs.csv"
    lines = path.read_text(encoding="utf-8").split("\n")
    lines[1], lines[2] = lines[2], lines[1]
    path.write_text("\n".join(lines), encoding="utf-8")


def extra_cell(folder: Path) -> None:
    path = folder / "runs.csv"
    lines = path.read_text(encoding="utf-8").split("\n")
    lines[3] += ",7"
    path.write_text("\n".join(lines), encoding="utf-8")


# Run 0 of tests/data/report/run convened on day 268 (2014-01-30); its first announcement
# was on day 239.18. The horizon is day 603 (2014-12-31).
RUN_CASES: list[tuple[str, Callable[[Path], None], str]] = [
    (
        "first announcement nan",
        edit_cell("runs.csv", 2, "first_announcement_day", "nan"),
        r"runs\.csv: line 2, column 'first_announcement_day': expected a day number, 0 or more, "
        r"or an empty cell, got 'nan'",
    ),
    (
        "first announcement inf",
        edit_cell("runs.csv", 2, "first_announcement_day", "inf"),
        r"runs\.csv: line 2, column 'first_announcement_day': .* got 'inf'",
    ),
    (
        "first announcement 1e300",
        edit_cell("runs.csv", 2, "first_announcement_day", "1e300"),
        r"runs\.csv: line 2, column 'first_announcement_day': expected a day from 0 to the end "
        r"of the horizon \(day 603\), or an empty cell, got '1e300'",
    ),
    (
        "first announcement at the end of the horizon",
        edit_cell("runs.csv", 2, "first_announcement_day", "604.0"),
        r"line 2, column 'first_announcement_day': expected a day from 0 to the end of the "
        r"horizon \(day 603\), or an empty cell, got '604\.0'",
    ),
    (
        "readiness 1e300",
        edit_cell("runs.csv", 3, "final_readiness", "1e300"),
        r"runs\.csv: line 3, column 'final_readiness': expected a number from 0 to 1, got '1e300'",
    ),
    (
        "readiness -inf",
        edit_cell("runs.csv", 3, "final_readiness", "-inf"),
        r"line 3, column 'final_readiness': expected a number from 0 to 1, got '-inf'",
    ),
    (
        "gate day nan",
        edit_cell("runs.csv", 4, "gate_government_consent_day", "NaN"),
        r"line 4, column 'gate_government_consent_day': expected a day from 0 to the end of the "
        r"horizon \(day 603\), or an empty cell, got 'NaN'",
    ),
    (
        "count not whole",
        edit_cell("runs.csv", 2, "announcements", "1.5"),
        r"line 2, column 'announcements': expected a whole number, 0 or more, got '1\.5'",
    ),
    (
        "count negative",
        edit_cell("runs.csv", 2, "actions_russia_meeting", "-3"),
        r"line 2, column 'actions_russia_meeting': expected a whole number, 0 or more, got '-3'",
    ),
    (
        "convened after the horizon",
        both(
            edit_cell("runs.csv", 2, "convened_day", "99999"),
            edit_cell("runs.csv", 2, "convened_date", "2287-02-18"),
        ),
        r"line 2, column 'convened_day': expected a day from 0 to 603 \(the horizon\), or an "
        r"empty cell, got '99999'",
    ),
    (
        "convened date not the day's",
        edit_cell("runs.csv", 2, "convened_date", "2014-01-31"),
        r"line 2, column 'convened_date': expected 2014-01-30 \(day 268\), got '2014-01-31'",
    ),
    (
        "runs out of order",
        swap_rows,
        r"runs\.csv: line 2, column 'run': expected 0 \(runs are numbered 0, 1, 2, \.\.\. in "
        r"order\), got '1'",
    ),
    ("a cell too many", extra_cell, r"runs\.csv: line 4: more cells than the header has columns"),
    (
        "a run convened later than counted",
        both(
            edit_cell("runs.csv", 3, "convened_day", "500"),
            edit_cell("runs.csv", 3, "convened_date", "2014-09-19"),
        ),
        r"runs\.csv: does not match summary\.json \(21 runs convened by deadline 'end_of_2013', "
        r"not 22\)",
    ),
    (
        "events",
        edit_cell("runs.csv", 2, "events", "368"),
        r"runs\.csv: does not match summary\.json \(\d+ events, not \d+\)",
    ),
    (
        "runs.csv without a column",
        lambda f: (f / "runs.csv").write_text("run,convened_day\n", encoding="utf-8"),
        r"runs\.csv: no column 'convened_date'; the file is incomplete",
    ),
    (
        "a seed of 5000 digits",
        edit_text(lambda t: t.replace('"seed": 7', '"seed": ' + "9" * 5000, 1)),
        r"summary\.json: holds a number with too many digits to read",
    ),
    (
        "start in the year 9999",
        edit_text(lambda t: t.replace('"start": "2013-05-07"', '"start": "9999-12-31"')),
        r"summary\.json: key 'result\.start': expected a date before the horizon \(2014-12-31\), "
        r"got \"9999-12-31\"",
    ),
    (
        "probability NaN",
        edit_text(lambda t: t.replace('"probability": 0.125', '"probability": NaN', 1)),
        r"key 'result\.deadlines\[2\]\.probability': expected a number from 0 to 1, got NaN",
    ),
    (
        "probability 1e300",
        set_key("result", "deadlines", 2, "probability", value=1e300),
        r"key 'result\.deadlines\[2\]\.probability': expected a number from 0 to 1, got 1e\+300",
    ),
    (
        "probability not the share convened",
        set_key("result", "deadlines", 2, "probability", value=0.5),
        r"key 'result\.deadlines\[2\]\.probability': expected 5/40 runs convened, got 0\.5",
    ),
    (
        "interval not around the estimate",
        set_key("result", "not_convened_by_horizon", "ci_low", value=0.9),
        r"key 'result\.not_convened_by_horizon\.ci_low': expected an interval around the "
        r"probability",
    ),
    (
        "runs true",
        set_key("result", "runs", value=True),
        r"key 'result\.runs': expected a whole number, 1 or more, got true",
    ),
    (
        "seed negative",
        set_key("provenance", "seed", value=-1),
        r"key 'provenance\.seed': expected a whole number, 0 or more, got -1",
    ),
    (
        "seed of another run",
        set_key("provenance", "seed", value=8),
        r"key 'provenance\.seed': expected the same as 'result\.seed' \(7\), got 8",
    ),
    (
        "deadline after the horizon",
        set_key("result", "deadlines", 4, "date", value="2015-06-30"),
        r"key 'result\.deadlines\[4\]\.date': expected a date from 2013-05-07 to the horizon "
        r"\(2014-12-31\), got \"2015-06-30\"",
    ),
    (
        "deadline day not its date's",
        set_key("result", "deadlines", 0, "day", value=25),
        r"key 'result\.deadlines\[0\]\.day': expected 24 \(the days from 2013-05-07 to "
        r"2013-05-31\), got 25",
    ),
    (
        "median date not its day's",
        set_key("result", "median_convening_date", value="2013-05-08"),
        r"key 'result\.median_convening_date': expected \d{4}-\d\d-\d\d \(day [\d.]+\), got "
        r"\"2013-05-08\"",
    ),
    (
        "median day 1e300",
        set_key("result", "median_convening_day", value=1e300),
        r"key 'result\.median_convening_day': expected a day from 0 to 603 \(the horizon\), "
        r"got 1e\+300",
    ),
    (
        "half-width above one half",
        set_key("result", "max_half_width", value=0.7),
        r"key 'result\.max_half_width': expected a number from 0 to 0\.5, got 0\.7",
    ),
    (
        "hash",
        set_key("provenance", "scenario_sha256", value="not a hash"),
        r"key 'provenance\.scenario_sha256': expected a SHA-256 hash \(64 hexadecimal digits\)",
    ),
    (
        "filter on no deadline",
        set_key("deadline_filter", value=["christmas"]),
        r"key 'deadline_filter\[0\]': expected a deadline's name \(end_of_may, .*\), got "
        r"\"christmas\"",
    ),
    (
        "files not an array",
        set_key("files", value="convening_cdf.png"),
        r"key 'files': expected an array, got \"convening_cdf\.png\"",
    ),
    (
        "deadlines.csv nan",
        edit_cell("deadlines.csv", 3, "ci_high", "nan"),
        r"deadlines\.csv: line 3, column 'ci_high': expected a number from 0 to 1, got 'nan'",
    ),
    (
        "deadlines.csv label of another run",
        edit_cell("deadlines.csv", 2, "label", "end of June"),
        r"deadlines\.csv: does not match summary\.json \(deadline 'end_of_may' has other numbers\)",
    ),
    (
        "deadlines.csv of another scenario",
        edit_cell("deadlines.csv", 2, "scenario", "iran_nuclear_2015"),
        r"deadlines\.csv: does not match summary\.json \(deadline 'end_of_may' has other numbers\)",
    ),
]

# Pair 0 of tests/data/report/compare convened in neither scenario.
COMPARE_CASES: list[tuple[str, Callable[[Path], None], str]] = [
    (
        "difference of another comparison",
        edit_cell("deadlines.csv", 4, "difference", "0.05"),
        r"deadlines\.csv: does not match summary\.json \(deadline 'eu_review' has another "
        r"difference\)",
    ),
    (
        "width ratio inf",
        edit_cell("deadlines.csv", 4, "width_ratio", "inf"),
        r"deadlines\.csv: line 4, column 'width_ratio': expected a number, 0 or more, or an "
        r"empty cell, got 'inf'",
    ),
    (
        "pairs that do not add up",
        set_key("result", "deadlines", 2, "neither", value=34),
        r"key 'result\.deadlines\[2\]\.neither': expected the pairs left of the 40 runs, got 34",
    ),
    (
        "difference not alt minus base",
        set_key("result", "deadlines", 2, "difference", value=0.25),
        r"key 'result\.deadlines\[2\]\.difference': expected alt_probability - base_probability",
    ),
    (
        "alt runs of another size",
        set_key("result", "alt", "runs", value=41),
        r"key 'result\.alt\.deadlines\[0\]\.runs': expected 41, the number of runs, got 40",
    ),
    (
        "probabilities of another comparison",
        set_key("probabilities", 2, "convened", value=6),
        r"key 'probabilities\[2\]': expected the same numbers as deadline 'eu_review' of "
        r"geneva2_2013 in 'result'",
    ),
    (
        "an alternative run convened",
        both(
            edit_cell("runs.csv", 2, "alt_convened_day", "500"),
            edit_cell("runs.csv", 2, "alt_convened_date", "2014-09-19"),
        ),
        r"runs\.csv: does not match summary\.json \(1 of the 40 runs not convened by the "
        r"horizon, not 2\)",
    ),
    (
        "paired runs truncated",
        lambda f: (f / "runs.csv").write_text(
            "".join((f / "runs.csv").read_text(encoding="utf-8").splitlines(True)[:-1]),
            encoding="utf-8",
        ),
        r"runs\.csv: does not match summary\.json \(39 paired runs, not 40\)",
    ),
]


def refused(folder: Path, capsys: pytest.CaptureFixture[str]) -> str:
    """The one line ``negsim report`` prints on stderr before exiting with status 2."""
    assert main(["report", str(folder)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("negsim: report: ")
    assert captured.err.count("\n") == 1
    assert "Traceback" not in captured.err
    assert not (folder / "report.html").exists()
    return captured.err


@pytest.mark.parametrize(
    ("source", "damage", "message"),
    [pytest.param("run", d, m, id=f"run: {name}") for name, d, m in RUN_CASES]
    + [pytest.param("compare", d, m, id=f"compare: {name}") for name, d, m in COMPARE_CASES],
)
def test_a_hostile_folder_is_one_line_and_exit_2(
    source: str,
    damage: Callable[[Path], None],
    message: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    folder = shutil.copytree(DATA / source, tmp_path / "results")
    read_results(folder)  # whole, it reads
    damage(folder)
    with pytest.raises(ResultsError):
        read_results(folder)
    line = refused(folder, capsys)
    assert re.search(message, line), line


def test_a_results_error_is_an_input_error() -> None:
    from sim.errors import InputError

    assert issubclass(ResultsError, InputError)
    assert ResultsError.exit_status == 2


def test_records_are_frozen() -> None:
    folder = read_results(DATA / "run")
    assert isinstance(folder, RunFolder)
    with pytest.raises(dataclasses.FrozenInstanceError):
        folder.summary.result.runs = 3  # type: ignore[misc]
    assert isinstance(folder.summary.result.start, dt.date)
    assert all(
        r.first_announcement_day is None or math.isfinite(r.first_announcement_day)
        for r in folder.runs.rows
    )
