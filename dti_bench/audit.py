r"""The nominal index as audit tables: what aggregation received, and the weights it used.

Every run folder holds these two tables (README, "What a run does"), written by
:func:`dti_bench.experiment.write_nominal` from the nominal :class:`~dti_bench.index.IndexResult`:

``normalised.csv`` (:func:`normalised_table`)
    ``unit, indicator, value, treated``: one row per unit and indicator (units in the dataset's order, indicators
    in the framework's within each unit). ``value`` is what aggregation receives: treated, direction applied,
    normalised (``result.normalised``); ``treated`` is the indicator after the data-treatment steps (denominate,
    impute, screen, treat) in its own units, before direction and normalisation (``result.data``).

``weights.csv`` (:func:`weights_table`)
    ``node, child, nominal_weight, weight_used, effective_weight, child_effective_weight, per_unit``: one row per
    edge of the framework (``framework.edges`` order).

``weights_by_unit.csv`` (:func:`weights_by_unit_table`)
    ``unit, node, child, weight_used, effective_weight``, one row per unit and edge; written only when some
    composite's weights are unit-specific (``weights: bod_weights``), which is when ``weights.csv`` holds means.

Weights
-------
``nominal_weight`` is the weight the framework declares (``framework.yaml``; not normalised, e.g. the DTI's
maximum points). ``weight_used`` is the weight the nominal methodology gave the child in its parent, normalised to
sum to 1 over the parent's children: the framework's weights after any explicit override, through the weighting
method (nominal, equal, or data-driven: PCA, entropy, CRITIC, BoD weights). It is the weight before the missing-data
rule: a unit missing a child has the other children's weights rescaled to sum to 1, unit by unit, when the parent
aggregates. An aggregator that chooses its own weights (``aggregate: bod``) is given these and overrides them;
the others use them as their docstrings say (Copeland's outranking majorities, the weighted median, the minimum
only through which children weigh 0).

``effective_weight`` is the edge's weight on the headline: the product of ``weight_used`` along the edge and along
every path from its parent up to the headline, summed over those paths (the framework is a DAG),

.. math::

    E(h) = 1, \qquad E(n) = \sum_{p \in \mathrm{parents}(n)} E(p)\, w_{p n}, \qquad
    \mathrm{effective}(p, c) = E(p)\, w_{p c},

and ``child_effective_weight`` is :math:`E(c)`, the child's total weight on the headline: the sum of
``effective_weight`` over the child's rows (one per parent), so it is the same on each of them. COINr's
``get_eff_weights`` is :math:`E` on a tree, where the two columns coincide. An edge whose parent does not feed the
headline has ``effective_weight`` 0 (the sum over no path): the pillars of the Decision 922 DTI are published
beside the DTI but are not aggregated into it, so their edges carry 0 while the foundation indicators' DTI edges
carry all of those indicators' weight. Over the indicators, ``child_effective_weight`` sums to 1 when every weight
is normalised. A framework without a headline (several roots, none named) has NaN in both columns. For an
arithmetic mean of arithmetic means :math:`E` is the exact linear weight of each child in the headline; for other
means it is the weight the child's transformed value gets (the exponent of a geometric mean), not its importance
(Paruolo, Saisana & Saltelli 2013; ``analyses.importance`` measures that).

Unit-specific weights (``weights: bod_weights``: shape ``(units, k)``) make ``weight_used`` and the effective
weights of the edges below them differ between units. ``weights.csv`` then holds the mean over units of each
unit's value (each unit's effective weight computed from its own weights, then averaged), with ``per_unit`` true
on those rows, and ``weights_by_unit.csv`` each unit's values. Rows whose values are the same for every unit hold
that value exactly (``per_unit`` false).

References
----------
OECD/JRC (2008), *Handbook on Constructing Composite Indicators*, step 6 (weighting and aggregation).
Becker, W., Benavente, D., Dominguez Torreiro, M., Moura, C., Neves, A., Saisana, M., Vertesy, D. (2022).
COINr: an R package for developing composite indicators. *Journal of Open Source Software* 7(78):4567
(``get_eff_weights``).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping

import numpy as np
import pandas as pd

from dti_bench.index import IndexResult
from dti_bench.model.framework import Framework


def effective_weights(framework: Framework, weights: Mapping[str, np.ndarray],
                      headline: str | None = None) -> np.ndarray:
    r"""Each edge's weight on the headline: products of normalised weights along every path up, summed over paths.

    .. math::

        E(h) = 1, \qquad E(n) = \sum_{p \in \mathrm{parents}(n)} E(p)\, w_{p n}, \qquad
        \mathrm{effective}(p, c) = E(p)\, w_{p c}

    computed top-down over the composites in reverse topological order (every parent before its children), so a
    node shared by several parents (a DAG) sums what reaches it through each. An edge whose parent does not feed
    the headline (a composite beside or above it) gets 0.

    Parameters
    ----------
    framework : Framework
    weights : mapping of str to ndarray
        For every composite, its children's weights (``framework.children`` order), shape ``(k,)`` or
        ``(units, k)`` (unit-specific), as :attr:`IndexResult.weight_arrays` holds them. They are used as given:
        pass normalised weights (summing to 1 over each composite's children) for weights on the headline.
    headline : str, optional
        The node weights are measured on; default ``framework.headline``. With neither, every value is NaN.

    Returns
    -------
    ndarray, shape (edges,) or (units, edges)
        In ``framework.edges`` order; ``(units, edges)`` when any composite's weights are unit-specific. A
        child's total weight on the headline is the sum over its edges (its parents).

    Examples
    --------
    A node ``s`` feeding two parents, both of which feed the headline: ``s`` reaches ``H`` through ``A``
    (0.5 x 0.5) and through ``B`` (0.25 x 0.5), so its total weight is 0.375.

    >>> import dti_bench as db
    >>> fw = db.Framework.from_dict({"name": "dag", "indicators": [{"code": c} for c in "sxy"],
    ...     "composites": [{"code": "A", "children": {"s": 1, "x": 1}},
    ...                    {"code": "B", "children": {"s": 1, "y": 3}},
    ...                    {"code": "H", "children": {"A": 1, "B": 1}}]})
    >>> w = {c: fw.nominal_weights(c) / fw.nominal_weights(c).sum() for c in fw.composites}
    >>> dict(zip([(e.parent, e.child) for e in fw.edges], effective_weights(fw, w).tolist()))
    {('A', 's'): 0.25, ('A', 'x'): 0.25, ('B', 's'): 0.125, ('B', 'y'): 0.375, ('H', 'A'): 0.5, ('H', 'B'): 0.5}
    """
    headline = framework.headline if headline is None else framework.node(headline).code
    arrays = {comp: np.asarray(weights[comp], dtype=float) for comp in framework.composites}
    units = {a.shape[0] for a in arrays.values() if a.ndim == 2}
    if len(units) > 1:
        raise ValueError(f"unit-specific weights disagree on the number of units ({sorted(units)})")
    shape = (units.pop(),) if units else ()
    if headline is None:
        return np.full(shape + (len(framework.edges),), np.nan)
    reach = {code: np.zeros(shape) for code in framework.nodes}
    reach[headline] = np.ones(shape)
    through: dict[tuple[str, str], np.ndarray] = {}
    for parent in reversed(framework.composites):  # parents before children: reach[parent] is complete here
        for j, child in enumerate(framework.children(parent)):
            w = arrays[parent][..., j]
            through[(parent, child)] = reach[parent] * w
            # a parent of the headline is not reached from it (the DAG is acyclic): what it adds here is 0
            reach[child] = reach[child] + through[(parent, child)]
    return np.stack([through[(e.parent, e.child)] for e in framework.edges], axis=-1)


def normalised_table(result: IndexResult) -> pd.DataFrame:
    """``normalised.csv``: what aggregation receives, with the treated value it came from, in long format.

    Parameters
    ----------
    result : IndexResult

    Returns
    -------
    DataFrame
        Columns ``unit, indicator, value, treated``; ``units x indicators`` rows, unit by unit (indicators in
        framework order). ``value`` is ``result.normalised`` (treated, direction applied, normalised),
        ``treated`` is ``result.data`` (after denominate / impute / screen / treat, before direction and
        normalisation). NaN where the indicator is missing after imputation; screened-out units have no rows.

    Examples
    --------
    >>> import dti_bench as db
    >>> fw = db.load_framework("dti-provincial-2022")
    >>> table = normalised_table(db.compute_index(fw, db.load_dataset("dti2022-published-profiles"),
    ...                                           {"normalise": {"method": "minmax", "lo": 0, "hi": 100}}))
    >>> table.columns.tolist(), len(table)
    (['unit', 'indicator', 'value', 'treated'], 40)
    >>> print(table[table["unit"] == "ho_chi_minh"].head(2).to_string(index=False))  # min-max over 5 profiles
           unit    indicator  value  treated
    ho_chi_minh    awareness    0.0   0.8917
    ho_chi_minh institutions  100.0   0.9000
    """
    indicators = list(result.framework.indicators)
    value = result.normalised.to_numpy(dtype=float)
    treated = result.data[indicators].to_numpy(dtype=float)
    units = result.normalised.index.astype(str).to_numpy()
    return pd.DataFrame({"unit": np.repeat(units, len(indicators)),
                         "indicator": np.tile(np.array(indicators, dtype=object), len(units)),
                         "value": value.ravel(), "treated": treated.ravel()})


def _per_unit(result: IndexResult) -> tuple[np.ndarray, np.ndarray]:
    """Weight used and effective weight of every edge, shape ``(units, edges)`` (broadcast when not per unit)."""
    fw = result.framework
    arrays = {comp: np.asarray(result.weight_arrays[comp], dtype=float) for comp in fw.composites}
    n = len(result.values.index)
    position = {(e.parent, e.child): fw.children(e.parent).index(e.child) for e in fw.edges}
    used = np.stack([np.broadcast_to(arrays[e.parent][..., position[(e.parent, e.child)]], (n,))
                     for e in fw.edges], axis=-1) if fw.edges else np.empty((n, 0))
    effective = np.broadcast_to(effective_weights(fw, arrays), used.shape)
    return used, effective


def _summarise(per_unit: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per edge, from ``(units, edges)``: the value when every unit has the same one (kept exactly: a mean of equal
    floats need not equal them), else the mean over units; and which edges vary."""
    first = per_unit[:1]
    same = np.all((per_unit == first) | (np.isnan(per_unit) & np.isnan(first)), axis=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # an edge NaN for every unit stays NaN
        mean = np.nanmean(per_unit, axis=0)
    return np.where(same, per_unit[0], mean), ~same


def weights_table(result: IndexResult) -> pd.DataFrame:
    r"""``weights.csv``: every edge's declared weight, the weight the nominal methodology used, and its weight on
    the headline.

    Parameters
    ----------
    result : IndexResult

    Returns
    -------
    DataFrame
        One row per edge (``framework.edges`` order), columns ``node`` (the parent), ``child``,
        ``nominal_weight`` (as the framework declares it, not normalised), ``weight_used`` (normalised over the
        node's children, what the weighting method gave), ``effective_weight`` (the edge's weight on the headline,
        :func:`effective_weights`), ``child_effective_weight`` (the child's total over all its parents) and
        ``per_unit`` (the row's values differ between units and are means over them: unit-specific weights).
        The module docstring says what each means for data-driven weights, missing data and a framework without
        a headline.

    Examples
    --------
    The Decision 922 DTI: the pillars are not aggregated into the DTI, so their edges carry 0, and awareness's
    whole weight (100 of 1000 points) comes through the DTI's edge.

    >>> import dti_bench as db
    >>> fw = db.load_framework("dti-provincial-2022")
    >>> table = weights_table(db.compute_index(fw, db.load_dataset("dti2022-published-profiles")))
    >>> columns = ["node", "weight_used", "effective_weight", "child_effective_weight"]
    >>> print(table.loc[table["child"] == "awareness", columns].round(4).to_string(index=False))
                  node  weight_used  effective_weight  child_effective_weight
                   DTI       0.1000               0.1                     0.1
    digital_government       0.1429               0.0                     0.1
       digital_economy       0.1538               0.0                     0.1
       digital_society       0.1538               0.0                     0.1
    """
    fw = result.framework
    used, effective = _per_unit(result)
    used_summary, used_varies = _summarise(used)
    effective_summary, effective_varies = _summarise(effective)
    child_total = np.zeros(used.shape)
    children = [e.child for e in fw.edges]
    for code in set(children):
        mine = [j for j, c in enumerate(children) if c == code]
        child_total[:, mine] = effective[:, mine].sum(axis=1, keepdims=True)
    child_summary, child_varies = _summarise(child_total)
    return pd.DataFrame({"node": [e.parent for e in fw.edges], "child": children,
                         "nominal_weight": [float(e.weight) for e in fw.edges],
                         "weight_used": used_summary, "effective_weight": effective_summary,
                         "child_effective_weight": child_summary,
                         "per_unit": used_varies | effective_varies | child_varies})


def weights_by_unit_table(result: IndexResult) -> pd.DataFrame | None:
    """``weights_by_unit.csv``: each unit's weight used and effective weight on every edge, when weights are
    unit-specific; None when every unit has the same (``weights.csv`` then says everything).

    Parameters
    ----------
    result : IndexResult

    Returns
    -------
    DataFrame or None
        Columns ``unit, node, child, weight_used, effective_weight``; ``units x edges`` rows, unit by unit.

    Examples
    --------
    >>> import dti_bench as db
    >>> fw = db.load_framework("dti-provincial-2022")
    >>> data = db.load_dataset("dti2022-published-profiles")
    >>> weights_by_unit_table(db.compute_index(fw, data)) is None
    True
    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")   # bod_weights' standing warning
    ...     table = weights_by_unit_table(db.compute_index(fw, data, {"weights": {"method": "bod_weights"}}))
    >>> table.shape, table.groupby(["unit", "node"])["weight_used"].sum().round(12).eq(1).all()
    ((130, 5), np.True_)
    """
    used, effective = _per_unit(result)
    if not (_summarise(used)[1].any() or _summarise(effective)[1].any()):
        return None
    fw = result.framework
    units = result.values.index.astype(str).to_numpy()
    edges = len(fw.edges)
    return pd.DataFrame({"unit": np.repeat(units, edges),
                         "node": np.tile(np.array([e.parent for e in fw.edges], dtype=object), len(units)),
                         "child": np.tile(np.array([e.child for e in fw.edges], dtype=object), len(units)),
                         "weight_used": used.ravel(), "effective_weight": effective.ravel()})


__all__ = ["effective_weights", "normalised_table", "weights_by_unit_table", "weights_table"]
