"""The Ensemble type: members from one long table (datasets, or panels with a time column), its checks, and a
bundled ensemble of two-year panel members (what a 2023 ensemble drawn from the 2022 members will be) run by a
study: panel tables long over time and member, rank changes summarised across members."""

from __future__ import annotations

import pandas as pd
import pytest

import dti_bench as db
from dti_bench.errors import ConfigError, DataError
from dti_bench.io import bundled
from dti_bench.model.ensemble import Ensemble
from dti_bench.model.framework import Framework
from dti_bench.model.panel import Panel

FW = Framework.from_tree({"I": ["a", "b"]})


def panel_table() -> pd.DataFrame:
    # 2 members x 2 years x 3 units; member 1 swaps y and z in 2023
    rows = []
    for member in (0, 1):
        for year, values in ((2022, {"x": (3, 3), "y": (2, 2), "z": (1, 1)}),
                             (2023, {"x": (3, 3), "y": (1, 1) if member else (2, 1), "z": (2, 2) if member else (1, 1)})):
            for unit, (a, b) in values.items():
                rows.append({"member": member, "uCode": unit, "Time": year, "a": float(a), "b": float(b)})
    return pd.DataFrame(rows)


def test_members_as_panels():
    ens = Ensemble.from_frame(panel_table(), FW, time_column="Time", name="toy")
    assert isinstance(ens.members[0], Panel) and ens.members[1].times == (2022, 2023)
    assert ens.members[1][2023].values.tolist() == [[3.0, 3.0], [1.0, 1.0], [2.0, 2.0]]
    assert repr(ens) == "Ensemble('toy': 2 members of 3 units x 2 indicators at 2 time points)"


def test_checks_name_the_problem():
    table = panel_table().query("Time == 2022").drop(columns="Time")
    with pytest.raises(DataError, match="needs a 'member' column"):
        Ensemble.from_frame(table.drop(columns="member"), FW, source="t.csv")
    with pytest.raises(DataError, match="member labels must be whole numbers"):
        Ensemble.from_frame(table.assign(member="one"), FW, source="t.csv")
    with pytest.raises(DataError, match="member 1 does not have the units"):
        Ensemble.from_frame(table[~((table.member == 1) & (table.uCode == "z"))], FW)
    ens = Ensemble.from_frame(table, FW)
    with pytest.raises(ConfigError, match=r"ensemble.members: 3 members asked for; 'data' has 2 \(valid: 1 to 2"):
        ens.head(3)


@pytest.fixture
def bundled_panel_ensemble(tmp_path, monkeypatch):
    """A bundled two-year ensemble in a temporary datasets folder (registered as the 2023 one would be)."""
    folder = tmp_path / "toy_panel_ensemble"
    folder.mkdir()
    fw_path = tmp_path / "toy.yaml"
    fw_path.write_text("name: toy\nindicators: [a, b]\ncomposites:\n  - {code: I, children: [a, b]}\n",
                       encoding="utf-8")
    panel_table().to_csv(folder / "data.csv", index=False)
    (folder / "meta.yaml").write_text(
        f"name: toy-panel-ensemble\nsynthetic: true\nframework: {fw_path}\ntitle: toy\n"
        "ensemble: {member_column: member, time_column: Time}\n", encoding="utf-8")
    monkeypatch.setattr(bundled, "DATASETS_DIR", tmp_path)
    bundled.bundled_datasets.cache_clear()
    yield "toy-panel-ensemble"
    bundled.bundled_datasets.cache_clear()


def test_a_study_over_panel_members(bundled_panel_ensemble):
    study = db.Study.from_config({
        "name": "toy", "data": {"dataset": bundled_panel_ensemble},
        "analyses": {"rank_change": {"samples": 50, "factors": [{"path": "weights", "noise": 0.25}]}}})
    assert list(study.members) == [0, 1] and study.panel is not None
    found = study.run()
    long = found.tables["rank_change"]["rank_change_members.csv"]
    assert list(long.columns[:2]) == ["unit", "member"]
    changes = long.set_index(["member", "unit"])["nominal_change"]
    # higher is better: x, y, z rank 1, 2, 3 in 2022; member 0: nobody moves in 2023; member 1: y falls from 2nd
    # to 3rd (change = rank_from - rank_to = -1) and z rises from 3rd to 2nd (+1)
    assert changes.loc[0].tolist() == [0, 0, 0] and changes.loc[1].to_dict() == {"x": 0, "y": -1, "z": 1}
    summary = found.tables["rank_change"]["rank_change.csv"].set_index("unit")
    assert summary.loc["y", "nominal_change"] == -0.5          # the median of 0 and -1
    assert summary.loc["y", "nominal_change_member_q05"] == pytest.approx(-0.95)
    assert summary.loc["z", "nominal_change_member_q95"] == pytest.approx(0.95)
    assert "nominal_change_member_q05" in summary and summary.loc["x", "nominal_change"] == 0


def test_uncertainty_and_rank_change_over_panel_members(bundled_panel_ensemble):
    # the Hải Phòng question's two analyses over two-year members: statements at each time point (a unit appears
    # once per year in uncertainty.csv), and rank_change.csv's p_rise / robust as the members' median and share
    factors = [{"path": "weights", "noise": 0.25}]
    found = db.Study.from_config({
        "name": "toy", "data": {"dataset": bundled_panel_ensemble}, "ensemble": {"top": 1, "pairs": [["y", "z"]]},
        "analyses": {"uncertainty": {"samples": 40, "factors": factors},
                     "rank_change": {"samples": 40, "factors": factors}}}).run()
    own = found.tables["uncertainty"]["uncertainty_members.csv"]
    table = found.tables["ensemble"]["ensemble_statements.csv"]
    assert list(table.columns) == ["statement", "unit", "time", "other", "holds_in", "members", "share", "robust"]
    for row in table.itertuples():
        at = own[own.time == row.time].set_index(["member", "unit"])
        if row.other:                                     # "y above z": median ranks compared in each member
            holds = [at.loc[(m, "y"), "median_rank"] < at.loc[(m, "z"), "median_rank"] for m in (0, 1)]
        elif row.statement == "top 1":
            holds = [at.loc[(m, row.unit), "q95_rank"] <= 1 for m in (0, 1)]
        else:
            holds = [at.loc[(m, row.unit), "q95_rank"] - at.loc[(m, row.unit), "q05_rank"] < 10 for m in (0, 1)]
        assert row.holds_in == sum(holds) and row.robust == all(holds), row
    assert set(found.summaries["ensemble"]["statements"]) == {"top 1 in 2022", "band < 10 in 2022",
                                                              "top 1 in 2023", "band < 10 in 2023"}
    assert set(found.summaries["ensemble"]["pairs"]) == {"y above z in 2022", "y above z in 2023"}
    members = found.tables["rank_change"]["rank_change_members.csv"]
    summary = found.tables["rank_change"]["rank_change.csv"]
    assert list(summary[["unit", "time_from", "time_to"]].itertuples(index=False, name=None)) == \
        [(u, 2022, 2023) for u in ("x", "y", "z")]
    for unit, rows in members.groupby("unit"):
        mine = summary.set_index("unit").loc[unit]
        p = rows.sort_values("member")["p_rise"].to_numpy()
        assert mine["p_rise"] == pytest.approx((p[0] + p[1]) / 2)          # the median of two members
        if p[0] != p[1]:
            lo, hi = min(p), max(p)
            assert mine["p_rise_member_q05"] == pytest.approx(lo + 0.05 * (hi - lo))
            assert mine["p_rise_member_q95"] == pytest.approx(lo + 0.95 * (hi - lo))
        assert mine["robust_share"] == rows["robust"].mean() and mine["robust"] == rows["robust"].all()
