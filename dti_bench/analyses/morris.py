"""Morris elementary-effects screening of methodology factors, through SALib.

It runs the same factors and engine as the Sobol' analysis (:mod:`dti_bench.analyses.sobol`) on the same outputs
(every unit's rank at the analysed node and the mean absolute rank shift R̄s), at ``r (d + 1)`` runs for ``r``
trajectories and ``d`` factors, and reports μ*, its bootstrap interval, μ and σ (Morris 1991; Campolongo,
Cariboni & Saltelli 2007).

The design (:func:`morris_design`) is SALib's (``SALib.sample.morris``, factor groups: a weight-noise factor is
one group), with one change for categorical factors. A continuous factor (``range``, weight ``noise``,
``simplex`` weights, indicator ``exclude``) keeps the standard grid: ``p`` levels ``{0, 1/(p−1), ..., 1}`` of the
unit interval, each step ``Δ = p / (2 (p − 1))`` (``p/2`` grid steps), its elementary effect ``(y(x + Δ) −
y(x)) / Δ``. Mapping that grid to a categorical factor by equal bins would leave alternatives out: with 4 levels
a 5-choice factor never takes its 3rd alternative, and a 3-choice factor never compares its first two. So a
categorical factor (``choice``, ``leave_one_out``) moves at its step between two of its own alternatives: each
trajectory compares one pair of :func:`comparisons` (for a choice, adjacent alternatives ``(i, i + 1)`` in the
order listed; for leave-one-out, nothing left out against each indicator left out), the pairs dealt in random
permutations so that over ``r`` trajectories each pair is compared ``⌊r / m⌋`` or ``⌈r / m⌉`` times (``m``
pairs), in a random direction. Its elementary effect is the change itself, ``y(a_j) − y(a_i)`` for the pair
``(i, j)``, ``i < j``, undivided: its μ* is the mean absolute change of the output between compared alternatives,
μ the mean signed change (towards the later alternative), σ their standard deviation.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from dti_bench.analyses.factors import Factor, FactorSpec
from dti_bench.analyses.results import Result
from dti_bench.analyses.sampling import problem
from dti_bench.analyses.sobol import SUMMARY_OUTPUT, evaluate_design, setup
from dti_bench.config.specs import SensitivitySpec
from dti_bench.errors import ConfigError, MethodError, MethodologyWarning
from dti_bench.model.dataset import Dataset
from dti_bench.model.framework import Framework
from dti_bench.model.methodology import Methodology

#: Columns of screening_design.csv, what a Morris design covered (one row per factor).
DESIGN_COLUMNS = ("factor", "design", "compares", "alternatives", "evaluated", "pairs", "compared",
                  "min_comparisons", "max_comparisons")

#: The spawn key of the streams that deal categorical factors their pairs (SALib's grid uses the seed itself).
_PAIR_STREAM = 1


@dataclass(frozen=True, eq=False, repr=False)
class ScreeningResult(Result):
    """A screening table (one row per output and factor) with the design's size.

    Attributes
    ----------
    method : {'morris', 'pawn'}
    node : str
    factors : tuple of str
    table : DataFrame
        screening.csv.
    runs : int
        Model runs of the design.
    dropped : int
        Morris: trajectories dropped for a failed run; PAWN: failed runs.
    design : DataFrame or None
        Morris: screening_design.csv, what the design covered per factor (columns :data:`DESIGN_COLUMNS`, see
        :func:`coverage`); PAWN: None.
    warnings : tuple of str
        Morris: one line per categorical factor whose kept trajectories left an alternative or a pair out.
    """

    method: str
    node: str
    factors: tuple[str, ...]
    table: pd.DataFrame
    runs: int
    dropped: int
    design: pd.DataFrame | None = None
    warnings: tuple[str, ...] = ()

    def to_frame(self) -> pd.DataFrame:
        """The result as one DataFrame (its main table; :meth:`tables` gives every file a run writes).

        Examples
        --------
        >>> import dti_bench as db
        >>> fw, ds = db.load_framework("dti-provincial-2022"), db.load_dataset("dti2022-published-profiles")
        >>> factors = [db.factors.choice("aggregate.method", ["arithmetic", "minimum"], name="aggregation"),
        ...            db.factors.weight_noise(0.25, name="weights")]
        >>> result = db.morris(fw, ds, None, factors, n=4, seed=1)
        >>> result.to_frame().columns.tolist()[:6]
        ['output', 'factor', 'mu_star', 'mu_star_conf', 'mu', 'sigma']
        """
        return self.table

    def tables(self) -> dict[str, pd.DataFrame]:
        """File name -> table: the CSV files a run folder holds for this analysis.

        Examples
        --------
        >>> import dti_bench as db
        >>> fw, ds = db.load_framework("dti-provincial-2022"), db.load_dataset("dti2022-published-profiles")
        >>> factors = [db.factors.choice("aggregate.method", ["arithmetic", "minimum"], name="aggregation"),
        ...            db.factors.weight_noise(0.25, name="weights")]
        >>> result = db.morris(fw, ds, None, factors, n=4, seed=1)
        >>> sorted(result.tables())
        ['screening.csv', 'screening_design.csv']
        """
        out = {"screening.csv": self.table}
        if self.design is not None:
            out["screening_design.csv"] = self.design
        return out

    def summary(self) -> dict[str, Any]:
        """The numbers the manifest records for this analysis (``outputs`` in ``manifest.json``).

        Examples
        --------
        >>> import dti_bench as db
        >>> fw, ds = db.load_framework("dti-provincial-2022"), db.load_dataset("dti2022-published-profiles")
        >>> factors = [db.factors.choice("aggregate.method", ["arithmetic", "minimum"], name="aggregation"),
        ...            db.factors.weight_noise(0.25, name="weights")]
        >>> result = db.morris(fw, ds, None, factors, n=4, seed=1)
        >>> s = result.summary()
        >>> s['method'], s['factors'], s['runs']   # 4 trajectories x (2 factors + 1)
        ('morris', ['aggregation', 'weights'], 12)
        """
        dropped = "dropped_trajectories" if self.method == "morris" else "failed"
        out = {"method": self.method, "node": self.node, "factors": list(self.factors), "runs": self.runs,
               dropped: self.dropped}
        if self.method == "morris":
            out["warnings"] = list(self.warnings)
        return out

    def describe(self) -> str:
        """One line: what was analysed and its headline number.

        Examples
        --------
        >>> import dti_bench as db
        >>> fw, ds = db.load_framework("dti-provincial-2022"), db.load_dataset("dti2022-published-profiles")
        >>> factors = [db.factors.choice("aggregate.method", ["arithmetic", "minimum"], name="aggregation"),
        ...            db.factors.weight_noise(0.25, name="weights")]
        >>> result = db.morris(fw, ds, None, factors, n=4, seed=1)
        >>> result.describe()
        'morris, DTI, 12 runs, largest effect on R̄s: aggregation'
        """
        stat = "mu_star" if self.method == "morris" else "median"
        rows = self.table[self.table["output"] == SUMMARY_OUTPUT]
        top = rows.loc[rows[stat].idxmax()] if not rows.empty and rows[stat].notna().any() else None
        lead = f", largest effect on R̄s: {top['factor']}" if top is not None else ""
        return f"{self.method}, {self.node}, {self.runs:,} runs{lead}"


def _outputs(out, units) -> tuple[np.ndarray, list[str]]:
    y = np.column_stack([out.ranks, out.rbar])
    return y, [*units, SUMMARY_OUTPUT]


# -- the design ---------------------------------------------------------------------------------------------------

def comparisons(factor: Factor) -> tuple[tuple[int, int], ...] | None:
    """The pairs of alternatives a categorical factor's elementary effects compare; None for a grid factor.

    Parameters
    ----------
    factor : Factor

    Returns
    -------
    tuple of (int, int), or None
        Alternative indices ``(i, j)``, ``i < j``: a choice of ``K`` alternatives compares the ``K − 1`` adjacent
        pairs ``(i, i + 1)`` (so every alternative is evaluated, and the alternatives are linked in the order the
        config lists them); leave-one-out of ``m`` indicators compares nothing left out (0) with each indicator
        left out (``j``), so each of its ``m`` effects is the effect of removing one indicator. None for a
        continuous factor, which keeps the Morris grid.

    Examples
    --------
    >>> from dti_bench.analyses.factors import Factor
    >>> comparisons(Factor("aggregation", "aggregate.method", "choice", choices=("arithmetic", "geometric",
    ...                                                                           "harmonic")))
    ((0, 1), (1, 2))
    >>> comparisons(Factor("indicators", "indicators", "leave_one_out", targets=(0, 1, 2)))
    ((0, 1), (0, 2), (0, 3))
    >>> comparisons(Factor("p", "aggregate.p", "range", low=-1, high=2)) is None
    True
    """
    if factor.kind == "choice":
        return tuple((i, i + 1) for i in range(len(factor.choices) - 1))
    if factor.kind == "leave_one_out":
        return tuple((0, j) for j in range(1, len(factor.targets) + 1))
    return None


def required_trajectories(factors: Sequence[Factor]) -> int:
    """The fewest trajectories that compare every pair of alternatives of every categorical factor: the largest
    number of pairs any of them has (1 when there is none).

    Examples
    --------
    >>> from dti_bench.analyses.factors import Factor
    >>> required_trajectories([Factor("a", "aggregate.method", "choice", choices=tuple("abcde")),
    ...                        Factor("p", "aggregate.p", "range")])
    4
    """
    return max([1, *(len(c) for c in map(comparisons, factors) if c is not None)])


def check_design(factors: Sequence[Factor], trajectories: int, num_levels: int, trajectories_key: str = "n",
                 levels_key: str = "num_levels") -> None:
    """Refuse a Morris design that cannot be sound: an odd grid, or too few trajectories to compare every pair.

    Raises
    ------
    ConfigError
        Naming ``levels_key`` (the grid needs an even number of levels: SALib's steps of ``Δ = p / (2 (p − 1))``
        leave the grid otherwise) or ``trajectories_key`` (fewer trajectories than the largest categorical
        factor has pairs of alternatives).
    """
    if not _whole(num_levels) or num_levels < 2 or num_levels % 2:
        raise ConfigError(f"{levels_key}: the Morris grid needs an even number of levels (e.g. 4, 6), "
                          f"got {num_levels!r}")
    need = required_trajectories(factors)
    if not _whole(trajectories) or trajectories < need:
        widest = max((f for f in factors if comparisons(f) is not None), key=lambda f: len(comparisons(f)),  # type: ignore[arg-type]
                     default=None)
        why = "" if widest is None else (f" to compare every pair of alternatives of factor {widest.name!r} "
                                         f"({len(comparisons(widest))} pairs)")  # type: ignore[arg-type]
        raise ConfigError(f"{trajectories_key}: Morris needs at least {need} trajectories{why}, "
                          f"got {trajectories!r}")


def _whole(value: Any) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def morris_design(factors: Sequence[Factor], trajectories: int, num_levels: int = SensitivitySpec.num_levels,
                  seed: int = SensitivitySpec.seed) -> np.ndarray:
    """The unit-hypercube rows of a Morris design in which every categorical factor compares its own alternatives.

    SALib's design (``SALib.sample.morris.sample(problem, trajectories, num_levels, seed)``, groups as
    :func:`~dti_bench.analyses.sampling.problem` makes them) is kept for continuous factors, number for number.
    A categorical factor's column (see :func:`comparisons`) is rewritten: in trajectory ``t`` the factor takes
    alternative ``a`` in the rows before its step (the row SALib moves it at) and ``b`` from that row on, where
    ``{a, b}`` is the pair dealt to ``t`` and the order is a fair coin's. Pairs are dealt in consecutive random
    permutations of the factor's ``m`` pairs, so each is compared ``⌊r / m⌋`` or ``⌈r / m⌉`` times. Alternative
    ``i`` of ``K`` is written at the centre of its bin, ``(i + ½) / K``, which the equal-bin mapping of
    :func:`~dti_bench.analyses.sampling.to_batch` (``min(⌊u K⌋, K − 1)``) reads back as ``i``; a factor with a
    single alternative moves within its bin (¼ to ¾), so the design stays one factor at a time.

    Parameters
    ----------
    factors : sequence of Factor
    trajectories : int
        ``r``, at least :func:`required_trajectories`.
    num_levels : int
        ``p``, the grid's levels (even).
    seed : int
        The grid's seed (SALib's); the pairs are dealt from ``SeedSequence(seed, spawn_key=(1, f))`` for the
        ``f``-th factor, so the same seed gives the same design.

    Returns
    -------
    ndarray
        Shape ``(r (d + 1), columns)``, values in [0, 1) (the grid's top level 1 is kept just below 1, as the
        bins are half-open), rows in SALib's order: trajectory ``t`` is rows ``t (d + 1)`` to ``t (d + 1) + d``,
        consecutive rows differing in exactly one factor's columns.

    Raises
    ------
    ConfigError
        From :func:`check_design`.

    Examples
    --------
    >>> from dti_bench.analyses.factors import Factor
    >>> five = Factor("aggregation", "aggregate.method", "choice", choices=("arithmetic", "geometric", "harmonic",
    ...                                                                      "power", "minimum"))
    >>> x = morris_design([five, Factor("p", "aggregate.p", "range")], trajectories=8, seed=3)
    >>> x.shape
    (24, 2)
    >>> sorted(set(np.minimum((x[:, 0] * 5).astype(int), 4).tolist()))   # every alternative, harmonic (2) too
    [0, 1, 2, 3, 4]
    """
    from SALib.sample import morris as morris_sample

    check_design(factors, trajectories, num_levels, "trajectories", "num_levels")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SALib's one warning (an odd grid) is refused above; none reaches users
        x = morris_sample.sample(problem(factors), trajectories, num_levels=num_levels, seed=seed)
    x = np.minimum(x, 1.0 - 1e-12)  # the design's top level is 1.0; bins are [0, 1)
    d = len(factors)
    grid = x.reshape(trajectories, d + 1, x.shape[1])  # a view: writes go into x
    rows = np.arange(d + 1)
    col = 0
    for position, factor in enumerate(factors):
        pairs = comparisons(factor)
        if pairs is not None:
            k = factor.levels_count
            moved = _moved_at(grid[:, :, col])
            after = rows[None, :] >= moved[:, None]
            if pairs:
                rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(_PAIR_STREAM, position)))
                dealt = _deal(len(pairs), trajectories, rng)
                ends = np.asarray(pairs, dtype=float)[dealt]              # (r, 2): the pair's alternatives
                flip = rng.integers(0, 2, trajectories).astype(bool)     # which end the trajectory starts from
                first = np.where(flip, ends[:, 1], ends[:, 0])
                second = np.where(flip, ends[:, 0], ends[:, 1])
                grid[:, :, col] = np.where(after, (second[:, None] + 0.5) / k, (first[:, None] + 0.5) / k)
            else:
                grid[:, :, col] = np.where(after, 0.75, 0.25)
        col += factor.dimension
    return grid.reshape(x.shape)


def _deal(m: int, trajectories: int, rng: np.random.Generator) -> np.ndarray:
    """Pair indices for ``trajectories`` trajectories: consecutive random permutations of ``range(m)``, cut."""
    blocks = -(-trajectories // m)
    return np.concatenate([rng.permutation(m) for _ in range(blocks)])[:trajectories]


def _moved_at(column: np.ndarray) -> np.ndarray:
    """For a (trajectories, d + 1) column of a one-at-a-time design, the row (1..d) at which it changes."""
    return np.argmax(column[:, 1:] != column[:, :-1], axis=1) + 1


# -- what a design covered ----------------------------------------------------------------------------------------

def coverage(x: np.ndarray, factors: Sequence[Factor], num_levels: int = SensitivitySpec.num_levels,
             keep: np.ndarray | None = None) -> pd.DataFrame:
    """What a Morris design covered, per factor: alternatives evaluated and pairs compared (screening_design.csv).

    Parameters
    ----------
    x : ndarray
        A design of :func:`morris_design`, shape ``(r (d + 1), columns)``.
    factors : sequence of Factor
    num_levels : int
        The grid's levels.
    keep : ndarray of bool, optional
        Shape ``(r,)``: the trajectories counted (default all; :func:`morris` passes those without a failed run).

    Returns
    -------
    DataFrame
        One row per factor, columns :data:`DESIGN_COLUMNS`:

        - ``design``: ``categorical`` (pairs of alternatives, :func:`comparisons`) or ``grid`` (Morris levels);
        - ``compares``: what a step compares;
        - ``alternatives``: a categorical factor's alternatives; a grid factor's levels ``p`` (for indicator
          exclusion, 2: each indicator in or out);
        - ``evaluated``: how many of them a kept trajectory used;
        - ``pairs``: the pairs a step can compare (a categorical's :func:`comparisons`; the ``p/2`` grid steps
          from level ``l`` to ``l + p/2``; for exclusion, 1: an indicator in against out);
        - ``compared``: how many of those pairs some kept trajectory compared;
        - ``min_comparisons``, ``max_comparisons``: the fewest and most kept trajectories comparing one pair.

        A factor of many columns (weight noise, simplex weights, exclusion) reports its least-covered column
        in ``evaluated`` and ``compared``, and the extremes over its columns' pairs in the counts.

    Examples
    --------
    >>> from dti_bench.analyses.factors import Factor
    >>> three = Factor("winsorisation", "treat.winmax", "choice", choices=(1, 2, 3))
    >>> x = morris_design([three, Factor("p", "aggregate.p", "range")], trajectories=6, seed=1)
    >>> coverage(x, [three, Factor("p", "aggregate.p", "range")])[["factor", "alternatives", "evaluated", "pairs",
    ...                                                           "compared", "min_comparisons"]]
              factor  alternatives  evaluated  pairs  compared  min_comparisons
    0  winsorisation             3          3      2         2                3
    1              p             4          4      2         2                1
    """
    d = len(factors)
    x = np.asarray(x, dtype=float)
    r = x.shape[0] // (d + 1)
    grid = x.reshape(r, d + 1, x.shape[1])
    keep = np.ones(r, dtype=bool) if keep is None else np.asarray(keep, dtype=bool)
    grid = grid[keep]
    kept = np.arange(len(grid))
    rows = []
    col = 0
    for factor in factors:
        block = grid[:, :, col:col + factor.dimension]
        col += factor.dimension
        pairs = comparisons(factor)
        if pairs is not None:
            k = factor.levels_count
            state = np.minimum((block[:, :, 0] * k).astype(int), k - 1)
            moved = _moved_at(block[:, :, 0]) if len(block) else np.zeros(0, dtype=int)
            before, after = state[kept, moved - 1], state[kept, moved]
            stepped = set(zip(np.minimum(before, after).tolist(), np.maximum(before, after).tolist()))
            counts = [sum(1 for b, a in zip(before.tolist(), after.tolist()) if {b, a} == {i, j}) for i, j in pairs]
            compares = "adjacent alternatives" if factor.kind == "choice" else "none vs each indicator left out"
            rows.append(_row(factor.name, "categorical", compares, k, len(np.unique(state)), len(pairs),
                             sum(p in stepped for p in pairs), counts))
            continue
        evaluated, compared, counts = [], [], []
        alternatives, steps = (2, [(0, 1)]) if factor.kind == "exclude" else \
            (num_levels, [(lo, lo + num_levels // 2) for lo in range(num_levels // 2)])
        for c in range(factor.dimension):
            u = block[:, :, c]
            moved = _moved_at(u) if len(u) else np.zeros(0, dtype=int)
            if factor.kind == "exclude":  # an indicator is out (0) when its coordinate is below the probability
                state = (u >= factor.probability).astype(int)
            else:
                state = np.rint(u * (num_levels - 1)).astype(int)
            before, after = state[kept, moved - 1], state[kept, moved]
            low, high = np.minimum(before, after).tolist(), np.maximum(before, after).tolist()
            per_step = [sum(1 for lo, hi in zip(low, high) if (lo, hi) == s) for s in steps]
            evaluated.append(len(np.unique(state)))
            compared.append(sum(n > 0 for n in per_step))
            counts.extend(per_step)
        compares = ("each indicator in vs out" if factor.kind == "exclude"
                    else f"grid levels l and l + {num_levels // 2}")
        rows.append(_row(factor.name, "grid", compares, alternatives, min(evaluated, default=0), len(steps),
                         min(compared, default=0), counts))
    return pd.DataFrame(rows, columns=list(DESIGN_COLUMNS))


def _row(name: str, design: str, compares: str, alternatives: int, evaluated: int, pairs: int, compared: int,
         counts: Sequence[int]) -> dict[str, Any]:
    return {"factor": name, "design": design, "compares": compares, "alternatives": int(alternatives),
            "evaluated": int(evaluated), "pairs": int(pairs), "compared": int(compared),
            "min_comparisons": int(min(counts, default=0)), "max_comparisons": int(max(counts, default=0))}


def _coverage_warnings(design: pd.DataFrame, factors: Sequence[Factor], dropped: int) -> tuple[str, ...]:
    """One line per categorical factor (or exclusion) the kept trajectories did not cover."""
    out = []
    kinds = {f.name: f.kind for f in factors}
    for row in design.itertuples(index=False):
        if row.design != "categorical" and kinds[row.factor] != "exclude":
            continue  # a grid factor keeps standard Morris: its levels are drawn, not dealt
        if row.evaluated < row.alternatives or row.compared < row.pairs:
            why = f" after {dropped} trajectories with a failed run were dropped" if dropped else ""
            out.append(f"Morris: factor {row.factor!r} evaluated {row.evaluated} of {row.alternatives} alternatives "
                       f"and compared {row.compared} of {row.pairs} pairs{why}; its mu_star leaves the rest out")
    return tuple(out)


# -- the analysis -------------------------------------------------------------------------------------------------

def morris(framework: Framework, data: Dataset | pd.DataFrame, methodology: Methodology | Mapping | None,
           factors: Sequence[FactorSpec | Mapping[str, Any] | Factor], *, n: int = 20,
           num_levels: int = SensitivitySpec.num_levels, seed: int = SensitivitySpec.seed, node: str | None = None,
           reference: Dataset | None = None) -> ScreeningResult:
    """Morris elementary effects of every factor on every output.

    For factor ``i`` and trajectory ``t`` the elementary effect is ``EE_it = (y(x + Δ e_i) − y(x)) / Δ`` for a
    continuous factor on the grid (``Δ = p / (2 (p − 1))``; a grouped factor moves all its columns at once), and
    ``EE_it = y(a_j) − y(a_i)`` for a categorical factor stepping between its alternatives ``i < j`` (see
    :func:`morris_design`). Over the ``r`` trajectories, ``μ*_i = mean_t |EE_it|``, ``μ_i = mean_t EE_it`` and
    ``σ_i`` their standard deviation (``ddof = 1``; SALib leaves it undefined for a group of several columns);
    ``mu_star_conf`` is the 95 % half-width of μ* by bootstrap of the trajectories (100 resamples). For a
    categorical factor μ* is thus the mean absolute change of the output between compared alternatives (in
    ranks, for a unit's rank; in rank places, for R̄s), comparable to a continuous factor's change over its range.

    Parameters
    ----------
    framework, data, methodology, factors
        As for :func:`~dti_bench.analyses.uncertainty.uncertainty`.
    n : int
        Trajectories ``r``: ``r (d + 1)`` runs; at least the largest number of pairs of a categorical factor
        (:func:`required_trajectories`: ``K − 1`` for a choice of ``K``, ``m`` for leave-one-out of ``m``).
    num_levels : int
        Levels ``p`` of the Morris grid of continuous factors (even); a categorical factor moves between its own
        alternatives whatever ``p``.
    seed : int
        Seed of the design and of the bootstrap; the same seed gives the same numbers.
    node : str, optional
        The composite analysed (default: the headline).
    reference : Dataset, optional

    Returns
    -------
    ScreeningResult
        ``.to_frame()`` (screening.csv): columns output, factor, mu_star, mu_star_conf, mu, sigma, method
        ('morris'), node; one row per output (each unit's rank, then ``mean_abs_shift``) and factor.
        ``.design`` (screening_design.csv): what the kept trajectories covered, per factor (:func:`coverage`).
        NaN policy: a trajectory with a failed run (or a NaN output) is dropped whole (counted in ``dropped``),
        and ``.warnings`` names any categorical factor that lost an alternative or a pair with it.

    Raises
    ------
    ConfigError
        ``n`` too small for a categorical factor, or ``num_levels`` odd (:func:`check_design`).
    MethodError
        Every trajectory met a failed run.

    References
    ----------
    Morris, M. D. (1991). Technometrics 33(2):161-174. Campolongo, F., Cariboni, J., Saltelli, A. (2007).
    Environmental Modelling & Software 22:1509-1518.

    Examples
    --------
    >>> import dti_bench as db
    >>> fw, ds = db.load_framework("dti-provincial-2022"), db.load_dataset("dti2022-synthetic")
    >>> m = fw.official.vary({"normalise": {"method": "minmax", "lo": 1, "hi": 100}})
    >>> aggregation = db.factors.choice("aggregate", ["arithmetic", "geometric", "harmonic",
    ...                                               {"method": "power", "p": 0.5}, "minimum"], name="aggregation")
    >>> result = db.morris(fw, ds, m, [aggregation, db.factors.weight_noise(0.25, name="weights")], n=8)
    >>> result.runs
    24
    >>> covered = result.design.set_index("factor")
    >>> covered.loc["aggregation", ["alternatives", "evaluated", "pairs", "compared"]].tolist()
    [5, 5, 4, 4]
    """
    s = setup(framework, data, methodology, factors, node, reference)
    factors, nominal, node, engine, nominal_ranks = s.factors, s.nominal, s.node, s.engine, s.reference_ranks
    from SALib.analyze import morris as morris_analyze

    check_design(factors, n, num_levels)
    prob = problem(factors)
    x = morris_design(factors, n, num_levels=num_levels, seed=seed)
    out = evaluate_design(engine, x, factors, nominal, node, nominal_ranks)
    y, names = _outputs(out, engine.units)
    step = len(factors) + 1
    bad = (out.failed | np.isnan(y).any(axis=1)).reshape(-1, step).any(axis=1)
    keep = np.repeat(~bad, step)
    if not keep.any():
        raise MethodError(f"Morris: every trajectory met a failed run ({next(iter(out.reasons.values()), '')})")
    # SALib divides every difference by the grid step Δ; a categorical factor's effect is the difference itself
    delta = num_levels / (2.0 * (num_levels - 1))
    unit = {f.name: (delta if comparisons(f) is not None else 1.0) for f in factors}
    rows = []
    for j, name in enumerate(names):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = morris_analyze.analyze(prob, x[keep], y[keep, j], num_levels=num_levels, seed=seed)
        for f, factor in enumerate(res["names"]):
            scale = unit[factor]
            rows.append({"output": name, "factor": factor, "mu_star": res["mu_star"][f] * scale,
                         "mu_star_conf": res["mu_star_conf"][f] * scale, "mu": res["mu"][f] * scale,
                         "sigma": res["sigma"][f] * scale, "method": "morris", "node": node})
    design = coverage(x, factors, num_levels, keep=~bad)
    lost = _coverage_warnings(design, factors, int(bad.sum()))
    for line in lost:  # a study lists these with its other methodology warnings (manifest, summary, report)
        warnings.warn(line, MethodologyWarning, stacklevel=2)
    return ScreeningResult("morris", node, tuple(f.name for f in factors), pd.DataFrame(rows), int(len(x)),
                           int(bad.sum()), design, lost)


__all__ = ["DESIGN_COLUMNS", "ScreeningResult", "check_design", "comparisons", "coverage", "morris", "morris_design",
           "required_trajectories"]
