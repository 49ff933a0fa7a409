"""Where a played outcome falls among simulated runs of the same scenario and seed.

:func:`compare` places the played run among Monte Carlo runs in which the
model plays the actor; :func:`sim.cli.play.screens.comparison_text` says it
in words.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.engine import RunResult
from sim.experiments.montecarlo import MonteCarloResult
from sim.experiments.stats import Proportion
from sim.scenario.schema import Deadline

__all__ = ["Comparison", "DeadlineComparison", "compare"]


@dataclass(frozen=True, slots=True)
class DeadlineComparison:
    """One deadline: whether the played run met it, and how often the simulated runs did."""

    deadline: Deadline
    met: bool
    simulated: Proportion


@dataclass(frozen=True, slots=True)
class Comparison:
    """Where the played outcome falls among simulated runs with the actor left to the model.

    A run that did not convene by the horizon counts as later than any run
    that did, and ties with the played run if that did not convene either.

    Attributes
    ----------
    runs
        How many simulated runs.
    played_day
        The played run's convening day, or ``None``.
    earlier, same, later
        Simulated runs that convened before, on the same day as, and after the
        played run (``later`` includes the runs that never convened).
    median_day
        The simulated runs' median convening day (Kaplan–Meier), ``None`` if
        under half of them convened.
    same_luck_day
        The convening day of simulated run 0, which shares every random draw
        with the played run: what the model's actor did with the same luck.
    deadlines
        Per deadline, the played result and the simulated probability.
    dated
        Simulated runs in which a date was set for a stage (``None`` if the
        scenario's stages set no dates).
    played_dated
        Whether a date was set in the played run.
    """

    runs: int
    played_day: int | None
    earlier: int
    same: int
    later: int
    median_day: float | None
    same_luck_day: int | None
    deadlines: tuple[DeadlineComparison, ...]
    dated: int | None = None
    played_dated: bool = False


def compare(result: RunResult, simulated: MonteCarloResult) -> Comparison:
    """Place the played run among the simulated runs (same scenario, same seed)."""
    days = simulated.outcomes.convened_day
    convened = ~np.isnan(days)
    n = len(days)
    played = result.convened_day
    if played is None:
        earlier, same = int(convened.sum()), int(n - convened.sum())
    else:
        earlier = int((convened & (days < played)).sum())
        same = int((convened & (days == played)).sum())
    sets_dates = any(stage.lead_days[1] > 0 for stage in simulated.scenario.stages)
    dated = int((~np.isnan(simulated.outcomes.first_announcement)).sum()) if sets_dates else None
    run0 = np.flatnonzero(simulated.outcomes.run == result.run)
    same_luck = None
    if run0.size and convened[run0[0]]:
        same_luck = int(days[run0[0]])
    return Comparison(
        runs=n,
        played_day=played,
        earlier=earlier,
        same=same,
        later=n - earlier - same,
        median_day=simulated.median_day(),
        same_luck_day=same_luck,
        deadlines=tuple(
            DeadlineComparison(e.deadline, result.convened_by(e.deadline.day), e.proportion)
            for e in simulated.deadlines()
        ),
        dated=dated,
        played_dated=bool(result.announcements),
    )
