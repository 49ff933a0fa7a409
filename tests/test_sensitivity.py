"""Tests of sim.experiments.sensitivity.sobol: Sobol' indices of several outputs, with intervals."""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
import pytest
import scipy.stats

from sim.experiments.designs import Choice, DesignError, Range
from sim.experiments.sensitivity.sobol import (
    MIN_SAMPLES,
    NEGATIVE_LIMIT,
    ORDER_LIMIT,
    WIDTH_LIMIT,
    SobolIndices,
    _streams,
    _warnings,
    saltelli_points,
    sobol,
)

FloatArray = npt.NDArray[np.float64]

# --------------------------------------------------------------------------- Ishigami

A, B = 7.0, 0.1
_PI = math.pi
_V1 = 0.5 * (1 + B * _PI**4 / 5) ** 2
_V2 = A**2 / 8
_V13 = B**2 * _PI**8 * (1 / 18 - 1 / 50)
_V = _V1 + _V2 + _V13
ISHIGAMI_FIRST = np.array([_V1 / _V, _V2 / _V, 0.0])
ISHIGAMI_TOTAL = np.array([(_V1 + _V13) / _V, _V2 / _V, _V13 / _V])
ISHIGAMI_RANGES = tuple(Range(f"x{i}", -_PI, _PI) for i in (1, 2, 3))


def ishigami(x: FloatArray) -> FloatArray:
    y: FloatArray = np.sin(x[0]) + A * np.sin(x[1]) ** 2 + B * x[2] ** 4 * np.sin(x[0])
    return y


def test_analytical_ishigami_indices() -> None:
    # The published values, to guard the formulas above.
    np.testing.assert_allclose(ISHIGAMI_FIRST, [0.3139, 0.4424, 0.0], atol=1e-4)
    np.testing.assert_allclose(ISHIGAMI_TOTAL, [0.5576, 0.4424, 0.2437], atol=1e-4)


@pytest.fixture(scope="module")
def ishigami_indices() -> SobolIndices:
    return sobol(ishigami, ISHIGAMI_RANGES, ["y"], samples=2**12, seed=0)


def test_ishigami_indices_lie_within_the_bootstrap_intervals(
    ishigami_indices: SobolIndices,
) -> None:
    # No margin is added: the analytical values must lie inside the 95% intervals themselves.
    r = ishigami_indices
    assert r.params == ("x1", "x2", "x3")
    assert r.outputs == ("y",)
    assert r.first_order.shape == r.total.shape == (1, 3)
    assert np.all(r.first_low[0] <= ISHIGAMI_FIRST), (r.first_low, ISHIGAMI_FIRST)
    assert np.all(r.first_high[0] >= ISHIGAMI_FIRST), (r.first_high, ISHIGAMI_FIRST)
    assert np.all(r.total_low[0] <= ISHIGAMI_TOTAL), (r.total_low, ISHIGAMI_TOTAL)
    assert np.all(r.total_high[0] >= ISHIGAMI_TOTAL), (r.total_high, ISHIGAMI_TOTAL)
    # The intervals are informative, and hold their estimates.
    assert np.all(r.first_high - r.first_low < 0.1)
    assert np.all(r.total_high - r.total_low < 0.1)
    assert np.all((r.first_low <= r.first_order) & (r.first_order <= r.first_high))
    assert np.all((r.total_low <= r.total) & (r.total <= r.total_high))
    np.testing.assert_allclose(r.first_order[0], ISHIGAMI_FIRST, atol=0.02)
    np.testing.assert_allclose(r.total[0], ISHIGAMI_TOTAL, atol=0.02)


def test_no_warnings_for_large_samples(ishigami_indices: SobolIndices) -> None:
    assert ishigami_indices.warnings == ()
    assert ishigami_indices.samples == 2**12
    assert ishigami_indices.evaluations == 2**12 * 5


def test_warnings_for_tiny_samples() -> None:
    r = sobol(ishigami, ISHIGAMI_RANGES, ["y"], samples=16, seed=0)
    assert r.warnings[0] == (
        "N=16 is small: bootstrap intervals from fewer than 64 samples are unreliable; "
        "use --samples 1024 or more"
    )
    assert any(
        w.startswith("N=16 is small: bootstrap intervals of the total indices are up to")
        and "use --samples" in w
        for w in r.warnings
    ), r.warnings
    assert all("\n" not in w for w in r.warnings)


def test_matches_scipy_sobol_indices_on_a_callable() -> None:
    # The precomputed-evaluation path gives what scipy computes when it samples by itself with
    # the same generator: the Saltelli matrix has scipy's layout.
    points_rng, _ = _streams(5)
    dists = [scipy.stats.uniform(loc=-_PI, scale=2 * _PI)] * 3
    expected = scipy.stats.sobol_indices(func=ishigami, n=256, dists=dists, rng=points_rng)
    r = sobol(ishigami, ISHIGAMI_RANGES, ["y"], samples=256, seed=5, n_resamples=99)
    np.testing.assert_allclose(r.first_order[0], expected.first_order, rtol=0, atol=1e-12)
    np.testing.assert_allclose(r.total[0], expected.total_order, rtol=0, atol=1e-12)


# --------------------------------------------------------------------------- several outputs


def _linear(x: FloatArray) -> FloatArray:
    # y1 = x1: S = ST = (1, 0, 0).  y2 = x2 + 2 x3 with x2, x3 ~ U(0, 1): Var = 1/12 + 4/12, so
    # S = ST = (0, 1/5, 4/5).  A constant output has all indices 0.
    return np.stack([x[0], x[1] + 2 * x[2], np.full(x.shape[1], 3.0)])


LINEAR_RANGES = (Range("a", 0.0, 1.0), Range("b", 0.0, 1.0), Range("c", 0.0, 1.0))
LINEAR_INDICES = np.array([[1.0, 0.0, 0.0], [0.0, 0.2, 0.8], [0.0, 0.0, 0.0]])


def test_several_outputs_keep_the_output_and_parameter_axes() -> None:
    r = sobol(_linear, LINEAR_RANGES, ["y1", "y2", "flat"], samples=1024, seed=1)
    assert r.outputs == ("y1", "y2", "flat")
    assert r.params == ("a", "b", "c")
    for array in (r.first_order, r.total, r.first_low, r.first_high, r.total_low, r.total_high):
        assert array.shape == (3, 3)
        assert not array.flags.writeable
    for low, high in ((r.first_low, r.first_high), (r.total_low, r.total_high)):
        assert np.all(low <= LINEAR_INDICES), low
        assert np.all(high >= LINEAR_INDICES), high
    np.testing.assert_allclose(r.first_order, LINEAR_INDICES, atol=0.05)
    np.testing.assert_allclose(r.total, LINEAR_INDICES, atol=0.05)
    # Parameters an output does not read have exactly zero indices and intervals.
    assert r.first_order[0, 1] == r.first_low[0, 1] == r.first_high[0, 1] == 0.0
    assert r.total[1, 0] == r.total_low[1, 0] == r.total_high[1, 0] == 0.0
    assert np.all(r.first_order[2] == 0.0)
    assert np.all(r.total_high[2] == 0.0)
    assert r.warnings == (
        "output 'flat' does not vary over the 1024 samples: its indices are 0 by convention",
    )
    described = r.to_json()
    indices = described["indices"]
    assert isinstance(indices, dict)
    assert indices["y2"]["c"]["total"] == pytest.approx(0.8, abs=0.05)


def test_reordering_ranges_and_outputs_reorders_the_axes() -> None:
    reordered = (LINEAR_RANGES[2], LINEAR_RANGES[0], LINEAR_RANGES[1])

    def func(x: FloatArray) -> FloatArray:  # rows of x are now (c, a, b); outputs (y2, y1)
        return np.stack([x[2] + 2 * x[0], x[1]])

    r = sobol(func, reordered, ["y2", "y1"], samples=1024, seed=1)
    assert r.params == ("c", "a", "b")
    expected = np.array([[0.8, 0.0, 0.2], [0.0, 1.0, 0.0]])
    np.testing.assert_allclose(r.first_order, expected, atol=0.05)
    np.testing.assert_allclose(r.total, expected, atol=0.05)


def test_single_output_may_be_one_dimensional() -> None:
    r = sobol(lambda x: x[0] + 0.0 * x[1], LINEAR_RANGES[:2], ["y"], samples=64, seed=0)
    assert r.first_order.shape == (1, 2)
    assert r.total[0, 1] == 0.0


def test_one_output_of_one_parameter() -> None:
    # scipy.stats.sobol_indices alone fails on this case (a 0-d result); see the workaround.
    r = sobol(lambda x: x[0] ** 3, LINEAR_RANGES[:1], ["y"], samples=256, seed=0)
    assert r.first_order.shape == r.total_low.shape == (1, 1)
    assert r.first_low[0, 0] <= 1.0 <= r.first_high[0, 0]
    assert r.total_low[0, 0] <= 1.0 <= r.total_high[0, 0]


def test_two_samples_are_flagged_even_when_the_intervals_collapse() -> None:
    r = sobol(lambda x: x[0], LINEAR_RANGES[:1], ["y"], samples=2, seed=0)
    assert r.warnings[0].startswith("N=2 is small: bootstrap intervals from fewer than 64")


# --------------------------------------------------------------------------- points and seeds


def test_saltelli_points_layout_and_bounds() -> None:
    ranges = (Range("k", 1, 4, integer=True), Range("z", -2.0, 3.0))
    n, d = 32, 2
    x = saltelli_points(ranges, n, seed=9)
    assert x.shape == (d, n * (d + 2))
    a, b = x[:, :n], x[:, n : 2 * n]
    for i in range(d):
        page = x[:, (2 + i) * n : (3 + i) * n]
        np.testing.assert_array_equal(page[i], b[i])
        np.testing.assert_array_equal(np.delete(page, i, axis=0), np.delete(a, i, axis=0))
    assert set(np.unique(x[0])) == {1.0, 2.0, 3.0, 4.0}
    assert np.all((x[1] >= -2.0) & (x[1] <= 3.0))
    np.testing.assert_array_equal(saltelli_points(ranges, n, seed=9), x)
    assert not np.array_equal(saltelli_points(ranges, n, seed=10), x)


def test_func_sees_the_saltelli_points_and_may_be_a_lookup() -> None:
    seen: list[FloatArray] = []

    def spy(x: FloatArray) -> FloatArray:
        seen.append(x.copy())
        return ishigami(x)

    direct = sobol(spy, ISHIGAMI_RANGES, ["y"], samples=128, seed=4, n_resamples=199)
    points = saltelli_points(ISHIGAMI_RANGES, 128, seed=4)
    assert len(seen) == 1
    np.testing.assert_array_equal(seen[0], points)

    # Results computed elsewhere, in another order, keyed by the point.
    cache = {tuple(column): float(ishigami(column[:, None])[0]) for column in points.T[::-1]}

    def lookup(x: FloatArray) -> FloatArray:
        return np.array([[cache[tuple(column)] for column in x.T]])

    cached = sobol(lookup, ISHIGAMI_RANGES, ["y"], samples=128, seed=4, n_resamples=199)
    for name in ("first_order", "total", "first_low", "first_high", "total_low", "total_high"):
        np.testing.assert_array_equal(getattr(cached, name), getattr(direct, name))


def test_same_seed_same_indices_different_seed_different_indices() -> None:
    runs = [
        sobol(ishigami, ISHIGAMI_RANGES, ["y"], samples=64, seed=s, n_resamples=99)
        for s in (3, 3, 4)
    ]
    for name in ("first_order", "total", "first_low", "total_high"):
        np.testing.assert_array_equal(getattr(runs[0], name), getattr(runs[1], name))
    assert runs[0].warnings == runs[1].warnings
    assert not np.array_equal(runs[0].first_order, runs[2].first_order)


def test_bootstrap_does_not_touch_the_global_random_state() -> None:
    # scipy's own SobolResult.bootstrap() would draw from NumPy's global RandomState.
    state = np.random.get_state(legacy=False)  # noqa: NPY002
    sobol(ishigami, ISHIGAMI_RANGES, ["y"], samples=32, seed=0, n_resamples=99)
    after = np.random.get_state(legacy=False)  # noqa: NPY002
    assert after["state"]["pos"] == state["state"]["pos"]
    np.testing.assert_array_equal(after["state"]["key"], state["state"]["key"])


# --------------------------------------------------------------------------- warning rules


def _rules(first: list[float], total: list[float], width: float) -> tuple[str, ...]:
    f = np.array([first])
    t = np.array([total])
    w = np.full_like(f, width)
    return _warnings(f, t, w, w, np.array([False]), ("p", "q"), ("y",), 256)


def test_minimum_samples_rule() -> None:
    f = np.array([[0.3]])
    args = (f, f, np.zeros_like(f), np.zeros_like(f), np.array([False]), ("p",), ("y",))
    assert _warnings(*args, MIN_SAMPLES) == ()
    assert len(_warnings(*args, MIN_SAMPLES // 2)) == 1


def test_warning_rules() -> None:
    assert _rules([0.3, 0.0], [0.4, 0.01], width=WIDTH_LIMIT - 0.01) == ()
    wide = _rules([0.3, 0.0], [0.4, 0.01], width=0.4)
    assert len(wide) == 2
    # Widths shrink like 1/sqrt(N): 0.4 -> 0.1 needs 16 times the samples.
    assert wide[1] == (
        "N=256 is small: bootstrap intervals of the total indices are up to 0.40 wide, "
        "wider than 0.2; use --samples 4096 or more"
    )
    (negative,) = _rules([0.3, NEGATIVE_LIMIT - 0.01], [0.4, 0.01], width=0.05)
    assert negative.startswith(f"first-order estimates below {NEGATIVE_LIMIT} (y/q -0.06)")
    assert _rules([0.3, NEGATIVE_LIMIT + 0.01], [0.4, 0.01], width=0.05) == ()
    (inverted,) = _rules([0.5, 0.0], [0.5 - ORDER_LIMIT - 0.01, 0.0], width=0.05)
    assert inverted.startswith("first-order estimates exceed the total ones by more than 0.05")
    assert "y/p +0.06" in inverted
    assert _rules([0.5, 0.0], [0.5 - ORDER_LIMIT + 0.01, 0.0], width=0.05) == ()


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("samples", "match"),
    [
        (100, r"samples must be a power of 2, got 100: use 64 or 128"),
        (3, r"got 3: use 2 or 4"),
        (1, r"samples must be a power of 2 \(at least 2\), got 1"),
        (0, r"got 0"),
    ],
)
def test_samples_must_be_a_power_of_two(samples: int, match: str) -> None:
    with pytest.raises(DesignError, match=match):
        sobol(ishigami, ISHIGAMI_RANGES, ["y"], samples=samples, seed=0)
    with pytest.raises(DesignError, match=match):
        saltelli_points(ISHIGAMI_RANGES, samples, seed=0)


def test_invalid_arguments_are_rejected() -> None:
    with pytest.raises(DesignError, match="at least one parameter range"):
        sobol(ishigami, [], ["y"], samples=8, seed=0)
    with pytest.raises(DesignError, match="is not a Range"):
        sobol(ishigami, [Choice("c", (1, 2))], ["y"], samples=8, seed=0)  # type: ignore[list-item]
    with pytest.raises(DesignError, match="'x1' is given twice"):
        sobol(ishigami, ISHIGAMI_RANGES[:1] * 2, ["y"], samples=8, seed=0)
    with pytest.raises(DesignError, match="non-negative integer, got -3"):
        sobol(ishigami, ISHIGAMI_RANGES, ["y"], samples=8, seed=-3)
    with pytest.raises(ValueError, match="outputs must be distinct"):
        sobol(ishigami, ISHIGAMI_RANGES, ["y", "y"], samples=8, seed=0)
    with pytest.raises(ValueError, match="confidence must lie strictly between 0 and 1"):
        sobol(ishigami, ISHIGAMI_RANGES, ["y"], samples=8, seed=0, confidence=95)


def test_bad_function_outputs_are_rejected() -> None:
    with pytest.raises(ValueError, match=r"shape \(1, 40\), expected \(2, 40\)"):
        sobol(lambda x: ishigami(x)[None, :], ISHIGAMI_RANGES, ["y", "z"], samples=8, seed=0)
    with pytest.raises(ValueError, match=r"non-finite values \(outputs \['y'\]\)"):
        sobol(lambda x: np.where(x[0] > 0, x[0], np.nan), ISHIGAMI_RANGES, ["y"], samples=8, seed=0)
