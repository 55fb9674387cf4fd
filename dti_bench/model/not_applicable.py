"""Not-applicable cells: an indicator or a composite that does not apply to a unit.

A missing value is a value the publisher lacks; a not-applicable one does not exist (a coastal-fisheries indicator
for a landlocked province, a port pillar for a region without a port). The two are treated alike by aggregation,
and differently everywhere else:

- aggregation: the cell is skipped and its parent's weights are renormalised over the unit's other children (the
  missing-data policy);
- imputation never fills it, at any level (the indicators' ``impute:`` and a composite's), and its value, if the
  data hold one, is not used: the cell is NaN from the start;
- a composite every child of which is not applicable to a unit is not applicable to it either;
- outputs say which cells they are: :attr:`~dti_bench.index.IndexResult.not_applicable` and the run folder's
  ``not_applicable.csv`` (``unit, code``), while ``scores.csv`` leaves both kinds of cell empty.

A config's ``data: not_applicable:`` gives the cells as a table of ``(unit, code)`` pairs, as rules keyed on a group
column, or a list of both::

    data:
      not_applicable: na.csv                                          # columns unit, code
      not_applicable: {group: Coast, value: landlocked, codes: [fisheries, PORTS]}
      not_applicable: [na.csv, {group: Coast, value: [landlocked, lake], codes: [fisheries]}]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from dti_bench.errors import ConfigError, choices
from dti_bench.model.dataset import Dataset
from dti_bench.model.framework import Framework

#: The keys of a rule, and the columns of a table.
RULE_KEYS = ("group", "value", "codes")
TABLE_COLUMNS = ("unit", "code")


def not_applicable_pairs(framework: Framework, dataset: Dataset, entries: Sequence[pd.DataFrame | Mapping[str, Any]],
                         *, where: str = "data.not_applicable") -> frozenset[tuple[str, str]]:
    """The ``(unit, code)`` cells a list of tables and rules marks as not applicable.

    Parameters
    ----------
    framework : Framework
        ``code`` must be one of its nodes (an indicator or a composite).
    dataset : Dataset
        ``unit`` must be one of its units; a rule's ``group`` one of its group columns.
    entries : sequence of DataFrame or mapping
        A table with columns ``unit`` and ``code`` (one row per cell), or a rule ``{group: COLUMN, value: V or
        [V, ...], codes: [CODE, ...]}``: every code for every unit whose ``COLUMN`` holds one of the values.
    where : str
        The config key (and file) for error messages.

    Returns
    -------
    frozenset of (str, str)

    Raises
    ------
    ConfigError
        One line naming the entry, the row or key, and the valid choices: an unknown unit, code, group column or
        group value, a table without the two columns, a rule with a missing or unknown key.

    Examples
    --------
    >>> import dti_bench as db
    >>> fw = db.Framework.from_dict({"name": "f", "indicators": ["fish", "roads"],
    ...                              "composites": [{"code": "top", "children": {"fish": 1, "roads": 1}}]})
    >>> data = db.Dataset("d", ("a", "b"), ("a", "b"), ("fish", "roads"), [[1.0, 2.0], [3.0, 4.0]],
    ...                   groups=pd.DataFrame({"Coast": ["sea", "none"]}, index=["a", "b"]))
    >>> sorted(not_applicable_pairs(fw, data, [{"group": "Coast", "value": "none", "codes": ["fish"]}]))
    [('b', 'fish')]
    """
    pairs: set[tuple[str, str]] = set()
    units = set(dataset.units)
    for n, entry in enumerate(entries):
        at = where if len(entries) == 1 else f"{where}[{n}]"
        if isinstance(entry, pd.DataFrame):
            found = _table_pairs(entry, at)
        elif isinstance(entry, Mapping):
            found = _rule_pairs(dataset, entry, at)
        else:
            raise ConfigError(f"{at}: expected a table of (unit, code) pairs or a rule {{group, value, codes}}, "
                              f"got {entry!r}")
        for row, (unit, code) in found:
            if unit not in units:
                raise ConfigError(f"{at}{row}: unknown unit {unit!r}; valid choices: "
                                  f"{choices(dataset.units[:10])}{' ...' if len(dataset.units) > 10 else ''}")
            if code not in framework.nodes:
                raise ConfigError(f"{at}{row}: {code!r} is not a code of framework {framework.name!r}; valid "
                                  f"choices: {choices(framework.nodes)}")
            pairs.add((unit, code))
    return frozenset(pairs)


def _table_pairs(table: pd.DataFrame, where: str) -> list[tuple[str, tuple[str, str]]]:
    missing = [c for c in TABLE_COLUMNS if c not in table.columns]
    if missing:
        raise ConfigError(f"{where}: a not-applicable table needs columns {choices(TABLE_COLUMNS)}; it has "
                          f"{choices(table.columns)}")
    # row numbers as a spreadsheet shows them: the header is row 1
    return [(f", row {i + 2}", (str(u).strip(), str(c).strip()))
            for i, (u, c) in enumerate(zip(table["unit"], table["code"]))]


def _rule_pairs(dataset: Dataset, rule: Mapping[str, Any], where: str) -> list[tuple[str, tuple[str, str]]]:
    unknown = [k for k in rule if k not in RULE_KEYS]
    if unknown:
        raise ConfigError(f"{where}: unknown key {unknown[0]!r}; valid keys: {choices(RULE_KEYS)}")
    absent = [k for k in RULE_KEYS if k not in rule]
    if absent:
        raise ConfigError(f"{where}: a not-applicable rule needs {choices(RULE_KEYS)}; {absent[0]!r} is missing")
    column, codes = rule["group"], rule["codes"]
    if not isinstance(codes, list) or not codes or not all(isinstance(c, str) for c in codes):
        raise ConfigError(f"{where}.codes: expected a list of indicator or composite codes, got {codes!r}")
    if column not in dataset.groups.columns:
        raise ConfigError(f"{where}.group: the data have no group column {column!r}; valid choices: "
                          f"{choices(dataset.groups.columns) or 'none declared (data.groups lists them)'}")
    values = rule["value"] if isinstance(rule["value"], list) else [rule["value"]]
    labels = dataset.group(column)
    present = list(dict.fromkeys(v for v in labels if v is not None))
    # a label read from a CSV is a string or a number: compare as text, so that value: 1 matches a cell "1"
    known = {str(v) for v in present}
    for value in values:
        if str(value) not in known:
            raise ConfigError(f"{where}.value: no unit has {column} = {value!r}; values present: "
                              f"{choices(map(str, present))}")
    wanted = {str(v) for v in values}
    return [(".codes", (unit, code)) for unit, label in zip(dataset.units, labels)
            if label is not None and str(label) in wanted for code in codes]


def with_not_applicable(framework: Framework, dataset: Dataset,
                        entries: Sequence[pd.DataFrame | Mapping[str, Any]], *,
                        where: str = "data.not_applicable") -> Dataset:
    """``dataset`` with the cells of ``entries`` (as :func:`not_applicable_pairs`) added to its
    :attr:`~dti_bench.model.dataset.Dataset.not_applicable` cells."""
    pairs = not_applicable_pairs(framework, dataset, entries, where=where)
    return dataset.replace(not_applicable=frozenset(dataset.not_applicable | pairs)) if pairs else dataset


def node_mask(framework: Framework, dataset: Dataset) -> dict[str, np.ndarray]:
    """Which units each node does not apply to, ``code -> (units,)`` bool over ``dataset.units``, for every node
    with at least one such unit.

    A composite is not applicable to a unit when it is named for it, or when every one of its children is not
    applicable to it (children first, in the framework's topological order).

    Examples
    --------
    >>> import dti_bench as db
    >>> fw = db.Framework.from_dict({"name": "f", "indicators": ["x", "y", "z"], "composites": [
    ...     {"code": "p", "children": {"x": 1, "y": 1}}, {"code": "top", "children": {"p": 1, "z": 1}}]})
    >>> data = db.Dataset("d", ("a", "b"), ("a", "b"), ("x", "y", "z"), [[1.0, 2.0, 3.0]] * 2,
    ...                   not_applicable=frozenset({("a", "x"), ("a", "y")}))
    >>> {code: mask.tolist() for code, mask in node_mask(fw, data).items()}
    {'x': [True, False], 'y': [True, False], 'p': [True, False]}
    """
    if not dataset.not_applicable:
        return {}
    table = dataset.not_applicable_mask(framework.nodes)
    masks = {code: table[:, j] for j, code in enumerate(framework.nodes)}
    for comp in framework.composites:
        masks[comp] = masks[comp] | np.logical_and.reduce([masks[k] for k in framework.children(comp)])
    return {code: mask for code, mask in masks.items() if mask.any()}


__all__ = ["node_mask", "not_applicable_pairs", "with_not_applicable"]
