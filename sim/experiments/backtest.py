"""Backtests: forecasts from rolling origins, scored against what the record says happened.

For each origin date, :func:`backtest` forecasts from the record up to it (the scenario with
``as_of`` at the origin; with ``calibrate``, its parameters first fitted to the record up to
the origin and each run drawing them from that posterior) and scores the forecast against
the truth, next to two naive forecasters measured on the same targets.

The truth
    The whole record replayed (``as_of`` = its last event): the day each stage was really
    reached, or never within the record.
The targets of an origin (probabilities, scored by Brier and log score)
    P(stage reached by day D) for each D after the origin and on or before the record's last
    event (later dates have no known outcome), from two sources:

    * the scenario's deadlines, at their declared date (not where an extension moved them),
      each for its own stage;
    * the dates named by the record's ``target_date`` events (the event's date plus its
      ``target_days``), for the last stage, whenever the event was: the forecast never sees
      a later event, the target only says where its distribution is read.

    A date named twice for one stage counts once (as the deadline). Stages the record had
    reached by the origin have no targets.
The stages of an origin (dates, scored by CRPS and the predictive percentile)
    every stage the record reached after the origin.
The naive forecasters
    *flat*: 0.5 for every target (no CRPS). *Constant hazard*: the stage happens at a
    constant rate from the origin, the rate at which it would have had a 50% chance to
    happen in the time already elapsed, ``ln 2 / elapsed``, where elapsed is the days from
    the start (or from the day the record reached the previous stage, if it had by the
    origin) to the origin; so P(by D) = 1 - exp(-rate (D - origin)).
"""

from __future__ import annotations

import datetime as dt
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from sim._version import __version__
from sim.engine.run import simulate
from sim.errors import InputError
from sim.experiments.calibration_tasks import simulate_stage_days
from sim.experiments.executors import Backend, ExecutorSpec
from sim.experiments.posterior import Posterior
from sim.experiments.scheduler import MAX_CHUNK, ProgressCallback, Scheduler, Tally, Task
from sim.experiments.scores import (
    brier,
    crps_exponential,
    crps_sample,
    log_score,
    percentile_exponential,
    predictive_percentile,
)
from sim.experiments.sizes import check_fits, run_bytes
from sim.model.actions import ActionKind
from sim.scenario.loader import with_overrides
from sim.scenario.schema import Scenario

__all__ = [
    "BacktestError",
    "BacktestResult",
    "OriginForecast",
    "StageScore",
    "Target",
    "backtest",
    "record_end",
    "targets_after",
    "truth",
]

FloatArray = npt.NDArray[np.float64]

#: The central predictive band the actual date is checked against.
BAND = 0.80


class BacktestError(InputError):
    """Origins that cannot be backtested (before the start, after the record's end)."""


@dataclass(frozen=True, slots=True)
class Target:
    """A date to read P(stage reached by then) at.

    Attributes
    ----------
    stage
        The stage's index.
    day
        The date, in days since the start.
    source
        Where it comes from: ``"deadline ID"`` or ``"target_date EVENT"``.
    """

    stage: int
    day: int
    source: str


def record_end(scenario: Scenario) -> dt.date:
    """The date of the record's last event (scheduled events without a result left out)."""
    dates = [e.date for e in scenario.events if not e.scheduled]
    if not dates:
        raise BacktestError(f"{scenario.source}: no record events: nothing to backtest against")
    return max(dates)


def truth(scenario: Scenario) -> tuple[int | None, ...]:
    """The day the record reached each stage (``None``: not within the record)."""
    end = record_end(scenario)
    replay = with_overrides(scenario, {"as_of": end})
    end_day = scenario.day_of(end)
    days = simulate(replay, 0, 0).stage_days
    return tuple(d if d is not None and d <= end_day else None for d in days)


def targets_after(scenario: Scenario, origin_day: int, real: Sequence[int | None]) -> list[Target]:
    """The targets of an origin (see the module notes), by stage then day."""
    end_day = scenario.day_of(record_end(scenario))
    last = len(scenario.stages) - 1
    found: dict[tuple[int, int], Target] = {}

    def open_stage(stage: int) -> bool:
        reached = real[stage]
        return reached is None or reached > origin_day

    for d in scenario.deadlines:
        stage = scenario.deadline_stage(d)
        if origin_day < d.day <= end_day and open_stage(stage):
            found.setdefault((stage, d.day), Target(stage, d.day, f"deadline {d.id}"))
    for e in scenario.events:
        if e.kind is not ActionKind.TARGET_DATE or e.scheduled:
            continue
        day = e.day + int(e.effect.target_days)
        if origin_day < day <= end_day and open_stage(last):
            found.setdefault((last, day), Target(last, day, f"target_date {e.id}"))
    return sorted(found.values(), key=lambda t: (t.stage, t.day))


def _hazard_rate(real: Sequence[int | None], stage: int, origin_day: int) -> float:
    previous = real[stage - 1] if stage > 0 else None
    since = previous if previous is not None and previous <= origin_day else 0
    elapsed = max(origin_day - since, 1)
    return math.log(2.0) / elapsed


@dataclass(frozen=True, slots=True)
class StageScore:
    """How an origin's forecast of one stage's date fared against the actual date."""

    stage: str
    actual_day: int
    median_day: float
    low_day: float
    high_day: float
    reached: float
    percentile: float
    crps: float
    hazard_percentile: float
    hazard_crps: float

    @property
    def inside(self) -> bool:
        """Whether the actual day lies in the central 80% band (ends included)."""
        return self.low_day <= self.actual_day <= self.high_day


@dataclass(frozen=True)
class OriginForecast:
    """One origin's forecast, its targets and its scores.

    Attributes
    ----------
    origin, origin_day
        The forecast origin.
    stage_days
        Per run and stage, the day the stage was reached (``nan``: not by the horizon).
    targets
        The targets, with the model's, the flat and the hazard forecasters' probabilities
        and what happened.
    stages
        The scores of each stage the record reached after the origin.
    posterior
        The posterior the runs drew from (with ``calibrate``), else ``None``.
    """

    origin: dt.date
    origin_day: int
    stage_days: FloatArray
    targets: tuple[Target, ...]
    p_model: FloatArray
    p_hazard: FloatArray
    outcome: npt.NDArray[np.bool_]
    stages: tuple[StageScore, ...]
    posterior: Posterior | None = None

    @property
    def p_flat(self) -> FloatArray:
        """The flat forecaster's probabilities: 0.5 each."""
        return np.full(len(self.targets), 0.5)


@dataclass(frozen=True)
class BacktestResult:
    """The forecasts from every origin and their scores."""

    scenario: Scenario
    origins: tuple[OriginForecast, ...]
    real: tuple[int | None, ...]
    runs: int
    seed: int
    calibrated: bool
    backend: str = ""
    wall_time: float = 0.0

    def _pooled(self) -> tuple[FloatArray, FloatArray, npt.NDArray[np.bool_]]:
        if not any(len(o.targets) for o in self.origins):
            return np.zeros(0), np.zeros(0), np.zeros(0, dtype=bool)
        return (
            np.concatenate([o.p_model for o in self.origins]),
            np.concatenate([o.p_hazard for o in self.origins]),
            np.concatenate([o.outcome for o in self.origins]),
        )

    def scores(self, origin: OriginForecast | None = None) -> dict[str, float]:
        """Brier and log scores of the three forecasters (pooled over origins, or one)."""
        if origin is None:
            p_model, p_hazard, y = self._pooled()
        else:
            p_model, p_hazard, y = origin.p_model, origin.p_hazard, origin.outcome
        if len(y) == 0:
            nan = math.nan
            return dict.fromkeys(
                (
                    "brier_model",
                    "brier_flat",
                    "brier_hazard",
                    "log_model",
                    "log_flat",
                    "log_hazard",
                ),
                nan,
            )
        eps = 0.5 / self.runs
        flat = np.full(len(y), 0.5)
        return {
            "brier_model": brier(p_model, y),
            "brier_flat": brier(flat, y),
            "brier_hazard": brier(p_hazard, y),
            "log_model": log_score(p_model, y, eps),
            "log_flat": log_score(flat, y, eps),
            "log_hazard": log_score(p_hazard, y, eps),
        }

    def to_json(self) -> dict[str, Any]:
        """The backtest as one JSON object (``negsim backtest --format json``)."""
        s = self.scenario
        out_origins = []
        for o in self.origins:
            out_origins.append(
                {
                    "origin": o.origin.isoformat(),
                    "scores": _finite(self.scores(o)),
                    "targets": [
                        {
                            "stage": s.stages[t.stage].id,
                            "date": s.date_of(t.day).isoformat(),
                            "source": t.source,
                            "happened": bool(o.outcome[i]),
                            "p_model": float(o.p_model[i]),
                            "p_flat": 0.5,
                            "p_hazard": float(o.p_hazard[i]),
                        }
                        for i, t in enumerate(o.targets)
                    ],
                    "stages": [
                        {
                            "stage": st.stage,
                            "actual": s.date_of(st.actual_day).isoformat(),
                            "median": _date_or_none(s, st.median_day),
                            "band_low": _date_or_none(s, st.low_day),
                            "band_high": _date_or_none(s, st.high_day),
                            "band": BAND,
                            "inside": st.inside,
                            "reached_by_horizon": st.reached,
                            "percentile": st.percentile,
                            "crps_days": st.crps,
                            "hazard_percentile": st.hazard_percentile,
                            "hazard_crps_days": st.hazard_crps,
                        }
                        for st in o.stages
                    ],
                }
            )
        return {
            "negsim_version": __version__,
            "scenario": s.name,
            "scenario_sha256": s.sha256,
            "runs": self.runs,
            "seed": self.seed,
            "calibrated": self.calibrated,
            "record_end": record_end(s).isoformat(),
            "truth": {
                st.id: (None if d is None else s.date_of(d).isoformat())
                for st, d in zip(s.stages, self.real, strict=True)
            },
            "scores": _finite(self.scores()),
            "origins": out_origins,
            "backend": self.backend,
            "wall_time": self.wall_time,
        }


def _finite(scores: dict[str, float]) -> dict[str, float | None]:
    return {k: (v if math.isfinite(v) else None) for k, v in scores.items()}


def _date_or_none(scenario: Scenario, day: float) -> str | None:
    return None if not math.isfinite(day) else scenario.date_of(day).isoformat()


def check_origins(scenario: Scenario, origins: Sequence[dt.date]) -> list[dt.date]:
    """The origins, sorted and without repeats, each between the start and the record's end.

    Raises
    ------
    BacktestError
        For an origin before the start or after the record's last event, or none at all.
    """
    if not origins:
        raise BacktestError("--origins: give at least one date")
    end = record_end(scenario)
    for origin in origins:
        if origin < scenario.start:
            raise BacktestError(
                f"--origins {origin}: before the start of {scenario.source} ({scenario.start})"
            )
        if origin > end:
            raise BacktestError(
                f"--origins {origin}: after the end of the record of {scenario.source} ({end}); "
                "there would be nothing to score against"
            )
    return sorted(set(origins))


def _forecast(
    scheduler: Scheduler,
    scenario: Scenario,
    posterior: Posterior | None,
    runs: int,
    seed: int,
    on_progress: ProgressCallback | None,
) -> FloatArray:
    parts: list[FloatArray] = []
    size = max(1, min(MAX_CHUNK, math.ceil(runs / (4 * scheduler.parallelism))))
    scheduler.run(
        (
            Task(
                simulate_stage_days,
                (posterior, scenario, seed, a, min(a + size, runs)),
                min(a + size, runs) - a,
                f"runs {a}..{min(a + size, runs) - 1}",
            )
            for a in range(0, runs, size)
        ),
        parts.append,
        Tally(runs, "runs", on_progress),
    )
    return np.concatenate(parts, axis=0)


def score_origin(
    scenario: Scenario,
    origin: dt.date,
    stage_days: FloatArray,
    real: Sequence[int | None],
    posterior: Posterior | None = None,
) -> OriginForecast:
    """Score one origin's runs (``stage_days``: runs × stages, ``nan`` = not reached)."""
    origin_day = scenario.day_of(origin)
    targets = targets_after(scenario, origin_day, real)
    censored = np.where(np.isnan(stage_days), float(scenario.horizon_day + 1), stage_days)
    p_model = np.array([float(np.mean(censored[:, t.stage] <= t.day)) for t in targets])
    p_hazard = np.array(
        [
            1.0 - math.exp(-_hazard_rate(real, t.stage, origin_day) * (t.day - origin_day))
            for t in targets
        ]
    )
    met = []
    for t in targets:
        reached = real[t.stage]
        met.append(reached is not None and reached <= t.day)
    outcome: npt.NDArray[np.bool_] = np.array(met, dtype=np.bool_)
    tail = (1.0 - BAND) / 2.0
    stages = []
    for k, stage in enumerate(scenario.stages):
        actual = real[k]
        if actual is None or actual <= origin_day:
            continue
        column = censored[:, k]
        finite = np.where(column > scenario.horizon_day, math.inf, column)
        low, median, high = np.quantile(finite, [tail, 0.5, 1.0 - tail], method="inverted_cdf")
        rate = _hazard_rate(real, k, origin_day)
        stages.append(
            StageScore(
                stage=stage.id,
                actual_day=actual,
                median_day=float(median),
                low_day=float(low),
                high_day=float(high),
                reached=float(np.mean(~np.isnan(stage_days[:, k]))),
                percentile=predictive_percentile(column, actual),
                crps=crps_sample(column, actual),
                hazard_percentile=percentile_exponential(rate, actual - origin_day),
                hazard_crps=crps_exponential(rate, actual - origin_day),
            )
        )
    return OriginForecast(
        origin=origin,
        origin_day=origin_day,
        stage_days=stage_days,
        targets=tuple(targets),
        p_model=p_model,
        p_hazard=p_hazard,
        outcome=outcome,
        stages=tuple(stages),
        posterior=posterior,
    )


def backtest(
    scenario: Scenario,
    origins: Sequence[dt.date],
    runs: int = 1000,
    seed: int = 0,
    *,
    executor: ExecutorSpec | Backend | None = None,
    calibration: Any = None,
    on_progress: ProgressCallback | None = None,
) -> BacktestResult:
    """Forecast from each origin and score against the record.

    Parameters
    ----------
    scenario
        A validated scenario with a record.
    origins
        The forecast origins, from the start to the record's last event.
    runs, seed
        Runs per origin, and the master seed (every origin runs the same seeds).
    executor
        Where to run (default: all local cores).
    calibration
        A :class:`~sim.experiments.calibrate.CalibrationSettings`: calibrate up to each
        origin first (the scenario needs a ``[calibration]`` table), and draw each run's
        parameters from that posterior. ``None``: the scenario's own values.
    on_progress
        Called with (units done, units planned) of the current step.

    Raises
    ------
    BacktestError
        Bad origins.
    """
    if runs < 1:
        raise ValueError(f"the number of runs must be at least 1, got {runs}")
    check_fits(runs, "runs at an origin", run_bytes(scenario))
    chosen = check_origins(scenario, origins)
    began = time.perf_counter()
    real = truth(scenario)
    forecasts = []
    label = ""
    with Scheduler(executor) as scheduler:
        label = scheduler.label
        backend = scheduler.backend
        for origin in chosen:
            posterior = None
            if calibration is not None:
                from sim.experiments.calibrate import calibrate

                posterior = calibrate(
                    scenario,
                    origin,
                    seed,
                    settings=calibration,
                    executor=backend,
                    on_progress=on_progress,
                ).posterior
            at_origin = with_overrides(scenario, {"as_of": origin})
            days = _forecast(scheduler, at_origin, posterior, runs, seed, on_progress)
            forecasts.append(score_origin(scenario, origin, days, real, posterior))
    return BacktestResult(
        scenario=scenario,
        origins=tuple(forecasts),
        real=real,
        runs=runs,
        seed=seed,
        calibrated=calibration is not None,
        backend=label,
        wall_time=time.perf_counter() - began,
    )
