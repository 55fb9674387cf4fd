"""The files a package others rely on carries: one version, a citation file, a licence, a changelog, py.typed."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

import dti_bench
from dti_bench import cli

REPO = Path(__file__).resolve().parents[2]
tomllib = pytest.importorskip("tomllib")  # Python 3.11+; the checks below are about files, not the interpreter


def pyproject() -> dict:
    return tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))


def test_the_version_is_written_once(capsys):
    project = pyproject()
    assert "version" not in project["project"] and project["project"]["dynamic"] == ["version"]
    assert project["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "dti_bench.__version__"}
    assert re.fullmatch(r"\d+\.\d+\.\d+", dti_bench.__version__)
    with pytest.raises(SystemExit) as exit_:
        cli.main(["--version"])
    assert exit_.value.code == 0 and capsys.readouterr().out.strip() == f"dti-bench {dti_bench.__version__}"


def test_citation_file_is_cff_1_2_0_and_states_the_version():
    # the keys CFF 1.2.0 requires of every file (cffconvert --validate checks the whole schema)
    cff = yaml.safe_load((REPO / "CITATION.cff").read_text(encoding="utf-8"))
    assert cff["cff-version"] == "1.2.0"
    for key in ("message", "title", "authors"):
        assert cff[key], key
    assert all("name" in a or "family-names" in a for a in cff["authors"])
    assert cff["version"] == dti_bench.__version__ and cff["license"] == "MIT"
    for ref in cff.get("references", []):
        assert {"type", "title", "authors"} <= set(ref), ref


def test_licence_is_mit_and_shipped():
    text = (REPO / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License") and "Copyright (c) 2026 the dti_bench authors" in text
    project = pyproject()["project"]
    assert project["license"] == "MIT" and project["license-files"] == ["LICENSE"]


def test_py_typed_is_package_data():
    assert (REPO / "dti_bench" / "py.typed").is_file()
    assert "py.typed" in pyproject()["tool"]["setuptools"]["package-data"]["dti_bench"]


def test_changelog_keeps_a_changelog_with_the_current_version():
    text = (REPO / "CHANGELOG.md").read_text(encoding="utf-8")
    assert text.startswith("# Changelog") and "keepachangelog.com" in text
    releases = re.findall(r"^## \[([^\]]+)\]", text, flags=re.M)
    assert releases and releases[0] == "Unreleased"
    assert dti_bench.__version__ in releases
    headings = set(re.findall(r"^### (\w+)", text, flags=re.M))
    assert headings and headings <= {"Added", "Changed", "Deprecated", "Removed", "Fixed", "Security"}
