"""Robustness of the nominal ordering to the headline's weights: the robust-pair share of Foster, McGillivray &
Seth (2013), and the config's ``stability`` analysis, which puts it beside leave-one-out.

A pair of units is robust over a set of weights when one of them is ahead of the other under every weighting of
the set; the share of robust pairs says how much of the ranking no admissible weighting can overturn
(:func:`dti_bench.metrics.robustness.robust_pair_share` computes it, by vertex enumeration or linear programming).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from dti_bench.analyses.leave_one_out import LeaveOneOutResult
from dti_bench.analyses.results import Result, inputs
from dti_bench.errors import ConfigError, choices
from dti_bench.index import compute_index
from dti_bench.metrics.robustness import robust_pair_share
from dti_bench.model.dataset import Dataset
from dti_bench.model.framework import Framework
from dti_bench.model.methodology import Methodology

#: Vertex enumeration is exact and fast up to this many children; beyond, linear programming.
VERTEX_CHILDREN = 16


@dataclass(frozen=True, eq=False, repr=False)
class RobustPairsResult(Result):
    """The share of unit pairs whose order survives every admissible weighting of a composite's children.

    Attributes
    ----------
    node : str
    weights : str
        The weight set, in words ('simplex' or 'nominal ±25%').
    share : float
    """

    node: str
    weights: str
    share: float

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame([{"node": self.node, "weights": self.weights, "robust_pair_share": self.share}])

    def tables(self) -> dict[str, pd.DataFrame]:
        return {}  # the manifest holds the one number

    def summary(self) -> dict[str, Any]:
        return {"node": self.node, "weights": self.weights, "share": float(self.share)}

    def describe(self) -> str:
        return f"{self.node}, weights on the {self.weights}: {self.share:.3f} of pairs robust"


def robust_pairs(framework: Framework, data: Dataset | pd.DataFrame, methodology: Methodology | Mapping | None = None,
                 *, box: float | None = None, node: str | None = None,
                 reference: Dataset | None = None) -> RobustPairsResult:
    """The robust-pair share of a composite over its children's weights (Foster, McGillivray & Seth 2013).

    Parameters
    ----------
    framework, data, methodology
        The index (methodology None: the framework's official one, else the package default); the children's
        values are taken as the nominal methodology normalises and aggregates them.
    box : float, optional
        Weights within ``nominal · (1 ± box)`` (renormalised to the simplex); default: the whole simplex.
    node : str, optional
        The composite (default: the headline).
    reference : Dataset, optional
        Normalisation statistics from these data.

    Returns
    -------
    RobustPairsResult

    References
    ----------
    Foster, J. E., McGillivray, M., Seth, S. (2013). Econometric Reviews 32(1):35-56.

    Examples
    --------
    >>> import dti_bench as db
    >>> fw, ds = db.load_framework("dti-provincial-2022"), db.load_dataset("dti2022-published-profiles")
    >>> db.robust_pairs(fw, ds).share
    0.1
    """
    dataset, nominal = inputs(framework, data, methodology)
    node = node or framework.require_headline()
    if node not in framework.composites:
        raise ConfigError(f"node: {node!r} is not a composite; valid choices: {choices(framework.composites)}")
    if box is not None and not (isinstance(box, (int, float)) and 0 < box < 1):
        raise ConfigError(f"box: expected a fraction in (0, 1), got {box!r}")
    result = compute_index(framework, dataset, nominal, reference=reference)
    kids = framework.children(node)
    x = result.values[list(kids)].to_numpy(dtype=float)
    w = result.weight_arrays[node]
    kwargs = {} if box is None else {"w_lo": w * (1 - box), "w_hi": w * (1 + box)}
    share = robust_pair_share(x, method="vertices" if len(kids) <= VERTEX_CHILDREN else "lp", **kwargs)
    return RobustPairsResult(node, "simplex" if box is None else f"nominal ±{box:.0%}", float(share))


@dataclass(frozen=True, eq=False, repr=False)
class StabilityResult(Result):
    """The config's ``stability`` analysis: leave-one-out and, when asked, the robust-pair share."""

    leave_one_out: LeaveOneOutResult | None
    robust_pairs: RobustPairsResult | None

    def to_frame(self) -> pd.DataFrame:
        if self.leave_one_out is not None:
            return self.leave_one_out.by_element()
        return self.robust_pairs.to_frame() if self.robust_pairs is not None else pd.DataFrame()

    def tables(self) -> dict[str, pd.DataFrame]:
        return self.leave_one_out.tables() if self.leave_one_out is not None else {}

    def summary(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.leave_one_out is not None:
            out["leave_one_out"] = self.leave_one_out.summary()
        if self.robust_pairs is not None:
            out["robust_pair_share"] = self.robust_pairs.summary()
        return out

    def describe(self) -> str:
        return "; ".join(r.describe() for r in (self.leave_one_out, self.robust_pairs) if r is not None)


__all__ = ["RobustPairsResult", "StabilityResult", "robust_pairs"]
