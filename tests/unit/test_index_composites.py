"""Composite-level options of the oracle (issue 16), pinned to tables computed by hand in the test.

COINr's example (configs/examples): Econ = GDPpc (1), Exports (2), Unemp (1, direction -1); Social = LifeExp (1),
Literacy (1), Crime (0.5, direction -1); Index = 0.6 Econ + 0.4 Social. Eight units in four regions; CCC lacks
Exports, DDD Literacy, HHH Unemp.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dti_bench.index import compute_index

RAW = pd.DataFrame({
    "GDPpc": [42000, 38000, 25000, 31000, 55000, 19000, 47000, 28000],
    "Exports": [35, 28, np.nan, 40, 52, 15, 61, 22],
    "Unemp": [4.1, 5.5, 7.9, 6.2, 3.2, 9.8, 4.8, np.nan],
    "LifeExp": [81.2, 79.8, 76.1, 78.4, 83.0, 72.5, 80.9, 77.7],
    "Literacy": [99, 98, 92, np.nan, 99, 88, 97, 95],
    "Crime": [1.2, 2.5, 6.1, 3.3, 0.8, 8.9, 1.9, 4.4],
}, index=["AAA", "BBB", "CCC", "DDD", "EEE", "FFF", "GGG", "HHH"])  # configs/examples/example_iData.csv
REGION = pd.Series(["North", "North", "South", "South", "East", "East", "West", "West"], index=RAW.index)
DIRECTION = {"Unemp": -1, "Crime": -1}


def minmax(column: pd.Series) -> pd.Series:
    """Min-max to [0, 1] of a column, direction applied, NaN kept (the plain formula)."""
    x = column * DIRECTION.get(column.name, 1)
    return (x - x.min()) / (x.max() - x.min())


def weighted_mean(table: pd.DataFrame, weights: dict[str, float]) -> pd.Series:
    """Σ w x / Σ w over each row's present children (the missing-data policy)."""
    w = pd.DataFrame({c: np.where(table[c].isna(), 0.0, weights[c]) for c in weights}, index=table.index)
    return (table[list(weights)].fillna(0.0) * w).sum(axis=1) / w.sum(axis=1)


def test_a_per_node_weighting_changes_that_node_only(example_framework, example_data):
    normalised = RAW.apply(minmax)
    econ = weighted_mean(normalised, {"GDPpc": 1, "Exports": 1, "Unemp": 1})     # equal at Econ
    social = weighted_mean(normalised, {"LifeExp": 1, "Literacy": 1, "Crime": 0.5})  # nominal elsewhere
    index = 0.6 * econ + 0.4 * social
    result = compute_index(example_framework, example_data, {"weights": {"default": "nominal", "Econ": "equal"}})
    np.testing.assert_allclose(result.scores["Econ"].to_numpy(), econ.to_numpy(), rtol=1e-12)
    np.testing.assert_allclose(result.scores["Social"].to_numpy(), social.to_numpy(), rtol=1e-12)
    np.testing.assert_allclose(result.scores["Index"].to_numpy(), index.to_numpy(), rtol=1e-12)
    assert result.weights["Econ"].tolist() == pytest.approx([1 / 3] * 3)
    assert result.weights["Index"].tolist() == pytest.approx([0.6, 0.4])


def test_round_levels_rounds_a_composite_before_its_parent_aggregates_it(example_framework, example_data):
    normalised = RAW.apply(minmax)
    econ = weighted_mean(normalised, {"GDPpc": 1, "Exports": 2, "Unemp": 1}).round(2)  # pandas: half to even
    social = weighted_mean(normalised, {"LifeExp": 1, "Literacy": 1, "Crime": 0.5})
    index = 0.6 * econ + 0.4 * social
    result = compute_index(example_framework, example_data, {"round_levels": {"Econ": 2}})
    assert result.scores["Econ"].tolist() == econ.tolist()
    np.testing.assert_allclose(result.scores["Social"].to_numpy(), social.to_numpy(), rtol=1e-12)
    np.testing.assert_allclose(result.scores["Index"].to_numpy(), index.to_numpy(), rtol=1e-12)
    # a level rounds every composite of it; the headline's own decimals then round what the parents made
    by_level = compute_index(example_framework, example_data, {"round_levels": {2: 1, "Index": 3}})
    expected = (0.6 * econ.round(1) + 0.4 * social.round(1)).round(3)
    assert by_level.scores["Index"].tolist() == pytest.approx(expected.tolist(), abs=1e-12)


def test_round_levels_rounds_half_to_even():
    from dti_bench.model.framework import Framework

    fw = Framework.from_dict({"name": "halves", "indicators": ["a", "b"],
                              "composites": [{"code": "p", "children": {"a": 1}},
                                             {"code": "top", "children": {"p": 1, "b": 1}}]})
    data = pd.DataFrame({"a": [0.125, 0.375], "b": [0.0, 0.0]}, index=["u", "v"])
    result = compute_index(fw, data, {"normalise": "none", "round_levels": {"p": 2}})
    assert result.scores["p"].tolist() == [0.12, 0.38]           # 0.125 -> 0.12, 0.375 -> 0.38 (to even)
    assert result.scores["top"].tolist() == [0.06, 0.19]


def dataset_of(raw: pd.DataFrame, region: pd.Series):
    from dti_bench.model.dataset import Dataset

    return Dataset("hand", tuple(raw.index), tuple(raw.index), tuple(raw.columns), raw.to_numpy(dtype=float),
                   groups=pd.DataFrame({"Region": region}))


def test_a_missing_composite_is_imputed_by_its_regional_mean_before_the_headline(example_framework):
    raw = RAW.copy()
    raw.loc["HHH", ["GDPpc", "Exports", "Unemp"]] = np.nan          # HHH has no Econ score of its own
    region = pd.Series(["North", "North", "South", "South", "East", "East", "West", "North"], index=raw.index)
    normalised = raw.apply(minmax)                                   # HHH is not in the Econ indicators' range
    econ = weighted_mean(normalised, {"GDPpc": 1, "Exports": 2, "Unemp": 1})
    assert np.isnan(econ["HHH"])
    econ["HHH"] = (econ["AAA"] + econ["BBB"]) / 2                     # North's other units
    social = weighted_mean(normalised, {"LifeExp": 1, "Literacy": 1, "Crime": 0.5})
    index = 0.6 * econ + 0.4 * social
    block = {"impute": {"default": "none", 2: {"method": "group_mean", "group": "Region"}}}
    result = compute_index(example_framework, dataset_of(raw, region), block)
    np.testing.assert_allclose(result.scores["Econ"].to_numpy(), econ.to_numpy(), rtol=1e-12)
    np.testing.assert_allclose(result.scores["Index"].to_numpy(), index.to_numpy(), rtol=1e-12)
    # the indicators stay unimputed (default: none), and a composite not named is not imputed
    assert result.normalised.loc["HHH", ["GDPpc", "Exports", "Unemp"]].isna().all()
    alone = compute_index(example_framework, dataset_of(raw, region), {"impute": {"Social": "mean"}})
    assert np.isnan(alone.scores.loc["HHH", "Econ"])
    # without imputation the headline is Social's alone (weights renormalised over the present child)
    plain = compute_index(example_framework, dataset_of(raw, region), {})
    assert plain.scores.loc["HHH", "Index"] == pytest.approx(social["HHH"], rel=1e-12)


def test_an_unknown_group_column_for_a_composite_is_one_line(example_framework, example_data):
    from dti_bench.errors import UserError

    with pytest.raises(UserError, match=r"no group column 'Province'; valid choices: 'Region'") as err:
        compute_index(example_framework, example_data,
                      {"impute": {"Econ": {"method": "group_mean", "group": "Province"}}})
    assert "\n" not in str(err.value)


def test_an_indicator_that_does_not_apply_is_neither_used_nor_imputed(example_framework):
    na = frozenset({("AAA", "Exports"), ("CCC", "Crime")})
    data = dataset_of(RAW, REGION).replace(not_applicable=na)
    raw = RAW.copy()
    raw.loc["AAA", "Exports"] = raw.loc["CCC", "Crime"] = np.nan      # their values are not used ...
    imputed = raw.copy()
    for column in raw:                                                # ... and mean imputation fills the rest
        imputed[column] = raw[column].fillna(raw[column].mean())
    imputed.loc["AAA", "Exports"] = imputed.loc["CCC", "Crime"] = np.nan  # ... but not them
    normalised = imputed.apply(minmax)
    econ = weighted_mean(normalised, {"GDPpc": 1, "Exports": 2, "Unemp": 1})
    social = weighted_mean(normalised, {"LifeExp": 1, "Literacy": 1, "Crime": 0.5})
    result = compute_index(example_framework, data, {"impute": "mean"})
    np.testing.assert_allclose(result.scores["Econ"].to_numpy(), econ.to_numpy(), rtol=1e-12)
    np.testing.assert_allclose(result.scores["Social"].to_numpy(), social.to_numpy(), rtol=1e-12)
    np.testing.assert_allclose(result.scores["Index"].to_numpy(), (0.6 * econ + 0.4 * social).to_numpy(), rtol=1e-12)
    flagged = result.not_applicable
    assert flagged.to_numpy().sum() == 2 and flagged.loc["AAA", "Exports"] and flagged.loc["CCC", "Crime"]
    # a composite named for a unit has no score there, and its parent is the other child's alone
    named = dataset_of(RAW, REGION).replace(not_applicable=frozenset({("BBB", "Econ")}))
    econ_na = compute_index(example_framework, named, {"impute": {"Econ": "mean"}})
    assert np.isnan(econ_na.scores.loc["BBB", "Econ"])
    assert econ_na.scores.loc["BBB", "Index"] == pytest.approx(econ_na.scores.loc["BBB", "Social"], rel=1e-12)
