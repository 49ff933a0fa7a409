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
    point_scenarios,
    provenance,
    run_points,
)
from sim.experiments.scheduler import ProgressCallback
from sim.experiments.stats import Proportion, wilson
from sim.experiments.store import PointStore, StoreError
from sim.experiments.tasks import TaskFunction, simulate_convened
from sim.files import atomic_write_json, atomic_write_text
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
        task: TaskFunction = simulate_convened,
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
        task : callable, default :func:`~sim.experiments.tasks.simulate_convened`
            The function sent to workers, for instrumentation and tests; it must pickle by
            reference and return what ``simulate_convened`` returns.
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
        convened = np.array(
            [[records[i].convened[d] for d in ids] for i in range(len(design.points))],
            dtype=np.int64,
        ).reshape(len(design.points), len(ids))
        convened.setflags(write=False)
        return SweepResult(
            sweep=self,
            design=design,
            scenario=base,
            convened=convened,
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
    """The results of a sweep: per point and deadline, how many runs convened by the deadline.

    Parameters
    ----------
    sweep : Sweep
        The sweep run.
    design : Design
        Its design; row ``i`` of every table is ``design.points[i]``.
    scenario : Scenario
        The base scenario (its deadlines name the columns).
    convened : ndarray of int64, shape (points, deadlines)
        Runs convened by each deadline (columns in the order of ``scenario.deadlines``).
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
    convened: npt.NDArray[np.int64]
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

    def estimate(self, point: int, deadline: str) -> Proportion:
        """Return P(convened by ``deadline``) at ``point`` with its 95% Wilson interval.

        Raises
        ------
        KeyError
            If there is no such deadline.
        """
        ids = [d.id for d in self.deadlines]
        if deadline not in ids:
            raise KeyError(f"no deadline '{deadline}' (deadlines: {', '.join(ids)})")
        return wilson(int(self.convened[point, ids.index(deadline)]), self.runs)

    def columns(self) -> list[str]:
        """The columns of :meth:`records` and ``sweep.csv``, in order.

        ``point`` (index from 0), the parameter keys, then per deadline
        ``<id>_probability``, ``<id>_ci_low``, ``<id>_ci_high`` (95% Wilson interval) and
        ``<id>_convened`` (a count), then ``runs`` and ``seed``.
        """
        cols = ["point", *(p.key for p in self.design.params)]
        for d in self.deadlines:
            cols += [f"{d.id}_probability", f"{d.id}_ci_low", f"{d.id}_ci_high", f"{d.id}_convened"]
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
                row[f"{d.id}_convened"] = p.successes
            row["runs"] = self.runs
            row["seed"] = self.sweep.seed
            rows.append(row)
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
            "deadlines": [
                {"name": d.id, "label": d.label, "date": d.date.isoformat(), "day": d.day}
                for d in self.deadlines
            ],
            "interval": "95% Wilson",
            "backend": self.backend,
            "points_resumed": self.resumed,
            "wall_time_s": round(self.wall_time, 3),
        }

    def save(self, folder: str | os.PathLike[str]) -> list[Path]:
        """Write ``sweep.csv`` then ``sweep.json`` (last: a folder with it is complete).

        Returns
        -------
        list of pathlib.Path
            The files written.
        """
        out = Path(folder)
        atomic_write_text(out / "sweep.csv", self.csv_text())
        atomic_write_json(out / "sweep.json", self.to_json())
        return [out / "sweep.csv", out / "sweep.json"]
