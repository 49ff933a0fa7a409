"""Tests for sim.experiments.stats.

Reference values come from three places:

* published tables: Newcombe RG, Stat Med 1998; 17:857-872 (single proportion), 17:873-890
  (Table II, independent proportions) and 17:2635-2650 (paired proportions), and the paired
  examples of Fagerland, Lydersen & Laake, Stat Med 2014; 33:2850-2875, Tang et al. (2010) and
  Chang et al. (2024), as reproduced by the test suite of the R package ratesci;
* hand computations written out in the tests;
* independent brute-force implementations in this file (closed-form Wilson with
  ``scipy.stats.norm.ppf``, a loop-based product-limit estimator), compared on random inputs.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import norm

from sim.experiments.stats import (
    PairedDifference,
    Proportion,
    SurvivalCurve,
    cdf_at,
    half_width,
    kaplan_meier,
    mcnemar_exact,
    newcombe_unpaired,
    paired_difference,
    wilson,
)

# --------------------------------------------------------------------------------------------
# independent reference implementations


def wilson_closed_form(k: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson (1927) score interval, written out."""
    z = norm.ppf(1 - (1 - confidence) / 2)
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return max(0.0, centre - half), min(1.0, centre + half)


def newcombe_unpaired_reference(
    k1: int, n1: int, k2: int, n2: int, confidence: float = 0.95
) -> tuple[float, float]:
    """Newcombe method 10 for p2 - p1, from the closed-form Wilson limits."""
    l1, u1 = wilson_closed_form(k1, n1, confidence)
    l2, u2 = wilson_closed_form(k2, n2, confidence)
    p1, p2 = k1 / n1, k2 / n2
    d = p2 - p1
    return d - math.sqrt((p2 - l2) ** 2 + (u1 - p1) ** 2), d + math.sqrt(
        (u2 - p2) ** 2 + (p1 - l1) ** 2
    )


def paired_table(a: list[bool], b: list[bool]) -> tuple[int, int, int, int]:
    both = sum(1 for x, y in zip(a, b, strict=True) if x and y)
    only_a = sum(1 for x, y in zip(a, b, strict=True) if x and not y)
    only_b = sum(1 for x, y in zip(a, b, strict=True) if y and not x)
    return both, only_a, only_b, len(a) - both - only_a - only_b


def corrected_phi(both: int, only_a: int, only_b: int, neither: int) -> float:
    n = both + only_a + only_b + neither
    num: float = both * neither - only_a * only_b
    den = (both + only_a) * (only_b + neither) * (both + only_b) * (only_a + neither)
    if den == 0:
        return 0.0
    if num > 0:
        num = max(num - n / 2, 0)
    return num / math.sqrt(den)


def newcombe_paired_reference(
    both: int, only_a: int, only_b: int, neither: int, confidence: float = 0.95
) -> tuple[float, float]:
    """Newcombe (1998) paired method 10 for p_b - p_a, written out from the paper."""
    n = both + only_a + only_b + neither
    pa, pb = (both + only_a) / n, (both + only_b) / n
    la, ua = wilson_closed_form(both + only_a, n, confidence)
    lb, ub = wilson_closed_form(both + only_b, n, confidence)
    phi = corrected_phi(both, only_a, only_b, neither)
    theta = pb - pa
    delta = math.sqrt(max(0.0, (pb - lb) ** 2 - 2 * phi * (pb - lb) * (ua - pa) + (ua - pa) ** 2))
    eps = math.sqrt(max(0.0, (ub - pb) ** 2 - 2 * phi * (ub - pb) * (pa - la) + (pa - la) ** 2))
    return theta - delta, theta + eps


def vectors(both: int, only_a: int, only_b: int, neither: int) -> tuple[list[bool], list[bool]]:
    """Outcome vectors with the given paired table (in a fixed order)."""
    a = [True] * both + [True] * only_a + [False] * only_b + [False] * neither
    b = [True] * both + [False] * only_a + [True] * only_b + [False] * neither
    return a, b


def product_limit(days: list[float], convened: list[bool]) -> dict[float, float]:
    """Kaplan-Meier cdf at each event time, by the textbook loop (censored after events)."""
    cdf: dict[float, float] = {}
    surv = 1.0
    for t in sorted({d for d, e in zip(days, convened, strict=True) if e}):
        at_risk = sum(1 for d in days if d >= t)
        deaths = sum(1 for d, e in zip(days, convened, strict=True) if e and d == t)
        surv *= 1 - deaths / at_risk
        cdf[t] = 1 - surv
    return cdf


# --------------------------------------------------------------------------------------------
# Wilson


@pytest.mark.parametrize(
    ("k", "n", "low", "high"),
    [
        # Newcombe (1998) Stat Med 17:857-872, Table I, method 3 (score, no continuity correction)
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0, 0.1611),
        (1, 29, 0.0061, 0.1718),
        # Method 10 of the difference paper is built from these (its examples (e)-(h))
        (0, 10, 0.0, 0.2775),
        (10, 10, 0.7225, 1.0),
    ],
)
def test_wilson_matches_published_values(k: int, n: int, low: float, high: float) -> None:
    p = wilson(k, n)
    assert p.low == pytest.approx(low, abs=5e-5)
    assert p.high == pytest.approx(high, abs=5e-5)


@pytest.mark.parametrize("confidence", [0.8, 0.9, 0.95, 0.99])
@pytest.mark.parametrize(
    ("k", "n"), [(0, 1), (1, 1), (0, 7), (3, 7), (7, 7), (1, 1000), (500, 1000)]
)
def test_wilson_matches_closed_form(k: int, n: int, confidence: float) -> None:
    p = wilson(k, n, confidence)
    low, high = wilson_closed_form(k, n, confidence)
    assert p.low == pytest.approx(low, abs=1e-12)
    assert p.high == pytest.approx(high, abs=1e-12)
    assert p == Proportion(successes=k, n=n, estimate=k / n, low=p.low, high=p.high)


@given(
    st.integers(min_value=1, max_value=100_000).flatmap(
        lambda n: st.tuples(st.integers(min_value=0, max_value=n), st.just(n))
    ),
    st.floats(min_value=0.5, max_value=0.999),
)
def test_wilson_closed_form_and_bounds_on_random_counts(kn: tuple[int, int], conf: float) -> None:
    k, n = kn
    p = wilson(k, n, conf)
    low, high = wilson_closed_form(k, n, conf)
    assert p.low == pytest.approx(low, abs=1e-9)
    assert p.high == pytest.approx(high, abs=1e-9)
    assert 0.0 <= p.low <= p.estimate <= p.high <= 1.0
    assert p.low < p.high
    assert half_width(p) == pytest.approx((p.high - p.low) / 2)


def test_wilson_is_wider_at_higher_confidence() -> None:
    assert (
        half_width(wilson(30, 100, 0.99))
        > half_width(wilson(30, 100))
        > half_width(wilson(30, 100, 0.8))
    )


def test_half_width() -> None:
    assert half_width(Proportion(3, 10, 0.3, 0.1, 0.6)) == pytest.approx(0.25)


def test_wilson_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="no runs"):
        wilson(0, 0)
    with pytest.raises(ValueError, match="exceeds"):
        wilson(11, 10)
    with pytest.raises(ValueError, match="non-negative"):
        wilson(-1, 10)
    with pytest.raises(ValueError, match="confidence"):
        wilson(1, 10, confidence=1.0)
    with pytest.raises(ValueError, match="confidence"):
        wilson(1, 10, confidence=0.0)
    with pytest.raises(TypeError):
        wilson(1.5, 10)  # type: ignore[arg-type]


def test_wilson_accepts_numpy_integers() -> None:
    p = wilson(np.int64(3), np.int64(10))  # type: ignore[arg-type]
    assert type(p.successes) is int
    assert type(p.n) is int
    assert p.estimate == 0.3


# --------------------------------------------------------------------------------------------
# McNemar


def exact_two_sided(only_a: int, only_b: int) -> float:
    """min(1, 2 * P(X <= min(b, c))) for X ~ Bin(b + c, 1/2), in exact fractions."""
    m = only_a + only_b
    tail = sum(Fraction(math.comb(m, i), 2**m) for i in range(min(only_a, only_b) + 1))
    return float(min(Fraction(1), 2 * tail))


@pytest.mark.parametrize(
    ("only_a", "only_b", "expected"),
    [
        (1, 5, 14 / 64),  # 2 * (C(6,0) + C(6,1)) / 2^6
        (0, 3, 2 / 8),  # 2 * C(3,0) / 2^3
        (2, 10, 158 / 4096),  # 2 * (1 + 12 + 66) / 2^12
        (0, 1, 1.0),  # 2 * 1/2
        (3, 3, 1.0),
        (0, 0, 1.0),
        (7, 1, 2 * (1 + 8) / 256),
    ],
)
def test_mcnemar_exact_by_hand(only_a: int, only_b: int, expected: float) -> None:
    assert mcnemar_exact(only_a, only_b) == pytest.approx(expected, rel=1e-12)


@given(st.integers(min_value=0, max_value=60), st.integers(min_value=0, max_value=60))
def test_mcnemar_exact_is_a_doubled_binomial_tail(only_a: int, only_b: int) -> None:
    p = mcnemar_exact(only_a, only_b)
    assert p == pytest.approx(exact_two_sided(only_a, only_b), rel=1e-9)
    assert p == mcnemar_exact(only_b, only_a)
    assert 0.0 < p <= 1.0


def test_mcnemar_rejects_negative_counts() -> None:
    with pytest.raises(ValueError, match="non-negative"):
        mcnemar_exact(-1, 3)


# --------------------------------------------------------------------------------------------
# Newcombe, independent proportions


@pytest.mark.parametrize(
    ("k1", "n1", "k2", "n2", "low", "high"),
    [
        # Newcombe (1998) Stat Med 17:873-890, Table II, method 10; the paper gives the interval
        # for k1/n1 - k2/n2, so the arguments are swapped: newcombe_unpaired gives p2 - p1.
        (56, 70, 48, 80, 0.0524, 0.3339),  # (a)
        (9, 10, 3, 10, 0.1705, 0.8090),  # (b)
        (6, 7, 2, 7, 0.0582, 0.8062),  # (c)
        (5, 56, 0, 29, -0.0381, 0.1926),  # (d)
        (0, 10, 0, 20, -0.1611, 0.2775),  # (e)
        (0, 10, 0, 10, -0.2775, 0.2775),  # (f)
        (10, 10, 0, 20, 0.6791, 1.0),  # (g)
        (10, 10, 0, 10, 0.6075, 1.0),  # (h)
    ],
)
def test_newcombe_unpaired_matches_newcombe_table_ii(
    k1: int, n1: int, k2: int, n2: int, low: float, high: float
) -> None:
    got_low, got_high = newcombe_unpaired(k2, n2, k1, n1)
    assert got_low == pytest.approx(low, abs=5e-5)
    assert got_high == pytest.approx(high, abs=5e-5)


counts = st.integers(min_value=1, max_value=300).flatmap(
    lambda n: st.tuples(st.integers(min_value=0, max_value=n), st.just(n))
)


@given(counts, counts, st.sampled_from([0.8, 0.9, 0.95, 0.99]))
def test_newcombe_unpaired_against_reference_and_properties(
    s1: tuple[int, int], s2: tuple[int, int], confidence: float
) -> None:
    (k1, n1), (k2, n2) = s1, s2
    low, high = newcombe_unpaired(k1, n1, k2, n2, confidence)
    ref_low, ref_high = newcombe_unpaired_reference(k1, n1, k2, n2, confidence)
    assert low == pytest.approx(ref_low, abs=1e-9)
    assert high == pytest.approx(ref_high, abs=1e-9)
    d = k2 / n2 - k1 / n1
    assert -1.0 <= low <= d <= high <= 1.0
    assert low < high
    swapped = newcombe_unpaired(k2, n2, k1, n1, confidence)
    assert swapped[0] == pytest.approx(-high, abs=1e-12)
    assert swapped[1] == pytest.approx(-low, abs=1e-12)


def test_newcombe_unpaired_rejects_empty_samples() -> None:
    with pytest.raises(ValueError, match="no runs"):
        newcombe_unpaired(0, 0, 1, 2)
    with pytest.raises(ValueError, match="no runs"):
        newcombe_unpaired(1, 2, 0, 0)


# --------------------------------------------------------------------------------------------
# Newcombe, paired proportions


@pytest.mark.parametrize(
    ("both", "only_b", "only_a", "neither", "low", "high", "abs_tol"),
    [
        # Newcombe (1998) Stat Med 17:2635-2650, worked example, method 10: 0.0562 to 0.3292
        (20, 12, 2, 16, 0.0562, 0.3292, 5e-5),
        # Fagerland et al. (2014), Bentur et al. data, Newcombe's method 10: -0.507 to -0.026
        (1, 1, 7, 12, -0.507, -0.026, 5e-4),
        # Tang, Li & Tang (2010) example, hybrid Wilson interval: -0.1574 to 0.4136
        (8, 3, 1, 2, -0.1574, 0.4136, 5e-5),
        # Chang et al. (2024) example: 0.133 to 0.318
        (7, 25, 2, 68, 0.133, 0.318, 5e-4),
    ],
)
def test_paired_difference_matches_published_examples(
    both: int,
    only_b: int,
    only_a: int,
    neither: int,
    low: float,
    high: float,
    abs_tol: float,
) -> None:
    # The publications give the interval for p1 - p2 with p1 the margin of the "first only"
    # cell, i.e. our p_b - p_a when first-only is only_b.
    a, b = vectors(both, only_a, only_b, neither)
    r = paired_difference(a, b)
    assert (r.both, r.only_a, r.only_b, r.neither) == (both, only_a, only_b, neither)
    n = both + only_a + only_b + neither
    assert r.difference == pytest.approx((only_b - only_a) / n)
    assert r.low == pytest.approx(low, abs=abs_tol)
    assert r.high == pytest.approx(high, abs=abs_tol)


def test_paired_difference_worked_example_in_full() -> None:
    # Newcombe's example: 20 both, 12 alternative only, 2 base only, 16 neither (n = 50).
    a, b = vectors(20, 2, 12, 16)
    r = paired_difference(a, b)
    assert r.p_a == pytest.approx(22 / 50)
    assert r.p_b == pytest.approx(32 / 50)
    assert r.difference == pytest.approx(0.2)
    # exact McNemar: 2 * P(X <= 2), X ~ Bin(14, 1/2) = 2 * (1 + 14 + 91) / 2^14
    assert r.mcnemar_p == pytest.approx(2 * 106 / 2**14, rel=1e-12)
    assert (r.unpaired_low, r.unpaired_high) == pytest.approx(
        newcombe_unpaired_reference(22, 50, 32, 50), abs=1e-9
    )
    # phi = (20*16 - 2*12 - 25) / sqrt(32*18*22*28) > 0, so pairing narrows the interval
    assert r.width_ratio == pytest.approx(
        (r.high - r.low) / (r.unpaired_high - r.unpaired_low), rel=1e-12
    )
    assert r.width_ratio < 0.8


def test_paired_difference_accepts_numpy_and_integer_vectors() -> None:
    a, b = vectors(20, 2, 12, 16)
    from_lists = paired_difference(a, b)
    assert paired_difference(np.array(a), np.array(b)) == from_lists
    assert paired_difference([int(x) for x in a], np.array(b, dtype=np.int8)) == from_lists


def test_paired_difference_identical_outcomes() -> None:
    a = [True, False, True, True, False, False, True, True, False, True]
    r = paired_difference(a, list(a))
    assert r.difference == 0.0
    assert r.mcnemar_p == 1.0
    assert r.only_a == r.only_b == 0
    assert r.low < 0.0 < r.high
    assert r.low == pytest.approx(-r.high, abs=1e-12)
    # phi = (24 - 0 - 5) / 24 > 0: the paired interval is narrower than the unpaired one
    assert r.width_ratio < 1.0


def test_paired_difference_all_convened_in_both() -> None:
    r = paired_difference([True] * 8, [True] * 8)
    assert r.difference == 0.0
    assert r.mcnemar_p == 1.0
    # an empty margin makes phi 0: paired and unpaired intervals coincide
    assert (r.low, r.high) == pytest.approx((r.unpaired_low, r.unpaired_high), abs=1e-15)
    assert r.width_ratio == pytest.approx(1.0)
    # phi = 0 and p_a = p_b = 1, so both half-widths are 1 - (Wilson lower bound for 8/8)
    q = 1 - wilson_closed_form(8, 8)[0]
    assert (r.low, r.high) == pytest.approx((-q, q), abs=1e-12)


def test_paired_width_ratio_below_one_under_strong_positive_correlation() -> None:
    rng = np.random.default_rng(20131122)
    a = rng.random(2000) < 0.4
    # the alternative flips a few base failures to successes: strongly correlated with a
    b = a | (rng.random(2000) < 0.02)
    r = paired_difference(a, b)
    assert r.difference > 0
    assert r.low > 0  # the paired analysis detects the improvement...
    assert r.unpaired_low < 0  # ...which the unpaired one, on the same counts, does not
    assert r.width_ratio < 0.5


def test_paired_width_ratio_above_one_under_negative_correlation() -> None:
    a, b = vectors(2, 20, 20, 3)
    r = paired_difference(a, b)
    assert r.width_ratio > 1.0


def test_paired_difference_large_n_does_not_overflow() -> None:
    # the product of the margins is 2e5^4 = 1.6e21, beyond int64
    both, only_a, only_b, neither = 150_000, 48_000, 52_000, 150_000
    a, b = vectors(both, only_a, only_b, neither)
    r = paired_difference(np.array(a), np.array(b))
    ref = newcombe_paired_reference(both, only_a, only_b, neither)
    assert (r.low, r.high) == pytest.approx(ref, abs=1e-9)
    assert r.width_ratio < 1.0


@given(st.lists(st.tuples(st.booleans(), st.booleans()), min_size=1, max_size=80))
@settings(max_examples=300)
def test_paired_difference_against_reference_and_properties(
    pairs: list[tuple[bool, bool]],
) -> None:
    a = [x for x, _ in pairs]
    b = [y for _, y in pairs]
    r = paired_difference(a, b)
    table = paired_table(a, b)
    assert (r.both, r.only_a, r.only_b, r.neither) == table
    n = len(pairs)
    assert r.p_a == pytest.approx(sum(a) / n)
    assert r.p_b == pytest.approx(sum(b) / n)
    assert r.difference == pytest.approx(r.p_b - r.p_a, abs=1e-12)

    ref_low, ref_high = newcombe_paired_reference(*table)
    assert r.low == pytest.approx(ref_low, abs=1e-9)
    assert r.high == pytest.approx(ref_high, abs=1e-9)
    assert r.mcnemar_p == pytest.approx(exact_two_sided(r.only_a, r.only_b), rel=1e-9)
    assert (r.unpaired_low, r.unpaired_high) == pytest.approx(
        newcombe_unpaired_reference(sum(a), n, sum(b), n), abs=1e-9
    )

    assert -1.0 <= r.low <= r.difference <= r.high <= 1.0
    assert -1.0 <= r.unpaired_low <= r.difference <= r.unpaired_high <= 1.0
    assert 0.0 < r.mcnemar_p <= 1.0

    # pairing narrows the interval exactly when the corrected correlation is positive
    phi = corrected_phi(*table)
    if phi > 0:
        assert r.width_ratio < 1.0
    elif phi < 0:
        assert r.width_ratio > 1.0
    else:
        assert r.width_ratio == pytest.approx(1.0, abs=1e-12)

    # swapping base and alternative negates the difference and the interval
    s = paired_difference(b, a)
    assert (s.only_a, s.only_b) == (r.only_b, r.only_a)
    assert s.difference == -r.difference
    assert s.low == pytest.approx(-r.high, abs=1e-12)
    assert s.high == pytest.approx(-r.low, abs=1e-12)
    assert s.unpaired_low == pytest.approx(-r.unpaired_high, abs=1e-12)
    assert s.mcnemar_p == r.mcnemar_p
    assert s.width_ratio == pytest.approx(r.width_ratio, rel=1e-9)

    # identical outcomes: exactly no difference, no evidence against equality
    same = paired_difference(a, a)
    assert same.difference == 0.0
    assert same.mcnemar_p == 1.0


def test_paired_difference_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="lengths 3 and 2"):
        paired_difference([True, False, True], [True, False])
    with pytest.raises(ValueError, match="no runs"):
        paired_difference([], [])
    with pytest.raises(ValueError, match="one-dimensional"):
        paired_difference([[True, False]], [[True, False]])
    with pytest.raises(ValueError, match="booleans"):
        paired_difference([0.5, 1.0], [1, 0])
    with pytest.raises(ValueError, match="booleans"):
        paired_difference(["yes", "no"], [1, 0])
    with pytest.raises(ValueError, match="confidence"):
        paired_difference([True], [False], confidence=95)


def test_paired_difference_confidence_level_is_used() -> None:
    a, b = vectors(20, 2, 12, 16)
    wide = paired_difference(a, b, confidence=0.99)
    narrow = paired_difference(a, b, confidence=0.9)
    assert wide.low < narrow.low
    assert wide.high > narrow.high
    assert (wide.low, wide.high) == pytest.approx(
        newcombe_paired_reference(20, 2, 12, 16, 0.99), abs=1e-9
    )


def test_paired_difference_type() -> None:
    assert isinstance(paired_difference([True], [False]), PairedDifference)


# --------------------------------------------------------------------------------------------
# Kaplan-Meier


def loglog_band(surv: float, greenwood: float, z: float) -> tuple[float, float]:
    """Pointwise log-log band for the cdf, from S and the Greenwood sum."""
    se = math.sqrt(greenwood) / abs(math.log(surv))
    s_low = surv ** math.exp(z * se)
    s_high = surv ** math.exp(-z * se)
    return 1 - s_high, 1 - s_low


def test_kaplan_meier_hand_computed_six_runs() -> None:
    # day: 1  2  2+ 3  5+ 8    (+ = censored at the horizon of that run)
    days = [1.0, 2.0, 2.0, 3.0, 5.0, 8.0]
    convened = [True, True, False, True, False, True]
    curve = kaplan_meier(days, convened)
    # day 1: 6 at risk, 1 event -> S = 5/6
    # day 2: 5 at risk (the run censored on day 2 still counts), 1 event -> S = 5/6 * 4/5 = 2/3
    # day 3: 3 at risk, 1 event -> S = 2/3 * 2/3 = 4/9
    # day 5: censored only, not an event time
    # day 8: 1 at risk, 1 event -> S = 0
    np.testing.assert_array_equal(curve.days, [1.0, 2.0, 3.0, 8.0])
    np.testing.assert_allclose(curve.cdf, [1 / 6, 1 / 3, 5 / 9, 1.0], rtol=1e-12)
    assert curve.n == 6
    assert curve.events == 4
    assert curve.median == 3.0

    # Greenwood sums d / (n (n - d)): 1/30, + 1/20, + 1/6
    z = norm.ppf(0.975)
    greenwood = np.cumsum([1 / 30, 1 / 20, 1 / 6])
    for i, (surv, v) in enumerate(zip([5 / 6, 2 / 3, 4 / 9], greenwood, strict=True)):
        low, high = loglog_band(surv, v, z)
        assert curve.cdf_low[i] == pytest.approx(low, rel=1e-9)
        assert curve.cdf_high[i] == pytest.approx(high, rel=1e-9)
    # at day 8 the band is undefined (S = 0): the upper bound is 1 and the lower bound is
    # carried over from day 3
    assert curve.cdf_high[3] == 1.0
    assert curve.cdf_low[3] == curve.cdf_low[2]

    assert cdf_at(curve, 0.0) == 0.0
    assert cdf_at(curve, 0.999) == 0.0
    assert cdf_at(curve, 1.0) == pytest.approx(1 / 6)
    assert cdf_at(curve, 2.5) == pytest.approx(1 / 3)
    assert cdf_at(curve, 5.0) == pytest.approx(5 / 9)
    assert cdf_at(curve, 7.99) == pytest.approx(5 / 9)
    assert cdf_at(curve, 8.0) == 1.0
    assert cdf_at(curve, 100.0) == 1.0


def test_kaplan_meier_without_censoring_is_the_empirical_cdf() -> None:
    rng = np.random.default_rng(7)
    days = rng.integers(1, 60, size=200).astype(float)
    curve = kaplan_meier(days, np.ones(days.size, dtype=bool))
    np.testing.assert_array_equal(curve.days, np.unique(days))
    ecdf = np.array([np.mean(days <= t) for t in curve.days])
    np.testing.assert_allclose(curve.cdf, ecdf, atol=1e-12)
    assert curve.cdf[-1] == pytest.approx(1.0)
    assert curve.median == float(np.quantile(days, 0.5, method="inverted_cdf"))
    for t in [0.0, 1.5, 17.0, 30.5, 59.0, 61.0]:
        assert cdf_at(curve, t) == pytest.approx(np.mean(days <= t), abs=1e-12)


def test_kaplan_meier_censoring_times_are_not_event_times() -> None:
    curve = kaplan_meier([2.0, 2.0, 4.0, 6.0], [True, True, False, False])
    np.testing.assert_array_equal(curve.days, [2.0])
    assert curve.cdf[0] == pytest.approx(0.5)
    assert curve.median == 2.0
    assert cdf_at(curve, 6.0) == pytest.approx(0.5)


def test_kaplan_meier_all_censored() -> None:
    curve = kaplan_meier([30.0, 30.0, 30.0], [False, False, False])
    assert curve.days.size == curve.cdf.size == curve.cdf_low.size == curve.cdf_high.size == 0
    assert curve.median is None
    assert curve.events == 0
    assert curve.n == 3
    assert cdf_at(curve, 0.0) == 0.0
    assert cdf_at(curve, 1e9) == 0.0


def test_kaplan_meier_single_event_time_for_everyone_at_risk() -> None:
    # Both runs convene on day 5: cdf jumps to 1 and the log-log band is undefined there; the
    # lower bound falls back to the Wilson lower bound for 2 of 2.
    curve = kaplan_meier([5.0, 5.0], [True, True])
    np.testing.assert_array_equal(curve.days, [5.0])
    assert curve.cdf[0] == 1.0
    assert curve.cdf_high[0] == 1.0
    assert curve.cdf_low[0] == pytest.approx(wilson_closed_form(2, 2)[0], abs=1e-12)
    # with an earlier censoring the at-risk set is what counts: 3 at risk on day 5
    curve = kaplan_meier([1.0, 5.0, 5.0, 5.0], [False, True, True, True])
    assert curve.cdf_low[0] == pytest.approx(wilson_closed_form(3, 3)[0], abs=1e-12)


def test_kaplan_meier_median() -> None:
    # never reaches 0.5: 1 of 4 convenes, the rest censored
    assert kaplan_meier([3.0, 9.0, 9.0, 9.0], [True, False, False, False]).median is None
    # exactly 0.5 at day 2
    assert kaplan_meier([1.0, 2.0, 3.0, 9.0], [True, True, False, False]).median == 2.0
    # 25 runs, one censored at day 0.5, then one event a day: S(12) = 12/24 = 0.5 in exact
    # arithmetic, but scipy's product gives a cdf of 0.4999999999999999
    days = [0.5, *range(1, 25)]
    convened = [False] + [True] * 24
    curve = kaplan_meier(days, convened)
    assert curve.cdf[11] < 0.5
    assert curve.median == 12.0


def test_kaplan_meier_arrays_are_read_only() -> None:
    curve = kaplan_meier([1.0, 2.0, 3.0], [True, False, True])
    assert isinstance(curve, SurvivalCurve)
    for arr in (curve.days, curve.cdf, curve.cdf_low, curve.cdf_high):
        assert arr.dtype == np.float64
        with pytest.raises(ValueError, match="read-only"):
            arr[0] = 0.5


def test_kaplan_meier_does_not_warn() -> None:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        kaplan_meier([1.0, 2.0, 3.0], [True, True, True])


def test_kaplan_meier_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="no runs"):
        kaplan_meier([], [])
    with pytest.raises(ValueError, match="same length"):
        kaplan_meier([1.0, 2.0], [True])
    with pytest.raises(ValueError, match="finite"):
        kaplan_meier([1.0, math.nan], [True, False])
    with pytest.raises(ValueError, match="one-dimensional"):
        kaplan_meier([[1.0, 2.0]], [[True, False]])
    with pytest.raises(ValueError, match="booleans"):
        kaplan_meier([1.0, 2.0], [2, 0])
    with pytest.raises(ValueError, match="nan"):
        cdf_at(kaplan_meier([1.0], [True]), math.nan)


def test_kaplan_meier_confidence_level_is_used() -> None:
    days, convened = [1.0, 2.0, 2.0, 3.0, 5.0, 8.0], [True, True, False, True, False, True]
    wide = kaplan_meier(days, convened, confidence=0.99)
    narrow = kaplan_meier(days, convened, confidence=0.8)
    assert np.all(wide.cdf_low[:3] < narrow.cdf_low[:3])
    assert np.all(wide.cdf_high[:3] > narrow.cdf_high[:3])


@given(
    st.lists(
        st.tuples(st.integers(min_value=0, max_value=15), st.booleans()),
        min_size=1,
        max_size=60,
    ),
    st.sampled_from([0.8, 0.95, 0.99]),
)
@settings(max_examples=300)
def test_kaplan_meier_properties(runs: list[tuple[int, bool]], confidence: float) -> None:
    days = [float(d) for d, _ in runs]
    convened = [e for _, e in runs]
    curve = kaplan_meier(days, convened, confidence)

    expected = product_limit(days, convened)
    assert curve.n == len(runs)
    assert curve.events == sum(convened)
    assert list(curve.days) == sorted(expected)
    np.testing.assert_allclose(curve.cdf, [expected[t] for t in curve.days], atol=1e-12)

    for arr in (curve.cdf, curve.cdf_low, curve.cdf_high):
        assert arr.shape == curve.days.shape
        assert np.all(np.isfinite(arr))
    assert np.all(np.diff(curve.days) > 0)
    assert np.all(np.diff(curve.cdf) >= -1e-15)
    assert np.all(curve.cdf_low >= 0.0)
    assert np.all(curve.cdf_low <= curve.cdf)
    assert np.all(curve.cdf <= curve.cdf_high)
    assert np.all(curve.cdf_high <= 1.0)

    reached = [t for t in curve.days if expected[t] >= 0.5 - 1e-12]
    assert curve.median == (reached[0] if reached else None)

    for t in range(-1, 17):
        value = cdf_at(curve, float(t) + 0.5)
        before = [expected[s] for s in expected if s <= t + 0.5]
        assert value == pytest.approx(before[-1] if before else 0.0, abs=1e-12)
