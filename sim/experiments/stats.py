"""Statistics for Monte Carlo estimates of convening probabilities.

Pure functions on integer counts and numpy arrays; nothing here imports the simulator.

* :func:`wilson` -- Wilson score interval for one proportion (a run convened by a deadline).
* :func:`paired_difference` -- base vs alternative scenario run on the same seeds: the paired
  2x2 table, Newcombe's (1998) method 10 interval for the difference of the two proportions,
  the exact McNemar test, and the unpaired interval for comparison (how much pairing gains).
* :func:`kaplan_meier` / :func:`cdf_at` -- distribution of the time to convening, with runs that
  never convene right-censored at the horizon.

References
----------
.. [1] Newcombe RG. Two-sided confidence intervals for the single proportion: comparison of
   seven methods. Stat Med 1998; 17:857-872.
.. [2] Newcombe RG. Interval estimation for the difference between independent proportions:
   comparison of eleven methods. Stat Med 1998; 17:873-890.
.. [3] Newcombe RG. Improved confidence intervals for the difference between binomial
   proportions based on paired data. Stat Med 1998; 17:2635-2650.
"""

from __future__ import annotations

import math
import operator
import warnings
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import stats

__all__ = [
    "PairedDifference",
    "Proportion",
    "SurvivalCurve",
    "cdf_at",
    "half_width",
    "kaplan_meier",
    "mcnemar_exact",
    "newcombe_unpaired",
    "paired_difference",
    "wilson",
]

FloatArray = npt.NDArray[np.float64]

#: Tolerance used when asking whether a Kaplan-Meier cdf has reached 0.5: the product-limit
#: estimate is a product of floats, so an exact 0.5 may come out as 0.49999999999999994.
_MEDIAN_TOLERANCE = 1e-12


@dataclass(frozen=True, slots=True)
class Proportion:
    """A binomial proportion with its confidence interval.

    Attributes
    ----------
    successes : int
        Number of runs with the outcome (e.g. convened by the deadline).
    n : int
        Number of runs.
    estimate : float
        ``successes / n``.
    low, high : float
        Bounds of the Wilson score interval (95 % unless asked otherwise).
    """

    successes: int
    n: int
    estimate: float
    low: float
    high: float


@dataclass(frozen=True, slots=True)
class PairedDifference:
    """Comparison of two scenarios run on the same seeds, at one deadline.

    ``a`` is the base scenario and ``b`` the alternative; run ``i`` of both shares its seed.

    Attributes
    ----------
    both, only_a, only_b, neither : int
        Counts of the paired 2x2 table: runs that convened under both scenarios, under the
        base only, under the alternative only, and under neither.
    p_a, p_b : float
        Proportions convened under the base and the alternative.
    difference : float
        ``p_b - p_a``.
    low, high : float
        Confidence interval for the paired difference: Newcombe (1998) method 10 (hybrid
        score interval with the corrected phi coefficient).
    mcnemar_p : float
        Exact (binomial) two-sided McNemar p-value; 1.0 when there are no discordant runs.
    unpaired_low, unpaired_high : float
        Newcombe (1998) method 10 interval for independent proportions, with the same counts
        treated as two unpaired samples of ``n`` runs each.
    width_ratio : float
        ``(high - low) / (unpaired_high - unpaired_low)``; below 1 when pairing helps, nan if the
        unpaired width is 0.
    """

    both: int
    only_a: int
    only_b: int
    neither: int
    p_a: float
    p_b: float
    difference: float
    low: float
    high: float
    mcnemar_p: float
    unpaired_low: float
    unpaired_high: float
    width_ratio: float


@dataclass(frozen=True, slots=True)
class SurvivalCurve:
    """Kaplan-Meier estimate of the distribution of the time to convening.

    The arrays are read-only and have one entry per distinct event (convening) time.

    Attributes
    ----------
    days : numpy.ndarray
        Distinct event times in days since the scenario start, increasing.
    cdf : numpy.ndarray
        ``P(convened by day) = 1 - S(day)`` at each event time.
    cdf_low, cdf_high : numpy.ndarray
        Pointwise confidence band (Greenwood variance, log-log transform); finite and
        ``0 <= cdf_low <= cdf <= cdf_high <= 1``.
    median : float or None
        Smallest event time with ``cdf >= 0.5``; None when the curve never reaches 0.5.
    n : int
        Number of runs.
    events : int
        Number of runs that convened (uncensored observations).
    """

    days: FloatArray
    cdf: FloatArray
    cdf_low: FloatArray
    cdf_high: FloatArray
    median: float | None
    n: int
    events: int


# --------------------------------------------------------------------------------------------
# validation helpers


def _check_confidence(confidence: float) -> float:
    """Return ``confidence`` as a float, or raise if it is not strictly between 0 and 1."""
    level = float(confidence)
    if not 0.0 < level < 1.0:
        raise ValueError(f"confidence must be strictly between 0 and 1, got {confidence!r}")
    return level


def _count(value: int, name: str) -> int:
    """Return ``value`` as a non-negative Python int, or raise."""
    try:
        count = operator.index(value)
    except TypeError:
        raise TypeError(f"{name} must be an integer, got {value!r}") from None
    if count < 0:
        raise ValueError(f"{name} must be non-negative, got {count}")
    return count


def _bool_vector(values: npt.ArrayLike, name: str) -> npt.NDArray[np.bool_]:
    """Return ``values`` as a 1-D boolean array; accepts booleans or the integers 0 and 1."""
    arr = np.asarray(values)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {arr.shape}")
    if arr.dtype != np.bool_:
        if arr.size and not (
            np.issubdtype(arr.dtype, np.number) and bool(np.isin(arr, (0, 1)).all())
        ):
            raise ValueError(f"{name} must contain only booleans (or 0 and 1)")
        arr = arr.astype(np.bool_)
    return arr


# --------------------------------------------------------------------------------------------
# single proportion


def wilson(successes: int, n: int, confidence: float = 0.95) -> Proportion:
    """Wilson score interval for a binomial proportion.

    Parameters
    ----------
    successes : int
        Number of successes, ``0 <= successes <= n``.
    n : int
        Number of trials (runs).
    confidence : float, optional
        Confidence level, strictly between 0 and 1. Default 0.95.

    Returns
    -------
    Proportion
        The estimate ``successes / n`` and its Wilson interval (no continuity correction),
        computed by :meth:`scipy.stats.binomtest(...).proportion_ci
        <scipy.stats._result_classes.BinomTestResult.proportion_ci>`.

    Raises
    ------
    ValueError
        If ``n == 0`` (no runs), if ``successes`` is outside ``[0, n]`` or if ``confidence`` is
        not in (0, 1).
    """
    k = _count(successes, "successes")
    total = _count(n, "n")
    level = _check_confidence(confidence)
    if total == 0:
        raise ValueError("no runs: a proportion needs n >= 1")
    if k > total:
        raise ValueError(f"successes ({k}) exceeds the number of runs ({total})")
    ci = stats.binomtest(k, total).proportion_ci(confidence_level=level, method="wilson")
    return Proportion(
        successes=k,
        n=total,
        estimate=k / total,
        low=float(ci.low),
        high=float(ci.high),
    )


def half_width(p: Proportion) -> float:
    """Half the width of a proportion's confidence interval.

    Parameters
    ----------
    p : Proportion
        A proportion with its interval.

    Returns
    -------
    float
        ``(p.high - p.low) / 2``.
    """
    return (p.high - p.low) / 2.0


# --------------------------------------------------------------------------------------------
# differences of proportions


def mcnemar_exact(only_a: int, only_b: int) -> float:
    """Exact (binomial) two-sided McNemar test.

    Under the null hypothesis of equal marginal proportions the discordant runs fall on
    either side with probability 1/2, so the p-value is that of a two-sided binomial test of
    ``only_b`` successes out of ``only_a + only_b`` at p = 0.5 (computed by
    :func:`scipy.stats.binomtest`).

    Parameters
    ----------
    only_a : int
        Discordant runs that convened under the base scenario only.
    only_b : int
        Discordant runs that convened under the alternative only.

    Returns
    -------
    float
        The p-value; 1.0 when there are no discordant runs.
    """
    c = _count(only_a, "only_a")
    b = _count(only_b, "only_b")
    if b + c == 0:
        return 1.0
    return min(1.0, float(stats.binomtest(b, b + c, 0.5).pvalue))


def newcombe_unpaired(
    k1: int, n1: int, k2: int, n2: int, confidence: float = 0.95
) -> tuple[float, float]:
    """Newcombe's hybrid score interval for the difference of two independent proportions.

    Method 10 of Newcombe (1998), "Interval estimation for the difference between independent
    proportions": with Wilson intervals ``(l1, u1)`` for ``p1 = k1/n1`` and ``(l2, u2)`` for
    ``p2 = k2/n2`` and ``d = p2 - p1``, the interval is
    ``(d - sqrt((p2 - l2)**2 + (u1 - p1)**2), d + sqrt((u2 - p2)**2 + (p1 - l1)**2))``.

    Parameters
    ----------
    k1, n1 : int
        Successes and trials of the first (reference) sample.
    k2, n2 : int
        Successes and trials of the second sample.
    confidence : float, optional
        Confidence level, strictly between 0 and 1. Default 0.95.

    Returns
    -------
    tuple of float
        ``(low, high)`` for ``p2 - p1``, within [-1, 1].

    Raises
    ------
    ValueError
        If either sample is empty or a count is out of range.
    """
    first = wilson(k1, n1, confidence)
    second = wilson(k2, n2, confidence)
    p1, p2 = first.estimate, second.estimate
    d = p2 - p1
    low = d - math.hypot(p2 - second.low, first.high - p1)
    high = d + math.hypot(second.high - p2, p1 - first.low)
    return _clamp_difference(low), _clamp_difference(high)


def _clamp_difference(x: float) -> float:
    """Clamp a bound of a difference of proportions to [-1, 1].

    Newcombe's intervals lie in [-1, 1] exactly; this only removes floating-point overshoot.
    """
    return min(1.0, max(-1.0, x))


def _newcombe_phi(both: int, only_a: int, only_b: int, neither: int) -> float:
    """Newcombe's corrected phi coefficient of a paired 2x2 table.

    ``phi = (AD - BC) / sqrt((A+B)(C+D)(A+C)(B+D))`` where A = both, D = neither and B, C are
    the discordant cells; when ``AD - BC > 0`` the numerator is replaced by
    ``max(AD - BC - N/2, 0)`` (Newcombe 1998, paired paper, method 10). Phi is 0 when a
    margin is empty. Exact integer arithmetic is used for the products, which overflow
    int64 for a few hundred thousand runs.
    """
    n = both + only_a + only_b + neither
    numerator: float = both * neither - only_a * only_b
    denominator = (both + only_b) * (only_a + neither) * (both + only_a) * (only_b + neither)
    if denominator == 0:
        return 0.0
    if numerator > 0:
        numerator = max(numerator - n / 2.0, 0.0)
    return float(numerator / math.sqrt(denominator))


def _paired_table(a: npt.ArrayLike, b: npt.ArrayLike) -> tuple[int, int, int, int]:
    """Validate two paired outcome vectors and return ``(both, only_a, only_b, neither)``."""
    base = _bool_vector(a, "a")
    alt = _bool_vector(b, "b")
    if base.shape != alt.shape:
        raise ValueError(
            f"a and b must pair run by run, but have lengths {base.size} and {alt.size}"
        )
    if base.size == 0:
        raise ValueError("no runs: a and b are empty")
    both = int(np.count_nonzero(base & alt))
    only_a = int(np.count_nonzero(base & ~alt))
    only_b = int(np.count_nonzero(~base & alt))
    neither = base.size - both - only_a - only_b
    return both, only_a, only_b, neither


def paired_difference(
    a: npt.ArrayLike, b: npt.ArrayLike, confidence: float = 0.95
) -> PairedDifference:
    """Compare the proportions of two scenarios run on the same seeds.

    Parameters
    ----------
    a : array_like of bool
        ``a[i]``: did run ``i`` of the base scenario convene by the deadline.
    b : array_like of bool
        ``b[i]``: the same for the alternative scenario; run ``i`` shares its seed with
        ``a[i]``. Booleans or the integers 0 and 1.
    confidence : float, optional
        Confidence level for both intervals, strictly between 0 and 1. Default 0.95.

    Returns
    -------
    PairedDifference
        The 2x2 table, ``p_b - p_a`` with Newcombe's paired method 10 interval, the exact
        McNemar p-value, and the unpaired method 10 interval with the width ratio.

    Raises
    ------
    ValueError
        If ``a`` and ``b`` differ in length, are empty, are not one-dimensional or hold values
        other than booleans / 0 / 1.

    Notes
    -----
    With ``theta = p_b - p_a``, Wilson intervals ``(l_a, u_a)`` and ``(l_b, u_b)`` and the
    corrected phi coefficient of the table, the interval is ``theta - delta`` to
    ``theta + epsilon`` where::

        delta   = sqrt((p_b - l_b)**2 - 2 phi (p_b - l_b)(u_a - p_a) + (u_a - p_a)**2)
        epsilon = sqrt((u_b - p_b)**2 - 2 phi (u_b - p_b)(p_a - l_a) + (p_a - l_a)**2)

    A positive correlation between the runs of the two scenarios (phi > 0) narrows the
    interval relative to the unpaired one; with phi = 0 the two coincide.
    """
    level = _check_confidence(confidence)
    both, only_a, only_b, neither = _paired_table(a, b)
    n = both + only_a + only_b + neither

    prop_a = wilson(both + only_a, n, level)
    prop_b = wilson(both + only_b, n, level)
    p_a, p_b = prop_a.estimate, prop_b.estimate
    # (only_b - only_a) / n is exactly 0 when the discordant counts are equal.
    theta = (only_b - only_a) / n
    phi = _newcombe_phi(both, only_a, only_b, neither)

    def _combine(x: float, y: float) -> float:
        return math.sqrt(max(0.0, x * x - 2.0 * phi * x * y + y * y))

    delta = _combine(p_b - prop_b.low, prop_a.high - p_a)
    epsilon = _combine(prop_b.high - p_b, p_a - prop_a.low)
    low = _clamp_difference(theta - delta)
    high = _clamp_difference(theta + epsilon)

    unpaired_low, unpaired_high = newcombe_unpaired(prop_a.successes, n, prop_b.successes, n, level)
    unpaired_width = unpaired_high - unpaired_low
    width_ratio = (high - low) / unpaired_width if unpaired_width > 0 else math.nan

    return PairedDifference(
        both=both,
        only_a=only_a,
        only_b=only_b,
        neither=neither,
        p_a=p_a,
        p_b=p_b,
        difference=theta,
        low=low,
        high=high,
        mcnemar_p=mcnemar_exact(only_a, only_b),
        unpaired_low=unpaired_low,
        unpaired_high=unpaired_high,
        width_ratio=width_ratio,
    )


# --------------------------------------------------------------------------------------------
# time to convening


def _readonly(values: npt.ArrayLike) -> FloatArray:
    """Return a read-only float64 copy of ``values``."""
    arr = np.array(values, dtype=np.float64)
    arr.setflags(write=False)
    return arr


def kaplan_meier(
    days: npt.ArrayLike, convened: npt.ArrayLike, confidence: float = 0.95
) -> SurvivalCurve:
    """Kaplan-Meier estimate of the cdf of the time to convening.

    Parameters
    ----------
    days : array_like of float
        ``days[i]`` is the day run ``i`` convened if ``convened[i]``, else its censoring day
        (the horizon of the run).
    convened : array_like of bool
        Whether run ``i`` convened (an event) or was right-censored.
    confidence : float, optional
        Level of the pointwise band, strictly between 0 and 1. Default 0.95.

    Returns
    -------
    SurvivalCurve
        The product-limit cdf at each distinct convening day, with its pointwise band.

    Raises
    ------
    ValueError
        If there are no runs, the inputs differ in length or are not one-dimensional, or a
        day is not finite.

    Notes
    -----
    The estimate and band come from :func:`scipy.stats.ecdf` on
    :class:`scipy.stats.CensoredData`. A run censored on a day on which others convene is
    counted at risk on that day (the usual convention). Points to know about scipy:

    * ``ecdf(...).sf.quantiles`` lists censoring times as well as event times (the estimate
      is flat there); only the event times are kept here.
    * The band uses Greenwood's variance with the log-log transform
      (``method="log-log"``), which keeps it inside (0, 1) without clipping, unlike scipy's
      default ``"linear"`` band, which scipy clips to [0, 1].
    * The band is undefined (scipy returns nan and warns) where the estimate reaches cdf 1,
      i.e. at the last event time when every run still at risk convenes. There the upper
      bound is set to 1 (the cdf cannot exceed it) and the lower bound is carried forward
      from the previous event time (the cdf is non-decreasing, so the previous lower bound
      still bounds it); with no previous event time it is the Wilson lower bound for the
      ``k = n`` runs at risk, which is exactly the cdf there. The warning is suppressed.
    * Rounding aside, the log-log band contains the estimate; ``cdf_low`` and ``cdf_high``
      are set to ``min(low, cdf)`` and ``max(high, cdf)`` to remove float noise only.

    With no censoring the estimate is the empirical cdf. With no events the curve is empty
    (:func:`cdf_at` gives 0 everywhere) and the median is None.
    """
    level = _check_confidence(confidence)
    t = np.asarray(days, dtype=np.float64)
    event = _bool_vector(convened, "convened")
    if t.ndim != 1:
        raise ValueError(f"days must be one-dimensional, got shape {t.shape}")
    if t.shape != event.shape:
        raise ValueError(
            f"days and convened must have the same length, got {t.size} and {event.size}"
        )
    if t.size == 0:
        raise ValueError("no runs: days and convened are empty")
    if not np.isfinite(t).all():
        raise ValueError("days must be finite")

    n = int(t.size)
    events = int(np.count_nonzero(event))
    if events == 0:
        empty = _readonly(np.empty(0))
        return SurvivalCurve(
            days=empty, cdf=empty, cdf_low=empty, cdf_high=empty, median=None, n=n, events=0
        )

    result = stats.ecdf(stats.CensoredData(uncensored=t[event], right=t[~event]))
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore", message="The confidence interval is undefined", category=RuntimeWarning
        )
        band = result.cdf.confidence_interval(confidence_level=level, method="log-log")

    times = np.asarray(result.cdf.quantiles, dtype=np.float64)
    keep = np.isin(times, t[event])
    times = times[keep]
    cdf = np.asarray(result.cdf.probabilities, dtype=np.float64)[keep]
    low = np.asarray(band.low.probabilities, dtype=np.float64)[keep]
    high = np.asarray(band.high.probabilities, dtype=np.float64)[keep]

    high = np.where(np.isfinite(high), high, 1.0)
    for i in np.flatnonzero(~np.isfinite(low)):
        if i > 0:
            low[i] = low[i - 1]
        else:
            at_risk = int(np.count_nonzero(t >= times[0]))
            low[i] = wilson(at_risk, at_risk, level).low
    low = np.minimum(low, cdf)
    high = np.maximum(high, cdf)

    reached = np.flatnonzero(cdf >= 0.5 - _MEDIAN_TOLERANCE)
    median = float(times[reached[0]]) if reached.size else None

    return SurvivalCurve(
        days=_readonly(times),
        cdf=_readonly(cdf),
        cdf_low=_readonly(low),
        cdf_high=_readonly(high),
        median=median,
        n=n,
        events=events,
    )


def cdf_at(curve: SurvivalCurve, day: float) -> float:
    """Value of a Kaplan-Meier cdf at a given day.

    Parameters
    ----------
    curve : SurvivalCurve
        The estimate.
    day : float
        Days since the scenario start.

    Returns
    -------
    float
        The right-continuous step function: 0 before the first event time, else the cdf at
        the last event time ``<= day``. Past the last event time the value stays at the last
        cdf; beyond the horizon of the runs it is an extrapolation.

    Raises
    ------
    ValueError
        If ``day`` is nan.
    """
    if math.isnan(day):
        raise ValueError("day must not be nan")
    index = int(np.searchsorted(curve.days, day, side="right"))
    return 0.0 if index == 0 else float(curve.cdf[index - 1])
