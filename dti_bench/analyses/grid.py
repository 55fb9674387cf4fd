"""A grid of methodological alternatives: the full factorial of a few lists of choices, every variant through the
engine at once, each compared with the nominal ranking by every rank-stability metric.

This is the deterministic companion of the Monte Carlo analysis: a handful of named variants (min-max or z-score,
arithmetic or geometric ...) whose every rank can be tabulated and plotted (the normalisation x aggregation
heatmap, the bump chart).
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from dti_bench.analyses.factors import label_choice
from dti_bench.analyses.results import Result, inputs
from dti_bench.config.specs import GridSpec
from dti_bench.engine.batch import Batch, Engine, Evaluation
from dti_bench.errors import ConfigError
from dti_bench.index import compute_index
from dti_bench.metrics.stability import summarise
from dti_bench.model.dataset import Dataset
from dti_bench.model.framework import Framework
from dti_bench.model.methodology import Methodology, vary

GRID_COLUMNS = ("unit", "variant", "node", "score", "rank")


def grid_variants(alternatives: Mapping[str, Sequence[Any]] | GridSpec, framework: Framework, nominal: Methodology,
                  where: str = "grid") -> list[tuple[str, Methodology]]:
    """The full factorial of ``alternatives`` as (label, methodology) pairs, the nominal settings elsewhere.

    Labels read ``path=choice|path=choice`` (``normalise=zscore(m=10,s=2)|aggregate=geometric``).
    """
    spec = alternatives if isinstance(alternatives, GridSpec) else GridSpec.from_block(dict(alternatives), where)
    axes = spec.alternatives
    variants = []
    for combo in itertools.product(*[alts for _, alts in axes]):
        changes = {path: choice for (path, _), choice in zip(axes, combo)}
        label = "|".join(f"{path}={label_choice(choice)}" for path, choice in changes.items())
        try:
            variants.append((label, vary(nominal, changes, framework=framework)))
        except ConfigError as err:
            raise ConfigError(f"{where}: {err}") from None
    return variants


@dataclass(frozen=True, eq=False, repr=False)
class GridResult(Result):
    """Every grid variant's scores and ranks, and their distance from the nominal ranking.

    Attributes
    ----------
    labels : tuple of str
        One per variant, in factorial order.
    evaluation : Evaluation
        ``scores`` and ``ranks`` of shape (variants, units, composites).
    nominal_ranks : DataFrame, (units, composites)
        The reference ranks (float, NaN unranked).
    """

    labels: tuple[str, ...]
    evaluation: Evaluation
    nominal_ranks: pd.DataFrame

    def to_frame(self) -> pd.DataFrame:
        """grid.csv: one row per (variant, node, unit): unit, variant, node, score, rank (``Int64``).

        Examples
        --------
        >>> import dti_bench as db
        >>> fw, ds = db.load_framework("dti-provincial-2022"), db.load_dataset("dti2022-published-profiles")
        >>> result = db.grid(fw, ds, None, {"weights": ["nominal", "equal"]})
        >>> table = result.to_frame()
        >>> table.columns.tolist(), len(table)   # 2 variants x 4 composites x 5 units
        (['unit', 'variant', 'node', 'score', 'rank'], 40)
        """
        ev = self.evaluation
        rows = []
        for i, label in enumerate(self.labels):
            if ev.failed[i]:
                continue
            for c, node in enumerate(ev.composites):
                ranks = ev.ranks[i, :, c]
                rows.append(pd.DataFrame({"unit": ev.units, "variant": label, "node": node,
                                          "score": ev.scores[i, :, c],
                                          "rank": pd.array([pd.NA if np.isnan(v) else int(v) for v in ranks],
                                                           dtype="Int64")}))
        return (pd.concat(rows, ignore_index=True)[list(GRID_COLUMNS)] if rows
                else pd.DataFrame(columns=list(GRID_COLUMNS)))

    def stability(self) -> pd.DataFrame:
        """grid_stability.csv: every rank-stability metric of each successful variant against the nominal ranks,
        per composite (columns variant, node, then :func:`~dti_bench.metrics.stability.summarise`'s).

        Examples
        --------
        >>> import dti_bench as db
        >>> fw, ds = db.load_framework("dti-provincial-2022"), db.load_dataset("dti2022-published-profiles")
        >>> result = db.grid(fw, ds, None, {"weights": ["nominal", "equal"]})
        >>> result.stability().query("node == 'DTI'")[['variant', 'node']]
                   variant node
        0  weights=nominal  DTI
        1    weights=equal  DTI
        """
        ev = self.evaluation
        ok = np.flatnonzero(~ev.failed)
        parts = []
        for c, node in enumerate(ev.composites):
            if ok.size == 0:
                break
            metrics = summarise(self.nominal_ranks[node].to_numpy(dtype=float), ev.ranks[ok, :, c])
            metrics.insert(0, "variant", [self.labels[i] for i in ok])
            metrics.insert(1, "node", node)
            parts.append(metrics)
        return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["variant", "node"])

    def tables(self) -> dict[str, pd.DataFrame]:
        """File name -> table: the CSV files a run folder holds for this analysis.

        Examples
        --------
        >>> import dti_bench as db
        >>> fw, ds = db.load_framework("dti-provincial-2022"), db.load_dataset("dti2022-published-profiles")
        >>> result = db.grid(fw, ds, None, {"weights": ["nominal", "equal"]})
        >>> sorted(result.tables())
        ['grid.csv', 'grid_stability.csv']
        """
        out = {"grid.csv": self.to_frame()}
        stability = self.stability()
        if len(stability):
            out["grid_stability.csv"] = stability
        return out

    def summary(self) -> dict[str, Any]:
        """The numbers the manifest records for this analysis (``outputs`` in ``manifest.json``).

        Examples
        --------
        >>> import dti_bench as db
        >>> fw, ds = db.load_framework("dti-provincial-2022"), db.load_dataset("dti2022-published-profiles")
        >>> result = db.grid(fw, ds, None, {"weights": ["nominal", "equal"]})
        >>> result.summary()
        {'variants': 2, 'failed': []}
        """
        failed = [{"variant": self.labels[i], "reason": self.evaluation.reasons[i]}  # type: ignore[index]
                  for i in np.flatnonzero(self.evaluation.failed)]
        return {"variants": len(self.labels), "failed": failed}

    def describe(self) -> str:
        """One line: what was analysed and its headline number.

        Examples
        --------
        >>> import dti_bench as db
        >>> fw, ds = db.load_framework("dti-provincial-2022"), db.load_dataset("dti2022-published-profiles")
        >>> result = db.grid(fw, ds, None, {"weights": ["nominal", "equal"]})
        >>> result.describe()
        '2 variants (0 failed) x 4 composites'
        """
        failed = int(self.evaluation.failed.sum())
        return f"{len(self.labels)} variants ({failed} failed) x {len(self.evaluation.composites)} composites"


def grid(framework: Framework, data: Dataset | pd.DataFrame, methodology: Methodology | Mapping | None,
         alternatives: Mapping[str, Sequence[Any]], *, reference: Dataset | None = None) -> GridResult:
    """Every combination of the listed methodology alternatives, evaluated at once.

    Parameters
    ----------
    framework : Framework
    data : Dataset or DataFrame
    methodology : Methodology, dict or None
        The nominal methodology (None: the framework's official one, else the package default); settings the
        grid does not list stay nominal.
    alternatives : mapping of str to list
        Methodology path -> its alternatives, e.g. ``{"normalise": ["none", {"method": "zscore", "m": 10,
        "s": 2}], "aggregate": ["arithmetic", "geometric"]}``: ``prod(len(list))`` variants.
    reference : Dataset, optional
        Normalisation statistics from these data.

    Returns
    -------
    GridResult
        ``.to_frame()``: grid.csv; ``.stability()``: grid_stability.csv. A variant that cannot be computed (a
        geometric mean meeting a zero) is recorded in ``summary()["failed"]`` with its reason.

    Examples
    --------
    >>> import dti_bench as db
    >>> fw, ds = db.load_framework("dti-provincial-2022"), db.load_dataset("dti2022-synthetic")
    >>> result = db.grid(fw, ds, None, {"aggregate": ["arithmetic", "geometric", "harmonic"]})
    >>> result
    GridResult(3 variants (0 failed) x 4 composites)
    >>> result.stability().query("node == 'DTI'")["variant"].tolist()
    ['aggregate=arithmetic', 'aggregate=geometric', 'aggregate=harmonic']
    """
    dataset, nominal = inputs(framework, data, methodology)
    variants = grid_variants(alternatives, framework, nominal)
    engine = Engine(framework, dataset, reference=reference)
    evaluation = engine.evaluate(Batch.of([m for _, m in variants]))
    # units screened out of the nominal variant stay in the grid's rows, unranked on the nominal side
    reference_ranks = compute_index(framework, dataset, nominal, reference=reference).rank_values.reindex(
        list(dataset.units))
    return GridResult(tuple(label for label, _ in variants), evaluation, reference_ranks)


__all__ = ["GridResult", "grid", "grid_variants"]
