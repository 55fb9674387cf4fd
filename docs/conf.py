"""Sphinx configuration of the dti_bench documentation site (``make docs``; warnings are errors).

Why Sphinx rather than MkDocs: the package's docstrings are numpydoc, which Sphinx renders natively (numpydoc,
autosummary); MyST lets the pages stay Markdown, as README.md and docs/coinr.md are; and sphinx-gallery executes
the tutorials as plain Python scripts at build time, with their figures, without a Jupyter kernel, which is the
most robust choice on a fresh machine with only Python and PyPI.

The methods catalogue and the config reference are generated here, when the build starts, from the registries and
spec dataclasses (``dti_bench.reporting.catalogue``, ``dti_bench.reporting.reference``), so they cannot drift from
the code.
"""

from __future__ import annotations

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no screen on a build machine

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE / "_ext"))  # the gallery's figure scraper, importable so that Sphinx can pickle it

import dti_bench  # noqa: E402
from dti_bench.reporting.catalogue import methods_catalogue_markdown  # noqa: E402
from dti_bench.reporting.reference import config_reference_markdown  # noqa: E402
from figure_scraper import FigureScraper  # noqa: E402

project = "dti_bench"
author = "the dti_bench authors"
copyright = "the dti_bench authors"  # noqa: A001
release = version = dti_bench.__version__

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = ["_build", "tutorials/README.txt", "**.ipynb_checkpoints"]
myst_heading_anchors = 3
myst_enable_extensions = ["dollarmath"]

autosummary_generate = True
# classes show their public methods and properties (Framework.from_tree, Methodology.vary, Study.save ...)
autodoc_default_options = {"members": True}
autodoc_typehints = "none"  # numpydoc's Parameters sections give the types
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False

html_theme = "pydata_sphinx_theme"
html_title = f"dti_bench {release}"
html_theme_options = {"navigation_with_keys": False, "show_toc_level": 2}

# The case-study tutorial reads third-party data from $DTI_BENCH_DATA (the Makefile points it at ../shared/datasets
# when that folder exists); without it the tutorial prints a note and skips itself.
sphinx_gallery_conf = {
    "examples_dirs": ["tutorials"],
    "gallery_dirs": ["auto_tutorials"],
    "filename_pattern": r"/t\d+_",
    "within_subsection_order": "FileNameSortKey",
    "download_all_examples": False,
    "remove_config_comments": True,
    "show_memory": False,
    "plot_gallery": "True",
    "abort_on_example_error": True,
    "matplotlib_animations": False,
    "image_scrapers": ("matplotlib", FigureScraper()),
    "reset_modules": ("matplotlib",),
}


def _write_if_changed(path: Path, text: str) -> None:
    # rewriting an unchanged page would make Sphinx rebuild it (and everything linking to it) every time
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")


def _autosummary(module: str, names) -> list[str]:
    return ["", f".. currentmodule:: {module}", "", ".. autosummary::", "   :toctree: api", ""] + \
        [f"   {n}" for n in names] + [""]


def api_page() -> str:
    """Every public name: the ``db`` namespace, ``db.factors``, ``db.plot``, the result classes and ``db.io``,
    read from their ``__all__`` (constants listed by name), so a name added to the API appears here."""
    import inspect

    from dti_bench import factors, io
    from dti_bench.analyses.results import Result
    from dti_bench.reporting import figures

    def split(module, names):
        public = [n for n in names if not n.startswith("_")]
        constants = [n for n in public if n.isupper()]
        return [n for n in public if n not in constants and not inspect.ismodule(getattr(module, n, None))
                and n != "plot"], constants

    lines = ["API reference", "=============", "",
             "Everything is one flat namespace away: ``import dti_bench as db``. This page is generated from the "
             "modules' ``__all__`` when the documentation is built.", ""]
    sections = [("The ``db`` namespace", "dti_bench", dti_bench, dti_bench.__all__),
                ("Factors: ``db.factors``", "dti_bench.analyses.factors", factors, factors.__all__),
                ("Figures: ``db.plot``", "dti_bench.reporting.figures", figures, figures.__all__),
                ("Files and bundled data: ``db.io``", "dti_bench.io", io, io.__all__)]
    documented: set[int] = set()
    for title, module_name, module, names in sections:
        functions, constants = split(module, names)
        # a name the db namespace re-exports (db.io.RunReader is db.RunReader) is documented once, there
        again = [n for n in functions if id(getattr(module, n)) in documented]
        functions = [n for n in functions if n not in again]
        documented.update(id(getattr(module, n)) for n in functions)
        lines += [title, "-" * len(title)] + _autosummary(module_name, functions)
        if again:
            lines += ["Also here, documented above: " + ", ".join(f"``{n}``" for n in again) + ".", ""]
        if constants:
            lines += ["Constants: " + ", ".join(f"``{c}``" for c in constants) + ".", ""]
    results = sorted({c for c in _subclasses(Result)}, key=lambda c: c.__name__)
    title = "Result classes"
    lines += [title, "-" * len(title), "",
              "What each analysis returns: ``.to_frame()``, ``.tables()`` (the run-folder tables), ``.summary()``.", ""]
    for cls in [Result, *results]:
        lines += [f".. autoclass:: {cls.__module__}.{cls.__name__}", "   :members:", ""]
    return "\n".join(lines)


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def generate_pages(app=None) -> None:
    generated = HERE / "generated"
    _write_if_changed(generated / "methods.md", methods_catalogue_markdown())
    _write_if_changed(generated / "config.md", config_reference_markdown())
    _write_if_changed(generated / "api.rst", api_page())


# written when the configuration is read, before Sphinx collects the source files (autosummary makes its stubs
# from the generated API page)
generate_pages(None)
