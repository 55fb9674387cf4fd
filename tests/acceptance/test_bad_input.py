"""Bad input, faults and hostile input: every case one clear line and exit 2, nothing left behind, nothing written
outside the run folder, and `validate` accepting exactly what `run` accepts.

The cases are the battery of issue 19, scripted: configs, COINr tables, frameworks, command-line arguments,
numerics, hostile names and YAML, signals and concurrent runs. Each runs the command line in process
(:func:`dti_bench.cli.main`) and checks the one-line contract; the property tests at the end generate names and
YAML documents.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck, given, settings, strategies as st

from dti_bench import cli
from dti_bench.filenames import safe_stem
from dti_bench.io.runs import RunFolder, sweep_stale

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "dti_bench" / "datasets" / "examples"
DATA = {"indicators": str(EXAMPLES / "example_iData.csv"), "framework": str(EXAMPLES / "example_iMeta.csv")}
POSITIVE = {"normalise": {"method": "minmax", "lo": 1, "hi": 100}}


def main(*args, capsys) -> tuple[int, str, str]:
    code = cli.main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def one_line_error(code: int, err: str, *needles: str) -> None:
    lines = err.strip().splitlines()
    assert code == 2, err
    assert len(lines) == 1 and lines[0].startswith("dti-bench: error: "), err
    assert "Traceback" not in err
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])


def write(tmp_path: Path, text: str, name: str = "c.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text) if isinstance(text, str) else text)
    return path


def config(tmp_path: Path, body: dict, name: str = "c.yaml") -> Path:
    return write(tmp_path, yaml.safe_dump({"name": "t", "data": DATA, **body}), name)


def nothing_left(out: Path) -> None:
    """No run folder, no temporary, no claim, no empty config folder."""
    assert not out.exists() or not any(out.rglob("*")), sorted(out.rglob("*"))


# -- writing outside the run folder ------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["..", ".", "a/b", "../up", "a\x00b", "x" * 300, "-flag", ".hidden", "a b"])
def test_a_name_is_one_path_component(tmp_path, capsys, name):
    cfg = write(tmp_path, yaml.safe_dump({"name": name, "data": DATA, "methodology": POSITIVE}))
    one_line_error(*main("run", cfg, "--out", tmp_path / "out", capsys=capsys)[::2], "name:")
    nothing_left(tmp_path / "out")


@settings(max_examples=200, deadline=None)
@given(st.text(min_size=1, max_size=120))
def test_safe_stem_stays_in_its_folder(code):
    stem = safe_stem(code)
    assert stem and "/" not in stem and "\\x00" not in stem and stem not in (".", "..") and not stem.startswith(".")
    assert len(stem) <= 100
    folder = Path("/run")
    assert (folder / f"weight_map-{stem}.csv").resolve().parent == folder


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=40))
def test_configs_named_anything_never_escape_out(name):
    """Hypothesis draws names; each is refused in one line or makes exactly one folder under --out/<name>."""
    import tempfile

    from dti_bench.errors import UserError
    from dti_bench.experiment import Study

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out"
        try:
            study = Study.from_config({"name": name, "data": {"dataset": "dti2022-published-profiles"}})
        except UserError as err:
            assert "name:" in str(err)
            return
        folder = study.save(out, figures="none", report=False)
        assert folder.resolve().parent.parent == out.resolve()


def test_unit_codes_with_slashes_stay_in_the_run_folder(tmp_path, capsys):
    table = (EXAMPLES / "example_iData.csv").read_text().replace("AAA,", "../../evil,").replace("BBB,", "a/b,")
    (tmp_path / "d.csv").write_text(table)
    cfg = config(tmp_path, {"data": {"indicators": str(tmp_path / "d.csv"), "framework": DATA["framework"]},
                            "methodology": POSITIVE,
                            "analyses": {"weight_map": {"node": "Social", "units": ["../../evil", "a/b"],
                                                        "resolution": 4}}})
    code, out, err = main("run", cfg, "--out", tmp_path / "out", "--quiet", capsys=capsys)
    assert code == 0, err
    folder = next((tmp_path / "out" / "t").iterdir())
    written = sorted(p.name for p in folder.iterdir() if p.name.startswith("weight_map-"))
    assert len(written) == 2 and all("/" not in w and not w.startswith(".") for w in written)
    assert not (tmp_path / "evil.csv").exists() and not list(tmp_path.glob("*evil*"))
    figures = sorted(p.name for p in (folder / "figures").glob("ternary_rank_map-*.png"))
    assert len(figures) == 2


# -- one line instead of a traceback -----------------------------------------------------------------------------

def test_unreadable_and_wrong_kinds_of_files(tmp_path, capsys):
    one_line_error(*main("validate", tmp_path, capsys=capsys)[::2], "is a directory")
    binary = write(tmp_path, "", "b.yaml")
    binary.write_bytes(bytes(range(256)))
    one_line_error(*main("validate", binary, capsys=capsys)[::2], "not UTF-8")
    cfg = config(tmp_path, {"data": {"indicators": str(tmp_path), "framework": DATA["framework"]}})
    one_line_error(*main("validate", cfg, capsys=capsys)[::2], "is a directory, not a CSV file")
    big = write(tmp_path, "name: x\n" + "# " + "x" * (5 * 2 ** 20) + "\n", "big.yaml")
    one_line_error(*main("validate", big, capsys=capsys)[::2], "bytes, more than")


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads unreadable files")
def test_a_file_without_read_permission(tmp_path, capsys):
    cfg = config(tmp_path, {"methodology": POSITIVE})
    cfg.chmod(0)
    one_line_error(*main("validate", cfg, capsys=capsys)[::2], "cannot be read")


def test_out_that_is_a_file_or_cannot_be_written(tmp_path, capsys, monkeypatch):
    cfg = config(tmp_path, {"methodology": POSITIVE})
    (tmp_path / "file").write_text("x")
    one_line_error(*main("run", cfg, "--out", tmp_path / "file", capsys=capsys)[::2], "cannot create the run folder")

    def read_only(*args, **kwargs):
        raise OSError(30, "Read-only file system", str(tmp_path / "out"))

    monkeypatch.setattr("dti_bench.io.runs.tempfile.mkdtemp", read_only)
    one_line_error(*main("run", cfg, "--out", tmp_path / "out", capsys=capsys)[::2], "Read-only file system")
    nothing_left(tmp_path / "out")


def test_a_disk_that_fills_during_the_run(tmp_path, capsys, monkeypatch):
    cfg = config(tmp_path, {"methodology": POSITIVE})

    def full(*args, **kwargs):
        raise OSError(28, "No space left on device", "ranks.csv")

    monkeypatch.setattr("dti_bench.io.files.pd.DataFrame.to_csv", full)
    one_line_error(*main("run", cfg, "--out", tmp_path / "out", capsys=capsys)[::2], "No space left on device")
    nothing_left(tmp_path / "out")


@pytest.mark.parametrize("text, needle", [
    ("a: &a [x,x,x,x,x,x,x,x,x]\n" + "".join(f"{c}: &{c} [{', '.join(['*' + p] * 9)}]\n"
                                              for p, c in zip("abcdefgh", "bcdefghi")), "aliases expand"),
    ("name: " + "[" * 20000 + "]" * 20000 + "\n", "nested more than"),
    ("name: x\nname: y\n", "duplicate key 'name'"),
    ("name: x\ndata:\n  dataset: a\n  dataset: b\n", "duplicate key 'dataset'"),
    ("name: !!python/object/apply:os.system ['echo pwned']\n", "invalid YAML"),
])
def test_hostile_yaml(tmp_path, capsys, text, needle):
    one_line_error(*main("validate", write(tmp_path, text), capsys=capsys)[::2], needle)


@pytest.mark.parametrize("analyses, needle", [
    ({"uncertainty": {"samples": 10 ** 12, "factors": [{"path": "weights", "noise": 0.2}]}}, "GB of memory"),
    ({"weight_map": {"resolution": "abc"}}, "weight_map.resolution"),
    ({"coherence": {"threshold": "high"}}, "coherence.threshold"),
    ({"uncertainty": {"workers": 0, "executor": "process", "factors": [{"path": "weights", "noise": 0.2}]}},
     "workers: expected a positive whole number"),
    ({"uncertainty": {"workers": "abc", "factors": [{"path": "weights", "noise": 0.2}]}}, "workers"),
    ({"importance": {"n_boot": -1}}, "n_boot"),
    ({"uncertainty": {"top_k": [0], "factors": [{"path": "weights", "noise": 0.2}]}}, "top_k"),
    ({"stability": {"robust_pairs": {"dominance": "pareto"}}}, "'pareto' is not one of 'weak', 'strict'"),
    ({"uncertainty": {"address": "tcp://10.0.0.1:8786", "executor": "dask",
                      "factors": [{"path": "weights", "noise": 0.2}]}}, "may not name a dask scheduler"),
    ({"weight_map": {"children": ["GDPpc"]}}, "three distinct nodes"),
    ({"weight_map": {}}, "give the three nodes"),
])
def test_bad_analysis_blocks_fail_validate_and_run_alike(tmp_path, capsys, analyses, needle):
    cfg = config(tmp_path, {"methodology": POSITIVE, "analyses": analyses})
    one_line_error(*main("validate", cfg, capsys=capsys)[::2], needle)
    one_line_error(*main("run", cfg, "--out", tmp_path / "out", capsys=capsys)[::2], needle)
    nothing_left(tmp_path / "out")


@pytest.mark.parametrize("methodology, needle", [
    ({"normalise": {"method": "minmax", "lo": 100, "hi": 0}}, "lo must be below hi"),
    ({"normalise": {"method": "zscore", "s": 0}}, "s must be a positive number"),
    ({"normalise": {"method": "zscore", "s": -2}}, "s must be a positive number"),
    ({"aggregate": {"method": "power", "p": float("nan")}}, "p must be a finite number"),
    ({"treat": {"method": "winsorise", "winmax": -1}}, "winmax must be a whole number"),
    ({"treat": {"method": "cap", "lo": 5, "hi": 2}}, "treatment 'cap': lo must be below hi, got lo=5, hi=2"),
    ({"treat": {"default": "none", "Crime": {"method": "cap"}}}, "methodology.treat.Crime: treatment 'cap': give lo"),
    ({"normalise": "sum"}, "a direction -1 indicator is negated before normalisation: use frac_max"),
    ({"weights": {"GDPpc": 0, "Exports": 0, "Unemp": 0}}, "every child of composite 'Econ' weight 0"),
    ({"denominate": True}, "names a denominator"),
    ({"aggregate": "geometric"}, "geometric mean met 0.0"),  # the nominal index itself fails
    ({"aggregate": {"default": "arithmetic", 9: "geometric"}}, "level 9 is not a level"),
])
def test_methodologies_that_cannot_work_are_refused_by_validate_too(tmp_path, capsys, methodology, needle):
    cfg = config(tmp_path, {"methodology": methodology})
    one_line_error(*main("validate", cfg, capsys=capsys)[::2], needle)
    one_line_error(*main("run", cfg, "--out", tmp_path / "out", capsys=capsys)[::2], needle)


def test_per_level_aggregation_with_quoted_levels_runs(tmp_path, capsys):
    for key in (2, "2"):
        cfg = config(tmp_path, {"methodology": {**POSITIVE, "aggregate": {"default": "arithmetic", key: "geometric"}}})
        code, _, err = main("run", cfg, "--out", tmp_path / "out", "--quiet", "--figures", "none", capsys=capsys)
        assert code == 0, err


def test_messages_name_the_culprit(tmp_path, capsys):
    meta = (EXAMPLES / "example_iMeta.csv").read_text()
    cases = {
        "cycle": (meta.replace("Index,Example index,3,,", "Index,Example index,3,Econ,"), "cycle among"),
        "no parent column": ("\n".join(",".join(c for i, c in enumerate(line.split(",")) if i != 3)
                                       for line in meta.splitlines()), "missing column 'Parent'"),
        "self parent": (meta.replace("Index,Example index,3,,", "Index,Example index,3,Index,"), "Index"),
    }
    for label, (text, needle) in cases.items():
        (tmp_path / "m.csv").write_text(text)
        cfg = config(tmp_path, {"data": {"indicators": DATA["indicators"], "framework": str(tmp_path / "m.csv")},
                                "methodology": POSITIVE})
        one_line_error(*main("validate", cfg, capsys=capsys)[::2], needle)
    data = (EXAMPLES / "example_iData.csv").read_text().splitlines()
    (tmp_path / "header.csv").write_text(data[0] + "\n")
    cfg = config(tmp_path, {"data": {"indicators": str(tmp_path / "header.csv"), "framework": DATA["framework"]}})
    one_line_error(*main("validate", cfg, capsys=capsys)[::2], "no units")
    crime = data[0].split(",").index("Crime")
    blank = [data[0]] + [",".join("" if i == crime else c for i, c in enumerate(r.split(","))) for r in data[1:]]
    (tmp_path / "nan.csv").write_text("\n".join(blank) + "\n")
    cfg = config(tmp_path, {"data": {"indicators": str(tmp_path / "nan.csv"), "framework": DATA["framework"]},
                            "methodology": POSITIVE})
    one_line_error(*main("validate", cfg, capsys=capsys)[::2], "indicator 'Crime'")


def test_command_line_basics(capsys):
    code, out, err = main(capsys=capsys)
    assert code == 2 and "usage: dti-bench" in err and "validate" in err
    with pytest.raises(SystemExit) as exit_:
        cli.main(["--version"])
    assert exit_.value.code == 0 and "dti-bench 0.1.0" in capsys.readouterr().out


def test_a_dask_scheduler_that_is_not_there(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr("dti_bench.engine.executors.CONNECT_TIMEOUT", 1)
    cfg = config(tmp_path, {"methodology": POSITIVE, "analyses": {"uncertainty": {
        "samples": 40, "chunk_size": 10, "executor": "dask", "factors": [{"path": "weights", "noise": 0.2}]}}})
    pytest.importorskip("dask.distributed")
    one_line_error(*main("run", cfg, "--out", tmp_path / "out", "--dask-address", "tcp://127.0.0.1:9",
                         capsys=capsys)[::2], "cannot reach the scheduler")
    nothing_left(tmp_path / "out")


# -- nothing left behind -----------------------------------------------------------------------------------------

def test_a_failed_run_leaves_no_empty_folder(tmp_path, capsys, monkeypatch):
    cfg = config(tmp_path, {"methodology": POSITIVE, "analyses": {"coherence": True}})

    def boom(*args, **kwargs):
        raise RuntimeError("a bug in an analysis")

    monkeypatch.setattr("dti_bench.analyses.registry.coherence", boom)
    with pytest.raises(RuntimeError):
        cli.main(["run", str(cfg), "--out", str(tmp_path / "out"), "--quiet"])
    nothing_left(tmp_path / "out")


@pytest.mark.slow
def test_sigterm_cleans_up_like_ctrl_c(tmp_path):
    cfg = config(tmp_path, {"methodology": POSITIVE, "analyses": {"uncertainty": {
        "samples": 10 ** 7, "chunk_size": 1000, "factors": [{"path": "weights", "noise": 0.2}]}}})
    proc = subprocess.Popen([sys.executable, "-m", "dti_bench", "run", str(cfg), "--out", str(tmp_path / "out"),
                             "--quiet"], stderr=subprocess.PIPE, text=True)
    import time

    time.sleep(4.0)  # well into the Monte Carlo run
    assert proc.poll() is None
    proc.send_signal(signal.SIGTERM)
    err = proc.communicate(timeout=60)[1]
    assert proc.returncode == 130 and "interrupted" in err and "Traceback" not in err
    nothing_left(tmp_path / "out")


def test_stale_temporaries_of_dead_runs_are_swept(tmp_path):
    parent = tmp_path / "t"
    parent.mkdir()
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True).stdout.strip()
    (parent / f".20260101T000000Z-abc.{dead}.xyz").mkdir()
    (parent / ".20260101T000000Z-abc.claim").write_text(f"{dead}\n")
    live = parent / f".20260101T000001Z-abc.{os.getpid()}.xyz"
    live.mkdir()
    removed = sweep_stale(parent)
    assert len(removed) == 2 and live.exists()


def test_concurrent_runs_get_their_own_ids(tmp_path):
    folders = [RunFolder(tmp_path, "t", "h") for _ in range(3)]
    ids = [f.run_id for f in folders]
    assert len(set(ids)) == 3
    finals = [f.commit() for f in folders]
    assert [p.name for p in finals] == ids
    mode = finals[0].stat().st_mode & 0o777
    umask = os.umask(0)
    os.umask(umask)
    assert mode == 0o777 & ~umask  # not the temporary folder's 0700


@pytest.mark.slow
def test_two_processes_running_one_config_at_once(tmp_path):
    cfg = config(tmp_path, {"methodology": POSITIVE})
    cmd = [sys.executable, "-m", "dti_bench", "run", str(cfg), "--out", str(tmp_path / "out"), "--quiet",
           "--figures", "none"]
    procs = [subprocess.Popen(cmd) for _ in range(2)]
    assert [p.wait(timeout=120) for p in procs] == [0, 0]
    folders = sorted((tmp_path / "out" / "t").iterdir())
    assert len(folders) == 2
    for folder in folders:
        assert json.loads((folder / "manifest.json").read_text())["run_id"] == folder.name


def test_report_rewrites_atomically(tmp_path, capsys, monkeypatch):
    cfg = config(tmp_path, {"methodology": POSITIVE})
    assert main("run", cfg, "--out", tmp_path / "out", "--quiet", "--figures", "none", capsys=capsys)[0] == 0
    folder = next((tmp_path / "out" / "t").iterdir())
    before = (folder / "report.html").read_bytes()

    def fail(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("os.replace", fail)
    one_line_error(*main("report", folder, capsys=capsys)[::2])
    assert (folder / "report.html").read_bytes() == before


# -- wrong numbers, and marks ------------------------------------------------------------------------------------

def test_extreme_values_keep_their_order():
    from dti_bench.methods.normalise import minmax, zscore

    np.testing.assert_allclose(minmax(np.array([0.0, 1.0, 1e308]), lo=0, hi=100), [0.0, 1e-306, 100.0])
    np.testing.assert_allclose(minmax(np.array([-1e308, 0.0, 1e308]), lo=0, hi=100), [0.0, 50.0, 100.0])
    np.testing.assert_allclose(zscore(np.array([1e155, 2e155, 3e155])), [-1.0, 0.0, 1.0])


@pytest.mark.slow
def test_synthetic_runs_mark_every_csv_and_keep_exact_floats(tmp_path, capsys):
    cfg = write(tmp_path, yaml.safe_dump({"name": "s", "data": {"dataset": "dti2022-synthetic"},
                                          "analyses": {"grid": {"aggregate": ["arithmetic", "geometric"]}}}))
    # PDFs are drawn only when asked (issue 17): asked here, for the check of their creation date below
    assert main("run", cfg, "--out", tmp_path / "out", "--quiet", "--pdf", capsys=capsys)[0] == 0
    folder = next((tmp_path / "out" / "s").iterdir())
    csvs = sorted(folder.rglob("*.csv"))
    assert len(csvs) > 5
    for path in csvs:
        assert path.read_text().splitlines()[0].endswith(",synthetic"), path
    import pandas as pd

    import dti_bench as db

    scores = pd.read_csv(folder / "scores.csv").set_index("unit")
    exact = db.compute_index(db.load_framework("dti-provincial-2022"),
                             db.load_dataset("dti2022-synthetic")).scores
    assert (scores["digital_society"] == exact["digital_society"]).all()  # bit for bit through the file
    # the figures carry no creation date: the same run draws the same bytes
    pdf = next((folder / "figures").glob("*.pdf")).read_bytes()
    assert b"CreationDate" not in pdf


def test_the_data_folder_and_variables_stay_out_of_config_yaml(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("DTI_BENCH_DATA", str(tmp_path / "secret-location"))
    monkeypatch.setenv("MY_EXAMPLES", str(EXAMPLES))
    cfg = write(tmp_path, yaml.safe_dump({"name": "v", "data": {"indicators": "${MY_EXAMPLES}/example_iData.csv",
                                                                 "framework": "${MY_EXAMPLES}/example_iMeta.csv"},
                                          "methodology": POSITIVE}))
    assert main("run", cfg, "--out", tmp_path / "out", "--quiet", "--figures", "none", capsys=capsys)[0] == 0
    folder = next((tmp_path / "out" / "v").iterdir())
    text = (folder / "config.yaml").read_text() + (folder / "report.html").read_text()
    assert "${MY_EXAMPLES}/example_iData.csv" in text
    assert "secret-location" not in text and str(EXAMPLES) not in (folder / "config.yaml").read_text()


def test_samples_overrides_the_monte_carlo_size_only(tmp_path, capsys):
    cfg = config(tmp_path, {"methodology": POSITIVE, "analyses": {
        "uncertainty": {"samples": 50, "factors": [{"path": "weights", "noise": 0.2}]},
        "sensitivity": {"samples": 16, "target": None, "factors": [{"path": "weights", "noise": 0.2},
                                                                   {"path": "aggregate.method",
                                                                    "choices": ["arithmetic", "geometric"]}]}}})
    code, _, err = main("run", cfg, "--out", tmp_path / "out", "--quiet", "--figures", "none", "--samples", "123",
                        capsys=capsys)
    assert code == 0, err
    manifest = json.loads(next((tmp_path / "out" / "t").iterdir()).joinpath("manifest.json").read_text())
    assert manifest["outputs"]["uncertainty"]["samples"] == 123 and manifest["outputs"]["sensitivity"]["N"] == 16


# -- validate and run agree on anything ----------------------------------------------------------------------------

def _outcome(argv, capsys) -> tuple[int, str]:
    try:
        code = cli.main(argv)
    except SystemExit as exit_:  # argparse on a bad flag
        code = exit_.code
    err = capsys.readouterr().err
    assert "Traceback" not in err
    if code != 0:
        assert code == 2 and len(err.strip().splitlines()) == 1 and err.startswith("dti-bench: error"), err
    return code, err


yaml_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-3, 10 ** 6), st.floats(allow_nan=True),
              st.text(max_size=12), st.sampled_from(["minmax", "geometric", "zscore", "weights", "normalise",
                                                     "dti2022-published-profiles", "uncertainty", "grid"])),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=10), inner, max_size=4)),
    max_leaves=12)


@pytest.mark.slow
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(document=st.one_of(yaml_values, st.dictionaries(
    st.sampled_from(["name", "data", "methodology", "analyses", "output", "description"]), yaml_values, max_size=5)))
def test_any_yaml_document(tmp_path, capsys, document):
    path = tmp_path / "g.yaml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True))
    v, _ = _outcome(["validate", str(path)], capsys)
    r, _ = _outcome(["run", str(path), "--out", str(tmp_path / "out"), "--quiet", "--figures", "none"], capsys)
    assert v == r


def _mutations():
    base = yaml.safe_load((REPO / "configs" / "dti2022-published.yaml").read_text())
    base["analyses"] = {"grid": {"aggregate": ["arithmetic", "geometric"]},
                        "uncertainty": {"samples": 64, "factors": [{"path": "weights", "noise": 0.25}]}}
    keys = [("methodology", "normalise"), ("methodology", "aggregate"), ("methodology", "weights"),
            ("methodology", "round"), ("analyses", "grid"), ("analyses", "uncertainty"), ("data", "dataset"),
            ("name",), ("output",)]
    return base, keys


@pytest.mark.slow
@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_mutations_of_a_bundled_config(tmp_path, capsys, data):
    import copy

    base, keys = _mutations()
    config_ = copy.deepcopy(base)
    for _ in range(data.draw(st.integers(1, 3))):
        path = data.draw(st.sampled_from(keys))
        node = config_
        for part in path[:-1]:
            node = node.setdefault(part, {}) if isinstance(node, dict) else {}
        if isinstance(node, dict):
            node[path[-1]] = data.draw(yaml_values)
    target = tmp_path / "m.yaml"
    target.write_text(yaml.safe_dump(config_, allow_unicode=True))
    v, _ = _outcome(["validate", str(target)], capsys)
    r, _ = _outcome(["run", str(target), "--out", str(tmp_path / "out"), "--quiet", "--figures", "none"], capsys)
    assert v == r


def _children(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().split()[2] == "Z")  # a zombie is gone in all but name


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_process_workers_end_with_a_killed_parent(tmp_path):
    import time

    cfg = config(tmp_path, {"methodology": POSITIVE, "analyses": {"uncertainty": {
        "samples": 10 ** 7, "chunk_size": 2000, "executor": "process", "workers": 2,
        "factors": [{"path": "weights", "noise": 0.2}]}}})
    proc = subprocess.Popen([sys.executable, "-m", "dti_bench", "run", str(cfg), "--out", str(tmp_path / "out"),
                             "--quiet"])
    workers: list[int] = []
    for _ in range(120):
        time.sleep(0.5)
        # the pool's workers are the spawned python processes below the run (a resource tracker may sit there too)
        workers = [c for c in _children(proc.pid)]
        if len(workers) >= 2:
            break
    assert len(workers) >= 2
    time.sleep(2.0)
    proc.kill()
    proc.wait()
    for _ in range(20):
        time.sleep(0.5)
        if not any(_alive(w) for w in workers):
            break
    assert not any(_alive(w) for w in workers), [w for w in workers if _alive(w)]


def test_round_is_bounded(tmp_path, capsys):
    """Found by the mutation test: round: 309 made 10**309 overflow to infinity in the rounding."""
    cfg = config(tmp_path, {"methodology": {**POSITIVE, "round": 309}})
    one_line_error(*main("validate", cfg, capsys=capsys)[::2], "round: expected null or a whole number of decimals "
                                                              "from 0 to 15")


def test_unreadable_files_and_weightless_imeta(tmp_path, capsys, monkeypatch):
    meta = (EXAMPLES / "example_iMeta.csv").read_text()
    # every child of Econ at weight 0: Econ could never be scored
    zero = meta.replace("GDPpc,GDP per capita,1,Econ,1,", "GDPpc,GDP per capita,1,Econ,0,").replace(
        "Exports,Exports share,1,Econ,2,", "Exports,Exports share,1,Econ,0,").replace(
        "Unemp,Unemployment rate,1,Econ,1,", "Unemp,Unemployment rate,1,Econ,0,")
    (tmp_path / "zero.csv").write_text(zero)
    cfg = config(tmp_path, {"data": {"indicators": DATA["indicators"], "framework": str(tmp_path / "zero.csv")}})
    one_line_error(*main("validate", cfg, capsys=capsys)[::2], "every child of composite 'Econ' has weight 0")
    good = config(tmp_path, {"methodology": POSITIVE}, "good.yaml")

    def denied(self, *args, **kwargs):
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "read_bytes", denied)
    one_line_error(*main("validate", good, capsys=capsys)[::2], "cannot be read (Permission denied)")
    monkeypatch.undo()
    monkeypatch.setattr("dti_bench.io.files.pd.read_csv", lambda *a, **k: denied(Path(a[0])))
    one_line_error(*main("validate", good, capsys=capsys)[::2], "cannot be read (Permission denied)")
