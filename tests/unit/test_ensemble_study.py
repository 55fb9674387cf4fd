"""A study over an ensemble: every analysis on each member, medians and 5-95 % ranges that equal an independent
computation (each member run with the plain API, then numpy), statements with hand-counted shares, a run through
``dti-bench run`` end to end, and ``validate`` accepting exactly what ``run`` accepts."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import yaml

import dti_bench as db
from dti_bench import cli
from dti_bench.errors import ConfigError

MEMBERS = 3
FACTORS = [{"path": "aggregate.method", "choices": ["arithmetic", "geometric"]},
           {"path": "weights", "noise": 0.25, "levels": [1]}]


def config(**ensemble) -> dict:
    return {"name": "ens", "data": {"dataset": "dti2022-synthetic-ensemble"},
            "ensemble": {"members": MEMBERS, "pairs": [["ha_noi", "hai_phong"]], **ensemble},
            "analyses": {"uncertainty": {"samples": 300, "seed": 4, "factors": FACTORS}, "coherence": True}}


@pytest.fixture(scope="module")
def results():
    study = db.Study.from_config(config())
    return study, study.run()


def test_medians_and_ranges_equal_each_member_run_with_the_plain_api(results):
    study, found = results
    ensemble = db.load_dataset("dti2022-synthetic-ensemble")
    framework = db.load_framework("dti-provincial-2022")
    per_member = [db.uncertainty(framework, member, framework.official, FACTORS, n=300, seed=4).to_frame()
                  for member in ensemble.members[:MEMBERS]]
    table = found.tables["uncertainty"]["uncertainty.csv"].set_index("unit")
    for column in ("mean_rank", "q05_rank", "q95_rank", "mean_abs_shift", "p_top10"):
        stacked = np.stack([f.set_index("unit").loc[table.index, column].to_numpy(float) for f in per_member])
        np.testing.assert_allclose(table[column].to_numpy(float), np.median(stacked, axis=0), err_msg=column)
        if f"{column}_member_q05" in table:
            np.testing.assert_allclose(table[f"{column}_member_q05"], np.percentile(stacked, 5, axis=0))
            np.testing.assert_allclose(table[f"{column}_member_q95"], np.percentile(stacked, 95, axis=0))
        else:  # reported once only when the same in every member
            assert (stacked == stacked[0]).all(), column
    # the per-member table keeps every member's numbers
    long = found.tables["uncertainty"]["uncertainty_members.csv"]
    assert sorted(set(long["member"])) == [0, 1, 2]
    for label, frame in zip((0, 1, 2), per_member):
        mine = long[long.member == label].set_index("unit")["mean_rank"]
        np.testing.assert_array_equal(mine.loc[frame["unit"]].to_numpy(), frame["mean_rank"].to_numpy())
    # the run summary: the headline shift is the median of the members', with their 5-95 % range
    shifts = [f["mean_abs_shift"].mean() for f in per_member]
    summary = found.summaries["uncertainty"]
    assert summary["mean_abs_rank_shift"] == pytest.approx(np.median(shifts))
    assert summary["ensemble"]["ranges_q05_q95"]["mean_abs_rank_shift"] == \
        pytest.approx(list(np.percentile(shifts, [5, 95])), abs=1e-6)


def test_the_rank_distribution_pools_the_members_counts(results):
    # each member's long, sparse rank_frequency.csv lists only the cells that occurred: the ensemble's adds them up
    # (a median across members would miss the zeros), recomputed here from each member run with the plain API
    _, found = results
    ensemble = db.load_dataset("dti2022-synthetic-ensemble")
    framework = db.load_framework("dti-provincial-2022")
    counts: dict[tuple[str, int], int] = {}
    for member in ensemble.members[:MEMBERS]:
        result = db.uncertainty(framework, member, framework.official, FACTORS, n=300, seed=4)
        for row in result.frequency_table().itertuples():
            counts[(row.unit, row.rank_lo)] = counts.get((row.unit, row.rank_lo), 0) + row.count
    pooled = found.tables["uncertainty"]["rank_frequency.csv"]
    assert {(r.unit, r.rank_lo): r.count for r in pooled.itertuples()} == counts
    assert (pooled.groupby("unit")["count"].sum() == MEMBERS * 300).all()
    np.testing.assert_allclose(pooled.groupby("unit")["share"].sum(), 1.0)
    assert list(pd.unique(pooled["unit"])) == list(ensemble.members[0].units)


def test_statement_shares_are_counts_over_members(results):
    _, found = results
    long = found.tables["uncertainty"]["uncertainty_members.csv"]
    table = found.tables["ensemble"]["ensemble_statements.csv"].set_index(["statement", "unit"])
    for unit in ("da_nang", "bac_ninh", "hai_phong", "nam_dinh"):
        rows = long[long.unit == unit]
        top = int((rows.q95_rank <= 10).sum())
        band = int(((rows.q95_rank - rows.q05_rank) < 10).sum())
        assert table.loc[("top 10", unit), "holds_in"] == top
        assert table.loc[("band < 10", unit), "holds_in"] == band
        assert table.loc[("top 10", unit), "robust"] == (top == MEMBERS)
    ha_noi, hai_phong = (long[long.unit == u].set_index("member")["median_rank"] for u in ("ha_noi", "hai_phong"))
    assert table.loc[("ha_noi above hai_phong", "ha_noi"), "holds_in"] == int((ha_noi < hai_phong).sum())


def test_a_table_the_same_in_every_member_keeps_its_shape(results):
    study, found = results
    assert study.ensemble.labels == (0, 1, 2) and list(study.members) == [0, 1, 2]
    composites = found.tables["coherence"]["coherence_composites.csv"]
    long = found.tables["coherence"]["coherence_composites_members.csv"]
    assert composites["composite"].tolist() == long[long.member == 0]["composite"].tolist()   # rows as a member's
    assert len(composites) == 4 and composites["k"].tolist() == long[long.member == 0]["k"].tolist()
    assert {"cronbach_alpha", "cronbach_alpha_member_q05", "cronbach_alpha_member_q95"} <= set(composites.columns)


def test_results_do_not_depend_on_the_chunk_size():
    small = config()
    small["analyses"]["uncertainty"]["chunk_size"] = 64
    a = db.Study.from_config(config()).run().tables["uncertainty"]
    b = db.Study.from_config(small).run().tables["uncertainty"]
    for name in ("uncertainty.csv", "uncertainty_members.csv", "rank_frequency.csv"):
        pd.testing.assert_frame_equal(a[name], b[name])


def test_run_end_to_end_through_the_command_line(tmp_path, capsys):
    path = tmp_path / "ens.yaml"
    cfg = config(robust_share=0.5)
    cfg["output"] = {"figures": "headline", "pdf": False}
    path.write_text(yaml.safe_dump(cfg), encoding="utf-8")
    assert cli.main(["run", str(path), "--out", str(tmp_path / "runs")]) == 0
    out = capsys.readouterr().out
    assert "ensemble dti2022-synthetic-ensemble: 3 members" in out and "'top 10': robust (in at least 50% of" in out
    assert "'ha_noi above hai_phong': holds in" in out
    (folder,) = (tmp_path / "runs" / "ens").iterdir()
    for name in ("uncertainty.csv", "uncertainty_members.csv", "ensemble_statements.csv", "scores_members.csv",
                 "ranks_members.csv", "coherence_composites_members.csv", "report.html",
                 "figures/rank_intervals.png"):
        assert (folder / name).exists(), name
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["ensemble"]["members"] == [0, 1, 2] and manifest["ensemble"]["robust_share"] == 0.5
    assert len(set(manifest["ensemble"]["member_data_hashes"].values())) == 3
    assert yaml.safe_load((folder / "config.yaml").read_text())["ensemble"]["members"] == MEMBERS
    members = pd.read_csv(folder / "uncertainty_members.csv", comment="#")
    statements = pd.read_csv(folder / "ensemble_statements.csv", comment="#", keep_default_na=False)
    top = statements[statements.statement == "top 10"].set_index("unit")
    counts = members.assign(ok=members.q95_rank <= 10).groupby("unit")["ok"].sum()
    assert (top["holds_in"] == counts.loc[top.index]).all()
    assert (top["robust"] == (top["holds_in"] >= 1.5)).all()
    ranks = pd.read_csv(folder / "ranks_members.csv", comment="#")
    assert list(ranks.columns[:2]) == ["unit", "member"] and len(ranks) == 63 * MEMBERS
    report = (folder / "report.html").read_text(encoding="utf-8")
    assert "<h3>Ensemble</h3>" in report and "“ha_noi above hai_phong” (median Monte Carlo rank): holds in" in report
    pair = manifest["outputs"]["ensemble"]["pairs"]["ha_noi above hai_phong"]
    assert pair["members"] == MEMBERS and pair["robust"] == (pair["holds_in"] >= 1.5)


BAD = [
    ({"ensemble": {"robust_share": 0}}, "ensemble.robust_share: expected a number in (0, 1]"),
    ({"ensemble": {"members": 51}}, "ensemble.members: 51 members asked for"),
    ({"ensemble": {"pairs": [["ha_noi", "atlantis"]]}}, "ensemble.pairs: unknown unit 'atlantis'"),
    ({"ensemble": {"sizes": 3}}, "ensemble: unknown key 'sizes'"),
    ({"ensemble": {"pairs": [["ha_noi", "hai_phong"]]}, "analyses": {"coherence": True}},
     "ensemble.pairs: the pair statements read the uncertainty analysis"),
    ({"data": {"dataset": "dti2022-synthetic"}, "ensemble": {"members": 2}}, "ensemble: only for ensemble data"),
]


@pytest.mark.parametrize(("change", "message"), BAD)
def test_validate_refuses_exactly_what_run_refuses(tmp_path, capsys, change, message):
    cfg = {"name": "bad", "data": {"dataset": "dti2022-synthetic-ensemble"},
           "analyses": {"uncertainty": {"samples": 50, "factors": FACTORS}}, **change}
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(cfg), encoding="utf-8")
    assert cli.main(["validate", str(path)]) == 2
    validate_error = capsys.readouterr().err
    assert message in validate_error and validate_error.count("\n") == 1
    assert cli.main(["run", str(path), "--out", str(tmp_path / "runs")]) == 2
    assert capsys.readouterr().err == validate_error
    assert not (tmp_path / "runs" / "bad").exists()


def test_validate_accepts_the_ensemble_config(capsys):
    assert cli.main(["validate", "configs/dti2022-ensemble.yaml"]) == 0
    assert "Ensemble('dti2022-synthetic-ensemble' (synthetic): 50 members" in capsys.readouterr().out


def test_ensemble_block_alone_is_checked_by_the_spec():
    with pytest.raises(ConfigError, match="ensemble.top: expected a positive whole number"):
        db.load_config({"name": "x", "data": {"dataset": "dti2022-synthetic-ensemble"}, "ensemble": {"top": 0}})


def test_the_report_of_an_ensemble_run_with_failed_samples(tmp_path):
    # members 5 and 19 hold a zero, so their geometric variants fail: the summary's failure reasons are then
    # summarised across members as text, which the report's Monte Carlo section must show rather than crash on
    cfg = {"name": "ens-report", "data": {"dataset": "dti2022-synthetic-ensemble"},
           "ensemble": {"members": 6},
           "analyses": {"uncertainty": {"samples": 100, "seed": 2,
                                        "factors": [{"path": "aggregate.method", "choices": ["arithmetic",
                                                                                             "geometric"]}]}},
           "output": {"figures": "none", "report": True}}
    folder = db.Study.from_config(cfg).save(tmp_path)
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["outputs"]["uncertainty"]["failure_reasons"]  # some member failed samples
    html = (folder / "report.html").read_text()
    assert "Monte Carlo" in html or "uncertainty" in html
