"""A run folder's numbers as a digest: what the test of unchanged run folders compares.

Every CSV is digested from its values (numbers at 10 significant digits, the precision run folders were written
with when the restructuring started, so a later change of float format alone does not count as a change; the
``synthetic`` mark column left out), the
manifest without what legitimately differs from run to run (ids, commit, paths, timings, platform, the config
hash, figure lists). ``python tests/acceptance/run_digest.py --why "REASON" CONFIG_NAME ...`` rewrites the
golden digests in ``tests/data/golden/`` from the current code: do that only for a change of numbers you mean, and
say why (in ``--why``, recorded in the digest, and in the commit).
"""

from __future__ import annotations

import hashlib
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd

REPO = Path(__file__).resolve().parents[2]
GOLDEN = REPO / "tests" / "data" / "golden"
#: Manifest keys that differ between two runs of the same config and code.
VOLATILE_MANIFEST = {"run_id", "git_commit", "config_path", "timings_s", "platform", "version", "config_hash"}
#: Per-analysis manifest keys that are measurements of the machine, not results.
VOLATILE_OUTPUT = {"wall_s", "samples_per_s"}


#: The column every CSV of a synthetic run gained after the digests were taken (a mark, not a number).
MARK_COLUMNS = ("synthetic",)


def canonical_csv(path: Path) -> str:
    frame = pd.read_csv(path, keep_default_na=False, dtype=str)
    frame = frame.drop(columns=[c for c in MARK_COLUMNS if c in frame.columns])
    columns = []
    for col in frame.columns:
        cells = []
        for v in frame[col]:
            try:
                cells.append("%.10g" % float(v))
            except ValueError:
                cells.append(v)
        columns.append((col, cells))
    return hashlib.sha256(json.dumps(columns, ensure_ascii=False).encode()).hexdigest()


def clean_manifest(manifest: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in manifest.items() if k not in VOLATILE_MANIFEST}
    outputs = {k: v for k, v in (out.get("outputs") or {}).items() if k != "figures"}
    out["outputs"] = {k: ({a: b for a, b in v.items() if a not in VOLATILE_OUTPUT} if isinstance(v, dict) else v)
                      for k, v in outputs.items()}
    return out


def digest(folder: Path) -> dict[str, Any]:
    """File name -> digest (CSV and npz) or the cleaned manifest; figures, report and config left out."""
    files: dict[str, Any] = {}
    for p in sorted(Path(folder).rglob("*")):
        rel = str(p.relative_to(folder))
        if p.is_dir() or rel.startswith("figures") or rel in ("report.html", "config.yaml", "framework.yaml"):
            continue
        if p.suffix == ".csv":
            files[rel] = canonical_csv(p)
        elif rel == "manifest.json":
            files[rel] = clean_manifest(json.loads(p.read_text(encoding="utf-8")))
        else:
            files[rel] = hashlib.sha256(p.read_bytes()).hexdigest()
    return files


def run_digest(config: Path, out: Path) -> dict[str, Any]:
    """Run a config with figures and report off (they are not numbers) and digest its folder."""
    from dti_bench.experiment import Study

    folder = Study.from_config(config).save(out, figures="none", report=False)
    return digest(folder)


def contained(old: Any, new: Any, where: str = "") -> list[str]:
    """Where ``new`` differs from ``old``; mappings may gain keys (a manifest may record more than it did)."""
    if isinstance(old, dict) and isinstance(new, dict):
        problems = []
        for key, value in old.items():
            if key not in new:
                problems.append(f"{where}.{key}: missing")
            else:
                problems += contained(value, new[key], f"{where}.{key}")
        return problems
    return [] if old == new else [f"{where}: {str(old)[:120]} != {str(new)[:120]}"]


if __name__ == "__main__":
    # python tests/acceptance/run_digest.py --why "what changed the numbers" CONFIG_NAME ...
    args = sys.argv[1:]
    why = None
    if args[:1] == ["--why"]:
        why, args = args[1], args[2:]
    for name in args:
        with tempfile.TemporaryDirectory() as tmp:
            files = run_digest(REPO / "configs" / f"{name}.yaml", Path(tmp))
        path = GOLDEN / f"{name}.json"
        record = json.loads(path.read_text()) if path.exists() else {"config": f"configs/{name}.yaml"}
        if why:
            record.pop("base_commit", None)  # the numbers are no longer those of the restructuring's base
            record["recorded_for"] = why
        record["files"] = files
        path.write_text(json.dumps(record, indent=1, ensure_ascii=False, sort_keys=True) + "\n")
        print(f"{path}: {len(files)} files")
