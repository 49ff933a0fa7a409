"""A scenario compiled for running: indices instead of names, actions prebuilt.

:func:`compile_scenario` turns the teacher-readable :class:`~sim.scenario.Scenario`
into flat tuples the engine can use without a dictionary lookup per event. It
is pure data, computed once per scenario (and forecast origin) and cached;
nothing in it refers back to the scenario, and nothing in it changes.

Nothing the engine does per event depends on the number of actors: the
reaction rules are indexed by the kind of action *and* the actor that
provoked it, and rapport is held only for the pairs whose rapport can change
(:class:`~sim.model.actions.ActionContext`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType

from sim.engine.rng import stream_id
from sim.model.actions import KINDS, Action, ActionContext, ActionKind, VoteRule
from sim.model.choice import Repertoire
from sim.model.params import Effect, Mechanisms, World
from sim.model.stages import EndingRule, StageRule, threshold_logit
from sim.model.state import (
    NO_DAY,
    NOT_ENDED,
    State,
    atanh_stance,
    contention_latent,
    logit,
    pair_index,
)
from sim.scenario.build import INITIAL_REGIME
from sim.scenario.refs import PROVOKER
from sim.scenario.schema import REACTION_WHEN, BodySpec, DatedEvent, Move, Scenario, Targets

__all__ = [
    "CompiledActor",
    "CompiledModel",
    "Listener",
    "Regime",
    "ReplayEvent",
    "can_matter",
    "compile_scenario",
    "window_label",
]

#: Readiness is sampled for the fan chart every this many days.
SAMPLE_DAYS = 7.0
#: Every actor taking part (the ``active`` mask that excludes no one).
EVERYONE = -1

#: Largest number of gates an actor's moves may act on for its repertoires to be computed
#: ahead (2**n of them per regime).
PRECOMPUTED_GATES = 8
#: Stream id of the world: the war's steps and the stages' lead times (by purpose).
WORLD_STREAM = stream_id("__world__")


@dataclass(frozen=True, slots=True)
class Regime:
    """One regime of an actor (its leader or government), as the engine runs it.

    Attributes
    ----------
    name
        How the actor is called while in it.
    label
        What the change to it is called.
    base_weights
        The base weight of each of the actor's moves.
    repertoire
        The moves grouped for choice, all available (whatever the gates).
    repertoires
        :meth:`CompiledActor.repertoire_for` of every ``resolved & gate_mask``,
        computed once (empty when the actor acts on too many gates: each run
        then builds what it needs).
    """

    name: str
    label: str
    tempo_days: float
    pass_weight: float
    influence: float
    base_weights: tuple[float, ...]
    repertoire: Repertoire
    repertoires: Mapping[int, Repertoire]


@dataclass(frozen=True, slots=True)
class CompiledActor:
    """An actor as the engine runs it.

    Attributes
    ----------
    specs
        The actor's moves as the scenario defines them (for a person playing it).
    gate_mask
        Bit ``g`` set when one of its moves acts on gate ``g`` or on a gate
        that needs ``g``: only those gates' being settled changes what it can
        choose.
    needs
        Per move, the mask of gates that must be settled for it to matter
        (those it acts on are settled: it is moot; those they require are
        open: it cannot succeed).
    regimes
        Its regimes; regime 0 is the one it starts in.
    partner_mask
        Bit ``a`` set when actor ``a`` is a partner in one of its joint acts:
        only those actors' taking part changes what it can choose.
    """

    index: int
    id: str
    stream: int
    moves: tuple[Action, ...]
    specs: tuple[Move, ...]
    polarity: tuple[int, ...]
    gate_mask: int
    regimes: tuple[Regime, ...]
    partner_mask: int = 0

    @property
    def tempo_days(self) -> float:
        """Mean days between decisions in its first regime."""
        return self.regimes[0].tempo_days

    @property
    def pass_weight(self) -> float:
        """Weight of passing in its first regime."""
        return self.regimes[0].pass_weight

    @property
    def base_weights(self) -> tuple[float, ...]:
        """Base weights of its moves in its first regime."""
        return self.regimes[0].base_weights

    @property
    def repertoire(self) -> Repertoire:
        """Its moves grouped for choice, in its first regime, all available."""
        return self.regimes[0].repertoire

    def available(
        self, resolved: int, requires: Sequence[int], active: int = EVERYONE
    ) -> tuple[bool, ...]:
        """Per move, whether it can matter (:func:`can_matter`) in this state."""
        return tuple(can_matter(a, resolved, requires, active) for a in self.moves)

    def repertoire_for(
        self, resolved: int, requires: Sequence[int], regime: int = 0, active: int = EVERYONE
    ) -> Repertoire:
        """The repertoire of ``regime`` when the gates in the mask ``resolved`` are settled.

        A move on gates all settled (an agreement, a demand on a settled
        question) is moot, one on a gate whose required gates are open
        cannot succeed, and a joint act with a partner not in ``active``
        cannot happen: each gets weight 0; the rest keep theirs. A pure
        function of its arguments.
        """
        r = self.regimes[regime]
        base = [
            w if can_matter(a, resolved, requires, active) else 0.0
            for a, w in zip(self.moves, r.base_weights, strict=True)
        ]
        return Repertoire.of(base, self.polarity, r.pass_weight)


def can_matter(
    action: Action, resolved: int, requires: Sequence[int], active: int = EVERYONE
) -> bool:
    """Whether an action can matter when the gates in ``resolved`` are settled.

    A joint act needs all its partners taking part (in ``active``). An
    action on gates that are all settled is moot (a reopening is the
    reverse: it needs its gate settled), and one on a gate whose required
    gates are still open cannot succeed. An action on no gate always can.
    """
    if KINDS[action.kind].joint and any(not active >> o & 1 for o in action.others):
        return False
    gates = action.gates
    if not gates:
        return True
    if action.kind is ActionKind.REOPEN:
        return bool(resolved & gates)
    if resolved & gates == gates:
        return False
    needed = 0
    g = 0
    while gates >> g:
        if gates >> g & 1:
            needed |= requires[g]
        g += 1
    return (resolved | gates) & needed == needed


@dataclass(frozen=True, slots=True)
class Listener:
    """A reaction rule, indexed for dispatch.

    Attributes
    ----------
    reactor
        Index of the reacting actor.
    responses
        The response, prebuilt for each possible provoker (``None`` where the
        provoker is the reactor itself).
    when
        Which provocations it answers: 0 any, else only those whose outcome
        (:func:`outcome`) is this code.
    """

    reactor: int
    rule: str
    probability: float
    delay_min_days: float
    delay_span_days: float
    responses: tuple[Action | None, ...]
    when: int = 0


@dataclass(frozen=True, slots=True)
class ReplayEvent:
    """A dated event as the engine replays it.

    Attributes
    ----------
    record
        From the historical record (else a scenario's own invention).
    drawn
        Its outcome is drawn (an attempt without a recorded result, or a
        scheduled vote or election whose result the forecast does not know).
    """

    day: int
    action: Action
    provokes_reactions: bool
    note: str
    record: bool
    drawn: bool


@dataclass(frozen=True, slots=True)
class CompiledModel:
    """Everything a run needs, in index form; nothing refers back to the scenario.

    Attributes
    ----------
    name
        The scenario's name (for the run's result).
    horizon_day
        The last day simulated.
    origin
        The forecast origin, in days: the record is replayed up to and
        including this day; simulated decisions, reactions and war steps
        start at its end (``origin + 1``). 0 with no record before the start.
    listeners
        ``listeners[kind][provoker]``: the reaction rules that answer an action
        of that kind by that actor.
    focal_deadlines
        The indices of the focal deadlines.
    horizon_end
        The run stops at this time (the end of the horizon day).
    grid
        The days at which readiness is sampled.
    readiness_dynamic
        Whether readiness moves between events.
    war_dynamic
        Whether the war takes random steps (the world process runs).
    max_depth
        The longest chain of reactions (0 when reactions are off).
    stages, endings
        The rules of the outcome's stages and of the alternative endings.
    stage_by
        Per stage, the id of the actor that takes it ("" if none is named).
    deadline_stage
        Per deadline, the index of the stage it is for.
    deadline_ending
        Per deadline, the ending it brings if it passes with its stage
        unreached, or -1.
    sessions
        ``(from, to)`` times when simulated actors act; empty: always.
    """

    name: str
    horizon_day: int
    origin: int
    actor_ids: tuple[str, ...]
    gate_ids: tuple[str, ...]
    deadline_ids: tuple[str, ...]
    stage_ids: tuple[str, ...]
    ending_ids: tuple[str, ...]
    coalition_ids: tuple[str, ...]
    kinds: tuple[ActionKind, ...]
    kind_index: Mapping[ActionKind, int]
    actors: tuple[CompiledActor, ...]
    listeners: Mapping[ActionKind, tuple[tuple[Listener, ...], ...]]
    events: tuple[ReplayEvent, ...]
    initial: State
    context: ActionContext
    focal_deadlines: tuple[int, ...]
    horizon_end: float
    grid: tuple[float, ...]
    readiness_dynamic: bool
    war_dynamic: bool
    world: World
    mechanisms: Mechanisms
    sensitivity: float
    max_depth: int
    stages: tuple[StageRule, ...]
    endings: tuple[EndingRule, ...]
    stage_by: tuple[str, ...]
    deadline_stage: tuple[int, ...]
    deadline_ending: tuple[int, ...]
    sessions: tuple[tuple[float, float], ...]

    @property
    def n_gates(self) -> int:
        """How many gates the scenario has."""
        return len(self.gate_ids)

    @property
    def origin_time(self) -> float:
        """When simulated actors take over: the end of the origin day (0 with no origin)."""
        return float(self.origin + 1) if self.origin > 0 else 0.0

    def in_session(self, now: float) -> bool:
        """Whether simulated actors act at ``now`` (always, with no sessions)."""
        return not self.sessions or any(a <= now < b for a, b in self.sessions)

    def next_session(self, now: float) -> float:
        """The start of the next session after ``now`` (``inf`` if none)."""
        return next((a for a, _ in self.sessions if a > now), math.inf)


class _Index:
    """Indices of a scenario's names."""

    def __init__(self, scenario: Scenario) -> None:
        self.actors = {a.id: i for i, a in enumerate(scenario.actors)}
        self.gates = {g.id: i for i, g in enumerate(scenario.gates)}
        self.deadlines = {d.id: i for i, d in enumerate(scenario.deadlines)}
        self.stages = {s.id: i for i, s in enumerate(scenario.stages)}
        self.endings = {e.id: i for i, e in enumerate(scenario.endings)}
        self.coalitions = {c.id: i for i, c in enumerate(scenario.coalitions)}
        self.regimes = {
            a.id: {"": 0, INITIAL_REGIME: 0, **{r.id: k + 1 for k, r in enumerate(a.regimes)}}
            for a in scenario.actors
        }
        self.bodies = {b.id: _vote_rule(b, scenario, self.actors) for b in scenario.bodies}

    def action(
        self,
        kind: ActionKind,
        actor: str,
        effect: Effect,
        targets: Targets,
        label: str,
        *,
        provoker: str | None = None,
        certain: bool = False,
        fails: bool = False,
        to_day: int = -1,
        regime: str | None = None,
    ) -> Action:
        others = tuple(
            self.actors[provoker if o == PROVOKER and provoker is not None else o]
            for o in targets.others
        )
        gates = 0
        for g in targets.gates:
            gates |= 1 << self.gates[g]
        regimes = self.regimes[actor]
        chosen = regime if regime is not None else targets.regime
        total = 0.0
        candidates = []
        for name, p in targets.candidates:
            total += p
            candidates.append((regimes[name], total))
        if candidates:
            candidates[-1] = (candidates[-1][0], 1.0)  # rounding cannot leave a draw unmatched
        return Action(
            kind=kind,
            actor=self.actors[actor],
            effect=effect,
            others=others,
            gates=gates,
            certain=certain,
            fails=fails,
            label=label,
            deadline=self.deadlines[targets.deadline] if targets.deadline else -1,
            ending=self.endings[targets.ending] if targets.ending else -1,
            stage=self.stages[targets.stage] if targets.stage else -1,
            regime=regimes[chosen] if chosen else -1,
            coalition=self.coalitions[targets.coalition] if targets.coalition else -1,
            to_day=to_day,
            vote=self.bodies[targets.body] if targets.body else None,
            candidates=tuple(candidates),
        )


def _vote_rule(body: BodySpec, scenario: Scenario, actors: Mapping[str, int]) -> VoteRule:
    held = math.fsum(w for _, w in body.seats)
    size = body.size if body.size is not None else held
    specs = {a.id: a for a in scenario.actors}
    by_regime = tuple(
        (w, *(dict(r.seats).get(body.id, w) for r in specs[a].regimes)) for a, w in body.seats
    )
    changes = any(len(set(shares)) > 1 for shares in by_regime)
    return VoteRule(
        members=tuple(actors[a] for a, _ in body.seats),
        weights=tuple(w for _, w in body.seats),
        others_weight=max(size - held, 0.0),
        others_stance=body.others_stance,
        threshold=body.threshold,
        sharpness=body.sharpness,
        regime_weights=by_regime if changes else (),
        size=body.size or 0.0 if changes else 0.0,
    )


def _submasks(mask: int) -> list[int]:
    """Every mask whose set bits are among ``mask``'s (``mask`` itself and 0 included)."""
    found = [0]
    sub = mask
    while sub:
        found.append(sub)
        sub = (sub - 1) & mask
    return found


def _actor(i: int, scenario: Scenario, index: _Index, requires: Sequence[int]) -> CompiledActor:
    spec = scenario.actors[i]
    moves = tuple(index.action(m.kind, spec.id, m.effect, m.targets, m.id) for m in spec.moves)
    polarity = tuple(KINDS[m.kind].polarity for m in spec.moves)
    gate_mask = 0
    for move in moves:
        gates = move.gates
        g = 0
        while gates >> g:
            if gates >> g & 1:
                gate_mask |= 1 << g | requires[g]
            g += 1
    partner_mask = 0
    for move in moves:
        if KINDS[move.kind].joint:
            for o in move.others:
                partner_mask |= 1 << o
    actor = CompiledActor(
        i, spec.id, stream_id(spec.id), moves, spec.moves, polarity, gate_mask, (), partner_mask
    )
    regimes = []
    base = tuple(m.weight for m in spec.moves)
    for regime in (None, *spec.regimes):
        weights = dict(regime.weights) if regime is not None else {}
        tempo = (
            spec.tempo_days if regime is None or regime.tempo_days is None else regime.tempo_days
        )
        passing = (
            spec.pass_weight if regime is None or regime.pass_weight is None else regime.pass_weight
        )
        influence = (
            spec.influence if regime is None or regime.influence is None else regime.influence
        )
        weights_now = tuple(weights.get(m.id, w) for m, w in zip(spec.moves, base, strict=True))
        regimes.append(
            Regime(
                name=regime.name or spec.name if regime is not None else spec.name,
                label=regime.label if regime is not None else spec.name,
                tempo_days=tempo,
                pass_weight=passing,
                influence=influence,
                base_weights=weights_now,
                repertoire=Repertoire.of(weights_now, polarity, passing),
                repertoires=MappingProxyType({}),
            )
        )
    actor = dataclasses.replace(actor, regimes=tuple(regimes))
    if gate_mask.bit_count() <= PRECOMPUTED_GATES:
        actor = dataclasses.replace(
            actor,
            regimes=tuple(
                dataclasses.replace(
                    r,
                    repertoires=MappingProxyType(
                        {
                            key: actor.repertoire_for(key, requires, k)
                            for key in _submasks(gate_mask)
                        }
                    ),
                )
                for k, r in enumerate(actor.regimes)
            ),
        )
    return actor


def _listeners(
    scenario: Scenario, index: _Index
) -> dict[ActionKind, tuple[tuple[Listener, ...], ...]]:
    """``[kind][provoker]`` -> the rules answering it, in actor then rule order."""
    actor_ids = [a.id for a in scenario.actors]
    n = len(actor_ids)
    table: dict[ActionKind, list[list[Listener]]] = {}
    for i, spec in enumerate(scenario.actors):
        for rule in spec.reactions:
            provokers = [
                j for j, aid in enumerate(actor_ids) if j != i and (not rule.by or aid in rule.by)
            ]
            # Responses are built only for the actors the rule answers: a rule that
            # answers one actor costs one action, not one per actor of the scenario.
            responses: list[Action | None] = [None] * n
            for j in provokers:
                responses[j] = index.action(
                    rule.respond, spec.id, rule.effect, rule.targets, rule.id, provoker=actor_ids[j]
                )
            listener = Listener(
                i,
                rule.id,
                rule.probability,
                rule.delay_min_days,
                rule.delay_max_days - rule.delay_min_days,
                tuple(responses),
                REACTION_WHEN.index(rule.when),
            )
            for kind in rule.on:
                by_provoker = table.setdefault(kind, [[] for _ in range(n)])
                for j in provokers:
                    by_provoker[j].append(listener)
    return {k: tuple(tuple(v) for v in rows) for k, rows in table.items()}


def _record_outcome(event: DatedEvent, known: bool) -> tuple[bool, bool, bool]:
    """``(certain, fails, drawn)`` of an event: its recorded result, or a draw."""
    if event.kind is ActionKind.ELECTION:
        return False, False, not (known and event.result is not None)
    if KINDS[event.kind].chance is None:
        return False, False, False
    if known and event.result is not None:
        return event.result != "failed", event.result == "failed", False
    if known and event.result is None:
        return event.certain, False, not event.certain
    return False, False, True


def _known_by(scenario: Scenario, known_from: dt.date | None, origin: int) -> bool:
    """Whether something set on ``known_from`` (None: always known) is known at the origin."""
    return known_from is None or scenario.day_of(known_from) <= origin


def window_label(actor_id: str) -> str:
    """The label of the join and leave events an actor's windows become (not the record's)."""
    return f"{actor_id}-window"


def _events(scenario: Scenario, index: _Index, origin: int) -> tuple[ReplayEvent, ...]:
    """The dated events a forecast as of ``origin`` knows.

    Record events up to the origin, with their results; scheduled record
    events after it, without their results (drawn); every event a scenario
    adds (not from the record). Actors' windows become join and leave events.
    """
    # Windows first: on the day an actor joins, it takes part in that day's events.
    replay = []
    for spec in scenario.actors:
        for first, last in spec.windows:
            for kind, day in ((ActionKind.JOIN, first), (ActionKind.LEAVE, last + _ONE_DAY)):
                d = scenario.day_of(day)
                if d > scenario.horizon_day:
                    continue
                action = index.action(kind, spec.id, Effect(), Targets(), window_label(spec.id))
                replay.append(ReplayEvent(d, action, False, "", False, False))
    for e in scenario.events:
        known = e.day <= origin or not e.record
        if not known and not (e.scheduled and _known_by(scenario, e.known_from, origin)):
            continue
        certain, fails, drawn = _record_outcome(e, known)
        to_day = scenario.day_of(e.to) if e.to is not None else -1
        regime = e.result if e.kind is ActionKind.ELECTION and not drawn else None
        action = index.action(
            e.kind,
            e.actor,
            e.effect,
            e.targets,
            e.id,
            certain=certain,
            fails=fails,
            to_day=to_day,
            regime=regime,
        )
        replay.append(ReplayEvent(e.day, action, e.provokes_reactions, e.note, e.record, drawn))
    replay.sort(key=lambda e: e.day)  # stable: same-day events keep their order
    return tuple(replay)


def _slots(
    scenario: Scenario,
    index: _Index,
    listeners: Mapping[ActionKind, tuple[tuple[Listener, ...], ...]],
) -> dict[int, int]:
    """A slot for every pair of actors whose rapport can change (or was given), in a fixed order."""
    n = len(scenario.actors)
    pairs: dict[int, int] = {}

    def add(a: int, b: int) -> None:
        key = pair_index(a, b, n)
        if key not in pairs:
            pairs[key] = len(pairs)

    for r in scenario.rapport:
        add(index.actors[r.between[0]], index.actors[r.between[1]])
    movers = [
        index.action(m.kind, a.id, m.effect, m.targets, m.id)
        for a in scenario.actors
        for m in a.moves
    ]
    movers += [index.action(e.kind, e.actor, e.effect, e.targets, e.id) for e in scenario.events]
    for rows in listeners.values():
        for row in rows:
            for listener in row:
                movers.extend(r for r in listener.responses if r is not None)
    for action in movers:
        if action.effect.rapport or KINDS[action.kind].joint:
            for other in action.others:
                add(action.actor, other)
    return pairs


_ONE_DAY = __import__("datetime").timedelta(days=1)


@lru_cache(maxsize=32)
def compile_scenario(scenario: Scenario) -> CompiledModel:
    """Compile a validated scenario for the engine (cached per scenario).

    The forecast origin is the scenario's ``as_of`` (set it with
    :func:`~sim.scenario.with_overrides` or ``--as-of``).
    """
    index = _Index(scenario)
    actor_ids = tuple(a.id for a in scenario.actors)
    n = len(actor_ids)
    origin = scenario.as_of_day
    requires = tuple(sum(1 << index.gates[r] for r in g.requires) for g in scenario.gates)
    actors = tuple(_actor(i, scenario, index, requires) for i in range(n))
    listeners = _listeners(scenario, index)
    slots = _slots(scenario, index, listeners)
    init = scenario.initial
    rapport = [logit(init.rapport)] * len(slots)
    for r in scenario.rapport:
        rapport[slots[pair_index(index.actors[r.between[0]], index.actors[r.between[1]], n)]] = (
            logit(r.value)
        )
    resolved = 0
    for g, gate in enumerate(scenario.gates):
        if gate.resolved:
            resolved |= 1 << g
    influence = tuple(tuple(r.influence for r in a.regimes) for a in actors)
    active = 0
    stances = tuple(atanh_stance(a.stance) for a in scenario.actors)
    stance_sum = 0.0
    influence_total = 0.0
    for i, spec in enumerate(scenario.actors):
        if spec.active and not spec.windows:
            active |= 1 << i
            stance_sum += influence[i][0] * math.tanh(stances[i])
            influence_total += influence[i][0]
    war = scenario.war
    violence = init.violence if init.violence is not None else None
    world = scenario.world
    initial = State(
        readiness_logit=logit(init.readiness),
        violence_logit=logit(violence) if violence is not None else -math.inf,
        violence_mean_logit=(
            math.log(world.violence_mean / (1.0 - world.violence_mean)) if war else -math.inf
        ),
        balance_latent=atanh_stance(init.balance) if war else 0.0,
        resolved=resolved,
        contention_latent=tuple(contention_latent(g.contention) for g in scenario.gates),
        stance_latent=stances,
        stance_sum=stance_sum,
        influence_total=influence_total,
        rapport_latent=tuple(rapport),
        target_day=math.inf,
        stage=0,
        pending_day=NO_DAY,
        ended=NOT_ENDED,
        regime=(0,) * n,
        active=active,
        deadline_days=tuple(d.day for d in scenario.deadlines),
    )
    all_gates = (1 << len(scenario.gates)) - 1
    # Every date a run sets (a stage's, a target date, an extended deadline) stops at the
    # calendar's last day, so that each is a date.
    last_day = (dt.date.max - scenario.start).days
    stages = []
    for k, s in enumerate(scenario.stages):
        gates = all_gates if s.gates is None else sum(1 << index.gates[g] for g in s.gates)
        undo = index.stages[s.postponement_undoes] if s.postponement_undoes else k
        stages.append(
            StageRule(
                gates=gates,
                threshold_logit=threshold_logit(s.threshold),
                lead_days=s.lead_days,
                postpone_logit=threshold_logit(s.postpone_below),
                undo_from=undo,
                last_day=last_day,
            )
        )
    horizon = scenario.horizon_day
    reactions = scenario.mechanisms.reactions
    context = ActionContext(
        sides=tuple(a.side for a in scenario.actors),
        rapport=scenario.mechanisms.rapport,
        influence=influence,
        requires=requires,
        coalitions=tuple(tuple(index.actors[m] for m in c.members) for c in scenario.coalitions),
        slots=MappingProxyType(slots),
        default_rapport_logit=logit(init.rapport),
        regime_stance=_regime_stances(scenario),
        last_day=last_day,
    )
    return CompiledModel(
        name=scenario.name,
        horizon_day=horizon,
        origin=origin,
        actor_ids=actor_ids,
        gate_ids=tuple(index.gates),
        deadline_ids=tuple(index.deadlines),
        stage_ids=tuple(index.stages),
        ending_ids=tuple(index.endings),
        coalition_ids=tuple(index.coalitions),
        kinds=tuple(ActionKind),
        kind_index={k: i for i, k in enumerate(ActionKind)},
        actors=actors,
        listeners=MappingProxyType(listeners),
        events=_events(scenario, index, origin),
        initial=initial,
        context=context,
        focal_deadlines=tuple(
            i
            for i, d in enumerate(scenario.deadlines)
            if d.focal and _known_by(scenario, d.known_from, origin)
        ),
        horizon_end=horizon + 1.0,
        grid=tuple(float(d) for d in range(0, horizon + 1, int(SAMPLE_DAYS))),
        readiness_dynamic=_readiness_dynamic(scenario),
        war_dynamic=war and _war_dynamic(world),
        world=world,
        mechanisms=scenario.mechanisms,
        sensitivity=scenario.choice.stance_sensitivity,
        max_depth=reactions.max_depth if reactions.enabled else 0,
        stages=tuple(stages),
        endings=tuple(EndingRule(threshold_logit(e.readiness_below)) for e in scenario.endings),
        stage_by=tuple(s.by or "" for s in scenario.stages),
        deadline_stage=tuple(index.stages[d.stage] for d in scenario.deadlines),
        deadline_ending=tuple(
            index.endings[d.default_ending]
            if d.default_ending and _known_by(scenario, d.known_from, origin)
            else -1
            for d in scenario.deadlines
        ),
        sessions=tuple(
            (float(scenario.day_of(a)), float(scenario.day_of(b) + 1)) for a, b in scenario.sessions
        ),
    )


def _regime_stances(scenario: Scenario) -> tuple[tuple[float, ...], ...]:
    """Per actor, per regime, the stance (atanh) entering it sets; NaN: none. Empty if none does."""
    table = tuple(
        (math.nan, *(math.nan if r.stance is None else atanh_stance(r.stance) for r in a.regimes))
        for a in scenario.actors
    )
    return table if any(not math.isnan(x) for row in table for x in row) else ()


def _readiness_dynamic(scenario: Scenario) -> bool:
    """Whether readiness moves between events (reversion, ripeness or narrowing)."""
    m = scenario.mechanisms
    return bool(
        scenario.world.readiness_reversion
        or (scenario.war and m.ripeness.enabled and m.ripeness.rate)
        or (scenario.war and m.narrowing.enabled and m.narrowing.rate)
    )


def _war_dynamic(w: World) -> bool:
    """Whether the war takes random steps (else the engine leaves its process out)."""
    return bool(
        w.violence_volatility or w.balance_volatility or w.violence_reversion or w.balance_reversion
    )
