"""Y3 — weight-robustness throughput: simplex weight samples per second with rank acceptability.

A SYNTHETIC 63 x 50 weighted sum; weights drawn uniformly on the simplex (Dirichlet(1)); for each sample every
unit's rank is counted, giving the rank-acceptability matrix (share of samples in which each unit takes each
rank; SMAA's rank acceptability indices). Against the bare-numpy bound: one weighted sum, one rank and one
bincount per sample. Target: >= 2e5 samples/s.
"""

from __future__ import annotations

import sys

import numpy as np
from threadpoolctl import threadpool_limits

from common import flat, rate, repeat, save, table
from dti_bench.model.methodology import parse_methodology
from dti_bench.analyses.factors import parse_factors
from dti_bench.engine.kernels import rank_rows
from dti_bench.index import prepare_indicators
from dti_bench.engine.memory import reuse_freed_memory
from dti_bench.analyses.uncertainty import uncertainty as run_uncertainty

#: Samples per chunk, for the engine and the bound alike.
CHUNK = 16384

NOMINAL = parse_methodology({"normalise": {"method": "minmax", "lo": 0, "hi": 1}})


def bound(x: np.ndarray, w: np.ndarray, chunk: int = CHUNK) -> np.ndarray:
    """One weighted sum, one rank and one bincount per sample, in chunks of the engine's size and with the same
    memory policy (as in Y1)."""
    n = x.shape[0]
    counts = np.zeros(n * n, dtype=np.int64)
    with reuse_freed_memory():
        for start in range(0, len(w), chunk):
            r = rank_rows(w[start:start + chunk] @ x.T).astype(np.int64) - 1
            counts += np.bincount((np.arange(n)[None, :] * n + r).ravel(), minlength=n * n)
    return counts.reshape(n, n)


def main(samples: int = 200_000) -> dict:
    fw, ds = flat(63, 50)
    fs = parse_factors([{"path": "weights", "dirichlet": 1.0, "node": "index", "name": "simplex"}], fw, NOMINAL, "y3")
    with threadpool_limits(limits=1, user_api="blas"):
        engine_t = repeat(lambda: run_uncertainty(fw, ds, NOMINAL, fs, n=samples, seed=1, chunk_size=CHUNK))
        x = prepare_indicators(fw, ds, NOMINAL).normalised
        w = np.random.default_rng(0).dirichlet(np.ones(50), size=samples)
        bound_t = repeat(lambda: bound(x, w))
    engine, bare = rate(samples, engine_t), rate(samples, bound_t)
    print("Y3 weight-robustness throughput (63 x 50, simplex weights, rank acceptability; median of 3)")
    print(table([("", "samples/s (min-max)"),
                 ("engine", f"{engine['median']:,.0f} ({engine['low']:,.0f}-{engine['high']:,.0f})"),
                 ("bare-numpy bound", f"{bare['median']:,.0f}"),
                 ("bound / engine", f"{bare['median'] / engine['median']:.1f}x")]))
    result = {"samples": samples, "engine_samples_per_s": engine, "bound_samples_per_s": bare,
              "bound_over_engine": bare["median"] / engine["median"], "targets": {"engine_samples_per_s": 2e5}}
    print(f"-> {save('y3_weight_robustness', result)}")
    return result


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:]))
