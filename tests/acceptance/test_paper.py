"""The paper's generated numbers: paper/build.py's functions against the CSVs of a real run folder, and main.tex's
rule that no number is typed by hand.

One run of configs/coinr-example.yaml (8 made-up units, every analysis the DTI run has) feeds the number
functions; each test recomputes what a macro should say straight from the CSV the function read. The scan of
main.tex fails on any number of two or more digits, or any decimal, outside citations, labels, file names and
package options: such numbers must come from generated/numbers.tex.
"""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

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


def _as_ensemble(run_dir: Path, folder: Path, factor: float = 3.0) -> Path:
    """A copy of ``run_dir`` that looks like a run over a two-member ensemble: member 0 is the run itself, member 1
    the same tables with every unit's mean absolute shift and every S_T multiplied by ``factor``."""
    import shutil

    copy = folder / "ensemble-run"
    shutil.copytree(run_dir, copy)
    unc = pd.read_csv(run_dir / "uncertainty.csv")
    other = unc.assign(mean_abs_shift=factor * unc["mean_abs_shift"])
    pd.concat([unc.assign(member=0), other.assign(member=1)]).to_csv(copy / "uncertainty_members.csv", index=False)
    sens = pd.read_csv(run_dir / "sensitivity.csv")
    pd.concat([sens.assign(member=0), sens.assign(member=1, ST=factor * sens["ST"])]).to_csv(
        copy / "sensitivity_members.csv", index=False)
    return copy


def test_distribution_numbers_of_one_run_are_its_own_numbers(run_dir):
    macros = build.distribution_numbers("ex", run_dir)
    unc = pd.read_csv(run_dir / "uncertainty.csv")
    assert macros["exMembers"] == "1" and macros["exMembersPhrase"] == "on one calibrated draw"
    assert macros["exRbar"] == f"{unc['mean_abs_shift'].mean():.2f}" == macros["exRbarLo"] == macros["exRbarHi"]
    assert macros["exRbarAcross"] == ""                      # no range to print for one draw


def test_distribution_numbers_across_two_members_by_hand(run_dir, tmp_path):
    ens = _as_ensemble(run_dir, tmp_path)
    macros = build.distribution_numbers("ex", ens)
    a = pd.read_csv(run_dir / "uncertainty.csv")["mean_abs_shift"].mean()
    b = 3 * a
    # two members: the median is their mean; numpy's linear 5 % and 95 % quantiles lie 5 % in from each end
    assert macros["exMembers"] == "2" and macros["exMembersPhrase"] == "across 2 calibrated draws"
    assert macros["exRbar"] == f"{(a + b) / 2:.2f}"
    assert macros["exRbarLo"] == f"{a + 0.05 * (b - a):.2f}" and macros["exRbarHi"] == f"{a + 0.95 * (b - a):.2f}"
    assert macros["exRbarAcross"] == f" (5--95\\,\\% across members {macros['exRbarLo']}--{macros['exRbarHi']})"
    sens = pd.read_csv(run_dir / "sensitivity.csv")
    st = sens[(sens["quantity"] == "summary") & (sens["output"] == "mean_abs_shift") &
              (sens["factor"] == "aggregation")]["ST"].iloc[0]
    assert macros["exSTAggregation"] == f"{2 * st:.2f}"       # median of st and 3 st
    # every unit is among the 5 least robust in both members or in neither (member 1 scales every shift alike)
    assert macros["exLeastMaxShare"] == "100" and macros["exLeastEver"] == macros["exLeastRows"] == "5"
    table = build.least_robust_table(ens)
    body = [line for line in table.splitlines() if line.endswith(r"\\") and "&" in line][1:]
    assert len(body) == 5 and all(r"100\,\%" in line for line in body)


def test_a_run_whose_uncertainty_and_sobol_factors_differ_is_refused(run_dir, tmp_path):
    import shutil

    copy = tmp_path / "run"
    shutil.copytree(run_dir, copy)
    man = json.loads((copy / "manifest.json").read_text())
    man["outputs"]["sensitivity"]["factors"] = man["outputs"]["sensitivity"]["factors"][:-1]
    (copy / "manifest.json").write_text(json.dumps(man))
    assert build.factor_numbers("ex", run_dir)["exFactorCount"] == str(len(man["outputs"]["uncertainty"]["factors"]))
    with pytest.raises(ValueError, match="same factors"):
        build.factor_numbers("ex", copy)


def test_top_k_numbers_agree_with_the_uncertainty_columns(run_dir):
    macros = build.top_k_numbers("ex", run_dir)
    unc = pd.read_csv(run_dir / "uncertainty.csv")
    cfg = yaml.safe_load((run_dir / "config.yaml").read_text())["analyses"]["uncertainty"]["top_k_robustness"]
    k, share, within = cfg["k"], cfg["share"], cfg["within"]
    top = unc[unc["nominal_rank"] <= k]
    assert macros["exTopK"] == str(k) and macros["exTopKNominal"] == str(len(top))
    assert macros["exTopKStay"] == str(int((top[f"p_top{k}"] >= share).sum()))
    assert macros["exTopKStayWithin"] == str(int((top[f"p_within{within}"] >= share).sum()))


def test_merger_published_numbers_read_the_published_tables():
    macros = build.merger_published_numbers()
    for key, slug in (("Case", "da_nang"), ("Unmerged", "ha_noi"), ("Leader", "ho_chi_minh")):
        assert macros[f"mergerPub{key}Before"] == _ordinal(_published_rank("dti_provincial_2024_63.csv", slug))
        assert macros[f"mergerPub{key}After"] == _ordinal(_published_rank("dti_provincial_2024_34.csv", slug))
    # the published facts the issue quotes: Hà Nội 4th of 63 and 1st of 34 unmerged; HCM 1st and 4th
    assert (macros["mergerPubUnmergedBefore"], macros["mergerPubUnmergedAfter"]) == ("4th", "1st")
    assert (macros["mergerPubLeaderBefore"], macros["mergerPubLeaderAfter"]) == ("1st", "4th")
    assert macros["mergerPubUnmergedPartners"] == "none"


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


# -- the abstract and the conclusions against the run CSVs --------------------------------------------------------
#
# Every macro the abstract and the conclusions print is recomputed here from the run folders (and the package's
# published tables) with plain pandas, independently of build.py's functions, and compared with what build.py
# writes. A macro in those sections without a recomputation below fails the test: a new quantitative sentence
# needs its check.

DATA = REPO / "dti_bench" / "datasets" / "dti_published"
#: macros of main.tex's own preamble (no number in them)
TEXT_MACROS = {"synth", "Rs"}


def section(tex: str, which: str) -> str:
    if which == "abstract":
        return re.search(r"\\begin\{abstract\}(.*?)\\end\{abstract\}", tex, re.DOTALL).group(1)
    return re.search(r"\\section\{Conclusions\}(.*?)\\bibliographystyle", tex, re.DOTALL).group(1)


def used_macros(text: str) -> set[str]:
    """Commands used in ``text`` that are not LaTeX's own (those with arguments or the \\if flags)."""
    names = set(re.findall(r"\\([A-Za-z]+)", prose(text)))
    latex = {"emph", "citep", "citet", "fi", "else", "textsc", "ref", "eqref", "label", "cite"}
    return {n for n in names if n not in latex and not n.startswith("if")} - TEXT_MACROS


def _ordinal(n) -> str:
    n = int(n)
    return f"{n}{'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"


def _count(n) -> str:
    n = round(float(n))
    return f"{n:,}".replace(",", "{,}") if n >= 10_000 else str(n)


def _pct(x) -> str:
    return str(round(100 * float(x)))


def _slugs() -> dict[str, str]:
    prov = pd.read_csv(DATA / "provinces.csv", dtype=str)
    return dict(zip(prov["province_ascii"], prov["slug"]))


def _names() -> dict[str, str]:
    prov = pd.read_csv(DATA / "provinces.csv", dtype=str)
    return dict(zip(prov["slug"], prov["province"]))


def _published_rank(file: str, slug: str) -> int:
    table = pd.read_csv(DATA / file, dtype=str)
    table["slug"] = table["province_ascii"].map(_slugs())
    return int(table.loc[table["slug"] == slug, "rank"].iloc[0])


def _members_mean(table: pd.DataFrame, column: str) -> np.ndarray:
    if "member" not in table:
        return np.array([table[column].mean()])
    return table.groupby("member")[column].mean().to_numpy()


def _spread_phrase(values: np.ndarray, digits: int = 2, inside: bool = False) -> str:
    """The range across members as the text prints it: after a number, or inside parentheses; none for one draw."""
    if len(values) == 1:
        return ""
    lo, hi = (f"{np.percentile(values, q):.{digits}f}" if digits else str(round(np.percentile(values, q)))
              for q in (5, 95))
    return f"; 5--95\\,\\% across members {lo}--{hi}" if inside else f" (5--95\\,\\% across members {lo}--{hi})"


def expected_numbers(runs: dict[str, Path]) -> dict[str, str]:
    """What each macro of the abstract and the conclusions must say, from the CSVs, by hand."""
    out: dict[str, str] = {}
    dti = runs.get("dti2022-ensemble") or runs["dti2022"]
    unc_one = pd.read_csv(runs["dti2022"] / "uncertainty.csv")
    out["dtiUnits"] = str(len(unc_one))
    title = yaml.safe_load((REPO / "dti_bench" / "frameworks" / "dti-provincial-2022.yaml").read_text())["title"]
    out["decisionNew"] = re.search(r"Decision (\d+/\S+)", title).group(1)

    # the five published profiles: official formula against the published values; equal weights; the simplex
    pub = runs["dti2022-published"]
    scores = pd.read_csv(pub / "scores.csv").set_index("unit")["DTI"]
    table = pd.read_csv(DATA / "dti_provincial_2022.csv")
    published = pd.Series(table["dti_score"].to_numpy(), index=table["province_ascii"].map(_slugs()))
    out["pubProfiles"] = str(len(scores))
    out["pubMaxDiff"] = f"{(scores - published[scores.index]).abs().max():.4f}"
    grid = pd.read_csv(pub / "grid.csv")
    grid = grid[grid["node"] == "DTI"].pivot(index="unit", columns="variant", values="rank")
    nominal = grid[next(c for c in grid if "weights=nominal" in c and "aggregate=arithmetic" in c)]
    equal = grid[next(c for c in grid if "weights=equal" in c and "aggregate=arithmetic" in c)]
    move = (equal - nominal).abs()
    assert (move == move.max()).sum() == 1, "the largest equal-weights move is shared: the sentence names one"
    mover = move.idxmax()
    out.update({"pubMover": _names()[mover], "pubMoverNominal": _ordinal(nominal[mover]),
                "pubMoverEqual": _ordinal(equal[mover])})
    simplex = pd.read_csv(pub / "uncertainty.csv").set_index("unit")
    freq = pd.read_csv(pub / "rank_frequency.csv")
    if "rank_lo" in freq:   # the long format: one row per unit and rank that occurred
        freq = freq.assign(col="rank_" + freq["rank_lo"].astype(str)).pivot(index="unit", columns="col",
                                                                            values="share").fillna(0.0)
    else:
        freq = freq.set_index("unit")
    leader = simplex["nominal_rank"].idxmin()
    out["pubSimplexLeader"] = simplex.loc[leader, "name"]
    out["pubSimplexLeaderShare"] = _pct(simplex.loc[leader, "p_top1"])
    out["pubSimplexDraws"] = _count(json.loads((pub / "manifest.json").read_text())["outputs"]["uncertainty"]["samples"])
    keep = [freq.loc[u, f"rank_{int(r)}"] for u, r in simplex["nominal_rank"].items() if r > 1]
    out["pubSimplexKeepMax"] = _pct(max(keep))

    # the real DTI 2024 rankings before and after the 2025 merger (published tables, merger table)
    mergers = yaml.safe_load((REPO / "dti_bench" / "frameworks" / "mergers-2025.yaml").read_text())["units"]
    out.update({"mergerPubYear": "2024", "mergerPubUnits": str(len(mergers)),
                "mergerPubFormer": str(sum(len(v) for v in mergers.values()))})
    for key, slug in (("Case", "da_nang"), ("Unmerged", "ha_noi"), ("Leader", "ho_chi_minh")):
        out[f"mergerPub{key}"] = _names()[slug]
        out[f"mergerPub{key}Before"] = _ordinal(_published_rank("dti_provincial_2024_63.csv", slug))
        out[f"mergerPub{key}After"] = _ordinal(_published_rank("dti_provincial_2024_34.csv", slug))
    assert mergers["ha_noi"] == ["ha_noi"], "the text calls Hà Nội unmerged"

    # the SYNTHETIC DTI: across members when the run is an ensemble (its *_members.csv), else the one draw
    members = dti / "uncertainty_members.csv"
    unc = pd.read_csv(members) if members.exists() else pd.read_csv(dti / "uncertainty.csv")
    rbar = _members_mean(unc, "mean_abs_shift")
    out["dtiEnsMembersPhrase"] = "on one calibrated draw" if len(rbar) == 1 else f"across {len(rbar)} calibrated draws"
    out["dtiEnsRbar"] = f"{np.median(rbar):.2f}"
    out["dtiEnsRbarAcross"] = _spread_phrase(rbar)
    sens_file = dti / "sensitivity_members.csv"
    sens = pd.read_csv(sens_file if sens_file.exists() else dti / "sensitivity.csv")
    sens = sens[(sens["quantity"] == "summary") & (sens["output"] == "mean_abs_shift")]
    if "member" not in sens:
        sens = sens.assign(member=0)
    st = sens.pivot(index="member", columns="factor", values="ST")      # members x factors
    top = st.median().idxmax()
    out["dtiEnsTopFactor"] = top
    out["dtiEnsTopFactorST"] = f"{st[top].median():.2f}"
    out["dtiEnsTopFactorSTRange"] = _spread_phrase(st[top].to_numpy(), inside=True)
    out["dtiEnsTopFactorFirstShare"] = _pct((st.idxmax(axis=1) == top).mean())
    man = json.loads((runs["dti2022"] / "manifest.json").read_text())["outputs"]
    assert man["uncertainty"]["factors"] == man["sensitivity"]["factors"], "UA and SA on different factors"
    out["dtiFactorCount"] = str(len(man["sensitivity"]["factors"]))
    # the top-k statement from uncertainty.csv's own columns, not from the manifest's sentence
    cfg = yaml.safe_load((runs["dti2022"] / "config.yaml").read_text())["analyses"]["uncertainty"]["top_k_robustness"]
    k, share = int(cfg["k"]), float(cfg["share"])
    top = unc_one[unc_one["nominal_rank"] <= k]
    out.update({"dtiTopK": str(k), "dtiTopKShare": _pct(share),
                "dtiTopKStay": str(int((top[f"p_top{k}"] >= share - 1e-12).sum()))})
    members_unc = unc if "member" in unc else unc.assign(member=0)
    stay = np.array([(g.loc[g["nominal_rank"] <= k, f"p_top{k}"] >= share - 1e-12).sum()
                     for _, g in members_unc.groupby("member")])
    out["dtiEnsTopKStay"] = str(round(np.median(stay)))
    out["dtiEnsTopKStayAcross"] = _spread_phrase(stay, digits=0)
    out["dtiEnsTopKStayRange"] = _spread_phrase(stay, digits=0, inside=True)

    for name in ("papi", "pci"):
        if runs.get(name) is not None:
            out[f"{name}Rbar"] = f"{pd.read_csv(runs[name] / 'uncertainty.csv')['mean_abs_shift'].mean():.2f}"
    if runs.get("dti-hai-phong") is not None:
        rc = pd.read_csv(runs["dti-hai-phong"] / "rank_change.csv")
        row = rc[rc["unit"] == "hai_phong"].iloc[0]
        hp_unc = pd.read_csv(runs["dti-hai-phong"] / "uncertainty.csv")
        if "time" in hp_unc:   # a panel run writes every year's bands: the question is about the later year
            hp_unc = hp_unc[hp_unc["time"].astype(str) == str(row["time_to"])]
        hp_unc = hp_unc.set_index("unit")
        place = _published_rank("dti_provincial_2023.csv", "hai_phong")   # the question: its published place or better
        change, lo, hi = row["nominal_change"], row["q05_change"], row["q95_change"]
        robust = (change > 0 and lo > 0) or (change < 0 and hi < 0)    # README: the interval excludes 0 on its side
        out.update({"hpRankFrom": _ordinal(row["nominal_rank_from"]), "hpRankTo": _ordinal(row["nominal_rank_to"]),
                    "hpTo": str(row["time_to"]), "hpRise": _pct(row["p_rise"]), "hpPlace": _ordinal(place),
                    # robust: a non-zero nominal change whose 5-95 % interval excludes 0 on its side (README)
                    "hpVerdict": ("survives the methodological uncertainty" if robust
                                  else "is not robust to the methodological uncertainty: it is as much a matter of "
                                       "method as of progress"),
                    "hpTopPlace": _pct(hp_unc.loc["hai_phong", f"p_top{place}"])})
    if runs.get("dti-hai-phong-ensemble") is not None:
        # across members, from each member's own tables: median and 5-95 % (numpy's linear) of the two shares
        ens = runs["dti-hai-phong-ensemble"]
        rc = pd.read_csv(ens / "rank_change_members.csv")
        rc = rc[rc["unit"] == "hai_phong"].sort_values("member")
        unc = pd.read_csv(ens / "uncertainty_members.csv")
        place = _published_rank("dti_provincial_2023.csv", "hai_phong")
        top = unc[(unc["unit"] == "hai_phong") & (unc["time"] == 2023)].sort_values("member")[f"p_top{place}"]
        assert (rc["time_to"] == 2023).all() and len(top) == len(rc)
        # robust (README): a non-zero nominal change whose 5-95 % interval excludes 0 on its side, in each member
        robust = ((rc["nominal_change"] > 0) & (rc["q05_change"] > 0)) | ((rc["nominal_change"] < 0) & (rc["q95_change"] < 0))
        share = robust.mean()
        out.update({"hpEnsMembers": str(len(rc)), "hpEnsTo": "2023", "hpEnsPlace": _ordinal(place),
                    "hpEnsRankFrom": _ordinal(_published_rank("dti_provincial_2022.csv", "hai_phong")),
                    "hpEnsRankTo": _ordinal(place),
                    "hpEnsRobustShare": _pct(share), "hpEnsRobustMembers": str(int(robust.sum())),
                    "hpEnsVerdict": ("survives the methodological uncertainty in every member" if share == 1 else
                                     "is robust in none of the members: on each of these datasets consistent with "
                                     "the published numbers it is as much a matter of method as of progress"
                                     if share == 0 else "is robust in some members only: whether it survives the "
                                     "methodological uncertainty depends on the unpublished data")})
        # the quantiles of the across-member range, as rank_change.csv names its columns
        out["hpEnsQLo"], out["hpEnsQHi"] = re.findall(r"^p_rise_member_q(\d+)$",
                                                      "\n".join(pd.read_csv(ens / "rank_change.csv").columns),
                                                      re.MULTILINE)[:2]
        out["hpEnsQLo"] = str(int(out["hpEnsQLo"]))
        for name, values in (("hpEnsRise", rc["p_rise"]), ("hpEnsTopPlace", top)):
            out[name] = _pct(np.median(values))
            out[f"{name}Lo"], out[f"{name}Hi"] = (_pct(np.percentile(values, q)) for q in (5, 95))
    return out


def _numbers_of(runs: dict[str, Path]) -> dict[str, str]:
    """What build.py writes for the same runs (only the functions these sections draw on)."""
    dti = runs["dti2022"]
    parts = [build.uncertainty_numbers("dti", dti), build.dti_framework_numbers(),
             build.published_numbers(runs["dti2022-published"]), build.simplex_numbers(runs["dti2022-published"]),
             build.merger_published_numbers(), build.distribution_numbers("dtiEns", runs.get("dti2022-ensemble") or dti),
             build.factor_numbers("dti", dti), build.top_k_numbers("dti", dti)]
    for name in ("papi", "pci"):
        if runs.get(name) is not None:
            parts.append(build.uncertainty_numbers(name, runs[name]))
    if runs.get("dti-hai-phong") is not None:
        parts.append(build.hai_phong_numbers(runs["dti-hai-phong"]))
    if runs.get("dti-hai-phong-ensemble") is not None:
        parts.append(build.hai_phong_ensemble_numbers(runs["dti-hai-phong-ensemble"]))
    numbers: dict[str, str] = {}
    for part in parts:
        numbers.update(part)
    return numbers


def _small_config(name: str, folder: Path, keep: tuple[str, ...], samples: int, members: int = 0) -> Path:
    """configs/<name>.yaml with only the analyses ``keep`` and small samples (a Sobol' design of 64 base rows,
    no doubling): the same numbers in kind, computed in seconds."""
    cfg = yaml.safe_load((REPO / "configs" / f"{name}.yaml").read_text())
    cfg["analyses"] = {k: v for k, v in cfg["analyses"].items() if k in keep}
    for key in ("uncertainty", "rank_change"):
        if key in cfg["analyses"]:
            cfg["analyses"][key]["samples"] = samples
    if "sensitivity" in cfg["analyses"]:
        cfg["analyses"]["sensitivity"].update({"samples": 64, "target": None})
    if members:        # an ensemble run on its first few members only
        cfg.setdefault("ensemble", {})["members"] = members
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(cfg, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def paper_runs(tmp_path_factory):
    import os

    from dti_bench.experiment import run

    folder = tmp_path_factory.mktemp("paper")
    out = folder / "runs"
    runs: dict[str, Path | None] = {
        "dti2022": run(_small_config("dti2022", folder, ("uncertainty", "sensitivity"), 400), out=out, quiet=True,
                       figures="none"),
        "dti2022-published": run(_small_config("dti2022-published", folder, ("grid", "uncertainty"), 20_000),
                                 out=out, quiet=True, figures="none"),
    }
    runs["dti-hai-phong"] = (run(_small_config("dti-hai-phong", folder, ("uncertainty", "rank_change"), 300),
                                 out=out, quiet=True, figures="none")
                             if (REPO / "configs" / "dti-hai-phong.yaml").exists() else None)
    # the 2023 ensemble's first 3 members at 100 samples: the across-member numbers in kind, in seconds
    runs["dti-hai-phong-ensemble"] = (run(_small_config("dti-hai-phong-ensemble", folder, ("uncertainty", "rank_change"),
                                                        100, members=3), out=out, quiet=True, figures="none")
                                      if (REPO / "configs" / "dti-hai-phong-ensemble.yaml").exists() else None)
    data = os.environ.get("DTI_BENCH_DATA")
    for name in ("papi", "pci"):
        runs[name] = (run(_small_config(name, folder, ("uncertainty",), 300), out=out, quiet=True, figures="none")
                      if data and (Path(data) / f"vn_{name}").is_dir() else None)
    return runs


def test_every_macro_of_the_abstract_and_the_conclusions_is_recomputed(paper_runs):
    tex = (PAPER / "main.tex").read_text(encoding="utf-8")
    expected = expected_numbers(paper_runs)
    numbers = _numbers_of(paper_runs)
    for which in ("abstract", "conclusions"):
        used = used_macros(section(tex, which))
        # the PAPI/PCI and Hải Phòng sentences print only when their runs exist (\ifpapi, \ifhaiphong)
        optional = {m for m in used if m.startswith(("papi", "pci", "hp"))}
        unchecked = sorted(m for m in used - optional if m not in expected)
        assert not unchecked, f"{which}: macros without a recomputation in this test: {unchecked}"
        for macro in sorted(used):
            if macro in expected:
                assert numbers[macro] == expected[macro], f"{which}: \\{macro} = {numbers[macro]!r}, CSVs say {expected[macro]!r}"


def _newest(name: str) -> Path | None:
    folders = sorted(p for p in (PAPER / "runs" / name).glob("*") if p.is_dir() and not p.name.startswith("."))
    return folders[-1] if folders else None


def test_the_built_paper_prints_what_its_runs_say():
    """After `make -C paper`: generated/numbers.tex against the newest run folders, for every macro of the abstract
    and the conclusions (skipped when the paper has not been built in this checkout)."""
    numbers_tex = PAPER / "generated" / "numbers.tex"
    if not numbers_tex.exists() or _newest("dti2022") is None or _newest("dti2022-published") is None:
        pytest.skip("the paper is not built here (make -C paper)")
    printed = dict(re.findall(r"\\newcommand\{\\([A-Za-z]+)\}\{(.*)\}$", numbers_tex.read_text(encoding="utf-8"),
                              re.MULTILINE))
    runs = {name: _newest(name) for name in ("dti2022", "dti2022-published", "papi", "pci", "dti2022-ensemble",
                                              "dti-hai-phong", "dti-hai-phong-ensemble")}
    expected = expected_numbers(runs)
    tex = (PAPER / "main.tex").read_text(encoding="utf-8")
    for which in ("abstract", "conclusions"):
        for macro in sorted(used_macros(section(tex, which))):
            if macro in expected:
                assert printed[macro] == expected[macro], f"{which}: \\{macro} printed {printed[macro]!r}, runs say {expected[macro]!r}"
            else:
                assert macro.startswith(("papi", "pci", "hp")) and macro not in printed, \
                    f"{which}: \\{macro} is printed but not checked"
