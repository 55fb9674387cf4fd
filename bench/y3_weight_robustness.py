"""Y3 — weight-robustness throughput: simplex weight samples per second with rank acceptability.

A SYNTHETIC 63 x 50 weighted sum; weights drawn uniformly on the simplex (Dirichlet(1)); for each sample every
unit's rank is counted, giving the rank-acceptability matrix (share of samples in which each unit takes each
rank; SMAA's rank acceptability indices). Against the full-job bound in plain numpy: the draws (uniforms mapped
to Exp(1) and normalised, i.e. Dirichlet(1)), one weighted sum, one rank and one bincount per sample, in the
engine's chunks. Engine and bound run in interleaved rounds and the ratio is taken within each round.
Target: >= 2e5 samples/s.
"""

from __future__ import annotations

import sys

import numpy as np
from threadpoolctl import threadpool_limits

from common import flat, interleaved, paired_ratios, rates, save, table
from dti_bench.model.methodology import parse_methodology
from dti_bench.analyses.factors import parse_factors
from dti_bench.engine.kernels import rank_rows
from dti_bench.index import prepare_indicators
from dti_bench.engine.memory import reuse_freed_memory
from dti_bench.analyses.uncertainty import uncertainty as run_uncertainty

#: Samples per chunk, for the engine and the bound alike.
CHUNK = 16384

NOMINAL = parse_methodology({"normalise": {"method": "minmax", "lo": 0, "hi": 1}})


def bound(x: np.ndarray, samples: int, chunk: int = CHUNK, seed: int = 0) -> np.ndarray:
    """Draws, one weighted sum, one rank and one bincount per sample, in chunks of the engine's size and with the
    same memory policy (as in Y1)."""
    n = x.shape[0]
    counts = np.zeros(n * n, dtype=np.int64)
    rng = np.random.default_rng(seed)
    with reuse_freed_memory():
        for start in range(0, samples, chunk):
            g = -np.log1p(-rng.random((min(chunk, samples - start), x.shape[1])))  # Exp(1): Dirichlet(1) when
            g /= g.sum(axis=1, keepdims=True)                                     # normalised
            r = rank_rows(g @ x.T).astype(np.int64) - 1
            counts += np.bincount((np.arange(n)[None, :] * n + r).ravel(), minlength=n * n)
    return counts.reshape(n, n)


def main(samples: int = 200_000, rounds: int = 5) -> dict:
    fw, ds = flat(63, 50)
    fs = parse_factors([{"path": "weights", "dirichlet": 1.0, "node": "index", "name": "simplex"}], fw, NOMINAL, "y3")
    with threadpool_limits(limits=1, user_api="blas"):
        x = prepare_indicators(fw, ds, NOMINAL).normalised
        times = interleaved({"engine": lambda: run_uncertainty(fw, ds, NOMINAL, fs, n=samples, seed=1,
                                                               chunk_size=CHUNK),
                             "bound": lambda: bound(x, samples)}, repeats=rounds)
    work = {"engine": samples, "bound": samples}
    speed = rates(times, work)
    ratio = paired_ratios(times, work, "bound", "engine")
    engine, bare = speed["engine"], speed["bound"]
    print(f"Y3 weight-robustness throughput (63 x 50, simplex weights, rank acceptability; {rounds} interleaved rounds)")
    print(table([("", "samples/s (min-max)"),
                 ("engine", f"{engine['median']:,.0f} ({engine['low']:,.0f}-{engine['high']:,.0f})"),
                 ("full-job bound (draws, product, rank, counts)", f"{bare['median']:,.0f}"),
                 ("bound / engine, per round", f"{ratio['median']:.2f}x ({ratio['min']:.2f}-{ratio['max']:.2f})")]))
    result = {"samples": samples, "engine_samples_per_s": engine, "bound_samples_per_s": bare,
              "bound_over_engine": ratio, "times_s": times, "targets": {"engine_samples_per_s": 2e5}}
    print(f"-> {save('y3_weight_robustness', result)}")
    return result


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:]))
