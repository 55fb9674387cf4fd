"""The robust-pair share as an analysis: the published DTI 2022 profiles, the weight box, the dominance rule in the
config, the result's outputs and the errors."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy.optimize import linprog

import dti_bench as db
from dti_bench.config.specs import StabilitySpec
from dti_bench.errors import ConfigError

FW = db.load_framework("dti-provincial-2022")
PROFILES = db.load_dataset("dti2022-published-profiles")


def test_the_five_published_2022_profiles_over_the_whole_simplex():
    # Issue 12's done-when figures. The eight main-indicator values (S01): Đà Nẵng is at least as high as Quảng
    # Ninh, Thừa Thiên Huế and Cần Thơ on every indicator and higher on some (level with the first two on
    # institutions, 0.9000 each), so it weakly dominates all three; it is higher on all eight only against Cần Thơ
    # (institutions 0.8). Every other pair has mixed signs. Weak: 3 of 10; strict: 1 of 10.
    weak = db.robust_pairs(FW, PROFILES)
    strict = db.robust_pairs(FW, PROFILES, dominance="strict")
    assert (weak.share, weak.robust, weak.pairs, weak.dominance, weak.weights) == (0.3, 3, 10, "weak", "simplex")
    assert (strict.share, strict.robust, strict.pairs, strict.dominance) == (0.1, 1, 10, "strict")
    assert db.robust_pairs(FW, PROFILES, dominance="weak").share == weak.share  # weak is the default


def _box_share_by_linprog(x: np.ndarray, w: np.ndarray, box: float, dominance: str) -> float:
    """The share over nominal · (1 ± box) from two plain linear programmes per pair (independent of the
    vertex enumeration the analysis uses for eight children)."""
    lo, hi = w * (1 - box), w * (1 + box)
    robust = pairs = 0
    for a, b in itertools.combinations(range(len(x)), 2):
        d = x[a] - x[b]
        ends = [linprog(sign * d, A_eq=np.ones((1, len(d))), b_eq=[1.0], bounds=list(zip(lo, hi))).fun * sign
                for sign in (1.0, -1.0)]
        low, high = ends
        pairs += 1
        if dominance == "strict":
            robust += low > 1e-12 or high < -1e-12
        else:
            robust += (low >= -1e-12 and high > 1e-12) or (high <= 1e-12 and low < -1e-12)
    return robust / pairs


@pytest.mark.parametrize("dominance", ["weak", "strict"])
@pytest.mark.parametrize("box", [0.25, 0.5])
def test_a_box_of_weights_under_either_rule(box, dominance):
    index = db.compute_index(FW, PROFILES)
    x = index.values[list(FW.children("DTI"))].to_numpy(dtype=float)
    w = index.weight_arrays["DTI"]
    result = db.robust_pairs(FW, PROFILES, box=box, dominance=dominance)
    assert result.weights == f"nominal ±{box:.0%}" and result.dominance == dominance
    assert result.share == pytest.approx(_box_share_by_linprog(x, w, box, dominance), abs=1e-15)
    # every child has a positive lower bound in a box, so a shared value can no longer tie a pair: the rules agree
    assert result.share == db.robust_pairs(FW, PROFILES, box=box, dominance="strict").share


def test_outputs_record_the_dominance_and_the_counts():
    result = db.robust_pairs(FW, PROFILES, dominance="strict")
    assert result.summary() == {"node": "DTI", "weights": "simplex", "dominance": "strict", "share": 0.1, "robust": 1,
                                "pairs": 10}
    frame = result.to_frame()
    assert frame.columns.tolist() == ["node", "weights", "dominance", "robust_pair_share", "robust_pairs", "pairs"]
    assert frame.iloc[0].tolist() == ["DTI", "simplex", "strict", 0.1, 1, 10]
    assert repr(result) == ("RobustPairsResult(DTI, weights on the simplex, strict dominance: 1 of 10 pairs robust "
                            "(0.100))")


def test_the_config_block_names_the_rule_and_the_study_records_it():
    def stability(block):
        return StabilitySpec.from_block(block, "analyses.stability")

    # the resolved config fills every default in, so config.yaml shows the rule that was used
    assert stability({"robust_pairs": True}).robust_pairs == {"box": None, "dominance": "weak"}
    assert stability({"robust_pairs": {"box": 0.25}}).robust_pairs == {"box": 0.25, "dominance": "weak"}
    assert stability({"robust_pairs": {"dominance": "strict"}}).robust_pairs == {"box": None, "dominance": "strict"}
    assert stability({"robust_pairs": False}).robust_pairs is None and stability({}).robust_pairs is None
    study = db.Study.from_config({"name": "x", "data": {"dataset": "dti2022-published-profiles"},
                                  "analyses": {"stability": {"leave_one_out": False,
                                                             "robust_pairs": {"dominance": "strict"}}}})
    assert study.run()["stability"].summary()["robust_pair_share"] == {
        "node": "DTI", "weights": "simplex", "dominance": "strict", "share": 0.1, "robust": 1, "pairs": 10}


@pytest.mark.parametrize("block, message", [
    ({"dominance": "pareto"}, r"analyses.stability.robust_pairs.dominance: 'pareto' is not one of 'weak', 'strict'"),
    ({"box": 1.5}, r"analyses.stability.robust_pairs.box: expected a number in \(0, 1\)"),
    ({"boxes": 0.2}, r"analyses.stability.robust_pairs: unknown key 'boxes'; valid keys: 'box', 'dominance'"),
    ("simplex", r"analyses.stability.robust_pairs: expected true or a mapping of 'box', 'dominance'"),
])
def test_a_bad_robust_pairs_block_names_the_key(block, message):
    with pytest.raises(ConfigError, match=message):
        StabilitySpec.from_block({"robust_pairs": block}, "analyses.stability")


def test_bad_python_arguments_are_config_errors():
    with pytest.raises(ConfigError, match=r"dominance: 'pareto' is not one of 'weak', 'strict'"):
        db.robust_pairs(FW, PROFILES, dominance="pareto")
    with pytest.raises(ConfigError, match=r"box: expected a fraction in \(0, 1\)"):
        db.robust_pairs(FW, PROFILES, box=True)
