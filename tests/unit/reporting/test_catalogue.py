"""The generated methods catalogue covers every registered method and analysis, and its traits are the
registry's."""

from __future__ import annotations

import re

import dti_bench as db
from dti_bench.analyses.registry import ANALYSES
from dti_bench.methods.registry import FAMILIES, METHODS
from dti_bench.reporting.catalogue import ANALYSIS_FUNCTIONS, methods_catalogue_markdown, traits


def test_every_method_and_analysis_has_a_section():
    page = methods_catalogue_markdown()
    methods = re.findall(r"^### `(\w+): (\w+)`$", page, flags=re.M)
    assert methods == [(f, n) for f in FAMILIES for n in METHODS[f]]
    analyses = re.findall(r"^### `analyses\.(\w+)`", page, flags=re.M)
    assert analyses == list(ANALYSES)


def test_every_analysis_names_functions_of_the_namespace():
    assert set(ANALYSIS_FUNCTIONS) == set(ANALYSES)
    for functions in ANALYSIS_FUNCTIONS.values():
        for dotted in functions:
            assert callable(getattr(db, dotted.split(".", 1)[1])), dotted


def test_traits_follow_the_registry():
    # the scale a mean needs, as Ebert & Welsch (2004) decide it and the registry records it
    assert dict(traits(METHODS["aggregate"]["arithmetic"]))["needs scale"] == "interval"
    assert dict(traits(METHODS["aggregate"]["power"]))["quasi-arithmetic exponent p"] == "1"
    assert dict(traits(METHODS["aggregate"]["harmonic"]))["quasi-arithmetic exponent p"] == "-1"
    assert dict(traits(METHODS["normalise"]["rank"]))["output scale (ratio-scale input)"] == "ordinal"
    assert dict(traits(METHODS["normalise"]["frac_max"]))["output scale (ratio-scale input)"] == "ratio"
    for name, entry in METHODS["weights"].items():
        assert (dict(traits(entry))["data-driven (computed one variant at a time)"] == "yes") == entry.data_driven
    assert "standing warning" in dict(traits(METHODS["weights"]["bod_weights"]))
