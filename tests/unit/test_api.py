"""The public API: one flat namespace, every entry point documented with an Examples section (which the doctests
run), no process-wide state changed by a library call, and imports that point down the layers."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest

import dti_bench as db

PACKAGE = Path(db.__file__).resolve().parent

#: Entry points beyond the namespace's own names: the constructors and methods a notebook calls.
METHODS = [db.Methodology.default, db.Methodology.from_dict, db.Methodology.vary, db.Dataset.from_frame,
           db.Framework.from_tree, db.Study.from_config, db.Study.run, db.Study.save, db.IndexResult.to_frame]


def public_objects():
    for name in db.__all__:
        obj = getattr(db, name)
        if name in ("__version__", "UserError") or inspect.ismodule(obj):
            continue
        yield f"db.{name}", obj
    for module, label in ((db.factors, "db.factors"), (db.plot, "db.plot")):
        for name in module.__all__:
            obj = getattr(module, name)
            if callable(obj) and not name.isupper() and not name.startswith("draw_"):
                yield f"{label}.{name}", obj
    for method in METHODS:
        yield method.__qualname__, method


@pytest.mark.parametrize("name, obj", list(public_objects()), ids=[n for n, _ in public_objects()])
def test_every_public_entry_point_has_an_examples_section(name, obj):
    doc = inspect.getdoc(obj) or ""
    assert "Examples\n--------" in doc and ">>>" in doc, f"{name} has no Examples section"


@pytest.mark.parametrize("name, obj", [(n, o) for n, o in public_objects() if inspect.isfunction(o)],
                         ids=[n for n, o in public_objects() if inspect.isfunction(o)])
def test_every_parameter_of_a_public_function_is_documented(name, obj):
    doc = inspect.getdoc(obj) or ""
    params = [p for p in inspect.signature(obj).parameters if p not in ("self", "cls") and not p.startswith("*")]
    section = doc.split("Parameters\n----------", 1)
    assert len(section) == 2 or not params, f"{name} documents no parameters"
    if params:
        body = section[1].split("\n\n" + "Returns", 1)[0]
        for p in params:
            assert p in body, f"{name}: parameter {p!r} is not documented"


def test_the_namespace_holds_what_the_issue_names():
    for name in ("load_framework", "load_dataset", "read_coinr", "Dataset", "Methodology", "compute_index", "factors",
                 "uncertainty", "sobol", "morris", "pawn", "grid", "importance", "coherence", "leave_one_out",
                 "weight_map", "Study", "run", "plot", "report"):
        assert hasattr(db, name), name
    for name in ("choice", "range", "weight_noise", "dirichlet", "exclude", "leave_one_out"):
        assert callable(getattr(db.factors, name)), name


#: The layers, bottom first: a module may import from its own layer and the ones before it, never after.
LAYERS = ["errors", "filenames", "methods", "metrics", "model", "index", "audit", "engine", "config", "analyses", "io", "synthesis",
          "reporting", "experiment", "cli", "testing", "__init__", "__main__"]


def _layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("dti_bench"):
            out.append(node.module if node.module != "dti_bench" else
                       "dti_bench." + node.names[0].name)
        elif isinstance(node, ast.Import):
            out += [a.name for a in node.names if a.name.startswith("dti_bench")]
    return out


def test_imports_point_down_the_layers():
    wrong = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE.parent).with_suffix("")
        module = ".".join(rel.parts)
        here = _layer(module if not module.endswith("__init__") or module == "dti_bench.__init__" else module)
        if here not in LAYERS:
            continue
        for target in _imports(path):
            there = _layer(target)
            if there in LAYERS and LAYERS.index(there) > LAYERS.index(here):
                wrong.append(f"{module} imports {target}")
    assert not wrong, "\n".join(wrong)


def test_a_library_run_changes_no_process_state():
    from dti_bench.engine import memory

    fw, data = db.load_framework("dti-provincial-2022"), db.load_dataset("dti2022-published-profiles")
    db.uncertainty(fw, data, None, [db.factors.weight_noise(0.25)], n=50)
    assert not memory.allocator_tuned()
