"""Rank distributions in memory linear in units: binned histograms against exact ranks in plain numpy."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from dti_bench.metrics.rank_distribution import (
    RankMoments, bin_edges, count_ranks, histogram_quantile, long_counts, n_bins, rank_bin_width,
)

PROBABILITIES = (0.05, 0.5, 0.95)


@st.composite
def rank_blocks(draw, max_units=12, max_samples=40):
    """(samples, units) whole ranks in 1..units, 0 = not ranked (a few), and a bin width 1..units."""
    n_units = draw(st.integers(1, max_units))
    n_samples = draw(st.integers(1, max_samples))
    seed = draw(st.integers(0, 2 ** 32 - 1))
    rng = np.random.default_rng(seed)
    ranks = rng.integers(1, n_units + 1, size=(n_samples, n_units))
    if draw(st.booleans()):
        ranks[rng.random(ranks.shape) < 0.2] = 0
    width = draw(st.integers(1, n_units))
    return ranks.astype(np.int16), width


def histogram(ranks: np.ndarray, width: int) -> np.ndarray:
    n_units = ranks.shape[1]
    counts = np.zeros((n_units, n_bins(n_units, width)), dtype=np.int32)
    count_ranks(counts, ranks, width)
    return counts


def plain_histogram(ranks: np.ndarray, width: int) -> np.ndarray:
    """Unit by unit, rank by rank: how many of the unit's ranks fall in each bin."""
    n_units = ranks.shape[1]
    lo, hi = np.arange(0, n_units, width) + 1, np.minimum(np.arange(0, n_units, width) + width, n_units)
    return np.array([[np.sum((ranks[:, u] >= a) & (ranks[:, u] <= b)) for a, b in zip(lo, hi)]
                     for u in range(n_units)])


@settings(max_examples=150, deadline=None)
@given(rank_blocks())
def test_histogram_counts_every_ranked_sample_in_its_bin(block):
    ranks, width = block
    counts = histogram(ranks, width)
    np.testing.assert_array_equal(counts, plain_histogram(ranks, width))
    assert counts.shape[1] <= -(-ranks.shape[1] // width)


@settings(max_examples=200, deadline=None)
@given(rank_blocks())
def test_binned_quantiles_are_within_one_bin_of_the_exact_ones(block):
    ranks, width = block
    counts = histogram(ranks, width)
    moments = RankMoments.of(ranks)
    n_units = ranks.shape[1]
    for p in PROBABILITIES:
        q = histogram_quantile(counts, width, p, n_units, rank_min=moments.rank_min, rank_max=moments.rank_max)
        for u in range(n_units):
            seen = ranks[ranks[:, u] > 0, u]
            if not seen.size:
                assert q[u] == 0
                continue
            exact = int(np.quantile(seen, p, method="inverted_cdf"))
            assert abs(int(q[u]) - exact) <= width - 1
            assert (q[u] - 1) // width == (exact - 1) // width  # the same bin
            if width == 1:
                assert q[u] == exact


@settings(max_examples=150, deadline=None)
@given(rank_blocks(), st.lists(st.integers(1, 14), min_size=1, max_size=3), st.integers(0, 3))
def test_streamed_moments_equal_plain_numpy(block, top_k, m):
    ranks, _ = block
    n_units = ranks.shape[1]
    nominal = np.arange(1, n_units + 1, dtype=float)
    nominal[0] = np.nan  # a unit the nominal methodology leaves unranked
    got = RankMoments.of(ranks, top_k=top_k, nominal=nominal, within=m)
    mean, sd = got.mean(), got.sd()
    for u in range(n_units):
        seen = ranks[ranks[:, u] > 0, u].astype(float)
        assert got.ranked[u] == seen.size
        if not seen.size:
            assert np.isnan(mean[u]) and np.isnan(sd[u]) and got.rank_min[u] == got.rank_max[u] == 0
            continue
        assert mean[u] == pytest.approx(seen.mean(), rel=1e-15)
        assert sd[u] == pytest.approx(seen.std(), rel=1e-12, abs=1e-12)
        assert (got.rank_min[u], got.rank_max[u]) == (seen.min(), seen.max())
        for k in top_k:
            assert got.top[k][u] == np.sum(seen <= k)
        assert got.within[u] == (0 if np.isnan(nominal[u]) else np.sum(np.abs(seen - nominal[u]) <= m))


@settings(max_examples=100, deadline=None)
@given(rank_blocks(), st.integers(1, 39))
def test_blocks_add_up_to_the_whole_whatever_the_split(block, cut):
    ranks, width = block
    cut = min(cut, ranks.shape[0])
    nominal = np.arange(1, ranks.shape[1] + 1, dtype=float)
    whole = RankMoments.of(ranks, top_k=(1, 3), nominal=nominal, within=1)
    parts = RankMoments.of(ranks[:cut], top_k=(1, 3), nominal=nominal, within=1) + \
        RankMoments.of(ranks[cut:], top_k=(1, 3), nominal=nominal, within=1)
    for name in ("ranked", "rank_sum", "rank_sq", "rank_min", "rank_max", "within"):
        np.testing.assert_array_equal(getattr(whole, name), getattr(parts, name), err_msg=name)
    for k in (1, 3):
        np.testing.assert_array_equal(whole.top[k], parts.top[k])
    split = histogram(ranks[:cut], width) + histogram(ranks[cut:], width)
    np.testing.assert_array_equal(split, histogram(ranks, width))


@settings(max_examples=100, deadline=None)
@given(rank_blocks())
def test_moments_from_the_exact_table_equal_the_streamed_ones(block):
    ranks, _ = block
    nominal = np.arange(1, ranks.shape[1] + 1, dtype=float)
    nominal[-1] = np.nan
    streamed = RankMoments.of(ranks, top_k=(2,), nominal=nominal, within=1)
    counted = RankMoments.from_counts(histogram(ranks, 1), top_k=(2,), nominal=nominal, within=1)
    for name in ("ranked", "rank_sum", "rank_sq", "rank_min", "rank_max", "within"):
        np.testing.assert_array_equal(getattr(streamed, name), getattr(counted, name), err_msg=name)
    np.testing.assert_array_equal(streamed.top[2], counted.top[2])


def test_bin_width_and_edges():
    assert [rank_bin_width(n, 1000) for n in (1, 63, 1000, 1001, 6300, 100_000)] == [1, 1, 1, 2, 7, 100]
    lo, hi = bin_edges(10, 4)  # ranks 1-4, 5-8, 9-10: the last bin is narrower
    assert lo.tolist() == [1, 5, 9] and hi.tolist() == [4, 8, 10]
    with pytest.raises(ValueError, match="positive whole number"):
        rank_bin_width(10, 0)


def test_quantile_within_a_bin_by_hand():
    # one unit, ranks 1..10 in bins of 5: samples 2 x rank 1, 1 x rank 4 (bin 1-5: 3), 1 x rank 9 (bin 6-10)
    counts = np.array([[3, 1]])
    # median: p N = 2 of the 3 samples in bin 1-5, spread evenly over its 5 ranks: ceil(5 * 2 / 3) = 4th rank
    assert histogram_quantile(counts, 5, 0.5, 10).tolist() == [4]
    # the exact extremes clamp it: here the largest rank is 9, the smallest 1
    assert histogram_quantile(counts, 5, 0.95, 10, rank_min=np.array([1]), rank_max=np.array([9])).tolist() == [9]
    assert histogram_quantile(counts, 5, 0.05, 10, rank_min=np.array([1]), rank_max=np.array([9])).tolist() == [1]
    assert histogram_quantile(np.array([[0, 0]]), 5, 0.5, 10).tolist() == [0]  # never ranked


def test_sd_by_hand_and_exact_for_large_sums():
    m = RankMoments.of(np.array([[1], [3]]))  # ranks 1 and 3: mean 2, sd 1 (divisor N)
    assert m.mean().tolist() == [2.0] and m.sd().tolist() == [1.0]
    # 10^9 samples at ranks 99,999 and 100,000: N sum r^2 - (sum r)^2 = N^2 / 4 exactly; float sums would cancel
    n = 10 ** 9
    big = RankMoments(np.array([n]), np.array([n // 2 * 99_999 + n // 2 * 100_000]),
                      np.array([n // 2 * 99_999 ** 2 + n // 2 * 100_000 ** 2]), np.array([99_999]),
                      np.array([100_000]))
    assert big.sd().tolist() == [0.5]


def test_long_counts_leave_out_empty_cells_and_sum_to_the_samples():
    rng = np.random.default_rng(4)
    ranks = rng.integers(1, 51, size=(30, 50)).astype(np.int16)
    counts = histogram(ranks, 7)
    unit, b, count = long_counts(counts)
    assert (count > 0).all() and len(count) == np.count_nonzero(counts)
    np.testing.assert_array_equal(np.bincount(unit, weights=count, minlength=50), np.full(50, 30))
    np.testing.assert_array_equal(counts[unit, b], count)
