"""Calibration: statistics, the keyed sampler's reproducibility, recovery, posterior files, CLI.

The ABC tests run on the two-actor pair scenario of :mod:`calibration_cases` (a record made by
the model with known tempos) with few particles; those over about 2 s are marked slow.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import subprocess
import sys

import numpy as np
import pytest
from calibration_cases import START, TRUTH, day, pair_dict, pair_with_record
from conftest import negsim_in_process, to_toml

from sim.engine import simulate
from sim.experiments.calibration_tasks import particle_seeds, simulate_stage_days
from sim.experiments.posterior import (
    Posterior,
    PosteriorError,
    read_posterior,
    weighted_quantile,
)
from sim.experiments.summaries import observed, summarize, summary_spec, window_scenario
from sim.scenario import ScenarioError, load_scenario, scenario_from_dict, with_overrides

pyabc = pytest.importorskip("pyabc")

from sim.experiments.calibrate import (  # noqa: E402 - after the skip
    CalibrationError,
    CalibrationSettings,
    calibrate,
    robust_scale,
)
from sim.experiments.executors import ExecutorSpec  # noqa: E402

SMALL = CalibrationSettings(population=30, generations=2, predictive_runs=20)


@pytest.fixture(scope="module")
def pair():
    return pair_with_record()


# -- statistics --------------------------------------------------------------------------


def test_statistics_count_both_parties_of_a_meeting(pair):
    spec = summary_spec(pair, day(89))
    assert spec.periods == 3
    # b's blame statements target a, but only a joint act counts for its other party
    assert spec.pairs == (("a", "meeting"), ("b", "meeting"), ("b", "blame_statement"))
    obs = dict(zip(spec.names, observed(pair, spec), strict=True))
    meetings = [e for e in pair.events if e.kind.value == "meeting" and e.day <= 89]
    for k in range(3):
        in_period = sum(1 for e in meetings if 30 * k <= e.day < 30 * (k + 1))
        assert obs[f"count:a:meeting:p{k}"] == in_period
        assert obs[f"count:b:meeting:p{k}"] == in_period
    assert obs["stage:announced"] == 90  # not reached by day 89: censored at 90
    assert obs["missed:early"] == 1


def test_window_scenario_gives_the_same_window_as_the_whole_horizon(pair):
    until = day(100)
    spec = summary_spec(pair, until)
    short = window_scenario(pair, until)
    whole = with_overrides(pair, {"as_of": pair.start})
    assert short.horizon < whole.horizon
    for run in range(20):
        a = summarize(simulate(short, 7, run, trace=True), spec)
        b = summarize(simulate(whole, 7, run, trace=True), spec)
        np.testing.assert_array_equal(a, b)


def test_robust_scale_falls_back_to_the_standard_deviation():
    samples = np.array([[0.0, 1.0], [0.0, 2.0], [0.0, 3.0], [1.0, 4.0], [0.0, 5.0]])
    scale = robust_scale(samples=samples)
    assert scale[0] == pytest.approx(np.std(samples[:, 0]))
    assert scale[1] == pytest.approx(1.4826 * 1.0)


def test_particle_seeds_are_keyed_by_generation_and_index():
    a = particle_seeds(3, 1, 5)
    assert particle_seeds(3, 1, 5)[2] == a[2]
    assert particle_seeds(3, 1, 6)[2] != a[2]
    assert particle_seeds(3, 2, 5)[2] != a[2]
    assert 0 <= a[2] < 2**63


# -- the posterior sample ----------------------------------------------------------------


def test_weighted_quantile_by_hand():
    values = np.array([1.0, 2.0, 3.0, 4.0])
    weights = np.array([1.0, 1.0, 1.0, 1.0])
    # midpoints of the cumulative weights: 0.125, 0.375, 0.625, 0.875
    assert weighted_quantile(values, weights, 0.5)[0] == pytest.approx(2.5)
    assert weighted_quantile(values, np.array([0, 0, 1.0, 0]), 0.5)[0] == 3.0


def test_posterior_draw_follows_the_weights_and_is_keyed():
    post = Posterior(("x",), np.array([[1.0], [2.0], [3.0]]), np.array([0.0, 3.0, 1.0]))
    rows = [post.draw(9, i) for i in range(4000)]
    assert rows == [post.draw(9, i) for i in range(4000)]
    assert 0 not in rows
    assert rows.count(1) / 4000 == pytest.approx(0.75, abs=0.03)


def test_posterior_csv_round_trip(tmp_path, pair):
    post = Posterior(
        ("actors.a.tempo_days", "actors.b.tempo_days"),
        np.array([[4.25, 11.0], [5.5, 13.125]]),
        np.array([0.25, 0.75]),
    )
    path = tmp_path / "posterior.csv"
    path.write_text(post.csv_text())
    back = read_posterior(path, pair)
    np.testing.assert_array_equal(back.values, post.values)
    np.testing.assert_array_equal(back.weights, post.weights)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("weight\n1\n", "expected a header"),
        ("mass,actors.a.tempo_days\n1,2\n", "expected a header"),
        ("weight,actors.a.tempo_days\n", "no particles"),
        ("weight,actors.a.tempo_days\n1,2,3\n", "line 2: 3 fields"),
        ("weight,actors.a.tempo_days\n1,abc\n", "is not a number"),
        ("weight,actors.a.tempo_days\n1,nan\n", "not finite"),
        ("weight,actors.a.tempo_days\n-1,2\n", "negative weight"),
        ("weight,actors.a.tempo_days\n0,2\n", "every weight is 0"),
        ("weight,actors.zz.tempo_days\n1,2\n", "not a number of the scenario"),
        ("weight,actors.a.tempo_days\n1,-2\n", "not valid for pair"),
    ],
)
def test_bad_posterior_files(tmp_path, pair, text, message):
    path = tmp_path / "posterior.csv"
    path.write_text(text)
    with pytest.raises(PosteriorError, match=message):
        read_posterior(path, pair)


def test_posterior_that_is_binary_a_fifo_or_huge(tmp_path, pair):
    binary = tmp_path / "binary.csv"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(PosteriorError, match="not UTF-8"):
        read_posterior(binary, pair)
    fifo = tmp_path / "fifo.csv"
    os.mkfifo(fifo)
    with pytest.raises(PosteriorError, match="not a regular file"):
        read_posterior(fifo, pair)
    huge = tmp_path / "huge.csv"
    with open(huge, "wb") as f:
        f.truncate(2000)
    with pytest.raises(PosteriorError, match="too large"):
        read_posterior(huge, pair, max_bytes=1000)
    with pytest.raises(PosteriorError, match="no such file"):
        read_posterior(tmp_path / "missing.csv", pair)


def test_stage_days_under_a_posterior_are_keyed(pair):
    post = Posterior(("actors.a.tempo_days",), np.array([[2.0], [20.0]]), np.array([0.5, 0.5]))
    scenario = with_overrides(pair, {"as_of": day(30)})
    whole = simulate_stage_days(post, scenario, 4, 0, 12)
    parts = np.concatenate(
        [
            simulate_stage_days(post, scenario, 4, 0, 5),
            simulate_stage_days(post, scenario, 4, 5, 12),
        ]
    )
    np.testing.assert_array_equal(whole, parts)


# -- the loader's checks of [calibration] ------------------------------------------------


def test_calibrated_key_that_does_not_exist():
    doc = pair_dict()
    doc["calibration"]["params"]["a_tempo"]["key"] = "actors.a.tempo"
    with pytest.raises(ScenarioError, match="is not a number of this scenario"):
        scenario_from_dict(doc, source="<pair>")


def test_prior_with_low_not_below_high():
    doc = pair_dict()
    doc["calibration"]["params"]["a_tempo"].update(low=5.0, high=5.0)
    with pytest.raises(ScenarioError, match="must be above low"):
        scenario_from_dict(doc, source="<pair>")


def test_window_must_lie_inside_the_record(pair):
    with pytest.raises(CalibrationError, match="must be after the scenario start"):
        calibrate(pair, START, settings=SMALL, executor=ExecutorSpec(workers=1))
    with pytest.raises(CalibrationError, match="the record of <pair> ends on"):
        calibrate(pair, day(399), settings=SMALL, executor=ExecutorSpec(workers=1))


def test_scenario_without_calibration_table():
    doc = pair_dict()
    del doc["calibration"]
    bare = scenario_from_dict(doc, source="<bare>")
    with pytest.raises(CalibrationError, match=r"no \[calibration\] table"):
        calibrate(bare, settings=SMALL, executor=ExecutorSpec(workers=1))


# -- ABC-SMC -----------------------------------------------------------------------------


@pytest.mark.slow
def test_same_posterior_on_one_and_two_workers(pair):
    one = calibrate(pair, seed=2, settings=SMALL, executor=ExecutorSpec(workers=1))
    two = calibrate(pair, seed=2, settings=SMALL, executor=ExecutorSpec(workers=2))
    np.testing.assert_array_equal(one.posterior.values, two.posterior.values)
    np.testing.assert_array_equal(one.posterior.weights, two.posterior.weights)
    assert [g.simulations for g in one.generations] == [g.simulations for g in two.generations]
    np.testing.assert_array_equal(one.check.simulated, two.check.simulated)


@pytest.mark.slow
def test_same_posterior_on_a_dask_local_cluster(pair):
    pytest.importorskip("distributed")
    from distributed import LocalCluster

    from sim.experiments.executors import Backend

    one = calibrate(pair, seed=2, settings=SMALL, executor=ExecutorSpec(workers=1))
    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        cluster.get_client() as client,
    ):
        backend = Backend(client.get_executor(pure=False), 2)
        dask = calibrate(pair, seed=2, settings=SMALL, executor=backend)
    np.testing.assert_array_equal(one.posterior.values, dask.posterior.values)


@pytest.mark.slow
def test_resume_gives_what_an_uninterrupted_calibration_gives(pair, tmp_path):
    settings3 = CalibrationSettings(population=30, generations=3, predictive_runs=20)
    whole = calibrate(pair, seed=4, settings=settings3, executor=ExecutorSpec(workers=1))
    folder = tmp_path / "abc"
    folder.mkdir()
    # "Interrupted" after two generations: a run told to stop there, then resumed.
    calibrate(pair, seed=4, settings=SMALL, executor=ExecutorSpec(workers=1), folder=folder)
    resumed = calibrate(
        pair,
        seed=4,
        settings=settings3,
        executor=ExecutorSpec(workers=1),
        folder=folder,
        resume=True,
    )
    np.testing.assert_array_equal(whole.posterior.values, resumed.posterior.values)
    assert [g.epsilon for g in whole.generations] == [g.epsilon for g in resumed.generations]
    with pytest.raises(CalibrationError, match="holds a calibration already"):
        calibrate(pair, seed=4, settings=SMALL, executor=ExecutorSpec(workers=1), folder=folder)
    with pytest.raises(CalibrationError, match="another calibration's"):
        calibrate(
            pair,
            seed=5,
            settings=SMALL,
            executor=ExecutorSpec(workers=1),
            folder=folder,
            resume=True,
        )


@pytest.mark.slow
def test_calibration_recovers_the_tempos_the_record_was_made_with(pair):
    result = calibrate(
        pair,
        seed=5,
        settings=CalibrationSettings(population=100, generations=6, predictive_runs=50),
        executor=ExecutorSpec(workers=2),
    )
    logs = np.log(result.posterior.values)
    w = result.posterior.weights[:, None]
    mean = (logs * w).sum(axis=0)
    sd = np.sqrt(((logs - mean) ** 2 * w).sum(axis=0))
    for j, key in enumerate(result.posterior.keys):
        # within 2.5 posterior standard deviations (in log space) of the truth
        assert abs(math.log(TRUTH[key]) - mean[j]) <= 2.5 * sd[j], (key, math.exp(mean[j]), sd[j])
        # and the posterior narrower than the prior (log10 1..30: sd 0.98 in ln units)
        assert sd[j] < 0.8 * math.log(30) / math.sqrt(12)


@pytest.mark.slow
def test_stops_at_the_minimum_acceptance_rate(pair):
    strict = CalibrationSettings(
        population=30, generations=8, min_acceptance=0.35, predictive_runs=10
    )
    result = calibrate(pair, seed=1, settings=strict, executor=ExecutorSpec(workers=1))
    assert "acceptance below --min-acceptance 0.35" in result.stop
    assert 1 <= len(result.generations) < 8


# -- the command line --------------------------------------------------------------------


@pytest.fixture(scope="module")
def pair_file(tmp_path_factory, pair):
    folder = tmp_path_factory.mktemp("pair")
    doc = pair_dict({k: v for k, v in pair.document["events"].items()})
    path = folder / "pair.toml"
    path.write_text(to_toml(doc), encoding="utf-8")
    return path


@pytest.mark.slow
def test_cli_calibrate_then_run_with_the_posterior_in_a_subprocess(pair_file, tmp_path):
    out = tmp_path / "cal"
    cmd = [
        sys.executable,
        "-m",
        "sim",
        "calibrate",
        str(pair_file),
        "--population",
        "30",
        "--generations",
        "2",
        "--predictive-runs",
        "20",
        "--workers",
        "1",
        "--seed",
        "3",
        "--out",
        str(out),
    ]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    assert "Posterior predictive check" in done.stdout
    for name in (
        "posterior.csv",
        "parameters.csv",
        "predictive_check.csv",
        "calibrated.toml",
        "posterior.png",
        "predictive_check.png",
        "calibration_result.json",
        "abc.db",
    ):
        assert (out / name).is_file(), name
    result = json.loads((out / "calibration_result.json").read_text())
    assert [p["id"] for p in result["parameters"]] == ["a_tempo", "b_tempo"]
    calibrated = load_scenario(out / "calibrated.toml")
    median = result["parameters"][0]["median"]
    assert calibrated.actor("a").tempo_days == pytest.approx(median, rel=1e-3)
    assert "# [calibrated] posterior median, 90% interval" in (out / "calibrated.toml").read_text()
    # run --posterior: the same numbers on 1 and 2 workers
    outs = []
    for workers in ("1", "2"):
        run = negsim_in_process(
            "run",
            str(pair_file),
            "--runs",
            "40",
            "--seed",
            "1",
            "--workers",
            workers,
            "--posterior",
            str(out / "posterior.csv"),
            "--format",
            "json",
        )
        assert run.returncode == 0, run.stderr
        outs.append(json.loads(run.stdout)["deadlines"])
    assert outs[0] == outs[1]
    # resume after the end does nothing new; without --resume the folder is refused
    again = negsim_in_process(*cmd[3:])
    assert again.returncode == 2
    assert "holds a calibration already" in again.stderr


def test_cli_bad_input_is_one_line_and_exit_2(pair_file, tmp_path):
    cases = [
        (
            ["calibrate", str(pair_file), "--until", "2019-01-01"],
            "must be after the scenario start",
        ),
        (["calibrate", str(pair_file), "--until", "2021-01-01"], "ends on"),
        (["calibrate", str(pair_file), "--until", "soon"], "expected a date"),
        (["calibrate", str(pair_file), "--resume"], "--resume needs --out"),
        (["calibrate", str(pair_file), "--min-acceptance", "2"], "between 0 and 1"),
    ]
    bad = tmp_path / "bad.csv"
    bad.write_text("weight,actors.nobody.tempo_days\n1,3\n")
    cases.append((["run", str(pair_file), "--posterior", str(bad)], "not a number of the scenario"))
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    cases.append((["run", str(pair_file), "--posterior", str(fifo)], "not a regular file"))
    corrupt = tmp_path / "corrupt.csv"
    corrupt.write_text("weight,actors.a.tempo_days\n1,4\n0.5")
    cases.append((["run", str(pair_file), "--posterior", str(corrupt)], "line 3: 1 fields"))
    huge = tmp_path / "huge.csv"
    with open(huge, "wb") as f:
        f.truncate(33 * 1024 * 1024)  # sparse: takes no room on disk
    cases.append((["run", str(pair_file), "--posterior", str(huge)], "too large"))
    bad_key = pair_dict()
    bad_key["calibration"]["params"]["a_tempo"]["key"] = "actors.a.speed"
    bad_key_file = tmp_path / "bad_key.toml"
    bad_key_file.write_text(to_toml(bad_key), encoding="utf-8")
    cases.append((["calibrate", str(bad_key_file)], "is not a number of this scenario"))
    bad_prior = pair_dict()
    bad_prior["calibration"]["params"]["b_tempo"].update(low=9.0, high=3.0)
    bad_prior_file = tmp_path / "bad_prior.toml"
    bad_prior_file.write_text(to_toml(bad_prior), encoding="utf-8")
    cases.append((["calibrate", str(bad_prior_file)], "must be above low (9), got 3"))
    for args, message in cases:
        done = negsim_in_process(*args)
        assert done.returncode == 2, (args, done.stderr)
        assert done.stderr.count("\n") == 1, done.stderr
        assert message in done.stderr, done.stderr


def test_cli_says_what_to_install_without_pyabc(pair_file, monkeypatch):
    monkeypatch.setitem(sys.modules, "pyabc", None)
    done = negsim_in_process("calibrate", str(pair_file))
    assert done.returncode == 2
    assert "pip install 'negsim[calibrate]'" in done.stderr
    assert done.stderr.count("\n") == 1


def test_dates_are_checked_before_pyabc_is_needed():
    assert dt.date(2020, 1, 1) == START
