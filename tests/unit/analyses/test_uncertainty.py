"""Monte Carlo uncertainty: factor parsing, sampling determinism, and the statistics by hand."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra.numpy import arrays

from dti_bench.model.methodology import parse_methodology
from dti_bench.analyses.factors import parse_factors
from dti_bench.analyses.sampling import BLOCK, monte_carlo, problem, to_batch
from dti_bench.engine.batch import Engine
from dti_bench.errors import ConfigError, MethodError
from dti_bench.analyses.uncertainty import UncertaintyResult, uncertainty as run_uncertainty

NOMINAL = parse_methodology({"normalise": {"method": "minmax", "lo": 1, "hi": 100}})
FACTORS = [
    {"path": "normalise", "choices": [{"method": "minmax", "lo": 1, "hi": 100}, {"method": "zscore", "m": 10, "s": 2}],
     "name": "normalisation"},
    {"path": "aggregate.method", "choices": ["arithmetic", "geometric"], "name": "aggregation"},
    {"path": "weights", "noise": 0.25, "levels": [1, 2], "name": "weight noise"},
]


@pytest.fixture(scope="module")
def factors(example_framework):
    return parse_factors(FACTORS, example_framework, NOMINAL, "factors")


def test_factor_dimensions_and_salib_groups(factors, example_framework):
    assert [f.kind for f in factors] == ["choice", "choice", "noise"]
    assert factors[2].dimension == len(example_framework.edges) == 8  # 6 indicator weights + 2 pillar weights
    prob = problem(factors)
    assert prob["num_vars"] == 10 and prob["groups"].count("weight noise") == 8


def test_monte_carlo_rows_do_not_depend_on_slicing(factors):
    whole = monte_carlo(factors, 7, 0, 3 * BLOCK + 5)
    assert np.array_equal(whole[BLOCK - 3: 2 * BLOCK + 4], monte_carlo(factors, 7, BLOCK - 3, 2 * BLOCK + 4))
    assert not np.array_equal(whole[:10], monte_carlo(factors, 8, 0, 10))


def test_to_design_maps_bins_and_noise(factors, example_framework):
    u = np.array([[0.1, 0.9] + [0.0] * 8, [0.5, 0.49] + [1.0 - 1e-12] * 8])
    d = to_batch(u, factors, example_framework, NOMINAL)
    m0, m1 = d.methodologies[d.which[0]], d.methodologies[d.which[1]]
    assert (m0.normalise.default.name, m0.aggregate.default.name) == ("minmax", "geometric")
    assert (m1.normalise.default.name, m1.aggregate.default.name) == ("zscore", "arithmetic")
    np.testing.assert_allclose(d.weight_factor[0], 0.75)  # u = 0: w(1 - 0.25)
    np.testing.assert_allclose(d.weight_factor[1], 1.25, rtol=1e-10)


@pytest.mark.parametrize("bad, message", [
    ({"path": "normalise.method", "choices": ["minmx"]}, "unknown method 'minmx'"),
    ({"path": "weights", "noise": 1.5}, "noise: expected a fraction"),
    ({"path": "aggregate.p", "range": [2, 1]}, "low < high"),
    ({"path": "colour", "choices": [1]}, "unknown methodology path 'colour'"),
    ({"path": "weights", "noise": 0.2, "levels": [7]}, "no weight at levels"),
    ({"path": "normalise.method", "choices": ["rank"], "bins": 3}, "unknown key 'bins'"),
    ({"path": "indicators", "exclude": 1.0}, "probability in \\[0, 1\\)"),
])
def test_bad_factors_name_the_key(example_framework, bad, message):
    with pytest.raises(ConfigError, match=message):
        parse_factors([bad], example_framework, NOMINAL, "analyses.uncertainty.factors")


def test_statistics_by_hand():
    # two units; unit a: ranks 1, 1, 2, 2 over four samples; unit b: 2, 2, 1, 1; nominal a = 1, b = 2
    freq = np.array([[2, 2], [2, 2]])
    res = UncertaintyResult(("a", "b"), ("A", "B"), "index", 4, np.array([1.0, 2.0]), freq, np.array([2, 2]),
                            np.array([0, 0, 1, 1.0]), np.array([0, 0, 1, 1.0]), np.array([1, 1, -1, -1.0]), {})
    t = res.table(top_k=(1,))
    assert t["mean_rank"].tolist() == [1.5, 1.5]
    assert t["median_rank"].tolist() == [1, 1]  # smallest r with P(rank <= r) >= 0.5
    assert t["q05_rank"].tolist() == [1, 1] and t["q95_rank"].tolist() == [2, 2]
    assert t["mean_abs_shift"].tolist() == [0.5, 0.5] and t["p_top1"].tolist() == [0.5, 0.5]
    assert res.summary()["mean_abs_rank_shift"] == 0.5
    long = res.frequency_table()  # long and sparse: one row per unit and rank that occurred
    assert long.columns.tolist() == ["unit", "rank_lo", "rank_hi", "count", "share"]
    assert long.values.tolist() == [["a", 1, 1, 2, 0.5], ["a", 2, 2, 2, 0.5], ["b", 1, 1, 2, 0.5], ["b", 2, 2, 2, 0.5]]


def test_statistics_match_the_ranks_of_the_samples(example_framework, example_data, factors):
    res = run_uncertainty(example_framework, example_data, NOMINAL, factors, n=600, seed=3, keep_ranks=True)
    u = monte_carlo(factors, 3, 0, 600)
    ev = Engine(example_framework, example_data).evaluate(to_batch(u, factors, example_framework, NOMINAL))
    ranks = ev.ranks[:, :, -1]
    assert np.array_equal(res.ranks, ranks.astype(np.int16))
    t = res.table()
    np.testing.assert_allclose(t["mean_rank"], ranks.mean(axis=0))
    np.testing.assert_array_equal(t["median_rank"], np.quantile(ranks, 0.5, axis=0, method="inverted_cdf"))
    np.testing.assert_array_equal(t["q05_rank"], np.quantile(ranks, 0.05, axis=0, method="inverted_cdf"))
    np.testing.assert_array_equal(t["q95_rank"], np.quantile(ranks, 0.95, axis=0, method="inverted_cdf"))
    nominal = res.nominal_ranks
    np.testing.assert_allclose(t["mean_abs_shift"], np.abs(ranks - nominal).mean(axis=0))
    np.testing.assert_allclose(res.rbar, np.abs(ranks - nominal).mean(axis=1))
    assert (res.frequency.sum(axis=1) == 600).all()


# the process and dask executors start processes of their own (seconds each): make test runs them, test-fast not
@pytest.mark.parametrize("chunk, executor", [(1000, "serial"), (97, "serial"),
                                             pytest.param(250, "process", marks=pytest.mark.slow),
                                             pytest.param(333, "dask", marks=pytest.mark.slow)])
def test_results_identical_whatever_chunk_size_and_executor(example_framework, example_data, factors, chunk, executor):
    pytest.importorskip("dask.distributed") if executor == "dask" else None
    ref = run_uncertainty(example_framework, example_data, NOMINAL, factors, n=1000, seed=11, chunk_size=1000)
    res = run_uncertainty(example_framework, example_data, NOMINAL, factors, n=1000, seed=11,
                          chunk_size=chunk, executor=executor, workers=2)
    assert np.array_equal(ref.frequency, res.frequency)
    assert np.array_equal(ref.rbar, res.rbar, equal_nan=True)
    assert np.array_equal(ref.spearman, res.spearman, equal_nan=True)
    assert np.array_equal(ref.top_k_retained, res.top_k_retained, equal_nan=True)
    assert ref.table().equals(res.table())
    assert ref.stability().equals(res.stability())
    assert ref.summary()["top_k_robustness"] == res.summary()["top_k_robustness"]


def test_failed_samples_are_counted_and_left_out(example_framework, example_data):
    nominal = parse_methodology({"normalise": {"method": "minmax", "lo": 0, "hi": 1}})
    factors = parse_factors([{"path": "aggregate.method", "choices": ["arithmetic", "geometric"]}],
                            example_framework, nominal, "f")
    res = run_uncertainty(example_framework, example_data, nominal, factors, n=200, seed=1)
    n_failed = res.summary()["failed"]
    assert 50 < n_failed < 150  # geometric meets min-max zeros in about half the samples
    assert "geometric mean met 0.0" in res.summary()["failure_reasons"][0]["reason"]
    assert (res.frequency.sum(axis=1) == 200 - n_failed).all()


def test_parent_side_counting_for_many_units_gives_the_same_result(example_framework, example_data, factors,
                                                                   monkeypatch):
    import dti_bench.analyses.uncertainty as unc

    ref = run_uncertainty(example_framework, example_data, NOMINAL, factors, n=500, seed=2, chunk_size=128)
    monkeypatch.setattr(unc, "PARENT_COUNTS_ABOVE", 2)  # pretend 8 units are many: chunks ship ranks instead
    res = run_uncertainty(example_framework, example_data, NOMINAL, factors, n=500, seed=2, chunk_size=128)
    assert np.array_equal(ref.frequency, res.frequency) and res.ranks is None
    assert np.array_equal(ref.top_k_retained, res.top_k_retained)
    assert ref.summary()["top_k_robustness"] == res.summary()["top_k_robustness"]


def test_count_ranks_by_hand():
    from dti_bench.analyses.uncertainty import count_ranks

    freq = np.zeros((3, 3), dtype=np.int32)
    count_ranks(freq, np.array([[1, 2, 3], [2, 1, 0], [1, 1, 3]], dtype=np.int16))  # 0 = unranked
    assert freq.tolist() == [[2, 1, 0], [2, 1, 0], [0, 0, 2]]  # u0: 1, 2, 1; u1: 2, 1, 1; u2: 3, -, 3


# -- the fast paths give what the general ones give ---------------------------------------------------------

def test_to_design_lists_the_used_methodologies_in_settings_order(factors, example_framework):
    from dti_bench.analyses.factors import methodology_for

    u = monte_carlo(factors, 4, 0, 300)
    u[:100, 0] = 0.2  # normalisation fixed to its first choice in a third of the rows
    d = to_batch(u, factors, example_framework, NOMINAL)
    bins = [np.minimum((u[:, j] * 2).astype(int), 1) for j in (0, 1)]
    rows = sorted({(int(a), int(b)) for a, b in zip(*bins)})  # the rows used, as np.unique(rows, axis=0) sorts them
    assert d.methodologies == tuple(methodology_for(NOMINAL, [(factors[0], factors[0].choices[a]),
                                                              (factors[1], factors[1].choices[b])], example_framework)
                                    for a, b in rows)
    assert d.which.tolist() == [rows.index((int(a), int(b))) for a, b in zip(*bins)]
    again = to_batch(u, factors, example_framework, NOMINAL)  # from the per-process memo: the same design
    assert again.methodologies == d.methodologies and np.array_equal(again.which, d.which)


def test_to_design_memo_tells_nominal_methodologies_apart(factors, example_framework):
    other = parse_methodology({"normalise": {"method": "minmax", "lo": 1, "hi": 100}, "impute": {"method": "mean"}})
    u = monte_carlo(factors, 4, 0, 50)
    a = to_batch(u, factors, example_framework, NOMINAL)
    b = to_batch(u, factors, example_framework, other)
    assert all(m.impute.name == "mean" for m in b.methodologies)
    assert all(m.impute.name != "mean" for m in a.methodologies)


def test_to_design_overlapping_noise_multiplies_and_untouched_edges_stay_one(example_framework):
    fs = parse_factors([{"path": "weights", "noise": 0.25, "levels": [1, 2], "name": "all"},
                        {"path": "weights", "noise": 0.1, "levels": [2], "name": "pillars"}],
                       example_framework, NOMINAL, "f")
    u = monte_carlo(fs, 9, 0, 40)
    d = to_batch(u, fs, example_framework, NOMINAL)
    expected = np.ones((40, 8))
    expected *= 1.0 + (2.0 * u[:, :8] - 1.0) * 0.25  # the mapping as the module docstring writes it
    expected[:, 6:] *= 1.0 + (2.0 * u[:, 8:] - 1.0) * 0.1
    assert np.array_equal(d.weight_factor, expected)
    only = parse_factors([{"path": "weights", "noise": 0.1, "levels": [2]}], example_framework, NOMINAL, "f")
    d = to_batch(u[:, :2], only, example_framework, NOMINAL)
    assert np.array_equal(d.weight_factor[:, :6], np.ones((40, 6)))
    assert np.array_equal(d.weight_factor[:, 6:], 1.0 + (2.0 * u[:, :2] - 1.0) * 0.1)


def _min_ranks(scores: np.ndarray) -> np.ndarray:
    """'min' ranks along the last axis, 1 = highest (scipy's, independent of the engine's)."""
    from scipy.stats import rankdata

    return rankdata(-scores, method="min", axis=-1).astype(float)


@st.composite
def rank_blocks(draw):
    """A (samples, units) block of 'min' ranks with many ties, its nominal ranks, and a memory layout."""
    samples = draw(st.integers(1, 40))
    units = draw(st.integers(1, 12))
    levels = draw(st.integers(1, 4))  # few distinct scores: ties in most rows, constant rows now and then
    scores = draw(arrays(np.int8, (samples + 1, units), elements=st.integers(0, levels)))
    ranks = _min_ranks(scores.astype(float))
    strided = draw(st.booleans())  # as a (composites, variants, units) block transposed, or a plain array
    block = ranks[1:]
    if strided:
        wide = np.full((3, samples, units), -1.0)
        wide[1] = block
        block = wide.transpose(1, 2, 0)[:, :, 1]
    return block, ranks[0]


@settings(max_examples=300, deadline=None)
@given(rank_blocks(), st.booleans(), st.booleans(), st.one_of(st.none(), st.integers(1, 14)))
def test_all_ranked_statistics_equal_the_masked_ones(block, count, keep, top_k):
    from dti_bench.analyses.uncertainty import _all_ranked, _statistics_all_ranked, _statistics_masked

    ranks, nominal = block
    ok = np.ones(len(ranks), dtype=bool)
    assert _all_ranked(ranks, nominal, ok)
    fast = _statistics_all_ranked(ranks, nominal, count=count, keep=keep, top_k=top_k)
    slow = _statistics_masked(ranks, nominal, ok, count=count, keep=keep, top_k=top_k)
    for name in ("frequency", "abs_shift", "rbar", "max_shift", "ranks", "top_k_retained"):
        a, b = getattr(fast, name), getattr(slow, name)
        assert (a is None) == (b is None), name
        if a is not None:
            assert a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a, b), name
    assert np.array_equal(np.isnan(fast.spearman), np.isnan(slow.spearman))
    np.testing.assert_allclose(fast.spearman, slow.spearman, rtol=0, atol=1e-12)


@settings(max_examples=100, deadline=None)
@given(rank_blocks(), st.data())
def test_chunk_statistics_with_failures_or_unranked_units_take_the_masked_path(block, data):
    from dti_bench.analyses.uncertainty import _all_ranked, _chunk_statistics, _statistics_masked

    ranks, nominal = block
    ranks, nominal = ranks.copy(), nominal.copy()
    ok = np.ones(len(ranks), dtype=bool)
    kind = data.draw(st.sampled_from(["failed", "unranked", "nominal"]))
    i, j = data.draw(st.integers(0, len(ranks) - 1)), data.draw(st.integers(0, ranks.shape[1] - 1))
    if kind == "failed":
        ok[i], ranks[i] = False, np.nan
    elif kind == "unranked":
        ranks[i, j] = np.nan
    else:
        nominal[j] = np.nan
    assert not _all_ranked(ranks, nominal, ok)
    top_k = data.draw(st.integers(1, 14))
    got = _chunk_statistics(ranks, nominal, ok, count=True, keep=True, top_k=top_k)
    want = _statistics_masked(ranks, nominal, ok, count=True, keep=True, top_k=top_k)
    for name in ("frequency", "abs_shift", "rbar", "max_shift", "spearman", "ranks", "top_k_retained"):
        assert np.array_equal(getattr(got, name), getattr(want, name), equal_nan=True), name
    # the plain count: nominal top-k units ranked <= k in the sample (NaN never is), NaN for the failed sample
    plain = ((nominal <= top_k)[None, :] & (ranks <= top_k)).sum(axis=1).astype(float)
    plain[~ok] = np.nan
    assert np.array_equal(got.top_k_retained, plain, equal_nan=True)


def _scipy_rho(a: np.ndarray, b: np.ndarray) -> float:
    """scipy's Spearman ρ over the units present in both (NaN = absent), NaN where it is undefined."""
    from scipy import stats

    keep = ~(np.isnan(a) | np.isnan(b))
    a, b = a[keep], b[keep]
    if a.size < 2 or np.ptp(a) == 0 or np.ptp(b) == 0:
        return float("nan")  # scipy warns and gives NaN: a constant side has no rank correlation
    return float(stats.spearmanr(a, b).statistic)


@settings(max_examples=300, deadline=None)
@given(rank_blocks())
def test_both_paths_give_scipys_spearman_on_tied_ranks(block):
    from dti_bench.analyses.uncertainty import _statistics_all_ranked, _statistics_masked

    ranks, nominal = block
    ok = np.ones(len(ranks), dtype=bool)
    want = np.array([_scipy_rho(row, nominal) for row in ranks])
    for path in (_statistics_all_ranked(ranks, nominal, count=False, keep=False),
                 _statistics_masked(ranks, nominal, ok, count=False, keep=False)):
        assert np.array_equal(np.isnan(path.spearman), np.isnan(want))
        np.testing.assert_allclose(path.spearman, want, rtol=0, atol=1e-12)


@settings(max_examples=300, deadline=None)
@given(rank_blocks(), st.data())
def test_the_masked_path_gives_scipys_spearman_over_the_units_ranked_in_both(block, data):
    from dti_bench.analyses.uncertainty import _spearman_rows, _statistics_masked

    ranks, nominal = block
    ranks, nominal = ranks.copy(), nominal.copy()
    holes = data.draw(arrays(np.bool_, ranks.shape))
    ranks[holes] = np.nan
    nominal[data.draw(arrays(np.bool_, nominal.shape))] = np.nan
    ok = ~data.draw(arrays(np.bool_, len(ranks)))
    want = np.array([_scipy_rho(row, nominal) if good else np.nan for row, good in zip(ranks, ok)])
    got = _statistics_masked(ranks, nominal, ok, count=True, keep=False).spearman
    assert np.array_equal(np.isnan(got), np.isnan(want))
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-12)
    # ranks that are not whole numbers take the sorting path, to the same numbers (rho is rank-invariant)
    sorted_path = _spearman_rows(np.sqrt(ranks) + 0.5, nominal / 3, ok)
    assert np.array_equal(np.isnan(sorted_path), np.isnan(want))
    np.testing.assert_allclose(sorted_path, want, rtol=0, atol=1e-12)


def test_spearman_is_on_average_ranks_not_min_ranks():
    from dti_bench.analyses.uncertainty import _statistics_all_ranked, _statistics_masked

    # a = 'min' ranks [1, 1, 3, 4] are the average ranks [1.5, 1.5, 3, 4]: deviations -1, -1, 0.5, 1.5 against
    # -1.5, -0.5, 0.5, 1.5, so rho = 4.5 / sqrt(4.5 * 5) = sqrt(0.9); Pearson of the 'min' ranks would give
    # 5.5 / sqrt(6.75 * 5) = 0.9467
    ranks, nominal = np.array([[1.0, 1, 3, 4], [1, 2, 3, 4]]), np.array([1.0, 2, 3, 4])
    ok = np.ones(2, dtype=bool)
    for s in (_statistics_all_ranked(ranks, nominal, count=False, keep=False),
              _statistics_masked(ranks, nominal, ok, count=False, keep=False),
              _statistics_all_ranked(ranks[::-1], ranks[0], count=False, keep=False)):  # ties in the nominal ranks
        np.testing.assert_allclose(sorted(s.spearman), [np.sqrt(0.9), 1.0], rtol=0, atol=1e-15)
    # with a unit unranked the others are re-ranked among themselves: [1, 1, 3] over [1, 2, 4] -> [1.5, 1.5, 3]
    # against [1, 2, 3], rho = 3 / sqrt(1.5 * 2) = sqrt(0.75)
    s = _statistics_masked(np.array([[1.0, 1, np.nan, 3]]), nominal, ok[:1], count=False, keep=False)
    np.testing.assert_allclose(s.spearman, [np.sqrt(0.75)], rtol=0, atol=1e-15)


@pytest.mark.parametrize("chunk", [200, 37])
def test_spearman_per_sample_is_scipys_and_independent_of_the_chunks_with_failures(example_framework,
                                                                                   example_data, chunk):
    # geometric means meet min-max zeros in about half the samples: every chunk takes the masked path
    nominal = parse_methodology({"normalise": {"method": "minmax", "lo": 0, "hi": 1}})
    factors = parse_factors([{"path": "aggregate.method", "choices": ["arithmetic", "geometric"]},
                             {"path": "weights", "noise": 0.5}], example_framework, nominal, "f")
    ref = run_uncertainty(example_framework, example_data, nominal, factors, n=200, seed=4, chunk_size=200,
                          keep_ranks=True)
    res = run_uncertainty(example_framework, example_data, nominal, factors, n=200, seed=4, chunk_size=chunk)
    assert 0 < len(ref.failed) < 200 and np.array_equal(ref.spearman, res.spearman, equal_nan=True)
    kept = np.where(ref.ranks > 0, ref.ranks, np.nan).astype(float)
    want = np.array([_scipy_rho(row, ref.nominal_ranks) if i not in ref.failed else np.nan
                     for i, row in enumerate(kept)])
    np.testing.assert_allclose(ref.spearman, want, rtol=0, atol=1e-12)


def test_spearman_of_the_fast_path_by_hand():
    from dti_bench.analyses.uncertainty import _statistics_all_ranked

    nominal = np.array([1.0, 2, 3, 4])
    ranks = np.array([[1.0, 2, 3, 4], [4, 3, 2, 1], [1, 1, 1, 1], [1, 1, 3, 3]])
    s = _statistics_all_ranked(ranks, nominal, count=True, keep=False)
    np.testing.assert_allclose(s.spearman[[0, 1, 3]], [1.0, -1.0, np.corrcoef([1, 1, 3, 3], nominal)[0, 1]])
    assert np.isnan(s.spearman[2])  # a constant row has no correlation
    assert s.rbar.tolist() == [0.0, 2.0, 1.5, 0.5] and s.max_shift.tolist() == [0.0, 3.0, 3.0, 1.0]
    # by unit (column): |1-1| + |4-1| + 0 + 0; |2-2| + |3-2| + |1-2| + |1-2|; 0 + 1 + 2 + 0; 0 + 3 + 3 + 1
    assert s.abs_shift.tolist() == [3, 3, 3, 7]
    assert s.frequency.tolist() == [[3, 0, 0, 1], [2, 1, 1, 0], [1, 1, 2, 0], [2, 0, 1, 1]]


# -- the top-k statement (JRC audits: how many of the nominal top k stay in the top k) -------------------------

def test_top_k_statement_by_hand():
    # 10 samples, 5 units, k = 2, m = 1, share 0.9. Nominal ranks a 1, b 2, c 2 (tied: both in the top 2), d 4,
    # e unranked (and never ranked). Rows: how often each unit took ranks 1..5.
    #   a: 9 x 1st, 1 x 2nd          P(top 2) = 10/10   P(|r - 1| <= 1) = P(r <= 2) = 10/10   stays
    #   b: 1, 7, 1, 1                P(top 2) = 8/10    P(1 <= r <= 3) = 9/10                 leaves the top 2
    #   c: 0, 9, 0, 1                P(top 2) = 9/10    P(1 <= r <= 3) = 9/10                 stays (at 0.9 exactly)
    #   d: 0, 0, 3, 7                not in the top 2   P(3 <= r <= 5) = 10/10
    freq = np.array([[9, 1, 0, 0, 0], [1, 7, 1, 1, 0], [0, 9, 0, 1, 0], [0, 0, 3, 7, 0], [0, 0, 0, 0, 0]])
    retained = np.array([3, 2, 3, 2, 3, 3, 2, 3, 3, np.nan])  # per sample (the last one failed)
    res = UncertaintyResult(tuple("abcde"), tuple("ABCDE"), "index", 10, np.array([1.0, 2, 2, 4, np.nan]), freq,
                            np.zeros(5, dtype=np.int64), np.zeros(10), np.zeros(10), np.ones(10), {},
                            top_k_robustness={"k": 2, "within": 1, "share": 0.9}, top_k_retained=retained)
    t = res.table(top_k=(1,))
    assert t.columns.tolist()[-4:] == ["p_top1", "p_top2", "p_within1", "name"]  # k = 2 added beside top_k = (1,)
    np.testing.assert_array_equal(t["p_top2"].iloc[:4], [1.0, 0.8, 0.9, 0.0])
    np.testing.assert_array_equal(t["p_within1"], [1.0, 0.9, 0.9, 1.0, np.nan])
    assert res.summary()["top_k_robustness"] == {
        "k": 2, "within": 1, "share": 0.9, "nominal_top_k": 3, "stay_top_k": 2, "stay_within": 3,
        "leaving_top_k": ["b"], "median_retained": 3.0,
        "statement": "2 of the 3 units in the nominal top 2 stay in the top 2 in at least 90 % of samples; "
                     "3 stay within ±1 places of their nominal rank"}
    row = res.stability().set_index("metric").loc["top2_retained"]
    assert row["mean"] == pytest.approx(24 / 9) and row["median"] == 3.0 and row["q05"] == 2.0
    one = UncertaintyResult(tuple("abcde"), tuple("ABCDE"), "index", 10, np.array([1.0, 2, 2, 4, np.nan]), freq,
                            np.zeros(5, dtype=np.int64), np.zeros(10), np.zeros(10), np.ones(10), {},
                            top_k_robustness={"k": 1, "within": 0, "share": 0.9})
    # k = 1: a alone (9 of 10 samples first, 0.9: stays); within 0 places: a's 9/10 at rank 1 again
    assert one.summary()["top_k_robustness"]["statement"] == (
        "1 of the nominal top 1 stays in the top 1 in at least 90 % of samples; 1 stays within ±0 places of its "
        "nominal rank")
    plain = UncertaintyResult(tuple("abcde"), tuple("ABCDE"), "index", 10, np.array([1.0, 2, 2, 4, np.nan]), freq,
                              np.zeros(5, dtype=np.int64), np.zeros(10), np.zeros(10), np.ones(10), {})
    assert "top_k_robustness" not in plain.summary() and "p_within1" not in plain.table()
    assert plain.stability()["metric"].tolist() == ["mean_abs_shift", "max_abs_shift", "spearman"]


def _plain_top_k(res, k, m, share):
    """The top-k statement straight from the stored ranks (int16, 0 = unranked or failed), one unit at a time."""
    ranks = res.ranks.astype(float)
    ranks[ranks == 0] = np.nan
    nominal = res.nominal_ranks
    p_top, p_within = [], []
    for u in range(ranks.shape[1]):
        seen = ranks[~np.isnan(ranks[:, u]), u]
        p_top.append(np.mean(seen <= k) if seen.size else np.nan)
        p_within.append(np.mean(np.abs(seen - nominal[u]) <= m) if seen.size and not np.isnan(nominal[u]) else np.nan)
    p_top, p_within = np.array(p_top), np.array(p_within)
    top = np.nan_to_num(nominal, nan=np.inf) <= k
    failed = np.array(sorted(res.failed), dtype=int)
    retained = np.array([np.sum(top & (np.nan_to_num(row, nan=np.inf) <= k)) for row in ranks], dtype=float)
    retained[failed] = np.nan
    return p_top, p_within, int(np.sum(top & (p_top >= share))), int(np.sum(top & (p_within >= share))), retained


@pytest.mark.parametrize("failing", [False, True])
@pytest.mark.parametrize("k, m, share", [(3, 1, 0.8), (1, 0, 0.5), (8, 2, 0.95)])
def test_top_k_statement_matches_the_stored_ranks(example_framework, example_data, factors, failing, k, m, share):
    settings_ = {"k": k, "within": m, "share": share}
    if failing:  # a geometric mean meets min-max zeros in about half the samples: they are left out
        nominal = parse_methodology({"normalise": {"method": "minmax", "lo": 0, "hi": 1}})
        fs = parse_factors([{"path": "aggregate.method", "choices": ["arithmetic", "geometric"]},
                            {"path": "weights", "noise": 0.25}], example_framework, nominal, "f")
    else:
        nominal, fs = NOMINAL, factors
    res = run_uncertainty(example_framework, example_data, nominal, fs, n=400, seed=5, chunk_size=64,
                          keep_ranks=True, top_k_robustness=settings_)
    assert bool(res.failed) == failing
    p_top, p_within, stay, within, retained = _plain_top_k(res, k, m, share)
    t = res.table()
    np.testing.assert_allclose(t[f"p_top{k}"], p_top, rtol=0, atol=1e-15)
    np.testing.assert_allclose(t[f"p_within{m}"], p_within, rtol=0, atol=1e-15)
    np.testing.assert_array_equal(res.top_k_retained, retained)
    top = res.summary()["top_k_robustness"]
    assert (top["stay_top_k"], top["stay_within"]) == (stay, within)
    assert top["nominal_top_k"] == int(np.sum(res.nominal_ranks <= k))
    assert top["median_retained"] == np.median(retained[~np.isnan(retained)])


def test_top_k_settings_in_python_and_config():
    from dti_bench.config.specs import UncertaintySpec

    spec = UncertaintySpec.from_block({"factors": [{}]}, "analyses.uncertainty")
    assert spec.top_k_robustness == {"k": 10, "within": 3, "share": 0.9}
    assert UncertaintySpec.from_block({"factors": [{}], "top_k_robustness": {"k": 5}},
                                      "u").top_k_robustness == {"k": 5, "within": 3, "share": 0.9}
    assert UncertaintySpec.from_block({"factors": [{}], "top_k_robustness": None}, "u").top_k_robustness is None
    with pytest.raises(ConfigError, match=r"top_k_robustness.k: expected a positive whole number"):
        UncertaintySpec.from_block({"factors": [{}], "top_k_robustness": {"k": 0}}, "u")


def test_top_k_statement_can_be_left_out(example_framework, example_data, factors):
    res = run_uncertainty(example_framework, example_data, NOMINAL, factors, n=50, seed=1, top_k_robustness=None)
    assert res.top_k_retained is None and "top_k_robustness" not in res.summary()
    assert not any(c.startswith("p_within") for c in res.table().columns)
    with pytest.raises(ConfigError, match=r"top_k_robustness.share: expected a number in \(0, 1\]"):
        run_uncertainty(example_framework, example_data, NOMINAL, factors, n=50, top_k_robustness={"share": 2})


@pytest.mark.parametrize("chunk", [7, 64, 333])
def test_top_k_statement_is_the_same_whatever_the_chunk_size(example_framework, chunk, example_data):
    # k = 4 of 8 units (the default k = 10 would hold every unit), failed samples in most chunks
    nominal = parse_methodology({"normalise": {"method": "minmax", "lo": 0, "hi": 1}})
    fs = parse_factors([{"path": "aggregate.method", "choices": ["arithmetic", "geometric"]},
                        {"path": "weights", "noise": 0.9}], example_framework, nominal, "f")
    settings_ = {"k": 4, "within": 0, "share": 0.9}
    ref = run_uncertainty(example_framework, example_data, nominal, fs, n=400, seed=8, chunk_size=400,
                          top_k_robustness=settings_)
    res = run_uncertainty(example_framework, example_data, nominal, fs, n=400, seed=8, chunk_size=chunk,
                          top_k_robustness=settings_)
    assert ref.failed and np.isnan(ref.top_k_retained).sum() == len(ref.failed)
    assert len(np.unique(ref.top_k_retained[~np.isnan(ref.top_k_retained)])) > 1  # the count does vary
    assert np.array_equal(ref.top_k_retained, res.top_k_retained, equal_nan=True)
    assert ref.table().equals(res.table()) and ref.stability().equals(res.stability())
    assert ref.summary()["top_k_robustness"] == res.summary()["top_k_robustness"]


# -- memory linear in units: binned rank histograms ------------------------------------------------------------

def _plain_unit_statistics(ranks, nominal, top_k, m):
    """Each unit's mean, quantiles, p_top<k> and p_within<m> from kept ranks (0 = unranked), in plain numpy."""
    rows = []
    for u in range(ranks.shape[1]):
        seen = ranks[ranks[:, u] > 0, u].astype(float)
        rows.append({"mean_rank": seen.mean(), "sd_rank": seen.std(), "min_rank": seen.min(), "max_rank": seen.max(),
                     **{f"q{p}": np.quantile(seen, p, method="inverted_cdf") for p in (0.05, 0.5, 0.95)},
                     **{f"p_top{k}": np.mean(seen <= k) for k in top_k},
                     f"p_within{m}": np.mean(np.abs(seen - nominal[u]) <= m),
                     "mean_abs_shift": np.mean(np.abs(seen - nominal[u]))})
    return rows


@pytest.mark.parametrize("failing", [False, True])
def test_binned_run_keeps_exact_statistics_and_quantiles_within_a_bin(example_framework, example_data, factors,
                                                                     failing):
    nominal, fs = NOMINAL, factors
    if failing:  # a geometric mean meets min-max zeros in about half the samples: the masked path
        nominal = parse_methodology({"normalise": {"method": "minmax", "lo": 0, "hi": 1}})
        fs = parse_factors([{"path": "aggregate.method", "choices": ["arithmetic", "geometric"]},
                            {"path": "weights", "noise": 0.25}], example_framework, nominal, "f")
    res = run_uncertainty(example_framework, example_data, nominal, fs, n=400, seed=5, keep_ranks=True, rank_bins=3,
                          top_k=(1, 3))
    assert res.rank_bin_width == 3 and res.frequency.shape == (8, 3)  # 8 units in bins 1-3, 4-6, 7-8
    assert res.summary()["rank_bin_width"] == 3
    t = res.table(top_k=(1, 3)).set_index("unit")
    stats = res.rank_statistics().set_index("unit")
    plain = _plain_unit_statistics(res.ranks, res.nominal_ranks, (1, 3, 10), 3)
    for unit, want in zip(res.units, plain):
        row = t.loc[unit]
        assert row["mean_rank"] == want["mean_rank"] and row["mean_abs_shift"] == pytest.approx(want["mean_abs_shift"])
        assert [row["p_top1"], row["p_top3"], row["p_top10"], row["p_within3"]] == \
            [want["p_top1"], want["p_top3"], want["p_top10"], want["p_within3"]]
        for col, p in (("q05_rank", 0.05), ("median_rank", 0.5), ("q95_rank", 0.95)):
            assert abs(row[col] - want[f"q{p}"]) <= res.rank_bin_width - 1, (unit, col)
        assert stats.loc[unit, "sd_rank"] == pytest.approx(want["sd_rank"], rel=1e-12, abs=1e-12)
        assert (stats.loc[unit, "min_rank"], stats.loc[unit, "max_rank"]) == (want["min_rank"], want["max_rank"])
    # the sparse rank_frequency table: each unit's counts add up to its successful samples
    long = res.frequency_table()
    assert (long["count"] > 0).all() and set(long["rank_hi"] - long["rank_lo"]) <= {1, 2}
    np.testing.assert_array_equal(long.groupby("unit")["count"].sum().reindex(res.units), res.n_ok)
    np.testing.assert_allclose(long.groupby("unit")["share"].sum(), 1.0)
    # a k the run counted is exact; one at a bin's end still is; any other was not counted
    assert res.table(top_k=(6,))["p_top6"].tolist() == [np.mean((r > 0) & (r <= 6)) / np.mean(r > 0)
                                                        for r in res.ranks.T]
    with pytest.raises(MethodError, match=r"top_k: p_top2 was not counted .* valid choices: 1, 3, 10"):
        res.table(top_k=(2,))


def test_bin_width_one_gives_todays_exact_results(example_framework, example_data, factors):
    ref = run_uncertainty(example_framework, example_data, NOMINAL, factors, n=300, seed=9)
    one = run_uncertainty(example_framework, example_data, NOMINAL, factors, n=300, seed=9, rank_bins=8)
    assert one.rank_bin_width == ref.rank_bin_width == 1
    assert np.array_equal(ref.frequency, one.frequency) and ref.table().equals(one.table())
    # the exact table alone (a result built without streamed moments) gives the same numbers
    rebuilt = UncertaintyResult(ref.units, ref.unit_names, ref.node, ref.samples, ref.nominal_ranks, ref.frequency,
                                ref.abs_shift, ref.rbar, ref.max_shift, ref.spearman, ref.failed,
                                top_k_robustness=ref.top_k_robustness, top_k_retained=ref.top_k_retained)
    assert rebuilt.table().equals(ref.table()) and rebuilt.rank_statistics().equals(ref.rank_statistics())
    assert rebuilt.summary()["top_k_robustness"] == ref.summary()["top_k_robustness"]
    long = ref.frequency_table()
    assert (long["rank_lo"] == long["rank_hi"]).all()
    wide = np.zeros((8, 8))
    wide[[ref.units.index(u) for u in long["unit"]], long["rank_lo"] - 1] = long["share"]
    np.testing.assert_array_equal(wide, ref.frequency / ref.frequency.sum(axis=1, keepdims=True))


@pytest.mark.parametrize("chunk, parent_counts, executor", [(1000, False, "serial"), (61, False, "serial"),
                                                        (128, True, "serial"), (250, False, "process")])
def test_binned_results_do_not_depend_on_the_chunk_size(example_framework, example_data, factors, monkeypatch,
                                                        chunk, parent_counts, executor):
    import dti_bench.analyses.uncertainty as unc

    ref = run_uncertainty(example_framework, example_data, NOMINAL, factors, n=700, seed=4, chunk_size=700,
                          rank_bins=3)
    if parent_counts:
        monkeypatch.setattr(unc, "PARENT_COUNTS_ABOVE", 2)  # chunks ship their ranks; the parent counts the bins
        monkeypatch.setattr(unc, "PARENT_COUNT_ENTRIES", 8 * 37)  # in a buffer of 37 samples: chunks straddle it
    res = run_uncertainty(example_framework, example_data, NOMINAL, factors, n=700, seed=4, chunk_size=chunk,
                          rank_bins=3, executor=executor, workers=2)
    assert np.array_equal(ref.frequency, res.frequency)
    assert ref.table().equals(res.table()) and ref.rank_statistics().equals(res.rank_statistics())
    assert ref.frequency_table().equals(res.frequency_table())
    assert ref.summary() == res.summary()


def test_rank_bins_and_top_k_are_checked(example_framework, example_data, factors):
    with pytest.raises(ConfigError, match="rank_bins: expected a positive whole number, got 0"):
        run_uncertainty(example_framework, example_data, NOMINAL, factors, n=10, rank_bins=0)
    with pytest.raises(ConfigError, match="top_k: expected positive whole numbers"):
        run_uncertainty(example_framework, example_data, NOMINAL, factors, n=10, top_k=(0,))


def test_spearman_beyond_int16_ranks_stays_exact():
    # 40,000 units: ranks leave int16 and products of sums leave int64; ρ still equals the package's definition
    from dti_bench.analyses.uncertainty import _spearman_rows
    from dti_bench.metrics.stability import spearman

    rng = np.random.default_rng(0)
    n = 40_000
    nominal = np.argsort(np.argsort(rng.random(n))) + 1.0
    ranks = np.array([np.argsort(np.argsort(nominal + rng.normal(0, 3000, n))) + 1.0 for _ in range(3)])
    ranks[1, :5] = 7.0        # tied entries
    ranks[2, 10] = np.nan     # a unit left unranked
    ok = np.ones(3, dtype=bool)
    np.testing.assert_allclose(_spearman_rows(ranks, nominal, ok), spearman(nominal, ranks), rtol=0, atol=1e-15)
