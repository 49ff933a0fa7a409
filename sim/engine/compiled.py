"""A scenario compiled for running: indices instead of names, actions prebuilt.

:func:`compile_scenario` turns the teacher-readable :class:`~sim.scenario.Scenario`
into flat tuples the engine can use without a dictionary lookup per event. It
is pure data, computed once per scenario and cached.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType

from sim.engine.rng import stream_id
from sim.model.actions import KINDS, Action, ActionContext, ActionKind
from sim.model.choice import Repertoire
from sim.model.convening import thresholds
from sim.model.params import ConveningRule, Effect, Mechanisms, World
from sim.model.state import (
    NO_DAY,
    Phase,
    State,
    atanh_stance,
    contention_latent,
    logit,
    pair_index,
)
from sim.scenario.schema import Move, Scenario

__all__ = ["CompiledActor", "CompiledModel", "Listener", "ReplayEvent", "compile_scenario"]

#: Readiness is sampled for the fan chart every this many days.
SAMPLE_DAYS = 7.0
#: Largest number of gates an actor's moves may act on for its repertoires to be computed
#: ahead (2**n of them).
PRECOMPUTED_GATES = 8
#: Stream id of the world: the war's steps and the convener's lead times (by purpose).
WORLD_STREAM = stream_id("__world__")


@dataclass(frozen=True, slots=True)
class CompiledActor:
    """An actor as the engine runs it.

    Attributes
    ----------
    specs
        The actor's moves as the scenario defines them (for a person playing it).
    repertoire
        The actor's moves grouped for choice, all moves available.
    gate_mask
        Bit ``g`` set when one of its moves acts on gate ``g``: only those
        gates' being settled changes what it can choose.
    repertoires
        :meth:`repertoire_for` of every ``resolved & gate_mask``, computed
        once, when the actor acts on at most :data:`PRECOMPUTED_GATES` gates
        (otherwise empty, and each run builds what it needs).
    """

    index: int
    id: str
    stream: int
    tempo_days: float
    pass_weight: float
    moves: tuple[Action, ...]
    specs: tuple[Move, ...]
    repertoire: Repertoire
    base_weights: tuple[float, ...]
    polarity: tuple[int, ...]
    gate_mask: int
    repertoires: Mapping[int, Repertoire]

    def repertoire_for(self, resolved: int) -> Repertoire:
        """The repertoire when the gates in the mask ``resolved`` are settled.

        A move on a settled gate (an agreement, a seat demand, a
        precondition) is moot, so it gets weight 0; the rest keep theirs. A
        pure function of the mask (see :attr:`repertoires`).
        """
        if not resolved & self.gate_mask:
            return self.repertoire
        base = [
            0.0 if a.gate >= 0 and resolved >> a.gate & 1 else w
            for a, w in zip(self.moves, self.base_weights, strict=True)
        ]
        return Repertoire.of(base, self.polarity, self.pass_weight)


@dataclass(frozen=True, slots=True)
class Listener:
    """A reaction rule, indexed for dispatch.

    Attributes
    ----------
    reactor
        Index of the reacting actor.
    by_mask
        Bit ``a`` set when the rule answers actor ``a``.
    responses
        The response, prebuilt for each possible provoker (``None`` where the
        provoker is the reactor itself).
    """

    reactor: int
    rule: str
    by_mask: int
    probability: float
    delay_min_days: float
    delay_span_days: float
    responses: tuple[Action | None, ...]


@dataclass(frozen=True, slots=True)
class ReplayEvent:
    """A dated event as the engine replays it."""

    day: int
    action: Action
    provokes_reactions: bool
    note: str


@dataclass(frozen=True, slots=True)
class CompiledModel:
    """Everything a run needs, in index form; nothing refers back to the scenario.

    Attributes
    ----------
    name
        The scenario's name (for the run's result).
    horizon_day
        The last day simulated.
    listeners
        For each kind of action, the reaction rules that answer it.
    focal_days
        The focal deadlines, sorted, in days.
    horizon_end
        The run stops at this time (the end of the horizon day).
    grid
        The days at which readiness is sampled.
    readiness_dynamic
        Whether readiness moves between events.
    war_dynamic
        Whether the war takes random steps (the world process runs).
    reaction_streams
        ``reaction_streams[reactor][provoker]``: the random stream id of the
        reactor's answers to that provoker, so that removing one provoker's
        actions leaves the reactor's draws for all others unchanged.
    convener
        The id of the actor that announces dates ("" if none is named).
    max_depth
        The longest chain of reactions (0 when reactions are off).
    """

    name: str
    horizon_day: int
    actor_ids: tuple[str, ...]
    gate_ids: tuple[str, ...]
    kinds: tuple[ActionKind, ...]
    kind_index: Mapping[ActionKind, int]
    actors: tuple[CompiledActor, ...]
    listeners: Mapping[ActionKind, tuple[Listener, ...]]
    events: tuple[ReplayEvent, ...]
    initial: State
    context: ActionContext
    focal_days: tuple[float, ...]
    announce_logit: float
    postpone_logit: float
    horizon_end: float
    grid: tuple[float, ...]
    readiness_dynamic: bool
    war_dynamic: bool
    reaction_streams: tuple[tuple[int, ...], ...]
    world: World
    mechanisms: Mechanisms
    convening: ConveningRule
    sensitivity: float
    convener: str
    max_depth: int

    @property
    def n_gates(self) -> int:
        """How many gates the scenario has."""
        return len(self.gate_ids)


def _action(
    kind: ActionKind,
    actor: int,
    effect: Effect,
    other: str | None,
    gate: str | None,
    index: Mapping[str, int],
    gates: Mapping[str, int],
    label: str,
    certain: bool = False,
) -> Action:
    return Action(
        kind=kind,
        actor=actor,
        effect=effect,
        other=index[other] if other is not None else -1,
        gate=gates[gate] if gate is not None else -1,
        certain=certain,
        label=label,
    )


@lru_cache(maxsize=32)
def compile_scenario(scenario: Scenario) -> CompiledModel:
    """Compile a validated scenario for the engine (cached per scenario)."""
    actor_ids = tuple(a.id for a in scenario.actors)
    index = {aid: i for i, aid in enumerate(actor_ids)}
    gate_index = {g.id: i for i, g in enumerate(scenario.gates)}
    n = len(actor_ids)
    kinds = tuple(ActionKind)

    actors = []
    for i, spec in enumerate(scenario.actors):
        moves = tuple(
            _action(m.kind, i, m.effect, m.other, m.gate, index, gate_index, m.id)
            for m in spec.moves
        )
        gate_mask = 0
        for move in moves:
            if move.gate >= 0:
                gate_mask |= 1 << move.gate
        actor = CompiledActor(
            index=i,
            id=spec.id,
            stream=stream_id(spec.id),
            tempo_days=spec.tempo_days,
            pass_weight=spec.pass_weight,
            moves=moves,
            specs=spec.moves,
            gate_mask=gate_mask,
            base_weights=tuple(m.weight for m in spec.moves),
            polarity=tuple(KINDS[m.kind].polarity for m in spec.moves),
            repertoire=Repertoire.of(
                [m.weight for m in spec.moves],
                [KINDS[m.kind].polarity for m in spec.moves],
                spec.pass_weight,
            ),
            repertoires=MappingProxyType({}),
        )
        if gate_mask.bit_count() <= PRECOMPUTED_GATES:
            table = {key: actor.repertoire_for(key) for key in _submasks(gate_mask)}
            actor = dataclasses.replace(actor, repertoires=MappingProxyType(table))
        actors.append(actor)

    listeners: dict[ActionKind, list[Listener]] = {}
    for i, spec in enumerate(scenario.actors):
        for rule in spec.reactions:
            mask = 0
            for j, aid in enumerate(actor_ids):
                if j != i and (not rule.by or aid in rule.by):
                    mask |= 1 << j
            responses = tuple(
                None
                if j == i
                else _action(
                    rule.respond,
                    i,
                    rule.effect,
                    actor_ids[j] if rule.other == "provoker" else rule.other,
                    rule.gate,
                    index,
                    gate_index,
                    rule.id,
                )
                for j in range(n)
            )
            listener = Listener(
                i,
                rule.id,
                mask,
                rule.probability,
                rule.delay_min_days,
                rule.delay_max_days - rule.delay_min_days,
                responses,
            )
            for kind in rule.on:
                listeners.setdefault(kind, []).append(listener)

    events = tuple(
        ReplayEvent(
            e.day,
            _action(
                e.kind,
                index[e.actor],
                e.effect,
                e.other,
                e.gate,
                index,
                gate_index,
                e.id,
                certain=e.certain,
            ),
            e.provokes_reactions,
            e.note,
        )
        for e in scenario.events
    )

    pair_rapport = [scenario.initial.rapport] * (n * (n - 1) // 2)
    for r in scenario.rapport:
        pair_rapport[pair_index(index[r.between[0]], index[r.between[1]], n)] = r.value
    resolved = 0
    for g, gate in enumerate(scenario.gates):
        if gate.resolved:
            resolved |= 1 << g
    init = scenario.initial
    initial = State(
        readiness_logit=logit(init.readiness),
        violence_logit=logit(init.violence),
        balance_latent=atanh_stance(init.balance),
        resolved=resolved,
        contention_latent=tuple(contention_latent(g.contention) for g in scenario.gates),
        stance_latent=tuple(atanh_stance(a.stance) for a in scenario.actors),
        rapport_latent=tuple(logit(r) for r in pair_rapport),
        target_day=math.inf,
        phase=Phase.OPEN,
        convene_day=NO_DAY,
    )
    announce_logit, postpone_logit = thresholds(scenario.convening)
    horizon = scenario.horizon_day
    reactions = scenario.mechanisms.reactions
    return CompiledModel(
        name=scenario.name,
        horizon_day=horizon,
        actor_ids=actor_ids,
        gate_ids=tuple(gate_index),
        kinds=kinds,
        kind_index={k: i for i, k in enumerate(kinds)},
        actors=tuple(actors),
        listeners={k: tuple(v) for k, v in listeners.items()},
        events=events,
        initial=initial,
        context=ActionContext(tuple(a.side for a in scenario.actors), scenario.mechanisms.rapport),
        focal_days=tuple(sorted(float(d.day) for d in scenario.deadlines if d.focal)),
        announce_logit=announce_logit,
        postpone_logit=postpone_logit,
        horizon_end=horizon + 1.0,
        grid=tuple(float(d) for d in range(0, horizon + 1, int(SAMPLE_DAYS))),
        readiness_dynamic=_readiness_dynamic(scenario),
        war_dynamic=_war_dynamic(scenario),
        reaction_streams=tuple(
            tuple(stream_id(f"{reactor}<-{provoker}") for provoker in actor_ids)
            for reactor in actor_ids
        ),
        world=scenario.world,
        mechanisms=scenario.mechanisms,
        convening=scenario.convening,
        sensitivity=scenario.choice.stance_sensitivity,
        convener=scenario.convener or "",
        max_depth=reactions.max_depth if reactions.enabled else 0,
    )


def _submasks(mask: int) -> list[int]:
    """Every mask whose set bits are among ``mask``'s (``mask`` itself and 0 included)."""
    found = [0]
    sub = mask
    while sub:
        found.append(sub)
        sub = (sub - 1) & mask
    return found


def _readiness_dynamic(scenario: Scenario) -> bool:
    """Whether readiness moves between events (reversion, ripeness or narrowing)."""
    m = scenario.mechanisms
    return bool(
        scenario.world.readiness_reversion
        or (m.ripeness.enabled and m.ripeness.rate)
        or (m.narrowing.enabled and m.narrowing.rate)
    )


def _war_dynamic(scenario: Scenario) -> bool:
    """Whether the war takes random steps (else the engine leaves its process out)."""
    w = scenario.world
    return bool(
        w.violence_volatility or w.balance_volatility or w.violence_reversion or w.balance_reversion
    )
