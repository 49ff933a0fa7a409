"""One run of a scenario on SimPy: :func:`simulate`.

Processes and events
--------------------
- one process per actor: it waits an exponential time with mean
  ``tempo_days`` (shorter near a focal date), then chooses a move from its
  repertoire or lets the turn pass;
- dated events: each a timed event with a callback, all scheduled when the
  run starts, at the start of their day;
- one world process (when the war has dynamics): every ``tick_days`` (at
  ``k * tick_days``) the war takes a random step (violence, balance);
- messages: when an action is one that another actor reacts to, that actor
  draws whether it reacts and when the news reaches it; if it reacts, its
  response happens on arrival (a timed event with a callback);
- convening dates: when a date is announced, an urgent event at the start of
  that day convenes the conference unless the date was postponed meanwhile;
- checks: readiness moves between events (reversion to its rest level,
  ripeness, narrowing: :func:`sim.model.mechanisms.relax`); when it is heading
  for the threshold that matters (announce, or postpone once a date is set),
  a check is scheduled for the moment it crosses
  (:func:`sim.model.mechanisms.crossing_time`), so the convening rule acts then.

An event that changes the state first brings readiness up to date, then
applies its change, then the convening rule. Reading the state (a trace, a
person playing an actor) never changes the run.

Order of simultaneous events
----------------------------
SimPy runs simultaneous events by priority, then in the order they were
scheduled, never at random. At time 0 the processes start first (SimPy
starts processes with urgent priority): each actor draws its first wait
before the day-0 dated events happen. At the start of any day:

1. a conference due that day convenes first (urgent priority), unless a
   check found readiness below the postpone threshold before;
2. the day's dated events follow, in file order: they were scheduled before
   anything else;
3. then everything else due at that instant, in the order it was scheduled:
   a war step on a tick day, a message whose delay lands it there.

The run stops at the end of the horizon day (time ``horizon_day + 1``).
Deadlines are not events: a run convened "by" a deadline convened on or
before the deadline's day.
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
from simpy.events import URGENT, Event

from sim.engine.compiled import (
    SAMPLE_DAYS,
    WORLD_STREAM,
    CompiledActor,
    CompiledModel,
    Listener,
    ReplayEvent,
    compile_scenario,
)
from sim.engine.result import RunResult, Source, Step, TraceRecord
from sim.engine.rng import Purpose, Streams, Uniforms, stream_id
from sim.model.actions import KINDS, Action, apply
from sim.model.choice import PASS, Repertoire, weights
from sim.model.convening import Transition, convene, due, step
from sim.model.mechanisms import (
    crossing_time,
    near_focal_date,
    readiness_drift,
    relax,
    rest_logit,
    war_step,
)
from sim.model.state import Phase, State, logistic
from sim.scenario.schema import Move, Scenario

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
        Per move, whether it can matter now: a move on a gate already settled
        is moot, and a simulated actor never chooses it.
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
_OPEN = int(Phase.OPEN)
_ANNOUNCED = int(Phase.ANNOUNCED)
#: How long after an exactly computed threshold crossing readiness is checked, in days.
_CROSSING_MARGIN = 1e-9
_REACTION = Source.REACTION


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


class _Urgent(Event):
    """An event that fires after ``delay`` days with urgent priority.

    Built like :class:`simpy.events.Timeout`, but scheduled ahead of normal
    events at the same time.
    """

    def __init__(self, env: simpy.Environment, delay: float) -> None:
        super().__init__(env)
        self._ok = True
        self._value = None
        env.schedule(self, URGENT, delay)


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
    ) -> None:
        self.model = model
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
        self.announcements: list[tuple[float, int]] = []
        self.postponements: list[float] = []
        self.gate_days: list[float | None] = [
            0.0 if model.initial.resolved >> g & 1 else None for g in range(model.n_gates)
        ]
        self.readiness: list[float] = []
        self.next_sample = 0.0
        self.convened_day: int | None = None
        self.reaction_streams: dict[tuple[int, int], Uniforms] = {}
        # Readiness between events (see sim.model.mechanisms.relax): the time it
        # was last brought up to date, and its rest level and drift, which
        # change only when stances, violence or the balance do.
        world = model.world
        self.last_time = 0.0
        self.reversion = world.readiness_reversion
        self.dynamic = model.readiness_dynamic
        self._rest_key: tuple[float, ...] | None = None
        self._rest = 0.0
        self._drift_key: tuple[float, float] | None = None
        self._drift = 0.0
        self.max_depth = model.max_depth
        # Each actor's repertoires by settled gates, built as the run needs them.
        self.repertoires: list[dict[int, Repertoire]] = [{0: a.repertoire} for a in model.actors]
        self.listeners = model.listeners
        self.kind_index = model.kind_index
        self.n_gates = model.n_gates
        self.announce_logit = model.announce_logit
        self.postpone_logit = model.postpone_logit
        self.lead_draws = Uniforms(self.streams, WORLD_STREAM, Purpose.CONVENING)
        self.all_gates = (1 << model.n_gates) - 1
        # The earliest pending check for readiness crossing a threshold between events.
        self.watch_at = math.inf

    # -- running ----------------------------------------------------------------

    def execute(self) -> RunResult:
        model = self.model
        env = self.env
        # Dated events are scheduled before anything else, so that at their time they
        # come before every other event but a convening (see the module docstring).
        for event in model.events:
            env.timeout(float(event.day)).callbacks.append(partial(self._dated, event))
        for actor in model.actors:
            env.process(self._actor(actor))
        if model.war_dynamic:
            env.process(self._world())
        self._settle(0.0)
        env.run(until=model.horizon_end)
        return self._result()

    def _result(self) -> RunResult:
        model = self.model
        if self.convened_day is None:
            self._advance(model.horizon_end)  # readiness at the end of the horizon
        last = logistic(self.state.readiness_logit)
        grid = model.grid
        self.readiness.extend([last] * (len(grid) - len(self.readiness)))
        return RunResult(
            scenario=model.name,
            seed=self.seed,
            run=self.run,
            convened_day=self.convened_day,
            horizon_day=model.horizon_day,
            announcements=tuple(self.announcements),
            postponements=tuple(self.postponements),
            gate_ids=model.gate_ids,
            gate_days=tuple(self.gate_days),
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

    def _actor(self, actor: CompiledActor) -> Generator[Event, Any, None]:
        """An actor's decision loop.

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
        focal_days = model.focal_days
        window = focal.window_days
        sensitivity = model.sensitivity
        index = actor.index
        tempo = actor.tempo_days
        fast_tempo = tempo / focal.tempo_boost
        boost = focal.weight_boost
        moves = actor.moves
        precomputed = actor.repertoires
        built = self.repertoires[actor.index]
        gate_mask = actor.gate_mask
        player = self.players.get(actor.id)
        timeout = env.timeout
        log1p = math.log1p
        buffer: list[float] = []
        pos = block = decision = 0
        near = use_focal and near_focal_date(0.0, focal_days, self.state.target_day, window)
        while True:
            if pos == len(buffer):
                buffer = streams.block(stream, Purpose.DECISIONS, block)
                block += 1
                pos = 0
            u_wait = buffer[pos]
            u_choice = buffer[pos + 1]
            u_outcome = buffer[pos + 2]
            pos += 3
            yield timeout(-log1p(-u_wait) * (fast_tempo if near else tempo))
            self.events += 1
            now = env.now
            # The choice depends on stances, settled gates and target dates, which do
            # not move between events: readiness is brought up to date only when the
            # actor acts (or a person must see it).
            state = self.state
            if use_focal:
                near = near_focal_date(now, focal_days, state.target_day, window)
            if player is None:
                key = state.resolved & gate_mask
                repertoire = precomputed.get(key) or built.get(key)
                if repertoire is None:
                    repertoire = built[key] = actor.repertoire_for(key)
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
                    )
                )
            decision += 1

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
        available = tuple(a.gate < 0 or not state_now.resolved >> a.gate & 1 for a in actor.moves)
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
                            for w, open_ in zip(actor.base_weights, available, strict=True)
                        ],
                        actor.polarity,
                        stance,
                        model.sensitivity,
                        boost,
                    )
                ),
                available=available,
                model_choice=actor.repertoire_for(state_now.resolved & actor.gate_mask).pick(
                    stance, model.sensitivity, boost, u_choice
                ),
                pass_weight=actor.pass_weight,
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

        Only an attempt (a kind with a chance, ``certain = false``) needs a
        draw; it comes from a stream of its own, keyed by the event's id, so
        removing one dated event changes no other event's draw.
        """
        self.events += 1
        now = self.env.now
        self._advance(now)
        action = event.action
        u = 0.5
        if KINDS[action.kind].chance is not None and not action.certain:
            u = self.streams.block(stream_id("record:" + action.label), Purpose.RECORD, 0)[0]
        self._act(action, now, u, Source.RECORD, 0, event.provokes_reactions, note=event.note)

    def _world(self) -> Generator[Event, Any, None]:
        """The war's random step, every ``tick_days``."""
        env = self.env
        world = self.model.world
        draw = Uniforms(self.streams, WORLD_STREAM, Purpose.WORLD).next
        tick = world.tick_days
        while True:
            z_violence = _inv_normal(draw())
            z_balance = _inv_normal(draw())
            yield env.timeout(tick)
            self.events += 1
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
            # No convening rule here: a threshold crossed since the last event was
            # caught at its moment by a scheduled check (see _settle).
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
        if state.stance_latent is not self._rest_key:
            self._rest_key = state.stance_latent
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
        if settled >= 0:
            self.gate_days[settled] = now
        if self.trace is not None:
            ids = model.actor_ids
            self.trace.append(
                TraceRecord(
                    now,
                    source,
                    ids[action.actor],
                    action.kind,
                    other=ids[action.other] if action.other >= 0 else "",
                    gate=model.gate_ids[action.gate] if action.gate >= 0 else "",
                    label=action.label,
                    readiness_before=logistic(before.readiness_logit),
                    readiness_after=logistic(after.readiness_logit),
                    settled=model.gate_ids[settled] if settled >= 0 else "",
                    decision=decision,
                    draw=draw,
                    note=note,
                )
            )
        if provokes and depth < self.max_depth:
            listeners = self.listeners.get(action.kind)
            if listeners:
                for listener in listeners:
                    if listener.by_mask >> action.actor & 1:
                        self._send(listener, action.actor, depth + 1)
        self._settle(now)

    def _send(self, listener: Listener, provoker: int, depth: int) -> None:
        """News of an action travels to a reactor, which draws whether and when it answers.

        Three draws per message from the reactor's reaction stream, whatever
        happens, so the stream stays aligned.
        """
        key = (listener.reactor, provoker)
        stream = self.reaction_streams.get(key)
        if stream is None:
            stream = self.reaction_streams[key] = Uniforms(
                self.streams,
                self.model.reaction_streams[listener.reactor][provoker],
                Purpose.REACTIONS,
            )
        draw = stream.next
        u_delay = draw()
        u_fire = draw()
        u_outcome = draw()
        if u_fire >= listener.probability:
            return
        response = listener.responses[provoker]
        if response is None:  # pragma: no cover - the mask excludes the reactor itself
            return
        delay = listener.delay_min_days + u_delay * listener.delay_span_days
        message = self.env.timeout(delay)
        message.callbacks.append(lambda _: self._deliver(response, u_outcome, depth, u_fire))

    def _deliver(self, response: Action, u_outcome: float, depth: int, u_fire: float) -> None:
        self.events += 1
        self._advance(self.env.now)
        self._act(response, self.env.now, u_outcome, _REACTION, depth, True, draw=u_fire)

    def _settle(self, now: float) -> None:
        """After any change of the state: apply the convening rule, then watch readiness.

        Readiness moves between events, so it can cross the announce or the
        postpone threshold when nothing happens. When it is heading for the
        threshold that matters now, a check is scheduled for the moment it
        crosses (computed exactly, :func:`~sim.model.mechanisms.crossing_time`),
        so the rule acts then rather than at the next event.
        """
        state = self.state
        if state.phase == _OPEN and state.resolved != self.all_gates:
            return  # the common case: nothing to announce, nothing to watch
        if due(state, self.n_gates, self.announce_logit, self.postpone_logit):
            self._transition(now)
            state = self.state
        if not self.dynamic:
            return
        if state.phase == _OPEN:
            level = self.announce_logit
        elif state.phase == _ANNOUNCED:
            level = self.postpone_logit
        else:
            return
        wait = crossing_time(
            state.readiness_logit,
            level,
            self._rest_level(state),
            self.reversion,
            self._drift_rate(state),
        )
        # A hair past the crossing, so that rounding cannot leave readiness short of it.
        at = now + wait + _CROSSING_MARGIN
        if at < self.watch_at and at < self.model.horizon_end:
            self.watch_at = at
            self.env.timeout(at - now).callbacks.append(self._check)

    def _check(self, _fired: Event) -> None:
        """A scheduled look at readiness (see :meth:`_settle`)."""
        self.events += 1
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

    def _transition(self, now: float) -> None:
        """Announce or postpone, as the convening rule says."""
        model = self.model
        transition = due(self.state, self.n_gates, self.announce_logit, self.postpone_logit)
        u = self.lead_draws.next() if transition is Transition.ANNOUNCED else 0.0
        before = self.state
        self.state, transition = step(before, model.convening, model.n_gates, now, u)
        r = logistic(self.state.readiness_logit)
        if transition is Transition.ANNOUNCED:
            day = self.state.convene_day
            self.announcements.append((now, day))
            _Urgent(self.env, day - now).callbacks.append(partial(self._convene, day))
            action = Step.ANNOUNCE
        else:
            day = -1
            self.postponements.append(now)
            action = Step.POSTPONE
        if self.trace is not None:
            convener = model.convener
            self.trace.append(
                TraceRecord(
                    now,
                    Source.CONVENING,
                    convener,
                    action,
                    readiness_before=r,
                    readiness_after=r,
                    day=day,
                )
            )

    def _convene(self, day: int, _event: Event) -> None:
        self.events += 1
        # Readiness may have slipped below the postpone threshold on its own
        # since the last event: that postponement came first.
        self._advance(float(day))
        convened = convene(self.state, day)
        if convened is None:
            return  # the date was postponed in the meantime
        self.state = convened
        self.convened_day = day
        if self.trace is not None:
            r = logistic(convened.readiness_logit)
            self.trace.append(
                TraceRecord(
                    float(day),
                    Source.CONVENING,
                    self.model.convener,
                    Step.CONVENE,
                    readiness_before=r,
                    readiness_after=r,
                    day=day,
                )
            )
        raise StopSimulation(day)


def simulate(
    scenario: Scenario | CompiledModel,
    seed: int = 0,
    run: int = 0,
    *,
    trace: bool = False,
    check: Check | None = None,
    players: Mapping[str, Chooser] | None = None,
) -> RunResult:
    """Run a scenario once.

    Parameters
    ----------
    scenario
        A validated scenario (or one already compiled with
        :func:`~sim.engine.compiled.compile_scenario`).
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

    Returns
    -------
    RunResult
        The run's outcome.

    Raises
    ------
    ValueError
        If ``seed`` or ``run`` is negative, a player is not an actor, or a
        chooser returns an index out of range.
    """
    if seed < 0:
        raise ValueError(f"the seed must be a non-negative integer, got {seed}")
    if run < 0:
        raise ValueError(f"the run index must be non-negative, got {run}")
    model = scenario if isinstance(scenario, CompiledModel) else compile_scenario(scenario)
    for name in players or {}:
        if name not in model.actor_ids:
            raise ValueError(f"unknown actor '{name}' (actors: {', '.join(model.actor_ids)})")
    return _Run(model, seed, run, trace, check, players or {}).execute()
