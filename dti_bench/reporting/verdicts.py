"""What a rank interval says about a unit, decided once for the report, the figures and the paper.

A unit is *robust* when the width of its rank interval, :math:`q_{95} - q_{05}`, is at most :data:`ROBUST_WIDTH`
places, *volatile* when it exceeds :data:`VOLATILE_WIDTH` places, and *moderate* in between. The interval is the
5-95 % Monte Carlo interval of ``uncertainty.csv``; a run with a grid but no uncertainty analysis uses the range
(min-max) of the unit's ranks over the grid variants instead, and says so.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from dti_bench.io.runs import RunReader

#: A unit whose 5-95 % rank interval spans at most this many places is called robust.
ROBUST_WIDTH = 3
#: A unit whose 5-95 % rank interval spans more than this many places is called volatile (the paper's "wide band").
VOLATILE_WIDTH = 10


def verdict(width: np.ndarray | pd.Series | float) -> np.ndarray:
    """'robust', 'moderate' or 'volatile' for each interval width; 'not ranked' where the width is NaN.

    Examples
    --------
    >>> verdict(np.array([0, 3, 4, 10, 11, np.nan])).tolist()
    ['robust', 'robust', 'moderate', 'moderate', 'volatile', 'not ranked']
    """
    width = np.asarray(width, dtype=float)
    with np.errstate(invalid="ignore"):
        out = np.where(width <= ROBUST_WIDTH, "robust", np.where(width > VOLATILE_WIDTH, "volatile", "moderate"))
    return np.where(np.isnan(width), "not ranked", out)


def unit_verdicts(run: str | Path | RunReader) -> tuple[pd.DataFrame, str] | None:
    """Every unit's nominal rank, rank interval, its width and verdict, and where the interval comes from.

    Parameters
    ----------
    run : str, Path or RunReader
        A run folder.

    Returns
    -------
    (table, source) or None
        ``table`` has columns unit, nominal_rank, q05_rank, q95_rank, width, verdict, sorted by nominal rank;
        ``source`` describes the interval in words. None when the run has neither an uncertainty analysis nor a
        grid.
    """
    run = run if isinstance(run, RunReader) else RunReader(run)
    unc, grid = run.table("uncertainty.csv"), run.table("grid.csv")
    if unc is not None:
        node = run.outputs.get("uncertainty", {}).get("node") or run.headline
        table = unc[["unit", "nominal_rank", "q05_rank", "q95_rank"]].copy()
        samples = run.outputs.get("uncertainty", {}).get("samples")
        count = f"{int(samples):,}" if samples else "the"
        source = f"5–95 % interval of the ranks on {node} over {count} Monte Carlo samples (uncertainty.csv)"
    elif grid is not None and run.headline is not None:
        node = run.headline
        ranks = run.table("ranks.csv").set_index("unit")[node]
        mine = grid[grid["node"] == node]
        spread = mine.groupby("unit", sort=False)["rank"].agg(["min", "max"])
        table = pd.DataFrame({"unit": ranks.index, "nominal_rank": ranks.to_numpy()})
        table["q05_rank"] = table["unit"].map(spread["min"])
        table["q95_rank"] = table["unit"].map(spread["max"])
        source = (f"range (min–max) of the ranks on {node} over the {mine['variant'].nunique()} grid variants "
                  f"(grid.csv), since no Monte Carlo uncertainty analysis was run")
    else:
        return None
    table["unit"] = table["unit"].astype(str)
    table["width"] = table["q95_rank"] - table["q05_rank"]
    table["verdict"] = verdict(table["width"])
    return table.sort_values("nominal_rank", kind="stable", na_position="last").reset_index(drop=True), source


__all__ = ["ROBUST_WIDTH", "VOLATILE_WIDTH", "unit_verdicts", "verdict"]
