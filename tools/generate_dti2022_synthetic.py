"""Rewrite the bundled ``dti2022_synthetic`` and ``dti2022_synthetic_components`` datasets.

A thin wrapper: the generator lives in the package (:mod:`dti_bench.synthesis.dti2022`; also reachable as
``dti-bench synthesise``). ``--out-dir DIR`` writes the two folders under ``DIR`` instead of the bundled
``dti_bench/datasets/`` (used by the reproducibility test).
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))   # run from a checkout without installing

from dti_bench.synthesis.dti2022 import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
