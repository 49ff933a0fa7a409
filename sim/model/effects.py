"""What each kind of action does to the state: pure functions ``(state, action, ...) -> state``.

Every function here has the signature
:data:`~sim.model.actions.EffectFunction` and returns the new state and the
mask of the gates the action settled (0 if none); none changes the state it
is given. Which kind uses which function, and which of an
:class:`~sim.model.params.Effect`'s fields it reads, is said once, in the
registry :data:`sim.model.actions.KINDS`.

No function costs more with more actors in the scenario: stances are
shifted one by one with the running sum of the mean stance kept up to date,
and rapport is looked up by slot.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from sim.model.state import (
    ACTIVE,
    BALANCE,
    CONTENTION,
    DEADLINE_DAYS,
    ENDED,
    INFLUENCE_TOTAL,
    NO_DAY,
    NOT_ENDED,
    PENDING_DAY,
    PENDING_OPEN,
    RAPPORT,
    READINESS,
    REGIME,
    RESOLVED,
    STAGE,
    STANCE,
    STANCE_SUM,
    TARGET_DAY,
    VIOLENCE,
    VIOLENCE_MEAN,
    State,
    logistic,
    saturate,
)

if TYPE_CHECKING:
    from sim.model.actions import Action, ActionContext

_new = tuple.__new__

__all__ = [
    "agreement",
    "agreement_chance",
    "announce_date",
    "ceasefire",
    "change",
    "demand",
    "election",
    "extend_deadline",
    "form_coalition",
    "join",
    "joint_proposal",
    "leave",
    "meeting",
    "military",
    "postpone_date",
    "reach_stage",
    "reopen",
    "statement",
    "target_date",
    "vote",
    "vote_chance",
    "walk_out",
]


# -- helpers ---------------------------------------------------------------------------


def _shift(s: list[object], state: State, context: ActionContext, actor: int, delta: float) -> None:
    """Shift one actor's stance in the state under construction, keeping the mean's sum."""
    if not delta:
        return
    stances = s[STANCE]
    if stances is state.stance_latent:
        stances = s[STANCE] = list(state.stance_latent)
    assert isinstance(stances, list)
    old = stances[actor]
    new = old + delta
    stances[actor] = new
    if state.active >> actor & 1:
        weight = context.influence[actor][state.regime[actor]]
        s[STANCE_SUM] = s[STANCE_SUM] + weight * (math.tanh(new) - math.tanh(old))  # type: ignore[operator]


def _stances(s: list[object], state: State, action: Action, context: ActionContext) -> None:
    """Apply the action's ``stance_self`` and ``stance_other`` shifts."""
    e = action.effect
    _shift(s, state, context, action.actor, e.stance_self)
    if e.stance_other:
        for other in action.others:
            _shift(s, state, context, other, e.stance_other)


def _finish(s: list[object]) -> State:
    stances = s[STANCE]
    if isinstance(stances, list):
        s[STANCE] = tuple(stances)
    return _new(State, s)


def _rapport(s: list[object], state: State, action: Action, context: ActionContext) -> None:
    """Shift the rapport between the actor and each other party by ``effect.rapport``."""
    d = action.effect.rapport
    if not d or not action.others:
        return
    r = list(state.rapport_latent)
    for other in action.others:
        slot = context.slot(action.actor, other)
        if slot >= 0:
            r[slot] += d
    s[RAPPORT] = tuple(r)


def _contend(latent: tuple[float, ...], gates: int, delta: float) -> tuple[float, ...]:
    """Gates' contention after ``delta`` on each gate of the mask (see :func:`saturate`)."""
    if not delta or not gates:
        return latent
    c = list(latent)
    g = 0
    while gates >> g:
        if gates >> g & 1:
            c[g] = saturate(c[g], delta)
        g += 1
    return tuple(c)


def _openness(state: State, gates: int) -> float:
    """The product of ``1 - contention`` over the open gates of the mask (never 0)."""
    latent = 0.0
    g = 0
    open_gates = gates & ~state.resolved
    while open_gates >> g:
        if open_gates >> g & 1:
            latent += state.contention_latent[g]
        g += 1
    return math.exp(latent)


def _requires_met(state: State, action: Action, context: ActionContext) -> bool:
    """Whether every gate the action's gates require is settled (or settled with them).

    A context without ``requires`` (the default) has no gate requiring another.
    """
    needed = 0
    gates = action.gates
    requires = context.requires
    g = 0
    while gates >> g and g < len(requires):
        if gates >> g & 1:
            needed |= requires[g]
        g += 1
    return (state.resolved | gates) & needed == needed


# -- acts between actors ------------------------------------------------------------------


def meeting(
    state: State, action: Action, context: ActionContext, now: float, u: float
) -> tuple[State, int]:
    """Meeting: readiness rises, amplified by rapport; rapport and stances move.

    With the rapport mechanism on, the readiness effect is multiplied by
    ``1 + amplification * rapport``, the mean rapport of the actor with its
    partners (one, or several for a trilateral) *before* the meeting; the
    meeting then moves each pair's rapport by ``effect.rapport`` and the
    stances by theirs.
    """
    readiness = action.effect.readiness
    if context.rapport.enabled and action.others:
        total = 0.0
        for other in action.others:
            total += logistic(context.rapport_logit(state, action.actor, other))
        readiness *= 1.0 + context.rapport.amplification * total / len(action.others)
    return _joint(state, action, context, readiness)


def joint_proposal(
    state: State, action: Action, context: ActionContext, now: float, u: float
) -> tuple[State, int]:
    """Joint proposal: readiness, the stances and each pair's rapport move as given."""
    return _joint(state, action, context, action.effect.readiness)


def _joint(
    state: State, action: Action, context: ActionContext, readiness: float
) -> tuple[State, int]:
    s: list[object] = list(state)
    s[READINESS] = state.readiness_logit + readiness
    _stances(s, state, action, context)
    _rapport(s, state, action, context)
    return _finish(s), 0


def statement(
    state: State, action: Action, context: ActionContext, now: float, u: float
) -> tuple[State, int]:
    """A resolution or a statement: readiness, stances and rapport move as given."""
    s: list[object] = list(state)
    s[READINESS] = state.readiness_logit + action.effect.readiness
    _stances(s, state, action, context)
    _rapport(s, state, action, context)
    return _finish(s), 0


def target_date(
    state: State, action: Action, context: ActionContext, now: float, u: float
) -> tuple[State, int]:
    """Target date: readiness moves and a new focal date is set ``target_days`` ahead.

    The date is at most the context's last day (the calendar's end).
    """
    s: list[object] = list(state)
    s[READINESS] = state.readiness_logit + action.effect.readiness
    s[TARGET_DAY] = min(now + action.effect.target_days, float(context.last_day))
    return _new(State, s), 0


def military(
    state: State, action: Action, context: ActionContext, now: float, u: float
) -> tuple[State, int]:
    """Embargo lift, arms shipment or offensive: the balance tips toward the actor's side.

    The balance moves by ``effect.balance`` times the actor's side (-1, 0 or
    +1); violence, readiness and stances move as given. In a scenario without
    a war there is no balance nor violence to move (the loader refuses these
    kinds there).
    """
    e = action.effect
    s: list[object] = list(state)
    s[READINESS] = state.readiness_logit + e.readiness
    s[VIOLENCE] = state.violence_logit + e.violence
    s[BALANCE] = state.balance_latent + e.balance * context.sides[action.actor]
    _stances(s, state, action, context)
    return _finish(s), 0


def ceasefire(
    state: State, action: Action, context: ActionContext, now: float, u: float
) -> tuple[State, int]:
    """A ceasefire: violence falls now and the level it returns to falls with it, and stays.

    ``effect.violence`` shifts violence now; ``effect.violence_mean`` shifts
    the long-run level the war's random steps pull it toward (both log-odds,
    usually negative).
    """
    e = action.effect
    s: list[object] = list(state)
    s[READINESS] = state.readiness_logit + e.readiness
    s[VIOLENCE] = state.violence_logit + e.violence
    s[VIOLENCE_MEAN] = state.violence_mean_logit + e.violence_mean
    _stances(s, state, action, context)
    return _finish(s), 0


# -- gates ------------------------------------------------------------------------------------


def demand(
    state: State, action: Action, context: ActionContext, now: float, u: float
) -> tuple[State, int]:
    """Seat demand or precondition: the gate becomes more contested (saturating in [0, 1))."""
    e = action.effect
    s: list[object] = list(state)
    s[READINESS] = state.readiness_logit + e.readiness
    s[CONTENTION] = _contend(state.contention_latent, action.gates, e.contention)
    _stances(s, state, action, context)
    return _finish(s), 0


def agreement_chance(state: State, action: Action, context: ActionContext) -> float:
    """The chance an attempt to settle its gates succeeds.

    ``settle_probability * readiness * prod(1 - contention)`` over the gates
    of the attempt still open (one gate, or several for a package deal); 0
    when a gate it needs (``requires``) is still open, or when all its gates
    are settled already (it would change nothing).
    """
    gates = action.gates
    if state.resolved & gates == gates or not _requires_met(state, action, context):
        return 0.0
    return (
        action.effect.settle_probability * logistic(state.readiness_logit) * _openness(state, gates)
    )


def agreement(
    state: State, action: Action, context: ActionContext, now: float, u: float
) -> tuple[State, int]:
    """Agreement on a gate (or a package of gates): settles them with a chance, or for sure.

    Success (``u`` below :func:`agreement_chance`, or a ``certain`` fact)
    settles every gate of the attempt and applies the readiness effect;
    failure (or a recorded failure) applies the contention effect to each of
    its open gates instead, and ``fail_readiness``. The stance effect applies
    either way. An attempt whose gates are all settled changes nothing but the
    stance.
    """
    e = action.effect
    gates = action.gates
    s: list[object] = list(state)
    _stances(s, state, action, context)
    if state.resolved & gates == gates:
        return _finish(s), 0
    if action.certain or (not action.fails and u < agreement_chance(state, action, context)):
        s[READINESS] = state.readiness_logit + e.readiness
        s[RESOLVED] = state.resolved | gates
        s[PENDING_OPEN] = state.pending_open & ~gates  # settled now: reopening it counts
        return _finish(s), gates & ~state.resolved
    s[READINESS] = state.readiness_logit + e.fail_readiness
    s[CONTENTION] = _contend(state.contention_latent, gates & ~state.resolved, e.contention)
    return _finish(s), 0


def vote_chance(state: State, action: Action, context: ActionContext) -> float:
    """The chance a vote passes: ``logistic(sharpness * (support - threshold))``.

    ``support`` is the expected share of the body's weight in favour: each
    active member weighs its share and is in favour with probability
    ``(1 + stance) / 2``; seats held by no actor of the scenario count at
    their own stance (``others_stance``). A vote whose gates need another
    gate still open (``requires``) cannot pass; one whose gates are all
    settled is moot (0).
    """
    rule = action.vote
    gates = action.gates
    if rule is None or (
        gates and (state.resolved & gates == gates or not _requires_met(state, action, context))
    ):
        return 0.0
    shares = rule.weights
    others = rule.others_weight
    if rule.regime_weights:  # seats that change with the members' regimes
        regimes = state.regime
        shares = tuple(
            by_regime[regimes[m]]
            for m, by_regime in zip(rule.members, rule.regime_weights, strict=True)
        )
        others = max(rule.size - math.fsum(shares), 0.0) if rule.size > 0.0 else 0.0
    favour = others * (1.0 + rule.others_stance) / 2.0
    weight = others
    active = state.active
    stances = state.stance_latent
    for member, share in zip(rule.members, shares, strict=True):
        if active >> member & 1:
            favour += share * (1.0 + math.tanh(stances[member])) / 2.0
            weight += share
    if weight <= 0.0:
        return 0.0
    return logistic(rule.sharpness * (favour / weight - rule.threshold))


def vote(
    state: State, action: Action, context: ActionContext, now: float, u: float
) -> tuple[State, int]:
    """A vote in a body: passes with :func:`vote_chance` (or as the record says).

    Passing settles the vote's gates (if it has any) and applies the readiness
    effect; failing applies ``fail_readiness`` and the contention effect to
    its open gates. The stance effect applies either way. A vote on gates all
    settled already, whose result the record does not give, is moot: it
    changes nothing but the stance.
    """
    e = action.effect
    s: list[object] = list(state)
    _stances(s, state, action, context)
    gates = action.gates
    if gates and state.resolved & gates == gates and not (action.certain or action.fails):
        return _finish(s), 0
    if action.certain or (not action.fails and u < vote_chance(state, action, context)):
        s[READINESS] = state.readiness_logit + e.readiness
        s[RESOLVED] = state.resolved | action.gates
        s[PENDING_OPEN] = state.pending_open & ~action.gates
        return _finish(s), action.gates & ~state.resolved
    s[READINESS] = state.readiness_logit + e.fail_readiness
    s[CONTENTION] = _contend(state.contention_latent, action.gates & ~state.resolved, e.contention)
    return _finish(s), 0


def reopen(
    state: State, action: Action, context: ActionContext, now: float, u: float
) -> tuple[State, int]:
    """A settled question is reopened: the gate is open again, and contested as given.

    Only a gate declared ``reopenable`` can be (the loader checks). A pending
    stage that needs the gate is then postponed by the stage rule.
    """
    e = action.effect
    s: list[object] = list(state)
    s[READINESS] = state.readiness_logit + e.readiness
    s[RESOLVED] = state.resolved & ~action.gates
    s[CONTENTION] = _contend(state.contention_latent, action.gates, e.contention)
    _stances(s, state, action, context)
    return _finish(s), 0


# -- deadlines, stages and endings -------------------------------------------------------------


def extend_deadline(
    state: State, action: Action, context: ActionContext, now: float, u: float
) -> tuple[State, int]:
    """A deadline moves: to the date the record gives, or ``extension_days`` later.

    It never moves earlier: a date the record gives that is not after where
    the deadline stands (an extension a simulated one overtook) changes nothing.
    It never moves past the context's last day (the calendar's end).
    """
    s: list[object] = list(state)
    s[READINESS] = state.readiness_logit + action.effect.readiness
    days = list(state.deadline_days)
    d = action.deadline
    if action.to_day >= 0:
        days[d] = max(days[d], action.to_day)
    else:
        days[d] = min(days[d] + round(action.effect.extension_days), context.last_day)
    s[DEADLINE_DAYS] = tuple(days)
    return _new(State, s), 0


def walk_out(
    state: State, action: Action, context: ActionContext, now: float, u: float
) -> tuple[State, int]:
    """The negotiation ends by the action's ending (a pending date goes with it)."""
    s: list[object] = list(state)
    s[READINESS] = state.readiness_logit + action.effect.readiness
    if state.ended == NOT_ENDED:
        s[ENDED] = action.ending
        s[PENDING_DAY] = NO_DAY
        s[PENDING_OPEN] = 0
    return _new(State, s), 0


def announce_date(
    state: State, action: Action, context: ActionContext, now: float, u: float
) -> tuple[State, int]:
    """From the record: the stages before the action's stage are reached, and its date is set.

    The gates still open then are noted (:attr:`State.pending_open`): a date
    the record set before every question was settled stands until one that
    was settled is reopened. A date for a stage already reached, or after
    the negotiation ended, changes nothing but readiness.
    """
    s: list[object] = list(state)
    s[READINESS] = state.readiness_logit + action.effect.readiness
    if state.ended == NOT_ENDED and action.stage >= state.stage:
        s[STAGE] = action.stage
        s[PENDING_DAY] = action.to_day
        s[PENDING_OPEN] = ((1 << len(state.contention_latent)) - 1) & ~state.resolved
    return _new(State, s), 0


def reach_stage(
    state: State, action: Action, context: ActionContext, now: float, u: float
) -> tuple[State, int]:
    """From the record: the action's stage (and every one before it) is reached."""
    s: list[object] = list(state)
    s[READINESS] = state.readiness_logit + action.effect.readiness
    if action.stage + 1 > state.stage:
        s[STAGE] = action.stage + 1
        s[PENDING_DAY] = NO_DAY
        s[PENDING_OPEN] = 0
    return _new(State, s), 0


def postpone_date(
    state: State, action: Action, context: ActionContext, now: float, u: float
) -> tuple[State, int]:
    """From the record: the pending date is withdrawn; the stage before it stays reached."""
    s: list[object] = list(state)
    s[READINESS] = state.readiness_logit + action.effect.readiness
    s[PENDING_DAY] = NO_DAY
    s[PENDING_OPEN] = 0
    return _new(State, s), 0


# -- actors that change ------------------------------------------------------------------------


def _set_regime(
    s: list[object], state: State, context: ActionContext, actor: int, regime: int
) -> None:
    """Switch an actor's regime, moving its influence in the mean stance."""
    old = state.regime[actor]
    if regime == old:
        return
    regimes = list(state.regime)
    regimes[actor] = regime
    s[REGIME] = tuple(regimes)
    if state.active >> actor & 1:
        before, after = context.influence[actor][old], context.influence[actor][regime]
        stance = math.tanh(state.stance_latent[actor])
        s[STANCE_SUM] = s[STANCE_SUM] + (after - before) * stance  # type: ignore[operator]
        s[INFLUENCE_TOTAL] = s[INFLUENCE_TOTAL] + (after - before)  # type: ignore[operator]


def _enter(state: State, action: Action, context: ActionContext, regime: int) -> State:
    """The action's actor enters ``regime``.

    Readiness moves, the regime changes (and the stance it sets, if it sets
    one), then the action's own ``stance_self`` shift applies.
    """
    s: list[object] = list(state)
    s[READINESS] = state.readiness_logit + action.effect.readiness
    _set_regime(s, state, context, action.actor, regime)
    after = _finish(s)
    s = list(after)
    actor = action.actor
    entered = (
        context.regime_stance[actor][regime]
        if context.regime_stance and regime != state.regime[actor]
        else math.nan
    )
    if not math.isnan(entered):
        _shift(s, after, context, actor, entered - after.stance_latent[actor])
        after = _finish(s)
        s = list(after)
    _shift(s, after, context, actor, action.effect.stance_self)
    return _finish(s)


def change(
    state: State, action: Action, context: ActionContext, now: float, u: float
) -> tuple[State, int]:
    """An actor changes: a new leader or government (its regime), and its stance as given."""
    return _enter(state, action, context, action.regime), 0


def election(
    state: State, action: Action, context: ActionContext, now: float, u: float
) -> tuple[State, int]:
    """An election: the draw ``u`` picks the winning candidate (the record's, once known).

    Each candidate is a regime of the actor with a probability; the
    cumulative probabilities are ``action.candidates``. Then as :func:`change`.
    """
    regime = action.regime
    if regime < 0:
        for candidate, cumulative in action.candidates:
            regime = candidate
            if u < cumulative:
                break
    return _enter(state, action, context, regime), 0


def _activate(s: list[object], state: State, context: ActionContext, actor: int, on: bool) -> None:
    if bool(state.active >> actor & 1) == on:
        return
    weight = context.influence[actor][state.regime[actor]]
    sign = 1.0 if on else -1.0
    s[ACTIVE] = state.active | 1 << actor if on else state.active & ~(1 << actor)
    s[STANCE_SUM] = state.stance_sum + sign * weight * math.tanh(state.stance_latent[actor])
    s[INFLUENCE_TOTAL] = state.influence_total + sign * weight


def join(
    state: State, action: Action, context: ActionContext, now: float, u: float
) -> tuple[State, int]:
    """An actor enters the negotiation: it decides, reacts, votes and weighs in the mean stance."""
    s: list[object] = list(state)
    s[READINESS] = state.readiness_logit + action.effect.readiness
    _activate(s, state, context, action.actor, True)
    return _new(State, s), 0


def leave(
    state: State, action: Action, context: ActionContext, now: float, u: float
) -> tuple[State, int]:
    """An actor leaves the negotiation (the others go on): it no longer acts or counts."""
    s: list[object] = list(state)
    s[READINESS] = state.readiness_logit + action.effect.readiness
    _activate(s, state, context, action.actor, False)
    return _new(State, s), 0


def form_coalition(
    state: State, action: Action, context: ActionContext, now: float, u: float
) -> tuple[State, int]:
    """A coalition forms: its members' stances move toward their weighted mean by ``cohesion``.

    Each member's latent stance ``x`` (``atanh`` units) becomes ``x +
    cohesion * (mean - x)``, the mean weighted by influence over the
    coalition's active members: a cohesion of 1 aligns them, 0 changes nothing.
    """
    members = context.coalitions[action.coalition]
    cohesion = action.effect.cohesion
    active = [m for m in members if state.active >> m & 1]
    s: list[object] = list(state)
    s[READINESS] = state.readiness_logit + action.effect.readiness
    if not active or not cohesion:
        return _new(State, s), 0
    weights = [context.influence[m][state.regime[m]] for m in active]
    total = sum(weights)
    latents = [state.stance_latent[m] for m in active]
    mean = sum(w * x for w, x in zip(weights, latents, strict=True)) / total if total else 0.0
    for m, x in zip(active, latents, strict=True):
        _shift(s, state, context, m, cohesion * (mean - x))
    return _finish(s), 0
