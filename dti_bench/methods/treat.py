"""Outlier treatment of one indicator column.

The contract::

    f(x, **params) -> (treated, report)

- ``x``: shape ``(units,)``; NaN stays NaN.
- ``report``: a dict describing what was done, which the pipeline collects per indicator. Every treatment
  reports at least ``method`` (its registry name), ``treated`` (a list of ``(unit position, old value, new
  value)`` for every cell it changed), ``iterations`` and ``log`` (whether a log transform was used).

To add a method: write it here and add its row to :data:`dti_bench.methods.registry.METHODS`; a block version
(``f(x_block, **params) -> (treated block, one report per column)``, exactly what the column-by-column calls give)
goes in the same row, and the pipeline uses it when every indicator has the same treatment.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from dti_bench.errors import MethodError


def none(x: np.ndarray) -> tuple[np.ndarray, dict[str, Any]]:
    """No treatment: the column is returned unchanged, NaN included, and the report lists no treated cell.

    References
    ----------
    COINr ``Treat`` with no indicator selected; OECD/JRC (2008) Handbook, section 3 (treatment is optional).
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


def check_winsorise(winmax: int = 5, skew: float = 2.0, kurtosis: float = 3.5, log: bool = True) -> None:
    """``winmax`` a whole number >= 0; the skew and kurtosis thresholds positive numbers."""
    if isinstance(winmax, bool) or not float(winmax).is_integer() or winmax < 0:
        raise MethodError(f"treatment 'winsorise': winmax must be a whole number >= 0, got {winmax!r}")
    for name, value in (("skew", skew), ("kurtosis", kurtosis)):
        if not (np.isfinite(value) and value > 0):
            raise MethodError(f"treatment 'winsorise': {name} must be a positive number, got {value!r}")


def winsorise(x: np.ndarray, *, winmax: int = 5, skew: float = 2.0, kurtosis: float = 3.5,
              log: bool = True) -> tuple[np.ndarray, dict[str, Any]]:
    r"""Winsorise outliers until skewness and kurtosis are acceptable, else log-transform (the JRC rule).

    A column *fails* when

    .. math:: |G_1| \ge \text{skew} \;\wedge\; G_2 \ge \text{kurtosis}

    with :math:`G_1, G_2` Excel's ``SKEW`` and ``KURT`` (:func:`excel_skew`, :func:`excel_kurt`) of the present
    values. While it fails and fewer than ``winmax`` points have been moved, one iteration is done: if the
    current :math:`G_1 \ge 0` every point equal to the current maximum takes the next lower distinct value,
    otherwise every point equal to the current minimum takes the next higher distinct value. The count is the
    number of distinct positions moved so far, ties included, so one iteration may take the count past
    ``winmax`` (as in COINr). If the column still fails when the loop stops and ``log`` is true, the
    winsorisation is discarded and COINr's ``log_CT`` is applied to the *original* column instead:

    .. math:: y = \ln\big(x - \min x + 0.01(\max x - \min x)\big)

    (COINr's default ``combine_treat = FALSE``). With ``log`` false the winsorised column is returned as is.

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
    log : bool
        Fall back to the log transform when winsorisation cannot fix the column (COINr ``f2 = "log_CT"``).

    Returns
    -------
    treated : ndarray, shape (units,)
    report : dict
        ``method`` ("winsorise"), ``treated`` (every changed cell as ``(position, old, new)``; all present
        cells when the log fallback is used), ``iterations`` (winsorisation iterations done), ``winsorised``
        (points moved by winsorisation, even if later discarded for the log), ``log`` (bool), ``passes`` (the
        rule on the returned column), ``skew_before``/``kurt_before``/``skew_after``/``kurt_after`` (None when
        undefined).

    Notes
    -----
    Degenerate cases: fewer than 4 present values (kurtosis undefined), zero variance (up to rounding:
    :math:`\max|x - \bar x| \le 10^{-14}\max|x|`) and an all-missing column all pass the rule, so the
    column is returned untouched. A column whose values are all equal once winsorised has zero variance and
    so passes. A column that passes is never changed.

    Differences from COINr: none in the defaults (``winmax = 5``, ``skew_thresh = 2``, ``kurt_thresh = 3.5``,
    ``f2 = "log_CT"`` on the original column). COINr's ``check_SkewKurt`` stops with an error for fewer than
    4 values; here such a column passes untreated. COINr's documentation also quotes 2.25 as ``winsorise``'s
    skew default in prose, while its code uses 2; 2 is used here.

    References
    ----------
    OECD/JRC (2008), *Handbook on Constructing Composite Indicators*, section 3; JRC COIN (2019), *Ten Step
    Guide*, step 4. COINr documentation, ``Treat``, ``winsorise``, ``check_SkewKurt``, ``log_CT``.
    """
    check_winsorise(winmax, skew, kurtosis, log)
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

    used_log = bool(failing and log)
    if used_log:
        lo, hi = original[present].min(), original[present].max()
        # failing implies hi > lo, so the argument is >= 0.01 (hi - lo) > 0; NaN cells stay NaN
        out = np.log(original - lo + 0.01 * (hi - lo))
        changed = present
        g1, g2 = _skew_kurt(out)
    else:
        changed = present & (out != original)
    treated = [(int(i), float(original[i]), float(out[i])) for i in np.flatnonzero(changed)]
    report = {
        "method": "winsorise",
        "treated": treated,
        "iterations": iterations,
        "winsorised": int(moved.sum()),
        "log": used_log,
        "passes": not bool(abs(g1) >= skew and g2 >= kurtosis),
        "skew_before": _none_if_nan(before[0]),
        "kurt_before": _none_if_nan(before[1]),
        "skew_after": _none_if_nan(g1),
        "kurt_after": _none_if_nan(g2),
    }
    return out, report


def winsorise_columns(x: np.ndarray, *, winmax: int = 5, skew: float = 2.0, kurtosis: float = 3.5,
                       log: bool = True) -> tuple[np.ndarray, list[dict[str, Any]]]:
    """:func:`winsorise` on every column of a ``(units, k)`` block: the same columns and reports.

    The rule is checked on all complete columns at once; a column that passes is returned as it is, with the
    report :func:`winsorise` would give, and any other column goes through :func:`winsorise` itself. Most
    columns pass, and the check per column cost more than the rest of a Monte Carlo run's setup.
    """
    check_winsorise(winmax, skew, kurtosis, log)
    x = np.array(x, dtype=float)
    units, k = x.shape
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
                            "passes": True, "skew_before": s, "kurt_before": t, "skew_after": s, "kurt_after": t})
        else:
            out[:, j], report = winsorise(x[:, j], winmax=winmax, skew=skew, kurtosis=kurtosis, log=log)
            reports.append(report)
    return out, reports


def none_columns(x: np.ndarray) -> tuple[np.ndarray, list[dict[str, Any]]]:
    """:func:`none` on a ``(units, k)`` block."""
    return np.array(x, dtype=float), [none(x[:, j])[1] for j in range(x.shape[1])]
