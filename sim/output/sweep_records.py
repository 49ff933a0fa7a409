"""What a sweep's or a sensitivity analysis's results folder holds, said once.

``negsim sweep --out`` writes ``sweep.csv`` (a row per point: P(each
deadline's own stage by it)), ``sweep_outcomes.csv`` (tidy: a row per point,
deadline and outcome), figures and, last, ``sweep.json``;
``negsim sensitivity --out`` writes ``sensitivity.csv`` (a row per deadline,
outcome and parameter), figures and, last, ``sensitivity.json``. Both also
keep ``points.jsonl``, the log ``--resume`` reads (:mod:`sim.experiments.store`).

The JSON files are what the experiments' ``to_json()`` write; each record
below declares their keys with types and ranges (a test holds the two
together), and :mod:`sim.output.sweep_readers` reads and checks them.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

from sim.output.fields import (
    BOOL,
    COUNT,
    DATE,
    JSON_OBJECT,
    NON_NEGATIVE,
    PROBABILITY,
    RUNS,
    TEXT,
    list_of,
    number,
    object_of,
    one_of,
    spec,
)
from sim.output.records import OUTCOME_KINDS, EndingSummary, ScenarioProvenance

__all__ = [
    "DESIGN_KINDS",
    "FINITE",
    "SensitivityRow",
    "SensitivitySummary",
    "SweepDeadline",
    "SweepDesign",
    "SweepOutcomeRow",
    "SweepRange",
    "SweepSummary",
]

#: How a sweep's points are sampled.
DESIGN_KINDS = ("grid", "lhs", "sobol")
#: Any finite number (a Sobol' index estimate can stray below 0 or above 1).
FINITE = number(-math.inf, math.inf, "a finite number")


@dataclass(frozen=True, slots=True, kw_only=True)
class SweepDeadline:
    """A deadline of the base scenario, with the stage it is for."""

    name: str = spec(TEXT)
    label: str = spec(TEXT)
    date: dt.date = spec(DATE)
    day: int = spec(COUNT)
    stage: str = spec(TEXT)


@dataclass(frozen=True, slots=True, kw_only=True)
class SweepRange:
    """A parameter range ``KEY=LOW:HIGH`` (integers when ``integer``)."""

    key: str = spec(TEXT)
    low: float = spec(FINITE)
    high: float = spec(FINITE)
    integer: bool = spec(BOOL)


@dataclass(frozen=True, slots=True, kw_only=True)
class SweepDesign:
    """A sweep's design: its kind, seed, parameters and every point's values.

    ``params`` are kept as written (a range's ``key``, ``low``, ``high``,
    ``integer``, or a choice's ``key`` and ``values``).
    """

    kind: str = spec(one_of(*DESIGN_KINDS))
    seed: int = spec(COUNT)
    points: int = spec(RUNS)
    params: tuple[dict[str, Any], ...] = spec(list_of(JSON_OBJECT))
    points_values: tuple[dict[str, Any], ...] = spec(list_of(JSON_OBJECT))


@dataclass(frozen=True, slots=True, kw_only=True)
class SweepSummary(ScenarioProvenance):
    """``sweep.json``: provenance, the design, the deadlines, how it ran."""

    experiment: str = spec(one_of("sweep"))
    design: SweepDesign = spec(object_of(SweepDesign))
    seed: int = spec(COUNT)
    runs_per_point: int = spec(RUNS)
    common_random_numbers: bool = spec(BOOL)
    stages: tuple[EndingSummary, ...] = spec(list_of(object_of(EndingSummary)))
    endings: tuple[EndingSummary, ...] = spec(list_of(object_of(EndingSummary)))
    deadlines: tuple[SweepDeadline, ...] = spec(list_of(object_of(SweepDeadline)))
    interval: str = spec(TEXT)
    backend: str = spec(TEXT)
    points_resumed: int = spec(COUNT)
    wall_time_s: float = spec(NON_NEGATIVE)

    @property
    def keys(self) -> tuple[str, ...]:
        """The parameters' keys, in order."""
        return tuple(str(p.get("key", "")) for p in self.design.params)

    @property
    def outcome_names(self) -> tuple[str, ...]:
        """Every stage, then every ending."""
        return (*(s.name for s in self.stages), *(e.name for e in self.endings))


@dataclass(frozen=True, slots=True, kw_only=True)
class SweepOutcomeRow:
    """A row of ``sweep_outcomes.csv``: P(one outcome by one deadline) at one point."""

    point: int = spec(COUNT)
    deadline: str = spec(TEXT)
    outcome: str = spec(TEXT)
    kind: str = spec(one_of(*OUTCOME_KINDS))
    probability: float = spec(PROBABILITY)
    ci_low: float = spec(PROBABILITY)
    ci_high: float = spec(PROBABILITY)
    count: int = spec(COUNT)
    runs: int = spec(RUNS)


@dataclass(frozen=True, slots=True, kw_only=True)
class SensitivitySummary(ScenarioProvenance):
    """``sensitivity.json``: provenance, the set-up, the notes and the indices.

    ``output_variance`` is each output's variance over the evaluations (0: the
    output did not vary and its indices are undefined); ``sobol`` holds the
    indices as :meth:`SobolIndices.to_json
    <sim.experiments.sensitivity.sobol.SobolIndices.to_json>` writes them,
    checked against ``sensitivity.csv`` by the reader.
    """

    experiment: str = spec(one_of("sensitivity"))
    params: tuple[SweepRange, ...] = spec(list_of(object_of(SweepRange)))
    samples: int = spec(RUNS)
    runs_per_point: int = spec(RUNS)
    seed: int = spec(COUNT)
    n_resamples: int = spec(RUNS)
    interval: str = spec(TEXT)
    common_random_numbers: bool = spec(BOOL)
    evaluations: int = spec(RUNS)
    stages: tuple[EndingSummary, ...] = spec(list_of(object_of(EndingSummary)))
    endings: tuple[EndingSummary, ...] = spec(list_of(object_of(EndingSummary)))
    deadlines: tuple[SweepDeadline, ...] = spec(list_of(object_of(SweepDeadline)))
    notes: tuple[str, ...] = spec(list_of(TEXT))
    output_variance: dict[str, Any] = spec(JSON_OBJECT)
    sobol: dict[str, Any] = spec(JSON_OBJECT)
    backend: str = spec(TEXT)
    points_resumed: int = spec(COUNT)
    wall_time_s: float = spec(NON_NEGATIVE)

    @property
    def outputs(self) -> list[str]:
        """Every output, ``DEADLINE/OUTCOME``: each deadline's stages, then its endings."""
        names = [*(s.name for s in self.stages), *(e.name for e in self.endings)]
        return [f"{d.name}/{o}" for d in self.deadlines for o in names]


@dataclass(frozen=True, slots=True, kw_only=True)
class SensitivityRow:
    """A row of ``sensitivity.csv``: the indices of one output for one parameter."""

    deadline: str = spec(TEXT)
    outcome: str = spec(TEXT)
    param: str = spec(TEXT)
    first: float = spec(FINITE)
    first_low: float = spec(FINITE)
    first_high: float = spec(FINITE)
    total: float = spec(FINITE)
    total_low: float = spec(FINITE)
    total_high: float = spec(FINITE)
