"""Y7 — the command line end to end: what a user waits for, against the analyses' own time.

A user does not call the engine; they run ``dti-bench run CONFIG``. Each measurement here is one cold process
(imports, config parsing, loading, the analyses, the run folder, figures and report as configured), timed from
outside: wall time, and CPU time of the child (user + system, from ``resource.getrusage(RUSAGE_CHILDREN)``),
beside the analyses' own time from the run's ``manifest.json`` (``timings_s``).

- **COINr's sizes**: the uncertainty analysis of COINr's ASEM sensitivity example (the four factors of Y1 on the
  SYNTHETIC 51 x 49 ASEM-shaped index, written as iData/iMeta CSVs) at N = 100 and 300, figures and report off.
  COINr's ``get_sensitivity`` takes about 42 s of CPU at N = 300 (issue 17's side-by-side measurement; R and
  COINr cannot be installed on this machine, so that figure is quoted, not re-measured).
- **The default config** (``make run``: configs/dti2022.yaml) with its default outputs.
- ``--all``: every bundled config once (the case studies need $DTI_BENCH_DATA; skipped without it).

Runs are interleaved (one of each, then again) so load from elsewhere hits them alike. Targets: total within 2x
of the analyses' time on every bundled config; COINr's N = 300 run under 1.5 s of CPU (>= 25x COINr).
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from common import FOUR_FACTORS, asem_shape, save, table

ROOT = Path(__file__).resolve().parent.parent
#: COINr's CPU time for the N = 300 ASEM uncertainty analysis, as measured side by side for issue 17 (seconds).
COINR_N300_CPU_S = 42.0
#: The manifest's phases that are not analyses.
NOT_ANALYSES = {"prepare", "figures", "report", "total", "load", "write"}


def dti_bench() -> list[str]:
    """The console script beside this interpreter (the venv's), else ``python -m dti_bench``."""
    script = Path(sys.executable).with_name("dti-bench")
    return [str(script)] if script.exists() else [sys.executable, "-m", "dti_bench"]


def asem_config(folder: Path, samples: int) -> Path:
    """The ASEM-shaped uncertainty run as a user would write it: iData/iMeta CSVs and a config, figures off."""
    fw, ds = asem_shape()
    meta = fw.to_imeta()
    meta.to_csv(folder / "asem_iMeta.csv", index=False)
    import pandas as pd

    data = pd.DataFrame(ds.values, columns=list(fw.indicators))
    data.insert(0, "uName", list(ds.unit_names))
    data.insert(0, "uCode", list(ds.units))
    data.to_csv(folder / "asem_iData.csv", index=False)
    config = {"name": f"asem-shape-n{samples}", "description": "SYNTHETIC ASEM-shaped index, COINr's UA design",
              "data": {"indicators": "asem_iData.csv", "framework": "asem_iMeta.csv"},
              "methodology": {"normalise": {"method": "minmax", "lo": 1, "hi": 100}},
              "analyses": {"uncertainty": {"samples": samples, "seed": 1, "factors": FOUR_FACTORS}},
              "output": {"figures": "none", "report": False}}
    path = folder / f"asem-n{samples}.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


def run_once(config: Path, out: Path, extra: list[str] = ()) -> dict:
    """One cold ``dti-bench run``: wall and CPU seconds, and the manifest's phase times."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    done = subprocess.run([*dti_bench(), "run", str(config), "--out", str(out), "--quiet", *extra],
                          capture_output=True, text=True, env={**os.environ, "PYTHONHASHSEED": "0"})
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{config}: dti-bench run failed ({done.returncode}): {done.stderr.strip()[-500:]}")
    manifest, = out.glob("*/*/manifest.json")  # out/<config name>/<run id>/: one run per fresh folder
    timings = json.loads(manifest.read_text())["timings_s"]
    analyses = sum(v for k, v in timings.items() if k not in NOT_ANALYSES)
    return {"wall_s": wall, "cpu_s": (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime),
            "analyses_s": analyses, "figures_s": timings.get("figures", 0.0), "timings_s": timings}


def summarise(runs: list[dict]) -> dict:
    med = {k: statistics.median(r[k] for r in runs) for k in ("wall_s", "cpu_s", "analyses_s", "figures_s")}
    ratios = [r["wall_s"] / r["analyses_s"] if r["analyses_s"] > 0 else float("inf") for r in runs]
    return {**med, "min_wall_s": min(r["wall_s"] for r in runs), "min_cpu_s": min(r["cpu_s"] for r in runs),
            "total_over_analyses": statistics.median(ratios), "runs": runs}


def main(rounds: int = 3, all_configs: bool = False) -> dict:
    jobs: dict[str, Path] = {}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for n in (100, 300):
            jobs[f"COINr ASEM UA, N = {n} (SYNTHETIC, figures off)"] = asem_config(tmp, n)
        jobs["default config (configs/dti2022.yaml)"] = ROOT / "configs" / "dti2022.yaml"
        if all_configs:
            have_data = bool(os.environ.get("DTI_BENCH_DATA"))
            for path in sorted((ROOT / "configs").glob("*.yaml")):
                text = path.read_text()
                if "DTI_BENCH_DATA" in text and not have_data:
                    print(f"   skipped {path.name}: needs $DTI_BENCH_DATA")
                    continue
                jobs.setdefault(f"configs/{path.name}", path)
        results: dict[str, list[dict]] = {name: [] for name in jobs}
        for r in range(rounds if not all_configs else 1):
            for k, (name, config) in enumerate(jobs.items()):
                results[name].append(run_once(config, tmp / f"runs-{r}-{k}"))
    rows = {name: summarise(runs) for name, runs in results.items()}
    n300 = rows["COINr ASEM UA, N = 300 (SYNTHETIC, figures off)"]
    lines = [("run", "wall s", "CPU s", "analyses s", "figures s", "total/analyses")]
    for name, r in rows.items():
        lines.append((name, f"{r['wall_s']:.2f} (min {r['min_wall_s']:.2f})", f"{r['cpu_s']:.2f}",
                      f"{r['analyses_s']:.2f}", f"{r['figures_s']:.2f}", f"{r['total_over_analyses']:.1f}x"))
    print(f"Y7 dti-bench run, cold processes ({rounds if not all_configs else 1} interleaved rounds; medians)")
    print(table(lines))
    print(f"   COINr ASEM N = 300: {COINR_N300_CPU_S:.0f} s CPU (quoted) / dti-bench {n300['cpu_s']:.2f} s CPU = "
          f"{COINR_N300_CPU_S / n300['cpu_s']:.0f}x end to end")
    result = {"rows": rows, "coinr_n300_cpu_s_quoted": COINR_N300_CPU_S,
              "targets": {"n300_cpu_s_max": 1.5, "total_over_analyses_max": 2.0}}
    print(f"-> {save('y7_cli_all' if all_configs else 'y7_cli', result)}")
    return result


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    main(*(int(a) for a in args), all_configs="--all" in sys.argv)
