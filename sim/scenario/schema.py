"""A scenario as frozen data: what the loader returns and the engine runs.

The field names follow the TOML file (see ``docs/SCENARIOS.md``); times are
dates in the file and days since :attr:`Scenario.start` here.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sim.model.actions import ActionKind
from sim.model.params import ChoiceRule, ConveningRule, Effect, Mechanisms, World

__all__ = [
    "ActorSpec",
    "DatedEvent",
    "Deadline",
    "GateSpec",
    "InitialState",
    "Move",
    "RapportSpec",
    "ReactionRule",
    "Scenario",
]


@dataclass(frozen=True, slots=True)
class GateSpec:
    """An open question that must be resolved before the conference can be announced."""

    id: str
    label: str
    resolved: bool
    contention: float
    note: str = ""


@dataclass(frozen=True, slots=True)
class Move:
    """One entry of an actor's repertoire: a kind of action with its weight and effects.

    Attributes
    ----------
    id
        The entry's key in the file (``actors.ACTOR.actions.ID``).
    kind
        The kind of action.
    weight
        Base weight in the actor's choice (non-negative; 0 disables the move).
    other
        The partner or target actor's id, or ``None``.
    gate
        The gate's id, or ``None``.
    effect
        The effect sizes (the scenario's defaults for the kind, overridden by the entry).
    note
        Where the numbers come from.
    """

    id: str
    kind: ActionKind
    weight: float
    other: str | None
    gate: str | None
    effect: Effect
    note: str = ""


@dataclass(frozen=True, slots=True)
class ReactionRule:
    """An actor's reaction to what another actor does.

    When an action of a kind in :attr:`on`, by an actor in :attr:`by` (any
    other actor when empty), reaches this actor after a delay drawn uniformly
    from ``delay_min_days .. delay_max_days``, it answers with :attr:`respond`
    with chance :attr:`probability`.

    Attributes
    ----------
    other
        The target of the response: an actor id, ``"provoker"`` for the actor
        whose action provoked it, or ``None``.
    """

    id: str
    on: tuple[ActionKind, ...]
    by: tuple[str, ...]
    respond: ActionKind
    other: str | None
    gate: str | None
    probability: float
    delay_min_days: float
    delay_max_days: float
    effect: Effect
    note: str = ""


@dataclass(frozen=True, slots=True)
class ActorSpec:
    """An actor: who it is, its tempo, its stance, what it can do and how it reacts.

    Attributes
    ----------
    side
        -1, 0 or +1: the side of the war it backs (the balance's sign convention).
    stance
        Initial stance toward convening, in (-1, 1).
    tempo_days
        Mean time between its decisions, in days (exponentially distributed).
    pass_weight
        Weight of letting a turn pass without acting.
    plural
        Whether :attr:`name` takes a plural verb ("the Gulf monarchies ship arms").
    """

    id: str
    name: str
    side: int
    stance: float
    tempo_days: float
    pass_weight: float
    moves: tuple[Move, ...]
    reactions: tuple[ReactionRule, ...]
    note: str = ""
    plural: bool = False


@dataclass(frozen=True, slots=True)
class DatedEvent:
    """An event from the record, replayed on its date.

    Attributes
    ----------
    day
        Days since the scenario start.
    certain
        For an agreement on a gate: it settles the gate for sure.
    provokes_reactions
        Whether other actors' reaction rules may answer it (false when the
        record already holds the answer as an event of its own).
    record
        Whether it happened (an event from the historical record) rather than
        being added by a counterfactual; the narrative marks it either way.
    """

    id: str
    date: dt.date
    day: int
    actor: str
    kind: ActionKind
    other: str | None
    gate: str | None
    effect: Effect
    certain: bool
    provokes_reactions: bool
    note: str = ""
    record: bool = True


@dataclass(frozen=True, slots=True)
class Deadline:
    """A date by which the conference may or may not be convened.

    Attributes
    ----------
    day
        Days since the scenario start. Convened "by" the deadline means
        convened on or before this day.
    focal
        Whether it is a focal date that concentrates effort.
    """

    id: str
    label: str
    date: dt.date
    day: int
    focal: bool


@dataclass(frozen=True, slots=True)
class RapportSpec:
    """The initial rapport of one pair of actors."""

    id: str
    between: tuple[str, str]
    value: float
    note: str = ""


@dataclass(frozen=True, slots=True)
class InitialState:
    """The state at the scenario start (besides gates, stances and rapport pairs).

    Attributes
    ----------
    readiness
        In (0, 1).
    violence
        In (0, 1).
    balance
        In (-1, 1).
    rapport
        Rapport of every pair not listed under ``[rapport]``, in (0, 1).
    """

    readiness: float
    violence: float
    balance: float
    rapport: float


@dataclass(frozen=True, slots=True)
class Scenario:
    """A validated scenario.

    Attributes
    ----------
    name
        Short identifier (the file name without ``.toml`` unless set).
    source
        The file it was loaded from.
    resolved
        The fully resolved scenario (after ``extends``, ``remove`` and
        overrides) as canonical JSON: what :attr:`sha256` hashes.
    document, origins
        The resolved document as parsed, and which file set each key: what
        :func:`~sim.scenario.with_overrides` derives a changed scenario from.
        Treat them as read-only.
    convener
        The actor that announces the date (for the narrative), or ``None``.
    """

    name: str
    title: str
    description: str
    outcome: str
    source: str
    start: dt.date
    horizon: dt.date
    initial: InitialState
    convening: ConveningRule
    convener: str | None
    gates: tuple[GateSpec, ...]
    actors: tuple[ActorSpec, ...]
    rapport: tuple[RapportSpec, ...]
    events: tuple[DatedEvent, ...]
    deadlines: tuple[Deadline, ...]
    mechanisms: Mechanisms
    world: World
    choice: ChoiceRule
    resolved: str
    document: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False, repr=False)
    origins: Mapping[tuple[str, ...], str] = field(
        default_factory=dict, compare=False, hash=False, repr=False
    )

    @property
    def horizon_day(self) -> int:
        """The last day simulated, in days since the start."""
        return (self.horizon - self.start).days

    @property
    def sha256(self) -> str:
        """SHA-256 of the resolved scenario: two scenarios with equal hashes run identically."""
        return hashlib.sha256(self.resolved.encode()).hexdigest()

    def day_of(self, date: dt.date) -> int:
        """Days from the start to ``date``."""
        return (date - self.start).days

    def date_of(self, day: float) -> dt.date:
        """The calendar date of a time in days since the start."""
        return self.start + dt.timedelta(days=int(day // 1))

    def actor(self, actor_id: str) -> ActorSpec:
        """The actor with id ``actor_id``.

        Raises
        ------
        KeyError
            If there is no such actor.
        """
        for a in self.actors:
            if a.id == actor_id:
                return a
        raise KeyError(actor_id)
