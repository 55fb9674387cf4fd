"""Leave one element out: the table by hand on the DTI 2022 DAG, subsets and subtrees."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from dti_bench import io
from dti_bench.model.methodology import parse_methodology
from dti_bench.errors import FrameworkError
from dti_bench.analyses.leave_one_out import SHIFT_COLUMNS, leave_one_out, removed_with, without


# -- leave one out on the DTI 2022 framework ------------------------------------------------------------------

@pytest.fixture(scope="module")
def dti():
    fw = io.load_framework("dti-provincial-2022")
    return fw, io.load_dataset("dti2022-published-profiles", fw), parse_methodology({"normalise": "none"})


def test_leave_one_out_table_shape(dti):
    fw, ds, m = dti
    table = leave_one_out(fw, ds, m).to_frame()
    assert list(table.columns) == list(SHIFT_COLUMNS)
    # 8 indicators + 3 pillars (the headline DTI itself is not removed) x 5 units, headline only
    assert len(table) == 11 * 5
    assert not table.duplicated(["removed", "unit"]).any()
    assert set(table["node"]) == {"DTI"}
    assert table.groupby("removed", sort=False)["level"].first().tolist() == [1] * 8 + [2] * 3


def test_removing_society_activity_by_hand(dti):
    fw, ds, m = dti
    table = leave_one_out(fw, ds, m).to_frame().set_index(["removed", "unit"])
    # S01 Đà Nẵng without society_activity, weights renormalised over 850 points:
    # (100*(1.0 + 0.9 + 0.8253 + 0.8487 + 0.7578) + 200*0.8575 + 150*0.7836) / 850 = 722.22 / 850
    row = table.loc[("society_activity", "da_nang")]
    assert row["score"] == pytest.approx(722.22 / 850, abs=1e-12)
    # The five by hand: HCM 662.505, QN 634.87, Huế 652.445, Cần Thơ 648.19 (all / 850), so the order is
    # ĐN > HCM > Huế > Cần Thơ > QN: nominal 1..5 = ĐN, HCM, QN, Huế, Cần Thơ -> shifts 0, 0, -2, +1, +1
    shifts = table.loc["society_activity", "shift"]
    assert shifts.to_dict() == {"da_nang": 0, "ho_chi_minh": 0, "quang_ninh": -2, "thua_thien_hue": 1, "can_tho": 1}
    summary = leave_one_out(fw, ds, m).by_element().set_index("removed")
    assert summary.loc["society_activity", "mean_abs_shift"] == pytest.approx(0.8)  # (2 + 1 + 1)/5
    assert summary.loc["society_activity", "max_abs_shift"] == 2.0


def test_removing_an_indicator_is_subset(dti):
    fw, ds, m = dti
    rest = [c for c in fw.indicators if c != "society_activity"]
    assert without(fw, ["society_activity"]) == fw.subset(rest)


def test_a_pillar_takes_only_what_nothing_else_holds(dti):
    fw, ds, m = dti
    # the foundation indicators and society_activity also feed the DTI: only the pillar node goes
    assert removed_with(fw, ["digital_society"]) == {"digital_society"}
    table = leave_one_out(fw, ds, m, nodes="all", elements=["digital_society", "gov_activity"]).to_frame()
    assert set(table.loc[table["removed"] == "digital_society", "node"]) == {"DTI", "digital_government",
                                                                             "digital_economy"}
    assert (table.loc[table["removed"] == "digital_society", "shift"] == 0).all()
    # gov_activity gone: digital_government is the mean of the five foundation indicators (100 points each)
    gov = table[(table["removed"] == "gov_activity") & (table["node"] == "digital_government")]
    values = pd.DataFrame(ds.values, index=list(ds.units), columns=list(ds.indicators))
    expected = values[list(fw.indicators[:5])].mean(axis=1)
    np.testing.assert_allclose(gov["score"].to_numpy(), expected.loc[gov["unit"]].to_numpy(), atol=1e-12)
    with pytest.raises(FrameworkError):
        leave_one_out(fw, ds, m, nodes=["awareness"])


def test_removing_a_subtree():
    from dti_bench.model.framework import Framework
    fw = Framework.from_dict({
        "name": "toy", "indicators": ["a", "b", "c", "d"],
        "composites": [{"code": "P", "children": ["a", "b"]}, {"code": "Q", "children": ["b", "c", "d"]},
                       {"code": "I", "children": ["P", "Q"]}]})
    # P goes with a (only under P); b stays (Q holds it)
    assert removed_with(fw, ["P"]) == {"P", "a"}
    reduced = without(fw, ["P"])
    assert reduced.indicators == ("b", "c", "d") and reduced.composites == ("Q", "I")
    assert reduced.level("I") == fw.level("I") == 3  # levels kept from the full framework
