"""dti_bench: composite-indicator methodology, with Vietnam's provincial DTI as the flagship case.

The public entry points are re-exported here; each lives in a module with one concern (see DESIGN.md).
"""

from __future__ import annotations

__version__ = "0.1.0"

from dti_bench.model.dataset import Dataset
from dti_bench.errors import UserError
from dti_bench.model.framework import Framework
from dti_bench.index import IndexResult, compute_index
from dti_bench.model.methodology import Methodology

__all__ = ["Dataset", "Framework", "IndexResult", "Methodology", "UserError", "compute_index", "__version__"]
