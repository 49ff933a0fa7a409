"""A person playing one actor: the loop that answers the engine's decisions.

A :class:`PlaySession` is the chooser :func:`sim.engine.simulate` calls at each
of the played actor's decision times with a :class:`~sim.engine.Decision`. At
a turn (:mod:`sim.cli.play.turns`) it shows the turn's screen
(:class:`~sim.cli.play.screens.Screens`) and reads answers until one decides;
between turns the player's last choice stands. Input and output are injected
streams, so a whole session can be driven from a test or replayed from a
:class:`~sim.cli.play.recording.Recording`.

Answers at a turn: an option's number (``0`` passes), an option's move id,
``pass``; ``m`` for the model's choice (it then stands until the next turn),
``a`` to let the model play the rest of the game, ``q`` to pass at every
remaining decision; ``h``, ``o`` and ``?`` show the history, the odds and
effects, and the help, and Enter alone the turn's screen again. Anything else
is refused with a one-line note and asked again, at most :data:`MAX_TRIES`
times, after which the turn passes. End of input means passing at every
remaining decision. What is available and what the model would choose come
from the ``Decision``; nothing here decides for the model.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TextIO

from sim._version import __version__
from sim.cli.play.answers import MAX_ANSWER, AnswerReader, Ended
from sim.cli.play.options import Option, find_actor, options_of
from sim.cli.play.recording import PASS_CHOICE, Choice, Recording
from sim.cli.play.screens import Screens, Turn, View
from sim.cli.play.text import capitalized, shorten, wrap
from sim.cli.play.turns import By, Schedule
from sim.engine import Decision, RunResult, TraceRecord, compile_scenario, simulate
from sim.model.choice import PASS
from sim.scenario.schema import Scenario

__all__ = ["MAX_TRIES", "MAX_VIEWS", "PlaySession"]

#: Invalid answers accepted at one turn before the turn passes (input never hangs).
MAX_TRIES = 20
#: Views asked for at one turn (h, o, ?, Enter) before the turn passes.
MAX_VIEWS = 200

_QUIT = ("q", "quit")
_PASS_WORDS = ("p", "pass")
_MODEL = ("m", "model")
_AUTO = ("a", "auto")
_VIEWS = {"": View.MAIN, "h": View.HISTORY, "o": View.ODDS, "?": View.HELP, "help": View.HELP}
_REPLAY_KEYS = ["Keys: Enter the next turn · h what happened · o odds · ? help · q to the end"]


class PlaySession:
    """A person (or a test, or a recording) playing one actor.

    Call :meth:`play` to run the scenario once with this session deciding for
    the actor. The session is the run's chooser: at each turn it shows a
    screen and reads answers.

    Parameters
    ----------
    scenario
        The scenario.
    actor
        The played actor's id.
    input, output
        Where answers are read from (one per line) and screens written to.
    replay
        A recording to take the choices and the turns from instead of
        ``input`` (checked with :meth:`Recording.check` first).
    turns
        Turns in the game (:mod:`sim.cli.play.turns`); ``None``: the player
        takes every decision. A replay takes the recording's.
    echo
        Write each answer after its prompt, so that a transcript of piped
        input reads like a terminal session.
    pause
        Wait for Enter after the introduction (a person at a terminal).
    step
        With ``replay``: wait for Enter after each replayed turn (a person at
        a terminal), reading ``input``.
    max_tries
        Invalid answers accepted at one turn before the turn passes.

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
        turns: int | None = None,
        echo: bool = False,
        pause: bool = False,
        step: bool = False,
        max_tries: int = MAX_TRIES,
    ) -> None:
        self.scenario = scenario
        self.actor = find_actor(scenario, actor)
        self.options = options_of(scenario, self.actor)
        self.screens = Screens(scenario, self.actor, self.options)
        self.choices: list[Choice] = []
        if replay is not None:
            replay.check(scenario, self.actor)
            turns = replay.turns
        self.turns = turns
        self._reader = AnswerReader(input)
        self._output = output
        self._replay = replay.by_decision() if replay is not None else None
        self._echo = echo
        self._pause = pause
        self._step = step and replay is not None
        self._skip = False  # "q" while stepping through a replay: no more screens
        self._max_tries = max_tries
        self._schedule: Schedule | None = None  # set at the first decision, from its model
        self._taken = 0  # turns taken
        self._done = False  # end of input, or "q": pass from now on
        self._auto = False  # "a": the model plays the actor from now on
        self._standing: Option | None = None  # the choice that stands between turns
        self._standing_model = False  # "m": the model chooses between turns
        self._since: list[TraceRecord] = []
        self._last_readiness: float | None = None
        self._notes: list[str] = []  # shown on the next screen
        self._by_key = {o.move_id.lower(): o for o in self.options}
        self._by_id = {o.move_id: o for o in self.options}
        self._by_move = {o.move: o for o in self.options}

    @property
    def short(self) -> str:
        """The played actor's name as sentences use it."""
        return self.screens.short

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
        model = compile_scenario(self.scenario)
        self._write(self.screens.intro(seed, self.turns, pause=self._pause))
        if self._pause:
            self._wait()
        result = simulate(model, seed, run, trace=True, players={self.actor: self})
        if self._notes:
            self._write("\n".join(self._notes) + "\n")
            self._notes = []
        return result

    def __call__(self, decision: Decision) -> int:
        """Choose the actor's move at ``decision``: the index of a move, or ``PASS``."""
        self._since.extend(decision.recent)
        if self._replay is not None:
            return self._replayed(decision)
        if self._done:
            return self._chosen(decision, None, By.REST)
        if self._auto:
            return self._chosen(decision, self._model_option(decision), By.AUTO)
        if not any(decision.available[o.move] for o in self.options):
            return self._chosen(decision, None, By.NONE)
        if not self._schedule_of(decision).is_turn(decision.time, self._taken):
            if self._standing_model:
                return self._chosen(decision, self._model_option(decision), By.AUTO)
            standing = self._standing
            if standing is not None and not decision.available[standing.move]:
                standing = None
            return self._chosen(decision, standing, By.STANDS)
        turn = self._begin_turn(decision)
        option, by = self._ask(decision, turn)
        return self._chosen(decision, option, by)

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
            turns=self.turns,
        )

    # -- a turn -------------------------------------------------------------------------

    def _begin_turn(self, decision: Decision) -> Turn:
        """Count the turn and gather what its screens show."""
        self._taken += 1
        schedule = self._schedule_of(decision)
        next_day = schedule.next_day(self._taken)
        if next_day is not None and schedule.due(self._taken) <= decision.time:
            next_day = -1  # a turn held back by the actor's tempo: the next decision is one
        turn = Turn(self._taken, next_day, tuple(self._since), self._last_readiness)
        self._since = []
        self._last_readiness = decision.state.readiness
        return turn

    def _ask(self, decision: Decision, turn: Turn) -> tuple[Option | None, By]:
        """Show the turn's screens and read answers until one decides."""
        screens = self.screens
        top = len(self.options)
        view, page = View.MAIN, 0
        notes, self._notes = self._notes, []
        tries = views = 0
        while tries < self._max_tries and views < MAX_VIEWS:
            self._write(
                screens.view(view, decision, turn, notes=notes, page=page, prompt=screens.prompt())
            )
            notes = []
            answer = self._reader.read()
            if isinstance(answer, Ended):
                self._done = True
                self._write("\n" + "\n".join(wrap(self._ended(answer))) + "\n")
                return None, By.REST
            if self._echo:
                self._write(shorten(answer.text, 40) + "\n")
            if answer.too_long:
                notes = [f"That answer is over {MAX_ANSWER} characters long: refused."]
                tries += 1
                continue
            key = answer.text.strip().lower()
            if key in _VIEWS:
                page = page + 1 if view is View.HISTORY and _VIEWS[key] is View.HISTORY else 0
                view = _VIEWS[key]
                views += 1
                continue
            if key in _QUIT:
                self._done = True
                self._notes.append(
                    f"{capitalized(self.short)} will pass at every remaining decision."
                )
                return None, By.YOU
            if key in _PASS_WORDS:
                return self._stand(None), By.YOU
            if key in _MODEL or key in _AUTO:
                option = self._model_option(decision)
                chosen = f"{option.number} ({option.move_id})" if option else "0 (pass)"
                if key in _AUTO:
                    self._auto = True
                    self._notes.append(
                        f"The model chose {chosen}, and plays {self.short} from now on, as in "
                        "the simulated runs."
                    )
                else:
                    self._standing, self._standing_model = None, True
                    self._notes.append(f"Last turn the model chose {chosen} for you.")
                return option, By.MODEL
            option = self._by_key.get(key)
            # isascii: "²".isdigit() is true but int("²") fails; len: int() refuses huge strings.
            if key.isascii() and key.isdigit() and len(key) < 6 and int(key) <= top:
                number = int(key)
                if number == 0:
                    return self._stand(None), By.YOU
                option = self.options[number - 1]
            if option is not None:
                if decision.available[option.move]:
                    return self._stand(option), By.YOU
                notes = [f"Option {option.number} is not available now: choose another."]
                view = View.MAIN
                tries += 1
                continue
            shown = shorten(answer.text.strip(), 20)
            refusal = f"'{shown}' is not an option: type" if shown else "Type"
            notes = [f"{refusal} a number from 0 to {top}, or a key (? for help)."]
            view = View.MAIN
            tries += 1
        self._notes.append(f"No valid choice after {tries} tries: that turn was a pass.")
        return self._stand(None), By.YOU

    def _stand(self, option: Option | None) -> Option | None:
        """The player's choice, which stands until the next turn."""
        self._standing, self._standing_model = option, False
        return option

    def _ended(self, why: Ended) -> str:
        rest = f"{self.short} will pass at every remaining decision."
        if why is Ended.EOF:
            return f"End of input: {rest}"
        if why is Ended.NOT_TEXT:
            return f"The input is not text: {rest}"
        return f"The input has no line ends (a line over {MAX_ANSWER} characters): {rest}"

    # -- a replay -----------------------------------------------------------------------

    def _replayed(self, decision: Decision) -> int:
        """The recorded choice; at a recorded turn, its screen (and a wait, when stepping)."""
        assert self._replay is not None
        recorded = self._replay.get(decision.decision)
        by = recorded.by if recorded is not None else By.REST
        option = self._by_id.get(recorded.move) if recorded is not None else None
        if by.turn:
            turn = self._begin_turn(decision)
            said = f"{option.number} ({option.move_id})" if option else "0 (pass)"
            whose = " by the model" if by is By.MODEL else ""
            line = f"The recorded choice: {said}{', made' + whose if whose else ''}."
            if self._skip:
                pass
            elif not self._step:
                prompt = f"Your choice: {said} (replayed{'; the model' if whose else ''})"
                self._write(
                    self.screens.view(View.MAIN, decision, turn, prompt=prompt, keys=[]) + "\n"
                )
            else:
                self._browse(decision, turn, line)
        return self._chosen(decision, option, by)

    def _browse(self, decision: Decision, turn: Turn, line: str) -> None:
        """Show a replayed turn and wait for Enter; h, o and ? show its other views."""
        view, page = View.MAIN, 0
        for _ in range(MAX_VIEWS):
            self._write(
                self.screens.view(
                    view, decision, turn, notes=[line], page=page, prompt="> ", keys=_REPLAY_KEYS
                )
            )
            answer = self._reader.read()
            if isinstance(answer, Ended):
                self._step = False
                self._write("\n")
                return
            key = answer.text.strip().lower()
            if key == "":
                return
            if key in _QUIT:
                self._step, self._skip = False, True
                self._write("Skipping to the end of the game.\n")
                return
            if key in _VIEWS:
                page = page + 1 if view is View.HISTORY and _VIEWS[key] is View.HISTORY else 0
                view = _VIEWS[key]

    # -- bookkeeping --------------------------------------------------------------------

    def _schedule_of(self, decision: Decision) -> Schedule:
        """The turns' schedule, from the run's model (known at the first decision)."""
        if self._schedule is None:
            model = decision.model
            self._schedule = Schedule(self.turns, model.origin_time, model.horizon_end)
        return self._schedule

    def _chosen(self, decision: Decision, option: Option | None, by: By) -> int:
        self.choices.append(
            Choice(decision.decision, decision.time, option.move_id if option else PASS_CHOICE, by)
        )
        return option.move if option else PASS

    def _model_option(self, decision: Decision) -> Option | None:
        """What the simulated actor would choose now, with its own draw (``None``: pass)."""
        return self._by_move.get(decision.model_choice) if decision.model_choice >= 0 else None

    def _wait(self) -> None:
        """Wait for Enter (or the end of the input)."""
        answer = self._reader.read()
        if isinstance(answer, Ended):
            self._write("\n")

    def _write(self, text: str) -> None:
        self._output.write(text)
        self._output.flush()
