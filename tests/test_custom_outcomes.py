"""Custom outcomes in Monte Carlo runs and sweeps; kept runs; designs from tables."""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from sim.engine.result import RunResult
from sim.experiments.custom import CustomOutcome, CustomSummary, OutcomeError, parse_outcome
from sim.experiments.designs import DesignError, design_from_table, read_design_csv
from sim.experiments.executors import ExecutorSpec
from sim.experiments.montecarlo import run_monte_carlo
from sim.experiments.store import read_log
from sim.experiments.sweep import PointError, Sweep, SweepResult, _write_runs_csv
from sim.scenario import Scenario

SERIAL = ExecutorSpec(workers=1)
TEMPO = "actors.russia.tempo_days"


def runs_csv(result: SweepResult, folder: Path) -> str:
    path = folder / "sweep_runs.csv"
    _write_runs_csv(result, path)
    return path.read_text()


def many_arms(run: RunResult) -> bool:
    """Russia shipped arms more than three times before the run ended."""
    return run.counts().get(("russia", "arms_shipment"), 0) > 3


def opening_day(run: RunResult) -> int | None:
    return run.stage_days[-1]


def returns_text(run: RunResult) -> str:
    return "yes"


# -- Monte Carlo --------------------------------------------------------------------------------


def test_monte_carlo_estimates_booleans_with_wilson_and_numbers_with_t(baseline: Scenario) -> None:
    mc = run_monte_carlo(
        baseline, 40, 3, executor=SERIAL, outcomes=[many_arms, "days:announced:convened"]
    )
    arms, days = mc.custom()
    values = mc.outcomes.custom
    assert arms.kind == "boolean"
    assert arms.interval == "95% Wilson"
    assert arms.count == int(values[:, 0].sum())
    assert arms.n == 40
    assert days.kind == "number"
    assert days.interval == "95% t"
    defined = values[:, 1][~np.isnan(values[:, 1])]
    assert days.n == len(defined)
    assert days.estimate == pytest.approx(defined.mean())
    low, high = stats.t.interval(0.95, len(defined) - 1, defined.mean(), stats.sem(defined))
    assert (days.low, days.high) == pytest.approx((low, high))
    # The days between the stages are what the stage days say, run by run.
    gap = mc.outcomes.stage_days[:, 1] - mc.outcomes.stage_days[:, 0]
    np.testing.assert_array_equal(values[:, 1], gap)


def test_custom_outcomes_appear_in_json_and_pandas(baseline: Scenario) -> None:
    mc = run_monte_carlo(baseline, 10, 1, executor=SERIAL, outcomes={"opening": opening_day})
    (entry,) = mc.to_json()["custom_outcomes"]
    assert entry["name"] == "opening"
    assert entry["interval"] == "95% t"
    frame = mc.to_pandas()
    np.testing.assert_array_equal(frame["opening"], mc.outcomes.stage_days[:, -1])
    plain = run_monte_carlo(baseline, 5, 1, executor=SERIAL)
    assert "custom_outcomes" not in plain.to_json()


@pytest.mark.slow
def test_results_are_identical_for_any_number_of_workers(baseline: Scenario) -> None:
    outcomes = [many_arms, "count:russia:arms_shipment", "readiness"]
    one = run_monte_carlo(baseline, 60, 7, executor=SERIAL, outcomes=outcomes)
    two = run_monte_carlo(baseline, 60, 7, executor=ExecutorSpec(workers=2), outcomes=outcomes)
    assert one.outcomes.custom.tobytes() == two.outcomes.custom.tobytes()
    assert one.custom() == two.custom()
    sweep = Sweep([f"{TEMPO}=2:10"], points=3, runs=20, seed=4, outcomes=outcomes, keep_runs=True)
    serial, parallel = sweep.run(SERIAL), sweep.run(ExecutorSpec(workers=2))
    assert serial.custom_summaries == parallel.custom_summaries
    assert serial.custom_records() == parallel.custom_records()
    for a, b in zip(serial.kept or (), parallel.kept or (), strict=True):
        assert a.custom.tobytes() == b.custom.tobytes()


def test_a_lambda_or_a_nested_function_is_refused_with_a_clear_line(baseline: Scenario) -> None:
    def nested(run: RunResult) -> bool:
        return True

    for function in (lambda run: 1, nested):
        with pytest.raises(OutcomeError, match="cannot be sent to worker processes"):
            run_monte_carlo(baseline, 2, executor=SERIAL, outcomes=[function])


def test_a_value_of_another_type_names_the_outcome_and_the_run(baseline: Scenario) -> None:
    with pytest.raises(OutcomeError, match="'returns_text': returned str 'yes' on run 0"):
        run_monte_carlo(baseline, 2, executor=SERIAL, outcomes=[returns_text])


def test_names_must_be_unique(baseline: Scenario) -> None:
    with pytest.raises(OutcomeError, match="given twice"):
        run_monte_carlo(baseline, 2, executor=SERIAL, outcomes=[many_arms, many_arms])


# -- the named outcomes: parsed, never evaluated -------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("count:rusia:arms_shipment", "no actor 'rusia'"),
        ("count:russia:tea_party", "no kind of action 'tea_party'"),
        ("days:announced", "expected days:STAGE_A:STAGE_B"),
        ("__import__('os')", "unknown outcome"),
        ("ending:walkout", "no ending 'walkout'"),
        ("gate:nope", "no gate 'nope'"),
    ],
)
def test_a_bad_named_outcome_is_one_line(baseline: Scenario, text: str, message: str) -> None:
    with pytest.raises(OutcomeError, match=message) as info:
        parse_outcome(text, baseline)
    assert "\n" not in str(info.value)


def test_named_outcomes_measure_what_they_say(baseline: Scenario) -> None:
    mc = run_monte_carlo(
        baseline,
        12,
        2,
        executor=SERIAL,
        outcomes=["took:russia:arms_shipment", "day:convened", "reached:convened", "announcements"],
    )
    took, day, reached, announcements = mc.outcomes.custom.T
    convened = mc.outcomes.stage_days[:, -1]
    np.testing.assert_array_equal(day, convened)
    np.testing.assert_array_equal(reached, ~np.isnan(convened))
    np.testing.assert_array_equal(announcements, mc.outcomes.announcements)
    assert set(took) <= {0.0, 1.0}
    kinds = [e.kind for e in mc.custom()]
    assert kinds == ["boolean", "number", "boolean", "number"]


def test_a_summary_reads_back_exactly_from_its_json() -> None:
    values = np.array([1.0, 2.5, np.nan, 1 / 3])
    summary = CustomSummary.of("x", values, np.zeros(4, np.bool_))
    assert CustomSummary.from_json("x", summary.to_json()) == summary
    assert summary.n == 3
    assert math.isclose(summary.estimate().median or 0, 1.0)


def test_a_custom_outcome_object_checks_its_name() -> None:
    with pytest.raises(OutcomeError, match="without commas"):
        CustomOutcome("a,b", many_arms)


# -- sweeps: estimates per point, kept runs, resuming ------------------------------------------


def test_a_sweep_keeps_its_runs_and_resumes_to_the_same_tables(tmp_path: Path) -> None:
    sweep = Sweep(
        [f"{TEMPO}=2:10"],
        design="lhs",
        points=3,
        runs=6,
        seed=1,
        outcomes=[many_arms, "days:announced:convened"],
        keep_runs=True,
    )
    whole = sweep.run(SERIAL)
    store = sweep.open_store(tmp_path)
    # As if interrupted after the first point: only its record is in the log.
    first = sweep.run(SERIAL, store=store)
    lines = (tmp_path / "points.jsonl").read_text().splitlines()
    (tmp_path / "points.jsonl").write_text("\n".join(lines[:2]) + "\n")
    resumed = sweep.run(SERIAL, store=sweep.open_store(tmp_path, resume=True))
    assert resumed.resumed == 1
    for result in (first, resumed):
        assert result.csv_text() == whole.csv_text()
        assert runs_csv(result, tmp_path) == runs_csv(whole, tmp_path)
        assert result.custom_records() == whole.custom_records()
    assert len(read_log(tmp_path / "points.jsonl").records) == 3

    rows = whole.run_records()
    assert len(rows) == 18
    assert list(rows[0]) == whole.run_columns()
    frame = whole.runs_to_pandas()
    assert list(frame.columns) == whole.run_columns()
    assert frame.to_dict("records")[5] == pytest.approx(rows[5], nan_ok=True)
    # The per-point estimates are those of the kept runs.
    for point in range(3):
        runs = frame[frame["point"] == point]
        e = whole.custom_estimate(point, "many_arms")
        assert e.count == int(runs["many_arms"].sum())
    table = whole.to_pandas()
    assert list(table.columns) == whole.columns()
    assert table["many_arms_n"].tolist() == [6, 6, 6]
    written = [p.name for p in whole.save(tmp_path)]
    assert written == [
        "sweep.csv",
        "sweep_outcomes.csv",
        "sweep_custom.csv",
        "sweep_runs.csv",
        "sweep.json",
    ]
    header = (tmp_path / "sweep_runs.csv").read_text().splitlines()[0]
    assert header.startswith(f"point,run,seed,{TEMPO},stage_announced_day")


def test_a_sweep_without_kept_runs_says_how_to_keep_them() -> None:
    result = Sweep([f"{TEMPO}=2:3"], runs=1, points=2).run(SERIAL)
    with pytest.raises(ValueError, match="keep_runs=True"):
        result.run_records()


def test_resuming_with_other_outcomes_is_refused(tmp_path: Path) -> None:
    Sweep([f"{TEMPO}=2:3"], runs=1, points=2).run(SERIAL, store=None)
    plain = Sweep([f"{TEMPO}=2:3"], runs=1, points=2)
    plain.run(SERIAL, store=plain.open_store(tmp_path))
    other = Sweep([f"{TEMPO}=2:3"], runs=1, points=2, outcomes=[many_arms])
    with pytest.raises(Exception, match="outcomes"):
        other.open_store(tmp_path, resume=True)


def test_too_many_kept_runs_are_refused() -> None:
    sweep = Sweep([f"{TEMPO}=2:10"], design="lhs", points=2000, runs=1001, keep_runs=True)
    with pytest.raises(DesignError, match="keep fewer"):
        sweep.validate()


# -- designs made elsewhere ---------------------------------------------------------------------


def test_a_design_table_from_pandas_numpy_or_csv_is_the_same(tmp_path: Path) -> None:
    pandas = pytest.importorskip("pandas")
    keys = [TEMPO, "convening.announce_threshold"]
    rows = [[2, 0.5], [5, 0.55], [9, 0.6]]
    frame = pandas.DataFrame(rows, columns=keys)
    (tmp_path / "d.csv").write_text(
        ",".join(keys) + "\n" + "\n".join(f"{a},{b}" for a, b in rows) + "\n"
    )
    structured = np.array([tuple(r) for r in rows], dtype=[(keys[0], "i8"), (keys[1], "f8")])
    designs = [
        design_from_table(frame),
        design_from_table(np.array(rows, dtype=object), columns=keys),
        design_from_table(structured),
        read_design_csv(tmp_path / "d.csv"),
    ]
    for design in designs:
        assert design.points == designs[0].points
        assert design.kind == "table"
    assert designs[0].points[0] == {TEMPO: 2, "convening.announce_threshold": 0.5}
    assert isinstance(designs[-1].points[1][TEMPO], int)
    result = Sweep.from_table(frame, runs=3, seed=1).run(SERIAL)
    assert result.to_pandas()[TEMPO].tolist() == [2, 5, 9]
    again = Sweep.from_table(tmp_path / "d.csv", runs=3, seed=1).run(SERIAL)
    assert again.csv_text() == result.csv_text()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "the file is empty"),
        (f"{TEMPO}\n", "no rows"),
        (f"{TEMPO}\nabc\n", "row 2, column 'actors.russia.tempo_days': 'abc' is not a finite"),
        (f"{TEMPO}\nnan\n", "not a finite number"),
        (f"{TEMPO},x\n1\n", "row 2 has 1 cells, the header 2 columns"),
        ("bad key\n1\n", "is not a dotted path"),
        (f"{TEMPO},{TEMPO}\n1,2\n", "given twice"),
    ],
)
def test_a_bad_design_file_is_one_line(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "d.csv"
    path.write_text(text)
    with pytest.raises(DesignError, match=message) as info:
        read_design_csv(path)
    assert str(info.value).startswith(f"--design-file {path}: ")
    assert "\n" not in str(info.value)


def test_a_fifo_a_folder_a_missing_or_a_huge_file_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    with pytest.raises(DesignError, match="not a regular file"):
        read_design_csv(fifo)  # returns at once: a FIFO is never opened
    with pytest.raises(DesignError, match="is a folder"):
        read_design_csv(tmp_path)
    with pytest.raises(DesignError, match="no such file"):
        read_design_csv(tmp_path / "missing.csv")
    big = tmp_path / "big.csv"
    big.write_text(f"{TEMPO}\n" + "1\n" * 100)
    monkeypatch.setattr("sim.experiments.designs.MAX_DESIGN_FILE_BYTES", 50)
    with pytest.raises(DesignError, match="too large"):
        read_design_csv(big)


def test_an_unknown_key_in_a_design_table_names_the_key(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_text("actors.russia.tempo_dayz\n3\n")
    with pytest.raises(PointError, match=r"actors.russia.tempo_dayz: unknown key"):
        Sweep.from_table(path, runs=1).validate()


# -- figures and files --------------------------------------------------------------------------


def test_custom_outcome_figures_and_files(baseline: Scenario, tmp_path: Path) -> None:
    from matplotlib.figure import Figure

    from sim.output.custom_tables import custom_table, write_custom_outcomes
    from sim.output.discovery_figures import custom_outcomes_figure, sweep_custom_figure

    mc = run_monte_carlo(
        baseline, 10, 1, executor=SERIAL, outcomes=["reached:convened", "days:announced:convened"]
    )
    written = write_custom_outcomes(mc.custom(), tmp_path, "ten runs")
    assert [p.name for p in written] == ["custom_outcomes.csv", "custom_outcomes.png"]
    header = (tmp_path / "custom_outcomes.csv").read_text().splitlines()[0]
    assert header == "outcome,kind,estimate,ci_low,ci_high,interval,n,runs,count,sd,median"
    assert "95% Wilson" in custom_table(mc.custom())
    fig = custom_outcomes_figure(mc.custom())
    texts = [t.get_text() for ax in fig.axes for t in ax.get_yticklabels()]
    assert texts == ["reached:convened", "days:announced:convened"]
    result = Sweep([f"{TEMPO}=2:10"], points=3, runs=4, outcomes=["readiness"]).run(SERIAL)
    mine = Figure()
    ax = mine.add_subplot()
    assert sweep_custom_figure(result, "readiness", ax=ax) is mine
    assert ax.get_xlabel() == TEMPO
