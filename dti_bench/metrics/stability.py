"""Rank-stability metrics: how far a variant's ranking is from a reference ranking.

Conventions shared by every metric here:

- **Shapes.** ``ref`` (or ``a``) is ``(units,)`` or ``(units, nodes)``; ``ranks`` (or ``b``) has the same
  shape, or that shape with leading batch axes: ``(variants, units)`` or ``(variants, units, nodes)``, the one
  dimension order of the package. A metric returns ``ranks.shape`` with the units axis removed:
  ``()``, ``(variants,)``, ``(nodes,)`` or ``(variants, nodes)``.
- **Missing ranks.** NaN (or any non-finite value) marks a unit as unranked. Every metric is computed on the
  units ranked in *both* vectors (pairs of units for the Kendall coefficients); top-k sets are the exception:
  an unranked unit is simply not in a top-k set. A comparison with no usable unit (or pair, or variance)
  is NaN, never an error and never a warning.
- **Ranks or scores.** The correlation coefficients (Spearman, Kendall) are invariant to any strictly monotone
  map applied to both arguments, so they accept two rank vectors or two score vectors alike (never one of
  each: ranks run the other way). The shift metrics, top-k sets and RBO read their inputs as ranks (1 = best).

:data:`RANK_METRICS` names the pairwise metrics (the config vocabulary); :func:`summarise` tabulates them for
a batch of variants. How much of an ordering survives every weight vector of a set (Foster, McGillivray & Seth
2013) is in :mod:`dti_bench.metrics.robustness`.

References: Saisana, Saltelli & Tarantola (2005) JRSS-A 168:307; Kendall (1945) Biometrika 33:239;
Webber, Moffat & Zobel (2010) ACM TOIS 28(4):20; Foster, McGillivray & Seth (2013) Econometric Reviews
32(1):35; COINr ``get_sensitivity``/``remove_elements`` (mean absolute rank shift).
"""

from __future__ import annotations

from types import MappingProxyType

import numpy as np
import pandas as pd

#: Above this many units x pairs per block the Kendall coefficients work through the batch in chunks,
#: so memory stays bounded whatever the number of variants.
_PAIR_BLOCK = 1 << 22


# -- shared plumbing ------------------------------------------------------------------------------------------

def _align(ref, ranks) -> tuple[np.ndarray, np.ndarray]:
    """Both arguments as float arrays of one broadcast shape ``(*batch, *rest, units)``, non-finite -> NaN.

    ``ref`` is ``(units, *rest)``; ``ranks`` is ``(*batch, units, *rest)``: the leading extra axes of
    ``ranks`` are batch axes, so its units axis is ``ranks.ndim - ref.ndim``.
    """
    r = np.asarray(ref, dtype=float)
    x = np.asarray(ranks, dtype=float)
    lead = x.ndim - r.ndim
    if r.ndim not in (1, 2) or lead < 0 or x.shape[lead:] != r.shape:
        raise ValueError(f"shapes {r.shape} and {x.shape} do not match: the reference is (units,) or "
                         "(units, nodes) and the compared ranks have that shape, optionally after leading "
                         "batch axes such as (variants, units[, nodes])")
    r = np.moveaxis(r, 0, -1)
    x = np.moveaxis(x, lead, -1)
    r = np.where(np.isfinite(r), r, np.nan)
    x = np.where(np.isfinite(x), x, np.nan)
    r, x = np.broadcast_arrays(r, x)
    return r, x


def _rerank(values: np.ndarray, mask: np.ndarray, method: str) -> np.ndarray:
    """Rank along the last axis among the units where ``mask`` holds (others NaN), ascending."""
    masked = np.where(mask, values, np.nan)
    if masked.size == 0:
        return masked
    from scipy import stats  # a few hundred ms to import: only when a statistic is computed, not at validate

    return stats.rankdata(masked, method=method, axis=-1, nan_policy="omit")


def _safe_ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """num / den, NaN where den is 0 (no warning)."""
    num, den = np.broadcast_arrays(np.asarray(num, dtype=float), np.asarray(den, dtype=float))
    return np.divide(num, den, out=np.full(num.shape, np.nan), where=den != 0)


def _as_output(values: np.ndarray):
    """A 0-d result as a Python float, anything else as an array."""
    values = np.asarray(values, dtype=float)
    return float(values) if values.ndim == 0 else values


# -- correlation coefficients ---------------------------------------------------------------------------------

def spearman(a, b):
    r"""Spearman's rank correlation :math:`\rho` between two rankings (or two score vectors).

    .. math:: \rho = \frac{\sum_u (R_u - \bar R)(S_u - \bar S)}
                          {\sqrt{\sum_u (R_u - \bar R)^2 \sum_u (S_u - \bar S)^2}}

    where :math:`R, S` are the ranks of ``a`` and ``b`` among the units ranked in both, ties given their
    average rank. Without ties this equals :math:`1 - 6\sum_u d_u^2 / (n(n^2 - 1))`; with ties it is the
    Pearson correlation of the tie-averaged ranks (as ``scipy.stats.spearmanr``), not that shortcut.

    **This is the package's one definition of Spearman's** :math:`\rho`: *Pearson's r of the average (mid)
    ranks of the units present in both, re-ranked among them*. Every ρ the package reports follows it: the
    ``spearman`` column of ``grid_stability.csv`` (this function), the per-sample ρ behind the ``spearman`` row of
    ``stability.csv`` (:mod:`dti_bench.analyses.uncertainty`, whose vectorised fast paths compute the same
    average ranks by counting and are tested against ``scipy.stats.spearmanr``), and the ``spearman`` column of
    ``coherence_correlations.csv`` (:func:`dti_bench.analyses.coherence.spearman`, this function on scores). The
    'min' ranks the package publishes (as the DTI does) are *not* what ρ correlates: with ties, Pearson's r of
    'min' ranks differs from ρ.

    Parameters
    ----------
    a : array_like, (units,) or (units, nodes)
    b : array_like, ``a.shape`` or (variants, *a.shape)
        Same kind as ``a``: two rank vectors or two score vectors (the coefficient is invariant to a monotone
        map of each, so ranks computed with 'min' ties and the scores they came from give the same value).

    Returns
    -------
    float or ndarray, ``b.shape`` without the units axis
        In [-1, 1]. NaN when fewer than two units are ranked in both or either side is constant on them.

    References
    ----------
    Spearman (1904) Am. J. Psychol. 15:72; OECD/JRC Handbook (2008) section 7.

    Examples
    --------
    >>> round(spearman([1, 2, 3, 4], [1, 1, 3, 4]), 12)  # average ranks 1.5, 1.5, 3, 4: sqrt(0.9)
    0.948683298051
    """
    A, B = _align(a, b)
    both = ~np.isnan(A) & ~np.isnan(B)
    ra, rb = _rerank(A, both, "average"), _rerank(B, both, "average")
    n = both.sum(axis=-1)
    ra0, rb0 = np.where(both, ra, 0.0), np.where(both, rb, 0.0)
    mean_a = _safe_ratio(ra0.sum(axis=-1), n)[..., None]
    mean_b = _safe_ratio(rb0.sum(axis=-1), n)[..., None]
    da = np.where(both, ra0 - np.where(np.isnan(mean_a), 0.0, mean_a), 0.0)
    db = np.where(both, rb0 - np.where(np.isnan(mean_b), 0.0, mean_b), 0.0)
    den = np.sqrt((da * da).sum(axis=-1) * (db * db).sum(axis=-1))
    rho = _safe_ratio((da * db).sum(axis=-1), den)
    return _as_output(np.clip(rho, -1.0, 1.0))


def _pair_sums(A: np.ndarray, B: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Over unit pairs ranked in both: sum sa*sb, sum sa^2, sum sb^2 and the pair count, sa = sign(a_i - a_j).

    Works on ``(..., units)`` arrays, in chunks of the flattened batch so that the ``(rows, pairs)`` block
    stays below :data:`_PAIR_BLOCK` elements.
    """
    shape, n = A.shape[:-1], A.shape[-1]
    i, j = np.triu_indices(n, 1)
    A2, B2 = A.reshape(-1, n), B.reshape(-1, n)
    rows = A2.shape[0]
    out = np.zeros((4, rows))
    step = max(1, _PAIR_BLOCK // max(1, i.size))
    for start in range(0, rows, step):
        a, b = A2[start:start + step], B2[start:start + step]
        sa, sb = np.sign(a[:, i] - a[:, j]), np.sign(b[:, i] - b[:, j])
        valid = ~np.isnan(sa) & ~np.isnan(sb)
        sa, sb = np.where(valid, sa, 0.0), np.where(valid, sb, 0.0)
        out[:, start:start + step] = ((sa * sb).sum(1), (sa * sa).sum(1), (sb * sb).sum(1), valid.sum(1))
    return tuple(v.reshape(shape) for v in out)  # type: ignore[return-value]


def kendall_tau_b(a, b):
    r"""Kendall's :math:`\tau_b`: concordance of two rankings, corrected for ties.

    .. math:: \tau_b = \frac{C - D}{\sqrt{(P - T_a)(P - T_b)}}

    over the :math:`P` pairs of units ranked in both; :math:`C, D` count concordant and discordant pairs,
    :math:`T_a, T_b` the pairs tied in ``a`` and in ``b`` (a pair tied in both counts in each). Equal to
    ``scipy.stats.kendalltau(a, b)`` (its default variant 'b') on the units ranked in both.

    Parameters
    ----------
    a : array_like, (units,) or (units, nodes)
    b : array_like, ``a.shape`` or (variants, *a.shape)
        Two rank vectors or two score vectors (invariant to a monotone map of each).

    Returns
    -------
    float or ndarray, ``b.shape`` without the units axis
        In [-1, 1]; NaN when either side is constant over the usable pairs (or there is no pair).

    Notes
    -----
    Computed from all :math:`n(n-1)/2` pair signs, O(n^2) per variant, chunked over variants.

    References
    ----------
    Kendall (1945) "The treatment of ties in ranking problems", Biometrika 33:239.
    """
    A, B = _align(a, b)
    s_ab, s_aa, s_bb, _ = _pair_sums(A, B)
    return _as_output(np.clip(_safe_ratio(s_ab, np.sqrt(s_aa * s_bb)), -1.0, 1.0))


def kendall_tau_a(a, b):
    r"""Kendall's :math:`\tau_a`: :math:`(C - D)/P` over the :math:`P` pairs of units ranked in both.

    Ties are not corrected for: a pair tied in either vector is neither concordant nor discordant but still
    counts in :math:`P`, so with ties :math:`|\tau_a| < 1` even for identical rankings. It is the coefficient
    behind the robust-pair identity of :func:`robust_pair_share`.

    Parameters
    ----------
    a : array_like, (units,) or (units, nodes)
    b : array_like, ``a.shape`` or (variants, *a.shape)

    Returns
    -------
    float or ndarray, ``b.shape`` without the units axis
        In [-1, 1]; NaN when fewer than two units are ranked in both.

    References
    ----------
    Kendall (1938) "A new measure of rank correlation", Biometrika 30:81.
    """
    A, B = _align(a, b)
    s_ab, _, _, pairs = _pair_sums(A, B)
    return _as_output(_safe_ratio(s_ab, pairs))


# -- rank shifts ----------------------------------------------------------------------------------------------

def _shifts(ref, ranks) -> tuple[np.ndarray, np.ndarray]:
    R, X = _align(ref, ranks)
    both = ~np.isnan(R) & ~np.isnan(X)
    return np.where(both, np.abs(R - X), 0.0), both


def mean_abs_shift(ref, ranks):
    r"""Mean absolute rank shift :math:`\bar R_S` (Saisana, Saltelli & Tarantola 2005).

    .. math:: \bar R_S = \frac{1}{n} \sum_{u} \left| \mathrm{rank}_{ref}(u) - \mathrm{rank}(u) \right|

    over the :math:`n` units ranked in both. Ranks are used as given (not re-ranked among those units), so
    a unit dropped from one ranking moves the others only as much as the ranking itself says.

    Parameters
    ----------
    ref : array_like, (units,) or (units, nodes)
        Reference ranks (usually the nominal variant's).
    ranks : array_like, ``ref.shape`` or (variants, *ref.shape)

    Returns
    -------
    float or ndarray, ``ranks.shape`` without the units axis
        In places; 0 when nothing moves. NaN when no unit is ranked in both.

    References
    ----------
    Saisana, Saltelli & Tarantola (2005) JRSS-A 168:307, eq. (5); COINr ``get_sensitivity`` (``MeanAbsDiff``).
    """
    d, both = _shifts(ref, ranks)
    return _as_output(_safe_ratio(d.sum(axis=-1), both.sum(axis=-1)))


def max_abs_shift(ref, ranks):
    r"""Largest absolute rank shift :math:`\max_u |\mathrm{rank}_{ref}(u) - \mathrm{rank}(u)|`.

    Over the units ranked in both; NaN when there is none. Shapes as :func:`mean_abs_shift`.
    """
    d, both = _shifts(ref, ranks)
    top = np.where(both, d, -np.inf).max(axis=-1, initial=-np.inf)
    return _as_output(np.where(both.any(axis=-1), top, np.nan))


def share_moving(ref, ranks, k: float = 5):
    r"""Share of units whose rank moves by more than ``k`` places.

    .. math:: \frac{1}{n} \#\{u : |\mathrm{rank}_{ref}(u) - \mathrm{rank}(u)| > k\}

    over the :math:`n` units ranked in both (strictly more than ``k``: with ``k = 0``, the share that moves
    at all). NaN when no unit is ranked in both. Shapes as :func:`mean_abs_shift`.
    """
    if k < 0:
        raise ValueError(f"k must be >= 0, got {k}")
    d, both = _shifts(ref, ranks)
    return _as_output(_safe_ratio((both & (d > k)).sum(axis=-1), both.sum(axis=-1)))


# -- top-weighted set agreement -------------------------------------------------------------------------------

def top_k_jaccard(ref, ranks, k: int = 10):
    r"""Jaccard overlap of the two top-``k`` sets, :math:`|T_{ref} \cap T| / |T_{ref} \cup T|`.

    The top-``k`` set of a ranking is :math:`\{u : \mathrm{rank}(u) \le k\}`. With 'min' ranks that is every
    unit with fewer than ``k`` units strictly ahead of it, so **ties at the boundary are all in**: a tie for
    ``k``-th place makes the set larger than ``k`` rather than breaking the tie arbitrarily. An unranked (NaN)
    unit is in no top set. The units need not be ranked in both.

    Parameters
    ----------
    ref : array_like, (units,) or (units, nodes)
    ranks : array_like, ``ref.shape`` or (variants, *ref.shape)
    k : int
        Depth, >= 1.

    Returns
    -------
    float or ndarray, ``ranks.shape`` without the units axis
        In [0, 1]; NaN when both sets are empty (no unit ranked).
    """
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")
    R, X = _align(ref, ranks)
    top_r, top_x = R <= k, X <= k  # NaN compares False: unranked units are never in
    inter = (top_r & top_x).sum(axis=-1)
    union = (top_r | top_x).sum(axis=-1)
    return _as_output(_safe_ratio(inter, union))


def top_k_retained(ref, ranks, k: int = 10):
    r"""How many of the reference top ``k`` are still in the top ``k``: :math:`|T_{ref} \cap T|`.

    With :math:`T = \{u : \mathrm{rank}(u) \le k\}` as in :func:`top_k_jaccard` (ties at the boundary all in,
    an unranked unit in no top set), this is the number of units of the reference top ``k`` that the compared
    ranking keeps there, the count behind the JRC audits' "how many of the top ten stay in the top ten". It is the
    numerator of the top-``k`` Jaccard overlap.

    Parameters
    ----------
    ref : array_like, (units,) or (units, nodes)
        Reference ranks (usually the nominal variant's).
    ranks : array_like, ``ref.shape`` or (variants, *ref.shape)
    k : int
        Depth, >= 1.

    Returns
    -------
    float or ndarray, ``ranks.shape`` without the units axis
        A whole number from 0 to :math:`|T_{ref}|` (which exceeds ``k`` when the reference ties at ``k``); 0, not
        NaN, when either set is empty.

    Examples
    --------
    >>> top_k_retained([1, 2, 3, 4], [[1, 2, 3, 4], [4, 3, 2, 1], [3, 1, 1, 4]], 2)
    array([2., 0., 1.])
    """
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")
    R, X = _align(ref, ranks)
    return _as_output(((R <= k) & (X <= k)).sum(axis=-1))  # NaN compares False: unranked units are never in


def _cumulative_counts(entry: np.ndarray, valid: np.ndarray, depths: int) -> np.ndarray:
    """For each row, how many units have entered by depth d = 1..depths: ``(rows, depths)``."""
    rows, _ = entry.shape
    idx = np.where(valid, np.clip(entry, 1, depths), 0).astype(np.int64)  # bin 0 collects the invalid
    flat = (np.arange(rows)[:, None] * (depths + 1) + idx).ravel()
    counts = np.bincount(flat, minlength=rows * (depths + 1)).reshape(rows, depths + 1)
    return np.cumsum(counts[:, 1:], axis=1)


def rank_biased_overlap(a, b, p: float = 0.9, *, depth: int | None = None):
    r"""Rank-biased overlap, the extrapolated :math:`RBO_{ext}` of Webber, Moffat & Zobel (2010).

    The units ranked in both are listed by rank, best first. With :math:`A_d` the agreement of the two
    depth-:math:`d` prefixes and :math:`k` the evaluation depth (the full list by default),

    .. math:: RBO_{ext} = A_k\,p^k + \frac{1 - p}{p} \sum_{d=1}^{k} A_d\,p^d,
              \qquad A_d = \frac{2\,|S_{:d} \cap T_{:d}|}{|S_{:d}| + |T_{:d}|}.

    Without ties :math:`|S_{:d}| = |T_{:d}| = d` and :math:`A_d = X_d/d`, the paper's eq. (30) for two
    lists of equal length.

    **Ties** follow the paper's own treatment (section 4.3; Corsi & Urbano 2024 call it the *w* variant, the
    one for rankings where a tie means equality, as in a league table): a tied group enters the prefix
    whole, at the depth of its best ('min') rank, so a prefix may hold more than :math:`d` units, and the
    agreement uses the prefix sizes as above. Identical rankings, ties included, give 1.

    Parameters
    ----------
    a : array_like, (units,) or (units, nodes)
        Ranks, 1 = best (any ranks: they are re-ranked with 'min' ties among the units ranked in both).
    b : array_like, ``a.shape`` or (variants, *a.shape)
    p : float
        Persistence in (0, 1): depth :math:`d` weighs :math:`(1 - p)p^{d-1}`, so the smaller ``p`` the more
        the top matters (at p = 0.9 the first 10 ranks carry about 86 % of the weight; paper, section 4.2).
    depth : int, optional
        Evaluation depth :math:`k`; defaults to the whole list. A smaller depth scores the top-``depth``
        prefixes and extrapolates their agreement, the paper's use for indefinite rankings.

    Returns
    -------
    float or ndarray, ``b.shape`` without the units axis
        In [0, 1]; 1 for identical rankings; NaN when no unit is ranked in both.

    References
    ----------
    Webber, Moffat & Zobel (2010) "A similarity measure for indefinite rankings", ACM TOIS 28(4):20,
    eqs. (30) and section 4.3; Corsi & Urbano (2024) SIGIR, "The treatment of ties in rank-biased overlap".
    """
    if not 0.0 < p < 1.0:
        raise ValueError(f"p must be in (0, 1), got {p}")
    if depth is not None and depth < 1:
        raise ValueError(f"depth must be >= 1, got {depth}")
    A, B = _align(a, b)
    both = ~np.isnan(A) & ~np.isnan(B)
    shape, n = A.shape[:-1], A.shape[-1]
    if n == 0:
        return _as_output(np.full(shape, np.nan))
    ra = _rerank(A, both, "min").reshape(-1, n)
    rb = _rerank(B, both, "min").reshape(-1, n)
    valid = both.reshape(-1, n)
    size_a = _cumulative_counts(np.nan_to_num(ra), valid, n)
    size_b = _cumulative_counts(np.nan_to_num(rb), valid, n)
    overlap = _cumulative_counts(np.nan_to_num(np.maximum(ra, rb)), valid, n)
    agreement = _safe_ratio(2.0 * overlap, size_a + size_b)  # (rows, n), NaN before any unit enters
    k = valid.sum(axis=1) if depth is None else np.minimum(valid.sum(axis=1), depth)
    d = np.arange(1, n + 1)
    within = d[None, :] <= k[:, None]
    weights = (1.0 - p) / p * p ** d
    body = np.where(within, np.nan_to_num(agreement) * weights, 0.0).sum(axis=1)
    at_k = np.take_along_axis(agreement, np.maximum(k - 1, 0)[:, None], axis=1)[:, 0]
    rbo = np.where(k > 0, body + at_k * p ** k.astype(float), np.nan)
    return _as_output(np.clip(rbo, 0.0, 1.0).reshape(shape))


# -- registry and summary -------------------------------------------------------------------------------------

#: The pairwise rank-comparison metrics by name: each ``f(ref, ranks, **params)`` with the shapes of the
#: module docstring.
RANK_METRICS = MappingProxyType({
    "spearman": spearman,
    "kendall_tau_b": kendall_tau_b,
    "kendall_tau_a": kendall_tau_a,
    "mean_abs_shift": mean_abs_shift,
    "max_abs_shift": max_abs_shift,
    "share_moving": share_moving,
    "top_k_jaccard": top_k_jaccard,
    "rank_biased_overlap": rank_biased_overlap,
})


def summarise(ref, ranks, *, moving: tuple[int, ...] = (3, 5, 10), top: int = 10, p: float = 0.9) -> pd.DataFrame:
    """Every stability metric of each variant against the reference ranking, one row per variant.

    Parameters
    ----------
    ref : array_like, (units,)
        Reference ranks (1 = best, NaN unranked), usually the nominal variant's.
    ranks : array_like, (variants, units) or (units,)
        The variants' ranks of the same units, in the same order.
    moving : tuple of int
        Thresholds of the ``share_moving_gt_<k>`` columns.
    top : int
        Depth of the ``top<top>_jaccard`` column.
    p : float
        Persistence of the ``rbo`` column.

    Returns
    -------
    DataFrame, index ``variant`` (0..variants-1)
        Columns ``spearman, kendall_tau_b, mean_abs_shift, max_abs_shift, share_moving_gt_<k>...,
        top<top>_jaccard, rbo``; each computed batched over all variants, with the metric's own NaN policy.
    """
    ref = np.asarray(ref, dtype=float)
    ranks = np.asarray(ranks, dtype=float)
    if ref.ndim != 1:
        raise ValueError(f"summarise takes one reference ranking (units,), got shape {ref.shape}; "
                         "call it once per node")
    if ranks.ndim == 1:
        ranks = ranks[None, :]
    if ranks.ndim != 2 or ranks.shape[1] != ref.shape[0]:
        raise ValueError(f"ranks must be (variants, {ref.shape[0]}), got {ranks.shape}")
    columns = {
        "spearman": spearman(ref, ranks),
        "kendall_tau_b": kendall_tau_b(ref, ranks),
        "mean_abs_shift": mean_abs_shift(ref, ranks),
        "max_abs_shift": max_abs_shift(ref, ranks),
    }
    for k in moving:
        columns[f"share_moving_gt_{k}"] = share_moving(ref, ranks, k)
    columns[f"top{top}_jaccard"] = top_k_jaccard(ref, ranks, top)
    columns["rbo"] = rank_biased_overlap(ref, ranks, p)
    return pd.DataFrame(columns, index=pd.RangeIndex(ranks.shape[0], name="variant"))
