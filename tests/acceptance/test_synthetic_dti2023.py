"""The bundled synthetic DTI 2023 and the 2022-2023 panel, through the package's own official methodology.

``db.compute_index(fw, data, fw.official)`` on ``dti2023-synthetic`` must reproduce every published 2023 number
(dti_bench/datasets/dti_published/dti_provincial_2023.csv, sources S13-S20): Hải Phòng 8th with pillars 0.7684 /
0.7793 / 0.7383 ranked 28 / 9 / 10, Đà Nẵng 0.8340, the mean 0.6783, and every other filled cell; on the panel
``dti-synthetic-2022-2023`` the official ranks of both years reproduce every published 2022 -> 2023 rank change.
"""

from __future__ import annotations

import pandas as pd
import pytest

import dti_bench as db
from dti_bench import io

PILLARS = ["digital_government", "digital_economy", "digital_society"]
INDICATORS = ["awareness", "institutions", "infrastructure", "human_resources", "cybersecurity",
              "gov_activity", "econ_activity", "society_activity"]


@pytest.fixture(scope="module")
def framework():
    return db.load_framework("dti-provincial-2022")


@pytest.fixture(scope="module")
def result(framework):
    return db.compute_index(framework, db.load_dataset("dti2023-synthetic"), framework.official)


@pytest.fixture(scope="module")
def published():
    table = io.published_table("dti_provincial_2023")
    slugs = io.provinces().set_index("gso_code")["slug"]
    return table.assign(unit=[slugs[g] for g in table["gso_code"]]).set_index("unit")


def test_hai_phong_is_eighth_with_its_published_pillars(result):
    scores, ranks = result.scores.loc["hai_phong"], result.ranks.loc["hai_phong"]
    assert ranks["DTI"] == 8
    assert [round(scores[p], 4) for p in PILLARS] == [0.7684, 0.7793, 0.7383]
    assert [int(ranks[p]) for p in PILLARS] == [28, 9, 10]


def test_da_nang_and_the_national_figures(result):
    dti = result.scores["DTI"]
    assert round(dti["da_nang"], 4) == 0.8340 and result.ranks.loc["da_nang", "DTI"] == 1
    assert round(dti.mean(), 4) == 0.6783
    assert (dti >= 0.5).sum() == 63
    assert (dti > dti.mean()).sum() == 34
    for pillar, mean in zip(PILLARS, [0.7240, 0.6817, 0.6783]):
        assert round(result.scores[pillar].mean(), 4) == mean, pillar


def test_every_published_2023_cell(result, published):
    data = db.load_dataset("dti2023-synthetic")
    values = pd.DataFrame(data.values, index=list(data.units), columns=list(data.indicators))
    ranks_of_values = values.rank(method="min", ascending=False)
    checked = 0
    for unit, row in published.iterrows():
        assert result.ranks.loc[unit, "DTI"] == int(row["rank"]), unit
        checked += 1
        for code in ["dti"] + PILLARS + INDICATORS:
            column = "DTI" if code == "dti" else code
            score, rank = row[f"{code}_score"].strip(), row.get(f"{code}_rank", "").strip()
            if code in INDICATORS:
                got_score, got_rank = values.loc[unit, code], ranks_of_values.loc[unit, code]
            else:
                got_score, got_rank = result.scores.loc[unit, column], result.ranks.loc[unit, column]
            if score:
                assert round(float(got_score), 4) == float(score), (unit, code)
                checked += 1
            if rank and code != "dti":
                assert int(got_rank) == int(rank), (unit, code)
                checked += 1
    # 13 ranks; DTI values 2; pillar values 3; pillar ranks 18; Đà Nẵng's 8 indicator ranks and 2 values
    assert checked == 13 + 2 + 3 + 18 + 8 + 2


def test_the_panel_reproduces_every_published_rank_change(framework):
    panel = db.load_dataset("dti-synthetic-2022-2023")
    assert panel.times == (2022, 2023) and all(ds.synthetic for ds in panel.datasets)
    ranks = {t: db.compute_index(framework, ds, framework.official).ranks["DTI"]
             for t, ds in zip(panel.times, panel.datasets)}
    changes = io.published_rank_changes(2022, 2023)
    assert len(changes) == 13
    for _, row in changes.iterrows():
        assert ranks[2022][row["unit"]] == row["rank_from"] and ranks[2023][row["unit"]] == row["rank_to"]
    hai_phong = changes.set_index("unit").loc["hai_phong"]
    assert (hai_phong["rank_from"], hai_phong["rank_to"], hai_phong["change"]) == (14, 8, 6)


def test_labelled_synthetic_as_the_2022_data_are():
    for name in ("dti2023-synthetic", "dti-synthetic-2022-2023"):
        meta = io.dataset_meta(name)
        assert meta["synthetic"] is True and "synthetic" in name
        assert meta["description"].startswith("SYNTHETIC DATA.")
    assert repr(db.load_dataset("dti2023-synthetic")) == "Dataset('dti2023-synthetic' (synthetic): 63 units x 8 indicators)"
