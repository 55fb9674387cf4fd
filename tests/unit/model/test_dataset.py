"""The dataset model and its loaders: errors name the file, row and column."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dti_bench import io
from dti_bench.model.dataset import Dataset
from dti_bench.errors import DataError


def test_coinr_idata_with_groups_and_denominators(example_framework, example_data):
    ds = example_data
    assert ds.units[:2] == ("AAA", "BBB") and ds.unit_names[0] == "Alpha"
    assert ds.indicators == example_framework.indicators
    assert ds.groups["Region"].tolist()[:3] == ["North", "North", "South"]
    assert ds.denominators["Population"].tolist()[0] == 1200.0
    assert np.isnan(ds.values[ds.unit_index("CCC"), ds.indicators.index("Exports")])  # blank cell = missing
    assert not ds.values.flags.writeable


def write(tmp_path, text, name="d.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("text, message", [
    ("uCode,uName,Region,Population,GDPpc,Exports,Unemp,LifeExp,Literacy,Crime\n"
     "A,a,N,1,1,2,3,4,5,6\nB,b,N,1,1,2,abc,4,5,6\n", r"row 3, column 'Unemp': non-numeric cell 'abc'"),
    ("uCode,uName,Region,Population,GDPpc,Exports,Unemp,LifeExp,Literacy,Crime\n"
     "A,a,N,1,1,2,3,4,5,6\nA,b,N,1,1,2,3,4,5,6\n", r"row 3, column 'uCode': duplicate unit code 'A' \(first at row 2\)"),
    ("uCode,uName,Region,Population,GDPpc,Exports,Unemp,LifeExp,Literacy\nA,a,N,1,1,2,3,4,5\n",
     r"indicator 'Crime' of framework 'example_iMeta' is missing"),
    ("uCode,uName,Region,Population,GDPpc,Exports,Unemp,LifeExp,Literacy,Crime,Extra\nA,a,N,1,1,2,3,4,5,6,7\n",
     r"unknown column 'Extra'"),
    ("code,uName,Region,Population,GDPpc,Exports,Unemp,LifeExp,Literacy,Crime\nA,a,N,1,1,2,3,4,5,6\n",
     r"no unit column 'uCode'"),
    ("", r"the file is empty"),
    ('uCode,uName\n"A,a\n', r"malformed CSV"),
])
def test_bad_tables_name_file_row_and_column(tmp_path, example_framework, text, message):
    path = write(tmp_path, text)
    with pytest.raises(DataError, match=message) as err:
        io.load_idata(path, example_framework)
    assert str(path) in str(err.value)


def test_missing_file(tmp_path, example_framework):
    with pytest.raises(DataError, match="no such file"):
        io.load_idata(tmp_path / "nope.csv", example_framework)


def test_missing_marks_are_nan_and_time_reserved(tmp_path):
    from dti_bench.model.framework import Framework

    fw = Framework.from_dict({"name": "f", "indicators": ["a", "b"], "composites": [{"code": "I", "children": ["a", "b"]}]})
    path = write(tmp_path, "uCode,Time,a,b\nX,2022,NA,1\nY,2022,2,\n")
    ds = io.load_idata(path, fw, name_column=None)
    assert np.isnan(ds.values[0, 0]) and np.isnan(ds.values[1, 1]) and ds.unit_names == ("X", "Y")
    path2 = write(tmp_path, "uCode,Time,a,b\nX,2021,1,1\nY,2022,2,2\n", "t.csv")
    with pytest.raises(DataError, match="'Time' has 2 values"):
        io.load_idata(path2, fw, name_column=None)


def test_dataset_copies_and_validates_values():
    raw = np.array([[1.0, 2.0]])
    ds = Dataset("d", ("u",), ("U",), ("a", "b"), raw)
    raw[0, 0] = 99
    assert ds.values[0, 0] == 1.0
    with pytest.raises(DataError, match="infinite value at unit 'u', column 'b'"):
        Dataset("d", ("u",), ("U",), ("a", "b"), np.array([[1.0, np.inf]]))
    with pytest.raises(DataError, match="duplicate unit code 'u'"):
        Dataset("d", ("u", "u"), ("U", "U"), ("a",), np.zeros((2, 1)))


def test_select_and_take_units(example_data):
    ds = example_data.select(["Crime", "GDPpc"])
    assert ds.indicators == ("Crime", "GDPpc") and ds.values[0].tolist() == [1.2, 42000.0]
    sub = example_data.take_units(["HHH", "AAA"])
    assert sub.units == ("HHH", "AAA") and sub.groups["Region"].tolist() == ["West", "North"]
    with pytest.raises(DataError, match="unknown unit 'ZZZ'"):
        example_data.take_units(["ZZZ"])


def test_idata_round_trip(example_data, example_framework):
    table = example_data.to_idata().astype(object)
    again = Dataset.from_frame(pd.DataFrame(table), framework=example_framework)
    assert np.array_equal(again.values, example_data.values, equal_nan=True)
