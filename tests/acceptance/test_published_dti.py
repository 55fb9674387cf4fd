"""The official DTI formulas reproduce published numbers (every expected value cites its source).

Source ids (S01 ...) resolve in dti_bench/datasets/dti_published/sources.md.
"""

from __future__ import annotations

import numpy as np
import pytest

from dti_bench import io
from dti_bench.model.methodology import parse_methodology
from dti_bench.model.dataset import merge_units
from dti_bench.index import compute_index

OFFICIAL = parse_methodology({"normalise": "none", "weights": "nominal", "aggregate": "arithmetic"})

# S01 (dti.gov.vn/xep-hang-2022): published PDTI of the five provinces whose main indicators are published.
PUBLISHED_DTI_2022 = {
    "da_nang": 0.8002,
    "ho_chi_minh": 0.7163,
    "quang_ninh": 0.7024,
    "thua_thien_hue": 0.6975,
    "can_tho": 0.6924,
}


def test_2022_formula_gives_published_dti_of_the_five_profiles(dti2022, profiles):
    scores = compute_index(dti2022, profiles, OFFICIAL).values["DTI"]
    for unit, published in PUBLISHED_DTI_2022.items():
        # inputs are themselves rounded to 4 decimals, so the recomputed value sits within 1e-4 (HCM: 0.71635)
        assert abs(scores[unit] - published) < 1e-4, unit


def test_2022_formula_is_points_over_1000_by_hand(dti2022, profiles):
    # Đà Nẵng (S01): (100·(1.0000 + 0.9000 + 0.8253 + 0.8487 + 0.7578) + 200·0.8575 + 150·0.7836 + 150·0.5197) / 1000
    expected = (100 * (1.0 + 0.9 + 0.8253 + 0.8487 + 0.7578) + 200 * 0.8575 + 150 * 0.7836 + 150 * 0.5197) / 1000
    assert compute_index(dti2022, profiles, OFFICIAL).values.loc["da_nang", "DTI"] == pytest.approx(expected, abs=1e-15)
    assert expected == pytest.approx(0.80017, abs=5e-6)


def test_2022_pillars_of_quang_ninh(dti2022, profiles):
    # S03 (VietNamNet 2023-07): Quảng Ninh 2022 pillars CQS 0.7804, KTS 0.7187, XHS 0.6864;
    # pillar p = (foundation points + activity_p points) / (500 + max_p) (methodology.md §3.3).
    values = compute_index(dti2022, profiles, OFFICIAL).values.loc["quang_ninh"]
    assert round(values["digital_government"], 4) == 0.7804
    assert round(values["digital_economy"], 4) == 0.7187
    assert round(values["digital_society"], 4) == 0.6864


def test_2022_pillar_order_among_the_five_matches_published_ranks(dti2022, profiles):
    # S04: Đà Nẵng first on all three pillars; HCM 3rd on government and economy; Quảng Ninh (S03) 4th on
    # government, 2nd on society. Among the five, the formula must give Huế > HCM > Quảng Ninh on government.
    v = compute_index(dti2022, profiles, OFFICIAL).values
    gov = v["digital_government"]
    assert gov.idxmax() == "da_nang"
    assert gov["thua_thien_hue"] > gov["ho_chi_minh"] > gov["quang_ninh"]
    assert v["digital_economy"].idxmax() == "da_nang" and v["digital_society"].idxmax() == "da_nang"
    assert v["digital_society"].drop("da_nang").idxmax() == "quang_ninh"


def test_2022_ranks_of_the_five_with_ties_min(dti2022, profiles):
    ranks = compute_index(dti2022, profiles, parse_methodology({"normalise": "none", "round": 4})).ranks["DTI"]
    assert list(ranks.sort_values().index) == list(PUBLISHED_DTI_2022)  # S01 ranks 1-5
    assert ranks.tolist() == [1, 2, 3, 4, 5]


def test_equal_weights_move_can_tho_from_5th_to_3rd(dti2022, profiles):
    # methodology.md §3.2: equal-weight mean of the 8 indicators: Cần Thơ 0.70829 > Quảng Ninh 0.70819 > Huế 0.70738
    equal = parse_methodology({"normalise": "none", "weights": "equal"})
    res = compute_index(dti2022, profiles, equal)
    assert res.ranks.loc["can_tho", "DTI"] == 3
    assert res.values.loc["can_tho", "DTI"] == pytest.approx(0.70829, abs=5e-6)


def test_2020_formula_from_pillars(dti2020):
    # S26: Bắc Ninh 2020 DTI 0.4096 from CQS 0.4449, KTS 0.3668, XHS 0.4052;
    # S27: Bắc Giang 2020 DTI 0.3615 from CQS 0.4455, KTS 0.3019, XHS 0.3092. DTI = 0.4·CQS + 0.3·KTS + 0.3·XHS.
    data = io.load_dataset("dti2020-published-pillars", dti2020)
    scores = compute_index(dti2020, data, OFFICIAL).values["DTI"]
    assert round(scores["bac_ninh"], 4) == 0.4096
    assert round(scores["bac_giang"], 4) == 0.3615
    # a plain mean of the three pillars would not fit (methodology.md §2: 0.4056, 0.3522)
    assert abs(data.values[data.unit_index("bac_ninh")].mean() - 0.4096) > 1e-3


def test_ranks_use_ties_min():
    from dti_bench.metrics.ranking import rank_scores

    # S01: Thanh Hóa and Yên Bái share 15th and no province is 16th
    assert rank_scores(np.array([0.7, 0.6, 0.6, 0.5])).tolist() == [1, 2, 2, 4]
    assert rank_scores(np.array([0.61234, 0.61226]), decimals=4).tolist() == [1, 1]
    r = rank_scores(np.array([0.3, np.nan, 0.9]))
    assert r[0] == 2 and np.isnan(r[1]) and r[2] == 1


def test_merger_rule_is_the_mean_of_main_indicators(dti2022, profiles):
    # S35/S36/S42: a merged province's DTI comes from the arithmetic mean of the former provinces' main indicators.
    merged = merge_units(profiles, {"merged": ["da_nang", "quang_ninh"], "can_tho": ["can_tho"]})
    i, j = profiles.unit_index("da_nang"), profiles.unit_index("quang_ninh")
    assert np.allclose(merged.values[0], (profiles.values[i] + profiles.values[j]) / 2)
    dti = compute_index(dti2022, merged, OFFICIAL).values["DTI"]
    before = compute_index(dti2022, profiles, OFFICIAL).values["DTI"]
    # the DTI is linear in the main indicators, so the merged DTI is the mean of the two DTIs
    assert dti["merged"] == pytest.approx((before["da_nang"] + before["quang_ninh"]) / 2, abs=1e-12)


def test_merger_table_covers_63_provinces_in_34_units():
    mergers = io.load_mergers("mergers-2025")
    slugs = set(io.provinces()["slug"])
    members = [s for olds in mergers.values() for s in olds]
    assert len(mergers) == 34 and len(members) == 63 and set(members) == slugs
    assert mergers["da_nang"] == ["da_nang", "quang_nam"]  # S35
    assert set(mergers["hai_phong"]) == {"hai_phong", "hai_duong"}  # S39


def published_2022():
    table = io.published_table("dti_provincial_2022")
    slugs = io.provinces().set_index("province_ascii")["slug"]
    return table.assign(unit=[slugs[p] for p in table["province_ascii"]]).set_index("unit")


OFFICIAL_ROUNDED = parse_methodology({"normalise": "none", "round": 4})


def test_synthetic_2022_reproduces_all_63_published_ranks_through_the_package(dti2022):
    # S01: the full 2022 rank list, Thanh Hóa and Yên Bái tied 15th (ties 'min': nobody 16th)
    data = io.load_dataset("dti2022-synthetic", dti2022)
    assert data.synthetic and "synthetic" in data.name
    res = compute_index(dti2022, data, OFFICIAL_ROUNDED)
    published = published_2022()
    ranks = res.ranks["DTI"].reindex(published.index)
    assert ranks.tolist() == published["rank"].astype(int).tolist()
    assert ranks["thanh_hoa"] == ranks["yen_bai"] == 15 and 16 not in ranks.tolist()


def test_synthetic_2022_matches_published_values_and_mean(dti2022):
    data = io.load_dataset("dti2022-synthetic", dti2022)
    values = compute_index(dti2022, data, OFFICIAL_ROUNDED).values
    # S02: Trà Vinh DTI 0.6077 and pillars 0.6683 / 0.6647 / 0.5991; S03: Quảng Ninh pillars
    assert values.loc["tra_vinh", ["DTI", "digital_government", "digital_economy", "digital_society"]].tolist() == \
        [0.6077, 0.6683, 0.6647, 0.5991]
    assert values.loc["quang_ninh", ["digital_government", "digital_economy", "digital_society"]].tolist() == \
        [0.7804, 0.7187, 0.6864]
    # S01: the five published DTIs; HCM's published profile sums to 0.716355, which rounds to 0.7164 (see meta.yaml)
    for unit, published in PUBLISHED_DTI_2022.items():
        assert abs(values.loc[unit, "DTI"] - published) <= 1e-4 + 1e-12, unit
    # S13: mean provincial DTI 2022 = 0.5763
    assert round(values["DTI"].mean(), 4) == 0.5763


def test_components_aggregate_to_the_main_indicators(dti2022):
    comp_fw = io.load_framework("dti-provincial-2022-components")
    comps = io.load_dataset("dti2022-synthetic-components", comp_fw)
    mains = io.load_dataset("dti2022-synthetic", dti2022)
    res = compute_index(comp_fw, comps, parse_methodology({"normalise": "none"}))
    for code in dti2022.indicators:
        np.testing.assert_allclose(res.values[code].to_numpy(), mains.column(code), atol=1e-9)
    # and the DTI of the 98-component framework is the official DTI of the main indicators
    official = compute_index(dti2022, mains, parse_methodology({"normalise": "none"})).values["DTI"]
    np.testing.assert_allclose(res.values["DTI"].to_numpy(), official.to_numpy(), atol=1e-9)
