"""Monte Carlo estimation: many runs of a scenario, and what they say.

:func:`run_monte_carlo` runs a scenario ``runs`` times (or until every
deadline's interval is narrow enough) and returns a
:class:`MonteCarloResult`: the per-run outcomes as arrays, and the estimates
a researcher reports — at each deadline, P(each stage reached by it) and
P(each alternative ending by it) with 95% Wilson intervals (competing risks:
the last stage, the endings and "still open" add up to 1); the Kaplan–Meier
curve and median of each stage's day; where the runs stood at the horizon.
A deadline that passed before the forecast origin is reported from the
record (every run alike).

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
from sim.experiments.custom import (
    CustomEstimate,
    CustomOutcome,
    CustomSummary,
    OutcomesLike,
    normalise_outcomes,
)
from sim.experiments.executors import Backend, ExecutorSpec
from sim.experiments.frames import import_pandas, run_columns
from sim.experiments.scheduler import MAX_CHUNK, ProgressCallback, Scheduler, Tally, Task
from sim.experiments.sizes import check_fits, run_bytes
from sim.experiments.stats import Proportion, SurvivalCurve, half_width, kaplan_meier, wilson
from sim.experiments.tasks import MonteCarloTask, Outcomes, simulate_runs
from sim.scenario.schema import Deadline, Scenario

__all__ = [
    "DeadlineEstimate",
    "Interrupted",
    "MonteCarloResult",
    "OutcomeEstimate",
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
class OutcomeEstimate:
    """P(one outcome by a deadline): a stage reached, or the negotiation ended another way.

    Attributes
    ----------
    name, label
        The stage's or the ending's id and label.
    kind
        ``"stage"`` or ``"ending"``.
    proportion
        The share of runs, with its 95% Wilson interval.
    """

    name: str
    label: str
    kind: str
    proportion: Proportion

    def to_json(self) -> dict[str, Any]:
        """The estimate as a JSON object."""
        p = self.proportion
        return {
            "name": self.name,
            "label": self.label,
            "kind": self.kind,
            "probability": p.estimate,
            "ci_low": p.low,
            "ci_high": p.high,
            "count": p.successes,
        }


@dataclass(frozen=True, slots=True)
class DeadlineEstimate:
    """What the runs say at one deadline: its own stage, and every stage and ending, by it.

    "By the deadline" means on or before the day the deadline stood at in each
    run (an extension moves it).

    Attributes
    ----------
    deadline
        The deadline.
    stage
        The index of the stage it is for.
    proportion
        P(its stage reached by it), with its 95% Wilson interval.
    outcomes
        P(each stage reached by it), then P(each ending by it).
    from_record
        The deadline passed before the forecast origin: the record says whether
        it was met, every run alike.
    moved
        The share of runs in which it was extended.
    final_day
        Its median day in the runs (its own day when it never moves).
    original
        P(its stage reached by its original date), whatever extensions did.
    """

    deadline: Deadline
    stage: int
    proportion: Proportion
    outcomes: tuple[OutcomeEstimate, ...]
    from_record: bool
    moved: Proportion
    final_day: float
    original: Proportion

    @property
    def stage_estimate(self) -> OutcomeEstimate:
        """The estimate of the deadline's own stage."""
        return self.outcomes[self.stage]

    def to_json(self) -> dict[str, Any]:
        """The estimate as the JSON output's ``deadlines`` entry."""
        p = self.proportion
        stage = self.stage_estimate
        return {
            "name": self.deadline.id,
            "label": self.deadline.label,
            "date": self.deadline.date.isoformat(),
            "day": self.deadline.day,
            "stage": stage.name,
            "stage_label": stage.label,
            "probability": p.estimate,
            "ci_low": p.low,
            "ci_high": p.high,
            "reached": p.successes,
            "runs": p.n,
            "from_record": self.from_record,
            "moved": self.moved.estimate,
            "final_day_median": self.final_day,
            "probability_by_original_date": self.original.estimate,
            "outcomes": [o.to_json() for o in self.outcomes],
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
    custom_outcomes
        The custom outcomes evaluated on every run (their values are ``outcomes.custom``).
    """

    scenario: Scenario
    seed: int
    outcomes: Outcomes
    backend: str = "1 local process"
    wall_time: float = 0.0
    precision: float | None = None
    custom_outcomes: tuple[CustomOutcome, ...] = ()
    _cache: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def runs(self) -> int:
        """How many runs."""
        return len(self.outcomes)

    def reached_by(self, stage: int, deadline: int) -> np.ndarray:
        """Per run: stage ``stage`` reached on or before deadline ``deadline``'s day in that run."""
        o = self.outcomes
        return np.asarray(o.stage_days[:, stage] <= o.deadline_days[:, deadline])

    def ended_by(self, ending: int, deadline: int) -> np.ndarray:
        """Per run: the negotiation ended by ``ending`` on or before deadline ``deadline``'s day."""
        o = self.outcomes
        return np.asarray((o.ending == ending) & (o.ending_day <= o.deadline_days[:, deadline]))

    def convened_by(self, day: int) -> np.ndarray:
        """Per run: the last stage reached on or before ``day``."""
        return np.asarray(self.outcomes.convened_day <= day)

    def deadlines(self) -> tuple[DeadlineEstimate, ...]:
        """Every deadline's estimates, in date order."""
        if "deadlines" not in self._cache:
            self._cache["deadlines"] = tuple(
                self._deadline(d, k) for k, d in enumerate(self.scenario.deadlines)
            )
        result: tuple[DeadlineEstimate, ...] = self._cache["deadlines"]
        return result

    def _deadline(self, deadline: Deadline, index: int) -> DeadlineEstimate:
        s = self.scenario
        n = self.runs
        outcomes = [
            OutcomeEstimate(
                stage.id, stage.label, "stage", wilson(int(self.reached_by(k, index).sum()), n)
            )
            for k, stage in enumerate(s.stages)
        ]
        outcomes += [
            OutcomeEstimate(
                ending.id, ending.label, "ending", wilson(int(self.ended_by(e, index).sum()), n)
            )
            for e, ending in enumerate(s.endings)
        ]
        stage = s.deadline_stage(deadline)
        days = self.outcomes.deadline_days[:, index]
        return DeadlineEstimate(
            deadline=deadline,
            stage=stage,
            proportion=outcomes[stage].proportion,
            outcomes=tuple(outcomes),
            from_record=deadline.day <= s.as_of_day,
            moved=wilson(int(np.count_nonzero(days != deadline.day)), n),
            final_day=float(np.median(days)) if n else float(deadline.day),
            original=wilson(
                int(np.count_nonzero(self.outcomes.stage_days[:, stage] <= deadline.day)), n
            ),
        )

    def deadline(self, name: str) -> DeadlineEstimate:
        """The estimates for the deadline named ``name``.

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
        """The widest interval's half-width, over the deadlines' own stages (among ``names``)."""
        return max(
            half_width(e.proportion)
            for e in self.deadlines()
            if names is None or e.deadline.id in names
        )

    def survival(self, stage: int = -1) -> SurvivalCurve:
        """Kaplan–Meier curve of the day a stage is reached (the last by default).

        Only the horizon censors: a run that ended another way has not reached
        the stage by the horizon, so the curve's complement is the stage's
        cumulative incidence.
        """
        key = f"survival{stage % len(self.scenario.stages)}"
        if key not in self._cache:
            day = self.outcomes.stage_days[:, stage]
            reached = ~np.isnan(day)
            times = np.where(reached, day, float(self.scenario.horizon_day))
            self._cache[key] = kaplan_meier(times, reached)
        curve: SurvivalCurve = self._cache[key]
        return curve

    def by_horizon(self) -> tuple[tuple[OutcomeEstimate, ...], Proportion]:
        """Where the runs stood at the horizon.

        P(each stage reached), P(each ending), and P(neither the last stage
        nor an ending: still open).
        """
        s = self.scenario
        o = self.outcomes
        n = self.runs
        found = [
            OutcomeEstimate(
                st.id,
                st.label,
                "stage",
                wilson(int(np.count_nonzero(~np.isnan(o.stage_days[:, k]))), n),
            )
            for k, st in enumerate(s.stages)
        ]
        found += [
            OutcomeEstimate(
                e.id, e.label, "ending", wilson(int(np.count_nonzero(o.ending == i)), n)
            )
            for i, e in enumerate(s.endings)
        ]
        still_open = np.isnan(o.convened_day) & (o.ending < 0)
        return tuple(found), wilson(int(np.count_nonzero(still_open)), n)

    def custom(self) -> tuple[CustomEstimate, ...]:
        """Every custom outcome estimated over the runs, with its 95% interval.

        Booleans: the share of runs where it held (Wilson interval); numbers: the mean (Student
        t interval) and the median; both over the runs where the outcome is defined.
        """
        o = self.outcomes
        return tuple(
            CustomSummary.of(c.name, o.custom[:, j], o.custom_boolean[:, j]).estimate()
            for j, c in enumerate(self.custom_outcomes)
        )

    def not_convened(self) -> Proportion:
        """P(the last stage not reached by the horizon: an ending, or still open)."""
        return wilson(int(np.isnan(self.outcomes.convened_day).sum()), self.runs)

    def median_day(self, stage: int = -1) -> float | None:
        """The median day a stage is reached (Kaplan–Meier), or ``None`` if under half reach it."""
        return self.survival(stage).median

    def to_pandas(self) -> Any:
        """Return one row per run as a :class:`pandas.DataFrame` (pandas is imported only here).

        The columns are ``run`` (the run index) and those of ``runs.csv`` (see
        :func:`~sim.experiments.frames.run_columns`): the day each stage was reached, the
        ending and its day, where each deadline stood, announcements, postponements, the
        final readiness, the events, the day each gate was settled and the actions by actor
        and kind. Days are floats, ``nan`` where nothing happened.

        Raises
        ------
        ImportError
            If pandas is not installed, saying what to install.
        """
        pandas = import_pandas(".outcomes, or .to_json() for the estimates")
        return pandas.DataFrame(
            {
                "run": self.outcomes.run,
                **run_columns(self.outcomes, self.scenario),
                **self.custom_columns(),
            }
        )

    def custom_columns(self) -> dict[str, np.ndarray]:
        """Each custom outcome's per-run values, by name (booleans as 0/1, NaN undefined)."""
        return {c.name: self.outcomes.custom[:, j] for j, c in enumerate(self.custom_outcomes)}

    def to_json(self) -> dict[str, Any]:
        """The result as the JSON object ``negsim run --format json`` prints."""
        s = self.scenario
        reached, still_open = self.by_horizon()

        def date(day: float | None) -> str | None:
            return s.date_of(day).isoformat() if day is not None else None

        custom = (
            {"custom_outcomes": [e.to_json() for e in self.custom()]}
            if self.custom_outcomes
            else {}
        )
        return {
            "scenario": s.name,
            "title": s.title,
            "scenario_sha256": s.sha256,
            "version": __version__,
            "runs": self.runs,
            "seed": self.seed,
            "start": s.start.isoformat(),
            "as_of": s.as_of.isoformat(),
            "horizon": s.horizon.isoformat(),
            "stages": [
                {
                    "name": st.id,
                    "label": st.label,
                    "median_day": self.median_day(k),
                    "median_date": date(self.median_day(k)),
                }
                for k, st in enumerate(s.stages)
            ],
            "endings": [{"name": e.id, "label": e.label} for e in s.endings],
            "deadlines": [e.to_json() for e in self.deadlines()],
            "by_horizon": {
                "outcomes": [o.to_json() for o in reached],
                "still_open": {
                    "probability": still_open.estimate,
                    "ci_low": still_open.low,
                    "ci_high": still_open.high,
                    "count": still_open.successes,
                },
            },
            **custom,
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
    custom: tuple[CustomOutcome, ...] = (),
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
    custom : tuple of CustomOutcome, optional
        Custom outcomes, sent with every chunk and evaluated in the workers.

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
            Task(
                fn,
                (scenario, seed, a, b, *((custom,) if custom else ())),
                b - a,
                f"runs {a}..{b - 1}",
            )
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
    outcomes: OutcomesLike | None = None,
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
    outcomes
        Custom outcomes (see :mod:`sim.experiments.custom`): functions of a run's
        :class:`~sim.engine.result.RunResult` returning a bool, a number or ``None``, or
        named built-in outcomes such as ``"days:announced:convened"``; evaluated in the
        workers and estimated by :meth:`MonteCarloResult.custom`.

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
    OutcomeError
        For a custom outcome that cannot be used (see :mod:`sim.experiments.custom`).
    """
    custom = normalise_outcomes(outcomes, scenario)
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
    check_fits(max_runs if precision is not None else runs or 0, "runs", run_bytes(scenario))
    began = time.perf_counter()
    with Scheduler(executor) as scheduler:
        if precision is None:
            assert runs is not None
            tally = Tally(runs, "runs", on_progress)
            found = run_range(scheduler, scenario, seed, 0, runs, tally, task, custom)
        else:
            found = _run_to_precision(
                scheduler,
                scenario,
                seed,
                precision,
                max_runs,
                precision_deadlines,
                on_progress,
                task,
                custom,
            )
    return MonteCarloResult(
        scenario=scenario,
        seed=seed,
        outcomes=found,
        backend=scheduler.label,
        wall_time=time.perf_counter() - began,
        precision=precision,
        custom_outcomes=custom,
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
    custom: tuple[CustomOutcome, ...] = (),
) -> Outcomes:
    """Add batches of runs until the widest interval is narrow enough, or ``max_runs``."""
    parts: list[Outcomes] = []
    target = min(PRECISION_BATCH, max_runs)
    tally = Tally(target, "runs", on_progress)
    while True:
        parts.append(run_range(scheduler, scenario, seed, tally.done, target, tally, task, custom))
        outcomes = Outcomes.concat(parts)
        widest = MonteCarloResult(scenario, seed, outcomes).max_half_width(names)
        if widest <= precision or target >= max_runs:
            return outcomes
        # Half-widths shrink like 1/sqrt(n): aim for the n that reaches the target.
        needed = math.ceil(target * (widest / precision) ** 2 * 1.05)
        target = min(max_runs, max(target + PRECISION_BATCH, needed))
        tally.total = target
