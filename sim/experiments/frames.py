"""Results as tables: per-run columns as numpy arrays, and pandas DataFrames on request.

pandas is optional: it is imported only by the ``to_pandas()`` methods, through
:func:`import_pandas`, which says what to install when it is missing.
"""

from __future__ import annotations

import math
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
        The scenario run (its start dates the days; its gates and actors name columns).
    prefix : str, default ""
        Put before every column name (``"base_"``).

    Returns
    -------
    dict of str to ndarray
        ``convened_day`` (days since the start, ``nan`` if not convened), ``convened_date``
        (``datetime64[D]``, ``NaT`` if not convened), ``announcements``, ``postponements``,
        ``first_announcement_day``, ``final_readiness``, ``events``, ``gate_<id>_day`` per gate
        (``nan`` if never resolved) and ``actions_<actor>_<kind>`` for every actor and kind of
        action taken in some run.
    """
    days = outcomes.convened_day
    dates = np.array(
        [
            np.datetime64("NaT") if math.isnan(d) else np.datetime64(scenario.date_of(d), "D")
            for d in days
        ],
        dtype="datetime64[D]",
    )
    columns: dict[str, Any] = {
        "convened_day": days,
        "convened_date": dates,
        "announcements": outcomes.announcements,
        "postponements": outcomes.postponements,
        "first_announcement_day": outcomes.first_announcement,
        "final_readiness": outcomes.final_readiness,
        "events": outcomes.events,
    }
    for g, gate in enumerate(scenario.gates):
        columns[f"gate_{gate.id}_day"] = outcomes.gate_days[:, g]
    counts = outcomes.action_counts
    for a, actor in enumerate(scenario.actors):
        for k, kind in enumerate(ActionKind):
            if counts[:, a, k].any():
                columns[f"actions_{actor.id}_{kind.value}"] = counts[:, a, k]
    return {prefix + name: values for name, values in columns.items()}
