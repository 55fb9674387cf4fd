"""A publisher's own column names and Type values, read as COINr's iMeta and iData (the io readers apply it).

Publishers rarely name their columns as COINr does: a weights table may say ``Abbreviation, NextLevel, Share``
where iMeta says ``iCode, Parent, Weight``, and call its composites ``IssueCategory`` where iMeta says
``Aggregate``. Two mappings say how to read such a table, so that it never has to be copied by hand:

- a **column mapping** ``{COINr column: the file's column}``, e.g. ``{iCode: Abbreviation, Parent: NextLevel}``;
  the file's column is read as the COINr column (one file column may feed several COINr columns); every other
  column is kept under its own name;
- a **Type mapping** ``{the file's value: COINr Type}``, e.g. ``{IssueCategory: Aggregate, Issue: Indicator}``;
  a Type cell that is neither mapped nor one of COINr's Types is an error naming its row.

The mappings are applied to the table before it is read, so the framework or dataset built from a foreign table is
the one its COINr equivalent gives (the same nodes, edges, levels and values).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from dti_bench.errors import ConfigError, DataError, FrameworkError, choices
from dti_bench.model.dataset import RESERVED_COLUMNS
from dti_bench.model.framework import IMETA_COLUMNS, IMETA_TYPES

#: The iMeta columns a column mapping may name: the seven COINr reads, and those the framework model also reads
#: (Vietnamese name, target, denominator, goalposts).
IMETA_MAPPABLE = (*IMETA_COLUMNS, "iName_vi", "Target", "Denominator", "lo", "hi")
#: iData's unit columns, which a column mapping may always name (besides the framework's own codes).
IDATA_MAPPABLE = RESERVED_COLUMNS


def check_column_mapping(columns: Any, where: str, valid: Iterable[str] | None = None,
                         kind: str = "column") -> dict[str, str]:
    """A column mapping ``{COINr column: the file's column}`` checked for shape, as a plain dict.

    Parameters
    ----------
    columns : object
        The mapping as written (None for none).
    where : str
        What to name in an error (``"config.yaml: data.framework.columns"``).
    valid : iterable of str, optional
        The COINr columns it may map (None: any name).
    kind : str
        What the keys are, for the message (``"iMeta column"``).

    Returns
    -------
    dict of str to str

    Raises
    ------
    ConfigError
        One line: not a mapping of names to names, or a key that is not a valid column.

    Examples
    --------
    >>> check_column_mapping({"iCode": "Abbreviation"}, "columns", IMETA_MAPPABLE, "iMeta column")
    {'iCode': 'Abbreviation'}
    >>> check_column_mapping({"Code": "Abbreviation"}, "columns", IMETA_MAPPABLE, "iMeta column")
    Traceback (most recent call last):
    ...
    dti_bench.errors.ConfigError: columns: 'Code' is not an iMeta column; valid choices: 'iCode', 'iName', ...
    """
    if columns is None:
        return {}
    if not isinstance(columns, Mapping) or not all(isinstance(k, str) and k.strip() and isinstance(v, str)
                                                   and v.strip() for k, v in columns.items()):
        raise ConfigError(f"{where}: expected a mapping of {kind}s to the file's column names, got {columns!r}")
    valid = None if valid is None else tuple(valid)
    if valid is not None:
        for key in columns:
            if key not in valid:
                raise ConfigError(f"{where}: {key!r} is not an {kind}; valid choices: {choices(valid)}")
    return {str(k): str(v) for k, v in columns.items()}


def check_type_mapping(types: Any, where: str) -> dict[str, str]:
    """A Type mapping ``{the file's value: COINr Type}`` checked for shape and values.

    Raises
    ------
    ConfigError
        One line: not a mapping, or a value that is not one of COINr's Types.

    Examples
    --------
    >>> check_type_mapping({"IssueCategory": "Aggregate"}, "types")
    {'IssueCategory': 'Aggregate'}
    >>> check_type_mapping({"IssueCategory": "Composite"}, "types")
    Traceback (most recent call last):
    ...
    dti_bench.errors.ConfigError: types: 'IssueCategory' maps to 'Composite', which is not a COINr Type; ...
    """
    if types is None:
        return {}
    if not isinstance(types, Mapping) or not all(isinstance(k, str) and k.strip() for k in types):
        raise ConfigError(f"{where}: expected a mapping of the file's Type values to COINr Types "
                          f"({choices(IMETA_TYPES)}), got {types!r}")
    for key, value in types.items():
        if value not in IMETA_TYPES:
            raise ConfigError(f"{where}: {key!r} maps to {value!r}, which is not a COINr Type; valid choices: "
                              f"{choices(IMETA_TYPES)}")
    return {str(k).strip(): str(v) for k, v in types.items()}


def rename_columns(table: pd.DataFrame, columns: Mapping[str, str], source: str) -> pd.DataFrame:
    """The table with the file's columns read as COINr's, as a column mapping says.

    Parameters
    ----------
    table : DataFrame
        The table as read.
    columns : mapping of str to str
        ``{COINr column: the file's column}`` (checked with :func:`check_column_mapping`).
    source : str
        The file (for errors).

    Returns
    -------
    DataFrame
        The same rows; each mapped file column appears under its COINr name(s), in its own place; unmapped columns
        keep their names.

    Raises
    ------
    DataError
        One line naming the file: a mapped column that is not in it (with the columns it has), or a COINr name
        the file already uses for another, unmapped column (the two would clash).

    Examples
    --------
    >>> import pandas as pd
    >>> table = pd.DataFrame({"Abbreviation": ["x"], "NextLevel": ["Index"], "Note": ["kept"]})
    >>> list(rename_columns(table, {"iCode": "Abbreviation", "Parent": "NextLevel"}, "w.csv").columns)
    ['iCode', 'Parent', 'Note']
    >>> rename_columns(table, {"Weight": "Share"}, "w.csv")
    Traceback (most recent call last):
    ...
    dti_bench.errors.DataError: w.csv: columns: Weight is mapped to column 'Share', which the file does not have; ...
    """
    if not columns:
        return table
    present = [str(c) for c in table.columns]
    for target, column in columns.items():
        if column not in present:
            raise DataError(f"{source}: columns: {target} is mapped to column {column!r}, which the file does not "
                            f"have; its columns: {choices(present)}")
    sources = set(columns.values())
    for target, column in columns.items():
        if target in present and target not in sources:
            raise DataError(f"{source}: columns: {target} is mapped to column {column!r}, but the file also has a "
                            f"column {target!r}; map that one instead, or rename one of them")
    targets: dict[str, list[str]] = {}
    for target, column in columns.items():
        targets.setdefault(column, []).append(target)
    out: dict[Any, pd.Series] = {}
    for label, column in zip(table.columns, present):  # an unmapped column keeps its label, whatever its type
        for name in targets.get(column, [label]):
            out[name] = table[label]
    return pd.DataFrame(out, index=table.index)


def map_types(table: pd.DataFrame, types: Mapping[str, str], source: str) -> pd.DataFrame:
    """The table with its ``Type`` cells read through a Type mapping (after :func:`rename_columns`).

    A cell that is a key of ``types`` becomes its COINr Type; a cell that is already one of COINr's Types is kept;
    any other non-empty cell is an error naming its row (1 = the header, as a spreadsheet numbers it) and code.

    Examples
    --------
    >>> import pandas as pd
    >>> table = pd.DataFrame({"iCode": ["x", "Index"], "Type": ["Issue", "Aggregate"]})
    >>> map_types(table, {"Issue": "Indicator"}, "w.csv")["Type"].tolist()
    ['Indicator', 'Aggregate']
    >>> map_types(table.assign(Type=["Issue", "Pillar"]), {"Issue": "Indicator"}, "w.csv")
    Traceback (most recent call last):
    ...
    dti_bench.errors.FrameworkError: w.csv: row 3 (Index): Type 'Pillar' is neither mapped by types ('Issue') ...
    """
    if not types or "Type" not in table.columns:
        return table
    cells = []
    for row_no, (code, value) in enumerate(zip(table.get("iCode", [""] * len(table)), table["Type"]), start=2):
        text = value.strip() if isinstance(value, str) else value
        if isinstance(text, str) and text in types:
            cells.append(types[text])
        elif not isinstance(text, str) or not text or text in IMETA_TYPES:
            cells.append(value)  # blank cells are from_imeta's to refuse, with its own message
        else:
            raise FrameworkError(f"{source}: row {row_no} ({code}): Type {text!r} is neither mapped by types "
                                 f"({choices(types)}) nor one of COINr's Types ({choices(IMETA_TYPES)})")
    return table.assign(Type=cells)


__all__ = ["IDATA_MAPPABLE", "IMETA_MAPPABLE", "check_column_mapping", "check_type_mapping", "map_types",
           "rename_columns"]
