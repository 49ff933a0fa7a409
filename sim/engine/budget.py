"""The event budget of a run: a run that would never end is stopped, and told why.

Every bound a scenario's numbers have is physical (an actor decides at most
every 0.01 day, focal dates speed decisions up at most 100 times, a chain of
answers is at most ``reactions.max_depth`` long), yet some valid scenarios
still make runs of no practical end: reaction rules that answer at once and
with certainty, several to each move, multiply their answers at every level
of the chain, all at the same instant. So every run has a budget of events
(:data:`MAX_EVENTS`): an actor's decision, a dated event, a step of the war,
an answer delivered, a check of readiness, a stage reached or a deadline
passed each count one; and the answers sent have a budget of their own, the
same size (an answer waits in memory until it is delivered, and instant
answers multiply faster than they are delivered). A run that spends either
stops with
:class:`EventBudgetExceeded`, a bad input (exit status 2) whose one line
names the scenario, how far the run got, who acted most and the numbers
that make events come fast: the shortest tempos, the focal-date speed-up,
the reaction rules that answer at once.

Why a fixed budget of 100,000: measured on the packaged scenarios (20 runs
each, seed 7, this project's 2-core machine), the largest run made 2,311
events (COP21, 201 actors), the baseline's at most 803; an event takes 6 to
15 µs. So the budget is over forty times the largest packaged run, and a run
that spends it has run for a few seconds (answers at once take about 110 µs
an event). With no budget for answers sent, instant certain answers among the
baseline's eight actors held 1.2 GB after 200,000 events. Counting costs one
addition and one comparison per event; a run within the budget is unchanged
in every result.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from sim.errors import InputError

if TYPE_CHECKING:
    from sim.engine.compiled import CompiledModel

__all__ = ["MAX_EVENTS", "EventBudgetExceeded", "explain"]

#: The most events one run may process (see the module's notes for why this number).
MAX_EVENTS = 100_000

#: How many of the fastest actors, busiest actors and instant reaction rules a message names.
_NAMED = 3


class EventBudgetExceeded(InputError):
    """A run spent its event budget without ending: the scenario makes events too fast.

    The message is one line (it crosses process boundaries as it is: the
    exception pickles by its message).
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)


def explain(
    model: CompiledModel,
    *,
    budget: int,
    seed: int,
    run: int,
    now: float,
    counts: Sequence[int],
    answers: bool = False,
) -> str:
    """The one line of :class:`EventBudgetExceeded` for a run of ``model``.

    Parameters
    ----------
    model
        The compiled scenario.
    budget
        The budget spent.
    seed, run
        Which run it was.
    now
        The time the run had reached (days since the start).
    counts
        The run's actions so far, by actor and kind (as :class:`RunResult` holds them).
    answers
        Whether the answers sent spent the budget (else the events did).
    """
    spent = "sent more than {:,} answers" if answers else "made more than {:,} events"
    parts = [
        f"{model.name}: run {run} of seed {seed} {spent.format(budget)} without "
        f"ending (by day {now:.6g}, horizon day {model.horizon_day:,}); a run must end"
    ]
    n_kinds = len(model.kinds)
    by_actor = [
        (sum(counts[a * n_kinds : (a + 1) * n_kinds]), model.actor_ids[a])
        for a in range(len(model.actor_ids))
    ]
    busiest = [f"{actor} {n:,}" for n, actor in sorted(by_actor, reverse=True)[:_NAMED] if n]
    if busiest:
        parts.append(f"most actions: {', '.join(busiest)}")
    tempos = sorted((min(r.tempo_days for r in a.regimes), a.id) for a in model.actors)
    parts.append(
        "shortest tempos: "
        + ", ".join(f"actors.{actor}.tempo_days={tempo:g}" for tempo, actor in tempos[:_NAMED])
    )
    focal = model.mechanisms.focal_dates
    if focal.enabled and focal.tempo_boost != 1.0:
        parts.append(f"mechanisms.focal_dates.tempo_boost={focal.tempo_boost:g}")
    instant = sorted(
        {
            (-listener.probability, model.actor_ids[listener.reactor], listener.rule)
            for rows in model.listeners.values()
            for row in rows
            for listener in row
            if listener.delay_min_days == 0.0 and listener.probability > 0.0
        }
    )
    if instant and model.max_depth:
        named = ", ".join(
            f"actors.{actor}.reactions.{rule} (probability {-p:g}, no delay)"
            for p, actor, rule in instant[:_NAMED]
        )
        more = f" and {len(instant) - _NAMED} more" if len(instant) > _NAMED else ""
        parts.append(
            f"reactions answering at once: {named}{more}, chains up to "
            f"mechanisms.reactions.max_depth={model.max_depth}"
        )
    return "; ".join(parts)
