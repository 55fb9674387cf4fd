"""A methodology is a value: the frozen record of every choice that turns data into an index.

It mirrors the config's ``methodology:`` block and goes back to it with :meth:`Methodology.to_config`.
Method names are resolved to functions once, when the block is parsed (:func:`dti_bench.config.parse_methodology`);
a :class:`Method` carries both the name (for serialising) and the function (for computing).

A variant is "the nominal methodology with these fields replaced", addressed by dotted paths such as
``normalise.method`` or ``aggregate``: see :func:`dti_bench.config.vary`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

#: Data-treatment steps, in COINr's default order. A ``steps:`` list in the methodology may reorder them.
DEFAULT_STEPS = ("denominate", "impute", "screen", "treat")


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
    function : callable
        The registry function; not part of equality (it is determined by ``family`` and ``name``).
    params : tuple of (str, value)
        Keyword parameters, sorted by name, values frozen (lists become tuples).
    """

    family: str
    name: str
    function: Callable[..., Any] = field(compare=False, hash=False, repr=False)
    params: tuple[tuple[str, Any], ...] = ()

    @property
    def kwargs(self) -> dict[str, Any]:
        return {k: _thaw(v) for k, v in self.params}

    def get(self, key: str, default: Any = None) -> Any:
        return dict(self.params).get(key, default)

    def to_config(self) -> Any:
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
        table = dict(self.overrides)
        if code in table:
            return table[code]
        return table.get(level, self.default)

    def methods(self) -> tuple[Method, ...]:
        return (self.default, *(m for _, m in self.overrides))

    def to_config(self) -> Any:
        if not self.overrides:
            return self.default.to_config()
        return {"default": self.default.to_config(), **{k: m.to_config() for k, m in self.overrides}}


@dataclass(frozen=True)
class Weights:
    """How each composite's children are weighted.

    ``method`` computes the weights of one composite from its children's values and nominal weights
    (``nominal``, ``equal``, ``pca`` ...); ``explicit`` overrides the nominal weight of the named children in every
    composite they feed, before ``method`` runs (a partial mapping leaves the rest nominal).
    """

    method: Method
    explicit: tuple[tuple[str, float], ...] = ()

    def to_config(self) -> Any:
        if self.explicit:
            return dict(self.explicit)
        return self.method.to_config()


@dataclass(frozen=True)
class Methodology:
    """Every methodology choice of one index variant (the config's ``methodology:`` block).

    Attributes
    ----------
    denominate : bool
        Divide indicators by the denominator the framework names for them (COINr's Denominate).
    screen, impute : Method
        Unit screening and imputation (``none`` skips).
    treat, normalise, aggregate : ByNode
        Outlier treatment and normalisation per indicator; aggregation per composite or level.
    weights : Weights
    steps : tuple of str
        Order of the data-treatment steps (default :data:`DEFAULT_STEPS`).
    round : int or None
        Round composite scores to this many decimals before ranking, as a publisher that ranks its printed
        values does (the official DTI: 4). ``None`` keeps full precision.
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

    def to_config(self) -> dict[str, Any]:
        """The methodology as a config block, every default filled in (round-trips through the parser)."""
        return {
            "steps": list(self.steps),
            "denominate": self.denominate,
            "impute": self.impute.to_config(),
            "screen": self.screen.to_config(),
            "treat": self.treat.to_config(),
            "normalise": self.normalise.to_config(),
            "weights": self.weights.to_config(),
            "aggregate": self.aggregate.to_config(),
            "round": self.round,
        }

    def label(self) -> str:
        """A short human label: normalisation / weights / aggregation."""
        return f"{self.normalise.default} / {self.weights.method} / {self.aggregate.default}"
