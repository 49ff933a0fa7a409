"""Scenario discovery with PRIM (EMA Workbench), the EMA adapter, and their command line."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import negsim_in_process

from sim.experiments.discovery import DiscoveryError, discover, load_sweep
from sim.experiments.executors import ExecutorSpec
from sim.experiments.sweep import Sweep, SweepResult

THRESHOLD = "stages.agreed.threshold"
TEMPO = "actors.alpha.tempo_days"

TINY_DISCOVERY = """\
name = "tiny_discovery"
title = "One parameter decides"
start = 2013-01-01
horizon = 2013-04-01

[initial]
readiness = 0.5             # stays there: one actor that only passes, no war

[gates.question]
contention = 0.0
resolved = true

[stages.agreed]
label = "an agreement"
gates = []
threshold = 0.6             # reached at once if at most 0.5, never if above

[actors.alpha]
tempo_days = 5.0
pass_weight = 1.0

[deadlines.soon]
date = 2013-02-01
"""
"""A scenario whose stage is reached at once when its threshold is at most the readiness (0.5)
and never otherwise: the threshold alone decides, the actor's tempo does not matter."""


@pytest.fixture(scope="module")
def tiny_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("discovery") / "tiny_discovery.toml"
    path.write_text(TINY_DISCOVERY, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def known(tiny_file: Path) -> SweepResult:
    sweep = Sweep(
        [f"{THRESHOLD}=0.05:0.95", f"{TEMPO}=2.0:10"],
        tiny_file,
        design="lhs",
        points=64,
        runs=5,
        seed=3,
    )
    return sweep.run(ExecutorSpec(workers=1))


def test_the_sweep_is_what_the_test_assumes(known: SweepResult) -> None:
    thresholds = np.array([p[THRESHOLD] for p in known.design.points])
    reached = known.convened[:, 0] / known.runs
    np.testing.assert_array_equal(reached, (thresholds <= 0.5).astype(float))


@pytest.mark.slow  # the first import of EMA Workbench takes about 2 s
def test_prim_finds_the_box_where_the_deciding_parameter_is_low(known: SweepResult) -> None:
    pytest.importorskip("ema_workbench")
    found = discover(known, "soon", above=0.5)
    assert found.cases == 32
    assert found.met_threshold
    (limit,) = found.limits  # only the threshold is restricted: the tempo does not matter
    assert limit.key == THRESHOLD
    assert limit.qp_low is None  # the box keeps the low end
    assert 0.5 <= limit.high <= 0.65
    assert limit.qp_high is not None
    assert limit.qp_high < 0.001
    assert found.box.coverage == 1.0
    assert found.box.density >= 0.8
    # The trajectory starts from every point and ends in a box of cases of interest only.
    assert found.trajectory[0].mass == 1.0
    assert found.trajectory[-1].density == 1.0


def test_prim_finds_the_high_side_for_unlikely(known: SweepResult) -> None:
    pytest.importorskip("ema_workbench")
    found = discover(known, "soon", below=0.5)
    (limit,) = found.limits
    assert limit.key == THRESHOLD
    assert 0.35 <= limit.low <= 0.5
    assert limit.qp_high is None


def test_a_question_with_nothing_to_tell_apart_is_one_line(known: SweepResult) -> None:
    with pytest.raises(DiscoveryError, match="every point has P"):
        discover(known, "soon", above=0.0)
    with pytest.raises(DiscoveryError, match="no deadline 'later'"):
        discover(known, "later")
    with pytest.raises(DiscoveryError, match="no stage or ending 'signed'"):
        discover(known, "soon", outcome="signed")
    with pytest.raises(DiscoveryError, match="not both"):
        discover(known, "soon", above=0.5, below=0.2)


def test_figures_draw_on_the_axes_given(known: SweepResult) -> None:
    pytest.importorskip("ema_workbench")
    from matplotlib.figure import Figure

    from sim.output.discovery_figures import box_figure, tradeoff_figure

    found = discover(known, "soon")
    fig = Figure()
    left, right = fig.subplots(1, 2)
    assert tradeoff_figure(found, ax=left) is fig
    assert box_figure(found, ax=right) is fig
    texts = [t.get_text() for t in left.texts + right.texts]
    assert any("qp" in t for t in texts)
    assert not any("$" in t for t in texts)


# -- the command line ------------------------------------------------------------------------


def test_discover_from_a_sweep_folder(tiny_file: Path, tmp_path: Path) -> None:
    pytest.importorskip("ema_workbench")
    sweep_dir = tmp_path / "sweep"
    done = negsim_in_process(
        "sweep",
        str(tiny_file),
        "--param",
        f"{THRESHOLD}=0.05:0.95",
        "--param",
        f"{TEMPO}=2.0:10",
        "--design",
        "lhs",
        "--points",
        "64",
        "--runs",
        "5",
        "--seed",
        "3",
        "--workers",
        "1",
        "--out",
        str(sweep_dir),
    )
    assert done.returncode == 0, done.stderr
    out = tmp_path / "found"
    done = negsim_in_process(
        "discover", str(sweep_dir), "--deadline", "soon", "--above", "0.5", "--out", str(out)
    )
    assert done.returncode == 0, done.stderr
    assert "P(agreed by soon) >= 0.5: 32 of 64 points" in done.stdout
    assert THRESHOLD in done.stdout
    assert sorted(p.name for p in out.iterdir()) == [
        ".negsim",
        "discovery.json",
        "discovery_box.png",
        "discovery_tradeoff.png",
        "discovery_trajectory.csv",
    ]
    saved = json.loads((out / "discovery.json").read_text())
    assert [b["key"] for b in saved["box"]["limits"]] == [THRESHOLD]
    # The folder's data are those of the sweep run in memory.
    data = load_sweep(sweep_dir)
    assert data.counts.shape == (64, 1, 1)
    from sim.experiments.ema import ema_results

    experiments, outcomes, _ = ema_results(data)
    assert experiments.shape == (64, 2)
    assert sorted(outcomes["soon__agreed"]) == [0.0] * 32 + [1.0] * 32
    done = negsim_in_process("discover", str(sweep_dir), "--deadline", "soon", "--format", "json")
    assert json.loads(done.stdout)["cases_of_interest"] == 32


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--deadline", "later"], "no deadline 'later'"),
        (["--deadline", "soon", "--outcome", "signed"], "no stage or ending 'signed'"),
        (["--deadline", "soon", "--above", "2"], "must be between 0 and 1"),
        (["--deadline", "soon", "--above", "0.5", "--below", "0.1"], "not allowed with"),
    ],
)
def test_bad_discover_input_is_one_line_and_status_2(
    known: SweepResult, tmp_path: Path, args: list[str], message: str
) -> None:
    sweep = known.sweep
    store = sweep.open_store(tmp_path)
    sweep.run(ExecutorSpec(workers=1), store=store).save(tmp_path)
    done = negsim_in_process("discover", str(tmp_path), *args)
    assert done.returncode == 2
    assert message in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_an_unfinished_sweep_or_another_folder_is_refused(tmp_path: Path) -> None:
    done = negsim_in_process("discover", str(tmp_path), "--deadline", "soon")
    assert done.returncode == 2
    assert "give the --out folder of a finished sweep" in done.stderr
    done = negsim_in_process("discover", str(tmp_path / "nope"), "--deadline", "soon")
    assert done.returncode == 2
    assert "no such folder" in done.stderr


def test_without_ema_workbench_it_says_what_to_install(
    known: SweepResult, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sweep = known.sweep
    sweep.run(ExecutorSpec(workers=1), store=sweep.open_store(tmp_path)).save(tmp_path)
    for name in [m for m in sys.modules if m.startswith("ema_workbench")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "ema_workbench", None)
    done = negsim_in_process("discover", str(tmp_path), "--deadline", "soon")
    assert done.returncode == 2
    assert done.stderr == (
        'negsim: scenario discovery needs EMA Workbench: pip install "negsim[discovery]" '
        "(ema-workbench==2.5.3)\n"
    )


# -- the adapter -----------------------------------------------------------------------------


def test_a_sweep_as_ema_results(known: SweepResult) -> None:
    pytest.importorskip("pandas")
    from sim.experiments.ema import ema_results

    experiments, outcomes, names = ema_results(known)
    assert list(experiments.columns) == ["stages__agreed__threshold", "actors__alpha__tempo_days"]
    assert names["stages__agreed__threshold"] == THRESHOLD
    assert list(outcomes) == ["soon__agreed"]
    np.testing.assert_array_equal(outcomes["soon__agreed"], known.convened[:, 0] / 5)


@pytest.mark.slow
def test_a_scenario_as_an_ema_model_runs_under_ema(tiny_file: Path) -> None:
    ema = pytest.importorskip("ema_workbench")
    from sim.experiments.ema import ema_model

    model = ema_model([f"{THRESHOLD}=0.05:0.95"], tiny_file, runs=3, seed=1)
    with ema.SequentialEvaluator(model) as evaluator:
        experiments, outcomes = ema.perform_experiments(model, scenarios=8, evaluator=evaluator)
    thresholds = experiments["stages__agreed__threshold"].to_numpy()
    np.testing.assert_array_equal(outcomes["soon__agreed"], (thresholds <= 0.5).astype(float))
