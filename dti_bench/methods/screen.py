"""Unit screening: which units enter the index.

The contract::

    f(x, *, units, **params) -> ndarray of bool, shape (units,)   (True = kept)

- ``x``: shape ``(units, indicators)`` as the step receives it; ``units``: their codes (for forced inclusion
  and exclusion).

To add a method: write it here and add it to :data:`dti_bench.methods.registry.METHODS` (one row, with its traits).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from dti_bench.errors import MethodError, choices


def none(x: np.ndarray, *, units: Sequence[str] = ()) -> np.ndarray:
    """Keep every unit, whatever its missing values (NaN are left to imputation and aggregation).

    References
    ----------
    COINr ``Screen`` not applied; OECD/JRC (2008) Handbook, section 3 (coverage rules are a choice).

    Examples
    --------
    Every unit is kept (COINr: ``Screen`` not run):

    >>> none(np.array([[1.0, np.nan], [np.nan, np.nan]]))
    array([ True,  True])
    """
    return np.ones(np.asarray(x).shape[0], dtype=bool)


def _codes(value: str | Sequence[str], name: str) -> list[str]:
    if isinstance(value, str):  # a lone code written without brackets in the config
        return [value]
    if not isinstance(value, (Sequence, np.ndarray, set, frozenset)):
        raise MethodError(f"screening: {name!r} must be a list of unit codes, got {value!r}")
    return [str(v) for v in value]


def coverage(x: np.ndarray, *, units: Sequence[str] = (), min_coverage: float = 0.66,
             max_zero_share: float = 1.0, include: Sequence[str] = (), exclude: Sequence[str] = ()) -> np.ndarray:
    r"""Keep units with enough data and not too many zeros (COINr ``Screen``, ``unit_screen = "byNAandzeros"``).

    For unit :math:`i` with :math:`p` indicators, :math:`a_i` present values and :math:`z_i` zeros among them:

    .. math::

        \text{kept}_i = \Big(\frac{a_i}{p} \ge \text{min\_coverage}\Big) \wedge
                        \Big(\frac{z_i}{a_i} \le \text{max\_zero\_share}\Big)

    then units in ``include`` are kept and units in ``exclude`` removed, whatever the thresholds say. The
    shares are counted on the data the step receives (so after imputation if ``impute`` comes first in the
    methodology's ``steps``). As in COINr, the zero share is a share of the *present* values; a unit with no
    present value has zero share 0 (it fails the coverage test unless ``min_coverage`` is 0). A table with no
    indicator gives every unit coverage 1.

    Parameters
    ----------
    x : ndarray, shape (units, indicators)
        NaN = missing.
    units : sequence of str, length units
        Unit codes, to resolve ``include`` and ``exclude``.
    min_coverage : float in [0, 1]
        Minimum share of present values. Default 0.66, COINr's ``dat_thresh`` default.
    max_zero_share : float in [0, 1]
        Maximum share of zeros among present values. Default 1.0 (no zero screening), as COINr screens on
        zeros only when asked (``unit_screen = "byzeros"``; its ``nonzero_thresh = 0.05`` corresponds to
        ``max_zero_share = 0.95``).
    include, exclude : sequence of str
        Unit codes forced in or out (COINr's ``Force`` table with ``Include = TRUE / FALSE``).

    Returns
    -------
    ndarray of bool, shape (units,)
        True = kept.

    Raises
    ------
    MethodError
        If a threshold is outside [0, 1], ``include``/``exclude`` name unknown unit codes (listed), a code is
        in both, or ``units`` does not match the rows of ``x``.

    References
    ----------
    COINr documentation, ``Screen`` (``dat_thresh``, ``nonzero_thresh``, ``Force``) and
    ``vignette("screening")``. OECD/JRC (2008), *Handbook*, section 3.

    Examples
    --------
    Unit C has one of three values (coverage 1/3 < 0.66) and is dropped, as ``Screen(coin, dset = "Raw",
    dat_thresh = 0.66)`` would; ``include`` forces it back:

    >>> x = np.array([[1.0, 2.0, 3.0], [4.0, np.nan, 6.0], [np.nan, np.nan, 9.0]])
    >>> coverage(x, units=["A", "B", "C"])
    array([ True,  True, False])
    >>> coverage(x, units=["A", "B", "C"], include=["C"])
    array([ True,  True,  True])
    """
    x = np.asarray(x, dtype=float)
    if x.ndim != 2:
        raise MethodError(f"screening expects a (units, indicators) table, got shape {x.shape}")
    for name, value in (("min_coverage", min_coverage), ("max_zero_share", max_zero_share)):
        if not 0.0 <= value <= 1.0:
            raise MethodError(f"screening: {name} must be between 0 and 1, got {value!r}")
    codes = [str(u) for u in units]
    forced_in, forced_out = _codes(include, "include"), _codes(exclude, "exclude")
    if (forced_in or forced_out) and len(codes) != x.shape[0]:
        raise MethodError(f"screening: {len(codes)} unit codes for {x.shape[0]} rows")
    known = set(codes)
    unknown = [c for c in dict.fromkeys(forced_in + forced_out) if c not in known]
    if unknown:
        raise MethodError(f"screening: unknown unit code(s) in include/exclude: {choices(unknown)}")
    both = sorted(set(forced_in) & set(forced_out))
    if both:
        raise MethodError(f"screening: unit code(s) both included and excluded: {choices(both)}")

    n, p = x.shape
    present = (~np.isnan(x)).sum(axis=1)
    zeros = (x == 0).sum(axis=1)
    share_present = np.divide(present, p, out=np.ones(n), where=p > 0)
    share_zero = np.divide(zeros, present, out=np.zeros(n), where=present > 0)
    keep = (share_present >= min_coverage) & (share_zero <= max_zero_share)
    if forced_in or forced_out:
        code_array = np.asarray(codes, dtype=object)
        keep |= np.isin(code_array, forced_in)
        keep &= ~np.isin(code_array, forced_out)
    return keep


