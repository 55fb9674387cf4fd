"""Cold start: what the ``dti-bench`` command costs before (and besides) any analysis.

Each command runs in a fresh interpreter (the console script, as a user types it), so every run pays the imports
again; the operating system's file cache is warm, and each tree's bytecode is compiled by one discarded warm-up
call of each command. Repeats are interleaved (help, version, validate, run, help, ... and, with two trees,
A B A B within each command) so that a change in the machine's load falls on every command and tree alike.

    cd bench && ../.venv/bin/python cold_start.py [REPEATS] [--full N]             # this checkout
    cd bench && ../.venv/bin/python cold_start.py 7 --tree before=/tmp/old --tree after=..   # two checkouts

Commands: ``--help``, ``--version``, ``validate configs/dti2022.yaml``, ``run`` of the same config without its
analyses (data, framework, methodology, nominal index, every table, manifest and report: the fixed cost of a run),
all REPEATS times; and the whole ``run configs/dti2022.yaml --figures none`` N times (default 2), beside the
analyses' own time from its manifest. Reported per command and tree: wall time and CPU time (user + system of the
child) as best and median, and from ``python -X importtime``: the cumulative import time of ``import
dti_bench.cli``, of ``python -m dti_bench --help`` and of ``validate`` (summed over the top-level imports: what
the interpreter spent importing), and which heavy modules (numpy, pandas, scipy.stats, scipy.optimize, SALib,
matplotlib, dask, tqdm) were imported at all. Writes bench/results/cold_start.json.
"""

from __future__ import annotations

import argparse
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

from common import save, table

HERE = Path(__file__).resolve().parent
CONFIG = "configs/dti2022.yaml"
#: The modules whose absence the cold-start work is about (tests/unit/test_cold_start.py checks the same list).
HEAVY = ("numpy", "pandas", "scipy.stats", "scipy.optimize", "SALib", "matplotlib", "dask", "tqdm")


def commands(out: str, no_analyses: str) -> dict[str, list[str]]:
    return {"help": ["--help"], "version": ["--version"], "validate": ["validate", CONFIG],
            "run, no analyses": ["run", no_analyses, "--figures", "none", "--quiet", "--out", out]}


def without_analyses(folder: Path) -> str:
    """configs/dti2022.yaml with its data and methodology but no analyses: what every run does besides them."""
    config = yaml.safe_load((HERE.parent / CONFIG).read_text(encoding="utf-8"))
    config = {"name": "dti2022-no-analyses", "data": config["data"], "methodology": config["methodology"]}
    path = folder / "dti2022-no-analyses.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return str(path)


def console_script() -> list[str]:
    """The installed ``dti-bench`` beside this interpreter (what a user runs), else ``python -m dti_bench``."""
    script = Path(sys.executable).with_name("dti-bench")
    return [sys.executable, str(script)] if script.exists() else [sys.executable, "-m", "dti_bench"]


def environment(tree: Path) -> dict[str, str]:
    # the tree first on the path, so that an editable install of another checkout does not answer instead; and
    # bytecode written, as an installed package has it (PYTHONDONTWRITEBYTECODE would compile every module anew)
    env = {**os.environ, "PYTHONPATH": str(tree), "OPENBLAS_NUM_THREADS": "1"}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def timed(argv: list[str], tree: Path) -> tuple[float, float]:
    """Wall and CPU seconds (user + system of the child) of one call, which must succeed."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(argv, cwd=tree, env=environment(tree), capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} in {tree} failed ({done.returncode}):\n{done.stderr}")
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def import_profile(argv: list[str], tree: Path) -> dict[str, object]:
    """Cumulative import time (ms, summed over top-level imports) and the heavy modules among those imported."""
    done = subprocess.run([sys.executable, "-X", "importtime", *argv], cwd=tree, env=environment(tree),
                          capture_output=True, text=True)
    total_us, names = 0, set()
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        _, cumulative, name = line[len("import time:"):].split("|")
        names.add(name.strip())
        if not name.startswith("  "):  # a top-level import: its cumulative time includes everything below it
            total_us += int(cumulative)
    # a package's own line can be missing (scipy loads its subpackages through a module __getattr__): any
    # submodule counts
    heavy = [m for m in HEAVY if any(n == m or n.startswith(m + ".") for n in names)]
    return {"import_ms": total_us / 1000, "modules": len(names), "heavy": heavy}


def summary(values: list[float]) -> dict[str, float]:
    return {"best": min(values), "median": statistics.median(values), "repeats": len(values)}


def latest_manifest(out: Path, name: str) -> dict[str, float]:
    folder = max((out / name).iterdir(), key=lambda p: p.stat().st_mtime)
    return json.loads((folder / "manifest.json").read_text())["timings_s"]


def main(repeats: int = 5, trees: dict[str, Path] | None = None, full: int = 2) -> dict[str, object]:
    trees = trees or {"this checkout": HERE.parent}
    script = console_script()
    wall: dict[tuple[str, str], list[float]] = {}
    cpu: dict[tuple[str, str], list[float]] = {}
    analyses: dict[str, list[float]] = {name: [] for name in trees}
    with tempfile.TemporaryDirectory(prefix="dti-bench-cold-") as tmp:
        argvs = commands(str(Path(tmp) / "runs"), without_analyses(Path(tmp)))
        for tree in trees.values():  # compile each tree's bytecode once, outside the measurement
            for argv in argvs.values():
                timed(script + argv, tree)
        for _ in range(repeats):
            for command, argv in argvs.items():
                for name, tree in trees.items():
                    w, c = timed(script + argv, tree)
                    wall.setdefault((command, name), []).append(w)
                    cpu.setdefault((command, name), []).append(c)
        whole = ["run", CONFIG, "--figures", "none", "--quiet", "--out", str(Path(tmp) / "full")]
        for _ in range(full):
            for name, tree in trees.items():
                w, c = timed(script + whole, tree)
                wall.setdefault(("run, whole config", name), []).append(w)
                cpu.setdefault(("run, whole config", name), []).append(c)
                timings = latest_manifest(Path(tmp) / "full", "dti2022")
                analyses[name].append(sum(v for k, v in timings.items()
                                          if k not in ("prepare", "nominal", "figures", "total")))
    imports = {name: {"import dti_bench.cli": import_profile(["-c", "import dti_bench.cli"], tree),
                      "-m dti_bench --help": import_profile(["-m", "dti_bench", "--help"], tree),
                      "-m dti_bench validate": import_profile(["-m", "dti_bench", "validate", CONFIG], tree)}
               for name, tree in trees.items()}

    rows = [("command", "tree", "wall best", "wall median", "CPU best", "CPU median")]
    for command, name in wall:
        w, c = summary(wall[command, name]), summary(cpu[command, name])
        rows.append((f"dti-bench {command}", name, f"{w['best']:.2f} s", f"{w['median']:.2f} s",
                     f"{c['best']:.2f} s", f"{c['median']:.2f} s"))
    print(f"Cold start: {repeats} interleaved repeats per command and tree, {full} of the whole run "
          f"(a fresh interpreter each):")
    print(table(rows))
    if full:
        print("The whole run's analyses (manifest timings_s, wall): "
              + "; ".join(f"{name} median {statistics.median(v):.2f} s" for name, v in analyses.items()))
    rows = [("imports", "tree", "cumulative", "modules", "heavy modules imported")]
    for name, profiles in imports.items():
        for what, p in profiles.items():
            rows.append((what, name, f"{p['import_ms']:.0f} ms", str(p["modules"]), ", ".join(p["heavy"]) or "none"))
    print(table(rows))
    result = {"repeats": repeats, "full_runs": full, "trees": {n: str(t) for n, t in trees.items()},
              "console_script": script, "load_average": os.getloadavg(),
              "wall_s": {f"{c} | {t}": summary(v) for (c, t), v in wall.items()},
              "cpu_s": {f"{c} | {t}": summary(v) for (c, t), v in cpu.items()},
              "analyses_s": {t: summary(v) for t, v in analyses.items() if v}, "imports": imports}
    print(f"-> {save('cold_start', result)}")
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("repeats", type=int, nargs="?", default=5)
    parser.add_argument("--full", type=int, default=2, help="repeats of the whole run (default 2)")
    parser.add_argument("--tree", action="append", default=[], metavar="NAME=DIR",
                        help="a checkout to measure (repeatable); default: this one")
    args = parser.parse_args()
    chosen = dict(t.split("=", 1) for t in args.tree)
    main(args.repeats, {n: Path(d).resolve() for n, d in chosen.items()} or None, args.full)
