"""Checks of the committed synthetic DTI 2022 datasets against the published figures they are calibrated to.

Only numpy/pandas (no dti_bench import). Everything is recomputed here from the committed CSVs and the
bundled published table, in exact integer arithmetic (values in units of 1e-4), with the official 2022
aggregation: DTI = sum(max_j * x_j) / 1000; pillar = (foundation points + own activity points) /
(500 + activity max); 4-decimal rounding; ranks with ties = 'min' (1 = best). Source ids refer to
dti_bench/datasets/dti_published/sources.md.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[2]
DATASETS = ROOT / "dti_bench" / "datasets"
PUBLISHED = DATASETS / "dti_published"
MAIN_DIR = DATASETS / "dti2022_synthetic"
COMP_DIR = DATASETS / "dti2022_synthetic_components"
GENERATOR = ROOT / "tools" / "generate_dti2022_synthetic.py"

INDICATORS = ["awareness", "institutions", "infrastructure", "human_resources", "cybersecurity",
              "gov_activity", "econ_activity", "society_activity"]
MAX_POINTS = np.array([100, 100, 100, 100, 100, 200, 150, 150], dtype=np.int64)
PILLARS = ["digital_government", "digital_economy", "digital_society"]
PILLAR_DENOM = [700, 650, 650]
COMPONENT_COUNTS = {"awareness": 10, "institutions": 11, "infrastructure": 7, "human_resources": 13,
                    "cybersecurity": 12, "smart_city": 3, "gov_activity": 22, "econ_activity": 12,
                    "society_activity": 8}
TOP5 = ["Da Nang", "Ho Chi Minh", "Quang Ninh", "Thua Thien Hue", "Can Tho"]


# ----------------------------------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def published():
    return pd.read_csv(PUBLISHED / "dti_provincial_2022.csv", dtype={"gso_code": str})


@pytest.fixture(scope="module")
def provinces():
    return pd.read_csv(PUBLISHED / "provinces.csv", dtype={"gso_code": str})


@pytest.fixture(scope="module")
def data():
    return pd.read_csv(MAIN_DIR / "data.csv", dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def k(data):
    """63 x 8 integer matrix, units of 1e-4 (exact: the file has exactly 4 decimals)."""
    return np.array([[int(v.replace(".", "")) for v in data[c]] for c in INDICATORS], dtype=np.int64).T


def rounded_dti(k):
    d = k @ MAX_POINTS                       # 1e7 * DTI
    return (2 * d + 1000) // 2000            # round half up to 1e-4 units


def pillar_numerators(k):
    f = 100 * k[:, :5].sum(axis=1)
    return np.stack([f + 200 * k[:, 5], f + 150 * k[:, 6], f + 150 * k[:, 7]], axis=1)


def rounded_pillars(k):
    n = pillar_numerators(k)
    return np.stack([(2 * n[:, q] + PILLAR_DENOM[q]) // (2 * PILLAR_DENOM[q]) for q in range(3)], axis=1)


def rank_min(values):
    return pd.Series(values).rank(method="min", ascending=False).astype(int).to_numpy()


def units(x):
    return int(round(float(x) * 10_000))


def row_of(published, ascii_name):
    idx = published.index[published["province_ascii"] == ascii_name]
    assert len(idx) == 1, ascii_name
    return int(idx[0])


# ------------------------------------------------------------------------------------ file format
def test_columns_rows_and_identifiers(data, published, provinces):
    # S01 (rank order), provinces.csv (S52 codes/names, S51 regions)
    assert list(data.columns) == ["uCode", "uName", "region"] + INDICATORS
    assert len(data) == 63
    merged = published.merge(provinces, on="gso_code", suffixes=("", "_p"))
    assert list(merged["province_ascii"]) == list(published["province_ascii"])
    assert list(data["uCode"]) == list(merged["slug"])
    assert list(data["uName"]) == list(merged["province"])
    assert list(data["region"]) == list(merged["region_code"])
    assert data["uCode"].is_unique


def test_values_have_exactly_four_decimals_and_lie_in_unit_interval(data, k):
    # format of the published values (S01): 4 decimals, scale 0-1
    pat = re.compile(r"^[01]\.\d{4}$")
    for c in INDICATORS:
        bad = [v for v in data[c] if not pat.match(v)]
        assert not bad, (c, bad[:5])
    assert k.min() >= 0 and k.max() <= 10_000


# ------------------------------------------------------------------------------------- DTI ranks
def test_dti_ranks_equal_published_ranks(k, published):
    # S01: full 63-province ranking, ties = min on rounded DTI
    assert (rank_min(rounded_dti(k)) == published["rank"].to_numpy()).all()


def test_single_tie_thanh_hoa_yen_bai_and_safety_margin(k, published):
    # S01: Thanh Hóa and Yên Bái both 15 (no 16); otherwise consecutive rounded DTIs >= 0.0002 apart
    r = rounded_dti(k)
    th, yb = row_of(published, "Thanh Hoa"), row_of(published, "Yen Bai")
    assert r[th] == r[yb]
    assert len(set(r.tolist())) == 62
    gaps = -np.diff(r)
    tie_gap = min(th, yb)
    others = np.delete(gaps, tie_gap)
    assert gaps[tie_gap] == 0 and others.min() >= 2


# ----------------------------------------------------------------------------- published values
@pytest.mark.parametrize("name", TOP5)
def test_top5_profiles_are_the_published_values(k, published, name):
    # S01: the 8 main-indicator values of ranks 1-5, used exactly
    i = row_of(published, name)
    expected = [units(published.loc[i, f"{c}_score"]) for c in INDICATORS]
    assert k[i].tolist() == expected


@pytest.mark.parametrize("name", [n for n in TOP5 if n != "Ho Chi Minh"])
def test_top5_rounded_dti_equals_published(k, published, name):
    # S01: 0.8002, 0.7024, 0.6975, 0.6924 (HCM: see the next test)
    i = row_of(published, name)
    assert rounded_dti(k)[i] == units(published.loc[i, "dti_score"])


def test_hcm_published_dti_is_not_reproducible_from_its_published_profile(k, published):
    # S01: HCM's published 4-decimal profile sums to exactly 0.716355 -> 0.7164, published 0.7163.
    # Known infeasibility of constraint 2: the profile is kept exactly, the DTI is off by one unit
    # (the publisher presumably summed unrounded values) and HCM's rank (2) is unaffected.
    i = row_of(published, "Ho Chi Minh")
    assert int(k[i] @ MAX_POINTS) == 7_163_550
    assert rounded_dti(k)[i] == 7164
    assert units(published.loc[i, "dti_score"]) == 7163
    assert rank_min(rounded_dti(k))[i] == 2


def test_quang_ninh_pillars(k, published):
    # S03: Quảng Ninh pillars 0.7804 / 0.7187 / 0.6864
    i = row_of(published, "Quang Ninh")
    assert rounded_pillars(k)[i].tolist() == [7804, 7187, 6864]
    assert [units(published.loc[i, f"{p}_score"]) for p in PILLARS] == [7804, 7187, 6864]


def test_tra_vinh_dti_and_pillars(k, published):
    # S02: Trà Vinh DTI 0.6077, pillars 0.6683 / 0.6647 / 0.5991
    i = row_of(published, "Tra Vinh")
    assert rounded_dti(k)[i] == 6077
    assert rounded_pillars(k)[i].tolist() == [6683, 6647, 5991]


def test_every_published_dti_and_pillar_value(k, published):
    # S01, S02, S03: every non-empty dti_score / *_score pillar cell (HCM DTI excepted, see above)
    rd, rp = rounded_dti(k), rounded_pillars(k)
    checked = 0
    for i, row in published.iterrows():
        if pd.notna(row["dti_score"]) and row["province_ascii"] != "Ho Chi Minh":
            assert rd[i] == units(row["dti_score"]), row["province_ascii"]
            checked += 1
        for q, p in enumerate(PILLARS):
            if pd.notna(row[f"{p}_score"]):
                assert rp[i, q] == units(row[f"{p}_score"]), (row["province_ascii"], p)
                checked += 1
    assert checked == 11


def _published_ranks():
    pub = pd.read_csv(PUBLISHED / "dti_provincial_2022.csv", dtype={"gso_code": str})
    out = []
    for i, row in pub.iterrows():
        for q in PILLARS + INDICATORS:
            if pd.notna(row[f"{q}_rank"]):
                out.append((row["province_ascii"], q, int(row[f"{q}_rank"]), row["source_ids"]))
    return out


PUBLISHED_RANKS = _published_ranks()


def test_published_rank_list_is_complete():
    # S04 (Đà Nẵng, HCM, Hà Nội pillars), S02, S03, S05 (pillars), S06 (Bình Dương), S07/S53 (HCM)
    assert len(PUBLISHED_RANKS) == 30


@pytest.mark.parametrize("name,quantity,rank,sources", PUBLISHED_RANKS,
                         ids=[f"{n}-{q}-{r}" for n, q, r, _ in PUBLISHED_RANKS])
def test_published_pillar_and_indicator_ranks(k, published, name, quantity, rank, sources):
    # sources per row of dti_provincial_2022.csv: pillar ranks S02/S03/S04/S05, Bình Dương's main-indicator
    # ranks S06, HCM's S07/S53; pillar ranks on rounded pillar values, indicator ranks on 4-decimal values
    i = row_of(published, name)
    if quantity in PILLARS:
        values = rounded_pillars(k)[:, PILLARS.index(quantity)]
    else:
        values = k[:, INDICATORS.index(quantity)]
    assert rank_min(values)[i] == rank, sources


def test_binh_duong_awareness_ties_da_nang_at_one(k, published):
    # S06 (Bình Dương awareness rank 1) + S01 (Đà Nẵng awareness 1.0000)
    j = INDICATORS.index("awareness")
    assert k[row_of(published, "Binh Duong"), j] == 10_000 == k[row_of(published, "Da Nang"), j]


def test_institutions_max_is_hcm_value(k):
    # S07/S53: HCM institutions rank 1 with 0.9000 (S01), so nobody exceeds 0.9000
    assert k[:, INDICATORS.index("institutions")].max() == 9000


def test_mean_dti_equals_published_mean(k, published):
    # S13: mean provincial DTI 2022 = 0.5763, on the 63 rounded DTIs (with HCM computed or as published)
    r = rounded_dti(k)
    assert abs(r.mean() / 10_000 - 0.5763) < 0.00005
    hcm = row_of(published, "Ho Chi Minh")
    r_pub = r.copy()
    r_pub[hcm] = units(published.loc[hcm, "dti_score"])
    assert abs(r_pub.mean() / 10_000 - 0.5763) < 0.00005


# ----------------------------------------------------------------------------------- structure
def test_indicators_correlate_positively(k):
    # plausibility of the latent-factor structure (real sub-indicators correlate positively); no source
    corr = np.corrcoef(k / 10_000, rowvar=False)
    off = corr[np.triu_indices(8, 1)]
    assert off.mean() > 0.3
    assert off.min() > 0


def test_meta_main():
    # metadata must say it is synthetic and cite the calibration sources (S01...S53)
    text = (MAIN_DIR / "meta.yaml").read_text(encoding="utf-8")
    for line in ["name: dti2022-synthetic", "synthetic: true", "framework: dti-provincial-2022",
                 "unit_column: uCode", "name_column: uName", "group_columns: [region]",
                 "generator: tools/generate_dti2022_synthetic.py"]:
        assert line in text.splitlines(), line
    for key in ["title:", "description:", "seed:", "correlation_structure:", "calibration_targets:",
                "sources:"]:
        assert any(l.startswith(key) for l in text.splitlines()), key
    for sid in ["S01", "S02", "S03", "S04", "S05", "S06", "S07", "S13", "S53"]:
        assert sid in text, sid


# ---------------------------------------------------------------------------------- components
@pytest.fixture(scope="module")
def comp():
    return pd.read_csv(COMP_DIR / "data.csv", dtype=str, keep_default_na=False)


def test_components_columns_and_counts(comp, data):
    # S45/S46: 9 main indicators, 98 components; codes <indicator>_<NN>
    expected = [f"{c}_{m:02d}" for c, n in COMPONENT_COUNTS.items() for m in range(1, n + 1)]
    assert len(expected) == 98 == sum(COMPONENT_COUNTS.values())
    assert list(comp.columns) == ["uCode", "uName", "region"] + expected
    assert comp[["uCode", "uName", "region"]].equals(data[["uCode", "uName", "region"]])


def test_components_range_and_decimals(comp):
    # share of the component's max points: [0, 1], at most 6 decimals
    pat = re.compile(r"^[01](\.\d{1,6})?$")
    vals = comp.iloc[:, 3:]
    for c in vals.columns:
        assert all(pat.match(v) for v in vals[c]), c
    x = vals.astype(float).to_numpy()
    assert x.min() >= 0 and x.max() <= 1


def test_component_means_equal_main_values(comp, data):
    # equal-maxima assumption: each scored main indicator = mean of its components (to 1e-9)
    for c in INDICATORS:
        cols = [f"{c}_{m:02d}" for m in range(1, COMPONENT_COUNTS[c] + 1)]
        mean = comp[cols].astype(float).mean(axis=1).to_numpy()
        main = data[c].astype(float).to_numpy()
        assert np.abs(mean - main).max() < 1e-9, c
        # and exactly, on the 1e-6 grid
        s = comp[cols].map(lambda v: int(round(float(v) * 1_000_000))).sum(axis=1).to_numpy()
        assert (s == data[c].map(lambda v: int(v.replace(".", ""))).to_numpy() * 100 * len(cols)).all(), c


def test_components_are_not_constant_copies(comp, data):
    # components are spread around the main value, not copies of it
    cols = [f"gov_activity_{m:02d}" for m in range(1, 23)]
    assert comp[cols].astype(float).std(axis=1).mean() > 0.02


def test_meta_components():
    # metadata states the equal-maxima assumption and that the data are synthetic
    text = (COMP_DIR / "meta.yaml").read_text(encoding="utf-8")
    lines = text.splitlines()
    for line in ["name: dti2022-synthetic-components", "synthetic: true",
                 "framework: dti-provincial-2022-components", "unit_column: uCode",
                 "equal_maxima_assumption: true", "component_total: 98"]:
        assert line in lines, line
    assert "equal maxima" in text


# ------------------------------------------------------------------------------- reproducibility
@pytest.mark.slow
def test_generator_reproduces_committed_files(tmp_path):
    # determinism: fixed seed (20220712) + deterministic HiGHS run (no time limit); takes ~10-15 s
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, str(GENERATOR), "--out-dir", str(tmp_path)],
                          capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    for sub in ["dti2022_synthetic", "dti2022_synthetic_components"]:
        for f in ["data.csv", "meta.yaml"]:
            assert (tmp_path / sub / f).read_bytes() == (DATASETS / sub / f).read_bytes(), f"{sub}/{f}"
    assert time.perf_counter() - t0 < 120
