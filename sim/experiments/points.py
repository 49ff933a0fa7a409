"""Running the points of an experiment: what sweeps and sensitivity analyses share.

An experiment (a :class:`~sim.experiments.sweep.Sweep` or a
:class:`~sim.experiments.sensitivity.Sensitivity`) is a list of points, each a set of values of
scenario parameters by dotted key. This module builds and validates each point's scenario and
runs every point ``runs`` times through the scheduler (:mod:`sim.experiments.scheduler`),
recording how many runs reached each stage, and ended by each ending, by each deadline.

Parameters
----------
An experiment's parameters are given as :class:`~sim.experiments.designs.Range` and
:class:`~sim.experiments.designs.Choice` objects, as texts ``KEY=LOW:HIGH`` and ``KEY=A,B,C``
(see :func:`~sim.experiments.designs.parse_param`), or as a mapping from dotted key to a
2-tuple of numbers (a range; an integer range when both are ints) or a list of values (a
choice)::

    {"actors.russia.tempo_days": (2, 10), "convening.announce_threshold": [0.45, 0.55]}

Validation
----------
The base scenario is a :class:`~sim.scenario.Scenario` built in memory, or a file or packaged
name that is read once. Every point's scenario is the base with the point's values set
(:func:`~sim.scenario.with_overrides`) and passes the full validation, for *all* points before
any is run; a failure raises :class:`PointError` naming the point, the key and the problem.
Each point's scenario is built and validated once (:class:`Plan`), and kept until the
experiment has run (about 80 KB each for the baseline).

Common random numbers
---------------------
Every point runs replications ``0 .. runs - 1`` of the same master seed (replication ``i``
uses the ``i``-th child of ``SeedSequence(seed)``, as in
:func:`~sim.experiments.montecarlo.run_monte_carlo`), so a point's results equal
``run_monte_carlo(point_scenario, runs, seed)`` and differences between points are not drowned
in run-to-run noise. Two points with equal values give equal results.

Work distribution
-----------------
Each point's runs are split into chunks (at most
:data:`~sim.experiments.scheduler.MAX_CHUNK` runs each, smaller when there are fewer points
than workers); one task per (point, chunk) goes to the scheduler. The task function
(:func:`~sim.experiments.tasks.simulate_ends` by default) is top-level and depends only on
its arguments: the point's scenario, the seed and the run range. Results are therefore
identical on one process, on local processes and on a Dask cluster.

Faults and resuming
-------------------
A point is reported done, and appended to the :class:`~sim.experiments.store.PointStore` (if
one is given), when all its chunks are back, in point order. A task whose worker died is
retried once; if its worker dies again, the experiment stops with
:class:`~sim.experiments.scheduler.WorkersLost`; the store holds every finished point, and the
same experiment run again with the store reopened (``--resume``) finishes the rest. Ctrl-C
stops with :class:`~sim.errors.Interrupted`, likewise resumable. Both count the points saved.
Any other exception from a task is a fault and propagates.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import os
import platform
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from sim._version import __version__
from sim.errors import InputError, Interrupted, one_line
from sim.experiments.custom import CustomOutcome, CustomSummary
from sim.experiments.designs import Choice, Design, DesignError, Param, Range, Scalar, parse_param
from sim.experiments.executors import Backend, ExecutorSpec
from sim.experiments.scheduler import (
    MAX_CHUNK,
    ProgressCallback,
    Scheduler,
    Tally,
    Task,
    WorkersLost,
)
from sim.experiments.store import PointRecord, PointStore, StoreError, read_log
from sim.experiments.tasks import Ends, TaskFunction
from sim.scenario import Scenario, ScenarioError, find_scenario, load_scenario, with_overrides
from sim.scenario.loader import SET_SOURCE

__all__ = [
    "ParamsLike",
    "Plan",
    "PointError",
    "ScenarioLike",
    "base_scenario",
    "check_count",
    "count_outcomes",
    "format_value",
    "normalise_params",
    "outcome_ids",
    "point_scenarios",
    "provenance",
    "run_points",
    "scenario_origin",
]


ScenarioLike = Scenario | str | os.PathLike[str] | None
"""A scenario built in memory, a scenario file, a packaged name, or ``None`` (the baseline)."""

ParamsLike = Sequence[Param | str] | Param | str | Mapping[str, Any]
"""Parameters as objects, as ``KEY=...`` texts, or as a mapping (see the module notes)."""


class PointError(InputError):
    """A point of an experiment whose scenario fails validation.

    The message is one line naming the point (its index, counting from 0, as in
    ``sweep.csv``), the key and what is wrong.
    """


@dataclass(frozen=True)
class Plan:
    """An experiment's points with their validated scenarios: what ``run()`` runs.

    ``validate()`` of a sweep or an analysis returns it; give it back to ``run(plan=...)`` so
    that nothing is read or validated twice.

    Attributes
    ----------
    base : Scenario
        The scenario the points change (its deadlines name the results' columns).
    points : tuple of dict
        Each point's values, by dotted key.
    scenarios : tuple of Scenario
        Each point's validated scenario.
    design : Design, optional
        A sweep's design.
    custom : tuple of CustomOutcome
        The custom outcomes to evaluate on every run.
    """

    base: Scenario
    points: tuple[dict[str, Scalar], ...]
    scenarios: tuple[Scenario, ...]
    design: Design | None = None
    custom: tuple[CustomOutcome, ...] = ()


# -- parameters and the points' scenarios ------------------------------------------------


def format_value(value: Scalar) -> str:
    """Write a parameter value as a message or a CSV cell shows it (``true``, ``0.45``)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def _describe_point(values: Mapping[str, Scalar]) -> str:
    return ", ".join(f"{key}={format_value(value)}" for key, value in values.items())


def base_scenario(scenario: ScenarioLike) -> Scenario:
    """Return ``scenario`` itself, or the scenario the file or packaged name holds.

    Raises
    ------
    ScenarioError
        If the file is missing or invalid.
    """
    return scenario if isinstance(scenario, Scenario) else load_scenario(scenario)


def _point_scenario(
    base: Scenario, values: Mapping[str, Scalar], point: int, total: int
) -> Scenario:
    """Return ``base`` with the point's values set, validated.

    Raises
    ------
    PointError
        If the changed scenario fails validation.
    """
    try:
        return with_overrides(base, dict(values))
    except ScenarioError as exc:
        problem = exc.problems[0]
        if problem.source == "--set":
            where = f"--param {problem.key}"
        else:
            where = f"{problem.source}: {problem.key}" if problem.key else problem.source
        more = len(exc.problems) - 1
        extra = f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
        raise PointError(
            f"{where}: {problem.message}{extra} "
            f"(at point {point} of {total}: {_describe_point(values)})"
        ) from None


def point_scenarios(base: Scenario, points: Sequence[Mapping[str, Scalar]]) -> list[Scenario]:
    """Build and validate every point's scenario, in point order.

    Parameters
    ----------
    base : Scenario
        The scenario the points change.
    points : sequence of mapping
        Each point's values, by dotted key.

    Returns
    -------
    list of Scenario
        One per point.

    Raises
    ------
    PointError
        For the first point whose scenario fails validation.
    """
    return [_point_scenario(base, values, i, len(points)) for i, values in enumerate(points)]


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _param_from_value(key: str, value: Any) -> Param:
    """Turn one entry of a parameter mapping into a parameter."""
    if isinstance(value, Range | Choice):
        if value.key != key:
            raise DesignError(f"parameter {key!r} is given as a parameter of {value.key!r}")
        return value
    if isinstance(value, tuple) and len(value) == 2 and all(_is_number(v) for v in value):
        low, high = value
        return Range(key, low, high, integer=isinstance(low, int) and isinstance(high, int))
    if isinstance(value, list):
        return Choice(key, tuple(value))
    raise DesignError(
        f"parameter {key!r}: expected a (LOW, HIGH) tuple of numbers for a range or a list "
        f"of values for a choice, got {value!r}"
    )


def normalise_params(params: ParamsLike) -> tuple[Param, ...]:
    """Return the parameters as a tuple of :class:`Range` and :class:`Choice` objects.

    Parameters
    ----------
    params : sequence, parameter, text or mapping
        See the module notes.

    Returns
    -------
    tuple of Param
        In the order given.

    Raises
    ------
    DesignError
        For a text that does not parse or a mapping value of another kind.
    """
    if isinstance(params, Mapping):
        return tuple(_param_from_value(str(key), value) for key, value in params.items())
    items: Sequence[Param | str] = [params] if isinstance(params, str | Range | Choice) else params
    return tuple(parse_param(p) if isinstance(p, str) else p for p in items)


def check_count(name: str, value: int, low: int = 1) -> None:
    """Refuse a count that is not an integer of at least ``low``, with a :class:`DesignError`."""
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise DesignError(f"{name} must be an integer of at least {low}, got {value!r}")


# -- running the points --------------------------------------------------------------


def _chunks(runs: int, points: int, parallelism: int) -> list[tuple[int, int]]:
    """Split runs ``0 .. runs - 1`` of a point so that every worker gets work."""
    wanted = max(math.ceil(runs / MAX_CHUNK), math.ceil(2 * parallelism / max(points, 1)))
    count = min(runs, wanted)
    bounds = [round(k * runs / count) for k in range(count + 1)]
    return [(a, b) for a, b in itertools.pairwise(bounds) if b > a]


def outcome_ids(scenario: Scenario) -> tuple[str, ...]:
    """The outcomes counted at each deadline: the stages in order, then the endings."""
    return (*(s.id for s in scenario.stages), *(e.id for e in scenario.endings))


def count_outcomes(
    ends: Ends, scenario: Scenario, deadline_ids: Sequence[str]
) -> dict[str, dict[str, int]]:
    """Per deadline, the runs that reached each stage and ended by each ending by it.

    "By it" is by the day the deadline stood at in each run (an extension moves it);
    deadlines are looked up by id in the point's own scenario.
    """
    index = {d.id: k for k, d in enumerate(scenario.deadlines)}
    counts: dict[str, dict[str, int]] = {}
    for name in deadline_ids:
        day = ends.deadline_days[:, index[name]]
        row = {
            stage.id: int(np.count_nonzero(ends.stage_days[:, k] <= day))
            for k, stage in enumerate(scenario.stages)
        }
        for e, ending in enumerate(scenario.endings):
            row[ending.id] = int(np.count_nonzero((ends.ending == e) & (ends.ending_day <= day)))
        counts[name] = row
    return counts


def _check_records(
    records: Mapping[int, PointRecord],
    points: Sequence[Mapping[str, Scalar]],
    scenarios: Sequence[Scenario],
    runs: int,
    deadline_ids: Sequence[str],
    where: str,
    custom: Sequence[str] = (),
    keep_runs: bool = False,
) -> None:
    """Refuse a record that is not its point's, or whose counts contradict each other."""
    for index, record in records.items():
        if (
            record.values != dict(points[index])
            or record.runs != runs
            or sorted(record.counts) != sorted(deadline_ids)
            or list(record.custom) != list(custom)
            or (keep_runs and record.kept is None)
        ):
            raise StoreError(
                f"{where}: the record of point {index} does not match the experiment; "
                "the file is damaged: delete it to start over"
            )
        problem = _contradiction(record, scenarios[index], deadline_ids)
        if problem:
            raise StoreError(
                f"{where}: the record of point {index}: {problem}; the file is damaged: "
                "delete it to start over"
            )


def _contradiction(record: PointRecord, scenario: Scenario, deadline_ids: Sequence[str]) -> str:
    """How a record's counts contradict each other or its kept runs, or ``""``.

    Stages are reached in order, and a run ends at the last stage or by one ending, never
    both: by each deadline, no stage has more runs than the one before it, and the last
    stage's runs and the endings' add up to at most the runs.
    """
    stages = [s.id for s in scenario.stages]
    endings = [e.id for e in scenario.endings]
    for deadline in deadline_ids:
        row = record.counts[deadline]
        if sorted(row) != sorted(stages + endings):
            return f"counts of deadline '{one_line(deadline)}' name other outcomes"
        for before, after in itertools.pairwise(stages):
            if row[after] > row[before]:
                return (
                    f"by deadline '{one_line(deadline)}', {row[after]} runs reached stage "
                    f"'{after}' but only {row[before]} the stage '{before}' before it"
                )
        ended = (row[stages[-1]] if stages else 0) + sum(row[e] for e in endings)
        if ended > record.runs:
            return (
                f"by deadline '{one_line(deadline)}', {ended} runs reached the last stage or "
                f"an ending, of {record.runs}"
            )
    if record.kept is not None:
        try:
            kept = count_outcomes(record.kept, scenario, deadline_ids)
        except IndexError:
            return "its kept runs have too few columns"
        if kept != record.counts:
            return "its counts are not those of its kept runs"
    return ""


def _saved(done: Mapping[int, PointRecord], store: PointStore | None) -> int:
    """Count the finished points: those in the log when there is one.

    An interruption can fall between a durable append and the bookkeeping after it, so the
    log, not memory, says what is saved.
    """
    if store is None:
        return len(done)
    try:
        return len(read_log(store.path).records)
    except StoreError:
        return len(done)


def run_points(
    scenarios: Sequence[Scenario],
    points: Sequence[Mapping[str, Scalar]],
    deadline_ids: Sequence[str],
    runs: int,
    seed: int,
    executor: ExecutorSpec | Backend | None,
    store: PointStore | None,
    on_progress: ProgressCallback | None,
    task: TaskFunction,
    custom: Sequence[CustomOutcome] = (),
    keep_runs: bool = False,
) -> tuple[dict[int, PointRecord], str, int]:
    """Run every point not yet in ``store``.

    Parameters
    ----------
    scenarios : sequence of Scenario
        Each point's validated scenario (see :func:`point_scenarios`).
    points : sequence of mapping
        Each point's values, for its record.
    deadline_ids : sequence of str
        The deadlines to count the runs' outcomes by.
    runs, seed : int
        Replications per point, and their master seed.
    executor : ExecutorSpec or Backend, optional
        Where to run (default: all local cores).
    store : PointStore, optional
        The results log: its points are not run again; each finished point is appended.
    on_progress : callable, optional
        Called with (runs done, runs in all), resumed points included.
    task : callable
        The function sent to workers.
    custom : sequence of CustomOutcome, optional
        Custom outcomes, sent with every task and evaluated in the workers; each point's
        record holds their summaries.
    keep_runs : bool, default False
        Keep every run's stage days, ending, deadline days and custom values in the records.

    Returns
    -------
    tuple
        All the records by point, the back end's label and how many points came from the
        store.

    Raises
    ------
    StoreError
        If a record in ``store`` does not match its point.
    Interrupted
        On Ctrl-C, counting the points saved.
    WorkersLost
        If a task's worker died twice, counting the points saved.
    """
    total = len(points)
    done: dict[int, PointRecord] = {}
    if store is not None:
        done.update(store.records)
        _check_records(
            done,
            points,
            scenarios,
            runs,
            deadline_ids,
            str(store.path),
            [c.name for c in custom],
            keep_runs,
        )
    resumed = len(done)
    todo = [i for i in range(total) if i not in done]
    tally = Tally(total * runs, "runs", on_progress, done=resumed * runs)
    tally.report()
    if not todo:
        return done, "nothing to run (all points were in the store)", resumed

    with Scheduler(executor) as scheduler:
        chunks = _chunks(runs, len(todo), scheduler.parallelism)
        # Results come back in task order: point by point, chunk by chunk.
        order = ((i, c) for i in todo for c in range(len(chunks)))
        parts: list[Ends] = []

        def finish(ends: Ends) -> None:
            point, chunk = next(order)
            parts.append(ends)
            if chunk < len(chunks) - 1:
                return
            joined = Ends.concat(parts)
            parts.clear()
            counts = count_outcomes(joined, scenarios[point], deadline_ids)
            summaries = {
                c.name: CustomSummary.of(c.name, joined.custom[:, j], joined.custom_boolean[:, j])
                for j, c in enumerate(custom)
            }
            record = PointRecord(
                point, dict(points[point]), runs, counts, summaries, joined if keep_runs else None
            )
            if store is not None:
                store.append(record)
            done[point] = record

        extra = (tuple(custom),) if custom else ()
        tasks = (
            Task(task, (scenarios[i], seed, a, b, *extra), b - a, f"point {i}")
            for i in todo
            for a, b in chunks
        )
        try:
            scheduler.run(tasks, finish, tally)
        except Interrupted:
            raise Interrupted(_saved(done, store), total, "points") from None
        except WorkersLost as exc:
            raise WorkersLost(_saved(done, store), total, "points", exc.reason) from None
    return done, scheduler.label, resumed


def scenario_origin(scenario: Scenario) -> dict[str, Any]:
    """Return where a scenario came from, for a results file's provenance.

    Returns
    -------
    dict
        ``scenario_file``: the file, or for a scenario packaged with negsim its name inside
        the package (``counterfactuals/no_embargo_lift.toml``, not a path in
        site-packages); ``packaged``: whether it is one; ``overrides``: the values set on
        the command line (``--set``), by dotted key.
    """
    root = find_scenario(None).parent.resolve()
    try:
        file, packaged = Path(scenario.source).resolve().relative_to(root).as_posix(), True
    except (ValueError, OSError):
        file, packaged = scenario.source, False
    overrides: dict[str, Any] = {}
    for key, origin in scenario.origins.items():
        if origin == SET_SOURCE:
            value: Any = scenario.document
            for part in key:
                value = value.get(part) if isinstance(value, Mapping) else None
            overrides[".".join(key)] = _json_value(value)
    return {"scenario_file": file, "packaged": packaged, "overrides": overrides}


def _json_value(value: Any) -> Any:
    """A TOML value as JSON holds it (dates as ``YYYY-MM-DD``)."""
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): _json_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_value(v) for v in value]
    return value


def provenance(base: Scenario) -> dict[str, Any]:
    """Return what made a result: versions and the base scenario, for its JSON file."""
    import scipy

    return {
        "negsim_version": __version__,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "scenario": base.name,
        "scenario_title": base.title,
        **scenario_origin(base),
        "scenario_sha256": base.sha256,
    }
