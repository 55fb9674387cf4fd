"""Unit screening: which units enter the index.

The contract::

    f(x, *, units, **params) -> ndarray of bool, shape (units,)   (True = kept)

- ``x``: shape ``(units, indicators)`` as the step receives it; ``units``: their codes (for forced inclusion
  and exclusion).

To add a method: write it here and add it to :data:`SCREENERS`.
"""

from __future__ import annotations

from collections.abc import Sequence
from types import MappingProxyType

import numpy as np


def none(x: np.ndarray, *, units: Sequence[str] = ()) -> np.ndarray:
    """Keep every unit."""
    return np.ones(np.asarray(x).shape[0], dtype=bool)


#: name -> screening rule, read-only.
SCREENERS = MappingProxyType({
    "none": none,
})
