"""The recording of a played session: a JSON file that replays it exactly.

A :class:`Recording` holds the scenario's hash, the seed, the played actor and
one :class:`Choice` per decision; :func:`write_recording` writes it atomically
and :func:`read_recording` reads it back, refusing with one line naming the
file and the key anything that is not a well-formed recording.
:meth:`Recording.check` refuses a recording that does not fit the scenario and
actor it is replayed on.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeGuard

from sim.cli.play.options import options_of
from sim.errors import InputError
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
