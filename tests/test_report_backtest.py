"""``negsim report`` of a backtest's and a calibration's folders: pages, typed readers, damage.

The folders are real: a backtest of the Geneva-2 baseline from two origins (about a second),
and a calibration of the two-actor pair of :mod:`calibration_cases` (a few seconds, pyabc's
import included: its tests are marked slow). A damaged file (a bad
number, a missing column, a NaN) is one line naming the file and the key, exit status 2.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from calibration_cases import pair_with_record

from sim.cli import main
from sim.experiments.backtest import backtest
from sim.experiments.executors import ExecutorSpec
from sim.output.backtest_files import write_backtest
from sim.output.backtest_readers import read_backtest
from sim.output.backtest_records import (
    BacktestOrigin,
    BacktestScores,
    BacktestStage,
    BacktestSummary,
    BacktestTarget,
)
from sim.output.calibration_records import (
    CalibrationSummary,
    CheckRow,
    GenerationRow,
    ParameterRow,
    PredictiveCheckSummary,
)
from sim.output.fields import ResultsError, field_names
from sim.output.report import build_report, folder_kind
from sim.scenario import load_scenario

ONE = ExecutorSpec(workers=1)
NOW = dt.datetime(2026, 12, 2, 12, 0, tzinfo=dt.UTC)


# -- the folders ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def backtested(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    folder = tmp_path_factory.mktemp("bt")
    origins = [dt.date(2013, 6, 5), dt.date(2013, 12, 15)]
    result = backtest(load_scenario(), origins, runs=30, seed=2, executor=ONE)
    write_backtest(result, folder)
    return folder, result.to_json()


@pytest.fixture(scope="module")
def calibrated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    pytest.importorskip("pyabc")
    from sim.experiments.calibrate import CalibrationSettings, calibrate
    from sim.output.calibration_files import write_calibration

    folder = tmp_path_factory.mktemp("cal")
    settings = CalibrationSettings(population=20, generations=2, predictive_runs=20)
    result = calibrate(pair_with_record(), seed=3, settings=settings, executor=ONE, folder=folder)
    write_calibration(result, folder)
    return folder, result.to_json()


def copy(folder: Path, tmp_path: Path) -> Path:
    target = tmp_path / folder.name
    shutil.copytree(folder, target)
    return target


def refused(folder: Path, capsys: pytest.CaptureFixture[str]) -> list[str]:
    """The lines ``negsim report`` prints on stderr, exiting with status 2."""
    assert main(["report", str(folder)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "Traceback" not in captured.err
    assert not (folder / "report.html").exists()
    return captured.err.splitlines()


# -- the records are the files' keys ----------------------------------------------------------


def keys(record: Callable[..., Any]) -> set[str]:
    return set(field_names(record))


def test_the_backtest_records_name_the_keys_the_experiment_writes(
    backtested: tuple[Path, dict[str, Any]],
) -> None:
    obj = backtested[1]
    assert keys(BacktestSummary) == set(obj)
    assert keys(BacktestScores) == set(obj["scores"])
    assert keys(BacktestOrigin) == set(obj["origins"][0])
    assert keys(BacktestTarget) == set(obj["origins"][0]["targets"][0])
    assert keys(BacktestStage) == set(obj["origins"][0]["stages"][0])


@pytest.mark.slow
def test_the_calibration_records_name_the_keys_the_experiment_writes(
    calibrated: tuple[Path, dict[str, Any]],
) -> None:
    cal = calibrated[1]
    assert keys(CalibrationSummary) == set(cal)
    assert keys(GenerationRow) == set(cal["generations"][0])
    assert keys(ParameterRow) == set(cal["parameters"][0])
    assert keys(PredictiveCheckSummary) == set(cal["predictive_check"])
    assert keys(CheckRow) == set(cal["predictive_check"]["statistics"][0])


def header(path: Path) -> str:
    return path.read_text(encoding="utf-8").splitlines()[0]


def test_the_backtest_csv_files_keep_their_columns(
    backtested: tuple[Path, dict[str, Any]],
) -> None:
    bt = backtested[0]
    assert header(bt / "targets.csv") == "origin,stage,date,source,happened,p_model,p_flat,p_hazard"
    assert header(bt / "stages.csv") == (
        "origin,stage,actual,median,band_low,band_high,inside,percentile,crps_days,"
        "hazard_percentile,hazard_crps_days"
    )
    assert (bt / "targets.csv").read_text(encoding="utf-8").splitlines()[1].count(",False,") == 1


@pytest.mark.slow
def test_the_calibration_csv_files_keep_their_columns(
    calibrated: tuple[Path, dict[str, Any]],
) -> None:
    cal = calibrated[0]
    assert header(cal / "parameters.csv") == "id,key,prior,low,high,median,q05,q95"
    assert header(cal / "predictive_check.csv") == (
        "statistic,observed,median,low,high,percentile,inside"
    )


# -- the kinds -------------------------------------------------------------------------------


def test_a_backtest_folder_is_found_by_backtest_json(
    backtested: tuple[Path, dict[str, Any]],
) -> None:
    assert folder_kind(backtested[0]).name == "backtest"


@pytest.mark.slow
def test_a_calibration_is_found_by_the_file_written_last(
    calibrated: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    assert folder_kind(calibrated[0]).name == "calibration"
    running = copy(calibrated[0], tmp_path)
    (running / "calibration_result.json").unlink()
    with pytest.raises(ResultsError, match="a calibration that has not finished") as info:
        folder_kind(running)
    assert "--resume" in str(info.value)


# -- the pages -------------------------------------------------------------------------------


def test_a_backtest_page_shows_the_scores_dates_and_figures(
    backtested: tuple[Path, dict[str, Any]], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    folder, obj = backtested
    html = build_report(folder, now=NOW)
    assert "Backtest of geneva2_2013" in html
    scores = obj["scores"]
    for name in ("brier_model", "brier_hazard", "log_model", "log_hazard"):
        assert f"{scores[name]:.3f}" in html, name
    assert "0.250" in html  # the flat forecaster's Brier score
    assert "constant hazard" in html
    for stage, date in obj["truth"].items():
        assert stage in html
        assert date in html
    first = obj["origins"][0]
    assert first["targets"][0]["source"] in html
    assert f"{first['stages'][0]['crps_days']:.1f}" in html
    assert html.count("data:image/png;base64,") == 2
    assert "Figure 1. Reliability" in html
    assert "Figure 2. The forecast date of each stage" in html
    assert obj["scenario_sha256"] in html
    # the command line writes it
    out = tmp_path / "bt.html"
    assert main(["report", str(folder), "-o", str(out)]) == 0
    assert capsys.readouterr().err == ""
    assert "Backtest of geneva2_2013" in out.read_text(encoding="utf-8")


@pytest.mark.slow
def test_a_calibration_page_shows_the_parameters_and_the_check(
    calibrated: tuple[Path, dict[str, Any]], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    folder, obj = calibrated
    html = build_report(folder, now=NOW)
    assert "Calibration of pair to its record up to" in html
    for p in obj["parameters"]:
        assert p["key"] in html
        assert f"{p['median']:.4g}" in html
        assert f"{p['q05']:.4g} to {p['q95']:.4g}" in html
    check = obj["predictive_check"]
    assert f"{check['inside']} of {len(check['statistics'])} observed statistics" in html
    outside = sum(not r["inside"] for r in check["statistics"])
    assert html.count("<strong>outside</strong>") == outside
    assert html.count("data:image/png;base64,") == 2
    assert "Figure 1. Each parameter: prior and posterior" in html
    assert "Figure 2. Posterior predictive check" in html
    assert "[calibrated] posterior median" in html  # calibrated.toml, shown as written
    for row in ("seed", "particles per generation (population)", "why it stopped"):
        assert row in html
    assert obj["stop"] in html
    assert obj["scenario_sha256"] in html
    out = tmp_path / "cal.html"
    assert main(["report", str(folder), "-o", str(out)]) == 0
    assert capsys.readouterr().err == ""


@pytest.mark.slow
def test_text_from_a_calibration_is_escaped(
    calibrated: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    cal = copy(calibrated[0], tmp_path)
    path = cal / "calibration_result.json"
    obj = json.loads(path.read_text(encoding="utf-8"))
    obj["stop"] = "<script>alert(1)</script>"
    path.write_text(json.dumps(obj), encoding="utf-8")
    (cal / "calibrated.toml").write_text("# </pre><script>x</script>\n", encoding="utf-8")
    html = build_report(cal, now=NOW)
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "# &lt;/pre&gt;&lt;script&gt;x&lt;/script&gt;" in html


def test_text_from_a_backtest_is_escaped(
    backtested: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    bt = copy(backtested[0], tmp_path)
    path = bt / "backtest.json"
    obj = json.loads(path.read_text(encoding="utf-8"))
    obj["scenario"] = '<img src=x onerror="alert(1)">'
    path.write_text(json.dumps(obj), encoding="utf-8")
    html = build_report(bt, now=NOW)
    assert "<img src=x" not in html
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in html


# -- damaged folders -------------------------------------------------------------------------


def edit_json(name: str, change: Callable[[dict[str, Any]], None]) -> Callable[[Path], None]:
    def damage(folder: Path) -> None:
        path = folder / name
        obj = json.loads(path.read_text(encoding="utf-8"))
        change(obj)
        path.write_text(json.dumps(obj), encoding="utf-8")

    return damage


def edit_text(name: str, old: str, new: str) -> Callable[[Path], None]:
    def damage(folder: Path) -> None:
        path = folder / name
        text = path.read_text(encoding="utf-8")
        assert old in text
        path.write_text(text.replace(old, new, 1), encoding="utf-8")

    return damage


def edit_csv(name: str, row: int, column: str, value: str | None) -> Callable[[Path], None]:
    """Set one cell (``row`` 0 is the first after the header), or drop the column (None)."""

    def damage(folder: Path) -> None:
        path = folder / name
        lines = [line.split(",") for line in path.read_text(encoding="utf-8").splitlines()]
        k = lines[0].index(column)
        if value is None:
            lines = [cells[:k] + cells[k + 1 :] for cells in lines]
        else:
            lines[row + 1][k] = value
        path.write_text("\n".join(",".join(c) for c in lines) + "\n", encoding="utf-8")

    return damage


def _set(*path: Any, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(obj: dict[str, Any]) -> None:
        node = obj
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value

    return change


BACKTEST_DAMAGE = {
    "a bad number in the JSON file": (
        edit_json("backtest.json", _set("origins", 0, "scores", "brier_model", value="low")),
        "backtest.json: key 'origins[0].scores.brier_model': expected a number, 0 or more, "
        'got "low"',
    ),
    "NaN in the JSON file": (
        edit_text("backtest.json", '"brier_hazard": ', '"brier_hazard": NaN, "x": '),
        "backtest.json: key 'scores.brier_hazard': expected a number, 0 or more, got NaN",
    ),
    "a score its targets do not give": (
        edit_json("backtest.json", _set("scores", "log_flat", value=0.5)),
        "backtest.json: key 'scores.log_flat': expected 0.693147, from its targets, got 0.5",
    ),
    "a missing key": (
        edit_json("backtest.json", lambda obj: obj.pop("record_end")),
        "backtest.json: missing key 'record_end'",
    ),
    "a bad number in targets.csv": (
        edit_csv("targets.csv", 0, "p_model", "1.5"),
        "targets.csv: line 2, column 'p_model': expected a number from 0 to 1, got '1.5'",
    ),
    "nan in stages.csv": (
        edit_csv("stages.csv", 1, "percentile", "nan"),
        "stages.csv: line 3, column 'percentile': expected a number from 0 to 1, got 'nan'",
    ),
    "a missing column": (
        edit_csv("stages.csv", 0, "crps_days", None),
        "stages.csv: no column 'crps_days'; the file is incomplete",
    ),
    "a CSV file of another backtest": (
        edit_csv("targets.csv", 0, "p_hazard", "0.0"),
        "targets.csv: does not match backtest.json (line 2, column 'p_hazard': another value)",
    ),
}


@pytest.mark.parametrize("case", BACKTEST_DAMAGE)
def test_a_damaged_backtest_folder_is_one_line_and_exit_2(
    case: str,
    backtested: tuple[Path, dict[str, Any]],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    damage, message = BACKTEST_DAMAGE[case]
    folder = copy(backtested[0], tmp_path)
    damage(folder)
    lines = refused(folder, capsys)
    assert len(lines) == 1, lines
    assert f"{folder}{'/'}{message}" in lines[0]


CALIBRATION_DAMAGE = {
    "a bad number in the JSON file": (
        edit_json("calibration_result.json", _set("parameters", 1, "median", value="8")),
        "calibration_result.json: key 'parameters[1].median': expected a finite number, got \"8\"",
    ),
    "a count that does not add up": (
        edit_json("calibration_result.json", _set("predictive_check", "inside", value=0)),
        "calibration_result.json: key 'predictive_check.inside': expected ",
    ),
    "a missing column": (
        edit_csv("parameters.csv", 0, "q95", None),
        "parameters.csv: no column 'q95'; the file is incomplete",
    ),
    "nan in predictive_check.csv": (
        edit_csv("predictive_check.csv", 2, "observed", "nan"),
        "predictive_check.csv: line 4, column 'observed': expected a finite number, got 'nan'",
    ),
    "a posterior of another calibration": (
        edit_csv("posterior.csv", 0, "weight", "0.9"),
        "posterior.csv: does not match calibration_result.json (its ",
    ),
    "the identity of another calibration": (
        edit_json("calibration.json", _set("identity", "seed", value=99)),
        "calibration.json: does not match calibration_result.json (key 'identity.seed' is 99)",
    ),
}


@pytest.mark.slow
@pytest.mark.parametrize("case", CALIBRATION_DAMAGE)
def test_a_damaged_calibration_folder_is_one_line_and_exit_2(
    case: str,
    calibrated: tuple[Path, dict[str, Any]],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    damage, message = CALIBRATION_DAMAGE[case]
    folder = copy(calibrated[0], tmp_path)
    damage(folder)
    lines = refused(folder, capsys)
    assert len(lines) == 1, lines
    assert f"{folder}{'/'}{message}" in lines[0]


def test_the_readers_report_every_problem_at_once(
    backtested: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    folder = copy(backtested[0], tmp_path)
    edit_csv("targets.csv", 0, "p_model", "x")(folder)
    edit_csv("stages.csv", 0, "inside", "maybe")(folder)
    with pytest.raises(ResultsError) as info:
        read_backtest(folder)
    assert len(info.value.problems) == 2
    assert "column 'inside': expected True or False, got 'maybe'" in str(info.value)


def test_a_backtest_with_no_target_left_renders(tmp_path: Path) -> None:
    # After the record's last stage: nothing to score; the scores are null, stages.csv empty.
    result = backtest(load_scenario(), [dt.date(2014, 2, 10)], runs=5, seed=1, executor=ONE)
    write_backtest(result, tmp_path)
    assert (tmp_path / "stages.csv").read_text(encoding="utf-8").count("\n") == 1
    folder = read_backtest(tmp_path)
    assert folder.summary.scores.brier_model is None
    html = build_report(tmp_path, now=NOW)
    assert "no target to score" in html
    assert "The record reached no stage after any origin" in html
    assert "1 origin × 5 runs" in html


def test_a_forecast_date_after_the_horizon_is_never(
    backtested: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    # null in backtest.json, "never" in stages.csv: the same fact, read alike.
    folder = copy(backtested[0], tmp_path)
    first = backtested[1]["origins"][0]["stages"][0]
    edit_json("backtest.json", _set("origins", 0, "stages", 0, "band_high", value=None))(folder)
    edit_csv("stages.csv", 0, "band_high", "never")(folder)
    assert read_backtest(folder).summary.origins[0].stages[0].band_high is None
    html = build_report(folder, now=NOW)
    assert f"{first['band_low']}</span> to<br>never" in html
    edit_csv("stages.csv", 0, "band_high", "")(folder)
    with pytest.raises(
        ResultsError, match=r"column 'band_high': expected a date \(YYYY-MM-DD\), or never"
    ):
        read_backtest(folder)
