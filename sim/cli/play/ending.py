"""The end of a game: what happened, and how it compares with simulated runs.

:func:`outcome_text` tells the played run's result in the order a player
asks about it: the stages reached (a date announced, and for when), or an
ending (a walk-out, a no-deal exit); the questions still open; the player's
own decisions, counted apart from the model's and from the choices that
stood between turns; and the deadlines where each stands (moved or not).
:func:`comparison_text` places the result among the simulated runs
(:func:`sim.cli.play.comparison.compare`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from sim.cli.play.comparison import Comparison
from sim.cli.play.recording import Choice
from sim.cli.play.screens import deadline_name
from sim.cli.play.text import (
    RULE,
    capitalized,
    percent,
    plural_s,
    possessive,
    short_name,
    simulated,
    wrap,
)
from sim.cli.play.turns import By
from sim.engine import RunResult
from sim.output.narrative import Names, format_date
from sim.scenario.schema import Scenario

__all__ = ["comparison_text", "decision_lines", "outcome_text", "stage_lines"]


def outcome_text(
    result: RunResult, scenario: Scenario, actor: str, choices: Sequence[Choice]
) -> str:
    """The played run's result: stages, ending, open questions, decisions, deadlines."""
    names = Names(scenario)
    lines = [RULE, "The end.", ""]
    lines.extend(stage_lines(result, scenario))
    if result.ending >= 0 and result.ending_day is not None:
        ending = scenario.endings[result.ending].label
        when = format_date(scenario.date_of(result.ending_day))
        lines.extend(wrap(f"The negotiation ended: {ending}, on {when}.", "", "  "))
    elif result.convened_day is None:
        lines.extend(
            wrap(
                f"The game ended on {format_date(scenario.horizon)} with readiness "
                f"{result.final_readiness:.2f}.",
            )
        )
    unresolved = [g for g, d in zip(result.gate_ids, result.gate_days, strict=True) if d is None]
    if unresolved and result.convened_day is None:
        lines.extend(
            wrap("Still open: " + "; ".join(names.gate(g) for g in unresolved) + ".", "", "  ")
        )
    lines.extend(decision_lines(scenario, actor, choices))
    lines.append("Deadlines:")
    lines.extend(_deadline_lines(result, scenario))
    return "\n".join(lines) + "\n"


def stage_lines(result: RunResult, scenario: Scenario) -> list[str]:
    """One line per stage: reached (when), its date set (for when), or not reached."""
    lines = []
    horizon = scenario.horizon_day
    for k, (stage, day) in enumerate(zip(scenario.stages, result.stage_days, strict=True)):
        label = capitalized(stage.label)
        set_for = [(t, d) for t, s, d in result.announcements if s == k]
        postponed = sum(1 for _, s in result.postponements if s == k)
        again = f" (postponed {_times(postponed)} before)" if postponed else ""
        if day is not None:
            when = format_date(scenario.date_of(day))
            announced = ""
            if set_for:
                t, _ = set_for[-1]
                announced = f", on the date set on {format_date(scenario.date_of(t))}"
            text = f"{label}: reached on {when}{announced}{again}."
        elif set_for and (not postponed or _last_postponed(result, k) < set_for[-1][0]):
            t, d = set_for[-1]
            after = " (after the end of the game)" if d > horizon else ""
            text = (
                f"{label}: not yet; on {format_date(scenario.date_of(t))} its date was set for "
                f"{format_date(scenario.date_of(d))}{after}{again}."
            )
        else:
            date_set = f" (a date was set {_times(len(set_for))} and postponed)" if set_for else ""
            text = f"{label}: not reached{date_set}."
        lines.extend(wrap(text, "", "  "))
    return lines


def decision_lines(scenario: Scenario, actor: str, choices: Sequence[Choice]) -> list[str]:
    """The played actor's choices: the player's own, then those that stood, the model's, passes."""
    short = short_name(scenario.actor(actor).name)
    if not choices:
        return wrap(f"{capitalized(short)} had no decision to make in this game.")
    by: dict[By, list[str]] = {b: [] for b in By}
    for c in choices:
        by[c.by].append(c.move)

    def made(moves: list[str]) -> str:
        return ", ".join(f"{move} x{n}" for move, n in Counter(moves).most_common())

    lines: list[str] = []
    yours = by[By.YOU]
    if yours:
        lines.extend(
            wrap(f"Your {plural_s(len(yours), 'decision')} as {short}: {made(yours)}.", "", "  ")
        )
    else:
        lines.extend(wrap(f"You made none of {possessive(short)} decisions yourself."))
    stood = by[By.STANDS]
    if stood:
        lines.extend(
            wrap(
                f"Between your turns your choice stood at {plural_s(len(stood), 'more decision')}: "
                f"{made(stood)}.",
                "",
                "  ",
            )
        )
    model = by[By.MODEL] + by[By.AUTO]
    if model:
        lines.extend(
            wrap(
                f"The model chose at {plural_s(len(model), 'decision')} (m, a): {made(model)}.",
                "",
                "  ",
            )
        )
    rest = by[By.REST]
    if rest:
        lines.extend(
            wrap(f"Passed after q or the end of the input: {plural_s(len(rest), 'decision')}.")
        )
    none = by[By.NONE]
    if none:
        lines.extend(wrap(f"Passed with no option open: {plural_s(len(none), 'decision')}."))
    return lines


def _deadline_lines(result: RunResult, scenario: Scenario) -> list[str]:
    """Each deadline where it stands (moved or not), met or missed for its stage."""
    lines = []
    last = len(scenario.stages) - 1
    for d, day in zip(scenario.deadlines, result.deadline_days, strict=True):
        k = scenario.deadline_stage(d)
        met = "met" if result.reached_by(k, day) else "missed"
        moved = f", moved from {format_date(d.date)}" if day != d.day else ""
        early = scenario.as_of_day > 0 and day <= scenario.as_of_day
        before = ", before the game began" if early else ""
        stage = f" [{scenario.stages[k].label}]" if k < last else ""
        name = deadline_name(d.label, scenario.date_of(day))
        lines.extend(wrap(f"{name}{stage}: {met}{moved}{before}", "  ", "    "))
    return lines


def _times(n: int) -> str:
    return {1: "once", 2: "twice"}.get(n, f"{n} times")


def _last_postponed(result: RunResult, stage: int) -> float:
    return max((t for t, s in result.postponements if s == stage), default=-1.0)


def comparison_text(comparison: Comparison, scenario: Scenario, actor: str, seed: int) -> str:
    """The comparison in plain words for a student."""
    c = comparison
    short = short_name(scenario.actor(actor).name)
    n = c.runs
    last = scenario.stages[-1].label

    def share(k: int) -> str:
        return f"{percent(k / n)} ({k} of {n})"

    horizon = format_date(scenario.horizon)
    sentences = []
    if c.played_day is not None:
        when = format_date(scenario.date_of(c.played_day))
        same = f", on the same day as {share(c.same)}" if c.same else ""
        sentences.append(
            f"Your game reached its last stage ({last}) on {when}: earlier than "
            f"{share(c.later)} of the simulated runs{same}, later than {share(c.earlier)}. "
            "(A run that never reached it counts as later than any that did.)"
        )
    else:
        sentences.append(
            f"Your game did not reach its last stage ({last}) by {horizon}. "
            f"{capitalized(share(c.earlier))} of the simulated runs did; {share(c.same)} did "
            "not either."
        )
    if c.median_day is None:
        either = " either" if c.played_day is None else ""
        sentences.append(f"Most of the simulated runs did not reach it by {horizon}{either}.")
    else:
        median = format_date(scenario.date_of(c.median_day))
        if c.played_day is None:
            sentences.append(f"Half of the simulated runs had reached it by {median}.")
        else:
            gap = round(c.played_day - c.median_day)
            relative = (
                "on the same day as"
                if gap == 0
                else f"{plural_s(abs(gap), 'day')} {'earlier' if gap < 0 else 'later'} than"
            )
            sentences.append(f"That is {relative} the typical (median) simulated run: {median}.")
    if c.dated is not None:
        yours = "yours did" if c.played_dated else "yours did not"
        sentences.append(
            f"A date was set (for any stage) in {share(c.dated)} of the simulated runs; {yours}."
        )
    luck = (
        f"reached it on {format_date(scenario.date_of(c.same_luck_day))}"
        if c.same_luck_day is not None
        else f"did not reach it by {horizon}"
    )
    sentences.append(
        f"With exactly your luck (the same random draws for everyone else), "
        f"{simulated(short)} {luck}."
    )
    lines = [
        "",
        *wrap(
            f"How does that compare? {n} simulated runs of the same scenario and seed {seed}, "
            f"with {short} left to the model:"
        ),
    ]
    for sentence in sentences:
        lines.extend(wrap(sentence, "  ", "  "))
    if c.deadlines:
        lines.append("  Deadlines (you; the simulated runs, with a 95% interval):")
        for d in c.deadlines:
            p = d.simulated
            name = deadline_name(d.deadline.label, d.deadline.date)
            lines.extend(
                wrap(
                    f"{name}: {'met' if d.met else 'missed'}; {percent(p.estimate)} "
                    f"({p.successes} of {p.n}; {p.low:.0%}-{p.high:.0%})",
                    "    ",
                    "      ",
                )
            )
    return "\n".join(lines) + "\n"
