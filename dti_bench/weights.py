"""Weighting methods: the weights of one composite's children.

The contract every weighting method meets::

    f(x, w, **params) -> ndarray, shape (k,) or (units, k)

- ``x``: shape ``(units, k)``, the composite's children as they enter the aggregation (normalised
  indicators or lower composites); data-driven methods (PCA, entropy, CRITIC, benefit of the doubt) use it.
- ``w``: shape ``(k,)``, the nominal weights (the framework's, after any explicit overrides).
- Weights are relative within the composite: only ratios matter. A ``(units, k)`` result gives each unit its
  own weights (benefit of the doubt).

To add a method: write it here and add it to :data:`WEIGHTERS`.
"""

from __future__ import annotations

from types import MappingProxyType

import numpy as np


def nominal(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """The framework's weights (with any explicit overrides already applied), unchanged."""
    return np.asarray(w, dtype=float)


def equal(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Equal weights: every child of a composite counts the same, ``w_i = 1/k``."""
    k = np.asarray(w).shape[-1]
    return np.full(k, 1.0 / k)


#: name -> weighting method, read-only. The config's ``weights:`` names resolve through this dict only.
WEIGHTERS = MappingProxyType({
    "nominal": nominal,
    "equal": equal,
})
