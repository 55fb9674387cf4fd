"""Same config and seed give byte-identical CSVs, whatever the chunk size; the manifest says how to rerun."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from dti_bench.experiment import run

REPO = Path(__file__).resolve().parents[2]


def small_config(tmp_path, chunk):
    cfg = yaml.safe_load((REPO / "configs" / "coinr-example.yaml").read_text())
    cfg["data"] = {"indicators": str(REPO / "configs/examples/example_iData.csv"),
                   "framework": str(REPO / "configs/examples/example_iMeta.csv")}
    cfg["analyses"]["uncertainty"]["samples"] = 700
    cfg["analyses"]["uncertainty"]["chunk_size"] = chunk
    cfg["analyses"]["sensitivity"]["samples"] = 64
    cfg["analyses"]["sensitivity"]["target"] = None
    cfg["analyses"]["importance"]["n_boot"] = 20
    path = tmp_path / f"c{chunk}.yaml"
    path.write_text(yaml.safe_dump(cfg))
    return path


@pytest.mark.slow
def test_same_config_and_seed_give_identical_files(tmp_path):
    a = run(small_config(tmp_path, 100), out=tmp_path / "a", quiet=True)
    b = run(small_config(tmp_path, 100), out=tmp_path / "b", quiet=True)
    c = run(small_config(tmp_path, 333), out=tmp_path / "c", quiet=True)  # another chunk size
    csvs = sorted(p.relative_to(a) for p in a.rglob("*.csv"))
    assert len(csvs) > 10
    for rel in csvs:
        assert (a / rel).read_bytes() == (b / rel).read_bytes(), rel
        if "chunk" not in rel.name:
            assert (a / rel).read_bytes() == (c / rel).read_bytes(), rel
    manifest = json.loads((a / "manifest.json").read_text())
    assert manifest["config_hash"] == json.loads((b / "manifest.json").read_text())["config_hash"]
    assert manifest["outputs"]["uncertainty"]["seed"] == 1 and manifest["data_hash"]


@pytest.mark.slow
def test_seed_override_changes_the_draws(tmp_path):
    a = run(small_config(tmp_path, 100), out=tmp_path / "a", quiet=True)
    b = run(small_config(tmp_path, 100), out=tmp_path / "b", quiet=True, seed=99)
    assert (a / "uncertainty.csv").read_bytes() != (b / "uncertainty.csv").read_bytes()
    assert json.loads((b / "manifest.json").read_text())["outputs"]["uncertainty"]["seed"] == 99
