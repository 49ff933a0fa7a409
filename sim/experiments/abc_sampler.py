"""A pyabc sampler whose result does not depend on the workers: :class:`KeyedSampler`.

pyabc's parallel samplers are not reproducible: a particle's random draws depend on which
worker ran it and when (pyabc issues #392 and #400; ``MappingSampler`` even reseeds every
worker from the operating system's entropy), and which particles are accepted depends on
which finished first. This sampler makes a generation a function of the seed alone:

* candidate particle ``i`` of generation ``g`` is evaluated with the seeds of
  ``SeedSequence(seed, spawn_key=(g, i))`` (see
  :func:`~sim.experiments.calibration_tasks.evaluate_particles`); ``g`` is pyabc's ``t``
  plus one, so that the calibration sample pyabc takes from the prior (its ``t = -1``) is
  generation 0 here;
* candidates are sent in batches of consecutive indices through negsim's one scheduler
  (:mod:`sim.experiments.scheduler`: local processes, this process, or Dask, with its
  retry of a lost worker and its Ctrl-C);
* the generation keeps the first ``n`` accepted candidates in index order, and every
  rejected one before the ``n``-th accepted; candidates evaluated past it are dropped.

So the accepted population, the evaluation count and the rejected particles are the same for
any batch size and any number of workers. pyabc's own Dask sampler is not used (it is
fragile: pyabc issue #17), nor its multicore samplers.
"""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np
import pyabc

from sim.experiments.calibration_tasks import evaluate_particles
from sim.experiments.scheduler import Scheduler, Tally, Task

__all__ = ["KeyedSampler"]

#: Candidates per task at most: small enough that progress is smooth and a lost worker
#: loses little, large enough that sending the pickled ``simulate_one`` is cheap.
MAX_PARTICLES_PER_TASK = 25

#: The acceptance rate assumed before any is known, for the size of the first batch.
FIRST_RATE = 0.5


class KeyedSampler(pyabc.Sampler):
    """Evaluate candidates keyed by (generation, index) through a negsim scheduler.

    Parameters
    ----------
    scheduler
        An open :class:`~sim.experiments.scheduler.Scheduler`.
    seed
        The calibration's master seed.
    tally
        Progress, in simulations.
    deadline
        A :func:`time.monotonic` time after which no new batch starts: the generation then
        ends unfinished (``sample.ok`` false) and :attr:`stopped` says ``"walltime"``.
    batch
        Candidates per batch (default: as many as the acceptance rate says are needed, at
        least a few per worker); only the speed depends on it.

    Attributes
    ----------
    stopped
        Why the last generation ended unfinished: ``"max_eval"`` (pyabc's bound on
        evaluations, from the minimum acceptance rate) or ``"walltime"``; ``None`` if it
        finished.
    """

    def __init__(
        self,
        scheduler: Scheduler,
        seed: int,
        tally: Tally,
        *,
        deadline: float | None = None,
        batch: int | None = None,
    ) -> None:
        super().__init__()
        self.scheduler = scheduler
        self.seed = seed
        self.tally = tally
        self.deadline = deadline
        self.batch = batch
        self.stopped: str | None = None
        self._rate = FIRST_RATE

    def _batch_size(self, wanted: int, accepted: int, evaluated: int) -> int:
        if self.batch is not None:
            return self.batch
        rate = accepted / evaluated if evaluated and accepted else self._rate
        workers = self.scheduler.parallelism
        return max(4 * workers, math.ceil(wanted / max(rate, 1e-3) * 1.1))

    def sample_until_n_accepted(
        self,
        n: int,
        simulate_one: Any,
        t: int,
        *,
        max_eval: float = np.inf,
        all_accepted: bool = False,
        ana_vars: Any = None,
    ) -> Any:
        """Sample generation ``t`` until ``n`` candidates are accepted (see the module notes)."""
        import cloudpickle

        generation = t + 1
        payload = cloudpickle.dumps(simulate_one)
        sample = self._create_empty_sample()
        self.stopped = None
        accepted = 0
        evaluated = 0
        limit = math.ceil(max_eval) if max_eval < np.inf else None
        while accepted < n:
            if limit is not None and evaluated >= limit:
                self.stopped = "max_eval"
                break
            if self.deadline is not None and time.monotonic() >= self.deadline:
                self.stopped = "walltime"
                break
            size = self._batch_size(n - accepted, accepted, evaluated)
            if limit is not None:
                size = min(size, limit - evaluated)
            start, stop = evaluated, evaluated + size
            per_task = max(
                1,
                min(MAX_PARTICLES_PER_TASK, math.ceil(size / (3 * self.scheduler.parallelism))),
            )
            tasks = [
                Task(
                    evaluate_particles,
                    (payload, self.seed, generation, a, min(a + per_task, stop)),
                    min(a + per_task, stop) - a,
                    f"particles {a}..{min(a + per_task, stop) - 1} of generation {generation}",
                )
                for a in range(start, stop, per_task)
            ]
            batches: list[list[Any]] = []
            self.tally.total = self.tally.done + size
            self.scheduler.run(tasks, batches.append, self.tally)
            for particle in (p for part in batches for p in part):
                evaluated += 1
                sample.append(particle)
                if particle.accepted:
                    accepted += 1
                    if accepted == n:
                        break
        if accepted and evaluated:
            self._rate = accepted / evaluated
        self.nr_evaluations_ = evaluated
        if accepted < n:
            sample.ok = False
        return sample
