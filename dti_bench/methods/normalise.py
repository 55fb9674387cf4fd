"""Normalisation methods: one column of raw values in, one column on a common scale out.

The contract every normaliser meets (COINr's ``n_*`` functions do the same)::

    f(x, *, ref=None, **params) -> ndarray, same shape as x

- ``x``: shape ``(units,)``, one indicator, direction already applied (``x <- -x`` for direction -1, once,
  before normalisation, by the pipeline).
- ``ref``: optional shape ``(m,)``: the same indicator in a reference dataset; statistics (min, max, mean, sd,
  ranks) are taken from it instead of ``x``, so that panels can be made comparable (e.g. 2023 normalised with
  2022's min and max). ``None`` means ``ref = x``. Methods whose scale is fixed by parameters alone
  (``goalposts``, ``ratio_target``, ``thresholds``, ``none``) accept ``ref`` and ignore it: fixed scales are
  comparable across panels already.
- NaN in, NaN out: missing values stay missing and are ignored by the statistics.
- Parameters named ``lo``, ``hi`` and ``target`` that the config leaves out are filled by the pipeline from the
  framework's node (goalposts and targets live with the indicator), negated and swapped for direction -1. A
  parameter named ``unit`` is given in the config as a unit code and reaches the method as that unit's integer
  position in ``x``.

Degenerate cases, decided once for the whole catalogue:

- **No present value** in the statistics source (``ref``, or ``x``): :class:`~dti_bench.errors.MethodError`;
  there is nothing to scale against. Methods that need no statistics return an all-NaN column.
- **Zero range / zero variance** (every present value of the statistics source equal): the units cannot be told
  apart, so every present value maps to the midpoint of the method's output scale and no end of the scale is
  favoured: ``(lo + hi)/2`` for ``minmax``, ``m`` for ``zscore``, 0.5 for ``dist_max`` and ``dist_ref``, 100
  (the reference) for ``ampi``.
- **Ties** in rank-based methods share the lowest rank (``'min'``, as COINr's default and as the DTI publishes),
  so a fully tied column has rank 1, Borda score 0 and percentile 0; a lone present value, which has nothing to
  be compared with, has percentile 0.5 (the midpoint rule).
- **A parameter that makes the scale empty or reversed** (goalposts with ``hi <= lo``, a target not above the
  data's minimum, a reference unit holding the minimum of a non-constant column, a best value of 0 for
  ``frac_max``, negative values or a zero total for ``sum``, an all-zero column for ``vector``, a non-positive
  target for ``ratio_target``, logs of non-positive values): MethodError naming the parameter, rather than
  silently reversing the indicator's direction or dividing by zero.

To add a method: write the function here (numpydoc: formula, NaN policy, reference) and add its row to
:data:`dti_bench.methods.registry.METHODS` (with the scale its output has); the contract tests pick it up.

Optionally, a method may also have a block version, registered as its entry's ``block``: the same method on a
``(units, k)`` block, each column on its own (``ref`` likewise ``(m, k)``), giving *exactly* the numbers of the
column-by-column calls. The pipeline then normalises all indicators that share the method and its parameters in
one call (a Monte Carlo run prepares ten blocks of 98 indicators before its first sample); the unit tests check
the equality bit for bit.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from dti_bench.errors import MethodError


def _stats_source(x: np.ndarray, ref: np.ndarray | None) -> np.ndarray:
    src = x if ref is None else np.asarray(ref, dtype=float)
    present = src[~np.isnan(src)]
    if present.size == 0:
        raise MethodError("normalisation: no present value to compute statistics from")
    return present


def _constant(x: np.ndarray, value: float) -> np.ndarray:
    """``value`` at every present position of ``x``, NaN elsewhere (the zero-range answer)."""
    return np.where(np.isnan(x), np.nan, float(value))


def check_minmax(lo: float = 0.0, hi: float = 1.0) -> None:
    """``lo < hi``, both finite: a reversed scale would turn the ranking over without a word."""
    if not (np.isfinite(lo) and np.isfinite(hi)) or not lo < hi:
        raise MethodError(f"minmax: lo must be below hi (both finite), got lo={lo!r}, hi={hi!r}; a reversed or empty "
                          f"scale would turn the ranking over or tie every unit")


def check_zscore(m: float = 0.0, s: float = 1.0) -> None:
    """``s > 0``, both finite: a negative s turns the ranking over, s = 0 ties every unit."""
    if not (np.isfinite(m) and np.isfinite(s)) or not s > 0:
        raise MethodError(f"zscore: s must be a positive number (and m finite), got m={m!r}, s={s!r}; s < 0 would "
                          f"turn the ranking over and s = 0 tie every unit")


def _span_ratio(x: np.ndarray, xmin: np.ndarray | float, xmax: np.ndarray | float, lo: float,
                hi: float) -> np.ndarray:
    """``lo + (hi - lo)(x - min)/(max - min)`` as min-max has always computed it, or, where the numerator would
    overflow (a column spanning most of the float range), divided first on halved values: the same number in
    exact arithmetic, finite where the usual order is not."""
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        out = lo + (hi - lo) * (x - xmin) / (xmax - xmin)
        wide = ~np.isfinite((hi - lo) * (np.asarray(xmax) - np.asarray(xmin)))
        if np.any(wide):
            safe = lo + (hi - lo) * ((x / 2 - np.asarray(xmin) / 2) / (np.asarray(xmax) / 2 - np.asarray(xmin) / 2))
            out = np.where(wide, safe, out)
    return out


def _spread(r: np.ndarray, axis: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Mean and sample sd (ddof 1) as numpy computes them, rescaled first by the largest magnitude where squares
    would overflow (values near 1e154 and beyond), so that such a column is not taken for a constant one."""
    n = r.shape[-1] if axis == 1 else r.size
    mean = r.mean(axis=axis)
    with np.errstate(over="ignore", invalid="ignore"):
        sd = r.std(axis=axis, ddof=1) if n > 1 else np.zeros(np.shape(mean))
    if np.all(np.isfinite(sd)):
        return mean, sd
    scale = np.abs(r).max(axis=axis, keepdims=axis is not None)
    scale = np.where(scale > 0, scale, 1.0)
    scaled_sd = (r / scale).std(axis=axis, ddof=1) * np.squeeze(scale) if n > 1 else sd
    return mean, np.where(np.isfinite(sd), sd, scaled_sd)


def none(x: np.ndarray, *, ref: np.ndarray | None = None) -> np.ndarray:
    """Pass values through unchanged: :math:`y = x` (for data already on a common scale).

    The official DTI aggregates main indicators that are already points / max points on [0, 1], so it
    normalises nothing. NaN stays NaN; ``ref`` is accepted and ignored (there are no statistics).

    References
    ----------
    Decision 922/QĐ-BTTTT, Appendix I (S45): main indicators scored as points against a maximum.

    Examples
    --------
    >>> none(np.array([0.25, np.nan, 1.0]))
    array([0.25,  nan, 1.  ])
    """
    return np.array(x, dtype=float)


def minmax(x: np.ndarray, *, lo: float = 0.0, hi: float = 1.0, ref: np.ndarray | None = None) -> np.ndarray:
    r"""Min-max rescaling to ``[lo, hi]`` (COINr ``n_minmax``).

    .. math:: y = lo + (hi - lo)\,\frac{x - \min(r)}{\max(r) - \min(r)}

    with ``r = ref`` or ``x``. A constant column (zero range) maps to the midpoint ``(lo + hi)/2``: every unit
    is equally good, and no side of the scale is favoured. ``lo < hi`` (else
    :class:`~dti_bench.errors.MethodError`: a reversed scale would turn the ranking over). NaN stays NaN; statistics ignore NaN. With ``ref``,
    values outside the reference's range land outside ``[lo, hi]`` (they are not clipped: a 2023 value above
    2022's maximum is genuinely better than anything in 2022).

    References
    ----------
    OECD/JRC (2008), *Handbook on Constructing Composite Indicators*, section 5.

    Examples
    --------
    COINr ``Normalise(coin, dset = "Treated", global_specs = list(f_n = "n_minmax", f_n_para = list(l_u = c(0,
    100))))``, one column:

    >>> minmax(np.array([2.0, 4.0, np.nan, 10.0]), lo=0, hi=100)
    array([  0.,  25.,  nan, 100.])
    >>> minmax(np.array([12.0]), ref=np.array([2.0, 10.0]))      # against a reference year: not clipped
    array([1.25])
    """
    check_minmax(lo, hi)
    x = np.asarray(x, dtype=float)
    r = _stats_source(x, ref)
    xmin, xmax = r.min(), r.max()
    if xmax == xmin:
        return _constant(x, (lo + hi) / 2.0)
    return _span_ratio(x, xmin, xmax, lo, hi)


def zscore(x: np.ndarray, *, m: float = 0.0, s: float = 1.0, ref: np.ndarray | None = None) -> np.ndarray:
    r"""Standardisation to mean ``m`` and standard deviation ``s`` (COINr ``n_zscore``).

    .. math:: y = m + s\,\frac{x - \bar r}{\mathrm{sd}(r)}

    with the sample standard deviation (``ddof = 1``) as COINr's ``sd``. A column with zero variance (or one
    present value) maps to ``m``. NaN stays NaN; statistics ignore NaN. ``s`` must be positive: a negative one
    would turn the ranking over, 0 would tie every unit (:class:`~dti_bench.errors.MethodError`).

    References
    ----------
    OECD/JRC (2008), *Handbook on Constructing Composite Indicators*, section 5.

    Examples
    --------
    Mean 4, sample standard deviation 2:

    >>> zscore(np.array([2.0, 4.0, 6.0]))
    array([-1.,  0.,  1.])
    >>> zscore(np.array([2.0, 4.0, 6.0]), m=10, s=2)
    array([ 8., 10., 12.])
    """
    check_zscore(m, s)
    x = np.asarray(x, dtype=float)
    r = _stats_source(x, ref)
    mean, sd = _spread(r)
    if not sd > 0:
        return _constant(x, m)
    return m + s * (x - mean) / sd


def _rank_min(x: np.ndarray, ref: np.ndarray | None) -> tuple[np.ndarray, int]:
    """``1 + #{r < x}`` at present positions (NaN elsewhere), and the number ``m`` of present ``r``."""
    r = np.sort(_stats_source(x, ref))
    present = ~np.isnan(x)
    out = np.full(x.shape, np.nan)
    # side='left' counts the reference values strictly below: ties share the lowest rank ('min')
    out[present] = 1.0 + np.searchsorted(r, x[present], side="left")
    return out, r.size


def rank(x: np.ndarray, *, ref: np.ndarray | None = None) -> np.ndarray:
    r"""Ranks, higher value = higher rank number, ties ``'min'`` (COINr ``n_rank``).

    .. math:: y_i = 1 + \#\{\, j : r_j < x_i \,\}

    with ``r = ref`` or ``x`` (present values only). Without ``ref`` this is ``rank(x, ties.method = "min")``
    in R: 1 for the lowest value, so that, as for every normaliser, a higher output is better (the *reverse* of
    a published ranking, where 1 = best; see :mod:`dti_bench.metrics.ranking`). Tied values share the lowest rank. With
    ``ref``, each value is placed in the reference distribution: a value above every reference value gets
    ``m + 1``. NaN stays NaN and is not counted. Shape ``(units,)`` in and out.

    References
    ----------
    COINr ``n_rank``; OECD/JRC (2008), *Handbook on Constructing Composite Indicators*, section 5 (ranking).

    Examples
    --------
    Ties share the lowest rank, as R's ``rank(x, ties.method = "min")``:

    >>> rank(np.array([3.0, 1.0, 3.0, np.nan, 7.0]))
    array([ 2.,  1.,  2., nan,  4.])
    """
    out, _ = _rank_min(np.asarray(x, dtype=float), ref)
    return out


def percentile(x: np.ndarray, *, ref: np.ndarray | None = None) -> np.ndarray:
    r"""Percentile ranks in ``[0, 1]`` (COINr ``n_prank``).

    .. math:: y_i = \min\!\left(\frac{\mathrm{rank}_i - 1}{m - 1},\ 1\right)

    with ``rank`` as in :func:`rank` (ties ``'min'``, counted against ``r = ref`` or ``x``) and ``m`` the number
    of present values of ``r``: the share of the *other* units with a strictly lower value. Without ``ref`` the
    cap never binds and this is COINr's ``(rank - 1)/(n - 1)``; with ``ref`` a value above the reference's
    maximum would reach ``m/(m - 1)`` and is capped at 1, the score of the reference's best. A fully tied column
    is 0 everywhere (ties ``'min'``). A lone present value (``m = 1``, where COINr divides 0 by 0) maps to 0.5:
    nothing to compare with, so the midpoint. NaN stays NaN.

    References
    ----------
    COINr ``n_prank``.

    Examples
    --------
    Four values: (rank - 1)/3:

    >>> np.round(percentile(np.array([10.0, 40.0, 20.0, 30.0])), 4)
    array([0.    , 1.    , 0.3333, 0.6667])
    """
    x = np.asarray(x, dtype=float)
    r, m = _rank_min(x, ref)
    if m == 1:
        return _constant(x, 0.5)
    return np.minimum((r - 1.0) / (m - 1.0), 1.0)


def borda(x: np.ndarray, *, ref: np.ndarray | None = None) -> np.ndarray:
    r"""Borda scores: the number of values strictly below (COINr ``n_borda``).

    .. math:: y_i = \mathrm{rank}_i - 1 = \#\{\, j : r_j < x_i \,\}

    with ``rank`` as in :func:`rank` (ties ``'min'``, ``r = ref`` or ``x``). The lowest value scores 0; a fully
    tied column is 0 everywhere. NaN stays NaN.

    References
    ----------
    COINr ``n_borda``; Borda (1781), *Mémoire sur les élections au scrutin*.

    Examples
    --------
    >>> borda(np.array([3.0, 1.0, 3.0, 7.0]))
    array([1., 0., 1., 3.])
    """
    return rank(x, ref=ref) - 1.0


def goalposts(x: np.ndarray, *, lo: float, hi: float, cap: bool = True, log: bool = False, scale: float = 1.0,
              ref: np.ndarray | None = None) -> np.ndarray:
    r"""Distance from the lower goalpost to the upper one (COINr ``n_goalposts``; the HDI's dimension indices).

    .. math:: y = a \cdot \mathrm{clip}\!\left(\frac{x - lo}{hi - lo},\ 0,\ 1\right)
              \qquad\text{or, with } \texttt{log}:\qquad
              y = a \cdot \mathrm{clip}\!\left(\frac{\ln x - \ln lo}{\ln hi - \ln lo},\ 0,\ 1\right)

    with ``a = scale`` (COINr's third goalpost ``gposts[3]``, applied after the clipping as COINr does) and the
    clipping only when ``cap`` (COINr's ``trunc2posts``). ``log`` is the HDI's treatment of income (UNDP 2010 on):
    each doubling counts the same. Goalposts come from the framework node when the config leaves them out (the
    pipeline negates and swaps them for direction -1, so ``lo < hi`` always holds for a valid node).

    A unit's score depends on its own value only, so adding or removing units never changes it, and ``ref`` is
    accepted and ignored. NaN stays NaN.

    Raises
    ------
    MethodError
        ``hi <= lo`` (empty or reversed scale); with ``log``, ``lo <= 0`` or a present ``x <= 0`` (e.g. a
        direction -1 indicator, whose values were negated).

    References
    ----------
    COINr ``n_goalposts``; UNDP (2010), *Human Development Report*, technical note 1.

    Examples
    --------
    Goalposts 0 and 50, clipped to [0, 1], then scaled to 100 (COINr ``f_n = "n_goalposts"``, ``gposts = c(0, 50,
    100)``):

    >>> goalposts(np.array([-5.0, 10.0, 25.0, 60.0]), lo=0, hi=50, scale=100)
    array([  0.,  20.,  50., 100.])
    >>> np.round(goalposts(np.array([100.0, 1000.0, 10000.0]), lo=100, hi=10000, log=True), 3)   # each tenfold: half
    array([0. , 0.5, 1. ])
    """
    x = np.asarray(x, dtype=float)
    if not hi > lo:
        raise MethodError(f"goalposts: need lo < hi, got lo={lo!r}, hi={hi!r}")
    if log:
        if not lo > 0:
            raise MethodError(f"goalposts with log: true needs lo > 0, got lo={lo!r}")
        present = x[~np.isnan(x)]
        if (present <= 0).any():
            raise MethodError(f"goalposts with log: true needs positive values, got {float(present.min()):g} "
                              f"(a direction -1 indicator is negated before normalisation; use log: false)")
        with np.errstate(invalid="ignore"):  # NaN only: non-positive values were refused above
            y = (np.log(x) - np.log(lo)) / (np.log(hi) - np.log(lo))
    else:
        y = (x - lo) / (hi - lo)
    if cap:
        y = np.clip(y, 0.0, 1.0)
    return scale * y


def dist_max(x: np.ndarray, *, ref: np.ndarray | None = None) -> np.ndarray:
    r"""Distance to the maximum (COINr ``n_dist2max``).

    .. math:: y = 1 - \frac{\max(r) - x}{\max(r) - \min(r)}

    with ``r = ref`` or ``x``: 1 for the best unit, 0 for the worst (algebraically min-max onto ``[0, 1]``,
    kept under COINr's name so that configs written for COINr read the same). Zero range: 0.5 everywhere (COINr
    returns NaN). NaN stays NaN.

    References
    ----------
    COINr ``n_dist2max``; OECD/JRC (2008), *Handbook on Constructing Composite Indicators*, section 5.

    Examples
    --------
    >>> dist_max(np.array([2.0, 4.0, 10.0]))
    array([0.  , 0.25, 1.  ])
    """
    x = np.asarray(x, dtype=float)
    r = _stats_source(x, ref)
    xmin, xmax = r.min(), r.max()
    if xmax == xmin:
        return _constant(x, 0.5)
    return 1.0 - (xmax - x) / (xmax - xmin)


def dist_ref(x: np.ndarray, *, unit: int | None = None, cap_max: bool = False,
             ref: np.ndarray | None = None) -> np.ndarray:
    r"""Distance to a reference unit (COINr ``n_dist2ref``).

    .. math:: y = 1 - \frac{x_{u} - x}{x_{u} - \min(r)}

    with ``x_u = x[unit]`` (the reference unit's own value: ``unit`` is its position in ``x``, which the
    pipeline converts from the unit code in the config) and ``r = ref`` or ``x``. The reference unit scores 1,
    the minimum 0; units above the reference exceed 1 unless ``cap_max`` (then they score 1).

    Degenerate cases: a constant column (``x`` and ``r`` all equal to ``x_u``) gives 0.5 everywhere (zero-range
    rule); a reference unit at or below ``min(r)`` while other values differ leaves no scale (it would divide by
    zero or reverse the indicator), and raises. NaN stays NaN.

    Raises
    ------
    MethodError
        ``unit`` missing or out of range, the reference unit's value missing, or ``x_u <= min(r)`` on a
        non-constant column.

    References
    ----------
    COINr ``n_dist2ref``.

    Examples
    --------
    Unit 1 (value 6) is the reference: it scores 1, the minimum 0, the unit above it 2 (or 1 with ``cap_max``):

    >>> dist_ref(np.array([2.0, 6.0, 4.0, 10.0]), unit=1)
    array([0. , 1. , 0.5, 2. ])
    >>> dist_ref(np.array([2.0, 6.0, 4.0, 10.0]), unit=1, cap_max=True)
    array([0. , 1. , 0.5, 1. ])
    """
    x = np.asarray(x, dtype=float)
    if unit is None:
        raise MethodError("dist_ref: needs 'unit', the code of the reference unit")
    if not 0 <= int(unit) < x.shape[0]:
        raise MethodError(f"dist_ref: unit position {unit!r} is outside 0..{x.shape[0] - 1}")
    r = _stats_source(x, ref)
    xu = x[int(unit)]
    if np.isnan(xu):
        raise MethodError(f"dist_ref: the reference unit (position {unit}) has a missing value")
    xmin = r.min()
    if not xu > xmin:
        everything = np.concatenate([r, x[~np.isnan(x)]])
        if (everything == xu).all():
            return _constant(x, 0.5)
        raise MethodError(f"dist_ref: the reference unit (position {unit}) has value {float(xu):g}, not above the "
                          f"minimum {float(xmin):g}; choose a leading unit as the reference")
    y = 1.0 - (xu - x) / (xu - xmin)
    return np.minimum(y, 1.0) if cap_max else y


def dist_target(x: np.ndarray, *, target: float, cap_max: bool = False,
                ref: np.ndarray | None = None) -> np.ndarray:
    r"""Distance to a target (COINr ``n_dist2targ``).

    .. math:: y = \frac{x - \min(r)}{target - \min(r)}

    with ``r = ref`` or ``x``: the minimum scores 0, a unit at the target 1, units past the target above 1 unless
    ``cap_max`` (then 1). For direction -1 the pipeline negates both ``x`` and the target, which gives COINr's
    ``(max - x)/(max - target)`` exactly. The target comes from the framework node when the config omits it.
    NaN stays NaN.

    Raises
    ------
    MethodError
        ``target <= min(r)``: every unit already meets the target, and the formula would divide by zero or
        reverse the indicator (COINr only warns).

    References
    ----------
    COINr ``n_dist2targ``; OECD/JRC (2008), *Handbook on Constructing Composite Indicators*, section 5
    (distance to a reference).

    Examples
    --------
    Target 10 from a minimum of 2:

    >>> dist_target(np.array([2.0, 6.0, 12.0]), target=10)
    array([0.  , 0.5 , 1.25])
    >>> dist_target(np.array([2.0, 6.0, 12.0]), target=10, cap_max=True)
    array([0. , 0.5, 1. ])
    """
    x = np.asarray(x, dtype=float)
    xmin = _stats_source(x, ref).min()
    if not target > xmin:
        raise MethodError(f"dist_target: target {target!r} is not above the data's minimum {float(xmin):g} (after the "
                          f"direction is applied); use ratio_target or goalposts")
    y = (x - xmin) / (target - xmin)
    return np.minimum(y, 1.0) if cap_max else y


def frac_max(x: np.ndarray, *, ref: np.ndarray | None = None) -> np.ndarray:
    r"""Fraction of the best value (COINr ``n_fracmax``), for higher- and lower-is-better indicators alike.

    .. math:: y = \begin{cases} \dfrac{x}{\max(r)} & \max(r) > 0 \\[1ex]
                                \dfrac{\max(r)}{x} & \max(r) < 0 \end{cases}

    with ``r = ref`` or ``x``, the values as the pipeline hands them over (direction applied). In that oriented
    column the best unit is always the maximum; the formula divides the smaller magnitude of the two, the unit's
    value and the best one, by the larger, so that the best scores 1 and every other unit lies in :math:`[0, 1)`
    (with ``ref``, a unit better than the reference's best scores above 1):

    - **higher is better** (direction 1, non-negative values): :math:`v / \max v`, the share of the best; zero
      scores 0;
    - **lower is better** (direction -1, positive raw values :math:`v`, which the pipeline negates to
      :math:`x = -v`): :math:`\max(r)/x = \min v / v`, the best (lowest) value over the unit's, the usual
      publisher's form for a cost, a death rate or a price (a unit with twice the best unit's rate scores 0.5).

    Both are ratio-scale scores of the raw quantity: multiplying the raw values by a positive constant changes
    nothing, so geometric and harmonic means of them are meaningful (the registry marks this row
    ``direction_aware``, and the scale check does not count direction -1 against it). One method rather than two
    (``frac_max`` and a ``frac_min``), because the function sees the oriented column, where "the best" is always
    its maximum, and one name then serves a whole framework with indicators of both directions. COINr's
    ``n_fracmax`` divides the negated column by its maximum, :math:`(-v)/(-\min v) = v / \min v \ge 1`, which ranks
    a direction -1 indicator upside down (its worst unit scores highest).

    Degenerate cases and NaN: a constant column is 1 everywhere (the formula is defined there, so the zero-range
    rule does not apply). A column of mixed signs with a positive maximum keeps the first form (order-preserving,
    but not a share). NaN stays NaN and is ignored by the maximum.

    Raises
    ------
    MethodError
        ``max(r) = 0`` (an all-zero column, or a lower-is-better indicator whose best unit is at 0: every other
        unit would score 0); with ``max(r) < 0``, a present ``x >= 0`` (a raw value of 0 or below on a
        lower-is-better indicator, which the ratio cannot place); no present value.

    References
    ----------
    COINr ``n_fracmax`` (COINr 1.1.14, ``R/normalise.R``: ``x/max(x, na.rm = TRUE)``, after ``x <- x*direction``);
    OECD/JRC (2008), *Handbook on Constructing Composite Indicators*, section 5 (distance to a reference: the
    leader).

    Examples
    --------
    Higher is better, then a lower-is-better indicator as the pipeline hands it over (raw 2, 4, 8 negated):

    >>> frac_max(np.array([2.0, 5.0, np.nan, 10.0]))
    array([0.2, 0.5, nan, 1. ])
    >>> frac_max(-np.array([2.0, 4.0, 8.0]))   # min v / v = 2/2, 2/4, 2/8
    array([1.  , 0.5 , 0.25])
    """
    x = np.asarray(x, dtype=float)
    xmax = _stats_source(x, ref).max()
    if xmax > 0:
        return x / xmax
    if not xmax < 0:
        raise MethodError("frac_max: the best value is 0 (an all-zero column, or a lower-is-better indicator whose "
                          "best unit is at 0), so every other unit would score 0; use minmax or dist_max")
    present = x[~np.isnan(x)]
    if (present >= 0).any():
        raise MethodError(f"frac_max: a lower-is-better indicator (all reference values negative after direction "
                          f"-1) has a value {0.0 - float(present.max()):g} <= 0, which best/value cannot score; use "
                          f"minmax or dist_max")
    return xmax / x


def share_of_total(x: np.ndarray, *, ref: np.ndarray | None = None) -> np.ndarray:
    r"""Share of the total (config name ``sum``): each unit's value over the sum of the present values.

    .. math:: y_i = \frac{x_i}{\sum_{j \,\in\, \mathrm{present}(r)} r_j}

    with ``r = ref`` or ``x``. The outputs of a column without ``ref`` sum to 1 over the present units. Dividing
    by a positive constant keeps the natural zero (ratio scale); unlike ``frac_max`` the scale depends on the
    number of units, so adding a unit lowers every other unit's score (not their order).

    NaN stays NaN and is left out of the total (the shares then sum to 1 over the units that have a value). A
    constant positive column gives :math:`1/n` everywhere (the formula is defined, so the zero-range rule does not
    apply).

    Direction -1: the pipeline negates the column before normalisation, and a share of a negative total would turn
    the order over; such a column is refused (use ``frac_max``, whose best/value form handles lower-is-better
    indicators, ``vector`` or ``minmax``). Negative values generally are refused, not only after direction -1: a
    total of mixed signs may be near 0 and the shares meaningless.

    Raises
    ------
    MethodError
        A negative present value in ``x`` or ``r`` (including every value of a direction -1 indicator), a total
        of 0 (an all-zero column), or no present value.

    References
    ----------
    The linear "sum" normalisation of multi-criteria decision analysis: Jahan, A. & Edwards, K. L. (2015), A
    state-of-the-art survey on the influence of normalization techniques in ranking, *Materials & Design*
    65:335-342.

    Examples
    --------
    >>> share_of_total(np.array([1.0, 3.0, np.nan, 4.0]))
    array([0.125, 0.375,   nan, 0.5  ])
    """
    x = np.asarray(x, dtype=float)
    r = _stats_source(x, ref)
    negative = np.concatenate([r[r < 0], x[x < 0]])
    if negative.size:
        hint = (" (a direction -1 indicator is negated before normalisation: use frac_max, vector or minmax)"
                if (r <= 0).all() else "")
        raise MethodError(f"sum: needs non-negative values, got {float(negative.min()):g}{hint}")
    with np.errstate(over="ignore"):
        total = r.sum()
    if not np.isfinite(total):  # the sum overflows: divide by the largest value first
        scale = r.max()
        return (x / scale) / (r / scale).sum()
    if not total > 0:
        raise MethodError("sum: the present values sum to 0 (an all-zero column), so there is no total to share")
    return x / total


def vector(x: np.ndarray, *, ref: np.ndarray | None = None) -> np.ndarray:
    r"""Vector normalisation: each value over the Euclidean norm of the column (TOPSIS's normalisation).

    .. math:: y_i = \frac{x_i}{\sqrt{\sum_{j \,\in\, \mathrm{present}(r)} r_j^2}}

    with ``r = ref`` or ``x``. Without ``ref`` the present outputs have unit Euclidean norm and lie in [-1, 1].
    Dividing by a positive constant keeps the order and the natural zero (ratio scale for non-negative data).

    Direction -1: the negated column :math:`x = -v` gives :math:`-v_i / \lVert v \rVert`, in [-1, 0], the best
    (lowest) raw value nearest 0. The order is right and the arithmetic mean of such scores is the weighted sum
    with costs subtracted, the usual additive reading of TOPSIS's matrix; a geometric or harmonic mean refuses
    the non-positive values (and the scale check flags it: direction -1 has no natural zero). Mixed signs are
    accepted for the same reason: the norm is positive, so nothing is reversed.

    NaN stays NaN and is left out of the norm. A constant column ``c`` gives :math:`\operatorname{sign}(c)/\sqrt n`
    (the formula is defined, so the zero-range rule does not apply). Where squares would overflow or lose digits
    (a largest magnitude beyond 1e150 or below 1e-150) the norm is computed on values divided by the largest one,
    so a column near 1e200 or 1e-200 is scored, not refused.

    Raises
    ------
    MethodError
        A norm of 0 (an all-zero column), or no present value.

    References
    ----------
    Hwang, C.-L. & Yoon, K. (1981), *Multiple Attribute Decision Making: Methods and Applications*, Springer
    (TOPSIS, vector normalisation); Jahan, A. & Edwards, K. L. (2015), *Materials & Design* 65:335-342.

    Examples
    --------
    >>> vector(np.array([3.0, np.nan, 4.0]))
    array([0.6, nan, 0.8])
    >>> vector(-np.array([3.0, 4.0]))          # direction -1: raw 3 and 4, the lower one nearer 0
    array([-0.6, -0.8])
    """
    x = np.asarray(x, dtype=float)
    r = _stats_source(x, ref)
    largest = np.abs(r).max()
    if not largest > 0:
        raise MethodError("vector: the present values are all 0, so the column has no norm to divide by")
    if not 1e-150 < largest < 1e150:  # squares would overflow or lose digits: the norm in units of the largest value
        return (x / largest) / np.sqrt(((r / largest) ** 2).sum())
    return x / np.sqrt((r * r).sum())


def ratio_target(x: np.ndarray, *, target: float, points: float = 1.0, cap: bool = True,
                 ref: np.ndarray | None = None) -> np.ndarray:
    r"""Ratio to a target, times the points at stake: how DTI component indicators are scored.

    .. math:: y = \mathrm{points} \cdot \min\!\left(\frac{x}{target},\ 1\right)

    (the minimum only when ``cap``). The DTI methodology: "Tỷ lệ = a/b; Điểm = Tỷ lệ × Điểm tối đa" (ratio =
    achieved / required; score = ratio × maximum points). The target comes from the framework node when the
    config omits it. A unit's score depends on its own value only; ``ref`` is accepted and ignored. There is
    no floor: a negative value scores below 0. NaN stays NaN.

    Raises
    ------
    MethodError
        ``target <= 0`` (including a direction -1 indicator, whose target the pipeline negates): a ratio to a
        non-positive target does not order units; use dist_target or goalposts.

    References
    ----------
    The scoring rule as read in a province-issued district DTI modelled on Decision 922/QĐ-BTTTT (source S61 in
    ``dti_bench/datasets/dti_published/methodology.md``, section 3; that the national rules are the same is
    inferred there, the 922 appendix being unreadable).

    Examples
    --------
    >>> ratio_target(np.array([2.0, 5.0, 15.0]), target=10)
    array([0.2, 0.5, 1. ])
    >>> ratio_target(np.array([2.0, 5.0, 15.0]), target=10, points=20)
    array([ 4., 10., 20.])
    """
    x = np.asarray(x, dtype=float)
    if not target > 0:
        raise MethodError(f"ratio_target: needs a positive target, got {target!r}")
    y = x / target
    if cap:
        y = np.minimum(y, 1.0)
    return points * y


def thresholds(x: np.ndarray, *, cuts: Sequence[float] | None = None, points: Sequence[float] | None = None,
               ref: np.ndarray | None = None) -> np.ndarray:
    r"""Step scoring from a table of cut points: the DTI's rules such as "4 meetings a year: 20 points".

    .. math:: y_i = \mathrm{points}_k, \quad k = \max\{\, k : x_i \ge \mathrm{cuts}_k \,\}; \qquad
              y_i = 0 \text{ if } x_i < \mathrm{cuts}_0

    A value scores the points of the highest cut it reaches (``x >= cut``); below the lowest cut it scores 0
    (put a cut at the data's floor with its own points if that level should score). ``cuts`` are not touched by
    the pipeline, so a direction -1 indicator needs negated cuts (``x`` is negated). A unit's score depends on
    its own value only; ``ref`` is accepted and ignored. NaN stays NaN.

    Parameters
    ----------
    cuts : sequence of float, shape (k,)
        Strictly ascending cut points, e.g. ``[1, 2, 3, 4]`` meetings.
    points : sequence of float, shape (k,)
        Points for reaching each cut, e.g. ``[5, 10, 15, 20]``.

    Raises
    ------
    MethodError
        ``cuts`` or ``points`` missing or empty, of different lengths, or ``cuts`` not strictly ascending.

    References
    ----------
    The step rules as read in a province-issued district DTI modelled on Decision 922/QĐ-BTTTT (source S61 in
    ``dti_bench/datasets/dti_published/methodology.md``, section 3).

    Examples
    --------
    "1 meeting a year: 5 points, 2: 10, 3: 15, 4 or more: 20", and 0 meetings scores 0:

    >>> thresholds(np.array([0.0, 1.0, 2.5, 4.0, 7.0, np.nan]), cuts=[1, 2, 3, 4], points=[5, 10, 15, 20])
    array([ 0.,  5., 10., 20., 20., nan])
    """
    x = np.asarray(x, dtype=float)
    if cuts is None or points is None or len(cuts) == 0:
        raise MethodError("thresholds: needs 'cuts' and 'points', two lists of the same non-zero length")
    c = np.asarray(cuts, dtype=float)
    p = np.asarray(points, dtype=float)
    if c.ndim != 1 or c.shape != p.shape:
        raise MethodError(f"thresholds: 'cuts' ({len(cuts)}) and 'points' ({len(points)}) need the same length")
    if not (np.isfinite(c).all() and np.isfinite(p).all()):
        raise MethodError("thresholds: 'cuts' and 'points' must be finite numbers")
    if (np.diff(c) <= 0).any():
        raise MethodError(f"thresholds: 'cuts' must be strictly ascending, got {list(cuts)!r}")
    present = ~np.isnan(x)
    out = np.full(x.shape, np.nan)
    # side='right' - 1 is the index of the highest cut <= x, or -1 below the lowest cut
    k = np.searchsorted(c, x[present], side="right") - 1
    out[present] = np.where(k >= 0, p[np.maximum(k, 0)], 0.0)
    return out


def ampi(x: np.ndarray, *, unit: int | None = None, ref: np.ndarray | None = None) -> np.ndarray:
    r"""The Adjusted Mazziotta–Pareto Index's rescaling: 100 at a reference value, the range 60 points wide.

    .. math:: y = 100 + 60\,\frac{x - x_0}{\max(r) - \min(r)}

    with ``r = ref`` or ``x`` and :math:`x_0` the reference value: the mean of ``r`` (Mazziotta & Pareto's
    usual choice, "100 represents the average"), or, with ``unit``, that unit's own value ``x[unit]`` (a
    benchmark such as a national average row; ``unit`` is its position in ``x``, which the pipeline converts from
    the unit code in the config). This is their min-max onto goalposts :math:`x_0 \pm \Delta`,
    :math:`\Delta = (\max r - \min r)/2`:

    .. math:: y = 70 + 60\,\frac{x - (x_0 - \Delta)}{2\Delta}

    so a column whose reference is its midrange spans exactly [70, 130]; with the mean as reference the values
    are shifted so that the reference sits at 100, and stay within 100 ± 60. With ``ref`` (the base year of a
    panel) values outside the reference's range land outside that range: they are not clipped, which is what
    makes scores comparable over time. Negative polarity is the framework's direction -1: the pipeline negates
    the column first, which gives the paper's :math:`70 + 60\,(\mathrm{Max} - x)/(\mathrm{Max} - \mathrm{Min})`.

    The scale is interval (a shift and a scale fixed by the data), positive in practice, and is what
    :func:`~dti_bench.methods.aggregate.ampi` expects. A constant column (zero range) maps to 100 everywhere:
    every unit is at the reference. NaN stays NaN; statistics ignore NaN.

    Raises
    ------
    MethodError
        No present value in the statistics source; ``unit`` out of range or its value missing.

    References
    ----------
    Mazziotta, M. & Pareto, A. (2016), On a generalized non-compensatory composite index for measuring
    socio-economic phenomena, *Social Indicators Research* 127:983 (the AMPI and its normalisation);
    Mazziotta, M. & Pareto, A. (2018), Measuring well-being over time: the Adjusted Mazziotta–Pareto Index versus
    other non-compensatory indices, *Social Indicators Research* 136:967. Compind (R), ``ci_ampi`` (goalposts
    ``gp ± (max - min)/2``, then ``(x - min)/(max - min) * 60 + 70``).

    Examples
    --------
    Mean 6 and range 10, so each unit of ``x`` is worth 6 points:

    >>> ampi(np.array([2.0, 4.0, 6.0, np.nan, 12.0]))
    array([ 76.,  88., 100.,  nan, 136.])
    >>> ampi(np.array([2.0, 4.0, 6.0, np.nan, 12.0]), unit=1)   # the second unit is the reference
    array([ 88., 100., 112.,  nan, 148.])
    """
    x = np.asarray(x, dtype=float)
    r = _stats_source(x, ref)
    if unit is None:
        centre = float(r.mean())
    else:
        if not 0 <= int(unit) < x.shape[0]:
            raise MethodError(f"ampi: unit position {unit!r} is outside 0..{x.shape[0] - 1}")
        centre = float(x[int(unit)])
        if np.isnan(centre):
            raise MethodError(f"ampi: the reference unit (position {unit}) has a missing value")
    xmin, xmax = r.min(), r.max()
    if xmax == xmin:
        return _constant(x, 100.0)
    return 100.0 + 60.0 * (x - centre) / (xmax - xmin)


def _by_column(function, x: np.ndarray, ref: np.ndarray | None, columns, **params) -> np.ndarray:
    """``function`` on the given columns of ``x`` one at a time (the fallback of the block versions)."""
    out = np.empty(x.shape)
    for j in columns:
        out[:, j] = function(x[:, j], ref=None if ref is None else ref[:, j], **params)
    return out


def none_columns(x: np.ndarray, *, ref: np.ndarray | None = None) -> np.ndarray:
    """:func:`none` on a ``(units, k)`` block."""
    return np.array(x, dtype=float)


def minmax_columns(x: np.ndarray, *, lo: float = 0.0, hi: float = 1.0, ref: np.ndarray | None = None) -> np.ndarray:
    """:func:`minmax` on every column of a ``(units, k)`` block: the same arithmetic, element by element."""
    check_minmax(lo, hi)
    x = np.asarray(x, dtype=float)
    src = x if ref is None else np.asarray(ref, dtype=float)
    if not x.size or np.isnan(src).all(axis=0).any():
        return _by_column(minmax, x, ref, range(x.shape[1]), lo=lo, hi=hi)  # raises for the empty column
    xmin, xmax = np.nanmin(src, axis=0), np.nanmax(src, axis=0)
    constant = xmax == xmin
    out = _span_ratio(x, xmin, xmax, lo, hi)
    if constant.any():
        out[:, constant] = _constant(x[:, constant], (lo + hi) / 2.0)
    return out


def zscore_columns(x: np.ndarray, *, m: float = 0.0, s: float = 1.0, ref: np.ndarray | None = None) -> np.ndarray:
    """:func:`zscore` on every column of a ``(units, k)`` block. Complete columns are reduced as contiguous rows
    of the transposed block, which numpy sums in the same (pairwise) order as the one-column call; columns with
    a missing value go one at a time."""
    check_zscore(m, s)
    x = np.asarray(x, dtype=float)
    src = x if ref is None else np.asarray(ref, dtype=float)
    holes = np.isnan(src).any(axis=0)
    out = _by_column(zscore, x, ref, np.flatnonzero(holes), m=m, s=s) if holes.any() else np.empty(x.shape)
    full = np.flatnonzero(~holes)
    if full.size:
        rows = np.ascontiguousarray(src[:, full].T)
        mean, sd = _spread(rows, axis=1)
        flat = ~(sd > 0)
        with np.errstate(divide="ignore", invalid="ignore"):
            out[:, full] = m + s * (x[:, full] - mean) / sd
        if flat.any():
            out[:, full[flat]] = _constant(x[:, full[flat]], m)
    return out
