"""Tests of Sobol' sensitivity of a scenario: the experiment object, resuming, the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from sim.cli import main
from sim.experiments.designs import DesignError
from sim.experiments.executors import ExecutorSpec
from sim.experiments.montecarlo import run_monte_carlo
from sim.experiments.sensitivity import (
    Sensitivity,
    SensitivityResult,
    saltelli_points,
    sobol,
)
from sim.experiments.store import LOG_NAME, PointRecord, PointStore, read_log
from sim.scenario import load_scenario

RUSSIA = "actors.russia.tempo_days"
THRESHOLD = "convening.announce_threshold"
SERIAL = ExecutorSpec(workers=1)
PARAMS = [f"{RUSSIA}=1.0:12", f"{THRESHOLD}=0.4:0.7"]


def analysis() -> Sensitivity:
    return Sensitivity(PARAMS, samples=4, runs=3, seed=2, n_resamples=99)


@pytest.fixture(scope="module")
def reference() -> SensitivityResult:
    return analysis().run(SERIAL)


def test_the_indices_are_those_of_the_model_evaluated_at_every_point(
    reference: SensitivityResult,
) -> None:
    s = analysis()
    scenario = load_scenario()
    outcomes = [*(st.id for st in scenario.stages), *(e.id for e in scenario.endings)]
    ids = [f"{d.id}/{o}" for d in scenario.deadlines for o in outcomes]

    def model(x: np.ndarray) -> np.ndarray:
        columns = []
        for column in x.T:
            values = {RUSSIA: float(column[0]), THRESHOLD: float(column[1])}
            mc = run_monte_carlo(load_scenario(None, values), 3, 2, executor=SERIAL)
            columns.append([o.proportion.estimate for e in mc.deadlines() for o in e.outcomes])
        return np.array(columns).T

    direct = sobol(model, s.params, ids, 4, 2, n_resamples=99)
    np.testing.assert_array_equal(reference.indices.first_order, direct.first_order)
    np.testing.assert_array_equal(reference.indices.total, direct.total)
    np.testing.assert_array_equal(reference.indices.total_low, direct.total_low)
    assert reference.evaluations == saltelli_points(s.params, 4, 2).shape[1] == 16
    assert reference.indices.outputs == tuple(ids)


def test_small_samples_are_noted(reference: SensitivityResult) -> None:
    assert any("N=4 is small" in note for note in reference.notes)
    assert all("\n" not in note for note in reference.notes)


def test_choices_are_refused() -> None:
    with pytest.raises(DesignError, match="needs ranges"):
        Sensitivity(["mechanisms.rapport.enabled=true,false"])


class SimulatedCrash(BaseException):
    pass


class CrashingStore(PointStore):
    def __init__(self, store: PointStore, survive: int) -> None:
        super().__init__(store.path, store.identity, store.records)
        self.survive = survive

    def append(self, record: PointRecord) -> None:
        if len(self.records) == self.survive:
            raise SimulatedCrash
        super().append(record)


@pytest.mark.parametrize("survive", [0, 9])
def test_resume_after_a_crash(tmp_path: Path, reference: SensitivityResult, survive: int) -> None:
    s = analysis()
    with pytest.raises(SimulatedCrash):
        s.run(SERIAL, store=CrashingStore(s.open_store(tmp_path), survive))
    result = s.run(SERIAL, store=s.open_store(tmp_path, resume=True))
    assert result.resumed == survive
    assert result.csv_text() == reference.csv_text()
    assert len(read_log(tmp_path / LOG_NAME).records) == 16


def sensitivity(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = main(["sensitivity", *args])
    out, err = capsys.readouterr()
    return status, out, err


def test_cli_writes_indices_figures_and_notes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["--param", PARAMS[0], "--param", PARAMS[1], "--samples", "4", "--runs", "3"]
    status, out, err = sensitivity(
        capsys, *args, "--seed", "2", "--workers", "1", "--out", str(tmp_path)
    )
    assert status == 0, err
    assert "first-order" in out
    assert "Note: N=4 is small" in out
    for name in ("points.jsonl", "sensitivity.csv", "sensitivity.json"):
        assert (tmp_path / name).is_file()
    assert len(list(tmp_path.glob("sobol_*.png"))) == len(load_scenario().deadlines)
    meta = json.loads((tmp_path / "sensitivity.json").read_text(encoding="utf-8"))
    assert meta["samples"] == 4
    assert meta["evaluations"] == 16
    scenario = load_scenario()
    outcomes = [*(st.id for st in scenario.stages), *(e.id for e in scenario.endings)]
    outputs = {f"{d.id}/{o}" for d in scenario.deadlines for o in outcomes}
    assert set(meta["sobol"]["indices"]) == outputs
    assert set(meta["output_variance"]) == outputs
    rows = (tmp_path / "sensitivity.csv").read_text(encoding="utf-8").splitlines()
    header = "deadline,outcome,param,first,first_low,first_high,total,total_low,total_high"
    assert rows[0] == header
    assert len(rows) == 1 + len(outputs) * 2
    # The notes printed in the terminal are on the figures, too (see test_figures.py).

    # --resume with another seed is refused; with the same arguments it finishes at once.
    status, _, err = sensitivity(capsys, *args, "--seed", "3", "--out", str(tmp_path), "--resume")
    assert status == 2
    assert err.count("\n") == 1
    assert "written by a different sensitivity (the seed differs: 2 there, 3 now)" in err
    before = (tmp_path / "sensitivity.csv").read_bytes()
    status, _, err = sensitivity(capsys, *args, "--seed", "2", "--out", str(tmp_path), "--resume")
    assert status == 0, err
    assert "resuming: 16 of 16 points" in err
    assert (tmp_path / "sensitivity.csv").read_bytes() == before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--param", f"{RUSSIA}=1:5", "--samples", "6"], "samples must be a power of 2, got 6"),
        (["--param", "mechanisms.rapport.enabled=true,false"], "needs ranges KEY=LOW:HIGH"),
        (["--param", f"{RUSSIA}=4:1"], "LOW 4 must be below HIGH 1"),
        (["--param", "actors.russia.bogus=1:2"], "actors.russia.bogus: unknown key"),
        (
            ["--param", f"{THRESHOLD}=0.5:1.5"],
            f"--param {THRESHOLD}: must be a readiness threshold",
        ),
    ],
)
def test_cli_bad_input_is_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    size = [] if "--samples" in args else ["--samples", "4"]
    status, _, err = sensitivity(capsys, *args, *size, "--runs", "2")
    assert status == 2
    assert err.count("\n") == 1
    assert message in err
    assert "Traceback" not in err
