"""The collapsed path: a tree of one quasi-arithmetic mean is one weighted sum per unit, in φ-space.

When every composite under a node aggregates with the same exponent p (arithmetic p = 1, geometric 0, harmonic
−1), the node's score is φ⁻¹ of a *linear* function of the transformed indicators φ(x):

    φ(y_t) = Σ_i W_ti φ(x_i),     W_ti = Σ over paths t → i of the product of the normalised edge weights,

because each level computes φ(y_c) = Σ_k w̃_ck φ(y_k) with w̃ the weights normalised within their parent. So a
batch of variants (each with its own weights) is one matrix product ``W @ φ(X)ᵀ`` of shape (variants, units),
the same work as a single weighted sum, instead of one small product per composite. That is what makes Monte
Carlo runs over weights run near the speed of a bare weighted sum.

Missing data. The engine's policy renormalises the weights over the present children, unit by unit, so a unit
with a missing indicator has its own effective weights. For the usual case (missing indicators sit in
*leaf* composites, whose children are all indicators, and every leaf composite keeps a present child) the
renormalisation is exact and cheap as a correction: a leaf composite c at a unit u with missing children has
φ-mean ``s_cu / d_cu`` where ``s_cu = Σ_present w̃ φ(x)`` and ``d_cu = Σ_present w̃`` (≤ 1), and nothing above it
is renormalised, so

    φ(y_tu) = Σ_i W_ti φ₀(x_ui) + Σ_(c incomplete at u) A_tc · s_cu · (1/d_cu − 1),

with φ₀ = φ with missing values as 0 and A_tc the effective weight of composite c in t. The corrections are
small matrix products over the (unit, leaf composite) pairs that have a missing child.

Anything else (a leaf composite with no present child at some unit, a missing indicator under a mixed
composite, a value outside the mean's domain, zero weights next to missing data) is left to the hierarchical
kernel, which handles every case: :func:`prepare` returns None and the engine falls back. Weights of zero with
complete data are exact here too: a composite whose children all weigh zero is missing for every unit, and its
parent renormalises over the others, as the hierarchical kernel does.

The engine tests this path against the hierarchical kernel and the one-variant oracle (tests/test_engine.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from dti_bench.model.framework import Framework

#: Exponents with an exact collapsed form: φ(x) = x, log x, 1/x.
EXPONENTS = (1.0, 0.0, -1.0)


class Tree:
    """The framework's edges as index arrays, for vectorised weight arithmetic over variants.

    Edges are in ``framework.edges`` order, which lists each composite's children together, composites in
    topological order (children before parents).
    """

    def __init__(self, framework: Framework) -> None:
        fw = framework
        self.n_indicators = len(fw.indicators)
        self.n_composites = len(fw.composites)
        ind = {c: i for i, c in enumerate(fw.indicators)}
        comp = {c: i for i, c in enumerate(fw.composites)}
        self.child_indicator = np.array([ind.get(e.child, -1) for e in fw.edges], dtype=np.intp)
        self.child_composite = np.array([comp.get(e.child, -1) for e in fw.edges], dtype=np.intp)
        sizes = [len(fw.children(c)) for c in fw.composites]
        self.starts = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.intp)
        self.spans = tuple(slice(int(a), int(a) + k) for a, k in zip(self.starts, sizes))
        self.parent = np.repeat(np.arange(self.n_composites), sizes)
        self.leaf = np.array([(self.child_composite[s] < 0).all() for s in self.spans])
        # indicators with a non-leaf parent: the correction for missing children does not cover them
        mixed = np.flatnonzero((self.child_indicator >= 0) & ~self.leaf[self.parent])
        self.under_mixed = np.zeros(self.n_indicators, dtype=bool)
        self.under_mixed[self.child_indicator[mixed]] = True
        self._plans: dict[int, Plan] = {}

    def plan(self, target: int) -> Plan:
        """The composites and indicator edges under ``target``, arranged for :func:`effective`."""
        if target not in self._plans:
            seen, stack = set(), [target]
            while stack:
                c = stack.pop()
                if c not in seen:
                    seen.add(c)
                    stack.extend(int(k) for k in self.child_composite[self.spans[c]] if k >= 0)
            below = sorted(seen)
            upper = []
            for c in reversed(below):  # parents before children
                edges = np.arange(self.spans[c].start, self.spans[c].stop)
                edges = edges[self.child_composite[edges] >= 0]
                if edges.size:
                    upper.append((c, edges, self.child_composite[edges]))
            edges = np.concatenate([np.arange(self.spans[c].start, self.spans[c].stop) for c in below])
            edges = edges[self.child_indicator[edges] >= 0]
            everything = np.flatnonzero(self.child_indicator >= 0)
            if 2 * edges.size >= everything.size and _contiguous(everything):
                # a slice of every indicator edge costs less than gathering this target's: the edges of
                # composites outside the target get weight 0 (their A is 0)
                edges = everything
            self._plans[target] = Plan(target, tuple(below), tuple(upper), edges, self.parent[edges],
                                       self.child_indicator[edges], self.spans)
        return self._plans[target]


@dataclass(frozen=True, eq=False)
class Plan:
    """What lies under one target composite.

    Attributes
    ----------
    composites : tuple of int
        The target and every composite under it, in topological order.
    upper : tuple of (int, ndarray, ndarray)
        For each of those with composite children, parents first: (composite, its edges to composites, the
        child composites).
    edges, parents, indicators : ndarray of int
        Every edge to an indicator under the target, its parent composite and its indicator (an indicator
        shared by two parents appears once per edge, so the product sums both paths). When the target covers
        at least half of the framework's indicator edges and those are contiguous, all of them (the others
        then weigh 0).
    spans : tuple of slice
        Every composite's edges (the tree's).
    """

    target: int
    composites: tuple[int, ...]
    upper: tuple[tuple[int, np.ndarray, np.ndarray], ...]
    edges: np.ndarray
    parents: np.ndarray
    indicators: np.ndarray
    spans: tuple[slice, ...]


@dataclass(frozen=True, eq=False)
class Prepared:
    """One indicator block in φ-space, with its missing-data corrections.

    Attributes
    ----------
    phi : ndarray, shape (units, indicators)
        φ(x), 0 where x is missing.
    pairs : tuple of (int, ndarray, ndarray)
        For each leaf composite with missing children at some units: ``(composite, units, stacked)`` where
        ``stacked`` is ``[φ₀(x_U,kids); present_U,kids]``, shape (2·len(units), children).
    """

    phi: np.ndarray
    pairs: tuple[tuple[int, np.ndarray, np.ndarray], ...]
    _by_edge: dict = field(default_factory=dict)

    @property
    def complete(self) -> bool:
        return not self.pairs

    def by_edge(self, plan: Plan) -> np.ndarray:
        """φ of each indicator edge of ``plan``, shape (units, edges), C-contiguous (cached)."""
        key = plan.indicators.tobytes()
        if key not in self._by_edge:
            self._by_edge[key] = np.ascontiguousarray(self.phi[:, plan.indicators])
        return self._by_edge[key]


def prepare(tree: Tree, block: np.ndarray, p: float) -> Prepared | None:
    """φ-space form of a normalised block ``(units, indicators)`` for exponent ``p``, or None when the collapsed
    path does not apply (a value outside the domain of φ, or missing data it cannot correct exactly)."""
    present = ~np.isnan(block)
    if p != 1.0 and (block[present] <= 0).any():
        return None  # log or reciprocal of a value <= 0: the hierarchical kernel flags the failing variants
    if present.all():
        return Prepared(_phi(block, p), ())
    missing = ~present
    if missing[:, tree.under_mixed].any():
        return None
    phi = np.where(present, _phi(np.where(present, block, 1.0), p), 0.0)
    pairs = []
    for c in np.flatnonzero(tree.leaf):
        kids = tree.child_indicator[tree.spans[c]]
        lacking = missing[:, kids].any(axis=1)
        if not lacking.any():
            continue
        if missing[:, kids].all(axis=1).any():
            return None  # a leaf composite missing for a unit: its parents renormalise, unit by unit
        units = np.flatnonzero(lacking)
        stacked = np.vstack([phi[np.ix_(units, kids)], present[np.ix_(units, kids)].astype(float)])
        pairs.append((int(c), units, stacked))
    return Prepared(phi, tuple(pairs))


def _phi(x: np.ndarray, p: float) -> np.ndarray:
    if p == 1.0:
        return np.array(x, dtype=float)
    if p == 0.0:
        return np.log(x)
    return 1.0 / x


def _phi_inverse(y: np.ndarray, p: float) -> np.ndarray:
    """φ⁻¹ in place."""
    if p == 0.0:
        return np.exp(y, out=y)
    if p == -1.0:
        return np.divide(1.0, y, out=y)
    return y


@dataclass(frozen=True, eq=False)
class Weights:
    """Effective weights of a batch of variants in one target composite (leading axis = variants).

    Attributes
    ----------
    edges : ndarray, shape (variants, len(plan.edges))
        ``W_e = A_parent(e) · w_e / Σ w_parent(e)``: each indicator edge's weight in the target, the sum over
        paths of products of normalised weights (so φ(y_t) = Σ_e W_e φ(x_child(e)) with complete data).
    raw : ndarray, shape (variants, edges)
        The variants' edge weights as given, dead composites' edges at 0.
    total : ndarray, shape (variants, composites)
        Σ of each composite's (live) child weights.
    a : ndarray, shape (variants, composites)
        ``A_c``: each composite's effective weight in the target (``A_t = 1``).
    alive : ndarray of bool, shape (variants,)
        False where the target has no child of positive weight (its scores are NaN).
    """

    plan: Plan
    edges: np.ndarray
    raw: np.ndarray
    total: np.ndarray
    a: np.ndarray
    alive: np.ndarray



def totals(tree: Tree, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each composite's total child weight, with composites that have no weighted child dropped from their
    parents (as the hierarchical kernel drops a child that is missing for every unit).

    Parameters
    ----------
    w : ndarray, shape (variants, edges)
        Non-negative edge weights (an excluded indicator's edges already 0).

    Returns
    -------
    raw : ndarray, shape (variants, edges)
        ``w`` itself, or a copy with the edges to dead composites at 0.
    total : ndarray, shape (variants, composites)
        0 for a dead composite.
    """
    total = np.add.reduceat(w, tree.starts, axis=1) if w.shape[1] else np.zeros((len(w), tree.n_composites))
    if (total > 0).all():
        return w, total  # every composite has a weighted child, so every composite is alive
    w = w.copy()
    for c, span in enumerate(tree.spans):  # bottom-up: a composite dies with its last weighted child
        kids = tree.child_composite[span]
        inner = kids >= 0
        if inner.any():
            dead = total[:, kids[inner]] <= 0
            if dead.any():
                block = w[:, span]
                block[:, inner] = np.where(dead, 0.0, block[:, inner])
                w[:, span] = block
        total[:, c] = w[:, span].sum(axis=1)
    return w, total


def effective(tree: Tree, w: np.ndarray, target: int, prepared_totals=None) -> Weights:
    """Effective weights of every indicator edge under ``target`` for a batch of edge weights ``w``.

    ``prepared_totals`` is the result of :func:`totals` for ``w`` when the caller has it (one per design,
    shared by every target).
    """
    raw, total = prepared_totals if prepared_totals is not None else totals(tree, w)
    plan = tree.plan(target)
    with np.errstate(invalid="ignore", divide="ignore"):
        inverse = np.where(total > 0, 1.0 / total, 0.0)
    a = np.zeros_like(total)
    a[:, target] = 1.0
    for c, edges, kids in plan.upper:  # parents first; a composite's children are distinct, so += adds once
        a[:, kids] += raw[:, edges] * (a[:, c] * inverse[:, c])[:, None]
    scale = a * inverse
    edges = np.take(scale, plan.parents, axis=1)
    edges *= _columns(raw, plan.edges)
    return Weights(plan, edges, raw, total, a, total[:, target] > 0)


def _contiguous(index: np.ndarray) -> bool:
    return bool(index.size) and index[-1] - index[0] + 1 == index.size and bool((np.diff(index) == 1).all())


def _columns(x: np.ndarray, index: np.ndarray) -> np.ndarray:
    """``x[:, index]``, as a slice when the index is a contiguous run (the usual case: leaf composites come
    first, so their edges do) to spare a gather."""
    if _contiguous(index):
        return x[:, index[0]:index[-1] + 1]
    return x[:, index]


def scores(prepared: Prepared, weights: Weights, p: float) -> np.ndarray:
    """Scores of the target for every variant of ``weights``, shape (variants, units).

    Parameters
    ----------
    prepared : Prepared
        The block in φ-space (:func:`prepare` with the same ``p``).
    weights : Weights
        From :func:`effective`; with missing data in the block the affected leaf edges must be positive
        (:func:`applies`).
    p : float
        The exponent shared by every composite under the target, one of :data:`EXPONENTS`.

    Notes
    -----
    The correction for a leaf composite c missing children at unit u adds ``A_c · s · (1/d − 1/T_c)`` with
    ``s`` and ``d`` the raw-weighted sums of φ₀ and of presence over c's children at u and ``T_c`` their total
    weight: the same as ``A_c · s̃ · (1/d̃ − 1)`` in normalised weights. NaN policy: a target whose children
    all weigh zero is NaN for every unit, as in the hierarchical kernel.
    """
    plan = weights.plan
    y = weights.edges @ prepared.by_edge(plan).T                # (variants, units): the one big product
    below = set(plan.composites)
    for c, units, stacked in prepared.pairs:
        if c not in below:
            continue
        sums = stacked @ weights.raw[:, plan.spans[c]].T               # (2·units, variants)
        s, d = sums[:len(units)], sums[len(units):]
        # A·s·(1/d − 1/T), in place on d's rows (d > 0: applies() keeps every affected child weighted)
        np.reciprocal(d, out=d)
        d -= 1.0 / weights.total[:, c]
        d *= s
        d *= weights.a[:, c]
        y[:, units] += d.T
    with np.errstate(divide="ignore", over="ignore"):  # a dead target sums to 0: NaN just below
        y = _phi_inverse(y, p)
    if not weights.alive.all():
        y[~weights.alive] = np.nan
    return y


def applies(prepared: Prepared, tree: Tree, w: np.ndarray) -> np.ndarray:
    """Which variants (rows of the edge weights ``w``) the collapsed path can take with this block.

    Missing data needs every edge of the affected leaf composites positive: a zero weight next to a missing
    child could leave the composite with no weighted child at that unit only.
    """
    if prepared.complete:
        return np.ones(w.shape[0], dtype=bool)
    edges = np.concatenate([np.arange(tree.spans[c].start, tree.spans[c].stop) for c, _, _ in prepared.pairs])
    return (w[:, edges] > 0).all(axis=1)


__all__ = ["EXPONENTS", "Plan", "Prepared", "Tree", "Weights", "applies", "effective", "prepare", "scores",
           "totals"]
