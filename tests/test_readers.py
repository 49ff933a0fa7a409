"""Tests of the results records and readers: results folders read back, typed and checked.

The records name the keys the experiments' ``to_json()`` write (one fact, said
once); ``runs.csv``'s columns are recognised from ``frames.RUN_COLUMNS`` and
not listed again; a folder written by the real writer reads back to the same
numbers; and every damaged or hostile folder (NaN, infinities, 1e300, a date
past the year 9999 could hold, files from two commands mixed) is refused with
one line per problem naming the file and the key, or the line and the column,
exit status 2 on the command line. Run, comparison, sweep and sensitivity
folders alike.
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
from sim.experiments.frames import RUN_COLUMNS, run_columns
from sim.experiments.montecarlo import MonteCarloResult, run_monte_carlo
from sim.experiments.points import provenance
from sim.experiments.sensitivity import Sensitivity, SensitivityResult
from sim.experiments.sweep import Sweep, SweepResult
from sim.output.fields import MAX_PROBLEMS, ResultsError, field_names
from sim.output.readers import ComparisonFolder, RunFolder, read_results
from sim.output.records import (
    ByHorizon,
    DeadlineDifference,
    DeadlineEstimate,
    EndingSummary,
    Estimates,
    OutcomeDifference,
    OutcomeEstimate,
    PairedEstimates,
    Provenance,
    ScenarioProvenance,
    StageSummary,
    StillOpen,
)
from sim.output.results import run_provenance, write_comparison, write_run
from sim.output.sweep_readers import read_sensitivity, read_sweep
from sim.output.sweep_records import (
    SensitivityRow,
    SensitivitySummary,
    SweepOutcomeRow,
    SweepSummary,
)
from sim.scenario import load_scenario

DATA = Path(__file__).parent / "data" / "report"
ONE = ExecutorSpec(workers=1)
FOLDERS = (
    "run",
    "run_precision",
    "run_endings",
    "compare",
    "compare_set",
    "sweep",
    "sensitivity",
)


# -- one fact, said once -----------------------------------------------------------------


@pytest.fixture(scope="module")
def small_run() -> MonteCarloResult:
    return run_monte_carlo(load_scenario("brexit_withdrawal_2017"), 12, 5, executor=ONE)


def keys(record: Callable[..., Any]) -> set[str]:
    return set(field_names(record))


def test_the_records_name_the_keys_the_experiments_write(small_run: MonteCarloResult) -> None:
    obj = small_run.to_json()
    assert keys(Estimates) == set(obj)
    assert keys(StageSummary) == set(obj["stages"][0])
    assert keys(EndingSummary) == set(obj["endings"][0])
    assert keys(DeadlineEstimate) == set(obj["deadlines"][0])
    assert keys(OutcomeEstimate) == set(obj["deadlines"][0]["outcomes"][0])
    assert keys(ByHorizon) == set(obj["by_horizon"])
    assert keys(StillOpen) == set(obj["by_horizon"]["still_open"])
    assert keys(Provenance) == set(run_provenance(small_run))
    assert keys(ScenarioProvenance) == set(provenance(small_run.scenario))
    comparison = compare(
        load_scenario(), load_scenario("no_hrc_resolution"), 6, 1, executor=ONE
    ).to_json()
    assert keys(PairedEstimates) == set(comparison)
    assert keys(DeadlineDifference) == set(comparison["deadlines"][0])
    assert keys(OutcomeDifference) == set(comparison["deadlines"][0]["outcomes"][0])


def test_the_sweep_and_sensitivity_records_name_their_files_keys() -> None:
    sweep = Sweep(["actors.russia.tempo_days=4:12"], points=2, runs=2).run(ONE)
    assert keys(SweepSummary) == set(sweep.to_json())
    assert field_names(SweepOutcomeRow) == SweepResult.OUTCOME_COLUMNS
    analysis = Sensitivity(["actors.russia.tempo_days=4:12"], samples=2, runs=2, n_resamples=9)
    result = analysis.run(ONE)
    assert keys(SensitivitySummary) == set(result.to_json())
    assert field_names(SensitivityRow) == SensitivityResult.COLUMNS


def test_runs_csv_has_the_columns_of_frames_and_the_reader_knows_them(
    small_run: MonteCarloResult, tmp_path: Path
) -> None:
    write_run(small_run, tmp_path)
    header = (tmp_path / "runs.csv").read_text(encoding="utf-8").splitlines()[0].split(",")
    assert header == ["run", *run_columns(small_run.outcomes, small_run.scenario)]
    # Every column is of one family of RUN_COLUMNS: nothing is listed anywhere else.
    for name in header[1:]:
        assert any(c.match(name) is not None for c in RUN_COLUMNS), name
    folder = read_results(tmp_path)
    assert isinstance(folder, RunFolder)
    assert list(folder.runs.columns) == header[1:]


def test_a_written_run_reads_back_to_the_same_numbers(
    small_run: MonteCarloResult, tmp_path: Path
) -> None:
    write_run(small_run, tmp_path, {"command": "run", "deadline_filter": ["exit_day"]})
    folder = read_results(tmp_path)
    assert isinstance(folder, RunFolder)
    s = folder.summary
    assert s.deadline_filter == ("exit_day",)
    written = json.loads((tmp_path / "summary.json").read_text(encoding="utf-8"))
    assert s.provenance == Provenance(**written["provenance"])
    assert s.provenance.packaged
    assert s.provenance.scenario_file == "brexit_withdrawal_2017.toml"
    assert s.result.runs == small_run.runs == folder.runs.runs
    rows = iter(folder.deadlines)
    for known in small_run.deadlines():
        for o in known.outcomes:
            row = next(rows)
            assert (row.deadline, row.outcome, row.kind) == (known.deadline.id, o.name, o.kind)
            assert row.probability == o.proportion.estimate
            assert (row.ci_low, row.ci_high) == (o.proportion.low, o.proportion.high)
            assert row.is_deadline_stage == (o is known.stage_estimate)
    columns = run_columns(small_run.outcomes, small_run.scenario)
    for name, values in columns.items():
        read = folder.runs.columns[name]
        if values.dtype.kind == "f":
            np.testing.assert_array_equal([np.nan if v is None else v for v in read], values)
        else:
            assert list(read) == [v or None if isinstance(v, str) else v for v in values]


def test_a_written_comparison_with_set_values_reads_back(tmp_path: Path) -> None:
    base = load_scenario()
    alt = load_scenario(None, ["actors.russia.tempo_days=11"])
    comparison = compare(base, alt, 8, 2, executor=ONE)
    write_comparison(comparison, tmp_path)
    folder = read_results(tmp_path)
    assert isinstance(folder, ComparisonFolder)
    p = folder.summary.provenance
    assert p.base.overrides == {}
    assert p.alt.overrides == {"actors.russia.tempo_days": 11}
    assert p.base.scenario_file == p.alt.scenario_file == "geneva2_2013.toml"
    assert len(folder.differences) == len(base.deadlines) * len(base.stages)


@pytest.mark.parametrize("name", FOLDERS)
def test_the_pinned_folders_read(name: str) -> None:
    if name == "sweep":
        sweep = read_sweep(DATA / name)
        assert len(sweep.points) == sweep.summary.design.points == 3
        return
    if name == "sensitivity":
        analysis = read_sensitivity(DATA / name)
        assert analysis.undefined("end_of_may/convened")
        assert not analysis.undefined("end_of_2013/convened")
        return
    folder = read_results(DATA / name)
    if name.startswith("compare"):
        assert isinstance(folder, ComparisonFolder)
        r = folder.summary.result
        assert folder.base_runs.runs == folder.alt_runs.runs == r.runs
        for d in folder.differences:
            assert d.both + d.only_base + d.only_alt + d.neither == r.runs
    else:
        assert isinstance(folder, RunFolder)
        assert folder.summary.result.precision == (0.15 if name == "run_precision" else None)


# -- hostile folders: one line per problem, exit 2 ------------------------------------------


def edit_json(
    change: Callable[[dict[str, Any]], None], name: str = "summary.json"
) -> Callable[[Path], None]:
    def damage(folder: Path) -> None:
        path = folder / name
        summary = json.loads(path.read_text(encoding="utf-8"))
        change(summary)
        path.write_text(json.dumps(summary), encoding="utf-8")

    return damage


def edit_text(change: Callable[[str], str], name: str = "summary.json") -> Callable[[Path], None]:
    def damage(folder: Path) -> None:
        path = folder / name
        path.write_text(change(path.read_text(encoding="utf-8")), encoding="utf-8")

    return damage


def edit_cell(file: str, line: int, column: str, value: str) -> Callable[[Path], None]:
    """Set one cell of a CSV file (``line`` counts the header as line 1; quotes are not used)."""

    def damage(folder: Path) -> None:
        path = folder / file
        lines = path.read_text(encoding="utf-8").split("\n")
        header = lines[0].split(",")
        cells = lines[line - 1].split(",")
        cells[header.index(column)] = value
        lines[line - 1] = ",".join(cells)
        path.write_text("\n".join(lines), encoding="utf-8")

    return damage


def first_action(folder: Path) -> str:
    header = (folder / "runs.csv").read_text(encoding="utf-8").split("\n")[0].split(",")
    return next(c for c in header if c.startswith("actions_"))


def set_key(*path: str | int, value: object, name: str = "summary.json") -> Callable[[Path], None]:
    def change(summary: dict[str, Any]) -> None:
        node: Any = summary
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value

    return edit_json(change, name)


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


def extra_column(folder: Path) -> None:
    path = folder / "runs.csv"
    lines = path.read_text(encoding="utf-8").split("\n")
    lines = [line + (",bogus" if i == 0 else ",1") for i, line in enumerate(lines) if line]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def truncate(name: str) -> Callable[[Path], None]:
    def damage(folder: Path) -> None:
        path = folder / name
        lines = path.read_text(encoding="utf-8").splitlines(True)
        path.write_text("".join(lines[:-1]), encoding="utf-8")

    return damage


# tests/data/report/run: start 2013-02-26, forecast origin 2013-06-05, horizon 2014-12-31 (day
# 673); run 0 announced on day 234 and convened on day 263 (by 'arab_league_date', day 270, not
# by 'mid_november', day 262); 2 of the 40 runs convened by 'july_2013'.
RUN_CASES: list[tuple[str, Callable[[Path], None], str]] = [
    (
        "first announcement nan",
        edit_cell("runs.csv", 2, "first_announcement_day", "nan"),
        r"runs\.csv: line 2, column 'first_announcement_day': expected a day from 0 to the "
        r"horizon's end, or an empty cell, got 'nan'",
    ),
    (
        "first announcement inf",
        edit_cell("runs.csv", 2, "first_announcement_day", "inf"),
        r"runs\.csv: line 2, column 'first_announcement_day': .* got 'inf'",
    ),
    (
        "stage day 1e300",
        edit_cell("runs.csv", 2, "stage_convened_day", "1e300"),
        r"line 2, column 'stage_convened_day': expected a day from 0 to the horizon's end, or an "
        r"empty cell, got '1e300'",
    ),
    (
        "stage reached after the end of the horizon",
        edit_cell("runs.csv", 2, "stage_convened_day", "674.0"),
        r"line 2, column 'stage_convened_day': expected a day from 0 to the horizon's end",
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
        "gate day NaN",
        edit_cell("runs.csv", 4, "gate_government_consent_day", "NaN"),
        r"line 4, column 'gate_government_consent_day': expected a day from 0 to the horizon's "
        r"end, or an empty cell, got 'NaN'",
    ),
    (
        "deadline day negative",
        edit_cell("runs.csv", 4, "deadline_mid_2014_day", "-5"),
        r"line 4, column 'deadline_mid_2014_day': expected a day number, 0 or more, got '-5'",
    ),
    (
        "an ending the scenario does not have",
        both(
            edit_cell("runs.csv", 2, "ending", "walk_out"),
            edit_cell("runs.csv", 2, "ending_day", "300"),
        ),
        r"line 2, column 'ending': expected nothing \(no endings\), or an empty cell, "
        r"got 'walk_out'",
    ),
    (
        "count not whole",
        edit_cell("runs.csv", 2, "announcements", "1.5"),
        r"line 2, column 'announcements': expected a whole number, 0 or more, got '1\.5'",
    ),
    (
        "action count negative",
        lambda f: edit_cell("runs.csv", 2, first_action(f), "-3")(f),
        r"line 2, column 'actions_\w+': expected a whole number, 0 or more, got '-3'",
    ),
    (
        "runs out of order",
        swap_rows,
        r"runs\.csv: line 2, column 'run': expected 0 \(runs are numbered 0, 1, 2, \.\.\. in "
        r"order\), got '1'",
    ),
    ("a cell too many", extra_cell, r"runs\.csv: line 4: more cells than the header has columns"),
    (
        "a column negsim does not write",
        extra_column,
        r"runs\.csv: column 'bogus' is not a column negsim writes",
    ),
    (
        "a run reached its stage later than counted",
        edit_cell("runs.csv", 2, "stage_convened_day", "500.0"),
        r"runs\.csv: does not match summary\.json \(22 runs, not 23, reached 'convened' by "
        r"'end_of_2013'\)",
    ),
    (
        "events",
        edit_cell("runs.csv", 2, "events", "1"),
        r"runs\.csv: does not match summary\.json \(\d+ events, not \d+\)",
    ),
    (
        "runs.csv of another scenario",
        lambda f: (f / "runs.csv").write_text("run,stage_signed_day\n", encoding="utf-8"),
        r"runs\.csv: does not match summary\.json \(0 runs, not 40\)",
    ),
    (
        "runs.csv without its columns",
        lambda f: (f / "runs.csv").write_text(
            "run,events\n" + "".join(f"{i},1\n" for i in range(40)), encoding="utf-8"
        ),
        r"runs\.csv: no column stage_announced_day, stage_convened_day, ending and \d+ more; "
        r"the file is incomplete or of another scenario",
    ),
    (
        "a seed of 5000 digits",
        edit_text(lambda t: t.replace('"seed": 7', '"seed": ' + "9" * 5000, 1)),
        r"summary\.json: holds a number with too many digits to read",
    ),
    (
        "start in the year 9999",
        edit_text(lambda t: t.replace('"start": "2013-02-26"', '"start": "9999-12-31"')),
        r"summary\.json: key 'result\.start': expected a date before the horizon \(2014-12-31\), "
        r"got \"9999-12-31\"",
    ),
    (
        "probability NaN",
        set_key("result", "deadlines", 2, "probability", value=math.nan),
        r"key 'result\.deadlines\[2\]\.probability': expected a number from 0 to 1, got NaN",
    ),
    (
        "probability 1e300",
        set_key("result", "deadlines", 2, "outcomes", 1, "probability", value=1e300),
        r"key 'result\.deadlines\[2\]\.outcomes\[1\]\.probability': expected a number from 0 to "
        r"1, got 1e\+300",
    ),
    (
        "probability not the share its count gives",
        set_key("result", "deadlines", 2, "outcomes", 1, "probability", value=0.5),
        r"key 'result\.deadlines\[2\]\.outcomes\[1\]\.probability': expected 2/40, the share "
        r"its count gives, got 0\.5",
    ),
    (
        "interval not around the estimate",
        set_key("result", "by_horizon", "still_open", "ci_low", value=0.9),
        r"key 'result\.by_horizon\.still_open\.ci_low': expected an interval around the "
        r"probability",
    ),
    (
        "a later stage reached by more runs",
        both(
            set_key("result", "by_horizon", "outcomes", 1, "count", value=38),
            set_key("result", "by_horizon", "outcomes", 1, "probability", value=0.95),
        ),
        r"key 'result\.by_horizon\.outcomes\[1\]\.count': expected at most the 37 runs of the "
        r"stage before, got 38",
    ),
    (
        "still open not the runs left",
        both(
            set_key("result", "by_horizon", "still_open", "count", value=5),
            set_key("result", "by_horizon", "still_open", "probability", value=0.125),
        ),
        r"key 'result\.by_horizon\.still_open\.count': expected the runs left of 40 after the "
        r"last stage and the endings, got 5",
    ),
    (
        "a deadline from the record that some runs met",
        set_key("result", "deadlines", 0, "reached", value=3),
        r"key 'result\.deadlines\[0\]\.reached': expected 0 or every run",
    ),
    (
        "from the record: yes",
        set_key("result", "deadlines", 0, "from_record", value="yes"),
        r"key 'result\.deadlines\[0\]\.from_record': expected true or false, got \"yes\"",
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
        r"key 'provenance\.seed': expected the same as 'result\.seed', got 8",
    ),
    (
        "deadline day not its date's",
        set_key("result", "deadlines", 0, "day", value=25),
        r"key 'result\.deadlines\[0\]\.day': expected 94 \(the days from 2013-02-26 to "
        r"2013-05-31\), got 25",
    ),
    (
        "deadline of no stage",
        set_key("result", "deadlines", 0, "stage", value="signed"),
        r"key 'result\.deadlines\[0\]\.stage': expected a stage of 'stages', with its label",
    ),
    (
        "median date not its day's",
        set_key("result", "stages", 1, "median_date", value="2013-05-08"),
        r"key 'result\.stages\[1\]\.median_date': expected 2013-11-23 \(day 270\), got "
        r"\"2013-05-08\"",
    ),
    (
        "median day 1e300",
        set_key("result", "stages", 1, "median_day", value=1e300),
        r"key 'result\.stages\[1\]\.median_day': expected a day from 0 to 673 \(the horizon\), "
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
        "packaged: maybe",
        set_key("provenance", "packaged", value="maybe"),
        r"key 'provenance\.packaged': expected true or false, got \"maybe\"",
    ),
    (
        "filter on no deadline",
        set_key("deadline_filter", value=["christmas"]),
        r"key 'deadline_filter\[0\]': expected a deadline \(end_of_may, .*\), got \"christmas\"",
    ),
    (
        "files not an array",
        set_key("files", value="outcomes.png"),
        r"key 'files': expected an array, got \"outcomes\.png\"",
    ),
    (
        "a file outside the folder",
        set_key("files", value=["../../etc/passwd"]),
        r"key 'files\[0\]': expected a file name inside the results folder",
    ),
    (
        "deadlines.csv nan",
        edit_cell("deadlines.csv", 3, "ci_high", "nan"),
        r"deadlines\.csv: line 3, column 'ci_high': expected a number from 0 to 1, got 'nan'",
    ),
    (
        "deadlines.csv flag maybe",
        edit_cell("deadlines.csv", 3, "is_deadline_stage", "maybe"),
        r"deadlines\.csv: line 3, column 'is_deadline_stage': expected true or false, got 'maybe'",
    ),
    (
        "deadlines.csv label of another run",
        edit_cell("deadlines.csv", 2, "deadline_label", "end of June"),
        r"deadlines\.csv: does not match summary\.json \(line 2, deadline 'end_of_may', outcome "
        r"'announced': deadline_label differ\)",
    ),
    (
        "deadlines.csv with the wrong stage flagged",
        edit_cell("deadlines.csv", 2, "is_deadline_stage", "true"),
        r"deadlines\.csv: does not match summary\.json \(line 2, .*is_deadline_stage differ\)",
    ),
    (
        "deadlines.csv of another scenario",
        edit_cell("deadlines.csv", 2, "scenario", "iran_nuclear_2015"),
        r"deadlines\.csv: does not match summary\.json \(line 2, .*: scenario differ\)",
    ),
    (
        "deadlines.csv short of a row",
        truncate("deadlines.csv"),
        r"deadlines\.csv: does not match summary\.json \(not one row per deadline and outcome",
    ),
]

# tests/data/report/compare: pair 0 convened in neither scenario by 'end_of_2013'.
COMPARE_CASES: list[tuple[str, Callable[[Path], None], str]] = [
    (
        "difference of another comparison",
        edit_cell("deadlines.csv", 4, "difference", "0.05"),
        r"deadlines\.csv: does not match summary\.json \(line 4, deadline 'g8_summit', outcome "
        r"'announced': difference differ\)",
    ),
    (
        "width ratio inf",
        edit_cell("deadlines.csv", 4, "width_ratio", "inf"),
        r"deadlines\.csv: line 4, column 'width_ratio': expected a number, 0 or more, or an "
        r"empty cell, got 'inf'",
    ),
    (
        "pairs that do not add up",
        set_key("result", "deadlines", 6, "neither", value=34),
        r"key 'result\.deadlines\[6\]\.neither': expected the pairs left of the 40 runs, got 34",
    ),
    (
        "difference not alt minus base",
        set_key("result", "deadlines", 6, "outcomes", 0, "difference", value=0.25),
        r"key 'result\.deadlines\[6\]\.outcomes\[0\]\.difference': expected alt_probability - "
        r"base_probability",
    ),
    (
        "alt runs of another size",
        set_key("result", "alt", "runs", value=41),
        r"key 'result\.alt\.runs': expected 40, as 'result\.runs', got 41",
    ),
    (
        "alternative of other stages",
        set_key("result", "alt", "stages", 0, "name", value="drafted"),
        r"key 'result\.alt\.stages': expected the stages and endings of result\.base",
    ),
    (
        "an alternative run reached its stage later",
        edit_cell("runs.csv", 2, "alt_stage_convened_day", "600.0"),
        r"runs\.csv: does not match summary\.json \(\d+ runs, not \d+, reached 'convened' by",
    ),
    (
        "paired runs truncated",
        truncate("runs.csv"),
        r"runs\.csv: does not match summary\.json \(39 paired runs, not 40\)",
    ),
    (
        "an alternative column missing",
        lambda f: (f / "runs.csv").write_text(
            (f / "runs.csv").read_text(encoding="utf-8").replace("alt_events", "alt_eventz"),
            encoding="utf-8",
        ),
        r"runs\.csv: no column alt_events; the file is incomplete",
    ),
]

SWEEP_CASES: list[tuple[str, Callable[[Path], None], str]] = [
    (
        "a design of another kind",
        set_key("design", "kind", value="random", name="sweep.json"),
        r"sweep\.json: key 'design\.kind': expected \"grid\" or \"lhs\" or \"sobol\"",
    ),
    (
        "points that do not add up",
        set_key("design", "points", value=4, name="sweep.json"),
        r"sweep\.json: key 'design\.points': expected 3, the points listed, got 4",
    ),
    (
        "a probability not its count's share",
        edit_cell("sweep_outcomes.csv", 2, "probability", "0.5"),
        r"sweep_outcomes\.csv: line 2, column 'probability': expected 0/8, its count's share",
    ),
    (
        "a value not the design's",
        edit_cell("sweep.csv", 2, "actors.russia.tempo_days", "5"),
        r"sweep\.csv: line 2, column 'actors\.russia\.tempo_days': expected 4, as in sweep\.json",
    ),
    (
        "sweep.csv not the outcomes' numbers",
        edit_cell("sweep.csv", 3, "mid_2014_reached", "2"),
        r"sweep\.csv: does not match sweep_outcomes\.csv \(line 3, deadline 'mid_2014'",
    ),
    (
        "sweep_outcomes.csv short of a row",
        truncate("sweep_outcomes.csv"),
        r"sweep_outcomes\.csv: does not match sweep\.json \(not one row per point, deadline and "
        r"outcome",
    ),
]

SENSITIVITY_CASES: list[tuple[str, Callable[[Path], None], str]] = [
    (
        "an index not the JSON file's",
        edit_cell("sensitivity.csv", 30, "first", "0.5"),
        r"sensitivity\.csv: does not match sensitivity\.json \(line 30: other indices\)",
    ),
    (
        "an index of inf",
        edit_cell("sensitivity.csv", 3, "total_high", "inf"),
        r"sensitivity\.csv: line 3, column 'total_high': expected a finite number, got 'inf'",
    ),
    (
        "a negative variance",
        set_key("output_variance", "end_of_2013/convened", value=-1, name="sensitivity.json"),
        r"sensitivity\.json: key 'output_variance\.end_of_2013/convened': expected a number, 0 "
        r"or more, got -1",
    ),
    (
        "samples of none",
        set_key("samples", value=0, name="sensitivity.json"),
        r"sensitivity\.json: key 'samples': expected a whole number, 1 or more, got 0",
    ),
]


def refused(folder: Path, capsys: pytest.CaptureFixture[str]) -> list[str]:
    """The lines ``negsim report`` prints on stderr before exiting with status 2."""
    assert main(["report", str(folder)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert lines
    assert all(line.startswith("negsim: report: ") for line in lines), lines
    assert "Traceback" not in captured.err
    assert not (folder / "report.html").exists()
    return lines


@pytest.mark.parametrize(
    ("source", "damage", "message"),
    [pytest.param("run", d, m, id=f"run: {name}") for name, d, m in RUN_CASES]
    + [pytest.param("compare", d, m, id=f"compare: {name}") for name, d, m in COMPARE_CASES]
    + [pytest.param("sweep", d, m, id=f"sweep: {name}") for name, d, m in SWEEP_CASES]
    + [
        pytest.param("sensitivity", d, m, id=f"sensitivity: {name}")
        for name, d, m in SENSITIVITY_CASES
    ],
)
def test_a_hostile_folder_is_refused_one_line_per_problem_and_exit_2(
    source: str,
    damage: Callable[[Path], None],
    message: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    folder = shutil.copytree(DATA / source, tmp_path / "results")
    refuse_unless_whole = {"sweep": read_sweep, "sensitivity": read_sensitivity}
    read = refuse_unless_whole.get(source, read_results)
    read(folder)  # whole, it reads
    damage(folder)
    with pytest.raises(ResultsError):
        read(folder)
    lines = refused(folder, capsys)
    assert any(re.search(message, line) for line in lines), lines


def test_every_problem_is_reported_at_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = shutil.copytree(DATA / "run", tmp_path / "results")
    edit_cell("runs.csv", 2, "final_readiness", "2")(folder)
    edit_cell("runs.csv", 5, "announcements", "-1")(folder)
    edit_cell("deadlines.csv", 3, "ci_high", "nan")(folder)
    lines = refused(folder, capsys)
    assert len(lines) == 3
    assert "deadlines.csv: line 3, column 'ci_high'" in lines[0]
    assert "runs.csv: line 2, column 'final_readiness'" in lines[1]
    assert "runs.csv: line 5, column 'announcements'" in lines[2]


def test_a_flood_of_problems_is_counted_after_the_first_ones(tmp_path: Path) -> None:
    folder = shutil.copytree(DATA / "run", tmp_path / "results")
    path = folder / "runs.csv"
    lines = path.read_text(encoding="utf-8").split("\n")
    header = lines[0].split(",")
    column = header.index("final_readiness")
    for i in range(1, 41):
        cells = lines[i].split(",")
        cells[column] = "7"
        lines[i] = ",".join(cells)
    path.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(ResultsError) as caught:
        read_results(folder)
    assert len(caught.value.problems) == 40
    shown = caught.value.lines()
    assert len(shown) == MAX_PROBLEMS + 1
    assert shown[-1] == f"... and {40 - MAX_PROBLEMS} more problems"


def test_an_unfinished_sweep_says_how_to_finish_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "sweep"
    sweep = Sweep(["actors.russia.tempo_days=4:12"], points=3, runs=2)
    out.mkdir()
    sweep.open_store(out)  # the log's header: no point finished yet
    lines = refused(out, capsys)
    assert len(lines) == 1
    assert re.search(
        r"a sweep that has not finished \(0 of 3 points are in points\.jsonl\); finish it with "
        r"the same 'negsim sweep \.\.\. --out .*' and --resume",
        lines[0],
    ), lines


def test_a_folder_of_no_kind_names_what_it_looked_for(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = refused(tmp_path, capsys)
    assert lines == [
        f"negsim: report: {tmp_path}: not a results folder: it has none of summary.json "
        "(negsim run --out or negsim compare --out); sweep.json (negsim sweep --out); "
        "sensitivity.json (negsim sensitivity --out); backtest.json (negsim backtest --out); "
        "calibration_result.json (negsim calibrate --out)"
    ]


def test_a_results_error_is_an_input_error() -> None:
    from sim.errors import InputError

    assert issubclass(ResultsError, InputError)
    assert ResultsError.exit_status == 2


def test_records_are_frozen() -> None:
    folder = read_results(DATA / "run_endings")
    assert isinstance(folder, RunFolder)
    with pytest.raises(dataclasses.FrozenInstanceError):
        folder.summary.result.runs = 3  # type: ignore[misc]
    assert isinstance(folder.summary.result.start, dt.date)
    endings = {x.name for x in folder.summary.result.endings}
    assert set(folder.runs.column(RUN_COLUMNS[1])) <= endings | {None}
