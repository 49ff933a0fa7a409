"""What ``negsim calibrate --out DIR`` writes, and its table on the terminal.

Files (each written atomically; ``calibration_result.json`` last, so a folder that has it is
complete):

``posterior.csv``
    the last generation's weighted sample (see :mod:`sim.experiments.posterior`): what
    ``negsim run --posterior`` reads;
``parameters.csv``
    per parameter: key, prior, posterior median and 90% interval;
``predictive_check.csv``
    per statistic: observed value, predictive median, 90% band, percentile, inside or not;
``calibrated.toml``
    a scenario that ``extends`` the original and sets each parameter to its posterior
    median, tagged ``# [calibrated] posterior median, 90% interval LOW to HIGH ...``;
``posterior.png``, ``predictive_check.png``
    the figures of :mod:`sim.output.calibration_figures`;
``calibration_result.json``
    everything above in one object, with the generations and why the calibration stopped.

``calibration.json`` and ``abc.db`` (pyabc's database) are the calibration's identity and
resume store, written while it runs.
"""

from __future__ import annotations

import os
from pathlib import Path

from sim.experiments.calibrate import CalibrationResult
from sim.files import atomic_write_json, atomic_write_text, csv_text
from sim.output.calibration_figures import posterior_figure, predictive_figure
from sim.output.figures import save_figure

__all__ = ["calibrated_toml", "calibration_table", "write_calibration"]


def _toml_float(value: float) -> str:
    text = f"{value:.4g}"
    return text if any(c in text for c in ".en") else text + ".0"


def calibrated_toml(result: CalibrationResult, folder: str | os.PathLike[str]) -> str:
    """The calibrated scenario: the original, extended, with each parameter at its median."""
    source = Path(result.scenario.source).resolve()
    try:
        parent = os.path.relpath(source, Path(folder).resolve())
    except ValueError:  # pragma: no cover - another drive (Windows)
        parent = str(source)
    name = f"{result.scenario.name}_calibrated"
    lines = [
        f"# {result.scenario.title}, calibrated to its record up to {result.until}.",
        f"# Written by negsim calibrate (seed {result.seed}, {len(result.generations)} "
        f"generations of {result.settings.population} particles; stopped: {result.stop}).",
        "# Each calibrated value is the posterior median; the comment gives its 90% interval.",
        "# To forecast with the whole posterior instead: negsim run FILE --posterior posterior.csv",
        "",
        f"extends = {_quote(parent)}",
        f"name = {_quote(name)}",
        f"title = {_quote(result.scenario.title + ' (calibrated)')}",
        "",
    ]
    for row in result.parameter_rows():
        lines.append(
            f"{row['key']} = {_toml_float(row['median'])}  # [calibrated] posterior median, "
            f"90% interval {row['q05']:.4g} to {row['q95']:.4g} (prior {row['prior']} "
            f"{row['low']:g} to {row['high']:g}; record to {result.until})"
        )
    return "\n".join(lines) + "\n"


def _quote(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def write_calibration(result: CalibrationResult, folder: str | os.PathLike[str]) -> list[Path]:
    """Write the calibration's files into ``folder``; return their paths."""
    out = Path(folder)
    written = []
    files = {
        "posterior.csv": result.posterior.csv_text(),
        "parameters.csv": csv_text(
            result.parameter_rows(), ["id", "key", "prior", "low", "high", "median", "q05", "q95"]
        ),
        "predictive_check.csv": csv_text(
            result.check.rows(),
            ["statistic", "observed", "median", "low", "high", "percentile", "inside"],
        ),
        "calibrated.toml": calibrated_toml(result, out),
    }
    for name, text in files.items():
        atomic_write_text(out / name, text)
        written.append(out / name)
    save_figure(posterior_figure(result), out / "posterior.png")
    title = f"{result.scenario.name}, record to {result.until}"
    save_figure(predictive_figure(result.check, title), out / "predictive_check.png")
    written += [out / "posterior.png", out / "predictive_check.png"]
    atomic_write_json(out / "calibration_result.json", result.to_json())
    written.append(out / "calibration_result.json")
    return written


def calibration_table(result: CalibrationResult) -> str:
    """The parameters and the predictive check, as text for the terminal."""
    lines = [
        f"Calibration of {result.scenario.name} to its record up to {result.until} "
        f"(seed {result.seed}; {result.backend})",
        f"Stopped: {result.stop}",
        "",
        "generation  epsilon     simulations  acceptance",
    ]
    for g in result.generations:
        lines.append(f"{g.t:>10}  {g.epsilon:<10.4g}  {g.simulations:>11}  {g.acceptance:>10.1%}")
    lines += ["", f"{'parameter':<24} {'median':>10}  90% interval          prior"]
    for row in result.parameter_rows():
        lines.append(
            f"{row['id']:<24} {row['median']:>10.4g}  {row['q05']:>9.4g} to {row['q95']:<9.4g}"
            f"  {row['prior']} {row['low']:g} to {row['high']:g}"
        )
    rows = result.check.rows()
    inside = sum(r["inside"] for r in rows)
    lines += [
        "",
        f"Posterior predictive check ({result.check.simulated.shape[0]} runs): {inside} of "
        f"{len(rows)} observed values inside their 90% band",
        f"{'statistic':<48} {'observed':>8}  {'90% band':>13}  {'pct':>4}",
    ]
    for r in rows:
        mark = "" if r["inside"] else "  OUTSIDE"
        lines.append(
            f"{r['statistic']:<48} {r['observed']:>8.3g}  {r['low']:>5.3g} to {r['high']:<5.3g}"
            f"  {100 * r['percentile']:>3.0f}%{mark}"
        )
    return "\n".join(lines) + "\n"
