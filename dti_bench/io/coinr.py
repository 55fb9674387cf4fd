"""COINr's interchange tables: iData (units x indicators, with unit metadata) and iMeta (the framework).

COINr users bring their indices as these two tables; :func:`read_coinr` turns them into a framework and a
dataset, from files or from DataFrames already in memory.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from dti_bench.errors import ConfigError, DataError
from dti_bench.model.columns import (IDATA_MAPPABLE, IMETA_MAPPABLE, check_column_mapping, check_type_mapping,
                                     map_types, rename_columns)
from dti_bench.io.files import read_table
from dti_bench.model.dataset import Dataset
from dti_bench.model.panel import Panel
from dti_bench.model.framework import Framework


def load_idata(source: str | Path | pd.DataFrame, framework: Framework | None = None, *, unit_column: str = "uCode",
               name_column: str | None = "uName", groups: tuple[str, ...] = (), denominators: tuple[str, ...] = (),
               name: str | None = None, columns: Mapping[str, str] | None = None) -> Dataset:
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
    columns : mapping of str to str, optional
        A table whose publisher names its columns otherwise: ``{iData column: the file's column}``, e.g.
        ``{"uCode": "Country code", "uName": "Country", "Time": "Year"}``. Its keys are iData's unit columns
        (``uCode``, ``uName``, ``Time``) or codes of the framework (indicators, groups, denominators), so a long
        header can be read as an indicator's code; without a framework any key names an indicator. Mapping
        ``uCode`` (or ``uName``) and also giving ``unit_column`` (``name_column``) another name is refused.

    Returns
    -------
    Dataset, (units, indicators)
        NaN marks a missing value (blank cells and the usual marks: NA, n/a, -, ...).

    Raises
    ------
    DataError
        Naming the file, row and column of the offending cell, or a mapped column the file does not have (with
        the columns it has).
    ConfigError
        A mapping key that is not an iData column nor a code of the framework.

    Examples
    --------
    >>> import pandas as pd
    >>> table = pd.DataFrame({"uCode": ["A", "B"], "x1": [1.0, 2.0], "x2": [3.0, None]})
    >>> load_idata(table)
    Dataset('data': 2 units x 2 indicators)
    >>> foreign = pd.DataFrame({"Country code": ["A", "B"], "Country": ["Alpha", "Bravo"], "x1": [1.0, 2.0]})
    >>> load_idata(foreign, columns={"uCode": "Country code", "uName": "Country"}).unit_names
    ('Alpha', 'Bravo')
    """
    table, where, name = _read(source, name)
    table = _mapped(table, columns, framework, where, unit_column, name_column, groups, denominators)
    if "Time" in table.columns and table["Time"].nunique() > 1:
        raise DataError(f"{where}: column 'Time' has {table['Time'].nunique()} values: a panel; read it with "
                        f"load_panel (a config reads it as one when it finds the column), or filter it to one 'Time'")
    return Dataset.from_frame(table, framework, unit_column=unit_column, name_column=name_column,
                              group_columns=groups, denominator_columns=denominators, name=name or "data",
                              source=where, meta={"source": where})


def _read(source: str | Path | pd.DataFrame, name: str | None) -> tuple[pd.DataFrame, str, str | None]:
    """An iData table, where it comes from (for messages) and its name (the file's stem by default)."""
    if isinstance(source, pd.DataFrame):
        return source, name or "data", name
    path = Path(source)
    return read_table(path), str(path), name or path.stem


def _mapped(table: pd.DataFrame, columns: Mapping[str, str] | None, framework: Framework | None, where: str,
            unit_column: str, name_column: str | None, groups: tuple[str, ...],
            denominators: tuple[str, ...]) -> pd.DataFrame:
    """``table`` with a publisher's column names mapped onto iData's (``columns``: iData name -> file name)."""
    if not columns:
        return table
    valid = None if framework is None else (*IDATA_MAPPABLE, *framework.indicators, *framework.groups,
                                            *framework.denominators, *framework.others, *groups, *denominators)
    columns = check_column_mapping(columns, f"{where}: columns", valid, "iData column or framework code")
    for key, argument, value in (("uCode", "unit_column", unit_column), ("uName", "name_column", name_column)):
        if key in columns and value != key:
            raise ConfigError(f"{where}: columns maps {key} to {columns[key]!r} and {argument} is {value!r}; "
                              f"give one of them")
    return rename_columns(table, columns, where)


def load_panel(source: str | Path | pd.DataFrame, framework: Framework | None = None, *, time: str | None = None,
               unit_column: str = "uCode", name_column: str | None = "uName", groups: tuple[str, ...] = (),
               denominators: tuple[str, ...] = (), name: str | None = None,
               columns: Mapping[str, str] | None = None, frameworks: Any = None) -> Panel | Dataset:
    """A COINr iData with a time column as a :class:`~dti_bench.model.panel.Panel` (one dataset per time point).

    Parameters
    ----------
    source : str, Path or DataFrame
        The long table: one row per unit and time point.
    framework : Framework, optional
    time : str, optional
        The time column; default COINr's ``Time`` when the table has it with more than one value (else the table
        is one time point and a :class:`Dataset` is returned, as :func:`load_idata` would).
    unit_column, name_column, groups, denominators, name, columns
        As for :func:`load_idata` (``columns`` maps a publisher's column names, ``Time`` among them).
    frameworks : callable, optional
        Time -> framework, where the publisher changed its framework over the panel
        (:meth:`~dti_bench.model.panel.Panel.from_frame`).

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
    table, where, name = _read(source, name)
    table = _mapped(table, columns, framework, where, unit_column, name_column, groups, denominators)
    column = time or ("Time" if "Time" in table.columns and table["Time"].nunique() > 1 else None)
    if column is None:
        single = table.drop(columns=["Time"]) if "Time" in table.columns else table
        return Dataset.from_frame(single, framework, unit_column=unit_column, name_column=name_column,
                                  group_columns=groups, denominator_columns=denominators, name=name or "data",
                                  source=where, meta={"source": where})
    return Panel.from_frame(table, framework, time=column, unit_column=unit_column, name_column=name_column,
                            group_columns=groups, denominator_columns=denominators, source=where,
                            name=name or "data", meta={"source": where}, frameworks=frameworks)


def read_imeta(source: str | Path | pd.DataFrame, *, name: str | None = None, columns: Mapping[str, str] | None = None,
               types: Mapping[str, str] | None = None) -> Framework:
    """A framework from a COINr iMeta table (a CSV file or a DataFrame), or from a publisher's table read as one.

    Parameters
    ----------
    source : str, Path or DataFrame
        Columns ``iCode, Parent, Type`` (``iName, Level, Weight, Direction`` optional), as COINr's
        ``new_coin(iData, iMeta)`` takes them; see :meth:`~dti_bench.model.framework.Framework.from_imeta`.
        Without a ``Level`` column, levels follow the Parent chain: indicators are level 1 and a composite sits
        one above its highest child (COINr's numbering of a tree).
    name : str, optional
        The framework's name (default: the file's stem, or ``'imeta'``).
    columns : mapping of str to str, optional
        ``{iMeta column: the file's column}`` for a table whose publisher names its columns otherwise, e.g.
        ``{"iCode": "Abbreviation", "Parent": "NextLevel", "Weight": "Share"}``; unmapped columns are kept as
        extra metadata (:mod:`dti_bench.model.columns`).
    types : mapping of str to str, optional
        ``{the file's Type value: COINr Type}``, e.g. ``{"IssueCategory": "Aggregate", "Issue": "Indicator"}``;
        a Type cell neither mapped nor one of COINr's is an error naming its row.

    Returns
    -------
    Framework

    Raises
    ------
    ConfigError
        A mapping key that is not an iMeta column, or a Type mapped to something that is not a COINr Type.
    DataError, FrameworkError
        A mapped column the file does not have (naming the file and the columns it has), a Type cell neither
        mapped nor COINr's (naming the row), or any iMeta error.

    Examples
    --------
    >>> import pandas as pd
    >>> imeta = pd.DataFrame({"iCode": ["x1", "x2", "Index"], "Level": [1, 1, 2], "Parent": ["Index", "Index", None],
    ...                       "Weight": [1, 1, 1], "Type": ["Indicator", "Indicator", "Aggregate"]})
    >>> read_imeta(imeta).describe()
    'imeta: 2 indicators, 1 composites, 2 levels, headline Index'
    >>> weights = pd.DataFrame({"Abbreviation": ["x1", "x2", "Index"], "NextLevel": ["Index", "Index", None],
    ...                         "Share": [3, 1, None], "Category": ["Issue", "Issue", "Overall"]})
    >>> fw = read_imeta(weights, columns={"iCode": "Abbreviation", "Parent": "NextLevel", "Weight": "Share",
    ...                                   "Type": "Category"}, types={"Issue": "Indicator", "Overall": "Aggregate"})
    >>> fw.describe(), fw.nominal_weights("Index").tolist(), fw.level("Index")
    ('imeta: 2 indicators, 1 composites, 2 levels, headline Index', [3.0, 1.0], 2)
    """
    if isinstance(source, pd.DataFrame):
        where = name or "iMeta"
        columns = check_column_mapping(columns, f"{where}: columns", IMETA_MAPPABLE, "iMeta column")
        types = check_type_mapping(types, f"{where}: types")
        table = map_types(rename_columns(source, columns, where), types, where)
        return Framework.from_imeta(table.astype(object).where(table.notna(), np.nan), name=name or "imeta",
                                    source=where)
    from dti_bench.io.bundled import load_framework

    path = Path(source)
    if name is None:
        return load_framework(path, columns=columns, types=types)
    columns = check_column_mapping(columns, f"{path}: columns", IMETA_MAPPABLE, "iMeta column")
    types = check_type_mapping(types, f"{path}: types")
    table = map_types(rename_columns(read_table(path), columns, str(path)), types, str(path))
    return Framework.from_imeta(table.replace("", np.nan), name=name, source=str(path))


def read_coinr(idata: str | Path | pd.DataFrame, imeta: str | Path | pd.DataFrame, *,
               name: str | None = None, columns: Mapping[str, str] | None = None,
               types: Mapping[str, str] | None = None, **idata_options: Any) -> tuple[Framework, Dataset]:
    """The framework and dataset of a pair of COINr tables, as ``COINr::new_coin(iData, iMeta)`` builds a coin.

    Parameters
    ----------
    idata, imeta : str, Path or DataFrame
        The two tables, as files or in memory (see :func:`load_idata` and :func:`read_imeta`).
    name : str, optional
        Names both the framework and the dataset.
    columns : mapping of str to str, optional
        One mapping ``{COINr column: the file's column}`` for both tables: iMeta's columns (``iCode``, ``iName``,
        ``Level``, ``Parent``, ``Weight``, ``Direction``, ``Type`` and the goalpost, target and denominator
        columns) rename the iMeta table's, every other key (``uCode``, ``uName``, ``Time``, a framework code)
        the iData table's. The two sets of names do not overlap, so one mapping says both.
    types : mapping of str to str, optional
        ``{the iMeta file's Type value: COINr Type}`` (see :func:`read_imeta`).
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
    >>> foreign = idata.rename(columns={"uCode": "ISO3"})
    >>> read_coinr(foreign, imeta.rename(columns={"Parent": "NextLevel"}),
    ...            columns={"uCode": "ISO3", "Parent": "NextLevel"})[1].units
    ('A', 'B', 'C')
    """
    if columns is not None and not isinstance(columns, Mapping):
        raise ConfigError(f"columns: expected a mapping of COINr column names to the files' ones, got {columns!r}")
    columns = dict(columns or {})
    framework = read_imeta(imeta, name=name, columns={k: v for k, v in columns.items() if k in IMETA_MAPPABLE},
                           types=types)
    return framework, load_idata(idata, framework, name=name, **idata_options,
                                 columns={k: v for k, v in columns.items() if k not in IMETA_MAPPABLE})


__all__ = ["load_idata", "read_coinr", "read_imeta"]
