"""The two report pages: one scenario's runs, and a comparison of two scenarios.

:func:`run_page` and :func:`comparison_page` lay out, from a results folder
read by :func:`sim.output.readers.read_results`, the sections of the page: in
brief, the tables, how the runs went, the figures and the provenance.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sim.output.readers import ComparisonFolder, RunFolder
from sim.output.records import (
    DeadlineDifference,
    DeadlineEstimate,
    Estimates,
    Provenance,
    RunsTable,
)
from sim.output.report.figures import figures_section, load_figures
from sim.output.report.markup import (
    bar,
    day_date,
    deadline_cell,
    escape,
    iso,
    key_values,
    of,
    p_value,
    page,
    pct,
    pts,
    seconds,
    section,
    table,
)
from sim.output.report.sentences import (
    BAR_NOTE,
    DIFFERENCES_NOTE,
    READING_RUN,
    comparison_lede,
    filter_note,
    interpret,
    last_deadline_line,
    outcome_lines,
    pairing_note,
    run_lede,
)

__all__ = ["GateStats", "RunStats", "comparison_page", "run_page", "run_stats"]


@dataclass(frozen=True, slots=True)
class GateStats:
    """How often, and when, one gate was resolved (days since the start)."""

    gate: str
    resolved: int
    median_day: float | None


@dataclass(frozen=True, slots=True)
class RunStats:
    """How one scenario's runs went: announcements, postponements, gates."""

    runs: int
    announced: int
    postponed: int
    first_announcement_day: float | None
    gates: tuple[GateStats, ...]


def _median(values: Sequence[float]) -> float | None:
    return statistics.median(values) if values else None


def run_stats(runs: RunsTable) -> RunStats:
    """Announcements, postponements and gates over the runs of one scenario."""
    rows = runs.rows
    firsts = [r.first_announcement_day for r in rows if r.first_announcement_day is not None]
    gates = []
    for g, gate in enumerate(runs.gates):
        days = [day for r in rows if (day := r.gate_days[g]) is not None]
        gates.append(GateStats(gate, len(days), _median(days)))
    return RunStats(
        runs=len(rows),
        announced=sum(r.announcements > 0 for r in rows),
        postponed=sum(r.postponements > 0 for r in rows),
        first_announcement_day=_median(firsts),
        gates=tuple(gates),
    )


def _deadline_table(deadlines: Sequence[DeadlineEstimate]) -> str:
    rows = [
        [
            deadline_cell(d.label, d.date),
            pct(d.probability),
            f"{pct(d.ci_low)} – {pct(d.ci_high)}",
            f"{d.convened} / {d.runs}",
            bar(d.probability, d.ci_low, d.ci_high),
        ]
        for d in deadlines
    ]
    return table(
        ["deadline", "P(convened by then)", "95% interval", "runs convened", "0 – 100%"],
        rows,
        numeric={1, 2, 3},
    )


def _difference_table(diffs: Sequence[DeadlineDifference]) -> str:
    rows = [
        [
            deadline_cell(d.label, d.date),
            pct(d.base_probability),
            pct(d.alt_probability),
            pts(d.difference),
            f"{pts(d.ci_low)} to {pts(d.ci_high)}",
            f"{d.only_base} / {d.only_alt}",
            p_value(d.mcnemar_p),
            "—" if d.width_ratio is None else f"{d.width_ratio:.2f}",
        ]
        for d in diffs
    ]
    return table(
        [
            "deadline",
            "baseline",
            "alternative",
            "difference (points)",
            "paired 95% interval (points)",
            "runs only in baseline / only in alternative",
            "McNemar p",
            "width ratio",
        ],
        rows,
        numeric={1, 2, 3, 4, 5, 6, 7},
    )


def _run_stats_rows(
    stats: Sequence[RunStats], starts: Sequence[dt.date]
) -> list[tuple[str, list[str]]]:
    def median_date(day: float | None, start: dt.date) -> str:
        return "—" if day is None else iso(day_date(start, day))

    rows: list[tuple[str, list[str]]] = [
        ("a date announced at least once", [of(s.announced, s.runs) for s in stats]),
        ("postponed at least once", [of(s.postponed, s.runs) for s in stats]),
        (
            "first announcement (median date, runs that announced)",
            [median_date(s.first_announcement_day, d) for s, d in zip(stats, starts, strict=True)],
        ),
    ]
    gates = list(dict.fromkeys(g.gate for s in stats for g in s.gates))
    for gate in gates:
        cells = []
        for s, start in zip(stats, starts, strict=True):
            found = [g for g in s.gates if g.gate == gate]
            if not found:
                cells.append("—")
                continue
            g = found[0]
            cells.append(
                f"{of(g.resolved, s.runs)}, median {median_date(g.median_day, start)}"
                if g.resolved
                else of(0, s.runs)
            )
        rows.append((f"gate <code>{escape(gate)}</code> resolved", cells))
    return rows


def _provenance_rows(
    provs: Sequence[Provenance], results: Sequence[Estimates]
) -> list[tuple[str, list[str]]]:
    rows: list[tuple[str, list[str]]] = [
        ("scenario", [f"<code>{escape(p.scenario)}</code>" for p in provs]),
        ("title", [escape(p.scenario_title) for p in provs]),
        ("scenario file", [f"<code>{escape(p.scenario_file)}</code>" for p in provs]),
        (
            "scenario SHA-256 (resolved)",
            [f'<code class="hash">{escape(p.scenario_sha256)}</code>' for p in provs],
        ),
        ("negsim version", [escape(p.negsim_version) for p in provs]),
        ("Python, numpy", [f"{escape(p.python)}, {escape(p.numpy)}" for p in provs]),
        ("seed", [str(p.seed) for p in provs]),
        ("runs", [str(p.runs) for p in provs]),
        ("back end", [escape(p.backend) for p in provs]),
        ("wall time", [seconds(p.wall_time_s) for p in provs]),
        ("start, horizon", [f"{iso(r.start)}, {iso(r.horizon)}" for r in results]),
    ]
    if any(r.precision is not None for r in results):
        rows.append(
            (
                "runs added until every half-width ≤",
                ["—" if r.precision is None else f"{r.precision:g}" for r in results],
            )
        )
    rows.append(
        ("widest interval half-width", [f"{100 * r.max_half_width:.2f} points" for r in results])
    )
    if all(r.events is not None for r in results):
        rows.append(("events simulated", [f"{r.events:,}" for r in results]))
    return rows


def _written_at(folder: Path) -> str:
    """When the results were written (``summary.json``'s modification time, local time)."""
    stamp = (folder / "summary.json").stat().st_mtime
    return dt.datetime.fromtimestamp(stamp).astimezone().strftime("%Y-%m-%d %H:%M %Z")


def run_page(results: RunFolder, generated: str) -> str:
    """The page of one scenario's runs; ``generated`` is when, as shown on it.

    Raises
    ------
    ResultsError
        If a figure the summary lists is missing or not a PNG.
    """
    folder = results.path
    summary = results.summary
    result = summary.result
    deadlines = results.deadlines
    stats = run_stats(results.runs)
    figures = load_figures(folder, summary.files, "run", result.scenario)
    brief_items = [last_deadline_line(deadlines[-1])] if deadlines else []
    brief_items += outcome_lines(result)
    brief = (
        '<ul class="findings">'
        + "".join(f"<li>{item}</li>" for item in brief_items)
        + f'</ul>\n<p class="note">{escape(READING_RUN)}</p>'
    )
    sections = [
        section("summary", "In brief", brief),
        section(
            "deadlines",
            "Chance of convening by each deadline",
            _deadline_table(deadlines) + filter_note(summary.deadline_filter or ()) + BAR_NOTE,
        ),
        section(
            "runs",
            "How the runs went",
            key_values(_run_stats_rows([stats], [result.start]), ["", "runs"]),
        ),
        figures_section(figures),
        section(
            "provenance",
            "Where these numbers come from",
            key_values(
                [
                    *_provenance_rows([summary.provenance], [result]),
                    ("results written", [escape(_written_at(folder))]),
                    ("report generated", [escape(generated)]),
                ]
            ),
        ),
    ]
    kicker = f"negsim report · one scenario · {result.runs} runs"
    return page(
        escape(result.title), kicker, run_lede(result), [s for s in sections if s], generated
    )


def comparison_page(results: ComparisonFolder, generated: str) -> str:
    """The page of a comparison of two scenarios; ``generated`` is when, as shown on it.

    Raises
    ------
    ResultsError
        If a figure the summary lists is missing or not a PNG.
    """
    folder = results.path
    summary = results.summary
    provs = [summary.provenance.base, summary.provenance.alt]
    base, alt = summary.result.base, summary.result.alt
    runs, seed = summary.result.runs, summary.result.seed
    diffs = results.differences
    stats = [run_stats(results.base_runs), run_stats(results.alt_runs)]
    figures = load_figures(folder, summary.files, "compare", base.scenario, alt.scenario)

    title = f"Comparison: {escape(alt.scenario)} against {escape(base.scenario)}"
    both_rows: list[tuple[str, list[str]]] = [
        ("name", [f"<code>{escape(r.scenario)}</code>" for r in (base, alt)]),
        ("title", [escape(r.title) for r in (base, alt)]),
        ("scenario file", [f"<code>{escape(p.scenario_file)}</code>" for p in provs]),
        *[
            (
                f"P(convened by {escape(b.label)}, {iso(b.date)})",
                [f"{pct(d.probability)} ({pct(d.ci_low)} – {pct(d.ci_high)})" for d in (b, a)],
            )
            for b, a in zip(base.deadlines, alt.deadlines, strict=False)
        ],
        (
            "not convened by the horizon",
            [
                f"{pct(n.probability)} ({pct(n.ci_low)} – {pct(n.ci_high)})"
                for n in (base.not_convened_by_horizon, alt.not_convened_by_horizon)
            ],
        ),
        (
            "median convening date",
            [
                iso(r.median_convening_date)
                if r.median_convening_date is not None
                else "not reached"
                for r in (base, alt)
            ],
        ),
    ]
    findings = (
        '<ul class="findings">'
        + "".join(f"<li>{interpret(d, runs)}</li>" for d in diffs)
        + "</ul>"
        + pairing_note(runs)
    )
    sections = [
        section("summary", "In brief: what the change did", findings),
        section(
            "scenarios",
            "The two scenarios",
            key_values(both_rows, ["", "baseline", "alternative"]),
        ),
        section(
            "differences",
            "Differences at each deadline",
            _difference_table(diffs) + DIFFERENCES_NOTE,
        ),
        section(
            "runs",
            "How the runs went",
            key_values(
                _run_stats_rows(stats, [base.start, alt.start]), ["", "baseline", "alternative"]
            ),
        ),
        figures_section(figures),
        section(
            "provenance",
            "Where these numbers come from",
            key_values(
                [
                    *_provenance_rows(provs, [base, alt]),
                    ("results written", [escape(_written_at(folder))] * 2),
                    ("report generated", [escape(generated)] * 2),
                ],
                ["", "baseline", "alternative"],
            ),
        ),
    ]
    kicker = f"negsim report · comparison of two scenarios · {runs} paired runs"
    lede = comparison_lede(base, alt, runs, seed)
    return page(title, kicker, lede, [s for s in sections if s], generated)
