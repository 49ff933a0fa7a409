"""Variance-based (Sobol') sensitivity indices of several outputs at once.

:func:`sobol` estimates, for every output and every parameter, the first-order index
(the share of the output variance explained by the parameter alone) and the total index
(the share explained by the parameter and all its interactions), with bootstrap confidence
intervals, using the Saltelli (2010) estimators of :func:`scipy.stats.sobol_indices`.

Parameters are independent and uniform over their :class:`~sim.experiments.designs.Range`;
an integer range is uniform over the integers ``low .. high`` (``low + floor(u * k)`` with
``k = high - low + 1``, as in :mod:`sim.experiments.designs`).

Evaluating the model, and precomputed results
---------------------------------------------
``func`` is called exactly once, on the whole matrix returned by :func:`saltelli_points` for
the same ``ranges``, ``samples`` and ``seed`` -- bit for bit, as it is computed by the same
code. Its ``samples * (d + 2)`` columns are laid out as ``[A | B | AB_1 | ... | AB_d]``, each
block ``samples`` columns wide, where ``A`` and ``B`` are the two halves of a scrambled Sobol'
sequence in ``2 d`` dimensions and ``AB_i`` is ``A`` with its row ``i`` taken from ``B``.
(This is the layout :func:`scipy.stats.sobol_indices` uses internally.)

So the model runs need not happen inside :func:`sobol`: a caller can compute the matrix
beforehand, run the columns anywhere (a cluster, several sessions, resuming after a crash),
store each result under its point, and then pass a ``func`` that only looks the results up::

    x = saltelli_points(ranges, samples=1024, seed=7)
    results = {tuple(column): run_model(column) for column in x.T}   # anywhere, any order
    indices = sobol(
        lambda x: np.array([results[tuple(column)] for column in x.T]).T,
        ranges, outputs, samples=1024, seed=7,
    )

The evaluations are then given to :func:`scipy.stats.sobol_indices` as its dictionary of
precomputed ``f_A``, ``f_B`` and ``f_AB`` arrays. Integer ranges can make several columns equal;
a lookup then returns one result for all of them, which is right for a deterministic model.

Randomness
----------
The integer ``seed`` makes one :class:`numpy.random.Generator`, which is split with
:meth:`numpy.random.Generator.spawn` into two independent streams: the first scrambles the
Sobol' sequence of :func:`saltelli_points`, the second drives the bootstrap resampling
(:func:`scipy.stats.bootstrap` with ``rng=``). No global random state is used. The bootstrap of
:meth:`scipy.stats._sensitivity_analysis.SobolResult.bootstrap` takes no random generator (it
would draw from NumPy's global state), so this module runs :func:`scipy.stats.bootstrap` itself,
with the same BCa method and the same Saltelli (2010) statistic on the same mean-centred
evaluations as SciPy does.

Warnings
--------
:attr:`SobolIndices.warnings` lists, one line each, the signs that the estimates are not to be
trusted yet (see :data:`MIN_SAMPLES`, :data:`WIDTH_LIMIT`, :data:`NEGATIVE_LIMIT` and
:data:`ORDER_LIMIT`):

* fewer than :data:`MIN_SAMPLES` samples: a bootstrap over so few rows can even give intervals
  of zero width around meaningless estimates;
* a bootstrap interval wider than :data:`WIDTH_LIMIT`; the message suggests a number of
  samples, assuming widths shrink like ``1 / sqrt(samples)``, that would bring the widest
  interval down to half the limit;
* a first-order estimate below :data:`NEGATIVE_LIMIT` (true indices are never negative;
  estimates of a non-influential parameter scatter around zero, but not that far);
* a first-order estimate above the total estimate by more than :data:`ORDER_LIMIT` (the true
  first-order index never exceeds the total one);
* an output that does not vary over the evaluations (its indices are 0 by convention).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import scipy.stats
from scipy.stats import qmc

from sim.experiments.designs import DesignError, Range
from sim.experiments.sizes import EVALUATION_BYTES, check_fits

__all__ = [
    "MIN_SAMPLES",
    "NEGATIVE_LIMIT",
    "ORDER_LIMIT",
    "WIDTH_LIMIT",
    "SobolIndices",
    "saltelli_points",
    "sobol",
]

FloatArray = npt.NDArray[np.float64]

_BATCH_VALUES = 2**22
"""Evaluations gathered per bootstrap batch (about 32 MiB of floats per gathered array)."""

WIDTH_LIMIT = 0.2
"""Widest acceptable bootstrap interval of an index before :func:`sobol` warns."""

NEGATIVE_LIMIT = -0.05
"""Most negative acceptable first-order estimate before :func:`sobol` warns."""

ORDER_LIMIT = 0.05
"""Largest acceptable excess of a first-order estimate over its total one before a warning."""

MIN_SAMPLES = 64
"""Fewest samples whose bootstrap intervals :func:`sobol` trusts at all."""


@dataclass(frozen=True, slots=True)
class SobolIndices:
    """Sobol' indices of several outputs with respect to several parameters.

    All arrays have shape ``(len(outputs), len(params))``: row ``i`` is output ``outputs[i]``,
    column ``j`` is parameter ``params[j]``. They are read-only.

    Parameters
    ----------
    params : tuple of str
        Parameter keys, in the order of the columns.
    outputs : tuple of str
        Output names, in the order of the rows.
    first_order, total : ndarray
        First-order and total index estimates.
    first_low, first_high, total_low, total_high : ndarray
        Bounds of the bootstrap (BCa) confidence intervals of the estimates. An index whose
        bootstrap distribution is a single value (e.g. exactly 0 for a parameter the output
        does not read) has the interval ``[value, value]``.
    samples : int
        Base sample size ``N`` (a power of two).
    evaluations : int
        Number of model evaluations, ``N * (d + 2)``.
    warnings : tuple of str
        One line per sign of unreliable estimates (see the module notes); empty when none.
    """

    params: tuple[str, ...]
    outputs: tuple[str, ...]
    first_order: FloatArray
    total: FloatArray
    first_low: FloatArray
    first_high: FloatArray
    total_low: FloatArray
    total_high: FloatArray
    samples: int
    evaluations: int
    warnings: tuple[str, ...]

    def to_json(self) -> dict[str, object]:
        """Describe the indices as a JSON-ready dictionary.

        Returns
        -------
        dict of str to object
            ``params``, ``outputs``, ``samples``, ``evaluations``, ``warnings`` and, under
            ``indices``, for every output a dictionary from parameter key to its ``first``,
            ``first_low``, ``first_high``, ``total``, ``total_low`` and ``total_high``.
        """
        table: dict[str, dict[str, dict[str, float]]] = {}
        for i, output in enumerate(self.outputs):
            table[output] = {
                param: {
                    "first": float(self.first_order[i, j]),
                    "first_low": float(self.first_low[i, j]),
                    "first_high": float(self.first_high[i, j]),
                    "total": float(self.total[i, j]),
                    "total_low": float(self.total_low[i, j]),
                    "total_high": float(self.total_high[i, j]),
                }
                for j, param in enumerate(self.params)
            }
        return {
            "params": list(self.params),
            "outputs": list(self.outputs),
            "samples": self.samples,
            "evaluations": self.evaluations,
            "warnings": list(self.warnings),
            "indices": table,
        }


def _check_ranges(ranges: Sequence[Range]) -> tuple[Range, ...]:
    """Validate the parameters of a Sobol' analysis."""
    ranges = tuple(ranges)
    if not ranges:
        raise DesignError("a sensitivity analysis needs at least one parameter range")
    seen: set[str] = set()
    for param in ranges:
        item: object = param  # callers may pass choices, which have no numeric scale
        if not isinstance(item, Range):
            raise DesignError(f"{item!r} is not a Range: Sobol' indices need numeric ranges")
        if param.key in seen:
            raise DesignError(f"parameter key {param.key!r} is given twice")
        seen.add(param.key)
    return ranges


def _check_samples(samples: int) -> None:
    """Require a power of two, at least 2."""
    if isinstance(samples, bool) or not isinstance(samples, int):
        raise DesignError(f"samples must be an integer power of 2, got {samples!r}")
    if samples < 2:
        raise DesignError(f"samples must be a power of 2 (at least 2), got {samples}")
    if samples & (samples - 1):
        below = 1 << (samples.bit_length() - 1)
        raise DesignError(
            f"samples must be a power of 2, got {samples}: use {below} or {2 * below}"
        )


def _check_size(samples: int, d: int) -> None:
    """Refuse a sample whose evaluations cannot fit in memory (see :mod:`sim.experiments.sizes`)."""
    evaluations = f"evaluations ({samples:,} samples x {d + 2})"
    check_fits(samples * (d + 2), evaluations, EVALUATION_BYTES * d)


def _check_seed(seed: int) -> None:
    """Require a non-negative integer seed."""
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise DesignError(f"the seed must be a non-negative integer, got {seed!r}")


def _streams(seed: int) -> tuple[np.random.Generator, np.random.Generator]:
    """Return the independent generators for the points and for the bootstrap."""
    points_rng, bootstrap_rng = np.random.default_rng(seed).spawn(2)
    return points_rng, bootstrap_rng


def _to_values(ranges: tuple[Range, ...], unit: FloatArray) -> FloatArray:
    """Map unit coordinates of shape ``(..., d, n)`` to the parameters' own units."""
    values = np.empty_like(unit)
    for j, param in enumerate(ranges):
        u = unit[..., j, :]
        if param.integer:
            count = int(param.high) - int(param.low) + 1
            values[..., j, :] = np.clip(param.low + np.floor(u * count), param.low, param.high)
        else:
            # Same expression as scipy.stats.uniform(loc=low, scale=high - low).ppf(u).
            values[..., j, :] = u * (param.high - param.low) + param.low
    return values


def _saltelli_matrix(
    ranges: tuple[Range, ...], samples: int, rng: np.random.Generator
) -> FloatArray:
    """Build the ``(d, samples * (d + 2))`` matrix ``[A | B | AB_1 | ... | AB_d]``."""
    d = len(ranges)
    # Like scipy.stats.sobol_indices: one Sobol' sequence in 2d dimensions, split in A and B.
    unit = qmc.Sobol(d=2 * d, scramble=True, bits=64, rng=rng).random_base2(
        samples.bit_length() - 1
    )
    a_b = _to_values(ranges, np.asarray(unit, dtype=np.float64).T.reshape(2, d, samples))
    a, b = a_b[0], a_b[1]
    ab = np.tile(a, (d, 1, 1))  # page i: A with row i from B
    pages = np.arange(d)
    ab[pages, pages] = b[pages]
    blocks = [a, b, *ab]
    return np.ascontiguousarray(np.concatenate(blocks, axis=1))


def saltelli_points(ranges: Sequence[Range], samples: int, seed: int) -> FloatArray:
    """Return the points at which :func:`sobol` evaluates the model.

    Parameters
    ----------
    ranges : sequence of Range
        The parameters, at least one, with distinct keys.
    samples : int
        Base sample size ``N``, a power of two.
    seed : int
        Non-negative seed; the same as will be given to :func:`sobol`.

    Returns
    -------
    ndarray of shape (d, samples * (d + 2))
        One column per evaluation, in the parameters' own units, laid out as
        ``[A | B | AB_1 | ... | AB_d]`` (see the module notes). :func:`sobol` calls its
        ``func`` on exactly this matrix.

    Raises
    ------
    DesignError
        If a parameter is not a :class:`Range`, a key repeats, ``samples`` is not a power of
        two, or ``seed`` is negative.
    """
    checked = _check_ranges(ranges)
    _check_samples(samples)
    _check_size(samples, len(checked))
    _check_seed(seed)
    points_rng, _ = _streams(seed)
    return _saltelli_matrix(checked, samples, points_rng)


def _saltelli_2010(
    f_a: FloatArray, f_b: FloatArray, f_ab: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Saltelli (2010) estimators, the formulas of SciPy's ``saltelli_2010``.

    ``f_a`` and ``f_b`` have shape ``(s, ..., n)`` and ``f_ab`` shape ``(d, s, ..., n)``, the
    middle axes being batches of resamples; the first-order and total indices returned have
    shape ``(s, d, ...)``. An output of zero variance gets zero indices.
    """
    variance = np.var(np.concatenate([f_a, f_b], axis=-1), axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        first = np.mean(f_b * (f_ab - f_a), axis=-1) / variance
        total = 0.5 * np.mean((f_a - f_ab) ** 2, axis=-1) / variance
    first[~np.isfinite(first)] = 0.0
    total[~np.isfinite(total)] = 0.0
    return np.swapaxes(first, 0, 1), np.swapaxes(total, 0, 1)


def _evaluate(
    func: Callable[[FloatArray], npt.ArrayLike], x: FloatArray, outputs: tuple[str, ...]
) -> FloatArray:
    """Call ``func`` on ``x`` and check it returned finite values of shape ``(s, n)``."""
    y = np.asarray(func(x.copy()), dtype=np.float64)
    expected = (len(outputs), x.shape[1])
    if y.ndim == 1 and len(outputs) == 1:
        y = y.reshape(expected)
    if y.shape != expected:
        raise ValueError(
            f"func returned an array of shape {y.shape}, expected {expected} "
            f"(one row per output {list(outputs)}, one column per point)"
        )
    bad = ~np.isfinite(y)
    if bad.any():
        rows = [outputs[i] for i in np.flatnonzero(bad.any(axis=1))]
        raise ValueError(
            f"func returned {int(bad.sum())} non-finite values (outputs {rows}); "
            "Sobol' indices need finite outputs"
        )
    return y


def _suggest_samples(samples: int, width: float) -> int:
    """Suggest a power of two of samples that would bring ``width`` to half of the limit."""
    target = samples * (width / (WIDTH_LIMIT / 2)) ** 2
    return max(2 * samples, 1 << max(math.ceil(math.log2(target)), 1))


def _warnings(
    first: FloatArray,
    total: FloatArray,
    first_width: FloatArray,
    total_width: FloatArray,
    constant: npt.NDArray[np.bool_],
    params: tuple[str, ...],
    outputs: tuple[str, ...],
    samples: int,
) -> tuple[str, ...]:
    """Apply the documented rules of the module notes."""
    found: list[str] = []
    if samples < MIN_SAMPLES:
        found.append(
            f"N={samples} is small: bootstrap intervals from fewer than {MIN_SAMPLES} samples "
            "are unreliable; use --samples 1024 or more"
        )

    def where(mask: npt.NDArray[np.bool_], values: FloatArray) -> str:
        cells = [f"{outputs[i]}/{params[j]} {values[i, j]:+.2f}" for i, j in np.argwhere(mask)]
        shown = ", ".join(cells[:3])
        return shown + (f" and {len(cells) - 3} more" if len(cells) > 3 else "")

    for name, width in (("first-order", first_width), ("total", total_width)):
        widest = float(np.max(width))
        if widest > WIDTH_LIMIT:
            found.append(
                f"N={samples} is small: bootstrap intervals of the {name} indices are up to "
                f"{widest:.2f} wide, wider than {WIDTH_LIMIT}; "
                f"use --samples {_suggest_samples(samples, widest)} or more"
            )
    negative = first < NEGATIVE_LIMIT
    if negative.any():
        found.append(
            f"first-order estimates below {NEGATIVE_LIMIT} ({where(negative, first)}): "
            "true indices are never negative, the estimates are noise; increase the samples"
        )
    inverted = first - total > ORDER_LIMIT
    if inverted.any():
        found.append(
            f"first-order estimates exceed the total ones by more than {ORDER_LIMIT} "
            f"({where(inverted, first - total)}): the estimates are noise; increase the samples"
        )
    for i in np.flatnonzero(constant):
        found.append(
            f"output {outputs[i]!r} does not vary over the {samples} samples: "
            "its indices are 0 by convention"
        )
    return tuple(found)


def _frozen(array: npt.ArrayLike, shape: tuple[int, int]) -> FloatArray:
    """Return ``array`` as a read-only float array of ``shape``."""
    result = np.array(array, dtype=np.float64).reshape(shape)
    result.setflags(write=False)
    return result


def sobol(
    func: Callable[[FloatArray], npt.ArrayLike],
    ranges: Sequence[Range],
    outputs: Sequence[str],
    samples: int,
    seed: int,
    n_resamples: int = 999,
    confidence: float = 0.95,
) -> SobolIndices:
    """Estimate first-order and total Sobol' indices of several outputs, with intervals.

    Parameters
    ----------
    func : callable
        ``func(x) -> y`` with ``x`` of shape ``(d, n)`` in the parameters' own units (one column
        per point, rows in the order of ``ranges``) and ``y`` of shape ``(len(outputs), n)``
        (a 1-d ``y`` is accepted for a single output); values must be finite. It is called
        once, on ``saltelli_points(ranges, samples, seed)`` (see the module notes to use
        precomputed results).
    ranges : sequence of Range
        The uncertain parameters, uniform and independent, at least one, distinct keys.
    outputs : sequence of str
        Names of the outputs, in the order of the rows of ``y``.
    samples : int
        Base sample size ``N``, a power of two; ``func`` sees ``N * (d + 2)`` points.
    seed : int
        Non-negative seed of the points and of the bootstrap.
    n_resamples : int, default 999
        Number of bootstrap resamples.
    confidence : float, default 0.95
        Confidence level of the bootstrap intervals.

    Returns
    -------
    SobolIndices
        Indices and intervals of shape ``(len(outputs), len(ranges))``.

    Raises
    ------
    DesignError
        If a parameter is not a :class:`Range`, a key repeats, ``samples`` is not a power of
        two, or ``seed`` is negative.
    ValueError
        If ``outputs`` is empty or repeats a name, ``n_resamples`` or ``confidence`` is out of
        range, or ``func`` returns an array of the wrong shape or with non-finite values.
    """
    checked = _check_ranges(ranges)
    _check_samples(samples)
    _check_size(samples, len(checked))
    _check_seed(seed)
    names = tuple(outputs)
    if not names or len(set(names)) != len(names):
        raise ValueError(f"outputs must be distinct names, at least one, got {list(names)}")
    if isinstance(n_resamples, bool) or not isinstance(n_resamples, int) or n_resamples < 2:
        raise ValueError(f"n_resamples must be an integer of at least 2, got {n_resamples!r}")
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must lie strictly between 0 and 1, got {confidence!r}")

    d, s, n = len(checked), len(names), samples
    points_rng, bootstrap_rng = _streams(seed)
    y = _evaluate(func, _saltelli_matrix(checked, n, points_rng), names)
    f_a, f_b = y[:, :n], y[:, n : 2 * n]
    f_ab = np.ascontiguousarray(y[:, 2 * n :].reshape(s, d, n).transpose(1, 0, 2))

    # scipy.stats.sobol_indices squeezes its (s, d) results, then assigns into them, which fails
    # on the 0-d result of one output and one parameter (SciPy 1.17): give it the output twice.
    copies = 2 if s * d == 1 else 1
    result = scipy.stats.sobol_indices(
        func={
            "f_A": np.tile(f_a, (copies, 1)),
            "f_B": np.tile(f_b, (copies, 1)),
            "f_AB": np.tile(f_ab, (1, copies, 1)),
        },
        n=n,
    )
    first = _frozen(np.reshape(result.first_order, (copies * s, d))[:s], (s, d))
    total = _frozen(np.reshape(result.total_order, (copies * s, d))[:s], (s, d))

    # Bootstrap over the N rows of (A, B, AB), on evaluations centred like SciPy centres them.
    mean = np.mean(np.concatenate([f_a, f_b], axis=-1), axis=-1, keepdims=True)
    c_a, c_b, c_ab = f_a - mean, f_b - mean, f_ab - mean

    def statistic(index: npt.NDArray[np.intp], axis: int = -1) -> FloatArray:
        # Vectorised: ``index`` has shape (..., n); the result has shape (2, s, d, ...).
        if axis != -1:
            index = np.moveaxis(index, axis, -1)
        s1, st = _saltelli_2010(c_a[:, index], c_b[:, index], c_ab[:, :, index])
        return np.stack([s1, st])

    with warnings.catch_warnings(), np.errstate(divide="ignore", invalid="ignore"):
        # A degenerate bootstrap distribution (an index that is exactly 0 in every resample)
        # yields NaN bounds, with warnings; the bounds are repaired below.
        warnings.simplefilter("ignore", scipy.stats.DegenerateDataWarning)
        boot = scipy.stats.bootstrap(
            (np.arange(n),),
            statistic,
            n_resamples=n_resamples,
            confidence_level=confidence,
            method="BCa",
            vectorized=True,
            batch=max(1, _BATCH_VALUES // (n * s * (d + 2))),
            rng=bootstrap_rng,
        )
    low = np.array(boot.confidence_interval.low, dtype=np.float64).reshape(2, s, d)
    high = np.array(boot.confidence_interval.high, dtype=np.float64).reshape(2, s, d)
    distribution = np.asarray(boot.bootstrap_distribution, dtype=np.float64)
    distribution = distribution.reshape(2, s, d, -1)
    estimate = np.stack([first, total])
    missing = ~(np.isfinite(low) & np.isfinite(high))
    if missing.any():
        alpha = (1.0 - confidence) / 2.0
        spread = np.ptp(distribution, axis=-1) == 0.0
        percentile_low = np.quantile(distribution, alpha, axis=-1)
        percentile_high = np.quantile(distribution, 1.0 - alpha, axis=-1)
        low = np.where(missing, np.where(spread, estimate, percentile_low), low)
        high = np.where(missing, np.where(spread, estimate, percentile_high), high)

    # ptp, not var: the variance of equal floats need not come out exactly 0.
    constant = np.ptp(np.concatenate([f_a, f_b], axis=-1), axis=-1) == 0.0
    keys = tuple(param.key for param in checked)
    width = high - low
    return SobolIndices(
        params=keys,
        outputs=names,
        first_order=first,
        total=total,
        first_low=_frozen(low[0], (s, d)),
        first_high=_frozen(high[0], (s, d)),
        total_low=_frozen(low[1], (s, d)),
        total_high=_frozen(high[1], (s, d)),
        samples=n,
        evaluations=n * (d + 2),
        warnings=_warnings(first, total, width[0], width[1], constant, keys, names, n),
    )
