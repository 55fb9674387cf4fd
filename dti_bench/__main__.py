"""``python -m dti_bench`` is the ``dti-bench`` console script."""

from dti_bench.cli import main

raise SystemExit(main())
