"""Shared pieces of the benchmarks: the indices they run on, timing, and the result files.

Every yardstick measures ratios side by side in one process (absolute times on shared machines are noise):
the engine against a naive per-sample loop and against a bare-numpy bound with the same shapes. Results go to
bench/results/<name>.json (written complete or not at all) and a small table on stdout.

The 51 x 49 four-level index has the shape of COINr's ASEM example (51 units, 49 indicators, 8 sub-pillars,
2 pillars, 1 index) but SYNTHETIC values; the 63 x 98 DTI is the bundled dti2022-synthetic-components data (also
SYNTHETIC, calibrated to the published DTI) when present.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from dti_bench import io
from dti_bench.errors import MethodologyWarning
from dti_bench.model.methodology import parse_methodology
from dti_bench.model.dataset import Dataset
from dti_bench.analyses.factors import parse_factors
from dti_bench.model.framework import Framework
from dti_bench.engine.memory import tune_allocator

RESULTS = Path(__file__).resolve().parent / "results"

# The benchmarks own their processes, as the command line does: chunks may keep freed memory for reuse
# (dti_bench.engine.memory); a library call never changes the allocator on its own.
tune_allocator()

# COINr's design averages min-max and z-score values geometrically, which the package flags (an arbitrary zero);
# the yardsticks time that design on purpose, so the warning would only repeat itself thousands of times
warnings.filterwarnings("ignore", category=MethodologyWarning)

#: The four-factor design of Y1/Y2: treatment, normalisation, aggregation, weight noise at two levels.
FOUR_FACTORS = [
    {"path": "treat", "choices": [{"method": "winsorise", "winmax": k} for k in range(1, 6)], "name": "winmax"},
    {"path": "normalise", "choices": [{"method": "minmax", "lo": 1, "hi": 100}, {"method": "zscore", "m": 10, "s": 2}],
     "name": "normalisation"},
    {"path": "aggregate.method", "choices": ["arithmetic", "geometric"], "name": "aggregation"},
    {"path": "weights", "noise": 0.25, "levels": [1, 2], "name": "weight noise"},
]
NOMINAL = parse_methodology({"normalise": {"method": "minmax", "lo": 1, "hi": 100}})


def _correlated(rng: np.random.Generator, units: int, k: int, rho: float = 0.5) -> np.ndarray:
    latent = rng.standard_normal((units, 1))
    return np.exp(0.5 * (np.sqrt(rho) * latent + np.sqrt(1 - rho) * rng.standard_normal((units, k))))


def asem_shape(seed: int = 51) -> tuple[Framework, Dataset]:
    """SYNTHETIC 51 x 49 index in four levels: 49 indicators -> 8 sub-pillars -> 2 pillars -> index."""
    rng = np.random.default_rng(seed)
    sizes = [5, 6, 7, 6, 7, 6, 6, 6]  # 49 indicators
    indicators, composites, start = [], [], 0
    for g, n in enumerate(sizes):
        kids = [f"i{start + j:02d}" for j in range(n)]
        indicators += [{"code": c, "direction": -1 if (start + j) % 7 == 3 else 1} for j, c in enumerate(kids)]
        composites.append({"code": f"sub{g}", "children": {c: float(rng.integers(1, 4)) for c in kids}})
        start += n
    composites.append({"code": "pillar_a", "children": {f"sub{g}": 1.0 for g in range(4)}})
    composites.append({"code": "pillar_b", "children": {f"sub{g}": 1.0 for g in range(4, 8)}})
    composites.append({"code": "index", "children": {"pillar_a": 1.0, "pillar_b": 1.0}})
    fw = Framework.from_dict({"name": "asem-shape-SYNTHETIC", "indicators": indicators, "composites": composites})
    values = _correlated(rng, 51, 49)
    values[rng.random(values.shape) < 0.03] = np.nan
    values[0] = np.where(np.isnan(values[0]), 1.0, values[0])  # no wholly missing column
    units = tuple(f"U{i:02d}" for i in range(51))
    return fw, Dataset("asem-shape-SYNTHETIC", units, units, fw.indicators, values, synthetic=True)


def dti_components() -> tuple[Framework, Dataset]:
    """The 63 x 98 DTI: bundled dti2022-synthetic-components, or a seeded SYNTHETIC stand-in of the same shape."""
    fw = io.load_framework("dti-provincial-2022-components")
    try:
        return fw, io.load_dataset("dti2022-synthetic-components", fw)
    except Exception:  # the bundled data not present: same shape, random values, said so in the name
        rng = np.random.default_rng(63)
        units = tuple(f"P{i:02d}" for i in range(63))
        return fw, Dataset("dti-shape-SYNTHETIC-random", units, units, fw.indicators,
                           np.clip(_correlated(rng, 63, 98) / 3, 0, 1), synthetic=True)


def flat(units: int, indicators: int, seed: int = 7, groups: int = 1) -> tuple[Framework, Dataset]:
    """SYNTHETIC units x indicators with one composite (groups = 1) or groups -> index."""
    rng = np.random.default_rng(seed)
    codes = [f"x{j:03d}" for j in range(indicators)]
    if groups == 1:
        composites = [{"code": "index", "children": codes}]
    else:
        per = indicators // groups
        composites = [{"code": f"g{g}", "children": codes[g * per:(g + 1) * per]} for g in range(groups)]
        composites.append({"code": "index", "children": [f"g{g}" for g in range(groups)]})
    fw = Framework.from_dict({"name": f"flat-{units}x{indicators}-SYNTHETIC", "indicators": codes,
                              "composites": composites})
    names = tuple(f"u{i:05d}" for i in range(units))
    return fw, Dataset(fw.name, names, names, fw.indicators, _correlated(rng, units, indicators), synthetic=True)


def factors(framework: Framework, spec=FOUR_FACTORS, nominal=NOMINAL):
    return parse_factors(spec, framework, nominal, "bench")


def repeat(fn: Callable[[], Any], repeats: int = 3) -> dict[str, float]:
    """Wall times of ``repeats`` calls: median, min, max (seconds)."""
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return {"median": statistics.median(times), "min": min(times), "max": max(times), "repeats": repeats}


def interleaved(jobs: dict[str, Callable[[], Any]], repeats: int = 5, warmup: bool = True) -> dict[str, list[float]]:
    """Wall times of every job, run in turn (A B C, A B C, ...) ``repeats`` times after one untimed warm-up round.

    Interleaving is what makes a ratio honest on a shared machine: a burst of load from elsewhere slows the
    jobs of one round alike, so the ratio taken within each round (:func:`paired_ratios`) barely moves, where
    blocks of repeats one job after another let the ratio follow the load.
    """
    if warmup:
        for fn in jobs.values():
            fn()
    times: dict[str, list[float]] = {name: [] for name in jobs}
    for _ in range(repeats):
        for name, fn in jobs.items():
            t = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - t)
    return times


def paired_ratios(times: dict[str, list[float]], work: dict[str, float], faster: str, slower: str) -> dict[str, float]:
    """Rate of ``faster`` over rate of ``slower``, round by round: median, min and max of the per-round ratios.

    ``work`` gives each job's amount of work (samples), so jobs of different sizes compare as rates.
    """
    ratios = [(work[faster] / tf) / (work[slower] / ts) for tf, ts in zip(times[faster], times[slower])]
    return {"median": statistics.median(ratios), "min": min(ratios), "max": max(ratios), "rounds": len(ratios)}


def rates(times: dict[str, list[float]], work: dict[str, float]) -> dict[str, dict[str, float]]:
    """Per job: work per second, median over rounds and the spread (slowest and fastest round)."""
    return {name: {"median": work[name] / statistics.median(t), "low": work[name] / max(t),
                   "high": work[name] / min(t), "rounds": len(t)} for name, t in times.items()}


def rate(samples: int, timing: dict[str, float]) -> dict[str, float]:
    """Samples per second from a timing: median, and the spread (from the slowest and fastest repeat)."""
    return {"median": samples / timing["median"], "low": samples / timing["max"], "high": samples / timing["min"]}


def machine() -> dict[str, Any]:
    from threadpoolctl import threadpool_info

    return {"python": sys.version.split()[0], "numpy": np.__version__, "platform": platform.platform(),
            "processor": platform.processor() or platform.machine(), "cpus": os.cpu_count(),
            "blas": [{k: i.get(k) for k in ("internal_api", "version", "architecture", "num_threads")}
                     for i in threadpool_info() if i.get("user_api") == "blas"],
            "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE")}


def save(name: str, result: dict[str, Any]) -> Path:
    """bench/results/<name>.json, written to a temporary file and renamed."""
    RESULTS.mkdir(exist_ok=True)
    result = {"benchmark": name, "measured": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "machine": machine(),
              **result}
    fd, tmp = tempfile.mkstemp(dir=RESULTS, suffix=".tmp")
    with os.fdopen(fd, "w") as fh:
        json.dump(result, fh, indent=2, default=float)
        fh.write("\n")
    path = RESULTS / f"{name}.json"
    os.replace(tmp, path)
    return path


def table(rows: list[tuple[str, ...]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths)) for r in rows)
