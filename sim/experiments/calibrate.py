"""Calibration: the posterior of a scenario's declared parameters given its record (ABC-SMC).

:func:`calibrate` fits the parameters a scenario's ``[calibration]`` table declares, with
their priors, to the record up to a date: runs simulated from the scenario start (so that
the model must generate the history itself) are compared with the record through the
summary statistics of :mod:`sim.experiments.summaries`, by approximate Bayesian computation
with pyabc's ABC-SMC (pyabc 0.13; an optional extra: ``pip install 'negsim[calibrate]'``).

Choices, and why
----------------
* **pyabc, not ELFI.** Both were tried here (Python 3.11): ELFI 0.8.8 requires
  matplotlib < 3.9 (it would downgrade ours, 3.11) and brings GPy; pyabc 0.13.0 installs
  beside the project's numpy, pandas and matplotlib, stores its generations in SQLite (a
  store to resume from) and has adaptive distances.
* **Distance.** ``AdaptivePNormDistance`` (p = 2) with a robust scale,
  :func:`robust_scale`: 1.4826 × the median absolute deviation of each statistic over the
  previous generation, or its standard deviation where that is 0 (a count that is mostly 0),
  statistics that never vary get weight 0. The threshold is pyabc's ``MedianEpsilon``; the
  proposal its ``MultivariateNormalTransition``. A parameter with a loguniform prior is
  fitted as its base-10 logarithm (uniform), so that the proposal's steps are relative.
* **Reproducible.** The same seed gives the same posterior whatever the number of workers
  or the back end: candidates are keyed by (generation, index) and accepted in index order
  (:class:`~sim.experiments.abc_sampler.KeyedSampler`).
* **One generation per pyabc run.** Each generation is run by a new ``ABCSMC`` object
  loaded from the database (pyabc's own way to continue a run). pyabc re-fits the distance
  and threshold from the stored population when it continues, and differently when it goes
  on in one run (from every particle of the generation, the rejected too); running every
  generation the way a resumed run does makes an interrupted and resumed calibration give
  exactly what an uninterrupted one gives.
* **Resume.** With an output folder, pyabc's SQLite database (``abc.db``) holds every
  finished generation; ``calibration.json`` holds what the calibration is (scenario hash,
  window, statistics, observed values, priors, seed, population). Run again with
  ``resume=True`` it continues after the last finished generation. Only summaries are
  stored, never trajectories.
* **Stops.** After ``generations`` generations; when a generation would need more than
  ``population / min_acceptance`` simulations (that generation is dropped); or when the wall
  time runs out (no new batch starts; the generation under way is dropped). The last two
  depend on the run; the message says which was reached. A calibration stopped by the wall
  time is reproducible only up to the generation it reached.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import logging
import math
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from sim._version import __version__
from sim.errors import InputError, Interrupted, WorkFailed
from sim.experiments.calibration_tasks import ParticleModel, simulate_particle, simulate_summaries
from sim.experiments.executors import Backend, ExecutorSpec
from sim.experiments.posterior import Posterior, weighted_quantile
from sim.experiments.scheduler import MAX_CHUNK, ProgressCallback, Scheduler, Tally, Task
from sim.experiments.sizes import PARTICLE_BYTES, check_fits, run_bytes
from sim.experiments.summaries import SummarySpec, observed, summary_spec, window_scenario
from sim.files import atomic_write_json, read_json_file
from sim.scenario.loader import check_calibration
from sim.scenario.schema import PriorSpec, Scenario

__all__ = [
    "KEPT_FILES",
    "PYABC_HINT",
    "CalibrationError",
    "CalibrationResult",
    "CalibrationSettings",
    "GenerationInfo",
    "PredictiveCheck",
    "calibrate",
    "calibration_until",
    "require_pyabc",
    "robust_scale",
]

FloatArray = npt.NDArray[np.float64]

#: What to install for calibrations and backtests with --calibrate.
PYABC_HINT = "pip install 'negsim[calibrate]'  (or: pip install pyabc==0.13.0)"

#: The identity file of a calibration's output folder, and its database.
IDENTITY_NAME = "calibration.json"
DB_NAME = "abc.db"

#: What a calibration keeps in its output folder as it runs, to be resumed: the identity,
#: pyabc's database and SQLite's journals beside it (a killed write's rollback needs them).
KEPT_FILES = (IDENTITY_NAME, DB_NAME, f"{DB_NAME}-journal", f"{DB_NAME}-wal", f"{DB_NAME}-shm")

#: Spawn-key word of the seeds of the main process's own draws, per generation.
CONTROL_KEY = 0x63746C  # "ctl"


class CalibrationError(InputError):
    """A calibration that cannot start: no [calibration] table, a bad window, another's folder."""


def require_pyabc() -> Any:
    """Import pyabc, or say in one line what to install (exit status 2)."""
    try:
        import pyabc
    except ImportError:
        raise CalibrationError(
            f"calibration needs pyabc, which is not installed; install it with: {PYABC_HINT}"
        ) from None
    return pyabc


def calibration_until(scenario: Scenario, until: dt.date | None) -> dt.date:
    """The window's end: ``until``, else ``[calibration].until``, else the scenario's ``as_of``.

    Raises
    ------
    CalibrationError
        If it is not after the start or is after the last record event.
    """
    chosen = until
    if chosen is None and scenario.calibration is not None:
        chosen = scenario.calibration.until
    if chosen is None:
        chosen = scenario.as_of
    if chosen <= scenario.start:
        raise CalibrationError(
            f"--until {chosen}: must be after the scenario start ({scenario.start}) of "
            f"{scenario.source}"
        )
    last = max((e.date for e in scenario.events if not e.scheduled), default=scenario.start)
    if chosen > last:
        raise CalibrationError(
            f"--until {chosen}: the record of {scenario.source} ends on {last}; "
            "a calibration compares with the record, so the window must end by then"
        )
    return chosen


def robust_scale(*, samples: FloatArray, **_: Any) -> FloatArray:
    """The scale of each statistic: 1.4826 × its MAD, or its standard deviation where that is 0.

    pyabc calls it with the previous generation's statistics (``samples``, one row per
    particle); a scale of 0 (a statistic that never varies) gets weight 0.
    """
    data = np.asarray(samples, dtype=np.float64)
    median = np.nanmedian(data, axis=0)
    mad = 1.4826 * np.nanmedian(np.abs(data - median), axis=0)
    std = np.nanstd(data, axis=0)
    return np.asarray(np.where(mad > 0, mad, std), dtype=np.float64)


@dataclass(frozen=True, slots=True)
class CalibrationSettings:
    """How a calibration samples and when it stops.

    Attributes
    ----------
    population
        Accepted particles per generation.
    generations
        Generations at most (generation 0 samples from the prior).
    min_acceptance
        A generation that would need more than ``population / min_acceptance`` simulations
        is dropped and the calibration stops.
    max_seconds
        Wall time after which no new batch starts (``None``: no limit).
    predictive_runs
        Runs of the posterior predictive check.
    """

    population: int = 200
    generations: int = 8
    min_acceptance: float = 0.02
    max_seconds: float | None = None
    predictive_runs: int = 300

    def __post_init__(self) -> None:
        if self.population < 2:
            raise ValueError(f"the population must be at least 2, got {self.population}")
        check_fits(self.population, "particles a generation", PARTICLE_BYTES)
        if self.generations < 1:
            raise ValueError(f"generations must be at least 1, got {self.generations}")
        if not 0.0 < self.min_acceptance < 1.0:
            raise ValueError(f"min_acceptance must be in (0, 1), got {self.min_acceptance}")
        if self.max_seconds is not None and not self.max_seconds > 0:
            raise ValueError(f"max_seconds must be above 0, got {self.max_seconds}")
        if self.predictive_runs < 1:
            raise ValueError(f"predictive_runs must be at least 1, got {self.predictive_runs}")


@dataclass(frozen=True, slots=True)
class GenerationInfo:
    """One finished generation: its threshold, simulations and acceptance rate."""

    t: int
    epsilon: float
    particles: int
    simulations: int

    @property
    def acceptance(self) -> float:
        """Accepted particles per simulation."""
        return self.particles / self.simulations if self.simulations else math.nan

    def to_json(self) -> dict[str, Any]:
        """As plain JSON."""
        return {
            "generation": self.t,
            "epsilon": self.epsilon,
            "particles": self.particles,
            "simulations": self.simulations,
            "acceptance": self.acceptance,
        }


@dataclass(frozen=True)
class PredictiveCheck:
    """The posterior predictive check: each statistic's observed value against its simulations.

    Attributes
    ----------
    names
        The statistics (see :mod:`sim.experiments.summaries`); after them, one
        ``rate:ACTOR:KIND`` per counted pair: its actions per 30 days over the window.
    observed
        The record's values.
    simulated
        One row per predictive run.
    """

    names: tuple[str, ...]
    observed: FloatArray
    simulated: FloatArray

    @classmethod
    def build(
        cls, spec: SummarySpec, observed: FloatArray, simulated: FloatArray
    ) -> PredictiveCheck:
        """The check of ``spec``'s statistics, with the rate of each counted pair added."""
        periods = spec.periods
        per_month = 30.0 / (spec.until_day + 1)
        n_counts = len(spec.pairs) * periods
        rate_obs = observed[:n_counts].reshape(len(spec.pairs), periods).sum(axis=1) * per_month
        rate_sim = (
            simulated[:, :n_counts].reshape(len(simulated), len(spec.pairs), periods).sum(axis=2)
            * per_month
        )
        names = (*spec.names, *(f"rate:{a}:{k}" for a, k in spec.pairs))
        return cls(
            names=names,
            observed=np.concatenate([observed, rate_obs]),
            simulated=np.concatenate([simulated, rate_sim], axis=1),
        )

    def band(self, level: float = 0.90) -> tuple[FloatArray, FloatArray]:
        """The central ``level`` band of each statistic's simulated values (low, high)."""
        tail = (1.0 - level) / 2.0
        low = np.quantile(self.simulated, tail, axis=0, method="inverted_cdf")
        high = np.quantile(self.simulated, 1.0 - tail, axis=0, method="inverted_cdf")
        return np.asarray(low, dtype=np.float64), np.asarray(high, dtype=np.float64)

    def percentile(self) -> FloatArray:
        """The observed value's predictive percentile: P(X < x) + ½ P(X = x), in [0, 1]."""
        below = (self.simulated < self.observed).mean(axis=0)
        equal = (self.simulated == self.observed).mean(axis=0)
        return np.asarray(below + 0.5 * equal, dtype=np.float64)

    def inside(self, level: float = 0.90) -> np.ndarray:
        """Whether each observed value lies in its central ``level`` band (ends included)."""
        low, high = self.band(level)
        return np.asarray((self.observed >= low) & (self.observed <= high))

    def rows(self, level: float = 0.90) -> list[dict[str, Any]]:
        """One row per statistic: observed, median, band, percentile, inside."""
        low, high = self.band(level)
        median = np.median(self.simulated, axis=0)
        pct = self.percentile()
        inside = self.inside(level)
        return [
            {
                "statistic": name,
                "observed": float(self.observed[i]),
                "median": float(median[i]),
                "low": float(low[i]),
                "high": float(high[i]),
                "percentile": float(pct[i]),
                "inside": bool(inside[i]),
            }
            for i, name in enumerate(self.names)
        ]


@dataclass(frozen=True)
class CalibrationResult:
    """What a calibration found.

    Attributes
    ----------
    scenario
        The scenario calibrated.
    until
        The window's last day.
    spec, observed
        The statistics and the record's values.
    priors
        The fitted parameters and their priors.
    posterior
        The last generation's weighted sample, by key.
    generations
        Every finished generation.
    stop
        Why it stopped, one line.
    seed, settings
        The master seed and the sampling settings.
    check
        The posterior predictive check.
    backend, wall_time
        How it ran, and for how long (seconds; this invocation only).
    """

    scenario: Scenario
    until: dt.date
    spec: SummarySpec
    observed: FloatArray
    priors: tuple[PriorSpec, ...]
    posterior: Posterior
    generations: tuple[GenerationInfo, ...]
    stop: str
    seed: int
    settings: CalibrationSettings
    check: PredictiveCheck
    backend: str = ""
    wall_time: float = 0.0
    _extra: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def parameter_rows(self) -> list[dict[str, Any]]:
        """Per parameter: its key, prior, posterior median and 90% interval."""
        q = self.posterior.quantiles([0.05, 0.5, 0.95])
        return [
            {
                "id": p.id,
                "key": p.key,
                "prior": p.prior,
                "low": p.low,
                "high": p.high,
                "median": float(q[1, j]),
                "q05": float(q[0, j]),
                "q95": float(q[2, j]),
            }
            for j, p in enumerate(self.priors)
        ]

    def to_json(self) -> dict[str, Any]:
        """The result as one JSON object (``negsim calibrate --format json``)."""
        rows = self.check.rows()
        return {
            "negsim_version": __version__,
            "scenario": self.scenario.name,
            "scenario_sha256": self.scenario.sha256,
            "until": self.until.isoformat(),
            "seed": self.seed,
            "population": self.settings.population,
            "stop": self.stop,
            "generations": [g.to_json() for g in self.generations],
            "simulations": sum(g.simulations for g in self.generations),
            "parameters": self.parameter_rows(),
            "predictive_check": {
                "runs": int(self.check.simulated.shape[0]),
                "level": 0.90,
                "inside": sum(r["inside"] for r in rows),
                "statistics": rows,
            },
            "backend": self.backend,
            "wall_time": self.wall_time,
        }


def _priors(pyabc: Any, priors: Sequence[PriorSpec]) -> Any:
    rvs = {}
    for p in priors:
        if p.prior == "loguniform":
            low, high = math.log10(p.low), math.log10(p.high)
        else:
            low, high = p.low, p.high
        rvs[p.id] = pyabc.RV("uniform", low, high - low)
    return pyabc.Distribution(**rvs)


def _identity(
    scenario: Scenario,
    until: dt.date,
    spec: SummarySpec,
    obs: FloatArray,
    seed: int,
    population: int,
) -> dict[str, Any]:
    assert scenario.calibration is not None
    return {
        "negsim_version": __version__,
        "scenario": scenario.name,
        "scenario_sha256": scenario.sha256,
        "until": until.isoformat(),
        "seed": seed,
        "population": population,
        "priors": [
            {"id": p.id, "key": p.key, "prior": p.prior, "low": p.low, "high": p.high}
            for p in scenario.calibration.params
        ],
        "statistics": spec.to_json(),
        "observed": [float(v) for v in obs],
    }


def _fingerprint(identity: dict[str, Any]) -> str:
    text = json.dumps(identity, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


@contextlib.contextmanager
def _quiet_pyabc() -> Iterator[None]:
    """Pyabc logs every generation at INFO on stderr; negsim reports progress itself."""
    logger = logging.getLogger("ABC")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def _open_folder(folder: Path, identity: dict[str, Any], resume: bool) -> bool:
    """Check (or start) an output folder; return whether it holds generations to continue."""
    ident = folder / IDENTITY_NAME
    db = folder / DB_NAME
    if ident.exists():
        if not resume:
            raise CalibrationError(
                f"{folder} holds a calibration already: add --resume to continue it, or "
                "choose another --out"
            )
        stored = read_json_file(ident)
        if not isinstance(stored, dict) or stored.get("fingerprint") != _fingerprint(identity):
            raise CalibrationError(
                f"{folder}/{IDENTITY_NAME} is another calibration's (scenario, window, "
                "statistics, priors, seed or population differ): --resume cannot continue it"
            )
        return db.exists()
    if db.exists():
        raise CalibrationError(f"{folder}/{DB_NAME} exists without {IDENTITY_NAME}: not ours")
    atomic_write_json(ident, {"fingerprint": _fingerprint(identity), "identity": identity})
    return False


def calibrate(
    scenario: Scenario,
    until: dt.date | None = None,
    seed: int = 0,
    *,
    settings: CalibrationSettings | None = None,
    executor: ExecutorSpec | Backend | None = None,
    folder: str | Path | None = None,
    resume: bool = False,
    on_progress: ProgressCallback | None = None,
) -> CalibrationResult:
    """Fit the scenario's ``[calibration]`` parameters to its record up to ``until``.

    Parameters
    ----------
    scenario
        A validated scenario with a ``[calibration]`` table.
    until
        The window's last day (default: ``[calibration].until``, else ``as_of``).
    seed
        The master seed: the same seed gives the same posterior on any back end.
    settings
        Population, generations and stop rules (default :class:`CalibrationSettings`).
    executor
        Where to simulate (default: all local cores).
    folder
        Where pyabc's database and the identity file live (default: a temporary folder,
        removed at the end).
    resume
        Continue the calibration ``folder`` holds.
    on_progress
        Called with (simulations done, simulations planned so far).

    Returns
    -------
    CalibrationResult

    Raises
    ------
    CalibrationError
        No ``[calibration]`` table, a window outside the record, pyabc missing, a folder
        holding another calibration.
    Interrupted
        On Ctrl-C, counting finished generations (saved in ``folder``).
    WorkFailed
        If no generation finished within the wall time.
    """
    pyabc = require_pyabc()
    if scenario.calibration is None:
        raise CalibrationError(
            f"{scenario.source}: no [calibration] table: nothing to fit (declare the "
            "parameters and their priors under [calibration.params.ID])"
        )
    check_calibration(scenario)  # its priors, against the values --set may have changed
    settings = settings or CalibrationSettings()
    if seed < 0:
        raise ValueError(f"the seed must be a non-negative integer, got {seed}")
    check_fits(settings.predictive_runs, "predictive runs", run_bytes(scenario))
    began = time.perf_counter()
    until = calibration_until(scenario, until)
    spec = summary_spec(scenario, until)
    obs = observed(scenario, spec)
    priors = scenario.calibration.params
    identity = _identity(scenario, until, spec, obs, seed, settings.population)
    with contextlib.ExitStack() as stack:
        if folder is None:
            where = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="negsim-abc-")))
            continuing = False
        else:
            where = Path(folder)
            continuing = _open_folder(where, identity, resume)
        db_url = f"sqlite:///{where / DB_NAME}"
        model = ParticleModel(
            scenario=window_scenario(scenario, until),
            spec=spec,
            keys=tuple((p.key, p.prior == "loguniform") for p in priors),
            names=tuple(p.id for p in priors),
        )
        stack.enter_context(_quiet_pyabc())
        scheduler = stack.enter_context(Scheduler(executor))
        tally = Tally(0, "simulations", on_progress)
        deadline = None if settings.max_seconds is None else time.monotonic() + settings.max_seconds
        stop, generations = _run_generations(
            pyabc,
            scenario,
            model,
            priors,
            obs,
            seed,
            settings,
            scheduler,
            tally,
            deadline,
            db_url,
            continuing,
            where,
        )
        history = pyabc.History(db_url)
        frame, weights = history.get_distribution(m=0, t=history.max_t)
        values = np.column_stack([frame[p.id].to_numpy(dtype=np.float64) for p in priors])
        for j, p in enumerate(priors):
            if p.prior == "loguniform":
                values[:, j] = 10.0 ** values[:, j]
        posterior = Posterior(
            tuple(p.key for p in priors),
            values,
            np.asarray(weights, dtype=np.float64),
            source=f"calibration of {scenario.name}",
        )
        check = _predictive_check(
            scheduler, posterior, model, obs, seed, settings.predictive_runs, on_progress
        )
        backend = scheduler.label
    return CalibrationResult(
        scenario=scenario,
        until=until,
        spec=spec,
        observed=obs,
        priors=priors,
        posterior=posterior,
        generations=generations,
        stop=stop,
        seed=seed,
        settings=settings,
        check=check,
        backend=backend,
        wall_time=time.perf_counter() - began,
    )


def _generations_so_far(pyabc: Any, db_url: str) -> tuple[GenerationInfo, ...]:
    history = pyabc.History(db_url)
    pops = history.get_all_populations()
    pops = pops[pops.t >= 0]
    return tuple(
        GenerationInfo(int(r.t), float(r.epsilon), int(r.particles), int(r.samples))
        for r in pops.itertuples()
    )


def _run_generations(
    pyabc: Any,
    scenario: Scenario,
    model: ParticleModel,
    priors: Sequence[PriorSpec],
    obs: FloatArray,
    seed: int,
    settings: CalibrationSettings,
    scheduler: Scheduler,
    tally: Tally,
    deadline: float | None,
    db_url: str,
    continuing: bool,
    folder: Path,
) -> tuple[str, tuple[GenerationInfo, ...]]:
    """Run generations until a stop rule; return why it stopped, and the generations."""
    from sim.experiments.abc_sampler import KeyedSampler

    names = model.spec.names
    x0 = dict(zip(names, obs.tolist(), strict=True))
    db_file = folder / DB_NAME
    if continuing and pyabc.History(db_url).max_t < 0:
        # Interrupted before generation 0 finished: nothing to continue from.
        db_file.unlink()
        continuing = False
    sampler = KeyedSampler(scheduler, seed, tally, deadline=deadline)
    while True:
        done = _generations_so_far(pyabc, db_url) if continuing else ()
        t = len(done)
        if t >= settings.generations:
            return (
                f"reached generation {t - 1}, the last of --generations {settings.generations}",
                done,
            )
        if deadline is not None and time.monotonic() >= deadline and t > 0:
            return _walltime_message(settings, t - 1, during=None), done
        abc = pyabc.ABCSMC(
            models=partial(simulate_particle, model=model),
            parameter_priors=_priors(pyabc, priors),
            distance_function=pyabc.AdaptivePNormDistance(p=2, scale_function=robust_scale),
            population_size=settings.population,
            sampler=sampler,
        )
        if continuing:
            abc.load(db_url, 1)
        else:
            abc.new(db_url, x0)
            continuing = True
        # pyabc's own draws outside particles (none are known; this keeps them keyed too).
        control = np.random.SeedSequence(seed, spawn_key=(CONTROL_KEY, t))
        np.random.seed(control.generate_state(8, np.uint32))  # noqa: NPY002 - pyabc draws from the global state
        try:
            abc.run(max_nr_populations=1, min_acceptance_rate=settings.min_acceptance)
        except Interrupted:
            raise Interrupted(t, settings.generations, "generations") from None
        after = _generations_so_far(pyabc, db_url)
        if len(after) == t:  # the generation was dropped
            if sampler.stopped == "walltime":
                if t == 0:
                    raise WorkFailed(
                        "the wall-time limit was reached before generation 0 finished: "
                        "no posterior (allow more time)"
                    )
                return _walltime_message(settings, t - 1, during=t), after
            needed = math.ceil(settings.population / settings.min_acceptance)
            if t == 0:
                raise WorkFailed(f"generation 0 needed over {needed} simulations: no posterior")
            return (
                f"generation {t} needed over {needed} simulations for {settings.population} "
                f"particles (acceptance below --min-acceptance {settings.min_acceptance:g}); "
                f"the posterior is generation {t - 1}'s",
                after,
            )


def _walltime_message(settings: CalibrationSettings, last: int, during: int | None) -> str:
    assert settings.max_seconds is not None
    limit = f"{settings.max_seconds / 60:g} min"
    if during is None:
        return f"the wall-time limit ({limit}) was reached after generation {last}"
    return (
        f"the wall-time limit ({limit}) was reached during generation {during}, which was "
        f"dropped; the posterior is generation {last}'s"
    )


def _predictive_check(
    scheduler: Scheduler,
    posterior: Posterior,
    model: ParticleModel,
    obs: FloatArray,
    seed: int,
    runs: int,
    on_progress: ProgressCallback | None,
) -> PredictiveCheck:
    """Simulate ``runs`` runs from the posterior and compare their statistics with the record."""
    parts: list[FloatArray] = []
    size = max(1, min(MAX_CHUNK, math.ceil(runs / (4 * scheduler.parallelism))))
    scheduler.run(
        (
            Task(
                simulate_summaries,
                (posterior, model.scenario, model.spec, seed, a, min(a + size, runs)),
                min(a + size, runs) - a,
                f"predictive runs {a}..{min(a + size, runs) - 1}",
            )
            for a in range(0, runs, size)
        ),
        parts.append,
        Tally(runs, "runs", on_progress),
    )
    return PredictiveCheck.build(model.spec, obs, np.concatenate(parts, axis=0))


def posterior_quantile(values: FloatArray, weights: FloatArray, q: float) -> float:
    """One weighted quantile (a convenience for reports)."""
    return float(weighted_quantile(values, weights, q)[0])
