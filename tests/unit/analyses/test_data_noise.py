"""Data uncertainty as a factor: perturbed copies of the raw indicators, drawn like every other factor.

Pinned to a plain numpy re-derivation of each copy, to the oracle (the engine's noisy variants equal
compute_index on the same copy), to chunk invariance, and to what the factor is for: rank bands widen
monotonically with the noise.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st

import dti_bench as db
from dti_bench.analyses.factors import methodology_for, parse_factors
from dti_bench.engine.batch import Batch, Engine
from dti_bench.errors import ConfigError
from dti_bench.model.framework import Framework
from dti_bench.model.noise import DATA_STREAM, DataNoise


@pytest.fixture(scope="module")
def dti():
    return db.load_framework("dti-provincial-2022")


@pytest.fixture(scope="module")
def data():
    return db.load_dataset("dti2022-synthetic")


def _eps(seed, stream, draw, shape):
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(DATA_STREAM, stream, draw))
                                 ).standard_normal(shape)


def test_multiplicative_copies_are_lognormal_errors_on_the_chosen_indicators(data):
    noise = DataNoise("multiplicative", (("awareness", 0.05), ("cybersecurity", 0.2)), seed=7, draw=3, stream=1)
    noisy = noise.apply(data).values
    eps = _eps(7, 1, 3, data.values.shape)
    j, k = data.indicators.index("awareness"), data.indicators.index("cybersecurity")
    np.testing.assert_array_equal(noisy[:, j], data.values[:, j] * np.exp(0.05 * eps[:, j]))
    np.testing.assert_array_equal(noisy[:, k], data.values[:, k] * np.exp(0.2 * eps[:, k]))
    others = [i for i in range(len(data.indicators)) if i not in (j, k)]
    np.testing.assert_array_equal(noisy[:, others], data.values[:, others])


def test_additive_noise_is_in_standard_deviations_or_in_the_indicators_units(data):
    j = data.indicators.index("institutions")
    sd = np.std(data.values[:, j], ddof=1)
    eps = _eps(0, 0, 5, data.values.shape)[:, j]
    relative = DataNoise("additive", (("institutions", 0.1),), relative=True, draw=5).apply(data).values[:, j]
    absolute = DataNoise("additive", (("institutions", 0.1),), relative=False, draw=5).apply(data).values[:, j]
    np.testing.assert_allclose(relative, data.values[:, j] + 0.1 * sd * eps, rtol=0, atol=1e-15)
    np.testing.assert_allclose(absolute, data.values[:, j] + 0.1 * eps, rtol=0, atol=1e-15)


def test_missing_stays_missing_and_zero_stays_zero():
    fw = Framework.from_tree({"I": ["a", "b"]})
    table = pd.DataFrame({"a": [0.0, np.nan, 2.0], "b": [1.0, 2.0, 3.0]}, index=["x", "y", "z"])
    ds = db.Dataset.from_frame(table, fw)
    out = DataNoise("multiplicative", (("a", 0.5), ("b", 0.5))).apply(ds).values
    assert out[0, 0] == 0 and np.isnan(out[1, 0]) and np.isfinite(out[:, 1]).all()


def test_the_same_copy_scales_with_the_noise_common_random_numbers(data):
    small = DataNoise("multiplicative", (("awareness", 0.01),), draw=2).apply(data).values[:, 0]
    large = DataNoise("multiplicative", (("awareness", 0.1),), draw=2).apply(data).values[:, 0]
    np.testing.assert_allclose(np.log(large / data.values[:, 0]), 10 * np.log(small / data.values[:, 0]),
                               rtol=1e-9)


@settings(max_examples=25, deadline=None)
@given(sigma=st.floats(0.001, 0.5), draws=st.lists(st.integers(0, 99), min_size=1, max_size=6),
       kind=st.sampled_from(["multiplicative", "additive"]))
def test_the_engine_equals_the_oracle_on_noisy_variants(dti, data, sigma, draws, kind):
    [f] = parse_factors([db.factors.data_noise(sigma, kind)], dti, dti.official)
    ms = [methodology_for(dti.official, [(f, d)], dti) for d in draws]
    ev = Engine(dti, data).evaluate(Batch.of(ms))
    for i, m in enumerate(ms):
        oracle = db.compute_index(dti, data, m).scores[list(dti.composites)].to_numpy()
        np.testing.assert_allclose(ev.scores[i], oracle, rtol=0, atol=1e-12)


def test_rank_bands_widen_monotonically_with_the_noise(dti, data):
    widths = []
    for sigma in (0.005, 0.02, 0.05, 0.1, 0.2):
        bands = db.uncertainty(dti, data, dti.official, [db.factors.data_noise(sigma)], n=1000, seed=3).to_frame()
        widths.append(float((bands.q95_rank - bands.q05_rank).mean()))
    assert all(a < b for a, b in zip(widths, widths[1:])), widths
    assert widths[0] < 2 and widths[-1] > 15, widths


def test_the_same_seed_gives_the_same_numbers_whatever_the_chunk_size(dti, data):
    factors = [db.factors.data_noise(0.05, draws=37), db.factors.choice("aggregate.method", ["arithmetic", "geometric"])]
    one = db.uncertainty(dti, data, dti.official, factors, n=600, seed=5, chunk_size=600).to_frame()
    many = db.uncertainty(dti, data, dti.official, factors, n=600, seed=5, chunk_size=37).to_frame()
    pd.testing.assert_frame_equal(one, many)


def test_scopes_streams_and_framework_standard_errors(dti):
    [by_node] = parse_factors([{"path": "data", "noise": 0.1, "node": "digital_society"}], dti, dti.official)
    society = {c for c in dti.indicators if "digital_society" in _ancestors(dti, c)}
    assert {c for c, _ in by_node.data.sigma} == society
    two = parse_factors([db.factors.data_noise(0.1, indicators=["awareness"], name="a"),
                         db.factors.data_noise(0.1, indicators=["institutions"], name="b")], dti, dti.official)
    assert [f.data.stream for f in two] == [0, 1]
    meta = pd.DataFrame({"iCode": ["a", "b", "I"], "Level": [1, 1, 2], "Parent": ["I", "I", None],
                         "Weight": [1, 1, 1], "Direction": [1, 1, 1], "SE": [0.3, 0.0, None],
                         "Type": ["Indicator", "Indicator", "Aggregate"]})
    fw = Framework.from_imeta(meta)
    [f] = parse_factors([db.factors.data_noise("SE", "additive")], fw, db.Methodology.default())
    assert f.data.sigma == (("a", 0.3), ("b", 0.0)) and f.data.relative is False


def _ancestors(fw, code):
    out, frontier = set(), [code]
    while frontier:
        for p in fw.parents(frontier.pop()):
            out.add(p)
            frontier.append(p)
    return out


@pytest.mark.parametrize("item, message", [
    ({"noise": 0}, "noise: expected a positive number"),
    ({"noise": 0.1, "kind": "gaussian"}, "kind: unknown kind 'gaussian'; valid choices: 'multiplicative', 'additive'"),
    ({"noise": 0.1, "draws": 1}, "draws: expected a whole number of perturbed copies from 2"),
    ({"noise": 0.1, "seed": -1}, "seed: expected a non-negative whole number"),
    ({"noise": 0.1, "indicators": ["nope"]}, "indicators: unknown indicator 'nope'"),
    ({"noise": 0.1, "choices": [1]}, "a data factor has no key 'choices'"),
    ({"noise": {"column": "SE"}}, "indicator 'awareness' has no standard error in framework column 'SE'"),
    ({"noise": 0.1, "indicators": ["awareness"], "node": "DTI"}, "give 'indicators', 'node' or 'level'"),
])
def test_bad_data_factors_name_the_key(dti, item, message):
    with pytest.raises(ConfigError, match="^f\\[0\\]") as err:
        parse_factors([{"path": "data", **item}], dti, dti.official, "f")
    assert message in str(err.value)
