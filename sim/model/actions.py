"""The kinds of action, each declared once, and :func:`apply`.

Each kind of action is one entry of the registry :data:`KINDS`: how an
actor's stance weighs on choosing it, whether it needs a partner or a target
and whether that actor is a partner in a joint act, whether it acts on a
gate, which effect sizes it reads, what it does to the state (a pure
function of :mod:`sim.model.effects`), its chance of succeeding if it is an
attempt, and its words for the narrative and the play screens (templates of
:mod:`sim.model.words`). Adding a kind is adding its name to
:class:`ActionKind` and its entry here (and, if it does something new, its
function in :mod:`sim.model.effects`); the loader, the engine, the narrative
and ``negsim play`` read the entry.

How much an action does (its :class:`~sim.model.params.Effect`) is scenario
data. The one entry point is :func:`apply`, which returns a new state and
never changes the old one, so property tests can drive it without SimPy.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal

from sim.model import effects
from sim.model.params import Effect, Rapport
from sim.model.state import LAST_DAY, State, logistic, pair_index
from sim.model.words import parse

__all__ = [
    "KINDS",
    "REFERENCES",
    "Action",
    "ActionContext",
    "ActionKind",
    "ChanceFunction",
    "EffectFunction",
    "GateUse",
    "Kind",
    "VoteRule",
    "Words",
    "apply",
    "effect_function",
    "success_chance",
]


class ActionKind(StrEnum):
    """The kinds of action an actor can take."""

    MEETING = "meeting"
    JOINT_PROPOSAL = "joint_proposal"
    TARGET_DATE = "target_date"
    UN_RESOLUTION = "un_resolution"
    EMBARGO_LIFT = "embargo_lift"
    ARMS_SHIPMENT = "arms_shipment"
    SEAT_DEMAND = "seat_demand"
    PRECONDITION = "precondition"
    DELEGATION_AGREEMENT = "delegation_agreement"
    MILITARY_OFFENSIVE = "military_offensive"
    BLAME_STATEMENT = "blame_statement"
    CEASEFIRE = "ceasefire"
    VOTE = "vote"
    REOPEN = "reopen"
    EXTEND_DEADLINE = "extend_deadline"
    WALK_OUT = "walk_out"
    CHANGE = "change"
    ELECTION = "election"
    JOIN = "join"
    LEAVE = "leave"
    FORM_COALITION = "form_coalition"
    ANNOUNCE_DATE = "announce_date"
    REACH_STAGE = "reach_stage"
    POSTPONE_DATE = "postpone_date"


Other = Literal["required", "optional", "none"]
"""Whether a kind needs a partner or target actor."""

GateUse = Literal["none", "one", "some", "optional"]
"""How a kind uses gates: none; exactly one; one or more (a package); any number, even none."""

#: The keys besides ``partner``/``target`` and ``gate`` a kind can take (see :attr:`Kind.takes`).
REFERENCES = ("deadline", "ending", "stage", "regime", "coalition", "body", "candidates")


@dataclass(frozen=True, slots=True)
class Action:
    """One action, ready to apply.

    Attributes
    ----------
    kind
        What kind of action it is.
    actor
        Index of the acting actor.
    effect
        The sizes of its effects.
    other
        Index of the partner or target actor (the first, for a joint act with
        several partners), or -1.
    others
        Every partner or target actor (empty when none).
    gate
        Index of the (first) gate it acts on, or -1.
    gates
        Bit mask of every gate it acts on (several for a package deal).
    certain
        For an attempt or a vote: it succeeds for sure (a fact from the record).
    fails
        For an attempt or a vote: it fails for sure (the record says so).
    label
        The name of the repertoire entry, reaction or dated event it came from.
    deadline, ending, stage, regime, coalition
        The index of the deadline, ending, stage, actor regime or coalition
        the action names, or -1.
    to_day
        For an extension or an announced date from the record: the new day; -1.
    vote
        For a vote: its body and rule.
    candidates
        For an election: ``(regime, cumulative probability)`` per candidate.
    """

    kind: ActionKind
    actor: int
    effect: Effect
    other: int = -1
    gate: int = -1
    certain: bool = False
    label: str = ""
    others: tuple[int, ...] = ()
    gates: int = 0
    fails: bool = False
    deadline: int = -1
    ending: int = -1
    stage: int = -1
    regime: int = -1
    coalition: int = -1
    to_day: int = -1
    vote: VoteRule | None = None
    candidates: tuple[tuple[int, float], ...] = ()

    def __post_init__(self) -> None:
        # Derive the one-index fields from the collections (or the reverse), so
        # that an action made with either reads the same.
        if self.other >= 0 and not self.others:
            object.__setattr__(self, "others", (self.other,))
        elif self.others and self.other < 0:
            object.__setattr__(self, "other", self.others[0])
        if self.gate >= 0 and not self.gates:
            object.__setattr__(self, "gates", 1 << self.gate)
        elif self.gates and self.gate < 0:
            object.__setattr__(self, "gate", (self.gates & -self.gates).bit_length() - 1)


@dataclass(frozen=True, slots=True)
class VoteRule:
    """A vote's body and rule, in index form (see :func:`sim.model.effects.vote_chance`).

    Attributes
    ----------
    members
        The voting actors.
    weights
        Each member's share of the body (seats, votes, weights).
    others_weight
        The share held by no actor of the scenario.
    others_stance
        The stance those seats vote with, in [-1, 1].
    threshold
        The share of the body's weight in favour that carries the vote.
    sharpness
        How sharply the chance of passing turns around the threshold.
    regime_weights
        Per member, its share in each of its regimes, where a regime changes
        it (an election that changes a party's seats); empty: ``weights``
        always.
    size
        With ``regime_weights``: the body's whole size, the seats held by
        no member counting as ``others`` (0: none are).
    """

    members: tuple[int, ...]
    weights: tuple[float, ...]
    others_weight: float
    others_stance: float
    threshold: float
    sharpness: float
    regime_weights: tuple[tuple[float, ...], ...] = ()
    size: float = 0.0


@dataclass(frozen=True, slots=True)
class ActionContext:
    """What the effect functions need to know besides the state and the action.

    Attributes
    ----------
    sides
        Per actor, -1, 0 or +1: the side of the war it backs.
    rapport
        The rapport mechanism (amplification of meetings).
    influence
        Per actor, per regime, its weight in the mean stance.
    regime_stance
        Per actor, per regime, the stance (``atanh``) entering the regime
        sets, or NaN where it keeps the stance it has (empty: none sets one).
    requires
        Per gate, the mask of the gates that must be settled before it
        (empty: no gate requires another).
    coalitions
        Per coalition, its members.
    slots
        The rapport slot of each pair of actors whose rapport can change,
        keyed by :func:`~sim.model.state.pair_index`.
    default_rapport_logit
        The rapport (log-odds) of every pair without a slot.
    last_day
        The latest day a date set in a run can fall on (a target date, an
        extended deadline): for a scenario, the calendar's last day (31
        December 9999) in days from its start, so that every date a run
        computes is a date. Extensions that would go further stop there.
    """

    sides: tuple[int, ...]
    rapport: Rapport
    influence: tuple[tuple[float, ...], ...] = ()
    requires: tuple[int, ...] = ()
    coalitions: tuple[tuple[int, ...], ...] = ()
    slots: Mapping[int, int] = field(default_factory=dict)
    default_rapport_logit: float = 0.0
    regime_stance: tuple[tuple[float, ...], ...] = ()
    last_day: int = LAST_DAY

    def __post_init__(self) -> None:
        if not self.influence:
            object.__setattr__(self, "influence", tuple((1.0,) for _ in self.sides))

    @property
    def n_actors(self) -> int:
        """How many actors there are."""
        return len(self.sides)

    def slot(self, a: int, b: int) -> int:
        """The rapport slot of the pair ``{a, b}``, or -1 if their rapport cannot change."""
        return self.slots.get(pair_index(a, b, len(self.sides)), -1)

    def rapport_logit(self, state: State, a: int, b: int) -> float:
        """The log-odds of the rapport between ``a`` and ``b`` in ``state``."""
        slot = self.slot(a, b)
        return state.rapport_latent[slot] if slot >= 0 else self.default_rapport_logit

    def rapport_of(self, state: State, a: int, b: int) -> float:
        """The rapport between ``a`` and ``b`` in ``state``, in [0, 1]."""
        return logistic(self.rapport_logit(state, a, b))


EffectFunction = Callable[[State, Action, ActionContext, float, float], tuple[State, int]]
"""``f(state, action, context, now, u) -> (new state, gate settled or -1)``."""

ChanceFunction = Callable[[State, Action, ActionContext], float]
"""``chance(state, action, context)``: the probability that an attempt succeeds."""


@dataclass(frozen=True, slots=True)
class Words:
    """How an action of a kind is said (templates of :mod:`sim.model.words`).

    Attributes
    ----------
    done
        The narrative's sentence: ``"{actor} {ships|ship} arms[, to the alarm of {other}]"``.
    title
        The option on a play screen, in the imperative: ``"Ship arms[ (to {other})]"``.
    failed
        For an attempt that failed (kinds with a chance only).
    """

    done: str
    title: str
    failed: str = ""

    def __post_init__(self) -> None:
        for template in (self.done, self.title, self.failed):
            parse(template)  # a bad template fails at import, not in a story


@dataclass(frozen=True, slots=True)
class Kind:
    """What the model knows about a kind of action: its one registry entry.

    Attributes
    ----------
    polarity
        +1 constructive, -1 spoiler, 0 neutral: how the actor's stance weighs
        on choosing it (see :class:`~sim.model.params.ChoiceRule`).
    other
        Whether it needs a partner or target actor.
    joint
        The other actors are partners in a joint act (a meeting, with one or
        several), not a target (a resolution that blames it).
    gate
        How it uses gates (:data:`GateUse`).
    effects
        The :class:`~sim.model.params.Effect` fields it uses; a scenario may
        set only these.
    summary
        One line for documentation and ``negsim validate``.
    apply
        What it does to the state.
    chance
        For an attempt or a vote, its chance of success; ``None`` for a kind
        that simply happens.
    words
        How it is said.
    takes
        The other names it takes (:data:`REFERENCES`): ``deadline`` for an
        extension, ``ending`` for a walk-out, ...
    needs
        The keys among :attr:`takes` it cannot do without.
    war
        It moves violence or the military balance: only a scenario with a war
        can use it.
    record_only
        Only the record (a dated event) can hold it, not a repertoire or a
        reaction: what the stage rule or a draw decides in a run.
    """

    polarity: int
    other: Other
    joint: bool
    gate: GateUse
    effects: frozenset[str]
    summary: str
    apply: EffectFunction
    chance: ChanceFunction | None
    words: Words
    takes: frozenset[str] = frozenset()
    needs: frozenset[str] = frozenset()
    war: bool = False
    record_only: bool = False

    @property
    def role(self) -> str:
        """What the other actor is called: ``partner`` in a joint act, else ``target``."""
        return "partner" if self.joint else "target"


def _kind(
    polarity: int,
    other: Other,
    gate: GateUse,
    effects_used: str,
    summary: str,
    apply: EffectFunction,
    words: Words,
    *,
    joint: bool = False,
    chance: ChanceFunction | None = None,
    takes: str = "",
    needs: str = "",
    war: bool = False,
    record_only: bool = False,
) -> Kind:
    return Kind(
        polarity,
        other,
        joint,
        gate,
        frozenset(effects_used.split()),
        summary,
        apply,
        chance,
        words,
        frozenset(takes.split()),
        frozenset(needs.split()),
        war,
        record_only,
    )


#: Every kind of action, declared once.
KINDS: Mapping[ActionKind, Kind] = {
    ActionKind.MEETING: _kind(
        +1,
        "required",
        "none",
        "readiness rapport stance_self stance_other",
        "negotiators meet (two, or more: a trilateral); rapport amplifies the readiness effect",
        effects.meeting,
        Words("{parties} meet", "Meet {other}"),
        joint=True,
    ),
    ActionKind.JOINT_PROPOSAL: _kind(
        +1,
        "required",
        "none",
        "readiness rapport stance_self stance_other",
        "actors put forward a joint proposal",
        effects.joint_proposal,
        Words(
            "{parties} put forward a joint proposal",
            "Put forward a joint proposal with {other}",
        ),
        joint=True,
    ),
    ActionKind.TARGET_DATE: _kind(
        +1,
        "none",
        "none",
        "readiness target_days",
        "an actor names a target date, which becomes a focal date",
        effects.target_date,
        Words("{actor} {names|name} a target date", "Name a target date"),
    ),
    ActionKind.UN_RESOLUTION: _kind(
        -1,
        "required",
        "none",
        "readiness stance_self stance_other rapport",
        "a UN resolution that blames the target",
        effects.statement,
        Words(
            "{actor} {carries|carry} a UN resolution that blames {other}",
            "Carry a UN resolution that blames {other}",
        ),
    ),
    ActionKind.EMBARGO_LIFT: _kind(
        -1,
        "optional",
        "none",
        "readiness balance stance_self stance_other",
        "an arms embargo is lifted, shifting the military balance toward the actor's side",
        effects.military,
        Words(
            "{actor} {lifts|lift} an arms embargo[, over the objections of {other}]",
            "Lift an arms embargo[ (over {other}'s objections)]",
        ),
        war=True,
    ),
    ActionKind.ARMS_SHIPMENT: _kind(
        -1,
        "optional",
        "none",
        "readiness balance violence stance_self stance_other",
        "arms are shipped, shifting the military balance toward the actor's side",
        effects.military,
        Words("{actor} {ships|ship} arms[, to the alarm of {other}]", "Ship arms[ (to {other})]"),
        war=True,
    ),
    ActionKind.SEAT_DEMAND: _kind(
        -1,
        "none",
        "one",
        "readiness contention stance_self",
        "an actor demands a seat for someone, making the gate more contested",
        effects.demand,
        Words(
            "{actor} {demands|demand} a seat at the table ({gate})",
            "Demand a seat at the table: {gate}",
        ),
    ),
    ActionKind.PRECONDITION: _kind(
        -1,
        "none",
        "one",
        "readiness contention stance_self",
        "an actor sets a condition, making the gate more contested",
        effects.demand,
        Words(
            "{actor} {sets|set} conditions on {gate}",
            "Set conditions on: {gate}",
        ),
    ),
    ActionKind.DELEGATION_AGREEMENT: _kind(
        +1,
        "optional",
        "some",
        "readiness settle_probability contention stance_self fail_readiness",
        "an attempt to settle a gate (or several at once: a package), alone or with partners "
        "(all taking part); succeeds with probability settle_probability x readiness x "
        "(1 - contention)",
        effects.agreement,
        Words(
            "{parties} {settles|settle} {gate}",
            "Try to settle: {gate}[ (with {other})]",
            failed="{parties} {tries|try} to settle {gate}, without success",
        ),
        chance=effects.agreement_chance,
        joint=True,
    ),
    ActionKind.MILITARY_OFFENSIVE: _kind(
        -1,
        "none",
        "none",
        "readiness balance violence",
        "a military offensive, shifting the balance toward the actor's side and raising violence",
        effects.military,
        Words("{actor} {launches|launch} a military offensive", "Launch a military offensive"),
        war=True,
    ),
    ActionKind.BLAME_STATEMENT: _kind(
        -1,
        "required",
        "none",
        "readiness stance_self stance_other rapport",
        "an actor publicly blames the target",
        effects.statement,
        Words("{actor} publicly {blames|blame} {other}", "Blame {other} in public"),
    ),
    ActionKind.CEASEFIRE: _kind(
        +1,
        "optional",
        "none",
        "readiness violence violence_mean stance_self stance_other",
        "a ceasefire: violence falls, and the level it returns to falls with it and stays",
        effects.ceasefire,
        Words(
            "{actor} {agrees|agree} to a ceasefire[ with {other}]",
            "Agree to a ceasefire[ with {other}]",
        ),
        war=True,
    ),
    ActionKind.VOTE: _kind(
        +1,
        "none",
        "optional",
        "readiness fail_readiness contention stance_self",
        "a vote in a body; passes with probability logistic(sharpness x (support - "
        "threshold)), support the members' stance-weighted share in favour; passing settles "
        "its gates",
        effects.vote,
        Words(
            "{actor} {wins|win} a vote[ on {gate}]",
            "Call a vote[ on {gate}]",
            failed="{actor} {loses|lose} a vote[ on {gate}]",
        ),
        chance=effects.vote_chance,
        takes="body",
        needs="body",
    ),
    ActionKind.REOPEN: _kind(
        -1,
        "none",
        "one",
        "readiness contention stance_self",
        "a settled question is reopened (only a gate declared reopenable)",
        effects.reopen,
        Words("{actor} {reopens|reopen} {gate}", "Reopen: {gate}"),
    ),
    ActionKind.EXTEND_DEADLINE: _kind(
        0,
        "none",
        "none",
        "readiness extension_days",
        "a deadline moves later (to the date the record gives, or by extension_days)",
        effects.extend_deadline,
        Words("{actor} {extends|extend} {deadline}", "Extend {deadline}"),
        takes="deadline",
        needs="deadline",
    ),
    ActionKind.WALK_OUT: _kind(
        -1,
        "none",
        "none",
        "readiness",
        "the negotiation ends by one of the scenario's alternative endings",
        effects.walk_out,
        Words("{actor} {walks|walk} out: {ending}", "Walk out: {ending}"),
        takes="ending",
        needs="ending",
    ),
    ActionKind.CHANGE: _kind(
        0,
        "none",
        "none",
        "readiness stance_self",
        "an actor changes leader or government: it takes one of its regimes",
        effects.change,
        Words("{actor}: {regime}", "Change course: {regime}"),
        takes="regime",
        needs="regime",
    ),
    ActionKind.ELECTION: _kind(
        0,
        "none",
        "none",
        "readiness",
        "an election: one of the actor's regimes wins, drawn with the candidates' "
        "probabilities (the record's result once known)",
        effects.election,
        Words("{actor} {holds|hold} an election: {regime}", "Hold an election"),
        takes="candidates",
        needs="candidates",
        record_only=True,
    ),
    ActionKind.JOIN: _kind(
        0,
        "none",
        "none",
        "readiness",
        "an actor enters the negotiation",
        effects.join,
        Words("{actor} {joins|join} the negotiation", "Join the negotiation"),
    ),
    ActionKind.LEAVE: _kind(
        -1,
        "none",
        "none",
        "readiness",
        "an actor leaves the negotiation; the others go on",
        effects.leave,
        Words("{actor} {leaves|leave} the negotiation", "Leave the negotiation"),
    ),
    ActionKind.FORM_COALITION: _kind(
        +1,
        "none",
        "none",
        "readiness cohesion",
        "a coalition forms: its members' stances move toward their weighted mean",
        effects.form_coalition,
        Words("{actor} {forms|form} {coalition}", "Form {coalition}"),
        takes="coalition",
        needs="coalition",
    ),
    ActionKind.ANNOUNCE_DATE: _kind(
        0,
        "none",
        "none",
        "readiness",
        "from the record: the date of a stage is announced",
        effects.announce_date,
        Words("{actor} {announces|announce} the date", "Announce the date"),
        takes="stage",
        needs="stage",
        record_only=True,
    ),
    ActionKind.REACH_STAGE: _kind(
        0,
        "none",
        "none",
        "readiness",
        "from the record: a stage is reached",
        effects.reach_stage,
        Words("{stage}", "Reach: {stage}"),
        takes="stage",
        needs="stage",
        record_only=True,
    ),
    ActionKind.POSTPONE_DATE: _kind(
        0,
        "none",
        "none",
        "readiness",
        "from the record: an announced date is postponed",
        effects.postpone_date,
        Words("{actor} {postpones|postpone} the announced date", "Postpone the date"),
        record_only=True,
    ),
}

assert set(KINDS) == set(ActionKind), "every kind needs its registry entry"


def effect_function(kind: ActionKind) -> EffectFunction:
    """The pure function that applies actions of ``kind`` (what :func:`apply` dispatches to)."""
    return KINDS[kind].apply


def apply(
    state: State, action: Action, context: ActionContext, now: float, u: float
) -> tuple[State, int]:
    """Apply ``action`` to ``state``.

    Parameters
    ----------
    state
        The state before the action.
    action
        The action.
    context
        Actor sides and the rapport mechanism.
    now
        The time of the action, in days since the scenario start.
    u
        A uniform draw in [0, 1) for the action's chance outcome (only an
        attempt has one: it succeeds when ``u < success_chance(state, action)``).

    Returns
    -------
    tuple[State, int]
        The new state, and the index of the gate the action resolved (-1 if none).
    """
    return KINDS[action.kind].apply(state, action, context, now, u)


def success_chance(state: State, action: Action, context: ActionContext) -> float:
    """The chance that ``action`` succeeds if taken in ``state``, in [0, 1].

    Only an attempt or a vote can fail (a kind with a chance in
    :data:`KINDS`), and only when the record does not say how it went
    (``certain``, ``fails``); every other action simply happens. :func:`apply`
    draws against exactly this.
    """
    chance = KINDS[action.kind].chance
    if chance is None or action.certain:
        return 1.0
    if action.fails:
        return 0.0
    return chance(state, action, context)
