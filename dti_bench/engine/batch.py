"""The variant engine: many methodology variants of one index at once, as ``(variants, units, nodes)`` arrays.

A batch of variants is a :class:`Batch`. Its discrete, data-changing part (screening, imputation, treatment,
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
from dti_bench.index import impute_scores, prepare_indicators, treat_indicators
from dti_bench.engine.memory import reuse_freed_memory
from dti_bench.model.methodology import Methodology
from dti_bench.model.not_applicable import node_mask
from dti_bench.engine.kernels import quasi_arithmetic, rank_rows
from dti_bench.metrics.ranking import round_scores

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



@dataclass(frozen=True, eq=False)
class Batch:
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

    def take(self, index: slice | np.ndarray) -> Batch:
        """The variants at ``index`` (a slice or an index array)."""
        def cut(a: np.ndarray | None) -> np.ndarray | None:
            return None if a is None else a[index]
        return Batch(self.methodologies, self.which[index], cut(self.power), cut(self.weight_factor),
                      cut(self.weights), cut(self.include))

    @classmethod
    def of(cls, methodologies: Sequence[Methodology]) -> Batch:
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
        # per indicator block: the rows of the units that survived screening, and their dataset (the group labels
        # a composite's imputation reads)
        self._scored: dict[tuple, tuple[np.ndarray, Dataset]] = {}
        # nodes that do not apply to some units: code -> (units,) bool (indicators' cells are NaN in the blocks)
        self._not_applicable = node_mask(fw, self.dataset)

    def __getstate__(self) -> dict:
        """What ships to a worker: the prepared blocks (costly to redo), not the treated data they came from,
        their φ-space copies or the per-methodology notes (rebuilt on demand, cheaply)."""
        state = dict(self.__dict__)
        state["_phi"], state["_m_info"], state["_treated"] = {}, {}, {}
        return state

    # -- the cached data-changing part ---------------------------------------------------------------
    @staticmethod
    def data_key(m: Methodology) -> tuple:
        """The fields of a methodology that change the indicator block (everything before aggregation, the data
        draw of a data factor included)."""
        return (m.denominate, m.screen, m.impute, m.treat, m.normalise, m.steps, m.noise)

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
                self._scored[key] = (np.array(rows, dtype=int), prepared.dataset)
        return self._cache[key]

    # -- evaluation ----------------------------------------------------------------------------------
    def warm(self, methodologies: Sequence[Methodology]) -> None:
        """Prepare the indicator blocks of ``methodologies`` now (before shipping the engine to workers)."""
        for m in methodologies:
            self.indicators(m)

    def evaluate(self, batch: Batch, *, rank: Sequence[str] | None = None,
                 only: Sequence[str] | None = None) -> Evaluation:
        """Scores and ranks of every variant of ``batch`` (one chunk: call :meth:`chunks` for large designs).

        ``rank`` limits ranking to these composites (the others' ranks are NaN): ranking is the costliest step
        left once aggregation is batched, and an analysis usually needs one node's ranks. ``only`` limits the
        evaluation to these composites (``Evaluation.composites`` lists them): a Monte Carlo run over one node
        then costs one weighted sum per variant when the tree allows it (:mod:`dti_bench.engine.collapsed`).
        """
        # The products here are small (units x children x variants); OpenBLAS's threads cost more than they
        # give on them, badly so on a busy machine (x100 measured on 2 cores), and chunks are the unit of
        # parallelism anyway.
        with _blas().limit(limits=1, user_api="blas"):
            return self._evaluate(batch, rank, only)

    def _evaluate(self, batch: Batch, rank: Sequence[str] | None, only: Sequence[str] | None) -> Evaluation:
        fw = self.framework
        if only is None:
            targets = tuple(range(len(fw.composites)))
        else:
            unknown = [c for c in only if c not in fw.composites]
            if unknown:
                raise UserError(f"unknown composite {unknown[0]!r}; valid choices: {', '.join(fw.composites)}")
            targets = tuple(c for c, comp in enumerate(fw.composites) if comp in only)
        names = tuple(fw.composites[c] for c in targets)
        b, n_units = len(batch), len(self.units)
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
        done = (self._collapsed(batch, targets, relevant, scores) if self.collapse
                else np.zeros(b, dtype=bool))
        # Variants whose methodologies share the indicator block, the rounding and the kind of every aggregator
        # run as one batch: the aggregation exponent and the (nominal/equal/explicit) weights vary per row.
        groups: dict[tuple, list[int]] = {}
        for m_index in np.unique(batch.which[~done]):
            groups.setdefault(self._batch_key(batch.methodologies[int(m_index)]), []).append(int(m_index))
        for members in groups.values():
            rows = np.flatnonzero(np.isin(batch.which, members) & ~done)
            m = batch.methodologies[members[0]]
            block, error = self.indicators(m)
            if error is not None:
                failed[rows] = True
                reasons.update({int(r): error for r in rows})
                continue
            local = np.searchsorted(np.array(members), batch.which[rows])  # members is sorted (np.unique order)
            ms = [batch.methodologies[i] for i in members]
            sub_scores, sub_failed, sub_reasons, sub_slow = self._aggregate(ms, local, block, batch.take(rows),
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

    def _collapsed(self, batch: Batch, targets: tuple[int, ...], relevant: tuple[int, ...],
                   scores: np.ndarray) -> np.ndarray:
        """Evaluate the variants :mod:`dti_bench.engine.collapsed` can take, writing their rows of ``scores``; return
        which were done, shape (variants,).

        A variant qualifies when its weights are nominal, equal or explicit (not data-driven), no composite under
        the targets is rounded before its parents use it (``round_levels``), every composite under the targets uses
        one exponent among arithmetic, geometric and harmonic, and its indicator block
        suits that exponent (:func:`collapsed.prepare`). Each (block, exponent) group is then one matrix
        product of effective weights and the block in φ-space.
        """
        tree = self._tree
        members = np.unique(batch.which)
        info = [self._collapsible(batch.methodologies[int(i)], relevant) for i in members]
        exponent = np.full(len(batch.methodologies), np.nan)
        exponent[members] = [np.nan if p is None else p for p in info]
        if batch.power is None:
            shared = exponent[batch.which]
        else:  # an exponent per variant and composite overrides the methodology's
            base = np.array([[np.nan] * len(relevant) if p is None else [p] * len(relevant) for p in info])
            p = np.full((len(batch), len(relevant)), np.nan)
            position = np.searchsorted(members, batch.which)
            p[:] = base[position]
            power = batch.power[:, list(relevant)]
            batched = np.array([self._collapsible(batch.methodologies[int(i)], relevant, any_p=True)
                                for i in members])[position]
            p = np.where(np.isnan(power), p, np.where(batched[:, None], power, np.nan))
            p = np.where(np.abs(p) < 1e-12, 0.0, p)
            shared = np.where((p == p[:, :1]).all(axis=1), p[:, 0], np.nan)
        shared = np.where(np.isin(shared, collapsed.EXPONENTS), shared, np.nan)
        done = np.zeros(len(batch), dtype=bool)
        # one group per (methodology's block, exponent); blocks the path cannot take drop out here
        key = np.where(np.isnan(shared), -1, batch.which * 4 + np.nan_to_num(shared, nan=0).astype(int) + 1)
        groups = []
        for code in np.unique(key[key >= 0]):
            m = batch.methodologies[int(code) // 4]
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
                w = self._batch_weights(batch, rows, self._base_weights(m))
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
            batched = not any(m.weights.for_node(fw.composites[c], fw.level(fw.composites[c])).entry.data_driven
                              for c in relevant)
            # a composite rounded, imputed or not applicable to some unit before its parents use it is a step the
            # one weighted sum cannot take
            batched = batched and not any(m.rounding(comp, fw.level(comp)) is not None
                                          or m.composite_imputation(comp, fw.level(comp)) is not None
                                          or comp in self._not_applicable
                                          for comp in (fw.composites[c] for c in relevant))
            ps = [m.aggregate.for_node(fw.composites[c], fw.level(fw.composites[c])).p for c in relevant]
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

    def _batch_weights(self, batch: Batch, rows: np.ndarray, base: np.ndarray, *,
                        exclude: bool = True) -> np.ndarray:
        """Edge weights ``(rows, edges)`` of the variants ``rows`` of ``batch`` before data-driven methods:
        ``base`` (nominal, equal or explicit; ``(edges,)`` or one row per variant), replaced where
        ``Batch.weights`` says, multiplied by ``Batch.weight_factor``, and, with ``exclude``, 0 on the edges of
        excluded indicators (the collapsed path's way; the hierarchical kernel treats them as missing children
        instead)."""
        # every step below works in place on one fresh (rows, edges) array: chunks are large and fresh
        # memory costs page faults
        if batch.weights is not None:
            replace = batch.weights[rows]
            w = np.where(np.isnan(replace), base, replace)
            if batch.weight_factor is not None:
                w *= batch.weight_factor[rows]
        elif batch.weight_factor is not None:
            w = batch.weight_factor[rows]
            if not (base == 1.0).all():
                w *= base
        else:
            w = np.array(np.broadcast_to(base, (len(rows), len(self._tree.child_indicator))))
        if exclude and batch.include is not None:
            tree = self._tree
            edges = np.flatnonzero(tree.child_indicator >= 0)
            w[:, edges] *= batch.include[rows][:, tree.child_indicator[edges]]
        return np.ascontiguousarray(w)

    def chunks(self, batch: Batch, chunk_size: int | None = DEFAULT_CHUNK, *,
               only: Sequence[str] | None = None) -> Iterator[tuple[slice, Evaluation]]:
        """Evaluate ``batch`` chunk by chunk, yielding ``(slice of the batch, Evaluation)``; ``only`` as in
        :meth:`evaluate` (the composites asked for are also the ones ranked)."""
        chunk_size = chunk_size or default_chunk(self.framework, len(self.units))
        with reuse_freed_memory():  # each chunk reuses the memory the last one freed
            for start in range(0, len(batch), chunk_size):
                sl = slice(start, min(start + chunk_size, len(batch)))
                yield sl, self.evaluate(batch.take(sl), only=only)

    def _batch_key(self, m: Methodology) -> tuple:
        """What must be equal for two methodologies' variants to share one batch."""
        fw = self.framework
        kinds = tuple("quasi" if m.aggregate.for_node(c, fw.level(c)).p is not None
                      else m.aggregate.for_node(c, fw.level(c)) for c in fw.composites)
        # per composite: batched (nominal, equal, explicit; may differ between the members) or the data-driven
        # method, which the slow path runs and which must then be the same for every member
        weights = tuple("batched" if not wm.entry.data_driven else wm
                        for wm in (m.weights.for_node(c, fw.level(c)) for c in fw.composites))
        return (self.data_key(m), m.round, m.round_levels, m.impute_composites, weights, kinds)

    def _base_weights(self, m: Methodology) -> np.ndarray:
        """Edge weights ``(edges,)`` of a methodology before any per-variant change: a weighting that does not
        look at the data (nominal, equal) applied to each composite's nominal (or explicit) weights; for a
        data-driven one the nominal weights, which its catalogue function receives per variant. Read-only,
        cached per weighting (every chunk of a run asks again)."""
        key = m.weights
        if key not in self._bases:
            fw = self.framework
            explicit = dict(m.weights.explicit)
            w = np.array([explicit.get(e.child, e.weight) for e in fw.edges], dtype=float)
            for comp, span in zip(fw.composites, self._tree.spans):
                method = m.weights.for_node(comp, fw.level(comp))
                if not method.entry.data_driven:
                    w[span] = method.function(None, w[span], **method.kwargs)
            w.flags.writeable = False
            self._bases[key] = w
        return self._bases[key]

    def _aggregate(self, ms: Sequence[Methodology], local: np.ndarray, block: np.ndarray, batch: Batch,
                   relevant: tuple[int, ...]):
        """Composite scores ``(variants, units, composites)`` of one batch, for the ``relevant`` composites (the
        others' columns are left unset, and cannot fail a variant).

        ``ms`` are the batch's methodologies (equal but for quasi-arithmetic exponents and batched weights) and
        ``local`` each variant's index into them. A node's values are kept *shared* (``(units,)``, the same for
        every variant) until something makes them vary: indicators are shared unless the batch switches some
        off, so the first level of composites is one matrix product per composite over all variants
        (``(units, k) @ (k, variants)``).
        """
        m = ms[0]
        fw = self.framework
        b = len(batch)
        n_units = len(self.units)
        values: dict[str, np.ndarray] = {}
        for j, code in enumerate(fw.indicators):
            col = block[:, j]
            values[code] = col if batch.include is None else np.where(batch.include[:, j, None], col[None], np.nan)
        edge_w = self._batch_weights(batch, np.arange(len(batch)),
                                      np.array([self._base_weights(mi) for mi in ms])[local], exclude=False)
        failed = np.zeros(b, dtype=bool)
        reasons: dict[int, str] = {}
        slow_rows: set[int] = set()
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
            weighting = m.weights.for_node(comp, fw.level(comp))
            data_driven = weighting.entry.data_driven
            p = method.p
            if p is not None:
                p = np.array([mi.aggregate.for_node(comp, fw.level(comp)).p for mi in ms])[local]
            power = None if batch.power is None else batch.power[:, c]
            if power is not None and not np.isnan(power).all():
                p_rows = np.where(np.isnan(power), np.nan if p is None else p, power)
            else:
                p_rows = None if p is None else p
            if data_driven or p_rows is None or np.isnan(p_rows).any():
                y = self._slow(weighting, method, comp, c, x, w, p_rows, batch, failed, reasons, slow_rows)
            else:
                y, bad = quasi_arithmetic(x, w, p_rows)
                for i, info in enumerate(bad):
                    if info is not None and not failed[i]:
                        name, unit, child, value = info
                        failed[i] = True
                        reasons[i] = (f"node {comp!r}: {name} mean met {value!r} at unit {self.units[unit]!r}, "
                                      f"child {kids[child]!r}")
            na = self._not_applicable.get(comp)
            if na is not None:  # as the oracle: no score where the composite does not apply, never imputed
                y = np.where(na, np.nan, y)
            imputer = m.composite_imputation(comp, fw.level(comp))
            if imputer is not None:
                y = self._impute(imputer, y, m, comp, failed, reasons)
                if na is not None:
                    y = np.where(na, np.nan, y)
            decimals = m.rounding(comp, fw.level(comp))
            if decimals is not None:  # before the parents aggregate it, as the oracle does
                y = round_scores(y, decimals)
            values[comp] = y
            out[:, :, c] = y
        return out, failed, reasons, len(slow_rows)

    def _impute(self, imputer, y: np.ndarray, m: Methodology, comp: str, failed: np.ndarray,
                reasons: dict[int, str]) -> np.ndarray:
        """A composite's scores ``(variants, units)`` with the missing ones of the scored units imputed, every
        variant in one call (:func:`~dti_bench.index.impute_scores`); a failure (a group column the data lack)
        fails every variant not already failed."""
        rows, scored = self._scored[self.data_key(m)]
        y = np.array(np.broadcast_to(y, (len(failed), len(self.units))))
        try:
            y[:, rows] = impute_scores(imputer, y[:, rows], scored)
        except UserError as err:
            for i in np.flatnonzero(~failed):
                failed[i] = True
                reasons[int(i)] = f"node {comp!r}: {err}"
        return y

    def _slow(self, weighting, method, comp, c, x, w, p_rows, batch, failed, reasons, slow_rows) -> np.ndarray:
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
                if weighting.entry.data_driven:
                    wi = np.asarray(weighting.function(xi, w[i], **weighting.kwargs), dtype=float)
                    if batch.weight_factor is not None:
                        wi = wi * batch.weight_factor[i, self._tree.spans[c]]
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




def evaluate(framework: Framework, dataset: Dataset, methodologies: Sequence[Methodology], **kwargs) -> Evaluation:
    """Evaluate a list of methodologies (one variant each)."""
    return Engine(framework, dataset, **kwargs).evaluate(Batch.of(methodologies))


__all__ = ["Batch", "DEFAULT_CHUNK", "Engine", "Evaluation", "default_chunk", "evaluate"]
