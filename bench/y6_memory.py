"""Y6 — memory linear in units: an uncertainty analysis from 63 to 100,000 units x 100 indicators, wall time and
peak resident memory per size (MiB), and the fitted log-log exponents of both.

SYNTHETIC data (``common.flat``: 100 indicators in 10 groups -> index), Y5's factors (normalisation {min-max [1,
100], z-score (10, 2)}, aggregation {arithmetic, geometric}, ±25 % weight noise at both levels), the default
chunk and rank bins (1000: exact rank counts up to 1000 units, bins of ceil(units / 1000) ranks above), serial,
one BLAS thread. Each size runs in a child process of its own, so its peak resident set (``ru_maxrss`` of the
child, read by the child itself) is that size's alone; the child also records its resident set after the imports
and after building the data, so the analysis' own share is visible. The timed part is ``uncertainty()``; the
tables a run folder gets (uncertainty.csv, rank_frequency.csv, rank_statistics.csv, stability.csv) are built
after it and timed apart, and the peak covers both.

    cd bench && ../.venv/bin/python y6_memory.py                    # 63 ... 100,000 units, 1,000 samples
    cd bench && ../.venv/bin/python y6_memory.py --samples 10000 --sizes 100000   # the 10^4 target run

Target: 100,000 units x 100 indicators x 10^4 samples under 4 GB of peak resident memory; peak memory linear in
units (log-log exponent about 1 over the large sizes). Not a test.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
SIZES = (63, 630, 2000, 6300, 20_000, 63_000, 100_000)
FACTORS = [
    {"path": "normalise", "choices": [{"method": "minmax", "lo": 1, "hi": 100}, {"method": "zscore", "m": 10, "s": 2}]},
    {"path": "aggregate.method", "choices": ["arithmetic", "geometric"]},
    {"path": "weights", "noise": 0.25, "levels": [1, 2]},
]
#: The target: 4 GB (decimal) of peak resident memory at 100,000 units x 100 indicators x 10^4 samples.
TARGET_BYTES = 4e9
#: Sizes from which the exponents are fitted: below, fixed costs (interpreter, setup) dominate.
FIT_FROM = 6300


def _rss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kilobytes


def child(units: int, indicators: int, samples: int) -> None:
    """One size in a fresh process: print one JSON line of its times and resident sets."""
    import time

    from threadpoolctl import threadpool_limits

    from common import NOMINAL, flat
    from dti_bench.analyses.factors import parse_factors
    from dti_bench.analyses.uncertainty import uncertainty as run_uncertainty
    from dti_bench.engine.batch import default_chunk

    rss_imports = _rss_mb()
    fw, ds = flat(units, indicators, groups=10)
    fs = parse_factors(FACTORS, fw, NOMINAL, "y6")
    rss_data = _rss_mb()
    with threadpool_limits(limits=1, user_api="blas"):
        t, c = time.perf_counter(), time.process_time()
        res = run_uncertainty(fw, ds, NOMINAL, fs, n=samples, seed=6)
        analysis, analysis_cpu = time.perf_counter() - t, time.process_time() - c
        t, c = time.perf_counter(), time.process_time()
        tables = res.tables()
        tabling, tabling_cpu = time.perf_counter() - t, time.process_time() - c
    print(json.dumps({
        "units": units, "indicators": indicators, "samples": samples, "chunk": default_chunk(fw, units),
        "rank_bin_width": res.rank_bin_width, "histogram_mb": res.frequency.nbytes / 2 ** 20,
        "dense_table_mb": 4 * units * units / 2 ** 20,  # what the (units, units) int32 counts took before
        "rank_frequency_rows": len(tables["rank_frequency.csv"]), "failed": len(res.failed),
        "analysis_s": analysis, "tables_s": tabling, "analysis_cpu_s": analysis_cpu, "tables_cpu_s": tabling_cpu,
        "rss_imports_mb": rss_imports, "rss_data_mb": rss_data,
        "peak_rss_mb": _rss_mb()}))


def run(units: int, indicators: int, samples: int) -> dict:
    proc = subprocess.run([sys.executable, str(HERE / "y6_memory.py"), "--child", str(units), str(indicators),
                           str(samples)], capture_output=True, text=True, cwd=HERE)
    if proc.returncode != 0:
        raise SystemExit(proc.stderr)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def exponent(x: list[float], y: list[float]) -> float | None:
    """The slope of log y on log x (least squares), None with fewer than two points."""
    if len(x) < 2:
        return None
    return float(np.polyfit(np.log(x), np.log(y), 1)[0])


def main(sizes: tuple[int, ...] = SIZES, samples: int = 1000, indicators: int = 100) -> dict:
    from common import save, table

    rows = []
    for units in sizes:
        rows.append(run(units, indicators, samples))
        r = rows[-1]
        print(f"  {units:>7,} units: {r['analysis_s']:.1f} s (CPU {r['analysis_cpu_s']:.1f} s) + tables "
              f"{r['tables_s']:.1f} s, peak {r['peak_rss_mb']:,.0f} MiB", flush=True)
    big = [r for r in rows if r["units"] >= FIT_FROM]
    fits = {
        "from_units": FIT_FROM,
        "time": exponent([r["units"] for r in big], [r["analysis_s"] + r["tables_s"] for r in big]),
        # CPU time: what the work costs, whatever else the shared machine runs meanwhile
        "cpu_time": exponent([r["units"] for r in big], [r["analysis_cpu_s"] + r["tables_cpu_s"] for r in big]),
        "peak_rss": exponent([r["units"] for r in big], [r["peak_rss_mb"] for r in big]),
        # the analysis' own memory: the peak less what the interpreter and the data already held
        "peak_rss_over_data": exponent([r["units"] for r in big],
                                       [max(r["peak_rss_mb"] - r["rss_data_mb"], 1.0) for r in big]),
    }
    print(f"Y6 memory: units x {indicators} indicators x {samples:,} samples (SYNTHETIC), serial, one BLAS thread")
    print(table([("units", "chunk", "bin w", "analysis s", "CPU s", "tables s", "data MiB", "peak RSS MiB",
                  "histogram MiB", "units² table MiB", "rank_frequency rows"),
                 *[(f"{r['units']:,}", str(r["chunk"]), str(r["rank_bin_width"]), f"{r['analysis_s']:.2f}",
                    f"{r['analysis_cpu_s'] + r['tables_cpu_s']:.2f}", f"{r['tables_s']:.2f}",
                    f"{r['rss_data_mb']:,.0f}", f"{r['peak_rss_mb']:,.0f}", f"{r['histogram_mb']:,.1f}",
                    f"{r['dense_table_mb']:,.0f}", f"{r['rank_frequency_rows']:,}")
                   for r in rows]]))
    print(f"log-log exponents over units >= {FIT_FROM:,}: wall time {_fmt(fits['time'])}, CPU time "
          f"{_fmt(fits['cpu_time'])}, peak RSS {_fmt(fits['peak_rss'])}, peak RSS above the data "
          f"{_fmt(fits['peak_rss_over_data'])}")
    largest = max(rows, key=lambda r: r["units"])
    met = largest["peak_rss_mb"] * 2 ** 20 < TARGET_BYTES
    print(f"largest run: {largest['units']:,} units x {samples:,} samples, peak {largest['peak_rss_mb']:,.0f} MiB "
          f"(target < 4 GB = {TARGET_BYTES / 2 ** 20:,.0f} MiB: {'yes' if met else 'no'})")
    result = {"indicators": indicators, "samples": samples, "rows": rows, "exponents": fits,
              "targets": {"peak_rss_mb": TARGET_BYTES / 2 ** 20, "at_units": 100_000, "at_samples": 10_000}}
    default = samples == 1000 and tuple(sizes) == SIZES
    name = "y6_memory" if default else f"y6_memory_{samples}x{'-'.join(map(str, sizes))}"
    print(f"-> {save(name, result)}")
    return result


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        child(int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]))
    else:
        parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
        parser.add_argument("--samples", type=int, default=1000)
        parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
        parser.add_argument("--indicators", type=int, default=100)
        args = parser.parse_args()
        main(tuple(args.sizes), args.samples, args.indicators)
