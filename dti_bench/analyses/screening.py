"""Screening designs for many factors: Morris elementary effects, and PAWN on given data, through SALib.

Both run the same factors and engine as the Sobol' analysis (:mod:`dti_bench.analyses.sobol`) on the same outputs
(every unit's rank at the analysed node and the mean absolute rank shift R̄s), at a cost linear in the number of
factors: Morris needs ``r (d + 1)`` runs for ``r`` trajectories; PAWN (Pianosi & Wagener 2015, 2018) estimates
from any sample, here a Monte Carlo one.

- Morris (Morris 1991; Campolongo, Cariboni & Saltelli 2007's μ*): ``SALib.sample.morris`` with factor groups
  (a weight-noise factor is one group), ``SALib.analyze.morris``; reports μ*, its bootstrap interval, μ and σ.
- PAWN: ``SALib.analyze.pawn`` (Kolmogorov–Smirnov distance between the unconditional output distribution and
  the distributions conditional on slices of a factor); reports the median, mean and max statistic. PAWN
  conditions on one column, so it takes factors of one column only (choices, ranges, leave-one-out).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from dti_bench.model.dataset import Dataset
from dti_bench.analyses.factors import Factor
from dti_bench.analyses.sampling import monte_carlo, problem
from dti_bench.engine.batch import Engine
from dti_bench.errors import ConfigError, MethodError
from dti_bench.model.framework import Framework
from dti_bench.index import nominal_ranks
from dti_bench.model.methodology import Methodology
from dti_bench.analyses.sobol import SUMMARY_OUTPUT, evaluate_design


def _setup(framework, dataset, nominal, node, reference):
    node = node or framework.require_headline()
    engine = Engine(framework, dataset, reference=reference)
    reference_ranks = nominal_ranks(framework, dataset, nominal, node, reference=reference)
    return node, engine, reference_ranks


def _outputs(out, units) -> tuple[np.ndarray, list[str]]:
    y = np.column_stack([out.ranks, out.rbar])
    return y, [*units, SUMMARY_OUTPUT]


def run_morris(framework: Framework, dataset: Dataset, nominal: Methodology, factors: Sequence[Factor], *,
               trajectories: int = 20, num_levels: int = 4, seed: int = 1, node: str | None = None,
               reference: Dataset | None = None) -> pd.DataFrame:
    """Morris elementary effects of every factor on every output.

    Returns
    -------
    DataFrame with columns output, factor, mu_star, mu_star_conf, mu, sigma, method ('morris'), node.
    Runs that failed are replaced by nothing: a trajectory with a failed run is dropped (counted in ``runs``).
    """
    from SALib.analyze import morris as morris_analyze
    from SALib.sample import morris as morris_sample

    node, engine, nominal_ranks = _setup(framework, dataset, nominal, node, reference)
    prob = problem(factors)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SALib warns about group/level choices it then handles
        x = morris_sample.sample(prob, trajectories, num_levels=num_levels, seed=seed)
    x = np.minimum(x, 1.0 - 1e-12)  # the design's top level is 1.0; bins are [0, 1)
    out = evaluate_design(engine, x, factors, nominal, node, nominal_ranks)
    y, names = _outputs(out, engine.units)
    step = len(factors) + 1
    bad = (out.failed | np.isnan(y).any(axis=1)).reshape(-1, step).any(axis=1)
    keep = np.repeat(~bad, step)
    if not keep.any():
        raise MethodError(f"Morris: every trajectory met a failed run ({next(iter(out.reasons.values()), '')})")
    rows = []
    for j, name in enumerate(names):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = morris_analyze.analyze(prob, x[keep], y[keep, j], num_levels=num_levels, seed=seed)
        for f, factor in enumerate(res["names"]):
            rows.append({"output": name, "factor": factor, "mu_star": res["mu_star"][f],
                         "mu_star_conf": res["mu_star_conf"][f], "mu": res["mu"][f], "sigma": res["sigma"][f],
                         "method": "morris", "node": node})
    table = pd.DataFrame(rows)
    table.attrs.update(runs=int(len(x)), dropped_trajectories=int(bad.sum()))
    return table


def run_pawn(framework: Framework, dataset: Dataset, nominal: Methodology, factors: Sequence[Factor], *,
             samples: int = 2000, slices: int = 10, seed: int = 1, node: str | None = None,
             reference: Dataset | None = None) -> pd.DataFrame:
    """PAWN sensitivity statistics of every one-column factor on every output, from a Monte Carlo sample.

    Returns
    -------
    DataFrame with columns output, factor, median, mean, maximum, method ('pawn'), node.
    """
    from SALib.analyze import pawn

    wide = [f.name for f in factors if f.dimension != 1]
    if wide:
        raise ConfigError(f"analyses.sensitivity: PAWN conditions on one column per factor; factor {wide[0]!r} "
                          f"spans several (use method: morris or sobol for weight factors)")
    node, engine, nominal_ranks = _setup(framework, dataset, nominal, node, reference)
    x = monte_carlo(factors, seed, 0, samples)
    out = evaluate_design(engine, x, factors, nominal, node, nominal_ranks)
    y, names = _outputs(out, engine.units)
    keep = ~(out.failed | np.isnan(y).any(axis=1))
    if keep.sum() < 2 * slices:
        raise MethodError(f"PAWN: only {int(keep.sum())} of {samples} runs succeeded "
                          f"({next(iter(out.reasons.values()), '')})")
    prob = {k: v for k, v in problem(factors).items() if k != "groups"}
    rows = []
    for j, name in enumerate(names):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = pawn.analyze(prob, x[keep], y[keep, j], S=slices, seed=seed)
        for f, factor in enumerate(res["names"]):
            rows.append({"output": name, "factor": factor, "median": res["median"][f], "mean": res["mean"][f],
                         "maximum": res["maximum"][f], "method": "pawn", "node": node})
    table = pd.DataFrame(rows)
    table.attrs.update(runs=int(samples), failed=int((~keep).sum()))
    return table
