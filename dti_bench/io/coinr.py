"""COINr's interchange tables: iData (units x indicators, with unit metadata) and iMeta (the framework).

COINr users bring their indices as these two tables; :func:`read_coinr` turns them into a framework and a
dataset, from files or from DataFrames already in memory.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from dti_bench.errors import DataError
from dti_bench.io.files import read_table
from dti_bench.model.dataset import Dataset
from dti_bench.model.panel import Panel
from dti_bench.model.framework import Framework


def load_idata(source: str | Path | pd.DataFrame, framework: Framework | None = None, *, unit_column: str = "uCode",
               name_column: str | None = "uName", groups: tuple[str, ...] = (), denominators: tuple[str, ...] = (),
               name: str | None = None) -> Dataset:
    """A COINr iData table (or any table with a unit column), validated against ``framework``.

    Parameters
    ----------
    source : str, Path or DataFrame
        A CSV file, or the table itself. A DataFrame without a ``unit_column`` column takes its index as the
        unit codes.
    framework : Framework, optional
        Its indicators are the table's indicator columns (an unknown column is an error); without one, every
        column other than the unit code, name, groups and denominators is an indicator.
    unit_column, name_column : str
        COINr's ``uCode`` and ``uName`` by default.
    groups, denominators : tuple of str
        Grouping and denominator columns, beyond those the framework declares.
    name : str, optional
        The dataset's name (default: the file's stem, or ``'data'``).

    Returns
    -------
    Dataset, (units, indicators)
        NaN marks a missing value (blank cells and the usual marks: NA, n/a, -, ...).

    Raises
    ------
    DataError
        Naming the file, row and column of the offending cell.

    Examples
    --------
    >>> import pandas as pd
    >>> table = pd.DataFrame({"uCode": ["A", "B"], "x1": [1.0, 2.0], "x2": [3.0, None]})
    >>> load_idata(table)
    Dataset('data': 2 units x 2 indicators)
    """
    if isinstance(source, pd.DataFrame):
        table, where = source, name or "data"
    else:
        path = Path(source)
        table, where = read_table(path), str(path)
        name = name or path.stem
    if "Time" in table.columns and table["Time"].nunique() > 1:
        raise DataError(f"{where}: column 'Time' has {table['Time'].nunique()} values: a panel; read it with "
                        f"load_panel (a config reads it as one when it finds the column), or filter it to one 'Time'")
    return Dataset.from_frame(table, framework, unit_column=unit_column, name_column=name_column,
                              group_columns=groups, denominator_columns=denominators, name=name or "data",
                              source=where, meta={"source": where})


def load_panel(source: str | Path | pd.DataFrame, framework: Framework | None = None, *, time: str | None = None,
               unit_column: str = "uCode", name_column: str | None = "uName", groups: tuple[str, ...] = (),
               denominators: tuple[str, ...] = (), name: str | None = None) -> Panel | Dataset:
    """A COINr iData with a time column as a :class:`~dti_bench.model.panel.Panel` (one dataset per time point).

    Parameters
    ----------
    source : str, Path or DataFrame
        The long table: one row per unit and time point.
    framework : Framework, optional
    time : str, optional
        The time column; default COINr's ``Time`` when the table has it with more than one value (else the table
        is one time point and a :class:`Dataset` is returned, as :func:`load_idata` would).
    unit_column, name_column, groups, denominators, name
        As for :func:`load_idata`.

    Returns
    -------
    Panel or Dataset

    Raises
    ------
    DataError
        Naming the file, row and column: a time that is not a year or date, a duplicate (unit, time) row, a unit
        without a row at some time point, a named time column that is absent.

    Examples
    --------
    >>> import pandas as pd
    >>> long = pd.DataFrame({"uCode": ["A", "B", "A", "B"], "Time": [2019, 2019, 2020, 2020],
    ...                      "x1": [1.0, 2.0, 2.0, 1.0], "x2": [3.0, 1.0, 1.0, 3.0]})
    >>> load_panel(long).times
    (2019, 2020)
    """
    if isinstance(source, pd.DataFrame):
        table, where = source, name or "data"
    else:
        path = Path(source)
        table, where = read_table(path), str(path)
        name = name or path.stem
    column = time or ("Time" if "Time" in table.columns and table["Time"].nunique() > 1 else None)
    if column is None:
        single = table.drop(columns=["Time"]) if "Time" in table.columns else table
        return Dataset.from_frame(single, framework, unit_column=unit_column, name_column=name_column,
                                  group_columns=groups, denominator_columns=denominators, name=name or "data",
                                  source=where, meta={"source": where})
    return Panel.from_frame(table, framework, time=column, unit_column=unit_column, name_column=name_column,
                            group_columns=groups, denominator_columns=denominators, source=where,
                            name=name or "data", meta={"source": where})


def read_imeta(source: str | Path | pd.DataFrame, *, name: str | None = None) -> Framework:
    """A framework from a COINr iMeta table (a CSV file or a DataFrame).

    Parameters
    ----------
    source : str, Path or DataFrame
        Columns ``iCode, Level, Parent, Weight, Type`` (``iName, Direction`` optional), as COINr's
        ``new_coin(iData, iMeta)`` takes them; see :meth:`~dti_bench.model.framework.Framework.from_imeta`.
    name : str, optional
        The framework's name (default: the file's stem, or ``'imeta'``).

    Returns
    -------
    Framework

    Examples
    --------
    >>> import pandas as pd
    >>> imeta = pd.DataFrame({"iCode": ["x1", "x2", "Index"], "Level": [1, 1, 2], "Parent": ["Index", "Index", None],
    ...                       "Weight": [1, 1, 1], "Type": ["Indicator", "Indicator", "Aggregate"]})
    >>> read_imeta(imeta).describe()
    'imeta: 2 indicators, 1 composites, 2 levels, headline Index'
    """
    if isinstance(source, pd.DataFrame):
        return Framework.from_imeta(source.astype(object).where(source.notna(), np.nan), name=name or "imeta",
                                    source=name or "iMeta")
    from dti_bench.io.bundled import load_framework

    path = Path(source)
    if name is None:
        return load_framework(path)
    return Framework.from_imeta(read_table(path).replace("", np.nan), name=name, source=str(path))


def read_coinr(idata: str | Path | pd.DataFrame, imeta: str | Path | pd.DataFrame, *,
               name: str | None = None, **idata_options: Any) -> tuple[Framework, Dataset]:
    """The framework and dataset of a pair of COINr tables, as ``COINr::new_coin(iData, iMeta)`` builds a coin.

    Parameters
    ----------
    idata, imeta : str, Path or DataFrame
        The two tables, as files or in memory (see :func:`load_idata` and :func:`read_imeta`).
    name : str, optional
        Names both the framework and the dataset.
    **idata_options
        ``unit_column``, ``name_column``, ``groups``, ``denominators`` for :func:`load_idata`.

    Returns
    -------
    (Framework, Dataset)
        The dataset validated against the framework (every indicator present, no unknown column).

    Examples
    --------
    >>> import pandas as pd
    >>> imeta = pd.DataFrame({"iCode": ["x1", "x2", "Index"], "Level": [1, 1, 2], "Parent": ["Index", "Index", None],
    ...                       "Weight": [1, 1, 1], "Type": ["Indicator", "Indicator", "Aggregate"]})
    >>> idata = pd.DataFrame({"uCode": ["A", "B", "C"], "x1": [1, 2, 3], "x2": [6, 5, 4]})
    >>> framework, data = read_coinr(idata, imeta)
    >>> data
    Dataset('data': 3 units x 2 indicators)
    """
    framework = read_imeta(imeta, name=name)
    return framework, load_idata(idata, framework, name=name, **idata_options)


__all__ = ["load_idata", "read_coinr", "read_imeta"]
