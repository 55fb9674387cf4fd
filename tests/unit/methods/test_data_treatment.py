"""Data treatment: imputation, unit screening, outlier treatment (impute.py, screen.py, treat.py).

Hand-computed tables pin each method; Hypothesis states the invariants (imputers never touch present values,
treatment never moves NaN and leaves passing columns alone, screening honours forced codes).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

from dti_bench.model.methodology import parse_method, parse_methodology
from dti_bench.errors import ConfigError, MethodError, MethodologyWarning
from dti_bench.methods.impute import em, em_estimate, group_mean, group_median, mean, median
from dti_bench.index import compute_index
from dti_bench.methods.screen import coverage
from dti_bench.methods.treat import FALLBACKS, cap, cap_columns, excel_kurt, excel_skew, none as treat_none, winsorise
from dti_bench.methods.registry import functions
IMPUTERS = functions("impute")
SCREENERS = functions("screen")
TREATERS = functions("treat")

nan = np.nan

# ---------------------------------------------------------------------------------------------------------
# imputation: column-wise

X = np.array([
    [1.0, 10.0, nan, 4.0],
    [2.0, nan, 3.0, 4.0],
    [nan, 30.0, 5.0, nan],
    [4.0, 40.0, 7.0, 12.0],
    [8.0, nan, nan, 0.0],
])
# column 0 present {1, 2, 4, 8}:   mean 15/4 = 3.75, median (2 + 4)/2 = 3
# column 1 present {10, 30, 40}:   mean 80/3,        median 30
# column 2 present {3, 5, 7}:      mean 5,           median 5
# column 3 present {4, 4, 12, 0}:  mean 20/4 = 5,    median (4 + 4)/2 = 4


def test_mean_fills_column_means():
    expected = X.copy()
    expected[2, 0] = 3.75
    expected[[1, 4], 1] = 80 / 3
    expected[[0, 4], 2] = 5.0
    expected[2, 3] = 5.0
    np.testing.assert_allclose(mean(X), expected, rtol=0, atol=1e-12)


def test_median_fills_column_medians():
    expected = X.copy()
    expected[2, 0] = 3.0
    expected[[1, 4], 1] = 30.0
    expected[[0, 4], 2] = 5.0
    expected[2, 3] = 4.0
    np.testing.assert_array_equal(median(X), expected)


def test_all_missing_column_stays_missing():
    x = np.array([[1.0, nan], [nan, nan], [3.0, nan]])
    for method in (mean, median, em):
        out = method(x)
        assert np.isnan(out[:, 1]).all(), method.__name__
        assert out[1, 0] == 2.0, method.__name__  # (1 + 3)/2 for mean and median; EM's mean of a lone column


# ---------------------------------------------------------------------------------------------------------
# imputation: by group

G = np.array(["A", "A", "A", "A", "B", None], dtype=object)
XG = np.array([
    [1.0, nan, 2.0, 0.0],    # A
    [2.0, nan, 4.0, nan],    # A
    [9.0, nan, 6.0, 3.0],    # A
    [nan, nan, nan, 9.0],    # A
    [nan, 7.0, nan, 5.0],    # B
    [nan, 8.0, nan, nan],    # no label
])
# column 0: A present {1, 2, 9} -> mean 4, median 2 (for row 3); B has nothing -> row 4 stays NaN
# column 1: A has nothing -> rows 0-3 stay NaN
# column 2: A present {2, 4, 6} -> mean 4, median 4 (row 3); B nothing -> row 4 stays NaN
# column 3: A present {0, 3, 9} -> mean 4, median 3 (row 1)
# row 5 has no group label: stays as it is


def test_group_mean_table():
    expected = XG.copy()
    expected[3, 0] = 4.0
    expected[3, 2] = 4.0
    expected[1, 3] = 4.0
    np.testing.assert_array_equal(group_mean(XG, groups=G), expected)


def test_group_median_table():
    expected = XG.copy()
    expected[3, 0] = 2.0
    expected[3, 2] = 4.0
    expected[1, 3] = 3.0
    np.testing.assert_array_equal(group_median(XG, groups=G), expected)


def test_group_methods_need_groups():
    for method in (group_mean, group_median):
        with pytest.raises(MethodError, match="group"):
            method(XG)
        with pytest.raises(MethodError, match="group labels"):
            method(XG, groups=G[:3])


def test_group_parameter_validates_in_config_and_runs_in_pipeline(example_framework, example_data):
    m = parse_method("impute", {"method": "group_mean", "group": "Region"}, "methodology.impute")
    assert m.name == "group_mean" and m.get("group") == "Region"
    with pytest.raises(ConfigError, match="valid parameters"):
        parse_method("impute", {"method": "group_mean", "region": "Region"}, "methodology.impute")
    methodology = parse_methodology({"impute": {"method": "group_mean", "group": "Region"}},
                                    framework=example_framework)
    data = compute_index(example_framework, example_data, methodology).data
    # each region has two members: the missing one takes the other's value (example_iData.csv)
    units = list(example_data.units)
    assert data["Exports"].iloc[units.index("CCC")] == 40.0    # DDD, South
    assert data["Literacy"].iloc[units.index("DDD")] == 92.0   # CCC, South
    assert data["Unemp"].iloc[units.index("HHH")] == 4.8       # GGG, West


# ---------------------------------------------------------------------------------------------------------
# imputation: EM


def test_em_monotone_bivariate_equals_complete_case_regression():
    # With only the second column missing, the ML estimate makes E[y | x] the complete-case OLS line
    # (Anderson 1957): complete cases (1,2), (2,4), (3,5): xbar = 2, ybar = 11/3, Sxy = 3, Sxx = 2, b = 1.5
    # y(4) = 11/3 + 1.5 * 2 = 20/3,  y(5) = 11/3 + 1.5 * 3 = 49/6
    x = np.array([[1, 2], [2, 4], [3, 5], [4, nan], [5, nan]], dtype=float)
    result = em_estimate(x, max_iter=5000, tol=1e-12)
    assert result.converged
    np.testing.assert_allclose(result.filled[3:, 1], [20 / 3, 49 / 6], atol=1e-8)
    np.testing.assert_array_equal(result.filled[:3], x[:3])
    assert result.mean[0] == pytest.approx(3.0)  # x is complete: its ML mean is its sample mean


def test_em_recovers_conditional_means_better_than_column_mean():
    rng = np.random.default_rng(20240601)
    n, rho = 500, 0.8
    mu, sd = np.array([10.0, -5.0]), np.array([2.0, 3.0])
    cov = np.array([[sd[0] ** 2, rho * sd[0] * sd[1]], [rho * sd[0] * sd[1], sd[1] ** 2]])
    truth = rng.multivariate_normal(mu, cov, size=n)
    removed = rng.random((n, 2)) < 0.2
    removed[removed.all(axis=1), 0] = False          # keep one value per unit, so a conditional mean exists
    x = np.where(removed, nan, truth)

    result = em_estimate(x)
    assert result.converged and result.iterations < 100
    np.testing.assert_array_equal(result.filled[~removed], truth[~removed])

    # the conditional mean of a removed cell given the other (present) cell, under the true parameters
    conditional = np.column_stack([mu[0] + rho * sd[0] / sd[1] * (truth[:, 1] - mu[1]),
                                   mu[1] + rho * sd[1] / sd[0] * (truth[:, 0] - mu[0])])
    scale = np.broadcast_to(sd, truth.shape)[removed]

    def rms(a):
        return float(np.sqrt(np.mean((a[removed] / scale) ** 2)))

    assert rms(result.filled - conditional) < 0.1           # ~0.04: EM finds the regression line
    assert rms(mean(x) - conditional) > 0.7                 # ~0.84: the column mean ignores it
    # against the removed values themselves EM approaches sqrt(1 - rho^2) = 0.6, the mean 1.0
    assert rms(result.filled - truth) < 0.75 * rms(mean(x) - truth)
    np.testing.assert_allclose(result.cov[0, 1] / np.sqrt(result.cov[0, 0] * result.cov[1, 1]), rho, atol=0.05)


def test_em_complete_data_unchanged_and_nonconvergence_warns():
    x = np.array([[1.0, 2.0], [2.0, 1.0], [3.0, 5.0]])
    np.testing.assert_array_equal(em(x), x)
    y = np.array([[1, 2], [2, 4], [3, 5], [4, nan], [5, nan]], dtype=float)
    with pytest.warns(RuntimeWarning, match="did not converge"):
        em(y, max_iter=2)
    with pytest.raises(MethodError):
        em(y, tol=0)


# ---------------------------------------------------------------------------------------------------------
# imputation: invariants

cells = st.one_of(st.floats(-100, 100, allow_nan=False), st.just(nan))
tables = st.tuples(st.integers(1, 8), st.integers(1, 4)).flatmap(
    lambda shape: hnp.arrays(float, shape, elements=cells))


@settings(max_examples=40, deadline=None)
@given(x=tables, data=st.data(), name=st.sampled_from(sorted(IMPUTERS)))
def test_imputers_never_change_present_values(x, data, name):
    labels = data.draw(st.lists(st.sampled_from(["A", "B", None]), min_size=x.shape[0], max_size=x.shape[0]))
    groups = np.array(labels, dtype=object)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="imputation 'em' did not converge")
        out = IMPUTERS[name](x, groups=groups)
    assert out.shape == x.shape
    present = ~np.isnan(x)
    np.testing.assert_array_equal(out[present], x[present])
    # a filled value never comes from nowhere: an indicator with nothing present stays missing
    assert np.isnan(out[:, ~present.any(axis=0)]).all()
    if name in ("mean", "median", "group_mean", "group_median"):
        # these fill with a statistic of present values: within their range
        lo, hi = np.nanmin(np.where(present, x, np.inf), axis=0), np.nanmax(np.where(present, x, -np.inf), axis=0)
        filled = ~present & ~np.isnan(out)
        assert ((out >= lo - 1e-9) & (out <= hi + 1e-9))[filled].all()


# ---------------------------------------------------------------------------------------------------------
# screening

UNITS = ["u1", "u2", "u3", "u4", "u5"]
XS = np.array([
    [1.0, 2.0, 3.0, 4.0],     # coverage 4/4 = 1,    zeros 0/4
    [1.0, nan, 3.0, 4.0],     # coverage 3/4 = 0.75, zeros 0/3
    [nan, nan, 3.0, 0.0],     # coverage 2/4 = 0.5,  zeros 1/2 = 0.5
    [0.0, 0.0, 0.0, 5.0],     # coverage 1,          zeros 3/4 = 0.75
    [nan, nan, nan, nan],     # coverage 0,          zeros 0 (nothing present)
])


def test_coverage_thresholds():
    assert coverage(XS, units=UNITS).tolist() == [True, True, False, True, False]  # COINr default 0.66
    assert coverage(XS, units=UNITS, min_coverage=0.75, max_zero_share=0.5).tolist() == \
        [True, True, False, False, False]
    assert coverage(XS, units=UNITS, min_coverage=0.5, max_zero_share=0.5).tolist() == \
        [True, True, True, False, False]   # 0.5 >= 0.5 and 0.5 <= 0.5: both bounds inclusive
    assert coverage(XS, units=UNITS, min_coverage=0.0).tolist() == [True] * 5


def test_coverage_forced_include_and_exclude():
    keep = coverage(XS, units=UNITS, include=["u5"], exclude=["u1"])
    assert keep.tolist() == [False, True, False, True, True]


def test_coverage_errors_name_the_codes():
    with pytest.raises(MethodError, match="'zz', 'yy'"):
        coverage(XS, units=UNITS, include=["zz"], exclude=["yy", "u1"])
    with pytest.raises(MethodError, match="both"):
        coverage(XS, units=UNITS, include=["u1"], exclude=["u1"])
    with pytest.raises(MethodError, match="min_coverage"):
        coverage(XS, units=UNITS, min_coverage=1.5)


def test_screen_mapping_without_method_is_coverage():
    m = parse_method("screen", {"min_coverage": 0.9, "include": ["u5"]}, "methodology.screen")
    assert m.name == "coverage" and SCREENERS[m.name] is coverage


@settings(max_examples=40, deadline=None)
@given(x=tables, data=st.data())
def test_screening_invariants(x, data):
    units = [f"u{i}" for i in range(x.shape[0])]
    forced = data.draw(st.lists(st.sampled_from(units), unique=True))
    split = data.draw(st.integers(0, len(forced)))
    include, exclude = forced[:split], forced[split:]
    lo, hi = sorted(data.draw(st.tuples(st.floats(0, 1), st.floats(0, 1))))
    strict = coverage(x, units=units, min_coverage=hi, include=include, exclude=exclude)
    loose = coverage(x, units=units, min_coverage=lo, include=include, exclude=exclude)
    assert (strict <= loose).all()       # a stricter threshold never admits a unit
    idx = {u: i for i, u in enumerate(units)}
    assert all(loose[idx[u]] and strict[idx[u]] for u in include)
    assert not any(loose[idx[u]] or strict[idx[u]] for u in exclude)


# ---------------------------------------------------------------------------------------------------------
# skewness and kurtosis as Excel


def test_excel_skew_and_kurt_by_hand():
    # x = 1, 2, 3, 10: mean 4, deviations -3, -2, -1, 6
    # m2 = (9 + 4 + 1 + 36)/4 = 12.5,  m3 = (-27 - 8 - 1 + 216)/4 = 45,  m4 = (81 + 16 + 1 + 1296)/4 = 348.5
    # skew = sqrt(4*3)/2 * 45 / 12.5^1.5 = 1.7320508 * 1.0182337 = 1.7636326
    # r = 348.5 / 12.5^2 = 2.2304;  kurt = (5 * (2.2304 - 3) + 6) * 3 / (2 * 1) = 2.152 * 1.5 = 3.228
    # scipy.stats.skew(x, bias=False) = 1.763632614803888, scipy.stats.kurtosis(x, bias=False) = 3.228
    x = np.array([1.0, 2.0, 3.0, 10.0, nan])   # NaN is removed first
    assert excel_skew(x) == pytest.approx(1.763632614803888, rel=1e-12)
    assert excel_kurt(x) == pytest.approx(3.228, rel=1e-12)
    # 1..10, 100: scipy.stats.skew(bias=False) = 3.2556381840605098, kurtosis(bias=False) = 10.706673906421974
    y = np.r_[np.arange(1.0, 11.0), 100.0]
    assert excel_skew(y) == pytest.approx(3.2556381840605098, rel=1e-12)
    assert excel_kurt(y) == pytest.approx(10.706673906421974, rel=1e-12)
    assert excel_skew(-y) == pytest.approx(-excel_skew(y), rel=1e-12)


def test_excel_statistics_degenerate():
    assert np.isnan(excel_skew([1.0, 2.0])) and not np.isnan(excel_skew([1.0, 2.0, 4.0]))
    assert np.isnan(excel_kurt([1.0, 2.0, 4.0])) and not np.isnan(excel_kurt([1.0, 2.0, 4.0, 8.0]))
    for constant in ([5.0] * 6, [0.1] * 6):   # 0.1 * 6 leaves rounding noise in m2: still zero variance
        assert np.isnan(excel_skew(constant)) and np.isnan(excel_kurt(constant))
    assert np.isnan(excel_skew([nan] * 5)) and np.isnan(excel_kurt([]))


# ---------------------------------------------------------------------------------------------------------
# winsorisation


def test_one_outlier_one_iteration():
    # 1..10, 100: skew 3.26 >= 2 and kurt 10.7 >= 3.5 -> fails; skew > 0 so the max 100 takes the next value 10
    # afterwards 1..10, 10: skew -0.128 -> passes
    x = np.r_[np.arange(1.0, 11.0), 100.0]
    out, report = winsorise(x)
    np.testing.assert_array_equal(out, np.r_[np.arange(1.0, 11.0), 10.0])
    assert report["treated"] == [(10, 100.0, 10.0)]
    assert report["iterations"] == 1 and report["winsorised"] == 1
    assert report["log"] is False and report["passes"] is True
    # the mirror image winsorises the low end
    out, report = winsorise(-x)
    np.testing.assert_array_equal(out, -np.r_[np.arange(1.0, 11.0), 10.0])
    assert report["treated"] == [(10, -100.0, -10.0)]


def test_ties_at_the_extreme_all_move():
    # 1..20, 100, 100: skew 2.82, kurt 7.13 -> fails; both 100s take 20 in one iteration, count 2
    x = np.r_[np.arange(1.0, 21.0), 100.0, 100.0]
    out, report = winsorise(x)
    np.testing.assert_array_equal(out, np.r_[np.arange(1.0, 21.0), 20.0, 20.0])
    assert report["treated"] == [(20, 100.0, 20.0), (21, 100.0, 20.0)]
    assert report["iterations"] == 1 and report["winsorised"] == 2


# 50 zeros and a cluster 100..105 (one NaN in the middle): skew 2.61, kurt 5.01. Winsorising the top of the
# cluster only makes it tighter, so the rule keeps failing.
CLUSTER = np.r_[np.zeros(25), nan, np.zeros(25), 100.0 + np.arange(6)]


def test_stop_at_winmax():
    # iteration 1: 105 -> 104 (count 1); 2: 104, 104 -> 103 (count 2); 3: three 103s -> 102 (count 3 = winmax)
    out, report = winsorise(CLUSTER, winmax=3, fallback="none")
    assert report["iterations"] == 3 and report["winsorised"] == 3
    assert report["passes"] is False and report["log"] is False and report["fallback"] is None
    np.testing.assert_array_equal(out[-6:], [100, 101, 102, 102, 102, 102])
    assert report["treated"] == [(54, 103.0, 102.0), (55, 104.0, 102.0), (56, 105.0, 102.0)]
    # ties can take the count past winmax in one iteration (COINr does the same)
    tied = np.r_[np.zeros(50), 100, 101, 102, 103, 105, 105]
    out, report = winsorise(tied, winmax=1, fallback="none")
    assert report["iterations"] == 1 and report["winsorised"] == 2
    np.testing.assert_array_equal(out[-2:], [103, 103])


def test_log_fallback_on_the_original_column():
    # default winmax 5 is not enough -> COINr log_CT on the ORIGINAL: ln(x - 0 + 0.01 * (105 - 0))
    out, report = winsorise(CLUSTER)
    assert report["log"] is True and report["iterations"] == 5 and report["winsorised"] == 5
    assert report["fallback"] == "log_ct" and report["reflected"] is False and report["worse"] is False
    present = ~np.isnan(CLUSTER)
    np.testing.assert_allclose(out[present], np.log(CLUSTER[present] + 1.05), rtol=1e-15)
    assert np.isnan(out[25])
    assert out[-1] == pytest.approx(np.log(106.05)) and out[-2] == pytest.approx(np.log(105.05))  # not winsorised
    # every present cell is reported, with its original value
    assert [i for i, _, _ in report["treated"]] == list(np.flatnonzero(present))
    assert all(old == CLUSTER[i] and new == out[i] for i, old, new in report["treated"])


@pytest.mark.parametrize("x", [
    np.array([1.0, 2.0, 1000.0]),                    # n < 4: kurtosis undefined
    np.array([1.0, nan, 2.0, nan, 1000.0]),          # n < 4 once NaN are removed
    np.full(8, 7.0),                                 # zero variance
    np.full(6, nan),                                 # all missing
    np.array([], dtype=float),
])
def test_degenerate_columns_untouched(x):
    out, report = winsorise(x)
    np.testing.assert_array_equal(out, x)
    assert report["treated"] == [] and report["iterations"] == 0 and report["log"] is False


def test_winsorising_to_a_constant_passes():
    # nine zeros and a one: skew 3.16, kurt 10.0; the 1 takes 0 and the column has zero variance -> passes
    out, report = winsorise(np.r_[np.zeros(9), 1.0])
    np.testing.assert_array_equal(out, np.zeros(10))
    assert report["passes"] is True and report["log"] is False and report["skew_after"] is None


def test_treat_none_and_registry():
    out, report = treat_none(np.array([1.0, nan]))
    assert report == {"method": "none", "treated": [], "iterations": 0, "log": False}
    assert set(TREATERS) == {"none", "winsorise", "cap"}
    with pytest.raises(MethodError, match="winmax"):
        winsorise(np.arange(5.0), winmax=-1)


columns = st.integers(0, 20).flatmap(lambda n: hnp.arrays(float, n, elements=cells))


@settings(max_examples=80, deadline=None)
@given(x=columns, outlier=st.sampled_from([None, 1e4, -1e4]), winmax=st.integers(0, 6),
       fallback=st.sampled_from(FALLBACKS))
def test_treatment_invariants(x, outlier, winmax, fallback):
    if outlier is not None:
        x = np.r_[x, outlier]   # often makes the rule fail, so the treated branch is exercised
    with warnings.catch_warnings():
        # a low outlier under log_ct warns (tests/unit/methods/test_treat_fallback.py pins when); not the point here
        warnings.simplefilter("ignore", MethodologyWarning)
        out, report = winsorise(x, winmax=winmax, fallback=fallback)
    assert out.shape == x.shape
    np.testing.assert_array_equal(np.isnan(out), np.isnan(x))
    fails = abs(excel_skew(x)) >= 2 and excel_kurt(x) >= 3.5
    if not fails:
        np.testing.assert_array_equal(out, x)
        assert report["treated"] == []
    # treatment is a monotone map of the column (winsorising clamps, both logs increase)
    p = ~np.isnan(x)
    order = np.argsort(x[p], kind="stable")
    assert (np.diff(out[p][order]) >= 0).all()
    if not report["log"]:
        assert [i for i, _, _ in report["treated"]] == list(np.flatnonzero(p & (out != x)))
        if p.any():
            assert out[p].min() >= x[p].min() and out[p].max() <= x[p].max()


@settings(max_examples=300, deadline=None)
@given(data=st.data(), units=st.integers(1, 12), k=st.integers(1, 5), winmax=st.integers(0, 5))
def test_block_winsorise_equals_column_by_column(data, units, k, winmax):
    """The block version of winsorise returns exactly the columns and reports of the one-column calls, for
    passing, failing, constant, short and incomplete columns alike."""
    from dti_bench.methods.treat import winsorise, winsorise_columns

    cell = st.one_of(st.floats(-1e3, 1e3, allow_nan=False), st.just(np.nan), st.just(1.0),
                     st.floats(1e4, 1e6))  # large values make failing columns
    x = np.array(data.draw(st.lists(cell, min_size=units * k, max_size=units * k))).reshape(units, k)
    fallback = data.draw(st.sampled_from(FALLBACKS))
    codes = [f"I{j}" for j in range(k)]
    with warnings.catch_warnings(record=True) as column_warnings:
        warnings.simplefilter("always")
        expected = [winsorise(x[:, j], winmax=winmax, fallback=fallback, indicator=codes[j]) for j in range(k)]
    with warnings.catch_warnings(record=True) as block_warnings:
        warnings.simplefilter("always")
        block, reports = winsorise_columns(x, winmax=winmax, fallback=fallback, indicators=codes)
    np.testing.assert_array_equal(block, np.column_stack([e[0] for e in expected]))
    assert reports == [e[1] for e in expected]
    # and the same warnings, each naming its column's code
    assert [str(w.message) for w in block_warnings] == [str(w.message) for w in column_warnings]
    assert all(w.category is MethodologyWarning for w in block_warnings)


# ---------------------------------------------------------------------------------------------------------
# treatment: caps at the publisher's bounds

def test_cap_hand_computed_table():
    x = np.array([-5.0, 40.0, nan, 130.0, 100.0, 0.0])
    out, report = cap(x, lo=0, hi=100)
    np.testing.assert_array_equal(out, [0.0, 40.0, nan, 100.0, 100.0, 0.0])
    # only the cells that moved are reported; a value at a bound already is not
    assert report == {"method": "cap", "treated": [(0, -5.0, 0.0), (3, 130.0, 100.0)], "iterations": 0,
                      "log": False, "lo": 0.0, "hi": 100.0, "capped_low": 1, "capped_high": 1}
    only_ceiling, report = cap(x, hi=50)
    np.testing.assert_array_equal(only_ceiling, [-5.0, 40.0, nan, 50.0, 50.0, 0.0])
    assert report["lo"] is None and report["capped_high"] == 2 and report["capped_low"] == 0
    only_floor, _ = cap(x, lo=10)
    np.testing.assert_array_equal(only_floor, [10.0, 40.0, nan, 130.0, 100.0, 10.0])


@pytest.mark.parametrize(("params", "match"), [
    ({"lo": 5, "hi": 2}, r"lo must be below hi, got lo=5, hi=2"),
    ({"lo": 3, "hi": 3}, r"lo must be below hi"),
    ({}, r"give lo, hi or both"),
    ({"hi": "100"}, r"hi must be a finite number \(or left out\), got '100'"),
    ({"lo": True}, r"lo must be a finite number"),
    ({"hi": float("inf")}, r"hi must be a finite number"),
    ({"lo": float("nan"), "hi": 1}, r"lo must be a finite number"),
])
def test_cap_refuses_bounds_that_cannot_work_when_the_config_is_parsed(params, match):
    with pytest.raises(MethodError, match=match):
        cap(np.arange(3.0), **params)
    # the same line at parse time, per indicator too, naming the key
    for block in ({"method": "cap", **params}, {"default": "none", "Unemp": {"method": "cap", **params}}):
        with pytest.raises(ConfigError, match=match) as err:
            parse_methodology({"treat": block})
        assert "\n" not in str(err.value) and str(err.value).startswith("methodology.treat")


def test_cap_per_indicator_in_the_pipeline_acts_on_raw_values(example_framework, example_data):
    # Unemp is lower-is-better (direction -1): the cap bounds its raw values before the direction is applied,
    # so hi: 6 caps the worst rates (7.9, 6.2, 9.8)
    m = {"treat": {"default": "none", "Unemp": {"method": "cap", "hi": 6}, "GDPpc": {"method": "cap", "lo": 20000}},
         "normalise": {"method": "minmax", "lo": 0, "hi": 1}}
    result = compute_index(example_framework, example_data, m)
    np.testing.assert_array_equal(result.data["Unemp"].to_numpy(), [4.1, 5.5, 6.0, 6.0, 3.2, 6.0, 4.8, nan])
    assert result.data["GDPpc"]["FFF"] == 20000.0
    # min-max of the capped, negated column: (6 - v)/(6 - 3.2)
    np.testing.assert_allclose(result.normalised["Unemp"]["AAA"], (6.0 - 4.1) / (6.0 - 3.2), rtol=1e-12)
    reports = {r["indicator"]: r for r in result.treatment}
    assert set(reports) == {"Unemp", "GDPpc"}
    assert [(example_data.units[i], old, new) for i, old, new in reports["Unemp"]["treated"]] == [
        ("CCC", 7.9, 6.0), ("DDD", 6.2, 6.0), ("FFF", 9.8, 6.0)]
    assert reports["GDPpc"]["treated"] == [(5, 19000.0, 20000.0)]


def test_cap_rows_reach_treatment_csv(tmp_path):
    import pandas as pd

    from dti_bench.experiment import run

    examples = Path(__file__).resolve().parents[3] / "dti_bench" / "datasets" / "examples"
    folder = run({"name": "capped", "data": {"indicators": str(examples / "example_iData.csv"),
                                             "framework": str(examples / "example_iMeta.csv")},
                  "methodology": {"treat": {"default": "none", "Crime": {"method": "cap", "hi": 5}}}},
                 out=tmp_path, quiet=True, figures="none")
    table = pd.read_csv(folder / "treatment.csv", comment="#")
    assert table[["indicator", "unit", "original", "treated", "method"]].values.tolist() == [
        ["Crime", "CCC", 6.1, 5.0, "cap"], ["Crime", "FFF", 8.9, 5.0, "cap"]]


cap_cells = st.one_of(st.floats(-1e6, 1e6, allow_nan=False), st.just(nan), st.just(1.0))


@settings(max_examples=200, deadline=None)
@given(data=st.data(), units=st.integers(0, 10), k=st.integers(1, 4))
def test_cap_block_equals_column_by_column_and_clamps_monotonically(data, units, k):
    x = np.array(data.draw(st.lists(cap_cells, min_size=units * k, max_size=units * k))).reshape(units, k)
    lo = data.draw(st.one_of(st.none(), st.floats(-100.0, 0.0)))
    hi = data.draw(st.one_of(st.none(), st.floats(1.0, 100.0))) if lo is not None else data.draw(st.floats(1.0, 100.0))
    block, reports = cap_columns(x, lo=lo, hi=hi)
    expected = [cap(x[:, j], lo=lo, hi=hi) for j in range(k)]
    np.testing.assert_array_equal(block, np.column_stack([e[0] for e in expected]) if units else block)
    assert reports == [e[1] for e in expected]
    np.testing.assert_array_equal(np.isnan(block), np.isnan(x))
    present = ~np.isnan(x)
    assert (block[present] >= (-np.inf if lo is None else lo)).all()
    assert (block[present] <= (np.inf if hi is None else hi)).all()
    np.testing.assert_array_equal(cap_columns(block, lo=lo, hi=hi)[0], block)   # capping twice changes nothing
    for j in range(k):   # a monotone map: the order of the units is kept (ties may be made, none broken)
        p = present[:, j]
        order = np.argsort(x[p, j], kind="stable")
        assert (np.diff(block[p, j][order]) >= 0).all()
