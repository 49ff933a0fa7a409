"""Monte Carlo estimation: many runs of a scenario, and what they say.

:func:`run_monte_carlo` runs a scenario ``runs`` times (or until every
deadline's interval is narrow enough) and returns a
:class:`MonteCarloResult`: the per-run outcomes as arrays, and the estimates
a researcher reports — P(convened by each deadline) with 95% Wilson
intervals, the Kaplan–Meier curve of the convening day, its median, and
P(not convened by the horizon).

Run ``i`` always uses the ``i``-th child of ``SeedSequence(seed)``, so results
are identical, bit for bit, whatever the number of workers or the chunking.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from concurrent.futures import BrokenExecutor, Future
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sim._version import __version__
from sim.engine.compiled import compile_scenario
from sim.engine.run import simulate
from sim.experiments.executors import (
    Backend,
    ExecutorSpec,
    PoolBroken,
    SerialExecutor,
    open_executor,
    wait_alive,
)
from sim.experiments.stats import Proportion, SurvivalCurve, half_width, kaplan_meier, wilson
from sim.scenario.schema import Deadline, Scenario

__all__ = [
    "DeadlineEstimate",
    "Interrupted",
    "MonteCarloResult",
    "Outcomes",
    "run_monte_carlo",
    "simulate_runs",
]

#: Runs in the first batch of a ``precision`` run, and the smallest later batch.
PRECISION_BATCH = 200
#: Largest number of runs per task sent to a worker (small enough that Ctrl-C and
#: progress are prompt, large enough that sending the scenario is cheap).
MAX_CHUNK = 100
#: Largest chunk when running in this process (only progress depends on it).
SERIAL_CHUNK = 25

ProgressCallback = Callable[[int, int], None]


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


def simulate_runs(scenario: Scenario, seed: int, start: int, stop: int) -> Outcomes:
    """Simulate runs ``start .. stop - 1`` of ``seed`` and collect their outcomes.

    This is the task sent to workers; it depends only on its arguments.
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


@dataclass(frozen=True, slots=True)
class DeadlineEstimate:
    """P(convened by a deadline), with its 95% Wilson interval."""

    deadline: Deadline
    proportion: Proportion

    def to_json(self) -> dict[str, Any]:
        """The estimate as the JSON output's ``deadlines`` entry."""
        p = self.proportion
        return {
            "name": self.deadline.id,
            "label": self.deadline.label,
            "date": self.deadline.date.isoformat(),
            "day": self.deadline.day,
            "probability": p.estimate,
            "ci_low": p.low,
            "ci_high": p.high,
            "convened": p.successes,
            "runs": p.n,
        }


@dataclass(frozen=True)
class MonteCarloResult:
    """The outcome of a Monte Carlo experiment.

    Attributes
    ----------
    scenario
        The scenario run.
    seed
        The master seed.
    outcomes
        The per-run outcomes, runs ``0 .. runs - 1`` in order.
    backend
        How the runs were executed (for provenance).
    wall_time
        Seconds from start to finish.
    precision
        The target half-width when runs were added until it was reached.
    """

    scenario: Scenario
    seed: int
    outcomes: Outcomes
    backend: str = "1 local process"
    wall_time: float = 0.0
    precision: float | None = None
    _cache: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def runs(self) -> int:
        """How many runs."""
        return len(self.outcomes)

    def convened_by(self, day: int) -> np.ndarray:
        """Per run: convened on or before ``day``."""
        return np.asarray(self.outcomes.convened_day <= day)

    def deadlines(self) -> tuple[DeadlineEstimate, ...]:
        """P(convened by each deadline), in date order."""
        if "deadlines" not in self._cache:
            self._cache["deadlines"] = tuple(
                DeadlineEstimate(d, wilson(int(self.convened_by(d.day).sum()), self.runs))
                for d in self.scenario.deadlines
            )
        result: tuple[DeadlineEstimate, ...] = self._cache["deadlines"]
        return result

    def deadline(self, name: str) -> DeadlineEstimate:
        """The estimate for the deadline named ``name``.

        Raises
        ------
        KeyError
            If the scenario has no such deadline.
        """
        for e in self.deadlines():
            if e.deadline.id == name:
                return e
        known = ", ".join(d.id for d in self.scenario.deadlines)
        raise KeyError(f"no deadline '{name}' (deadlines: {known})")

    def max_half_width(self, names: Sequence[str] | None = None) -> float:
        """The widest deadline interval's half-width (among ``names``, if given)."""
        return max(
            half_width(e.proportion)
            for e in self.deadlines()
            if names is None or e.deadline.id in names
        )

    def survival(self) -> SurvivalCurve:
        """Kaplan–Meier curve of the convening day, censored at the horizon."""
        if "survival" not in self._cache:
            day = self.outcomes.convened_day
            convened = ~np.isnan(day)
            times = np.where(convened, day, float(self.scenario.horizon_day))
            self._cache["survival"] = kaplan_meier(times, convened)
        curve: SurvivalCurve = self._cache["survival"]
        return curve

    def not_convened(self) -> Proportion:
        """P(not convened by the horizon)."""
        return wilson(int(np.isnan(self.outcomes.convened_day).sum()), self.runs)

    def median_day(self) -> float | None:
        """The median convening day (Kaplan–Meier), or ``None`` if under half convene."""
        return self.survival().median

    def to_json(self) -> dict[str, Any]:
        """The result as the JSON object ``negsim run --format json`` prints."""
        s = self.scenario
        median = self.median_day()
        never = self.not_convened()
        return {
            "scenario": s.name,
            "title": s.title,
            "scenario_sha256": s.sha256,
            "version": __version__,
            "runs": self.runs,
            "seed": self.seed,
            "start": s.start.isoformat(),
            "horizon": s.horizon.isoformat(),
            "deadlines": [e.to_json() for e in self.deadlines()],
            "not_convened_by_horizon": {
                "probability": never.estimate,
                "ci_low": never.low,
                "ci_high": never.high,
            },
            "median_convening_date": (
                s.date_of(median).isoformat() if median is not None else None
            ),
            "median_convening_day": median,
            "max_half_width": self.max_half_width(),
            "precision": self.precision,
            "backend": self.backend,
            "wall_time_s": round(self.wall_time, 3),
            "events": int(self.outcomes.events.sum()),
        }


class Interrupted(Exception):
    """The experiment was stopped (Ctrl-C) before it finished.

    Attributes
    ----------
    completed
        How many runs had finished.
    requested
        How many were asked for.
    """

    def __init__(self, completed: int, requested: int) -> None:
        super().__init__(f"interrupted after {completed} of {requested} runs")
        self.completed = completed
        self.requested = requested


def _chunks(start: int, stop: int, parallelism: int, largest: int) -> list[tuple[int, int]]:
    n = stop - start
    size = max(1, min(largest, math.ceil(n / (4 * parallelism))))
    return [(a, min(a + size, stop)) for a in range(start, stop, size)]


def _run_range(
    backend: Backend,
    scenario: Scenario,
    seed: int,
    start: int,
    stop: int,
    on_progress: ProgressCallback | None,
    done_before: int,
    total: int,
) -> Outcomes:
    """Runs ``start .. stop - 1`` on the back end, in chunks.

    Raises
    ------
    Interrupted
        On Ctrl-C, with the number of runs finished.
    """
    parts: list[Outcomes] = []
    done = done_before

    def finished(part: Outcomes) -> None:
        nonlocal done
        parts.append(part)
        done += len(part)
        if on_progress is not None:
            on_progress(done, total)

    futures: set[Future[Outcomes]] = set()
    try:
        if isinstance(backend.executor, SerialExecutor):
            # In this process: one chunk at a time, so progress and Ctrl-C are prompt.
            for a, b in _chunks(start, stop, 1, SERIAL_CHUNK):
                finished(simulate_runs(scenario, seed, a, b))
        else:
            futures = {
                backend.executor.submit(simulate_runs, scenario, seed, a, b)
                for a, b in _chunks(start, stop, backend.parallelism, MAX_CHUNK)
            }
            while futures:
                done_futures, futures = wait_alive(backend.executor, futures)
                for f in done_futures:
                    try:
                        part = f.result()
                    except BrokenExecutor:
                        raise PoolBroken("a worker process died; no results were kept") from None
                    finished(part)
    except KeyboardInterrupt:
        for f in futures:
            f.cancel()
        raise Interrupted(done, total) from None
    return Outcomes.concat(parts)


def run_monte_carlo(
    scenario: Scenario,
    runs: int | None = 1000,
    seed: int = 0,
    *,
    executor: ExecutorSpec | Backend | None = None,
    precision: float | None = None,
    max_runs: int = 100_000,
    precision_deadlines: Sequence[str] | None = None,
    on_progress: ProgressCallback | None = None,
) -> MonteCarloResult:
    """Run a scenario many times and estimate its deadline probabilities.

    Parameters
    ----------
    scenario
        A validated scenario.
    runs
        How many runs (ignored when ``precision`` is given).
    seed
        The master seed, a non-negative integer.
    executor
        Where to run: an :class:`~sim.experiments.executors.ExecutorSpec`
        (default: all local cores) or an already open back end.
    precision
        Instead of a fixed number of runs, add runs in batches until every
        deadline's 95% interval has a half-width of at most ``precision``
        (in (0, 0.5)), or ``max_runs`` is reached.
    max_runs
        The cap on runs when ``precision`` is given.
    precision_deadlines
        The deadlines whose intervals ``precision`` applies to (default: all).
    on_progress
        Called with (runs done, runs planned) as chunks finish.

    Returns
    -------
    MonteCarloResult
        The outcomes and estimates.

    Raises
    ------
    ValueError
        For a run count below 1, a negative seed or a precision outside (0, 0.5).
    Interrupted
        On Ctrl-C, saying how many runs had finished.
    """
    if seed < 0:
        raise ValueError(f"the seed must be a non-negative integer, got {seed}")
    if precision is not None:
        if not (math.isfinite(precision) and 0.0 < precision < 0.5):
            raise ValueError(f"precision must be between 0 and 0.5 (exclusive), got {precision}")
        if max_runs < 1:
            raise ValueError(f"max_runs must be at least 1, got {max_runs}")
    elif runs is None or runs < 1:
        raise ValueError(f"the number of runs must be at least 1, got {runs}")
    precision_deadlines = list(precision_deadlines) if precision_deadlines else None
    known = {d.id for d in scenario.deadlines}
    for name in precision_deadlines or ():
        if name not in known:
            raise ValueError(f"no deadline '{name}' (deadlines: {', '.join(sorted(known))})")
    began = time.perf_counter()
    if isinstance(executor, Backend):
        result = _run(
            scenario, runs, seed, executor, precision, max_runs, precision_deadlines, on_progress
        )
        label = "given executor"
    else:
        spec = executor if executor is not None else ExecutorSpec()
        with open_executor(spec) as backend:
            result = _run(
                scenario, runs, seed, backend, precision, max_runs, precision_deadlines, on_progress
            )
        label = spec.label
    return MonteCarloResult(
        scenario=scenario,
        seed=seed,
        outcomes=result,
        backend=label,
        wall_time=time.perf_counter() - began,
        precision=precision,
    )


def _run(
    scenario: Scenario,
    runs: int | None,
    seed: int,
    backend: Backend,
    precision: float | None,
    max_runs: int,
    names: Sequence[str] | None,
    on_progress: ProgressCallback | None,
) -> Outcomes:
    if precision is None:
        assert runs is not None
        return _run_range(backend, scenario, seed, 0, runs, on_progress, 0, runs)
    parts: list[Outcomes] = []
    done = 0
    target = min(PRECISION_BATCH, max_runs)
    while True:
        parts.append(_run_range(backend, scenario, seed, done, target, on_progress, done, target))
        done = target
        outcomes = Outcomes.concat(parts)
        widest = MonteCarloResult(scenario, seed, outcomes).max_half_width(names)
        if widest <= precision or done >= max_runs:
            return outcomes
        # Half-widths shrink like 1/sqrt(n): aim for the n that reaches the target.
        needed = math.ceil(done * (widest / precision) ** 2 * 1.05)
        target = min(max_runs, max(done + PRECISION_BATCH, needed))
