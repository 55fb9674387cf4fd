"""The audit tables every run folder holds: normalised.csv (what aggregation received) and weights.csv (the weights
used and each edge's weight on the headline), with weights_by_unit.csv for unit-specific weights; their presence,
their synthetic mark, the reader, the report, and floats that read back bit for bit."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import dti_bench as db
from dti_bench.audit import effective_weights, normalised_table, weights_by_unit_table, weights_table
from dti_bench.io.runs import RunReader
from dti_bench.testing import datasets, deep_frameworks

from conftest import EXAMPLES

# A small DAG: b feeds S and T, both of which feed the headline H; P is published beside H but not aggregated
# into it (the Decision 922 pillars' situation), so its edges carry nothing on H.
DAG = {"name": "dag", "headline": "H", "indicators": ["a", "b", "c", "d"],
       "composites": [{"code": "S", "children": {"a": 1, "b": 1}},
                      {"code": "T", "children": {"b": 1, "c": 2, "d": 1}},
                      {"code": "P", "children": {"a": 1, "c": 1}},
                      {"code": "H", "children": {"S": 1, "T": 3}}]}
# By hand: w_H = (S 1/4, T 3/4), w_S = (1/2, 1/2), w_T = (1/4, 1/2, 1/4), w_P = (1/2, 1/2).
#   edge (S, a) = 1/4 * 1/2 = 1/8; (S, b) = 1/8; (T, b) = 3/4 * 1/4 = 3/16; (T, c) = 3/8; (T, d) = 3/16;
#   (P, a) = (P, c) = 0 (P does not feed H); (H, S) = 1/4; (H, T) = 3/4.
#   child totals: a 1/8, b 1/8 + 3/16 = 5/16, c 3/8, d 3/16 (summing to 1), S 1/4, T 3/4.
HAND = pd.DataFrame([
    ("S", "a", 1.0, 0.5, 0.125, 0.125), ("S", "b", 1.0, 0.5, 0.125, 0.3125),
    ("T", "b", 1.0, 0.25, 0.1875, 0.3125), ("T", "c", 2.0, 0.5, 0.375, 0.375), ("T", "d", 1.0, 0.25, 0.1875, 0.1875),
    ("P", "a", 1.0, 0.5, 0.0, 0.125), ("P", "c", 1.0, 0.5, 0.0, 0.375),
    ("H", "S", 1.0, 0.25, 0.25, 0.25), ("H", "T", 3.0, 0.75, 0.75, 0.75)],
    columns=["node", "child", "nominal_weight", "weight_used", "effective_weight", "child_effective_weight"])


@pytest.fixture(scope="module")
def dag():
    return db.Framework.from_dict(DAG)


def _dag_data(dag):
    values = np.array([[0.2, 0.4, 0.6, 0.8], [0.9, 0.1, 0.5, 0.3], [0.35, 0.65, 0.15, 0.55]])
    return db.Dataset("dag-data", ("u1", "u2", "u3"), ("u1", "u2", "u3"), dag.indicators, values)


def test_effective_weights_on_a_small_dag_match_the_hand_table(dag):
    result = db.compute_index(dag, _dag_data(dag), {"normalise": "none"})
    table = weights_table(result)
    rows = table.set_index(["node", "child"]).loc[list(zip(HAND["node"], HAND["child"]))].reset_index()
    pd.testing.assert_frame_equal(rows.drop(columns="per_unit"), HAND, check_exact=False, rtol=1e-15)
    assert not table["per_unit"].any()
    # a linear index (arithmetic means of the raw values, no missing value) is the indicators weighted by their
    # effective weights: H = a/8 + 5b/16 + 3c/8 + 3d/16
    x = result.normalised
    np.testing.assert_allclose(result.scores["H"], x["a"] / 8 + 5 * x["b"] / 16 + 3 * x["c"] / 8 + 3 * x["d"] / 16,
                               rtol=1e-14)


def test_effective_weights_on_another_headline_and_without_one(dag):
    w = {c: dag.nominal_weights(c) / dag.nominal_weights(c).sum() for c in dag.composites}
    on_t = dict(zip([(e.parent, e.child) for e in dag.edges], effective_weights(dag, w, headline="T")))
    # only T's own edges feed T; H is above it and S, P beside it
    assert on_t == {("S", "a"): 0, ("S", "b"): 0, ("T", "b"): 0.25, ("T", "c"): 0.5, ("T", "d"): 0.25,
                    ("P", "a"): 0, ("P", "c"): 0, ("H", "S"): 0, ("H", "T"): 0}
    two_roots = db.Framework.from_dict({**DAG, "headline": None})
    assert two_roots.headline is None
    assert np.isnan(effective_weights(two_roots, w)).all()


def test_the_decision_922_pillars_carry_nothing_on_the_dti(dti2022, profiles):
    table = weights_table(db.compute_index(dti2022, profiles))
    pillars = table["node"] != "DTI"
    assert (table.loc[pillars, "effective_weight"] == 0).all()
    dti = table[~pillars].set_index("child")
    # the DTI is points / 1000: each main indicator's weight on it is its maximum points / 1000 (Decision 922)
    points = {"awareness": 100, "institutions": 100, "infrastructure": 100, "human_resources": 100,
              "cybersecurity": 100, "gov_activity": 200, "econ_activity": 150, "society_activity": 150}
    for code, p in points.items():
        assert dti.loc[code, "effective_weight"] == pytest.approx(p / 1000, rel=1e-15)
        assert (table.loc[table["child"] == code, "child_effective_weight"] == dti.loc[code, "effective_weight"]).all()
    # a pillar's weight used is the indicator's points over the pillar's (500 + activity points)
    government = table[table["node"] == "digital_government"].set_index("child")["weight_used"]
    assert government["awareness"] == pytest.approx(100 / 700) and government["gov_activity"] == pytest.approx(2 / 7)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_a_linear_index_is_its_indicators_weighted_by_their_effective_weights(data):
    # arithmetic means of arithmetic means with no missing value: H = sum_j E(j) x_j, E(j) the indicator's total
    # weight on the headline, for any DAG (shared children, children from any level below)
    fw = data.draw(deep_frameworks(zero_weights=False))
    ds = data.draw(datasets(fw, missing=0.0))
    result = db.compute_index(fw, ds, {"normalise": "none", "aggregate": "arithmetic"})
    table = weights_table(result)
    total = table.groupby("child")["effective_weight"].sum()
    assert np.allclose(table.set_index("child")["child_effective_weight"], total.reindex(table["child"]))
    head = fw.headline
    linear = sum(total[j] * result.normalised[j] for j in fw.indicators)
    np.testing.assert_allclose(result.scores[head], linear, rtol=1e-12)
    assert total.reindex(list(fw.indicators)).sum() == pytest.approx(1.0)


def _entropy_by_hand(block: np.ndarray) -> np.ndarray:
    """Shannon-entropy weights of non-negative, non-constant columns, written out plainly (each column over its
    present values)."""
    d = []
    for column in block.T:
        column = column[~np.isnan(column)]
        n = len(column)
        p = column / column.sum()
        e = -sum(q * np.log(q) for q in p if q > 0) / np.log(n)
        d.append(1 - e)
    d = np.array(d)
    return d / d.sum()


def test_data_driven_weights_are_recorded_as_compute_index_used_them(tmp_path):
    config = {"name": "entropy", "data": {"indicators": str(EXAMPLES / "example_iData.csv"),
                                          "framework": str(EXAMPLES / "example_iMeta.csv")},
              "methodology": {"normalise": {"method": "minmax", "lo": 0, "hi": 1}, "weights": {"method": "entropy"}},
              "output": {"figures": "none", "report": False}}
    study = db.Study.from_config(config)
    folder = study.save(tmp_path)
    written = RunReader(folder).table("weights.csv")
    nominal = study.nominal
    for comp in study.framework.composites:
        kids = list(study.framework.children(comp))
        rows = written[written["node"] == comp].set_index("child").loc[kids]
        assert np.array_equal(rows["weight_used"].to_numpy(), nominal.weights[comp].to_numpy())
        block = nominal.values[kids].to_numpy()
        np.testing.assert_allclose(rows["weight_used"], _entropy_by_hand(block), rtol=1e-12)
    # and they are not the nominal ones (Exports weighs 2 in iMeta, Crime 0.5)
    econ = written[written["node"] == "Econ"].set_index("child")
    assert not np.allclose(econ["weight_used"], [0.25, 0.5, 0.25])
    assert not written["per_unit"].any() and not (folder / "weights_by_unit.csv").exists()


def test_unit_specific_weights_are_means_in_weights_csv_and_each_units_in_weights_by_unit(dag):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", db.errors.MethodologyWarning)  # bod_weights' standing warning
        result = db.compute_index(dag, _dag_data(dag), {"normalise": "none", "weights": {"method": "bod_weights"}})
    table, by_unit = weights_table(result), weights_by_unit_table(result)
    assert by_unit is not None and len(by_unit) == 3 * len(dag.edges)
    for unit in ("u1", "u2", "u3"):
        mine = by_unit[by_unit["unit"] == unit].set_index(["node", "child"])
        # the unit's own weights, as compute_index used them, and its effective weights from them by hand
        w = {c: np.asarray(result.weights[c].loc[unit]) for c in dag.composites}
        for comp in dag.composites:
            assert np.array_equal(mine.loc[comp, "weight_used"].to_numpy(), w[comp])
        h_s, h_t = w["H"]
        assert mine.loc[("S", "b"), "effective_weight"] == pytest.approx(h_s * w["S"][1])
        assert mine.loc[("T", "b"), "effective_weight"] == pytest.approx(h_t * w["T"][0])
        assert mine.loc[("P", "a"), "effective_weight"] == 0
    means = by_unit.groupby(["node", "child"], sort=False)[["weight_used", "effective_weight"]].mean()
    indexed = table.set_index(["node", "child"])
    np.testing.assert_allclose(indexed.loc[means.index, ["weight_used", "effective_weight"]], means, rtol=1e-14)
    varies = by_unit.groupby(["node", "child"], sort=False)[["weight_used", "effective_weight"]].nunique().max(axis=1) > 1
    assert indexed.loc[varies.index, "per_unit"].tolist() == varies.tolist() and varies.any()


def test_normalised_table_is_what_aggregation_received_unit_by_unit(dti2022, profiles):
    result = db.compute_index(dti2022, profiles, {"normalise": {"method": "zscore", "m": 0, "s": 1}})
    table = normalised_table(result)
    assert table.columns.tolist() == ["unit", "indicator", "value", "treated"]
    wide = table.pivot(index="unit", columns="indicator", values="value").loc[result.normalised.index]
    assert np.array_equal(wide[list(dti2022.indicators)].to_numpy(), result.normalised.to_numpy())
    treated = table.pivot(index="unit", columns="indicator", values="treated").loc[result.data.index]
    assert np.array_equal(treated[list(dti2022.indicators)].to_numpy(), profiles.select(dti2022.indicators).values)
    assert table["unit"].tolist()[:len(dti2022.indicators)] == [result.normalised.index[0]] * len(dti2022.indicators)


# -- the run folder --------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def minimal(tmp_path_factory):
    """A run with no analyses, on synthetic data, with z-scores (floats of full precision) and a report."""
    study = db.Study.from_config({"name": "minimal", "data": {"dataset": "dti2022-synthetic"},
                                  "methodology": {"normalise": {"method": "zscore", "m": 0, "s": 1},
                                                  "weights": "nominal", "aggregate": "arithmetic"},
                                  "output": {"figures": "none", "report": True}})
    return study, study.save(tmp_path_factory.mktemp("runs"))


def test_a_run_with_no_analyses_holds_both_files_marked_synthetic(minimal):
    study, folder = minimal
    assert study.analyses == {}
    for name, first in (("normalised.csv", "unit,indicator,value,treated,synthetic"),
                        ("weights.csv", "node,child,nominal_weight,weight_used,effective_weight,"
                                        "child_effective_weight,per_unit,synthetic")):
        lines = (folder / name).read_text().splitlines()
        assert lines[0] == first and all(line.endswith(",True") for line in lines[1:])
    assert not (folder / "weights_by_unit.csv").exists()


def test_a_run_on_published_data_has_no_synthetic_mark(tmp_path):
    folder = db.Study.from_config({"name": "real", "data": {"dataset": "dti2022-published-profiles"},
                                   "output": {"figures": "none", "report": False}}).save(tmp_path)
    for name in ("normalised.csv", "weights.csv"):
        assert "synthetic" not in (folder / name).read_text().splitlines()[0]


def _same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    nan = np.isnan(a)
    return a.shape == b.shape and np.array_equal(nan, np.isnan(b)) and np.array_equal(
        a[~nan].view(np.uint64), b[~nan].view(np.uint64))


def test_scores_normalised_and_weights_read_back_bit_for_bit(minimal):
    study, folder = minimal
    nominal = study.nominal
    read = {name: pd.read_csv(folder / name, keep_default_na=False, na_values=[""])
            for name in ("scores.csv", "normalised.csv", "weights.csv")}
    scores = read["scores.csv"].set_index("unit")[list(study.framework.composites)]
    assert _same_bits(scores.to_numpy(), nominal.scores.to_numpy())
    assert not np.all(nominal.scores.to_numpy() == np.round(nominal.scores.to_numpy(), 10))  # full precision
    expected_normalised = normalised_table(nominal)
    for column in ("value", "treated"):
        assert _same_bits(read["normalised.csv"][column], expected_normalised[column])
    expected_weights = weights_table(nominal)
    for column in ("nominal_weight", "weight_used", "effective_weight", "child_effective_weight"):
        assert _same_bits(read["weights.csv"][column], expected_weights[column])


def test_the_reader_reads_both_tables_with_codes_as_text(tmp_path):
    # codes that a CSV reader would take for numbers or missing values stay what they are
    fw = db.Framework.from_dict({"name": "codes", "indicators": ["001", "NA"],
                                 "composites": [{"code": "2", "children": {"001": 1, "NA": 3}}]})
    ds = db.Dataset("codes", ("01", "NA"), ("one", "missing"), fw.indicators, np.array([[1.0, np.nan], [3.0, 4.0]]))
    result = db.compute_index(fw, ds, {"normalise": "none"})
    folder = db.io.RunFolder(tmp_path, "codes", "x")
    db.experiment.write_nominal(result, folder)
    db.io.write_json({"run_id": "codes"}, folder.path("manifest.json"))
    run = RunReader(folder.commit())
    normalised, weights = run.table("normalised.csv"), run.table("weights.csv")
    assert normalised["unit"].tolist() == ["01", "01", "NA", "NA"]
    assert normalised["indicator"].tolist() == ["001", "NA", "001", "NA"]
    assert normalised["value"].isna().tolist() == [False, True, False, False]  # missing, not the code 'NA'
    assert normalised["treated"].tolist()[2:] == [3.0, 4.0]
    assert weights[["node", "child"]].values.tolist() == [["2", "001"], ["2", "NA"]]
    assert weights["weight_used"].tolist() == [0.25, 0.75] and weights["per_unit"].dtype == bool


def test_the_report_shows_the_weights_used_in_the_framework_section(minimal):
    _, folder = minimal
    page = (folder / "report.html").read_text()
    framework = page[page.index('id="framework"'):page.index('id="coherence"')]
    assert "Effective weight on DTI" in framework and "Weights (weights.csv)" in framework
    # the pillar digital_government gives gov_activity 200 of its 700 points, and carries nothing on the DTI
    assert ("<tr><td>digital_government</td><td>gov_activity</td><td class=\"num\">200</td>"
            "<td class=\"num\">0.2857</td><td class=\"num\">0.0000</td></tr>") in framework
    assert "Varies by unit" not in framework


def test_on_a_tree_the_child_totals_are_coinr_effective_weights(example_framework):
    # COINr's get_eff_weights: iMeta weights normalised within each group, multiplied down the tree. On the example
    # iMeta, Econ 0.6 and Social 0.4 of the Index; Econ's 1, 2, 1 -> 0.15, 0.3, 0.15; Social's 1, 1, 0.5 ->
    # 0.16, 0.16, 0.08 (0.4 x 0.4, 0.4 x 0.4, 0.4 x 0.2)
    ds = db.Dataset("flat", ("u1", "u2"), ("u1", "u2"), example_framework.indicators,
                    np.arange(1.0, 13.0).reshape(2, 6))
    table = weights_table(db.compute_index(example_framework, ds, {"normalise": "none"})).set_index("child")
    expected = {"GDPpc": 0.15, "Exports": 0.3, "Unemp": 0.15, "LifeExp": 0.16, "Literacy": 0.16, "Crime": 0.08,
                "Econ": 0.6, "Social": 0.4}
    for code, weight in expected.items():
        assert table.loc[code, "child_effective_weight"] == pytest.approx(weight, rel=1e-14)
        assert table.loc[code, "effective_weight"] == table.loc[code, "child_effective_weight"]  # one parent each
