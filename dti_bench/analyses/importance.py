r"""Weights are not importance: correlation ratios, the Paruolo table, and weights optimised for target importance.

A nominal weight says how much a child *should* count in its composite; how much it *does* count depends on
its spread and on its correlations with its siblings. Paruolo, Saisana & Saltelli (2013) measure the latter by
Pearson's correlation ratio, the first-order sensitivity index of the composite :math:`y` to the child
:math:`x_i`,

.. math:: \eta^2_i = S_i = \frac{V[E(y \mid x_i)]}{V(y)} ,

estimated by a non-parametric regression of :math:`y` on :math:`x_i` (no model of how :math:`x_i` was
generated is needed, only the units at hand). For a linear :math:`y` and a linear :math:`E(y|x_i)` it is
Pearson's :math:`r^2`; a non-linear dependence (a geometric mean, a capped indicator) is where the two part.

The contract of every correlation-ratio estimator in :data:`CORRELATION_RATIOS`::

    f(x, y, weights, **params) -> float in [0, 1]

- ``x``, ``y``: shape ``(n,)``, complete pairs (no NaN), ``n >= 3``, neither constant. The public wrapper
  :func:`correlation_ratio` drops NaN pairs and decides the degenerate cases before an estimator is called.
- ``weights``: shape ``(n,)``, positive frequency weights: 1 for every unit in a point estimate, the
  multiplicity of each unit drawn in a bootstrap resample. A resample therefore never puts a unit beside its own
  copy (which would make the nearest-neighbour estimator see a zero difference and overstate
  :math:`\eta^2`); the units drawn at least once carry their counts instead.

To add an estimator: write it here and add it to :data:`CORRELATION_RATIOS`.

References
----------
Paruolo, P., Saisana, M. & Saltelli, A. (2013). Ratings and rankings: voodoo or science? *JRSS-A* 176(3):609-634.
Becker, W., Saisana, M., Paruolo, P. & Vandecasteele, I. (2017). Weights and importance in composite
indicators: closing the gap. *Ecological Indicators* 80:12-22.
Eilers, P. H. C. & Marx, B. D. (1996). Flexible smoothing with B-splines and penalties. *Statistical Science*
11(2):89-121.
Chatterjee, S. (2021). A new coefficient of correlation. *JASA* 116(536):2009-2022.
Devroye, L., Györfi, L., Lugosi, G. & Walk, H. (2018). A nearest neighbor estimate of the residual variance.
*Electronic Journal of Statistics* 12(1):1752-1778.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from dti_bench.analyses.results import Result, inputs
from dti_bench.config.specs import ImportanceSpec
from dti_bench.errors import ConfigError, MethodError, choices
from dti_bench.index import IndexResult, compute_index
from dti_bench.model.dataset import Dataset
from dti_bench.model.framework import Framework
from dti_bench.model.methodology import Methodology
from dti_bench.progress import progress_bar

# Smoothing parameters searched by generalised cross-validation, relative to the scale at which the data term
# and the penalty carry equal trace: from an almost interpolating spline to a straight line.
_LAMBDAS = 10.0 ** np.linspace(-8.0, 8.0, 65)
# Below this many complete pairs no estimator is attempted.
_MIN_PAIRS = 3


class CorrelationRatio(NamedTuple):
    """One estimate of :math:`\\eta^2` with its percentile bootstrap interval (NaN when not bootstrapped)."""

    value: float
    lo: float
    hi: float
    n: int


# -- estimators ---------------------------------------------------------------------------------------------

def _weighted_centre(v: np.ndarray, weights: np.ndarray) -> np.ndarray:
    return v - np.sum(weights * v) / np.sum(weights)


def pearson(x: np.ndarray, y: np.ndarray, weights: np.ndarray) -> float:
    r"""Squared (weighted) Pearson correlation, the correlation ratio of a linear regression.

    .. math:: r^2 = \frac{\left(\sum_j w_j (x_j - \bar x)(y_j - \bar y)\right)^2}
                         {\sum_j w_j (x_j - \bar x)^2 \; \sum_j w_j (y_j - \bar y)^2}

    with weighted means. It equals :math:`\eta^2` whenever :math:`E(y \mid x)` is linear in :math:`x`
    (e.g. an arithmetic aggregate of independent children), and is never larger than it.

    Parameters
    ----------
    x, y : ndarray, shape (n,)
        Complete pairs, neither constant (see the module contract).
    weights : ndarray, shape (n,)
        Positive frequency weights.

    Returns
    -------
    float in [0, 1]

    References
    ----------
    Paruolo, Saisana & Saltelli (2013), section 3.
    """
    xc, yc = _weighted_centre(x, weights), _weighted_centre(y, weights)
    sxy = np.sum(weights * xc * yc)
    sxx, syy = np.sum(weights * xc * xc), np.sum(weights * yc * yc)
    return float(np.clip(sxy * sxy / (sxx * syy), 0.0, 1.0))


def _quantile_knots(x: np.ndarray, segments: int) -> np.ndarray:
    """Clamped cubic knot vector: boundary knots repeated 4 times, interior knots at quantiles of ``x``."""
    lo, hi = float(x.min()), float(x.max())
    # knots at data values (no interpolation), so ties merge knots exactly and any increasing affine map of x
    # maps the knots with it
    inner = np.unique(np.quantile(x, np.linspace(0.0, 1.0, segments + 1)[1:-1], method="lower"))
    inner = inner[(inner > lo) & (inner < hi)]  # ties can push a quantile onto a boundary
    return np.concatenate([np.full(4, lo), inner, np.full(4, hi)])


def bspline(x: np.ndarray, y: np.ndarray, weights: np.ndarray, *, segments: int = 20,
            smoothing: float | None = None) -> float:
    r"""Correlation ratio from a penalised cubic B-spline regression (Eilers & Marx P-spline).

    The regression :math:`\hat m(x) \approx E(y \mid x)` is a cubic spline :math:`B\alpha` on a clamped knot
    vector with interior knots at the quantiles :math:`q/\text{segments}` of :math:`x` (deduplicated, so ties
    merge knots), fitted by penalised weighted least squares with a second-difference penalty on the
    coefficients,

    .. math:: \hat\alpha_\lambda = \arg\min_\alpha \sum_j w_j (y_j - B_j\alpha)^2
              + \lambda \lVert D_2 \alpha \rVert^2 ,

    and :math:`\lambda` chosen on a log grid (65 values over 16 decades, relative to
    :math:`\operatorname{tr} B^\top W B / \operatorname{tr} D_2^\top D_2`) by generalised cross-validation

    .. math:: \mathrm{GCV}(\lambda) = \frac{N \sum_j w_j (y_j - \hat y_j)^2}{(N - \operatorname{tr} H_\lambda)^2},
              \qquad N = \sum_j w_j ,

    over the :math:`\lambda` that leave at least one residual degree of freedom
    (:math:`\operatorname{tr} H_\lambda \le N - 1`; at interpolation GCV is 0/0, and in a tiny sample rounding would
    decide between interpolating, :math:`\hat\eta^2 = 1`, and a straight line). When no grid value qualifies
    (3 distinct points: constants and lines alone use 2 degrees of freedom) the largest :math:`\lambda` is used,
    which makes the estimate :math:`r^2`.

    Then

    .. math:: \hat\eta^2 = \frac{\sum_j w_j (\hat y_j - \bar y)^2}{\sum_j w_j (y_j - \bar y)^2} .

    All :math:`\lambda` are evaluated at once through the simultaneous diagonalisation of
    :math:`G = B^\top W B` and :math:`G + P` (:math:`P = D_2^\top D_2`): with :math:`U^\top (G+P) U = I`,
    :math:`U^\top G U = \operatorname{diag}(\mu)`, the fit is
    :math:`\hat y_\lambda = B U \operatorname{diag}(1/(\mu + \lambda(1-\mu))) U^\top B^\top W y` and
    :math:`\operatorname{tr} H_\lambda = \sum \mu/(\mu + \lambda(1-\mu))`. This stays well posed when a basis
    function has no data under it (many ties), because :math:`G + P` is positive definite as soon as
    :math:`x` takes two distinct values.

    The smoother is symmetric with eigenvalues in [0, 1] and reproduces constants (the penalty ignores them), so
    :math:`\hat\eta^2 \in [0, 1]`; as :math:`\lambda \to \infty` the fit is the straight line of the penalty's null
    space and the estimate tends to :math:`r^2`.

    Parameters
    ----------
    x, y : ndarray, shape (n,)
        Complete pairs, neither constant (see the module contract).
    weights : ndarray, shape (n,)
        Positive frequency weights.
    segments : int
        Number of quantile intervals for the interior knots (fewer when ties merge knots). The penalty, not the
        number of knots, controls smoothness, so the result is insensitive to it once it is large enough.
    smoothing : float, optional
        A fixed relative :math:`\lambda` instead of the GCV choice. :func:`correlation_ratio` fixes it at the
        full sample's GCV choice for its bootstrap replicates, because cross-validation on a resample sees each
        duplicated unit as a perfectly replicated observation and under-smooths, inflating the replicates.

    Returns
    -------
    float in [0, 1]

    Notes
    -----
    Eilers and Marx place knots evenly; quantile knots (as the brief of Paruolo et al.'s estimator suggests, and
    as the bunched distributions of composite indicators need) make the difference penalty an approximation of
    a derivative penalty, which is harmless for a variance ratio.

    References
    ----------
    Eilers & Marx (1996) Statistical Science 11:89; Paruolo, Saisana & Saltelli (2013), section 3.2.
    """
    return _bspline_fit(x, y, weights, segments, smoothing)[0]


def _bspline_fit(x: np.ndarray, y: np.ndarray, weights: np.ndarray, segments: int,
                 smoothing: float | None) -> tuple[float, float]:
    """The P-spline correlation ratio and the relative smoothing parameter it used."""
    if int(segments) < 1:
        raise MethodError(f"bspline correlation ratio: segments must be at least 1, got {segments!r}")
    if smoothing is not None and not smoothing > 0:
        raise MethodError(f"bspline correlation ratio: smoothing must be positive, got {smoothing!r}")
    # scipy.linalg and .interpolate cost ~100 ms to import: here, so that `dti-bench validate` does not pay them
    from scipy import linalg
    from scipy.interpolate import BSpline

    t = _quantile_knots(x, int(segments))
    basis = BSpline.design_matrix(x, t, 3)  # sparse: 4 non-zeros a row, so the Gram matrix costs O(n)
    k = basis.shape[1]
    yc = _weighted_centre(y, weights)
    gram = (basis.T @ basis.multiply(weights[:, None]).tocsr()).toarray()
    diff = np.diff(np.eye(k), 2, axis=0)
    penalty = diff.T @ diff
    penalty *= np.trace(gram) / np.trace(penalty)
    mu, u = linalg.eigh(gram, gram + penalty)
    mu = np.clip(mu, 0.0, 1.0)
    # In the basis U the fit is diagonal: with c = U'B'Wy and f = 1/(mu + lambda(1 - mu)),
    # y_hat'W y_hat = sum(mu c^2 f^2) and RSS = y'Wy - 2 sum(c^2 f) + sum(mu c^2 f^2); no (n, lambdas) arrays.
    c2 = (u.T @ (basis.T @ (weights * yc))) ** 2
    syy = float(np.sum(weights * yc * yc))
    lambdas = _LAMBDAS if smoothing is None else np.array([float(smoothing)])
    shrink = 1.0 / (mu[:, None] + lambdas[None, :] * (1.0 - mu[:, None]))   # (k, lambdas)
    explained = np.sum((mu * c2)[:, None] * shrink * shrink, axis=0)
    rss = np.maximum(syy - 2.0 * np.sum(c2[:, None] * shrink, axis=0) + explained, 0.0)
    dof = np.sum(mu[:, None] * shrink, axis=0)
    total = float(np.sum(weights))
    gcv = np.full_like(rss, np.inf)
    # GCV is 0/0 at interpolation; keeping one residual degree of freedom makes tiny samples well posed
    np.divide(total * rss, (total - dof) ** 2, out=gcv, where=dof <= total - 1.0)
    # no admissible lambda (n = 3: constants and lines already use 2 degrees of freedom): the straightest fit
    best = int(np.argmin(gcv)) if np.isfinite(gcv).any() else lambdas.size - 1
    return float(np.clip(explained[best] / syy, 0.0, 1.0)), float(lambdas[best])


def knn(x: np.ndarray, y: np.ndarray, weights: np.ndarray) -> float:
    r"""Correlation ratio from consecutive differences of :math:`y` after sorting by :math:`x`.

    Sort the units by :math:`x`. Neighbours in that order have nearly equal :math:`x`, so half the squared
    difference of their :math:`y` estimates the conditional variance, and its average estimates
    :math:`E[V(y \mid x)] = V(y) - V[E(y \mid x)]` (Devroye et al. 2018; the first-order nearest-neighbour
    estimator behind Chatterjee's 2021 :math:`\xi`). Unweighted and without ties in :math:`x`:

    .. math:: \hat\eta^2 = 1 - \frac{\sum_{i=1}^{n-1} (y_{(i+1)} - y_{(i)})^2}{2 \sum_{i=1}^{n} (y_i - \bar y)^2}

    (both sums have expectation proportional to :math:`n-1`, so the ratio needs no further correction).

    With frequency weights :math:`w` (bootstrap multiplicities) the pair :math:`(i, i+1)` carries
    :math:`p_i = (w_{(i)} + w_{(i+1)})/2` and

    .. math:: \hat\eta^2 = 1 - \frac{\sum_i p_i d_i^2 / (2 \sum_i p_i)}{\sum_j w_j (y_j - \bar y)^2 / (N - 1)},
              \qquad N = \sum_j w_j ,

    which reduces to the formula above when every :math:`w_j = 1`.

    Ties in :math:`x` leave the order inside a tied block arbitrary; rather than break them at random
    (Chatterjee) or by the data's row order (which may be sorted by :math:`y`), both sums take their
    expectation over a uniformly random order inside every tied block, in closed form: two members of a block of
    size :math:`b` are adjacent with probability :math:`2/b`, and the boundary pair between consecutive blocks is
    a uniformly random member of each. A constant-:math:`x` sample therefore gives exactly 0.

    The estimate is clipped to [0, 1]: values below 0 are sampling noise when :math:`y` does not depend on
    :math:`x`. Its bias for a smooth :math:`E(y \mid x)` is :math:`O(1/n^2)` in the spacing, but it is noisier than
    the spline estimator (roughly twice the variance).

    Parameters
    ----------
    x, y : ndarray, shape (n,)
        Complete pairs, neither constant (see the module contract).
    weights : ndarray, shape (n,)
        Positive frequency weights.

    Returns
    -------
    float in [0, 1]

    References
    ----------
    Devroye, Györfi, Lugosi & Walk (2018) EJS 12:1752; Chatterjee (2021) JASA 116:2009.
    """
    order = np.argsort(x, kind="stable")
    xs, ws = x[order], weights[order]
    yc = _weighted_centre(y, weights)
    scale = np.sqrt(np.sum(weights * yc * yc) / np.sum(weights))
    ys = yc[order] / scale  # the closed-form sums below cancel terms: keep them O(1)
    starts = np.flatnonzero(np.r_[True, xs[1:] != xs[:-1]])
    size = np.diff(np.r_[starts, xs.size]).astype(float)
    w_sum = np.add.reduceat(ws, starts)
    y1, y2 = np.add.reduceat(ys, starts), np.add.reduceat(ys * ys, starts)
    wy1, wy2 = np.add.reduceat(ws * ys, starts), np.add.reduceat(ws * ys * ys, starts)
    # inside a block: sum over unordered pairs of (w_a + w_c)(y_a - y_c)^2, times the adjacency chance 2/b, halved
    within = np.maximum(size * wy2 - 2.0 * wy1 * y1 + w_sum * y2, 0.0) / size
    within_p = (size - 1.0) * w_sum / size
    g, h = slice(None, -1), slice(1, None)
    cross = (size[h] * wy2[g] - 2.0 * wy1[g] * y1[h] + w_sum[g] * y2[h]
             + size[g] * wy2[h] - 2.0 * wy1[h] * y1[g] + w_sum[h] * y2[g])
    between = np.maximum(cross, 0.0) / (2.0 * size[g] * size[h])
    between_p = (w_sum[g] / size[g] + w_sum[h] / size[h]) / 2.0
    conditional = (within.sum() + between.sum()) / (2.0 * (within_p.sum() + between_p.sum()))
    n_total = float(np.sum(weights))
    variance = np.sum(ws * ys * ys) / (n_total - 1.0)
    return float(np.clip(1.0 - conditional / variance, 0.0, 1.0))


#: The correlation-ratio estimators by name, each ``f(x, y, weights, **params) -> float`` (module contract).
CORRELATION_RATIOS = MappingProxyType({
    "bspline": bspline,
    "knn": knn,
    "pearson": pearson,
})


def _estimator(method: str):
    try:
        return CORRELATION_RATIOS[method]
    except KeyError:
        raise MethodError(f"unknown correlation-ratio method {method!r}; valid choices: "
                          f"{choices(CORRELATION_RATIOS)}") from None


def _bspline_frozen(x: np.ndarray, y: np.ndarray, weights: np.ndarray, params: dict[str, Any]) -> dict[str, Any]:
    if params.get("smoothing") is not None:
        return params
    smoothing = _bspline_fit(x, y, weights, params.get("segments", 20), None)[1]
    return {**params, "smoothing": smoothing}


#: Parameters an estimator tunes on the data and the bootstrap keeps at their full-sample value (the resamples
#: then measure the estimate's sampling variability at that tuning).
_FROZEN_IN_BOOTSTRAP = MappingProxyType({"bspline": _bspline_frozen})


def _estimate(function, x: np.ndarray, y: np.ndarray, weights: np.ndarray, params: dict[str, Any]) -> float:
    """The degenerate cases, decided once for every estimator."""
    if x.size < _MIN_PAIRS or np.ptp(y) == 0:
        return float("nan")  # nothing to explain
    if np.ptp(x) == 0:
        return 0.0  # E(y|x) = E(y): x explains nothing
    return function(x, y, weights, **params)


def correlation_ratio(x, y, method: str = "bspline", *, n_boot: int = 0, level: float = 0.95,
                      seed: int | np.random.Generator | np.random.SeedSequence | None = None,
                      **params: Any) -> CorrelationRatio:
    r"""Pearson's correlation ratio :math:`\eta^2 = V[E(y \mid x)]/V(y)` with a percentile bootstrap interval.

    Parameters
    ----------
    x, y : array_like, shape (n,)
        The child and the composite (or any input and output). NaN pairs are dropped.
    method : str
        A key of :data:`CORRELATION_RATIOS`: ``'bspline'`` (penalised B-spline regression, GCV smoothing),
        ``'knn'`` (consecutive differences after sorting by ``x``) or ``'pearson'`` (:math:`r^2`).
    n_boot : int
        Bootstrap resamples (units drawn with replacement, each replicate recomputed with the drawn units'
        multiplicities as frequency weights). 0 = no interval.
    level : float
        Coverage of the percentile interval, e.g. 0.95 for the 2.5 % and 97.5 % quantiles of the replicates.
    seed : int, Generator or SeedSequence, optional
        Passed to ``numpy.random.default_rng``.
    **params
        Estimator parameters (e.g. ``segments`` for ``'bspline'``).

    Returns
    -------
    CorrelationRatio
        ``(value, lo, hi, n)``: the estimate on all complete pairs, the interval (NaN when ``n_boot == 0``)
        and the number of complete pairs.

    Notes
    -----
    Degenerate cases: fewer than 3 complete pairs, or a constant ``y``, give NaN (there is no variance to
    explain); a constant ``x`` gives 0 (:math:`E(y \mid x) = E(y)`). A bootstrap replicate that meets either case
    is decided the same way; NaN replicates are left out of the quantiles.

    The bootstrap treats data-tuned parameters as fixed: ``'bspline'`` replicates use the smoothing parameter
    that GCV chose on the full sample (the interval therefore omits the variability of that choice).

    References
    ----------
    Paruolo, Saisana & Saltelli (2013) JRSS-A 176:609; Efron & Tibshirani (1993), *An Introduction to the
    Bootstrap*, chapter 13 (percentile intervals).
    """
    function = _estimator(method)
    x, y = np.asarray(x, dtype=float).ravel(), np.asarray(y, dtype=float).ravel()
    if x.shape != y.shape:
        raise ValueError(f"x and y must have the same length, got {x.size} and {y.size}")
    ok = ~(np.isnan(x) | np.isnan(y))
    x, y = x[ok], y[ok]
    n = int(x.size)
    value = _estimate(function, x, y, np.ones(n), params)
    if n_boot <= 0 or np.isnan(value):
        return CorrelationRatio(value, float("nan"), float("nan"), n)
    if not 0 < level < 1:
        raise ValueError(f"level must lie in (0, 1), got {level!r}")
    rng = np.random.default_rng(seed)
    if method in _FROZEN_IN_BOOTSTRAP and np.ptp(x) > 0:
        params = _FROZEN_IN_BOOTSTRAP[method](x, y, np.ones(n), params)
    replicates = np.empty(int(n_boot))
    for b in range(int(n_boot)):
        counts = np.bincount(rng.integers(0, n, n), minlength=n).astype(float)
        drawn = counts > 0
        replicates[b] = _estimate(function, x[drawn], y[drawn], counts[drawn], params)
    replicates = replicates[~np.isnan(replicates)]
    if replicates.size == 0:
        return CorrelationRatio(value, float("nan"), float("nan"), n)
    lo, hi = np.quantile(replicates, [(1.0 - level) / 2.0, (1.0 + level) / 2.0])
    return CorrelationRatio(value, float(lo), float(hi), n)


# -- the Paruolo table ----------------------------------------------------------------------------------------

def _mean_weights(weights: np.ndarray) -> np.ndarray:
    """A composite's weights as ``(k,)``: per-unit weights (benefit of the doubt) are averaged over units."""
    weights = np.asarray(weights, dtype=float)
    if weights.ndim == 2:
        weights = np.nanmean(weights / weights.sum(axis=1, keepdims=True), axis=0)
    return weights / weights.sum() if weights.sum() > 0 else weights


def _shares(values: np.ndarray) -> np.ndarray:
    total = np.nansum(values)
    out = np.full(values.shape, np.nan)
    if total > 0:
        np.divide(values, total, out=out, where=~np.isnan(values))
    return out


def effective_target(framework: Framework, parent: str, target: str) -> str:
    """The composite a child of ``parent`` is judged against when ``target`` is asked for: ``target`` when
    ``parent`` feeds it, else ``parent`` itself.

    ``parent`` feeds ``target`` when it is ``target`` or ``target`` is one of its
    :meth:`~dti_bench.model.framework.Framework.ancestors`: only then does ``target``'s score depend on the weights
    of ``parent``'s children, and only then is comparing those weights with importance on ``target`` meaningful.

    Parameters
    ----------
    framework : Framework
    parent, target : str
        Composite codes.

    Returns
    -------
    str

    Examples
    --------
    >>> import dti_bench as db
    >>> fw = db.load_framework("dti-provincial-2022")
    >>> effective_target(fw, "DTI", "DTI"), effective_target(fw, "digital_economy", "DTI")
    ('DTI', 'digital_economy')
    """
    return target if target == parent or target in framework.ancestors(parent) else parent


def target_note(table: pd.DataFrame) -> str | None:
    """One line saying which parents' rows of an importance table are against the parent instead of the target
    asked for (None when every row is against what was asked).

    Parameters
    ----------
    table : DataFrame
        From :func:`importance_table` (columns ``target``, ``requested_target``, ``parent``).

    Returns
    -------
    str or None

    Examples
    --------
    >>> import dti_bench as db
    >>> fw, ds = db.load_framework("dti-provincial-2022"), db.load_dataset("dti2022-synthetic")
    >>> note = target_note(importance_table(db.compute_index(fw, ds), methods=["pearson"], n_boot=0))
    >>> print(note.replace(": ", ":\\n"))
    digital_government, digital_economy, digital_society do not feed 'DTI':
    their children's importance is against the parent itself
    """
    moved = table[table["target"] != table["requested_target"]]
    if moved.empty:
        return None
    asked = ", ".join(repr(str(t)) for t in pd.unique(moved["requested_target"]))
    parents = [str(p) for p in pd.unique(moved["parent"])]
    verb, whose = ("does", "its") if len(parents) == 1 else ("do", "their")
    return f"{', '.join(parents)} {verb} not feed {asked}: {whose} children's importance is against the parent itself"


def importance_table(result: IndexResult, *, target: str = "headline", methods: Sequence[str] = ("bspline", "knn"),
                     n_boot: int = 200, level: float = 0.95, seed: int = 1,
                     compare_to: str = "effective", on_estimate: Callable[[], None] | None = None) -> pd.DataFrame:
    r"""Weights against importance for every child of every composite (Paruolo, Saisana & Saltelli 2013).

    One row per edge ``(parent, child)`` of the framework (an indicator or a lower composite), with :math:`x` the
    child's values in ``result.values`` (normalised indicator or composite score) and :math:`y` the row's
    *effective target*, recorded in the ``target`` column:

    - ``'parent'``: the composite the child feeds directly;
    - ``'headline'``: the headline index, for the rows whose parent feeds it (the parent is the headline, or the
      headline is one of the parent's :meth:`~dti_bench.model.framework.Framework.ancestors`), and the parent
      itself for the others. The weights of a parent that does not feed the headline have no effect on it, so comparing them with
      importance on the headline would measure nothing: in Decision 922's DTI the three pillars are built beside
      the DTI from the same main indicators, and the DTI aggregates the main indicators, not the pillars; each
      pillar's children are therefore judged against that pillar. Within a parent that does feed the headline the
      ratio of two siblings' weights on the headline (products of weights down a tree with arithmetic
      aggregation) equals the ratio of their weights in the parent, so the within-parent comparison stays
      meaningful; in a DAG where siblings reach the headline along different paths it is only indicative.

    Every child of one parent has the same effective target, so the shares below compare like with like.

    Shares are normalised among the siblings of each parent:

    .. math:: \text{importance\_share}_i = \frac{S_i}{\sum_{j \in \text{siblings}} S_j}, \qquad
              \text{weight\_share}_i = \frac{w_i}{\sum_{j} w_j},

    with :math:`S` the correlation ratio of the *first* method in ``methods`` and :math:`w` the effective
    (default) or nominal weight. The Paruolo divergence is reported three ways:
    ``ratio`` = importance_share / weight_share (1 = the child counts as much as its weight says; NaN for a zero
    weight), ``divergence`` = importance_share - weight_share, and ``parent_divergence`` =
    :math:`\sum_i |\text{importance\_share}_i - \text{weight\_share}_i|` over the parent's children (0 = importance
    matches the weights exactly, 2 = disjoint; half of it is the total-variation distance).

    Parameters
    ----------
    result : IndexResult
        From :func:`~dti_bench.index.compute_index`.
    target : {'headline', 'parent'}
        The target asked for; a row's effective target is :func:`effective_target` of its parent.
    methods : sequence of str
        Keys of :data:`CORRELATION_RATIOS`, one ``eta2_<method>`` column triple each.
    n_boot, level : int, float
        Bootstrap resamples and interval coverage (see :func:`correlation_ratio`).
    seed : int
        Each row draws from its own child of ``SeedSequence(seed)``, and every method of a row sees the same
        resamples, so rows and methods can be compared replicate by replicate.
    compare_to : {'effective', 'nominal'}
        Which weights ``weight_share`` uses: those the composites actually used (``result.weights``, after any
        data-driven weighting; per-unit weights averaged over units) or the framework's nominal ones.
    on_estimate : callable, optional
        Called with no argument after each child's estimate by each method (with its bootstrap), that is
        ``len(framework.edges) * len(methods)`` times: what a progress bar counts.

    Returns
    -------
    DataFrame
        Columns ``target, requested_target, parent, child, level, n, nominal_weight, effective_weight, r2``, then
        ``eta2_<m>, eta2_<m>_lo, eta2_<m>_hi`` per method, then ``importance_share, weight_share, ratio,
        divergence, parent_divergence``. ``nominal_weight`` and ``effective_weight`` are normalised to sum to 1
        within each parent; ``level`` is the child's. ``target`` is the composite the row's :math:`\eta^2` and
        :math:`r^2` are computed against (the effective target) and ``requested_target`` the one ``target`` asked
        for (the headline's code, or the parent's); they differ on the rows of a parent that does not feed the
        headline (:func:`target_note` says which in one line).

    Notes
    -----
    :math:`\eta^2` and :math:`r^2` are blind to sign: a child that moves *against* its composite still has
    importance. Read the table beside :func:`dti_bench.analyses.coherence.flags`, which reports negative correlations.

    Missing values: each correlation ratio uses the units where both the child and the target are present.
    A child whose correlation ratio is NaN (constant target, fewer than 3 pairs) drops out of its parent's
    importance shares.

    References
    ----------
    Paruolo, Saisana & Saltelli (2013) JRSS-A 176:609; Becker et al. (2017) Ecol. Indic. 80:12.
    """
    if target not in ("headline", "parent"):
        raise MethodError(f"importance target {target!r}; valid choices: 'headline', 'parent'")
    if compare_to not in ("effective", "nominal"):
        raise MethodError(f"importance compare_to {compare_to!r}; valid choices: 'effective', 'nominal'")
    methods = tuple(methods)
    if not methods:
        raise MethodError("importance_table needs at least one correlation-ratio method")
    for m in methods:
        _estimator(m)
    fw, values = result.framework, result.values
    headline = fw.require_headline() if target == "headline" else None
    streams = np.random.SeedSequence(seed).spawn(len(fw.edges))
    rows: list[dict[str, Any]] = []
    for comp in fw.composites:
        kids = fw.children(comp)
        nominal = fw.nominal_weights(comp)
        nominal = nominal / nominal.sum() if nominal.sum() > 0 else nominal
        effective = _mean_weights(result.weight_arrays[comp]) if comp in result.weight_arrays else np.full(len(kids), np.nan)
        requested = headline or comp
        against = effective_target(fw, comp, requested)
        y = values[against].to_numpy(dtype=float)
        block: list[dict[str, Any]] = []
        for j, child in enumerate(kids):
            stream = streams[len(rows) + j]
            x = values[child].to_numpy(dtype=float)
            row: dict[str, Any] = {"target": against, "requested_target": requested, "parent": comp, "child": child,
                                   "level": fw.level(child), "nominal_weight": float(nominal[j]),
                                   "effective_weight": float(effective[j])}
            linear = correlation_ratio(x, y, "pearson")
            row["n"], row["r2"] = linear.n, linear.value
            for m in methods:
                est = correlation_ratio(x, y, m, n_boot=n_boot, level=level, seed=np.random.default_rng(stream))
                if on_estimate is not None:
                    on_estimate()
                row[f"eta2_{m}"], row[f"eta2_{m}_lo"], row[f"eta2_{m}_hi"] = est.value, est.lo, est.hi
            block.append(row)
        importance = _shares(np.array([r[f"eta2_{methods[0]}"] for r in block], dtype=float))
        weights = _shares(nominal if compare_to == "nominal" else effective)
        for r, s, w in zip(block, importance, weights):
            r["importance_share"], r["weight_share"] = float(s), float(w)
            r["ratio"] = float(s / w) if w > 0 else float("nan")
            r["divergence"] = float(s - w)
        spread = float(np.nansum(np.abs(importance - weights))) if np.isfinite(importance).any() else float("nan")
        for r in block:
            r["parent_divergence"] = spread
        rows.extend(block)
    columns = ["target", "requested_target", "parent", "child", "level", "n", "nominal_weight", "effective_weight",
               "r2"]
    columns += [f"eta2_{m}{suffix}" for m in methods for suffix in ("", "_lo", "_hi")]
    columns += ["importance_share", "weight_share", "ratio", "divergence", "parent_divergence"]
    return pd.DataFrame(rows, columns=columns)


# -- weights for target importance ----------------------------------------------------------------------------

@dataclass(frozen=True)
class WeightOptimisation:
    """The outcome of :func:`optimise_weights`.

    Attributes
    ----------
    weights : ndarray, shape (k,)
        Optimal weights, positive, summing to 1.
    importance : ndarray, shape (k,)
        Correlation ratios :math:`S_i` of the children with the optimal aggregate.
    shares : ndarray, shape (k,)
        Normalised importance :math:`S_i / \\sum S` achieved.
    target : ndarray, shape (k,)
        The target shares (normalised).
    residual : float
        :math:`\\lVert \\text{shares} - \\text{target} \\rVert_2`.
    reachable : bool
        ``residual <= tol``.
    evaluations : int
        Objective evaluations spent.
    """

    weights: np.ndarray
    importance: np.ndarray
    shares: np.ndarray
    target: np.ndarray
    residual: float
    reachable: bool
    evaluations: int


def _softmax(theta: np.ndarray) -> np.ndarray:
    z = np.r_[theta, 0.0]  # the last log-weight is fixed: weights are only defined up to scale
    z = np.exp(z - z.max())
    return z / z.sum()


def optimise_weights(x, target_importance, *, method: str = "bspline", tol: float = 0.01,
                     start: Sequence[float] | None = None, max_iter: int = 2000, **params: Any) -> WeightOptimisation:
    r"""Weights whose normalised importance comes closest to a target (Becker, Saisana, Paruolo & Vandecasteele 2017).

    For the linear aggregate :math:`y(w) = X w` of the children, find

    .. math:: w^* = \arg\min_{w > 0,\ \sum w = 1} \sum_i \left( \frac{S_i(w)}{\sum_j S_j(w)} - t_i \right)^2,

    with :math:`S_i(w)` the correlation ratio of child :math:`i` with :math:`y(w)` (``method``) and :math:`t`
    the target shares. The weights are parametrised as :math:`w = \operatorname{softmax}(\theta, 0)`,
    :math:`\theta \in \mathbb{R}^{k-1}`, so they stay positive and sum to one without constraints, and the
    objective is minimised by Nelder-Mead (the spline estimator's GCV choice of smoothing makes it piecewise
    smooth, so no gradients), restarted once from its own optimum when the first run stops above ``tol``.

    The target is *reachable* when the residual :math:`\lVert s(w^*) - t \rVert_2 \le` ``tol`` (default 0.01:
    no share more than a percentage point away). Not every target is reachable: correlated children share
    importance whatever their weights. With two perfectly correlated children (:math:`x_2 = a x_1 + b`,
    :math:`a > 0`) the aggregate :math:`y = (w_1 + a w_2) x_1 + w_2 b` is an exact affine function of each child,
    so :math:`S_1 = S_2 = 1` for every weight, the shares are always (0.5, 0.5), and a target (0.9, 0.1) stays at
    residual :math:`\sqrt{0.4^2 + 0.4^2} \approx 0.566`.

    Parameters
    ----------
    x : array_like, shape (units, k)
        The children (normalised indicators or composites). Units missing any child are dropped (complete cases:
        the optimised aggregate has to be the same function for every unit).
    target_importance : array_like, shape (k,), or 'equal'
        Non-negative target shares (normalised here), e.g. the nominal weights; ``'equal'`` = :math:`1/k` each.
    method : str
        A key of :data:`CORRELATION_RATIOS`; ``'pearson'`` is the fast linear special case.
    tol : float
        Reachability threshold on the residual.
    start : array_like, shape (k,), optional
        Starting weights (positive); equal weights by default.
    max_iter : int
        Nelder-Mead iterations per run.
    **params
        Estimator parameters (e.g. ``segments``).

    Returns
    -------
    WeightOptimisation

    Notes
    -----
    Degenerate cases: ``k = 1`` returns weight 1 without optimising. A constant child has :math:`S = 0` for every
    weight, so a positive target share for it is unreachable. Fewer than 3 complete units raise
    :class:`~dti_bench.errors.MethodError`.

    References
    ----------
    Becker, Saisana, Paruolo & Vandecasteele (2017) Ecol. Indic. 80:12, section 2.3.
    """
    function = _estimator(method)
    x = np.asarray(x, dtype=float)
    if x.ndim != 2:
        raise ValueError(f"x must have shape (units, k), got shape {x.shape}")
    k = x.shape[1]
    if isinstance(target_importance, str):
        if target_importance != "equal":
            raise MethodError(f"target_importance {target_importance!r}; give shares or 'equal'")
        target = np.full(k, 1.0 / k)
    else:
        target = np.asarray(target_importance, dtype=float).ravel()
        if target.shape != (k,) or np.any(~np.isfinite(target)) or np.any(target < 0) or target.sum() <= 0:
            raise MethodError(f"target_importance must be {k} non-negative numbers with a positive sum, "
                              f"got {target_importance!r}")
        target = target / target.sum()
    xc = x[~np.isnan(x).any(axis=1)]
    if xc.shape[0] < _MIN_PAIRS:
        raise MethodError(f"optimise_weights needs at least {_MIN_PAIRS} units with every child present, "
                          f"got {xc.shape[0]}")
    ones = np.ones(xc.shape[0])

    def importance(w: np.ndarray) -> np.ndarray:
        y = xc @ w
        return np.array([_estimate(function, xc[:, i], y, ones, params) for i in range(k)])

    def objective(theta: np.ndarray) -> float:
        s = _shares(importance(_softmax(theta)))
        return float(np.sum((np.nan_to_num(s, nan=0.0) - target) ** 2)) if np.isfinite(s).any() else 2.0

    if k == 1:
        s = importance(np.ones(1))
        shares = _shares(s)
        residual = float(np.linalg.norm(np.nan_to_num(shares) - target))
        return WeightOptimisation(np.ones(1), s, shares, target, residual, residual <= tol, 1)
    w0 = np.full(k, 1.0 / k) if start is None else np.asarray(start, dtype=float)
    if w0.shape != (k,) or np.any(w0 <= 0):
        raise MethodError(f"start must be {k} positive weights, got {start!r}")
    theta = np.log(w0[:-1] / w0[-1])
    from scipy import optimize  # a few hundred ms to import: only when weights are optimised, not at validate

    options = {"xatol": 1e-6, "fatol": 1e-12, "maxiter": int(max_iter)}
    found = optimize.minimize(objective, theta, method="Nelder-Mead", options=options)
    evaluations = int(found.nfev)
    if np.sqrt(found.fun) > tol:  # a fresh simplex escapes a collapsed one
        again = optimize.minimize(objective, found.x, method="Nelder-Mead", options=options)
        evaluations += int(again.nfev)
        if again.fun < found.fun:
            found = again
    w = _softmax(found.x)
    s = importance(w)
    shares = _shares(s)
    residual = float(np.linalg.norm(np.nan_to_num(shares) - target))
    return WeightOptimisation(w, s, shares, target, residual, residual <= tol, evaluations)


@dataclass(frozen=True, eq=False, repr=False)
class ImportanceResult(Result):
    """Weights versus importance of every child of every composite, and optionally the weights that would make
    importance follow a target.

    Attributes
    ----------
    table : DataFrame
        importance.csv (see :func:`importance_table`; its ``target`` column is each row's effective target).
    optimised : DataFrame or None
        optimised_weights.csv: parent, child, target_share, optimal_weight, achieved_share, residual, reachable.
    target, methods, seed : as asked
    """

    table: pd.DataFrame
    optimised: pd.DataFrame | None
    target: str
    methods: tuple[str, ...]
    seed: int
    optimise: str | None = None
    optimise_method: str = "pearson"

    def to_frame(self) -> pd.DataFrame:
        """The result as one DataFrame (its main table; :meth:`tables` gives every file a run writes).

        Examples
        --------
        >>> import dti_bench as db
        >>> fw, ds = db.load_framework("dti-provincial-2022"), db.load_dataset("dti2022-published-profiles")
        >>> result = db.importance(fw, ds, methods=["pearson"], n_boot=0)
        >>> table = result.to_frame()
        >>> table.query("parent == 'DTI'")[['child', 'nominal_weight']]
                      child  nominal_weight
        0         awareness            0.10
        1      institutions            0.10
        2    infrastructure            0.10
        3   human_resources            0.10
        4     cybersecurity            0.10
        5      gov_activity            0.20
        6     econ_activity            0.15
        7  society_activity            0.15
        """
        return self.table

    def tables(self) -> dict[str, pd.DataFrame]:
        """File name -> table: the CSV files a run folder holds for this analysis.

        Examples
        --------
        >>> import dti_bench as db
        >>> fw, ds = db.load_framework("dti-provincial-2022"), db.load_dataset("dti2022-published-profiles")
        >>> result = db.importance(fw, ds, methods=["pearson"], n_boot=0)
        >>> sorted(result.tables())
        ['importance.csv']
        """
        out = {"importance.csv": self.table}
        if self.optimised is not None:
            out["optimised_weights.csv"] = self.optimised
        return out

    def summary(self) -> dict[str, Any]:
        """The numbers the manifest records for this analysis (``outputs`` in ``manifest.json``).

        Examples
        --------
        >>> import dti_bench as db
        >>> fw, ds = db.load_framework("dti-provincial-2022"), db.load_dataset("dti2022-published-profiles")
        >>> result = db.importance(fw, ds, methods=["pearson"], n_boot=0)
        >>> result.summary()
        {'rows': 26, 'methods': ['pearson'], 'seed': 1, 'target_note': "digital_government, digital_economy,
        digital_society do not feed 'DTI': their children's importance is against the parent itself"}
        """
        out: dict[str, Any] = {"rows": len(self.table), "methods": list(self.methods), "seed": self.seed}
        note = target_note(self.table)
        if note:  # the manifest says why some rows are not against the target the config asked for
            out["target_note"] = note
        if self.optimise:
            out["optimised"] = {"target": self.optimise, "method": self.optimise_method}
        return out

    def describe(self) -> str:
        """One line: what was analysed and its headline number.

        Examples
        --------
        >>> import dti_bench as db
        >>> fw, ds = db.load_framework("dti-provincial-2022"), db.load_dataset("dti2022-published-profiles")
        >>> result = db.importance(fw, ds, methods=["pearson"], n_boot=0)
        >>> result.describe()
        '26 children, estimators pearson, target headline'
        """
        return f"{len(self.table)} children, estimators {', '.join(self.methods)}, target {self.target}"


def importance(framework: Framework, data: Dataset | pd.DataFrame, methodology: Methodology | Mapping | None = None, *,
               methods: Sequence[str] = tuple(ImportanceSpec().methods), n_boot: int = ImportanceSpec.n_boot,
               seed: int = ImportanceSpec.seed, target: str = ImportanceSpec.target,
               compare_to: str = ImportanceSpec.compare_to, optimise: str | None = ImportanceSpec.optimise,
               optimise_method: str = ImportanceSpec.optimise_method,
               reference: Dataset | None = None, progress: bool = False) -> ImportanceResult:
    r"""Weights versus importance (Paruolo, Saisana & Saltelli 2013) of the nominal index, and optionally the
    weights that bring importance to a target (Becker et al. 2017).

    A child's importance is its correlation ratio :math:`\eta^2_i = V[E(y \mid x_i)] / V(y)` with the target
    composite, estimated non-parametrically; its share among its siblings is compared with its weight share. A
    child is only judged against a target its parent feeds (see :func:`importance_table`): in the Decision 922
    DTI, the pillars' children are judged against their pillar, the DTI's own children against the DTI.

    Parameters
    ----------
    framework, data, methodology
        The index (methodology None: the framework's official one, else the package default).
    methods : sequence of {'bspline', 'knn', 'pearson'}
        Estimators of the correlation ratio (penalised B-splines with GCV, nearest neighbours, r²).
    n_boot : int
        Bootstrap resamples of each estimate's interval (0: none).
    seed : int
    target : {'headline', 'parent'}
        Importance against the headline (the parent itself for the children of a parent that does not feed the
        headline), or against each child's own parent.
    compare_to : {'effective', 'nominal'}
        Compare with the weights the composites actually used, or with the nominal ones.
    optimise : {None, 'equal', 'nominal'}
        Also find the weights whose importance shares are equal (or proportional to the nominal weights).
    optimise_method : str
        The estimator the optimisation re-evaluates at every step (``pearson``: exact for a linear aggregate of
        linearly related children, ~20x faster than ``bspline``).
    reference : Dataset, optional
    progress : bool
        Show a progress bar (:func:`dti_bench.progress.progress_bar`) with one step per child and estimator
        (each with its ``n_boot`` resamples) and one per composite whose weights are optimised.

    Returns
    -------
    ImportanceResult
        ``.to_frame()``: importance.csv.

    References
    ----------
    Paruolo, P., Saisana, M., Saltelli, A. (2013). JRSS A 176(3):609-634. Becker, W., Saisana, M., Paruolo, P.,
    Vandecasteele, I. (2017). Ecological Indicators 80:12-22.

    Examples
    --------
    >>> import dti_bench as db
    >>> fw, ds = db.load_framework("dti-provincial-2022"), db.load_dataset("dti2022-synthetic")
    >>> table = db.importance(fw, ds, methods=["pearson"], n_boot=0).to_frame()
    >>> sorted(set(table["parent"]))
    ['DTI', 'digital_economy', 'digital_government', 'digital_society']
    >>> table["target"].equals(table["parent"])  # the pillars do not feed the DTI: against themselves
    True
    """
    dataset, nominal = inputs(framework, data, methodology)
    bad = [m for m in [*methods, optimise_method] if m not in CORRELATION_RATIOS]
    if bad:
        raise ConfigError(f"methods: unknown estimator {bad[0]!r}; valid choices: {choices(CORRELATION_RATIOS)}")
    result = compute_index(framework, dataset, nominal, reference=reference)
    optimised_parents = [c for c in framework.composites if len(framework.children(c)) >= 2] if optimise else []
    bar = progress_bar(len(framework.edges) * len(methods) + len(optimised_parents), "importance",
                       enabled=progress, unit="estimate")
    with bar:
        table = importance_table(result, target=target, methods=tuple(methods), n_boot=n_boot, seed=seed,
                                 compare_to=compare_to, on_estimate=bar.update)
        optimised = _optimised(framework, result, optimised_parents, optimise, optimise_method, bar) \
            if optimise else None
    return ImportanceResult(table, optimised, target, tuple(methods), seed, optimise, optimise_method)


def _optimised(framework: Framework, result: IndexResult, parents: Sequence[str], optimise: str,
               optimise_method: str, bar: Any) -> pd.DataFrame:
    """The optimised-weights table of :func:`importance`: one row per child of each parent of two or more."""
    rows = []
    for comp in parents:
        kids = list(framework.children(comp))
        x = result.values[kids].to_numpy(dtype=float)
        goal = "equal" if optimise == "equal" else framework.nominal_weights(comp)
        res = optimise_weights(x, goal, method=optimise_method)
        bar.update(1)
        for k, child in enumerate(kids):
            rows.append({"parent": comp, "child": child, "target_share": res.target[k],
                         "optimal_weight": res.weights[k], "achieved_share": res.shares[k],
                         "residual": res.residual, "reachable": res.reachable})
    return pd.DataFrame(rows)
