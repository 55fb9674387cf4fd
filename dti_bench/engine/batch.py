"""The variant engine: many methodology variants of one index at once, as ``(variants, units, nodes)`` arrays.

A batch of variants is a :class:`Design`. Its discrete, data-changing part (screening, imputation, treatment,
normalisation) takes few distinct values: each distinct choice is prepared once (through the same
:func:`~dti_bench.index.prepare_indicators` the oracle uses) and cached. Weights and aggregation are then
evaluated for the whole batch with array kernels:

- when every composite under the node asked for uses one of arithmetic, geometric or harmonic, the whole tree
  is one weighted sum in φ-space per variant (:mod:`dti_bench.engine.collapsed`): one matrix product per indicator
  block for a whole chunk, with exact corrections for missing children;
- otherwise composite by composite: every quasi-arithmetic mean is φ⁻¹(Σ w φ(x) / Σ w) with φ(x) = x^p
  (p ≠ 0) or log x (p = 0), so one NaN-aware kernel serves arithmetic (p = 1), geometric (0), harmonic (−1)
  and power means, with p per variant (this hierarchical kernel is the reference the collapsed path is tested
  against);
- weights are the nominal ones (or equal), times per-variant multiplicative factors, or replaced per variant
  (simplex sampling); indicators can be switched off per variant (exclusion = missing, so the weights of the
  remaining children are renormalised, as the missing-data policy says);
- any other aggregator or data-driven weighting runs through its catalogue function one variant at a time (the
  slow path; correct, and reported in :attr:`Evaluation.slow_variants`).

Work is chunked over variants, so memory is bounded by the chunk (:func:`default_chunk`).

A variant that cannot be computed (a geometric or harmonic mean meeting a value <= 0, a power mean meeting a
negative value) is marked failed with its reason; its scores are NaN; the batch goes on.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np
from threadpoolctl import ThreadpoolController

from dti_bench.engine import collapsed
from dti_bench.methods.aggregate import NonPositiveError
from dti_bench.model.dataset import Dataset
from dti_bench.errors import MethodError, UserError
from dti_bench.model.framework import Framework
from dti_bench.index import prepare_indicators, treat_indicators
from dti_bench.engine.memory import reuse_freed_memory
from dti_bench.model.methodology import Methodology
from dti_bench.metrics.ranks import round_scores

#: Chunk size when none is given: as many variants as fit :data:`CHUNK_MEMORY` (see :func:`default_chunk`).
DEFAULT_CHUNK = None
#: Working memory a chunk may take, in bytes.
CHUNK_MEMORY = 256 * 2 ** 20
MAX_CHUNK = 8192


def default_chunk(framework: Framework, units: int) -> int:
    """Variants per chunk so that a chunk's arrays stay near :data:`CHUNK_MEMORY` (256 MiB).

    A chunk holds the composite scores ``(chunk, units, composites)`` and, while one composite is aggregated,
    about four temporaries of ``(chunk, units, k)`` for its ``k`` children: ``8 · chunk · units · (composites +
    4 k_max)`` bytes. 63 provinces and the 98-component DTI give the cap of 8,192; 10,000 units with 100
    indicators in 10 groups give 30.
    """
    widest = max(len(framework.children(c)) for c in framework.composites)
    per_variant = 8 * units * (len(framework.composites) + 4 * widest)
    return int(min(MAX_CHUNK, max(16, CHUNK_MEMORY // per_variant)))

#: Variants the collapsed path handles per step: (rows x edges) weight arrays of ~1 MB stay in cache.
BLOCK_ROWS = 1024

#: Aggregators with a batched kernel, and their exponent p in φ⁻¹(Σ w φ(x) / Σ w).
QUASI_ARITHMETIC = {"arithmetic": 1.0, "geometric": 0.0, "harmonic": -1.0}
#: Weighting methods computed without looking at the data.
BATCHED_WEIGHTS = ("nominal", "equal")


@dataclass(frozen=True, eq=False)
class Design:
    """A batch of variants (leading axis = variants).

    Attributes
    ----------
    methodologies : tuple of Methodology
        The distinct discrete settings the batch uses.
    which : ndarray of int, shape (variants,)
        Index into ``methodologies`` for each variant.
    power : ndarray, shape (variants, composites), optional
        A power-mean exponent per variant and composite (NaN = the methodology's own aggregator).
    weight_factor : ndarray, shape (variants, edges), optional
        Multiplies each edge weight (``framework.edges`` order); 1 = unchanged.
    weights : ndarray, shape (variants, edges), optional
        Replaces edge weights where not NaN (e.g. simplex samples), before ``weight_factor``.
    include : ndarray of bool, shape (variants, indicators), optional
        False switches an indicator off (treated as missing in every composite it feeds).
    """

    methodologies: tuple[Methodology, ...]
    which: np.ndarray
    power: np.ndarray | None = None
    weight_factor: np.ndarray | None = None
    weights: np.ndarray | None = None
    include: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.which)

    def take(self, index: slice | np.ndarray) -> Design:
        """The variants at ``index`` (a slice or an index array)."""
        def cut(a: np.ndarray | None) -> np.ndarray | None:
            return None if a is None else a[index]
        return Design(self.methodologies, self.which[index], cut(self.power), cut(self.weight_factor),
                      cut(self.weights), cut(self.include))

    @classmethod
    def of(cls, methodologies: Sequence[Methodology]) -> Design:
        """One variant per methodology (a grid)."""
        return cls(tuple(methodologies), np.arange(len(methodologies)))


@dataclass(frozen=True, eq=False)
class Evaluation:
    """Scores and ranks of a batch.

    Attributes
    ----------
    composites : tuple of str
        The composites evaluated (all of the framework's, or those asked for with ``only``), in framework order.
    scores : ndarray, shape (variants, units, composites)
        NaN for failed variants and unscored units. ``scores[:, :, c]`` is contiguous (the memory is laid out
        composite by composite), since analyses read one node's (variants, units) block at a time.
    ranks : ndarray, shape (variants, units, composites)
        1 = best, ties 'min', NaN where the score is NaN.
    failed : ndarray of bool, shape (variants,)
        True where a composite the evaluated ones depend on could not be computed (with ``only``, a failure in
        an unrelated composite does not count: those are not computed).
    reasons : dict of int to str
        Why each failed variant failed (position in this batch).
    slow_variants : int
        Variants that needed the per-variant slow path for some composite.
    """

    units: tuple[str, ...]
    composites: tuple[str, ...]
    scores: np.ndarray
    ranks: np.ndarray
    failed: np.ndarray
    reasons: dict[int, str] = field(default_factory=dict)
    slow_variants: int = 0


class Engine:
    """Evaluates designs of one framework on one dataset, caching prepared indicator blocks.

    Parameters
    ----------
    framework, dataset : Framework, Dataset
    reference : Dataset, optional
        Normalisation reference (as in :func:`~dti_bench.index.compute_index`).
    collapse : bool
        Evaluate trees of one quasi-arithmetic mean as one weighted sum (:mod:`dti_bench.engine.collapsed`); False
        keeps every variant on the hierarchical kernel (for tests and benchmarks of the two).
    """

    def __init__(self, framework: Framework, dataset: Dataset, *, reference: Dataset | None = None,
                 collapse: bool = True) -> None:
        self.framework = framework
        self.dataset = dataset.select(framework.indicators)
        self.reference = reference
        self.units = self.dataset.units
        fw = framework
        self.nominal_edges = np.array([e.weight for e in fw.edges], dtype=float)
        self._cache: dict[tuple, tuple[np.ndarray, str | None]] = {}
        self._treated: dict[tuple, tuple] = {}
        self.collapse = collapse
        self._tree = collapsed.Tree(fw)
        self._phi: dict[tuple, collapsed.Prepared | None] = {}
        self._m_info: dict[tuple, object] = {}
        self._bases: dict[tuple, np.ndarray] = {}

    def __getstate__(self) -> dict:
        """What ships to a worker: the prepared blocks (costly to redo), not the treated data they came from,
        their φ-space copies or the per-methodology notes (rebuilt on demand, cheaply)."""
        state = dict(self.__dict__)
        state["_phi"], state["_m_info"], state["_treated"] = {}, {}, {}
        return state

    # -- the cached data-changing part ---------------------------------------------------------------
    @staticmethod
    def data_key(m: Methodology) -> tuple:
        """The fields of a methodology that change the indicator block (everything before aggregation)."""
        return (m.denominate, m.screen, m.impute, m.treat, m.normalise, m.steps)

    def indicators(self, m: Methodology) -> tuple[np.ndarray, str | None]:
        """Normalised indicators ``(units, indicators)`` over all units (screened-out units NaN), or an error."""
        key = self.data_key(m)
        if key not in self._cache:
            try:
                # the treatment (steps before normalisation) is shared by every normalisation of it
                treat_key = key[:4] + key[5:]
                if treat_key not in self._treated:
                    self._treated[treat_key] = treat_indicators(self.framework, self.dataset, m)
                prepared = prepare_indicators(self.framework, self.dataset, m, reference=self.reference,
                                              treated=self._treated[treat_key])
            except UserError as err:
                self._cache[key] = (np.full((len(self.units), len(self.framework.indicators)), np.nan), str(err))
            else:
                block = np.full((len(self.units), len(self.framework.indicators)), np.nan)
                position = {u: i for i, u in enumerate(self.units)}
                rows = [position[u] for u in prepared.dataset.units]
                block[rows] = prepared.normalised
                self._cache[key] = (block, None)
        return self._cache[key]

    # -- evaluation ----------------------------------------------------------------------------------
    def warm(self, methodologies: Sequence[Methodology]) -> None:
        """Prepare the indicator blocks of ``methodologies`` now (before shipping the engine to workers)."""
        for m in methodologies:
            self.indicators(m)

    def evaluate(self, design: Design, *, rank: Sequence[str] | None = None,
                 only: Sequence[str] | None = None) -> Evaluation:
        """Scores and ranks of every variant of ``design`` (one chunk: call :meth:`chunks` for large designs).

        ``rank`` limits ranking to these composites (the others' ranks are NaN): ranking is the costliest step
        left once aggregation is batched, and an analysis usually needs one node's ranks. ``only`` limits the
        evaluation to these composites (``Evaluation.composites`` lists them): a Monte Carlo run over one node
        then costs one weighted sum per variant when the tree allows it (:mod:`dti_bench.engine.collapsed`).
        """
        # The products here are small (units x children x variants); OpenBLAS's threads cost more than they
        # give on them, badly so on a busy machine (x100 measured on 2 cores), and chunks are the unit of
        # parallelism anyway.
        with _blas().limit(limits=1, user_api="blas"):
            return self._evaluate(design, rank, only)

    def _evaluate(self, design: Design, rank: Sequence[str] | None, only: Sequence[str] | None) -> Evaluation:
        fw = self.framework
        if only is None:
            targets = tuple(range(len(fw.composites)))
        else:
            unknown = [c for c in only if c not in fw.composites]
            if unknown:
                raise UserError(f"unknown composite {unknown[0]!r}; valid choices: {', '.join(fw.composites)}")
            targets = tuple(c for c, comp in enumerate(fw.composites) if comp in only)
        names = tuple(fw.composites[c] for c in targets)
        b, n_units = len(design), len(self.units)
        # composite-major memory, so that one node's (variants, units) block is contiguous; every row belongs to
        # a batch below, which fills it
        scores = np.empty((len(targets), b, n_units)).transpose(1, 2, 0)
        failed = np.zeros(b, dtype=bool)
        reasons: dict[int, str] = {}
        slow = 0
        # the composites the targets depend on: the only ones computed, and the only ones whose failure fails a
        # variant (so the answer does not depend on which path computes it)
        relevant = tuple(sorted({c for t in targets for c in self._tree.plan(t).composites}))
        # the collapsed path first: variants whose tree is one quasi-arithmetic mean, one weighted sum each
        done = (self._collapsed(design, targets, relevant, scores) if self.collapse
                else np.zeros(b, dtype=bool))
        # Variants whose methodologies share the indicator block, the rounding and the kind of every aggregator
        # run as one batch: the aggregation exponent and the (nominal/equal/explicit) weights vary per row.
        groups: dict[tuple, list[int]] = {}
        for m_index in np.unique(design.which[~done]):
            groups.setdefault(self._batch_key(design.methodologies[int(m_index)]), []).append(int(m_index))
        for members in groups.values():
            rows = np.flatnonzero(np.isin(design.which, members) & ~done)
            m = design.methodologies[members[0]]
            block, error = self.indicators(m)
            if error is not None:
                failed[rows] = True
                reasons.update({int(r): error for r in rows})
                continue
            local = np.searchsorted(np.array(members), design.which[rows])  # members is sorted (np.unique order)
            ms = [design.methodologies[i] for i in members]
            sub_scores, sub_failed, sub_reasons, sub_slow = self._aggregate(ms, local, block, design.take(rows),
                                                                            relevant)
            scores[rows] = sub_scores[:, :, list(targets)]
            failed[rows] |= sub_failed
            reasons.update({int(rows[i]): why for i, why in sub_reasons.items()})
            slow += sub_slow
            if m.round is not None:
                scores[rows] = round_scores(scores[rows], m.round)
        scores[failed] = np.nan
        wanted = [j for j, comp in enumerate(names) if rank is None or comp in rank]
        if wanted:
            ranks = np.empty((len(targets), b, n_units)).transpose(1, 2, 0)
            for j in range(len(targets)):
                if j in wanted:
                    rank_rows(scores[:, :, j], out=ranks[:, :, j])   # contiguous: ranked in place
                else:
                    ranks[:, :, j] = np.nan
        else:
            ranks = np.broadcast_to(np.nan, scores.shape)  # nothing asked: a read-only view, no memory
        return Evaluation(self.units, names, scores, ranks, failed, reasons, slow)

    def _collapsed(self, design: Design, targets: tuple[int, ...], relevant: tuple[int, ...],
                   scores: np.ndarray) -> np.ndarray:
        """Evaluate the variants :mod:`dti_bench.engine.collapsed` can take, writing their rows of ``scores``; return
        which were done, shape (variants,).

        A variant qualifies when its weights are nominal, equal or explicit (not data-driven), every composite
        under the targets uses one exponent among arithmetic, geometric and harmonic, and its indicator block
        suits that exponent (:func:`collapsed.prepare`). Each (block, exponent) group is then one matrix
        product of effective weights and the block in φ-space.
        """
        tree = self._tree
        members = np.unique(design.which)
        info = [self._collapsible(design.methodologies[int(i)], relevant) for i in members]
        exponent = np.full(len(design.methodologies), np.nan)
        exponent[members] = [np.nan if p is None else p for p in info]
        if design.power is None:
            shared = exponent[design.which]
        else:  # an exponent per variant and composite overrides the methodology's
            base = np.array([[np.nan] * len(relevant) if p is None else [p] * len(relevant) for p in info])
            p = np.full((len(design), len(relevant)), np.nan)
            position = np.searchsorted(members, design.which)
            p[:] = base[position]
            power = design.power[:, list(relevant)]
            batched = np.array([self._collapsible(design.methodologies[int(i)], relevant, any_p=True)
                                for i in members])[position]
            p = np.where(np.isnan(power), p, np.where(batched[:, None], power, np.nan))
            p = np.where(np.abs(p) < 1e-12, 0.0, p)
            shared = np.where((p == p[:, :1]).all(axis=1), p[:, 0], np.nan)
        shared = np.where(np.isin(shared, collapsed.EXPONENTS), shared, np.nan)
        done = np.zeros(len(design), dtype=bool)
        # one group per (methodology's block, exponent); blocks the path cannot take drop out here
        key = np.where(np.isnan(shared), -1, design.which * 4 + np.nan_to_num(shared, nan=0).astype(int) + 1)
        groups = []
        for code in np.unique(key[key >= 0]):
            m = design.methodologies[int(code) // 4]
            value = float(int(code) % 4 - 1)
            prepared = self._prepared(m, value)
            if prepared is not None:
                groups.append((code, m, value, prepared))
        if not groups:
            return done
        # Group by group, in slices of BLOCK_ROWS variants: every step's arrays (rows x edges) then stay in cache,
        # which matters more here than the number of calls
        for code, m, value, prepared in groups:
            members = np.flatnonzero(key == code)
            for lo in range(0, len(members), BLOCK_ROWS):
                rows = members[lo:lo + BLOCK_ROWS]
                w = self._design_weights(design, rows, self._base_weights(m))
                if not prepared.complete:  # zero weights next to missing data: those go the hierarchical way
                    ok = collapsed.applies(prepared, tree, w)
                    if not ok.all():
                        rows, w = rows[ok], w[ok]
                        if not len(rows):
                            continue
                totals = collapsed.totals(tree, w)
                for j, t in enumerate(targets):
                    y = collapsed.scores(prepared, collapsed.effective(tree, w, t, totals), value)
                    scores[rows, :, j] = y if m.round is None else round_scores(y, m.round)
                done[rows] = True
        return done

    def _collapsible(self, m: Methodology, relevant: tuple[int, ...], any_p: bool = False):
        """The exponent every composite in ``relevant`` uses under ``m`` (None if they differ, one is not
        quasi-arithmetic, or the weights are data-driven); with ``any_p``, only whether the weights and the
        aggregators are batched (a per-variant exponent may still make the tree homogeneous)."""
        key = (m, relevant, any_p)
        if key not in self._m_info:
            fw = self.framework
            batched = m.weights.method.name in BATCHED_WEIGHTS
            ps = [_exponent(m.aggregate.for_node(fw.composites[c], fw.level(fw.composites[c]))) for c in relevant]
            if any_p:
                self._m_info[key] = batched and all(p is not None for p in ps)
            elif not batched or any(p is None for p in ps) or len(set(ps)) != 1:
                self._m_info[key] = None
            else:
                self._m_info[key] = ps[0]
        return self._m_info[key]

    def _prepared(self, m: Methodology, p: float) -> collapsed.Prepared | None:
        """``m``'s indicator block in φ-space for exponent ``p`` (None: an error, or not collapsible)."""
        key = (self.data_key(m), p)
        if key not in self._phi:
            block, error = self.indicators(m)
            self._phi[key] = None if error is not None else collapsed.prepare(self._tree, block, p)
        return self._phi[key]

    def _design_weights(self, design: Design, rows: np.ndarray, base: np.ndarray, *,
                        exclude: bool = True) -> np.ndarray:
        """Edge weights ``(rows, edges)`` of the variants ``rows`` of ``design`` before data-driven methods:
        ``base`` (nominal, equal or explicit; ``(edges,)`` or one row per variant), replaced where
        ``Design.weights`` says, multiplied by ``Design.weight_factor``, and, with ``exclude``, 0 on the edges of
        excluded indicators (the collapsed path's way; the hierarchical kernel treats them as missing children
        instead)."""
        # every step below works in place on one fresh (rows, edges) array: chunks are large and fresh
        # memory costs page faults
        if design.weights is not None:
            replace = design.weights[rows]
            w = np.where(np.isnan(replace), base, replace)
            if design.weight_factor is not None:
                w *= design.weight_factor[rows]
        elif design.weight_factor is not None:
            w = design.weight_factor[rows]
            if not (base == 1.0).all():
                w *= base
        else:
            w = np.array(np.broadcast_to(base, (len(rows), len(self._tree.child_indicator))))
        if exclude and design.include is not None:
            tree = self._tree
            edges = np.flatnonzero(tree.child_indicator >= 0)
            w[:, edges] *= design.include[rows][:, tree.child_indicator[edges]]
        return np.ascontiguousarray(w)

    def chunks(self, design: Design, chunk_size: int | None = DEFAULT_CHUNK, *,
               only: Sequence[str] | None = None) -> Iterator[tuple[slice, Evaluation]]:
        """Evaluate ``design`` chunk by chunk, yielding ``(slice of the design, Evaluation)``; ``only`` as in
        :meth:`evaluate` (the composites asked for are also the ones ranked)."""
        chunk_size = chunk_size or default_chunk(self.framework, len(self.units))
        with reuse_freed_memory():  # each chunk reuses the memory the last one freed
            for start in range(0, len(design), chunk_size):
                sl = slice(start, min(start + chunk_size, len(design)))
                yield sl, self.evaluate(design.take(sl), only=only)

    def _batch_key(self, m: Methodology) -> tuple:
        """What must be equal for two methodologies' variants to share one batch."""
        fw = self.framework
        kinds = tuple("quasi" if _exponent(m.aggregate.for_node(c, fw.level(c))) is not None
                      else m.aggregate.for_node(c, fw.level(c)) for c in fw.composites)
        weights = "batched" if m.weights.method.name in BATCHED_WEIGHTS else m.weights.method
        return (self.data_key(m), m.round, weights, kinds)

    def _base_weights(self, m: Methodology) -> np.ndarray:
        """Edge weights ``(edges,)`` of a methodology before any per-variant change (equal = ones); read-only,
        cached per weighting (every chunk of a run asks again)."""
        key = (m.weights.method.name, m.weights.explicit)
        if key not in self._bases:
            if m.weights.method.name == "equal":
                w = np.ones(len(self.framework.edges))
            else:
                explicit = dict(m.weights.explicit)
                w = np.array([explicit.get(e.child, e.weight) for e in self.framework.edges], dtype=float)
            w.flags.writeable = False
            self._bases[key] = w
        return self._bases[key]

    def _aggregate(self, ms: Sequence[Methodology], local: np.ndarray, block: np.ndarray, design: Design,
                   relevant: tuple[int, ...]):
        """Composite scores ``(variants, units, composites)`` of one batch, for the ``relevant`` composites (the
        others' columns are left unset, and cannot fail a variant).

        ``ms`` are the batch's methodologies (equal but for quasi-arithmetic exponents and batched weights) and
        ``local`` each variant's index into them. A node's values are kept *shared* (``(units,)``, the same for
        every variant) until something makes them vary: indicators are shared unless the design switches some
        off, so the first level of composites is one matrix product per composite over all variants
        (``(units, k) @ (k, variants)``).
        """
        m = ms[0]
        fw = self.framework
        b = len(design)
        n_units = len(self.units)
        values: dict[str, np.ndarray] = {}
        for j, code in enumerate(fw.indicators):
            col = block[:, j]
            values[code] = col if design.include is None else np.where(design.include[:, j, None], col[None], np.nan)
        edge_w = self._design_weights(design, np.arange(len(design)),
                                      np.array([self._base_weights(mi) for mi in ms])[local], exclude=False)
        failed = np.zeros(b, dtype=bool)
        reasons: dict[int, str] = {}
        slow_rows: set[int] = set()
        data_driven = m.weights.method.name not in BATCHED_WEIGHTS
        out = np.empty((b, n_units, len(fw.composites)))
        for c in relevant:  # topological order, and closed under children
            comp = fw.composites[c]
            kids = fw.children(comp)
            parts = [values[k] for k in kids]
            if all(a.ndim == 1 for a in parts):
                x = np.column_stack(parts)                                   # (units, k), shared
            else:
                x = np.stack([np.broadcast_to(a, (b, n_units)) for a in parts], axis=-1)  # (variants, units, k)
            w = edge_w[:, self._tree.spans[c]]
            method = m.aggregate.for_node(comp, fw.level(comp))
            p = _exponent(method)
            if p is not None:
                p = np.array([_exponent(mi.aggregate.for_node(comp, fw.level(comp))) for mi in ms])[local]
            power = None if design.power is None else design.power[:, c]
            if power is not None and not np.isnan(power).all():
                p_rows = np.where(np.isnan(power), np.nan if p is None else p, power)
            else:
                p_rows = None if p is None else p
            if data_driven or p_rows is None or np.isnan(p_rows).any():
                y = self._slow(m, method, comp, c, x, w, p_rows, design, failed, reasons, slow_rows)
            else:
                y, bad = quasi_arithmetic(x, w, p_rows)
                for i, info in enumerate(bad):
                    if info is not None and not failed[i]:
                        name, unit, child, value = info
                        failed[i] = True
                        reasons[i] = (f"node {comp!r}: {name} mean met {value!r} at unit {self.units[unit]!r}, "
                                      f"child {kids[child]!r}")
            values[comp] = y
            out[:, :, c] = y
        return out, failed, reasons, len(slow_rows)

    def _slow(self, m, method, comp, c, x, w, p_rows, design, failed, reasons, slow_rows) -> np.ndarray:
        """One variant at a time, through the catalogue functions (data-driven weights, other aggregators)."""
        fw = self.framework
        b = len(w)
        y = np.full((b, len(self.units)), np.nan)
        for i in range(b):
            if failed[i]:
                continue
            slow_rows.add(i)
            xi = x if x.ndim == 2 else x[i]
            try:
                wi = w[i]
                if m.weights.method.name not in BATCHED_WEIGHTS:
                    wm = m.weights.method
                    wi = np.asarray(wm.function(xi, w[i], **wm.kwargs), dtype=float)
                    if design.weight_factor is not None:
                        wi = wi * design.weight_factor[i, self._tree.spans[c]]
                if p_rows is not None and not np.isnan(p_rows[i]) and wi.ndim == 1:
                    yi, bad = quasi_arithmetic(xi, wi[None], p_rows[i:i + 1])
                    if bad[0] is not None:
                        raise NonPositiveError(*bad[0])
                    y[i] = yi[0]
                else:
                    y[i] = method.function(xi, wi, **method.kwargs)
            except NonPositiveError as err:
                failed[i] = True
                reasons[i] = (f"node {comp!r}: {err.method} mean met {err.value!r} at unit "
                              f"{self.units[err.unit]!r}, child {fw.children(comp)[err.child]!r}")
            except MethodError as err:
                failed[i] = True
                reasons[i] = f"node {comp!r}: {err}"
        return y


_CONTROLLER: list[ThreadpoolController] = []


def _blas() -> ThreadpoolController:
    """One controller per process: building it scans the loaded libraries (0.4 ms), limiting through it is cheap."""
    if not _CONTROLLER:
        _CONTROLLER.append(ThreadpoolController())
    return _CONTROLLER[0]


def _exponent_or_nan(method) -> float:
    p = _exponent(method)
    return np.nan if p is None else p


def _exponent(method) -> float | None:
    """p of a quasi-arithmetic aggregator, None for any other."""
    if method.name in QUASI_ARITHMETIC:
        return QUASI_ARITHMETIC[method.name]
    if method.name == "power":
        p = float(method.get("p", 1.0))
        return 0.0 if abs(p) < 1e-12 else p
    return None


_NAMES = {1.0: "arithmetic", 0.0: "geometric", -1.0: "harmonic"}


def _is_odd_integer(value: float) -> bool:
    return value > 0 and float(value).is_integer() and value % 2 == 1


def quasi_arithmetic(x: np.ndarray, w: np.ndarray, p: np.ndarray):
    r"""Weighted power means of a batch, NaN-aware: :math:`y = \phi_p^{-1}(\sum w \phi_p(x) / \sum w)`.

    Parameters
    ----------
    x : ndarray, shape (units, k) or (variants, units, k)
        Children values: shared by every variant (2-D), or one block per variant (3-D).
    w : ndarray, shape (variants, k)
    p : ndarray, shape (variants,)
        ``φ_p(x) = x^p`` for p ≠ 0 and ``log x`` for p = 0 (1 arithmetic, 0 geometric, −1 harmonic);
        |p| < 1e-12 counts as 0, as :func:`dti_bench.methods.aggregate.power` decides.

    Returns
    -------
    y : ndarray, shape (variants, units)
        NaN where a unit has no present child of positive weight.
    bad : list of (method, unit, child, value) or None, one per variant
        The first offending value where p ≤ 0 meets x ≤ 0, or p > 0 (not 1 or an odd integer) meets x < 0:
        the domain :func:`dti_bench.methods.aggregate.power` documents.

    Notes
    -----
    Missing children (NaN) are skipped and the weights renormalised over the present ones, exactly as
    :func:`dti_bench.methods.aggregate.present_weights` does for the one-variant path. General p is computed as
    ``m · exp(log1p(Σ w̃ expm1(p ln(x/m))) / p)`` with m the unit's largest (p > 0) or smallest (p < 0) present
    value: no overflow for large |p| and no cancellation near p = 0. With shared ``x`` every sum over children
    is one matrix product for all variants at once.
    """
    x = np.asarray(x, dtype=float)
    w = np.asarray(w, dtype=float)
    p = np.where(np.abs(p) < 1e-12, 0.0, np.asarray(p, dtype=float))
    shared = x.ndim == 2
    present = ~np.isnan(x)
    complete = bool(present.all())
    y = np.full((len(p), x.shape[-2]), np.nan)
    bad: list = [None] * len(p)

    def weighted_mean(phi: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """Σ w φ / Σ w over present children, (rows, units); NaN where no present child has weight."""
        wr = w[rows]
        if shared:
            num = (np.where(present, phi, 0.0) if not complete else phi) @ wr.T   # (units, rows)
            den = present.astype(float) @ wr.T if not complete else wr.sum(axis=1)[None, :]
            num, den = num.T, den.T
        elif complete:  # nothing missing: plain weighted sums, no masks (batched matmul beats einsum here)
            num = np.matmul(phi, wr[:, :, None])[..., 0]
            den = wr.sum(axis=1)[:, None]
        else:
            wp = np.where(present[rows], wr[:, None, :], 0.0)
            num = np.einsum("buk,buk->bu", np.where(present[rows], phi, 0.0), wp)
            den = wp.sum(axis=-1)
        with np.errstate(divide="ignore", invalid="ignore"):
            mean = num / den
        if not complete:
            mean[np.broadcast_to(den <= 0, mean.shape)] = np.nan
        return mean

    for value in np.unique(p):
        rows = np.flatnonzero(p == value)
        xs, pres = (x, present) if shared else (x[rows], present[rows])
        odd = _is_odd_integer(value)
        if value == 1.0:
            y[rows] = weighted_mean(np.where(pres, xs, 0.0), rows)
            continue
        if odd:
            invalid = np.zeros(xs.shape, bool)
        else:
            invalid = (xs <= 0) if value <= 0 else (xs < 0)  # NaN compares False: only present values
        if invalid.any():
            _flag(invalid, w, rows, shared, value, xs, bad)
            safe = np.where(pres & ~invalid, xs, 1.0)
        else:
            safe = xs if complete else np.where(pres, xs, 1.0)
        with np.errstate(divide="ignore"):
            if value == 0.0:
                y[rows] = np.exp(weighted_mean(np.log(safe), rows))
            elif value == -1.0:
                y[rows] = 1.0 / weighted_mean(1.0 / safe, rows)
            else:
                use = pres & ~invalid
                if odd:  # negatives allowed (x^p increases on the whole line): scale by the largest |x|
                    m = np.where(use, np.abs(safe), 0.0).max(axis=-1)
                    m = np.where(m > 0, m, 1.0)
                    sm = weighted_mean((safe / m[..., None]) ** value, rows)
                    y[rows] = m * np.sign(sm) * np.abs(sm) ** (1.0 / value)
                else:
                    m = np.where(use, safe, -np.inf if value > 0 else np.inf)
                    m = m.max(axis=-1) if value > 0 else m.min(axis=-1)
                    usable = np.isfinite(m) & (m > 0)
                    zero = (value > 0) & ~usable & use.any(axis=-1)  # p > 0, every present child 0: mean 0
                    m = np.where(usable, m, 1.0)
                    t = np.expm1(value * np.log(np.where(use, safe, 1.0) / m[..., None]))
                    s = weighted_mean(t, rows)
                    # where every present child is 0 (p > 0), s is -1 up to rounding and log1p may see a hair
                    # below it: NaN there, replaced by the exact 0 at once
                    with np.errstate(invalid="ignore"):
                        y[rows] = np.where(zero & ~np.isnan(s), 0.0, m * np.exp(np.log1p(s) / value))
    return y, bad


def _flag(invalid, w, rows, shared, value, xs, bad) -> None:
    """Record, per variant, the first child value outside the mean's domain among children of positive weight."""
    name = _NAMES.get(float(value), "power")
    if shared:
        cols = invalid.any(axis=0)                                    # children with an invalid value
        hit = (w[rows][:, cols] > 0).any(axis=1)
        col_index = np.flatnonzero(cols)
        for r in np.flatnonzero(hit):
            k = int(col_index[np.flatnonzero(w[rows[r]][cols] > 0)[0]])
            u = int(np.flatnonzero(invalid[:, k])[0])
            bad[rows[r]] = (name, u, k, float(xs[u, k]))
    else:
        active = invalid & (w[rows][:, None, :] > 0)
        for r in np.flatnonzero(active.any(axis=(1, 2))):
            u, k = map(int, np.argwhere(active[r])[0])
            bad[rows[r]] = (name, u, k, float(xs[r, u, k]))


def rank_rows(scores: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """Ranks along the last axis, 1 = highest, ties 'min', NaN unranked; any leading shape.

    Equal to :func:`dti_bench.metrics.ranks.rank_scores` along that axis; sorts instead of scipy's per-row machinery,
    because the engine ranks millions of rows. A row with neither ties nor NaN (the usual case with continuous
    scores) is ranked by inverting its sort permutation; the others take the general route. ``out`` (float,
    the shape of ``scores``, C-contiguous) receives the ranks, sparing an array per call.
    """
    s = np.asarray(scores, dtype=float)
    shape, n = s.shape, s.shape[-1]
    flat = s.reshape(-1, n)
    direct = out is not None and out.flags.c_contiguous
    target = out.reshape(-1, n) if direct else np.empty(flat.shape)
    if flat.size:
        # np.sort is SIMD-accelerated and ~8x cheaper than argsort: it finds the rows needing the general route
        ordered = np.sort(flat, axis=-1)                             # ascending, NaN last
        general = np.isnan(ordered[:, -1]) | (ordered[:, 1:] == ordered[:, :-1]).any(axis=-1)
        del ordered
        if general.any():
            plain = np.flatnonzero(~general)
            target[plain] = _rank_by_permutation(flat[plain])
            target[general] = _rank_rows_general(flat[general])
        else:
            _rank_by_permutation(flat, into=target)
    if direct:
        return out
    if out is not None:
        out[...] = target.reshape(shape)
        return out
    return target.reshape(shape)


def _rank_by_permutation(s: np.ndarray, into: np.ndarray | None = None) -> np.ndarray:
    """Ranks of rows (2-D) that have no ties and no NaN: the inverse of the ascending sort permutation, n..1."""
    rows, n = s.shape
    # the default introsort is 2-4x faster than a stable sort, and without ties the order is unique anyway
    order = np.argsort(s, axis=-1)
    order += (np.arange(rows) * n)[:, None]
    into = np.empty(s.shape) if into is None else into
    into.reshape(-1)[order.reshape(-1)] = _descending(rows, n)
    return into


_DESCENDING: dict[tuple[int, int], np.ndarray] = {}


def _descending(rows: int, n: int) -> np.ndarray:
    """n, n-1, ..., 1 repeated ``rows`` times (kept: chunks of one run rank the same shapes over and over)."""
    key = (rows, n)
    pattern = _DESCENDING.get(key)
    if pattern is None:  # a local reference: another thread clearing the cache cannot take it away
        pattern = np.tile(np.arange(n, 0, -1, dtype=float), rows)
        pattern.flags.writeable = False
        if len(_DESCENDING) > 8:
            _DESCENDING.clear()
        _DESCENDING[key] = pattern
    return pattern


def _rank_rows_general(s: np.ndarray) -> np.ndarray:
    """:func:`rank_rows` for rows with ties or NaN: a sort and a running maximum over runs of equal values."""
    n = s.shape[-1]
    order = np.argsort(-s, axis=-1)  # NaN sorts last
    sv = np.take_along_axis(s, order, axis=-1)
    new = np.ones(sv.shape, dtype=bool)
    new[..., 1:] = sv[..., 1:] != sv[..., :-1]
    start = np.maximum.accumulate(np.where(new, np.arange(n), 0), axis=-1)
    out = np.empty(s.shape)
    np.put_along_axis(out, order, start + 1.0, axis=-1)
    out[np.isnan(s)] = np.nan
    return out


def evaluate(framework: Framework, dataset: Dataset, methodologies: Sequence[Methodology], **kwargs) -> Evaluation:
    """Evaluate a list of methodologies (one variant each)."""
    return Engine(framework, dataset, **kwargs).evaluate(Design.of(methodologies))


__all__ = ["DEFAULT_CHUNK", "Design", "Engine", "Evaluation", "default_chunk", "evaluate", "quasi_arithmetic",
           "rank_rows"]
