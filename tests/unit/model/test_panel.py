"""Panels: long tables with a time column, one dataset per time point; bad panels refused in one line."""

from __future__ import annotations

import pandas as pd
import pytest

import dti_bench as db
from dti_bench.errors import ConfigError, DataError
from dti_bench.model.framework import Framework
from dti_bench.model.panel import Panel, parse_time

FW = Framework.from_tree({"I": ["a", "b"]})


def long_table(**changes):
    table = pd.DataFrame({"uCode": ["x", "y", "x", "y", "x", "y"], "Time": [2020, 2020, 2019, 2019, 2021, 2021],
                          "a": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0], "b": [6.0, 5.0, 4.0, 3.0, 2.0, 1.0]})
    for column, values in changes.items():
        table[column] = values
    return table


def test_a_long_table_becomes_one_dataset_per_time_point_in_time_order():
    panel = Panel.from_frame(long_table(), FW, source="p.csv")
    assert panel.times == (2019, 2020, 2021) and panel.units == ("x", "y")
    assert panel[2019].values.tolist() == [[3.0, 4.0], [4.0, 3.0]]
    assert panel["2021"].values.tolist() == [[5.0, 2.0], [6.0, 1.0]]
    assert panel.consecutive_pairs() == [(2019, 2020), (2020, 2021)]
    pooled = panel.pooled()
    assert pooled.units[:2] == ("x@2019", "y@2019") and pooled.values.shape == (6, 2)


def test_rows_may_come_in_any_order_and_dates_are_time_points():
    table = long_table(Time=["2020-06-30", "2020-06-30", "2019-06-30", "2019-06-30", "2021-06-30", "2021-06-30"])
    table = table.iloc[[3, 0, 5, 1, 2, 4]]
    panel = Panel.from_frame(table, FW)
    assert panel.times == ("2019-06-30", "2020-06-30", "2021-06-30")
    assert panel.units == ("y", "x") and panel["2019-06-30"].values.tolist() == [[4.0, 3.0], [3.0, 4.0]]


@pytest.mark.parametrize("changes, message", [
    ({"Time": [2020, 2020, 2019, 2019, 2020, 2021]}, r"p.csv: row 6: unit 'x' at time 2020 appears twice \(first at row 2\)"),
    ({"Time": [2020, 2020, "soon", 2019, 2021, 2021]}, r"p.csv: row 4, column 'Time': expected a year \(e.g. 2019\) or an ISO date"),
    ({"Time": [2020, 2020, 2019.5, 2019, 2021, 2021]}, r"row 4, column 'Time': expected a year or a date, got 2019.5"),
    ({"uCode": ["x", "y", "x", "z", "x", "y"]}, r"p.csv: unit 'y' has no row at time 2019 \(column 'Time'\); give it a row"),
])
def test_bad_panels_name_the_file_row_and_column(changes, message):
    with pytest.raises(DataError, match=message):
        Panel.from_frame(long_table(**changes), FW, source="p.csv")


def test_pairs_and_references_name_the_time_points():
    panel = Panel.from_frame(long_table(), FW)
    assert panel.check_pairs([[2019, "2021"]]) == [(2019, 2021)]
    with pytest.raises(ConfigError, match=r"pairs\[0\]: time 2018 is not in the panel; valid choices: 2019, 2020, 2021"):
        panel.check_pairs([[2018, 2020]])
    with pytest.raises(ConfigError, match=r"pairs\[1\]: a rank change needs two different time points"):
        panel.check_pairs([[2019, 2020], [2020, 2020]])
    with pytest.raises(ConfigError, match="reference needs a time point"):
        panel.reference("reference")
    with pytest.raises(ConfigError, match="normalise_over: unknown 'yearly'"):
        panel.reference("yearly")
    assert panel.reference("reference", 2020) is panel[2020]
    with pytest.raises(ConfigError, match="a rank change needs two"):
        Panel.from_datasets({2019: panel[2019]}).check_pairs(None)


def test_time_labels():
    assert parse_time(2019, "x") == 2019 and parse_time(" 2019 ", "x") == 2019
    with pytest.raises(DataError, match="expected a year or a date"):
        parse_time(True, "x")
    assert repr(Panel.from_datasets({2023: db.load_dataset("dti2022-synthetic"),
                                     2022: db.load_dataset("dti2022-synthetic")})).startswith(
        "Panel('dti2022-synthetic' (synthetic): 63 units x 8 indicators at 2 time points, 2022 to 2023)")
