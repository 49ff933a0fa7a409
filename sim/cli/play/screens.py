"""What the player reads at a turn: the introduction and four views of one decision.

Every screen fits a terminal of 80 columns and 30 lines (:data:`~sim.cli.play.text.MAX_LINES`
lines, the prompt included), so that nothing the player needs scrolls away:

- the **main** view (shown at each turn): the date, readiness with the next
  stage or the date set, the open questions, the next deadline, one line on
  what happened since the last turn, and the numbered options. When they do
  not fit (Dayton has a dozen questions and options), the view is made more
  compact a step at a time (:data:`_FITS`): the settled questions on one
  line, the line on what happened left to ``h``, an option or a question on
  one line, shortened by whole parts (a label's parentheses, a list's last
  names: never cut inside a parenthesis), the options not available now
  folded into one line, the open questions several to a line; the date,
  readiness, the next stage, every open question, the next deadline, every
  option (at least by its number) and the keys always stay;
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
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from sim.cli.play.options import Option
from sim.cli.play.text import (
    MAX_LINES,
    RULE,
    WIDTH,
    capitalized,
    fit_items,
    headline,
    join,
    percent,
    plural_s,
    possessive,
    short_name,
    shorten,
    simulated,
    unbracketed,
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
        # A change's regime as the narrative says it: its label, not its id.
        self._regimes = {r.id: r.label for r in scenario.actor(actor).regimes}
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
        """The main view in ``room`` lines.

        It is made more compact (:data:`_FITS`, in order) until it fits, then
        given back what the last step made room for (:data:`_GIVE_BACK`).
        """
        lines: list[str] = []
        for fit in _FITS:
            lines = self._main_lines(decision, turn, fit)
            if len(lines) <= room:
                break
        else:
            return lines
        for step in _GIVE_BACK:
            if step == "whole":  # one option at a time, whole: the shortest first
                trials = []
                for option in self.options if fit.option_lines else ():
                    fuller = dataclasses.replace(fit, whole=fit.whole | {option.number})
                    trials.append((len(self._main_lines(decision, turn, fuller)), option.number))
                for _, number in sorted(trials):
                    fuller = dataclasses.replace(fit, whole=fit.whole | {number})
                    more = self._main_lines(decision, turn, fuller)
                    if len(more) <= room:
                        fit, lines = fuller, more
                continue
            fuller = dataclasses.replace(fit, **{step: getattr(_FITS[0], step)})
            if fuller != fit:
                more = self._main_lines(decision, turn, fuller)
                if len(more) <= room:
                    fit, lines = fuller, more
        return lines

    def _main_lines(self, decision: Decision, turn: Turn, fit: _Fit) -> list[str]:
        s = self.scenario
        state = decision.state
        lines = self.header(decision, turn)
        marked = _marked_gates(s, state)
        lines.extend(wrap(readiness_line(state, s, marked)))
        lines.extend(self._questions(state, marked, fit))
        deadline = self.next_deadline(state, decision.time, stage=not fit.short_deadline)
        if deadline:
            lines.extend([shorten(deadline, WIDTH)] if fit.short_deadline else wrap(deadline))
        if fit.since:
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
        lines.extend(self._option_titles(decision, fit))
        return lines

    def _questions(self, state: State, marked: frozenset[int], fit: _Fit) -> list[str]:
        """The open questions with their contention, and the settled ones.

        ``*`` marks a question the next stage needs settled.
        """
        gates = self.scenario.gates
        settled = [g for g in range(len(gates)) if state.gate_resolved(g)]
        open_ = [g for g in range(len(gates)) if not state.gate_resolved(g)]
        if fit.fold_questions:
            # Several to a line, whole; the settled ones counted in the heading.
            others = f" ({plural_s(len(settled), 'other')} settled)" if settled else ""
            if not open_:
                return [f"Open questions: none{others}."] if settled else []
            entries = [
                f"{'*' if g in marked else ''}{unbracketed(gates[g].label)} "
                f"{state.contention(g):.2f}"
                for g in open_
            ]
            return [f"Open questions, with their contention{others}:", *_packed(entries, "  ")]
        lines = ["Open questions:"] if open_ or not fit.settled_line else []
        for g in open_:
            star = "*" if g in marked else " "
            head = f"  [open]{star}   "
            contention = f" — contention {state.contention(g):.2f}"
            label = gates[g].label
            if fit.question_lines:
                room = WIDTH - len(head) - len(contention)
                lines.append(head + _fitted(label, room) + contention)
            else:
                lines.extend(wrap(label + contention, head, " " * 12))
        if fit.settled_line:
            if settled:
                labels = [unbracketed(gates[g].label) for g in settled]
                lines.append(fit_items("Settled: ", labels, WIDTH, tail="."))
        else:
            for g in settled:
                lines.extend(wrap(gates[g].label, "  [settled] ", " " * 12))
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

    def _option_titles(self, decision: Decision, fit: _Fit) -> list[str]:
        lines = ["  0. Pass"]
        folded: list[int] = []
        for option in self.options:
            move = decision.moves[option.move]
            available = decision.available[option.move]
            if fit.fold_unavailable and not available:
                folded.append(option.number)
                continue
            head = f"  {option.number}. "
            why = _why_not(decision, option.move, short=fit.option_lines)
            why = f" ({why})" if not available else ""
            if fit.option_lines and option.number not in fit.whole:
                lines.append(head + self.title(move, WIDTH - len(head) - len(why)) + why)
            else:
                lines.extend(wrap(self.title(move) + why, head, " " * len(head)))
        if folded:
            lines.extend(wrap(f"Not available now: {_numbers(folded)} (o lists them).", "  ", "  "))
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
            available = decision.available[option.move]
            if available:
                said = f" — {share(decision.weights[option.move])}"
            else:
                said = f" — {_why_not(decision, option.move)}"
            lines = wrap(self.title(move) + said, prefix, " " * len(prefix))
            if len(lines) > (2 if available else 1):  # the title shortened by whole parts
                if not available:
                    said = f" — {_why_not(decision, option.move, short=True)}"
                lines = [prefix + self.title(move, WIDTH - len(prefix) - len(said)) + said]
            titles.append(lines)
            effects.append(self.effects(decision, option.move).split("; ") if available else [])
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

    def title(self, move: Move, width: int | None = None) -> str:
        """What a move is, in the player's words: its kind's title, or the scenario's own.

        With ``width``, in at most that many characters, shortened by whole
        parts: the labels lose their parentheses, then the title its own
        (``Ship arms``), then the labels what follows a colon (``the map``),
        then a list its last names (``Meet the United States, China and 5
        more``); only then is it cut, at a word.
        """
        full = self._title(move, 0)
        if width is None or len(full) <= width:
            return full
        text = full
        for level in (1, 2, 3):
            text = self._title(move, level)
            if len(text) <= width:
                return text
        t = move.targets
        longest = max(len(t.others), len(t.gates))
        for keep in range(longest - 1, 0, -1):
            text = self._title(move, 3, keep)
            if len(text) <= width:
                return text
        rest = len(self._title(move, 3, 1, first=0)) - len("...")
        if longest > 1 and width - rest >= 12:  # the first name cut, "and N more" kept
            text = self._title(move, 3, 1, first=width - rest)
            if len(text) <= width:
                return text
        return shorten(text, width)

    def _title(
        self, move: Move, level: int, keep: int | None = None, first: int | None = None
    ) -> str:
        """The title with whole parts left out: none at ``level`` 0 (see :meth:`title`).

        ``keep``: the names a list keeps before "and N more"; ``first``: the
        width the first of them is cut to.
        """
        names = self._names
        t = move.targets
        shape: Callable[[str], str] = (
            headline if level >= 3 else unbracketed if level >= 1 else lambda x: x
        )

        def listed(items: list[str]) -> str:
            if keep is None or len(items) <= keep:
                return join(items)
            kept = items[:keep]
            if first is not None:
                kept[0] = shorten(kept[0], first) if first > 0 else "..."
            return join([*kept, f"{len(items) - keep} more"])

        text = render(
            names.title(move.kind),
            actor=self.short,
            other=listed([short_name(names.actor(o)) for o in t.others]),
            gate=listed([shape(names.gate(g)) for g in t.gates]),
            deadline=shape(names.deadlines.get(t.deadline or "", "")),
            ending=shape(names.endings.get(t.ending or "", "")),
            stage=shape(names.stage(t.stage)) if t.stage else "",
            regime=shape(self._regimes.get(t.regime or "", "")),
            coalition=shape(names.coalitions.get(t.coalition or "", "")),
        )
        return unbracketed(text) if level >= 2 else text

    def next_deadline(self, state: State, time: float, *, stage: bool = True) -> str:
        """``Next deadline: G8 summit, 17 June 2013, in 5 days.``, where it now stands.

        With ``stage``, the stage it is set for, in brackets, unless it is the last.
        """
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
        for_stage = f" [{s.stages[k].label}]" if stage and k < len(s.stages) - 1 else ""
        return (
            f"Next deadline: {deadline_name(deadline.label, s.date_of(stands))}, {when}"
            f"{moved}{for_stage}."
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
        others = settled & ~action.gates  # an attempt's own gates go without saying
        if others:
            labels = [self.scenario.gates[g].label for g in range(len(self.scenario.gates))]
            parts.append(
                "settled: " + join([labels[g] for g in range(len(labels)) if others >> g & 1])
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

    ``end of May 2013 (31 May 2013)``; a date the label already has is not repeated
    (``the ADP's close (5 Dec 2015)``).
    """
    when = format_date(date)
    day_month = re.compile(rf"\b{date.day} {when.split()[1][:3]}")  # "5 Dec" or "5 December"
    if when in label or day_month.search(label):
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


def _why_not(decision: Decision, move: int, *, short: bool = False) -> str:
    """Why an option is not available: its questions are settled, or not now."""
    gates = decision.actions[move].gates
    if gates and decision.state.resolved & gates == gates:
        return "settled" if short else "settled: not available"
    actor = next(a for a in decision.model.actors if a.id == decision.actor)
    if actor.regimes[decision.state.regime[actor.index]].base_weights[move] == 0.0:
        return "not now" if short else "not under this leadership"
    return "not available" if short else "not available now"


def _cut(lines: list[str], most: int) -> list[str]:
    """At most ``most`` lines, the last one marked cut (at a word, keeping its indent)."""
    if len(lines) <= most:
        return lines
    kept = lines[:most]
    last = kept[-1]
    indent = last[: len(last) - len(last.lstrip())]
    kept[-1] = indent + shorten(last.lstrip() + " ...", WIDTH - len(indent))
    return kept


@dataclass(frozen=True, slots=True)
class _Fit:
    """How compact the main view is: each step of :data:`_FITS` keeps those before it."""

    settled_line: bool = False
    """The settled questions on one line, whole labels and "and N more"."""
    since: bool = True
    """The line on what happened since the last turn (``h`` tells it too)."""
    option_lines: bool = False
    """Each option on one line, its title shortened by whole parts..."""
    whole: frozenset[int] = frozenset()
    """... but for these options, whole (wrapped)."""
    question_lines: bool = False
    """Each open question on one line."""
    fold_unavailable: bool = False
    """The options not available now on one line, by number (``o`` lists them)."""
    fold_questions: bool = False
    """The open questions several to a line, the settled ones counted."""
    short_deadline: bool = False
    """The next deadline on one line, without the stage it is set for."""


def _fits() -> tuple[_Fit, ...]:
    settled = _Fit(settled_line=True)
    since = dataclasses.replace(settled, since=False)
    options = dataclasses.replace(since, option_lines=True)
    questions = dataclasses.replace(options, question_lines=True)
    unavailable = dataclasses.replace(questions, fold_unavailable=True)
    folded = dataclasses.replace(unavailable, fold_questions=True)
    deadline = dataclasses.replace(folded, short_deadline=True)
    return (_Fit(), settled, since, options, questions, unavailable, folded, deadline)


#: The main view's layouts, from the fullest to the most compact: the first that fits is shown.
#: The date, readiness, the open questions, the next deadline, every option and the keys stay.
_FITS = _fits()
#: What a compact layout takes back if it still fits, in this order: whole option titles, whole
#: questions, whole titles one option at a time, the line on what happened, the settled
#: questions one to a line.
_GIVE_BACK = ("option_lines", "question_lines", "whole", "since", "settled_line")


def _fitted(label: str, width: int) -> str:
    """A label in ``width`` characters: whole, or without its parentheses, or cut at a word."""
    if len(label) <= width:
        return label
    return shorten(unbracketed(label), width)


def _packed(entries: Sequence[str], indent: str, sep: str = " · ") -> list[str]:
    """Whole ``entries`` several to a line, each line as full as it goes."""
    lines: list[str] = []
    line = ""
    for entry in entries:
        if line and len(line) + len(sep) + len(entry) <= WIDTH:
            line += sep + entry
            continue
        if line:
            lines.append(line)
        line = indent + entry
        if len(line) > WIDTH:
            *whole, line = wrap(entry, indent, indent)
            lines.extend(whole)
    if line:
        lines.append(line)
    return lines


def _numbers(numbers: Sequence[int]) -> str:
    """``5-8 and 10`` for 5, 6, 7, 8, 10: runs of three or more as a range."""
    runs: list[list[int]] = []
    for n in numbers:
        if runs and n == runs[-1][-1] + 1:
            runs[-1].append(n)
        else:
            runs.append([n])
    parts: list[str] = []
    for run in runs:
        if len(run) >= 3:
            parts.append(f"{run[0]}-{run[-1]}")
        else:
            parts.extend(str(n) for n in run)
    return join(parts)


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
    text = f"What the game is about: {said.rstrip('.')}."
    if len(s.stages) > 1:
        text += " On the way: " + ", then ".join(st.label for st in s.stages[:-1]) + "."
    if s.endings:
        text += f" It can also end otherwise: {join([e.label for e in s.endings], 'or')}."
    return text


def _stages_rules(s: Scenario) -> str:
    """The stages' rules, in a sentence."""
    parts = []
    for stage in s.stages:
        needs = "every open question is" if stage.gates is None else "its questions are"
        condition = f"once {needs} settled" + (
            f" and readiness reaches {stage.threshold:.2f}" if stage.threshold > 0 else ""
        )
        low, high = stage.lead_days
        ahead = f"{low}-{high}" if low < high else f"{high}"
        days = "day" if ahead == "1" else "days"
        lead = f", then a date {ahead} {days} ahead" if high > 0 else ""
        postpone = (
            f" (postponed below {stage.postpone_below:.2f})" if stage.postpone_below > 0 else ""
        )
        parts.append(f"{stage.label}: {condition}{lead}{postpone}")
    return capitalized("; ".join(parts)) + "."
