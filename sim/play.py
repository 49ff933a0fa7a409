"""Playing one actor at the terminal: the logic behind ``negsim play``.

A :class:`PlaySession` is the chooser :func:`sim.engine.simulate` calls at each
of the played actor's decision times (see :class:`~sim.engine.Decision`). It
writes a screen — the date, readiness, the open questions (gates), what
happened since the actor's last decision, and the numbered options with their
direct effects if taken now — then reads one line. Input and output are
injected streams, so a whole session can be driven from a test or replayed
from a file.

Answers: an option's number (``0`` passes), an option's move id, ``pass``, or
``q`` to pass at every remaining decision. Anything else is refused with a
one-line message and asked again, at most :data:`MAX_TRIES` times, after which
the turn passes. End of input means passing at every remaining decision.

The choices, the seed and the scenario's hash make a :class:`Recording`
(written as JSON); replaying it feeds the same choices and gives the same run.

At the end, :func:`outcome_text` tells the played run's outcome and
:func:`comparison_text` places it among Monte Carlo runs of the same scenario
and seed with the actor left to the model (:func:`compare`).
"""

from __future__ import annotations

import dataclasses
import math
import os
import textwrap
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO, TypeGuard

import numpy as np

from sim._version import __version__
from sim.engine import Decision, RunResult, TraceRecord, compile_scenario, simulate
from sim.errors import InputError
from sim.experiments.montecarlo import MonteCarloResult
from sim.experiments.stats import Proportion
from sim.files import JsonFileError, atomic_write_json, read_json_file
from sim.model.actions import KINDS, ActionKind, apply, success_chance
from sim.model.choice import PASS
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
    "MAX_TRIES",
    "PASS_CHOICE",
    "RECORDING_FORMAT",
    "Choice",
    "Comparison",
    "DeadlineComparison",
    "Option",
    "PlaySession",
    "Recording",
    "RecordingError",
    "compare",
    "comparison_text",
    "find_actor",
    "options_of",
    "outcome_text",
    "read_recording",
    "write_recording",
]

#: Invalid answers accepted at one decision before the turn passes (input never hangs).
MAX_TRIES = 20
#: How a pass is written in a recording.
PASS_CHOICE = "pass"
#: The ``format`` tag of a recording file.
RECORDING_FORMAT = "negsim-play-recording"
#: Events shown on a screen, the most recent ones.
RECENT_LINES = 8
#: Largest recording file read, in bytes (a guard against reading the wrong file).
MAX_RECORDING_BYTES = 4 * 1024 * 1024

#: Screen width, in characters.
WIDTH = 78
_RULE = "=" * WIDTH
_QUIT = ("q", "quit")
_PASS_WORDS = ("p", "pass")
_MODEL = ("m", "model")
_AUTO = ("a", "auto")


class RecordingError(InputError):
    """A recording file cannot be read, or does not fit the scenario and actor it is replayed on."""


# -- options -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Option:
    """One numbered option on the screen.

    Attributes
    ----------
    number
        What the player types (1, 2, ...; 0 is always the pass).
    move
        Index of the move in the actor's repertoire.
    move_id
        The move's id in the scenario (what a recording stores).
    """

    number: int
    move: int
    move_id: str


def options_of(scenario: Scenario, actor: str) -> tuple[Option, ...]:
    """The options offered to a player of ``actor``: its moves, numbered from 1.

    A move with weight 0 is left out: a scenario (often a counterfactual) sets
    a weight to 0 to take the move away, and a player must not get it back.
    """
    spec = scenario.actor(actor)
    usable = [(i, m.id) for i, m in enumerate(spec.moves) if m.weight > 0.0]
    return tuple(Option(n, i, move_id) for n, (i, move_id) in enumerate(usable, start=1))


def find_actor(scenario: Scenario, text: str) -> str:
    """The id of the actor named ``text`` (its id, in any case).

    Raises
    ------
    KeyError
        With a one-line message listing the scenario's actors.
    """
    for a in scenario.actors:
        if a.id.lower() == text.strip().lower():
            return a.id
    known = ", ".join(a.id for a in scenario.actors)
    raise KeyError(f"no actor '{text}' in scenario {scenario.name} (actors: {known})")


# -- recordings ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Choice:
    """One decision as the player made it.

    Attributes
    ----------
    decision
        The actor's decision number (0, 1, ...).
    time
        When, in days since the scenario start.
    move
        The chosen move's id, or :data:`PASS_CHOICE`.
    """

    decision: int
    time: float
    move: str


@dataclass(frozen=True, slots=True)
class Recording:
    """What it takes to replay a session: the scenario's hash, the seed, the actor, the choices.

    Attributes
    ----------
    version
        The negsim version that recorded it.
    scenario, scenario_sha256
        The scenario's name and the hash of the resolved scenario (after
        ``--set`` overrides); a replay needs the same hash.
    seed
        The master seed of the played run.
    actor
        The played actor's id.
    choices
        One per decision, in order.
    convened_day
        The played run's convening day (``None``: not convened), to check a replay.
    overrides
        The ``--set`` options it was played with (for the reader; the hash is what counts).
    """

    version: str
    scenario: str
    scenario_sha256: str
    seed: int
    actor: str
    choices: tuple[Choice, ...]
    convened_day: int | None = None
    overrides: tuple[str, ...] = ()

    def by_decision(self) -> dict[int, str]:
        """The choices keyed by decision number."""
        return {c.decision: c.move for c in self.choices}

    def to_json(self, scenario: Scenario) -> dict[str, Any]:
        """The recording as a JSON-ready object (dates are for the reader)."""
        return {
            "format": RECORDING_FORMAT,
            "negsim_version": self.version,
            "scenario": self.scenario,
            "scenario_sha256": self.scenario_sha256,
            "overrides": list(self.overrides),
            "seed": self.seed,
            "actor": self.actor,
            "choices": [
                {
                    "decision": c.decision,
                    "date": scenario.date_of(c.time).isoformat(),
                    "choice": c.move,
                }
                for c in self.choices
            ],
            "outcome": {
                "convened_day": self.convened_day,
                "convened_date": (
                    scenario.date_of(self.convened_day).isoformat()
                    if self.convened_day is not None
                    else None
                ),
            },
        }

    @classmethod
    def from_json(cls, obj: object) -> Recording:
        """Read a recording from its JSON object.

        Raises
        ------
        RecordingError
            If the object is not a well-formed recording.
        """
        if not isinstance(obj, dict) or obj.get("format") != RECORDING_FORMAT:
            raise RecordingError(f'not a negsim play recording (no "format": "{RECORDING_FORMAT}")')
        seed = obj.get("seed")
        if not _is_int(seed) or seed < 0:
            raise RecordingError(f"'seed' must be a non-negative whole number, got {seed!r}")
        strings = {}
        for key in ("negsim_version", "scenario", "scenario_sha256", "actor"):
            value = obj.get(key)
            if not isinstance(value, str) or not value:
                raise RecordingError(f"'{key}' must be a non-empty string, got {value!r}")
            strings[key] = value
        overrides = obj.get("overrides", [])
        if not isinstance(overrides, list) or not all(isinstance(o, str) for o in overrides):
            raise RecordingError("'overrides' must be a list of strings")
        raw = obj.get("choices")
        if not isinstance(raw, list):
            raise RecordingError(f"'choices' must be a list, got {type(raw).__name__}")
        choices = []
        seen: set[int] = set()
        for k, entry in enumerate(raw):
            if not isinstance(entry, dict):
                raise RecordingError(f"choice {k}: expected an object, got {entry!r}")
            number = entry.get("decision")
            move = entry.get("choice")
            if not _is_int(number) or number < 0 or number in seen:
                raise RecordingError(
                    f"choice {k}: 'decision' must be a new non-negative whole number, "
                    f"got {number!r}"
                )
            if not isinstance(move, str) or not move:
                raise RecordingError(f"choice {k}: 'choice' must be a move id or \"pass\"")
            seen.add(number)
            choices.append(Choice(number, math.nan, move))
        outcome = obj.get("outcome")
        day = outcome.get("convened_day") if isinstance(outcome, dict) else None
        return cls(
            version=strings["negsim_version"],
            scenario=strings["scenario"],
            scenario_sha256=strings["scenario_sha256"],
            seed=seed,
            actor=strings["actor"],
            choices=tuple(choices),
            convened_day=day if _is_int(day) else None,
            overrides=tuple(overrides),
        )

    def check(self, scenario: Scenario, actor: str) -> None:
        """Check that the recording can be replayed on ``scenario`` as ``actor``.

        Raises
        ------
        RecordingError
            If the scenario's hash or the actor differ, or a choice is not one
            of the actor's options.
        """
        if self.scenario_sha256 != scenario.sha256:
            settings = (
                "--set " + " --set ".join(self.overrides) if self.overrides else "no --set options"
            )
            which = (
                f"a different version of scenario {scenario.name}"
                if self.scenario == scenario.name
                else f"scenario {self.scenario}, not {scenario.name}"
            )
            raise RecordingError(
                f"recorded on {which} (sha256 {self.scenario_sha256[:12]}, here "
                f"{scenario.sha256[:12]}); it was recorded with {settings}"
            )
        if self.actor != actor:
            raise RecordingError(
                f"recorded playing {self.actor}, not {actor}: use --as {self.actor}"
            )
        allowed = {o.move_id for o in options_of(scenario, actor)} | {PASS_CHOICE}
        for c in self.choices:
            if c.move not in allowed:
                raise RecordingError(
                    f"decision {c.decision}: '{c.move}' is not one of {actor}'s options "
                    f"({', '.join(sorted(allowed))})"
                )


def _is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def write_recording(path: str | os.PathLike[str], recording: Recording, scenario: Scenario) -> None:
    """Write ``recording`` as JSON to ``path``, atomically."""
    atomic_write_json(path, recording.to_json(scenario))


def read_recording(path: str | os.PathLike[str]) -> Recording:
    """Read a recording written by :func:`write_recording`.

    Raises
    ------
    RecordingError
        If the file cannot be read or is not a well-formed recording; the
        message starts with the file's name.
    """
    file = Path(path)
    try:
        obj = read_json_file(file, MAX_RECORDING_BYTES)
    except JsonFileError as exc:
        raise RecordingError(str(exc)) from None
    try:
        return Recording.from_json(obj)
    except RecordingError as exc:
        raise RecordingError(f"{file}: {exc}") from None


# -- the session -----------------------------------------------------------------------


class PlaySession:
    """A person (or a test, or a recording) playing one actor.

    Call :meth:`play` to run the scenario once with this session deciding for
    the actor. The session is the run's chooser: each call shows a screen and
    reads an answer.

    Parameters
    ----------
    scenario
        The scenario.
    actor
        The played actor's id.
    input, output
        Where answers are read from (one per line) and screens written to.
    replay
        A recording to take the choices from instead of ``input`` (checked
        with :meth:`Recording.check` first).
    echo
        Write each answer after its prompt, so that a transcript of piped
        input reads like a terminal session.
    max_tries
        Invalid answers accepted at one decision before the turn passes.

    Raises
    ------
    KeyError
        If ``actor`` is not one of the scenario's actors.
    RecordingError
        If ``replay`` does not fit the scenario and the actor.
    """

    def __init__(
        self,
        scenario: Scenario,
        actor: str,
        *,
        input: TextIO,
        output: TextIO,
        replay: Recording | None = None,
        echo: bool = False,
        max_tries: int = MAX_TRIES,
    ) -> None:
        self.scenario = scenario
        self.actor = find_actor(scenario, actor)
        self.name = scenario.actor(self.actor).name
        self.short = _short(self.name)
        self.options = options_of(scenario, self.actor)
        self.choices: list[Choice] = []
        self._input = input
        self._output = output
        if replay is not None:
            replay.check(scenario, self.actor)
        self._replay = replay.by_decision() if replay is not None else None
        self._echo = echo
        self._max_tries = max_tries
        self._done = False  # end of input, or "q": pass from now on
        self._auto = False  # "a": the model plays the actor from now on
        self._by_id = {o.move_id: o for o in self.options}
        self._by_key = {o.move_id.lower(): o for o in self.options}
        self._by_move = {o.move: o for o in self.options}
        # Dated events a counterfactual adds are marked apart from the historical record.
        self._added = added_events(scenario)

    # -- running -----------------------------------------------------------------------

    def play(self, seed: int, run: int = 0) -> RunResult:
        """Introduce the game, then run the scenario once with this session playing the actor.

        Parameters
        ----------
        seed
            The master seed.
        run
            The run index (run ``i`` of seed ``S`` has the same draws as run
            ``i`` of ``negsim run --seed S``).
        """
        self._write(self.intro(seed))
        return simulate(
            compile_scenario(self.scenario), seed, run, trace=True, players={self.actor: self}
        )

    def __call__(self, decision: Decision) -> int:
        """Choose the actor's move at ``decision``: the index of a move, or ``PASS``."""
        if self._done:
            return self._chosen(decision, None)
        if self._auto:
            return self._chosen(decision, self._model_option(decision))
        self._write(self.screen(decision))
        if self._replay is not None:
            move_id = self._replay.get(decision.decision, PASS_CHOICE)
            option = self._by_id.get(move_id)
            self._write(f"Your choice: {option.number if option else 0} (replayed: {move_id})\n")
            return self._chosen(decision, option)
        return self._chosen(decision, self._ask(decision))

    def _chosen(self, decision: Decision, option: Option | None) -> int:
        self.choices.append(
            Choice(decision.decision, decision.time, option.move_id if option else PASS_CHOICE)
        )
        return option.move if option else PASS

    def _model_option(self, decision: Decision) -> Option | None:
        """What the simulated actor would choose now, with its own draw (``None``: pass)."""
        return self._by_move.get(decision.model_choice) if decision.model_choice >= 0 else None

    def _ask(self, decision: Decision) -> Option | None:
        """Read answers until one is valid; ``None`` means pass."""
        top = len(self.options)
        prompt = (
            f"Your choice (0-{top}; m = the model chooses, a = the model plays on, "
            "q = pass to the end): "
        )
        for _ in range(self._max_tries):
            self._write(prompt)
            try:
                line = self._input.readline()
            except UnicodeDecodeError:
                self._done = True
                self._write(
                    f"\nThe input is not text: {self.short} will pass at every remaining "
                    "decision.\n"
                )
                return None
            if not line:
                self._done = True
                self._write(
                    f"\nEnd of input: {self.short} will pass at every remaining decision.\n"
                )
                return None
            answer = line.strip()
            if self._echo:
                self._write(answer + "\n")
            key = answer.lower()
            if key in _QUIT:
                self._done = True
                self._write(f"{_cap(self.short)} will pass at every remaining decision.\n")
                return None
            if key in _PASS_WORDS:
                return None
            if key in _MODEL or key in _AUTO:
                option = self._model_option(decision)
                chosen = f"{option.number} ({option.move_id})" if option else "0 (pass)"
                self._write(f"The model chooses {chosen}.\n")
                if key in _AUTO:
                    self._auto = True
                    self._write(
                        f"The model plays {self.short} from now on, as in the simulated runs.\n"
                    )
                return option
            option = self._by_key.get(key)
            # isascii: "²".isdigit() is true but int("²") fails; len: int() refuses huge strings.
            if answer.isascii() and answer.isdigit() and len(answer) < 6 and int(answer) <= top:
                number = int(answer)
                if number == 0:
                    return None
                option = self.options[number - 1]
            if option is not None:
                if decision.available[option.move]:
                    return option
                self._write(
                    f"Option {option.number} is not available: that question is already "
                    "settled. Choose another.\n"
                )
                continue
            shown = answer if len(answer) <= 20 else answer[:20] + "..."
            refusal = f"'{shown}' is not an option: type" if answer else "Type"
            self._write(
                f"{refusal} a number from 0 to {top} (0 = pass), m for the model's choice, a "
                "to let the model play on, or q to pass to the end.\n"
            )
        self._write(f"No valid choice after {self._max_tries} tries: this turn is a pass.\n")
        return None

    def _write(self, text: str) -> None:
        self._output.write(text)
        self._output.flush()

    # -- what the player sees -------------------------------------------------------------

    def intro(self, seed: int) -> str:
        """What the player reads before the first decision."""
        s = self.scenario
        terms = [
            (
                "readiness",
                "from 0 to 1, how ready the parties are for the outcome the game is about "
                f"({s.stages[-1].label}). {_stages_text(s)}",
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
            *_wrap(f"You are playing {self.name} in: {s.title}"),
            *_wrap(
                f"Scenario {s.name}, seed {seed}. The other actors are simulated; the events "
                "of the historical record happen on their dates."
            ),
            "",
            "How to read the screens:",
        ]
        for term, meaning in terms:
            lines.extend(_wrap(meaning, f"  {term.ljust(11)} ", " " * 14))
        lines.extend(
            _wrap(
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
            *_wrap(_readiness_line(state, s)),
            "Open questions:",
        ]
        for g, gate in enumerate(s.gates):
            if state.gate_resolved(g):
                lines.extend(_wrap(gate.label, "  [settled] ", " " * 12))
            else:
                lines.extend(
                    _wrap(
                        f"{gate.label} — contention {state.contention(g):.2f}",
                        "  [open]    ",
                        " " * 12,
                    )
                )
        upcoming = _next_deadline(s.deadlines, day)
        if upcoming is not None:
            left = upcoming.day - day
            when = "today" if left == 0 else f"in {left} day{'s' if left != 1 else ''}"
            lines.extend(_wrap(f"Next deadline: {_deadline_name(upcoming)}, {when}."))
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
            lines.extend(_wrap(timeline_line(r, self.scenario, self._added), "  ", "      "))
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
                lines.extend(_wrap(head, f"  {option.number}. ", "     "))
                continue
            head = f"{title}  ({move.id}; {share(decision.weights[option.move])})"
            lines.extend(_wrap(head, f"  {option.number}. ", "     "))
            lines.extend(_wrap(self._effects(decision, option.move), "       ", "       "))
        return lines

    def _title(self, move: Move) -> str:
        """What a move is, in the player's words (the kind's title, or the scenario's own)."""
        names = Names(self.scenario)
        own = self.scenario.words_for(move.kind)
        template = (own.title if own and own.title else None) or KINDS[move.kind].words.title
        t = move.targets
        return render(
            template,
            actor=names.actor(self.actor),
            other=_join_names([names.actor(o) for o in t.others]),
            gate=_join_names([names.gate(g) for g in t.gates]),
            deadline=names.deadlines.get(t.deadline or "", ""),
            ending=names.endings.get(t.ending or "", ""),
            stage=names.stage(t.stage) if t.stage else "",
            regime=t.regime or "",
            coalition=names.coalitions.get(t.coalition or "", ""),
        )

    def _effects(self, decision: Decision, move: int) -> str:
        """The move's direct effects if it were taken now."""
        state = decision.state
        action = decision.actions[move]
        context = decision.model.context
        r = state.readiness
        if action.kind is ActionKind.DELEGATION_AGREEMENT:
            g = action.gate
            if state.gate_resolved(g):
                return "already settled: nothing would change"
            p = action.effect.settle_probability
            c = state.contention(g)
            chance = success_chance(state, action, context)
            success, _ = apply(
                state, dataclasses.replace(action, certain=True), context, decision.time, 0.0
            )
            failure, _ = apply(state, action, context, decision.time, 1.0)
            return (
                f"{_percent(chance)} chance it works ({p:.2f} x readiness {r:.2f} x "
                f"(1 - contention {c:.2f})); if it does: settled, "
                f"{_change('readiness', r, success.readiness)}; if not: "
                f"{_change('contention', c, failure.contention(g))}"
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

    # -- the record ---------------------------------------------------------------------

    def recording(self, seed: int, result: RunResult, overrides: Sequence[str] = ()) -> Recording:
        """The session as a :class:`Recording` (after :meth:`play`)."""
        return Recording(
            version=__version__,
            scenario=self.scenario.name,
            scenario_sha256=self.scenario.sha256,
            seed=seed,
            actor=self.actor,
            choices=tuple(self.choices),
            convened_day=result.convened_day,
            overrides=tuple(overrides),
        )


def _join_names(items: Sequence[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _wrap(text: str, first: str = "", rest: str = "") -> list[str]:
    """``text`` wrapped to the screen's width, with the given indents."""
    return textwrap.wrap(
        text,
        WIDTH,
        initial_indent=first,
        subsequent_indent=rest,
        break_long_words=False,
        break_on_hyphens=False,
    ) or [first.rstrip()]


def _deadline_name(deadline: Deadline) -> str:
    """``end of May 2013 (31 May 2013)``, without repeating a date the label already has."""
    date = format_date(deadline.date)
    return deadline.label if date in deadline.label else f"{deadline.label} ({date})"


def _short(name: str) -> str:
    """An actor's name without its parenthesis: ``Iran`` for ``Iran (Zarif; ...)``."""
    return name.split(" (", 1)[0]


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


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
    """The stages' rules in a sentence or two."""
    parts = []
    for stage in s.stages:
        needs = "every open question" if stage.gates is None else "its questions"
        when = f"readiness reaches {stage.threshold:.2f}" if stage.threshold > 0 else ""
        lead = (
            f", then a date {stage.lead_days[0]}-{stage.lead_days[1]} days ahead"
            if stage.lead_days[1] > 0
            else ""
        )
        postpone = (
            f" (postponed if readiness falls below {stage.postpone_below:.2f})"
            if stage.postpone_below > 0
            else ""
        )
        condition = f"once {needs} settled" + (f" and {when}" if when else "")
        parts.append(f"{stage.label}: {condition}{lead}{postpone}")
    return "Stages, in order: " + "; ".join(parts) + "."


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
    condition = "" if stage.threshold <= 0 else f" at {stage.threshold:.2f}"
    return f"Readiness {r:.2f} (next: {stage.label}{condition})."


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
        lines.append(f"{_cap(name)} had no decision to make in this run.")
    lines.append("Deadlines:")
    for d in scenario.deadlines:
        met = "met" if result.convened_by(d.day) else "missed"
        lines.append(f"  {_deadline_name(d)}: {met}")
    return "\n".join(lines) + "\n"


@dataclass(frozen=True, slots=True)
class DeadlineComparison:
    """One deadline: whether the played run met it, and how often the simulated runs did."""

    deadline: Deadline
    met: bool
    simulated: Proportion


@dataclass(frozen=True, slots=True)
class Comparison:
    """Where the played outcome falls among simulated runs with the actor left to the model.

    A run that did not convene by the horizon counts as later than any run
    that did, and ties with the played run if that did not convene either.

    Attributes
    ----------
    runs
        How many simulated runs.
    played_day
        The played run's convening day, or ``None``.
    earlier, same, later
        Simulated runs that convened before, on the same day as, and after the
        played run (``later`` includes the runs that never convened).
    median_day
        The simulated runs' median convening day (Kaplan–Meier), ``None`` if
        under half of them convened.
    same_luck_day
        The convening day of simulated run 0, which shares every random draw
        with the played run: what the model's actor did with the same luck.
    deadlines
        Per deadline, the played result and the simulated probability.
    """

    runs: int
    played_day: int | None
    earlier: int
    same: int
    later: int
    median_day: float | None
    same_luck_day: int | None
    deadlines: tuple[DeadlineComparison, ...]


def compare(result: RunResult, simulated: MonteCarloResult) -> Comparison:
    """Place the played run among the simulated runs (same scenario, same seed)."""
    days = simulated.outcomes.convened_day
    convened = ~np.isnan(days)
    n = len(days)
    played = result.convened_day
    if played is None:
        earlier, same = int(convened.sum()), int(n - convened.sum())
    else:
        earlier = int((convened & (days < played)).sum())
        same = int((convened & (days == played)).sum())
    run0 = np.flatnonzero(simulated.outcomes.run == result.run)
    same_luck = None
    if run0.size and convened[run0[0]]:
        same_luck = int(days[run0[0]])
    return Comparison(
        runs=n,
        played_day=played,
        earlier=earlier,
        same=same,
        later=n - earlier - same,
        median_day=simulated.median_day(),
        same_luck_day=same_luck,
        deadlines=tuple(
            DeadlineComparison(e.deadline, result.convened_by(e.deadline.day), e.proportion)
            for e in simulated.deadlines()
        ),
    )


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
            f"It was not convened by {horizon}. {_cap(share(c.earlier))} of the simulated runs "
            f"did convene by then; {share(c.same)} did not either."
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
        *_wrap(
            f"How does that compare? {n} simulated runs of the same scenario and seed {seed}, "
            f"with {name} left to the model:"
        ),
    ]
    for sentence in sentences:
        lines.extend(_wrap(sentence, "  ", "  "))
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
