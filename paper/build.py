"""Build the paper's numbers, tables and figures from fresh run folders.

``python paper/build.py`` (``make -C paper`` calls it) does three things:

1. runs every experiment config the paper uses into ``paper/runs/`` with the package API, so each number is
   traceable to a run folder (``manifest.json`` records the commit, config hash and data hash). The real-data
   case studies (PAPI, PCI, BLI) run only when ``DTI_BENCH_DATA`` names the folder holding their third-party
   files; otherwise they are skipped and the paper says so in their place;
2. writes ``paper/generated/numbers.tex``: one ``\\newcommand`` per number or name the text quotes, so that no
   number is typed by hand into ``main.tex``, and ``paper/generated/*.tex``: the tables (booktabs);
3. copies the figure PDFs the text uses from the run folders into ``paper/generated/figures/``.

Every ``*_numbers`` function takes run-folder paths (or tables written next to them) and returns an ordered
``{macro name: LaTeX text}`` mapping; every ``*_table`` function returns the LaTeX of one table. They compute
nothing the run did not write beyond means, counts and arg-maxima of its CSVs, so ``tests/test_paper.py`` can
check them against the CSVs of any run folder.

``--reuse`` takes the newest existing run folder of each config instead of running it again (for editing the
text; the numbers are then those of the earlier runs).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import sys
import warnings
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

# this checkout's package, not whichever dti_bench the interpreter has installed (a shared venv's may be another
# checkout's): the numbers must come from the code beside the paper
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dti_bench.metrics.stability import spearman
from dti_bench.reporting.verdicts import VOLATILE_WIDTH

ROOT = Path(__file__).resolve().parents[1]
PAPER = ROOT / "paper"
RUNS = PAPER / "runs"
GENERATED = PAPER / "generated"

#: config name -> (config file, reads third-party data from DTI_BENCH_DATA)
CONFIGS = {
    "dti2022": ("configs/dti2022.yaml", False),
    "dti2022-published": ("configs/dti2022-published.yaml", False),
    "dti-years": ("configs/dti-years.yaml", False),
    "dti-merger": ("configs/dti-merger.yaml", False),
    "compensability": ("configs/compensability.yaml", False),
    "dti2022-offsets": ("configs/dti2022-offsets.yaml", False),
    "papi": ("configs/papi.yaml", True),
    "pci": ("configs/pci.yaml", True),
    "bli": ("configs/bli.yaml", True),
}
#: config name -> (config file, the bundled dataset it needs): runs the paper uses when the package has them (the
#: ensemble of calibrated draws and the two-year panel come from other work); without them the build skips the run
#: and the text prints a sentence in place of its numbers (\ifensemble, \ifhaiphong, \ifhaiphongens).
OPTIONAL = {
    "dti2022-ensemble": ("configs/dti2022-ensemble.yaml", "dti2022-synthetic-ensemble"),
    "dti-hai-phong": ("configs/dti-hai-phong.yaml", None),
    "dti-hai-phong-ensemble": ("configs/dti-hai-phong-ensemble.yaml", "dti2023-synthetic-ensemble"),
}
#: optional config -> the analyses of it the paper quotes: the build runs only those (a copy of the config with the
#: others left out, written beside the runs; the run folder's config.yaml records what ran), so that the ensemble's
#: 50 members do not each spend most of their time on importance estimates the text never cites. The methods
#: section says so through \optionalAnalysesNote.
OPTIONAL_ANALYSES = {"dti2022-ensemble": ("uncertainty", "sensitivity")}
#: config name -> Monte Carlo sample size passed to run(samples=...). Empty: every config finishes within about
#: a minute at its own sizes, so none is cut (the methods section states this through \sampleOverrideNote).
SAMPLE_OVERRIDES: dict[str, int] = {}
SYNTHETIC_DATASET = "dti2022-synthetic"
#: configs that combine a mean with a scale it does not support on purpose (to measure the artefact): their
#: methodology warnings are expected and not repeated on the terminal
DELIBERATELY_FLAGGED = {"dti2022-offsets"}

MOVE = 5            # a rank change of at least this many places counts as a move
TABLE_ROWS = 5      # rows at each end of the most/least robust table
SURE = 0.95         # "nearly always": a share of Monte Carlo samples
COMP_MOVE = 3       # grid_stability.csv's share_moving_gt_3: the compensability paragraph counts these moves
MERGER_CASE = "da_nang"   # the merger the sources name with ranks before and after (S35)
PUBLISHED_MERGER = ("dti_provincial_2024_63", "dti_provincial_2024_34")   # DTI 2024 before / after the merger
#: facts with no machine-readable home in the package (methodology.md section 1 and section 4, S43, S44, S49)
FACTS = {"decisionLatest": "405/QĐ-BKHCN", "componentsLatest": 47}


# -- formatting -----------------------------------------------------------------------------------------------

MACRO_NAME = re.compile(r"^[A-Za-z]+$")


def macro_name(*parts: str) -> str:
    """A LaTeX command name (letters only) from parts.

    ``macro_name('dti', 'ST', 'weight noise')`` = dtiSTWeightNoise; raises ValueError when no letter is left.
    """
    out = []
    for i, part in enumerate(parts):
        words = re.findall(r"[A-Za-z]+", str(part))
        out.append("".join(w if i == 0 and j == 0 else w[:1].upper() + w[1:] for j, w in enumerate(words)))
    name = "".join(out)
    if not MACRO_NAME.match(name):
        raise ValueError(f"not a valid LaTeX command name: {name!r} (from {parts!r})")
    return name


def tex_escape(text: str) -> str:
    """Text with LaTeX's special characters escaped (names of provinces, countries, factors)."""
    table = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_", "{": r"\{",
             "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}
    return "".join(table.get(c, c) for c in str(text))


def fmt(value: float, digits: int = 2) -> str:
    """A number with ``digits`` decimals; whole numbers of 10,000 or more get a thin LaTeX thousands comma."""
    if digits == 0:
        n = int(round(float(value)))
        return f"{n:,}".replace(",", "{,}") if abs(n) >= 10_000 else str(n)
    text = f"{float(value):.{digits}f}"
    return "0" + text[text.index("."):] if text.startswith("-0.") and float(text) == 0 else text


def signed(value: float) -> str:
    """A whole number with its sign, in math mode (a rank change: $+6$ is a rise of six places, $-10$ a fall)."""
    n = round(float(value))
    return f"${n:+d}$" if n else "$0$"


def fmt_int(value: float) -> str:
    return fmt(value, 0)


def fmt_width(value: float) -> str:
    """A rank-band width: whole places without decimals, halves with one."""
    return fmt_int(value) if float(value).is_integer() else fmt(value, 1)


def ordinal(n: int) -> str:
    n = int(n)
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def standing(n: int, what: str = "highest") -> str:
    """1 -> 'highest', 2 -> 'second highest' ... (the text reads better than '1st highest')."""
    words = {1: "", 2: "second ", 3: "third ", 4: "fourth ", 5: "fifth "}
    return f"{words.get(int(n), ordinal(n) + ' ')}{what}"


def pretty_factor(name: str) -> str:
    return tex_escape(name)


# -- reading run folders ---------------------------------------------------------------------------------------

def reader(run: Path):
    """The run folder through the package's one run reader (the report and the figures read it the same way)."""
    from dti_bench.io.runs import RunReader

    return RunReader(Path(run))


def manifest(run: Path) -> dict:
    return reader(run).manifest


def read(run: Path, name: str) -> pd.DataFrame:
    table = reader(run).table(name)
    if table is None:
        raise FileNotFoundError(f"{Path(run) / name}: not in the run folder (or empty)")
    return table


def headline(run: Path) -> str:
    """The composite a run analysed: its sensitivity/uncertainty node, else its robust-pair node, else the run's
    headline (from the framework the run folder stores)."""
    outputs = manifest(run)["outputs"]
    for key in ("sensitivity", "uncertainty"):
        if isinstance(outputs.get(key), Mapping) and outputs[key].get("node"):
            return str(outputs[key]["node"])
    pairs = (outputs.get("stability") or {}).get("robust_pair_share") or {}
    if pairs.get("node"):
        return str(pairs["node"])
    return str(reader(run).headline)


def unit_names(run: Path) -> dict[str, str]:
    """Unit code -> display name: the run's own names (units.csv), else the bundled provinces."""
    from dti_bench import io

    prov = io.provinces()
    names = dict(zip(prov["slug"], prov["province"]))
    names.update(reader(run).names())
    return names


def run_framework(run: Path):
    """The framework a run used, as its folder stores it (framework.yaml)."""
    framework = reader(run).framework
    if framework is None:
        raise FileNotFoundError(f"{run}: no framework.yaml (a run folder written before runs stored one)")
    return framework


def indicator_names(run: Path) -> dict[str, str]:
    """Node code -> display name (first letter lower-cased) from the run's framework; {} when it cannot be
    rebuilt (the codes are then shown as words)."""
    from dti_bench.errors import UserError

    try:
        fw = run_framework(run)
    except (UserError, OSError, KeyError):
        return {}
    return {c: _lower_first(fw.node(c).name) for c in fw.indicators + fw.composites if fw.node(c).name}


def _lower_first(name: str) -> str:
    # only sentence-case names start lower-case mid-sentence; title case and acronyms stay as they are
    words = name.split()
    if (len(name) > 1 and name[1].isupper()) or any(w[:1].isupper() for w in words[1:]):
        return name
    return name[:1].lower() + name[1:]


def display(code: str, names: Mapping[str, str]) -> str:
    return tex_escape(names.get(code, code.replace("_", " ")))


def band_columns(table: pd.DataFrame) -> tuple[str, str]:
    lo = [c for c in table.columns if re.fullmatch(r"q\d+_rank", c)]
    if len(lo) != 2:
        raise ValueError(f"uncertainty.csv: expected two qNN_rank columns, found {lo}")
    return tuple(sorted(lo, key=lambda c: int(re.findall(r"\d+", c)[0])))  # type: ignore[return-value]


# -- numbers ---------------------------------------------------------------------------------------------------

def band_numbers(run: Path) -> dict[str, str]:
    """The quantiles of the rank band (5 and 95 from the columns q05_rank, q95_rank) and the paper's thresholds."""
    lo, hi = band_columns(read(run, "uncertainty.csv"))
    return {"bandLo": str(int(re.findall(r"\d+", lo)[0])), "bandHi": str(int(re.findall(r"\d+", hi)[0])),
            "wideBand": str(VOLATILE_WIDTH), "moveThreshold": str(MOVE)}


def uncertainty_numbers(prefix: str, run: Path) -> dict[str, str]:
    """Rank uncertainty of one run (uncertainty.csv, stability.csv, manifest.json).

    ``<prefix>Rbar`` is the mean over Monte Carlo samples of R̄s = mean_c |rank_ref(c) - rank(c)| (Saisana et al.
    2005), which equals the mean over units of their mean absolute shift; ``RbarLo/RbarHi`` the 5 and 95 %
    quantiles of R̄s over samples; ``BandWide`` the number of units whose 5-95 % band is wider than
    :data:`VOLATILE_WIDTH` places.
    """
    run = Path(run)
    unc = read(run, "uncertainty.csv")
    lo, hi = band_columns(unc)
    width = (unc[hi] - unc[lo]).to_numpy(dtype=float)
    names = unit_names(run)
    out = {
        "Units": fmt_int(len(unc)),
        "Samples": fmt_int(manifest(run)["outputs"]["uncertainty"]["samples"]),
        "Rbar": fmt(unc["mean_abs_shift"].mean()),
        "BandWide": fmt_int((width > VOLATILE_WIDTH).sum()),
        "BandWideShare": fmt_int(100 * (width > VOLATILE_WIDTH).mean()),
        "BandMedian": fmt_width(np.median(width)),
        "BandZero": fmt_int((width == 0).sum()),
    }
    stab = reader(run).table("stability.csv")
    if stab is not None:
        stab = stab.set_index("metric")
        out.update({"RbarLo": fmt(stab.loc["mean_abs_shift", "q05"]),
                    "RbarHi": fmt(stab.loc["mean_abs_shift", "q95"]),
                    "MaxShiftMedian": fmt_int(stab.loc["max_abs_shift", "median"])})
    # widest band; ties go to the better nominal rank (the order of the table)
    order = unc.assign(width=width).sort_values(["width", "nominal_rank"], ascending=[False, True], kind="stable")
    w = order.iloc[0]
    out.update({"WidestUnit": display(str(w["unit"]), names), "WidestNominal": fmt_int(w["nominal_rank"]),
                "WidestLo": fmt_int(w[lo]), "WidestHi": fmt_int(w[hi]), "WidestWidth": fmt_width(w["width"])})
    top = unc.sort_values(["mean_abs_shift", "nominal_rank"], ascending=[False, True], kind="stable").iloc[0]
    out.update({"TopShiftUnit": display(str(top["unit"]), names), "TopShift": fmt(top["mean_abs_shift"])})
    if "p_top1" in unc:
        lead = unc.sort_values("nominal_rank", kind="stable").iloc[0]
        out.update({"Leader": display(str(lead["unit"]), names), "LeaderTopOne": fmt_int(100 * lead["p_top1"]),
                    "EverTopTen": fmt_int((unc["p_top10"] > 0).sum()) if "p_top10" in unc else "--"})
    return {macro_name(prefix, k): v for k, v in out.items()}


def sobol_numbers(prefix: str, run: Path, output: str = "mean_abs_shift") -> dict[str, str]:
    """First-order and total Sobol' indices of the run's summary output (R̄s) per factor (sensitivity.csv rows
    with quantity 'summary'), the design size from the manifest, and the most influential factor by S_T."""
    run = Path(run)
    sens = read(run, "sensitivity.csv")
    rows = sens[(sens["quantity"] == "summary") & (sens["output"] == output)]
    if rows.empty:
        raise ValueError(f"{run / 'sensitivity.csv'}: no summary rows for output {output!r}")
    info = manifest(run)["outputs"]["sensitivity"]
    out = {"SobolN": fmt_int(info["N"]), "SobolRuns": fmt_int(info["runs"]),
           "SobolFactors": fmt_int(len(rows))}
    for _, r in rows.iterrows():
        out[macro_name("SOne", r["factor"])] = fmt(r["S1"])
        out[macro_name("ST", r["factor"])] = fmt(r["ST"])
        out[macro_name("STConf", r["factor"])] = fmt(r["ST_conf"])
    s1 = float(rows["S1"].sum())
    out.update({"SumSOne": fmt(s1), "Interactions": fmt(max(0.0, 1.0 - s1))})
    best = rows.sort_values("ST", ascending=False, kind="stable").iloc[0]
    out.update({"TopFactor": pretty_factor(best["factor"]), "TopFactorST": fmt(best["ST"])})
    return {macro_name(prefix, k): v for k, v in out.items()}


def grid_numbers(prefix: str, run: Path, node: str | None = None) -> dict[str, str]:
    """The grid of one composite (grid_stability.csv): its size, the variant with the largest R̄s, the largest
    single move, the lowest Spearman correlation with the nominal ranks and how many variants change the top ten."""
    run = Path(run)
    node = node or headline(run)
    grid = read(run, "grid_stability.csv")
    grid = grid[grid["node"] == node]
    worst = grid.sort_values("mean_abs_shift", ascending=False, kind="stable").iloc[0]
    out = {
        "GridVariants": fmt_int(len(grid)),
        "GridMaxRbar": fmt(worst["mean_abs_shift"]),
        "GridMaxRbarVariant": variant_label(str(worst["variant"])),
        "GridMaxShift": fmt_int(grid["max_abs_shift"].max()),
        "GridMinSpearman": fmt(grid["spearman"].min()),
        "GridTopTenChanged": fmt_int((grid["top10_jaccard"] < 1).sum()),
    }
    return {macro_name(prefix, k): v for k, v in out.items()}


def stability_numbers(prefix: str, run: Path, node: str | None = None) -> dict[str, str]:
    """Leave-one-out (removal_summary.csv: the first-level element whose removal moves the ranks most) and the
    robust-pair share of Foster, McGillivray & Seth (manifest), when the run computed them."""
    run = Path(run)
    node = node or headline(run)
    out: dict[str, str] = {}
    rem = reader(run).table("removal_summary.csv")
    if rem is not None:
        rem = rem[(rem["node"] == node) & (rem["level"] == rem["level"].min())]
        top = rem.sort_values(["mean_abs_shift", "max_abs_shift"], ascending=False, kind="stable").iloc[0]
        low = rem.sort_values(["mean_abs_shift", "max_abs_shift"], ascending=True, kind="stable").iloc[0]
        names = indicator_names(run)
        out.update({"LooTop": display(str(top["removed"]), names), "LooTopShift": fmt(top["mean_abs_shift"]),
                    "LooTopMax": fmt_int(top["max_abs_shift"]), "LooLow": display(str(low["removed"]), names),
                    "LooLowShift": fmt(low["mean_abs_shift"])})
    pairs = (manifest(run)["outputs"].get("stability") or {}).get("robust_pair_share")
    if pairs:
        out["RobustPairs"] = fmt(100 * pairs["share"], 1)
    return {macro_name(prefix, k): v for k, v in out.items()}


def importance_numbers(prefix: str, run: Path, node: str | None = None) -> dict[str, str]:
    """Weights versus importance for the headline's children (importance.csv, target = parent = headline):
    the child with the largest importance share and the one with the lowest importance-to-weight ratio."""
    run = Path(run)
    node = node or headline(run)
    imp = read(run, "importance.csv")
    imp = imp[(imp["target"] == node) & (imp["parent"] == node)]
    names = indicator_names(run)
    top = imp.sort_values("importance_share", ascending=False, kind="stable").iloc[0]
    low = imp.sort_values("ratio", ascending=True, kind="stable").iloc[0]
    out = {"ImpTop": display(str(top["child"]), names), "ImpTopShare": fmt(top["importance_share"]),
           "ImpTopWeight": fmt(top["weight_share"]), "ImpLow": display(str(low["child"]), names),
           "ImpLowShare": fmt(low["importance_share"]), "ImpLowWeight": fmt(low["weight_share"]),
           "ImpLowRatio": fmt(low["ratio"]), "ImpDivergence": fmt(imp["parent_divergence"].iloc[0])}
    return {macro_name(prefix, k): v for k, v in out.items()}


def coherence_numbers(prefix: str, run: Path, node: str | None = None) -> dict[str, str]:
    """Mean pairwise Pearson correlation of the headline's children, Cronbach's alpha and the first principal
    component's share (coherence_correlations.csv, coherence_composites.csv)."""
    run = Path(run)
    node = node or headline(run)
    cor = read(run, "coherence_correlations.csv")
    sib = cor[(cor["relation"] == "sibling") & (cor["group"] == node)]
    comp = read(run, "coherence_composites.csv").set_index("composite")
    out = {"MeanCorr": fmt(sib["pearson"].mean()), "MinCorr": fmt(sib["pearson"].min()),
           "Alpha": fmt(comp.loc[node, "cronbach_alpha"]), "PcaShare": fmt_int(100 * comp.loc[node, "pca_first_share"])}
    return {macro_name(prefix, k): v for k, v in out.items()}


def config_numbers(prefix: str, run: Path) -> dict[str, str]:
    """Settings of the run's resolved config the text quotes: the weight-noise half-width (per cent) and the
    target half-width of the Sobol' total indices."""
    from dti_bench import io
    from dti_bench.analyses.factors import DEFAULT_DRAWS

    cfg = io.read_yaml(Path(run) / "config.yaml")
    analyses = cfg.get("analyses", {})
    out: dict[str, str] = {}
    for key in ("uncertainty", "sensitivity"):
        for factor in (analyses.get(key) or {}).get("factors", []):
            if "noise" not in factor:
                continue
            if factor.get("path") == "data":   # measurement error of the indicator values, not of the weights
                out["DataNoise"] = fmt_int(100 * float(factor["noise"]))
                out["DataDraws"] = fmt_int(factor.get("draws", DEFAULT_DRAWS))
            else:
                out["Noise"] = fmt_int(100 * float(factor["noise"]))
    target = (analyses.get("sensitivity") or {}).get("target")
    if target is not None:
        out["SobolTarget"] = fmt(float(target))
    grid = analyses.get("grid") or {}
    for axis in ("normalise", "aggregate", "weights"):
        if isinstance(grid.get(axis), list):
            out[macro_name("Grid", axis)] = fmt_int(len(grid[axis]))
    imp = analyses.get("importance")
    if isinstance(imp, Mapping) and "n_boot" in imp:
        out["ImportanceBoot"] = fmt_int(imp["n_boot"])
    return {macro_name(prefix, k): v for k, v in out.items()}


def dti_framework_numbers() -> dict[str, str]:
    """The official structure (Decision 922): main indicators, components, points, and the 2020 rule's weights."""
    from dti_bench import io

    fw = io.load_framework("dti-provincial-2022")
    points = {c: int(fw.node(c).extra["max_points"]) for c in fw.indicators}
    groups = {c: fw.node(c).extra["group"] for c in fw.indicators}
    foundation = [c for c in fw.indicators if groups[c] == "foundation"]
    each = {points[c] for c in foundation}
    if len(each) != 1:
        raise ValueError("dti-provincial-2022: foundation indicators with different maximum points")
    old = io.load_framework("dti-method-change")
    old_w = dict(zip(old.children("DTI_2020_rule"), old.nominal_weights("DTI_2020_rule")))
    fw2020 = io.load_framework("dti-provincial-2020")
    years = list(fw.meta["years"])
    # the 2020 rule weights pillars, and every pillar holds the whole foundation: an indicator's effective weight
    # is sum_p w_p * m_pj / sum_k m_pk
    effective = dict.fromkeys(fw.indicators, 0.0)
    for pillar, w_p in old_w.items():
        kids = old.children(pillar)
        m = old.nominal_weights(pillar)
        for kid, m_j in zip(kids, m):
            effective[kid] += w_p * m_j / m.sum()
    total = sum(points.values())
    return {
        "dtiMainIndicators": fmt_int(len(fw.indicators)),
        "dtiFoundationIndicators": fmt_int(len(foundation)),
        "dtiComponents": fmt_int(len(io.load_framework("dti-provincial-2022-components").indicators)),
        "dtiTotalPoints": fmt_int(sum(points.values())),
        "dtiFoundationPoints": fmt_int(sum(points[c] for c in foundation)),
        "dtiPointsFoundationEach": fmt_int(each.pop()),
        "dtiPointsGov": fmt_int(points["gov_activity"]),
        "dtiPointsEcon": fmt_int(points["econ_activity"]),
        "dtiPointsSociety": fmt_int(points["society_activity"]),
        "ruleOldGov": fmt(old_w["digital_government"], 1),
        "ruleOldEcon": fmt(old_w["digital_economy"], 1),
        "ruleOldSociety": fmt(old_w["digital_society"], 1),
        "decisionNew": tex_escape(_decision(fw.meta["title"])),
        "decisionOld": tex_escape(_decision(fw2020.meta["title"])),
        "yearOld": str(fw2020.meta["years"][0]),
        "yearNewFirst": str(years[0]),
        "yearNewLast": str(years[-1]),
        "ruleOldFoundationShare": fmt(100 * sum(effective[c] for c in foundation), 1),
        "ruleNewFoundationShare": fmt_int(100 * sum(points[c] for c in foundation) / total),
        "ruleOldGovActivity": fmt(100 * effective["gov_activity"], 1),
        "ruleNewGovActivity": fmt_int(100 * points["gov_activity"] / total),
        "ruleEqualFoundationShare": fmt(100 * len(foundation) / len(fw.indicators), 1),
        "decisionLatest": tex_escape(FACTS["decisionLatest"]),
        "componentsLatest": fmt_int(FACTS["componentsLatest"]),
    }


def _decision(title: str) -> str:
    found = re.findall(r"Decision (\d+/\S+)", title)
    if not found:
        raise ValueError(f"no decision number in framework title {title!r}")
    return found[0]


def synthetic_numbers(run: Path) -> dict[str, str]:
    """What the calibrated SYNTHETIC data reproduce (nominal ranks against the published 63-province ranking,
    the national mean) and the year it stands for."""
    from dti_bench import io

    run = Path(run)
    man = manifest(run)
    year = re.findall(r"\d{4}", man["dataset"])
    table = io.published_table(f"dti_provincial_{year[0]}")
    prov = io.provinces()
    slug = dict(zip(prov["province_ascii"], prov["slug"]))
    published = pd.Series(pd.to_numeric(table["rank"]).to_numpy(), index=[slug[p] for p in table["province_ascii"]])
    ranks = read(run, "ranks.csv").set_index("unit")[headline(run)]
    common = published.index.intersection(ranks.index)
    values = pd.to_numeric(table["dti_score"], errors="coerce")
    scores = read(run, "scores.csv")[headline(run)]
    return {
        "yearData": year[0],
        "dtiSynthetic": "1" if man["synthetic"] else "0",
        "pubRanked": fmt_int(published.notna().sum()),
        "pubValued": fmt_int(values.notna().sum()),
        "dtiRankMismatches": fmt_int((published[common] != ranks[common]).sum()),
        "dtiMeanScore": fmt(scores.mean(), 4),
    }


def published_numbers(run: Path) -> dict[str, str]:
    """The five published 2022 profiles (dti2022-published run): how many, how far the official formula is from
    the published values, and the province whose rank moves most under equal weights (grid.csv)."""
    from dti_bench import io

    run = Path(run)
    grid = read(run, "grid.csv")
    grid = grid[grid["node"] == "DTI"]
    rank = grid.pivot(index="unit", columns="variant", values="rank")
    nominal = _variant(rank.columns, weights="nominal", aggregate="arithmetic")
    equal = _variant(rank.columns, weights="equal", aggregate="arithmetic")
    geometric = _variant(rank.columns, weights="nominal", aggregate="geometric")
    move = (rank[equal] - rank[nominal])
    mover = move.abs().sort_values(ascending=False, kind="stable").index[0]
    names = unit_names(run)
    table = io.published_table("dti_provincial_2022")
    prov = io.provinces()
    slug = dict(zip(prov["province_ascii"], prov["slug"]))
    published = pd.Series(pd.to_numeric(table["dti_score"], errors="coerce").to_numpy(),
                          index=[slug[p] for p in table["province_ascii"]])
    scores = read(run, "scores.csv").set_index("unit")["DTI"]
    diff = (scores - published[scores.index]).abs()
    pairs = (manifest(run)["outputs"].get("stability") or {}).get("robust_pair_share") or {}
    n = len(scores)
    fw = io.load_framework(manifest(run)["framework"])
    foundation = [f"{c}_score" for c in fw.indicators if fw.node(c).extra.get("group") == "foundation"]
    profile = table.set_index(pd.Index([slug[p] for p in table["province_ascii"]]))
    mean_foundation = profile.loc[list(scores.index), foundation].apply(pd.to_numeric).mean(axis=1)
    return {
        "pubMoverFoundation": standing(int(mean_foundation.rank(ascending=False, method="min")[mover])),
        "pubProfiles": fmt_int(n),
        "pubPairs": fmt_int(n * (n - 1) // 2),
        "pubMaxDiff": fmt(diff.max(), 4),
        "pubMover": display(mover, names),
        "pubMoverNominal": ordinal(rank.loc[mover, nominal]),
        "pubMoverEqual": ordinal(rank.loc[mover, equal]),
        "pubMoverGeometric": ordinal(rank.loc[mover, geometric]),
        "pubChangedEqual": fmt_int((move != 0).sum()),
        "pubRobustPairs": fmt_int(100 * pairs["share"]) if pairs else "--",
        "pubRobustPairCount": fmt_int(round(pairs["share"] * n * (n - 1) / 2)) if pairs else "--",
    }


def _variant(labels, **wanted: str) -> str:
    """The grid label whose path=choice parts include all of ``wanted`` (e.g. weights='equal')."""
    for label in labels:
        parts = dict(p.split("=", 1) for p in str(label).split("|"))
        if all(parts.get(k) == v for k, v in wanted.items()):
            return label
    raise ValueError(f"no grid variant with {wanted}; variants: {list(labels)}")


def years_numbers(run: Path, new: str = "DTI", old: str = "DTI_2020_rule") -> dict[str, str]:
    """The 2022 rule against the 2020 rule on the same data (dti-years ranks.csv): provinces whose rank differs,
    R̄s between the two orderings, the largest move and how many of the top ten stay."""
    run = Path(run)
    ranks = read(run, "ranks.csv").set_index("unit")
    shift = ranks[new] - ranks[old]
    names = unit_names(run)
    big = shift.abs().sort_values(ascending=False, kind="stable").index[0]
    top_new, top_old = set(ranks.index[ranks[new] <= 10]), set(ranks.index[ranks[old] <= 10])
    rho = float(spearman(ranks[new], ranks[old]))  # the package's one definition: average ranks
    return {
        "yearsChanged": fmt_int((shift != 0).sum()),
        "yearsRbar": fmt(shift.abs().mean()),
        "yearsMaxShift": fmt_int(shift.abs().max()),
        "yearsMaxUnit": display(big, names),
        "yearsMaxNew": ordinal(ranks.loc[big, new]),
        "yearsMaxOld": ordinal(ranks.loc[big, old]),
        "yearsMoved": fmt_int((shift.abs() >= MOVE).sum()),
        "yearsTopTenKept": fmt_int(len(top_new & top_old)),
        "yearsSpearman": fmt(rho, 3),
    }


def merger_numbers(merged_run: Path) -> dict[str, str]:
    """The 2025 merger table the dti-merger run used (its config's data.merge): units before and after, how many
    are merged, and the year of the arrangement. The real effect of the rule is in the published DTI 2024 tables
    (:func:`merger_published_numbers`)."""
    from dti_bench import io

    cfg = io.read_yaml(Path(merged_run) / "config.yaml")
    merge = cfg["data"]["merge"]
    table = io.load_mergers(merge["table"] if isinstance(merge, Mapping) else merge)
    year = re.findall(r"\d{4}", str(merge))
    return {
        "mergerUnits": fmt_int(len(table)),
        "mergerFormer": fmt_int(sum(len(f) for f in table.values())),
        "mergerMerged": fmt_int(sum(len(f) > 1 for f in table.values())),
        "mergerYear": year[0] if year else "",
    }


def _published_rank(table: pd.DataFrame, province_ascii: str) -> int:
    row = table[table["province_ascii"] == province_ascii]
    if row.empty or not str(row["rank"].iloc[0]).strip():
        raise ValueError(f"no published rank for {province_ascii!r}")
    return int(row["rank"].iloc[0])


def compensability_numbers(run: Path, official_run: Path, node: str = "DTI") -> dict[str, str]:
    """The power-mean exponent p (compensability run) measured from the OFFICIAL ranking (ranks.csv of the
    dti2022 run: points / max points, max-point weights, arithmetic sum, ranked on 4-decimal values): for each p of
    the grid (grid.csv ranks) R̄s = mean_c |rank_official(c) - rank_p(c)|, the largest move, how many provinces
    move by more than COMP_MOVE places at the lowest p, and the range p is drawn from. p = 1 is the official rule,
    so its R̄s must be 0 (a ValueError says otherwise: the two runs would not share data and rounding)."""
    from dti_bench import io

    run = Path(run)
    grid = read(run, "grid.csv")
    grid = grid[grid["node"] == node].copy()
    grid["p"] = grid["variant"].str.extract(r"p=(-?[\d.]+)")[0].astype(float)
    official = read(official_run, "ranks.csv").set_index("unit")[node]
    shifts = {}
    for p, g in grid.groupby("p", sort=True):
        d = (g.set_index("unit")["rank"] - official.reindex(g["unit"]).to_numpy()).abs()
        shifts[float(p)] = d
    if not np.isclose(shifts.get(1.0, pd.Series([np.nan])).mean(), 0.0):
        raise ValueError(f"{run}: p = 1 does not reproduce the official ranks of {official_run}")
    lowest = min(shifts)
    low = shifts[lowest]
    out = {"compUnits": fmt_int(len(official)), "compPLowest": fmt(lowest, 0), "compRbarLowest": fmt(low.mean()),
           "compMaxLowest": fmt_int(low.max()), "compMoversLowest": fmt_int((low > COMP_MOVE).sum()),
           "compMoverThreshold": str(COMP_MOVE)}
    for p, word in ((0.0, "Geometric"), (0.5, "Half"), (2.0, "Square")):
        if p in shifts:
            out[f"compRbar{word}"] = fmt(shifts[p].mean())
    cfg = io.read_yaml(run / "config.yaml")
    for factor in cfg["analyses"]["uncertainty"]["factors"]:
        if "range" in factor:
            out["compPFrom"], out["compPTo"] = (fmt(v, 0) for v in factor["range"])
    return out


def bli_numbers(run: Path, sure: float = SURE) -> dict[str, str]:
    """Countries in the BLI top ten in at least ``sure`` of the Monte Carlo samples (uncertainty.csv p_top10)."""
    unc = read(run, "uncertainty.csv")
    always = unc[unc["p_top10"] >= sure].sort_values("p_top10", ascending=False, kind="stable")
    names = [tex_escape(n) for n in always["name"]]
    listed = (", ".join(names[:-1]) + " and " + names[-1]) if len(names) > 1 else (names[0] if names else "none")
    return {"bliSure": fmt_int(100 * sure), "bliSureTopTen": fmt_int(len(always)), "bliSureTopTenNames": listed}


def pci_revision_numbers(path: Path) -> dict[str, str]:
    """PCI 2019 ranked under each era's weights (a table written by dti_bench.io.external.pci.weight_revision_shifts):
    R̄s against the official ranks, provinces moving at least :data:`MOVE` places, the largest rise and fall."""
    table = pd.read_csv(path)
    out: dict[str, str] = {}
    official = table.loc[table["official"], "weights"].iloc[0]
    out["pciEraOfficial"] = era_label(official)
    others = sorted(w for w in table["weights"].unique() if w != official)
    for key, era in zip(("A", "B", "C"), others):
        g = table[table["weights"] == era]
        rise = g.sort_values("shift", ascending=False, kind="stable").iloc[0]
        out.update({f"pciEra{key}": era_label(era), f"pciEra{key}Rbar": fmt(g["shift"].abs().mean()),
                    f"pciEra{key}Moved": fmt_int((g["shift"].abs() >= MOVE).sum()),
                    f"pciEra{key}MaxShift": fmt_int(g["shift"].abs().max()),
                    f"pciEra{key}Riser": tex_escape(rise["name"]), f"pciEra{key}RiserShift": fmt_int(rise["shift"])})
    return out


def era_label(era: str) -> str:
    return tex_escape(str(era)).replace("-", "--")


def papi_dimension_numbers(path: Path) -> dict[str, str]:
    """PAPI 2019 on 8 against the original 6 dimensions (a table written by
    dti_bench.io.external.papi.dimension_change_shifts): Spearman, R̄s, moves of at least :data:`MOVE` places and the
    provinces the two new dimensions lift and sink most."""
    from dti_bench.io.external.papi import NEW_DIMENSIONS

    table = pd.read_csv(path)
    ok = table.dropna(subset=["rank_8", "rank_6"])
    rho = float(spearman(ok["rank_8"], ok["rank_6"]))
    up = ok.sort_values("shift", ascending=True, kind="stable").iloc[0]     # negative shift: higher on 8
    down = ok.sort_values("shift", ascending=False, kind="stable").iloc[0]
    return {
        "papiDimNew": fmt_int(len(NEW_DIMENSIONS)),
        "papiDimSpearman": fmt(rho, 2), "papiDimRbar": fmt(ok["shift"].abs().mean()),
        "papiDimMoved": fmt_int((ok["shift"].abs() >= MOVE).sum()), "papiDimUnits": fmt_int(len(ok)),
        "papiDimUp": tex_escape(up["name"]), "papiDimUpSix": ordinal(up["rank_6"]),
        "papiDimUpEight": ordinal(up["rank_8"]),
        "papiDimDown": tex_escape(down["name"]), "papiDimDownSix": ordinal(down["rank_6"]),
        "papiDimDownEight": ordinal(down["rank_8"]),
    }


def case_numbers(prefix: str, run: Path) -> dict[str, str]:
    """Everything the case-study paragraphs quote for one real-data index (PAPI, PCI, BLI)."""
    from dti_bench import io

    cfg = io.read_yaml(Path(run) / "config.yaml")
    man = manifest(run)
    year = cfg["data"].get("year") or (re.findall(r"\d{4}", man["dataset"]) or [""])[0]
    out = {macro_name(prefix, "Year"): str(year), macro_name(prefix, "Indicators"): fmt_int(man["indicators"])}
    try:
        fw = run_framework(run)
        head = fw.require_headline()
        out[macro_name(prefix, "Groups")] = fmt_int(len(fw.children(head)))
    except Exception:  # noqa: BLE001 - the count is a nicety; the text does not need it without the data
        pass
    out.update(uncertainty_numbers(prefix, run))
    out.update(sobol_numbers(prefix, run))
    out.update(grid_numbers(prefix, run))
    out.update(stability_numbers(prefix, run))
    out.update(config_numbers(prefix, run))
    return out


def factor_numbers(prefix: str, run: Path) -> dict[str, str]:
    """The factors of the uncertainty and the Sobol' analyses (manifest), which the text says are the same: a run
    whose two analyses vary different factors is refused, since the Sobol' indices would then apportion a variance
    the uncertainty analysis does not report."""
    outputs = manifest(run)["outputs"]
    ua = list(outputs["uncertainty"]["factors"])
    sa = list(outputs["sensitivity"]["factors"])
    if ua != sa:
        raise ValueError(f"{run}: the uncertainty analysis varies {ua} but the Sobol' analysis {sa}; the paper "
                         f"reports both as one design (give configs the same factors)")
    words = [tex_escape(f) for f in ua]
    listed = ", ".join(words[:-1]) + " and " + words[-1] if len(words) > 1 else words[0]
    return {macro_name(prefix, "Factors"): listed, macro_name(prefix, "FactorCount"): fmt_int(len(ua))}


def top_k_numbers(prefix: str, run: Path) -> dict[str, str]:
    """The JRC top-k robustness statement of the uncertainty analysis (manifest outputs.uncertainty
    .top_k_robustness): how many of the nominal top k stay in the top k, and within ±m places of their nominal
    rank, in at least the stated share of samples; the median number of them retained per sample."""
    tk = manifest(run)["outputs"]["uncertainty"].get("top_k_robustness")
    if not tk:
        raise ValueError(f"{run}: no top-k robustness statement in the manifest (uncertainty top_k_robustness)")
    names = unit_names(run)
    leaving = [display(u, names) for u in tk["leaving_top_k"]]
    out = {"TopK": fmt_int(tk["k"]), "TopKWithin": fmt_int(tk["within"]), "TopKShare": fmt_int(100 * tk["share"]),
           "TopKNominal": fmt_int(tk["nominal_top_k"]), "TopKStay": fmt_int(tk["stay_top_k"]),
           "TopKStayWithin": fmt_int(tk["stay_within"]), "TopKMedianRetained": fmt_width(tk["median_retained"]),
           "TopKLeaving": fmt_int(len(leaving))}
    return {macro_name(prefix, k): v for k, v in out.items()}


def rank_shares(run: Path) -> pd.DataFrame:
    """rank_frequency.csv as a units x places table of shares (columns ``rank_1 ... rank_n``), from either of its
    formats: wide (``unit, rank_1 ... rank_n``) or long (``unit, rank_lo, rank_hi, count, share``, one row per
    unit and rank bin that occurred; only bins of one rank can be read as places)."""
    freq = read(run, "rank_frequency.csv")
    if "rank_lo" not in freq.columns:
        return freq.set_index("unit")
    if (freq["rank_lo"] != freq["rank_hi"]).any():
        raise ValueError(f"{run}: rank_frequency.csv bins several ranks together; the places cannot be read")
    wide = freq.pivot(index="unit", columns="rank_lo", values="share").fillna(0.0)
    places = range(1, int(freq["rank_hi"].max()) + 1)
    wide = wide.reindex(columns=list(places), fill_value=0.0)
    wide.columns = [f"rank_{r}" for r in places]
    return wide


def simplex_numbers(run: Path) -> dict[str, str]:
    """The five published profiles under uniformly drawn weights on the simplex (dti2022-published uncertainty:
    uncertainty.csv, rank_frequency.csv): the leader's share of first places, and for every other place the share
    of draws in which its nominal holder keeps it and the largest share any province holds it."""
    run = Path(run)
    unc = read(run, "uncertainty.csv").set_index("unit")
    freq = rank_shares(run)
    names = unit_names(run)
    by_place = unc["nominal_rank"].astype(int).sort_values(kind="stable")
    leader = by_place.index[0]
    keep = {int(r): float(freq.loc[u, f"rank_{int(r)}"]) for u, r in by_place.items()}
    others = [r for r in keep if r > 1]
    modal = {r: float(freq[f"rank_{r}"].max()) for r in others}
    second = by_place.index[1]
    return {
        "pubSimplexDraws": fmt_int(manifest(run)["outputs"]["uncertainty"]["samples"]),
        "pubSimplexLeader": display(leader, names),
        "pubSimplexLeaderShare": fmt_int(100 * keep[1]),
        "pubSimplexSecond": display(second, names),
        "pubSimplexSecondKeep": fmt_int(100 * keep[2]),
        "pubSimplexKeepMax": fmt_int(100 * max(keep[r] for r in others)),
        "pubSimplexKeepMin": fmt_int(100 * min(keep[r] for r in others)),
        "pubSimplexModalMax": fmt_int(100 * max(modal.values())),
        "pubSimplexFirstOpen": ordinal(min(others)),
        "pubSimplexLastOpen": ordinal(max(others)),
    }


def simplex_table(run: Path) -> str:
    """The share of simplex weight draws in which each published profile takes each place (rank_frequency.csv)."""
    run = Path(run)
    unc = read(run, "uncertainty.csv").set_index("unit")
    freq = rank_shares(run)
    names = unit_names(run)
    places = sorted(int(c.split("_")[1]) for c in freq.columns if re.fullmatch(r"rank_\d+", c))
    lines = [r"\begin{tabular}{l" + "r" * (len(places) + 1) + "}", r"\toprule",
             r"Province & official & " + " & ".join(f"{ordinal(r)}" for r in places) + r" \\", r"\midrule"]
    for unit in unc["nominal_rank"].sort_values(kind="stable").index:
        lines.append(f"{display(unit, names)} & {fmt_int(unc.loc[unit, 'nominal_rank'])} & "
                     + " & ".join(fmt_int(100 * freq.loc[unit, f"rank_{r}"]) for r in places) + r" \\")
    lines += [r"\bottomrule", r"\end{tabular}"]
    return "\n".join(lines) + "\n"


def offsets_numbers(run: Path) -> dict[str, str]:
    """The offset artefact (dti2022-offsets): z-scores whose arbitrary mean m varies. Under the arithmetic mean m
    moves no rank; under the geometric and harmonic means the ranks depend on m (grid_stability.csv, against the
    nominal m and the arithmetic mean), and the Sobol' index of m measures how much (sensitivity.csv)."""
    run = Path(run)
    node = headline(run)
    grid = read(run, "grid_stability.csv")
    grid = grid[grid["node"] == node]
    parsed = [dict(p.split("=", 1) for p in v.split("|")) for v in grid["variant"]]
    grid = grid.assign(m=[float(p["normalise.m"]) for p in parsed], agg=[p["aggregate"] for p in parsed])
    arith, harm = grid[grid["agg"] == "arithmetic"], grid[grid["agg"] == "harmonic"]
    out = {"offArithmeticMaxShift": fmt_int(arith["max_abs_shift"].max()),
           "offMFrom": fmt(grid["m"].min(), 0), "offMTo": fmt(grid["m"].max(), 0),
           "offHarmonicRbarLowM": fmt(harm.loc[harm["m"].idxmin(), "mean_abs_shift"]),
           "offHarmonicRbarHighM": fmt(harm.loc[harm["m"].idxmax(), "mean_abs_shift"])}
    out.update(sobol_numbers("off", run))
    return out


def merger_published_numbers(case: str = MERGER_CASE, unmerged: str = "ha_noi", leader: str = "ho_chi_minh"
                             ) -> dict[str, str]:
    """The real DTI 2024 rankings before (63 provinces) and after (34 units) the 2025 merger, from the package's
    published tables: the named merger case, a city that was not merged, and the 63-province leader."""
    from dti_bench import io

    pub63, pub34 = (io.published_table(t) for t in PUBLISHED_MERGER)
    table = io.load_mergers("mergers-2025")
    prov = io.provinces().set_index("slug")
    names = dict(zip(prov.index, prov["province"]))
    if len(table[unmerged]) != 1:
        raise ValueError(f"{unmerged} was merged; the paper quotes it as a unit that was not")
    # the text says every province above the unmerged one was merged, and none of them stayed above it
    pub63["slug"] = pub63["province_ascii"].map(dict(zip(prov["province_ascii"], prov.index)))
    pub34["slug"] = pub34["province_ascii"].map(dict(zip(prov["province_ascii"], prov.index)))
    rank63 = pd.to_numeric(pub63.set_index("slug")["rank"], errors="coerce")
    rank34 = pd.to_numeric(pub34.set_index("slug")["rank"], errors="coerce")
    above = [u for u, r in rank63.items() if r < rank63[unmerged]]
    if not all(len(table.get(u, [])) > 1 and rank34.get(u, np.inf) > rank34[unmerged] for u in above):
        raise ValueError(f"not every province above {unmerged} in the 63-province ranking was merged and fell below it")
    out = {"mergerPubYear": re.findall(r"\d{4}", PUBLISHED_MERGER[1])[0], "mergerPubAbove": fmt_int(len(above)),
           "mergerPubUnits": fmt_int(len(table)), "mergerPubFormer": fmt_int(sum(len(f) for f in table.values()))}
    for key, unit in (("Case", case), ("Unmerged", unmerged), ("Leader", leader)):
        ascii_name = prov.loc[unit, "province_ascii"]
        out[f"mergerPub{key}"] = display(unit, names)
        out[f"mergerPub{key}Before"] = ordinal(_published_rank(pub63, ascii_name))
        out[f"mergerPub{key}After"] = ordinal(_published_rank(pub34, ascii_name))
        out[f"mergerPub{key}Partners"] = (" and ".join(display(u, names) for u in table[unit] if u != unit)
                                          or "none")
    return out


def hai_phong_published_numbers(unit: str = "hai_phong", years: tuple[int, int] = (2022, 2023)) -> dict[str, str]:
    """Hải Phòng's published ranks in the two DTI years the seed news compares (the package's published panel,
    ``io.published_rank_changes``): real data, quoted beside the synthetic analysis of the move."""
    from dti_bench import io

    table = io.published_rank_changes(*years).set_index("unit")
    return {"yearNext": str(years[1]), "hpPubRankFrom": ordinal(table.loc[unit, "rank_from"]),
            "hpPubRankTo": ordinal(table.loc[unit, "rank_to"]), "hpPubChange": fmt_int(table.loc[unit, "change"])}


def hai_phong_numbers(run: Path, unit: str = "hai_phong", place: int | None = None) -> dict[str, str]:
    """Hải Phòng's 2022 -> 2023 move under methodological uncertainty (configs/dti-hai-phong.yaml on the two-year
    synthetic panel): its nominal ranks and change, the median and 5-95 % interval of the change, how often it
    rises (rank_change.csv p_rise), and how often it is ``place``-th or better in the later year (default: its
    published rank then; the uncertainty analysis of the panel's latest year: uncertainty.csv p_top<place>). Over
    an ensemble the members' tables (``*_members.csv``) give, besides, the range of each share across members."""
    from dti_bench import io

    run = Path(run)
    rc = read(run, "rank_change.csv")
    row = rc[rc["unit"] == unit].iloc[0]
    if place is None:
        ascii_name = io.provinces().set_index("slug").loc[unit, "province_ascii"]
        place = _published_rank(io.published_table(f"dti_provincial_{int(row['time_to'])}"), ascii_name)
    out = {"hpFrom": str(row["time_from"]), "hpTo": str(row["time_to"]),
           "hpRankFrom": ordinal(row["nominal_rank_from"]), "hpRankTo": ordinal(row["nominal_rank_to"]),
           "hpChange": signed(row["nominal_change"]), "hpMedianChange": signed(row["median_change"]),
           "hpChangeLo": signed(row["q05_change"]), "hpChangeHi": signed(row["q95_change"]),
           "hpRise": fmt_int(100 * row["p_rise"]), "hpRobust": "robust" if bool(row["robust"]) else "not robust",
           "hpVerdict": ("survives the methodological uncertainty" if bool(row["robust"]) else
                         "is not robust to the methodological uncertainty: it is as much a matter of method as of "
                         "progress"),
           "hpSamples": fmt_int(row["samples"]), "hpPlace": ordinal(place)}
    unc = reader(run).table("uncertainty.csv")
    column = f"p_top{place}"
    if unc is not None and column in unc:
        out["hpTopPlace"] = fmt_int(100 * unc.loc[unc["unit"] == unit, column].iloc[0])
    members = reader(run).table("rank_change_members.csv")
    if members is not None:
        rise = members.loc[members["unit"] == unit, "p_rise"].to_numpy(float)
        out.update({"hpMembers": fmt_int(len(rise)), "hpRiseLo": fmt_int(100 * np.percentile(rise, 5)),
                    "hpRiseHi": fmt_int(100 * np.percentile(rise, 95))})
    return out


def hai_phong_ensemble_numbers(run: Path, unit: str = "hai_phong", place: int | None = None) -> dict[str, str]:
    """The Hải Phòng question across the members of dti2023-synthetic-ensemble (configs/dti-hai-phong-ensemble.yaml):
    the median and 5-95 % range across members of how often it rises 2022 -> 2023 (rank_change.csv ``p_rise``,
    ``p_rise_member_q05``, ``p_rise_member_q95``) and of how often it is ``place``-th or better in the later year
    (uncertainty.csv ``p_top<place>`` at that time; default its published rank), and the share of members in
    which the rise is robust (``robust_share``: its 5-95 % interval excludes 0). Macros ``hpEns*``, percentages."""
    from dti_bench import io
    from dti_bench.analyses.ensemble import RANGE_QUANTILES

    run = Path(run)
    rc = read(run, "rank_change.csv")
    row = rc[rc["unit"] == unit].iloc[0]
    if place is None:
        ascii_name = io.provinces().set_index("slug").loc[unit, "province_ascii"]
        place = _published_rank(io.published_table(f"dti_provincial_{int(row['time_to'])}"), ascii_name)
    unc = reader(run).table("uncertainty.csv", all_times=True)
    if unc is None:
        raise FileNotFoundError(f"{run / 'uncertainty.csv'}: not in the run folder (or empty)")
    unc = unc[(unc["unit"] == unit) & (unc["time"].astype(str) == str(row["time_to"]))].iloc[0]

    def share(table: pd.Series, column: str) -> tuple[str, str, str]:
        # a share equal in every member is written once, without range columns
        lo, hi = (table.get(f"{column}_member_q{round(100 * q):02d}", table[column]) for q in RANGE_QUANTILES)
        return tuple(fmt_int(100 * float(v)) for v in (table[column], lo, hi))  # type: ignore[return-value]

    rise, rise_lo, rise_hi = share(row, "p_rise")
    top, top_lo, top_hi = share(unc, f"p_top{place}")
    robust_share = float(row.get("robust_share", float(bool(row["robust"]))))
    members = reader(run).table("rank_change_members.csv")
    count = members["member"].nunique() if members is not None and "member" in members else 1
    return {"hpEnsMembers": fmt_int(count), "hpEnsRankFrom": ordinal(row["nominal_rank_from"]),
            "hpEnsRankTo": ordinal(row["nominal_rank_to"]), "hpEnsTo": str(row["time_to"]), "hpEnsPlace": ordinal(place),
            # the across-member range's quantiles (dti_bench.analyses.ensemble.RANGE_QUANTILES), in percent
            "hpEnsQLo": fmt_int(100 * RANGE_QUANTILES[0]), "hpEnsQHi": fmt_int(100 * RANGE_QUANTILES[1]),
            "hpEnsRise": rise, "hpEnsRiseLo": rise_lo, "hpEnsRiseHi": rise_hi,
            "hpEnsTopPlace": top, "hpEnsTopPlaceLo": top_lo, "hpEnsTopPlaceHi": top_hi,
            "hpEnsRobustShare": fmt_int(100 * robust_share),
            "hpEnsRobustMembers": fmt_int(round(robust_share * count)),
            "hpEnsVerdict": ("survives the methodological uncertainty in every member" if robust_share >= 1 else
                             "is robust in none of the members: on each of these datasets consistent with the "
                             "published numbers it is as much a matter of method as of progress" if robust_share == 0 else
                             "is robust in some members only: whether it survives the methodological uncertainty "
                             "depends on the unpublished data"),
            "hpEnsSamples": fmt_int(row["samples"])}


def across_member_stats(members: pd.DataFrame, stat) -> np.ndarray:
    """``stat`` (a function of one member's table) for every member of a long ``*_members.csv`` table (one
    member when the table has no ``member`` column: a run on one dataset)."""
    if "member" not in members:
        return np.array([float(stat(members))])
    return np.array([float(stat(g)) for _, g in members.groupby("member", sort=True)])


def spread(values: np.ndarray, digits: int, integer: bool = False) -> tuple[str, str, str]:
    """Median and 5-95 % range (linear interpolation, numpy's default) of a statistic across members."""
    f = fmt_int if integer else (lambda v: fmt(v, digits))
    return tuple(f(np.percentile(values, q)) for q in (50, 5, 95))  # type: ignore[return-value]


def distribution_numbers(prefix: str, run: Path, least: int = TABLE_ROWS) -> dict[str, str]:
    """The DTI's headline Monte Carlo statistics as distributions across the members of an ensemble run (the
    members' tables, ``uncertainty_members.csv``, ``stability_members.csv``, ``sensitivity_members.csv``; a run
    on one dataset is an ensemble of one): for each statistic its median across members (``<name>``), 5 %
    (``<name>Lo``) and 95 % (``<name>Hi``) quantiles, and ``<name>Across``, the phrase the text prints after the
    median ("" for one member). Statistics: R̄s (mean over units of the mean absolute shift), provinces whose
    5-95 % band is wider than VOLATILE_WIDTH, the median band, S_T of every Sobol' factor; and the share of members
    in which each province is among the ``least`` robust (largest mean absolute shift)."""
    run = Path(run)
    r = reader(run)
    unc = r.table("uncertainty_members.csv")
    unc = read(run, "uncertainty.csv") if unc is None else unc
    sens = r.table("sensitivity_members.csv")
    sens = read(run, "sensitivity.csv") if sens is None else sens
    sens = sens[(sens["quantity"] == "summary") & (sens["output"] == "mean_abs_shift")]
    lo, hi = band_columns(unc)
    members = int(unc["member"].nunique()) if "member" in unc else 1
    out: dict[str, str] = {"Members": fmt_int(members),
                           "MembersPhrase": "on one calibrated draw" if members == 1 else f"across {members} calibrated draws",
                           "MembersPhraseStart": "On one calibrated draw" if members == 1
                           else f"Across {members} calibrated draws"}
    stats = {
        "Rbar": (lambda g: g["mean_abs_shift"].mean(), 2, False),
        "BandWide": (lambda g: ((g[hi] - g[lo]) > VOLATILE_WIDTH).sum(), 0, True),
        "BandMedian": (lambda g: np.median(g[hi] - g[lo]), 0, True),
    }
    # the JRC top-k statement per member, from uncertainty.csv's own columns: nominal top k that stay in the top k
    # in at least `share` of the samples (the resolved config's top_k_robustness)
    from dti_bench import io

    tk = (io.read_yaml(run / "config.yaml")["analyses"]["uncertainty"].get("top_k_robustness") or {})
    if tk:
        k, share = int(tk["k"]), float(tk["share"])
        stats["TopKStay"] = (lambda g: (g.loc[g["nominal_rank"] <= k, f"p_top{k}"] >= share - 1e-12).sum(), 0, True)
    values = {k: across_member_stats(unc, f) for k, (f, _, _) in stats.items()}
    for factor in sens["factor"].unique():
        key = macro_name("ST", factor)
        stats[key] = (None, 2, False)
        values[key] = across_member_stats(sens[sens["factor"] == factor], lambda g: g["ST"].iloc[0])
    for key, (_, digits, integer) in stats.items():
        med, q05, q95 = spread(values[key], digits, integer)
        # "Across" follows a number in running text, "Range" one inside parentheses; both empty for one draw
        out.update({key: med, f"{key}Lo": q05, f"{key}Hi": q95,
                    f"{key}Across": f" (5--95\\,\\% across members {q05}--{q95})" if members > 1 else "",
                    f"{key}Range": f"; 5--95\\,\\% across members {q05}--{q95}" if members > 1 else ""})
    # the factor with the largest median total index, and in how many members it is the largest
    st = {f: np.median(values[macro_name("ST", f)]) for f in sens["factor"].unique()}
    top = max(st, key=st.get)
    firsts = across_member_stats(sens, lambda g: float(g.loc[g["ST"].idxmax(), "factor"] == top))
    out.update({"TopFactor": tex_escape(top), "TopFactorST": out[macro_name("ST", top)],
                "TopFactorSTRange": out[macro_name("ST", top) + "Range"],
                "TopFactorFirstShare": fmt_int(100 * firsts.mean())})
    # how often each province is among the `least` robust: a statement across members, never one draw's list
    counts: dict[str, int] = {}
    groups = unc.groupby("member", sort=True) if "member" in unc else [(0, unc)]
    for _, g in groups:
        for u in g.sort_values(["mean_abs_shift", "nominal_rank"], ascending=[False, True], kind="stable"
                               )["unit"].head(least):
            counts[u] = counts.get(u, 0) + 1
    share = pd.Series(counts, dtype=float) / members
    out.update({"LeastRows": fmt_int(least), "LeastEver": fmt_int(len(share)),
                "LeastMaxShare": fmt_int(100 * share.max()),
                "LeastHalf": fmt_int((share >= 0.5).sum())})
    return {macro_name(prefix, k): v for k, v in out.items()}


NULL_INDEX = 0.005   # a Sobol' total index below this is read as "no effect"


def ensemble_zero_numbers(run: Path, factor: str = "aggregation") -> dict[str, str]:
    """Members of the ensemble in which some unit has a zero (or negative) indicator value, where a geometric or
    harmonic mean is zero or undefined for it (the variants are dropped), and what that does to the Sobol' index of
    the aggregation: how many members have S_T below NULL_INDEX, and its median over the members without a zero."""
    from dti_bench import io

    ensemble = io.load_dataset(manifest(run)["ensemble"]["dataset"])
    zero = {label for label, member in zip(ensemble.labels, ensemble.members) if (np.asarray(member.values) <= 0).any()}
    sens = read(run, "sensitivity_members.csv")
    st = sens[(sens["quantity"] == "summary") & (sens["output"] == "mean_abs_shift") & (sens["factor"] == factor)]
    st = st.set_index("member")["ST"]
    others = st[[m for m in st.index if m not in zero]]
    return {"dtiEnsZeroMembers": fmt_int(len(zero)), "dtiEnsAggNullMembers": fmt_int((st < NULL_INDEX).sum()),
            "dtiEnsAggNullInZero": fmt_int(sum(1 for m in st.index[st < NULL_INDEX] if m in zero)),
            "dtiEnsNullIndex": fmt(NULL_INDEX, 3),
            "dtiEnsAggNonZeroMedian": fmt(np.median(others.to_numpy(float))) if len(others) else "--"}


def least_robust_table(run: Path, least: int = TABLE_ROWS, rows: int = 10) -> str:
    """The provinces most often among the ``least`` robust (largest mean absolute shift) across the members of an
    ensemble run (uncertainty_members.csv): share of members, and the median and 5-95 % range across members of
    the province's mean absolute shift."""
    unc = read(run, "uncertainty_members.csv")
    names = unit_names(run)
    members = unc["member"].nunique()
    among = (unc.sort_values(["member", "mean_abs_shift", "nominal_rank"], ascending=[True, False, True],
                             kind="stable").groupby("member", sort=True).head(least))
    share = among["unit"].value_counts() / members
    nominal = unc.groupby("unit")["nominal_rank"].first()
    order = share.rename("share").to_frame().assign(nominal=nominal).sort_values(["share", "nominal"],
                                                                               ascending=[False, True]).head(rows)
    lines = [r"\begin{tabular}{lrrc}", r"\toprule",
             (rf"Province & official rank & members with it among the {least} least robust & "
              r"$\bar R_{s,c}$ across members \\"), r"\midrule"]
    for unit, row in order.iterrows():
        shift = unc.loc[unc["unit"] == unit, "mean_abs_shift"].to_numpy(float)
        med, q05, q95 = (fmt(np.percentile(shift, q)) for q in (50, 5, 95))
        lines.append(f"{display(unit, names)} & {fmt_int(row['nominal'])} & {fmt_int(100 * row['share'])}\\,\\% & "
                     f"{med} ({q05}--{q95}) \\\\")
    lines += [r"\bottomrule", r"\end{tabular}"]
    return "\n".join(lines) + "\n"


# -- labels ----------------------------------------------------------------------------------------------------

def choice_label(path: str, choice: str) -> str:
    """A grid choice as the text writes it: ``minmax(lo=1,hi=100)`` -> min--max [1, 100]."""
    m = re.fullmatch(r"minmax\(lo=([^,]+),hi=([^)]+)\)", choice)
    if m:
        return f"min--max [{m[1]}, {m[2]}]"
    m = re.fullmatch(r"zscore\(m=([^,]+),s=([^)]+)\)", choice)
    if m:
        return f"$z$-score ({m[1]}, {m[2]})"
    m = re.fullmatch(r"power\(p=([^)]+)\)", choice)
    if m:
        return f"power mean, $p = {float(m[1]):g}$"
    if path == "normalise" and choice == "none":
        return "none (points / maximum)"
    if choice.startswith("("):
        return "custom weights"
    return tex_escape(choice)


def variant_label(label: str) -> str:
    parts = [p.split("=", 1) for p in label.split("|")]
    return ", ".join(choice_label(path, choice) for path, choice in parts)


# -- tables ----------------------------------------------------------------------------------------------------

def robust_table(run: Path, rows: int = TABLE_ROWS) -> str:
    """The provinces with the smallest and the largest mean absolute rank shift (uncertainty.csv)."""
    unc = read(run, "uncertainty.csv")
    lo, hi = band_columns(unc)
    names = unit_names(run)
    order = unc.assign(width=unc[hi] - unc[lo])
    most = order.sort_values(["mean_abs_shift", "width", "nominal_rank"], kind="stable").head(rows)
    least = order.sort_values(["mean_abs_shift", "width"], ascending=False, kind="stable").head(rows)
    qlo, qhi = (re.findall(r"\d+", c)[0].lstrip("0") or "0" for c in (lo, hi))
    lines = [r"\begin{tabular}{lrrcrr}", r"\toprule",
             rf"Province & Nominal & Median & {qlo}--{qhi}\,\% band & $\bar R_{{s,c}}$ & $P(\text{{top ten}})$ \\",
             r"\midrule", r"\multicolumn{6}{l}{\emph{Most robust}} \\"]
    for group, frame in (("most", most), ("least", least)):
        if group == "least":
            lines += [r"\midrule", r"\multicolumn{6}{l}{\emph{Least robust}} \\"]
        for _, r in frame.iterrows():
            lines.append(f"{display(str(r['unit']), names)} & {fmt_int(r['nominal_rank'])} & "
                         f"{fmt_width(r['median_rank'])} & {fmt_int(r[lo])}--{fmt_int(r[hi])} & "
                         f"{fmt(r['mean_abs_shift'])} & {fmt(r['p_top10'])} \\\\")
    lines += [r"\bottomrule", r"\end{tabular}"]
    return "\n".join(lines) + "\n"


def grid_table(run: Path, node: str | None = None) -> str:
    """R̄s and the largest move against the nominal ranks for every normalisation x aggregation pair, under the
    nominal and under equal weights (grid_stability.csv)."""
    node = node or headline(run)
    grid = read(run, "grid_stability.csv")
    grid = grid[grid["node"] == node]
    parsed = [dict(p.split("=", 1) for p in v.split("|")) for v in grid["variant"]]
    grid = grid.assign(**{axis: [p.get(axis, "") for p in parsed] for axis in ("normalise", "aggregate", "weights")})
    lines = [r"\begin{tabular}{llrrrr}", r"\toprule",
             r" & & \multicolumn{2}{c}{Nominal weights} & \multicolumn{2}{c}{Equal weights} \\",
             r"\cmidrule(lr){3-4}\cmidrule(lr){5-6}",
             r"Normalisation & Aggregation & $\bar R_s$ & max shift & $\bar R_s$ & max shift \\", r"\midrule"]
    for (norm, agg), g in grid.groupby(["normalise", "aggregate"], sort=False):
        cells = []
        for w in ("nominal", "equal"):
            row = g[g["weights"] == w]
            cells += ([fmt(row["mean_abs_shift"].iloc[0]), fmt_int(row["max_abs_shift"].iloc[0])]
                      if not row.empty else ["--", "--"])
        lines.append(f"{choice_label('normalise', norm)} & {choice_label('aggregate', agg)} & " + " & ".join(cells)
                     + r" \\")
    lines += [r"\bottomrule", r"\end{tabular}"]
    return "\n".join(lines) + "\n"


def published_table(run: Path) -> str:
    """The five published profiles: published DTI, the official formula's value, and the ranks among the five
    under the official rule, equal weights and a geometric mean (dti2022-published grid.csv)."""
    from dti_bench import io

    run = Path(run)
    grid = read(run, "grid.csv")
    grid = grid[grid["node"] == "DTI"]
    rank = grid.pivot(index="unit", columns="variant", values="rank")
    cols = [_variant(rank.columns, weights=w, aggregate=a)
            for w, a in (("nominal", "arithmetic"), ("equal", "arithmetic"), ("nominal", "geometric"),
                         ("equal", "geometric"))]
    table = io.published_table("dti_provincial_2022")
    prov = io.provinces()
    slug = dict(zip(prov["province_ascii"], prov["slug"]))
    published = dict(zip((slug[p] for p in table["province_ascii"]), table["dti_score"]))
    scores = read(run, "scores.csv").set_index("unit")["DTI"]
    names = unit_names(run)
    lines = [r"\begin{tabular}{lrrrrrr}", r"\toprule",
             r" & \multicolumn{2}{c}{DTI} & \multicolumn{4}{c}{Rank among the five} \\",
             r"\cmidrule(lr){2-3}\cmidrule(lr){4-7}",
             r"Province & published & official rule & official & equal $w$ & geometric & equal $w$, geometric \\",
             r"\midrule"]
    for unit in rank.sort_values(cols[0]).index:
        lines.append(f"{display(unit, names)} & {published[unit]} & {fmt(scores[unit], 4)} & "
                     + " & ".join(fmt_int(rank.loc[unit, c]) for c in cols) + r" \\")
    lines += [r"\bottomrule", r"\end{tabular}"]
    return "\n".join(lines) + "\n"


def importance_table(run: Path, node: str | None = None) -> str:
    """Weight share against importance share (correlation ratio, both estimators) of the headline's children
    (importance.csv, target = parent = headline), in the framework's order."""
    node = node or headline(run)
    imp = read(run, "importance.csv")
    imp = imp[(imp["target"] == node) & (imp["parent"] == node)]
    names = indicator_names(run)
    lines = [r"\begin{tabular}{lrrrrr}", r"\toprule",
             r"Indicator & weight share & $\eta^2$ (B-spline) & $\eta^2$ ($k$-NN) & importance share & ratio \\",
             r"\midrule"]
    for _, r in imp.iterrows():
        lines.append(f"{display(str(r['child']), names)} & {fmt(r['weight_share'])} & {fmt(r['eta2_bspline'])} & "
                     f"{fmt(r['eta2_knn'])} & {fmt(r['importance_share'])} & {fmt(r['ratio'])} \\\\")
    lines += [r"\bottomrule", r"\end{tabular}"]
    return "\n".join(lines) + "\n"


def robustness_standing(runs: Mapping[str, Path], first: str, members: Path | None = None) -> dict[str, str]:
    """Where the first index's mean R̄s stands among the indices compared (uncertainty.csv), and, with the
    ensemble run of the first index (``members``: uncertainty_members.csv), the share of its members in which its
    R̄s is the smallest of all ("100" on one draw when it is, "0" when not)."""
    rbar = {label: read(run, "uncertainty.csv")["mean_abs_shift"].mean() for label, run in runs.items()}
    table = read(members, "uncertainty_members.csv") if members is not None else read(runs[first], "uncertainty.csv")
    own = across_member_stats(table, lambda g: g["mean_abs_shift"].mean())
    rbar[first] = float(np.median(own))          # over an ensemble: the median across members, as the text quotes
    place = sorted(rbar, key=rbar.get).index(first) + 1
    others = [v for k, v in rbar.items() if k != first]
    smallest = float(np.mean(own < min(others))) if others else 1.0
    return {"robustIndices": fmt_int(len(rbar)), "dtiRbarStanding": "the " + standing(place, "smallest"),
            "dtiSmallestShare": fmt_int(100 * smallest)}


def robustness_table(runs: Mapping[str, Path]) -> str:
    """One row per index (label -> run folder with uncertainty and sensitivity): units, R̄s and its 5-95 % range
    over samples, units with a wide band, the median band and the factor with the largest total Sobol' index."""
    lines = [r"\begin{tabular}{lrrcrrl}", r"\toprule",
             rf"Index & Units & $\bar R_s$ & $\bar R_s$ range & band $>{VOLATILE_WIDTH}$ & median band & "
             r"largest $S_T$ (of $\bar R_s$) \\", r"\midrule"]
    for label, run in runs.items():
        if reader(run).table("uncertainty_members.csv") is not None:   # an ensemble: medians across members
            lines.append(_ensemble_row(label, run))
            continue
        u = uncertainty_numbers("x", run)
        s = sobol_numbers("x", run)
        lines.append(f"{label} & {u['xUnits']} & {u['xRbar']} & {u['xRbarLo']}--{u['xRbarHi']} & "
                     f"{u['xBandWide']} ({u['xBandWideShare']}\\,\\%) & {u['xBandMedian']} & "
                     f"{s['xTopFactor']} ({s['xTopFactorST']}) \\\\")
    lines += [r"\bottomrule", r"\end{tabular}"]
    return "\n".join(lines) + "\n"


def _ensemble_row(label: str, run: Path) -> str:
    """The robustness-table row of a run over an ensemble: every cell the median across members of that member's
    statistic (R̄s, the 5 % and 95 % quantiles of R̄s over its samples from stability_members.csv, the units with a
    wide band and their share, the median band), and the factor with the largest median S_T."""
    d = distribution_numbers("x", run)
    stab = read(run, "stability_members.csv")
    stab = stab[stab["metric"] == "mean_abs_shift"]
    units = read(run, "uncertainty_members.csv").groupby("member").size().iloc[0]
    lo, hi = (fmt(np.median(stab[q].to_numpy(float))) for q in ("q05", "q95"))
    share = fmt_int(100 * float(d["xBandWide"]) / units)
    return (f"{label}, median of {d['xMembers']} draws & {fmt_int(units)} & {d['xRbar']} & {lo}--{hi} & "
            f"{d['xBandWide']} ({share}\\,\\%) & {d['xBandMedian']} & {d['xTopFactor']} ({d['xTopFactorST']}) \\\\")


def pci_revision_table(path: Path) -> str:
    """PCI 2019 under each era's weights against its official ranks."""
    table = pd.read_csv(path)
    lines = [r"\begin{tabular}{lrrrl}", r"\toprule",
             rf"Weights & $\bar R_s$ & moves $\geq {MOVE}$ & max move & largest rise \\", r"\midrule"]
    for era, g in table.groupby("weights", sort=True):
        rise = g.sort_values("shift", ascending=False, kind="stable").iloc[0]
        tag = " (official)" if bool(g["official"].iloc[0]) else ""
        riser = f"{tex_escape(rise['name'])} (+{fmt_int(rise['shift'])})" if rise["shift"] > 0 else "--"
        lines.append(f"{era_label(era)}{tag} & {fmt(g['shift'].abs().mean())} & "
                     f"{fmt_int((g['shift'].abs() >= MOVE).sum())} & {fmt_int(g['shift'].abs().max())} & {riser} \\\\")
    lines += [r"\bottomrule", r"\end{tabular}"]
    return "\n".join(lines) + "\n"


# -- the build -------------------------------------------------------------------------------------------------

FIGURES = {  # generated/figures/<name>.pdf <- (config, figure file in the run's figures/)
    "dti-rank-intervals": ("dti2022", "rank_intervals.pdf"),
    "dti-sobol-bars": ("dti2022", "sobol_bars.pdf"),
    "dti-rank-shift-histogram": ("dti2022", "rank_shift_histogram.pdf"),
    "dti-grid-heatmap": ("dti2022", "grid_heatmap-DTI.pdf"),
    "papi-rank-intervals": ("papi", "rank_intervals.pdf"),
    "pci-rank-intervals": ("pci", "rank_intervals.pdf"),
    "papi-sobol-bars": ("papi", "sobol_bars.pdf"),
    "pci-sobol-bars": ("pci", "sobol_bars.pdf"),
    "bli-sobol-bars": ("bli", "sobol_bars.pdf"),
}

UNAVAILABLE = {
    "papi": "The PAPI numbers are unavailable in this build: its third-party data were not found (set "
            r"\texttt{DTI\_BENCH\_DATA} to the folder holding \texttt{vn\_papi/} and rebuild).",
    "pci": "The PCI numbers are unavailable in this build: its third-party data were not found (set "
           r"\texttt{DTI\_BENCH\_DATA} to the folder holding \texttt{vn\_pci/} and rebuild).",
    "bli": "The BLI numbers are unavailable in this build: its third-party data were not found (set "
           r"\texttt{DTI\_BENCH\_DATA} to the folder holding \texttt{oecd\_bli/} and rebuild).",
    "ensemble": r"The ensemble of calibrated draws (\texttt{dti2022-synthetic-ensemble}, "
                r"\texttt{configs/dti2022-ensemble.yaml}) is not in this checkout, so every all-province number "
                r"below comes from \emph{one} calibrated draw and carries no range across draws: read it as an "
                r"example of what the methodology does, not as a property of the real ranking.",
    "haiphong": r"The two-year synthetic panel and its configuration (\texttt{configs/dti-hai-phong.yaml}) are "
                r"not in this checkout, so the question cannot be answered in this build.",
    "haiphongens": r"The ensemble of two-year synthetic panels (\texttt{dti2023-synthetic-ensemble}, "
                   r"\texttt{configs/dti-hai-phong-ensemble.yaml}) is not in this checkout, so the answer above rests "
                   r"on one calibrated draw and carries no range across draws.",
}


def fail(message: str) -> None:
    print(f"paper/build.py: {message}", file=sys.stderr)
    raise SystemExit(2)


def latest(name: str) -> Path | None:
    folders = sorted(p for p in (RUNS / name).glob("*") if p.is_dir() and not p.name.startswith("."))
    return folders[-1] if folders else None


def run_all(reuse: bool = False, skip: tuple[str, ...] = ()) -> dict[str, Path | None]:
    """Run every config (fresh unless ``reuse``) and return name -> run folder, None for a skipped case study or
    an optional run named in ``skip`` (the text then prints the sentence it prints without its data)."""
    from dti_bench import io
    from dti_bench.errors import DataError, MethodologyWarning
    from dti_bench.experiment import run

    if SYNTHETIC_DATASET not in io.bundled_datasets():
        fail(f"the bundled dataset {SYNTHETIC_DATASET!r} is missing (see `dti-bench datasets`); configs/dti2022.yaml "
             f"and the DTI sections of the paper need it")
    data = os.environ.get("DTI_BENCH_DATA")
    folders: dict[str, Path | None] = {}
    for name, (config, external) in CONFIGS.items():
        if external and not (data and Path(data).is_dir()):
            print(f"paper/build.py: skipping {name}: DTI_BENCH_DATA does not name a data folder", file=sys.stderr)
            folders[name] = None
            continue
        previous = latest(name) if reuse else None
        if previous is not None:
            folders[name] = previous
            continue
        try:
            with warnings.catch_warnings():
                if name in DELIBERATELY_FLAGGED:   # it combines means and scales on purpose; its header says so
                    warnings.simplefilter("ignore", MethodologyWarning)
                folders[name] = run(ROOT / config, out=RUNS, samples=SAMPLE_OVERRIDES.get(name), quiet=True,
                                    figures="headline", pdf=True)  # PDFs for LaTeX
        except DataError as err:
            if not external:
                raise
            print(f"paper/build.py: skipping {name}: {err}", file=sys.stderr)
            folders[name] = None
        print(f"paper/build.py: {name} -> {folders[name]}", file=sys.stderr)
    bundled = set(io.bundled_datasets())
    for name, (config, dataset) in OPTIONAL.items():
        needs = dataset or (io.read_yaml(ROOT / config).get("data", {}).get("dataset")
                            if (ROOT / config).is_file() else None)
        if name in skip:
            print(f"paper/build.py: skipping {name}: --skip {name}", file=sys.stderr)
            folders[name] = None
            continue
        if not (ROOT / config).is_file() or (needs and needs not in bundled):
            missing = config if not (ROOT / config).is_file() else f"the bundled dataset {needs!r}"
            print(f"paper/build.py: skipping {name}: {missing} is not in this checkout", file=sys.stderr)
            folders[name] = None
            continue
        previous = latest(name) if reuse else None
        folders[name] = previous or run(_only_analyses(ROOT / config, OPTIONAL_ANALYSES.get(name)), out=RUNS,
                                        samples=SAMPLE_OVERRIDES.get(name), quiet=True, figures="none")
        print(f"paper/build.py: {name} -> {folders[name]}", file=sys.stderr)
    return folders


def _only_analyses(config: Path, keep: tuple[str, ...] | None) -> Path:
    """``config``, or (with ``keep``) a copy of it under runs/ holding only the analyses ``keep`` (and no report)."""
    from dti_bench import io

    if keep is None:
        return config
    raw = io.read_yaml(config)
    raw["analyses"] = {k: v for k, v in raw["analyses"].items() if k in keep}
    # the paper reads the CSVs only; the HTML report of a run over an ensemble is not needed (and, as merged from
    # i14-ensemble, fails on the members' summarised failure reasons)
    raw["output"] = {**(raw.get("output") or {}), "report": False}
    RUNS.mkdir(parents=True, exist_ok=True)
    copy = RUNS / f"{config.stem}.paper.yaml"
    io.write_yaml(raw, copy)
    return copy


def extra_tables(folders: Mapping[str, Path | None]) -> dict[str, Path]:
    """The PCI weight-revision and PAPI dimension-change tables, written beside the runs they belong to."""
    from dti_bench.io.external.papi import dimension_change_shifts
    from dti_bench.io.external.pci import weight_revision_shifts

    root = Path(os.environ.get("DTI_BENCH_DATA", ""))
    out: dict[str, Path] = {}
    if folders.get("pci") is not None:
        year = manifest(folders["pci"])["dataset"].split("-")[-1]
        path = folders["pci"] / "weight_revisions.csv"
        weight_revision_shifts(root, int(year)).to_csv(path, index=False)
        out["pci"] = path
    if folders.get("papi") is not None:
        year = manifest(folders["papi"])["dataset"].split("-")[-1]
        path = folders["papi"] / "dimension_change.csv"
        dimension_change_shifts(root, int(year)).to_csv(path, index=False)
        out["papi"] = path
    return out


DTI_LABEL = r"DTI (\textsc{synthetic})"


def compared_indices(folders: Mapping[str, Path | None]) -> dict[str, Path]:
    """Label -> run folder of every index in the cross-index comparison (the DTI first)."""
    indices = {DTI_LABEL: folders.get("dti2022-ensemble") or folders["dti2022"]}
    indices.update({label: folders[name] for name, label in (("papi", "PAPI"), ("pci", "PCI"), ("bli", "BLI"))
                    if folders.get(name) is not None})
    return indices


def collect(*parts: Mapping[str, str]) -> dict[str, str]:
    """Merge macro dicts, refusing a name defined twice (two functions quoting different numbers under one name)."""
    out: dict[str, str] = {}
    for part in parts:
        clash = sorted(set(out) & set(part))
        if clash:
            raise ValueError(f"macro defined twice: {clash}")
        out.update(part)
    return out


def all_numbers(folders: Mapping[str, Path | None], extras: Mapping[str, Path]) -> dict[str, str]:
    dti = folders["dti2022"]
    parts: list[Mapping[str, str]] = [
        band_numbers(dti), dti_framework_numbers(), synthetic_numbers(dti),
        uncertainty_numbers("dti", dti), sobol_numbers("dti", dti), grid_numbers("dti", dti),
        stability_numbers("dti", dti), importance_numbers("dti", dti), coherence_numbers("dti", dti),
        config_numbers("dti", dti), factor_numbers("dti", dti), top_k_numbers("dti", dti),
        distribution_numbers("dtiEns", folders.get("dti2022-ensemble") or dti),
        published_numbers(folders["dti2022-published"]), simplex_numbers(folders["dti2022-published"]),
        offsets_numbers(folders["dti2022-offsets"]),
        years_numbers(folders["dti-years"]), uncertainty_numbers("yearsMc", folders["dti-years"]),
        merger_numbers(folders["dti-merger"]), merger_published_numbers(), uncertainty_numbers("mergerMc", folders["dti-merger"]),
        compensability_numbers(folders["compensability"], dti), sobol_numbers("comp", folders["compensability"]),
        uncertainty_numbers("compMc", folders["compensability"]),
    ]
    overrides = {k: v for k, v in SAMPLE_OVERRIDES.items() if k in folders}
    note = ("Every configuration ran at the sample sizes it states." if not overrides else
            "To keep the build short, the Monte Carlo sample size was cut for "
            + ", ".join(f"\\texttt{{{tex_escape(k)}}} (to {fmt_int(v)})" for k, v in overrides.items()) + ".")
    parts.append({"sampleOverrideNote": note})
    ran = {k: v for k, v in OPTIONAL_ANALYSES.items() if folders.get(k) is not None}
    parts.append({"optionalAnalysesNote": " ".join(
        f"Of \\texttt{{configs/{tex_escape(k)}.yaml}} the build ran only the analyses the text quotes "
        f"({', '.join(tex_escape(a) for a in v)})." for k, v in ran.items())})
    parts.append(robustness_standing(compared_indices(folders), DTI_LABEL,
                                     members=folders.get("dti2022-ensemble")))
    parts.append(hai_phong_published_numbers())
    if folders.get("dti2022-ensemble") is not None:
        parts.append(ensemble_zero_numbers(folders["dti2022-ensemble"]))
    if folders.get("dti-hai-phong") is not None:
        parts.append(hai_phong_numbers(folders["dti-hai-phong"]))
    if folders.get("dti-hai-phong-ensemble") is not None:
        parts.append(hai_phong_ensemble_numbers(folders["dti-hai-phong-ensemble"]))
    for name in ("ensemble", "haiphong", "haiphongens"):
        parts.append({macro_name(name, "Unavailable"): UNAVAILABLE[name]})
    for name in ("papi", "pci", "bli"):
        if folders.get(name) is not None:
            parts.append(case_numbers(name, folders[name]))
        parts.append({macro_name(name, "Unavailable"): UNAVAILABLE[name]})
    if folders.get("bli") is not None:
        parts.append(bli_numbers(folders["bli"]))
    if "pci" in extras:
        parts.append(pci_revision_numbers(extras["pci"]))
    if "papi" in extras:
        parts.append(papi_dimension_numbers(extras["papi"]))
    return collect(*parts)


def numbers_tex(numbers: Mapping[str, str], flags: Mapping[str, bool]) -> str:
    lines = ["% Generated by paper/build.py from the run folders under paper/runs/: do not edit."]
    for flag, on in flags.items():
        lines.append(f"\\newif\\if{flag}\\{flag}{'true' if on else 'false'}")
    for name, value in numbers.items():
        if not MACRO_NAME.match(name):
            raise ValueError(f"not a valid LaTeX command name: {name!r}")
        lines.append(f"\\newcommand{{\\{name}}}{{{value}}}")
    return "\n".join(lines) + "\n"


def build(reuse: bool = False, skip: tuple[str, ...] = ()) -> None:
    folders = run_all(reuse, skip)
    extras = extra_tables(folders)
    if GENERATED.exists():
        shutil.rmtree(GENERATED)
    (GENERATED / "figures").mkdir(parents=True)
    numbers = all_numbers(folders, extras)
    flags = {name: folders.get(name) is not None for name in ("papi", "pci", "bli")}
    flags["anycase"] = any(flags.values())
    flags["ensemble"] = folders.get("dti2022-ensemble") is not None
    flags["haiphong"] = folders.get("dti-hai-phong") is not None
    flags["haiphongens"] = folders.get("dti-hai-phong-ensemble") is not None
    (GENERATED / "numbers.tex").write_text(numbers_tex(numbers, flags), encoding="utf-8")
    dti = folders["dti2022"]
    tables = {"grid": grid_table(dti), "importance": importance_table(dti),
              "published_profiles": published_table(folders["dti2022-published"]),
              "published_simplex": simplex_table(folders["dti2022-published"])}
    if folders.get("dti2022-ensemble") is not None:   # never one draw's list of provinces: shares of members
        tables["least_robust"] = least_robust_table(folders["dti2022-ensemble"])
    tables["robustness"] = robustness_table(compared_indices(folders))
    if "pci" in extras:
        tables["pci_revisions"] = pci_revision_table(extras["pci"])
    for name, tex in tables.items():
        (GENERATED / f"{name}.tex").write_text(tex, encoding="utf-8")
    for target, (config, figure) in FIGURES.items():
        if folders.get(config) is not None:
            shutil.copyfile(folders[config] / "figures" / figure, GENERATED / "figures" / f"{target}.pdf")
    print(f"paper/build.py: {len(numbers)} macros, {len(tables)} tables, "
          f"{len(list((GENERATED / 'figures').glob('*.pdf')))} figures in {GENERATED}", file=sys.stderr)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reuse", action="store_true", help="use the newest existing run folder of each config")
    parser.add_argument("--skip", action="append", default=[], choices=sorted(OPTIONAL),
                        help="leave out an optional run (repeatable), e.g. the ensemble while editing the text")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    build(reuse=args.reuse, skip=tuple(args.skip))


if __name__ == "__main__":
    main()
