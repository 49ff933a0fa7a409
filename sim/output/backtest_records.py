"""What a backtest's results folder holds, said once.

``negsim backtest --out`` writes (:mod:`sim.output.backtest_files`) ``targets.csv``,
``stages.csv``, two figures and, last, ``backtest.json``: what
:meth:`BacktestResult.to_json <sim.experiments.backtest.BacktestResult.to_json>` gives.
The records below declare its keys with types and ranges (a test holds the two together);
the CSV files are the JSON file's targets and stages flattened, one row per origin and
target (or stage) with the origin first, so their columns are these records' fields too:
:data:`TARGET_COLUMNS`, :data:`STAGE_COLUMNS`. In CSV a boolean is Python's ``True`` or
``False`` and a date that is not reached is ``never`` (``null`` in JSON).
:mod:`sim.output.backtest_readers` reads and checks them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sim.output.fields import (
    BOOL,
    COUNT,
    DATE,
    JSON_OBJECT,
    NON_NEGATIVE,
    PROBABILITY,
    PYTHON_BOOL,
    RUNS,
    SHA256,
    TEXT,
    field_names,
    list_of,
    object_of,
    or_none,
    or_word,
    spec,
)

__all__ = [
    "BACKTEST_FILES",
    "NEVER",
    "ORIGIN",
    "STAGE_COLUMNS",
    "TARGET_COLUMNS",
    "BacktestOrigin",
    "BacktestScores",
    "BacktestStage",
    "BacktestSummary",
    "BacktestTarget",
    "StageRow",
]

#: The files ``negsim backtest --out`` writes (``backtest.json`` last).
BACKTEST_FILES = ("targets.csv", "stages.csv", "reliability.png", "forecasts.png", "backtest.json")
#: A CSV cell for a date the forecast never reached (``null`` in JSON).
NEVER = "never"
#: The first column of both CSV files: the forecast origin.
ORIGIN = "origin"


@dataclass(frozen=True, slots=True, kw_only=True)
class BacktestScores:
    """Brier and log scores (lower is better); ``null`` when there were no targets."""

    brier_model: float | None = spec(or_none(NON_NEGATIVE))
    brier_flat: float | None = spec(or_none(NON_NEGATIVE))
    brier_hazard: float | None = spec(or_none(NON_NEGATIVE))
    log_model: float | None = spec(or_none(NON_NEGATIVE))
    log_flat: float | None = spec(or_none(NON_NEGATIVE))
    log_hazard: float | None = spec(or_none(NON_NEGATIVE))


@dataclass(frozen=True, slots=True, kw_only=True)
class BacktestTarget:
    """A target: P(stage by date) of the three forecasters, and whether it happened."""

    stage: str = spec(TEXT)
    date: dt.date = spec(DATE)
    source: str = spec(TEXT)
    happened: bool = spec(PYTHON_BOOL)
    p_model: float = spec(PROBABILITY)
    p_flat: float = spec(PROBABILITY)
    p_hazard: float = spec(PROBABILITY)


@dataclass(frozen=True, slots=True, kw_only=True)
class StageRow:
    """A stage the record reached after an origin: its forecast date against the actual one.

    ``median``, ``band_low`` and ``band_high`` are the forecast's median and central band
    (``None``: later than the horizon); ``percentile`` is the actual date's predictive
    percentile, ``crps_days`` the CRPS in days, each of the model and of the constant hazard.
    """

    stage: str = spec(TEXT)
    actual: dt.date = spec(DATE)
    median: dt.date | None = spec(or_word(DATE, NEVER))
    band_low: dt.date | None = spec(or_word(DATE, NEVER))
    band_high: dt.date | None = spec(or_word(DATE, NEVER))
    inside: bool = spec(PYTHON_BOOL)
    percentile: float = spec(PROBABILITY)
    crps_days: float = spec(NON_NEGATIVE)
    hazard_percentile: float = spec(PROBABILITY)
    hazard_crps_days: float = spec(NON_NEGATIVE)


@dataclass(frozen=True, slots=True, kw_only=True)
class BacktestStage(StageRow):
    """A stage in ``backtest.json``: the row, with the band's width and the share reached."""

    band: float = spec(PROBABILITY)
    reached_by_horizon: float = spec(PROBABILITY)


@dataclass(frozen=True, slots=True, kw_only=True)
class BacktestOrigin:
    """One origin's scores, targets and stages."""

    origin: dt.date = spec(DATE)
    scores: BacktestScores = spec(object_of(BacktestScores))
    targets: tuple[BacktestTarget, ...] = spec(list_of(object_of(BacktestTarget)))
    stages: tuple[BacktestStage, ...] = spec(list_of(object_of(BacktestStage)))


@dataclass(frozen=True, slots=True, kw_only=True)
class BacktestSummary:
    """``backtest.json``: how it ran, what happened (``truth``), the pooled scores, the origins.

    ``truth`` maps each stage to the date the record reached it (``null``: not within it).
    """

    negsim_version: str = spec(TEXT)
    scenario: str = spec(TEXT)
    scenario_sha256: str = spec(SHA256)
    runs: int = spec(RUNS)
    seed: int = spec(COUNT)
    calibrated: bool = spec(BOOL)
    record_end: dt.date = spec(DATE)
    truth: dict[str, Any] = spec(JSON_OBJECT)
    scores: BacktestScores = spec(object_of(BacktestScores))
    origins: tuple[BacktestOrigin, ...] = spec(list_of(object_of(BacktestOrigin)))
    backend: str = spec(TEXT)
    wall_time: float = spec(NON_NEGATIVE)


#: The columns of ``targets.csv``: the origin, then a target's fields.
TARGET_COLUMNS = (ORIGIN, *field_names(BacktestTarget))
#: The columns of ``stages.csv``: the origin, then a stage row's fields.
STAGE_COLUMNS = (ORIGIN, *field_names(StageRow))
