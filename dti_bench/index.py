"""One variant, plain and obviously right: ``compute_index(framework, dataset, methodology)``.

This is the oracle that the fast variant engine is tested against, so it favours clarity over speed: one
indicator at a time, one composite at a time, each through the catalogue function the methodology names.

The pipeline:

1. select the framework's indicators from the dataset (``(units, indicators)``);
2. the data-treatment steps in ``methodology.steps`` order (denominate, impute, screen, treat);
3. direction: ``x <- -x`` for direction -1 (goalposts and targets flipped with it);
4. normalise each indicator;
5. aggregate each composite, children first, with its weights (nominal, overridden, or data-driven); where the
   methodology says, impute the composite's missing scores (``impute_composites``), then round them
   (``round_levels``), before its parents use them;
6. optionally round the composite scores (``methodology.round``), then rank them (ties 'min', 1 = best).
"""

from __future__ import annotations

import functools
import inspect
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from dti_bench.methods.aggregate import NonPositiveError
from dti_bench.model.dataset import Dataset, resolve_data
from dti_bench.errors import DataError, MethodError, MethodologyWarning
from dti_bench.model.framework import Framework
from dti_bench.model.methodology import Method, Methodology, resolve_methodology
from dti_bench.model.not_applicable import node_mask
from dti_bench.model.scales import methodology_warnings
from dti_bench.metrics.ranking import rank_scores, round_scores


@dataclass(frozen=True, eq=False)
class IndexResult:
    """Everything one variant produced.

    Attributes
    ----------
    values : DataFrame, (units, nodes)
        Normalised indicators and composite scores, columns in ``framework.nodes`` order.
    rank_values : DataFrame, (units, composites)
        Ranks of the composite scores as floats (1 = best, ties 'min', NaN unranked); :attr:`ranks` is the same
        as whole numbers.
    data : DataFrame, (units, indicators)
        The indicator values after the data-treatment steps, before direction and normalisation.
    weight_arrays : dict of str to ndarray
        The weights each composite used, ``(k,)`` or ``(units, k)``, normalised to sum to 1 over its children;
        :attr:`weights` labels them.
    treatment : list of dict
        One report per treated indicator (what the outlier treatment did).
    excluded : tuple of str
        Units removed by screening.
    warnings : tuple of str
        What makes this variant mean less than it seems: each composite whose mean needs a stronger measurement
        scale than its inputs have, and the standing warnings of the methods it uses
        (:func:`dti_bench.model.scales.methodology_warnings`); :func:`compute_index` also issues each as a
        :class:`~dti_bench.errors.MethodologyWarning`.

    Examples
    --------
    >>> import dti_bench as db
    >>> fw = db.load_framework("dti-provincial-2022")
    >>> result = db.compute_index(fw, db.load_dataset("dti2022-published-profiles"))
    >>> result.ranks.loc["da_nang", "DTI"], result.weights["DTI"]["gov_activity"]
    (np.int64(1), np.float64(0.2))
    """

    framework: Framework
    dataset: Dataset
    methodology: Methodology
    values: pd.DataFrame
    rank_values: pd.DataFrame
    data: pd.DataFrame
    weight_arrays: dict[str, np.ndarray] = field(default_factory=dict)
    treatment: list[dict[str, Any]] = field(default_factory=list)
    excluded: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()

    @property
    def scores(self) -> pd.DataFrame:
        """Composite scores, ``(units, composites)``, rounded as the methodology says.

        Examples
        --------
        COINr's ``get_results(coin, dset = "Aggregated")`` scores:

        >>> import dti_bench as db
        >>> fw = db.load_framework("dti-provincial-2022")
        >>> result = db.compute_index(fw, db.load_dataset("dti2022-published-profiles"))
        >>> result.scores.round(4).loc[["da_nang", "can_tho"], ["digital_government", "DTI"]]
                 digital_government     DTI
        unit
        da_nang              0.8638  0.8002
        can_tho              0.7641  0.6924
        """
        return self.values[list(self.framework.composites)]

    @property
    def ranks(self) -> pd.DataFrame:
        """Ranks of the composites, ``(units, composites)``: whole numbers (pandas ``Int64``), 1 = best, ties
        share the lowest rank, missing (``<NA>``) where a unit has no score.

        Examples
        --------
        >>> import dti_bench as db
        >>> fw = db.load_framework("dti-provincial-2022")
        >>> result = db.compute_index(fw, db.load_dataset("dti2022-published-profiles"))
        >>> result.ranks["DTI"].to_dict()
        {'da_nang': 1, 'ho_chi_minh': 2, 'quang_ninh': 3, 'thua_thien_hue': 4, 'can_tho': 5}
        """
        return self.rank_values.astype("Int64")

    @property
    def normalised(self) -> pd.DataFrame:
        """The indicators as aggregation receives them, ``(units, indicators)``: treated, direction applied,
        normalised.

        Examples
        --------
        With ``normalise: minmax`` every indicator runs from 0 (the worst unit) to 1 (the best):

        >>> import dti_bench as db
        >>> fw = db.load_framework("dti-provincial-2022")
        >>> result = db.compute_index(fw, db.load_dataset("dti2022-published-profiles"), db.Methodology.default())
        >>> result.normalised.min().min(), result.normalised.max().max()
        (np.float64(0.0), np.float64(1.0))
        """
        return self.values[list(self.framework.indicators)]

    @property
    def weights(self) -> dict[str, pd.Series | pd.DataFrame]:
        """The weights each composite used, normalised to sum to 1 over its children: a Series indexed by child,
        or, for unit-specific weights (benefit of the doubt), a DataFrame (units, children).

        Examples
        --------
        Nominal weights 3 and 1, normalised to sum to 1:

        >>> import dti_bench as db, pandas as pd
        >>> fw = db.Framework.from_tree({"Index": {"a": 3, "b": 1}})
        >>> data = db.Dataset.from_frame(pd.DataFrame({"a": [0.2, 0.6], "b": [0.5, 0.1]}, index=["u", "v"]), fw)
        >>> db.compute_index(fw, data).weights["Index"]
        child
        a    0.75
        b    0.25
        Name: Index, dtype: float64
        """
        out: dict[str, pd.Series | pd.DataFrame] = {}
        for comp, w in self.weight_arrays.items():
            kids = list(self.framework.children(comp))
            w = np.asarray(w, dtype=float)
            out[comp] = (pd.Series(w, index=pd.Index(kids, name="child"), name=comp) if w.ndim == 1 else
                         pd.DataFrame(w, index=self.values.index, columns=pd.Index(kids, name="child")))
        return out

    @property
    def not_applicable(self) -> pd.DataFrame:
        """Which cells do not apply, ``(units, nodes)`` bool (:mod:`dti_bench.model.not_applicable`): the data's
        not-applicable cells and every composite none of whose children applies. Their values are NaN, as missing
        ones are; this table tells the two apart.

        Examples
        --------
        ``b1`` does not apply to unit v: its pillar B is then not applicable there either, and v's Index is A alone
        (u: (0.3 + 0.5)/2):

        >>> import dti_bench as db, pandas as pd
        >>> fw = db.Framework.from_tree({"Index": {"A": ["a1", "a2"], "B": ["b1"]}})
        >>> data = db.Dataset.from_frame(pd.DataFrame({"a1": [0.2, 0.6], "a2": [0.4, 0.9], "b1": [0.5, 0.1]},
        ...                                           index=["u", "v"]), fw)
        >>> raw = db.Methodology.default().vary({"normalise": "none"})
        >>> result = db.compute_index(fw, data.replace(not_applicable=frozenset({("v", "b1")})), raw)
        >>> result.not_applicable[["b1", "B", "Index"]]
                 b1      B  Index
        unit
        u     False  False  False
        v      True   True  False
        >>> result.scores.round(3)
                 A    B  Index
        unit
        u     0.30  0.5   0.40
        v     0.75  NaN   0.75
        """
        masks = node_mask(self.framework, self.dataset)
        none = np.zeros(len(self.values), dtype=bool)
        return pd.DataFrame({code: masks.get(code, none) for code in self.framework.nodes}, index=self.values.index)

    @property
    def headline(self) -> pd.Series:
        """Scores of the headline node.

        Examples
        --------
        >>> import dti_bench as db
        >>> fw = db.load_framework("dti-provincial-2022")
        >>> db.compute_index(fw, db.load_dataset("dti2022-published-profiles")).headline.round(4).to_dict()
        {'da_nang': 0.8002, 'ho_chi_minh': 0.7164, 'quang_ninh': 0.7024, 'thua_thien_hue': 0.6975, 'can_tho': 0.6924}
        """
        return self.values[self.framework.require_headline()]

    def to_frame(self) -> pd.DataFrame:
        """The results table COINr's ``get_results`` gives: one row per unit, best first.

        Returns
        -------
        DataFrame, index ``unit``
            ``name``, ``rank`` (of the headline; ``Int64``), then every composite's score, headline first.

        Examples
        --------
        >>> import dti_bench as db
        >>> fw = db.load_framework("dti-provincial-2022")
        >>> db.compute_index(fw, db.load_dataset("dti2022-published-profiles")).to_frame().columns.tolist()
        ['name', 'rank', 'DTI', 'digital_society', 'digital_economy', 'digital_government']
        """
        fw = self.framework
        head = fw.headline or fw.composites[-1]
        names = dict(zip(self.dataset.units, self.dataset.unit_names))
        order = [head] + [c for c in reversed(fw.composites) if c != head]
        table = pd.DataFrame({"name": [names.get(u, u) for u in self.values.index], "rank": self.ranks[head]},
                             index=self.values.index)
        table = pd.concat([table, self.values[order]], axis=1)
        return table.sort_values("rank", kind="stable", na_position="last")

    def __repr__(self) -> str:
        tag = " (SYNTHETIC data)" if self.dataset.synthetic else ""
        return (f"IndexResult({self.framework.name} on {self.dataset.name}{tag}: {len(self.values)} units, "
                f"{self.methodology.label()})")

    def _repr_html_(self) -> str:
        import html

        return f"<p>{html.escape(repr(self))}</p>" + self.to_frame().head(10).to_html(escape=True)


def compute_index(framework: Framework, dataset: Dataset | pd.DataFrame,
                  methodology: Methodology | Mapping[str, Any] | None = None,
                  *, reference: Dataset | None = None) -> IndexResult:
    """Build one index variant: plainly, one indicator and one composite at a time (the engine's oracle).

    Parameters
    ----------
    framework : Framework
    dataset : Dataset or DataFrame
        Must hold every indicator of the framework (extra columns are ignored); a DataFrame is read with
        :meth:`Dataset.from_frame` (unit codes in a ``uCode`` column or as the index).
    methodology : Methodology, dict or None
        The methodology, or its dict form (the config's ``methodology:`` block); None uses the framework's
        official methodology (``framework.official``) when it has one, else :meth:`Methodology.default`.
    reference : Dataset, optional
        Normalisation statistics (min, max, mean, sd, ranks) are taken from this dataset's indicators instead
        of ``dataset``'s, e.g. to put 2023 on 2022's scale.

    Returns
    -------
    IndexResult
        ``.scores`` (units, composites), ``.ranks`` (whole numbers, 1 = best, ties 'min', missing as NA),
        ``.normalised`` (units, indicators), ``.weights`` (per composite), ``.to_frame()``.

    Raises
    ------
    MethodError
        When a method cannot be applied, naming the node, unit and indicator (e.g. a geometric mean meeting 0).

    Notes
    -----
    Missing data (COINr's policy): a composite skips missing children and renormalises the weights over the
    present ones; a unit with no present child has no score and no rank.

    A methodology that aggregates values with a mean their measurement scale does not support (a geometric mean
    of z-scores, a harmonic mean of min-max scores) is computed, and flagged: a
    :class:`~dti_bench.errors.MethodologyWarning` per composite, also kept in ``result.warnings``
    (:mod:`dti_bench.model.scales`).

    Examples
    --------
    >>> import dti_bench as db
    >>> fw = db.load_framework("dti-provincial-2022")
    >>> result = db.compute_index(fw, db.load_dataset("dti2022-published-profiles"))   # the official DTI
    >>> result.to_frame()[["name", "rank", "DTI"]].head(2)
                        name  rank     DTI
    unit
    da_nang          Đà Nẵng     1  0.8002
    ho_chi_minh  Hồ Chí Minh     2  0.7164
    """
    dataset = resolve_data(framework, dataset)
    methodology = resolve_methodology(framework, methodology)
    flagged = tuple(methodology_warnings(framework, methodology))
    for message in flagged:  # where a notebook user sees it; a study collects these into its run's warnings
        warnings.warn(message, MethodologyWarning, stacklevel=2)
    prepared = prepare_indicators(framework, dataset, methodology, reference=reference)
    ds, treatment = prepared.dataset, prepared.treatment
    data = pd.DataFrame(prepared.raw, index=pd.Index(ds.units, name="unit"), columns=list(framework.indicators))
    values: dict[str, np.ndarray] = {code: prepared.normalised[:, j] for j, code in enumerate(framework.indicators)}

    weights_used: dict[str, np.ndarray] = {}
    not_applicable = node_mask(framework, ds)
    explicit = dict(methodology.weights.explicit)
    for comp in framework.composites:
        kids = framework.children(comp)
        block = np.column_stack([values[k] for k in kids])
        nominal = np.array([explicit.get(k, w) for k, w in zip(kids, framework.nominal_weights(comp))])
        wm = methodology.weights.for_node(comp, framework.level(comp))
        w = np.asarray(wm.function(block, nominal, **wm.kwargs), dtype=float)
        am = methodology.aggregate.for_node(comp, framework.level(comp))
        try:
            values[comp] = am.function(block, w, **am.kwargs)
        except NonPositiveError as err:
            raise MethodError(
                f"node {comp!r}: {err.method} mean met {err.value!r} at unit {ds.units[err.unit]!r}, child "
                f"{kids[err.child]!r}; use a ratio-scale normalisation of positive values (none on positive data, "
                f"frac_max), or the arithmetic mean (min-max [1, 100] avoids the zero, but the ranks then depend on "
                f"the arbitrary bound 1)"
            ) from None
        if comp in not_applicable:  # no score where it does not apply, whatever its children say
            values[comp] = np.where(not_applicable[comp], np.nan, values[comp])
        imputer = methodology.composite_imputation(comp, framework.level(comp))
        if imputer is not None:  # filled before the parents see it: the publisher imputes the composite itself
            values[comp] = impute_scores(imputer, values[comp], ds)
            if comp in not_applicable:  # never imputed
                values[comp] = np.where(not_applicable[comp], np.nan, values[comp])
        decimals = methodology.rounding(comp, framework.level(comp))
        if decimals is not None:  # the publisher's printed value is what the parents aggregate
            values[comp] = round_scores(values[comp], decimals)
        weights_used[comp] = w / w.sum(axis=-1, keepdims=True) if np.all(w.sum(axis=-1) > 0) else w

    index = pd.Index(ds.units, name="unit")
    table = pd.DataFrame({code: values[code] for code in framework.nodes}, index=index)
    composite_scores = table[list(framework.composites)].to_numpy()
    ranks = pd.DataFrame(rank_scores(composite_scores, axis=0, decimals=methodology.round), index=index,
                         columns=list(framework.composites))
    if methodology.round is not None:
        table[list(framework.composites)] = round_scores(composite_scores, methodology.round)
    kept = set(ds.units)
    excluded = tuple(u for u in dataset.units if u not in kept)
    return IndexResult(framework, ds, methodology, table, ranks, data, weights_used, treatment, excluded, flagged)


def impute_scores(method: Method, scores: np.ndarray, dataset: Dataset) -> np.ndarray:
    """One composite's missing scores filled by a column-wise imputer (``impute: {LEVEL_OR_CODE: METHOD}``).

    Parameters
    ----------
    method : Method
        An imputer whose registry entry is ``columnwise`` (mean, median, group_mean, group_median): each column is
        filled from that column alone, so the composite's scores of several variants are imputed in one call.
    scores : ndarray, shape (units,) or (variants, units)
        The composite's scores over ``dataset.units``; NaN = missing.
    dataset : Dataset
        The units scored (after screening): the group labels of a group method come from its ``group`` column.

    Returns
    -------
    ndarray, the shape of ``scores``
        Present scores unchanged; a missing one filled from the composite's present scores (of the unit's group);
        one with nothing to fill from stays missing.

    Examples
    --------
    >>> import dti_bench as db
    >>> data = db.Dataset("d", ("a", "b", "c"), ("a", "b", "c"), ("x",), [[1.0], [2.0], [3.0]])
    >>> impute_scores(db.Methodology.from_dict({"impute": "mean"}).impute, np.array([0.2, np.nan, 0.6]), data)
    array([0.2, 0.4, 0.6])
    """
    groups = dataset.group(method.get("group")) if method.get("group") else None
    kwargs = {k: v for k, v in method.kwargs.items() if k != "group"}
    columns = np.atleast_2d(np.asarray(scores, dtype=float)).T  # (units, variants): one column per variant
    filled = np.asarray(method.function(columns, groups=groups, **kwargs), dtype=float).T
    return filled.reshape(np.shape(scores))


@dataclass(frozen=True, eq=False)
class PreparedIndicators:
    """The indicators of one data-treatment + normalisation choice, ready to aggregate.

    Attributes
    ----------
    dataset : Dataset
        The units that survived screening, indicators in framework order.
    raw : ndarray, shape (units, indicators)
        After denominate / impute / screen / treat, before direction and normalisation.
    normalised : ndarray, shape (units, indicators)
        Direction applied, then normalised: what aggregation receives.
    treatment : list of dict
    """

    dataset: Dataset
    raw: np.ndarray
    normalised: np.ndarray
    treatment: list[dict[str, Any]]


def nominal_ranks(framework: Framework, dataset: Dataset, methodology: Methodology, node: str,
                  *, reference: Dataset | None = None) -> np.ndarray:
    """Ranks of ``node`` under ``methodology``, shape ``(units,)`` in ``dataset.units`` order (NaN: screened out
    or unranked): the reference every rank shift of an uncertainty or sensitivity analysis is measured from."""
    ranked = compute_index(framework, dataset, methodology, reference=reference).rank_values[node]
    return np.array([ranked.get(u, np.nan) for u in dataset.units], dtype=float)


def treat_indicators(framework: Framework, dataset: Dataset,
                     methodology: Methodology) -> tuple[np.ndarray, Dataset, list[dict[str, Any]]]:
    """Steps 1-2 (select, then denominate / impute / screen / treat): ``(x, surviving dataset, treatment reports)``.

    A variant that draws the data (``methodology.noise``, a design's data factor) perturbs the selected raw values
    first: the data are what is uncertain, so every treatment step sees the perturbed copy.
    """
    selected = dataset.select(framework.indicators)
    for noise in methodology.noise:
        selected = noise.apply(selected)
    if selected.not_applicable:  # a value where the indicator does not apply is not used, nor counted in statistics
        selected = selected.replace(values=np.where(selected.not_applicable_mask(framework.indicators), np.nan,
                                                    selected.values))
    return _treat_data(framework, selected, methodology)


def prepare_indicators(framework: Framework, dataset: Dataset, methodology: Methodology,
                       *, reference: Dataset | None = None,
                       treated: tuple[np.ndarray, Dataset, list[dict[str, Any]]] | None = None) -> PreparedIndicators:
    """Steps 1-4 of the pipeline (select, treat, direction, normalise), shared by the oracle and the engine.

    ``treated`` is the result of :func:`treat_indicators` for this methodology when the caller already has it (the
    engine shares one treatment between normalisations).
    """
    x, ds, treatment = treated if treated is not None else treat_indicators(framework, dataset, methodology)
    x = np.array(x, dtype=float)
    directions = np.array([framework.node(c).direction for c in framework.indicators], dtype=float)
    ref = None if reference is None else reference.select(framework.indicators).values * directions
    normalised = np.empty_like(x)
    oriented = x * directions
    # indicators sharing a normaliser with a block version and the same parameters go in one call
    blocks: dict[tuple, tuple[Method, dict[str, Any], list[int]]] = {}
    for j, code in enumerate(framework.indicators):
        method = methodology.normalise.for_node(code, 1)
        kwargs = _normaliser_kwargs(framework, code, method, ds)
        if method.entry.block is not None:
            blocks.setdefault((method, repr(sorted(kwargs.items()))), (method, kwargs, []))[2].append(j)
            continue
        if ref is not None:
            kwargs["ref"] = ref[:, j]
        try:
            normalised[:, j] = np.asarray(method.function(oriented[:, j], **kwargs), dtype=float)
        except MethodError as err:
            raise MethodError(f"indicator {code!r}: {err}") from None
    for method, kwargs, columns in blocks.values():
        assert method.entry.block is not None  # only block normalisers are in blocks
        if ref is not None:
            kwargs["ref"] = ref[:, columns]
        try:
            normalised[:, columns] = method.entry.block(oriented[:, columns], **kwargs)
        except MethodError:
            # name the indicator: the first column that fails on its own
            for j in columns:
                one = {**kwargs, **({"ref": ref[:, j]} if ref is not None else {})}
                try:
                    method.function(oriented[:, j], **one)
                except MethodError as err:
                    raise MethodError(f"indicator {framework.indicators[j]!r}: {err}") from None
            raise
    return PreparedIndicators(ds, x, normalised, treatment)


def _treat_data(framework: Framework, ds: Dataset, m: Methodology) -> tuple[np.ndarray, Dataset, list[dict]]:
    """The data-treatment steps in the methodology's order."""
    x = np.array(ds.values, dtype=float)
    reports: list[dict[str, Any]] = []
    for step in m.steps:
        if step == "denominate" and m.denominate:
            x = _denominate(framework, ds, x)
        elif step == "impute":
            groups = ds.group(m.impute.get("group")) if m.impute.get("group") else None
            kwargs = {k: v for k, v in m.impute.kwargs.items() if k != "group"}
            x = np.asarray(m.impute.function(x, groups=groups, **kwargs), dtype=float)
            if ds.not_applicable:  # imputation never fills a cell that does not apply
                x[ds.not_applicable_mask(framework.indicators)] = np.nan
        elif step == "screen":
            keep = np.asarray(m.screen.function(x, units=ds.units, **m.screen.kwargs), dtype=bool)
            if not keep.any():
                raise MethodError(f"screening {m.screen} removed every unit")
            ds, x = ds.take_units(keep), x[keep]
        elif step == "treat":
            methods = [m.treat.for_node(code, 1) for code in framework.indicators]
            if methods and len(set(methods)) == 1 and methods[0].entry.block is not None:
                # one treatment for every indicator: its block version, which gives the same columns and reports
                block = methods[0].entry.block
                named: dict[str, Any] = ({"indicators": list(framework.indicators)} if "indicators" in _parameters(block)
                                         else {})
                x, block_reports = block(x, **methods[0].kwargs, **named)
            else:
                block_reports = []
                for j, (code, tm) in enumerate(zip(framework.indicators, methods)):
                    # a treatment that warns names the indicator it warns about
                    named = {"indicator": code} if "indicator" in _parameters(tm.function) else {}
                    x[:, j], report = tm.function(x[:, j], **tm.kwargs, **named)
                    block_reports.append(report)
            reports.extend({"indicator": code, **report} for code, report in zip(framework.indicators, block_reports)
                           if report.get("treated") or report.get("log"))
    return x, ds, reports


def _denominate(framework: Framework, ds: Dataset, x: np.ndarray) -> np.ndarray:
    x = x.copy()
    for j, code in enumerate(framework.indicators):
        node = framework.node(code)
        if node.denominator is None:
            continue
        if node.denominator not in ds.denominators.columns:
            raise DataError(f"indicator {code!r} is denominated by {node.denominator!r}, which the data lack")
        scale = float(node.extra.get("scale", 1.0))
        x[:, j] = x[:, j] / ds.denominators[node.denominator].to_numpy(dtype=float) * scale
    return x


@functools.lru_cache(maxsize=256)
def _parameters(function) -> Mapping[str, inspect.Parameter]:
    """A method's parameters (cached: asked for every indicator of every prepared block)."""
    return inspect.signature(function).parameters


def _normaliser_kwargs(framework: Framework, code: str, method: Method, ds: Dataset) -> dict[str, Any]:
    """The parameters of one indicator's normaliser: the methodology's, with goalposts and targets filled from
    the framework when not given, and a reference unit as its position."""
    node = framework.node(code)
    accepted = _parameters(method.function)
    kwargs = method.kwargs
    from_node = {"lo": node.lo, "hi": node.hi, "target": node.target}
    if node.direction == -1:  # the column was negated, so its goalposts and target are too
        from_node = {"lo": None if node.hi is None else -node.hi, "hi": None if node.lo is None else -node.lo,
                     "target": None if node.target is None else -node.target}
    for key, val in from_node.items():
        if key in accepted and key not in kwargs:
            if val is None and accepted[key].default is inspect.Parameter.empty:
                raise MethodError(f"indicator {code!r}: normalisation {method.name!r} needs {key!r}; give it in the "
                                  f"methodology or in the framework")
            if val is not None:
                kwargs[key] = val
    if "unit" in kwargs and "unit" in accepted:
        kwargs["unit"] = ds.unit_index(str(kwargs["unit"]))
    return kwargs
