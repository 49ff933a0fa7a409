"""Sobol' sensitivity analyses of a scenario, as a small experiment object.

A :class:`Sensitivity` says which parameter ranges to analyse, with how many samples and runs;
``.run()`` evaluates P(convened by every deadline) at the points of a Saltelli design (through
:mod:`sim.experiments.points`, like a sweep) and returns a :class:`SensitivityResult`: the
first-order and total indices of :func:`~sim.experiments.sensitivity.sobol.sobol`, with
bootstrap intervals and notes on their reliability.
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
from sim.experiments.designs import DesignError, Range, Scalar
from sim.experiments.executors import Backend, ExecutorSpec
from sim.experiments.frames import import_pandas
from sim.experiments.points import (
    ParamsLike,
    Plan,
    ScenarioLike,
    base_scenario,
    check_count,
    normalise_params,
    outcome_ids,
    point_scenarios,
    provenance,
    run_points,
)
from sim.experiments.scheduler import ProgressCallback
from sim.experiments.sensitivity.sobol import SobolIndices, saltelli_points, sobol
from sim.experiments.store import PointStore, StoreError
from sim.experiments.tasks import TaskFunction, simulate_ends
from sim.files import atomic_write_json, atomic_write_text
from sim.scenario import Scenario

__all__ = ["NOISE_NOTE_SHARE", "Sensitivity", "SensitivityResult"]

FloatArray = npt.NDArray[np.float64]

NOISE_NOTE_SHARE = 0.1
"""Share of an output's variance that Monte Carlo noise may reach before a note is given."""


def _unique_columns(
    ranges: Sequence[Range], matrix: FloatArray
) -> tuple[list[dict[str, Scalar]], npt.NDArray[np.intp]]:
    """Return the distinct points of the Saltelli matrix and, per column, its point's index.

    Points are in order of first appearance.
    """
    index: dict[tuple[float, ...], int] = {}
    points: list[dict[str, Scalar]] = []
    where = np.empty(matrix.shape[1], dtype=np.intp)
    for col in range(matrix.shape[1]):
        column = tuple(float(v) for v in matrix[:, col])
        if column not in index:
            index[column] = len(points)
            points.append(
                {
                    r.key: (int(v) if r.integer else float(v))
                    for r, v in zip(ranges, column, strict=True)
                }
            )
        where[col] = index[column]
    return points, where


def output_names(scenario: Scenario) -> list[tuple[str, str]]:
    """``(deadline, outcome)`` of every output: each deadline's stages, then its endings."""
    return [(d.id, o) for d in scenario.deadlines for o in outcome_ids(scenario)]


@dataclass(frozen=True, init=False)
class Sensitivity:
    """A Sobol' sensitivity analysis of P(each stage, and each ending, by every deadline) at once.

    The model is evaluated at the columns of
    :func:`~sim.experiments.sensitivity.saltelli_points` (``samples * (d + 2)`` columns;
    equal columns, which integer ranges can give, are run once); every evaluation is ``runs``
    replications with the same seeds (common random numbers) and yields, by each deadline,
    P(each stage reached) and P(each ending): outputs named ``DEADLINE/OUTCOME``. The
    indices come from :func:`~sim.experiments.sensitivity.sobol` with bootstrap intervals.

    Parameters
    ----------
    params : sequence of Range or str, or mapping
        The uncertain parameters: ``KEY=LOW:HIGH`` texts, :class:`Range` objects, or a
        mapping from key to a ``(LOW, HIGH)`` tuple, e.g.
        ``{"actors.russia.tempo_days": (2, 10)}`` (ints for an integer range).
    scenario : Scenario, str or path-like, optional
        A scenario built in memory, a scenario file or packaged name; ``None`` for the
        baseline.
    samples : int, default 64
        Base sample size ``N``, a power of two.
    runs : int, default 100
        Replications per evaluation.
    seed : int, default 0
        Seed of the points, of the bootstrap and of the replications.
    n_resamples : int, default 999
        Bootstrap resamples.

    Raises
    ------
    DesignError
        If a parameter is not a range, ``runs`` is below 1 or ``samples`` is not a power of
        two.
    """

    params: tuple[Range, ...]
    scenario: ScenarioLike = None
    samples: int = 64
    runs: int = 100
    seed: int = 0
    n_resamples: int = 999

    def __init__(
        self,
        params: ParamsLike,
        scenario: ScenarioLike = None,
        samples: int = 64,
        runs: int = 100,
        seed: int = 0,
        n_resamples: int = 999,
    ) -> None:
        parsed = normalise_params(params)
        for param in parsed:
            if not isinstance(param, Range):
                raise DesignError(
                    f"parameter {param.key!r}: a sensitivity analysis needs ranges "
                    "KEY=LOW:HIGH, not a list of values"
                )
        object.__setattr__(self, "params", tuple(p for p in parsed if isinstance(p, Range)))
        object.__setattr__(self, "scenario", scenario)
        object.__setattr__(self, "samples", samples)
        object.__setattr__(self, "runs", runs)
        object.__setattr__(self, "seed", seed)
        object.__setattr__(self, "n_resamples", n_resamples)
        check_count("runs", runs)
        self.matrix()  # checks the ranges, the samples and the seed

    def matrix(self) -> FloatArray:
        """Return the ``(d, samples * (d + 2))`` evaluation matrix (see ``saltelli_points``)."""
        return saltelli_points(self.params, self.samples, self.seed)

    def points(self) -> list[dict[str, Scalar]]:
        """Return the distinct evaluation points, in order of first appearance."""
        return _unique_columns(self.params, self.matrix())[0]

    def base_scenario(self) -> Scenario:
        """Return the scenario without overrides."""
        return base_scenario(self.scenario)

    def validate(self) -> Plan:
        """Build every evaluation point's scenario, validated.

        Returns
        -------
        Plan
            The base scenario and the distinct points with their scenarios; give it to
            :meth:`run` so that nothing is validated twice.

        Raises
        ------
        ScenarioError, PointError
            As for :meth:`Sweep.validate <sim.experiments.sweep.Sweep.validate>`.
        """
        points = self.points()
        base = self.base_scenario()
        return Plan(base, tuple(points), tuple(point_scenarios(base, points)))

    def identity(self, base: Scenario | None = None) -> dict[str, Any]:
        """Return what identifies the analysis for ``--resume``."""
        base = base if base is not None else self.base_scenario()
        return {
            "kind": "sensitivity",
            "version": __version__,
            "scenario_sha256": base.sha256,
            "params": [p.to_json() for p in self.params],
            "samples": self.samples,
            "runs": self.runs,
            "seed": self.seed,
        }

    def open_store(
        self, folder: str | os.PathLike[str], *, resume: bool = False, plan: Plan | None = None
    ) -> PointStore:
        """Create (or with ``resume``, reopen) the analysis's results log in ``folder``.

        ``plan``, from :meth:`validate`, saves reading the scenario again.
        """
        base = plan.base if plan is not None else None
        points = len(plan.points) if plan is not None else len(self.points())
        return PointStore.open(folder, self.identity(base), points, resume=resume)

    def run(
        self,
        executor: ExecutorSpec | Backend | None = None,
        *,
        store: PointStore | None = None,
        on_progress: ProgressCallback | None = None,
        task: TaskFunction = simulate_ends,
        plan: Plan | None = None,
    ) -> SensitivityResult:
        """Validate every point, run those not in ``store``, then estimate the indices.

        Parameters and exceptions are those of
        :meth:`Sweep.run <sim.experiments.sweep.Sweep.run>`.

        Returns
        -------
        SensitivityResult
            The indices, one output per deadline.
        """
        began = time.perf_counter()
        plan = plan if plan is not None else self.validate()
        points, base = plan.points, plan.base
        if store is not None and store.identity != self.identity(base):
            raise StoreError(f"{store.path}: the results log belongs to another experiment")
        ids = [d.id for d in base.deadlines]
        outputs = output_names(base)
        records, label, resumed = run_points(
            plan.scenarios,
            points,
            ids,
            self.runs,
            self.seed,
            executor,
            store,
            on_progress,
            task,
        )
        probability = np.array(
            [[records[i].counts[d][o] / self.runs for d, o in outputs] for i in range(len(points))],
            dtype=np.float64,
        ).reshape(len(points), len(outputs))
        names = [f"{d}/{o}" for d, o in outputs]
        _, where = _unique_columns(self.params, self.matrix())

        def lookup(x: FloatArray) -> FloatArray:
            # sobol() calls this once, on exactly the matrix the points came from.
            result: FloatArray = probability[where].T
            return result

        indices = sobol(
            lookup, self.params, names, self.samples, self.seed, n_resamples=self.n_resamples
        )
        values = probability[where]
        notes = list(indices.warnings)
        # Exactly 0 for an output that did not vary (the variance of equal floats may not be).
        variances = tuple(
            float(np.var(values[:, j])) if np.ptp(values[:, j]) > 0 else 0.0
            for j in range(len(names))
        )
        for j, deadline in enumerate(names):
            variance = variances[j]
            noise = float(np.mean(values[:, j] * (1 - values[:, j]))) / self.runs
            if variance > 0 and noise / variance >= 1.0:
                notes.append(
                    f"{deadline}: the Monte Carlo noise of {self.runs} runs per point is as large "
                    "as the variance of P(by deadline) across points: the indices are mostly "
                    "noise; use more --runs"
                )
            elif variance > 0 and noise / variance > NOISE_NOTE_SHARE:
                notes.append(
                    f"{deadline}: the Monte Carlo noise of {self.runs} runs per point may make "
                    f"up to {noise / variance:.0%} of the variance of P(by deadline), which "
                    "inflates the indices; use more --runs"
                )
        return SensitivityResult(
            sensitivity=self,
            scenario=base,
            indices=indices,
            notes=tuple(notes),
            evaluations=len(points),
            variances=variances,
            backend=label,
            wall_time=time.perf_counter() - began,
            resumed=resumed,
        )


@dataclass(frozen=True)
class SensitivityResult:
    """Sobol' indices of P(each stage and ending by each deadline), with notes on their reliability.

    Parameters
    ----------
    sensitivity : Sensitivity
        The analysis run.
    scenario : Scenario
        The base scenario.
    indices : SobolIndices
        One output per deadline and outcome (``DEADLINE/OUTCOME``), one column per parameter.
    notes : tuple of str
        One line each: small samples, wide intervals, Monte Carlo noise (see
        :mod:`sim.experiments.sensitivity`).
    evaluations : int
        Distinct points run.
    backend : str
        Where the runs were made.
    wall_time : float
        Seconds.
    resumed : int
        Points taken from the results log.
    variances : tuple of float
        Each output's variance over the evaluations, in the order of ``indices.outputs``;
        0 for an output that did not vary, whose indices are undefined (0 by convention).
    """

    sensitivity: Sensitivity
    scenario: Scenario
    indices: SobolIndices
    notes: tuple[str, ...]
    evaluations: int
    backend: str = "1 local process"
    wall_time: float = 0.0
    resumed: int = 0
    variances: tuple[float, ...] = ()

    COLUMNS = (
        "deadline",
        "outcome",
        "param",
        "first",
        "first_low",
        "first_high",
        "total",
        "total_low",
        "total_high",
    )

    def records(self) -> list[dict[str, Any]]:
        """Return one row per (deadline, outcome, parameter), keyed by :attr:`COLUMNS`.

        The outcomes are every stage and ending of the scenario, by the deadline.
        """
        ix = self.indices
        rows = []
        for i, output in enumerate(ix.outputs):
            deadline, _, outcome = output.partition("/")
            for j, param in enumerate(ix.params):
                rows.append(
                    {
                        "deadline": deadline,
                        "outcome": outcome,
                        "param": param,
                        "first": float(ix.first_order[i, j]),
                        "first_low": float(ix.first_low[i, j]),
                        "first_high": float(ix.first_high[i, j]),
                        "total": float(ix.total[i, j]),
                        "total_low": float(ix.total_low[i, j]),
                        "total_high": float(ix.total_high[i, j]),
                    }
                )
        return rows

    def to_pandas(self) -> Any:
        """Return :meth:`records` as a :class:`pandas.DataFrame`.

        Raises
        ------
        ImportError
            If pandas is not installed.
        """
        pandas = import_pandas(".records()")
        return pandas.DataFrame.from_records(self.records(), columns=list(self.COLUMNS))

    def csv_text(self) -> str:
        """Return ``sensitivity.csv``."""
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=list(self.COLUMNS), lineterminator="\n")
        writer.writeheader()
        writer.writerows(self.records())
        return buffer.getvalue()

    def to_json(self) -> dict[str, Any]:
        """Return ``sensitivity.json``: provenance, the set-up, the indices and the notes."""
        s = self.sensitivity
        return {
            **provenance(self.scenario),
            "experiment": "sensitivity",
            "params": [p.to_json() for p in s.params],
            "samples": s.samples,
            "runs_per_point": s.runs,
            "seed": s.seed,
            "n_resamples": s.n_resamples,
            "interval": "95% bootstrap (BCa)",
            "common_random_numbers": True,
            "evaluations": self.evaluations,
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
                for d in self.scenario.deadlines
            ],
            "notes": list(self.notes),
            "output_variance": (
                dict(zip(self.indices.outputs, self.variances, strict=True))
                if self.variances
                else {}
            ),
            "sobol": self.indices.to_json(),
            "backend": self.backend,
            "points_resumed": self.resumed,
            "wall_time_s": round(self.wall_time, 3),
        }

    def save(self, folder: str | os.PathLike[str]) -> list[Path]:
        """Write ``sensitivity.csv`` then ``sensitivity.json``."""
        out = Path(folder)
        atomic_write_text(out / "sensitivity.csv", self.csv_text())
        atomic_write_json(out / "sensitivity.json", self.to_json())
        return [out / "sensitivity.csv", out / "sensitivity.json"]
