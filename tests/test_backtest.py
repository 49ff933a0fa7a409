"""Backtests: the scores against hand computation, the targets, the truth, and the CLI."""

from __future__ import annotations

import json
import math
import subprocess
import sys

import numpy as np
import pytest
from calibration_cases import day, pair_dict
from conftest import negsim_in_process, to_toml

from sim.experiments.backtest import (
    BacktestError,
    BacktestResult,
    backtest,
    check_origins,
    score_origin,
    targets_after,
    truth,
)
from sim.experiments.executors import ExecutorSpec
from sim.experiments.scores import (
    brier,
    crps_exponential,
    crps_sample,
    log_score,
    predictive_percentile,
)
from sim.scenario import scenario_from_dict

# A record: a meeting, a target date for day 60, a date announced on day 100 for day 130,
# the conference convened then, and a last meeting on day 150 (the record's end).
EVENTS = {
    "m0": {"date": day(5), "actor": "a", "kind": "meeting", "partner": "b"},
    "aim": {"date": day(10), "actor": "a", "kind": "target_date", "target_days": 50},
    "aim2": {"date": day(20), "actor": "a", "kind": "target_date", "target_days": 70},
    "announce": {
        "date": day(100),
        "actor": "a",
        "kind": "announce_date",
        "stage": "convened",
        "to": day(130),
    },
    "opens": {"date": day(130), "actor": "a", "kind": "reach_stage", "stage": "convened"},
    "m1": {"date": day(150), "actor": "a", "kind": "meeting", "partner": "b"},
}


@pytest.fixture(scope="module")
def staged():
    return scenario_from_dict(pair_dict(EVENTS), source="<staged>")


def test_truth_is_the_record_replayed(staged):
    assert truth(staged) == (100, 130)


def test_targets_of_an_origin(staged):
    targets = targets_after(staged, 50, (100, 130))
    # deadline early (day 60) is also aim's target: counted once; aim2 names day 90; deadline
    # middle is day 120; late (200) and last (300) are after the record's end (day 150)
    assert [(t.stage, t.day, t.source) for t in targets] == [
        (1, 60, "deadline early"),
        (1, 90, "target_date aim2"),
        (1, 120, "deadline middle"),
    ]
    assert targets_after(staged, 135, (100, 130)) == []


def test_scores_against_hand_computation(staged):
    real = (100, 130)
    nan = math.nan
    runs = np.array([[40.0, 55.0], [90.0, 110.0], [120.0, 140.0], [nan, nan]])
    o = score_origin(staged, day(50), runs, real)
    np.testing.assert_allclose(o.p_model, [0.25, 0.25, 0.5])
    assert o.outcome.tolist() == [False, False, False]
    # constant hazard: elapsed 50 days from the start, rate ln 2 / 50 from day 50
    np.testing.assert_allclose(o.p_hazard, [1 - 2**-0.2, 1 - 2**-0.8, 1 - 2**-1.4])
    result = BacktestResult(staged, (o,), real, runs=4, seed=0, calibrated=False)
    scores = result.scores()
    assert scores["brier_model"] == pytest.approx((0.25**2 + 0.25**2 + 0.5**2) / 3)
    assert scores["brier_flat"] == pytest.approx(0.25)
    assert scores["log_model"] == pytest.approx(-(2 * math.log(0.75) + math.log(0.5)) / 3)
    assert scores["log_flat"] == pytest.approx(math.log(2))
    convened = next(st for st in o.stages if st.stage == "convened")
    # sample [55, 110, 140, 401] (the run that never convened: the day after the horizon)
    # E|X - 130| = 94; E|X - X'| = 2/16 * (-3*55 - 110 + 140 + 3*401) = 133.5
    assert convened.crps == pytest.approx(94 - 133.5 / 2)
    assert convened.percentile == pytest.approx(0.5)
    assert convened.inside
    announced = next(st for st in o.stages if st.stage == "announced")
    # [40, 90, 120, 401] against 100: 2 below -> 0.5
    assert announced.percentile == pytest.approx(0.5)
    rate = math.log(2) / 50
    assert convened.hazard_crps == pytest.approx(crps_exponential(rate, 80))


def test_score_functions_by_hand():
    assert brier([1.0, 0.0, 0.5], [True, True, False]) == pytest.approx((0 + 1 + 0.25) / 3)
    assert log_score([0.0], [True], eps=0.01) == pytest.approx(-math.log(0.01))
    assert crps_sample([3.0], 1.0) == pytest.approx(2.0)
    assert crps_sample([0.0, 2.0], 1.0) == pytest.approx(1.0 - 0.5)
    assert predictive_percentile([1.0, 2.0, 2.0, 3.0], 2.0) == pytest.approx(0.5)


def test_crps_of_the_exponential_matches_a_large_sample():
    rng = np.random.default_rng(0)
    sample = rng.exponential(scale=1 / 0.05, size=200_000)
    assert crps_exponential(0.05, 30.0) == pytest.approx(crps_sample(sample, 30.0), rel=0.01)


def test_origins_outside_the_record(staged):
    with pytest.raises(BacktestError, match="before the start"):
        check_origins(staged, [day(-1)])
    with pytest.raises(BacktestError, match="after the end of the record"):
        check_origins(staged, [day(151)])
    assert check_origins(staged, [day(60), day(30), day(60)]) == [day(30), day(60)]


def test_backtest_is_the_same_on_one_and_two_workers(staged):
    a = backtest(staged, [day(50), day(110)], runs=60, seed=2, executor=ExecutorSpec(workers=1))
    b = backtest(staged, [day(50), day(110)], runs=60, seed=2, executor=ExecutorSpec(workers=2))
    assert a.to_json()["origins"] == b.to_json()["origins"]
    assert len(a.origins[1].targets) == 1  # from day 110: the deadline of day 120


@pytest.fixture(scope="module")
def staged_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("staged") / "staged.toml"
    path.write_text(to_toml(pair_dict(EVENTS)), encoding="utf-8")
    return path


@pytest.mark.slow
def test_cli_backtest_in_a_subprocess(staged_file, tmp_path):
    out = tmp_path / "bt"
    cmd = [
        sys.executable,
        "-m",
        "sim",
        "backtest",
        str(staged_file),
        "--origins",
        "2020-02-20,2020-04-20",
        "--runs",
        "50",
        "--workers",
        "1",
        "--out",
        str(out),
        "--format",
        "json",
    ]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    obj = json.loads(done.stdout)
    assert obj["truth"] == {"announced": "2020-04-10", "convened": "2020-05-10"}
    assert [o["origin"] for o in obj["origins"]] == ["2020-02-20", "2020-04-20"]
    for name in ("targets.csv", "stages.csv", "reliability.png", "forecasts.png", "backtest.json"):
        assert (out / name).is_file(), name


@pytest.mark.slow
def test_cli_backtest_with_calibration(staged_file):
    done = negsim_in_process(
        "backtest",
        str(staged_file),
        "--origins",
        "2020-04-20",
        "--runs",
        "30",
        "--workers",
        "1",
        "--calibrate",
        "--population",
        "20",
        "--generations",
        "2",
        "--predictive-runs",
        "10",
    )
    assert done.returncode == 0, done.stderr
    assert "calibrated at each origin" in done.stdout


def test_cli_bad_origins_are_one_line_and_exit_2(staged_file):
    for origins, message in (
        ("2019-12-01", "before the start"),
        ("2020-06-01", "after the end of the record"),
        ("2020-13-01", "expected a date"),
    ):
        done = negsim_in_process("backtest", str(staged_file), "--origins", origins)
        assert done.returncode == 2, done.stderr
        assert done.stderr.count("\n") == 1, done.stderr
        assert message in done.stderr
