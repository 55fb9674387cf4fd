"""COINr tables: read_coinr from files or DataFrames gives the same framework and dataset; unit codes from a column
or the index."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import dti_bench as db
from dti_bench.errors import DataError
from dti_bench.io import read_table

from conftest import EXAMPLES


def test_read_coinr_from_paths_and_from_dataframes_agree():
    fw_files, ds_files = db.read_coinr(EXAMPLES / "example_iData.csv", EXAMPLES / "example_iMeta.csv")
    idata = pd.read_csv(EXAMPLES / "example_iData.csv")
    imeta = pd.read_csv(EXAMPLES / "example_iMeta.csv")
    fw_frames, ds_frames = db.read_coinr(idata, imeta)
    assert fw_frames.nodes == fw_files.nodes and fw_frames.edges == fw_files.edges
    assert ds_frames.units == ds_files.units and ds_frames.indicators == ds_files.indicators
    np.testing.assert_array_equal(ds_frames.values, ds_files.values)
    # COINr's defaults as the framework's own methodology: min-max to [0, 100], arithmetic means
    a = db.compute_index(fw_files, ds_files).scores
    b = db.compute_index(fw_files, ds_files, {"normalise": {"method": "minmax", "lo": 0, "hi": 100}}).scores
    pd.testing.assert_frame_equal(a, b)


def test_dataset_from_a_frame_indexed_by_unit():
    fw = db.Framework.from_tree({"Index": ["a", "b"]})
    df = pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [3.0, np.nan, 1.0]}, index=pd.Index(["X", "Y", "Z"], name="unit"))
    ds = db.Dataset.from_frame(df, fw)
    assert ds.units == ("X", "Y", "Z") and ds.unit_names == ("X", "Y", "Z") and np.isnan(ds.values[1, 1])
    with pytest.raises(DataError, match="no unit column 'uCode'"):
        db.Dataset.from_frame(df.reset_index(drop=True), fw)  # a plain 0..n-1 index is no unit code
    with pytest.raises(DataError, match="indicator 'b' of framework"):
        db.Dataset.from_frame(df[["a"]], fw)


def test_load_dataset_takes_a_csv_path(tmp_path):
    ds = db.load_dataset(EXAMPLES / "example_iData.csv", db.load_framework(EXAMPLES / "example_iMeta.csv"))
    assert len(ds.units) == 8
    raw = read_table(EXAMPLES / "example_iData.csv")
    assert list(ds.units) == list(raw["uCode"])
