"""The bundled frameworks: sources cited, and the generated 98-component framework agrees with the main one."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dti_bench import io
from dti_bench.errors import ConfigError


def test_every_bundled_framework_cites_a_source():
    for name in io.bundled_frameworks():
        fw = io.load_framework(name)
        assert fw.meta.get("source"), name


def test_components_framework_matches_the_main_indicator_framework(dti2022):
    comp = io.load_framework("dti-provincial-2022-components")
    assert len(comp.indicators) == 98  # S45: 98 component indicators
    counts = {c: len(comp.children(c)) for c in comp.composites if comp.level(c) == 2}
    # S45 Table I.1 (society activity by subtraction): 10, 11, 7, 13, 12, 3 (smart city), 22, 12, 8
    assert counts == {"awareness": 10, "institutions": 11, "infrastructure": 7, "human_resources": 13,
                      "cybersecurity": 12, "smart_city": 3, "gov_activity": 22, "econ_activity": 12,
                      "society_activity": 8}
    for top in dti2022.composites:
        assert comp.children(top) == dti2022.children(top)
        assert np.array_equal(comp.nominal_weights(top), dti2022.nominal_weights(top))
    for main in dti2022.indicators:
        assert comp.node(main).name_vi == dti2022.node(main).name_vi
        assert comp.node(main).extra["max_points"] == dti2022.node(main).extra["max_points"]
    assert comp.parents("smart_city") == () and comp.headline == "DTI"  # unscored: feeds nothing


def test_2020_framework_weights_are_the_pillar_points(dti2020):
    # S57: 400 / 300 / 300 points for digital government / economy / society
    assert dti2020.nominal_weights("DTI").tolist() == [0.4, 0.3, 0.3]


def test_the_published_dti_as_a_panel_keeps_every_gap():
    """The published tables 2020-2024 (63 provinces) as one long table: Hải Phòng 14th (2022) -> 8th (2023), as the
    news reported (S01, S20; S15, S16), and no cell that a source does not publish."""
    from dti_bench.io.bundled import PUBLISHED_YEARS, published_panel, published_rank_changes, published_table

    panel = published_panel()
    assert sorted(panel.time.unique()) == [2020, 2021, 2022, 2023, 2024]
    by = panel.set_index(["unit", "time"])
    assert by.loc[("hai_phong", 2022), "rank"] == 14 and by.loc[("hai_phong", 2023), "rank"] == 8
    assert by.loc[("hai_phong", 2023), "digital_society_score"] == 0.7383
    assert by.loc[("da_nang", 2022), "dti_score"] == 0.8002
    for year, stem in PUBLISHED_YEARS.items():
        source = published_table(stem)
        published = pd.to_numeric(source["rank"], errors="coerce").notna().sum()
        assert panel[panel.time == year]["rank"].notna().sum() == published     # nothing filled in
    changes = published_rank_changes(2022, 2023).set_index("unit")
    assert changes.loc["hai_phong"].tolist() == [14, 8, 6]
    with pytest.raises(ConfigError, match="no published table for 2019"):
        published_rank_changes(2019, 2020)


def test_a_bundled_panel_is_its_bundled_years_and_a_nested_panel_is_refused(monkeypatch):
    from dti_bench.errors import DataError
    from dti_bench.io import bundled

    panel = bundled.load_dataset("dti-synthetic-2022-2023")
    assert panel.times == (2022, 2023)
    for year, name in ((2022, "dti2022-synthetic"), (2023, "dti2023-synthetic")):
        assert np.array_equal(panel[year].values, bundled.load_dataset(name).values)
    known = dict(bundled.bundled_datasets())
    known["nested"] = {**known["dti-synthetic-2022-2023"], "name": "nested",
                       "panel": {2021: "dti-synthetic-2022-2023", 2024: "dti2023-synthetic"}}
    monkeypatch.setattr(bundled, "bundled_datasets", lambda: known)
    with pytest.raises(DataError, match="panel: expected a mapping of time points to bundled datasets"):
        bundled.load_dataset("nested")
