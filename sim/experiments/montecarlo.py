"""Monte Carlo estimation: many runs of a scenario, and what they say.

:func:`run_monte_carlo` runs a scenario ``runs`` times (or until every
deadline's interval is narrow enough) and returns a
:class:`MonteCarloResult`: the per-run outcomes as arrays, and the estimates
a researcher reports — P(convened by each deadline) with 95% Wilson
intervals, the Kaplan–Meier curve of the convening day, its median, and
P(not convened by the horizon).

Run ``i`` always uses the ``i``-th child of ``SeedSequence(seed)``, so results
are identical, bit for bit, whatever the number of workers or the chunking.
The runs go through the scheduler (:mod:`sim.experiments.scheduler`) in chunks
of at most :data:`~sim.experiments.scheduler.MAX_CHUNK` runs; the function sent
to workers is :func:`~sim.experiments.tasks.simulate_runs`.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sim._version import __version__
from sim.errors import Interrupted
from sim.experiments.executors import Backend, ExecutorSpec
from sim.experiments.frames import import_pandas, run_columns
from sim.experiments.scheduler import MAX_CHUNK, ProgressCallback, Scheduler, Tally, Task
from sim.experiments.stats import Proportion, SurvivalCurve, half_width, kaplan_meier, wilson
from sim.experiments.tasks import MonteCarloTask, Outcomes, simulate_runs
from sim.scenario.schema import Deadline, Scenario

__all__ = [
    "DeadlineEstimate",
    "Interrupted",
    "MonteCarloResult",
    "Outcomes",
    "ProgressCallback",
    "run_monte_carlo",
    "simulate_runs",
]

#: Runs in the first batch of a ``precision`` run, and the smallest later batch.
PRECISION_BATCH = 200
#: Largest chunk when running in this process (only progress depends on it).
SERIAL_CHUNK = 25


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

    def to_pandas(self) -> Any:
        """Return one row per run as a :class:`pandas.DataFrame` (pandas is imported only here).

        The columns are ``run`` (the run index) and those of ``runs.csv``: the convening day
        and date, announcements, postponements, the first announcement's day, the final
        readiness, the events, the day each gate was resolved and the actions by actor and
        kind (see :func:`~sim.experiments.frames.run_columns`). Days are floats, ``nan``
        where nothing happened.

        Raises
        ------
        ImportError
            If pandas is not installed, saying what to install.
        """
        pandas = import_pandas(".outcomes, or .to_json() for the estimates")
        return pandas.DataFrame(
            {"run": self.outcomes.run, **run_columns(self.outcomes, self.scenario)}
        )

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


def _chunks(start: int, stop: int, parallelism: int) -> list[tuple[int, int]]:
    """Split runs ``start .. stop - 1`` so that every worker gets a few chunks."""
    largest = SERIAL_CHUNK if parallelism == 1 else MAX_CHUNK
    size = max(1, min(largest, math.ceil((stop - start) / (4 * parallelism))))
    return [(a, min(a + size, stop)) for a in range(start, stop, size)]


def run_range(
    scheduler: Scheduler,
    scenario: Scenario,
    seed: int,
    start: int,
    stop: int,
    tally: Tally,
    task: MonteCarloTask | None = None,
) -> Outcomes:
    """Simulate runs ``start .. stop - 1`` through an open scheduler, in chunks.

    Parameters
    ----------
    scheduler : Scheduler
        An open scheduler (see :mod:`sim.experiments.scheduler`).
    scenario : Scenario
        A validated scenario.
    seed : int
        The master seed.
    start, stop : int
        The runs.
    tally : Tally
        Counts the runs as they finish.
    task : callable, optional
        The function sent to workers (default :func:`~sim.experiments.tasks.simulate_runs`).

    Returns
    -------
    Outcomes
        The runs' outcomes, in order.

    Raises
    ------
    Interrupted, WorkersLost
        As :meth:`Scheduler.run <sim.experiments.scheduler.Scheduler.run>`.
    """
    fn = task if task is not None else simulate_runs
    parts: list[Outcomes] = []
    scheduler.run(
        (
            Task(fn, (scenario, seed, a, b), b - a, f"runs {a}..{b - 1}")
            for a, b in _chunks(start, stop, scheduler.parallelism)
        ),
        parts.append,
        tally,
    )
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
    task: MonteCarloTask | None = None,
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
    task
        The function sent to workers, for instrumentation and tests (default
        :func:`~sim.experiments.tasks.simulate_runs`); it must pickle by
        reference and return what ``simulate_runs`` returns.

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
    WorkersLost
        If a chunk's worker died twice (a chunk whose worker dies once is run again).
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
    with Scheduler(executor) as scheduler:
        if precision is None:
            assert runs is not None
            tally = Tally(runs, "runs", on_progress)
            outcomes = run_range(scheduler, scenario, seed, 0, runs, tally, task)
        else:
            outcomes = _run_to_precision(
                scheduler,
                scenario,
                seed,
                precision,
                max_runs,
                precision_deadlines,
                on_progress,
                task,
            )
    return MonteCarloResult(
        scenario=scenario,
        seed=seed,
        outcomes=outcomes,
        backend=scheduler.label,
        wall_time=time.perf_counter() - began,
        precision=precision,
    )


def _run_to_precision(
    scheduler: Scheduler,
    scenario: Scenario,
    seed: int,
    precision: float,
    max_runs: int,
    names: Sequence[str] | None,
    on_progress: ProgressCallback | None,
    task: MonteCarloTask | None,
) -> Outcomes:
    """Add batches of runs until the widest interval is narrow enough, or ``max_runs``."""
    parts: list[Outcomes] = []
    target = min(PRECISION_BATCH, max_runs)
    tally = Tally(target, "runs", on_progress)
    while True:
        parts.append(run_range(scheduler, scenario, seed, tally.done, target, tally, task))
        outcomes = Outcomes.concat(parts)
        widest = MonteCarloResult(scenario, seed, outcomes).max_half_width(names)
        if widest <= precision or target >= max_runs:
            return outcomes
        # Half-widths shrink like 1/sqrt(n): aim for the n that reaches the target.
        needed = math.ceil(target * (widest / precision) ** 2 * 1.05)
        target = min(max_runs, max(target + PRECISION_BATCH, needed))
        tally.total = target
