"""Y4 — grid sweep: every normalisation x aggregation pair x 1,000 simplex weight draws on a SYNTHETIC 63 x 50.

Normalisations: min-max [1, 100], z-score (10, 2), rank, percentile (+1 so geometric/harmonic stay defined: the
shift is part of the variant), goalposts; aggregations: arithmetic, geometric, harmonic, power p = 2. Variants
that cannot be computed are counted, not fatal. Target: under 2 s.
"""

from __future__ import annotations

import itertools

import numpy as np
from threadpoolctl import threadpool_limits

from common import flat, repeat, save, table
from dti_bench.model.methodology import parse_methodology
from dti_bench.engine.batch import Batch, Engine

NORMALISERS = [{"method": "minmax", "lo": 1, "hi": 100}, {"method": "zscore", "m": 10, "s": 2}, "rank",
               {"method": "minmax", "lo": 0.5, "hi": 1}, "borda"]
AGGREGATORS = ["arithmetic", "geometric", "harmonic", {"method": "power", "p": 2.0}]


def main(draws: int = 1000) -> dict:
    fw, ds = flat(63, 50)
    methodologies = [parse_methodology({"normalise": n, "aggregate": a})
                     for n, a in itertools.product(NORMALISERS, AGGREGATORS)]
    rng = np.random.default_rng(4)
    w = rng.dirichlet(np.ones(len(fw.edges)), size=draws)
    which = np.repeat(np.arange(len(methodologies)), draws)
    design = Batch(tuple(methodologies), which, weights=np.tile(w, (len(methodologies), 1)))
    holder = {}
    with threadpool_limits(limits=1, user_api="blas"):
        def sweep():
            engine = Engine(fw, ds)  # a fresh engine each repeat: the normalisations are part of the cost
            holder["failed"] = sum(int(ev.failed.sum()) for _, ev in engine.chunks(design, 8192))
        timing = repeat(sweep)
    n = len(design)
    print("Y4 grid sweep (5 normalisations x 4 aggregations x 1,000 weight draws on 63 x 50; median of 3)")
    print(table([("variants", "wall s (min-max)", "variants/s", "failed"),
                 (f"{n:,}", f"{timing['median']:.3f} ({timing['min']:.3f}-{timing['max']:.3f})",
                  f"{n / timing['median']:,.0f}", str(holder["failed"]))]))
    result = {"variants": n, "pairs": len(methodologies), "draws": draws, "seconds": timing,
              "failed": holder["failed"], "targets": {"seconds": 2.0}}
    print(f"-> {save('y4_grid', result)}")
    return result


if __name__ == "__main__":
    main()
