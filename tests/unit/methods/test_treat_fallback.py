"""The fallbacks of winsorise (COINr's f2): log_ct, log_ct_plus, none, and the warning when one makes things worse.

The review of issue 12 found COINr's default ``log_CT`` taking a negatively skewed column from skew -4.27 to a
worse one without a word. Pinned here: that case (rebuilt: 63 values, the DTI's number of provinces), a small
column computed by hand, and, as Hypothesis properties, that ``log_ct_plus`` is the mirror image of itself and that
no fallback increases |skew| or kurtosis without a :class:`~dti_bench.errors.MethodologyWarning`. Skewness and
kurtosis are recomputed with scipy (``bias=False`` is Excel's SKEW and KURT), independently of treat.py.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import assume, event, given, settings, strategies as st
from hypothesis.extra import numpy as hnp
from scipy import stats

from dti_bench import io
from dti_bench.errors import ConfigError, MethodError, MethodologyWarning
from dti_bench.experiment import run
from dti_bench.index import compute_index
from dti_bench.methods.treat import FALLBACKS, log_ct, log_ct_plus, winsorise, winsorise_columns
from dti_bench.model.methodology import parse_methodology

nan = np.nan


def skew(x: np.ndarray) -> float:
    x = x[~np.isnan(x)]
    return float(stats.skew(x, bias=False))


def kurt(x: np.ndarray) -> float:
    x = x[~np.isnan(x)]
    return float(stats.kurtosis(x, bias=False))


def recorded(function, *args, **kwargs):
    """``function(*args, **kwargs)`` and the MethodologyWarnings it gave (every one, repeats included)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = function(*args, **kwargs)
    assert all(issubclass(w.category, MethodologyWarning) for w in caught), [str(w.message) for w in caught]
    return result, [str(w.message) for w in caught]


# ---------------------------------------------------------------------------------------------------------
# the review's case: skew -4.27, which COINr's log_CT makes worse

# A reflected log-normal at the 63 mid-quantiles (sigma 1.45): a long lower tail, skew -4.27, kurtosis 22.2.
# Winsorising one point (winmax 1) cannot fix it, so the fallback decides.
NEGATIVE = -np.exp(1.45 * stats.norm.ppf((np.arange(1, 64) - 0.5) / 63))


def test_the_negative_case_is_the_reviews():
    assert skew(NEGATIVE) == pytest.approx(-4.273, abs=5e-4)
    assert kurt(NEGATIVE) == pytest.approx(22.18, abs=5e-3)
    assert abs(skew(NEGATIVE)) >= 2 and kurt(NEGATIVE) >= 3.5  # fails the rule


def test_coinr_log_ct_makes_the_negative_case_worse_and_now_says_so():
    # COINr's log_CT by its documented formula, written out here: log(x - min + 0.01 (max - min))
    lo, hi = NEGATIVE.min(), NEGATIVE.max()
    coinr = np.log(NEGATIVE - lo + 0.01 * (hi - lo))
    assert skew(coinr) < skew(NEGATIVE) < 0 and kurt(coinr) > kurt(NEGATIVE)  # worse on both counts
    assert skew(coinr) == pytest.approx(-7.420, abs=5e-4) and kurt(coinr) == pytest.approx(57.15, abs=5e-3)

    (out, report), messages = recorded(winsorise, NEGATIVE, winmax=1, indicator="Neg")
    np.testing.assert_array_equal(out, coinr)  # the default keeps COINr's numbers, bit for bit
    assert report["fallback"] == "log_ct" and report["worse"] is True and report["reflected"] is False
    assert report["skew_before"] == pytest.approx(skew(NEGATIVE), rel=1e-9)
    assert report["skew_after"] == pytest.approx(skew(coinr), rel=1e-9)
    assert messages == ["indicator 'Neg': the log_ct fallback left the column worse than the untreated one "
                        "(skew -4.27 -> -7.42, kurtosis 22.18 -> 57.15); fallback: log_ct_plus mirrors a negatively "
                        "skewed column before the log"]


def test_log_ct_plus_fixes_the_negative_case_without_a_warning():
    (out, report), messages = recorded(winsorise, NEGATIVE, winmax=1, fallback="log_ct_plus", indicator="Neg")
    assert messages == []
    lo, hi = NEGATIVE.min(), NEGATIVE.max()
    np.testing.assert_allclose(out, -np.log(hi + 0.01 * (hi - lo) - NEGATIVE), rtol=1e-15)  # COINr's formula
    assert report["fallback"] == "log_ct_plus" and report["reflected"] is True and report["worse"] is False
    assert skew(out) == pytest.approx(-0.759, abs=5e-4) and kurt(out) == pytest.approx(0.168, abs=5e-4)
    assert report["passes"] is True
    assert (np.diff(out[np.argsort(NEGATIVE)]) > 0).all()  # the direction is kept


def test_fallback_none_leaves_the_winsorised_column():
    (out, report), messages = recorded(winsorise, NEGATIVE, winmax=1, fallback="none")
    assert messages == [] and report["fallback"] is None and report["log"] is False
    assert report["winsorised"] == 1 and report["passes"] is False
    np.testing.assert_array_equal(out[:-1], NEGATIVE[:-1])
    assert out[-1] == NEGATIVE[-2]  # the lowest value (NEGATIVE decreases) took the next one


# ---------------------------------------------------------------------------------------------------------
# a small column, by hand

# -(1..10, 100): skew -3.2556, kurtosis 10.707 (the mirror image of test_data_treatment's 1..10, 100), so it
# fails; winmax 0 sends it straight to the fallback. min -100, max -1, a = 0.01 * 99 = 0.99.
SMALL = -np.r_[np.arange(1.0, 11.0), 100.0]


def test_small_column_by_hand():
    magnitude = -SMALL
    # log_ct:      ln(x + 100 + 0.99)      = ln(100.99 - |x|): -1 -> ln 99.99 = 4.60507, -100 -> ln 0.99 = -0.01005
    # log_ct_plus: -ln(-1 + 0.99 - x)       = -ln(|x| - 0.01): -1 -> -ln 0.99 = 0.01005, -100 -> -ln 99.99 = -4.60507
    (plain, plain_report), plain_messages = recorded(winsorise, SMALL, winmax=0, indicator="S")
    (plus, plus_report), plus_messages = recorded(winsorise, SMALL, winmax=0, fallback="log_ct_plus", indicator="S")
    # (0.99 and 100.99 are not exact in binary: agreement to rounding, absolute near 0)
    np.testing.assert_allclose(plain, np.log(100.99 - magnitude), rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(plus, -np.log(magnitude - 0.01), rtol=1e-13, atol=1e-13)
    assert plain[0] == pytest.approx(4.60507, abs=5e-6) and plain[-1] == pytest.approx(-0.01005, abs=5e-6)
    assert plus[0] == pytest.approx(0.01005, abs=5e-6) and plus[-1] == pytest.approx(-4.60507, abs=5e-6)
    # the mirror: log_ct_plus of the reflected column is minus log_ct of the column 1..10, 100 (ln(|x| - 1 + 0.99))
    np.testing.assert_allclose(plus, -log_ct(magnitude), rtol=1e-13, atol=1e-13)
    # log_ct: skew -3.2556 -> -3.3137 and kurtosis 10.707 -> 10.986, worse, with a warning; log_ct_plus helps
    assert skew(plain) == pytest.approx(-3.3137, abs=5e-5) and kurt(plain) == pytest.approx(10.986, abs=5e-4)
    assert plain_report["worse"] is True and len(plain_messages) == 1
    assert "indicator 'S': the log_ct fallback" in plain_messages[0] and "skew -3.26 -> -3.31" in plain_messages[0]
    assert skew(plus) == pytest.approx(-1.1564, abs=5e-5) and plus_report["worse"] is False and plus_messages == []
    assert plus_report["reflected"] is True and plus_report["treated"][0] == (0, -1.0, pytest.approx(-np.log(0.99)))


def test_log_ct_plus_on_a_positive_skew_is_log_ct():
    x = np.r_[np.arange(1.0, 11.0), nan, 100.0]
    np.testing.assert_array_equal(log_ct_plus(x), log_ct(x))
    out_plain, _ = winsorise(x, winmax=0)
    out_plus, report = winsorise(x, winmax=0, fallback="log_ct_plus")
    np.testing.assert_array_equal(out_plus, out_plain)
    assert report["reflected"] is False and np.isnan(out_plus[10])


def test_log_transforms_refuse_a_column_without_spread():
    for transform in (log_ct, log_ct_plus):
        with pytest.raises(MethodError, match="two different present values"):
            transform(np.array([3.0, nan, 3.0]))
        with pytest.raises(MethodError, match="two different present values"):
            transform(np.full(3, nan))


# ---------------------------------------------------------------------------------------------------------
# properties

# eighths between -1000 and 1000: any shape of column, but no values so tiny that scipy's moments underflow
values = st.integers(-8000, 8000).map(lambda v: v / 8)
spread_columns = hnp.arrays(float, st.integers(3, 30), elements=values)


@settings(max_examples=200, deadline=None)
@given(x=spread_columns)
def test_log_ct_plus_is_its_own_mirror_image(x):
    """Reflecting the column reflects the result: log_ct_plus(-x) = -log_ct_plus(x) whenever the skew is not 0
    (at 0 COINr's rule takes the mirrored branch for both)."""
    assume(len(np.unique(x)) >= 3)
    assume(abs(skew(x)) > 1e-6)
    np.testing.assert_allclose(log_ct_plus(-x), -log_ct_plus(x), rtol=1e-9, atol=1e-12)
    # and it keeps the order of the units: the direction of the indicator does not turn over
    order = np.argsort(x, kind="stable")
    assert (np.diff(log_ct_plus(x)[order]) >= 0).all()


cells = st.one_of(values, st.just(nan), st.just(0.0))


@settings(max_examples=300, deadline=None)
@given(x=hnp.arrays(float, st.integers(4, 25), elements=cells), outliers=st.lists(
    st.sampled_from([1e4, -1e4, 3e3, -3e3, 500.0, -500.0]), min_size=1, max_size=6),
    winmax=st.integers(0, 3), fallback=st.sampled_from(FALLBACKS))  # small winmax: the fallback runs often
def test_no_fallback_increases_skew_or_kurtosis_silently(x, outliers, winmax, fallback):
    """Whenever a fallback leaves |skew| or kurtosis above the untreated column's (scipy's numbers), a
    MethodologyWarning says so; and a warning is never given when it did not."""
    x = np.r_[x, outliers]  # outliers at either end (or both) make the rule fail in many ways
    (out, report), messages = recorded(winsorise, x, winmax=winmax, fallback=fallback, indicator="X")
    event(f"fallback {report['fallback']}, worse {report['worse']}")  # --hypothesis-show-statistics: both happen
    if report["fallback"] is None:
        assert messages == [] and report["worse"] is False
        return
    before, after = (skew(x), kurt(x)), (skew(out), kurt(out))
    margin = 1e-9 * (1 + abs(before[0]) + abs(before[1]))  # two implementations may round a tie differently
    if abs(after[0]) > abs(before[0]) + margin or after[1] > before[1] + margin:
        assert len(messages) == 1 and messages[0].startswith(f"indicator 'X': the {fallback} fallback")
    if messages:
        assert report["worse"] is True
        assert abs(after[0]) > abs(before[0]) - margin or after[1] > before[1] - margin
    else:
        assert report["worse"] is False


# ---------------------------------------------------------------------------------------------------------
# the config key, the pipeline and treatment.csv

def test_fallback_is_a_config_key_with_its_choices():
    m = parse_methodology({"treat": {"method": "winsorise", "fallback": "log_ct_plus"}})
    assert m.treat.default.kwargs == {"fallback": "log_ct_plus"}
    with pytest.raises(ConfigError) as err:
        parse_methodology({"treat": {"method": "winsorise", "fallback": "boxcox"}})
    assert str(err.value) == ("methodology.treat: treatment 'winsorise': unknown fallback 'boxcox'; valid choices: "
                              "'log_ct', 'log_ct_plus', 'none'")
    with pytest.raises(ConfigError, match="no parameter 'indicator'"):  # the pipeline's argument, not the config's
        parse_methodology({"treat": {"method": "winsorise", "indicator": "Neg"}})


def framework_and_data(tmp_path):
    """Two indicators over 63 units: the review's negatively skewed one and a plain one."""
    units = [f"P{i:02d}" for i in range(63)]
    idata = pd.DataFrame({"uCode": units, "Neg": NEGATIVE, "Plain": np.linspace(1.0, 9.0, 63)})
    imeta = pd.DataFrame({"iCode": ["Neg", "Plain", "Index"], "iName": ["Negative tail", "Plain", "Index"],
                          "Level": [1, 1, 2], "Parent": ["Index", "Index", ""], "Weight": [1, 1, 1],
                          "Direction": [1, 1, 1], "Type": ["Indicator", "Indicator", "Aggregate"]})
    idata.to_csv(tmp_path / "iData.csv", index=False)
    imeta.to_csv(tmp_path / "iMeta.csv", index=False)
    framework = io.load_framework(tmp_path / "iMeta.csv")
    return framework, io.load_idata(tmp_path / "iData.csv", framework)


@pytest.mark.parametrize("treat", [
    {"method": "winsorise", "winmax": 1},                             # one treatment for all: the block version
    {"default": "none", "Neg": {"method": "winsorise", "winmax": 1}},  # per indicator: column by column
], ids=["block", "per-indicator"])
def test_the_pipeline_warns_naming_the_indicator(tmp_path, treat):
    framework, data = framework_and_data(tmp_path)
    methodology = parse_methodology({"treat": treat}, framework=framework)
    with pytest.warns(MethodologyWarning, match=r"^indicator 'Neg': the log_ct fallback .*skew -4\.27 -> -7\.42"):
        result = compute_index(framework, data, methodology)
    (report,) = [r for r in result.treatment if r["indicator"] == "Neg"]
    assert report["fallback"] == "log_ct" and report["worse"] is True


def test_the_pipeline_with_log_ct_plus_is_quiet(tmp_path):
    framework, data = framework_and_data(tmp_path)
    methodology = parse_methodology({"treat": {"method": "winsorise", "winmax": 1, "fallback": "log_ct_plus"}},
                                    framework=framework)
    result, messages = recorded(compute_index, framework, data, methodology)
    assert messages == []
    (report,) = [r for r in result.treatment if r["indicator"] == "Neg"]
    assert report["fallback"] == "log_ct_plus" and report["reflected"] is True


def test_treatment_csv_records_the_fallback_and_the_moments(tmp_path):
    framework_and_data(tmp_path)
    config = {"name": "fallback", "data": {"indicators": str(tmp_path / "iData.csv"),
                                           "framework": str(tmp_path / "iMeta.csv")},
              "methodology": {"treat": {"method": "winsorise", "winmax": 1, "fallback": "log_ct_plus"}}}
    path = tmp_path / "fallback.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    folder = run(path, out=tmp_path / "runs", quiet=True)
    table = pd.read_csv(folder / "treatment.csv", comment="#")
    assert list(table.columns) == ["indicator", "unit", "original", "treated", "method", "log", "fallback",
                                   "reflected", "skew_before", "kurt_before", "skew_after", "kurt_after"]
    assert set(table["indicator"]) == {"Neg"} and len(table) == 63  # a fallback changes every present cell
    assert set(table["fallback"]) == {"log_ct_plus"} and table["reflected"].all() and table["log"].all()
    first = table.iloc[0]
    assert first["skew_before"] == pytest.approx(skew(NEGATIVE), rel=1e-6)
    assert first["kurt_before"] == pytest.approx(kurt(NEGATIVE), rel=1e-6)
    lo, hi = NEGATIVE.min(), NEGATIVE.max()
    treated = -np.log(hi + 0.01 * (hi - lo) - NEGATIVE)
    assert first["skew_after"] == pytest.approx(skew(treated), rel=1e-6)
    assert first["kurt_after"] == pytest.approx(kurt(treated), rel=1e-6)
    np.testing.assert_allclose(table["treated"].to_numpy(), treated, rtol=1e-9)


def test_block_and_column_reports_carry_the_same_fallback_keys():
    block, reports = winsorise_columns(np.column_stack([np.linspace(0, 1, 8), np.r_[np.zeros(7), 1.0]]),
                                       fallback="log_ct_plus")
    passing, treated = reports
    assert {"fallback", "reflected", "worse"} <= set(passing) and passing["fallback"] is None
    assert treated["winsorised"] == 1 and treated["fallback"] is None  # winsorising one point was enough
