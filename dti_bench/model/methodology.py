"""A methodology is a value: the frozen record of every choice that turns data into an index.

It has one plain form, the ``methodology:`` block of a config (a dict), and goes there and back with
:meth:`Methodology.from_dict` and :meth:`Methodology.to_dict`. Method names are resolved to registry entries
once, when the dict is parsed, through :data:`dti_bench.methods.registry.METHODS` (the one place where names meet
functions); a :class:`Method` keeps the name and parameters, and reaches its function and traits through its entry.

A variant is "this methodology with these fields replaced", addressed by dotted paths such as
``normalise.method`` or ``aggregate``: :meth:`Methodology.vary`.

The block (every key optional; missing keys take :data:`METHODOLOGY_DEFAULTS`)::

    denominate: false | true
    screen:     none | {min_coverage: 0.9, max_zero_share: 1.0, include: [...], exclude: [...]}
    impute:     none | mean | median | {method: group_mean, group: COLUMN} | ...
                | {default: INDICATOR_METHOD, LEVEL_OR_COMPOSITE_CODE: METHOD, ...}   (composites' scores)
    treat:      none | {method: winsorise, winmax: 5, skew: 2, kurtosis: 3.5, fallback: log_ct}
    normalise:  none | minmax | {method: minmax, lo: 0, hi: 1} | {default: METHOD, CODE: METHOD, ...}
    weights:    nominal | equal | {method: pca} | {CODE: weight, ...} | {default: METHOD, CODE_OR_LEVEL: METHOD, ...}
    aggregate:  arithmetic | {method: power, p: 0.5} | {LEVEL_OR_NODE_CODE: METHOD, ..., default: METHOD}
    steps:      [denominate, impute, screen, treat]
    round:      null | 4
    round_levels: {} | {LEVEL_OR_COMPOSITE_CODE: decimals, ...}
"""

from __future__ import annotations

import copy
import functools
import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from dti_bench.errors import ConfigError, MethodError, choices
from dti_bench.methods.registry import METHODS, MethodEntry
from dti_bench.model.noise import DataNoise

if TYPE_CHECKING:
    from dti_bench.model.framework import Framework

#: Data-treatment steps, in COINr's default order. A ``steps:`` list in the methodology may reorder them.
DEFAULT_STEPS = ("denominate", "impute", "screen", "treat")

#: The package's default methodology (COINr's defaults, on a [0, 1] scale): what a block's missing keys mean.
METHODOLOGY_DEFAULTS: Mapping[str, Any] = {
    "steps": list(DEFAULT_STEPS),
    "denominate": False,
    "impute": "none",
    "screen": "none",
    "treat": "none",
    "normalise": {"method": "minmax", "lo": 0.0, "hi": 1.0},
    "weights": "nominal",
    "aggregate": "arithmetic",
    "round": None,
    "round_levels": {},
}

#: The most decimals ``round`` may keep: a double holds 15 to 17 significant digits, so more would not round.
MAX_ROUND = 15

#: Arguments a method receives from the pipeline, never from the config (``indicator``/``indicators``: the codes a
#: treatment names in its warnings).
PIPELINE_ARGUMENTS = frozenset({"x", "w", "ref", "groups", "units", "indicator", "indicators"})

#: A mapping without ``method:`` in these families means this method (``screen: {min_coverage: ..}``).
IMPLICIT_METHOD = {"screen": "coverage"}


def _freeze(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(_freeze(v) for v in value)
    if isinstance(value, Mapping):
        return tuple(sorted((str(k), _freeze(v)) for k, v in value.items()))
    return value


def _thaw(value: Any) -> Any:
    """Frozen parameter values back to plain YAML-able ones."""
    if isinstance(value, tuple):
        return [_thaw(v) for v in value]
    return value


@dataclass(frozen=True)
class Method:
    """One method of a family, with its parameters.

    Attributes
    ----------
    family : str
        ``'normalise'``, ``'aggregate'``, ``'weights'``, ``'impute'``, ``'treat'`` or ``'screen'``.
    name : str
        The registry name (``'minmax'``).
    params : tuple of (str, value)
        Keyword parameters, sorted by name, values frozen (lists become tuples).

    Examples
    --------
    >>> m = Method("aggregate", "power", (("p", 0.5),))
    >>> str(m), m.p, m.to_dict()
    ('power(p=0.5)', 0.5, {'method': 'power', 'p': 0.5})
    """

    family: str
    name: str
    params: tuple[tuple[str, Any], ...] = ()

    @property
    def entry(self) -> MethodEntry:
        """The registry entry: the function and the method's traits."""
        return METHODS.entry(self.family, self.name)

    @property
    def function(self) -> Callable[..., Any]:
        return self.entry.function

    @property
    def kwargs(self) -> dict[str, Any]:
        """The parameters as keyword arguments (plain values)."""
        return {k: _thaw(v) for k, v in self.params}

    @property
    def p(self) -> float | None:
        """The exponent of a quasi-arithmetic mean (arithmetic 1, geometric 0, harmonic −1, power p); None for
        any other method."""
        return self.entry.p(dict(self.params))

    def get(self, key: str, default: Any = None) -> Any:
        return dict(self.params).get(key, default)

    def to_dict(self) -> Any:
        """``name`` alone when there are no parameters, else ``{method: name, **params}``."""
        return self.name if not self.params else {"method": self.name, **self.kwargs}

    def __str__(self) -> str:
        if not self.params:
            return self.name
        return f"{self.name}(" + ", ".join(f"{k}={_thaw(v)}" for k, v in self.params) + ")"


@dataclass(frozen=True)
class ByNode:
    """A method per node: a default plus overrides keyed by node code or by level (an int, COINr's Level).

    A node-code override wins over a level override, which wins over the default.
    """

    default: Method
    overrides: tuple[tuple[str | int, Method], ...] = ()

    def for_node(self, code: str, level: int) -> Method:
        """The method that applies to node ``code`` at ``level``."""
        table = dict(self.overrides)
        if code in table:
            return table[code]
        return table.get(level, self.default)

    def methods(self) -> tuple[Method, ...]:
        return (self.default, *(m for _, m in self.overrides))

    def to_dict(self) -> Any:
        if not self.overrides:
            return self.default.to_dict()
        return {"default": self.default.to_dict(), **{k: m.to_dict() for k, m in self.overrides}}


@dataclass(frozen=True)
class Weights:
    """How each composite's children are weighted.

    ``method`` computes the weights of one composite from its children's values and nominal weights
    (``nominal``, ``equal``, ``pca`` ...); ``overrides`` replace it for some composites, keyed by composite code or
    by level (as :class:`ByNode`: a code wins over a level, which wins over ``method``); ``explicit`` overrides the
    nominal weight of the named children in every composite they feed, before the composite's method runs (a
    partial mapping leaves the rest nominal).

    Examples
    --------
    >>> w = parse_weights({"default": "nominal", "PILLAR": {"method": "entropy"}, 3: "equal", "x1": 2})
    >>> str(w.for_node("PILLAR", 2)), str(w.for_node("OTHER", 3)), str(w.for_node("OTHER", 2)), w.explicit
    ('entropy', 'equal', 'nominal', (('x1', 2.0),))
    >>> w.data_driven
    True
    """

    method: Method
    explicit: tuple[tuple[str, float], ...] = ()
    overrides: tuple[tuple[str | int, Method], ...] = ()

    def for_node(self, code: str, level: int) -> Method:
        """The weighting method of composite ``code`` at ``level``."""
        return ByNode(self.method, self.overrides).for_node(code, level)

    def methods(self) -> tuple[Method, ...]:
        """The default method, then each override's."""
        return (self.method, *(m for _, m in self.overrides))

    @property
    def data_driven(self) -> bool:
        """Whether some composite's weights are computed from its children's values (the engine cannot batch
        those)."""
        return any(m.entry.data_driven for m in self.methods())

    def to_dict(self) -> Any:
        if not self.overrides and not self.explicit:
            return self.method.to_dict()
        if not self.overrides and self.method.name == "nominal":
            return dict(self.explicit)  # the historical form: explicit child weights alone
        return {"default": self.method.to_dict(), **{k: m.to_dict() for k, m in self.overrides},
                **dict(self.explicit)}


@dataclass(frozen=True)
class Methodology:
    """Every methodology choice of one index variant (the config's ``methodology:`` block).

    Build one with :meth:`default`, :meth:`from_dict` or from a framework's publisher (``framework.official``),
    and derive variants with :meth:`vary`.

    Attributes
    ----------
    denominate : bool
        Divide indicators by the denominator the framework names for them (COINr's Denominate).
    screen, impute : Method
        Unit screening and imputation of the indicators (``none`` skips).
    treat, normalise, aggregate : ByNode
        Outlier treatment and normalisation per indicator; aggregation per composite or level.
    weights : Weights
    steps : tuple of str
        Order of the data-treatment steps (default :data:`DEFAULT_STEPS`).
    round : int or None
        Round composite scores to this many decimals before ranking, as a publisher that ranks its printed
        values does (the official DTI: 4). ``None`` keeps full precision.
    impute_composites : tuple of (str or int, Method)
        Imputation of composite scores, keyed by composite code or level (a code wins over a level): the
        ``impute:`` block's entries other than ``default``. A composite's missing scores are filled right after it
        is aggregated (before ``round_levels`` rounds it and its parents use it), from that composite's scores
        alone (a ``columnwise`` imputer: mean, median, group_mean, group_median).
    round_levels : tuple of (str or int, int)
        Decimals per composite code or level (a code wins over a level): that composite's scores are rounded
        (half to even, :func:`~dti_bench.metrics.ranking.round_scores`) as soon as they are computed, so its
        parents aggregate the rounded values, as a publisher that builds each level from the printed one below
        does. Empty: no composite is rounded before the end (``round``).
    noise : tuple of DataNoise
        Perturbed copies of the raw data this variant uses (:mod:`dti_bench.model.noise`), set by the data factors
        of an uncertainty or sensitivity design; empty for a methodology written in a config (it is a draw of the
        data, not a methodology key, so :meth:`to_dict` leaves it out).

    Examples
    --------
    >>> import dti_bench as db
    >>> m = db.Methodology.from_dict({"normalise": {"method": "zscore", "m": 10, "s": 2}})
    >>> m.label()
    'zscore(m=10, s=2) / nominal / arithmetic'
    >>> m.vary({"aggregate.method": "geometric"}).label()
    'zscore(m=10, s=2) / nominal / geometric'
    >>> db.Methodology.from_dict(m.to_dict()) == m
    True
    """

    denominate: bool
    screen: Method
    impute: Method
    treat: ByNode
    normalise: ByNode
    weights: Weights
    aggregate: ByNode
    steps: tuple[str, ...] = DEFAULT_STEPS
    round: int | None = None
    impute_composites: tuple[tuple[str | int, Method], ...] = ()
    round_levels: tuple[tuple[str | int, int], ...] = ()
    noise: tuple[DataNoise, ...] = ()

    @classmethod
    def default(cls) -> Methodology:
        """The package's default methodology, :data:`METHODOLOGY_DEFAULTS`: no treatment, min-max to [0, 1],
        nominal weights, arithmetic means (COINr's defaults, on a [0, 1] scale).

        Examples
        --------
        >>> Methodology.default().label()
        'minmax(hi=1.0, lo=0.0) / nominal / arithmetic'
        """
        return parse_methodology({})

    @classmethod
    def from_dict(cls, block: Mapping[str, Any] | None, framework: Framework | None = None, *,
                  where: str = "methodology") -> Methodology:
        """Parse a methodology block (the config's ``methodology:`` form); missing keys take
        :data:`METHODOLOGY_DEFAULTS`.

        Parameters
        ----------
        block : mapping or None
            The block; ``None`` or ``{}`` give :meth:`default`.
        framework : Framework, optional
            Checks that node codes named in per-node maps and explicit weights exist.
        where : str
            Where the block comes from, for error messages (``configs/x.yaml: methodology``).

        Returns
        -------
        Methodology

        Raises
        ------
        ConfigError
            Naming the key and the valid choices (an unknown method, parameter or node code).

        Examples
        --------
        >>> Methodology.from_dict({"aggregate": {"method": "power", "p": 0.5}}).aggregate.default.p
        0.5
        """
        return parse_methodology(block, where=where, framework=framework)

    def vary(self, changes: Mapping[str, Any], *, framework: Framework | None = None) -> Methodology:
        """This methodology with dotted paths replaced.

        Parameters
        ----------
        changes : mapping of str to value
            Dotted path -> new value: ``{"normalise.method": "zscore"}`` changes the method (dropping the old
            method's parameters), ``{"normalise.lo": 1}`` one parameter, ``{"weights": "equal"}`` a whole key.
        framework : Framework, optional
            Checks node codes, as in :meth:`from_dict`.

        Returns
        -------
        Methodology

        Examples
        --------
        >>> m = Methodology.default().vary({"normalise.lo": 1, "normalise.hi": 100, "aggregate": "geometric"})
        >>> m.label()
        'minmax(hi=100, lo=1) / nominal / geometric'
        """
        return vary(self, changes, framework=framework)

    def to_dict(self) -> dict[str, Any]:
        """The methodology as a config block, every default filled in (round-trips through :meth:`from_dict`).

        Examples
        --------
        >>> import dti_bench as db
        >>> m = db.Methodology.default().vary({"normalise": {"method": "zscore", "m": 10, "s": 2}})
        >>> d = m.to_dict()
        >>> d["normalise"], d["aggregate"]
        ({'method': 'zscore', 'm': 10, 's': 2}, 'arithmetic')
        >>> db.Methodology.from_dict(d) == m
        True
        """
        return {
            "steps": list(self.steps),
            "denominate": self.denominate,
            "impute": (self.impute.to_dict() if not self.impute_composites else
                       {"default": self.impute.to_dict(), **{k: m.to_dict() for k, m in self.impute_composites}}),
            "screen": self.screen.to_dict(),
            "treat": self.treat.to_dict(),
            "normalise": self.normalise.to_dict(),
            "weights": self.weights.to_dict(),
            "aggregate": self.aggregate.to_dict(),
            "round": self.round,
            "round_levels": dict(self.round_levels),
        }

    def composite_imputation(self, code: str, level: int) -> Method | None:
        """The imputation of composite ``code``'s scores (at ``level``), or None (``impute_composites``).

        Examples
        --------
        >>> m = Methodology.from_dict({"impute": {"default": "mean", 2: {"method": "group_mean", "group": "Region"}}})
        >>> str(m.impute), str(m.composite_imputation("pillar", 2)), m.composite_imputation("DTI", 3)
        ('mean', 'group_mean(group=Region)', None)
        """
        return dict(self.impute_composites).get(code, dict(self.impute_composites).get(level))

    def rounding(self, code: str, level: int) -> int | None:
        """The decimals composite ``code`` (at ``level``) is rounded to before its parents use it
        (``round_levels``), or None.

        Examples
        --------
        >>> m = Methodology.from_dict({"round_levels": {2: 2, "DTI": 4}})
        >>> m.rounding("DTI", 2), m.rounding("pillar", 2), m.rounding("pillar", 3)
        (4, 2, None)
        """
        table = dict(self.round_levels)
        return table.get(code, table.get(level))

    def label(self) -> str:
        """A short human label: normalisation / weights / aggregation.

        Examples
        --------
        >>> import dti_bench as db
        >>> db.Methodology.default().label()
        'minmax(hi=1.0, lo=0.0) / nominal / arithmetic'
        >>> db.Methodology.default().vary({"aggregate": "geometric", "weights": "equal"}).label()
        'minmax(hi=1.0, lo=0.0) / equal / geometric'
        """
        label = f"{self.normalise.default} / {self.weights.method} / {self.aggregate.default}"
        return label + "".join(f" / {n}" for n in self.noise)

    def __repr__(self) -> str:
        extra = [f"round={self.round}"] if self.round is not None else []
        if self.round_levels:
            extra.append(f"round_levels={dict(self.round_levels)!r}")
        if self.treat.methods() != (Method("treat", "none"),):
            extra.append(f"treat={self.treat.to_dict()!r}")
        if self.impute.name != "none":
            extra.append(f"impute={self.impute}")
        if self.impute_composites:
            extra.append("impute_composites={" + ", ".join(f"{k!r}: {m}" for k, m in self.impute_composites) + "}")
        return f"Methodology({self.label()}" + "".join(f", {e}" for e in extra) + ")"


# -- parsing ----------------------------------------------------------------------------------------------------

@functools.lru_cache(maxsize=None)
def method_parameters(function: Callable[..., Any]) -> Mapping[str, inspect.Parameter]:
    """The parameters of a method that a config may set (everything but the pipeline's arguments)."""
    return {n: p for n, p in inspect.signature(function).parameters.items()
            if n not in PIPELINE_ARGUMENTS and p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD)}


def parse_method(family: str, value: Any, where: str) -> Method:
    """Resolve ``name`` or ``{method: name, **params}`` against the family's registry entries."""
    known = METHODS[family]
    if isinstance(value, str):
        name, params = value, {}
    elif isinstance(value, Mapping):
        params = dict(value)
        name = params.pop("method", IMPLICIT_METHOD.get(family))
        if name is None:
            raise ConfigError(f"{where}: a mapping needs a 'method' key; valid methods: {choices(known)}")
    else:
        raise ConfigError(f"{where}: expected a method name or {{method: ..., params}}, got {value!r}; "
                          f"valid methods: {choices(known)}")
    if not isinstance(name, str):
        raise ConfigError(f"{where}.method: expected a method name, got {name!r}; valid methods: {choices(known)}")
    entry = METHODS.entry(family, name, where)
    accepted = method_parameters(entry.function)
    for key, val in params.items():
        if key not in accepted:
            raise ConfigError(f"{where}: method {name!r} has no parameter {key!r}; valid parameters: "
                              f"{choices(accepted) or 'none'}")
        _check_type(val, accepted[key].default, f"{where}.{key}")
    missing = [k for k, p in accepted.items() if p.default is inspect.Parameter.empty and k not in params]
    if missing and family != "normalise":  # normalisers get lo/hi/target from the framework
        raise ConfigError(f"{where}: method {name!r} needs parameter {missing[0]!r}")
    if entry.check is not None:
        try:
            entry.check(**params)
        except MethodError as err:
            raise ConfigError(f"{where}: {err}") from None
    return Method(family, name, tuple(sorted((k, _freeze(v)) for k, v in params.items())))


def _check_type(value: Any, default: Any, where: str) -> None:
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise ConfigError(f"{where}: expected true or false, got {value!r}")
    elif isinstance(default, (int, float)) and default is not None:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f"{where}: expected a number, got {value!r}")


def parse_by_node(family: str, value: Any, where: str, framework: Framework | None = None) -> ByNode:
    """A single method, or ``{default: METHOD, CODE_OR_LEVEL: METHOD, ...}``."""
    if isinstance(value, Mapping) and "method" not in value and family not in IMPLICIT_METHOD:
        default = parse_method(family, value.get("default", METHODOLOGY_DEFAULTS[family]), f"{where}.default")
        overrides = []
        for key, sub in value.items():
            if key == "default":
                continue
            target = _override_key(key, where, framework)
            overrides.append((target, parse_method(family, sub, f"{where}.{key}")))
        return ByNode(default, tuple(overrides))
    return ByNode(parse_method(family, value, where))


def _override_key(key: Any, where: str, framework: Framework | None) -> str | int:
    """The node code or level (an int) a per-node map's key names."""
    target: str | int = key if isinstance(key, int) else str(key)
    # ASCII digits only: '²'.isdigit() holds, but int('²') fails
    if (isinstance(target, str) and target.isascii() and target.isdigit()
            and (framework is None or target not in framework.nodes)):
        target = int(target)  # a level written as '2' (YAML keys quoted, or a config built from JSON)
    if isinstance(target, bool):
        raise ConfigError(f"{where}: {key!r} is neither a level nor a node code")
    if framework is not None and isinstance(target, int) and not 1 <= target <= framework.n_levels:
        raise ConfigError(f"{where}: level {target} is not a level of framework {framework.name!r} "
                          f"(levels 1 to {framework.n_levels})")
    if framework is not None and not isinstance(target, int) and target not in framework.nodes:
        raise ConfigError(f"{where}: {target!r} is neither a level nor a code of framework "
                          f"{framework.name!r}; valid codes: {choices(framework.nodes)}")
    return target


def parse_weights(value: Any, where: str = "weights", framework: Framework | None = None) -> Weights:
    """``nominal`` | ``equal`` | ``{method: pca, ...}`` | a mapping of explicit child weights and per-node methods.

    In a mapping without ``method:``, each entry's value says what it is: a number is the explicit weight of the
    child it names (in every composite that child feeds); a method (a name or ``{method: ..., params}``) is the
    weighting of the composite or level it names, ``default`` that of every other composite (default
    ``nominal``)::

        weights: {default: nominal, PILLAR: {method: entropy}, 3: equal, x1: 2}

    A level with a number, or an indicator (level 1) with a method, is refused: neither means anything.
    """
    if not (isinstance(value, Mapping) and "method" not in value):
        return Weights(parse_method("weights", value, where))
    default = parse_method("weights", value.get("default", METHODOLOGY_DEFAULTS["weights"]), f"{where}.default")
    explicit: list[tuple[str, float]] = []
    overrides: list[tuple[str | int, Method]] = []
    for code, w in value.items():
        if code == "default":
            continue
        if isinstance(w, (str, Mapping)):
            target = _override_key(code, where, framework)
            if target == 1 or (framework is not None and target in framework.indicators):
                raise ConfigError(f"{where}.{code}: {'level 1 is' if target == 1 else f'{code!r} is an indicator,'} "
                                  f"without children to weight; a weighting method goes on a composite code or a "
                                  f"level from 2, an explicit weight (a number) on a child code")
            overrides.append((target, parse_method("weights", w, f"{where}.{code}")))
            continue
        if isinstance(w, bool) or not isinstance(w, (int, float)) or w < 0:
            raise ConfigError(f"{where}.{code}: a weight must be a non-negative number (or, on a composite or "
                              f"level, a weighting method), got {w!r}")
        if isinstance(code, int) and not isinstance(code, bool) and (framework is None
                                                                     or str(code) not in framework.nodes):
            raise ConfigError(f"{where}.{code}: a level takes a weighting method, not a number; explicit weights "
                              f"name child codes")
        if framework is not None and code not in framework.nodes:
            raise ConfigError(f"{where}: {code!r} is not a code of framework {framework.name!r}; valid "
                              f"codes: {choices(framework.nodes)}")
        explicit.append((str(code), float(w)))
    if framework is not None:
        zero = framework.weightless(dict(explicit))
        if zero:
            raise ConfigError(f"{where}: these weights give every child of composite {zero[0]!r} weight 0, so "
                              f"it could never be scored")
    return Weights(default, tuple(sorted(explicit)), tuple(overrides))


def parse_methodology(block: Any, *, where: str = "methodology", framework: Framework | None = None) -> Methodology:
    """Validate a methodology block (missing keys take :data:`METHODOLOGY_DEFAULTS`) into a :class:`Methodology`."""
    if block is None:
        block = {}
    if not isinstance(block, Mapping):
        raise ConfigError(f"{where}: expected a mapping of {choices(METHODOLOGY_DEFAULTS)}")
    unknown = [k for k in block if k not in METHODOLOGY_DEFAULTS]
    if unknown:
        raise ConfigError(f"{where}: unknown key {unknown[0]!r}; valid keys: {choices(METHODOLOGY_DEFAULTS)}")
    b = {**METHODOLOGY_DEFAULTS, **block}
    steps = b["steps"]
    if not isinstance(steps, (list, tuple)) or sorted(steps) != sorted(DEFAULT_STEPS):
        raise ConfigError(f"{where}.steps: must list each of {choices(DEFAULT_STEPS)} once, got {steps!r}")
    if not isinstance(b["denominate"], bool):
        raise ConfigError(f"{where}.denominate: expected true or false, got {b['denominate']!r}")
    if b["denominate"] and framework is not None and not any(framework.node(c).denominator
                                                             for c in framework.indicators):
        raise ConfigError(f"{where}.denominate: true, but no indicator of framework {framework.name!r} names a "
                          f"denominator; add a Denominator column to the iMeta table (or 'denominator:' to the "
                          f"indicators of a framework YAML), or set denominate: false")
    rnd = b["round"]
    if rnd is not None and (isinstance(rnd, bool) or not isinstance(rnd, int) or not 0 <= rnd <= MAX_ROUND):
        raise ConfigError(f"{where}.round: expected null or a whole number of decimals from 0 to {MAX_ROUND}, "
                          f"got {rnd!r}")
    impute, impute_composites = parse_impute(b["impute"], f"{where}.impute", framework)
    return Methodology(
        denominate=b["denominate"],
        screen=parse_method("screen", b["screen"], f"{where}.screen"),
        impute=impute,
        treat=parse_by_node("treat", b["treat"], f"{where}.treat", framework),
        normalise=parse_by_node("normalise", b["normalise"], f"{where}.normalise", framework),
        weights=parse_weights(b["weights"], f"{where}.weights", framework),
        aggregate=parse_by_node("aggregate", b["aggregate"], f"{where}.aggregate", framework),
        steps=tuple(steps),
        round=rnd,
        impute_composites=impute_composites,
        round_levels=parse_round_levels(b["round_levels"], f"{where}.round_levels", framework),
    )


def parse_impute(value: Any, where: str, framework: Framework | None = None
                 ) -> tuple[Method, tuple[tuple[str | int, Method], ...]]:
    """The indicators' imputation and the composites' (``impute:``): a method, or ``{default: METHOD,
    LEVEL_OR_COMPOSITE_CODE: METHOD, ...}`` where ``default`` is the indicators' (level 1) and every other entry
    imputes the scores of the composites it names, with a ``columnwise`` imputer."""
    if not (isinstance(value, Mapping) and "method" not in value):
        return parse_method("impute", value, where), ()
    default = parse_method("impute", value.get("default", METHODOLOGY_DEFAULTS["impute"]), f"{where}.default")
    overrides: dict[str | int, Method] = {}
    for key, sub in value.items():
        if key == "default":
            continue
        target = _override_key(key, where, framework)
        if target == 1 or (framework is not None and target in framework.indicators):
            raise ConfigError(f"{where}.{key}: the indicators' imputation is the 'default' entry; the other entries "
                              f"impute composites (a composite code or a level from 2)")
        method = parse_method("impute", sub, f"{where}.{key}")
        if not method.entry.columnwise:
            valid = choices(n for n, e in METHODS["impute"].items() if e.columnwise)
            raise ConfigError(f"{where}.{key}: {method.name!r} imputes from several columns, not one composite's "
                              f"scores; valid choices: {valid}")
        overrides[target] = method
    # ints before strings: equal blocks give equal values whatever the order they were written in
    return default, tuple(sorted(overrides.items(), key=lambda kv: (isinstance(kv[0], str), str(kv[0]))))


def parse_round_levels(value: Any, where: str, framework: Framework | None = None) -> tuple[tuple[str | int, int], ...]:
    """``{LEVEL_OR_COMPOSITE_CODE: decimals}`` (levels from 2: indicators are not rounded) as sorted pairs."""
    if value is None:
        return ()
    if not isinstance(value, Mapping):
        raise ConfigError(f"{where}: expected a mapping of composite codes or levels to decimals, got {value!r}")
    out: dict[str | int, int] = {}
    for key, decimals in value.items():
        target = _override_key(key, where, framework)
        if target == 1 or (framework is not None and target in framework.indicators):
            raise ConfigError(f"{where}.{key}: round_levels rounds composites (levels from 2); "
                              f"{'level 1 is the indicators' if target == 1 else f'{key!r} is an indicator'}")
        if isinstance(decimals, bool) or not isinstance(decimals, int) or not 0 <= decimals <= MAX_ROUND:
            raise ConfigError(f"{where}.{key}: expected a whole number of decimals from 0 to {MAX_ROUND}, "
                              f"got {decimals!r}")
        out[target] = decimals
    # ints before strings, so that equal maps give equal (hashable) values whatever the order they were written in
    return tuple(sorted(out.items(), key=lambda kv: (isinstance(kv[0], str), str(kv[0]))))


def set_path(block: Mapping[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A deep copy of ``block`` with the dotted ``path`` set to ``value``.

    Setting ``normalise.method`` on ``normalise: minmax`` keeps nothing of the old method (its parameters belong
    to it); setting ``normalise.lo`` keeps the method and changes one parameter.
    """
    out = copy.deepcopy(dict(block))
    *parents, last = path.split(".")
    node: dict[str, Any] = out
    for part in parents:
        nxt = node.get(part)
        node[part] = {"method": nxt} if isinstance(nxt, str) else dict(nxt) if isinstance(nxt, Mapping) else {}
        node = node[part]
    if last == "method" and node.get("method") != value:
        node.clear()  # the old method's parameters belong to it
    node[last] = copy.deepcopy(value)
    return out


def vary(methodology: Methodology, changes: Mapping[str, Any], *, framework: Framework | None = None) -> Methodology:
    """The methodology with dotted paths replaced: ``vary(m, {'normalise.method': 'zscore'})``."""
    block = methodology.to_dict()
    for path, value in changes.items():
        root = path.split(".")[0]
        if root not in METHODOLOGY_DEFAULTS:
            raise ConfigError(f"path {path!r}: unknown methodology key {root!r}; valid keys: "
                              f"{choices(METHODOLOGY_DEFAULTS)}")
        block = set_path(block, path, value)
    return parse_methodology(block, where=f"variant {dict(changes)!r}", framework=framework)


def resolve_methodology(framework: Framework, methodology: Methodology | Mapping[str, Any] | None) -> Methodology:
    """A methodology argument as a :class:`Methodology`: as given, parsed from its dict form, or, for None, the
    framework's official methodology (else :meth:`Methodology.default`)."""
    if isinstance(methodology, Methodology):
        return methodology
    if methodology is None:
        return framework.official or Methodology.default()
    if isinstance(methodology, Mapping):
        return Methodology.from_dict(methodology, framework)
    raise ConfigError(f"methodology: expected a Methodology, its dict form or None, got {type(methodology).__name__}")


__all__ = ["ByNode", "DEFAULT_STEPS", "METHODOLOGY_DEFAULTS", "Method", "Methodology", "Weights",
           "parse_methodology", "resolve_methodology", "vary"]
