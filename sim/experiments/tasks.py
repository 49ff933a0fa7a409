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
from sim.engine.run import simulate
from sim.scenario.schema import Scenario

__all__ = [
    "MonteCarloTask",
    "Outcomes",
    "TaskFunction",
    "simulate_convened",
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
    convened_day
        Day of convening, ``nan`` if not convened by the horizon.
    announcements, postponements
        How many dates were announced and postponed.
    first_announcement
        When the first date was announced (days), ``nan`` if none.
    gate_days
        When each gate was resolved, shape ``(runs, gates)``; ``nan`` never.
    action_counts
        Actions by actor and kind, shape ``(runs, actors, kinds)``.
    readiness
        Readiness on the weekly grid, shape ``(runs, grid)`` (float32).
    final_readiness
        Readiness when each run ended.
    events
        SimPy events processed per run.
    """

    run: np.ndarray
    convened_day: np.ndarray
    announcements: np.ndarray
    postponements: np.ndarray
    first_announcement: np.ndarray
    gate_days: np.ndarray
    action_counts: np.ndarray
    readiness: np.ndarray
    final_readiness: np.ndarray
    events: np.ndarray

    def __len__(self) -> int:
        return len(self.run)

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


MonteCarloTask = Callable[[Scenario, int, int, int], Outcomes]
"""``task(scenario, seed, start, stop)`` -> the outcomes of runs ``start .. stop - 1``."""

TaskFunction = Callable[[Scenario, int, int, int], FloatArray]
"""``task(scenario, seed, start, stop)`` -> convening days of runs ``start .. stop - 1``."""


def simulate_runs(scenario: Scenario, seed: int, start: int, stop: int) -> Outcomes:
    """Simulate runs ``start .. stop - 1`` of ``seed`` and collect their outcomes.

    Parameters
    ----------
    scenario : Scenario
        A validated scenario.
    seed : int
        The master seed.
    start, stop : int
        The range of run indices.

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
    convened = np.full(n, np.nan)
    announcements = np.zeros(n, np.int32)
    postponements = np.zeros(n, np.int32)
    first = np.full(n, np.nan)
    gates = np.full((n, n_gates), np.nan)
    counts = np.zeros((n, n_actors * n_kinds), np.int32)
    readiness = np.zeros((n, len(model.grid)), np.float32)
    final = np.zeros(n)
    events = np.zeros(n, np.int64)
    for k in range(n):
        r = simulate(model, seed, start + k)
        if r.convened_day is not None:
            convened[k] = r.convened_day
        announcements[k] = len(r.announcements)
        postponements[k] = len(r.postponements)
        if r.announcements:
            first[k] = r.announcements[0][0]
        gates[k] = [math.nan if d is None else d for d in r.gate_days]
        counts[k] = r.action_counts
        readiness[k] = r.readiness
        final[k] = r.final_readiness
        events[k] = r.events
    return Outcomes(
        run=np.arange(start, stop, dtype=np.int64),
        convened_day=convened,
        announcements=announcements,
        postponements=postponements,
        first_announcement=first,
        gate_days=gates,
        action_counts=counts.reshape(n, n_actors, n_kinds),
        readiness=readiness,
        final_readiness=final,
        events=events,
    )


def simulate_convened(scenario: Scenario, seed: int, start: int, stop: int) -> FloatArray:
    """Return the convening days of runs ``start .. stop - 1`` of ``seed``.

    The task of sweeps and sensitivity analyses, which need no more than this.

    Parameters
    ----------
    scenario : Scenario
        The point's validated scenario.
    seed : int
        The master seed.
    start, stop : int
        The range of run indices.

    Returns
    -------
    ndarray of float64, shape (stop - start,)
        Day of convening of each run (days since the scenario start), ``nan`` if not convened
        by the horizon.
    """
    return simulate_runs(scenario, seed, start, stop).convened_day
