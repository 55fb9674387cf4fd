r"""Each unit's rank distribution over many samples, in memory linear in the number of units.

A Monte Carlo run of :math:`S` samples over :math:`n` units ranks every unit :math:`S` times. Keeping every
unit's exact rank counts takes an :math:`n \times n` table (14.8 GiB of int32 at 63,000 units); this module keeps
instead, per unit,

- a **rank histogram** of :math:`B` bins of width :math:`w = \lceil n / B \rceil` ranks (bin :math:`b`, from 0,
  holds ranks :math:`bw + 1 \ldots \min((b + 1)w, n)`): :math:`n \times \lceil n / w \rceil \le n \times B`
  counts, so memory grows linearly in :math:`n`. While :math:`n \le B`, :math:`w = 1` and the histogram *is* the
  exact rank-count table;
- **exact streaming statistics** (:class:`RankMoments`), whatever :math:`w`: the number of samples in which the
  unit is ranked :math:`N_u`, :math:`\sum r`, :math:`\sum r^2`, the smallest and largest rank, the count of ranks
  :math:`\le k` for each requested :math:`k` and the count within :math:`\pm m` places of the nominal rank.

What is exact and what is within one bin: the mean, standard deviation, minimum and maximum rank, every
``p_top<k>`` for a requested :math:`k` and ``p_within<m>`` are exact (ratios or functions of whole counts);
the histogram's counts are exact counts of bins; a quantile (median, 5th, 95th percentile) is exact when
:math:`w = 1` and otherwise lies in the same bin as the exact quantile, so it differs from it by at most
:math:`w - 1` ranks (:func:`histogram_quantile`).

All counts are whole numbers, so adding blocks of samples in any order gives the same result: the statistics do
not depend on how a run is chunked.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

#: Rank-histogram bins per unit by default: exact rank counts up to this many units (a 1000 x 1000 int32 table,
#: 4 MB), bins of ceil(units / 1000) ranks above (400 MB of counts at 100,000 units).
DEFAULT_RANK_BINS = 1000
#: Counts: int32 holds 2^31 samples and halves the table of large runs.
COUNT_DTYPE = np.int32
#: Table cells handled at once by the block-wise functions: a 16 MB int64 temporary at most, under glibc's 32 MiB
#: mmap threshold, so blocks reuse freed memory instead of faulting in fresh pages (dti_bench.engine.memory).
_BLOCK_CELLS = 2_000_000


def rank_bin_width(n_ranks: int, bins: int = DEFAULT_RANK_BINS) -> int:
    r"""The width :math:`w = \max(1, \lceil n / B \rceil)` of the rank bins for ranks ``1..n_ranks`` in at most
    ``bins`` bins.

    Examples
    --------
    >>> rank_bin_width(63), rank_bin_width(1000), rank_bin_width(1001), rank_bin_width(100_000)
    (1, 1, 2, 100)
    """
    if bins < 1:
        raise ValueError(f"rank bins: expected a positive whole number, got {bins!r}")
    return max(1, -(-int(n_ranks) // int(bins)))


def n_bins(n_ranks: int, width: int) -> int:
    """How many bins of ``width`` ranks cover ranks ``1..n_ranks`` (the last one may be narrower)."""
    return max(1, -(-int(n_ranks) // int(width)))


def bin_edges(n_ranks: int, width: int) -> tuple[np.ndarray, np.ndarray]:
    """The first and last rank of every bin, ``(rank_lo, rank_hi)``, each of shape ``(n_bins,)``, int64."""
    lo = np.arange(n_bins(n_ranks, width), dtype=np.int64) * width + 1
    return lo, np.minimum(lo + width - 1, n_ranks)


def count_ranks(counts: np.ndarray, ranks: np.ndarray, width: int = 1) -> None:
    """Add the ranks of a block of samples to the rank histogram ``counts`` in place.

    ``counts[u, (r - 1) // width]`` counts the samples in which unit ``u`` ranked ``r``; with ``width`` 1 that is
    the exact rank-count table ``counts[u, r - 1]``.

    Parameters
    ----------
    counts : ndarray of int, shape (units, bins)
    ranks : ndarray of int, shape (samples, units)
        Whole ranks from 1; 0 = not ranked (a failed sample, an unranked unit), not counted.
    width : int
        Ranks per bin.

    Notes
    -----
    One bincount over flat (unit, bin) positions (np.add.at is ~20x slower), in blocks of units so that the
    temporary stays under ~16 MB whatever the number of units.

    Examples
    --------
    >>> counts = np.zeros((2, 2), dtype=np.int32)
    >>> count_ranks(counts, np.array([[1, 3], [2, 0], [4, 1]]), width=2)  # ranks 1..4 in bins {1, 2}, {3, 4}
    >>> counts.tolist()
    [[2, 1], [1, 1]]
    """
    n_units, bins = counts.shape
    block = max(1, _BLOCK_CELLS // bins)
    for u0 in range(0, n_units, block):
        sub = ranks[:, u0:u0 + block]
        offsets = np.arange(sub.shape[1], dtype=np.int64) * bins
        if width == 1:
            positions = sub.astype(np.int64) - 1
        else:
            positions = (sub.astype(np.int64) - 1) // width
        if sub.min(initial=1) > 0:  # everything ranked (the usual case): no mask, one pass to flat positions
            flat = (positions + offsets).ravel()
        else:
            flat = (positions + offsets)[sub > 0]
        counts[u0:u0 + block] += np.bincount(flat, minlength=sub.shape[1] * bins).reshape(-1, bins).astype(
            counts.dtype, copy=False)


@dataclass(frozen=True)
class RankMoments:
    r"""Exact per-unit statistics of ranks that stream: whole-number sums that add up in any order.

    Attributes
    ----------
    ranked : ndarray of int64, (units,)
        :math:`N_u`, the samples in which unit ``u`` is ranked.
    rank_sum, rank_sq : ndarray of int64, (units,)
        :math:`\sum r` and :math:`\sum r^2` over those samples (exact below :math:`2^{63}`: e.g. :math:`10^{5}`
        units and :math:`10^{8}` samples).
    rank_min, rank_max : ndarray of int64, (units,)
        The smallest and largest rank; 0 where the unit is never ranked.
    top : mapping of int to ndarray of int64, (units,)
        ``top[k]``: samples with rank :math:`\le k`.
    within : ndarray of int64, (units,), optional
        Samples with :math:`|r - r^0| \le m` (``within_m``), :math:`r^0` the nominal rank; 0 where it is missing.
    within_m : int, optional
    """

    ranked: np.ndarray
    rank_sum: np.ndarray
    rank_sq: np.ndarray
    rank_min: np.ndarray
    rank_max: np.ndarray
    top: Mapping[int, np.ndarray] = field(default_factory=dict)
    within: np.ndarray | None = None
    within_m: int | None = None

    @classmethod
    def of(cls, ranks: np.ndarray, *, top_k: Sequence[int] = (), nominal: np.ndarray | None = None,
           within: int | None = None) -> RankMoments:
        """The statistics of a block of ranks, shape (samples, units), whole numbers from 1, 0 = not ranked.

        ``nominal`` (units,), NaN where unranked, and ``within`` give the count within ±``within`` places.

        Examples
        --------
        >>> m = RankMoments.of(np.array([[1, 2], [2, 0], [1, 1]]), top_k=(1,), nominal=np.array([1.0, 2.0]),
        ...                    within=0)
        >>> m.ranked.tolist(), m.rank_sum.tolist(), m.rank_min.tolist(), m.top[1].tolist(), m.within.tolist()
        ([3, 2], [4, 3], [1, 1], [2, 1], [2, 1])
        """
        ranks = np.asarray(ranks)
        ranked_mask = ranks > 0
        everything = bool(ranked_mask.all())
        ranked = np.full(ranks.shape[1], ranks.shape[0], dtype=np.int64) if everything else \
            ranked_mask.sum(axis=0, dtype=np.int64)
        rank_sum = ranks.sum(axis=0, dtype=np.int64)               # unranked entries are 0: they add nothing
        rank_sq = np.einsum("ij,ij->j", ranks, ranks, dtype=np.int64)
        rank_max = ranks.max(axis=0, initial=0).astype(np.int64)
        if ranks.shape[0] == 0:
            rank_min = np.zeros(ranks.shape[1], dtype=np.int64)
        elif everything:
            rank_min = ranks.min(axis=0).astype(np.int64)
        else:
            above = np.iinfo(ranks.dtype).max if ranks.dtype.kind in "iu" else np.inf  # above every rank
            rank_min = np.where(ranked_mask, ranks, above).min(axis=0)
            rank_min = np.where(ranked > 0, rank_min, 0).astype(np.int64)
        top = {int(k): np.count_nonzero(ranked_mask & (ranks <= k), axis=0).astype(np.int64)
               for k in dict.fromkeys(top_k)}
        near = None
        if within is not None and nominal is not None:
            nominal = np.asarray(nominal, dtype=float)
            has_nominal = ~np.isnan(nominal)
            r0 = np.where(has_nominal, nominal, 0).astype(np.int64)
            close = ranked_mask & has_nominal[None, :] & (np.abs(ranks.astype(np.int64) - r0[None, :]) <= within)
            near = np.count_nonzero(close, axis=0).astype(np.int64)
        return cls(ranked, rank_sum, rank_sq, rank_min, rank_max, top, near, within if near is not None else None)

    @classmethod
    def from_counts(cls, counts: np.ndarray, *, top_k: Sequence[int] = (), nominal: np.ndarray | None = None,
                    within: int | None = None) -> RankMoments:
        """The same statistics from an exact rank-count table ``counts[u, r - 1]`` (bin width 1), block-wise.

        Examples
        --------
        >>> m = RankMoments.from_counts(np.array([[2, 1], [1, 1]]), top_k=(1,))
        >>> m.ranked.tolist(), m.rank_sum.tolist(), m.rank_sq.tolist(), m.rank_max.tolist(), m.top[1].tolist()
        ([3, 2], [4, 3], [6, 5], [2, 2], [2, 1])
        """
        counts = np.asarray(counts)
        n_units, n_ranks = counts.shape
        r = np.arange(1, n_ranks + 1, dtype=np.int64)
        parts = []
        for sl in _unit_blocks(n_units, n_ranks):
            c = counts[sl].astype(np.int64)
            nonzero = c > 0
            any_ranked = nonzero.any(axis=1)
            first = np.where(any_ranked, nonzero.argmax(axis=1) + 1, 0)
            last = np.where(any_ranked, n_ranks - nonzero[:, ::-1].argmax(axis=1), 0)
            tops = {int(k): c[:, :k].sum(axis=1) for k in dict.fromkeys(top_k)}
            near = None
            if within is not None and nominal is not None:
                r0 = np.asarray(nominal, dtype=float)[sl]
                band = np.abs(r[None, :] - np.where(np.isnan(r0), -np.inf, r0)[:, None]) <= within
                near = (c * band).sum(axis=1)
            parts.append(cls(c.sum(axis=1), c @ r, c @ (r * r), first.astype(np.int64), last.astype(np.int64),
                             tops, near, within if near is not None else None))
        if not parts:
            parts.append(cls.of(np.zeros((0, 0), dtype=np.int64), top_k=top_k, nominal=nominal, within=within))
        return _concatenate(parts)

    def __add__(self, other: RankMoments) -> RankMoments:
        """The statistics of two blocks of samples of the same units (exact: integer sums, min and max)."""
        if set(self.top) != set(other.top) or self.within_m != other.within_m:
            raise ValueError("rank moments: adding blocks that count different top-k or within-m statistics")
        lo = np.where(self.ranked == 0, other.rank_min,
                      np.where(other.ranked == 0, self.rank_min, np.minimum(self.rank_min, other.rank_min)))
        return RankMoments(self.ranked + other.ranked, self.rank_sum + other.rank_sum, self.rank_sq + other.rank_sq,
                           lo, np.maximum(self.rank_max, other.rank_max),
                           {k: self.top[k] + other.top[k] for k in self.top},
                           None if self.within is None else self.within + other.within, self.within_m)

    def mean(self) -> np.ndarray:
        r""":math:`\bar r_u = \sum r / N_u`, NaN where never ranked (exact to the final division)."""
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(self.ranked > 0, self.rank_sum / np.where(self.ranked > 0, self.ranked, 1), np.nan)

    def sd(self) -> np.ndarray:
        r"""The standard deviation of each unit's ranks over its samples, divisor :math:`N_u` (the empirical
        distribution's): :math:`\sqrt{N \sum r^2 - (\sum r)^2} / N`, the numerator in exact integer arithmetic
        (Python integers: no cancellation, no overflow), so the only roundings are the final root and division;
        NaN where never ranked."""
        n, s1, s2 = (x.astype(object) for x in (self.ranked, self.rank_sum, self.rank_sq))
        numerator = np.array([float(v) for v in n * s2 - s1 * s1], dtype=float)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(self.ranked > 0, np.sqrt(numerator) / self.ranked, np.nan)

    def share(self, counts: np.ndarray) -> np.ndarray:
        """``counts / N_u``, NaN where never ranked."""
        with np.errstate(invalid="ignore", divide="ignore"):
            return counts / np.where(self.ranked > 0, self.ranked, np.nan)


def _concatenate(parts: Sequence[RankMoments]) -> RankMoments:
    first = parts[0]
    join = np.concatenate
    return RankMoments(join([p.ranked for p in parts]), join([p.rank_sum for p in parts]),
                       join([p.rank_sq for p in parts]), join([p.rank_min for p in parts]),
                       join([p.rank_max for p in parts]), {k: join([p.top[k] for p in parts]) for k in first.top},
                       None if first.within is None else join([p.within for p in parts]), first.within_m)


def _unit_blocks(n_units: int, bins: int) -> Iterator[slice]:
    block = max(1, _BLOCK_CELLS // max(bins, 1))
    for u0 in range(0, n_units, block):
        yield slice(u0, min(u0 + block, n_units))


def histogram_quantile(counts: np.ndarray, width: int, p: float, n_ranks: int, *,
                       rank_min: np.ndarray | None = None, rank_max: np.ndarray | None = None,
                       long: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None) -> np.ndarray:
    r"""Each unit's inverted-CDF quantile rank from its rank histogram.

    The exact quantile is :math:`q_p = \min\{r : F(r) \ge p\}` (numpy's ``'inverted_cdf'``), :math:`F` the
    unit's empirical rank CDF. The histogram knows :math:`F` at the bins' last ranks, so :math:`q_p` lies in the
    first bin :math:`b` whose cumulative share reaches :math:`p` (before it :math:`F < p`, at its end
    :math:`F \ge p`). With :math:`w = 1` that bin is the rank: exact. With :math:`w > 1` the :math:`c_b` samples
    of bin :math:`b` are taken as spread evenly over its :math:`w_b` ranks from :math:`\ell_b`:

    .. math:: \hat q_p = \ell_b + \left\lceil w_b\,\frac{pN - C_{b-1}}{c_b} \right\rceil - 1

    (:math:`C_{b-1}` the samples in earlier bins, clipped to the bin), then clamped to the unit's exact
    smallest and largest rank when given; :math:`\hat q_p` and :math:`q_p` share bin :math:`b`, so
    :math:`|\hat q_p - q_p| \le w - 1`.

    Parameters
    ----------
    counts : ndarray of int, shape (units, bins)
        ``counts[u, b]``: samples with unit ``u``'s rank in bin ``b``.
    width : int
        Ranks per bin.
    p : float
        In (0, 1].
    n_ranks : int
        The largest rank (the last bin ends there).
    rank_min, rank_max : ndarray of int, (units,), optional
        Exact extremes (:class:`RankMoments`), which tighten :math:`\hat q_p` in the first and last bins.
    long : tuple of ndarray, optional
        ``long_counts(counts)``, when already at hand.

    Returns
    -------
    ndarray of int64, (units,)
        0 where the unit is never ranked. Computed on the nonzero cells only (:func:`long_counts`): time and
        memory grow with the cells that hold samples, not with the histogram's size.

    Examples
    --------
    >>> histogram_quantile(np.array([[1, 2, 1]]), 1, 0.5, 3).tolist()  # ranks 1, 2, 2, 3: the median is 2
    [2]
    >>> histogram_quantile(np.array([[4, 0]]), 5, 0.5, 10).tolist()   # four samples among ranks 1..5: rank 3
    [3]
    """
    return histogram_quantiles(counts, width, [p], n_ranks, rank_min=rank_min, rank_max=rank_max, long=long)[0]


def histogram_quantiles(counts: np.ndarray, width: int, ps: Sequence[float], n_ranks: int, *,
                        rank_min: np.ndarray | None = None, rank_max: np.ndarray | None = None,
                        long: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None) -> np.ndarray:
    """:func:`histogram_quantile` for several probabilities at once, shape ``(len(ps), units)``: one pass over
    the nonzero cells serves them all."""
    n_units = np.shape(counts)[0]
    unit, b, count = long_counts(counts) if long is None else long
    out = np.zeros((len(ps), n_units), dtype=np.int64)
    if not len(count):
        return out
    total = np.bincount(unit, weights=count, minlength=n_units).astype(np.int64)  # whole numbers < 2^53: exact
    first = np.searchsorted(unit, np.arange(n_units))           # each unit's first cell (cells come unit by unit)
    running = np.cumsum(count)
    cumulative = running - np.concatenate([[0], running])[first[unit]]  # samples in the unit's bins up to this one
    cdf = cumulative / total[unit]                              # whole counts: exact ratios, as a dense table gives
    lo_edge, hi_edge = bin_edges(n_ranks, width)
    for i, p in enumerate(ps):
        hit = np.flatnonzero(cdf >= p - 1e-12)                  # the tolerance absorbs a p such as 0.95
        hit = hit[np.concatenate([[True], unit[hit][1:] != unit[hit][:-1]])]  # the first cell of each unit
        u, bin_ = unit[hit], b[hit]
        if width == 1:
            q = bin_ + 1
        else:
            in_bin = count[hit].astype(float)
            before = cumulative[hit] - count[hit]
            span = (hi_edge[bin_] - lo_edge[bin_] + 1).astype(float)
            step = np.clip(np.ceil(span * (p * total[u] - before) / in_bin - 1e-9), 1, span).astype(np.int64)
            q = lo_edge[bin_] + step - 1
            if rank_min is not None:
                q = np.maximum(q, np.asarray(rank_min)[u])
            if rank_max is not None:
                top = np.asarray(rank_max)[u]
                q = np.where(top > 0, np.minimum(q, top), q)
        out[i, u] = q
    return out


def long_counts(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The nonzero cells of a rank histogram, unit by unit and bin by bin: ``(unit_index, bin_index, count)``.

    Their number is at most units x min(bins, samples), linear in units; no dense float table is made.

    Examples
    --------
    >>> [a.tolist() for a in long_counts(np.array([[2, 0, 1], [0, 3, 0]]))]
    [[0, 0, 1], [0, 2, 1], [2, 1, 3]]
    """
    counts = np.asarray(counts)
    units, bins, values = [], [], []
    for sl in _unit_blocks(*counts.shape):
        u, b = np.nonzero(counts[sl])
        units.append(u + sl.start)
        bins.append(b)
        values.append(counts[sl][u, b].astype(np.int64))
    if not units:
        return (np.zeros(0, dtype=np.int64),) * 3
    return np.concatenate(units), np.concatenate(bins), np.concatenate(values)


__all__ = ["COUNT_DTYPE", "DEFAULT_RANK_BINS", "RankMoments", "bin_edges", "count_ranks", "histogram_quantile",
           "histogram_quantiles", "long_counts", "n_bins", "rank_bin_width"]
