"""Readable text tables of Monte Carlo results and comparisons."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sim.experiments.compare import Comparison
    from sim.experiments.montecarlo import MonteCarloResult

__all__ = ["comparison_table", "deadline_table", "format_table"]


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


def deadline_table(result: MonteCarloResult, names: Sequence[str] | None = None) -> str:
    """P(convened by each deadline) with 95% Wilson intervals, and the summary lines."""
    s = result.scenario
    rows = []
    for e in result.deadlines():
        if names and e.deadline.id not in names:
            continue
        p = e.proportion
        rows.append(
            [
                e.deadline.label,
                e.deadline.date.isoformat(),
                _pct(p.estimate),
                f"{_pct(p.low)} – {_pct(p.high)}",
                f"{p.successes}/{p.n}",
            ]
        )
    table = format_table(
        ["deadline", "date", "P(by date)", "95% interval", "runs"], rows, right={2, 3, 4}
    )
    never = result.not_convened()
    median = result.median_day()
    median_text = (
        f"{s.date_of(median).isoformat()} (day {median:g})"
        if median is not None
        else "not reached: fewer than half the runs convene by the horizon"
    )
    precision = (
        f"; runs added until every half-width <= {result.precision:g}"
        if result.precision is not None
        else ""
    )
    lines = [
        s.title,
        f"{result.runs} runs, seed {result.seed}, {result.backend}, "
        f"{result.wall_time:.1f} s{precision}",
        "",
        table,
        "",
        f"Not convened by the horizon ({s.horizon.isoformat()}): {_pct(never.estimate)} "
        f"({_pct(never.low)} – {_pct(never.high)})",
        f"Median convening date (Kaplan–Meier): {median_text}",
        f"Widest 95% interval half-width: {100 * result.max_half_width():.2f} points",
    ]
    return "\n".join(lines) + "\n"


def comparison_table(comparison: Comparison) -> str:
    """Both probabilities, the paired difference, McNemar's p and the width ratio per deadline."""
    base = comparison.base.scenario
    alt = comparison.alt.scenario
    rows = []
    for d in comparison.differences():
        x = d.difference
        rows.append(
            [
                d.deadline.label,
                d.deadline.date.isoformat(),
                _pct(x.p_a),
                _pct(x.p_b),
                f"{100 * x.difference:+.1f}",
                f"{100 * x.low:+.1f} – {100 * x.high:+.1f}",
                f"{x.mcnemar_p:.3g}",
                f"{x.width_ratio:.2f}" if x.width_ratio == x.width_ratio else "—",
            ]
        )
    table = format_table(
        [
            "deadline",
            "date",
            "base",
            "alt",
            "diff (pts)",
            "95% interval (pts)",
            "McNemar p",
            "width ratio",
        ],
        rows,
        right={2, 3, 4, 5, 6, 7},
    )
    lines = [
        f"base: {base.name} — {base.title}",
        f"alt:  {alt.name} — {alt.title}",
        f"{comparison.base.runs} paired runs, seed {comparison.base.seed} "
        "(run i of each shares its seed; each actor has its own random stream)",
        "",
        table,
        "",
        "diff = alt − base in percentage points; interval: Newcombe's paired method 10; "
        "McNemar: exact, two-sided.",
        "width ratio = paired / unpaired interval width: below 1, pairing made the difference "
        "that much sharper.",
    ]
    return "\n".join(lines) + "\n"
