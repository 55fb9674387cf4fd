"""Results across the members of an ensemble: medians, 5-95 % ranges, shares and statements (hand counts and an
independent numpy computation)."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dti_bench.analyses.ensemble import (across_members, long_over, statements, summaries_across_members,
                                         summary_spread)
from dti_bench.errors import ConfigError


def test_median_and_range_per_row_by_hand():
    # three members, two units; q95_rank of x is 3, 5, 4 -> median 4, percentiles 3 + 0.1 * 1 and 4 + 0.9 * 1
    a = pd.DataFrame({"unit": ["x", "y"], "nominal_rank": [1, 2], "q95_rank": [3, 9]})
    frames = [a, a.assign(q95_rank=[5, 9]), a.assign(q95_rank=[4, 9])]
    out = across_members(frames)
    assert list(out.columns) == ["unit", "nominal_rank", "q95_rank", "q95_rank_member_q05", "q95_rank_member_q95"]
    assert out["q95_rank"].tolist() == [4.0, 9.0]
    assert out["q95_rank_member_q05"].tolist() == pytest.approx([3.1, 9.0])
    assert out["q95_rank_member_q95"].tolist() == pytest.approx([4.9, 9.0])
    assert out["nominal_rank"].tolist() == [1, 2]          # the same in every member: one column, no range


def test_boolean_share_and_robust_flag_by_hand():
    a = pd.DataFrame({"parent": ["P", "P", "Q"], "reachable": [True, True, False]})
    frames = [a, a.assign(reachable=[True, False, False]), a.assign(reachable=[True, True, True]),
              a.assign(reachable=[True, False, False])]
    every = across_members(frames, robust_share=1.0)
    assert every["reachable_share"].tolist() == [1.0, 0.5, 0.25]
    assert every["reachable"].tolist() == [True, False, False]
    half = across_members(frames, robust_share=0.5)
    assert half["reachable"].tolist() == [True, True, False]


def test_text_that_differs_across_members_is_a_result():
    a = pd.DataFrame({"composite": ["A", "B"], "flagged_children": ["", "x"]})
    frames = [a, a.assign(flagged_children=["y", "x"]), a]
    out = across_members(frames)
    assert out["composite"].tolist() == ["A", "B"]
    assert out["flagged_children"].tolist() == ["", "x"]
    assert out["flagged_children_share"].tolist() == pytest.approx([2 / 3, 1.0])


def test_rows_matched_by_key_when_members_differ_in_rows():
    a = pd.DataFrame({"unit": ["x", "y"], "shift": [1.0, 3.0]})
    b = pd.DataFrame({"unit": ["y"], "shift": [5.0]})
    out = across_members([a, b])
    assert out.set_index("unit")["shift"].to_dict() == {"x": 1.0, "y": 4.0}


def test_missing_values_are_skipped():
    a = pd.DataFrame({"unit": ["x"], "rank": [np.nan]})
    out = across_members([a, a.assign(rank=[2.0]), a.assign(rank=[4.0])])
    assert out["rank"].tolist() == [3.0]


def test_robust_share_is_checked():
    with pytest.raises(ConfigError, match="robust_share"):
        across_members([pd.DataFrame({"x": [1.0]})], robust_share=0)


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 7), st.integers(1, 5), st.integers(0, 2**32 - 1))
def test_medians_and_ranges_equal_numpy(members, rows, seed):
    rng = np.random.default_rng(seed)
    values = rng.normal(size=(members, rows))
    frames = [pd.DataFrame({"unit": [f"u{i}" for i in range(rows)], "s": values[m]}) for m in range(members)]
    out = across_members(frames)
    np.testing.assert_allclose(out["s"], np.median(values, axis=0))
    if members > 1:
        np.testing.assert_allclose(out["s_member_q05"], np.percentile(values, 5, axis=0))
        np.testing.assert_allclose(out["s_member_q95"], np.percentile(values, 95, axis=0))


def test_long_over_puts_the_label_after_unit():
    a = pd.DataFrame({"unit": ["x"], "time": [2022], "rank": [1]})
    out = long_over({3: a, 7: a}, "member")
    assert list(out.columns) == ["unit", "member", "time", "rank"] and out["member"].tolist() == [3, 7]


def test_statements_hand_count_on_three_members():
    # a hand-made 3-member ensemble of 3 units' Monte Carlo rank summaries
    members = {
        0: pd.DataFrame({"unit": ["a", "b", "c"], "q05_rank": [1, 1, 2], "median_rank": [1, 2, 3],
                         "q95_rank": [2, 3, 3]}),
        1: pd.DataFrame({"unit": ["a", "b", "c"], "q05_rank": [1, 2, 1], "median_rank": [2, 3, 1],
                         "q95_rank": [3, 3, 2]}),
        2: pd.DataFrame({"unit": ["a", "b", "c"], "q05_rank": [1, 1, 1], "median_rank": [1, 2, 3],
                         "q95_rank": [1, 3, 3]}),
    }
    table = statements(members, top=2, band=2, pairs=[["a", "b"], ["c", "a"]])
    got = {(r.statement, r.unit): r.holds_in for r in table.itertuples()}
    # top 2 (q95 <= 2): a in members 0 and 2; b never; c in member 1
    assert (got["top 2", "a"], got["top 2", "b"], got["top 2", "c"]) == (2, 0, 1)
    # band < 2 (q95 - q05 < 2): a: 1, 2, 0 -> members 0, 2; b: 2, 1, 2 -> member 1; c: 1, 1, 2 -> members 0, 1
    assert (got["band < 2", "a"], got["band < 2", "b"], got["band < 2", "c"]) == (2, 1, 2)
    # a above b: 1<2, 2<3, 1<2 -> every member; c above a: 3<1 no, 1<2 yes, 3<1 no -> one member
    assert (got["a above b", "a"], got["c above a", "c"]) == (3, 1)
    robust = table.set_index(["statement", "unit"])["robust"]
    assert robust["a above b", "a"] and not robust["top 2", "a"]
    assert table["share"].tolist() == pytest.approx(table["holds_in"] / 3)
    two_of_three = statements(members, top=2, band=2, robust_share=2 / 3).set_index(["statement", "unit"])
    assert two_of_three.loc[("top 2", "a"), "robust"] and not two_of_three.loc[("top 2", "c"), "robust"]


def test_statements_refuse_an_unknown_unit():
    frame = pd.DataFrame({"unit": ["a"], "q05_rank": [1], "median_rank": [1], "q95_rank": [1]})
    with pytest.raises(ConfigError, match="ensemble.pairs: unknown unit 'z'"):
        statements({0: frame}, top=1, band=1, pairs=[["a", "z"]])


def test_summaries_keep_their_shape():
    members = [{"shift": 1.0, "n": 3, "ok": True, "out": ["a"], "history": [{"N": 32, "w": 0.5}]},
               {"shift": 2.0, "n": 3, "ok": True, "out": ["b"], "history": [{"N": 32, "w": 0.7}]},
               {"shift": 6.0, "n": 3, "ok": False, "out": ["a", "b"], "history": [{"N": 32, "w": 0.9}]}]
    assert summaries_across_members(members) == {"shift": 2.0, "n": 3, "ok": False, "out": ["a", "b"],
                                                 "history": [{"N": 32, "w": 0.7}]}
    spread = summary_spread(members)
    assert spread["ranges_q05_q95"]["shift"] == pytest.approx(list(np.percentile([1.0, 2.0, 6.0], [5, 95])))
    assert spread["ranges_q05_q95"]["history.0.w"] == pytest.approx(list(np.percentile([0.5, 0.7, 0.9], [5, 95])))
    assert "n" not in spread["ranges_q05_q95"]
    assert spread["shares"] == {"ok": pytest.approx(2 / 3), "out": {"a": pytest.approx(2 / 3), "b": pytest.approx(2 / 3)}}
