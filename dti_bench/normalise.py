"""Normalisation methods: one column of raw values in, one column on a common scale out.

The contract every normaliser meets (COINr's ``n_*`` functions do the same)::

    f(x, *, ref=None, **params) -> ndarray, same shape as x

- ``x``: shape ``(units,)``, one indicator, direction already applied (``x <- -x`` for direction -1, once,
  before normalisation, by the pipeline).
- ``ref``: optional shape ``(m,)``: the same indicator in a reference dataset; statistics (min, max, mean, sd,
  ranks) are taken from it instead of ``x``, so that panels can be made comparable (e.g. 2023 normalised with
  2022's min and max). ``None`` means ``ref = x``.
- NaN in, NaN out: missing values stay missing and are ignored by the statistics.
- Parameters named ``lo``, ``hi`` and ``target`` that the config leaves out are filled by the pipeline from the
  framework's node (goalposts and targets live with the indicator).

To add a method: write the function here (numpydoc: formula, NaN policy, reference) and add it to
:data:`NORMALISERS`; the contract tests in ``tests/test_methods_contract.py`` pick it up.
"""

from __future__ import annotations

from types import MappingProxyType

import numpy as np

from dti_bench.errors import MethodError


def _stats_source(x: np.ndarray, ref: np.ndarray | None) -> np.ndarray:
    src = x if ref is None else np.asarray(ref, dtype=float)
    present = src[~np.isnan(src)]
    if present.size == 0:
        raise MethodError("normalisation: no present value to compute statistics from")
    return present


def none(x: np.ndarray, *, ref: np.ndarray | None = None) -> np.ndarray:
    """Pass values through unchanged (for data already on a common scale, e.g. DTI points / max points)."""
    return np.array(x, dtype=float)


def minmax(x: np.ndarray, *, lo: float = 0.0, hi: float = 1.0, ref: np.ndarray | None = None) -> np.ndarray:
    r"""Min-max rescaling to ``[lo, hi]`` (COINr ``n_minmax``).

    .. math:: y = lo + (hi - lo)\,\frac{x - \min(r)}{\max(r) - \min(r)}

    with ``r = ref`` or ``x``. A constant column (zero range) maps to the midpoint ``(lo + hi)/2``: every unit
    is equally good, and no side of the scale is favoured. NaN stays NaN; statistics ignore NaN.

    References
    ----------
    OECD/JRC (2008), *Handbook on Constructing Composite Indicators*, section 5.
    """
    x = np.asarray(x, dtype=float)
    r = _stats_source(x, ref)
    xmin, xmax = r.min(), r.max()
    if xmax == xmin:
        return np.where(np.isnan(x), np.nan, (lo + hi) / 2.0)
    return lo + (hi - lo) * (x - xmin) / (xmax - xmin)


def zscore(x: np.ndarray, *, m: float = 0.0, s: float = 1.0, ref: np.ndarray | None = None) -> np.ndarray:
    r"""Standardisation to mean ``m`` and standard deviation ``s`` (COINr ``n_zscore``).

    .. math:: y = m + s\,\frac{x - \bar r}{\mathrm{sd}(r)}

    with the sample standard deviation (``ddof = 1``) as COINr's ``sd``. A column with zero variance (or one
    present value) maps to ``m``. NaN stays NaN; statistics ignore NaN.

    References
    ----------
    OECD/JRC (2008), *Handbook on Constructing Composite Indicators*, section 5.
    """
    x = np.asarray(x, dtype=float)
    r = _stats_source(x, ref)
    sd = r.std(ddof=1) if r.size > 1 else 0.0
    if not sd > 0:
        return np.where(np.isnan(x), np.nan, float(m))
    return m + s * (x - r.mean()) / sd


#: name -> normaliser, read-only. The config's ``normalise:`` names resolve through this dict only.
NORMALISERS = MappingProxyType({
    "none": none,
    "minmax": minmax,
    "zscore": zscore,
})
