"""The one method registry: every method once, its traits stated and true."""

from __future__ import annotations

import numpy as np
import pytest

from dti_bench.errors import ConfigError
from dti_bench.methods import aggregate
from dti_bench.methods.registry import FAMILIES, INTERVAL, METHODS, ORDINAL, RATIO, SCALES, Registry, supports


def test_families_and_lookup():
    assert tuple(METHODS) == FAMILIES
    assert METHODS.entry("aggregate", "geometric").function is aggregate.geometric
    with pytest.raises(ConfigError, match="unknown method 'mean'; valid choices: 'arithmetic', 'geometric'"):
        METHODS.entry("aggregate", "mean")


@pytest.mark.parametrize("name, params, p", [("arithmetic", {}, 1.0), ("geometric", {}, 0.0), ("harmonic", {}, -1.0),
                                             ("power", {"p": 0.5}, 0.5), ("power", {"p": 1e-13}, 0.0),
                                             ("power", {}, 1.0), ("minimum", {}, None), ("bod", {}, None)])
def test_exponents(name, params, p):
    assert METHODS["aggregate"][name].p(params) == p


def test_every_mean_with_an_exponent_is_that_power_mean():
    """The exponent trait is what the engine batches on: the method must equal the power mean of that order."""
    rng = np.random.default_rng(3)
    x, w = rng.uniform(0.5, 9.0, (20, 4)), rng.uniform(0.1, 2.0, 4)
    for name, entry in METHODS["aggregate"].items():
        p = entry.p({"p": 0.5} if name == "power" else {})
        if p is not None:
            np.testing.assert_allclose(entry.function(x, w, **({"p": 0.5} if name == "power" else {})),
                                       aggregate.power(x, w, p=p), rtol=1e-12)


def test_scales():
    assert SCALES == (ORDINAL, INTERVAL, RATIO) and supports(RATIO, ORDINAL) and not supports(ORDINAL, INTERVAL)
    norm = METHODS["normalise"]
    assert norm["none"].output_scale({}, RATIO) == RATIO  # the official DTI: points / max points, ratio scale
    assert norm["minmax"].output_scale({"lo": 0, "hi": 1}, RATIO) == INTERVAL  # the minimum is subtracted
    assert norm["zscore"].output_scale({}, RATIO) == INTERVAL
    assert norm["rank"].output_scale({}, RATIO) == ORDINAL
    assert norm["frac_max"].output_scale({}, RATIO) == RATIO
    assert norm["sum"].output_scale({}, RATIO) == RATIO and norm["vector"].output_scale({}, RATIO) == RATIO
    assert norm["vector"].output_scale({}, INTERVAL) == INTERVAL  # a negated column stays without a natural zero
    # only frac_max scores a negated (direction -1) column as the raw quantity, min v / v
    assert [n for n, e in norm.items() if e.direction_aware] == ["frac_max"]
    assert norm["goalposts"].output_scale({"lo": 0, "hi": 10}, RATIO) == RATIO
    assert norm["goalposts"].output_scale({"lo": 2, "hi": 10}, RATIO) == INTERVAL
    agg = METHODS["aggregate"]
    assert agg["arithmetic"].needs_scale({}) == INTERVAL and agg["geometric"].needs_scale({}) == RATIO
    assert agg["power"].needs_scale({"p": 1.0}) == INTERVAL and agg["power"].needs_scale({"p": 2.0}) == RATIO
    assert agg["copeland"].needs_scale({}) == ORDINAL


def test_every_normaliser_and_aggregator_declares_its_scale():
    for entry in METHODS["normalise"].values():
        assert entry.output_scale is not None and entry.output_scale({}, RATIO) in SCALES, entry.name
    for entry in METHODS["aggregate"].values():
        assert entry.needs_scale is not None and entry.needs_scale({}) in SCALES, entry.name


def test_data_driven_weightings():
    assert {n for n, e in METHODS["weights"].items() if e.data_driven} == {"pca", "entropy", "critic", "sd",
                                                                                    "bod_weights"}


def test_the_old_bod_weighting_name_is_refused_with_its_new_name():
    with pytest.raises(ConfigError) as err:
        METHODS.entry("weights", "bod", "methodology.weights")
    message = str(err.value)
    assert message.startswith("methodology.weights: ") and "\n" not in message
    assert "'bod_weights'" in message and "aggregate: bod" in message
    assert "bod" not in METHODS["weights"] and "bod" in METHODS["aggregate"]   # the BoD index keeps its name


def test_only_the_bod_hybrid_carries_a_warning_and_it_names_rescaling():
    warned = {(f, n): e.warning for f in METHODS for n, e in METHODS[f].items() if e.warning}
    assert list(warned) == [("weights", "bod_weights")]
    text = warned["weights", "bod_weights"]
    assert "\n" not in text and "not the benefit-of-the-doubt index" in text and "rescaled" in text


def test_a_retired_name_cannot_also_be_registered():
    row = METHODS["aggregate"]["arithmetic"]
    with pytest.raises(ValueError, match="both registered and retired"):
        Registry([row], retired={("aggregate", "arithmetic"): "gone"})


def test_block_versions_are_registered_not_attached():
    assert {n for n, e in METHODS["normalise"].items() if e.block} == {"none", "minmax", "zscore"}
    assert {n for n, e in METHODS["treat"].items() if e.block} == {"none", "winsorise", "cap"}
    for family in METHODS:
        for entry in METHODS[family].values():
            assert not hasattr(entry.function, "columns"), f"{family}.{entry.name}"
