"""Ranking, as the DTI publishes it: 1 = best, ties share the lowest rank ('min'), NaN scores unranked.

Rank-stability metrics between variants live here too (added with the variant engine).
"""

from __future__ import annotations

import numpy as np
from scipy import stats


def rank_scores(scores: np.ndarray, axis: int = 0, *, decimals: int | None = None) -> np.ndarray:
    """Rank units by score, higher score = better = rank 1.

    Parameters
    ----------
    scores : ndarray
        Any shape; ranked along ``axis`` (the units axis: 0 for ``(units,)`` or ``(units, nodes)``, 1 for
        ``(variants, units, nodes)``).
    decimals : int, optional
        Round scores first, as a publisher that ranks its printed values does (the DTI: 4 decimals).

    Returns
    -------
    ndarray of float, same shape
        ``rank_min``: 1 + the number of units with a strictly higher score. NaN where the score is NaN;
        the other units are ranked among themselves.
    """
    s = np.asarray(scores, dtype=float)
    if decimals is not None:
        s = np.round(s, decimals)
    if s.size == 0:
        return s.copy()
    return stats.rankdata(-s, method="min", axis=axis, nan_policy="omit")
