"""Imputation methods: fill missing indicator values.

The contract::

    f(x, *, groups=None, **params) -> ndarray, same shape as x

- ``x``: shape ``(units, indicators)``, NaN = missing.
- ``groups``: shape ``(units,)`` object array of group labels (None = no label), for the group methods. The
  config names the group column with the method's ``group:`` parameter; the pipeline looks the column up in the
  dataset and passes its labels as ``groups`` instead.

Every imputer leaves present values exactly as they are and only ever fills NaN cells; a cell it has nothing
to fill from (an indicator with no present value, a unit without a group label, a group with no present
value) stays missing, and aggregation then skips it (COINr's missing-data policy).

To add a method: write it here and add it to :data:`dti_bench.methods.registry.METHODS` (one row, with its traits).
"""

from __future__ import annotations

import warnings
from typing import NamedTuple

import numpy as np

from dti_bench.errors import MethodError


def none(x: np.ndarray, *, groups: np.ndarray | None = None) -> np.ndarray:
    """No imputation: missing values stay missing (NaN), and aggregation skips them with renormalised weights.

    References
    ----------
    OECD/JRC (2008), *Handbook on Constructing Composite Indicators*, section 3.1 (case deletion / no imputation
    as the baseline); COINr's default when ``Impute`` is not run.

    Examples
    --------
    >>> none(np.array([[1.0, np.nan], [3.0, 4.0]]))
    array([[ 1., nan],
           [ 3.,  4.]])
    """
    return np.array(x, dtype=float)


# ---------------------------------------------------------------------------------------------------------
# column statistics that ignore NaN without numpy's "empty slice" warnings (an all-missing column is normal)

def _column_means(x: np.ndarray) -> np.ndarray:
    """Mean of the present values of each column, shape ``(indicators,)``; NaN for an all-missing column."""
    present = ~np.isnan(x)
    count = present.sum(axis=0)
    total = np.where(present, x, 0.0).sum(axis=0)
    return np.divide(total, count, out=np.full(x.shape[1], np.nan), where=count > 0)


def _column_medians(x: np.ndarray) -> np.ndarray:
    """Median of the present values of each column, shape ``(indicators,)``; NaN for an all-missing column."""
    count = (~np.isnan(x)).sum(axis=0)
    ordered = np.sort(x, axis=0)  # NaN sorts last, so the k present values are the first k rows
    lo = np.clip((count - 1) // 2, 0, None)
    hi = np.clip(count // 2, 0, None)
    if ordered.shape[0] == 0:
        return np.full(x.shape[1], np.nan)
    a = np.take_along_axis(ordered, lo[None, :], axis=0)[0]
    b = np.take_along_axis(ordered, hi[None, :], axis=0)[0]
    return np.where(count > 0, (a + b) / 2.0, np.nan)


def _fill(x: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Fill the NaN cells of ``x`` from ``values`` (broadcast to ``x``); present cells are kept."""
    return np.where(np.isnan(x), values, x)


def _as_matrix(x: np.ndarray) -> np.ndarray:
    x = np.array(x, dtype=float)
    if x.ndim != 2:
        raise MethodError(f"imputation expects a (units, indicators) table, got shape {x.shape}")
    return x


def mean(x: np.ndarray, *, groups: np.ndarray | None = None) -> np.ndarray:
    r"""Fill each missing value with its indicator's mean (COINr ``i_mean``).

    .. math:: \hat x_{ij} = \frac{1}{|P_j|} \sum_{k \in P_j} x_{kj} \quad \text{for } x_{ij} \text{ missing}

    with :math:`P_j` the units where indicator ``j`` is present.

    Parameters
    ----------
    x : ndarray, shape (units, indicators)
        NaN = missing.
    groups : ignored
        Part of the imputer contract; column-wise imputation does not use groups.

    Returns
    -------
    ndarray, shape (units, indicators)
        Present values unchanged; an all-missing indicator stays all-missing.

    References
    ----------
    OECD/JRC (2008), *Handbook on Constructing Composite Indicators*, section 3 (unconditional mean
    substitution). COINr documentation, ``i_mean``.

    Examples
    --------
    The missing cell takes its column's mean, (1 + 3 + 8)/3 = 4 (COINr ``Impute(coin, dset = "Raw",
    f_i = "i_mean")``):

    >>> mean(np.array([[1.0, 10.0], [3.0, np.nan], [8.0, 30.0], [np.nan, 20.0]]))
    array([[ 1., 10.],
           [ 3., 20.],
           [ 8., 30.],
           [ 4., 20.]])
    """
    x = _as_matrix(x)
    return _fill(x, _column_means(x)[None, :])


def median(x: np.ndarray, *, groups: np.ndarray | None = None) -> np.ndarray:
    r"""Fill each missing value with its indicator's median (COINr ``i_median``).

    .. math:: \hat x_{ij} = \operatorname{median}\{x_{kj} : k \in P_j\} \quad \text{for } x_{ij} \text{ missing}

    The median of an even number of present values is the mean of the two middle ones (as R's ``median``).

    Parameters
    ----------
    x : ndarray, shape (units, indicators)
        NaN = missing.
    groups : ignored
        Part of the imputer contract; column-wise imputation does not use groups.

    Returns
    -------
    ndarray, shape (units, indicators)
        Present values unchanged; an all-missing indicator stays all-missing.

    References
    ----------
    OECD/JRC (2008), *Handbook on Constructing Composite Indicators*, section 3. COINr documentation,
    ``i_median``.

    Examples
    --------
    The missing cell takes the median of 1, 3, 8:

    >>> median(np.array([[1.0], [3.0], [8.0], [np.nan]]))
    array([[1.],
           [3.],
           [8.],
           [3.]])
    """
    x = _as_matrix(x)
    return _fill(x, _column_medians(x)[None, :])


def _by_group(x: np.ndarray, groups: np.ndarray | None, stat, name: str) -> np.ndarray:
    x = _as_matrix(x)
    if groups is None:
        raise MethodError(f"imputation {name!r} needs a group column: write {{method: {name}, group: COLUMN}}")
    groups = np.asarray(groups, dtype=object)
    if groups.shape != (x.shape[0],):
        raise MethodError(f"imputation {name!r}: {groups.shape[0] if groups.ndim else 0} group labels for "
                          f"{x.shape[0]} units")
    out = x.copy()
    labelled = np.array([g is not None and not (isinstance(g, float) and np.isnan(g)) for g in groups],
                        dtype=bool)
    for label in dict.fromkeys(groups[labelled]):  # first-seen order; labels may be of mixed types
        rows = labelled & (groups == label)
        block = x[rows]
        out[rows] = _fill(block, stat(block)[None, :])
    return out


def group_mean(x: np.ndarray, *, group: str | None = None, groups: np.ndarray | None = None) -> np.ndarray:
    r"""Fill each missing value with the mean of its group in the same indicator (COINr ``i_mean_grp``).

    .. math:: \hat x_{ij} = \frac{1}{|P_{g(i)j}|} \sum_{k \in P_{g(i)j}} x_{kj}

    with :math:`P_{gj}` the units of group ``g`` where indicator ``j`` is present.

    Parameters
    ----------
    x : ndarray, shape (units, indicators)
        NaN = missing.
    group : str
        Name of the dataset's group column (e.g. a region). Read by the pipeline, which passes the column's
        labels as ``groups``; the function itself does not use the name.
    groups : ndarray of object, shape (units,)
        Group label of each unit; None (or NaN) = no label.

    Returns
    -------
    ndarray, shape (units, indicators)
        Present values unchanged. A unit without a group label, and a group with no present value in an
        indicator, keep their missing values (no fallback to the overall mean: that would be a different
        method, to be chosen explicitly).

    Raises
    ------
    MethodError
        If ``groups`` is None (no group column named) or has the wrong length.

    References
    ----------
    COINr documentation, ``i_mean_grp``. OECD/JRC (2008), *Handbook*, section 3.

    Examples
    --------
    Unit 2 takes the mean of its own group (a): (1 + 3)/2 = 2, not the overall mean:

    >>> x = np.array([[1.0], [3.0], [np.nan], [10.0]])
    >>> group_mean(x, groups=np.array(["a", "a", "a", "b"]))
    array([[ 1.],
           [ 3.],
           [ 2.],
           [10.]])
    """
    return _by_group(x, groups, _column_means, "group_mean")


def group_median(x: np.ndarray, *, group: str | None = None, groups: np.ndarray | None = None) -> np.ndarray:
    r"""Fill each missing value with the median of its group in the same indicator (COINr ``i_median_grp``).

    .. math:: \hat x_{ij} = \operatorname{median}\{x_{kj} : k \in P_{g(i)j}\}

    The median of an even number of values is the mean of the two middle ones.

    Parameters
    ----------
    x : ndarray, shape (units, indicators)
        NaN = missing.
    group : str
        Name of the dataset's group column; the pipeline passes its labels as ``groups``.
    groups : ndarray of object, shape (units,)
        Group label of each unit; None (or NaN) = no label.

    Returns
    -------
    ndarray, shape (units, indicators)
        Present values unchanged; a unit without a label, or a group with no present value in an indicator,
        stays missing.

    Raises
    ------
    MethodError
        If ``groups`` is None (no group column named) or has the wrong length.

    References
    ----------
    COINr documentation, ``i_median_grp``.

    Examples
    --------
    >>> x = np.array([[1.0], [2.0], [9.0], [np.nan], [10.0]])
    >>> group_median(x, groups=np.array(["a", "a", "a", "a", "b"]))
    array([[ 1.],
           [ 2.],
           [ 9.],
           [ 2.],
           [10.]])
    """
    return _by_group(x, groups, _column_medians, "group_median")


# ---------------------------------------------------------------------------------------------------------
# EM for a multivariate normal

class EMResult(NamedTuple):
    """What :func:`em_estimate` found: the completed table and the fitted normal, in the data's units."""

    filled: np.ndarray      #: (units, indicators), missing cells replaced by their conditional expectations
    mean: np.ndarray        #: (indicators,) estimated mean (NaN for an all-missing indicator)
    cov: np.ndarray         #: (indicators, indicators) estimated covariance (NaN rows/cols likewise)
    iterations: int         #: EM iterations performed
    converged: bool         #: whether the change fell below ``tol`` within ``max_iter`` iterations


def _em_step(z: np.ndarray, miss: np.ndarray, mu: np.ndarray, sigma: np.ndarray
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One E step + M step on standardised data; returns (completed data, new mean, new covariance)."""
    n, p = z.shape
    filled = np.where(miss, 0.0, z)
    correction = np.zeros((p, p))
    # rows sharing a missingness pattern share the regression coefficients: one solve per pattern
    patterns, inverse = np.unique(miss, axis=0, return_inverse=True)
    for k, pattern in enumerate(patterns):
        if not pattern.any():
            continue
        rows = np.flatnonzero(inverse.ravel() == k)
        m, o = pattern, ~pattern
        if o.any():
            # pinv, not solve: a zero-variance or collinear block is singular, and the minimum-norm
            # solution is the limit of the ridge-regularised one
            coef = sigma[np.ix_(m, o)] @ np.linalg.pinv(sigma[np.ix_(o, o)], hermitian=True)
            filled[np.ix_(rows, m)] = mu[m] + (z[np.ix_(rows, o)] - mu[o]) @ coef.T
            cond = sigma[np.ix_(m, m)] - coef @ sigma[np.ix_(o, m)]
        else:
            filled[np.ix_(rows, m)] = mu[m]
            cond = sigma[np.ix_(m, m)]
        correction[np.ix_(m, m)] += rows.size * cond
    new_mu = filled.mean(axis=0)
    centred = filled - new_mu
    new_sigma = (centred.T @ centred + correction) / n
    return filled, new_mu, (new_sigma + new_sigma.T) / 2.0


def em_estimate(x: np.ndarray, *, max_iter: int = 100, tol: float = 1e-6) -> EMResult:
    r"""Maximum-likelihood mean and covariance of a multivariate normal from incomplete data, by EM.

    The algorithm (Dempster, Laird & Rubin 1977; Little & Rubin 2019, section 11.2):

    0. Standardise each indicator by the mean and standard deviation of its present values (so that ``tol``
       is scale-free; an indicator with zero spread is only centred). Start from
       :math:`\mu^{(0)}` = the present-value means (0 after standardising) and :math:`\Sigma^{(0)}` = the
       covariance of the mean-filled table.
    1. E step: for each unit with missing set :math:`m` and present set :math:`o`,

       .. math::

           \hat x_m = \mu_m + \Sigma_{mo}\Sigma_{oo}^{-1}(x_o - \mu_o), \qquad
           C_m = \Sigma_{mm} - \Sigma_{mo}\Sigma_{oo}^{-1}\Sigma_{om}

       (a unit with nothing present gets :math:`\hat x = \mu`, :math:`C = \Sigma`).
    2. M step: :math:`\mu \leftarrow \frac1n\sum_i \hat x_i`,
       :math:`\Sigma \leftarrow \frac1n\sum_i\big[(\hat x_i-\mu)(\hat x_i-\mu)^\top + C_i\big]` — the
       conditional-covariance term :math:`C_i` is what distinguishes EM from iterated regression imputation
       and keeps :math:`\Sigma` from shrinking.
    3. Stop when :math:`\max(|\Delta\mu|, |\Delta\Sigma|) < tol` (largest absolute change of any entry, on the
       standardised scale), or after ``max_iter`` iterations (a ``RuntimeWarning`` says so).

    :math:`\Sigma_{oo}^{-1}` is the Moore-Penrose pseudo-inverse, so singular blocks (zero variance, collinear
    indicators, fewer units than indicators) do not fail.

    Parameters
    ----------
    x : ndarray, shape (units, indicators)
        NaN = missing.
    max_iter : int
        Maximum number of EM iterations (each = one E step + one M step).
    tol : float
        Convergence tolerance, see step 3.

    Returns
    -------
    EMResult
        ``filled`` has the present values of ``x`` unchanged and the missing ones replaced by their
        conditional expectations under the final estimate; an indicator with no present value is left out of
        the model and stays all-NaN.

    References
    ----------
    Dempster, Laird & Rubin (1977), *J. R. Stat. Soc. B* 39(1). Little & Rubin (2019), *Statistical Analysis
    with Missing Data*, 3rd ed., section 11.2. OECD/JRC (2008), *Handbook*, section 3 (EM imputation).
    """
    x = _as_matrix(x)
    if max_iter < 1 or tol <= 0:
        raise MethodError(f"imputation 'em': need max_iter >= 1 and tol > 0, got max_iter={max_iter}, tol={tol}")
    n, p = x.shape
    keep = ~np.isnan(x).all(axis=0) if n else np.zeros(p, dtype=bool)
    mean_out, cov_out = np.full(p, np.nan), np.full((p, p), np.nan)
    if not keep.any():
        return EMResult(x.copy(), mean_out, cov_out, 0, True)
    sub = x[:, keep]
    miss = np.isnan(sub)
    centre = _column_means(sub)
    present_dev = np.where(miss, 0.0, sub - centre)
    count = (~miss).sum(axis=0)
    spread = np.sqrt((present_dev ** 2).sum(axis=0) / count)
    spread = np.where(spread > 0, spread, 1.0)
    z = np.where(miss, np.nan, present_dev / spread)

    mu = np.zeros(z.shape[1])
    start = np.where(miss, 0.0, z)
    sigma = start.T @ start / n
    filled, converged, iterations = start, False, 0
    for iterations in range(1, max_iter + 1):
        filled, new_mu, new_sigma = _em_step(z, miss, mu, sigma)
        change = max(np.abs(new_mu - mu).max(), np.abs(new_sigma - sigma).max())
        mu, sigma = new_mu, new_sigma
        if change < tol:
            converged = True
            break
    if not converged:
        warnings.warn(f"imputation 'em' did not converge within max_iter={max_iter} iterations (tol={tol}); "
                      "the last estimate is used", RuntimeWarning, stacklevel=2)
    # the returned fill is the E step under the final parameters, so it matches the reported mean/cov
    filled, _, _ = _em_step(z, miss, mu, sigma)
    out = x.copy()
    out[:, keep] = np.where(miss, filled * spread + centre, sub)
    mean_out[keep] = mu * spread + centre
    cov_out[np.ix_(keep, keep)] = sigma * np.outer(spread, spread)
    return EMResult(out, mean_out, cov_out, iterations, converged)


def em(x: np.ndarray, *, max_iter: int = 100, tol: float = 1e-6, groups: np.ndarray | None = None) -> np.ndarray:
    r"""Fill missing values with their conditional expectations under a multivariate normal fitted by EM.

    Each missing value becomes :math:`E[x_m \mid x_o]` under the maximum-likelihood normal of the whole table,
    so it borrows strength from the unit's other, correlated indicators (the OECD/JRC Handbook's
    "EM imputation"). See :func:`em_estimate` for the algorithm, the convergence criterion and the handling
    of singular covariances.

    Parameters
    ----------
    x : ndarray, shape (units, indicators)
        NaN = missing.
    max_iter : int
        Maximum number of EM iterations; if reached, a ``RuntimeWarning`` is issued and the last estimate used.
    tol : float
        Stop when no entry of the (standardised) mean or covariance changes by ``tol`` or more.
    groups : ignored
        Part of the imputer contract.

    Returns
    -------
    ndarray, shape (units, indicators)
        Present values unchanged; an indicator with no present value stays missing; a unit with nothing
        present gets the estimated mean.

    References
    ----------
    Dempster, Laird & Rubin (1977); Little & Rubin (2019), section 11.2; OECD/JRC (2008), *Handbook*,
    section 3.

    Examples
    --------
    Two indicators on a line (the second is twice the first): EM fills the missing cell near that line, where the
    column mean would give (2 + 4 + 8)/3:

    >>> x = np.array([[1.0, 2.0], [2.0, 4.0], [3.0, np.nan], [4.0, 8.0]])
    >>> np.round(em(x), 3)
    array([[1., 2.],
           [2., 4.],
           [3., 6.],
           [4., 8.]])
    """
    return em_estimate(x, max_iter=max_iter, tol=tol).filled


