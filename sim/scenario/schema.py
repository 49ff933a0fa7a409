"""A scenario as frozen data: what the loader returns and the engine runs.

The field names follow the TOML file (see ``docs/SCENARIOS.md``); times are
dates in the file and days since :attr:`Scenario.start` here.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping
from dataclasses import MISSING, dataclass, field
from typing import Any

from sim.model.actions import ActionKind
from sim.model.declare import (
    calendar_date,
    flag,
    identifier,
    integer,
    number,
    reference,
    span,
    table,
    text,
)
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


@dataclass(frozen=True, slots=True, kw_only=True)
class GateSpec:
    """An open question that must be resolved before the conference can be announced."""

    id: str
    label: str = text(doc="how reports name it", default_text="the id with _ as spaces")
    resolved: bool = flag(
        False, "settled from day 0 (a counterfactual can settle a question in advance)"
    )
    contention: float = number(
        0.0,
        "how contested it is: an attempt to settle it succeeds with probability "
        "settle_probability x readiness x (1 - contention)",
        low=0.0,
        high=1.0,
        high_open=True,
        what="a contention",
    )
    note: str = text("", "where the number comes from")


@dataclass(frozen=True, slots=True, kw_only=True)
class Move:
    """One entry of an actor's repertoire: a kind of action with its weight and effects.

    Attributes
    ----------
    id
        The entry's key in the file (``actors.ACTOR.actions.ID``).
    kind
        The kind of action.
    effect
        The effect sizes (the scenario's defaults for the kind, overridden by the entry).
    """

    id: str
    kind: ActionKind = reference(
        "kind of action",
        "what the move is",
        default_text="the move's id, if it is a kind's name; otherwise required",
    )
    weight: float = number(
        1.0,
        "base weight in the actor's choice; 0 disables the move",
        unit="weight",
        low=0.0,
        what="a weight",
    )
    other: str | None = reference(
        "actor",
        "who the move is with or against (the two words are synonyms; give one, not both); "
        "required or refused by kind",
        key="partner or target",
    )
    gate: str | None = reference(
        "gate", "the question the move acts on; required for gate kinds, refused otherwise"
    )
    effect: Effect
    note: str = text("", "where the numbers come from")


@dataclass(frozen=True, slots=True, kw_only=True)
class ReactionRule:
    """An actor's reaction to what another actor does.

    When an action of a kind in :attr:`on`, by an actor in :attr:`by` (any
    other actor when empty), reaches this actor after a delay drawn uniformly
    from ``delay_days``, it answers with :attr:`respond` with chance
    :attr:`probability`.
    """

    id: str
    on: tuple[ActionKind, ...] = reference(
        "kind of action", "the kinds of action it answers", many=True, default=MISSING
    )
    by: tuple[str, ...] = reference(
        "actor",
        "whose actions it answers (actors other than itself)",
        many=True,
        default=(),
        default_text="every other actor",
    )
    respond: ActionKind = reference("kind of action", "its answer", default=MISSING)
    other: str | None = reference(
        "actor",
        'who the answer is aimed at; "provoker": the actor whose action provoked it',
        key="partner or target",
        default_text='"provoker" for kinds that need one; none otherwise',
    )
    gate: str | None = reference("gate", "the question the answer acts on; required for gate kinds")
    probability: float = number(
        doc="chance it answers each provocation; 0 disables the rule",
        unit="probability",
        low=0.0,
        high=1.0,
        what="a probability",
    )
    delay_days: tuple[float, float] = span(
        (1.0, 1.0), "days until the answer, drawn uniformly between min and max"
    )
    effect: Effect
    note: str = text("", "where the numbers come from")

    @property
    def delay_min_days(self) -> float:
        """The shortest delay, in days."""
        return self.delay_days[0]

    @property
    def delay_max_days(self) -> float:
        """The longest delay, in days."""
        return self.delay_days[1]


@dataclass(frozen=True, slots=True, kw_only=True)
class ActorSpec:
    """An actor: who it is, its tempo, its stance, what it can do and how it reacts."""

    id: str
    name: str = text(
        doc='how reports name it ("the United States")', default_text="the id with _ as spaces"
    )
    plural: bool = flag(
        False, 'the name takes a plural verb in the narrative ("the Gulf monarchies ship arms")'
    )
    side: int = integer(
        0,
        "the side of the war it backs; the sign of its effect on the balance",
        low=-1,
        high=1,
        what="a side (-1, 0 or 1)",
    )
    stance: float = number(
        0.0,
        "initial stance toward convening: -1 hostile ... +1 committed",
        unit="level",
        low=-1.0,
        high=1.0,
        low_open=True,
        high_open=True,
        what="a stance",
    )
    tempo_days: float = number(
        doc="mean time between its decisions (exponentially distributed)",
        unit="days",
        low=0.0,
        low_open=True,
        what="a number of days",
    )
    pass_weight: float = number(
        0.0, "weight of letting a turn pass without acting", unit="weight", low=0.0, what="a weight"
    )
    moves: tuple[Move, ...]
    reactions: tuple[ReactionRule, ...]
    note: str = text("", "where the numbers come from")


@dataclass(frozen=True, slots=True, kw_only=True)
class DatedEvent:
    """An event from the record, replayed on its date.

    Attributes
    ----------
    day
        Days since the scenario start.
    """

    id: str
    date: dt.date = calendar_date(doc="when it happened (from start to horizon)")
    day: int
    actor: str = reference("actor", "who acted", default=MISSING)
    kind: ActionKind = reference("kind of action", "what it was", default=MISSING)
    other: str | None = reference(
        "actor", "with or against whom (by kind)", key="partner or target"
    )
    gate: str | None = reference("gate", "the question it acted on (by kind)")
    effect: Effect
    certain: bool = flag(
        True,
        "for an agreement: it settles the gate for sure (a fact); false makes it an attempt "
        "with the usual chance, drawn from a random stream of the event's own",
    )
    provokes_reactions: bool = flag(
        True,
        "whether reaction rules may answer it; false when the answer is itself a dated event, "
        "so it is not counted twice",
    )
    note: str = text("", "the record's wording; shown in negsim trace")
    record: bool = flag(
        True,
        "true: it happened (the historical record); false: added by this scenario (a "
        "counterfactual's invention); negsim trace marks it [record] or [scenario]",
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class Deadline:
    """A date by which the conference may or may not be convened.

    Attributes
    ----------
    day
        Days since the scenario start. Convened "by" the deadline means
        convened on or before this day.
    """

    id: str
    label: str = text(doc="how reports name it", default_text="the id with _ as spaces")
    date: dt.date = calendar_date(
        doc='"convened by" this date means on or before it (from start to horizon)'
    )
    day: int
    focal: bool = flag(
        False, "a focal date (a summit, a declared target) that concentrates effort beforehand"
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class RapportSpec:
    """The initial rapport of one pair of actors."""

    id: str
    between: tuple[str, str] = reference(
        "actor",
        "the pair: two different actors, each pair at most once",
        many=True,
        default=MISSING,
    )
    value: float = number(
        doc="their rapport on day 0 (other pairs start at initial.rapport)",
        unit="level",
        low=0.0,
        high=1.0,
        low_open=True,
        high_open=True,
        what="a rapport",
    )
    note: str = text("", "where the number comes from")


@dataclass(frozen=True, slots=True, kw_only=True)
class InitialState:
    """The state at the scenario start (besides gates, stances and rapport pairs)."""

    readiness: float = number(
        doc="readiness to convene on day 0",
        unit="level",
        low=0.0,
        high=1.0,
        low_open=True,
        high_open=True,
        what="a readiness",
    )
    violence: float = number(
        0.5,
        "level of violence (or pressure) on day 0",
        unit="level",
        low=0.0,
        high=1.0,
        low_open=True,
        high_open=True,
        what="a level of violence",
    )
    balance: float = number(
        0.0,
        "military balance on day 0: -1 the side -1 actors prevail, +1 the side 1 actors",
        unit="level",
        low=-1.0,
        high=1.0,
        low_open=True,
        high_open=True,
        what="a balance",
    )
    rapport: float = number(
        0.5,
        "rapport of every pair of actors not listed under [rapport]",
        unit="level",
        low=0.0,
        high=1.0,
        low_open=True,
        high_open=True,
        what="a rapport",
    )


@dataclass(frozen=True, slots=True, kw_only=True)
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

    name: str = identifier(
        doc="short name in tables, file names and JSON output; not inherited through extends",
        default_text="the file name without .toml (if it is a valid id, else scenario)",
    )
    title: str = text(doc="heading in reports; not inherited", default_text="the name")
    description: str = text("", "what the scenario asks, for a teacher; not inherited")
    outcome: str = text(
        "the conference convenes",
        'what "convene" means here (e.g. "the agreement is concluded")',
    )
    source: str
    start: dt.date = calendar_date(doc="day 0")
    horizon: dt.date = calendar_date(
        doc="the last day simulated (after start); runs not convened by then are censored"
    )
    initial: InitialState = table(InitialState, "the state on day 0", required=True, factory=False)
    convening: ConveningRule = table(
        ConveningRule,
        "when the outcome is announced, postponed, reached",
        required=True,
        factory=False,
    )
    convener: str | None = reference(
        "actor", "who announces (used only in the narrative)", key="convening.convener"
    )
    gates: tuple[GateSpec, ...]
    actors: tuple[ActorSpec, ...]
    rapport: tuple[RapportSpec, ...]
    events: tuple[DatedEvent, ...]
    deadlines: tuple[Deadline, ...]
    mechanisms: Mechanisms = table(Mechanisms, "the switchable mechanisms")
    world: World = table(World, "the world's own dynamics", factory=False)
    choice: ChoiceRule = table(ChoiceRule, "how stance shapes choice")
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
