"""Y2 — Sobol' cost to precision: wall time and model runs until every total index's 95 % half-width is <= 0.05.

The same four-factor design as Y1 (treatment winmax, normalisation, aggregation, weight noise at two levels; each
one Sobol' factor, the weight noise a SALib group), on the SYNTHETIC 51 x 49 index and the 63 x 98 DTI; the
output whose convergence is judged is the index-level mean absolute rank shift. N doubles from 64. Target: < 2 s.
"""

from __future__ import annotations

from threadpoolctl import threadpool_limits

from common import NOMINAL, asem_shape, dti_components, factors, repeat, save, table
from dti_bench.analyses.sobol import sobol as run_sobol


def main() -> dict:
    rows = []
    with threadpool_limits(limits=1, user_api="blas"):
        for label, (fw, ds) in (("asem-shape 51x49 (SYNTHETIC)", asem_shape()), ("DTI 63x98", dti_components())):
            fs = factors(fw)
            holder = {}
            timing = repeat(lambda: holder.update(r=run_sobol(fw, ds, NOMINAL, fs, n=64, seed=1, target=0.05)))  # noqa: B023
            res = holder["r"]
            s = res.summary()
            rows.append({"index": label, "dataset": ds.name, "seconds": timing, "N": res.n, "runs": res.runs,
                         "converged": res.converged, "history": res.history,
                         "total_indices": s["mean_abs_shift"]})
    lines = [("index", "wall s (min-max)", "N", "model runs", "converged", "ST (±half-width) of R̄s")]
    for r in rows:
        t = r["seconds"]
        st = ", ".join(f"{k} {v['ST']:.2f}±{v['ST_conf']:.2f}" for k, v in r["total_indices"].items())
        lines.append((r["index"], f"{t['median']:.2f} ({t['min']:.2f}-{t['max']:.2f})", str(r["N"]),
                      f"{r['runs']:,}", str(r["converged"]), st))
    print("Y2 Sobol' cost to precision (target half-width 0.05; median of 3 repeats)")
    print(table(lines))
    result = {"rows": rows, "targets": {"seconds": 2.0}}
    print(f"-> {save('y2_sobol', result)}")
    return result


if __name__ == "__main__":
    main()
