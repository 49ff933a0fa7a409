"""Hypothesis strategies and invariant checks for property-testing the model and scenarios.

For model developers who change the model, and for scenario authors who want
to know that a new scenario keeps the model's promises whatever the seed:
readiness, violence, stances and rapport stay in their ranges; the running
sums of the mean stance agree with a fresh count; a gate settles only after
the gates it requires, and only a reopenable one reopens; stages are reached
in order, each taken with its gates settled and reached on a date set at
least its shortest lead time before; an ending is final; a deadline's default
ending happens exactly when the deadline passes with its stage unreached;
nothing is simulated before the forecast origin; the same seed gives the same
run.

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
import itertools
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

try:
    from hypothesis import strategies as st
except ImportError as exc:  # pragma: no cover - depends on what is installed
    raise ImportError(
        'sim.testing needs Hypothesis, a test extra: pip install "negsim[test]" '
        "(or pip install hypothesis)"
    ) from exc

from sim.engine import RunResult, Source
from sim.engine import Step as TraceStep
from sim.engine.compiled import CompiledModel, compile_scenario
from sim.model.actions import KINDS, Action, ActionContext, ActionKind, VoteRule, apply
from sim.model.mechanisms import advance, war_step
from sim.model.params import Effect, Mechanisms, Narrowing, Rapport, Ripeness, World
from sim.model.stages import EndingRule, StageRule, Transition, due, end, postpone, reach, take
from sim.model.state import NO_DAY, NOT_ENDED, State, logistic, logit, pair_index
from sim.scenario import Scenario, scenario_from_dict

__all__ = [
    "START",
    "ActionSequence",
    "ActionStep",
    "EventCheck",
    "Moment",
    "StageStep",
    "Step",
    "WorldStep",
    "action_sequences",
    "check_run",
    "check_state",
    "run_indices",
    "scenario_documents",
    "scenarios",
    "seeds",
    "stage_rule",
    "walk",
]

START = dt.date(2013, 1, 1)
"""Start date (day 0) of every scenario :func:`scenario_documents` generates."""

#: Days between two steps of :func:`walk` (a :class:`WorldStep` takes its own).
STEP_DAYS = 1.5

_KIND_LIST = list(ActionKind)
_PEACE_KINDS = [k for k in ActionKind if not KINDS[k].war]
_ACTOR_NAMES = ["alpha", "beta", "gamma", "delta"]
_GATE_NAMES = ["seats", "delegation", "agenda", "sequence"]
_STAGE_NAMES = ["agreed", "signed", "ratified"]
_ENDING_NAMES = ["walkout", "collapse", "no_deal"]
_DEADLINE_NAMES = ["first", "second", "third"]
_BODY_NAMES = ["assembly", "council"]
_COALITION_NAMES = ["bloc", "front"]
_REGIME_NAMES = ["hawks", "doves"]
#: Machine epsilon: the running sums of the mean stance drift by about this much per update.
_EPS = 2.0**-52
#: Below this latent value a gate's openness ``exp(latent)`` underflows to 0 in floating point.
_UNDERFLOW = math.log(5e-324)


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
    """Time passes: readiness relaxes for ``days`` days, then the war steps with these draws.

    ``z_violence`` and ``z_balance`` are standard normal draws for
    :func:`sim.model.mechanisms.war_step` (no step without a war).
    """

    z_violence: float
    z_balance: float
    days: float = 7.0


@dataclass(frozen=True, slots=True)
class StageStep:
    """Apply the stage and ending rules, as the engine does after a change (:func:`stage_rule`).

    ``u`` is the uniform draw of a lead time, should a stage be taken with a date.
    """

    u: float


Step = ActionStep | WorldStep | StageStep
"""One step of an :class:`ActionSequence`."""


@dataclass(frozen=True, slots=True)
class ActionSequence:
    """A starting state, what the pure functions need to know, and steps to apply in order.

    Attributes
    ----------
    initial
        A state of ``context.n_actors`` actors and ``len(initial.contention_latent)``
        gates, some settled, its running sums consistent with its active
        actors and their regimes, maybe a stage reached or a date pending
        (with its gates settled), not ended.
    context
        The actors' sides, influence per regime, the gates' ``requires``, the
        coalitions, the rapport slots and the rapport mechanism.
    stages, endings
        The stage rules and the alternative endings (:mod:`sim.model.stages`).
    reopenable
        Bit mask of the gates a ``reopen`` action may name (the loader
        refuses the others).
    war
        Whether there is a war: without one, violence is 0 for good (its
        log-odds ``-inf``), no action moves it and no war step is taken.
    world, mechanisms
        What time does to readiness and the war (:class:`WorldStep`).
    steps
        Actions, the passing of time and the stage rule, in the order to apply them.
    """

    initial: State
    context: ActionContext
    stages: tuple[StageRule, ...]
    endings: tuple[EndingRule, ...]
    reopenable: int
    war: bool
    world: World
    mechanisms: Mechanisms
    steps: tuple[Step, ...]

    @property
    def n_gates(self) -> int:
        """How many gates the state has."""
        return len(self.initial.contention_latent)


@dataclass(frozen=True, slots=True)
class Moment:
    """One step of :func:`walk`: when, what, the state before and after, and the gates settled."""

    time: float
    step: Step
    before: State
    after: State
    settled: int


def stage_rule(
    state: State,
    stages: Sequence[StageRule],
    endings: Sequence[EndingRule],
    now: float,
    u: float,
) -> State:
    """The state after the stage and ending rules act at ``now`` (days), as in a run.

    A pending date whose day has come is reached; an ending whose readiness
    level is crossed happens; then the transitions :func:`~sim.model.stages.due`
    calls for are made one after the other (take a stage, with ``u`` drawing
    a lead time; postpone a date), at most twice as many as there are stages
    and two more, so a rule that would loop cannot hang a test. Nothing
    happens once the negotiation is over.
    """
    if state.ended != NOT_ENDED or state.stage >= len(stages):
        return state
    if state.pending_day != NO_DAY and state.pending_day <= now:
        reached = reach(state, state.pending_day)
        if reached is not None:
            state = reached
    for e, ending in enumerate(endings):
        if state.readiness_logit < ending.below_logit:
            return end(state, e)
    for _ in range(2 * len(stages) + 2):
        transition = due(state, stages)
        if transition is Transition.NONE:
            break
        rule = stages[state.stage]
        state = (
            take(state, rule, now, u) if transition is Transition.TAKE else postpone(state, rule)
        )
    return state


def walk(case: ActionSequence) -> Iterator[Moment]:
    """Apply the steps of ``case`` in order, yielding each with the state before and after.

    Steps fall :data:`STEP_DAYS` apart (a :class:`WorldStep` lasts its own
    ``days``). The walk stops, as a run does, once the negotiation is over:
    an ending, or the last stage reached.
    """
    state, now = case.initial, 0.0
    for step in case.steps:
        if state.ended != NOT_ENDED or state.stage >= len(case.stages):
            return
        before, settled = state, 0
        if isinstance(step, WorldStep):
            now += step.days
            state = advance(state, case.world, case.mechanisms, step.days)
            if case.war:
                state = war_step(state, case.world, step.days, step.z_violence, step.z_balance)
        elif isinstance(step, StageStep):
            now += STEP_DAYS
            state = stage_rule(state, case.stages, case.endings, now, step.u)
        else:
            now += STEP_DAYS
            state, settled = apply(state, step.action, case.context, now, step.u)
        yield Moment(now, step, before, state, settled)


def _mask(draw: st.DrawFn, n: int, *, min_bits: int = 0) -> int:
    """A bit mask over ``n`` items with at least ``min_bits`` bits set."""
    bits = draw(st.lists(st.integers(0, n - 1), min_size=min_bits, max_size=n, unique=True))
    return sum(1 << b for b in bits)


def _bits(mask: int) -> list[int]:
    return [b for b in range(mask.bit_length()) if mask >> b & 1]


@st.composite
def action_sequences(draw: st.DrawFn) -> ActionSequence:
    """A state of 2 to 5 actors and 1 to 4 gates, its rules, and 1 to 25 steps to apply to it.

    The state's bounded quantities are drawn anywhere strictly inside their
    ranges: with a war or without; actors in any of 1 to 3 regimes, some not
    taking part; gates that require earlier ones, some reopenable; 1 to 3
    stages with random gates, thresholds, lead times and postponements, up
    to 3 endings, up to 3 deadlines, coalitions and rapport slots. The
    actions are of every kind, each with the names it needs (a deadline, an
    ending, a stage, a regime, a coalition, a vote's body, an election's
    candidates), packages of gates, several partners for joint acts, certain
    or failing as the record may say, and effects up to 50 in size, far
    beyond what a scenario would use, so that the bounds are shown to hold
    by construction (the update in latent space) and not because scenarios
    happen to be gentle. Time steps draw shocks up to 8 standard deviations.
    It drives the pure functions (``apply``, ``advance``, ``war_step``, the
    stage rule) without SimPy, so a failing case shrinks to a few steps; use
    :func:`walk` to apply them.
    """
    n = draw(st.integers(2, 5))
    n_gates = draw(st.integers(1, 4))
    war = draw(st.booleans())
    open_unit = st.floats(0.001, 0.999)
    unit = st.floats(0.0, 1.0, exclude_max=True)
    size = st.floats(-50.0, 50.0)

    sides = tuple(draw(st.sampled_from([-1, 0, 1])) for _ in range(n))
    influence = tuple(
        tuple(draw(st.floats(0.0, 3.0)) for _ in range(draw(st.integers(1, 3)))) for _ in range(n)
    )
    requires = tuple(_mask(draw, g) if g else 0 for g in range(n_gates))
    coalitions = tuple(
        tuple(sorted(draw(st.lists(st.integers(0, n - 1), min_size=2, max_size=n, unique=True))))
        for _ in range(draw(st.integers(0, 2)))
    )
    pairs = [pair_index(a, b, n) for a, b in itertools.combinations(range(n), 2)]
    slotted = draw(st.permutations(pairs))[: draw(st.integers(0, len(pairs)))]
    context = ActionContext(
        sides,
        Rapport(draw(st.booleans()), draw(st.floats(0.0, 5.0))),
        influence=influence,
        requires=requires,
        coalitions=coalitions,
        slots=MappingProxyType({pair: slot for slot, pair in enumerate(slotted)}),
        default_rapport_logit=logit(draw(open_unit)),
    )
    reopenable = _mask(draw, n_gates)

    n_stages = draw(st.integers(1, 3))
    stages: list[StageRule] = []
    for k in range(n_stages):
        lo = draw(st.integers(0, 20))
        hi = lo + draw(st.integers(0, 20))
        threshold = draw(st.one_of(st.just(-math.inf), open_unit.map(logit)))
        undo = draw(st.integers(0, k))
        # As the loader asks: postponed below no more than the stages it undoes need.
        highest = max([threshold, *(r.threshold_logit for r in stages[undo:])])
        postpone_logit = -math.inf
        if highest > -math.inf and draw(st.booleans()):
            postpone_logit = highest - draw(st.floats(0.0, 10.0))
        stages.append(StageRule(_mask(draw, n_gates), threshold, (lo, hi), postpone_logit, undo))
    endings = tuple(
        EndingRule(draw(st.one_of(st.just(-math.inf), st.floats(0.001, 0.3).map(logit))))
        for _ in range(draw(st.integers(0, 3)))
    )
    n_deadlines = draw(st.integers(1, 3))

    stances = tuple(math.atanh(draw(st.floats(-0.99, 0.99))) for _ in range(n))
    regime = tuple(draw(st.integers(0, len(influence[a]) - 1)) for a in range(n))
    active = _mask(draw, n)
    resolved = _mask(draw, n_gates)
    stage = draw(st.integers(0, n_stages - 1))
    pending = NO_DAY
    if stages[stage].gates & ~resolved == 0 and draw(st.booleans()):
        pending = draw(st.integers(0, 40))
    initial = State(
        readiness_logit=logit(draw(open_unit)),
        violence_logit=logit(draw(open_unit)) if war else -math.inf,
        violence_mean_logit=logit(draw(open_unit)) if war else -math.inf,
        balance_latent=math.atanh(draw(st.floats(-0.99, 0.99))) if war else 0.0,
        resolved=resolved,
        contention_latent=tuple(math.log1p(-draw(st.floats(0.0, 0.99))) for _ in range(n_gates)),
        stance_latent=stances,
        stance_sum=math.fsum(
            influence[a][regime[a]] * math.tanh(stances[a]) for a in _bits(active)
        ),
        influence_total=math.fsum(influence[a][regime[a]] for a in _bits(active)),
        rapport_latent=tuple(logit(draw(open_unit)) for _ in slotted),
        target_day=math.inf,
        stage=stage,
        pending_day=pending,
        ended=NOT_ENDED,
        regime=regime,
        active=active,
        deadline_days=tuple(draw(st.integers(0, 200)) for _ in range(n_deadlines)),
    )
    world = World(
        tick_days=7.0,
        readiness_mean=draw(open_unit),
        readiness_reversion=draw(st.one_of(st.just(0.0), st.floats(0.001, 0.5))),
        stance_pull=draw(st.floats(0.0, 3.0)),
        violence_mean=draw(open_unit),
        violence_reversion=draw(st.floats(0.0, 0.5)),
        violence_volatility=draw(st.floats(0.0, 1.0)),
        balance_mean=draw(st.floats(-0.99, 0.99)),
        balance_reversion=draw(st.floats(0.0, 0.5)),
        balance_volatility=draw(st.floats(0.0, 1.0)),
    )
    mechanisms = Mechanisms(
        ripeness=Ripeness(draw(st.booleans()), draw(st.floats(0.0, 1.0))),
        narrowing=Narrowing(draw(st.booleans()), draw(st.floats(0.0, 1.0))),
    )

    kinds = [
        k
        for k in (_KIND_LIST if war else _PEACE_KINDS)
        if (k is not ActionKind.FORM_COALITION or coalitions)
        and (k is not ActionKind.WALK_OUT or endings)
        and (k is not ActionKind.REOPEN or reopenable)
    ]
    steps: list[Step] = []
    for _ in range(draw(st.integers(1, 25))):
        what = draw(st.sampled_from(["action"] * 4 + ["world", "stage"]))
        if what == "world":
            z = st.floats(-8.0, 8.0)
            steps.append(WorldStep(draw(z), draw(z), draw(st.floats(0.1, 14.0))))
        elif what == "stage":
            steps.append(StageStep(draw(unit)))
        else:
            action = _action(
                draw,
                draw(st.sampled_from(kinds)),
                context,
                len(stages),
                len(endings),
                n_deadlines,
                n_gates,
                reopenable,
                size,
            )
            steps.append(ActionStep(action, draw(unit)))
    return ActionSequence(
        initial, context, tuple(stages), endings, reopenable, war, world, mechanisms, tuple(steps)
    )


def _action(
    draw: st.DrawFn,
    kind: ActionKind,
    context: ActionContext,
    n_stages: int,
    n_endings: int,
    n_deadlines: int,
    n_gates: int,
    reopenable: int,
    size: st.SearchStrategy[float],
) -> Action:
    """An action of ``kind`` with every field its registry entry says it needs."""
    info = KINDS[kind]
    n = context.n_actors
    actor = draw(st.integers(0, n - 1))
    rest = [b for b in range(n) if b != actor]
    others: tuple[int, ...] = ()
    if info.other == "required" or (info.other == "optional" and draw(st.booleans())):
        most = len(rest) if info.joint else 1
        others = tuple(
            draw(st.lists(st.sampled_from(rest), min_size=1, max_size=most, unique=True))
        )
    gates = 0
    if kind is ActionKind.REOPEN:
        gates = 1 << draw(st.sampled_from(_bits(reopenable)))
    elif info.gate == "one":
        gates = 1 << draw(st.integers(0, n_gates - 1))
    elif info.gate == "some":
        gates = _mask(draw, n_gates, min_bits=1)
    elif info.gate == "optional":
        gates = _mask(draw, n_gates)
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
        fail_readiness=draw(size),
        violence_mean=draw(size),
        extension_days=draw(st.floats(0.001, 400.0)),
        cohesion=draw(st.floats(0.0, 1.0)),
    )
    certain = fails = False
    if info.chance is not None:
        certain, fails = draw(st.sampled_from([(False, False), (True, False), (False, True)]))
    n_regimes = len(context.influence[actor])
    fields: dict[str, Any] = {}
    if kind is ActionKind.EXTEND_DEADLINE:
        fields["deadline"] = draw(st.integers(0, n_deadlines - 1))
        fields["to_day"] = draw(st.one_of(st.just(-1), st.integers(0, 400)))
    elif kind is ActionKind.WALK_OUT:
        fields["ending"] = draw(st.integers(0, n_endings - 1))
    elif kind in (ActionKind.ANNOUNCE_DATE, ActionKind.REACH_STAGE):
        fields["stage"] = draw(st.integers(0, n_stages - 1))
        if kind is ActionKind.ANNOUNCE_DATE:
            fields["to_day"] = draw(st.integers(0, 400))
    elif kind is ActionKind.CHANGE:
        fields["regime"] = draw(st.integers(0, n_regimes - 1))
    elif kind is ActionKind.FORM_COALITION:
        fields["coalition"] = draw(st.integers(0, len(context.coalitions) - 1))
    elif kind is ActionKind.VOTE:
        members = draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=n, unique=True))
        fields["vote"] = VoteRule(
            members=tuple(members),
            weights=tuple(draw(st.floats(0.0, 100.0)) for _ in members),
            others_weight=draw(st.floats(0.0, 100.0)),
            others_stance=draw(st.floats(-1.0, 1.0)),
            threshold=draw(st.floats(0.01, 0.99)),
            sharpness=draw(st.floats(0.01, 1000.0)),
        )
    elif kind is ActionKind.ELECTION:
        names = draw(st.permutations(range(n_regimes)))[: draw(st.integers(1, n_regimes))]
        shares = [draw(st.floats(0.01, 1.0)) for _ in names]
        total = math.fsum(shares)
        cumulative = list(itertools.accumulate(s / total for s in shares))
        cumulative[-1] = 1.0
        fields["candidates"] = tuple(zip(names, cumulative, strict=True))
        if draw(st.booleans()):
            fields["regime"] = draw(st.sampled_from(names))
    return Action(
        kind,
        actor,
        effect,
        others=others,
        gates=gates,
        certain=certain,
        fails=fails,
        label=kind.value,
        **fields,
    )


# -- whole scenarios --------------------------------------------------------------------------


def _day(n: int) -> dt.date:
    return START + dt.timedelta(days=n)


def _periods(draw: st.DrawFn, horizon: int, most: int) -> list[list[dt.date]]:
    """Up to ``most`` ``[from, to]`` date pairs in order, not overlapping, within the horizon."""
    days = sorted(
        draw(st.lists(st.integers(0, horizon), min_size=0, max_size=2 * most, unique=True))
    )
    days = days[: len(days) // 2 * 2]
    return [[_day(days[i]), _day(days[i + 1])] for i in range(0, len(days), 2)]


@st.composite
def scenario_documents(draw: st.DrawFn) -> dict[str, Any]:
    """A valid scenario document (what a TOML file parses to) of a small random negotiation.

    One to four actors (``alpha`` ...), with or without a war, zero to four
    gates (some requiring earlier ones, some reopenable), a horizon of 20 to
    200 days from :data:`START`. The outcome is explicit ``[stages]`` (one to
    three, with random gates, thresholds, lead times, postponements and what
    a postponement undoes) or the ``[convening]`` shorthand; up to three
    ``[endings]`` (some by readiness); one to three deadlines, some with a
    default ending. Actors take part from the start or join later (``active
    = false``, ``windows``), have up to two regimes, up to five moves of any
    kind a run may take (with the names each needs: a deadline, an ending,
    a regime, a coalition, a body, packages of gates, several partners) and
    maybe a reaction. Up to eight dated events of any kind, record-only ones
    included (stage events, elections with candidates, votes and attempts
    with recorded results, scheduled ones, the scenario's own); bodies,
    coalitions, sessions, a scenario's own words, effect defaults, a
    forecast origin (``as_of``) anywhere in the window or left out, and
    every mechanism's parameters over their whole valid range. Give it to
    :func:`sim.scenario.scenario_from_dict`, or use :func:`scenarios`. It
    finds what no hand-written scenario tries: no gates, one actor, every
    actor away, a deadline on the first or the last day, reactions to
    reactions, events on the last day.
    """
    actors = _ACTOR_NAMES[: draw(st.integers(1, 4))]
    gates = _GATE_NAMES[: draw(st.integers(0, 4))]
    horizon = draw(st.integers(20, 200))
    war = draw(st.booleans())
    effect_size = st.floats(-3.0, 3.0)
    unit_open = st.floats(0.01, 0.95)
    # Reversion rates of 0 or at least 1e-3 per day: smaller positive rates hit the numerical
    # bugs of test_mechanisms.py::test_relax_tends_to_the_linear_drift_as_reversion_vanishes.
    rate = st.one_of(st.just(0.0), st.floats(0.001, 0.1))
    kinds = _KIND_LIST if war else _PEACE_KINDS

    gate_tables: dict[str, Any] = {}
    for i, g in enumerate(gates):
        table: dict[str, Any] = {
            "resolved": draw(st.booleans()),
            "contention": draw(st.floats(0.0, 0.9)),
        }
        if i and draw(st.booleans()):
            table["requires"] = draw(st.lists(st.sampled_from(gates[:i]), min_size=1, unique=True))
        if draw(st.booleans()):
            table["reopenable"] = True
        gate_tables[g] = table
    reopenable = [g for g, t in gate_tables.items() if t.get("reopenable")]

    document: dict[str, Any] = {}
    shorthand = draw(st.booleans())
    if shorthand:
        stage_ids = ["announced", "convened"]
        announce = draw(st.floats(0.05, 0.95))
        lead_lo = draw(st.integers(0, 30))
        convening: dict[str, Any] = {
            "announce_threshold": announce,
            "postpone_threshold": announce * draw(st.floats(0.0, 1.0)),
            "lead_days": [lead_lo, lead_lo + draw(st.integers(0, 20))],
        }
        if draw(st.booleans()):
            convening["convener"] = draw(st.sampled_from(actors))
        document["convening"] = convening
    else:
        stage_ids = _STAGE_NAMES[: draw(st.integers(1, 3))]
        stage_tables: dict[str, Any] = {}
        thresholds: list[float] = []
        for k, sid in enumerate(stage_ids):
            table = {}
            if bool(gates) and draw(st.booleans()):
                table["gates"] = draw(st.lists(st.sampled_from(gates), unique=True))
            threshold = draw(st.one_of(st.just(0.0), unit_open))
            thresholds.append(threshold)
            table["threshold"] = threshold
            if draw(st.booleans()):
                lo = draw(st.integers(0, 20))
                table["lead_days"] = [lo, lo + draw(st.integers(0, 15))]
            undo = draw(st.integers(0, k))
            if undo < k or draw(st.booleans()):
                table["postponement_undoes"] = stage_ids[undo]
            # A date is postponed below this level; the stages a postponement undoes must
            # ask at least as much to be taken again, or the date would be set and
            # withdrawn for ever (the loader refuses that).
            highest = max(thresholds[undo:])
            if highest > 0.0 and draw(st.booleans()):
                table["postpone_below"] = highest * draw(st.floats(0.0, 1.0))
            if draw(st.booleans()):
                table["by"] = draw(st.sampled_from(actors))
            if draw(st.booleans()):
                table["said"] = draw(st.sampled_from(["{stage}", "{actor} {signs|sign}[ {stage}]"]))
            if draw(st.booleans()):
                table["label"] = f"the {sid} stage"
            stage_tables[sid] = table
        document["stages"] = stage_tables

    ending_ids = _ENDING_NAMES[: draw(st.integers(0, 3))]
    ending_tables = {
        e: (
            {"readiness_below": draw(st.floats(0.001, 0.1))} if draw(st.integers(0, 3)) == 0 else {}
        )
        for e in ending_ids
    }
    deadline_ids = _DEADLINE_NAMES[: draw(st.integers(1, 3))]
    deadline_tables: dict[str, Any] = {}
    for did in deadline_ids:
        table = {
            "date": _day(draw(st.integers(0, horizon))),
            "focal": draw(st.booleans()),
        }
        if draw(st.booleans()):
            table["stage"] = draw(st.sampled_from(stage_ids))
        if bool(ending_ids) and draw(st.integers(0, 2)) == 0:
            table["default_ending"] = draw(st.sampled_from(ending_ids))
        deadline_tables[did] = table
    body_tables: dict[str, Any] = {}
    for bid in _BODY_NAMES[: draw(st.integers(0, 2))]:
        members = draw(st.lists(st.sampled_from(actors), min_size=1, unique=True))
        seats = {m: draw(st.floats(0.0, 100.0)) for m in members}
        seats[members[0]] = draw(st.floats(0.5, 100.0))
        table = {
            "seats": seats,
            "others_stance": draw(st.floats(-1.0, 1.0)),
            "threshold": draw(st.floats(0.05, 0.95)),
            "sharpness": draw(st.floats(0.5, 100.0)),
        }
        if draw(st.booleans()):
            table["size"] = math.fsum(seats.values()) + draw(st.floats(0.0, 200.0))
        body_tables[bid] = table
    coalition_tables = {}
    if len(actors) >= 2:
        for cid in _COALITION_NAMES[: draw(st.integers(0, 2))]:
            coalition_tables[cid] = {
                "members": draw(st.lists(st.sampled_from(actors), min_size=2, unique=True))
            }
    regime_ids = {a: _REGIME_NAMES[: draw(st.integers(0, 2))] for a in actors}

    def effects(kind: ActionKind) -> dict[str, Any]:
        entry: dict[str, Any] = {}
        for name in sorted(KINDS[kind].effects):
            if draw(st.booleans()):
                if name in ("settle_probability", "cohesion"):
                    entry[name] = draw(st.floats(0.0, 1.0))
                elif name in ("target_days", "extension_days"):
                    entry[name] = draw(st.floats(1.0, 60.0))
                else:
                    entry[name] = draw(effect_size)
        return entry

    def targets(kind: ActionKind, actor: str, reaction: bool) -> dict[str, Any] | None:
        """The references ``kind`` needs or takes, or ``None`` when the scenario has none."""
        info = KINDS[kind]
        entry: dict[str, Any] = {}
        others = [a for a in actors if a != actor]
        must = info.other == "required" and not reaction
        if must and not others:
            return None
        if info.other != "none" and (others or reaction) and (must or draw(st.booleans())):
            pool = others + (["provoker"] if reaction else [])
            most = len(pool) if info.joint else 1
            chosen = draw(st.lists(st.sampled_from(pool), min_size=1, max_size=most, unique=True))
            key = info.role if draw(st.booleans()) else ("target" if info.joint else "partner")
            entry[key] = chosen[0] if len(chosen) == 1 and draw(st.booleans()) else chosen
        if kind is ActionKind.REOPEN:
            if not reopenable:
                return None
            entry["gate"] = draw(st.sampled_from(reopenable))
        elif info.gate in ("one", "some"):
            if not gates:
                return None
            if info.gate == "one" or draw(st.booleans()):
                entry["gate"] = draw(st.sampled_from(gates))
            else:
                entry["gates"] = draw(st.lists(st.sampled_from(gates), min_size=1, unique=True))
        elif info.gate == "optional" and gates and draw(st.booleans()):
            entry["gates"] = draw(st.lists(st.sampled_from(gates), min_size=1, unique=True))
        pools: dict[str, Sequence[str]] = {
            "deadline": deadline_ids,
            "ending": ending_ids,
            "stage": stage_ids,
            "regime": ["initial", *regime_ids[actor]],
            "coalition": list(coalition_tables),
            "body": list(body_tables),
        }
        for key in sorted(info.takes - {"candidates"}):
            if key in info.needs or draw(st.booleans()):
                if not pools[key]:
                    if key in info.needs:
                        return None
                    continue
                entry[key] = draw(st.sampled_from(pools[key]))
        if "candidates" in info.takes:
            regimes = draw(st.permutations(pools["regime"]))[
                : draw(st.integers(1, len(pools["regime"])))
            ]
            shares = [draw(st.floats(0.05, 1.0)) for _ in regimes]
            total = math.fsum(shares)
            probabilities = [s / total for s in shares]
            probabilities[-1] = max(0.0, 1.0 - math.fsum(probabilities[:-1]))
            entry["candidates"] = dict(zip(regimes, probabilities, strict=True))
        return entry

    def move(actor: str, kind: ActionKind, reaction: bool) -> dict[str, Any] | None:
        entry = targets(kind, actor, reaction)
        if entry is None:
            return None
        return {"kind": kind.value, **entry, **effects(kind)}

    runnable = [k for k in kinds if not KINDS[k].record_only]
    actor_tables: dict[str, Any] = {}
    for actor in actors:
        moves = {}
        for i in range(draw(st.integers(0, 5))):
            kind = draw(st.sampled_from(runnable))
            entry = move(actor, kind, reaction=False)
            if entry is not None:
                heavy = kind not in (ActionKind.WALK_OUT, ActionKind.LEAVE)
                entry["weight"] = draw(st.floats(0.0, 3.0 if heavy else 0.2))
                moves[f"m{i}"] = entry
        table = {
            "stance": draw(st.floats(-0.95, 0.95)),
            "tempo_days": draw(st.floats(0.5, 15.0)),
            "pass_weight": draw(st.floats(0.0, 2.0)),
            "actions": moves,
        }
        if war:
            table["side"] = draw(st.sampled_from([-1, 0, 1]))
        if draw(st.booleans()):
            table["influence"] = draw(st.floats(0.0, 3.0))
        presence = draw(st.integers(0, 3))
        if presence == 1:
            table["active"] = False
        elif presence == 2:
            table["windows"] = _periods(draw, horizon, 2) or [[_day(0), _day(horizon)]]
        regimes = {}
        for rid in regime_ids[actor]:
            regime: dict[str, Any] = {"label": f"{actor} turns to the {rid}"}
            if draw(st.booleans()):
                regime["tempo_days"] = draw(st.floats(0.5, 15.0))
            if draw(st.booleans()):
                regime["pass_weight"] = draw(st.floats(0.0, 2.0))
            if draw(st.booleans()):
                regime["influence"] = draw(st.floats(0.0, 3.0))
            if draw(st.booleans()):
                regime["name"] = f"the {rid} of {actor}"
            if bool(moves) and draw(st.booleans()):
                regime["weights"] = {
                    m: draw(st.floats(0.0, 3.0))
                    for m in draw(st.lists(st.sampled_from(list(moves)), unique=True))
                }
            regimes[rid] = regime
        if regimes:
            table["regimes"] = regimes
        others = [a for a in actors if a != actor]
        if bool(others) and draw(st.booleans()):
            kind = draw(st.sampled_from(runnable))
            response = move(actor, kind, reaction=True)
            if response is not None:
                response.pop("kind")
                delay = draw(st.floats(0.0, 5.0))
                table["reactions"] = {
                    "answer": {
                        "on": draw(
                            st.lists(st.sampled_from([k.value for k in _KIND_LIST]), min_size=1)
                        ),
                        "by": draw(st.lists(st.sampled_from(others), unique=True)),
                        "respond": kind.value,
                        "probability": draw(st.floats(0.0, 1.0)),
                        "delay_days": [delay, delay + draw(st.floats(0.0, 5.0))],
                        **response,
                    }
                }
        actor_tables[actor] = table

    events = {}
    for i in range(draw(st.integers(0, 8))):
        actor = draw(st.sampled_from(actors))
        kind = draw(st.sampled_from(kinds))
        entry = move(actor, kind, reaction=False)
        if entry is None:
            continue
        day = draw(st.integers(0, horizon))
        entry["actor"] = actor
        entry["date"] = _day(day)
        if kind is ActionKind.ANNOUNCE_DATE or (
            kind is ActionKind.EXTEND_DEADLINE and draw(st.booleans())
        ):
            entry["to"] = _day(draw(st.integers(day, horizon)))  # extensions: see below
        if kind is ActionKind.ELECTION:
            if draw(st.booleans()):
                entry["result"] = draw(st.sampled_from(sorted(entry["candidates"])))
        elif KINDS[kind].chance is not None:
            outcome = draw(st.sampled_from(["result", "certain", "neither"]))
            if outcome == "result":
                results = (
                    ["passed", "failed"] if kind is ActionKind.VOTE else ["succeeded", "failed"]
                )
                entry["result"] = draw(st.sampled_from(results))
            elif outcome == "certain":
                entry["certain"] = draw(st.booleans())
        if draw(st.integers(0, 3)) == 0:
            entry["scheduled"] = True
        if draw(st.integers(0, 4)) == 0:
            entry["record"] = False
        if draw(st.integers(0, 3)) == 0:
            entry["provokes_reactions"] = False
        if draw(st.booleans()):
            entry["note"] = f"event {i}"
        events[f"e{i}"] = entry
    # The record's extensions move their deadline later than it stands then (or by
    # extension_days, with no date): the loader refuses an extension to an earlier date.
    standing = {did: table["date"] for did, table in deadline_tables.items()}
    for entry in sorted(events.values(), key=lambda e: e["date"]):  # stable: file order
        if entry["kind"] == ActionKind.EXTEND_DEADLINE.value and "to" in entry:
            after = standing[entry["deadline"]]
            if entry["to"] <= after:
                if after >= _day(horizon):
                    del entry["to"]
                    continue
                entry["to"] = after + dt.timedelta(
                    days=draw(st.integers(1, (_day(horizon) - after).days))
                )
            standing[entry["deadline"]] = entry["to"]

    word_tables = {}
    for kind in draw(st.lists(st.sampled_from(kinds), max_size=2, unique=True)):
        words: dict[str, Any] = {"done": "{actor} {acts|act}[ with {other}][ on {gate}]"}
        if draw(st.booleans()):
            words["title"] = "Act[ on {gate}]"
        if KINDS[kind].chance is not None and draw(st.booleans()):
            words["failed"] = "{actor} {fails|fail}[ on {gate}]"
        word_tables[kind.value] = words
    effect_tables = {
        kind.value: effects(kind)
        for kind in draw(st.lists(st.sampled_from(kinds), max_size=2, unique=True))
    }

    initial: dict[str, Any] = {
        "readiness": draw(st.floats(0.01, 0.99)),
        "rapport": draw(st.floats(0.01, 0.99)),
    }
    world: dict[str, Any] = {
        "tick_days": draw(st.floats(1.0, 14.0)),
        "readiness_reversion": draw(rate),
        "stance_pull": draw(st.floats(0.0, 2.0)),
    }
    if war:
        initial["violence"] = draw(st.floats(0.01, 0.99))
        initial["balance"] = draw(st.floats(-0.9, 0.9))
        world.update(
            violence_volatility=draw(st.floats(0.0, 0.5)),
            violence_reversion=draw(rate),
            balance_volatility=draw(st.floats(0.0, 0.5)),
            balance_reversion=draw(rate),
        )
    document.update(
        {
            "name": "random",
            "start": START,
            "horizon": _day(horizon),
            "initial": initial,
            "gates": gate_tables,
            "actors": actor_tables,
            "events": events,
            "deadlines": deadline_tables,
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
            "world": world,
            "choice": {"stance_sensitivity": draw(st.floats(0.0, 3.0))},
        }
    )
    optional = {
        "endings": ending_tables,
        "bodies": body_tables,
        "coalitions": coalition_tables,
        "words": word_tables,
        "effects": effect_tables,
    }
    document.update({key: value for key, value in optional.items() if value})
    if draw(st.booleans()):
        document["as_of"] = _day(draw(st.integers(0, horizon)))
    if draw(st.integers(0, 3)) == 0:
        document["sessions"] = _periods(draw, horizon, 2) or [[_day(0), _day(horizon)]]
    return document


def scenarios() -> st.SearchStrategy[Scenario]:
    """Validated :class:`~sim.scenario.Scenario` objects built from :func:`scenario_documents`.

    For a property of whole runs of any scenario; use the documents instead
    when the test must change one before validating it.
    """
    return scenario_documents().map(lambda doc: scenario_from_dict(doc, source="<random>"))


# -- invariants -------------------------------------------------------------------------------


def _fresh_sums(state: State, context: ActionContext) -> tuple[float, float, float]:
    """``(stance_sum, influence_total, scale)`` recomputed from the active actors."""
    stance_sum = influence_total = scale = 0.0
    for a in range(context.n_actors):
        weight = context.influence[a][state.regime[a]]
        scale += max(context.influence[a])
        if state.active >> a & 1:
            stance_sum += weight * math.tanh(state.stance_latent[a])
            influence_total += weight
    return stance_sum, influence_total, scale


def check_state(
    state: State,
    n_actors: int,
    n_gates: int,
    *,
    context: ActionContext | None = None,
    stages: Sequence[StageRule] | None = None,
    n_endings: int | None = None,
    rule_applied: bool = False,
    updates: int = 1,
) -> None:
    """Check that ``state`` is well formed: every quantity finite, in its range, and consistent.

    Readiness and violence in [0, 1], the balance and every stance in
    [-1, 1], every rapport slot in [0, 1], every gate's contention in [0, 1]
    with a finite latent value (so an agreement always keeps some chance: its
    openness ``exp(latent)`` is above 0 until it underflows, beyond about 745
    log-units of demands; the contention itself reaches 1 only by rounding,
    see :func:`~sim.model.state.saturate`); without a war (violence log-odds
    ``-inf``) no violence and no balance; only existing gates settled and
    existing actors active; every actor in a regime; a pending date only
    while the negotiation is open and its stage not the last; an ending, if
    any, among the scenario's. Given the ``context``: each regime one the
    actor has, and the running sums of the mean stance equal to a fresh
    count within a rounding tolerance that grows with ``updates`` (how many
    changes the state has been through). Given the ``stages``: at most as
    many stages reached as there are; and, with ``rule_applied`` (the stage
    rule acted on this state, as it does from the forecast origin on), a
    pending date has its stage's gates settled.

    Raises
    ------
    AssertionError
        Naming the first quantity out of its range or out of step.
    """
    latent = (
        state.readiness_logit,
        state.balance_latent,
        *state.stance_latent,
        *state.rapport_latent,
    )
    if not all(math.isfinite(x) for x in latent):
        _fail(f"a latent value is not finite: {state}")
    if state.violence_logit == -math.inf:
        if state.violence_mean_logit != -math.inf or state.balance_latent != 0.0:
            _fail(f"no war (violence 0 for good), yet a violence mean or a balance: {state}")
    elif not (math.isfinite(state.violence_logit) and math.isfinite(state.violence_mean_logit)):
        _fail(f"violence log-odds {state.violence_logit} / mean {state.violence_mean_logit}")
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
    for slot, r in enumerate(state.rapport_latent):
        if not 0.0 <= logistic(r) <= 1.0:
            _fail(f"rapport slot {slot}: {r} is not a rapport")
    if len(state.contention_latent) != n_gates:
        _fail(f"{len(state.contention_latent)} contentions for {n_gates} gates")
    for g, gate_latent in enumerate(state.contention_latent):
        if not (math.isfinite(gate_latent) and gate_latent <= 0.0):
            _fail(f"gate {g}: contention_latent {gate_latent} is not a finite value <= 0")
        if not (math.exp(gate_latent) > 0.0 or gate_latent < _UNDERFLOW):
            _fail(f"gate {g}: openness exp({gate_latent}) is 0")
        if not 0.0 <= state.contention(g) <= 1.0:
            _fail(f"gate {g}: contention {state.contention(g)} outside [0, 1]")
    if not 0 <= state.resolved < 1 << n_gates:
        _fail(f"resolved mask {state.resolved:b} names gates beyond the {n_gates} there are")
    if not 0 <= state.active < 1 << n_actors:
        _fail(f"active mask {state.active:b} names actors beyond the {n_actors} there are")
    if len(state.regime) != n_actors or any(r < 0 for r in state.regime):
        _fail(f"regimes {state.regime} for {n_actors} actors")
    if math.isnan(state.target_day):
        _fail("the target day is not a number")
    if state.stage < 0:
        _fail(f"stage {state.stage} is negative")
    if state.ended != NOT_ENDED:
        if state.ended < 0 or (n_endings is not None and state.ended >= n_endings):
            _fail(f"ended by {state.ended}, not one of the {n_endings} endings")
        if state.pending_day != NO_DAY:
            _fail(f"ended by {state.ended}, yet a date is pending (day {state.pending_day})")
    if state.pending_day != NO_DAY and state.pending_day < 0:
        _fail(f"pending day {state.pending_day} is negative")
    if context is not None:
        for a, r in enumerate(state.regime):
            if r >= len(context.influence[a]):
                _fail(f"actor {a} in regime {r}; it has {len(context.influence[a])}")
        fresh_sum, fresh_total, scale = _fresh_sums(state, context)
        tolerance = 8.0 * _EPS * scale * (updates + n_actors)
        if abs(state.stance_sum - fresh_sum) > tolerance:
            _fail(f"stance_sum {state.stance_sum} is not the active actors' {fresh_sum}")
        if abs(state.influence_total - fresh_total) > tolerance:
            _fail(
                f"influence_total {state.influence_total} is not the active actors' {fresh_total}"
            )
    if stages is not None:
        if state.stage > len(stages):
            _fail(f"{state.stage} stages reached of the {len(stages)} there are")
        if state.pending_day != NO_DAY:
            if state.stage >= len(stages):
                _fail(f"a date pending (day {state.pending_day}) after the last stage")
            gates = stages[state.stage].gates & ~state.pending_open
            if rule_applied and state.resolved & gates != gates:
                _fail(
                    f"a date pending (day {state.pending_day}) for stage {state.stage} with its "
                    f"gates open (needs {gates:b}, settled {state.resolved:b})"
                )
        elif state.pending_open:
            _fail(f"gates {state.pending_open:b} noted open for a date, and no date is pending")


class EventCheck:
    """A ``check`` hook for :func:`sim.engine.simulate` that checks the state after every event.

    Besides :func:`check_state` (with the scenario's context, stages and
    endings, the stage rule applied from the forecast origin on): a
    deadline only ever moves later; an ending is final (the same ending
    after, and no stage reached after it). ``times`` records when each
    check ran, so a test can see the hook was called (at least once per
    event) and in order of time.
    """

    def __init__(
        self,
        n_actors: int,
        n_gates: int,
        *,
        context: ActionContext | None = None,
        stages: Sequence[StageRule] | None = None,
        n_endings: int | None = None,
        origin_time: float = 0.0,
    ) -> None:
        self.n_actors = n_actors
        self.n_gates = n_gates
        self.context = context
        self.stages = stages
        self.n_endings = n_endings
        self.origin_time = origin_time
        self.times: list[float] = []
        self._last: State | None = None

    @classmethod
    def for_scenario(cls, scenario: Scenario) -> EventCheck:
        """A check for ``scenario`` (compiled as the engine runs it)."""
        return cls.for_model(compile_scenario(scenario))

    @classmethod
    def for_model(cls, model: CompiledModel) -> EventCheck:
        """A check for a compiled scenario."""
        return cls(
            len(model.actor_ids),
            model.n_gates,
            context=model.context,
            stages=model.stages,
            n_endings=len(model.ending_ids),
            origin_time=model.origin_time,
        )

    def __call__(self, now: float, state: State) -> None:
        """Check ``state`` at time ``now`` (days); raise :class:`AssertionError` if it is wrong."""
        self.times.append(now)
        try:
            check_state(
                state,
                self.n_actors,
                self.n_gates,
                context=self.context,
                stages=self.stages,
                n_endings=self.n_endings,
                rule_applied=now > self.origin_time,
                updates=len(self.times),
            )
        except AssertionError as exc:
            raise AssertionError(f"day {now}: {exc}") from None
        last = self._last
        if last is not None:
            for d, (was, now_day) in enumerate(
                zip(last.deadline_days, state.deadline_days, strict=True)
            ):
                if now_day < was:
                    _fail(f"day {now}: deadline {d} moved earlier, from day {was} to {now_day}")
            if last.ended != NOT_ENDED and (state.ended != last.ended or state.stage > last.stage):
                _fail(
                    f"day {now}: ended by {last.ended}, then ended {state.ended} at stage "
                    f"{state.stage} (was {last.stage})"
                )
        self._last = state


def _gate_mask(model: CompiledModel, names: str) -> int:
    """The bit mask of gates named ``"a+b"`` in a trace record."""
    if not names:
        return 0
    return sum(1 << model.gate_ids.index(g) for g in names.split("+"))


def check_run(scenario: Scenario, result: RunResult) -> None:
    """Check one whole run of ``scenario`` through its trace (simulate it with ``trace=True``).

    The trace runs forward in time within the horizon, readiness in [0, 1].
    Nothing is simulated before the forecast origin: no decision, reaction or
    war step, and no stage taken, postponed or ended by the rule (only a
    date the record announced is reached). Record events known at the origin
    keep their recorded results. Only actors taking part decide or react.
    Gates settle only after the gates they require (but for the record's
    facts), and only reopenable gates reopen. Stages are reached in order
    (their days do not decrease); the rule takes a stage only with its gates
    settled, and sets a date within its lead times; a date is reached only as
    announced, at least the shortest lead time after the rule announced it.
    The run ends at the last stage or at an ending, never both, and the
    ending is the trace's last record. A deadline's default ending happens
    exactly when the deadline (where extensions moved it) passes with its
    stage unreached, within the horizon; no deadline ends before its date.

    Raises
    ------
    AssertionError
        Naming the first record or result that breaks one of these.
    """
    trace = result.trace
    if trace is None:
        raise ValueError("check_run needs the trace: simulate(..., trace=True)")
    model = compile_scenario(scenario)
    stage_ids = model.stage_ids
    times = [t.time for t in trace]
    if times != sorted(times):
        _fail("trace times decrease")
    for t in trace:
        if not 0.0 <= t.time <= model.horizon_end:
            _fail(f"{t}: time outside [0, horizon {scenario.horizon_day} + 1]")
        if not (0.0 <= t.readiness_before <= 1.0 and 0.0 <= t.readiness_after <= 1.0):
            _fail(f"{t}: readiness outside [0, 1]")
    _check_history(scenario, model, result)
    _check_gates_and_stages(scenario, model, result)

    # Stages in order, and the end, within the horizon.
    days = result.stage_days
    for day in (*days, result.ending_day):
        if day is not None and not 0 <= day <= scenario.horizon_day:
            _fail(f"a day outside the run: stages {days}, ending day {result.ending_day}")
    for k, day in enumerate(days):
        if day is not None and any(d is None or d > day for d in days[:k]):
            _fail(f"stage {stage_ids[k]} reached on day {day} before the stages before it: {days}")
    last = days[-1] if days else None
    if result.ending >= 0:
        ending_day = result.ending_day
        if ending_day is None or last is not None:
            _fail(f"ended by {result.ending} on day {ending_day}, last stage day {last}")
        if any(d is not None and ending_day is not None and d > ending_day for d in days):
            _fail(f"a stage reached after the ending on day {result.ending_day}: {days}")
        final = trace[-1]
        ending = model.ending_ids[result.ending]
        when = final.day if final.action is TraceStep.DEADLINE else math.floor(final.time)
        if final.ending != ending or when != result.ending_day:
            _fail(f"the trace does not end with the ending {ending}: {final}")
    elif result.ending_day is not None:
        _fail(f"an ending day {result.ending_day} without an ending")
    if last is not None:
        final = trace[-1]
        if (
            final.stage != stage_ids[-1]
            or math.floor(final.time) != last
            or final.action
            not in (
                TraceStep.STAGE,
                ActionKind.REACH_STAGE,
            )
        ):
            _fail(f"the trace does not end with the last stage on day {last}: {final}")

    # Deadlines and their default endings.
    for d, did in enumerate(model.deadline_ids):
        day = result.deadline_days[d]
        if day < model.initial.deadline_days[d]:
            _fail(f"deadline {did} moved earlier: day {day}")
        if model.deadline_ending[d] < 0:
            continue
        k = model.deadline_stage[d]
        met = result.reached_by(k, day)
        passed = [
            t
            for t in trace
            if t.action is TraceStep.DEADLINE and t.deadline == did and t.time == day + 1.0
        ]
        over = (result.ending_day is not None and result.ending_day <= day and not passed) or (
            last is not None and last <= day
        )
        missed = not met and not over and day < scenario.horizon_day
        if missed and (result.ending_day != day or not passed):
            _fail(
                f"deadline {did} (day {day}) passed with stage {stage_ids[k]} unreached, "
                f"and no default ending dated on its day (ended day {result.ending_day})"
            )
    for t in trace:
        if t.action is TraceStep.DEADLINE:
            d = model.deadline_ids.index(t.deadline)
            day = result.deadline_days[d]
            if (
                t.time != day + 1.0
                or t.day != day
                or result.reached_by(model.deadline_stage[d], day)
            ):
                _fail(f"{t}: a default ending, but deadline {t.deadline} stood at day {day}")
            if t.ending != model.ending_ids[model.deadline_ending[d]]:
                _fail(f"{t}: not the deadline's default ending")


def _check_history(scenario: Scenario, model: CompiledModel, result: RunResult) -> None:
    """Nothing simulated before the origin; the record's results; only actors taking part act."""
    assert result.trace is not None
    origin = model.origin_time
    events = {e.id: e for e in scenario.events}
    rule_steps = (TraceStep.ANNOUNCE, TraceStep.POSTPONE, TraceStep.CHECK, TraceStep.END)
    active = model.initial.active
    sessions = model.sessions
    for t in result.trace:
        simulated = t.source in (Source.DECISION, Source.REACTION, Source.WORLD)
        if t.time < origin and (simulated or t.action in rule_steps):
            _fail(f"{t}: simulated before the origin (time {origin})")
        if t.source in (Source.DECISION, Source.REACTION):
            a = model.actor_ids.index(t.actor)
            if not active >> a & 1:
                _fail(f"{t}: {t.actor} acts while not taking part")
            if isinstance(t.action, ActionKind) and KINDS[t.action].joint:
                for o in filter(None, t.other.split("+")):
                    if not active >> model.actor_ids.index(o) & 1:
                        _fail(f"{t}: a joint act with {o}, which is not taking part")
            if t.source is Source.DECISION and sessions and not model.in_session(t.time):
                _fail(f"{t}: a decision out of session")
        if t.action in (ActionKind.JOIN, ActionKind.LEAVE):
            a = model.actor_ids.index(t.actor)
            active = active | 1 << a if t.action is ActionKind.JOIN else active & ~(1 << a)
        if t.source is not Source.RECORD:
            continue
        event = events.get(t.label)
        if event is None or not event.record or event.day > model.origin:
            continue
        if event.result is None:
            continue
        if event.kind is ActionKind.ELECTION:
            actor = scenario.actor(event.actor)
            regimes = ["initial", *(r.id for r in actor.regimes)]
            if t.regime != regimes.index(event.result):
                _fail(f"{t}: the record's winner is {event.result}")
        elif t.failed != (event.result == "failed"):
            _fail(f"{t}: the record says {event.result}")


def _check_gates_and_stages(scenario: Scenario, model: CompiledModel, result: RunResult) -> None:
    """Gates settle after what they require; the rule takes stages with their gates settled.

    Follows the trace as the engine changes the state: the gates settled,
    how many stages are reached, and the pending date with when it was set
    and whether by the rule.
    """
    assert result.trace is not None
    origin = model.origin_time
    requires = model.context.requires
    reopenable = {g.id for g in scenario.gates if g.reopenable}
    drawn = {e.action.label for e in model.events if e.drawn}
    resolved = model.initial.resolved
    stage = 0
    # (day, time set, set by the rule, the gates open when the record set it)
    pending: tuple[int, float, bool, int] | None = None
    every_gate = (1 << len(model.gate_ids)) - 1
    for t in result.trace:
        if t.settled:
            settled = _gate_mask(model, t.settled)
            fact = t.source is Source.RECORD and t.label not in drawn
            for g in _bits(settled):
                if not fact and (resolved | settled) & requires[g] != requires[g]:
                    _fail(f"{t}: settled {model.gate_ids[g]} before the gates it requires")
            resolved |= settled
            if pending is not None:
                pending = (*pending[:3], pending[3] & ~settled)
        if t.action is ActionKind.REOPEN:
            for g in _bits(_gate_mask(model, t.gate)):
                if model.gate_ids[g] not in reopenable:
                    _fail(f"{t}: reopened {model.gate_ids[g]}, which is not reopenable")
            resolved &= ~_gate_mask(model, t.gate)
        elif t.action is ActionKind.ANNOUNCE_DATE:
            k = model.stage_ids.index(t.stage)
            if k >= stage:
                stage, pending = k, (t.day, t.time, False, every_gate & ~resolved)
        elif t.action is ActionKind.REACH_STAGE:
            k = model.stage_ids.index(t.stage)
            if k + 1 > stage:
                stage, pending = k + 1, None
        elif t.action in (ActionKind.POSTPONE_DATE, ActionKind.WALK_OUT):
            pending = None
        if t.source is not Source.CONVENING or not t.stage:
            continue
        k = model.stage_ids.index(t.stage)
        rule = model.stages[k]
        if k != stage:
            _fail(f"{t}: the rule acts on stage {t.stage} with {stage} stages reached")
        if t.action is TraceStep.ANNOUNCE:
            if resolved & rule.gates != rule.gates:
                _fail(f"{t}: stage {t.stage} taken with its gates open")
            low, high = rule.lead_days
            if not t.time + low <= t.day <= math.ceil(t.time) + high:
                _fail(f"{t}: the date set lies outside the lead times {rule.lead_days}")
            pending = (t.day, t.time, True, 0)
        elif t.action is TraceStep.POSTPONE:
            if pending is None:
                _fail(f"{t}: a postponement with no date pending")
            stage, pending = min(stage, rule.undo_from), None
        elif t.action is TraceStep.STAGE:
            if pending is not None and pending[0] == t.day:
                day, announced, by_rule, still_open = pending
                if by_rule and day < announced + rule.lead_days[0]:
                    _fail(f"{t}: reached {day - announced} days after it was announced")
                held = rule.gates & ~still_open
                if t.time > origin and resolved & held != held:
                    _fail(f"{t}: a date reached with its gates open")
            elif t.time < origin or not rule.immediate:
                _fail(f"{t}: stage {t.stage} reached without a date announced for it")
            elif resolved & rule.gates != rule.gates:
                _fail(f"{t}: stage {t.stage} taken with its gates open")
            stage, pending = stage + 1, None
    for g, gid in enumerate(model.gate_ids):
        if result.gate_reopenings[g] and gid not in reopenable:
            _fail(f"gate {gid} reopened {result.gate_reopenings[g]} times; it is not reopenable")
