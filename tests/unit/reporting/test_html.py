"""The audit report: one self-contained, well-formed HTML page per run folder, with every section, and honest about
the analyses a run did not do."""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
import sys
import tempfile
from html import escape
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import given, settings, strategies as st

from dti_bench import cli
from dti_bench.errors import DataError
from dti_bench.experiment import run
from dti_bench.reporting.html import (ROBUST_WIDTH, SECTIONS, VOLATILE_WIDTH, _format_column, render_report,
                              unit_verdicts, write_report)

REPO = Path(__file__).resolve().parents[3]
EXAMPLES = REPO / "configs" / "examples"
TITLES = ("Summary", "Framework and data", "Statistical coherence", "Uncertainty analysis", "Sensitivity analysis",
          "Weights versus importance", "Leave-one-out", "Which published moves are robust", "Conclusions", "Appendix")
#: Tags that must open and close in pairs (void elements such as img and meta are left out).
STRUCTURAL = {"html", "head", "body", "header", "nav", "main", "section", "div", "table", "caption", "thead", "tbody",
              "tr", "th", "td", "figure", "figcaption", "pre", "ul", "ol", "li", "p", "h1", "h2", "h3", "style",
              "title", "code", "strong", "sub", "span", "a"}


class Page(HTMLParser):
    """Checks nesting of the structural tags and collects attributes, tables and text."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.tags: set[str] = set()
        self.links: list[tuple[str, str, str]] = []  # (tag, attribute, value) for src and href
        self.tables: list[dict] = []  # {"caption": str, "rows": [[cell, ...]], "classes": [tr class]}
        self._cell: list[str] | None = None
        self._caption: list[str] | None = None
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        for name, value in attrs:
            if name in ("src", "href"):
                self.links.append((tag, name, value or ""))
        if tag in STRUCTURAL:
            self.stack.append(tag)
        if tag == "table":
            self.tables.append({"caption": "", "rows": [], "classes": []})
        elif tag == "caption":
            self._caption = []
        elif tag == "tr" and self.stack.count("tbody"):
            self.tables[-1]["rows"].append([])
            self.tables[-1]["classes"].append(dict(attrs).get("class") or "")
        elif tag == "td" and self.stack.count("tbody"):
            self._cell = []

    def handle_endtag(self, tag):
        if tag not in STRUCTURAL:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes <{self.stack[-1] if self.stack else None}>")
            return
        self.stack.pop()
        if tag == "caption":
            self.tables[-1]["caption"] = "".join(self._caption or [])
            self._caption = None
        elif tag == "td" and self._cell is not None:
            self.tables[-1]["rows"][-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)
        if self._caption is not None:
            self._caption.append(data)

    def table(self, caption_start: str) -> dict:
        found = [t for t in self.tables if t["caption"].startswith(caption_start)]
        assert len(found) == 1, [t["caption"] for t in self.tables]
        return found[0]


@pytest.fixture(scope="module")
def full_run(tmp_path_factory) -> Path:
    return run(REPO / "configs" / "coinr-example.yaml", out=tmp_path_factory.mktemp("r"), quiet=True)


@pytest.fixture(scope="module")
def full_report(full_run) -> tuple[Path, str, Page]:
    path = write_report(full_run)
    text = path.read_text(encoding="utf-8")
    return path, text, Page(text)


@pytest.fixture(scope="module")
def bare_run(tmp_path_factory) -> Path:
    """Nominal outputs only: a config with no analyses."""
    base = tmp_path_factory.mktemp("bare")
    config = base / "bare.yaml"
    config.write_text(yaml.safe_dump({"name": "bare", "data": {"indicators": str(EXAMPLES / "example_iData.csv"),
                                                                "framework": str(EXAMPLES / "example_iMeta.csv")}}),
                      encoding="utf-8")
    return run(config, out=base / "exp", quiet=True)


def fake_run(folder: Path, units: list[str], q05: list[int], q95: list[int]) -> Path:
    """A hand-made run folder holding only a manifest, nominal ranks and an uncertainty table."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "manifest.json").write_text(json.dumps({"units": len(units), "synthetic": False, "outputs": {
        "uncertainty": {"node": "Index", "samples": 100, "failed": 0, "mean_abs_rank_shift": 1.5}}}))
    nominal = list(range(1, len(units) + 1))
    pd.DataFrame({"unit": units, "Index": nominal}).to_csv(folder / "ranks.csv", index=False)
    pd.DataFrame({"unit": units, "nominal_rank": nominal, "median_rank": nominal, "mean_rank": nominal,
                  "q05_rank": q05, "q95_rank": q95, "mean_abs_shift": 0.5}).to_csv(folder / "uncertainty.csv",
                                                                                       index=False)
    return folder


# -- the full run -------------------------------------------------------------------------------------------------

@pytest.mark.slow
def test_report_is_written_beside_the_run_and_well_formed(full_run, full_report):
    path, text, page = full_report
    assert path == full_run / "report.html" and path.stat().st_size > 10_000
    assert text.startswith("<!DOCTYPE html>")
    assert page.errors == [] and page.stack == []
    assert {"html", "head", "body", "main", "section", "table", "figure", "pre"} <= page.tags


@pytest.mark.slow
def test_every_section_title_in_order(full_report):
    _, text, _ = full_report
    assert tuple(SECTIONS.values()) == TITLES
    positions = [text.index(f"<h2>{i}. {title}</h2>") for i, title in enumerate(TITLES, start=1)]
    assert positions == sorted(positions)


@pytest.mark.slow
def test_self_contained_no_external_requests(full_report):
    _, text, page = full_report
    images = [v for tag, attr, v in page.links if tag == "img"]
    assert images and all(v.startswith("data:image/png;base64,") for v in images)
    assert base64.b64decode(images[0].split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"
    assert not [v for _, _, v in page.links if v.lower().startswith(("http:", "https:", "//", "file:"))]
    assert all(v.startswith(("#", "data:")) for _, _, v in page.links)
    assert "script" not in page.tags and "link" not in page.tags and "iframe" not in page.tags
    # every figure the run drew is in the report
    drawn = json.loads((full_report[0].parent / "manifest.json").read_text())["outputs"]["figures"]
    # the default (output.figures: headline): five analyses' figures and the grid's two for the headline only
    assert len(images) == len(drawn) == 7
    assert "figures/grid_heatmap-Index.png" in text and "grid_heatmap-Econ" not in text


def test_a_run_without_figures_still_gets_its_whole_report(full_run, tmp_path):
    import shutil

    folder = Path(shutil.copytree(full_run, tmp_path / "no-figures"))
    shutil.rmtree(folder / "figures")  # what output.figures: none leaves (the folder holds no figure)
    full = Page(render_report(full_run))
    text = render_report(folder)
    page = Page(text)
    assert not page.errors
    assert not [v for tag, _, v in page.links if tag == "img"] and "<figure>" not in text
    for title in TITLES:
        assert title in text
    # every table of the report with figures is there without them
    assert [t["caption"] for t in page.tables] == [t["caption"] for t in full.tables]


@pytest.mark.slow
def test_conclusions_table_one_row_per_unit_with_documented_verdicts(full_run, full_report):
    _, text, page = full_report
    units = pd.read_csv(full_run / "uncertainty.csv", keep_default_na=False)
    table = page.table("Conclusions: every unit")
    assert sorted(row[0] for row in table["rows"]) == sorted(units["unit"])
    # columns: unit, name, nominal rank, interval, width, verdict; in nominal-rank order
    assert [int(row[2]) for row in table["rows"]] == sorted(units["nominal_rank"])
    by_unit = units.set_index("unit")
    for row, cls in zip(table["rows"], table["classes"]):
        lo, hi = by_unit.loc[row[0], ["q05_rank", "q95_rank"]]
        assert row[3] == f"{lo}–{hi}" and int(row[4]) == hi - lo
        expected = "robust" if hi - lo <= ROBUST_WIDTH else "volatile" if hi - lo > VOLATILE_WIDTH else "moderate"
        assert row[5] == expected and cls == (expected if expected != "moderate" else "")
    assert f"at most {ROBUST_WIDTH} places" in text and f"more than {VOLATILE_WIDTH} places" in text


@pytest.mark.slow
def test_sections_carry_the_run_numbers(full_run, full_report):
    _, text, page = full_report
    manifest = json.loads((full_run / "manifest.json").read_text())
    sens = manifest["outputs"]["sensitivity"]
    # the Sobol' summary: one row per factor, S1 printed to 3 decimals with its interval S1 ± S1_conf
    sobol = page.table("Sobol' indices of the mean absolute rank shift")
    rows = pd.read_csv(full_run / "sensitivity.csv").query("output == 'mean_abs_shift'")
    assert [r[0] for r in sobol["rows"]] == list(rows["factor"]) == sens["factors"]
    first = rows.iloc[0]
    assert sobol["rows"][0][1] == f"{first['S1']:.3f}"
    assert sobol["rows"][0][2] == f"[{first['S1'] - first['S1_conf']:.3f}, {first['S1'] + first['S1_conf']:.3f}]"
    history = page.table("Convergence history")
    assert [int(r[0]) for r in history["rows"]] == [h["N"] for h in sens["history"]]
    # R̄s from the manifest, the coherence table, leave-one-out sorted by mean shift, the verbatim appendix
    assert f"R̄s = {manifest['outputs']['uncertainty']['mean_abs_rank_shift']:.3f} places" in text
    assert len(page.table("Coherence of each composite")["rows"]) == 3
    loo = [float(r[3]) for r in page.table("Rank shifts when one element is left out")["rows"]]
    assert loo == sorted(loo, reverse=True) and len(loo) == 8
    assert escape((full_run / "manifest.json").read_text()) in text
    assert escape((full_run / "config.yaml").read_text()) in text
    assert "SYNTHETIC DATA" not in text  # the example data are made up but not flagged synthetic
    # the framework is found again from the config: headline first, then top-down, declared weights
    structure = page.table("Framework structure: example_iMeta")
    assert [r[0] for r in structure["rows"]] == ["Index", "Econ", "Social"]
    assert structure["rows"][1][2] == "GDPpc (1), Exports (2), Unemp (1)"


# -- partial runs -------------------------------------------------------------------------------------------------

def test_nominal_only_run_says_what_was_not_run(bare_run):
    text = write_report(bare_run, out=bare_run.parent / "elsewhere" / "r.html").read_text(encoding="utf-8")
    page = Page(text)
    assert page.errors == [] and page.stack == []
    for title in TITLES:
        assert f". {title}</h2>" in text
    for what in ("statistical coherence", "grid of methodological alternatives", "Monte Carlo uncertainty analysis",
                 "sensitivity analysis", "weights versus importance", "leave-one-out"):
        assert f"Not run: {what} — this run's config has no" in text
    assert "img" not in page.tags
    # conclusions still list every unit, with their nominal ranks and no verdict
    table = page.table("Conclusions: every unit")
    assert len(table["rows"]) == 8 and {r[-1] for r in table["rows"]} == {"not assessed"}
    # units.csv names the units even when no analysis table does
    assert [int(r[2]) for r in table["rows"]] == list(range(1, 9))


def test_synthetic_banner(bare_run, tmp_path):
    copy = shutil.copytree(bare_run, tmp_path / "run")
    manifest = json.loads((copy / "manifest.json").read_text())
    (copy / "manifest.json").write_text(json.dumps({**manifest, "synthetic": True}))
    text = render_report(copy)
    assert '<div class="banner">SYNTHETIC DATA' in text and "[SYNTHETIC DATA]</title>" in text
    assert "SYNTHETIC" not in render_report(bare_run)


def test_verdict_thresholds_pinned_on_a_hand_made_table(tmp_path):
    # widths q95 - q05: 0, 3, 4, 10, 11, NA  ->  robust (<= 3), robust, moderate, moderate, volatile (> 10), none
    folder = fake_run(tmp_path / "run", ["A", "B", "C", "D", "E", "F"], [1, 1, 2, 1, 1, 1], [1, 4, 6, 11, 12, 1])
    table = pd.read_csv(folder / "uncertainty.csv")
    table.loc[5, ["q05_rank", "q95_rank"]] = np.nan  # a unit never ranked
    table.to_csv(folder / "uncertainty.csv", index=False)
    verdicts, source = unit_verdicts(folder)
    assert list(verdicts["width"].iloc[:5]) == [0, 3, 4, 10, 11]
    assert list(verdicts["verdict"]) == ["robust", "robust", "moderate", "moderate", "volatile", "not ranked"]
    assert "5–95 % interval" in source and "100 Monte Carlo samples" in source


def test_grid_range_stands_in_for_missing_uncertainty(tmp_path):
    folder = fake_run(tmp_path / "run", ["A", "B", "C"], [1, 2, 3], [1, 2, 3])
    (folder / "uncertainty.csv").unlink()
    # A is 1st or 2nd over the variants, B 2nd or 1st, C 3rd throughout: ranges 1-2, 1-2, 3-3
    pd.DataFrame({"unit": ["A", "B", "C"] * 2, "variant": ["v1"] * 3 + ["v2"] * 3, "node": "Index",
                  "score": 0.0, "rank": [1, 2, 3, 2, 1, 3]}).to_csv(folder / "grid.csv", index=False)
    verdicts, source = unit_verdicts(folder)
    assert list(verdicts["q05_rank"]) == [1, 1, 3] and list(verdicts["q95_rank"]) == [2, 2, 3]
    assert "over the 2 grid variants" in source and "no Monte Carlo uncertainty analysis" in source
    assert "range (min–max) of the ranks" in render_report(folder)


def test_headline_without_a_framework_is_the_analysed_node(tmp_path):
    # the DTI's composites: the headline comes first in ranks.csv, the pillars after it; with no framework to load,
    # the node the uncertainty analysis ran on (the headline by default) names it, not the last column
    folder = fake_run(tmp_path / "run", ["A", "B"], [1, 2], [1, 2])
    pd.DataFrame({"unit": ["A", "B"], "Index": [1, 2], "pillar_1": [2, 1], "pillar_2": [1, 2]}).to_csv(
        folder / "ranks.csv", index=False)
    text = render_report(folder)
    assert "headline <strong>Index</strong>" in text and "Nominal first place on Index: A." in text


def tiny_png(path: Path, width: int) -> None:
    from PIL import Image

    Image.new("RGB", (width, 20), (200, 30, 30)).save(path)


def test_screening_and_weight_maps_from_hand_made_tables(tmp_path):
    folder = fake_run(tmp_path / "run", ["A", "B"], [1, 1], [2, 2])
    pd.DataFrame({"output": ["A", "A", "B", "B", "mean_abs_shift", "mean_abs_shift"],
                  "factor": ["agg", "w"] * 3, "mu_star": [0.0, 0.5, 1.0, 0.25, 0.5, 0.125],
                  "mu_star_conf": 0.1, "mu": 0.0, "sigma": 0.2, "method": "morris", "node": "Index"}).to_csv(
        folder / "screening.csv", index=False)
    pd.DataFrame({"w1": [1.0], "w2": [0.0], "w3": [0.0], "rank": [1]}).to_csv(folder / "weight_map-A.csv",
                                                                             index=False)
    (folder / "figures").mkdir()
    tiny_png(folder / "figures" / "ternary_rank_map-A.png", 700)
    page = Page(render_report(folder))
    summary = page.table("Screening of the mean absolute rank shift")
    assert summary["rows"] == [["agg", "0.500", "0.100", "0.000", "0.200"], ["w", "0.125", "0.100", "0.000", "0.200"]]
    per_unit = page.table("μ* of each unit's rank")
    assert per_unit["rows"] == [["A", "0.000", "0.500"], ["B", "1.000", "0.250"]]
    images = [v for tag, _, v in page.links if tag == "img"]
    assert len(images) == 1  # the weight map, in section 6
    assert "Not run: weight maps" not in render_report(folder)


def test_a_morris_screening_shows_what_its_design_covered(tmp_path):
    folder = fake_run(tmp_path / "run", ["A", "B"], [1, 1], [2, 2])
    manifest = json.loads((folder / "manifest.json").read_text())
    line = "Morris: factor 'agg' evaluated 2 of 3 alternatives and compared 1 of 2 pairs"
    manifest["outputs"]["sensitivity"] = {"method": "morris", "node": "Index", "runs": 12, "warnings": [line]}
    (folder / "manifest.json").write_text(json.dumps(manifest))
    pd.DataFrame({"output": ["A", "A", "mean_abs_shift", "mean_abs_shift"], "factor": ["agg", "w"] * 2,
                  "mu_star": 0.5, "mu_star_conf": 0.1, "mu": 0.0, "sigma": 0.2, "method": "morris",
                  "node": "Index"}).to_csv(folder / "screening.csv", index=False)
    pd.DataFrame({"factor": ["agg", "w"], "design": ["categorical", "grid"],
                  "compares": ["adjacent alternatives", "grid levels l and l + 2"], "alternatives": [3, 4],
                  "evaluated": [2, 4], "pairs": [2, 2], "compared": [1, 2], "min_comparisons": [0, 1],
                  "max_comparisons": [3, 5]}).to_csv(folder / "screening_design.csv", index=False)
    text = render_report(folder)
    design = Page(text).table("What the Morris design covered")
    assert design["rows"] == [["agg", "categorical", "adjacent alternatives", "3", "2", "2", "1", "0", "3"],
                              ["w", "grid", "grid levels l and l + 2", "4", "4", "2", "2", "1", "5"]]
    assert "mean absolute change of the output between compared alternatives" in text
    assert escape(line) in text


def test_importance_says_which_parents_are_judged_against_themselves(tmp_path):
    # the DTI's shape: the headline's children against the headline, a pillar's against the pillar
    folder = fake_run(tmp_path / "run", ["A", "B"], [1, 2], [1, 2])
    pd.DataFrame({"target": ["Index", "Index", "P", "P"], "requested_target": "Index",
                  "parent": ["Index", "Index", "P", "P"], "child": ["a", "b", "a", "b"], "level": 1,
                  "weight_share": [0.5, 0.5, 0.7, 0.3], "importance_share": [0.4, 0.6, 0.5, 0.5],
                  "ratio": [0.8, 1.2, 5 / 7, 5 / 3]}).to_csv(folder / "importance.csv", index=False)
    note = "P does not feed 'Index': its children's importance is against the parent itself"
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["outputs"]["importance"] = {"rows": 4, "target_note": note}
    (folder / "manifest.json").write_text(json.dumps(manifest))
    text = render_report(folder)
    assert f"whose score its children's weights can move): {escape(note)}." in text
    table = Page(text).table("Weights versus importance (importance.csv")
    assert [r[:3] for r in table["rows"]] == [["Index", "Index", "a"], ["Index", "Index", "b"], ["P", "P", "a"],
                                              ["P", "P", "b"]]
    del manifest["outputs"]["importance"]["target_note"]
    (folder / "manifest.json").write_text(json.dumps(manifest))
    assert "whose score its children's weights can move" not in render_report(folder)


def test_not_a_run_folder_is_a_user_error(tmp_path):
    with pytest.raises(DataError, match="no such folder"):
        write_report(tmp_path / "missing")
    with pytest.raises(DataError, match=r"not a run folder \(no manifest.json\)"):
        write_report(tmp_path)
    (tmp_path / "manifest.json").write_text("{not json")
    with pytest.raises(DataError, match="manifest.json: invalid JSON"):
        write_report(tmp_path)


# -- formatting and escaping ---------------------------------------------------------------------------------------

def test_number_formatting_pinned():
    # whole numbers print as integers, missing as an en dash; a column of decimals shares one precision:
    # 3 decimals below 10, 2 below 1000, 1 above (with thousands separators)
    assert _format_column(pd.Series([1.0, 2.0, np.nan])) == (["1", "2", "–"], True)
    assert _format_column(pd.Series([0.1234, 9.5])) == (["0.123", "9.500"], True)
    assert _format_column(pd.Series([0.1234, 12.5])) == (["0.12", "12.50"], True)
    assert _format_column(pd.Series([1234.56, 0.5])) == (["1,234.6", "0.5"], True)
    assert _format_column(pd.Series([-0.0001, 1.0]))[0] == ["0.000", "1.000"]  # no negative zero
    assert _format_column(pd.Series([1.0, 0.0]), decimals=True)[0] == ["1.000", "0.000"]
    assert _format_column(pd.Series([0.80004, 0.7]), digits=4)[0] == ["0.8000", "0.7000"]
    # intervals align like numbers; text does not
    intervals = pd.Series(["4–5", "[0.1, 0.2]", None], dtype=object)
    assert _format_column(intervals) == (["4–5", "[0.1, 0.2]", "–"], True)
    assert _format_column(pd.Series([True, False])) == (["yes", "no"], False)
    # plain text: the template escapes it (test_strings_from_files_are_escaped checks the page)
    assert _format_column(pd.Series(["a<b", None], dtype=object)) == (["a<b", "–"], False)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=1, max_size=8))
def test_a_numeric_column_shares_one_precision(values):
    cells, numeric = _format_column(pd.Series(values, dtype=float))
    assert numeric and len(cells) == len(values)
    decimals = {len(c.split(".")[1]) if "." in c else 0 for c in cells}
    assert len(decimals) == 1
    digits = decimals.pop()
    for cell, value in zip(cells, values):
        assert abs(float(cell.replace(",", "")) - value) <= 0.5 * 10.0 ** -digits + 1e-9 * abs(value)


codes = st.text(st.characters(blacklist_categories=("Cs", "Cc", "Zs", "Zl", "Zp")), min_size=1, max_size=8)


@settings(max_examples=25, deadline=None)
@given(st.lists(codes, min_size=2, max_size=6, unique=True), st.data())
def test_strings_from_files_are_escaped(units, data):
    # unit codes are arbitrary text ('<script>', '&', quotes): they reach the page escaped, never as markup
    units = [f"u{u}" for u in units]
    q05 = data.draw(st.lists(st.integers(1, 6), min_size=len(units), max_size=len(units)))
    widths = data.draw(st.lists(st.integers(0, 15), min_size=len(units), max_size=len(units)))
    with tempfile.TemporaryDirectory() as tmp:
        folder = fake_run(Path(tmp) / "run", units, q05, [a + w for a, w in zip(q05, widths)])
        text = render_report(folder)
    page = Page(text)
    assert page.errors == [] and page.stack == []
    assert page.tags <= STRUCTURAL | {"meta", "img", "br"}
    table = page.table("Conclusions: every unit")
    assert sorted(r[0] for r in table["rows"]) == sorted(units)
    for unit in units:
        assert escape(unit) in text
    for row in table["rows"]:
        width = int(row[3])
        assert row[4] == ("robust" if width <= ROBUST_WIDTH else "volatile" if width > VOLATILE_WIDTH
                          else "moderate")


def test_hostile_strings_from_the_manifest_and_config_are_escaped(tmp_path):
    # not only unit codes: every text the report takes from a file (config name and values, manifest entries,
    # failure reasons, unit names) reaches the page escaped
    folder = fake_run(tmp_path / "run", ["A", "B"], [1, 1], [2, 2])
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest.update(dataset="<i>data</i>", framework='fw"<x>', excluded_units=["<e>"], git_commit="<c>")
    manifest["outputs"]["uncertainty"].update(factors=["<f1>", "f&2"],
                                              failure_reasons=[{"reason": "<script>boom()</script>", "count": 2}])
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2))
    (folder / "config.yaml").write_text(yaml.safe_dump({"name": "<script>x</script>", "description": "a & b <c>",
                                                        "methodology": {"weights": "<w>"}}))
    pd.DataFrame({"unit": ["A", "B"], "name": ["<b>Alpha</b>", "Beta's"]}).to_csv(folder / "units.csv", index=False)
    text = render_report(folder)
    page = Page(text)
    assert page.errors == [] and page.stack == []
    assert page.tags <= STRUCTURAL | {"meta", "img", "br"} and "<script" not in text
    for value in ("<i>data</i>", 'fw"<x>', "<e>", "<c>", "<f1>, f&2", "<script>boom()</script> (2)",
                  "<script>x</script>", "a & b <c>", "<w>", "<b>Alpha</b>", "Beta's"):
        assert escape(value) in text, value
    assert "<title>Statistical audit: &lt;script&gt;x&lt;/script&gt;</title>" in text


# -- templates and writing ---------------------------------------------------------------------------------------

def test_the_template_environment_autoescapes_and_is_strict():
    import jinja2

    from dti_bench.reporting import html

    env = html._environment()
    assert env.from_string("{{ x }}").render(x="<b>") == "&lt;b&gt;"
    # quotes are spelt as html.escape spells them (the tests above compare with it), markup passes unchanged
    assert env.from_string("{{ x }}").render(x="'\"&") == "&#x27;&quot;&amp;"
    from markupsafe import Markup

    assert env.from_string("{{ x }}").render(x=Markup("<sub>T</sub>")) == "<sub>T</sub>"
    # the package's own templates escape too (their names end in .j2, not .html)
    warn = env.get_template("tables.html.j2").module.warn
    box = str(warn("<h>", ["<b>bold</b>"]))
    assert "&lt;b&gt;bold&lt;/b&gt;" in box and "&lt;h&gt;" in box and "<b>" not in box
    # a misspelt variable is an error, not an empty string
    with pytest.raises(jinja2.UndefinedError):
        env.from_string("{{ missing }}").render()


def test_a_failing_write_leaves_the_earlier_report_intact(bare_run, tmp_path, monkeypatch):
    copy = shutil.copytree(bare_run, tmp_path / "run")
    earlier = copy / "report.html"
    earlier.write_text("<p>the earlier report</p>", encoding="utf-8")

    def refuse(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("os.replace", refuse)
    with pytest.raises(DataError, match="cannot write the report"):
        write_report(copy)
    monkeypatch.undo()
    assert earlier.read_text(encoding="utf-8") == "<p>the earlier report</p>"
    assert sorted(p.name for p in copy.iterdir() if p.name.startswith(".")) == []  # no temporary file left
    # and a write that succeeds replaces it
    assert write_report(copy).read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_a_write_cut_short_by_the_file_system_leaves_the_earlier_report_intact(bare_run, tmp_path):
    # a real failing write: a file-size limit of 4 kB (the report is larger) makes the write itself fail (EFBIG);
    # written in place, the earlier report would be left truncated
    resource = pytest.importorskip("resource")
    signal = pytest.importorskip("signal")
    if not hasattr(signal, "SIGXFSZ"):
        pytest.skip("no SIGXFSZ on this platform")
    copy = shutil.copytree(bare_run, tmp_path / "run")
    earlier = copy / "report.html"
    earlier.write_text("<p>the earlier report</p>", encoding="utf-8")

    def limit():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # fail the write with EFBIG instead of killing the process
        resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))

    proc = subprocess.run([sys.executable, "-m", "dti_bench", "report", str(copy)], capture_output=True, text=True,
                          cwd=REPO, timeout=120, preexec_fn=limit)
    assert proc.returncode == 2 and "cannot write the report" in proc.stderr, proc.stderr
    assert earlier.read_text(encoding="utf-8") == "<p>the earlier report</p>"
    assert sorted(p.name for p in copy.iterdir() if p.name.startswith(".")) == []


def test_a_report_written_over_another_keeps_its_permissions(bare_run, tmp_path):
    if sys.platform == "win32":
        pytest.skip("POSIX permission bits")
    copy = shutil.copytree(bare_run, tmp_path / "run")
    earlier = copy / "report.html"
    earlier.write_text("old", encoding="utf-8")
    earlier.chmod(0o640)
    assert (write_report(copy).stat().st_mode & 0o777) == 0o640


# -- command line and browser ---------------------------------------------------------------------------------------

# the command in this process (cli.main), as fast as a function call; the write-failure test above and
# tests/acceptance/test_cli.py's console-script smoke test are the ones that need a process of their own

@pytest.mark.slow
def test_cli_report(full_run, capsys):
    (full_run / "report.html").unlink(missing_ok=True)
    code = cli.main(["report", str(full_run)])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert (full_run / "report.html").is_file() and str(full_run / "report.html") in out


def test_cli_report_errors_are_one_line_exit_2(tmp_path, capsys):
    for folder, needle in ((tmp_path, "not a run folder (no manifest.json)"), (tmp_path / "nope", "no such folder")):
        code = cli.main(["report", str(folder)])
        err = capsys.readouterr().err
        assert code == 2 and needle in err
        assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


@pytest.mark.slow
def test_report_renders_in_headless_chromium(full_report, tmp_path):
    browser = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if browser is None:
        pytest.skip("no chromium, chromium-browser or google-chrome binary on PATH")
    from PIL import Image

    shot = tmp_path / "shot.png"
    profile = tmp_path / "profile"
    profile.mkdir()
    proc = subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                           "--disable-background-networking", "--disable-component-update", "--disable-sync",
                           f"--user-data-dir={profile}", f"--screenshot={shot}", "--window-size=1200,2000",
                           full_report[0].resolve().as_uri()], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert shot.is_file()
    with Image.open(shot) as image:
        extrema = image.convert("RGB").getextrema()
    assert any(lo != hi for lo, hi in extrema), "the screenshot is a single colour"


def test_top_k_statement_and_robust_pairs_from_a_hand_made_run(tmp_path):
    folder = fake_run(tmp_path / "run", ["A", "B", "C", "D"], [1, 1, 2, 3], [2, 4, 4, 4])
    table = pd.read_csv(folder / "uncertainty.csv")
    table["p_top2"], table["p_within1"] = [1.0, 0.8, 0.3, 0.0], [1.0, 0.95, 0.9, 1.0]
    table.to_csv(folder / "uncertainty.csv", index=False)
    statement = ("1 of the nominal top 2 stays in the top 2 in at least 90 % of samples; 2 stay within ±1 places of "
                 "their nominal rank")
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["outputs"]["uncertainty"]["top_k_robustness"] = {
        "k": 2, "within": 1, "share": 0.9, "nominal_top_k": 2, "stay_top_k": 1, "stay_within": 2,
        "leaving_top_k": ["B"], "median_retained": 1.0, "statement": statement}
    manifest["outputs"]["stability"] = {"robust_pair_share": {"node": "Index", "weights": "simplex",
                                                              "dominance": "weak", "share": 0.5, "robust": 3,
                                                              "pairs": 6}}
    (folder / "manifest.json").write_text(json.dumps(manifest))
    text = render_report(folder)
    page = Page(text)
    assert page.errors == []
    assert f"Top-k robustness (the JRC audit statement): {statement}." in text
    assert f"<li>Top-k robustness: {statement} (section 4).</li>" in text
    top = page.table("The nominal top 2")
    assert top["rows"] == [["A", "1", "1.000", "1.000"], ["B", "2", "0.800", "0.950"]]
    assert top["classes"] == ["", "flagged"]
    assert "P(within ±1)" in text
    assert ("50.0 % of unit pairs (3 of 6) keep their order on Index over the whole weight simplex, under weak "
            "dominance: one unit of the pair is never behind the other") in text
    # a run folder from before the option: strict dominance, no counts, and no statement while k covers every unit
    manifest["outputs"]["stability"]["robust_pair_share"] = {"node": "Index", "weights": "nominal ±25%", "share": 0.5}
    manifest["outputs"]["uncertainty"]["top_k_robustness"]["k"] = 4
    (folder / "manifest.json").write_text(json.dumps(manifest))
    text = render_report(folder)
    assert ("50.0 % of unit pairs keep their order on Index over the weights within nominal ±25%, under strict "
            "dominance: one unit of the pair is ahead of the other under every one") in text
    assert "Top-k robustness" not in text
