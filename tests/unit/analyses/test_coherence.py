"""Statistical coherence: correlations across the framework, flags, Cronbach's alpha and PCA, pinned by hand and
stated as properties."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra.numpy import arrays

from dti_bench.analyses.coherence import (CORRELATIONS, coherence_tables, correlation_matrices, correlations,
                                 cronbach_alpha, flags, pca, pearson, spearman)
from dti_bench.model.methodology import parse_methodology
from dti_bench.model.dataset import Dataset
from dti_bench.errors import MethodError
from dti_bench.model.framework import Framework
from dti_bench.index import compute_index

RAW = parse_methodology({"normalise": "none"})


def _dataset(codes, values) -> Dataset:
    units = tuple(f"U{i:02d}" for i in range(len(values)))
    return Dataset("t", units, units, tuple(codes), np.asarray(values, dtype=float))


# -- coefficients -------------------------------------------------------------------------------------------------

def test_registry_names_and_read_only():
    assert list(CORRELATIONS) == ["pearson", "spearman"]
    with pytest.raises(TypeError):
        CORRELATIONS["kendall"] = pearson  # type: ignore[index]


def test_coefficients_by_hand():
    a = [1.0, 2.0, 3.0, 4.0, 5.0]
    b = [2.0, 1.0, 4.0, 3.0, 5.0]
    # centred a: -2 -1 0 1 2; centred b: -1 -2 1 0 2; cross products 8, sums of squares 10 and 10: r = 0.8
    assert pearson(a, b) == pytest.approx(0.8)
    # b's values are their own ranks here, so Spearman's rho is the same 0.8
    assert spearman(a, b) == pytest.approx(0.8)
    # ties share the mean rank: c = 1, 1, 2, 3, 3 ranks as 1.5, 1.5, 3, 4.5, 4.5 (centred -1.5 -1.5 0 1.5 1.5),
    # with ranks of a centred -2 -1 0 1 2: cross products 3 + 1.5 + 1.5 + 3 = 9, sums of squares 10 and 9
    assert spearman(a, [1.0, 1.0, 2.0, 3.0, 3.0]) == pytest.approx(9 / np.sqrt(90))
    # pairwise complete: the NaN drops unit 2 from both
    assert pearson([1.0, np.nan, 3.0, 4.0], [1.0, 9.0, 2.0, 5.0]) == pytest.approx(pearson([1, 3, 4], [1, 2, 5]))
    assert np.isnan(pearson([1.0, 2.0, 3.0], [4.0, 4.0, 4.0]))   # constant
    assert np.isnan(spearman([1.0, 2.0], [3.0, 1.0]))           # fewer than 3 pairs


@settings(max_examples=50, deadline=None)
@given(x=st.integers(3, 12).flatmap(lambda n: arrays(float, (n, 2), elements=st.integers(-20, 20).map(float))))
def test_coefficients_agree_with_numpy_and_scipy(x):
    from scipy import stats
    a, b = x[:, 0], x[:, 1]
    if np.ptp(a) == 0 or np.ptp(b) == 0:
        assert np.isnan(pearson(a, b)) and np.isnan(spearman(a, b))
        return
    assert pearson(a, b) == pytest.approx(np.corrcoef(a, b)[0, 1], abs=1e-12)
    assert spearman(a, b) == pytest.approx(stats.spearmanr(a, b).statistic, abs=1e-12)


# -- Cronbach's alpha ---------------------------------------------------------------------------------------------

ALPHA_TABLE = np.array([
    [1.0, 2.0, 3.0],
    [2.0, 3.0, 3.0],
    [3.0, 3.0, 4.0],
    [4.0, 5.0, 4.0],
    [5.0, 5.0, 6.0],
])


def test_cronbach_alpha_by_hand():
    # column variances (ddof 1): 10/4 = 2.5; (2.56+0.36+0.36+1.96+1.96)/4 = 1.8; (1+1+0+0+4)/4 = 1.5 -> sum 5.8
    # row sums 6, 8, 10, 13, 16 (mean 10.6): (21.16+6.76+0.36+5.76+29.16)/4 = 15.8
    # alpha = 3/2 * (1 - 5.8/15.8) = 15/15.8
    assert cronbach_alpha(ALPHA_TABLE) == pytest.approx(15 / 15.8)
    # complete cases: a row with a NaN leaves the computation
    holed = np.vstack([ALPHA_TABLE, [9.0, np.nan, 1.0]])
    assert cronbach_alpha(holed) == pytest.approx(15 / 15.8)


def test_cronbach_alpha_degenerate_and_extreme_cases():
    assert np.isnan(cronbach_alpha(ALPHA_TABLE[:, :1]))       # one child
    assert np.isnan(cronbach_alpha(ALPHA_TABLE[:1]))          # one unit
    assert np.isnan(cronbach_alpha(np.array([[1.0, 3.0], [2.0, 2.0], [3.0, 1.0]])))   # constant sum
    identical = np.column_stack([ALPHA_TABLE[:, 0]] * 4)
    assert cronbach_alpha(identical) == pytest.approx(1.0)    # k identical children: alpha = 1
    # two children moving against each other (unequal spread, so the sum still varies): alpha < 0
    assert cronbach_alpha(np.column_stack([ALPHA_TABLE[:, 0], -2 * ALPHA_TABLE[:, 0]])) < 0


# -- PCA ----------------------------------------------------------------------------------------------------------

def test_pca_of_two_children_by_hand():
    # two children with correlation r have eigenvalues 1 + |r| and 1 - |r|: here r = 0.8
    a, b = np.array([1.0, 2.0, 3.0, 4.0, 5.0]), np.array([2.0, 1.0, 4.0, 3.0, 5.0])
    out = pca(np.column_stack([a, b]))
    np.testing.assert_allclose(out.eigenvalues, [1.8, 0.2])
    assert out.first_share == pytest.approx(0.9) and out.n_eigen_gt1 == 1 and out.n == 5
    # loadings of the first component: sqrt(1.8) / sqrt(2) each = 0.9487, positive by the sign convention
    np.testing.assert_allclose(out.loadings[:, 0], np.sqrt(0.9))


def test_pca_leaves_constant_children_out_and_counts_kaiser_strictly():
    x = np.column_stack([[1.0, 0.0, 1.0, 0.0], [1.0, 1.0, 0.0, 0.0], [7.0] * 4])  # uncorrelated pair + constant
    out = pca(x)
    assert out.used.tolist() == [True, True, False]
    np.testing.assert_allclose(out.eigenvalues, [1.0, 1.0])   # R = I
    assert out.n_eigen_gt1 == 0 and out.first_share == pytest.approx(0.5)
    empty = pca(np.array([[1.0, 2.0]]))
    assert empty.eigenvalues.size == 0 and np.isnan(empty.first_share) and empty.n_eigen_gt1 == 0


@settings(max_examples=50, deadline=None)
@given(x=st.tuples(st.integers(3, 12), st.integers(1, 5)).flatmap(
    lambda s: arrays(float, s, elements=st.integers(0, 6).map(float))))
def test_pca_eigenvalues_sum_to_k_and_loadings_reproduce_unit_variances(x):
    out = pca(x)
    m = int(out.used.sum())
    assert out.eigenvalues.sum() == pytest.approx(m, abs=1e-9)
    assert np.all(np.diff(out.eigenvalues) <= 1e-12) and np.all(out.eigenvalues >= 0)
    # keeping every component, each child's squared loadings add up to its unit variance (R_jj = 1)
    np.testing.assert_allclose((out.loadings ** 2).sum(axis=1), 1.0, atol=1e-9)
    assert np.all(out.loadings.sum(axis=0) >= -1e-12)
    if m:
        assert 1.0 / m - 1e-12 <= out.first_share <= 1.0 + 1e-12


# -- correlations across a framework, and flags --------------------------------------------------------------------

@pytest.fixture(scope="module")
def flagged_result():
    """P = weighted mean of a (1), b (1), c (0.2), d (0.2): c mirrors a, d is unrelated noise."""
    fw = Framework.from_dict({"name": "flags", "indicators": ["a", "b", "c", "d"],
                              "composites": [{"code": "P", "children": {"a": 1, "b": 1, "c": 0.2, "d": 0.2}}]})
    rng = np.random.default_rng(0)
    a = rng.normal(size=200)
    b = a + rng.normal(size=200)
    c = 10 - a + 0.1 * rng.normal(size=200)
    d = rng.normal(size=200)
    return compute_index(fw, _dataset(fw.indicators, np.column_stack([a, b, c, d])), RAW)


def test_flags_a_constructed_negative_and_a_weak_child(flagged_result):
    table = correlations(flagged_result)
    assert table.relation.value_counts().to_dict() == {"sibling": 6, "child-parent": 4}
    out = flags(table)
    assert out.child.tolist() == ["c", "d"] and out.flag.tolist() == ["negative", "weak"]
    assert out.parent.tolist() == ["P", "P"] and np.all(out.level == 1)
    # P ~ (0.8 a + b + 0.2 d)/2.2, so c = 10 - a correlates with it at about -0.8
    assert out.r.iloc[0] < -0.5 and abs(out.r.iloc[1]) < 0.3
    assert flags(table, threshold=0.0).child.tolist() == ["c"]   # no weak flags at threshold 0
    assert flags(table, method="spearman").child.tolist() == ["c", "d"]
    with pytest.raises(MethodError, match="'pearson', 'spearman'"):
        flags(table, method="kendall")


def test_flags_mark_an_undefined_correlation():
    fw = Framework.from_dict({"name": "flat", "indicators": ["a", "b"],
                              "composites": [{"code": "P", "children": ["a", "b"]}]})
    result = compute_index(fw, _dataset(fw.indicators, [[1, 5], [2, 5], [3, 5], [4, 5]]), RAW)
    out = flags(correlations(result))
    assert out.child.tolist() == ["b"] and out.flag.tolist() == ["undefined"]


def test_correlation_relations_on_a_four_level_framework():
    fw = Framework.from_dict({
        "name": "deep", "indicators": ["i1", "i2", "i3", "i4", "i5"],
        "composites": [{"code": "A", "children": ["i1", "i2"]}, {"code": "B", "children": ["i3", "i4"]},
                       {"code": "C", "children": ["A", "B"]}, {"code": "H", "children": ["C", "i5"]}]})
    rng = np.random.default_rng(1)
    result = compute_index(fw, _dataset(fw.indicators, rng.uniform(size=(30, 5))), RAW)
    table = correlations(result)
    rel = {(r.node_a, r.node_b): r.relation for r in table.itertuples()}
    assert rel[("i1", "A")] == "child-parent" and rel[("i5", "H")] == "child-parent"
    assert rel[("i1", "C")] == "ancestor" and rel[("A", "H")] == "ancestor"
    assert rel[("i1", "H")] == "indicator-headline" and ("i5", "C") not in rel
    assert rel[("i1", "i2")] == "sibling" and rel[("C", "i5")] == "sibling"
    assert table.loc[table.relation == "indicator-headline", "node_a"].tolist() == ["i1", "i2", "i3", "i4"]
    row = table[(table.node_a == "i3") & (table.node_b == "C")].iloc[0]
    assert (row.level_a, row.level_b, row.n) == (1, 3, 30)
    assert row.pearson == pytest.approx(np.corrcoef(result.values["i3"], result.values["C"])[0, 1])


def test_dti_pillars_share_the_foundation(dti2022, profiles):
    # 8 indicators all feed DTI directly; each pillar takes the 5 foundation indicators and one activity:
    # siblings C(8,2) + 3 C(6,2) = 28 + 45 = 73, edges 8 + 3 * 6 = 26, no indicator-headline rows
    table = correlations(compute_index(dti2022, profiles, parse_methodology({})))
    assert table.relation.value_counts().to_dict() == {"sibling": 73, "child-parent": 26}
    assert set(table.n) == {5}


def test_correlation_matrices_hold_children_then_parent(flagged_result):
    mats = correlation_matrices(flagged_result, method="spearman")
    m = mats["P"]
    assert list(m.columns) == ["a", "b", "c", "d", "P"] and list(m.index) == list(m.columns)
    np.testing.assert_allclose(np.diag(m), 1.0)
    np.testing.assert_allclose(m.to_numpy(), m.to_numpy().T)
    assert m.loc["c", "P"] == pytest.approx(spearman(flagged_result.values["c"], flagged_result.values["P"]))


# -- the tables ---------------------------------------------------------------------------------------------------

def test_coherence_tables(flagged_result):
    tables = coherence_tables(flagged_result)
    assert set(tables) == {"coherence_correlations", "coherence_composites"}
    assert list(tables["coherence_correlations"].columns) == [
        "relation", "group", "node_a", "node_b", "level_a", "level_b", "n", "pearson", "spearman"]
    comp = tables["coherence_composites"]
    assert list(comp.columns) == ["composite", "level", "k", "n", "cronbach_alpha", "pca_first_share",
                                  "n_eigen_gt1", "min_child_parent_r", "flagged_children"]
    row = comp.iloc[0]
    block = flagged_result.values[["a", "b", "c", "d"]].to_numpy()
    assert (row.composite, row.level, row.k, row.n) == ("P", 2, 4, 200)
    assert row.cronbach_alpha == pytest.approx(cronbach_alpha(block))
    assert row.pca_first_share == pytest.approx(pca(block).first_share)
    assert row.min_child_parent_r == pytest.approx(pearson(block[:, 2], flagged_result.values["P"]))
    assert row.flagged_children == "c (negative); d (weak)"
    assert isinstance(comp, pd.DataFrame) and comp.to_csv(index=False).startswith("composite,level,k,n")
