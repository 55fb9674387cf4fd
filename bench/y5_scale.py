"""Y5 — scale: 10,000 units x 100 indicators x 100,000 samples: wall time and peak memory at the default chunk
size, serially and through dask.distributed on a LocalCluster, with the two results checked equal.

SYNTHETIC data (100 indicators in 10 groups -> index); factors: normalisation {min-max [1, 100], z-score (10, 2)},
aggregation {arithmetic, geometric}, ±25 % weight noise at both levels. Each run is a child process, so its
peak resident set (ru_maxrss) is its own (reported as the largest of the children run so far, so the dask row,
run second, shows at least the serial peak). Target: peak memory under 2 GB.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from pathlib import Path

from common import save, table

HERE = Path(__file__).resolve().parent
FACTORS = [
    {"path": "normalise", "choices": [{"method": "minmax", "lo": 1, "hi": 100}, {"method": "zscore", "m": 10, "s": 2}]},
    {"path": "aggregate.method", "choices": ["arithmetic", "geometric"]},
    {"path": "weights", "noise": 0.25, "levels": [1, 2]},
]


def child(executor: str, units: int, indicators: int, samples: int, out: str) -> None:
    """Run one uncertainty analysis and save its rank frequencies (runs in a child process)."""
    import numpy as np
    from threadpoolctl import threadpool_limits

    from common import NOMINAL, flat
    from dti_bench.analyses.factors import parse_factors
    from dti_bench.engine.batch import default_chunk
    from dti_bench.analyses.uncertainty import uncertainty as run_uncertainty

    fw, ds = flat(units, indicators, groups=10)
    fs = parse_factors(FACTORS, fw, NOMINAL, "y5")
    t = time.perf_counter()
    with threadpool_limits(limits=1, user_api="blas"):
        res = run_uncertainty(fw, ds, NOMINAL, fs, n=samples, seed=5, executor=executor, workers=2)
    wall = time.perf_counter() - t
    np.savez(out, frequency=res.frequency, rbar=res.rbar)
    print(json.dumps({"wall_s": wall, "chunk": default_chunk(fw, units), "failed": len(res.failed)}))


def run(executor: str, units: int, indicators: int, samples: int, out: Path) -> dict:
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    proc = subprocess.run([sys.executable, str(HERE / "y5_scale.py"), "--child", executor, str(units),
                           str(indicators), str(samples), str(out)], capture_output=True, text=True, cwd=HERE)
    if proc.returncode != 0:
        raise SystemExit(proc.stderr)
    info = json.loads(proc.stdout.strip().splitlines()[-1])
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    info["peak_rss_mb"] = max(peak_kb, before) / 1024  # the largest child so far (the full-size run comes first)
    return info


def main(units: int = 10_000, indicators: int = 100, samples: int = 100_000, dask_samples: int | None = None) -> dict:
    """The full-size serial run, then the same run through dask (``dask_samples``: default the same size),
    checked equal to a serial run of that size."""
    import numpy as np

    dask_samples = samples if dask_samples is None else dask_samples
    tmp = HERE / "results"
    tmp.mkdir(exist_ok=True)
    full = run("serial", units, indicators, samples, tmp / "y5_full.npz")
    if dask_samples == samples:
        serial, serial_file = full, "y5_full.npz"
    else:
        serial, serial_file = run("serial", units, indicators, dask_samples, tmp / "y5_serial.npz"), "y5_serial.npz"
    dask = run("dask", units, indicators, dask_samples, tmp / "y5_dask.npz")
    a, b = np.load(tmp / serial_file), np.load(tmp / "y5_dask.npz")
    equal = bool(np.array_equal(a["frequency"], b["frequency"]) and np.array_equal(a["rbar"], b["rbar"], equal_nan=True))
    for f in {"y5_full.npz", serial_file, "y5_dask.npz"}:
        (tmp / f).unlink()
    print(f"Y5 scale: {units:,} units x {indicators} indicators (default chunk {full['chunk']})")
    print(table([("run", "samples", "wall s", "samples/s", "peak RSS MB"),
                 ("serial", f"{samples:,}", f"{full['wall_s']:.1f}", f"{samples / full['wall_s']:,.0f}",
                  f"{full['peak_rss_mb']:,.0f}"),
                 *([("serial", f"{dask_samples:,}", f"{serial['wall_s']:.1f}",
                     f"{dask_samples / serial['wall_s']:,.0f}", f"{serial['peak_rss_mb']:,.0f}")]
                   if serial is not full else []),
                 ("dask LocalCluster (2 workers)", f"{dask_samples:,}", f"{dask['wall_s']:.1f}",
                  f"{dask_samples / dask['wall_s']:,.0f}", f"{dask['peak_rss_mb']:,.0f}")]))
    print(f"dask result equal to serial: {equal}")
    result = {"units": units, "indicators": indicators, "samples": samples, "serial_full": full,
              "dask_samples": dask_samples, "serial": serial, "dask": dask, "dask_equals_serial": equal,
              "targets": {"peak_rss_mb": 2048}}
    print(f"-> {save('y5_scale', result)}")
    return result


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        child(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), sys.argv[6])
    else:
        main(*(int(a) for a in sys.argv[1:]))
