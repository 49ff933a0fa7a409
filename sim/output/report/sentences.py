"""The report's words: what the numbers say, in plain sentences (HTML).

Each function returns HTML; every text that comes from a results folder
(titles, labels, descriptions, names) is escaped here, never interpreted.
The sentences describe one scenario's estimates (:func:`run_findings`), what
changed between two scenarios (:func:`change_name`, named from their titles,
``--set`` values and descriptions) and the difference at each deadline
(:func:`interpret`); the notes say how to read the tables.
"""

from __future__ import annotations

from collections.abc import Sequence

from sim.output.records import (
    DeadlineDifference,
    DeadlineEstimate,
    Estimates,
    OutcomeDifference,
    Provenance,
)
from sim.output.report.markup import escape, long_date, pct, pts

__all__ = [
    "BAR_NOTE",
    "DIFFERENCES_NOTE",
    "READING_RUN",
    "WIDTH_RATIO_NOTE",
    "change_name",
    "comparison_lede",
    "filter_note",
    "interpret",
    "named",
    "pairing_note",
    "run_findings",
    "run_lede",
]

#: How to read a run's percentages and intervals (text).
READING_RUN = (
    "Each run plays the scenario once: the actors' timing and choices are random, so runs "
    "differ. A percentage is the share of runs in which the stage had been reached (or the "
    "negotiation had ended that way) by that date. The 95% interval (Wilson) says how "
    "precisely this number of runs pins that share down: more runs, narrower interval. It is "
    "not a range for what would happen in the real world; that depends on how good the "
    "scenario's assumptions are."
)
#: How to read the interval bars of the deadline table (HTML).
BAR_NOTE = (
    '<p class="note">The bar shows the 95% interval on a 0–100% scale, with a tick at '
    "the estimate. A deadline that passed before the forecast origin is not forecast: the "
    "record says whether it was met.</p>"
)
#: How to read the table of paired differences (HTML).
DIFFERENCES_NOTE = (
    '<p class="note">The paired interval is Newcombe’s method 10 for paired proportions: it '
    "starts from each scenario’s own (Wilson) interval and narrows them by how much the paired "
    "runs agree, which is what makes it valid for runs that share their random numbers; it "
    "never leaves −100 to +100 points. “Runs only in baseline / only in alternative” counts "
    "the pairs in which the stage was reached by the deadline in one scenario and not in the "
    "other. These pairs carry all the information about the difference; McNemar’s exact test "
    "(two-sided) asks how surprising their split would be if the change made no difference: "
    "a small p (say below 0.05) means chance alone is an unlikely explanation. The width "
    "ratio is the paired interval’s width over the width an unpaired comparison would give: "
    "0.30 means pairing made the estimate about three times sharper.</p>"
)
#: Why a width ratio is "—" (HTML).
WIDTH_RATIO_NOTE = (
    '<p class="note">A width ratio of “—”: every pair agrees, and all the same way (no run '
    "reached the stage in either scenario, or every run did): there is no difference for "
    "pairing to sharpen, and a ratio would mean nothing.</p>"
)


def run_lede(e: Estimates) -> str:
    """The line under a run report's title."""
    origin = (
        f"; the record up to {escape(long_date(e.as_of))}, the forecast after it"
        if e.as_of > e.start
        else ""
    )
    return (
        f"Scenario <code>{escape(e.scenario)}</code>: {e.runs} simulated runs from "
        f"{escape(long_date(e.start))} to {escape(long_date(e.horizon))}{origin}, seed {e.seed}."
    )


def named(e: Estimates) -> str:
    """A scenario's name, and its title when that says more."""
    name = f"<code>{escape(e.scenario)}</code>"
    return name if e.title in ("", e.scenario) else f"{name} — {escape(e.title)}"


def _overrides(p: Provenance) -> str:
    return ", ".join(
        f"<code>{escape(k)}</code> = {escape(_value(v))}" for k, v in p.overrides.items()
    )


def _value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def comparison_lede(
    base: Estimates, alt: Estimates, base_p: Provenance, alt_p: Provenance, runs: int, seed: int
) -> str:
    """The lines under a comparison report's title: both scenarios, their --set values, the runs."""
    lines = []
    for what, e, p in (("Baseline", base, base_p), ("Alternative", alt, alt_p)):
        line = f"{what}: {named(e)}"
        if p.overrides:
            line += f" (with {_overrides(p)})"
        lines.append(line)
    lines.append(
        f"{runs} paired runs from {escape(long_date(base.start))} to "
        f"{escape(long_date(base.horizon))}, seed {seed}."
    )
    return "<br>".join(lines)


def _first_sentence(text: str) -> str:
    words = " ".join(text.split())
    end = words.find(". ")
    return words if end < 0 else words[: end + 1]


def change_name(base: Provenance, alt: Provenance) -> str:
    """What the alternative changes, in words (HTML), from the titles, values and descriptions.

    The alternative's title when it differs from the baseline's (a
    counterfactual is titled with its question: "What if the EU had renewed
    its arms embargo?"); the values set on the command line that differ; else
    the first sentence of the alternative's description; else its name.
    """
    parts = []
    if alt.scenario_title.strip() and alt.scenario_title != base.scenario_title:
        parts.append(escape(alt.scenario_title))
    changed = []
    for key in dict.fromkeys([*alt.overrides, *base.overrides]):
        mine, theirs = alt.overrides.get(key), base.overrides.get(key)
        if key in alt.overrides and (key not in base.overrides or mine != theirs):
            was = f" (baseline: {escape(_value(theirs))})" if key in base.overrides else ""
            changed.append(f"<code>{escape(key)}</code> = {escape(_value(mine))}{was}")
        elif key not in alt.overrides:
            changed.append(
                f"<code>{escape(key)}</code> as in the file (baseline: {escape(_value(theirs))})"
            )
    if changed:
        parts.append(("with " if parts else "The alternative with ") + ", ".join(changed))
    if (
        not parts
        and alt.scenario_description
        and alt.scenario_description != base.scenario_description
    ):
        parts.append(escape(_first_sentence(alt.scenario_description)))
    if not parts:
        if alt.scenario_sha256 == base.scenario_sha256:
            return "Nothing: the two scenarios are the same (the same SHA-256)."
        parts.append(
            f"The scenario <code>{escape(alt.scenario)}</code> instead of "
            f"<code>{escape(base.scenario)}</code>"
        )
    return "; ".join(parts)


def filter_note(names: Sequence[str]) -> str:
    """The note that the command was asked about some deadlines only (empty if not)."""
    if not names:
        return ""
    return (
        '<p class="note">The command was asked about '
        + ", ".join(f"<code>{escape(n)}</code>" for n in names)
        + " only; the tables show every deadline.</p>"
    )


def _deadline(d: DeadlineEstimate) -> str:
    return f"<strong>{escape(d.label)}</strong> ({escape(long_date(d.date))})"


def run_findings(e: Estimates) -> list[str]:
    """The findings of one scenario's runs, one sentence each (HTML)."""
    found = []
    forecast = [d for d in e.deadlines if not d.from_record]
    record = [d for d in e.deadlines if d.from_record]
    if record:
        said = "; ".join(
            f"{escape(d.label)} {'met' if d.reached == d.runs else 'missed'}" for d in record
        )
        found.append(
            f"Before the forecast origin ({escape(long_date(e.as_of))}) the record decides: {said}."
        )
    if forecast:
        d = forecast[-1]
        moved = (
            f" (where extensions had moved it, in {pct(d.moved)} of the runs; by its original "
            f"date: {pct(d.probability_by_original_date)})"
            if d.moved > 0
            else ""
        )
        found.append(
            f"By the last deadline, {_deadline(d)}, <strong>{escape(d.stage_label)}</strong> in "
            f"<strong>{pct(d.probability)}</strong> of the runs (95% interval "
            f"{pct(d.ci_low)} to {pct(d.ci_high)}){moved}."
        )
    h = e.by_horizon
    parts = [
        f"{escape(o.label)} <strong>{pct(o.probability)}</strong>"
        for k, o in enumerate(h.outcomes)
        if k == len(e.stages) - 1 or o.kind == "ending"
    ]
    parts.append(f"still open <strong>{pct(h.still_open.probability)}</strong>")
    found.append(
        f"By the end of the simulation ({escape(long_date(e.horizon))}), the runs stood so: "
        + "; ".join(parts)
        + " (these add up to 100%)."
    )
    for s in e.stages:
        if s.median_date is not None:
            found.append(
                f"Half of the runs had reached <strong>{escape(s.label)}</strong> by "
                f"<strong>{escape(long_date(s.median_date))}</strong> (median, Kaplan–Meier)."
            )
        else:
            found.append(
                f"Fewer than half of the runs reached <strong>{escape(s.label)}</strong> before "
                "the end of the simulation: no median date."
            )
    return found


def pairing_note(runs: int) -> str:
    """How the runs of a comparison were paired."""
    return (
        f'<p class="note">Each scenario was run {runs} times, in pairs: run <em>i</em> of the '
        "baseline and run <em>i</em> of the alternative share their random seed, and every "
        "actor draws from its own random stream, so the two runs of a pair differ only where "
        "the scenarios differ. Differences are alternative minus baseline, in percentage "
        "points.</p>"
    )


def interpret(d: DeadlineDifference | OutcomeDifference, runs: int, lead: str = "") -> str:
    """One plain sentence on the difference the change makes to one outcome by one deadline.

    ``lead`` (HTML) opens the sentence, e.g. the deadline's label and date.
    """
    stage = d.stage_label if isinstance(d, DeadlineDifference) else d.label
    what = f"<strong>{escape(stage)}</strong>"
    interval = f"95% interval {pts(d.ci_low)} to {pts(d.ci_high)} points"
    if d.neither == runs:
        return lead + f"no run reached {what} by then, with the change or without it ({interval})."
    if d.both == runs:
        return lead + f"every run reached {what} by then, with the change and without it."
    if abs(d.difference) < 0.5 / max(runs, 1):
        return (
            lead + f"{what} by then in {pct(d.base_probability)} of the runs with the change and "
            f"without it: no difference on balance ({d.only_base} runs reached it only without "
            f"the change, {d.only_alt} only with it; {interval})."
        )
    verb = "more" if d.difference > 0 else "fewer"
    sentence = (
        lead + f"{what} by then in <strong>{pct(d.alt_probability)}</strong> of the runs with the "
        f"change against {pct(d.base_probability)} without it: {pts(d.difference, sign=False)} "
        f"points {verb} ({interval})."
    )
    if d.ci_low > 0 or d.ci_high < 0:
        side = "above" if d.ci_low > 0 else "below"
        return sentence + f" The whole interval is {side} zero: these runs show the change clearly."
    return (
        sentence + " The interval includes zero, so these runs cannot tell whether the change "
        "raised or lowered it; more runs would narrow it."
    )
