"""The engine equals the one-variant oracle, variant by variant, on generated frameworks, data and designs."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dti_bench.model.methodology import parse_methodology, vary
from dti_bench.model.dataset import Dataset
from dti_bench.engine.batch import Batch, Engine
from dti_bench.engine.kernels import quasi_arithmetic, rank_rows
from dti_bench.errors import MethodError
from dti_bench.model.framework import Framework
from dti_bench.index import compute_index
from dti_bench.metrics.ranking import rank_scores
from dti_bench.testing import frameworks_and_data, methodologies


def oracle_row(framework, dataset, m, weight_factor=None, include=None, power=None):
    """What compute_index says for one engine variant: the design's changes expressed as plain inputs.

    Weight factors multiply the edge weights (equal weights count as ones); an excluded indicator is an edge
    of weight 0, which the missing-data policy treats exactly as a missing child.
    """
    factor = np.ones(len(framework.edges)) if weight_factor is None else weight_factor
    if m.weights.method.name == "equal":
        base = np.ones(len(framework.edges))
        m = vary(m, {"weights": "nominal"})
    else:
        base = np.array([e.weight for e in framework.edges])
    keep = np.ones(len(framework.edges)) if include is None else np.array(
        [1.0 if e.child not in framework.indicators or include[framework.indicators.index(e.child)] else 0.0
         for e in framework.edges])
    framework = framework.with_weights({(e.parent, e.child): b * f * k
                                        for e, b, f, k in zip(framework.edges, base, factor, keep)})
    if power is not None:
        block = m.to_dict()
        by_node = {"default": block["aggregate"]}
        for comp, p in zip(framework.composites, power):
            if not np.isnan(p):
                by_node[comp] = {"method": "power", "p": float(p)}
        m = vary(m, {"aggregate": by_node}, framework=framework)
    return compute_index(framework, dataset, m)


def assert_matches_oracle(ev, framework, dataset, ms, wf, include) -> None:
    """Every variant of ``ev`` equals the oracle on the same weights and inclusions, or fails where it fails."""
    for i, m in enumerate(ms):
        try:
            expected = oracle_row(framework, dataset, m, wf[i], include[i])
        except MethodError:
            assert ev.failed[i], f"oracle failed but the engine did not (variant {i}: {m.label()})"
            continue
        assert_row_matches(ev, i, expected)


def assert_row_matches(ev, i, result):
    scores = result.scores.to_numpy()
    ranks = result.rank_values.to_numpy()
    assert not ev.failed[i], ev.reasons.get(i)
    np.testing.assert_allclose(ev.scores[i], scores, rtol=1e-9, atol=1e-9, equal_nan=True)
    # ranks agree except where two scores are equal to within rounding noise
    np.testing.assert_array_equal(np.isnan(ev.ranks[i]), np.isnan(ranks))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(fw_ds=frameworks_and_data(), ms=st.lists(methodologies(), min_size=1, max_size=4), data=st.data())
def test_engine_equals_oracle(fw_ds, ms, data):
    framework, dataset = fw_ds
    n = len(ms)
    which = np.arange(n)
    wf = np.array(data.draw(st.lists(st.floats(0.75, 1.25), min_size=n * len(framework.edges),
                                     max_size=n * len(framework.edges)))).reshape(n, -1)
    include = np.array(data.draw(st.lists(st.booleans(), min_size=n * len(framework.indicators),
                                          max_size=n * len(framework.indicators)))).reshape(n, -1)
    include[:, 0] = True
    design = Batch(tuple(ms), which, weight_factor=wf, include=include)
    ev = Engine(framework, dataset).evaluate(design)
    assert_matches_oracle(ev, framework, dataset, ms, wf, include)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(fw_ds=frameworks_and_data(), p=st.lists(st.floats(-2, 3), min_size=1, max_size=5))
def test_engine_power_per_variant_equals_oracle(fw_ds, p):
    framework, dataset = fw_ds
    m = parse_methodology({"normalise": {"method": "minmax", "lo": 1, "hi": 100}})
    n = len(p)
    power = np.full((n, len(framework.composites)), np.nan)
    power[:, -1] = p  # the headline's exponent varies; the groups stay arithmetic
    ev = Engine(framework, dataset).evaluate(Batch((m,), np.zeros(n, dtype=int), power=power))
    for i in range(n):
        assert_row_matches(ev, i, oracle_row(framework, dataset, m, power=power[i]))


#: Issue 16's methods: share-of-the-best for both directions, shares of the total, vector norms, caps (global, so
#: the block version runs, and per indicator). ``sum`` refuses direction -1 columns: those variants must fail in the
#: engine as in the oracle.
NEW_METHODS = (
    {"normalise": "frac_max", "aggregate": "geometric"},
    {"normalise": "frac_max", "aggregate": {"method": "power", "p": -2.0}},
    {"normalise": "vector"},
    {"normalise": "sum", "aggregate": "harmonic"},
    {"treat": {"method": "cap", "lo": 5, "hi": 60}, "normalise": "frac_max", "aggregate": "harmonic"},
    {"treat": {"default": "none", "i0": {"method": "cap", "hi": 40}}, "normalise": {"method": "minmax", "lo": 1,
                                                                                    "hi": 100}},
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(fw_ds=frameworks_and_data(), blocks=st.lists(st.sampled_from(NEW_METHODS), min_size=1, max_size=4),
       data=st.data())
def test_engine_equals_oracle_for_the_new_normalisers_and_caps(fw_ds, blocks, data):
    framework, dataset = fw_ds
    ms = [parse_methodology(b, framework=framework) for b in blocks]
    n = len(ms)
    wf = np.array(data.draw(st.lists(st.floats(0.75, 1.25), min_size=n * len(framework.edges),
                                     max_size=n * len(framework.edges)))).reshape(n, -1)
    include = np.array(data.draw(st.lists(st.booleans(), min_size=n * len(framework.indicators),
                                          max_size=n * len(framework.indicators)))).reshape(n, -1)
    include[:, 0] = True
    ev = Engine(framework, dataset).evaluate(Batch(tuple(ms), np.arange(n), weight_factor=wf, include=include))
    assert_matches_oracle(ev, framework, dataset, ms, wf, include)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(fw_ds=frameworks_and_data())
def test_standard_deviation_weights_through_the_engine_equal_the_oracle(fw_ds):
    """Data-driven, so the engine's one-variant path: the oracle's numbers, alone and beside other variants."""
    framework, dataset = fw_ds
    ms = [parse_methodology({"normalise": {"method": "minmax", "lo": 1, "hi": 100}, "weights": "sd"}),
          parse_methodology({"normalise": "frac_max", "weights": "sd", "aggregate": "geometric"}),
          parse_methodology({"normalise": {"method": "minmax", "lo": 1, "hi": 100}})]
    ev = Engine(framework, dataset).evaluate(Batch.of(ms))
    for i, m in enumerate(ms):
        assert_row_matches(ev, i, compute_index(framework, dataset, m))


def test_engine_ranks_equal_rank_scores():
    rng = np.random.default_rng(0)
    s = np.round(rng.random((50, 30)), 1)  # many ties
    s[rng.random(s.shape) < 0.1] = np.nan
    np.testing.assert_array_equal(rank_rows(s), rank_scores(s, axis=1))


def test_quasi_arithmetic_by_hand():
    x = np.array([[[1.0, 4.0], [2.0, np.nan]]])  # one variant, two units, two children
    w = np.array([[1.0, 3.0]])
    for p, expected0 in [(1.0, (1 + 12) / 4), (0.0, 4 ** 0.75), (-1.0, 4 / (1 + 3 / 4)), (2.0, np.sqrt((1 + 48) / 4))]:
        y, bad = quasi_arithmetic(x, w, np.array([p]))
        assert y[0, 0] == pytest.approx(expected0, rel=1e-14) and y[0, 1] == pytest.approx(2.0)  # missing child skipped
        assert bad == [None]
    y, bad = quasi_arithmetic(np.array([[[0.0, 1.0]]]), np.array([[1.0, 1.0]]), np.array([0.0]))
    assert bad[0][:3] == ("geometric", 0, 0)


def test_failed_variants_are_recorded_not_fatal(example_framework, example_data):
    ok = parse_methodology({"normalise": {"method": "minmax", "lo": 1, "hi": 100}, "aggregate": "geometric"})
    bad = parse_methodology({"normalise": {"method": "minmax", "lo": 0, "hi": 1}, "aggregate": "geometric"})
    ev = Engine(example_framework, example_data).evaluate(Batch.of([ok, bad, ok]))
    assert ev.failed.tolist() == [False, True, False]
    assert "geometric mean met 0.0" in ev.reasons[1] and np.isnan(ev.scores[1]).all()
    assert np.array_equal(ev.scores[0], ev.scores[2], equal_nan=True)


def test_benefit_of_the_doubt_through_the_engine_equals_the_oracle(example_framework, example_data):
    """The BoD index and the BoD-weights hybrid take the engine's one-variant path; it must give the oracle's
    numbers (on COINr's example, which has missing values)."""
    positive = {"method": "minmax", "lo": 1, "hi": 100}
    ms = [parse_methodology({"normalise": positive, "aggregate": "bod"}),
          parse_methodology({"normalise": positive, "aggregate": {"method": "bod", "bounds": [0.05, 1.0]}})]
    ms.append(parse_methodology({"normalise": positive, "weights": "bod_weights"}))
    ev = Engine(example_framework, example_data).evaluate(Batch.of(ms))
    for i, m in enumerate(ms):
        assert_row_matches(ev, i, compute_index(example_framework, example_data, m))


def test_prepared_blocks_are_cached(example_framework, example_data):
    m = parse_methodology({"normalise": "zscore"})
    engine = Engine(example_framework, example_data)
    engine.evaluate(Batch.of([m, vary(m, {"aggregate": "harmonic"}), vary(m, {"weights": "equal"})]))
    assert len(engine._cache) == 1  # one data-changing setting, prepared once


@st.composite
def deep_cases(draw, holes: bool = False):
    """A deep framework, data with holes, and a design that varies weights, exclusions and exponents.

    ``holes=True`` keeps every weight positive and nothing excluded, with data missing: the cases the
    collapsed path corrects for missing children rather than handing to the hierarchical kernel.
    """
    from dti_bench.testing import datasets, deep_frameworks

    framework = draw(deep_frameworks(zero_weights=not holes))
    missing = [0.1, 0.2, 0.3] if holes else [0.0, 0.0, 0.1, 0.3]
    dataset = draw(datasets(framework, missing=draw(st.sampled_from(missing))))
    ms = draw(st.lists(methodologies(means=("arithmetic", "geometric", "harmonic")), min_size=1, max_size=3))
    n = draw(st.integers(1, 6))
    which = np.array(draw(st.lists(st.integers(0, len(ms) - 1), min_size=n, max_size=n)))
    e, k, c = len(framework.edges), len(framework.indicators), len(framework.composites)
    factors = [0.5, 0.75, 1.0, 1.25, 2.0] if holes else [0.0, 0.5, 0.75, 1.0, 1.25, 2.0]
    wf = np.array(draw(st.lists(st.sampled_from(factors), min_size=n * e, max_size=n * e)))
    include = power = None
    if not holes and draw(st.booleans()):
        include = np.array(draw(st.lists(st.booleans(), min_size=n * k, max_size=n * k))).reshape(n, k)
    if draw(st.booleans()):
        power = np.array(draw(st.lists(st.sampled_from([np.nan, 1.0, 0.0, -1.0, 2.0]), min_size=n * c,
                                       max_size=n * c))).reshape(n, c)
    only = draw(st.one_of(st.none(), st.lists(st.sampled_from(framework.composites), min_size=1, unique=True)))
    return framework, dataset, Batch(tuple(ms), which, power=power, weight_factor=wf.reshape(n, e),
                                      include=include), only


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=st.one_of(deep_cases(), deep_cases(holes=True)))
def test_collapsed_path_equals_hierarchical_kernel(case):
    """One weighted sum per variant (dti_bench.engine.collapsed) gives what the composite-by-composite kernel gives,
    on deep DAGs with mixed and shared children, zero weights, missing data, exclusions and per-variant p."""
    framework, dataset, design, only = case
    fast = Engine(framework, dataset).evaluate(design, only=only)
    plain = Engine(framework, dataset, collapse=False).evaluate(design, only=only)
    assert fast.composites == plain.composites
    np.testing.assert_array_equal(fast.failed, plain.failed)
    np.testing.assert_allclose(fast.scores, plain.scores, rtol=1e-10, atol=1e-10, equal_nan=True)
    assert fast.reasons == plain.reasons


def test_collapsed_path_carries_monte_carlo_designs(monkeypatch):
    """On the synthetic DTI (complete data) and on data with holes, every variant of a weights x normalisation x
    arithmetic/geometric design goes through the collapsed path, and agrees with the hierarchical kernel."""
    from dti_bench import io
    from dti_bench.engine import collapsed

    fw = io.load_framework("dti-provincial-2022-components")
    ds = io.load_dataset("dti2022-synthetic-components", fw)
    rng = np.random.default_rng(3)
    holes = ds.values.copy()
    holes[rng.random(holes.shape) < 0.05] = np.nan
    holed = type(ds)("holes", ds.units, ds.unit_names, ds.indicators, holes, synthetic=True)
    ms = tuple(parse_methodology({"normalise": n, "aggregate": a})
               for n in ({"method": "minmax", "lo": 1, "hi": 100}, {"method": "zscore", "m": 10, "s": 2})
               for a in ("arithmetic", "geometric", "harmonic"))
    n = 300
    design = Batch(ms, rng.integers(0, len(ms), n), weight_factor=rng.uniform(0.75, 1.25, (n, len(fw.edges))))
    taken = []
    original = collapsed.scores
    monkeypatch.setattr(collapsed, "scores", lambda *a, **k: taken.append(len(a[1].edges)) or original(*a, **k))
    for data in (ds, holed):
        taken.clear()
        fast = Engine(fw, data).evaluate(design, only=["DTI"])
        assert sum(taken) == n
        plain = Engine(fw, data, collapse=False).evaluate(design, only=["DTI"])
        np.testing.assert_allclose(fast.scores, plain.scores, rtol=1e-12, atol=1e-12)
        np.testing.assert_array_equal(fast.ranks, plain.ranks)


@settings(max_examples=200, deadline=None)
@given(rows=st.integers(1, 6), n=st.integers(1, 9), levels=st.integers(1, 12), holes=st.floats(0, 0.5),
       seed=st.integers(0, 2 ** 32 - 1))
def test_rank_rows_equals_rank_scores_with_and_without_ties(rows, n, levels, holes, seed):
    """Rows without ties or NaN take the permutation route, the others the general one: both give scipy's
    'min' ranks, whatever the mix within one call."""
    rng = np.random.default_rng(seed)
    s = rng.integers(0, levels, (rows, n)).astype(float) + np.where(rng.random((rows, 1)) < 0.5, rng.random((rows, n)), 0)
    s[rng.random(s.shape) < holes] = np.nan
    np.testing.assert_array_equal(rank_rows(s), rank_scores(s, axis=1))
    np.testing.assert_array_equal(rank_rows(s[None]), rank_scores(s, axis=1)[None])


def test_rank_rows_writes_into_out():
    rng = np.random.default_rng(1)
    s = rng.random((5, 7))
    s[1, 2] = s[1, 3]       # a tie
    s[2, 0] = np.nan        # a hole
    expected = rank_scores(s, axis=1)
    holder = np.empty((2, 5, 7)).transpose(1, 2, 0)   # composite-major, as the engine lays out ranks
    assert rank_rows(s, out=holder[:, :, 1]) is not None
    np.testing.assert_array_equal(holder[:, :, 1], expected)
    strided = np.empty((7, 5)).T                       # not contiguous: filled by a copy
    np.testing.assert_array_equal(rank_rows(s, out=strided), expected)
    np.testing.assert_array_equal(strided, expected)


def test_only_evaluates_the_composites_asked_for(example_framework, example_data):
    from dti_bench.errors import UserError

    m = parse_methodology({"normalise": {"method": "minmax", "lo": 1, "hi": 100}})
    engine = Engine(example_framework, example_data)
    full = engine.evaluate(Batch.of([m, vary(m, {"aggregate": "geometric"})]))
    head = example_framework.require_headline()
    part = engine.evaluate(Batch.of([m, vary(m, {"aggregate": "geometric"})]), only=[head])
    assert part.composites == (head,) and part.scores.shape[2] == 1
    c = full.composites.index(head)
    np.testing.assert_allclose(part.scores[:, :, 0], full.scores[:, :, c], rtol=1e-12)
    np.testing.assert_array_equal(part.ranks[:, :, 0], full.ranks[:, :, c])
    with pytest.raises(UserError, match="unknown composite 'nope'; valid choices"):
        engine.evaluate(Batch.of([m]), only=["nope"])


def test_rounded_scores_at_a_half_point_round_as_the_oracle_does():
    """Equal weights on values with few decimals land exactly on rounding half-points, where sums taken in
    different orders differ in the last bit: rounding snaps them to the half-point (ranks.round_scores), so the
    collapsed path, the hierarchical kernel and compute_index round alike."""
    fw = Framework.from_dict({"name": "half", "indicators": ["a", "b", "c", "d"],
                              "composites": [{"code": "g1", "children": ["a", "b"]},
                                             {"code": "g2", "children": ["c", "d"]},
                                             {"code": "index", "children": ["g1", "g2"]}]})
    rng = np.random.default_rng(11)
    values = np.round(rng.random((40, 4)), 3)  # three decimals: quarter-sums hit the 4th decimal's half-points
    ds = Dataset("half", tuple(f"u{i}" for i in range(40)), tuple(f"u{i}" for i in range(40)), fw.indicators, values)
    m = parse_methodology({"normalise": "none", "weights": "equal", "round": 4})
    expected = compute_index(fw, ds, m).scores.to_numpy()
    for collapse in (True, False):
        for n in (1, 7):  # alone and in a batch: batch shapes change the products' rounding too
            ev = Engine(fw, ds, collapse=collapse).evaluate(Batch.of([m] * n))
            for i in range(n):
                np.testing.assert_array_equal(ev.scores[i], expected)


def test_round_scores_snaps_half_points_and_is_np_round_elsewhere():
    from dti_bench.metrics.ranking import round_scores

    assert round_scores(np.array([0.46225000000000005, 0.46224999999999994, 0.46235]), 4).tolist() == \
        [0.4622, 0.4622, 0.4624]  # half to even, whichever side of the half-point the sum fell
    x = np.random.default_rng(2).normal(size=1000)
    x[::7] = np.nan
    np.testing.assert_array_equal(round_scores(x, 3), np.round(x, 3))
    assert np.isnan(round_scores(np.array([np.nan, np.inf]), 2)[0])


def test_a_failure_outside_the_nodes_asked_for_does_not_fail_the_variant():
    """With ``only``, the composites the asked nodes do not depend on are not computed, whichever kernel runs:
    a geometric headline meeting a 0 fails the variant for the headline, not for a group under it (found by
    comparing the two kernels: the collapsed path said ok, the hierarchical one failed)."""
    fw = Framework.from_dict({"name": "scope", "indicators": ["a", "b", "c"],
                              "composites": [{"code": "g", "children": ["a", "b"]},
                                             {"code": "index", "children": ["g", "c"]}]})
    values = np.array([[1.0, 2.0, 0.0], [3.0, 1.0, 5.0], [2.0, 2.0, 1.0]])
    ds = Dataset("scope", ("u0", "u1", "u2"), ("u0", "u1", "u2"), fw.indicators, values)
    m = parse_methodology({"normalise": "none", "aggregate": {"default": "arithmetic", "index": "geometric"}},
                          framework=fw)
    for collapse in (True, False):
        engine = Engine(fw, ds, collapse=collapse)
        assert engine.evaluate(Batch.of([m])).failed.tolist() == [True]
        group = engine.evaluate(Batch.of([m]), only=["g"])
        assert group.failed.tolist() == [False]
        np.testing.assert_allclose(group.scores[0, :, 0], [1.5, 2.0, 2.0])
