"""Parameter sweeps of a scenario, as small experiment objects.

A :class:`Sweep` says what to vary (parameters written ``KEY=LOW:HIGH`` or ``KEY=A,B,C``, with
dotted scenario keys as for ``--set``), how to sample it (a grid, a Latin hypercube or a Sobol'
sequence, see :mod:`sim.experiments.designs`) and how many runs to make at every point.
``.run()`` returns a :class:`SweepResult` with tidy results. How points are validated and run,
with common random numbers, faults and resuming: :mod:`sim.experiments.points`.

From a notebook::

    from sim.experiments.sweep import Sweep
    sweep = Sweep(["actors.russia.tempo_days=2:10", "convening.announce_threshold=0.45:0.65"],
                  design="lhs", points=16, runs=200, seed=1)
    result = sweep.run()                       # all local cores; or run(ExecutorSpec(...))
    df = result.to_pandas()                    # or result.records(), result.to_numpy()

Custom outcomes (:mod:`sim.experiments.custom`) are estimated at every point beside the
deadlines (``outcomes=[f, "days:announced:convened"]``: :meth:`SweepResult.custom_records`,
``sweep_custom.csv``, and columns of :meth:`SweepResult.records`). ``keep_runs=True`` also keeps
every run's outcomes (:meth:`SweepResult.run_records`, ``sweep_runs.csv``), as Mesa's
``batch_run`` does. A design made elsewhere (SALib, a spreadsheet) is run with
``Sweep.from_table(dataframe_or_array_or_csv, ...)``.

Memory of kept runs
-------------------
A kept run costs ``8 * stages + 4 * deadlines + 9 * custom outcomes + 10`` bytes of arrays in
memory (80 bytes for the baseline with two custom outcomes), plus about 75 bytes of JSON per
run in the results log; :data:`MAX_KEPT_RUNS` (points x runs) bounds the arrays to about 160 MB
for the baseline. ``sweep_runs.csv`` is written row by row; :meth:`SweepResult.run_records`
makes a dictionary of about 1 KB per run, so prefer :meth:`SweepResult.runs_to_pandas`.
"""

from __future__ import annotations

import csv
import io
import os
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from sim._version import __version__
from sim.experiments.custom import (
    CUSTOM_COLUMNS,
    CustomEstimate,
    CustomOutcome,
    CustomSummary,
    OutcomesLike,
    normalise_outcomes,
)
from sim.experiments.designs import (
    Design,
    DesignError,
    DesignKind,
    Param,
    Scalar,
    design_from_table,
    make_design,
)
from sim.experiments.executors import Backend, ExecutorSpec
from sim.experiments.frames import import_pandas
from sim.experiments.points import (
    ParamsLike,
    Plan,
    PointError,
    ScenarioLike,
    base_scenario,
    check_count,
    format_value,
    normalise_params,
    outcome_ids,
    point_scenarios,
    provenance,
    run_points,
)
from sim.experiments.scheduler import ProgressCallback
from sim.experiments.sizes import check_fits, run_bytes
from sim.experiments.stats import Proportion, wilson
from sim.experiments.store import PointStore, StoreError
from sim.experiments.tasks import Ends, TaskFunction, simulate_ends
from sim.files import (
    atomic_write_chunks,
    atomic_write_json,
    atomic_write_text,
    csv_chunks,
    csv_text,
)
from sim.scenario import Deadline, Scenario

__all__ = ["MAX_KEPT_RUNS", "PointError", "Sweep", "SweepResult"]

MAX_KEPT_RUNS = 2_000_000
"""The most runs (points x runs per point) a sweep keeps with ``keep_runs=True``."""


@dataclass(frozen=True, init=False)
class Sweep:
    """A parameter sweep: what to vary, how to sample it, how many runs at each point.

    Parameters
    ----------
    params : sequence of Param or str, or mapping
        The parameters, as :class:`~sim.experiments.designs.Range` /
        :class:`~sim.experiments.designs.Choice` objects, as the text ``KEY=LOW:HIGH`` or
        ``KEY=A,B,C`` (parsed with :func:`~sim.experiments.designs.parse_param`), or as a
        mapping from key to a ``(LOW, HIGH)`` tuple (a range) or a list of values (a choice),
        e.g. ``{"actors.russia.tempo_days": (2, 10), "convening.announce_threshold": [0.45,
        0.55]}``; stored as a tuple of parameters.
    scenario : Scenario, str or path-like, optional
        A scenario built in memory, a scenario file or the name of a packaged scenario;
        ``None`` for the packaged baseline.
    design : {"grid", "lhs", "sobol"}, default "grid"
        How to sample the parameters (see :func:`~sim.experiments.designs.make_design`).
    points : int, default 5
        Values per range for a grid; number of points for ``lhs`` and ``sobol`` (a power of
        two for ``sobol``).
    runs : int, default 200
        Replications at every point (the same seeds at every point).
    seed : int, default 0
        Seed of the design and master seed of the replications.
    outcomes : sequence or mapping, optional
        Custom outcomes estimated at every point (see :mod:`sim.experiments.custom`):
        top-level functions of a :class:`~sim.engine.result.RunResult`, named built-in
        outcomes (``"days:announced:convened"``), or :class:`CustomOutcome` objects.
    keep_runs : bool, default False
        Keep every run's outcomes (see :meth:`SweepResult.run_records`); at most
        :data:`MAX_KEPT_RUNS` runs in all.

    Raises
    ------
    DesignError
        If a parameter text is invalid or ``runs`` is below 1 (the design itself is checked
        by :meth:`design`).
    OutcomeError
        For a custom outcome that cannot be used.
    """

    params: tuple[Param, ...]
    scenario: ScenarioLike = None
    design_kind: DesignKind = "grid"
    points: int = 5
    runs: int = 200
    seed: int = 0
    outcomes: tuple[CustomOutcome, ...] = ()
    keep_runs: bool = False
    table: Design | None = None

    def __init__(
        self,
        params: ParamsLike | None,
        scenario: ScenarioLike = None,
        design: str | Design = "grid",
        points: int = 5,
        runs: int = 200,
        seed: int = 0,
        *,
        outcomes: OutcomesLike | None = None,
        keep_runs: bool = False,
    ) -> None:
        table = design if isinstance(design, Design) else None
        if table is not None:
            if params:
                raise DesignError("give either params or a design table, not both")
            params = table.params
        elif not params:
            raise DesignError("a sweep needs parameters (or a design table: Sweep.from_table)")
        assert params is not None
        object.__setattr__(self, "params", normalise_params(params))
        object.__setattr__(self, "scenario", scenario)
        object.__setattr__(self, "design_kind", table.kind if table is not None else design)
        object.__setattr__(self, "points", len(table.points) if table is not None else points)
        object.__setattr__(self, "runs", runs)
        object.__setattr__(self, "seed", seed)
        object.__setattr__(self, "table", table)
        object.__setattr__(self, "keep_runs", bool(keep_runs))
        check_count("runs", runs)
        check_count("the seed", seed, 0)
        named = (
            outcomes is not None
            and not isinstance(outcomes, dict)
            and any(isinstance(o, str) for o in outcomes)
        )
        base = base_scenario(scenario) if named else None
        object.__setattr__(self, "outcomes", normalise_outcomes(outcomes, base))

    @classmethod
    def from_table(
        cls,
        table: Any,
        scenario: ScenarioLike = None,
        runs: int = 200,
        seed: int = 0,
        *,
        columns: Sequence[str] | None = None,
        outcomes: OutcomesLike | None = None,
        keep_runs: bool = False,
    ) -> Sweep:
        """A sweep of a design made elsewhere: rows are points, columns dotted scenario keys.

        Parameters
        ----------
        table : DataFrame, ndarray or path-like
            See :func:`~sim.experiments.designs.design_from_table` (a CSV file, a pandas
            DataFrame, a numpy structured array, or a 2-D array with ``columns``).
        scenario, runs, seed, outcomes, keep_runs
            As for :class:`Sweep`.
        columns : sequence of str, optional
            The keys of a plain 2-D array's columns.

        Raises
        ------
        DesignError
            For a table that cannot be a design (see ``design_from_table``).
        """
        return cls(
            None,
            scenario,
            design_from_table(table, columns),
            runs=runs,
            seed=seed,
            outcomes=outcomes,
            keep_runs=keep_runs,
        )

    def design(self) -> Design:
        """Return the design (the same every time).

        Raises
        ------
        DesignError
            If the design kind is unknown, there are too few points, a Sobol' design is not a
            power of two, etc. (see :func:`~sim.experiments.designs.make_design`).
        """
        if self.table is not None:
            return self.table
        return make_design(self.params, self.design_kind, self.points, self.seed)

    def base_scenario(self) -> Scenario:
        """Return the scenario without the sweep's values (for deadlines and provenance)."""
        return base_scenario(self.scenario)

    def validate(self) -> Plan:
        """Build the design and every point's scenario, validated.

        Returns
        -------
        Plan
            The base scenario, the design, and every point's values and scenario; give it to
            :meth:`run` so that nothing is validated twice.

        Raises
        ------
        DesignError
            For an impossible design.
        ScenarioError
            If the base scenario is invalid.
        PointError
            For the first point whose scenario fails validation.
        """
        design = self.design()
        if self.keep_runs and len(design.points) * self.runs > MAX_KEPT_RUNS:
            raise DesignError(
                f"keeping the runs of {len(design.points)} points x {self.runs} runs: more than "
                f"{MAX_KEPT_RUNS} runs; keep fewer (fewer points or runs) or leave keep_runs out"
            )
        base = self.base_scenario()
        check_fits(self.runs, "runs at a point", run_bytes(base))
        scenarios = point_scenarios(base, design.points)
        return Plan(
            base, tuple(dict(p) for p in design.points), tuple(scenarios), design, self.outcomes
        )

    def identity(
        self, design: Design | None = None, base: Scenario | None = None
    ) -> dict[str, Any]:
        """Return what identifies the sweep for ``--resume`` (see :mod:`sim.experiments.store`)."""
        design = design if design is not None else self.design()
        base = base if base is not None else self.base_scenario()
        identity: dict[str, Any] = {
            "kind": "sweep",
            "version": __version__,
            "scenario_sha256": base.sha256,
            "design": design.to_json(),
            "runs": self.runs,
            "seed": self.seed,
        }
        # Only when used, so that the logs of plain sweeps keep their fingerprints.
        if self.outcomes:
            identity["outcomes"] = [c.name for c in self.outcomes]
        if self.keep_runs:
            identity["keep_runs"] = True
        return identity

    def open_store(
        self, folder: str | os.PathLike[str], *, resume: bool = False, plan: Plan | None = None
    ) -> PointStore:
        """Create (or with ``resume``, reopen) the sweep's results log in ``folder``.

        ``plan``, from :meth:`validate`, saves building the design and reading the scenario
        again.

        Raises
        ------
        StoreError
            If a log is there and ``resume`` is false, or the log is another experiment's.
        """
        design = plan.design if plan is not None and plan.design is not None else self.design()
        base = plan.base if plan is not None else None
        return PointStore.open(
            folder, self.identity(design, base), len(design.points), resume=resume
        )

    def run(
        self,
        executor: ExecutorSpec | Backend | None = None,
        *,
        store: PointStore | None = None,
        on_progress: ProgressCallback | None = None,
        task: TaskFunction = simulate_ends,
        plan: Plan | None = None,
    ) -> SweepResult:
        """Validate every point, then run the points not yet in ``store``.

        Parameters
        ----------
        executor : ExecutorSpec or Backend, optional
            Where to run (default: all local cores). A broken local pool is replaced only
            when a spec is given.
        store : PointStore, optional
            The results log (see :meth:`open_store`): points already in it are not run again,
            and each finished point is appended to it durably.
        on_progress : callable, optional
            Called with (runs done, runs in all).
        task : callable, default :func:`~sim.experiments.tasks.simulate_ends`
            The function sent to workers, for instrumentation and tests; it must pickle by
            reference and return what ``simulate_ends`` returns.
        plan : Plan, optional
            What :meth:`validate` returned, so as not to validate again.

        Returns
        -------
        SweepResult
            All points' results, in point order.

        Raises
        ------
        DesignError, ScenarioError, PointError
            For bad input, before anything runs.
        StoreError
            If ``store`` belongs to another experiment.
        WorkersLost
            If a task's worker died again after its retry (the points saved are counted).
        Interrupted
            On Ctrl-C (the points saved are counted).
        """
        began = time.perf_counter()
        plan = plan if plan is not None else self.validate()
        design = plan.design if plan.design is not None else self.design()
        base = plan.base
        if store is not None and store.identity != self.identity(design, base):
            raise StoreError(f"{store.path}: the results log belongs to another experiment")
        ids = [d.id for d in base.deadlines]
        records, label, resumed = run_points(
            plan.scenarios,
            plan.points,
            ids,
            self.runs,
            self.seed,
            executor,
            store,
            on_progress,
            task,
            self.outcomes,
            self.keep_runs,
        )
        outcomes = outcome_ids(base)
        counts = np.array(
            [
                [[records[i].counts[d][o] for o in outcomes] for d in ids]
                for i in range(len(design.points))
            ],
            dtype=np.int64,
        ).reshape(len(design.points), len(ids), len(outcomes))
        counts.setflags(write=False)
        n = len(design.points)
        custom = tuple(tuple(records[i].custom[c.name] for c in self.outcomes) for i in range(n))
        kept: tuple[Ends, ...] | None = None
        if self.keep_runs:
            kept = tuple(records[i].kept for i in range(n))  # type: ignore[misc]
        return SweepResult(
            sweep=self,
            design=design,
            scenario=base,
            counts=counts,
            backend=label,
            wall_time=time.perf_counter() - began,
            resumed=resumed,
            custom_summaries=custom,
            kept=kept,
        )


def _numpy_dtype(values: Sequence[Scalar]) -> npt.DTypeLike:
    if all(isinstance(v, bool) for v in values):
        return np.bool_
    if all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return np.int64
    if all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
        return np.float64
    return f"U{max(len(str(v)) for v in values)}"


@dataclass(frozen=True)
class SweepResult:
    """The results of a sweep: per point and deadline, how many runs reached each stage by it.

    Parameters
    ----------
    sweep : Sweep
        The sweep run.
    design : Design
        Its design; row ``i`` of every table is ``design.points[i]``.
    scenario : Scenario
        The base scenario (its deadlines, stages and endings name the columns).
    counts : ndarray of int64, shape (points, deadlines, outcomes)
        Runs that reached each stage, then ended by each ending, by each deadline (in the
        order of ``scenario.deadlines``, ``scenario.stages`` and ``scenario.endings``).
    backend : str
        Where the runs were made.
    wall_time : float
        Seconds, validation included.
    resumed : int
        Points taken from the results log rather than run.
    custom_summaries : tuple of tuple of CustomSummary
        Per point, each custom outcome's summary (in the order of ``sweep.outcomes``).
    kept : tuple of Ends, optional
        Per point, its runs' outcomes, when the sweep keeps them.
    """

    sweep: Sweep
    design: Design
    scenario: Scenario
    counts: npt.NDArray[np.int64]
    backend: str = "1 local process"
    wall_time: float = 0.0
    resumed: int = 0
    custom_summaries: tuple[tuple[CustomSummary, ...], ...] = ()
    kept: tuple[Ends, ...] | None = None

    @property
    def custom_names(self) -> tuple[str, ...]:
        """The custom outcomes' names, in order."""
        return tuple(c.name for c in self.sweep.outcomes)

    def custom_estimate(self, point: int, name: str) -> CustomEstimate:
        """Return custom outcome ``name`` estimated at ``point``, with its 95% interval.

        Raises
        ------
        KeyError
            If there is no such custom outcome.
        """
        names = self.custom_names
        if name not in names:
            raise KeyError(f"no custom outcome '{name}' ({', '.join(names) or 'none'})")
        return self.custom_summaries[point][names.index(name)].estimate()

    @property
    def runs(self) -> int:
        """Replications at every point."""
        return self.sweep.runs

    @property
    def deadlines(self) -> tuple[Deadline, ...]:
        """The deadlines, in the order of the columns."""
        return self.scenario.deadlines

    @property
    def outcomes(self) -> tuple[str, ...]:
        """The outcomes counted at each deadline: the stages, then the endings."""
        return outcome_ids(self.scenario)

    @property
    def convened(self) -> npt.NDArray[np.int64]:
        """Runs that reached each deadline's own stage by it, shape ``(points, deadlines)``."""
        own = [self.scenario.deadline_stage(d) for d in self.deadlines]
        reached: npt.NDArray[np.int64] = self.counts[:, np.arange(len(own)), own]
        return reached

    def estimate(self, point: int, deadline: str, outcome: str | None = None) -> Proportion:
        """Return P(``outcome`` by ``deadline``) at ``point`` with its 95% Wilson interval.

        ``outcome`` is a stage's or an ending's id; by default the deadline's own stage.

        Raises
        ------
        KeyError
            If there is no such deadline or outcome.
        """
        ids = [d.id for d in self.deadlines]
        if deadline not in ids:
            raise KeyError(f"no deadline '{deadline}' (deadlines: {', '.join(ids)})")
        d = ids.index(deadline)
        if outcome is None:
            return wilson(int(self.convened[point, d]), self.runs)
        if outcome not in self.outcomes:
            raise KeyError(f"no stage or ending '{outcome}' ({', '.join(self.outcomes)})")
        return wilson(int(self.counts[point, d, self.outcomes.index(outcome)]), self.runs)

    def columns(self) -> list[str]:
        """The columns of :meth:`records` and ``sweep.csv``, in order.

        ``point`` (index from 0), the parameter keys, then per deadline, for its own stage,
        ``<id>_probability``, ``<id>_ci_low``, ``<id>_ci_high`` (95% Wilson interval) and
        ``<id>_reached`` (a count), then per custom outcome ``<name>`` (its estimate: a
        proportion or a mean), ``<name>_ci_low``, ``<name>_ci_high`` and ``<name>_n`` (runs
        where it is defined), then ``runs`` and ``seed``. Every stage and ending by every
        deadline is in :meth:`outcome_records` (``sweep_outcomes.csv``); the custom outcomes
        in full in :meth:`custom_records` (``sweep_custom.csv``).
        """
        cols = ["point", *(p.key for p in self.design.params)]
        for d in self.deadlines:
            cols += [f"{d.id}_probability", f"{d.id}_ci_low", f"{d.id}_ci_high", f"{d.id}_reached"]
        for name in self.custom_names:
            cols += [name, f"{name}_ci_low", f"{name}_ci_high", f"{name}_n"]
        return [*cols, "runs", "seed"]

    def records(self) -> list[dict[str, Any]]:
        """Return one flat dictionary per point, keyed by :meth:`columns`."""
        rows: list[dict[str, Any]] = []
        for i, values in enumerate(self.design.points):
            row: dict[str, Any] = {"point": i, **values}
            for j, d in enumerate(self.deadlines):
                p = wilson(int(self.convened[i, j]), self.runs)
                row[f"{d.id}_probability"] = p.estimate
                row[f"{d.id}_ci_low"] = p.low
                row[f"{d.id}_ci_high"] = p.high
                row[f"{d.id}_reached"] = p.successes
            for summary in self.custom_summaries[i] if self.custom_summaries else ():
                e = summary.estimate()
                row[e.name] = e.estimate
                row[f"{e.name}_ci_low"] = e.low
                row[f"{e.name}_ci_high"] = e.high
                row[f"{e.name}_n"] = e.n
            row["runs"] = self.runs
            row["seed"] = self.sweep.seed
            rows.append(row)
        return rows

    OUTCOME_COLUMNS = (
        "point",
        "deadline",
        "outcome",
        "kind",
        "probability",
        "ci_low",
        "ci_high",
        "count",
        "runs",
    )
    """The columns of :meth:`outcome_records` and ``sweep_outcomes.csv``."""

    def outcome_records(self) -> list[dict[str, Any]]:
        """Return one row per point, deadline and outcome (every stage, then every ending).

        The tidy long table of ``sweep_outcomes.csv``: ``kind`` is ``stage`` or
        ``ending``; the parameter values are those of :meth:`records`' row ``point``.
        """
        n_stages = len(self.scenario.stages)
        rows = []
        for i in range(len(self.design.points)):
            for j, d in enumerate(self.deadlines):
                for k, name in enumerate(self.outcomes):
                    p = wilson(int(self.counts[i, j, k]), self.runs)
                    rows.append(
                        {
                            "point": i,
                            "deadline": d.id,
                            "outcome": name,
                            "kind": "stage" if k < n_stages else "ending",
                            "probability": p.estimate,
                            "ci_low": p.low,
                            "ci_high": p.high,
                            "count": p.successes,
                            "runs": self.runs,
                        }
                    )
        return rows

    CUSTOM_COLUMNS = ("point", *CUSTOM_COLUMNS)
    """The columns of :meth:`custom_records` and ``sweep_custom.csv``."""

    def custom_records(self) -> list[dict[str, Any]]:
        """Return one row per point and custom outcome (the tidy table of ``sweep_custom.csv``).

        ``estimate`` is a proportion (``kind`` boolean, 95% Wilson interval) or a mean
        (``kind`` number, 95% Student t interval); ``n`` counts the runs where the outcome is
        defined; ``count`` (booleans) the runs where it held; ``sd`` and ``median`` (numbers).
        Empty cells (``None``) where a value does not apply or is undefined.
        """
        rows = []
        for i, summaries in enumerate(self.custom_summaries):
            for summary in summaries:
                e = summary.estimate().to_json()
                rows.append(
                    {
                        "point": i,
                        "outcome": e["name"],
                        **{k: e[k] for k in ("kind", "estimate", "ci_low", "ci_high")},
                        **{k: e[k] for k in ("interval", "n", "runs", "count", "sd", "median")},
                    }
                )
        return rows

    def run_columns(self) -> list[str]:
        """The columns of :meth:`run_records` and ``sweep_runs.csv``, in order.

        ``point``, ``run`` (the replication: run ``i`` of every point shares its seed),
        ``seed``, the parameter keys, ``stage_<id>_day`` per stage (days since the start,
        empty if not reached), ``ending`` (its id, empty if none) and ``ending_day``,
        ``deadline_<id>_day`` per deadline (where it stood when the run ended), then each
        custom outcome by name (booleans as 1/0, empty where undefined).
        """
        s = self.scenario
        return [
            "point",
            "run",
            "seed",
            *(p.key for p in self.design.params),
            *(f"stage_{st.id}_day" for st in s.stages),
            "ending",
            "ending_day",
            *(f"deadline_{d.id}_day" for d in s.deadlines),
            *self.custom_names,
        ]

    def iter_run_records(self) -> Iterator[dict[str, Any]]:
        """Yield one row per point and run (see :meth:`run_records`), one at a time.

        Raises
        ------
        ValueError
            If the sweep did not keep its runs (``keep_runs=True``).
        """
        if self.kept is None:
            raise ValueError("the sweep did not keep its runs: make it with keep_runs=True")
        s = self.scenario
        endings = ["", *(e.id for e in s.endings)]
        stage_cols = [f"stage_{st.id}_day" for st in s.stages]
        deadline_cols = [f"deadline_{d.id}_day" for d in s.deadlines]
        for i, (values, ends) in enumerate(zip(self.design.points, self.kept, strict=True)):
            for k in range(len(ends)):
                row: dict[str, Any] = {"point": i, "run": k, "seed": self.sweep.seed, **values}
                row.update(zip(stage_cols, ends.stage_days[k].tolist(), strict=True))
                row["ending"] = endings[int(ends.ending[k]) + 1]
                row["ending_day"] = float(ends.ending_day[k])
                row.update(zip(deadline_cols, ends.deadline_days[k].tolist(), strict=True))
                row.update(zip(self.custom_names, ends.custom[k].tolist(), strict=True))
                yield row

    def run_records(self) -> list[dict[str, Any]]:
        """Return one row per point and run: the tidy long table of ``sweep_runs.csv``.

        Days and custom values are floats, ``nan`` where nothing happened or undefined. For
        many runs prefer :meth:`runs_to_pandas` (columns as arrays) or
        :meth:`iter_run_records`: a row as a dictionary costs about 1 KB.

        Raises
        ------
        ValueError
            If the sweep did not keep its runs (``keep_runs=True``).
        """
        return list(self.iter_run_records())

    def run_table(self) -> dict[str, np.ndarray]:
        """Return :meth:`run_records` as columns, one numpy array per column of :meth:`run_columns`.

        Raises
        ------
        ValueError
            If the sweep did not keep its runs (``keep_runs=True``).
        """
        if self.kept is None:
            raise ValueError("the sweep did not keep its runs: make it with keep_runs=True")
        s = self.scenario
        kept = self.kept
        sizes = [len(ends) for ends in kept]
        joined = Ends.concat(list(kept)) if kept else None
        point = np.repeat(np.arange(len(kept), dtype=np.int64), sizes)
        table: dict[str, np.ndarray] = {
            "point": point,
            "run": np.concatenate([np.arange(n, dtype=np.int64) for n in sizes])
            if sizes
            else np.zeros(0, np.int64),
            "seed": np.full(len(point), self.sweep.seed, dtype=np.int64),
        }
        for param in self.design.params:
            values = [p[param.key] for p in self.design.points]
            table[param.key] = np.repeat(np.array(values, dtype=_numpy_dtype(values)), sizes)
        if joined is None:
            return table
        for k, stage in enumerate(s.stages):
            table[f"stage_{stage.id}_day"] = joined.stage_days[:, k]
        endings = np.array(["", *(e.id for e in s.endings)], dtype=object)
        table["ending"] = endings[joined.ending.astype(np.int64) + 1]
        table["ending_day"] = joined.ending_day
        for k, deadline in enumerate(s.deadlines):
            table[f"deadline_{deadline.id}_day"] = joined.deadline_days[:, k]
        for k, name in enumerate(self.custom_names):
            table[name] = joined.custom[:, k]
        return table

    def runs_to_pandas(self) -> Any:
        """Return :meth:`run_table` as a :class:`pandas.DataFrame` (one row per point and run).

        Raises
        ------
        ValueError
            If the sweep did not keep its runs.
        ImportError
            If pandas is not installed, saying what to install.
        """
        pandas = import_pandas(".run_table() or .run_records()")
        return pandas.DataFrame(self.run_table(), columns=self.run_columns())

    def to_numpy(self) -> np.ndarray:
        """Return the records as a numpy structured array, one element per point.

        Field types: ``int64`` for indices and counts, ``float64`` for probabilities and
        continuous parameters, ``int64`` / ``bool`` / unicode for integer, boolean and other
        choice values.
        """
        rows = self.records()
        dtypes: list[tuple[str, npt.DTypeLike]] = []
        for name in self.columns():
            values = [row[name] for row in rows]
            dtypes.append((name, _numpy_dtype(values) if values else np.float64))
        array = np.zeros(len(rows), dtype=np.dtype(dtypes))
        for name in self.columns():
            array[name] = [row[name] for row in rows]
        return array

    def to_pandas(self) -> Any:
        """Return the records as a :class:`pandas.DataFrame` (pandas is imported only here).

        Raises
        ------
        ImportError
            If pandas is not installed, saying what to install.
        """
        pandas = import_pandas(".records() or .to_numpy()")
        return pandas.DataFrame.from_records(self.records(), columns=self.columns())

    def csv_text(self) -> str:
        """Return ``sweep.csv``: one row per point, sorted by point; a function of the counts."""
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=self.columns(), lineterminator="\n")
        writer.writeheader()
        for row in self.records():
            writer.writerow(
                {k: (format_value(v) if isinstance(v, bool) else v) for k, v in row.items()}
            )
        return buffer.getvalue()

    def to_json(self) -> dict[str, Any]:
        """Return ``sweep.json``: provenance, the design and the deadlines."""
        return {
            **provenance(self.scenario),
            "experiment": "sweep",
            "design": {
                **self.design.to_json(),
                "points_values": [dict(p) for p in self.design.points],
            },
            "seed": self.sweep.seed,
            "runs_per_point": self.runs,
            "common_random_numbers": True,
            "stages": [{"name": st.id, "label": st.label} for st in self.scenario.stages],
            "endings": [{"name": e.id, "label": e.label} for e in self.scenario.endings],
            "deadlines": [
                {
                    "name": d.id,
                    "label": d.label,
                    "date": d.date.isoformat(),
                    "day": d.day,
                    "stage": d.stage,
                }
                for d in self.deadlines
            ],
            "interval": "95% Wilson",
            **(
                {
                    "custom_outcomes": [
                        {"name": name, "kind": self.custom_summaries[0][j].kind}
                        for j, name in enumerate(self.custom_names)
                    ]
                    if self.custom_summaries
                    else [],
                    "custom_intervals": "booleans: 95% Wilson; numbers: 95% Student t",
                }
                if self.custom_names
                else {}
            ),
            **({"runs_kept": True} if self.kept is not None else {}),
            "backend": self.backend,
            "points_resumed": self.resumed,
            "wall_time_s": round(self.wall_time, 3),
        }

    def save(self, folder: str | os.PathLike[str]) -> list[Path]:
        """Write ``sweep.csv``, ``sweep_outcomes.csv``, then ``sweep.json``.

        With custom outcomes also ``sweep_custom.csv``; with kept runs ``sweep_runs.csv``.
        ``sweep.json`` comes last: a folder that has it is complete.

        Returns
        -------
        list of pathlib.Path
            The files written.
        """
        out = Path(folder)
        written = [out / "sweep.csv", out / "sweep_outcomes.csv"]
        atomic_write_text(out / "sweep.csv", self.csv_text())
        atomic_write_text(
            out / "sweep_outcomes.csv", csv_text(self.outcome_records(), self.OUTCOME_COLUMNS)
        )
        if self.custom_names:
            atomic_write_text(
                out / "sweep_custom.csv", csv_text(self.custom_records(), self.CUSTOM_COLUMNS)
            )
            written.append(out / "sweep_custom.csv")
        if self.kept is not None:
            _write_runs_csv(self, out / "sweep_runs.csv")
            written.append(out / "sweep_runs.csv")
        atomic_write_json(out / "sweep.json", self.to_json())
        return [*written, out / "sweep.json"]


def _write_runs_csv(result: SweepResult, path: Path) -> None:
    """Write ``sweep_runs.csv`` row by row (empty cells where a day or a value is undefined).

    Streamed (:func:`~sim.files.atomic_write_chunks`): the rows never all sit in memory as
    text, and a reader sees the old file or the whole new one.
    """
    rows = ({k: _cell(v) for k, v in row.items()} for row in result.iter_run_records())
    atomic_write_chunks(path, csv_chunks(rows, result.run_columns()))


def _cell(value: Any) -> Any:
    """A CSV cell: NaN empty, whole floats as integers (days), other floats exactly (repr)."""
    if isinstance(value, bool):
        return format_value(value)
    if isinstance(value, float):
        if value != value:
            return ""
        return str(int(value)) if value.is_integer() and abs(value) < 2**53 else repr(value)
    return value
