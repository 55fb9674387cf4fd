"""Real-data case studies: PAPI, PCI and the OECD BLI, read from the data folder (third-party data, never bundled).

The data folder is $DTI_BENCH_DATA, else ``../shared/datasets`` beside the checkout; every test that needs it
skips, naming the folder, when it is absent. The tests without data pin the province matcher, the published-scale
conversions and the missing-data messages with small hand-made tables.

Published numbers pinned below, with their source (as listed in the data folder's SOURCE.md files):
- PAPI 2020 totals and dimensions: the PAPI 2020 report as covered by news.gov.vn (Quảng Ninh 48.811, Transparency
  6.499, Control of Corruption 8.286, Public Service Delivery 7.713; Đồng Tháp 46.961, Environmental Governance
  5.202; Thái Nguyên 46.471, Participation 6.216; Hà Nội 41.629; TP HCM 41.985), published to 3 decimals.
- PCI totals in the press: 2019 Quảng Ninh 73.40 and Đồng Tháp 72.10 (May 2020), 2016 Đà Nẵng 70.00, 2014 Đà Nẵng
  66.87, 2006 Bình Dương 76.23, published to 2 decimals.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import given, settings, strategies as st

from dti_bench import io
from dti_bench.cli import main

from dti_bench.model.methodology import parse_methodology
from dti_bench.model.dataset import Dataset
from dti_bench.errors import DataError
from dti_bench.experiment import Study
from dti_bench.io.external import bli, load_external, papi, pci
from dti_bench.index import compute_index
from dti_bench.metrics.stability import mean_abs_shift, spearman

REPO = Path(__file__).resolve().parents[2]
DATA = (Path(os.environ["DTI_BENCH_DATA"]) if os.environ.get("DTI_BENCH_DATA")
        else Path(__file__).resolve().parents[3] / "shared" / "datasets")
NONE = parse_methodology({"normalise": "none"})  # nominal weights and the arithmetic mean are the defaults


def data_root(folder: str) -> Path:
    if not (DATA / folder).is_dir():
        pytest.skip(f"needs the third-party data folder {DATA / folder} (not bundled; set DTI_BENCH_DATA)")
    return DATA


@pytest.fixture(scope="module")
def papi_root() -> Path:
    return data_root("vn_papi")


@pytest.fixture(scope="module")
def pci_root() -> Path:
    return data_root("vn_pci")


@pytest.fixture(scope="module")
def bli_root() -> Path:
    return data_root("oecd_bli")


# -- provinces (no data needed) ---------------------------------------------------------------------------------

@pytest.mark.parametrize("name, slug", [
    ("Hanoi", "ha_noi"), ("Hà Nội", "ha_noi"), ("TP. Hà Nội", "ha_noi"),
    ("Ho Chi Minh City", "ho_chi_minh"), ("TP. Hồ Chí Minh", "ho_chi_minh"), ("TP.HCM", "ho_chi_minh"),
    ("Ba Ria - Vung Tau", "ba_ria_vung_tau"), ("Bà Rịa–Vũng Tàu", "ba_ria_vung_tau"),
    ("Thua Thien Hue", "thua_thien_hue"), ("Thừa Thiên - Huế", "thua_thien_hue"),
    ("Dak Lak", "dak_lak"), ("Đắk Lắk", "dak_lak"), ("Đắc Lắc", "dak_lak"),
    ("Hòa Bình", "hoa_binh"), ("Hoà Bình", "hoa_binh"), ("tỉnh Lào Cai", "lao_cai"), ("Ha Tinh", "ha_tinh"),
])
def test_province_spellings_match_by_hand(name, slug):
    assert papi.province_slugs([name]) == [slug]


def test_every_bundled_spelling_maps_back_to_its_province():
    table = io.provinces()
    assert papi.province_slugs(table["province"]) == list(table["slug"])
    assert papi.province_slugs(table["province_ascii"]) == list(table["slug"])
    assert len({papi.province_key(n) for n in table["province_ascii"]}) == 63  # no two provinces share a key


@settings(max_examples=60, deadline=None)
@given(row=st.integers(0, 62), case=st.sampled_from([str.upper, str.lower, str.title, str]),
       prefix=st.sampled_from(["", "Tỉnh ", "tinh ", "TP. "]), pad=st.integers(0, 3))
def test_province_matching_ignores_case_prefix_and_padding(row, case, prefix, pad):
    table = io.provinces()
    name = " " * pad + prefix + case(table["province"].iloc[row]) + " " * pad
    assert papi.province_slugs([name]) == [table["slug"].iloc[row]]


def test_unknown_province_is_named_and_ha_tay_needs_its_own_code():
    with pytest.raises(DataError, match="'Atlantis' matches none of the 63 provinces"):
        papi.province_slugs(["Ha Noi", "Atlantis"], source="x.csv")
    with pytest.raises(DataError, match="'Ha Tay'"):
        papi.province_slugs(["Ha Tay"])
    assert papi.province_slugs(["Ha Tay", "Hà Tây"], extra=pci.HA_TAY) == ["ha_tay", "ha_tay"]


# -- the published scales and the weight mapping (hand-made tables, no data needed) ------------------------------

def test_papi_published_scale_by_hand():
    # Two dimensions: participation (SC11, SC12) and transparency (SC21, SC22, SC23): PAPI weights 2 and 3.
    fw = papi.papi_framework(2099, ["SC11", "SC12", "SC21", "SC22", "SC23"])
    assert dict(zip(fw.children("PAPI"), fw.nominal_weights("PAPI"))) == {"participation": 2.0, "transparency": 3.0}
    nan = np.nan
    values = np.array([[1.0, 2.0, 1.0, 1.0, 4.0],    # sums 3 and 6, PAPI 9; means 1.5 and 2, headline 9/5 = 1.8
                       [2.0, 2.0, nan, nan, nan],    # transparency missing: PAPI = 4 (sum of what is present)
                       [nan, nan, nan, nan, nan]])   # nothing present: NaN everywhere
    ds = Dataset("t", ("a", "b", "c"), ("a", "b", "c"), fw.indicators, values)
    result = compute_index(fw, ds, NONE)
    np.testing.assert_allclose(result.values["PAPI"].to_numpy()[:2], [1.8, 2.0])
    published = papi.published_scores(result)
    np.testing.assert_allclose(published.loc["a"], [3.0, 6.0, 9.0])
    np.testing.assert_allclose(published.loc["b"].to_numpy(), [4.0, nan, 4.0])
    assert published.loc["c"].isna().all()


def test_pci_published_scale_by_hand():
    # weights 25 % and 75 %, sub-indices 4 and 8: PCI = (25 * 4 + 75 * 8) / 10 = 70; headline = 7.
    fw = pci.pci_framework(2099, {"entry": 25, "land": 75})
    ds = Dataset("t", ("a",), ("a",), ("entry", "land"), np.array([[4.0, 8.0]]))
    result = compute_index(fw, ds, NONE)
    assert result.headline.iloc[0] == pytest.approx(7.0)
    assert pci.published_pci(result).iloc[0] == pytest.approx(70.0)


def test_map_weights_by_hand():
    era_2006 = {"entry": 5, "bias_soe": 5, "legal": 10}
    # bias takes bias_soe's weight; labor has none in that era; legal is not in the year and is dropped
    assert pci.map_weights(era_2006, ["entry", "bias", "labor"]) == {"entry": 5.0, "bias": 5.0, "labor": 0.0}
    assert pci.map_weights({"bias": 7}, ["bias_soe", "bias"]) == {"bias_soe": 7.0, "bias": 7.0}


# -- missing data (an empty folder) -------------------------------------------------------------------------------

@pytest.mark.parametrize("name, needles", [
    ("papi", ["vn_papi/papi_2011_2024_panel.csv", "papi.org.vn"]),
    ("pci", ["vn_pci/pci_2005_2019_subindices.csv", "vn_pci/pci_weights_by_year.csv", "pcivietnam.vn"]),
    ("bli", ["oecd_bli/oecd_bli_total_wide.csv", "stats.oecd.org", "data-explorer.oecd.org"]),
])
def test_missing_data_names_the_files_and_the_publisher(tmp_path, name, needles):
    with pytest.raises(DataError) as info:
        load_external(name, root=tmp_path, year=None)
    message = str(info.value)
    assert "\n" not in message and str(tmp_path) in message
    for needle in needles:
        assert needle in message


def test_missing_data_exits_2_on_one_line(tmp_path, capsys):
    config = tmp_path / "papi.yaml"
    config.write_text(yaml.safe_dump({"name": "p", "data": {"external": "papi", "year": 2019,
                                                            "root": str(tmp_path / "empty")}}), encoding="utf-8")
    assert main(["run", str(config), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "papi_2011_2024_panel.csv" in err and "papi.org.vn" in err
    assert not (tmp_path / "out").exists()


# -- PAPI -----------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def papi_years(papi_root):
    """year -> (framework, dataset, result) for every year of the panel, and the panel read independently."""
    panel = pd.read_csv(papi_root / papi.PANEL)
    out = {}
    for year in sorted(panel["year"].unique()):
        fw, ds = papi.load(papi_root, int(year))
        out[int(year)] = (fw, ds, compute_index(fw, ds, NONE))
    return out, panel


def test_papi_framework_of_each_year_has_the_sub_dimensions_of_that_year(papi_years):
    years, _ = papi_years
    expected_n = {**dict.fromkeys(range(2011, 2018), 22), 2018: 28, 2019: 29, 2020: 29,
                  **dict.fromkeys(range(2021, 2025), 28)}
    assert sorted(years) == sorted(expected_n)
    for year, (fw, ds, _) in years.items():
        assert len(fw.indicators) == expected_n[year], year
        assert len(fw.children("PAPI")) == (6 if year < 2018 else 8), year
        assert fw.node("PAPI").extra["published_scale"] == expected_n[year]
        assert ("SC24" in fw.indicators) == (year >= 2018)
        assert ("SC83" in fw.indicators) == (year >= 2019)
        assert ("SC52" in fw.indicators) == (year < 2021)
        assert ds.synthetic is False and ds.meta["synthetic"] is False and "papi.org.vn" in fw.meta["source"]
        assert set(ds.units) <= set(io.provinces()["slug"]) and list(ds.groups.columns) == ["region"]


def test_papi_dimensions_and_totals_reproduce_the_panel_in_every_year(papi_years):
    years, panel = papi_years
    for year, (fw, ds, result) in years.items():
        rows = panel[panel["year"] == year]
        slugs = papi.province_slugs(rows["province"])
        scored = rows["total_sum_of_dims"].notna().to_numpy()
        assert sorted(ds.meta["excluded"]) == sorted(s for s, ok in zip(slugs, scored) if not ok)
        rows = rows[scored].set_index(pd.Index([s for s, ok in zip(slugs, scored) if ok]))
        published = papi.published_scores(result).loc[rows.index]
        # the conversion to sums is exact only if a dimension is complete or entirely missing: check that
        for dim in fw.children("PAPI"):
            present = result.data.loc[rows.index, list(fw.children(dim))].notna()
            assert (present.all(axis=1) | ~present.any(axis=1)).all(), (year, dim)
            column = papi.DIMENSIONS[dim][0]
            np.testing.assert_allclose(published[dim], rows[column], atol=1e-9, err_msg=f"{year} {dim}")
        np.testing.assert_allclose(published["PAPI"], rows["total_sum_of_dims"], atol=1e-9, err_msg=str(year))
        complete = rows["n_dims"].to_numpy() == len(fw.children("PAPI"))
        np.testing.assert_allclose(result.headline.loc[rows.index][complete] * len(fw.indicators),
                                   rows["total_sum_of_dims"][complete], atol=1e-9)


def test_papi_reproduces_the_official_workbook(papi_years, papi_root):
    years, _ = papi_years
    official = pd.read_csv(papi_root / "vn_papi/papi_official_2011_2019_long.csv")
    official["unit"] = papi.province_slugs(official["province_vie"])
    names = {name: code for code, (_, name, _, _) in papi.DIMENSIONS.items()}
    dims = official[official["level"] == "dimension"].dropna(subset=["value"])
    totals = official[official["level"] == "total_published"].dropna(subset=["value"])
    assert sorted(dims["year"].unique()) == list(range(2011, 2020))
    assert sorted(totals["year"].unique()) == list(range(2011, 2018))
    for year, group in dims.groupby("year"):
        published = papi.published_scores(years[int(year)][2])
        ours = [published.at[u, names[d]] for u, d in zip(group["unit"], group["dimension"])]
        np.testing.assert_allclose(ours, group["value"], atol=1e-5, err_msg=str(year))
    for year, group in totals.groupby("year"):
        _, ds, result = years[int(year)]
        unscored = group[group["unit"].isin(ds.meta["excluded"])]
        assert (unscored["value"] == 0).all()  # the workbook's "total" of an unscored province is a sum of blanks
        group = group[~group["unit"].isin(ds.meta["excluded"])]
        ours = papi.published_scores(result).loc[group["unit"], "PAPI"]
        assert len(group) == len(ds.units)
        np.testing.assert_allclose(ours, group["value"], atol=1e-5, err_msg=str(year))


def test_papi_2020_published_figures(papi_years):
    published = papi.published_scores(papi_years[0][2020][2])
    # PAPI 2020 report (news.gov.vn coverage), 3 decimals
    for unit, node, value in [("quang_ninh", "PAPI", 48.811), ("quang_ninh", "transparency", 6.499),
                              ("quang_ninh", "corruption", 8.286), ("quang_ninh", "services", 7.713),
                              ("dong_thap", "PAPI", 46.961), ("dong_thap", "environment", 5.202),
                              ("thai_nguyen", "PAPI", 46.471), ("thai_nguyen", "participation", 6.216),
                              ("ha_noi", "PAPI", 41.629), ("ho_chi_minh", "PAPI", 41.985)]:
        assert published.at[unit, node] == pytest.approx(value, abs=5e-4), (unit, node)


def test_dimension_change_shifts(papi_root, papi_years):
    _, panel = papi_years
    table = papi.dimension_change_shifts(papi_root, 2019)
    rows = panel[panel["year"] == 2019].set_index(pd.Index(papi.province_slugs(panel[panel["year"] == 2019]["province"])))
    rows = rows.loc[table["unit"]]
    np.testing.assert_allclose(table["papi_8"], rows["total_sum_of_dims"], atol=1e-9)
    np.testing.assert_allclose(table["papi_6"], rows[["C01", "C02", "C03", "C04", "C05", "C06"]].sum(axis=1), atol=1e-9)
    assert (table["shift"] == table["rank_8"] - table["rank_6"]).all() and table["complete"].all()
    assert table.attrs["spearman"] == pytest.approx(float(spearman(table["rank_8"], table["rank_6"])))
    assert table.attrs["mean_abs_shift"] == pytest.approx(table["shift"].abs().mean())
    assert 0 < table.attrs["spearman"] < 1 and table["shift"].abs().max() > 0  # the new dimensions do reorder
    with pytest.raises(DataError, match="not 8"):
        papi.dimension_change_shifts(papi_root, 2017)


# -- PCI ------------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def pci_table(pci_root):
    return pd.read_csv(pci_root / pci.SUBINDICES_FILE)


def _published_pci(table: pd.DataFrame, year: int) -> pd.Series:
    rows = table[table["year"] == year]
    return pd.Series(rows["pci"].to_numpy(), index=papi.province_slugs(rows["province"], extra=pci.HA_TAY))


@pytest.mark.parametrize("year", [*range(2006, 2011), *range(2012, 2020)])
def test_pci_reproduces_the_published_totals(pci_root, pci_table, year):
    fw, ds = pci.load(pci_root, year)
    result = compute_index(fw, ds, NONE)
    published = _published_pci(pci_table, year).loc[list(ds.units)]
    np.testing.assert_allclose(pci.published_pci(result), published, atol=1e-4)
    assert result.rank_values["PCI"].equals(published.rank(ascending=False, method="min").rename_axis("unit").rename("PCI"))


def test_pci_2011_does_not_reproduce(pci_root, pci_table):
    fw, ds = pci.load(pci_root, 2011)
    gap = _published_pci(pci_table, 2011).loc[list(ds.units)] - pci.published_pci(compute_index(fw, ds, NONE))
    assert gap.abs().max() > 0.1  # SOURCE.md: 0.00-0.55 points above the weighted sum
    assert gap.max() < 1.0 and (gap > -1e-4).all()


def test_pci_published_totals_in_the_press(pci_root):
    for year, unit, value in [(2019, "quang_ninh", 73.40), (2019, "dong_thap", 72.10), (2016, "da_nang", 70.00),
                              (2014, "da_nang", 66.87), (2006, "binh_duong", 76.23)]:
        fw, ds = pci.load(pci_root, year)
        ours = pci.published_pci(compute_index(fw, ds, NONE)).loc[unit]
        assert ours == pytest.approx(value, abs=5e-3), (year, unit)


def test_pci_units_weights_and_eras(pci_root):
    fw06, ds06 = pci.load(pci_root, 2006)
    fw19, ds19 = pci.load(pci_root, 2019)
    assert len(ds06.units) == 64 and "ha_tay" in ds06.units and len(ds19.units) == 63 and "ha_tay" not in ds19.units
    i = ds06.units.index("ha_tay")
    assert ds06.unit_names[i] == "Hà Tây" and ds06.group("region")[i] == "DBSH"
    assert set(ds19.units) == set(io.provinces()["slug"]) and ds19.meta["synthetic"] is False
    assert "bias_soe" in fw06.indicators and "bias" in fw19.indicators
    eras = pci.era_weights(pci_root)
    assert list(eras) == ["2006-2008", "2009-2012", "2013-2019"]
    assert all(sum(w.values()) == pytest.approx(100.0) for w in eras.values())
    assert "bias_soe" in eras["2006-2008"] and "bias" in eras["2013-2019"]
    assert not {"bias", "bias_soe"} & set(eras["2009-2012"])
    assert pci.era_of(2011, eras) == "2009-2012"
    assert dict(zip(fw19.children("PCI"), fw19.nominal_weights("PCI"))) == eras["2013-2019"]
    assert list(pci.load(pci_root, None)[1].units) == list(ds19.units)  # default: the latest year
    with pytest.raises(DataError, match="2005"):
        pci.load(pci_root, 2005)
    with pytest.raises(DataError, match="no data for year 2030"):
        pci.load(pci_root, 2030)


def test_weight_revision_shifts(pci_root, pci_table):
    table = pci.weight_revision_shifts(pci_root, 2019)
    eras = pci.era_weights(pci_root)
    assert set(table["weights"]) == set(eras) and table.attrs["official"] == "2013-2019"
    official = table[table["official"]]
    assert (official["shift"] == 0).all()
    np.testing.assert_allclose(official["score"], _published_pci(pci_table, 2019).loc[official["unit"]], atol=1e-4)
    rows = pci_table[pci_table["year"] == 2019]
    x = rows.set_index(pd.Index(papi.province_slugs(rows["province"])))
    for label in ("2006-2008", "2009-2012"):
        part = table[table["weights"] == label].set_index("unit")
        w = pci.map_weights(eras[label], list(pci.SUBINDICES))
        w = {k: v for k, v in w.items() if k in x.columns and x[k].notna().all()}
        # the weighted sum, renormalised to the weights present (both eras map onto 2019 with weights summing to 100)
        by_hand = sum(x[k] * v for k, v in w.items()) / sum(w.values()) * 10
        np.testing.assert_allclose(part["score"], by_hand.loc[part.index], atol=1e-9)
        assert (part["shift"] == part["official_rank"] - part["rank"]).all()
        assert table.attrs["mean_abs_shift"][label] == pytest.approx(
            float(mean_abs_shift(part["official_rank"], part["rank"])))
        assert table.attrs["mean_abs_shift"][label] > 1  # each revision reorders the provinces


def test_pci_config_weight_sets_are_the_historical_ones(pci_root):
    fw, _ = pci.load(pci_root, 2019)
    eras = pci.era_weights(pci_root)
    config = yaml.safe_load((REPO / "configs/pci.yaml").read_text(encoding="utf-8"))
    explicit = [w for w in config["analyses"]["grid"]["weights"] if isinstance(w, dict)]
    expected = [pci.map_weights(eras[label], fw.indicators) for label in ("2006-2008", "2009-2012")]
    assert [{k: float(v) for k, v in w.items()} for w in explicit] == expected


# -- BLI ------------------------------------------------------------------------------------------------------

LOWER_IS_BETTER = {"EQ_AIRP", "HO_BASE", "HO_HISH", "JE_LMIS", "JE_LTUR", "PS_REPH", "WL_EWLH"}


def test_bli_framework_and_units(bli_root):
    fw, ds = bli.load(bli_root)
    assert len(fw.indicators) == 24 and len(fw.children("BLI")) == 11
    sizes = {t: len(fw.children(t)) for t in fw.children("BLI")}
    assert sizes == {"housing": 3, "income": 2, "jobs": 4, "community": 1, "education": 3, "environment": 2,
                     "civic_engagement": 2, "health": 2, "life_satisfaction": 1, "safety": 2,
                     "work_life_balance": 2}
    assert {c for c in fw.indicators if fw.node(c).direction == -1} == LOWER_IS_BETTER
    assert all(set(fw.nominal_weights(c)) == {1.0} for c in fw.composites)
    assert len(ds.units) == 40 and "OECD" not in ds.units and ds.meta["excluded"] == ["OECD"]
    assert int(np.isnan(ds.values).sum()) == 73  # SOURCE.md: 73 of 984 cells, none of them in the OECD row
    assert {u for u, g in zip(ds.units, ds.group("membership")) if g == "partner"} == {"BRA", "RUS", "ZAF"}
    assert len(bli.load(bli_root, include_oecd_total=True)[1].units) == 41
    assert bli.load(bli_root, 2020)[1].units == ds.units
    with pytest.raises(DataError, match="one edition"):
        bli.load(bli_root, 2015)


def test_bli_default_view_by_hand(bli_root):
    fw, ds = bli.load(bli_root)
    result = compute_index(fw, ds, parse_methodology({"normalise": {"method": "minmax", "lo": 0, "hi": 10}}))
    wide = pd.read_csv(bli_root / bli.WIDE_FILE).set_index("LOCATION").drop(index="OECD")
    topics = {}
    for topic, (_, items) in bli.TOPICS.items():
        scaled = []
        for code, (column, direction, _) in items.items():
            x = wide[column] * direction
            scaled.append(10 * (x - x.min()) / (x.max() - x.min()))
        topics[topic] = pd.concat(scaled, axis=1).mean(axis=1)  # pandas skips NaN, as the index does
    by_hand = pd.DataFrame(topics).mean(axis=1)
    np.testing.assert_allclose(result.headline.loc[by_hand.index], by_hand, atol=1e-12)
    assert result.headline.notna().all()


# -- the case-study configs ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("name, folder, units", [("papi", "vn_papi", 63), ("pci", "vn_pci", 63), ("bli", "oecd_bli", 40)])
def test_case_study_configs_resolve(monkeypatch, name, folder, units):
    root = data_root(folder)
    monkeypatch.setenv("DTI_BENCH_DATA", str(root))
    study = Study.from_config(REPO / "configs" / f"{name}.yaml")
    assert len(study.dataset.units) == units and study.dataset.synthetic is False
    assert {"grid", "uncertainty", "sensitivity", "stability"} <= set(study.config.analyses)
