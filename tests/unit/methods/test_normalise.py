"""The normalisation catalogue: hand-computed tables pin every method, Hypothesis states the invariants."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra.numpy import arrays

from dti_bench.errors import MethodError

from dti_bench.metrics.ranking import rank_scores
from dti_bench.methods.registry import METHODS, functions
NORMALISERS = functions("normalise")

NAN = np.nan

# One 5-unit column with a tie (units 1, 2) and a missing value (unit 4), used by every table below.
# Present values 2, 6, 6, 10: n = 4, min 2, max 10, range 8, mean 24/4 = 6,
# sample sd = sqrt(((-4)^2 + 0 + 0 + 4^2)/3) = sqrt(32/3), so 4/sd = sqrt(16*3/32) = sqrt(1.5).
X = np.array([2.0, 6.0, 6.0, 10.0, NAN])

TABLE = [
    # (method, params, expected)
    ("none", {}, [2, 6, 6, 10, NAN]),
    # (x - 2)/8
    ("minmax", {}, [0, 4 / 8, 4 / 8, 1, NAN]),
    # 1 + 99 (x - 2)/8
    ("minmax", {"lo": 1.0, "hi": 100.0}, [1, 1 + 99 * 0.5, 1 + 99 * 0.5, 100, NAN]),
    # (x - 6)/sqrt(32/3)
    ("zscore", {}, [-math.sqrt(1.5), 0, 0, math.sqrt(1.5), NAN]),
    # 100 + 10 (x - 6)/sd
    ("zscore", {"m": 100.0, "s": 10.0}, [100 - 10 * math.sqrt(1.5), 100, 100, 100 + 10 * math.sqrt(1.5), NAN]),
    # ascending, ties 'min': 2 -> 1, 6 and 6 -> 2, 10 -> 4 (3 is skipped)
    ("rank", {}, [1, 2, 2, 4, NAN]),
    # (rank - 1)/(4 - 1)
    ("percentile", {}, [0, 1 / 3, 1 / 3, 3 / 3, NAN]),
    # rank - 1
    ("borda", {}, [0, 1, 1, 3, NAN]),
    # (x - 0)/(8 - 0) = 0.25, 0.75, 0.75, 1.25 -> capped at 1
    ("goalposts", {"lo": 0.0, "hi": 8.0}, [0.25, 0.75, 0.75, 1, NAN]),
    ("goalposts", {"lo": 0.0, "hi": 8.0, "cap": False}, [0.25, 0.75, 0.75, 1.25, NAN]),
    # COINr's scale multiplies after capping: 100 * (0.25, 0.75, 0.75, 1)
    ("goalposts", {"lo": 0.0, "hi": 8.0, "scale": 100.0}, [25, 75, 75, 100, NAN]),
    # HDI-style log: (ln x - ln 1)/(ln 16 - ln 1); ln 2/ln 16 = 1/4
    ("goalposts", {"lo": 1.0, "hi": 16.0, "log": True},
     [0.25, math.log(6) / math.log(16), math.log(6) / math.log(16), math.log(10) / math.log(16), NAN]),
    # 1 - (10 - x)/(10 - 2)
    ("dist_max", {}, [1 - 8 / 8, 1 - 4 / 8, 1 - 4 / 8, 1 - 0 / 8, NAN]),
    # reference unit 1 (value 6): 1 - (6 - x)/(6 - 2)
    ("dist_ref", {"unit": 1}, [1 - 4 / 4, 1 - 0 / 4, 1 - 0 / 4, 1 + 4 / 4, NAN]),
    ("dist_ref", {"unit": 1, "cap_max": True}, [0, 1, 1, 1, NAN]),
    # (x - 2)/(8 - 2)
    ("dist_target", {"target": 8.0}, [0 / 6, 4 / 6, 4 / 6, 8 / 6, NAN]),
    ("dist_target", {"target": 8.0, "cap_max": True}, [0, 4 / 6, 4 / 6, 1, NAN]),
    # x/10
    ("frac_max", {}, [0.2, 0.6, 0.6, 1.0, NAN]),
    # x / (2 + 6 + 6 + 10): shares of the total 24, summing to 1
    ("sum", {}, [2 / 24, 6 / 24, 6 / 24, 10 / 24, NAN]),
    # x / sqrt(4 + 36 + 36 + 100) = x / sqrt(176)
    ("vector", {}, [2 / math.sqrt(176), 6 / math.sqrt(176), 6 / math.sqrt(176), 10 / math.sqrt(176), NAN]),
    # 20 * min(x/8, 1): 20 * 2/8 = 5, 20 * 6/8 = 15, 20 * min(10/8, 1) = 20
    ("ratio_target", {"target": 8.0, "points": 20.0}, [5, 15, 15, 20, NAN]),
    ("ratio_target", {"target": 8.0, "points": 20.0, "cap": False}, [5, 15, 15, 25, NAN]),
    ("ratio_target", {"target": 8.0}, [0.25, 0.75, 0.75, 1, NAN]),
    # cuts 3, 6, 9 -> 5, 10, 20 points: 2 < 3 -> 0; 6 >= 6 -> 10; 10 >= 9 -> 20
    ("thresholds", {"cuts": [3.0, 6.0, 9.0], "points": [5.0, 10.0, 20.0]}, [0, 10, 10, 20, NAN]),
    # AMPI: 100 + 60 (x - 6)/8 around the mean 6 (here also the midrange, so exactly 70..130)
    ("ampi", {}, [70, 100, 100, 130, NAN]),
    # around reference unit 0 (value 2): 100 + 60 (x - 2)/8
    ("ampi", {"unit": 0}, [100, 130, 130, 160, NAN]),
]


@pytest.mark.parametrize(("name", "params", "expected"), TABLE, ids=[f"{t[0]}-{i}" for i, t in enumerate(TABLE)])
def test_hand_computed_table(name, params, expected):
    np.testing.assert_allclose(NORMALISERS[name](X, **params), np.array(expected, dtype=float), rtol=1e-12)


def test_every_registered_method_is_pinned_by_the_table():
    assert {t[0] for t in TABLE} == set(NORMALISERS)


def test_thresholds_dti_meetings_rule():
    # the DTI's step rule "meetings per year: 1 -> 5 points, 2 -> 10, 3 -> 15, 4 -> 20"; 0 meetings is below the
    # lowest cut (0 points), 7 meetings reach the highest cut only (20 points)
    meetings = np.array([0.0, 1.0, 3.0, 4.0, 7.0])
    got = NORMALISERS["thresholds"](meetings, cuts=[1, 2, 3, 4], points=[5, 10, 15, 20])
    np.testing.assert_array_equal(got, [0, 5, 15, 20, 20])


@pytest.mark.parametrize(("cuts", "points", "match"), [
    ([1, 3, 2], [5, 10, 15], "ascending"),
    ([1, 1, 2], [5, 10, 15], "ascending"),
    ([1, 2], [5, 10, 15], "same length"),
    (None, [5], "needs 'cuts'"),
    ([], [], "needs 'cuts'"),
])
def test_thresholds_refuses_a_malformed_table(cuts, points, match):
    with pytest.raises(MethodError, match=match):
        NORMALISERS["thresholds"](X, cuts=cuts, points=points)


# ----- reference statistics ------------------------------------------------------------------------------------

def test_2023_with_2022_min_and_max():
    # 2022: min 20, max 100 -> (x - 20)/80; a 2023 value above 2022's maximum goes above 1
    col_2022 = np.array([20.0, 40.0, 60.0, 80.0, 100.0])
    col_2023 = np.array([30.0, 50.0, NAN, 90.0, 110.0])
    got = NORMALISERS["minmax"](col_2023, ref=col_2022)
    np.testing.assert_allclose(got, [10 / 80, 30 / 80, NAN, 70 / 80, 90 / 80])


def test_ranks_against_a_reference_distribution():
    # ref present values 1, 5, 6, 9 (m = 4): rank = 1 + #{ref < x}
    # x = 2: {1} -> 2; x = 6: {1, 5} -> 3 (6 is not strictly below); x = 10: all four -> 5
    ref = np.array([1.0, 5.0, NAN, 6.0, 9.0])
    np.testing.assert_array_equal(NORMALISERS["rank"](X, ref=ref), [2, 3, 3, 5, NAN])
    np.testing.assert_array_equal(NORMALISERS["borda"](X, ref=ref), [1, 2, 2, 4, NAN])
    # (rank - 1)/(4 - 1), the value above the reference's maximum capped at 1 (4/3 -> 1)
    np.testing.assert_allclose(NORMALISERS["percentile"](X, ref=ref), [1 / 3, 2 / 3, 2 / 3, 1, NAN])


def test_dist_target_and_frac_max_with_reference():
    ref = np.array([4.0, 5.0, 20.0])
    # min(ref) = 4: (x - 4)/(8 - 4); max(ref) = 20: x/20
    np.testing.assert_allclose(NORMALISERS["dist_target"](X, target=8.0, ref=ref), [-0.5, 0.5, 0.5, 1.5, NAN])
    np.testing.assert_allclose(NORMALISERS["frac_max"](X, ref=ref), [0.1, 0.3, 0.3, 0.5, NAN])
    # direction -1, both negated: the reference's best (lowest) raw value 4 over the unit's, 4/x; the unit at 2
    # beats every reference unit and scores above 1
    np.testing.assert_allclose(NORMALISERS["frac_max"](-X, ref=-ref), [2.0, 4 / 6, 4 / 6, 0.4, NAN])


def test_sum_and_vector_with_reference():
    ref = np.array([4.0, 5.0, NAN, 20.0])
    # total 29; norm sqrt(16 + 25 + 400) = 21
    np.testing.assert_allclose(NORMALISERS["sum"](X, ref=ref), [2 / 29, 6 / 29, 6 / 29, 10 / 29, NAN], rtol=1e-15)
    np.testing.assert_allclose(NORMALISERS["vector"](X, ref=ref), [2 / 21, 6 / 21, 6 / 21, 10 / 21, NAN], rtol=1e-15)


# ----- lower-is-better indicators: what the share-of-the-best methods do with a negated column -----------------

# Raw values of a lower-is-better indicator (a death rate, a price) and the column the pipeline hands over.
COST = np.array([2.0, 4.0, NAN, 8.0, 5.0])
NEGATED = -COST


def test_frac_max_scores_a_lower_is_better_indicator_as_best_over_own():
    # min v / v: 2/2, 2/4, 2/8, 2/5 (a unit with twice the best rate scores one half)
    np.testing.assert_allclose(NORMALISERS["frac_max"](NEGATED), [1.0, 0.5, NAN, 0.25, 0.4], rtol=1e-15)
    # COINr's n_fracmax on the same negated column, x / max(x) = v / min(v), would rank it upside down
    coinr = NEGATED / np.nanmax(NEGATED)
    assert coinr[3] > coinr[0]
    assert NORMALISERS["frac_max"](NEGATED)[3] < NORMALISERS["frac_max"](NEGATED)[0]


def test_frac_max_through_the_pipeline_on_a_direction_minus_one_indicator():
    from dti_bench.index import compute_index
    from dti_bench.model.dataset import Dataset
    from dti_bench.model.framework import Framework

    fw = Framework.from_dict({"name": "t", "indicators": [{"code": "gdp"}, {"code": "deaths", "direction": -1}],
                              "composites": [{"code": "I", "children": {"gdp": 1, "deaths": 1}}]})
    ds = Dataset("t", ("a", "b", "c"), ("a", "b", "c"), ("gdp", "deaths"),
                 np.array([[10.0, 2.0], [5.0, 4.0], [20.0, 8.0]]))
    result = compute_index(fw, ds, {"normalise": "frac_max", "aggregate": "geometric"})
    # gdp: x/20 = 0.5, 0.25, 1; deaths: 2/v = 1, 0.5, 0.25; geometric mean of the two, equal weights
    np.testing.assert_allclose(result.normalised.to_numpy(), [[0.5, 1.0], [0.25, 0.5], [1.0, 0.25]], rtol=1e-15)
    np.testing.assert_allclose(result.scores["I"], [math.sqrt(0.5), math.sqrt(0.125), math.sqrt(0.25)], rtol=1e-12)
    # best/own is a ratio-scale score of the raw death rate, so the geometric mean is not flagged
    assert result.warnings == ()


def test_vector_keeps_the_order_of_a_negated_column_and_its_magnitudes():
    # -v / ||v||: ||(2, 4, 8, 5)|| = sqrt(4 + 16 + 64 + 25) = sqrt(109); the lowest rate is nearest 0
    got = NORMALISERS["vector"](NEGATED)
    np.testing.assert_allclose(got, -COST / math.sqrt(109), rtol=1e-15)
    np.testing.assert_array_equal(got, -NORMALISERS["vector"](COST))  # negation is exact, so the norm is the same
    np.testing.assert_array_equal(rank_scores(got), rank_scores(NEGATED))


def test_sum_refuses_a_negated_column_and_names_the_alternatives():
    with pytest.raises(MethodError, match=r"sum: needs non-negative values, got -8 \(a direction -1 indicator is "
                                          r"negated before normalisation: use frac_max, vector or minmax\)"):
        NORMALISERS["sum"](NEGATED)


def test_sum_and_vector_survive_overflow_and_underflow():
    np.testing.assert_allclose(NORMALISERS["sum"](np.array([1e308, 1e308, NAN])), [0.5, 0.5, NAN], rtol=1e-15)
    for magnitude in (1e200, 1e-200):
        np.testing.assert_allclose(NORMALISERS["vector"](magnitude * np.array([3.0, 4.0])), [0.6, 0.8], rtol=1e-15)


# ----- degenerate cases ----------------------------------------------------------------------------------------

CONSTANT = np.array([3.0, 3.0, NAN, 3.0, 3.0])


@pytest.mark.parametrize(("name", "params", "expected"), [
    ("minmax", {"lo": 0.0, "hi": 100.0}, 50.0),
    ("zscore", {"m": 10.0}, 10.0),
    ("dist_max", {}, 0.5),
    ("dist_ref", {"unit": 0}, 0.5),
    ("rank", {}, 1.0),  # ties 'min'
    ("borda", {}, 0.0),
    ("percentile", {}, 0.0),
    ("frac_max", {}, 1.0),  # defined: 3/3
    ("sum", {}, 0.25),      # defined: 3/12
    ("vector", {}, 0.5),    # defined: 3/sqrt(4 * 9)
    ("ampi", {}, 100.0),    # every unit at the reference
    ("ampi", {"unit": 1}, 100.0),
])
def test_constant_column(name, params, expected):
    np.testing.assert_array_equal(NORMALISERS[name](CONSTANT, **params), [expected] * 2 + [NAN] + [expected] * 2)


def test_lone_present_value_has_percentile_one_half():
    np.testing.assert_array_equal(NORMALISERS["percentile"](np.array([NAN, 7.0, NAN])), [NAN, 0.5, NAN])


STATISTICAL = ["minmax", "zscore", "rank", "percentile", "borda", "dist_max", "dist_target", "frac_max", "sum",
               "vector", "ampi"]


@pytest.mark.parametrize("name", STATISTICAL)
def test_no_present_value_is_a_method_error(name):
    params = {"target": 1.0} if name == "dist_target" else {}
    with pytest.raises(MethodError, match="no present value"):
        NORMALISERS[name](np.full(3, NAN), **params)


@pytest.mark.parametrize(("name", "x", "params", "match"), [
    ("goalposts", X, {"lo": 5.0, "hi": 5.0}, "lo < hi"),
    ("goalposts", X, {"lo": 0.0, "hi": 16.0, "log": True}, "lo > 0"),
    ("goalposts", -X, {"lo": 1.0, "hi": 16.0, "log": True}, "positive values"),
    ("dist_target", X, {"target": 2.0}, "not above the data's minimum"),
    ("dist_ref", X, {"unit": 0}, "not above the minimum"),
    ("dist_ref", X, {"unit": 4}, "missing value"),
    ("dist_ref", X, {"unit": 5}, "outside"),
    ("dist_ref", X, {}, "needs 'unit'"),
    ("frac_max", np.array([0.0, -1.0, -3.0]), {}, "best value is 0"),   # lower is better, best unit at 0
    ("frac_max", np.zeros(3), {}, "best value is 0"),
    ("frac_max", np.array([0.0, -1.0]), {"ref": np.array([-1.0, -3.0])}, "value 0 <= 0"),
    ("sum", -X, {}, "direction -1 indicator is negated"),
    ("sum", np.array([-1.0, 2.0, 3.0]), {}, "needs non-negative values, got -1$"),
    ("sum", np.array([0.0, NAN, 0.0]), {}, "sum to 0"),
    ("sum", X, {"ref": np.array([1.0, -2.0])}, "got -2"),
    ("vector", np.array([0.0, NAN, 0.0]), {}, "all 0"),
    ("ratio_target", X, {"target": -8.0}, "positive target"),
    ("ampi", X, {"unit": 4}, "missing value"),
    ("ampi", X, {"unit": 5}, "outside"),
])
def test_empty_or_reversed_scale_is_a_method_error(name, x, params, match):
    with pytest.raises(MethodError, match=match):
        NORMALISERS[name](x, **params)


# ----- properties ----------------------------------------------------------------------------------------------

# Parameters that make each method valid on the columns drawn below (values in [1, 1000]); dist_ref's reference
# unit depends on the column, so its entry is a function of x.
PARAMS = {
    "none": {},
    "minmax": {"lo": 0.0, "hi": 100.0},
    "zscore": {},
    "rank": {},
    "percentile": {},
    "borda": {},
    "goalposts": {"lo": 1.0, "hi": 500.0, "log": True},
    "dist_max": {},
    "dist_ref": lambda x: {"unit": int(np.nanargmax(x))},
    "dist_target": {"target": 2000.0},
    "frac_max": {},
    "sum": {},
    "vector": {},
    "ratio_target": {"target": 500.0, "points": 20.0},
    "thresholds": {"cuts": [10.0, 100.0, 500.0], "points": [5.0, 10.0, 20.0]},
    "ampi": {},
}


def params_for(name: str, x: np.ndarray) -> dict:
    p = PARAMS[name]
    return p(x) if callable(p) else dict(p)


values = st.one_of(st.just(NAN), st.floats(1.0, 1000.0))
columns = arrays(np.float64, st.integers(1, 12), elements=values).filter(lambda a: (~np.isnan(a)).any())
# integer-valued columns keep affine and monotone maps exact, so no tie is created or broken by rounding
int_values = st.one_of(st.just(NAN), st.integers(-20, 20).map(float))
int_columns = arrays(np.float64, st.integers(2, 12), elements=int_values).filter(lambda a: (~np.isnan(a)).any())


def test_params_cover_the_registry():
    assert set(PARAMS) == set(NORMALISERS)


@pytest.mark.parametrize("name", sorted(NORMALISERS))
@settings(max_examples=40, deadline=None)
@given(x=columns)
def test_shape_and_missing_positions_preserved(name, x):
    y = NORMALISERS[name](x, **params_for(name, x))
    assert y.shape == x.shape
    np.testing.assert_array_equal(np.isnan(y), np.isnan(x))


@pytest.mark.parametrize("name", sorted(NORMALISERS))
@settings(max_examples=40, deadline=None)
@given(x=columns)
def test_reference_equal_to_x_changes_nothing(name, x):
    params = params_for(name, x)
    np.testing.assert_array_equal(NORMALISERS[name](x, ref=x.copy(), **params), NORMALISERS[name](x, **params))


@pytest.mark.parametrize("name", ["minmax", "zscore", "dist_max", "ampi"])
@settings(max_examples=60, deadline=None)
@given(x=int_columns, a=st.integers(1, 50), b=st.integers(-1000, 1000))
def test_ranks_invariant_under_positive_affine_maps(name, x, a, b):
    f = NORMALISERS[name]
    np.testing.assert_array_equal(rank_scores(f(a * x + b)), rank_scores(f(x)))


positive_columns = arrays(np.float64, st.integers(1, 12), elements=st.one_of(st.just(NAN), st.integers(1, 1000).map(float))
                          ).filter(lambda a: (~np.isnan(a)).any())


@pytest.mark.parametrize("name", ["frac_max", "sum", "vector"])
@settings(max_examples=60, deadline=None)
@given(v=positive_columns, a=st.integers(1, 1000))
def test_ratio_methods_ignore_a_change_of_unit_and_keep_the_order(name, v, a):
    # x -> a x (a change of unit) leaves the scores unchanged, up to rounding: they are ratio-scale scores; lower-
    # is-better columns (negated) included for frac_max and vector, which accept them
    f = NORMALISERS[name]
    signs = (1.0, -1.0) if name != "sum" else (1.0,)
    for sign in signs:
        x = sign * v
        np.testing.assert_allclose(f(a * x), f(x), rtol=1e-13)
        np.testing.assert_array_equal(rank_scores(f(x)), rank_scores(x))


@settings(max_examples=60, deadline=None)
@given(v=positive_columns)
def test_frac_max_is_best_over_own_for_negated_columns_and_shares_sum_to_one(v):
    # an independent plain computation of min v / v, and of the two normalisations' defining sums
    present = v[~np.isnan(v)]
    expected = np.array([present.min() / value if not np.isnan(value) else NAN for value in v])
    np.testing.assert_allclose(NORMALISERS["frac_max"](-v), expected, rtol=1e-15)
    assert np.nanmax(NORMALISERS["frac_max"](-v)) == 1.0
    assert math.isclose(float(np.nansum(NORMALISERS["sum"](v))), 1.0, rel_tol=1e-12)
    assert math.isclose(math.sqrt(float(np.nansum(NORMALISERS["vector"](v) ** 2))), 1.0, rel_tol=1e-12)


@pytest.mark.parametrize("name", ["rank", "percentile", "borda"])
@settings(max_examples=60, deadline=None)
@given(x=int_columns, ref=int_columns)
def test_rank_methods_invariant_under_strictly_increasing_maps(name, x, ref):
    f = NORMALISERS[name]
    for g in (np.exp, lambda v: v ** 3, lambda v: np.arctan(v / 7)):
        # the normalised values themselves are unchanged, hence their ranks too; with a reference as well
        np.testing.assert_array_equal(f(g(x)), f(x))
        np.testing.assert_array_equal(f(g(x), ref=g(ref)), f(x, ref=ref))


@settings(max_examples=60, deadline=None)
@given(x=columns, other=columns)
def test_goalposts_of_a_unit_ignore_the_other_units(x, other):
    # adding units (other) or removing them (the first half only) leaves each unit's score unchanged
    f = NORMALISERS["goalposts"]
    alone = f(x, lo=1.0, hi=500.0)
    np.testing.assert_array_equal(f(np.concatenate([x, other]), lo=1.0, hi=500.0)[: x.size], alone)
    np.testing.assert_array_equal(f(x[: x.size // 2], lo=1.0, hi=500.0), alone[: x.size // 2])


def test_adding_a_unit_reverses_an_order_under_minmax_but_not_under_goalposts():
    # Two indicators, composite = arithmetic mean of the normalised values.
    #          ind1  ind2
    #   A       10     0
    #   B        0     8
    #   C        5    10
    #   D       30     5   <- added
    ind1 = np.array([10.0, 0.0, 5.0])
    ind2 = np.array([0.0, 8.0, 10.0])
    mm = NORMALISERS["minmax"]

    # Without D: ind1 range 0..10 -> A 1, B 0; ind2 range 0..10 -> A 0, B 0.8.
    # A = (1 + 0)/2 = 0.5  >  B = (0 + 0.8)/2 = 0.4
    before = (mm(ind1) + mm(ind2)) / 2
    np.testing.assert_allclose(before[:2], [0.5, 0.4])

    # With D: ind1 range 0..30 -> A 1/3, B 0; ind2 range still 0..10.
    # A = (1/3 + 0)/2 = 1/6 ~ 0.167  <  B = (0 + 0.8)/2 = 0.4: D's value on ind1 reversed A and B
    after = (mm(np.append(ind1, 30.0)) + mm(np.append(ind2, 5.0))) / 2
    np.testing.assert_allclose(after[:2], [1 / 6, 0.4])
    assert before[0] > before[1] and after[0] < after[1]

    # Goalposts 0..40 on both: A = (10/40 + 0)/2 = 0.125, B = (0 + 8/40)/2 = 0.1, with or without D
    gp = NORMALISERS["goalposts"]
    before_gp = (gp(ind1, lo=0.0, hi=40.0) + gp(ind2, lo=0.0, hi=40.0)) / 2
    after_gp = (gp(np.append(ind1, 30.0), lo=0.0, hi=40.0) + gp(np.append(ind2, 5.0), lo=0.0, hi=40.0)) / 2
    np.testing.assert_allclose(before_gp[:2], [0.125, 0.1])
    np.testing.assert_array_equal(after_gp[:3], before_gp)


@settings(max_examples=300, deadline=None)
@given(data=st.data(), name=st.sampled_from([n for n, e in METHODS["normalise"].items() if e.block is not None]),
       units=st.integers(1, 9), k=st.integers(1, 6), with_ref=st.booleans())
def test_block_versions_equal_column_by_column_bit_for_bit(data, name, units, k, with_ref):
    """A normaliser's block version gives exactly the column-by-column numbers (NaN, constant and
    one-value columns included), and fails where a column fails."""
    f, block = METHODS["normalise"][name].function, METHODS["normalise"][name].block
    cell = st.one_of(st.floats(-1e6, 1e6, allow_nan=False), st.just(np.nan), st.just(3.0))
    x = np.array(data.draw(st.lists(cell, min_size=units * k, max_size=units * k))).reshape(units, k)
    ref = None
    if with_ref:
        m = data.draw(st.integers(1, 7))
        ref = np.array(data.draw(st.lists(cell, min_size=m * k, max_size=m * k))).reshape(m, k)
    params = {"minmax": {"lo": 1.0, "hi": 100.0}, "zscore": {"m": 10.0, "s": 2.0}}.get(name, {})
    try:
        expected = np.column_stack([f(x[:, j], ref=None if ref is None else ref[:, j], **params) for j in range(k)])
    except MethodError:
        with pytest.raises(MethodError):
            block(x, ref=ref, **params)
        return
    np.testing.assert_array_equal(block(x, ref=ref, **params), expected)
