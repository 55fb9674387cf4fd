"""The experiment config and the spec dataclasses: every key checked, every default filled, errors that name the
key and the valid choices."""

from __future__ import annotations

import dataclasses

import pytest

from dti_bench.analyses.registry import ANALYSES, specs
from dti_bench.config import Config, OutputSpec, SensitivitySpec, UncertaintySpec
from dti_bench.errors import ConfigError


def parse_config(raw, *, path=None):
    return Config.from_mapping(raw, path=path, analyses=specs())


@pytest.mark.parametrize("raw, message", [
    ({"name": "x", "data": {"dataset": "d"}, "method": {}}, r"unknown key 'method'; valid keys"),
    ({"name": "x"}, r"data: expected a mapping"),
    ({"name": "x", "data": {"dataset": "d", "indicators": "a.csv", "framework": "f.csv"}}, r"exactly one of"),
    ({"name": "x", "data": {"indicators": "a.csv"}}, r"data.framework: an 'indicators' table needs a framework"),
    ({"name": "x", "data": {"dataset": "d", "colour": 1}}, r"data: unknown key 'colour'"),
    ({"name": "x", "data": {"dataset": "d"}, "analyses": {"gird": {}}}, r"unknown analysis 'gird'"),
    ({"name": "x", "data": {"dataset": "d"}, "analyses": {"grid": {"normalize": ["a"]}}}, r"unknown methodology path 'normalize'"),
    ({"name": "a b", "data": {"dataset": "d"}}, r"name: expected a name of letters, digits"),
    ({"name": "x", "data": {"indicators": "${DTI_BENCH_NOT_SET_ANYWHERE}/a.csv", "framework": "f.csv"}},
     r"data.indicators: environment variable \$\{DTI_BENCH_NOT_SET_ANYWHERE\} is not set"),
])
def test_bad_configs(raw, message):
    with pytest.raises(ConfigError, match=message):
        parse_config(raw)


def test_paths_resolve_relative_to_the_config_and_expand_variables(tmp_path, monkeypatch):
    monkeypatch.setenv("DTI_BENCH_TEST_ROOT", str(tmp_path))
    cfg = parse_config({"name": "x", "data": {"indicators": "${DTI_BENCH_TEST_ROOT}/d.csv", "framework": "m.csv"}},
                       path=tmp_path / "sub" / "c.yaml")
    assert cfg.data.indicators == tmp_path / "d.csv"
    assert cfg.data.framework == tmp_path / "sub" / "m.csv"



def test_an_empty_or_missing_methodology_is_none_so_the_framework_decides():
    for block in (None, {}):
        raw = {"name": "x", "data": {"dataset": "d"}, **({} if block is None else {"methodology": block})}
        assert parse_config(raw).methodology is None
    assert parse_config({"name": "x", "data": {"dataset": "d"}, "methodology": {"round": 4}}).methodology == {"round": 4}


def test_analysis_blocks_become_specs_with_every_default():
    cfg = parse_config({"name": "x", "data": {"dataset": "d"}, "analyses": {
        "uncertainty": {"samples": 50, "factors": [{"path": "weights", "noise": 0.1}]}, "coherence": True}})
    spec = cfg.analyses["uncertainty"]
    assert isinstance(spec, UncertaintySpec) and spec.samples == 50 and spec.seed == 1 and spec.top_k == [1, 3, 10]
    assert cfg.analyses["coherence"].threshold == 0.3
    assert cfg.output == OutputSpec() and cfg.output.figures == "headline" and cfg.output.pdf is False
    # the resolved form runs again as it is
    again = parse_config({"name": "x", "data": {"dataset": "d"},
                          "analyses": {k: s.to_dict() for k, s in cfg.analyses.items()}})
    assert again.analyses == cfg.analyses


@pytest.mark.parametrize("block, message", [
    ({"uncertainty": {"samples": 0, "factors": [{}]}}, r"analyses.uncertainty.samples: expected a positive whole"),
    ({"uncertainty": {"samples": 10}}, r"analyses.uncertainty.factors: expected a non-empty list of factors"),
    ({"uncertainty": {"factors": [{}], "executor": "gpu"}}, r"executor: 'gpu' is not one of 'serial', 'process'"),
    ({"uncertainty": {"factors": [{}], "workers": 0}}, r"workers: expected a positive whole number"),
    ({"uncertainty": {"factors": [{}], "top_k": [0]}}, r"top_k\[0\]: expected a positive whole number"),
    ({"uncertainty": {"factors": [{}], "rank_bins": 0}}, r"uncertainty.rank_bins: expected a positive whole number"),
    ({"sensitivity": {"factors": [{}], "samples": 1000}}, r"samples: the Sobol' base size must be a power of 2"),
    ({"sensitivity": {"factors": [{}], "method": "fast"}}, r"method: 'fast' is not one of 'sobol', 'morris'"),
    ({"sensitivity": {"factors": [{}], "trajectories": 5}}, r"unknown key 'trajectories'; valid keys"),
    ({"importance": {"n_boot": -1}}, r"importance.n_boot: expected a non-negative whole number"),
    ({"coherence": {"threshold": "high"}}, r"coherence.threshold: expected a number in \[-1, 1\]"),
    ({"stability": {"robust_pairs": {"dominance": "pareto"}}},
     r"robust_pairs.dominance: 'pareto' is not one of 'weak', 'strict'"),
    ({"stability": {"robust_pairs": {"boxes": 0.2}}}, r"robust_pairs: unknown key 'boxes'; valid keys: 'box'"),
    ({"uncertainty": {"factors": [{}], "top_k_robustness": {"within": -1}}},
     r"uncertainty.top_k_robustness.within: expected a non-negative whole number"),
    ({"uncertainty": {"factors": [{}], "top_k_robustness": {"share": 0}}},
     r"uncertainty.top_k_robustness.share: expected a number in \(0, 1\]"),
    ({"uncertainty": {"factors": [{}], "top_k_robustness": {"m": 3}}},
     r"top_k_robustness: unknown key 'm'; valid keys: 'k', 'within', 'share'"),
    ({"weight_map": {"resolution": "abc"}}, r"weight_map.resolution: expected a positive whole number"),
])
def test_bad_analysis_blocks_name_the_key(block, message):
    with pytest.raises(ConfigError, match=message):
        parse_config({"name": "x", "data": {"dataset": "d"}, "analyses": block})


def test_output_block_is_checked():
    assert parse_config({"name": "x", "data": {"dataset": "d"}, "output": {"figures": "none"}}).output.figures == "none"
    with pytest.raises(ConfigError, match=r"output: unknown key 'colour'"):
        parse_config({"name": "x", "data": {"dataset": "d"}, "output": {"colour": 1}})


def test_every_spec_documents_every_field_and_the_registry_uses_each_spec_once():
    assert [a.spec.key for a in ANALYSES.values()] == list(ANALYSES)
    for analysis in ANALYSES.values():
        for key, _, doc in analysis.spec.reference():
            assert doc, f"{analysis.key}.{key} has no documentation"
    assert {f.name for f in dataclasses.fields(SensitivitySpec)} >= {"method", "samples", "factors"}
