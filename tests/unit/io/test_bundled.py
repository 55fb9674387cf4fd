"""The bundled frameworks: sources cited, and the generated 98-component framework agrees with the main one."""

from __future__ import annotations

import numpy as np

from dti_bench import io


def test_every_bundled_framework_cites_a_source():
    for name in io.bundled_frameworks():
        fw = io.load_framework(name)
        assert fw.meta.get("source"), name


def test_components_framework_matches_the_main_indicator_framework(dti2022):
    comp = io.load_framework("dti-provincial-2022-components")
    assert len(comp.indicators) == 98  # S45: 98 component indicators
    counts = {c: len(comp.children(c)) for c in comp.composites if comp.level(c) == 2}
    # S45 Table I.1 (society activity by subtraction): 10, 11, 7, 13, 12, 3 (smart city), 22, 12, 8
    assert counts == {"awareness": 10, "institutions": 11, "infrastructure": 7, "human_resources": 13,
                      "cybersecurity": 12, "smart_city": 3, "gov_activity": 22, "econ_activity": 12,
                      "society_activity": 8}
    for top in dti2022.composites:
        assert comp.children(top) == dti2022.children(top)
        assert np.array_equal(comp.nominal_weights(top), dti2022.nominal_weights(top))
    for main in dti2022.indicators:
        assert comp.node(main).name_vi == dti2022.node(main).name_vi
        assert comp.node(main).extra["max_points"] == dti2022.node(main).extra["max_points"]
    assert comp.parents("smart_city") == () and comp.headline == "DTI"  # unscored: feeds nothing


def test_2020_framework_weights_are_the_pillar_points(dti2020):
    # S57: 400 / 300 / 300 points for digital government / economy / society
    assert dti2020.nominal_weights("DTI").tolist() == [0.4, 0.3, 0.3]
