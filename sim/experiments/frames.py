"""Results as tables: per-run columns as numpy arrays, and pandas DataFrames on request.

pandas is optional: it is imported only by the ``to_pandas()`` methods, through
:func:`import_pandas`, which says what to install when it is missing.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from sim.experiments.tasks import Outcomes
from sim.model.actions import ActionKind
from sim.scenario.schema import Scenario

__all__ = ["import_pandas", "run_columns"]


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
        ``stage_<id>_day`` per stage (days since the start, ``nan`` if not reached);
        ``ending`` (the ending's id, "" if none) and ``ending_day`` (``nan``);
        ``deadline_<id>_day`` per deadline (where it stood at the end of the run);
        ``announcements``, ``postponements``, ``first_announcement_day``,
        ``final_readiness``, ``events``; ``gate_<id>_day`` per gate (``nan`` if never
        settled) and ``gate_<id>_reopened`` where some run reopened it; and
        ``actions_<actor>_<kind>`` for every actor and kind of action taken in some run.
    """
    columns: dict[str, Any] = {}
    for k, stage in enumerate(scenario.stages):
        columns[f"stage_{stage.id}_day"] = outcomes.stage_days[:, k]
    ids = np.array(["", *(e.id for e in scenario.endings)], dtype=object)
    columns["ending"] = ids[outcomes.ending.astype(np.int64) + 1]
    columns["ending_day"] = outcomes.ending_day
    for d, deadline in enumerate(scenario.deadlines):
        columns[f"deadline_{deadline.id}_day"] = outcomes.deadline_days[:, d]
    columns.update(
        announcements=outcomes.announcements,
        postponements=outcomes.postponements,
        first_announcement_day=outcomes.first_announcement,
        final_readiness=outcomes.final_readiness,
        events=outcomes.events,
    )
    for g, gate in enumerate(scenario.gates):
        columns[f"gate_{gate.id}_day"] = outcomes.gate_days[:, g]
        if outcomes.gate_reopenings[:, g].any():
            columns[f"gate_{gate.id}_reopened"] = outcomes.gate_reopenings[:, g]
    counts = outcomes.action_counts
    for a, actor in enumerate(scenario.actors):
        for k, kind in enumerate(ActionKind):
            if counts[:, a, k].any():
                columns[f"actions_{actor.id}_{kind.value}"] = counts[:, a, k]
    return {prefix + name: values for name, values in columns.items()}
