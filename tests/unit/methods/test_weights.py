"""Weighting catalogue: hand-computed tables, invariants as properties, and the perturbation samplers."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra.numpy import arrays

from dti_bench.errors import MethodError
from dti_bench.methods import aggregate
from dti_bench.methods.weights import bod_weights, critic, entropy, noise, pca, sd, simplex
from dti_bench.methods.registry import functions
from dti_bench.methods.weights import noise as _noise, simplex as _simplex
PERTURBATIONS = {"noise": _noise, "simplex": _simplex}
WEIGHTERS = functions("weights")

# A 4-unit block whose correlations are 0 or +-1 (used by the CRITIC and PCA tables):
A = np.array([1.0, 1.0, 0.0, 0.0])
B = np.array([1.0, 0.0, 1.0, 0.0])   # uncorrelated with A
C = 2.0 * A                          # r(A, C) = 1, twice A's spread
D = 1.0 - A                          # r(A, D) = -1


def _scores(weights: np.ndarray, x: np.ndarray) -> np.ndarray:
    """The BoD score of each unit under its own weights (missing children contribute 0)."""
    return (weights * np.nan_to_num(x)).sum(axis=1)


# -- the contract, for every registered method --------------------------------------------------------------

def test_registry_names_and_read_only():
    assert list(WEIGHTERS) == ["nominal", "equal", "pca", "entropy", "critic", "sd", "bod_weights"]
    with pytest.raises(TypeError):
        WEIGHTERS["mine"] = pca  # type: ignore[index]


BLOCK = np.array([
    [0.10, 0.90, 0.40, 0.30],
    [0.50, 0.20, np.nan, 0.80],
    [0.90, 0.60, 0.70, 0.10],
    [0.30, 0.10, 0.20, 0.60],
    [0.70, 0.40, 1.00, 0.90],
    [0.00, 1.00, 0.50, 0.00],
    [1.00, 0.00, 0.90, 0.50],
    [0.60, 0.70, 0.00, 1.00],
])


@pytest.mark.parametrize("name", list(WEIGHTERS))
def test_every_method_returns_non_negative_finite_weights_of_the_right_shape(name):
    nominal_w = np.array([1.0, 2.0, 1.0, 1.0])
    out = np.asarray(WEIGHTERS[name](BLOCK, nominal_w))
    assert out.shape == ((8, 4) if name == "bod_weights" else (4,))
    assert np.all(np.isfinite(out)) and np.all(out >= 0)
    assert np.all(out.sum(axis=-1) > 0)


@pytest.mark.parametrize("name", list(WEIGHTERS))
def test_a_single_child_gets_all_the_weight(name):
    out = np.asarray(WEIGHTERS[name](BLOCK[:, [0]], np.array([3.0])), dtype=float)
    normalised = out / out.sum(axis=-1, keepdims=True)
    np.testing.assert_allclose(normalised, 1.0)


blocks = st.tuples(st.integers(3, 8), st.integers(1, 4)).flatmap(
    lambda shape: arrays(float, shape, elements=st.one_of(st.integers(0, 8).map(lambda v: v / 8),
                                                           st.just(np.nan))))


@pytest.mark.parametrize("name", list(WEIGHTERS))
@settings(max_examples=30, deadline=None)
@given(x=blocks)
def test_contract_holds_on_arbitrary_blocks(name, x):
    complete = int((~np.isnan(x).any(axis=1)).sum())
    if name in ("pca", "critic") and complete < 2 and x.shape[1] > 1:
        with pytest.raises(MethodError, match="at least 2 units"):
            WEIGHTERS[name](x, np.ones(x.shape[1]))
        return
    out = np.asarray(WEIGHTERS[name](x, np.ones(x.shape[1])), dtype=float)
    assert out.shape[-1] == x.shape[1] and out.ndim == (2 if name == "bod_weights" else 1)
    assert np.all(np.isfinite(out)) and np.all(out >= 0)
    if name != "bod_weights":
        assert out.sum() > 0


# -- standard deviation ----------------------------------------------------------------------------------

# Three units, complete: sample sds (ddof 1) 2, 1 and 0 -> weights 2/3, 1/3, 0 (the constant child gets none).
SD_TABLE = np.array([[1.0, 4.0, 7.0],
                     [3.0, 5.0, 7.0],
                     [5.0, 6.0, 7.0]])


def test_sd_hand_computed_table():
    np.testing.assert_allclose(sd(SD_TABLE, np.ones(3)), [2 / 3, 1 / 3, 0.0], rtol=1e-15)


def test_sd_uses_each_childs_present_values_with_ddof_one():
    # child 0: 1, 3, 5 present (n = 3): s = 2; child 1: 0, 1, 2, 3 (n = 4): mean 1.5, s = sqrt((2.25 + 0.25) * 2 / 3)
    x = np.array([[1.0, 0.0], [3.0, 1.0], [np.nan, 2.0], [5.0, 3.0]])
    s1 = math.sqrt(5.0 / 3.0)
    np.testing.assert_allclose(sd(x, np.ones(2)), [2 / (2 + s1), s1 / (2 + s1)], rtol=1e-15)
    # the same as pandas' std (skipna, ddof 1), an independent implementation; with ddof 0 the weights would differ
    # (sqrt(n/(n - 1)) does not cancel when the children have different n)
    spread = pd.DataFrame(x).std().to_numpy()
    np.testing.assert_allclose(sd(x, np.ones(2)), spread / spread.sum(), rtol=1e-14)
    biased = pd.DataFrame(x).std(ddof=0).to_numpy()
    assert not np.allclose(sd(x, np.ones(2)), biased / biased.sum(), rtol=1e-6)


def test_sd_degenerate_children():
    # one present value, or all equal: no spread, weight 0; nothing varies: equal weights
    x = np.array([[1.0, 2.0, np.nan], [3.0, 2.0, 9.0], [5.0, 2.0, np.nan]])
    np.testing.assert_array_equal(sd(x, np.ones(3)), [1.0, 0.0, 0.0])
    np.testing.assert_array_equal(sd(np.full((4, 3), 0.1), np.ones(3)), [1 / 3] * 3)
    np.testing.assert_array_equal(sd(np.full((4, 2), np.nan), np.ones(2)), [0.5, 0.5])
    # squares near the float maximum: measured in units of the largest value, not taken for infinite
    huge = np.array([[1e200, 1.0], [3e200, 2.0], [5e200, 3.0]])
    np.testing.assert_allclose(sd(huge, np.ones(2)), [1.0, 0.5e-200], rtol=1e-12)


@settings(max_examples=60, deadline=None)
@given(x=arrays(float, (6, 3), elements=st.floats(0.0, 10.0)), shift=st.floats(-50.0, 50.0),
       factor=st.floats(0.1, 10.0))
def test_sd_weights_ignore_shifts_and_follow_a_childs_scale(x, shift, factor):
    w = sd(x, np.ones(3))
    assert math.isclose(w.sum(), 1.0, rel_tol=1e-12) and (w >= 0).all()
    # adding a constant to a child leaves its sd, hence every weight (up to rounding; a constant child stays 0)
    moved = x.copy()
    moved[:, 0] += shift
    if np.ptp(x[:, 0]) > 1e-6:
        np.testing.assert_allclose(sd(moved, np.ones(3)), w, rtol=1e-6, atol=1e-9)
    # multiplying one child by c multiplies its sd by c: the weight ratios to it change by c
    scaled = x.copy()
    scaled[:, 1] *= factor
    v = sd(scaled, np.ones(3))
    if np.ptp(x[:, 1]) > 1e-6 and np.ptp(x[:, 2]) > 1e-6:   # both vary, so both weights are their sds' shares
        assert math.isclose((v[1] / v[2]) / (w[1] / w[2]), factor, rel_tol=1e-9)


def test_sd_weights_through_the_pipeline_equal_a_plain_computation(example_framework, example_data):
    from dti_bench.index import compute_index

    m = {"normalise": {"method": "minmax", "lo": 0, "hi": 1}, "weights": "sd"}
    result = compute_index(example_framework, example_data, m)
    values = result.values
    for comp in example_framework.composites:
        kids = list(example_framework.children(comp))
        spread = values[kids].std()       # pandas: ddof 1, missing values skipped per child
        np.testing.assert_allclose(result.weights[comp].to_numpy(), (spread / spread.sum()).to_numpy(), rtol=1e-12)


# -- entropy ---------------------------------------------------------------------------------------------

# 4 units, so ln n = ln 4. Column by column, p = x / column sum and e = -sum p ln p / ln 4:
#   E1 = (1, 1, 1, 1): p = 1/4 each,       e = ln 4 / ln 4 = 1       d = 0
#   E2 = (1, 1, 0, 0): p = (1/2, 1/2, 0, 0), e = ln 2 / ln 4 = 1/2     d = 1/2
#   E3 = (2, 0, 0, 0): p = (1, 0, 0, 0),   e = 0                     d = 1
#   E4 = (1, 1, 1, 0): p = 1/3 (x3),       e = ln 3 / ln 4 = 0.79248  d = 0.20752
# sum d = 1.70752 -> w = (0, 0.29282, 0.58565, 0.12153)
ENTROPY_TABLE = np.array([
    [1.0, 1.0, 2.0, 1.0],
    [1.0, 1.0, 0.0, 1.0],
    [1.0, 0.0, 0.0, 1.0],
    [1.0, 0.0, 0.0, 0.0],
])


def test_entropy_hand_computed_table():
    d = np.array([0.0, 0.5, 1.0, 1.0 - math.log(3) / math.log(4)])
    np.testing.assert_allclose(entropy(ENTROPY_TABLE, np.ones(4)), d / d.sum(), rtol=1e-12)
    np.testing.assert_allclose(d / d.sum(), [0.0, 0.29282, 0.58565, 0.12153], atol=1e-5)


def test_entropy_skips_missing_values_per_child():
    # A unit missing everything changes nothing; a value present in E2 only changes E2's d, so the
    # ratio of the untouched children's weights (E3 : E4 = 1 : 0.20752) stays.
    with_empty_row = np.vstack([ENTROPY_TABLE, np.full(4, np.nan)])
    np.testing.assert_allclose(entropy(with_empty_row, None), entropy(ENTROPY_TABLE, None), rtol=1e-12)
    with_partial_row = np.vstack([ENTROPY_TABLE, [np.nan, 3.0, np.nan, np.nan]])
    w = entropy(with_partial_row, None)
    assert w[0] == 0.0
    np.testing.assert_allclose(w[2] / w[3], 1.0 / (1.0 - math.log(3) / math.log(4)), rtol=1e-12)


def test_entropy_degenerate_cases():
    constant = np.ones((5, 3))
    np.testing.assert_allclose(entropy(constant, None), 1.0 / 3.0)           # every d = 0 -> equal
    zeros_and_one_value = np.array([[0.0, np.nan, 1.0], [0.0, 5.0, 0.0], [0.0, np.nan, 0.0]])
    np.testing.assert_allclose(entropy(zeros_and_one_value, None), [0.0, 0.0, 1.0])
    with pytest.raises(MethodError, match="non-negative.*unit 1, child 0"):
        entropy(np.array([[0.5, 0.1], [-0.2, 0.3]]), None)


@settings(max_examples=50, deadline=None)
@given(x=arrays(float, (6, 3), elements=st.integers(0, 9).map(float)), scale=st.floats(1e-3, 1e3))
def test_entropy_is_invariant_to_rescaling_a_child(x, scale):
    scaled = x.copy()
    scaled[:, 1] *= scale
    np.testing.assert_allclose(entropy(scaled, None), entropy(x, None), atol=1e-9)


# -- CRITIC ----------------------------------------------------------------------------------------------

# Columns A, B, C = 2A, D = 1 - A on 4 units. Sample sds (ddof = 1): A, B, D: sqrt(1/3); C: 2 sqrt(1/3).
# Correlations: r(A,B) = r(B,C) = r(B,D) = 0, r(A,C) = 1, r(A,D) = r(C,D) = -1. With s = sqrt(1/3):
#   C_A = s  [(1-0) + (1-1) + (1+1)] = 3s
#   C_B = s  [(1-0) + (1-0) + (1-0)] = 3s
#   C_C = 2s [(1-1) + (1-0) + (1+1)] = 6s
#   C_D = s  [(1+1) + (1-0) + (1+1)] = 5s      -> w = (3, 3, 6, 5) / 17
CRITIC_TABLE = np.column_stack([A, B, C, D])


def test_critic_hand_computed_table():
    np.testing.assert_allclose(critic(CRITIC_TABLE, np.ones(4)), np.array([3, 3, 6, 5]) / 17, rtol=1e-12)


def test_critic_uses_the_spread_as_given():
    # Doubling B doubles sigma_B and leaves every r: C_B = 6s, the others unchanged -> (3, 6, 6, 5) / 20.
    doubled = CRITIC_TABLE * np.array([1.0, 2.0, 1.0, 1.0])
    np.testing.assert_allclose(critic(doubled, None), np.array([3, 6, 6, 5]) / 20, rtol=1e-12)


def test_critic_constant_children_and_missing_values():
    # A constant child gets 0 and does not enter the others' sums.
    with_constant = np.column_stack([CRITIC_TABLE, np.full(4, 0.7)])
    np.testing.assert_allclose(critic(with_constant, None), np.array([3, 3, 6, 5, 0]) / 17, rtol=1e-12)
    # Complete cases: a unit missing one child is dropped entirely.
    with_gap = np.vstack([CRITIC_TABLE, [0.3, np.nan, 0.9, 0.2]])
    np.testing.assert_allclose(critic(with_gap, None), np.array([3, 3, 6, 5]) / 17, rtol=1e-12)
    # Perfectly collinear children: every C_j = 0 -> equal weights (rounding must not pick a winner).
    collinear = np.column_stack([A, 3 * A + 1, 0.1 * A])
    np.testing.assert_allclose(critic(collinear, None), 1 / 3, rtol=1e-12)
    with pytest.raises(MethodError, match="at least 2 units"):
        critic(np.array([[0.1, np.nan], [np.nan, 0.2], [0.3, 0.4]]), None)


# -- PCA -------------------------------------------------------------------------------------------------

def test_pca_two_children_with_known_correlation_get_equal_weights():
    # x1 deviations (-2, -1, 0, 1, 2), x2 deviations (-1, -2, 1, 0, 2): sum of products 8, sums of squares
    # 10 and 10, so r = 0.8. R = [[1, .8], [.8, 1]] has eigenvalues 1.8 and 0.2, leading eigenvector
    # (1, 1)/sqrt 2: loadings sqrt(1.8)/sqrt(2) = 0.9487 each, squared 0.9 each -> weights (1/2, 1/2).
    x1 = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    x2 = np.array([2.0, 1.0, 4.0, 3.0, 5.0])
    assert np.corrcoef(x1, x2)[0, 1] == pytest.approx(0.8)
    np.testing.assert_allclose(pca(np.column_stack([x1, x2]), None), [0.5, 0.5], rtol=1e-12)
    # r = -0.8: loadings (0.9487, -0.9487); squaring removes the sign.
    np.testing.assert_allclose(pca(np.column_stack([x1, -x2]), None), [0.5, 0.5], rtol=1e-12)


def test_pca_three_children_hand_computed():
    # P = A + B with A, B uncorrelated and of equal variance: r(P, A) = r(P, B) = 1/sqrt 2, r(A, B) = 0.
    # R v = 2 v for v = (sqrt 2, 1, 1)/2, so the squared loadings scaled to unity sum are (2, 1, 1)/4.
    # A constant fourth child gets 0.
    x = np.column_stack([A + B, A, B, np.full(4, 5.0)])
    np.testing.assert_allclose(pca(x, None), [0.5, 0.25, 0.25, 0.0], rtol=1e-12)


def test_pca_degenerate_cases():
    # Uncorrelated children: R = I, every eigenvalue ties at 1 -> the projector's diagonal, equal weights.
    np.testing.assert_allclose(pca(np.column_stack([A, B]), None), [0.5, 0.5])
    np.testing.assert_allclose(pca(np.ones((4, 3)), None), 1 / 3)
    # Complete cases: the unit missing a child does not count.
    with_gap = np.vstack([np.column_stack([A + B, A, B]), [9.0, np.nan, 0.0]])
    np.testing.assert_allclose(pca(with_gap, None), [0.5, 0.25, 0.25], rtol=1e-12)


@settings(max_examples=60, deadline=None)
@given(data=st.data(), units=st.integers(3, 10), k=st.integers(2, 4))
def test_pca_is_invariant_to_positive_rescaling_and_to_reversing_a_child(data, units, k):
    x = data.draw(arrays(float, (units, k), elements=st.integers(-50, 50).map(float)))
    j = data.draw(st.integers(0, k - 1))
    scale = data.draw(st.floats(1e-3, 1e3))
    w = pca(x, None)
    rescaled = x.copy()
    rescaled[:, j] *= scale
    np.testing.assert_allclose(pca(rescaled, None), w, atol=1e-7)
    reversed_ = x.copy()
    reversed_[:, j] *= -1.0
    np.testing.assert_allclose(pca(reversed_, None), w, atol=1e-7)
    assert w.sum() == pytest.approx(1.0)


# -- benefit of the doubt (the hybrid weighting; the BoD index itself is tested in test_aggregate.py) -----------

# Units (1, .5), (.5, 1), (.5, .5), (.8, .8). The first two are best on one child each (score 1 with all
# weight there). The third is (0.5/0.8) times the fourth, so its best weights are the fourth's: constraints
# w1 + .5 w2 <= 1, .5 w1 + w2 <= 1 and .8 (w1 + w2) <= 1 give max w1 + w2 = 1.25, hence scores
# .8 * 1.25 = 1 for the fourth and .5 * 1.25 = 0.625 for the third.
BOD_TABLE = np.array([[1.0, 0.5], [0.5, 1.0], [0.5, 0.5], [0.8, 0.8]])


def test_bod_weights_reproduce_the_hand_computed_scores():
    w = bod_weights(BOD_TABLE, np.ones(2))
    assert w.shape == (4, 2)
    np.testing.assert_allclose(_scores(w, BOD_TABLE), [1.0, 1.0, 0.625, 1.0], atol=1e-9)
    # The first unit's only optimum puts everything on its first child: v = (1, 0) (v1 <= 1 from its own row).
    np.testing.assert_allclose(w[0], [1.0, 0.0], atol=1e-9)


@st.composite
def bod_blocks(draw, positive=False):
    units = draw(st.integers(2, 7))
    k = draw(st.integers(1, 4))
    low = 1 if positive else 0
    return draw(arrays(float, (units, k), elements=st.integers(low, 40).map(lambda v: v / 4)))


def _random_feasible_values(x: np.ndarray, seed: int) -> np.ndarray:
    """For many weight directions v (basis vectors included), v . x_c scaled so that no unit exceeds 1."""
    k = x.shape[1]
    v = np.vstack([np.eye(k), np.random.default_rng(seed).random((200, k))])
    top = (x @ v.T).max(axis=0)
    keep = top > 0
    return (x @ v[keep].T) / top[keep]      # (units, directions): each a feasible score


@settings(max_examples=40, deadline=None)
@given(x=bod_blocks())
def test_bod_weights_solve_the_benefit_of_the_doubt_programme(x):
    w = bod_weights(x, np.ones(x.shape[1]))
    score = _scores(w, x)
    assert np.all(w >= 0)
    # Feasible: under each unit's weights, no unit (itself included) scores above 1.
    assert np.all(x @ w.T <= 1 + 1e-7)
    # Optimal: no feasible weighting found by search beats the LP.
    feasible = _random_feasible_values(x, seed=0)
    if feasible.size:
        assert np.all(feasible.max(axis=1) <= score + 1e-7)
    # The best unit is on the frontier (unless every value is 0, when every score is 0).
    assert score.max() == pytest.approx(1.0 if x.max() > 0 else 0.0, abs=1e-7)


@settings(max_examples=30, deadline=None)
@given(x=bod_blocks(), data=st.data())
def test_the_scores_of_bod_weights_are_invariant_to_rescaling_a_child(x, data):
    j = data.draw(st.integers(0, x.shape[1] - 1))
    scale = data.draw(st.floats(0.01, 100.0))
    rescaled = x.copy()
    rescaled[:, j] *= scale
    np.testing.assert_allclose(_scores(bod_weights(rescaled, np.ones(x.shape[1])), rescaled),
                               _scores(bod_weights(x, np.ones(x.shape[1])), x), atol=1e-7)


def test_the_hybrid_is_not_invariant_to_rescaling_a_child():
    """What the warning says: the parent's mean of the normalised BoD weights moves when a child is rescaled."""
    def hybrid(x):
        return aggregate.arithmetic(x, bod_weights(x, np.ones(2)))
    # The third unit, (0.5, 0.5), has optima v = (v1, 1.25 - v1) with 0.5 <= v1 <= 0.75 (the fourth unit's row
    # caps v1 + v2 at 1.25, the first two rows bound v1): its mean is 0.5 under any of them. With the first child
    # multiplied by 10 it is (5, 0.5) and its optima are (v1 / 10, 1.25 - v1): normalised, the first weight is
    # a = (v1 / 10) / (v1 / 10 + 1.25 - v1), in [0.05 / 0.8, 0.075 / 0.575], and its mean 0.5 + 4.5 a lies in
    # [0.78125, 1.0870]: never 0.5, whichever optimum the solver returns.
    before, after = hybrid(BOD_TABLE), hybrid(BOD_TABLE * [10.0, 1.0])
    assert before[2] == pytest.approx(0.5)
    assert 0.5 + 4.5 * 0.05 / 0.8 - 1e-9 <= after[2] <= 0.5 + 4.5 * 0.075 / 0.575 + 1e-9
    # ... while the BoD score of the same weights does not move.
    np.testing.assert_allclose(aggregate.bod(BOD_TABLE * [10.0, 1.0], np.ones(2)), aggregate.bod(BOD_TABLE, np.ones(2)))


@settings(max_examples=30, deadline=None)
@given(x=bod_blocks(positive=True), data=st.data())
def test_bod_weights_respect_the_share_bounds(x, data):
    k = x.shape[1]
    lo = data.draw(st.floats(0.0, 1.0 / k))
    hi = data.draw(st.floats(1.0 / k, 1.0))
    w = bod_weights(x, np.ones(k), bounds=[lo, hi])
    score = _scores(w, x)
    contribution = w * x
    # The linear form of lo <= w_i x_ci / score <= hi, at the solver's tolerance.
    assert np.all(contribution >= lo * score[:, None] - 1e-7)
    assert np.all(contribution <= hi * score[:, None] + 1e-7)
    assert np.all(x @ w.T <= 1 + 1e-7)
    # Restricting the weights can only lower a unit's best score.
    assert np.all(score <= _scores(bod_weights(x, np.ones(k)), x) + 1e-7)


def test_bod_weights_missing_values_zero_scores_and_bad_bounds():
    x = np.array([[1.0, np.nan], [0.5, 1.0], [0.0, 0.0], [np.nan, np.nan]])
    w = bod_weights(x, np.array([1.0, 3.0]))
    assert w[0, 1] == 0.0 and _scores(w, x)[0] == pytest.approx(1.0)
    # Unit 2 scores 0 under any weights: nominal weights, scaled so the tightest unit (unit 1) reaches 1.
    np.testing.assert_allclose(w[2], np.array([1.0, 3.0]) / (0.5 + 3.0))
    np.testing.assert_allclose(w[3], [1.0, 3.0])       # nothing present: nominal, aggregate is NaN anyway
    # lo > 0 and a zero child: the share cannot be met, so the unit scores 0 with weight on the zero child.
    z = np.array([[0.0, 1.0], [1.0, 1.0]])
    wz = bod_weights(z, np.ones(2), bounds=[0.2, 0.8])
    assert _scores(wz, z)[0] == 0.0 and wz[0, 0] > 0 and wz[0, 1] == 0.0
    with pytest.raises(MethodError, match=r"0 <= lo <= 1/k <= hi <= 1 \(k = 2 children"):
        bod_weights(z, np.ones(2), bounds=[0.6, 0.9])
    with pytest.raises(MethodError, match="0 <= lo <= 1/k <= hi <= 1"):
        bod_weights(z, np.ones(2), bounds=[0.5, 0.4])
    with pytest.raises(MethodError, match="non-negative"):
        bod_weights(-z, np.ones(2))


def test_a_child_of_nominal_weight_zero_gets_no_bod_weight():
    """As for every aggregator, weight 0 means "does not count": the programme has no variable for the child."""
    w = bod_weights(BOD_TABLE, np.array([1.0, 0.0]))
    assert np.all(w[:, 1] == 0.0)
    # On the first child alone, each unit scores its value over the best value (1.0).
    np.testing.assert_allclose(_scores(w, BOD_TABLE), [1.0, 0.5, 0.5, 0.8], atol=1e-9)


def test_parsing_bod_weights_warns_and_the_old_name_is_refused():
    from dti_bench.errors import ConfigError, MethodologyWarning
    from dti_bench.model.methodology import parse_methodology
    import dti_bench as db
    from dti_bench.model.scales import method_warnings

    m = parse_methodology({"weights": {"method": "bod_weights", "bounds": [0.1, 0.9]}})
    assert m.weights.method.function is bod_weights and m.weights.method.kwargs == {"bounds": [0.1, 0.9]}
    [line] = method_warnings(m)
    assert line.startswith("weights bod_weights(bounds=[0.1, 0.9]): bod_weights is not the benefit-of-the-doubt ")
    fw = db.load_framework("dti-provincial-2022")
    with pytest.warns(MethodologyWarning, match="bod_weights is not the benefit-of-the-doubt index.*rescaled"):
        assert db.compute_index(fw, db.load_dataset("dti2022-published-profiles"), m).warnings == (line,)
    with pytest.raises(ConfigError, match="^methodology.weights: weights method 'bod' is now 'bod_weights'"):
        parse_methodology({"weights": "bod"})
    with pytest.raises(ConfigError, match=r"methodology.weights: bod: bounds .* need 0 <= lo <= hi <= 1"):
        parse_methodology({"weights": {"method": "bod_weights", "bounds": [0.5, 0.4]}})


# -- perturbations ----------------------------------------------------------------------------------------

NOMINAL = np.array([5.0, 3.0, 2.0])


def test_noise_stays_within_its_band_and_reproduces_with_the_seed():
    eps = 0.25
    draws = noise(NOMINAL, noise=eps, rng=np.random.default_rng(7), size=1000)
    assert draws.shape == (1000, 3)
    np.testing.assert_allclose(draws.sum(axis=1), 1.0)
    # Before renormalisation w_i (1 + eps u_i) with u_i in [-1, 1]: the draws are the same uniforms.
    u = np.random.default_rng(7).uniform(-1.0, 1.0, size=(1000, 3))
    raw = NOMINAL * (1 + eps * u)
    assert np.all(raw >= NOMINAL * (1 - eps)) and np.all(raw <= NOMINAL * (1 + eps))
    np.testing.assert_allclose(draws, raw / raw.sum(axis=1, keepdims=True), rtol=1e-12)
    # The band seen after renormalisation: any two children's weight ratio moves by at most (1+eps)/(1-eps).
    ratio = (draws / NOMINAL) / (draws / NOMINAL).min(axis=1, keepdims=True)
    assert ratio.max() <= (1 + eps) / (1 - eps) + 1e-12
    np.testing.assert_array_equal(noise(NOMINAL, noise=eps, rng=np.random.default_rng(7), size=1000), draws)
    assert not np.array_equal(noise(NOMINAL, noise=eps, rng=np.random.default_rng(8), size=1000), draws)
    assert noise(NOMINAL, noise=eps, rng=np.random.default_rng(7)).shape == (3,)
    np.testing.assert_allclose(noise(NOMINAL, noise=0.0, rng=np.random.default_rng(7)), NOMINAL / 10)


def test_noise_mean_is_close_to_the_nominal_weights():
    n, eps = 200_000, 0.25
    # Equal weights: the mean is exact by symmetry; tolerance 5 standard errors.
    equal_draws = noise(np.ones(4), noise=eps, rng=np.random.default_rng(1), size=n)
    se = equal_draws.std(axis=0, ddof=1) / math.sqrt(n)
    assert np.all(np.abs(equal_draws.mean(axis=0) - 0.25) <= 5 * se)
    # Unequal weights: renormalisation biases the mean by at most w_i eps^2 / 3 (second order).
    draws = noise(NOMINAL, noise=eps, rng=np.random.default_rng(2), size=n)
    w = NOMINAL / NOMINAL.sum()
    se = draws.std(axis=0, ddof=1) / math.sqrt(n)
    assert np.all(np.abs(draws.mean(axis=0) - w) <= 5 * se + w * eps**2 / 3)


def test_noise_refuses_bad_arguments():
    rng = np.random.default_rng(0)
    for bad in (1.0, 1.5, -0.1):
        with pytest.raises(MethodError, match=r"\[0, 1\)"):
            noise(NOMINAL, noise=bad, rng=rng)
    with pytest.raises(MethodError, match="positive sum"):
        noise(np.array([0.0, 0.0]), noise=0.1, rng=rng)
    with pytest.raises(TypeError, match="Generator"):
        noise(NOMINAL, noise=0.1, rng=42)  # type: ignore[arg-type]


def test_simplex_is_uniform_by_default():
    n, k = 100_000, 4
    draws = simplex(k, rng=np.random.default_rng(3), size=n)
    assert draws.shape == (n, k) and np.all(draws >= 0)
    np.testing.assert_allclose(draws.sum(axis=1), 1.0)
    # Dirichlet(1, ..., 1): mean 1/k, variance (k - 1) / (k^2 (k + 1)) per component.
    se = math.sqrt((k - 1) / (k**2 * (k + 1)) / n)
    assert np.all(np.abs(draws.mean(axis=0) - 1 / k) <= 5 * se)
    assert simplex(k, rng=np.random.default_rng(3)).shape == (k,)
    np.testing.assert_array_equal(simplex(k, rng=np.random.default_rng(3), size=n), draws)


def test_simplex_respects_alpha_in_expectation():
    n = 100_000
    alpha = np.array([1.0, 2.0, 5.0])
    a0 = alpha.sum()
    draws = simplex(3, rng=np.random.default_rng(4), size=n, alpha=alpha)
    se = np.sqrt(alpha * (a0 - alpha) / (a0**2 * (a0 + 1)) / n)
    assert np.all(np.abs(draws.mean(axis=0) - alpha / a0) <= 5 * se)
    # A large symmetric alpha concentrates the draws near equal weights: variance (k-1)/(k^2 (k alpha + 1)).
    tight = simplex(3, rng=np.random.default_rng(5), size=n, alpha=100.0)
    np.testing.assert_allclose(tight.var(axis=0), 2 / (9 * 301), rtol=0.05)
    with pytest.raises(MethodError, match="alpha must be positive"):
        simplex(3, rng=np.random.default_rng(0), alpha=[1.0, 0.0, 1.0])
    with pytest.raises(MethodError, match="alpha must be a number or 3 numbers"):
        simplex(3, rng=np.random.default_rng(0), alpha=[1.0, 2.0])
