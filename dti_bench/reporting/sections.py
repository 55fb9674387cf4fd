"""What each section of the audit report shows, as plain data for its template.

:mod:`dti_bench.reporting.html` renders the page; this module reads the run folder (through
:class:`~dti_bench.io.runs.RunReader`) and prepares, for each section, a mapping of plain values that its template
``templates/section_<key>.html.j2`` lays out: numbers already formatted as text (:func:`_format_column`,
:func:`_n`), tables as :class:`Table`, figures as :class:`Figure`, and a :class:`NotRun` where an analysis is
absent. Text read from files stays plain text here, and the template environment escapes it on the way out; the
one exception is :func:`_format_column`, whose text cells come back already escaped (as
:class:`~markupsafe.Markup`, so not escaped twice) because its unit test pins that. The prose and its markup
(``<strong>``, ``<code>``, ``<sub>``) live in the templates.

Every section builder takes the run's :class:`~dti_bench.io.runs.RunReader` and returns a plain mapping, which
its template reads as ``d``; an analysis the run did not do appears as a :class:`NotRun` under ``not_run`` (None
when it ran), so that every key a template reads is present (the environment is strict).

Like the report as a whole, this module computes no statistics beyond arranging, sorting and counting what the
run wrote.
"""

from __future__ import annotations

import base64
import html
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd
from markupsafe import Markup

from dti_bench.filenames import safe_stem
from dti_bench.analyses.coherence import WEAK_CORRELATION
from dti_bench.analyses.factors import label_choice
from dti_bench.analyses.registry import ANALYSES
from dti_bench.io.runs import RunReader
from dti_bench.reporting.verdicts import ROBUST_WIDTH, VOLATILE_WIDTH, unit_verdicts

#: Above this many units, the uncertainty section lists only the units that move most (conclusions list all).
MAX_LISTED_UNITS = 100
#: Units named for each statement of an ensemble run in the report's summary (ensemble_statements.csv has all).
ENSEMBLE_LISTED_UNITS = 20
#: CSS pixels per figure pixel (see _figure).
FIGURE_SCALE = 0.8
#: Figures at most this many pixels wide (one-column ones) may stand side by side.
NARROW_FIGURE = 800

SCREENING_HEADERS = MappingProxyType({
    "factor": "Factor", "mu_star": "μ*", "mu_star_conf": "μ* 95 % half-width", "mu": "μ", "sigma": "σ",
    "median": "KS median", "mean": "KS mean", "maximum": "KS maximum"})

DESIGN_HEADERS = MappingProxyType({
    "factor": "Factor", "design": "Design", "compares": "A step compares", "alternatives": "Alternatives",
    "evaluated": "Evaluated", "pairs": "Pairs", "compared": "Compared", "min_comparisons": "Fewest comparisons",
    "max_comparisons": "Most comparisons"})

_INTERVAL = re.compile(r"[\d.,\[\] –-]*\d[\d.,\[\] –-]*")
_PNG = b"\x89PNG\r\n\x1a\n"


def escaped(value: Any) -> Markup:
    """``value`` as text safe to place in HTML, marked safe so that autoescaping does not escape it twice.

    This is the report environment's escaping (its ``finalize``, applied to every ``{{ value }}``): :func:`html.escape`
    with quotes, which spells ``"`` and ``'`` as ``&quot;`` and ``&#x27;`` (markupsafe would write ``&#34;`` and
    ``&#39;``; the previous renderer and the tests use the standard library's spelling). A value that is already
    markup (it has ``__html__``: macro output, a trusted :class:`~markupsafe.Markup` fragment) passes unchanged.

    Parameters
    ----------
    value : Any
        Anything a template prints; it is converted with :class:`str` first.

    Returns
    -------
    Markup
        The escaped text.

    Examples
    --------
    >>> str(escaped("<b>Hà Nội & Co's</b>"))
    '&lt;b&gt;Hà Nội &amp; Co&#x27;s&lt;/b&gt;'
    >>> str(escaped('say "hi"'))
    'say &quot;hi&quot;'
    >>> str(escaped(Markup("<sub>T</sub>")))
    '<sub>T</sub>'
    """
    if hasattr(value, "__html__"):
        return Markup(value.__html__())
    return Markup(html.escape(str(value)))


# -- the pieces a section template lays out ------------------------------------------------------------------------

@dataclass(frozen=True)
class Table:
    """A data table: header texts, which columns are numeric (right-aligned), rows of cell texts, a class per row
    ('' for none) and a caption ('' for none)."""

    headers: list[str]
    numeric: list[bool]
    rows: list[list[str]]
    classes: list[str]
    caption: str = ""


@dataclass(frozen=True)
class Figure:
    """A run figure: its name (``figures/<name>.png``), the PNG as base64, its width in pixels (0 when unknown)
    and its caption."""

    name: str
    data: str
    pixels: int
    caption: str

    @property
    def width(self) -> int:
        """The CSS width: the run's figures are drawn at 200 dpi with 7-8 pt type, and 0.8 CSS px per pixel shows
        that type at 15-18 px and a one-column figure 560 px wide (0 when the PNG's width is unknown)."""
        return round(self.pixels * FIGURE_SCALE)


@dataclass(frozen=True)
class FigureGroup:
    """Figures shown together: side by side when ``row`` (all one-column ones), else one below the other."""

    figures: list[Figure]
    row: bool


@dataclass(frozen=True)
class NotRun:
    """An analysis absent from the run: its config key, its title, whether the config asked for it (then its files
    are missing: ``files``), and the ``analyses`` entry that would run it ('' for no hint)."""

    key: str
    title: str
    configured: bool
    files: str
    add: str = ""


def _format_column(values: pd.Series, decimals: bool = False, digits: int | None = None) -> tuple[list[str], bool]:
    """The cells of one column as text, and whether the column is numeric (right-aligned); ``decimals`` prints
    whole numbers with decimals too (for a statistic that merely happens to be whole, such as a correlation of 1);
    ``digits`` fixes the number of decimals.

    The cells are plain text: the template escapes them, as it escapes everything that comes from a file.
    """
    if pd.api.types.is_bool_dtype(values):
        return ["yes" if v else "no" for v in values], False
    if not pd.api.types.is_numeric_dtype(values):
        texts = [None if pd.isna(v) else str(v) for v in values]
        # intervals such as '4–5' or '[0.202, 0.261]' line up like numbers
        present = [t for t in texts if t is not None]
        numeric = bool(present) and all(_INTERVAL.fullmatch(t) for t in present)
        return ["–" if t is None else t for t in texts], numeric
    x = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
    finite = x[np.isfinite(x)]
    whole = finite.size and np.all(finite == np.round(finite)) and np.abs(finite).max() < 1e15
    if digits is None and not decimals and whole:
        return [("–" if not np.isfinite(v) else f"{int(v)}") for v in x], True
    biggest = np.abs(finite).max() if finite.size else 0.0
    if digits is None:
        digits = 3 if biggest < 10 else 2 if biggest < 1000 else 1
    # adding 0.0 turns a rounded -0.000 into 0.000
    return [("–" if not np.isfinite(v) else f"{round(v, digits) + 0.0:,.{digits}f}") for v in x], True


def _table(frame: pd.DataFrame, headers: Mapping[str, str] | None = None, *, caption: str = "",
           row_class: Callable[[pd.Series], str] | None = None, decimals: Sequence[str] | bool = (),
           digits: Mapping[str, int] | None = None) -> Table:
    """``frame`` as a :class:`Table` (columns renamed by ``headers``); the columns named in ``decimals`` (every
    column if True) always print decimals, those in ``digits`` that many."""
    headers = headers or {}
    digits = digits or {}
    cols = list(frame.columns)
    cells = [_format_column(frame[c], decimals is True or c in decimals, digits.get(c)) for c in cols]
    rows = [[texts[i] for texts, _ in cells] for i in range(len(frame))]
    classes = [row_class(frame.iloc[i]) if row_class else "" for i in range(len(frame))]
    return Table([headers.get(c, str(c)) for c in cols], [numeric for _, numeric in cells], rows, classes, caption)


def _figure(run: RunReader, name: str, caption: str) -> Figure | None:
    """A run figure to embed as a data URI (None when the run did not draw it)."""
    png = run.path / "figures" / f"{name}.png"
    if not png.is_file():
        return None
    raw = png.read_bytes()
    return Figure(name, base64.b64encode(raw).decode("ascii"), _png_width(raw), caption)


def _png_width(raw: bytes) -> int:
    """Pixel width from a PNG's IHDR chunk (0 when the bytes are not a PNG)."""
    return int.from_bytes(raw[16:20], "big") if raw[:8] == _PNG else 0


def _figures(run: RunReader, *named: tuple[str, str]) -> FigureGroup:
    """Figures (name, caption) side by side when all are one-column ones (wrapping on a narrow page), else one
    below the other."""
    figures = [f for f in (_figure(run, n, c) for n, c in named) if f is not None]
    narrow = all(0 < f.pixels <= NARROW_FIGURE for f in figures)
    return FigureGroup(figures, len(figures) > 1 and narrow)


def _ran(run: RunReader, analysis: str) -> bool:
    return run.has(*ANALYSES[analysis].files)


def _not_run(run: RunReader, analysis: str, add: str = "") -> NotRun:
    entry = ANALYSES[analysis]
    return NotRun(analysis, entry.title, analysis in run.analyses, " or ".join(entry.files), add)


def _n(value: Any, digits: int = 3) -> str:
    """A single number as text: integers with thousands separators, floats with ``digits`` decimals, missing as
    an en dash; anything else as its text."""
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        return "–"
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, (int, np.integer)):
        return f"{int(value):,}"
    if isinstance(value, (float, np.floating)):
        return f"{round(float(value), digits) + 0.0:.{digits}f}"
    return str(value)


def _setting(value: Any) -> str:
    """A methodology setting as the config spells it (YAML's null/true/false, COINr-style method labels)."""
    if value is None or isinstance(value, bool):
        return {None: "null", True: "true", False: "false"}[value]
    if isinstance(value, list):
        return ", ".join(_setting(v) for v in value)
    return label_choice(value)


def _places(value: Any) -> str:
    return f"{_n(value)} place{'' if value == 1 else 's'}"


def _codes(items: Sequence[Any]) -> str:
    return ", ".join(str(i) for i in items) or "none"


def _unit_label(run: RunReader) -> Callable[[str], str]:
    names = run.names()
    return lambda u: f"{names[u]} ({u})" if u in names and names[u] != u else str(u)


def _nominal_rank_order(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    return frame.sort_values(column, kind="stable", na_position="last").reset_index(drop=True)


def _flagged(run: RunReader) -> list[tuple[str, str]]:
    comp = run.table("coherence_composites.csv")
    if comp is None or "flagged_children" not in comp:
        return []
    return [(str(c), str(f)) for c, f in zip(comp["composite"], comp["flagged_children"]) if pd.notna(f) and str(f)]


def _sobol_summary(run: RunReader) -> pd.DataFrame | None:
    sens = run.table("sensitivity.csv")
    if sens is None or "output" not in sens:
        return None
    rows = sens[sens["output"].astype(str) == "mean_abs_shift"]
    return rows.reset_index(drop=True) if not rows.empty else None


# -- sections: each returns the mapping its template reads as ``d`` ----------------------------------------------

def _summary(run: RunReader) -> dict[str, Any]:
    """Banner, the run's identity card, which analyses ran, and the key findings."""
    m, cfg = run.manifest, run.config
    scores = run.table("scores.csv")
    excluded = m.get("excluded_units") or []
    return {
        "synthetic": bool(m.get("synthetic")),
        "name": str(cfg.get("name") or run.path.parent.name),
        "description": str(cfg["description"]) if cfg.get("description") else "",
        "dataset": str(m.get("dataset", "–")),
        "units": _n(m.get("units")),
        "excluded": f"{len(excluded)} excluded: {_codes(excluded)}" if excluded else "",
        "indicators": _n(m.get("indicators")),
        "framework": str(m.get("framework", "–")),
        "composites": _codes(list(scores.columns[1:]) if scores is not None else []),
        "headline": run.headline or "",
        "methodology": [(str(k), _setting(v)) for k, v in (cfg.get("methodology") or {}).items()],
        "run_id": run.run_id,
        "run_date": run.run_date(),
        "package": str(m.get("package", "dti_bench")),
        "version": str(m.get("version", "?")),
        "commit": str(m.get("git_commit") or "unknown"),
        "config_path": str(m.get("config_path", "–")),
        "config_hash": str(m.get("config_hash", "–")),
        "data_hash": str(m.get("data_hash", "–")),
        "seed": _n(m.get("seed")),
        "samples": _n(m.get("samples_override")),
        "run_time": _n((m.get("timings_s") or {}).get("total"), 2),
        "ran": ", ".join(a.title for a in ANALYSES.values() if _ran(run, a.key)) or "none",
        "missing": ", ".join(a.title for a in ANALYSES.values() if not _ran(run, a.key)),
        "findings": _key_findings(run),
        "warnings": [str(w) for w in (m.get("warnings") or [])],
        "ensemble": _ensemble(run),
    }


def _ensemble(run: RunReader) -> dict[str, Any] | None:
    """A run over an ensemble: its members, the headline shift's spread and the robust statements (None else)."""
    outputs = run.manifest.get("outputs") or {}
    ens = outputs.get("ensemble")
    if not ens:
        return None
    share = float(ens.get("robust_share", 1.0))
    label = _unit_label(run)
    statements = []
    for statement, counts in (ens.get("statements") or {}).items():
        robust = list(counts.get("robust") or [])
        # a statement that holds for most units is listed by its first few (the table holds every unit)
        shown = ", ".join(label(u) for u in robust[:ENSEMBLE_LISTED_UNITS]) + (
            f" and {len(robust) - ENSEMBLE_LISTED_UNITS} more" if len(robust) > ENSEMBLE_LISTED_UNITS else "")
        statements.append({"statement": str(statement), "robust": _n(len(robust)), "units": shown,
                           "some": _n(counts.get("in_some_member"))})
    pairs = [{"statement": str(statement), "holds_in": _n(pair.get("holds_in")), "members": _n(pair.get("members")),
              "robust": bool(pair.get("robust"))} for statement, pair in (ens.get("pairs") or {}).items()]
    uncertainty = outputs.get("uncertainty") or {}
    spread = ((uncertainty.get("ensemble") or {}).get("ranges_q05_q95") or {}).get("mean_abs_rank_shift")
    return {"dataset": str(ens.get("dataset", "–")), "members": _n(len(ens.get("members") or [])),
            "first": str((ens.get("members") or ["–"])[0]),
            "share": "every member" if share >= 1 else f"at least {share:.0%} of members",
            "shift": _n(uncertainty.get("mean_abs_rank_shift"), 2) if "mean_abs_rank_shift" in uncertainty else "",
            "shift_range": f"{_n(spread[0], 2)}–{_n(spread[1], 2)}" if spread else "", "statements": statements,
            "pairs": pairs}


def _key_findings(run: RunReader) -> list[dict[str, Any]]:
    """One entry per finding, in the report's order; ``kind`` picks its sentence in the template."""
    items: list[dict[str, Any]] = []
    head, ranks = run.headline, run.table("ranks.csv")
    label = _unit_label(run)
    if head is not None:
        first = ranks.loc[ranks[head] == ranks[head].min(), "unit"].astype(str)
        items.append({"kind": "first", "node": head, "units": _codes([label(u) for u in first])})
    if _ran(run, "coherence"):
        flagged = _flagged(run)
        items.append({"kind": "coherence", "flagged": _codes([c for c, _ in flagged]) if flagged else ""})
    unc = run.outputs.get("uncertainty") or {}
    if unc.get("mean_abs_rank_shift") is not None:
        items.append({"kind": "uncertainty", "shift": _places(unc["mean_abs_rank_shift"]),
                      "samples": _n(unc.get("samples")), "failed": _n(unc.get("failed", 0))})
    top = unc.get("top_k_robustness")
    table = run.table("uncertainty.csv")
    if isinstance(top, Mapping) and top.get("statement") and table is not None and \
            _top_k(table, top) is not None:
        items.append({"kind": "top_k", "statement": str(top["statement"])})
    found = unit_verdicts(run)
    if found is not None:
        verdicts = found[0]["verdict"].value_counts()
        items.append({"kind": "intervals", "robust": int(verdicts.get("robust", 0)),
                      "moderate": int(verdicts.get("moderate", 0)), "volatile": int(verdicts.get("volatile", 0)),
                      "units": len(found[0])})
    sobol = _sobol_summary(run)
    if sobol is not None and sobol["ST"].notna().any():
        top = sobol.loc[sobol["ST"].idxmax()]
        items.append({"kind": "sobol", "factor": str(top["factor"]), "st": _n(top["ST"])})
    scr = run.table("screening.csv")
    if scr is not None:
        stat = "mu_star" if "mu_star" in scr else "median"
        rows = scr[scr["output"].astype(str) == "mean_abs_shift"]
        if not rows.empty and stat in rows and rows[stat].notna().any():
            top = rows.loc[rows[stat].idxmax()]
            items.append({"kind": "screening", "factor": str(top["factor"]), "statistic": SCREENING_HEADERS[stat],
                          "value": _n(top[stat])})
    loo = run.table("removal_summary.csv")
    if loo is not None and loo["mean_abs_shift"].notna().any():
        top = loo.loc[loo["mean_abs_shift"].idxmax()]
        items.append({"kind": "removal", "removed": str(top["removed"]), "mean": _places(top["mean_abs_shift"]),
                      "max": _places(top["max_abs_shift"])})
    return items


def _framework(run: RunReader) -> dict[str, Any]:
    """Counts, the framework's structure and the nominal ranks (all of them, or the top and bottom ten)."""
    m = run.manifest
    ranks, scores = run.table("ranks.csv"), run.table("scores.csv")
    head = run.headline
    levels = "–"
    comp = run.table("coherence_composites.csv")
    if run.framework is not None:
        levels = _n(run.framework.n_levels)
    elif comp is not None and "level" in comp:
        levels = _n(int(comp["level"].max()))
    counts = [("Units", _n(m.get("units"))), ("Indicators", _n(m.get("indicators"))),
              ("Composites", _n(len(scores.columns) - 1) if scores is not None else "–"),
              ("Levels (indicators = 1)", levels),
              ("Excluded units", _codes(m.get("excluded_units") or []))]
    structure = _structure(run)
    if structure is not None:
        caption = "Framework structure" + (f": {run.framework.describe()}" if run.framework is not None else "")
        structure = _table(structure, {"composite": "Composite", "level": "Level",
                                       "children": "Children (nominal weight)"}, caption=caption)
    out: dict[str, Any] = {"counts": counts, "structure": structure, "weights": _weights_used(run), "ranks": None}
    if head is None or ranks is None:
        return out
    table = ranks.rename(columns={"unit": "Unit", **{c: f"{c} rank" for c in ranks.columns[1:]}})
    if scores is not None:
        table.insert(1, f"{head} score", table["Unit"].map(scores.set_index("unit")[head]))
    names = run.names()
    if names:
        table.insert(1, "Name", table["Unit"].astype(str).map(names))
    table = _nominal_rank_order(table, f"{head} rank")
    n, k = len(table), 10
    caption = f"Nominal ranks on {head} (1 = best; ties share the lowest rank)"
    # an index published on rounded values (the DTI: 4 decimals) is shown as published
    rounded = (run.config.get("methodology") or {}).get("round")
    digits = {f"{head} score": rounded} if isinstance(rounded, int) and not isinstance(rounded, bool) else {}
    if n <= 2 * k + 5:
        out["ranks"] = [_table(table, caption=caption + ", every unit", digits=digits)]
    else:
        out["ranks"] = [_table(table.head(k), caption=caption + f": top {k} of {n}", digits=digits),
                        _table(table.tail(k), caption=caption + f": bottom {k} of {n}", digits=digits)]
    return out


def _structure(run: RunReader) -> pd.DataFrame | None:
    """Composite -> level and children with their weights: from the framework (weights as declared), else from
    importance.csv (weights as used) or coherence_correlations.csv (no weights)."""
    fw, head = run.framework, run.headline
    imp, cor = run.table("importance.csv"), run.table("coherence_correlations.csv")
    if fw is not None:
        order = sorted(fw.composites, key=lambda c: (c != head, -fw.level(c)))
        return pd.DataFrame({"composite": order, "level": [fw.level(c) for c in order],
                             "children": [", ".join(f"{k} ({w:g})" for k, w in zip(fw.children(c),
                                                                                     fw.nominal_weights(c)))
                                          for c in order]})
    if imp is not None and {"parent", "child", "nominal_weight"} <= set(imp.columns):
        edges = imp.drop_duplicates(["parent", "child"])
        text = edges.groupby("parent", sort=False).apply(
            lambda g: ", ".join(f"{c} ({w:.3g})" for c, w in zip(g["child"], g["nominal_weight"])),
            include_groups=False)
    elif cor is not None and "relation" in cor:
        edges = cor[cor["relation"] == "child-parent"]
        text = edges.groupby("node_b", sort=False)["node_a"].agg(lambda s: ", ".join(map(str, s)))
    else:
        return None
    return pd.DataFrame({"composite": text.index.astype(str), "children": text.to_numpy()}) if len(text) else None


def _weights_used(run: RunReader) -> Table | None:
    """weights.csv as the report shows it: every edge's declared weight, the weight the nominal methodology used and
    the edge's weight on the headline (None for a folder written before runs stored it)."""
    weights = run.table("weights.csv")
    columns = ["node", "child", "nominal_weight", "weight_used", "effective_weight"]
    if weights is None or not set(columns) <= set(weights.columns):
        return None
    head = run.headline or "the headline"
    headers = {"node": "Node", "child": "Child", "nominal_weight": "Nominal weight",
               "weight_used": "Weight used", "effective_weight": f"Effective weight on {head}"}
    caption = ("Weights (weights.csv): the framework's nominal weights, the normalised weights the nominal "
               f"methodology used, and each edge's weight on {head} (products along every path up to it; 0 where "
               f"the node does not feed {head})")
    per_unit = "per_unit" in weights.columns and weights["per_unit"].astype(bool).any()
    if per_unit:
        columns.append("per_unit")
        headers["per_unit"] = "Varies by unit"
        caption += "; weights that vary by unit are shown as means over units (weights_by_unit.csv has each unit's)"
    return _table(weights[columns], headers, caption=caption,
                  digits={c: 4 for c in ("weight_used", "effective_weight")})


def _coherence(run: RunReader) -> dict[str, Any]:
    """Cronbach's α, PCA and the child-parent correlations of each composite, with the flagged children."""
    comp = run.table("coherence_composites.csv")
    if comp is None:
        return {"not_run": _not_run(run, "coherence", "coherence: true")}
    block = run.analyses.get("coherence")
    threshold = block.get("threshold", WEAK_CORRELATION) if isinstance(block, Mapping) else WEAK_CORRELATION
    headers = {"composite": "Composite", "level": "Level", "k": "Children", "n": "Complete units",
               "cronbach_alpha": "Cronbach's α", "pca_first_share": "PCA 1st component share",
               "n_eigen_gt1": "Eigenvalues > 1", "min_child_parent_r": "Min child–parent r",
               "flagged_children": "Flagged children"}
    edges = None
    cor = run.table("coherence_correlations.csv")
    if cor is not None and "relation" in cor:
        rows = cor[cor["relation"] == "child-parent"][["node_a", "node_b", "n", "pearson", "spearman"]]
        if not rows.empty:
            edges = _table(rows, {"node_a": "Child", "node_b": "Parent", "n": "Units", "pearson": "Pearson r",
                                  "spearman": "Spearman ρ"},
                           caption="Child–parent correlations (coherence_correlations.csv)")
    return {
        "not_run": None,
        "composites": _table(comp, headers, caption="Coherence of each composite (coherence_composites.csv)",
                             row_class=lambda r: "flagged" if pd.notna(r.get("flagged_children")) else ""),
        "threshold": _n(float(threshold), 2),
        "flagged": _flagged(run),
        "edges": edges,
    }


def _uncertainty(run: RunReader) -> dict[str, Any]:
    """The Monte Carlo analysis (rank statistics per unit), rank stability, robust pairs and the grid."""
    unc = run.table("uncertainty.csv")
    stab = run.table("stability.csv")
    robust = (run.outputs.get("stability") or {}).get("robust_pair_share")
    return {
        "not_run": _not_run(run, "uncertainty") if unc is None else None,
        "monte_carlo": None if unc is None else _monte_carlo(run, unc),
        "stability": None if stab is None else _table(
            stab, {"metric": "Metric", "mean": "Mean", "q05": "5 %", "median": "Median", "q95": "95 %"},
            caption="Rank stability of the samples against the nominal ranking (stability.csv)", decimals=True),
        "histogram": _figure(run, "rank_shift_histogram", "Distribution of the units' mean absolute rank shifts."),
        "robust_pairs": None if not robust else _robust_pairs(robust),
        "grid": _grid(run),
    }


def _robust_pairs(robust: Mapping[str, Any]) -> dict[str, Any]:
    """The manifest's robust-pair share in words: the share, the counts, the weight set and the dominance rule."""
    weights = str(robust.get("weights"))
    counts = (f" ({_n(robust['robust'])} of {_n(robust['pairs'])})"
              if robust.get("robust") is not None and robust.get("pairs") is not None else "")
    return {"share": _n(100 * robust["share"], 1), "counts": counts, "node": str(robust.get("node")),
            "weights": "the whole weight simplex" if weights == "simplex" else f"the weights within {weights}",
            # run folders written before the option existed computed strict dominance
            "dominance": str(robust.get("dominance", "strict"))}


def _monte_carlo(run: RunReader, unc: pd.DataFrame) -> dict[str, Any]:
    out = run.outputs.get("uncertainty") or {}
    table = unc.copy()
    table["unit"] = table["unit"].astype(str)
    table["interval"] = [("–" if pd.isna(a) else f"{int(a)}–{int(b)}")
                         for a, b in zip(table["q05_rank"], table["q95_rank"])]
    tops = [c for c in table.columns if re.fullmatch(r"p_top\d+", str(c)) and int(str(c)[5:]) < len(table)]
    within = [c for c in table.columns if re.fullmatch(r"p_within\d+", str(c))]
    cols = ["unit", *(["name"] if "name" in table else []), "nominal_rank", "median_rank", "interval",
            "mean_abs_shift", *tops, *within]
    table = _nominal_rank_order(table[cols], "nominal_rank")
    caption = "Rank statistics per unit (uncertainty.csv)"
    if len(table) > MAX_LISTED_UNITS:
        table = table.sort_values("mean_abs_shift", ascending=False, kind="stable").head(50)
        caption += f": the 50 units with the largest mean absolute shift of {len(unc)}"
    heads = {"unit": "Unit", "name": "Name", "nominal_rank": "Nominal", "median_rank": "Median",
             "interval": "5–95 % interval", "mean_abs_shift": "Mean |shift|",
             **{c: f"P(top {str(c)[5:]})" for c in tops}, **{c: f"P(within ±{str(c)[8:]})" for c in within}}
    return {
        "node": str(out.get("node") or run.headline or "the headline"),
        "samples": _n(out.get("samples")),
        "factors": _codes(out.get("factors") or []),
        "seed": _n(out.get("seed")),
        "failed": _n(out.get("failed", 0)),
        "shift": _places(out.get("mean_abs_rank_shift")),
        # over an ensemble the reasons are summarised across members as plain text, not {reason, count} rows
        "reasons": [f"{r.get('reason')} ({_n(r.get('count'))})" if isinstance(r, Mapping) else str(r)
                    for r in out.get("failure_reasons") or []],
        "intervals": _figure(run, "rank_intervals", "Nominal rank, median rank and 5–95 % interval of each unit."),
        "over_time": _figure(run, "rank_bands_over_time", "Nominal ranks over time and their 5–95 % bands (the "
                                                          "analysis run at each time point); the best units of the "
                                                          "latest time point in colour."),
        "table": _table(table, heads, caption=caption, decimals=["mean_abs_shift", *tops, *within]),
        "top_k": _top_k(unc, out.get("top_k_robustness")),
    }


def _top_k(unc: pd.DataFrame, top: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """The JRC top-k statement from the manifest and the nominal top k's shares from uncertainty.csv; None when
    not computed, or when k reaches the number of ranked units (everyone is in the top k: nothing to say)."""
    if not isinstance(top, Mapping) or not top.get("statement"):
        return None
    k, m = int(top["k"]), int(top["within"])
    if k >= int(unc["nominal_rank"].notna().sum()):
        return None
    columns = [f"p_top{k}", f"p_within{m}"]
    table = None
    if set(columns) <= set(unc.columns):
        rows = unc[pd.to_numeric(unc["nominal_rank"], errors="coerce") <= k].copy()
        rows["unit"] = rows["unit"].astype(str)
        rows = _nominal_rank_order(rows[["unit", *(["name"] if "name" in rows else []), "nominal_rank", *columns]],
                                   "nominal_rank")
        leaving = {str(u) for u in top.get("leaving_top_k") or ()}
        table = _table(rows, {"unit": "Unit", "name": "Name", "nominal_rank": "Nominal", columns[0]: f"P(top {k})",
                              columns[1]: f"P(within ±{m})"},
                       caption=f"The nominal top {k} (uncertainty.csv); flagged: below {100 * top['share']:g} % "
                               f"in the top {k}",
                       row_class=lambda r: "flagged" if r["unit"] in leaving else "", decimals=columns)
    return {"statement": str(top["statement"]), "table": table}


def _grid(run: RunReader) -> dict[str, Any]:
    grid = run.table("grid.csv")
    if grid is None:
        return {"not_run": _not_run(run, "grid")}
    out = run.outputs.get("grid") or {}
    head = run.headline
    nodes = sorted((str(n) for n in pd.unique(grid["node"])), key=lambda n: n != head)
    figures = [_figures(run, (f"grid_heatmap-{safe_stem(node)}", f"Rank on {node} under each grid variant."),
                        (f"bump_chart-{safe_stem(node)}", f"Ranks on {node} across the grid variants."))
               for node in nodes]
    variants = per_node = None
    gs = run.table("grid_stability.csv")
    if gs is not None:
        cols = [c for c in ("variant", "spearman", "kendall_tau_b", "mean_abs_shift", "max_abs_shift",
                            "share_moving_gt_3", "top10_jaccard", "rbo") if c in gs]
        mine = gs[gs["node"].astype(str) == head][cols].copy() if head else gs[cols].copy()
        mine["variant"] = mine["variant"].astype(str).str.replace("|", " | ", regex=False)
        heads = {"variant": "Variant", "spearman": "Spearman ρ", "kendall_tau_b": "Kendall τb",
                 "mean_abs_shift": "Mean |shift|", "max_abs_shift": "Max |shift|",
                 "share_moving_gt_3": "Share moving > 3", "top10_jaccard": "Top-10 Jaccard", "rbo": "RBO"}
        variants = _table(mine, heads, caption=f"Each grid variant against the nominal ranks on {head} "
                                               "(grid_stability.csv)",
                          decimals=[c for c in cols[1:] if c != "max_abs_shift"])
        summary = gs.groupby("node", sort=False).agg(min_spearman=("spearman", "min"),
                                                     mean_abs_shift=("mean_abs_shift", "mean"),
                                                     max_abs_shift=("max_abs_shift", "max")).reset_index()
        per_node = _table(summary, {"node": "Composite", "min_spearman": "Lowest Spearman ρ",
                                    "mean_abs_shift": "Mean |shift| (average over variants)",
                                    "max_abs_shift": "Largest |shift|"},
                          caption="Grid stability per composite", decimals=["min_spearman", "mean_abs_shift"])
    return {
        "not_run": None,
        "variants": _n(out.get("variants", grid["variant"].nunique())),
        "failed": [f"{f.get('variant')}: {f.get('reason')}" for f in out.get("failed") or []],
        "figures": figures,
        "stability": variants,
        "per_node": per_node,
    }


def _sensitivity(run: RunReader) -> dict[str, Any]:
    """Screening (Morris or PAWN) when the run did one, else the Sobol' indices with their convergence."""
    out = run.outputs.get("sensitivity") or {}
    if run.table("screening.csv") is not None:
        return {"not_run": None, "screening": _screening(run, out), "sobol": None}
    if run.table("sensitivity.csv") is None:
        return {"not_run": _not_run(run, "sensitivity")}
    sobol = _sobol_summary(run)
    table = history = None
    if sobol is not None:
        frame = pd.DataFrame({"factor": sobol["factor"].astype(str)})
        for idx in ("S1", "ST"):
            lo, hi = sobol[idx] - sobol[f"{idx}_conf"], sobol[idx] + sobol[f"{idx}_conf"]
            frame[idx] = sobol[idx]
            frame[f"{idx} 95 % interval"] = [f"[{_n(a)}, {_n(b)}]" for a, b in zip(lo, hi)]
        frame["interactions (ST − S1)"] = sobol["ST"] - sobol["S1"]
        table = _table(frame, {"factor": "Factor", "S1": "S1", "ST": "ST"},
                       caption="Sobol' indices of the mean absolute rank shift (sensitivity.csv)")
    if out.get("history"):
        history = _table(pd.DataFrame(out["history"]),
                         {"N": "N", "runs": "Runs", "max_ST_halfwidth": "Max ST half-width",
                          "dropped_base_rows": "Dropped base rows"},
                         caption="Convergence history of the Sobol' design", decimals=["max_ST_halfwidth"])
    target = (run.analyses.get("sensitivity") or {}).get("target", 0.05)
    converged = out.get("converged")
    return {"not_run": None, "screening": None, "sobol": {
        "node": str(out.get("node", run.headline)),
        "factors": _codes(out.get("factors") or []),
        "bars": _figure(run, "sobol_bars", "First-order and total Sobol' indices of R̄s with 95 % intervals."),
        "table": table,
        "N": _n(out.get("N")),
        "runs": _n(out.get("runs")),
        "dropped": _n(out.get("dropped_base_rows", 0)),
        "target": _n(float(target), 2) if target else "",
        "converged": _n(converged) if converged is not None else "–",
        "history": history,
        "warnings": [str(w) for w in out.get("warnings") or []],
        "heatmap": _figure(run, "sobol_heatmap", "Total Sobol' index of each unit's rank to each factor."),
    }}


def _screening(run: RunReader, out: Mapping[str, Any]) -> dict[str, Any]:
    scr = run.table("screening.csv")
    method = str(out.get("method") or (scr["method"].iloc[0] if "method" in scr else "screening"))
    stat = "mu_star" if method == "morris" else "median"
    keep = [c for c in scr.columns if c not in ("output", "method", "node")]
    rows = scr[scr["output"].astype(str) == "mean_abs_shift"][keep]
    summary = None if rows.empty else _table(rows, SCREENING_HEADERS, decimals=True,
                                             caption="Screening of the mean absolute rank shift R̄s (screening.csv)")
    per_unit = None
    units = scr[scr["output"].astype(str) != "mean_abs_shift"]
    if not units.empty and stat in units:
        wide = units.pivot_table(index="output", columns="factor", values=stat, sort=False).reset_index()
        wide = wide.rename(columns={"output": "Unit"})
        wide.columns.name = None
        per_unit = _table(wide, decimals=True, caption=f"{SCREENING_HEADERS[stat]} of each unit's rank, per factor")
    covered = run.table("screening_design.csv")
    design = None if covered is None else _table(
        covered, DESIGN_HEADERS, caption="What the Morris design covered, per factor (screening_design.csv)")
    return {
        "method": method,
        "label": method.upper() if method == "pawn" else method.capitalize(),
        "node": str(out.get("node", run.headline)),
        "factors": _codes(out.get("factors") or []),
        "runs": _n(out.get("runs")),
        "summary": summary,
        "per_unit": per_unit,
        "design": design,
        "warnings": [str(w) for w in out.get("warnings") or []],
    }


def _importance_section(run: RunReader) -> dict[str, Any]:
    """Weights against importance (correlation ratios), optimised weights, and the weight maps."""
    return {"importance": _importance(run), "weight_maps": _weight_maps(run)}


def _importance(run: RunReader) -> dict[str, Any]:
    imp = run.table("importance.csv")
    if imp is None:
        return {"not_run": _not_run(run, "importance")}
    methods = [c[5:] for c in imp.columns if c.startswith("eta2_") and not c.endswith(("_lo", "_hi"))]
    targets = [str(t) for t in pd.unique(imp["target"])] if "target" in imp else []
    keep = [c for c in ("target", "parent", "child", "level", "weight_share", "importance_share", "ratio")
            if c in imp and not (c == "target" and len(targets) == 1)]
    table = imp[keep].copy()
    for meth in methods:
        est, lo, hi = imp[f"eta2_{meth}"], imp.get(f"eta2_{meth}_lo"), imp.get(f"eta2_{meth}_hi")
        table[f"η² {meth}"] = ([f"{_n(e)} [{_n(a)}, {_n(b)}]" for e, a, b in zip(est, lo, hi)]
                               if lo is not None and hi is not None else est)
    heads = {"target": "Target", "parent": "Parent", "child": "Child", "level": "Level",
             "weight_share": "Weight share", "importance_share": "Importance share",
             "ratio": "Importance / weight"}
    target = f" for {targets[0]}" if len(targets) == 1 else ""
    opt = run.table("optimised_weights.csv")
    return {
        "not_run": None,
        # why some rows are not against the target the config asked for (a parent that does not feed it)
        "target_note": (run.outputs.get("importance") or {}).get("target_note"),
        "figure": _figure(run, "weights_vs_importance", "Weight share against importance share of each child."),
        "table": _table(table, heads, caption=f"Weights versus importance{target} (importance.csv; η² with its "
                                              "bootstrap interval)", decimals=["ratio"]),
        "optimised": None if opt is None else _table(
            opt, {"parent": "Parent", "child": "Child", "target_share": "Target share",
                  "optimal_weight": "Optimised weight", "achieved_share": "Achieved share", "residual": "Residual",
                  "reachable": "Reachable"}, caption="Optimised weights (optimised_weights.csv)"),
    }


def _weight_maps(run: RunReader) -> dict[str, Any]:
    out = run.outputs.get("weight_map") or {}
    units = [str(u) for u in out.get("units") or []]
    if not units:
        units = sorted(p.stem[len("weight_map-"):] for p in run.files("weight_map-*.csv"))
    if not units:
        return {"not_run": _not_run(run, "weight_map")}
    label = _unit_label(run)
    spec = run.analyses.get("weight_map")
    children = spec.get("children") if isinstance(spec, Mapping) else None
    return {
        "not_run": None,
        "children": _codes(children) if children else "",
        "resolution": _n(out.get("resolution")),
        "figures": _figures(run, *((f"ternary_rank_map-{safe_stem(u)}", f"Rank of {label(u)} over the simplex of three weights.")
                                   for u in units)),
    }


def _removal(run: RunReader) -> dict[str, Any]:
    """Leave-one-out: how far the ranks move when each element is removed, and the largest single move."""
    summary = run.table("removal_summary.csv")
    if summary is None:
        return {"not_run": _not_run(run, "stability", "stability: {leave_one_out: true}")}
    table = summary.sort_values("mean_abs_shift", ascending=False, kind="stable")
    largest = None
    detail = run.table("removal.csv")
    if detail is not None and "shift" in detail and detail["shift"].notna().any():
        row = detail.loc[detail["shift"].abs().idxmax()]
        largest = {"unit": _unit_label(run)(str(row["unit"])), "nominal": _n(row["nominal_rank"]),
                   "rank": _n(row["rank"]), "node": str(row["node"]), "removed": str(row["removed"])}
    return {
        "not_run": None,
        "table": _table(table, {"removed": "Removed", "level": "Level", "node": "Ranks on",
                                "mean_abs_shift": "Mean |shift|", "max_abs_shift": "Max |shift|", "units": "Units"},
                        caption="Rank shifts when one element is left out (removal_summary.csv)"),
        "largest": largest,
    }


def _rank_change(run: RunReader) -> dict[str, Any]:
    """Which published moves are robust: per pair of time points, the robust and the other nominal rank changes."""
    table = run.table("rank_change.csv")
    if table is None:
        return {"not_run": _not_run(run, "rank_change", "rank_change: {factors: [...]} (panel data)")}
    label = _unit_label(run)
    pairs = []
    summaries = {(str(p["time_from"]), str(p["time_to"])): p
                 for p in (run.outputs.get("rank_change") or {}).get("pairs") or []}
    for t0, t1 in table[["time_from", "time_to"]].drop_duplicates().itertuples(index=False):
        part = table[(table["time_from"] == t0) & (table["time_to"] == t1)]
        moved = part[part["nominal_change"].fillna(0) != 0].copy()
        moved["unit"] = [label(str(u)) for u in moved["unit"]]
        moved["interval"] = [f"{int(a)} to {int(b)}" for a, b in zip(moved["q05_change"], moved["q95_change"])]
        moved = moved.sort_values(["robust", "nominal_change"], ascending=[False, False], kind="stable")
        shown = moved[["unit", "nominal_rank_from", "nominal_rank_to", "nominal_change", "interval", "p_rise",
                       "p_fall", "robust"]].assign(robust=lambda f: f["robust"].map({True: "robust", False: "–"}))
        summary = summaries.get((str(t0), str(t1)), {})
        drivers = ", ".join(f"{factor} {st:.2f}" for factor, st in sorted((summary.get("sobol_ST") or {}).items(),
                                                                          key=lambda kv: -kv[1]))
        pairs.append({
            "time_from": t0, "time_to": t1, "statement": summary.get("statement", ""), "drivers": drivers,
            "table": _table(shown, {"unit": "Unit", "nominal_rank_from": f"Rank {t0}", "nominal_rank_to": f"Rank {t1}",
                                    "nominal_change": "Change", "interval": "5–95 % interval", "p_rise": "P(rise)",
                                    "p_fall": "P(fall)", "robust": "Verdict"},
                            caption=f"Nominal rank changes {t0} → {t1}, robust ones first (rank_change.csv)",
                            digits={"p_rise": 2, "p_fall": 2}),
            "figures": _figures(run, (f"rank_change_intervals-{safe_stem(f'{t0}-{t1}')}",
                                      f"Rank change {t0} → {t1} and its 5–95 % interval under the run's methodology "
                                      f"variants; robust changes in colour")),
        })
    settings = run.analyses.get("rank_change") or {}
    return {"not_run": None, "pairs": pairs, "samples": _n((run.outputs.get("rank_change") or {}).get("samples")),
            "normalise_over": str(settings.get("normalise_over", "time_point"))}


def _conclusions(run: RunReader) -> dict[str, Any]:
    """Every unit's verdict (robust, moderate, volatile) from its rank interval, or its nominal rank alone."""
    out: dict[str, Any] = {"robust_width": ROBUST_WIDTH, "volatile_width": VOLATILE_WIDTH, "source": None,
                           "counts": None, "table": None}
    found = unit_verdicts(run)
    ranks, head = run.table("ranks.csv"), run.headline
    if found is None:
        if ranks is None or head is None:
            return out
        table = _nominal_rank_order(ranks[["unit", head]].rename(columns={head: "nominal_rank"}), "nominal_rank")
        table["interval"] = "–"
        table["verdict"] = "not assessed"
    else:
        table, out["source"] = found
        table = table.copy()
        table["interval"] = [("–" if pd.isna(a) else f"{int(a)}–{int(b)}")
                             for a, b in zip(table["q05_rank"], table["q95_rank"])]
        table = table[["unit", "nominal_rank", "interval", "width", "verdict"]]
        counts = table["verdict"].value_counts()
        out["counts"] = {"units": len(table), **{v.replace(" ", "_"): int(counts.get(v, 0))
                                                 for v in ("robust", "moderate", "volatile", "not ranked")}}
    names = run.names()
    if names:
        table.insert(1, "name", table["unit"].astype(str).map(names))
    heads = {"unit": "Unit", "name": "Name", "nominal_rank": "Nominal rank", "interval": "Rank interval",
             "width": "Width", "verdict": "Verdict"}
    out["table"] = _table(table, heads, caption="Conclusions: every unit",
                          row_class=lambda r: r["verdict"] if r["verdict"] in ("robust", "volatile") else "")
    return out


def _appendix(run: RunReader) -> dict[str, Any]:
    """The resolved config and the manifest verbatim, and the files of the run folder."""
    files = sorted(str(p.relative_to(run.path)) for p in run.files("**/*") if p.is_file())
    return {"config": run.config_text, "manifest": run.manifest_text, "files": _codes(files)}


#: Section key -> the function preparing its template's data, in the report's order.
BUILDERS: Mapping[str, Callable[[RunReader], Mapping[str, Any]]] = MappingProxyType({
    "summary": _summary, "framework": _framework, "coherence": _coherence, "uncertainty": _uncertainty,
    "sensitivity": _sensitivity, "importance": _importance_section, "removal": _removal,
    "rank_change": _rank_change, "conclusions": _conclusions, "appendix": _appendix,
})

__all__ = ["BUILDERS", "FIGURE_SCALE", "MAX_LISTED_UNITS", "NARROW_FIGURE", "Figure", "FigureGroup", "NotRun",
           "SCREENING_HEADERS", "Table", "escaped"]
