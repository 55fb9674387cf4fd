"""Morris screening: categorical factors evaluate every alternative and compare every pair of their design;
continuous factors keep SALib's design and numbers."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st

import dti_bench as db
from dti_bench.analyses.factors import Factor, parse_factors
from dti_bench.analyses.morris import comparisons, coverage, morris_design, required_trajectories
from dti_bench.analyses.sampling import problem, to_batch
from dti_bench.analyses.sobol import evaluate_design
from dti_bench.engine.batch import Engine
from dti_bench.errors import ConfigError
from dti_bench.index import compute_index
from dti_bench.model.methodology import parse_methodology

DEFAULT_TRAJECTORIES = 20  # db.morris's default n
FIVE_AGGREGATIONS = ["arithmetic", "geometric", "harmonic", {"method": "power", "p": 0.5}, "minimum"]


@pytest.fixture(scope="module")
def dti():
    fw = db.load_framework("dti-provincial-2022")
    nominal = fw.official.vary({"normalise": {"method": "minmax", "lo": 1, "hi": 100}})
    return fw, db.load_dataset("dti2022-synthetic"), nominal


def salib_grid(factors, trajectories, num_levels=4, seed=1):
    """SALib's own Morris sample of the same problem, clipped below 1 as the bins need."""
    from SALib.sample import morris as morris_sample

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        x = morris_sample.sample(problem(factors), trajectories, num_levels=num_levels, seed=seed)
    return np.minimum(x, 1.0 - 1e-12)


def states(x, factors, trajectories):
    """Per factor, the design decoded independently of dti_bench: (trajectories, d + 1, columns) raw columns, and
    for a categorical factor its alternative indices min(floor(u K), K - 1)."""
    d = len(factors)
    grid = x.reshape(trajectories, d + 1, x.shape[1])
    out, col = [], 0
    for f in factors:
        block = grid[:, :, col:col + f.dimension]
        col += f.dimension
        k = len(f.choices) if f.kind == "choice" else len(f.targets) + 1 if f.kind == "leave_one_out" else None
        out.append((block, None if k is None else np.minimum(np.floor(block[:, :, 0] * k).astype(int), k - 1)))
    return out


def compared_pairs(alternative):
    """Each trajectory's (lower, upper) alternatives across the one step at which the factor changes."""
    pairs = []
    for row in alternative:
        change = np.flatnonzero(row[1:] != row[:-1])
        assert len(change) <= 1  # a categorical factor moves once per trajectory
        if len(change):
            a, b = row[change[0]], row[change[0] + 1]
            pairs.append((min(a, b), max(a, b)))
    return pairs


def hand_effects(x, y, factors, trajectories, which):
    """Elementary effects of categorical factor ``which``, by hand: y after its step minus y before, oriented
    towards the later alternative."""
    (block, alternative) = states(x, factors, trajectories)[which]
    y = y.reshape(trajectories, len(factors) + 1)
    effects = []
    for t in range(trajectories):
        s = int(np.flatnonzero(block[t, 1:, 0] != block[t, :-1, 0])[0]) + 1
        sign = 1.0 if alternative[t, s] > alternative[t, s - 1] else -1.0
        effects.append(sign * (y[t, s] - y[t, s - 1]))
    return np.array(effects)


# -- the review's examples ----------------------------------------------------------------------------------------

def test_five_aggregations_are_all_evaluated_and_harmonic_is_used(dti):
    fw, ds, nominal = dti
    factors = parse_factors([db.factors.choice("aggregate", FIVE_AGGREGATIONS, name="aggregation"),
                             db.factors.weight_noise(0.25, name="weights")], fw, nominal)
    # the defect: equal bins on SALib's 4-level grid never reach the 3rd alternative (harmonic)
    old = np.minimum(np.floor(salib_grid(factors, DEFAULT_TRAJECTORIES)[:, 0] * 5).astype(int), 4)
    assert 2 not in set(old.tolist())
    x = morris_design(factors, DEFAULT_TRAJECTORIES)
    _, alternative = states(x, factors, DEFAULT_TRAJECTORIES)[0]
    assert set(alternative.ravel().tolist()) == {0, 1, 2, 3, 4}
    assert set(compared_pairs(alternative)) == {(0, 1), (1, 2), (2, 3), (3, 4)}
    methods = {m.aggregate.for_node(fw.headline, fw.level(fw.headline)).name
               for m in to_batch(x, factors, fw, nominal).methodologies}
    assert "harmonic" in methods and methods == {"arithmetic", "geometric", "harmonic", "power", "minimum"}

    result = db.morris(fw, ds, nominal, factors)
    row = result.design.set_index("factor").loc["aggregation"]
    assert (row["alternatives"], row["evaluated"], row["pairs"], row["compared"]) == (5, 5, 4, 4)
    assert (row["min_comparisons"], row["max_comparisons"]) == (5, 5)  # 20 trajectories over 4 pairs
    assert not result.warnings and result.dropped == 0

    # μ*, μ and σ of the categorical factor are the plain statistics of y(a_{i+1}) - y(a_i) over the trajectories
    out = evaluate_design(Engine(fw, ds), x, factors, nominal, fw.headline,
                          compute_index(fw, ds, nominal).rank_values[fw.headline].to_numpy(dtype=float))
    table = result.to_frame().set_index(["output", "factor"])
    for output, y in (("mean_abs_shift", out.rbar), (ds.units[0], out.ranks[:, 0])):
        ee = hand_effects(x, y, factors, DEFAULT_TRAJECTORIES, 0)
        got = table.loc[(output, "aggregation")]
        assert got["mu_star"] == pytest.approx(np.abs(ee).mean(), rel=1e-12, abs=1e-12)
        assert got["mu"] == pytest.approx(ee.mean(), rel=1e-12, abs=1e-12)
        assert got["sigma"] == pytest.approx(ee.std(ddof=1), rel=1e-12, abs=1e-12)
    assert table.loc[("mean_abs_shift", "aggregation"), "mu_star"] > 0


def test_three_choices_compare_the_first_pair(example_framework, example_data):
    nominal = parse_methodology({"normalise": {"method": "minmax", "lo": 1, "hi": 100}})
    factors = parse_factors([{"path": "aggregate.method", "choices": ["arithmetic", "geometric", "harmonic"],
                              "name": "aggregation"}, {"path": "aggregate.p", "range": [0.5, 1.5], "name": "p"}],
                            example_framework, nominal, "f")
    old = np.minimum(np.floor(salib_grid(factors, DEFAULT_TRAJECTORIES)[:, 0] * 3).astype(int), 2)
    assert (0, 1) not in set(compared_pairs(old.reshape(DEFAULT_TRAJECTORIES, 3)))  # the defect
    x = morris_design(factors, DEFAULT_TRAJECTORIES)
    pairs = compared_pairs(states(x, factors, DEFAULT_TRAJECTORIES)[0][1])
    assert pairs.count((0, 1)) == pairs.count((1, 2)) == 10 and len(pairs) == DEFAULT_TRAJECTORIES
    result = db.morris(example_framework, example_data, nominal, factors)
    assert result.design.set_index("factor").loc["aggregation", ["evaluated", "compared"]].tolist() == [3, 2]


# -- the design, as a property ------------------------------------------------------------------------------------

@st.composite
def factor_mixes(draw):
    sizes = draw(st.lists(st.integers(2, 7), min_size=1, max_size=4))
    factors = [Factor(f"c{i}", "aggregate.method", "choice", choices=tuple(range(k))) for i, k in enumerate(sizes)]
    if draw(st.booleans()):
        factors.append(Factor("p", "aggregate.p", "range", low=-1.0, high=2.0))
    if draw(st.booleans()):
        factors.append(Factor("noise", "weights", "noise", noise=0.25, edges=tuple(range(draw(st.integers(1, 6))))))
    if draw(st.booleans()):
        factors.append(Factor("loo", "indicators", "leave_one_out", targets=tuple(range(draw(st.integers(1, 6))))))
    if draw(st.booleans()):
        factors.append(Factor("out", "indicators", "exclude", probability=0.1, targets=(0, 1, 2)))
    order = draw(st.permutations(range(len(factors))))
    factors = [factors[i] for i in order]
    trajectories = draw(st.one_of(st.just(DEFAULT_TRAJECTORIES),
                                  st.integers(required_trajectories(factors), DEFAULT_TRAJECTORIES)))
    return factors, trajectories, draw(st.integers(0, 2 ** 16)), draw(st.sampled_from([4, 6]))


@settings(max_examples=60, deadline=None)
@given(factor_mixes())
def test_every_alternative_appears_and_every_pair_is_compared(mix):
    factors, trajectories, seed, levels = mix
    x = morris_design(factors, trajectories, num_levels=levels, seed=seed)
    d = len(factors)
    assert x.shape == (trajectories * (d + 1), sum(f.dimension for f in factors))
    assert ((x >= 0) & (x < 1)).all()
    decoded = states(x, factors, trajectories)
    # one factor at a time: each step of a trajectory changes exactly one factor, each factor exactly once
    moved = np.stack([(block[:, 1:] != block[:, :-1]).any(axis=2) for block, _ in decoded], axis=2)
    assert (moved.sum(axis=2) == 1).all() and (moved.sum(axis=1) == 1).all()
    grid = salib_grid(factors, trajectories, levels, seed).reshape(trajectories, d + 1, -1)
    col = 0
    for f, (block, alternative) in zip(factors, decoded):
        if alternative is None:  # a continuous factor: SALib's design, number for number
            np.testing.assert_array_equal(block, grid[:, :, col:col + f.dimension])
        else:
            k = len(f.choices) if f.kind == "choice" else len(f.targets) + 1
            expected = ([(i, i + 1) for i in range(k - 1)] if f.kind == "choice"
                        else [(0, j) for j in range(1, k)])
            pairs = compared_pairs(alternative)
            assert len(pairs) == trajectories  # every trajectory compares two distinct alternatives
            assert set(alternative.ravel().tolist()) == set(range(k))
            counts = [pairs.count(p) for p in expected]
            assert set(pairs) == set(expected) and max(counts) - min(counts) <= 1  # balanced
        col += f.dimension
    table = coverage(x, factors, levels).set_index("factor")
    for f in factors:
        if comparisons(f) is not None:
            assert table.loc[f.name, "evaluated"] == table.loc[f.name, "alternatives"] == f.levels_count
            assert table.loc[f.name, "compared"] == table.loc[f.name, "pairs"] == len(comparisons(f))


def test_the_same_seed_gives_the_same_design():
    factors = [Factor("a", "aggregate.method", "choice", choices=tuple("abcde")),
               Factor("noise", "weights", "noise", noise=0.25, edges=(0, 1, 2))]
    np.testing.assert_array_equal(morris_design(factors, 12, seed=7), morris_design(factors, 12, seed=7))
    assert not np.array_equal(morris_design(factors, 12, seed=7), morris_design(factors, 12, seed=8))


def test_a_single_alternative_moves_within_its_bin():
    factors = [Factor("one", "aggregate.method", "choice", choices=("arithmetic",)),
               Factor("p", "aggregate.p", "range")]
    x = morris_design(factors, 4, seed=2)
    block, alternative = states(x, factors, 4)[0]
    assert (alternative == 0).all() and ((block[:, 1:, 0] != block[:, :-1, 0]).sum(axis=1) == 1).all()
    assert coverage(x, factors).set_index("factor").loc["one", ["evaluated", "pairs", "compared"]].tolist() == [1, 0, 0]


# -- numbers -----------------------------------------------------------------------------------------------------

def test_mu_star_of_a_categorical_factor_is_the_mean_absolute_change(dti):
    # alternatives (A, A, B) with A the nominal: pair (0, 1) changes nothing, pair (1, 2) moves R̄s from 0 to R;
    # 4 trajectories compare each pair twice: μ* = μ = R / 2, σ = std(0, 0, R, R) = R / √3
    fw, ds, nominal = dti
    a, b = "arithmetic", "geometric"
    factor = {"path": "aggregate", "choices": [a, a, b], "name": "aggregation"}
    head = fw.headline
    nominal_ranks = compute_index(fw, ds, nominal).rank_values[head].to_numpy(dtype=float)
    ranks_b = compute_index(fw, ds, nominal.vary({"aggregate": b})).rank_values[head].to_numpy(dtype=float)
    shift = float(np.abs(ranks_b - nominal_ranks).mean())
    assert shift > 0
    result = db.morris(fw, ds, nominal, [factor], n=4)
    table = result.to_frame().set_index(["output", "factor"])
    row = table.loc[("mean_abs_shift", "aggregation")]
    assert row["mu_star"] == pytest.approx(shift / 2, rel=1e-12)
    assert row["mu"] == pytest.approx(shift / 2, rel=1e-12)
    assert row["sigma"] == pytest.approx(shift / np.sqrt(3), rel=1e-12)
    assert row["mu_star_conf"] > 0
    # a unit's rank: its two (1, 2) steps each move it by rank_B - rank_A, the (0, 1) steps by 0
    moves = ranks_b - nominal_ranks
    u = int(np.argmax(np.abs(moves)))
    per_unit = table.loc[(ds.units[u], "aggregation")]
    assert per_unit["mu"] == pytest.approx(moves[u] / 2, abs=1e-12) and moves[u] != 0
    assert per_unit["mu_star"] == pytest.approx(abs(moves[u]) / 2, abs=1e-12)


def test_leave_one_out_compares_nothing_removed_with_each_removal(dti):
    # each of the 8 trajectories removes one indicator: μ* is the mean over indicators of the mean absolute rank
    # shift their removal causes, which the leave-one-out analysis computes by rebuilding the index without it
    fw, ds, nominal = dti
    result = db.morris(fw, ds, nominal, [db.factors.leave_one_out()], n=len(fw.indicators))
    row = result.to_frame().set_index(["output", "factor"]).loc[("mean_abs_shift", "indicators")]
    removal = db.leave_one_out(fw, ds, nominal).by_element().set_index("removed")
    shifts = removal.loc[list(fw.indicators), "mean_abs_shift"].to_numpy(dtype=float)
    assert row["mu_star"] == pytest.approx(shifts.mean(), rel=1e-12)
    assert row["sigma"] == pytest.approx(shifts.std(ddof=1), rel=1e-12)
    covered = result.design.set_index("factor").loc["indicators"]
    assert covered[["alternatives", "evaluated", "pairs", "compared", "min_comparisons"]].tolist() == [9, 9, 8, 8, 1]


def test_a_purely_continuous_design_is_salibs(example_framework, example_data):
    from SALib.analyze import morris as morris_analyze

    nominal = parse_methodology({"normalise": {"method": "minmax", "lo": 1, "hi": 100}})
    factors = parse_factors([{"path": "aggregate.p", "range": [-1.0, 2.0], "name": "p"},
                             {"path": "weights", "noise": 0.25, "levels": [1], "name": "weight noise"}],
                            example_framework, nominal, "f")
    x = morris_design(factors, 16, seed=5)
    np.testing.assert_array_equal(x, salib_grid(factors, 16, seed=5))
    result = db.morris(example_framework, example_data, nominal, factors, n=16, seed=5)
    head = example_framework.headline
    ranks = compute_index(example_framework, example_data, nominal).rank_values[head].to_numpy(dtype=float)
    out = evaluate_design(Engine(example_framework, example_data), x, factors, nominal, head, ranks)
    table = result.to_frame().set_index(["output", "factor"])
    for output, y in (("mean_abs_shift", out.rbar), (example_data.units[1], out.ranks[:, 1])):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ref = morris_analyze.analyze(problem(factors), x, y, num_levels=4, seed=5)
        for i, name in enumerate(ref["names"]):
            for key in ("mu_star", "mu_star_conf", "mu", "sigma"):
                np.testing.assert_equal(table.loc[(output, name), key], float(ref[key][i]), err_msg=key)
    assert (result.design["design"] == "grid").all()


# -- refusals and what a run records ------------------------------------------------------------------------------

def test_too_few_trajectories_and_odd_grids_are_refused(dti):
    fw, ds, nominal = dti
    with pytest.raises(ConfigError, match=r"^n: Morris needs at least 4 trajectories to compare every pair of "
                                          r"alternatives of factor 'aggregation' \(4 pairs\), got 3$"):
        db.morris(fw, ds, nominal, [db.factors.choice("aggregate", FIVE_AGGREGATIONS, name="aggregation")], n=3)
    with pytest.raises(ConfigError, match=r"^num_levels: the Morris grid needs an even number of levels"):
        db.morris(fw, ds, nominal, [db.factors.weight_noise(0.25)], n=4, num_levels=5)
    raw = {"name": "x", "data": {"dataset": "dti2022-published-profiles"}, "analyses": {"sensitivity": {
        "method": "morris", "samples": 4, "factors": [{"path": "indicators", "leave_one_out": True}]}}}
    with pytest.raises(ConfigError, match=r"analyses\.sensitivity\.samples: Morris needs at least 8 trajectories"):
        db.Study.from_config(raw)
    raw["analyses"]["sensitivity"].update(samples=8, num_levels=3)
    with pytest.raises(ConfigError, match=r"analyses\.sensitivity\.num_levels: the Morris grid needs an even"):
        db.Study.from_config(raw)


def test_trajectories_dropped_for_failed_runs_are_reported(example_framework, example_data):
    # min-max to [0, 1] gives zeros, on which the geometric mean fails: every trajectory comparing alternatives
    # 1 and 2 is dropped, so the design that remains never evaluates geometric
    nominal = parse_methodology({"normalise": {"method": "minmax", "lo": 0, "hi": 1}})
    factor = {"path": "aggregate", "choices": ["arithmetic", {"method": "power", "p": 1.0}, "geometric"],
              "name": "aggregation"}
    result = db.morris(example_framework, example_data, nominal, [factor], n=6)
    assert result.dropped == 3
    row = result.design.set_index("factor").loc["aggregation"]
    assert row[["evaluated", "compared", "min_comparisons", "max_comparisons"]].tolist() == [2, 1, 0, 3]
    assert result.warnings == ("Morris: factor 'aggregation' evaluated 2 of 3 alternatives and compared 1 of 2 "
                               "pairs after 3 trajectories with a failed run were dropped; its mu_star leaves the "
                               "rest out",)
    assert result.summary()["warnings"] == list(result.warnings)


def test_a_run_folder_holds_the_design(tmp_path):
    raw = {"name": "x", "data": {"dataset": "dti2022-published-profiles"}, "analyses": {"sensitivity": {
        "method": "morris", "samples": 4, "factors": [
            {"path": "aggregate.method", "choices": ["arithmetic", "geometric", "harmonic"], "name": "aggregation"},
            {"path": "weights", "noise": 0.2}]}}}
    folder = db.Study.from_config(raw).save(tmp_path, figures="none", report=False)
    design = pd.read_csv(folder / "screening_design.csv")
    assert design["factor"].tolist() == ["aggregation", "weights"]
    assert design.loc[0, ["design", "alternatives", "evaluated", "pairs", "compared"]].tolist() == [
        "categorical", 3, 3, 2, 2]
    assert (folder / "screening.csv").exists()
