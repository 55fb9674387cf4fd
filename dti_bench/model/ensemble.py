"""An ensemble: several equally defensible versions of the same data (members), e.g. calibrated synthetic draws.

A member is a :class:`~dti_bench.model.dataset.Dataset` or a :class:`~dti_bench.model.panel.Panel` (a multi-year
member, such as a 2022-2023 draw). Members share their units and indicators; they differ in the values. An
analysis run over an ensemble runs on each member (:class:`dti_bench.experiment.Study`), and a statistic is then
reported as its median and 5-95 % range across members (:mod:`dti_bench.analyses.ensemble`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from dti_bench.errors import ConfigError, DataError
from dti_bench.model.dataset import Dataset
from dti_bench.model.panel import Panel


@dataclass(frozen=True)
class Ensemble(Sequence[Dataset | Panel]):
    """Members of one dataset, in member order.

    Attributes
    ----------
    name : str
    members : tuple of Dataset or Panel
        Same units (in the same order) and indicators in every member.
    labels : tuple of int
        Member labels (the ``member`` column of the bundled table and of every run table).
    meta : mapping
        What the ensemble's ``meta.yaml`` records (each member's seed and parameters under ``members``).

    Examples
    --------
    >>> import pandas as pd
    >>> from dti_bench.model.framework import Framework
    >>> fw = Framework.from_tree({"I": ["a", "b"]})
    >>> table = pd.DataFrame({"member": [0, 0, 1, 1], "uCode": ["x", "y", "x", "y"],
    ...                       "a": [1.0, 2.0, 1.5, 2.0], "b": [2.0, 2.0, 2.0, 1.0]})
    >>> ens = Ensemble.from_frame(table, fw, name="toy")
    >>> ens
    Ensemble('toy': 2 members of 2 units x 2 indicators)
    >>> ens.members[1].values.tolist()
    [[1.5, 2.0], [2.0, 1.0]]
    >>> ens.head(1).labels
    (0,)
    """

    name: str
    members: tuple[Dataset | Panel, ...]
    labels: tuple[int, ...]
    meta: Mapping[str, Any] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        if not self.members or len(self.labels) != len(self.members):
            raise DataError(f"ensemble {self.name!r}: expected one label per member and at least one member")
        if len(set(self.labels)) != len(self.labels):
            raise DataError(f"ensemble {self.name!r}: a member label is given twice")
        first = self.members[0]
        for label, member in zip(self.labels, self.members):
            if type(member) is not type(first) or member.units != first.units:
                raise DataError(f"ensemble {self.name!r}: member {label} does not have the units (or the kind) of "
                                f"member {self.labels[0]}")

    @classmethod
    def from_frame(cls, table: pd.DataFrame, framework: Any = None, *, member_column: str = "member",
                   time_column: str | None = None, name: str = "data", source: str = "data",
                   **dataset_options: Any) -> Ensemble:
        """A long table (one row per member and unit, or per member, unit and time point) as an ensemble.

        Parameters
        ----------
        table : DataFrame
            Rows of every member, the member label (a whole number) in ``member_column``.
        framework : Framework, optional
            As for :meth:`Dataset.from_frame`.
        member_column : str
            The member label column.
        time_column : str, optional
            Members that are panels: the time column (each member becomes a :class:`Panel`).
        name, source : str
            Each member is named ``"<name> member <k>"``.
        **dataset_options
            Passed to :meth:`Dataset.from_frame` (unit and name columns, groups, ``synthetic``, ``meta``).

        Raises
        ------
        DataError
            No member column, or a label that is not a whole number, naming the file.
        """
        if member_column not in table.columns:
            raise DataError(f"{source}: an ensemble table needs a {member_column!r} column (the member label)")
        try:
            labels = pd.to_numeric(table[member_column], errors="raise").astype(int)
        except (ValueError, TypeError):
            raise DataError(f"{source}: column {member_column!r}: member labels must be whole numbers") from None
        members, order = [], list(dict.fromkeys(labels.tolist()))
        for label in order:
            rows = table[labels.to_numpy() == label].drop(columns=[member_column]).reset_index(drop=True)
            member_name = f"{name} member {label}"
            if time_column is not None:
                members.append(Panel.from_frame(rows, framework, time=time_column, source=f"{source} (member {label})",
                                                name=member_name, **dataset_options))
            else:
                members.append(Dataset.from_frame(rows, framework, name=member_name,
                                                  source=f"{source} (member {label})", **dataset_options))
        return cls(name, tuple(members), tuple(order), dict(dataset_options.get("meta") or {}))

    # -- a sequence of members ----------------------------------------------------------------------------------
    def __getitem__(self, index: Any) -> Any:
        return self.members[index]

    def __len__(self) -> int:
        return len(self.members)

    def __iter__(self) -> Iterator[Dataset | Panel]:
        return iter(self.members)

    @property
    def units(self) -> tuple[str, ...]:
        return self.members[0].units

    @property
    def synthetic(self) -> bool:
        """True when any member is synthetic (a bundled synthetic ensemble's members all are)."""
        return any(m.synthetic for m in self.members)

    def head(self, n: int, where: str = "ensemble.members") -> Ensemble:
        """The first ``n`` members (``n`` at most the ensemble's size)."""
        if not 1 <= n <= len(self.members):
            raise ConfigError(f"{where}: {n} members asked for; {self.name!r} has {len(self.members)} "
                              f"(valid: 1 to {len(self.members)}, or 0 for all)")
        return Ensemble(self.name, self.members[:n], self.labels[:n], self.meta)

    def map(self, function: Any) -> Ensemble:
        """The ensemble with ``function`` applied to every member (e.g. the same not-applicable cells)."""
        return Ensemble(self.name, tuple(function(m) for m in self.members), self.labels, self.meta)

    def __repr__(self) -> str:
        first = self.members[0]
        shape = (f"{len(first.units)} units x {len(first.datasets[0].indicators)} indicators at "
                 f"{len(first.times)} time points" if isinstance(first, Panel)
                 else f"{len(first.units)} units x {len(first.indicators)} indicators")
        return f"Ensemble({self.name!r}{' (synthetic)' if self.synthetic else ''}: {len(self)} members of {shape})"


__all__ = ["Ensemble"]
