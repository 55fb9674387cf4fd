"""Monte Carlo uncertainty analysis over methodology factors: rank intervals and rank stability.

For each unit: nominal rank, median, mean, 5th and 95th percentile rank, mean absolute rank shift against
nominal, probability of a top-k place and of staying within ±m places of the nominal rank, and the full
rank-frequency matrix; for the index, the mean absolute rank shift R̄s of Saisana, Saltelli & Tarantola (2005,
JRSS-A 168:307), R̄s = mean_c |rank_ref(c) − rank(c)|, and the JRC audits' top-k statement ("7 of the nominal top
10 stay in the top 10 in at least 90 % of samples").

Statistics stream: each chunk returns integer rank-frequency counts and a few scalars per sample (its R̄s, its
largest shift, its Spearman ρ with the nominal ranks: the package's one definition,
:func:`dti_bench.metrics.stability.spearman`, Pearson's r of the average ranks; how many of the nominal top k
it keeps in the top k), so the per-sample ranks need not be kept (they can be saved with ``save_ranks``).
Integer counts add up exactly in any order, and the per-sample scalars are kept in sample order, so results
are identical whatever the chunk size or executor; every per-unit share (top-k, within ±m) is a ratio of
those counts.

Percentile ranks use the inverted empirical CDF: q_p = the smallest rank r with P(rank <= r) >= p (numpy's
``'inverted_cdf'``), so every reported rank is one that occurred.
"""

from __future__ import annotations

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
from dti_bench.errors import ConfigError, choices
from dti_bench.index import nominal_ranks
from dti_bench.metrics.stability import max_abs_shift, mean_abs_shift, spearman, top_k_retained
from dti_bench.model.dataset import Dataset
from dti_bench.model.framework import Framework
from dti_bench.model.methodology import Methodology

DEFAULT_TOP_K = tuple(UncertaintySpec().top_k)
DEFAULT_TOP_K_ROBUSTNESS = MappingProxyType(UncertaintySpec().top_k_robustness)  # type: ignore[arg-type]
#: A unit "stays" when its share of samples reaches the threshold; the share is a ratio of whole counts, so this
#: only absorbs the rounding of a threshold such as 0.9 (never a whole sample of any run).
_SHARE_TOLERANCE = 1e-12
#: Rank-frequency counts: int32 holds 2^31 samples and halves the (units, units) matrix of large runs.
FREQUENCY_DTYPE = np.int32
#: Above this many units a chunk returns its ranks (int16) and the parent counts them: a (units, units) partial
#: per chunk (400 MB at 10,000 units) would cost more to ship between processes than the ranks.
PARENT_COUNTS_ABOVE = 2000


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


@dataclass
class Partial:
    """What a chunk returns."""

    start: int
    frequency: np.ndarray | None          # (units, units) int32: frequency[u, r - 1]; None: count ``ranks``
    abs_shift: np.ndarray                 # (units,) int64: Σ |rank − nominal| over the chunk
    rbar: np.ndarray                      # (samples,) per-sample R̄s (NaN if failed)
    max_shift: np.ndarray                 # (samples,)
    spearman: np.ndarray                  # (samples,)
    failed: dict[int, str] = field(default_factory=dict)
    ranks: np.ndarray | None = None       # (samples, units) int16, 0 = unranked: when kept or to be counted
    slow: int = 0
    top_k_retained: np.ndarray | None = None  # (samples,) nominal top-k units still in the top k (NaN if failed)


def run_chunk(engine: Engine, task: Task) -> Partial:
    """Evaluate samples ``task.start:task.stop`` and reduce them to counts (the worker side)."""
    fw = engine.framework
    u = monte_carlo(task.factors, task.seed, task.start, task.stop)
    design = to_batch(u, task.factors, fw, task.nominal)
    ev = engine.evaluate(design, rank=[task.node], only=[task.node])  # the node alone: one weighted sum if it can
    ranks = ev.ranks[:, :, 0]                                   # (samples, units), NaN for failed/unranked
    stats = _chunk_statistics(ranks, task.nominal_ranks, ~ev.failed, count=ranks.shape[1] <= PARENT_COUNTS_ABOVE,
                              keep=task.keep_ranks, top_k=task.top_k)
    return Partial(task.start, stats.frequency, stats.abs_shift, stats.rbar, stats.max_shift, stats.spearman,
                   {task.start + i: why for i, why in ev.reasons.items()}, stats.ranks, ev.slow_variants,
                   stats.top_k_retained)


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


def _chunk_statistics(ranks: np.ndarray, nominal: np.ndarray, ok: np.ndarray, *, count: bool,
                      keep: bool, top_k: int | None = None) -> _Statistics:
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
        Return the (units, units) rank-frequency counts; otherwise leave the counting to the caller and return
        the compacted ranks.
    keep : bool
        Return the compacted ranks (int16, 0 = unranked or failed) even when counting here.
    top_k : int, optional
        Count, per sample, the units with nominal rank <= top_k whose rank is <= top_k
        (:func:`~dti_bench.metrics.stability.top_k_retained`; NaN for a failed sample).

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
        return _statistics_all_ranked(ranks, nominal, count=count, keep=keep, top_k=top_k)
    return _statistics_masked(ranks, nominal, ok, count=count, keep=keep, top_k=top_k)


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
                           top_k: int | None = None) -> _Statistics:
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
    if count:
        # unit u's rank k lands at u·units + k − 1 of the flattened (units, units) matrix
        offset = np.arange(n_units, dtype=np.intp) * n_units - 1
        frequency = np.bincount((r + offset).ravel(), minlength=n_units * n_units).reshape(n_units, n_units)
        frequency = frequency.astype(FREQUENCY_DTYPE, copy=False)
    rho = _spearman_all_ranked(r, ref)
    retained = None
    if top_k is not None:
        k = min(top_k, n_units)  # every rank is <= units, so a deeper k changes nothing (and stays within int16)
        retained = (r[:, ref <= k] <= k).sum(axis=1).astype(float)
    return _Statistics(frequency, abs_shift, rbar, max_shift, rho, r if keep or not count else None, retained)


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
                       keep: bool, top_k: int | None = None) -> _Statistics:
    """:func:`_chunk_statistics` for any block: failed samples and units unranked on either side masked out."""
    n_units = ranks.shape[1]
    valid = ok[:, None] & ~np.isnan(ranks)
    compact = np.where(valid, ranks, 0).astype(np.int16 if n_units < 2 ** 15 else np.int32)  # 0 = not ranked
    frequency = None  # when not counting here: a (units, units) partial would outweigh the ranks
    if count:
        frequency = np.zeros((n_units, n_units), dtype=FREQUENCY_DTYPE)
        count_ranks(frequency, compact)
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
                       retained)


def count_ranks(frequency: np.ndarray, ranks: np.ndarray) -> None:
    """Add rank counts to ``frequency[u, r - 1]`` in place; ``ranks`` is (samples, units), 0 = not ranked.

    A bincount over flat (unit, rank) positions (np.add.at is ~20x slower), in blocks of units so that the
    temporary stays under ~80 MB whatever the number of units.
    """
    n = frequency.shape[0]
    block = max(1, 10_000_000 // n)
    for u0 in range(0, n, block):
        sub = ranks[:, u0:u0 + block]
        offsets = np.arange(sub.shape[1], dtype=np.int64) * n - 1
        if sub.min(initial=1) > 0:  # everything ranked (the usual case): no mask, one pass to flat positions
            flat = (sub + offsets).ravel()
        else:
            keep = sub > 0
            flat = (sub + offsets)[keep]
        frequency[u0:u0 + block] += np.bincount(flat, minlength=sub.shape[1] * n).reshape(-1, n).astype(
            frequency.dtype, copy=False)


def _spearman_rows(ranks: np.ndarray, nominal: np.ndarray, ok: np.ndarray) -> np.ndarray:
    r"""Spearman ρ of each row with the nominal ranks over the units ranked in both, as
    :func:`dti_bench.metrics.stability.spearman` defines it (the average ranks among those units); NaN for failed
    rows, fewer than two such units or a constant side.

    Vectorised over rows without sorting when every rank is a whole number in 1..units (the engine's 'min'
    ranks): each side is re-ranked among the row's units ranked in both by :func:`_doubled_average_ranks`, the
    others sent to a value above every rank, and ρ comes from exact integer sums over the :math:`m` units kept,
    :math:`\rho = (m\sum ab - \sum a \sum b) / \sqrt{(m\sum a^2 - (\sum a)^2)(m\sum b^2 - (\sum b)^2)}`. Any other
    input goes to :func:`~dti_bench.metrics.stability.spearman` itself (a sort per row, several times slower).
    """
    n = ranks.shape[1]
    both = ok[:, None] & ~np.isnan(ranks) & ~np.isnan(nominal)[None, :]
    a = np.where(both, ranks, 1.0)
    b = np.where(np.isnan(nominal), 1.0, nominal)
    if not (n + 1 < 2 ** 15 and _whole_in(a, n) and _whole_in(b, n)):  # int16 values, exact int64 sums
        return spearman(nominal, np.where(ok[:, None], ranks, np.nan))
    out_of_row = n + 1                                          # above every rank: below nothing that is kept
    da = _doubled_average_ranks(np.where(both, a, out_of_row).astype(np.int16), out_of_row)
    db = _doubled_average_ranks(np.where(both, b[None, :], out_of_row).astype(np.int16), out_of_row)
    da = np.where(both, da, 0)
    db = np.where(both, db, 0)
    m = both.sum(axis=1, dtype=np.int64)
    a_sum, b_sum = da.sum(axis=1, dtype=np.int64), db.sum(axis=1, dtype=np.int64)
    num = m * np.einsum("ij,ij->i", da, db, dtype=np.int64) - a_sum * b_sum
    var_a = m * np.einsum("ij,ij->i", da, da, dtype=np.int64) - a_sum * a_sum
    var_b = m * np.einsum("ij,ij->i", db, db, dtype=np.int64) - b_sum * b_sum
    den = np.sqrt(var_a.astype(float) * var_b.astype(float))
    return np.divide(num.astype(float), den, out=np.full(len(num), np.nan), where=den > 0)


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
    frequency : ndarray of int, (units, units)
        ``frequency[u, r - 1]``: samples in which unit u ranked r.
    abs_shift : ndarray of int, (units,)
        Σ over samples of |rank − nominal rank|.
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

    @property
    def n_ok(self) -> int:
        return self.samples - len(self.failed)

    def to_frame(self, top_k: Sequence[int] = DEFAULT_TOP_K) -> pd.DataFrame:
        """uncertainty.csv as a DataFrame: each unit's nominal, median and mean rank, its 5-95 % rank band
        (``q05_rank``, ``q95_rank``), mean absolute shift and top-k probabilities (see :meth:`table`)."""
        return self.table(top_k)

    def tables(self, top_k: Sequence[int] = DEFAULT_TOP_K) -> dict[str, pd.DataFrame]:
        """uncertainty.csv, rank_frequency.csv and stability.csv."""
        return {"uncertainty.csv": self.table(top_k), "rank_frequency.csv": self.frequency_table(),
                "stability.csv": self.stability()}

    def describe(self) -> str:
        rbar = self.summary()["mean_abs_rank_shift"]
        return (f"{self.node}, {self.samples:,} samples ({len(self.failed)} failed), {len(self.units)} units, "
                f"mean |rank shift| {'–' if rbar is None else f'{rbar:.2f}'}")

    def table(self, top_k: Sequence[int] = DEFAULT_TOP_K) -> pd.DataFrame:
        """uncertainty.csv: unit, nominal_rank, median_rank, mean_rank, q05_rank, q95_rank, mean_abs_shift,
        then p_top<k> for each k (and for the top-k statement's k when it is not among them), then p_within<m>
        (with the top-k statement: the share of the unit's samples within ±m places of its nominal rank)."""
        f = self.frequency.astype(float)
        counts = f.sum(axis=1)
        r = np.arange(1, f.shape[1] + 1)
        cumulative = np.cumsum(f, axis=1)  # whole counts, exact in float64
        with np.errstate(invalid="ignore", divide="ignore"):
            cdf = cumulative / counts[:, None]
            mean = (f * r).sum(axis=1) / counts
            mas = self.abs_shift / counts
        table = pd.DataFrame({
            "unit": self.units,
            "nominal_rank": pd.array(np.where(np.isnan(self.nominal_ranks), pd.NA, self.nominal_ranks), dtype="Int64"),
            "median_rank": _quantile(cdf, 0.5, counts),
            "mean_rank": mean,
            "q05_rank": _quantile(cdf, 0.05, counts),
            "q95_rank": _quantile(cdf, 0.95, counts),
            "mean_abs_shift": mas,
        })
        settings = self.top_k_robustness
        depths = list(top_k) + ([settings["k"]] if settings and settings["k"] not in top_k else [])
        for k in depths:
            table[f"p_top{k}"] = f[:, :k].sum(axis=1) / np.where(counts > 0, counts, np.nan)
        if settings:
            m = settings["within"]
            table[f"p_within{m}"] = _within_share(cumulative, counts, self.nominal_ranks, m)
        table["name"] = self.unit_names  # after the contract columns (the documented uncertainty.csv), not among them
        return table

    def frequency_table(self) -> pd.DataFrame:
        """rank_frequency.csv: unit, then rank_1 ... rank_n, the share of successful samples at each rank."""
        counts = self.frequency.sum(axis=1, keepdims=True)
        share = np.divide(self.frequency, counts, out=np.zeros(self.frequency.shape), where=counts > 0)
        table = pd.DataFrame(share, columns=[f"rank_{r}" for r in range(1, share.shape[1] + 1)])
        table.insert(0, "unit", self.units)
        return table

    def stability(self) -> pd.DataFrame:
        """stability.csv: per-sample rank-stability metrics summarised (mean, 5 %, median, 95 %): R̄s, the largest
        shift, Spearman's ρ and, with the top-k statement, ``top<k>_retained`` (how many of the nominal top k
        are in the sample's top k)."""
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
        top-k statement (:meth:`top_k_summary`)."""
        reasons = Counter(self.failed.values()).most_common(5)
        ok = ~np.isnan(self.rbar)
        out = {
            "node": self.node, "samples": self.samples, "failed": len(self.failed),
            "failure_reasons": [{"reason": r, "count": c} for r, c in reasons],
            "mean_abs_rank_shift": float(self.rbar[ok].mean()) if ok.any() else None,
            "slow_path_variants": self.slow_variants,
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
        """
        settings = self.top_k_robustness
        if not settings:
            return None
        k, m, share = settings["k"], settings["within"], settings["share"]
        f = self.frequency.astype(float)
        counts = f.sum(axis=1)
        cumulative = np.cumsum(f, axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            p_top = f[:, :k].sum(axis=1) / np.where(counts > 0, counts, np.nan)
        p_within = _within_share(cumulative, counts, self.nominal_ranks, m)
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


def _within_share(cumulative: np.ndarray, counts: np.ndarray, nominal: np.ndarray, m: int) -> np.ndarray:
    """Each unit's share of its samples with ``|rank - nominal rank| <= m``, from cumulative rank counts.

    ``cumulative[u, r - 1]`` counts the samples with rank <= r, so the samples ranked from ``lo`` to ``hi`` are
    ``cumulative[hi - 1] - cumulative[lo - 2]`` (nothing below rank 1); NaN where the nominal rank is missing or the
    unit was never ranked.
    """
    n = cumulative.shape[1]
    share = np.full(len(counts), np.nan)
    ok = ~np.isnan(nominal) & (counts > 0)
    if n == 0 or not ok.any():
        return share
    rows = np.flatnonzero(ok)
    r0 = nominal[rows].astype(np.int64)
    hi = np.minimum(r0 + m, n)
    lo = r0 - m
    upper = cumulative[rows, hi - 1]
    below = np.where(lo >= 2, cumulative[rows, np.clip(lo - 2, 0, n - 1)], 0.0)
    share[rows] = (upper - below) / counts[rows]
    return share


def _quantile(cdf: np.ndarray, p: float, counts: np.ndarray) -> pd.arrays.IntegerArray:
    """Inverted-CDF quantile of each row's rank distribution (1-based), NA for units never ranked."""
    r = (cdf >= p - 1e-12).argmax(axis=1) + 1
    return pd.array(np.where(counts > 0, r, pd.NA), dtype="Int64")


def uncertainty(framework: Framework, data: Dataset | pd.DataFrame, methodology: Methodology | Mapping | None,
                factors: Sequence[FactorSpec | Mapping[str, Any] | Factor], *, n: int = UncertaintySpec.samples,
                seed: int = UncertaintySpec.seed, node: str | None = None, chunk_size: int | None = DEFAULT_CHUNK,
                executor: str = UncertaintySpec.executor, workers: int | None = None, address: str | None = None,
                reference: Dataset | None = None, keep_ranks: bool = False,
                top_k_robustness: Mapping[str, Any] | bool | None = DEFAULT_TOP_K_ROBUSTNESS,
                progress: bool = False) -> UncertaintyResult:
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
    """
    data, methodology = inputs(framework, data, methodology)
    factors = parse_factors(factors, framework, methodology)
    top_settings = _top_k_settings(top_k_robustness)
    if node is not None and node not in framework.composites:
        raise ConfigError(f"node: {node!r} is not a composite; valid choices: {choices(framework.composites)}")
    samples, dataset, nominal = n, data, methodology
    node = node or framework.require_headline()
    reference_ranks = nominal_ranks(framework, dataset, nominal, node, reference=reference)
    engine = Engine(framework, dataset, reference=reference)
    chunk_size = chunk_size or default_chunk(framework, len(dataset.units))
    engine.warm(_discrete_methodologies(factors, framework, nominal))
    tasks = [Task(nominal, tuple(factors), int(seed), start, min(start + chunk_size, samples), node,
                  reference_ranks, keep_ranks, None if top_settings is None else top_settings["k"])
             for start in range(0, samples, chunk_size)]
    bar = _progress(len(tasks), progress)
    n = len(dataset.units)
    frequency = np.zeros((n, n), dtype=FREQUENCY_DTYPE)
    abs_shift = np.zeros(n, dtype=np.int64)
    per_sample = {k: np.full(samples, np.nan) for k in ("rbar", "max_shift", "spearman", "top_k_retained")}
    kept = np.zeros((samples, n), dtype=np.int16) if keep_ranks else None
    failed: dict[int, str] = {}
    slow = 0
    pending: list[np.ndarray] = []  # ranks waiting to be counted: one bincount per ~25 million entries
    try:
        # reduce each chunk as it arrives: integer sums are exact in any order, per-sample values go to their rows
        for p in run_tasks(run_chunk, tasks, shared=engine, executor=executor, workers=workers, address=address,
                           progress=bar.update if bar else None):
            if p.frequency is not None:
                frequency += p.frequency
            else:
                pending.append(p.ranks)  # type: ignore[arg-type]
                # each count touches the whole (units, units) matrix, so gather at least that many entries first
                if sum(r.size for r in pending) >= max(25_000_000, n * n):
                    count_ranks(frequency, np.concatenate(pending))
                    pending.clear()
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
        if pending:
            count_ranks(frequency, np.concatenate(pending))
    finally:
        if bar:
            bar.close()
    return UncertaintyResult(
        units=dataset.units, unit_names=dataset.unit_names, node=node, samples=samples, nominal_ranks=reference_ranks,
        frequency=frequency, abs_shift=abs_shift, rbar=per_sample["rbar"], max_shift=per_sample["max_shift"],
        spearman=per_sample["spearman"], failed=failed, ranks=kept, slow_variants=slow,
        top_k_robustness=top_settings,
        top_k_retained=None if top_settings is None else per_sample["top_k_retained"])


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
