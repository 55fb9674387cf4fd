"""The dataset: units x indicators, NaN = missing, with unit names, group columns and denominators.

COINr's iData table is the interchange form: ``uCode`` (unit code), ``uName`` (unit name), optional ``Time``,
group columns, denominator columns and one column per indicator. Any CSV with a named unit column works too.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from dti_bench.model.readonly import ReadOnlyDict
from dti_bench.errors import ConfigError, DataError, choices
from dti_bench.model.framework import Framework

#: Columns COINr reserves in iData.
RESERVED_COLUMNS = ("uCode", "uName", "Time")


@dataclass(frozen=True, eq=False)
class Dataset:
    """Indicator values of a set of units.

    Attributes
    ----------
    name : str
        Dataset name (``dti2022-synthetic`` ...); synthetic data say so in the name.
    units : tuple of str
        Unit codes, unique.
    unit_names : tuple of str
    indicators : tuple of str
        Indicator codes: the columns of ``values``.
    values : ndarray, shape (units, indicators)
        Read-only float array; NaN marks a missing value.
    groups : DataFrame
        Grouping columns (e.g. region), index = unit codes.
    denominators : DataFrame
        Denominator columns (e.g. population), index = unit codes, float.
    synthetic : bool
        True when the data are generated rather than observed.
    meta : mapping
        Provenance (source, description, generator ...).
    not_applicable : frozenset of (str, str)
        ``(unit, code)`` pairs where the indicator or composite ``code`` does not apply to the unit (``data:
        not_applicable``, :mod:`dti_bench.model.not_applicable`): unlike a missing value it is never imputed, and
        its parents' weights are renormalised over the unit's other children.

    Examples
    --------
    >>> import dti_bench as db
    >>> data = db.load_dataset("dti2022-synthetic")
    >>> data.synthetic, data.values.shape, data.frame().loc["hai_phong", "gov_activity"].round(4)
    (True, (63, 8), np.float64(0.7496))
    """

    name: str
    units: tuple[str, ...]
    unit_names: tuple[str, ...]
    indicators: tuple[str, ...]
    values: np.ndarray
    groups: pd.DataFrame = field(default_factory=pd.DataFrame)
    denominators: pd.DataFrame = field(default_factory=pd.DataFrame)
    synthetic: bool = False
    meta: Mapping[str, Any] = field(default_factory=lambda: ReadOnlyDict({}))
    not_applicable: frozenset[tuple[str, str]] = frozenset()

    def __post_init__(self) -> None:
        values = np.array(self.values, dtype=float)  # a private copy, so freezing it cannot touch the caller's
        if values.shape != (len(self.units), len(self.indicators)):
            raise DataError(f"dataset {self.name!r}: values have shape {values.shape}, expected "
                            f"({len(self.units)}, {len(self.indicators)})")
        if np.isinf(values).any():
            i, j = map(int, np.argwhere(np.isinf(values))[0])
            raise DataError(f"dataset {self.name!r}: infinite value at unit {self.units[i]!r}, "
                            f"column {self.indicators[j]!r}")
        values.setflags(write=False)
        object.__setattr__(self, "values", values)
        dup = pd.Index(self.units)[pd.Index(self.units).duplicated()]
        if len(dup):
            raise DataError(f"dataset {self.name!r}: duplicate unit code {dup[0]!r}")

    # -- views ---------------------------------------------------------------------------------------
    def frame(self) -> pd.DataFrame:
        """Indicator values as a DataFrame (index = unit codes).

        Examples
        --------
        >>> import dti_bench as db, pandas as pd
        >>> ds = db.Dataset.from_frame(pd.DataFrame({"x1": [0.2, 0.5], "x2": [3.0, None]}, index=["A", "B"]))
        >>> ds.frame()
               x1   x2
        unit
        A     0.2  3.0
        B     0.5  NaN
        """
        return pd.DataFrame(self.values, index=pd.Index(self.units, name="unit"), columns=list(self.indicators))

    def column(self, code: str) -> np.ndarray:
        """One indicator, shape ``(units,)``.

        Examples
        --------
        >>> import dti_bench as db, pandas as pd
        >>> ds = db.Dataset.from_frame(pd.DataFrame({"x1": [0.2, 0.5], "x2": [3.0, None]}, index=["A", "B"]))
        >>> ds.column("x2")
        array([ 3., nan])
        """
        try:
            return self.values[:, self.indicators.index(code)]
        except ValueError:
            raise DataError(f"dataset {self.name!r}: no indicator {code!r}; valid choices: "
                            f"{choices(self.indicators)}") from None

    def select(self, indicators: Sequence[str]) -> Dataset:
        """The dataset restricted to (and ordered as) ``indicators``.

        Examples
        --------
        >>> import dti_bench as db, pandas as pd
        >>> ds = db.Dataset.from_frame(pd.DataFrame({"x1": [0.2, 0.5], "x2": [3.0, 4.0]}, index=["A", "B"]))
        >>> ds.select(["x2", "x1"]).values.tolist()
        [[3.0, 0.2], [4.0, 0.5]]
        """
        missing = [c for c in indicators if c not in self.indicators]
        if missing:
            raise DataError(f"dataset {self.name!r}: indicator {missing[0]!r} of the framework is missing from "
                            f"the data; columns present: {choices(self.indicators)}")
        idx = [self.indicators.index(c) for c in indicators]
        return self.replace(indicators=tuple(indicators), values=self.values[:, idx])

    def take_units(self, mask_or_codes: np.ndarray | Sequence[str]) -> Dataset:
        """The dataset restricted to some units (a boolean mask or a list of codes), order kept.

        Examples
        --------
        >>> import dti_bench as db, numpy as np, pandas as pd
        >>> ds = db.Dataset.from_frame(pd.DataFrame({"x1": [0.2, 0.5, 0.9]}, index=["A", "B", "C"]))
        >>> ds.take_units(["C", "A"]).units, ds.take_units(np.array([False, True, True])).units
        (('C', 'A'), ('B', 'C'))
        """
        if isinstance(mask_or_codes, np.ndarray) and mask_or_codes.dtype == bool:
            idx = np.flatnonzero(mask_or_codes)
        else:
            idx = np.array([self.unit_index(c) for c in mask_or_codes], dtype=int)
        units = tuple(self.units[i] for i in idx)
        return self.replace(units=units, unit_names=tuple(self.unit_names[i] for i in idx), values=self.values[idx],
                            groups=self.groups.loc[list(units)] if len(self.groups.columns) else self.groups,
                            denominators=self.denominators.loc[list(units)] if len(self.denominators.columns)
                            else self.denominators)

    def unit_index(self, code: str) -> int:
        """The position of unit ``code`` in :attr:`units`; a DataError naming valid codes when it is unknown.

        Examples
        --------
        >>> import dti_bench as db, pandas as pd
        >>> ds = db.Dataset.from_frame(pd.DataFrame({"x1": [0.2, 0.5, 0.9]}, index=["A", "B", "C"]))
        >>> ds.unit_index("C")
        2
        """
        try:
            return self.units.index(code)
        except ValueError:
            raise DataError(f"dataset {self.name!r}: unknown unit {code!r}; valid choices: "
                            f"{choices(self.units[:10])}{' ...' if len(self.units) > 10 else ''}") from None

    def group(self, column: str) -> np.ndarray:
        """A grouping column as an object array, shape ``(units,)``; missing entries are None.

        Examples
        --------
        >>> import dti_bench as db, pandas as pd
        >>> table = pd.DataFrame({"uCode": ["A", "B", "C"], "region": ["north", None, "south"], "x1": [0.2, 0.5, 0.9]})
        >>> db.Dataset.from_frame(table, group_columns=["region"]).group("region")
        array(['north', None, 'south'], dtype=object)
        """
        if column not in self.groups.columns:
            raise DataError(f"dataset {self.name!r}: no group column {column!r}; valid choices: "
                            f"{choices(self.groups.columns) or 'none declared'}")
        col = self.groups[column]
        return np.array([None if pd.isna(v) else v for v in col], dtype=object)

    def replace(self, **changes: Any) -> Dataset:
        """A copy with some fields replaced (values are re-validated).

        Examples
        --------
        >>> import dti_bench as db, pandas as pd
        >>> ds = db.Dataset.from_frame(pd.DataFrame({"x1": [0.2, 0.5]}, index=["A", "B"]))
        >>> ds.replace(name="scaled", values=ds.values * 10)
        Dataset('scaled': 2 units x 1 indicators)
        >>> ds.replace(name="scaled", values=ds.values * 10).column("x1")
        array([2., 5.])
        """
        fields = {k: getattr(self, k) for k in ("name", "units", "unit_names", "indicators", "values", "groups",
                                                 "denominators", "synthetic", "meta", "not_applicable")}
        fields.update(changes)
        return Dataset(**fields)

    def not_applicable_mask(self, codes: Sequence[str]) -> np.ndarray:
        """Which cells do not apply, shape ``(units, len(codes))`` (bool), from :attr:`not_applicable`.

        Examples
        --------
        >>> import dti_bench as db, pandas as pd
        >>> ds = db.Dataset.from_frame(pd.DataFrame({"x1": [0.2, 0.5], "x2": [3.0, 4.0]}, index=["A", "B"]))
        >>> ds.replace(not_applicable=frozenset({("B", "x2")})).not_applicable_mask(["x1", "x2"])
        array([[False, False],
               [False,  True]])
        """
        mask = np.zeros((len(self.units), len(codes)), dtype=bool)
        if self.not_applicable:
            rows = {u: i for i, u in enumerate(self.units)}
            columns = {c: j for j, c in enumerate(codes)}
            for unit, code in self.not_applicable:
                if unit in rows and code in columns:
                    mask[rows[unit], columns[code]] = True
        return mask

    def to_idata(self) -> pd.DataFrame:
        """The dataset as a COINr iData table.

        Examples
        --------
        The table COINr's ``new_coin(iData, iMeta)`` reads:

        >>> import dti_bench as db, pandas as pd
        >>> ds = db.Dataset.from_frame(pd.DataFrame({"x1": [0.2, 0.5], "x2": [3.0, None]}, index=["A", "B"]))
        >>> ds.to_idata()
          uCode uName   x1   x2
        0     A     A  0.2  3.0
        1     B     B  0.5  NaN
        """
        out = pd.DataFrame({"uCode": self.units, "uName": self.unit_names})
        for df in (self.groups, self.denominators):
            for col in df.columns:
                out[col] = df[col].to_numpy()
        for j, code in enumerate(self.indicators):
            out[code] = self.values[:, j]
        return out

    def __repr__(self) -> str:
        tag = " (synthetic)" if self.synthetic else ""
        return f"Dataset({self.name!r}{tag}: {len(self.units)} units x {len(self.indicators)} indicators)"

    # -- construction --------------------------------------------------------------------------------
    @classmethod
    def from_frame(
        cls,
        table: pd.DataFrame,
        framework: Framework | None = None,
        *,
        unit_column: str = "uCode",
        name_column: str | None = "uName",
        group_columns: Sequence[str] = (),
        denominator_columns: Sequence[str] = (),
        ignore_columns: Sequence[str] = (),
        name: str = "data",
        source: str = "data",
        synthetic: bool = False,
        meta: Mapping[str, Any] | None = None,
    ) -> Dataset:
        """Validate a table (numbers, or strings as read from a CSV) and build a dataset.

        Parameters
        ----------
        table : DataFrame
            One row per unit. The unit codes are the ``unit_column`` column, or, when the table has no such
            column, its index (so ``df.set_index("province")`` works as it is).
        framework : Framework, optional
            The indicator columns are the framework's indicators (an unknown column is an error unless it is
            reserved, a group, a denominator, or listed in ``ignore_columns``); without a framework, every
            remaining column is an indicator.
        unit_column, name_column : str
            COINr's ``uCode`` and ``uName`` by default; a missing name column names each unit by its code.
        group_columns, denominator_columns, ignore_columns : sequence of str
            Grouping columns (e.g. region), denominators (e.g. population), and columns to carry but not use.
        name, source : str
            The dataset's name, and where the table comes from (for error messages).
        synthetic : bool
            True for generated data; every output made from it says so.
        meta : mapping, optional
            Provenance.

        Returns
        -------
        Dataset, (units, indicators)
            Blank cells and the usual missing marks (NA, n/a, -, .) are NaN.

        Raises
        ------
        DataError
            Naming ``source``, the row (1 = header, as a spreadsheet shows it) and the column.

        Examples
        --------
        >>> import pandas as pd
        >>> df = pd.DataFrame({"x1": [0.2, 0.5, 0.9], "x2": [3.0, None, 1.0]}, index=["A", "B", "C"])
        >>> ds = Dataset.from_frame(df)
        >>> ds.units, ds.indicators
        (('A', 'B', 'C'), ('x1', 'x2'))
        """
        if unit_column not in [str(c) for c in table.columns] and not isinstance(table.index, pd.RangeIndex):
            table = table.rename_axis(unit_column).reset_index()
        cols = [str(c) for c in table.columns]
        if unit_column not in cols:
            raise DataError(f"{source}: no unit column {unit_column!r}; columns present: {choices(cols[:12])}")
        groups = list(group_columns) + [g for g in (framework.groups if framework else ()) if g not in group_columns]
        denoms = list(denominator_columns) + [d for d in (framework.denominators if framework else ())
                                              if d not in denominator_columns]
        others = tuple(framework.others) if framework is not None else ()
        known = {unit_column, *RESERVED_COLUMNS, *groups, *denoms, *ignore_columns, *others}
        if name_column:
            known.add(name_column)
        if framework is not None:
            indicators = list(framework.indicators)
            missing = [c for c in indicators if c not in cols]
            if missing:
                raise DataError(f"{source}: indicator {missing[0]!r} of framework {framework.name!r} is missing "
                                f"from the data ({len(missing)} missing in all)")
            unknown = [c for c in cols if c not in known and c not in indicators]
            if unknown:
                raise DataError(f"{source}: unknown column {unknown[0]!r}: not an indicator of framework "
                                f"{framework.name!r}, nor {choices(RESERVED_COLUMNS)}, a group or a denominator")
        else:
            indicators = [c for c in cols if c not in known]
        for col in groups + denoms:
            if col not in cols:
                raise DataError(f"{source}: declared column {col!r} is missing from the data")
        if len(table) == 0:
            raise DataError(f"{source}: no units: the table has a header and no rows")
        codes = [_code(v) for v in table[unit_column]]
        for i, code in enumerate(codes):
            if not code:
                raise DataError(f"{source}: row {i + 2}, column {unit_column!r}: empty unit code")
        seen: dict[str, int] = {}
        for i, code in enumerate(codes):
            if code in seen:
                raise DataError(f"{source}: row {i + 2}, column {unit_column!r}: duplicate unit code {code!r} "
                                f"(first at row {seen[code] + 2})")
            seen[code] = i
        values = np.column_stack([_numeric(table[c], c, source) for c in indicators]) if indicators \
            else np.empty((len(codes), 0))
        names = [_code(v) or codes[i] for i, v in enumerate(table[name_column])] if name_column and name_column in cols \
            else list(codes)
        index = pd.Index(codes, name="unit")
        # a blank or NA group cell (R writes NA) means "no group", never a group called "NA"
        group_df = pd.DataFrame({g: [None if _code(v).lower() in _MISSING_MARKS else _code(v) for v in table[g]]
                                 for g in groups}, index=index, dtype=object)
        denom_df = pd.DataFrame({d: _numeric(table[d], d, source) for d in denoms}, index=index)
        return cls(name=name, units=tuple(codes), unit_names=tuple(names), indicators=tuple(indicators), values=values,
                   groups=group_df, denominators=denom_df, synthetic=synthetic,
                   meta=ReadOnlyDict(dict(meta or {})))


def _code(value: Any) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    return str(value).strip()


_MISSING_MARKS = {"", "na", "n/a", "nan", "null", "none", "-", "."}


def _numeric(column: pd.Series, name: str, source: str) -> np.ndarray:
    """A column as floats; blanks and common missing marks become NaN; anything else non-numeric is an error."""
    out = np.empty(len(column), dtype=float)
    for i, v in enumerate(column.to_numpy(dtype=object)):
        if v is None or (isinstance(v, float) and np.isnan(v)):
            out[i] = np.nan
            continue
        if isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool):
            out[i] = float(v)
            continue
        text = str(v).strip()
        if text.lower() in _MISSING_MARKS:
            out[i] = np.nan
            continue
        try:
            out[i] = float(text)
        except ValueError:
            raise DataError(f"{source}: row {i + 2}, column {name!r}: non-numeric cell {text!r}") from None
    return out


def resolve_data(framework: Framework, data: Dataset | pd.DataFrame) -> Dataset:
    """A data argument as a :class:`Dataset` (a DataFrame is read with :meth:`Dataset.from_frame`)."""
    if isinstance(data, Dataset):
        return data
    if isinstance(data, pd.DataFrame):
        return Dataset.from_frame(data, framework)
    raise ConfigError(f"data: expected a Dataset or a DataFrame, got {type(data).__name__}")


def merge_units(dataset: Dataset, mapping: Mapping[str, Sequence[str]], *, name: str | None = None,
                weights: str | Mapping[str, float] | pd.Series | None = None) -> Dataset:
    """Merge units by the mean of their former units' indicators: plain (the DTI 2024 merger rule) or weighted.

    Parameters
    ----------
    dataset : Dataset
        Pre-merger units x main indicators.
    mapping : mapping of str to list of str
        New unit code -> the codes it merges (a unit not named anywhere is dropped; map a code to itself to
        keep it unchanged).
    name : str, optional
        The merged dataset's name (default: ``<name>-merged``).
    weights : str, mapping of str to float, or Series, optional
        None (the default): every former unit weighs the same, the DTI 2024 rule ("trung bình cộng các chỉ số
        chính", Decision 405/QĐ-BKHCN results; S35, S36, S42). A str: a denominator column of the dataset
        (``data.denominators``, or Type Denominator in iMeta: population, area ...) gives each former unit's
        weight. A mapping or Series: former unit -> weight (e.g. a column of a merger table, see
        :func:`dti_bench.io.load_merger_weights`; errors name a Series by its name). Every former unit named in
        ``mapping`` needs a finite positive weight, whether or not its values are present.

    Returns
    -------
    Dataset, (merged units, indicators)
        One row per key of ``mapping``, named "A + B" after its former units and grouped as the first of them:
        ``x_new = Σ w_i x_i / Σ w_i`` over the former units i whose value of that indicator is present (each
        indicator on its own), NaN when none is present. With equal weights this is the plain mean of the present
        values, bit for bit. Denominator columns are not carried over.

    Raises
    ------
    DataError
        One line naming the former unit (and the merged one) whose weight is missing, zero, negative or infinite,
        or a ``weights`` column that is not a denominator column of the dataset.

    Examples
    --------
    >>> import pandas as pd
    >>> table = pd.DataFrame({"uCode": ["A", "B", "C"], "population": [1.0, 3.0, 2.0],
    ...                       "x": [2.0, 6.0, 5.0], "y": [None, 4.0, 1.0]})
    >>> data = Dataset.from_frame(table, denominator_columns=["population"])
    >>> merge_units(data, {"AB": ["A", "B"], "C": ["C"]}).frame()
            x    y
    unit
    AB    4.0  4.0
    C     5.0  1.0
    >>> merge_units(data, {"AB": ["A", "B"], "C": ["C"]}, weights="population").frame()
            x    y
    unit
    AB    5.0  4.0
    C     5.0  1.0
    """
    column = weights if isinstance(weights, str) else getattr(weights, "name", None)  # a Series names its column
    label = f"merge weights {column!r}" if column is not None else "merge weights"
    if isinstance(weights, str):
        if weights not in dataset.denominators.columns:
            what = ("is a group column (text)" if weights in dataset.groups.columns
                    else "is an indicator" if weights in dataset.indicators
                    else f"is not a column of dataset {dataset.name!r}")
            raise DataError(f"{label}: {weights!r} {what}; a merger weight is a denominator column of the data "
                            f"(data.denominators, or Type Denominator in iMeta; declared: "
                            f"{choices(dataset.denominators.columns) or 'none'}) or a column of the merger table")
        weights = dict(zip(dataset.units, dataset.denominators[weights].to_numpy(dtype=float)))
    rows, names = [], []
    for new, olds in mapping.items():
        idx = [dataset.unit_index(c) for c in olds]
        w = np.ones(len(idx)) if weights is None else np.array([_merge_weight(weights, old, new, label)
                                                                for old in olds])
        block = dataset.values[idx]
        present = ~np.isnan(block)
        total = np.where(present, block * w[:, None], 0.0).sum(axis=0)
        weight = np.where(present, w[:, None], 0.0).sum(axis=0)
        rows.append(np.divide(total, weight, out=np.full(block.shape[1], np.nan), where=weight > 0))
        names.append(" + ".join(dataset.unit_names[i] for i in idx))
    first = [dataset.units[dataset.unit_index(olds[0])] for olds in mapping.values()]
    index = pd.Index(list(mapping), name="unit")
    groups = dataset.groups.loc[first].set_axis(index) if len(dataset.groups.columns) else pd.DataFrame(index=index)
    meta = {**dataset.meta, "merged_from": {k: list(v) for k, v in mapping.items()}}
    if weights is not None:
        meta["merge_weights"] = label
    return Dataset(name=name or f"{dataset.name}-merged", units=tuple(mapping), unit_names=tuple(names),
                   indicators=dataset.indicators, values=np.array(rows), synthetic=dataset.synthetic, groups=groups,
                   meta=ReadOnlyDict(meta))


def _merge_weight(weights: Mapping[str, float], old: str, new: str, label: str) -> float:
    """A former unit's merger weight, refused (naming the unit) unless finite and positive."""
    if old not in weights:
        raise DataError(f"{label}: no weight for former unit {old!r} (merged into {new!r}); every former unit "
                        f"needs a positive weight")
    value = float(weights[old])
    if np.isnan(value):
        raise DataError(f"{label}: former unit {old!r} (merged into {new!r}) has a missing weight; every former "
                        f"unit needs a positive weight")
    if not np.isfinite(value) or value <= 0:
        raise DataError(f"{label}: former unit {old!r} (merged into {new!r}) has weight {value:g}; every former "
                        f"unit needs a positive, finite weight")
    return value
