"""Tests of sim.experiments.designs: parameter parsing and grid, LHS and Sobol' designs."""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.experiments.designs import (
    MAX_GRID_POINTS,
    Choice,
    Design,
    DesignError,
    Param,
    Range,
    make_design,
    parse_param,
    parse_params,
)

# --------------------------------------------------------------------------- parse_param


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("actors.russia.tempo_days=5:15", Range("actors.russia.tempo_days", 5, 15, integer=True)),
        ("a=0.5:2", Range("a", 0.5, 2.0)),
        ("a=5.0:15", Range("a", 5.0, 15.0)),
        ("a=-3:-1", Range("a", -3, -1, integer=True)),
        ("a=1e-3:1e-1", Range("a", 0.001, 0.1)),
        (" a.b-c_d = 1 : 2.5 ", Range("a.b-c_d", 1.0, 2.5)),
        ("a=1_000:2_000", Range("a", 1000, 2000, integer=True)),
        (
            "gates.regional_invitations.resolved=true,false",
            Choice("gates.regional_invitations.resolved", (True, False)),
        ),
        ("a=1,2,3", Choice("a", (1, 2, 3))),
        ("a=0.5, 1.5", Choice("a", (0.5, 1.5))),
        ("a=low,high", Choice("a", ("low", "high"))),
        ('a="x, y",z', Choice("a", ("x, y", "z"))),
        ("a='1',1", Choice("a", ("1", 1))),
        ('a="5:15"', Choice("a", ("5:15",))),
        ("a=7", Choice("a", (7,))),
        ("a=true,1", Choice("a", (True, 1))),
        ("a=2013-11-25,2014-01-22", Choice("a", ("2013-11-25", "2014-01-22"))),
    ],
)
def test_parse_param_accepts(text: str, expected: Param) -> None:
    parsed = parse_param(text)
    assert parsed == expected
    if isinstance(expected, Range):
        assert isinstance(parsed, Range)
        assert parsed.integer is expected.integer
    else:
        assert isinstance(parsed, Choice)
        # 1 == True == 1.0 in Python: check the types too.
        assert [type(v) for v in parsed.values] == [type(v) for v in expected.values]


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("actors.russia.tempo_days", r"^invalid parameter 'actors\.russia\.tempo_days': no '='"),
        ("=1:2", r"'=1:2': the key is empty"),
        (" =1:2", r"the key is empty"),
        ("a b=1:2", r"key 'a b' is not a dotted path"),
        ("a..b=1:2", r"key 'a\.\.b' is not a dotted path"),
        (".a=1:2", r"key '\.a' is not a dotted path"),
        ("a.=1:2", r"key 'a\.' is not a dotted path"),
        ("a$=1:2", r"key 'a\$' is not a dotted path"),
        ("a=15:5", r"'a=15:5': LOW 15 must be below HIGH 5"),
        ("a=5:5", r"LOW 5 must be below HIGH 5"),
        ("a=2.5:-1.0", r"LOW 2\.5 must be below HIGH -1\.0"),
        ("a=x:2", r"LOW 'x' is not a number"),
        ("a=1:", r"HIGH '' is not a number"),
        ("a=nan:1", r"LOW nan is not finite"),
        ("a=0:inf", r"HIGH inf is not finite"),
        ("a=-inf:0", r"LOW -inf is not finite"),
        ("a=-1e308:1e308", r"overflows"),
        ("a=1:2:3", r"'1:2:3' must be LOW:HIGH with exactly one ':'"),
        ("a=", r"'a=': the value list is empty"),
        ("a=  ", r"the value list is empty"),
        ("a=1,1", r"value 1 is listed twice"),
        ("a=1,1.0", r"value 1\.0 is listed twice"),
        ("a=x,y,x", r"value 'x' is listed twice"),
        ('a="x",x', r"value 'x' is listed twice"),
        ("a=1,,2", r"a value is empty"),
        ("a=1,2,", r"a value is empty"),
        ("a=nan,1", r"value nan is not finite"),
        ('a="x,y', r'quoted string starting with " is not closed'),
        ("a=[1],2", r"value '\[1\]' is not a TOML scalar"),
        ("a=two words,x", r"value 'two words' is not a TOML scalar"),
    ],
)
def test_parse_param_rejects(text: str, match: str) -> None:
    with pytest.raises(DesignError, match=match) as info:
        parse_param(text)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(f"invalid parameter {text!r}") or "no '='" in message


def test_design_error_is_a_value_error() -> None:
    assert issubclass(DesignError, ValueError)


def test_parse_params_keeps_order_and_rejects_duplicate_keys() -> None:
    params = parse_params(["b=1:2", "a=x,y"])
    assert [p.key for p in params] == ["b", "a"]
    with pytest.raises(DesignError, match=r"parameter key 'a' is given twice"):
        parse_params(["a=1:2", "b=1:2", "a=x,y"])
    with pytest.raises(DesignError, match=r"invalid parameter 'c=2:1'"):
        parse_params(["a=1:2", "c=2:1"])


@pytest.mark.parametrize(
    ("build", "match"),
    [
        (lambda: Range("a", 2.0, 1.0), r"range 'a': LOW 2\.0 must be below HIGH 1\.0"),
        (lambda: Range("a", 0.5, 2.0, integer=True), r"LOW 0\.5 is not an integer"),
        (lambda: Range("a b", 0.0, 1.0), r"key 'a b' is not a dotted path"),
        (lambda: Range("a", math.nan, 1.0), r"LOW nan is not finite"),
        (lambda: Choice("a", ()), r"choice 'a': the value list is empty"),
        (lambda: Choice("a", (True, True)), r"value True is listed twice"),
    ],
)
def test_constructors_validate(build: Callable[[], Param], match: str) -> None:
    with pytest.raises(DesignError, match=match):
        build()


_finite = st.floats(min_value=-1e12, max_value=1e12, allow_nan=False, allow_infinity=False)


@given(a=_finite, b=_finite)
def test_parse_param_float_range_round_trip(a: float, b: float) -> None:
    low, high = sorted((a, b))
    if low == high:
        with pytest.raises(DesignError, match="must be below HIGH"):
            parse_param(f"k={low!r}:{high!r}")
        return
    parsed = parse_param(f"k={low!r}:{high!r}")
    assert parsed == Range("k", low, high, integer=False)


@given(a=st.integers(-(10**9), 10**9), b=st.integers(-(10**9), 10**9))
def test_parse_param_int_range_round_trip(a: int, b: int) -> None:
    low, high = sorted((a, b))
    if low == high:
        with pytest.raises(DesignError, match=f"LOW {low} must be below HIGH {high}"):
            parse_param(f"k={low}:{high}")
        return
    parsed = parse_param(f"k={low}:{high}")
    assert isinstance(parsed, Range)
    assert (parsed.low, parsed.high, parsed.integer) == (low, high, True)


_words = st.text(alphabet="abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=8).filter(
    lambda w: w not in ("true", "false", "inf", "nan")
)


@given(values=st.lists(st.one_of(st.integers(-100, 100), _words), min_size=1, unique=True))
def test_parse_param_choice_round_trip(values: list[int | str]) -> None:
    parsed = parse_param("k=" + ",".join(str(v) for v in values))
    assert isinstance(parsed, Choice)
    assert list(parsed.values) == values


# --------------------------------------------------------------------------- strategies


@st.composite
def _ranges(draw: st.DrawFn, key: str) -> Range:
    if draw(st.booleans()):
        first = draw(st.integers(-50, 50))
        return Range(key, first, first + draw(st.integers(1, 20)), integer=True)
    low = draw(st.floats(-1e6, 1e6))
    span = draw(st.floats(1e-3, 1e6))
    return Range(key, low, low + span)


@st.composite
def _choices(draw: st.DrawFn, key: str) -> Choice:
    values = draw(
        st.lists(
            st.one_of(st.booleans(), st.integers(-5, 5), _words),
            min_size=1,
            max_size=4,
            unique_by=lambda v: (type(v), v),
        )
    )
    return Choice(key, tuple(values))


@st.composite
def _params(draw: st.DrawFn) -> tuple[Param, ...]:
    count = draw(st.integers(1, 4))
    return tuple(draw(st.one_of(_ranges(f"p{i}.x"), _choices(f"p{i}.x"))) for i in range(count))


def _check_point_values(design: Design) -> None:
    for point in design.points:
        assert list(point) == [p.key for p in design.params]
        for param in design.params:
            value = point[param.key]
            if isinstance(param, Choice):
                assert any(type(value) is type(v) and value == v for v in param.values)
            elif param.integer:
                assert type(value) is int
                assert param.low <= value <= param.high
            else:
                assert type(value) is float
                assert param.low <= value <= param.high


# --------------------------------------------------------------------------- random designs


@settings(max_examples=60, deadline=None)
@given(
    params=_params(),
    kind=st.sampled_from(["lhs", "sobol"]),
    exponent=st.integers(1, 7),
    seed=st.integers(0, 2**32),
)
def test_random_designs_are_in_bounds_sized_and_reproducible(
    params: tuple[Param, ...], kind: str, exponent: int, seed: int
) -> None:
    points = 2**exponent
    design = make_design(params, kind, points, seed)
    assert design.kind == kind
    assert design.params == params
    assert design.seed == seed
    assert len(design.points) == points
    _check_point_values(design)
    again = make_design(list(params), kind, points, seed)
    assert again == design
    assert again.to_json() == design.to_json()


@pytest.mark.parametrize("kind", ["lhs", "sobol"])
def test_different_seeds_give_different_points(kind: str) -> None:
    params = (Range("a", 0.0, 1.0), Range("b", -5.0, 5.0))
    first = make_design(params, kind, 32, seed=1)
    assert make_design(params, kind, 32, seed=1).points == first.points
    assert make_design(params, kind, 32, seed=2).points != first.points


def _strata(design: Design, param: Range) -> list[int]:
    n = len(design.points)
    return sorted(
        min(int((float(point[param.key]) - param.low) / (param.high - param.low) * n), n - 1)
        for point in design.points
    )


@settings(max_examples=40, deadline=None)
@given(
    points=st.integers(2, 200),
    seed=st.integers(0, 2**32),
    lows=st.lists(st.floats(-1e3, 1e3), min_size=1, max_size=5),
    span=st.floats(0.1, 1e3),
)
def test_lhs_puts_one_point_in_each_stratum(
    points: int, seed: int, lows: list[float], span: float
) -> None:
    params = tuple(Range(f"r{i}", low, low + span * (i + 1)) for i, low in enumerate(lows))
    design = make_design(params, "lhs", points, seed)
    for param in params:
        assert _strata(design, param) == list(range(points))


@settings(max_examples=30, deadline=None)
@given(exponent=st.integers(1, 8), seed=st.integers(0, 2**32), d=st.integers(1, 5))
def test_sobol_puts_one_point_in_each_stratum(exponent: int, seed: int, d: int) -> None:
    # A scrambled Sobol' sequence of 2**m points is a (t, m, d)-net: every one-dimensional
    # projection has exactly one point in each interval [k / 2**m, (k + 1) / 2**m).
    params = tuple(Range(f"r{i}", 0.0, 10.0 * (i + 1)) for i in range(d))
    design = make_design(params, "sobol", 2**exponent, seed)
    for param in params:
        assert _strata(design, param) == list(range(2**exponent))


@pytest.mark.parametrize("kind", ["lhs", "sobol"])
def test_integer_ranges_and_choices_are_equally_likely(kind: str) -> None:
    # 5 integers and 4 choices; with 5 * 4 * 8 = 160 LHS points (or 128 Sobol' points for the
    # choices, a power of two) every value is drawn equally often: the bounds are not starved.
    lhs_points, sobol_points = 160, 128
    params = (Range("n", 1, 5, integer=True), Choice("c", ("a", "b", True, 2.5)))
    points = lhs_points if kind == "lhs" else sobol_points
    design = make_design(params, kind, points, seed=3)
    _check_point_values(design)
    choices = Counter(str(point["c"]) for point in design.points)
    assert set(choices.values()) == {points // 4}
    if kind == "lhs":
        assert Counter(point["n"] for point in design.points) == dict.fromkeys(range(1, 6), 32)
    else:
        assert set(Counter(point["n"] for point in design.points)) == set(range(1, 6))


# --------------------------------------------------------------------------- grid


def test_grid_is_the_full_factorial_first_parameter_slowest() -> None:
    params = (Range("a", 0.0, 1.0), Choice("b", ("x", "y")), Range("c", 10, 12, integer=True))
    design = make_design(params, "grid", 3, seed=0)
    assert len(design.points) == 3 * 2 * 3
    assert design.points[:4] == (
        {"a": 0.0, "b": "x", "c": 10},
        {"a": 0.0, "b": "x", "c": 11},
        {"a": 0.0, "b": "x", "c": 12},
        {"a": 0.0, "b": "y", "c": 10},
    )
    assert design.points[-1] == {"a": 1.0, "b": "y", "c": 12}
    assert [p["a"] for p in design.points[::6]] == [0.0, 0.5, 1.0]
    _check_point_values(design)


@settings(max_examples=50, deadline=None)
@given(params=_params(), points=st.integers(2, 6))
def test_grid_size_is_the_product_of_the_axes(params: tuple[Param, ...], points: int) -> None:
    design = make_design(params, "grid", points, seed=0)
    expected = 1
    for param in params:
        if isinstance(param, Choice):
            expected *= len(param.values)
        elif param.integer:
            expected *= min(points, int(param.high - param.low) + 1)
        else:
            expected *= points
    assert len(design.points) == expected
    assert len({json.dumps(p, sort_keys=True) for p in design.points}) == expected
    _check_point_values(design)
    for param in params:
        if isinstance(param, Range):
            values = {p[param.key] for p in design.points}
            assert min(values) == param.low
            assert max(values) == param.high


def test_integer_grid_is_rounded_and_deduplicated() -> None:
    design = make_design((Range("n", 1, 3, integer=True),), "grid", 5, seed=0)
    assert [point["n"] for point in design.points] == [1, 2, 3]
    assert all(type(point["n"]) is int for point in design.points)


def test_grid_of_choices_only_ignores_points() -> None:
    params = (Choice("a", (True, False)), Choice("b", (1, 2, 3)))
    design = make_design(params, "grid", 0, seed=0)
    assert len(design.points) == 6
    assert design.points[0] == {"a": True, "b": 1}


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("kind", "points", "match"),
    [
        ("grid", 1, r"a grid needs points >= 2 to span the range 'a' \(0:1\), got 1"),
        ("lhs", 1, r"a lhs design needs points >= 2, got 1"),
        ("lhs", 0, r"a lhs design needs points >= 2, got 0"),
        ("sobol", 1, r"a sobol design needs points >= 2, got 1"),
        ("sobol", 100, r"a sobol design needs a power of 2 points, got 100: use 64 or 128"),
        ("sobol", 3, r"got 3: use 2 or 4"),
        ("random", 8, r"unknown design kind 'random': choose one of grid, lhs, sobol"),
        ("LHS", 8, r"unknown design kind 'LHS'"),
    ],
)
def test_make_design_rejects(kind: str, points: int, match: str) -> None:
    with pytest.raises(DesignError, match=match):
        make_design((Range("a", 0.0, 1.0),), kind, points, seed=0)


def test_make_design_rejects_bad_parameter_sets_and_seeds() -> None:
    with pytest.raises(DesignError, match="at least one parameter"):
        make_design((), "lhs", 8, seed=0)
    with pytest.raises(DesignError, match="parameter key 'a' is given twice"):
        make_design((Range("a", 0.0, 1.0), Choice("a", (1, 2))), "lhs", 8, seed=0)
    with pytest.raises(DesignError, match="non-negative integer, got -1"):
        make_design((Range("a", 0.0, 1.0),), "lhs", 8, seed=-1)
    with pytest.raises(DesignError, match=rf"more than {MAX_GRID_POINTS}"):
        make_design(tuple(Range(f"a{i}", 0.0, 1.0) for i in range(7)), "grid", 10, seed=0)


# --------------------------------------------------------------------------- provenance


def test_to_json_describes_the_design() -> None:
    params = parse_params(["a.b=5:15", "c=0.5:1.5", 'd=true,"x",2'])
    design = make_design(params, "lhs", 16, seed=42)
    described = design.to_json()
    assert json.loads(json.dumps(described)) == described
    assert described == {
        "kind": "lhs",
        "seed": 42,
        "points": 16,
        "params": [
            {"key": "a.b", "low": 5, "high": 15, "integer": True},
            {"key": "c", "low": 0.5, "high": 1.5, "integer": False},
            {"key": "d", "values": [True, "x", 2]},
        ],
    }
    others = [
        make_design(params, "lhs", 16, seed=43),
        make_design(params, "lhs", 32, seed=42),
        make_design(params, "sobol", 16, seed=42),
        make_design(params[:2], "lhs", 16, seed=42),
        make_design(parse_params(["a.b=5:16", "c=0.5:1.5", 'd=true,"x",2']), "lhs", 16, 42),
    ]
    for other in others:
        assert other.to_json() != described
