"""A person playing one actor: the loop that answers the engine's decisions.

A :class:`PlaySession` is the chooser :func:`sim.engine.simulate` calls at each
of the played actor's decision times with a :class:`~sim.engine.Decision`. It
writes the decision's screen (:class:`~sim.cli.play.screens.Screens`), then
reads one line. Input and output are injected streams, so a whole session can
be driven from a test or replayed from a :class:`~sim.cli.play.recording.Recording`.

Answers: an option's number (``0`` passes), an option's move id, ``pass``;
``m`` for the model's choice this turn, ``a`` to let the model play the rest
of the game, ``q`` to pass at every remaining decision. Anything else is
refused with a one-line message and asked again, at most :data:`MAX_TRIES`
times, after which the turn passes. End of input means passing at every
remaining decision. What is available and what the model would choose come
from the ``Decision``; nothing here decides for the model.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TextIO

from sim._version import __version__
from sim.cli.play.options import Option, find_actor, options_of
from sim.cli.play.recording import PASS_CHOICE, Choice, Recording
from sim.cli.play.screens import Screens, capitalized
from sim.engine import Decision, RunResult, compile_scenario, simulate
from sim.model.choice import PASS
from sim.scenario.schema import Scenario

__all__ = ["MAX_TRIES", "PlaySession"]

#: Invalid answers accepted at one decision before the turn passes (input never hangs).
MAX_TRIES = 20

_QUIT = ("q", "quit")
_PASS_WORDS = ("p", "pass")
_MODEL = ("m", "model")
_AUTO = ("a", "auto")


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
        self.options = options_of(scenario, self.actor)
        self.screens = Screens(scenario, self.actor, self.options)
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
        self._write(self.screens.intro(seed))
        return simulate(
            compile_scenario(self.scenario), seed, run, trace=True, players={self.actor: self}
        )

    def __call__(self, decision: Decision) -> int:
        """Choose the actor's move at ``decision``: the index of a move, or ``PASS``."""
        if self._done:
            return self._chosen(decision, None)
        if self._auto:
            return self._chosen(decision, self._model_option(decision))
        self._write(self.screens.screen(decision))
        if self._replay is not None:
            move_id = self._replay.get(decision.decision, PASS_CHOICE)
            option = self._by_id.get(move_id)
            self._write(f"Your choice: {option.number if option else 0} (replayed: {move_id})\n")
            return self._chosen(decision, option)
        return self._chosen(decision, self._ask(decision))

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
        short = self.screens.short
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
                    f"\nThe input is not text: {short} will pass at every remaining decision.\n"
                )
                return None
            if not line:
                self._done = True
                self._write(f"\nEnd of input: {short} will pass at every remaining decision.\n")
                return None
            answer = line.strip()
            if self._echo:
                self._write(answer + "\n")
            key = answer.lower()
            if key in _QUIT:
                self._done = True
                self._write(f"{capitalized(short)} will pass at every remaining decision.\n")
                return None
            if key in _PASS_WORDS:
                return None
            if key in _MODEL or key in _AUTO:
                option = self._model_option(decision)
                chosen = f"{option.number} ({option.move_id})" if option else "0 (pass)"
                self._write(f"The model chooses {chosen}.\n")
                if key in _AUTO:
                    self._auto = True
                    self._write(f"The model plays {short} from now on, as in the simulated runs.\n")
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
