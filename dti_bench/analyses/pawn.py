"""PAWN density-based sensitivity of methodology factors, from a Monte Carlo sample, through SALib.

PAWN (Pianosi & Wagener 2015, 2018) measures the Kolmogorov–Smirnov distance between an output's unconditional
distribution and its distributions conditional on slices of one factor (``SALib.analyze.pawn``); it reports the
median, mean and maximum statistic. It conditions on one column, so it takes factors of one column only
(choices, ranges, leave-one-out). Outputs are those of the Sobol' analysis (each unit's rank and R̄s).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from dti_bench.analyses.factors import Factor, FactorSpec
from dti_bench.analyses.sampling import monte_carlo, problem
from dti_bench.analyses.sobol import evaluate_design, setup
from dti_bench.config.specs import SensitivitySpec
from dti_bench.analyses.morris import ScreeningResult, _outputs
from dti_bench.errors import ConfigError, MethodError
from dti_bench.model.dataset import Dataset
from dti_bench.model.framework import Framework
from dti_bench.model.methodology import Methodology


def pawn(framework: Framework, data: Dataset | pd.DataFrame, methodology: Methodology | Mapping | None,
         factors: Sequence[FactorSpec | Mapping[str, Any] | Factor], *, n: int = 2000,
         slices: int = SensitivitySpec.slices, seed: int = SensitivitySpec.seed, node: str | None = None,
         reference: Dataset | None = None) -> ScreeningResult:
    """PAWN sensitivity statistics of every one-column factor on every output, from a Monte Carlo sample.

    Parameters
    ----------
    framework, data, methodology, factors
        As for :func:`~dti_bench.analyses.uncertainty.uncertainty`; every factor must take one column (no weight
        noise or simplex weights).
    n : int
        Monte Carlo sample size.
    slices : int
        Conditioning slices per factor.
    seed : int
    node : str, optional
    reference : Dataset, optional

    Returns
    -------
    ScreeningResult
        ``.to_frame()``: columns output, factor, median, mean, maximum, method ('pawn'), node.

    References
    ----------
    Pianosi, F. & Wagener, T. (2015). Environmental Modelling & Software 67:1-11; (2018) 108:197-207.

    Examples
    --------
    >>> import dti_bench as db
    >>> fw, ds = db.load_framework("dti-provincial-2022"), db.load_dataset("dti2022-synthetic")
    >>> f = db.factors.choice("aggregate.method", ["arithmetic", "geometric"], name="aggregation")
    >>> db.pawn(fw, ds, None, [f], n=200).to_frame().columns.tolist()[:5]
    ['output', 'factor', 'median', 'mean', 'maximum']
    """
    from SALib.analyze import pawn as salib_pawn

    samples = n
    s = setup(framework, data, methodology, factors, node, reference)
    factors, nominal, node, engine, nominal_ranks = s.factors, s.nominal, s.node, s.engine, s.reference_ranks
    wide = [f.name for f in factors if f.dimension != 1]
    if wide:
        raise ConfigError(f"PAWN conditions on one column per factor; factor {wide[0]!r} spans several (use "
                          f"method: morris or sobol for weight factors)")
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
            res = salib_pawn.analyze(prob, x[keep], y[keep, j], S=slices, seed=seed)
        for f, factor in enumerate(res["names"]):
            rows.append({"output": name, "factor": factor, "median": res["median"][f], "mean": res["mean"][f],
                         "maximum": res["maximum"][f], "method": "pawn", "node": node})
    return ScreeningResult("pawn", node, tuple(f.name for f in factors), pd.DataFrame(rows), int(samples),
                           int((~keep).sum()))


__all__ = ["pawn"]
