"""What a run's or a comparison's results folder holds, said once: its files, records and columns.

``negsim run --out`` and ``negsim compare --out`` write ``summary.json``,
``deadlines.csv``, ``runs.csv`` and figures (:data:`RUN_FILES`,
:data:`COMPARE_FILES`). Each record below is a frozen dataclass whose fields
are a JSON object's keys or a CSV file's columns, declared with their types
and ranges (:func:`sim.output.fields.spec`):

* ``summary.json`` holds the provenance (:class:`Provenance`) and, under
  ``result``, exactly what the experiments' ``to_json()`` print
  (:class:`Estimates` for a run, :class:`PairedEstimates` for a comparison); a
  test holds the records and ``to_json()`` together, key for key;
* ``deadlines.csv`` is tidy: one row per deadline and outcome (every stage,
  then every ending), :class:`DeadlineRow` for a run and
  :class:`DifferenceRow` for a comparison;
* ``runs.csv`` has the columns of
  :data:`sim.experiments.frames.RUN_COLUMNS` (after ``run``; a comparison's
  with the prefixes ``base_`` and ``alt_``), the one definition of a run's
  columns: they are not listed again here.

The writer (:mod:`sim.output.results`) builds these records; the readers
(:mod:`sim.output.readers`) build them back and refuse anything else.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sim.output.fields import (
    BOOL,
    COUNT,
    DATE,
    DAY,
    JSON_OBJECT,
    NON_NEGATIVE,
    PROBABILITY,
    RUNS,
    SHA256,
    SIGNED_PROBABILITY,
    TEXT,
    field_names,
    file_name,
    list_of,
    number,
    object_of,
    one_of,
    or_none,
    spec,
)

__all__ = [
    "COMPARE_FILES",
    "DEADLINE_COLUMNS",
    "DIFFERENCE_COLUMNS",
    "OUTCOME_KINDS",
    "PAIRED_PREFIXES",
    "RUN_COLUMN",
    "RUN_FILES",
    "ByHorizon",
    "ComparisonSummary",
    "DeadlineDifference",
    "DeadlineEstimate",
    "DeadlineRow",
    "DifferenceRow",
    "EndingSummary",
    "Estimates",
    "OutcomeDifference",
    "OutcomeEstimate",
    "Paired",
    "PairedEstimates",
    "PairedProvenance",
    "Provenance",
    "RunSummary",
    "ScenarioProvenance",
    "StageSummary",
    "StillOpen",
]

#: The files ``negsim run --out`` writes (``summary.json`` last).
RUN_FILES = (
    "deadlines.csv",
    "runs.csv",
    "outcomes.png",
    "readiness_fan.png",
    "summary.json",
)
#: The files ``negsim compare --out`` writes (``summary.json`` last).
COMPARE_FILES = (
    "deadlines.csv",
    "runs.csv",
    "comparison.png",
    "outcomes.png",
    "readiness_fan_base.png",
    "readiness_fan_alt.png",
    "summary.json",
)
#: The first column of ``runs.csv``: the run's index (0, 1, ...).
RUN_COLUMN = "run"
#: The prefixes of a comparison's ``runs.csv`` columns: the baseline's, the alternative's.
PAIRED_PREFIXES = ("base_", "alt_")
#: What an outcome is: a stage reached, or an alternative ending.
OUTCOME_KINDS = ("stage", "ending")


# -- summary.json: one scenario's estimates (MonteCarloResult.to_json) -----------------


@dataclass(frozen=True, slots=True, kw_only=True)
class OutcomeEstimate:
    """P(one stage reached, or one ending, by a deadline or by the horizon)."""

    name: str = spec(TEXT)
    label: str = spec(TEXT)
    kind: str = spec(one_of(*OUTCOME_KINDS))
    probability: float = spec(PROBABILITY)
    ci_low: float = spec(PROBABILITY)
    ci_high: float = spec(PROBABILITY)
    count: int = spec(COUNT)


@dataclass(frozen=True, slots=True, kw_only=True)
class StillOpen:
    """The share of runs neither at their last stage nor ended otherwise by the horizon."""

    probability: float = spec(PROBABILITY)
    ci_low: float = spec(PROBABILITY)
    ci_high: float = spec(PROBABILITY)
    count: int = spec(COUNT)


@dataclass(frozen=True, slots=True, kw_only=True)
class ByHorizon:
    """Where the runs stood at the horizon: every stage and ending, and still open."""

    outcomes: tuple[OutcomeEstimate, ...] = spec(list_of(object_of(OutcomeEstimate)))
    still_open: StillOpen = spec(object_of(StillOpen))


@dataclass(frozen=True, slots=True, kw_only=True)
class StageSummary:
    """A stage, with the median day it is reached (Kaplan–Meier), ``None`` if under half."""

    name: str = spec(TEXT)
    label: str = spec(TEXT)
    median_day: float | None = spec(or_none(DAY))
    median_date: dt.date | None = spec(or_none(DATE))


@dataclass(frozen=True, slots=True, kw_only=True)
class EndingSummary:
    """An alternative ending (a walk-out, a collapse, a no-deal exit)."""

    name: str = spec(TEXT)
    label: str = spec(TEXT)


@dataclass(frozen=True, slots=True, kw_only=True)
class DeadlineEstimate:
    """What the runs say at one deadline: an entry of an estimate's ``deadlines``.

    ``probability`` is P(the deadline's own stage reached by it), ``reached``
    its count; ``outcomes`` every stage and then every ending by it. A deadline
    that passed before the forecast origin is ``from_record`` (every run alike).
    ``moved`` is the share of runs that extended it, ``final_day_median`` its
    median day in the runs.
    """

    name: str = spec(TEXT)
    label: str = spec(TEXT)
    date: dt.date = spec(DATE)
    day: int = spec(COUNT)
    stage: str = spec(TEXT)
    stage_label: str = spec(TEXT)
    probability: float = spec(PROBABILITY)
    ci_low: float = spec(PROBABILITY)
    ci_high: float = spec(PROBABILITY)
    reached: int = spec(COUNT)
    runs: int = spec(RUNS)
    from_record: bool = spec(BOOL)
    moved: float = spec(PROBABILITY)
    final_day_median: float = spec(DAY)
    probability_by_original_date: float = spec(PROBABILITY)
    outcomes: tuple[OutcomeEstimate, ...] = spec(list_of(object_of(OutcomeEstimate)))

    @property
    def own(self) -> OutcomeEstimate:
        """The estimate of the deadline's own stage."""
        return next(o for o in self.outcomes if o.kind == "stage" and o.name == self.stage)


@dataclass(frozen=True, slots=True, kw_only=True)
class Estimates:
    """One scenario's Monte Carlo estimates: what ``negsim run --format json`` prints.

    Dates are calendar dates, days are days since the start.
    """

    scenario: str = spec(TEXT)
    title: str = spec(TEXT)
    scenario_sha256: str = spec(SHA256)
    version: str = spec(TEXT)
    runs: int = spec(RUNS)
    seed: int = spec(COUNT)
    start: dt.date = spec(DATE)
    as_of: dt.date = spec(DATE)
    horizon: dt.date = spec(DATE)
    stages: tuple[StageSummary, ...] = spec(list_of(object_of(StageSummary)))
    endings: tuple[EndingSummary, ...] = spec(list_of(object_of(EndingSummary)))
    deadlines: tuple[DeadlineEstimate, ...] = spec(list_of(object_of(DeadlineEstimate)))
    by_horizon: ByHorizon = spec(object_of(ByHorizon))
    max_half_width: float = spec(number(0.0, 0.5))
    precision: float | None = spec(or_none(number(0.0, 0.5)))
    backend: str = spec(TEXT)
    wall_time_s: float = spec(NON_NEGATIVE)
    events: int = spec(COUNT)

    @property
    def horizon_day(self) -> int:
        """The horizon, in days since the start."""
        return (self.horizon - self.start).days

    @property
    def outcome_names(self) -> tuple[str, ...]:
        """Every outcome's name: the stages in order, then the endings."""
        return (*(s.name for s in self.stages), *(e.name for e in self.endings))


# -- summary.json: a comparison (Comparison.to_json) ---------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class Paired:
    """A paired comparison of one outcome by one deadline, baseline against alternative.

    Probabilities are shares of runs; the difference is the alternative's
    minus the baseline's, with its paired 95% interval (Newcombe's method 10)
    and the interval an unpaired comparison would give; ``both``, ``only_base``,
    ``only_alt`` and ``neither`` count the pairs. ``width_ratio`` is ``None``
    where the unpaired interval has no width.
    """

    base_probability: float = spec(PROBABILITY)
    alt_probability: float = spec(PROBABILITY)
    difference: float = spec(SIGNED_PROBABILITY)
    ci_low: float = spec(SIGNED_PROBABILITY)
    ci_high: float = spec(SIGNED_PROBABILITY)
    mcnemar_p: float = spec(PROBABILITY)
    both: int = spec(COUNT)
    only_base: int = spec(COUNT)
    only_alt: int = spec(COUNT)
    neither: int = spec(COUNT)
    unpaired_ci_low: float = spec(SIGNED_PROBABILITY)
    unpaired_ci_high: float = spec(SIGNED_PROBABILITY)
    width_ratio: float | None = spec(or_none(NON_NEGATIVE))

    @property
    def all_alike(self) -> bool:
        """Every pair agrees and all the same way: no run, or every run, of both reached it.

        The width ratio then compares two intervals around nothing, and means nothing.
        """
        runs = self.both + self.only_base + self.only_alt + self.neither
        return runs in (self.both, self.neither)


@dataclass(frozen=True, slots=True, kw_only=True)
class OutcomeDifference(Paired):
    """The paired comparison of one stage or ending by one deadline."""

    name: str = spec(TEXT)
    label: str = spec(TEXT)
    kind: str = spec(one_of(*OUTCOME_KINDS))


@dataclass(frozen=True, slots=True, kw_only=True)
class DeadlineDifference(Paired):
    """The paired comparison at one deadline: its own stage, then every stage and ending."""

    name: str = spec(TEXT)
    label: str = spec(TEXT)
    date: dt.date = spec(DATE)
    stage: str = spec(TEXT)
    stage_label: str = spec(TEXT)
    outcomes: tuple[OutcomeDifference, ...] = spec(list_of(object_of(OutcomeDifference)))


@dataclass(frozen=True, slots=True, kw_only=True)
class PairedEstimates:
    """A comparison's estimates: both scenarios and the paired differences."""

    kind: str = spec(one_of("compare"))
    version: str = spec(TEXT)
    runs: int = spec(RUNS)
    seed: int = spec(COUNT)
    base: Estimates = spec(object_of(Estimates))
    alt: Estimates = spec(object_of(Estimates))
    deadlines: tuple[DeadlineDifference, ...] = spec(list_of(object_of(DeadlineDifference)))


# -- summary.json: provenance and the whole file ----------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class ScenarioProvenance:
    """What made a result: versions, and the scenario (:func:`sim.experiments.points.provenance`).

    ``scenario_file`` is the file, or for a scenario packaged with negsim its
    name in the package (``packaged`` is then true); ``overrides`` are the
    values set with ``--set``, by dotted key.
    """

    negsim_version: str = spec(TEXT)
    python: str = spec(TEXT)
    numpy: str = spec(TEXT)
    scipy: str = spec(TEXT)
    scenario: str = spec(TEXT)
    scenario_title: str = spec(TEXT)
    scenario_file: str = spec(TEXT)
    packaged: bool = spec(BOOL)
    overrides: dict[str, Any] = spec(JSON_OBJECT)
    scenario_sha256: str = spec(SHA256)


@dataclass(frozen=True, slots=True, kw_only=True)
class Provenance(ScenarioProvenance):
    """Where one scenario's results came from: ``provenance`` in ``summary.json``."""

    scenario_description: str = spec(TEXT)
    seed: int = spec(COUNT)
    runs: int = spec(RUNS)
    backend: str = spec(TEXT)
    wall_time_s: float = spec(NON_NEGATIVE)
    written_at: str = spec(TEXT)


@dataclass(frozen=True, slots=True, kw_only=True)
class PairedProvenance:
    """A comparison's provenance: one per scenario."""

    base: Provenance = spec(object_of(Provenance))
    alt: Provenance = spec(object_of(Provenance))


@dataclass(frozen=True, slots=True, kw_only=True)
class RunSummary:
    """``summary.json`` of ``negsim run --out``."""

    kind: str = spec(one_of("run"))
    provenance: Provenance = spec(object_of(Provenance))
    command: str | None = spec(or_none(TEXT))
    deadline_filter: tuple[str, ...] | None = spec(or_none(list_of(TEXT)))
    result: Estimates = spec(object_of(Estimates))
    files: tuple[str, ...] = spec(list_of(file_name()))


@dataclass(frozen=True, slots=True, kw_only=True)
class ComparisonSummary:
    """``summary.json`` of ``negsim compare --out``."""

    kind: str = spec(one_of("compare"))
    provenance: PairedProvenance = spec(object_of(PairedProvenance))
    command: str | None = spec(or_none(TEXT))
    result: PairedEstimates = spec(object_of(PairedEstimates))
    files: tuple[str, ...] = spec(list_of(file_name()))


# -- deadlines.csv -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class DeadlineRow:
    """A row of a run's ``deadlines.csv``: P(one outcome by one deadline).

    ``is_deadline_stage`` flags the row of the deadline's own stage (the one
    the tables report); ``from_record`` a deadline that passed before the
    forecast origin.
    """

    scenario: str = spec(TEXT)
    deadline: str = spec(TEXT)
    deadline_label: str = spec(TEXT)
    date: dt.date = spec(DATE)
    day: int = spec(COUNT)
    from_record: bool = spec(BOOL)
    outcome: str = spec(TEXT)
    outcome_label: str = spec(TEXT)
    kind: str = spec(one_of(*OUTCOME_KINDS))
    is_deadline_stage: bool = spec(BOOL)
    probability: float = spec(PROBABILITY)
    ci_low: float = spec(PROBABILITY)
    ci_high: float = spec(PROBABILITY)
    count: int = spec(COUNT)
    runs: int = spec(RUNS)


@dataclass(frozen=True, slots=True, kw_only=True)
class DifferenceRow:
    """A row of a comparison's ``deadlines.csv``: one outcome by one deadline, on both sides.

    Each side's probability has its 95% Wilson interval; the difference
    (alternative minus baseline) its paired 95% interval (Newcombe's method
    10), with the exact McNemar p-value and the counts of pairs.
    """

    deadline: str = spec(TEXT)
    deadline_label: str = spec(TEXT)
    date: dt.date = spec(DATE)
    from_record: bool = spec(BOOL)
    outcome: str = spec(TEXT)
    outcome_label: str = spec(TEXT)
    kind: str = spec(one_of(*OUTCOME_KINDS))
    is_deadline_stage: bool = spec(BOOL)
    base_probability: float = spec(PROBABILITY)
    base_ci_low: float = spec(PROBABILITY)
    base_ci_high: float = spec(PROBABILITY)
    alt_probability: float = spec(PROBABILITY)
    alt_ci_low: float = spec(PROBABILITY)
    alt_ci_high: float = spec(PROBABILITY)
    difference: float = spec(SIGNED_PROBABILITY)
    ci_low: float = spec(SIGNED_PROBABILITY)
    ci_high: float = spec(SIGNED_PROBABILITY)
    mcnemar_p: float = spec(PROBABILITY)
    both: int = spec(COUNT)
    only_base: int = spec(COUNT)
    only_alt: int = spec(COUNT)
    neither: int = spec(COUNT)
    unpaired_ci_low: float = spec(SIGNED_PROBABILITY)
    unpaired_ci_high: float = spec(SIGNED_PROBABILITY)
    width_ratio: float | None = spec(or_none(NON_NEGATIVE))
    runs: int = spec(RUNS)


#: The columns of a run's ``deadlines.csv``.
DEADLINE_COLUMNS = field_names(DeadlineRow)
#: The columns of a comparison's ``deadlines.csv``.
DIFFERENCE_COLUMNS = field_names(DifferenceRow)
