"""Tests for sim.model.actions: what each kind of action does to the state."""

from __future__ import annotations

import dataclasses
import math

import pytest

from sim.model.actions import (
    KINDS,
    Action,
    ActionContext,
    ActionKind,
    VoteRule,
    apply,
    effect_function,
    success_chance,
)
from sim.model.params import Effect, Rapport
from sim.model.state import (
    NO_DAY,
    NOT_ENDED,
    State,
    contention_latent,
    logistic,
    logit,
    pair_index,
    saturate,
)


def contentions(state: State) -> tuple[float, ...]:
    return tuple(state.contention(g) for g in range(len(state.contention_latent)))


# three actors: 0 backs side +1, 1 backs side -1, 2 is neutral; two gates; every pair has a
# rapport slot, numbered as pair_index numbers the pairs
SIDES = (1, -1, 0)
N = len(SIDES)
ALL_SLOTS = {pair_index(a, b, N): pair_index(a, b, N) for a in range(N) for b in range(a + 1, N)}
CONTEXT = ActionContext(SIDES, Rapport(enabled=True, amplification=1.0), slots=ALL_SLOTS)
STANCES = (0.3, -0.2, 0.0)


def start_state(contention: tuple[float, ...] = (0.2, 0.5), **fields: object) -> State:
    state = State(
        readiness_logit=logit(0.3),
        violence_logit=logit(0.6),
        violence_mean_logit=logit(0.5),
        balance_latent=0.1,
        resolved=0,
        contention_latent=tuple(contention_latent(c) for c in contention),
        stance_latent=STANCES,
        stance_sum=math.fsum(math.tanh(x) for x in STANCES),
        influence_total=3.0,
        rapport_latent=(logit(0.65), logit(0.3), logit(0.5)),
        target_day=math.inf,
        stage=0,
        pending_day=NO_DAY,
        ended=NOT_ENDED,
        regime=(0, 0, 0),
        active=0b111,
        deadline_days=(30, 60),
    )
    return state._replace(**fields)


def changed(before: State, after: State) -> set[str]:
    return {f for f in State._fields if getattr(before, f) != getattr(after, f)}


def assert_sums_fresh(state: State, context: ActionContext = CONTEXT) -> None:
    """The running sums of the mean stance agree with a fresh count."""
    active = [a for a in range(context.n_actors) if state.is_active(a)]
    weights = {a: context.influence[a][state.regime[a]] for a in active}
    assert state.stance_sum == pytest.approx(
        math.fsum(weights[a] * math.tanh(state.stance_latent[a]) for a in active), abs=1e-12
    )
    assert state.influence_total == pytest.approx(math.fsum(weights.values()), abs=1e-12)


# -- every kind is covered --------------------------------------------------------------------


def test_every_kind_has_info_and_an_effect_function() -> None:
    assert set(KINDS) == set(ActionKind)
    for kind in ActionKind:
        assert callable(effect_function(kind))
        assert KINDS[kind].polarity in (-1, 0, 1)


#: What each kind needs besides an actor, an effect, a partner and a gate.
NEEDS: dict[ActionKind, dict[str, object]] = {
    ActionKind.EXTEND_DEADLINE: {"deadline": 0},
    ActionKind.WALK_OUT: {"ending": 0},
    ActionKind.CHANGE: {"regime": 0},
    ActionKind.ELECTION: {"candidates": ((0, 1.0),)},
    ActionKind.FORM_COALITION: {"coalition": 0},
    ActionKind.ANNOUNCE_DATE: {"stage": 1, "to_day": 40},
    ActionKind.REACH_STAGE: {"stage": 0},
    ActionKind.VOTE: {"vote": VoteRule((0, 1), (1.0, 1.0), 0.0, 0.0, 0.5, 12.0)},
}


def test_apply_dispatches_to_the_kinds_effect_function() -> None:
    state = start_state(resolved=0b01)
    context = dataclasses.replace(CONTEXT, coalitions=((0, 1),))
    effect = Effect(readiness=0.3, stance_self=0.2, stance_other=-0.1, rapport=0.4, contention=1.0)
    for kind in ActionKind:
        info = KINDS[kind]
        action = Action(
            kind,
            0,
            effect,
            other=1 if info.other != "none" else -1,
            gate=0 if info.gate != "none" else -1,
            **NEEDS.get(kind, {}),  # type: ignore[arg-type]
        )
        expected = effect_function(kind)(state, action, context, 3.0, 0.01)
        assert apply(state, action, context, 3.0, 0.01) == expected
        assert expected[0] != state, kind  # every kind changes something with these effects
        assert_sums_fresh(expected[0], context)


# -- meeting ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("enabled", "amplification"), [(True, 1.0), (True, 2.5), (False, 2.5)])
def test_meeting_amplifies_readiness_by_the_rapport_before_the_meeting(
    enabled: bool, amplification: float
) -> None:
    state = start_state()
    context = ActionContext(SIDES, Rapport(enabled, amplification), slots=ALL_SLOTS)
    effect = Effect(readiness=0.1, rapport=0.15, stance_self=0.02, stance_other=0.03)
    after, settled = apply(state, Action(ActionKind.MEETING, 0, effect, other=1), context, 1.0, 0.5)
    factor = 1.0 + amplification * 0.65 if enabled else 1.0
    assert settled == 0
    assert after.readiness_logit == pytest.approx(logit(0.3) + 0.1 * factor, rel=1e-15)
    k = pair_index(0, 1, N)
    assert after.rapport_latent[k] == pytest.approx(logit(0.65) + 0.15, rel=1e-15)
    assert after.stance_latent == pytest.approx((0.32, -0.17, 0.0), rel=1e-15)
    assert changed(state, after) == {
        "readiness_logit",
        "rapport_latent",
        "stance_latent",
        "stance_sum",
    }
    assert_sums_fresh(after)


def test_meeting_with_zero_amplification_is_not_amplified() -> None:
    state = start_state()
    context = ActionContext(SIDES, Rapport(True, 0.0), slots=ALL_SLOTS)
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
    assert settled == 0
    assert after.readiness_logit == logit(0.3) - 0.15  # rapport does not amplify
    assert after.stance_latent == pytest.approx((0.35, -0.3, 0.0), rel=1e-15)
    assert after.rapport_latent[0] == pytest.approx(logit(0.65) - 0.1)
    assert after.rapport_latent[1:] == state.rapport_latent[1:]
    assert changed(state, after) == {
        "readiness_logit",
        "stance_latent",
        "stance_sum",
        "rapport_latent",
    }
    assert_sums_fresh(after)


def test_zero_effect_statement_changes_nothing() -> None:
    state = start_state()
    after, _ = apply(state, Action(ActionKind.UN_RESOLUTION, 1, Effect(), other=2), CONTEXT, 0, 0)
    assert after == state


# -- target date ------------------------------------------------------------------------------


def test_target_date_sets_a_focal_day_ahead_of_now_and_moves_readiness() -> None:
    state = start_state(target_day=5.0)
    action = Action(ActionKind.TARGET_DATE, 0, Effect(readiness=0.05, target_days=21.0))
    after, settled = apply(state, action, CONTEXT, 7.25, 0.0)
    assert settled == 0
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
    assert settled == 0
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
    assert settled == 0
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
    assert settled == 0b10
    assert after.resolved == 0b10
    assert after.gate_resolved(1)
    assert after.readiness_logit == logit(0.3) + 0.15
    assert after.contention_latent == state.contention_latent
    assert after.stance_latent == pytest.approx((0.3, -0.2, 0.05))


def test_agreement_fails_at_or_above_the_chance_and_applies_the_contention_effect() -> None:
    state = start_state()
    chance = agreement_chance(state, 1)
    action = Action(ActionKind.DELEGATION_AGREEMENT, 2, AGREE, gate=1)
    assert success_chance(state, action, CONTEXT) == chance
    after, settled = apply(state, action, CONTEXT, 4.0, chance)
    assert settled == 0
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
    assert settled == 0b10
    assert after.resolved == 0b10
    assert after.readiness_logit == logit(0.3) + 0.15
    assert success_chance(state, action, CONTEXT) == 1.0


def test_agreement_with_zero_settle_probability_never_succeeds() -> None:
    state = start_state(contention=(0.0, 0.0), readiness_logit=30.0)
    effect = Effect(settle_probability=0.0)
    action = Action(ActionKind.DELEGATION_AGREEMENT, 0, effect, gate=0)
    assert apply(state, action, CONTEXT, 0.0, 1e-300)[1] == 0


def test_agreement_on_a_resolved_gate_changes_only_the_stance() -> None:
    state = start_state(resolved=0b01)
    action = Action(ActionKind.DELEGATION_AGREEMENT, 0, AGREE, gate=0, certain=True)
    after, settled = apply(state, action, CONTEXT, 0.0, 0.0)
    assert settled == 0
    assert changed(state, after) == {"stance_latent", "stance_sum"}
    assert after.stance_latent[0] == pytest.approx(0.35)


# -- stance weights ---------------------------------------------------------------------------


def test_stance_weight_favours_constructive_moves_for_a_committed_actor() -> None:
    from sim.model.choice import weights

    latent = math.atanh(0.5)
    constructive, spoiler, neutral = weights([1.0, 1.0, 1.0], [+1, -1, 0], latent, 2.0, 1.0)
    assert constructive == pytest.approx(math.exp(1.0))
    assert spoiler == pytest.approx(math.exp(-1.0))
    assert neutral == 1.0


# -- joint acts with several partners -----------------------------------------------------------


def test_a_trilateral_meeting_is_amplified_by_the_mean_rapport_and_moves_each_pair() -> None:
    state = start_state()
    effect = Effect(readiness=0.1, rapport=0.2, stance_other=0.05)
    action = Action(ActionKind.MEETING, 0, effect, others=(1, 2))
    assert action.other == 1
    after, _ = apply(state, action, CONTEXT, 0.0, 0.0)
    assert after.readiness_logit == pytest.approx(logit(0.3) + 0.1 * (1 + (0.65 + 0.3) / 2))
    assert after.rapport_latent[pair_index(0, 1, N)] == pytest.approx(logit(0.65) + 0.2)
    assert after.rapport_latent[pair_index(0, 2, N)] == pytest.approx(logit(0.3) + 0.2)
    assert after.rapport_latent[pair_index(1, 2, N)] == state.rapport_latent[pair_index(1, 2, N)]
    assert after.stance_latent == pytest.approx((0.3, -0.15, 0.05))
    assert_sums_fresh(after)


def test_rapport_without_a_slot_stays_at_the_default_and_amplifies_with_it() -> None:
    context = ActionContext(SIDES, Rapport(True, 1.0), default_rapport_logit=logit(0.4))
    state = start_state(rapport_latent=())
    after, _ = apply(
        state, Action(ActionKind.MEETING, 0, Effect(0.2, rapport=1.0), 1), context, 0, 0
    )
    assert after.readiness_logit == pytest.approx(logit(0.3) + 0.2 * 1.4)
    assert after.rapport_latent == ()


# -- the mean stance's running sums --------------------------------------------------------------


def test_an_absent_actors_stance_moves_without_moving_the_mean() -> None:
    state = start_state(
        active=0b011, stance_sum=math.tanh(0.3) + math.tanh(-0.2), influence_total=2
    )
    shifted, _ = apply(
        state,
        Action(ActionKind.BLAME_STATEMENT, 0, Effect(stance_other=1.0), other=2),
        CONTEXT,
        0,
        0,
    )
    assert shifted.stance_latent[2] == 1.0
    assert shifted.stance_sum == state.stance_sum
    assert_sums_fresh(shifted)


def test_influence_weights_the_mean_stance_by_regime() -> None:
    context = dataclasses.replace(CONTEXT, influence=((2.0, 0.5), (1.0,), (1.0,)))
    state = start_state(
        stance_sum=2.0 * math.tanh(0.3) + math.tanh(-0.2), influence_total=4.0, regime=(0, 0, 0)
    )
    assert_sums_fresh(state, context)
    after, _ = apply(
        state, Action(ActionKind.CHANGE, 0, Effect(stance_self=0.4), regime=1), context, 0, 0
    )
    assert after.regime == (1, 0, 0)
    assert after.influence_total == pytest.approx(2.5)
    assert after.stance_sum == pytest.approx(0.5 * math.tanh(0.7) + math.tanh(-0.2))
    assert_sums_fresh(after, context)
    back, _ = apply(after, Action(ActionKind.CHANGE, 0, Effect(), regime=0), context, 0, 0)
    assert back.influence_total == pytest.approx(4.0)
    assert_sums_fresh(back, context)


# -- ceasefire ------------------------------------------------------------------------------------


def test_a_ceasefire_lowers_violence_and_the_level_it_returns_to() -> None:
    state = start_state()
    effect = Effect(readiness=0.1, violence=-0.5, violence_mean=-0.8)
    after, _ = apply(state, Action(ActionKind.CEASEFIRE, 0, effect, other=1), CONTEXT, 0, 0)
    assert after.violence_logit == pytest.approx(logit(0.6) - 0.5)
    assert after.violence_mean_logit == pytest.approx(logit(0.5) - 0.8)
    assert after.balance_latent == state.balance_latent


# -- packages and linked gates --------------------------------------------------------------------


LINKED = dataclasses.replace(CONTEXT, requires=(0, 0b01))  # gate 1 needs gate 0


def test_a_package_settles_every_gate_with_the_product_of_their_openness() -> None:
    state = start_state()
    action = Action(ActionKind.DELEGATION_AGREEMENT, 0, AGREE, gates=0b11)
    chance = success_chance(state, action, CONTEXT)
    assert chance == pytest.approx(0.3 * 0.3 * 0.8 * 0.5)
    after, settled = apply(state, action, CONTEXT, 0.0, math.nextafter(chance, 0.0))
    assert settled == 0b11
    assert after.resolved == 0b11
    failed, settled = apply(state, action, CONTEXT, 0.0, chance)
    assert settled == 0
    assert contentions(failed) == pytest.approx(
        tuple(-math.expm1(saturate(contention_latent(c), 0.2)) for c in (0.2, 0.5))
    )


def test_a_package_with_one_gate_settled_asks_only_for_the_open_ones() -> None:
    state = start_state(resolved=0b01)
    action = Action(ActionKind.DELEGATION_AGREEMENT, 0, AGREE, gates=0b11)
    assert success_chance(state, action, CONTEXT) == pytest.approx(0.3 * 0.3 * 0.5)
    assert apply(state, action, CONTEXT, 0.0, 0.0)[1] == 0b10


def test_a_gate_cannot_be_settled_before_the_gate_it_requires() -> None:
    state = start_state()
    alone = Action(ActionKind.DELEGATION_AGREEMENT, 0, AGREE, gate=1)
    assert success_chance(state, alone, LINKED) == 0.0
    assert apply(state, alone, LINKED, 0.0, 0.0)[1] == 0
    # settled first, or in the same package, it can
    assert success_chance(state._replace(resolved=0b01), alone, LINKED) > 0.0
    package = Action(ActionKind.DELEGATION_AGREEMENT, 0, AGREE, gates=0b11)
    assert success_chance(state, package, LINKED) > 0.0
    # the record's fact settles it whatever it requires
    fact = Action(ActionKind.DELEGATION_AGREEMENT, 0, AGREE, gate=1, certain=True)
    assert apply(state, fact, LINKED, 0.0, 0.99)[1] == 0b10


def test_a_recorded_failure_fails_whatever_the_chance() -> None:
    state = start_state(readiness_logit=30.0, contention=(0.0, 0.0))
    action = Action(ActionKind.DELEGATION_AGREEMENT, 0, AGREE, gate=0, fails=True)
    assert success_chance(state, action, CONTEXT) == 0.0
    after, settled = apply(state, action, CONTEXT, 0.0, 0.0)
    assert settled == 0
    assert after.resolved == 0


# -- reopening ------------------------------------------------------------------------------------


def test_reopening_opens_the_gate_and_contests_it() -> None:
    state = start_state(resolved=0b11)
    effect = Effect(readiness=-0.2, contention=math.log(2.0))
    after, settled = apply(state, Action(ActionKind.REOPEN, 1, effect, gate=1), CONTEXT, 0, 0)
    assert settled == 0
    assert after.resolved == 0b01
    assert contentions(after) == pytest.approx((0.2, 0.75))
    assert after.readiness_logit == logit(0.3) - 0.2


# -- votes ----------------------------------------------------------------------------------------


def vote(rule: VoteRule, gates: int = 0, **fields: object) -> Action:
    effect = Effect(readiness=0.5, fail_readiness=-0.4, contention=0.3)
    return Action(ActionKind.VOTE, 0, effect, gates=gates, vote=rule, **fields)  # type: ignore[arg-type]


def test_a_votes_chance_is_the_logistic_of_the_expected_support_over_the_threshold() -> None:
    # members 0 (stance tanh 0.3) with 3 seats and 1 (tanh -0.2) with 2; 5 seats held by no
    # actor of the scenario, voting at stance 0.5
    rule = VoteRule((0, 1), (3.0, 2.0), 5.0, 0.5, 0.55, 12.0)
    state = start_state()
    favour = 3 * (1 + math.tanh(0.3)) / 2 + 2 * (1 + math.tanh(-0.2)) / 2 + 5 * 0.75
    expected = logistic(12.0 * (favour / 10.0 - 0.55))
    assert success_chance(state, vote(rule), CONTEXT) == pytest.approx(expected, rel=1e-12)
    # a member that does not take part neither votes nor counts
    away = state._replace(active=0b101)
    favour_away = 3 * (1 + math.tanh(0.3)) / 2 + 5 * 0.75
    assert success_chance(away, vote(rule), CONTEXT) == pytest.approx(
        logistic(12.0 * (favour_away / 8.0 - 0.55)), rel=1e-12
    )


def test_a_vote_passing_settles_its_gates_and_failing_contests_them() -> None:
    rule = VoteRule((0,), (1.0,), 0.0, 0.0, 0.5, 12.0)
    state = start_state()
    chance = success_chance(state, vote(rule, 0b10), CONTEXT)
    passed, settled = apply(state, vote(rule, 0b10), CONTEXT, 0, math.nextafter(chance, 0.0))
    assert settled == 0b10
    assert passed.readiness_logit == logit(0.3) + 0.5
    lost, settled = apply(state, vote(rule, 0b10), CONTEXT, 0, chance)
    assert settled == 0
    assert lost.readiness_logit == logit(0.3) - 0.4
    assert lost.contention(1) == pytest.approx(-math.expm1(saturate(contention_latent(0.5), 0.3)))
    assert lost.contention(0) == pytest.approx(0.2)


def test_a_recorded_vote_goes_as_the_record_says() -> None:
    rule = VoteRule((1,), (1.0,), 0.0, 0.0, 0.99, 1000.0)  # hopeless
    state = start_state()
    assert apply(state, vote(rule, 0b01, certain=True), CONTEXT, 0, 0.999)[1] == 0b01
    rule = VoteRule((0,), (1.0,), 0.0, 0.0, 0.01, 1000.0)  # sure
    assert apply(state, vote(rule, 0b01, fails=True), CONTEXT, 0, 0.0)[1] == 0


def test_a_vote_on_a_gate_whose_required_gate_is_open_cannot_pass() -> None:
    rule = VoteRule((0,), (1.0,), 0.0, 0.0, 0.01, 1000.0)
    assert success_chance(start_state(), vote(rule, 0b10), LINKED) == 0.0
    assert success_chance(start_state(), vote(rule), LINKED) > 0.99  # a vote on no gate can


# -- deadlines, stages, endings -------------------------------------------------------------------


def test_an_extension_moves_the_deadline_to_the_recorded_date_or_by_its_days() -> None:
    state = start_state()
    to = Action(ActionKind.EXTEND_DEADLINE, 0, Effect(), deadline=1, to_day=75)
    assert apply(state, to, CONTEXT, 0, 0)[0].deadline_days == (30, 75)
    by = Action(ActionKind.EXTEND_DEADLINE, 0, Effect(extension_days=14.4), deadline=0)
    assert apply(state, by, CONTEXT, 0, 0)[0].deadline_days == (44, 60)


def test_an_extension_never_moves_a_deadline_earlier() -> None:
    # Found by the property tests: a recorded date before the deadline's moved it earlier.
    state = start_state()
    earlier = Action(ActionKind.EXTEND_DEADLINE, 0, Effect(), deadline=1, to_day=45)
    assert apply(state, earlier, CONTEXT, 0, 0)[0].deadline_days == (30, 60)


def test_a_walk_out_ends_the_negotiation_once_and_withdraws_a_pending_date() -> None:
    state = start_state(pending_day=40)
    action = Action(ActionKind.WALK_OUT, 1, Effect(readiness=-1.0), ending=1)
    after, _ = apply(state, action, CONTEXT, 0, 0)
    assert (after.ended, after.pending_day) == (1, NO_DAY)
    again, _ = apply(after, Action(ActionKind.WALK_OUT, 0, Effect(), ending=0), CONTEXT, 0, 0)
    assert again.ended == 1


def test_stage_events_from_the_record() -> None:
    state = start_state()
    announced, _ = apply(
        state, Action(ActionKind.ANNOUNCE_DATE, 0, Effect(), stage=1, to_day=40), CONTEXT, 5, 0
    )
    assert (announced.stage, announced.pending_day) == (1, 40)  # stage 0 is reached with it
    postponed, _ = apply(announced, Action(ActionKind.POSTPONE_DATE, 0, Effect()), CONTEXT, 9, 0)
    assert (postponed.stage, postponed.pending_day) == (1, NO_DAY)
    reached, _ = apply(
        announced, Action(ActionKind.REACH_STAGE, 0, Effect(), stage=1), CONTEXT, 40, 0
    )
    assert (reached.stage, reached.pending_day) == (2, NO_DAY)
    earlier, _ = apply(
        reached, Action(ActionKind.REACH_STAGE, 0, Effect(), stage=0), CONTEXT, 41, 0
    )
    assert earlier.stage == 2  # a stage reached stays reached


# -- actors that change ---------------------------------------------------------------------------


def test_an_election_picks_the_candidate_the_draw_falls_on() -> None:
    context = dataclasses.replace(CONTEXT, influence=((1.0, 2.0, 0.5), (1.0,), (1.0,)))
    action = Action(ActionKind.ELECTION, 0, Effect(), candidates=((2, 0.25), (1, 1.0)))
    state = start_state()
    assert apply(state, action, context, 0, 0.0)[0].regime == (2, 0, 0)
    assert apply(state, action, context, 0, math.nextafter(0.25, 0.0))[0].regime == (2, 0, 0)
    assert apply(state, action, context, 0, 0.25)[0].regime == (1, 0, 0)
    won = apply(state, action, context, 0, 0.999)[0]
    assert won.regime == (1, 0, 0)
    assert_sums_fresh(won, context)
    recorded = dataclasses.replace(action, regime=2)
    assert apply(state, recorded, context, 0, 0.999)[0].regime == (2, 0, 0)


def test_joining_and_leaving_move_the_mean_stance() -> None:
    state = start_state(
        active=0b011, stance_sum=math.tanh(0.3) + math.tanh(-0.2), influence_total=2
    )
    joined, _ = apply(state, Action(ActionKind.JOIN, 2, Effect()), CONTEXT, 0, 0)
    assert joined.active == 0b111
    assert joined.influence_total == 3.0
    assert_sums_fresh(joined)
    assert apply(joined, Action(ActionKind.JOIN, 2, Effect()), CONTEXT, 0, 0)[0] == joined
    left, _ = apply(joined, Action(ActionKind.LEAVE, 0, Effect()), CONTEXT, 0, 0)
    assert left.active == 0b110
    assert left.influence_total == 2.0
    assert_sums_fresh(left)


@pytest.mark.parametrize("cohesion", [0.0, 0.5, 1.0])
def test_a_coalition_draws_its_active_members_toward_their_weighted_mean(cohesion: float) -> None:
    context = dataclasses.replace(
        CONTEXT, influence=((3.0,), (1.0,), (1.0,)), coalitions=((0, 1, 2),)
    )
    state = start_state(active=0b011)
    state = state._replace(stance_sum=3 * math.tanh(0.3) + math.tanh(-0.2), influence_total=4.0)
    action = Action(ActionKind.FORM_COALITION, 0, Effect(cohesion=cohesion), coalition=0)
    after, _ = apply(state, action, context, 0, 0)
    mean = (3 * 0.3 - 0.2) / 4
    assert after.stance_latent == pytest.approx(
        (0.3 + cohesion * (mean - 0.3), -0.2 + cohesion * (mean + 0.2), 0.0)
    )
    assert_sums_fresh(after, context)
