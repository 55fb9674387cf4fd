"""The audit report of a run folder: one self-contained HTML page (``dti-bench report RUN_DIR``).

Laid out like a JRC statistical audit of a composite indicator (Saisana, Saltelli & Tarantola 2005; the JRC
audits of the Global Innovation Index and others): summary, framework and data, statistical coherence,
uncertainty analysis (with the grid of alternatives), sensitivity analysis, weights versus importance (with the
weight maps), leave-one-out, conclusions, and an appendix holding the resolved config and the manifest verbatim.

The report reads the run folder through :class:`~dti_bench.io.runs.RunReader` (the framework the run stored gives
the headline and the structure table); it computes no statistics beyond arranging, sorting and counting what the
run wrote. Every file of a run is optional except ``manifest.json`` (a run writes only what its config asks for): a
section whose tables are absent says plainly that its analysis was not run.

The page is self-contained so that it can be mailed or archived with its run: figures are embedded as base64
PNG data URIs, the CSS is inline, there is no JavaScript and no external request.

How the page is made
--------------------
:mod:`dti_bench.reporting.sections` turns the run folder into plain data, one mapping per section (numbers
already formatted as text, tables, figures, "not run" notes); the Jinja2 templates in ``reporting/templates/``
lay it out: ``report.html.j2`` is the page (head, CSS, header, contents, one ``<section>`` per entry of
:data:`SECTIONS`, footer), ``section_<key>.html.j2`` each section's prose and markup, and ``tables.html.j2`` the
macros they share (data table, key/value table, figure, "not run" note, warning box). The environment
autoescapes every value, so text from the run's files (unit names, codes, config values, the manifest) reaches
the page escaped without escaping calls in the section code; and it is strict, so a misspelt variable is an
error rather than an empty string.

Conventions
-----------
- **Robust and volatile units**, as :mod:`dti_bench.reporting.verdicts` decides them for the report, the
  figures and the paper alike.
- **Numbers.** A column whose values are all whole numbers prints as integers; otherwise every cell of the
  column gets the same number of decimals (3 below 10, 2 below 1000, else 1), so that columns line up.
  Missing values print as an en dash.

References
----------
Saisana, M., Saltelli, A., Tarantola, S. (2005). Uncertainty and sensitivity analysis techniques as tools for
the quality assessment of composite indicators. *JRSS A* 168(2):307-323.
OECD/JRC (2008), *Handbook on Constructing Composite Indicators*, steps 4 and 7-8.
"""

from __future__ import annotations

import functools
import os
import secrets
import stat
from pathlib import Path
from types import MappingProxyType

from jinja2 import Environment, FileSystemBytecodeCache, PackageLoader, StrictUndefined

from dti_bench import __version__
from dti_bench.errors import DataError
from dti_bench.io.runs import RunReader
from dti_bench.progress import progress_bar
from dti_bench.reporting.sections import BUILDERS, MAX_LISTED_UNITS, escaped
# _format_column is the report's number formatting; its tests import it from here
from dti_bench.reporting.sections import _format_column  # noqa: F401
from dti_bench.reporting.verdicts import ROBUST_WIDTH, VOLATILE_WIDTH, unit_verdicts

#: Anchor -> title of each section, in the report's order.
SECTIONS = MappingProxyType({
    "summary": "Summary",
    "framework": "Framework and data",
    "coherence": "Statistical coherence",
    "uncertainty": "Uncertainty analysis",
    "sensitivity": "Sensitivity analysis",
    "importance": "Weights versus importance",
    "removal": "Leave-one-out",
    "rank_change": "Which published moves are robust",
    "conclusions": "Conclusions",
    "appendix": "Appendix",
})

# every section has its data builder (and, in templates/, its template)
assert tuple(SECTIONS) == tuple(BUILDERS), "SECTIONS and sections.BUILDERS disagree"


@functools.cache
def _environment() -> Environment:
    """The report's Jinja2 environment, made on first use (importing this module needs no template).

    Every template here is HTML, so autoescaping is on for all of them, and for templates made from strings.
    ``finalize`` escapes each value with :func:`html.escape` (see :func:`~dti_bench.reporting.sections.escaped`)
    before autoescaping sees it: the result is the same markup-safe text, but quotes are spelt ``&quot;`` and
    ``&#x27;`` as the standard library (and the previous renderer) spells them, not markupsafe's ``&#34;`` and
    ``&#39;``. Macro output passes unchanged; the section code marks nothing as trusted markup, since all the
    page's own markup is written in the templates.
    """
    return Environment(loader=PackageLoader("dti_bench.reporting", "templates"), autoescape=True,
                       finalize=escaped, undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                       keep_trailing_newline=True, bytecode_cache=_bytecode_cache())


class _QuietBytecodeCache(FileSystemBytecodeCache):
    """Jinja2's file cache of compiled templates, whose failure to write costs only the time it would save."""

    def dump_bytecode(self, bucket) -> None:  # type: ignore[no-untyped-def]
        try:
            super().dump_bytecode(bucket)
        except OSError:
            pass


def _bytecode_cache() -> FileSystemBytecodeCache | None:
    """Compiled templates kept between runs: compiling the report's twelve templates took twice as long as
    reading the run folder and rendering them (the report fell from 0.09 to 0.03 s of CPU). Jinja2's per-user folder in the temporary directory (mode 0700, owner
    checked; an entry is keyed by the template's name and source checksum, so an edited template recompiles);
    none when no safe folder can be made."""
    try:
        return _QuietBytecodeCache()
    except (OSError, RuntimeError):
        return None


def render_report(run_dir: str | Path, *, progress: bool = False) -> str:
    """The audit report of a run folder as one HTML string.

    Each section of :data:`SECTIONS` shows what the run's files hold for it: nominal ranks, the framework and the
    weights used (``weights.csv``), coherence (Cronbach's α, PCA, child-parent correlations), the Monte Carlo rank
    intervals and the grid of alternatives, Sobol' indices or a Morris/PAWN screening, weights against importance
    (the correlation ratio :math:`\\eta^2 = V[E(y \\mid x_i)] / V(y)`), leave-one-out rank shifts, each unit's verdict
    from the width :math:`q_{95} - q_{05}` of its rank interval, and the config and manifest verbatim. A section
    whose analysis the run did not do says so.

    Parameters
    ----------
    run_dir : str or Path
        A run folder written by :func:`dti_bench.experiment.run` (it must hold ``manifest.json``; every other
        file is optional).
    progress : bool
        Show a progress bar (:func:`dti_bench.progress.progress_bar`): one step per section, and one for laying
        out the page.

    Returns
    -------
    str
        A complete, self-contained HTML document (figures as data URIs, inline CSS, no script). The figures are
        those the run drew (``output.figures``); a figure it did not draw is left out, its tables stay.

    Raises
    ------
    DataError
        ``run_dir`` does not exist, is not a folder, or holds no ``manifest.json`` (or an unreadable one).

    Examples
    --------
    >>> import dti_bench as db, tempfile
    >>> folder = db.Study.from_config({"name": "demo", "data": {"dataset": "dti2022-published-profiles"},
    ...                                "output": {"figures": "none", "report": False}}).save(tempfile.mkdtemp())
    >>> page = render_report(folder)
    >>> page.startswith("<!DOCTYPE html>"), "<h2>1. Summary</h2>" in page, "<title>Statistical audit: demo" in page
    (True, True, True)
    >>> "Not run: Monte Carlo uncertainty analysis" in page
    True
    """
    run = RunReader(run_dir)
    sections = []
    with progress_bar(len(SECTIONS) + 1, "report", enabled=progress, unit="section") as bar:
        for key, title in SECTIONS.items():
            bar.set_postfix_str(key)
            sections.append({"key": key, "title": title, "data": BUILDERS[key](run)})
            bar.update(1)
        bar.set_postfix_str("page")
        page = _environment().get_template("report.html.j2").render(
            title=str(run.config.get("name") or run.path.parent.name), synthetic=bool(run.manifest.get("synthetic")),
            run_id=run.run_id, version=__version__, sections=sections)
        bar.update(1)
    return page


def write_report(run_dir: str | Path, out: str | Path | None = None, *, progress: bool = False) -> Path:
    """Write the audit report of a run folder as one self-contained HTML file; return its path.

    The page is :func:`render_report`'s. It is written to a temporary file beside its target and then renamed
    over it (:func:`os.replace`), so a write that fails (a full disk, a killed process) leaves an earlier report
    as it was, never half-written.

    Parameters
    ----------
    run_dir : str or Path
        A run folder written by :func:`dti_bench.experiment.run` (it must hold ``manifest.json``; every other
        file is optional and its section says so when it is absent).
    out : str or Path, optional
        The HTML file to write; default ``run_dir/report.html``; an existing folder gets ``report.html`` inside it.
        Its folder is created if needed.
    progress : bool
        Show a progress bar, as :func:`render_report` does.

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    DataError
        ``run_dir`` does not exist, is not a folder, or holds no ``manifest.json`` (or an unreadable one); or
        ``out`` cannot be written.

    Examples
    --------
    >>> import dti_bench as db, tempfile
    >>> folder = db.Study.from_config({"name": "demo", "data": {"dataset": "dti2022-published-profiles"},
    ...                                "output": {"figures": "none", "report": False}}).save(tempfile.mkdtemp())
    >>> path = write_report(folder)
    >>> path == folder / "report.html", path.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    (True, True)
    >>> [p.name for p in folder.glob(".report.html*")]  # no temporary file left behind
    []
    >>> write_report(folder, out=tempfile.mkdtemp()).name  # an existing folder gets report.html inside it
    'report.html'
    """
    html = render_report(run_dir, progress=progress)
    path = Path(out) if out is not None else Path(run_dir) / "report.html"
    if path.is_dir():
        path = path / "report.html"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        _write_atomically(path, html.encode("utf-8"))
    except OSError as exc:
        raise DataError(f"{path}: cannot write the report ({exc.strerror or exc})") from None
    return path


def _write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to a new file in ``path``'s folder, then rename it to ``path``; on any failure remove it."""
    # the same folder, so that the rename stays on one file system and is atomic; O_EXCL never reuses a file
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    # mode 0o666 lets the umask decide, as for any file the user creates; a report written over another keeps its
    # permissions
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if path.is_file():
            os.chmod(tmp, stat.S_IMODE(path.stat().st_mode))
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


__all__ = ["MAX_LISTED_UNITS", "ROBUST_WIDTH", "SECTIONS", "VOLATILE_WIDTH", "render_report",
           "unit_verdicts", "write_report"]
