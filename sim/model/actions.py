"""The kinds of action, each declared once, and :func:`apply`.

Each kind of action is one entry of the registry :data:`KINDS`: how an
actor's stance weighs on choosing it, whether it needs a partner or a target
and whether that actor is a partner in a joint act, whether it acts on a
gate, which effect sizes it reads, what it does to the state (a pure
function of :mod:`sim.model.effects`), its chance of succeeding if it is an
attempt, and its words for the narrative and the play screens (templates of
:mod:`sim.model.words`). Adding a kind is adding its name to
:class:`ActionKind` and its entry here (and, if it does something new, its
function in :mod:`sim.model.effects`); the loader, the engine, the narrative
and ``negsim play`` read the entry.

How much an action does (its :class:`~sim.model.params.Effect`) is scenario
data. The one entry point is :func:`apply`, which returns a new state and
never changes the old one, so property tests can drive it without SimPy.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from sim.model import effects
from sim.model.params import Effect, Rapport
from sim.model.state import State
from sim.model.words import parse

__all__ = [
    "KINDS",
    "Action",
    "ActionContext",
    "ActionKind",
    "ChanceFunction",
    "EffectFunction",
    "Kind",
    "Words",
    "apply",
    "effect_function",
    "success_chance",
]


class ActionKind(StrEnum):
    """The kinds of action an actor can take."""

    MEETING = "meeting"
    JOINT_PROPOSAL = "joint_proposal"
    TARGET_DATE = "target_date"
    UN_RESOLUTION = "un_resolution"
    EMBARGO_LIFT = "embargo_lift"
    ARMS_SHIPMENT = "arms_shipment"
    SEAT_DEMAND = "seat_demand"
    PRECONDITION = "precondition"
    DELEGATION_AGREEMENT = "delegation_agreement"
    MILITARY_OFFENSIVE = "military_offensive"
    BLAME_STATEMENT = "blame_statement"


Other = Literal["required", "optional", "none"]


@dataclass(frozen=True, slots=True)
class Action:
    """One action, ready to apply.

    Attributes
    ----------
    kind
        What kind of action it is.
    actor
        Index of the acting actor.
    effect
        The sizes of its effects.
    other
        Index of the partner or target actor, or -1.
    gate
        Index of the gate it acts on, or -1.
    certain
        For an attempt (an agreement on a gate): it succeeds for sure (a fact
        from the record rather than an attempt).
    label
        The name of the repertoire entry, reaction or dated event it came from.
    """

    kind: ActionKind
    actor: int
    effect: Effect
    other: int = -1
    gate: int = -1
    certain: bool = False
    label: str = ""


@dataclass(frozen=True, slots=True)
class ActionContext:
    """What the effect functions need to know besides the state and the action.

    Attributes
    ----------
    sides
        Per actor, -1, 0 or +1: the side of the war it backs.
    rapport
        The rapport mechanism (amplification of meetings).
    """

    sides: tuple[int, ...]
    rapport: Rapport

    @property
    def n_actors(self) -> int:
        """How many actors there are."""
        return len(self.sides)


EffectFunction = Callable[[State, Action, ActionContext, float, float], tuple[State, int]]
"""``f(state, action, context, now, u) -> (new state, gate settled or -1)``."""

ChanceFunction = Callable[[State, Action], float]
"""``chance(state, action)``: the probability that an attempt succeeds."""


@dataclass(frozen=True, slots=True)
class Words:
    """How an action of a kind is said (templates of :mod:`sim.model.words`).

    Attributes
    ----------
    done
        The narrative's sentence: ``"{actor} {ships|ship} arms[, to the alarm of {other}]"``.
    title
        The option on a play screen, in the imperative: ``"Ship arms[ (to {other})]"``.
    failed
        For an attempt that failed (kinds with a chance only).
    """

    done: str
    title: str
    failed: str = ""

    def __post_init__(self) -> None:
        for template in (self.done, self.title, self.failed):
            parse(template)  # a bad template fails at import, not in a story


@dataclass(frozen=True, slots=True)
class Kind:
    """What the model knows about a kind of action: its one registry entry.

    Attributes
    ----------
    polarity
        +1 constructive, -1 spoiler, 0 neutral: how the actor's stance weighs
        on choosing it (see :class:`~sim.model.params.ChoiceRule`).
    other
        Whether it needs a partner or target actor.
    joint
        The other actor is a partner in a joint act (a meeting), not a
        target (a resolution that blames it).
    gate
        Whether it acts on a gate.
    effects
        The :class:`~sim.model.params.Effect` fields it uses; a scenario may
        set only these.
    summary
        One line for documentation and ``negsim validate``.
    apply
        What it does to the state.
    chance
        For an attempt, its chance of success; ``None`` for a kind that
        simply happens.
    words
        How it is said.
    """

    polarity: int
    other: Other
    joint: bool
    gate: bool
    effects: frozenset[str]
    summary: str
    apply: EffectFunction
    chance: ChanceFunction | None
    words: Words

    @property
    def role(self) -> str:
        """What the other actor is called: ``partner`` in a joint act, else ``target``."""
        return "partner" if self.joint else "target"


def _kind(
    polarity: int,
    other: Other,
    gate: bool,
    effects_used: str,
    summary: str,
    apply: EffectFunction,
    words: Words,
    *,
    joint: bool = False,
    chance: ChanceFunction | None = None,
) -> Kind:
    return Kind(
        polarity, other, joint, gate, frozenset(effects_used.split()), summary, apply, chance, words
    )


#: Every kind of action, declared once.
KINDS: Mapping[ActionKind, Kind] = {
    ActionKind.MEETING: _kind(
        +1,
        "required",
        False,
        "readiness rapport stance_self stance_other",
        "two negotiators meet; rapport between them amplifies the readiness effect",
        effects.meeting,
        Words("{actor} and {other} meet", "Meet {other}"),
        joint=True,
    ),
    ActionKind.JOINT_PROPOSAL: _kind(
        +1,
        "required",
        False,
        "readiness rapport stance_self stance_other",
        "two actors put forward a joint proposal",
        effects.joint_proposal,
        Words(
            "{actor} and {other} put forward a joint proposal",
            "Put forward a joint proposal with {other}",
        ),
        joint=True,
    ),
    ActionKind.TARGET_DATE: _kind(
        +1,
        "none",
        False,
        "readiness target_days",
        "an actor names a target date, which becomes a focal date",
        effects.target_date,
        Words("{actor} {names|name} a target date", "Name a target date for the conference"),
    ),
    ActionKind.UN_RESOLUTION: _kind(
        -1,
        "required",
        False,
        "readiness stance_self stance_other rapport",
        "a UN resolution that blames the target",
        effects.statement,
        Words(
            "{actor} {carries|carry} a UN resolution that blames {other}",
            "Carry a UN resolution that blames {other}",
        ),
    ),
    ActionKind.EMBARGO_LIFT: _kind(
        -1,
        "optional",
        False,
        "readiness balance stance_self stance_other",
        "an arms embargo is lifted, shifting the military balance toward the actor's side",
        effects.military,
        Words(
            "{actor} {lifts|lift} an arms embargo[, over the objections of {other}]",
            "Lift an arms embargo[ (over {other}'s objections)]",
        ),
    ),
    ActionKind.ARMS_SHIPMENT: _kind(
        -1,
        "optional",
        False,
        "readiness balance violence stance_self stance_other",
        "arms are shipped, shifting the military balance toward the actor's side",
        effects.military,
        Words("{actor} {ships|ship} arms[, to the alarm of {other}]", "Ship arms[ (to {other})]"),
    ),
    ActionKind.SEAT_DEMAND: _kind(
        -1,
        "none",
        True,
        "readiness contention stance_self",
        "an actor demands a seat for someone, making the gate more contested",
        effects.demand,
        Words(
            "{actor} {demands|demand} a seat at the table ({gate})",
            "Demand a seat at the table: {gate}",
        ),
    ),
    ActionKind.PRECONDITION: _kind(
        -1,
        "none",
        True,
        "readiness contention stance_self",
        "an actor sets a condition for attending, making the gate more contested",
        effects.demand,
        Words(
            "{actor} {sets|set} conditions for attending ({gate})",
            "Set conditions for attending: {gate}",
        ),
    ),
    ActionKind.DELEGATION_AGREEMENT: _kind(
        +1,
        "none",
        True,
        "readiness settle_probability contention stance_self",
        "an attempt to settle a gate; succeeds with probability "
        "settle_probability x readiness x (1 - contention)",
        effects.agreement,
        Words(
            "{actor} {settles|settle} {gate}",
            "Try to settle: {gate}",
            failed="{actor} {tries|try} to settle {gate}, without success",
        ),
        chance=effects.agreement_chance,
    ),
    ActionKind.MILITARY_OFFENSIVE: _kind(
        -1,
        "none",
        False,
        "readiness balance violence",
        "a military offensive, shifting the balance toward the actor's side and raising violence",
        effects.military,
        Words("{actor} {launches|launch} a military offensive", "Launch a military offensive"),
    ),
    ActionKind.BLAME_STATEMENT: _kind(
        -1,
        "required",
        False,
        "readiness stance_self stance_other rapport",
        "an actor publicly blames the target",
        effects.statement,
        Words("{actor} publicly {blames|blame} {other}", "Blame {other} in public"),
    ),
}

assert set(KINDS) == set(ActionKind), "every kind needs its registry entry"


def effect_function(kind: ActionKind) -> EffectFunction:
    """The pure function that applies actions of ``kind`` (what :func:`apply` dispatches to)."""
    return KINDS[kind].apply


def apply(
    state: State, action: Action, context: ActionContext, now: float, u: float
) -> tuple[State, int]:
    """Apply ``action`` to ``state``.

    Parameters
    ----------
    state
        The state before the action.
    action
        The action.
    context
        Actor sides and the rapport mechanism.
    now
        The time of the action, in days since the scenario start.
    u
        A uniform draw in [0, 1) for the action's chance outcome (only an
        attempt has one: it succeeds when ``u < success_chance(state, action)``).

    Returns
    -------
    tuple[State, int]
        The new state, and the index of the gate the action resolved (-1 if none).
    """
    return KINDS[action.kind].apply(state, action, context, now, u)


def success_chance(state: State, action: Action) -> float:
    """The chance that ``action`` succeeds if taken in ``state``, in [0, 1].

    Only an attempt can fail (a kind with a chance in :data:`KINDS`), and
    only when it is not ``certain``; every other action simply happens.
    :func:`apply` draws against exactly this.
    """
    chance = KINDS[action.kind].chance
    if chance is None or action.certain:
        return 1.0
    return chance(state, action)
