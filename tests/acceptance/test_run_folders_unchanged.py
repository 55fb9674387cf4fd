"""Every bundled config gives the run folder its golden digest records (the numbers of the restructuring's base
commit ``base_commit``, or, where a change of numbers was meant, those recorded then, ``recorded_for`` saying
why): the same CSV values and the same manifest numbers. Run ids, timings, paths, figures and the
report aside; new files (framework.yaml, units.csv) and new manifest keys are allowed, changed or missing ones are
not. The third-party case studies (papi, pci, bli) are skipped without their data folder."""

from __future__ import annotations

import json
import os

import pytest

from run_digest import GOLDEN, REPO, contained, run_digest

EXTERNAL = {"papi": "vn_papi", "pci": "vn_pci", "bli": "oecd_bli", "papi-panel": "vn_papi", "pci-panel": "vn_pci",
            "papi-panel-all": "vn_papi", "pci-panel-all": "vn_pci"}
CONFIGS = sorted(p.stem for p in GOLDEN.glob("*.json"))


def test_every_bundled_config_has_a_golden_digest():
    assert CONFIGS == sorted(p.stem for p in (REPO / "configs").glob("*.yaml"))


@pytest.mark.slow
@pytest.mark.parametrize("name", CONFIGS)
def test_run_folder_numbers_are_unchanged(name, tmp_path):
    if name in EXTERNAL:
        root = os.environ.get("DTI_BENCH_DATA")
        if not root or not (os.path.isdir(os.path.join(root, EXTERNAL[name]))):
            pytest.skip(f"{name}: third-party data not found (set DTI_BENCH_DATA to the folder holding "
                        f"{EXTERNAL[name]}/)")
    golden = json.loads((GOLDEN / f"{name}.json").read_text())["files"]
    new = run_digest(REPO / "configs" / f"{name}.yaml", tmp_path)
    problems = []
    for file, value in golden.items():
        if file not in new:
            problems.append(f"{file}: missing from the new run folder")
        elif file == "manifest.json":
            problems += [f"manifest{p}" for p in contained(value, new[file])]
        elif new[file] != value:
            problems.append(f"{file}: values changed")
    assert not problems, "\n".join(problems)
