"""What the player reads: the introduction, one screen per decision, and the end.

:class:`Screens` renders, for one scenario and played actor, the introduction
(how to read the screens) and the screen of each decision: the date,
readiness, the open questions (gates), what happened since the actor's last
decision, and the numbered options with the model's share of each and their
direct effects if taken now. Every number on a screen is asked of the engine's
:class:`~sim.engine.Decision` or of the model (:func:`~sim.model.actions.apply`
and :func:`~sim.model.actions.success_chance`), never worked out again here.

:func:`outcome_text` tells the played run's outcome and
:func:`comparison_text` places it among simulated runs
(:func:`sim.cli.play.comparison.compare`). Text is wrapped to :data:`WIDTH`.
"""

from __future__ import annotations

import dataclasses
import textwrap
from collections import Counter
from collections.abc import Sequence

from sim.cli.play.comparison import Comparison
from sim.cli.play.options import Option
from sim.cli.play.recording import Choice
from sim.engine import Decision, RunResult, TraceRecord
from sim.model.actions import ActionKind, apply, success_chance
from sim.model.state import NO_DAY, State
from sim.model.words import render
from sim.output.narrative import (
    Names,
    added_events,
    format_date,
    newsworthy,
    outcome_lines,
    timeline_line,
)
from sim.scenario.schema import Deadline, Move, Scenario

__all__ = [
    "RECENT_LINES",
    "WIDTH",
    "Screens",
    "capitalized",
    "comparison_text",
    "outcome_text",
    "short_name",
    "wrap",
]

#: Events shown on a screen, the most recent ones.
RECENT_LINES = 8
#: Screen width, in characters.
WIDTH = 78
_RULE = "=" * WIDTH


class Screens:
    """The screens of one played actor in one scenario.

    Parameters
    ----------
    scenario
        The scenario.
    actor
        The played actor's id.
    options
        The actor's numbered options (:func:`~sim.cli.play.options.options_of`).
    """

    def __init__(self, scenario: Scenario, actor: str, options: Sequence[Option]) -> None:
        self.scenario = scenario
        self.name = scenario.actor(actor).name
        self.short = short_name(self.name)
        self.options = tuple(options)
        # Dated events a counterfactual adds are marked apart from the historical record.
        self._added = added_events(scenario)
        self._names = Names(scenario)

    def intro(self, seed: int) -> str:
        """What the player reads before the first decision."""
        s = self.scenario
        terms = [
            (
                "readiness",
                "from 0 to 1, how ready the parties are for the next step toward the outcome "
                f"the game is about ({s.stages[-1].label}). {_stages_text(s)}",
            ),
            ("contention", "how disputed an open question is: 0 agreed, 1 deadlocked."),
            (
                "effects",
                "what an option does at once if you take it now. Others may react; some of "
                f"{self.short}'s own reactions are automatic (the scenario's reaction rules).",
            ),
            ("model", f"how often the simulated {self.short} would pick that option now."),
            ("[record]", "an event from the historical record, on its date."),
        ]
        if self._added:
            terms.append(("[scenario]", "a dated event this scenario adds to the record."))
        lines = [
            _RULE,
            *wrap(f"You are playing {self.name} in: {s.title}"),
            *wrap(
                f"Scenario {s.name}, seed {seed}. The other actors are simulated; the events "
                "of the historical record happen on their dates."
            ),
            "",
            "How to read the screens:",
        ]
        for term, meaning in terms:
            lines.extend(wrap(meaning, f"  {term.ljust(11)} ", " " * 14))
        lines.extend(
            wrap(
                "Answer with an option's number (0 = pass); m to let the model choose this "
                "turn, a to let the model play the rest of the game as it does in the "
                "simulated runs; or q to pass at every decision from now on."
            )
        )
        return "\n".join(lines) + "\n"

    def screen(self, decision: Decision) -> str:
        """The screen for one decision: situation, recent events, options."""
        s = self.scenario
        state = decision.state
        day = int(decision.time)
        lines = [
            _RULE,
            f"{format_date(s.date_of(decision.time))} (day {day}) — "
            f"your decision {decision.decision + 1} as {self.short}",
            *wrap(_readiness_line(state, s)),
            "Open questions:",
        ]
        for g, gate in enumerate(s.gates):
            if state.gate_resolved(g):
                lines.extend(wrap(gate.label, "  [settled] ", " " * 12))
            else:
                lines.extend(
                    wrap(
                        f"{gate.label} — contention {state.contention(g):.2f}",
                        "  [open]    ",
                        " " * 12,
                    )
                )
        upcoming = _next_deadline(s.deadlines, day)
        if upcoming is not None:
            left = upcoming.day - day
            when = "today" if left == 0 else f"in {left} day{'s' if left != 1 else ''}"
            lines.extend(wrap(f"Next deadline: {_deadline_name(upcoming)}, {when}."))
        lines.extend(self._recent_lines(decision.recent, first=decision.decision == 0))
        lines.extend(self._option_lines(decision))
        return "\n".join(lines) + "\n"

    def _recent_lines(self, records: Sequence[TraceRecord], *, first: bool) -> list[str]:
        shown = [r for r in records if newsworthy(r)]
        heading = "So far:" if first else "Since your last decision:"
        if not shown:
            return [f"{heading} nothing of note."]
        lines = [heading]
        hidden = len(shown) - RECENT_LINES
        if hidden > 0:
            lines.append(f"  ({hidden} earlier event{'s' if hidden > 1 else ''} not shown)")
            shown = shown[hidden:]
        for r in shown:
            lines.extend(wrap(timeline_line(r, self.scenario, self._added), "  ", "      "))
        return lines

    def _option_lines(self, decision: Decision) -> list[str]:
        total = sum(decision.weights) + decision.pass_weight

        def share(weight: float) -> str:
            return f"model {_percent(weight / total) if total > 0 else '-'}"

        lines = ["Your options:", f"  0. Pass: let this turn go  ({share(decision.pass_weight)})"]
        for option in self.options:
            move = decision.moves[option.move]
            title = self._title(move)
            if not decision.available[option.move]:
                head = f"{title}  ({move.id}; already settled, not available)"
                lines.extend(wrap(head, f"  {option.number}. ", "     "))
                continue
            head = f"{title}  ({move.id}; {share(decision.weights[option.move])})"
            lines.extend(wrap(head, f"  {option.number}. ", "     "))
            lines.extend(wrap(self._effects(decision, option.move), "       ", "       "))
        return lines

    def _title(self, move: Move) -> str:
        """What a move is, in the player's words: its kind's title, or the scenario's own."""
        names = self._names
        t = move.targets
        return render(
            names.title(move.kind),
            actor=self.name,
            other=_join([names.actor(o) for o in t.others]),
            gate=_join([names.gate(g) for g in t.gates]),
            deadline=names.deadlines.get(t.deadline or "", ""),
            ending=names.endings.get(t.ending or "", ""),
            stage=names.stage(t.stage) if t.stage else "",
            regime=t.regime or "",
            coalition=names.coalitions.get(t.coalition or "", ""),
        )

    def _effects(self, decision: Decision, move: int) -> str:
        """The direct effects of an available move if it were taken now, as the model says.

        An agreement on a gate (an attempt that can fail) shows the model's
        chance of success and the outcome either way; any other move, its one
        outcome. Only available moves are previewed (see ``Decision.available``):
        an agreement on a settled gate is never shown with effects.
        """
        state = decision.state
        action = decision.actions[move]
        context = decision.model.context
        r = state.readiness
        if action.kind is ActionKind.DELEGATION_AGREEMENT:
            g = action.gate
            chance = success_chance(state, action, context)
            success, _ = apply(
                state, dataclasses.replace(action, certain=True), context, decision.time, 0.0
            )
            failure, _ = apply(state, action, context, decision.time, 1.0)
            return (
                f"{_percent(chance)} chance it works ({action.effect.settle_probability:.2f} x "
                f"readiness {r:.2f} x (1 - contention {state.contention(g):.2f})); if it does: "
                f"settled, {_change('readiness', r, success.readiness)}; if not: "
                f"{_change('contention', state.contention(g), failure.contention(g))}"
            )
        after, _ = apply(state, action, context, decision.time, 0.5)
        parts = [_change("readiness", r, after.readiness)]
        if (
            action.gate >= 0
            and after.contention_latent[action.gate] != state.contention_latent[action.gate]
        ):
            parts.append(
                _change("contention", state.contention(action.gate), after.contention(action.gate))
            )
        if abs(after.balance - state.balance) >= 0.005:
            parts.append("the military balance tips toward your side")
        if abs(after.violence - state.violence) >= 0.005:
            parts.append(_change("violence", state.violence, after.violence))
        if after.target_day != state.target_day:
            target = format_date(self.scenario.date_of(after.target_day))
            parts.append(f"a target date ({target}) that speeds everyone up as it nears")
        other = action.other
        if other >= 0:
            name = self.scenario.actors[other].name
            shift = after.stance(other) - state.stance(other)
            if abs(shift) >= 0.005:
                parts.append(f"{name} {'warms to' if shift > 0 else 'cools toward'} the talks")
            me = action.actor
            before_rapport = context.rapport_of(state, me, other)
            after_rapport = context.rapport_of(after, me, other)
            if abs(after_rapport - before_rapport) >= 0.005:
                parts.append(_change(f"rapport with {name}", before_rapport, after_rapport))
        return "; ".join(parts)


def wrap(text: str, first: str = "", rest: str = "") -> list[str]:
    """``text`` wrapped to the screen's width, with the given indents."""
    return textwrap.wrap(
        text,
        WIDTH,
        initial_indent=first,
        subsequent_indent=rest,
        break_long_words=False,
        break_on_hyphens=False,
    ) or [first.rstrip()]


def short_name(name: str) -> str:
    """An actor's name without its parenthesis: ``Iran`` for ``Iran (Zarif; ...)``."""
    return name.split(" (", 1)[0]


def capitalized(text: str) -> str:
    """``text`` with its first letter upper case (``the EU`` -> ``The EU``)."""
    return text[:1].upper() + text[1:]


def _deadline_name(deadline: Deadline) -> str:
    """``end of May 2013 (31 May 2013)``, without repeating a date the label already has."""
    date = format_date(deadline.date)
    return deadline.label if date in deadline.label else f"{deadline.label} ({date})"


def _percent(p: float) -> str:
    if 0.0 < p < 0.01:
        return "<1%"
    if 0.99 < p < 1.0:
        return ">99%"
    return f"{p:.0%}"


def _change(what: str, before: float, after: float) -> str:
    """``readiness +0.03 (to 0.45)``, or ``readiness unchanged (0.42)``."""
    delta = round(after, 2) - round(before, 2)
    if abs(delta) < 0.005:
        return f"{what} about unchanged ({after:.2f})"
    return f"{what} {delta:+.2f} (to {after:.2f})"


def _stages_text(s: Scenario) -> str:
    """The stages' rules, in a sentence."""
    parts = []
    for stage in s.stages:
        needs = "every open question" if stage.gates is None else "its questions"
        condition = f"once {needs} settled" + (
            f" and readiness reaches {stage.threshold:.2f}" if stage.threshold > 0 else ""
        )
        low, high = stage.lead_days
        lead = f", then a date {low}-{high} days ahead" if high > 0 else ""
        postpone = (
            f" (postponed if readiness falls below {stage.postpone_below:.2f})"
            if stage.postpone_below > 0
            else ""
        )
        parts.append(f"{stage.label}: {condition}{lead}{postpone}")
    return "The stages, in order: " + "; ".join(parts) + "."


def _readiness_line(state: State, scenario: Scenario) -> str:
    r = state.readiness
    k = state.stage
    if k >= len(scenario.stages):
        return f"Readiness {r:.2f}."
    stage = scenario.stages[k]
    if state.pending_day != NO_DAY:
        when = format_date(scenario.date_of(state.pending_day))
        unless = (
            f", unless readiness falls below {stage.postpone_below:.2f} before then"
            if stage.postpone_below > 0
            else ""
        )
        return f"Readiness {r:.2f}. A date is set: {stage.label} on {when}{unless}."
    settled = state.resolved & _gate_mask(scenario, stage.gates) == _gate_mask(
        scenario, stage.gates
    )
    condition = "" if settled else ", once its questions are settled"
    at = f" at {stage.threshold:.2f}" if stage.threshold > 0 else ""
    return f"Readiness {r:.2f} (next: {stage.label}{at}{condition})."


def _gate_mask(scenario: Scenario, gates: Sequence[str] | None) -> int:
    ids = [g.id for g in scenario.gates]
    wanted = ids if gates is None else gates
    return sum(1 << ids.index(g) for g in wanted)


def _join(items: Sequence[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _next_deadline(deadlines: Sequence[Deadline], day: int) -> Deadline | None:
    upcoming = [d for d in deadlines if d.day >= day]
    return min(upcoming, key=lambda d: d.day) if upcoming else None


# -- the end -------------------------------------------------------------------------


def outcome_text(
    result: RunResult, scenario: Scenario, actor: str, choices: Sequence[Choice]
) -> str:
    """The played run's outcome: when it convened (or not), the player's moves, the deadlines."""
    name = scenario.actor(actor).name
    lines = [_RULE, "The end.", "", *outcome_lines(result, scenario)]
    counts = Counter(c.move for c in choices)
    if choices:
        made = ", ".join(f"{move} x{n}" for move, n in counts.most_common())
        lines.append(f"Your {len(choices)} decisions as {name}: {made}.")
    else:
        lines.append(f"{capitalized(name)} had no decision to make in this run.")
    lines.append("Deadlines:")
    for d in scenario.deadlines:
        met = "met" if result.convened_by(d.day) else "missed"
        lines.append(f"  {_deadline_name(d)}: {met}")
    return "\n".join(lines) + "\n"


def comparison_text(comparison: Comparison, scenario: Scenario, actor: str, seed: int) -> str:
    """The comparison in plain words for a student."""
    c = comparison
    name = scenario.actor(actor).name
    n = c.runs

    def share(k: int) -> str:
        return f"{_percent(k / n)} ({k} of {n})"

    horizon = format_date(scenario.horizon)
    sentences = []
    if c.played_day is not None:
        when = format_date(scenario.date_of(c.played_day))
        same = f", on the same day as {share(c.same)}" if c.same else ""
        sentences.append(
            f"You got it convened on {when}: earlier than {share(c.later)} of the simulated "
            f"runs{same}, later than {share(c.earlier)}. (A run that never convened counts as "
            "later than any that did.)"
        )
    else:
        sentences.append(
            f"It was not convened by {horizon}. {capitalized(share(c.earlier))} of the simulated "
            f"runs did convene by then; {share(c.same)} did not either."
        )
    if c.median_day is None:
        sentences.append(f"Most of the simulated runs did not convene by {horizon} either.")
    else:
        median = format_date(scenario.date_of(c.median_day))
        if c.played_day is None:
            sentences.append(f"Half of the simulated runs had convened by {median}.")
        else:
            gap = round(c.played_day - c.median_day)
            relative = (
                "on the same day as"
                if gap == 0
                else f"{abs(gap)} day{'s' if abs(gap) != 1 else ''} "
                f"{'earlier' if gap < 0 else 'later'} than"
            )
            sentences.append(f"That is {relative} the typical (median) simulated run: {median}.")
    luck = (
        f"convened it on {format_date(scenario.date_of(c.same_luck_day))}"
        if c.same_luck_day is not None
        else f"did not get it convened by {horizon}"
    )
    sentences.append(
        f"With exactly your luck (the same random draws for everyone else), the model's "
        f"{name} {luck}."
    )
    lines = [
        "",
        *wrap(
            f"How does that compare? {n} simulated runs of the same scenario and seed {seed}, "
            f"with {name} left to the model:"
        ),
    ]
    for sentence in sentences:
        lines.extend(wrap(sentence, "  ", "  "))
    if c.deadlines:
        labels = [_deadline_name(d.deadline) for d in c.deadlines]
        width = max(len(label) for label in labels)
        lines.append(f"  {'Deadline'.ljust(width)}  you     simulated runs (95% interval)")
        for label, d in zip(labels, c.deadlines, strict=True):
            p = d.simulated
            you = "met" if d.met else "missed"
            lines.append(
                f"  {label.ljust(width)}  {you.ljust(6)}  {_percent(p.estimate)} "
                f"({p.successes} of {p.n}; {p.low:.0%}-{p.high:.0%})"
            )
    return "\n".join(lines) + "\n"
