"""Issue 16's done-when case: one config rebuilds a two-level index whose publisher imputes a missing level-2
composite by its regional mean and marks some cells not applicable; pinned on a table computed by hand here.

The hand table (normalise: none, so the numbers are the data):

    unit Region Coast   fish  port  roads schools | P1 = mean(fish, port)   P2      Index = (P1 + P2) / 2
    A    North  coast   .8    .4    .6    .2      | .6                      .4      .5
    B    North  inland  (.9)  .5    .2    .4      | .5   (fish n/a)         .3      .4
    C    North  inland  --    --    .4    .6      | .55  imputed: (.6+.5)/2 .5      .525
    D    South  coast   .6    .2    .8    .4      | .4                      .6      .5
    E    South  inland  --    .3    .5    .7      | n/a  (na.csv)           .6      .6  (P2 alone)

fish does not apply inland (a rule on the Coast column: B's .9 is not used); P1 does not apply to E (na.csv), so E is
scored on P2 alone and its P1 is never imputed (South's mean would have given it .4); C's P1 is missing (its port
value is missing, its fish not applicable), so it is imputed from North's present P1 scores.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml

from dti_bench.errors import ConfigError, UserError
from dti_bench.experiment import run

IDATA = """uCode,uName,Region,Coast,fish,port,roads,schools
A,A,North,coast,0.8,0.4,0.6,0.2
B,B,North,inland,0.9,0.5,0.2,0.4
C,C,North,inland,,,0.4,0.6
D,D,South,coast,0.6,0.2,0.8,0.4
E,E,South,inland,,0.3,0.5,0.7
"""
IMETA = """iCode,iName,Level,Parent,Weight,Direction,Type
fish,Fisheries,1,P1,1,1,Indicator
port,Port,1,P1,1,1,Indicator
roads,Roads,1,P2,1,1,Indicator
schools,Schools,1,P2,1,1,Indicator
P1,Sea,2,Index,1,1,Aggregate
P2,Land,2,Index,1,1,Aggregate
Index,Index,3,,1,1,Aggregate
"""
NA_TABLE = "unit,code\nE,P1\n"


def write_case(tmp_path, **data_changes):
    (tmp_path / "iData.csv").write_text(IDATA, encoding="utf-8")
    (tmp_path / "iMeta.csv").write_text(IMETA, encoding="utf-8")
    (tmp_path / "na.csv").write_text(NA_TABLE, encoding="utf-8")
    data = {"indicators": "iData.csv", "framework": "iMeta.csv", "groups": ["Region", "Coast"],
            "not_applicable": [{"group": "Coast", "value": "inland", "codes": ["fish"]}, "na.csv"], **data_changes}
    config = {"name": "publisher-rules", "data": data,
              "methodology": {"impute": {"default": "none", 2: {"method": "group_mean", "group": "Region"}},
                              "normalise": "none", "round": 4},
              "output": {"figures": "none", "report": False}}
    path = tmp_path / "publisher.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return path


def test_one_config_imputes_a_composite_by_region_and_skips_cells_that_do_not_apply(tmp_path):
    folder = run(write_case(tmp_path), out=tmp_path / "runs", quiet=True, figures="none")
    scores = pd.read_csv(folder / "scores.csv", index_col="unit")
    expected = pd.DataFrame({"P1": [0.6, 0.5, 0.55, 0.4, np.nan], "P2": [0.4, 0.3, 0.5, 0.6, 0.6],
                             "Index": [0.5, 0.4, 0.525, 0.5, 0.6]}, index=pd.Index(list("ABCDE"), name="unit"))
    pd.testing.assert_frame_equal(scores[["P1", "P2", "Index"]], expected, check_exact=False, rtol=1e-12)
    ranks = pd.read_csv(folder / "ranks.csv", index_col="unit")
    assert ranks["Index"].tolist() == [3, 5, 2, 3, 1]                 # A and D tie at 0.5 (round: 4)
    # what is not applicable is listed; C's missing port (and its imputed P1) is not
    cells = pd.read_csv(folder / "not_applicable.csv")
    assert sorted(map(tuple, cells[["unit", "code"]].to_numpy())) == [("B", "fish"), ("C", "fish"), ("E", "P1"),
                                                                       ("E", "fish")]


@pytest.mark.parametrize("change, message", [
    ({"not_applicable": "bad.csv"}, r"bad.csv: no such file"),
    ({"not_applicable": {"group": "Province", "value": "x", "codes": ["fish"]}},
     r"data.not_applicable.group: the data have no group column 'Province'; valid choices: 'Region', 'Coast'"),
    ({"not_applicable": {"group": "Coast", "value": "desert", "codes": ["fish"]}},
     r"data.not_applicable.value: no unit has Coast = 'desert'; values present: 'coast', 'inland'"),
    ({"not_applicable": {"group": "Coast", "value": "inland", "codes": ["fishing"]}},
     r"data.not_applicable.codes: 'fishing' is not a code of framework"),
    ({"not_applicable": {"group": "Coast", "value": "inland"}}, r"data.not_applicable: a rule has keys "
                                                                r"'group', 'value', 'codes'; 'codes' is missing"),
    ({"not_applicable": 3}, r"data.not_applicable: expected a CSV of \(unit, code\) pairs or a rule"),
])
def test_not_applicable_misuse_is_one_line(tmp_path, change, message):
    with pytest.raises(UserError, match=message) as err:
        run(write_case(tmp_path, **change), out=tmp_path / "runs", quiet=True, figures="none")
    assert "\n" not in str(err.value)


def test_a_table_naming_an_unknown_unit_or_code_is_one_line(tmp_path):
    path = write_case(tmp_path)
    (tmp_path / "na.csv").write_text("unit,code\nE,P1\nZ,P1\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"data.not_applicable\[1\], row 3: unknown unit 'Z'; valid choices: 'A'"):
        run(path, out=tmp_path / "runs", quiet=True, figures="none")
    (tmp_path / "na.csv").write_text("unit,code\nE,P3\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"row 2: 'P3' is not a code of framework"):
        run(path, out=tmp_path / "runs", quiet=True, figures="none")
    (tmp_path / "na.csv").write_text("unit,node\nE,P1\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"a not-applicable table needs columns 'unit', 'code'; it has 'unit', "
                                          r"'node'"):
        run(path, out=tmp_path / "runs", quiet=True, figures="none")
