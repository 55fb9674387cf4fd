"""Methodology factors: the uncertain choices an uncertainty or sensitivity analysis varies.

In a config, or in code through the constructors below (``db.factors.choice(...)`` ...)::

    {path: normalise.method, choices: [minmax, zscore]}                  # a discrete choice of values
    {path: normalise, choices: [{method: minmax, lo: 1, hi: 100}, {method: zscore, m: 10, s: 2}]}  # whole blocks
    {path: treat.winmax, choices: [1, 2, 3, 4, 5]}
    {path: aggregate.method, choices: [arithmetic, geometric], node: DTI}  # scoped to one node (or level: 2)
    {path: aggregate.p, range: [-1, 2]}                                   # continuous: the power-mean exponent
    {path: weights, noise: 0.25, levels: [1, 2]}                          # w·(1 + u·0.25), u ~ U[-1, 1], each weight
    {path: weights, dirichlet: 1.0, node: DTI}                            # the node's weights on the simplex
    {path: weights, uniform: true, node: DTI}                             # the same with concentration 1
    {path: indicators, exclude: 0.1}                                      # each indicator out with probability 0.1
    {path: indicators, leave_one_out: true}                               # none, or one indicator, left out
    {path: data, noise: 0.05}                                             # measurement error: x·exp(0.05 ε)
    {path: data, noise: 0.1, kind: additive, node: digital_society}       # x + 0.1·sd·ε, some indicators only
    {path: data, noise: {column: SE}, kind: additive, draws: 200}         # per-indicator standard errors
    {path: normalise_over, choices: [time_point, pooled, {reference: 2019}]}  # rank_change only: across time

with an optional ``name`` (default: the path) that every output uses. Levels count as COINr's Level column:
1 = indicators, 2 = their parents...; a weight "at level L" is the weight of a level-L node within its parents.

A factor written in code or in a config is a :class:`FactorSpec` (or its plain dict); it is resolved against a
framework and a nominal methodology into a :class:`Factor` by :func:`parse_factors`, which checks every
alternative at once. How factors map the unit hypercube to variants is in :mod:`dti_bench.analyses.sampling`.
"""

from __future__ import annotations

import builtins
import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from dti_bench.errors import ConfigError, choices as fmt_choices
from dti_bench.model.framework import Framework
from dti_bench.model.methodology import METHODOLOGY_DEFAULTS, Methodology, vary
from dti_bench.model.noise import NOISE_KINDS, DataNoise

FACTOR_KEYS = ("path", "name", "choices", "range", "noise", "levels", "level", "node", "dirichlet", "uniform",
               "exclude", "leave_one_out", "kind", "indicators", "draws", "seed")

#: Keys a data factor may use (``path: data``), besides ``path`` and ``name``.
DATA_FACTOR_KEYS = ("noise", "kind", "indicators", "node", "level", "draws", "seed")

#: Perturbed copies of the data a data factor draws from when it does not say.
DEFAULT_DRAWS = 100


@dataclass(frozen=True)
class Factor:
    """One methodology factor, resolved against a framework.

    Attributes
    ----------
    name, path : str
    kind : {'choice', 'range', 'noise', 'simplex', 'exclude', 'leave_one_out', 'data', 'time_normalisation'}
    choices : tuple
        Alternatives of a choice factor (values or whole blocks), as written in the config.
    low, high : float
        Bounds of a range factor.
    noise : float
        Half-width of the multiplicative weight noise.
    alpha : float
        Dirichlet concentration of a simplex factor (1 = uniform on the simplex).
    probability : float
        Exclusion probability of each indicator.
    scope : str or int or None
        The node code or level a choice or range factor applies to (None = the whole methodology key).
    edges : tuple of int
        Edge positions (``framework.edges`` order) a weight factor perturbs.
    targets : tuple of int
        Composite positions a power exponent applies to, or indicator positions an exclusion applies to.
    data : DataNoise or None
        A data factor's perturbation (its draw set by each variant), :mod:`dti_bench.model.noise`.
    draws : int
        A data factor's number of perturbed copies of the data.

    Examples
    --------
    >>> import dti_bench as db
    >>> fw = db.load_framework("dti-provincial-2022")
    >>> [f] = parse_factors([weight_noise(0.25, levels=[1])], fw, fw.official)
    >>> f.kind, f.dimension
    ('noise', 26)
    """

    name: str
    path: str
    kind: str
    choices: tuple[Any, ...] = ()
    low: float = 0.0
    high: float = 1.0
    noise: float = 0.0
    alpha: float = 1.0
    probability: float = 0.0
    scope: str | int | None = None
    edges: tuple[int, ...] = ()
    targets: tuple[int, ...] = ()
    data: DataNoise | None = None
    draws: int = 0

    @property
    def dimension(self) -> int:
        """Columns of the unit hypercube this factor consumes."""
        if self.kind == "noise":
            return len(self.edges)
        if self.kind in ("simplex",):
            return len(self.edges)
        if self.kind == "exclude":
            return len(self.targets)
        return 1

    @property
    def levels_count(self) -> int:
        """Number of alternatives of a discrete factor (0 for continuous ones)."""
        if self.kind in ("choice", "time_normalisation"):
            return len(self.choices)
        if self.kind == "leave_one_out":
            return len(self.targets) + 1
        if self.kind == "data":
            return self.draws
        return 0




# -- factors written in code ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class FactorSpec:
    """A factor as written, before it meets a framework: the config's mapping, kept as it is.

    Build one with :func:`choice`, :func:`range`, :func:`weight_noise`, :func:`dirichlet`, :func:`exclude` or
    :func:`leave_one_out`; analyses accept these, their plain dicts, or resolved :class:`Factor` objects.

    Examples
    --------
    >>> choice("aggregate.method", ["arithmetic", "geometric"], name="aggregation").to_dict()
    {'path': 'aggregate.method', 'choices': ['arithmetic', 'geometric'], 'name': 'aggregation'}
    """

    item: tuple[tuple[str, Any], ...]

    def to_dict(self) -> dict[str, Any]:
        """The config form of the factor."""
        return {k: v for k, v in self.item}

    def __repr__(self) -> str:
        return f"FactorSpec({self.to_dict()!r})"


def _spec(**item: Any) -> FactorSpec:
    return FactorSpec(tuple((k, v) for k, v in item.items() if v is not None))


def choice(path: str, values: Sequence[Any], name: str | None = None, node: str | None = None,
           level: int | None = None) -> FactorSpec:
    """A discrete choice among methodology alternatives.

    Parameters
    ----------
    path : str
        A dotted methodology path: ``normalise``, ``normalise.method``, ``aggregate.method``, ``treat.winmax``,
        ``weights`` ...
    values : sequence
        The alternatives: values of that path (method names, numbers, whole blocks such as
        ``{"method": "zscore", "m": 10, "s": 2}``).
    name : str, optional
        The factor's name in every output (default: ``path``).
    node, level : optional
        Apply the choice to one node (a code) or one level only (COINr's Level; 1 = indicators).

    Returns
    -------
    FactorSpec

    Examples
    --------
    >>> choice("normalise", ["none", {"method": "zscore", "m": 10, "s": 2}], name="normalisation").to_dict()["name"]
    'normalisation'
    """
    return _spec(path=path, choices=list(values), name=name, node=node, level=level)


def range(path: str, low: float, high: float, name: str | None = None, node: str | None = None,  # noqa: A001
          level: int | None = None) -> FactorSpec:
    """A continuous methodology parameter drawn uniformly from ``[low, high]``.

    Parameters
    ----------
    path : str
        A numeric methodology parameter: ``aggregate.p`` (the power-mean exponent, batched), ``normalise.lo``,
        ``normalise.m``, ``treat.skew`` ...
    low, high : float
        Bounds, ``low < high``.
    name, node, level
        As for :func:`choice`.

    Returns
    -------
    FactorSpec

    Examples
    --------
    >>> range("aggregate.p", -1, 2).to_dict()
    {'path': 'aggregate.p', 'range': [-1, 2]}
    """
    return _spec(path=path, range=[low, high], name=name, node=node, level=level)


def weight_noise(noise: float, levels: Sequence[int] | None = None, node: str | None = None,
                 name: str | None = None) -> FactorSpec:
    """Multiplicative noise on weights: each weight times ``1 + u·noise`` with ``u ~ U[-1, 1]``, renormalised.

    Parameters
    ----------
    noise : float
        Half-width, in (0, 1): 0.25 is ±25 %.
    levels : sequence of int, optional
        Levels of the children whose weights vary (1 = indicator weights); default every level.
    node : str, optional
        Only the weights of this composite's children.
    name : str, optional
        Default ``'weights'``.

    Returns
    -------
    FactorSpec

    Examples
    --------
    >>> weight_noise(0.25, levels=[1], name="weight noise").to_dict()
    {'path': 'weights', 'noise': 0.25, 'levels': [1], 'name': 'weight noise'}
    """
    return _spec(path="weights", noise=noise, levels=None if levels is None else list(levels), node=node, name=name)


def dirichlet(alpha: float, node: str | None = None, name: str | None = None) -> FactorSpec:
    """A composite's weights drawn on the simplex from a symmetric Dirichlet(``alpha``) (1 = uniform).

    Parameters
    ----------
    alpha : float
        Concentration, > 0; large values stay near equal weights.
    node : str, optional
        The composite (default: the headline).
    name : str, optional

    Returns
    -------
    FactorSpec

    Examples
    --------
    >>> dirichlet(1.0, node="DTI").to_dict()
    {'path': 'weights', 'dirichlet': 1.0, 'node': 'DTI'}
    """
    return _spec(path="weights", dirichlet=alpha, node=node, name=name)


def exclude(p: float, node: str | None = None, level: int | None = None, name: str | None = None) -> FactorSpec:
    """Each indicator left out with probability ``p`` (its parent's weights renormalised over the rest).

    Parameters
    ----------
    p : float
        Probability in [0, 1).
    node, level : optional
        Only the indicators under this node (or at this level).
    name : str, optional

    Returns
    -------
    FactorSpec

    Examples
    --------
    >>> exclude(0.1).to_dict()
    {'path': 'indicators', 'exclude': 0.1}
    """
    return _spec(path="indicators", exclude=p, node=node, level=level, name=name)


def leave_one_out(node: str | None = None, level: int | None = None, name: str | None = None) -> FactorSpec:
    """None or exactly one indicator left out, each with equal probability (COINr's ``exclude`` factor).

    Parameters
    ----------
    node, level : optional
        Only the indicators under this node (or at this level).
    name : str, optional

    Returns
    -------
    FactorSpec

    Examples
    --------
    >>> leave_one_out().to_dict()
    {'path': 'indicators', 'leave_one_out': True}
    """
    return _spec(path="indicators", leave_one_out=True, node=node, level=level, name=name)


def data_noise(noise: float | str, kind: str = "multiplicative", *, indicators: Sequence[str] | None = None,
               node: str | None = None, level: int | None = None, draws: int = DEFAULT_DRAWS, seed: int = 0,
               name: str | None = None) -> FactorSpec:
    r"""Measurement error in the raw indicators: each variant uses one of ``draws`` perturbed copies of the data.

    Multiplicative noise is :math:`x \exp(\sigma \varepsilon)`, additive :math:`x + \sigma s_j \varepsilon`
    (:math:`s_j` the indicator's standard deviation across units), :math:`\varepsilon \sim N(0, 1)` per unit and
    indicator, copy ``r`` fixed by ``seed`` (:mod:`dti_bench.model.noise`). Missing values stay missing.

    Parameters
    ----------
    noise : float or str
        :math:`\sigma`, > 0 (0.05: about ±5 % for multiplicative noise); or the name of a framework column
        (an iMeta column, a key of a framework YAML's indicators) holding each indicator's standard error:
        relative for multiplicative noise, in the indicator's units for additive noise.
    kind : {'multiplicative', 'additive'}
    indicators : sequence of str, optional
        Perturb these indicators only; or give ``node`` (the indicators below it) or ``level`` (1: all).
    draws : int
        Perturbed copies to draw from (a variant's copy is its hypercube column binned into ``draws``).
    seed : int
        Which set of copies (the analysis' seed decides which copy each variant uses).
    name : str, optional
        Default ``'data'``.

    Returns
    -------
    FactorSpec

    Examples
    --------
    >>> data_noise(0.05, draws=50).to_dict()
    {'path': 'data', 'noise': 0.05, 'kind': 'multiplicative', 'draws': 50, 'seed': 0}
    >>> data_noise("SE", "additive", node="digital_society").to_dict()["noise"]
    {'column': 'SE'}
    """
    value: Any = {"column": noise} if isinstance(noise, str) else noise
    return _spec(path="data", noise=value, kind=kind, indicators=None if indicators is None else list(indicators),
                 node=node, level=level, draws=draws, seed=seed, name=name)


# -- resolution against a framework --------------------------------------------------------------------------

def parse_factors(block: Any, framework: Framework, nominal: Methodology, where: str = "factors", *,
                  across_time: bool = False) -> list[Factor]:
    """Resolve factors (config mappings, :class:`FactorSpec` or :class:`Factor`) against the framework and the
    nominal methodology, checking every alternative now rather than halfway through a run.

    Parameters
    ----------
    block : sequence
        The factors, in the order of the unit hypercube's columns.
    framework, nominal : Framework, Methodology
    where : str
        Where they come from, for error messages.
    across_time : bool
        Accept a ``normalise_over`` factor (a rank change between time points is the one analysis it means
        something to).

    Returns
    -------
    list of Factor

    Raises
    ------
    ConfigError
        Naming the factor (``where[i]``), the key and the valid choices.

    Examples
    --------
    >>> import dti_bench as db
    >>> fw = db.load_framework("dti-provincial-2022")
    >>> factors = parse_factors([{"path": "normalise.method", "choices": ["none", "minmax"]}, exclude(0.1)],
    ...                         fw, fw.official)
    >>> [(f.name, f.kind, f.dimension) for f in factors]
    [('normalise.method', 'choice', 1), ('indicators', 'exclude', 8)]
    """
    if isinstance(block, (FactorSpec, Mapping, Factor)):
        block = [block]
    if not isinstance(block, (list, tuple)) or not block:
        raise ConfigError(f"{where}: expected a non-empty list of factors, e.g. [{{path: normalise.method, "
                          f"choices: [minmax, zscore]}}]")
    factors = [item if isinstance(item, Factor) else
               parse_factor(item.to_dict() if isinstance(item, FactorSpec) else item, framework, nominal,
                            f"{where}[{i}]") for i, item in enumerate(block)]
    for i, f in enumerate(factors):
        if f.kind == "time_normalisation" and not across_time:
            raise ConfigError(f"{where}[{i}]: a normalise_over factor varies the normalisation across time points; "
                              f"only analyses.rank_change compares time points")
    # each data factor draws its own errors (a stream per factor), so two of them perturb independently
    stream = 0
    for i, f in enumerate(factors):
        if f.kind == "data" and f.data is not None:
            factors[i] = dataclasses.replace(f, data=dataclasses.replace(f.data, stream=stream))
            stream += 1
    names = [f.name for f in factors]
    dup = [n for n in names if names.count(n) > 1]
    if dup:
        raise ConfigError(f"{where}: two factors are named {dup[0]!r}; give each a distinct 'name'")
    return factors


def parse_factor(item: Any, framework: Framework, nominal: Methodology, where: str) -> Factor:
    if not isinstance(item, Mapping) or "path" not in item:
        raise ConfigError(f"{where}: a factor is a mapping with a 'path', e.g. {{path: normalise.method, "
                          f"choices: [minmax, zscore]}}")
    unknown = [k for k in item if k not in FACTOR_KEYS]
    if unknown:
        raise ConfigError(f"{where}: unknown key {unknown[0]!r}; valid keys: {fmt_choices(FACTOR_KEYS)}")
    path = str(item["path"])
    name = str(item.get("name", path))
    root = path.split(".")[0]
    scope = _scope(item, framework, where)
    if root == "indicators":
        pos = tuple(builtins.range(len(framework.indicators)))
        if scope is not None:
            pos = tuple(i for i, c in enumerate(framework.indicators) if _under(framework, c, scope))
        if item.get("leave_one_out"):
            return Factor(name, path, "leave_one_out", targets=pos, scope=scope)
        prob = item.get("exclude")
        if not isinstance(prob, (int, float)) or isinstance(prob, bool) or not 0 <= prob < 1:
            raise ConfigError(f"{where}.exclude: expected a probability in [0, 1), got {prob!r}")
        return Factor(name, path, "exclude", probability=float(prob), targets=pos, scope=scope)
    if root == "data":
        return _data_factor(item, framework, name, scope, where)
    if root == "normalise_over":
        return _time_normalisation_factor(item, name, where)
    if root not in METHODOLOGY_DEFAULTS:
        raise ConfigError(f"{where}.path: unknown methodology path {path!r}; valid roots: "
                          f"{fmt_choices([*METHODOLOGY_DEFAULTS, 'indicators', 'data'])}")
    if path == "weights" and ("noise" in item or "dirichlet" in item or "uniform" in item):
        return _weight_factor(item, framework, name, where)
    if "choices" in item:
        alternatives = item["choices"]
        if not isinstance(alternatives, list) or not alternatives:
            raise ConfigError(f"{where}.choices: expected a non-empty list")
        factor = Factor(name, path, "choice", choices=tuple(alternatives), scope=scope)
        for alt in alternatives:  # every alternative must parse now, not halfway through a run
            methodology_for(nominal, [(factor, alt)], framework, where)
        return factor
    if "range" in item:
        rng = item["range"]
        if (not isinstance(rng, list) or len(rng) != 2 or not all(isinstance(v, (int, float)) for v in rng)
                or rng[0] >= rng[1]):
            raise ConfigError(f"{where}.range: expected [low, high] with low < high, got {rng!r}")
        factor = Factor(name, path, "range", low=float(rng[0]), high=float(rng[1]), scope=scope)
        if path == "aggregate.p":
            targets = tuple(c for c, comp in enumerate(framework.composites)
                            if scope is None or comp == scope or framework.level(comp) == scope)
            return Factor(name, path, "range", low=float(rng[0]), high=float(rng[1]), scope=scope, targets=targets)
        methodology_for(nominal, [(factor, float(rng[0]))], framework, where)
        return factor
    raise ConfigError(f"{where}: give 'choices' or 'range' (or, for weights, 'noise' or 'dirichlet'; for "
                      f"indicators, 'exclude' or 'leave_one_out')")


#: How a rank change may take its normalisation statistics across time (see :mod:`dti_bench.model.panel`).
TIME_NORMALISATIONS = ("time_point", "pooled", "{reference: YEAR}")


def _time_normalisation_factor(item: Mapping[str, Any], name: str, where: str) -> Factor:
    """``{path: normalise_over, choices: [time_point, pooled, {reference: 2019}]}``: a rank change's normalisation
    across time as a factor (the years are checked against the panel when the analysis runs)."""
    if item["path"] != "normalise_over" or set(item) - {"path", "name", "choices"} or "choices" not in item:
        raise ConfigError(f"{where}: a normalise_over factor is {{path: normalise_over, choices: [...], name: ...}} "
                          f"with choices among {fmt_choices(TIME_NORMALISATIONS)}")
    alternatives = item["choices"]
    if not isinstance(alternatives, list) or not alternatives:
        raise ConfigError(f"{where}.choices: expected a non-empty list of {fmt_choices(TIME_NORMALISATIONS)}")
    for i, alt in enumerate(alternatives):
        ok = alt in ("time_point", "pooled") or (isinstance(alt, Mapping) and set(alt) == {"reference"}
                                                 and isinstance(alt["reference"], (int, str))
                                                 and not isinstance(alt["reference"], bool))
        if not ok:
            raise ConfigError(f"{where}.choices[{i}]: {alt!r} is not one of {fmt_choices(TIME_NORMALISATIONS)}")
    return Factor(name, "normalise_over", "time_normalisation", choices=tuple(alternatives))


def _data_factor(item: Mapping[str, Any], framework: Framework, name: str, scope: str | int | None,
                 where: str) -> Factor:
    """``{path: data, noise: ..., kind: ..., indicators|node|level: ..., draws: ..., seed: ...}``."""
    if item["path"] != "data":
        raise ConfigError(f"{where}.path: a data factor's path is 'data', got {item['path']!r}")
    extra = [k for k in item if k not in ("path", "name", *DATA_FACTOR_KEYS)]
    if extra:
        raise ConfigError(f"{where}: a data factor has no key {extra[0]!r}; valid keys: "
                          f"{fmt_choices(('path', 'name', *DATA_FACTOR_KEYS))}")
    kind = item.get("kind", "multiplicative")
    if kind not in NOISE_KINDS:
        raise ConfigError(f"{where}.kind: unknown kind {kind!r}; valid choices: {fmt_choices(NOISE_KINDS)}")
    codes = framework.indicators
    if "indicators" in item:
        if scope is not None:
            raise ConfigError(f"{where}: give 'indicators', 'node' or 'level', not two of them")
        chosen = item["indicators"]
        if not isinstance(chosen, list) or not chosen:
            raise ConfigError(f"{where}.indicators: expected a non-empty list of indicator codes")
        unknown = [c for c in chosen if c not in codes]
        if unknown:
            raise ConfigError(f"{where}.indicators: unknown indicator {unknown[0]!r}; valid choices: "
                              f"{fmt_choices(codes)}")
        codes = tuple(c for c in codes if c in chosen)
    elif scope is not None:
        codes = tuple(c for c in codes if _under(framework, c, scope))
    draws, seed = item.get("draws", DEFAULT_DRAWS), item.get("seed", 0)
    if isinstance(draws, bool) or not isinstance(draws, int) or not 2 <= draws <= 100_000:
        raise ConfigError(f"{where}.draws: expected a whole number of perturbed copies from 2 to 100,000, got "
                          f"{draws!r}")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ConfigError(f"{where}.seed: expected a non-negative whole number, got {seed!r}")
    noise = item.get("noise")
    if isinstance(noise, Mapping):
        if set(noise) != {"column"} or not isinstance(noise["column"], str):
            raise ConfigError(f"{where}.noise: expected a number or {{column: NAME}} (a framework column of "
                              f"standard errors), got {noise!r}")
        column = noise["column"]
        sigma = []
        for code in codes:
            value = framework.node(code).extra.get(column)
            try:
                se = float(value)  # type: ignore[arg-type]
            except (TypeError, ValueError):
                se = float("nan")
            if not np.isfinite(se) or se < 0:
                raise ConfigError(f"{where}.noise: indicator {code!r} has no standard error in framework column "
                                  f"{column!r} (got {value!r}); give one, or leave the indicator out with "
                                  f"'indicators:'")
            sigma.append((code, se))
        relative = False
    elif isinstance(noise, (int, float)) and not isinstance(noise, bool) and np.isfinite(noise) and noise > 0:
        sigma, relative = [(code, float(noise)) for code in codes], True
    else:
        raise ConfigError(f"{where}.noise: expected a positive number (the standard error: 0.05 is about ±5 % for "
                          f"multiplicative noise) or {{column: NAME}}, got {noise!r}")
    template = DataNoise(kind, tuple(sigma), relative=relative, seed=seed)
    return Factor(name, "data", "data", scope=scope, data=template, draws=draws)


def _scope(item: Mapping[str, Any], framework: Framework, where: str) -> str | int | None:
    if "node" in item and "level" in item:
        raise ConfigError(f"{where}: give 'node' or 'level', not both")
    if "node" in item:
        node = str(item["node"])
        if node not in framework.nodes:
            raise ConfigError(f"{where}.node: unknown code {node!r}; valid codes: {fmt_choices(framework.nodes)}")
        return node
    if "level" in item:
        level = item["level"]
        if not isinstance(level, int) or not 1 <= level <= framework.n_levels:
            raise ConfigError(f"{where}.level: expected a level from 1 to {framework.n_levels}, got {level!r}")
        return level
    return None


def _under(framework: Framework, code: str, scope: str | int) -> bool:
    """Is indicator ``code`` at level ``scope`` or below node ``scope``?"""
    if isinstance(scope, int):
        return scope == 1
    frontier = [code]
    while frontier:
        node = frontier.pop()
        if node == scope:
            return True
        frontier.extend(framework.parents(node))
    return False


def _weight_factor(item: Mapping[str, Any], framework: Framework, name: str, where: str) -> Factor:
    edges = framework.edges
    if "noise" in item:
        noise = item["noise"]
        if not isinstance(noise, (int, float)) or isinstance(noise, bool) or not 0 < noise < 1:
            raise ConfigError(f"{where}.noise: expected a fraction in (0, 1), got {noise!r}")
        levels = item.get("levels")
        if levels is None:
            levels = list(builtins.range(1, framework.n_levels))
        if not isinstance(levels, list) or not all(isinstance(v, int) for v in levels):
            raise ConfigError(f"{where}.levels: expected a list of levels, e.g. [1, 2]")
        node = item.get("node")
        picked = tuple(i for i, e in enumerate(edges)
                       if (node is None or e.parent == node) and framework.level(e.child) in levels)
        if not picked:
            raise ConfigError(f"{where}: no weight at levels {levels} (levels run from 1 to {framework.n_levels - 1} "
                              f"for weights)")
        return Factor(name, "weights", "noise", noise=float(noise), edges=picked, scope=node)
    node = item.get("node", framework.headline)
    if node not in framework.composites:
        raise ConfigError(f"{where}.node: simplex weights need a composite; valid choices: "
                          f"{fmt_choices(framework.composites)}")
    alpha = 1.0 if "uniform" in item else item.get("dirichlet")
    if not isinstance(alpha, (int, float)) or isinstance(alpha, bool) or alpha <= 0:
        raise ConfigError(f"{where}.dirichlet: expected a positive concentration, got {alpha!r}")
    picked = tuple(i for i, e in enumerate(edges) if e.parent == node)
    return Factor(name, "weights", "simplex", alpha=float(alpha), edges=picked, scope=node)


# -- from choices to methodologies ---------------------------------------------------------------------------

def methodology_for(nominal: Methodology, settings: Sequence[tuple[Factor, Any]], framework: Framework,
                    where: str = "factor") -> Methodology:
    """The nominal methodology with each (factor, value) applied through its path (and scope).

    Parameters
    ----------
    nominal : Methodology
    settings : sequence of (Factor, value)
        A value of each factor: one of a choice factor's alternatives, or a number for a range factor.
    framework : Framework
    where : str
        Where the settings come from, for error messages.

    Returns
    -------
    Methodology

    Examples
    --------
    >>> import dti_bench as db
    >>> fw = db.load_framework("dti-provincial-2022")
    >>> [f] = parse_factors([choice("aggregate.method", ["arithmetic", "geometric"], node="DTI")], fw, fw.official)
    >>> methodology_for(fw.official, [(f, "geometric")], fw).aggregate.for_node("DTI", 2).name
    'geometric'
    """
    changes: dict[str, Any] = {}
    block = nominal.to_dict()
    noise = list(nominal.noise)
    for factor, value in settings:
        if factor.kind == "data":  # a draw of the data, not a methodology key
            noise.append(dataclasses.replace(factor.data, draw=int(value)))  # type: ignore[type-var, arg-type]
            continue
        if factor.scope is None:
            changes[factor.path] = value
            continue
        root, _, rest = factor.path.partition(".")
        current = changes.get(root, block[root])
        by_node = dict(current) if isinstance(current, Mapping) and "method" not in current else {"default": current}
        existing = by_node.get(factor.scope, by_node["default"])
        if rest:
            existing = {"method": existing} if isinstance(existing, str) else dict(existing)
            if rest == "method" and existing.get("method") != value:
                existing = {}
            existing[rest] = value
            by_node[factor.scope] = existing
        else:
            by_node[factor.scope] = value
        changes[root] = by_node
    try:
        varied = vary(nominal, changes, framework=framework) if changes else nominal
    except ConfigError as err:
        raise ConfigError(f"{where}: {err}") from None
    return dataclasses.replace(varied, noise=tuple(noise)) if noise != list(varied.noise) else varied


def label_choice(value: Any) -> str:
    """A short label for an alternative: ``minmax(lo=1,hi=100)`` for a block, the value itself otherwise.

    Parameters
    ----------
    value : str, number, mapping or list
        An alternative as a config writes it.

    Returns
    -------
    str

    Examples
    --------
    >>> label_choice({"method": "zscore", "m": 10, "s": 2}), label_choice("geometric")
    ('zscore(m=10,s=2)', 'geometric')
    """
    if isinstance(value, Mapping):
        params = ",".join(f"{k}={label_choice(v)}" for k, v in value.items() if k != "method")
        name = value.get("method", "")
        return f"{name}({params})" if params else str(name) or "{}"
    if isinstance(value, list):
        return "[" + ",".join(label_choice(v) for v in value) + "]"
    return str(value)


__all__ = ["Factor", "FactorSpec", "choice", "data_noise", "dirichlet", "exclude", "label_choice", "leave_one_out",
           "methodology_for", "parse_factors", "range", "weight_noise"]
