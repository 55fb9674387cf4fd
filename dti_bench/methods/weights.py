"""Weighting methods: the weights of one composite's children.

The contract every weighting method meets::

    f(x, w, **params) -> ndarray, shape (k,) or (units, k)

- ``x``: shape ``(units, k)``, the composite's children as they enter the aggregation (normalised
  indicators or lower composites); data-driven methods (PCA, entropy, CRITIC, standard deviation, BoD weights)
  use it.
  NaN = missing; each method states how it treats missing values.
- ``w``: shape ``(k,)``, the nominal weights (the framework's, after any explicit overrides).
- Weights are relative within the composite: only ratios matter. A ``(units, k)`` result gives each unit its
  own weights (``bod_weights``). Every method returns non-negative, finite weights.

Two randomised perturbations of a weight vector, :func:`noise` and :func:`simplex`, stand at the end: they need
a random generator, so they do not meet the contract above and are not methods a methodology names (the
uncertainty analysis perturbs weights through its factors, :mod:`dti_bench.analyses.factors`).

To add a method: write it here and add it to :data:`dti_bench.methods.registry.METHODS` (one row, with its traits).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from dti_bench.errors import MethodError
from dti_bench.methods import frontier

# Eigenvalues (of a correlation matrix, so the largest is >= 1) closer than this are treated as tied.
_EIGEN_TIE = 1e-9
# A computed correlation this close to 1 is a perfect one: rounding must not invent conflict between
# collinear children (CRITIC would turn 1e-16 noise into arbitrary weights).
_PERFECT_CORRELATION = 1e-12


def nominal(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """The framework's weights (with any explicit overrides already applied), unchanged: :math:`w_i`.

    NaN policy: the weights do not look at ``x``; a missing child is handled by the aggregator, which
    renormalises the weights over the present children (:func:`dti_bench.methods.aggregate.present_weights`).

    References
    ----------
    OECD/JRC (2008), *Handbook on Constructing Composite Indicators*, section 6.1 (weights set by the framework).

    Examples
    --------
    >>> nominal(np.ones((3, 2)), np.array([0.25, 0.75]))
    array([0.25, 0.75])
    """
    return np.asarray(w, dtype=float)


def equal(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Equal weights: every child of a composite counts the same, :math:`w_i = 1/k`.

    NaN policy: the weights do not look at ``x``; a missing child is handled by the aggregator, which
    renormalises the weights over the present children, so the present ones stay equal.

    References
    ----------
    OECD/JRC (2008), *Handbook on Constructing Composite Indicators*, section 6.1 (equal weighting).

    Examples
    --------
    >>> equal(np.ones((3, 4)), np.array([0.1, 0.2, 0.3, 0.4]))
    array([0.25, 0.25, 0.25, 0.25])
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

    Examples
    --------
    Two indicators that agree and one that does not: the first component loads on the two that agree.

    >>> x = np.array([[1.0, 2.0, 5.0], [2.0, 4.1, 1.0], [3.0, 5.9, 4.0], [4.0, 8.0, 2.0], [5.0, 10.2, 3.0]])
    >>> np.round(pca(x, np.full(3, 1 / 3)), 3)
    array([0.438, 0.44 , 0.122])
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

    Examples
    --------
    The constant column carries no information and gets weight 0; the other two share the rest:

    >>> x = np.array([[1.0, 0.5, 1.0], [2.0, 0.5, 3.0], [3.0, 0.5, 9.0]])
    >>> np.round(entropy(x, np.full(3, 1 / 3)), 3)
    array([0.22, 0.  , 0.78])
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

    Examples
    --------
    >>> x = np.array([[0.0, 1.0, 0.2], [0.5, 0.5, 0.9], [1.0, 0.0, 0.4], [0.25, 0.75, 0.1]])
    >>> w = critic(x, np.full(3, 1 / 3))
    >>> np.round(w, 3), round(float(w.sum()), 6)
    (array([0.341, 0.441, 0.217]), 1.0)
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


def sd(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    r"""Standard-deviation weights: each child weighs in proportion to its spread across units.

    .. math:: w_j = \frac{s_j}{\sum_l s_l}, \qquad
              s_j = \sqrt{\frac{1}{n_j - 1} \sum_{i \,\in\, \mathrm{present}(j)} (x_{ij} - \bar x_j)^2}

    with :math:`s_j` the sample standard deviation (``ddof = 1``, as pandas' ``std``, R's ``sd`` and CRITIC's
    :math:`\sigma_j` in :func:`critic`) over the :math:`n_j` units where child :math:`j` is present. A child that
    separates the units more counts more; it is CRITIC without the correlation term, the "standard deviation
    method" of the multi-criteria literature. The weights follow the children's scale **as given**: after min-max
    every child spans [0, 1] and the weights reward a spread-out distribution within that range; after z-scores every
    :math:`s_j = 1` and the weights are equal; at higher levels the composites' own spreads count.

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
    Missing values are skipped per child: :math:`s_j` uses that child's present values only (no unit is dropped
    from the other children), which is where ``ddof`` matters: with the same :math:`n` for every child the factor
    :math:`\sqrt{n/(n-1)}` cancels in the ratio, with different :math:`n_j` it does not.

    Degenerate cases: a constant child (every present value equal), or one with fewer than 2 present values, has
    no spread, :math:`s_j = 0`, and weight 0 (the aggregator then renormalises over the others). If every
    :math:`s_j = 0`, equal weights. ``k = 1`` gives weight 1. A column whose squared deviations would overflow is
    measured in units of its largest magnitude, so it is not taken for a constant or an infinite one.

    References
    ----------
    Wang, Y.-M. & Luo, Y. (2010), "Integration of correlations with standard deviations for determining attribute
    weights in multiple attribute decision making", *Mathematical and Computer Modelling* 51(1-2):1-12 (the SD
    method, :math:`w_j = \sigma_j / \sum_l \sigma_l`); Diakoulaki, Mavrotas, Papayannakis (1995), *Computers &
    Operations Research* 22(7):763-770 (CRITIC, which multiplies :math:`\sigma_j` by a conflict term).

    Examples
    --------
    Sample sds 2, 1 and 0 (the third child is constant):

    >>> x = np.array([[1.0, 4.0, 7.0], [3.0, 5.0, 7.0], [5.0, 6.0, 7.0]])
    >>> sd(x, np.ones(3))
    array([0.66666667, 0.33333333, 0.        ])
    """
    x = _block(x)
    k = x.shape[1]
    spread = np.zeros(k)
    for j in range(k):
        v = x[~np.isnan(x[:, j]), j]
        if v.size < 2 or v.min() == v.max():
            continue  # no spread: weight 0 (a computed sd of a constant column may be 1e-17, not 0)
        with np.errstate(over="ignore", invalid="ignore"):
            s = v.std(ddof=1)
        if not np.isfinite(s):
            scale = np.abs(v).max()
            s = (v / scale).std(ddof=1) * scale
        spread[j] = s
    if not spread.sum() > 0:
        return np.full(k, 1.0 / k)
    if not np.isfinite(spread.sum()):  # sds near the float maximum: their sum overflows, their ratios do not
        spread = spread / spread.max()
    return spread / spread.sum()


#: Why ``bod_weights`` is not the benefit-of-the-doubt index, in one line: the registry carries it as the method's
#: warning (:attr:`dti_bench.methods.registry.MethodEntry.warning`) and parsing a methodology that uses it warns.
BOD_WEIGHTS_WARNING = ("bod_weights is not the benefit-of-the-doubt index: it hands each unit's BoD weights to the "
                       "parent's mean, so the result changes when an indicator is rescaled (ranks too); for the BoD "
                       "index use aggregate: bod")


def bod_weights(x: np.ndarray, w: np.ndarray, *, bounds: Sequence[float] | None = None) -> np.ndarray:
    r"""The benefit-of-the-doubt programme's weights, for the parent's mean: a hybrid, **not** the BoD index.

    Each unit gets the weights of its benefit-of-the-doubt programme (the linear programme of
    :func:`dti_bench.methods.frontier.benefit_of_the_doubt`, shared with ``aggregate: bod``),

    .. math::

        \max_{v \ge 0} \sum_i v_i x_{ci} \quad \text{s.t.} \quad \sum_i v_i x_{qi} \le 1 \quad \forall q,

    optionally with pie-share bounds :math:`lo \le v_i x_{ci} / \sum_j v_j x_{cj} \le hi`. The pipeline then
    divides each row by its sum and hands it to the parent's aggregator, so with an arithmetic mean the composite
    is :math:`\sum_i v_{ci} x_{ci} / \sum_i v_{ci}`, the unit's BoD score divided by the sum of its weights. That is
    not the BoD score, and, unlike it, not invariant to rescaling a child: multiplying child :math:`j` by
    :math:`c` divides :math:`v_{cj}` by :math:`c`, which changes the sum the score is divided by (on the synthetic
    DTI 2022 data with ``normalise: none``, multiplying one of the 8 indicators by 10 moves 4 to 63 of the 63 DTI
    ranks, against none for ``aggregate: bod``). Use ``aggregate: bod`` for the benefit-of-the-doubt index; this
    weighting is kept, under a name that says what it is, for studies of the hybrid. Its methodological warning is
    :data:`BOD_WEIGHTS_WARNING`.

    Parameters
    ----------
    x : ndarray, shape (units, k)
        The composite's children; must be non-negative, otherwise :class:`~dti_bench.errors.MethodError`.
    w : ndarray, shape (k,)
        Nominal weights: a child of weight 0 does not count (it gets weight 0 for every unit); otherwise they are
        used only where a unit's weights are arbitrary (see below).
    bounds : pair of float, optional
        ``[lo, hi]`` with ``0 <= lo <= 1/k <= hi <= 1``: the allowed range of each child's share of the unit's
        score (the same bounds, with the same meaning, as ``aggregate: bod``'s). ``None`` (default): no bound.

    Returns
    -------
    ndarray, shape (units, k)
        The optimal weights, **not** normalised: :math:`\sum_i w_{ci} x_{ci}` (missing children contributing 0)
        is unit :math:`c`'s BoD score, to the solver's precision.

    Notes
    -----
    Missing values, zero values and bounds mean what they mean in :mod:`dti_bench.methods.frontier`: a unit's
    programme has no variable for its missing children, another unit's missing value counts as 0 in its
    constraint, bounds a unit with ``m`` children cannot meet are widened to include ``1/m``, and under
    ``lo > 0`` a unit with a zero child scores 0. A unit with no present child gets the nominal weights (its
    aggregate is NaN anyway).

    A unit that scores 0 (all its values are 0, or a zero child under ``lo > 0``) could take any weights on its
    zero children: it gets the nominal ones there (equal ones if those are all 0), scaled so that the tightest
    constraint binds, so that its row still has a positive sum and its mean is 0.

    References
    ----------
    Cherchye, Moesen, Rogge, Van Puyenbroeck (2007), "An introduction to 'benefit of the doubt' composite
    indicators", Social Indicators Research 82:111-145. OECD/JRC (2008), *Handbook on Constructing Composite
    Indicators*, section 6.1 (benefit of the doubt approach).

    Examples
    --------
    The weights reproduce the BoD scores, but the mean under the normalised weights is another number: for the
    third unit, (0.5, 0.5), it is 0.5, and once the first child is multiplied by 10 it is at least 0.78 (its BoD
    score stays 0.625):

    >>> x = np.array([[1.0, 0.5], [0.5, 1.0], [0.5, 0.5], [0.8, 0.8]])
    >>> v = bod_weights(x, np.ones(2))
    >>> (v * x).sum(axis=1).round(4).tolist()
    [1.0, 1.0, 0.625, 1.0]
    >>> def hybrid(x):
    ...     v = bod_weights(x, np.ones(2))
    ...     return ((v / v.sum(axis=1, keepdims=True)) * x).sum(axis=1)
    >>> float(hybrid(x)[2].round(4)), bool(hybrid(x * [10.0, 1.0])[2] > 0.78)
    (0.5, True)
    """
    x = _block(x)
    w = np.asarray(w, dtype=float)
    counted = np.broadcast_to(w, x.shape[-1:]) > 0
    solution = frontier.benefit_of_the_doubt(x, counted, bounds=bounds)
    out = solution.weights.copy()
    xz = np.nan_to_num(x)
    use = ~np.isnan(x) & counted
    for c in np.flatnonzero(~(solution.scores > 0)):
        if not use[c].any():
            out[c] = w
            continue
        # The optimum is 0: any weights on the unit's zero children reproduce it. Prefer the nominal ones there,
        # scaled so that the tightest constraint binds, so that the row still has a positive sum.
        zero = use[c] & (xz[c] == 0)
        fallback = np.where(zero, w, 0.0)
        if not fallback.sum() > 0:
            fallback = zero.astype(float)
        tightest = (xz @ fallback).max()
        out[c] = fallback / tightest if tightest > 0 else fallback
    return out




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
