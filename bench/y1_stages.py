"""Where Y1's time goes: microseconds per sample of each stage of a Monte Carlo chunk, beside the bound's two.

Not part of `make bench` (it explains Y1's ratio rather than measuring a target): run it as
``cd bench && ../.venv/bin/python y1_stages.py [dti|asem] [CHUNK]``. Each stage of ``uncertainty.run_chunk``
is timed on its own over five chunks (after one warm-up chunk), one BLAS thread, freed memory kept as in a
run; the engine's internal steps are timed through wrappers, so their sum is a little above the evaluate total.
"""

from __future__ import annotations

import sys
import time

import numpy as np
from threadpoolctl import threadpool_limits

from common import NOMINAL, asem_shape, dti_components, factors, table
from dti_bench.engine import collapsed
from dti_bench.engine import batch as engine_module
from dti_bench.analyses.sampling import monte_carlo, to_batch
from dti_bench.engine.batch import Engine
from dti_bench.engine.kernels import rank_rows
from dti_bench.index import nominal_ranks
from dti_bench.engine.memory import reuse_freed_memory
from dti_bench.analyses.uncertainty import _chunk_statistics, _discrete_methodologies

CHUNKS = 5


def main(which: str = "dti", chunk: int = 8192) -> None:
    fw, ds = dti_components() if which == "dti" else asem_shape()
    fs = factors(fw)
    head = fw.require_headline()
    spent: dict[str, float] = {}

    def timed(name, function):
        def wrapper(*args, **kwargs):
            t = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                spent[name] = spent.get(name, 0.0) + time.perf_counter() - t
        return wrapper

    t = time.perf_counter()
    reference = nominal_ranks(fw, ds, NOMINAL, head)
    eng = Engine(fw, ds)
    eng.warm(_discrete_methodologies(fs, fw, NOMINAL))
    setup = time.perf_counter() - t
    engine_module.Engine._design_weights = timed("  weights", engine_module.Engine._design_weights)
    collapsed.totals = timed("  weights", collapsed.totals)
    collapsed.effective = timed("  weights", collapsed.effective)
    collapsed.scores = timed("  matrix product and phi inverse (+ missing-data corrections)", collapsed.scores)
    engine_module.rank_rows = timed("  rank", rank_rows)
    with threadpool_limits(limits=1, user_api="blas"), reuse_freed_memory():
        for i in range(CHUNKS + 1):
            if i == 1:
                spent.clear()
            start = i * chunk
            t0 = time.perf_counter()
            u = monte_carlo(fs, 1, start, start + chunk)
            t1 = time.perf_counter()
            design = to_batch(u, fs, fw, NOMINAL)
            t2 = time.perf_counter()
            ev = eng.evaluate(design, rank=[head], only=[head])
            t3 = time.perf_counter()
            _chunk_statistics(ev.ranks[:, :, 0], reference, ~ev.failed, count=True, keep=False)
            t4 = time.perf_counter()
            stages = [("Monte Carlo draws (sampling.monte_carlo)", t1 - t0), ("factors to variants (sampling.to_batch)", t2 - t1),
                      ("evaluate (engine.Engine.evaluate)", t3 - t2), ("statistics (uncertainty.run_chunk)", t4 - t3)]
            for name, dt in stages:
                spent[name] = spent.get(name, 0.0) + dt
        x = np.random.default_rng(0).random((len(ds.units), len(fw.indicators)))
        w = np.random.default_rng(1).random((chunk, len(fw.indicators)))
        t = time.perf_counter()
        for _ in range(CHUNKS):
            y = w @ x.T
        gemm = time.perf_counter() - t
        t = time.perf_counter()
        for _ in range(CHUNKS):
            rank_rows(y)
        rank = time.perf_counter() - t
    per = 1e6 / (CHUNKS * chunk)
    order = ["Monte Carlo draws (sampling.monte_carlo)", "factors to variants (sampling.to_batch)",
             "evaluate (engine.Engine.evaluate)", "  weights", "  matrix product and phi inverse (+ missing-data corrections)",
             "  rank", "statistics (uncertainty.run_chunk)"]
    rows = [("stage", "us/sample")]
    rows += [(name, f"{spent[name] * per:.3f}") for name in order if name in spent]
    total = sum(spent[n] for n in order if not n.startswith("  ")) * per
    rows += [("per-sample total", f"{total:.3f}"),
             (f"setup once per run ({setup * 1e3:.0f} ms), per sample of a 50,000-sample run", f"{setup * 1e6 / 50_000:.3f}"),
             ("bound: matrix product", f"{gemm * per:.3f}"), ("bound: rank", f"{rank * per:.3f}"),
             ("bound total", f"{(gemm + rank) * per:.3f}")]
    print(f"Y1 stages, {which}, chunks of {chunk:,} (one BLAS thread)")
    print(table(rows))


if __name__ == "__main__":
    main(*(a if i == 0 else int(a) for i, a in enumerate(sys.argv[1:])))
