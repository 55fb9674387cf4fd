r"""Statistical coherence of a framework (Handbook step 4, multivariate analysis).

Does the data's correlation structure agree with the framework's grouping? Children of one composite should
correlate positively with each other and with their parent; a child that moves against its parent (negative
correlation) or barely with it (weak correlation) is either measuring something else or being drowned by its
siblings. Three views, all on the values each composite aggregates (``IndexResult.values``: normalised
indicators and composite scores):

- correlations: siblings within each composite, each child with its parent, each indicator with the composites
  above it and with the headline (Pearson, and Spearman's ρ on average ranks as
  :func:`dti_bench.metrics.stability.spearman` defines it) — :func:`correlations`, :func:`flags`;
- internal consistency of each composite's children: Cronbach's :math:`\alpha` — :func:`cronbach_alpha`;
- dimensionality of each composite's children: principal components of their correlation matrix — :func:`pca`.

:func:`coherence_tables` gathers them as two tables ready to write as CSV.

Conventions shared by the module:

- **Missing values.** Correlations use pairwise-complete units (as COINr's ``get_corr``); Cronbach's
  :math:`\alpha` and PCA use complete cases (units with every child present), so that the covariance matrix is a
  proper one.
- **Undefined values are NaN**, never an error or a warning: a correlation with fewer than 3 pairs or a
  constant vector, an :math:`\alpha` of fewer than 2 children or 2 complete units.

References
----------
OECD/JRC (2008), *Handbook on Constructing Composite Indicators*, step 4 and section 3.
Cronbach, L. J. (1951). Coefficient alpha and the internal structure of tests. *Psychometrika* 16:297-334.
COINr documentation: ``get_corr``, ``get_corr_flags``, ``get_cronbach``, ``get_PCA``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from dti_bench.analyses.results import Result, inputs
from dti_bench.errors import MethodError, choices
from dti_bench.index import IndexResult, compute_index
from dti_bench.metrics import stability
from dti_bench.model.dataset import Dataset
from dti_bench.model.framework import Framework
from dti_bench.model.methodology import Methodology

# A correlation is undefined below this many complete pairs.
_MIN_PAIRS = 3
# Eigenvalues of a correlation matrix within this of 1 count as 1, not "greater than 1" (R = I has all
# eigenvalues 1 up to rounding).
_EIGEN_TOL = 1e-9
#: The documented threshold below which a child's correlation with its parent is flagged as weak.
WEAK_CORRELATION = 0.3


# -- correlation coefficients ----------------------------------------------------------------------------------

def _pairs(a, b) -> tuple[np.ndarray, np.ndarray]:
    a, b = np.asarray(a, dtype=float).ravel(), np.asarray(b, dtype=float).ravel()
    ok = ~(np.isnan(a) | np.isnan(b))
    return a[ok], b[ok]


def pearson(a, b) -> float:
    r"""Pearson's correlation of two vectors over the units where both are present.

    .. math:: r = \frac{\sum_j (a_j - \bar a)(b_j - \bar b)}{\sqrt{\sum_j (a_j - \bar a)^2 \sum_j (b_j - \bar b)^2}}

    Parameters
    ----------
    a, b : array_like, shape (n,)
        NaN = missing; pairs with a NaN are dropped.

    Returns
    -------
    float in [-1, 1], NaN with fewer than 3 complete pairs or a constant vector.
    """
    a, b = _pairs(a, b)
    if a.size < _MIN_PAIRS or np.ptp(a) == 0 or np.ptp(b) == 0:
        return float("nan")
    ac, bc = a - a.mean(), b - b.mean()
    return float(np.clip(np.sum(ac * bc) / np.sqrt(np.sum(ac * ac) * np.sum(bc * bc)), -1.0, 1.0))


def spearman(a, b) -> float:
    r"""Spearman's rank correlation as the package defines it once (:func:`dti_bench.metrics.stability.spearman`):
    Pearson's :math:`r` of the average ranks (ties share the mean rank) of the complete pairs.

    Parameters
    ----------
    a, b : array_like, shape (n,)
        NaN = missing; pairs with a NaN are dropped before ranking.

    Returns
    -------
    float in [-1, 1], NaN with fewer than 3 complete pairs (this module's threshold for every correlation) or a
    constant vector.
    """
    a, b = _pairs(a, b)
    if a.size < _MIN_PAIRS:
        return float("nan")
    return stability.spearman(a, b)


#: Correlation coefficients by name, each ``f(a, b) -> float`` over pairwise-complete units.
CORRELATIONS = MappingProxyType({"pearson": pearson, "spearman": spearman})


def _coefficient(method: str):
    try:
        return CORRELATIONS[method]
    except KeyError:
        raise MethodError(f"unknown correlation {method!r}; valid choices: {choices(CORRELATIONS)}") from None


def correlation_matrix(x: pd.DataFrame, *, method: str = "pearson") -> pd.DataFrame:
    """Pairwise-complete correlation matrix of the columns of ``x``, shape ``(k, k)``, 1 on the diagonal of any
    column that varies (NaN for a constant column), labelled by ``x``'s columns."""
    f = _coefficient(method)
    cols = list(x.columns)
    data = x.to_numpy(dtype=float)
    out = np.full((len(cols), len(cols)), np.nan)
    for i in range(len(cols)):
        for j in range(i, len(cols)):
            out[i, j] = out[j, i] = f(data[:, i], data[:, j])
    return pd.DataFrame(out, index=cols, columns=cols)


def correlation_matrices(result: IndexResult, *, method: str = "pearson") -> dict[str, pd.DataFrame]:
    """For each composite, the correlation matrix of its children followed by the composite itself,
    ``(k + 1, k + 1)``: the within-group view of COINr's ``plot_corr(..., withparent = TRUE)``."""
    fw = result.framework
    return {comp: correlation_matrix(result.values[[*fw.children(comp), comp]], method=method)
            for comp in fw.composites}


# -- the long table and its flags ------------------------------------------------------------------------------

def correlations(result: IndexResult, framework: Framework | None = None) -> pd.DataFrame:
    """Every correlation the coherence check reads, in long form.

    Rows, each with its ``relation``:

    - ``'sibling'``: every pair of children of one composite (``group`` = that composite), upper triangle in the
      children's declared order;
    - ``'child-parent'``: every edge, ``node_a`` the child and ``node_b`` the composite it feeds;
    - ``'indicator-headline'``: every indicator with the headline, when the headline is not its parent;
    - ``'ancestor'``: any other node with a composite above it that it does not feed directly (an indicator with
      its grandparent, a sub-pillar with the headline).

    Parameters
    ----------
    result : IndexResult
    framework : Framework, optional
        Defaults to ``result.framework``; pass another only to read the same values through a different
        grouping (its codes must be columns of ``result.values``).

    Returns
    -------
    DataFrame
        Columns ``relation, group, node_a, node_b, level_a, level_b, n, pearson, spearman``; ``n`` counts the
        units where both nodes are present, ``group`` is the shared parent of siblings (empty otherwise).

    References
    ----------
    COINr ``get_corr`` (long form, ``withparent``); OECD/JRC Handbook (2008), step 4.
    """
    fw = framework or result.framework
    values = result.values
    headline = fw.headline
    rows: list[dict] = []

    def add(relation: str, group: str, a: str, b: str) -> None:
        va, vb = values[a].to_numpy(dtype=float), values[b].to_numpy(dtype=float)
        rows.append({"relation": relation, "group": group, "node_a": a, "node_b": b, "level_a": fw.level(a),
                     "level_b": fw.level(b), "n": int(np.sum(~(np.isnan(va) | np.isnan(vb)))),
                     "pearson": pearson(va, vb), "spearman": spearman(va, vb)})

    for comp in fw.composites:
        kids = fw.children(comp)
        for i, a in enumerate(kids):
            for b in kids[i + 1:]:
                add("sibling", comp, a, b)
    for edge in fw.edges:
        add("child-parent", "", edge.child, edge.parent)
    for code in fw.nodes:
        direct = set(fw.parents(code))
        for anc in fw.ancestors(code):
            if anc in direct:
                continue
            relation = "indicator-headline" if anc == headline and code in fw.indicators else "ancestor"
            add(relation, "", code, anc)
    columns = ["relation", "group", "node_a", "node_b", "level_a", "level_b", "n", "pearson", "spearman"]
    return pd.DataFrame(rows, columns=columns)


def flags(table: pd.DataFrame, *, threshold: float = WEAK_CORRELATION, method: str = "pearson") -> pd.DataFrame:
    """Children that correlate negatively, weakly, or not at all with their parent.

    A child-parent correlation :math:`r` (the ``method`` column of :func:`correlations`) is flagged

    - ``'negative'`` when :math:`r < 0` (the child pulls against the composite it is meant to build);
    - ``'weak'`` when :math:`0 \\le r <` ``threshold`` (default 0.3, a common reading of "weak" in the
      composite-indicator literature; the JRC audits look for children whose correlation with their aggregate
      is low or negative);
    - ``'undefined'`` when :math:`r` is NaN (a constant child or fewer than 3 pairs).

    Parameters
    ----------
    table : DataFrame
        The output of :func:`correlations`.
    threshold : float
        Correlations with absolute value below this are weak.
    method : {'pearson', 'spearman'}

    Returns
    -------
    DataFrame
        Columns ``parent, child, level, r, flag``, one row per flagged edge, in the table's order.

    References
    ----------
    OECD/JRC Handbook (2008), step 4; COINr ``get_corr_flags`` (which flags pairs of siblings above or below a
    threshold; this flags children against their parent).
    """
    _coefficient(method)
    edges = table[table["relation"] == "child-parent"]
    r = edges[method].to_numpy(dtype=float)
    flag = np.where(np.isnan(r), "undefined", np.where(r < 0, "negative", np.where(np.abs(r) < threshold,
                                                                                       "weak", "")))
    keep = flag != ""
    return pd.DataFrame({"parent": edges["node_b"].to_numpy()[keep], "child": edges["node_a"].to_numpy()[keep],
                         "level": edges["level_a"].to_numpy()[keep], "r": r[keep], "flag": flag[keep]})


# -- internal consistency and dimensionality -------------------------------------------------------------------

def _complete(x) -> np.ndarray:
    x = np.asarray(x, dtype=float)
    if x.ndim != 2:
        raise ValueError(f"x must have shape (units, k), got shape {x.shape}")
    return x[~np.isnan(x).any(axis=1)]


def cronbach_alpha(x) -> float:
    r"""Cronbach's :math:`\alpha` of a composite's children.

    .. math:: \alpha = \frac{k}{k-1}\left(1 - \frac{\sum_{i=1}^k \sigma^2_i}{\sigma^2_{\Sigma}}\right)

    with :math:`\sigma^2_i` the sample variance (ddof = 1) of child :math:`i` and :math:`\sigma^2_{\Sigma}` that of the
    unweighted sum of the children, over complete cases. :math:`\alpha` grows with the children's average
    covariance; values above about 0.7 are usually read as a consistent group (Nunnally 1978). It can be negative
    when children covary negatively.

    Parameters
    ----------
    x : array_like, shape (units, k)

    Returns
    -------
    float
        NaN when ``k < 2``, fewer than 2 complete units, or the sum of the children is constant.

    Notes
    -----
    Deviation from COINr: ``get_cronbach`` defaults to a pairwise-complete covariance matrix; complete cases are
    used here so the variances and the variance of the sum refer to the same units.

    References
    ----------
    Cronbach (1951) Psychometrika 16:297; OECD/JRC Handbook (2008), section 3.1; COINr ``get_cronbach``.
    """
    xc = _complete(x)
    k = xc.shape[1]
    if k < 2 or xc.shape[0] < 2:
        return float("nan")
    total = np.var(xc.sum(axis=1), ddof=1)
    if not total > 0:
        return float("nan")
    return float(k / (k - 1) * (1.0 - np.var(xc, axis=0, ddof=1).sum() / total))


class PCASummary(NamedTuple):
    """Principal components of a composite's children (see :func:`pca`)."""

    eigenvalues: np.ndarray
    loadings: np.ndarray
    used: np.ndarray
    first_share: float
    n_eigen_gt1: int
    n: int


def pca(x) -> PCASummary:
    r"""Eigen-decomposition of the children's correlation matrix.

    With :math:`R` the Pearson correlation matrix of the :math:`m` children that vary (over complete cases) and
    :math:`R = V \Lambda V^\top` (:math:`\lambda_1 \ge \dots \ge \lambda_m`), the loadings are
    :math:`a_{jc} = \sqrt{\lambda_c}\, v_{jc}` (the correlation of child :math:`j` with component :math:`c`), each
    component's sign chosen so its loadings sum to a non-negative number. Since :math:`\operatorname{tr} R = m`,
    the eigenvalues sum to :math:`m` and the first component explains the share :math:`\lambda_1 / m` of the
    standardised variance. Kaiser's rule counts the eigenvalues greater than 1 (within ``1e-9``); one such
    eigenvalue suggests a single underlying dimension, as a composite assumes.

    Parameters
    ----------
    x : array_like, shape (units, k)

    Returns
    -------
    PCASummary
        ``eigenvalues`` ``(m,)`` descending; ``loadings`` ``(m, m)`` children x components; ``used`` ``(k,)``
        boolean mask of the children that entered (constant children have no correlation and are left out);
        ``first_share``; ``n_eigen_gt1``; ``n`` complete units.

    Notes
    -----
    Degenerate cases: fewer than 2 complete units or no varying child give empty eigenvalues, ``first_share``
    NaN and ``n_eigen_gt1`` 0; a single varying child gives eigenvalue 1 and share 1.

    References
    ----------
    OECD/JRC Handbook (2008), section 3.1 (Table 6); Kaiser (1960) Educ. Psychol. Meas. 20:141; COINr ``get_PCA``.
    """
    xc = _complete(x)
    used = np.zeros(xc.shape[1], dtype=bool)
    if xc.shape[0] >= 2:
        used = np.ptp(xc, axis=0) > 0
    m = int(used.sum())
    if m == 0:
        return PCASummary(np.empty(0), np.empty((0, 0)), used, float("nan"), 0, int(xc.shape[0]))
    z = xc[:, used]
    z = (z - z.mean(axis=0)) / z.std(axis=0, ddof=1)
    r = np.clip(z.T @ z / (z.shape[0] - 1), -1.0, 1.0)
    np.fill_diagonal(r, 1.0)
    values, vectors = np.linalg.eigh(r)
    values, vectors = np.clip(values[::-1], 0.0, None), vectors[:, ::-1]
    signs = np.where(vectors.sum(axis=0) < 0, -1.0, 1.0)
    loadings = vectors * signs * np.sqrt(values)
    return PCASummary(values, loadings, used, float(values[0] / m), int(np.sum(values > 1.0 + _EIGEN_TOL)),
                      int(xc.shape[0]))


# -- the tables -----------------------------------------------------------------------------------------------

def coherence_tables(result: IndexResult, *, threshold: float = WEAK_CORRELATION,
                     method: str = "pearson") -> dict[str, pd.DataFrame]:
    """The coherence check as two tables, keyed by the CSV file stem they are written to.

    - ``coherence_correlations``: :func:`correlations`, long form.
    - ``coherence_composites``: one row per composite with ``composite, level, k, n, cronbach_alpha,
      pca_first_share, n_eigen_gt1, min_child_parent_r, flagged_children``. ``n`` counts complete units
      (those :math:`\\alpha` and PCA use); ``min_child_parent_r`` is the smallest child-parent correlation
      (``method``); ``flagged_children`` lists the children :func:`flags` reports, as ``code (flag)`` joined by
      ``'; '`` (empty when none).

    Parameters
    ----------
    result : IndexResult
    threshold : float
        Weak-correlation threshold for :func:`flags`.
    method : {'pearson', 'spearman'}
        The coefficient behind ``min_child_parent_r`` and the flags.

    Returns
    -------
    dict of str to DataFrame
    """
    fw = result.framework
    table = correlations(result)
    flagged = flags(table, threshold=threshold, method=method)
    edges = table[table["relation"] == "child-parent"]
    rows = []
    for comp in fw.composites:
        block = result.values[list(fw.children(comp))].to_numpy(dtype=float)
        summary = pca(block)
        r = edges.loc[edges["node_b"] == comp, method].to_numpy(dtype=float)
        mine = flagged[flagged["parent"] == comp]
        rows.append({"composite": comp, "level": fw.level(comp), "k": block.shape[1], "n": summary.n,
                     "cronbach_alpha": cronbach_alpha(block), "pca_first_share": summary.first_share,
                     "n_eigen_gt1": summary.n_eigen_gt1,
                     "min_child_parent_r": float(np.nanmin(r)) if np.isfinite(r).any() else float("nan"),
                     "flagged_children": "; ".join(f"{c} ({f})" for c, f in zip(mine["child"], mine["flag"]))})
    return {"coherence_correlations": table, "coherence_composites": pd.DataFrame(rows)}


@dataclass(frozen=True, eq=False, repr=False)
class CoherenceResult(Result):
    """The coherence check: correlations within and across levels, and one row per composite.

    Attributes
    ----------
    correlations : DataFrame
        coherence_correlations.csv (see :func:`correlations`).
    composites : DataFrame
        coherence_composites.csv: Cronbach's alpha, PCA, the weakest child-parent correlation, flagged children.
    """

    correlations: pd.DataFrame
    composites: pd.DataFrame

    def to_frame(self) -> pd.DataFrame:
        """The result as one DataFrame (its main table; :meth:`tables` gives every file a run writes).

        Examples
        --------
        >>> import dti_bench as db
        >>> fw, ds = db.load_framework("dti-provincial-2022"), db.load_dataset("dti2022-published-profiles")
        >>> result = db.coherence(fw, ds)
        >>> result.to_frame().columns.tolist()
        ['composite', 'level', 'k', 'n', 'cronbach_alpha', 'pca_first_share', 'n_eigen_gt1', 'min_child_parent_r',
        'flagged_children']
        >>> result.to_frame()['composite'].tolist()
        ['DTI', 'digital_government', 'digital_economy', 'digital_society']
        """
        return self.composites

    def tables(self) -> dict[str, pd.DataFrame]:
        """File name -> table: the CSV files a run folder holds for this analysis.

        Examples
        --------
        >>> import dti_bench as db
        >>> fw, ds = db.load_framework("dti-provincial-2022"), db.load_dataset("dti2022-published-profiles")
        >>> result = db.coherence(fw, ds)
        >>> sorted(result.tables())
        ['coherence_composites.csv', 'coherence_correlations.csv']
        """
        return {"coherence_correlations.csv": self.correlations, "coherence_composites.csv": self.composites}

    def summary(self) -> dict[str, Any]:
        """The numbers the manifest records for this analysis (``outputs`` in ``manifest.json``).

        Examples
        --------
        >>> import dti_bench as db
        >>> fw, ds = db.load_framework("dti-provincial-2022"), db.load_dataset("dti2022-published-profiles")
        >>> result = db.coherence(fw, ds)
        >>> result.summary()
        {'coherence_correlations': 99, 'coherence_composites': 4}
        """
        return {"coherence_correlations": len(self.correlations), "coherence_composites": len(self.composites)}

    def describe(self) -> str:
        """One line: what was analysed and its headline number.

        Examples
        --------
        >>> import dti_bench as db
        >>> fw, ds = db.load_framework("dti-provincial-2022"), db.load_dataset("dti2022-published-profiles")
        >>> result = db.coherence(fw, ds)
        >>> result.describe()
        '4 composites, 2 with flagged children'
        """
        flagged = self.composites["flagged_children"].fillna("").astype(str)
        return f"{len(self.composites)} composites, {int((flagged != '').sum())} with flagged children"


def coherence(framework: Framework, data: Dataset | pd.DataFrame, methodology: Methodology | Mapping | None = None,
              *, threshold: float = WEAK_CORRELATION, reference: Dataset | None = None) -> CoherenceResult:
    """The statistical coherence of the nominal index (Handbook step 4): correlations, Cronbach's alpha and PCA.

    Parameters
    ----------
    framework, data, methodology
        The index (methodology None: the framework's official one, else the package default).
    threshold : float
        A child-parent correlation below this is flagged as weak (negative ones always are).
    reference : Dataset, optional

    Returns
    -------
    CoherenceResult
        ``.to_frame()``: one row per composite.

    References
    ----------
    OECD/JRC (2008), *Handbook on Constructing Composite Indicators*, step 4; Cronbach, L. J. (1951).
    Psychometrika 16:297-334.

    Examples
    --------
    >>> import dti_bench as db
    >>> fw, ds = db.load_framework("dti-provincial-2022"), db.load_dataset("dti2022-synthetic")
    >>> db.coherence(fw, ds).to_frame()["composite"].tolist()
    ['DTI', 'digital_government', 'digital_economy', 'digital_society']
    """
    dataset, nominal = inputs(framework, data, methodology)
    tables = coherence_tables(compute_index(framework, dataset, nominal, reference=reference), threshold=threshold)
    return CoherenceResult(tables["coherence_correlations"], tables["coherence_composites"])
