"""docs/run-folder.md lists every column of the tables a real run folder holds (a small study on the five published
DTI 2022 profiles, with the analyses that need no panel), so the page cannot fall behind the writer."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

import dti_bench as db

PAGE = Path(__file__).resolve().parents[2] / "docs" / "run-folder.md"


def documented_columns() -> dict[str, list[str]]:
    section = PAGE.read_text(encoding="utf-8").split("## Every column, as a run folder holds it", 1)[1]
    out = {}
    for files, columns in re.findall(r"^\| (`[^|]+`[^|]*) \| (.+) \|$", section, flags=re.M):
        for name in re.findall(r"`([\w<>.-]+\.csv)`", files):
            out[name] = [c.strip() for group in re.findall(r"`([^`]+)`", columns) for c in group.split(",")]
    return out


def test_every_column_of_a_run_folder_is_documented(tmp_path):
    config = {"name": "columns", "data": {"dataset": "dti2022-published-profiles"},
              "analyses": {"grid": {"aggregate": ["arithmetic", "geometric"]},
                           "uncertainty": {"samples": 20, "factors": [{"path": "weights", "noise": 0.25}]},
                           "stability": True, "coherence": True},
              "output": {"figures": "none", "report": False}}
    folder = Path(db.Study.from_config(config).save(tmp_path))
    documented = documented_columns()
    for path in sorted(folder.glob("*.csv")):
        header = list(pd.read_csv(path, nrows=0).columns)
        header = [c for c in header if c != "synthetic"]
        listed = documented[path.name].copy()
        if path.name in ("scores.csv", "ranks.csv", "units.csv"):  # the framework's composites, the data's groups
            assert header[0] == listed[0] == "unit", path.name
            continue
        if "uncertainty" in path.name:  # p_top<k> and p_within<m> follow the config
            listed = [c for c in listed if not re.fullmatch(r"p_(top|within)\d+", c)]
            header = [c for c in header if not re.fullmatch(r"p_(top|within)\d+", c)]
        assert header == listed, path.name
