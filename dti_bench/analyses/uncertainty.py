"""Monte Carlo uncertainty analysis over methodology factors: rank intervals and rank stability.

For each unit: nominal rank, median, mean, 5th and 95th percentile rank, mean absolute rank shift against
nominal, probability of a top-k place and of staying within ±m places of the nominal rank, and each unit's
rank distribution; for the index, the mean absolute rank shift R̄s of Saisana, Saltelli & Tarantola (2005,
JRSS-A 168:307), R̄s = mean_c |rank_ref(c) − rank(c)|, and the JRC audits' top-k statement ("7 of the nominal top
10 stay in the top 10 in at least 90 % of samples").

Statistics stream: each chunk returns integer rank counts (a per-unit rank histogram, below), exact per-unit
sums (:class:`~dti_bench.metrics.rank_distribution.RankMoments`) and a few scalars per sample (its R̄s, its
largest shift, its Spearman ρ with the nominal ranks: the package's one definition,
:func:`dti_bench.metrics.stability.spearman`, Pearson's r of the average ranks; how many of the nominal top k
it keeps in the top k), so the per-sample ranks need not be kept (they can be saved with ``save_ranks``).
Integer counts add up exactly in any order, and the per-sample scalars are kept in sample order, so results
are identical whatever the chunk size or executor; every per-unit share (top-k, within ±m) is a ratio of
those counts.

Percentile ranks use the inverted empirical CDF: q_p = the smallest rank r with P(rank <= r) >= p (numpy's
``'inverted_cdf'``), so every reported rank is one that occurred.

Memory linear in units (:mod:`dti_bench.metrics.rank_distribution`): each unit's rank counts are kept in
``rank_bins`` bins (default 1000) of width w = ceil(units / rank_bins) ranks. Up to ``rank_bins`` units, w = 1:
the counts are exact and every statistic is exact. Above, the mean, standard deviation, smallest and largest rank,
the mean absolute shift, every ``p_top<k>`` of the run's ``top_k`` (and the top-k statement's k) and
``p_within<m>`` stay exact (streamed as whole-number sums); the median, ``q05_rank`` and ``q95_rank`` lie in the
bin of the exact quantile, within w - 1 ranks of it; ``rank_frequency.csv`` holds the bins' exact counts. The
summary (manifest) records ``rank_bin_width``.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from dti_bench.analyses.factors import Factor, FactorSpec, methodology_for, parse_factors
from dti_bench.analyses.results import Result, inputs
from dti_bench.analyses.sampling import monte_carlo, to_batch
from dti_bench.config.specs import TopKRobustnessSpec, UncertaintySpec
from dti_bench.engine.batch import DEFAULT_CHUNK, Engine, default_chunk
from dti_bench.engine.executors import run_tasks
from dti_bench.errors import ConfigError, MethodError, choices
from dti_bench.index import nominal_ranks
from dti_bench.metrics.rank_distribution import (
    COUNT_DTYPE, RankMoments, bin_edges, count_ranks, histogram_quantiles, long_counts, n_bins,
    rank_bin_width,
)
from dti_bench.metrics.stability import max_abs_shift, mean_abs_shift, spearman, top_k_retained
from dti_bench.model.dataset import Dataset
from dti_bench.model.framework import Framework
from dti_bench.model.methodology import Methodology

DEFAULT_TOP_K = tuple(UncertaintySpec().top_k)
DEFAULT_TOP_K_ROBUSTNESS = MappingProxyType(UncertaintySpec().top_k_robustness)  # type: ignore[arg-type]
#: A unit "stays" when its share of samples reaches the threshold; the share is a ratio of whole counts, so this
#: only absorbs the rounding of a threshold such as 0.9 (never a whole sample of any run).
_SHARE_TOLERANCE = 1e-12
#: Rank counts: int32 holds 2^31 samples and halves the (units, bins) histogram of large runs.
FREQUENCY_DTYPE = COUNT_DTYPE
#: Above this many units a chunk returns its ranks (int16) and the parent counts them: a (units, bins) partial
#: per chunk (40 MB at 10,000 units and 1000 bins) would cost more to ship between processes than the ranks.
PARENT_COUNTS_ABOVE = 2000
#: Ranks the parent gathers before counting them (at least; half the histogram's cells when that is more).
PARENT_COUNT_ENTRIES = 25_000_000


@dataclass(frozen=True)
class Task:
    """One chunk of a Monte Carlo run: with the engine (sent to each worker once), everything a worker needs."""

    nominal: Methodology
    factors: tuple[Factor, ...]
    seed: int
    start: int
    stop: int
    node: str
    nominal_ranks: np.ndarray
    keep_ranks: bool
    top_k: int | None = None              # k of the per-sample count of the nominal top k kept in the top k
    count_top: tuple[int, ...] = ()       # the k of the exact per-unit counts of ranks <= k (p_top<k>)
    within: int | None = None             # m of the exact per-unit count within ±m places (p_within<m>)
    bin_width: int = 1                    # ranks per bin of the rank histogram


@dataclass
class Partial:
    """What a chunk returns."""

    start: int
    frequency: np.ndarray | None          # (units, bins) int32: frequency[u, (r - 1) // w]; None: count ``ranks``
    abs_shift: np.ndarray                 # (units,) int64: Σ |rank − nominal| over the chunk
    rbar: np.ndarray                      # (samples,) per-sample R̄s (NaN if failed)
    max_shift: np.ndarray                 # (samples,)
    spearman: np.ndarray                  # (samples,)
    failed: dict[int, str] = field(default_factory=dict)
    ranks: np.ndarray | None = None       # (samples, units) int16, 0 = unranked: when kept or to be counted
    slow: int = 0
    top_k_retained: np.ndarray | None = None  # (samples,) nominal top-k units still in the top k (NaN if failed)
    moments: RankMoments | None = None    # exact per-unit sums of the chunk's ranks


def run_chunk(engine: Engine, task: Task) -> Partial:
    """Evaluate samples ``task.start:task.stop`` and reduce them to counts (the worker side)."""
    fw = engine.framework
    u = monte_carlo(task.factors, task.seed, task.start, task.stop)
    design = to_batch(u, task.factors, fw, task.nominal)
    ev = engine.evaluate(design, rank=[task.node], only=[task.node])  # the node alone: one weighted sum if it can
    ranks = ev.ranks[:, :, 0]                                   # (samples, units), NaN for failed/unranked
    stats = _chunk_statistics(ranks, task.nominal_ranks, ~ev.failed, count=ranks.shape[1] <= PARENT_COUNTS_ABOVE,
                              keep=task.keep_ranks, top_k=task.top_k, width=task.bin_width,
                              count_top=task.count_top, within=task.within)
    return Partial(task.start, stats.frequency, stats.abs_shift, stats.rbar, stats.max_shift, stats.spearman,
                   {task.start + i: why for i, why in ev.reasons.items()}, stats.ranks, ev.slow_variants,
                   stats.top_k_retained, stats.moments)


@dataclass
class _Statistics:
    """The per-chunk reduction of a (samples, units) rank block (the fields of :class:`Partial` it fills)."""

    frequency: np.ndarray | None
    abs_shift: np.ndarray
    rbar: np.ndarray
    max_shift: np.ndarray
    spearman: np.ndarray
    ranks: np.ndarray | None
    top_k_retained: np.ndarray | None = None
    moments: RankMoments | None = None


def _chunk_statistics(ranks: np.ndarray, nominal: np.ndarray, ok: np.ndarray, *, count: bool,
                      keep: bool, top_k: int | None = None, width: int = 1, count_top: Sequence[int] = (),
                      within: int | None = None) -> _Statistics:
    """Rank counts, summed absolute shifts and the per-sample R̄s, largest shift, Spearman ρ and (with ``top_k``)
    count of the nominal top k still in the top k of a chunk.

    Parameters
    ----------
    ranks : ndarray, shape (samples, units)
        'min' ranks (whole numbers from 1), NaN where a unit is unranked or the sample failed; any memory layout.
    nominal : ndarray, shape (units,)
        The reference ranks, NaN for units the nominal methodology leaves unranked.
    ok : ndarray of bool, shape (samples,)
        False for failed samples.
    count : bool
        Return the (units, bins) rank counts; otherwise leave the counting to the caller and return the
        compacted ranks.
    keep : bool
        Return the compacted ranks (int16, 0 = unranked or failed) even when counting here.
    top_k : int, optional
        Count, per sample, the units with nominal rank <= top_k whose rank is <= top_k
        (:func:`~dti_bench.metrics.stability.top_k_retained`; NaN for a failed sample).
    width : int
        Ranks per bin of the counts: ``frequency[u, (r - 1) // width]``.
    count_top, within : optional
        The k of the per-unit counts of ranks <= k and the m of the count within ±m places of the nominal rank
        (:class:`~dti_bench.metrics.rank_distribution.RankMoments`, returned whatever ``count``).

    Returns
    -------
    _Statistics
        The same whichever path computes it (exactly, but for ρ, which may differ in the last bits): the usual
        chunk, where every sample succeeded and ranks every unit, takes :func:`_statistics_all_ranked` (integer
        arithmetic, no masks, ~7x faster); anything else takes :func:`_statistics_masked`. Both compute ρ as
        :func:`dti_bench.metrics.stability.spearman` defines it: on the average ranks of the units ranked in both
        (ties share their mean rank), not on the 'min' ranks the engine publishes.
    """
    if _all_ranked(ranks, nominal, ok):
        return _statistics_all_ranked(ranks, nominal, count=count, keep=keep, top_k=top_k, width=width,
                                      count_top=count_top, within=within)
    return _statistics_masked(ranks, nominal, ok, count=count, keep=keep, top_k=top_k, width=width,
                              count_top=count_top, within=within)


def _all_ranked(ranks: np.ndarray, nominal: np.ndarray, ok: np.ndarray) -> bool:
    """May :func:`_statistics_all_ranked` reduce this block: no failed sample, no NaN rank on either side?

    The NaN test is one sum over the block (a NaN or infinity anywhere makes it non-finite), cheaper than a
    mask; the block's ranks are taken to be what the engine promises, whole 'min' ranks from 1 to the number
    of units, and the (short) nominal vector is checked to be so. Beyond 2^15 units ranks leave int16 and the
    exact integer sums of ρ approach int64's range.
    """
    n_units = ranks.shape[1]
    return bool(0 < n_units < 2 ** 15 and ok.all() and np.isfinite(nominal).all()
                and nominal.min() >= 1 and nominal.max() <= n_units and np.array_equal(nominal, np.floor(nominal))
                and np.isfinite(ranks.sum()))


def _statistics_all_ranked(ranks: np.ndarray, nominal: np.ndarray, *, count: bool, keep: bool,
                           top_k: int | None = None, width: int = 1, count_top: Sequence[int] = (),
                           within: int | None = None) -> _Statistics:
    """:func:`_chunk_statistics` when every sample ranks every unit and so does the nominal methodology.

    Ranks are whole numbers up to the number of units, so everything runs on int16 ranks and one int16 array
    of absolute differences: the counts are one bincount over ``rank + unit·units`` positions, and Spearman's
    ρ (average ranks, :func:`_spearman_all_ranked`) comes from exact integer sums, the same value the masked path
    computes (to rounding, ~1e-15).
    """
    n_units = ranks.shape[1]
    r = ranks.astype(np.int16)                                  # exact: whole ranks 1..units < 2^15
    ref = nominal.astype(np.int16)
    shift = r - ref
    np.abs(shift, out=shift)                                    # |shift| < units: no int16 overflow
    abs_shift = shift.sum(axis=0, dtype=np.int64)
    # the masked path divides float sums by the float count of units; both are exact whole numbers, so
    # dividing the same two numbers here gives the same double
    rbar = shift.sum(axis=1, dtype=np.int64) / n_units
    max_shift = shift.max(axis=1).astype(float)
    frequency = None
    if count and width == 1:
        # unit u's rank k lands at u·units + k − 1 of the flattened (units, units) matrix
        offset = np.arange(n_units, dtype=np.intp) * n_units - 1
        frequency = np.bincount((r + offset).ravel(), minlength=n_units * n_units).reshape(n_units, n_units)
        frequency = frequency.astype(FREQUENCY_DTYPE, copy=False)
    elif count:
        frequency = np.zeros((n_units, n_bins(n_units, width)), dtype=FREQUENCY_DTYPE)
        count_ranks(frequency, r, width)
    moments = RankMoments.of(r, top_k=count_top, nominal=nominal, within=within)
    rho = _spearman_all_ranked(r, ref)
    retained = None
    if top_k is not None:
        k = min(top_k, n_units)  # every rank is <= units, so a deeper k changes nothing (and stays within int16)
        retained = (r[:, ref <= k] <= k).sum(axis=1).astype(float)
    return _Statistics(frequency, abs_shift, rbar, max_shift, rho, r if keep or not count else None, retained,
                       moments)


def _spearman_all_ranked(r: np.ndarray, ref: np.ndarray) -> np.ndarray:
    r"""Spearman ρ of each row of ``r`` (samples, units) with ``ref`` (units,), both whole ranks in 1..units.

    ρ as :func:`dti_bench.metrics.stability.spearman` defines it, Pearson's r of the average ranks, computed
    without sorting. With :math:`a, b` twice the average ranks (whole numbers) of a row and of ``ref``,

    .. math:: \rho = \frac{n\sum ab - \sum a \sum b}{\sqrt{(n\sum a^2 - (\sum a)^2)(n\sum b^2 - (\sum b)^2)}}

    (the factor 2 cancels). ``ref`` goes through :func:`_doubled_average_ranks`. The rows of ``r`` are the
    engine's 'min' ranks, whose sum is :math:`n(n+1)/2` exactly when the row has no tie (a tie puts a unit below
    its position in every tie-breaking order): those rows are their own average ranks, :math:`a = 2r`, and only
    the tied rows are counted out by :func:`_doubled_average_ranks`, so a chunk of tie-free samples costs what
    Pearson's r of the 'min' ranks cost. The sums are exact in int64 (each at most
    :math:`4\,\text{units}^4 < 2^{62}` for fewer than 2^15 units), so the only rounding is the final square root
    and division; NaN where either side is constant (or there is one unit), as in :func:`_spearman_rows`.
    """
    n = r.shape[1]
    b = _doubled_average_ranks(ref.reshape(1, -1), n)[0].astype(np.int64)
    half_sum = r.sum(axis=1, dtype=np.int64)
    a_sum = 2 * half_sum
    a_sq = 4 * np.einsum("ij,ij->i", r, r, dtype=np.int64)
    ab = 2 * np.einsum("ij,j->i", r, b, dtype=np.int64)
    tied = np.flatnonzero(half_sum != n * (n + 1) // 2)
    if tied.size:
        a = _doubled_average_ranks(r[tied], n)
        a_sum[tied] = a.sum(axis=1, dtype=np.int64)
        a_sq[tied] = np.einsum("ij,ij->i", a, a, dtype=np.int64)
        ab[tied] = np.einsum("ij,j->i", a, b, dtype=np.int64)
    b_sum, b_sq = int(b.sum()), int(b @ b)
    num = n * ab - a_sum * b_sum                                # 4n² times the covariance sum: exact
    var_a = n * a_sq - a_sum * a_sum
    var_b = n * b_sq - b_sum * b_sum
    den = np.sqrt(var_a.astype(float) * float(var_b))
    return np.divide(num.astype(float), den, out=np.full(len(num), np.nan), where=den > 0)


def _doubled_average_ranks(r: np.ndarray, top: int) -> np.ndarray:
    """Twice the average rank of every entry of ``r`` (rows, units) within its row, for whole numbers 1..``top``.

    A value ``v`` met ``t`` times in a row, above ``m`` smaller entries, has the average rank ``m + (t + 1)/2``
    (the mean of positions ``m + 1 .. m + t``), so twice it is the whole number ``2m + t + 1``: for 'min' ranks
    (``m = v - 1``) that is ``2v + t - 1``. ``t`` and ``m`` come from one bincount of the row's values and its
    running sum, without sorting; any whole numbers in 1..``top`` work, 'min' ranks or not. A value no valid entry
    takes can mark the entries to leave out: given the largest value, they are below no other entry.

    Returns
    -------
    ndarray of int32, ``r.shape``
        Exact: at most ``2·units``.
    """
    rows, n = r.shape
    # entry (row, v) sits at row·(top + 1) + v of the flattened (rows, top + 1) count table
    flat = (r + (np.arange(rows, dtype=np.intp) * (top + 1))[:, None]).ravel()
    ties = np.bincount(flat, minlength=rows * (top + 1)).astype(np.int32).reshape(rows, top + 1)
    # 2m + t + 1 with m = (running count up to v) - t: one table per row and value, then one gather
    table = 2 * np.cumsum(ties, axis=1, dtype=np.int32) - ties + 1
    return table.ravel()[flat].reshape(rows, n)


def _statistics_masked(ranks: np.ndarray, nominal: np.ndarray, ok: np.ndarray, *, count: bool,
                       keep: bool, top_k: int | None = None, width: int = 1, count_top: Sequence[int] = (),
                       within: int | None = None) -> _Statistics:
    """:func:`_chunk_statistics` for any block: failed samples and units unranked on either side masked out."""
    n_units = ranks.shape[1]
    valid = ok[:, None] & ~np.isnan(ranks)
    compact = np.where(valid, ranks, 0).astype(np.int16 if n_units < 2 ** 15 else np.int32)  # 0 = not ranked
    frequency = None  # when not counting here: a (units, bins) partial would outweigh the ranks
    if count:
        frequency = np.zeros((n_units, n_bins(n_units, width)), dtype=FREQUENCY_DTYPE)
        count_ranks(frequency, compact, width)
    moments = RankMoments.of(compact, top_k=count_top, nominal=nominal, within=within)
    # failed samples have NaN ranks, so the shift metrics give them NaN; units unranked on either side are skipped
    shift = np.abs(ranks - nominal[None, :])
    abs_shift = np.where(np.isnan(shift), 0, shift).sum(axis=0).astype(np.int64)
    rbar = mean_abs_shift(nominal, ranks)
    max_shift = max_abs_shift(nominal, ranks)
    rho = _spearman_rows(ranks, nominal, ok)
    retained = None
    if top_k is not None:
        retained = np.where(ok, top_k_retained(nominal, ranks, top_k), np.nan)  # a failed sample keeps nothing
    return _Statistics(frequency, abs_shift, rbar, max_shift, rho, compact if keep or not count else None,
                       retained, moments)


def _spearman_rows(ranks: np.ndarray, nominal: np.ndarray, ok: np.ndarray) -> np.ndarray:
    r"""Spearman ρ of each row with the nominal ranks over the units ranked in both, as
    :func:`dti_bench.metrics.stability.spearman` defines it (the average ranks among those units); NaN for failed
    rows, fewer than two such units or a constant side.

    Vectorised over rows without sorting when every rank is a whole number in 1..units (the engine's 'min'
    ranks): each side is re-ranked among the row's units ranked in both by :func:`_doubled_average_ranks`, the
    others sent to a value above every rank, and ρ comes from exact integer sums over the :math:`m` units kept,
    :math:`\rho = (m\sum ab - \sum a \sum b) / \sqrt{(m\sum a^2 - (\sum a)^2)(m\sum b^2 - (\sum b)^2)}`. Any other
    input goes to :func:`~dti_bench.metrics.stability.spearman` itself (a sort per row, several times slower).
    The sums are exact in int64 below 2^20 units (each at most :math:`4\,\text{units}^3 < 2^{62}`); from 2^15
    units, where ranks leave int16, the products of sums that make the numerator and variances (up to
    :math:`4\,\text{units}^4`) are formed in Python integers, so they stay exact there too.
    """
    n = ranks.shape[1]
    both = ok[:, None] & ~np.isnan(ranks) & ~np.isnan(nominal)[None, :]
    a = np.where(both, ranks, 1.0)
    b = np.where(np.isnan(nominal), 1.0, nominal)
    if not (n + 1 < 2 ** 20 and _whole_in(a, n) and _whole_in(b, n)):  # exact int64 sums
        return spearman(nominal, np.where(ok[:, None], ranks, np.nan))
    small = n + 1 < 2 ** 15                                     # int16 ranks; products of sums within int64
    rank_type = np.int16 if small else np.int32
    out_of_row = n + 1                                          # above every rank: below nothing that is kept
    da = _doubled_average_ranks(np.where(both, a, out_of_row).astype(rank_type), out_of_row)
    db = _doubled_average_ranks(np.where(both, b[None, :], out_of_row).astype(rank_type), out_of_row)
    da = np.where(both, da, 0)
    db = np.where(both, db, 0)
    m = both.sum(axis=1, dtype=np.int64)
    a_sum, b_sum = da.sum(axis=1, dtype=np.int64), db.sum(axis=1, dtype=np.int64)
    sums = (m, a_sum, b_sum, np.einsum("ij,ij->i", da, db, dtype=np.int64),
            np.einsum("ij,ij->i", da, da, dtype=np.int64), np.einsum("ij,ij->i", db, db, dtype=np.int64))
    if not small:  # one value per row: Python integers cost nothing here and cannot overflow
        sums = tuple(x.astype(object) for x in sums)
    m, a_sum, b_sum, ab, aa, bb = sums
    num = (m * ab - a_sum * b_sum).astype(float)
    var_a = (m * aa - a_sum * a_sum).astype(float)
    var_b = (m * bb - b_sum * b_sum).astype(float)
    den = np.sqrt(var_a * var_b)
    return np.divide(num, den, out=np.full(len(num), np.nan), where=den > 0)


def _whole_in(values: np.ndarray, top: int) -> bool:
    """Are all ``values`` whole numbers in 1..``top``?"""
    return bool(values.size == 0 or (values.min() >= 1 and values.max() <= top
                                     and np.array_equal(values, np.floor(values))))


@dataclass(frozen=True, eq=False, repr=False)
class UncertaintyResult(Result):
    """The reduced Monte Carlo run: each unit's rank distribution and the per-sample stability metrics.

    Attributes
    ----------
    units, unit_names : tuple of str
    node : str
        The composite analysed.
    samples : int
    nominal_ranks : ndarray, (units,)
        The reference ranks (NaN: unranked).
    frequency : ndarray of int, (units, bins)
        The rank histogram: ``frequency[u, (r - 1) // rank_bin_width]`` counts the samples in which unit u
        ranked in the bin of r; with ``rank_bin_width`` 1 (up to ``rank_bins`` units), ``frequency[u, r - 1]``
        counts the samples in which u ranked r, exactly.
    abs_shift : ndarray of int, (units,)
        Σ over samples of ``|rank − nominal rank|``.
    rbar, max_shift, spearman : ndarray, (samples,)
        Per-sample R̄s, largest shift and Spearman ρ with the nominal ranks (NaN for a failed sample).
    failed : dict of int to str
        Failed samples and why.
    ranks : ndarray of int16, (samples, units), optional
        Every sample's ranks (0 = unranked), when kept.
    slow_variants : int
    top_k_robustness : mapping, optional
        ``{k, within, share}`` of the top-k statement (:meth:`top_k_summary`); None: not computed.
    top_k_retained : ndarray, (samples,), optional
        Per sample, how many units of the nominal top ``k`` are in the top ``k`` (NaN for a failed sample).
    rank_bin_width : int
        Ranks per bin of ``frequency`` (1: exact counts).
    moments : RankMoments, optional
        Exact per-unit sums streamed by the run (:class:`~dti_bench.metrics.rank_distribution.RankMoments`):
        samples ranked, rank sums and sums of squares, smallest and largest rank, counts of ranks <= k for the
        run's ``top_k`` and within ±m places. None: derived from ``frequency`` (only with bin width 1).

    Notes
    -----
    Exact whatever the bin width: ``mean_rank``, ``mean_abs_shift``, ``p_top<k>`` for every k the run counted
    (``top_k`` and the top-k statement's k), ``p_within<m>``, the top-k statement, stability.csv and
    rank_statistics.csv (mean, sd, min, max). Within ``rank_bin_width - 1`` ranks of the exact value:
    ``median_rank``, ``q05_rank``, ``q95_rank`` (exact when the width is 1).
    """

    units: tuple[str, ...]
    unit_names: tuple[str, ...]
    node: str
    samples: int
    nominal_ranks: np.ndarray
    frequency: np.ndarray
    abs_shift: np.ndarray
    rbar: np.ndarray
    max_shift: np.ndarray
    spearman: np.ndarray
    failed: dict[int, str]
    ranks: np.ndarray | None = None
    slow_variants: int = 0
    top_k_robustness: Mapping[str, Any] | None = None
    top_k_retained: np.ndarray | None = None
    rank_bin_width: int = 1
    moments: RankMoments | None = None

    @property
    def n_ok(self) -> int:
        """The number of samples that produced an index (``samples`` less the failed ones).

        Examples
        --------
        >>> import dti_bench as db
        >>> fw, ds = db.load_framework("dti-provincial-2022"), db.load_dataset("dti2022-published-profiles")
        >>> result = db.uncertainty(fw, ds, None, [db.factors.weight_noise(0.25)], n=100, seed=1)
        >>> result.n_ok
        100
        """
        return self.samples - len(self.failed)

    def to_frame(self, top_k: Sequence[int] = DEFAULT_TOP_K) -> pd.DataFrame:
        """uncertainty.csv as a DataFrame: each unit's nominal, median and mean rank, its 5-95 % rank band
        (``q05_rank``, ``q95_rank``), mean absolute shift and top-k probabilities (see :meth:`table`).

        Examples
        --------
        COINr's rank statistics of ``get_sensitivity(coin, SA_specs, N = 100, SA_type = "UA", ...)``:

        >>> import dti_bench as db
        >>> fw, ds = db.load_framework("dti-provincial-2022"), db.load_dataset("dti2022-published-profiles")
        >>> result = db.uncertainty(fw, ds, None, [db.factors.weight_noise(0.25)], n=100, seed=1)
        >>> result.to_frame().set_index('unit')[['nominal_rank', 'q05_rank', 'q95_rank']]
                        nominal_rank  q05_rank  q95_rank
        unit
        da_nang                    1         1         1
        ho_chi_minh                2         2         2
        quang_ninh                 3         3         5
        thua_thien_hue             4         3         5
        can_tho                    5         4         5
        """
        return self.table(top_k)

    def tables(self, top_k: Sequence[int] = DEFAULT_TOP_K) -> dict[str, pd.DataFrame]:
        """uncertainty.csv, rank_frequency.csv, rank_statistics.csv and stability.csv.

        Examples
        --------
        >>> import dti_bench as db
        >>> fw, ds = db.load_framework("dti-provincial-2022"), db.load_dataset("dti2022-published-profiles")
        >>> result = db.uncertainty(fw, ds, None, [db.factors.weight_noise(0.25)], n=100, seed=1)
        >>> sorted(result.tables())
        ['rank_frequency.csv', 'rank_statistics.csv', 'stability.csv', 'uncertainty.csv']
        """
        return {"uncertainty.csv": self.table(top_k), "rank_frequency.csv": self.frequency_table(),
                "rank_statistics.csv": self.rank_statistics(), "stability.csv": self.stability()}

    def describe(self) -> str:
        """One line: what was analysed and its headline number.

        Examples
        --------
        >>> import dti_bench as db
        >>> fw, ds = db.load_framework("dti-provincial-2022"), db.load_dataset("dti2022-published-profiles")
        >>> result = db.uncertainty(fw, ds, None, [db.factors.weight_noise(0.25)], n=100, seed=1)
        >>> result.describe()
        'DTI, 100 samples (0 failed), 5 units, mean |rank shift| 0.11'
        """
        rbar = self.summary()["mean_abs_rank_shift"]
        return (f"{self.node}, {self.samples:,} samples ({len(self.failed)} failed), {len(self.units)} units, "
                f"mean |rank shift| {'–' if rbar is None else f'{rbar:.2f}'}")

    def _moments(self, top_k: Sequence[int] = ()) -> RankMoments:
        """The exact per-unit sums, with a count of ranks <= k for every ``k`` of ``top_k``: the run's own, else
        (bin width 1) recounted from the exact table; a k the run did not count at a larger width is refused."""
        settings = self.top_k_robustness
        within = settings["within"] if settings else None
        have = self.moments
        missing = [k for k in top_k if have is None or k not in have.top]
        if have is not None and not missing and (within is None or have.within_m == within):
            return have
        if self.rank_bin_width == 1:
            wanted = sorted(set(top_k) | set(have.top if have is not None else ()))
            return RankMoments.from_counts(self.frequency, top_k=wanted, nominal=self.nominal_ranks, within=within)
        if have is None:
            raise MethodError("uncertainty: a binned rank histogram (rank_bin_width > 1) needs the run's exact "
                              "rank moments")
        # a bin boundary k is still exact from the histogram; anything else was not counted
        _, last_ranks = bin_edges(len(self.units), self.rank_bin_width)
        exact_k = set(int(r) for r in last_ranks)
        absent = [k for k in missing if k not in exact_k and k < len(self.units)]
        if absent:
            raise MethodError(f"top_k: p_top{absent[0]} was not counted by the run, whose rank bins are "
                              f"{self.rank_bin_width} ranks wide; valid choices: {choices(sorted(have.top))} "
                              f"(or pass top_k=[...] to uncertainty())")
        top = dict(have.top)
        for k in missing:
            top[k] = self._count_at_most(k)
        return RankMoments(have.ranked, have.rank_sum, have.rank_sq, have.rank_min, have.rank_max, top, have.within,
                           have.within_m)

    def _count_at_most(self, k: int) -> np.ndarray:
        """Samples with rank <= k per unit, from the histogram, for a k at a bin's end (or beyond the last rank)."""
        bins = -(-min(k, len(self.units)) // self.rank_bin_width)
        return self.frequency[:, :bins].sum(axis=1, dtype=np.int64)

    def table(self, top_k: Sequence[int] = DEFAULT_TOP_K) -> pd.DataFrame:
        """uncertainty.csv: unit, nominal_rank, median_rank, mean_rank, q05_rank, q95_rank, mean_abs_shift,
        then p_top<k> for each k (and for the top-k statement's k when it is not among them), then p_within<m>
        (with the top-k statement: the share of the unit's samples within ±m places of its nominal rank).

        Computed from (units,) sums and the (units, bins) histogram in blocks of units: no (units, units) floats.
        The quantile columns are exact at bin width 1 and within ``rank_bin_width - 1`` ranks otherwise; every
        other column is exact. A ``k`` the run did not count at a bin width above 1 raises MethodError.

        Examples
        --------
        >>> import dti_bench as db
        >>> fw, ds = db.load_framework("dti-provincial-2022"), db.load_dataset("dti2022-published-profiles")
        >>> result = db.uncertainty(fw, ds, None, [db.factors.weight_noise(0.25)], n=100, seed=1)
        >>> result.table(top_k=[1]).columns.tolist()
        ['unit', 'nominal_rank', 'median_rank', 'mean_rank', 'q05_rank', 'q95_rank', 'mean_abs_shift', 'p_top1',
        'p_top10', 'p_within3', 'name']
        """
        settings = self.top_k_robustness
        depths = list(top_k) + ([settings["k"]] if settings and settings["k"] not in top_k else [])
        m = self._moments(depths)
        counts = m.ranked
        n_ranks = len(self.units)

        quantiles = histogram_quantiles(self.frequency, self.rank_bin_width, (0.05, 0.5, 0.95), n_ranks,
                                        rank_min=m.rank_min, rank_max=m.rank_max, long=self._long_counts)
        q05, median, q95 = (pd.arrays.IntegerArray(q, q == 0) for q in quantiles)  # 0: never ranked (NA)

        with np.errstate(invalid="ignore", divide="ignore"):
            mas = self.abs_shift / counts
        table = pd.DataFrame({
            "unit": self.units,
            "nominal_rank": pd.array(np.where(np.isnan(self.nominal_ranks), pd.NA, self.nominal_ranks), dtype="Int64"),
            "median_rank": median,
            "mean_rank": m.mean(),
            "q05_rank": q05,
            "q95_rank": q95,
            "mean_abs_shift": mas,
        })
        for k in depths:
            table[f"p_top{k}"] = m.share(m.top[k])
        if settings:
            table[f"p_within{settings['within']}"] = _within_share(m, self.nominal_ranks)
        table["name"] = self.unit_names  # after the contract columns (the documented uncertainty.csv), not among them
        return table

    def frequency_table(self) -> pd.DataFrame:
        """rank_frequency.csv, long and sparse: ``unit, rank_lo, rank_hi, count, share``, one row per unit and rank
        bin that holds at least one sample (units in run order, bins in rank order).

        ``count`` is the exact number of successful samples in which the unit ranked from ``rank_lo`` to
        ``rank_hi`` (equal at bin width 1: one row per rank), ``share`` that count over the unit's ranked
        samples; each unit's counts add up to its ranked samples. At most units x min(bins, samples) rows, so
        the table grows linearly in units (the wide units x units table of earlier versions did not).

        Examples
        --------
        >>> import dti_bench as db
        >>> fw, ds = db.load_framework("dti-provincial-2022"), db.load_dataset("dti2022-published-profiles")
        >>> result = db.uncertainty(fw, ds, None, [db.factors.weight_noise(0.25)], n=100, seed=1)
        >>> freq = result.frequency_table()
        >>> freq.columns.tolist()
        ['unit', 'rank_lo', 'rank_hi', 'count', 'share']
        >>> freq.groupby("unit")["count"].sum().tolist()   # each unit's counts add up to its ranked samples
        [100, 100, 100, 100, 100]
        """
        unit, b, count = self._long_counts
        lo, hi = bin_edges(len(self.units), self.rank_bin_width)
        ranked = self.frequency.sum(axis=1, dtype=np.int64)
        return pd.DataFrame({"unit": np.asarray(self.units, dtype=object)[unit], "rank_lo": lo[b], "rank_hi": hi[b],
                             "count": count, "share": count / ranked[unit]})

    @functools.cached_property
    def _long_counts(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The histogram's nonzero cells (:func:`~dti_bench.metrics.rank_distribution.long_counts`), found once
        for the quantiles and rank_frequency.csv."""
        return long_counts(self.frequency)

    def rank_statistics(self) -> pd.DataFrame:
        """rank_statistics.csv: ``unit, samples_ranked, mean_rank, sd_rank, min_rank, max_rank, name``, exact
        whatever the bin width (:class:`~dti_bench.metrics.rank_distribution.RankMoments`; ``sd_rank`` with
        divisor ``samples_ranked``; empty where never ranked).

        Examples
        --------
        >>> import dti_bench as db
        >>> fw, ds = db.load_framework("dti-provincial-2022"), db.load_dataset("dti2022-published-profiles")
        >>> result = db.uncertainty(fw, ds, None, [db.factors.weight_noise(0.25)], n=100, seed=1)
        >>> stats = result.rank_statistics()
        >>> stats.columns.tolist()
        ['unit', 'samples_ranked', 'mean_rank', 'sd_rank', 'min_rank', 'max_rank', 'name']
        >>> bool((stats.min_rank <= stats.mean_rank).all() and (stats.mean_rank <= stats.max_rank).all())
        True
        """
        m = self._moments()
        seen = m.ranked > 0
        return pd.DataFrame({
            "unit": self.units, "samples_ranked": m.ranked, "mean_rank": m.mean(), "sd_rank": m.sd(),
            "min_rank": pd.array(np.where(seen, m.rank_min, pd.NA), dtype="Int64"),
            "max_rank": pd.array(np.where(seen, m.rank_max, pd.NA), dtype="Int64"),
            "name": self.unit_names,
        })

    def stability(self) -> pd.DataFrame:
        """stability.csv: per-sample rank-stability metrics summarised (mean, 5 %, median, 95 %): R̄s, the largest
        shift, Spearman's ρ and, with the top-k statement, ``top<k>_retained`` (how many of the nominal top k
        are in the sample's top k).

        Examples
        --------
        >>> import dti_bench as db
        >>> fw, ds = db.load_framework("dti-provincial-2022"), db.load_dataset("dti2022-published-profiles")
        >>> result = db.uncertainty(fw, ds, None, [db.factors.weight_noise(0.25)], n=100, seed=1)
        >>> result.stability().columns.tolist()
        ['metric', 'mean', 'q05', 'median', 'q95']
        """
        rows = []
        metrics = [("mean_abs_shift", self.rbar), ("max_abs_shift", self.max_shift), ("spearman", self.spearman)]
        if self.top_k_robustness and self.top_k_retained is not None:
            metrics.append((f"top{self.top_k_robustness['k']}_retained", self.top_k_retained))
        for name, values in metrics:
            v = values[~np.isnan(values)]
            if v.size:
                q = np.quantile(v, [0.05, 0.5, 0.95])
                rows.append({"metric": name, "mean": float(v.mean()), "q05": q[0], "median": q[1], "q95": q[2]})
            else:
                rows.append({"metric": name, "mean": np.nan, "q05": np.nan, "median": np.nan, "q95": np.nan})
        return pd.DataFrame(rows)

    def summary(self) -> dict[str, Any]:
        """Index-level numbers for the manifest: samples, failures (with their most common reasons), R̄s and the
        top-k statement (:meth:`top_k_summary`).

        Examples
        --------
        >>> import dti_bench as db
        >>> fw, ds = db.load_framework("dti-provincial-2022"), db.load_dataset("dti2022-published-profiles")
        >>> result = db.uncertainty(fw, ds, None, [db.factors.weight_noise(0.25)], n=100, seed=1)
        >>> s = result.summary()
        >>> s['samples'], s['failed']
        (100, 0)
        """
        reasons = Counter(self.failed.values()).most_common(5)
        ok = ~np.isnan(self.rbar)
        out = {
            "node": self.node, "samples": self.samples, "failed": len(self.failed),
            "failure_reasons": [{"reason": r, "count": c} for r, c in reasons],
            "mean_abs_rank_shift": float(self.rbar[ok].mean()) if ok.any() else None,
            "slow_path_variants": self.slow_variants,
            "rank_bin_width": self.rank_bin_width,
        }
        top = self.top_k_summary()
        if top is not None:
            out["top_k_robustness"] = top
        return out

    def top_k_summary(self) -> dict[str, Any] | None:
        r"""The JRC audit statement on the nominal top ``k``; None when not asked for.

        The nominal top ``k`` is :math:`T_0 = \{u : r^0_u \le k\}` ('min' ranks: a tie at ``k`` brings every
        tied unit in, so :math:`|T_0|` may exceed ``k``; a unit the nominal methodology leaves unranked is not in
        it). A unit of :math:`T_0` *stays in the top k* when :math:`P(r_u \le k) \ge s` and *stays within ±m*
        when :math:`P(|r_u - r^0_u| \le m) \ge s`, both shares over the samples in which it is ranked (as
        ``p_top<k>``), :math:`s` = ``share``.

        Returns
        -------
        dict
            ``k, within, share``; ``nominal_top_k`` (:math:`|T_0|`), ``stay_top_k``, ``stay_within`` (counts of
            :math:`T_0`); ``leaving_top_k`` (codes of the units of :math:`T_0` that do not stay, in nominal
            order); ``median_retained`` (median over successful samples of ``top<k>_retained``, None without
            one); ``statement`` (one sentence).

        Examples
        --------
        >>> import dti_bench as db
        >>> fw, ds = db.load_framework("dti-provincial-2022"), db.load_dataset("dti2022-published-profiles")
        >>> result = db.uncertainty(fw, ds, None, [db.factors.weight_noise(0.25)], n=100, seed=1,
        ...                         top_k_robustness={"k": 3, "within": 1})
        >>> top = result.top_k_summary()
        >>> top["k"], top["nominal_top_k"], top["stay_top_k"]
        (3, 3, 2)
        >>> print(top["statement"])
        2 of the nominal top 3 stay in the top 3 in at least 90 % of samples;
        3 stay within ±1 places of their nominal rank
        """
        settings = self.top_k_robustness
        if not settings:
            return None
        k, m, share = settings["k"], settings["within"], settings["share"]
        moments = self._moments([k])
        p_top = moments.share(moments.top[k])
        p_within = _within_share(moments, self.nominal_ranks)
        nominal = np.where(np.isnan(self.nominal_ranks), np.inf, self.nominal_ranks)
        top = nominal <= k
        stays = top & (p_top >= share - _SHARE_TOLERANCE)  # NaN (never ranked) compares False: does not stay
        within = top & (p_within >= share - _SHARE_TOLERANCE)
        order = np.argsort(nominal, kind="stable")
        leaving = [self.units[i] for i in order if top[i] and not stays[i]]
        retained = None if self.top_k_retained is None else self.top_k_retained[~np.isnan(self.top_k_retained)]
        n_top, n_stay, n_within = int(top.sum()), int(stays.sum()), int(within.sum())
        who = f"of the nominal top {k}" if n_top == k else f"of the {n_top} units in the nominal top {k}"
        return {
            "k": k, "within": m, "share": share, "nominal_top_k": n_top, "stay_top_k": n_stay,
            "stay_within": n_within, "leaving_top_k": leaving,
            "median_retained": float(np.median(retained)) if retained is not None and retained.size else None,
            "statement": (f"{n_stay} {who} {_stay(n_stay)} in the top {k} in at least {100 * share:g} % of samples; "
                          f"{n_within} {_stay(n_within)} within ±{m} places of {'its' if n_within == 1 else 'their'} "
                          f"nominal rank"),
        }


def _stay(count: int) -> str:
    return "stays" if count == 1 else "stay"


def _within_share(moments: RankMoments, nominal: np.ndarray) -> np.ndarray:
    """Each unit's share of its samples with ``|rank - nominal rank| <= m``, from the exact streamed count; NaN
    where the nominal rank is missing or the unit was never ranked."""
    assert moments.within is not None  # counted whenever the top-k statement is asked for, the only caller
    share = moments.share(moments.within.astype(float))
    return np.where(np.isnan(nominal), np.nan, share)


def uncertainty(framework: Framework, data: Dataset | pd.DataFrame, methodology: Methodology | Mapping | None,
                factors: Sequence[FactorSpec | Mapping[str, Any] | Factor], *, n: int = UncertaintySpec.samples,
                seed: int = UncertaintySpec.seed, node: str | None = None, chunk_size: int | None = DEFAULT_CHUNK,
                executor: str = UncertaintySpec.executor, workers: int | None = None, address: str | None = None,
                reference: Dataset | None = None, keep_ranks: bool = False,
                top_k_robustness: Mapping[str, Any] | bool | None = DEFAULT_TOP_K_ROBUSTNESS,
                progress: bool = False, top_k: Sequence[int] = DEFAULT_TOP_K,
                rank_bins: int = UncertaintySpec.rank_bins) -> UncertaintyResult:
    r"""Monte Carlo uncertainty analysis of ``node``'s ranks over methodology ``factors``.

    Each sample draws one value of every factor (a normalisation, an aggregation, perturbed weights ...), builds
    that variant of the index and ranks it; the result is every unit's rank distribution and, per sample, the
    mean absolute rank shift :math:`\bar R_S = \mathrm{mean}_u |r_u - r_u^{0}|` against the nominal ranks
    (Saisana, Saltelli & Tarantola 2005).

    Parameters
    ----------
    framework : Framework
    data : Dataset or DataFrame
    methodology : Methodology, dict or None
        The nominal methodology (None: the framework's official one, else the package default).
    factors : sequence
        :mod:`dti_bench.factors` constructors, their dict form, or resolved factors.
    n : int
        Monte Carlo sample size.
    seed : int
        Fixes the draws: sample i is the same whatever ``chunk_size`` or ``executor``.
    node : str, optional
        The composite analysed (default: the headline).
    chunk_size : int, optional
        Variants per chunk (default: sized to 256 MiB of working memory).
    executor : {'serial', 'process', 'dask'}
        Where chunks run (:func:`dti_bench.engine.executors.run_tasks`).
    workers : int, optional
        Worker processes of the process and dask executors.
    address : str, optional
        A dask scheduler to connect to.
    reference : Dataset, optional
        Normalisation statistics from these data (see :func:`~dti_bench.index.compute_index`).
    keep_ranks : bool
        Keep every sample's ranks, shape (samples, units), int16 (0 = unranked or failed).
    top_k_robustness : mapping, optional
        ``{k, within, share}`` (default ``{k: 10, within: 3, share: 0.9}``; missing keys take their defaults,
        ``True`` all of them): the JRC audit statement on the nominal top ``k``, how many stay in the top ``k``
        and within ``±within`` places in at least ``share`` of the samples (:meth:`UncertaintyResult.top_k_summary`),
        the ``p_within<m>`` column and the per-sample ``top<k>_retained``. None or False: not computed.
    progress : bool
        Show a progress bar (tqdm) over the chunks.
    top_k : sequence of int
        The k of the ``p_top<k>`` columns, counted exactly as the samples stream (default ``[1, 3, 10]``).
    rank_bins : int
        Bins of each unit's rank histogram (default 1000): exact rank counts up to this many units; above, bins
        of ``ceil(units / rank_bins)`` ranks, so memory grows linearly in units (``rank_bin_width`` in the
        summary; what stays exact: :class:`UncertaintyResult`).

    Returns
    -------
    UncertaintyResult
        ``.to_frame()``: one row per unit (nominal, median and mean rank, ``q05_rank``/``q95_rank``, mean absolute
        shift, top-k probabilities, the share within ±m places); ``.summary()["top_k_robustness"]``: the top-k
        statement.

    Notes
    -----
    A sample whose variant cannot be computed (a geometric mean meeting a zero) is counted as failed, with its
    reason, and left out of every statistic. Percentile ranks use the inverted empirical CDF, so every reported
    rank is one that occurred.

    References
    ----------
    Saisana, M., Saltelli, A., Tarantola, S. (2005). JRSS A 168(2):307-323.

    Examples
    --------
    >>> import dti_bench as db
    >>> fw, ds = db.load_framework("dti-provincial-2022"), db.load_dataset("dti2022-synthetic")
    >>> result = db.uncertainty(fw, ds, None, [db.factors.weight_noise(0.25)], n=200)
    >>> result
    UncertaintyResult(DTI, 200 samples (0 failed), 63 units, mean |rank shift| 0.71)
    >>> band = result.to_frame().set_index("unit").loc["hai_phong", ["q05_rank", "q95_rank"]]
    >>> top = result.summary()["top_k_robustness"]
    >>> top["nominal_top_k"], top["stay_top_k"] <= top["nominal_top_k"]
    (10, True)
    >>> long = result.frequency_table()  # rank_frequency.csv: long, nonzero rows only; 63 units: exact (w = 1)
    >>> list(long.columns), result.summary()["rank_bin_width"]
    (['unit', 'rank_lo', 'rank_hi', 'count', 'share'], 1)
    >>> bool((long.groupby("unit")["count"].sum() == 200).all())  # each unit's counts: its 200 samples
    True
    >>> binned = db.uncertainty(fw, ds, None, [db.factors.weight_noise(0.25)], n=200, rank_bins=10)  # w = 7
    >>> exact, coarse = result.table().set_index("unit"), binned.table().set_index("unit")
    >>> bool(coarse["mean_rank"].equals(exact["mean_rank"])), binned.rank_bin_width  # exact whatever the width
    (True, 7)
    >>> bool(((coarse["q95_rank"] - exact["q95_rank"]).abs() <= 6).all())  # quantiles: within w - 1 ranks
    True
    """
    data, methodology = inputs(framework, data, methodology)
    factors = parse_factors(factors, framework, methodology)
    top_settings = _top_k_settings(top_k_robustness)
    if node is not None and node not in framework.composites:
        raise ConfigError(f"node: {node!r} is not a composite; valid choices: {choices(framework.composites)}")
    samples, dataset, nominal = n, data, methodology
    node = node or framework.require_headline()
    if isinstance(rank_bins, bool) or not isinstance(rank_bins, (int, np.integer)) or rank_bins < 1:
        raise ConfigError(f"rank_bins: expected a positive whole number, got {rank_bins!r}")
    count_top = tuple(dict.fromkeys([*(int(k) for k in top_k), *([top_settings["k"]] if top_settings else [])]))
    if any(k < 1 for k in count_top):
        raise ConfigError(f"top_k: expected positive whole numbers, got {list(top_k)!r}")
    reference_ranks = nominal_ranks(framework, dataset, nominal, node, reference=reference)
    engine = Engine(framework, dataset, reference=reference)
    chunk_size = chunk_size or default_chunk(framework, len(dataset.units))
    engine.warm(_discrete_methodologies(factors, framework, nominal))
    n = len(dataset.units)
    width = rank_bin_width(n, rank_bins)
    within = None if top_settings is None else top_settings["within"]
    tasks = [Task(nominal, tuple(factors), int(seed), start, min(start + chunk_size, samples), node,
                  reference_ranks, keep_ranks, None if top_settings is None else top_settings["k"], count_top,
                  within, width)
             for start in range(0, samples, chunk_size)]
    bar = _progress(len(tasks), progress)
    frequency = np.zeros((n, n_bins(n, width)), dtype=FREQUENCY_DTYPE)  # (units, bins): linear in units
    moments: RankMoments | None = None
    abs_shift = np.zeros(n, dtype=np.int64)
    per_sample = {k: np.full(samples, np.nan) for k in ("rbar", "max_shift", "spearman", "top_k_retained")}
    # the chunks' compacted ranks are int16 below 2^15 units, int32 above: keep them at the same width
    kept = np.zeros((samples, n), dtype=np.int16 if n < 2 ** 15 else np.int32) if keep_ranks else None
    failed: dict[int, str] = {}
    slow = 0
    # ranks shipped by the chunks wait in one preallocated buffer and are counted when it is full: each count
    # touches the whole (units, bins) histogram, so a buffer of half as many entries (at least 25 million)
    # amortises that, and filling it in place needs no second copy of what waits
    buffer_rows = max(1, max(PARENT_COUNT_ENTRIES, frequency.size // 2) // max(n, 1))
    buffer: np.ndarray | None = None
    filled = 0
    try:
        # reduce each chunk as it arrives: integer sums are exact in any order, per-sample values go to their rows
        for p in run_tasks(run_chunk, tasks, shared=engine, executor=executor, workers=workers, address=address,
                           progress=bar.update if bar else None):
            if p.frequency is not None:
                frequency += p.frequency
            else:
                assert p.ranks is not None  # a chunk that did not count its ranks shipped them
                if buffer is None:
                    buffer = np.empty((min(buffer_rows, samples), n), dtype=p.ranks.dtype)
                block = p.ranks
                while len(block):
                    take = min(len(block), len(buffer) - filled)
                    buffer[filled:filled + take] = block[:take]
                    filled, block = filled + take, block[take:]
                    if filled == len(buffer):
                        count_ranks(frequency, buffer, width)
                        filled = 0
            moments = p.moments if moments is None else moments + p.moments  # type: ignore[operator]
            abs_shift += p.abs_shift
            sl = slice(p.start, p.start + len(p.rbar))
            per_sample["rbar"][sl], per_sample["max_shift"][sl], per_sample["spearman"][sl] = \
                p.rbar, p.max_shift, p.spearman
            if p.top_k_retained is not None:
                per_sample["top_k_retained"][sl] = p.top_k_retained
            if kept is not None:
                kept[sl] = p.ranks  # type: ignore[assignment]
            failed.update(p.failed)
            slow += p.slow
        if filled:
            assert buffer is not None
            count_ranks(frequency, buffer[:filled], width)
    finally:
        if bar:
            bar.close()
    return UncertaintyResult(
        units=dataset.units, unit_names=dataset.unit_names, node=node, samples=samples, nominal_ranks=reference_ranks,
        frequency=frequency, abs_shift=abs_shift, rbar=per_sample["rbar"], max_shift=per_sample["max_shift"],
        spearman=per_sample["spearman"], failed=failed, ranks=kept, slow_variants=slow,
        top_k_robustness=top_settings,
        top_k_retained=None if top_settings is None else per_sample["top_k_retained"], rank_bin_width=width,
        moments=moments)


def _top_k_settings(value: Mapping[str, Any] | bool | None) -> dict[str, Any] | None:
    """The top-k statement's settings with every default filled in, checked as the config block is."""
    if value is None or value is False:
        return None
    return TopKRobustnessSpec.from_block(dict(value) if isinstance(value, Mapping) else value,
                                         "top_k_robustness").to_dict()


def _discrete_methodologies(factors: Sequence[Factor], framework: Framework, nominal: Methodology,
                            limit: int = 256) -> list[Methodology]:
    """Every methodology the choice factors can produce (when there are at most ``limit``), to prepare once."""
    import itertools

    choice = [f for f in factors if f.kind == "choice"]
    if any(f.kind == "range" and f.path != "aggregate.p" for f in factors):
        return [nominal]  # continuous data-changing factors: blocks are prepared as values are drawn
    sizes = [len(f.choices) for f in choice]
    if int(np.prod(sizes, dtype=float)) > limit:
        return [nominal]
    return [methodology_for(nominal, [(f, f.choices[i]) for f, i in zip(choice, combo)], framework)
            for combo in itertools.product(*[range(n) for n in sizes])]


def _progress(total: int, enabled: bool):
    if not enabled or total < 2:
        return None
    try:
        from tqdm import tqdm
    except ImportError:  # the bar is a nicety, never a reason to fail
        return None
    # disable=None: no bar when stderr is not a terminal (a log, CI, a pipe), where it would only leave noise
    return tqdm(total=total, desc="uncertainty", unit="chunk", leave=False, disable=None)
