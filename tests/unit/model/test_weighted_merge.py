"""Weighted mergers (issue 16, item 8): merged value = Σ w x / Σ w over the former units with a present value, the
weight a denominator column of the data or a column of the merger table; hand-computed tables, the plain mean
unchanged, and one-line errors naming the unit."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import given, settings, strategies as st

from dti_bench import cli, io
from dti_bench.errors import ConfigError, DataError
from dti_bench.experiment import Study
from dti_bench.model.dataset import Dataset, merge_units

DATA = """\
uCode,uName,Region,population,area,x,y
A,Alpha,N,1,10,2,
B,Bravo,N,3,30,6,4
C,Charlie,S,2,5,,1
D,Delta,S,5,15,7,3
"""
MAPPING = {"AB": ["A", "B"], "CD": ["C", "D"]}
# By hand, population weights A 1, B 3, C 2, D 5 (a missing value drops its unit's weight from that indicator):
#   AB: x = (1*2 + 3*6)/(1 + 3) = 5        y = 4 (only B)
#   CD: x = 7 (only D)                      y = (2*1 + 5*3)/(2 + 5) = 17/7
BY_POPULATION = pd.DataFrame({"x": [5.0, 7.0], "y": [4.0, 17 / 7]}, index=["AB", "CD"])
# Area weights A 10, B 30, C 5, D 15:  AB: x = (20 + 180)/40 = 5, y = 4;  CD: x = 7, y = (5 + 45)/20 = 2.5
BY_AREA = pd.DataFrame({"x": [5.0, 7.0], "y": [4.0, 2.5]}, index=["AB", "CD"])
# The plain mean (the DTI 2024 rule): AB x = 4, y = 4; CD x = 7, y = 2
PLAIN = pd.DataFrame({"x": [4.0, 7.0], "y": [4.0, 2.0]}, index=["AB", "CD"])


@pytest.fixture
def data(tmp_path):
    (tmp_path / "iData.csv").write_text(DATA)
    return io.load_idata(tmp_path / "iData.csv", denominators=("population", "area"), groups=("Region",))


def frame(dataset: Dataset) -> pd.DataFrame:
    return dataset.frame().rename_axis(None)


def test_a_weighted_merger_by_a_data_column_matches_the_hand_table(data):
    merged = merge_units(data, MAPPING, weights="population")
    pd.testing.assert_frame_equal(frame(merged), BY_POPULATION, rtol=0, atol=1e-15)
    assert merged.unit_names == ("Alpha + Bravo", "Charlie + Delta")
    assert merged.group("Region").tolist() == ["N", "S"]  # grouped as the first former unit
    assert merged.meta["merge_weights"] == "merge weights 'population'"
    pd.testing.assert_frame_equal(frame(merge_units(data, MAPPING, weights="area")), BY_AREA, rtol=0, atol=1e-15)
    pd.testing.assert_frame_equal(frame(merge_units(data, MAPPING)), PLAIN, rtol=0, atol=0)


def test_weights_given_as_a_mapping_or_a_series(data):
    weights = {"A": 1, "B": 3, "C": 2, "D": 5}
    pd.testing.assert_frame_equal(frame(merge_units(data, MAPPING, weights=weights)), BY_POPULATION, rtol=0,
                                  atol=1e-15)
    series = pd.Series(weights, name="people")
    pd.testing.assert_frame_equal(frame(merge_units(data, MAPPING, weights=series)), BY_POPULATION, rtol=0,
                                  atol=1e-15)
    with pytest.raises(DataError, match=r"merge weights 'people': former unit 'D' \(merged into 'CD'\) has weight 0"):
        merge_units(data, MAPPING, weights=series.replace(5, 0))


@pytest.mark.parametrize("weights, message", [
    ({"A": 1, "B": 3, "C": 2}, r"merge weights: no weight for former unit 'D' \(merged into 'CD'\)"),
    ({"A": 1, "B": 0, "C": 2, "D": 5}, r"former unit 'B' \(merged into 'AB'\) has weight 0; every former unit needs"),
    ({"A": 1, "B": -3, "C": 2, "D": 5}, r"former unit 'B' \(merged into 'AB'\) has weight -3"),
    ({"A": 1, "B": 3, "C": np.nan, "D": 5}, r"former unit 'C' \(merged into 'CD'\) has a missing weight"),
    ({"A": 1, "B": 3, "C": np.inf, "D": 5}, r"former unit 'C' \(merged into 'CD'\) has weight inf"),
    ("Region", r"merge weights 'Region': 'Region' is a group column \(text\); a merger weight is a denominator"),
    ("x", r"'x' is an indicator; a merger weight is a denominator column of the data \(data.denominators, or Type "
          r"Denominator in iMeta; declared: 'population', 'area'\)"),
    ("pop", r"'pop' is not a column of dataset 'iData'"),
])
def test_bad_weights_are_refused_naming_the_unit_or_column(data, weights, message):
    with pytest.raises(DataError, match=message):
        merge_units(data, MAPPING, weights=weights)


def test_a_missing_weight_in_the_data_names_the_unit(tmp_path):
    (tmp_path / "iData.csv").write_text(DATA.replace("C,Charlie,S,2,", "C,Charlie,S,,"))
    data = io.load_idata(tmp_path / "iData.csv", denominators=("population", "area"), groups=("Region",))
    with pytest.raises(DataError, match=r"merge weights 'population': former unit 'C' \(merged into 'CD'\) has a "
                                        r"missing weight"):
        merge_units(data, MAPPING, weights="population")


present = st.floats(-1e6, 1e6, allow_nan=False) | st.just(np.nan)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(present, st.floats(1e-3, 1e3)), min_size=1, max_size=6), st.floats(1e-3, 1e3))
def test_weighted_merger_properties(rows, scale):
    values = np.array([[v] for v, _ in rows])
    weights = {f"u{i}": w for i, (_, w) in enumerate(rows)}
    data = Dataset("d", tuple(weights), tuple(weights), ("x",), values)
    mapping = {"M": list(weights)}
    merged = merge_units(data, mapping, weights=weights).values[0, 0]
    kept = values[~np.isnan(values[:, 0]), 0]
    if kept.size == 0:
        assert np.isnan(merged)
        return
    # a weighted mean of the present values: between their least and greatest
    assert kept.min() - 1e-9 * max(1.0, abs(kept.min())) <= merged <= kept.max() + 1e-9 * max(1.0, abs(kept.max()))
    # only the weights' ratios matter
    rescaled = merge_units(data, mapping, weights={k: w * scale for k, w in weights.items()}).values[0, 0]
    assert rescaled == pytest.approx(merged, rel=1e-9, abs=1e-6)
    # equal weights of one are the plain mean, bit for bit (the published DTI 2024 rule is unchanged)
    ones = merge_units(data, mapping, weights={k: 1.0 for k in weights}).values[0, 0]
    assert ones == merge_units(data, mapping).values[0, 0]


# -- through a config ---------------------------------------------------------------------------------------------

# area is in the data but not declared (an "Other" column would do as well): the merger table's area is the one used
IMETA = """\
iCode,Parent,Weight,Type
x,Index,1,Indicator
y,Index,3,Indicator
Index,,,Aggregate
Region,,,Group
population,,,Denominator
area,,,Other
"""
MERGERS_CSV = """\
unit,former_unit,area,note
AB,A,10,merged 2025
AB,B,30,
CD,C,5,
CD,D,15,
"""
PLAIN_INDEX = {"methodology": {"normalise": "none", "weights": "nominal", "aggregate": "arithmetic"}}


@pytest.fixture
def folder(tmp_path):
    (tmp_path / "iData.csv").write_text(DATA)
    (tmp_path / "iMeta.csv").write_text(IMETA)
    (tmp_path / "mergers.csv").write_text(MERGERS_CSV)
    (tmp_path / "mergers.yaml").write_text(yaml.safe_dump({"units": MAPPING}))
    return tmp_path


def study(folder, merge, name="c.yaml") -> Study:
    path = folder / name
    path.write_text(yaml.safe_dump({"name": "m", "data": {"indicators": "iData.csv", "framework": "iMeta.csv",
                                                          "merge": merge}, **PLAIN_INDEX}))
    return Study.from_config(path)


@pytest.mark.parametrize("merge, expected", [
    ({"table": "mergers.csv", "weights": "area"}, BY_AREA),          # a column of the merger table
    ({"table": "mergers.yaml", "weights": "population"}, BY_POPULATION),  # a denominator column of the data
    ({"table": "mergers.csv", "weights": "population"}, BY_POPULATION),
    ("mergers.yaml", PLAIN),                                          # a file in the plain form: the plain mean
    ({"table": "mergers.csv"}, PLAIN),
])
def test_a_config_merges_by_the_weights_it_names(folder, merge, expected):
    s = study(folder, merge)
    pd.testing.assert_frame_equal(s.dataset.frame().rename_axis(None), expected, rtol=0, atol=1e-15)
    # the index is then built on the merged units as usual: Index = (x + 3 y)/4 with no normalisation
    index = (expected["x"] + 3 * expected["y"]) / 4
    np.testing.assert_allclose(s.nominal.scores["Index"].to_numpy(), index.to_numpy(), rtol=0, atol=1e-15)
    assert s.resolved_config()["data"]["merge"] == merge  # recorded as written


def test_a_column_in_both_the_table_and_the_data_is_ambiguous(folder):
    (folder / "both.csv").write_text(MERGERS_CSV.replace(",area,", ",population,"))
    with pytest.raises(ConfigError, match=r"data.merge.weights: 'population' is a column of both the merger table "
                                          r"and the data; rename one of them"):
        study(folder, {"table": "both.csv", "weights": "population"})


@pytest.mark.parametrize("merge, table, needles", [
    ({"table": "t.csv", "weights": "area"}, MERGERS_CSV.replace("CD,D,15", "CD,D,0"),
     ["merge weights 'area': former unit 'D' (merged into 'CD') has weight 0"]),
    ({"table": "t.csv", "weights": "area"}, MERGERS_CSV.replace("CD,C,5", "CD,C,"),
     ["merge weights 'area': former unit 'C' (merged into 'CD') has a missing weight"]),
    ({"table": "t.csv", "weights": "area"}, MERGERS_CSV.replace("CD,C,5", "CD,C,five"),
     ["t.csv: row 4, column 'area': non-numeric cell 'five'"]),
    ({"table": "t.csv", "weights": "note"}, MERGERS_CSV,
     ["t.csv: row 2, column 'note': non-numeric cell 'merged 2025'"]),
    ({"table": "t.csv", "weights": "people"}, MERGERS_CSV,
     ["merge weights 'people': 'people' is not a column of dataset"]),
    ({"table": "t.csv", "weights": "Region"}, MERGERS_CSV, ["'Region' is a group column (text)"]),
    ({"table": "t.csv"}, MERGERS_CSV.replace("CD,D,15", "CD,A,15"),
     ["t.csv: row 5: former unit 'A' is already merged at row 2"]),
    ({"table": "t.csv"}, MERGERS_CSV.replace("former_unit", "old"),
     ["t.csv: a merger table needs columns 'unit' (the merged unit) and 'former_unit'"]),
    ({"table": "t.csv"}, MERGERS_CSV.replace("CD,D,15", "CD,E,15"), ["unknown unit 'E'"]),
    ({"table": "t.yaml"}, "units: [A, B]\n", ["t.yaml: a merger table needs 'units:'"]),
    ({"table": "nope.yaml"}, None, ["nope.yaml: no such file"]),
    ({"table": "mergers-2024"}, None, ["data.merge: unknown merger table 'mergers-2024'; valid choices: "
                                       "'mergers-2025'"]),
    ({"table": "t.csv", "by": "area"}, MERGERS_CSV, ["data.merge: unknown key 'by'; valid keys: 'table', 'weights'"]),
    ({"weights": "area"}, MERGERS_CSV, ["data.merge.table: expected a bundled merger table or a file"]),
    ({"table": "t.csv", "weights": ["area"]}, MERGERS_CSV, ["data.merge.weights: expected a column name"]),
])
def test_each_misuse_is_one_line_for_validate_and_run(folder, capsys, merge, table, needles):
    if table is not None:
        (folder / merge.get("table", "t.csv")).write_text(table)
    path = folder / "c.yaml"
    path.write_text(yaml.safe_dump({"name": "m", "data": {"indicators": "iData.csv", "framework": "iMeta.csv",
                                                          "merge": merge}, **PLAIN_INDEX}))
    for command in (["validate", path], ["run", path, "--out", folder / "out", "--quiet"]):
        code = cli.main([str(a) for a in command])
        err = capsys.readouterr().err.strip().splitlines()
        assert code == 2 and len(err) == 1, err
        for needle in needles:
            assert needle in err[0], (needle, err[0])
    assert not (folder / "out").exists() or not any((folder / "out").rglob("*.csv"))


def test_the_bundled_table_by_name_is_unchanged():
    # `merge: NAME` still reads the bundled table, and merges by the plain mean
    s = Study.from_config({"name": "m", "data": {"dataset": "dti2022-synthetic", "merge": "mergers-2025"}})
    assert len(s.dataset.units) == 34 and s.dataset.name == "dti2022-synthetic-merged-mergers-2025"
    assert "merge_weights" not in s.dataset.meta
