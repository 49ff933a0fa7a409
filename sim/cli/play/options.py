"""What a player of an actor may choose: the actor's moves, numbered as the screens show them."""

from __future__ import annotations

from dataclasses import dataclass

from sim.errors import one_line
from sim.scenario.schema import Scenario

__all__ = ["Option", "find_actor", "options_of"]


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

    A move with weight 0 in every regime of the actor is left out: a scenario
    (often a counterfactual) sets a weight to 0 to take the move away, and a
    player must not get it back. A move that only some regimes use is offered,
    and is not available while another regime holds (see
    :attr:`sim.engine.Decision.available`).
    """
    spec = scenario.actor(actor)
    in_regimes = {move for r in spec.regimes for move, w in r.weights if w > 0.0}
    usable = [(i, m.id) for i, m in enumerate(spec.moves) if m.weight > 0.0 or m.id in in_regimes]
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
    shown = one_line(text if len(text) <= 40 else text[:37] + "...")
    raise KeyError(f"no actor '{shown}' in scenario {scenario.name} (actors: {known})")
