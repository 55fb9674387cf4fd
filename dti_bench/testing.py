"""Hypothesis strategies for frameworks, datasets and methodologies (public: use them in your own tests).

::

    from hypothesis import given
    from dti_bench.testing import frameworks_and_data, methodologies

    @given(frameworks_and_data(), methodologies())
    def test_something(fw_ds, m):
        framework, dataset = fw_ds
        ...

Requires ``hypothesis`` (a test dependency, not a runtime one).
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from dti_bench.model.methodology import parse_methodology
from dti_bench.model.dataset import Dataset
from dti_bench.model.framework import Framework

#: Normalisations that keep every value positive or are safe under any aggregation tested here.
POSITIVE_NORMALISERS = ({"method": "minmax", "lo": 1, "hi": 100}, {"method": "zscore", "m": 10, "s": 2},
                        "none")
ANY_NORMALISERS = POSITIVE_NORMALISERS + ({"method": "minmax", "lo": 0, "hi": 1}, "rank", "percentile", "borda")
MEANS = ("arithmetic", "geometric", "harmonic")


@st.composite
def frameworks(draw, max_indicators: int = 6, max_groups: int = 3, shared: bool = True) -> Framework:
    """A two- or three-level framework: indicators -> groups -> headline (a child may feed two groups)."""
    n_ind = draw(st.integers(2, max_indicators))
    indicators = [f"i{j}" for j in range(n_ind)]
    n_groups = draw(st.integers(1, min(max_groups, n_ind)))
    weight = st.floats(0.1, 5.0, allow_nan=False)
    members: list[list[str]] = [[] for _ in range(n_groups)]
    for j, code in enumerate(indicators):
        members[j % n_groups].append(code)
        if shared and n_groups > 1 and draw(st.booleans()):
            other = draw(st.integers(0, n_groups - 1))
            if code not in members[other]:
                members[other].append(code)
    composites = [{"code": f"g{g}", "children": {c: draw(weight) for c in kids}} for g, kids in enumerate(members)]
    composites.append({"code": "index", "children": {f"g{g}": draw(weight) for g in range(n_groups)}})
    directions = [draw(st.sampled_from([1, 1, -1])) for _ in indicators]
    return Framework.from_dict({"name": "generated", "indicators": [{"code": c, "direction": d}
                                                                     for c, d in zip(indicators, directions)],
                                "composites": composites})


@st.composite
def deep_frameworks(draw, max_indicators: int = 8, max_levels: int = 4, zero_weights: bool = True) -> Framework:
    """A DAG of up to ``max_levels`` levels: a composite's children come from any level below (indicators and
    composites mixed, shared between parents), weights may be 0, and one headline sits on top."""
    n_ind = draw(st.integers(2, max_indicators))
    levels = draw(st.integers(2, max_levels))
    weight = st.floats(0.1, 5.0, allow_nan=False)
    if zero_weights:
        weight = st.one_of(weight, st.just(0.0))
    below = [f"i{j}" for j in range(n_ind)]
    orphans = list(below)  # nodes with no parent yet: every one must get one
    composites = []
    for level in range(2, levels + 1):
        n_comp = 1 if level == levels else draw(st.integers(1, 3))
        codes = ["index"] if level == levels else [f"c{level}_{g}" for g in range(n_comp)]
        for g, code in enumerate(codes):
            kids = set(draw(st.lists(st.sampled_from(below), min_size=1, max_size=4)))
            if code == codes[-1]:
                kids |= set(orphans)  # the last composite of a level adopts whatever is left
            kids = sorted(kids)
            orphans = [o for o in orphans if o not in kids]
            composites.append({"code": code, "children": {k: draw(weight) for k in kids}})
        below = below + codes
        orphans = orphans + codes
    return Framework.from_dict({"name": "generated-deep", "indicators": [f"i{j}" for j in range(n_ind)],
                                "composites": composites})


@st.composite
def datasets(draw, framework: Framework, min_units: int = 3, max_units: int = 12, missing: float = 0.1) -> Dataset:
    """Units x the framework's indicators, positive values, some missing (never a whole column)."""
    n_units = draw(st.integers(min_units, max_units))
    k = len(framework.indicators)
    values = np.array(draw(st.lists(st.floats(0.5, 100.0, allow_nan=False), min_size=n_units * k,
                                    max_size=n_units * k))).reshape(n_units, k)
    holes = np.array(draw(st.lists(st.floats(0, 1), min_size=n_units * k, max_size=n_units * k))).reshape(n_units, k)
    mask = holes < missing
    mask[0] = False  # keep one complete unit, so no column is wholly missing
    values = np.where(mask, np.nan, values)
    units = tuple(f"u{i}" for i in range(n_units))
    return Dataset("generated", units, units, framework.indicators, values)


@st.composite
def frameworks_and_data(draw, **kwargs):
    """A (framework, dataset) pair."""
    fw = draw(frameworks(**kwargs))
    return fw, draw(datasets(fw))


@st.composite
def methodologies(draw, normalisers=ANY_NORMALISERS, means=MEANS, framework: Framework | None = None):
    """A methodology over the named normalisers and means, with nominal, equal or partly explicit weights."""
    block = {
        "normalise": draw(st.sampled_from(normalisers)),
        "aggregate": draw(st.sampled_from(means)),
        "weights": draw(st.sampled_from(["nominal", "equal"])),
    }
    if draw(st.booleans()):
        block["aggregate"] = {"method": "power", "p": draw(st.sampled_from([-2.0, -0.5, 0.5, 2.0, 3.0]))}
    return parse_methodology(block, framework=framework)
