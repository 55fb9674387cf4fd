"""The catalogue's contract, checked for every registered method of every family.

One test per promise, parametrised over the registry itself (``dti_bench.methods.registry.METHODS``, plus
the two weight perturbations), in the manner of scikit-learn's ``test_common.py``: a method is covered the
moment it enters its dict, and a new method that breaks a family's contract fails here before anything else. The
hand-computed numbers of each method live in the family's own test file; this file only states what every method
of a family owes the pipeline:

- a numpydoc docstring that states its NaN/missing-value policy and cites a source;
- reachable from a config by name, unknown parameters refused with the valid ones listed;
- normalisers: shape and NaN positions kept, ``ref = x`` the same as no ``ref``;
- aggregators: shape ``(units,)``, NaN for a unit with nothing present, weights relative (x 3 changes nothing),
  equivariant under a permutation of the units, ``(k,)`` and ``(units, k)`` weights alike;
- weighting methods: ``(k,)`` or ``(units, k)``, finite, non-negative, a positive sum per row;
- imputers: present values untouched, shape kept; treatments: ``(column, report)`` with the report's keys, NaN
  kept; screeners: a boolean mask over the units; perturbations: rows on the simplex, reproducible from a seed.

Methods that need parameters get them from :data:`PARAMS`; a test keeps that table honest both ways.
"""

from __future__ import annotations

import inspect
import re
from types import MappingProxyType

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

from dti_bench.model.scales import method_warnings
from dti_bench.model.methodology import PIPELINE_ARGUMENTS, method_parameters, parse_methodology
from dti_bench.errors import ConfigError
from dti_bench.methods.registry import METHODS, functions
from dti_bench.methods.weights import noise as _noise, simplex as _simplex
PERTURBATIONS = {"noise": _noise, "simplex": _simplex}

#: Every family's functions, straight from the one registry.
REGISTRIES = {family: functions(family) for family in METHODS}


NAN = np.nan

#: Every family, the perturbations included (they are called with a generator instead of data).
CATALOGUE = {**REGISTRIES, "perturbation": PERTURBATIONS}

#: Arguments a perturbation gets from its caller (the weights or their number, the generator, the draw count).
PERTURBATION_ARGUMENTS = {"w", "k", "rng", "size"}

#: Parameters a method cannot do without, as the function receives them. The config form is the same except for
#: ``dist_ref``'s ``unit``: a unit code in the config, its position when the function is called.
PARAMS: dict[tuple[str, str], dict] = {
    ("normalise", "goalposts"): {"lo": 0.0, "hi": 12.0},
    ("normalise", "dist_ref"): {"unit": 3},
    ("normalise", "dist_target"): {"target": 12.0},
    ("normalise", "ratio_target"): {"target": 12.0},
    ("normalise", "thresholds"): {"cuts": [2.0, 5.0, 8.0], "points": [1.0, 2.0, 3.0]},
    ("impute", "group_mean"): {"group": "region"},
    ("impute", "group_median"): {"group": "region"},
    ("treat", "cap"): {"lo": 2.0, "hi": 8.0},  # both bounds optional, but a cap with neither is refused
    ("perturbation", "noise"): {"noise": 0.25},
}

UNITS = tuple(f"U{i}" for i in range(12))


def params(family: str, name: str) -> dict:
    return dict(PARAMS.get((family, name), {}))


def config_params(family: str, name: str) -> dict:
    p = params(family, name)
    if "unit" in p:
        p["unit"] = UNITS[p["unit"]]
    return p


def methods(*families: str) -> list[tuple[str, str]]:
    return [(family, name) for family in families for name in CATALOGUE[family]]


def ids(pairs) -> list[str]:
    return [f"{family}.{name}" for family, name in pairs]


def with_gaps(pairs, gaps: dict[tuple[str, str], str]) -> list:
    """Parameter sets, the known gaps marked as strict xfails (so fixing one makes the marker fail, to be removed)."""
    return [pytest.param(f, n, id=f"{f}.{n}",
                         marks=[pytest.mark.xfail(strict=True, reason=gaps[f, n])] if (f, n) in gaps else [])
            for f, n in pairs]


def caller_arguments(family: str) -> set[str]:
    return PERTURBATION_ARGUMENTS if family == "perturbation" else PIPELINE_ARGUMENTS


# ---------------------------------------------------------------------------------------------------------
# the parameter table and the registries themselves

def test_params_table_names_only_registered_methods_and_their_real_parameters():
    for (family, name), values in PARAMS.items():
        assert family in CATALOGUE, f"PARAMS names an unknown family {family!r}"
        assert name in CATALOGUE[family], f"PARAMS names {family}.{name}, which is not registered"
        accepted = set(inspect.signature(CATALOGUE[family][name]).parameters) - caller_arguments(family)
        assert set(values) <= accepted, f"{family}.{name} has no parameter(s) {set(values) - accepted}"


@pytest.mark.parametrize(("family", "name"), methods(*CATALOGUE), ids=ids(methods(*CATALOGUE)))
def test_every_parameter_without_a_default_is_in_the_params_table(family, name):
    signature = inspect.signature(CATALOGUE[family][name]).parameters
    required = {n for n, p in signature.items()
                if p.default is inspect.Parameter.empty and n not in caller_arguments(family)
                and p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD)}
    assert required <= set(params(family, name)), f"add {family}.{name}'s {sorted(required)} to PARAMS"


@pytest.mark.parametrize("family", list(METHODS))
def test_the_registry_is_read_only(family):
    for registry in (METHODS[family], REGISTRIES[family]):
        assert isinstance(registry, MappingProxyType)
        with pytest.raises(TypeError):
            registry["new"] = None  # type: ignore[index]


# ---------------------------------------------------------------------------------------------------------
# docstrings

SECTION = re.compile(r"^(Parameters|Returns|Raises|Notes|References|See Also|Examples)\n(-+)$", re.MULTILINE)
NAN_POLICY = re.compile(r"\bNaN\b|\bmissing\b", re.IGNORECASE)
# a References section, or a source named in the text: COINr, the OECD/JRC Handbook, or an author-year citation
SOURCE = re.compile(r"^References\n-+$|COINr|Handbook|\b(1[789]|20)\d\d\b", re.MULTILINE)

NO_NAN_POLICY = "the docstring does not say what happens to NaN / missing values"
NO_SOURCE = "the docstring cites no source (no References section, no COINr/Handbook/author-year citation)"
# Known gaps, each a strict xfail until fixed (all fixed so far; keep the mechanism for the next one).
NAN_POLICY_GAPS: dict[tuple[str, str], str] = {}
SOURCE_GAPS: dict[tuple[str, str], str] = {}


@pytest.mark.parametrize(("family", "name"), methods(*CATALOGUE), ids=ids(methods(*CATALOGUE)))
def test_docstring_is_numpydoc(family, name):
    doc = inspect.getdoc(CATALOGUE[family][name])
    assert doc, f"{family}.{name} has no docstring"
    summary = doc.split("\n\n")[0]
    assert summary.strip() and not SECTION.search(summary), "a numpydoc docstring opens with a summary"
    for match in SECTION.finditer(doc):
        assert len(match.group(2)) == len(match.group(1)), f"section {match.group(1)!r} is not underlined to length"


# perturbations that take no data (simplex draws from k alone) have no NaN to speak of
DATA_METHODS = [(f, n) for f, n in methods(*CATALOGUE)
                if {"x", "w"} & set(inspect.signature(CATALOGUE[f][n]).parameters)]


@pytest.mark.parametrize(("family", "name"), with_gaps(DATA_METHODS, NAN_POLICY_GAPS))
def test_docstring_states_the_nan_policy(family, name):
    assert NAN_POLICY.search(inspect.getdoc(CATALOGUE[family][name]) or "")


@pytest.mark.parametrize(("family", "name"), with_gaps(methods(*CATALOGUE), SOURCE_GAPS))
def test_docstring_cites_a_source(family, name):
    assert SOURCE.search(inspect.getdoc(CATALOGUE[family][name]) or "")


# ---------------------------------------------------------------------------------------------------------
# reachable from a config

def resolved(methodology, family: str):
    """The Method a parsed methodology holds for ``family``."""
    value = getattr(methodology, family)
    if family == "weights":
        return value.method
    return value.default if hasattr(value, "default") else value


@pytest.mark.parametrize(("family", "name"), methods(*REGISTRIES), ids=ids(methods(*REGISTRIES)))
def test_reachable_from_a_config_by_name(family, name):
    p = config_params(family, name)
    caveat = METHODS[family][name].warning
    methodology = parse_methodology({family: {"method": name, **p}})
    method = resolved(methodology, family)
    # a method with a standing methodological warning is flagged wherever the methodology is used (one line naming
    # the family and the method), not when it is parsed
    flagged = method_warnings(methodology)
    assert flagged == ([f"{family} {method}: {caveat}"] if caveat else [])
    assert method.family == family and method.name == name
    assert method.function is REGISTRIES[family][name]
    assert method.kwargs == p


@pytest.mark.parametrize(("family", "name"), methods(*REGISTRIES), ids=ids(methods(*REGISTRIES)))
def test_unknown_parameter_is_refused_with_the_valid_ones_listed(family, name):
    with pytest.raises(ConfigError) as err:
        parse_methodology({family: {"method": name, **config_params(family, name), "not_a_parameter": 1}})
    message = str(err.value)
    assert "'not_a_parameter'" in message and f"methodology.{family}" in message
    valid = method_parameters(REGISTRIES[family][name])
    for parameter in valid:
        assert repr(parameter) in message
    if not valid:
        assert "valid parameters: none" in message


# ---------------------------------------------------------------------------------------------------------
# normalisers: f(x, *, ref=None, **params) -> same shape

# unit 3 leads (dist_ref's reference must lie above the minimum); two missing values
COLUMN = np.array([3.2, 7.5, NAN, 9.1, 1.4, NAN, 5.6, 4.8])


def normalise(name: str, x: np.ndarray, **kwargs) -> np.ndarray:
    return np.asarray(REGISTRIES["normalise"][name](x, **params("normalise", name), **kwargs))


@pytest.mark.parametrize(("family", "name"), methods("normalise"), ids=ids(methods("normalise")))
def test_normaliser_keeps_shape_and_nan_positions(family, name):
    out = normalise(name, COLUMN)
    assert out.shape == COLUMN.shape
    np.testing.assert_array_equal(np.isnan(out), np.isnan(COLUMN))
    assert np.isfinite(out[~np.isnan(COLUMN)]).all()


@pytest.mark.parametrize(("family", "name"), methods("normalise"), ids=ids(methods("normalise")))
def test_normaliser_with_its_own_column_as_ref_changes_nothing(family, name):
    np.testing.assert_array_equal(normalise(name, COLUMN, ref=COLUMN.copy()), normalise(name, COLUMN))


@st.composite
def led_columns(draw):
    """Columns of 8 values in [1, 10] with some missing, unit 3 present and in the lead (as dist_ref needs)."""
    x = draw(hnp.arrays(float, 8, elements=st.floats(1.0, 10.0)))
    missing = draw(hnp.arrays(bool, 8))
    x[missing] = NAN
    x[3] = 10.5
    return x


@pytest.mark.parametrize(("family", "name"), methods("normalise"), ids=ids(methods("normalise")))
@settings(max_examples=25, deadline=None)
@given(x=led_columns())
def test_normaliser_nan_in_nan_out_property(family, name, x):
    out = normalise(name, x)
    np.testing.assert_array_equal(np.isnan(out), np.isnan(x))
    assert np.isfinite(out[~np.isnan(x)]).all()
    np.testing.assert_array_equal(normalise(name, x, ref=x.copy()), out)


# ---------------------------------------------------------------------------------------------------------
# aggregators: f(x, w, **params) -> (units,)

BLOCK = np.random.default_rng(20240601).uniform(1.0, 10.0, size=(6, 4))
WEIGHTS = np.array([1.0, 2.0, 3.0, 5.0])  # no subset weighs exactly half, so Copeland has no knife-edge draws


def aggregate(name: str, x: np.ndarray, w: np.ndarray) -> np.ndarray:
    return np.asarray(REGISTRIES["aggregate"][name](x, w, **params("aggregate", name)))


@pytest.mark.parametrize(("family", "name"), methods("aggregate"), ids=ids(methods("aggregate")))
def test_aggregator_returns_one_finite_score_per_unit(family, name):
    y = aggregate(name, BLOCK, WEIGHTS)
    assert y.shape == (BLOCK.shape[0],)
    assert np.isfinite(y).all()


@pytest.mark.parametrize(("family", "name"), methods("aggregate"), ids=ids(methods("aggregate")))
def test_aggregator_gives_nan_to_a_unit_with_every_child_missing(family, name):
    x = BLOCK.copy()
    x[2] = NAN
    x[4, 1] = NAN  # a partial gap elsewhere must not spread
    y = aggregate(name, x, WEIGHTS)
    assert y.shape == (6,)
    assert np.isnan(y[2])
    assert np.isfinite(np.delete(y, 2)).all()


@pytest.mark.parametrize(("family", "name"), methods("aggregate"), ids=ids(methods("aggregate")))
def test_aggregator_weights_are_relative(family, name):
    np.testing.assert_allclose(aggregate(name, BLOCK, 3.0 * WEIGHTS), aggregate(name, BLOCK, WEIGHTS),
                               rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize(("family", "name"), methods("aggregate"), ids=ids(methods("aggregate")))
def test_aggregator_takes_unit_rows_of_the_same_weights_as_one_vector(family, name):
    rows = np.tile(WEIGHTS, (BLOCK.shape[0], 1))
    np.testing.assert_allclose(aggregate(name, BLOCK, rows), aggregate(name, BLOCK, WEIGHTS), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize(("family", "name"), methods("aggregate"), ids=ids(methods("aggregate")))
@settings(max_examples=20, deadline=None)
@given(order=st.permutations(range(6)))
def test_aggregator_permuting_units_permutes_scores(family, name, order):
    order = np.array(order)
    np.testing.assert_allclose(aggregate(name, BLOCK[order], WEIGHTS), aggregate(name, BLOCK, WEIGHTS)[order],
                               rtol=1e-9, atol=1e-12)


# ---------------------------------------------------------------------------------------------------------
# weighting methods: f(x, w, **params) -> (k,) or (units, k)

BLOCK_WITH_GAP = BLOCK.copy()
BLOCK_WITH_GAP[1, 2] = NAN


@pytest.mark.parametrize("x", [BLOCK, BLOCK_WITH_GAP], ids=["complete", "one-gap"])
@pytest.mark.parametrize(("family", "name"), methods("weights"), ids=ids(methods("weights")))
def test_weighting_method_returns_usable_weights(family, name, x):
    w = np.asarray(REGISTRIES["weights"][name](x, WEIGHTS, **params("weights", name)))
    k = x.shape[1]
    assert w.shape in ((k,), (x.shape[0], k))
    assert np.isfinite(w).all()
    assert (w >= 0).all()
    assert (w.sum(axis=-1) > 0).all()  # something the aggregators can renormalise


# ---------------------------------------------------------------------------------------------------------
# imputers: f(x, *, groups=None, **params) -> same shape, present values untouched

# 12 units, a small group of 3 and a large one; the third column correlates with the others (not exactly), so
# that EM converges within its default 100 iterations on every mask below
_rng = np.random.default_rng(6)
TABLE = _rng.uniform(1.0, 10.0, size=(12, 3))
TABLE[:, 2] = TABLE[:, 0] + 0.5 * TABLE[:, 1] + _rng.normal(0.0, 1.0, 12)
GROUPS = np.array(["north"] * 3 + ["south"] * 9, dtype=object)
MASKS = {
    "scattered": [(0, 1), (3, 2), (5, 0), (9, 1)],
    "a unit with nothing": [(2, 0), (2, 1), (2, 2)],
    "a group's whole column": [(0, 1), (1, 1), (2, 1), (6, 0)],
}


@pytest.mark.parametrize("mask", list(MASKS))
@pytest.mark.parametrize(("family", "name"), methods("impute"), ids=ids(methods("impute")))
def test_imputer_never_changes_a_present_value(family, name, mask):
    x = TABLE.copy()
    for cell in MASKS[mask]:
        x[cell] = NAN
    before = x.copy()
    out = np.asarray(REGISTRIES["impute"][name](x, groups=GROUPS, **params("impute", name)))
    assert out.shape == x.shape
    present = ~np.isnan(before)
    np.testing.assert_array_equal(out[present], before[present])
    np.testing.assert_array_equal(x, before)  # the input is not written to


# ---------------------------------------------------------------------------------------------------------
# treatments: f(x, **params) -> (treated, report)

OUTLIER_COLUMN = np.array([1.0, 2.0, 3.0, NAN, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, NAN, 100.0])


@pytest.mark.parametrize("x", [OUTLIER_COLUMN, COLUMN], ids=["outlier", "plain"])
@pytest.mark.parametrize(("family", "name"), methods("treat"), ids=ids(methods("treat")))
def test_treatment_returns_the_column_and_a_report(family, name, x):
    before = x.copy()
    treated, report = REGISTRIES["treat"][name](x, **params("treat", name))
    treated = np.asarray(treated)
    assert treated.shape == x.shape
    np.testing.assert_array_equal(np.isnan(treated), np.isnan(x))
    assert isinstance(report, dict) and report["method"] == name
    assert {"treated", "iterations", "log"} <= set(report)
    changed = {position for position, _, _ in report["treated"]}
    assert changed == set(np.flatnonzero(~np.isnan(x) & (treated != x)))
    np.testing.assert_array_equal(x, before)


# ---------------------------------------------------------------------------------------------------------
# screeners: f(x, *, units, **params) -> bool (units,)

@pytest.mark.parametrize(("family", "name"), methods("screen"), ids=ids(methods("screen")))
def test_screener_returns_a_boolean_mask_over_the_units(family, name):
    x = TABLE.copy()
    x[2] = NAN
    keep = np.asarray(REGISTRIES["screen"][name](x, units=UNITS, **params("screen", name)))
    assert keep.dtype == bool and keep.shape == (x.shape[0],)


# ---------------------------------------------------------------------------------------------------------
# perturbations: f(w or k, *, rng, size=None, **params) -> (k,) or (size, k) on the simplex

def perturb(name: str, seed: int, size) -> np.ndarray:
    function = PERTURBATIONS[name]
    first = next(iter(inspect.signature(function).parameters))
    lead = {"w": WEIGHTS, "k": WEIGHTS.size}[first]
    return np.asarray(function(lead, rng=np.random.default_rng(seed), size=size, **params("perturbation", name)))


@pytest.mark.parametrize(("family", "name"), methods("perturbation"), ids=ids(methods("perturbation")))
def test_perturbation_draws_weights_on_the_simplex_reproducibly(family, name):
    draws = perturb(name, 1, 50)
    assert draws.shape == (50, WEIGHTS.size)
    assert np.isfinite(draws).all() and (draws >= 0).all()
    np.testing.assert_allclose(draws.sum(axis=1), 1.0, rtol=1e-12)
    np.testing.assert_array_equal(perturb(name, 1, 50), draws)
    assert not np.array_equal(perturb(name, 2, 50), draws)
    assert perturb(name, 1, None).shape == (WEIGHTS.size,)
