"""The figures of a run folder: drawn from its files (through :class:`~dti_bench.io.runs.RunReader`) into
``figures/``, each as PNG, PDF (when asked) and the CSV of the numbers drawn.

:data:`FIGURES` is the registry of run figures: each analysis of :data:`dti_bench.analyses.registry.ANALYSES` names
the figures drawn from its files, and :func:`draw_run_figures` draws those of every analysis the run holds.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import matplotlib as mpl
import pandas as pd
from matplotlib.figure import Figure

from dti_bench.analyses.registry import ANALYSES
from dti_bench.filenames import safe_stem
from dti_bench.io.files import write_csv
from dti_bench.io.runs import RunReader
from dti_bench.progress import progress_bar
from dti_bench.reporting import figures as f

#: zlib level of the PNGs (1: fastest; PNG is lossless at every level, only the size changes).
PNG_COMPRESSION = 1

#: What a run-figure drawer yields: (file stem, figure, the table drawn).
Drawn = tuple[str, Figure, pd.DataFrame]


def save_figure(fig: Figure, table: pd.DataFrame, folder: str | Path, name: str, *, pdf: bool = False,
                synthetic: bool = False) -> list[Path]:
    """Write ``<name>.png`` (200 dpi), ``<name>.pdf`` (when ``pdf`` is True) and ``<name>.csv`` (the table
    drawn; with ``synthetic``, its last column says so) into ``folder``.

    All of them or none: each is written to a temporary file in ``folder`` and renamed into place
    (:func:`os.replace`, atomic on one file system) only after all are written; on any error the temporary files
    are removed and the earlier files of that name, if any, are left as they were. With ``pdf``, the figure's
    layout is fixed after the PNG is drawn (its layout engine set to none), so the PDF has the PNG's positions.

    Returns
    -------
    list of Path
        The paths written.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    final = [folder / f"{name}.{ext}" for ext in (("png", "pdf", "csv") if pdf else ("png", "csv"))]
    temporary: list[Path] = []
    try:
        for path in final:
            handle, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
            os.close(handle)
            temporary.append(Path(tmp))
        with mpl.rc_context(f.STYLE):
            # no creation date in the files: the same run draws byte-identical figures. zlib level 1 rather than
            # PIL's 6: 5-10 % less drawing time for files about 10 % larger
            fig.savefig(temporary[0], format="png", dpi=f.DPI, metadata={"Software": None},
                        pil_kwargs={"compress_level": PNG_COMPRESSION})
            if pdf:
                # the constrained layout was solved for the PNG (its positions are fractions of the figure, the
                # same at any dpi): keep it rather than solve it again, which costs as much as drawing
                fig.set_layout_engine("none")
                fig.savefig(temporary[1], format="pdf", metadata={"CreationDate": None, "Producer": None})
        write_csv(table, temporary[-1], synthetic=synthetic)
        for tmp, path in zip(temporary, final):
            os.replace(tmp, path)
    finally:
        for tmp in temporary:
            tmp.unlink(missing_ok=True)
    return final


def stamp(fig: Figure, label: str) -> None:
    """Write ``label`` below the figure's axes, right-aligned, in dark grey, as the figure's own footnote: the
    constrained layout makes room for it under everything else (the legends sit above the axes), so the label
    never lies over the data, a colour bar or a legend."""
    existing = fig._supxlabel.get_text() if getattr(fig, "_supxlabel", None) is not None else ""
    if existing:  # a figure-wide x label (weights_vs_importance): the label goes on a line of its own below it
        fig.supxlabel(f"{existing}\n{label}", fontsize=fig._supxlabel.get_fontsize())
    else:
        fig.supxlabel(label, x=0.995, ha="right", fontsize=6.5, color="0.15", fontweight="bold")


# -- one drawer per run figure -----------------------------------------------------------------------------------

def _names(run: RunReader) -> pd.Series | None:
    names = run.names()
    return pd.Series(names) if names else None


def _ranks(run: RunReader, node: str | None) -> pd.Series | None:
    ranks = run.table("ranks.csv")
    if ranks is None or node is None or node not in ranks:
        return None
    return ranks.set_index("unit")[node]


def _rank_intervals(run: RunReader, which: str) -> Iterator[Drawn]:
    table = run.table("uncertainty.csv")
    if table is not None:
        yield ("rank_intervals", *f.draw_rank_intervals(table))


def _rank_bands_over_time(run: RunReader, which: str) -> Iterator[Drawn]:
    table = run.table("uncertainty.csv", all_times=True)
    if table is None or "time" not in table.columns or table["time"].nunique() < 2:
        return
    names = _names(run)
    if names is not None:
        table = table.assign(name=table["unit"].map(names))
    yield ("rank_bands_over_time", *f.draw_rank_bands_over_time(table))


def _rank_change_intervals(run: RunReader, which: str) -> Iterator[Drawn]:
    table = run.table("rank_change.csv")
    if table is None:
        return
    names = _names(run)
    if names is not None:
        table = table.assign(name=table["unit"].map(names))
    for t0, t1 in table[["time_from", "time_to"]].drop_duplicates().itertuples(index=False):
        yield (f"rank_change_intervals-{safe_stem(f'{t0}-{t1}')}", *f.draw_rank_change_intervals(table, t0, t1))


def _rank_shift_histogram(run: RunReader, which: str) -> Iterator[Drawn]:
    table = run.table("uncertainty.csv")
    if table is not None:
        yield ("rank_shift_histogram", *f.draw_rank_shift_histogram(table))


def _sobol_bars(run: RunReader, which: str) -> Iterator[Drawn]:
    table = run.table("sensitivity.csv")
    if table is not None and (table["output"] == "mean_abs_shift").any():
        yield ("sobol_bars", *f.draw_sobol_bars(table))


def _sobol_heatmap(run: RunReader, which: str) -> Iterator[Drawn]:
    table = run.table("sensitivity.csv")
    if table is not None and "quantity" in table and (table["quantity"] == "rank").any():
        node = table["node"].iloc[0] if "node" in table else None
        yield ("sobol_heatmap", *f.draw_sobol_heatmap(table, node=node, nominal_ranks=_ranks(run, node),
                                                       names=_names(run)))


def _grid_nodes(run: RunReader, which: str) -> list[str]:
    """The composites of ``grid.csv`` that get a heatmap and a bump chart: the headline only, or all of them; never
    one with a single child (a topic of one indicator), whose ranks under every variant are its child's and
    which would only repeat that child's picture."""
    grid = run.table("grid.csv")
    if grid is None:
        return []
    nodes = [str(n) for n in pd.unique(grid["node"])]
    fw = run.framework
    if fw is not None:
        nodes = [n for n in nodes if n not in fw.nodes or len(fw.children(n)) != 1]
    return [n for n in nodes if n == run.headline] if which == "headline" else nodes


def _grid_heatmap(run: RunReader, which: str) -> Iterator[Drawn]:
    for node in _grid_nodes(run, which):
        yield (f"grid_heatmap-{safe_stem(node)}", *f.draw_grid_heatmap(run.table("grid.csv"), node, _ranks(run, node),
                                                              names=_names(run)))


def _bump_chart(run: RunReader, which: str) -> Iterator[Drawn]:
    for node in _grid_nodes(run, which):
        yield (f"bump_chart-{safe_stem(node)}", *f.draw_bump_chart(run.table("grid.csv"), node, nominal_ranks=_ranks(run, node),
                                                          names=_names(run)))


def _weights_vs_importance(run: RunReader, which: str) -> Iterator[Drawn]:
    table = run.table("importance.csv")
    if table is not None:
        yield ("weights_vs_importance", *f.draw_weights_vs_importance(table))


def _ternary_rank_map(run: RunReader, which: str) -> Iterator[Drawn]:
    maps = (run.outputs.get("weight_map") or {}).get("maps") or {}
    for unit, attrs in maps.items():
        table = run.table(f"weight_map-{safe_stem(unit)}.csv")
        if table is None:
            continue
        table.attrs.update(attrs)
        yield (f"ternary_rank_map-{safe_stem(unit)}", *f.draw_ternary_rank_map(table, unit))


#: Every run figure, by the name the analysis registry uses.
FIGURES: Mapping[str, Callable[[RunReader, str], Iterator[Drawn]]] = {
    "rank_intervals": _rank_intervals,
    "rank_shift_histogram": _rank_shift_histogram,
    "rank_change_intervals": _rank_change_intervals,
    "rank_bands_over_time": _rank_bands_over_time,
    "sobol_bars": _sobol_bars,
    "sobol_heatmap": _sobol_heatmap,
    "grid_heatmap": _grid_heatmap,
    "bump_chart": _bump_chart,
    "weights_vs_importance": _weights_vs_importance,
    "ternary_rank_map": _ternary_rank_map,
}


def draw_run_figures(run_dir: str | Path, *, label: str | None = None, which: str = "headline",
                     pdf: bool = False, progress: bool = False) -> list[str]:
    """Draw the figures of every analysis a run folder holds into ``run_dir/figures/``; return the names written.

    Every analysis the folder holds gets its figures (rank intervals, Sobol' bars ...); ``which`` decides only
    how many composites get the grid's heatmap and bump chart, and no composite of a single child gets them.

    Parameters
    ----------
    run_dir : str or Path
        A run folder (its tables are the figures' only input).
    label : str, optional
        Stamped small in the corner of every figure: runs on synthetic data pass "SYNTHETIC DATA (<dataset>)",
        so that a figure lifted into a paper still says what it shows.
    which : {'headline', 'all'}
        Grid figures for the headline only (the default), or for every composite of ``grid.csv``.
    pdf : bool
        Also write each figure as PDF (what a paper includes); by default PNG and CSV only.
    progress : bool
        Show a progress bar (:func:`dti_bench.progress.progress_bar`): one step per figure kind of the run, the
        figure being drawn named beside it.

    Returns
    -------
    list of str
        File stems written, in the registry's order.

    Examples
    --------
    >>> import dti_bench as db, tempfile
    >>> config = {"name": "demo", "data": {"dataset": "dti2022-synthetic"},
    ...           "analyses": {"grid": {"aggregate": ["arithmetic", "geometric"]}}}
    >>> folder = db.Study.from_config(config).save(tempfile.mkdtemp(), figures="none", report=False)
    >>> draw_run_figures(folder)
    ['grid_heatmap-DTI', 'bump_chart-DTI']
    >>> sorted(p.name for p in (folder / "figures").glob("bump_chart*"))
    ['bump_chart-DTI.csv', 'bump_chart-DTI.png']
    >>> len(draw_run_figures(folder, which="all"))  # the DTI and its three pillars
    8
    """
    run = RunReader(run_dir)
    kinds = [name for analysis in ANALYSES.values() if run.has(*analysis.files) for name in analysis.figures]
    written: list[str] = []
    with progress_bar(len(kinds), "figures", enabled=progress, unit="kind") as bar:
        for name in kinds:
            for stem, fig, table in FIGURES[name](run, which):
                bar.set_postfix_str(stem)  # a kind may draw many (a heatmap per composite): name each one
                if label:
                    stamp(fig, label)
                save_figure(fig, table, run.path / "figures", stem, pdf=pdf, synthetic=run.synthetic)
                written.append(stem)
            bar.update(1)
    return written


__all__ = ["FIGURES", "draw_run_figures", "save_figure", "stamp"]
