"""The audit report of a run folder: one self-contained HTML page (``dti-bench report RUN_DIR``).

Laid out like a JRC statistical audit of a composite indicator (Saisana, Saltelli & Tarantola 2005; the JRC
audits of the Global Innovation Index and others): summary, framework and data, statistical coherence,
uncertainty analysis (with the grid of alternatives), sensitivity analysis, weights versus importance (with the
weight maps), leave-one-out, conclusions, and an appendix holding the resolved config and the manifest verbatim.

The report reads the run folder (and, when it can still be loaded, the framework its config names, for the
headline and the structure table); it computes no statistics beyond arranging, sorting and counting what the run
wrote. Every file of a run is optional except ``manifest.json`` (a run writes only what its config asks for): a
section whose tables are absent says plainly that its analysis was not run.

The page is self-contained so that it can be mailed or archived with its run: figures are embedded as base64
PNG data URIs, the CSS is inline, there is no JavaScript and no external request. Every string that comes from a
file is escaped with :func:`html.escape`.

Conventions
-----------
- **Robust and volatile units.** A unit is *robust* when the width of its 5-95 % rank interval,
  :math:`q_{95} - q_{05}`, is at most :data:`ROBUST_WIDTH` places, and *volatile* when it exceeds
  :data:`VOLATILE_WIDTH` places; in between it is *moderate*. The interval is the Monte Carlo one of
  ``uncertainty.csv``; a run with a grid but no uncertainty analysis uses the range (min-max) of the unit's ranks
  over the grid variants instead, and says so.
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

import base64
import re
from collections.abc import Callable, Mapping, Sequence
from html import escape
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from dti_bench.analyses.registry import ANALYSES
from dti_bench.io.runs import RunReader
from dti_bench.analyses.coherence import WEAK_CORRELATION
from dti_bench.analyses.factors import label_choice
from dti_bench.errors import DataError

#: A unit whose 5-95 % rank interval spans at most this many places is called robust.
ROBUST_WIDTH = 3
#: A unit whose 5-95 % rank interval spans more than this many places is called volatile.
VOLATILE_WIDTH = 10
#: Above this many units, the uncertainty section lists only the units that move most (conclusions list all).
MAX_LISTED_UNITS = 100

#: CSS pixels per figure pixel (see _figure).
FIGURE_SCALE = 0.8
#: Figures at most this many pixels wide (one-column ones) may stand side by side.
NARROW_FIGURE = 800

#: Anchor -> title of each section, in the report's order.
SECTIONS = MappingProxyType({
    "summary": "Summary",
    "framework": "Framework and data",
    "coherence": "Statistical coherence",
    "uncertainty": "Uncertainty analysis",
    "sensitivity": "Sensitivity analysis",
    "importance": "Weights versus importance",
    "removal": "Leave-one-out",
    "conclusions": "Conclusions",
    "appendix": "Appendix",
})

_CSS = """
body{font-family:Georgia,"Times New Roman",serif;max-width:60em;margin:2em auto;padding:0 1.5em;line-height:1.5;
color:#1f1f1f;background:#fff}
h1,h2,h3,table,figcaption,nav,.meta,.banner{font-family:system-ui,-apple-system,"Segoe UI","DejaVu Sans",sans-serif}
h1{font-size:1.8em;margin-bottom:.2em}h2{border-bottom:2px solid #0072b2;padding-bottom:.15em;margin-top:2em}
h3{margin-top:1.5em}
.subtitle{color:#555;margin-top:0}
.banner{border:3px solid #b00020;background:#fdecee;color:#8a0016;font-weight:700;font-size:1.25em;
padding:.7em 1em;text-align:center;margin:1em 0}
.notrun{border-left:4px solid #999;background:#f3f3f3;padding:.5em 1em;font-style:italic}
.warn{border-left:4px solid #d55e00;background:#fff4ec;padding:.5em 1em}
nav ol{columns:2;font-size:.95em}
.scroll{overflow-x:auto}
table{border-collapse:collapse;margin:.8em 0 1.2em;font-size:.85em}
caption{caption-side:top;text-align:left;font-weight:600;padding:.3em 0;color:#333}
th,td{padding:.25em .6em;border-bottom:1px solid #ddd;text-align:left;vertical-align:top}
thead th{border-bottom:2px solid #555;background:#eef3f8}
tbody tr:nth-child(even){background:#f5f7f9}
.num{text-align:right;font-variant-numeric:tabular-nums}td.num{white-space:nowrap}
table.kv ul{margin:0;padding-left:1.2em}
table.kv th{font-weight:600;background:none;border-bottom:1px solid #ddd;white-space:nowrap}
tr.robust td:last-child{color:#1a7f37;font-weight:700}tr.volatile td:last-child{color:#b00020;font-weight:700}
tr.flagged td{color:#b00020}
figure{margin:1.2em auto;text-align:center}figure img{max-width:100%;height:auto;border:1px solid #eee}
.figrow{display:flex;flex-wrap:wrap;gap:1em;align-items:flex-start}.figrow figure{flex:1 1 20em;margin:1em 0}
figcaption{font-size:.85em;color:#444;text-align:left;margin-top:.3em}
pre{white-space:pre-wrap;word-break:break-word;font-size:.78em;background:#f7f7f7;padding:.8em;border:1px solid #ddd}
code,pre{font-family:ui-monospace,"DejaVu Sans Mono",Menlo,Consolas,monospace}code{font-size:.85em}
@media print{body{max-width:none;margin:0;padding:0}nav{display:none}.scroll{overflow:visible}
h2,h3{break-after:avoid}figure,tr{break-inside:avoid}a{color:inherit;text-decoration:none}}
"""


def _ran(run: RunReader, analysis: str) -> bool:
    return run.has(*ANALYSES[analysis].files)


# -- HTML pieces --------------------------------------------------------------------------------------------------

def _format_column(values: pd.Series, decimals: bool = False, digits: int | None = None) -> tuple[list[str], bool]:
    """The cells of one column as text, and whether the column is numeric (right-aligned); ``decimals`` prints
    whole numbers with decimals too (for a statistic that merely happens to be whole, such as a correlation of 1);
    ``digits`` fixes the number of decimals."""
    if pd.api.types.is_bool_dtype(values):
        return ["yes" if v else "no" for v in values], False
    if not pd.api.types.is_numeric_dtype(values):
        cells = [("–" if pd.isna(v) else escape(str(v))) for v in values]
        # intervals such as '4–5' or '[0.202, 0.261]' line up like numbers
        numbers = [c for c in cells if c != "–"]
        return cells, bool(numbers) and all(_INTERVAL.fullmatch(c) for c in numbers)
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


_NUM = ' class="num"'
_INTERVAL = re.compile(r"[\d.,\[\] –-]*\d[\d.,\[\] –-]*")


def _attr(name: str, value: str) -> str:
    return f' {name}="{escape(value)}"' if value else ""


def _table(frame: pd.DataFrame, headers: Mapping[str, str] | None = None, *, caption: str | None = None,
           row_class: Callable[[pd.Series], str] | None = None, decimals: Sequence[str] | bool = (),
           digits: Mapping[str, int] | None = None) -> str:
    """An HTML table of ``frame`` (columns renamed by ``headers``); ``caption`` is trusted HTML; the columns
    named in ``decimals`` (every column if True) always print decimals, those in ``digits`` that many."""
    headers = headers or {}
    digits = digits or {}
    cols = list(frame.columns)
    cells = {c: _format_column(frame[c], decimals is True or c in decimals, digits.get(c)) for c in cols}
    head = "".join(f'<th scope="col"{_NUM if cells[c][1] else ""}>{escape(headers.get(c, str(c)))}</th>'
                   for c in cols)
    rows = []
    for i in range(len(frame)):
        cls = row_class(frame.iloc[i]) if row_class else ""
        tds = "".join(f'<td{_NUM if cells[c][1] else ""}>{cells[c][0][i]}</td>' for c in cols)
        rows.append(f'<tr{_attr("class", cls)}>{tds}</tr>')
    cap = f"<caption>{caption}</caption>" if caption else ""
    return (f'<div class="scroll"><table>{cap}<thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody>'
            f"</table></div>")


def _kv(pairs: Sequence[tuple[str, str]]) -> str:
    """A two-column key/value table; the values are trusted HTML."""
    rows = "".join(f'<tr><th scope="row">{escape(k)}</th><td>{v}</td></tr>' for k, v in pairs)
    return f'<table class="kv"><tbody>{rows}</tbody></table>'


def _figure(run: RunReader, name: str, caption: str) -> str:
    """A run figure embedded as a data URI ('' when the run did not draw it); ``caption`` is trusted HTML."""
    png = run.path / "figures" / f"{name}.png"
    if not png.is_file():
        return ""
    raw = png.read_bytes()
    width = _png_width(raw)
    # the run's figures are drawn at 200 dpi with 7-8 pt type: 0.8 CSS px per pixel shows that type at 15-18 px
    # and a one-column figure 560 px wide
    size = f' style="width:{round(width * FIGURE_SCALE)}px"' if width else ""
    data = base64.b64encode(raw).decode("ascii")
    return (f'<figure><img src="data:image/png;base64,{data}" alt="{escape(name)}"{size}>'
            f'<figcaption>{caption} <span class="meta">(figures/{escape(name)}.png; numbers in '
            f"figures/{escape(name)}.csv)</span></figcaption></figure>")


def _png_width(raw: bytes) -> int:
    """Pixel width from a PNG's IHDR chunk (0 when the bytes are not a PNG)."""
    return int.from_bytes(raw[16:20], "big") if raw[:8] == b"\x89PNG\r\n\x1a\n" else 0


def _figures(run: RunReader, *named: tuple[str, str]) -> str:
    """Figures (name, caption) side by side when all are one-column ones (wrapping on a narrow page), else one
    below the other."""
    present = [(n, c) for n, c in named if (run.path / "figures" / f"{n}.png").is_file()]
    html = "".join(_figure(run, n, c) for n, c in present)
    headers = [(run.path / "figures" / f"{n}.png").read_bytes()[:24] for n, _ in present]
    narrow = all(0 < _png_width(head) <= NARROW_FIGURE for head in headers)
    return f'<div class="figrow">{html}</div>' if len(present) > 1 and narrow else html


def _not_run(run: RunReader, analysis: str, hint: str = "") -> str:
    files, what = ANALYSES[analysis].files, ANALYSES[analysis].title
    if analysis in run.analyses:
        why = (f"the config has an <code>analyses.{analysis}</code> block, but this run folder holds no "
               f"{' or '.join(files)}")
    else:
        why = f"this run's config has no <code>analyses.{analysis}</code> block"
    return f'<p class="notrun">Not run: {escape(what)} — {why}.{(" " + hint) if hint else ""}</p>'


def _n(value: Any, digits: int = 3) -> str:
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        return "–"
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, (int, np.integer)):
        return f"{int(value):,}"
    if isinstance(value, (float, np.floating)):
        return f"{round(float(value), digits) + 0.0:.{digits}f}"
    return escape(str(value))


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
    return ", ".join(escape(str(i)) for i in items) or "none"


def _unit_label(run: RunReader) -> Callable[[str], str]:
    names = run.names()
    return lambda u: f"{names[u]} ({u})" if u in names and names[u] != u else str(u)


def _nominal_rank_order(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    return frame.sort_values(column, kind="stable", na_position="last").reset_index(drop=True)


# -- derived tables -----------------------------------------------------------------------------------------------

def unit_verdicts(run_dir: str | Path) -> tuple[pd.DataFrame, str] | None:
    """Every unit's nominal rank, rank interval, its width and verdict, and where the interval comes from.

    The interval is the 5-95 % Monte Carlo interval of ``uncertainty.csv`` (node ``outputs.uncertainty.node``);
    without it, the min-max range of the unit's ranks over the grid variants of the headline (``grid.csv``).
    ``verdict`` is 'robust' when ``q95 - q05 <= ROBUST_WIDTH``, 'volatile' when ``> VOLATILE_WIDTH``,
    'moderate' in between and 'not ranked' when the unit has no interval.

    Returns
    -------
    (table, source) or None
        ``table`` has columns unit, nominal_rank, q05_rank, q95_rank, width, verdict, sorted by nominal rank;
        ``source`` describes the interval in words. None when the run has neither analysis.
    """
    return _intervals(RunReader(run_dir))


def _intervals(run: RunReader) -> tuple[pd.DataFrame, str] | None:
    unc, grid = run.table("uncertainty.csv"), run.table("grid.csv")
    if unc is not None:
        node = run.outputs.get("uncertainty", {}).get("node") or run.headline
        table = unc[["unit", "nominal_rank", "q05_rank", "q95_rank"]].copy()
        samples = run.outputs.get("uncertainty", {}).get("samples")
        source = (f"5–95 % interval of the ranks on {escape(str(node))} over "
                  f"{_n(samples) if samples else 'the'} Monte Carlo samples (uncertainty.csv)")
    elif grid is not None and run.headline is not None:
        node = run.headline
        ranks = run.table("ranks.csv").set_index("unit")[node]
        mine = grid[grid["node"] == node]
        spread = mine.groupby("unit", sort=False)["rank"].agg(["min", "max"])
        table = pd.DataFrame({"unit": ranks.index, "nominal_rank": ranks.to_numpy()})
        table["q05_rank"] = table["unit"].map(spread["min"])
        table["q95_rank"] = table["unit"].map(spread["max"])
        source = (f"range (min–max) of the ranks on {escape(node)} over the {mine['variant'].nunique()} grid "
                  f"variants (grid.csv), since no Monte Carlo uncertainty analysis was run")
    else:
        return None
    table["unit"] = table["unit"].astype(str)
    table["width"] = table["q95_rank"] - table["q05_rank"]
    width = table["width"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore"):
        verdict = np.where(width <= ROBUST_WIDTH, "robust", np.where(width > VOLATILE_WIDTH, "volatile", "moderate"))
    table["verdict"] = np.where(np.isnan(width), "not ranked", verdict)
    return _nominal_rank_order(table, "nominal_rank"), source


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


# -- sections -----------------------------------------------------------------------------------------------------

def _section_summary(run: RunReader) -> str:
    m = run.manifest
    cfg = run.config
    parts = []
    if m.get("synthetic"):
        parts.append('<div class="banner">SYNTHETIC DATA — the indicator values of this run are synthetic. '
                     "Its ranks describe the method, not the units; do not cite them as facts about real places."
                     "</div>")
    head = run.headline
    scores = run.table("scores.csv")
    composites = list(scores.columns[1:]) if scores is not None else []
    method = cfg.get("methodology") or {}
    method_rows = "".join(f"<li><code>{escape(str(k))}</code>: {escape(_setting(v))}</li>"
                          for k, v in method.items())
    excluded = m.get("excluded_units") or []
    pairs = [
        ("Index", f"{escape(str(cfg.get('name') or run.path.parent.name))}"
                  + (f" — {escape(str(cfg['description']))}" if cfg.get("description") else "")),
        ("Dataset", f"{escape(str(m.get('dataset', '–')))}" + (" <strong>(SYNTHETIC)</strong>" if m.get("synthetic")
                                                             else "")),
        ("Units", f"{_n(m.get('units'))}" + (f" ({len(excluded)} excluded: {_codes(excluded)})" if excluded else "")),
        ("Indicators", _n(m.get("indicators"))),
        ("Framework", f"{escape(str(m.get('framework', '–')))}; composites {_codes(composites)}"
                      + (f"; headline <strong>{escape(head)}</strong>" if head else "")),
        ("Nominal methodology", f"<ul>{method_rows}</ul>" if method_rows else "–"),
        ("Run", f"{escape(run.run_id)}, {escape(run.run_date())}"),
        ("Package", f"{escape(str(m.get('package', 'dti_bench')))} {escape(str(m.get('version', '?')))}, commit "
                    f"<code>{escape(str(m.get('git_commit') or 'unknown'))}</code>"),
        ("Config", f"{escape(str(m.get('config_path', '–')))}, hash <code>{escape(str(m.get('config_hash', '–')))}"
                   "</code>"),
        ("Data hash", f"<code>{escape(str(m.get('data_hash', '–')))}</code>"),
        ("Overrides", f"seed {_n(m.get('seed'))}, samples {_n(m.get('samples_override'))}"),
        ("Run time", f"{_n((m.get('timings_s') or {}).get('total'), 2)} s"),
    ]
    parts.append(_kv(pairs))
    ran = [k for k in ANALYSES if _ran(run, k)]
    missing = [k for k in ANALYSES if not _ran(run, k)]
    parts.append(f"<p>Analyses in this run: {', '.join(escape(ANALYSES[k].title) for k in ran) or 'none'}.</p>")
    if missing:
        parts.append(f'<p class="notrun">Not run: {", ".join(escape(ANALYSES[k].title) for k in missing)}. Their '
                     "sections below say so; add the matching <code>analyses:</code> blocks to the config to run "
                     "them.</p>")
    parts.append(_key_findings(run))
    return "".join(parts)


def _key_findings(run: RunReader) -> str:
    items = []
    head, ranks = run.headline, run.table("ranks.csv")
    label = _unit_label(run)
    if head is not None:
        first = ranks.loc[ranks[head] == ranks[head].min(), "unit"].astype(str)
        items.append(f"Nominal first place on {escape(head)}: {_codes([label(u) for u in first])}.")
    flagged = _flagged(run)
    if _ran(run, "coherence"):
        items.append(f"Statistical coherence: flagged children in {_codes([c for c, _ in flagged])} (section 3)."
                     if flagged else
                     "Statistical coherence: no child is flagged as negatively or weakly correlated with its parent.")
    unc = run.outputs.get("uncertainty") or {}
    if unc.get("mean_abs_rank_shift") is not None:
        items.append(f"Uncertainty: mean absolute rank shift R̄s = {_places(unc['mean_abs_rank_shift'])} over "
                     f"{_n(unc.get('samples'))} samples ({_n(unc.get('failed', 0))} failed).")
    found = _intervals(run)
    if found is not None:
        verdicts = found[0]["verdict"].value_counts()
        items.append(f"Rank intervals: {verdicts.get('robust', 0)} robust, {verdicts.get('moderate', 0)} moderate, "
                     f"{verdicts.get('volatile', 0)} volatile of {len(found[0])} units (section 8).")
    sobol = _sobol_summary(run)
    if sobol is not None and sobol["ST"].notna().any():
        top = sobol.loc[sobol["ST"].idxmax()]
        items.append(f"Sensitivity: the factor with the largest total effect on R̄s is {escape(str(top['factor']))} "
                     f"(S<sub>T</sub> = {_n(top['ST'])}).")
    scr = run.table("screening.csv")
    if scr is not None:
        stat = "mu_star" if "mu_star" in scr else "median"
        rows = scr[scr["output"].astype(str) == "mean_abs_shift"]
        if not rows.empty and stat in rows and rows[stat].notna().any():
            top = rows.loc[rows[stat].idxmax()]
            items.append(f"Screening: the factor with the largest effect on R̄s is {escape(str(top['factor']))} "
                         f"({SCREENING_HEADERS[stat]} = {_n(top[stat])}).")
    loo = run.table("removal_summary.csv")
    if loo is not None and loo["mean_abs_shift"].notna().any():
        top = loo.loc[loo["mean_abs_shift"].idxmax()]
        items.append(f"Leave-one-out: removing {escape(str(top['removed']))} moves units most "
                     f"(mean {_places(top['mean_abs_shift'])}, max {_places(top['max_abs_shift'])}).")
    return "<h3>Key findings</h3><ul>" + "".join(f"<li>{i}</li>" for i in items) + "</ul>" if items else ""


def _section_framework(run: RunReader) -> str:
    m = run.manifest
    ranks, scores = run.table("ranks.csv"), run.table("scores.csv")
    head = run.headline
    parts = []
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
    parts.append(_kv(counts))
    structure = _structure(run)
    if structure is not None:
        parts.append(_table(structure, {"composite": "Composite", "level": "Level",
                                        "children": "Children (nominal weight)"},
                            caption="Framework structure" + (f": {escape(run.framework.describe())}"
                                                             if run.framework is not None else "")))
    if head is None or ranks is None:
        parts.append('<p class="notrun">No nominal ranks in this run folder (ranks.csv is missing).</p>')
        return "".join(parts)
    table = ranks.rename(columns={"unit": "Unit", **{c: f"{c} rank" for c in ranks.columns[1:]}})
    if scores is not None:
        table.insert(1, f"{head} score", table["Unit"].map(scores.set_index("unit")[head]))
    names = run.names()
    if names:
        table.insert(1, "Name", table["Unit"].astype(str).map(names))
    table = _nominal_rank_order(table, f"{head} rank")
    n = len(table)
    k = 10
    caption = f"Nominal ranks on {escape(head)} (1 = best; ties share the lowest rank)"
    # an index published on rounded values (the DTI: 4 decimals) is shown as published
    rounded = (run.config.get("methodology") or {}).get("round")
    digits = {f"{head} score": rounded} if isinstance(rounded, int) and not isinstance(rounded, bool) else {}
    if n <= 2 * k + 5:
        parts.append(_table(table, caption=caption + ", every unit", digits=digits))
    else:
        parts.append(_table(table.head(k), caption=caption + f": top {k} of {n}", digits=digits))
        parts.append(_table(table.tail(k), caption=caption + f": bottom {k} of {n}", digits=digits))
    return "".join(parts)


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


def _section_coherence(run: RunReader) -> str:
    comp = run.table("coherence_composites.csv")
    if comp is None:
        return _not_run(run, "coherence", "Add <code>coherence: true</code> to <code>analyses</code>.")
    block = run.analyses.get("coherence")
    threshold = block.get("threshold", WEAK_CORRELATION) if isinstance(block, Mapping) else WEAK_CORRELATION
    parts = ["<p>Do the data agree with the framework's grouping? Children of a composite should correlate "
             "positively with each other and with their parent (OECD/JRC Handbook step 4). Cronbach's α ≥ 0.7 is "
             "the usual rule of thumb for internal consistency; one principal component with eigenvalue above 1 "
             "and a large first-component share suggest that a composite's children measure one thing.</p>"]
    headers = {"composite": "Composite", "level": "Level", "k": "Children", "n": "Complete units",
               "cronbach_alpha": "Cronbach's α", "pca_first_share": "PCA 1st component share",
               "n_eigen_gt1": "Eigenvalues > 1", "min_child_parent_r": "Min child–parent r",
               "flagged_children": "Flagged children"}
    parts.append(_table(comp, headers, caption="Coherence of each composite (coherence_composites.csv)",
                        row_class=lambda r: "flagged" if pd.notna(r.get("flagged_children")) else ""))
    flagged = _flagged(run)
    if flagged:
        parts.append("<p>Flagged children (child–parent correlation negative, or below "
                     f"{_n(float(threshold), 2)}):</p><ul>"
                     + "".join(f"<li>{escape(c)}: {escape(f)}</li>" for c, f in flagged) + "</ul>")
    else:
        parts.append(f"<p>No child is flagged: every child–parent correlation is positive and at least "
                     f"{_n(float(threshold), 2)}.</p>")
    cor = run.table("coherence_correlations.csv")
    if cor is not None and "relation" in cor:
        edges = cor[cor["relation"] == "child-parent"][["node_a", "node_b", "n", "pearson", "spearman"]]
        if not edges.empty:
            parts.append(_table(edges, {"node_a": "Child", "node_b": "Parent", "n": "Units", "pearson": "Pearson r",
                                        "spearman": "Spearman ρ"},
                                caption="Child–parent correlations (coherence_correlations.csv)"))
    return "".join(parts)


def _section_uncertainty(run: RunReader) -> str:
    unc = run.table("uncertainty.csv")
    parts = []
    if unc is None:
        parts.append(_not_run(run, "uncertainty"))
    else:
        out = run.outputs.get("uncertainty") or {}
        node = out.get("node") or run.headline or "the headline"
        factors = out.get("factors") or []
        parts.append(
            f"<p>Monte Carlo uncertainty analysis of the ranks on <strong>{escape(str(node))}</strong>: "
            f"{_n(out.get('samples'))} methodologies drawn over the factors {_codes(factors)} (seed "
            f"{_n(out.get('seed'))}), each ranked against the nominal ranking. Failed samples: "
            f"{_n(out.get('failed', 0))}. Index-level mean absolute rank shift "
            f"R̄s = {_places(out.get('mean_abs_rank_shift'))} (Saisana et al. 2005).</p>")
        reasons = out.get("failure_reasons") or []
        if reasons:
            parts.append('<div class="warn">Most common failure reasons:<ul>'
                         + "".join(f"<li>{escape(str(r.get('reason')))} ({_n(r.get('count'))})</li>" for r in reasons)
                         + "</ul></div>")
        parts.append(_figure(run, "rank_intervals", "Nominal rank, median rank and 5–95 % interval of each unit."))
        table = unc.copy()
        table["unit"] = table["unit"].astype(str)
        table["interval"] = [("–" if pd.isna(a) else f"{int(a)}–{int(b)}")
                             for a, b in zip(table["q05_rank"], table["q95_rank"])]
        tops = [c for c in table.columns if re.fullmatch(r"p_top\d+", str(c)) and int(str(c)[5:]) < len(table)]
        cols = ["unit", *(["name"] if "name" in table else []), "nominal_rank", "median_rank", "interval",
                "mean_abs_shift", *tops]
        table = _nominal_rank_order(table[cols], "nominal_rank")
        caption = "Rank statistics per unit (uncertainty.csv)"
        if len(table) > MAX_LISTED_UNITS:
            table = table.sort_values("mean_abs_shift", ascending=False, kind="stable").head(50)
            caption += f": the 50 units with the largest mean absolute shift of {len(unc)}"
        heads = {"unit": "Unit", "name": "Name", "nominal_rank": "Nominal", "median_rank": "Median",
                 "interval": "5–95 % interval", "mean_abs_shift": "Mean |shift|",
                 **{c: f"P(top {str(c)[5:]})" for c in tops}}
        parts.append(_table(table, heads, caption=caption, decimals=["mean_abs_shift", *tops]))
    stab = run.table("stability.csv")
    if stab is not None:
        parts.append(_table(stab, {"metric": "Metric", "mean": "Mean", "q05": "5 %", "median": "Median",
                                   "q95": "95 %"},
                            caption="Rank stability of the samples against the nominal ranking (stability.csv)",
                            decimals=True))
    parts.append(_figure(run, "rank_shift_histogram", "Distribution of the units' mean absolute rank shifts."))
    robust = (run.outputs.get("stability") or {}).get("robust_pair_share")
    if robust:
        parts.append(f"<p>Robust pairs (Foster, McGillivray & Seth 2013): {_n(100 * robust['share'], 1)} % of unit "
                     f"pairs keep their order on {escape(str(robust.get('node')))} for every weighting in "
                     f"{escape(str(robust.get('weights')))}.</p>")
    parts.append("<h3>Grid of methodological alternatives</h3>" + _grid(run))
    return "".join(parts)


def _grid(run: RunReader) -> str:
    grid = run.table("grid.csv")
    if grid is None:
        return _not_run(run, "grid")
    out = run.outputs.get("grid") or {}
    head = run.headline
    parts = [f"<p>{_n(out.get('variants', grid['variant'].nunique()))} variants (the full factorial of the "
             "config's <code>analyses.grid</code>), each compared with the nominal ranking.</p>"]
    failed = out.get("failed") or []
    if failed:
        parts.append('<div class="warn">Failed variants:<ul>' + "".join(
            f"<li>{escape(str(f.get('variant')))}: {escape(str(f.get('reason')))}</li>" for f in failed)
            + "</ul></div>")
    nodes = [str(n) for n in pd.unique(grid["node"])]
    for node in sorted(nodes, key=lambda n: n != head):
        parts.append(_figures(run, (f"grid_heatmap-{node}", f"Rank on {escape(node)} under each grid variant."),
                              (f"bump_chart-{node}", f"Ranks on {escape(node)} across the grid variants.")))
    gs = run.table("grid_stability.csv")
    if gs is not None:
        cols = [c for c in ("variant", "spearman", "kendall_tau_b", "mean_abs_shift", "max_abs_shift",
                            "share_moving_gt_3", "top10_jaccard", "rbo") if c in gs]
        mine = gs[gs["node"].astype(str) == head][cols].copy() if head else gs[cols].copy()
        mine["variant"] = mine["variant"].astype(str).str.replace("|", " | ", regex=False)
        heads = {"variant": "Variant", "spearman": "Spearman ρ", "kendall_tau_b": "Kendall τb",
                 "mean_abs_shift": "Mean |shift|", "max_abs_shift": "Max |shift|",
                 "share_moving_gt_3": "Share moving > 3", "top10_jaccard": "Top-10 Jaccard", "rbo": "RBO"}
        parts.append(_table(mine, heads, caption=f"Each grid variant against the nominal ranks on {escape(str(head))} "
                                                 "(grid_stability.csv)",
                            decimals=[c for c in cols[1:] if c != "max_abs_shift"]))
        per_node = gs.groupby("node", sort=False).agg(min_spearman=("spearman", "min"),
                                                      mean_abs_shift=("mean_abs_shift", "mean"),
                                                      max_abs_shift=("max_abs_shift", "max")).reset_index()
        parts.append(_table(per_node, {"node": "Composite", "min_spearman": "Lowest Spearman ρ",
                                       "mean_abs_shift": "Mean |shift| (average over variants)",
                                       "max_abs_shift": "Largest |shift|"},
                            caption="Grid stability per composite", decimals=["min_spearman", "mean_abs_shift"]))
    return "".join(parts)


def _section_sensitivity(run: RunReader) -> str:
    out = run.outputs.get("sensitivity") or {}
    if run.table("screening.csv") is not None:
        return _screening(run, out)
    sobol = _sobol_summary(run)
    if run.table("sensitivity.csv") is None:
        return _not_run(run, "sensitivity")
    target = (run.analyses.get("sensitivity") or {}).get("target", 0.05)
    parts = [f"<p>Variance-based (Sobol') sensitivity analysis of {escape(str(out.get('node', run.headline)))} to "
             f"the factors {_codes(out.get('factors') or [])}: the first-order index S<sub>i</sub> is the share of "
             "the output's variance that factor i explains alone, the total index S<sub>Ti</sub> the share it "
             "explains with all its interactions (Saltelli et al. 2010 and Jansen 1999 estimators; 95 % bootstrap "
             "intervals). The summary output is the mean absolute rank shift R̄s.</p>"]
    parts.append(_figure(run, "sobol_bars", "First-order and total Sobol' indices of R̄s with 95 % intervals."))
    if sobol is not None:
        table = pd.DataFrame({"factor": sobol["factor"].astype(str)})
        for idx in ("S1", "ST"):
            lo, hi = sobol[idx] - sobol[f"{idx}_conf"], sobol[idx] + sobol[f"{idx}_conf"]
            table[idx] = sobol[idx]
            table[f"{idx} 95 % interval"] = [f"[{_n(a)}, {_n(b)}]" for a, b in zip(lo, hi)]
        table["interactions (ST − S1)"] = sobol["ST"] - sobol["S1"]
        parts.append(_table(table, {"factor": "Factor", "S1": "S1", "ST": "ST"},
                            caption="Sobol' indices of the mean absolute rank shift (sensitivity.csv)"))
    converged = out.get("converged")
    growth = (f"N doubled until every total index of R̄s was within ±{_n(float(target), 2)} (converged: "
              f"<strong>{_n(converged) if converged is not None else '–'}</strong>)" if target
              else "N fixed by the config (no convergence target)")
    parts.append(f"<p>Base sample N = {_n(out.get('N'))}, {_n(out.get('runs'))} model runs, "
                 f"{_n(out.get('dropped_base_rows', 0))} base rows dropped for failed runs; {growth}.</p>")
    history = out.get("history") or []
    if history:
        parts.append(_table(pd.DataFrame(history), {"N": "N", "runs": "Runs", "max_ST_halfwidth":
                                                    "Max ST half-width", "dropped_base_rows": "Dropped base rows"},
                            caption="Convergence history of the Sobol' design", decimals=["max_ST_halfwidth"]))
    warnings = out.get("warnings") or []
    if warnings:
        parts.append('<div class="warn">Warnings:<ul>' + "".join(f"<li>{escape(str(w))}</li>" for w in warnings)
                     + "</ul></div>")
    parts.append(_figure(run, "sobol_heatmap", "Total Sobol' index of each unit's rank to each factor."))
    return "".join(parts)


def _screening(run: RunReader, out: Mapping[str, Any]) -> str:
    scr = run.table("screening.csv")
    method = str(out.get("method") or (scr["method"].iloc[0] if "method" in scr else "screening"))
    stat = "mu_star" if method == "morris" else "median"
    intro = {"morris": "Morris elementary effects: μ* is the mean absolute effect of a factor (its importance), "
                       "σ the spread of its effects (interactions or non-linearity).",
             "pawn": "PAWN density-based indices: the Kolmogorov–Smirnov distance between the output's "
                     "unconditional distribution and its distribution with the factor fixed (median, mean and "
                     "maximum over the conditioning slices)."}.get(method, "")
    parts = [f"<p>{escape(method.upper() if method == 'pawn' else method.capitalize())} screening of "
             f"{escape(str(out.get('node', run.headline)))} over the factors {_codes(out.get('factors') or [])}: "
             f"{_n(out.get('runs'))} runs. {intro}</p>"]
    keep = [c for c in scr.columns if c not in ("output", "method", "node")]
    summary = scr[scr["output"].astype(str) == "mean_abs_shift"][keep]
    if not summary.empty:
        parts.append(_table(summary, SCREENING_HEADERS, decimals=True,
                            caption="Screening of the mean absolute rank shift R̄s (screening.csv)"))
    units = scr[scr["output"].astype(str) != "mean_abs_shift"]
    if not units.empty and stat in units:
        wide = units.pivot_table(index="output", columns="factor", values=stat, sort=False).reset_index()
        wide = wide.rename(columns={"output": "Unit"})
        wide.columns.name = None
        parts.append(_table(wide, decimals=True, caption=f"{SCREENING_HEADERS[stat]} of each unit's rank, per "
                                                         "factor"))
    return "".join(parts)


SCREENING_HEADERS = MappingProxyType({
    "factor": "Factor", "mu_star": "μ*", "mu_star_conf": "μ* 95 % half-width", "mu": "μ", "sigma": "σ",
    "median": "KS median", "mean": "KS mean", "maximum": "KS maximum"})


def _section_importance(run: RunReader) -> str:
    return _importance(run) + "<h3>Weight maps</h3>" + _weight_maps(run)


def _weight_maps(run: RunReader) -> str:
    out = run.outputs.get("weight_map") or {}
    units = [str(u) for u in out.get("units") or []]
    if not units:
        units = sorted(p.stem[len("weight_map-"):] for p in run.path.glob("weight_map-*.csv"))
    if not units:
        return _not_run(run, "weight_map")
    label = _unit_label(run)
    spec = run.analyses.get("weight_map")
    children = spec.get("children") if isinstance(spec, Mapping) else None
    over = f"the weights of {_codes(children)}" if children else "the weights of the headline's three children"
    parts = [f"<p>Each map shows a unit's rank at every split of {over} (a barycentric grid of resolution "
             f"{_n(out.get('resolution'))}; weight_map-&lt;unit&gt;.csv), so one can see how far the nominal weights "
             "are from a weighting that changes the rank.</p>"]
    parts.append(_figures(run, *((f"ternary_rank_map-{u}", f"Rank of {escape(label(u))} over the simplex of three "
                                                           "weights.") for u in units)))
    return "".join(parts)


def _importance(run: RunReader) -> str:
    imp = run.table("importance.csv")
    if imp is None:
        return _not_run(run, "importance")
    parts = ["<p>Nominal weights are not importance (Paruolo, Saisana & Saltelli 2013): a child's importance is "
             "its correlation ratio η² = V[E(y | x<sub>i</sub>)] / V(y) with the target, estimated by "
             "non-parametric regression. Shares are normalised within each parent; a ratio far from 1 means a "
             "child counts more (ratio > 1) or less (< 1) than its weight says.</p>"]
    parts.append(_figure(run, "weights_vs_importance", "Weight share against importance share of each child."))
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
    target = f" for {escape(targets[0])}" if len(targets) == 1 else ""
    parts.append(_table(table, heads, caption=f"Weights versus importance{target} (importance.csv; η² with its "
                                              "bootstrap interval)", decimals=["ratio"]))
    opt = run.table("optimised_weights.csv")
    if opt is not None:
        parts.append("<p>Weights that would bring the importance shares to the target (Becker et al. 2017); "
                     "'reachable' says whether the optimiser met the target.</p>")
        parts.append(_table(opt, {"parent": "Parent", "child": "Child", "target_share": "Target share",
                                  "optimal_weight": "Optimised weight", "achieved_share": "Achieved share",
                                  "residual": "Residual", "reachable": "Reachable"},
                            caption="Optimised weights (optimised_weights.csv)"))
    return "".join(parts)


def _section_removal(run: RunReader) -> str:
    summary = run.table("removal_summary.csv")
    if summary is None:
        return _not_run(run, "stability", "Add <code>stability: {leave_one_out: true}</code> to "
                                          "<code>analyses</code>.")
    parts = ["<p>Each indicator and composite is removed in turn (its parent's weights renormalised over the "
             "rest) and the index recomputed; the table gives how far the units' ranks move, largest first.</p>"]
    table = summary.sort_values("mean_abs_shift", ascending=False, kind="stable")
    parts.append(_table(table, {"removed": "Removed", "level": "Level", "node": "Ranks on",
                                "mean_abs_shift": "Mean |shift|", "max_abs_shift": "Max |shift|", "units": "Units"},
                        caption="Rank shifts when one element is left out (removal_summary.csv)"))
    detail = run.table("removal.csv")
    if detail is not None and "shift" in detail and detail["shift"].notna().any():
        row = detail.loc[detail["shift"].abs().idxmax()]
        label = _unit_label(run)
        parts.append(f"<p>Largest single move: {escape(label(str(row['unit'])))} goes from rank "
                     f"{_n(row['nominal_rank'])} to {_n(row['rank'])} on {escape(str(row['node']))} when "
                     f"{escape(str(row['removed']))} is left out (removal.csv holds every unit).</p>")
    return "".join(parts)


def _section_conclusions(run: RunReader) -> str:
    parts = [f"<p>A unit is called <strong>robust</strong> when its rank interval spans at most {ROBUST_WIDTH} "
             f"places (q<sub>95</sub> − q<sub>05</sub> ≤ {ROBUST_WIDTH}), <strong>volatile</strong> when it spans "
             f"more than {VOLATILE_WIDTH} places, and moderate in between. Its nominal rank is then a fair summary "
             "(robust) or should be reported with its interval (volatile).</p>"]
    found = _intervals(run)
    ranks, head = run.table("ranks.csv"), run.headline
    if found is None:
        parts.append('<p class="notrun">Not assessed: the run has neither a Monte Carlo uncertainty analysis nor a '
                     "grid, so no rank has an interval. Nominal ranks only.</p>")
        if ranks is None or head is None:
            return "".join(parts)
        table = _nominal_rank_order(ranks[["unit", head]].rename(columns={head: "nominal_rank"}), "nominal_rank")
        table["interval"] = "–"
        table["verdict"] = "not assessed"
    else:
        table, source = found
        parts.append(f"<p>Interval: {source}.</p>")
        table = table.copy()
        table["interval"] = [("–" if pd.isna(a) else f"{int(a)}–{int(b)}")
                             for a, b in zip(table["q05_rank"], table["q95_rank"])]
        table = table[["unit", "nominal_rank", "interval", "width", "verdict"]]
        counts = table["verdict"].value_counts()
        parts.append(f"<p>{counts.get('robust', 0)} of {len(table)} units are robust, {counts.get('moderate', 0)} "
                     f"moderate and {counts.get('volatile', 0)} volatile"
                     + (f"; {counts.get('not ranked')} were never ranked" if counts.get("not ranked") else "")
                     + ".</p>")
    names = run.names()
    if names:
        table.insert(1, "name", table["unit"].astype(str).map(names))
    heads = {"unit": "Unit", "name": "Name", "nominal_rank": "Nominal rank", "interval": "Rank interval",
             "width": "Width", "verdict": "Verdict"}
    parts.append(_table(table, heads, caption="Conclusions: every unit",
                        row_class=lambda r: r["verdict"] if r["verdict"] in ("robust", "volatile") else ""))
    return "".join(parts)


def _section_appendix(run: RunReader) -> str:
    files = sorted(str(p.relative_to(run.path)) for p in run.path.rglob("*") if p.is_file())
    return ("<h3>Resolved config (config.yaml)</h3>"
            + (f"<pre>{escape(run.config_text)}</pre>" if run.config_text else "<p>config.yaml is missing.</p>")
            + f"<h3>Manifest (manifest.json)</h3><pre>{escape(run.manifest_text)}</pre>"
            + f"<h3>Files of the run folder</h3><p>{_codes(files)}</p>")


_BUILDERS = MappingProxyType({
    "summary": _section_summary, "framework": _section_framework, "coherence": _section_coherence,
    "uncertainty": _section_uncertainty, "sensitivity": _section_sensitivity, "importance": _section_importance,
    "removal": _section_removal, "conclusions": _section_conclusions, "appendix": _section_appendix,
})


def render_report(run_dir: str | Path) -> str:
    """The audit report of a run folder as one HTML string (see :func:`write_report`)."""
    run = RunReader(run_dir)
    name = str(run.config.get("name") or run.path.parent.name)
    synthetic = " [SYNTHETIC DATA]" if run.manifest.get("synthetic") else ""
    toc = "".join(f'<li><a href="#{key}">{title}</a></li>' for key, title in SECTIONS.items())
    body = "".join(f'<section id="{key}"><h2>{i}. {title}</h2>{_BUILDERS[key](run)}</section>'
                   for i, (key, title) in enumerate(SECTIONS.items(), start=1))
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>Statistical audit: {escape(name)}{synthetic}</title><style>{_CSS}</style></head><body>"
            f"<header><h1>Statistical audit: {escape(name)}</h1>"
            f'<p class="subtitle">Composite-indicator audit report of run {escape(run.run_id)}, written by '
            f"dti_bench from the run folder's tables.</p></header>"
            f"<nav><ol>{toc}</ol></nav><main>{body}</main></body></html>\n")


def write_report(run_dir: str | Path, out: str | Path | None = None) -> Path:
    """Write the audit report of a run folder as one self-contained HTML file; return its path.

    Parameters
    ----------
    run_dir : str or Path
        A run folder written by :func:`dti_bench.experiment.run` (it must hold ``manifest.json``; every other
        file is optional and its section says so when it is absent).
    out : str or Path, optional
        The HTML file to write; default ``run_dir/report.html``; an existing folder gets ``report.html`` inside it.
        Its folder is created if needed.

    Raises
    ------
    DataError
        ``run_dir`` does not exist, is not a folder, or holds no ``manifest.json`` (or an unreadable one); or
        ``out`` cannot be written.
    """
    html = render_report(run_dir)
    path = Path(out) if out is not None else Path(run_dir) / "report.html"
    if path.is_dir():
        path = path / "report.html"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(html, encoding="utf-8")
    except OSError as exc:
        raise DataError(f"{path}: cannot write the report ({exc.strerror or exc})") from None
    return path


__all__ = ["MAX_LISTED_UNITS", "ROBUST_WIDTH", "SECTIONS", "VOLATILE_WIDTH", "render_report",
           "unit_verdicts", "write_report"]
