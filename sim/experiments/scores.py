"""Scores of probabilistic forecasts against what happened: Brier, log score, CRPS, percentile.

Conventions (all lower is better, but the percentile):

* **Brier score** of a probability ``p`` for an event that happened (``y = 1``) or not
  (``y = 0``): ``(p - y)²``; a forecaster's Brier score is its mean over the targets.
* **Log score**: ``-ln p`` if the event happened, ``-ln(1 - p)`` if not, averaged (the
  negatively oriented logarithmic score, in nats; 0.693 for a flat 0.5). Probabilities are
  first kept within ``[eps, 1 - eps]``: a Monte Carlo estimate of 0 from ``n`` runs says
  "below about 1/n", not "impossible", so ``eps = 1 / (2n)``.
* **CRPS** (continuous ranked probability score, in days) of a predictive distribution ``F``
  of a date against the actual day ``x``: ``E|X - x| - ½ E|X - X'|`` for ``X, X'``
  independent draws of ``F``; for a sample, the sample's own distribution. A run that never
  reached the stage by the horizon counts as reaching it the day after the horizon (a point
  mass there): the CRPS is then a lower bound of what the censored runs would give.
* **Predictive percentile** of ``x``: ``P(X < x) + ½ P(X = x)``, in [0, 1]; a calibrated
  forecaster's percentiles are uniform over many forecasts.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

__all__ = [
    "brier",
    "crps_exponential",
    "crps_sample",
    "log_score",
    "percentile_exponential",
    "predictive_percentile",
]

FloatArray = npt.NDArray[np.float64]


def brier(p: Sequence[float] | FloatArray, y: Sequence[bool] | npt.NDArray[np.bool_]) -> float:
    """The mean Brier score of probabilities ``p`` for outcomes ``y``."""
    prob = np.asarray(p, dtype=np.float64)
    outcome = np.asarray(y, dtype=np.float64)
    return float(np.mean((prob - outcome) ** 2))


def log_score(
    p: Sequence[float] | FloatArray, y: Sequence[bool] | npt.NDArray[np.bool_], eps: float = 0.0
) -> float:
    """The mean negatively oriented log score (nats), with ``p`` kept in ``[eps, 1 - eps]``."""
    prob = np.clip(np.asarray(p, dtype=np.float64), eps, 1.0 - eps)
    outcome = np.asarray(y, dtype=bool)
    with np.errstate(divide="ignore"):
        values = -np.log(np.where(outcome, prob, 1.0 - prob))
    return float(np.mean(values))


def crps_sample(sample: Sequence[float] | FloatArray, x: float) -> float:
    """The CRPS of a sample's empirical distribution against ``x`` (same unit as both)."""
    values = np.sort(np.asarray(sample, dtype=np.float64))
    n = len(values)
    if n == 0:
        raise ValueError("an empty sample has no CRPS")
    first = float(np.mean(np.abs(values - x)))
    # E|X - X'| over ordered pairs = 2 / n² Σ_i (2i - n - 1) x_(i), i = 1..n
    i = np.arange(1, n + 1)
    spread = float(2.0 * np.sum((2 * i - n - 1) * values) / (n * n))
    return first - 0.5 * spread


def predictive_percentile(sample: Sequence[float] | FloatArray, x: float) -> float:
    """``P(X < x) + ½ P(X = x)`` under a sample's empirical distribution."""
    values = np.asarray(sample, dtype=np.float64)
    return float(np.mean(values < x) + 0.5 * np.mean(values == x))


def crps_exponential(rate: float, x: float) -> float:
    """The CRPS of an exponential distribution (``rate`` per unit) from 0 against ``x >= 0``.

    ``x + (2 / rate) e^(-rate x) - 3 / (2 rate)`` (Gneiting and Raftery, 2007).
    """
    if rate <= 0:
        raise ValueError(f"the rate must be above 0, got {rate}")
    x = max(0.0, x)
    return x + 2.0 / rate * math.exp(-rate * x) - 1.5 / rate


def percentile_exponential(rate: float, x: float) -> float:
    """``P(X < x)`` for an exponential distribution from 0 (continuous: no ties)."""
    return 0.0 if x <= 0 else 1.0 - math.exp(-rate * x)
