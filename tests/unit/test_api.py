"""The public API: one flat namespace, every public name documented with an Examples section (which the doctests
run), no process-wide state changed by a library call, and imports that point down the layers."""

from __future__ import annotations

import ast
import functools
import importlib
import inspect
import pkgutil
import types
from pathlib import Path

import pytest

import dti_bench as db
import dti_bench.analyses
import dti_bench.io
from dti_bench.analyses import registry as analyses_registry
from dti_bench.analyses.results import Result
from dti_bench.methods.registry import METHODS as METHOD_REGISTRY

PACKAGE = Path(db.__file__).resolve().parent

#: Entry points beyond the namespace's own names: the constructors and methods a notebook calls.
METHODS = [db.Methodology.default, db.Methodology.from_dict, db.Methodology.vary, db.Dataset.from_frame,
           db.Framework.from_tree, db.Study.from_config, db.Study.run, db.Study.save, db.IndexResult.to_frame]

#: The classes a user is handed from the namespace, whose public methods and properties are public names too.
NAMESPACE_CLASSES = (db.Dataset, db.Framework, db.Methodology, db.Panel, db.IndexResult, db.Study, db.StudyResults,
                     db.RunReader)


def public_objects():
    """The namespace's functions and classes, db.factors and db.plot, and the constructors of :data:`METHODS`:
    the entry points whose every parameter must be documented."""
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


def result_classes() -> list[type]:
    """Every analysis result class: the subclasses of :class:`Result`, once every analysis module is imported."""
    for module in pkgutil.iter_modules(dti_bench.analyses.__path__):
        importlib.import_module(f"dti_bench.analyses.{module.name}")
    found, stack = set(), [Result]
    while stack:
        for sub in stack.pop().__subclasses__():
            if sub.__module__.startswith("dti_bench.") and sub not in found:
                found.add(sub)
                stack.append(sub)
    return sorted(found, key=lambda c: c.__name__)


def members(cls: type):
    """(name, object) of the public methods and properties of ``cls``, its own and those it inherits from the
    package's classes (not from object, Mapping or other libraries); dataclass fields are data, not members."""
    seen = set()
    for klass in cls.__mro__:
        if not klass.__module__.startswith("dti_bench"):
            continue
        for name, raw in vars(klass).items():
            if name.startswith("_") or name in seen:
                continue
            if isinstance(raw, (staticmethod, classmethod)):
                raw = raw.__func__
            if isinstance(raw, functools.cached_property):
                raw = raw.func
            if inspect.isfunction(raw) or isinstance(raw, property):
                seen.add(name)
                yield name, raw


def _nested_code(code: types.CodeType):
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            yield const
            yield from _nested_code(const)


def analysis_functions():
    """The functions the analyses registry runs: those the closures of each :data:`ANALYSES` row's ``bind`` call
    (read from their code, so that a new row is covered without being listed here)."""
    names = {}
    for analysis in analyses_registry.ANALYSES.values():
        for code in _nested_code(analysis.bind.__code__):
            for name in code.co_names:
                obj = vars(analyses_registry).get(name)
                if inspect.isfunction(obj) and obj.__module__.startswith("dti_bench.analyses."):
                    names[name] = obj
    return sorted(names.items())


def public_names():
    """Every name a user is given as public (issue 18): ``db.__all__``; ``db.factors.__all__`` and
    ``db.plot.__all__`` callables; the public methods and properties of the namespace's classes and of every
    analysis result class; the public functions (and classes) of ``dti_bench.io``; every method function of the
    method registry; and every analysis function the analyses registry runs."""
    for name in db.__all__:
        obj = getattr(db, name)
        if name != "__version__" and not inspect.ismodule(obj):
            yield f"db.{name}", obj
    for module, label in ((db.factors, "db.factors"), (db.plot, "db.plot"), (dti_bench.io, "dti_bench.io")):
        for name in module.__all__:
            obj = getattr(module, name)
            if callable(obj) and not name.isupper():
                yield f"{label}.{name}", obj
    for cls in (*NAMESPACE_CLASSES, *result_classes()):
        for name, obj in members(cls):
            yield f"{cls.__name__}.{name}", obj
    for family in METHOD_REGISTRY:
        for name, entry in METHOD_REGISTRY[family].items():
            yield f"METHODS[{family!r}][{name!r}]", entry.function
    for name, obj in analysis_functions():
        yield f"ANALYSES: {obj.__module__}.{name}", obj


def _unique(pairs):
    seen = {}
    for name, obj in pairs:
        seen.setdefault(name, obj)
    return list(seen.items())


PUBLIC_NAMES = _unique(public_names())


def test_the_public_names_cover_every_kind_the_issue_lists():
    labels = [n for n, _ in PUBLIC_NAMES]
    for expected in ("db.uncertainty", "db.factors.weight_noise", "db.plot.draw_rank_intervals", "Dataset.select",
                     "Framework.children", "RunReader.table", "UncertaintyResult.to_frame", "SobolResult.summary",
                     "ScreeningResult.describe", "RankChangeResult.describe", "WeightMapResult.tables",
                     "dti_bench.io.write_csv", "METHODS['normalise']['minmax']", "METHODS['screen']['coverage']",
                     "ANALYSES: dti_bench.analyses.uncertainty.uncertainty",
                     "ANALYSES: dti_bench.analyses.rank_change.rank_change_sensitivity"):
        assert expected in labels, expected
    assert len(labels) > 250


def has_examples(obj) -> bool:
    """Does the docstring of ``obj`` have a numpydoc Examples section with at least one doctest in it?"""
    doc = inspect.getdoc(obj) or ""
    head, found, section = doc.partition("Examples\n--------")
    return bool(found) and ">>>" in section


def test_has_examples_refuses_a_docstring_without_a_doctest_in_its_examples_section():
    def bare():
        """No section."""

    def prose_only():
        """Text.

        >>> 1 + 1
        2

        Examples
        --------
        Described, not run.
        """

    def documented():
        """Text.

        Examples
        --------
        >>> 1 + 1
        2
        """

    assert (has_examples(bare), has_examples(prose_only), has_examples(documented)) == (False, False, True)


@pytest.mark.parametrize("name, obj", PUBLIC_NAMES, ids=[n for n, _ in PUBLIC_NAMES])
def test_every_public_name_has_an_examples_section(name, obj):
    assert has_examples(obj), f"{name} has no Examples section (numpydoc 'Examples\\n--------' with a >>> line)"


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
