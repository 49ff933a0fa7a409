"""The functions sent to worker processes: runs of a scenario, and what they yield.

A task is a top-level function of its arguments only (a scenario, the master seed and a range
of run indices), so it pickles by reference and gives the same result on any worker: run ``i``
always uses the ``i``-th child of ``SeedSequence(seed)``.

This module imports only numpy and the engine. A worker process imports it (and nothing of
scipy or of the statistics) before its first task, which keeps the start of a pool short: the
module is kept lean on purpose (see :mod:`sim.experiments.scheduler`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from sim.engine.compiled import compile_scenario
from sim.engine.result import RunResult
from sim.engine.run import simulate
from sim.experiments.custom import CustomOutcome, evaluate
from sim.scenario.schema import Scenario

__all__ = [
    "Ends",
    "MonteCarloTask",
    "Outcomes",
    "TaskFunction",
    "simulate_ends",
    "simulate_runs",
]

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Outcomes:
    """Per-run outcomes as arrays; row ``k`` is run ``run[k]``.

    Attributes
    ----------
    run
        The run indices (0, 1, ... in order for a whole Monte Carlo result).
    stage_days
        When each stage was first reached (days), shape ``(runs, stages)``;
        ``nan`` if not by the horizon.
    ending
        The index of the alternative ending each run ended by, -1 if none.
    ending_day
        When it ended so (days), ``nan`` if it did not.
    deadline_days
        Where each deadline stood when the run ended (extensions move them),
        shape ``(runs, deadlines)``.
    announcements, postponements
        How many dates were announced and postponed.
    first_announcement
        When the first date was announced (days), ``nan`` if none.
    gate_days
        When each gate was first settled, shape ``(runs, gates)``; ``nan`` never.
    gate_reopenings
        How many times each gate was reopened, shape ``(runs, gates)``.
    action_counts
        Actions by actor and kind, shape ``(runs, actors, kinds)``.
    readiness
        Readiness on the weekly grid, shape ``(runs, grid)`` (float32);
        ``nan`` once the run has ended (its last stage reached, or an ending).
    final_readiness
        Readiness when each run ended.
    events
        SimPy events processed per run.
    custom
        The custom outcomes' values (see :mod:`sim.experiments.custom`), shape
        ``(runs, outcomes)``; ``nan`` where undefined.
    custom_boolean
        Whether each value was a boolean, shape ``(runs, outcomes)``.
    """

    run: np.ndarray
    stage_days: np.ndarray
    ending: np.ndarray
    ending_day: np.ndarray
    deadline_days: np.ndarray
    announcements: np.ndarray
    postponements: np.ndarray
    first_announcement: np.ndarray
    gate_days: np.ndarray
    gate_reopenings: np.ndarray
    action_counts: np.ndarray
    readiness: np.ndarray
    final_readiness: np.ndarray
    events: np.ndarray
    custom: np.ndarray
    custom_boolean: np.ndarray

    def __len__(self) -> int:
        return len(self.run)

    @property
    def convened_day(self) -> np.ndarray:
        """When the last stage was reached (days), ``nan`` if not by the horizon."""
        last: np.ndarray = self.stage_days[:, -1]
        return last

    @classmethod
    def concat(cls, parts: Sequence[Outcomes]) -> Outcomes:
        """Join outcomes, ordered by run index."""
        if not parts:
            raise ValueError("no outcomes to join")
        ordered = sorted(parts, key=lambda p: int(p.run[0]) if len(p.run) else -1)
        return cls(
            **{
                name: np.concatenate([getattr(p, name) for p in ordered])
                for name in cls.__dataclass_fields__
            }
        )


@dataclass(frozen=True, slots=True)
class Ends:
    """How runs ended, and no more: what a sweep's point or a sensitivity analysis needs.

    Attributes
    ----------
    stage_days, ending, ending_day, deadline_days, custom, custom_boolean
        As in :class:`Outcomes`.
    """

    stage_days: np.ndarray
    ending: np.ndarray
    ending_day: np.ndarray
    deadline_days: np.ndarray
    custom: np.ndarray
    custom_boolean: np.ndarray

    def __len__(self) -> int:
        return len(self.ending)

    @classmethod
    def concat(cls, parts: Sequence[Ends]) -> Ends:
        """Join the ends of consecutive chunks of runs, in the order given."""
        return cls(
            *(
                np.concatenate([getattr(p, name) for p in parts])
                for name in cls.__dataclass_fields__
            )
        )


MonteCarloTask = Callable[..., Outcomes]
"""``task(scenario, seed, start, stop[, custom])`` -> the outcomes of runs ``start .. stop - 1``.

``custom`` (the custom outcomes) is passed only when there are some.
"""

TaskFunction = Callable[..., "Ends"]
"""``task(scenario, seed, start, stop[, custom])`` -> how runs ``start .. stop - 1`` ended."""


def simulate_runs(
    scenario: Scenario,
    seed: int,
    start: int,
    stop: int,
    custom: Sequence[CustomOutcome] = (),
) -> Outcomes:
    """Simulate runs ``start .. stop - 1`` of ``seed`` and collect their outcomes.

    Parameters
    ----------
    scenario : Scenario
        A validated scenario.
    seed : int
        The master seed.
    start, stop : int
        The range of run indices.
    custom : sequence of CustomOutcome, optional
        Custom outcomes, evaluated here on each run.

    Returns
    -------
    Outcomes
        One row per run, in order.
    """
    model = compile_scenario(scenario)
    n = stop - start
    n_gates = len(model.gate_ids)
    n_actors = len(model.actor_ids)
    n_kinds = len(model.kinds)
    ends = _empty_ends(n, len(model.stage_ids), len(model.deadline_ids), len(custom))
    announcements = np.zeros(n, np.int32)
    postponements = np.zeros(n, np.int32)
    first = np.full(n, np.nan)
    gates = np.full((n, n_gates), np.nan)
    reopenings = np.zeros((n, n_gates), np.int32)
    counts = np.zeros((n, n_actors * n_kinds), np.int32)
    readiness = np.zeros((n, len(model.grid)), np.float32)
    final = np.zeros(n)
    events = np.zeros(n, np.int64)
    for k in range(n):
        r = simulate(model, seed, start + k)
        _record_end(ends, k, r, custom)
        announcements[k] = len(r.announcements)
        postponements[k] = len(r.postponements)
        if r.announcements:
            first[k] = r.announcements[0][0]
        gates[k] = [math.nan if d is None else d for d in r.gate_days]
        reopenings[k] = r.gate_reopenings
        counts[k] = r.action_counts
        readiness[k] = r.readiness
        final[k] = r.final_readiness
        events[k] = r.events
    return Outcomes(
        run=np.arange(start, stop, dtype=np.int64),
        stage_days=ends.stage_days,
        ending=ends.ending,
        ending_day=ends.ending_day,
        deadline_days=ends.deadline_days,
        announcements=announcements,
        postponements=postponements,
        first_announcement=first,
        gate_days=gates,
        gate_reopenings=reopenings,
        action_counts=counts.reshape(n, n_actors, n_kinds),
        readiness=readiness,
        final_readiness=final,
        events=events,
        custom=ends.custom,
        custom_boolean=ends.custom_boolean,
    )


def _empty_ends(n: int, stages: int, deadlines: int, custom: int = 0) -> Ends:
    return Ends(
        stage_days=np.full((n, stages), np.nan),
        ending=np.full(n, -1, np.int16),
        ending_day=np.full(n, np.nan),
        deadline_days=np.zeros((n, deadlines), np.int32),
        custom=np.full((n, custom), np.nan),
        custom_boolean=np.zeros((n, custom), np.bool_),
    )


def _record_end(ends: Ends, k: int, r: RunResult, custom: Sequence[CustomOutcome] = ()) -> None:
    ends.stage_days[k] = [math.nan if d is None else d for d in r.stage_days]
    ends.ending[k] = r.ending
    if r.ending_day is not None:
        ends.ending_day[k] = r.ending_day
    ends.deadline_days[k] = r.deadline_days
    if custom:
        evaluate(custom, r, ends.custom[k], ends.custom_boolean[k])


def simulate_ends(
    scenario: Scenario,
    seed: int,
    start: int,
    stop: int,
    custom: Sequence[CustomOutcome] = (),
) -> Ends:
    """Return how runs ``start .. stop - 1`` of ``seed`` ended.

    The task of sweeps and sensitivity analyses, which need no more than this.

    Parameters
    ----------
    scenario : Scenario
        The point's validated scenario.
    seed : int
        The master seed.
    start, stop : int
        The range of run indices.
    custom : sequence of CustomOutcome, optional
        Custom outcomes, evaluated here on each run.

    Returns
    -------
    Ends
        Each run's stage days, ending, final deadline days and custom outcomes, in order.
    """
    model = compile_scenario(scenario)
    ends = _empty_ends(stop - start, len(model.stage_ids), len(model.deadline_ids), len(custom))
    for k in range(stop - start):
        _record_end(ends, k, simulate(model, seed, start + k), custom)
    return ends
