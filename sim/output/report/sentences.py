"""The report's words: what the numbers say, in plain sentences (HTML).

Each function returns HTML; text from the results folder is escaped here.
The sentences describe a run's estimates (:func:`outcome_lines`,
:func:`last_deadline_line`), and a comparison's difference at each deadline
(:func:`interpret`); the notes say how to read the tables.
"""

from __future__ import annotations

from collections.abc import Sequence

from sim.output.records import DeadlineDifference, DeadlineEstimate, Estimates
from sim.output.report.markup import escape, long_date, pct, pts

__all__ = [
    "BAR_NOTE",
    "DIFFERENCES_NOTE",
    "READING_RUN",
    "comparison_lede",
    "filter_note",
    "interpret",
    "last_deadline_line",
    "named",
    "outcome_lines",
    "pairing_note",
    "run_lede",
]

#: How to read a run's percentages and intervals (text).
READING_RUN = (
    "Each run plays the scenario once: the actors' timing and choices are random, so runs "
    "differ. A percentage is the share of runs that had convened by that date. The 95% "
    "interval (Wilson) says how precisely this number of runs pins that share down: more "
    "runs, narrower interval. It is not a range for what would happen in the real world; "
    "that depends on how good the scenario's assumptions are."
)
#: How to read the interval bars of the deadline table (HTML).
BAR_NOTE = (
    '<p class="note">The bar shows the 95% interval on a 0–100% scale, with a tick at '
    "the estimate.</p>"
)
#: How to read the table of paired differences (HTML).
DIFFERENCES_NOTE = (
    '<p class="note">The paired interval is Newcombe’s method for paired proportions. '
    "“Runs only in baseline / only in alternative” counts the pairs in which the runs had "
    "convened by the deadline in one scenario and not in the other. These pairs carry all "
    "the information about the difference; McNemar’s exact test (two-sided) asks how "
    "surprising their split would be if the change made no difference: a small p (say below "
    "0.05) means chance alone is an unlikely explanation. The width ratio is the paired "
    "interval’s width over the width an unpaired comparison would give: 0.30 means pairing "
    "made the estimate about three times sharper.</p>"
)


def run_lede(e: Estimates) -> str:
    """The line under a run report's title."""
    return (
        f"Scenario <code>{escape(e.scenario)}</code>: {e.runs} simulated runs from "
        f"{escape(long_date(e.start))} to {escape(long_date(e.horizon))}, seed {e.seed}."
    )


def named(e: Estimates) -> str:
    """A scenario's name, and its title when that says more."""
    name = f"<code>{escape(e.scenario)}</code>"
    return name if e.title in ("", e.scenario) else f"{name} — {escape(e.title)}"


def comparison_lede(base: Estimates, alt: Estimates, runs: int, seed: int) -> str:
    """The lines under a comparison report's title."""
    return (
        f"Baseline: {named(base)}<br>Alternative: {named(alt)}<br>"
        f"{runs} paired runs from {escape(long_date(base.start))} to "
        f"{escape(long_date(base.horizon))}, seed {seed}."
    )


def filter_note(names: Sequence[str]) -> str:
    """The note that the command was asked about some deadlines only (empty if not)."""
    if not names:
        return ""
    return (
        '<p class="note">The command was asked about '
        + ", ".join(f"<code>{escape(n)}</code>" for n in names)
        + " only; the table shows every deadline.</p>"
    )


def last_deadline_line(d: DeadlineEstimate) -> str:
    """How many runs had convened by the last deadline."""
    return (
        f"By the last deadline, <strong>{escape(d.label)}</strong> "
        f"({escape(long_date(d.date))}), <strong>{pct(d.probability)}</strong> of "
        f"runs had convened (95% interval "
        f"{pct(d.ci_low)} to {pct(d.ci_high)})."
    )


def outcome_lines(e: Estimates) -> list[str]:
    """Not convened by the horizon, and the median convening date."""
    never = e.not_convened_by_horizon
    median = (
        f"<strong>{escape(long_date(e.median_convening_date))}</strong> "
        f"({e.median_convening_date.isoformat()}): half of the runs had convened by then"
        if e.median_convening_date is not None
        else "not reached: fewer than half of the runs convened before the end of the simulation"
    )
    return [
        f"Not convened by the end of the simulation ({escape(long_date(e.horizon))}): "
        f"<strong>{pct(never.probability)}</strong> of runs "
        f"(95% interval {pct(never.ci_low)} to {pct(never.ci_high)}).",
        f"Median convening date (Kaplan–Meier): {median}.",
    ]


def pairing_note(runs: int) -> str:
    """How the runs of a comparison were paired."""
    return (
        f'<p class="note">Each scenario was run {runs} times, in pairs: run <em>i</em> of the '
        "baseline and run <em>i</em> of the alternative share their random seed, and every "
        "actor draws from its own random stream, so the two runs of a pair differ only where "
        "the scenarios differ. Differences are alternative minus baseline, in percentage "
        "points.</p>"
    )


def interpret(d: DeadlineDifference, runs: int) -> str:
    """One plain sentence on the difference at one deadline."""
    lead = f"<strong>{escape(d.label)}</strong> ({escape(long_date(d.date))}): "
    interval = f"95% interval {pts(d.ci_low)} to {pts(d.ci_high)} points"
    if d.neither == runs:
        return (
            lead + f"no run of either scenario had convened by then ({interval}, so any "
            "difference is small)."
        )
    if d.both == runs:
        return lead + f"every run of both scenarios had convened by then ({interval})."
    if abs(d.difference) < 0.5 / max(runs, 1):
        return (
            lead + f"the change made no difference on balance: {pct(d.base_probability)} in both "
            f"({interval}); {d.only_base} runs had convened by then only in the baseline and "
            f"{d.only_alt} only in the alternative."
        )
    verb = "raised" if d.difference > 0 else "lowered"
    sentence = (
        lead + f"going from the baseline to the alternative {verb} the chance of convening by "
        f"then by {pts(d.difference, sign=False)} points, from {pct(d.base_probability)} to "
        f"{pct(d.alt_probability)} ({interval})."
    )
    if d.ci_low > 0 or d.ci_high < 0:
        side = "above" if d.ci_low > 0 else "below"
        return sentence + f" The whole interval is {side} zero: these runs show the change clearly."
    return (
        sentence + " The interval includes zero, so these runs cannot tell whether the change is "
        "real; more runs would narrow it."
    )
