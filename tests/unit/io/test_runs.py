"""The one run-folder reader: the framework the run stored, its headline, names, tables; errors that name the
folder."""

from __future__ import annotations

import json

import pandas as pd
import pytest

import dti_bench as db
from dti_bench.errors import DataError
from dti_bench.io.runs import RunReader


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    study = db.Study.from_config({"name": "years", "data": {"dataset": "dti2022-synthetic",
                                                           "framework": "dti-method-change"},
                                  "analyses": {"grid": {"weights": ["nominal", "equal"]}}})
    return study.save(tmp_path_factory.mktemp("runs"), figures="none", report=False)


def test_the_reader_uses_the_stored_framework(folder):
    run = RunReader(folder)
    assert (folder / "framework.yaml").is_file()
    assert run.framework.name == "dti-method-change" and run.headline == "DTI"  # not the last column's node
    assert run.composites()[-1] != "DTI"
    assert run.names()["hai_phong"] == "Hải Phòng"
    assert run.has("grid.csv") and not run.has("uncertainty.csv")
    assert all(isinstance(u, str) for u in run.table("ranks.csv")["unit"]) and run.table("nope.csv") is None
    assert run.synthetic and run.manifest["methodology_source"] == "official"


def test_an_old_folder_without_framework_yaml_still_finds_its_headline(folder, tmp_path):
    import shutil

    copy = shutil.copytree(folder, tmp_path / "old")
    (copy / "framework.yaml").unlink()
    run = RunReader(copy)
    assert run.framework is not None and run.headline == "DTI"


@pytest.mark.parametrize("make, message", [
    (lambda p: p / "missing", "no such folder"),
    (lambda p: (p / "file.txt").write_text("x") and p / "file.txt", "not a folder"),
    (lambda p: p, "not a run folder \\(no manifest.json\\)"),
    (lambda p: (p / "manifest.json").write_text("{oops") and p, "manifest.json: invalid JSON"),
])
def test_errors_name_the_folder(tmp_path, make, message):
    with pytest.raises(DataError, match=message):
        RunReader(make(tmp_path))


def test_the_manifest_says_where_the_methodology_came_from(folder):
    manifest = json.loads((folder / "manifest.json").read_text())
    assert "official methodology" in manifest["methodology_note"] and "922" in manifest["methodology_note"]


def test_rank_frequency_reads_the_long_table_and_the_wide_one_of_earlier_runs(tmp_path):
    study = db.Study.from_config({"name": "mc", "data": {"dataset": "dti2022-published-profiles"},
                                  "analyses": {"uncertainty": {"samples": 60, "factors": [
                                      {"path": "weights", "noise": 0.3}]}},
                                  "output": {"figures": "none", "report": False}})
    folder = study.save(tmp_path / "new")
    run = RunReader(folder)
    long = run.rank_frequency()
    assert long.columns.tolist() == ["unit", "rank_lo", "rank_hi", "count", "share"]
    assert (long["count"] > 0).all() and (long.groupby("unit")["count"].sum() == 60).all()
    assert run.outputs["uncertainty"]["rank_bin_width"] == 1
    # the same shares written wide, as runs before the long format did: unit, rank_1 ... rank_n
    units = list(pd.unique(long["unit"]))
    wide = pd.DataFrame(0.0, index=units, columns=[f"rank_{r}" for r in range(1, len(units) + 1)])
    for row in long.itertuples():
        wide.loc[row.unit, f"rank_{row.rank_lo}"] = row.share
    wide.index.name = "unit"
    wide.reset_index().to_csv(folder / "rank_frequency.csv", index=False)
    old = RunReader(folder).rank_frequency()
    assert old.columns.tolist() == long.columns.tolist() and old["count"].isna().all()
    pd.testing.assert_frame_equal(old.drop(columns="count"), long.drop(columns="count"), check_dtype=False)
    (folder / "rank_frequency.csv").unlink()
    assert RunReader(folder).rank_frequency() is None
