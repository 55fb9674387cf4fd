"""Weighting methods: the weights of one composite's children.

The contract every weighting method meets::

    f(x, w, **params) -> ndarray, shape (k,) or (units, k)

- ``x``: shape ``(units, k)``, the composite's children as they enter the aggregation (normalised
  indicators or lower composites); data-driven methods (PCA, entropy, CRITIC, benefit of the doubt) use it.
  NaN = missing; each method states how it treats missing values.
- ``w``: shape ``(k,)``, the nominal weights (the framework's, after any explicit overrides).
- Weights are relative within the composite: only ratios matter. A ``(units, k)`` result gives each unit its
  own weights (benefit of the doubt). Every method returns non-negative, finite weights.

Two randomised perturbations of a weight vector, :func:`noise` and :func:`simplex`, stand at the end: they need
a random generator, so they do not meet the contract above and are not methods a methodology names (the
uncertainty analysis perturbs weights through its factors, :mod:`dti_bench.analyses.factors`).

To add a method: write it here and add it to :data:`dti_bench.methods.registry.METHODS` (one row, with its traits).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.optimize import linprog

from dti_bench.errors import MethodError

# Eigenvalues (of a correlation matrix, so the largest is >= 1) closer than this are treated as tied.
_EIGEN_TIE = 1e-9
# A computed correlation this close to 1 is a perfect one: rounding must not invent conflict between
# collinear children (CRITIC would turn 1e-16 noise into arbitrary weights).
_PERFECT_CORRELATION = 1e-12
# BoD scores lie in [0, 1] whatever the data's scale: an LP optimum below this is a score of 0.
_ZERO_SCORE = 1e-12


def nominal(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """The framework's weights (with any explicit overrides already applied), unchanged: :math:`w_i`.

    NaN policy: the weights do not look at ``x``; a missing child is handled by the aggregator, which
    renormalises the weights over the present children (:func:`dti_bench.methods.aggregate.present_weights`).

    References
    ----------
    OECD/JRC (2008), *Handbook on Constructing Composite Indicators*, section 6.1 (weights set by the framework).
    """
    return np.asarray(w, dtype=float)


def equal(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Equal weights: every child of a composite counts the same, :math:`w_i = 1/k`.

    NaN policy: the weights do not look at ``x``; a missing child is handled by the aggregator, which
    renormalises the weights over the present children, so the present ones stay equal.

    References
    ----------
    OECD/JRC (2008), *Handbook on Constructing Composite Indicators*, section 6.1 (equal weighting).
    """
    k = np.asarray(w).shape[-1]
    return np.full(k, 1.0 / k)


# -- helpers ---------------------------------------------------------------------------------------------

def _block(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=float)
    if x.ndim != 2:
        raise ValueError(f"x must have shape (units, k), got shape {x.shape}")
    return x


def _complete_cases(x: np.ndarray, method: str) -> np.ndarray:
    xc = x[~np.isnan(x).any(axis=1)]
    if xc.shape[0] < 2:
        raise MethodError(f"{method} weights need at least 2 units with every child present, got "
                          f"{xc.shape[0]}; impute missing values first")
    return xc


def _correlation(xc: np.ndarray) -> np.ndarray:
    """Pearson correlation of columns that all vary (no zero standard deviation)."""
    z = (xc - xc.mean(axis=0)) / xc.std(axis=0, ddof=1)
    r = z.T @ z / (xc.shape[0] - 1)
    return np.clip(r, -1.0, 1.0)


def _require_non_negative(x: np.ndarray, method: str, remedy: str) -> None:
    negative = np.argwhere(x < 0)
    if negative.size:
        i, j = map(int, negative[0])
        raise MethodError(f"{method} needs non-negative values, got {x[i, j]!r} at unit {i}, child {j}; "
                          f"{remedy}")


# -- data-driven weights ---------------------------------------------------------------------------------

def pca(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    r"""Weights from the first principal component of the children's correlation matrix.

    With :math:`R` the ``(k, k)`` Pearson correlation matrix of the children and :math:`v` its leading
    unit-length eigenvector (eigenvalue :math:`\lambda_1`), the loadings are :math:`a_j = \sqrt{\lambda_1} v_j`
    and the weights are the squared loadings scaled to unity sum, as in the OECD/JRC Handbook (its
    Table 17, "squared factor loading (scaled to unity sum)"):

    .. math:: w_j = \frac{a_j^2}{\sum_l a_l^2} = v_j^2 .

    A squared loading is the share of the child's unit variance explained by the component, so weights are
    non-negative and the arbitrary sign of an eigenvector does not matter. A child that loads *negatively*
    (moves against the others) still receives a positive weight proportional to :math:`v_j^2`; check the
    correlation structure before trusting PCA weights.

    Only the first component, without rotation: the Handbook's full recipe retains several factors, rotates
    them (varimax) and weights the intermediate composites by explained variance; this is the
    one-component version, PCA "within each group" of a framework composite.

    Parameters
    ----------
    x : ndarray, shape (units, k)
        The composite's children.
    w : ndarray, shape (k,)
        Nominal weights (unused).

    Returns
    -------
    ndarray, shape (k,)
        Non-negative weights summing to 1.

    Notes
    -----
    Missing values: complete cases. Units missing any child are dropped (COINr's ``get_PCA`` does the same
    with ``na.omit``), so the correlation matrix is a proper one (positive semi-definite); at least 2 complete
    units are needed, otherwise :class:`~dti_bench.errors.MethodError`.

    Degenerate cases:

    - ``k = 1``: weight 1.
    - A child with zero variance over the complete cases has no correlation; it gets weight 0 and the PCA runs
      on the remaining children. If every child is constant, equal weights.
    - Tied leading eigenvalues (e.g. uncorrelated children, :math:`R = I`): the leading eigenvector is not
      unique, so the weight is taken from the projector :math:`P` onto the whole leading eigenspace of
      dimension :math:`m`: :math:`w_j = P_{jj} / m`, which is basis-free and equals :math:`v_j^2` when
      :math:`m = 1`. Eigenvalues within ``1e-9`` of the largest count as tied.
    - With two children the weights are always equal: the eigenvectors of a 2 x 2 correlation matrix are
      :math:`(1, \pm 1)/\sqrt 2` whatever the correlation.

    Deviation from COINr: COINr's ``get_PCA`` uses the raw (signed) first-component coefficients, which can be
    negative and flip sign between runs; the Handbook's squared loadings are used here.

    References
    ----------
    OECD/JRC (2008), *Handbook on Constructing Composite Indicators*, sections 3.1 and 6.1 (Table 17).
    COINr documentation, ``get_PCA``.
    """
    x = _block(x)
    k = x.shape[1]
    if k == 1:
        return np.ones(1)
    xc = _complete_cases(x, "pca")
    varying = np.ptp(xc, axis=0) > 0
    if not varying.any():
        return np.full(k, 1.0 / k)
    lam, vec = np.linalg.eigh(_correlation(xc[:, varying]))
    leading = lam >= lam[-1] * (1.0 - _EIGEN_TIE)
    out = np.zeros(k)
    out[varying] = (vec[:, leading] ** 2).sum(axis=1) / leading.sum()
    return out / out.sum()


def entropy(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    r"""Shannon-entropy weights: children whose values differ more across units weigh more.

    For child :math:`j` with :math:`n_j` present values,

    .. math::

        p_{ij} = \frac{x_{ij}}{\sum_i x_{ij}}, \qquad
        e_j = -\frac{1}{\ln n_j} \sum_i p_{ij} \ln p_{ij}, \qquad
        d_j = 1 - e_j, \qquad
        w_j = \frac{d_j}{\sum_l d_l},

    with :math:`0 \ln 0 = 0`. :math:`e_j \in [0, 1]` is the normalised entropy of the child's distribution
    over units: 1 when every unit has the same value (no information to discriminate), 0 when one unit holds
    everything.

    Parameters
    ----------
    x : ndarray, shape (units, k)
        The composite's children; must be non-negative (e.g. min-max normalised), otherwise
        :class:`~dti_bench.errors.MethodError`.
    w : ndarray, shape (k,)
        Nominal weights (unused).

    Returns
    -------
    ndarray, shape (k,)
        Non-negative weights summing to 1.

    Notes
    -----
    Missing values are skipped per child: :math:`p`, :math:`n_j` and :math:`e_j` use that child's present
    values only (no unit is dropped from the other children).

    Degenerate cases, each giving :math:`d_j = 0` (no discriminating information): a constant child, a child
    of all zeros (:math:`p` undefined), a child with fewer than 2 present values. If every :math:`d_j = 0`,
    equal weights. ``k = 1`` gives weight 1. The weights are invariant to rescaling a child by a positive
    factor, not to shifting it: min-max normalisation's zero at the worst unit matters.

    References
    ----------
    Shannon (1948), Bell Syst. Tech. J. 27:379; Zeleny (1982), *Multiple Criteria Decision Making*, ch. 7
    (entropy as a measure of a criterion's contrast intensity).
    """
    x = _block(x)
    k = x.shape[1]
    _require_non_negative(x, "entropy weighting", "use a non-negative normalisation such as minmax")
    present = ~np.isnan(x)
    n = present.sum(axis=0)
    total = np.where(present, x, 0.0).sum(axis=0)
    informative = (n > 1) & (total > 0)
    p = np.divide(x, total, out=np.zeros_like(x), where=present & informative)
    plogp = np.where(p > 0, p * np.log(np.where(p > 0, p, 1.0)), 0.0).sum(axis=0)
    log_n = np.log(np.maximum(n, 2))
    d = np.where(informative, 1.0 + plogp / log_n, 0.0)
    # A constant child has e = 1 exactly; computed, it is 1 - O(eps), and that noise must not become weight.
    spread = np.where(present, x, -np.inf).max(axis=0) - np.where(present, x, np.inf).min(axis=0)
    d = np.where(informative & (spread > 0), np.clip(d, 0.0, None), 0.0)
    if not d.sum() > 0:
        return np.full(k, 1.0 / k)
    return d / d.sum()


def critic(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    r"""CRITIC weights (CRiteria Importance Through Intercriteria Correlation).

    A child weighs more when it varies more (contrast, :math:`\sigma_j`) and when it conflicts with the
    other children (low or negative correlation :math:`r_{jl}`):

    .. math::

        C_j = \sigma_j \sum_{l=1}^{k} (1 - r_{jl}), \qquad w_j = \frac{C_j}{\sum_l C_l}.

    :math:`\sigma_j` is the sample standard deviation (``ddof = 1``) of the child **as given**: no min-max
    rescaling is done here. Diakoulaki et al. first rescale every criterion to [0, 1] by its min and max; with
    the pipeline's default min-max normalisation the children of an indicator-level composite already are,
    and the result is the original CRITIC. After z-scores every :math:`\sigma_j` is 1 and only the
    correlations count; at higher levels the composites' own spreads count. So the weights scale with a
    child: doubling it doubles its :math:`\sigma_j`.

    Parameters
    ----------
    x : ndarray, shape (units, k)
        The composite's children.
    w : ndarray, shape (k,)
        Nominal weights (unused).

    Returns
    -------
    ndarray, shape (k,)
        Non-negative weights summing to 1.

    Notes
    -----
    Missing values: complete cases (units missing any child are dropped), so that :math:`\sigma` and
    :math:`r` describe the same units; at least 2 complete units are needed, otherwise
    :class:`~dti_bench.errors.MethodError`.

    Degenerate cases:

    - A child with zero variance has :math:`C_j = 0`, so weight 0; it is left out of the other children's
      sums too (its correlation is undefined, and a constant child should not change the others' weights).
      If every child is constant, equal weights.
    - If every :math:`C_j = 0` (e.g. all varying children perfectly correlated, or ``k = 1``), equal weights
      over the varying children. Correlations within ``1e-12`` of 1 count as exactly 1.

    References
    ----------
    Diakoulaki, Mavrotas, Papayannakis (1995), "Determining objective weights in multiple criteria problems:
    the CRITIC method", Computers & Operations Research 22(7):763-770.
    """
    x = _block(x)
    k = x.shape[1]
    if k == 1:
        return np.ones(1)
    xc = _complete_cases(x, "critic")
    varying = np.ptp(xc, axis=0) > 0
    if not varying.any():
        return np.full(k, 1.0 / k)
    xv = xc[:, varying]
    r = _correlation(xv)
    conflict = np.where(r >= 1.0 - _PERFECT_CORRELATION, 0.0, 1.0 - r)
    c = xv.std(axis=0, ddof=1) * conflict.sum(axis=1)
    out = np.zeros(k)
    out[varying] = c / c.sum() if c.sum() > 0 else 1.0 / varying.sum()
    return out


def bod(x: np.ndarray, w: np.ndarray, *, bounds: Sequence[float] | None = None) -> np.ndarray:
    r"""Benefit-of-the-doubt weights: each unit's most favourable weights (a DEA linear programme).

    For each unit :math:`c`, with the set :math:`Q` of units compared against it,

    .. math::

        \max_{w \ge 0} \sum_i w_i x_{ci} \quad \text{s.t.} \quad \sum_i w_i x_{qi} \le 1 \quad \forall q \in Q,

    optionally with *pie-share* bounds on each child's share of the unit's own score,

    .. math:: lo \le \frac{w_i x_{ci}}{\sum_j w_j x_{cj}} \le hi,

    imposed as the linear constraints :math:`w_i x_{ci} - lo \sum_j w_j x_{cj} \ge 0` and
    :math:`w_i x_{ci} - hi \sum_j w_j x_{cj} \le 0`. Solved with ``scipy.optimize.linprog(method='highs')``.

    Parameters
    ----------
    x : ndarray, shape (units, k)
        The composite's children; must be non-negative (e.g. min-max normalised), otherwise
        :class:`~dti_bench.errors.MethodError`.
    w : ndarray, shape (k,)
        Nominal weights: used only where the unit's weights are arbitrary (see below).
    bounds : pair of float, optional
        ``[lo, hi]`` with ``0 <= lo <= hi <= 1``: the allowed range of each child's share of the unit's score.
        ``None`` (default) means no bound: the unit may put all its weight on its best child.

    Returns
    -------
    ndarray, shape (units, k)
        The optimal LP weights, **not** normalised: :math:`\sum_i w_{ci} x_{ci}` is unit :math:`c`'s BoD
        score, in [0, 1], with 1 for the units on the frontier. (The pipeline normalises each row to sum to 1
        before aggregating, which keeps their ratios; the BoD score itself is ``(w * x).sum(axis=1)``
        with missing children contributing 0, and ``aggregate: bod`` computes that score as the composite.)

    Notes
    -----
    Missing values: a unit's LP uses only its present children (its missing children get weight 0), and
    :math:`Q` holds the units with all of those children present (the unit itself among them, so the
    programme is bounded). A unit with no present child gets the nominal weights (its aggregate is NaN
    anyway).

    Degenerate cases:

    - A unit whose optimum is 0 gets weights on its zero-valued children only: the nominal ones (equal ones
      if those are all 0), scaled so that the tightest constraint binds; its score stays 0 and its row a
      positive sum. That happens when its present children are all 0, and under share bounds with
      ``lo > 0`` when any child is 0: that child cannot reach its minimum share unless the score is 0 (the
      known zero problem of pie-share constraints). Min-max normalisation puts every indicator's worst unit
      at 0, so with ``lo > 0`` normalise to a positive range (``minmax`` with ``lo: 1, hi: 100``).
    - ``bounds`` infeasible for a unit with :math:`m` present children (``lo > 1/m`` or ``hi < 1/m``) are
      relaxed to include :math:`1/m` for that unit, so it is not scored 0 for having missing values; bounds
      that are infeasible for all ``k`` children raise :class:`~dti_bench.errors.MethodError`.
    - Alternative optima (ties in the LP) are common: the score is unique, the weights need not be.
    - The scores are invariant to rescaling a child by a positive factor (its weight scales inversely).

    References
    ----------
    Cherchye, Moesen, Rogge, Van Puyenbroeck (2007), "An introduction to 'benefit of the doubt' composite
    indicators", Social Indicators Research 82:111-145. OECD/JRC (2008), *Handbook on Constructing Composite
    Indicators*, section 6.1 (benefit of the doubt approach).
    """
    x = _block(x)
    units, k = x.shape
    w = np.asarray(w, dtype=float)
    _require_non_negative(x, "benefit of the doubt", "use a non-negative normalisation such as minmax")
    lo, hi = _share_bounds(bounds, k)
    present = ~np.isnan(x)
    out = np.zeros((units, k))
    for c in range(units):
        cols = present[c]
        m = int(cols.sum())
        if m == 0:
            out[c] = w
            continue
        rows = present[:, cols].all(axis=1)
        out[c, cols] = _bod_unit(x[c, cols], x[np.ix_(rows, cols)], w[cols],
                                 None if lo is None else (min(lo, 1.0 / m), max(hi, 1.0 / m)))
    return out


def _share_bounds(bounds: Sequence[float] | None, k: int) -> tuple[float | None, float | None]:
    if bounds is None:
        return None, None
    try:
        lo, hi = (float(b) for b in bounds)
    except (TypeError, ValueError):
        raise MethodError(f"bod: bounds must be a pair [lo, hi] of numbers, got {bounds!r}") from None
    if not 0.0 <= lo <= hi <= 1.0:
        raise MethodError(f"bod: bounds must satisfy 0 <= lo <= hi <= 1, got [{lo}, {hi}]")
    if lo * k > 1.0 + 1e-12 or hi * k < 1.0 - 1e-12:
        raise MethodError(f"bod: bounds [{lo}, {hi}] are infeasible for {k} children: the shares must be "
                          f"able to sum to 1 (lo <= 1/{k} <= hi)")
    return lo, hi


def _bod_unit(xc: np.ndarray, xq: np.ndarray, w: np.ndarray, bounds: tuple[float, float] | None) -> np.ndarray:
    """One unit's BoD weights over its present children ``xc`` (m,), against the units ``xq`` (n, m)."""
    m = xc.size
    a_ub, b_ub = [xq], [np.ones(xq.shape[0])]
    if bounds is not None:
        lo, hi = bounds
        contribution = np.diag(xc)              # row i: w_i x_ci
        score = np.broadcast_to(xc, (m, m))     # row i: sum_j w_j x_cj
        a_ub += [lo * score - contribution, contribution - hi * score]
        b_ub += [np.zeros(m), np.zeros(m)]
    if xc.max() > 0:
        res = linprog(-xc, A_ub=np.vstack(a_ub), b_ub=np.concatenate(b_ub), bounds=(0, None), method="highs")
        if res.status != 0:
            raise MethodError(f"bod: the linear programme failed ({res.message})")
        if -res.fun > _ZERO_SCORE:
            return np.clip(res.x, 0.0, None)
    # The optimum is 0: any weights on the unit's zero children reproduce it. Prefer the nominal ones there,
    # scaled so that the tightest constraint binds, so that the row still has a positive sum.
    zero = xc == 0
    fallback = np.where(zero, w, 0.0)
    if not fallback.sum() > 0:
        fallback = zero.astype(float)
    tightest = (xq @ fallback).max()
    return fallback / tightest if tightest > 0 else fallback




# -- perturbations for uncertainty analysis ----------------------------------------------------------------

def _check_generator(rng: object) -> None:
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy.random.Generator (np.random.default_rng(seed)), got "
                        f"{type(rng).__name__}")


def _draw_shape(size: int | Sequence[int] | None) -> tuple[int, ...]:
    if size is None:
        return ()
    return (int(size),) if np.ndim(size) == 0 else tuple(int(s) for s in size)


def noise(w: np.ndarray, *, noise: float, rng: np.random.Generator,
          size: int | Sequence[int] | None = None) -> np.ndarray:
    r"""Multiplicative uniform noise on a weight vector, renormalised (the JRC's weight-uncertainty factor).

    .. math::

        \tilde w_i = w_i (1 + \epsilon\, u_i), \quad u_i \sim U[-1, 1] \text{ independently}, \qquad
        w'_i = \tilde w_i / \sum_l \tilde w_l .

    Before renormalisation each weight lies in :math:`[w_i(1-\epsilon), w_i(1+\epsilon)]`; a zero weight
    stays zero. Because of the renormalisation the mean of :math:`w'` differs from :math:`w / \sum w` by
    :math:`O(\epsilon^2)` (to second order by :math:`w_i \epsilon^2 (\sum_l w_l^2 - w_i)/3` for normalised
    :math:`w`); with equal weights the mean is exact by symmetry.

    NaN policy: the weights must be finite; a NaN (or negative, or all-zero) weight raises MethodError rather
    than spreading NaN through every draw.

    Parameters
    ----------
    w : ndarray, shape (k,)
        Nominal weights, non-negative with a positive sum.
    noise : float
        :math:`\epsilon`, in ``[0, 1)``: at 1 or more a weight could reach 0 or turn negative.
    rng : numpy.random.Generator
        The source of randomness, passed explicitly (never global state). The ``size * k`` uniforms are drawn
        in one call, row by row, so a seed fixes the result.
    size : int or tuple of int, optional
        Number of draws; ``None`` gives one.

    Returns
    -------
    ndarray, shape (k,) or (size, k)
        Perturbed weights, each row summing to 1.

    References
    ----------
    Saisana, Saltelli, Tarantola (2005), JRSS-A 168:307; COINr documentation, ``get_sensitivity``
    (weight noise as an uncertain input).
    """
    _check_generator(rng)
    w = np.asarray(w, dtype=float)
    if w.ndim != 1 or not np.all(np.isfinite(w)) or (w < 0).any() or not w.sum() > 0:
        raise MethodError(f"weight noise: the weights must be a non-negative vector with a positive sum, got {w!r}")
    if isinstance(noise, bool) or not 0.0 <= float(noise) < 1.0:
        raise MethodError(f"weight noise must be in [0, 1), got {noise!r}: at 1 or more a weight could vanish "
                          f"or turn negative")
    u = rng.uniform(-1.0, 1.0, size=_draw_shape(size) + w.shape)
    perturbed = w * (1.0 + float(noise) * u)
    return perturbed / perturbed.sum(axis=-1, keepdims=True)


def simplex(k: int, *, rng: np.random.Generator, size: int | Sequence[int] | None = None,
            alpha: float | Sequence[float] | None = None) -> np.ndarray:
    r"""Random weight vectors on the simplex :math:`\{w \ge 0, \sum w = 1\}`: Dirichlet draws.

    ``alpha = None`` is Dirichlet(1, ..., 1), the uniform distribution on the simplex (every weighting
    equally likely). A scalar ``alpha`` is the symmetric Dirichlet(alpha, ..., alpha): large values
    concentrate near equal weights, small ones near the vertices. A ``(k,)`` ``alpha`` centres the draws on
    :math:`\alpha / \sum \alpha`, with :math:`\mathrm{E}[w_i] = \alpha_i / \alpha_0` and
    :math:`\mathrm{Var}[w_i] = \alpha_i(\alpha_0 - \alpha_i) / (\alpha_0^2 (\alpha_0 + 1))`,
    :math:`\alpha_0 = \sum \alpha`.

    Parameters
    ----------
    k : int
        Number of weights (children), at least 1.
    rng : numpy.random.Generator
        The source of randomness, passed explicitly (never global state).
    size : int or tuple of int, optional
        Number of draws; ``None`` gives one.
    alpha : float or array_like of shape (k,), optional
        Dirichlet concentration, every entry > 0.

    Returns
    -------
    ndarray, shape (k,) or (size, k)
        Non-negative weights, each row summing to 1.

    References
    ----------
    Foster, McGillivray, Seth (2013), Econometric Reviews 32(1):35 (rank robustness over sets of weights);
    Kotz, Balakrishnan, Johnson (2000), *Continuous Multivariate Distributions*, ch. 49 (Dirichlet).
    """
    _check_generator(rng)
    if isinstance(k, bool) or int(k) != k or k < 1:
        raise MethodError(f"simplex weights: k must be a positive integer, got {k!r}")
    try:
        a = np.ones(int(k)) if alpha is None else np.broadcast_to(np.asarray(alpha, dtype=float), (int(k),))
    except ValueError:
        raise MethodError(f"simplex weights: alpha must be a number or {int(k)} numbers, got {alpha!r}") from None
    if not (np.all(np.isfinite(a)) and (a > 0).all()):
        raise MethodError(f"simplex weights: alpha must be positive, got {alpha!r}")
    return rng.dirichlet(a, size=_draw_shape(size) or None)
