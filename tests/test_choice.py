"""Tests for sim.model.choice: an actor picks moves with the documented weights."""

from __future__ import annotations

import math
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.model.choice import PASS, Repertoire, choose, weights

GRID = 4000


def grid(n: int = GRID) -> list[float]:
    """``n`` evenly spaced uniforms, the midpoints of ``n`` equal cells of [0, 1)."""
    return [(i + 0.5) / n for i in range(n)]


def frequencies(
    base: list[float],
    polarity: list[int],
    pass_weight: float,
    stance_latent: float = 0.0,
    sensitivity: float = 1.0,
    focal_boost: float = 1.0,
    n: int = GRID,
) -> Counter[int]:
    rep = Repertoire.of(base, polarity, pass_weight)
    return Counter(rep.pick(stance_latent, sensitivity, focal_boost, u) for u in grid(n))


def expected_shares(
    base: list[float],
    polarity: list[int],
    pass_weight: float,
    stance_latent: float,
    sensitivity: float,
    focal_boost: float,
) -> dict[int, float]:
    w = weights(base, polarity, stance_latent, sensitivity, focal_boost)
    total = pass_weight + sum(w)
    shares = {i: wi / total for i, wi in enumerate(w)}
    shares[PASS] = pass_weight / total
    return shares


def assert_grid_matches(counts: Counter[int], shares: dict[int, float], n: int = GRID) -> None:
    assert set(counts) <= {k for k, s in shares.items() if s > 0}
    for k, share in shares.items():
        # each move owns one interval of [0, 1): it holds floor or ceil of n * share grid points
        assert abs(counts.get(k, 0) - n * share) <= 1.0 + 1e-9, (k, counts.get(k, 0), n * share)


# -- the distribution -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("base", "polarity", "pass_weight"),
    [
        ([1.0], [1], 0.0),
        ([2.0, 0.3, 0.3, 1.0, 0.5, 0.3, 0.4], [1, 1, 1, 1, 1, -1, -1], 2.0),
        ([0.6, 0.5, 0.6, 0.4], [-1, -1, 1, -1], 2.0),
        ([1.0, 1.0, 1.0], [0, -1, 1], 1.0),
        ([3.0, 0.0, 1.0, 0.0], [0, 1, -1, -1], 0.5),
    ],
)
@pytest.mark.parametrize(("stance", "focal"), [(0.0, 1.0), (0.5, 1.0), (-0.8, 1.0), (0.3, 1.5)])
def test_pick_frequencies_on_a_grid_equal_the_weights(
    base: list[float], polarity: list[int], pass_weight: float, stance: float, focal: float
) -> None:
    latent = math.atanh(stance)
    counts = frequencies(base, polarity, pass_weight, latent, 1.0, focal)
    assert_grid_matches(counts, expected_shares(base, polarity, pass_weight, latent, 1.0, focal))


@settings(max_examples=60)
@given(
    moves=st.lists(
        st.tuples(st.one_of(st.just(0.0), st.floats(0.01, 10.0)), st.sampled_from([-1, 0, 1])),
        min_size=1,
        max_size=6,
    ),
    pass_weight=st.one_of(st.just(0.0), st.floats(0.01, 10.0)),
    stance=st.floats(-0.99, 0.99),
    sensitivity=st.floats(0.0, 3.0),
    focal=st.floats(0.5, 3.0),
)
def test_pick_frequencies_match_the_weights_for_any_repertoire(
    moves: list[tuple[float, int]],
    pass_weight: float,
    stance: float,
    sensitivity: float,
    focal: float,
) -> None:
    base = [w for w, _ in moves]
    polarity = [p for _, p in moves]
    if pass_weight + sum(base) == 0:
        pass_weight = 1.0
    latent = math.atanh(stance)
    counts = frequencies(base, polarity, pass_weight, latent, sensitivity, focal, n=1000)
    shares = expected_shares(base, polarity, pass_weight, latent, sensitivity, focal)
    assert_grid_matches(counts, shares, n=1000)


def test_pick_stacks_pass_then_constructive_then_spoiler_then_neutral_in_file_order() -> None:
    base = [1.0, 1.0, 1.0, 1.0, 1.0]
    polarity = [0, -1, 1, -1, 1]
    rep = Repertoire.of(base, polarity, 1.0)
    picks = [rep.pick(0.0, 1.0, 1.0, u) for u in grid(600)]
    order = [PASS, 2, 4, 1, 3, 0]
    assert [k for k, _ in _runs(picks)] == order
    assert all(n == 100 for _, n in _runs(picks))


def _runs(items: list[int]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for x in items:
        if out and out[-1][0] == x:
            out[-1] = (x, out[-1][1] + 1)
        else:
            out.append((x, 1))
    return out


# -- zero weights and passing -----------------------------------------------------------------


EXTREME_U = [1e-300, 2**-53, 0.25, 0.5, 0.75, 1.0 - 2**-53, math.nextafter(1.0, 0.0)]


@pytest.mark.parametrize("u", EXTREME_U)
@pytest.mark.parametrize("stance", [-0.999, 0.0, 0.999])
def test_zero_weight_moves_are_never_chosen(u: float, stance: float) -> None:
    rep = Repertoire.of([0.0, 2.0, 0.0, 1.0, 0.0], [1, 1, -1, -1, 0], 0.0)
    assert rep.pick(math.atanh(stance), 3.0, 2.0, u) in (1, 3)


@pytest.mark.parametrize("u", EXTREME_U)
def test_only_pass_weight_always_passes(u: float) -> None:
    assert Repertoire.of([0.0, 0.0], [1, -1], 1.0).pick(0.5, 1.0, 1.5, u) == PASS
    assert Repertoire.of([], [], 1.0).pick(0.0, 1.0, 1.0, u) == PASS


@pytest.mark.parametrize("u", EXTREME_U)
def test_nothing_to_do_passes(u: float) -> None:
    assert Repertoire.of([0.0], [1], 0.0).pick(0.0, 1.0, 1.0, u) == PASS


@pytest.mark.parametrize("u", EXTREME_U)
def test_zero_pass_weight_never_passes(u: float) -> None:
    assert Repertoire.of([1.0, 1.0], [1, 0], 0.0).pick(0.0, 1.0, 1.0, u) in (0, 1)


# -- stance and focal boost -------------------------------------------------------------------


def test_weights_scale_constructive_by_stance_and_focal_boost_and_spoilers_inversely() -> None:
    latent = math.atanh(0.5)
    g = math.exp(2.0 * 0.5)
    w = weights([1.0, 2.0, 3.0], [1, -1, 0], latent, 2.0, 1.5)
    assert w == pytest.approx([1.0 * g * 1.5, 2.0 / g, 3.0], rel=1e-15)


def test_zero_sensitivity_and_no_focal_boost_keep_the_base_weights() -> None:
    assert weights([1.0, 2.0, 3.0], [1, -1, 0], 2.0, 0.0, 1.0) == [1.0, 2.0, 3.0]


def test_a_committed_actor_chooses_constructive_moves_more_often() -> None:
    base, polarity = [1.0, 1.0], [1, -1]
    neutral = frequencies(base, polarity, 1.0, 0.0)
    committed = frequencies(base, polarity, 1.0, math.atanh(0.8))
    hostile = frequencies(base, polarity, 1.0, math.atanh(-0.8))
    assert abs(neutral[0] - neutral[1]) <= 1
    assert committed[0] > neutral[0] > hostile[0]
    assert committed[1] < neutral[1] < hostile[1]


def test_a_focal_boost_makes_constructive_moves_likelier_and_leaves_spoilers_relative() -> None:
    base, polarity = [1.0, 1.0, 1.0], [1, -1, 0]
    plain = frequencies(base, polarity, 1.0, 0.0, 1.0, 1.0)
    boosted = frequencies(base, polarity, 1.0, 0.0, 1.0, 2.0)
    assert boosted[0] == pytest.approx(2 * GRID / 5, abs=1)
    assert plain[0] == pytest.approx(GRID / 4, abs=1)
    assert boosted[1] == pytest.approx(boosted[2], abs=1)
    assert boosted[1] == pytest.approx(boosted[PASS], abs=1)
    assert boosted[1] == pytest.approx(GRID / 5, abs=1)


@given(
    st.lists(st.floats(0.0, 5.0), min_size=1, max_size=5),
    st.floats(0.0, 3.0),
    st.floats(-3.0, 3.0),
    st.floats(0.0, 1.0, exclude_max=True),
)
def test_choose_equals_a_prebuilt_repertoire(
    base: list[float], pass_weight: float, latent: float, u: float
) -> None:
    polarity = [(-1, 0, 1)[i % 3] for i in range(len(base))]
    rep = Repertoire.of(base, polarity, pass_weight)
    assert choose(base, polarity, pass_weight, latent, 1.0, 1.3, u) == rep.pick(latent, 1.0, 1.3, u)


def test_repertoire_groups_moves_by_polarity_and_drops_zero_weights() -> None:
    rep = Repertoire.of([1.0, 0.0, 2.0, 3.0, 0.5], [1, 1, -1, 1, 0], 0.25)
    assert rep.groups == ((0, 3), (2,), (4,))
    assert rep.cums == ((1.0, 4.0), (2.0,), (0.5,))
    assert rep.totals == (4.0, 2.0, 0.5)
    assert rep.pass_weight == 0.25
