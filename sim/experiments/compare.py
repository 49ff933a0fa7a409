"""Paired comparison of two scenarios: a baseline and a counterfactual.

Run ``i`` of the baseline and run ``i`` of the alternative share their seed;
inside a run each actor has its own random stream, keyed by its name. So the
two runs differ only where the scenarios differ (common random numbers), and
the difference between them is estimated far more precisely than from
independent runs. :class:`Comparison` reports, per deadline, both
probabilities, the paired difference with its 95% interval (Newcombe's
method 10), the exact McNemar p-value, and how much narrower the paired
interval is than the unpaired one.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from sim._version import __version__
from sim.errors import InputError
from sim.experiments.executors import Backend, ExecutorSpec
from sim.experiments.frames import import_pandas, run_columns
from sim.experiments.montecarlo import MonteCarloResult, run_range
from sim.experiments.scheduler import ProgressCallback, Scheduler, Tally
from sim.experiments.sizes import check_fits, run_bytes
from sim.experiments.stats import PairedDifference, paired_difference
from sim.experiments.tasks import MonteCarloTask
from sim.scenario.schema import Deadline, Scenario

__all__ = [
    "Comparison",
    "DeadlineDifference",
    "IncompatibleScenarios",
    "OutcomeDifference",
    "compare",
]


class IncompatibleScenarios(InputError):
    """The two scenarios cannot be compared (their stages, endings or deadlines differ)."""


def _paired_json(d: PairedDifference) -> dict[str, Any]:
    return {
        "base_probability": d.p_a,
        "alt_probability": d.p_b,
        "difference": d.difference,
        "ci_low": d.low,
        "ci_high": d.high,
        "mcnemar_p": d.mcnemar_p,
        "both": d.both,
        "only_base": d.only_a,
        "only_alt": d.only_b,
        "neither": d.neither,
        "unpaired_ci_low": d.unpaired_low,
        "unpaired_ci_high": d.unpaired_high,
        "width_ratio": d.width_ratio,
    }


@dataclass(frozen=True, slots=True)
class OutcomeDifference:
    """The paired comparison of one outcome (a stage, or an ending) by one deadline."""

    name: str
    label: str
    kind: str
    difference: PairedDifference

    def to_json(self) -> dict[str, Any]:
        """The comparison as a JSON-ready object."""
        return {
            "name": self.name,
            "label": self.label,
            "kind": self.kind,
            **_paired_json(self.difference),
        }


@dataclass(frozen=True, slots=True)
class DeadlineDifference:
    """The paired comparison at one deadline: its own stage, and every stage and ending.

    Attributes
    ----------
    deadline
        The deadline.
    stage
        The index of its stage.
    difference
        The paired difference of P(its stage reached by it).
    outcomes
        The paired differences of every stage, then every ending, by it.
    """

    deadline: Deadline
    stage: int
    difference: PairedDifference
    outcomes: tuple[OutcomeDifference, ...]

    def to_json(self) -> dict[str, Any]:
        """The comparison as a JSON-ready object."""
        stage = self.outcomes[self.stage]
        return {
            "name": self.deadline.id,
            "label": self.deadline.label,
            "date": self.deadline.date.isoformat(),
            "stage": stage.name,
            "stage_label": stage.label,
            **_paired_json(self.difference),
            "outcomes": [o.to_json() for o in self.outcomes],
        }


@dataclass(frozen=True)
class Comparison:
    """A baseline and an alternative, run in pairs."""

    base: MonteCarloResult
    alt: MonteCarloResult

    def differences(self) -> tuple[DeadlineDifference, ...]:
        """The paired comparison at each deadline, in date order."""
        s = self.base.scenario
        found = []
        for index, deadline in enumerate(s.deadlines):
            outcomes = [
                OutcomeDifference(
                    stage.id,
                    stage.label,
                    "stage",
                    paired_difference(
                        self.base.reached_by(k, index), self.alt.reached_by(k, index)
                    ),
                )
                for k, stage in enumerate(s.stages)
            ]
            outcomes += [
                OutcomeDifference(
                    ending.id,
                    ending.label,
                    "ending",
                    paired_difference(self.base.ended_by(e, index), self.alt.ended_by(e, index)),
                )
                for e, ending in enumerate(s.endings)
            ]
            stage = s.deadline_stage(deadline)
            found.append(
                DeadlineDifference(deadline, stage, outcomes[stage].difference, tuple(outcomes))
            )
        return tuple(found)

    def to_pandas(self) -> Any:
        """Return one row per pair of runs as a :class:`pandas.DataFrame`.

        Columns: ``run`` (the index both runs share), then the columns of
        :meth:`MonteCarloResult.to_pandas <sim.experiments.montecarlo.MonteCarloResult.to_pandas>`
        for the baseline with the prefix ``base_`` and for the alternative with ``alt_``, as
        in a comparison's ``runs.csv``.

        Raises
        ------
        ImportError
            If pandas is not installed, saying what to install.
        """
        pandas = import_pandas(".base.outcomes and .alt.outcomes")
        return pandas.DataFrame(
            {
                "run": self.base.outcomes.run,
                **run_columns(self.base.outcomes, self.base.scenario, "base_"),
                **run_columns(self.alt.outcomes, self.alt.scenario, "alt_"),
            }
        )

    def to_json(self) -> dict[str, Any]:
        """The comparison as the JSON object ``negsim compare --format json`` prints."""
        return {
            "kind": "compare",
            "version": __version__,
            "runs": self.base.runs,
            "seed": self.base.seed,
            "base": self.base.to_json(),
            "alt": self.alt.to_json(),
            "deadlines": [d.to_json() for d in self.differences()],
        }


def check_comparable(base: Scenario, alt: Scenario) -> None:
    """Refuse two scenarios whose stages, endings or deadlines differ.

    Raises
    ------
    IncompatibleScenarios
        Naming the first difference.
    """
    for what, a_ids, b_ids in (
        ("stages", [s.id for s in base.stages], [s.id for s in alt.stages]),
        ("endings", [e.id for e in base.endings], [e.id for e in alt.endings]),
    ):
        if a_ids != b_ids:
            raise IncompatibleScenarios(
                f"{base.source} has the {what} {', '.join(a_ids) or 'none'} and {alt.source} "
                f"{', '.join(b_ids) or 'none'}; compare needs the same {what}"
            )
    stages_a = {d.id: d.stage for d in base.deadlines}
    for d in alt.deadlines:
        if d.id in stages_a and stages_a[d.id] != d.stage:
            raise IncompatibleScenarios(
                f"deadline {d.id} is for the stage {stages_a[d.id]} in {base.source} but "
                f"{d.stage} in {alt.source}; compare needs the same deadlines"
            )
    a = [(d.id, d.date) for d in base.deadlines]
    b = [(d.id, d.date) for d in alt.deadlines]
    if a == b:
        return
    names_a = {name for name, _ in a}
    names_b = {name for name, _ in b}
    only = sorted(names_a ^ names_b)
    if only:
        raise IncompatibleScenarios(
            f"{base.source} and {alt.source} have different deadlines "
            f"(only in one of them: {', '.join(only)}); compare needs the same deadlines"
        )
    dates_a = dict(a)
    for name, date in b:
        if dates_a[name] != date:
            raise IncompatibleScenarios(
                f"deadline {name} is {dates_a[name].isoformat()} in {base.source} but "
                f"{date.isoformat()} in {alt.source}; compare needs the same deadlines"
            )
    raise IncompatibleScenarios(
        f"{base.source} and {alt.source} list their deadlines in a different order"
    )


def compare(
    base: Scenario,
    alt: Scenario,
    runs: int = 1000,
    seed: int = 0,
    *,
    executor: ExecutorSpec | Backend | None = None,
    on_progress: ProgressCallback | None = None,
    task: MonteCarloTask | None = None,
) -> Comparison:
    """Run two scenarios in pairs (run ``i`` of each shares its seed) and compare them.

    Parameters
    ----------
    base, alt : Scenario
        The baseline and the alternative, with the same deadlines.
    runs : int, default 1000
        Paired runs.
    seed : int, default 0
        The master seed.
    executor : ExecutorSpec or Backend, optional
        Where to run (default: all local cores).
    on_progress : callable, optional
        Called with (runs done, runs planned), both scenarios counted.
    task : callable, optional
        The function sent to workers, as for
        :func:`~sim.experiments.montecarlo.run_monte_carlo`.

    Returns
    -------
    Comparison
        Both results, paired run by run.

    Raises
    ------
    IncompatibleScenarios
        If the scenarios' deadlines differ.
    Interrupted
        On Ctrl-C, saying how many runs (of both scenarios) had finished.
    WorkersLost
        If a chunk's worker died twice.
    """
    check_comparable(base, alt)
    if seed < 0:
        raise ValueError(f"the seed must be a non-negative integer, got {seed}")
    if runs < 1:
        raise ValueError(f"the number of runs must be at least 1, got {runs}")
    check_fits(runs, "paired runs", run_bytes(base) + run_bytes(alt))
    tally = Tally(2 * runs, "runs", on_progress)
    results = []
    with Scheduler(executor) as scheduler:
        for scenario in (base, alt):
            began = time.perf_counter()
            outcomes = run_range(scheduler, scenario, seed, 0, runs, tally, task)
            results.append(
                MonteCarloResult(
                    scenario, seed, outcomes, scheduler.label, time.perf_counter() - began
                )
            )
    return Comparison(results[0], results[1])
