"""Measurement scales: which means are meaningful on which normalised values (Ebert & Welsch 2004).

The check is pinned two ways: by hand on small cases (which composite, which cause), and by what meaningfulness
means: a methodology the check passes ranks units the same whatever the arbitrary offset of its normalisation,
and one it flags does not (on the 2022 DTI data the offset of z-scores moves the harmonic mean's ranks).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st

import dti_bench as db
from dti_bench.analyses.factors import parse_factors
from dti_bench.analyses.soundness import MAX_COMBINATIONS, design_warnings, variants_warnings
from dti_bench.errors import FrameworkError, MethodologyWarning
from dti_bench.model.framework import Framework
from dti_bench.model.scales import measurement, node_scales, scale_warnings

ZSCORE = {"method": "zscore", "m": 10, "s": 2}
MINMAX_1_100 = {"method": "minmax", "lo": 1, "hi": 100}


@pytest.fixture(scope="module")
def dti():
    return db.load_framework("dti-provincial-2022")


@pytest.fixture(scope="module")
def dti_data(dti):
    return db.load_dataset("dti2022-synthetic")


def _flagged(framework, block):
    return [(w.node, w.aggregation, w.needs, w.have, w.causes)
            for w in scale_warnings(framework, db.Methodology.from_dict(block, framework))]


def test_the_official_dti_is_not_flagged(dti):
    assert scale_warnings(dti, dti.official) == []
    assert {s for s, _ in node_scales(dti, dti.official).values()} == {"ratio"}


@pytest.mark.parametrize("mean", ["geometric", "harmonic", {"method": "power", "p": 0.5}, "mpi"])
@pytest.mark.parametrize("normalise", [ZSCORE, MINMAX_1_100])
def test_ratio_means_after_interval_normalisations_are_flagged(dti, mean, normalise):
    found = _flagged(dti, {"normalise": normalise, "aggregate": {"default": "arithmetic", "DTI": mean}})
    label = db.Methodology.from_dict({"normalise": normalise}).normalise.default
    assert found == [("DTI", str(db.Methodology.from_dict({"aggregate": mean}).aggregate.default), "ratio",
                      "interval", (f"normalisation {label}",))]


@pytest.mark.parametrize("normalise", ["none", "frac_max", {"method": "goalposts", "lo": 0, "hi": 1}])
def test_ratio_preserving_normalisations_support_every_mean(dti, normalise):
    for mean in ("geometric", "harmonic", {"method": "power", "p": 2}):
        assert _flagged(dti, {"normalise": normalise, "aggregate": mean}) == []


def test_arithmetic_and_order_statistics_on_interval_values_are_not_flagged(dti):
    for mean in ("arithmetic", {"method": "power", "p": 1}, "minimum", "median", "copeland"):
        assert _flagged(dti, {"normalise": ZSCORE, "aggregate": mean}) == []


def test_ordinal_values_support_comparisons_only(dti):
    assert _flagged(dti, {"normalise": "rank", "aggregate": "median"}) == []
    [row] = _flagged(dti, {"normalise": "rank", "aggregate": {"default": "median", "DTI": "arithmetic"}})
    assert row[:4] == ("DTI", "arithmetic", "interval", "ordinal")


def test_an_ordinal_aggregator_below_makes_its_parent_ordinal():
    fw = Framework.from_tree({"I": {"A": ["a1", "a2"], "B": ["b1", "b2"]}})
    found = _flagged(fw, {"normalise": "none", "aggregate": {"default": "arithmetic", "A": "copeland"}})
    assert found == [("I", "arithmetic", "interval", "ordinal", ("aggregation copeland of 'A'",))]


def test_direction_minus_one_loses_the_natural_zero_only_where_the_normaliser_kept_it():
    meta = pd.DataFrame({"iCode": ["a", "b", "I"], "Level": [1, 1, 2], "Parent": ["I", "I", None],
                         "Weight": [1, 1, 1], "Direction": [1, -1, 1],
                         "Type": ["Indicator", "Indicator", "Aggregate"]})
    fw = Framework.from_imeta(meta)
    assert _flagged(fw, {"normalise": "none", "aggregate": "geometric"}) == [
        ("I", "geometric", "ratio", "interval", ("direction -1 under normalisation none",))]
    # min-max is interval-scale either way: the cause is the normalisation, not the direction
    assert _flagged(fw, {"normalise": "minmax", "aggregate": "geometric"})[0][4] == ("normalisation minmax",)


def test_frac_max_scores_a_direction_minus_one_indicator_on_its_raw_ratio_scale():
    """frac_max turns a negated column back into min v / v, a ratio-scale score of the raw quantity: nothing to flag
    under a geometric mean. The other ratio-preserving normalisers keep the negated column's sign, so direction -1
    still costs them the natural zero."""
    meta = pd.DataFrame({"iCode": ["a", "b", "I"], "Level": [1, 1, 2], "Parent": ["I", "I", None],
                         "Weight": [1, 1, 1], "Direction": [1, -1, 1],
                         "Type": ["Indicator", "Indicator", "Aggregate"]})
    fw = Framework.from_imeta(meta)
    assert _flagged(fw, {"normalise": "frac_max", "aggregate": "geometric"}) == []
    assert node_scales(fw, db.Methodology.from_dict({"normalise": "frac_max"}, fw))["b"] == ("ratio", ())
    for name in ("vector", "sum"):
        assert _flagged(fw, {"normalise": name, "aggregate": "geometric"}) == [
            ("I", "geometric", "ratio", "interval", (f"direction -1 under normalisation {name}",))]
    # a declared interval measurement stays interval: frac_max restores the raw scale, it does not invent one
    meta["Measurement"] = ["ratio", "interval", None]
    fw = Framework.from_imeta(meta)
    assert node_scales(fw, db.Methodology.from_dict({"normalise": "frac_max"}, fw))["b"][0] == "interval"


def test_goalposts_keep_a_ratio_scale_only_from_a_zero_lower_goalpost():
    fw = Framework.from_tree({"I": {"a": 1, "b": 1}})
    assert _flagged(fw, {"normalise": {"method": "goalposts", "lo": 0, "hi": 10}, "aggregate": "geometric"}) == []
    assert _flagged(fw, {"normalise": {"method": "goalposts", "lo": 2, "hi": 10}, "aggregate": "geometric"})


def test_a_declared_measurement_scale_is_the_indicators_raw_scale(tmp_path):
    path = tmp_path / "fw.yaml"
    path.write_text("name: likert\nheadline: I\nindicators:\n  - {code: a, measurement: ordinal}\n  - {code: b}\n"
                    "composites:\n  - {code: I, children: {a: 1, b: 1}}\n")
    fw = db.load_framework(str(path))
    assert measurement(fw, "a") == "ordinal" and measurement(fw, "b") == "ratio"
    [row] = _flagged(fw, {"normalise": "none", "aggregate": "arithmetic"})
    assert row[3:] == ("ordinal", ("declared measurement ordinal (a)",))
    other = tmp_path / "fw2.yaml"
    other.write_text(path.read_text().replace("ordinal", "nominal"))
    with pytest.raises(FrameworkError, match=r"indicator 'a': measurement 'nominal' is not a scale; valid choices"):
        scale_warnings(db.load_framework(str(other)), db.Methodology.default())


def test_compute_index_warns_and_keeps_the_warnings(dti, dti_data):
    variant = dti.official.vary({"normalise": ZSCORE, "aggregate": "harmonic"})
    with pytest.warns(MethodologyWarning, match=r"composite 'DTI': harmonic needs ratio-scale inputs .* "
                                                r"normalisation zscore\(m=10, s=2\)"):
        result = db.compute_index(dti, dti_data, variant)
    assert len(result.warnings) == 4 and result.warnings[0].startswith("composite 'DTI'")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert db.compute_index(dti, dti_data, dti.official).warnings == ()


def _ranks(framework, data, block):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MethodologyWarning)
        return db.compute_index(framework, data, block).rank_values[framework.headline].to_numpy()


def test_the_flag_is_what_moves_with_the_offset_on_the_dti(dti, dti_data):
    """The issue's finding: the harmonic mean's ranks after z-scores depend on the z-scores' arbitrary mean, the
    arithmetic mean's do not; the check flags exactly the first."""
    def shift(mean, m):
        base = _ranks(dti, dti_data, {"normalise": {"method": "zscore", "m": 100, "s": 2}, "aggregate": mean})
        moved = _ranks(dti, dti_data, {"normalise": {"method": "zscore", "m": m, "s": 2}, "aggregate": mean})
        return np.abs(base - moved).mean()
    assert shift("arithmetic", 7) == 0 and shift("arithmetic", 20) == 0
    assert shift("harmonic", 7) > shift("harmonic", 20) > 0
    assert _flagged(dti, {"normalise": ZSCORE, "aggregate": "harmonic"})
    assert not _flagged(dti, {"normalise": ZSCORE, "aggregate": "arithmetic"})


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2 ** 32 - 1), offset=st.floats(1, 1000), factor=st.floats(0.1, 10))
def test_unflagged_methodologies_rank_the_same_whatever_the_arbitrary_units(seed, offset, factor):
    """Meaningfulness as a property: with z-scores and the arithmetic mean (not flagged) any offset m gives the
    same ranks; with raw ratio-scale data and the geometric mean (not flagged) rescaling an indicator does."""
    rng = np.random.default_rng(seed)
    fw = Framework.from_tree({"I": {"a": 1, "b": 2, "c": 1}})
    table = pd.DataFrame(rng.uniform(1, 9, (12, 3)), columns=["a", "b", "c"], index=[f"u{i}" for i in range(12)])
    data = db.Dataset.from_frame(table, fw)
    assert not _flagged(fw, {"normalise": {"method": "zscore", "m": offset, "s": 1}, "aggregate": "arithmetic"})
    np.testing.assert_array_equal(_ranks(fw, data, {"normalise": {"method": "zscore", "m": offset, "s": 1}}),
                                  _ranks(fw, data, {"normalise": {"method": "zscore", "m": 10, "s": 1}}))
    assert not _flagged(fw, {"normalise": "none", "aggregate": "geometric"})
    rescaled = db.Dataset.from_frame(table.assign(b=table["b"] * factor), fw)
    np.testing.assert_array_equal(_ranks(fw, rescaled, {"normalise": "none", "aggregate": "geometric"}),
                                  _ranks(fw, data, {"normalise": "none", "aggregate": "geometric"}))


# -- designs ------------------------------------------------------------------------------------------------------

def test_design_warnings_count_the_settings_and_name_every_combination(dti):
    factors = parse_factors([db.factors.choice("normalise", ["none", MINMAX_1_100, ZSCORE]),
                             db.factors.choice("aggregate.method", ["arithmetic", "geometric", "harmonic"]),
                             db.factors.weight_noise(0.25, levels=[1])], dti, dti.official)
    lines = design_warnings(dti, dti.official, factors, "analyses.uncertainty")
    assert len(lines) == 4
    assert all(line.startswith("analyses.uncertainty: 1 of 9 settings: composite 'DTI': ") for line in lines)
    assert all("also at 3 other composites: digital_government, digital_economy, digital_society" in line
               for line in lines)
    pairs = {(mean, norm) for line in lines for mean in ("geometric", "harmonic") for norm in ("minmax", "zscore")
             if f": {mean} needs" in line and f"normalisation {norm}" in line}
    assert len(pairs) == 4


def test_a_ratio_scale_design_is_not_flagged(dti):
    factors = parse_factors([db.factors.choice("normalise", ["none", "frac_max"]),
                             db.factors.choice("aggregate.method", ["arithmetic", "geometric", "harmonic"]),
                             db.factors.range("aggregate.p", -1, 2)], dti, dti.official)
    assert design_warnings(dti, dti.official, factors, "x") == []


def test_a_power_exponent_range_is_checked_at_its_ends(dti):
    nominal = dti.official.vary({"normalise": MINMAX_1_100})
    factors = parse_factors([db.factors.range("aggregate.p", 1, 2, node="DTI")], dti, nominal)
    [line] = design_warnings(dti, nominal, factors, "analyses.sensitivity")
    assert line.startswith("analyses.sensitivity: 1 of 2 settings: composite 'DTI': power(p=2.0) needs ratio")


def test_a_range_of_offsets_is_a_factor_and_is_flagged_with_a_ratio_mean(dti):
    nominal = dti.official.vary({"normalise": ZSCORE, "aggregate": "geometric"})
    factors = parse_factors([db.factors.range("normalise.m", 7, 100)], dti, nominal)
    lines = design_warnings(dti, nominal, factors, "u")   # each end of the range is a setting of its own
    assert [line.split(": ")[1] for line in lines] == ["1 of 2 settings", "1 of 2 settings"]
    assert "zscore(m=7.0, s=2)" in lines[0] and "zscore(m=100.0, s=2)" in lines[1]


def test_large_designs_say_how_much_was_checked(dti):
    many = [db.factors.choice("normalise", ["none", MINMAX_1_100] + [{"method": "zscore", "m": m, "s": 2}
                                                                    for m in range(10, 80)], name="n")]
    many += [db.factors.choice("aggregate.method", ["arithmetic", "geometric"], node=n, name=n)
             for n in dti.composites]
    factors = parse_factors(many, dti, dti.official)
    lines = design_warnings(dti, dti.official, factors, "u")
    assert lines and all(f"(the first {MAX_COMBINATIONS:,} of {72 * 16:,} settings checked)" not in l for l in lines)
    bigger = parse_factors(many + [db.factors.choice("aggregate.method", ["arithmetic", "harmonic", "geometric",
                                                                          "minimum"], name="all")], dti, dti.official)
    lines = design_warnings(dti, dti.official, bigger, "u")
    assert lines and all(l.endswith(f"(the first {MAX_COMBINATIONS:,} of {72 * 16 * 4:,} settings checked)")
                         for l in lines)


def test_grid_variants_are_checked_one_by_one(dti):
    ms = [dti.official.vary(c) for c in ({"aggregate": "geometric"}, {"normalise": ZSCORE},
                                          {"normalise": ZSCORE, "aggregate": "geometric"})]
    [line] = variants_warnings(dti, ms, "analyses.grid")
    assert line.startswith("analyses.grid: 1 of 3 variants: composite 'DTI': geometric needs ratio-scale")


@pytest.mark.parametrize("path, nominal", [("normalise.m", ZSCORE), ("normalise.lo", MINMAX_1_100)])
def test_an_offset_as_a_factor_moves_no_rank_under_the_arithmetic_mean_and_some_under_the_harmonic(
        dti, dti_data, path, nominal):
    """The dti2022-offsets design in small: what the offset moves is the artefact the scale check flags."""
    base = dti.official.vary({"normalise": nominal})
    offset = [db.factors.range(path, 5, 50)]
    arithmetic = db.uncertainty(dti, dti_data, base, offset, n=200, seed=2)
    assert arithmetic.summary()["mean_abs_rank_shift"] == 0
    assert design_warnings(dti, base, parse_factors(offset, dti, base), "u") == []
    harmonic = base.vary({"aggregate": "harmonic"})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MethodologyWarning)
        moved = db.uncertainty(dti, dti_data, harmonic, offset, n=200, seed=2)
    assert moved.summary()["mean_abs_rank_shift"] > 0
    assert design_warnings(dti, harmonic, parse_factors(offset, dti, harmonic), "u")
