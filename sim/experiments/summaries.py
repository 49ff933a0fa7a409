"""The statistics a calibration compares: what the record says, and what a run says, up to a date.

A calibration (:mod:`sim.experiments.calibrate`) asks which parameter values make the model
generate the record's history by itself. Both sides are reduced to the same vector of
summary statistics over the window from the scenario start to ``until`` (inclusive):

``count:ACTOR:KIND:pK``
    how many actions of ``KIND`` involved ``ACTOR`` in period ``K`` (days
    ``K * period_days`` to ``(K + 1) * period_days - 1``; the last period ends with the
    window, so it may be shorter). An action involves its actor and, for a joint kind (a
    meeting, a joint proposal), each partner: the record files most Kerry-Lavrov meetings
    under the United States, a simulated run files half of them under Russia, and counting
    both parties makes the two agree. Failed attempts count. Only the kinds of
    ``[calibration].kinds`` (default: every kind the record holds in the window) and the
    actors that can take part in them (a move, a reaction, a partner, or the record) have a
    statistic.
``gate:GATE``
    the day a question was first settled, or ``until_day + 1`` if it was not by then;
``stage:STAGE``
    the day a stage was first reached, or ``until_day + 1``;
``missed:DEADLINE``
    1 if a deadline dated in the window passed with its stage unreached, else 0;
``postponed:STAGE``
    how many times a date set for a stage (with a lead time) was postponed in the window.

Questions settled and stages reached on day 0 have no statistic (they are not the model's
doing). The record's side comes from replaying the record with the forecast origin at
``until`` (:func:`observed`); a run's side from a run whose origin is the scenario start, so
that the model generates the window itself (:func:`window_scenario`, :func:`summarize`).

This module imports only numpy, the scenario and the engine: worker processes import it.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from sim.engine.result import RunResult, Source
from sim.engine.run import simulate
from sim.model.actions import KINDS, ActionKind
from sim.scenario.errors import ScenarioError
from sim.scenario.loader import scenario_from_dict
from sim.scenario.schema import Scenario

__all__ = [
    "SummarySpec",
    "observed",
    "summarize",
    "summary_spec",
    "window_scenario",
    "without_calibration",
]

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class SummarySpec:
    """Which statistics a calibration compares, over the window ``0 .. until_day``.

    Attributes
    ----------
    until_day
        The window's last day (days since the start, inclusive).
    period_days
        The length of a counting period, in days.
    pairs
        The ``(actor, kind)`` pairs whose actions are counted per period.
    gates, stages
        The questions and stages whose first day is a statistic.
    deadlines
        ``(id, stage index)`` of the deadlines dated in the window.
    """

    until_day: int
    period_days: int
    pairs: tuple[tuple[str, str], ...]
    gates: tuple[str, ...]
    stages: tuple[str, ...]
    deadlines: tuple[tuple[str, int], ...]
    postponable: tuple[str, ...] = ()

    @property
    def periods(self) -> int:
        """How many counting periods the window holds (the last may be shorter)."""
        return -(-(self.until_day + 1) // self.period_days)

    @property
    def names(self) -> tuple[str, ...]:
        """The statistics' names, in the order of :func:`summarize`'s vector."""
        counts = [
            f"count:{actor}:{kind}:p{k}" for actor, kind in self.pairs for k in range(self.periods)
        ]
        return (
            *counts,
            *(f"gate:{g}" for g in self.gates),
            *(f"stage:{s}" for s in self.stages),
            *(f"missed:{d}" for d, _ in self.deadlines),
            *(f"postponed:{s}" for s in self.postponable),
        )

    def to_json(self) -> dict[str, Any]:
        """The spec as plain JSON (for a calibration's identity)."""
        return {
            "until_day": self.until_day,
            "period_days": self.period_days,
            "pairs": [list(p) for p in self.pairs],
            "gates": list(self.gates),
            "stages": list(self.stages),
            "deadlines": [list(d) for d in self.deadlines],
            "postponable": list(self.postponable),
        }


def _joint(kind: str) -> bool:
    return KINDS[ActionKind(kind)].joint


def _possible_pairs(scenario: Scenario, kinds: Sequence[str]) -> set[tuple[str, str]]:
    """The ``(actor, kind)`` pairs a run can produce: moves, reactions and their partners."""
    wanted = set(kinds)
    pairs: set[tuple[str, str]] = set()
    actor_ids = [a.id for a in scenario.actors]
    for actor in scenario.actors:
        for move in actor.moves:
            kind = move.kind.value
            if kind in wanted:
                pairs.add((actor.id, kind))
                if _joint(kind):
                    pairs.update((other, kind) for other in move.targets.others)
        for rule in actor.reactions:
            kind = rule.respond.value
            if kind in wanted:
                pairs.add((actor.id, kind))
                if _joint(kind):
                    # A joint reaction without named partners is with its provoker: anyone.
                    others = rule.targets.others or rule.by or tuple(actor_ids)
                    pairs.update((other, kind) for other in others if other != actor.id)
    return pairs


def summary_spec(scenario: Scenario, until: dt.date) -> SummarySpec:
    """The statistics a calibration of ``scenario`` up to ``until`` compares.

    Parameters
    ----------
    scenario
        A validated scenario with a ``[calibration]`` table (without one, every kind the
        record holds counts, by periods of 30 days).
    until
        The window's last day, from the start to the horizon.

    Returns
    -------
    SummarySpec
        The statistics, in a fixed order.

    Raises
    ------
    ValueError
        If ``until`` is before the start or after the horizon.
    """
    until_day = scenario.day_of(until)
    if until_day < 0 or until > scenario.horizon:
        raise ValueError(
            f"until {until} is outside the scenario ({scenario.start} to {scenario.horizon})"
        )
    spec = scenario.calibration
    in_window = [e for e in scenario.events if e.day <= until_day and not e.scheduled]
    kinds = list(spec.kinds) if spec is not None and spec.kinds else []
    if not kinds:
        kinds = sorted({e.kind.value for e in in_window if not KINDS[e.kind].record_only})
    pairs = _possible_pairs(scenario, kinds)
    for event in in_window:
        kind = event.kind.value
        if kind in kinds:
            pairs.add((event.actor, kind))
            if _joint(kind):
                pairs.update((other, kind) for other in event.targets.others)
    actor_order = {a.id: i for i, a in enumerate(scenario.actors)}
    kind_order = {k: i for i, k in enumerate(kinds)}
    ordered = sorted(pairs, key=lambda p: (actor_order[p[0]], kind_order[p[1]]))
    open_gates = tuple(g.id for g in scenario.gates if not g.resolved)
    stages = tuple(s.id for s in scenario.stages)
    deadlines = tuple(
        (d.id, scenario.deadline_stage(d)) for d in scenario.deadlines if d.day <= until_day
    )
    return SummarySpec(
        until_day=until_day,
        period_days=spec.period_days if spec is not None else 30,
        pairs=tuple(ordered),
        gates=open_gates,
        stages=stages,
        deadlines=deadlines,
        postponable=tuple(s.id for s in scenario.stages if s.lead_days != (0, 0)),
    )


def summarize(result: RunResult, spec: SummarySpec) -> FloatArray:
    """The statistics of one traced run over the window, in the order of ``spec.names``.

    Raises
    ------
    ValueError
        If the run was not traced.
    """
    if result.trace is None:
        raise ValueError("summarize needs a traced run (simulate(..., trace=True))")
    periods = spec.periods
    index = {pair: i for i, pair in enumerate(spec.pairs)}
    counts = np.zeros((len(spec.pairs), periods))
    end = spec.until_day + 1
    for record in result.trace:
        if record.time >= end:
            break
        action = record.action
        if not isinstance(action, ActionKind) or (record.source is Source.WORLD):
            continue
        kind = action.value
        period = int(record.time // spec.period_days)
        row = index.get((record.actor, kind))
        if row is not None:
            counts[row, period] += 1
        if record.other and KINDS[action].joint:
            for other in record.other.split("+"):
                row = index.get((other, kind))
                if row is not None:
                    counts[row, period] += 1
    censored = float(end)
    gate_day = dict(zip(result.gate_ids, result.gate_days, strict=True))
    gates = [_capped(gate_day[g], censored) for g in spec.gates]
    stage_day = dict(zip(result.stage_ids, result.stage_days, strict=True))
    stages = [_capped(stage_day[s], censored) for s in spec.stages]
    deadline_day = dict(zip(result.deadline_ids, result.deadline_days, strict=True))
    missed = []
    for deadline, stage in spec.deadlines:
        day = deadline_day[deadline]
        missed.append(float(day <= spec.until_day and not result.reached_by(stage, day)))
    stage_index = {stage: k for k, stage in enumerate(result.stage_ids)}
    postponed = [
        float(sum(1 for t, k in result.postponements if k == stage_index[s] and t < end))
        for s in spec.postponable
    ]
    return np.concatenate([counts.ravel(), gates, stages, missed, postponed])


def _capped(day: float | None, censored: float) -> float:
    return censored if day is None or day >= censored else float(day)


def window_scenario(scenario: Scenario, until: dt.date, origin: dt.date | None = None) -> Scenario:
    """``scenario`` with its forecast origin at ``origin`` (default: the start), run to ``until``.

    The runs a calibration compares need nothing after ``until``; simulating the rest of the
    horizon would more than double their cost (measured on the Geneva-2 baseline). So the
    horizon is brought in to ``until`` plus the focal-date window (a focal deadline that
    near still draws effort inside the window), and the record events and deadlines after it
    are left out: they cannot act inside the window (a record event after the origin is
    unknown to the run; a deadline acts on its date or, when focal, within the focal window
    before it). The ``[calibration]`` table is dropped too (its ``until`` may lie after the
    new horizon). When the shortened scenario does not validate (a move that extends a
    deadline left out, say), the whole horizon is kept: the window's statistics are the same
    either way.

    Parameters
    ----------
    scenario
        A validated scenario.
    until
        The last day that matters.
    origin
        The forecast origin of the runs (default: the start, so that the model generates the
        whole window).

    Returns
    -------
    Scenario
        The scenario to run.
    """
    origin = scenario.start if origin is None else origin
    focal = scenario.mechanisms.focal_dates
    reach = int(focal.window_days) + 1 if focal.enabled else 0
    horizon = min(scenario.horizon, until + dt.timedelta(days=reach))
    data: dict[str, Any] = copy.deepcopy(dict(scenario.document))
    data.pop("calibration", None)
    data["as_of"] = origin
    if horizon < scenario.horizon:
        short = dict(data, horizon=horizon)
        for table in ("events", "deadlines"):
            entries = data.get(table)
            if isinstance(entries, Mapping):
                short[table] = {
                    key: value
                    for key, value in entries.items()
                    if not (isinstance(value, Mapping) and _after(value.get("date"), horizon))
                }
        try:
            return _build(scenario, short)
        except ScenarioError:
            pass
    return _build(scenario, data)


def _build(scenario: Scenario, data: dict[str, Any]) -> Scenario:
    return scenario_from_dict(
        data, origins=scenario.origins, source=scenario.source, default_name=scenario.name
    )


def without_calibration(scenario: Scenario) -> Scenario:
    """``scenario`` without its ``[calibration]`` table (the same runs).

    Changing a value of a scenario that has one re-checks every prior's bounds against the
    scenario (:func:`~sim.scenario.with_overrides` validates like a file): a dozen
    validations more per change. Runs that each set their own parameter values start from
    the scenario without it.
    """
    if scenario.calibration is None:
        return scenario
    data: dict[str, Any] = copy.deepcopy(dict(scenario.document))
    data.pop("calibration", None)
    return _build(scenario, data)


def _after(value: object, day: dt.date) -> bool:
    return isinstance(value, dt.date) and value > day


def observed(scenario: Scenario, spec: SummarySpec) -> FloatArray:
    """The record's statistics over the window: the record replayed up to its last day.

    Parameters
    ----------
    scenario
        A validated scenario (its ``as_of`` is ignored).
    spec
        The statistics.

    Returns
    -------
    ndarray
        The observed statistics, in the order of ``spec.names``.
    """
    until = scenario.date_of(spec.until_day)
    replay = window_scenario(scenario, until, origin=until)
    # Up to the origin only the record acts: the run's seed does not matter in the window.
    return summarize(simulate(replay, 0, 0, trace=True), spec)
