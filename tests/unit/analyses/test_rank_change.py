"""Rank changes under uncertainty: each sampled variant applied to both time points.

Pinned to hand-computed ranks (per-year, pooled and reference-year normalisation on a table where they differ),
to the nominal case (no factors: the distribution is the nominal change), to chunk invariance, and to the
properties: robust changes are a subset of the non-zero ones; data noise is independent per time point.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st

import dti_bench as db
from dti_bench.analyses.factors import methodology_for, parse_factors
from dti_bench.analyses.rank_change import TIME_STREAMS, at_time
from dti_bench.errors import ConfigError
from dti_bench.model.framework import Framework

FW = Framework.from_tree({"I": ["a", "b"]})
UNITS = ["u1", "u2", "u3"]


def hand_panel():
    # 2019: a over [0, 10] -> 0, 1, .5; b over [0, 2] -> 0, .5, 1; means 0, .75, .75: u2 and u3 tie first
    # 2020 per year: a over [0, 2] -> 0, .5, 1; b -> 0, 1, .75; means 0, .75, .875: u3 1st, u2 2nd
    # 2020 pooled (a over [0, 10], b over [0, 2], the 2019 ranges): a -> 0, .1, .2; means 0, .55, .475: u2 1st
    y1 = pd.DataFrame({"a": [0, 10, 5], "b": [0, 1, 2]}, index=UNITS, dtype=float)
    y2 = pd.DataFrame({"a": [0, 1, 2], "b": [0, 2, 1.5]}, index=UNITS, dtype=float)
    return db.Panel.from_datasets({2019: db.Dataset.from_frame(y1, FW), 2020: db.Dataset.from_frame(y2, FW)})


@pytest.mark.parametrize("over, ranks_2020, change", [
    ("time_point", [3, 2, 1], [0, -1, 0]),
    ("pooled", [3, 1, 2], [0, 0, -1]),
    ("reference", [3, 1, 2], [0, 0, -1]),
])
def test_normalisation_across_time_on_a_hand_table(over, ranks_2020, change):
    result = db.rank_change(FW, hand_panel(), {"normalise": "minmax"}, n=4, normalise_over=over,
                            reference_time=2019 if over == "reference" else None)
    table = result.to_frame()
    assert table.nominal_rank_from.tolist() == [3, 1, 1]
    assert table.nominal_rank_to.tolist() == ranks_2020 and table.nominal_change.tolist() == change
    # no factors: every sample is the nominal variant, so the distribution is the nominal change
    assert table.median_change.tolist() == change == table.q05_change.tolist() == table.q95_change.tolist()
    assert table.robust.tolist() == [c != 0 for c in change]
    assert table.samples.tolist() == [4, 4, 4]


def test_the_nominal_change_is_the_published_change_recomputed_by_hand():
    fw = db.load_framework("dti-provincial-2022")
    ds = db.load_dataset("dti2022-synthetic")
    grown = np.where(np.array(ds.units)[:, None] == "hai_phong", ds.values * 1.03, ds.values)
    later = ds.replace(values=grown)
    table = db.rank_change(fw, {2022: ds, 2023: later}, fw.official, [db.factors.weight_noise(0.25)], n=300).to_frame()
    by_hand = (db.compute_index(fw, ds).ranks["DTI"] - db.compute_index(fw, later).ranks["DTI"]).to_numpy()
    assert table.nominal_change.to_numpy().tolist() == by_hand.tolist()
    robust, nonzero = set(table.unit[table.robust]), set(table.unit[table.nominal_change != 0])
    assert robust < nonzero and "hai_phong" in robust      # a strict subset here: many moves are within the noise
    assert table.set_index("unit").loc["hai_phong", "nominal_change"] == 6


def test_the_same_seed_gives_the_same_result_whatever_the_chunk():
    fw = db.load_framework("dti-provincial-2022")
    ds = db.load_dataset("dti2022-synthetic")
    later = ds.replace(values=np.roll(ds.values, 1, axis=1))   # another year: the indicators shifted round
    factors = [db.factors.choice("aggregate.method", ["arithmetic", "geometric"]), db.factors.weight_noise(0.2),
               db.factors.data_noise(0.05, draws=20)]
    one = db.rank_change(fw, {2022: ds, 2023: later}, fw.official, factors, n=500, seed=4, chunk_size=500)
    many = db.rank_change(fw, {2022: ds, 2023: later}, fw.official, factors, n=500, seed=4, chunk_size=33)
    pd.testing.assert_frame_equal(one.to_frame(), many.to_frame())
    assert one.summary() == many.summary()


def test_data_noise_is_independent_per_time_point():
    fw = db.load_framework("dti-provincial-2022")
    ds = db.load_dataset("dti2022-synthetic")
    [f] = parse_factors([db.factors.data_noise(0.05)], fw, fw.official)
    m = methodology_for(fw.official, [(f, 3)], fw)
    assert at_time(m, 1).noise[0].stream == m.noise[0].stream + TIME_STREAMS and at_time(m, 0) is m
    # the same data twice: the nominal change is 0 everywhere, and only independent errors can move a rank
    result = db.rank_change(fw, {2022: ds, 2023: ds}, fw.official, [db.factors.data_noise(0.05)], n=200)
    table = result.to_frame()
    assert (table.nominal_change == 0).all() and not table.robust.any()
    assert (table.p_rise > 0).any() and (table.p_fall > 0).any()


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 10_000), noise=st.floats(0.05, 0.5))
def test_robust_changes_are_a_subset_of_the_nonzero_ones(seed, noise):
    rng = np.random.default_rng(seed)
    fw = Framework.from_tree({"I": {"A": ["a", "b"], "B": ["c", "d"]}})
    frames = {t: pd.DataFrame(rng.uniform(1, 9, (15, 4)), columns=list("abcd"), index=[f"u{i}" for i in range(15)])
              for t in (2019, 2020, 2021)}
    panel = db.Panel.from_datasets({t: db.Dataset.from_frame(f, fw) for t, f in frames.items()})
    table = db.rank_change(fw, panel, None, [db.factors.weight_noise(noise)], n=100, seed=seed).to_frame()
    assert set(table.time_from) == {2019, 2020}       # consecutive pairs by default
    robust = table[table.robust]
    assert (robust.nominal_change != 0).all()
    assert ((robust.nominal_change > 0) == (robust.q05_change > 0)).all()
    assert ((robust.nominal_change < 0) == (robust.q95_change < 0)).all()
    assert np.allclose(table.p_rise + table.p_fall <= 1 + 1e-12, True)


def test_bad_arguments_are_one_line_errors():
    with pytest.raises(ConfigError, match=r"pairs\[0\]: time 2018 is not in the panel"):
        db.rank_change(FW, hand_panel(), None, pairs=[[2018, 2020]])
    with pytest.raises(ConfigError, match="node: 'X' is not a composite"):
        db.rank_change(FW, hand_panel(), None, node="X")
    with pytest.raises(ConfigError, match="normalise_over: unknown 'yearly'"):
        db.rank_change(FW, hand_panel(), None, normalise_over="yearly")


def test_normalisation_across_time_as_a_factor_routes_each_sample():
    """On the hand table, per-year and pooled normalisation disagree on u2 and u3 (see above): a factor choosing
    between them gives each unit a mixture of the two nominal changes, in the proportions of the draws."""
    factor = {"path": "normalise_over", "choices": ["time_point", "pooled"], "name": "across time"}
    result = db.rank_change(FW, hand_panel(), {"normalise": "minmax"}, [factor], n=400, seed=3)
    table = result.to_frame().set_index("unit")
    share_pooled = table.loc["u3", "p_fall"]            # u3 falls (2nd in 2020) only under pooled normalisation
    assert 0.35 < share_pooled < 0.65
    assert table.loc["u2", "p_fall"] == pytest.approx(1 - share_pooled)   # u2 falls only under per-year ones
    assert table.loc["u1", "p_rise"] == 0 == table.loc["u1", "p_fall"]
    with pytest.raises(ConfigError, match="only analyses.rank_change compares time points"):
        db.uncertainty(FW, hand_panel()[2019], None, [factor], n=10)
    with pytest.raises(ConfigError, match=r"choices\[0\]: 'yearly' is not one of"):
        db.rank_change(FW, hand_panel(), None, [{"path": "normalise_over", "choices": ["yearly"]}])
    with_reference = {"path": "normalise_over", "choices": ["time_point", {"reference": 2019}]}
    assert db.rank_change(FW, hand_panel(), {"normalise": "minmax"}, [with_reference], n=50).samples == 50


def test_sobol_indices_of_rank_changes_name_what_drives_them():
    """In the Decision 922 DAG the DTI does not aggregate the pillars, so noise on one pillar's weights cannot move
    a DTI rank change: its indices are 0; the aggregation drives the changes."""
    from dti_bench.analyses.rank_change import SUMMARY_OUTPUT, rank_change_sensitivity

    fw = db.load_framework("dti-provincial-2022")
    ds = db.load_dataset("dti2022-synthetic")
    later = ds.replace(values=np.roll(ds.values, 1, axis=1))
    factors = [db.factors.choice("aggregate.method", ["arithmetic", "geometric", "harmonic"], name="aggregation"),
               db.factors.weight_noise(0.25, node="digital_government", name="pillar weights")]
    table = rank_change_sensitivity(fw, {2022: ds, 2023: later}, fw.official, factors, n=64)
    summary = table[table.output == SUMMARY_OUTPUT].set_index("factor")
    assert summary.loc["pillar weights", "ST"] == 0 and summary.loc["pillar weights", "S1"] == 0
    assert summary.loc["aggregation", "ST"] > 0.9
    assert len(table) == (len(ds.units) + 1) * 2
    with pytest.raises(ConfigError, match="power of 2"):
        rank_change_sensitivity(fw, {2022: ds, 2023: later}, fw.official, factors, n=100)


def test_a_panel_across_a_framework_change_ranks_each_year_on_its_own_framework():
    """Year 1 weights a and b equally, year 2 (the publisher changed its rule) puts all weight on b: the nominal
    ranks are each year's own, computed by hand; a factor whose columns change with the framework is refused."""
    old = Framework.from_tree({"I": {"a": 1, "b": 1}})
    new = Framework.from_tree({"I": {"a": 0.001, "b": 1, "c": 1}})
    y1 = pd.DataFrame({"a": [3.0, 1.0, 2.0], "b": [1.0, 2.0, 3.0]}, index=UNITS)          # means 2, 1.5, 2.5
    y2 = pd.DataFrame({"a": [9.0, 1.0, 1.0], "b": [1.0, 3.0, 2.0], "c": [1.0, 1.0, 1.0]}, index=UNITS)
    panel = db.Panel.from_datasets({2019: db.Dataset.from_frame(y1, old), 2020: db.Dataset.from_frame(y2, new)},
                                   frameworks={2019: old, 2020: new})
    table = db.rank_change(new, panel, {"normalise": "none"}, n=4).to_frame()
    # 2019: u3 2.5, u1 2, u2 1.5 -> ranks 2, 3, 1; 2020 (a ~ 0): b + c: 2.0, 4.0, 3.0 (+ tiny a) -> ranks 3, 1, 2
    assert table.nominal_rank_from.tolist() == [2, 3, 1] and table.nominal_rank_to.tolist() == [3, 1, 2]
    with pytest.raises(ConfigError, match=r"'weights' takes 2 columns at 2019 and 3 at 2020 \(the framework changed\)"):
        db.rank_change(new, panel, {"normalise": "none"}, [db.factors.weight_noise(0.2)], n=4)
    ok = db.rank_change(new, panel, {"normalise": "none"}, [db.factors.choice("aggregate.method",
                                                                              ["arithmetic", "geometric"])], n=20)
    assert ok.samples == 20
    assert panel.pooled().indicators == ("a", "b", "c") and np.isnan(panel.pooled().values[:3, 2]).all()
