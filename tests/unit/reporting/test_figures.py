"""Figures draw exactly the tables they return, in the paper style; weight maps are right at the vertices.

The tables come from one real run of ``configs/coinr-example.yaml`` (8 made-up units, 3 composites), plus
small hand-built ones where a run folder has no such table; the DTI 2022 weight map uses the five published
2022 profiles (S01).
"""

from __future__ import annotations

import io
import json
import shutil
import sys
from pathlib import Path

import matplotlib.colors as mcolors
import matplotlib.image as mimage
import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import given, settings, strategies as st
from matplotlib.container import BarContainer
from matplotlib.image import AxesImage

from dti_bench import experiment
from dti_bench.reporting import figures as plotting, run_figures
from dti_bench.model.methodology import parse_methodology
from dti_bench.errors import ConfigError, FrameworkError
from dti_bench.index import compute_index
from dti_bench.analyses.weight_map import barycentric_grid, simplex_rank_map

REPO = Path(__file__).resolve().parents[3]
PILLARS = ("digital_government", "digital_economy", "digital_society")


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    # samples=64 keeps the run to a few seconds; the figures do not care how precise the estimates are
    return experiment.run(REPO / "configs" / "coinr-example.yaml", out=tmp_path_factory.mktemp("plotrun"),
                          samples=64, quiet=True)


@pytest.fixture(scope="module")
def tables(run_dir):
    return {name: pd.read_csv(run_dir / f"{name}.csv")
            for name in ("uncertainty", "sensitivity", "grid", "ranks")}


def _markers(ax):
    """Lines drawn as markers only (no connecting line)."""
    return [line for line in ax.get_lines() if line.get_linestyle() in ("None", "none", "")]


def _assert_paper_style(fig):
    width = fig.get_size_inches()[0]
    assert width in (plotting.ONE_COLUMN, plotting.TWO_COLUMN)
    for ax in fig.axes:
        for text in [ax.xaxis.label, ax.yaxis.label, *ax.get_xticklabels(), *ax.get_yticklabels()]:
            if text.get_text():
                assert 5.5 <= text.get_fontsize() <= 10
    assert not fig._suptitle  # captions carry titles


# -- 1. rank intervals ---------------------------------------------------------------------------------------

def test_rank_intervals_draws_one_bar_and_two_markers_per_unit(tables):
    unc = tables["uncertainty"]
    fig, table = plotting.draw_rank_intervals(unc)
    n = len(unc)
    assert list(table["nominal_rank"]) == sorted(unc["nominal_rank"])  # best first
    ax = fig.axes[0]
    assert len(ax.patches) == n
    nominal, median = _markers(ax)
    assert len(nominal.get_xdata()) == len(median.get_xdata()) == n
    assert nominal.get_marker() != median.get_marker()  # told apart in greyscale too
    np.testing.assert_array_equal(median.get_ydata(), table["median_rank"])
    # 8 units -> vertical layout: rank 1 at the top, units left to right by nominal rank, labelled by name
    assert ax.get_ylim()[0] > ax.get_ylim()[1]
    assert [t.get_text() for t in ax.get_xticklabels()] == list(table["name"])
    # each rank is a cell of width 1: the band of a unit covers q05 - 1/2 .. q95 + 1/2
    for bar, (_, row) in zip(ax.patches, table.iterrows()):
        assert bar.get_y() == pytest.approx(row["q05_rank"] - 0.5)
        assert bar.get_height() == pytest.approx(row["q95_rank"] - row["q05_rank"] + 1.0)
    _assert_paper_style(fig)


def test_rank_intervals_horizontal_layout_puts_the_best_at_the_top(tables):
    fig, table = plotting.draw_rank_intervals(tables["uncertainty"], horizontal=True)
    ax = fig.axes[0]
    bottom, top = ax.get_ylim()
    assert bottom > top  # unit 0 (best nominal rank) at the top
    left, right = ax.get_xlim()
    assert left < right and 1 in list(ax.get_xticks())  # rank 1 at the left, and labelled
    assert [t.get_text() for t in ax.get_yticklabels()] == list(table["name"])


@settings(max_examples=8, deadline=None)
@given(st.lists(st.integers(1, 40), min_size=1, max_size=40))
def test_rank_intervals_orders_any_table_by_nominal_rank(nominal):
    n = len(nominal)
    unc = pd.DataFrame({"unit": [f"u{i}" for i in range(n)], "nominal_rank": nominal, "median_rank": nominal,
                        "q05_rank": nominal, "q95_rank": [r + 1 for r in nominal]})
    fig, table = plotting.draw_rank_intervals(unc)
    assert list(table["nominal_rank"]) == sorted(nominal)
    assert sorted(table["unit"]) == sorted(unc["unit"])
    assert len(fig.axes[0].patches) == n


# -- 2. and 3. Sobol' ----------------------------------------------------------------------------------------

def test_sobol_bars_pairs_s1_and_st_with_error_bars_and_distinct_hatches(tables):
    sens = tables["sensitivity"]
    fig, table = plotting.draw_sobol_bars(sens)
    expected = sens[sens["output"] == "mean_abs_shift"][["factor", "S1", "S1_conf", "ST", "ST_conf"]]
    pd.testing.assert_frame_equal(table, expected.reset_index(drop=True))
    ax = fig.axes[0]
    s1, st_ = [c for c in ax.containers if isinstance(c, BarContainer)]
    assert len(s1) == len(st_) == len(table) == 3
    np.testing.assert_allclose([b.get_height() for b in s1], table["S1"])
    np.testing.assert_allclose([b.get_height() for b in st_], table["ST"])
    # greyscale: the two series differ in hatch, not only in colour
    assert {b.get_hatch() or "" for b in s1} != {b.get_hatch() or "" for b in st_}
    assert s1[0].get_facecolor() != st_[0].get_facecolor()
    assert s1.errorbar is not None and st_.errorbar is not None
    _assert_paper_style(fig)


def test_sobol_bars_of_a_unit_and_unknown_outputs(tables):
    sens = tables["sensitivity"]
    _, table = plotting.draw_sobol_bars(sens, output="BBB")  # its rank rows come first in the table
    expected = sens[(sens["output"] == "BBB") & (sens["quantity"] == "rank")]
    np.testing.assert_allclose(table["ST"], expected["ST"])
    _, table = plotting.draw_sobol_bars(sens, output="BBB", quantity="score")
    np.testing.assert_allclose(table["ST"], sens[(sens["output"] == "BBB") & (sens["quantity"] == "score")]["ST"])
    with pytest.raises(ValueError, match="no output 'ZZZ'"):
        plotting.draw_sobol_bars(tables["sensitivity"], output="ZZZ")


def test_sobol_heatmap_image_is_the_table_in_nominal_order(tables):
    sens, ranks = tables["sensitivity"], tables["ranks"].set_index("unit")
    names = tables["uncertainty"].set_index("unit")["name"]
    fig, table = plotting.draw_sobol_heatmap(sens, nominal_ranks=ranks["Index"], names=names)
    assert list(table["unit"]) == list(ranks["Index"].sort_values(kind="stable").index)
    factors = ["normalisation", "aggregation", "weight noise"]
    assert list(table.columns) == ["unit", "name", *factors]
    image = next(a for a in fig.axes[0].get_children() if isinstance(a, AxesImage))
    np.testing.assert_allclose(np.asarray(image.get_array()), table[factors].to_numpy(float))
    rank_rows = sens[(sens["quantity"] == "rank") & (sens["output"] == "BBB")].set_index("factor")["ST"]
    np.testing.assert_allclose(table.set_index("unit").loc["BBB", factors].to_numpy(float), rank_rows[factors])


# -- 4. and 5. the grid --------------------------------------------------------------------------------------

def test_grid_heatmap_rows_by_nominal_rank_columns_in_grid_order(tables):
    grid, ranks = tables["grid"], tables["ranks"].set_index("unit")
    fig, table = plotting.draw_grid_heatmap(grid, "Econ", ranks["Econ"], relative=False)
    variants = list(pd.unique(grid["variant"]))
    assert list(table.columns) == ["unit", "nominal_rank", *variants]
    assert list(table["nominal_rank"]) == sorted(ranks["Econ"])
    econ = grid[grid["node"] == "Econ"].set_index(["unit", "variant"])["rank"]
    for _, row in table.iterrows():
        for v in variants:
            assert row[v] == econ[(row["unit"], v)]
    ax = fig.axes[0]
    image = next(a for a in ax.get_children() if isinstance(a, AxesImage))
    np.testing.assert_array_equal(np.asarray(image.get_array()), table[variants].to_numpy(float))
    assert image.get_cmap().name.startswith("cividis")
    assert len(ax.texts) == 8 * 4  # small: every cell annotated with its rank
    _assert_paper_style(fig)


def test_grid_heatmap_with_nominal_ranks_draws_signed_differences_on_a_diverging_map(tables):
    grid, ranks = tables["grid"], tables["ranks"].set_index("unit")
    fig, table = plotting.draw_grid_heatmap(grid, "Econ", ranks["Econ"])   # relative by default
    variants = list(pd.unique(grid["variant"]))
    econ = grid[grid["node"] == "Econ"].set_index(["unit", "variant"])["rank"]
    for _, row in table.iterrows():   # each cell = the variant's rank minus the nominal rank, by hand
        for v in variants:
            assert row[v] == econ[(row["unit"], v)] - ranks.loc[row["unit"], "Econ"]
    ax = fig.axes[0]
    image = next(a for a in ax.get_children() if isinstance(a, AxesImage))
    np.testing.assert_array_equal(np.asarray(image.get_array()), table[variants].to_numpy(float))
    assert image.get_cmap().name.startswith(plotting.DIVERGING)
    lo, hi = image.get_clim()
    assert lo == -hi and hi >= np.abs(table[variants].to_numpy(float)).max()    # symmetric: white at 0
    # only the non-zero differences are written, with their sign
    changed = table[variants].to_numpy(float)
    changed = changed[changed != 0]
    assert sorted(t.get_text() for t in ax.texts) == sorted(f"{d:+.0f}" for d in changed)
    with pytest.raises(ValueError, match="needs nominal_ranks"):
        plotting.draw_grid_heatmap(grid, "Econ", relative=True)
    _assert_paper_style(fig)


def test_grid_heatmap_unknown_node():
    grid = pd.DataFrame({"unit": ["a"], "variant": ["v"], "node": ["N"], "score": [1.0], "rank": [1]})
    with pytest.raises(ValueError, match="no rows for node 'X'"):
        plotting.draw_grid_heatmap(grid, "X")


def test_bump_chart_one_line_per_unit_chosen_units_highlighted(tables):
    grid, ranks = tables["grid"], tables["ranks"].set_index("unit")
    names = tables["uncertainty"].set_index("unit")["name"]
    fig, table = plotting.draw_bump_chart(grid, "Econ", ["CCC", "HHH"], nominal_ranks=ranks["Econ"], names=names)
    ax = fig.axes[0]
    lines = ax.get_lines()
    assert len(lines) == len(table) == 8
    highlighted = [line for line in lines if line.get_label() in ("Charlie", "Hotel")]
    assert len(highlighted) == 2 and all(line.get_marker() not in ("None", None, "") for line in highlighted)
    assert highlighted[0].get_linestyle() != highlighted[1].get_linestyle()  # greyscale-safe
    grey = mcolors.to_rgba(plotting.CONTEXT_GREY)
    assert sum(mcolors.to_rgba(line.get_color()) == grey for line in lines) == 6
    assert set(table.loc[table["highlighted"], "unit"]) == {"CCC", "HHH"}
    assert ax.get_ylim()[0] > ax.get_ylim()[1]  # rank 1 at the top
    # the default highlights the best and the worst nominal units, and evenly between
    _, default = plotting.draw_bump_chart(grid, "Econ", nominal_ranks=ranks["Econ"], highlight=3)
    chosen = list(default.loc[default["highlighted"], "unit"])
    assert chosen[0] == ranks["Econ"].idxmin() and chosen[-1] == ranks["Econ"].idxmax() and len(chosen) == 3
    with pytest.raises(ValueError, match="unknown unit 'ZZZ'"):
        plotting.draw_bump_chart(grid, "Econ", ["ZZZ"])


# -- 6. rank-shift histogram ---------------------------------------------------------------------------------

def test_rank_shift_histogram_counts_every_unit_or_sample(tables):
    unc = tables["uncertainty"]
    fig, table = plotting.draw_rank_shift_histogram(unc)
    assert list(table.columns) == ["unit", "name", "mean_abs_shift"]
    assert sum(p.get_height() for p in fig.axes[0].patches) == len(unc)
    samples = np.array([0.0, 0.25, 0.25, 0.5, 1.0, 2.0])
    fig, table = plotting.draw_rank_shift_histogram(samples)
    assert list(table["mean_abs_shift"]) == list(samples) and list(table["sample"]) == list(range(6))
    assert sum(p.get_height() for p in fig.axes[0].patches) == 6
    assert fig.axes[0].get_ylabel() == "Samples"
    # no spread at all (every unit fixed): one bin, no warning
    fig, _ = plotting.draw_rank_shift_histogram(np.zeros(5))
    assert [p.get_height() for p in fig.axes[0].patches] == [5]


# -- 7. weights versus importance ----------------------------------------------------------------------------

IMPORTANCE = pd.DataFrame({
    "target": ["Index"] * 5, "parent": ["Econ", "Econ", "Econ", "Index", "Index"],
    "child": ["GDPpc", "Exports", "Unemp", "Econ", "Social"],
    "nominal_weight": [1, 2, 1, 0.6, 0.4],
    "weight_share": [0.25, 0.5, 0.25, 0.6, 0.4],
    "importance_share": [0.35, 0.31, 0.34, 0.52, 0.48],
    "eta2_bspline": [0.97, 0.85, 0.93, 0.9, 0.8],
})


def test_weights_vs_importance_one_point_per_child_a_panel_per_parent():
    fig, table = plotting.draw_weights_vs_importance(IMPORTANCE)
    assert list(table.columns) == ["parent", "child", "weight_share", "importance_share"]
    panels = [ax for ax in fig.axes if ax.get_visible()]
    # Econ's children are judged against the headline: its title says so; the headline's own are against itself
    assert [ax.get_title(loc="left") for ax in panels] == ["Econ (η² on Index)", "Index"]
    for ax, parent, children in zip(panels, ("Econ", "Index"), (["GDPpc", "Exports", "Unemp"], ["Econ", "Social"])):
        points, = _markers(ax)
        block = table[table["parent"] == parent]
        np.testing.assert_allclose(points.get_xdata(), block["weight_share"])
        np.testing.assert_allclose(points.get_ydata(), block["importance_share"])
        diagonal = [line for line in ax.get_lines() if line.get_linestyle() == "--"]
        assert len(diagonal) == 1 and np.allclose(diagonal[0].get_xdata(), diagonal[0].get_ydata())  # the 1:1 line
        assert sorted(t.get_text() for t in ax.texts) == sorted(children)
    assert _markers(panels[0])[0].get_marker() != _markers(panels[1])[0].get_marker()


def test_weights_vs_importance_panels_against_their_own_parent_carry_the_bare_code():
    own = IMPORTANCE.assign(target=IMPORTANCE["parent"])
    fig, _ = plotting.draw_weights_vs_importance(own)
    assert [ax.get_title(loc="left") for ax in fig.axes if ax.get_visible()] == ["Econ", "Index"]
    fig, _ = plotting.draw_weights_vs_importance(IMPORTANCE.drop(columns="target"))  # a table without targets
    assert [ax.get_title(loc="left") for ax in fig.axes if ax.get_visible()] == ["Econ", "Index"]


def test_weights_vs_importance_from_a_run_folder(run_dir):
    importance = pd.read_csv(run_dir / "importance.csv") if (run_dir / "importance.csv").exists() else IMPORTANCE
    fig, table = plotting.draw_weights_vs_importance(importance)
    assert len(table) == importance.drop_duplicates(["parent", "child"]).shape[0]


# -- 8. weight maps and the ternary figure -------------------------------------------------------------------

@settings(max_examples=25, deadline=None)
@given(st.integers(1, 60))
def test_barycentric_grid_covers_the_simplex(r):
    grid = barycentric_grid(r)
    assert grid.shape == ((r + 1) * (r + 2) // 2, 3)
    assert np.allclose(grid.sum(axis=1), 1.0) and (grid >= 0).all()
    assert np.unique(np.round(grid * r).astype(int), axis=0).shape[0] == len(grid)  # no point twice
    for vertex in np.eye(3):
        assert (np.abs(grid - vertex).sum(axis=1) < 1e-12).any()


@pytest.fixture(scope="module")
def official():
    return parse_methodology({"normalise": "none"})


def test_simplex_map_vertices_are_the_pillars_alone(dti2022, profiles, official):
    # at the vertex (1, 0, 0) a unit's rank is its rank on digital_government alone, and so on
    nominal = compute_index(dti2022, profiles, official)
    for unit in profiles.units:
        table = simplex_rank_map(dti2022, profiles, official, PILLARS, unit, resolution=4)
        for k, pillar in enumerate(PILLARS):
            vertex = table[np.isclose(table[f"w{k + 1}"], 1.0)]
            assert len(vertex) == 1
            assert vertex["rank"].iloc[0] == nominal.ranks.loc[unit, pillar]
            assert vertex["score"].iloc[0] == pytest.approx(nominal.values.loc[unit, pillar])


def test_simplex_map_scores_are_the_weighted_pillar_means(dti2022, profiles, official):
    # arithmetic aggregation: y(w) = w1 CQS + w2 KTS + w3 XHS, e.g. Cần Thơ at (1/2, 1/4, 1/4)
    nominal = compute_index(dti2022, profiles, official).values.loc["can_tho", list(PILLARS)].to_numpy(float)
    table = simplex_rank_map(dti2022, profiles, official, PILLARS, "can_tho", resolution=4)
    np.testing.assert_allclose(table["score"], table[["w1", "w2", "w3"]].to_numpy() @ nominal)
    assert table.attrs["children"] == list(PILLARS) and table.attrs["unit_name"] == "Cần Thơ"
    assert table.attrs["nominal"] is None  # no composite of the DTI has exactly the three pillars as children
    assert len(simplex_rank_map(dti2022, profiles, official, PILLARS, "can_tho")) == 41 * 42 // 2


def test_simplex_map_in_place_with_nominal_weights(example_framework, example_data, tables):
    m = parse_methodology({"normalise": {"method": "minmax", "lo": 0, "hi": 100}})
    table = simplex_rank_map(example_framework, example_data, m, None, "BBB", resolution=4, node="Econ")
    assert table.attrs["nominal"] == pytest.approx([0.25, 0.5, 0.25])  # iMeta weights 1, 2, 1
    at_nominal = table[np.isclose(table["w1"], 0.25) & np.isclose(table["w2"], 0.5)]
    assert at_nominal["rank"].iloc[0] == tables["ranks"].set_index("unit").loc["BBB", "Econ"]  # 5 (ranks.csv)


def test_simplex_map_refuses_bad_requests(dti2022, profiles, official):
    with pytest.raises(FrameworkError, match="three distinct nodes"):
        simplex_rank_map(dti2022, profiles, official, PILLARS[:2], "can_tho")
    with pytest.raises(FrameworkError, match="unknown code"):
        simplex_rank_map(dti2022, profiles, official, ("digital_government", "digital_economy", "nope"), "can_tho")
    with pytest.raises(ConfigError, match="unknown unit"):
        simplex_rank_map(dti2022, profiles, official, PILLARS, "ha_noi")
    with pytest.raises(FrameworkError, match="not exactly"):
        simplex_rank_map(dti2022, profiles, official, PILLARS, "can_tho", node="DTI")
    with pytest.raises(ConfigError, match="data-driven"):
        simplex_rank_map(dti2022, profiles, parse_methodology({"normalise": "none", "weights": {"method": "pca"}}),
                         PILLARS, "can_tho")


def test_ternary_rank_map_draws_every_rank_band_and_the_nominal_star(example_framework, example_data):
    m = parse_methodology({"normalise": {"method": "minmax", "lo": 0, "hi": 100}})
    table = simplex_rank_map(example_framework, example_data, m, None, "BBB", resolution=12, node="Econ")
    fig, drawn = plotting.draw_ternary_rank_map(table)
    ax = fig.axes[0]
    # corners: w1 at (0, 0), w2 at (1, 0), w3 at the apex
    for k, corner in enumerate([(0, 0), (1, 0), (0.5, np.sqrt(3) / 2)]):
        row = drawn[np.isclose(drawn[f"w{k + 1}"], 1.0)]
        assert (row["x"].iloc[0], row["y"].iloc[0]) == pytest.approx(corner)
    filled = [c for c in ax.collections if hasattr(c, "levels") and c.filled]
    ranks = sorted(table["rank"].unique())
    assert np.allclose(filled[0].levels, np.arange(ranks[0] - 0.5, ranks[-1] + 1.0))  # one band per rank
    star = [line for line in ax.get_lines() if line.get_marker() == "*"]
    assert len(star) == 1
    assert star[0].get_xdata()[0] == pytest.approx(0.5 + 0.5 * 0.25)  # x = w2 + w3 / 2 at (1/4, 1/2, 1/4)
    assert "Bravo" in fig.axes[1].get_ylabel()  # the colour bar names the unit
    _assert_paper_style(fig)


# -- saving and run folders ----------------------------------------------------------------------------------

def test_save_figure_writes_png_pdf_and_the_table(tables, tmp_path):
    fig, table = plotting.draw_rank_intervals(tables["uncertainty"])
    paths = run_figures.save_figure(fig, table, tmp_path / "figs", "rank_intervals", pdf=True)
    assert [p.name for p in paths] == ["rank_intervals.png", "rank_intervals.pdf", "rank_intervals.csv"]
    pd.testing.assert_frame_equal(pd.read_csv(paths[2]), table, check_dtype=False)
    assert paths[1].read_bytes().startswith(b"%PDF")
    pixels = mimage.imread(paths[0])
    assert pixels.shape[1] == round(plotting.ONE_COLUMN * plotting.DPI)  # 3.5 in at 200 dpi
    assert np.unique(pixels.reshape(-1, pixels.shape[-1]), axis=0).shape[0] > 10  # not a blank picture
    assert sorted(p.name for p in (tmp_path / "figs").iterdir()) == sorted(p.name for p in paths)  # no leftovers


def test_save_figure_writes_no_pdf_unless_asked(tables, tmp_path):
    fig, table = plotting.draw_rank_intervals(tables["uncertainty"])
    paths = run_figures.save_figure(fig, table, tmp_path, "rank_intervals")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rank_intervals.csv", "rank_intervals.png"]
    assert [p.name for p in paths] == ["rank_intervals.png", "rank_intervals.csv"]


def test_save_figure_is_all_or_nothing(tables, tmp_path, monkeypatch):
    fig, table = plotting.draw_rank_intervals(tables["uncertainty"])
    (tmp_path / "rank_intervals.png").write_bytes(b"earlier")

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(pd.DataFrame, "to_csv", broken)
    with pytest.raises(OSError, match="disk full"):
        run_figures.save_figure(fig, table, tmp_path, "rank_intervals")
    assert [p.name for p in tmp_path.iterdir()] == ["rank_intervals.png"]  # no temporaries, no partial set
    assert (tmp_path / "rank_intervals.png").read_bytes() == b"earlier"


@pytest.mark.slow
def test_draw_run_figures_writes_what_the_folder_supports(run_dir, tmp_path):
    run_dir = Path(shutil.copytree(run_dir, tmp_path / "copy"))  # the shared run keeps its own figures
    shutil.rmtree(run_dir / "figures")
    written = run_figures.draw_run_figures(run_dir, which="all", pdf=True)
    expected = ["rank_intervals", "rank_shift_histogram", "sobol_bars", "sobol_heatmap"]
    expected += [f"{kind}-{node}" for node in ("Econ", "Social", "Index") for kind in ("grid_heatmap", "bump_chart")]
    assert set(expected) <= set(written)
    assert ("weights_vs_importance" in written) == (run_dir / "importance.csv").exists()
    for name in written:
        for ext in ("png", "pdf", "csv"):
            assert (run_dir / "figures" / f"{name}.{ext}").stat().st_size > 0
    # a run folder with only the uncertainty table gets only the figures that table supports
    (tmp_path / "manifest.json").write_text("{}")
    (tmp_path / "uncertainty.csv").write_text((run_dir / "uncertainty.csv").read_text())
    assert run_figures.draw_run_figures(tmp_path) == ["rank_intervals", "rank_shift_histogram"]
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "manifest.json").write_text("{}")
    assert run_figures.draw_run_figures(tmp_path / "empty") == []
    assert run_figures.draw_run_figures(tmp_path, pdf=False, which="headline")  # PDFs only when asked


ANALYSIS_FIGURES = ["rank_intervals", "rank_shift_histogram", "sobol_bars", "sobol_heatmap", "weights_vs_importance"]


def _drawn(folder):
    """The figure stems of a run folder, and the extensions each was written with."""
    stems: dict[str, set[str]] = {}
    for path in (folder / "figures").iterdir():
        stems.setdefault(path.stem, set()).add(path.suffix)
    return stems


def test_a_run_draws_the_headline_figures_as_png_by_default(run_dir):
    # run_dir is a plain experiment.run of coinr-example: no figures option anywhere
    drawn = _drawn(run_dir)
    assert sorted(drawn) == sorted(ANALYSIS_FIGURES + ["grid_heatmap-Index", "bump_chart-Index"])
    assert all(ext == {".png", ".csv"} for ext in drawn.values())  # no PDF unless asked
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert sorted(manifest["outputs"]["figures"]) == sorted(drawn)
    assert {"figures", "report", "total"} <= set(manifest["timings_s"])


@pytest.mark.parametrize("argv, config_output, expected, pdf", [
    (["--figures", "all"], {}, ANALYSIS_FIGURES + [f"{kind}-{node}" for node in ("Econ", "Social", "Index")
                                                   for kind in ("grid_heatmap", "bump_chart")], False),
    (["--figures", "none"], {"figures": "all"}, [], False),  # the command line overrides the config
    pytest.param([], {"figures": "all", "pdf": True},
                 ANALYSIS_FIGURES + [f"{kind}-{node}" for node in ("Econ", "Social", "Index")
                                     for kind in ("grid_heatmap", "bump_chart")], True,
                 marks=pytest.mark.slow),  # ~10 s: every figure as PDF too
    pytest.param(["--pdf"], {}, ANALYSIS_FIGURES + ["grid_heatmap-Index", "bump_chart-Index"], True,
                 marks=pytest.mark.slow),  # ~8 s of PDF font subsetting
    (["--no-pdf"], {"pdf": True}, ANALYSIS_FIGURES + ["grid_heatmap-Index", "bump_chart-Index"], False),
])
def test_the_command_line_and_the_config_choose_the_figures(tmp_path, argv, config_output, expected, pdf):
    from dti_bench import cli

    config = yaml.safe_load((REPO / "configs" / "coinr-example.yaml").read_text(encoding="utf-8"))
    config["data"] = {key: str(REPO / "configs" / value) for key, value in config["data"].items()}
    config["analyses"]["uncertainty"]["samples"] = 64
    config["analyses"]["sensitivity"].update(samples=16, target=None)
    config["analyses"]["importance"] = {"methods": ["pearson"], "n_boot": 0}  # the figure only, quickly
    config["output"] = {**config_output, "report": False}
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    assert cli.main(["run", str(path), "--out", str(tmp_path / "runs"), "--quiet", *argv]) == 0
    (folder,) = (tmp_path / "runs" / "coinr-example").iterdir()
    drawn = _drawn(folder)
    assert sorted(drawn) == sorted(expected)
    assert all(ext == ({".png", ".pdf", ".csv"} if pdf else {".png", ".csv"}) for ext in drawn.values())


def test_a_composite_of_one_child_gets_no_grid_figures(tmp_path):
    # P2 has the single indicator "roads": its ranks under every variant are the indicator's
    (tmp_path / "iData.csv").write_text("uCode,uName,fish,port,roads\nA,A,0.8,0.4,0.6\nB,B,0.9,0.5,0.2\n"
                                        "C,C,0.3,0.7,0.4\nD,D,0.6,0.2,0.8\n", encoding="utf-8")
    (tmp_path / "iMeta.csv").write_text("iCode,iName,Level,Parent,Weight,Direction,Type\n"
                                        "fish,Fish,1,P1,1,1,Indicator\nport,Port,1,P1,1,1,Indicator\n"
                                        "roads,Roads,1,P2,1,1,Indicator\nP1,Sea,2,Index,1,1,Aggregate\n"
                                        "P2,Land,2,Index,1,1,Aggregate\nIndex,Index,3,,1,1,Aggregate\n",
                                        encoding="utf-8")
    config = {"name": "one-child", "data": {"indicators": str(tmp_path / "iData.csv"),
                                            "framework": str(tmp_path / "iMeta.csv")},
              "analyses": {"grid": {"normalise": ["minmax", "rank"]}},
              "output": {"figures": "all", "report": False}}
    folder = experiment.run(config, out=tmp_path / "runs", quiet=True)
    assert set(pd.read_csv(folder / "grid.csv")["node"]) == {"P1", "P2", "Index"}  # the grid ranks P2 too
    assert sorted(_drawn(folder)) == ["bump_chart-Index", "bump_chart-P1", "grid_heatmap-Index", "grid_heatmap-P1"]


class _Terminal(io.StringIO):
    """Standard error as a terminal, so that tqdm draws its bars (it draws none into a pipe or a log)."""

    def isatty(self) -> bool:
        return True


@pytest.mark.slow  # ~7 s: two whole runs with their figures
def test_every_long_phase_shows_progress_and_quiet_shows_none(tmp_path, monkeypatch):
    config = yaml.safe_load((REPO / "configs" / "coinr-example.yaml").read_text(encoding="utf-8"))
    config["data"] = {key: str(REPO / "configs" / value) for key, value in config["data"].items()}
    config["analyses"]["uncertainty"].update(samples=400, chunk_size=100)  # four chunks: a bar
    config["analyses"]["sensitivity"].update(samples=16, target=0.01, max_runs=200)
    config["analyses"]["importance"] = {"methods": ["pearson"], "n_boot": 5}
    stderr = _Terminal()
    monkeypatch.setattr(sys, "stderr", stderr)
    experiment.run(config, out=tmp_path / "loud", quiet=False)
    shown = stderr.getvalue()
    for phase in ("uncertainty", "sensitivity", "importance", "figures", "report"):
        assert f"{phase}:" in shown, phase  # tqdm writes "<desc>: <percentage>|<bar>|"
    assert "grid_heatmap-Index" in shown and "N=32" in shown  # the step in hand is named
    quiet = _Terminal()
    monkeypatch.setattr(sys, "stderr", quiet)
    experiment.run(config, out=tmp_path / "quiet", quiet=True)
    assert quiet.getvalue() == ""


def test_palette_is_okabe_ito_and_no_pyplot_figures_leak(tables):
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    fig, _ = plotting.draw_sobol_bars(tables["sensitivity"])
    assert plt.get_fignums() == before  # drawn outside pyplot's registry
    colours = {mcolors.to_hex(b.get_facecolor()).upper() for c in fig.axes[0].containers
               if isinstance(c, BarContainer) for b in c}
    assert colours <= {c.upper() for c in plotting.OKABE_ITO}


def test_sobol_bar_labels_of_five_factors_do_not_overlap():
    names = ["normalisation", "aggregation", "weight noise", "measurement error", "weighting"]
    rows = [{"factor": f, "output": "mean_abs_shift", "S1": 0.1 * i, "S1_conf": 0.01, "ST": 0.1 * i + 0.05,
             "ST_conf": 0.01} for i, f in enumerate(names, 1)]
    fig, table = plotting.draw_sobol_bars(pd.DataFrame(rows))
    assert table["factor"].tolist() == names
    fig.canvas.draw()
    ax = fig.axes[0]
    boxes = [label.get_window_extent() for label in ax.get_xticklabels()]
    assert [label.get_text().replace("\n", " ") for label in ax.get_xticklabels()] == names
    for left, right in zip(boxes, boxes[1:]):
        assert left.x1 <= right.x0, (left, right)  # each label ends before the next begins
