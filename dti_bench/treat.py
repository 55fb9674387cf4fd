"""Outlier treatment of one indicator column.

The contract::

    f(x, **params) -> (treated, report)

- ``x``: shape ``(units,)``; NaN stays NaN.
- ``report``: a dict describing what was done (method, cells changed, iterations, whether a log transform was
  used), which the pipeline collects per indicator.

To add a method: write it here and add it to :data:`TREATERS`.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

import numpy as np


def none(x: np.ndarray) -> tuple[np.ndarray, dict[str, Any]]:
    """No treatment."""
    return np.array(x, dtype=float), {"method": "none", "treated": []}


#: name -> treatment, read-only.
TREATERS = MappingProxyType({
    "none": none,
})
