"""Leave one element out: how far each unit's rank moves when one indicator or one composite is removed.

COINr's ``remove_elements`` does this for a tree by setting one element's weight to zero and regenerating; here
the element is taken out of the framework and the index rebuilt with :func:`dti_bench.index.compute_index` (the
oracle: there are only as many variants as elements). Removing an element renormalises its parents' weights over
the remaining children (only ratios matter), which is exactly what a zero weight does in a weighted mean.

Removal in a DAG (the framework is not always a tree): a removed composite takes with it every descendant whose
parents are *all* removed, so a child it shares with a surviving composite stays. In the DTI 2021-2023 design the
five foundation indicators feed the DTI and all three pillars, so removing the pillar ``digital_government``
removes that pillar node only, and the DTI, which aggregates the indicators directly, does not move at all.
A composite left with no children is dropped too. Levels are kept from the full framework, so a per-level
methodology (``aggregate: {level 2: geometric}``) applies to the same composites as in the nominal run.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from dti_bench.analyses.results import Result, inputs
from dti_bench.model.dataset import Dataset
from dti_bench.errors import FrameworkError, choices
from dti_bench.model.framework import Edge, Framework
from dti_bench.index import compute_index
from dti_bench.model.methodology import Methodology
from dti_bench.metrics.stability import max_abs_shift, mean_abs_shift

#: Columns of the table :func:`removal_shifts` returns.
SHIFT_COLUMNS = ("removed", "level", "unit", "node", "nominal_score", "score", "nominal_rank", "rank", "shift")


def removed_with(framework: Framework, codes: Iterable[str]) -> set[str]:
    """The codes that go when ``codes`` are removed: each, plus every descendant all of whose parents go."""
    gone = set()
    for code in codes:
        gone.add(framework.node(code).code)
    for comp in reversed(framework.composites):  # parents before children
        if comp in gone:
            for child in framework.children(comp):
                if all(p in gone for p in framework.parents(child)):
                    gone.add(child)
    return gone


def without(framework: Framework, codes: Iterable[str]) -> Framework:
    """The framework with ``codes`` (indicators or composites) removed, following the module's DAG rule.

    For indicators alone this is ``framework.subset(remaining indicators)`` with the full framework's levels
    kept. Raises FrameworkError when nothing would remain.
    """
    gone = removed_with(framework, codes)
    indicators = [c for c in framework.indicators if c not in gone]
    if not indicators:
        raise FrameworkError(f"framework {framework.name!r}: removing {choices(sorted(gone))} leaves no indicator")
    alive = set(indicators)
    edges: list[Edge] = []
    for comp in framework.composites:  # children first, so a composite emptied below is already known
        if comp in gone:
            continue
        kids = [e for e in framework.edges if e.parent == comp and e.child in alive]
        if kids:
            alive.add(comp)
            edges.extend(kids)
    nodes = [framework.node(c) for c in framework.nodes if c in alive]
    headline = framework.headline if framework.headline in alive else None
    return Framework(framework.name, nodes, edges, headline=headline,
                     levels={c: framework.level(c) for c in alive}, groups=framework.groups,
                     denominators=framework.denominators, meta=framework.meta)


def removal_shifts(framework: Framework, dataset: Dataset, methodology: Methodology, *,
                   nodes: str | Sequence[str] | None = None, elements: Sequence[str] | None = None) -> pd.DataFrame:
    r"""Remove each element in turn, rebuild the index, and tabulate every unit's rank shift (the table behind
    :func:`leave_one_out`).

    Parameters
    ----------
    framework, dataset, methodology
        The nominal index, as for :func:`~dti_bench.index.compute_index`.
    nodes : None, 'all' or sequence of str
        The composites whose ranks are compared: the headline (default), every composite, or those named.
    elements : sequence of str, optional
        The indicators and composites to remove one at a time. Default: every indicator, then every
        composite, except the headline and any element whose removal would take the headline with it
        (there would be nothing left to rank).

    Returns
    -------
    DataFrame
        Long, one row per (removed, node, unit), columns :data:`SHIFT_COLUMNS`: the removed element's code and
        COINr level (1 = indicator), the unit, the compared node, its nominal and new score and rank, and
        ``shift = nominal_rank - rank`` (COINr's ``RankDiffs`` sign: positive = the unit climbs). A compared
        node that the removal itself takes out has no rows for that removal; a unit that is unranked on either
        side (screened out, missing) has NaN rank and shift.

    Raises
    ------
    FrameworkError
        For an unknown code in ``nodes`` or ``elements``, or a compared node that is not a composite.

    References
    ----------
    COINr ``remove_elements`` (Becker et al., JRC); OECD/JRC Handbook (2008) step 8.
    """
    compared = compared_nodes(framework, nodes)
    if elements is None:
        headline = framework.headline
        candidates = list(framework.indicators) + list(framework.composites)
        elements = [c for c in candidates if headline is None or headline not in removed_with(framework, [c])]
    else:
        elements = [framework.node(c).code for c in elements]

    nominal = compute_index(framework, dataset, methodology)
    units = nominal.rank_values.index
    frames = []
    for code in elements:
        variant_fw = without(framework, [code])
        result = compute_index(variant_fw, dataset, methodology)
        for node in compared:
            if node not in variant_fw.composites:
                continue
            nominal_rank = nominal.rank_values[node].to_numpy(dtype=float)
            rank = result.rank_values[node].reindex(units).to_numpy(dtype=float)
            frames.append(pd.DataFrame({
                "removed": code, "level": framework.level(code), "unit": units.to_numpy(), "node": node,
                "nominal_score": nominal.values[node].to_numpy(dtype=float),
                "score": result.values[node].reindex(units).to_numpy(dtype=float),
                "nominal_rank": nominal_rank, "rank": rank, "shift": nominal_rank - rank,
            }))
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype=float if c not in ("removed", "unit", "node") else object)
                             for c in SHIFT_COLUMNS})
    return pd.concat(frames, ignore_index=True)[list(SHIFT_COLUMNS)]


def removal_summary(shifts: pd.DataFrame) -> pd.DataFrame:
    r"""One row per (removed, node): how much the removal moved the ranking.

    Parameters
    ----------
    shifts : DataFrame
        The table of :func:`removal_shifts`.

    Returns
    -------
    DataFrame
        Columns ``removed, level, node, mean_abs_shift, max_abs_shift, units`` in the order the removals were
        made: :math:`\bar R_S = \mathrm{mean}_u |\mathrm{shift}_u|` (COINr's ``MeanAbsDiff``) and the largest
        :math:`|\mathrm{shift}_u|`, over the units ranked on both sides (``units`` counts them; NaN when none).
    """
    rows = []
    for (removed, node), group in shifts.groupby(["removed", "node"], sort=False):
        ref, rank = group["nominal_rank"].to_numpy(dtype=float), group["rank"].to_numpy(dtype=float)
        rows.append({"removed": removed, "level": int(group["level"].iloc[0]), "node": node,
                     "mean_abs_shift": mean_abs_shift(ref, rank), "max_abs_shift": max_abs_shift(ref, rank),
                     "units": int(np.count_nonzero(np.isfinite(ref) & np.isfinite(rank)))})
    return pd.DataFrame(rows, columns=["removed", "level", "node", "mean_abs_shift", "max_abs_shift", "units"])


def compared_nodes(framework: Framework, nodes: str | Sequence[str] | None) -> list[str]:
    if nodes is None:
        return [framework.require_headline()]
    if isinstance(nodes, str):
        if nodes == "all":
            return list(framework.composites)
        nodes = [nodes]
    out = []
    for code in nodes:
        if framework.node(code).kind != "composite":
            raise FrameworkError(f"framework {framework.name!r}: {code!r} is an indicator; ranks are compared on "
                                 f"composites: {choices(framework.composites)}")
        out.append(code)
    return out


@dataclass(frozen=True, eq=False, repr=False)
class LeaveOneOutResult(Result):
    """Every unit's rank shift when each element is left out.

    Attributes
    ----------
    shifts : DataFrame
        removal.csv: one row per (removed, node, unit), columns :data:`SHIFT_COLUMNS`.
    """

    shifts: pd.DataFrame

    def to_frame(self) -> pd.DataFrame:
        """The result as one DataFrame (its main table; :meth:`tables` gives every file a run writes).

        Examples
        --------
        >>> import dti_bench as db
        >>> fw, ds = db.load_framework("dti-provincial-2022"), db.load_dataset("dti2022-published-profiles")
        >>> result = db.leave_one_out(fw, ds)
        >>> result.to_frame().columns.tolist()
        ['removed', 'level', 'unit', 'node', 'nominal_score', 'score', 'nominal_rank', 'rank', 'shift']
        """
        return self.shifts

    def by_element(self) -> pd.DataFrame:
        """removal_summary.csv: one row per (removed, node), its mean and largest absolute shift.

        Examples
        --------
        ``mean_abs_shift`` is COINr's ``MeanAbsDiff`` from ``remove_elements(coin, Level = 1, dset = "Aggregated")``:

        >>> import dti_bench as db
        >>> fw, ds = db.load_framework("dti-provincial-2022"), db.load_dataset("dti2022-published-profiles")
        >>> result = db.leave_one_out(fw, ds)
        >>> result.by_element().head(3)
                  removed  level node  mean_abs_shift  max_abs_shift  units
        0       awareness      1  DTI             0.0            0.0      5
        1    institutions      1  DTI             0.4            1.0      5
        2  infrastructure      1  DTI             0.4            1.0      5
        """
        return removal_summary(self.shifts)

    def tables(self) -> dict[str, pd.DataFrame]:
        """File name -> table: the CSV files a run folder holds for this analysis.

        Examples
        --------
        >>> import dti_bench as db
        >>> fw, ds = db.load_framework("dti-provincial-2022"), db.load_dataset("dti2022-published-profiles")
        >>> result = db.leave_one_out(fw, ds)
        >>> sorted(result.tables())
        ['removal.csv', 'removal_summary.csv']
        """
        return {"removal.csv": self.shifts, "removal_summary.csv": self.by_element()}

    def summary(self) -> dict[str, Any]:
        """The numbers the manifest records for this analysis (``outputs`` in ``manifest.json``).

        Examples
        --------
        >>> import dti_bench as db
        >>> fw, ds = db.load_framework("dti-provincial-2022"), db.load_dataset("dti2022-published-profiles")
        >>> result = db.leave_one_out(fw, ds)
        >>> result.summary()   # 8 main indicators and 3 pillars
        {'elements': 11}
        """
        return {"elements": int(self.shifts["removed"].nunique())}

    def describe(self) -> str:
        """One line: what was analysed and its headline number.

        Examples
        --------
        >>> import dti_bench as db
        >>> fw, ds = db.load_framework("dti-provincial-2022"), db.load_dataset("dti2022-published-profiles")
        >>> result = db.leave_one_out(fw, ds)
        >>> result.describe()
        '11 removals; the largest mean |shift| is 0.80 places, without gov_activity'
        """
        table = self.by_element()
        if table.empty:
            return "no element removed"
        top = table.loc[table["mean_abs_shift"].idxmax()]
        return (f"{len(table)} removals; the largest mean |shift| is {top['mean_abs_shift']:.2f} places, without "
                f"{top['removed']}")


def leave_one_out(framework: Framework, data: Dataset | pd.DataFrame, methodology: Methodology | Mapping | None = None,
                  *, nodes: str | Sequence[str] | None = None,
                  elements: Sequence[str] | None = None) -> LeaveOneOutResult:
    """Leave each indicator and composite out in turn and measure how far every unit's rank moves (COINr's
    ``remove_elements``).

    Parameters
    ----------
    framework, data, methodology
        The index (methodology None: the framework's official one, else the package default).
    nodes : None, 'all' or sequence of str
        The composites whose ranks are compared: the headline (default), every composite, or those named.
    elements : sequence of str, optional
        The elements removed one at a time (default: every indicator and composite whose removal leaves the
        headline standing).

    Returns
    -------
    LeaveOneOutResult
        ``.to_frame()``: removal.csv (``shift = nominal_rank − rank``, positive = the unit climbs);
        ``.by_element()``: removal_summary.csv.

    References
    ----------
    COINr ``remove_elements`` (Becker et al., JRC); OECD/JRC Handbook (2008) step 8.

    Examples
    --------
    >>> import dti_bench as db
    >>> fw, ds = db.load_framework("dti-provincial-2022"), db.load_dataset("dti2022-synthetic")
    >>> result = db.leave_one_out(fw, ds)
    >>> result.by_element()["removed"].tolist()[:3]
    ['awareness', 'institutions', 'infrastructure']
    """
    dataset, nominal = inputs(framework, data, methodology)
    return LeaveOneOutResult(removal_shifts(framework, dataset, nominal, nodes=nodes, elements=elements))


__all__ = ["LeaveOneOutResult", "SHIFT_COLUMNS", "leave_one_out", "removal_shifts", "removal_summary", "removed_with",
           "without"]
