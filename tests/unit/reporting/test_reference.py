"""The generated config reference against the parser: at every level, the keys the parser accepts (the "valid keys"
its one-line error lists for an unknown key) are exactly the documented ones, and the documented defaults are the
ones the parser fills in."""

from __future__ import annotations

import re

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import dti_bench as db
from dti_bench.analyses.factors import parse_factor
from dti_bench.analyses.registry import ANALYSES, specs
from dti_bench.config.experiment import Config
from dti_bench.config.specs import EnsembleSpec, GridSpec, OutputSpec
from dti_bench.errors import ConfigError
from dti_bench.methods.registry import FAMILIES, METHODS
from dti_bench.model.methodology import Methodology, parse_method, parse_methodology
from dti_bench.reporting.reference import config_reference, config_reference_markdown

REFERENCE = config_reference()
FACTOR = {"path": "aggregate.method", "choices": ["arithmetic", "geometric"]}


def documented(section: str, prefix: str) -> set[str]:
    """The keys of one level: the documented paths directly under ``prefix``."""
    out = set()
    for key in REFERENCE[section]:
        rest = key.path[len(prefix) + 1:] if prefix else key.path
        if (not prefix or key.path.startswith(prefix + ".")) and "." not in rest:
            out.add(rest)
    return out


def accepted(call, marker: str = "valid keys: ") -> set[str]:
    """The keys the parser lists as valid when ``call`` gives it an unknown one."""
    with pytest.raises(ConfigError) as err:
        call()
    message = str(err.value)
    assert marker in message, message
    listed = message.split(marker, 1)[1].split(";")[0]
    return {item.strip().strip("'") for item in listed.split(", ")} - {"none"}


def parse(raw):
    return Config.from_mapping({"name": "probe", **raw}, analyses=specs())


def test_top_level_keys_are_the_documented_ones():
    assert accepted(lambda: parse({"nonsense": 1})) == documented("top level", "")


def test_data_keys_are_the_documented_ones():
    assert accepted(lambda: parse({"data": {"nonsense": 1}})) == documented("data", "data")


@pytest.mark.parametrize("key", ["framework", "indicators", "reference"])
def test_table_keys_are_the_documented_ones(key):
    block = {"indicators": "i.csv", "framework": "f.csv", key: {"path": "t.csv", "nonsense": 1}}
    assert accepted(lambda: parse({"data": block})) == documented("data", f"data.{key}")


def test_merge_keys_are_the_documented_ones():
    block = {"dataset": "dti2022-synthetic", "merge": {"table": "mergers-2025", "nonsense": 1}}
    assert accepted(lambda: parse({"data": block})) == documented("data", "data.merge")


def test_not_applicable_rule_keys_are_the_documented_ones():
    block = {"dataset": "dti2022-synthetic", "not_applicable": {"group": "g", "value": "v", "codes": [], "nonsense": 1}}
    assert accepted(lambda: parse({"data": block}), "a rule has keys ") == documented("data", "data.not_applicable")


def test_methodology_keys_and_defaults_are_the_documented_ones():
    assert accepted(lambda: parse_methodology({"nonsense": 1})) == documented("methodology", "methodology")
    written = {k.path.split(".")[1]: k.default for k in REFERENCE["methodology"]}
    assert parse_methodology(written) == Methodology.default()


def test_method_names_are_the_documented_ones():
    for key in REFERENCE["methodology"]:
        family = key.path.split(".")[1]
        if family in METHODS:
            assert key.accepts == "a method: " + ", ".join(METHODS[family])


@pytest.mark.parametrize("family,name", [(f, n) for f in FAMILIES for n in METHODS[f]])
def test_method_parameters_are_the_documented_ones(family, name):
    prefix = f"methodology.{family}.{name}"
    params = accepted(lambda: parse_method(family, {"method": name, "nonsense": 1}, "m"), "valid parameters: ")
    assert params == documented("method parameters", prefix)


@pytest.mark.parametrize("key", [k for k in ANALYSES if k != "grid"])
def test_analysis_keys_and_defaults_are_the_documented_ones(key):
    spec = ANALYSES[key].spec
    section = f"analyses.{key}"
    assert accepted(lambda: spec.from_block({"nonsense": 1}, section)) == documented(section, section)
    # the documented defaults, written out (with the one required option), are what the spec fills in
    block = {k.path.rsplit(".", 1)[1]: k.default for k in REFERENCE[section] if k.path.count(".") == 2}
    if "factors" in block:
        block["factors"] = [FACTOR]
    assert spec.from_block(block, section).to_dict() == spec.from_block({"factors": [FACTOR]} if "factors" in block
                                                                        else {}, section).to_dict()


@pytest.mark.parametrize("parent,key", [("uncertainty", "top_k_robustness"), ("stability", "robust_pairs")])
def test_sub_block_keys_are_the_documented_ones(parent, key):
    spec, section = ANALYSES[parent].spec, f"analyses.{parent}"
    block = {"factors": [FACTOR]} if parent == "uncertainty" else {}
    got = accepted(lambda: spec.from_block({**block, key: {"nonsense": 1}}, section))
    assert got == documented(section, f"{section}.{key}")


def test_grid_is_documented_as_methodology_paths():
    assert [k.path for k in REFERENCE["analyses.grid"]] == ["analyses.grid.PATH"]
    with pytest.raises(ConfigError, match="valid roots: 'steps', 'denominate'"):
        GridSpec.from_block({"nonsense": ["a"]}, "analyses.grid")


def test_output_keys_are_the_documented_ones():
    assert accepted(lambda: parse({"data": {"dataset": "x"}, "output": {"nonsense": 1}})) == documented("output",
                                                                                                      "output")
    assert {k.path: k.default for k in REFERENCE["output"]} == {f"output.{k}": v
                                                                 for k, v in OutputSpec().to_dict().items()}


def test_ensemble_keys_are_the_documented_ones():
    data = {"dataset": "dti2022-synthetic-ensemble"}
    assert accepted(lambda: parse({"data": data, "ensemble": {"nonsense": 1}})) == documented("ensemble", "ensemble")
    assert {k.path: k.default for k in REFERENCE["ensemble"]} == {f"ensemble.{k}": v
                                                                   for k, v in EnsembleSpec().to_dict().items()}


def test_factor_keys_are_the_documented_ones():
    fw = db.load_framework("dti-provincial-2022")
    got = accepted(lambda: parse_factor({"path": "normalise", "nonsense": 1}, fw, fw.official, "f"))
    assert got == documented("factors", "factor")


def test_the_page_has_one_row_per_documented_key():
    page = config_reference_markdown()
    rows = re.findall(r"^\| `([^`]+)` \|", page, flags=re.M)
    assert rows == [k.path for keys in REFERENCE.values() for k in keys]
    assert len(rows) == len(set(rows))


def test_external_sources_are_the_documented_ones():
    from dti_bench.io.external import _registry

    listed = next(k.accepts for k in REFERENCE["data"] if k.path == "data.external")
    assert set(re.findall(r"\w+", listed)) - {"or"} == set(_registry())


def test_data_defaults_are_the_parsers():
    from dti_bench.config.experiment import DataSpec

    data = {k.path: k.default for k in REFERENCE["data"]}
    assert data["data.unit_column"] == DataSpec.unit_column and data["data.name_column"] == DataSpec.name_column
    parsed = parse({"data": {"dataset": "dti2022-synthetic"}}).data
    assert (parsed.unit_column, parsed.name_column, parsed.groups) == ("uCode", "uName", ())


@given(key=st.text(min_size=1, max_size=12), analysis=st.sampled_from([k for k in ANALYSES if k != "grid"]))
def test_an_undocumented_key_is_refused_naming_itself(key, analysis):
    section = f"analyses.{analysis}"
    assume(key not in documented(section, section))
    with pytest.raises(ConfigError, match="unknown key"):
        ANALYSES[analysis].spec.from_block({key: 1}, section)
