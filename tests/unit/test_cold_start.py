"""Cold start: the commands that do no analysis import nothing heavy (issue 17).

Each check runs in a fresh interpreter (imports are once per process) and reads its ``sys.modules`` afterwards;
no timing is asserted, only which modules were loaded. The timings themselves are in bench/cold_start.py.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import dti_bench

ROOT = Path(dti_bench.__file__).resolve().parent.parent
#: Never needed to print help, a version or to validate a config (the analyses, figures and executors need them).
HEAVY = ("scipy", "matplotlib", "SALib", "dask", "distributed", "tqdm", "jinja2")
#: Nor to print help: the package's own namespace loads lazily, so neither numpy nor pandas is needed before a
#: command runs.
HEAVY_FOR_HELP = HEAVY + ("numpy", "pandas", "yaml")


def modules_after(code: str) -> set[str]:
    """The top-level packages in ``sys.modules`` after running ``code`` in a fresh interpreter."""
    script = (f"import json, sys\n{code}\n"
              "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return set(json.loads(done.stdout.splitlines()[-1]))


def command(*argv: str) -> str:
    """The console script (``dti-bench ARGV``: ``cli.main``), its output swallowed, its exit status checked."""
    return ("import contextlib, io\nfrom dti_bench.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            "    try:\n"
            f"        status = main({list(argv)!r})\n"
            "    except SystemExit as stop:  # --help and --version exit from argparse\n"
            "        status = stop.code\n"
            "assert status == 0, status")


def module_command(*argv: str) -> str:
    """``python -m dti_bench ARGV``, run the way the interpreter runs it (runpy), its exit status checked."""
    return ("import contextlib, io, runpy\n"
            f"sys.argv = ['dti_bench', *{list(argv)!r}]\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            "    try:\n"
            "        runpy.run_module('dti_bench', run_name='__main__', alter_sys=True)\n"
            "    except SystemExit as stop:\n"
            "        assert stop.code in (0, None), stop.code")


@pytest.mark.parametrize("code", [command("--help"), command("--version"), module_command("--help"),
                                  command("validate", "--help"), command("run", "--help")],
                         ids=["dti-bench --help", "dti-bench --version", "python -m dti_bench --help",
                              "dti-bench validate --help", "dti-bench run --help"])
def test_help_and_version_import_neither_numpy_nor_pandas(code):
    loaded = modules_after(code)
    assert "dti_bench" in loaded
    assert not loaded & set(HEAVY_FOR_HELP), sorted(loaded & set(HEAVY_FOR_HELP))


@pytest.mark.parametrize("code", [command("validate", "configs/dti2022.yaml"),
                                  module_command("validate", "configs/dti2022.yaml")],
                         ids=["dti-bench validate", "python -m dti_bench validate"])
def test_validate_imports_no_scipy_plotting_or_executor(code):
    loaded = modules_after(code)
    assert {"numpy", "pandas"} <= loaded  # it did load the data and compute the nominal index
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))


def test_importing_the_package_loads_none_of_its_layers():
    loaded = modules_after("import dti_bench as db")
    assert not loaded & set(HEAVY_FOR_HELP), sorted(loaded & set(HEAVY_FOR_HELP))


def test_the_lazy_namespace_resolves_on_use():
    # a fresh interpreter: here the test session has imported every layer already
    loaded = modules_after("import dti_bench as db\n"
                           "assert db.compute_index.__module__ == 'dti_bench.index'\n"
                           "assert db.io.bundled_datasets()  # a subpackage as an attribute, without importing it\n"
                           "assert set(db.__all__) <= set(dir(db))\n"
                           "from dti_bench import Study, uncertainty\n"
                           "try:\n"
                           "    db.no_such_name\n"
                           "except AttributeError as err:\n"
                           "    assert 'no_such_name' in str(err)\n"
                           "else:\n"
                           "    raise AssertionError('db.no_such_name resolved')")
    assert {"numpy", "pandas"} <= loaded
    assert "matplotlib" not in loaded  # db.plot was not asked for


def test_plot_loads_matplotlib_when_asked_for():
    assert "matplotlib" in modules_after("import dti_bench as db\ndb.plot")


def test_the_type_checking_imports_name_what_the_namespace_loads():
    import ast
    import importlib
    import types

    tree = ast.parse(Path(dti_bench.__file__).read_text(encoding="utf-8"))
    block = next(node for node in tree.body
                 if isinstance(node, ast.If) and getattr(node.test, "id", "") == "TYPE_CHECKING")
    spelt = {}
    for node in block.body:
        for alias in node.names:
            value = getattr(importlib.import_module(node.module), alias.name)
            spelt[alias.asname or alias.name] = ((f"{node.module}.{alias.name}", None)
                                                 if isinstance(value, types.ModuleType) else (node.module, alias.name))
    assert spelt == dti_bench._PUBLIC
    assert set(dti_bench.__all__) == {*dti_bench._PUBLIC, "__version__", "report"}
