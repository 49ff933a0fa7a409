"""The experiments' Python API takes objects: scenarios built in memory, parameters as a
mapping; results give pandas DataFrames."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from sim.experiments import points
from sim.experiments.compare import compare
from sim.experiments.designs import Choice, DesignError, Range
from sim.experiments.executors import ExecutorSpec
from sim.experiments.frames import RUN_COLUMNS
from sim.experiments.montecarlo import run_monte_carlo
from sim.experiments.points import PointError
from sim.experiments.sensitivity import Sensitivity
from sim.experiments.sweep import Sweep
from sim.scenario import Scenario, load_scenario, with_overrides

SERIAL = ExecutorSpec(workers=1)
RUSSIA = "actors.russia.tempo_days"
THRESHOLD = "convening.announce_threshold"


@pytest.fixture(scope="module")
def baseline() -> Scenario:
    return load_scenario()


def test_a_mapping_of_parameters_is_ranges_and_choices() -> None:
    sweep = Sweep({RUSSIA: (2, 10), THRESHOLD: [0.45, 0.55], "convening.lead_days": (7.0, 9)})
    assert sweep.params == (
        Range(RUSSIA, 2, 10, integer=True),
        Choice(THRESHOLD, (0.45, 0.55)),
        Range("convening.lead_days", 7.0, 9, integer=False),
    )
    with pytest.raises(DesignError, match=r"expected a \(LOW, HIGH\) tuple"):
        Sweep({RUSSIA: 3})
    with pytest.raises(DesignError, match="needs ranges"):
        Sensitivity({RUSSIA: (2, 10), THRESHOLD: [0.45, 0.55]})


def test_a_sweep_of_an_in_memory_scenario_equals_one_of_its_file(baseline: Scenario) -> None:
    params = {RUSSIA: (2.0, 10.0), THRESHOLD: [0.45, 0.55]}
    texts = [f"{RUSSIA}=2.0:10.0", f"{THRESHOLD}=0.45,0.55"]
    from_memory = Sweep(params, baseline, design="grid", points=2, runs=4, seed=1).run(SERIAL)
    from_file = Sweep(texts, None, design="grid", points=2, runs=4, seed=1).run(SERIAL)
    assert from_memory.csv_text() == from_file.csv_text()
    assert from_memory.to_json()["scenario_sha256"] == from_file.to_json()["scenario_sha256"]
    assert from_memory.convened.sum() > 0


def test_a_changed_in_memory_scenario_is_what_the_points_change(baseline: Scenario) -> None:
    changed = with_overrides(baseline, {"actors.gulf.tempo_days": 7.0})
    plan = Sweep({RUSSIA: [3.0, 5.0]}, changed, runs=2).validate()
    assert plan.base is changed
    for scenario, values in zip(plan.scenarios, plan.points, strict=True):
        assert scenario.actor("gulf").tempo_days == 7.0
        assert scenario.actor("russia").tempo_days == values[RUSSIA]


def test_each_point_is_validated_once(baseline: Scenario, monkeypatch: pytest.MonkeyPatch) -> None:
    built: list[dict[str, object]] = []
    real = points.with_overrides

    def counting(scenario: Scenario, values: dict[str, object]) -> Scenario:
        built.append(dict(values))
        return real(scenario, values)

    monkeypatch.setattr(points, "with_overrides", counting)
    sweep = Sweep({RUSSIA: (2.0, 10.0)}, baseline, points=3, runs=2)
    sweep.run(SERIAL)
    assert len(built) == 3
    built.clear()
    plan = sweep.validate()
    sweep.run(SERIAL, plan=plan)
    assert len(built) == 3  # run() reused the plan


def test_a_bad_point_of_an_in_memory_scenario_names_the_point(baseline: Scenario) -> None:
    with pytest.raises(PointError, match=r"postpone_threshold.*at point 1 of 2"):
        Sweep({"convening.postpone_threshold": [0.3, 0.95]}, baseline, runs=2).validate()


def test_a_sensitivity_analysis_of_an_in_memory_scenario(baseline: Scenario) -> None:
    analysis = Sensitivity({RUSSIA: (2.0, 10.0)}, baseline, samples=4, runs=2, seed=3)
    result = analysis.run(SERIAL, plan=analysis.validate())
    assert result.scenario is baseline
    assert result.evaluations == len(analysis.points()) == 8  # with d = 1, AB_1 is B
    assert result.indices.params == (RUSSIA,)


def test_monte_carlo_to_pandas_has_a_row_per_run(baseline: Scenario) -> None:
    pytest.importorskip("pandas", reason="pandas is optional: install it for DataFrames")
    result = run_monte_carlo(baseline, 30, 2, executor=SERIAL)
    o = result.outcomes
    frame = result.to_pandas()
    assert len(frame) == 30
    assert frame["run"].tolist() == list(range(30))
    for name in (
        *(f"stage_{stage.id}_day" for stage in baseline.stages),
        "ending",
        "ending_day",
        *(f"deadline_{d.id}_day" for d in baseline.deadlines),
        "announcements",
        "postponements",
        "first_announcement_day",
        "final_readiness",
        "events",
    ):
        assert name in frame.columns
    for gate in baseline.gates:
        assert f"gate_{gate.id}_day" in frame.columns
    assert any(c.startswith("actions_russia_") for c in frame.columns)
    # Every column is one of runs.csv's (frames.RUN_COLUMNS), after the run index.
    assert all(any(c.match(name) is not None for c in RUN_COLUMNS) for name in frame.columns[1:])
    for k, stage in enumerate(baseline.stages):
        np.testing.assert_array_equal(frame[f"stage_{stage.id}_day"], o.stage_days[:, k])
    last = f"stage_{baseline.stages[-1].id}_day"
    np.testing.assert_array_equal(frame[last], o.convened_day)
    convened = frame.dropna(subset=[last])
    assert len(convened) == int(o.convened_day.__ge__(0).sum())
    # Ended another way: the ending's id and its day; otherwise "" and nan.
    ids = ["", *(e.id for e in baseline.endings)]
    assert frame["ending"].tolist() == [ids[int(e) + 1] for e in o.ending]
    assert (frame["ending"] == "").tolist() == frame["ending_day"].isna().tolist()
    for d, deadline in enumerate(baseline.deadlines):
        np.testing.assert_array_equal(frame[f"deadline_{deadline.id}_day"], o.deadline_days[:, d])


def test_comparison_to_pandas_has_both_sides_of_each_pair(baseline: Scenario) -> None:
    pytest.importorskip("pandas", reason="pandas is optional: install it for DataFrames")
    alt = load_scenario("no_embargo_lift")
    comparison = compare(baseline, alt, 20, 4, executor=SERIAL)
    frame = comparison.to_pandas()
    assert len(frame) == 20
    assert frame.columns[0] == "run"
    last = baseline.stages[-1].id
    assert alt.stages[-1].id == last
    for side in ("base", "alt"):
        for stage in baseline.stages:
            assert f"{side}_stage_{stage.id}_day" in frame.columns
        assert f"{side}_ending" in frame.columns
    np.testing.assert_array_equal(
        frame[f"base_stage_{last}_day"], comparison.base.outcomes.convened_day
    )
    np.testing.assert_array_equal(
        frame[f"alt_stage_{last}_day"], comparison.alt.outcomes.convened_day
    )
    np.testing.assert_array_equal(frame["alt_events"], comparison.alt.outcomes.events)
    np.testing.assert_array_equal(frame["base_events"], comparison.base.outcomes.events)


def test_to_pandas_says_what_to_install(
    baseline: Scenario, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = run_monte_carlo(baseline, 4, 0, executor=SERIAL)
    comparison = compare(baseline, baseline, 4, 0, executor=SERIAL)
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(ImportError, match=r"pip install pandas \(or use \.outcomes"):
        result.to_pandas()
    with pytest.raises(ImportError, match="pip install pandas"):
        comparison.to_pandas()
