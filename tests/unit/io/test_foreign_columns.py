"""A publisher's tables with their own column names and Type values, read through a column and Type mapping
(issue 16, item 5): the same framework, dataset and scores as their COINr iMeta/iData equivalents, errors of one
line naming the file, the column or the row, and the mapping recorded in the resolved config as written."""

from __future__ import annotations

import string

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import given, settings, strategies as st

import dti_bench as db
from dti_bench import cli, io
from dti_bench.errors import ConfigError, DataError, FrameworkError
from dti_bench.experiment import Study
from dti_bench.model.columns import rename_columns

# A publisher's weights table: no Level column (levels follow the Parent chain), its own column names, its own
# Type values, and a column COINr does not know (Source, kept as metadata).
FOREIGN_WEIGHTS = """\
Abbreviation,Label,NextLevel,Share,Polarity,Category,Source
lit,Literacy,SOC,1,1,Issue,UNESCO
hom,Homicides,SOC,1,-1,Issue,UNODC
gdp,GDP,ECO,3,1,Issue,WB
exp,Exports,ECO,1,1,Issue,WB
SOC,Society,IDX,1,1,IssueCategory,
ECO,Economy,IDX,2,1,IssueCategory,
IDX,Index,,,1,Overall,
Region,Region,,,,Group,
"""
# ... and the same framework as COINr's iMeta says it.
COINR_IMETA = """\
iCode,iName,Level,Parent,Weight,Direction,Type,Source
lit,Literacy,1,SOC,1,1,Indicator,UNESCO
hom,Homicides,1,SOC,1,-1,Indicator,UNODC
gdp,GDP,1,ECO,3,1,Indicator,WB
exp,Exports,1,ECO,1,1,Indicator,WB
SOC,Society,2,IDX,1,1,Aggregate,
ECO,Economy,2,IDX,2,1,Aggregate,
IDX,Index,3,,,1,Aggregate,
Region,Region,,,,,Group,
"""
FRAMEWORK_COLUMNS = {"iCode": "Abbreviation", "iName": "Label", "Parent": "NextLevel", "Weight": "Share",
                     "Direction": "Polarity", "Type": "Category"}
TYPES = {"Issue": "Indicator", "IssueCategory": "Aggregate", "Overall": "Aggregate"}

# The publisher's data table: its unit columns named otherwise, a year column, and one indicator under a long header.
FOREIGN_DATA = """\
Country code,Country,Year,Region,lit,hom,GDP per capita (USD),exp
A,Alpha,2023,North,90,1,10,2
B,Bravo,2023,North,60,3,30,6
C,Charlie,2023,South,30,5,20,4
"""
COINR_DATA = """\
uCode,uName,Time,Region,lit,hom,gdp,exp
A,Alpha,2023,North,90,1,10,2
B,Bravo,2023,North,60,3,30,6
C,Charlie,2023,South,30,5,20,4
"""
DATA_COLUMNS = {"uCode": "Country code", "uName": "Country", "Time": "Year", "gdp": "GDP per capita (USD)"}
MINMAX = {"normalise": {"method": "minmax", "lo": 0, "hi": 1}, "weights": "nominal", "aggregate": "arithmetic"}

# By hand, min-max onto [0, 1] (hom flipped first: -1, -3, -5), then weighted arithmetic means:
#   lit 1, .5, 0   hom 1, .5, 0   gdp 0, 1, .5   exp 0, 1, .5
#   SOC = (lit + hom)/2 = 1, .5, 0;  ECO = (3 gdp + exp)/4 = 0, 1, .5;  IDX = (SOC + 2 ECO)/3 = 1/3, 5/6, 1/3
BY_HAND = pd.DataFrame({"SOC": [1.0, 0.5, 0.0], "ECO": [0.0, 1.0, 0.5], "IDX": [1 / 3, 5 / 6, 1 / 3]},
                       index=["A", "B", "C"])


@pytest.fixture
def tables(tmp_path):
    for name, text in (("weights.csv", FOREIGN_WEIGHTS), ("iMeta.csv", COINR_IMETA), ("data.csv", FOREIGN_DATA),
                       ("iData.csv", COINR_DATA)):
        (tmp_path / name).write_text(text)
    return tmp_path


def same_framework(a: db.Framework, b: db.Framework) -> None:
    assert a.nodes == b.nodes and a.edges == b.edges and a.headline == b.headline
    assert a.groups == b.groups == ("Region",)
    assert [a.level(c) for c in a.nodes] == [b.level(c) for c in b.nodes] == [1, 1, 1, 1, 2, 2, 3]
    for code in a.nodes:
        na, nb = a.node(code), b.node(code)
        assert (na.kind, na.name, na.direction, dict(na.extra)) == (nb.kind, nb.name, nb.direction, dict(nb.extra))


def test_a_foreign_weights_table_reads_as_its_imeta_equivalent(tables):
    foreign = io.load_framework(tables / "weights.csv", columns=FRAMEWORK_COLUMNS, types=TYPES)
    coinr = io.load_framework(tables / "iMeta.csv")
    same_framework(foreign, coinr)
    assert foreign.node("lit").extra["Source"] == "UNESCO"  # an unmapped column is kept as metadata
    # read_imeta on the file, and on the table in memory, read it alike
    same_framework(io.read_imeta(tables / "weights.csv", columns=FRAMEWORK_COLUMNS, types=TYPES), coinr)
    frame = pd.read_csv(tables / "weights.csv")
    same_framework(io.read_imeta(frame, columns=FRAMEWORK_COLUMNS, types=TYPES), coinr)


def test_foreign_tables_give_the_same_dataset_and_scores_as_coinr_ones(tables):
    fw, data = db.read_coinr(tables / "data.csv", tables / "weights.csv", columns={**FRAMEWORK_COLUMNS,
                                                                                     **DATA_COLUMNS}, types=TYPES)
    fw0, data0 = db.read_coinr(tables / "iData.csv", tables / "iMeta.csv")
    same_framework(fw, fw0)
    assert data.units == data0.units == ("A", "B", "C") and data.unit_names == ("Alpha", "Bravo", "Charlie")
    assert data.indicators == data0.indicators == ("lit", "hom", "gdp", "exp")
    np.testing.assert_array_equal(data.values, data0.values)
    pd.testing.assert_frame_equal(data.groups, data0.groups)
    scores = db.compute_index(fw, data, MINMAX).scores
    pd.testing.assert_frame_equal(scores, db.compute_index(fw0, data0, MINMAX).scores)
    pd.testing.assert_frame_equal(scores[["SOC", "ECO", "IDX"]], BY_HAND, check_names=False, rtol=0, atol=1e-15)


def config_of(folder, data) -> dict:
    return {"name": "foreign", "data": data, "methodology": MINMAX}


FOREIGN_BLOCK = {"indicators": {"path": "data.csv", "columns": DATA_COLUMNS},
                 "framework": {"path": "weights.csv", "columns": FRAMEWORK_COLUMNS, "types": TYPES}}


def test_a_config_reads_foreign_tables_and_records_the_mapping_as_written(tables):
    path = tables / "foreign.yaml"
    path.write_text(yaml.safe_dump(config_of(tables, FOREIGN_BLOCK), sort_keys=False))
    study = Study.from_config(path)
    coinr = tables / "coinr.yaml"
    coinr.write_text(yaml.safe_dump(config_of(tables, {"indicators": "iData.csv", "framework": "iMeta.csv"})))
    pd.testing.assert_frame_equal(study.nominal.scores, Study.from_config(coinr).nominal.scores)
    pd.testing.assert_frame_equal(study.nominal.scores[["SOC", "ECO", "IDX"]], BY_HAND, check_names=False, rtol=0,
                                  atol=1e-15)
    resolved = study.resolved_config()["data"]
    assert resolved["framework"] == FOREIGN_BLOCK["framework"] and resolved["indicators"] == FOREIGN_BLOCK["indicators"]
    # the resolved config runs as it is, to the same numbers
    again = tables / "again.yaml"
    again.write_text(yaml.safe_dump(study.resolved_config(), sort_keys=False))
    pd.testing.assert_frame_equal(Study.from_config(again).nominal.scores, study.nominal.scores)


def test_a_level_column_under_another_name_is_read_and_checked(tables):
    text = COINR_IMETA.replace("iCode,iName,Level,", "iCode,iName,Tier,")
    (tables / "tiers.csv").write_text(text)
    fw = io.load_framework(tables / "tiers.csv", columns={"Level": "Tier"})
    assert [fw.level(c) for c in fw.nodes] == [1, 1, 1, 1, 2, 2, 3]
    (tables / "bad_tiers.csv").write_text(text.replace("SOC,Society,2,", "SOC,Society,1,"))
    with pytest.raises(Exception, match="must sit below its parent 'SOC'"):
        io.load_framework(tables / "bad_tiers.csv", columns={"Level": "Tier"})


@pytest.mark.parametrize("change, error, needles", [
    # a mapped column the file does not have: the file, the column, and the columns the file has
    (lambda b: b["framework"]["columns"].update(Weight="Shares"), DataError,
     ["weights.csv", "Weight is mapped to column 'Shares'", "its columns: 'Abbreviation', 'Label'"]),
    (lambda b: b["indicators"]["columns"].update(uName="Nation"), DataError,
     ["data.csv", "uName is mapped to column 'Nation'", "'Country code'"]),
    # a mapping key that is not an iMeta column, or not an iData column nor a framework code
    (lambda b: b["framework"]["columns"].update(Code="Abbreviation"), ConfigError,
     ["data.framework.columns: 'Code' is not an iMeta column; valid choices: 'iCode'"]),
    (lambda b: b["indicators"]["columns"].update(Population="Pop"), ConfigError,
     ["'Population' is not an iData column or framework code; valid choices: 'uCode', 'uName', 'Time', 'lit'"]),
    # a Type value neither mapped nor COINr's: the row and the code
    (lambda b: b["framework"]["types"].pop("Overall"), FrameworkError,
     ["weights.csv: row 8 (IDX): Type 'Overall' is neither mapped by types ('Issue', 'IssueCategory')"]),
    (lambda b: b["framework"]["types"].update(Overall="Headline"), ConfigError,
     ["data.framework.types: 'Overall' maps to 'Headline', which is not a COINr Type"]),
    (lambda b: b["framework"].update(colums={}), ConfigError,
     ["data.framework: unknown key 'colums'; valid keys: 'path', 'columns', 'types'"]),
    (lambda b: b["indicators"].update(types={}), ConfigError, ["data.indicators: unknown key 'types'"]),
    (lambda b: b["framework"].update(path="weights.yaml"), ConfigError,
     ["data.framework.path: columns and types describe a CSV table"]),
    (lambda b: b["framework"].pop("path"), ConfigError, ["data.framework.path: expected the path of a CSV file"]),
    (lambda b: b["framework"].update(columns={"iCode": 3}), ConfigError,
     ["data.framework.columns: expected a mapping of iMeta columns to the file's column names"]),
    (lambda b: b.update(unit_column="Code"), ConfigError,
     ["data.unit_column: 'Code', while data.indicators.columns maps uCode to 'Country code'; give one of them"]),
])
def test_each_misuse_is_one_line_for_validate_and_run(tables, capsys, change, error, needles):
    block = yaml.safe_load(yaml.safe_dump(FOREIGN_BLOCK))
    change(block)
    path = tables / "c.yaml"
    path.write_text(yaml.safe_dump(config_of(tables, block)))
    with pytest.raises(error) as caught:
        Study.from_config(path)
    assert "\n" not in str(caught.value)
    for needle in needles:
        assert needle in str(caught.value), (needle, str(caught.value))
    for command in (["validate", path], ["run", path, "--out", tables / "out", "--quiet"]):
        code = cli.main([str(a) for a in command])
        err = capsys.readouterr().err.strip().splitlines()
        assert code == 2 and len(err) == 1 and needles[0] in err[0], err
    assert not (tables / "out").exists() or not any((tables / "out").rglob("*.csv"))


def test_a_coinr_name_the_file_already_uses_for_another_column_is_refused(tables):
    (tables / "both.csv").write_text(FOREIGN_WEIGHTS.replace("Source", "iCode"))
    with pytest.raises(DataError, match=r"iCode is mapped to column 'Abbreviation', but the file also has a column "
                                        r"'iCode'; map that one instead"):
        io.load_framework(tables / "both.csv", columns=FRAMEWORK_COLUMNS, types=TYPES)


def test_mapping_the_unit_column_twice_is_refused_in_python_too(tables):
    fw = io.load_framework(tables / "iMeta.csv")
    with pytest.raises(ConfigError, match="columns maps uCode to 'Country code' and unit_column is 'Code'"):
        io.load_idata(tables / "data.csv", fw, unit_column="Code", columns=DATA_COLUMNS)
    with pytest.raises(ConfigError, match="columns: expected a mapping of COINr column names"):
        db.read_coinr(tables / "data.csv", tables / "weights.csv", columns=[("uCode", "Country code")])


def test_columns_and_types_are_refused_for_a_framework_yaml():
    with pytest.raises(ConfigError, match="this is a framework YAML, which has none"):
        io.load_framework("dti-provincial-2022", columns={"iCode": "Abbreviation"})


def test_one_file_column_may_feed_two_coinr_columns(tables):
    # a publisher with codes and no names: its code column is read as both iCode and iName
    (tables / "codes.csv").write_text("Abbreviation,NextLevel,Category\nlit,IDX,Issue\nhom,IDX,Issue\n"
                                      "IDX,,Overall\n")
    fw = io.load_framework(tables / "codes.csv", columns={"iCode": "Abbreviation", "iName": "Abbreviation",
                                                          "Parent": "NextLevel", "Type": "Category"}, types=TYPES)
    assert [fw.node(c).name for c in fw.nodes] == ["lit", "hom", "IDX"]
    assert fw.nominal_weights("IDX").tolist() == [1.0, 1.0]  # no Weight column: COINr's default of 1


column_names = st.text(string.ascii_letters + " ()_", min_size=1, max_size=12).filter(lambda s: s.strip() == s)


@settings(max_examples=60, deadline=None)
@given(st.lists(column_names, min_size=1, max_size=6, unique=True), st.data())
def test_renaming_to_foreign_names_and_mapping_back_is_the_identity(names, data):
    # any table, its columns renamed to other unique names, reads back through the mapping as it was
    foreign = data.draw(st.lists(column_names, min_size=len(names), max_size=len(names), unique=True))
    table = pd.DataFrame({name: [f"{name}{i}" for i in range(3)] for name in names})
    published = table.rename(columns=dict(zip(names, foreign)))
    back = rename_columns(published, dict(zip(names, foreign)), "t.csv")
    pd.testing.assert_frame_equal(back, table)
