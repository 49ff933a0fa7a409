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
    """A date was announced."""
    POSTPONE = "postpone"
    """The announced date was postponed."""
    CONVENE = "convene"
    """The conference convened."""


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
        The partner or target actor's id, or "".
    gate
        The gate acted on, or "".
    label
        The repertoire entry, reaction rule or dated event it came from.
    readiness_before, readiness_after
        Readiness just before and just after.
    settled
        The gate this resolved, or "".
    day
        For an announcement or convening: the conference day; otherwise -1.
    decision
        For a decision: the actor's decision number (0, 1, ...); otherwise -1.
    draw
        The uniform draw that chose the move (decisions) or fired the
        reaction (reactions); ``None`` otherwise.
    note
        The record's wording for a dated event; otherwise "".
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


@dataclass(frozen=True, slots=True)
class RunResult:
    """The outcome of one run.

    Attributes
    ----------
    scenario
        The scenario's name.
    seed, run
        The master seed and the run's index: together they fix every draw.
    convened_day
        The day the conference convened (days since the start), or ``None``
        if it did not convene by the horizon (censored).
    horizon_day
        The last day simulated.
    announcements
        ``(time, day)`` of each announcement: when it was made and the
        conference day it named.
    postponements
        When each announced date was postponed, in days.
    gate_ids
        The gates, in scenario order.
    gate_days
        When each gate was resolved, in days (0 for gates resolved from the
        start, ``None`` for gates never resolved).
    actor_ids, kinds
        The actors and the kinds of action, the axes of :attr:`action_counts`.
    action_counts
        Actions taken, flattened row by row: ``action_counts[a * len(kinds) + k]``.
    readiness
        Readiness at the start of every ``sample_days``-th day from day 0;
        after convening it stays at its last value.
    sample_days
        The spacing of :attr:`readiness`, in days.
    final_readiness
        Readiness when the run ended.
    events
        Events the model handled: actor decisions (passes included), dated
        events, the war's steps, reaction messages, threshold checks and
        convening dates (also those postponed). Each is one SimPy event; the
        benchmark compares their cost with a bare SimPy loop of the same count.
    trace
        Every step of the run, when asked for; otherwise ``None``.
    """

    scenario: str
    seed: int
    run: int
    convened_day: int | None
    horizon_day: int
    announcements: tuple[tuple[float, int], ...]
    postponements: tuple[float, ...]
    gate_ids: tuple[str, ...]
    gate_days: tuple[float | None, ...]
    actor_ids: tuple[str, ...]
    kinds: tuple[str, ...]
    action_counts: tuple[int, ...]
    readiness: tuple[float, ...]
    sample_days: float
    final_readiness: float
    events: int
    trace: tuple[TraceRecord, ...] | None = None

    @property
    def convened(self) -> bool:
        """Whether the conference convened by the horizon."""
        return self.convened_day is not None

    def convened_by(self, day: int) -> bool:
        """Whether the conference convened on or before ``day``."""
        return self.convened_day is not None and self.convened_day <= day

    def counts(self) -> dict[tuple[str, str], int]:
        """The non-zero action counts, keyed by ``(actor, kind)``."""
        k = len(self.kinds)
        return {
            (self.actor_ids[i // k], self.kinds[i % k]): n
            for i, n in enumerate(self.action_counts)
            if n
        }
