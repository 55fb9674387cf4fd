"""The paper's generated numbers: paper/build.py's functions against the CSVs of a real run folder, and main.tex's
rule that no number is typed by hand.

One run of configs/coinr-example.yaml (8 made-up units, every analysis the DTI run has) feeds the number
functions; each test recomputes what a macro should say straight from the CSV the function read. The scan of
main.tex fails on any number of two or more digits, or any decimal, outside citations, labels, file names and
package options: such numbers must come from generated/numbers.tex.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st

REPO = Path(__file__).resolve().parents[2]
PAPER = REPO / "paper"


def _load_build():
    spec = importlib.util.spec_from_file_location("paper_build", PAPER / "build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


build = _load_build()


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    from dti_bench.experiment import run

    return run(REPO / "configs" / "coinr-example.yaml", out=tmp_path_factory.mktemp("runs"), quiet=True)


def _valid(macros: dict[str, str]) -> None:
    assert macros, "no macros"
    for name, value in macros.items():
        assert re.fullmatch(r"[A-Za-z]+", name), f"invalid LaTeX command name {name!r}"
        assert isinstance(value, str) and value != "", f"{name} has no value"


# -- number functions against the CSVs ------------------------------------------------------------------------

@pytest.mark.slow
def test_uncertainty_numbers_match_uncertainty_csv(run_dir):
    macros = build.uncertainty_numbers("ex", run_dir)
    _valid(macros)
    unc = pd.read_csv(run_dir / "uncertainty.csv")
    stab = pd.read_csv(run_dir / "stability.csv").set_index("metric")
    width = unc["q95_rank"] - unc["q05_rank"]
    assert macros["exUnits"] == str(len(unc)) == "8"
    assert macros["exSamples"] == "2000"                      # configs/coinr-example.yaml: samples 2000
    assert macros["exRbar"] == f"{unc['mean_abs_shift'].mean():.2f}"
    # the mean over units of their mean shift is the mean over samples of R̄s (stability.csv), same number
    assert unc["mean_abs_shift"].mean() == pytest.approx(stab.loc["mean_abs_shift", "mean"], abs=1e-9)
    assert macros["exRbarLo"] == f"{stab.loc['mean_abs_shift', 'q05']:.2f}"
    assert macros["exRbarHi"] == f"{stab.loc['mean_abs_shift', 'q95']:.2f}"
    assert macros["exBandWide"] == str(int((width > build.VOLATILE_WIDTH).sum()))
    assert macros["exBandZero"] == str(int((width == 0).sum()))
    widest = unc.loc[width.idxmax()]
    assert macros["exWidestLo"] == str(int(widest["q05_rank"])) and macros["exWidestHi"] == str(int(widest["q95_rank"]))
    assert macros["exLeaderTopOne"] == str(round(100 * unc.sort_values("nominal_rank")["p_top1"].iloc[0]))


def test_the_paper_and_the_report_share_the_volatile_band():
    from dti_bench.reporting import html, verdicts

    assert build.VOLATILE_WIDTH is verdicts.VOLATILE_WIDTH is html.VOLATILE_WIDTH


@pytest.mark.slow
def test_band_numbers_come_from_the_column_names(run_dir):
    assert build.band_numbers(run_dir) == {"bandLo": "5", "bandHi": "95", "wideBand": str(build.VOLATILE_WIDTH),
                                          "moveThreshold": str(build.MOVE)}


@pytest.mark.slow
def test_sobol_numbers_match_sensitivity_csv(run_dir):
    macros = build.sobol_numbers("ex", run_dir)
    _valid(macros)
    sens = pd.read_csv(run_dir / "sensitivity.csv")
    rows = sens[(sens["quantity"] == "summary") & (sens["output"] == "mean_abs_shift")]
    assert len(rows) == 3                                     # normalisation, aggregation, weight noise
    for _, r in rows.iterrows():
        words = "".join(w.capitalize() for w in re.findall(r"[A-Za-z]+", r["factor"]))
        assert macros[f"exST{words}"] == f"{r['ST']:.2f}"
        assert macros[f"exSOne{words}"] == f"{r['S1']:.2f}"
    assert macros["exSumSOne"] == f"{rows['S1'].sum():.2f}"
    assert macros["exTopFactor"] == rows.loc[rows["ST"].idxmax(), "factor"]
    info = build.manifest(run_dir)["outputs"]["sensitivity"]
    assert macros["exSobolN"] == str(info["N"]) and macros["exSobolRuns"] == build.fmt_int(info["runs"])


@pytest.mark.slow
def test_grid_numbers_match_grid_stability_csv(run_dir):
    macros = build.grid_numbers("ex", run_dir)
    _valid(macros)
    grid = pd.read_csv(run_dir / "grid_stability.csv")
    grid = grid[grid["node"] == "Index"]                      # the example's headline
    assert macros["exGridVariants"] == str(len(grid)) == "4"  # 2 normalisations x 2 aggregations
    assert macros["exGridMaxRbar"] == f"{grid['mean_abs_shift'].max():.2f}"
    assert macros["exGridMaxShift"] == str(int(grid["max_abs_shift"].max()))
    assert macros["exGridMinSpearman"] == f"{grid['spearman'].min():.2f}"


@pytest.mark.slow
def test_stability_and_importance_numbers_match_their_csvs(run_dir):
    stab = build.stability_numbers("ex", run_dir)
    imp = build.importance_numbers("ex", run_dir)
    _valid(stab)
    _valid(imp)
    rem = pd.read_csv(run_dir / "removal_summary.csv")
    rem = rem[(rem["node"] == "Index") & (rem["level"] == 1)]
    assert stab["exLooTopShift"] == f"{rem['mean_abs_shift'].max():.2f}"
    share = build.manifest(run_dir)["outputs"]["stability"]["robust_pair_share"]["share"]
    assert stab["exRobustPairs"] == f"{100 * share:.1f}"
    table = pd.read_csv(run_dir / "importance.csv")
    table = table[(table["target"] == "Index") & (table["parent"] == "Index")]
    assert imp["exImpTopShare"] == f"{table['importance_share'].max():.2f}"
    assert imp["exImpLowRatio"] == f"{table['ratio'].min():.2f}"


@pytest.mark.slow
def test_config_numbers_read_the_resolved_config(run_dir):
    macros = build.config_numbers("ex", run_dir)
    # coinr-example.yaml: weight noise 0.25, grid of 2 normalisations x 2 aggregations, importance n_boot 100; the
    # resolved config fills in the Sobol' target the config leaves at its default (0.05)
    assert macros == {"exNoise": "25", "exGridNormalise": "2", "exGridAggregate": "2", "exImportanceBoot": "100",
                      "exSobolTarget": "0.05"}


@pytest.mark.slow
def test_tables_are_booktabs_and_quote_the_csv(run_dir):
    unc = pd.read_csv(run_dir / "uncertainty.csv")
    tex = build.robust_table(run_dir, rows=3)
    assert tex.count(r"\toprule") == 1 and tex.count(r"\bottomrule") == 1
    body = [line for line in tex.splitlines() if line.endswith(r"\\") and "&" in line][1:]  # minus the header
    assert len(body) == 6                                     # 3 most + 3 least robust
    most = unc.sort_values(["mean_abs_shift", "nominal_rank"]).iloc[0]
    assert f"{most['name']} & {int(most['nominal_rank'])} &" in tex
    grid = build.grid_table(run_dir)
    assert grid.count(r"\midrule") == 1 and "min--max [1, 100]" in grid and "$z$-score (10, 2)" in grid


def test_numbers_tex_defines_every_macro_once():
    tex = build.numbers_tex({"dtiRbar": "1.95", "bandLo": "5"}, {"papi": False})
    assert r"\newif\ifpapi\papifalse" in tex
    assert tex.count(r"\newcommand{\dtiRbar}{1.95}") == 1
    with pytest.raises(ValueError, match="twice"):
        build.collect({"dtiRbar": "1"}, {"dtiRbar": "2"})
    with pytest.raises(ValueError, match="command name"):
        build.numbers_tex({"dti2Rbar": "1"}, {})


# -- formatting helpers -----------------------------------------------------------------------------------------

def test_macro_name_and_ordinals_by_hand():
    assert build.macro_name("dti", "ST", "weight noise") == "dtiSTWeightNoise"
    assert build.macro_name("pci", "SOne", "weight set") == "pciSOneWeightSet"
    with pytest.raises(ValueError):
        build.macro_name("", "42")
    assert [build.ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 63)] == \
        ["1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "63rd"]
    assert build.fmt(10_000, 0) == "10{,}000" and build.fmt(9999, 0) == "9999"
    assert build.fmt(-0.001, 2) == "0.00"                      # no "-0.00" in the text


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(alphabet=st.characters(codec="ascii"), min_size=0, max_size=12), min_size=1, max_size=4))
def test_macro_name_is_letters_only_or_refused(parts):
    try:
        name = build.macro_name(*parts)
    except ValueError:
        assert not any(re.search(r"[A-Za-z]", p) for p in parts)
    else:
        assert re.fullmatch(r"[A-Za-z]+", name)


@settings(max_examples=100, deadline=None)
@given(st.floats(min_value=-1e6, max_value=1e6, allow_nan=False), st.integers(min_value=1, max_value=4))
def test_fmt_rounds_to_the_digits_asked(x, digits):
    text = build.fmt(x, digits)
    assert len(text.split(".")[1]) == digits
    assert float(text) == pytest.approx(x, abs=0.5 * 10 ** -digits + 1e-9)


# -- main.tex: no number typed by hand ------------------------------------------------------------------------

STRIP = [
    re.compile(r"(?<!\\)%.*"),                                                       # comments
    re.compile(r"\\(?:documentclass|usepackage)(?:\[[^\]]*\])?\{[^}]*\}"),           # class and package options
    re.compile(r"\\(?:begin|end)\{[^}]*\}(?:\[[^\]]*\])?"),                          # environment names
    re.compile(r"\\(?:cite[a-z]*|ref|eqref|label|input|includegraphics|bibliography|bibliographystyle|url)\*?"
               r"(?:\[[^\]]*\])*\{[^}]*\}"),                                         # keys, labels and paths
]
TYPED_NUMBER = re.compile(r"\d+\.\d+|\d{1,3}(?:,\d{3})+|\d{2,}")   # decimals, 1,000-style, 2+ digits


def prose(tex: str) -> str:
    for pattern in STRIP:
        tex = pattern.sub(" ", tex)
    return tex


def typed_numbers(tex: str) -> list[str]:
    return [f"line {tex.count(chr(10), 0, m.start()) + 1}: {m.group()}" for m in TYPED_NUMBER.finditer(prose(tex))]


def test_the_scanner_flags_numbers_and_spares_keys():
    assert typed_numbers(r"moves 12 places, \citep{saisana2005} \label{fig:a1} % 99 in a comment") == ["line 1: 12"]
    assert typed_numbers(r"a shift of 1.95 and 5--95\,\%") == ["line 1: 1.95", "line 1: 95"]
    assert typed_numbers(r"\usepackage[margin=2.5cm]{geometry} \includegraphics[width=0.5\linewidth]{f/x2022}") == []
    assert typed_numbers(r"\dtiRbar{} places in \yearData, a 5th rank, $x \in [0,1]$") == []
    assert typed_numbers("over 10,000 samples") == ["line 1: 10,000"]


def test_main_tex_types_no_number():
    tex = (PAPER / "main.tex").read_text(encoding="utf-8")
    assert typed_numbers(tex) == [], "numbers typed into main.tex; generate a macro in build.py instead"
