"""What the player reads at a turn: the introduction and four views of one decision.

Every screen fits a terminal of 80 columns and 30 lines (:data:`~sim.cli.play.text.MAX_LINES`
lines, the prompt included), so that nothing the player needs scrolls away:

- the **main** view (shown at each turn): the date, readiness with the next
  stage or the date set, the open questions, the next deadline, one line on
  what happened since the last turn, and the numbered options;
- **what happened** (``h``): the events since the last turn, a page at a time
  (``h`` again for earlier ones);
- **odds and effects** (``o``): how often the simulated actor would pick each
  option now, and what each option does at once if taken now;
- **help** (``?``): the words on the screens and the keys.

Every number shown is asked of the engine's :class:`~sim.engine.Decision` or
of the model (:func:`~sim.model.actions.apply` and
:func:`~sim.model.actions.success_chance`), never worked out again here.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from sim.cli.play.options import Option
from sim.cli.play.text import (
    MAX_LINES,
    RULE,
    WIDTH,
    capitalized,
    join,
    percent,
    plural_s,
    possessive,
    short_name,
    shorten,
    simulated,
    wrap,
)
from sim.engine import Decision, TraceRecord
from sim.model.actions import KINDS, Action, ActionContext, ActionKind, apply, success_chance
from sim.model.state import NO_DAY, State
from sim.model.words import render
from sim.output.narrative import Names, added_events, format_date, newsworthy, timeline_line
from sim.scenario.schema import Move, Scenario

__all__ = ["Screens", "Turn", "View", "deadline_name"]


class View(StrEnum):
    """The views of a decision, by the key that shows them."""

    MAIN = ""
    HISTORY = "h"
    ODDS = "o"
    HELP = "?"


@dataclass(frozen=True, slots=True)
class Turn:
    """Where the game stands, for the screens.

    Attributes
    ----------
    number
        The turn's number (1, 2, ...).
    next_day
        The first day the player's next turn can fall on (``None``: the player
        takes every decision, and no choice stands; -1: the next decision is a
        turn too, a turn the actor's tempo had held back).
    since
        The events since the player's last turn (or, at the first turn, since
        the start of the scenario), newsworthy or not.
    readiness
        Readiness at the player's last turn (``None`` at the first).
    """

    number: int
    next_day: int | None
    since: tuple[TraceRecord, ...]
    readiness: float | None


_TITLES = {
    View.MAIN: "",
    View.HISTORY: " What happened ",
    View.ODDS: " Odds and effects ",
    View.HELP: " Help ",
}


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
        self.actor = actor
        self.name = scenario.actor(actor).name
        self.short = short_name(self.name)
        self.plural = scenario.actor(actor).plural
        self.options = tuple(options)
        self._added = added_events(scenario)
        self._names = Names(scenario)
        # The history's sentences come from the narrative, with names as a screen needs them.
        self._told = _with_short_names(scenario)

    # -- before the first turn --------------------------------------------------------

    def intro(self, seed: int, turns: int | None, *, pause: bool = False) -> str:
        """What the player reads before the first turn (at most a screen)."""
        s = self.scenario
        if turns is None:
            rhythm = f"You take every one of {possessive(self.short)} decisions."
        else:
            rhythm = (
                f"You get about {turns} turns, spread over the game. Between two turns "
                f"{self.short} still "
                + render("{decides|decide} at {its|their}", plural=self.plural)
                + " own pace, and your last choice stands: "
                "it is done again at each of those decisions (or passed, once it is no "
                "longer open)."
            )
        lines = [
            RULE,
            *wrap(f"You are playing {self.name} in: {s.title}"),
            *wrap(
                f"Scenario {s.name}, seed {seed}. The other actors are simulated; the events "
                "of the historical record happen on their dates."
            ),
            "",
            *wrap(_goal(s, self._names)),
            *wrap(rhythm),
            "",
            *wrap(
                "At each turn you see the date, readiness (0 to 1: how ready the parties are "
                "for the next step), the open questions and your options. Type an option's "
                "number and Enter (0 passes), or a key:"
            ),
            *_KEYS_HELP,
            "",
        ]
        if pause:
            lines.append("Press Enter to start.")
            return "\n".join(lines)
        return "\n".join(lines) + "\n"

    # -- a turn -------------------------------------------------------------------------

    def view(
        self,
        view: View,
        decision: Decision,
        turn: Turn,
        *,
        notes: Sequence[str] = (),
        page: int = 0,
        prompt: str,
        keys: Sequence[str] | None = None,
    ) -> str:
        """One view of a decision, ending with ``prompt`` (no line end after it).

        ``notes`` are one-line messages for the player (an answer refused, the
        model's choice); ``page`` is the page of the history (0: the latest
        events). ``keys`` replaces the lines that list the keys.
        """
        keys_lines = list(keys) if keys is not None else self.keys_lines()
        note_lines = [line for note in notes for line in wrap(note)]
        tail = [*note_lines, *keys_lines, prompt]
        room = MAX_LINES - len(tail)
        if view is View.HISTORY:
            body = self._history(decision, turn, page, room)
        elif view is View.ODDS:
            body = self._odds(decision, turn, room)
        elif view is View.HELP:
            body = self._help(decision, turn)
        else:
            body = self._main(decision, turn, room)
        return "\n".join([*body, *tail])

    def keys_lines(self) -> list[str]:
        """The two lines that list the keys, under every view of a turn."""
        top = len(self.options)
        return [
            f"Keys: 0-{top} choose · h what happened · o odds and effects · ? help",
            "      m the model chooses · a the model plays on · q pass to the end",
        ]

    def prompt(self) -> str:
        """The question at the bottom of a turn's screens."""
        return f"Your choice (0-{len(self.options)}, or a key): "

    def header(self, decision: Decision, turn: Turn, view: View = View.MAIN) -> list[str]:
        """The rule and the date line that open every view."""
        title = _TITLES[view]
        rule = f"=={title}{'=' * (WIDTH - 2 - len(title))}" if title else RULE
        day = int(decision.time)
        date = format_date(self.scenario.date_of(decision.time))
        line = f"{date} (day {day}) — turn {turn.number} as {self.short}"
        if len(line) > WIDTH:  # a long name: the date and the turn matter more
            line = f"{date} (day {day}) — your turn {turn.number}"
        return [rule, line]

    def _main(self, decision: Decision, turn: Turn, room: int) -> list[str]:
        """The main view, made more compact until it fits in ``room`` lines."""
        lines: list[str] = []
        for compact in range(4):
            lines = self._main_lines(decision, turn, compact)
            if len(lines) <= room:
                break
        return lines

    def _main_lines(self, decision: Decision, turn: Turn, compact: int) -> list[str]:
        s = self.scenario
        state = decision.state
        lines = self.header(decision, turn)
        marked = _marked_gates(s, state)
        lines.extend(wrap(readiness_line(state, s, marked)))
        settled = [g for g in range(len(s.gates)) if state.gate_resolved(g)]
        open_ = [g for g in range(len(s.gates)) if not state.gate_resolved(g)]
        if open_ or compact < 1:
            lines.append("Open questions:")
        for g in open_:
            gate = s.gates[g]
            star = "*" if g in marked else " "
            lines.extend(
                wrap(
                    f"{gate.label} — contention {state.contention(g):.2f}",
                    f"  [open]{star}   ",
                    " " * 12,
                )
            )
        if compact >= 1 and settled:
            text = "Settled: " + "; ".join(s.gates[g].label for g in settled) + "."
            lines.append(shorten(text, WIDTH))
        else:
            for g in settled:
                lines.extend(wrap(s.gates[g].label, "  [settled] ", " " * 12))
        deadline = self.next_deadline(state, decision.time)
        if deadline and compact < 3:
            lines.extend(wrap(deadline))
        if compact < 2:
            lines.extend(wrap(self._since_line(decision, turn)))
        if turn.next_day is None:
            lines.append("Your options:")
        elif turn.next_day < 0:
            whose = possessive(self.short)
            lines.extend(wrap(f"Your options (your next turn is {whose} next decision):"))
        else:
            until = format_date(s.date_of(turn.next_day))
            lines.extend(
                wrap(f"Your options (your choice stands until your next turn, from {until}):")
            )
        lines.extend(self._option_titles(decision, one_line=compact >= 2))
        return lines

    def _since_line(self, decision: Decision, turn: Turn) -> str:
        shown = [r for r in turn.since if newsworthy(r)]
        r = decision.state.readiness
        if turn.readiness is None:
            if not shown:
                return "So far: nothing of note."
            return f"So far: {plural_s(len(shown), 'event')} (h to read them)."
        moved = (
            f"readiness {turn.readiness:.2f} then, {r:.2f} now"
            if round(turn.readiness, 2) != round(r, 2)
            else f"readiness {r:.2f} then and now"
        )
        if not shown:
            return f"Since your last turn: nothing of note; {moved}."
        return f"Since your last turn: {plural_s(len(shown), 'event')}; {moved} (h to read them)."

    def _option_titles(self, decision: Decision, *, one_line: bool) -> list[str]:
        lines = ["  0. Pass"]
        for option in self.options:
            title = self.title(decision.moves[option.move])
            if not decision.available[option.move]:
                title += f" ({_why_not(decision, option.move)})"
            head = f"  {option.number}. "
            if one_line:
                lines.append(shorten(head + title, WIDTH))
            else:
                lines.extend(wrap(title, head, " " * len(head)))
        return lines

    def _history(self, decision: Decision, turn: Turn, page: int, room: int) -> list[str]:
        """The events since the last turn, the ``page``-th screenful counted from the latest."""
        lines = self.header(decision, turn, View.HISTORY)
        first = turn.readiness is None
        heading = "So far:" if first else "Since your last turn:"
        listed = " · ".join(["0 pass", *(f"{o.number} {o.move_id}" for o in self.options)])
        options = wrap(f"Options: {listed}", "", "         ")
        shown = [r for r in turn.since if newsworthy(r)]
        blocks = [wrap(timeline_line(r, self._told, self._added), "  ", "      ") for r in shown]
        # Pages from the latest event backward: each takes what fits.
        space = room - len(lines) - 1 - len(options) - 1  # heading, options, "earlier" line
        pages: list[tuple[int, int]] = []
        end = len(blocks)
        while end > 0:
            start, used = end, 0
            while start > 0 and used + len(blocks[start - 1]) <= max(space, 1):
                start -= 1
                used += len(blocks[start])
            if start == end:  # one event longer than the room: show it cut
                start = end - 1
            pages.append((start, end))
            end = start
        if not blocks:
            lines.extend([f"{heading} nothing of note.", *options])
            return lines
        start, end = pages[page % len(pages)]
        body = [line for block in blocks[start:end] for line in block][: max(space, 1)]
        lines.append(heading)
        lines.extend(body)
        if start > 0:
            lines.append(f"  ({plural_s(start, 'earlier event')}: h again to read them)")
        elif len(pages) > 1:
            lines.append("  (the first events: h again for the latest)")
        lines.extend(options)
        return lines

    def _odds(self, decision: Decision, turn: Turn, room: int) -> list[str]:
        """How often the simulated actor would pick each option, and what each does now."""
        total = sum(decision.weights) + decision.pass_weight

        def share(weight: float) -> str:
            return f"model {percent(weight / total) if total > 0 else '-'}"

        head = self.header(decision, turn, View.ODDS)
        head.extend(
            wrap(
                f'Readiness {decision.state.readiness:.2f}. "model": how often '
                f"{simulated(self.short)} would pick an option now; below it, what the option "
                "does at once."
            )
        )
        # Each option: its title with the model's share, then its effects; the longest
        # effects give up a line first until the screen fits (the title lines stay).
        titles: list[list[str]] = []
        effects: list[list[str]] = []
        for option in self.options:
            move = decision.moves[option.move]
            prefix = f"  {option.number}. "
            if not decision.available[option.move]:
                text = f"{self.title(move)} — {_why_not(decision, option.move)}"
                titles.append(_cut(wrap(text, prefix, " " * len(prefix)), 2))
                effects.append([])
                continue
            text = f"{self.title(move)} — {share(decision.weights[option.move])}"
            titles.append(_cut(wrap(text, prefix, " " * len(prefix)), 2))
            effects.append(self.effects(decision, option.move).split("; "))
        budget = [min(3, len(_fit_parts(parts, 99, _EFFECT_INDENT))) for parts in effects]
        fixed = len(head) + 1 + sum(len(t) for t in titles)
        while fixed + sum(budget) > room and any(budget):
            budget[budget.index(max(budget))] -= 1
        lines = [*head, f"  0. Pass — {share(decision.pass_weight)}"]
        for title, parts, most in zip(titles, effects, budget, strict=True):
            lines.extend(title)
            if parts and most:
                lines.extend(_fit_parts(parts, most, _EFFECT_INDENT))
        return lines

    def _help(self, decision: Decision, turn: Turn) -> list[str]:
        lines = self.header(decision, turn, View.HELP)
        terms = [
            (
                "readiness",
                "from 0 to 1, how ready the parties are for the next step. "
                + _stages_rules(self.scenario),
            ),
            ("contention", "how disputed an open question is: 0 agreed, 1 deadlocked."),
            (
                "effects",
                "what an option does at once if taken now (o). Others may react, and some "
                f"of {possessive(self.short)} own reactions are automatic.",
            ),
            ("model", f"how often {simulated(self.short)} would pick that option now (o)."),
            ("[record]", "an event of the historical record, on its date (h)."),
        ]
        if self._added:
            terms.append(("[scenario]", "a dated event this scenario adds to the record (h)."))
        for term, meaning in terms:
            lines.extend(wrap(meaning, f"  {term.ljust(11)} ", " " * 14))
        lines.append("Keys:")
        lines.extend(_KEYS_HELP)
        return lines

    # -- words --------------------------------------------------------------------------

    def title(self, move: Move) -> str:
        """What a move is, in the player's words: its kind's title, or the scenario's own."""
        names = self._names
        t = move.targets
        return render(
            names.title(move.kind),
            actor=self.short,
            other=join([short_name(names.actor(o)) for o in t.others]),
            gate=join([names.gate(g) for g in t.gates]),
            deadline=names.deadlines.get(t.deadline or "", ""),
            ending=names.endings.get(t.ending or "", ""),
            stage=names.stage(t.stage) if t.stage else "",
            regime=t.regime or "",
            coalition=names.coalitions.get(t.coalition or "", ""),
        )

    def next_deadline(self, state: State, time: float) -> str:
        """``Next deadline: G8 summit, 17 June 2013, in 5 days.``, where it now stands."""
        s = self.scenario
        day = int(time)
        upcoming = [
            (stands, d)
            for d, stands in zip(s.deadlines, state.deadline_days, strict=True)
            if stands >= day
        ]
        if not upcoming:
            return ""
        stands, deadline = min(upcoming, key=lambda pair: pair[0])
        left = stands - day
        when = "today" if left == 0 else f"in {plural_s(left, 'day')}"
        moved = f", moved from {format_date(deadline.date)}" if stands != deadline.day else ""
        k = s.deadline_stage(deadline)
        stage = f" [{s.stages[k].label}]" if k < len(s.stages) - 1 else ""
        return (
            f"Next deadline: {deadline_name(deadline.label, s.date_of(stands))}, {when}"
            f"{moved}{stage}."
        )

    def effects(self, decision: Decision, move: int) -> str:
        """The direct effects of an available move if it were taken now, as the model says.

        An attempt that can fail (a kind with a chance: an agreement, a vote)
        shows the model's chance of success and the outcome either way; any
        other move, its one outcome. Only available moves are previewed (see
        ``Decision.available``).
        """
        state = decision.state
        action = decision.actions[move]
        context = decision.model.context
        if KINDS[action.kind].chance is None:
            after, _ = apply(state, action, context, decision.time, 0.5)
            return self._changes(state, after, action, context)
        chance = success_chance(state, action, context)
        success, _ = apply(
            state, dataclasses.replace(action, certain=True), context, decision.time, 0.0
        )
        failure, _ = apply(state, action, context, decision.time, 1.0)
        how = ""
        g = action.gate
        if action.kind is ActionKind.DELEGATION_AGREEMENT and action.gates == 1 << g:
            how = (
                f" ({action.effect.settle_probability:.2f} x readiness {state.readiness:.2f} x "
                f"(1 - contention {state.contention(g):.2f}))"
            )
        return (
            f"{percent(chance)} chance it works{how}; if it does (settled): "
            f"{self._changes(state, success, action, context)}; if not: "
            f"{self._changes(state, failure, action, context)}"
        )

    def _changes(self, state: State, after: State, action: Action, context: ActionContext) -> str:
        """What an action changes from ``state`` to ``after``, in words."""
        parts = []
        settled = after.resolved & ~state.resolved
        if settled and settled != action.gates:  # an attempt's own gates go without saying
            labels = [self.scenario.gates[g].label for g in range(len(self.scenario.gates))]
            parts.append(
                "settled: " + join([labels[g] for g in range(len(labels)) if settled >> g & 1])
            )
        parts.append(_change("readiness", state.readiness, after.readiness))
        for g in range(len(self.scenario.gates)):
            moved = after.contention_latent[g] != state.contention_latent[g]
            if action.gates >> g & 1 and not settled >> g & 1 and moved:
                parts.append(_change("contention", state.contention(g), after.contention(g)))
        if abs(after.balance - state.balance) >= 0.005:
            parts.append("the military balance tips toward your side")
        if round(after.violence, 2) != round(state.violence, 2):
            parts.append(_change("violence", state.violence, after.violence))
        if after.target_day != state.target_day:
            target = format_date(self.scenario.date_of(after.target_day))
            parts.append(f"a target date ({target}) that speeds everyone up as it nears")
        other = action.other
        if other >= 0:
            spec = self.scenario.actors[other]
            name = short_name(spec.name)
            shift = after.stance(other) - state.stance(other)
            if abs(shift) >= 0.005:
                verb = "{warms|warm} to" if shift > 0 else "{cools|cool} toward"
                parts.append(f"{name} {render(verb, plural=spec.plural)} the talks")
            me = action.actor
            before_rapport = context.rapport_of(state, me, other)
            after_rapport = context.rapport_of(after, me, other)
            if round(after_rapport, 2) != round(before_rapport, 2):
                parts.append(_change(f"rapport with {name}", before_rapport, after_rapport))
        return "; ".join(parts)


_EFFECT_INDENT = " " * 7

_KEYS_HELP = [
    "  a number   that option (0 passes); a move's id works too",
    "  h          what happened since your last turn (h again: earlier events)",
    "  o          the odds: how often the model would pick each option, and the",
    "             effects of each option if you take it now",
    "  ?          this help; Enter alone shows the turn's screen again",
    "  m          the model chooses this turn, with its own dice",
    "  a          the model plays the rest of the game",
    "  q          pass at every remaining decision",
]


def deadline_name(label: str, date: dt.date) -> str:
    """A deadline's name with its date: ``G8 summit (Lough Erne), 17 June 2013``.

    ``end of May 2013 (31 May 2013)``; a date the label already has is not repeated.
    """
    when = format_date(date)
    if when in label:
        return label
    return f"{label}, {when}" if label.endswith(")") else f"{label} ({when})"


def readiness_line(state: State, scenario: Scenario, marked: frozenset[int] = frozenset()) -> str:
    """Readiness, and the next stage with what it needs, or the date set."""
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
    at = f" at readiness {stage.threshold:.2f}" if stage.threshold > 0 else ""
    if not marked:
        condition = ""
    elif stage.gates is None or len(stage.gates) == len(scenario.gates):
        condition = ", once every open question is settled"
    else:
        condition = ", once the questions marked * are settled"
    return f"Readiness {r:.2f}. Next: {stage.label}{at}{condition}."


def _with_short_names(scenario: Scenario) -> Scenario:
    """The scenario with every actor's name (and regime name) shortened.

    Only to tell events on a screen; nothing runs on it.
    """
    actors = tuple(
        dataclasses.replace(
            a,
            name=short_name(a.name),
            regimes=tuple(
                dataclasses.replace(r, name=short_name(r.name)) if r.name else r for r in a.regimes
            ),
        )
        for a in scenario.actors
    )
    return dataclasses.replace(scenario, actors=actors)


def _marked_gates(scenario: Scenario, state: State) -> frozenset[int]:
    """The open gates the next stage needs settled (none once a date is set)."""
    k = state.stage
    if k >= len(scenario.stages) or state.pending_day != NO_DAY:
        return frozenset()
    wanted = scenario.stages[k].gates
    ids = [g.id for g in scenario.gates]
    needed = range(len(ids)) if wanted is None else [ids.index(g) for g in wanted]
    return frozenset(g for g in needed if not state.gate_resolved(g))


def _why_not(decision: Decision, move: int) -> str:
    gates = decision.actions[move].gates
    if gates and decision.state.resolved & gates == gates:
        return "settled: not available"
    return "not available now"


def _cut(lines: list[str], most: int) -> list[str]:
    """At most ``most`` lines, the last one marked cut (at a word, keeping its indent)."""
    if len(lines) <= most:
        return lines
    kept = lines[:most]
    last = kept[-1]
    indent = last[: len(last) - len(last.lstrip())]
    kept[-1] = indent + shorten(last.lstrip() + " ...", WIDTH - len(indent))
    return kept


def _fit_parts(parts: Sequence[str], most: int, indent: str) -> list[str]:
    """``parts`` joined by "; " in at most ``most`` lines: the last parts left out if need be."""
    if not parts or most <= 0:
        return []
    for keep in range(len(parts), 0, -1):
        more = "; ..." if keep < len(parts) else ""
        lines = wrap("; ".join(parts[:keep]) + more, indent, indent)
        if len(lines) <= most:
            return lines
    return _cut(wrap(parts[0], indent, indent), most)


def _change(what: str, before: float, after: float) -> str:
    """``readiness +0.03 (to 0.45)``, or ``readiness about unchanged (0.42)``."""
    delta = round(after, 2) - round(before, 2)
    if abs(delta) < 0.005:
        return f"{what} about unchanged ({after:.2f})"
    return f"{what} {delta:+.2f} (to {after:.2f})"


def _goal(s: Scenario, names: Names) -> str:
    """What the game is about: the last stage as it is said, the stages before it, the endings."""
    last = s.stages[-1]
    who = short_name(names.actor(last.by)) if last.by else "the convener"
    said = render(last.said, actor=who, stage=last.label, plural=last.by in names.plural)
    text = f"What the game is about: {said}"
    if len(s.stages) > 1:
        text += f" (on the way: {join([st.label for st in s.stages[:-1]])})"
    if s.endings:
        text += f"; it can also end otherwise: {join([e.label for e in s.endings])}"
    return text + "."


def _stages_rules(s: Scenario) -> str:
    """The stages' rules, in a sentence."""
    parts = []
    for stage in s.stages:
        needs = "every open question" if stage.gates is None else "its questions"
        condition = f"once {needs} settled" + (
            f" and readiness {stage.threshold:.2f}" if stage.threshold > 0 else ""
        )
        low, high = stage.lead_days
        lead = f", then a date {low}-{high} days ahead" if high > 0 else ""
        postpone = (
            f" (postponed below {stage.postpone_below:.2f})" if stage.postpone_below > 0 else ""
        )
        parts.append(f"{stage.label}: {condition}{lead}{postpone}")
    return capitalized("; ".join(parts)) + "."
