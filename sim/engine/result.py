"""What one run yields: :class:`RunResult` and its optional trace of :class:`TraceRecord`."""

from __future__ import annotations

from dataclasses import KW_ONLY, dataclass
from enum import StrEnum

from sim.model.actions import ActionKind

__all__ = ["RunResult", "Source", "Step", "TraceRecord"]


class Source(StrEnum):
    """Where a trace record comes from."""

    RECORD = "record"
    """A dated event from the historical record, replayed on its date."""
    DECISION = "decision"
    """An actor's own decision at its tempo (including letting a turn pass)."""
    REACTION = "reaction"
    """An actor's reaction to another actor's action."""
    WORLD = "world"
    """The war's own dynamics (violence, balance, ripeness and narrowing)."""
    CONVENING = "convening"
    """An announcement, a postponement or the convening itself."""


class Step(StrEnum):
    """What a trace record is when it is not an action."""

    PASS = "pass"
    """An actor let its turn pass."""
    WORLD = "world"
    """The war took its random step."""
    CHECK = "check"
    """A look at readiness at the moment it was due to cross a threshold."""
    ANNOUNCE = "announce"
    """A stage was taken: its date was announced (``day``)."""
    POSTPONE = "postpone"
    """A pending date was postponed."""
    STAGE = "stage"
    """A stage was reached (``stage``)."""
    END = "end"
    """The negotiation ended by an alternative ending (``ending``)."""
    DEADLINE = "deadline"
    """A deadline passed with its stage unreached and its default ending happened."""


@dataclass(frozen=True, slots=True)
class TraceRecord:
    """One line of a run's trace.

    Attributes
    ----------
    time
        When it happened, in days since the scenario start.
    source
        Where it came from.
    actor
        The acting actor's id ("" for the world and the convening rule).
    action
        The kind of action, or the :class:`Step` when it is not an action
        (both are strings: ``"meeting"``, ``"pass"``).
    other
        The partner or target actor's id ("" if none; ids joined by "+" when
        a joint act has several partners).
    gate
        The gate acted on ("" if none; joined by "+" for a package); for a
        postponement, the gates whose reopening withdrew the date ("" when
        readiness fell).
    label
        The repertoire entry, reaction rule or dated event it came from.
    readiness_before, readiness_after
        Readiness just before and just after.
    settled
        The gates this settled ("" if none; joined by "+").
    day
        For an announcement: the day it set; for a stage reached: its day;
        for a deadline that passed: the deadline's day (the record comes at
        the end of that day); otherwise -1.
    decision
        For a decision: the actor's decision number (0, 1, ...); otherwise -1.
    draw
        The uniform draw that chose the move (decisions) or fired the
        reaction (reactions); ``None`` otherwise.
    note
        The record's wording for a dated event; otherwise "".
    stage
        The stage announced, reached or postponed; for a stage event from the
        record, its stage; otherwise "".
    ending
        The ending the negotiation ended by, or "".
    deadline, coalition
        The deadline an extension moved, or that passed with its default
        ending; the coalition that formed; otherwise "".
    regime
        The acting actor's regime at the time (its name may change with it).
    other_regimes
        The regimes of the actors in ``other``, in the same order (empty
        when there are none).
    failed
        An attempt or a vote that failed.
    """

    time: float
    source: Source
    actor: str
    action: ActionKind | Step
    _: KW_ONLY
    readiness_before: float
    readiness_after: float
    other: str = ""
    gate: str = ""
    label: str = ""
    settled: str = ""
    day: int = -1
    decision: int = -1
    draw: float | None = None
    note: str = ""
    stage: str = ""
    ending: str = ""
    deadline: str = ""
    coalition: str = ""
    regime: int = 0
    failed: bool = False
    other_regimes: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class RunResult:
    """The outcome of one run.

    Attributes
    ----------
    scenario
        The scenario's name.
    seed, run
        The master seed and the run's index: together they fix every draw.
    stage_ids
        The stages, in order.
    stage_days
        Per stage, the day it was first reached (days since the start), or
        ``None`` if it was not reached by the horizon (censored).
    ending_ids
        The alternative endings.
    ending
        The index of the ending the negotiation ended by, or -1.
    ending_day
        The day it ended so, or ``None``.
    horizon_day
        The last day simulated.
    origin
        The forecast origin (days): what happened up to it is the record's.
    deadline_ids, deadline_days
        The deadlines, and the day each stood at when the run ended (an
        extension moves one).
    announcements
        ``(time, stage, day)`` of each date announced: when, for which stage,
        and the day it named.
    postponements
        ``(time, stage)`` of each date postponed.
    gate_ids
        The gates, in scenario order.
    gate_days
        When each gate was first settled, in days (0 for gates settled from the
        start, ``None`` for gates never settled).
    gate_reopenings
        How many times each gate was reopened.
    actor_ids, kinds
        The actors and the kinds of action, the axes of :attr:`action_counts`.
    action_counts
        Actions taken, flattened row by row: ``action_counts[a * len(kinds) + k]``.
    readiness
        Readiness at the start of every ``sample_days``-th day from day 0;
        ``nan`` after the run ended (its last stage reached, or an ending).
    sample_days
        The spacing of :attr:`readiness`, in days.
    final_readiness
        Readiness when the run ended.
    events
        Events the model handled: actor decisions (passes included), dated
        events, the war's steps, reaction messages, threshold checks and
        stage dates (also those postponed). Each is one SimPy event; the
        benchmark compares their cost with a bare SimPy loop of the same count.
    trace
        Every step of the run, when asked for; otherwise ``None``.
    """

    scenario: str
    seed: int
    run: int
    stage_ids: tuple[str, ...]
    stage_days: tuple[int | None, ...]
    ending_ids: tuple[str, ...]
    ending: int
    ending_day: int | None
    horizon_day: int
    origin: int
    deadline_ids: tuple[str, ...]
    deadline_days: tuple[int, ...]
    announcements: tuple[tuple[float, int, int], ...]
    postponements: tuple[tuple[float, int], ...]
    gate_ids: tuple[str, ...]
    gate_days: tuple[float | None, ...]
    gate_reopenings: tuple[int, ...]
    actor_ids: tuple[str, ...]
    kinds: tuple[str, ...]
    action_counts: tuple[int, ...]
    readiness: tuple[float, ...]
    sample_days: float
    final_readiness: float
    events: int
    trace: tuple[TraceRecord, ...] | None = None

    @property
    def convened_day(self) -> int | None:
        """The day the last stage was reached, or ``None`` (the outcome, for short)."""
        return self.stage_days[-1] if self.stage_days else None

    @property
    def convened(self) -> bool:
        """Whether the last stage was reached by the horizon."""
        return self.convened_day is not None

    def reached_by(self, stage: int, day: int) -> bool:
        """Whether stage ``stage`` was reached on or before ``day``."""
        reached = self.stage_days[stage]
        return reached is not None and reached <= day

    def convened_by(self, day: int) -> bool:
        """Whether the last stage was reached on or before ``day``."""
        return self.reached_by(len(self.stage_days) - 1, day)

    def ended_by(self, day: int) -> bool:
        """Whether an alternative ending happened on or before ``day``."""
        return self.ending_day is not None and self.ending_day <= day

    def counts(self) -> dict[tuple[str, str], int]:
        """The non-zero action counts, keyed by ``(actor, kind)``."""
        k = len(self.kinds)
        return {
            (self.actor_ids[i // k], self.kinds[i % k]): n
            for i, n in enumerate(self.action_counts)
            if n
        }
