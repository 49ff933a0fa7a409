"""What a calibration's results folder holds, said once.

``negsim calibrate --out`` writes (:mod:`sim.output.calibration_files`) ``posterior.csv``,
``parameters.csv``, ``predictive_check.csv``, ``calibrated.toml``, two figures and, last,
``calibration_result.json``: what :meth:`CalibrationResult.to_json
<sim.experiments.calibrate.CalibrationResult.to_json>` gives. While it runs, the folder
holds ``calibration.json`` (the calibration's identity) and ``abc.db`` (pyabc's database,
what ``--resume`` continues from). The records below declare the result's keys with types
and ranges (a test holds the two together); ``parameters.csv`` and ``predictive_check.csv``
are its parameters and statistics, one row each, so their columns are these records'
fields too. In CSV a boolean is Python's ``True`` or ``False``.
:mod:`sim.output.calibration_readers` reads and checks them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sim.output.fields import (
    COUNT,
    DATE,
    NON_NEGATIVE,
    PROBABILITY,
    PYTHON_BOOL,
    RUNS,
    SHA256,
    TEXT,
    list_of,
    object_of,
    spec,
)
from sim.output.sweep_records import FINITE

__all__ = [
    "CALIBRATION_FILES",
    "CALIBRATION_RESULT",
    "CALIBRATION_RUNNING",
    "CalibrationSummary",
    "CheckRow",
    "GenerationRow",
    "ParameterRow",
    "PredictiveCheckSummary",
]

#: The file written last: a folder that has it holds a finished calibration.
CALIBRATION_RESULT = "calibration_result.json"
#: The calibration's identity, written first: a folder with it alone is still running.
CALIBRATION_RUNNING = "calibration.json"
#: The files ``negsim calibrate --out`` writes when it has finished, in order.
CALIBRATION_FILES = (
    "posterior.csv",
    "parameters.csv",
    "predictive_check.csv",
    "calibrated.toml",
    "posterior.png",
    "predictive_check.png",
    CALIBRATION_RESULT,
)


@dataclass(frozen=True, slots=True, kw_only=True)
class GenerationRow:
    """A finished generation of the ABC-SMC: its tolerance and what it took."""

    generation: int = spec(COUNT)
    epsilon: float = spec(NON_NEGATIVE)
    particles: int = spec(RUNS)
    simulations: int = spec(RUNS)
    acceptance: float = spec(PROBABILITY)


@dataclass(frozen=True, slots=True, kw_only=True)
class ParameterRow:
    """A fitted parameter: its prior (shape, low, high), posterior median and 90% interval."""

    id: str = spec(TEXT)
    key: str = spec(TEXT)
    prior: str = spec(TEXT)
    low: float = spec(FINITE)
    high: float = spec(FINITE)
    median: float = spec(FINITE)
    q05: float = spec(FINITE)
    q95: float = spec(FINITE)


@dataclass(frozen=True, slots=True, kw_only=True)
class CheckRow:
    """A statistic of the predictive check: observed, predictive median and band, percentile."""

    statistic: str = spec(TEXT)
    observed: float = spec(FINITE)
    median: float = spec(FINITE)
    low: float = spec(FINITE)
    high: float = spec(FINITE)
    percentile: float = spec(PROBABILITY)
    inside: bool = spec(PYTHON_BOOL)


@dataclass(frozen=True, slots=True, kw_only=True)
class PredictiveCheckSummary:
    """The posterior predictive check: its runs, the band's level, how many inside it."""

    runs: int = spec(RUNS)
    level: float = spec(PROBABILITY)
    inside: int = spec(COUNT)
    statistics: tuple[CheckRow, ...] = spec(list_of(object_of(CheckRow)))


@dataclass(frozen=True, slots=True, kw_only=True)
class CalibrationSummary:
    """``calibration_result.json``: the set-up, the generations, why it stopped, the results."""

    negsim_version: str = spec(TEXT)
    scenario: str = spec(TEXT)
    scenario_sha256: str = spec(SHA256)
    until: dt.date = spec(DATE)
    seed: int = spec(COUNT)
    population: int = spec(RUNS)
    stop: str = spec(TEXT)
    generations: tuple[GenerationRow, ...] = spec(list_of(object_of(GenerationRow)))
    simulations: int = spec(COUNT)
    parameters: tuple[ParameterRow, ...] = spec(list_of(object_of(ParameterRow)))
    predictive_check: PredictiveCheckSummary = spec(object_of(PredictiveCheckSummary))
    backend: str = spec(TEXT)
    wall_time: float = spec(NON_NEGATIVE)
