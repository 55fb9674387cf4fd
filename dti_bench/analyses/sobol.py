"""Variance-based sensitivity analysis of index ranks and scores to methodology factors, through SALib.

Batch: SALib's Saltelli/Sobol'-sequence sample (``SALib.sample.sobol``, no second order), ``N(d + 2)`` runs for
``d`` factors. Each factor is one SALib *group*, however many hypercube columns it uses (a weight-noise factor
perturbs every weight of its levels but is one factor), so categorical choices, continuous ranges and grouped
weights mix in one design. Discrete choices map from [0, 1) to their alternatives by fixed equal bins
(:mod:`dti_bench.analyses.sampling`); rows that map to the same variant are evaluated once.

Estimators: first order after Saltelli et al. (2010, CPC 181:259), total after Jansen (1999), exactly as
``SALib.analyze.sobol`` computes them (output standardised first, variance of the stacked A and B samples,
bootstrap confidence intervals ``Z · sd`` over ``num_resamples`` resamples of the base rows drawn with
``numpy.random.default_rng(seed).integers``), vectorised over every output at once. Tests check the numbers
equal SALib's own ``analyze`` on identical samples.

Outputs: every unit's rank and score at the analysed node, and the index-level mean absolute rank shift R̄s
against the nominal ranks. A base row any of whose ``d + 2`` runs failed (e.g. a geometric mean meeting a zero)
is dropped from every estimator; the count is reported.

Convergence: N doubles (the Sobol' design of 2N starts with the design of N, so earlier runs are reused) until
every total index of the convergence outputs has a confidence half-width below ``target`` or the run budget is
spent. Warnings flag first-order indices negative beyond their interval or above their total index.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from dti_bench.analyses.factors import Factor, FactorSpec, parse_factors
from dti_bench.analyses.results import Result, inputs
from dti_bench.analyses.sampling import problem, to_batch
from dti_bench.config.specs import SensitivitySpec
from dti_bench.engine.batch import Engine
from dti_bench.engine.kernels import rank_rows
from dti_bench.engine.memory import reuse_freed_memory
from dti_bench.errors import ConfigError, choices
from dti_bench.index import nominal_ranks
from dti_bench.metrics.stability import mean_abs_shift
from dti_bench.model.dataset import Dataset
from dti_bench.model.framework import Framework
from dti_bench.model.methodology import Methodology
from dti_bench.progress import progress_bar

SUMMARY_OUTPUT = "mean_abs_shift"


def saltelli_sample(factors: Sequence[Factor], n: int, seed: int, *, skip: int = 0) -> np.ndarray:
    """The unit-hypercube Saltelli design of ``n`` base rows: shape ``(n (d + 2), columns)``.

    ``skip`` base rows are skipped first: the design of 2N is the design of N followed by the N rows that
    ``skip=N`` gives, so a doubling schedule draws each row once.
    """
    from SALib.sample import sobol as sobol_sample

    if n < 2 or n & (n - 1):
        raise ValueError(f"the Sobol' base sample size must be a power of 2, got {n}")
    prob = problem(factors)
    x = sobol_sample.sample(prob, n, calc_second_order=False, scramble=True, seed=seed, skip_values=skip)
    if len(factors) == 1 and prob["num_vars"] > 1:
        # SALib ignores a single group and varies its columns one by one (N (columns + 2) rows); the grouped
        # design of one factor is A, AB = B (every column of the group from B), B for each base row
        blocks = x.reshape(n, prob["num_vars"] + 2, prob["num_vars"])
        x = np.stack([blocks[:, 0], blocks[:, -1], blocks[:, -1]], axis=1).reshape(-1, prob["num_vars"])
    return x


def sobol_indices(y: np.ndarray, d: int, *, num_resamples: int = 100, conf_level: float = 0.95,
                  seed: int = 1) -> dict[str, np.ndarray]:
    """First-order and total Sobol' indices of many outputs at once, as ``SALib.analyze.sobol`` computes them.

    Parameters
    ----------
    y : ndarray, shape (n (d + 2), outputs)
        Model outputs in SALib's row order (A, AB_1 ... AB_d, B for each base row).
    d : int
        Number of factors (SALib groups).

    Returns
    -------
    dict with ``S1, S1_conf, ST, ST_conf`` of shape (d, outputs), and ``constant`` (outputs,) flagging outputs
    that never vary (their indices are 0, as SALib returns with a warning).
    """
    y = np.asarray(y, dtype=float)
    if y.ndim == 1:
        y = y[:, None]
    n = y.shape[0] // (d + 2)
    mean, sd = y.mean(axis=0), y.std(axis=0)
    constant = ~(sd > 0)
    ys = np.divide(y - mean, sd, out=np.zeros_like(y), where=~constant)
    blocks = ys.reshape(n, d + 2, -1)
    a, ab, b = blocks[:, 0], blocks[:, 1:-1], blocks[:, -1]
    r = np.random.default_rng(seed).integers(n, size=(n, num_resamples))
    from scipy.stats import norm  # a few hundred ms to import: only when intervals are computed, not at validate

    z = norm.ppf(0.5 + conf_level / 2)
    out = {k: np.zeros((d, y.shape[1])) for k in ("S1", "S1_conf", "ST", "ST_conf")}
    var = np.var(np.concatenate([a, b]), axis=0)
    ok = (var > np.finfo(float).eps) & ~constant
    for j in range(d):
        out["S1"][j] = _ratio(np.mean(b * (ab[:, j] - a), axis=0), var, ok)
        out["ST"][j] = _ratio(0.5 * np.mean((a - ab[:, j]) ** 2, axis=0), var, ok)
    # Bootstrap: a resample is a row-count vector, so every resampled mean is a row of counts @ values, one
    # matrix product for all resamples and outputs instead of (n, resamples, outputs) gathers. Same draws as
    # SALib (``r``), same numbers.
    counts = np.zeros((num_resamples, n))
    np.add.at(counts, (np.broadcast_to(np.arange(num_resamples), r.shape), r), 1.0)
    drawn = counts.sum(axis=0) > 0
    both = np.concatenate([a[drawn], b[drawn]])
    spread = both.max(axis=0) > both.min(axis=0)   # SALib: ptp of the resampled A and B, all resamples together
    mean_r = (counts @ a + counts @ b) / (2 * n)
    var_r = (counts @ (a * a) + counts @ (b * b)) / (2 * n) - mean_r ** 2
    ok_r = var_r > np.finfo(float).eps
    for j in range(d):
        s1 = _ratio(counts @ (b * (ab[:, j] - a)) / n, var_r, ok_r)
        st = _ratio(0.5 * (counts @ ((a - ab[:, j]) ** 2)) / n, var_r, ok_r)
        out["S1_conf"][j] = np.where(spread & ok, z * s1.std(axis=0, ddof=1), 0.0)
        out["ST_conf"][j] = np.where(spread & ok, z * st.std(axis=0, ddof=1), 0.0)
    out["constant"] = constant
    return out


def _ratio(num: np.ndarray, den: np.ndarray, ok: np.ndarray) -> np.ndarray:
    return np.divide(num, den, out=np.zeros(np.broadcast(num, den).shape), where=ok)


@dataclass(frozen=True, eq=False)
class Setup:
    """What a sensitivity or screening design needs before its first run: resolved inputs, the engine and the
    nominal ranks every rank shift is measured from."""

    framework: Framework
    dataset: Dataset
    nominal: Methodology
    factors: list[Factor]
    node: str
    engine: Engine
    reference_ranks: np.ndarray


def setup(framework: Framework, data: Dataset | pd.DataFrame, methodology: Methodology | Mapping | None,
          factors: Sequence[Any], node: str | None, reference: Dataset | None) -> Setup:
    """Resolve the inputs of :func:`sobol`, :func:`~dti_bench.analyses.morris.morris` or
    :func:`~dti_bench.analyses.pawn.pawn`."""
    dataset, nominal = inputs(framework, data, methodology)
    factors = parse_factors(factors, framework, nominal)
    if node is not None and node not in framework.composites:
        raise ConfigError(f"node: {node!r} is not a composite; valid choices: {choices(framework.composites)}")
    node = node or framework.require_headline()
    engine = Engine(framework, dataset, reference=reference)
    reference_ranks = nominal_ranks(framework, dataset, nominal, node, reference=reference)
    return Setup(framework, dataset, nominal, factors, node, engine, reference_ranks)


@dataclass(frozen=True, eq=False)
class Outputs:
    """Model outputs of a Saltelli design, rows in SALib order."""

    ranks: np.ndarray      # (rows, units)
    scores: np.ndarray     # (rows, units)
    rbar: np.ndarray       # (rows,)
    failed: np.ndarray     # (rows,) bool
    reasons: dict[int, str] = field(default_factory=dict)


def evaluate_design(engine: Engine, u: np.ndarray, factors: Sequence[Factor], nominal: Methodology,
                    node: str, reference_ranks: np.ndarray, cache: dict | None = None,
                    chunk_size: int = 4096) -> Outputs:
    """Run the engine on the unit-hypercube rows ``u``; rows mapping to the same variant are computed once."""
    fw = engine.framework
    design = to_batch(u, factors, fw, nominal, cache)
    key = _variant_keys(design)
    _, first, inverse = np.unique(key, axis=0, return_index=True, return_inverse=True)
    inverse = inverse.ravel()
    unique = design.take(first)
    n_units = len(engine.units)
    scores = np.empty((len(first), n_units))
    failed = np.zeros(len(first), dtype=bool)
    reasons: dict[int, str] = {}
    with reuse_freed_memory():  # chunk after chunk: each reuses the memory the last one freed
        for start in range(0, len(first), chunk_size):
            sl = slice(start, min(start + chunk_size, len(first)))
            ev = engine.evaluate(unique.take(sl), rank=(), only=[node])  # ranked below, with the duplicates
            scores[sl] = ev.scores[:, :, 0]
            failed[sl] = ev.failed
            reasons.update({start + i: why for i, why in ev.reasons.items()})
    ranks = rank_rows(scores)
    rbar = mean_abs_shift(reference_ranks, ranks)
    row_reasons = {}
    for i in np.flatnonzero(failed[inverse]):
        row_reasons[int(i)] = reasons.get(int(inverse[i]), "failed")
    return Outputs(ranks[inverse], scores[inverse], rbar[inverse], failed[inverse], row_reasons)


def _variant_keys(design) -> np.ndarray:
    """One row of numbers per variant that is equal exactly when the variants are."""
    parts = [design.which[:, None].astype(float)]
    for arr in (design.power, design.weight_factor, design.weights):
        if arr is not None:
            parts.append(np.where(np.isnan(arr), -np.inf, arr))
    if design.include is not None:
        parts.append(design.include.astype(float))
    return np.hstack(parts)


@dataclass(frozen=True, eq=False, repr=False)
class SobolResult(Result):
    """Sobol' indices of every output (each unit's rank and score, and R̄s), with the convergence history.

    Attributes
    ----------
    factors : tuple of str
    indices : dict of str to ndarray
        ``S1, S1_conf, ST, ST_conf``, shape (factors, outputs).
    outputs : tuple of (output, quantity)
        Each column's output (a unit code or ``mean_abs_shift``) and quantity (rank, score or summary).
    n, runs : int
        Final base sample size and model runs.
    history : list of dict
        N, runs and the largest ST half-width at each doubling.
    warnings : list of str
    converged : bool
    """

    factors: tuple[str, ...]
    units: tuple[str, ...]
    node: str
    n: int
    runs: int
    indices: dict[str, np.ndarray]       # S1, S1_conf, ST, ST_conf: (factors, outputs); constant: (outputs,)
    outputs: tuple[tuple[str, str], ...]  # (output, quantity) per column
    dropped: int
    history: list[dict[str, Any]]
    warnings: list[str]
    converged: bool

    def table(self) -> pd.DataFrame:
        """sensitivity.csv: output, factor, S1, S1_conf, ST, ST_conf, then quantity (rank/score/summary), node.

        Examples
        --------
        The columns of COINr's ``get_sensitivity(..., SA_type = "SA")`` indices, one row per output and factor:

        >>> import dti_bench as db
        >>> fw, ds = db.load_framework("dti-provincial-2022"), db.load_dataset("dti2022-published-profiles")
        >>> factors = [db.factors.choice("aggregate.method", ["arithmetic", "minimum"], name="aggregation"),
        ...            db.factors.weight_noise(0.25, name="weights")]
        >>> result = db.sobol(fw, ds, None, factors, n=16, seed=1, target=None)
        >>> table = result.table()
        >>> table.columns.tolist()
        ['output', 'factor', 'S1', 'S1_conf', 'ST', 'ST_conf', 'quantity', 'node']
        """
        rows = []
        for o, (output, quantity) in enumerate(self.outputs):
            for f, factor in enumerate(self.factors):
                rows.append({"output": output, "factor": factor, "S1": self.indices["S1"][f, o],
                             "S1_conf": self.indices["S1_conf"][f, o], "ST": self.indices["ST"][f, o],
                             "ST_conf": self.indices["ST_conf"][f, o], "quantity": quantity, "node": self.node})
        return pd.DataFrame(rows)

    def to_frame(self) -> pd.DataFrame:
        """sensitivity.csv as a DataFrame (see :meth:`table`).

        Examples
        --------
        >>> import dti_bench as db
        >>> fw, ds = db.load_framework("dti-provincial-2022"), db.load_dataset("dti2022-published-profiles")
        >>> factors = [db.factors.choice("aggregate.method", ["arithmetic", "minimum"], name="aggregation"),
        ...            db.factors.weight_noise(0.25, name="weights")]
        >>> result = db.sobol(fw, ds, None, factors, n=16, seed=1, target=None)
        >>> result.to_frame().equals(result.table())
        True
        """
        return self.table()

    def tables(self) -> dict[str, pd.DataFrame]:
        """File name -> table: the CSV files a run folder holds for this analysis.

        Examples
        --------
        >>> import dti_bench as db
        >>> fw, ds = db.load_framework("dti-provincial-2022"), db.load_dataset("dti2022-published-profiles")
        >>> factors = [db.factors.choice("aggregate.method", ["arithmetic", "minimum"], name="aggregation"),
        ...            db.factors.weight_noise(0.25, name="weights")]
        >>> result = db.sobol(fw, ds, None, factors, n=16, seed=1, target=None)
        >>> sorted(result.tables())
        ['sensitivity.csv']
        """
        return {"sensitivity.csv": self.table()}

    def describe(self) -> str:
        """One line: what was analysed and its headline number.

        Examples
        --------
        >>> import dti_bench as db
        >>> fw, ds = db.load_framework("dti-provincial-2022"), db.load_dataset("dti2022-published-profiles")
        >>> factors = [db.factors.choice("aggregate.method", ["arithmetic", "minimum"], name="aggregation"),
        ...            db.factors.weight_noise(0.25, name="weights")]
        >>> result = db.sobol(fw, ds, None, factors, n=16, seed=1, target=None)
        >>> result.describe()
        'DTI, N = 16 (64 runs), total indices of R̄s: aggregation 0.63, weights 0.95'
        """
        col = self.outputs.index((SUMMARY_OUTPUT, "summary"))
        st = ", ".join(f"{f} {self.indices['ST'][i, col]:.2f}" for i, f in enumerate(self.factors))
        return f"{self.node}, N = {self.n} ({self.runs:,} runs), total indices of R̄s: {st}"

    def summary(self) -> dict[str, Any]:
        """The numbers the manifest records for this analysis (``outputs`` in ``manifest.json``).

        Examples
        --------
        >>> import dti_bench as db
        >>> fw, ds = db.load_framework("dti-provincial-2022"), db.load_dataset("dti2022-published-profiles")
        >>> factors = [db.factors.choice("aggregate.method", ["arithmetic", "minimum"], name="aggregation"),
        ...            db.factors.weight_noise(0.25, name="weights")]
        >>> result = db.sobol(fw, ds, None, factors, n=16, seed=1, target=None)
        >>> s = result.summary()
        >>> s['method'], s['N'], s['runs']   # N (d + 2) runs, d = 2 factors
        ('sobol', 16, 64)
        """
        col = self.outputs.index((SUMMARY_OUTPUT, "summary"))
        return {
            "method": "sobol", "node": self.node, "factors": list(self.factors), "N": self.n, "runs": self.runs,
            "dropped_base_rows": self.dropped, "converged": self.converged, "warnings": self.warnings,
            "history": self.history,
            SUMMARY_OUTPUT: {f: {"S1": round(float(self.indices["S1"][i, col]), 4),
                                 "ST": round(float(self.indices["ST"][i, col]), 4),
                                 "ST_conf": round(float(self.indices["ST_conf"][i, col]), 4)}
                             for i, f in enumerate(self.factors)},
        }


def sobol(framework: Framework, data: Dataset | pd.DataFrame, methodology: Methodology | Mapping | None,
          factors: Sequence[FactorSpec | Mapping[str, Any] | Factor], *, n: int = SensitivitySpec.samples,
          seed: int = SensitivitySpec.seed, node: str | None = None, target: float | None = SensitivitySpec.target,
          max_runs: int = SensitivitySpec.max_runs, converge_on: str = SensitivitySpec.converge_on,
          num_resamples: int = SensitivitySpec.num_resamples, reference: Dataset | None = None,
          progress: bool = False) -> SobolResult:
    r"""Sobol' sensitivity analysis of ``node``'s ranks, scores and R̄s to methodology ``factors``.

    First-order :math:`S_i = V[E(Y|X_i)]/V(Y)` and total :math:`S_{Ti} = E[V(Y|X_{\sim i})]/V(Y)` indices,
    estimated as ``SALib.analyze.sobol`` does (Saltelli et al. 2010; Jansen 1999) on SALib's Sobol'-sequence
    design, every output at once.

    Parameters
    ----------
    framework, data, methodology, factors
        As for :func:`~dti_bench.analyses.uncertainty.uncertainty`.
    n : int
        Starting base sample size (a power of 2): ``n (d + 2)`` runs for ``d`` factors. With ``target`` set, N
        doubles until every total index of the ``converge_on`` outputs (``'summary'``: R̄s; ``'all'``: every
        output) has a 95 % half-width below ``target``, or the next doubling would exceed ``max_runs`` runs.
    seed : int
        Scrambling seed of the design and of the bootstrap.
    node : str, optional
        The composite analysed (default: the headline).
    target : float or None
        None runs exactly ``n`` base rows.
    max_runs : int
    converge_on : {'summary', 'all'}
    num_resamples : int
        Bootstrap resamples of the confidence intervals.
    reference : Dataset, optional
    progress : bool
        Show a progress bar (:func:`dti_bench.progress.progress_bar`): one step per base size evaluated (the
        most doublings ``max_runs`` allows, the bar closing early when the indices converge) and one for the
        final estimate of every output's intervals.

    Returns
    -------
    SobolResult
        ``.to_frame()``: one row per (output, factor): ``S1, S1_conf, ST, ST_conf``.

    Notes
    -----
    A base row any of whose runs failed is dropped from every estimator (the count is in ``summary()``).

    References
    ----------
    Saltelli, A. et al. (2010). Computer Physics Communications 181:259-270. Jansen, M. J. W. (1999). Computer
    Physics Communications 117:35-43.

    Examples
    --------
    >>> import dti_bench as db
    >>> fw, ds = db.load_framework("dti-provincial-2022"), db.load_dataset("dti2022-synthetic")
    >>> factors = [db.factors.choice("aggregate.method", ["arithmetic", "geometric"], name="aggregation"),
    ...            db.factors.weight_noise(0.25, name="weights")]
    >>> result = db.sobol(fw, ds, None, factors, n=64, target=None)
    >>> table = result.to_frame()
    >>> list(table.columns[:6])
    ['output', 'factor', 'S1', 'S1_conf', 'ST', 'ST_conf']
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 2 or n & (n - 1):
        raise ConfigError(f"n: the Sobol' base size must be a power of 2 (e.g. 256, 1024), got {n!r}")
    s = setup(framework, data, methodology, factors, node, reference)
    factors, nominal, node, engine, reference_ranks = s.factors, s.nominal, s.node, s.engine, s.reference_ranks
    d = len(factors)
    cache: dict = {}
    history: list[dict[str, Any]] = []
    outputs_so_far: Outputs | None = None
    current = n
    doublings = 0 if target is None else _doublings(n, d, max_runs)
    bar = progress_bar(doublings + 2, "sensitivity", enabled=progress, unit="step")
    bar.set_postfix_str(f"N={current}")
    while True:
        # the design of 2N is the design of N plus N new base rows: draw and evaluate only those
        done = 0 if outputs_so_far is None else current // 2
        u = saltelli_sample(factors, current - done, seed, skip=done)
        new = evaluate_design(engine, u, factors, nominal, node, reference_ranks, cache)
        outputs_so_far = new if outputs_so_far is None else _concat(outputs_so_far, new)
        # while doubling, only the outputs convergence is judged on need their intervals
        cols = [len(engine.units) * 2] if converge_on == "summary" else None
        res = _analyse(outputs_so_far, d, current, num_resamples, seed, cols)
        worst = float(np.max(res["ST_conf"])) if res["ST_conf"].size else 0.0
        history.append({"N": current, "runs": current * (d + 2), "max_ST_halfwidth": round(worst, 5),
                        "dropped_base_rows": res["dropped"]})
        bar.update(1)
        if target is None or worst < target or 2 * current * (d + 2) > max_runs:
            break
        current *= 2
        bar.set_postfix_str(f"N={current}")
    bar.set_postfix_str(f"N={current}, intervals of every output")
    res = _analyse(outputs_so_far, d, current, num_resamples, seed)
    bar.update(1)
    bar.close()
    outputs = tuple([(u, "rank") for u in engine.units] + [(u, "score") for u in engine.units]
                    + [(SUMMARY_OUTPUT, "summary")])
    names = tuple(f.name for f in factors)
    return SobolResult(names, engine.units, node, current, current * (d + 2), res, outputs, res["dropped"], history,
                       _warnings(res, names, outputs), target is None or worst < target)


def _doublings(n: int, d: int, max_runs: int) -> int:
    """How many times :func:`sobol` can double the base size ``n`` of ``d`` factors within ``max_runs`` runs.

    >>> _doublings(256, 4, 10_000)  # 256 x 6 = 1,536 runs, then 3,072 and 6,144; 12,288 would exceed 10,000
    2
    """
    k = 0
    while 2 ** (k + 1) * n * (d + 2) <= max_runs:
        k += 1
    return k


def _concat(a: Outputs, b: Outputs) -> Outputs:
    offset = len(a.rbar)
    return Outputs(np.concatenate([a.ranks, b.ranks]), np.concatenate([a.scores, b.scores]),
                   np.concatenate([a.rbar, b.rbar]), np.concatenate([a.failed, b.failed]),
                   {**a.reasons, **{offset + k: v for k, v in b.reasons.items()}})


def _analyse(outs: Outputs, d: int, n: int, num_resamples: int, seed: int,
             columns: list[int] | None = None) -> dict[str, Any]:
    """Sobol' indices over the base rows none of whose runs failed or left a unit unranked."""
    y = np.column_stack([outs.ranks, outs.scores, outs.rbar])
    if columns is not None:
        y = y[:, columns]
    bad_rows = outs.failed | np.isnan(y).any(axis=1)
    bad_base = bad_rows.reshape(n, d + 2).any(axis=1)
    keep = np.repeat(~bad_base, d + 2)
    res = sobol_indices(y[keep], d, num_resamples=num_resamples, seed=seed) if keep.any() else \
        {k: np.full((d, y.shape[1]), np.nan) for k in ("S1", "S1_conf", "ST", "ST_conf")} | \
        {"constant": np.ones(y.shape[1], dtype=bool)}
    res["dropped"] = int(bad_base.sum())  # type: ignore[assignment]
    return res


def _warnings(res: dict[str, np.ndarray], factors: Sequence[str], outputs) -> list[str]:
    out = []
    s1, c1, st, ct = res["S1"], res["S1_conf"], res["ST"], res["ST_conf"]
    for f, name in enumerate(factors):
        neg = np.flatnonzero(s1[f] + c1[f] < 0)
        high = np.flatnonzero(s1[f] - c1[f] > st[f] + ct[f])
        if neg.size:
            out.append(f"factor {name!r}: first-order index negative beyond its interval for {neg.size} output(s), "
                       f"e.g. {outputs[neg[0]][0]} ({outputs[neg[0]][1]})")
        if high.size:
            out.append(f"factor {name!r}: first-order index above its total index for {high.size} output(s), "
                       f"e.g. {outputs[high[0]][0]} ({outputs[high[0]][1]})")
    if res.get("dropped"):
        out.append(f"{res['dropped']} base row(s) dropped because a run failed")
    return out


def salib_reference(y: np.ndarray, factors: Sequence[Factor], *, num_resamples: int = 100, seed: int = 1):
    """SALib's own ``analyze`` of one output column (for tests and cross-checks)."""
    from SALib.analyze import sobol as sobol_analyze

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return sobol_analyze.analyze(problem(factors), np.asarray(y, dtype=float), calc_second_order=False,
                                     num_resamples=num_resamples, seed=seed)
