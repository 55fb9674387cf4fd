r"""The benefit-of-the-doubt linear programme, solved in one place for both of its uses.

``aggregate: bod`` (:func:`dti_bench.methods.aggregate.bod`, the BoD index: each unit's optimal score) and
``weights: bod_weights`` (:func:`dti_bench.methods.weights.bod_weights`, the programme's weights handed to the
parent's mean, a hybrid that is not the BoD index) both call :func:`benefit_of_the_doubt`, so that share bounds,
missing values, zero values and the frontier tolerance mean the same thing in both.

For unit :math:`c` and its counted children :math:`I_c` (present, and of positive nominal weight), with every
child divided by its largest value over the units (which changes no score and conditions the programme),

.. math::

    s_c = \max_{v \ge 0} \sum_{i \in I_c} v_i x_{ci} \quad \text{s.t.} \quad
    \sum_{i \in I_c} v_i x_{qi} \le 1 \ \ \forall q, \qquad
    lo \le \frac{v_i x_{ci}}{\sum_{j \in I_c} v_j x_{cj}} \le hi \ \ \forall i \in I_c \ \text{(pie shares, optional)},

the share bounds entering as the linear constraints :math:`lo \sum_j v_j x_{cj} - v_i x_{ci} \le 0` and
:math:`v_i x_{ci} - hi \sum_j v_j x_{cj} \le 0` (the "pie share" restrictions of Cherchye et al. 2007).

What the decisions are, and why:

- **A child with value 0 under a lower share bound** ``lo > 0``: the bound applies, as written. The child's share
  :math:`v_i \cdot 0 / s` is 0 whatever its weight, so no positive score meets :math:`lo \le` share, and the unit
  scores 0. This is the limit of small values: a unit with :math:`x_{ci} = \varepsilon` can give that child its
  share only by keeping its whole score of order :math:`\varepsilon / lo`, so its score tends to 0 as
  :math:`\varepsilon \to 0`. Exempting zero children instead (dropping their constraints) would make a unit lose
  almost all of its score when a 0 rises to :math:`\varepsilon`: the index would not be monotone. The price is
  the known zero problem of pie shares: min-max normalisation puts each indicator's worst unit at 0, so use a
  positive range (``minmax`` with ``lo: 1, hi: 100``, or ``normalise: none`` on positive data) with ``lo > 0``.
  The upper bound never binds on a zero child (its share is 0).
- **Missing values**: a unit's programme has no variable for its own missing children, and in other units'
  constraints a missing value counts as 0 (Kuosmanen 2009): the unit is compared with every unit on the children
  those units have. Share bounds that a unit with :math:`m` counted children cannot meet (``lo > 1/m`` or
  ``hi < 1/m``) are widened to include :math:`1/m` for that unit, so that it is not scored 0 for missing data.
- **Frontier tolerance**: the solver returns frontier scores as :math:`1 - O(10^{-15})`, which would order the
  frontier units by round-off. Scores in :math:`[1 -` :data:`FRONTIER_TOL` :math:`, 1]` are exactly 1, so
  frontier units tie; optima below :data:`ZERO_TOL` are exactly 0.
- **Invariance**: the scores (and so the ranks) do not change when a child is multiplied by a positive constant,
  with no bounds or with pie-share bounds, the only bounds offered here: the weight :math:`v_i` absorbs the
  constant and the shares :math:`v_i x_{ci} / s_c` do not see it. Bounds on the weights themselves (absolute
  :math:`a \le v_i \le b`, or on normalised weights :math:`v_i / \sum_j v_j`) would not keep this invariance
  (which is why Cherchye et al. 2007 advocate pie shares), and are not offered. Adding a constant to a child
  does change the scores: the inputs must be on a ratio scale.

References
----------
Cherchye, L., Moesen, W., Rogge, N. & Van Puyenbroeck, T. (2007), An introduction to 'benefit of the doubt'
composite indicators, *Social Indicators Research* 82:111-145. Kuosmanen, T. (2009), Data envelopment analysis
with missing data, *Journal of the Operational Research Society* 60:1767-1774. OECD/JRC (2008), *Handbook on
Constructing Composite Indicators*, section 6.1.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from dti_bench.errors import MethodError

#: Scores at least ``1 - FRONTIER_TOL`` are exactly 1: the LP's round-off (about 1e-15) must not rank frontier
#: units, and a score this close to 1 is not a distinction the data can support.
FRONTIER_TOL = 1e-9
#: Optima at most this are exactly 0 (every child is scaled onto [0, 1], so scores are on that scale too).
ZERO_TOL = 1e-12


@dataclass(frozen=True)
class BoDSolution:
    """The benefit-of-the-doubt programme solved for every unit.

    Attributes
    ----------
    scores : ndarray, shape (units,)
        Each unit's optimal score in [0, 1] (NaN for a unit with no counted child), snapped to exactly 1 within
        :data:`FRONTIER_TOL` and to exactly 0 below :data:`ZERO_TOL`.
    weights : ndarray, shape (units, k)
        Each unit's optimal weights on the original scale of ``x`` (0 for children that do not count and for
        units scoring 0 or NaN): ``(weights * x).sum(axis=1)`` is the score, to the solver's precision, with
        missing children contributing 0. Alternative optima are common; the score is unique, the weights need not
        be.
    """

    scores: np.ndarray
    weights: np.ndarray


def share_bounds(bounds: Sequence[float] | None, k: int | None = None) -> tuple[float, float] | None:
    """Validate pie-share bounds ``[lo, hi]`` for ``k`` children (``k = None``: what can be checked without data).

    Raises
    ------
    MethodError
        Not two numbers, or outside ``0 <= lo <= 1/k <= hi <= 1`` (equal shares must be allowed, else no unit
        with every child could score above 0).

    Examples
    --------
    >>> share_bounds([0.1, 0.5], 4)
    (0.1, 0.5)
    >>> share_bounds(None, 4) is None
    True
    """
    if bounds is None:
        return None
    try:
        lo, hi = (float(b) for b in bounds)
    except (TypeError, ValueError):
        raise MethodError(f"bod: bounds must be two numbers [lo, hi], got {bounds!r}") from None
    # 1e-12 of slack: [0.333333333333, 1] is meant to allow the equal shares of 3 children
    equal = 1.0 / k if k else None
    if not (0.0 <= lo <= hi <= 1.0 and (equal is None or lo <= equal + 1e-12 and equal - 1e-12 <= hi)):
        needs = "0 <= lo <= hi <= 1" if equal is None else \
            f"0 <= lo <= 1/k <= hi <= 1 (k = {k} children, so that equal shares are allowed)"
        raise MethodError(f"bod: bounds [lo, hi] on each child's share of a score need {needs}, got [{lo}, {hi}]")
    return lo, hi


def check_bounds(bounds: Sequence[float] | None = None) -> None:
    """The parse-time check of ``bounds`` (the registry's ``check``): the part that does not depend on ``k``.

    Examples
    --------
    >>> check_bounds([0.5, 0.4])
    Traceback (most recent call last):
    ...
    dti_bench.errors.MethodError: bod: bounds [lo, hi] on each child's share of a score need 0 <= lo <= hi <= 1, got [0.5, 0.4]
    """
    share_bounds(bounds)


def benefit_of_the_doubt(x: np.ndarray, counted: np.ndarray | None = None, *,
                         bounds: Sequence[float] | None = None) -> BoDSolution:
    r"""Solve the benefit-of-the-doubt programme for every unit (the formula and its decisions: module docstring).

    Parameters
    ----------
    x : ndarray, shape (units, k)
        Non-negative values; NaN = missing.
    counted : ndarray of bool, shape (units, k) or (k,), optional
        The children that count in each unit's own programme (default: all); missing children never count. A
        child that does not count for unit ``c`` has no variable in ``c``'s programme.
    bounds : pair of float, optional
        Pie-share bounds ``[lo, hi]``, ``0 <= lo <= 1/k <= hi <= 1``; ``None``: none.

    Returns
    -------
    BoDSolution
        ``scores`` (units,) and ``weights`` (units, k).

    Raises
    ------
    MethodError
        A negative value, or invalid ``bounds``.

    Notes
    -----
    One ``scipy.optimize.linprog`` (HiGHS) call per unit with a positive counted child; a unit whose counted
    children are all 0, or which has a zero child under ``lo > 0``, scores 0 without one.

    Examples
    --------
    Units (1, 0.5) and (0.5, 1) are each best on one child; (0.5, 0.5) is 0.625 of (0.8, 0.8), which reaches 1:

    >>> x = np.array([[1.0, 0.5], [0.5, 1.0], [0.5, 0.5], [0.8, 0.8]])
    >>> benefit_of_the_doubt(x).scores.tolist()
    [1.0, 1.0, 0.625, 1.0]

    With equal pie shares, (1, 0.5) must weigh both children alike and is held back by (0.5, 1):

    >>> benefit_of_the_doubt(x, bounds=[0.5, 0.5]).scores.round(4).tolist()
    [0.8, 0.8, 0.625, 1.0]
    """
    # scipy.optimize costs a few hundred ms to import: only when a benefit-of-the-doubt score is computed
    from scipy import optimize

    x = np.asarray(x, dtype=float)
    if x.ndim != 2:
        raise ValueError(f"x must have shape (units, k), got shape {x.shape}")
    n, k = x.shape
    shares = share_bounds(bounds, k)
    present = ~np.isnan(x)
    negative = present & (np.nan_to_num(x) < 0)
    if negative.any():
        i, j = map(int, np.argwhere(negative)[0])
        raise MethodError(f"bod needs non-negative values; unit {i}, child {j} is {x[i, j]!r}; use a normalisation "
                          f"onto a non-negative range (e.g. minmax)")
    use = present if counted is None else present & np.broadcast_to(np.asarray(counted, dtype=bool), x.shape)
    xz = np.where(present, x, 0.0)
    top = xz.max(axis=0, initial=0.0)
    scale = np.where(top > 0, top, 1.0)
    xs = xz / scale  # each child onto [0, 1]: the scores are invariant to it and the programme better scaled
    scores = np.full(n, np.nan)
    weights = np.zeros((n, k))
    for c in np.flatnonzero(use.any(axis=1)):
        cols = np.flatnonzero(use[c])
        m = cols.size
        lo, hi = (0.0, 1.0) if shares is None else (min(shares[0], 1.0 / m), max(shares[1], 1.0 / m))
        positive = cols[xs[c, cols] > 0]
        if positive.size == 0 or (lo > 0 and positive.size < m):
            scores[c] = 0.0  # nothing to weight, or a zero child that cannot take its minimum share
            continue
        own = xs[c, positive]
        a_ub, b_ub = [xs[:, positive]], [np.ones(n)]
        if lo > 0:
            a_ub.append(lo * own[None, :] - np.diag(own))
            b_ub.append(np.zeros(positive.size))
        if hi < 1:
            a_ub.append(np.diag(own) - hi * own[None, :])
            b_ub.append(np.zeros(positive.size))
        res = optimize.linprog(-own, A_ub=np.vstack(a_ub), b_ub=np.concatenate(b_ub), bounds=(0, None),
                               method="highs")
        if res.status != 0:  # v = 0 is feasible and the unit's own constraint bounds the objective
            raise RuntimeError(f"bod: linprog failed for unit {c}: {res.message}")
        score = min(max(-res.fun, 0.0), 1.0)
        if score >= 1.0 - FRONTIER_TOL:
            score = 1.0
        if score <= ZERO_TOL:
            scores[c] = 0.0
            continue
        scores[c] = score
        weights[c, positive] = np.clip(res.x, 0.0, None) / scale[positive]
    return BoDSolution(scores, weights)


__all__ = ["BoDSolution", "FRONTIER_TOL", "ZERO_TOL", "benefit_of_the_doubt", "check_bounds", "share_bounds"]
