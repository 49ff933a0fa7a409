"""The recording of a played session: a JSON file that replays it exactly.

A :class:`Recording` holds the scenario's hash, the seed, the played actor,
the turns and one :class:`Choice` per decision, with who made it
(:class:`~sim.cli.play.turns.By`); :func:`write_recording` writes it
atomically and :func:`read_recording` reads it back, refusing with one line
naming the file and the key anything that is not a well-formed recording: a
file that is not a regular file (a pipe, a device), one over
:data:`MAX_RECORDING_BYTES`, a value of the wrong type or out of range.
:meth:`Recording.check` refuses a recording that does not fit the scenario and
actor it is replayed on.

A recording made before turns existed has neither ``turns`` nor ``by``: it
replays with every decision a turn, each the player's own.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeGuard

from sim.cli.play.options import options_of
from sim.cli.play.turns import MAX_SEED, MAX_TURNS, By
from sim.errors import InputError, one_line
from sim.files import JsonFileError, atomic_write_json, read_json_file
from sim.scenario.schema import Scenario

__all__ = [
    "MAX_RECORDING_BYTES",
    "PASS_CHOICE",
    "RECORDING_FORMAT",
    "Choice",
    "Recording",
    "RecordingError",
    "read_recording",
    "write_recording",
]

#: How a pass is written in a recording.
PASS_CHOICE = "pass"
#: The ``format`` tag of a recording file.
RECORDING_FORMAT = "negsim-play-recording"
#: Largest recording file read, in bytes (a guard against reading the wrong file).
MAX_RECORDING_BYTES = 4 * 1024 * 1024
#: Largest decision number a recording may hold.
MAX_DECISION = 1_000_000


class RecordingError(InputError):
    """A recording file cannot be read, or does not fit the scenario and actor it is replayed on."""


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
    by
        Who made it: the player at a turn, the model, the player's choice
        standing between turns, ...
    """

    decision: int
    time: float
    move: str
    by: By = By.YOU


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
    turns
        The turns it was played with (``None``: every decision a turn).
    """

    version: str
    scenario: str
    scenario_sha256: str
    seed: int
    actor: str
    choices: tuple[Choice, ...]
    convened_day: int | None = None
    overrides: tuple[str, ...] = ()
    turns: int | None = None

    def by_decision(self) -> dict[int, Choice]:
        """The choices keyed by decision number."""
        return {c.decision: c for c in self.choices}

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
            "turns": "all" if self.turns is None else self.turns,
            "choices": [
                {
                    "decision": c.decision,
                    "date": scenario.date_of(c.time).isoformat(),
                    "choice": c.move,
                    "by": c.by.value,
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
        if not _is_int(seed) or not 0 <= seed <= MAX_SEED:
            raise RecordingError(
                f"'seed' must be a whole number from 0 to 2**64 - 1, got {_shown(seed)}"
            )
        strings = {}
        for key in ("negsim_version", "scenario", "scenario_sha256", "actor"):
            value = obj.get(key)
            if not isinstance(value, str) or not value:
                raise RecordingError(f"'{key}' must be a non-empty string, got {_shown(value)}")
            strings[key] = value
        overrides = obj.get("overrides", [])
        if not isinstance(overrides, list) or not all(isinstance(o, str) for o in overrides):
            raise RecordingError("'overrides' must be a list of strings")
        turns = obj.get("turns", "all")
        if turns != "all" and (not _is_int(turns) or not 1 <= turns <= MAX_TURNS):
            raise RecordingError(
                f"'turns' must be \"all\" or a whole number from 1 to {MAX_TURNS}, "
                f"got {_shown(turns)}"
            )
        raw = obj.get("choices")
        if not isinstance(raw, list):
            raise RecordingError(f"'choices' must be a list, got {type(raw).__name__}")
        choices = []
        seen: set[int] = set()
        known = {b.value: b for b in By}
        for k, entry in enumerate(raw):
            if not isinstance(entry, dict):
                raise RecordingError(f"choice {k}: expected an object, got {_shown(entry)}")
            number = entry.get("decision")
            move = entry.get("choice")
            by = entry.get("by", By.YOU.value)
            if not _is_int(number) or not 0 <= number <= MAX_DECISION or number in seen:
                raise RecordingError(
                    f"choice {k}: 'decision' must be a new whole number from 0 to "
                    f"{MAX_DECISION}, got {_shown(number)}"
                )
            if not isinstance(move, str) or not move:
                raise RecordingError(f"choice {k}: 'choice' must be a move id or \"pass\"")
            if not isinstance(by, str) or by not in known:
                raise RecordingError(
                    f"choice {k}: 'by' must be one of {', '.join(known)}, got {_shown(by)}"
                )
            seen.add(number)
            choices.append(Choice(number, math.nan, move, known[by]))
        outcome = obj.get("outcome")
        day = outcome.get("convened_day") if isinstance(outcome, dict) else None
        return cls(
            version=strings["negsim_version"],
            scenario=strings["scenario"],
            scenario_sha256=strings["scenario_sha256"],
            seed=seed,
            actor=strings["actor"],
            choices=tuple(choices),
            convened_day=day if _is_int(day) and 0 <= day <= MAX_DECISION else None,
            overrides=tuple(overrides),
            turns=None if turns == "all" else turns,
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
            settings = _clip(
                "--set " + " --set ".join(self.overrides) if self.overrides else "no --set options",
                200,
            )
            which = (
                f"a different version of scenario {scenario.name}"
                if self.scenario == scenario.name
                else f"scenario {_clip(self.scenario)}, not {scenario.name}"
            )
            raise RecordingError(
                f"recorded on {which} (sha256 {_clip(self.scenario_sha256[:12])}, here "
                f"{scenario.sha256[:12]}); it was recorded with {settings}"
            )
        if self.actor != actor:
            raise RecordingError(
                f"recorded playing {_clip(self.actor)}, not {actor} (leave --as out to replay it)"
            )
        allowed = {o.move_id for o in options_of(scenario, actor)} | {PASS_CHOICE}
        for c in self.choices:
            if c.move not in allowed:
                raise RecordingError(
                    f"decision {c.decision}: {_shown(c.move)} is not one of {actor}'s options "
                    f"({', '.join(sorted(allowed))})"
                )


def _is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _shown(value: object, limit: int = 40) -> str:
    """A value from the file as a message quotes it (``repr``): on one line, and short."""
    if _is_int(value) and value.bit_length() > 128:
        return "a huge number"
    return _clip(repr(value), limit)


def _clip(text: str, limit: int = 40) -> str:
    """Text from the file as a message quotes it: on one line, and short."""
    text = one_line(text)
    return text if len(text) <= limit else text[: limit - 3] + "..."


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
