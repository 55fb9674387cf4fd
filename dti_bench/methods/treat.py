"""Outlier treatment of one indicator column.

The contract::

    f(x, **params) -> (treated, report)

- ``x``: shape ``(units,)``; NaN stays NaN.
- ``report``: a dict describing what was done, which the pipeline collects per indicator. Every treatment
  reports at least ``method`` (its registry name), ``treated`` (a list of ``(unit position, old value, new
  value)`` for every cell it changed), ``iterations`` and ``log`` (whether a log transform was used).
- A treatment that can warn accepts the keyword ``indicator`` (its block version ``indicators``): the code(s) the
  pipeline passes so that a :class:`~dti_bench.errors.MethodologyWarning` names the indicator. A config cannot
  set it.

To add a method: write it here and add its row to :data:`dti_bench.methods.registry.METHODS`; a block version
(``f(x_block, **params) -> (treated block, one report per column)``, exactly what the column-by-column calls give)
goes in the same row, and the pipeline uses it when every indicator has the same treatment.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from dti_bench.errors import MethodError, MethodologyWarning, choices

#: What :func:`winsorise` does to a column that winsorisation cannot fix (COINr's ``f2``), default first.
FALLBACKS = ("log_ct", "log_ct_plus", "none")


def none(x: np.ndarray) -> tuple[np.ndarray, dict[str, Any]]:
    """No treatment: the column is returned unchanged, NaN included, and the report lists no treated cell.

    References
    ----------
    COINr ``Treat`` with no indicator selected; OECD/JRC (2008) Handbook, section 3 (treatment is optional).

    Examples
    --------
    >>> y, report = none(np.array([1.0, 100.0, np.nan]))
    >>> y, report["treated"]
    (array([  1., 100.,  nan]), [])
    """
    return np.array(x, dtype=float), {"method": "none", "treated": [], "iterations": 0, "log": False}


def _skew_kurt_rows(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(:func:`excel_skew`, :func:`excel_kurt`) of every row of a complete ``(k, n)`` block, n >= 3 (kurtosis
    NaN below 4): the one implementation of both formulas, for one column and for a block alike.

    The central moments are taken in units of the largest deviation: skewness and kurtosis are scale-free,
    and the rescaling keeps the moments away from under/overflow (deviations of 1e-155 would otherwise square
    to 0). A row whose largest deviation is at most 1e-14 of its largest absolute value has zero variance up to
    rounding (rounding leaves ~1e-17 deviations in a constant column such as [0.1] * 6): NaN for both.
    """
    n = rows.shape[1]
    d = rows - (rows.sum(axis=1) / n)[:, None]
    spread = np.maximum(d.max(axis=1), -d.min(axis=1))
    varies = spread > 1e-14 * np.maximum(rows.max(axis=1), -rows.min(axis=1))
    d /= np.where(varies, spread, 1.0)[:, None]
    d2 = d * d
    m2, m3, m4 = d2.sum(axis=1) / n, (d2 * d).sum(axis=1) / n, (d2 * d2).sum(axis=1) / n
    # m2^1.5 and m2^2 through the C library's pow (Python floats), as this module always computed them: numpy's
    # power (x*x for the square) may round the last bit differently
    power, square = np.array([v ** 1.5 for v in m2.tolist()]), np.array([v ** 2 for v in m2.tolist()])
    with np.errstate(invalid="ignore", divide="ignore"):  # constant rows: 0/0, set to NaN just below
        skew = np.sqrt(n * (n - 1)) / (n - 2) * m3 / power
        r = m4 / square
    kurt = ((n + 1) * (r - 3) + 6) * (n - 1) / ((n - 2) * (n - 3)) if n >= 4 else np.full(len(rows), np.nan)
    return np.where(varies, skew, np.nan), np.where(varies, kurt, np.nan)


def _skew_kurt(x: np.ndarray) -> tuple[float, float]:
    """(:func:`excel_skew`, :func:`excel_kurt`) of one column's present values, from one pass over the moments."""
    v = np.asarray(x, dtype=float)
    v = v[~np.isnan(v)]
    if v.size < 3:
        return float("nan"), float("nan")
    skew, kurt = _skew_kurt_rows(v[None, :])
    return float(skew[0]), float(kurt[0])


def excel_skew(x: np.ndarray) -> float:
    r"""Sample skewness as Excel's ``SKEW`` (and COINr ``skew``, e1071 type 2, ``scipy.stats.skew(bias=False)``).

    .. math:: G_1 = \frac{\sqrt{n(n-1)}}{n-2}\,\frac{m_3}{m_2^{3/2}}, \qquad
              m_k = \frac1n\sum_i (x_i - \bar x)^k

    Parameters
    ----------
    x : ndarray, shape (n,)
        NaN values are removed first.

    Returns
    -------
    float
        NaN when fewer than 3 values are present or the values have zero variance, up to rounding
        (Excel's ``#DIV/0!``).

    References
    ----------
    Joanes & Gill (1998), *The Statistician* 47(1), :math:`G_1`. COINr documentation, ``skew``.
    """
    return _skew_kurt(x)[0]


def excel_kurt(x: np.ndarray) -> float:
    r"""Sample excess kurtosis as Excel's ``KURT`` (and COINr ``kurt``, e1071 type 2,
    ``scipy.stats.kurtosis(bias=False)``).

    .. math:: G_2 = \frac{\big((n+1)(r-3) + 6\big)(n-1)}{(n-2)(n-3)}, \qquad r = \frac{m_4}{m_2^2}

    with :math:`m_k` the central moments divided by ``n``. A normal sample has :math:`G_2 \approx 0`.

    Parameters
    ----------
    x : ndarray, shape (n,)
        NaN values are removed first.

    Returns
    -------
    float
        NaN when fewer than 4 values are present or the values have zero variance (up to rounding).

    References
    ----------
    Joanes & Gill (1998), *The Statistician* 47(1), :math:`G_2`. COINr documentation, ``kurt``.
    """
    return _skew_kurt(x)[1]


def _none_if_nan(value: float) -> float | None:
    return None if np.isnan(value) else float(value)


def _spread_of(x: np.ndarray, name: str) -> tuple[float, float]:
    """The present minimum and maximum of a column a log fallback is applied to; MethodError without spread."""
    present = x[~np.isnan(x)]
    if present.size == 0 or present.min() == present.max():
        raise MethodError(f"{name}: needs at least two different present values (the shift 0.01 (max - min) would "
                          f"be 0 and the log of the minimum -inf), got {present.size} present value(s) without spread")
    return float(present.min()), float(present.max())


def _log_ct_of(x: np.ndarray, lo: float, hi: float) -> np.ndarray:
    # the expression COINr's log_CT evaluates, in the same order (the default fallback keeps its numbers bit for bit)
    return np.log(x - lo + 0.01 * (hi - lo))


def _log_ct_reflected_of(x: np.ndarray, lo: float, hi: float) -> np.ndarray:
    # COINr's log_CT_plus branch for skew <= 0, -log(xmax + a - x), evaluated left to right as R does
    return -np.log(hi + 0.01 * (hi - lo) - x)


def _reflects(skew_value: float) -> bool:
    """COINr's ``log_CT_plus`` takes its reflected branch unless the skew is positive; an undefined skew (fewer
    than 3 values) takes the plain branch, where R would stop on ``if (NA)``."""
    return bool(skew_value <= 0)


def log_ct(x: np.ndarray) -> np.ndarray:
    r"""COINr's ``log_CT``: a log transform after shifting the minimum to a small positive number.

    .. math:: y = \ln\big(x - \min x + a\big), \qquad a = 0.01\,(\max x - \min x)

    The map is increasing, so the order of the units is kept. It pulls in a long *upper* tail, which is what
    reduces a positive skew; on a negatively skewed column it does the opposite and stretches the long lower tail
    further (the minimum goes to :math:`\ln a`, far below the rest). :func:`log_ct_plus` handles both directions.

    Parameters
    ----------
    x : ndarray, shape (units,)
        One indicator. NaN stays NaN; the minimum and maximum are taken over the present values.

    Returns
    -------
    ndarray, shape (units,)

    Raises
    ------
    MethodError
        No present value, or all present values equal: the shift would be 0 and the log of the minimum -inf.

    References
    ----------
    COINr documentation, ``log_CT`` (COINr 1.1.14, ``R/treat.R``): "a modified COIN Tool log transform:
    log(x - min(x) + a), where a <- 0.01*(max(x) - min(x))".

    Examples
    --------
    >>> log_ct(np.array([0.0, 1.0, np.nan, 100.0])).round(4)
    array([0.    , 0.6931,    nan, 4.6151])
    """
    v = np.array(x, dtype=float)
    lo, hi = _spread_of(v, "log_ct")
    return _log_ct_of(v, lo, hi)


def log_ct_plus(x: np.ndarray) -> np.ndarray:
    r"""COINr's ``log_CT_plus``: :func:`log_ct` for a positively skewed column, its mirror image otherwise.

    .. math::

        y = \begin{cases} \ln\big(x - \min x + a\big) & G_1 > 0 \\
                          -\ln\big(\max x + a - x\big) & G_1 \le 0 \end{cases}
        \qquad a = 0.01\,(\max x - \min x)

    with :math:`G_1` the column's skewness (:func:`excel_skew`). The second branch is the first applied to the
    reflected column :math:`\min x + \max x - x`, with the sign turned back: reflect, take the log, reflect back.
    Both branches are increasing, so the order of the units (the indicator's direction) is kept, and each pulls
    in the long tail on its own side, so a strongly skewed column of either sign becomes less skewed.

    Parameters
    ----------
    x : ndarray, shape (units,)
        One indicator. NaN stays NaN and is ignored by the skewness, the minimum and the maximum. With fewer
        than 3 present values the skewness is undefined and the first branch is used (COINr stops there).

    Returns
    -------
    ndarray, shape (units,)

    Raises
    ------
    MethodError
        No present value, or all present values equal (no spread to transform).

    References
    ----------
    COINr documentation, ``log_CT_plus`` (COINr 1.1.14, ``R/treat.R``): "If the skew of x is negative, it performs
    an equivalent transformation -log(xmax + a - x)"; COINr ``qTreat(..., f2 = "log_CT_plus")``.

    Examples
    --------
    A negatively skewed column is mirrored: the result is the negated :func:`log_ct` of ``[200, 20, 0]``
    (:math:`a = 2`, so :math:`-\ln 202, -\ln 22, -\ln 2`).

    >>> log_ct_plus(np.array([0.0, 180.0, 200.0])).round(4)
    array([-5.3083, -3.091 , -0.6931])
    >>> (-log_ct(np.array([200.0, 20.0, 0.0]))).round(4)
    array([-5.3083, -3.091 , -0.6931])
    """
    v = np.array(x, dtype=float)
    lo, hi = _spread_of(v, "log_ct_plus")
    if _reflects(_skew_kurt(v)[0]):
        return _log_ct_reflected_of(v, lo, hi)
    return _log_ct_of(v, lo, hi)


def check_winsorise(winmax: int = 5, skew: float = 2.0, kurtosis: float = 3.5, fallback: str = "log_ct") -> None:
    """``winmax`` a whole number >= 0; the skew and kurtosis thresholds positive numbers; ``fallback`` one of
    :data:`FALLBACKS`."""
    if isinstance(winmax, bool) or not float(winmax).is_integer() or winmax < 0:
        raise MethodError(f"treatment 'winsorise': winmax must be a whole number >= 0, got {winmax!r}")
    for name, value in (("skew", skew), ("kurtosis", kurtosis)):
        if not (np.isfinite(value) and value > 0):
            raise MethodError(f"treatment 'winsorise': {name} must be a positive number, got {value!r}")
    if not isinstance(fallback, str) or fallback not in FALLBACKS:
        raise MethodError(f"treatment 'winsorise': unknown fallback {fallback!r}; valid choices: {choices(FALLBACKS)}")


def _worse_message(indicator: str | None, fallback: str, before: tuple[float, float],
                   after: tuple[float, float]) -> str:
    """The one line of the warning: which indicator, which fallback, skew and kurtosis before -> after."""
    who = f"indicator {indicator!r}" if indicator is not None else "treatment 'winsorise'"
    hint = ("; fallback: log_ct_plus mirrors a negatively skewed column before the log"
            if fallback == "log_ct" and before[0] < 0 else "")
    return (f"{who}: the {fallback} fallback left the column worse than the untreated one (skew {before[0]:.2f} -> "
            f"{after[0]:.2f}, kurtosis {before[1]:.2f} -> {after[1]:.2f}){hint}")


def winsorise(x: np.ndarray, *, winmax: int = 5, skew: float = 2.0, kurtosis: float = 3.5,
              fallback: str = "log_ct", indicator: str | None = None) -> tuple[np.ndarray, dict[str, Any]]:
    r"""Winsorise outliers until skewness and kurtosis are acceptable, else fall back to a log (the JRC rule).

    A column *fails* when

    .. math:: |G_1| \ge \text{skew} \;\wedge\; G_2 \ge \text{kurtosis}

    with :math:`G_1, G_2` Excel's ``SKEW`` and ``KURT`` (:func:`excel_skew`, :func:`excel_kurt`) of the present
    values. While it fails and fewer than ``winmax`` points have been moved, one iteration is done: if the
    current :math:`G_1 \ge 0` every point equal to the current maximum takes the next lower distinct value,
    otherwise every point equal to the current minimum takes the next higher distinct value. The count is the
    number of distinct positions moved so far, ties included, so one iteration may take the count past
    ``winmax`` (as in COINr). If the column still fails when the loop stops, the winsorisation is discarded and
    the ``fallback`` is applied to the *original* column instead (COINr's default ``combine_treat = FALSE``):

    - ``'log_ct'`` (COINr's default ``f2 = "log_CT"``): :func:`log_ct`,
      :math:`y = \ln(x - \min x + 0.01(\max x - \min x))`. It reduces a positive skew but makes a negative one
      worse (a column of 63 values with skew -4.27 and kurtosis 22.2 comes out at -7.42 and 57.2);
    - ``'log_ct_plus'`` (COINr's ``f2 = "log_CT_plus"``): :func:`log_ct_plus`, the same for :math:`G_1 > 0`,
      otherwise the mirror image :math:`-\ln(\max x + 0.01(\max x - \min x) - x)` (reflect, log, reflect back),
      so the direction is kept and either tail is pulled in;
    - ``'none'`` (COINr's ``f2 = NULL``): the winsorised column is returned as it is, still failing.

    Parameters
    ----------
    x : ndarray, shape (units,)
        One indicator; NaN stays NaN and is ignored by the statistics.
    winmax : int
        Maximum number of points to winsorise (COINr default 5).
    skew : float
        Threshold on absolute skewness (COINr ``skew_thresh``, default 2).
    kurtosis : float
        Threshold on (excess) kurtosis (COINr ``kurt_thresh``, default 3.5).
    fallback : {'log_ct', 'log_ct_plus', 'none'}
        What to do with a column winsorisation cannot fix (COINr ``f2``; see above).
    indicator : str, optional
        The indicator's code, for the warning (the pipeline passes it; a config cannot set it).

    Returns
    -------
    treated : ndarray, shape (units,)
    report : dict
        ``method`` ("winsorise"), ``treated`` (every changed cell as ``(position, old, new)``; all present
        cells when a fallback ran), ``iterations`` (winsorisation iterations done), ``winsorised`` (points
        moved by winsorisation, even if later discarded for the fallback), ``log`` (a fallback ran), ``fallback``
        (the one that ran, or None), ``reflected`` (``log_ct_plus`` took its mirrored branch), ``worse`` (the
        fallback left :math:`|G_1|` or :math:`G_2` above the untreated column's), ``passes`` (the rule on the
        returned column), ``skew_before``/``kurt_before``/``skew_after``/``kurt_after`` (None when undefined).

    Warns
    -----
    MethodologyWarning
        Whenever a fallback leaves :math:`|G_1|` or :math:`G_2` larger than they were on the untreated column:
        one line naming the indicator, the fallback and skew and kurtosis before -> after.

    Notes
    -----
    Degenerate cases: fewer than 4 present values (kurtosis undefined), zero variance (up to rounding:
    :math:`\max|x - \bar x| \le 10^{-14}\max|x|`) and an all-missing column all pass the rule, so the
    column is returned untouched. A column whose values are all equal once winsorised has zero variance and
    so passes. A column that passes is never changed.

    Differences from COINr: none in the defaults (``winmax = 5``, ``skew_thresh = 2``, ``kurt_thresh = 3.5``,
    ``f2 = "log_CT"`` on the original column); COINr's fallback makes a negatively skewed column worse without a
    word, where this one warns. COINr's ``check_SkewKurt`` stops with an error for fewer than 4 values; here such
    a column passes untreated. COINr's documentation also quotes 2.25 as ``winsorise``'s skew default in prose,
    while its code uses 2; 2 is used here.

    References
    ----------
    OECD/JRC (2008), *Handbook on Constructing Composite Indicators*, section 3; JRC COIN (2019), *Ten Step
    Guide*, step 4. COINr documentation, ``Treat``, ``qTreat``, ``winsorise``, ``check_SkewKurt``, ``log_CT``,
    ``log_CT_plus``.

    Examples
    --------
    One high outlier: a single iteration moves it to the next value, and the column passes.

    >>> out, report = winsorise(np.r_[np.arange(1.0, 11.0), 100.0])
    >>> out[-1], report["winsorised"], report["fallback"], report["passes"]
    (np.float64(10.0), 1, None, True)
    """
    check_winsorise(winmax, skew, kurtosis, fallback)
    original = np.array(x, dtype=float)
    if original.ndim != 1:
        raise MethodError(f"treatment expects one indicator column, got shape {original.shape}")
    present = ~np.isnan(original)
    out = original.copy()
    moved = np.zeros(original.shape, dtype=bool)
    iterations = 0
    before = _skew_kurt(out)
    g1, g2 = before
    failing = bool(abs(g1) >= skew and g2 >= kurtosis)  # NaN compares False, so undefined = pass
    while failing and moved.sum() < winmax:
        values = out[present]
        if g1 >= 0:
            extreme = values.max()
            target = values[values < extreme].max()  # exists: a failing column has spread
        else:
            extreme = values.min()
            target = values[values > extreme].min()
        at_extreme = present & (out == extreme)
        out[at_extreme] = target
        moved |= at_extreme
        iterations += 1
        g1, g2 = _skew_kurt(out)
        failing = bool(abs(g1) >= skew and g2 >= kurtosis)

    ran = fallback if failing and fallback != "none" else None
    reflected = False
    if ran is not None:
        # failing implies a spread, so both logs are finite; NaN cells stay NaN
        lo, hi = original[present].min(), original[present].max()
        reflected = ran == "log_ct_plus" and _reflects(before[0])
        out = _log_ct_reflected_of(original, lo, hi) if reflected else _log_ct_of(original, lo, hi)
        changed = present
        g1, g2 = _skew_kurt(out)
    else:
        changed = present & (out != original)
    # judged against the untreated column, which the fallback replaced: did the cure make it worse?
    worse = bool(ran is not None and (abs(g1) > abs(before[0]) or g2 > before[1]))
    if worse:
        warnings.warn(_worse_message(indicator, str(ran), before, (g1, g2)), MethodologyWarning, stacklevel=2)
    treated = [(int(i), float(original[i]), float(out[i])) for i in np.flatnonzero(changed)]
    report = {
        "method": "winsorise",
        "treated": treated,
        "iterations": iterations,
        "winsorised": int(moved.sum()),
        "log": ran is not None,
        "fallback": ran,
        "reflected": reflected,
        "worse": worse,
        "passes": not bool(abs(g1) >= skew and g2 >= kurtosis),
        "skew_before": _none_if_nan(before[0]),
        "kurt_before": _none_if_nan(before[1]),
        "skew_after": _none_if_nan(g1),
        "kurt_after": _none_if_nan(g2),
    }
    return out, report


def winsorise_columns(x: np.ndarray, *, winmax: int = 5, skew: float = 2.0, kurtosis: float = 3.5,
                      fallback: str = "log_ct",
                      indicators: Sequence[str] | None = None) -> tuple[np.ndarray, list[dict[str, Any]]]:
    """:func:`winsorise` on every column of a ``(units, k)`` block: the same columns, reports and warnings.

    The rule is checked on all complete columns at once; a column that passes is returned as it is, with the
    report :func:`winsorise` would give, and any other column goes through :func:`winsorise` itself (with its
    code from ``indicators``, shape ``(k,)``, for the warning). Most columns pass, and the check per column cost
    more than the rest of a Monte Carlo run's setup. NaN is handled as in :func:`winsorise`.
    """
    check_winsorise(winmax, skew, kurtosis, fallback)
    x = np.array(x, dtype=float)
    units, k = x.shape
    if indicators is not None and len(indicators) != k:
        raise ValueError(f"winsorise_columns: {len(indicators)} indicator codes for {k} columns")
    passing = np.zeros(k, dtype=bool)
    g1 = g2 = np.full(k, np.nan)
    complete = ~np.isnan(x).any(axis=0)
    if units >= 4 and complete.any():
        g1, g2 = np.full(k, np.nan), np.full(k, np.nan)
        g1[complete], g2[complete] = _skew_kurt_rows(np.ascontiguousarray(x[:, complete].T))
        with np.errstate(invalid="ignore"):
            passing = complete & ~((np.abs(g1) >= skew) & (g2 >= kurtosis))  # NaN compares False: undefined passes
    out = np.empty_like(x)
    reports = []
    for j in range(k):
        if passing[j]:
            out[:, j] = x[:, j]
            s, t = _none_if_nan(g1[j]), _none_if_nan(g2[j])
            reports.append({"method": "winsorise", "treated": [], "iterations": 0, "winsorised": 0, "log": False,
                            "fallback": None, "reflected": False, "worse": False, "passes": True,
                            "skew_before": s, "kurt_before": t, "skew_after": s, "kurt_after": t})
        else:
            out[:, j], report = winsorise(x[:, j], winmax=winmax, skew=skew, kurtosis=kurtosis, fallback=fallback,
                                          indicator=None if indicators is None else indicators[j])
            reports.append(report)
    return out, reports


def none_columns(x: np.ndarray) -> tuple[np.ndarray, list[dict[str, Any]]]:
    """:func:`none` on a ``(units, k)`` block."""
    return np.array(x, dtype=float), [none(x[:, j])[1] for j in range(x.shape[1])]


def _bound(name: str, value: Any) -> float | None:
    """A cap's bound as a float (None: no bound on that side); MethodError for anything but a finite number."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) \
            or not np.isfinite(value):
        raise MethodError(f"treatment 'cap': {name} must be a finite number (or left out), got {value!r}")
    return float(value)


def check_cap(lo: float | None = None, hi: float | None = None) -> None:
    """``lo`` and ``hi`` finite numbers or absent, at least one given, and ``lo < hi`` when both are: a cap with
    no bound changes nothing (a mistake, not a choice), and ``lo >= hi`` would map every value to one number."""
    low, high = _bound("lo", lo), _bound("hi", hi)
    if low is None and high is None:
        raise MethodError("treatment 'cap': give lo, hi or both (the bounds in the indicator's raw units)")
    if low is not None and high is not None and not low < high:
        raise MethodError(f"treatment 'cap': lo must be below hi, got lo={lo!r}, hi={hi!r}")


def _cap_report(original: np.ndarray, out: np.ndarray, lo: float | None, hi: float | None) -> dict[str, Any]:
    changed = np.flatnonzero(~np.isnan(original) & (out != original))
    return {
        "method": "cap",
        "treated": [(int(i), float(original[i]), float(out[i])) for i in changed],
        "iterations": 0,
        "log": False,
        "lo": lo,
        "hi": hi,
        "capped_low": int(np.count_nonzero(original[changed] < out[changed])),
        "capped_high": int(np.count_nonzero(original[changed] > out[changed])),
    }


def _clip(x: np.ndarray, lo: float | None, hi: float | None) -> np.ndarray:
    # np.maximum / np.minimum propagate NaN, so a missing value stays missing
    out = x if lo is None else np.maximum(x, lo)
    return out if hi is None else np.minimum(out, hi)


def cap(x: np.ndarray, *, lo: float | None = None, hi: float | None = None) -> tuple[np.ndarray, dict[str, Any]]:
    r"""Cap raw values at fixed bounds: a publisher's rule such as "schooling above 18 years counts as 18".

    .. math:: y_i = \min\big(\max(x_i,\ lo),\ hi\big)

    with either bound optional (no ``lo``: no floor; no ``hi``: no ceiling). The bounds are in the indicator's
    **raw units** and apply before direction and normalisation (treatment is a data step), so for a direction -1
    indicator ``hi`` still caps the largest raw values, its worst ones. Unlike :func:`winsorise`, whose bounds come
    from the data, a cap's bounds are the publisher's: a unit's treated value depends on its own value only.
    Per indicator through the usual override form, ``treat: {default: none, CODE: {method: cap, hi: 100}}``.

    Parameters
    ----------
    x : ndarray, shape (units,)
        One indicator; NaN stays NaN (a missing value is not capped into a present one).
    lo, hi : float, optional
        The floor and the ceiling; at least one, finite, and ``lo < hi`` when both are given.

    Returns
    -------
    treated : ndarray, shape (units,)
    report : dict
        ``method`` ("cap"), ``treated`` (every changed cell as ``(position, old, new)``, which ``treatment.csv``
        lists), ``iterations`` (0), ``log`` (False), ``lo``/``hi`` (the bounds, None where absent),
        ``capped_low``/``capped_high`` (how many values each bound moved).

    Raises
    ------
    MethodError
        No bound, a bound that is not a finite number, or ``lo >= hi`` (also when a config is parsed).

    References
    ----------
    UNDP (2020), *Human Development Report*, technical notes: the HDI caps expected years of schooling at 18 and
    GNI per capita at 2017 PPP $75,000 before its dimension indices are taken (a fixed ceiling in raw units).

    Examples
    --------
    >>> out, report = cap(np.array([-5.0, 40.0, np.nan, 130.0]), lo=0, hi=100)
    >>> out, report["treated"]
    (array([  0.,  40.,  nan, 100.]), [(0, -5.0, 0.0), (3, 130.0, 100.0)])
    """
    check_cap(lo, hi)
    original = np.array(x, dtype=float)
    if original.ndim != 1:
        raise MethodError(f"treatment expects one indicator column, got shape {original.shape}")
    low, high = _bound("lo", lo), _bound("hi", hi)
    out = _clip(original, low, high)
    return out, _cap_report(original, out, low, high)


def cap_columns(x: np.ndarray, *, lo: float | None = None,
                hi: float | None = None) -> tuple[np.ndarray, list[dict[str, Any]]]:
    """:func:`cap` on every column of a ``(units, k)`` block: the same bounds, columns and reports (the maximum
    and minimum are exact, so the block is the column-by-column result bit for bit). NaN stays NaN."""
    check_cap(lo, hi)
    original = np.array(x, dtype=float)
    low, high = _bound("lo", lo), _bound("hi", hi)
    out = _clip(original, low, high)
    return out, [_cap_report(original[:, j], out[:, j], low, high) for j in range(original.shape[1])]
