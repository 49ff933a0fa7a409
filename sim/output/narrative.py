"""One run told as a story: a dated timeline in plain sentences, or the same events as data.

``negsim trace`` prints :func:`narrate` (text), :func:`trace_rows` as CSV, or
:func:`trace_json`. The sentences come from the kinds' words (the registry's,
or the scenario's own under ``[words.KIND]``), the stages' ``said``, and the
names of the actors in the regime they were in at the time.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator, Sequence
from dataclasses import asdict
from typing import Any

from sim.engine.compiled import window_label
from sim.engine.result import RunResult, Source, Step, TraceRecord
from sim.model.actions import KINDS, ActionKind
from sim.model.words import render
from sim.scenario.schema import Scenario

__all__ = [
    "TRACE_COLUMNS",
    "Names",
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
    "stage",
    "ending",
    "text",
)

#: World drift smaller than this is left out of the text (it is in the CSV and JSON).
WORLD_LINE_MIN_CHANGE = 0.01

#: What the narrative says of a trace record that is not an action (templates of
#: :mod:`sim.model.words`; an announcement adds its date).
_STEPS: dict[Step, str] = {
    Step.PASS: "{actor} {waits|wait}",
    Step.WORLD: "the war goes on",
    Step.CHECK: "readiness reaches a threshold between events",
    Step.ANNOUNCE: "[{actor} {sets|set} ]the date for {stage}",
    Step.POSTPONE: "the announced date is postponed",
    Step.END: "the negotiation ends: {ending}",
    Step.DEADLINE: "{deadline} passes with its stage unreached: {ending}",
}


def format_date(date: dt.date) -> str:
    """``7 May 2013``."""
    return f"{date.day} {date:%B %Y}"


class Names:
    """Readable names for a scenario's actors (by regime), gates, stages and endings."""

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self.actors = {
            a.id: (a.name, *(r.name or a.name for r in a.regimes)) for a in scenario.actors
        }
        self.regimes = {a.id: ("", *(r.label for r in a.regimes)) for a in scenario.actors}
        self.plural = {a.id for a in scenario.actors if a.plural}
        self.gates = {g.id: g.label for g in scenario.gates}
        self.stages = {s.id: s for s in scenario.stages}
        self.endings = {e.id: e.label for e in scenario.endings}
        self.deadlines = {d.id: d.label for d in scenario.deadlines}
        self.coalitions = {c.id: c.label for c in scenario.coalitions}
        self.words = {w.kind: w for w in scenario.words}

    def actor(self, actor_id: str, regime: int = 0) -> str:
        """How the actor is called in its ``regime``."""
        names = self.actors.get(actor_id)
        if names is None:
            return actor_id.replace("_", " ")
        return names[regime] if 0 <= regime < len(names) else names[0]

    def gate(self, gate_id: str) -> str:
        """A gate's label."""
        return self.gates.get(gate_id, gate_id.replace("_", " "))

    def gates_list(self, ids: str) -> str:
        """Gate ids joined by "+" as their labels, "A and B"."""
        return _join([self.gate(g) for g in ids.split("+") if g])

    def stage(self, stage_id: str) -> str:
        """A stage's label."""
        found = self.stages.get(stage_id)
        return found.label if found is not None else stage_id.replace("_", " ")

    def title(self, kind: ActionKind) -> str:
        """The play screens' title of ``kind``: the scenario's own words if it gives them."""
        own = self.words.get(kind)
        return (own.title if own and own.title else None) or KINDS[kind].words.title

    def template(self, kind: ActionKind, failed: bool) -> str:
        """The sentence for ``kind``: the scenario's own words if it gives them."""
        own = self.words.get(kind)
        words = KINDS[kind].words
        if failed:
            return (own.failed if own and own.failed else None) or words.failed
        return (own.done if own and own.done else None) or words.done


def _join(items: Sequence[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _action_sentence(r: TraceRecord, names: Names) -> str:
    scenario = names.scenario
    plural = r.actor in names.plural
    a = names.actor(r.actor, r.regime)
    if isinstance(r.action, ActionKind):
        regime = ""
        if r.action in (ActionKind.CHANGE, ActionKind.ELECTION):
            labels = names.regimes.get(r.actor, ("",))
            regime = labels[r.regime] if 0 <= r.regime < len(labels) else ""
            a = names.actor(r.actor, 0)
        others = [
            names.actor(o, r.other_regimes[i] if i < len(r.other_regimes) else 0)
            for i, o in enumerate(o for o in r.other.split("+") if o)
        ]
        if others and KINDS[r.action].joint:
            plural = True  # the subject is {parties}: the actor and its partners
        text = render(
            names.template(r.action, r.failed),
            plural=plural,
            actor=a,
            other=_join(others),
            parties=_join([a, *others]),
            gate=names.gates_list(r.gate),
            deadline=names.deadlines.get(r.deadline, ""),
            ending=names.endings.get(r.ending, r.ending.replace("_", " ")),
            stage=names.stage(r.stage) if r.stage else "",
            regime=regime,
            coalition=names.coalitions.get(r.coalition, ""),
        )
        if r.action is ActionKind.EXTEND_DEADLINE and r.day >= 0:
            text += f" to {format_date(scenario.date_of(r.day))}"
        if r.action is ActionKind.ANNOUNCE_DATE and r.day >= 0:
            text += f": {format_date(scenario.date_of(r.day))}"
        return text
    if r.action is Step.STAGE:
        stage = names.stages.get(r.stage)
        said = stage.said if stage is not None else "{stage}"
        who = a if r.actor else "the convener"
        return render(said, plural=plural, actor=who, stage=names.stage(r.stage))
    if r.action is Step.ANNOUNCE:
        text = render(
            _STEPS[Step.ANNOUNCE],
            plural=plural,
            actor=a if r.actor else "",
            stage=names.stage(r.stage),
        )
        return f"{text}: {format_date(scenario.date_of(r.day))}"
    return render(
        _STEPS[r.action],
        plural=plural,
        actor=a,
        ending=names.endings.get(r.ending, ""),
        deadline=names.deadlines.get(r.deadline, ""),
    )


def _readiness_clause(r: TraceRecord) -> str:
    before, after = r.readiness_before, r.readiness_after
    if math.isnan(before) or math.isnan(after):
        return ""
    if round(after, 2) > round(before, 2):
        return f"readiness rises from {before:.2f} to {after:.2f}"
    if round(after, 2) < round(before, 2):
        return f"readiness falls from {before:.2f} to {after:.2f}"
    return f"readiness stays at {after:.2f}"


def describe(record: TraceRecord, scenario: Scenario, announced: TraceRecord | None = None) -> str:
    """One trace record as a sentence (without its date).

    ``announced`` is the announcement that follows a stage reached at once in
    the same instant (a date announced, then the date it set): the sentence
    then says the date too.
    """
    names = Names(scenario)
    if record.source is Source.RECORD and record.note:
        text = record.note
    else:
        text = _action_sentence(record, names)
        if record.source is Source.REACTION:
            text = f"in response, {text}"
    if record.action is Step.STAGE:
        if announced is not None:
            text += f": {format_date(scenario.date_of(announced.day))}"
        if record.day < 0:
            text += f" (readiness {record.readiness_after:.2f})"
        return text
    if record.action in (Step.ANNOUNCE, Step.POSTPONE, Step.PASS, Step.END, Step.DEADLINE):
        if record.action is Step.POSTPONE and record.gate:
            verb = "are" if "+" in record.gate else "is"
            text += f": {names.gates_list(record.gate)} {verb} open again"
        elif record.action is Step.POSTPONE:
            text += f": readiness is down to {record.readiness_after:.2f}"
        elif record.action is Step.ANNOUNCE:
            text += f" (readiness {record.readiness_after:.2f})"
        return text
    clause = _readiness_clause(record)
    if clause:
        text += f"; {clause}"
    kind = KINDS[record.action] if isinstance(record.action, ActionKind) else None
    if record.settled and (kind is None or kind.chance is None):
        verb = "are" if "+" in record.settled else "is"
        text += f"; {names.gates_list(record.settled)} {verb} settled"
    return text


def newsworthy(record: TraceRecord, verbose: bool = False) -> bool:
    """Whether the text timeline shows a record: not passes nor small drift, unless ``verbose``."""
    if verbose:
        return True
    if record.action in (Step.PASS, Step.CHECK):
        return False
    if record.source is Source.WORLD:
        return abs(record.readiness_after - record.readiness_before) >= WORLD_LINE_MIN_CHANGE
    return True


def added_events(scenario: Scenario) -> frozenset[str]:
    """The labels of the dated events the scenario adds to the record.

    Its own events (``record = false``) and the joins and leaves of its
    actors' windows.
    """
    windows = (window_label(a.id) for a in scenario.actors if a.windows)
    return frozenset((*(e.id for e in scenario.events if not e.record), *windows))


def timeline_line(
    record: TraceRecord,
    scenario: Scenario,
    added: frozenset[str],
    announced: TraceRecord | None = None,
) -> str:
    """One line of the timeline: date, the ``[record]``/``[scenario]`` mark, the sentence.

    ``added`` is :func:`added_events` of the scenario; ``announced`` as for
    :func:`describe`.
    """
    mark = ""
    if record.source is Source.RECORD:
        mark = "[scenario] " if record.label in added else "[record] "
    text = describe(record, scenario, announced)
    when = record.day if record.action is Step.DEADLINE else record.time
    return f"{format_date(scenario.date_of(when))} — {mark}{text}."


def _timeline(result: RunResult, scenario: Scenario, verbose: bool) -> list[str]:
    """The newsworthy records as lines; a stage reached at once and the date it sets make one."""
    assert result.trace is not None
    added = added_events(scenario)
    trace = result.trace
    lines = []
    skip = -1
    for i, r in enumerate(trace):
        if i == skip or not newsworthy(r, verbose):
            continue
        following = trace[i + 1] if i + 1 < len(trace) else None
        if (
            r.action is Step.STAGE
            and r.day < 0
            and following is not None
            and following.action is Step.ANNOUNCE
            and following.time == r.time
        ):
            lines.append(timeline_line(r, scenario, added, following))
            skip = i + 1
            continue
        lines.append(timeline_line(r, scenario, added))
    return lines


def outcome_lines(result: RunResult, scenario: Scenario) -> list[str]:
    """How the run ended: its last stage reached, an ending, or where it stood at the horizon."""
    names = Names(scenario)
    last = scenario.stages[-1]
    if result.convened_day is not None:
        when = format_date(scenario.date_of(result.convened_day))
        who = names.actor(last.by) if last.by else "the convener"
        said = render(last.said, actor=who, stage=last.label)
        return [f"Outcome: {said} on {when} (day {result.convened_day})."]
    if result.ending >= 0 and result.ending_day is not None:
        ending = scenario.endings[result.ending].label
        when = format_date(scenario.date_of(result.ending_day))
        lines = [f"Outcome: {ending}, on {when} (day {result.ending_day})."]
    else:
        lines = [
            f"Outcome: {last.label} not reached by the horizon ({format_date(scenario.horizon)}); "
            f"final readiness {result.final_readiness:.2f}."
        ]
    reached = [
        f"{s.label} ({format_date(scenario.date_of(d))})"
        for s, d in zip(scenario.stages, result.stage_days, strict=True)
        if d is not None
    ]
    if reached:
        lines.append("Reached: " + "; ".join(reached) + ".")
    unresolved = [g for g, d in zip(result.gate_ids, result.gate_days, strict=True) if d is None]
    if unresolved and result.ending < 0:
        lines.append("Still open: " + "; ".join(names.gate(g) for g in unresolved) + ".")
    return lines


def deadline_lines(result: RunResult, scenario: Scenario) -> list[str]:
    """One line per deadline: met or missed (for its stage), and where it moved."""
    lines = []
    several = len(scenario.stages) > 1
    for d, day in zip(scenario.deadlines, result.deadline_days, strict=True):
        k = scenario.deadline_stage(d)
        met = result.reached_by(k, day)
        stage = f" [{scenario.stages[k].label}]" if several else ""
        moved = f", moved to {format_date(scenario.date_of(day))}" if day != d.day else ""
        lines.append(
            f"  {d.label} ({format_date(d.date)}{moved}){stage}: {'met' if met else 'missed'}"
        )
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
    origin = ""
    if result.origin > 0:
        origin = (
            f" Forecast as of {format_date(scenario.date_of(result.origin))}: the record up to "
            "then, simulated after."
        )
    lines = [
        scenario.title,
        f"Scenario {scenario.name} (sha256 {scenario.sha256[:12]}), seed {result.seed}, "
        f"run {result.run}. [record] marks events replayed from the historical record"
        + (", [scenario] dated events the scenario adds." if added else ".")
        + origin,
        "",
    ]
    lines.extend(_timeline(result, scenario, verbose))
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
        row["action"] = r.action.value
        row["date"] = scenario.date_of(r.time).isoformat()
        row["text"] = describe(r, scenario)
        for key in ("readiness_before", "readiness_after", "draw"):
            if isinstance(row[key], float) and math.isnan(row[key]):
                row[key] = None
        yield {k: row[k] for k in TRACE_COLUMNS}


def trace_json(result: RunResult, scenario: Scenario) -> dict[str, Any]:
    """The run and its trace as one JSON-ready object."""

    def date(day: int | None) -> str | None:
        return scenario.date_of(day).isoformat() if day is not None else None

    return {
        "scenario": scenario.name,
        "scenario_sha256": scenario.sha256,
        "seed": result.seed,
        "run": result.run,
        "start": scenario.start.isoformat(),
        "horizon": scenario.horizon.isoformat(),
        "as_of": scenario.date_of(result.origin).isoformat(),
        "stages": [
            {"name": s.id, "label": s.label, "day": d, "date": date(d)}
            for s, d in zip(scenario.stages, result.stage_days, strict=True)
        ],
        "ending": (
            {
                "name": scenario.endings[result.ending].id,
                "label": scenario.endings[result.ending].label,
                "day": result.ending_day,
                "date": date(result.ending_day),
            }
            if result.ending >= 0
            else None
        ),
        "deadlines": [
            {
                "name": d.id,
                "label": d.label,
                "stage": d.stage,
                "date": d.date.isoformat(),
                "final_date": date(day),
                "met": result.reached_by(scenario.deadline_stage(d), day),
            }
            for d, day in zip(scenario.deadlines, result.deadline_days, strict=True)
        ],
        "events": list(trace_rows(result, scenario)),
    }
