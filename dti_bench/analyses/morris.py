"""Morris elementary-effects screening of methodology factors, through SALib.

It runs the same factors and engine as the Sobol' analysis (:mod:`dti_bench.analyses.sobol`) on the same outputs
(every unit's rank at the analysed node and the mean absolute rank shift R̄s), at ``r (d + 1)`` runs for ``r``
trajectories and ``d`` factors: ``SALib.sample.morris`` with factor groups (a weight-noise factor is one group),
``SALib.analyze.morris``; it reports μ*, its bootstrap interval, μ and σ (Morris 1991; Campolongo, Cariboni &
Saltelli 2007).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from dti_bench.analyses.factors import Factor, FactorSpec
from dti_bench.analyses.results import Result
from dti_bench.analyses.sampling import problem
from dti_bench.analyses.sobol import SUMMARY_OUTPUT, evaluate_design, setup
from dti_bench.config.specs import SensitivitySpec
from dti_bench.errors import MethodError
from dti_bench.model.dataset import Dataset
from dti_bench.model.framework import Framework
from dti_bench.model.methodology import Methodology


@dataclass(frozen=True, eq=False, repr=False)
class ScreeningResult(Result):
    """A screening table (one row per output and factor) with the design's size.

    Attributes
    ----------
    method : {'morris', 'pawn'}
    node : str
    factors : tuple of str
    table : DataFrame
        screening.csv.
    runs : int
        Model runs of the design.
    dropped : int
        Morris: trajectories dropped for a failed run; PAWN: failed runs.
    """

    method: str
    node: str
    factors: tuple[str, ...]
    table: pd.DataFrame
    runs: int
    dropped: int

    def to_frame(self) -> pd.DataFrame:
        return self.table

    def tables(self) -> dict[str, pd.DataFrame]:
        return {"screening.csv": self.table}

    def summary(self) -> dict[str, Any]:
        dropped = "dropped_trajectories" if self.method == "morris" else "failed"
        return {"method": self.method, "node": self.node, "factors": list(self.factors), "runs": self.runs,
                dropped: self.dropped}

    def describe(self) -> str:
        stat = "mu_star" if self.method == "morris" else "median"
        rows = self.table[self.table["output"] == SUMMARY_OUTPUT]
        top = rows.loc[rows[stat].idxmax()] if not rows.empty and rows[stat].notna().any() else None
        lead = f", largest effect on R̄s: {top['factor']}" if top is not None else ""
        return f"{self.method}, {self.node}, {self.runs:,} runs{lead}"


def _outputs(out, units) -> tuple[np.ndarray, list[str]]:
    y = np.column_stack([out.ranks, out.rbar])
    return y, [*units, SUMMARY_OUTPUT]


def morris(framework: Framework, data: Dataset | pd.DataFrame, methodology: Methodology | Mapping | None,
           factors: Sequence[FactorSpec | Mapping[str, Any] | Factor], *, n: int = 20,
           num_levels: int = SensitivitySpec.num_levels, seed: int = SensitivitySpec.seed, node: str | None = None,
           reference: Dataset | None = None) -> ScreeningResult:
    """Morris elementary effects of every factor on every output.

    Parameters
    ----------
    framework, data, methodology, factors
        As for :func:`~dti_bench.analyses.uncertainty.uncertainty`.
    n : int
        Trajectories: ``n (d + 1)`` runs.
    num_levels : int
        Levels of the Morris grid.
    seed : int
    node : str, optional
        The composite analysed (default: the headline).
    reference : Dataset, optional

    Returns
    -------
    ScreeningResult
        ``.to_frame()``: columns output, factor, mu_star, mu_star_conf, mu, sigma, method ('morris'), node. A
        trajectory with a failed run is dropped (counted in ``dropped``).

    References
    ----------
    Morris, M. D. (1991). Technometrics 33(2):161-174. Campolongo, F., Cariboni, J., Saltelli, A. (2007).
    Environmental Modelling & Software 22:1509-1518.

    Examples
    --------
    >>> import dti_bench as db
    >>> fw, ds = db.load_framework("dti-provincial-2022"), db.load_dataset("dti2022-synthetic")
    >>> result = db.morris(fw, ds, None, [db.factors.weight_noise(0.25, name="weights")], n=10)
    >>> result.runs
    20
    """
    s = setup(framework, data, methodology, factors, node, reference)
    factors, nominal, node, engine, nominal_ranks = s.factors, s.nominal, s.node, s.engine, s.reference_ranks
    trajectories = n
    from SALib.analyze import morris as morris_analyze
    from SALib.sample import morris as morris_sample

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
    return ScreeningResult("morris", node, tuple(f.name for f in factors), pd.DataFrame(rows), int(len(x)),
                           int(bad.sum()))




__all__ = ["ScreeningResult", "morris"]
