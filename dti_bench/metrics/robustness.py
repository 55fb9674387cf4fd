"""Robustness of pairwise orders to the weights: the share of unit pairs whose order no admissible weighting of a
linear index can change (Foster, McGillivray & Seth 2013), by linear programming or by vertex enumeration, under
weak dominance (FMS's robustness quasi-ordering, the default) or strict dominance.

References
----------
Foster, J. E., McGillivray, M. & Seth, S. (2013). Composite indices: rank robustness, statistical association,
and redundancy. *Econometric Reviews* 32(1):35-56.
"""

from __future__ import annotations

import itertools

import numpy as np

#: Vertex enumeration of a box-restricted simplex inspects k * 2**(k-1) candidate points.
_MAX_VERTEX_K = 16
#: Pairs x vertices evaluated per block, so that memory stays bounded whatever the number of units.
_PAIR_BLOCK = 1 << 22
#: The dominance rules of :func:`robust_pair_share`: weak (FMS 2013's, the default) and strict.
DOMINANCE = ("weak", "strict")


def _box(k: int, w_lo, w_hi) -> tuple[np.ndarray, np.ndarray]:
    lo = np.broadcast_to(np.asarray(0.0 if w_lo is None else w_lo, dtype=float), (k,)).copy()
    hi = np.broadcast_to(np.asarray(1.0 if w_hi is None else w_hi, dtype=float), (k,)).copy()
    if not (np.all(np.isfinite(lo)) and np.all(np.isfinite(hi))) or np.any(lo < 0) or np.any(hi < lo):
        raise ValueError("weight bounds need 0 <= w_lo <= w_hi, finite")
    if lo.sum() > 1.0 + 1e-12 or hi.sum() < 1.0 - 1e-12:
        raise ValueError(f"no weight vector meets the bounds and sums to 1 (sum w_lo = {lo.sum():g}, "
                         f"sum w_hi = {hi.sum():g})")
    return lo, np.minimum(hi, 1.0)


def simplex_box_vertices(w_lo, w_hi) -> np.ndarray:
    r"""Vertices of :math:`\{w : w_{lo} \le w \le w_{hi},\ \sum_j w_j = 1\}`, shape ``(m, k)``.

    A vertex has :math:`k - 1` linearly independent active constraints besides :math:`\sum w = 1`, so all but
    at most one coordinate sit at a bound. Enumerated exactly: each free coordinate :math:`f`, each of the
    :math:`2^{k-1}` lo/hi assignments of the others, :math:`w_f = 1 - \sum_{j \ne f} w_j` kept when within
    its own bounds. Duplicates removed. Practical up to ``k = 16``.

    Parameters
    ----------
    w_lo, w_hi : float or array_like (k,)
        Bounds; at least one must be an array to fix ``k``.
    """
    lo_arr, hi_arr = np.atleast_1d(np.asarray(w_lo, dtype=float)), np.atleast_1d(np.asarray(w_hi, dtype=float))
    k = max(lo_arr.size, hi_arr.size)
    lo, hi = _box(k, w_lo, w_hi)
    return _box_vertices(lo, hi)


def _box_vertices(lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    k = lo.size
    if k > _MAX_VERTEX_K:
        raise ValueError(f"vertex enumeration is limited to k <= {_MAX_VERTEX_K} weights (got {k}); "
                         "use method='lp'")
    if k == 1:
        return np.ones((1, 1))
    bits = np.array(list(itertools.product((False, True), repeat=k - 1)), dtype=bool)  # (2^(k-1), k-1)
    found = []
    tol = 1e-12 * k
    for f in range(k):
        others = np.delete(np.arange(k), f)
        w = np.empty((bits.shape[0], k))
        w[:, others] = np.where(bits, hi[others], lo[others])
        w[:, f] = 1.0 - w[:, others].sum(axis=1)
        ok = (w[:, f] >= lo[f] - tol) & (w[:, f] <= hi[f] + tol)
        w[:, f] = np.clip(w[:, f], lo[f], hi[f])
        found.append(w[ok])
    return np.unique(np.concatenate(found), axis=0)


def robust_pair_share(x, weights_set=None, *, w_lo=None, w_hi=None, method: str = "lp", dominance: str = "weak",
                      tol: float = 0.0, return_pairs: bool = False):
    r"""Share of unit pairs whose order no admissible weighting of a linear index can change.

    For a weighted arithmetic index :math:`I_w(u) = w \cdot x_u` and a pair with :math:`d = x_a - x_b`, the
    extremes of the index difference over a set :math:`W` of weight vectors are
    :math:`\underline{s} = \min_{w \in W} w \cdot d` and :math:`\overline{s} = \max_{w \in W} w \cdot d`.
    Unit :math:`a` is **robustly ahead** of :math:`b` over :math:`W`

    - under **weak** dominance (the default; Foster, McGillivray & Seth 2013, whose robustness quasi-ordering
      asks for :math:`a \ge b` under every :math:`w \in W`): when :math:`\underline{s} \ge 0` and
      :math:`\overline{s} > 0`, i.e. never behind and ahead under some admissible weighting;
    - under **strict** dominance: when :math:`\underline{s} > 0`, i.e. ahead under every admissible weighting.

    The pair is robust when either unit is robustly ahead of the other, and the robust-pair share is the
    fraction of the :math:`n(n-1)/2` pairs that are robust (FMS 2013). Over the whole simplex (whose vertices
    are the unit vectors) the extremes are :math:`\min_j d_j` and :math:`\max_j d_j`, so weak robustness is
    vector dominance, :math:`x_a \ge x_b` on every indicator and :math:`>` on at least one, and strict
    robustness asks :math:`>` on every indicator: a pair sharing a value on one indicator (two capped scores
    of 0.9000, say) can be weakly robust but never strictly, unless a box keeps that indicator's weight below 1.
    Every strictly robust pair is weakly robust; the two shares are equal over the simplex when no two units
    share a value on any indicator.

    **Ties.** Two units with identical indicator vectors (:math:`d = 0`) are tied under every weighting:
    :math:`\underline{s} = \overline{s} = 0`, so neither is robustly ahead under either rule. The pair counts
    among the pairs (the denominator) but not as robust: a robust pair is one whose *order* survives, and a
    tie has none. The same holds for any pair tied under every :math:`w \in W`.

    With two indicators over the whole simplex a pair is strictly robust iff it is concordant, so on data
    without ties the share equals :math:`(1 + \tau_a)/2` with :math:`\tau_a` Kendall's tau-a between the two
    indicators (FMS 2013): :math:`C + D = P` and :math:`\tau_a = (C - D)/P` give :math:`C/P = (1 + \tau_a)/2`.

    Parameters
    ----------
    x : array_like, (units, k)
        Indicator values on a common scale, higher = better (normalised, direction applied).
    weights_set : None or array_like (m, k)
        ``None``: the simplex :math:`\{w \ge 0, \sum w = 1\}`, restricted to the box
        ``w_lo <= w <= w_hi`` when bounds are given. An ``(m, k)`` array: that finite set of (non-negative)
        weight vectors, e.g. the weights of a Monte Carlo sample; the extremes of a linear function over their
        convex hull are attained at one of them, so both methods evaluate it directly.
    w_lo, w_hi : float or array_like (k,), optional
        Bounds on the weights, which are read as summing to 1 (relative weights: nominal +/- 25 % is
        ``w_lo = 0.75 * w_nominal / w_nominal.sum()``...). Defaults 0 and 1.
    method : {'lp', 'vertices'}
        ``'lp'``: linear programmes per pair (``scipy.optimize.linprog``, HiGHS) for the minimum and maximum
        of :math:`w \cdot d`. ``'vertices'``: the extremes of a linear function over a polytope are attained at
        its vertices; the unit vectors for the plain simplex, :func:`simplex_box_vertices` (exact, ``k <= 16``)
        for a box. The two agree up to the LP's tolerance (about 1e-9 in the objective).
    dominance : {'weak', 'strict'}
        The rule above (:data:`DOMINANCE`).
    tol : float
        Index differences within ``tol`` of 0 count as ties (default 0: exactly). Strict: ahead when
        :math:`\underline{s} > tol`. Weak: ahead when :math:`\underline{s} \ge -tol` and
        :math:`\overline{s} > tol`.
    return_pairs : bool
        Also return the pairwise verdicts.

    Returns
    -------
    share : float
        Robust pairs / pairs of complete units; NaN when fewer than two units are complete.
    order : ndarray of int8, (units, units), only with ``return_pairs``
        ``order[a, b] = 1`` when ``a`` is robustly ahead of ``b``, ``-1`` when robustly behind, 0 otherwise
        (including the diagonal, tied pairs and any unit with a missing value); antisymmetric.

    Notes
    -----
    NaN policy: a unit with any missing indicator takes part in no pair (the linear index is undefined there
    without a re-weighting rule, which would change :math:`W` per unit); the share is over complete units.

    References
    ----------
    Foster, McGillivray & Seth (2013) "Composite indices: rank robustness, statistical association, and
    redundancy", Econometric Reviews 32(1):35-56; Foster, McGillivray & Seth (2010) "Rank robustness of
    composite indices", OPHI working paper 26.

    Examples
    --------
    Units 0 and 1 share their first value; unit 1 is ahead of 2 on both indicators:

    >>> x = [[0.9, 0.5], [0.9, 0.3], [0.8, 0.2]]
    >>> robust_pair_share(x, method="vertices")  # 0 weakly above 1 and 2, 1 above 2: every pair
    1.0
    >>> robust_pair_share(x, method="vertices", dominance="strict")  # (0, 1) tie at w = (1, 0)
    0.6666666666666666
    >>> robust_pair_share(x, w_lo=0.1, w_hi=0.9, dominance="strict")  # the box keeps w2 >= 0.1
    1.0
    """
    x = np.asarray(x, dtype=float)
    if x.ndim != 2 or x.shape[1] < 1:
        raise ValueError(f"x must have shape (units, k), got {x.shape}")
    if method not in ("lp", "vertices"):
        raise ValueError(f"method must be 'lp' or 'vertices', got {method!r}")
    if dominance not in DOMINANCE:
        raise ValueError(f"dominance must be 'weak' or 'strict', got {dominance!r}")
    if not (np.isfinite(tol) and tol >= 0):
        raise ValueError(f"tol must be a non-negative number, got {tol!r}")
    weak = dominance == "weak"
    n, k = x.shape
    complete = np.all(np.isfinite(x), axis=1)
    idx = np.flatnonzero(complete)
    i, j = np.triu_indices(idx.size, 1)
    ia, ib = idx[i], idx[j]
    d = x[ia] - x[ib]  # (pairs, k)

    if weights_set is not None:
        if w_lo is not None or w_hi is not None:
            raise ValueError("give either a finite weights_set or bounds w_lo/w_hi, not both")
        V = np.asarray(weights_set, dtype=float)
        if V.ndim != 2 or V.shape[1] != k or V.shape[0] == 0:
            raise ValueError(f"weights_set must have shape (m, {k}), got {V.shape}")
        if np.any(V < 0) or np.any(V.sum(axis=1) <= 0) or not np.all(np.isfinite(V)):
            raise ValueError("weights_set must hold finite non-negative weight vectors with a positive sum")
        verdict = _verdict_vertices(d, V / V.sum(axis=1, keepdims=True), tol, weak)
    else:
        lo, hi = _box(k, w_lo, w_hi)
        if method == "vertices":
            plain = w_lo is None and w_hi is None
            verdict = _verdict_vertices(d, np.eye(k) if plain else _box_vertices(lo, hi), tol, weak)
        else:
            verdict = _verdict_lp(d, lo, hi, tol, weak)

    pairs = ia.size
    share = float(np.count_nonzero(verdict)) / pairs if pairs else float("nan")
    if not return_pairs:
        return share
    order = np.zeros((n, n), dtype=np.int8)
    order[ia, ib] = verdict
    order[ib, ia] = -verdict
    return share, order


def _orders(low: np.ndarray, high: np.ndarray, tol: float, weak: bool) -> np.ndarray:
    """+1 / -1 / 0 per pair from the extremes ``low <= w.d <= high`` over the weight set (the docstring's rules).

    Under either rule at most one side can win: weak +1 needs ``high > tol`` and weak -1 ``high <= tol``.
    """
    if weak:
        ahead = (low >= -tol) & (high > tol)
        behind = (high <= tol) & (low < -tol)
    else:
        ahead, behind = low > tol, high < -tol
    return np.where(ahead, 1, np.where(behind, -1, 0)).astype(np.int8)


def _verdict_vertices(d: np.ndarray, V: np.ndarray, tol: float, weak: bool) -> np.ndarray:
    """+1 / -1 / 0 per pair from the extremes of d . v over the points V (chunked over pairs)."""
    out = np.zeros(d.shape[0], dtype=np.int8)
    step = max(1, _PAIR_BLOCK // max(1, V.shape[0]))
    for s in range(0, d.shape[0], step):
        vals = d[s:s + step] @ V.T  # d >= 0 and V >= 0 give sums >= 0 exactly: weak dominance is not lost to rounding
        out[s:s + step] = _orders(vals.min(axis=1), vals.max(axis=1), tol, weak)
    return out


def _verdict_lp(d: np.ndarray, lo: np.ndarray, hi: np.ndarray, tol: float, weak: bool) -> np.ndarray:
    from scipy.optimize import linprog

    k = lo.size
    a_eq, b_eq, bounds = np.ones((1, k)), np.ones(1), list(zip(lo, hi))
    out = np.zeros(d.shape[0], dtype=np.int8)

    def lowest(c: np.ndarray) -> float:
        res = linprog(c, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
        if res.status != 0:
            raise RuntimeError(f"linprog failed on a feasible weight box: {res.message}")
        return float(res.fun)

    for p, dp in enumerate(d):
        if not np.any(dp):  # equal on every indicator: tied under every weighting, robust under neither rule
            continue
        # w >= 0 with sum 1 makes w.d a convex combination: bounded by min(d) and max(d), no LP needed
        if dp.min() > tol:
            out[p] = 1
            continue
        if dp.max() < -tol:
            out[p] = -1
            continue
        # the same bounds clamp the LP's answers, so that a solver's w_j = -1e-17 cannot turn an exact 0
        # (a weakly dominating d >= 0 with zeros) into a tiny negative minimum
        low = min(max(lowest(dp), dp.min()), dp.max())
        high = max(min(-lowest(-dp), dp.max()), dp.min())
        out[p] = _orders(np.array([low]), np.array([high]), tol, weak)[0]
    return out


__all__ = ["DOMINANCE", "robust_pair_share", "simplex_box_vertices"]
