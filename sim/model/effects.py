"""What each kind of action does to the state: pure functions ``(state, action, ...) -> state``.

Every function here has the signature :data:`EffectFunction` and returns the
new state and the index of the gate the action settled (-1 if none); none
changes the state it is given. Which kind uses which function, and which of
an :class:`~sim.model.params.Effect`'s fields it reads, is said once, in the
registry :data:`sim.model.actions.KINDS`.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from sim.model.state import State, logistic, pair_index, saturate

if TYPE_CHECKING:
    from sim.model.actions import Action, ActionContext

# Building the state with tuple.__new__ skips NamedTuple's Python-level
# __new__: a third faster, and this runs for every action of every run.
_new = tuple.__new__

__all__ = [
    "agreement",
    "agreement_chance",
    "demand",
    "joint_proposal",
    "meeting",
    "military",
    "statement",
    "target_date",
]


def agreement_chance(state: State, action: Action) -> float:
    """The chance an attempt to settle a gate succeeds: ``p * readiness * (1 - contention)``.

    ``p`` is the effect's ``settle_probability``; an attempt on a gate
    already settled has no chance (it changes nothing).
    """
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


def meeting(
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


def joint_proposal(
    state: State, action: Action, context: ActionContext, now: float, u: float
) -> tuple[State, int]:
    """Joint proposal: readiness, both stances and the pair's rapport move as given."""
    return statement(state, action, context, now, u)


def target_date(
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


def statement(
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


def military(
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


def demand(
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


def agreement(
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
    if action.certain or u < agreement_chance(state, action):
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
