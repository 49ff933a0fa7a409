"""The pages of the folders that hold the model up against its record: backtests, calibrations.

:func:`backtest_page` shows, from a folder read by
:func:`sim.output.backtest_readers.read_backtest`, what the record says happened, the
scores of the model against the flat and the constant-hazard forecasters (Brier and log
score by origin and pooled), each stage's forecast date against the actual one (band,
predictive percentile, CRPS), every target, the figures and the provenance.
:func:`calibration_page` shows, from :func:`~sim.output.calibration_readers.read_calibration`,
each parameter's prior and posterior (median, 90% interval), the generations and why the
calibration stopped, the posterior predictive check (each statistic inside its 90% band or
not), the calibrated scenario as written, the figures and the provenance. Every text from
the folder is escaped.
"""

from __future__ import annotations

import datetime as dt
import math

from sim.output.backtest_readers import BacktestFolder
from sim.output.backtest_records import BACKTEST_FILES, NEVER, BacktestScores
from sim.output.calibration_readers import (
    CALIBRATED_SCENARIO,
    POSTERIOR,
    CalibrationFolder,
)
from sim.output.calibration_records import CALIBRATION_FILES, CALIBRATION_RESULT, ParameterRow
from sim.output.report.figures import figures_section, load_figures
from sim.output.report.markup import (
    date_cell,
    escape,
    iso,
    key_values,
    page,
    pct,
    seconds,
    section,
    table,
)
from sim.output.report.pages import written_at

__all__ = ["backtest_page", "calibration_page"]

#: The forecasters of a backtest, by the suffix of their scores' keys, as the page names them.
FORECASTERS = (("model", "model"), ("hazard", "constant hazard"), ("flat", "flat 0.5"))
#: How the calibrated scenario is shown: wrapped, in a grey box (the shared style has no pre).
_PRE = (
    ' style="white-space:pre-wrap;overflow-wrap:anywhere;background:#f3f5f7;'
    'padding:.5rem .75rem;font-size:.8em;line-height:1.45"'
)
#: Fewer pooled targets than this, and the page says the scores rest on few of them.
FEW_TARGETS = 30


def _score(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"


def _number(value: float) -> str:
    return f"{value:.4g}"


def _scores_cells(scores: BacktestScores) -> list[str]:
    """Brier, then log score, of each forecaster; the lowest of each in bold."""
    cells = []
    for score in ("brier", "log"):
        values = [getattr(scores, f"{score}_{key}") for key, _ in FORECASTERS]
        known = [v for v in values if v is not None]
        best = min(known) if known else None
        cells += [
            f"<strong>{_score(v)}</strong>" if v is not None and v == best else _score(v)
            for v in values
        ]
    return cells


def _verdict(scores: BacktestScores, score: str) -> str:
    """Which forecaster scored best by ``score`` (``brier`` or ``log``), in words (HTML)."""
    values = {name: getattr(scores, f"{score}_{key}") for key, name in FORECASTERS}
    if any(v is None for v in values.values()):
        return "no target to score"
    model = values["model"]
    others = [v for name, v in values.items() if name != "model"]
    listed = ", ".join(f"{escape(name)} {_score(v)}" for name, v in values.items())
    if all(model < v for v in others):
        word = "the model scored better than both naive forecasters"
    elif all(model > v for v in others):
        word = "the model scored worse than both naive forecasters"
    else:
        word = "the model scored between the two naive forecasters (or level with one)"
    return f"{listed}: {word}"


def _truth(folder: BacktestFolder) -> str:
    parts = []
    for stage, date in folder.summary.truth.items():
        when = iso(dt.date.fromisoformat(date)) if date is not None else "not within the record"
        parts.append(f"<code>{escape(stage)}</code> {when}")
    return "; ".join(parts)


def _band_name(folder: BacktestFolder) -> str:
    bands = {st.band for o in folder.summary.origins for st in o.stages}
    return f"{bands.pop():.0%} band" if len(bands) == 1 else "band"


def _backtest_brief(folder: BacktestFolder) -> str:
    s = folder.summary
    n = sum(len(o.targets) for o in s.origins)
    stages = [st for o in s.origins for st in o.stages]
    items = [
        f"What the record says happened (up to {iso(s.record_end)}): {_truth(folder)}.",
        f"<strong>Brier score</strong>, pooled over {n} target{'s' if n != 1 else ''} "
        f"(lower is better): {_verdict(s.scores, 'brier')}.",
        f"<strong>Log score</strong> (lower is better): {_verdict(s.scores, 'log')}.",
    ]
    if stages:
        inside = sum(st.inside for st in stages)
        crps = math.fsum(st.crps_days for st in stages) / len(stages)
        hazard = math.fsum(st.hazard_crps_days for st in stages) / len(stages)
        items.append(
            f"<strong>Dates</strong>: the actual date of a stage fell inside the forecast's "
            f"central {_band_name(folder)} {inside} of {len(stages)} times; mean CRPS "
            f"{crps:.1f} days for the model, {hazard:.1f} for the constant hazard (lower is "
            "better)."
        )
    few = (
        f'<p class="note">{n} targets is few, and the targets of one origin share its '
        "forecast: a difference of a few hundredths in these scores can be chance.</p>"
        if 0 < n < FEW_TARGETS
        else ""
    )
    reading = (
        '<p class="note">The Brier score is the mean squared difference between the '
        "probability forecast for a target (a stage by a deadline or a date the record named) "
        "and what happened (1 or 0): 0.25 is what a flat 0.5 scores. The log score is the "
        "mean of −ln(the probability given to what happened), in nats: 0.693 for a flat 0.5. "
        "The constant hazard forecasts that each stage comes at a steady rate, the rate that "
        "would have given it even odds in the time already elapsed.</p>"
    )
    return (
        '<ul class="findings">' + "".join(f"<li>{x}</li>" for x in items) + "</ul>" + few + reading
    )


def _scores_table(folder: BacktestFolder) -> str:
    s = folder.summary
    rows = [[iso(o.origin), str(len(o.targets)), *_scores_cells(o.scores)] for o in s.origins]
    n = sum(len(o.targets) for o in s.origins)
    rows.append(["<strong>pooled</strong>", str(n), *_scores_cells(s.scores)])
    names = [escape(name) for _, name in FORECASTERS]
    header = [
        "origin",
        "targets",
        *(f"Brier<br>{x}" for x in names),
        *(f"log score<br>{x}" for x in names),
    ]
    return table(header, rows, set(range(1, len(header)))) + (
        '<p class="note">Lower is better; the lowest of each score in a row is in bold. '
        "Every target with its three probabilities is listed below, and in targets.csv.</p>"
    )


def _stages_table(folder: BacktestFolder) -> str:
    rows = []
    for o in folder.summary.origins:
        for st in o.stages:
            rows.append(
                [
                    iso(o.origin),
                    f'<code class="nw">{escape(st.stage)}</code>',
                    iso(st.actual),
                    date_cell(st.median, NEVER),
                    f"{date_cell(st.band_low, NEVER)} to<br>{date_cell(st.band_high, NEVER)}",
                    "inside" if st.inside else "<strong>outside</strong>",
                    pct(st.reached_by_horizon),
                    f"{100 * st.percentile:.0f}% / {100 * st.hazard_percentile:.0f}%",
                    f"{st.crps_days:.1f} / {st.hazard_crps_days:.1f}",
                ]
            )
    if not rows:
        return "<p>The record reached no stage after any origin: there is no date to score.</p>"
    header = [
        "origin",
        "stage",
        "actual date",
        "forecast median",
        f"forecast {escape(_band_name(folder))}",
        "actual in the band",
        "runs that reach it by the horizon",
        "percentile<br>model / constant hazard",
        "CRPS (days)<br>model / constant hazard",
    ]
    return table(header, rows, {6, 7, 8}) + (
        '<p class="note">The percentile is where the actual date falls in the forecast '
        "distribution of the stage's date (50%: at its median; near 0% or 100%: in a tail). "
        "Over many origins a calibrated forecaster's percentiles spread evenly from 0 to 100%. "
        "The CRPS (continuous ranked probability score) is the distance, in days, between the "
        "forecast distribution and the actual date: lower is better, and it rewards forecasts "
        "that are both close and sharp. A forecast date after the horizon is "
        f"written {NEVER}.</p>"
    )


def _targets_table(folder: BacktestFolder) -> str:
    rows = [
        [
            iso(o.origin),
            f'<code class="nw">{escape(t.stage)}</code>',
            iso(t.date),
            escape(t.source),
            "yes" if t.happened else "no",
            pct(t.p_model),
            pct(t.p_hazard),
            pct(t.p_flat),
        ]
        for o in folder.summary.origins
        for t in o.targets
    ]
    if not rows:
        return "<p>No origin had a target after it: no probability was scored.</p>"
    header = [
        "origin",
        "stage",
        "by",
        "where the date comes from",
        "happened",
        "P(model)",
        "P(constant hazard)",
        "P(flat)",
    ]
    return table(header, rows, {5, 6, 7}) + (
        '<p class="note">Each target is the chance that the stage is reached by the date, '
        "forecast from the origin: a deadline of the scenario, or a date a target_date event "
        "of the record named.</p>"
    )


def backtest_page(folder: BacktestFolder, generated: str) -> str:
    """The page of a backtest; ``generated`` is when, as shown on it.

    Raises
    ------
    ResultsError
        If one of the backtest's figures is missing or not a PNG.
    """
    s = folder.summary
    figures = load_figures(folder.path, BACKTEST_FILES, "backtest")
    kind = (
        "the parameters calibrated to the record up to the origin"
        if s.calibrated
        else "the scenario's own values"
    )
    several = "s" if len(s.origins) != 1 else ""
    sections = [
        section("summary", "In brief", _backtest_brief(folder)),
        section("scores", "Scores: the model against two naive forecasters", _scores_table(folder)),
        section("dates", "The date of each stage", _stages_table(folder)),
        section("targets", "Every target", _targets_table(folder)),
        figures_section(figures),
        section(
            "provenance",
            "Where these numbers come from",
            key_values(
                [
                    ("scenario", [f"<code>{escape(s.scenario)}</code>"]),
                    (
                        "scenario SHA-256 (resolved)",
                        [f'<code class="hash">{escape(s.scenario_sha256)}</code>'],
                    ),
                    ("origins", [", ".join(iso(o.origin) for o in s.origins)]),
                    ("the record's end", [iso(s.record_end)]),
                    ("parameters", [escape(kind)]),
                    ("runs per origin, seed", [f"{s.runs}, {s.seed}"]),
                    ("negsim version", [escape(s.negsim_version)]),
                    ("back end", [escape(s.backend)]),
                    ("wall time", [seconds(s.wall_time)]),
                    ("results written", [escape(written_at(folder.path, BACKTEST_FILES[-1]))]),
                    ("report generated", [escape(generated)]),
                ]
            ),
        ),
    ]
    kicker = f"negsim report · backtest · {len(s.origins)} origin{several} × {s.runs} runs"
    lede = (
        f"Forecasts of scenario <code>{escape(s.scenario)}</code> from "
        f"{len(s.origins)} origin{several}, each made from the record up to its origin with "
        f"{escape(kind)}, and scored against what the record says happened, next to a flat and "
        "a constant-hazard forecaster on the same targets."
    )
    return page(
        f"Backtest of {escape(s.scenario)}", kicker, lede, [x for x in sections if x], generated
    )


# -- calibration ---------------------------------------------------------------------------


def _prior_share(p: ParameterRow) -> float:
    """The 90% interval's width as a share of the prior's range (on a log scale if loguniform)."""
    if p.prior == "loguniform" and p.low > 0 and p.q05 > 0:
        return (math.log(p.q95) - math.log(p.q05)) / (math.log(p.high) - math.log(p.low))
    return (p.q95 - p.q05) / (p.high - p.low)


def _dotted(key: str) -> str:
    """A dotted key that may wrap after its dots, and only there (HTML)."""
    return ".<wbr>".join(escape(part) for part in key.split("."))


def _parameters_table(folder: CalibrationFolder) -> str:
    rows = [
        [
            f'<code class="nw">{escape(p.id)}</code><br><span class="note">{_dotted(p.key)}</span>',
            f"{escape(p.prior)}<br>{_number(p.low)} to {_number(p.high)}",
            _number(p.median),
            f"{_number(p.q05)} to {_number(p.q95)}",
            f"{100 * _prior_share(p):.0f}%",
        ]
        for p in folder.summary.parameters
    ]
    header = [
        "parameter<br>key",
        "prior",
        "posterior median",
        "90% interval",
        "interval / prior range",
    ]
    return table(header, rows, {2, 3, 4}) + (
        '<p class="note">The last column is the 90% interval\'s width as a share of the '
        "prior's range (on a logarithmic scale for a loguniform prior). Near 90%: the record "
        "said little about the parameter, and its posterior is about its prior; well below: "
        "the record narrowed it down.</p>"
    )


def _generations_table(folder: CalibrationFolder) -> str:
    rows = [
        [
            str(g.generation),
            _number(g.epsilon),
            str(g.particles),
            str(g.simulations),
            pct(g.acceptance),
        ]
        for g in folder.summary.generations
    ]
    header = ["generation", "tolerance (epsilon)", "particles", "simulations", "acceptance"]
    return table(header, rows, {0, 1, 2, 3, 4}) + (
        '<p class="note">Each generation accepts the parameter sets whose runs come within its '
        "tolerance (epsilon) of the record: a distance over the statistics compared, each "
        "scaled by its spread among the runs. The scales are estimated again at every "
        "generation, so two generations' tolerances are not on the same scale; a falling "
        "acceptance rate says the posterior is narrowing.</p>"
    )


def _check_table(folder: CalibrationFolder) -> str:
    check = folder.summary.predictive_check
    rows = [
        [
            f'<code class="nw">{escape(r.statistic)}</code>',
            _number(r.observed),
            _number(r.median),
            f"{_number(r.low)} to {_number(r.high)}",
            f"{100 * r.percentile:.0f}%",
            "inside" if r.inside else "<strong>outside</strong>",
        ]
        for r in check.statistics
    ]
    band = f"{check.level:.0%} band"
    header = [
        "statistic",
        "observed",
        "predictive median",
        escape(band),
        "percentile",
        "observed in the band",
    ]
    return table(header, rows, {1, 2, 3, 4}) + (
        f'<p class="note">{check.runs} runs, each with parameters drawn from the posterior, '
        "simulated over the same window as the record. The percentile is where the observed "
        "value falls among the simulated ones. The statistics: <code>count:ACTOR:KIND:pK</code>, "
        "the actions of a kind involving an actor in period K; <code>gate:GATE</code> and "
        "<code>stage:STAGE</code>, the day (since the start) a question was first settled or "
        "a stage first reached (the window's last day plus one if not); "
        "<code>missed:DEADLINE</code>, 1 if the deadline passed with its stage unreached; "
        "<code>postponed:STAGE</code>, how often a date set for the stage was postponed; "
        "<code>rate:ACTOR:KIND</code>, the actions per 30 days over the window.</p>"
    )


def calibration_page(folder: CalibrationFolder, generated: str) -> str:
    """The page of a calibration; ``generated`` is when, as shown on it.

    Raises
    ------
    ResultsError
        If one of the calibration's figures is missing or not a PNG.
    """
    s = folder.summary
    check = s.predictive_check
    figures = load_figures(folder.path, CALIBRATION_FILES, "calibration")
    gens = len(s.generations)
    n = len(check.statistics)
    params = "".join(
        f"<li><code>{escape(p.key)}</code>: median {_number(p.median)}, 90% interval "
        f"{_number(p.q05)} to {_number(p.q95)} (prior {escape(p.prior)} {_number(p.low)} to "
        f"{_number(p.high)}).</li>"
        for p in s.parameters
    )
    expected_outside = (1.0 - check.level) * n
    brief = (
        f'<ul class="findings">{params}'
        f"<li><strong>Predictive check</strong>: {check.inside} of {n} observed statistics "
        f"inside their {check.level:.0%} band (if the model fits, about "
        f"{expected_outside:.1f} fall outside by chance).</li>"
        f"<li>Stopped: {escape(s.stop)}.</li></ul>"
    )
    sections = [
        section("summary", "In brief", brief),
        section("parameters", "Each parameter: prior and posterior", _parameters_table(folder)),
        section("check", "Posterior predictive check", _check_table(folder)),
        section("generations", "How the calibration ran", _generations_table(folder)),
        figures_section(figures),
        section(
            "calibrated",
            "The calibrated scenario",
            f"<p>{escape(CALIBRATED_SCENARIO)} sets each parameter to its posterior median; "
            f"to forecast with the whole posterior instead, run the scenario with "
            f"<code>--posterior {escape(POSTERIOR)}</code>. As written:</p>"
            f"<pre{_PRE}>{escape(folder.calibrated)}</pre>",
        ),
        section(
            "provenance",
            "Where these numbers come from",
            key_values(
                [
                    ("scenario", [f"<code>{escape(s.scenario)}</code>"]),
                    (
                        "scenario SHA-256 (resolved)",
                        [f'<code class="hash">{escape(s.scenario_sha256)}</code>'],
                    ),
                    ("the record, up to", [iso(s.until)]),
                    ("seed", [str(s.seed)]),
                    ("particles per generation (population)", [str(s.population)]),
                    ("generations", [str(gens)]),
                    ("why it stopped", [escape(s.stop)]),
                    ("simulations", [f"{s.simulations:,}"]),
                    ("predictive check runs", [str(check.runs)]),
                    ("negsim version", [escape(s.negsim_version)]),
                    ("back end", [escape(s.backend)]),
                    ("wall time (the last invocation)", [seconds(s.wall_time)]),
                    ("results written", [escape(written_at(folder.path, CALIBRATION_RESULT))]),
                    ("report generated", [escape(generated)]),
                ]
            ),
        ),
    ]
    kicker = (
        f"negsim report · calibration · {gens} generation{'s' if gens != 1 else ''} of "
        f"{s.population} particles"
    )
    lede = (
        f"The parameters of scenario <code>{escape(s.scenario)}</code> that its [calibration] "
        f"table declares, fitted to its record up to {iso(s.until)} by approximate Bayesian "
        "computation (ABC-SMC): runs from the start compared with the record's counts of "
        "actions, the days questions were settled and stages reached, and the deadlines missed."
    )
    return page(
        f"Calibration of {escape(s.scenario)} to its record up to {escape(s.until.isoformat())}",
        kicker,
        lede,
        sections,
        generated,
    )
