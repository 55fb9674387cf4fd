"""A panel: the same units measured at several time points, one :class:`~dti_bench.model.dataset.Dataset` each.

An index is computed per time point (a publisher ranks each year on its own), so a panel is an ordered mapping
time -> Dataset with the same units at every time point (a unit absent one year is a row of missing values, not a
missing row: the ranking of that year simply leaves it out). Tables arrive long, COINr's way: an iData with a
``Time`` column, one row per (unit, time) (:meth:`Panel.from_frame`).

Normalising across time is a methodology choice (:data:`NORMALISE_OVER`): per time point (what publishers do; a
unit's score then depends on the others' that year), pooled over the panel (the statistics of every unit-year
together), or against one reference time point (goalposts and ranks from that year, so scores are comparable
across years). It is applied through the normalisation reference of the pipeline
(:func:`dti_bench.index.compute_index`'s ``reference``), which every normaliser with statistics honours.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from dti_bench.errors import ConfigError, DataError, choices
from dti_bench.model.dataset import Dataset
from dti_bench.model.framework import Framework

#: The dates a time column may hold besides years: ISO 8601 days (2019-12-31) or months (2019-12).
ISO_DATE = re.compile(r"\d{4}-\d{2}(-\d{2})?")

#: How normalisation statistics are taken across time: each time point's own, the whole panel's, or one time's.
NORMALISE_OVER = ("time_point", "pooled", "reference")


def parse_time(value: Any, where: str) -> int | str:
    """A time label: a whole number (a year) as an int, an ISO date as ``YYYY-MM-DD``; anything else refused.

    Examples
    --------
    >>> parse_time("2019", "x"), parse_time(2020.0, "x"), parse_time("2023-06-30", "x")
    (2019, 2020, '2023-06-30')
    """
    if isinstance(value, (bool, np.bool_)):
        raise DataError(f"{where}: expected a year or a date, got {value!r}")
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        if np.isfinite(value) and float(value).is_integer():
            return int(value)
        raise DataError(f"{where}: expected a year or a date, got {value!r}")
    text = str(value).strip()
    if not text:
        raise DataError(f"{where}: expected a year or a date, got an empty cell")
    try:
        number = float(text)
    except ValueError:
        number = None
    if number is not None:  # '2019', '2019.0'; not '2019.5', which pandas would read as a month
        if np.isfinite(number) and number.is_integer():
            return int(number)
        raise DataError(f"{where}: expected a year or a date, got {value!r}")
    if not ISO_DATE.fullmatch(text):
        raise DataError(f"{where}: expected a year (e.g. 2019) or an ISO date (e.g. 2019-12-31), got {value!r}")
    try:
        return pd.Timestamp(text).strftime("%Y-%m-%d")
    except ValueError:
        raise DataError(f"{where}: {value!r} is not a date") from None


def _aligned(labelled: list[tuple[Any, Dataset]]) -> list[tuple[Any, Dataset]]:
    """Every dataset on the union of the units (missing rows NaN, names and groups from where the unit appears)."""
    names: dict[str, str] = {}
    for _, ds in labelled:
        for u, n in zip(ds.units, ds.unit_names):
            names.setdefault(u, n)
    units = tuple(names)
    out = []
    for t, ds in labelled:
        if ds.units == units:
            out.append((t, ds))
            continue
        position = {u: i for i, u in enumerate(ds.units)}
        values = np.full((len(units), len(ds.indicators)), np.nan)
        rows = [position.get(u) for u in units]
        present = [i for i, r in enumerate(rows) if r is not None]
        values[present] = ds.values[[rows[i] for i in present]]  # type: ignore[index]
        groups = ds.groups.reindex(pd.Index(units)) if len(ds.groups.columns) else ds.groups
        denominators = ds.denominators.reindex(pd.Index(units)) if len(ds.denominators.columns) else ds.denominators
        out.append((t, ds.replace(units=units, unit_names=tuple(names[u] for u in units), values=values,
                                  groups=groups, denominators=denominators)))
    return out


def _order(time: int | str) -> tuple:
    """Sort key: years and dates on one time line (a year counts as its first day)."""
    return (pd.Timestamp(year=time, month=1, day=1) if isinstance(time, int) else pd.Timestamp(time),)


@dataclass(frozen=True, eq=False)
class Panel(Mapping[Any, Dataset]):
    """Datasets of the same units at several time points, in time order.

    Attributes
    ----------
    name : str
    times : tuple
        Time labels (years as ints, dates as ``YYYY-MM-DD``), in time order.
    datasets : tuple of Dataset
        One per time point, same units in the same order, same indicators (unless ``frameworks`` says otherwise).
    frameworks : tuple of Framework, optional
        One per time point, where the publisher changed its framework over the panel (PAPI's 6 → 8 dimensions in
        2018, PCI's weights by era): each dataset then holds its own framework's indicators. None: one framework
        for every time point, the caller's.

    Examples
    --------
    >>> import pandas as pd
    >>> from dti_bench.model.framework import Framework
    >>> fw = Framework.from_tree({"I": ["a", "b"]})
    >>> long = pd.DataFrame({"uCode": ["x", "y", "x", "y"], "Time": [2019, 2019, 2020, 2020],
    ...                      "a": [1.0, 2.0, 3.0, 1.0], "b": [2.0, 2.0, 1.0, 4.0]})
    >>> panel = Panel.from_frame(long, fw)
    >>> panel
    Panel('data': 2 units x 2 indicators at 2 time points, 2019 to 2020)
    >>> panel[2020].values.tolist()
    [[3.0, 1.0], [1.0, 4.0]]
    """

    name: str
    times: tuple[Any, ...]
    datasets: tuple[Dataset, ...]
    frameworks: tuple[Framework, ...] | None = None

    def __post_init__(self) -> None:
        if not self.datasets or len(self.times) != len(self.datasets):
            raise DataError(f"panel {self.name!r}: expected one dataset per time point")
        first = self.datasets[0]
        for t, ds in zip(self.times, self.datasets):
            if ds.units != first.units:
                missing = sorted(set(first.units) ^ set(ds.units))
                raise DataError(f"panel {self.name!r}: time {t} does not have the units of time {self.times[0]} "
                                f"(e.g. {missing[0]!r}); give every unit a row at every time point, empty cells "
                                f"where it was not measured")
            if self.frameworks is None and ds.indicators != first.indicators:
                raise DataError(f"panel {self.name!r}: time {t} has other indicators than time {self.times[0]}")
        if self.frameworks is not None:
            if len(self.frameworks) != len(self.datasets):
                raise DataError(f"panel {self.name!r}: expected one framework per time point")
            for t, ds, fw in zip(self.times, self.datasets, self.frameworks):
                missing = [c for c in fw.indicators if c not in ds.indicators]
                if missing:
                    raise DataError(f"panel {self.name!r}: time {t} lacks indicator {missing[0]!r} of its framework "
                                    f"{fw.name!r}")

    # -- construction -------------------------------------------------------------------------------------------
    @classmethod
    def from_datasets(cls, datasets: Mapping[Any, Dataset], name: str | None = None, *, align: bool = False,
                      frameworks: Mapping[Any, Framework] | None = None) -> Panel:
        """A panel of datasets keyed by time (years or dates), put in time order.

        With ``align``, the units are the union of every time point's, in order of first appearance, and a unit a
        time point lacks gets a row of missing values there (a publisher that did not score a province one year);
        without it, every time point must have the same units.

        Examples
        --------
        >>> import dti_bench as db
        >>> ds = db.load_dataset("dti2022-published-profiles")
        >>> Panel.from_datasets({2023: ds, 2022: ds}).times
        (2022, 2023)
        """
        if not datasets:
            raise DataError("panel: no time point")
        labelled = [(parse_time(t, "panel"), ds) for t, ds in datasets.items()]
        labels = [t for t, _ in labelled]
        if len(set(labels)) != len(labels):
            raise DataError(f"panel: a time point is given twice ({labels})")
        labelled.sort(key=lambda item: _order(item[0]))
        if align:
            labelled = _aligned(labelled)
        first = labelled[0][1]
        per_time = None
        if frameworks is not None:
            by_label = {parse_time(t, "panel"): fw for t, fw in frameworks.items()}
            per_time = tuple(by_label[t] for t, _ in labelled)
        return cls(name or first.name, tuple(t for t, _ in labelled), tuple(ds for _, ds in labelled), per_time)

    def framework_at(self, index: int, default: Framework) -> Framework:
        """The framework of time point ``index`` (``default`` when the panel has one framework throughout).

        Examples
        --------
        >>> import dti_bench as db
        >>> ds, fw = db.load_dataset("dti2022-published-profiles"), db.load_framework("dti-provincial-2022")
        >>> db.Panel.from_datasets({2022: ds, 2023: ds}).framework_at(1, fw) is fw
        True
        """
        return default if self.frameworks is None else self.frameworks[index]

    @classmethod
    def from_frame(cls, table: pd.DataFrame, framework: Framework | None = None, *, time: str = "Time",
                   unit_column: str = "uCode", source: str = "data", name: str = "data",
                   frameworks: Callable[[Any], Framework] | None = None, **kwargs: Any) -> Panel:
        """A long table (one row per unit and time point, COINr's iData with a ``Time`` column) as a panel.

        Parameters
        ----------
        table : DataFrame
        framework : Framework, optional
            As for :meth:`Dataset.from_frame`.
        time : str
            The column holding the time point (a year or an ISO date).
        unit_column, source, name, **kwargs
            As for :meth:`Dataset.from_frame` (applied to each time point's rows).
        frameworks : callable, optional
            Time -> that time point's framework, where the publisher changed it over the panel: each time point's
            rows are then read against their own framework (another period's indicator columns ignored there).

        Raises
        ------
        DataError
            Naming ``source``, the row (1 = header) and the column: a time that is not a year or date, a
            duplicate (unit, time) row, a unit without a row at some time point.

        Examples
        --------
        COINr's iData with a ``Time`` column:

        >>> import dti_bench as db, pandas as pd
        >>> long = pd.DataFrame({"uCode": ["x", "y", "x", "y"], "Time": [2019, 2019, 2020, 2020],
        ...                      "a": [1.0, 2.0, 3.0, 1.0]})
        >>> panel = db.Panel.from_frame(long)
        >>> panel.times, panel[2019].column("a"), panel[2020].column("a")
        ((2019, 2020), array([1., 2.]), array([3., 1.]))
        """
        if time not in table.columns:
            raise DataError(f"{source}: no time column {time!r}; columns: {choices(map(str, table.columns))}")
        if unit_column not in table.columns:
            raise DataError(f"{source}: a panel needs the unit column {unit_column!r} beside {time!r}")
        labels = [parse_time(v, f"{source}: row {i + 2}, column {time!r}") for i, v in enumerate(table[time])]
        units = [str(u).strip() for u in table[unit_column]]
        seen: dict[tuple[str, Any], int] = {}
        for i, key in enumerate(zip(units, labels)):
            if key in seen:
                raise DataError(f"{source}: row {i + 2}: unit {key[0]!r} at time {key[1]} appears twice (first at "
                                f"row {seen[key] + 2})")
            seen[key] = i
        all_units = list(dict.fromkeys(units))
        times = sorted(set(labels), key=_order)
        for t in times:
            present = {u for u, lab in zip(units, labels) if lab == t}
            absent = [u for u in all_units if u not in present]
            if absent:
                raise DataError(f"{source}: unit {absent[0]!r} has no row at time {t} (column {time!r}); give it a "
                                f"row with empty cells where it was not measured")
        frame = table.drop(columns=[time])
        datasets = {}
        position = np.array([all_units.index(u) for u in units])
        per_time = {t: frameworks(t) for t in times} if frameworks is not None else None
        everyone = set() if per_time is None else {c for fw in per_time.values() for c in fw.indicators}
        for t in times:
            rows = np.flatnonzero(np.array([lab == t for lab in labels]))
            rows = rows[np.argsort(position[rows], kind="stable")]  # the same unit order at every time point
            fw_t = framework if per_time is None else per_time[t]
            extra = dict(kwargs)
            if per_time is not None:  # the other periods' indicators are columns of the table, empty here
                extra["ignore_columns"] = (*kwargs.get("ignore_columns", ()),
                                           *sorted(everyone - set(fw_t.indicators)))  # type: ignore[union-attr]
            datasets[t] = Dataset.from_frame(frame.iloc[rows].reset_index(drop=True), fw_t, unit_column=unit_column,
                                             source=f"{source} (time {t})", name=f"{name}@{t}", **extra)
        distinct = per_time is not None and len({id(fw) for fw in per_time.values()}) > 1
        return cls(name, tuple(times), tuple(datasets[t] for t in times),
                   tuple(per_time[t] for t in times) if distinct else None)  # type: ignore[index]

    # -- access ---------------------------------------------------------------------------------------------------
    def __getitem__(self, time: Any) -> Dataset:
        key = parse_time(time, f"panel {self.name!r}")
        if key not in self.times:
            raise ConfigError(f"panel {self.name!r}: no time point {time!r}; valid choices: {choices(self.times)}")
        return self.datasets[self.times.index(key)]

    def __iter__(self) -> Iterator[Any]:
        return iter(self.times)

    def __len__(self) -> int:
        return len(self.times)

    @property
    def units(self) -> tuple[str, ...]:
        """The unit codes, the same at every time point.

        Examples
        --------
        >>> import dti_bench as db, pandas as pd
        >>> long = pd.DataFrame({"uCode": ["x", "y", "x", "y"], "Time": [2019, 2019, 2020, 2020],
        ...                      "a": [1.0, 2.0, 3.0, 1.0]})
        >>> db.Panel.from_frame(long).units
        ('x', 'y')
        """
        return self.datasets[0].units

    @property
    def synthetic(self) -> bool:
        """True when any time point's data are synthetic.

        Examples
        --------
        >>> import dti_bench as db
        >>> db.Panel.from_datasets({2022: db.load_dataset("dti2022-synthetic")}).synthetic
        True
        """
        return any(ds.synthetic for ds in self.datasets)

    def consecutive_pairs(self) -> list[tuple[Any, Any]]:
        """(t, t+1) for each pair of consecutive time points.

        Examples
        --------
        >>> import dti_bench as db
        >>> ds = db.load_dataset("dti2022-published-profiles")
        >>> db.Panel.from_datasets({2021: ds, 2022: ds, 2023: ds}).consecutive_pairs()
        [(2021, 2022), (2022, 2023)]
        """
        return list(zip(self.times[:-1], self.times[1:]))

    def check_pairs(self, pairs: Sequence[Sequence[Any]] | None, where: str = "pairs") -> list[tuple[Any, Any]]:
        """``pairs`` as (from, to) time labels of this panel (None: consecutive pairs); one-line errors otherwise.

        Examples
        --------
        >>> import dti_bench as db
        >>> ds = db.load_dataset("dti2022-published-profiles")
        >>> panel = db.Panel.from_datasets({2021: ds, 2022: ds, 2023: ds})
        >>> panel.check_pairs([["2021", 2023]]), panel.check_pairs(None)
        ([(2021, 2023)], [(2021, 2022), (2022, 2023)])
        >>> panel.check_pairs([[2021, 2024]])
        Traceback (most recent call last):
            ...
        dti_bench.errors.ConfigError: pairs[0]: time 2024 is not in the panel; valid choices: 2021, 2022, 2023
        """
        if pairs is None:
            if len(self.times) < 2:
                raise ConfigError(f"{where}: panel {self.name!r} has one time point ({self.times[0]}); a rank change "
                                  f"needs two")
            return self.consecutive_pairs()
        out = []
        for i, pair in enumerate(pairs):
            if not isinstance(pair, (list, tuple)) or len(pair) != 2:
                raise ConfigError(f"{where}[{i}]: expected [FROM, TO], got {pair!r}")
            labels = []
            for value in pair:
                try:
                    label = parse_time(value, f"{where}[{i}]")
                except DataError as err:
                    raise ConfigError(str(err)) from None
                if label not in self.times:
                    raise ConfigError(f"{where}[{i}]: time {value!r} is not in the panel; valid choices: "
                                      f"{choices(self.times)}")
                labels.append(label)
            if labels[0] == labels[1]:
                raise ConfigError(f"{where}[{i}]: a rank change needs two different time points, got {pair!r}")
            out.append((labels[0], labels[1]))
        return out

    # -- normalisation across time ----------------------------------------------------------------------------
    def pooled(self) -> Dataset:
        """Every unit-year as one dataset (units ``code@time``): the statistics of pooled normalisation.

        Examples
        --------
        >>> import dti_bench as db, pandas as pd
        >>> long = pd.DataFrame({"uCode": ["x", "y", "x", "y"], "Time": [2019, 2019, 2020, 2020],
        ...                      "a": [1.0, 2.0, 3.0, 1.0]})
        >>> pooled = db.Panel.from_frame(long).pooled()
        >>> pooled.units, pooled.column("a")
        (('x@2019', 'y@2019', 'x@2020', 'y@2020'), array([1., 2., 3., 1.]))
        """
        first = self.datasets[0]
        units = tuple(f"{u}@{t}" for t in self.times for u in first.units)
        # the union of the time points' indicators (frameworks may differ by period): missing where a time lacks one
        indicators = tuple(dict.fromkeys(c for ds in self.datasets for c in ds.indicators))
        blocks = []
        for ds in self.datasets:
            block = np.full((len(ds.units), len(indicators)), np.nan)
            position = {c: j for j, c in enumerate(indicators)}
            block[:, [position[c] for c in ds.indicators]] = ds.values
            blocks.append(block)
        return Dataset(f"{self.name} (pooled)", units, units, indicators, np.vstack(blocks), synthetic=self.synthetic)

    def reference(self, over: str = "time_point", at: Any = None) -> Dataset | None:
        """The normalisation reference for ``over`` (:data:`NORMALISE_OVER`): None (each time point's own
        statistics), the pooled panel, or the dataset of time ``at``.

        Examples
        --------
        >>> import dti_bench as db
        >>> ds = db.load_dataset("dti2022-published-profiles")
        >>> p = Panel.from_datasets({2022: ds, 2023: ds})
        >>> p.reference("time_point") is None, len(p.reference("pooled").units), p.reference("reference", 2022) is ds
        (True, 10, True)
        """
        if over == "time_point":
            return None
        if over == "pooled":
            return self.pooled()
        if over == "reference":
            if at is None:
                raise ConfigError(f"normalise_over: reference needs a time point (reference: YEAR); valid "
                                  f"choices: {choices(self.times)}")
            return self[at]
        raise ConfigError(f"normalise_over: unknown {over!r}; valid choices: {choices(NORMALISE_OVER)}")

    def __repr__(self) -> str:
        first = self.datasets[0]
        span = f"{self.times[0]} to {self.times[-1]}" if len(self.times) > 1 else str(self.times[0])
        tag = " (synthetic)" if self.synthetic else ""
        return (f"Panel({self.name!r}{tag}: {len(first.units)} units x {len(first.indicators)} indicators at "
                f"{len(self.times)} time points, {span})")


__all__ = ["NORMALISE_OVER", "Panel", "parse_time"]
