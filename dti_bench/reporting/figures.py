"""Figures for a methodology paper, drawn from result tables that are already computed.

Every figure function takes the tables a run folder holds (``uncertainty.csv``, ``sensitivity.csv``,
``grid.csv``, an importance table, a :func:`~dti_bench.analyses.weight_map.simplex_rank_map` table) and computes
nothing beyond arranging them (selecting, sorting, pivoting, placing points). Each ``draw_<figure>`` returns
``(figure, table)``, where ``table`` is the exact DataFrame drawn, so that a run folder stores the numbers beside
the picture and a reader can redraw it in any tool; the plain ``<figure>`` functions (``db.plot.rank_intervals``
...) take a result object or its frame and return the figure alone.

Conventions, chosen once for every figure:

- paper typography: DejaVu Sans (it covers Vietnamese diacritics) at 8 pt, 7 pt ticks and legends; widths of
  3.5 in (one column) or 7 in (two columns); no titles: the caption carries them;
- colour-blind-safe colours (Okabe & Ito 2008) for categories, cividis (Nuñez et al. 2018) for sequential
  scales and PuOr (ColorBrewer) for signed differences; every series also differs by marker, line style or
  hatch, so the figures survive greyscale printing;
- ranks run best first: rank 1 at the top or at the left;
- units are labelled by their ``name`` column when there is one (else by code).

Figures are built on :class:`matplotlib.figure.Figure` with an Agg canvas, never through pyplot: nothing is
left open in pyplot's registry, and importing this module does not change the caller's backend.
"""

from __future__ import annotations

import functools
import textwrap
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator
from matplotlib.tri import Triangulation

#: Figure widths in inches.
ONE_COLUMN, TWO_COLUMN = 3.5, 7.0
#: Okabe & Ito's colour-blind-safe palette, in the order series take it.
OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
LINESTYLES = ("-", "--", "-.", ":", (0, (5, 1)), (0, (3, 1, 1, 1, 1, 1)), (0, (1, 2)), (0, (8, 2)))
SEQUENTIAL = "cividis"
#: Diverging scale for signed differences (rank differences from the official ranking): ColorBrewer's PuOr,
#: colour-blind safe (Brewer 2003), white at the centre.
DIVERGING = "PuOr_r"
#: Grey for context (units not highlighted).
CONTEXT_GREY = "#BBBBBB"
#: S1 and ST bars differ in hatch as well as colour.
SOBOL_STYLE = {"S1": {"color": OKABE_ITO[0], "hatch": "////", "label": "First order $S_i$"},
               "ST": {"color": OKABE_ITO[1], "hatch": "", "label": "Total $S_{Ti}$"}}

STYLE = {
    "font.family": "DejaVu Sans",
    "font.size": 8,
    "axes.labelsize": 8,
    "axes.titlesize": 8,
    "xtick.labelsize": 7,
    "ytick.labelsize": 7,
    "legend.fontsize": 7,
    "legend.frameon": False,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.linewidth": 0.6,
    "xtick.major.width": 0.6,
    "ytick.major.width": 0.6,
    "xtick.major.size": 2.5,
    "ytick.major.size": 2.5,
    "lines.linewidth": 1.0,
    "hatch.linewidth": 0.6,
    "patch.linewidth": 0.5,
    "pdf.fonttype": 42,  # TrueType in PDFs: editable text, and journals accept it
    "savefig.dpi": 200,
}
DPI = 200

FigureAndTable = tuple[Figure, pd.DataFrame]


def _paper_style(function: Callable[..., FigureAndTable]) -> Callable[..., FigureAndTable]:
    """Draw under :data:`STYLE`; rcParams are read when artists are made, so the whole body runs inside."""
    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> FigureAndTable:
        with mpl.rc_context(STYLE):
            return function(*args, **kwargs)
    return wrapper


def _figure(width: float, height: float) -> Figure:
    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    fig.get_layout_engine().set(h_pad=0.02, w_pad=0.02)
    return fig


def _labels(table: pd.DataFrame) -> list[str]:
    """Unit display labels: the ``name`` column where present and non-empty, else the unit code."""
    codes = table["unit"].astype(str)
    if "name" not in table.columns:
        return list(codes)
    names = table["name"].astype("string")
    return [n if isinstance(n, str) and n.strip() else c for n, c in zip(names.fillna(""), codes)]


def _with_names(table: pd.DataFrame, names: Mapping[str, str] | pd.Series | None) -> pd.DataFrame:
    """``table`` with a ``name`` column (after ``unit``) taken from ``names`` when it has none."""
    if names is None or "name" in table.columns:
        return table
    lookup = dict(names.items()) if isinstance(names, pd.Series) else dict(names)
    out = table.copy()
    out.insert(out.columns.get_loc("unit") + 1, "name", [lookup.get(u, u) for u in out["unit"]])
    return out


def _order_units(units: Sequence[str], nominal_ranks: Mapping[str, float] | pd.Series | None) -> list[str]:
    """``units`` by nominal rank (best first, ties and unranked units in their given order), or as given."""
    units = list(units)
    if nominal_ranks is None:
        return units
    nominal = pd.Series(nominal_ranks, dtype=float) if not isinstance(nominal_ranks, pd.Series) else nominal_ranks
    key = pd.Series([nominal.get(u, np.nan) for u in units], index=units, dtype=float)
    return list(key.sort_values(kind="stable", na_position="last").index)


def _finite_max(values: Any, default: float = 1.0) -> float:
    """The largest finite value, or ``default`` when there is none (all failed or missing: no warning)."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    return float(v.max()) if v.size else default


def _finite_min(values: Any, default: float = 0.0) -> float:
    """The smallest finite value, or ``default`` when there is none."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    return float(v.min()) if v.size else default


def _unit_tick_size(n: int) -> float:
    return 7.0 if n <= 25 else 6.0 if n <= 45 else 5.5


def _rank_ticks(top: float) -> list[int]:
    """Rank ticks that always show rank 1: every rank up to 12, else 1 and multiples of 5 or 10."""
    top = int(max(1, np.floor(top)))
    if top <= 12:
        return list(range(1, top + 1))
    step = 5 if top <= 40 else 10
    return [1] + list(range(step, top + 1, step))


def _short_variant(label: str, *, stacked: bool = False) -> str:
    """A grid variant label as tick text, one line per varied path, the path names dropped (the axis label
    carries them): ``normalise=minmax(lo=1,hi=100)|aggregate=arithmetic`` -> ``minmax(lo=1,hi=100)`` /
    ``arithmetic``; ``stacked`` also puts each parameter on a line of its own, for narrow unrotated columns."""
    lines = []
    for part in str(label).split("|"):
        value = part.partition("=")[2] or part
        name, bracket, params = value.partition("(")
        lines += [name] + (bracket + params).replace(",", ",\n").splitlines() if stacked and bracket else [value]
    return "\n".join(lines)


_TICK_SIZE = 6.0


def _stacked_fits(variants: Sequence[str], width: float) -> bool:
    """Whether stacked variant labels fit their columns horizontally (DejaVu Sans: about 0.6 em a character;
    the axes get the figure width less about an inch of labels and colour bar)."""
    longest = max(len(line) for c in variants for line in _short_variant(c, stacked=True).splitlines())
    return longest * _TICK_SIZE * 0.6 / 72 <= 0.92 * (width - 1.0) / len(variants)


def _variant_ticks(ax: Any, variants: Sequence[str], width: float) -> None:
    """Variant tick labels: stacked and horizontal when they fit the columns, else one line per path, rotated."""
    fits = _stacked_fits(variants, width)
    labels = [_short_variant(c, stacked=fits) for c in variants]
    ax.set_xticks(np.arange(len(variants)), labels, fontsize=_TICK_SIZE, rotation=0 if fits else 90,
                  linespacing=1.05)
    ax.set_xlabel(_variant_axis_label(variants))


def _variant_header(variants: Sequence[str], width: float) -> float:
    """Inches the variant tick labels need below the axes (an estimate for the figure height)."""
    if _stacked_fits(variants, width):
        lines = max(len(_short_variant(c, stacked=True).splitlines()) for c in variants)
        return lines * _TICK_SIZE * 1.2 / 72 + 0.3
    return max(len(line) for c in variants for line in _short_variant(c).splitlines()) * _TICK_SIZE * 0.6 / 72 + 0.3


def _variant_axis_label(labels: Sequence[str]) -> str:
    """The dotted paths a grid varies, from the first label: ``Variant (normalise / aggregate)``."""
    keys = [part.partition("=")[0] for part in str(labels[0]).split("|") if "=" in part] if len(labels) else []
    return f"Variant ({' / '.join(keys)})" if keys else "Variant"


def _rank_pivot(grid: pd.DataFrame, node: str, nominal_ranks: Any, names: Any) -> pd.DataFrame:
    """Units x variants ranks of ``node``: rows by nominal rank, columns in the grid's order."""
    sub = grid[grid["node"] == node]
    if sub.empty:
        raise ValueError(f"grid has no rows for node {node!r}; nodes present: {sorted(pd.unique(grid['node']))}")
    variants = list(pd.unique(sub["variant"]))
    pivot = sub.pivot(index="unit", columns="variant", values="rank").astype(float)
    order = _order_units(list(pd.unique(sub["unit"])), nominal_ranks)
    table = pivot.loc[order, variants].reset_index()
    table.columns.name = None
    if nominal_ranks is not None:
        nominal = pd.Series(nominal_ranks, dtype=float)
        table.insert(1, "nominal_rank", [nominal.get(u, np.nan) for u in table["unit"]])
    return _with_names(table, names)


def _variant_columns(table: pd.DataFrame) -> list[str]:
    return [c for c in table.columns if c not in ("unit", "name", "nominal_rank", "highlighted")]


def _one_of(table: pd.DataFrame, column: str, value: Any, what: str) -> tuple[pd.DataFrame, Any]:
    """Rows of ``table`` where ``column == value``; with ``value=None``, the first value the column holds."""
    if column not in table.columns:
        return table, value
    present = list(pd.unique(table[column]))
    if value is None:
        value = present[0] if present else None
    rows = table[table[column] == value]
    if rows.empty:
        raise ValueError(f"no {what} rows with {column} = {value!r}; present: {present}")
    return rows, value


# -- 1. rank intervals ---------------------------------------------------------------------------------------

@_paper_style
def draw_rank_intervals(uncertainty: pd.DataFrame, *, horizontal: bool | None = None) -> FigureAndTable:
    """Each unit's nominal rank, median rank and 5-95 % rank band under uncertainty.

    Parameters
    ----------
    uncertainty : DataFrame
        ``uncertainty.csv``: ``unit``, optional ``name``, ``nominal_rank``, ``median_rank``, ``q05_rank``,
        ``q95_rank``; from a run over an ensemble also ``q05_rank_member_q05`` and ``q95_rank_member_q95``.
    horizontal : bool, optional
        Units on the y axis (names readable for many units); default when there are more than 15 units.

    Returns
    -------
    fig : Figure
        Units ordered by nominal rank, best first; a bar per unit spanning the ranks from ``q05_rank`` to
        ``q95_rank`` (each rank drawn as a cell of width 1, so a unit that never moves shows a one-rank bar),
        a filled circle at the median rank and an open diamond at the nominal rank. One column wide. Over an
        ensemble the bar is the across-member median band, and a lighter bar behind it reaches from the 5th
        percentile across members of ``q05_rank`` to the 95th of ``q95_rank`` (the band's range across members).
    table : DataFrame
        The columns drawn, in the drawn order.

    Examples
    --------
    The figure and the exact table it draws, from ``uncertainty.csv`` (here the result's frame):

    >>> import dti_bench as db
    >>> fw, ds = db.load_framework("dti-provincial-2022"), db.load_dataset("dti2022-published-profiles")
    >>> result = db.uncertainty(fw, ds, None, [db.factors.weight_noise(0.25)], n=50, seed=1)
    >>> fig, table = draw_rank_intervals(result.to_frame())
    >>> type(fig).__name__, len(table)
    ('Figure', 5)
    """
    columns = [c for c in ("unit", "name") if c in uncertainty.columns]
    columns += ["nominal_rank", "median_rank", "q05_rank", "q95_rank"]
    members = all(c in uncertainty.columns for c in ("q05_rank_member_q05", "q95_rank_member_q95"))
    columns += ["q05_rank_member_q05", "q95_rank_member_q95"] if members else []
    table = uncertainty[columns].sort_values(["nominal_rank", "unit"], kind="stable").reset_index(drop=True)
    n = len(table)
    horizontal = n > 15 if horizontal is None else horizontal
    labels = _labels(table)
    pos = np.arange(n)
    lo, hi = table["q05_rank"].to_numpy(float), table["q95_rank"].to_numpy(float)
    top = _finite_max(table[["nominal_rank", "q95_rank_member_q95" if members else "q95_rank"]])
    band = "5–95 % band (median across members)" if members else "5–95 % band"
    if members:
        outer_lo = table["q05_rank_member_q05"].to_numpy(float)
        outer_hi = table["q95_rank_member_q95"].to_numpy(float)
    if horizontal:
        fig = _figure(ONE_COLUMN, max(2.2, 0.115 * n + 0.9))
        ax = fig.add_subplot()
        if members:
            ax.barh(pos, outer_hi - outer_lo + 1.0, left=outer_lo - 0.5, height=0.62, color=OKABE_ITO[5],
                    alpha=0.3, edgecolor="none", label="its range across members")
        ax.barh(pos, hi - lo + 1.0, left=lo - 0.5, height=0.62, color=OKABE_ITO[5], edgecolor="none",
                label=band)
        ax.plot(table["nominal_rank"], pos, linestyle="none", marker="D", markersize=4.2, markerfacecolor="white",
                markeredgecolor=OKABE_ITO[3], markeredgewidth=0.9, label="Nominal rank")
        ax.plot(table["median_rank"], pos, linestyle="none", marker="o", markersize=2.6, color="black",
                label="Median rank")
        ax.set_yticks(pos, labels, fontsize=_unit_tick_size(n))
        ax.set_ylim(n - 0.5, -0.5)  # best first, at the top
        ax.set_xlim(0.5, top + 0.5)
        ax.set_xticks(_rank_ticks(top))
        ax.set_xlabel("Rank")
        ax.tick_params(axis="x", top=True, labeltop=n > 30)
        ax.grid(axis="x", linewidth=0.4, color="#E5E5E5")
        ax.tick_params(axis="y", length=0)
    else:
        fig = _figure(ONE_COLUMN, 2.5)
        ax = fig.add_subplot()
        if members:
            ax.bar(pos, outer_hi - outer_lo + 1.0, bottom=outer_lo - 0.5, width=0.62, color=OKABE_ITO[5],
                   alpha=0.3, edgecolor="none", label="its range across members")
        ax.bar(pos, hi - lo + 1.0, bottom=lo - 0.5, width=0.62, color=OKABE_ITO[5], edgecolor="none",
               label=band)
        ax.plot(pos, table["nominal_rank"], linestyle="none", marker="D", markersize=4.5, markerfacecolor="white",
                markeredgecolor=OKABE_ITO[3], markeredgewidth=0.9, label="Nominal rank")
        ax.plot(pos, table["median_rank"], linestyle="none", marker="o", markersize=3, color="black",
                label="Median rank")
        long = max((len(s) for s in labels), default=0) > 6
        ax.set_xticks(pos, labels, rotation=45 if long else 0, ha="right" if long else "center",
                      rotation_mode="anchor")
        ax.set_xlim(-0.6, n - 0.4)
        ax.set_ylim(top + 0.5, 0.5)  # rank 1 at the top
        ax.set_yticks(_rank_ticks(top))
        ax.set_ylabel("Rank")
        ax.grid(axis="y", linewidth=0.4, color="#E5E5E5")
        ax.tick_params(axis="x", length=0)
    ax.set_axisbelow(True)
    fig.legend(loc="outside upper center", ncols=2 if members else 3, handlelength=1.2, columnspacing=1.2)
    return fig, table


# -- 1b. rank changes under uncertainty ---------------------------------------------------------------------------

@_paper_style
def draw_rank_change_intervals(rank_change: pd.DataFrame, time_from: Any = None, time_to: Any = None
                               ) -> FigureAndTable:
    """Each unit's rank change between two time points: the nominal change and its 5-95 % interval under
    methodological uncertainty, ordered by the nominal change, robust changes marked.

    Parameters
    ----------
    rank_change : DataFrame
        ``rank_change.csv`` (:func:`dti_bench.analyses.rank_change.rank_change`): ``unit``, optional ``name``,
        ``time_from``, ``time_to``, ``nominal_change``, ``median_change``, ``q05_change``, ``q95_change``,
        ``robust``.
    time_from, time_to : optional
        The pair drawn (default: the table's first).

    Returns
    -------
    fig : Figure
        One row per unit that is ranked at both time points, biggest rise at the top; a bar from ``q05_change``
        to ``q95_change`` (each change a cell of width 1), an open diamond at the nominal change, a dot at the
        median; bars of robust changes (the interval excludes 0 on the side of the nominal move) in colour, the
        others grey; a line at 0. One column wide.
    table : DataFrame
        The rows drawn, in the drawn order.

    Examples
    --------
    >>> import dti_bench as db, numpy as np
    >>> fw, ds = db.load_framework("dti-provincial-2022"), db.load_dataset("dti2022-published-profiles")
    >>> grown = np.where(np.array(ds.units)[:, None] == "can_tho", np.minimum(ds.values * 1.1, 1), ds.values)
    >>> panel = {2022: ds, 2023: ds.replace(values=grown)}
    >>> result = db.rank_change(fw, panel, None, [db.factors.weight_noise(0.25)], n=50, seed=1)
    >>> fig, table = draw_rank_change_intervals(result.to_frame())
    >>> type(fig).__name__, len(table)
    ('Figure', 5)
    """
    pairs = rank_change[["time_from", "time_to"]].drop_duplicates()
    if time_from is None or time_to is None:
        time_from, time_to = pairs.iloc[0]
    part = rank_change[(rank_change["time_from"].astype(str) == str(time_from))
                       & (rank_change["time_to"].astype(str) == str(time_to))]
    columns = [c for c in ("unit", "name") if c in part.columns]
    columns += ["nominal_change", "median_change", "q05_change", "q95_change", "robust"]
    table = part[columns].dropna(subset=["nominal_change", "q05_change", "q95_change"])
    table = table.sort_values(["nominal_change", "unit"], ascending=[False, True], kind="stable").reset_index(drop=True)
    n = len(table)
    fig = _figure(ONE_COLUMN, max(2.2, 0.115 * n + 1.0))
    ax = fig.add_subplot()
    pos = np.arange(n)
    lo, hi = table["q05_change"].to_numpy(float), table["q95_change"].to_numpy(float)
    robust = table["robust"].astype(bool).to_numpy()
    for mask, colour, label in ((robust, OKABE_ITO[0], "5–95 % interval, robust change"),
                                (~robust, CONTEXT_GREY, "5–95 % interval, not robust")):
        if mask.any():
            ax.barh(pos[mask], hi[mask] - lo[mask] + 1.0, left=lo[mask] - 0.5, height=0.62, color=colour,
                    edgecolor="none", label=label)
    ax.plot(table["nominal_change"], pos, linestyle="none", marker="D", markersize=4.2, markerfacecolor="white",
            markeredgecolor=OKABE_ITO[3], markeredgewidth=0.9, label="Nominal change")
    ax.plot(table["median_change"], pos, linestyle="none", marker="o", markersize=2.4, color="black",
            label="Median change")
    ax.axvline(0, color="0.3", linewidth=0.6)
    ax.set_yticks(pos, _labels(table), fontsize=_unit_tick_size(n))
    ax.set_ylim(n - 0.5, -0.5)
    ax.set_xlabel(f"Rank change {time_from} → {time_to} (places gained)")
    ax.grid(axis="x", linewidth=0.4, color="#E5E5E5")
    ax.tick_params(axis="y", length=0)
    ax.set_axisbelow(True)
    fig.legend(loc="outside upper center", ncols=2, handlelength=1.2, columnspacing=1.0, fontsize=6.5)
    return fig, table


@_paper_style
def draw_rank_bands_over_time(uncertainty: pd.DataFrame, units: Sequence[str] | None = None, *,
                              highlight: int = 6) -> FigureAndTable:
    """A bump chart over time with bands: each unit's nominal rank at every time point and its 5-95 % band under
    the run's methodology variants (the uncertainty analysis run at each time point).

    Parameters
    ----------
    uncertainty : DataFrame
        ``uncertainty.csv`` of a panel run, long over time: ``unit``, ``time``, optional ``name``,
        ``nominal_rank``, ``q05_rank``, ``q95_rank``.
    units : sequence of str, optional
        Units drawn (at most 8, one Okabe-Ito colour and marker each); default the ``highlight`` best units of the
        latest time point.
    highlight : int
        How many units when ``units`` is not given.

    Returns
    -------
    fig : Figure
        x = time points, y = rank with 1 at the top; a line through each unit's nominal ranks and a band from its
        5 % to its 95 % rank; the other units as thin grey lines for context; the rank axis spans the drawn units'
        bands. One column wide.
    table : DataFrame
        ``unit``, ``time``, ``nominal_rank``, ``q05_rank``, ``q95_rank``, ``highlighted``.

    Examples
    --------
    >>> import pandas as pd
    >>> table = pd.DataFrame({"unit": ["a", "b"] * 2, "time": [2019, 2019, 2020, 2020],
    ...                       "nominal_rank": [1, 2, 2, 1], "q05_rank": [1, 1, 1, 1], "q95_rank": [2, 2, 2, 2]})
    >>> fig, drawn = draw_rank_bands_over_time(table)
    >>> type(fig).__name__, len(drawn)
    ('Figure', 4)
    """
    table = uncertainty[[c for c in ("unit", "time", "name", "nominal_rank", "q05_rank", "q95_rank")
                         if c in uncertainty.columns]].copy()
    times = sorted(pd.unique(table["time"]), key=str)
    latest = table[table["time"] == times[-1]].sort_values(["nominal_rank", "unit"], kind="stable")
    chosen = [str(u) for u in (units if units is not None else latest["unit"].head(highlight))]
    if len(chosen) > len(OKABE_ITO):
        raise ValueError(f"rank_bands_over_time: at most {len(OKABE_ITO)} units stay distinguishable, got {len(chosen)}")
    table["highlighted"] = table["unit"].astype(str).isin(chosen)
    table = table.sort_values(["unit", "time"], kind="stable").reset_index(drop=True)
    x_of = {t: i for i, t in enumerate(times)}
    fig = _figure(ONE_COLUMN, 2.6)
    ax = fig.add_subplot()
    for unit, rows in table.groupby("unit", sort=False):
        if str(unit) in chosen:
            continue
        ax.plot([x_of[t] for t in rows["time"]], rows["nominal_rank"], color=CONTEXT_GREY, linewidth=0.4)
    names = dict(zip(table["unit"].astype(str), _labels(table)))
    for k, unit in enumerate(chosen):
        rows = table[table["unit"].astype(str) == unit]
        x = np.array([x_of[t] for t in rows["time"]], dtype=float)
        colour = OKABE_ITO[k]
        ax.fill_between(x, rows["q05_rank"].to_numpy(float), rows["q95_rank"].to_numpy(float), color=colour,
                        alpha=0.18, linewidth=0)
        ax.plot(x, rows["nominal_rank"], color=colour, marker=MARKERS[k], markersize=3.2, linewidth=1.0,
                label=names.get(unit, unit))
    # the drawn units fill the axes (the context lines below them run off it): their worst band, with a margin
    shown = table[table["highlighted"]] if table["highlighted"].any() else table
    top = min(_finite_max(table[["nominal_rank", "q95_rank"]]), _finite_max(shown[["nominal_rank", "q95_rank"]]) + 2)
    ax.set_ylim(top + 0.5, 0.5)
    ax.set_yticks(_rank_ticks(top))
    ax.set_xticks(range(len(times)), [str(t) for t in times])
    ax.set_xlim(-0.2, len(times) - 0.8)
    ax.set_ylabel("Rank (5–95 % band)")
    ax.grid(axis="y", linewidth=0.4, color="#E5E5E5")
    ax.set_axisbelow(True)
    fig.legend(loc="outside right center", fontsize=6.5, handlelength=1.6, frameon=False)
    return fig, table


def rank_bands_over_time(data: Any, units: Sequence[str] | None = None) -> Figure:
    """Ranks over time with their 5-95 % bands (see :func:`draw_rank_bands_over_time`).

    Parameters
    ----------
    data : DataFrame
        ``uncertainty.csv`` of a panel run (``RunReader(folder).table("uncertainty.csv", all_times=True)``).
    units : sequence of str, optional

    Returns
    -------
    Figure

    Examples
    --------
    >>> import pandas as pd
    >>> table = pd.DataFrame({"unit": ["a", "b"] * 2, "time": [2019, 2019, 2020, 2020],
    ...                       "nominal_rank": [1, 2, 2, 1], "q05_rank": [1, 1, 1, 1], "q95_rank": [2, 2, 2, 2]})
    >>> type(rank_bands_over_time(table)).__name__
    'Figure'
    """
    return draw_rank_bands_over_time(data, units)[0]


def rank_change_intervals(data: Any, time_from: Any = None, time_to: Any = None) -> Figure:
    """Each unit's nominal rank change and its 5-95 % interval (see :func:`draw_rank_change_intervals`).

    Parameters
    ----------
    data : RankChangeResult or DataFrame
        A rank-change result, or its table (``rank_change.csv``).
    time_from, time_to : optional
        The pair drawn (default: the first).

    Returns
    -------
    Figure

    Examples
    --------
    >>> import dti_bench as db
    >>> fw, ds = db.load_framework("dti-provincial-2022"), db.load_dataset("dti2022-synthetic")
    >>> later = ds.replace(values=np.roll(ds.values, 1, axis=0))    # a made-up next year
    >>> result = db.rank_change(fw, {2022: ds, 2023: later}, None, [db.factors.weight_noise(0.25)], n=100)
    >>> type(db.plot.rank_change_intervals(result)).__name__
    'Figure'
    """
    return draw_rank_change_intervals(_frame(data), time_from, time_to)[0]


# -- 2. Sobol' bars ------------------------------------------------------------------------------------------

@_paper_style
def _fit_tick_labels(fig: Figure, ax: Any, slots: int, smallest: float = 5.0) -> None:
    """Shrink the x tick labels' font until the widest fits the width one of ``slots`` categories has (about
    85 % of the figure's width shared by them), never below ``smallest`` points: long factor names side by side
    would otherwise run into each other."""
    labels = ax.get_xticklabels()
    if not labels or slots < 1:
        return
    renderer = fig.canvas.get_renderer()
    room = 0.85 * fig.get_figwidth() * fig.dpi / slots
    widest = max(label.get_window_extent(renderer).width for label in labels)
    if widest > room:
        size = max(smallest, labels[0].get_fontsize() * room / widest)
        for label in labels:
            label.set_fontsize(size)


def draw_sobol_bars(sensitivity: pd.DataFrame, output: str = "mean_abs_shift", *, quantity: str | None = None,
               node: str | None = None) -> FigureAndTable:
    """First-order and total Sobol' indices of one output, per factor, with confidence intervals.

    Parameters
    ----------
    sensitivity : DataFrame
        ``sensitivity.csv``: ``output, factor, S1, S1_conf, ST, ST_conf`` (and ``node``).
    output : str
        The output whose indices are drawn: ``'mean_abs_shift'`` (the index-level R̄s summary) or a unit code.
    quantity : {'rank', 'score', 'summary'}, optional
        With a ``quantity`` column, which of a unit's outputs; default the first present (``'rank'`` in a run's
        ``sensitivity.csv``).
    node : str, optional
        With a ``node`` column, the node to draw; default the first one the rows of ``output`` name.

    Returns
    -------
    fig : Figure
        Paired bars per factor: S1 (blue, hatched) and ST (orange, plain), error bars ± the ``_conf`` half-widths
        (SALib's bootstrap confidence intervals). From a run over an ensemble (``S1_member_q05`` ... columns) the
        bars are the medians across members and the error bars their 5-95 % range across members. One column wide.
    table : DataFrame
        ``factor, S1, S1_conf, ST, ST_conf`` in the drawn order (and the member range columns when drawn).

    Examples
    --------
    >>> import dti_bench as db
    >>> fw, ds = db.load_framework("dti-provincial-2022"), db.load_dataset("dti2022-published-profiles")
    >>> factors = [db.factors.choice("aggregate.method", ["arithmetic", "minimum"], name="aggregation"),
    ...            db.factors.weight_noise(0.25, name="weights")]
    >>> result = db.sobol(fw, ds, None, factors, n=16, seed=1, target=None)
    >>> fig, table = draw_sobol_bars(result.to_frame())
    >>> type(fig).__name__, table["factor"].tolist()
    ('Figure', ['aggregation', 'weights'])
    """
    rows = sensitivity[sensitivity["output"].astype(str) == str(output)]
    if rows.empty:
        raise ValueError(f"sensitivity table has no output {output!r}; present: {list(pd.unique(sensitivity['output']))[:10]}")
    rows, _ = _one_of(rows, "quantity", quantity, "sensitivity")
    rows, _ = _one_of(rows, "node", node, "sensitivity")
    ranges = [f"{key}_member_{q}" for key in ("S1", "ST") for q in ("q05", "q95")]
    members = all(c in rows.columns for c in ranges)
    table = rows[["factor", "S1", "S1_conf", "ST", "ST_conf", *(ranges if members else [])]].reset_index(drop=True)
    k = len(table)
    x = np.arange(k)
    fig = _figure(ONE_COLUMN, 2.3)
    ax = fig.add_subplot()
    width = 0.38
    for offset, key in ((-width / 2, "S1"), (width / 2, "ST")):
        style = SOBOL_STYLE[key]
        values = table[key].to_numpy(float)
        # over an ensemble the whiskers are the range across members (the members' own intervals are in
        # sensitivity_members.csv)
        yerr = (np.clip([values - table[f"{key}_member_q05"].to_numpy(float),
                         table[f"{key}_member_q95"].to_numpy(float) - values], 0, None)
                if members else table[f"{key}_conf"])
        ax.bar(x + offset, table[key], width, yerr=yerr, color=style["color"], hatch=style["hatch"],
               edgecolor="black", linewidth=0.5, label=style["label"],
               error_kw={"elinewidth": 0.7, "capsize": 2, "capthick": 0.7, "ecolor": "black"})
    # labels wrapped at spaces to the width a bar pair has (one column shared by k factors), so that five or more
    # factors' names do not run into each other; a long single word stays whole
    chars = max(8, 60 // max(k, 1))
    ax.set_xticks(x, [textwrap.fill(str(f), chars, break_long_words=False) for f in table["factor"]])
    _fit_tick_labels(fig, ax, k)
    ax.tick_params(axis="x", length=0)
    ax.axhline(0, color="black", linewidth=0.6)
    low = -_finite_max(table[["S1_conf", "ST_conf"]].to_numpy(float) - table[["S1", "ST"]].to_numpy(float), 0.0)
    if members:
        low = min(0.0, _finite_min(table[["S1_member_q05", "ST_member_q05"]], 0.0))
    ax.set_ylim(bottom=min(0.0, low * 1.1))
    ax.set_xlim(-0.6, k - 0.4)
    ax.set_ylabel("Sobol' index\n(median, 5–95 % across members)" if members else "Sobol' index")
    ax.grid(axis="y", linewidth=0.4, color="#E5E5E5")
    ax.set_axisbelow(True)
    fig.legend(loc="outside upper center", ncols=2, handlelength=1.6)
    return fig, table


# -- 3. Sobol' heatmap ---------------------------------------------------------------------------------------

@_paper_style
def draw_sobol_heatmap(sensitivity: pd.DataFrame, quantity: str = "rank", *, index: str = "ST", node: str | None = None,
                  nominal_ranks: Mapping[str, float] | pd.Series | None = None,
                  names: Mapping[str, str] | pd.Series | None = None) -> FigureAndTable:
    """Sobol' indices of every unit's rank (or score) for every factor, as a units x factors heatmap.

    Parameters
    ----------
    sensitivity : DataFrame
        ``sensitivity.csv``; the rows with ``quantity == quantity`` (one per unit and factor) are drawn.
    quantity : {'rank', 'score'}
    index : {'ST', 'S1'}
        Which index colours the cells.
    node : str, optional
        With a ``node`` column, the node to draw; default the first one present.
    nominal_ranks : Series or mapping, optional
        Unit -> nominal rank: rows in that order (best at the top); default the table's order.
    names : Series or mapping, optional
        Unit -> display name.

    Returns
    -------
    fig : Figure
        Cividis from 0 to 1 (estimates outside [0, 1] take the end colours); values printed in small tables.
    table : DataFrame
        ``unit`` (``name``), then one column per factor, in the drawn order.

    Examples
    --------
    >>> import dti_bench as db
    >>> fw, ds = db.load_framework("dti-provincial-2022"), db.load_dataset("dti2022-published-profiles")
    >>> factors = [db.factors.choice("aggregate.method", ["arithmetic", "minimum"], name="aggregation"),
    ...            db.factors.weight_noise(0.25, name="weights")]
    >>> result = db.sobol(fw, ds, None, factors, n=16, seed=1, target=None)
    >>> fig, table = draw_sobol_heatmap(result.to_frame())
    >>> type(fig).__name__, table.shape
    ('Figure', (5, 3))
    """
    if "quantity" in sensitivity.columns:
        rows = sensitivity[sensitivity["quantity"] == quantity]
    else:
        rows = sensitivity[sensitivity["output"] != "mean_abs_shift"]
    if rows.empty:
        raise ValueError(f"sensitivity table has no rows of quantity {quantity!r}")
    rows, _ = _one_of(rows, "node", node, "sensitivity")
    factors = list(pd.unique(rows["factor"]))
    pivot = rows.pivot(index="output", columns="factor", values=index)
    order = _order_units([str(u) for u in pd.unique(rows["output"])], nominal_ranks)
    pivot.index = pivot.index.astype(str)
    table = pivot.loc[order, factors].reset_index().rename(columns={"output": "unit"})
    table.columns.name = None
    table = _with_names(table, names)
    values = table[factors].to_numpy(float)
    n, k = values.shape
    fig = _figure(ONE_COLUMN if k <= 6 else TWO_COLUMN, max(2.0, 0.115 * n + 1.0))
    ax = fig.add_subplot()
    image = ax.imshow(np.ma.masked_invalid(values), cmap=SEQUENTIAL, vmin=0.0, vmax=1.0, aspect="auto",
                      interpolation="nearest")
    ax.set_yticks(np.arange(n), _labels(table), fontsize=_unit_tick_size(n))
    ax.set_xticks(np.arange(k), [str(f).replace(" ", "\n", 1) for f in factors])
    ax.tick_params(length=0)
    ax.spines[:].set_visible(False)
    if n * k <= 120:
        _annotate(ax, values, "{:.2f}", lambda v: v < 0.55)
    bar = fig.colorbar(image, ax=ax, shrink=min(1.0, 4.0 / max(2.0, 0.115 * n + 1.0)) if n > 30 else 1.0,
                       aspect=25, pad=0.02)
    bar.set_label(f"{'Total' if index == 'ST' else 'First-order'} Sobol' index of the {quantity}")
    bar.outline.set_linewidth(0.5)
    return fig, table


def _annotate(ax: Any, values: np.ndarray, fmt: str, dark: Callable[[float], bool], size: float = 6.0) -> None:
    """Print each finite cell value, white on dark cells, black on light ones."""
    for i, j in zip(*np.nonzero(np.isfinite(values))):
        v = values[i, j]
        ax.text(j, i, fmt.format(v), ha="center", va="center", fontsize=size,
                color="white" if dark(v) else "black")


# -- 4. grid heatmap -----------------------------------------------------------------------------------------

@_paper_style
def draw_grid_heatmap(grid: pd.DataFrame, node: str, nominal_ranks: Mapping[str, float] | pd.Series | None = None, *,
                 names: Mapping[str, str] | pd.Series | None = None, annotate: bool | None = None,
                 relative: bool | None = None) -> FigureAndTable:
    """Ranks of every unit under every variant of a methodology grid (normalisation x aggregation x ...), or, with
    nominal ranks, each rank's difference from the nominal (official) one.

    Parameters
    ----------
    grid : DataFrame
        ``grid.csv``: ``unit, variant, node, score, rank``.
    node : str
        The composite drawn.
    nominal_ranks : Series or mapping, optional
        Unit -> nominal rank (a column of ``ranks.csv``): rows in that order, best at the top.
    names : Series or mapping, optional
        Unit -> display name.
    annotate : bool, optional
        Print the value of each cell; default when there are at most 400 cells.
    relative : bool, optional
        Colour by ``rank - nominal rank`` (positive: the variant ranks the unit lower) on a diverging map
        (:data:`DIVERGING`, white at 0, symmetric about 0), so that what a variant changes stands out and the rows'
        own order (nominal rank) is not drawn again. Default: True when ``nominal_ranks`` are given. Without them,
        ranks on cividis (dark = rank 1).

    Returns
    -------
    fig : Figure
        Rows = units, columns = variants in the grid's order (labelled by their alternatives, one line per
        varied path), colour = the rank difference (or the rank). Missing ranks (failed or unscored) stay blank.
    table : DataFrame
        ``unit`` (``nominal_rank``, ``name``), then one column per variant label: the rank differences when
        ``relative``, else the ranks.

    Examples
    --------
    >>> import dti_bench as db
    >>> fw, ds = db.load_framework("dti-provincial-2022"), db.load_dataset("dti2022-published-profiles")
    >>> result = db.grid(fw, ds, None, {"weights": ["nominal", "equal"]})
    >>> fig, table = draw_grid_heatmap(result.to_frame(), "DTI")
    >>> table
                 unit  weights=nominal  weights=equal
    0         da_nang              1.0            1.0
    1     ho_chi_minh              2.0            2.0
    2      quang_ninh              3.0            4.0
    3  thua_thien_hue              4.0            5.0
    4         can_tho              5.0            3.0

    With the official ranks (``ranks.csv``), each cell is the move from them (equal weights lift Cần Thơ two
    places):

    >>> official = result.to_frame().query("variant == 'weights=nominal' and node == 'DTI'").set_index("unit")["rank"]
    >>> fig, table = draw_grid_heatmap(result.to_frame(), "DTI", official)
    >>> table
                 unit  nominal_rank  weights=nominal  weights=equal
    0         da_nang           1.0              0.0            0.0
    1     ho_chi_minh           2.0              0.0            0.0
    2      quang_ninh           3.0              0.0            1.0
    3  thua_thien_hue           4.0              0.0            1.0
    4         can_tho           5.0              0.0           -2.0
    """
    table = _rank_pivot(grid, node, nominal_ranks, names)
    variants = _variant_columns(table)
    relative = nominal_ranks is not None if relative is None else relative
    if relative:
        if nominal_ranks is None:
            raise ValueError("relative=True needs nominal_ranks (the ranks the differences are taken from)")
        table[variants] = table[variants].sub(table["nominal_rank"], axis=0)
    values = table[variants].to_numpy(float)
    n, v = values.shape
    width = ONE_COLUMN if v <= 6 and n <= 30 else TWO_COLUMN
    # rows at least 7 pt apart (the labels at 5.5-7 pt stay legible at 63 units)
    fig = _figure(width, max(2.2, max(0.105, _unit_tick_size(n) * 1.3 / 72) * n + _variant_header(variants, width)
                             + 0.35))
    ax = fig.add_subplot()
    if relative:
        # symmetric about 0, one colour per whole place; white at 0 so that unchanged cells recede
        reach = max(1, int(np.ceil(_finite_max(np.abs(values), default=1.0))))
        cmap = mpl.colormaps[DIVERGING].resampled(2 * reach + 1)
        image = ax.imshow(np.ma.masked_invalid(values), cmap=cmap, vmin=-reach - 0.5, vmax=reach + 0.5,
                          aspect="auto", interpolation="nearest")
    else:
        top = _finite_max(values)
        cmap = mpl.colormaps[SEQUENTIAL].resampled(max(int(top), 2))
        image = ax.imshow(np.ma.masked_invalid(values), cmap=cmap, vmin=0.5, vmax=top + 0.5, aspect="auto",
                          interpolation="nearest")
    ax.set_yticks(np.arange(n), _labels(table), fontsize=_unit_tick_size(n))
    _variant_ticks(ax, variants, width)
    ax.tick_params(length=0)
    ax.spines[:].set_visible(False)
    if annotate if annotate is not None else n * v <= 400:
        size = 6.0 if n * v > 60 else 7.0
        if relative:  # signed differences, the zeros left blank: only what changes is written
            shown = np.where(values == 0, np.nan, values)
            _annotate(ax, shown, "{:+.0f}", lambda d: abs(d) > 0.6 * reach, size=size)
        else:
            _annotate(ax, values, "{:.0f}", lambda r: r <= top / 2, size=size)
    shrink = 1.0 if n <= 30 else 0.5
    if relative:
        step = max(1, int(np.ceil(reach / 5)))   # 0, then at most five whole steps each way
        ticks = [k * step for k in range(-(reach // step), reach // step + 1)]
        bar = fig.colorbar(image, ax=ax, aspect=30, pad=0.015, shrink=shrink, ticks=ticks)
        bar.set_label(f"Rank on {node} minus official rank\n(+ = lower, - = higher)")
    else:
        bar = fig.colorbar(image, ax=ax, aspect=30, pad=0.015, shrink=shrink, ticks=_rank_ticks(top))
        bar.ax.invert_yaxis()  # rank 1 at the top
        bar.set_label(f"Rank on {node}")
    bar.outline.set_linewidth(0.5)
    return fig, table


# -- 5. bump chart -------------------------------------------------------------------------------------------

@_paper_style
def draw_bump_chart(grid: pd.DataFrame, node: str, units: Sequence[str] | None = None, *,
               nominal_ranks: Mapping[str, float] | pd.Series | None = None,
               names: Mapping[str, str] | pd.Series | None = None, highlight: int = 4) -> FigureAndTable:
    """Ranks of units across the variants of a grid, a line per unit; a few units highlighted, the rest grey.

    Parameters
    ----------
    grid : DataFrame
        ``grid.csv``.
    node : str
        The composite drawn.
    units : sequence of str, optional
        Units to highlight (at most 8: one Okabe-Ito colour, marker and line style each); default the first
        ``highlight`` units spread evenly over the row order (by nominal rank when ``nominal_ranks`` is given):
        the first, the last and evenly between.
    nominal_ranks, names : Series or mapping, optional
        As for :func:`grid_heatmap`.
    highlight : int
        How many units to highlight when ``units`` is not given.

    Returns
    -------
    fig : Figure
        x = variants in the grid's order, y = rank with 1 at the top; grey thin lines for context, highlighted
        units drawn on top with colour, marker and line style, named in a legend outside the axes.
    table : DataFrame
        ``unit`` (``nominal_rank``, ``name``), ``highlighted``, then one column per variant.

    Examples
    --------
    >>> import dti_bench as db
    >>> fw, ds = db.load_framework("dti-provincial-2022"), db.load_dataset("dti2022-published-profiles")
    >>> result = db.grid(fw, ds, None, {"weights": ["nominal", "equal"]})
    >>> fig, table = draw_bump_chart(result.to_frame(), "DTI")
    >>> type(fig).__name__, table.shape
    ('Figure', (5, 4))
    """
    table = _rank_pivot(grid, node, nominal_ranks, names)
    if units is None:  # spread over the ranking: the best, the worst and evenly between
        rows = np.unique(np.round(np.linspace(0, len(table) - 1, min(highlight, len(table)))).astype(int))
        chosen = list(table["unit"].iloc[rows])
    else:
        chosen = [str(u) for u in units]
    unknown = [u for u in chosen if u not in set(table["unit"])]
    if unknown:
        raise ValueError(f"bump_chart: unknown unit {unknown[0]!r}; units: {list(table['unit'])[:10]}...")
    if len(chosen) > len(OKABE_ITO):
        raise ValueError(f"bump_chart: at most {len(OKABE_ITO)} highlighted units stay distinguishable, got {len(chosen)}")
    table.insert(table.columns.get_loc("unit") + 1 + ("nominal_rank" in table) + ("name" in table), "highlighted",
                 table["unit"].isin(chosen))
    variants = _variant_columns(table)
    values = table[variants].to_numpy(float)
    n, v = values.shape
    labels = _labels(table)
    x = np.arange(v)
    width = ONE_COLUMN if v <= 5 else TWO_COLUMN
    fig = _figure(width, 2.0 + min(0.02 * n, 1.5) + _variant_header(variants, width))
    ax = fig.add_subplot()
    for i in range(n):
        if not table["highlighted"].iloc[i]:
            ax.plot(x, values[i], color=CONTEXT_GREY, linewidth=0.6, zorder=1)
    for k, unit in enumerate(chosen):
        i = int(np.flatnonzero(table["unit"].to_numpy() == unit)[0])
        ax.plot(x, values[i], color=OKABE_ITO[k], marker=MARKERS[k], linestyle=LINESTYLES[k], markersize=3.6,
                linewidth=1.3, zorder=3 + k, label=labels[i], markeredgecolor="black", markeredgewidth=0.4,
                clip_on=False)
    top = _finite_max(values)
    ax.set_ylim(top + 0.5, 0.5)
    ax.set_yticks(_rank_ticks(top))
    ax.set_ylabel(f"Rank on {node}")
    _variant_ticks(ax, variants, width)
    ax.set_xlim(-0.3, v - 0.7)
    ax.grid(axis="x", linewidth=0.4, color="#E5E5E5")
    ax.set_axisbelow(True)
    if chosen:
        fig.legend(loc="outside right upper" if v > 5 else "outside upper center",
                   ncols=1 if v > 5 else min(len(chosen), 4), handlelength=2.4)
    return fig, table


# -- 6. rank-shift histogram ---------------------------------------------------------------------------------

@_paper_style
def draw_rank_shift_histogram(data: pd.DataFrame | Sequence[float] | np.ndarray, *, bins: int | str = "auto") -> FigureAndTable:
    r"""Histogram of mean absolute rank shifts: per unit, or per Monte Carlo sample (R̄s).

    Parameters
    ----------
    data : DataFrame or 1-D array
        ``uncertainty.csv`` (its ``mean_abs_shift`` column: each unit's mean over samples of
        :math:`|r_c - r_c^{nominal}|`), or an array of per-sample :math:`\bar R_s = \frac1n \sum_c |r_c(s) -
        r_c^{nominal}|` (Saisana, Saltelli & Tarantola 2005).
    bins : int or str
        Passed to :meth:`matplotlib.axes.Axes.hist` (numpy's bin rules).

    Returns
    -------
    fig : Figure
        One column wide; x = shift in ranks, y = number of units (or samples).
    table : DataFrame
        ``unit`` (``name``), ``mean_abs_shift`` for a table; ``sample``, ``mean_abs_shift`` for an array.

    Examples
    --------
    >>> fig, table = draw_rank_shift_histogram([0.5, 1.0, 1.5, 4.0], bins=2)
    >>> type(fig).__name__
    'Figure'
    >>> table
       sample  mean_abs_shift
    0       0             0.5
    1       1             1.0
    2       2             1.5
    3       3             4.0
    """
    per_unit = isinstance(data, pd.DataFrame)
    if per_unit:
        table = data[[c for c in ("unit", "name") if c in data.columns] + ["mean_abs_shift"]].reset_index(drop=True)
    else:
        values = np.asarray(data, dtype=float).ravel()
        table = pd.DataFrame({"sample": np.arange(len(values)), "mean_abs_shift": values})
    values = table["mean_abs_shift"].to_numpy(float)
    values = values[np.isfinite(values)]
    if (values.size == 0 or np.ptp(values) == 0) and isinstance(bins, str):
        bins = 1  # numpy's automatic rules need a spread
    fig = _figure(ONE_COLUMN, 2.2)
    ax = fig.add_subplot()
    ax.hist(values, bins=bins, color=OKABE_ITO[5], edgecolor="black", linewidth=0.5)
    ax.set_xlabel("Mean absolute rank shift per unit" if per_unit else r"Mean absolute rank shift $\bar{R}_s$ per sample")
    ax.set_ylabel("Units" if per_unit else "Samples")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlim(left=0)
    return fig, table


# -- 7. weights versus importance ----------------------------------------------------------------------------

@_paper_style
def draw_weights_vs_importance(importance: pd.DataFrame, *, target: str | None = None) -> FigureAndTable:
    """Weight share against importance share of each child, one panel per parent, with the 1:1 line.

    Parameters
    ----------
    importance : DataFrame
        An importance table (:func:`dti_bench.analyses.importance.importance_table`): ``parent, child, weight_share,
        importance_share`` at least (optional ``name`` of the child, ``target``).
    target : str, optional
        With a ``target`` column, the target drawn; by default the first present when an edge appears under
        several targets, else every row.

    Returns
    -------
    fig : Figure
        x = the child's share of its parent's weight, y = its share of the parent's importance (correlation
        ratio η², Paruolo, Saisana & Saltelli 2013); points on the dashed 1:1 line count as much as their weight
        says. Each parent gets its own panel, colour and marker, titled with the parent's code, followed by
        "(η² on T)" when its children's importance is against another composite T (the ``target`` column, e.g.
        the headline); points are labelled with the child's name. Same scale on every panel, equal aspect.
    table : DataFrame
        ``parent, child`` (``name``), ``weight_share, importance_share``, grouped by parent.

    Examples
    --------
    >>> import dti_bench as db
    >>> fw, ds = db.load_framework("dti-provincial-2022"), db.load_dataset("dti2022-published-profiles")
    >>> importance = db.importance(fw, ds, methods=["pearson"], n_boot=0).to_frame()
    >>> fig, table = draw_weights_vs_importance(importance)
    >>> type(fig).__name__, len(table)
    ('Figure', 26)
    """
    if target is not None or ("target" in importance and importance.duplicated(["parent", "child"]).any()):
        rows, _ = _one_of(importance, "target", target, "importance")
    else:  # one target per edge (e.g. each child against its own parent): every row is drawn
        rows = importance
    columns = ["parent", "child"] + (["name"] if "name" in rows.columns else []) + ["weight_share", "importance_share"]
    parents = list(pd.unique(rows["parent"]))
    table = pd.concat([rows[rows["parent"] == p][columns] for p in parents], ignore_index=True)
    k = len(parents)
    ncols = min(k, 3)
    nrows = -(-k // ncols)
    width = ONE_COLUMN if k == 1 else TWO_COLUMN
    panel = min(2.6, (width - 0.7) / ncols)
    fig = _figure(width, nrows * (panel + 0.25) + 0.45)
    axes = fig.subplots(nrows, ncols, sharex=True, sharey=True, squeeze=False).ravel()
    both = table[["weight_share", "importance_share"]].to_numpy(float)
    lim = max(0.05, _finite_max(both) * 1.15)
    for i, (ax, parent) in enumerate(zip(axes, parents)):
        block = table[table["parent"] == parent]
        ax.plot([0, lim], [0, lim], linestyle="--", color="#777777", linewidth=0.7, zorder=1)
        ax.plot(block["weight_share"], block["importance_share"], linestyle="none", marker=MARKERS[i % len(MARKERS)],
                color=OKABE_ITO[i % len(OKABE_ITO)], markeredgecolor="black", markeredgewidth=0.4, markersize=4.5,
                zorder=3)
        names = block["name"] if "name" in block else block["child"]
        _label_points(ax, block["weight_share"].to_numpy(float), block["importance_share"].to_numpy(float),
                      [str(n) for n in names], lim, panel)
        against = str(rows.loc[rows["parent"] == parent, "target"].iloc[0]) if "target" in rows else str(parent)
        ax.set_title(str(parent) if against == str(parent) else f"{parent} (η² on {against})", loc="left", fontsize=7,
                     pad=2)
        ax.set_xlim(0, lim)
        ax.set_ylim(0, lim)
        ax.set_box_aspect(1)
        ax.xaxis.set_major_locator(MaxNLocator(nbins=4))
        ax.yaxis.set_major_locator(MaxNLocator(nbins=4))
    for ax in axes[k:]:
        ax.set_visible(False)
    for ax in axes[max(0, k - ncols):k]:  # the lowest panel of each column shows its x tick labels
        ax.xaxis.set_tick_params(labelbottom=True)
    if k == 1:
        axes[0].set_xlabel("Weight share")
        axes[0].set_ylabel("Importance share (η²)")
    else:
        fig.supxlabel("Weight share", fontsize=8)
        fig.supylabel("Importance share (η²)", fontsize=8)
    return fig, table


def _label_points(ax: Any, xs: np.ndarray, ys: np.ndarray, labels: Sequence[str], lim: float, panel: float) -> None:
    """Label points beside themselves, nudging labels upward out of each other's way (with a leader line).

    Label extents are estimated from the character count (DejaVu Sans at 6 pt: about 0.6 em per character,
    7.5 pt per line); a label goes right of its point unless it would leave the axes, and rises, lowest point
    first, until it overlaps no label already placed.
    """
    per_inch = lim / panel
    char, sep, gap = 6 * 0.6 / 72 * per_inch, 7.5 / 72 * per_inch, 0.035 * lim
    marker = 3.0 / 72 * per_inch
    # every point is an obstacle too, so that no label covers another point's marker
    placed: list[tuple[float, float, float]] = [(x - marker, x + marker, y) for x, y in zip(xs, ys)
                                                if np.isfinite(x) and np.isfinite(y)]
    for i in np.argsort(ys, kind="stable"):
        if not (np.isfinite(xs[i]) and np.isfinite(ys[i])):
            continue
        length = len(labels[i]) * char
        right = xs[i] + gap + length <= lim
        left_edge = xs[i] + gap if right else xs[i] - gap - length
        span = (left_edge, left_edge + length)
        y = ys[i]
        for _ in range(len(placed) + 1):  # y only rises, past one placed label at a time
            clash = [yj for a, b, yj in placed if a < span[1] and span[0] < b and abs(y - yj) < 0.999 * sep]
            if not clash:
                break
            y = max(clash) + sep
        placed.append((span[0], span[1], y))
        moved = abs(y - ys[i]) > 1e-12
        ax.annotate(labels[i], (xs[i], ys[i]), xytext=(xs[i] + (gap if right else -gap), y), textcoords="data",
                    fontsize=6, ha="left" if right else "right", va="center",
                    arrowprops={"arrowstyle": "-", "linewidth": 0.4, "color": "#777777",
                                "shrinkA": 0, "shrinkB": 2.5} if moved else None)


# -- 8. ternary rank map -------------------------------------------------------------------------------------

_SQRT3_2 = np.sqrt(3.0) / 2.0


def _to_xy(w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Barycentric (w1, w2, w3) -> Cartesian: w1 at (0, 0), w2 at (1, 0), w3 at (1/2, √3/2)."""
    w = np.asarray(w, dtype=float)
    return w[..., 1] + 0.5 * w[..., 2], _SQRT3_2 * w[..., 2]


@_paper_style
def draw_ternary_rank_map(table: pd.DataFrame, unit: str | None = None) -> FigureAndTable:
    """A unit's rank over the simplex of three weights, with the nominal weights marked.

    Parameters
    ----------
    table : DataFrame
        :func:`dti_bench.analyses.weight_map.simplex_rank_map` output: ``w1, w2, w3, rank`` (``attrs``: ``children``,
        ``names``, ``unit_name``, ``nominal``). A long table with a ``unit`` column is filtered to ``unit``.
    unit : str, optional
        The unit drawn (needed only for a long table); its display name labels the colour bar.

    Returns
    -------
    fig : Figure
        Filled contours at half-integer levels (one band per rank, cividis, dark = rank 1) on the triangle
        w1 (bottom left), w2 (bottom right), w3 (top), black lines where the rank changes, dotted guides at
        weight steps of 0.2 and a white star at the nominal weights. Boundaries are interpolated between grid
        points: they zigzag by up to half a grid step, and where two non-adjacent ranks meet a thin sliver of
        the ranks between may show; a map for print wants ``resolution`` of 100 or more. One column.
    table : DataFrame
        ``w1, w2, w3, rank`` and the plotted ``x, y``.

    Examples
    --------
    >>> import dti_bench as db
    >>> fw, ds = db.load_framework("dti-provincial-2022"), db.load_dataset("dti2022-published-profiles")
    >>> pillars = ["digital_government", "digital_economy", "digital_society"]
    >>> result = db.weight_map(fw, ds, None, "can_tho", pillars, resolution=6)
    >>> fig, table = draw_ternary_rank_map(result.maps["can_tho"])
    >>> type(fig).__name__, len(table)   # (6 + 1)(6 + 2)/2 weightings
    ('Figure', 28)
    """
    attrs = dict(table.attrs)
    if "unit" in table.columns:
        if unit is None:
            raise ValueError(f"ternary_rank_map: the table holds several units; name one of {list(pd.unique(table['unit']))[:10]}")
        table = table[table["unit"] == unit]
    drawn = table[[c for c in ("unit", "w1", "w2", "w3", "rank", "score") if c in table.columns]].reset_index(drop=True)
    x, y = _to_xy(drawn[["w1", "w2", "w3"]].to_numpy(float))
    drawn["x"], drawn["y"] = x, y
    rank = drawn["rank"].to_numpy(float)
    names = attrs.get("names") or attrs.get("children") or ["$w_1$", "$w_2$", "$w_3$"]
    who = attrs.get("unit_name") or unit or attrs.get("unit") or "the unit"

    fig = _figure(ONE_COLUMN, 2.75)
    ax = fig.add_subplot()
    tri = Triangulation(x, y)
    bad = ~np.isfinite(rank)
    if bad.any():
        tri.set_mask(bad[tri.triangles].any(axis=1))
    finite = rank[~bad]
    lo, hi = (finite.min(), finite.max()) if finite.size else (1.0, 1.0)
    levels = np.arange(lo - 0.5, hi + 1.0, 1.0)
    cmap = mpl.colormaps[SEQUENTIAL].resampled(max(len(levels) - 1, 2))
    filled = ax.tricontourf(tri, np.where(bad, lo, rank), levels=levels, cmap=cmap)
    if len(levels) > 2:
        ax.tricontour(tri, np.where(bad, lo, rank), levels=levels[1:-1], colors="black", linewidths=0.7)
    for step in (0.2, 0.4, 0.6, 0.8):  # iso-weight guides
        for a, b in ((0, 1), (1, 2), (2, 0)):
            ends = np.zeros((2, 3))
            ends[:, a] = step
            ends[0, b], ends[1, 3 - a - b] = 1 - step, 1 - step
            gx, gy = _to_xy(ends)
            ax.plot(gx, gy, color="white", linewidth=0.4, linestyle=":", alpha=0.8, zorder=2)
    ax.plot([0, 1, 0.5, 0], [0, 0, _SQRT3_2, 0], color="black", linewidth=0.8, zorder=3)
    nominal = attrs.get("nominal")
    if nominal is not None:
        nx, ny = _to_xy(np.asarray(nominal, dtype=float))
        ax.plot(nx, ny, marker="*", markersize=10, markerfacecolor="white", markeredgecolor="black",
                markeredgewidth=0.8, linestyle="none", zorder=5, label="Nominal weights")
        ax.legend(loc="upper left", handletextpad=0.3, borderaxespad=0, handlelength=1.2)
    corner = [textwrap.fill(str(label), 16) for label in names]
    # bottom labels run inwards from their corners, so they never leave the figure
    ax.annotate(corner[0], (0, 0), xytext=(-6, -4), textcoords="offset points", ha="left", va="top", fontsize=7,
                multialignment="left")
    ax.annotate(corner[1], (1, 0), xytext=(6, -4), textcoords="offset points", ha="right", va="top", fontsize=7,
                multialignment="right")
    ax.annotate(corner[2], (0.5, _SQRT3_2), xytext=(0, 4), textcoords="offset points", ha="center",
                va="bottom", fontsize=7)
    ax.set_xlim(-0.1, 1.1)
    ax.set_ylim(-0.1 - 0.045 * max(c.count("\n") for c in corner[:2]), _SQRT3_2 + 0.07 + 0.045 * corner[2].count("\n"))
    ax.set_aspect("equal")
    ax.set_axis_off()
    bar = fig.colorbar(filled, ax=ax, shrink=0.8, aspect=20, pad=0.01,
                       ticks=np.arange(lo, hi + 1.0) if hi - lo <= 12 else [t for t in _rank_ticks(hi) if t >= lo])
    bar.ax.invert_yaxis()  # rank 1 at the top
    bar.set_label(f"Rank of {who}")
    bar.outline.set_linewidth(0.5)
    return fig, drawn


# -- the public figures: a result object or its frame in, the figure out -----------------------------------------

def _frame(data: Any) -> Any:
    """A result object's main table (its ``to_frame()``), or the frame (or sequence) as given."""
    return data.to_frame() if hasattr(data, "to_frame") and not isinstance(data, (pd.DataFrame, pd.Series)) else data


def rank_intervals(data: Any, *, horizontal: bool | None = None) -> Figure:
    """Each unit's nominal rank, median rank and 5-95 % rank band (see :func:`draw_rank_intervals`).

    Parameters
    ----------
    data : UncertaintyResult or DataFrame
        An uncertainty result, or its table (``uncertainty.csv``).
    horizontal : bool, optional

    Returns
    -------
    Figure

    Examples
    --------
    >>> import dti_bench as db
    >>> fw, ds = db.load_framework("dti-provincial-2022"), db.load_dataset("dti2022-synthetic")
    >>> result = db.uncertainty(fw, ds, None, [db.factors.weight_noise(0.25)], n=100)
    >>> fig = db.plot.rank_intervals(result)
    >>> type(fig).__name__
    'Figure'
    """
    return draw_rank_intervals(_frame(data), horizontal=horizontal)[0]


def rank_shift_histogram(data: Any, *, bins: int | str = "auto") -> Figure:
    """Histogram of mean absolute rank shifts (see :func:`draw_rank_shift_histogram`).

    Parameters
    ----------
    data : UncertaintyResult, DataFrame or sequence of float
    bins : int or str

    Returns
    -------
    Figure

    Examples
    --------
    >>> fig = rank_shift_histogram([0.5, 1.0, 1.5, 4.0])
    >>> len(fig.axes)
    1
    """
    return draw_rank_shift_histogram(_frame(data), bins=bins)[0]


def sobol_bars(data: Any, output: str = "mean_abs_shift", *, quantity: str | None = None,
               node: str | None = None) -> Figure:
    """First-order and total Sobol' indices of one output, per factor (see :func:`draw_sobol_bars`).

    Parameters
    ----------
    data : SobolResult or DataFrame
        A Sobol' result or its table (``sensitivity.csv``).
    output, quantity, node
        Which output to show (default: the mean absolute rank shift).

    Returns
    -------
    Figure

    Examples
    --------
    >>> import dti_bench as db
    >>> fw, ds = db.load_framework("dti-provincial-2022"), db.load_dataset("dti2022-synthetic")
    >>> f = [db.factors.choice("aggregate.method", ["arithmetic", "geometric"]), db.factors.weight_noise(0.25)]
    >>> fig = db.plot.sobol_bars(db.sobol(fw, ds, None, f, n=32, target=None))
    >>> type(fig).__name__
    'Figure'
    """
    return draw_sobol_bars(_frame(data), output, quantity=quantity, node=node)[0]


def sobol_heatmap(data: Any, quantity: str = "rank", *, index: str = "ST", node: str | None = None,
                  nominal_ranks: Mapping[str, float] | pd.Series | None = None,
                  names: Mapping[str, str] | pd.Series | None = None) -> Figure:
    """Sobol' indices of every unit's rank for every factor (see :func:`draw_sobol_heatmap`).

    Parameters
    ----------
    data : SobolResult or DataFrame
    quantity, index, node, nominal_ranks, names
        As for :func:`draw_sobol_heatmap`.

    Returns
    -------
    Figure

    Examples
    --------
    >>> import dti_bench as db
    >>> fw, ds = db.load_framework("dti-provincial-2022"), db.load_dataset("dti2022-published-profiles")
    >>> fig = db.plot.sobol_heatmap(db.sobol(fw, ds, None, [db.factors.weight_noise(0.25)], n=32, target=None))
    >>> type(fig).__name__
    'Figure'
    """
    return draw_sobol_heatmap(_frame(data), quantity, index=index, node=node, nominal_ranks=nominal_ranks,
                              names=names)[0]


def grid_heatmap(data: Any, node: str | None = None, nominal_ranks: Mapping[str, float] | pd.Series | None = None,
                 *, names: Mapping[str, str] | pd.Series | None = None, annotate: bool | None = None) -> Figure:
    """Ranks of every unit under every variant of a grid (see :func:`draw_grid_heatmap`).

    Parameters
    ----------
    data : GridResult or DataFrame
        A grid result (its nominal ranks order the rows) or its table (``grid.csv``).
    node : str, optional
        The composite shown (default: the last one of the table, the headline for the bundled frameworks).
    nominal_ranks, names, annotate
        As for :func:`draw_grid_heatmap`.

    Returns
    -------
    Figure

    Examples
    --------
    >>> import dti_bench as db
    >>> fw, ds = db.load_framework("dti-provincial-2022"), db.load_dataset("dti2022-synthetic")
    >>> result = db.grid(fw, ds, None, {"aggregate": ["arithmetic", "geometric", "harmonic"]})
    >>> type(db.plot.grid_heatmap(result, "DTI")).__name__
    'Figure'
    """
    frame, node, nominal_ranks = _grid_inputs(data, node, nominal_ranks)
    return draw_grid_heatmap(frame, node, nominal_ranks, names=names, annotate=annotate)[0]


def bump_chart(data: Any, node: str | None = None, units: Sequence[str] | None = None, *,
               nominal_ranks: Mapping[str, float] | pd.Series | None = None,
               names: Mapping[str, str] | pd.Series | None = None, highlight: int = 4) -> Figure:
    """Ranks of units across the variants of a grid, a line per unit (see :func:`draw_bump_chart`).

    Parameters
    ----------
    data : GridResult or DataFrame
    node, units, nominal_ranks, names, highlight
        As for :func:`draw_bump_chart` (``node`` defaults as in :func:`grid_heatmap`).

    Returns
    -------
    Figure

    Examples
    --------
    >>> import dti_bench as db
    >>> fw, ds = db.load_framework("dti-provincial-2022"), db.load_dataset("dti2022-synthetic")
    >>> result = db.grid(fw, ds, None, {"aggregate": ["arithmetic", "geometric"]})
    >>> type(db.plot.bump_chart(result, "DTI")).__name__
    'Figure'
    """
    frame, node, nominal_ranks = _grid_inputs(data, node, nominal_ranks)
    return draw_bump_chart(frame, node, units, nominal_ranks=nominal_ranks, names=names, highlight=highlight)[0]


def _grid_inputs(data: Any, node: str | None, nominal_ranks: Any) -> tuple[pd.DataFrame, str, Any]:
    frame = _frame(data)
    if node is None:
        node = str(pd.unique(frame["node"])[-1])
    if nominal_ranks is None and hasattr(data, "nominal_ranks") and node in getattr(data, "nominal_ranks", {}):
        nominal_ranks = data.nominal_ranks[node]
    return frame, node, nominal_ranks


def weights_vs_importance(data: Any, *, target: str | None = None) -> Figure:
    """Weight share against importance share of each child (see :func:`draw_weights_vs_importance`).

    Parameters
    ----------
    data : ImportanceResult or DataFrame
    target : str, optional

    Returns
    -------
    Figure

    Examples
    --------
    >>> import dti_bench as db
    >>> fw, ds = db.load_framework("dti-provincial-2022"), db.load_dataset("dti2022-synthetic")
    >>> fig = db.plot.weights_vs_importance(db.importance(fw, ds, methods=["pearson"], n_boot=0))
    >>> type(fig).__name__
    'Figure'
    """
    return draw_weights_vs_importance(_frame(data), target=target)[0]


def ternary_rank_map(data: Any, unit: str | None = None) -> Figure:
    """A unit's rank over the simplex of three weights (see :func:`draw_ternary_rank_map`).

    Parameters
    ----------
    data : WeightMapResult or DataFrame
        A weight-map result (``unit`` picks the map; default its first) or one map's table.
    unit : str, optional

    Returns
    -------
    Figure

    Examples
    --------
    >>> import dti_bench as db
    >>> fw, ds = db.load_framework("dti-provincial-2022"), db.load_dataset("dti2022-synthetic")
    >>> pillars = ["digital_government", "digital_economy", "digital_society"]
    >>> result = db.weight_map(fw, ds, None, "ha_noi", pillars, resolution=12)
    >>> type(db.plot.ternary_rank_map(result)).__name__
    'Figure'
    """
    if hasattr(data, "maps"):
        unit = unit or next(iter(data.maps))
        data = data.maps[unit]
    return draw_ternary_rank_map(data, unit)[0]


__all__ = ["DPI", "LINESTYLES", "MARKERS", "OKABE_ITO", "ONE_COLUMN", "SEQUENTIAL", "STYLE", "TWO_COLUMN",
           "bump_chart", "draw_bump_chart", "draw_grid_heatmap", "draw_rank_bands_over_time", "draw_rank_change_intervals", "draw_rank_intervals",
           "draw_rank_shift_histogram", "rank_bands_over_time", "rank_change_intervals",
           "draw_sobol_bars", "draw_sobol_heatmap", "draw_ternary_rank_map", "draw_weights_vs_importance",
           "grid_heatmap", "rank_intervals", "rank_shift_histogram", "sobol_bars", "sobol_heatmap",
           "ternary_rank_map", "weights_vs_importance"]
