"""Typed actions and their effects, as pure functions on the state.

Each kind of action is code: what it does to the state is fixed here. How
much it does (its :class:`~sim.model.params.Effect`) is scenario data. The one
entry point is :func:`apply`, which returns a new state and never changes the
old one, so property tests can drive it without SimPy.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from sim.model.params import Effect, Rapport
from sim.model.state import State, logistic, pair_index, saturate

# Building the state with tuple.__new__ skips NamedTuple's Python-level
# __new__: a third faster, and this runs for every action of every run.
_new = tuple.__new__

__all__ = [
    "KINDS",
    "Action",
    "ActionContext",
    "ActionKind",
    "EffectFunction",
    "KindInfo",
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
class KindInfo:
    """What the model knows about a kind of action.

    Attributes
    ----------
    polarity
        +1 constructive, -1 spoiler, 0 neutral: how the actor's stance weighs
        on choosing it (see :class:`~sim.model.params.ChoiceRule`).
    other
        Whether it needs a partner or target actor.
    gate
        Whether it acts on a gate.
    effects
        The :class:`~sim.model.params.Effect` fields it uses; a scenario may
        set only these.
    summary
        One line for documentation and ``negsim validate``.
    """

    polarity: int
    other: Other
    gate: bool
    effects: frozenset[str]
    summary: str


def _info(polarity: int, other: Other, gate: bool, effects: str, summary: str) -> KindInfo:
    return KindInfo(polarity, other, gate, frozenset(effects.split()), summary)


#: What each kind of action does. The effect functions below implement exactly this.
KINDS: Mapping[ActionKind, KindInfo] = {
    ActionKind.MEETING: _info(
        +1,
        "required",
        False,
        "readiness rapport stance_self stance_other",
        "two negotiators meet; rapport between them amplifies the readiness effect",
    ),
    ActionKind.JOINT_PROPOSAL: _info(
        +1,
        "required",
        False,
        "readiness rapport stance_self stance_other",
        "two actors put forward a joint proposal",
    ),
    ActionKind.TARGET_DATE: _info(
        +1,
        "none",
        False,
        "readiness target_days",
        "an actor names a target date, which becomes a focal date",
    ),
    ActionKind.UN_RESOLUTION: _info(
        -1,
        "required",
        False,
        "readiness stance_self stance_other rapport",
        "a UN resolution that blames the target",
    ),
    ActionKind.EMBARGO_LIFT: _info(
        -1,
        "optional",
        False,
        "readiness balance stance_self stance_other",
        "an arms embargo is lifted, shifting the military balance toward the actor's side",
    ),
    ActionKind.ARMS_SHIPMENT: _info(
        -1,
        "optional",
        False,
        "readiness balance violence stance_self stance_other",
        "arms are shipped, shifting the military balance toward the actor's side",
    ),
    ActionKind.SEAT_DEMAND: _info(
        -1,
        "none",
        True,
        "readiness contention stance_self",
        "an actor demands a seat for someone, making the gate more contested",
    ),
    ActionKind.PRECONDITION: _info(
        -1,
        "none",
        True,
        "readiness contention stance_self",
        "an actor sets a condition for attending, making the gate more contested",
    ),
    ActionKind.DELEGATION_AGREEMENT: _info(
        +1,
        "none",
        True,
        "readiness settle_probability contention stance_self",
        "an attempt to settle a gate; succeeds with probability "
        "settle_probability x readiness x (1 - contention)",
    ),
    ActionKind.MILITARY_OFFENSIVE: _info(
        -1,
        "none",
        False,
        "readiness balance violence",
        "a military offensive, shifting the balance toward the actor's side and raising violence",
    ),
    ActionKind.BLAME_STATEMENT: _info(
        -1,
        "required",
        False,
        "readiness stance_self stance_other rapport",
        "an actor publicly blames the target",
    ),
}


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
        For an agreement on a gate: it succeeds for sure (a fact from the
        record rather than an attempt).
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


def effect_function(kind: ActionKind) -> EffectFunction:
    """The pure function that applies actions of ``kind`` (what :func:`apply` dispatches to).

    The engine looks it up once per move rather than once per action.
    """
    return _EFFECTS[kind]


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
        agreement on a gate has one).

    Returns
    -------
    tuple[State, int]
        The new state, and the index of the gate the action resolved (-1 if none).
    """
    return _EFFECTS[action.kind](state, action, context, now, u)


def success_chance(state: State, action: Action) -> float:
    """The chance that ``action`` succeeds if taken in ``state``, in [0, 1].

    Only an attempt can fail: an agreement on an open gate succeeds with
    probability ``settle_probability * readiness * (1 - contention)`` (1 when
    it is ``certain``); on a settled gate it changes nothing, and every other
    kind of action simply happens. :func:`apply` draws against exactly this.
    """
    if action.kind is not ActionKind.DELEGATION_AGREEMENT or action.certain:
        return 1.0
    if state.resolved >> action.gate & 1:
        return 0.0
    openness = math.exp(state.contention_latent[action.gate])  # 1 - contention, never 0
    return action.effect.settle_probability * logistic(state.readiness_logit) * openness


def _stances(stance: tuple[float, ...], action: Action) -> tuple[float, ...]:
    """Stances after the action's ``stance_self`` and ``stance_other`` shifts."""
    e = action.effect
    other = action.other
    if not e.stance_self and not (e.stance_other and other >= 0):
        return stance
    s = list(stance)
    s[action.actor] += e.stance_self
    if other >= 0:
        s[other] += e.stance_other
    return tuple(s)


def _rapport(rapport: tuple[float, ...], n: int, action: Action) -> tuple[float, ...]:
    """Rapport after the action's shift of the actor–other pair's rapport."""
    d = action.effect.rapport
    if not d or action.other < 0:
        return rapport
    r = list(rapport)
    r[pair_index(action.actor, action.other, n)] += d
    return tuple(r)


def _meeting(
    state: State, action: Action, context: ActionContext, now: float, u: float
) -> tuple[State, int]:
    """Meeting: readiness rises, amplified by the rapport of the two who meet.

    The amplification factor is ``1 + amplification * rapport`` with the
    pair's rapport *before* the meeting; the meeting then moves the rapport by
    ``effect.rapport`` and both stances by theirs.
    """
    readiness = action.effect.readiness
    rapport = state.rapport_latent
    n = len(state.stance_latent)
    if context.rapport.enabled:
        k = pair_index(action.actor, action.other, n)
        readiness *= 1.0 + context.rapport.amplification * logistic(rapport[k])
    return _new(
        State,
        (
            state.readiness_logit + readiness,
            state.violence_logit,
            state.balance_latent,
            state.resolved,
            state.contention_latent,
            _stances(state.stance_latent, action),
            _rapport(rapport, n, action),
            state.target_day,
            state.phase,
            state.convene_day,
        ),
    ), -1


def _proposal(
    state: State, action: Action, context: ActionContext, now: float, u: float
) -> tuple[State, int]:
    """Joint proposal: readiness, both stances and the pair's rapport move as given."""
    return _statement(state, action, context, now, u)


def _target_date(
    state: State, action: Action, context: ActionContext, now: float, u: float
) -> tuple[State, int]:
    """Target date: readiness moves and a new focal date is set ``target_days`` ahead."""
    e = action.effect
    x, violence, balance, resolved, contention, stance, rapport, _, phase, day = state
    return _new(
        State,
        (
            x + e.readiness,
            violence,
            balance,
            resolved,
            contention,
            stance,
            rapport,
            now + e.target_days,
            phase,
            day,
        ),
    ), -1


def _statement(
    state: State, action: Action, context: ActionContext, now: float, u: float
) -> tuple[State, int]:
    """UN resolution or blame statement: readiness, stances and rapport move as given."""
    return _new(
        State,
        (
            state.readiness_logit + action.effect.readiness,
            state.violence_logit,
            state.balance_latent,
            state.resolved,
            state.contention_latent,
            _stances(state.stance_latent, action),
            _rapport(state.rapport_latent, len(state.stance_latent), action),
            state.target_day,
            state.phase,
            state.convene_day,
        ),
    ), -1


def _military(
    state: State, action: Action, context: ActionContext, now: float, u: float
) -> tuple[State, int]:
    """Embargo lift, arms shipment or offensive: the balance tips toward the actor's side.

    The balance moves by ``effect.balance`` times the actor's side (-1, 0 or
    +1); violence, readiness and stances move as given.
    """
    e = action.effect
    return _new(
        State,
        (
            state.readiness_logit + e.readiness,
            state.violence_logit + e.violence,
            state.balance_latent + e.balance * context.sides[action.actor],
            state.resolved,
            state.contention_latent,
            _stances(state.stance_latent, action),
            state.rapport_latent,
            state.target_day,
            state.phase,
            state.convene_day,
        ),
    ), -1


def _contend(latent: tuple[float, ...], gate: int, delta: float) -> tuple[float, ...]:
    """Gates' contention after ``delta`` on ``gate`` (see :func:`~sim.model.state.saturate`)."""
    if not delta:
        return latent
    c = list(latent)
    c[gate] = saturate(c[gate], delta)
    return tuple(c)


def _demand(
    state: State, action: Action, context: ActionContext, now: float, u: float
) -> tuple[State, int]:
    """Seat demand or precondition: the gate becomes more contested (saturating in [0, 1))."""
    e = action.effect
    return _new(
        State,
        (
            state.readiness_logit + e.readiness,
            state.violence_logit,
            state.balance_latent,
            state.resolved,
            _contend(state.contention_latent, action.gate, e.contention),
            _stances(state.stance_latent, action),
            state.rapport_latent,
            state.target_day,
            state.phase,
            state.convene_day,
        ),
    ), -1


def _agreement(
    state: State, action: Action, context: ActionContext, now: float, u: float
) -> tuple[State, int]:
    """Agreement on a gate: settles it with a chance, or for sure when ``certain``.

    An attempt succeeds when ``u < settle_probability * readiness * (1 -
    contention)``. Success resolves the gate and applies the readiness effect;
    failure applies the contention effect instead (a failed attempt can leave
    the gate more, or less, contested). The stance effect applies either way.
    Agreeing on a gate already resolved changes nothing but the stance.
    """
    e = action.effect
    gate = action.gate
    x, violence, balance, resolved, contention, _, rapport, target, phase, day = state
    stance = _stances(state.stance_latent, action)
    if resolved >> gate & 1:
        return _new(
            State, (x, violence, balance, resolved, contention, stance, rapport, target, phase, day)
        ), -1
    if action.certain or u < success_chance(state, action):
        return _new(
            State,
            (
                x + e.readiness,
                violence,
                balance,
                resolved | 1 << gate,
                contention,
                stance,
                rapport,
                target,
                phase,
                day,
            ),
        ), gate
    return _new(
        State,
        (
            x,
            violence,
            balance,
            resolved,
            _contend(contention, gate, e.contention),
            stance,
            rapport,
            target,
            phase,
            day,
        ),
    ), -1


_EFFECTS: Mapping[ActionKind, EffectFunction] = {
    ActionKind.MEETING: _meeting,
    ActionKind.JOINT_PROPOSAL: _proposal,
    ActionKind.TARGET_DATE: _target_date,
    ActionKind.UN_RESOLUTION: _statement,
    ActionKind.BLAME_STATEMENT: _statement,
    ActionKind.EMBARGO_LIFT: _military,
    ActionKind.ARMS_SHIPMENT: _military,
    ActionKind.MILITARY_OFFENSIVE: _military,
    ActionKind.SEAT_DEMAND: _demand,
    ActionKind.PRECONDITION: _demand,
    ActionKind.DELEGATION_AGREEMENT: _agreement,
}

assert set(_EFFECTS) == set(ActionKind) == set(KINDS), "every kind needs an effect and its info"
