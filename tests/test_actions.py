"""Tests for sim.model.actions: what each kind of action does to the state."""

from __future__ import annotations

import math

import pytest

from sim.model.actions import (
    KINDS,
    Action,
    ActionContext,
    ActionKind,
    apply,
    effect_function,
)
from sim.model.params import Effect, Rapport
from sim.model.state import (
    NO_DAY,
    Phase,
    State,
    contention_latent,
    logistic,
    logit,
    pair_index,
    saturate,
)


def contentions(state: State) -> tuple[float, ...]:
    return tuple(state.contention(g) for g in range(len(state.contention_latent)))


# three actors: 0 backs side +1, 1 backs side -1, 2 is neutral; two gates
SIDES = (1, -1, 0)
N = len(SIDES)
CONTEXT = ActionContext(SIDES, Rapport(enabled=True, amplification=1.0))


def start_state(contention: tuple[float, ...] = (0.2, 0.5), **fields: object) -> State:
    state = State(
        readiness_logit=logit(0.3),
        violence_logit=logit(0.6),
        balance_latent=0.1,
        resolved=0,
        contention_latent=tuple(contention_latent(c) for c in contention),
        stance_latent=(0.3, -0.2, 0.0),
        rapport_latent=(logit(0.65), logit(0.3), logit(0.5)),
        target_day=math.inf,
        phase=Phase.OPEN,
        convene_day=NO_DAY,
    )
    return state._replace(**fields)


def changed(before: State, after: State) -> set[str]:
    return {f for f in State._fields if getattr(before, f) != getattr(after, f)}


# -- every kind is covered --------------------------------------------------------------------


def test_every_kind_has_info_and_an_effect_function() -> None:
    assert set(KINDS) == set(ActionKind)
    for kind in ActionKind:
        assert callable(effect_function(kind))
        assert KINDS[kind].polarity in (-1, 0, 1)


def test_apply_dispatches_to_the_kinds_effect_function() -> None:
    state = start_state()
    effect = Effect(readiness=0.3, stance_self=0.2, stance_other=-0.1, rapport=0.4, contention=1.0)
    for kind in ActionKind:
        info = KINDS[kind]
        action = Action(
            kind, 0, effect, other=1 if info.other != "none" else -1, gate=0 if info.gate else -1
        )
        expected = effect_function(kind)(state, action, CONTEXT, 3.0, 0.01)
        assert apply(state, action, CONTEXT, 3.0, 0.01) == expected
        assert expected[0] != state, kind  # every kind changes something with these effects


# -- meeting ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("enabled", "amplification"), [(True, 1.0), (True, 2.5), (False, 2.5)])
def test_meeting_amplifies_readiness_by_the_rapport_before_the_meeting(
    enabled: bool, amplification: float
) -> None:
    state = start_state()
    context = ActionContext(SIDES, Rapport(enabled, amplification))
    effect = Effect(readiness=0.1, rapport=0.15, stance_self=0.02, stance_other=0.03)
    after, settled = apply(state, Action(ActionKind.MEETING, 0, effect, other=1), context, 1.0, 0.5)
    factor = 1.0 + amplification * 0.65 if enabled else 1.0
    assert settled == -1
    assert after.readiness_logit == pytest.approx(logit(0.3) + 0.1 * factor, rel=1e-15)
    k = pair_index(0, 1, N)
    assert after.rapport_latent[k] == pytest.approx(logit(0.65) + 0.15, rel=1e-15)
    assert after.stance_latent == pytest.approx((0.32, -0.17, 0.0), rel=1e-15)
    assert changed(state, after) == {"readiness_logit", "rapport_latent", "stance_latent"}


def test_meeting_with_zero_amplification_is_not_amplified() -> None:
    state = start_state()
    context = ActionContext(SIDES, Rapport(True, 0.0))
    after, _ = apply(
        state, Action(ActionKind.MEETING, 2, Effect(readiness=0.4), other=0), context, 0.0, 0.0
    )
    assert after.readiness_logit == logit(0.3) + 0.4
    assert after.rapport_latent == state.rapport_latent  # only the pair (0, 2) could move


def test_meeting_uses_the_pair_of_the_two_who_meet() -> None:
    state = start_state()
    action = Action(ActionKind.MEETING, 2, Effect(readiness=0.2, rapport=-0.5), other=1)
    after, _ = apply(state, action, CONTEXT, 0.0, 0.0)
    assert after.readiness_logit == pytest.approx(logit(0.3) + 0.2 * 1.5)  # rapport(1, 2) = 0.5
    assert after.rapport_latent[pair_index(1, 2, N)] == pytest.approx(-0.5)
    assert after.rapport_latent[: pair_index(1, 2, N)] == state.rapport_latent[:2]


# -- joint proposal, UN resolution, blame statement -------------------------------------------


@pytest.mark.parametrize(
    "kind", [ActionKind.JOINT_PROPOSAL, ActionKind.UN_RESOLUTION, ActionKind.BLAME_STATEMENT]
)
def test_statements_move_readiness_stances_and_rapport_as_given_without_amplification(
    kind: ActionKind,
) -> None:
    state = start_state()
    effect = Effect(readiness=-0.15, stance_self=0.05, stance_other=-0.1, rapport=-0.1)
    after, settled = apply(state, Action(kind, 0, effect, other=1), CONTEXT, 2.0, 0.0)
    assert settled == -1
    assert after.readiness_logit == logit(0.3) - 0.15  # rapport does not amplify
    assert after.stance_latent == pytest.approx((0.35, -0.3, 0.0), rel=1e-15)
    assert after.rapport_latent[0] == pytest.approx(logit(0.65) - 0.1)
    assert after.rapport_latent[1:] == state.rapport_latent[1:]
    assert changed(state, after) == {"readiness_logit", "stance_latent", "rapport_latent"}


def test_zero_effect_statement_changes_nothing() -> None:
    state = start_state()
    after, _ = apply(state, Action(ActionKind.UN_RESOLUTION, 1, Effect(), other=2), CONTEXT, 0, 0)
    assert after == state


# -- target date ------------------------------------------------------------------------------


def test_target_date_sets_a_focal_day_ahead_of_now_and_moves_readiness() -> None:
    state = start_state(target_day=5.0)
    action = Action(ActionKind.TARGET_DATE, 0, Effect(readiness=0.05, target_days=21.0))
    after, settled = apply(state, action, CONTEXT, 7.25, 0.0)
    assert settled == -1
    assert after.target_day == 28.25  # the latest target replaces the earlier one
    assert after.readiness_logit == logit(0.3) + 0.05
    assert changed(state, after) == {"target_day", "readiness_logit"}


# -- military moves: the balance tips toward the actor's side ---------------------------------


@pytest.mark.parametrize(
    "kind", [ActionKind.EMBARGO_LIFT, ActionKind.ARMS_SHIPMENT, ActionKind.MILITARY_OFFENSIVE]
)
@pytest.mark.parametrize(("actor", "sign"), [(0, 1), (1, -1), (2, 0)])
def test_military_moves_shift_the_balance_by_the_actors_side(
    kind: ActionKind, actor: int, sign: int
) -> None:
    state = start_state()
    effect = Effect(readiness=-0.2, balance=0.15, violence=0.05)
    after, settled = apply(state, Action(kind, actor, effect), CONTEXT, 0.0, 0.0)
    assert settled == -1
    assert after.balance_latent == pytest.approx(0.1 + 0.15 * sign, rel=1e-15)
    assert after.violence_logit == pytest.approx(logit(0.6) + 0.05, rel=1e-15)
    assert after.readiness_logit == logit(0.3) - 0.2
    assert after.rapport_latent == state.rapport_latent
    assert after.contention_latent == state.contention_latent


def test_military_move_with_a_target_moves_the_targets_stance() -> None:
    state = start_state()
    effect = Effect(stance_self=0.1, stance_other=-0.2)
    after, _ = apply(state, Action(ActionKind.ARMS_SHIPMENT, 1, effect, other=0), CONTEXT, 0, 0)
    assert after.stance_latent == pytest.approx((0.1, -0.1, 0.0), rel=1e-12)


# -- seat demand and precondition: saturating contention --------------------------------------


@pytest.mark.parametrize("kind", [ActionKind.SEAT_DEMAND, ActionKind.PRECONDITION])
def test_demands_make_their_gate_more_contested_saturating(kind: ActionKind) -> None:
    state = start_state()
    effect = Effect(readiness=-0.03, contention=math.log(2.0), stance_self=0.1)
    after, settled = apply(state, Action(kind, 1, effect, gate=1), CONTEXT, 0.0, 0.0)
    assert settled == -1
    assert contentions(after) == pytest.approx((0.2, 0.75), rel=1e-15)  # 1 - 0.5 / 2
    assert after.readiness_logit == logit(0.3) - 0.03
    assert after.stance_latent == pytest.approx((0.3, -0.1, 0.0))
    assert after.resolved == 0
    again = state
    mild = Action(kind, 1, Effect(contention=0.2), gate=1)
    for _ in range(300):
        again, _ = apply(again, mild, CONTEXT, 0.0, 0.0)
    assert 0.75 < again.contention(1) <= 1.0
    assert math.exp(again.contention_latent[1]) > 0.0  # still open to agreement
    assert again.contention_latent[0] == state.contention_latent[0]


def test_a_negative_contention_effect_eases_the_gate() -> None:
    state = start_state()
    action = Action(ActionKind.PRECONDITION, 0, Effect(contention=-math.log(2.0)), gate=1)
    after, _ = apply(state, action, CONTEXT, 0.0, 0.0)
    assert contentions(after) == pytest.approx((0.2, 0.25))


# -- delegation agreement ---------------------------------------------------------------------


AGREE = Effect(readiness=0.15, settle_probability=0.3, contention=0.2, stance_self=0.05)


def agreement_chance(state: State, gate: int, effect: Effect = AGREE) -> float:
    return (
        effect.settle_probability * logistic(state.readiness_logit) * (1 - state.contention(gate))
    )


def test_agreement_succeeds_below_the_chance_and_resolves_the_gate() -> None:
    state = start_state()
    chance = agreement_chance(state, 1)
    assert chance == pytest.approx(0.3 * 0.3 * 0.5)
    action = Action(ActionKind.DELEGATION_AGREEMENT, 2, AGREE, gate=1)
    after, settled = apply(state, action, CONTEXT, 4.0, math.nextafter(chance, 0.0))
    assert settled == 1
    assert after.resolved == 0b10
    assert after.gate_resolved(1)
    assert after.readiness_logit == logit(0.3) + 0.15
    assert after.contention_latent == state.contention_latent
    assert after.stance_latent == pytest.approx((0.3, -0.2, 0.05))


def test_agreement_fails_at_or_above_the_chance_and_applies_the_contention_effect() -> None:
    state = start_state()
    chance = agreement_chance(state, 1)
    action = Action(ActionKind.DELEGATION_AGREEMENT, 2, AGREE, gate=1)
    after, settled = apply(state, action, CONTEXT, 4.0, chance)
    assert settled == -1
    assert after.resolved == 0
    assert after.readiness_logit == state.readiness_logit
    assert after.contention_latent == (
        state.contention_latent[0],
        pytest.approx(saturate(state.contention_latent[1], 0.2)),
    )
    assert after.stance_latent == pytest.approx((0.3, -0.2, 0.05))


def test_certain_agreement_resolves_the_gate_whatever_the_draw() -> None:
    state = start_state(contention=(0.2, 0.999))
    action = Action(ActionKind.DELEGATION_AGREEMENT, 0, AGREE, gate=1, certain=True)
    after, settled = apply(state, action, CONTEXT, 0.0, 0.9999)
    assert settled == 1
    assert after.resolved == 0b10
    assert after.readiness_logit == logit(0.3) + 0.15


def test_agreement_with_zero_settle_probability_never_succeeds() -> None:
    state = start_state(contention=(0.0, 0.0), readiness_logit=30.0)
    effect = Effect(settle_probability=0.0)
    action = Action(ActionKind.DELEGATION_AGREEMENT, 0, effect, gate=0)
    assert apply(state, action, CONTEXT, 0.0, 1e-300)[1] == -1


def test_agreement_on_a_resolved_gate_changes_only_the_stance() -> None:
    state = start_state(resolved=0b01)
    action = Action(ActionKind.DELEGATION_AGREEMENT, 0, AGREE, gate=0, certain=True)
    after, settled = apply(state, action, CONTEXT, 0.0, 0.0)
    assert settled == -1
    assert changed(state, after) == {"stance_latent"}
    assert after.stance_latent[0] == pytest.approx(0.35)


# -- stance weights ---------------------------------------------------------------------------


def test_stance_weight_favours_constructive_moves_for_a_committed_actor() -> None:
    from sim.model.choice import weights

    latent = math.atanh(0.5)
    constructive, spoiler, neutral = weights([1.0, 1.0, 1.0], [+1, -1, 0], latent, 2.0, 1.0)
    assert constructive == pytest.approx(math.exp(1.0))
    assert spoiler == pytest.approx(math.exp(-1.0))
    assert neutral == 1.0
