"""Imputation methods: fill missing indicator values.

The contract::

    f(x, *, groups=None, **params) -> ndarray, same shape as x

- ``x``: shape ``(units, indicators)``, NaN = missing.
- ``groups``: shape ``(units,)`` object array of group labels (None = no label), for the group methods.

To add a method: write it here and add it to :data:`IMPUTERS`.
"""

from __future__ import annotations

from types import MappingProxyType

import numpy as np


def none(x: np.ndarray, *, groups: np.ndarray | None = None) -> np.ndarray:
    """No imputation: missing values stay missing (and are skipped by aggregation)."""
    return np.array(x, dtype=float)


#: name -> imputer, read-only.
IMPUTERS = MappingProxyType({
    "none": none,
})
