"""Panels through a config: a COINr iData with a Time column runs in one config, scores.csv and ranks.csv go long
over time, and rank_change.csv's nominal change is the change of the ranks each year's index gives."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

import dti_bench as db
from dti_bench import cli
from dti_bench.io.runs import RunReader

EXAMPLES = Path(db.__file__).parent / "datasets" / "examples"
DATA = os.environ.get("DTI_BENCH_DATA")
FACTORS = [{"path": "aggregate.method", "choices": ["arithmetic", "geometric"], "name": "aggregation"},
           {"path": "weights", "noise": 0.25, "name": "weight noise"}]


def long_example(tmp_path: Path) -> Path:
    """COINr's example iData at two time points: the second perturbed (a made-up later year)."""
    first = pd.read_csv(EXAMPLES / "example_iData.csv")
    second = first.copy()
    numeric = [c for c in first.columns if c not in ("uCode", "uName") and pd.api.types.is_numeric_dtype(first[c])
               and c not in ("Group_GDP", "Pop", "GDP")]
    rng = np.random.default_rng(3)
    second[numeric] = second[numeric] * rng.uniform(0.8, 1.25, size=second[numeric].shape)
    table = pd.concat([first.assign(Time=2019), second.assign(Time=2020)], ignore_index=True)
    path = tmp_path / "iData_panel.csv"
    table.to_csv(path, index=False)
    return path


def config(tmp_path: Path, data: dict, analyses: dict) -> Path:
    path = tmp_path / "panel.yaml"
    path.write_text(yaml.safe_dump({"name": "panel", "data": data, "analyses": analyses,
                                    "output": {"figures": "none"}}))
    return path


def test_a_time_column_makes_a_panel_and_one_run_computes_every_time_point(tmp_path, capsys):
    idata = long_example(tmp_path)
    cfg = config(tmp_path, {"indicators": str(idata), "framework": str(EXAMPLES / "example_iMeta.csv")},
                 {"rank_change": {"samples": 300, "factors": FACTORS}, "coherence": True})
    assert cli.main(["validate", str(cfg)]) == 0
    assert cli.main(["run", str(cfg), "--out", str(tmp_path / "out")]) == 0
    capsys.readouterr()
    [folder] = (tmp_path / "out" / "panel").iterdir()
    run = RunReader(folder)
    assert run.times == [2019, 2020] and run.manifest["analyses_at"] == 2020
    ranks = run.table("ranks.csv", all_times=True)
    assert list(ranks.columns[:2]) == ["unit", "time"] and len(ranks) == 2 * 8
    assert run.table("ranks.csv").shape == (8, 4)          # readers see the latest time point, as before
    change = run.table("rank_change.csv")
    fw = db.load_framework(EXAMPLES / "example_iMeta.csv")
    panel = db.io.load_panel(idata, fw)
    by_year = {t: db.compute_index(fw, panel[t], {"normalise": {"method": "minmax", "lo": 0, "hi": 1}})
               for t in panel.times}
    # the nominal methodology of an iMeta without one is COINr's default (min-max [0, 1]... as compute_index's)
    head = fw.headline
    expected = (by_year[2019].rank_values[head] - by_year[2020].rank_values[head]).astype("Int64")
    got = change.set_index("unit")["nominal_change"].astype("Int64")
    assert got.tolist() == expected.reindex(got.index).tolist()
    assert set(change.unit[change.robust]) <= set(change.unit[change.nominal_change != 0])
    summary = run.manifest["outputs"]["rank_change"]["pairs"][0]
    assert summary["robust"] == int(change.robust.sum()) and summary["time_from"] == 2019


def test_rank_change_without_a_panel_and_bad_pairs_are_one_line_errors(tmp_path, capsys):
    cfg = config(tmp_path, {"dataset": "dti2022-synthetic"}, {"rank_change": {"factors": FACTORS}})
    assert cli.main(["validate", str(cfg)]) == 2
    assert "a rank change needs data at several time points" in capsys.readouterr().err
    idata = long_example(tmp_path)
    cfg = config(tmp_path, {"indicators": str(idata), "framework": str(EXAMPLES / "example_iMeta.csv")},
                 {"rank_change": {"factors": FACTORS, "pairs": [[2018, 2020]]}})
    assert cli.main(["validate", str(cfg)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "analyses.rank_change.pairs[0]: time 2018 is not in the panel; valid choices: 2019, 2020" in err[0]
    table = pd.read_csv(idata, dtype={"Time": str})
    table.loc[3, "Time"] = "2019.5"
    table.to_csv(idata, index=False)
    cfg = config(tmp_path, {"indicators": str(idata), "framework": str(EXAMPLES / "example_iMeta.csv")}, {})
    assert cli.main(["validate", str(cfg)]) == 2
    assert "row 5, column 'Time': expected a year or a date, got '2019.5'" in capsys.readouterr().err


@pytest.mark.skipif(not DATA or not (Path(DATA or "") / "vn_papi").exists(), reason="needs the PAPI data folder "
                    "(DTI_BENCH_DATA with vn_papi/)")
def test_papi_2019_2020_as_one_table_reproduces_the_published_rank_changes(tmp_path, capsys):
    from dti_bench.io.external import papi

    root = Path(DATA)
    rows = []
    for year in (2019, 2020):
        fw, ds = papi.load(root, year)
        rows.append(ds.to_idata().assign(Time=year))
    idata = tmp_path / "papi_2019_2020.csv"
    pd.concat(rows, ignore_index=True).to_csv(idata, index=False)
    framework = tmp_path / "papi.yaml"
    db.io.write_yaml(fw.to_dict(), framework)
    cfg = config(tmp_path, {"indicators": str(idata), "framework": str(framework), "groups": ["region"]},
                 {"rank_change": {"samples": 400, "factors": FACTORS}})
    assert cli.main(["run", str(cfg), "--out", str(tmp_path / "out")]) == 0
    capsys.readouterr()
    [folder] = (tmp_path / "out" / "panel").iterdir()
    change = RunReader(folder).table("rank_change.csv").set_index("unit")
    # the published ranks, recomputed by hand from each year's published PAPI scores (ties share the lower rank)
    published = {}
    for year in (2019, 2020):
        _, ds = papi.load(root, year)
        result = db.compute_index(fw, ds, papi.official_methodology())
        scores = papi.published_scores(result)["PAPI"]
        published[year] = scores.rank(ascending=False, method="min")
    by_hand = (published[2019] - published[2020]).astype(int)
    assert change["nominal_change"].astype(int).reindex(by_hand.index).tolist() == by_hand.tolist()
    robust, moved = set(change.index[change.robust]), set(change.index[change.nominal_change != 0])
    assert robust < moved


def test_the_rank_change_figure_and_report_section(tmp_path, capsys):
    idata = long_example(tmp_path)
    cfg = tmp_path / "drawn.yaml"
    cfg.write_text(yaml.safe_dump({"name": "drawn", "data": {"indicators": str(idata),
                                                             "framework": str(EXAMPLES / "example_iMeta.csv")},
                                   "analyses": {"rank_change": {"samples": 200, "factors": FACTORS}},
                                   "output": {"figures": "all", "pdf": False}}))
    assert cli.main(["run", str(cfg), "--out", str(tmp_path / "out")]) == 0
    capsys.readouterr()
    [folder] = (tmp_path / "out" / "drawn").iterdir()
    drawn = pd.read_csv(folder / "figures" / "rank_change_intervals-2019-2020.csv")
    change = RunReader(folder).table("rank_change.csv")
    assert len(drawn) == change.nominal_change.notna().sum()
    assert drawn.nominal_change.tolist() == sorted(drawn.nominal_change, reverse=True)   # biggest rise first
    report = (folder / "report.html").read_text()
    assert "Which published moves are robust</h2>" in report and "2019 → 2020" in report
    summary = RunReader(folder).manifest["outputs"]["rank_change"]["pairs"][0]
    assert summary["statement"] in report


@pytest.mark.slow
def test_every_analysis_of_one_time_point_runs_at_each_time_point(tmp_path, capsys):
    idata = long_example(tmp_path)
    cfg = config(tmp_path, {"indicators": str(idata), "framework": str(EXAMPLES / "example_iMeta.csv")},
                 {"uncertainty": {"samples": 200, "factors": FACTORS}, "coherence": True})
    cfg.write_text(cfg.read_text().replace("figures: none", "figures: all"))
    assert cli.main(["run", str(cfg), "--out", str(tmp_path / "out")]) == 0
    capsys.readouterr()
    [folder] = (tmp_path / "out" / "panel").iterdir()
    run = RunReader(folder)
    long = run.table("uncertainty.csv", all_times=True)
    assert list(long.columns[:2]) == ["unit", "time"] and sorted(set(long.time)) == [2019, 2020]
    # each time point's table is what the analysis gives on that year's data alone
    fw = db.load_framework(EXAMPLES / "example_iMeta.csv")
    panel = db.io.load_panel(idata, fw)
    for year in (2019, 2020):
        alone = db.uncertainty(fw, panel[year], None, FACTORS, n=200, seed=1).to_frame()
        mine = long[long.time == year].drop(columns="time").reset_index(drop=True)
        assert mine.nominal_rank.tolist() == alone.nominal_rank.tolist()
        assert mine.q95_rank.tolist() == alone.q95_rank.tolist()
    assert run.table("uncertainty.csv").shape[0] == 8                 # readers see the latest time point
    summary = run.manifest["outputs"]["uncertainty"]
    assert "2019" in summary["by_time"] and summary["by_time"]["2019"]["samples"] == 200
    coherence = run.table("coherence_composites.csv", all_times=True)
    assert sorted(set(coherence.time)) == [2019, 2020]
    # the bump chart over time with bands: the drawn table is the long uncertainty table's ranks and bands
    drawn = pd.read_csv(folder / "figures" / "rank_bands_over_time.csv")
    assert sorted(set(drawn.time)) == [2019, 2020] and drawn.highlighted.sum() == 2 * 6
    assert "rank_bands_over_time" in (folder / "report.html").read_text()


def test_frameworks_by_period_for_a_panel_table(tmp_path, capsys):
    """A publisher that changed its framework in 2020: a config names one framework per period, each year is read
    and ranked on its own, and a time in no period or overlapping periods are one-line errors."""
    old = tmp_path / "old.csv"
    new = tmp_path / "new.csv"
    pd.DataFrame({"iCode": ["a", "b", "I"], "Level": [1, 1, 2], "Parent": ["I", "I", None], "Weight": [1, 1, 1],
                  "Type": ["Indicator", "Indicator", "Aggregate"]}).to_csv(old, index=False)
    pd.DataFrame({"iCode": ["b", "c", "I"], "Level": [1, 1, 2], "Parent": ["I", "I", None], "Weight": [1, 3, 1],
                  "Type": ["Indicator", "Indicator", "Aggregate"]}).to_csv(new, index=False)
    table = pd.DataFrame({"uCode": ["x", "y", "z"] * 2, "Time": [2019] * 3 + [2020] * 3,
                          "a": [3.0, 1.0, 2.0, None, None, None], "b": [1.0, 2.0, 3.0, 1.0, 3.0, 2.0],
                          "c": [None, None, None, 3.0, 1.0, 2.0]})
    idata = tmp_path / "long.csv"
    table.to_csv(idata, index=False)
    data = {"indicators": str(idata), "frameworks": {"2011-2019": str(old), "2020-": str(new)}}
    cfg = config(tmp_path, data, {"rank_change": {"samples": 50, "factors": [
        {"path": "aggregate.method", "choices": ["arithmetic", "geometric"]}]}})
    assert cli.main(["run", str(cfg), "--out", str(tmp_path / "out")]) == 0
    capsys.readouterr()
    [folder] = (tmp_path / "out" / "panel").iterdir()
    change = RunReader(folder).table("rank_change.csv")
    # min-max [0, 1] per indicator (the iMeta's COINr default), then the means:
    # 2019 (a, b equal weights): x (1, 0) .5, y (0, .5) .25, z (.5, 1) .75 -> ranks 2, 3, 1
    # 2020 (b 1, c 3): x (0, 1) .75, y (1, 0) .25, z (.5, .5) .5 -> ranks 1, 3, 2
    assert change.nominal_rank_from.tolist() == [2, 3, 1] and change.nominal_rank_to.tolist() == [1, 3, 2]
    scores = RunReader(folder).table("scores.csv", all_times=True)
    assert list(scores.columns) == ["unit", "time", "I"] and len(scores) == 6
    for frameworks, message in (({"2011-2018": str(old), "2020-": str(new)}, "time 2019 is in no period"),
                                ({"2011-2019": str(old), "2019-": str(new)}, "the periods starting 2011 and 2019 overlap"),
                                ({"20-21": str(old)}, "'20-21' is not a period")):
        bad = config(tmp_path, {**data, "frameworks": frameworks}, {})
        assert cli.main(["validate", str(bad)]) == 2
        assert message in capsys.readouterr().err


def test_a_bundled_panel_runs_as_data_and_is_refused_as_a_reference(tmp_path, capsys):
    panel = db.load_dataset("dti-synthetic-2022-2023")
    assert isinstance(panel, db.Panel) and [str(t) for t in panel.times] == ["2022", "2023"] and panel.synthetic
    config = tmp_path / "ref.yaml"
    config.write_text(yaml.safe_dump({"name": "ref", "data": {"dataset": "dti2022-synthetic",
                                                              "reference": "dti-synthetic-2022-2023"}}))
    for command in ("validate", "run"):
        assert cli.main([command, str(config), *(["--out", str(tmp_path / "out")] if command == "run" else [])]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "data.reference" in err and "is a panel" in err and "'2023'" in err
    assert not (tmp_path / "out").exists()
