"""MPI and AMPI by name, each with its normalisation: hand-computed tables, the weighted form, and the whole chain
against an independent plain re-derivation of Compind's ``ci_ampi`` (R; Fusco, Alaimo et al., from the AMPI
authors' code) and of the MPI's definition.

No published worked example was found to pin against (Mazziotta & Pareto's papers were not available here); the
numbers below are computed by hand in the comments or by the plain implementations in this file, which import
nothing from dti_bench's methods.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

from dti_bench import io
from dti_bench.errors import ConfigError
from dti_bench.index import compute_index
from dti_bench.methods.aggregate import ampi as ampi_aggregate, mpi
from dti_bench.methods.normalise import ampi as ampi_normalise, zscore
from dti_bench.methods.registry import INTERVAL, METHODS, RATIO
from dti_bench.model.methodology import parse_methodology

NAN = np.nan


# ---------------------------------------------------------------------------------------------------------
# plain re-derivations

def plain_penalised(r: np.ndarray, w: np.ndarray, sign: float) -> np.ndarray:
    """M -/+ S * cv per row, with the weighted mean and the weighted population sd (weights summing to 1)."""
    w = np.asarray(w, dtype=float) / np.sum(w)
    out = []
    for row in r:
        m = float(np.sum(w * row))
        s = float(np.sqrt(np.sum(w * (row - m) ** 2)))
        out.append(m + sign * s * (s / m))
    return np.array(out)


def compind_ampi(x: np.ndarray, polarity: list[str], penalty: str) -> np.ndarray:
    """Compind ``ci_ampi`` for one time period with goalposts ``gp`` = the column means: delta = (max - min)/2,
    goalposts gp -/+ delta, r = (x - min)/(max - min) * 60 + 70 (POS) or (max - x)/(max - min) * 60 + 70 (NEG),
    then mean -/+ sd * cv per unit with sd = sqrt(var * (n - 1)/n). Compind's current ``penalty = "NEG"`` is the
    minus sign (its help: "NEG" for an increasing composite), our ``'negative'``."""
    gp = x.mean(axis=0)
    delta = (x.max(axis=0) - x.min(axis=0)) / 2
    minim, maxim = gp - delta, gp + delta
    r = np.empty_like(x)
    for i, pol in enumerate(polarity):
        r[:, i] = ((x[:, i] - minim[i]) if pol == "POS" else (maxim[i] - x[:, i])) / (maxim[i] - minim[i]) * 60 + 70
    mean = r.mean(axis=1)
    sd = np.sqrt(r.var(axis=1))  # numpy's var divides by n: R's var * (n - 1)/n
    cv = sd / mean
    return mean - sd * cv if penalty == "NEG" else mean + sd * cv


def plain_mpi(x: np.ndarray, polarity: list[str], sign: float) -> np.ndarray:
    """MPI by its definition: z = 100 +- 10 (x - mean)/sd per indicator (sd with n - 1, as R's sd and Compind's
    normalise_ci), then mean -/+ sd * cv of each unit's z (population sd, equal weights)."""
    z = np.empty_like(x)
    for i, pol in enumerate(polarity):
        dev = (x[:, i] - x[:, i].mean()) / x[:, i].std(ddof=1)
        z[:, i] = 100 + 10 * dev if pol == "POS" else 100 - 10 * dev
    return plain_penalised(z, np.ones(x.shape[1]), sign)


# ---------------------------------------------------------------------------------------------------------
# hand-computed tables

def test_mpi_from_raw_data_by_hand():
    # columns (1, 2, 3) and (3, 1, 2): mean 2, sample sd 1, so z = 100 + 10 (x - 2):
    #   unit 0 (90, 110): M 100, S 10 -> 100 - 10 * 0.1 = 99
    #   unit 1 (100, 90): M 95,  S 5  -> 95 - 25/95
    #   unit 2 (110, 100): M 105, S 5 -> 105 - 25/105
    raw = np.array([[1.0, 3.0], [2.0, 1.0], [3.0, 2.0]])
    z = np.column_stack([zscore(raw[:, j], m=100.0, s=10.0) for j in range(2)])
    np.testing.assert_allclose(z, [[90, 110], [100, 90], [110, 100]], rtol=1e-14)
    np.testing.assert_allclose(mpi(z, [1, 1]), [99, 95 - 25 / 95, 105 - 25 / 105], rtol=1e-14)
    np.testing.assert_allclose(mpi(z, [1, 1], penalty="positive"), [101, 95 + 25 / 95, 105 + 25 / 105], rtol=1e-14)


def test_weighted_form_by_hand():
    # r = (76, 130), weights (1, 3) -> (1/4, 3/4): M = (76 + 390)/4 = 116.5,
    # S^2 = (1 * 40.5^2 + 3 * 13.5^2)/4 = (1640.25 + 546.75)/4 = 546.75, penalty S * cv = S^2/M = 546.75/116.5
    r = np.array([[76.0, 130.0], [100.0, 100.0]])
    expected = [116.5 - 546.75 / 116.5, 100.0]
    for method in (mpi, ampi_aggregate):
        np.testing.assert_allclose(method(r, [1.0, 3.0]), expected, rtol=1e-14)
        np.testing.assert_allclose(method(r, [1.0, 3.0]), plain_penalised(r, [1.0, 3.0], -1.0), rtol=1e-14)
        np.testing.assert_allclose(method(r, [1.0, 3.0], penalty="positive"), [116.5 + 546.75 / 116.5, 100.0],
                                   rtol=1e-14)


def test_a_missing_child_is_skipped_with_its_weight():
    # unit 0 lacks its second child: the others renormalise to (1/2, 1/2) over (100, 120): M 110, S 10
    r = np.array([[100.0, NAN, 120.0], [NAN, NAN, NAN]])
    for method in (mpi, ampi_aggregate):
        y = method(r, [1.0, 2.0, 1.0])
        assert y[0] == pytest.approx(110 - 100 / 110, rel=1e-14) and np.isnan(y[1])


def test_ampi_normalisation_against_a_base_year():
    # base year: mean 60, range 80, so 100 + 60 (x - 60)/80 = 100 + 0.75 (x - 60); a later year's values above the
    # base year's maximum go past 130 (not clipped), which keeps years comparable
    base = np.array([20.0, 40.0, 60.0, 80.0, 100.0])
    later = np.array([30.0, 50.0, NAN, 90.0, 110.0])
    np.testing.assert_allclose(ampi_normalise(later, ref=base), [77.5, 92.5, NAN, 122.5, 137.5], rtol=1e-14)


# ---------------------------------------------------------------------------------------------------------
# properties: the normalisation is Mazziotta & Pareto's goalposts, and the chain is Compind's ci_ampi

positive = st.integers(1, 4000).map(lambda v: v / 4)


@settings(max_examples=150, deadline=None)
@given(x=hnp.arrays(float, st.integers(2, 15), elements=positive))
def test_ampi_normalisation_is_the_papers_goalposts(x):
    """r = 70 + 60 (x - (Ref - D))/(2 D), D = (max - min)/2, Ref the mean; negative polarity (the pipeline negates
    the column) is 70 + 60 ((Ref + D) - x)/(2 D)."""
    if x.min() == x.max():
        np.testing.assert_array_equal(ampi_normalise(x), np.full(x.shape, 100.0))
        return
    ref, half = x.mean(), (x.max() - x.min()) / 2
    np.testing.assert_allclose(ampi_normalise(x), 70 + 60 * (x - (ref - half)) / (2 * half), rtol=1e-12)
    np.testing.assert_allclose(ampi_normalise(-x), 70 + 60 * ((ref + half) - x) / (2 * half), rtol=1e-12)
    assert (ampi_normalise(x) >= 40 - 1e-9).all() and (ampi_normalise(x) <= 160 + 1e-9).all()


@settings(max_examples=100, deadline=None)
@given(x=hnp.arrays(float, st.tuples(st.integers(2, 10), st.integers(2, 5)), elements=positive),
       data=st.data())
def test_ampi_chain_equals_compind_ci_ampi(x, data):
    polarity = data.draw(st.lists(st.sampled_from(["POS", "NEG"]), min_size=x.shape[1], max_size=x.shape[1]))
    if (x.max(axis=0) == x.min(axis=0)).any():
        return  # Compind divides by a zero range; dti_bench maps such a column to 100 (tested above)
    oriented = np.column_stack([x[:, j] if p == "POS" else -x[:, j] for j, p in enumerate(polarity)])
    r = np.column_stack([ampi_normalise(oriented[:, j]) for j in range(x.shape[1])])
    w = np.ones(x.shape[1])
    np.testing.assert_allclose(ampi_aggregate(r, w), compind_ampi(x, polarity, "NEG"), rtol=1e-12)
    np.testing.assert_allclose(ampi_aggregate(r, w, penalty="positive"), compind_ampi(x, polarity, "POS"),
                               rtol=1e-12)


# ---------------------------------------------------------------------------------------------------------
# by name, through a config and the pipeline

RAW = np.array([
    [12.0, 3.1, 70.0],
    [18.0, 2.2, 64.0],
    [9.0, 4.0, 81.0],
    [15.0, 2.9, 77.0],
    [21.0, 1.5, 59.0],
    [11.0, 3.6, 73.0],
])


def framework_and_data(tmp_path):
    """Three indicators, the second with direction -1 (negative polarity), one composite."""
    units = [f"U{i}" for i in range(len(RAW))]
    idata = pd.DataFrame({"uCode": units, "A": RAW[:, 0], "B": RAW[:, 1], "C": RAW[:, 2]})
    imeta = pd.DataFrame({"iCode": ["A", "B", "C", "Index"], "iName": ["A", "B", "C", "Index"],
                          "Level": [1, 1, 1, 2], "Parent": ["Index", "Index", "Index", ""],
                          "Weight": [1, 1, 1, 1], "Direction": [1, -1, 1, 1],
                          "Type": ["Indicator", "Indicator", "Indicator", "Aggregate"]})
    idata.to_csv(tmp_path / "iData.csv", index=False)
    imeta.to_csv(tmp_path / "iMeta.csv", index=False)
    framework = io.load_framework(tmp_path / "iMeta.csv")
    return framework, io.load_idata(tmp_path / "iData.csv", framework)


@pytest.mark.parametrize("penalty, sign", [("negative", -1.0), ("positive", 1.0)])
def test_mpi_by_name_with_its_normalisation(tmp_path, penalty, sign):
    framework, data = framework_and_data(tmp_path)
    methodology = parse_methodology({"normalise": {"method": "zscore", "m": 100, "s": 10},
                                     "aggregate": {"method": "mpi", "penalty": penalty}}, framework=framework)
    scores = compute_index(framework, data, methodology).scores["Index"].to_numpy()
    np.testing.assert_allclose(scores, plain_mpi(RAW, ["POS", "NEG", "POS"], sign), rtol=1e-12)


@pytest.mark.parametrize("penalty, compind_penalty", [("negative", "NEG"), ("positive", "POS")])
def test_ampi_by_name_with_its_normalisation(tmp_path, penalty, compind_penalty):
    framework, data = framework_and_data(tmp_path)
    methodology = parse_methodology({"normalise": "ampi", "aggregate": {"method": "ampi", "penalty": penalty}},
                                    framework=framework)
    scores = compute_index(framework, data, methodology).scores["Index"].to_numpy()
    np.testing.assert_allclose(scores, compind_ampi(RAW, ["POS", "NEG", "POS"], compind_penalty), rtol=1e-12)


def test_an_ampi_reference_unit_is_given_by_its_code(tmp_path):
    framework, data = framework_and_data(tmp_path)
    methodology = parse_methodology({"normalise": {"method": "ampi", "unit": "U3"}, "aggregate": "ampi"},
                                    framework=framework)
    normalised = compute_index(framework, data, methodology).normalised
    np.testing.assert_allclose(normalised.loc["U3"].to_numpy(), [100.0, 100.0, 100.0], rtol=1e-14)


def test_penalty_is_checked_when_the_config_is_read():
    for name in ("mpi", "ampi"):
        with pytest.raises(ConfigError) as err:
            parse_methodology({"aggregate": {"method": name, "penalty": "down"}})
        message = str(err.value)
        assert message.startswith("methodology.aggregate: ") and "'down'" in message
        assert "'negative'" in message and "'positive'" in message


def test_registry_traits():
    assert METHODS["normalise"]["ampi"].output_scale({}, RATIO) == INTERVAL  # shifted by the mean
    for name in ("mpi", "ampi"):
        assert METHODS["aggregate"][name].needs_scale({}) == RATIO  # the cv needs a meaningful origin
        assert METHODS["aggregate"][name].exponent is None  # not a quasi-arithmetic mean
