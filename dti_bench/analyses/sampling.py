"""From factors to variants: the unit hypercube shared by Monte Carlo and Sobol' designs, and its mapping to engine
batches.

Every factor (:mod:`dti_bench.analyses.factors`) consumes columns of a unit-hypercube sample ``u`` in [0, 1) (one
column, or one per weight for noise, one per child for simplex, one per indicator for exclusion), so Monte Carlo
and Sobol' designs share one mapping (:func:`to_batch`). Discrete choices map by fixed equal bins: choice
``min(floor(u·K), K − 1)``; a data factor's column picks one of its ``draws`` perturbed copies the same way. Monte Carlo samples come in fixed blocks of :data:`BLOCK` rows, block ``b`` drawn from
the spawned seed ``SeedSequence(seed, spawn_key=(b,))``, so sample ``i`` is the same number whatever the chunk
size or executor.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from dti_bench.analyses.factors import Factor, methodology_for
from dti_bench.engine.batch import Batch
from dti_bench.model.framework import Framework
from dti_bench.model.methodology import Methodology

#: Monte Carlo samples are drawn in blocks of this many rows, one spawned seed per block.
BLOCK = 1024


def problem(factors: Sequence[Factor]) -> dict[str, Any]:
    """The SALib problem of the unit hypercube: one column per factor dimension, grouped by factor name."""
    names, groups = [], []
    for f in factors:
        for j in range(f.dimension):
            names.append(f.name if f.dimension == 1 else f"{f.name}[{j}]")
            groups.append(f.name)
    return {"num_vars": len(names), "names": names, "bounds": [[0.0, 1.0]] * len(names), "groups": groups}


def to_batch(u: np.ndarray, factors: Sequence[Factor], framework: Framework, nominal: Methodology,
              cache: dict | None = None) -> Batch:
    """Map unit-hypercube rows ``u`` (samples, columns) to an engine :class:`~dti_bench.engine.batch.Batch`.

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
        if f.kind in ("choice", "data"):  # an alternative, or one of a data factor's perturbed copies
            k = f.levels_count
            idx = np.minimum((block[:, 0] * k).astype(int), k - 1)
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
                from scipy import special  # imported only here: scipy is not loaded at all for most runs

                g = special.gammaincinv(f.alpha, np.clip(block, 1e-300, 1 - 1e-16))
            weights[:, list(f.edges)] = g / g.sum(axis=1, keepdims=True)
        elif f.kind == "exclude":
            include = np.ones((n, len(framework.indicators)), dtype=bool) if include is None else include
            include[:, list(f.targets)] &= block >= f.probability
        elif f.kind == "time_normalisation":
            pass  # its column picks the normalisation across time; a rank change routes the rows (rank_change.py)
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
        return Batch(tuple(methodologies), which, power, weight_factor, weights, include)
    if all(f.kind in ("choice", "data") for f, _ in discrete):
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
                settings = [(f, _setting(f, v)) for (f, _), v in zip(discrete, key)]
                m = methodology_for(nominal, settings, framework)
                if memo is not None and len(memo) < _MEMO_ENTRIES:
                    memo[key] = m
            cache[key] = len(methodologies)
            methodologies.append(m)
        position[r] = cache[key]
    which[:] = position[inverse.ravel()]
    return Batch(tuple(methodologies), which, power, weight_factor, weights, include)


def _setting(factor: Factor, value: Any) -> Any:
    """A discrete setting's value: a choice's alternative, a data factor's draw number, a range's number."""
    if factor.kind == "choice":
        return factor.choices[int(value)]
    if factor.kind == "data":
        return int(value)
    return float(value)


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
    sizes = [f.levels_count for f, _ in discrete]
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
        context = (framework, nominal, tuple((f.path, f.scope, _frozen(f.choices), f.data) for f, _ in discrete))
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


__all__ = ["BLOCK", "monte_carlo", "problem", "to_batch"]
