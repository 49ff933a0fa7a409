"""One run told as a story: a dated timeline in plain sentences, or the same events as data.

``negsim trace`` prints :func:`narrate` (text), :func:`trace_rows` as CSV, or
:func:`trace_json`.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator
from dataclasses import asdict
from typing import Any

from sim.engine.result import RunResult, Source, Step, TraceRecord
from sim.model.actions import KINDS, ActionKind
from sim.model.words import render
from sim.scenario.schema import Scenario

__all__ = [
    "TRACE_COLUMNS",
    "added_events",
    "deadline_lines",
    "describe",
    "format_date",
    "narrate",
    "newsworthy",
    "outcome_lines",
    "timeline_line",
    "trace_json",
    "trace_rows",
]

#: Columns of the CSV trace, in order.
TRACE_COLUMNS = (
    "date",
    "time",
    "source",
    "actor",
    "action",
    "other",
    "gate",
    "label",
    "readiness_before",
    "readiness_after",
    "settled",
    "day",
    "decision",
    "draw",
    "note",
    "text",
)

#: World drift smaller than this is left out of the text (it is in the CSV and JSON).
WORLD_LINE_MIN_CHANGE = 0.01


def format_date(date: dt.date) -> str:
    """``7 May 2013``."""
    return f"{date.day} {date:%B %Y}"


#: What the narrative says of a trace record that is not an action (templates of
#: :mod:`sim.model.words`; an announcement adds its date).
_STEPS: dict[Step, str] = {
    Step.PASS: "{actor} {waits|wait}",
    Step.WORLD: "the war goes on",
    Step.CHECK: "readiness reaches a threshold between events",
    Step.ANNOUNCE: "{actor} {announces|announce} the date",
    Step.POSTPONE: "the announced date is postponed",
}


class _Names:
    """Readable names for a scenario's actors and gates."""

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self.actors = {a.id: a.name for a in scenario.actors}
        self.plural = {a.id for a in scenario.actors if a.plural}
        self.gates = {g.id: g.label for g in scenario.gates}

    def actor(self, actor_id: str) -> str:
        return self.actors.get(actor_id, actor_id.replace("_", " "))

    def gate(self, gate_id: str) -> str:
        return self.gates.get(gate_id, gate_id.replace("_", " "))


def _action_sentence(r: TraceRecord, names: _Names) -> str:
    plural = r.actor in names.plural
    a = names.actor(r.actor)
    if isinstance(r.action, ActionKind):
        kind = KINDS[r.action]
        failed = kind.chance is not None and not r.settled
        template = kind.words.failed if failed else kind.words.done
        return render(
            template,
            plural=plural,
            actor=a,
            other=names.actor(r.other) if r.other else "",
            gate=names.gate(r.gate) if r.gate else "",
        )
    if r.action is Step.CONVENE:
        return names.scenario.outcome
    if r.action is Step.ANNOUNCE:
        who = a if r.actor else "the convener"
        said = render(_STEPS[Step.ANNOUNCE], plural=plural, actor=who)
        return f"{said}: {format_date(names.scenario.date_of(r.day))}"
    return render(_STEPS[r.action], plural=plural, actor=a)


def _readiness_clause(r: TraceRecord) -> str:
    before, after = r.readiness_before, r.readiness_after
    if math.isnan(before) or math.isnan(after):
        return ""
    if round(after, 2) > round(before, 2):
        return f"readiness rises from {before:.2f} to {after:.2f}"
    if round(after, 2) < round(before, 2):
        return f"readiness falls from {before:.2f} to {after:.2f}"
    return f"readiness stays at {after:.2f}"


def describe(record: TraceRecord, scenario: Scenario) -> str:
    """One trace record as a sentence (without its date)."""
    names = _Names(scenario)
    if record.source is Source.RECORD and record.note:
        text = record.note
    else:
        text = _action_sentence(record, names)
        if record.source is Source.REACTION:
            text = f"in response, {text}"
    if record.action in ("announce", "postpone", "convene", "pass"):
        if record.action == "postpone":
            text += f": readiness is down to {record.readiness_after:.2f}"
        elif record.action == "announce":
            text += f" (readiness {record.readiness_after:.2f})"
        return text
    clause = _readiness_clause(record)
    if clause:
        text += f"; {clause}"
    if record.settled and record.action != "delegation_agreement":
        text += f"; {names.gate(record.settled)} is settled"
    return text


def newsworthy(record: TraceRecord, verbose: bool = False) -> bool:
    """Whether the text timeline shows a record: not passes nor small drift, unless ``verbose``."""
    if verbose:
        return True
    if record.action in ("pass", "check"):
        return False
    if record.source is Source.WORLD:
        return abs(record.readiness_after - record.readiness_before) >= WORLD_LINE_MIN_CHANGE
    return True


def added_events(scenario: Scenario) -> frozenset[str]:
    """The ids of the dated events a scenario adds to the record (``record = false``)."""
    return frozenset(e.id for e in scenario.events if not e.record)


def timeline_line(record: TraceRecord, scenario: Scenario, added: frozenset[str]) -> str:
    """One line of the timeline: date, the ``[record]``/``[scenario]`` mark, the sentence.

    ``added`` is :func:`added_events` of the scenario.
    """
    mark = ""
    if record.source is Source.RECORD:
        mark = "[scenario] " if record.label in added else "[record] "
    return f"{format_date(scenario.date_of(record.time))} — {mark}{describe(record, scenario)}."


def outcome_lines(result: RunResult, scenario: Scenario) -> list[str]:
    """How the run ended: when it convened, or the final readiness and the questions still open."""
    if result.convened_day is not None:
        when = format_date(scenario.date_of(result.convened_day))
        return [f"Outcome: {scenario.outcome} on {when} (day {result.convened_day})."]
    lines = [
        f"Outcome: not convened by the horizon ({format_date(scenario.horizon)}); "
        f"final readiness {result.final_readiness:.2f}."
    ]
    names = _Names(scenario)
    unresolved = [g for g, d in zip(result.gate_ids, result.gate_days, strict=True) if d is None]
    if unresolved:
        lines.append("Still open: " + "; ".join(names.gate(g) for g in unresolved) + ".")
    return lines


def deadline_lines(result: RunResult, scenario: Scenario) -> list[str]:
    """One line per deadline: met or missed."""
    lines = []
    for d in scenario.deadlines:
        met = result.convened_by(d.day)
        lines.append(f"  {d.label} ({format_date(d.date)}): {'met' if met else 'missed'}")
    return lines


def narrate(result: RunResult, scenario: Scenario, *, verbose: bool = False) -> str:
    """The run as a dated timeline a teacher can read aloud.

    Parameters
    ----------
    result
        A run simulated with ``trace=True``.
    scenario
        The scenario it ran.
    verbose
        Also show turns let pass and every week of the war's drift.

    Raises
    ------
    ValueError
        If the run was simulated without its trace.
    """
    if result.trace is None:
        raise ValueError("this run has no trace: simulate it with trace=True")
    added = added_events(scenario)
    lines = [
        scenario.title,
        f"Scenario {scenario.name} (sha256 {scenario.sha256[:12]}), seed {result.seed}, "
        f"run {result.run}. [record] marks events replayed from the historical record"
        + (", [scenario] dated events the scenario adds." if added else "."),
        "",
    ]
    for r in result.trace:
        if newsworthy(r, verbose):
            lines.append(timeline_line(r, scenario, added))
    lines.append("")
    lines.extend(outcome_lines(result, scenario))
    lines.append("Deadlines:")
    lines.extend(deadline_lines(result, scenario))
    return "\n".join(lines) + "\n"


def trace_rows(result: RunResult, scenario: Scenario) -> Iterator[dict[str, Any]]:
    """Every trace record as a flat row (the columns of :data:`TRACE_COLUMNS`)."""
    if result.trace is None:
        raise ValueError("this run has no trace: simulate it with trace=True")
    for r in result.trace:
        row = asdict(r)
        row["source"] = r.source.value
        row["date"] = scenario.date_of(r.time).isoformat()
        row["text"] = describe(r, scenario)
        for key in ("readiness_before", "readiness_after", "draw"):
            if isinstance(row[key], float) and math.isnan(row[key]):
                row[key] = None
        yield {k: row[k] for k in TRACE_COLUMNS}


def trace_json(result: RunResult, scenario: Scenario) -> dict[str, Any]:
    """The run and its trace as one JSON-ready object."""
    return {
        "scenario": scenario.name,
        "scenario_sha256": scenario.sha256,
        "seed": result.seed,
        "run": result.run,
        "start": scenario.start.isoformat(),
        "horizon": scenario.horizon.isoformat(),
        "convened_day": result.convened_day,
        "convened_date": (
            scenario.date_of(result.convened_day).isoformat()
            if result.convened_day is not None
            else None
        ),
        "deadlines": [
            {
                "name": d.id,
                "label": d.label,
                "date": d.date.isoformat(),
                "met": result.convened_by(d.day),
            }
            for d in scenario.deadlines
        ],
        "events": list(trace_rows(result, scenario)),
    }
