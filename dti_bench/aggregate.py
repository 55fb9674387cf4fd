"""Aggregation methods: the children of one composite in, one score per unit out.

The contract every aggregator meets::

    f(x, w, **params) -> ndarray, shape (units,)

- ``x``: shape ``(units, k)``, the composite's k children.
- ``w``: shape ``(k,)`` or ``(units, k)`` (unit-specific weights, e.g. benefit of the doubt), non-negative.
- Missing-data policy (COINr's, stated once here): missing children are skipped and the weights renormalised
  over the present ones; a unit with no present child (or whose present children all have weight 0) gets NaN.
  :func:`present_weights` implements it for every method.

To add a method: write it here with its formula, NaN policy and reference, and add it to :data:`AGGREGATORS`.
"""

from __future__ import annotations

from types import MappingProxyType

import numpy as np

from dti_bench.errors import MethodError


class NonPositiveError(MethodError):
    """A geometric or harmonic mean met a value <= 0; ``unit`` and ``child`` are positions in ``x``."""

    def __init__(self, method: str, unit: int, child: int, value: float) -> None:
        super().__init__(f"{method} mean needs positive values, got {value!r}")
        self.method, self.unit, self.child, self.value = method, unit, child, value


def present_weights(x: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Weights renormalised over each unit's present children.

    Returns
    -------
    wn : ndarray, shape (units, k)
        ``w`` with missing children set to 0, each row divided by its sum (rows summing to 0 stay 0).
    ok : ndarray of bool, shape (units,)
        Units with at least one present child of positive weight; the others score NaN.
    """
    x = np.asarray(x, dtype=float)
    w = np.broadcast_to(np.asarray(w, dtype=float), x.shape)
    w = np.where(np.isnan(x), 0.0, w)
    total = w.sum(axis=-1, keepdims=True)
    ok = total[..., 0] > 0
    wn = np.divide(w, total, out=np.zeros_like(w), where=total > 0)
    return wn, ok


def _check_positive(x: np.ndarray, wn: np.ndarray, method: str) -> None:
    bad = (wn > 0) & ~(x > 0)
    if bad.any():
        i, j = map(int, np.argwhere(bad)[0])
        raise NonPositiveError(method, i, j, float(x[i, j]))


def arithmetic(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    r"""Weighted arithmetic mean (COINr ``a_amean``): :math:`y = \sum_i w_i x_i / \sum_i w_i`.

    Fully compensatory: a deficit in one child is offset by a surplus in another at the rate ``w_i/w_j``.
    NaN children are skipped with weights renormalised; no present child gives NaN.

    References
    ----------
    OECD/JRC (2008), *Handbook on Constructing Composite Indicators*, section 6.2.
    """
    x = np.asarray(x, dtype=float)
    wn, ok = present_weights(x, w)
    y = np.where(wn > 0, wn * np.nan_to_num(x), 0.0).sum(axis=-1)
    return np.where(ok, y, np.nan)


def geometric(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    r"""Weighted geometric mean (COINr ``a_gmean``): :math:`y = \prod_i x_i^{w_i / \sum w}`.

    Partially compensatory. Needs strictly positive values: a child <= 0 with positive weight raises
    :class:`NonPositiveError` (the pipeline names the node, unit and indicator; use a positive-range
    normalisation such as min-max to [1, 100]). NaN children are skipped with weights renormalised.

    References
    ----------
    OECD/JRC (2008), *Handbook on Constructing Composite Indicators*, section 6.2.
    """
    x = np.asarray(x, dtype=float)
    wn, ok = present_weights(x, w)
    _check_positive(x, wn, "geometric")
    logs = np.where(wn > 0, wn * np.log(np.where(wn > 0, x, 1.0)), 0.0).sum(axis=-1)
    return np.where(ok, np.exp(logs), np.nan)


def harmonic(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    r"""Weighted harmonic mean (COINr ``a_hmean``): :math:`y = \sum_i w_i / \sum_i (w_i / x_i)`.

    The least compensatory of the three Pythagorean means. Needs strictly positive values (as
    :func:`geometric`). NaN children are skipped with weights renormalised.

    References
    ----------
    OECD/JRC (2008), *Handbook on Constructing Composite Indicators*, section 6.2.
    """
    x = np.asarray(x, dtype=float)
    wn, ok = present_weights(x, w)
    _check_positive(x, wn, "harmonic")
    inv = np.where(wn > 0, wn / np.where(wn > 0, x, 1.0), 0.0).sum(axis=-1)
    return np.where(ok, 1.0 / np.where(ok, inv, 1.0), np.nan)


#: name -> aggregator, read-only. The config's ``aggregate:`` names resolve through this dict only.
AGGREGATORS = MappingProxyType({
    "arithmetic": arithmetic,
    "geometric": geometric,
    "harmonic": harmonic,
})
