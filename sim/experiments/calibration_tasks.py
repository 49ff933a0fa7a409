"""The functions a calibration and a backtest send to workers, and what they simulate.

Like :mod:`sim.experiments.tasks`, every task here is a top-level function of its arguments
only, so it pickles by reference and gives the same result on any worker. This module
imports numpy, the engine and the scenario; the ABC library is imported only inside
:func:`evaluate_particles`, on the worker that runs it.

Seeds
-----
* A candidate particle of an ABC-SMC calibration is keyed by ``(generation, index)``: its
  seed sequence is ``SeedSequence(seed, spawn_key=(generation, index))``. Its first child
  seeds numpy's and :mod:`random`'s global generators, which the library's proposal draws
  from; its second gives the seed of the particle's simulation. A particle is thus the same
  whichever worker evaluates it, in whatever batch.
* A posterior predictive run or a backtest run ``i`` under a posterior draws its parameter
  set with :meth:`~sim.experiments.posterior.Posterior.draw` (keyed by ``(seed, i)``) and
  simulates run ``i`` of ``seed``.
"""

from __future__ import annotations

import math
import random
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from sim.engine.compiled import compile_scenario
from sim.engine.run import simulate
from sim.experiments.posterior import Posterior
from sim.experiments.summaries import SummarySpec, summarize, without_calibration
from sim.scenario.loader import with_overrides
from sim.scenario.schema import Scenario

__all__ = [
    "ParticleModel",
    "evaluate_particles",
    "particle_seeds",
    "simulate_particle",
    "simulate_stage_days",
    "simulate_summaries",
]

FloatArray = npt.NDArray[np.float64]

# One particle at a time per process: the library's proposal draws from numpy's global
# generator, which a particle seeds; a Dask worker with several threads would otherwise mix
# two particles' draws.
_LOCK = threading.Lock()


class _Current(threading.local):
    seed: int | None = None


_CURRENT = _Current()


def particle_seeds(seed: int, generation: int, index: int) -> tuple[np.ndarray, int, int]:
    """The seeds of candidate particle ``index`` of ``generation``.

    Returns
    -------
    tuple
        The state for :func:`numpy.random.seed` (uint32 words), the seed for
        :func:`random.seed`, and the particle's simulation seed (a 63-bit integer).
    """
    sequence = np.random.SeedSequence(seed, spawn_key=(generation, index))
    proposal, simulation = sequence.spawn(2)
    words = proposal.generate_state(8, np.uint32)
    python_seed = int.from_bytes(proposal.generate_state(2, np.uint64).tobytes(), "little")
    sim_seed = int(simulation.generate_state(1, np.uint64)[0] >> np.uint64(1))
    return words, python_seed, sim_seed


@dataclass(frozen=True)
class ParticleModel:
    """What a particle's simulation needs: the scenario run from the start, and the statistics.

    Attributes
    ----------
    scenario
        The scenario whose origin is its start (see
        :func:`~sim.experiments.summaries.window_scenario`).
    spec
        The statistics.
    keys
        Per fitted parameter: its scenario key, and whether the library sees its logarithm
        (base 10; for a loguniform prior).
    names
        The library's name of each parameter (the prior ids).
    """

    scenario: Scenario
    spec: SummarySpec
    keys: tuple[tuple[str, bool], ...]
    names: tuple[str, ...]

    def values(self, parameters: Mapping[str, Any]) -> dict[str, float]:
        """The scenario values of a parameter set as the library sees it."""
        out = {}
        for name, (key, log) in zip(self.names, self.keys, strict=True):
            value = float(parameters[name])
            out[key] = 10.0**value if log else value
        return out


def simulate_particle(parameters: Mapping[str, Any], model: ParticleModel) -> dict[str, float]:
    """The statistics of one simulation with ``parameters``: the library's model function.

    Its seed is the one :func:`evaluate_particles` set for the particle; called any other
    way, it draws one from numpy's global generator.
    """
    seed = _CURRENT.seed
    if seed is None:
        seed = int(np.random.randint(0, 2**62))  # noqa: NPY002 - pyabc draws from the global state
    scenario = with_overrides(model.scenario, model.values(parameters))
    result = simulate(scenario, seed, 0, trace=True)
    stats = summarize(result, model.spec)
    return dict(zip(model.spec.names, stats.tolist(), strict=True))


def evaluate_particles(
    payload: bytes, seed: int, generation: int, start: int, stop: int
) -> list[Any]:
    """Evaluate candidate particles ``start .. stop - 1`` of ``generation``.

    Parameters
    ----------
    payload
        The library's ``simulate_one`` function, pickled with cloudpickle (it is a closure:
        the standard pickle cannot carry it).
    seed
        The calibration's master seed.
    generation, start, stop
        Which candidates (see the module docstring for their seeds).

    Returns
    -------
    list
        One particle (accepted or not) per candidate, in index order.
    """
    import cloudpickle

    simulate_one = cloudpickle.loads(payload)
    particles = []
    with _LOCK:
        saved_numpy = np.random.get_state()  # noqa: NPY002 - pyabc draws from the global state
        saved_python = random.getstate()
        try:
            for index in range(start, stop):
                words, python_seed, sim_seed = particle_seeds(seed, generation, index)
                np.random.seed(words)  # noqa: NPY002 - pyabc draws from the global state
                random.seed(python_seed)
                _CURRENT.seed = sim_seed
                particles.append(simulate_one())
        finally:
            _CURRENT.seed = None
            np.random.set_state(saved_numpy)  # noqa: NPY002 - pyabc draws from the global state
            random.setstate(saved_python)
    return particles


def _scenario_for(
    scenario: Scenario, posterior: Posterior | None, row: int, cache: dict[int, Scenario]
) -> Scenario:
    if posterior is None:
        return scenario
    if row not in cache:
        cache[row] = with_overrides(scenario, posterior.parameters(row))
    return cache[row]


def simulate_summaries(
    posterior: Posterior | None,
    scenario: Scenario,
    spec: SummarySpec,
    seed: int,
    start: int,
    stop: int,
) -> FloatArray:
    """The statistics of runs ``start .. stop - 1`` (posterior predictive runs).

    Run ``i`` takes its parameter set from ``posterior`` (drawn by ``(seed, i)``), if given,
    and simulates run ``i`` of ``seed``.

    Returns
    -------
    ndarray, shape (stop - start, statistics)
    """
    cache: dict[int, Scenario] = {}
    rows = []
    for run in range(start, stop):
        row = posterior.draw(seed, run) if posterior is not None else -1
        chosen = _scenario_for(scenario, posterior, row, cache)
        rows.append(summarize(simulate(chosen, seed, run, trace=True), spec))
    return np.array(rows, dtype=np.float64).reshape(stop - start, len(spec.names))


def simulate_stage_days(
    posterior: Posterior | None, scenario: Scenario, seed: int, start: int, stop: int
) -> FloatArray:
    """The day each stage was reached in runs ``start .. stop - 1`` (``nan``: not by the horizon).

    Run ``i`` takes its parameter set from ``posterior`` (drawn by ``(seed, i)``), if given,
    and simulates run ``i`` of ``seed``.

    Returns
    -------
    ndarray, shape (stop - start, stages)
    """
    scenario = without_calibration(scenario) if posterior is not None else scenario
    cache: dict[int, Scenario] = {}
    compiled: dict[int, Any] = {}
    days = np.full((stop - start, len(scenario.stages)), math.nan)
    for k, run in enumerate(range(start, stop)):
        row = posterior.draw(seed, run) if posterior is not None else -1
        if row not in compiled:
            compiled[row] = compile_scenario(_scenario_for(scenario, posterior, row, cache))
        result = simulate(compiled[row], seed, run)
        days[k] = [math.nan if d is None else d for d in result.stage_days]
    return days
