"""The engine's array kernels: NaN-aware weighted power means of a batch, and fast ranking of many rows.

Both work on the package's one dimension order, ``(variants, units, ...)``, and both are tested against the
plain one-variant functions they stand in for: :func:`quasi_arithmetic` against
:func:`dti_bench.methods.aggregate.power` (and the arithmetic, geometric and harmonic means), :func:`rank_rows`
against :func:`dti_bench.metrics.ranking.rank_scores`.
"""

from __future__ import annotations

import numpy as np

from dti_bench.methods.aggregate import mean_name


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
    name = mean_name(float(value))
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

    Equal to :func:`dti_bench.metrics.ranking.rank_scores` along that axis; sorts instead of scipy's per-row machinery,
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


__all__ = ["quasi_arithmetic", "rank_rows"]
