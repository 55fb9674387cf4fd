"""Sobol' indices: analytic values of a linear model, a dummy factor, agreement with SALib, convergence."""

from __future__ import annotations

import numpy as np
import pytest

from dti_bench.model.methodology import parse_methodology
from dti_bench.analyses.factors import parse_factors
from dti_bench.analyses.morris import morris as run_morris
from dti_bench.analyses.pawn import pawn as run_pawn
from dti_bench.analyses.sobol import sobol as run_sobol, salib_reference, saltelli_sample, sobol_indices

NOMINAL = parse_methodology({"normalise": {"method": "minmax", "lo": 1, "hi": 100}})
NORMALISATION = {"path": "normalise", "choices": [{"method": "minmax", "lo": 1, "hi": 100},
                                                  {"method": "zscore", "m": 10, "s": 2}], "name": "normalisation"}
AGGREGATION = {"path": "aggregate.method", "choices": ["arithmetic", "geometric"], "name": "aggregation"}
NOISE = {"path": "weights", "noise": 0.25, "levels": [1, 2], "name": "weight noise"}


def linear_factors(example_framework, k):
    # k one-column continuous factors: their hypercube columns are the model's inputs in the analytic test
    return parse_factors([{"path": "aggregate.p", "range": [0.5, 1.5], "name": f"x{i}"} for i in range(k)],
                         example_framework, NOMINAL, "f")


@pytest.mark.parametrize("n", [1024, 8192])
def test_linear_model_first_order_and_total_indices(example_framework, n):
    # y = Σ w_i x_i, x_i ~ U(0, 1) independent: S1_i = ST_i = w_i² σ_i² / Σ w_j² σ_j² (σ² = 1/12 for all)
    w = np.array([1.0, 2.0, 3.0])
    analytic = w ** 2 / (w ** 2).sum()
    factors = linear_factors(example_framework, 3)
    u = saltelli_sample(factors, n, seed=2)
    res = sobol_indices(u @ w, 3, seed=2)
    tol = 6.0 / np.sqrt(n)  # Monte Carlo error of the estimators shrinks like N^-1/2
    np.testing.assert_allclose(res["S1"][:, 0], analytic, atol=tol)
    np.testing.assert_allclose(res["ST"][:, 0], analytic, atol=tol)
    assert (np.abs(res["ST"][:, 0] - analytic) <= res["ST_conf"][:, 0] * 3 + 1e-3).all()


def test_estimates_converge_to_the_analytic_value(example_framework):
    w = np.array([1.0, 0.5, 2.0, 1.0])
    analytic = w ** 2 / (w ** 2).sum()
    factors = linear_factors(example_framework, 4)
    errors = []
    for n in (256, 4096, 65536):
        u = saltelli_sample(factors, n, seed=5)
        errors.append(np.abs(sobol_indices(u @ w, 4, num_resamples=10)["S1"][:, 0] - analytic).max())
    assert errors[2] < errors[0] and errors[2] < 0.01


def test_matches_salib_analyze_on_identical_samples(example_framework):
    factors = parse_factors([NORMALISATION, AGGREGATION, NOISE], example_framework, NOMINAL, "f")
    u = saltelli_sample(factors, 64, seed=3)
    rng = np.random.default_rng(0)
    y = np.column_stack([u[:, 0] * 3 + u[:, -1] ** 2, rng.random(len(u)), np.sin(6 * u[:, 1]) + u[:, 4]])
    mine = sobol_indices(y, 3, num_resamples=50, seed=9)
    for j in range(y.shape[1]):
        ref = salib_reference(y[:, j], factors, num_resamples=50, seed=9)
        for key in ("S1", "S1_conf", "ST", "ST_conf"):
            np.testing.assert_allclose(mine[key][:, j], ref[key], rtol=1e-10, atol=1e-12, err_msg=key)


def test_dummy_factor_with_identical_alternatives_gets_zero(example_framework, example_data):
    dummy = {"path": "normalise.method", "choices": ["zscore", "zscore"], "name": "dummy"}
    factors = parse_factors([dummy, {**NOISE, "levels": [1]}], example_framework,
                            parse_methodology({"normalise": "zscore"}), "f")
    res = run_sobol(example_framework, example_data, parse_methodology({"normalise": "zscore"}), factors,
                    n=256, seed=1, target=None)
    table = res.table()
    d = table[table["factor"] == "dummy"]
    assert np.allclose(d["ST"], 0.0) and np.allclose(d["S1"], 0.0, atol=1e-12)
    varying = table[(table["factor"] == "weight noise") & (table["quantity"] == "score")]
    assert (varying["ST"] > 0.5).all()  # the only live factor explains the scores


def test_run_sobol_equals_salib_on_its_own_outputs(example_framework, example_data):
    factors = parse_factors([NORMALISATION, AGGREGATION, NOISE], example_framework, NOMINAL, "f")
    res = run_sobol(example_framework, example_data, NOMINAL, factors, n=128, seed=4, target=None, num_resamples=20)
    from dti_bench.engine.batch import Engine
    from dti_bench.analyses.sobol import evaluate_design

    from dti_bench.index import compute_index

    u = saltelli_sample(factors, 128, seed=4)
    nominal_ranks = compute_index(example_framework, example_data, NOMINAL).rank_values["Index"].to_numpy(dtype=float)
    out = evaluate_design(Engine(example_framework, example_data), u, factors, NOMINAL,
                          example_framework.composites[2], nominal_ranks)
    ref = salib_reference(out.rbar, factors, num_resamples=20, seed=4)
    col = res.outputs.index(("mean_abs_shift", "summary"))
    np.testing.assert_allclose(res.indices["ST"][:, col], ref["ST"], rtol=1e-10)
    np.testing.assert_allclose(res.indices["S1"][:, col], ref["S1"], rtol=1e-10, atol=1e-12)


def test_convergence_doubles_until_target(example_framework, example_data):
    factors = parse_factors([NORMALISATION, AGGREGATION, NOISE], example_framework, NOMINAL, "f")
    res = run_sobol(example_framework, example_data, NOMINAL, factors, n=64, seed=1, target=0.1, num_resamples=50)
    ns = [h["N"] for h in res.history]
    assert ns == [64 * 2 ** i for i in range(len(ns))] and res.converged
    assert res.history[-1]["max_ST_halfwidth"] < 0.1 <= res.history[-2]["max_ST_halfwidth"]
    capped = run_sobol(example_framework, example_data, NOMINAL, factors, n=64, seed=1, target=0.001, max_runs=2000)
    assert not capped.converged and capped.runs <= 2000


def test_progress_steps_once_per_base_size_and_once_for_the_estimate(example_framework, example_data,
                                                                       monkeypatch):
    import dti_bench.analyses.sobol as module

    bars = []

    class Counting:
        def __init__(self, total, desc, *, enabled, unit):
            self.total, self.enabled, self.steps, self.postfix = total, enabled, 0, []
            bars.append(self)

        def update(self, n=1):
            self.steps += n

        def set_postfix_str(self, text=""):
            self.postfix.append(text)

        def close(self):
            pass

    monkeypatch.setattr(module, "progress_bar", Counting)
    factors = parse_factors([NORMALISATION, AGGREGATION, NOISE], example_framework, NOMINAL, "f")
    # 3 factors: 64 x 5 = 320 runs, then 640 and 1,280; 2,560 would exceed max_runs 2,000: at most two doublings
    capped = run_sobol(example_framework, example_data, NOMINAL, factors, n=64, seed=1, target=0.001,
                       max_runs=2000, progress=True)
    (bar,) = bars
    assert bar.enabled and bar.total == 2 + 2  # three base sizes and the final estimate
    assert bar.steps == len(capped.history) + 1 == 4
    assert [p for p in bar.postfix if p.startswith("N=")][:3] == ["N=64", "N=128", "N=256"]
    quiet = run_sobol(example_framework, example_data, NOMINAL, factors, n=64, seed=1, target=0.001, max_runs=2000)
    np.testing.assert_array_equal(quiet.indices["ST"], capped.indices["ST"])  # the bar changes nothing
    assert not bars[1].enabled


def test_failed_base_rows_are_dropped_and_reported(example_framework, example_data):
    nominal = parse_methodology({"normalise": {"method": "minmax", "lo": 0, "hi": 1}})
    factors = parse_factors([AGGREGATION, {**NOISE, "levels": [1]}], example_framework, nominal, "f")
    res = run_sobol(example_framework, example_data, nominal, factors, n=64, seed=1, target=None)
    assert 0 < res.dropped < 64 and any("dropped" in w for w in res.warnings)


def test_morris_and_pawn_rank_a_dead_factor_last(example_framework, example_data):
    same = {"method": "minmax", "lo": 1, "hi": 100}
    dummy = {"path": "normalise", "choices": [same, same], "name": "dummy"}
    live = {"path": "aggregate.p", "range": [-1.0, 2.0], "name": "p"}
    nominal = parse_methodology({"normalise": {"method": "minmax", "lo": 1, "hi": 100}})
    factors = parse_factors([dummy, live], example_framework, nominal, "f")
    morris = run_morris(example_framework, example_data, nominal, factors, n=20).to_frame()
    m = morris[morris["output"] == "mean_abs_shift"].set_index("factor")
    assert m.loc["dummy", "mu_star"] == 0 and m.loc["p", "mu_star"] > 0
    pawn = run_pawn(example_framework, example_data, nominal, factors, n=1000).to_frame()
    p = pawn[pawn["output"] == "mean_abs_shift"].set_index("factor")
    assert p.loc["p", "median"] > p.loc["dummy", "median"]


def test_one_grouped_factor_is_one_factor(dti2022, profiles):
    """SALib ignores a single group; the design still has N (1 + 2) rows and the factor explains everything."""
    from dti_bench.analyses.factors import parse_factors

    factors = parse_factors([{"path": "weights", "noise": 0.25}], dti2022, dti2022.official)
    assert factors[0].dimension == len(dti2022.edges) == 26  # every weight of the DAG, one factor
    u = saltelli_sample(factors, 16, seed=2)
    assert u.shape == (16 * 3, 26)
    np.testing.assert_array_equal(u[1::3], u[2::3])  # AB = B
    res = run_sobol(dti2022, profiles, dti2022.official, factors, n=256, target=None)
    table = res.to_frame()
    summary = table[table["output"] == "mean_abs_shift"].iloc[0]
    # the only factor explains all the variance: both estimators tend to 1 (sampling error ~ their interval)
    assert summary["ST"] == pytest.approx(1.0, abs=2 * summary["ST_conf"] + 0.02)
    assert summary["S1"] == pytest.approx(1.0, abs=2 * summary["S1_conf"] + 0.02)
