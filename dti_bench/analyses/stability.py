"""Robustness of the nominal ordering to the headline's weights: the robust-pair share of Foster, McGillivray &
Seth (2013), and the config's ``stability`` analysis, which puts it beside leave-one-out.

A pair of units is robust over a set of weights when one of them is never behind the other and ahead under some
weighting of the set (weak dominance, FMS's, the default), or ahead under every weighting (strict dominance); the
share of robust pairs says how much of the ranking no admissible weighting can overturn
(:func:`dti_bench.metrics.robustness.robust_pair_share` computes it, by vertex enumeration or linear programming).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from dti_bench.analyses.leave_one_out import LeaveOneOutResult
from dti_bench.analyses.results import Result, inputs
from dti_bench.config.specs import RobustPairsSpec
from dti_bench.errors import ConfigError, choices
from dti_bench.index import compute_index
from dti_bench.metrics.robustness import DOMINANCE, robust_pair_share
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
    dominance : str
        'weak' or 'strict' (see :func:`~dti_bench.metrics.robustness.robust_pair_share`).
    share : float
        ``robust / pairs`` (NaN without a pair).
    robust, pairs : int
        Robust pairs, and pairs of units with every child's value present.
    """

    node: str
    weights: str
    dominance: str
    share: float
    robust: int
    pairs: int

    def to_frame(self) -> pd.DataFrame:
        """The result as one DataFrame (its main table; :meth:`tables` gives every file a run writes).

        Examples
        --------
        >>> import dti_bench as db
        >>> fw, ds = db.load_framework("dti-provincial-2022"), db.load_dataset("dti2022-published-profiles")
        >>> result = db.robust_pairs(fw, ds)
        >>> result.to_frame()
          node  weights dominance  robust_pair_share  robust_pairs  pairs
        0  DTI  simplex      weak                0.3             3     10
        """
        return pd.DataFrame([{"node": self.node, "weights": self.weights, "dominance": self.dominance,
                              "robust_pair_share": self.share, "robust_pairs": self.robust, "pairs": self.pairs}])

    def tables(self) -> dict[str, pd.DataFrame]:
        """File name -> table: the CSV files a run folder holds for this analysis.

        Examples
        --------
        >>> import dti_bench as db
        >>> fw, ds = db.load_framework("dti-provincial-2022"), db.load_dataset("dti2022-published-profiles")
        >>> result = db.robust_pairs(fw, ds)
        >>> result.tables()   # the manifest holds the numbers
        {}
        """
        return {}  # the manifest holds the numbers

    def summary(self) -> dict[str, Any]:
        """The numbers the manifest records for this analysis (``outputs`` in ``manifest.json``).

        Examples
        --------
        >>> import dti_bench as db
        >>> fw, ds = db.load_framework("dti-provincial-2022"), db.load_dataset("dti2022-published-profiles")
        >>> result = db.robust_pairs(fw, ds)
        >>> result.summary()
        {'node': 'DTI', 'weights': 'simplex', 'dominance': 'weak', 'share': 0.3, 'robust': 3, 'pairs': 10}
        """
        return {"node": self.node, "weights": self.weights, "dominance": self.dominance, "share": float(self.share),
                "robust": self.robust, "pairs": self.pairs}

    def describe(self) -> str:
        """One line: what was analysed and its headline number.

        Examples
        --------
        >>> import dti_bench as db
        >>> fw, ds = db.load_framework("dti-provincial-2022"), db.load_dataset("dti2022-published-profiles")
        >>> result = db.robust_pairs(fw, ds)
        >>> result.describe()
        'DTI, weights on the simplex, weak dominance: 3 of 10 pairs robust (0.300)'
        """
        return (f"{self.node}, weights on the {self.weights}, {self.dominance} dominance: {self.robust} of "
                f"{self.pairs} pairs robust ({self.share:.3f})")


def robust_pairs(framework: Framework, data: Dataset | pd.DataFrame, methodology: Methodology | Mapping | None = None,
                 *, box: float | None = RobustPairsSpec.box, dominance: str = RobustPairsSpec.dominance,
                 node: str | None = None, reference: Dataset | None = None) -> RobustPairsResult:
    r"""The robust-pair share of a composite over its children's weights (Foster, McGillivray & Seth 2013).

    With :math:`d = x_a - x_b` the difference of two units' children values, a pair is robust over the weight
    set :math:`W` when one unit is robustly ahead: under weak dominance (the default, FMS 2013)
    :math:`\min_W w \cdot d \ge 0 < \max_W w \cdot d` (or the mirror image), under strict dominance
    :math:`\min_W w \cdot d > 0` (or the mirror image). Over the whole simplex weak robustness is vector
    dominance (:math:`\ge` on every child, :math:`>` on one); identical children vectors are tied under every
    weighting and are not a robust pair under either rule.

    Parameters
    ----------
    framework, data, methodology
        The index (methodology None: the framework's official one, else the package default); the children's
        values are taken as the nominal methodology normalises and aggregates them.
    box : float, optional
        Weights within ``nominal · (1 ± box)`` (renormalised to the simplex); default: the whole simplex.
    dominance : {'weak', 'strict'}
        The robustness rule (:func:`~dti_bench.metrics.robustness.robust_pair_share`).
    node : str, optional
        The composite (default: the headline).
    reference : Dataset, optional
        Normalisation statistics from these data.

    Returns
    -------
    RobustPairsResult

    Notes
    -----
    NaN policy: a unit missing any child's value takes part in no pair; ``pairs`` counts the pairs of the others.

    References
    ----------
    Foster, J. E., McGillivray, M., Seth, S. (2013). Econometric Reviews 32(1):35-56.

    Examples
    --------
    The five published 2022 profiles over the whole simplex of the eight main indicators' weights: Đà Nẵng is
    at least as high as Quảng Ninh, Thừa Thiên Huế and Cần Thơ on every indicator and higher on some (level with
    the first two on institutions, 0.9000), so it weakly dominates all three; it is higher on all eight only
    against Cần Thơ. Every other pair has mixed signs.

    >>> import dti_bench as db
    >>> fw, ds = db.load_framework("dti-provincial-2022"), db.load_dataset("dti2022-published-profiles")
    >>> db.robust_pairs(fw, ds)
    RobustPairsResult(DTI, weights on the simplex, weak dominance: 3 of 10 pairs robust (0.300))
    >>> db.robust_pairs(fw, ds, dominance="strict").share
    0.1
    """
    dataset, nominal = inputs(framework, data, methodology)
    node = node or framework.require_headline()
    if node not in framework.composites:
        raise ConfigError(f"node: {node!r} is not a composite; valid choices: {choices(framework.composites)}")
    if box is not None and (isinstance(box, bool) or not (isinstance(box, (int, float)) and 0 < box < 1)):
        raise ConfigError(f"box: expected a fraction in (0, 1), got {box!r}")
    if dominance not in DOMINANCE:
        raise ConfigError(f"dominance: {dominance!r} is not one of {choices(DOMINANCE)}")
    result = compute_index(framework, dataset, nominal, reference=reference)
    kids = framework.children(node)
    x = result.values[list(kids)].to_numpy(dtype=float)
    w = result.weight_arrays[node]
    kwargs: dict[str, Any] = {} if box is None else {"w_lo": w * (1 - box), "w_hi": w * (1 + box)}
    share, order = robust_pair_share(x, method="vertices" if len(kids) <= VERTEX_CHILDREN else "lp",
                                     dominance=dominance, return_pairs=True, **kwargs)
    complete = int(np.isfinite(x).all(axis=1).sum())
    return RobustPairsResult(node, "simplex" if box is None else f"nominal ±{box:.0%}", dominance, float(share),
                             int(np.count_nonzero(order > 0)), complete * (complete - 1) // 2)


@dataclass(frozen=True, eq=False, repr=False)
class StabilityResult(Result):
    """The config's ``stability`` analysis: leave-one-out and, when asked, the robust-pair share."""

    leave_one_out: LeaveOneOutResult | None
    robust_pairs: RobustPairsResult | None

    def to_frame(self) -> pd.DataFrame:
        """The result as one DataFrame (its main table; :meth:`tables` gives every file a run writes).

        Examples
        --------
        >>> import dti_bench as db
        >>> study = db.Study.from_config({"name": "demo", "data": {"dataset": "dti2022-published-profiles"},
        ...                               "analyses": {"stability": {"robust_pairs": True}}})
        >>> result = study.run()["stability"]
        >>> result.to_frame().columns.tolist()
        ['removed', 'level', 'node', 'mean_abs_shift', 'max_abs_shift', 'units']
        """
        if self.leave_one_out is not None:
            return self.leave_one_out.by_element()
        return self.robust_pairs.to_frame() if self.robust_pairs is not None else pd.DataFrame()

    def tables(self) -> dict[str, pd.DataFrame]:
        """File name -> table: the CSV files a run folder holds for this analysis.

        Examples
        --------
        >>> import dti_bench as db
        >>> study = db.Study.from_config({"name": "demo", "data": {"dataset": "dti2022-published-profiles"},
        ...                               "analyses": {"stability": {"robust_pairs": True}}})
        >>> result = study.run()["stability"]
        >>> sorted(result.tables())
        ['removal.csv', 'removal_summary.csv']
        """
        return self.leave_one_out.tables() if self.leave_one_out is not None else {}

    def summary(self) -> dict[str, Any]:
        """The numbers the manifest records for this analysis (``outputs`` in ``manifest.json``).

        Examples
        --------
        >>> import dti_bench as db
        >>> study = db.Study.from_config({"name": "demo", "data": {"dataset": "dti2022-published-profiles"},
        ...                               "analyses": {"stability": {"robust_pairs": True}}})
        >>> result = study.run()["stability"]
        >>> sorted(result.summary())
        ['leave_one_out', 'robust_pair_share']
        """
        out: dict[str, Any] = {}
        if self.leave_one_out is not None:
            out["leave_one_out"] = self.leave_one_out.summary()
        if self.robust_pairs is not None:
            out["robust_pair_share"] = self.robust_pairs.summary()
        return out

    def describe(self) -> str:
        """One line: what was analysed and its headline number.

        Examples
        --------
        >>> import dti_bench as db
        >>> study = db.Study.from_config({"name": "demo", "data": {"dataset": "dti2022-published-profiles"},
        ...                               "analyses": {"stability": {"robust_pairs": True}}})
        >>> result = study.run()["stability"]
        >>> result.describe()
        '11 removals; the largest mean |shift| is 0.80 places, without gov_activity; DTI, weights on the simplex, weak
        dominance: 3 of 10 pairs robust (0.300)'
        """
        return "; ".join(r.describe() for r in (self.leave_one_out, self.robust_pairs) if r is not None)


__all__ = ["RobustPairsResult", "StabilityResult", "robust_pairs"]
