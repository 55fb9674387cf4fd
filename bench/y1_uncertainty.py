"""Y1 — uncertainty throughput: samples per second of a full uncertainty analysis.

Batch: treatment winmax in 1..5, normalisation in {min-max [1, 100], z-score (10, 2)}, aggregation in
{arithmetic, geometric}, ±25 % weight noise at two levels; on the SYNTHETIC 51 x 49 four-level index and on the
63 x 98 synthetic DTI. Side by side in one process: (a) a naive loop rebuilding the index per sample through
compute_index (pandas frames, one variant at a time, as COINr does), and (b) the bare-numpy bound: the same shapes
as one weighted sum and one rank per sample, nothing else. Targets: >= 1e5 samples/s on one core, within 3x of
the bound.
"""

from __future__ import annotations

import sys

import numpy as np
from threadpoolctl import threadpool_limits

from common import asem_shape, dti_components, factors, rate, repeat, save, table, NOMINAL
from dti_bench.analyses.sampling import monte_carlo, to_batch
from dti_bench.engine.kernels import rank_rows
from dti_bench.index import compute_index, prepare_indicators
from dti_bench.engine.memory import reuse_freed_memory
from dti_bench.analyses.uncertainty import uncertainty as run_uncertainty

#: Samples per chunk, for the engine and the bound alike.
CHUNK = 8192


def naive_loop(fw, ds, fs, samples: int, seed: int = 1) -> None:
    """One full rebuild per sample: methodology parsed, framework re-weighted, compute_index, ranks."""
    head = fw.require_headline()
    for row in monte_carlo(fs, seed, 0, samples):
        d = to_batch(row[None], fs, fw, NOMINAL)
        variant = fw.with_weights({(e.parent, e.child): e.weight * f for e, f in zip(fw.edges, d.weight_factor[0])})
        try:
            compute_index(variant, ds, d.methodologies[d.which[0]]).rank_values[head]
        except Exception:
            pass  # a failed variant costs what it cost


def bound(x: np.ndarray, w: np.ndarray, chunk: int = CHUNK) -> None:
    """The bare-numpy bound: one weighted sum and one rank per sample, in chunks of the engine's size and with
    the same memory policy (one call on all samples would spend its time on fresh pages, a bound the engine
    beats)."""
    with reuse_freed_memory():
        for start in range(0, len(w), chunk):
            rank_rows(w[start:start + chunk] @ x.T)


def measure(label: str, fw, ds, samples: int, naive_samples: int) -> dict:
    fs = factors(fw)
    engine_t = repeat(lambda: run_uncertainty(fw, ds, NOMINAL, fs, n=samples, seed=1, chunk_size=CHUNK))
    naive_t = repeat(lambda: naive_loop(fw, ds, fs, naive_samples), repeats=3)
    x = np.nan_to_num(prepare_indicators(fw, ds, NOMINAL).normalised)
    w = np.random.default_rng(0).random((samples, x.shape[1]))
    bound_t = repeat(lambda: bound(x, w))
    engine, naive, bare = rate(samples, engine_t), rate(naive_samples, naive_t), rate(samples, bound_t)
    return {"index": label, "units": len(ds.units), "indicators": len(fw.indicators), "samples": samples,
            "engine_samples_per_s": engine, "naive_samples_per_s": naive, "bound_samples_per_s": bare,
            "speedup_vs_naive": engine["median"] / naive["median"], "bound_over_engine": bare["median"] / engine["median"]}


def main(samples: int = 50_000, naive_samples: int = 60) -> dict:
    rows = []
    with threadpool_limits(limits=1, user_api="blas"):  # one core, as the target says
        for label, (fw, ds) in (("asem-shape 51x49 (SYNTHETIC)", asem_shape()), ("DTI 63x98 (" + dti_components()[1].name + ")", dti_components())):
            rows.append(measure(label, fw, ds, samples, naive_samples))
    lines = [("index", "engine samples/s (min-max)", "naive samples/s", "bound samples/s", "engine/naive", "bound/engine")]
    for r in rows:
        e = r["engine_samples_per_s"]
        lines.append((r["index"], f"{e['median']:,.0f} ({e['low']:,.0f}-{e['high']:,.0f})",
                      f"{r['naive_samples_per_s']['median']:,.1f}", f"{r['bound_samples_per_s']['median']:,.0f}",
                      f"{r['speedup_vs_naive']:,.0f}x", f"{r['bound_over_engine']:.1f}x"))
    print("Y1 uncertainty throughput (median of 3 repeats; one BLAS thread)")
    print(table(lines))
    result = {"rows": rows, "targets": {"engine_samples_per_s": 1e5, "bound_over_engine_max": 3.0}}
    print(f"-> {save('y1_uncertainty', result)}")
    return result


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:]))
