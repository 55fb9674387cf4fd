"""Methodology warnings where the user sees them: `validate`, the run summary, manifest.json, the report, and a
Python warning; `strict: true` refuses instead. The official DTI is not flagged."""

from __future__ import annotations

import json
import warnings

import pytest
import yaml

import dti_bench as db
from dti_bench import cli
from dti_bench.errors import ConfigError, MethodologyWarning

ZSCORE = {"method": "zscore", "m": 10, "s": 2}
UNSOUND = {"name": "unsound", "data": {"dataset": "dti2022-synthetic"},
           "methodology": {"normalise": ZSCORE, "aggregate": "harmonic"},
           "analyses": {"grid": {"aggregate": ["arithmetic", "geometric"]}},
           "output": {"figures": "none"}}


def write(tmp_path, body, name="c.yaml"):
    path = tmp_path / name
    path.write_text(yaml.safe_dump(body))
    return path


def test_validate_and_run_print_the_same_warnings_and_the_manifest_and_report_hold_them(tmp_path, capsys):
    cfg = write(tmp_path, UNSOUND)
    assert cli.main(["validate", str(cfg)]) == 0
    checked = capsys.readouterr().out.splitlines()
    flagged = [line for line in checked if line.startswith("warning: ")]
    assert flagged[0].startswith("warning: composite 'DTI': harmonic needs ratio-scale inputs")
    assert any(line.startswith("warning: analyses.grid: 1 of 2 variants: composite 'DTI': geometric") for line in flagged)
    assert checked[-1].startswith(f"{cfg}: ok")
    assert cli.main(["run", str(cfg), "--out", str(tmp_path / "out")]) == 0
    out, err = capsys.readouterr()
    assert [line for line in out.splitlines() if line.startswith("warning: ")] == flagged
    assert "MethodologyWarning" not in err    # printed once, as the summary's lines, not as Python warnings
    [folder] = (tmp_path / "out" / "unsound").iterdir()
    manifest = json.loads((folder / "manifest.json").read_text())
    assert ["warning: " + w for w in manifest["warnings"]] == flagged
    report = (folder / "report.html").read_text()
    assert f"Methodology warnings ({len(flagged)})" in report
    assert "composite &#x27;DTI&#x27;: harmonic needs ratio-scale inputs" in report


def test_strict_refuses_in_one_line_in_validate_and_run(tmp_path, capsys):
    cfg = write(tmp_path, {**UNSOUND, "strict": True})
    for command in (["validate", str(cfg)], ["run", str(cfg), "--out", str(tmp_path / "out")]):
        assert cli.main(command) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and err[0].startswith(f"dti-bench: error: {cfg}: strict: composite 'DTI': harmonic")
        assert err[0].endswith("more)")
    assert not (tmp_path / "out").exists()
    bad = write(tmp_path, {**UNSOUND, "strict": "yes"}, "bad.yaml")
    assert cli.main(["validate", str(bad)]) == 2
    assert "strict: expected true or false, got 'yes'" in capsys.readouterr().err


def test_the_official_dti_and_a_sound_design_say_nothing(tmp_path, capsys):
    cfg = write(tmp_path, {"name": "sound", "data": {"dataset": "dti2022-synthetic"}, "strict": True,
                           "analyses": {"grid": {"normalise": ["none", "frac_max"],
                                                 "aggregate": ["arithmetic", "geometric", "harmonic"]}}})
    assert cli.main(["validate", str(cfg)]) == 0
    assert "warning" not in capsys.readouterr().out
    study = db.Study.from_config(cfg)
    assert study.warnings == []


def test_a_study_issues_python_warnings_and_lists_them(tmp_path):
    with pytest.warns(MethodologyWarning) as caught:
        study = db.Study.from_config(UNSOUND)
    assert [str(w.message) for w in caught] == study.warnings
    assert study.resolved_config()["strict"] is False
    with pytest.raises(ConfigError, match="strict: composite 'DTI'"):
        db.Study.from_config({**UNSOUND, "strict": True})


def test_warnings_raised_while_analyses_run_are_collected_once(monkeypatch):
    from dti_bench.analyses import registry

    study = db.Study.from_config({"name": "w", "data": {"dataset": "dti2022-published-profiles"},
                                  "analyses": {"coherence": True}})
    bound = study.analyses["coherence"]

    def noisy():
        for _ in range(3):
            warnings.warn("treatment of 'x' left its skew worse", MethodologyWarning, stacklevel=2)
        return bound.run()

    study.analyses["coherence"] = registry.Bound(noisy, bound.settings, bound.files)
    with pytest.warns(MethodologyWarning, match="skew worse"):
        study.run()
    assert study.warnings == ["treatment of 'x' left its skew worse"]
