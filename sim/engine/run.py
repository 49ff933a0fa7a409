"""One run of a scenario on SimPy: :func:`simulate`.

History, then forecast
----------------------
A scenario's record is known up to its forecast origin (``as_of``). Up to
the end of that day only the record acts: its dated events are replayed
with their recorded results, and nothing is simulated (no actor decides, no
reaction is sent, the war takes no random step, and no stage is taken but
by a record event). Readiness still relaxes between events (a deterministic
equation), and a deadline that passes unmet still brings its default ending.
At the end of the origin day the simulated actors take over from the state
the record produced. Record events after the origin are unknown to the run,
but for scheduled ones (a vote or an election set for a date), which keep
their date and lose their result.

Processes and events
--------------------
- one process per actor: from the origin, it waits an exponential time with
  mean its regime's ``tempo_days`` (shorter near a focal date), then chooses a
  move from its repertoire or lets the turn pass; it sleeps while it is not
  taking part or the negotiation is in recess;
- dated events: each a timed event with a callback, all scheduled when the
  run starts, at the start of their day;
- one world process (when there is a war with dynamics): every ``tick_days``
  from the origin the war takes a random step (violence, balance);
- messages: when an action is one that another actor reacts to, that actor
  draws whether it reacts and when the news reaches it; if it reacts, its
  response happens on arrival (a timed event with a callback);
- stage dates: when a stage's date is set, an urgent event at the start of
  that day reaches it unless the date was postponed meanwhile;
- deadlines with a default ending: an event at the end of the deadline's
  day (wherever extensions moved it) ends the negotiation if its stage was
  not reached by that day (a deadline on the horizon day passes after the
  run, which is censored);
- checks: readiness moves between events (reversion to its rest level,
  ripeness, narrowing: :func:`sim.model.mechanisms.relax`); when it is heading
  for a threshold that matters (the next stage's, a pending date's postpone
  threshold, an ending's level), a check is scheduled for the moment it
  crosses (:func:`sim.model.mechanisms.crossing_time`), so the rule acts then.

An event that changes the state first brings readiness up to date, then
applies its change, then the stage and ending rules. Reading the state (a
trace, a person playing an actor) never changes the run. The run stops when
the last stage is reached, when an ending happens, or at the end of the
horizon day (time ``horizon_day + 1``); a run that spends its event budget
first is stopped with :class:`~sim.engine.budget.EventBudgetExceeded` (see
:mod:`sim.engine.budget`).

Order of simultaneous events
----------------------------
SimPy runs simultaneous events by priority, then in the order they were
scheduled, never at random. At time 0 the processes start first (SimPy
starts processes with urgent priority): each actor draws its first wait (or
its wait for the origin) before the day-0 dated events happen. At the start
of any day:

1. a deadline that passed at the end of the day before brings its default
   ending first (ahead of urgent priority: the day before is over); then a
   stage due that day is reached (urgent priority), unless a check found
   readiness below the postpone threshold before;
2. the day's dated events follow, in file order: they were scheduled before
   anything else;
3. then everything else due at that instant, in the order it was scheduled:
   a war step on a tick day, a message whose delay lands it there.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass
from functools import partial
from statistics import NormalDist
from typing import Any

import simpy
from simpy.core import StopSimulation
from simpy.events import URGENT, Event, EventPriority

from sim.engine.budget import MAX_EVENTS, EventBudgetExceeded, explain
from sim.engine.compiled import (
    SAMPLE_DAYS,
    WORLD_STREAM,
    CompiledActor,
    CompiledModel,
    Listener,
    ReplayEvent,
    can_matter,
    compile_scenario,
)
from sim.engine.result import RunResult, Source, Step, TraceRecord
from sim.engine.rng import Purpose, Streams, Uniforms, stream_id
from sim.model.actions import KINDS, Action, ActionContext, apply, success_chance
from sim.model.choice import PASS, Repertoire, weights
from sim.model.mechanisms import (
    crossing_time,
    near_focal_date,
    readiness_drift,
    relax,
    rest_logit,
    war_step,
)
from sim.model.stages import Transition, due, end, postpone, reach, take
from sim.model.state import NO_DAY, NOT_ENDED, State, logistic
from sim.scenario.schema import REACTION_WHEN, Move, Scenario

__all__ = ["Check", "CheckingEnvironment", "Chooser", "Decision", "simulate"]

#: A check called after every SimPy event with the time and the state; it raises to fail.
Check = Callable[[float, State], None]


@dataclass(frozen=True, slots=True)
class Decision:
    """What a person playing an actor sees at one of the actor's decision times.

    Attributes
    ----------
    actor
        The actor's id.
    time
        Days since the scenario start.
    decision
        The actor's decision number (0, 1, ...).
    state
        The current state.
    moves
        The actor's repertoire, as the scenario defines it.
    actions
        The same moves as actions, ready for :func:`sim.model.actions.apply`
        (to preview their effects).
    weights
        How the simulated actor would weigh each move right now (0 for a move
        that is not available).
    available
        Per move, whether it can be chosen now: a move on a gate already
        settled is moot, a joint act needs its partners taking part, and a
        move the actor's regime of the day gives no weight is not its to make;
        a simulated actor never chooses any of them.
    model_choice
        What the simulated actor would choose now, with its own random draw
        (a move index or ``PASS``): returning it reproduces the simulated run.
    pass_weight
        How it would weigh letting the turn pass.
    recent
        Trace records since the actor's previous decision (empty when the
        run is not traced).
    model
        The compiled scenario (names, gates, the action context).
    """

    actor: str
    time: float
    decision: int
    state: State
    moves: tuple[Move, ...]
    actions: tuple[Action, ...]
    weights: tuple[float, ...]
    available: tuple[bool, ...]
    model_choice: int
    pass_weight: float
    recent: tuple[TraceRecord, ...]
    model: CompiledModel


#: Makes a played actor's choice: the index of a move, or PASS (-1).
Chooser = Callable[[Decision], int]

_inv_normal = NormalDist().inv_cdf
_DECISION = Source.DECISION
_REACTION = Source.REACTION
#: How long after an exactly computed threshold crossing readiness is checked, in days.
_CROSSING_MARGIN = 1e-9


class CheckingEnvironment(simpy.Environment):
    """A SimPy environment that calls a check after every event it processes.

    The analogue of Ciw's ``AssertSim``: cheap, and it catches a broken
    invariant at the event that broke it.
    """

    def __init__(self, after_step: Callable[[], None]) -> None:
        super().__init__()
        self._after_step = after_step

    def step(self) -> None:
        """Process the next event, then run the check (also after the final one)."""
        try:
            super().step()
        finally:
            self._after_step()


#: The priority of a deadline's passing: ahead even of the urgent events of the same instant
#: (the end of its day comes before anything of the next day).
_FIRST = EventPriority(URGENT - 1)


class _Urgent(Event):
    """An event that fires after ``delay`` days with urgent priority (or ``priority``).

    Built like :class:`simpy.events.Timeout`, but scheduled ahead of normal
    events at the same time.
    """

    def __init__(
        self, env: simpy.Environment, delay: float, priority: EventPriority = URGENT
    ) -> None:
        super().__init__(env)
        self._ok = True
        self._value = None
        env.schedule(self, priority, delay)


#: Outcome codes of an action (:func:`_outcome`), as :data:`REACTION_WHEN` numbers them.
_MOOT, _SUCCEEDED, _FAILED = 0, REACTION_WHEN.index("succeeded"), REACTION_WHEN.index("failed")


def _outcome(before: State, action: Action, context: ActionContext, u: float) -> int:
    """How an action went: succeeded, failed or moot.

    Every action without a chance of failing succeeds; an attempt or a vote
    fails if it did not pass, and is moot if its questions were all settled.
    """
    if KINDS[action.kind].chance is None:
        return _SUCCEEDED
    if action.fails:
        return _FAILED
    if action.gates and before.resolved & action.gates == action.gates:
        return _MOOT
    if action.certain or u < success_chance(before, action, context):
        return _SUCCEEDED
    return _FAILED


def _names(ids: tuple[str, ...], mask: int) -> str:
    """The ids of the bits set in ``mask``, joined by "+"."""
    return "+".join(ids[g] for g in range(len(ids)) if mask >> g & 1)


class _Run:
    """The mutable bookkeeping of one run. The state itself changes only through the model."""

    def __init__(
        self,
        model: CompiledModel,
        seed: int,
        run: int,
        trace: bool,
        check: Check | None,
        players: Mapping[str, Chooser],
        budget: int = MAX_EVENTS,
    ) -> None:
        self.model = model
        self.budget = budget
        self.players = players
        self.asked_at: dict[int, int] = {}
        self.seed = seed
        self.run = run
        self.state = model.initial
        self.streams = Streams(seed, run)
        if check is None:
            self.env = simpy.Environment()
        else:
            self.env = CheckingEnvironment(lambda: check(self.env.now, self.state))
        n_kinds = len(model.kinds)
        self.n_kinds = n_kinds
        self.counts = [0] * (len(model.actors) * n_kinds)
        self.trace: list[TraceRecord] | None = [] if trace else None
        self.events = 0
        # Answers sent and not yet delivered or dropped count against the budget too: instant
        # answers multiply faster than they are delivered, and each waits in memory.
        self.sent = 0
        self.announcements: list[tuple[float, int, int]] = []
        self.postponements: list[tuple[float, int]] = []
        self.gate_days: list[float | None] = [
            0.0 if model.initial.resolved >> g & 1 else None for g in range(model.n_gates)
        ]
        self.reopenings = [0] * model.n_gates
        self.stage_days: list[int | None] = [None] * len(model.stages)
        self.ending_day: int | None = None
        self.readiness: list[float] = []
        self.next_sample = 0.0
        self.finished = False
        self.reaction_streams: dict[tuple[int, int], Uniforms] = {}
        # Readiness between events (see sim.model.mechanisms.relax): the time it
        # was last brought up to date, and its rest level and drift, which
        # change only when stances, violence or the balance do.
        self.last_time = 0.0
        self.reversion = model.world.readiness_reversion
        self.dynamic = model.readiness_dynamic
        self._rest_key: tuple[float, float] | None = None
        self._rest = 0.0
        self._drift_key: tuple[float, float] | None = None
        self._drift = 0.0
        self.max_depth = model.max_depth
        # Repertoires by (regime, settled gates) for actors on too many gates to compute
        # them all ahead (see Regime.repertoires): built as this run needs them.
        self.repertoires: list[dict[tuple[int, int, int], Repertoire]] = [{} for _ in model.actors]
        self.listeners = model.listeners
        self.kind_index = model.kind_index
        self.requires = model.context.requires
        self.lead_draws = Uniforms(self.streams, WORLD_STREAM, Purpose.CONVENING)
        self.origin_time = model.origin_time
        # The earliest pending check for readiness crossing a threshold between events.
        self.watch_at = math.inf
        # Actors asleep until they take part again: their wake-up events.
        self.sleeping: dict[int, Event] = {}

    # -- running ----------------------------------------------------------------

    def execute(self) -> RunResult:
        model = self.model
        env = self.env
        # Dated events are scheduled before anything else, so that at their time they
        # come before every other event but a stage due (see the module docstring).
        for event in model.events:
            env.timeout(float(event.day)).callbacks.append(partial(self._dated, event))
        for d, ending in enumerate(model.deadline_ending):
            if ending >= 0:
                self._watch_deadline(d, self.state.deadline_days[d])
        for actor in model.actors:
            env.process(self._actor(actor))
        if model.war_dynamic:
            env.process(self._world())
        if self.origin_time > 0.0:
            env.timeout(self.origin_time).callbacks.append(self._take_over)
        else:
            self._settle(0.0)
        env.run(until=model.horizon_end)
        return self._result()

    def _take_over(self, _event: Event) -> None:
        """At the forecast origin: the rules act on the state the record produced."""
        self._advance(self.env.now)
        self._settle(self.env.now)

    def _result(self) -> RunResult:
        model = self.model
        if not self.finished:
            self._advance(model.horizon_end)  # readiness at the end of the horizon
        last = logistic(self.state.readiness_logit)
        grid = model.grid
        # After the run ended (its last stage, or an ending) nothing is simulated: no
        # readiness to sample. A run still going at the horizon was sampled to its end.
        self.readiness.extend([math.nan] * (len(grid) - len(self.readiness)))
        state = self.state
        return RunResult(
            scenario=model.name,
            seed=self.seed,
            run=self.run,
            stage_ids=model.stage_ids,
            stage_days=tuple(self.stage_days),
            ending_ids=model.ending_ids,
            ending=state.ended,
            ending_day=self.ending_day,
            horizon_day=model.horizon_day,
            origin=model.origin,
            deadline_ids=model.deadline_ids,
            deadline_days=state.deadline_days,
            announcements=tuple(self.announcements),
            postponements=tuple(self.postponements),
            gate_ids=model.gate_ids,
            gate_days=tuple(self.gate_days),
            gate_reopenings=tuple(self.reopenings),
            actor_ids=model.actor_ids,
            kinds=tuple(k.value for k in model.kinds),
            action_counts=tuple(self.counts),
            readiness=tuple(self.readiness),
            sample_days=SAMPLE_DAYS,
            final_readiness=last,
            events=self.events,
            trace=tuple(self.trace) if self.trace is not None else None,
        )

    # -- processes ------------------------------------------------------------------

    def _near(self, now: float, state: State) -> bool:
        """Whether a focal date (a focal deadline where it now stands, a target date) is near."""
        days = state.deadline_days
        return near_focal_date(
            now,
            (days[d] for d in self.model.focal_deadlines),
            state.target_day,
            self.model.mechanisms.focal_dates.window_days,
        )

    def _actor(self, actor: CompiledActor) -> Generator[Event, Any, None]:
        """An actor's decision loop, from the forecast origin on.

        Decision ``k`` uses draws ``3k, 3k+1, 3k+2`` of the actor's decision
        stream (wait, choice, outcome), whatever happens, so draws stay keyed
        by (actor, decision number). Whether a focal date is near is judged at
        the decision: it sets that decision's weights and the wait until the
        next one. This loop runs for most events of a run, so it keeps what it
        can in local variables.
        """
        env = self.env
        model = self.model
        streams = self.streams
        stream = actor.stream
        focal = model.mechanisms.focal_dates
        use_focal = focal.enabled and (focal.tempo_boost != 1.0 or focal.weight_boost != 1.0)
        sensitivity = model.sensitivity
        index = actor.index
        bit = 1 << index
        tempo_boost = focal.tempo_boost
        boost = focal.weight_boost
        moves = actor.moves
        regimes = actor.regimes
        built = self.repertoires[index]
        gate_mask = actor.gate_mask
        partner_mask = actor.partner_mask
        requires = self.requires
        sessions = bool(model.sessions)
        player = self.players.get(actor.id)
        timeout = env.timeout
        log1p = math.log1p
        buffer: list[float] = []
        pos = block = decision = 0
        if self.origin_time > 0.0:
            yield timeout(self.origin_time)
        near = use_focal and self._near(env.now, self.state)
        while True:
            if pos == len(buffer):
                buffer = streams.block(stream, Purpose.DECISIONS, block)
                block += 1
                pos = 0
            u_wait = buffer[pos]
            u_choice = buffer[pos + 1]
            u_outcome = buffer[pos + 2]
            pos += 3
            tempo = regimes[self.state.regime[index]].tempo_days
            yield timeout(-log1p(-u_wait) * (tempo / tempo_boost if near else tempo))
            now = env.now
            state = self.state
            if self.finished:
                return
            if not state.active & bit:
                yield self._sleep(index)  # until it takes part again
                decision += 1
                continue
            if sessions and not model.in_session(now):
                start = model.next_session(now)
                if start == math.inf:
                    return
                yield timeout(start - now)
                decision += 1
                continue
            self.events += 1
            if self.events > self.budget:
                self._over_budget()
            # The choice depends on stances, settled gates and target dates, which do
            # not move between events: readiness is brought up to date only when the
            # actor acts (or a person must see it).
            if use_focal:
                near = self._near(now, state)
            regime_index = state.regime[index]
            regime = regimes[regime_index]
            if player is None:
                key = state.resolved & gate_mask
                absent = partner_mask & ~state.active  # partners not taking part now
                repertoire = (None if absent else regime.repertoires.get(key)) or built.get(
                    (regime_index, key, absent)
                )
                if repertoire is None:
                    repertoire = built[(regime_index, key, absent)] = actor.repertoire_for(
                        key, requires, regime_index, ~absent
                    )
                chosen = repertoire.pick(
                    state.stance_latent[index], sensitivity, boost if near else 1.0, u_choice
                )
            else:
                chosen = self._ask(player, actor, decision, now, near, u_choice)
            if chosen >= 0:
                self._advance(now)
                self._act(
                    moves[chosen],
                    now,
                    u_outcome,
                    _DECISION,
                    0,
                    True,
                    decision=decision,
                    draw=u_choice,
                )
            elif self.trace is not None:
                r = logistic(self._current(now).readiness_logit)
                self.trace.append(
                    TraceRecord(
                        now,
                        Source.DECISION,
                        actor.id,
                        Step.PASS,
                        readiness_before=r,
                        readiness_after=r,
                        decision=decision,
                        draw=u_choice,
                        regime=regime_index,
                    )
                )
            decision += 1

    def _sleep(self, actor: int) -> Event:
        """An event that fires when ``actor`` takes part again."""
        event = self.sleeping.get(actor)
        if event is None:
            event = self.sleeping[actor] = self.env.event()
        return event

    def _wake(self, before: State, after: State) -> None:
        """Wake the actors that have just started to take part."""
        joined = after.active & ~before.active
        if not joined:
            return
        for actor in list(self.sleeping):
            if joined >> actor & 1:
                self.sleeping.pop(actor).succeed()

    def _ask(
        self,
        player: Chooser,
        actor: CompiledActor,
        decision: int,
        now: float,
        near: bool,
        u_choice: float,
    ) -> int:
        """Let a person choose the actor's move; check the answer."""
        state_now = self._current(now)
        model = self.model
        boost = model.mechanisms.focal_dates.weight_boost if near else 1.0
        regime_index = state_now.regime[actor.index]
        regime = actor.regimes[regime_index]
        # A move the regime of the day gives no weight (a new government's, a former one's)
        # is not available, as a move that cannot matter is not.
        available = tuple(
            can and w > 0.0
            for can, w in zip(
                actor.available(state_now.resolved, self.requires, state_now.active),
                regime.base_weights,
                strict=True,
            )
        )
        seen = self.asked_at.get(actor.index, 0)
        recent = tuple(self.trace[seen:]) if self.trace is not None else ()
        if self.trace is not None:
            self.asked_at[actor.index] = len(self.trace)
        stance = state_now.stance_latent[actor.index]
        chosen = player(
            Decision(
                actor=actor.id,
                time=now,
                decision=decision,
                state=state_now,
                moves=actor.specs,
                actions=actor.moves,
                weights=tuple(
                    weights(
                        [
                            w if open_ else 0.0
                            for w, open_ in zip(regime.base_weights, available, strict=True)
                        ],
                        actor.polarity,
                        stance,
                        model.sensitivity,
                        boost,
                    )
                ),
                available=available,
                model_choice=actor.repertoire_for(
                    state_now.resolved & actor.gate_mask,
                    self.requires,
                    regime_index,
                    ~(actor.partner_mask & ~state_now.active),
                ).pick(stance, model.sensitivity, boost, u_choice),
                pass_weight=regime.pass_weight,
                recent=recent,
                model=model,
            )
        )
        if chosen != PASS and not 0 <= chosen < len(actor.moves):
            raise ValueError(
                f"a chooser for {actor.id} returned {chosen}; expected -1 (pass) or 0.."
                f"{len(actor.moves) - 1}"
            )
        return chosen

    def _dated(self, event: ReplayEvent, _fired: Event) -> None:
        """A dated event, at the start of its day.

        Only an outcome the forecast does not know needs a draw (an attempt
        without a recorded result, a scheduled vote or election after the
        origin); it comes from a stream of its own, keyed by the event's id,
        so removing one dated event changes no other event's draw.
        """
        if self.finished:
            return
        self.events += 1
        if self.events > self.budget:
            self._over_budget()
        now = self.env.now
        self._advance(now)
        action = event.action
        u = 0.5
        if event.drawn:
            u = self.streams.block(stream_id("record:" + action.label), Purpose.RECORD, 0)[0]
        self._act(action, now, u, Source.RECORD, 0, event.provokes_reactions, note=event.note)

    def _world(self) -> Generator[Event, Any, None]:
        """The war's random step, every ``tick_days`` from the origin."""
        env = self.env
        world = self.model.world
        draw = Uniforms(self.streams, WORLD_STREAM, Purpose.WORLD).next
        tick = world.tick_days
        if self.origin_time > 0.0:
            yield env.timeout(self.origin_time)
        while True:
            z_violence = _inv_normal(draw())
            z_balance = _inv_normal(draw())
            yield env.timeout(tick)
            if self.finished:
                return
            self.events += 1
            if self.events > self.budget:
                self._over_budget()
            now = env.now
            self._advance(now)
            before = self.state
            self.state = war_step(before, world, tick, z_violence, z_balance)
            if self.trace is not None:
                r = logistic(before.readiness_logit)
                self.trace.append(
                    TraceRecord(
                        now, Source.WORLD, "", Step.WORLD, readiness_before=r, readiness_after=r
                    )
                )
            self._settle(now)

    # -- state changes --------------------------------------------------------------

    def _advance(self, now: float) -> None:
        """Bring readiness up to ``now`` (it moves between events).

        Grid days passed since the last update are sampled on the way.
        """
        if now >= self.next_sample:
            self._sample(now)
        dt = now - self.last_time
        if dt <= 0.0:
            return
        self.last_time = now
        if self.dynamic:
            # No rule here: a threshold crossed since the last event was caught at
            # its moment by a scheduled check (see _settle).
            state = self.state
            self.state = relax(
                state, self._rest_level(state), self.reversion, self._drift_rate(state), dt
            )

    def _current(self, now: float) -> State:
        """The state at ``now`` with readiness brought up to date, without committing it.

        Readiness is committed only at events that change the state, so that
        reading it (for a trace, or a person playing an actor) never changes
        the run: the same seed gives the same run, traced or not, played or not.
        """
        state = self.state
        dt = now - self.last_time
        if not self.dynamic or dt <= 0.0:
            return state
        return relax(state, self._rest_level(state), self.reversion, self._drift_rate(state), dt)

    def _rest_level(self, state: State) -> float:
        key = (state.stance_sum, state.influence_total)
        if key != self._rest_key:
            self._rest_key = key
            self._rest = rest_logit(state, self.model.world)
        return self._rest

    def _drift_rate(self, state: State) -> float:
        key = (state.violence_logit, state.balance_latent)
        if key != self._drift_key:
            self._drift_key = key
            self._drift = readiness_drift(state, self.model.mechanisms)
        return self._drift

    def _sample(self, now: float) -> None:
        """Record readiness at every grid day up to ``now`` not yet sampled."""
        grid = self.model.grid
        state = self.state
        samples = self.readiness
        while len(samples) < len(grid) and grid[len(samples)] <= now:
            dt = grid[len(samples)] - self.last_time
            if self.dynamic and dt > 0.0:
                at = relax(
                    state, self._rest_level(state), self.reversion, self._drift_rate(state), dt
                )
                samples.append(logistic(at.readiness_logit))
            else:
                samples.append(logistic(state.readiness_logit))
        self.next_sample = grid[len(samples)] if len(samples) < len(grid) else math.inf

    def _act(
        self,
        action: Action,
        now: float,
        u: float,
        source: Source,
        depth: int,
        provokes: bool,
        *,
        decision: int = -1,
        draw: float | None = None,
        note: str = "",
    ) -> None:
        """Apply an action, count it, trace it, send the news to whoever reacts."""
        model = self.model
        before = self.state
        after, settled = apply(before, action, model.context, now, u)
        self.state = after
        self.counts[action.actor * self.n_kinds + self.kind_index[action.kind]] += 1
        if settled:
            for g in range(model.n_gates):
                if settled >> g & 1 and self.gate_days[g] is None:
                    self.gate_days[g] = now
        reopened = before.resolved & ~after.resolved
        if reopened:
            for g in range(model.n_gates):
                if reopened >> g & 1:
                    self.reopenings[g] += 1
        if self.trace is not None:
            ids = model.actor_ids
            failed = _outcome(before, action, model.context, u) == _FAILED
            self.trace.append(
                TraceRecord(
                    now,
                    source,
                    ids[action.actor],
                    action.kind,
                    other="+".join(ids[o] for o in action.others),
                    gate=_names(model.gate_ids, action.gates),
                    label=action.label,
                    readiness_before=logistic(before.readiness_logit),
                    readiness_after=logistic(after.readiness_logit),
                    settled=_names(model.gate_ids, settled),
                    decision=decision,
                    draw=draw,
                    note=note,
                    stage=model.stage_ids[action.stage] if action.stage >= 0 else "",
                    ending=model.ending_ids[after.ended]
                    if after.ended != before.ended and after.ended >= 0
                    else "",
                    regime=after.regime[action.actor],
                    other_regimes=tuple(after.regime[o] for o in action.others),
                    day=action.to_day,
                    failed=failed,
                    deadline=model.deadline_ids[action.deadline] if action.deadline >= 0 else "",
                    coalition=(
                        model.coalition_ids[action.coalition] if action.coalition >= 0 else ""
                    ),
                )
            )
        self._record_stages(before, after, now)
        if after.deadline_days != before.deadline_days:
            for d, day in enumerate(after.deadline_days):
                if day != before.deadline_days[d] and model.deadline_ending[d] >= 0:
                    self._watch_deadline(d, day)
        self._wake(before, after)
        if after.ended != NOT_ENDED and before.ended == NOT_ENDED:
            self.ending_day = math.floor(now)
            self._finish()
            return
        if provokes and depth < self.max_depth and now >= self.origin_time:
            by_provoker = self.listeners.get(action.kind)
            if by_provoker:
                outcome = -1
                for listener in by_provoker[action.actor]:
                    if listener.when and outcome < 0:
                        outcome = _outcome(before, action, model.context, u)
                    self._send(listener, action.actor, depth + 1, outcome)
        self._settle(now)

    def _record_stages(self, before: State, after: State, now: float) -> None:
        """Note the stages reached and the dates set by an action (stage events from the record)."""
        for k in range(before.stage, after.stage):
            if self.stage_days[k] is None:
                self.stage_days[k] = math.floor(now)
        if after.pending_day != before.pending_day and after.pending_day != NO_DAY:
            self.announcements.append((now, after.stage, after.pending_day))
            _Urgent(self.env, after.pending_day - now).callbacks.append(
                partial(self._reach, after.pending_day)
            )
        if after.stage >= len(self.model.stages):
            self._finish()

    def _send(self, listener: Listener, provoker: int, depth: int, outcome: int) -> None:
        """News of an action travels to a reactor, which draws whether and when it answers.

        Three draws per message from the reactor's reaction stream, whatever
        happens (a rule that answers only failures included), so the stream
        stays aligned.
        """
        key = (listener.reactor, provoker)
        stream = self.reaction_streams.get(key)
        if stream is None:
            ids = self.model.actor_ids
            stream = self.reaction_streams[key] = Uniforms(
                self.streams,
                stream_id(f"{ids[listener.reactor]}<-{ids[provoker]}"),
                Purpose.REACTIONS,
            )
        draw = stream.next
        u_delay = draw()
        u_fire = draw()
        u_outcome = draw()
        if u_fire >= listener.probability or (listener.when and listener.when != outcome):
            return
        if not self.state.active >> listener.reactor & 1:
            return  # an actor not taking part does not answer
        response = listener.responses[provoker]
        if response is None:  # pragma: no cover - the index excludes the reactor itself
            return
        delay = listener.delay_min_days + u_delay * listener.delay_span_days
        self.sent += 1
        if self.sent > self.budget:
            self._over_budget()
        message = self.env.timeout(delay)
        message.callbacks.append(lambda _: self._deliver(response, u_outcome, depth, u_fire))

    def _deliver(self, response: Action, u_outcome: float, depth: int, u_fire: float) -> None:
        # A reactor that left while the news travelled no longer answers, nor one whose
        # answer can no longer matter (its questions settled meanwhile, a partner gone).
        state = self.state
        if self.finished or not state.active >> response.actor & 1:
            return
        if not can_matter(response, state.resolved, self.requires, state.active):
            return
        self.events += 1
        if self.events > self.budget:
            self._over_budget()
        self._advance(self.env.now)
        self._act(response, self.env.now, u_outcome, _REACTION, depth, True, draw=u_fire)

    def _settle(self, now: float) -> None:
        """After any change of the state: apply the ending and stage rules, then watch readiness.

        Nothing is simulated before the origin: the rules act from the end of
        the origin day. Readiness moves between events, so it can cross a
        threshold when nothing happens; when it is heading for one that
        matters now, a check is scheduled for the moment it crosses (computed
        exactly, :func:`~sim.model.mechanisms.crossing_time`), so the rule acts
        then rather than at the next event.
        """
        if now < self.origin_time or self.finished:
            return
        model = self.model
        state = self.state
        for e, ending in enumerate(model.endings):
            if state.readiness_logit < ending.below_logit:
                self._end(now, e, Source.CONVENING)
                return
        while True:
            transition = due(state, model.stages)
            if transition is Transition.NONE:
                break
            self._transition(now, transition)
            state = self.state
            if self._over():
                return
        if not self.dynamic:
            return
        levels = [e.below_logit for e in model.endings if e.below_logit > -math.inf]
        k = state.stage
        if k < len(model.stages):
            stage = model.stages[k]
            if state.pending_day != NO_DAY:
                levels.append(stage.postpone_logit)
            elif state.resolved & stage.gates == stage.gates:
                levels.append(stage.threshold_logit)
        if not levels:
            return  # the common case: nothing to take, postpone or end by readiness
        rest, drift = self._rest_level(state), self._drift_rate(state)
        wait = min(
            (
                crossing_time(state.readiness_logit, level, rest, self.reversion, drift)
                for level in levels
                if math.isfinite(level)
            ),
            default=math.inf,
        )
        # A hair past the crossing, so that rounding cannot leave readiness short of it.
        at = now + wait + _CROSSING_MARGIN
        if at < self.watch_at and at < model.horizon_end:
            self.watch_at = at
            self.env.timeout(at - now).callbacks.append(self._check)

    def _check(self, _fired: Event) -> None:
        """A scheduled look at readiness (see :meth:`_settle`)."""
        if self.finished:
            return
        self.events += 1
        if self.events > self.budget:
            self._over_budget()
        now = self.env.now
        if now >= self.watch_at:
            self.watch_at = math.inf
        if self.trace is not None:
            state = self.state
            moved = relax(
                state,
                self._rest_level(state),
                self.reversion,
                self._drift_rate(state),
                now - self.last_time,
            )
            self.trace.append(
                TraceRecord(
                    now,
                    Source.CONVENING,
                    "",
                    Step.CHECK,
                    readiness_before=logistic(state.readiness_logit),
                    readiness_after=logistic(moved.readiness_logit),
                )
            )
        self._advance(now)
        self._settle(now)

    def _transition(self, now: float, transition: Transition) -> None:
        """Take the next stage (announce its date, or reach it at once), or postpone."""
        model = self.model
        before = self.state
        k = before.stage
        rule = model.stages[k]
        r = logistic(before.readiness_logit)
        by = model.stage_by[k]
        if transition is Transition.TAKE:
            u = self.lead_draws.next() if not rule.immediate else 0.0
            self.state = take(before, rule, now, u)
            if rule.immediate:
                step, day = Step.STAGE, math.floor(now)
            else:
                step, day = Step.ANNOUNCE, self.state.pending_day
        else:
            self.state = postpone(before, rule)
            self.postponements.append((now, k))
            step, day = Step.POSTPONE, -1
        reopened = rule.gates & ~before.pending_open & ~before.resolved
        if self.trace is not None:
            self.trace.append(
                TraceRecord(
                    now,
                    Source.CONVENING,
                    by,
                    step,
                    readiness_before=r,
                    readiness_after=r,
                    gate=_names(model.gate_ids, reopened) if step is Step.POSTPONE else "",
                    day=day,
                    stage=model.stage_ids[k],
                )
            )
        self._record_stages(before, self.state, now)

    def _reach(self, day: int, _event: Event) -> None:
        """A stage's date arrives: it is reached, unless the date was postponed meanwhile."""
        if self.finished:
            return
        self.events += 1
        if self.events > self.budget:
            self._over_budget()
        # Readiness may have slipped below the postpone threshold on its own
        # since the last event: that postponement came first.
        self._advance(float(day))
        before = self.state
        reached = reach(before, day)
        if reached is None:
            return
        self.state = reached
        if self.trace is not None:
            r = logistic(reached.readiness_logit)
            k = before.stage
            self.trace.append(
                TraceRecord(
                    float(day),
                    Source.CONVENING,
                    self.model.stage_by[k],
                    Step.STAGE,
                    readiness_before=r,
                    readiness_after=r,
                    day=day,
                    stage=self.model.stage_ids[k],
                )
            )
        self._record_stages(before, reached, float(day))
        self._settle(float(day))

    def _watch_deadline(self, d: int, day: int) -> None:
        """Check deadline ``d`` at the end of ``day`` (where it stands now), if that is in the run.

        The check comes first at its instant, before a stage due the next
        day is reached; a deadline on the horizon day passes after the run.
        """
        if day + 1 >= self.model.horizon_end:
            return
        _Urgent(self.env, max(day + 1 - self.env.now, 0.0), _FIRST).callbacks.append(
            partial(self._deadline_passed, d, day)
        )

    def _deadline_passed(self, d: int, day: int, _event: Event) -> None:
        """A deadline with a default ending passes: if its stage is unreached, that ending.

        Met means reached by the deadline's day, as :meth:`RunResult.reached_by`
        says: a stage reached in time and undone by a postponement since still
        met it.
        """
        state = self.state
        if self.finished or state.deadline_days[d] != day or state.ended != NOT_ENDED:
            return  # moved since, or already over
        reached = self.stage_days[self.model.deadline_stage[d]]
        if reached is not None and reached <= day:
            return  # met
        self.events += 1
        if self.events > self.budget:
            self._over_budget()
        self._advance(self.env.now)
        self._end(self.env.now, self.model.deadline_ending[d], Source.CONVENING, deadline=d)

    def _end(self, now: float, ending: int, source: Source, deadline: int = -1) -> None:
        """The negotiation ends by ``ending``.

        A deadline's default ending is checked at the end of the deadline's
        day and dated on it (the exit happens at the deadline), so it counts
        by that deadline.
        """
        before = self.state
        self.state = end(before, ending)
        self.ending_day = math.ceil(now) - 1 if deadline >= 0 else math.floor(now)
        if self.trace is not None:
            r = logistic(before.readiness_logit)
            self.trace.append(
                TraceRecord(
                    now,
                    source,
                    "",
                    Step.DEADLINE if deadline >= 0 else Step.END,
                    readiness_before=r,
                    readiness_after=r,
                    day=self.ending_day if deadline >= 0 else -1,
                    ending=self.model.ending_ids[ending],
                    deadline=self.model.deadline_ids[deadline] if deadline >= 0 else "",
                )
            )
        self._finish()

    def _over_budget(self) -> None:
        """The run has spent its event budget: stop it, saying what drove it."""
        raise EventBudgetExceeded(
            explain(
                self.model,
                budget=self.budget,
                seed=self.seed,
                run=self.run,
                now=self.env.now,
                counts=self.counts,
                answers=self.sent > self.budget,
            )
        )

    def _over(self) -> bool:
        """Whether the negotiation is over (read afresh: a transition can end it)."""
        return self.finished

    def _finish(self) -> None:
        """The negotiation is over (its last stage, or an ending): stop at this instant."""
        if self.finished:
            return
        self.finished = True
        _Urgent(self.env, 0.0).callbacks.append(_stop)


def _stop(_event: Event) -> None:
    raise StopSimulation(None)


def simulate(
    scenario: Scenario | CompiledModel,
    seed: int = 0,
    run: int = 0,
    *,
    trace: bool = False,
    check: Check | None = None,
    players: Mapping[str, Chooser] | None = None,
    max_events: int = MAX_EVENTS,
) -> RunResult:
    """Run a scenario once.

    Parameters
    ----------
    scenario
        A validated scenario (or one already compiled with
        :func:`~sim.engine.compiled.compile_scenario`); its ``as_of`` is the
        forecast origin.
    seed
        The master seed, a non-negative integer.
    run
        The run's index: run ``i`` of seed ``S`` is the same whether it is run
        alone or as part of any Monte Carlo batch.
    trace
        Keep every step of the run in :attr:`RunResult.trace`.
    check
        Called after every SimPy event with the time and the state; raise to
        fail (see :class:`CheckingEnvironment`).
    players
        Actors whose decisions a person (or a test) makes: at each of the
        actor's decision times the actor's chooser is called with a
        :class:`Decision` and returns the index of a move or ``PASS``. The
        actor's draws are consumed as usual, so every other actor's draws
        are unchanged.
    max_events
        The run's event budget (:data:`~sim.engine.budget.MAX_EVENTS`, see
        :mod:`sim.engine.budget`).

    Returns
    -------
    RunResult
        The run's outcome.

    Raises
    ------
    ValueError
        If ``seed`` or ``run`` is negative, a player is not an actor, or a
        chooser returns an index out of range.
    EventBudgetExceeded
        If the run makes more than ``max_events`` events without ending (a
        bad input: the scenario makes events too fast).
    """
    if seed < 0:
        raise ValueError(f"the seed must be a non-negative integer, got {seed}")
    if run < 0:
        raise ValueError(f"the run index must be non-negative, got {run}")
    model = scenario if isinstance(scenario, CompiledModel) else compile_scenario(scenario)
    for name in players or {}:
        if name not in model.actor_ids:
            raise ValueError(f"unknown actor '{name}' (actors: {', '.join(model.actor_ids)})")
    return _Run(model, seed, run, trace, check, players or {}, max_events).execute()
