"""Hypothesis strategies and invariant checks for property-testing the model and scenarios.

For model developers who change the model, and for scenario authors who want
to know that a new scenario keeps the model's promises whatever the seed:
readiness, violence, stances and rapport stay in their ranges; gates never
reopen; nothing is announced while a gate is open; a conference opens only on
a date announced at least ``lead_min_days`` before; the same seed gives the
same run.

This module needs Hypothesis, which is part of the test extra, not of a plain
install: ``pip install "negsim[test]"`` (from a checkout: ``pip install
".[test]"``), or just ``pip install hypothesis``. ``import sim`` never imports
this module; nothing in negsim itself does.

Example, a property test of a scenario file (run it with pytest)::

    from hypothesis import given, settings

    import sim
    from sim.testing import EventCheck, check_run, run_indices, seeds

    SCENARIO = sim.load_scenario("my_ceasefire.toml")

    @settings(deadline=None, max_examples=50)
    @given(seeds(), run_indices())
    def test_my_scenario_keeps_the_invariants(seed: int, run: int) -> None:
        check = EventCheck.for_scenario(SCENARIO)
        check_run(SCENARIO, sim.simulate(SCENARIO, seed, run, trace=True, check=check))

The checks raise :class:`AssertionError` with a message naming what broke,
also under ``python -O``.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

try:
    from hypothesis import strategies as st
except ImportError as exc:  # pragma: no cover - depends on what is installed
    raise ImportError(
        'sim.testing needs Hypothesis, a test extra: pip install "negsim[test]" '
        "(or pip install hypothesis)"
    ) from exc

from sim.engine import RunResult
from sim.model.actions import KINDS, Action, ActionContext, ActionKind
from sim.model.params import Effect, Rapport
from sim.model.state import NO_DAY, Phase, State, logit
from sim.scenario import Scenario, scenario_from_dict

__all__ = [
    "START",
    "ActionSequence",
    "ActionStep",
    "ConveningStep",
    "EventCheck",
    "Step",
    "WorldStep",
    "action_sequences",
    "check_run",
    "check_state",
    "run_indices",
    "scenario_documents",
    "scenarios",
    "seeds",
]

START = dt.date(2013, 1, 1)
"""Start date (day 0) of every scenario :func:`scenario_documents` generates."""

_KIND_LIST = list(ActionKind)
_ACTOR_NAMES = ["alpha", "beta", "gamma", "delta"]
_GATE_NAMES = ["seats", "delegation", "agenda"]


def _fail(message: str) -> None:
    raise AssertionError(message)


# -- seeds and runs ---------------------------------------------------------------------------


def seeds() -> st.SearchStrategy[int]:
    """Master seeds, any whole number from 0 to 2**32 - 1.

    A user may pass any of them to ``--seed``, so a property of a run must
    hold for every one, not only for the small seeds examples use.
    """
    return st.integers(0, 2**32 - 1)


def run_indices() -> st.SearchStrategy[int]:
    """Run indices 0 to 1000 within a seed (run *i* of ``negsim run --seed S``).

    Each index spawns its own random streams, so a property checked on run 0
    alone would miss runs that take other paths.
    """
    return st.integers(0, 1000)


# -- the pure model: a state and a sequence of steps -------------------------------------------


@dataclass(frozen=True, slots=True)
class ActionStep:
    """Apply ``action`` with uniform draw ``u`` (see :func:`sim.model.actions.apply`)."""

    action: Action
    u: float


@dataclass(frozen=True, slots=True)
class WorldStep:
    """One week of the world: readiness drifts, then the war steps with these normal draws.

    ``z_violence`` and ``z_balance`` go to :func:`sim.model.mechanisms.war_step`.
    """

    z_violence: float
    z_balance: float


@dataclass(frozen=True, slots=True)
class ConveningStep:
    """Apply the convening rule (:func:`sim.model.convening.step`) with uniform draw ``u``."""

    u: float


Step = ActionStep | WorldStep | ConveningStep
"""One step of an :class:`ActionSequence`."""


@dataclass(frozen=True, slots=True)
class ActionSequence:
    """A starting state, what the effect functions need to know, and steps to apply in order.

    Attributes
    ----------
    initial
        A state of ``context.n_actors`` actors and ``len(initial.contention_latent)``
        gates, some of them already resolved, nothing announced.
    context
        The actors' sides and the rapport mechanism.
    steps
        Actions, weeks of the world and convening checks, in the order to apply them.
    """

    initial: State
    context: ActionContext
    steps: tuple[Step, ...]

    @property
    def n_gates(self) -> int:
        """How many gates the state has."""
        return len(self.initial.contention_latent)


@st.composite
def action_sequences(draw: st.DrawFn) -> ActionSequence:
    """A state of 2 to 4 actors and 1 to 3 gates, and 1 to 25 steps to apply to it.

    The state's bounded quantities are drawn anywhere strictly inside their
    ranges; the actions are of every kind, on any actor, partner and gate,
    with effects up to 50 in size, far beyond what a scenario would use, so
    that the bounds are shown to hold by construction (the update in latent
    space) and not because scenarios happen to be gentle. Weeks of the world
    draw shocks up to 8 standard deviations. It drives the pure functions
    (``apply``, ``advance``, ``war_step``, ``step``) without SimPy, so a
    failing case shrinks to a few steps.
    """
    n = draw(st.integers(2, 4))
    n_gates = draw(st.integers(1, 3))
    sides = tuple(draw(st.lists(st.sampled_from([-1, 0, 1]), min_size=n, max_size=n)))
    context = ActionContext(sides, Rapport(draw(st.booleans()), draw(st.floats(0.0, 5.0))))
    open_unit = st.floats(0.001, 0.999)
    unit = st.floats(0.0, 1.0, exclude_max=True)
    size = st.floats(-50.0, 50.0)
    pairs = n * (n - 1) // 2
    initial = State(
        readiness_logit=logit(draw(open_unit)),
        violence_logit=logit(draw(open_unit)),
        balance_latent=math.atanh(draw(st.floats(-0.99, 0.99))),
        resolved=draw(st.integers(0, (1 << n_gates) - 1)),
        contention_latent=tuple(
            math.log1p(-c)
            for c in draw(st.lists(st.floats(0.0, 0.99), min_size=n_gates, max_size=n_gates))
        ),
        stance_latent=tuple(
            math.atanh(s) for s in draw(st.lists(st.floats(-0.99, 0.99), min_size=n, max_size=n))
        ),
        rapport_latent=tuple(
            logit(r) for r in draw(st.lists(open_unit, min_size=pairs, max_size=pairs))
        ),
        target_day=math.inf,
        phase=Phase.OPEN,
        convene_day=NO_DAY,
    )
    steps: list[Step] = []
    for _ in range(draw(st.integers(1, 25))):
        what = draw(st.sampled_from(["action"] * 4 + ["world", "convening"]))
        if what == "world":
            steps.append(WorldStep(draw(st.floats(-8.0, 8.0)), draw(st.floats(-8.0, 8.0))))
            continue
        if what == "convening":
            steps.append(ConveningStep(draw(unit)))
            continue
        kind = draw(st.sampled_from(_KIND_LIST))
        info = KINDS[kind]
        actor = draw(st.integers(0, n - 1))
        other = -1
        if info.other == "required" or (info.other == "optional" and draw(st.booleans())):
            other = draw(st.sampled_from([b for b in range(n) if b != actor]))
        effect = Effect(
            readiness=draw(size),
            stance_self=draw(size),
            stance_other=draw(size),
            rapport=draw(size),
            balance=draw(size),
            violence=draw(size),
            contention=draw(size),
            settle_probability=draw(st.floats(0.0, 1.0)),
            target_days=draw(st.floats(0.001, 100.0)),
        )
        gate = draw(st.integers(0, n_gates - 1)) if info.gate else -1
        action = Action(kind, actor, effect, other, gate, certain=draw(st.booleans()))
        steps.append(ActionStep(action, draw(unit)))
    return ActionSequence(initial, context, tuple(steps))


# -- whole scenarios --------------------------------------------------------------------------


@st.composite
def scenario_documents(draw: st.DrawFn) -> dict[str, Any]:
    """A valid scenario document (what a TOML file parses to) of a small random negotiation.

    One to four actors (``alpha`` ...), zero to three gates, a horizon of 20
    to 200 days from :data:`START`; each actor has up to four moves of any
    kind with random effects, maybe a reaction to the others' moves; up to
    six dated events; one deadline; every mechanism's parameters drawn over
    their whole valid range. Give it to
    :func:`sim.scenario.scenario_from_dict`, or use :func:`scenarios`. It
    finds what no hand-written scenario tries: no gates, one actor, a
    postpone threshold of 0, reactions to reactions, events on the last day.
    """
    actors = _ACTOR_NAMES[: draw(st.integers(1, 4))]
    gates = _GATE_NAMES[: draw(st.integers(0, 3))]
    horizon = draw(st.integers(20, 200))
    effect_size = st.floats(-3.0, 3.0)
    # Reversion rates of 0 or at least 1e-3 per day: smaller positive rates hit the numerical
    # bugs of test_mechanisms.py::test_relax_tends_to_the_linear_drift_as_reversion_vanishes.
    rate = st.one_of(st.just(0.0), st.floats(0.001, 0.1))

    def move(actor: str, reaction: bool) -> dict[str, Any] | None:
        kind = draw(st.sampled_from(_KIND_LIST))
        info = KINDS[kind]
        if info.gate and not gates:
            return None
        others = [a for a in actors if a != actor]
        if info.other == "required" and not others and not reaction:
            return None
        entry: dict[str, Any] = {"kind": kind.value}
        if info.gate:
            entry["gate"] = draw(st.sampled_from(gates))
        must = info.other == "required" and not reaction
        if info.other != "none" and others and (must or draw(st.booleans())):
            key = "partner" if kind in (ActionKind.MEETING, ActionKind.JOINT_PROPOSAL) else "target"
            entry[key] = draw(st.sampled_from(others + (["provoker"] if reaction else [])))
        for name in sorted(info.effects):
            if draw(st.booleans()):
                if name == "settle_probability":
                    entry[name] = draw(st.floats(0.0, 1.0))
                elif name == "target_days":
                    entry[name] = draw(st.floats(1.0, 60.0))
                else:
                    entry[name] = draw(effect_size)
        return entry

    actor_tables: dict[str, Any] = {}
    for actor in actors:
        moves = {}
        for i in range(draw(st.integers(0, 4))):
            entry = move(actor, reaction=False)
            if entry is not None:
                entry["weight"] = draw(st.floats(0.0, 3.0))
                moves[f"m{i}"] = entry
        table: dict[str, Any] = {
            "side": draw(st.sampled_from([-1, 0, 1])),
            "stance": draw(st.floats(-0.95, 0.95)),
            "tempo_days": draw(st.floats(0.5, 15.0)),
            "pass_weight": draw(st.floats(0.0, 2.0)),
            "actions": moves,
        }
        others = [a for a in actors if a != actor]
        if bool(others) and draw(st.booleans()):
            response = move(actor, reaction=True)
            if response is not None:
                kind = response.pop("kind")
                lo = draw(st.floats(0.0, 5.0))
                table["reactions"] = {
                    "answer": {
                        "on": draw(
                            st.lists(st.sampled_from([k.value for k in _KIND_LIST]), min_size=1)
                        ),
                        "by": draw(st.lists(st.sampled_from(others), unique=True)),
                        "respond": kind,
                        "probability": draw(st.floats(0.0, 1.0)),
                        "delay_days": [lo, lo + draw(st.floats(0.0, 5.0))],
                        **response,
                    }
                }
        actor_tables[actor] = table

    events = {}
    for i in range(draw(st.integers(0, 6))):
        actor = draw(st.sampled_from(actors))
        entry = move(actor, reaction=False)
        if entry is None:
            continue
        entry["actor"] = actor
        entry["date"] = START + dt.timedelta(days=draw(st.integers(0, horizon)))
        entry["certain"] = draw(st.booleans())
        events[f"e{i}"] = entry

    announce = draw(st.floats(0.05, 0.95))
    lead_lo = draw(st.integers(0, 30))
    return {
        "name": "random",
        "start": START,
        "horizon": START + dt.timedelta(days=horizon),
        "initial": {
            "readiness": draw(st.floats(0.01, 0.99)),
            "violence": draw(st.floats(0.01, 0.99)),
            "balance": draw(st.floats(-0.9, 0.9)),
            "rapport": draw(st.floats(0.01, 0.99)),
        },
        "gates": {
            g: {"resolved": draw(st.booleans()), "contention": draw(st.floats(0.0, 0.9))}
            for g in gates
        },
        "actors": actor_tables,
        "events": events,
        "deadlines": {
            "first": {
                "date": START + dt.timedelta(days=draw(st.integers(0, horizon))),
                "focal": draw(st.booleans()),
            }
        },
        "convening": {
            "announce_threshold": announce,
            "postpone_threshold": announce * draw(st.floats(0.0, 1.0)),
            "lead_days": [lead_lo, lead_lo + draw(st.integers(0, 20))],
        },
        "mechanisms": {
            "reactions": {"enabled": draw(st.booleans()), "max_depth": draw(st.integers(1, 2))},
            "ripeness": {"rate": draw(st.floats(0.0, 0.05))},
            "narrowing": {"rate": draw(st.floats(0.0, 0.05))},
            "focal_dates": {
                "window_days": draw(st.floats(0.0, 20.0)),
                "tempo_boost": draw(st.floats(0.5, 3.0)),
                "weight_boost": draw(st.floats(0.5, 3.0)),
            },
            "rapport": {"amplification": draw(st.floats(0.0, 3.0))},
        },
        "world": {
            "tick_days": draw(st.floats(1.0, 14.0)),
            "readiness_reversion": draw(rate),
            "stance_pull": draw(st.floats(0.0, 2.0)),
            "violence_volatility": draw(st.floats(0.0, 0.5)),
            "violence_reversion": draw(rate),
            "balance_volatility": draw(st.floats(0.0, 0.5)),
            "balance_reversion": draw(rate),
        },
        "choice": {"stance_sensitivity": draw(st.floats(0.0, 3.0))},
    }


def scenarios() -> st.SearchStrategy[Scenario]:
    """Validated :class:`~sim.scenario.Scenario` objects built from :func:`scenario_documents`.

    For a property of whole runs of any scenario; use the documents instead
    when the test must change one before validating it.
    """
    return scenario_documents().map(lambda doc: scenario_from_dict(doc, source="<random>"))


# -- invariants -------------------------------------------------------------------------------


def check_state(state: State, n_actors: int, n_gates: int) -> None:
    """Check that every bounded quantity of ``state`` is finite and in its range.

    Readiness and violence in [0, 1], the balance and every stance in
    [-1, 1], every rapport in [0, 1], every gate's contention in [0, 1] with
    an openness above 0 (so an agreement always keeps some chance), and only
    existing gates resolved.

    Raises
    ------
    AssertionError
        Naming the first quantity out of its range.
    """
    latent = (
        state.readiness_logit,
        state.violence_logit,
        state.balance_latent,
        *state.stance_latent,
        *state.rapport_latent,
    )
    if not all(math.isfinite(x) for x in latent):
        _fail(f"a latent value is not finite: {state}")
    if not 0.0 <= state.readiness <= 1.0:
        _fail(f"readiness {state.readiness} outside [0, 1]")
    if not 0.0 <= state.violence <= 1.0:
        _fail(f"violence {state.violence} outside [0, 1]")
    if not -1.0 <= state.balance <= 1.0:
        _fail(f"balance {state.balance} outside [-1, 1]")
    if len(state.stance_latent) != n_actors:
        _fail(f"{len(state.stance_latent)} stances for {n_actors} actors")
    for a in range(n_actors):
        if not -1.0 <= state.stance(a) <= 1.0:
            _fail(f"stance of actor {a} {state.stance(a)} outside [-1, 1]")
        for b in range(a + 1, n_actors):
            if not 0.0 <= state.rapport(a, b) <= 1.0:
                _fail(f"rapport of actors {a} and {b} {state.rapport(a, b)} outside [0, 1]")
    if len(state.contention_latent) != n_gates:
        _fail(f"{len(state.contention_latent)} contentions for {n_gates} gates")
    for g, gate_latent in enumerate(state.contention_latent):
        # The openness an agreement's chance uses never reaches 0, and the
        # contention read from it stays in [0, 1] (1 only by rounding).
        if not (math.isfinite(gate_latent) and gate_latent <= 0.0):
            _fail(f"gate {g}: contention_latent {gate_latent} is not a finite value <= 0")
        if not math.exp(gate_latent) > 0.0:
            _fail(f"gate {g}: openness exp({gate_latent}) is 0")
        if not 0.0 <= state.contention(g) <= 1.0:
            _fail(f"gate {g}: contention {state.contention(g)} outside [0, 1]")
    if not 0 <= state.resolved < 1 << n_gates:
        _fail(f"resolved mask {state.resolved:b} names gates beyond the {n_gates} there are")


class EventCheck:
    """A ``check`` hook for :func:`sim.engine.simulate` that checks the state after every event.

    Besides :func:`check_state`: a conference announced or convened has every
    gate resolved; an announced date is not in the past; a convened one is
    today; an open negotiation has no date. ``times`` records when each check
    ran, so a test can see the hook was called (at least once per event) and
    in order of time.
    """

    def __init__(self, n_actors: int, n_gates: int) -> None:
        self.n_actors = n_actors
        self.n_gates = n_gates
        self.times: list[float] = []

    @classmethod
    def for_scenario(cls, scenario: Scenario) -> EventCheck:
        """A check sized for ``scenario``'s actors and gates."""
        return cls(len(scenario.actors), len(scenario.gates))

    def __call__(self, now: float, state: State) -> None:
        """Check ``state`` at time ``now`` (days); raise :class:`AssertionError` if it is wrong."""
        self.times.append(now)
        check_state(state, self.n_actors, self.n_gates)
        everything = (1 << self.n_gates) - 1
        if state.phase == Phase.CONVENED:
            if state.resolved != everything:
                _fail(f"day {now}: convened with gates open (resolved {state.resolved:b})")
            if state.convene_day != now:
                _fail(f"day {now}: convened, but the convening day is {state.convene_day}")
        elif state.phase == Phase.ANNOUNCED:
            if state.resolved != everything:
                _fail(f"day {now}: announced with gates open (resolved {state.resolved:b})")
            if not state.convene_day >= now:
                _fail(f"day {now}: the announced day {state.convene_day} is in the past")
        elif state.phase != Phase.OPEN:
            _fail(f"day {now}: unknown phase {state.phase}")
        elif state.convene_day != NO_DAY:
            _fail(f"day {now}: open, but a convening day {state.convene_day} is set")


def check_run(scenario: Scenario, result: RunResult) -> None:
    """Check one whole run of ``scenario`` through its trace (simulate it with ``trace=True``).

    The trace runs forward in time within the horizon; readiness stays in
    [0, 1]; nothing is announced while a gate is open, and an announced day
    lies within the convening rule's lead times; a conference that opened
    was announced for that day at least ``lead_min_days`` before, after every
    gate was resolved, and its opening ends the trace; one that did not open
    has no ``convene`` record.

    Raises
    ------
    AssertionError
        Naming the first record or result that breaks one of these.
    """
    trace = result.trace
    if trace is None:
        raise ValueError("check_run needs the trace: simulate(..., trace=True)")
    times = [t.time for t in trace]
    if times != sorted(times):
        _fail("trace times decrease")
    for t in trace:
        if not 0.0 <= t.time <= scenario.horizon_day + 1:
            _fail(f"{t}: time outside [0, horizon {scenario.horizon_day} + 1]")
        if not (0.0 <= t.readiness_before <= 1.0 and 0.0 <= t.readiness_after <= 1.0):
            _fail(f"{t}: readiness outside [0, 1]")
    rule = scenario.convening
    for t in trace:
        if t.action == "announce":
            if not all(g is not None and g <= t.time for g in result.gate_days):
                _fail(f"{t}: announced while a gate was open (gates resolved {result.gate_days})")
            if not t.time + rule.lead_min_days <= t.day <= math.ceil(t.time) + rule.lead_max_days:
                _fail(f"{t}: announced day outside the lead times of {rule}")
    if result.convened_day is not None:
        announced = [a for a in result.announcements if a[1] == result.convened_day]
        if not announced:
            _fail(f"convened on day {result.convened_day} without an announcement of that day")
        when, day = announced[-1]
        if day < when + rule.lead_min_days:
            _fail(f"convened on day {day}, announced on day {when}: less than the lead time")
        if not all(g is not None and g <= when for g in result.gate_days):
            _fail(f"announced on day {when} before every gate was resolved ({result.gate_days})")
        if trace[-1].action != "convene" or trace[-1].time != result.convened_day:
            _fail(f"the trace does not end with the convening: {trace[-1]}")
    elif any(t.action == "convene" for t in trace):
        _fail("a convene record in a run that did not convene")
