"""The bundled dti2023-synthetic-ensemble: two-year panels whose 2022 years are the shipped 2022 ensemble's members
and whose 2023 years the generator regenerates byte for byte; every member reproduces the published 2023 figures
and rank changes (re-checked by the independent checker of test_dti2023), and member 0 is the bundled pair."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml

import dti_bench as db
from dti_bench import cli
from dti_bench.errors import ConfigError
from dti_bench.model.ensemble import Ensemble
from dti_bench.model.panel import Panel
from dti_bench.synthesis import dti2022, dti2023, ensemble
from test_dti2023 import INDICATORS, unmet_published_2023  # the independent plain-pandas re-check

FOLDER = dti2022.HERE / "dti2023_synthetic_ensemble"
FOLDER_2022 = dti2022.HERE / "dti2022_synthetic_ensemble"
RECIPE = ensemble.ENSEMBLES["dti2023-synthetic-ensemble"]
SIZE = 50


def data_lines(folder) -> list[str]:
    return (folder / "data.csv").read_text(encoding="utf-8").splitlines(keepends=True)


def shipped_lines(member: int, year: int | None = None) -> list[str]:
    rows = [line for line in data_lines(FOLDER)[1:] if line.split(",", 1)[0] == str(member)]
    return rows if year is None else [line for line in rows if line.split(",")[4] == str(year)]


def shipped_meta() -> dict:
    return yaml.safe_load((FOLDER / "meta.yaml").read_text(encoding="utf-8"))


def with_time(line: str, year: int) -> str:
    """A one-year data.csv row (uCode, uName, region, indicators...) with the Time column after region."""
    parts = line.split(",")
    return ",".join([*parts[:3], str(year), *parts[3:]])


def k_of(rows: pd.DataFrame) -> np.ndarray:
    return np.array([[int(v.replace(".", "")) for v in rows[c]] for c in INDICATORS], dtype=np.int64).T


def test_design_is_deterministic_its_seeds_are_the_2022_members_and_member_0_is_the_bundled_pair():
    first, again = ensemble.dti2023_design(SIZE), ensemble.dti2023_design(SIZE)
    assert first == again
    assert first[0].seed == dti2023.SEED and first[0].parameters == dti2023.DEFAULT_PARAMETERS
    # the 2022 member k was drawn with seed k (20220712 for member 0): the 2023 year takes the same seed
    assert [s.seed for s in first] == [s.seed for s in ensemble.dti2022_design(SIZE)]


def test_design_stratifies_every_2023_parameter_range():
    # one member in each of K - 1 equal slices of each of the 25 coordinates (up to the 4-decimal rounding)
    specs = ensemble.dti2023_design(SIZE)[1:]
    ranges = dti2023.Dti2023Parameters.RANGES
    columns = {f"{name}.{j}": [getattr(s.parameters, name)[j] for s in specs]
               for name in dti2023.Dti2023Parameters.TUPLES for j in range(8)}
    columns["growth_sd"] = [s.parameters.growth_sd for s in specs]
    assert len(columns) == 25
    for name, values in columns.items():
        lo, hi = ranges[name.split(".")[0]]
        position = np.sort((np.array(values) - lo) / (hi - lo) * len(specs))
        slots = np.arange(len(specs))
        tolerance = 0.5 * 10.0 ** -ensemble.PARAMETER_DECIMALS / (hi - lo) * len(specs) + 1e-9
        assert ((position >= slots - tolerance) & (position <= slots + 1 + tolerance)).all(), name


def test_a_2023_ensemble_larger_than_the_2022_one_is_refused_in_one_line():
    with pytest.raises(ConfigError, match=r"--ensemble 51: .*has 50 members \(valid: 1 to 50\)"):
        ensemble.dti2023_design(51)


def test_meta_lists_each_member_and_is_labelled_synthetic():
    meta = shipped_meta()
    assert meta["synthetic"] is True and meta["description"].startswith("SYNTHETIC DATA.")
    assert meta["framework"] == "dti-provincial-2022"
    assert meta["ensemble"]["size"] == SIZE and meta["ensemble"]["time_column"] == "Time"
    assert meta["ensemble"]["design"]["seed"] == ensemble.DESIGN_SEED_2023
    specs = ensemble.dti2023_design(SIZE)
    assert [m["member"] for m in meta["members"]] == list(range(SIZE))
    for m, spec in zip(meta["members"], specs):
        assert m["seed"] == spec.seed
        p = m["parameters"]
        rebuilt = dti2023.Dti2023Parameters(**{n: tuple(p[n][c] for c in INDICATORS)
                                               for n in dti2023.Dti2023Parameters.TUPLES},
                                            growth_sd=p["growth_sd"])
        assert rebuilt == spec.parameters, m["member"]     # meta.yaml states the parameters exactly
        assert m["failed_checks"] == [] and m["checks"] == "18 of 18 hold"
        expected_seed = [spec.seed, 2023] if m["attempt"] == 1 else [spec.seed, 2023, m["attempt"] - 1]
        assert m["draw_seed"] == expected_seed


def test_member_0_is_the_bundled_pair_byte_for_byte():
    for year, name in ((2022, "dti2022_synthetic"), (2023, "dti2023_synthetic")):
        bundled = data_lines(dti2022.HERE / name)[1:]
        assert [line.split(",", 1)[1] for line in shipped_lines(0, year)] == [with_time(b, year) for b in bundled]


def test_every_2022_year_is_the_2022_ensembles_member_byte_for_byte():
    lines_2022 = data_lines(FOLDER_2022)[1:]
    assert len(lines_2022) == 63 * SIZE
    for member in range(SIZE):
        # their rows carry the member label first: the Time column goes after member, uCode, uName, region
        theirs = [",".join([*line.split(",")[:4], "2022", *line.split(",")[4:]])
                  for line in lines_2022 if line.split(",", 1)[0] == str(member)]
        assert shipped_lines(member, 2022) == theirs, member


@pytest.mark.parametrize("member", [1, 2])   # two cheap members: calibrated at their first attempt
def test_generator_regenerates_shipped_members_byte_for_byte(member):
    drawn = ensemble.draw_members(RECIPE, SIZE, [member])[0]
    text = ensemble.ensemble_texts(RECIPE, SIZE, [drawn])
    assert text["data.csv"].splitlines(keepends=True)[0] == data_lines(FOLDER)[0]
    assert text["data.csv"].splitlines(keepends=True)[1:] == shipped_lines(member)
    recorded = shipped_meta()["members"][member]
    assert (recorded["attempt"], recorded["draw_seed"]) == (drawn.meta["attempt"], drawn.meta["draw_seed"])


@pytest.mark.slow
def test_the_whole_ensemble_is_regenerated_byte_for_byte(tmp_path):
    out = ensemble.write_ensemble(tmp_path / "ens", 2023, SIZE, workers=2)
    for name in ("data.csv", "meta.yaml"):
        assert (out / name).read_bytes() == (FOLDER / name).read_bytes(), name


def test_every_member_reproduces_the_published_2023_figures_and_rank_changes():
    data = pd.read_csv(FOLDER / "data.csv", dtype=str)
    assert sorted(set(data["member"].astype(int))) == list(range(SIZE))
    for member, rows in data.groupby(data["member"].astype(int)):
        k22, k23 = k_of(rows[rows["Time"] == "2022"]), k_of(rows[rows["Time"] == "2023"])
        assert k22.shape == k23.shape == (63, 8)
        assert unmet_published_2023(k23, k22) == [], member


def test_members_differ_in_2023_where_nothing_is_published():
    data = pd.read_csv(FOLDER / "data.csv", dtype={"uCode": str})
    year = data[data["Time"] == 2023]
    spread = year.groupby("uCode", sort=False)[INDICATORS].agg(lambda s: s.max() - s.min())
    # every province's 2023 profile differs somewhere across members, except Đà Nẵng's two published values
    assert (spread.max(axis=1) > 0).all()
    assert spread.loc["da_nang", ["econ_activity", "society_activity"]].eq(0).all()


def test_load_dataset_returns_an_ensemble_of_two_year_panels_ranked_as_published():
    ens = db.load_dataset("dti2023-synthetic-ensemble")
    assert isinstance(ens, Ensemble) and len(ens) == SIZE and ens.labels == tuple(range(SIZE)) and ens.synthetic
    assert all(isinstance(m, Panel) and m.times == (2022, 2023) for m in ens.members)
    framework = db.load_framework("dti-provincial-2022")
    bundled = db.load_dataset("dti2023-synthetic")
    nominal = db.compute_index(framework, bundled, framework.official).ranks["DTI"]
    for member in (ens.members[0], ens.members[23], ens.members[-1]):
        year = member.datasets[-1]
        assert year.units == bundled.units
        ranks = db.compute_index(framework, year, framework.official).ranks["DTI"]
        published = pd.read_csv(dti2022.PUBLISHED_DIR / "dti_provincial_2023.csv", dtype=str)
        slugs = pd.read_csv(dti2022.PUBLISHED_DIR / "provinces.csv", dtype=str).set_index("gso_code")["slug"]
        for gso, rank in zip(published["gso_code"], published["rank"]):
            assert ranks[slugs[gso]] == int(rank) == nominal[slugs[gso]]


def test_cli_writes_a_one_member_2023_ensemble_and_refuses_seed(tmp_path, capsys):
    code = cli.main(["synthesise", "--year", "2023", "--ensemble", "1", "--out", str(tmp_path / "e")])
    assert code == 0 and "1 members" in capsys.readouterr().out
    assert data_lines(tmp_path / "e")[1:] == shipped_lines(0)
    assert yaml.safe_load((tmp_path / "e" / "meta.yaml").read_text(encoding="utf-8"))["members"][0]["seed"] == \
        dti2023.SEED
    code = cli.main(["synthesise", "--year", "2023", "--ensemble", "2", "--seed", "5", "--out", str(tmp_path / "f")])
    assert code == 2 and "--seed and --parameter do not apply" in capsys.readouterr().err
    assert not (tmp_path / "f").exists()
