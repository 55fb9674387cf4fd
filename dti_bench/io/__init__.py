"""Files, bundled data and run folders."""

from dti_bench.io.files import *  # noqa: F401,F403
from dti_bench.io.files import PACKAGE_DIR, DATASETS_DIR, FRAMEWORKS_DIR, PUBLISHED_DIR, _framework_file  # noqa: F401
