"""Experiments: Monte Carlo estimation, comparisons, sweeps and sensitivity analyses.

* :mod:`~sim.experiments.montecarlo` and :mod:`~sim.experiments.compare`: many runs of a
  scenario, or of two in pairs, and their estimates;
* :mod:`~sim.experiments.sweep` and :mod:`~sim.experiments.sensitivity`: designs of scenario
  parameters (:mod:`~sim.experiments.designs`), run point by point
  (:mod:`~sim.experiments.points`) with a resumable log (:mod:`~sim.experiments.store`);
* :mod:`~sim.experiments.scheduler`: the one scheduler all of them send their tasks
  (:mod:`~sim.experiments.tasks`) through, on a back end of
  :mod:`~sim.experiments.executors`;
* :mod:`~sim.experiments.stats` and :mod:`~sim.experiments.frames`: intervals and tables.
"""
