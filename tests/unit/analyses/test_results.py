"""Every analysis returns a result with a table, its run-folder files, a summary and short reprs; a Study runs in
memory what it saves, and chooses its nominal methodology as documented."""

from __future__ import annotations

import pandas as pd
import pytest

import dti_bench as db
from dti_bench.errors import ConfigError

FW = db.load_framework("dti-provincial-2022")
DATA = db.load_dataset("dti2022-published-profiles")
FACTORS = [db.factors.choice("aggregate.method", ["arithmetic", "geometric"], name="aggregation"),
           db.factors.range("normalise.lo", 0.0, 0.5)]


def results():
    m = FW.official.vary({"normalise": {"method": "minmax", "lo": 1, "hi": 100}})
    pillars = ["digital_government", "digital_economy", "digital_society"]
    return {
        "uncertainty": db.uncertainty(FW, DATA, m, FACTORS[:1] + [db.factors.weight_noise(0.2)], n=64),
        "sobol": db.sobol(FW, DATA, m, FACTORS[:1] + [db.factors.weight_noise(0.2)], n=32, target=None),
        "morris": db.morris(FW, DATA, m, FACTORS[:1] + [db.factors.weight_noise(0.2)], n=8),
        "pawn": db.pawn(FW, DATA, m, FACTORS[:1], n=100, slices=4),
        "grid": db.grid(FW, DATA, m, {"aggregate": ["arithmetic", "harmonic"]}),
        "importance": db.importance(FW, DATA, m, methods=["pearson"], n_boot=0),
        "coherence": db.coherence(FW, DATA, m),
        "leave_one_out": db.leave_one_out(FW, DATA, m),
        "robust_pairs": db.robust_pairs(FW, DATA, m),
        "weight_map": db.weight_map(FW, DATA, m, "can_tho", pillars, resolution=6),
    }


@pytest.fixture(scope="module")
def all_results():
    return results()


@pytest.mark.parametrize("name", ["uncertainty", "sobol", "morris", "pawn", "grid", "importance", "coherence", "leave_one_out",
                          "robust_pairs", "weight_map"])
def test_every_result_has_a_frame_files_a_summary_and_reprs(all_results, name):
    result = all_results[name]
    frame = result.to_frame()
    assert isinstance(frame, pd.DataFrame) and len(frame)
    assert all(isinstance(t, pd.DataFrame) for t in result.tables().values())
    assert isinstance(result.summary(), dict)
    text = repr(result)
    assert text.startswith(type(result).__name__ + "(") and len(text) < 200 and "array(" not in text
    assert result._repr_html_().startswith("<p><strong>") and "<table" in result._repr_html_()


def test_the_methodology_argument():
    a = db.compute_index(FW, DATA).scores
    pd.testing.assert_frame_equal(a, db.compute_index(FW, DATA, FW.official).scores)
    pd.testing.assert_frame_equal(a, db.compute_index(FW, DATA, FW.official.to_dict()).scores)
    with pytest.raises(ConfigError, match="methodology: expected a Methodology"):
        db.compute_index(FW, DATA, "official")


def test_a_range_factor_and_a_dataframe_as_data():
    frame = DATA.frame()
    result = db.uncertainty(FW, frame, {"normalise": {"method": "minmax", "lo": 1, "hi": 100}}, FACTORS, n=40)
    assert result.samples == 40 and not result.failed


@pytest.mark.parametrize("block, source", [(None, "official"), ({}, "official"), ({"round": 2}, "config")])
def test_study_takes_the_official_methodology_when_the_config_has_none(block, source):
    raw = {"name": "x", "data": {"dataset": "dti2022-published-profiles"}}
    if block is not None:
        raw["methodology"] = block
    study = db.Study.from_config(raw)
    assert study.methodology_source == source
    assert (study.methodology == FW.official) == (source == "official")


def test_study_without_any_methodology_says_it_uses_the_package_default(tmp_path):
    imeta = FW.to_imeta()
    imeta.to_csv(tmp_path / "m.csv", index=False)
    framework_yaml = tmp_path / "f.yaml"
    spec = FW.to_dict()
    spec.pop("official")
    import yaml

    framework_yaml.write_text(yaml.safe_dump(spec, allow_unicode=True))
    study = db.Study.from_config({"name": "x", "data": {"dataset": "dti2022-published-profiles",
                                                         "framework": str(framework_yaml)}})
    assert study.methodology_source == "default" and study.methodology == db.Methodology.default()
    assert "package default" in study.methodology_note
    # an iMeta table carries COINr's defaults
    coinr = db.Study.from_config({"name": "x", "data": {"dataset": "dti2022-published-profiles",
                                                         "framework": str(tmp_path / "m.csv")}})
    assert coinr.methodology_source == "official" and "COINr" in coinr.methodology_note


def test_study_run_in_memory_equals_what_it_saves(tmp_path):
    study = db.Study.from_config({"name": "x", "data": {"dataset": "dti2022-published-profiles"}, "analyses": {
        "uncertainty": {"samples": 64, "factors": [{"path": "weights", "noise": 0.2}]},
        "grid": {"aggregate": ["arithmetic", "geometric"]}}})
    results = study.run()
    folder = study.save(tmp_path, figures="none", report=False)
    saved = pd.read_csv(folder / "uncertainty.csv")
    pd.testing.assert_frame_equal(saved[["unit", "q05_rank", "q95_rank"]],
                                  results["uncertainty"].to_frame()[["unit", "q05_rank", "q95_rank"]].astype(
                                      {"q05_rank": int, "q95_rank": int}), check_dtype=False)
    assert set(results) == {"grid", "uncertainty"}


def test_validation_binds_every_analysis_before_anything_runs():
    raw = {"name": "x", "data": {"dataset": "dti2022-published-profiles"}, "analyses": {
        "uncertainty": {"samples": 64, "factors": [{"path": "weights", "noise": 0.2}]},
        "weight_map": {"units": ["atlantis"]}}}
    with pytest.raises(ConfigError, match="analyses.weight_map.units: unknown unit 'atlantis'"):
        db.Study.from_config(raw)
    raw["analyses"] = {"importance": {"methods": ["lowess"]}}
    with pytest.raises(ConfigError, match="analyses.importance.methods: unknown estimator 'lowess'"):
        db.Study.from_config(raw)
    raw["analyses"] = {"stability": {"nodes": ["awareness"]}}
    with pytest.raises(ConfigError, match="analyses.stability.nodes: .*'awareness' is an indicator"):
        db.Study.from_config(raw)
    raw["analyses"] = {"sensitivity": {"method": "pawn", "factors": [{"path": "weights", "noise": 0.2}]}}
    with pytest.raises(ConfigError, match="PAWN conditions on one column per factor"):
        db.Study.from_config(raw)
