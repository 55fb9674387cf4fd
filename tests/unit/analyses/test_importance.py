"""Correlation ratios, the Paruolo weights-versus-importance table and weights optimised for target importance:
hand-computed tables, analytic values of a linear index, invariants as Hypothesis properties."""

from __future__ import annotations

import itertools
import pathlib

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra.numpy import arrays

from dti_bench import io
from dti_bench.model.methodology import parse_methodology
from dti_bench.model.dataset import Dataset
from dti_bench.model.framework import Framework
from dti_bench.errors import MethodError
from dti_bench.analyses.importance import (CORRELATION_RATIOS, correlation_ratio, effective_target, importance,
                                           importance_table, optimise_weights, target_note)
from dti_bench.index import compute_index

METHODS = list(CORRELATION_RATIOS)
ROOT = pathlib.Path(__file__).resolve().parents[3]


# -- the contract, for every registered estimator -------------------------------------------------------------

def test_registry_names_and_read_only():
    assert METHODS == ["bspline", "knn", "pearson"]
    with pytest.raises(TypeError):
        CORRELATION_RATIOS["mine"] = CORRELATION_RATIOS["knn"]  # type: ignore[index]


def test_unknown_method_names_the_choices():
    with pytest.raises(MethodError, match="'bspline', 'knn', 'pearson'"):
        correlation_ratio([1, 2, 3], [1, 2, 3], "loess")


@pytest.mark.parametrize("method", METHODS)
def test_degenerate_cases_are_decided_once(method):
    x = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    assert np.isnan(correlation_ratio(x, np.full(5, 2.0), method).value)      # constant y: nothing to explain
    assert correlation_ratio(np.full(5, 7.0), x, method).value == 0.0          # constant x: E(y|x) = E(y)
    assert np.isnan(correlation_ratio(x[:2], x[:2], method).value)             # fewer than 3 pairs
    nan_pairs = correlation_ratio([1, np.nan, 3, 4, 5, 6], [2, 5, np.nan, 3, 6, 1], method)
    direct = correlation_ratio([1, 4, 5, 6], [2, 3, 6, 1], method)
    assert nan_pairs.n == 4 and nan_pairs.value == pytest.approx(direct.value)


@pytest.mark.parametrize("method", METHODS)
def test_exact_linear_dependence_is_one(method):
    # knn's differences of an exact line still sum to (n-1) h^2 > 0: its deficit is about 6/n^2 here
    x = np.linspace(0.0, 1.0, 200)
    assert correlation_ratio(x, 3.0 - 2.0 * x, method).value == pytest.approx(1.0, abs=1e-3)


pairs = st.integers(3, 25).flatmap(lambda n: st.tuples(
    arrays(float, n, elements=st.integers(-6, 6).map(float)),
    arrays(float, n, elements=st.integers(-500, 500).map(lambda v: v / 10))))  # no spread lost to rounding


@pytest.mark.parametrize("method", METHODS)
@settings(max_examples=40, deadline=None)
@given(xy=pairs, a=st.floats(0.5, 4.0), b=st.floats(-10.0, 10.0))
def test_value_in_unit_interval_and_invariant_to_positive_affine_maps(method, xy, a, b):
    x, y = xy
    value = correlation_ratio(x, y, method).value
    if np.ptp(y) == 0:
        assert np.isnan(value)
        return
    assert 0.0 <= value <= 1.0
    # eta^2 is a ratio of variances of y, and the estimators are equivariant in x (quantile knots, sort order).
    # Up to rounding, which the spline's largest smoothing (lambda = 1e8) amplifies in its unpenalised
    # directions: 8.6e-8 at worst over 3,000 random cases, 1.0e-7 on one Hypothesis found, hence 1e-6
    assert correlation_ratio(a * x + b, a * y - b, method).value == pytest.approx(value, abs=1e-6)


# -- hand-computed tables ---------------------------------------------------------------------------------------

X5 = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
Y5 = np.array([2.0, 1.0, 4.0, 3.0, 5.0])


def test_knn_by_hand():
    # sorted by x the differences of y are -1, 3, -1, 2: sum of squares 15; y mean 3, sum of squares 10
    # eta^2 = 1 - 15 / (2 * 10) = 0.25
    assert correlation_ratio(X5, Y5, "knn").value == pytest.approx(0.25)
    # the rows' order does not matter, only the order of x
    assert correlation_ratio(X5[::-1], Y5[::-1], "knn").value == pytest.approx(0.25)


def test_knn_averages_over_the_order_inside_tied_blocks():
    # x ties in blocks {0: y 0, 1} and {1: y 4, 5}. The four orders of y give sums of squared differences
    # (0,1,4,5): 1+9+1 = 11, (0,1,5,4): 18, (1,0,4,5): 18, (1,0,5,4): 27; mean 18.5.
    # y mean 2.5, sum of squares 17, so eta^2 = 1 - 18.5 / 34 = 15.5 / 34
    x, y = np.array([0.0, 0.0, 1.0, 1.0]), np.array([0.0, 1.0, 4.0, 5.0])
    assert correlation_ratio(x, y, "knn").value == pytest.approx(15.5 / 34)
    # sorting the rows by y inside a block (as a table sorted by score would) changes nothing
    assert correlation_ratio(x[[1, 0, 3, 2]], y[[1, 0, 3, 2]], "knn").value == pytest.approx(15.5 / 34)


def test_pearson_by_hand():
    # centred x: -2 -1 0 1 2, centred y: -1 -2 1 0 2; cross products sum to 8, both sums of squares are 10
    assert correlation_ratio(X5, Y5, "pearson").value == pytest.approx(0.64)


def test_two_valued_x_gives_the_classical_correlation_ratio():
    # x in {0, 1}: group means 2 (y 1, 3) and 5 (y 4, 5, 6); overall mean 3.8.
    # between SS = 2(2 - 3.8)^2 + 3(5 - 3.8)^2 = 6.48 + 4.32 = 10.8; total SS = 7.84+0.64+0.04+1.44+4.84 = 14.8
    x, y = np.array([0.0, 0.0, 1.0, 1.0, 1.0]), np.array([1.0, 3.0, 4.0, 5.0, 6.0])
    # the spline reproduces any two values at two points without penalty, so it fits the group means
    assert correlation_ratio(x, y, "bspline").value == pytest.approx(10.8 / 14.8)
    assert correlation_ratio(x, y, "pearson").value == pytest.approx(10.8 / 14.8)
    # knn: within blocks (2/2)(1-3)^2 = 4 and (2/3)(1 + 4 + 1) = 4; boundary: mean of (y_a - y_c)^2 over
    # a in {1, 3}, c in {4, 5, 6} = (9+16+25+1+4+9)/6 = 64/6; eta^2 = 1 - (8 + 64/6) / (2 * 14.8)
    assert correlation_ratio(x, y, "knn").value == pytest.approx(1 - (8 + 64 / 6) / 29.6)


small_tied = st.integers(3, 6).flatmap(lambda n: st.tuples(
    arrays(float, n, elements=st.integers(0, 2).map(float)),
    arrays(float, n, elements=st.integers(-5, 5).map(float))))


@settings(max_examples=60, deadline=None)
@given(xy=small_tied)
def test_knn_equals_the_mean_over_every_tie_breaking_order(xy):
    x, y = xy
    if np.ptp(y) == 0 or np.ptp(x) == 0:
        return
    sums = [np.sum(np.diff(y[list(p)]) ** 2) for p in itertools.permutations(range(x.size))
            if np.all(np.diff(x[list(p)]) >= 0)]
    expected = 1.0 - np.mean(sums) / (2.0 * np.sum((y - y.mean()) ** 2))
    assert correlation_ratio(x, y, "knn").value == pytest.approx(min(max(expected, 0.0), 1.0), abs=1e-9)


# -- analytic values ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("method", METHODS)
def test_linear_index_of_independent_uniforms(method):
    # y = sum w_i x_i, x_i ~ U(0, 1) independent: eta^2_i = r^2_i = w_i^2 Var x_i / sum_j w_j^2 Var x_j
    # = (1, 4, 9) / 14. Over 30 seeds the estimators' sd was at most 0.71/sqrt(n) (spline, Pearson) and
    # 1.09/sqrt(n) (knn), so 3/sqrt(n) and 5/sqrt(n) are more than four sd.
    n = 4000
    rng = np.random.default_rng(20130609)
    x = rng.uniform(size=(n, 3))
    w = np.array([1.0, 2.0, 3.0])
    y = x @ w
    tol = (5.0 if method == "knn" else 3.0) / np.sqrt(n)
    got = np.array([correlation_ratio(x[:, i], y, method).value for i in range(3)])
    np.testing.assert_allclose(got, w ** 2 / np.sum(w ** 2), atol=tol)


def test_symmetric_square_is_invisible_to_pearson_but_not_to_eta():
    n = 4000
    rng = np.random.default_rng(7)
    x = rng.uniform(-1.0, 1.0, n)
    y = x ** 2 + 0.01 * rng.normal(size=n)   # Var(x^2) = 4/45 ~ 0.089 against noise 1e-4
    assert correlation_ratio(x, y, "pearson").value < 0.01
    assert correlation_ratio(x, y, "bspline").value > 0.99
    assert correlation_ratio(x, y, "knn").value > 0.98


# -- bootstrap ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("method", ["bspline", "knn"])
def test_bootstrap_interval_contains_the_estimate_and_narrows_with_n(method):
    rng = np.random.default_rng(3)
    x = rng.uniform(size=3200)
    y = x + np.sin(6 * x) + rng.normal(scale=0.5, size=3200)
    widths = []
    for n in (200, 3200):
        est = correlation_ratio(x[:n], y[:n], method, n_boot=200, seed=11)
        assert est.lo <= est.value <= est.hi
        widths.append(est.hi - est.lo)
    assert widths[1] < 0.5 * widths[0]   # ~ 1/sqrt(16) = 0.25 expected
    again = correlation_ratio(x[:200], y[:200], method, n_boot=200, seed=11)
    assert again == correlation_ratio(x[:200], y[:200], method, n_boot=200, seed=11)
    assert np.isnan(correlation_ratio(x, y, method).lo)   # no interval unless asked


@pytest.mark.parametrize("method", ["bspline", "knn"])
def test_bootstrap_of_an_independent_pair_stays_near_zero(method):
    # a resample's duplicated units must not sit beside their own copies (zero differences) nor be
    # over-fitted by cross-validation: either would push the replicates of an independent pair far above 0
    rng = np.random.default_rng(5)
    x, y = rng.uniform(size=500), rng.normal(size=500)
    est = correlation_ratio(x, y, method, n_boot=100, seed=2)
    assert est.hi < 0.12


# -- the Paruolo table ------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def generated():
    """200 units on the example framework: one common factor, each indicator pointing the way its direction says."""
    fw = io.load_framework(ROOT / "configs" / "examples" / "example_iMeta.csv")
    rng = np.random.default_rng(2017)
    n = 200
    factor = rng.normal(size=(n, 1))
    directions = np.array([fw.node(c).direction for c in fw.indicators], dtype=float)
    spread = np.array([1.0, 3.0, 1.0, 0.5, 1.0, 2.0])
    values = 50 + 10 * (directions * factor + rng.normal(size=(n, len(fw.indicators))) * spread)
    units = tuple(f"U{i:03d}" for i in range(n))
    return fw, Dataset("gen", units, units, fw.indicators, values)


def _index(fw, ds, **extra):
    return compute_index(fw, ds, parse_methodology({"normalise": {"method": "minmax", "lo": 1, "hi": 100},
                                                    **extra}))


def test_importance_table_columns_and_bookkeeping(generated):
    fw, ds = generated
    result = _index(fw, ds)
    table = importance_table(result, n_boot=30, seed=4)
    assert list(table.columns) == [
        "target", "requested_target", "parent", "child", "level", "n", "nominal_weight", "effective_weight", "r2",
        "eta2_bspline", "eta2_bspline_lo", "eta2_bspline_hi", "eta2_knn", "eta2_knn_lo", "eta2_knn_hi",
        "importance_share", "weight_share", "ratio", "divergence", "parent_divergence"]
    assert list(zip(table.parent, table.child)) == [(e.parent, e.child) for e in fw.edges]
    # a tree: every composite feeds the headline, so every row is against it, as asked
    assert set(table.target) == set(table.requested_target) == {"Index"} and set(table.n) == {200}
    assert table.level.tolist() == [fw.level(c) for c in table.child]
    # Econ's nominal weights 1, 2, 1 normalise to 0.25, 0.5, 0.25; Index's 0.6, 0.4 stay
    econ = table[table.parent == "Econ"]
    np.testing.assert_allclose(econ.nominal_weight, [0.25, 0.5, 0.25])
    np.testing.assert_allclose(table.effective_weight, table.nominal_weight)
    for _, block in table.groupby("parent"):
        assert block.importance_share.sum() == pytest.approx(1.0)
        assert block.weight_share.sum() == pytest.approx(1.0)
        assert block.parent_divergence.iloc[0] == pytest.approx(np.abs(block.divergence).sum())
        np.testing.assert_allclose(block.importance_share, block.eta2_bspline / block.eta2_bspline.sum())
    np.testing.assert_allclose(table.divergence, table.importance_share - table.weight_share)
    np.testing.assert_allclose(table.ratio, table.importance_share / table.weight_share)
    for m in ("bspline", "knn"):
        assert np.all(table[f"eta2_{m}_lo"] <= table[f"eta2_{m}"]) and np.all(table[f"eta2_{m}"] <= table[f"eta2_{m}_hi"])
    # r2 is the squared Pearson correlation with the headline
    r = np.corrcoef(result.values["GDPpc"], result.values["Index"])[0, 1]
    assert table.loc[table.child == "GDPpc", "r2"].item() == pytest.approx(r * r)
    # an aggregate of 200 units: the spline's eta^2 of a linear index stays close to r^2
    np.testing.assert_allclose(table.eta2_bspline, table.r2, atol=0.06)


def test_importance_table_against_the_parent_and_effective_weights(generated):
    fw, ds = generated
    result = _index(fw, ds, weights="equal")
    table = importance_table(result, target="parent", methods=("pearson",), n_boot=0)
    assert table.target.tolist() == table.parent.tolist()
    r = np.corrcoef(result.values["Exports"], result.values["Econ"])[0, 1]
    assert table.loc[table.child == "Exports", "eta2_pearson"].item() == pytest.approx(r * r)
    # the composites used equal weights: that is what weight_share compares with, unless asked otherwise
    np.testing.assert_allclose(table.loc[table.parent == "Econ", "effective_weight"], 1 / 3)
    np.testing.assert_allclose(table.loc[table.parent == "Econ", "weight_share"], 1 / 3)
    nominal = importance_table(result, target="parent", methods=("pearson",), n_boot=0, compare_to="nominal")
    np.testing.assert_allclose(nominal.loc[nominal.parent == "Econ", "weight_share"], [0.25, 0.5, 0.25])
    assert table.eta2_pearson_lo.isna().all()


def test_importance_table_is_reproducible_and_rejects_bad_names(generated):
    fw, ds = generated
    result = _index(fw, ds)
    a = importance_table(result, methods=("knn",), n_boot=20, seed=9)
    b = importance_table(result, methods=("knn",), n_boot=20, seed=9)
    assert a.equals(b)
    with pytest.raises(MethodError, match="'headline', 'parent'"):
        importance_table(result, target="root")
    with pytest.raises(MethodError, match="valid choices"):
        importance_table(result, methods=("lowess",))


# -- the target a parent actually feeds -------------------------------------------------------------------------

def _r2(x, y) -> float:
    """Squared Pearson correlation over complete pairs, written out (independent of the package's estimators)."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    ok = ~(np.isnan(x) | np.isnan(y))
    xc, yc = x[ok] - x[ok].mean(), y[ok] - y[ok].mean()
    return float((xc @ yc) ** 2 / ((xc @ xc) * (yc @ yc)))


def test_dti_2022_pillar_rows_are_against_their_pillar_and_main_indicator_rows_against_the_dti(dti2022):
    # Decision 922: DTI = sum of the 8 main indicators' points; the pillars are built beside it from the same
    # indicators, and nothing aggregates them, so the pillars' weights cannot move the DTI
    data = io.load_dataset("dti2022-synthetic", dti2022)
    result = compute_index(dti2022, data)
    table = importance_table(result, methods=("pearson",), n_boot=0)
    assert (table.requested_target == "DTI").all()
    dti_rows, pillar_rows = table[table.parent == "DTI"], table[table.parent != "DTI"]
    assert dti_rows.child.tolist() == list(dti2022.children("DTI")) and (dti_rows.target == "DTI").all()
    assert set(pillar_rows.parent) == {"digital_government", "digital_economy", "digital_society"}
    assert pillar_rows.target.tolist() == pillar_rows.parent.tolist()
    for row in table.itertuples():
        want = _r2(result.values[row.child], result.values[row.target])
        assert row.eta2_pearson == pytest.approx(want, abs=1e-12) and row.r2 == pytest.approx(want, abs=1e-12)
    # asking for each child's parent gives the same table here, but for the column saying what was asked
    parent = importance_table(result, target="parent", methods=("pearson",), n_boot=0)
    assert parent.drop(columns="requested_target").equals(table.drop(columns="requested_target"))
    assert target_note(parent) is None
    assert target_note(table) == ("digital_government, digital_economy, digital_society do not feed 'DTI': their "
                                  "children's importance is against the parent itself")


def test_the_note_reaches_the_manifest_summary(dti2022):
    data = io.load_dataset("dti2022-synthetic", dti2022)
    summary = importance(dti2022, data, methods=["pearson"], n_boot=0).summary()
    assert summary["target_note"].startswith("digital_government, digital_economy, digital_society do not feed")
    assert "target_note" not in importance(dti2022, data, methods=["pearson"], n_boot=0, target="parent").summary()


# A hand-made DAG: S feeds A (which feeds the headline Index) and the side root R, which nothing aggregates.
#   S = a + b;  A = S + c;  Index = 2A + d;  R = S + d
SIDE_ROOT = Framework.from_dict({
    "name": "side-root", "headline": "Index", "indicators": ["a", "b", "c", "d"],
    "composites": [{"code": "S", "children": {"a": 1, "b": 1}}, {"code": "A", "children": {"S": 1, "c": 1}},
                   {"code": "Index", "children": {"A": 2, "d": 1}}, {"code": "R", "children": {"S": 1, "d": 1}}]})


@pytest.mark.parametrize("parent, asked, want", [
    ("Index", "Index", "Index"), ("A", "Index", "Index"), ("S", "Index", "Index"),  # S feeds Index through A
    ("R", "Index", "R"),                                                             # R feeds nothing
    ("S", "R", "R"), ("A", "R", "A"), ("Index", "R", "Index"), ("R", "R", "R"),
    ("S", "A", "A"), ("A", "S", "A"),                                                # upwards only
])
def test_effective_target_on_a_hand_made_dag(parent, asked, want):
    assert effective_target(SIDE_ROOT, parent, asked) == want


def test_importance_table_on_a_dag_with_a_side_root():
    rng = np.random.default_rng(12)
    units = tuple(f"U{i}" for i in range(40))
    data = Dataset("dag", units, units, SIDE_ROOT.indicators, rng.uniform(1, 9, (40, 4)))
    result = compute_index(SIDE_ROOT, data, parse_methodology({"normalise": "none"}))
    table = importance_table(result, methods=("pearson",), n_boot=0)
    assert dict(zip(table.parent, table.target)) == {"S": "Index", "A": "Index", "Index": "Index", "R": "R"}
    assert (table.requested_target == "Index").all()
    # the plain formulas of the docstring comment, by hand, and the r^2 of each child with its effective target
    raw = dict(zip("abcd", data.values.T))
    s = (raw["a"] + raw["b"]) / 2
    a = (s + raw["c"]) / 2
    scores = {"S": s, "A": a, "Index": (2 * a + raw["d"]) / 3, "R": (s + raw["d"]) / 2}
    for code, value in scores.items():
        np.testing.assert_allclose(result.values[code], value, rtol=1e-12)
    values = {**raw, **scores}
    for row in table.itertuples():
        assert row.eta2_pearson == pytest.approx(_r2(values[row.child], values[row.target]), abs=1e-12)
    assert target_note(table) == "R does not feed 'Index': its children's importance is against the parent itself"
    # the shares still sum to one within each parent, whichever target it is judged against
    np.testing.assert_allclose(table.groupby("parent").importance_share.sum(), 1.0)


@pytest.mark.parametrize("framework", ["SIDE_ROOT", "dti-provincial-2022"])
def test_the_effective_target_is_a_composite_that_the_parents_weights_move(framework):
    """The definition, checked on the scores: doubling the weight of a parent's first child moves the requested
    target exactly when the row is against it (else the target is blind to those weights and the row falls back
    to the parent)."""
    fw = SIDE_ROOT if framework == "SIDE_ROOT" else io.load_framework(framework)
    rng = np.random.default_rng(5)
    units = tuple(f"U{i}" for i in range(30))
    data = Dataset("perturbed", units, units, fw.indicators, rng.uniform(0.1, 1.0, (30, len(fw.indicators))))
    method = parse_methodology({"normalise": "none"})
    base = compute_index(fw, data, method).values
    for parent in fw.composites:
        for asked in fw.composites:
            first = fw.children(parent)[0]
            bumped = fw.with_weights({(parent, first): 2 * fw.nominal_weights(parent)[0]})
            moved = not np.allclose(compute_index(bumped, data, method).values[asked], base[asked], rtol=1e-12)
            assert (effective_target(fw, parent, asked) == asked) == moved, (parent, asked)


# -- weights for target importance ------------------------------------------------------------------------------

def _three_independent(n: int) -> np.ndarray:
    rng = np.random.default_rng(42)
    return rng.normal(size=(n, 3)) * np.array([1.0, 2.0, 3.0])   # variances 1, 4, 9


def test_equal_importance_is_reached_with_weights_inverse_to_the_spread():
    # r^2_i = w_i^2 s_i^2 / sum_j w_j^2 s_j^2 is equal when w_i s_i is: w = (1, 1/2, 1/3) / (11/6) = (6, 3, 2)/11
    out = optimise_weights(_three_independent(2000), "equal", method="pearson")
    assert out.reachable and out.residual < 1e-4
    np.testing.assert_allclose(out.shares, 1 / 3, atol=1e-4)
    np.testing.assert_allclose(out.weights, np.array([6.0, 3.0, 2.0]) / 11, atol=0.03)
    assert out.weights.sum() == pytest.approx(1.0) and np.all(out.weights > 0)


def test_equal_importance_with_the_spline_estimator():
    out = optimise_weights(_three_independent(400), [1, 1, 1], method="bspline")
    assert out.reachable
    np.testing.assert_allclose(out.shares, 1 / 3, atol=0.01)
    np.testing.assert_allclose(out.weights, np.array([6.0, 3.0, 2.0]) / 11, atol=0.06)


@pytest.mark.parametrize("method", ["pearson", "bspline"])
def test_perfectly_correlated_children_cannot_be_told_apart(method):
    # x2 = 2 x1 + 1, so y = (w1 + 2 w2) x1 + w2 is affine in either child: S1 = S2 = 1 for every weight, the
    # shares stay (0.5, 0.5) and a (0.9, 0.1) target stays sqrt(0.4^2 + 0.4^2) away
    z = np.random.default_rng(1).normal(size=300)
    out = optimise_weights(np.column_stack([z, 2 * z + 1]), [0.9, 0.1], method=method)
    assert not out.reachable
    np.testing.assert_allclose(out.shares, 0.5, atol=1e-6)
    assert out.residual == pytest.approx(np.sqrt(0.32), abs=1e-6)


def test_optimise_weights_edge_cases():
    x = _three_independent(50)
    one = optimise_weights(x[:, :1], [1.0], method="pearson")
    assert one.weights.tolist() == [1.0] and one.reachable
    with pytest.raises(MethodError, match="non-negative"):
        optimise_weights(x, [1.0, -1.0, 1.0], method="pearson")
    with pytest.raises(MethodError, match="at least 3 units"):
        optimise_weights(np.array([[1.0, 2.0], [np.nan, 1.0], [2.0, 3.0]]), "equal", method="pearson")
    # a missing value drops its unit from the optimisation
    holed = x.copy()
    holed[0, 1] = np.nan
    np.testing.assert_allclose(optimise_weights(holed, "equal", method="pearson").weights,
                               optimise_weights(x[1:], "equal", method="pearson").weights)


@pytest.mark.slow  # ~12 s: two importance runs
def test_progress_counts_one_step_per_child_and_estimator_and_changes_nothing(monkeypatch):
    import dti_bench.analyses.importance as module

    fw, ds = io.load_framework("dti-provincial-2022"), io.load_dataset("dti2022-synthetic")
    calls = []
    table = importance_table(compute_index(fw, ds), methods=("pearson", "knn"), n_boot=3,
                             on_estimate=lambda: calls.append(1))
    assert len(calls) == len(fw.edges) * 2  # 26 edges, two estimators

    steps = []

    class Counting:
        def __init__(self, total, desc, *, enabled, unit):
            assert desc == "importance" and total == len(fw.edges) * 2 + len(fw.composites)
            self.enabled = enabled

        def update(self, n=1):
            if self.enabled:  # the quiet run makes a (silent) bar too
                steps.append(n)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            pass

    monkeypatch.setattr(module, "progress_bar", Counting)
    quiet = importance(fw, ds, methods=["pearson", "knn"], n_boot=3, optimise="equal", optimise_method="pearson")
    loud = importance(fw, ds, methods=["pearson", "knn"], n_boot=3, optimise="equal", optimise_method="pearson",
                      progress=True)
    # one step per estimate, then one per composite whose weights are optimised (all four have several children)
    assert len(steps) == len(fw.edges) * 2 + len(fw.composites)
    assert loud.to_frame().equals(quiet.to_frame()) and loud.to_frame().equals(table)
    assert loud.optimised.equals(quiet.optimised)
