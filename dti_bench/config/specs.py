"""Spec dataclasses: every option of every analysis, with its default, its check and its documentation, once.

A spec is what an ``analyses.<key>:`` block of a config means with every default filled in. The same object
validates a block (:meth:`Spec.from_block`), writes it back into a run's resolved ``config.yaml``
(:meth:`Spec.to_dict`) and documents it (:meth:`Spec.reference`); the Python functions of the analyses take their
defaults from it, so a config and a notebook mean the same thing by default.

Checks here are those that need nothing but the value (a positive whole number, one of a few words); checks
against a framework (a node code, a factor's path) happen when an analysis is bound to its study
(:mod:`dti_bench.analyses.registry`), before anything runs, in ``validate`` as in ``run``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from dti_bench.engine.executors import EXECUTORS
from dti_bench.errors import ConfigError, choices
from dti_bench.metrics.robustness import DOMINANCE
from dti_bench.model.methodology import METHODOLOGY_DEFAULTS

Check = Callable[[Any, str], Any]


def option(default: Any, doc: str, check: Check | None = None) -> Any:
    """A spec field: its default, one line of documentation, and the check its config value must pass (the
    check returns the value to keep, or raises :class:`~dti_bench.errors.ConfigError` naming ``where``)."""
    if isinstance(default, (list, dict)):
        return field(default_factory=lambda: type(default)(default), metadata={"doc": doc, "check": check})
    return field(default=default, metadata={"doc": doc, "check": check})


# -- checks -----------------------------------------------------------------------------------------------------

def whole(minimum: int = 0, *, power_of_two: bool = False) -> Check:
    """A whole number ``>= minimum`` (booleans refused)."""
    def check(value: Any, where: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            kind = "positive" if minimum == 1 else "non-negative" if minimum == 0 else f">= {minimum}"
            raise ConfigError(f"{where}: expected a {kind} whole number, got {value!r}")
        if power_of_two and value & (value - 1):
            raise ConfigError(f"{where}: expected a power of 2 (e.g. 256, 1024), got {value}")
        return value
    return check


def number(low: float | None = None, high: float | None = None, *, open_low: bool = False,
           open_high: bool = False) -> Check:
    """A number within bounds (booleans refused)."""
    def check(value: Any, where: str) -> float:
        ok = not isinstance(value, bool) and isinstance(value, (int, float)) and value == value
        if ok and low is not None:
            ok = value > low if open_low else value >= low
        if ok and high is not None:
            ok = value < high if open_high else value <= high
        if not ok:
            lo = "" if low is None else f"{'(' if open_low else '['}{low}"
            hi = "" if high is None else f"{high}{')' if open_high else ']'}"
            raise ConfigError(f"{where}: expected a number{f' in {lo}, {hi}' if lo or hi else ''}, got {value!r}")
        return value
    return check


def one_of(*valid: Any) -> Check:
    def check(value: Any, where: str) -> Any:
        if value not in valid:
            raise ConfigError(f"{where}: {value!r} is not one of {choices(valid)}")
        return value
    return check


def boolean(value: Any, where: str) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"{where}: expected true or false, got {value!r}")
    return value


def text(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value:
        raise ConfigError(f"{where}: expected a name, got {value!r}")
    return value


def optional(inner: Check) -> Check:
    """None, or a value passing ``inner``."""
    def check(value: Any, where: str) -> Any:
        return None if value is None else inner(value, where)
    return check


def list_of(inner: Check, *, non_empty: bool = True) -> Check:
    def check(value: Any, where: str) -> list[Any]:
        if not isinstance(value, (list, tuple)) or (non_empty and not value):
            raise ConfigError(f"{where}: expected a {'non-empty ' if non_empty else ''}list, got {value!r}")
        return [inner(v, f"{where}[{i}]") for i, v in enumerate(value)]
    return check


def factor_list(value: Any, where: str) -> list[Any]:
    """The shape of a factor list; each factor is resolved against the framework when the analysis is bound."""
    if not isinstance(value, (list, tuple)) or not value:
        raise ConfigError(f"{where}: expected a non-empty list of factors, e.g. [{{path: normalise.method, "
                          f"choices: [minmax, zscore]}}]")
    return list(value)


#: Where a dask scheduler's address may come from: the person running the command, never a config file (a shared
#: config could otherwise send the whole dataset to any machine, and the run unpickles what that machine returns).
DASK_ADDRESS_ENV = "DTI_BENCH_DASK_ADDRESS"


def no_address(value: Any, where: str) -> None:
    """A config may not name a dask scheduler; the command line or the environment may (the trust model)."""
    if value is not None:
        raise ConfigError(f"{where}: a config may not name a dask scheduler (the run sends it the whole dataset and "
                          f"unpickles its replies); give the address with --dask-address or ${DASK_ADDRESS_ENV}")
    return None


def codes(value: Any, where: str) -> Any:
    """``all``, one code, or a list of codes (checked against the framework later)."""
    if value == "all" or isinstance(value, str):
        return value
    return list_of(text)(value, where)


# -- the base class ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Spec:
    """An analysis block with every default filled in. Subclasses declare ``key`` (the ``analyses:`` key),
    ``title`` and their fields with :func:`option`."""

    key: ClassVar[str] = ""
    title: ClassVar[str] = ""

    @classmethod
    def from_block(cls, block: Any, where: str) -> Spec:
        """Validate a config block: ``true`` or an empty block means every default; unknown keys are refused."""
        if block is True or block is None:
            block = {}
        names = [f.name for f in dataclasses.fields(cls)]
        if not isinstance(block, Mapping):
            raise ConfigError(f"{where}: expected true or a mapping of {choices(names)}")
        unknown = [k for k in block if k not in names]
        if unknown:
            raise ConfigError(f"{where}: unknown key {unknown[0]!r}; valid keys: {choices(names)}")
        values = {}
        for f in dataclasses.fields(cls):
            if f.name in block:
                check = f.metadata.get("check")
                values[f.name] = check(block[f.name], f"{where}.{f.name}") if check else block[f.name]
        spec = cls(**values)
        spec.check(where)
        return spec

    def check(self, where: str) -> None:
        """Checks that involve several fields (subclasses override)."""

    def to_dict(self) -> dict[str, Any]:
        """Every field, as the resolved ``config.yaml`` of a run holds it."""
        return {f.name: _plain(getattr(self, f.name)) for f in dataclasses.fields(self)}

    def replace(self, **changes: Any) -> Spec:
        return dataclasses.replace(self, **changes)

    @classmethod
    def reference(cls) -> list[tuple[str, Any, str]]:
        """(key, default, documentation) of every field, for the documentation's config reference."""
        out = []
        for f in dataclasses.fields(cls):
            default = f.default if f.default is not dataclasses.MISSING else f.default_factory()  # type: ignore[misc]
            out.append((f.name, default, f.metadata.get("doc", "")))
        return out


def _plain(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    return value


def sub_block(spec: type[Spec]) -> Check:
    """An option that is itself a block of options: null or false (not computed), or true or a mapping, checked by
    ``spec`` and kept as a plain dict with every default filled in (what the resolved config shows)."""
    def check(value: Any, where: str) -> dict[str, Any] | None:
        if value is None or value is False:
            return None
        return spec.from_block(value, where).to_dict()
    return check


# -- option blocks inside an analysis ---------------------------------------------------------------------------

@dataclass(frozen=True)
class TopKRobustnessSpec(Spec):
    """``analyses.uncertainty.top_k_robustness``: the JRC audit statement on the nominal top ``k``, how many stay
    in the top ``k`` (and within ``±within`` places) in at least ``share`` of the samples."""

    key: ClassVar[str] = "top_k_robustness"
    title: ClassVar[str] = "top-k robustness"
    k: int = option(10, "the nominal top k examined (units with nominal rank <= k: ties at k are all in)", whole(1))
    within: int = option(3, "m of the p_within<m> column: the share of samples with |rank - nominal rank| <= m",
                         whole(0))
    share: float = option(0.9, "a unit stays when it does so in at least this share of its samples",
                          number(0, 1, open_low=True))


@dataclass(frozen=True)
class RobustPairsSpec(Spec):
    """``analyses.stability.robust_pairs``: the weight set and the dominance rule of the robust-pair share (Foster,
    McGillivray & Seth 2013)."""

    key: ClassVar[str] = "robust_pairs"
    title: ClassVar[str] = "robust-pair share"
    box: float | None = option(None, "null: the whole weight simplex; a fraction b: nominal weights x (1 ± b), "
                                     "renormalised", optional(number(0, 1, open_low=True, open_high=True)))
    dominance: str = option("weak", "weak (never behind under any weighting of the set, ahead under some; FMS 2013) "
                                    "or strict (ahead under every weighting)", one_of(*DOMINANCE))


# -- the analyses -----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class GridSpec(Spec):
    """``analyses.grid``: a full factorial over lists of alternatives, e.g. ``{normalise: [minmax, zscore],
    aggregate: [arithmetic, geometric]}`` (each path a methodology key or dotted path)."""

    key: ClassVar[str] = "grid"
    title: ClassVar[str] = "grid of methodological alternatives"
    alternatives: tuple[tuple[str, tuple[Any, ...]], ...] = ()

    @classmethod
    def from_block(cls, block: Any, where: str) -> GridSpec:
        if not isinstance(block, Mapping) or not block:
            raise ConfigError(f"{where}: expected a mapping of methodology paths to lists of alternatives, "
                              f"e.g. {{normalise: [minmax, zscore]}}")
        axes = []
        for path, alternatives in block.items():
            root = str(path).split(".")[0]
            if root not in METHODOLOGY_DEFAULTS:
                raise ConfigError(f"{where}: unknown methodology path {path!r}; valid roots: "
                                  f"{choices(METHODOLOGY_DEFAULTS)}")
            if not isinstance(alternatives, list) or not alternatives:
                raise ConfigError(f"{where}.{path}: expected a non-empty list of alternatives")
            axes.append((str(path), tuple(alternatives)))
        return cls(tuple(axes))

    def to_dict(self) -> dict[str, Any]:
        return {path: _plain(list(alternatives)) for path, alternatives in self.alternatives}

    @classmethod
    def reference(cls) -> list[tuple[str, Any, str]]:
        return [("PATH", [], "a methodology path (normalise, aggregate.method, weights ...) and its list of "
                             "alternatives; the grid is every combination, the nominal settings elsewhere")]


@dataclass(frozen=True)
class UncertaintySpec(Spec):
    """``analyses.uncertainty``: Monte Carlo over methodology factors."""

    key: ClassVar[str] = "uncertainty"
    title: ClassVar[str] = "Monte Carlo uncertainty analysis"
    factors: list[Any] = option([], "the factors varied (see the factor reference)", factor_list)
    samples: int = option(1000, "Monte Carlo sample size", whole(1))
    seed: int = option(1, "seed of the draws (sample i is the same whatever chunk_size or executor)", whole(0))
    node: str | None = option(None, "the composite analysed (default: the headline)", optional(text))
    chunk_size: int | None = option(None, "variants per chunk (default: sized to 256 MiB of working memory)",
                                    optional(whole(1)))
    executor: str = option("serial", "where chunks run", one_of(*EXECUTORS))
    workers: int | None = option(None, "worker processes (process and dask executors)", optional(whole(1)))
    address: str | None = option(None, "always null in a config: a dask scheduler's address comes from --dask-address "
                                       "or $DTI_BENCH_DASK_ADDRESS (trust model)", no_address)
    top_k: list[int] = option([1, 3, 10], "k of the p_top<k> columns of uncertainty.csv", list_of(whole(1)))
    top_k_robustness: dict[str, Any] | None = option(
        TopKRobustnessSpec().to_dict(), "{k, within, share} of the top-k statement (see top_k_robustness.*); "
                                        "null: none", sub_block(TopKRobustnessSpec))
    save_ranks: bool = option(False, "also write every sample's ranks (uncertainty_ranks.npz)", boolean)

    def check(self, where: str) -> None:
        if not self.factors:
            factor_list(self.factors, f"{where}.factors")


@dataclass(frozen=True)
class SensitivitySpec(Spec):
    """``analyses.sensitivity``: Sobol' indices, or Morris or PAWN screening, over methodology factors."""

    key: ClassVar[str] = "sensitivity"
    title: ClassVar[str] = "sensitivity analysis"
    method: str = option("sobol", "sobol (variance-based), morris (elementary effects) or pawn (density-based)",
                         one_of("sobol", "morris", "pawn"))
    factors: list[Any] = option([], "the factors varied (see the factor reference)", factor_list)
    samples: int = option(256, "Sobol': the base size N (a power of 2; N (d + 2) runs); Morris: trajectories "
                               "(at least K − 1 for a choice of K); PAWN: Monte Carlo sample size", whole(2))
    seed: int = option(1, "seed of the design", whole(0))
    node: str | None = option(None, "the composite analysed (default: the headline)", optional(text))
    target: float | None = option(0.05, "Sobol': double N until every total index's 95 % half-width is below "
                                        "this (null: exactly N)", optional(number(0, 1, open_low=True,
                                                                                 open_high=True)))
    max_runs: int = option(200_000, "Sobol': the largest number of model runs the doubling may reach", whole(1))
    converge_on: str = option("summary", "Sobol': judge convergence on R̄s alone (summary) or on every output (all)",
                              one_of("summary", "all"))
    num_resamples: int = option(100, "Sobol': bootstrap resamples of the confidence intervals", whole(1))
    num_levels: int = option(4, "Morris: levels of the grid of continuous factors (even; a categorical factor "
                                "steps between its own alternatives)", whole(2))
    slices: int = option(10, "PAWN: conditioning slices per factor", whole(2))

    def check(self, where: str) -> None:
        if not self.factors:
            factor_list(self.factors, f"{where}.factors")
        if self.method == "sobol" and self.samples & (self.samples - 1):
            raise ConfigError(f"{where}.samples: the Sobol' base size must be a power of 2 (e.g. 256, 1024), "
                              f"got {self.samples}")


@dataclass(frozen=True)
class ImportanceSpec(Spec):
    """``analyses.importance``: weights versus importance (Paruolo et al. 2013), optimised weights (Becker et al.
    2017)."""

    key: ClassVar[str] = "importance"
    title: ClassVar[str] = "weights versus importance"
    methods: list[str] = option(["bspline", "knn"], "estimators of the correlation ratio", list_of(text))
    n_boot: int = option(200, "bootstrap resamples of each correlation ratio's interval (0: none)", whole(0))
    seed: int = option(1, "seed of the bootstrap", whole(0))
    target: str = option("headline", "importance against the headline (against the parent for a parent that does "
                                      "not feed the headline) or against each child's parent",
                         one_of("headline", "parent"))
    optimise: str | None = option(None, "optimise weights towards equal or nominal importance shares",
                                  optional(one_of("equal", "nominal")))
    optimise_method: str = option("pearson", "the estimator the optimisation re-evaluates (pearson is exact for a "
                                             "linear aggregate of linearly related children)", text)
    compare_to: str = option("effective", "compare importance with the effective or the nominal weights",
                             one_of("effective", "nominal"))


@dataclass(frozen=True)
class CoherenceSpec(Spec):
    """``analyses.coherence``: correlations, Cronbach's alpha and PCA per composite (Handbook step 4)."""

    key: ClassVar[str] = "coherence"
    title: ClassVar[str] = "statistical coherence"
    threshold: float = option(0.3, "a child-parent correlation below this is flagged as weak",
                              number(-1, 1))


@dataclass(frozen=True)
class StabilitySpec(Spec):
    """``analyses.stability``: leave-one-out (COINr's remove_elements) and the robust-pair share (Foster,
    McGillivray & Seth 2013)."""

    key: ClassVar[str] = "stability"
    title: ClassVar[str] = "leave-one-out"
    leave_one_out: bool = option(True, "remove every indicator and composite in turn", boolean)
    robust_pairs: dict[str, Any] | None = option(None, "null (not computed), true (the whole simplex, weak dominance) "
                                                       "or {box: 0.25, dominance: strict} (see robust_pairs.*)",
                                                 sub_block(RobustPairsSpec))
    nodes: Any = option(None, "composites compared in leave-one-out: the headline (null), all, or a list",
                        optional(codes))


@dataclass(frozen=True)
class WeightMapSpec(Spec):
    """``analyses.weight_map``: a unit's rank over the simplex of three weights."""

    key: ClassVar[str] = "weight_map"
    title: ClassVar[str] = "weight maps"
    children: list[str] | None = option(None, "the three nodes whose weights vary (default: the headline's "
                                              "children, when it has three)", optional(list_of(text)))
    units: list[str] | None = option(None, "the units mapped (default: the nominal first)", optional(list_of(text)))
    resolution: int = option(60, "steps along each edge of the triangle", whole(1))
    node: str | None = option(None, "an existing composite with exactly these three children, varied in place",
                              optional(text))


def time_pairs(value: Any, where: str) -> list[list[Any]]:
    """A list of [FROM, TO] time points (checked against the panel when the analysis is bound)."""
    if not isinstance(value, (list, tuple)) or not value:
        raise ConfigError(f"{where}: expected a non-empty list of [FROM, TO] pairs, e.g. [[2019, 2020]]")
    for i, pair in enumerate(value):
        if not isinstance(pair, (list, tuple)) or len(pair) != 2:
            raise ConfigError(f"{where}[{i}]: expected [FROM, TO], got {pair!r}")
    return [list(p) for p in value]


def time_label(value: Any, where: str) -> Any:
    """A year or a date (checked against the panel when the analysis is bound)."""
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise ConfigError(f"{where}: expected a year (e.g. 2019) or a date, got {value!r}")
    return value


@dataclass(frozen=True)
class RankChangeSpec(Spec):
    """``analyses.rank_change``: each unit's rank change between time points under methodological uncertainty."""

    key: ClassVar[str] = "rank_change"
    title: ClassVar[str] = "rank changes under uncertainty"
    factors: list[Any] = option([], "the factors varied (as analyses.uncertainty's); each sampled variant is applied "
                                    "to both time points", factor_list)
    pairs: list[Any] | None = option(None, "[[FROM, TO], ...]: the time points compared (default: consecutive ones)",
                                     optional(time_pairs))
    samples: int = option(1000, "Monte Carlo sample size", whole(1))
    seed: int = option(1, "seed of the draws (the same variants as an uncertainty analysis with this seed)", whole(0))
    node: str | None = option(None, "the composite ranked (default: the headline)", optional(text))
    normalise_over: str = option("time_point", "normalisation statistics per time point (as publishers do), pooled "
                                               "over the panel, or from the reference time point",
                                 one_of("time_point", "pooled", "reference"))
    # not `reference`: Spec.reference() documents the fields
    reference_time: Any = option(None, "the time point of normalise_over: reference", optional(time_label))
    chunk_size: int | None = option(None, "variants per chunk (the result does not depend on it)", optional(whole(1)))
    sobol_samples: int | None = option(None, "also the Sobol' indices of each rank change (rank_change_sensitivity.csv): "
                                             "the base size N, a power of 2 (N (d + 2) runs); null: none",
                                       optional(whole(2, power_of_two=True)))

    def check(self, where: str) -> None:
        if not self.factors:
            factor_list(self.factors, f"{where}.factors")
        if self.normalise_over == "reference" and self.reference_time is None:
            raise ConfigError(f"{where}.reference_time: normalise_over: reference needs the time point, e.g. "
                              f"reference_time: 2019")
        if self.normalise_over != "reference" and self.reference_time is not None:
            raise ConfigError(f"{where}.reference_time: only with normalise_over: reference")


@dataclass(frozen=True)
class OutputSpec(Spec):
    """``output:``: what a run writes besides its tables."""

    key: ClassVar[str] = "output"
    title: ClassVar[str] = "outputs"
    figures: str = option("all", "figures drawn: all, headline (the headline composite's only) or none",
                          one_of("all", "headline", "none"))
    pdf: bool = option(True, "write each figure as PDF beside its PNG", boolean)
    report: bool = option(True, "write report.html, the audit report", boolean)


def unit_pairs(value: Any, where: str) -> list[list[str]]:
    """A list of [A, B] unit-code pairs (checked against the data when the study is bound)."""
    ok = isinstance(value, list) and all(isinstance(p, (list, tuple)) and len(p) == 2
                                         and all(isinstance(u, str) for u in p) for p in value)
    if not ok:
        raise ConfigError(f"{where}: expected a list of [unit, unit] pairs (unit codes), got {value!r}")
    return [list(p) for p in value]


@dataclass(frozen=True)
class EnsembleSpec(Spec):
    """``ensemble:``: how a run over an ensemble dataset (``data: {dataset: dti2022-synthetic-ensemble}``) states
    its results: every table's statistics as the median and 5-95 % range across members, and the statements about
    units (ensemble_statements.csv) called robust only when they hold in at least ``robust_share`` of members."""

    key: ClassVar[str] = "ensemble"
    title: ClassVar[str] = "ensemble"
    robust_share: float = option(1.0, "a statement is robust when it holds in at least this share of members "
                                      "(1.0: in every member)", number(0, 1, open_low=True))
    members: int = option(0, "run on the first n members only (0: every member)", whole(0))
    top: int = option(10, "the 'top n' statement: the unit's 95th-percentile Monte Carlo rank is at most n",
                      whole(1))
    band: int = option(10, "the 'narrow band' statement: the unit's 5-95 % Monte Carlo rank band (q95_rank - "
                           "q05_rank) is narrower than this many places", whole(1))
    pairs: list = option([], "unit pairs [A, B] for the statement 'A's median Monte Carlo rank is better than B's'",
                         unit_pairs)


__all__ = ["CoherenceSpec", "EnsembleSpec", "GridSpec", "ImportanceSpec", "OutputSpec", "RankChangeSpec", "RobustPairsSpec",
           "SensitivitySpec", "Spec", "StabilitySpec", "TopKRobustnessSpec", "UncertaintySpec", "WeightMapSpec",
           "option"]
