"""Aggregation methods: the children of one composite in, one score per unit out.

The contract every aggregator meets::

    f(x, w, **params) -> ndarray, shape (units,)

- ``x``: shape ``(units, k)``, the composite's k children.
- ``w``: shape ``(k,)`` or ``(units, k)`` (unit-specific weights, e.g. benefit of the doubt), non-negative.
  Only ratios matter: multiplying every weight by ``c > 0`` changes no score.
- Missing-data policy (COINr's, stated once here): missing children are skipped and the weights renormalised
  over the present ones; a unit with no present child (or whose present children all have weight 0) gets NaN.
  :func:`present_weights` implements it for every method. A child with weight 0 is treated like a missing one
  by every method, so that "weight 0" always means "does not count".

The catalogue, by family:

- Means of the unit's own children (``arithmetic``, ``geometric``, ``harmonic``, ``power``, ``minimum``,
  ``median``, ``owa``): idempotent (a constant row aggregates to itself), internal (between the unit's smallest
  and largest present child) and monotone. ``mpi`` and ``ampi`` are idempotent but neither monotone nor internal
  in general: they penalise imbalance.
- Methods that compare units (``copeland``, ``borda``, ``bod``): a unit's score depends on the other units, so
  the score is on another scale (counts of wins, ranks, an efficiency in (0, 1]) and is not idempotent. They
  are monotone in the unit's own values.

Values <= 0 under a mean that needs positive values raise :class:`NonPositiveError` with the positions of the
unit and child; the pipeline turns it into a message naming the node, unit and indicator.

To add a method: write it here with its formula, NaN policy and reference, and add it to :data:`dti_bench.methods.registry.METHODS` (one row, with its traits).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from dti_bench.errors import MethodError
from dti_bench.methods import frontier


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


def _check_positive(x: np.ndarray, wn: np.ndarray, method: str, *, allow_zero: bool = False) -> None:
    bad = (wn > 0) & ~((x >= 0) if allow_zero else (x > 0))
    if bad.any():
        i, j = map(int, np.argwhere(bad)[0])
        raise NonPositiveError(method, i, j, float(x[i, j]))


# Quasi-arithmetic cores on already renormalised weights, shared by the named means and `power`.

def _arithmetic_core(x: np.ndarray, wn: np.ndarray, ok: np.ndarray) -> np.ndarray:
    y = np.where(wn > 0, wn * np.nan_to_num(x), 0.0).sum(axis=-1)
    return np.where(ok, y, np.nan)


def _geometric_core(x: np.ndarray, wn: np.ndarray, ok: np.ndarray) -> np.ndarray:
    logs = np.where(wn > 0, wn * np.log(np.where(wn > 0, x, 1.0)), 0.0).sum(axis=-1)
    return np.where(ok, np.exp(logs), np.nan)


def _harmonic_core(x: np.ndarray, wn: np.ndarray, ok: np.ndarray) -> np.ndarray:
    inv = np.where(wn > 0, wn / np.where(wn > 0, x, 1.0), 0.0).sum(axis=-1)
    return np.where(ok, 1.0 / np.where(ok, inv, 1.0), np.nan)


def mean_name(p: float) -> str:
    """The name of the power mean of order ``p``: 'arithmetic' (1), 'geometric' (0), 'harmonic' (−1), else 'power'.

    Examples
    --------
    >>> mean_name(0.0), mean_name(0.5)
    ('geometric', 'power')
    """
    return {1.0: "arithmetic", 0.0: "geometric", -1.0: "harmonic"}.get(float(p), "power")


def arithmetic(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    r"""Weighted arithmetic mean (COINr ``a_amean``): :math:`y = \sum_i w_i x_i / \sum_i w_i`.

    Fully compensatory: a deficit in one child is offset by a surplus in another at the rate ``w_i/w_j``.
    NaN children are skipped with weights renormalised; no present child gives NaN.

    References
    ----------
    OECD/JRC (2008), *Handbook on Constructing Composite Indicators*, section 6.2.

    Examples
    --------
    COINr ``Aggregate(coin, dset = "Normalised", f_ag = "a_amean")``; the missing value's weight is shared out
    among the present ones:

    >>> x = np.array([[0.2, 0.8], [0.5, np.nan]])
    >>> arithmetic(x, np.array([0.25, 0.75]))
    array([0.65, 0.5 ])
    """
    x = np.asarray(x, dtype=float)
    wn, ok = present_weights(x, w)
    return _arithmetic_core(x, wn, ok)


def geometric(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    r"""Weighted geometric mean (COINr ``a_gmean``): :math:`y = \prod_i x_i^{w_i / \sum w}`.

    Partially compensatory. Needs strictly positive values: a child <= 0 with positive weight raises
    :class:`NonPositiveError` (the pipeline names the node, unit and indicator; use a positive-range
    normalisation such as min-max to [1, 100]). NaN children are skipped with weights renormalised.

    References
    ----------
    OECD/JRC (2008), *Handbook on Constructing Composite Indicators*, section 6.2.

    Examples
    --------
    sqrt(1 x 4) = 2 and sqrt(2 x 8) = 4:

    >>> geometric(np.array([[1.0, 4.0], [2.0, 8.0]]), np.array([0.5, 0.5]))
    array([2., 4.])
    """
    x = np.asarray(x, dtype=float)
    wn, ok = present_weights(x, w)
    _check_positive(x, wn, "geometric")
    return _geometric_core(x, wn, ok)


def harmonic(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    r"""Weighted harmonic mean (COINr ``a_hmean``): :math:`y = \sum_i w_i / \sum_i (w_i / x_i)`.

    The least compensatory of the three Pythagorean means. Needs strictly positive values (as
    :func:`geometric`). NaN children are skipped with weights renormalised.

    References
    ----------
    OECD/JRC (2008), *Handbook on Constructing Composite Indicators*, section 6.2.

    Examples
    --------
    2 / (1/1 + 1/4) = 1.6:

    >>> harmonic(np.array([[1.0, 4.0]]), np.array([0.5, 0.5]))
    array([1.6])
    """
    x = np.asarray(x, dtype=float)
    wn, ok = present_weights(x, w)
    _check_positive(x, wn, "harmonic")
    return _harmonic_core(x, wn, ok)


def check_power(p: float = 1.0) -> None:
    """``p`` a finite number."""
    if isinstance(p, bool) or not np.isfinite(float(p)):
        raise MethodError(f"power mean: p must be a finite number, got {p!r}")


def power(x: np.ndarray, w: np.ndarray, *, p: float = 1.0) -> np.ndarray:
    r"""Weighted generalised (power, Hölder) mean of order ``p`` (COINr ``a_genmean``).

    .. math:: y = \Bigl(\sum_i \tilde w_i\, x_i^{\,p}\Bigr)^{1/p}, \qquad \tilde w_i = w_i / \sum_j w_j

    over the unit's present children. Special cases: ``p = 1`` arithmetic, ``p -> 0`` geometric (``|p| < 1e-12``
    is treated as exactly 0, where COINr's ``a_genmean`` fails), ``p = -1`` harmonic, ``p -> +inf`` the maximum
    and ``p -> -inf`` the minimum. The mean is non-decreasing in ``p``; the smaller ``p``, the less compensatory.
    ``p = 1``, ``0`` and ``-1`` give exactly what :func:`arithmetic`, :func:`geometric` and :func:`harmonic` give.

    Domain, decided once:

    - ``p <= 0``: every present child (of positive weight) must be > 0, else :class:`NonPositiveError`.
    - ``p > 0``: zeros are fine (they add 0 to the sum; an all-zero unit scores 0). Negative values raise
      :class:`NonPositiveError` unless ``p`` is an odd integer, where :math:`x^p` is strictly increasing on the
      whole real line and the real root :math:`\operatorname{sign}(s)|s|^{1/p}` gives a genuine mean. Even ``p``
      refuses them too: :math:`x^2` is not monotone, so the "mean" of (-1, -1) would be 1.

    Each unit is computed as :math:`m\,(\sum \tilde w_i (x_i/m)^p)^{1/p}` with ``m`` its largest absolute value
    (``p > 0``) or smallest value (``p < 0``), so that large ``|p|`` neither overflows nor divides by zero; for
    ``|p| < 0.01`` through ``log1p`` and ``expm1``, so that the mean tends smoothly to the geometric one.

    Parameters
    ----------
    x : ndarray, shape (units, k)
    w : ndarray, shape (k,) or (units, k)
    p : float, default 1.0
        The order; any finite number.

    Returns
    -------
    ndarray, shape (units,)
        NaN for a unit with no present child of positive weight.

    References
    ----------
    COINr ``a_genmean``; Bullen, P. S. (2003), *Handbook of Means and Their Inequalities*, ch. III.

    Examples
    --------
    ``p = 2`` is the quadratic mean, sqrt((1 + 49)/2) = 5; ``p = 1`` the arithmetic mean, 4:

    >>> x, w = np.array([[1.0, 7.0]]), np.array([0.5, 0.5])
    >>> power(x, w, p=2), power(x, w, p=1)
    (array([5.]), array([4.]))
    """
    check_power(p)
    p = float(p)
    x = np.asarray(x, dtype=float)
    wn, ok = present_weights(x, w)
    if p == 1.0:
        return _arithmetic_core(x, wn, ok)
    if abs(p) < 1e-12:
        _check_positive(x, wn, "power")
        return _geometric_core(x, wn, ok)
    if p == -1.0:
        _check_positive(x, wn, "power")
        return _harmonic_core(x, wn, ok)
    odd_integer = p > 0 and p.is_integer() and p % 2 == 1
    if not odd_integer:
        _check_positive(x, wn, "power", allow_zero=p > 0)
    used = wn > 0
    if p > 0:
        m = np.where(used, np.abs(np.nan_to_num(x)), 0.0).max(axis=-1, initial=0.0)
    else:
        m = np.where(used, x, np.inf).min(axis=-1, initial=np.inf)
    zero = ok & (m == 0)  # every used child is 0 (possible for p > 0 only): the mean is 0
    m = np.where(ok & (m > 0), m, 1.0)
    base = np.where(used, np.nan_to_num(x) / m[:, None], 1.0)
    if abs(p) >= 1e-2:
        s = np.where(used, wn * np.power(base, p), 0.0).sum(axis=-1)
        s = np.where(ok & ~zero, s, 1.0)  # a unit with nothing to average would raise 0 to a negative power
        y = m * np.sign(s) * np.power(np.abs(s), 1.0 / p)
    else:
        # s**(1/p) loses every digit as p -> 0; log1p/expm1 keep them: with sum(wn) = 1,
        # log s = log1p(sum wn * expm1(p log base)), and a zero child contributes expm1(-inf) = -1
        positive = used & (base > 0)
        logs = np.log(np.where(positive, base, 1.0))
        t = np.where(positive, wn * np.expm1(p * logs), np.where(used, -wn, 0.0)).sum(axis=-1)
        t = np.where(ok & ~zero, np.maximum(t, np.nextafter(-1.0, 0.0)), 0.0)
        y = m * np.exp(np.log1p(t) / p)
    return np.where(ok, np.where(zero, 0.0, y), np.nan)


def minimum(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    r"""The smallest present child: :math:`y = \min_{i:\, w_i > 0} x_i` (the weakest link).

    Non-compensatory; the limit of :func:`power` as ``p -> -inf``. Weights play no part except that a child of
    weight 0 is ignored, as a missing one is (so that weight 0 means "does not count" for every method, and a
    unit whose present children all have weight 0 scores NaN). NaN children are skipped; no present child gives
    NaN. Ties are immaterial.

    References
    ----------
    OECD/JRC (2008), *Handbook on Constructing Composite Indicators*, section 6 (non-compensatory aggregation).

    Examples
    --------
    >>> minimum(np.array([[0.2, 0.8], [0.9, np.nan]]), np.array([0.5, 0.5]))
    array([0.2, 0.9])
    """
    x = np.asarray(x, dtype=float)
    wn, ok = present_weights(x, w)
    y = np.where(wn > 0, x, np.inf).min(axis=-1, initial=np.inf)
    return np.where(ok, y, np.nan)


# Cumulative weights within this of one half count as exactly one half (0.1 + 0.2 + 0.2 is not 0.5 in floats).
_HALF_TOL = 1e-9


def median(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    r"""Weighted median of the present children.

    With the unit's present children sorted ascending, :math:`x_{(1)} \le \dots \le x_{(m)}`, and
    :math:`C_j` the cumulative renormalised weight of the first ``j``, the lower weighted median is the first
    :math:`x_{(j)}` with :math:`C_j \ge 1/2` and the upper weighted median the first :math:`x_{(j)}` with
    :math:`C_j > 1/2`. The score is their average. They differ only when some :math:`C_j` is exactly 1/2
    (within 1e-9); then every value between them minimises :math:`\sum_i w_i |x_i - y|` and the midpoint is
    taken. Equal weights therefore give the ordinary median (the mean of the two middle values when ``m`` is
    even). Monotone, internal and idempotent; robust to one extreme child.

    NaN children and children of weight 0 are skipped; no present child gives NaN.

    References
    ----------
    Edgeworth, F. Y. (1888), On a new method of reducing observations relating to several quantities,
    *Philosophical Magazine* 25:184 (the weighted median as the minimiser of weighted absolute deviations).

    Examples
    --------
    The weighted median: the first value whose cumulative weight reaches half:

    >>> median(np.array([[1.0, 2.0, 10.0]]), np.array([0.2, 0.5, 0.3]))
    array([2.])
    >>> median(np.array([[1.0, 2.0, 10.0]]), np.array([0.6, 0.2, 0.2]))
    array([1.])
    """
    x = np.asarray(x, dtype=float)
    wn, ok = present_weights(x, w)
    key = np.where(wn > 0, x, np.inf)
    order = np.argsort(key, axis=-1, kind="stable")
    xs = np.take_along_axis(key, order, axis=-1)
    cum = np.cumsum(np.take_along_axis(wn, order, axis=-1), axis=-1)
    lower = np.argmax(cum >= 0.5 - _HALF_TOL, axis=-1)
    upper = np.argmax(cum > 0.5 + _HALF_TOL, axis=-1)
    a = np.take_along_axis(xs, lower[:, None], axis=-1)[:, 0]
    b = np.take_along_axis(xs, upper[:, None], axis=-1)[:, 0]
    y = np.where(lower == upper, a, a / 2.0 + b / 2.0)
    return np.where(ok, y, np.nan)


def _max_entropy_order_weights(k: int, orness: float) -> np.ndarray:
    """O'Hagan's maximum-entropy OWA weights of a given orness: a geometric progression (Fullér & Majlender)."""
    if k == 1:
        return np.ones(1)
    if orness >= 1.0:
        return np.eye(k)[0]
    if orness <= 0.0:
        return np.eye(k)[-1]
    steps = np.arange(k, dtype=float)
    position = (k - 1 - steps) / (k - 1)  # Yager's orness credits the j-th largest with (k - j) / (k - 1)

    def weights(t: float) -> np.ndarray:
        e = np.exp(t * steps - max(t * (k - 1), 0.0))  # v_j ∝ exp(t j), shifted so nothing overflows
        return e / e.sum()

    def gap(t: float) -> float:
        return float(weights(t) @ position) - orness

    # orness falls from ~1 to ~0 as t runs over the bracket; outside it the weights are a corner already
    if gap(-700.0) <= 0.0:
        return np.eye(k)[0]
    if gap(700.0) >= 0.0:
        return np.eye(k)[-1]
    from scipy import optimize  # a few hundred ms to import: only for an OWA orness, not at every start

    return weights(optimize.brentq(gap, -700.0, 700.0, xtol=1e-14, rtol=1e-12))


def _order_weights(k: int, order_weights: Sequence[float] | None, orness: float | None) -> np.ndarray:
    if order_weights is not None and orness is not None:
        raise MethodError("owa: give order_weights or orness, not both")
    if orness is not None:
        if isinstance(orness, bool) or not isinstance(orness, (int, float)) or not 0.0 <= orness <= 1.0:
            raise MethodError(f"owa: orness must be a number in [0, 1] (0 = minimum, 0.5 = mean, 1 = maximum), "
                              f"got {orness!r}")
        return _max_entropy_order_weights(k, float(orness))
    if order_weights is None:
        return np.full(k, 1.0 / k)
    try:
        v = np.asarray(order_weights, dtype=float)
    except (TypeError, ValueError):
        raise MethodError(f"owa: order_weights must be a list of numbers, got {order_weights!r}") from None
    if v.ndim != 1 or v.size != k:
        raise MethodError(f"owa: order_weights has {v.size} entries but the composite has {k} children; give one "
                          f"weight per rank, largest value first")
    if not np.all(np.isfinite(v)) or np.any(v < 0) or not v.sum() > 0:
        raise MethodError(f"owa: order_weights must be finite, non-negative and not all 0, got {list(v)}")
    return v / v.sum()


def owa(x: np.ndarray, w: np.ndarray, *, order_weights: Sequence[float] | None = None,
        orness: float | None = None) -> np.ndarray:
    r"""Ordered weighted averaging (Yager 1988), combined with the importance weights as WOWA (Torra 1997).

    Plain OWA sorts a unit's values in decreasing order and applies weights by rank:
    :math:`y = \sum_j v_j x_{(j)}` with :math:`x_{(1)} \ge x_{(2)} \ge \dots`. The order weights ``v`` set the
    attitude: (1, 0, …, 0) is the maximum, (0, …, 0, 1) the minimum, equal weights the mean; Yager's
    *orness* :math:`\sum_j v_j (k - j)/(k - 1)` runs from 0 (minimum) to 1 (maximum).

    The importance weights ``w`` are not ignored: ignoring them would make every weighting choice (and every
    weight-sensitivity analysis) silently void for this method. They enter as in Torra's weighted OWA: let
    :math:`Q` be the piecewise-linear function through the points :math:`(j/k, \sum_{i \le j} v_i)`,
    :math:`j = 0..k`, and :math:`P_j` the renormalised importance weight of the ``j`` largest present children;
    then

    .. math:: y = \sum_j \bigl(Q(P_j) - Q(P_{j-1})\bigr)\, x_{(j)}.

    WOWA is the weighted arithmetic mean when the order weights are equal (the default), plain OWA when the
    importance weights are equal and no child is missing, and a Choquet integral in general (so monotone,
    idempotent and internal). With unequal importance weights the corner order weights no longer give the plain
    maximum or minimum: order weights (1, 0, …, 0) average the largest values that make up the first ``1/k`` of
    importance, so a heavily weighted child cannot be ignored. Because ``Q`` lives on [0, 1], it applies unchanged to a unit with missing
    children: they are skipped and the present ones' importance weights renormalised, as everywhere else.
    Ties between values are immaterial (the Choquet integral does not depend on how they are ordered).

    Parameters
    ----------
    x : ndarray, shape (units, k)
    w : ndarray, shape (k,) or (units, k)
        Importance weights.
    order_weights : list of float, optional
        ``k`` non-negative numbers (normalised to sum 1), the first for the largest value. Default: equal.
    orness : float in [0, 1], optional
        Instead of ``order_weights``: the maximum-entropy order weights of this orness (O'Hagan 1988; they form
        a geometric progression, Fullér & Majlender 2001). 0.5 gives equal weights.

    Raises
    ------
    MethodError
        Both ``order_weights`` and ``orness`` given, ``order_weights`` not of length ``k`` or negative,
        ``orness`` outside [0, 1].

    References
    ----------
    Yager, R. R. (1988), On ordered weighted averaging aggregation operators in multicriteria decisionmaking,
    *IEEE Trans. Systems, Man and Cybernetics* 18:183. Torra, V. (1997), The weighted OWA operator,
    *Int. J. Intelligent Systems* 12:153. Fullér, R. & Majlender, P. (2001), An analytic approach for obtaining
    maximal entropy OWA operator weights, *Fuzzy Sets and Systems* 124:53.

    Examples
    --------
    >>> x, w = np.array([[0.2, 0.6, 1.0]]), np.full(3, 1 / 3)
    >>> np.round(owa(x, w), 4)
    array([0.6])
    >>> np.round(owa(x, w, order_weights=[0.5, 0.3, 0.2]), 4)   # 0.5 x 1.0 + 0.3 x 0.6 + 0.2 x 0.2
    array([0.72])
    """
    x = np.asarray(x, dtype=float)
    k = x.shape[-1]
    v = _order_weights(k, order_weights, orness)
    wn, ok = present_weights(x, w)
    used = wn > 0
    order = np.argsort(-np.where(used, x, -np.inf), axis=-1, kind="stable")  # decreasing; absent ones last
    xs = np.take_along_axis(np.where(used, x, 0.0), order, axis=-1)
    cum = np.cumsum(np.take_along_axis(wn, order, axis=-1), axis=-1)
    prev = np.concatenate([np.zeros_like(cum[..., :1]), cum[..., :-1]], axis=-1)
    grid = np.linspace(0.0, 1.0, k + 1)
    quantifier = np.concatenate([[0.0], np.cumsum(v)])
    quantifier[-1] = 1.0
    omega = np.interp(np.clip(cum, 0, 1), grid, quantifier) - np.interp(np.clip(prev, 0, 1), grid, quantifier)
    total = omega.sum(axis=-1)
    y = np.divide((omega * xs).sum(axis=-1), total, out=np.zeros_like(total), where=total > 0)
    return np.where(ok, y, np.nan)


#: The penalty signs of MPI and AMPI: ``'negative'`` subtracts the penalty (MPI−/AMPI−), ``'positive'`` adds it.
PENALTIES = {"negative": -1.0, "positive": 1.0}


def check_mpi(penalty: str = "negative") -> None:
    """``penalty`` one of :data:`PENALTIES` (for both ``mpi`` and ``ampi``)."""
    if not isinstance(penalty, str) or penalty not in PENALTIES:
        raise MethodError(f"mpi/ampi: unknown penalty {penalty!r}; valid choices: 'negative' (higher is better, the "
                          f"imbalance is subtracted), 'positive' (higher is worse, the imbalance is added)")


def _penalised_mean(x: np.ndarray, w: np.ndarray, penalty: str, method: str) -> np.ndarray:
    """:math:`M_u \\mp S_u^2 / M_u` over each unit's present children (the formula of :func:`mpi` and :func:`ampi`)."""
    check_mpi(penalty)
    x = np.asarray(x, dtype=float)
    wn, ok = present_weights(x, w)
    used = wn > 0
    xz = np.where(used, x, 0.0)
    mean = (wn * xz).sum(axis=-1)
    bad = ok & ~(mean > 0)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        j = int(np.argmin(np.where(used[i], x[i], np.inf)))
        raise NonPositiveError(method, i, j, float(x[i, j]))
    safe_mean = np.where(ok, mean, 1.0)
    variance = (wn * np.where(used, xz - safe_mean[:, None], 0.0) ** 2).sum(axis=-1)
    y = mean + PENALTIES[penalty] * variance / safe_mean
    return np.where(ok, y, np.nan)


def mpi(x: np.ndarray, w: np.ndarray, *, penalty: str = "negative") -> np.ndarray:
    r"""Mazziotta–Pareto Index (MPI): the mean of a unit's standardised children, penalised by their imbalance.

    .. math:: \mathrm{MPI}^{\mp}_u = M_u \mp S_u\, cv_u = M_u \mp \frac{S_u^2}{M_u}, \qquad cv_u = \frac{S_u}{M_u}

    with :math:`M_u = \sum_i \tilde w_i z_{ui}` and :math:`S_u = \sqrt{\sum_i \tilde w_i (z_{ui} - M_u)^2}` the
    weighted mean and weighted standard deviation of the unit's present children, :math:`\tilde w` the weights
    renormalised to sum 1 over them. This is Mazziotta & Pareto's weighted MPI (2022): the weighted coefficient
    of variation is the weighted standard deviation over the weighted mean, and the unweighted formula then applies;
    equal weights give the original index (De Muro, Mazziotta & Pareto 2011; Mazziotta & Pareto 2013). The
    variance divides by the total weight (by the number of children for equal weights), as the weighted form and
    Compind's ``ci_ampi`` do; Compind's ``ci_mpi`` divides by one less.

    **Normalisation it expects**: MPI's standardisation of each indicator,
    :math:`z = 100 \pm 10\,(x - M_x)/S_x`, i.e. ``normalise: {method: zscore, m: 100, s: 10}`` (the sign is the
    indicator's polarity: the framework's direction -1 negates the column first). A composite above the first
    level aggregates MPI scores, which lie around 100 again. The penalty depends on where the scale's origin is
    (:math:`S_u^2 / M_u` changes when every value is shifted), so the numbers mean what Mazziotta & Pareto intend
    on that scale, where 100 is the average unit; on [0, 1] data the index need not stay inside the unit's range
    (MPI− of (0, 0, 1) is −1/3).

    **Penalty sign**: ``'negative'`` (MPI−) for a composite where higher is better (a "positive" phenomenon such as
    well-being or development): an unbalanced unit scores below its mean. ``'positive'`` (MPI+) for a composite
    where higher is worse (poverty, deprivation): the imbalance raises the score. Either way imbalance counts
    against the unit, and MPI− <= weighted mean <= MPI+.

    Properties: idempotent (a balanced unit, :math:`S_u = 0`, scores its mean); on MPI's scale MPI− stays inside
    the unit's range (MPI− >= min whenever max <= 2 min); not monotone: raising a child above the mean can lower
    MPI−. Only weight ratios matter.

    Missing values: NaN children are skipped and the weights renormalised over the present ones; a unit with no
    present child gets NaN.

    Parameters
    ----------
    x : ndarray, shape (units, k)
        The children, on MPI's scale (see above).
    w : ndarray, shape (k,) or (units, k)
        Non-negative weights.
    penalty : {'negative', 'positive'}, default 'negative'

    Returns
    -------
    ndarray, shape (units,)

    Raises
    ------
    NonPositiveError
        A unit whose weighted mean is <= 0 (the coefficient of variation is undefined); it names the unit's
        smallest present child, since a mean <= 0 needs a value <= 0.
    MethodError
        An unknown ``penalty``.

    References
    ----------
    De Muro, P., Mazziotta, M. & Pareto, A. (2011), Composite indices of development and poverty: an application
    to MDGs, *Social Indicators Research* 104:1. Mazziotta, M. & Pareto, A. (2013), Methods for constructing
    composite indicators: one for all or all for one?, *Rivista Italiana di Economia Demografia e Statistica*
    67(2):67. Mazziotta, M. & Pareto, A. (2022), Weighting in composite indices construction: the case of the
    Mazziotta–Pareto Index, *Rivista Italiana di Economia Demografia e Statistica* 76(4):17 (the weighted form).

    Examples
    --------
    The second unit's z-scores have mean 100 and standard deviation 10, so cv = 0.1 and the penalty 10 × 0.1:

    >>> mpi(np.array([[100.0, 100.0], [110.0, 90.0]]), np.array([1.0, 1.0]))
    array([100.,  99.])
    >>> mpi(np.array([[100.0, 100.0], [110.0, 90.0]]), np.array([1.0, 1.0]), penalty="positive")
    array([100., 101.])
    """
    return _penalised_mean(x, w, penalty, "mpi")


def ampi(x: np.ndarray, w: np.ndarray, *, penalty: str = "negative") -> np.ndarray:
    r"""Adjusted Mazziotta–Pareto Index (AMPI): MPI's penalised mean over AMPI's rescaled values, for comparisons
    over time.

    .. math:: \mathrm{AMPI}^{\mp}_u = M_u \mp S_u\, cv_u = M_u \mp \frac{S_u^2}{M_u}

    with :math:`M_u`, :math:`S_u` and :math:`cv_u` the weighted mean, standard deviation and coefficient of
    variation of the unit's present children, exactly as in :func:`mpi` (the weighted form of Mazziotta & Pareto
    2022). What makes it the *adjusted* index is its normalisation, which this function expects:

    **Normalisation it expects**: each indicator rescaled onto goalposts around a reference value,
    :math:`r = 100 \pm 60\,(x - x_0)/(\mathrm{Max} - \mathrm{Min})`, 70 to 130 when the reference is the midrange:
    ``normalise: ampi`` (:func:`dti_bench.methods.normalise.ampi`; the reference is the mean, or a reference unit).
    MPI's z-scores depend on the year's own mean and standard deviation, so a unit's MPI moves when the others
    move; AMPI's goalposts are fixed by the range and the reference (with ``reference:`` data, a base year's), so
    scores of different years can be compared, which is what the AMPI was proposed for.

    **Penalty sign**: ``'negative'`` (AMPI−) for a composite where higher is better, ``'positive'`` (AMPI+) where
    higher is worse; either way imbalance counts against the unit. AMPI− <= weighted mean <= AMPI+.

    Properties as :func:`mpi`: idempotent, not monotone, only weight ratios matter. Missing values: NaN children
    are skipped and the weights renormalised over the present ones; a unit with no present child gets NaN.

    Parameters
    ----------
    x : ndarray, shape (units, k)
        The children, on AMPI's scale (see above).
    w : ndarray, shape (k,) or (units, k)
        Non-negative weights.
    penalty : {'negative', 'positive'}, default 'negative'

    Returns
    -------
    ndarray, shape (units,)

    Raises
    ------
    NonPositiveError
        A unit whose weighted mean is <= 0 (not reached on AMPI's scale, which stays above 0 unless a value lies
        far outside the reference's range).
    MethodError
        An unknown ``penalty``.

    References
    ----------
    Mazziotta, M. & Pareto, A. (2016), On a generalized non-compensatory composite index for measuring
    socio-economic phenomena, *Social Indicators Research* 127:983. Mazziotta, M. & Pareto, A. (2018), Measuring
    well-being over time: the Adjusted Mazziotta–Pareto Index versus other non-compensatory indices, *Social
    Indicators Research* 136:967. Mazziotta, M. & Pareto, A. (2022), Weighting in composite indices construction:
    the case of the Mazziotta–Pareto Index, *Rivista Italiana di Economia Demografia e Statistica* 76(4):17.

    Examples
    --------
    The second unit sits at the two goalposts: mean 100, standard deviation 30, cv 0.3, penalty 30 × 0.3.

    >>> ampi(np.array([[100.0, 100.0], [130.0, 70.0]]), np.array([1.0, 1.0]))
    array([100.,  91.])
    """
    return _penalised_mean(x, w, penalty, "ampi")


# Sums of weights within this fraction of the pair's total count as equal, so that 0.1 + 0.2 ties with 0.3.
_WEIGHT_TOL = 1e-9


def copeland(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    r"""Copeland score from the weighted outranking matrix (COINr ``a_copeland``).

    For units ``p != q`` and :math:`C_{pq}` the children both have present (with positive weight), weights
    rescaled to sum to 1 over :math:`C_{pq}`:

    .. math::

        O_{pq} = \sum_{i \in C_{pq}} w_i [x_{pi} > x_{qi}] + \tfrac12 \sum_{i \in C_{pq}} w_i [x_{pi} = x_{qi}],
        \qquad y_p = \sum_{q \ne p,\ C_{pq} \ne \emptyset} \operatorname{sign}(O_{pq} - \tfrac12).

    A unit gains 1 for each unit it beats on a weighted majority of their common children, loses 1 for each
    that beats it and gets 0 for a draw. Non-compensatory: only which of two values is larger counts, not by how
    much. Scores are integers in [-(n - 1), n - 1]; monotone in the unit's own values; not idempotent (a score
    counts wins against other units). Weight sums within 1e-9 (relative) count as equal.

    Missing values: each pair is compared on the children both units have, so :math:`O_{qp} = 1 - O_{pq}`
    exactly and the scores do not depend on the order of the units. COINr's ``outrankMatrix`` instead scales
    the weights over all children and fills the lower triangle with ``1 - O_pq``, so a missing value counts for
    whichever unit comes later in the data (in practice, alphabetically). A pair with no common child is not
    compared; a unit with no present child scores NaN.

    Unit-specific weights ``(units, k)`` are refused (MethodError) unless every row is the same: with different
    rows, ``p``'s and ``q``'s views of the same pair would disagree and ``O_pq + O_qp != 1``.

    References
    ----------
    COINr ``a_copeland``, ``outrankMatrix``. Munda, G. & Nardo, M. (2009), Noncompensatory/nonlinear composite
    indicators for ranking countries: a defensible setting, *Applied Economics* 41:1513.

    Examples
    --------
    Units 0 and 2 each beat unit 1 on both indicators and tie with each other (one indicator each): wins minus
    losses:

    >>> x = np.array([[0.9, 0.6], [0.1, 0.2], [0.5, 0.8]])
    >>> copeland(x, np.array([0.5, 0.5]))
    array([ 1., -2.,  1.])
    """
    x = np.asarray(x, dtype=float)
    w = np.asarray(w, dtype=float)
    if w.ndim == 2:
        if w.shape[0] and not np.all(w == w[:1]):
            raise MethodError("copeland needs one weight per child shared by every unit; unit-specific weights "
                              "(e.g. benefit-of-the-doubt weights) would make a pair's two comparisons disagree")
        w = w[0] if w.shape[0] else np.ones(x.shape[-1])
    w = np.broadcast_to(w, x.shape[-1:])
    present = ~np.isnan(x) & (w > 0)
    xz = np.where(present, x, 0.0)
    common = present[:, None, :] & present[None, :, :]
    wins = np.where(common & (xz[:, None, :] > xz[None, :, :]), w, 0.0).sum(axis=-1)
    total = np.where(common, w, 0.0).sum(axis=-1)
    margin = wins - wins.T  # the weight p wins on minus the weight q wins on; ties cancel
    duel = np.where(margin > _WEIGHT_TOL * total, 1.0, np.where(margin < -_WEIGHT_TOL * total, -1.0, 0.0))
    return np.where(present.any(axis=-1), duel.sum(axis=-1), np.nan)


def borda(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    r"""Weighted Borda count: the weighted mean of each child's Borda score.

    For child ``i``, unit ``u``'s Borda score is the number of units with a strictly lower value,
    :math:`b_{ui} = \#\{q : x_{qi} < x_{ui}\}` (ascending rank with ties 'min', minus 1: tied units share the
    lower score), counted among the units present on ``i``. Then

    .. math:: y_u = \sum_i \tilde w_{ui}\, b_{ui}

    with weights renormalised over the unit's present children. Non-compensatory within a child (only the order
    counts), compensatory across children. Scores lie in [0, n - 1]; monotone in the unit's own values; not
    idempotent. A missing value is skipped twice: the unit gets no Borda score on that child, and it is not
    counted among the units that others beat there. No present child gives NaN.

    References
    ----------
    de Borda, J.-C. (1784), Mémoire sur les élections au scrutin; OECD/JRC (2008), *Handbook on Constructing
    Composite Indicators*, section 6.3 (non-compensatory multi-criteria approaches).

    Examples
    --------
    >>> x = np.array([[0.9, 0.6], [0.1, 0.2], [0.5, 0.8]])
    >>> borda(x, np.array([0.5, 0.5]))
    array([1.5, 0. , 1.5])
    """
    x = np.asarray(x, dtype=float)
    b = np.full_like(x, np.nan)
    for i in range(x.shape[-1]):
        col = x[:, i]
        present = ~np.isnan(col)
        b[present, i] = np.searchsorted(np.sort(col[present]), col[present], side="left")
    return arithmetic(b, w)


def bod(x: np.ndarray, w: np.ndarray, *, bounds: Sequence[float] | None = None) -> np.ndarray:
    r"""Benefit of the doubt: each unit weighted in the light most favourable to it (Cherchye et al. 2007).

    .. math::

        y_u = \max_{v \ge 0} \sum_i v_i x_{ui} \quad \text{s.t.} \quad \sum_i v_i x_{qi} \le 1 \ \ \forall q

    one linear programme per unit (:func:`dti_bench.methods.frontier.benefit_of_the_doubt`, shared with
    ``weights: bod_weights``). A data-envelopment model with the indicators as outputs and a unit input:
    ``y_u = 1`` means no weighting makes another unit look better than ``u``. Scores lie in [0, 1]; without bounds
    every unit holding a child's maximum scores exactly 1, and a unit scores 0 only when all its counted values are
    0. Scores within :data:`~dti_bench.methods.frontier.FRONTIER_TOL` (1e-9) of 1 are exactly 1, so frontier units
    tie instead of being ordered by the solver's round-off. Monotone in the unit's own values, not idempotent.

    **Invariance.** The scores, and so the ranks, are unchanged when a child is multiplied by any ``c > 0``, with
    no bounds or with pie-share bounds (the weight absorbs ``c``; the shares do not see it). Adding a constant
    changes them: the children must be on a ratio scale (e.g. ``normalise: none`` or ``frac_max`` on ratio-scale
    data).

    ``bounds = [lo, hi]`` restricts the share each child takes of the unit's score,
    :math:`lo \le v_i x_{ui} / \sum_j v_j x_{uj} \le hi` (Cherchye et al.'s "pie share" restrictions: unlike bounds
    on the weights themselves, they do not depend on the units of measurement). A child on which the unit scores 0
    has share 0, so under ``lo > 0`` that unit scores 0 (the limit of its score as the value falls to 0; see
    :mod:`dti_bench.methods.frontier` for why it is not exempted), and a unit with a single positive value scores
    0 under ``hi < 1``. With bounds, no unit need reach 1.

    The nominal weights ``w`` set no weights (the method chooses them); as everywhere, a child of weight 0 (in the
    unit's row, for unit-specific weights) does not count for that unit. Multiplying ``w`` by ``c > 0`` changes
    nothing. Missing values: the unit's own missing children are skipped (no variable for them), in other units'
    constraints a missing value counts as 0 (Kuosmanen 2009), and bounds a unit with ``m`` counted children cannot
    meet are widened to include ``1/m``. No present child gives NaN.

    Raises
    ------
    MethodError
        A negative value (the method compares sums of weighted values; normalise to a non-negative range), or
        ``bounds`` outside ``0 <= lo <= 1/k <= hi <= 1``.

    References
    ----------
    Cherchye, L., Moesen, W., Rogge, N. & Van Puyenbroeck, T. (2007), An introduction to 'benefit of the doubt'
    composite indicators, *Social Indicators Research* 82:111. Kuosmanen, T. (2009), Data envelopment analysis
    with missing data, *Journal of the Operational Research Society* 60:1767. OECD/JRC (2008), *Handbook*,
    section 6.1.

    Examples
    --------
    Multiplying a child by 10 changes no score; (0.5, 0.5) is 0.625 of (0.8, 0.8), which is on the frontier:

    >>> x = np.array([[1.0, 0.5], [0.5, 1.0], [0.5, 0.5], [0.8, 0.8]])
    >>> bod(x, np.ones(2)).tolist(), bod(x * [10.0, 1.0], np.ones(2)).tolist()
    ([1.0, 1.0, 0.625, 1.0], [1.0, 1.0, 0.625, 1.0])
    """
    x = np.asarray(x, dtype=float)
    counted = np.broadcast_to(np.asarray(w, dtype=float), x.shape) > 0
    return frontier.benefit_of_the_doubt(x, counted, bounds=bounds).scores


