"""The methodology value and its config form: strings resolve once, unknown names fail with the valid choices."""

from __future__ import annotations

import pytest

from dti_bench.model.methodology import METHODOLOGY_DEFAULTS, Methodology, parse_methodology, set_path, vary
from dti_bench.errors import ConfigError
from dti_bench.methods.normalise import minmax
from dti_bench.methods.registry import functions
NORMALISERS = functions("normalise")


def test_defaults_fill_every_key():
    m = parse_methodology({})
    assert m.normalise.default.name == "minmax" and m.normalise.default.function is minmax
    assert m.weights.method.name == "nominal" and m.aggregate.default.name == "arithmetic"
    assert set(m.to_dict()) == set(METHODOLOGY_DEFAULTS)


def test_round_trip_through_to_dict(dti2022):
    block = {"normalise": {"default": {"method": "minmax", "lo": 1, "hi": 100}, "awareness": "zscore"},
             "aggregate": {"default": "arithmetic", 2: "geometric", "DTI": "harmonic"},
             "weights": {"awareness": 3.0}, "round": 4}
    m = parse_methodology(block, framework=dti2022)
    assert parse_methodology(m.to_dict(), framework=dti2022) == m
    assert m.normalise.for_node("awareness", 1).name == "zscore"
    assert m.normalise.for_node("institutions", 1).kwargs == {"hi": 100, "lo": 1}
    assert m.aggregate.for_node("DTI", 2).name == "harmonic"  # a node code wins over its level
    assert m.aggregate.for_node("digital_economy", 2).name == "geometric"
    assert dict(m.weights.explicit) == {"awareness": 3.0}
    assert hash(m) == hash(parse_methodology(m.to_dict(), framework=dti2022))


@pytest.mark.parametrize("block, message", [
    ({"normalize": "minmax"}, r"unknown key 'normalize'; valid keys: .*'normalise'"),
    ({"normalise": "minmx"}, r"methodology.normalise: unknown method 'minmx'; valid choices: 'none', 'minmax'"),
    ({"normalise": {"method": "minmax", "low": 0}}, r"method 'minmax' has no parameter 'low'; valid parameters: 'lo', 'hi'"),
    ({"normalise": {"method": "minmax", "lo": "zero"}}, r"normalise.lo: expected a number"),
    ({"aggregate": {"method": "sum"}}, r"unknown method 'sum'"),
    ({"weights": {"awareness": -1}}, r"weights.awareness: a weight must be a non-negative number"),
    ({"steps": ["impute"]}, r"steps: must list each of"),
    ({"round": 2.5}, r"round: expected null or a whole number"),
    ({"denominate": "yes"}, r"denominate: expected true or false"),
    ({"aggregate": {"default": "arithmetic", "NOPE": "geometric"}}, r"'NOPE' is neither a level nor a code"),
])
def test_bad_methodology_names_the_key_and_choices(dti2022, block, message):
    with pytest.raises(ConfigError, match=message):
        parse_methodology(block, framework=dti2022)


def test_every_registered_normaliser_is_reachable_by_name():
    for name in NORMALISERS:
        assert parse_methodology({"normalise": name}).normalise.default.name == name


def test_vary_replaces_dotted_paths():
    m = parse_methodology({"normalise": {"method": "minmax", "lo": 1, "hi": 100}})
    z = vary(m, {"normalise.method": "zscore"})
    assert z.normalise.default.name == "zscore" and z.normalise.default.kwargs == {}  # old params dropped
    lo = vary(m, {"normalise.lo": 0})
    assert lo.normalise.default.kwargs == {"lo": 0, "hi": 100}
    whole = vary(m, {"normalise": {"method": "zscore", "m": 10, "s": 2}})
    assert whole.normalise.default.kwargs == {"m": 10, "s": 2}
    assert vary(m, {"weights": "equal"}).weights.method.name == "equal"
    with pytest.raises(ConfigError, match="unknown methodology key 'normalize'"):
        vary(m, {"normalize": "rank"})


def test_set_path_does_not_touch_the_original():
    block = {"normalise": "minmax"}
    out = set_path(block, "normalise.lo", 5)
    assert block == {"normalise": "minmax"} and out == {"normalise": {"method": "minmax", "lo": 5}}




def test_default_from_dict_and_vary_are_the_public_constructors(dti2022):
    from dti_bench.model.methodology import Methodology

    assert Methodology.default() == parse_methodology({}) == Methodology.from_dict(None) == Methodology.from_dict({})
    official = dti2022.official
    assert official.to_dict()["normalise"] == "none" and official.round == 4
    variant = official.vary({"normalise": {"method": "zscore", "m": 10, "s": 2}, "aggregate.method": "geometric"})
    assert variant.normalise.default.kwargs == {"m": 10, "s": 2} and variant.aggregate.default.name == "geometric"
    assert variant.round == 4 and official.aggregate.default.name == "arithmetic"  # values: official unchanged


def test_methods_reach_their_traits_through_the_registry():
    m = parse_methodology({"aggregate": {"default": "arithmetic", 2: {"method": "power", "p": 1e-13}},
                           "normalise": "zscore", "weights": {"method": "pca"}})
    assert m.aggregate.default.p == 1.0 and m.aggregate.for_node("X", 2).p == 0.0  # |p| < 1e-12 is geometric
    assert parse_methodology({"aggregate": "copeland"}).aggregate.default.p is None
    assert m.normalise.default.entry.block is not None and m.weights.method.entry.data_driven


def test_methodologies_pickle_as_plain_data():
    import pickle

    m = parse_methodology({"normalise": {"method": "minmax", "lo": 1, "hi": 100}, "aggregate": "geometric"})
    assert pickle.loads(pickle.dumps(m)) == m


def test_a_superscript_digit_key_is_neither_a_level_nor_a_crash():
    # '²'.isdigit() is True but int('²') raises: found by the mutation property of the bad-input battery
    import dti_bench as db

    fw = db.load_framework("dti-provincial-2022")
    with pytest.raises(ConfigError, match="'²' is neither a level nor a code of framework"):
        db.Methodology.from_dict({"aggregate": {"default": "arithmetic", "²": "geometric"}}, fw)
    assert db.Methodology.from_dict({"aggregate": {"default": "arithmetic", "2": "geometric"}}, fw).aggregate.for_node(
        "DTI", 2).name == "geometric"


def test_per_node_weightings_and_explicit_weights_share_one_mapping(example_framework):
    block = {"default": "equal", "Econ": {"method": "entropy"}, 3: "nominal", "Exports": 4}
    m = Methodology.from_dict({"weights": block}, example_framework)
    w = m.weights
    assert (w.for_node("Econ", 2).name, w.for_node("Social", 2).name, w.for_node("Index", 3).name) == (
        "entropy", "equal", "nominal")
    assert w.explicit == (("Exports", 4.0),) and w.data_driven
    assert Methodology.from_dict(m.to_dict(), example_framework) == m
    # explicit weights alone keep their historical form, and a partial mapping keeps nominal as the default
    alone = Methodology.from_dict({"weights": {"Exports": 4}}, example_framework)
    assert alone.to_dict()["weights"] == {"Exports": 4.0} and alone.weights.for_node("Econ", 2).name == "nominal"
    assert not alone.weights.data_driven


@pytest.mark.parametrize("weights, message", [
    ({"default": "nominal", 2: 0.5}, r"weights.2: a level takes a weighting method, not a number"),
    ({"GDPpc": "equal"}, r"weights.GDPpc: 'GDPpc' is an indicator, without children to weight"),
    ({1: "equal"}, r"weights.1: level 1 is without children to weight"),
    ({"Nowhere": "equal"}, r"weights: 'Nowhere' is neither a level nor a code of framework"),
    ({"Econ": "bogus"}, r"weights.Econ: unknown method 'bogus'; valid choices: 'nominal'"),
    ({"Econ": True}, r"weights.Econ: a weight must be a non-negative number \(or, on a composite or level"),
])
def test_per_node_weights_misuse_is_one_line(example_framework, weights, message):
    with pytest.raises(ConfigError, match=message) as err:
        Methodology.from_dict({"weights": weights}, example_framework)
    assert "\n" not in str(err.value)


def test_varying_the_weights_of_a_per_node_methodology(example_framework):
    m = Methodology.from_dict({"weights": {"default": "nominal", "Econ": "equal"}}, example_framework)
    assert vary(m, {"weights": "equal"}, framework=example_framework).weights.overrides == ()
    assert vary(m, {"weights.Social": "entropy"}, framework=example_framework).weights.for_node(
        "Social", 2).name == "entropy"


def test_round_levels_parse_round_trip_and_refuse_misuse(example_framework):
    m = Methodology.from_dict({"round_levels": {"Index": 4, 2: 2}}, example_framework)
    assert m.rounding("Econ", 2) == 2 and m.rounding("Index", 3) == 4
    assert Methodology.from_dict(m.to_dict(), example_framework) == m
    assert m == Methodology.from_dict({"round_levels": {2: 2, "Index": 4}}, example_framework)  # order-free
    for block, message in [({"GDPpc": 2}, r"round_levels.GDPpc: round_levels rounds composites"),
                           ({1: 2}, r"round_levels.1: round_levels rounds composites \(levels from 2\); level 1"),
                           ({"Econ": -1}, r"round_levels.Econ: expected a whole number of decimals from 0 to 15"),
                           ({"Econ": 2.5}, r"round_levels.Econ: expected a whole number of decimals"),
                           ({"Nope": 2}, r"round_levels: 'Nope' is neither a level nor a code"),
                           (3, r"round_levels: expected a mapping of composite codes or levels to decimals")]:
        with pytest.raises(ConfigError, match=message):
            Methodology.from_dict({"round_levels": block}, example_framework)


def test_composite_imputation_parses_round_trips_and_refuses_misuse(example_framework):
    block = {"default": "mean", 2: {"method": "group_mean", "group": "Region"}, "Index": "median"}
    m = Methodology.from_dict({"impute": block}, example_framework)
    assert m.impute.name == "mean" and m.composite_imputation("Econ", 2).get("group") == "Region"
    assert m.composite_imputation("Index", 3).name == "median"
    assert Methodology.from_dict(m.to_dict(), example_framework) == m
    assert Methodology.from_dict({"impute": "mean"}).to_dict()["impute"] == "mean"  # the plain form stays plain
    for impute, message in [({"default": "none", 2: "em"}, r"impute.2: 'em' imputes from several columns, not one "
                                                           r"composite's scores; valid choices: 'none', 'mean'"),
                            ({1: "mean"}, r"impute.1: the indicators' imputation is the 'default' entry"),
                            ({"GDPpc": "mean"}, r"impute.GDPpc: the indicators' imputation is the 'default' entry"),
                            ({"Nope": "mean"}, r"impute: 'Nope' is neither a level nor a code")]:
        with pytest.raises(ConfigError, match=message):
            Methodology.from_dict({"impute": impute}, example_framework)
