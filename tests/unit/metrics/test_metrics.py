"""Rank-stability metrics, the robust-pair share, and leave-one-out removal.

Hand-computed examples pin every metric; scipy pins the correlation coefficients on random data with ties;
Hypothesis states the invariants (identity, symmetry, batch = loop, the FMS two-indicator identity).
"""

from __future__ import annotations

import itertools
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import assume, given, settings, strategies as st
from hypothesis.extra.numpy import arrays
from scipy import stats

from dti_bench.metrics.ranking import rank_scores
from dti_bench.metrics.robustness import robust_pair_share, simplex_box_vertices
from dti_bench.metrics.stability import RANK_METRICS, kendall_tau_a, kendall_tau_b, max_abs_shift, mean_abs_shift, rank_biased_overlap, share_moving, spearman, summarise, top_k_jaccard

REF = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
SWAP = np.array([2.0, 1.0, 3.0, 5.0, 4.0])  # units 1<->2 and 4<->5 swapped


# -- the hand-computed example ---------------------------------------------------------------------------------

def test_hand_example_correlations():
    # d = |REF - SWAP| = [1, 1, 0, 1, 1], sum d^2 = 4: rho = 1 - 6*4 / (5*(25-1)) = 1 - 24/120 = 0.8
    assert spearman(REF, SWAP) == pytest.approx(0.8, abs=1e-15)
    # 10 pairs, discordant (u1,u2) and (u4,u5): C = 8, D = 2, no ties: tau = (8-2)/10 = 0.6 for a and b
    assert kendall_tau_b(REF, SWAP) == pytest.approx(0.6, abs=1e-15)
    assert kendall_tau_a(REF, SWAP) == pytest.approx(0.6, abs=1e-15)


def test_hand_example_shifts():
    # |shift| = [1, 1, 0, 1, 1]: mean 4/5 = 0.8, max 1; more than 0 places: 4 of 5; more than 1: none
    assert mean_abs_shift(REF, SWAP) == pytest.approx(0.8, abs=1e-15)
    assert max_abs_shift(REF, SWAP) == 1.0
    assert share_moving(REF, SWAP, 0) == pytest.approx(0.8)
    assert share_moving(REF, SWAP, 1) == 0.0


def test_hand_example_top_k_and_rbo():
    # top-2 {u1,u2} = {u2,u1}: 1; top-4 {u1,u2,u3,u4} vs {u1,u2,u3,u5}: |3| / |5| = 0.6
    assert top_k_jaccard(REF, SWAP, 2) == 1.0
    assert top_k_jaccard(REF, SWAP, 4) == pytest.approx(0.6)
    # Prefix overlaps X_d = 0, 2, 3, 3, 5, so A_d = X_d/d = 0, 1, 1, 0.75, 1. With p = 0.9:
    # (0.1/0.9) * (0*0.9 + 1*0.81 + 1*0.729 + 0.75*0.6561 + 1*0.59049) + 1 * 0.9^5
    #   = (0.1/0.9) * 2.621565 + 0.59049 = 0.291285 + 0.59049 = 0.881775
    assert rank_biased_overlap(REF, SWAP) == pytest.approx(0.881775, abs=1e-12)


def test_summarise_one_row_per_variant():
    table = summarise(REF, np.stack([SWAP, REF, REF[::-1]]))
    assert list(table.columns) == ["spearman", "kendall_tau_b", "mean_abs_shift", "max_abs_shift",
                                   "share_moving_gt_3", "share_moving_gt_5", "share_moving_gt_10",
                                   "top10_jaccard", "rbo"]
    assert table.index.name == "variant" and len(table) == 3
    assert table.loc[0, "spearman"] == pytest.approx(0.8) and table.loc[0, "rbo"] == pytest.approx(0.881775)
    assert table.loc[1].tolist() == pytest.approx([1, 1, 0, 0, 0, 0, 0, 1, 1])
    # the reversal: shifts [4, 2, 0, 2, 4] -> mean 12/5 = 2.4, max 4, share moving more than 3 places = 2/5
    assert table.loc[2, ["spearman", "kendall_tau_b", "mean_abs_shift", "max_abs_shift", "share_moving_gt_3"]
                      ].tolist() == pytest.approx([-1, -1, 2.4, 4, 0.4])


# -- ties and missing ranks ------------------------------------------------------------------------------------

def test_ties_by_hand():
    a, b = np.array([1.0, 2, 2, 4]), np.array([1.0, 2, 3, 4])
    # Spearman = Pearson of average ranks: a -> [1, 2.5, 2.5, 4], b = [1, 2, 3, 4], both mean 2.5;
    # deviations [-1.5, 0, 0, 1.5] and [-1.5, -.5, .5, 1.5]: cov 4.5, ss 4.5 and 5: rho = 4.5/sqrt(22.5) = sqrt(0.9)
    assert spearman(a, b) == pytest.approx(np.sqrt(0.9), abs=1e-15)
    # 6 pairs: (u2,u3) tied in a, the other 5 concordant: tau_b = 5 / sqrt((6-1)(6-0)) = 5/sqrt(30); tau_a = 5/6
    assert kendall_tau_b(a, b) == pytest.approx(5 / np.sqrt(30), abs=1e-15)
    assert kendall_tau_a(a, b) == pytest.approx(5 / 6, abs=1e-15)


def test_top_k_keeps_boundary_ties():
    # ref ties two units for 3rd place: its top-3 is {u1,u2,u3,u4} (4 units); the other's is {u1,u2,u3}: 3/4
    assert top_k_jaccard([1, 2, 3, 3, 5], [1, 2, 3, 4, 5], 3) == pytest.approx(0.75)


def test_unranked_units_are_left_out():
    a = np.array([1.0, 2.0, np.nan, 3.0])
    b = np.array([1.0, np.nan, 2.0, 3.0])
    # ranked in both: u1 (1, 1) and u4 (3, 3): perfectly concordant, no shift
    assert spearman(a, b) == 1.0 and kendall_tau_b(a, b) == 1.0 and kendall_tau_a(a, b) == 1.0
    assert mean_abs_shift(a, b) == 0.0 and max_abs_shift(a, b) == 0.0 and share_moving(a, b, 0) == 0.0
    assert rank_biased_overlap(a, b) == pytest.approx(1.0)
    # top-2: {u1,u2} vs {u1,u3}: 1/3 (an unranked unit is in no top set)
    assert top_k_jaccard(a, b, 2) == pytest.approx(1 / 3)


def test_nothing_comparable_is_nan_without_warning():
    empty = np.full(4, np.nan)
    for name, metric in RANK_METRICS.items():
        assert np.isnan(metric(empty, empty)), name
        if name != "top_k_jaccard":
            assert np.isnan(metric(empty, [1.0, 2, 3, 4])), name
    assert top_k_jaccard(empty, [1.0, 2, 3, 4], 2) == 0.0  # empty set vs {u1, u2}: 0 / 2
    assert np.isnan(spearman([1.0, 1, 1], [1.0, 2, 3]))  # constant side: no variance
    assert np.isnan(kendall_tau_b([1.0, 1, 1], [1.0, 2, 3]))
    assert kendall_tau_a([1.0, 1, 1], [1.0, 2, 3]) == 0.0  # 3 pairs, all tied in a: (0 - 0)/3


def test_shapes_are_checked():
    with pytest.raises(ValueError, match="do not match"):
        spearman([1.0, 2, 3], [[1.0, 2]])
    with pytest.raises(ValueError):
        share_moving(REF, SWAP, -1)
    with pytest.raises(ValueError):
        top_k_jaccard(REF, SWAP, 0)
    with pytest.raises(ValueError):
        rank_biased_overlap(REF, SWAP, p=1.0)


def test_registry_is_read_only():
    assert list(RANK_METRICS) == ["spearman", "kendall_tau_b", "kendall_tau_a", "mean_abs_shift",
                                  "max_abs_shift", "share_moving", "top_k_jaccard", "rank_biased_overlap"]
    with pytest.raises(TypeError):
        RANK_METRICS["mine"] = spearman  # type: ignore[index]


# -- agreement with scipy, and batch = loop ----------------------------------------------------------------

def test_rank_scores_by_hand():
    # scores 0.9, 0.5, 0.9, NaN, 0.7: the two 0.9 share rank 1, 0.7 is third (two higher), 0.5 fourth, NaN unranked
    np.testing.assert_array_equal(rank_scores(np.array([0.9, 0.5, 0.9, np.nan, 0.7])), [1, 4, 1, np.nan, 3])
    # (units, nodes) ranks each column; -inf is last, +inf first, and -0.0 ties with 0.0
    x = np.array([[np.inf, 0.0], [-np.inf, -0.0], [1.0, np.nan]])
    np.testing.assert_array_equal(rank_scores(x), [[1, 1], [3, 1], [2, np.nan]])
    assert rank_scores(np.empty((0, 3))).shape == (0, 3)


scores_with_ties = st.tuples(st.integers(1, 4), st.integers(1, 9), st.integers(1, 3)).flatmap(
    lambda shape: st.tuples(arrays(np.float64, shape, elements=st.sampled_from([0.0, 0.25, 1.0, -2.0, np.nan, np.inf])),
                            st.integers(0, 2)))


@settings(max_examples=150, deadline=None)
@given(scores_with_ties)
def test_rank_scores_is_the_definition_and_agrees_with_scipy(case):
    x, axis = case
    got = rank_scores(x, axis=axis)
    # scipy's 'min' ranks of the negated scores, NaN left out of each slice
    np.testing.assert_array_equal(got, stats.rankdata(-x, method="min", axis=axis, nan_policy="omit"))
    # the definition, one slice at a time: 1 + the number of units with a strictly higher score
    plain = np.moveaxis(x, axis, -1).reshape(-1, x.shape[axis])
    expected = np.array([[np.nan if np.isnan(v) else 1 + np.sum(row[~np.isnan(row)] > v) for v in row]
                         for row in plain])
    np.testing.assert_array_equal(np.moveaxis(got, axis, -1).reshape(plain.shape), expected)


tied_ranks = st.integers(4, 14).flatmap(
    lambda n: st.tuples(arrays(np.float64, n, elements=st.integers(1, 5).map(float)),
                        arrays(np.float64, n, elements=st.integers(1, 5).map(float)),
                        arrays(np.bool_, n)))


@settings(max_examples=80, deadline=None)
@given(tied_ranks)
def test_correlations_agree_with_scipy_on_units_ranked_in_both(case):
    a, b, missing = case
    b = np.where(missing, np.nan, b)  # NaN marks unranked units in b
    keep = ~missing
    assume(keep.sum() >= 2 and np.ptp(a[keep]) > 0 and np.ptp(b[keep]) > 0)
    assert spearman(a, b) == pytest.approx(stats.spearmanr(a[keep], b[keep]).statistic, abs=1e-12)
    assert kendall_tau_b(a, b) == pytest.approx(stats.kendalltau(a[keep], b[keep]).statistic, abs=1e-12)


@settings(max_examples=40, deadline=None)
@given(st.integers(2, 9), st.integers(1, 4), st.integers(0, 2**32 - 1))
def test_batched_metrics_equal_the_loop(n, variants, seed):
    rng = np.random.default_rng(seed)
    ref = rank_scores(rng.integers(0, 4, size=(n, 2)))  # (units, nodes), with ties
    batch = rank_scores(rng.integers(0, 4, size=(variants, n, 2)), axis=1).astype(float)
    batch[rng.random(batch.shape) < 0.1] = np.nan
    for name, metric in RANK_METRICS.items():
        out = metric(ref, batch)
        assert out.shape == (variants, 2), name
        loop = np.array([[metric(ref[:, j], batch[v, :, j]) for j in range(2)] for v in range(variants)])
        np.testing.assert_allclose(out, loop, rtol=0, atol=1e-12, err_msg=name)


@settings(max_examples=40, deadline=None)
@given(tied_ranks)
def test_symmetric_metrics_and_identity(case):
    a, b, _ = case
    a, b = rank_scores(-a), rank_scores(-b)  # 'min' ranks of the tied values (low value = rank 1)
    for metric in (spearman, kendall_tau_b, kendall_tau_a, mean_abs_shift, max_abs_shift, rank_biased_overlap):
        assert metric(a, b) == pytest.approx(metric(b, a), nan_ok=True, abs=1e-12)
    assert rank_biased_overlap(a, a) == pytest.approx(1.0, abs=1e-12)
    assert mean_abs_shift(a, a) == 0.0 and top_k_jaccard(a, a, 3) == 1.0


# -- rank-biased overlap -----------------------------------------------------------------------------------

def _rbo_by_sets(a, b, p):
    """RBO_ext from prefix sets, as the paper defines it: depth-d prefix = units with fewer than d ahead."""
    both = [u for u in range(len(a)) if np.isfinite(a[u]) and np.isfinite(b[u])]
    ahead_a = {u: sum(a[v] < a[u] for v in both) for u in both}
    ahead_b = {u: sum(b[v] < b[u] for v in both) for u in both}
    n, total = len(both), 0.0
    agreement = []
    for d in range(1, n + 1):
        s = {u for u in both if ahead_a[u] < d}
        t = {u for u in both if ahead_b[u] < d}
        agreement.append(2 * len(s & t) / (len(s) + len(t)))
        total += agreement[-1] * p ** d
    return (1 - p) / p * total + agreement[-1] * p ** n


def test_rbo_of_reversed_list_by_hand():
    # u1 u2 u3 vs u3 u2 u1: X = 0, 1, 3 so A = 0, 1/2, 1:
    # (0.1/0.9) * (0 + 0.5*0.81 + 1*0.729) + 0.9^3 = (0.1/0.9) * 1.134 + 0.729 = 0.126 + 0.729 = 0.855
    assert rank_biased_overlap([1, 2, 3], [3, 2, 1]) == pytest.approx(0.855, abs=1e-12)
    # evaluated to depth 2 only and extrapolated: (0.1/0.9) * (0.5*0.81) + A_2 * 0.9^2 = 0.045 + 0.405 = 0.45
    assert rank_biased_overlap([1, 2, 3], [3, 2, 1], depth=2) == pytest.approx(0.45, abs=1e-12)


def test_rbo_ties_enter_the_prefix_together():
    # a ties u1, u2 for first: at depth 1 its prefix is {u1, u2}, b's is {u1}: A_1 = 2*1/(2+1) = 2/3; then 1, 1.
    # (0.1/0.9) * (2/3*0.9 + 0.81 + 0.729) + 0.729 = (0.1/0.9) * 2.139 + 0.729 = 0.237667 + 0.729 = 0.966667
    assert rank_biased_overlap([1, 1, 3], [1, 2, 3]) == pytest.approx(0.1 / 0.9 * 2.139 + 0.729, abs=1e-12)


@settings(max_examples=60, deadline=None)
@given(tied_ranks, st.sampled_from([0.5, 0.9, 0.98]))
def test_rbo_equals_the_prefix_set_definition(case, p):
    a, b, missing = case
    b = np.where(missing, np.nan, b)
    assume((~missing).any())
    assert rank_biased_overlap(a, b, p) == pytest.approx(_rbo_by_sets(a, b, p), abs=1e-12)


# -- robust pairs (Foster, McGillivray & Seth 2013) -----------------------------------------------------------

def test_robust_pairs_by_hand():
    x = np.array([[0.9, 0.8],    # A dominates B and C on both indicators
                  [0.5, 0.6],    # B vs C: (0.5 - 0.1, 0.6 - 0.7) = (0.4, -0.1): mixed signs
                  [0.1, 0.7],
                  [0.1, 0.7]])   # D equals C: tied under every weighting
    share, order = robust_pair_share(x, return_pairs=True)
    # 6 pairs; robust: (A,B), (A,C), (A,D); not: (B,C), (B,D), (C,D): 3/6
    assert share == 0.5
    assert order[0].tolist() == [0, 1, 1, 1] and order[1, 0] == -1 and order[1, 2] == 0 and order[2, 3] == 0
    assert np.array_equal(order, -order.T)
    # a box 0.4 <= w <= 0.6: B - C = 0.4 w1 - 0.1 w2 >= 0.16 - 0.06 = 0.1 > 0, so (B,C) and (B,D) turn robust: 5/6
    for method in ("lp", "vertices"):
        assert robust_pair_share(x, w_lo=0.4, w_hi=0.6, method=method) == pytest.approx(5 / 6)


def test_a_zero_difference_breaks_strict_robustness_only_where_its_weight_can_reach_one():
    x = np.array([[1.0, 0.0], [0.0, 0.0]])  # d = (1, 0): tied at w = (0, 1), ahead everywhere else
    for method in ("lp", "vertices"):
        assert robust_pair_share(x, method=method, dominance="strict") == 0.0
        assert robust_pair_share(x, w_hi=0.9, method=method, dominance="strict") == 1.0  # w1 >= 0.1 > 0
        # weak: never behind, ahead at w = (1, 0): robust, the FMS reading of a shared value
        assert robust_pair_share(x, method=method) == 1.0
        assert robust_pair_share(x, method=method, dominance="weak") == 1.0
        # a set holding w = (0, 1) alone ties the pair under every weighting: robust under neither rule
        for dominance in ("weak", "strict"):
            assert robust_pair_share(x, w_lo=[0, 1], w_hi=[0, 1], method=method, dominance=dominance) == 0.0
    assert robust_pair_share(x, np.array([[0.0, 1.0]])) == 0.0
    assert robust_pair_share(x, np.array([[0.0, 1.0], [0.5, 0.5]])) == 1.0  # ahead at one point of the set


# A hand-made table with a shared value and an identical pair (the weak/strict difference, spelt out):
#   A = (1.0, 0.5, 0.7)   A - B = (0, 0.1, 0)       weak: A above B; strict: tied at w = e1 and e3
#   B = (1.0, 0.4, 0.7)   A - C = (0.2, 0, 0.5)     weak: A above C; strict: tied at w = e2
#   C = (0.8, 0.5, 0.2)   B - C = (0.2, -0.1, 0.5)  mixed signs: robust under neither over the simplex
#   D = (0.8, 0.5, 0.2)   C - D = 0                 identical: tied everywhere, robust under neither
#   E = (0.1, 0.1, 0.1)   every other unit is above E on all three: robust under both
# 10 pairs. Weak: AB, AC, AD + AE, BE, CE, DE = 7; strict: the four E pairs = 4.
# Box 0.2 <= w <= 0.6: each minimum puts 0.6 on the least favourable indicator and 0.2 on the others:
#   A - B: 0.1 * 0.2 = 0.02 > 0; A - C: 0.2 * 0.2 + 0.5 * 0.2 = 0.14; B - C: 0.04 - 0.06 + 0.1 = 0.08 > 0,
#   so every pair but C-D is strictly robust: 9/10 under both rules.
TIED = np.array([[1.0, 0.5, 0.7], [1.0, 0.4, 0.7], [0.8, 0.5, 0.2], [0.8, 0.5, 0.2], [0.1, 0.1, 0.1]])


@pytest.mark.parametrize("method", ["lp", "vertices"])
def test_weak_and_strict_dominance_by_hand(method):
    weak, order = robust_pair_share(TIED, method=method, dominance="weak", return_pairs=True)
    strict, strict_order = robust_pair_share(TIED, method=method, dominance="strict", return_pairs=True)
    assert weak == 0.7 and strict == 0.4
    assert order[0].tolist() == [0, 1, 1, 1, 1] and order[1].tolist() == [-1, 0, 0, 0, 1]
    assert order[2, 3] == 0 and order[3, 2] == 0  # the identical pair
    assert np.array_equal(order, -order.T)
    assert strict_order[:4, :4].tolist() == [[0] * 4] * 4 and strict_order[:4, 4].tolist() == [1] * 4
    for dominance in ("weak", "strict"):
        box, box_order = robust_pair_share(TIED, w_lo=0.2, w_hi=0.6, method=method, dominance=dominance,
                                           return_pairs=True)
        assert box == pytest.approx(0.9)
        assert box_order[1, 2] == 1 and box_order[2, 3] == 0


def test_dominance_and_tol_are_checked():
    with pytest.raises(ValueError, match="dominance must be 'weak' or 'strict'"):
        robust_pair_share(TIED, dominance="pareto")
    with pytest.raises(ValueError, match="tol must be a non-negative number"):
        robust_pair_share(TIED, tol=-1e-9)


def test_tol_treats_small_differences_as_ties():
    x = np.array([[1.0, 0.5], [1.0 - 1e-12, 0.4]])  # d = (1e-12, 0.1)
    assert robust_pair_share(x, method="vertices", dominance="strict") == 1.0
    assert robust_pair_share(x, method="vertices", dominance="strict", tol=1e-9) == 0.0  # tied at w = e1
    assert robust_pair_share(x, method="vertices", dominance="weak", tol=1e-9) == 1.0
    y = np.array([[1.0, 0.5], [1.0 + 1e-12, 0.4]])  # d = (-1e-12, 0.1): behind at w = e1, by a rounding error
    assert robust_pair_share(y, method="vertices", dominance="weak") == 0.0
    assert robust_pair_share(y, method="vertices", dominance="weak", tol=1e-9) == 1.0


def _dominance_by_hand(x: np.ndarray) -> tuple[float, float]:
    """Weak and strict robust-pair shares over the whole simplex as plain vector dominance, pair by pair."""
    weak = strict = pairs = 0
    for a, b in itertools.combinations(range(len(x)), 2):
        d = x[a] - x[b]
        pairs += 1
        weak += bool((np.all(d >= 0) and np.any(d > 0)) or (np.all(d <= 0) and np.any(d < 0)))
        strict += bool(np.all(d > 0) or np.all(d < 0))
    return weak / pairs, strict / pairs


few_values = st.integers(2, 8).flatmap(lambda n: st.integers(1, 4).flatmap(
    lambda k: arrays(np.float64, (n, k), elements=st.sampled_from([0.0, 0.25, 0.5, 0.9, 1.0]))))


@settings(max_examples=150, deadline=None)
@given(few_values, st.sampled_from(["simplex", "box", "finite"]), st.integers(0, 2 ** 16))
def test_weak_share_is_at_least_the_strict_share(x, kind, seed):
    k = x.shape[1]
    rng = np.random.default_rng(seed)
    if kind == "simplex":
        kwargs = {}
    elif kind == "box":
        lo = rng.uniform(0, 1 / k, k)
        kwargs = {"w_lo": lo, "w_hi": lo + rng.uniform(0, 1, k) + (1 - lo.sum()) / k}
    else:
        kwargs = {"weights_set": rng.dirichlet(np.ones(k), size=3)}
    weak, weak_order = robust_pair_share(x, method="vertices", dominance="weak", return_pairs=True, **kwargs)
    strict, strict_order = robust_pair_share(x, method="vertices", dominance="strict", return_pairs=True, **kwargs)
    assert weak >= strict
    # every strictly robust order is a weakly robust one, the same way round
    assert np.array_equal(weak_order[strict_order != 0], strict_order[strict_order != 0])
    if kind == "simplex":
        assert (weak, strict) == pytest.approx(_dominance_by_hand(x), abs=1e-15)


@settings(max_examples=100, deadline=None)
@given(st.integers(2, 9).flatmap(lambda n: st.integers(1, 4).flatmap(
    lambda k: arrays(np.float64, (n, k), elements=st.floats(-10, 10, allow_nan=False)))))
def test_weak_equals_strict_when_no_indicator_has_a_shared_value(x):
    assume(all(len(np.unique(col)) == len(col) for col in x.T))
    assert robust_pair_share(x, method="vertices", dominance="weak") == \
        robust_pair_share(x, method="vertices", dominance="strict")


def test_units_with_missing_values_take_part_in_no_pair():
    x = np.array([[1.0, 1.0], [0.0, 0.0], [np.nan, 2.0]])
    share, order = robust_pair_share(x, return_pairs=True)
    assert share == 1.0 and not order[2].any() and not order[:, 2].any()
    assert np.isnan(robust_pair_share(x[[0, 2]]))


def test_box_vertices_by_hand():
    # 0.2 <= w <= 0.5, sum 1: two coordinates at bounds, the third = 1 - the two, within bounds only for
    # {0.2, 0.5} -> 0.3: the 6 permutations of (0.2, 0.3, 0.5)
    v = simplex_box_vertices([0.2] * 3, [0.5] * 3)
    expected = sorted(itertools.permutations((0.2, 0.3, 0.5)))
    np.testing.assert_allclose(v, np.array(expected), atol=1e-15)
    np.testing.assert_array_equal(simplex_box_vertices([0.0] * 3, [1.0] * 3), np.eye(3)[::-1])
    with pytest.raises(ValueError, match="no weight vector"):
        simplex_box_vertices([0.5] * 3, [1.0] * 3)


def test_finite_weight_set():
    x = np.array([[0.9, 0.1], [0.5, 0.5]])  # d = (0.4, -0.4): ahead under w1 > 1/2, behind under w1 < 1/2
    assert robust_pair_share(x, np.array([[0.6, 0.4], [0.9, 0.1]])) == 1.0
    assert robust_pair_share(x, np.array([[0.6, 0.4], [0.4, 0.6]])) == 0.0
    assert robust_pair_share(x, np.eye(2)) == robust_pair_share(x)  # the unit vectors span the simplex


distinct_pairs = st.integers(2, 12).flatmap(
    lambda n: arrays(np.float64, (n, 2), elements=st.floats(-100, 100, allow_nan=False), unique=True))


@settings(max_examples=100, deadline=None)
@given(distinct_pairs)
def test_two_indicators_share_is_one_plus_tau_a_over_two(x):
    # Over the whole simplex a pair is robust iff both indicators order it the same way (concordant): with
    # C concordant and D discordant among P pairs, no ties, C + D = P and tau_a = (C - D)/P, so C/P = (1 + tau_a)/2.
    share, order = robust_pair_share(x, method="vertices", return_pairs=True)
    n = x.shape[0]
    pairs = n * (n - 1) // 2
    robust = int(np.count_nonzero(order)) // 2
    tau_a = kendall_tau_a(x[:, 0], x[:, 1])
    c_minus_d = round(tau_a * pairs)
    assert abs(tau_a * pairs - c_minus_d) < 1e-9
    assert Fraction(robust, pairs) == (1 + Fraction(c_minus_d, pairs)) / 2  # exact, in rationals
    assert share == robust / pairs
    assert share == pytest.approx((1 + tau_a) / 2, abs=1e-15)


@pytest.mark.parametrize("dominance", ["weak", "strict"])
@pytest.mark.parametrize("k, seed, lo, hi", [(3, 0, None, None), (3, 1, 0.15, 0.6), (4, 2, 0.1, 0.4),
                                             (4, 3, [0.05, 0.1, 0.2, 0.25], [0.5, 0.3, 0.45, 0.35])])
@pytest.mark.parametrize("decimals", [None, 1])  # 1 decimal: many shared values, where the two rules differ
def test_lp_and_vertices_agree(k, seed, lo, hi, dominance, decimals):
    x = np.random.default_rng(seed).random((9, k))
    if decimals is not None:
        x = np.round(x, decimals)
    lp_share, lp_order = robust_pair_share(x, w_lo=lo, w_hi=hi, method="lp", dominance=dominance, return_pairs=True)
    vx_share, vx_order = robust_pair_share(x, w_lo=lo, w_hi=hi, method="vertices", dominance=dominance,
                                           return_pairs=True)
    assert lp_share == vx_share
    np.testing.assert_array_equal(lp_order, vx_order)
    if lo is not None and dominance == "strict":  # a smaller weight set can only make more pairs strictly robust
        assert vx_share >= robust_pair_share(x, method="vertices", dominance=dominance)
