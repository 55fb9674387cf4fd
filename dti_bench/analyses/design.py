"""Designs of variants: methodology factors, and their mapping from the unit hypercube to engine batches.

A factor is one uncertain methodology choice, written in a config as::

    {path: normalise.method, choices: [minmax, zscore]}                  # a discrete choice of values
    {path: normalise, choices: [{method: minmax, lo: 1, hi: 100}, {method: zscore, m: 10, s: 2}]}  # whole blocks
    {path: treat.winmax, choices: [1, 2, 3, 4, 5]}
    {path: aggregate.method, choices: [arithmetic, geometric], node: DTI}  # scoped to one node (or level: 2)
    {path: aggregate.p, range: [-1, 2]}                                   # continuous: the power-mean exponent
    {path: weights, noise: 0.25, levels: [1, 2]}                          # w·(1 + u·0.25), u ~ U[-1, 1], each weight
    {path: weights, dirichlet: 1.0, node: DTI}                            # the node's weights on the simplex
    {path: indicators, exclude: 0.1}                                      # each indicator out with probability 0.1
    {path: indicators, leave_one_out: true}                               # none, or one indicator, left out

with an optional ``name`` (default: the path) that every output uses. Levels count as COINr's Level column:
1 = indicators, 2 = their parents...; a weight "at level L" is the weight of a level-L node within its parents.

Every factor consumes columns of a unit-hypercube sample ``u`` in [0, 1) (one column, or one per weight for
noise, one per child for simplex, one per indicator for exclusion), so Monte Carlo and Sobol designs share one
mapping (:func:`to_design`). Discrete choices map by fixed equal bins: choice ``min(floor(u·K), K − 1)``.
Monte Carlo samples come in fixed blocks of :data:`BLOCK` rows, block ``b`` drawn from the spawned seed
``SeedSequence(seed, spawn_key=(b,))``, so sample ``i`` is the same number whatever the chunk size or executor.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import special

from dti_bench.config import METHODOLOGY_DEFAULTS, vary
from dti_bench.engine.batch import Design
from dti_bench.errors import ConfigError, choices as fmt_choices
from dti_bench.model.framework import Framework
from dti_bench.model.methodology import Methodology

#: Monte Carlo samples are drawn in blocks of this many rows, one spawned seed per block.
BLOCK = 1024

FACTOR_KEYS = ("path", "name", "choices", "range", "noise", "levels", "level", "node", "dirichlet", "uniform",
               "exclude", "leave_one_out")


@dataclass(frozen=True)
class Factor:
    """One methodology factor, resolved against a framework.

    Attributes
    ----------
    name, path : str
    kind : {'choice', 'range', 'noise', 'simplex', 'exclude', 'leave_one_out'}
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
        if self.kind == "choice":
            return len(self.choices)
        if self.kind == "leave_one_out":
            return len(self.targets) + 1
        return 0


def parse_factors(block: Any, framework: Framework, nominal: Methodology, where: str) -> list[Factor]:
    """Validate a list of factor mappings (see the module docstring) against the framework and nominal methodology."""
    if not isinstance(block, list) or not block:
        raise ConfigError(f"{where}: expected a non-empty list of factors, e.g. [{{path: normalise.method, "
                          f"choices: [minmax, zscore]}}]")
    factors = [parse_factor(item, framework, nominal, f"{where}[{i}]") for i, item in enumerate(block)]
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
        pos = tuple(range(len(framework.indicators)))
        if scope is not None:
            pos = tuple(i for i, c in enumerate(framework.indicators) if _under(framework, c, scope))
        if item.get("leave_one_out"):
            return Factor(name, path, "leave_one_out", targets=pos, scope=scope)
        prob = item.get("exclude")
        if not isinstance(prob, (int, float)) or isinstance(prob, bool) or not 0 <= prob < 1:
            raise ConfigError(f"{where}.exclude: expected a probability in [0, 1), got {prob!r}")
        return Factor(name, path, "exclude", probability=float(prob), targets=pos, scope=scope)
    if root not in METHODOLOGY_DEFAULTS:
        raise ConfigError(f"{where}.path: unknown methodology path {path!r}; valid roots: "
                          f"{fmt_choices([*METHODOLOGY_DEFAULTS, 'indicators'])}")
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
            levels = list(range(1, framework.n_levels))
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
    """The nominal methodology with each (factor, value) applied through its path (and scope)."""
    changes: dict[str, Any] = {}
    block = nominal.to_config()
    for factor, value in settings:
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
        return vary(nominal, changes, framework=framework)
    except ConfigError as err:
        raise ConfigError(f"{where}: {err}") from None


def problem(factors: Sequence[Factor]) -> dict[str, Any]:
    """The SALib problem of the unit hypercube: one column per factor dimension, grouped by factor name."""
    names, groups = [], []
    for f in factors:
        for j in range(f.dimension):
            names.append(f.name if f.dimension == 1 else f"{f.name}[{j}]")
            groups.append(f.name)
    return {"num_vars": len(names), "names": names, "bounds": [[0.0, 1.0]] * len(names), "groups": groups}


def to_design(u: np.ndarray, factors: Sequence[Factor], framework: Framework, nominal: Methodology,
              cache: dict | None = None) -> Design:
    """Map unit-hypercube rows ``u`` (samples, columns) to an engine :class:`Design`.

    ``cache`` (a dict kept across calls) maps discrete settings to methodologies, so a long Monte Carlo run
    builds each distinct methodology once and every chunk indexes the same list.

    Without ``cache`` the design lists only the methodologies its rows use, in the order of their settings.
    Either way, when every discrete factor is a choice the methodologies come from a per-process memo
    (:func:`_memoised_methodologies`), so chunk after chunk of a run does not parse the same configs again.
    """
    u = np.asarray(u, dtype=float)
    n = u.shape[0]
    cache = {} if cache is None else cache
    methodologies: list[Methodology] = cache.setdefault("__list__", [])
    power = weight_factor = weights = include = None
    touched: np.ndarray | None = None  # weight_factor columns written so far; the rest stay 1
    col = 0
    discrete: list[tuple[Factor, np.ndarray]] = []
    for f in factors:
        block = u[:, col:col + f.dimension]
        col += f.dimension
        if f.kind == "choice":
            idx = np.minimum((block[:, 0] * len(f.choices)).astype(int), len(f.choices) - 1)
            discrete.append((f, idx))
        elif f.kind == "range" and f.path == "aggregate.p":
            power = np.full((n, len(framework.composites)), np.nan) if power is None else power
            value = f.low + block[:, 0] * (f.high - f.low)
            power[:, list(f.targets)] = value[:, None]
        elif f.kind == "range":
            discrete.append((f, f.low + block[:, 0] * (f.high - f.low)))
        elif f.kind == "noise":
            if weight_factor is None:
                weight_factor = np.empty((n, len(framework.edges)))
                touched = np.zeros(len(framework.edges), dtype=bool)
            _apply_noise(weight_factor, touched, f, block)
        elif f.kind == "simplex":
            weights = np.full((n, len(framework.edges)), np.nan) if weights is None else weights
            if f.alpha == 1.0:  # Gamma(1) = Exp(1): a closed-form inverse, far cheaper than gammaincinv
                g = -np.log1p(-np.clip(block, 0.0, 1 - 1e-16))
            else:  # Gamma(alpha) draws by inversion
                g = special.gammaincinv(f.alpha, np.clip(block, 1e-300, 1 - 1e-16))
            weights[:, list(f.edges)] = g / g.sum(axis=1, keepdims=True)
        elif f.kind == "exclude":
            include = np.ones((n, len(framework.indicators)), dtype=bool) if include is None else include
            include[:, list(f.targets)] &= block >= f.probability
        elif f.kind == "leave_one_out":
            include = np.ones((n, len(framework.indicators)), dtype=bool) if include is None else include
            k = len(f.targets) + 1
            idx = np.minimum((block[:, 0] * k).astype(int), k - 1)
            for j, target in enumerate(f.targets):
                include[idx == j + 1, target] = False
    if touched is not None and not touched.all():
        weight_factor[:, ~touched] = 1.0  # edges no noise factor perturbs
    which = np.zeros(n, dtype=int)
    if not discrete:
        if "nominal" not in cache:
            cache["nominal"] = len(methodologies)
            methodologies.append(nominal)
        which[:] = cache["nominal"]
        return Design(tuple(methodologies), which, power, weight_factor, weights, include)
    if all(f.kind == "choice" for f, _ in discrete):
        keys, inverse = _choice_rows(discrete, n)
        memo = _memoised_methodologies(discrete, framework, nominal)
    else:  # continuous settings (a range factor other than aggregate.p): rows of floats, each its own key
        uniq, inverse = np.unique(np.column_stack([v for _, v in discrete]), axis=0, return_inverse=True)
        keys, memo = [tuple(row.tolist()) for row in uniq], None
    position = np.empty(len(keys), dtype=int)
    for r, key in enumerate(keys):  # in the order of the settings, as np.unique of the rows lists them
        if key not in cache:
            m = memo.get(key) if memo is not None else None
            if m is None:
                settings = [(f, f.choices[int(v)] if f.kind == "choice" else float(v))
                            for (f, _), v in zip(discrete, key)]
                m = methodology_for(nominal, settings, framework)
                if memo is not None and len(memo) < _MEMO_ENTRIES:
                    memo[key] = m
            cache[key] = len(methodologies)
            methodologies.append(m)
        position[r] = cache[key]
    which[:] = position[inverse.ravel()]
    return Design(tuple(methodologies), which, power, weight_factor, weights, include)


def _apply_noise(weight_factor: np.ndarray, touched: np.ndarray, factor: Factor, block: np.ndarray) -> None:
    """Multiply the factor's columns of ``weight_factor`` by ``1 + (2u − 1)·noise``, in place.

    A column no earlier noise factor touched is written directly (1·x is x exactly, so skipping the ones
    changes no number), and the factor is computed in blocks of rows that stay in cache: at 8192 samples x
    124 edges the whole array is 8 MB, and four full passes over it cost more than everything else here.
    """
    edges = np.asarray(factor.edges, dtype=np.intp)
    if len(edges) == 0:
        return
    contiguous = bool(np.all(np.diff(edges) == 1))
    fresh = not touched[edges].any()
    if not (contiguous and fresh):
        # the general case: the same expression the design has always used (a repeated edge keeps the last
        # of its values, as fancy assignment does)
        value = 1.0 + (2.0 * block - 1.0) * factor.noise
        fill = edges[~touched[edges]]
        weight_factor[:, fill] = 1.0
        weight_factor[:, edges] *= value
        touched[edges] = True
        return
    target = weight_factor[:, edges[0]:edges[-1] + 1]
    step = max(1, 32_768 // max(1, len(edges)))  # rows per block: ~256 kB of doubles
    for r0 in range(0, len(block), step):
        out = target[r0:r0 + step]
        # the operations and their order of 1.0 + (2.0·u − 1.0)·noise, each rounded as before
        np.multiply(block[r0:r0 + step], 2.0, out=out)
        np.subtract(out, 1.0, out=out)
        np.multiply(out, factor.noise, out=out)
        np.add(out, 1.0, out=out)
    touched[edges] = True


def _choice_rows(discrete: Sequence[tuple[Factor, np.ndarray]], n: int) -> tuple[list[tuple[int, ...]], np.ndarray]:
    """The distinct rows of choice indices (sorted as ``np.unique(rows, axis=0)`` sorts them) and each row's position.

    The indices are folded into one mixed-radix integer, the first factor most significant, so sorting codes
    sorts rows lexicographically; a 1-D unique (or a bincount when the codes are few) replaces a structured
    sort of the rows.
    """
    sizes = [len(f.choices) for f, _ in discrete]
    total = 1
    for s in sizes:
        total *= s
    if total >= 2 ** 62:  # the codes would overflow: fall back to the rows themselves
        uniq, inverse = np.unique(np.column_stack([v for _, v in discrete]), axis=0, return_inverse=True)
        return [tuple(row.tolist()) for row in uniq], inverse.ravel()
    code = np.zeros(n, dtype=np.int64)
    for (_, idx), s in zip(discrete, sizes):
        code *= s
        code += idx
    if total <= max(4 * n, 1 << 16):
        present = np.flatnonzero(np.bincount(code, minlength=total))
        lookup = np.empty(total, dtype=np.intp)
        lookup[present] = np.arange(len(present))
        inverse = lookup[code]
    else:
        present, inverse = np.unique(code, return_inverse=True)
    digits = []
    rest = present
    for s in reversed(sizes):
        rest, d = np.divmod(rest, s)
        digits.append(d)
    rows = np.column_stack(digits[::-1]) if digits else np.empty((len(present), 0), dtype=np.int64)
    return [tuple(row) for row in rows.tolist()], inverse


#: Methodologies of choice settings, per (framework, nominal, choice factors): filled as a process meets them,
#: so the chunks of a run (in this process or a worker) build each methodology once. Bounded: a new context
#: beyond the limit starts the memo afresh, and a context keeps its first entries only (a design of millions of
#: choice combinations gains little from remembering them, and would hold them all).
_MEMO: dict[tuple, dict[tuple, Methodology]] = {}
_MEMO_CONTEXTS = 16
_MEMO_ENTRIES = 4096


def _memoised_methodologies(discrete: Sequence[tuple[Factor, np.ndarray]], framework: Framework,
                            nominal: Methodology) -> dict[tuple, Methodology] | None:
    """The memo of methodologies for these choice factors, or None when the factors cannot be keyed.

    Keys are by value (frameworks and methodologies compare by content), so a task unpickled in a worker
    finds what the previous task of the same run built there.
    """
    try:
        context = (framework, nominal, tuple((f.path, f.scope, _frozen(f.choices)) for f, _ in discrete))
        memo = _MEMO.get(context)
    except TypeError:  # an unhashable alternative: build as before
        return None
    if memo is None:
        if len(_MEMO) >= _MEMO_CONTEXTS:
            _MEMO.clear()
        memo = _MEMO[context] = {}
    return memo


def _frozen(value: Any) -> Any:
    """A hashable stand-in for a config value: mappings and lists become tuples, with their kind marked."""
    if isinstance(value, Mapping):
        return ("{}", tuple((k, _frozen(v)) for k, v in value.items()))
    if isinstance(value, (list, tuple)):
        return ("[]", tuple(_frozen(v) for v in value))
    return (type(value).__name__, value)


def monte_carlo(factors: Sequence[Factor], seed: int, start: int, stop: int) -> np.ndarray:
    """Unit-hypercube rows ``start:stop`` of a Monte Carlo design; the same rows whatever the slicing."""
    dim = sum(f.dimension for f in factors)
    rows = np.empty((max(stop - start, 0), dim))
    for b in range(start // BLOCK, (stop - 1) // BLOCK + 1) if stop > start else ():
        rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(b,)))
        lo, hi = max(start, b * BLOCK), min(stop, (b + 1) * BLOCK)
        if hi - lo == BLOCK:  # a whole block: drawn straight into place (the same numbers, in C order)
            rng.random(out=rows[lo - start:hi - start])
        else:
            rows[lo - start:hi - start] = rng.random((BLOCK, dim))[lo - b * BLOCK:hi - b * BLOCK]
    return rows


def label_choice(value: Any) -> str:
    """A short label for an alternative: ``minmax(lo=1,hi=100)`` for a block, the value itself otherwise."""
    if isinstance(value, Mapping):
        params = ",".join(f"{k}={label_choice(v)}" for k, v in value.items() if k != "method")
        name = value.get("method", "")
        return f"{name}({params})" if params else str(name) or "{}"
    if isinstance(value, list):
        return "[" + ",".join(label_choice(v) for v in value) + "]"
    return str(value)
