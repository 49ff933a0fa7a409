"""Acceptance tests for the paired comparison of two scenarios (sim.experiments.compare)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from faults import DieOnce
from scipy import stats

import sim.experiments.montecarlo as mc
from sim.errors import Interrupted
from sim.experiments.compare import (
    Comparison,
    IncompatibleScenarios,
    check_comparable,
    compare,
)
from sim.experiments.executors import ExecutorSpec
from sim.experiments.montecarlo import Outcomes, simulate_runs
from sim.scenario import Scenario, find_scenario, load_scenario

TWO = ExecutorSpec(workers=2)


@pytest.fixture(scope="module")
def baseline() -> Scenario:
    return load_scenario()


@pytest.fixture
def counterfactual(tmp_path: Path) -> Callable[[str, str], Scenario]:
    """A factory: a scenario file in ``tmp_path`` that extends the packaged baseline."""

    def write(name: str, body: str) -> Scenario:
        path = tmp_path / f"{name}.toml"
        parent = find_scenario(None).resolve()
        path.write_text(f'extends = "{parent}"\nname = "{name}"\n{body}', encoding="utf-8")
        return load_scenario(path)

    return write


def assert_same(a: Outcomes, b: Outcomes) -> None:
    for name in Outcomes.__dataclass_fields__:
        assert np.array_equal(getattr(a, name), getattr(b, name), equal_nan=True), name


# -- ALT = BASE --------------------------------------------------------------------------------


def test_a_scenario_compared_with_itself_differs_by_exactly_zero(baseline: Scenario) -> None:
    again = load_scenario(find_scenario(None))  # the same file, loaded separately
    assert again is not baseline
    assert again.sha256 == baseline.sha256
    runs = 50
    comparison = compare(baseline, again, runs, 17, executor=TWO)
    assert isinstance(comparison, Comparison)
    assert_same(comparison.base.outcomes, comparison.alt.outcomes)
    differences = comparison.differences()
    assert [d.deadline.id for d in differences] == [d.id for d in baseline.deadlines]
    some_convened = False
    for d in differences:
        x = d.difference
        assert x.difference == 0.0
        assert x.p_a == x.p_b
        assert x.only_a == 0
        assert x.only_b == 0
        assert x.mcnemar_p == 1.0
        assert x.both + x.neither == runs
        assert x.both == int(comparison.base.convened_by(d.deadline.day).sum())
        assert x.low <= 0.0 <= x.high
        some_convened = some_convened or 0 < x.both < runs
    assert some_convened  # the check is not vacuous: some deadline has a p strictly in (0, 1)
    obj = comparison.to_json()
    assert obj["runs"] == runs
    assert obj["seed"] == 17
    for entry in obj["deadlines"]:
        assert entry["difference"] == 0.0
        assert entry["mcnemar_p"] == 1.0
        assert entry["only_base"] == entry["only_alt"] == 0
        assert entry["base_probability"] == entry["alt_probability"]


# -- a counterfactual --------------------------------------------------------------------------


def test_removing_an_event_gives_paired_intervals_narrower_than_unpaired(
    baseline: Scenario, counterfactual: Callable[[str, str], Scenario]
) -> None:
    alt = counterfactual("no_consent", 'remove = ["events.government_consents"]\n')
    assert "government_consents" not in {e.id for e in alt.events}
    assert len(alt.events) == len(baseline.events) - 1
    assert alt.sha256 != baseline.sha256
    runs, seed = 100, 3
    comparison = compare(baseline, alt, runs, seed, executor=TWO)
    # Run i of each is run i of that scenario alone: the pairs share their seed.
    assert_same(simulate_runs(baseline, seed, 0, 10), _head(comparison.base.outcomes, 10))
    assert_same(simulate_runs(alt, seed, 0, 10), _head(comparison.alt.outcomes, 10))

    checked = 0
    for d in comparison.differences():
        x = d.difference
        base = comparison.base.convened_by(d.deadline.day)
        other = comparison.alt.convened_by(d.deadline.day)
        assert x.both == int(np.sum(base & other))
        assert x.only_a == int(np.sum(base & ~other))
        assert x.only_b == int(np.sum(~base & other))
        assert x.difference == pytest.approx(x.p_b - x.p_a, abs=1e-15)
        assert x.low <= x.difference <= x.high
        discordant = x.only_a + x.only_b
        if discordant:
            assert x.mcnemar_p == pytest.approx(
                stats.binomtest(x.only_b, discordant, 0.5).pvalue, rel=1e-12
            )
        if 0.1 < x.p_a < 0.9 and 0.1 < x.p_b < 0.9:
            checked += 1
            assert x.width_ratio < 1.0, (d.deadline.id, x)
            assert x.high - x.low < x.unpaired_high - x.unpaired_low
    assert checked >= 1  # some deadline has both probabilities between 0.1 and 0.9
    # The event matters in some runs: this is not the ALT = BASE case again.
    assert any(d.difference.only_a + d.difference.only_b > 0 for d in comparison.differences())


def _head(o: Outcomes, n: int) -> Outcomes:
    return Outcomes(**{name: getattr(o, name)[:n] for name in Outcomes.__dataclass_fields__})


# -- incompatible scenarios ----------------------------------------------------------------


@pytest.fixture
def no_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail if any run is simulated."""

    def refuse(*args: object) -> Outcomes:
        raise AssertionError("incompatible scenarios must be refused before any run")

    monkeypatch.setattr(mc, "simulate_runs", refuse)


@pytest.mark.usefixtures("no_runs")
@pytest.mark.parametrize(
    ("body", "named"),
    [
        ("[deadlines.g8_summit]\ndate = 2013-06-18\n", "g8_summit"),
        ("[deadlines.extra_deadline]\ndate = 2013-09-01\n", "extra_deadline"),
        ('remove = ["deadlines.eu_review"]\n', "eu_review"),
    ],
)
def test_scenarios_with_different_deadlines_are_refused(
    baseline: Scenario,
    counterfactual: Callable[[str, str], Scenario],
    body: str,
    named: str,
) -> None:
    alt = counterfactual("other_deadlines", body)
    with pytest.raises(IncompatibleScenarios, match=named) as info:
        compare(baseline, alt, 10, 0, executor=ExecutorSpec(workers=1))
    assert isinstance(info.value, ValueError)
    assert "\n" not in str(info.value)
    assert "same deadlines" in str(info.value)
    with pytest.raises(IncompatibleScenarios, match=named):
        compare(alt, baseline, 10, 0, executor=ExecutorSpec(workers=1))
    with pytest.raises(IncompatibleScenarios, match=named):
        check_comparable(baseline, alt)


def test_a_changed_date_is_named_with_both_dates(
    baseline: Scenario, counterfactual: Callable[[str, str], Scenario]
) -> None:
    alt = counterfactual("later_g8", "[deadlines.g8_summit]\ndate = 2013-06-18\n")
    with pytest.raises(IncompatibleScenarios) as info:
        check_comparable(baseline, alt)
    message = str(info.value)
    assert "g8_summit" in message
    assert "2013-06-17" in message
    assert "2013-06-18" in message


def test_scenarios_with_the_same_deadlines_are_accepted(
    baseline: Scenario, counterfactual: Callable[[str, str], Scenario]
) -> None:
    alt = counterfactual("relabelled", '[deadlines.g8_summit]\nlabel = "the G8"\n')
    check_comparable(baseline, alt)  # labels may differ; names and dates may not


# -- faults ------------------------------------------------------------------------------------


def test_a_worker_killed_during_compare_is_retried_and_changes_nothing(
    baseline: Scenario, counterfactual: Callable[[str, str], Scenario], tmp_path: Path
) -> None:
    alt = counterfactual("no_consent", 'remove = ["events.government_consents"]\n')
    expected = compare(baseline, alt, 40, 5, executor=ExecutorSpec(workers=1))
    marker = tmp_path / "died"
    retried = compare(baseline, alt, 40, 5, executor=TWO, task=DieOnce(marker, simulate_runs))
    assert marker.exists()  # a worker was killed (kill -9) once
    assert_same(retried.base.outcomes, expected.base.outcomes)
    assert_same(retried.alt.outcomes, expected.alt.outcomes)
    assert retried.to_json()["deadlines"] == expected.to_json()["deadlines"]


def test_ctrl_c_during_compare_counts_the_runs_of_both_scenarios(
    baseline: Scenario, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[int] = []

    def chunk(scenario: Scenario, seed: int, start: int, stop: int) -> Outcomes:
        calls.append(start)
        if len(calls) == 6:  # the second chunk of the alternative
            raise KeyboardInterrupt
        return simulate_runs(scenario, seed, start, stop)

    caught: BaseException | None = None
    try:
        compare(baseline, baseline, 16, 0, executor=ExecutorSpec(workers=1), task=chunk)
    except (Interrupted, KeyboardInterrupt) as exc:  # a KeyboardInterrupt would stop pytest
        caught = exc
    assert isinstance(caught, Interrupted), caught
    assert (caught.completed, caught.total, caught.unit) == (20, 32, "runs")
