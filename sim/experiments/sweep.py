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
"""

from __future__ import annotations

import csv
import io
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from sim._version import __version__
from sim.experiments.designs import Design, DesignKind, Param, Scalar, make_design
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
from sim.experiments.stats import Proportion, wilson
from sim.experiments.store import PointStore, StoreError
from sim.experiments.tasks import TaskFunction, simulate_ends
from sim.files import atomic_write_json, atomic_write_text, csv_text
from sim.scenario import Deadline, Scenario

__all__ = ["PointError", "Sweep", "SweepResult"]


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

    Raises
    ------
    DesignError
        If a parameter text is invalid or ``runs`` is below 1 (the design itself is checked
        by :meth:`design`).
    """

    params: tuple[Param, ...]
    scenario: ScenarioLike = None
    design_kind: DesignKind = "grid"
    points: int = 5
    runs: int = 200
    seed: int = 0

    def __init__(
        self,
        params: ParamsLike,
        scenario: ScenarioLike = None,
        design: str = "grid",
        points: int = 5,
        runs: int = 200,
        seed: int = 0,
    ) -> None:
        object.__setattr__(self, "params", normalise_params(params))
        object.__setattr__(self, "scenario", scenario)
        object.__setattr__(self, "design_kind", design)
        object.__setattr__(self, "points", points)
        object.__setattr__(self, "runs", runs)
        object.__setattr__(self, "seed", seed)
        check_count("runs", runs)
        check_count("the seed", seed, 0)

    def design(self) -> Design:
        """Return the design (the same every time).

        Raises
        ------
        DesignError
            If the design kind is unknown, there are too few points, a Sobol' design is not a
            power of two, etc. (see :func:`~sim.experiments.designs.make_design`).
        """
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
        base = self.base_scenario()
        scenarios = point_scenarios(base, design.points)
        return Plan(base, tuple(dict(p) for p in design.points), tuple(scenarios), design)

    def identity(
        self, design: Design | None = None, base: Scenario | None = None
    ) -> dict[str, Any]:
        """Return what identifies the sweep for ``--resume`` (see :mod:`sim.experiments.store`)."""
        design = design if design is not None else self.design()
        base = base if base is not None else self.base_scenario()
        return {
            "kind": "sweep",
            "version": __version__,
            "scenario_sha256": base.sha256,
            "design": design.to_json(),
            "runs": self.runs,
            "seed": self.seed,
        }

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
        return SweepResult(
            sweep=self,
            design=design,
            scenario=base,
            counts=counts,
            backend=label,
            wall_time=time.perf_counter() - began,
            resumed=resumed,
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
    """

    sweep: Sweep
    design: Design
    scenario: Scenario
    counts: npt.NDArray[np.int64]
    backend: str = "1 local process"
    wall_time: float = 0.0
    resumed: int = 0

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
        ``<id>_reached`` (a count), then ``runs`` and ``seed``. Every stage and ending by
        every deadline is in :meth:`outcome_records` (``sweep_outcomes.csv``).
        """
        cols = ["point", *(p.key for p in self.design.params)]
        for d in self.deadlines:
            cols += [f"{d.id}_probability", f"{d.id}_ci_low", f"{d.id}_ci_high", f"{d.id}_reached"]
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
            "backend": self.backend,
            "points_resumed": self.resumed,
            "wall_time_s": round(self.wall_time, 3),
        }

    def save(self, folder: str | os.PathLike[str]) -> list[Path]:
        """Write ``sweep.csv``, ``sweep_outcomes.csv``, then ``sweep.json``.

        ``sweep.json`` comes last: a folder that has it is complete.

        Returns
        -------
        list of pathlib.Path
            The files written.
        """
        out = Path(folder)
        atomic_write_text(out / "sweep.csv", self.csv_text())
        atomic_write_text(
            out / "sweep_outcomes.csv", csv_text(self.outcome_records(), self.OUTCOME_COLUMNS)
        )
        atomic_write_json(out / "sweep.json", self.to_json())
        return [out / "sweep.csv", out / "sweep_outcomes.csv", out / "sweep.json"]
