"""Rank changes under methodological uncertainty: is a published rise larger than the ranking's own uncertainty?

A headline says "Hải Phòng rose from 14th to 8th". Both ranks come from one methodology; under another defensible
one each could be different, and so could the change. This analysis draws methodology variants as the uncertainty
analysis does (the same factors, the same unit hypercube and seeding, :mod:`dti_bench.analyses.sampling`) and
applies **each sampled variant to both time points**, so every unit gets the distribution of its rank change

.. math:: \\Delta_u = r_u(t_\\mathrm{from}) - r_u(t_\\mathrm{to})

(a rise from 14th to 8th is :math:`+6`). A data factor (measurement error) perturbs each time point
independently: the errors of two years are not the same draw.

Per unit and pair of time points it reports the nominal change (the nominal methodology's ranks, the published
ones when the nominal is the publisher's), the median and the 5 % and 95 % quantiles of the change (inverted
empirical CDF: every reported change is one that occurred), the shares of samples in which the unit rose or fell,
and whether the nominal change is **robust**: non-zero, with a 5-95 % interval that excludes 0 on the same side.
A unit whose nominal rank did not change has no move to confirm and is never a robust change, so the robust
changes are a subset of the non-zero ones.

Counts of each unit's changes (integers) are summed over chunks, so the result is the same whatever the chunk
size.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from dti_bench.analyses.factors import Factor, FactorSpec, parse_factors
from dti_bench.analyses.results import Result
from dti_bench.analyses.sampling import monte_carlo, to_batch
from dti_bench.engine.batch import DEFAULT_CHUNK, Batch, Engine, default_chunk
from dti_bench.errors import ConfigError, choices
from dti_bench.index import nominal_ranks
from dti_bench.model.framework import Framework
from dti_bench.model.methodology import Methodology, resolve_methodology
from dti_bench.model.panel import NORMALISE_OVER, Panel

#: A data factor's errors at time point i come from stream ``stream + i · TIME_STREAMS``: independent per year.
TIME_STREAMS = 1_000

#: The summary output of the Sobol' indices of rank changes: mean |change − nominal change| over the units.
SUMMARY_OUTPUT = "mean_abs_change_shift"
SENSITIVITY_COLUMNS = ("time_from", "time_to", "output", "factor", "S1", "S1_conf", "ST", "ST_conf")

RANK_CHANGE_COLUMNS = ("unit", "time_from", "time_to", "nominal_rank_from", "nominal_rank_to", "nominal_change",
                       "median_change", "q05_change", "q95_change", "p_rise", "p_fall", "robust", "samples")


@dataclass(frozen=True, eq=False, repr=False)
class RankChangeResult(Result):
    """Each unit's rank-change distribution for each pair of time points.

    Attributes
    ----------
    node : str
    pairs : tuple of (time, time)
    units, unit_names : tuple of str
    samples, failed : int
        Monte Carlo samples, and those whose variant failed at either time point of some pair.
    counts : ndarray, int64, shape (pairs, units, 2·units − 1)
        ``counts[p, u, d + units − 1]``: samples in which unit ``u``'s change over pair ``p`` was ``d``.
    nominal : ndarray, shape (times, units)
        Nominal ranks at each time point of :attr:`times` (NaN: unranked).
    times : tuple
    normalise_over : str
    """

    node: str
    pairs: tuple[tuple[Any, Any], ...]
    units: tuple[str, ...]
    unit_names: tuple[str, ...]
    samples: int
    failed: int
    counts: np.ndarray
    nominal: np.ndarray
    times: tuple[Any, ...]
    normalise_over: str = "time_point"
    sensitivity: pd.DataFrame | None = None

    def to_frame(self) -> pd.DataFrame:
        """rank_change.csv: one row per pair and unit (:data:`RANK_CHANGE_COLUMNS`).

        Examples
        --------
        >>> import dti_bench as db, numpy as np
        >>> fw, ds = db.load_framework("dti-provincial-2022"), db.load_dataset("dti2022-published-profiles")

        A made-up (SYNTHETIC) next year in which only Cần Thơ's indicators grew, by 10 %:

        >>> grown = np.where(np.array(ds.units)[:, None] == "can_tho", np.minimum(ds.values * 1.1, 1), ds.values)
        >>> panel = {2022: ds, 2023: ds.replace(values=grown)}
        >>> result = db.rank_change(fw, panel, None, [db.factors.weight_noise(0.25)], n=100, seed=1)
        >>> result.to_frame().set_index('unit').loc['can_tho', ['nominal_rank_from', 'nominal_rank_to', 'robust']]
        nominal_rank_from       5
        nominal_rank_to         2
        robust               True
        Name: can_tho, dtype: object
        """
        n = len(self.units)
        offsets = np.arange(-(n - 1), n)
        rows = []
        for p, (t0, t1) in enumerate(self.pairs):
            r0, r1 = self.nominal[self.times.index(t0)], self.nominal[self.times.index(t1)]
            counts = self.counts[p]
            total = counts.sum(axis=1)
            cdf = np.cumsum(counts, axis=1) / np.where(total > 0, total, 1)[:, None]

            def quantile(q: float) -> np.ndarray:
                return offsets[(cdf >= q - 1e-12).argmax(axis=1)]  # noqa: B023 -- called in this iteration

            q05, q50, q95 = quantile(0.05), quantile(0.5), quantile(0.95)
            rise = counts[:, offsets > 0].sum(axis=1) / np.where(total > 0, total, np.nan)
            fall = counts[:, offsets < 0].sum(axis=1) / np.where(total > 0, total, np.nan)
            nominal = r0 - r1
            for u, code in enumerate(self.units):
                ok = total[u] > 0
                change = nominal[u]
                robust = bool(ok and np.isfinite(change) and ((change > 0 and q05[u] > 0) or (change < 0 and q95[u] < 0)))
                rows.append({"unit": code, "time_from": t0, "time_to": t1,
                             "nominal_rank_from": _int(r0[u]), "nominal_rank_to": _int(r1[u]),
                             "nominal_change": _int(change),
                             "median_change": int(q50[u]) if ok else pd.NA,
                             "q05_change": int(q05[u]) if ok else pd.NA, "q95_change": int(q95[u]) if ok else pd.NA,
                             "p_rise": float(rise[u]), "p_fall": float(fall[u]), "robust": robust,
                             "samples": int(total[u])})
        frame = pd.DataFrame(rows, columns=list(RANK_CHANGE_COLUMNS))
        for col in ("nominal_rank_from", "nominal_rank_to", "nominal_change", "median_change", "q05_change",
                    "q95_change"):
            frame[col] = frame[col].astype("Int64")
        return frame

    def tables(self) -> dict[str, pd.DataFrame]:
        """File name -> table: the CSV files a run folder holds for this analysis.

        Examples
        --------
        >>> import dti_bench as db, numpy as np
        >>> fw, ds = db.load_framework("dti-provincial-2022"), db.load_dataset("dti2022-published-profiles")

        A made-up (SYNTHETIC) next year in which only Cần Thơ's indicators grew, by 10 %:

        >>> grown = np.where(np.array(ds.units)[:, None] == "can_tho", np.minimum(ds.values * 1.1, 1), ds.values)
        >>> panel = {2022: ds, 2023: ds.replace(values=grown)}
        >>> result = db.rank_change(fw, panel, None, [db.factors.weight_noise(0.25)], n=100, seed=1)
        >>> sorted(result.tables())
        ['rank_change.csv']
        """
        out = {"rank_change.csv": self.to_frame()}
        if self.sensitivity is not None:
            out["rank_change_sensitivity.csv"] = self.sensitivity
        return out

    def summary(self) -> dict[str, Any]:
        """Per pair: how many units moved nominally, how many of those moves are robust (rises, falls).

        Examples
        --------
        >>> import dti_bench as db, numpy as np
        >>> fw, ds = db.load_framework("dti-provincial-2022"), db.load_dataset("dti2022-published-profiles")

        A made-up (SYNTHETIC) next year in which only Cần Thơ's indicators grew, by 10 %:

        >>> grown = np.where(np.array(ds.units)[:, None] == "can_tho", np.minimum(ds.values * 1.1, 1), ds.values)
        >>> panel = {2022: ds, 2023: ds.replace(values=grown)}
        >>> result = db.rank_change(fw, panel, None, [db.factors.weight_noise(0.25)], n=100, seed=1)
        >>> result.summary()
        {'node': 'DTI', 'samples': 100, 'failed': 0, 'normalise_over': 'time_point', 'pairs': [{'time_from': 2022,
        'time_to': 2023, 'units': 5, 'moved': 4, 'robust': 2, 'robust_rises': 1, 'robust_falls': 1, 'statement': '2 of
        the 4 nominal rank changes from 2022 to 2023 are robust (their 5-95 % interval excludes 0)'}]}
        """
        frame = self.to_frame()
        out = []
        for t0, t1 in self.pairs:
            part = frame[(frame.time_from == t0) & (frame.time_to == t1)]
            moved = part[part.nominal_change.fillna(0) != 0]
            robust = part[part.robust]
            out.append({"time_from": t0, "time_to": t1, "units": int(part.nominal_change.notna().sum()),
                        "moved": len(moved), "robust": len(robust),
                        "robust_rises": int((robust.nominal_change > 0).sum()),
                        "robust_falls": int((robust.nominal_change < 0).sum()),
                        "statement": f"{len(robust)} of the {len(moved)} nominal rank changes from {t0} to {t1} are "
                                     f"robust (their 5-95 % interval excludes 0)"})
        if self.sensitivity is not None:
            summary = self.sensitivity[self.sensitivity["output"] == SUMMARY_OUTPUT]
            for pair in out:
                rows = summary[(summary["time_from"] == pair["time_from"]) & (summary["time_to"] == pair["time_to"])]
                if len(rows):
                    top = rows.loc[rows["ST"].idxmax()]
                    pair["sobol_ST"] = {str(r.factor): round(float(r.ST), 4) for r in rows.itertuples()}
                    pair["driver"] = str(top["factor"])
        return {"node": self.node, "samples": self.samples, "failed": self.failed,
                "normalise_over": self.normalise_over, "pairs": out}

    def __repr__(self) -> str:
        parts = ", ".join(f"{p['time_from']}->{p['time_to']}: {p['robust']} of {p['moved']} moves robust"
                          for p in self.summary()["pairs"])
        return f"RankChangeResult({self.node}, {self.samples} samples; {parts})"


def _int(value: float) -> Any:
    return int(value) if np.isfinite(value) else pd.NA


def at_time(methodology: Methodology, index: int) -> Methodology:
    """``methodology`` with its data-noise draws moved to time point ``index``'s streams (independent errors)."""
    if not methodology.noise or index == 0:
        return methodology
    noise = tuple(dataclasses.replace(n, stream=n.stream + index * TIME_STREAMS) for n in methodology.noise)
    return dataclasses.replace(methodology, noise=noise)


def rank_change(framework: Framework, panel: Panel | Mapping[Any, Any], methodology: Methodology | Mapping | None,
                factors: Sequence[FactorSpec | Mapping[str, Any] | Factor] = (), *,
                pairs: Sequence[Sequence[Any]] | None = None, n: int = 1000, seed: int = 1, node: str | None = None,
                normalise_over: str = "time_point", reference_time: Any = None,
                chunk_size: int | None = DEFAULT_CHUNK) -> RankChangeResult:
    r"""The distribution of every unit's rank change between time points, over methodology ``factors``.

    Parameters
    ----------
    framework : Framework
    panel : Panel or mapping of time to Dataset
    methodology : Methodology, dict or None
        The nominal methodology (None: the framework's official one): its ranks give the nominal change.
    factors : sequence
        As for :func:`~dti_bench.analyses.uncertainty.uncertainty`; each sample's variant is applied to both time
        points (a data factor draws independent errors per time point). Empty: only the nominal change.
    pairs : sequence of [FROM, TO], optional
        Time points compared; default each pair of consecutive time points.
    n : int
        Monte Carlo samples.
    seed : int
        Fixes the draws (the same variants as an uncertainty analysis with the same factors and seed).
    node : str, optional
        The composite ranked (default: the headline).
    normalise_over : {'time_point', 'pooled', 'reference'}
        Normalisation statistics from each time point's own data (as publishers do), from the pooled panel, or
        from ``reference_time``'s data (goalposts and ranks of one year): the nominal ranks'. A factor
        ``{path: normalise_over, choices: [time_point, pooled, {reference: 2019}]}`` varies it per sample.
    reference_time : optional
        The time point of ``normalise_over='reference'``.
    chunk_size : int, optional
        Variants per chunk; the result does not depend on it.

    Returns
    -------
    RankChangeResult
        ``.to_frame()`` is rank_change.csv: ``unit, time_from, time_to, nominal_rank_from, nominal_rank_to,
        nominal_change, median_change, q05_change, q95_change, p_rise, p_fall, robust, samples``.

    Raises
    ------
    ConfigError
        A pair naming a time point absent from the panel, an unknown node or ``normalise_over``.

    Examples
    --------
    >>> import dti_bench as db
    >>> fw = db.load_framework("dti-provincial-2022")
    >>> ds = db.load_dataset("dti2022-synthetic")

    A made-up (SYNTHETIC) next year in which only Hải Phòng's indicators grew, by 3 %:

    >>> grown = np.where(np.array(ds.units)[:, None] == "hai_phong", ds.values * 1.03, ds.values)
    >>> result = db.rank_change(fw, {2022: ds, 2023: ds.replace(values=grown)}, fw.official,
    ...                         [db.factors.weight_noise(0.25)], n=200)
    >>> row = result.to_frame().set_index("unit").loc["hai_phong"]
    >>> int(row.nominal_rank_from), int(row.nominal_rank_to), int(row.q05_change), int(row.q95_change), bool(row.robust)
    (14, 8, 2, 6, True)
    """
    design = _PanelDesign(framework, panel, methodology, factors, node=node, normalise_over=normalise_over,
                          reference_time=reference_time, pairs=pairs)
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ConfigError(f"n: expected a positive whole number of samples, got {n!r}")
    units = len(design.panel.units)
    counts = np.zeros((len(design.pairs), units, 2 * units - 1), dtype=np.int64)
    chunk = chunk_size or default_chunk(framework, units)
    failed = 0
    for start in range(0, n, chunk):
        stop = min(start + chunk, n)
        changes, bad = design.changes(monte_carlo(design.factors, seed, start, stop) if design.factors else
                                      np.zeros((stop - start, 0)))
        failed += int(bad.sum())
        for p, change in enumerate(changes):
            ok = np.isfinite(change)
            u_idx = np.broadcast_to(np.arange(units), change.shape)[ok]
            flat = u_idx * (2 * units - 1) + (change[ok].astype(np.int64) + units - 1)
            counts[p] += np.bincount(flat, minlength=units * (2 * units - 1)).reshape(units, 2 * units - 1)
    first = design.panel.datasets[0]
    return RankChangeResult(design.node, tuple(design.pairs), first.units, first.unit_names, n, failed, counts,
                            design.nominal_by_time, design.panel.times, normalise_over)


def rank_change_sensitivity(framework: Framework, panel: Panel | Mapping[Any, Any],
                            methodology: Methodology | Mapping | None,
                            factors: Sequence[FactorSpec | Mapping[str, Any] | Factor], *,
                            pairs: Sequence[Sequence[Any]] | None = None, n: int = 256, seed: int = 1,
                            node: str | None = None, normalise_over: str = "time_point", reference_time: Any = None,
                            num_resamples: int = 100) -> pd.DataFrame:
    r"""Sobol' indices of each unit's rank change: which methodology choice drives a published move.

    A Saltelli design of the ``factors`` (``n`` base rows, a power of 2; ``n (d + 2)`` runs, each applied to both
    time points of every pair) gives, per pair, first-order and total indices of every unit's change
    :math:`\Delta_u = r_u(t_0) - r_u(t_1)` and of the summary :math:`\mathrm{mean}_u |\Delta_u - \Delta_u^0|`
    (how far the changes move from the nominal ones), estimated as :func:`dti_bench.analyses.sobol.sobol_indices`
    does (Saltelli 2010 / Jansen; equal to ``SALib.analyze.sobol``). A base row whose runs fail at some time point
    is dropped whole; a unit unranked at either time point has NaN indices.

    Returns
    -------
    DataFrame
        ``rank_change_sensitivity.csv``: ``time_from, time_to, output, factor, S1, S1_conf, ST, ST_conf``, the
        output a unit code or ``mean_abs_change_shift``.

    Examples
    --------
    >>> import dti_bench as db
    >>> fw, ds = db.load_framework("dti-provincial-2022"), db.load_dataset("dti2022-synthetic")
    >>> later = ds.replace(values=np.roll(ds.values, 1, axis=0))        # a made-up next year
    >>> table = rank_change_sensitivity(fw, {2022: ds, 2023: later}, None,
    ...     [db.factors.choice("aggregate.method", ["arithmetic", "geometric"]), db.factors.weight_noise(0.25)], n=64)
    >>> sorted(table[table.output == "mean_abs_change_shift"].factor)
    ['aggregate.method', 'weights']
    """
    from dti_bench.analyses.sobol import saltelli_sample, sobol_indices

    design = _PanelDesign(framework, panel, methodology, factors, node=node, normalise_over=normalise_over,
                          reference_time=reference_time, pairs=pairs)
    if not design.factors:
        raise ConfigError("factors: Sobol' indices of rank changes need at least one factor")
    d = len(design.factors)
    try:
        u = saltelli_sample(design.factors, n, seed)
    except ValueError as err:
        raise ConfigError(f"n: {err}") from None
    changes, bad = design.changes(u)
    keep_blocks = ~bad.reshape(-1, d + 2).any(axis=1)
    keep = np.repeat(keep_blocks, d + 2)
    names = [f.name for f in design.factors]
    rows = []
    for (t0, t1), change in zip(design.pairs, changes):
        nominal = (design.nominal_by_time[design.panel.times.index(t0)]
                   - design.nominal_by_time[design.panel.times.index(t1)])
        y = change[keep]
        ranked = np.isfinite(y).all(axis=0) & np.isfinite(nominal)
        summary = np.abs(y[:, ranked] - nominal[ranked]).mean(axis=1) if ranked.any() else np.full(len(y), np.nan)
        outputs = np.column_stack([np.where(np.isfinite(y), y, 0.0), summary])
        res = sobol_indices(outputs, d, num_resamples=num_resamples, seed=seed) if keep_blocks.any() else None
        labels = [*design.panel.units, SUMMARY_OUTPUT]
        valid = [*ranked, bool(ranked.any())]
        for k, label in enumerate(labels):
            for j, factor in enumerate(names):
                value = (lambda key: float(res[key][j, k]) if res is not None and valid[k] else np.nan)  # noqa: B023
                rows.append({"time_from": t0, "time_to": t1, "output": label, "factor": factor, "S1": value("S1"),
                             "S1_conf": value("S1_conf"), "ST": value("ST"), "ST_conf": value("ST_conf")})
    return pd.DataFrame(rows, columns=list(SENSITIVITY_COLUMNS))


def check_rank_change(framework: Framework, panel: Panel, methodology: Methodology | Mapping | None,
                      factors: Sequence[FactorSpec | Mapping[str, Any] | Factor], *, node: str | None = None,
                      pairs: Sequence[Sequence[Any]] | None = None, normalise_over: str = "time_point",
                      reference_time: Any = None) -> None:
    """Everything :func:`rank_change` would refuse, refused now (a config's ``validate`` calls it): the pairs,
    the node, and the factors resolved against every time point's framework."""
    _PanelDesign(framework, panel, methodology, factors, node=node, normalise_over=normalise_over,
                 reference_time=reference_time, pairs=pairs)


def _on(methodology: Methodology | Mapping | None, nominal: Methodology, framework: Framework) -> Methodology:
    """The nominal methodology on another time point's framework: the framework's official one when none was
    given, else the same block parsed against it (its node codes must exist there)."""
    if methodology is None:
        return framework.official or Methodology.default()
    return Methodology.from_dict(nominal.to_dict(), framework, where="methodology")


class _PanelDesign:
    """A design's variants applied at the time points of some pairs: the engines (one per time point and
    normalisation across time), the nominal ranks, and :meth:`changes` of hypercube rows."""

    def __init__(self, framework: Framework, panel: Panel | Mapping[Any, Any], methodology: Methodology | Mapping | None,
                 factors: Sequence[FactorSpec | Mapping[str, Any] | Factor], *, node: str | None, normalise_over: str,
                 reference_time: Any, pairs: Sequence[Sequence[Any]] | None) -> None:
        self.panel = panel if isinstance(panel, Panel) else Panel.from_datasets(dict(panel))
        self.framework = framework
        self.nominal = resolve_methodology(framework, methodology)
        if node is not None and node not in framework.composites:
            raise ConfigError(f"node: {node!r} is not a composite; valid choices: {choices(framework.composites)}")
        self.node = node or framework.require_headline()
        if normalise_over not in NORMALISE_OVER:
            raise ConfigError(f"normalise_over: unknown {normalise_over!r}; valid choices: {choices(NORMALISE_OVER)}")
        self.pairs = self.panel.check_pairs(pairs)
        reference = self.panel.reference(normalise_over, reference_time)
        self.needed = sorted({self.panel.times.index(t) for pair in self.pairs for t in pair})
        # each time point's framework (a publisher may have changed it), the nominal methodology and the factors
        # on it; the factors must take the same hypercube columns at every time point, so one row is one variant
        self.frameworks = {i: self.panel.framework_at(i, framework) for i in self.needed}
        self.nominals = {i: self.nominal if fw is framework else _on(methodology, self.nominal, fw)
                         for i, fw in self.frameworks.items()}
        self.factors_at = {i: (parse_factors(factors, fw, self.nominals[i], across_time=True) if factors else [])
                           for i, fw in self.frameworks.items()}
        latest = self.needed[-1]
        self.factors = self.factors_at[latest]
        for i, parsed in self.factors_at.items():
            for a, b in zip(parsed, self.factors):
                if a.dimension != b.dimension:
                    raise ConfigError(f"factors: {a.name!r} takes {a.dimension} columns at {self.panel.times[i]} and "
                                      f"{b.dimension} at {self.panel.times[latest]} (the framework changed); across a "
                                      f"framework change use factors of one column (choices, ranges, data noise)")
            if self.node not in self.frameworks[i].composites:
                raise ConfigError(f"node: {self.node!r} is not a composite of the {self.panel.times[i]} framework "
                                  f"{self.frameworks[i].name!r}")
        datasets = {i: self.panel.datasets[i].select(self.frameworks[i].indicators) for i in self.needed}
        # the normalisation across time: the nominal one, or per sample a normalise_over factor's choice (one
        # engine per time point and choice, each with its reference)
        columns = np.cumsum([0] + [f.dimension for f in self.factors])[:-1]
        self.across = [(int(c), f) for c, f in zip(columns, self.factors) if f.kind == "time_normalisation"]
        if len(self.across) > 1:
            raise ConfigError("factors: at most one normalise_over factor")
        options = [(normalise_over, reference_time)] if not self.across else [
            ("reference", alt["reference"]) if isinstance(alt, Mapping) else (alt, None)
            for alt in self.across[0][1].choices]
        self.options = options
        references = [self.panel.reference(over, at) for over, at in options]
        self.engines = {(i, o): Engine(self.frameworks[i], datasets[i], reference=references[o])
                        for i in self.needed for o in range(len(options))}
        self.nominal_by_time = np.full((len(self.panel.times), len(self.panel.units)), np.nan)
        for i in self.needed:
            self.nominal_by_time[i] = nominal_ranks(self.frameworks[i], datasets[i], at_time(self.nominals[i], i),
                                                    self.node, reference=reference)
        self._caches: dict[int, dict] = {i: {} for i in self.needed}

    def changes(self, u: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
        """Each pair's rank changes ``(rows, units)`` for hypercube rows ``u`` (NaN: failed or unranked), and which
        rows failed at some time point."""
        rows_n, units = len(u), len(self.panel.units)
        if self.across:
            col = self.across[0][0]
            option = np.minimum((u[:, col] * len(self.options)).astype(int), len(self.options) - 1)
        else:
            option = np.zeros(rows_n, dtype=int)
        ranks: dict[int, np.ndarray] = {}
        bad = np.zeros(rows_n, dtype=bool)
        for i in self.needed:
            if self.factors:
                batch = to_batch(u, self.factors_at[i], self.frameworks[i], self.nominals[i], self._caches[i])
            else:
                batch = Batch((self.nominals[i],), np.zeros(rows_n, dtype=int))
            at = dataclasses.replace(batch, methodologies=tuple(at_time(m, i) for m in batch.methodologies))
            ranks[i] = np.full((rows_n, units), np.nan)
            for o in np.unique(option):
                rows = np.flatnonzero(option == o)
                part = at if len(rows) == rows_n else at.take(rows)
                ev = self.engines[(i, int(o))].evaluate(part, rank=[self.node], only=[self.node])
                ranks[i][rows] = ev.ranks[:, :, 0]
                bad[rows] |= ev.failed
        changes = []
        for t0, t1 in self.pairs:
            change = ranks[self.panel.times.index(t0)] - ranks[self.panel.times.index(t1)]
            change[bad] = np.nan
            changes.append(change)
        return changes, bad


__all__ = ["RANK_CHANGE_COLUMNS", "RankChangeResult", "SENSITIVITY_COLUMNS", "SUMMARY_OUTPUT", "TIME_STREAMS", "at_time",
           "check_rank_change", "rank_change", "rank_change_sensitivity"]
