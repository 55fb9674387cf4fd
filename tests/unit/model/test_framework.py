"""The framework model: a weighted DAG, COINr iMeta tables, and validation errors that name the code."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings

from dti_bench.errors import FrameworkError
from dti_bench.model.framework import Framework
from dti_bench.testing import deep_frameworks


def spec(**changes):
    base = {
        "name": "toy",
        "indicators": ["a", "b", {"code": "c", "direction": -1, "lo": 0, "hi": 10, "target": 8}],
        "composites": [
            {"code": "P", "children": {"a": 1, "b": 2}},
            {"code": "Q", "children": {"b": 1, "c": 1}},
            {"code": "I", "children": {"P": 1, "Q": 3}},
        ],
    }
    base.update(changes)
    return base


def test_dag_with_shared_child_levels_and_order():
    fw = Framework.from_dict(spec())
    assert fw.indicators == ("a", "b", "c") and fw.composites == ("P", "Q", "I")
    assert fw.nodes == ("a", "b", "c", "P", "Q", "I")
    assert fw.parents("b") == ("P", "Q")  # b feeds two composites
    assert [fw.level(c) for c in fw.nodes] == [1, 1, 1, 2, 2, 3]
    assert fw.headline == "I"
    assert fw.nominal_weights("I").tolist() == [1, 3]
    node = fw.node("c")
    assert (node.direction, node.lo, node.hi, node.target) == (-1, 0.0, 10.0, 8.0)


def test_dti_pillars_share_the_foundation(dti2022):
    for code in ("awareness", "institutions", "infrastructure", "human_resources", "cybersecurity"):
        assert set(dti2022.parents(code)) == {"DTI", "digital_government", "digital_economy", "digital_society"}
    assert dti2022.parents("gov_activity") == ("DTI", "digital_government")
    assert dti2022.nominal_weights("DTI").sum() == 1000  # max points
    assert dti2022.headline == "DTI"


def test_ancestors_follow_every_path_up_the_dag(dti2022):
    fw = Framework.from_dict(spec())
    assert fw.ancestors("b") == ("P", "Q", "I")  # b feeds P and Q, both of which feed I
    assert fw.ancestors("a") == ("P", "I") and fw.ancestors("P") == ("I",) and fw.ancestors("I") == ()
    # Decision 922: the DTI and the three pillars are built side by side from the main indicators
    assert dti2022.ancestors("awareness") == dti2022.composites
    assert dti2022.ancestors("econ_activity") == ("DTI", "digital_economy")
    assert all(dti2022.ancestors(p) == () for p in ("digital_government", "digital_economy", "digital_society"))


@settings(max_examples=100, deadline=None)
@given(deep_frameworks())
def test_ancestors_are_the_parents_and_their_ancestors(fw):
    for code in fw.nodes:
        up = fw.ancestors(code)
        expected = set(fw.parents(code)).union(*(fw.ancestors(p) for p in fw.parents(code)))
        assert set(up) == expected and len(up) == len(expected)
        assert list(up) == [c for c in fw.composites if c in expected]  # in topological order
        assert all(fw.level(a) > fw.level(code) for a in up)


def test_composites_are_ordered_children_first_whatever_the_declared_order():
    s = spec(composites=[{"code": "I", "children": {"P": 1, "Q": 3}}, {"code": "P", "children": ["a", "b"]},
                         {"code": "Q", "children": ["b", "c"]}])
    fw = Framework.from_dict(s)
    assert fw.composites.index("I") > fw.composites.index("P")
    assert fw.nominal_weights("P").tolist() == [1.0, 1.0]  # a list of children means equal weights


@pytest.mark.parametrize("change, message", [
    ({"composites": [{"code": "P", "children": {"a": 1, "zz": 1}}]}, "unknown child 'zz'"),
    ({"composites": [{"code": "P", "children": {"a": -1}}]}, "negative"),
    ({"composites": [{"code": "P", "children": {}}]}, "'P' has no children"),
    ({"indicators": ["a", "a"], "composites": [{"code": "P", "children": ["a"]}]}, "duplicate code 'a'"),
    ({"composites": [{"code": "P", "children": ["a", "Q"]}, {"code": "Q", "children": ["P"]}]}, "cycle"),
    ({"headline": "nope"}, "headline 'nope'"),
    ({"indicators": [{"code": "a", "direction": 2}], "composites": [{"code": "P", "children": ["a"]}]}, "direction"),
])
def test_invalid_frameworks_name_the_offending_code(change, message):
    with pytest.raises(FrameworkError, match=message):
        Framework.from_dict(spec(**change))


def test_ambiguous_headline_is_an_error_only_when_one_is_needed():
    fw = Framework.from_dict(spec(composites=[{"code": "P", "children": ["a", "b"]}, {"code": "Q", "children": ["c"]}]))
    assert fw.headline is None and fw.roots == ("P", "Q")
    with pytest.raises(FrameworkError, match="more than one headline candidate .*'P', 'Q'"):
        fw.require_headline()


def imeta_rows():
    return [
        {"iCode": "x1", "iName": "X one", "Level": 1, "Parent": "A", "Weight": 1, "Direction": 1, "Type": "Indicator", "Unit": "%"},
        {"iCode": "x2", "iName": "X two", "Level": 1, "Parent": "A", "Weight": 2, "Direction": -1, "Type": "Indicator"},
        {"iCode": "x3", "iName": "X three", "Level": 1, "Parent": "B", "Weight": 1, "Direction": 1, "Type": "Indicator", "Target": 5},
        {"iCode": "A", "iName": "Pillar A", "Level": 2, "Parent": "Idx", "Weight": 1, "Direction": 1, "Type": "Aggregate"},
        {"iCode": "B", "iName": "Pillar B", "Level": 2, "Parent": "Idx", "Weight": 1, "Direction": 1, "Type": "Aggregate"},
        {"iCode": "Idx", "iName": "Index", "Level": 3, "Parent": None, "Weight": 1, "Direction": 1, "Type": "Aggregate"},
        {"iCode": "region", "Type": "Group"},
        {"iCode": "pop", "Type": "Denominator"},
    ]


def test_imeta_table_round_trip():
    fw = Framework.from_imeta(pd.DataFrame(imeta_rows()))
    assert fw.indicators == ("x1", "x2", "x3") and fw.headline == "Idx"
    assert fw.groups == ("region",) and fw.denominators == ("pop",)
    assert fw.node("x2").direction == -1 and fw.node("x3").target == 5.0
    assert fw.node("x1").extra["Unit"] == "%"  # extra columns are kept
    back = Framework.from_imeta(fw.to_imeta())
    assert back.nodes == fw.nodes and back.edges == fw.edges


def test_imeta_node_on_two_rows_feeds_two_parents():
    rows = imeta_rows()
    rows.append({"iCode": "x1", "Level": 1, "Parent": "B", "Weight": 3, "Type": "Indicator"})
    fw = Framework.from_imeta(pd.DataFrame(rows))
    assert fw.parents("x1") == ("A", "B")
    assert fw.nominal_weights("B").tolist() == [1.0, 3.0]


@pytest.mark.parametrize("edit, message", [
    (lambda r: r[0].update(Parent="nope"), "unknown parent 'nope'"),
    (lambda r: r[0].update(Type="Thing"), "Type 'Thing' is not one of"),
    (lambda r: r[1].update(Weight=-2), "negative"),
    (lambda r: r.append(dict(r[5])), "duplicate code 'Idx'"),
    (lambda r: r[3].update(Level=1), "must sit below its parent"),
])
def test_imeta_errors_name_the_code(edit, message):
    rows = imeta_rows()
    edit(rows)
    with pytest.raises(FrameworkError, match=message):
        Framework.from_imeta(pd.DataFrame(rows))


def test_subset_drops_empty_composites():
    fw = Framework.from_dict(spec())
    sub = fw.subset(["a"])
    assert sub.indicators == ("a",) and sub.composites == ("P", "I")


# -- written in code, stored in a run folder, and the publisher's methodology --------------------------------------

def test_from_tree_builds_a_two_level_framework():
    fw = Framework.from_tree({"Index": {"A": ["x1", "x2"], "B": {"x3": 2, "x4": None}}}, name="mine",
                             weights={"B": 3}, directions={"x4": -1})
    assert fw.indicators == ("x1", "x2", "x3", "x4") and fw.composites == ("A", "B", "Index")
    assert fw.headline == "Index" and fw.n_levels == 3
    np.testing.assert_array_equal(fw.nominal_weights("B"), [2.0, 1.0])
    np.testing.assert_array_equal(fw.nominal_weights("Index"), [1.0, 3.0])
    assert fw.node("x4").direction == -1 and fw.official is None
    with pytest.raises(FrameworkError, match="direction given for 'x9'"):
        Framework.from_tree({"Index": ["x1"]}, directions={"x9": -1})
    with pytest.raises(FrameworkError, match="needs a list or mapping of children"):
        Framework.from_tree({"Index": {"A": []}})


@settings(max_examples=60, deadline=None)
@given(deep_frameworks())
def test_to_dict_round_trips(fw):
    again = Framework.from_dict(fw.to_dict())
    assert again == fw
    assert {c: again.level(c) for c in again.nodes} == {c: fw.level(c) for c in fw.nodes}
    assert [again.node(c).direction for c in again.indicators] == [fw.node(c).direction for c in fw.indicators]


def test_to_dict_keeps_explicit_levels_metadata_and_the_official_methodology(dti2022):
    again = Framework.from_dict(dti2022.to_dict())
    assert again == dti2022 and again.official == dti2022.official
    assert again.meta["source"] == dti2022.meta["source"]
    assert again.node("awareness").extra["max_points"] == 100
    imeta = Framework.from_imeta(dti2022.to_imeta(), name="x")
    assert Framework.from_dict(imeta.to_dict()).official == imeta.official


def test_official_methodologies(dti2022, dti2020):
    # Decision 922 (S45, S46): points / max points, weighted by max points, summed, ranked on 4 decimals
    assert dti2022.official.to_dict() == {**dti2022.official.to_dict(), "normalise": "none", "weights": "nominal",
                                          "aggregate": "arithmetic", "round": 4}
    assert dti2020.official.round == 4 and "1726" in dti2020.official_source
    # a framework read from iMeta carries COINr's defaults (n_minmax to [0, 100], a_amean)
    imeta = Framework.from_imeta(dti2022.to_imeta(), name="x")
    assert imeta.official.normalise.default.kwargs == {"lo": 0, "hi": 100}
    assert "COINr" in imeta.official_source
    with pytest.raises(FrameworkError, match="'official' must be a methodology block"):
        Framework.from_dict({**dti2022.to_dict(), "official": "none"})
    from dti_bench.errors import ConfigError

    with pytest.raises(ConfigError, match="official.aggregate: unknown method 'mean'"):
        Framework.from_dict({**dti2022.to_dict(), "official": {"aggregate": "mean"}})
