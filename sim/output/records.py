"""What a results folder holds, said once: its files, their records, columns and keys.

``negsim run --out`` and ``negsim compare --out`` write ``summary.json``,
``deadlines.csv``, ``runs.csv`` and figures (:data:`RUN_FILES`,
:data:`COMPARE_FILES`). Each record below is a frozen dataclass whose fields
are a JSON object's keys or a CSV file's columns, declared with their types
and ranges (:func:`sim.output.fields.spec`). The writer
(:mod:`sim.output.results`) takes its columns and the provenance's keys from
here; the readers (:mod:`sim.output.readers`) build these records and refuse
anything else. The Monte Carlo estimates' keys are those the experiments'
``to_json`` print; a test holds the two together.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sim.output.fields import (
    COUNT,
    DATE,
    DAY,
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
    "PAIRED_PREFIXES",
    "RUN_COLUMN",
    "RUN_FILES",
    "RUN_RECORD_COLUMNS",
    "ComparisonSummary",
    "DeadlineDifference",
    "DeadlineEstimate",
    "DeadlineRow",
    "Estimates",
    "PairedEstimates",
    "PairedProvenance",
    "Provenance",
    "RunRecord",
    "RunSummary",
    "RunsTable",
    "Share",
    "action_column",
    "column_gate",
    "gate_column",
    "is_action_column",
]

#: The files ``negsim run --out`` writes.
RUN_FILES = ("summary.json", "deadlines.csv", "runs.csv", "convening_cdf.png", "readiness_fan.png")
#: The files ``negsim compare --out`` writes.
COMPARE_FILES = (
    "summary.json",
    "deadlines.csv",
    "runs.csv",
    "convening_cdf.png",
    "comparison.png",
    "readiness_fan_base.png",
    "readiness_fan_alt.png",
)
#: The first column of ``runs.csv``: the run's index (0, 1, ...).
RUN_COLUMN = "run"
#: The prefixes of a comparison's ``runs.csv`` columns: the baseline's, the alternative's.
PAIRED_PREFIXES = ("base_", "alt_")


# -- the records --------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class Share:
    """A proportion of runs with its 95% (Wilson) interval."""

    probability: float = spec(PROBABILITY)
    ci_low: float = spec(PROBABILITY)
    ci_high: float = spec(PROBABILITY)


@dataclass(frozen=True, slots=True, kw_only=True)
class DeadlineEstimate:
    """P(convened by one deadline): an entry of an estimate's ``deadlines``."""

    name: str = spec(TEXT)
    label: str = spec(TEXT)
    date: dt.date = spec(DATE)
    day: int = spec(COUNT)
    probability: float = spec(PROBABILITY)
    ci_low: float = spec(PROBABILITY)
    ci_high: float = spec(PROBABILITY)
    convened: int = spec(COUNT)
    runs: int = spec(RUNS)


@dataclass(frozen=True, slots=True, kw_only=True)
class DeadlineRow(DeadlineEstimate):
    """A deadline estimate with its scenario: a row of a run's ``deadlines.csv``."""

    scenario: str = spec(TEXT)


@dataclass(frozen=True, slots=True, kw_only=True)
class DeadlineDifference:
    """The paired comparison at one deadline: a row of a comparison's ``deadlines.csv``.

    Probabilities are shares of runs; the difference is the alternative's
    minus the baseline's, with its paired 95% interval and the interval an
    unpaired comparison would give. ``width_ratio`` is ``None`` where the
    unpaired interval has no width.
    """

    name: str = spec(TEXT)
    label: str = spec(TEXT)
    date: dt.date = spec(DATE)
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


@dataclass(frozen=True, slots=True, kw_only=True)
class Provenance:
    """Where one scenario's results came from: ``provenance`` in ``summary.json``.

    The writer builds this record, so its keys are these fields.
    """

    negsim_version: str = spec(TEXT)
    python: str = spec(TEXT)
    numpy: str = spec(TEXT)
    scenario: str = spec(TEXT)
    scenario_title: str = spec(TEXT)
    scenario_description: str | None = spec(TEXT, optional=True)
    outcome: str | None = spec(TEXT, optional=True)
    scenario_file: str = spec(TEXT)
    scenario_sha256: str = spec(SHA256)
    seed: int = spec(COUNT)
    runs: int = spec(RUNS)
    backend: str = spec(TEXT)
    wall_time_s: float = spec(NON_NEGATIVE)
    written_at: str | None = spec(TEXT, optional=True)


@dataclass(frozen=True, slots=True, kw_only=True)
class Estimates:
    """One scenario's Monte Carlo estimates (what ``negsim run --format json`` prints).

    Dates are calendar dates; ``median_convening_day`` is in days since the
    start. ``precision`` (the half-width runs were added until) and ``events``
    may be absent from files of earlier versions.
    """

    scenario: str = spec(TEXT)
    title: str = spec(TEXT)
    scenario_sha256: str = spec(SHA256)
    version: str = spec(TEXT)
    runs: int = spec(RUNS)
    seed: int = spec(COUNT)
    start: dt.date = spec(DATE)
    horizon: dt.date = spec(DATE)
    deadlines: tuple[DeadlineEstimate, ...] = spec(list_of(object_of(DeadlineEstimate)))
    not_convened_by_horizon: Share = spec(object_of(Share))
    median_convening_date: dt.date | None = spec(or_none(DATE))
    median_convening_day: float | None = spec(or_none(DAY))
    max_half_width: float = spec(number(0.0, 0.5))
    precision: float | None = spec(or_none(number(0.0, 0.5)), optional=True)
    backend: str = spec(TEXT)
    wall_time_s: float = spec(NON_NEGATIVE)
    events: int | None = spec(COUNT, optional=True)

    @property
    def horizon_day(self) -> int:
        """The horizon, in days since the start."""
        return (self.horizon - self.start).days


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
    command: str | None = spec(TEXT, optional=True)
    deadline_filter: tuple[str, ...] | None = spec(or_none(list_of(TEXT)), optional=True)
    result: Estimates = spec(object_of(Estimates))
    files: tuple[str, ...] = spec(list_of(file_name()))


@dataclass(frozen=True, slots=True, kw_only=True)
class ComparisonSummary:
    """``summary.json`` of ``negsim compare --out``."""

    kind: str = spec(one_of("compare"))
    provenance: PairedProvenance = spec(object_of(PairedProvenance))
    command: str | None = spec(TEXT, optional=True)
    result: PairedEstimates = spec(object_of(PairedEstimates))
    probabilities: tuple[DeadlineRow, ...] | None = spec(
        list_of(object_of(DeadlineRow)), optional=True
    )
    files: tuple[str, ...] = spec(list_of(file_name()))


@dataclass(frozen=True, slots=True, kw_only=True)
class RunRecord:
    """One run of one scenario: a row of ``runs.csv`` (one side of a comparison's row).

    Days are days since the start; a day is ``None`` where the thing did not
    happen before the horizon. ``gate_days`` follow :attr:`RunsTable.gates`
    and ``action_counts`` :attr:`RunsTable.actions`.
    """

    convened_day: int | None = spec(or_none(COUNT))
    convened_date: dt.date | None = spec(or_none(DATE))
    announcements: int = spec(COUNT)
    postponements: int = spec(COUNT)
    first_announcement_day: float | None = spec(or_none(DAY))
    final_readiness: float = spec(PROBABILITY)
    events: int = spec(COUNT)
    gate_days: tuple[float | None, ...] = ()
    action_counts: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class RunsTable:
    """The runs of one scenario, from ``runs.csv``.

    Attributes
    ----------
    gates
        The gates' ids, in column order.
    actions
        The action-count columns (without a comparison's prefix), in order.
    rows
        One per run, run 0 first.
    """

    gates: tuple[str, ...]
    actions: tuple[str, ...]
    rows: tuple[RunRecord, ...]


#: The columns of a run's ``deadlines.csv``.
DEADLINE_COLUMNS = ("scenario", *field_names(DeadlineEstimate))
#: The columns of a comparison's ``deadlines.csv``.
DIFFERENCE_COLUMNS = field_names(DeadlineDifference)
#: The columns of ``runs.csv`` every scenario has, after :data:`RUN_COLUMN`; gates and
#: action counts follow (:func:`gate_column`, :func:`action_column`).
RUN_RECORD_COLUMNS = field_names(RunRecord)


_GATE = ("gate_", "_day")
_ACTIONS = "actions_"


def gate_column(gate: str) -> str:
    """The ``runs.csv`` column of the day ``gate`` was resolved."""
    return f"{_GATE[0]}{gate}{_GATE[1]}"


def column_gate(column: str) -> str | None:
    """The gate whose resolution day ``column`` holds, or ``None`` (see :func:`gate_column`)."""
    first, last = _GATE
    if len(column) > len(first) + len(last) and column.startswith(first) and column.endswith(last):
        return column.removeprefix(first).removesuffix(last)
    return None


def action_column(actor: str, kind: str) -> str:
    """The ``runs.csv`` column counting ``actor``'s actions of ``kind``."""
    return f"{_ACTIONS}{actor}_{kind}"


def is_action_column(column: str) -> bool:
    """Whether ``column`` counts actions (see :func:`action_column`)."""
    return column.startswith(_ACTIONS)
