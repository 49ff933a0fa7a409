"""What ``negsim backtest --out DIR`` writes, and its table on the terminal.

Files (each written atomically; ``backtest.json`` last):

``targets.csv``
    one row per origin and target: the stage, the date, where the target comes from, whether
    it was met, and the model's, the flat and the constant-hazard forecasters' probabilities;
``stages.csv``
    one row per origin and stage the record reached after it: the actual date, the forecast
    median and 80% band, whether the actual date is inside it, the predictive percentile and
    the CRPS (days) of the model and of the constant hazard;
``reliability.png``, ``forecasts.png``
    the figures of :mod:`sim.output.backtest_figures`;
``backtest.json``
    all of it in one object, with the pooled scores.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

from sim.experiments.backtest import BAND, BacktestResult
from sim.files import atomic_write_json, atomic_write_text, csv_text
from sim.output.backtest_figures import forecasts_figure, reliability_figure
from sim.output.figures import save_figure

__all__ = ["backtest_table", "write_backtest"]


def _date(result: BacktestResult, day: float) -> str:
    return "never" if not math.isfinite(day) else result.scenario.date_of(day).isoformat()


def _target_rows(result: BacktestResult) -> list[dict[str, Any]]:
    s = result.scenario
    return [
        {
            "origin": o.origin.isoformat(),
            "stage": s.stages[t.stage].id,
            "date": s.date_of(t.day).isoformat(),
            "source": t.source,
            "happened": bool(o.outcome[i]),
            "p_model": float(o.p_model[i]),
            "p_flat": 0.5,
            "p_hazard": float(o.p_hazard[i]),
        }
        for o in result.origins
        for i, t in enumerate(o.targets)
    ]


def _stage_rows(result: BacktestResult) -> list[dict[str, Any]]:
    return [
        {
            "origin": o.origin.isoformat(),
            "stage": st.stage,
            "actual": _date(result, st.actual_day),
            "median": _date(result, st.median_day),
            "band_low": _date(result, st.low_day),
            "band_high": _date(result, st.high_day),
            "inside": st.inside,
            "percentile": st.percentile,
            "crps_days": st.crps,
            "hazard_percentile": st.hazard_percentile,
            "hazard_crps_days": st.hazard_crps,
        }
        for o in result.origins
        for st in o.stages
    ]


def write_backtest(result: BacktestResult, folder: str | os.PathLike[str]) -> list[Path]:
    """Write the backtest's files into ``folder``; return their paths."""
    out = Path(folder)
    targets = _target_rows(result)
    stages = _stage_rows(result)
    atomic_write_text(
        out / "targets.csv",
        csv_text(
            targets,
            list(targets[0])
            if targets
            else ["origin", "stage", "date", "source", "happened", "p_model", "p_flat", "p_hazard"],
        ),
    )
    atomic_write_text(
        out / "stages.csv",
        csv_text(stages, list(stages[0]) if stages else ["origin", "stage", "actual"]),
    )
    save_figure(reliability_figure(result), out / "reliability.png")
    save_figure(forecasts_figure(result), out / "forecasts.png")
    atomic_write_json(out / "backtest.json", result.to_json())
    return [
        out / n
        for n in ("targets.csv", "stages.csv", "reliability.png", "forecasts.png", "backtest.json")
    ]


def backtest_table(result: BacktestResult) -> str:
    """The scores by origin and pooled, and each stage's forecast against its date."""
    s = result.scenario
    kind = "calibrated at each origin" if result.calibrated else "the scenario's own values"
    truth = ", ".join(
        f"{st.id} {_date(result, math.inf if d is None else d)}"
        for st, d in zip(s.stages, result.real, strict=True)
    )
    lines = [
        f"Backtest of {s.name}: {len(result.origins)} origins, {result.runs} runs each "
        f"(seed {result.seed}; {kind}; {result.backend})",
        f"What happened (the record replayed): {truth}",
        "",
        "Brier score (lower is better) and log score (-mean ln p, lower is better)",
        f"{'origin':<12} {'targets':>7}  {'model':>6} {'hazard':>6} {'flat':>6}   "
        f"{'model':>6} {'hazard':>6} {'flat':>6}",
    ]
    for o in result.origins:
        sc = result.scores(o)
        lines.append(
            f"{o.origin.isoformat():<12} {len(o.targets):>7}  {sc['brier_model']:>6.3f} "
            f"{sc['brier_hazard']:>6.3f} {sc['brier_flat']:>6.3f}   {sc['log_model']:>6.3f} "
            f"{sc['log_hazard']:>6.3f} {sc['log_flat']:>6.3f}"
        )
    sc = result.scores()
    n = sum(len(o.targets) for o in result.origins)
    lines.append(
        f"{'pooled':<12} {n:>7}  {sc['brier_model']:>6.3f} {sc['brier_hazard']:>6.3f} "
        f"{sc['brier_flat']:>6.3f}   {sc['log_model']:>6.3f} {sc['log_hazard']:>6.3f} "
        f"{sc['log_flat']:>6.3f}"
    )
    lines += [
        "",
        f"The date of each stage: forecast median and central {BAND:.0%} band, the actual "
        "date's predictive percentile, CRPS in days (model; constant hazard)",
    ]
    for o in result.origins:
        for st in o.stages:
            mark = "inside" if st.inside else "OUTSIDE"
            lines.append(
                f"{o.origin.isoformat():<12} {st.stage:<12} actual {_date(result, st.actual_day)}"
                f"  median {_date(result, st.median_day)}  band {_date(result, st.low_day)} to "
                f"{_date(result, st.high_day)} ({mark})  pct {100 * st.percentile:>3.0f}%  "
                f"CRPS {st.crps:>6.1f}; {st.hazard_crps:>6.1f}"
            )
    return "\n".join(lines) + "\n"
