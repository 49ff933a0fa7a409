"""A scenario as frozen data: what the loader returns and the engine runs.

The field names follow the TOML file (see ``docs/SCENARIOS.md``); times are
dates in the file and days since :attr:`Scenario.start` here. Each key's
type, default, bounds and meaning are declared once, on its field
(:mod:`sim.model.declare`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping
from dataclasses import MISSING, dataclass, field
from typing import Any

from sim.model.actions import ActionKind
from sim.model.declare import (
    calendar_date,
    choice,
    flag,
    identifier,
    integer,
    number,
    periods,
    reference,
    span,
    table,
    text,
    weights,
)
from sim.model.params import (
    AHEAD_WHY,
    MAX_AHEAD_DAYS,
    MIN_STEP_DAYS,
    STEP_WHY,
    ChoiceRule,
    ConveningRule,
    Effect,
    Mechanisms,
    World,
)

__all__ = [
    "ActorSpec",
    "BodySpec",
    "CalibrationSpec",
    "CoalitionSpec",
    "DatedEvent",
    "Deadline",
    "EndingSpec",
    "GateSpec",
    "InitialState",
    "Move",
    "PriorSpec",
    "RapportSpec",
    "ReactionRule",
    "RegimeSpec",
    "Scenario",
    "StageSpec",
    "Targets",
    "WordsSpec",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class GateSpec:
    """An open question that must be settled before a stage can be taken."""

    id: str
    label: str = text(doc="how reports name it", default_text="the id with _ as spaces")
    resolved: bool = flag(
        False, "settled from day 0 (a counterfactual can settle a question in advance)"
    )
    contention: float = number(
        0.0,
        "how contested it is: an attempt to settle it succeeds with probability "
        "settle_probability x readiness x (1 - contention)",
        low=0.0,
        high=1.0,
        high_open=True,
        what="a contention",
    )
    requires: tuple[str, ...] = reference(
        "gate",
        "gates that must be settled before this one can be (no cycles)",
        many=True,
        default=(),
        default_text="none",
    )
    reopenable: bool = flag(
        False,
        "a reopen action can open it again once settled (a new leader, a withdrawn invitation)",
    )
    note: str = text("", "where the number comes from")


@dataclass(frozen=True, slots=True, kw_only=True)
class Targets:
    """Whom and what an action names besides its actor: a move's, reaction's or event's references.

    Which of them a kind needs, takes or refuses is said by its registry entry
    (:data:`sim.model.actions.KINDS`).
    """

    others: tuple[str, ...] = reference(
        "actor",
        "who it is with (a partner; several for a joint act) or against (a target); the two "
        'words are synonyms: give one, not both; in a reaction "provoker" names the actor whose '
        "action provoked it",
        many=True,
        key="partner or target",
        default=(),
        default_text="none (in a reaction, the provoker for kinds that need one)",
    )
    gates: tuple[str, ...] = reference(
        "gate",
        "the question it acts on; several for a package deal or a vote that settles them all",
        many=True,
        key="gate or gates",
        default=(),
        default_text="none",
    )
    deadline: str | None = reference("deadline", "for an extension: the deadline that moves")
    ending: str | None = reference("ending", "for a walk-out: how the negotiation ends")
    stage: str | None = reference("stage", "for a stage event from the record: the stage")
    regime: str | None = reference("regime", "for a change: the actor's regime it takes")
    coalition: str | None = reference("coalition", "for a coalition forming: which")
    body: str | None = reference("body", "for a vote: the body that votes")
    candidates: tuple[tuple[str, float], ...] = weights(
        "regime",
        "for an election: each candidate regime (or initial) with its probability; they sum to 1",
        default=(),
        default_text="none",
    )

    @property
    def other(self) -> str | None:
        """The first partner or target, or ``None``."""
        return self.others[0] if self.others else None

    @property
    def gate(self) -> str | None:
        """The first gate, or ``None``."""
        return self.gates[0] if self.gates else None


@dataclass(frozen=True, slots=True, kw_only=True)
class Move:
    """One entry of an actor's repertoire: a kind of action with its weight and effects.

    Attributes
    ----------
    id
        The entry's key in the file (``actors.ACTOR.actions.ID``).
    effect
        The effect sizes (the scenario's defaults for the kind, overridden by the entry).
    """

    id: str
    kind: ActionKind = reference(
        "kind of action",
        "what the move is",
        default_text="the move's id, if it is a kind's name; otherwise required",
    )
    weight: float = number(
        1.0,
        "base weight in the actor's choice; 0 disables the move",
        unit="weight",
        low=0.0,
        what="a weight",
    )
    targets: Targets = field(default_factory=Targets)
    effect: Effect
    note: str = text("", "where the numbers come from")

    @property
    def other(self) -> str | None:
        """The first partner or target, or ``None``."""
        return self.targets.other

    @property
    def gate(self) -> str | None:
        """The first gate, or ``None``."""
        return self.targets.gate


#: What a reaction rule may answer (:attr:`ReactionRule.when`): the index is the outcome code.
REACTION_WHEN = ("any", "succeeded", "failed")


@dataclass(frozen=True, slots=True, kw_only=True)
class ReactionRule:
    """An actor's reaction to what another actor does.

    When an action of a kind in :attr:`on`, by an actor in :attr:`by` (any
    other actor when empty), reaches this actor after a delay drawn uniformly
    from ``delay_days``, it answers with :attr:`respond` with chance
    :attr:`probability`.
    """

    id: str
    on: tuple[ActionKind, ...] = reference(
        "kind of action", "the kinds of action it answers", many=True, default=MISSING
    )
    by: tuple[str, ...] = reference(
        "actor",
        "whose actions it answers (actors other than itself)",
        many=True,
        default=(),
        default_text="every other actor",
    )
    respond: ActionKind = reference("kind of action", "its answer", default=MISSING)
    targets: Targets = field(default_factory=Targets)
    probability: float = number(
        doc="chance it answers each provocation; 0 disables the rule",
        unit="probability",
        low=0.0,
        high=1.0,
        what="a probability",
    )
    delay_days: tuple[float, float] = span(
        (1.0, 1.0),
        "days until the answer, drawn uniformly between min and max; 0 answers at once "
        "(answers to answers stop at mechanisms.reactions.max_depth, and a run that reacts "
        "without end stops at the event budget)",
        high=MAX_AHEAD_DAYS,
        why=AHEAD_WHY,
    )
    when: str = choice(
        "any",
        REACTION_WHEN,
        "which provocations it answers: any, or only those that succeeded (an action without "
        "a chance of failing always does) or failed (an attempt to settle, a vote)",
    )
    effect: Effect
    note: str = text("", "where the numbers come from")

    @property
    def other(self) -> str | None:
        """The first partner or target (``"provoker"`` for the provoker), or ``None``."""
        return self.targets.other

    @property
    def gate(self) -> str | None:
        """The first gate, or ``None``."""
        return self.targets.gate

    @property
    def delay_min_days(self) -> float:
        """The shortest delay, in days."""
        return self.delay_days[0]

    @property
    def delay_max_days(self) -> float:
        """The longest delay, in days."""
        return self.delay_days[1]


@dataclass(frozen=True, slots=True, kw_only=True)
class RegimeSpec:
    """One of an actor's regimes: a leader or government it can change to.

    A change event (or an election) switches the actor to a regime; what the
    regime does not set stays as the actor's own table says.
    """

    id: str
    label: str = text(
        doc='what the change is, in the narrative ("Boris Johnson becomes prime minister")',
        default_text="the id with _ as spaces",
    )
    name: str | None = text(
        None, "how the actor is called while in this regime", default_text="the actor's name"
    )
    tempo_days: float | None = number(
        None,
        "mean time between its decisions in this regime",
        unit="days",
        low=MIN_STEP_DAYS,
        why=STEP_WHY,
        what="a number of days",
        optional=True,
    )
    pass_weight: float | None = number(
        None,
        "weight of letting a turn pass",
        unit="weight",
        low=0.0,
        what="a weight",
        optional=True,
    )
    influence: float | None = number(
        None,
        "its weight in the mean stance in this regime",
        unit="weight",
        low=0.0,
        what="a weight",
        optional=True,
    )
    stance: float | None = number(
        None,
        "the stance it takes on entering this regime (then the change's own stance_self "
        "shift); none: it keeps the stance it has",
        unit="level",
        low=-1.0,
        high=1.0,
        low_open=True,
        high_open=True,
        what="a stance",
        optional=True,
    )
    seats: tuple[tuple[str, float], ...] = weights(
        "body",
        "its seats in bodies while in this regime (an election that changes a party's seats); "
        "it must be a member of each body named (seats there, 0 if none before)",
        default=(),
        default_text="its seats in each body's table",
    )
    weights: tuple[tuple[str, float], ...] = weights(
        "move",
        "new base weights of some of its moves",
        default=(),
        default_text="the moves' own weights",
    )
    note: str = text("", "where it comes from")


@dataclass(frozen=True, slots=True, kw_only=True)
class ActorSpec:
    """An actor: who it is, its tempo, its stance, what it can do and how it reacts."""

    id: str
    name: str = text(
        doc='how reports name it ("the United States")', default_text="the id with _ as spaces"
    )
    plural: bool = flag(
        False, 'the name takes a plural verb in the narrative ("the Gulf monarchies ship arms")'
    )
    side: int = integer(
        0,
        "the side of the war it backs; the sign of its effect on the balance",
        low=-1,
        high=1,
        what="a side (-1, 0 or 1)",
    )
    stance: float = number(
        0.0,
        "initial stance toward an agreement: -1 hostile ... +1 committed",
        unit="level",
        low=-1.0,
        high=1.0,
        low_open=True,
        high_open=True,
        what="a stance",
    )
    tempo_days: float = number(
        doc="mean time between its decisions (exponentially distributed)",
        unit="days",
        low=MIN_STEP_DAYS,
        why=STEP_WHY,
        what="a number of days",
    )
    pass_weight: float = number(
        0.0, "weight of letting a turn pass without acting", unit="weight", low=0.0, what="a weight"
    )
    influence: float = number(
        1.0,
        "its weight in the mean stance that sets where readiness settles",
        unit="weight",
        low=0.0,
        what="a weight",
    )
    active: bool = flag(
        True, "takes part from the start (false: it enters later, by a join event or a window)"
    )
    windows: tuple[tuple[dt.date, dt.date], ...] = periods(
        "periods when it takes part, (it joins at from and leaves after to); overrides active",
        default_text="the whole scenario",
    )
    moves: tuple[Move, ...]
    reactions: tuple[ReactionRule, ...]
    regimes: tuple[RegimeSpec, ...] = ()
    note: str = text("", "where the numbers come from")


@dataclass(frozen=True, slots=True, kw_only=True)
class DatedEvent:
    """An event from the record (or added by a scenario), replayed on its date.

    Attributes
    ----------
    day
        Days since the scenario start.
    """

    id: str
    date: dt.date = calendar_date(doc="when it happened (from start to horizon)")
    day: int
    actor: str = reference("actor", "who acted", default=MISSING)
    kind: ActionKind = reference("kind of action", "what it was", default=MISSING)
    targets: Targets = field(default_factory=Targets)
    effect: Effect
    certain: bool = flag(
        True,
        "for an attempt: it settles the gate for sure (a fact); false makes it an attempt with "
        "the usual chance, drawn from a random stream of the event's own",
    )
    result: str | None = text(
        None,
        'how it went, for an attempt or a vote ("succeeded", "passed" or "failed") or an '
        "election (the winning regime); a forecast after the event replays it; before, a "
        "scheduled event is drawn",
        default_text="succeeded, unless certain = false",
    )
    to: dt.date | None = calendar_date(
        None, "for an extension: the deadline's new date; for an announced date: the date set"
    )
    scheduled: bool = flag(
        False,
        "known in advance (a vote or an election set for that date): a forecast made before "
        "its date keeps it, without its result, instead of leaving it out",
    )
    known_from: dt.date | None = calendar_date(
        None,
        "for a scheduled event: the date it was scheduled; a forecast made before then leaves "
        "it out",
        default_text="always known",
    )
    provokes_reactions: bool = flag(
        True,
        "whether reaction rules may answer it; false when the answer is itself a dated event, "
        "so it is not counted twice",
    )
    note: str = text("", "the record's wording; shown in negsim trace")
    record: bool = flag(
        True,
        "true: it happened (the historical record); false: added by this scenario (a "
        "counterfactual's invention, kept whatever the forecast origin); negsim trace marks it "
        "[record] or [scenario]",
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class Deadline:
    """A date by which a stage may or may not be reached.

    Attributes
    ----------
    day
        Days since the scenario start. Reached "by" the deadline means on or
        before this day (the day an extension moves it to, in a run).
    """

    id: str
    label: str = text(doc="how reports name it", default_text="the id with _ as spaces")
    date: dt.date = calendar_date(
        doc='"reached by" this date means on or before it (from start to horizon)'
    )
    day: int
    stage: str = reference(
        "stage", "the stage this deadline is for", default="", default_text="the last stage"
    )
    default_ending: str | None = reference(
        "ending",
        "if the deadline passes with its stage unreached, the negotiation ends this way (a "
        "cliff edge: a no-deal exit)",
    )
    focal: bool = flag(
        False, "a focal date (a summit, a declared target) that concentrates effort beforehand"
    )
    known_from: dt.date | None = calendar_date(
        None,
        "the date it was set (announced): a forecast made before then is still measured "
        "against it, but its actors do not know it (not focal, no default ending)",
        default_text="always known",
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class StageSpec:
    """One stage of the outcome: talks convened, an agreement initialled, signed, ratified."""

    id: str
    label: str = text(
        doc='how reports name it ("the conference opened")', default_text="the id with _ as spaces"
    )
    gates: tuple[str, ...] | None = reference(
        "gate",
        "the gates that must be settled before it can be taken",
        many=True,
        default=None,
        default_text="every gate",
    )
    threshold: float = number(
        0.0,
        "readiness needed to take it (0: none: taken as soon as the stage before is reached "
        "and its gates are settled)",
        unit="readiness",
        low=0.0,
        high=1.0,
        high_open=True,
        what="a readiness threshold",
    )
    lead_days: tuple[int, int] = span(
        (0, 0),
        "days from taking it (a date announced) to reaching it, drawn uniformly among the whole "
        "days min ... max; 0: reached at once",
        high=MAX_AHEAD_DAYS,
        why=AHEAD_WHY,
        integer=True,
        what="whole days",
    )
    postpone_below: float = number(
        0.0,
        "while its date is pending, the date is postponed if readiness falls below this (0: "
        "never); at most the threshold of this stage or of one it undoes",
        unit="readiness",
        low=0.0,
        high=1.0,
        high_open=True,
        what="a readiness threshold",
    )
    postponement_undoes: str | None = reference(
        "stage",
        "a postponement also undoes this earlier stage and those after it (a postponed "
        "conference is no longer announced)",
        default_text="only the pending date",
    )
    by: str | None = reference("actor", "who takes the step (for the narrative)")
    said: str = text(
        doc="the narrative's sentence when it is reached (a sentence template)",
        default_text='"{stage}"',
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class EndingSpec:
    """An alternative ending: a walk-out, a collapse, a no-deal exit. It is terminal."""

    id: str
    label: str = text(doc="how reports name it", default_text="the id with _ as spaces")
    readiness_below: float = number(
        0.0,
        "the negotiation ends this way when readiness falls below this (0: only by an action or a "
        "deadline)",
        unit="readiness",
        low=0.0,
        high=1.0,
        high_open=True,
        what="a readiness level",
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class BodySpec:
    """A body that votes: a parliament, an assembly, a council."""

    id: str
    label: str = text(doc="how reports name it", default_text="the id with _ as spaces")
    seats: tuple[tuple[str, float], ...] = weights(
        "actor",
        "each member's seats or weight (a member not taking part leaves the count; the actor "
        "calling a vote need hold none)",
    )
    size: float | None = number(
        None,
        "the body's whole size (seats held by no actor of the scenario vote at others_stance)",
        unit="seats",
        low=0.0,
        low_open=True,
        what="a size",
        optional=True,
    )
    others_stance: float = number(
        0.0,
        "the stance the seats held by no actor vote with",
        unit="level",
        low=-1.0,
        high=1.0,
        what="a stance",
    )
    threshold: float = number(
        0.5,
        "the share of the body's weight in favour that carries a vote",
        unit="share",
        low=0.0,
        high=1.0,
        low_open=True,
        high_open=True,
        what="a share",
    )
    sharpness: float = number(
        12.0,
        "how sharply the chance of passing turns around the threshold: logistic(sharpness x "
        "(expected support - threshold))",
        unit="per share",
        low=0.0,
        low_open=True,
        high=1000.0,
        what="a sharpness",
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class CoalitionSpec:
    """A coalition that may form (a bloc, a government of several parties)."""

    id: str
    label: str = text(doc="how reports name it", default_text="the id with _ as spaces")
    members: tuple[str, ...] = reference(
        "actor", "its members (two or more)", many=True, default=MISSING
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class PriorSpec:
    """One parameter a calibration fits, and its prior."""

    id: str
    key: str = text(
        doc="the dotted key it sets, as --set takes it (a number of the scenario)",
    )
    prior: str = choice(
        "uniform",
        ("uniform", "loguniform"),
        "the prior's shape between low and high (loguniform for rates and times)",
    )
    low: float = number(doc="the prior's lower end", what="a number")
    high: float = number(doc="the prior's upper end (above low)", what="a number")


@dataclass(frozen=True, slots=True, kw_only=True)
class CalibrationSpec:
    """What ``negsim calibrate`` fits to the record, and how it compares runs with it."""

    until: dt.date | None = calendar_date(
        None,
        "the end of the window the record is compared over (--until overrides it)",
        default_text="as_of",
    )
    period_days: int = integer(
        30,
        "the statistics count actions per period of this many days",
        unit="days",
        low=1,
        high=3660,
        what="a number of days",
    )
    kinds: tuple[str, ...] = reference(
        "kind of action",
        "the kinds of action whose counts by actor and period are compared",
        many=True,
        default=(),
        default_text="every kind the record holds in the window",
    )
    params: tuple[PriorSpec, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class WordsSpec:
    """A scenario's own words for one kind of action (sentence templates)."""

    kind: ActionKind
    done: str | None = text(None, 'the narrative\'s sentence ("{actor} {tables|table} a draft")')
    title: str | None = text(None, 'the option on a play screen ("Table a draft")')
    failed: str | None = text(None, "for an attempt or a vote that fails")


@dataclass(frozen=True, slots=True, kw_only=True)
class RapportSpec:
    """The initial rapport of one pair of actors."""

    id: str
    between: tuple[str, str] = reference(
        "actor",
        "the pair: two different actors, each pair at most once",
        many=True,
        default=MISSING,
    )
    value: float = number(
        doc="their rapport on day 0 (other pairs start at initial.rapport)",
        unit="level",
        low=0.0,
        high=1.0,
        low_open=True,
        high_open=True,
        what="a rapport",
    )
    note: str = text("", "where the number comes from")


@dataclass(frozen=True, slots=True, kw_only=True)
class InitialState:
    """The state at the scenario start (besides gates, stances and rapport pairs)."""

    readiness: float = number(
        doc="readiness to take the first stage, on day 0",
        unit="level",
        low=0.0,
        high=1.0,
        low_open=True,
        high_open=True,
        what="a readiness",
    )
    violence: float | None = number(
        None,
        "level of violence on day 0; leave it out for a negotiation without a war (then no "
        "violence, balance or war step, and no military kinds)",
        unit="level",
        low=0.0,
        high=1.0,
        low_open=True,
        high_open=True,
        what="a level of violence",
        optional=True,
    )
    balance: float = number(
        0.0,
        "military balance on day 0 (with a war): -1 the side -1 actors prevail, +1 the side 1 "
        "actors",
        unit="level",
        low=-1.0,
        high=1.0,
        low_open=True,
        high_open=True,
        what="a balance",
    )
    rapport: float = number(
        0.5,
        "rapport of every pair of actors not listed under [rapport]",
        unit="level",
        low=0.0,
        high=1.0,
        low_open=True,
        high_open=True,
        what="a rapport",
    )

    @property
    def war(self) -> bool:
        """Whether the negotiation has a war (violence and a military balance)."""
        return self.violence is not None


@dataclass(frozen=True, slots=True, kw_only=True)
class Scenario:
    """A validated scenario.

    Attributes
    ----------
    source
        The file it was loaded from.
    as_of_day
        The forecast origin in days since the start: the record is known up to
        and including this day; simulated actors take over at its end.
    resolved
        The fully resolved scenario (after ``extends``, ``remove`` and
        overrides) as canonical JSON: what :attr:`sha256` hashes.
    document, origins
        The resolved document as parsed, and which file set each key: what
        :func:`~sim.scenario.with_overrides` derives a changed scenario from.
        Treat them as read-only.
    """

    name: str = identifier(
        doc="short name in tables, file names and JSON output; not inherited through extends",
        default_text="the file name without .toml (if it is a valid id, else scenario)",
    )
    title: str = text(doc="heading in reports; not inherited", default_text="the name")
    description: str = text("", "what the scenario asks, for a teacher; not inherited", lines=True)
    outcome: str = text(
        "the conference convenes",
        'with [convening]: the sentence said when the last stage is reached (e.g. "the '
        'agreement is concluded")',
    )
    source: str
    start: dt.date = calendar_date(doc="day 0")
    horizon: dt.date = calendar_date(
        doc="the last day simulated (after start); runs that reach no end by then are censored"
    )
    as_of: dt.date = calendar_date(
        doc="the forecast origin: the record is known up to and including this date, and "
        "simulated actors take over after it (--as-of changes it); record events after it are "
        "left out",
        default_text="the date of the last record event",
    )
    as_of_day: int
    sessions: tuple[tuple[dt.date, dt.date], ...] = periods(
        "periods when the negotiation sits (a summit, sittings between recesses): simulated "
        "actors act only then",
        default_text="always",
    )
    initial: InitialState = table(InitialState, "the state on day 0", required=True, factory=False)
    convening: ConveningRule | None = table(
        ConveningRule,
        "the two-stage shorthand: a date announced, then the outcome reached (instead of [stages])",
        factory=False,
    )
    convener: str | None = reference(
        "actor", "who announces (used only in the narrative)", key="convening.convener"
    )
    gates: tuple[GateSpec, ...]
    stages: tuple[StageSpec, ...]
    endings: tuple[EndingSpec, ...] = ()
    actors: tuple[ActorSpec, ...]
    rapport: tuple[RapportSpec, ...]
    events: tuple[DatedEvent, ...]
    deadlines: tuple[Deadline, ...]
    bodies: tuple[BodySpec, ...] = ()
    coalitions: tuple[CoalitionSpec, ...] = ()
    words: tuple[WordsSpec, ...] = ()
    calibration: CalibrationSpec | None = None
    mechanisms: Mechanisms = table(Mechanisms, "the switchable mechanisms")
    world: World = table(World, "the world's own dynamics", factory=False)
    choice: ChoiceRule = table(ChoiceRule, "how stance shapes choice")
    resolved: str
    document: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False, repr=False)
    origins: Mapping[tuple[str, ...], str] = field(
        default_factory=dict, compare=False, hash=False, repr=False
    )

    @property
    def horizon_day(self) -> int:
        """The last day simulated, in days since the start."""
        return (self.horizon - self.start).days

    @property
    def war(self) -> bool:
        """Whether the negotiation has a war (violence and a military balance)."""
        return self.initial.war

    @property
    def sha256(self) -> str:
        """SHA-256 of the resolved scenario: two scenarios with equal hashes run identically."""
        return hashlib.sha256(self.resolved.encode("utf-8", "surrogateescape")).hexdigest()

    def day_of(self, date: dt.date) -> int:
        """Days from the start to ``date``."""
        return (date - self.start).days

    def date_of(self, day: float) -> dt.date:
        """The calendar date of a time in days since the start (capped at the last date)."""
        days = int(day // 1)
        try:
            return self.start + dt.timedelta(days=days)
        except OverflowError:
            return dt.date.max if days > 0 else dt.date.min

    def actor(self, actor_id: str) -> ActorSpec:
        """The actor with id ``actor_id``.

        Raises
        ------
        KeyError
            If there is no such actor.
        """
        for a in self.actors:
            if a.id == actor_id:
                return a
        raise KeyError(actor_id)

    def stage(self, stage_id: str) -> StageSpec:
        """The stage with id ``stage_id``.

        Raises
        ------
        KeyError
            If there is no such stage.
        """
        for s in self.stages:
            if s.id == stage_id:
                return s
        raise KeyError(stage_id)

    def deadline_stage(self, deadline: Deadline) -> int:
        """The index of the stage ``deadline`` is for."""
        return next(i for i, s in enumerate(self.stages) if s.id == deadline.stage)

    def words_for(self, kind: ActionKind) -> WordsSpec | None:
        """The scenario's own words for ``kind``, if it gives any."""
        for w in self.words:
            if w.kind is kind:
                return w
        return None
