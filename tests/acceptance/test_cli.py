"""The command line and the run folder: one-line errors with exit 2, complete folders, nothing overwritten."""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from dti_bench.cli import main

REPO = Path(__file__).resolve().parents[2]


def run_cli(*args):
    """The command line in this process (``cli.main``, from the repository root): exit code, stdout, stderr.

    In process, because a fresh interpreter per call costs seconds of imports; test_console_script is the one
    smoke test of the installed ``dti-bench`` script in a process of its own.
    """
    out, err, here = io.StringIO(), io.StringIO(), os.getcwd()
    os.chdir(REPO)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main([str(a) for a in args])
            except SystemExit as exit_:  # argparse's usage errors and --version
                code = exit_.code
    finally:
        os.chdir(here)
    return code, out.getvalue(), err.getvalue()


def write_config(tmp_path, body: dict) -> Path:
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump(body), encoding="utf-8")
    return path


EXAMPLE = {"indicators": str(REPO / "configs/examples/example_iData.csv"),
           "framework": str(REPO / "configs/examples/example_iMeta.csv")}


@pytest.mark.parametrize("body, needle", [
    ({"name": "x", "data": {"dataset": "nope"}}, "unknown dataset 'nope'; valid choices: "),
    ({"name": "x", "data": EXAMPLE, "methodology": {"normalise": "minmx"}}, "unknown method 'minmx'; valid choices"),
    ({"name": "x", "data": EXAMPLE, "bogus": 1}, "unknown key 'bogus'"),
    ({"name": "x", "data": {**EXAMPLE, "indicators": "/nonexistent/iData.csv"}}, "/nonexistent/iData.csv: no such file"),
    ({"name": "x", "data": {**EXAMPLE, "framework": "no-such-framework"}}, "unknown framework 'no-such-framework'"),
])
def test_user_errors_print_one_line_and_exit_2(tmp_path, body, needle):
    code, out, err = run_cli("run", write_config(tmp_path, body), "--out", tmp_path / "exp")
    assert code == 2, err
    assert needle in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert not (tmp_path / "exp" / "x").exists() or not any((tmp_path / "exp" / "x").iterdir())


def test_malformed_csv_and_yaml_exit_2(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text((REPO / "configs/examples/example_iData.csv").read_text().replace("4.1", "four"))
    code, _, err = run_cli("validate", write_config(tmp_path, {"name": "x", "data": {**EXAMPLE, "indicators": str(bad)}}))
    assert code == 2 and "row 2, column 'Unemp': non-numeric cell 'four'" in err and len(err.splitlines()) == 1
    broken = tmp_path / "broken.yaml"
    broken.write_text("name: x\ndata: [unclosed\n")
    code, _, err = run_cli("validate", broken)
    assert code == 2 and "invalid YAML" in err and str(broken) in err
    code, _, err = run_cli("validate", tmp_path / "missing.yaml")
    assert code == 2 and "no such file" in err


def test_bad_arguments_exit_2_on_one_line():
    code, _, err = run_cli("run")
    assert code == 2 and len(err.strip().splitlines()) == 1
    code, _, err = run_cli("frobnicate")
    assert code == 2 and "invalid choice" in err


@pytest.mark.slow
def test_run_writes_a_complete_folder_and_never_overwrites(tmp_path, capsys):
    cfg = write_config(tmp_path, {"name": "ex", "data": EXAMPLE,
                                  "methodology": {"normalise": {"method": "minmax", "lo": 1, "hi": 100}},
                                  "analyses": {"grid": {"aggregate": ["arithmetic", "geometric"]}}})
    assert main(["run", str(cfg), "--out", str(tmp_path / "exp"), "--seed", "3"]) == 0
    printed = capsys.readouterr().out
    assert main(["run", str(cfg), "--out", str(tmp_path / "exp"), "--quiet"]) == 0
    runs = sorted(p for p in (tmp_path / "exp" / "ex").iterdir() if not p.name.startswith("."))
    assert len(runs) == 2 and runs[0] != runs[1]
    assert not [p for p in (tmp_path / "exp" / "ex").iterdir() if p.name.startswith(".")]  # no temporary left
    folder = runs[0]
    assert str(folder) in printed and "Echo" in printed  # the summary names the top unit and the folder
    for name in ("config.yaml", "manifest.json", "scores.csv", "ranks.csv", "grid.csv"):
        assert (folder / name).is_file(), name
    scores = pd.read_csv(folder / "scores.csv")
    assert list(scores.columns) == ["unit", "Econ", "Social", "Index"] and len(scores) == 8
    ranks = pd.read_csv(folder / "ranks.csv")
    assert sorted(ranks["Index"]) == list(range(1, 9))
    grid = pd.read_csv(folder / "grid.csv")
    assert list(grid.columns) == ["unit", "variant", "node", "score", "rank"]
    assert set(grid["variant"]) == {"aggregate=arithmetic", "aggregate=geometric"}
    manifest = json.loads((folder / "manifest.json").read_text())
    for key in ("version", "git_commit", "config_hash", "data_hash", "seed", "timings_s", "platform"):
        assert key in manifest
    assert manifest["seed"] == 3
    resolved = yaml.safe_load((folder / "config.yaml").read_text())
    assert resolved["methodology"]["weights"] == "nominal"  # defaults filled in
    # the resolved config runs again to the same scores
    again = tmp_path / "again.yaml"
    shutil.copy(folder / "config.yaml", again)
    assert main(["run", str(again), "--out", str(tmp_path / "exp2"), "--quiet"]) == 0
    other = next(p for p in (tmp_path / "exp2" / "ex").iterdir())
    assert (other / "scores.csv").read_bytes() == (folder / "scores.csv").read_bytes()


@pytest.mark.slow
def test_grid_records_failed_variants_without_aborting(tmp_path):
    cfg = write_config(tmp_path, {"name": "g", "data": EXAMPLE, "analyses": {"grid": {"aggregate": ["arithmetic", "geometric"]}}})
    assert main(["run", str(cfg), "--out", str(tmp_path / "exp"), "--quiet"]) == 0
    folder = next((tmp_path / "exp" / "g").iterdir())
    grid = pd.read_csv(folder / "grid.csv")
    assert set(grid["variant"]) == {"aggregate=arithmetic"}  # min-max [0, 1] has zeros: geometric fails
    failed = json.loads((folder / "manifest.json").read_text())["outputs"]["grid"]["failed"]
    assert [f["variant"] for f in failed] == ["aggregate=geometric"] and "geometric mean met 0.0" in failed[0]["reason"]


def test_failed_run_leaves_no_folder(tmp_path):
    # geometric aggregation of min-max [0, 1] data meets a zero: a user error, and no run folder appears
    cfg = write_config(tmp_path, {"name": "bad", "data": EXAMPLE, "methodology": {"aggregate": "geometric"}})
    code, _, err = run_cli("run", cfg, "--out", tmp_path / "exp")
    assert code == 2 and "geometric mean met 0.0" in err and "ratio-scale normalisation" in err
    # the nominal index is computed before any folder is made, so nothing is left behind
    assert not (tmp_path / "exp" / "bad").exists()


def test_listing_commands():
    code, out, _ = run_cli("datasets")
    assert code == 0 and "dti2022-published-profiles" in out and "dti_provincial_2022" in out
    code, out, _ = run_cli("frameworks")
    assert code == 0 and "dti-provincial-2022: 8 indicators, 4 composites" in out


def test_bundled_configs_validate():
    for cfg in sorted((REPO / "configs").glob("*.yaml")):
        data = os.environ.get("DTI_BENCH_DATA")
        if "external:" in cfg.read_text() and not (data and Path(data).is_dir()):
            continue  # third-party case studies: tests/test_external.py covers them, skipped without the data
        code, out, err = run_cli("validate", cfg)
        assert code == 0, f"{cfg.name}: {err}"


def test_case_study_without_data_says_what_is_needed(monkeypatch):
    monkeypatch.delenv("DTI_BENCH_DATA", raising=False)
    code, _, err = run_cli("validate", REPO / "configs" / "pci.yaml")
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "DTI_BENCH_DATA" in err and "pcivietnam.vn" in err


def _console_script() -> str:
    """The installed ``dti-bench`` script: beside this interpreter (a venv), else on PATH."""
    beside = Path(sys.executable).with_name("dti-bench")
    found = str(beside) if beside.is_file() else shutil.which("dti-bench")
    assert found, "the dti-bench console script is not installed (pip install -e .)"
    return found


def test_console_script():
    # the one test of the installed entry point in a process of its own: pyproject's [project.scripts] resolves,
    # the package imports in a fresh interpreter, and --version prints the one version there is
    import dti_bench

    proc = subprocess.run([_console_script(), "--version"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == f"dti-bench {dti_bench.__version__}"

