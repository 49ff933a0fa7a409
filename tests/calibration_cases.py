"""A tiny scenario whose record is made by the model itself, for calibration and backtest tests.

Two actors: ``a`` meets ``b`` at its own tempo (a meeting raises readiness), ``b`` blames
``a`` at its tempo (which lowers it). Each tempo is identified by its own count: meetings
by ``a``'s, blame statements by ``b``'s. :func:`pair_with_record` simulates the scenario
with known tempos from the start and writes what the run did into the record, with the
stages it reached: data simulated with known parameters, for a calibration to recover.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sim.engine import simulate
from sim.engine.result import Source
from sim.model.actions import ActionKind
from sim.scenario import Scenario, scenario_from_dict, with_overrides

START = dt.date(2020, 1, 1)
TRUTH = {"actors.a.tempo_days": 4.0, "actors.b.tempo_days": 12.0}


def day(n: int) -> dt.date:
    return START + dt.timedelta(days=n)


def pair_dict(events: dict[str, Any] | None = None) -> dict[str, Any]:
    """The pair scenario's document (with ``events`` as its record)."""
    doc: dict[str, Any] = {
        "name": "pair",
        "start": START,
        "horizon": day(400),
        "initial": {"readiness": 0.2},
        "convening": {"announce_threshold": 0.6, "postpone_threshold": 0.3, "lead_days": [10, 20]},
        "gates": {"q": {"contention": 0.2}},
        "actors": {
            "a": {
                "tempo_days": 8.0,
                "pass_weight": 0.5,
                "stance": 0.5,
                "actions": {
                    "talk": {"kind": "meeting", "partner": "b", "weight": 2.0, "readiness": 0.12},
                    "settle": {"kind": "delegation_agreement", "gate": "q", "weight": 0.3},
                },
            },
            "b": {
                "tempo_days": 8.0,
                "pass_weight": 0.5,
                "actions": {
                    "blame": {"kind": "blame_statement", "target": "a", "weight": 1.0},
                },
            },
        },
        "deadlines": {
            "early": {"date": day(60)},
            "middle": {"date": day(120)},
            "late": {"date": day(200)},
            "last": {"date": day(300)},
        },
        "calibration": {
            "period_days": 30,
            "kinds": ["meeting", "blame_statement"],
            "params": {
                "a_tempo": {
                    "key": "actors.a.tempo_days",
                    "prior": "loguniform",
                    "low": 1.0,
                    "high": 30.0,
                },
                "b_tempo": {
                    "key": "actors.b.tempo_days",
                    "prior": "loguniform",
                    "low": 1.0,
                    "high": 30.0,
                },
            },
        },
    }
    if events:
        doc["events"] = events
    return doc


def record_from_run(scenario: Scenario, seed: int, until_day: int) -> dict[str, Any]:
    """The ``[events]`` of a record: what run 0 of ``seed`` did up to ``until_day``."""
    result = simulate(with_overrides(scenario, {"as_of": scenario.start}), seed, 0, trace=True)
    assert result.trace is not None
    events: dict[str, Any] = {}
    for record in result.trace:
        if record.time > until_day:
            break
        if record.source is Source.WORLD or not isinstance(record.action, ActionKind):
            continue
        event: dict[str, Any] = {
            "date": day(int(record.time)),
            "actor": record.actor,
            "kind": record.action.value,
        }
        if record.action is ActionKind.MEETING:
            event["partner"] = record.other
        elif record.action is ActionKind.BLAME_STATEMENT:
            event["target"] = record.other
        elif record.action is ActionKind.DELEGATION_AGREEMENT:
            event["gate"] = record.gate
            if record.failed:
                event["result"] = "failed"
        else:  # pragma: no cover - the pair has no other kinds
            raise AssertionError(record.action)
        events[f"e{len(events)}"] = event
    return events


def pair_with_record(seed: int = 11, until_day: int = 150) -> Scenario:
    """The pair scenario whose record is a run with the :data:`TRUTH` tempos."""
    truth = with_overrides(scenario_from_dict(pair_dict(), source="<pair>"), TRUTH)
    events = record_from_run(truth, seed, until_day)
    return scenario_from_dict(pair_dict(events), source="<pair>")
