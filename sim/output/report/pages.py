"""The pages of a run's and a comparison's folders.

:func:`run_page` and :func:`comparison_page` lay out, from a folder read by
:func:`sim.output.readers.read_results`, the sections of the page: in brief,
the deadline tables (every stage and ending), how the runs went, the figures
and the provenance. What they share with the pages of sweeps and sensitivity
analyses (:mod:`sim.output.report.experiment_pages`) is at the end.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sim.experiments.frames import (
    ANNOUNCEMENTS,
    ENDING,
    ENDING_DAY,
    FIRST_ANNOUNCEMENT_DAY,
    GATE_DAY,
    GATE_REOPENED,
    POSTPONEMENTS,
)
from sim.output.readers import ComparisonFolder, RunFolder, RunsTable
from sim.output.records import (
    DeadlineDifference,
    Estimates,
    Paired,
    Provenance,
    ScenarioProvenance,
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
    paragraphs,
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
    WIDTH_RATIO_NOTE,
    change_name,
    comparison_lede,
    filter_note,
    interpret,
    pairing_note,
    run_findings,
    run_lede,
)

__all__ = [
    "RunStats",
    "comparison_page",
    "comparison_title",
    "provenance_rows",
    "run_page",
    "run_stats",
    "scenario_file",
    "written_at",
]


@dataclass(frozen=True, slots=True)
class RunStats:
    """How one scenario's runs went: announcements, postponements, questions, endings.

    ``gates`` and ``endings`` hold ``(id, how many runs, median day or None)``;
    ``reopened`` ``(gate id, runs that reopened it)``. Days are days since the start.
    """

    runs: int
    announced: int
    postponed: int
    first_announcement_day: float | None
    gates: tuple[tuple[str, int, float | None], ...]
    reopened: tuple[tuple[str, int], ...]
    endings: tuple[tuple[str, int, float | None], ...]


def _median(values: Sequence[float]) -> float | None:
    return statistics.median(values) if values else None


def run_stats(runs: RunsTable) -> RunStats:
    """Announcements, postponements, questions settled and reopened, endings, over the runs."""
    firsts = [d for d in runs.column(FIRST_ANNOUNCEMENT_DAY) if d is not None]
    gates = []
    for gate in runs.ids(GATE_DAY):
        days = [d for d in runs.column(GATE_DAY, gate) if d is not None]
        gates.append((gate, len(days), _median(days)))
    reopened = tuple(
        (gate, sum(n > 0 for n in runs.column(GATE_REOPENED, gate)))
        for gate in runs.ids(GATE_REOPENED)
    )
    ended: dict[str, list[float]] = {}
    for name, day in zip(runs.column(ENDING), runs.column(ENDING_DAY), strict=True):
        if name is not None and day is not None:
            ended.setdefault(name, []).append(day)
    return RunStats(
        runs=runs.runs,
        announced=sum(n > 0 for n in runs.column(ANNOUNCEMENTS)),
        postponed=sum(n > 0 for n in runs.column(POSTPONEMENTS)),
        first_announcement_day=_median(firsts),
        gates=tuple(gates),
        reopened=reopened,
        endings=tuple((name, len(days), _median(days)) for name, days in ended.items()),
    )


# -- tables ------------------------------------------------------------------------------


def _deadline_table(e: Estimates) -> str:
    several = len({d.stage for d in e.deadlines}) > 1
    rows = []
    for d in e.deadlines:
        cells = [deadline_cell(d.label, d.date)]
        if several:
            cells.append(escape(d.stage_label))
        if d.from_record:
            said = "met" if d.reached == d.runs else "missed"
            cells += [f"{said} (record)", "—", "—", ""]
        else:
            cells += [
                pct(d.probability),
                f"{pct(d.ci_low)} – {pct(d.ci_high)}",
                f"{d.reached} / {d.runs}",
                bar(d.probability, d.ci_low, d.ci_high),
            ]
        rows.append(cells)
    first = ["deadline", *(["stage"] if several else [])]
    stage = "" if several else f" ({escape(e.deadlines[0].stage_label)})" if e.deadlines else ""
    numeric = {len(first), len(first) + 1, len(first) + 2}
    return table(
        [*first, f"P(reached by then){stage}", "95% interval", "runs", "0 – 100%"], rows, numeric
    )


def _moved_note(e: Estimates) -> str:
    moved = [d for d in e.deadlines if d.moved > 0 and not d.from_record]
    if not moved:
        return ""
    items = "".join(
        f"<li>{escape(d.label)}: extended in {pct(d.moved)} of the runs (median date "
        f"{iso(day_date(e.start, d.final_day_median))}); by its original date "
        f"{iso(d.date)}: {pct(d.probability_by_original_date)}.</li>"
        for d in moved
    )
    return (
        '<p class="note">"By then" is by where the deadline stood in each run: extensions '
        f'move it.</p><ul class="note">{items}</ul>'
    )


def _outcomes_table(e: Estimates) -> str:
    """Every stage and ending by each deadline: one column per outcome."""
    if not e.deadlines:
        return ""
    outcomes = e.deadlines[0].outcomes
    header = [
        "deadline",
        *(f'{escape(o.label)}<br><span class="date">{escape(o.kind)}</span>' for o in outcomes),
    ]
    rows = [
        [deadline_cell(d.label, d.date), *(pct(o.probability) for o in d.outcomes)]
        for d in e.deadlines
    ]
    by = e.by_horizon
    rows.append(
        [
            f"by the horizon<br>{iso(e.horizon)}",
            *(pct(o.probability) for o in by.outcomes),
        ]
    )
    return table(header, rows, set(range(1, len(header)))) + (
        '<p class="note">The share of runs that had reached each stage, or ended so, by each '
        f"deadline. Still open by the horizon: {pct(by.still_open.probability)}. Intervals "
        "for every cell are in deadlines.csv.</p>"
    )


def _paired_cells(x: Paired) -> list[str]:
    return [
        pct(x.base_probability),
        pct(x.alt_probability),
        pts(x.difference),
        f"{pts(x.ci_low)} to {pts(x.ci_high)}",
        f"{x.only_base} / {x.only_alt}",
        p_value(x.mcnemar_p),
        "—" if x.all_alike or x.width_ratio is None else f"{x.width_ratio:.2f}",
    ]


_PAIRED_HEADER = [
    "baseline",
    "alternative",
    "difference (points)",
    "paired 95% interval (points)",
    "runs only in baseline / only in alternative",
    "McNemar p",
    "width ratio",
]


def _difference_table(diffs: Sequence[DeadlineDifference]) -> str:
    several = len({d.stage for d in diffs}) > 1
    rows = [
        [
            deadline_cell(d.label, d.date),
            *([escape(d.stage_label)] if several else []),
            *_paired_cells(d),
        ]
        for d in diffs
    ]
    first = ["deadline", *(["stage"] if several else [])]
    return table([*first, *_PAIRED_HEADER], rows, set(range(len(first), len(first) + 7)))


def _every_outcome_table(diffs: Sequence[DeadlineDifference]) -> str:
    rows = []
    groups = []
    for d in diffs:
        for k, o in enumerate(d.outcomes):
            cell = deadline_cell(d.label, d.date) if k == 0 else ""
            groups.append(k == 0)
            rows.append([cell, escape(o.label), *_paired_cells(o)[:6]])
    html = table(["deadline", "stage or ending", *_PAIRED_HEADER[:6]], rows, set(range(2, 8)))
    # Mark the first row of each deadline, so the groups read apart.
    parts = html.split("<tr>")
    head, body = parts[:2], parts[2:]
    marked = [
        ('<tr class="group">' if first else "<tr>") + part
        for first, part in zip(groups, body, strict=True)
    ]
    return "<tr>".join(head) + "".join(marked)


# -- how the runs went, provenance ---------------------------------------------------------


def _median_date(day: float | None, start: dt.date) -> str:
    return "—" if day is None else iso(day_date(start, day))


def _run_stats_rows(
    stats: Sequence[RunStats], starts: Sequence[dt.date], labels: dict[str, str]
) -> list[tuple[str, list[str]]]:
    pairs = list(zip(stats, starts, strict=True))
    rows: list[tuple[str, list[str]]] = [
        ("a date announced at least once", [of(s.announced, s.runs) for s in stats]),
        ("a date postponed at least once", [of(s.postponed, s.runs) for s in stats]),
        (
            "first announcement (median date, runs that announced)",
            [_median_date(s.first_announcement_day, d) for s, d in pairs],
        ),
    ]

    def named(
        items: Sequence[tuple[str, int, float | None]], name: str
    ) -> tuple[int, float | None]:
        return next(((n, m) for i, n, m in items if i == name), (0, None))

    gates = list(dict.fromkeys(g for s in stats for g, _, _ in s.gates))
    for gate in gates:
        cells = []
        for s, start in pairs:
            n, median = named(s.gates, gate)
            cells.append(
                f"{of(n, s.runs)}, median {_median_date(median, start)}" if n else of(0, s.runs)
            )
        rows.append((f"question <code>{escape(gate)}</code> settled", cells))
    for gate in dict.fromkeys(g for s in stats for g, _ in s.reopened):
        cells = [of(next((n for g, n in s.reopened if g == gate), 0), s.runs) for s in stats]
        rows.append((f"question <code>{escape(gate)}</code> reopened", cells))
    for ending, label in labels.items():
        cells = []
        for s, start in pairs:
            n, median = named(s.endings, ending)
            cells.append(
                f"{of(n, s.runs)}, median {_median_date(median, start)}" if n else of(0, s.runs)
            )
        rows.append((f"ended: {escape(label)}", cells))
    return rows


def scenario_file(p: ScenarioProvenance) -> str:
    """The scenario's file, a packaged one named as such (HTML)."""
    if p.packaged:
        return f"packaged with negsim: <code>{escape(p.scenario_file)}</code>"
    return f"<code>{escape(p.scenario_file)}</code>"


def _overrides_cell(p: ScenarioProvenance) -> str:
    if not p.overrides:
        return "none"
    return "<br>".join(
        f"<code>{escape(k)}={escape(str(v).lower() if isinstance(v, bool) else v)}</code>"
        for k, v in p.overrides.items()
    )


def provenance_rows(provs: Sequence[ScenarioProvenance]) -> list[tuple[str, list[str]]]:
    """Rows naming where the results came from (scenario, file, values set, versions)."""
    return [
        ("scenario", [f"<code>{escape(p.scenario)}</code>" for p in provs]),
        ("title", [escape(p.scenario_title) for p in provs]),
        ("scenario file", [scenario_file(p) for p in provs]),
        ("values set on the command line", [_overrides_cell(p) for p in provs]),
        (
            "scenario SHA-256 (resolved)",
            [f'<code class="hash">{escape(p.scenario_sha256)}</code>' for p in provs],
        ),
        ("negsim version", [escape(p.negsim_version) for p in provs]),
        (
            "Python, numpy, scipy",
            [f"{escape(p.python)}, {escape(p.numpy)}, {escape(p.scipy)}" for p in provs],
        ),
    ]


def _run_provenance_rows(
    provs: Sequence[Provenance], results: Sequence[Estimates]
) -> list[tuple[str, list[str]]]:
    rows = provenance_rows(provs)
    rows += [
        ("seed", [str(p.seed) for p in provs]),
        ("runs", [str(p.runs) for p in provs]),
        ("back end", [escape(p.backend) for p in provs]),
        ("wall time", [seconds(p.wall_time_s) for p in provs]),
        (
            "start, forecast origin, horizon",
            [f"{iso(r.start)}, {iso(r.as_of)}, {iso(r.horizon)}" for r in results],
        ),
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
    rows.append(("events simulated", [f"{r.events:,}" for r in results]))
    return rows


def written_at(folder: Path, name: str) -> str:
    """When the results were written (the modification time of ``name``, local time)."""
    stamp = (folder / name).stat().st_mtime
    return dt.datetime.fromtimestamp(stamp).astimezone().strftime("%Y-%m-%d %H:%M %Z")


# -- the pages ------------------------------------------------------------------------------


def run_page(results: RunFolder, generated: str) -> str:
    """The page of one scenario's runs; ``generated`` is when, as shown on it.

    Raises
    ------
    ResultsError
        If a figure the summary lists is missing or not a PNG.
    """
    folder = results.path
    summary = results.summary
    e = summary.result
    figures = load_figures(folder, summary.files, "run")
    brief = (
        '<ul class="findings">'
        + "".join(f"<li>{item}</li>" for item in run_findings(e))
        + f'</ul>\n<p class="note">{escape(READING_RUN)}</p>'
    )
    several = len(e.stages) > 1 or bool(e.endings)
    labels = {x.name: x.label for x in e.endings}
    sections = [
        section("summary", "In brief", brief),
        section(
            "deadlines",
            "Each deadline: the chance its stage is reached by then",
            _deadline_table(e)
            + _moved_note(e)
            + filter_note(summary.deadline_filter or ())
            + BAR_NOTE,
        ),
        section("outcomes", "Every stage and ending by each deadline", _outcomes_table(e))
        if several
        else "",
        section(
            "runs",
            "How the runs went",
            key_values(_run_stats_rows([run_stats(results.runs)], [e.start], labels), ["", "runs"]),
        ),
        figures_section(figures),
        section(
            "provenance",
            "Where these numbers come from",
            key_values(
                [
                    *_run_provenance_rows([summary.provenance], [e]),
                    ("results written", [escape(written_at(folder, "summary.json"))]),
                    ("report generated", [escape(generated)]),
                ]
            ),
        ),
    ]
    kicker = f"negsim report · one scenario · {e.runs} runs"
    description = summary.provenance.scenario_description
    lede = run_lede(e) + (
        f'</p><div class="description">{paragraphs(description)}</div><p class="lede">'
        if description.strip()
        else ""
    )
    return page(escape(e.title), kicker, lede, [s for s in sections if s], generated)


def comparison_title(base: ScenarioProvenance, alt: ScenarioProvenance) -> str:
    """A comparison's title, as text: the alternative's question, or both titles, or the values."""
    if alt.scenario_title != base.scenario_title:
        if alt.scenario_title.rstrip().endswith("?"):
            return alt.scenario_title
        return f"{alt.scenario_title}, against {base.scenario_title}"
    changed = [f"{k}={v}" for k, v in alt.overrides.items() if base.overrides.get(k) != v]
    if changed:
        return f"{base.scenario_title}, with {', '.join(changed)}"
    return f"Comparison: {alt.scenario} against {base.scenario}"


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
    r = summary.result
    base, alt = r.base, r.alt
    stats = [run_stats(results.base_runs), run_stats(results.alt_runs)]
    figures = load_figures(folder, summary.files, "compare", base=base.scenario, alt=alt.scenario)
    diffs = r.deadlines
    change = change_name(*provs)
    forecast = [d for d, b in zip(diffs, base.deadlines, strict=True) if not b.from_record]
    sentences = [
        interpret(d, r.runs, f"<strong>{escape(d.label)}</strong> ({iso(d.date)}): ")
        for d in forecast
    ]
    findings = (
        f'<p class="question">The change: {change}</p>'
        '<ul class="findings">'
        + "".join(f"<li>{s}</li>" for s in sentences)
        + "</ul>"
        + pairing_note(r.runs)
    )
    both_rows: list[tuple[str, list[str]]] = [
        ("name", [f"<code>{escape(x.scenario)}</code>" for x in (base, alt)]),
        ("title", [escape(x.title) for x in (base, alt)]),
        ("scenario file", [scenario_file(p) for p in provs]),
        ("values set on the command line", [_overrides_cell(p) for p in provs]),
        (
            "what it asks",
            [
                f'<div class="description">{paragraphs(p.scenario_description)}</div>'
                if p.scenario_description.strip()
                else "—"
                for p in provs
            ],
        ),
    ]
    for ob, oa in zip(base.by_horizon.outcomes, alt.by_horizon.outcomes, strict=True):
        what = "stage" if ob.kind == "stage" else "ending"
        both_rows.append(
            (
                f"by the horizon: {escape(ob.label)} ({what})",
                [f"{pct(o.probability)} ({pct(o.ci_low)} – {pct(o.ci_high)})" for o in (ob, oa)],
            )
        )
    both_rows.append(
        (
            "by the horizon: still open",
            [pct(x.by_horizon.still_open.probability) for x in (base, alt)],
        )
    )
    for sb, sa in zip(base.stages, alt.stages, strict=True):
        both_rows.append(
            (
                f"median date: {escape(sb.label)}",
                [iso(s.median_date) if s.median_date else "not reached" for s in (sb, sa)],
            )
        )
    undefined = any(o.all_alike for d in diffs for o in (d, *d.outcomes))
    several = len(base.stages) > 1 or bool(base.endings)
    labels = {x.name: x.label for x in base.endings}
    sections = [
        section("summary", "In brief: what the change did", findings),
        section(
            "differences",
            "Each deadline: its stage, with and without the change",
            _difference_table(diffs) + DIFFERENCES_NOTE + (WIDTH_RATIO_NOTE if undefined else ""),
        ),
        section(
            "outcomes",
            "Every stage and ending at each deadline",
            _every_outcome_table(diffs)
            + '<p class="note">Differences in percentage points, alternative minus baseline, '
            "with paired 95% intervals; every number is in deadlines.csv.</p>",
        )
        if several
        else "",
        section(
            "scenarios",
            "The two scenarios",
            key_values(both_rows, ["", "baseline", "alternative"]),
        ),
        section(
            "runs",
            "How the runs went",
            key_values(
                _run_stats_rows(stats, [base.start, alt.start], labels),
                ["", "baseline", "alternative"],
            ),
        ),
        figures_section(figures),
        section(
            "provenance",
            "Where these numbers come from",
            key_values(
                [
                    *_run_provenance_rows(provs, [base, alt]),
                    ("results written", [escape(written_at(folder, "summary.json"))] * 2),
                    ("report generated", [escape(generated)] * 2),
                ],
                ["", "baseline", "alternative"],
            ),
        ),
    ]
    kicker = f"negsim report · comparison of two scenarios · {r.runs} paired runs"
    lede = comparison_lede(base, alt, provs[0], provs[1], r.runs, r.seed)
    title = escape(comparison_title(*provs))
    return page(title, kicker, lede, [s for s in sections if s], generated)
