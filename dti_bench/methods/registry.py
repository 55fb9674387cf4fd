"""The one registry of methods: every catalogue function with the traits the rest of the package asks about.

A methodology names its methods by family and name (``normalise: minmax``); :data:`METHODS` is where those names
meet functions, once, when a methodology is parsed (:meth:`dti_bench.model.Methodology.from_dict`). Each
:class:`MethodEntry` carries what the engine, the methodology checks and the documentation need to know about a
method, so that nothing downstream tests a method's name or looks for attributes on its function:

- ``block``: the same method on a ``(units, k)`` block, giving exactly the column-by-column numbers (normalisers
  and treatments that have one; the pipeline then prepares indicators sharing a method in one call);
- ``exponent``: for a quasi-arithmetic mean, its ``p`` in :math:`\\phi_p^{-1}(\\sum w \\phi_p(x) / \\sum w)`
  (arithmetic 1, geometric 0, harmonic −1, ``power`` its parameter), which lets the engine batch it;
- ``output_scale`` (normalisers and aggregators): the measurement scale of the method's output, given its
  parameters and the scale of its input (the raw indicator's, or the weakest of a composite's children; absent:
  the input's scale); ``needs_scale`` (aggregators): the scale their inputs must have for the result
  to mean something (Ebert & Welsch 2004: means other than the arithmetic one are meaningful only on ratio scales,
  the arithmetic mean on interval scales, comparisons such as the minimum on ordinal ones);
- ``data_driven`` (weightings): the weights are computed from the children's values, so the engine cannot batch
  them;
- ``direction_aware`` (normalisers): the method scores a direction -1 column, which the pipeline negated, as the
  lower-is-better quantity it came from, on that quantity's own scale (``frac_max``: best/value), so the scale
  check does not count the negation against it.
- ``columnwise`` (imputers): each column is filled from its own values (and the units' group labels) alone, so
  the method can also impute one composite's scores (``impute: {2: {method: group_mean, group: Region}}``).

To add a method: write the function in its catalogue module (``normalise.py``, ``aggregate.py``, ``weights.py``,
``impute.py``, ``treat.py``, ``screen.py``; the contract is in each module's docstring) and add one
:class:`MethodEntry` row to :data:`METHODS` below. The contract tests (``tests/unit/methods/test_contract.py``)
then cover it, and every config can name it.

References
----------
Ebert, U. & Welsch, H. (2004). Meaningful environmental indices: a social choice approach. *Journal of
Environmental Economics and Management* 47:270-283.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from dti_bench.errors import ConfigError, choices
from dti_bench.methods import aggregate, frontier, impute, normalise, screen, treat, weights

#: Measurement scales, weakest first. A scale supports every operation of the scales before it.
ORDINAL, INTERVAL, RATIO = "ordinal", "interval", "ratio"
SCALES = (ORDINAL, INTERVAL, RATIO)

#: Families in the order the pipeline applies them.
FAMILIES = ("screen", "impute", "treat", "normalise", "weights", "aggregate")


def supports(have: str, need: str) -> bool:
    """Does a value on scale ``have`` support an operation that needs scale ``need``?

    Examples
    --------
    >>> supports(RATIO, INTERVAL), supports(INTERVAL, RATIO)
    (True, False)
    """
    return SCALES.index(have) >= SCALES.index(need)


@dataclass(frozen=True)
class MethodEntry:
    """One method of one family, with its traits.

    Attributes
    ----------
    family : str
        One of :data:`FAMILIES`.
    name : str
        The name a config uses.
    function : callable
        The catalogue function (the family's contract is in its module's docstring).
    block : callable, optional
        The method on a ``(units, k)`` block, equal bit for bit to calling ``function`` column by column.
    exponent : callable, optional
        ``exponent(params) -> p`` for a quasi-arithmetic mean (``None`` for a mean outside that family).
    output_scale : callable, optional
        ``output_scale(params, input_scale) -> scale`` of the output: the normalised values, or a composite's
        scores given the weakest scale among its children (absent: the input's scale).
    needs_scale : callable, optional
        Aggregators: ``needs_scale(params) -> scale`` their inputs must have.
    data_driven : bool
        Weightings computed from the children's values (PCA, entropy, CRITIC, standard deviation, BoD weights).
    check : callable, optional
        ``check(**params)`` raises :class:`~dti_bench.errors.MethodError` for parameters the method refuses
        (min-max ``lo >= hi``, z-score ``s <= 0`` ...), so that a config is refused when it is parsed, not when a
        variant meets the data.
    direction_aware : bool
        Normalisers that read the sign the pipeline gave a direction -1 column and return a ratio-scale score of
        the raw, lower-is-better quantity (``frac_max``: :math:`\\min v / v`); the scale check
        (:mod:`dti_bench.model.scales`) then starts from the raw scale, not from the negated column's interval one.
    columnwise : bool
        Imputers that fill each column from that column alone (mean, median, their group versions): the ones that
        may impute a composite's scores, one composite at a time.
    warning : str, optional
        A one-line methodological warning that holds whenever the method is used (``bod_weights``: not the
        benefit-of-the-doubt index, not invariant to rescaling an indicator). Parsing a methodology that names
        the method issues it as a :class:`~dti_bench.errors.MethodologyWarning`; a methodology check can list it.
    """

    family: str
    name: str
    function: Callable[..., Any]
    block: Callable[..., Any] | None = None
    exponent: Callable[[Mapping[str, Any]], float | None] | None = field(default=None, repr=False)
    output_scale: Callable[[Mapping[str, Any], str], str] | None = field(default=None, repr=False)
    needs_scale: Callable[[Mapping[str, Any]], str] | None = field(default=None, repr=False)
    data_driven: bool = False
    check: Callable[..., None] | None = field(default=None, repr=False)
    warning: str | None = field(default=None, repr=False)
    direction_aware: bool = False
    columnwise: bool = False

    def p(self, params: Mapping[str, Any]) -> float | None:
        """The exponent of this method with these parameters (None: not a quasi-arithmetic mean).

        ``|p| < 1e-12`` counts as exactly 0 (the geometric mean), as :func:`~dti_bench.methods.aggregate.power`
        decides.
        """
        if self.exponent is None:
            return None
        p = self.exponent(params)
        return None if p is None else (0.0 if abs(p) < 1e-12 else float(p))


class Registry(Mapping[str, Mapping[str, MethodEntry]]):
    """Family -> (name -> :class:`MethodEntry`), read-only, in the order the rows are given.

    ``retired`` maps a ``(family, name)`` that users' configs may still hold to the one-line reason it is refused
    (usually the name it now has): :meth:`entry` raises it as a :class:`~dti_bench.errors.ConfigError` instead of
    "unknown method".
    """

    def __init__(self, entries: list[MethodEntry], retired: Mapping[tuple[str, str], str] | None = None) -> None:
        table: dict[str, dict[str, MethodEntry]] = {f: {} for f in FAMILIES}
        for e in entries:
            if e.family not in table:
                raise ValueError(f"method {e.name!r}: unknown family {e.family!r}")
            if e.name in table[e.family]:
                raise ValueError(f"method {e.family}.{e.name} is registered twice")
            table[e.family][e.name] = e
        self._table = MappingProxyType({f: MappingProxyType(t) for f, t in table.items()})
        self._retired = MappingProxyType(dict(retired or {}))
        for family, name in self._retired:
            if name in table.get(family, {}):
                raise ValueError(f"method {family}.{name} is both registered and retired")

    def __getitem__(self, family: str) -> Mapping[str, MethodEntry]:
        return self._table[family]

    def __iter__(self) -> Iterator[str]:
        return iter(self._table)

    def __len__(self) -> int:
        return len(self._table)

    def entry(self, family: str, name: str, where: str = "methodology") -> MethodEntry:
        """The entry of ``family``/``name``; a :class:`~dti_bench.errors.ConfigError` listing the valid names
        when there is none."""
        if family not in self._table:
            raise ConfigError(f"{where}: unknown method family {family!r}; valid choices: {choices(FAMILIES)}")
        known = self._table[family]
        if (family, name) in self._retired:
            raise ConfigError(f"{where}: {self._retired[family, name]}")
        if name not in known:
            raise ConfigError(f"{where}: unknown method {name!r}; valid choices: {choices(known)}")
        return known[name]

    def functions(self, family: str) -> Mapping[str, Callable[..., Any]]:
        """Name -> function of one family (read-only)."""
        return MappingProxyType({n: e.function for n, e in self._table[family].items()})


# -- traits shared by several rows ------------------------------------------------------------------------------

def _same_scale(params: Mapping[str, Any], input_scale: str) -> str:
    return input_scale


def _interval(params: Mapping[str, Any], input_scale: str) -> str:
    """A shift by a statistic of the data (the minimum, the mean): the zero is arbitrary, only differences and
    their ratios survive (interval), unless the raw values were only ordinal."""
    return ORDINAL if input_scale == ORDINAL else INTERVAL


def _ordinal(params: Mapping[str, Any], input_scale: str) -> str:
    return ORDINAL


def _ratio_preserving(params: Mapping[str, Any], input_scale: str) -> str:
    """A division by a positive constant (the maximum, a target): the natural zero is kept."""
    return input_scale


def _goalposts_scale(params: Mapping[str, Any], input_scale: str) -> str:
    """(x - lo)/(hi - lo): ratio only when lo is the natural zero of a ratio-scale indicator and no log is taken."""
    if input_scale == RATIO and float(params.get("lo", 0.0)) == 0.0 and not params.get("log", False):
        return RATIO
    return _interval(params, input_scale)


def _needs(scale: str) -> Callable[[Mapping[str, Any]], str]:
    return lambda params: scale


def _power_needs(params: Mapping[str, Any]) -> str:
    return INTERVAL if float(params.get("p", 1.0)) == 1.0 else RATIO


def _fixed(p: float) -> Callable[[Mapping[str, Any]], float]:
    return lambda params: p


def _power_exponent(params: Mapping[str, Any]) -> float:
    return float(params.get("p", 1.0))


#: Every method of the package. One row per method; the order within a family is the order users see.
METHODS = Registry([
    # unit screening (before or after imputation, as ``steps`` says)
    MethodEntry("screen", "none", screen.none),
    MethodEntry("screen", "coverage", screen.coverage),
    # imputation of missing indicator values
    MethodEntry("impute", "none", impute.none, columnwise=True),
    MethodEntry("impute", "mean", impute.mean, columnwise=True),
    MethodEntry("impute", "median", impute.median, columnwise=True),
    MethodEntry("impute", "group_mean", impute.group_mean, columnwise=True),
    MethodEntry("impute", "group_median", impute.group_median, columnwise=True),
    MethodEntry("impute", "em", impute.em),
    # outlier treatment
    MethodEntry("treat", "none", treat.none, block=treat.none_columns),
    MethodEntry("treat", "winsorise", treat.winsorise, block=treat.winsorise_columns, check=treat.check_winsorise),
    MethodEntry("treat", "cap", treat.cap, block=treat.cap_columns, check=treat.check_cap),
    # normalisation
    MethodEntry("normalise", "none", normalise.none, block=normalise.none_columns, output_scale=_same_scale),
    MethodEntry("normalise", "minmax", normalise.minmax, block=normalise.minmax_columns, output_scale=_interval,
                check=normalise.check_minmax),
    MethodEntry("normalise", "zscore", normalise.zscore, block=normalise.zscore_columns, output_scale=_interval,
                check=normalise.check_zscore),
    MethodEntry("normalise", "rank", normalise.rank, output_scale=_ordinal),
    MethodEntry("normalise", "percentile", normalise.percentile, output_scale=_ordinal),
    MethodEntry("normalise", "borda", normalise.borda, output_scale=_ordinal),
    MethodEntry("normalise", "goalposts", normalise.goalposts, output_scale=_goalposts_scale),
    MethodEntry("normalise", "dist_max", normalise.dist_max, output_scale=_interval),
    MethodEntry("normalise", "dist_ref", normalise.dist_ref, output_scale=_interval),
    MethodEntry("normalise", "dist_target", normalise.dist_target, output_scale=_interval),
    MethodEntry("normalise", "frac_max", normalise.frac_max, output_scale=_ratio_preserving, direction_aware=True),
    MethodEntry("normalise", "sum", normalise.share_of_total, output_scale=_ratio_preserving),
    MethodEntry("normalise", "vector", normalise.vector, output_scale=_ratio_preserving),
    MethodEntry("normalise", "ratio_target", normalise.ratio_target, output_scale=_ratio_preserving),
    MethodEntry("normalise", "thresholds", normalise.thresholds, output_scale=_ordinal),
    MethodEntry("normalise", "ampi", normalise.ampi, output_scale=_interval),
    # weighting
    MethodEntry("weights", "nominal", weights.nominal),
    MethodEntry("weights", "equal", weights.equal),
    MethodEntry("weights", "pca", weights.pca, data_driven=True),
    MethodEntry("weights", "entropy", weights.entropy, data_driven=True),
    MethodEntry("weights", "critic", weights.critic, data_driven=True),
    MethodEntry("weights", "sd", weights.sd, data_driven=True),
    MethodEntry("weights", "bod_weights", weights.bod_weights, data_driven=True, check=frontier.check_bounds,
                warning=weights.BOD_WEIGHTS_WARNING),
    # aggregation
    MethodEntry("aggregate", "arithmetic", aggregate.arithmetic, exponent=_fixed(1.0), needs_scale=_needs(INTERVAL)),
    MethodEntry("aggregate", "geometric", aggregate.geometric, exponent=_fixed(0.0), needs_scale=_needs(RATIO)),
    MethodEntry("aggregate", "harmonic", aggregate.harmonic, exponent=_fixed(-1.0), needs_scale=_needs(RATIO)),
    MethodEntry("aggregate", "power", aggregate.power, exponent=_power_exponent, needs_scale=_power_needs,
                check=aggregate.check_power),
    MethodEntry("aggregate", "minimum", aggregate.minimum, needs_scale=_needs(ORDINAL)),
    MethodEntry("aggregate", "median", aggregate.median, needs_scale=_needs(ORDINAL)),
    MethodEntry("aggregate", "owa", aggregate.owa, needs_scale=_needs(INTERVAL)),
    MethodEntry("aggregate", "mpi", aggregate.mpi, needs_scale=_needs(RATIO), check=aggregate.check_mpi),
    MethodEntry("aggregate", "ampi", aggregate.ampi, needs_scale=_needs(RATIO), check=aggregate.check_mpi),
    MethodEntry("aggregate", "copeland", aggregate.copeland, needs_scale=_needs(ORDINAL), output_scale=_ordinal),
    MethodEntry("aggregate", "borda", aggregate.borda, needs_scale=_needs(ORDINAL), output_scale=_ordinal),
    MethodEntry("aggregate", "bod", aggregate.bod, needs_scale=_needs(RATIO), check=frontier.check_bounds),
], retired={
    ("weights", "bod"): "weights method 'bod' is now 'bod_weights' (the BoD programme's weights handed to the "
                        "parent's mean, not the benefit-of-the-doubt index); for the BoD index use aggregate: bod",
})


def functions(family: str) -> Mapping[str, Callable[..., Any]]:
    """Name -> function of one family of :data:`METHODS` (read-only), e.g. ``functions("normalise")["minmax"]``."""
    return METHODS.functions(family)


__all__ = ["FAMILIES", "INTERVAL", "METHODS", "MethodEntry", "ORDINAL", "RATIO", "Registry", "SCALES", "functions",
           "supports"]
