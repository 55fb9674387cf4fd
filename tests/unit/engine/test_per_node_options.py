"""Per-node methodology options (issue 16) through the engine equal the oracle, variant by variant.

Each option here makes some composite depend on something the collapsed path cannot express (a data-driven
weighting at one node, a composite rounded or imputed before its parents use it, a composite not applicable to a
unit), so the engine must route such variants to its hierarchical kernel or its slow path and still give
:func:`~dti_bench.index.compute_index`'s numbers.
"""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dti_bench.engine.batch import Batch, Engine
from dti_bench.errors import MethodError
from dti_bench.index import compute_index
from dti_bench.model.methodology import parse_methodology
from dti_bench.testing import datasets, frameworks, frameworks_and_data

WEIGHTINGS = ("nominal", "equal", "entropy", "critic")


def assert_engine_equals_oracle(framework, dataset, ms, **engine_options):
    """Every variant of ``Batch.of(ms)``: the engine's scores are the oracle's (or both fail)."""
    ev = Engine(framework, dataset, **engine_options).evaluate(Batch.of(ms))
    for i, m in enumerate(ms):
        try:
            expected = compute_index(framework, dataset, m)
        except MethodError:
            assert ev.failed[i], f"the oracle failed but the engine did not (variant {i}: {m!r})"
            continue
        assert not ev.failed[i], ev.reasons.get(i)
        np.testing.assert_allclose(ev.scores[i], expected.scores.to_numpy(), rtol=1e-9, atol=1e-12, equal_nan=True)
        np.testing.assert_array_equal(np.isnan(ev.ranks[i]), np.isnan(expected.rank_values.to_numpy()))
    return ev


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(fw_ds=frameworks_and_data(), data=st.data())
def test_per_node_weightings_through_the_engine_equal_the_oracle(fw_ds, data):
    framework, dataset = fw_ds
    ms = []
    for _ in range(data.draw(st.integers(1, 4))):
        block = {"default": data.draw(st.sampled_from(WEIGHTINGS))}
        for comp in data.draw(st.lists(st.sampled_from(framework.composites), max_size=2, unique=True)):
            block[comp] = data.draw(st.sampled_from(WEIGHTINGS))
        if data.draw(st.booleans()):
            block[2] = data.draw(st.sampled_from(WEIGHTINGS))
        aggregate = data.draw(st.sampled_from(["arithmetic", "geometric"]))
        ms.append(parse_methodology({"normalise": {"method": "minmax", "lo": 1, "hi": 100}, "weights": block,
                                     "aggregate": aggregate}, framework=framework))
    for collapse in (True, False):
        assert_engine_equals_oracle(framework, dataset, ms, collapse=collapse)


def test_a_data_driven_weighting_at_one_node_takes_the_slow_path_for_that_variant_only(example_framework,
                                                                                      example_data):
    ms = [parse_methodology({"weights": w}, framework=example_framework)
          for w in ("nominal", {"default": "nominal", "Econ": "entropy"}, {"default": "equal", "Social": "nominal"})]
    ev = assert_engine_equals_oracle(example_framework, example_data, ms)
    assert ev.slow_variants == 1


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(fw_ds=frameworks_and_data(), data=st.data())
def test_round_levels_through_the_engine_equal_the_oracle(fw_ds, data):
    framework, dataset = fw_ds
    ms = []
    for _ in range(data.draw(st.integers(1, 3))):
        rounding = {c: data.draw(st.integers(0, 3))
                    for c in data.draw(st.lists(st.sampled_from(framework.composites), max_size=2, unique=True))}
        if data.draw(st.booleans()):
            rounding[2] = data.draw(st.integers(0, 3))
        ms.append(parse_methodology({"normalise": {"method": "minmax", "lo": 1, "hi": 100}, "round_levels": rounding,
                                     "aggregate": data.draw(st.sampled_from(["arithmetic", "geometric"])),
                                     "weights": data.draw(st.sampled_from(["nominal", "equal"]))},
                                    framework=framework))
    for collapse in (True, False):
        assert_engine_equals_oracle(framework, dataset, ms, collapse=collapse)


def test_a_rounded_level_keeps_the_variant_off_the_collapsed_path(example_framework, example_data):
    plain = parse_methodology({})
    rounded = parse_methodology({"round_levels": {2: 1}})
    engine = Engine(example_framework, example_data)
    relevant = tuple(range(len(example_framework.composites)))
    assert engine._collapsible(plain, relevant) == 1.0 and engine._collapsible(rounded, relevant) is None
    ev = assert_engine_equals_oracle(example_framework, example_data, [plain, rounded])
    assert not np.array_equal(ev.scores[0], ev.scores[1], equal_nan=True)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(framework=frameworks(max_indicators=5), data=st.data())
def test_composite_imputation_through_the_engine_equals_the_oracle(framework, data):
    import pandas as pd

    dataset = data.draw(datasets(framework, missing=0.45))
    labels = data.draw(st.lists(st.sampled_from(["r1", "r2", None]), min_size=len(dataset.units),
                                max_size=len(dataset.units)))
    dataset = dataset.replace(groups=pd.DataFrame({"Region": labels}, index=list(dataset.units)))
    imputers = ["mean", "median", {"method": "group_mean", "group": "Region"},
                {"method": "group_median", "group": "Region"}, "none"]
    ms = []
    for _ in range(data.draw(st.integers(1, 3))):
        block = {"default": data.draw(st.sampled_from(["none", "mean"]))}
        for comp in data.draw(st.lists(st.sampled_from(framework.composites), min_size=1, max_size=2, unique=True)):
            block[comp] = data.draw(st.sampled_from(imputers))
        ms.append(parse_methodology({"normalise": {"method": "minmax", "lo": 1, "hi": 100}, "impute": block,
                                     "weights": data.draw(st.sampled_from(["nominal", "equal", "entropy"])),
                                     "round_levels": data.draw(st.sampled_from([{}, {2: 2}]))},
                                    framework=framework))
    for collapse in (True, False):
        assert_engine_equals_oracle(framework, dataset, ms, collapse=collapse)


def test_an_imputed_composite_keeps_the_variant_off_the_collapsed_path(example_framework, example_data):
    imputed = parse_methodology({"impute": {"Econ": {"method": "group_mean", "group": "Region"}}})
    engine = Engine(example_framework, example_data)
    assert engine._collapsible(imputed, tuple(range(len(example_framework.composites)))) is None
    assert_engine_equals_oracle(example_framework, example_data, [imputed, parse_methodology({})])


def test_an_unknown_group_column_fails_the_variant_not_the_batch(example_framework, example_data):
    bad = parse_methodology({"impute": {"Econ": {"method": "group_mean", "group": "Province"}}})
    ev = Engine(example_framework, example_data).evaluate(Batch.of([parse_methodology({}), bad]))
    assert ev.failed.tolist() == [False, True] and "no group column 'Province'" in ev.reasons[1]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(framework=frameworks(max_indicators=5), data=st.data())
def test_not_applicable_cells_through_the_engine_equal_the_oracle(framework, data):
    import pandas as pd

    dataset = data.draw(datasets(framework, missing=0.2))
    cells = data.draw(st.lists(st.tuples(st.sampled_from(dataset.units), st.sampled_from(framework.nodes)),
                               min_size=1, max_size=6))
    labels = data.draw(st.lists(st.sampled_from(["r1", "r2"]), min_size=len(dataset.units),
                                max_size=len(dataset.units)))
    dataset = dataset.replace(not_applicable=frozenset(cells),
                              groups=pd.DataFrame({"Region": labels}, index=list(dataset.units)))
    ms = [parse_methodology({"normalise": {"method": "minmax", "lo": 1, "hi": 100},
                             "impute": data.draw(st.sampled_from(
                                 ["none", "mean", {"default": "mean", 2: {"method": "group_mean", "group": "Region"}},
                                  {"default": "none", "index": "median"}])),
                             "aggregate": data.draw(st.sampled_from(["arithmetic", "geometric"])),
                             "weights": data.draw(st.sampled_from(["nominal", "equal", "entropy"]))},
                            framework=framework) for _ in range(data.draw(st.integers(1, 3)))]
    for collapse in (True, False):
        assert_engine_equals_oracle(framework, dataset, ms, collapse=collapse)
    # a cell that does not apply is never filled, at any level, and its value is never used
    try:
        result = compute_index(framework, dataset, ms[0])
    except MethodError:  # every value of some indicator does not apply: nothing to normalise (the engine agreed)
        return
    na = result.not_applicable
    assert result.values[na].isna().all().all()
    for unit, code in cells:
        assert na.loc[unit, code]
