"""The pages of a sweep's and a sensitivity analysis's folders.

:func:`sweep_page` shows, from a folder read by
:func:`sim.output.sweep_readers.read_sweep`, the design, the chance of each
deadline's stage at every point (with 95% intervals), every stage and ending
by the last deadline at every point, the figures and the provenance.
:func:`sensitivity_page` shows, from :func:`~sim.output.sweep_readers.read_sensitivity`,
the set-up, the notes on how far the indices can be trusted, the indices of
every output that varied (and which did not), the figures and the provenance.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sim.output.report.figures import figures_section, load_figures
from sim.output.report.markup import (
    deadline_cell,
    escape,
    iso,
    key_values,
    long_date,
    page,
    pct,
    seconds,
    section,
    table,
)
from sim.output.report.pages import provenance_rows, written_at
from sim.output.sweep_figures import sobol_figure_names, sweep_figure_names
from sim.output.sweep_readers import SensitivityFolder, SweepFolder
from sim.output.sweep_records import SweepSummary

__all__ = ["POINTS_PER_TABLE", "sensitivity_page", "sweep_page"]

#: Points side by side in one table of a sweep's page.
POINTS_PER_TABLE = 6


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def _param(p: Mapping[str, Any]) -> str:
    key = f"<code>{escape(p.get('key', ''))}</code>"
    if "values" in p:
        values = ", ".join(escape(_value(v)) for v in p.get("values") or [])
        return f"{key}: the values {values}"
    kind = "whole numbers" if p.get("integer") else "numbers"
    return f"{key}: {kind} from {escape(_value(p.get('low')))} to {escape(_value(p.get('high')))}"


def _point(values: Mapping[str, Any]) -> str:
    return ", ".join(f"{escape(k)}={escape(_value(v))}" for k, v in values.items())


def _sweep_findings(folder: SweepFolder) -> list[str]:
    s = folder.summary
    found = []
    for d in s.deadlines:
        shares = [p.outcomes[d.name, d.stage] for p in folder.points]
        low = min(range(len(shares)), key=lambda i: shares[i].probability)
        high = max(range(len(shares)), key=lambda i: shares[i].probability)
        stage = next(st.label for st in s.stages if st.name == d.stage)
        lead = (
            f"<strong>{escape(d.label)}</strong> ({escape(long_date(d.date))}), "
            f"<strong>{escape(stage)}</strong>: "
        )
        if shares[low].probability == shares[high].probability:
            found.append(lead + f"{pct(shares[low].probability)} at every point.")
        else:
            found.append(
                lead + f"from {pct(shares[low].probability)} (point {low}: "
                f"{_point(folder.points[low].values)}) to {pct(shares[high].probability)} "
                f"(point {high}: {_point(folder.points[high].values)})."
            )
    return found


def _point_names(s: SweepSummary, folder: SweepFolder) -> list[str]:
    if len(s.keys) == 1:
        key = s.keys[0]
        return [escape(_value(p.values[key])) for p in folder.points]
    return [f"point {p.index}" for p in folder.points]


def _sweep_tables(folder: SweepFolder) -> str:
    s = folder.summary
    names = _point_names(s, folder)
    several = len({d.stage for d in s.deadlines}) > 1
    labels = {st.name: st.label for st in s.stages}
    html = []
    if len(s.keys) == 1:
        html.append(f'<p class="note">Columns: <code>{escape(s.keys[0])}</code> =</p>')
    else:
        items = "".join(f"<li>point {p.index}: {_point(p.values)}</li>" for p in folder.points)
        html.append(f'<ul class="note">{items}</ul>')
    for first in range(0, len(folder.points), POINTS_PER_TABLE):
        block = folder.points[first : first + POINTS_PER_TABLE]
        rows = []
        for d in s.deadlines:
            cells = [deadline_cell(d.label, d.date)]
            if several:
                cells.append(escape(labels.get(d.stage, d.stage)))
            for p in block:
                o = p.outcomes[d.name, d.stage]
                cells.append(f"{pct(o.probability)}<br>{pct(o.ci_low)} – {pct(o.ci_high)}")
            rows.append(cells)
        head = ["deadline", *(["stage"] if several else [])]
        numeric = set(range(len(head), len(head) + len(block)))
        html.append(table([*head, *(names[p.index] for p in block)], rows, numeric))
    return "".join(html)


def _last_deadline_table(folder: SweepFolder) -> str:
    s = folder.summary
    if not s.deadlines:
        return ""
    last = s.deadlines[-1]
    outcomes = [*s.stages, *s.endings]
    header = ["point", *(escape(o.label) for o in outcomes)]
    rows = [
        [
            f"{p.index}: {_point(p.values)}",
            *(pct(p.outcomes[last.name, o.name].probability) for o in outcomes),
        ]
        for p in folder.points
    ]
    return table(header, rows, set(range(1, len(header)))) + (
        f'<p class="note">By {escape(last.label)} ({iso(last.date)}). Every stage and ending by '
        "every deadline, with 95% intervals: sweep_outcomes.csv.</p>"
    )


def _experiment_provenance(
    folder_written: str, generated: str, s: Any, extra: Sequence[tuple[str, list[str]]]
) -> str:
    rows = [
        *provenance_rows([s]),
        *extra,
        ("back end", [escape(s.backend)]),
        ("points taken from the results log (--resume)", [str(s.points_resumed)]),
        ("wall time", [seconds(s.wall_time_s)]),
        ("results written", [escape(folder_written)]),
        ("report generated", [escape(generated)]),
    ]
    return section("provenance", "Where these numbers come from", key_values(rows))


def sweep_page(folder: SweepFolder, generated: str) -> str:
    """The page of a sweep; ``generated`` is when, as shown on it.

    Raises
    ------
    ResultsError
        If one of the sweep's figures is missing or not a PNG.
    """
    s = folder.summary
    ids = [d.name for d in s.deadlines]
    labels = {d.name: d.label for d in s.deadlines}
    figures = load_figures(folder.path, sweep_figure_names(len(s.keys), ids), "sweep", labels)
    design = (
        f"A {escape(s.design.kind)} design of {len(folder.points)} points over "
        + "; ".join(_param(p) for p in s.design.params)
        + f". {s.runs_per_point} runs at every point, the same seeds at every point (common "
        f"random numbers), seed {s.seed}."
    )
    brief = (
        f"<p>{design}</p><p>The chance of each deadline's stage by it, across the points:</p>"
        '<ul class="findings">'
        + "".join(f"<li>{x}</li>" for x in _sweep_findings(folder))
        + "</ul>"
    )
    several = len(s.stages) > 1 or bool(s.endings)
    sections = [
        section("summary", "In brief", brief),
        section(
            "points",
            "Each deadline's stage at every point",
            _sweep_tables(folder)
            + '<p class="note">Each cell: the share of runs that reached the deadline\'s stage '
            "by it, over its 95% Wilson interval.</p>",
        ),
        section(
            "outcomes", "Every stage and ending by the last deadline", _last_deadline_table(folder)
        )
        if several
        else "",
        figures_section(figures),
        _experiment_provenance(
            written_at(folder.path, "sweep.json"),
            generated,
            s,
            [
                ("design", [escape(s.design.kind) + f", seed {s.design.seed}"]),
                ("runs per point, seed", [f"{s.runs_per_point}, {s.seed}"]),
            ],
        ),
    ]
    kicker = f"negsim report · sweep · {len(folder.points)} points × {s.runs_per_point} runs"
    lede = f"Scenario <code>{escape(s.scenario)}</code>, parameters varied: " + ", ".join(
        f"<code>{escape(k)}</code>" for k in s.keys
    )
    return page(escape(s.scenario_title), kicker, lede + ".", [x for x in sections if x], generated)


def _index_cell(index: Mapping[str, Any], name: str) -> str:
    return (
        f'{float(index[name]):.2f}<br><span class="date">{float(index[name + "_low"]):.2f} – '
        f"{float(index[name + '_high']):.2f}</span>"
    )


def sensitivity_page(folder: SensitivityFolder, generated: str) -> str:
    """The page of a sensitivity analysis; ``generated`` is when, as shown on it.

    Raises
    ------
    ResultsError
        If one of the analysis's figures is missing or not a PNG.
    """
    s = folder.summary
    ids = [d.name for d in s.deadlines]
    labels = {d.name: d.label for d in s.deadlines}
    outcome_labels = {o.name: o.label for o in (*s.stages, *s.endings)}
    figures = load_figures(folder.path, sobol_figure_names(ids), "sensitivity", labels)
    params = [p.key for p in s.params]
    ranges = "; ".join(
        f"<code>{escape(p.key)}</code> from {escape(_value(p.low))} to {escape(_value(p.high))}"
        + (" (whole numbers)" if p.integer else "")
        for p in s.params
    )
    undefined = [o for o in s.outputs if folder.undefined(o)]
    notes = "".join(f"<li>{escape(n)}</li>" for n in s.notes)
    brief = (
        f"<p>First-order and total Sobol' indices of the chance of every stage and ending by "
        f"every deadline, over {ranges}, each uniform. N={s.samples} samples, "
        f"{s.evaluations} evaluations of {s.runs_per_point} runs each (the same seeds at every "
        f"point), seed {s.seed}; intervals: {escape(s.interval)}.</p>"
        + (
            f'<p>How far to trust them:</p><ul class="findings">{notes}</ul>'
            if notes
            else "<p>No warning: the samples and runs were enough for stable indices.</p>"
        )
        + (
            f"<p>{len(undefined)} of the {len(s.outputs)} outputs did not vary over the "
            "evaluations (every point gave the same share): their indices are undefined and are "
            "left out of the tables.</p>"
            if undefined
            else ""
        )
    )
    rows = []
    by_output = {(f"{r.deadline}/{r.outcome}", r.param): r for r in folder.rows}
    for d in s.deadlines:
        first = True
        for outcome, label in outcome_labels.items():
            output = f"{d.name}/{outcome}"
            if folder.undefined(output):
                continue
            for param in params:
                r = by_output[output, param]
                index = {
                    "first": r.first,
                    "first_low": r.first_low,
                    "first_high": r.first_high,
                    "total": r.total,
                    "total_low": r.total_low,
                    "total_high": r.total_high,
                }
                rows.append(
                    [
                        deadline_cell(d.label, d.date) if first else "",
                        escape(label),
                        f"<code>{escape(param)}</code>",
                        _index_cell(index, "first"),
                        _index_cell(index, "total"),
                    ]
                )
                first = False
    indices = (
        table(["deadline", "stage or ending", "parameter", "first-order", "total"], rows, {3, 4})
        if rows
        else "<p>No output varied: there are no indices to show.</p>"
    )
    sections = [
        section("summary", "In brief", brief),
        section(
            "indices",
            "Indices of the outputs that varied",
            indices
            + '<p class="note">Each cell: the estimate over its 95% bootstrap interval. The '
            "first-order index is the share of the output's variance a parameter explains "
            "alone, the total index with its interactions; true indices lie from 0 to 1, and "
            "estimates outside that range are noise.</p>",
        ),
        figures_section(figures),
        _experiment_provenance(
            written_at(folder.path, "sensitivity.json"),
            generated,
            s,
            [("samples, runs per point, seed", [f"{s.samples}, {s.runs_per_point}, {s.seed}"])],
        ),
    ]
    kicker = f"negsim report · sensitivity analysis · {s.evaluations} evaluations"
    lede = f"Scenario <code>{escape(s.scenario)}</code>, parameters: " + ", ".join(
        f"<code>{escape(k)}</code>" for k in params
    )
    return page(escape(s.scenario_title), kicker, lede + ".", sections, generated)
