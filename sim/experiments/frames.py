"""Results as tables: per-run columns as numpy arrays, and pandas DataFrames on request.

:data:`RUN_COLUMNS` is the one definition of a run's columns (those of ``runs.csv`` and of
``to_pandas()``): their names, what a cell holds and what it means. :func:`run_columns`
builds them; the results readers (:mod:`sim.output.readers`) recognise them from here.

pandas is optional: it is imported only by the ``to_pandas()`` methods, through
:func:`import_pandas`, which says what to install when it is missing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from sim.experiments.tasks import Outcomes
from sim.model.actions import ActionKind
from sim.scenario.schema import Scenario

__all__ = [
    "ACTIONS",
    "ANNOUNCEMENTS",
    "DEADLINE_DAY",
    "ENDING",
    "ENDING_DAY",
    "EVENTS",
    "FINAL_READINESS",
    "FIRST_ANNOUNCEMENT_DAY",
    "GATE_DAY",
    "GATE_REOPENED",
    "POSTPONEMENTS",
    "RUN_COLUMNS",
    "STAGE_DAY",
    "RunColumn",
    "import_pandas",
    "run_columns",
]


@dataclass(frozen=True, slots=True)
class RunColumn:
    """A column of a run's table, or a family of them (one per stage, deadline, gate, ...).

    Attributes
    ----------
    pattern
        The column's name; ``{}`` stands for an id (a stage's, a deadline's, a gate's, or
        ``<actor>_<kind>`` for an action count) in a family.
    holds
        What a cell holds: ``"day"`` (days since the start, a float; ``nan`` where nothing
        happened), ``"count"`` (a whole number), ``"readiness"`` (from 0 to 1) or
        ``"ending"`` (an ending's id, ``""`` for none).
    meaning
        What the column says, in words.
    """

    pattern: str
    holds: Literal["day", "count", "readiness", "ending"]
    meaning: str

    @property
    def family(self) -> bool:
        """Whether this is a family of columns, one per id."""
        return "{}" in self.pattern

    def name(self, ident: str = "") -> str:
        """The column's name (for a family, the column of ``ident``)."""
        return self.pattern.replace("{}", ident) if self.family else self.pattern

    def match(self, column: str) -> str | None:
        """The id in ``column`` if it is of this family (``""`` if it is this plain column)."""
        if not self.family:
            return "" if column == self.pattern else None
        before, _, after = self.pattern.partition("{}")
        fits = len(column) > len(before) + len(after)
        if fits and column.startswith(before) and column.endswith(after):
            return column[len(before) : len(column) - len(after)]
        return None


STAGE_DAY = RunColumn(
    "stage_{}_day", "day", "when the stage was first reached; empty if not by the horizon"
)
ENDING = RunColumn("ending", "ending", "the alternative ending the run ended by; empty if none")
ENDING_DAY = RunColumn("ending_day", "day", "when the run ended so; empty if it did not")
DEADLINE_DAY = RunColumn(
    "deadline_{}_day", "day", "where the deadline stood when the run ended (extensions move it)"
)
ANNOUNCEMENTS = RunColumn("announcements", "count", "dates announced")
POSTPONEMENTS = RunColumn("postponements", "count", "dates postponed")
FIRST_ANNOUNCEMENT_DAY = RunColumn(
    "first_announcement_day", "day", "when the first date was announced; empty if none"
)
FINAL_READINESS = RunColumn("final_readiness", "readiness", "readiness when the run ended")
EVENTS = RunColumn("events", "count", "SimPy events processed")
GATE_DAY = RunColumn("gate_{}_day", "day", "when the gate was first settled; empty if never")
GATE_REOPENED = RunColumn(
    "gate_{}_reopened", "count", "times the gate was reopened (only gates some run reopened)"
)
ACTIONS = RunColumn(
    "actions_{}", "count", "actions of the actor and kind (only those some run took)"
)

#: Every column of a run's table, in order (families expand in the scenario's order).
RUN_COLUMNS = (
    STAGE_DAY,
    ENDING,
    ENDING_DAY,
    DEADLINE_DAY,
    ANNOUNCEMENTS,
    POSTPONEMENTS,
    FIRST_ANNOUNCEMENT_DAY,
    FINAL_READINESS,
    EVENTS,
    GATE_DAY,
    GATE_REOPENED,
    ACTIONS,
)


def import_pandas(instead: str) -> Any:
    """Import pandas, or fail saying what to install.

    Parameters
    ----------
    instead : str
        What the caller offers without pandas, for the message (``".records()"``).

    Returns
    -------
    module
        :mod:`pandas`.

    Raises
    ------
    ImportError
        If pandas is not installed: ``pip install pandas``.
    """
    try:
        import pandas
    except ImportError:
        raise ImportError(
            f"pandas is not installed; to get a DataFrame: pip install pandas (or use {instead})"
        ) from None
    return pandas


def run_columns(outcomes: Outcomes, scenario: Scenario, prefix: str = "") -> dict[str, Any]:
    """Return one row per run as named columns, those of ``runs.csv``.

    Parameters
    ----------
    outcomes : Outcomes
        The runs' outcomes.
    scenario : Scenario
        The scenario run (its stages, endings, deadlines, gates and actors name columns).
    prefix : str, default ""
        Put before every column name (``"base_"``).

    Returns
    -------
    dict of str to ndarray
        The columns of :data:`RUN_COLUMNS`, in order: ``stage_<id>_day`` per stage (days
        since the start, ``nan`` if not reached); ``ending`` (the ending's id, "" if none)
        and ``ending_day`` (``nan``); ``deadline_<id>_day`` per deadline (where it stood at
        the end of the run); ``announcements``, ``postponements``,
        ``first_announcement_day``, ``final_readiness``, ``events``; ``gate_<id>_day`` per
        gate (``nan`` if never settled) and ``gate_<id>_reopened`` where some run reopened
        it; and ``actions_<actor>_<kind>`` for every actor and kind of action taken in some
        run.
    """
    columns: dict[str, Any] = {}
    for k, stage in enumerate(scenario.stages):
        columns[STAGE_DAY.name(stage.id)] = outcomes.stage_days[:, k]
    ids = np.array(["", *(e.id for e in scenario.endings)], dtype=object)
    columns[ENDING.name()] = ids[outcomes.ending.astype(np.int64) + 1]
    columns[ENDING_DAY.name()] = outcomes.ending_day
    for d, deadline in enumerate(scenario.deadlines):
        columns[DEADLINE_DAY.name(deadline.id)] = outcomes.deadline_days[:, d]
    columns[ANNOUNCEMENTS.name()] = outcomes.announcements
    columns[POSTPONEMENTS.name()] = outcomes.postponements
    columns[FIRST_ANNOUNCEMENT_DAY.name()] = outcomes.first_announcement
    columns[FINAL_READINESS.name()] = outcomes.final_readiness
    columns[EVENTS.name()] = outcomes.events
    for g, gate in enumerate(scenario.gates):
        columns[GATE_DAY.name(gate.id)] = outcomes.gate_days[:, g]
        if outcomes.gate_reopenings[:, g].any():
            columns[GATE_REOPENED.name(gate.id)] = outcomes.gate_reopenings[:, g]
    counts = outcomes.action_counts
    for a, actor in enumerate(scenario.actors):
        for k, kind in enumerate(ActionKind):
            if counts[:, a, k].any():
                columns[ACTIONS.name(f"{actor.id}_{kind.value}")] = counts[:, a, k]
    return {prefix + name: values for name, values in columns.items()}
