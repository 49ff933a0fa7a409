"""Sobol' sensitivity analysis: the mathematics, and the experiment that runs the model for it.

* :mod:`sim.experiments.sensitivity.sobol`: first-order and total Sobol' indices of several
  outputs at once, with bootstrap intervals (:func:`sobol`, :func:`saltelli_points`); it knows
  nothing of the simulator.
* :mod:`sim.experiments.sensitivity.analysis`: :class:`Sensitivity`, the indices of
  P(convened by every deadline) with respect to scenario parameter ranges, and its
  :class:`SensitivityResult`.
"""

from sim.experiments.sensitivity.analysis import NOISE_NOTE_SHARE, Sensitivity, SensitivityResult
from sim.experiments.sensitivity.sobol import (
    MIN_SAMPLES,
    NEGATIVE_LIMIT,
    ORDER_LIMIT,
    WIDTH_LIMIT,
    SobolIndices,
    saltelli_points,
    sobol,
)

__all__ = [
    "MIN_SAMPLES",
    "NEGATIVE_LIMIT",
    "NOISE_NOTE_SHARE",
    "ORDER_LIMIT",
    "WIDTH_LIMIT",
    "Sensitivity",
    "SensitivityResult",
    "SobolIndices",
    "saltelli_points",
    "sobol",
]
