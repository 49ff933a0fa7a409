"""When the player decides: the turns of a game, and who made each of the actor's choices.

A simulated actor decides at its own tempo (Russia in the Geneva-2 game about
every four days, more often near a focal date): 15 to 35 decisions in the
class exercise, too many for a ten-minute game. So the player gets *turns*:
with ``--turns N`` a turn falls due every ``(end - origin) / N`` days of the
game (from the forecast origin, when the actors start deciding, to the end of
the horizon), and the player decides at the actor's first decision time at or
after it. A turn missed because the actor was not deciding (a long wait, a
recess) is taken at the next decision, so a game that runs to its horizon
gives the player about N turns whatever the actor's tempo.

At the actor's decision times between two turns the player's last choice
*stands*: the actor does again what the player chose (meets again, presses
again), or lets the turn pass if that option is no longer open. The actor
thus decides as often as the model's own actor would, at the same times, and
the comparison with the simulated runs stays fair. A decision at which no
option is open at all is a pass, and takes no turn.

Nothing here draws a random number: the engine consumes the actor's keyed
draws at every decision whoever makes it (see :func:`sim.engine.simulate`),
so the other actors' luck does not depend on the turns.
"""

from __future__ import annotations

import argparse
import math
from dataclasses import dataclass
from enum import StrEnum

__all__ = [
    "ALL",
    "DEFAULT_TURNS",
    "MAX_SEED",
    "MAX_TURNS",
    "By",
    "Schedule",
    "parse_seed",
    "parse_turns",
]

#: Turns in a game by default: about ten minutes at 30-40 seconds a screen.
DEFAULT_TURNS = 15
#: The most turns ``--turns`` accepts.
MAX_TURNS = 10_000
#: The largest seed a game takes (a seed is shown on the screens: it must fit on a line).
MAX_SEED = 2**64 - 1
#: ``--turns all``: the player takes every one of the actor's decisions.
ALL = None


class By(StrEnum):
    """Who made one of the played actor's choices (recorded with it)."""

    YOU = "you"
    """At a turn, the player's own choice."""
    MODEL = "model"
    """At a turn, the player let the model choose (``m``, or ``a`` at its first turn)."""
    AUTO = "auto"
    """Not a turn: the model chose (after ``a``, or between turns after ``m``)."""
    STANDS = "stands"
    """Between turns: the player's last choice, again (a pass if it is no longer open)."""
    REST = "rest"
    """A pass after ``q`` or the end of the input."""
    NONE = "none"
    """A pass: no option was open."""

    @property
    def turn(self) -> bool:
        """Whether the player saw a screen for this choice."""
        return self in (By.YOU, By.MODEL)


@dataclass(frozen=True, slots=True)
class Schedule:
    """When the player's turns fall due.

    Attributes
    ----------
    turns
        Turns in the game, or ``None`` for every decision.
    origin, end
        When the actors start deciding and when the game ends (days since
        the scenario start).
    """

    turns: int | None
    origin: float
    end: float

    @property
    def every(self) -> float:
        """Days between turns (0 when every decision is a turn)."""
        if self.turns is None:
            return 0.0
        return (self.end - self.origin) / self.turns

    def due(self, taken: int) -> float:
        """When the turn after ``taken`` turns falls due (days)."""
        return self.origin + taken * self.every

    def is_turn(self, time: float, taken: int) -> bool:
        """Whether a decision at ``time`` is a turn, after ``taken`` turns."""
        return self.turns is None or time >= self.due(taken)

    def next_day(self, taken: int) -> int | None:
        """The first day the next turn can fall on, after ``taken`` turns (``None``: any)."""
        if self.turns is None:
            return None
        return math.floor(self.due(taken))


def parse_turns(text: str) -> int | None:
    """An argument type: ``all`` or a whole number of turns from 1 to :data:`MAX_TURNS`."""
    if text.strip().lower() == "all":
        return ALL
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a whole number of turns or 'all', got '{text[:40]}'"
        ) from None
    if not 1 <= value <= MAX_TURNS:
        raise argparse.ArgumentTypeError(f"must be from 1 to {MAX_TURNS}, got {value}")
    return value


def parse_seed(text: str) -> int:
    """An argument type: a seed from 0 to :data:`MAX_SEED`."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got '{text[:40]}'") from None
    if not 0 <= value <= MAX_SEED:
        raise argparse.ArgumentTypeError(f"must be from 0 to 2**64 - 1, got {str(value)[:40]}")
    return value
