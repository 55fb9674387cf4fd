"""Ranking, as the DTI publishes it: 1 = best, ties share the lowest rank ('min'), NaN unranked; and the rounding a
publisher applies before ranking its printed values.

The engine's fast ranker of many rows, :func:`dti_bench.engine.kernels.rank_rows`, is tested against
:func:`rank_scores`.
"""

from __future__ import annotations

import numpy as np


#: Values this close to a rounding half-point, in units of the last decimal kept, count as exactly on it.
HALF_POINT_TOLERANCE = 1e-6


def round_scores(values: np.ndarray, decimals: int) -> np.ndarray:
    r"""Round half to even at ``decimals`` places, a value within :data:`HALF_POINT_TOLERANCE` of a half-point
    counting as exactly on it.

    .. math:: y = \mathrm{rint}(x \cdot 10^d) / 10^d, \quad x \cdot 10^d \text{ snapped to } k + \tfrac12
              \text{ when within } 10^{-6} \text{ of it}

    Why: the same scores summed in different orders (one variant at a time, in a batch, through the collapsed
    path) differ in their last bits, and at a half-point that decides the rounding. Equal weights on data with
    few decimals land on half-points exactly (7 of the DTI example's 4,536 grid scores do), so without the snap
    the engine and the oracle could round one score 1e-4 apart. Equal to ``np.round`` everywhere else.

    Parameters
    ----------
    values : ndarray
        Any shape; NaN stays NaN.
    decimals : int

    Returns
    -------
    ndarray of float, same shape
    """
    v = np.asarray(values, dtype=float)
    out = np.round(v, decimals)
    scale = 10.0 ** decimals
    with np.errstate(invalid="ignore", over="ignore"):
        scaled = v * scale
        base = np.floor(scaled)
        half = np.abs(scaled - base - 0.5) < HALF_POINT_TOLERANCE
    if half.any():
        out[half] = np.rint(base[half] + 0.5) / scale
    return out


def rank_scores(scores: np.ndarray, axis: int = 0, *, decimals: int | None = None) -> np.ndarray:
    """Rank units by score, higher score = better = rank 1.

    Parameters
    ----------
    scores : ndarray
        Any shape; ranked along ``axis`` (the units axis: 0 for ``(units,)`` or ``(units, nodes)``, 1 for
        ``(variants, units, nodes)``).
    decimals : int, optional
        Round scores first (:func:`round_scores`), as a publisher that ranks its printed values does (the DTI:
        4 decimals).

    Returns
    -------
    ndarray of float, same shape
        ``rank_min``: 1 + the number of units with a strictly higher score. NaN where the score is NaN;
        the other units are ranked among themselves.
    """
    s = np.asarray(scores, dtype=float)
    if decimals is not None:
        s = round_scores(s, decimals)
    if s.size == 0:
        return s.copy()
    # In numpy, not scipy.stats.rankdata(-s, method="min", nan_policy="omit") (what the tests check it against):
    # every study ranks its nominal index, `dti-bench validate` included, and scipy.stats takes longer to import
    # (~0.3 s) than the rest of a validation. A stable sort of -s puts ties side by side and NaN last; each tied
    # run takes the position of its first member.
    x = np.moveaxis(-s, axis, -1)
    order = np.argsort(x, axis=-1, kind="stable")
    ordered = np.take_along_axis(x, order, axis=-1)
    starts = np.ones(x.shape, dtype=bool)
    starts[..., 1:] = ordered[..., 1:] != ordered[..., :-1]
    position = np.broadcast_to(np.arange(x.shape[-1]), x.shape)
    ranked = np.maximum.accumulate(np.where(starts, position, 0), axis=-1) + 1.0
    ranked[np.isnan(ordered)] = np.nan
    out = np.empty_like(ranked)
    np.put_along_axis(out, order, ranked, axis=-1)
    return np.moveaxis(out, -1, axis)


__all__ = ["HALF_POINT_TOLERANCE", "rank_scores", "round_scores"]
