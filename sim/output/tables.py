"""Readable text tables of Monte Carlo results and comparisons."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sim.errors import one_line

if TYPE_CHECKING:
    from sim.experiments.compare import Comparison
    from sim.experiments.montecarlo import MonteCarloResult
    from sim.experiments.stats import Proportion
    from sim.experiments.sweep import SweepResult
    from sim.scenario.schema import Scenario

__all__ = [
    "NEWCOMBE",
    "WIDTH_RATIO_UNDEFINED",
    "comparison_table",
    "deadline_table",
    "format_table",
    "sweep_table",
]

#: What the paired interval is, in words (the comparison table's footer and the report).
NEWCOMBE = (
    "the 95% interval of the difference is Newcombe's method 10 for paired proportions: it "
    "starts from each scenario's own (Wilson) interval and narrows them by how much the "
    "paired runs agree, so it is valid for runs that share their random numbers, and never "
    "leaves -100 to +100 points"
)
#: Why a width ratio is not given when no pair differs and all agree.
WIDTH_RATIO_UNDEFINED = (
    "width ratio —: every pair agrees and all the same way (no run reached it in either "
    "scenario, or every run did): there is no difference for pairing to sharpen"
)


def format_table(header: Sequence[str], rows: Sequence[Sequence[str]], right: set[int]) -> str:
    """Align columns; columns whose index is in ``right`` are right-aligned."""
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows, strict=True)]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(
            str(c).rjust(w) if i in right else str(c).ljust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    return "\n".join([line(header), line(["-" * w for w in widths]), *(line(r) for r in rows)])


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def _day_date(result: MonteCarloResult, day: float | None) -> str:
    return result.scenario.date_of(day).isoformat() if day is not None else "—"


def _label(text: str, width: int = 28) -> str:
    """A label shortened to ``width`` characters, escaped so it stays one line."""
    text = one_line(text)
    return text if len(text) <= width else text[: width - 1] + "…"


def deadline_table(result: MonteCarloResult, names: Sequence[str] | None = None) -> str:
    """The Monte Carlo estimates as text: deadlines, every stage and ending, medians.

    At each deadline, P(its stage reached by it) with 95% Wilson intervals;
    then every stage and ending by each deadline, where the runs stood at the
    horizon, and the median dates. A deadline before the forecast origin is
    reported from the record (met or missed); one that some runs extended says
    so, with P(its stage by its original date).
    """
    s = result.scenario
    several = len(s.stages) > 1 or bool(s.endings)
    estimates = [e for e in result.deadlines() if not names or e.deadline.id in names]
    rows = []
    notes = []
    for e in estimates:
        p = e.proportion
        stage = e.stage_estimate.label
        cells = [_label(e.deadline.label), e.deadline.date.isoformat(), _label(stage, 22)]
        if e.from_record:
            cells += ["met" if p.estimate >= 0.5 else "missed", "(record)", ""]
        else:
            cells += [_pct(p.estimate), f"{_pct(p.low)} – {_pct(p.high)}", f"{p.successes}/{p.n}"]
        rows.append(cells)
        if e.moved.estimate > 0:
            original = e.original
            notes.append(
                f"{_label(e.deadline.label)}: extended in {_pct(e.moved.estimate)} of runs "
                f"(median date {_day_date(result, e.final_day)}); by its original date "
                f"{e.deadline.date.isoformat()}: {_pct(original.estimate)}"
            )
    table = format_table(
        ["deadline", "date", "stage", "P(by date)", "95% interval", "runs"], rows, right={3, 4, 5}
    )
    precision = (
        f"; runs added until every half-width <= {result.precision:g}"
        if result.precision is not None
        else ""
    )
    origin = f"forecast as of {s.as_of.isoformat()}, " if s.as_of_day > 0 else ""
    lines = [
        one_line(s.title),
        f"{result.runs} runs, seed {result.seed}, {origin}{result.backend}, "
        f"{result.wall_time:.1f} s{precision}",
        "",
        table,
    ]
    if notes:
        lines += ["", *notes]
    if several:
        outcomes = [o for o in estimates[0].outcomes] if estimates else []
        header = ["deadline", *(_label(o.label, 18) for o in outcomes)]
        matrix = [
            [_label(e.deadline.label), *(_pct(o.proportion.estimate) for o in e.outcomes)]
            for e in estimates
        ]
        lines += [
            "",
            "Every stage and ending by each deadline (share of runs):",
            format_table(header, matrix, right=set(range(1, len(header)))),
        ]
    reached, still_open = result.by_horizon()
    last = len(s.stages) - 1
    at_horizon = [
        f"{one_line(o.label)} {_pct(o.proportion.estimate)} "
        f"({_pct(o.proportion.low)} – {_pct(o.proportion.high)})"
        for k, o in enumerate(reached)
        if k == last or o.kind == "ending"
    ]
    at_horizon.append(f"still open {_pct(still_open.estimate)}")
    medians = []
    for k, spec in enumerate(s.stages):
        median = result.median_day(k)
        medians.append(
            f"{one_line(spec.label)} {_day_date(result, median)}"
            if median is not None
            else f"{one_line(spec.label)}: fewer than half the runs by the horizon"
        )
    lines += [
        "",
        f"By the horizon ({s.horizon.isoformat()}): " + "; ".join(at_horizon),
        "Median date (Kaplan–Meier): " + "; ".join(medians),
        f"Widest 95% interval half-width: {100 * result.max_half_width(names):.2f} points",
    ]
    return "\n".join(lines) + "\n"


def _changes(scenario: Scenario) -> str:
    """`` (with KEY=VALUE, ...)`` for the values set on the command line, "" for none."""
    from sim.experiments.points import scenario_origin

    overrides = scenario_origin(scenario)["overrides"]
    if not overrides:
        return ""
    return " (with " + ", ".join(f"{k}={_value(v)}" for k, v in overrides.items()) + ")"


def _value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def comparison_table(comparison: Comparison) -> str:
    """Both probabilities, the paired difference, McNemar's p and the width ratio per deadline.

    Each deadline is compared on its own stage; the JSON output and a results
    folder's ``deadlines.csv`` have every stage and ending. The footer says in
    words what the interval is (:data:`NEWCOMBE`); a width ratio where every
    pair agrees all the same way is "—", with a note.
    """
    base = comparison.base.scenario
    alt = comparison.alt.scenario
    rows = []
    undefined = False
    base_record = {e.deadline.id: e for e in comparison.base.deadlines() if e.from_record}
    alt_record = {e.deadline.id: e for e in comparison.alt.deadlines() if e.from_record}

    def side(found: dict[str, Any], deadline: str, p: float) -> str:
        if deadline in found:  # before the forecast origin: what the record says
            return "met" if found[deadline].proportion.estimate >= 0.5 else "missed"
        return _pct(p)

    for d in comparison.differences():
        x = d.difference
        did = d.deadline.id
        if did in base_record and did in alt_record:
            rows.append(
                [
                    _label(d.deadline.label),
                    d.deadline.date.isoformat(),
                    _label(d.outcomes[d.stage].label, 22),
                    side(base_record, did, x.p_a),
                    side(alt_record, did, x.p_b),
                    "(record)",
                    "",
                    "",
                    "",
                ]
            )
            continue
        runs = x.both + x.only_a + x.only_b + x.neither
        alike = runs in (x.both, x.neither)
        undefined = undefined or alike
        rows.append(
            [
                _label(d.deadline.label),
                d.deadline.date.isoformat(),
                _label(d.outcomes[d.stage].label, 22),
                side(base_record, did, x.p_a),
                side(alt_record, did, x.p_b),
                f"{100 * x.difference:+.1f}",
                f"{100 * x.low:+.1f} – {100 * x.high:+.1f}",
                f"{x.mcnemar_p:.3g}",
                "—" if alike or x.width_ratio != x.width_ratio else f"{x.width_ratio:.2f}",
            ]
        )
    table = format_table(
        [
            "deadline",
            "date",
            "stage",
            "base",
            "alt",
            "diff (pts)",
            "95% interval (pts)",
            "McNemar p",
            "width ratio",
        ],
        rows,
        right={3, 4, 5, 6, 7, 8},
    )
    lines = [
        f"base: {base.name} — {one_line(base.title)}{one_line(_changes(base))}",
        f"alt:  {alt.name} — {one_line(alt.title)}{one_line(_changes(alt))}",
        f"{comparison.base.runs} paired runs, seed {comparison.base.seed} "
        "(run i of each shares its seed; each actor has its own random stream)",
        "",
        table,
        "",
    ]
    notes = [
        "diff = alt − base in percentage points; " + NEWCOMBE + ".",
        "McNemar: exact, two-sided, from the pairs that differ. width ratio = paired / unpaired "
        "interval width: below 1, pairing made the difference that much sharper.",
    ]
    if undefined:
        notes.append(WIDTH_RATIO_UNDEFINED + ".")
    lines += [line for note in notes for line in textwrap.wrap(note, 100)]
    return "\n".join(lines) + "\n"


def _cell(p: Proportion) -> str:
    return f"{_pct(p.estimate)} ({100 * p.low:.1f}–{100 * p.high:.1f})"


#: Points side by side in one block of the sweep table.
SWEEP_COLUMNS = 5


def sweep_table(result: SweepResult) -> str:
    """A sweep's points: P(each deadline's own stage by it) with 95% Wilson intervals.

    One row per deadline (its label, date and, when deadlines are for
    different stages, its stage), one column per point, in blocks of
    :data:`SWEEP_COLUMNS` points. A deadline before the forecast origin is
    reported from the record. Every stage and ending by every deadline is in
    ``sweep_outcomes.csv``.
    """
    from sim.experiments.points import format_value

    s = result.scenario
    params = result.design.params
    points = result.design.points
    stages = {d.stage for d in result.deadlines}
    several = len(stages) > 1
    lines = [
        one_line(s.title),
        f"{result.design.kind} design of {len(points)} points, {result.runs} runs each, seed "
        f"{result.sweep.seed} (the same seeds at every point); {result.backend}, "
        f"{result.wall_time:.1f} s",
        "P(the deadline's stage reached by it), with its 95% Wilson interval in percent:",
    ]
    if not several and s.deadlines:
        lines.append(
            f"every deadline is for the stage: {one_line(s.stage(next(iter(stages))).label)}"
        )
    if len(params) == 1:
        key = params[0].key
        names = [format_value(p[key]) for p in points]
        lines.append(f"columns: {one_line(key)} =")
    else:
        names = [f"point {i}" for i in range(len(points))]
        for i, p in enumerate(points):
            values = ", ".join(f"{k}={format_value(v)}" for k, v in p.items())
            lines.append(f"point {i}: {one_line(values)}")
    for first in range(0, len(points), SWEEP_COLUMNS):
        block = range(first, min(first + SWEEP_COLUMNS, len(points)))
        header = ["deadline", "date", *(["stage"] if several else []), *(names[i] for i in block)]
        rows = []
        for d in result.deadlines:
            cells = [_label(d.label), d.date.isoformat()]
            if several:
                cells.append(_label(s.stage(d.stage).label, 22))
            for i in block:
                share = result.estimate(i, d.id)
                if d.day <= s.as_of_day:
                    cells.append(("met" if share.estimate >= 0.5 else "missed") + " (record)")
                else:
                    cells.append(_cell(share))
            rows.append(cells)
        fixed = 3 if several else 2
        lines += ["", format_table(header, rows, set(range(fixed, len(header))))]
    lines += ["", "Every stage and ending by every deadline: sweep_outcomes.csv (with --out)."]
    return "\n".join(lines) + "\n"
