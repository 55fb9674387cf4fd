"""Results over an ensemble: each member's tables stacked long, each statistic as its median and 5-95 % range
across members, and statements about units with the share of members in which they hold.

An analysis run over an ensemble (:class:`~dti_bench.model.ensemble.Ensemble`) runs on every member with the same
spec and seed (common random numbers: the members differ in their data only). For a table with rows ``r`` and a
statistic column ``S``, member ``m`` gives ``S[m, r]``; :func:`across_members` reports

* ``S`` = median over members of ``S[m, r]``, ``S_member_q05`` and ``S_member_q95`` = its 5th and 95th
  percentiles (linear interpolation, as ``numpy.percentile``); missing values are skipped, a row missing in every
  member stays missing. A statistic equal in every member is reported once, without range columns;
* a true/false column ``B``: ``B_share``, the share of members in which it holds, and ``B`` = ``B_share >=
  robust_share``;
* a text column that differs across members (e.g. a list of flagged children): its most frequent value and, in
  ``<column>_share``, the share of members that give it.

Reference: the median and 5-95 % range across equally defensible datasets is the summary Saisana, Saltelli &
Tarantola (2005, JRSS-A 168:307) give across Monte Carlo variants, one level up.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from dti_bench.errors import ConfigError

#: Quantiles of the across-member range (the 5-95 % range).
RANGE_QUANTILES = (0.05, 0.95)
#: Numeric columns that identify a row rather than measure something (levels, time points, weight-map points).
KEY_COLUMNS = frozenset({"level", "level_a", "level_b", "time", "time_from", "time_to", "w1", "w2", "w3"})
MEMBER = "member"


def pooled_frequency(frames: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """rank_frequency.csv over an ensemble: the members' rank counts pooled, not a median of them.

    A member's long, sparse table lists only the (unit, rank bin) cells that occurred, so a median across members
    would have to treat every absent cell as a zero; and a unit's rank distribution over the ensemble is what the
    pooled counts are: ``count`` is the sum over members of the samples in which the unit ranked from
    ``rank_lo`` to ``rank_hi``, ``share`` that sum over the unit's ranked samples in all members (members with
    the same sample size weigh alike). Rows keep the first member's unit order (and ``time`` for a panel), ranks
    ascending.

    Parameters
    ----------
    frames : sequence of DataFrame
        Each member's rank_frequency.csv: ``unit, [time,] rank_lo, rank_hi, count, share``.

    Returns
    -------
    DataFrame
        The same columns, one row per cell that occurred in any member.

    Examples
    --------
    >>> a = pd.DataFrame({"unit": ["x", "x", "y"], "rank_lo": [1, 2, 2], "rank_hi": [1, 2, 2], "count": [3, 1, 4],
    ...                   "share": [0.75, 0.25, 1.0]})
    >>> b = pd.DataFrame({"unit": ["x", "y", "y"], "rank_lo": [1, 1, 2], "rank_hi": [1, 1, 2], "count": [4, 0, 4],
    ...                   "share": [1.0, 0.0, 1.0]})
    >>> pooled_frequency([a, b]).to_dict("list")   # doctest: +NORMALIZE_WHITESPACE
    {'unit': ['x', 'x', 'y', 'y'], 'rank_lo': [1, 2, 1, 2], 'rank_hi': [1, 2, 1, 2], 'count': [7, 1, 0, 8],
     'share': [0.875, 0.125, 0.0, 1.0]}
    """
    if not frames:
        raise ConfigError("pooled_frequency: no member table")
    keys = [c for c in ("unit", "time", "rank_lo", "rank_hi") if c in frames[0].columns]
    units = {u: i for i, u in enumerate(pd.unique(frames[0]["unit"]))}
    stacked = pd.concat(frames, ignore_index=True)
    pooled = stacked.groupby(keys, sort=False, dropna=False)["count"].sum().reset_index()
    pooled["_unit"] = pooled["unit"].map(units).fillna(len(units))
    pooled = pooled.sort_values(["_unit", *keys[1:]], kind="stable").drop(columns="_unit")
    owner = [c for c in keys if c in ("unit", "time")]
    total = pooled.groupby(owner, sort=False, dropna=False)["count"].transform("sum")
    pooled["share"] = np.where(total > 0, pooled["count"] / total.where(total > 0, 1), 0.0)
    pooled["count"] = pooled["count"].astype("int64")
    return pooled[[*keys, "count", "share"]].reset_index(drop=True)


def long_over(by_label: Mapping[Any, pd.DataFrame], column: str) -> pd.DataFrame:
    """Frames stacked with a ``column`` of their labels, after ``unit`` where there is one (else first).

    Examples
    --------
    >>> a = pd.DataFrame({"unit": ["x", "y"], "rank": [1, 2]})
    >>> long_over({0: a, 1: a.assign(rank=[2, 1])}, "member").to_dict("list")
    {'unit': ['x', 'y', 'x', 'y'], 'member': [0, 0, 1, 1], 'rank': [1, 2, 2, 1]}
    """
    frames = []
    for label, frame in by_label.items():
        frame = frame.copy()
        frame.insert(list(frame.columns).index("unit") + 1 if "unit" in frame.columns else 0, column, label)
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def across_members(frames: Sequence[pd.DataFrame], robust_share: float = 1.0) -> pd.DataFrame:
    """One table of the members' tables: median and 5-95 % range of each statistic, share of each true/false.

    Parameters
    ----------
    frames : sequence of DataFrame
        The same table from each member (same columns). When every member's table has the same rows, in the same
        order, with the same identifying values, rows are matched by position (the text columns that differ are
        then statistics); otherwise by the identifying columns (text columns and :data:`KEY_COLUMNS`).
    robust_share : float in (0, 1]
        A true/false column is true when it holds in at least this share of members.

    Returns
    -------
    DataFrame
        The identifying columns, then for each statistic ``S``: ``S`` (median), ``S_member_q05``,
        ``S_member_q95`` (omitted when ``S`` is the same in every member); for each true/false ``B``: ``B``,
        ``B_share``.

    Examples
    --------
    >>> a = pd.DataFrame({"unit": ["x", "y"], "q95_rank": [3, 9], "top": [True, False]})
    >>> b = a.assign(q95_rank=[5, 9], top=[False, False])
    >>> c = a.assign(q95_rank=[4, 9], top=[True, False])
    >>> across_members([a, b, c], robust_share=0.6).to_dict("list")   # doctest: +NORMALIZE_WHITESPACE
    {'unit': ['x', 'y'], 'q95_rank': [4.0, 9.0], 'q95_rank_member_q05': [3.1, 9.0],
     'q95_rank_member_q95': [4.9, 9.0], 'top': [True, False], 'top_share': [0.6666666666666666, 0.0]}
    """
    if not frames:
        raise ConfigError("across_members: no member table")
    if not 0 < robust_share <= 1:
        raise ConfigError(f"ensemble.robust_share: expected a number in (0, 1], got {robust_share!r}")
    columns = list(frames[0].columns)
    for frame in frames[1:]:
        if list(frame.columns) != columns:
            raise ConfigError("across_members: the members' tables have different columns")
    text = [c for c in columns if _is_text(frames[0][c])]
    keys = [c for c in columns if c in KEY_COLUMNS or c in text]
    positional = all(len(f) == len(frames[0]) for f in frames)
    if positional:
        # identifying values that agree in every member identify the row; the text columns that differ are results
        varying = [c for c in text if any(not _same(f[c], frames[0][c]) for f in frames[1:])]
        keys = [c for c in keys if c not in varying]
        positional = all(_same(f[c], frames[0][c]) for f in frames[1:] for c in keys)
    if positional:
        stacked = pd.concat([f.reset_index(drop=True).assign(_row=np.arange(len(f))) for f in frames],
                            ignore_index=True)
        group, out = ["_row"], frames[0][keys].reset_index(drop=True)
    else:
        varying = []
        stacked = pd.concat(frames, ignore_index=True)
        stacked["_row"] = stacked.groupby(keys, sort=False, dropna=False).ngroup()
        group = ["_row"]
        out = stacked.drop_duplicates("_row")[keys].reset_index(drop=True)
    grouped = stacked.groupby(group, sort=True)
    n = len(frames)
    result: dict[str, Any] = {c: out[c].to_numpy() for c in keys}
    for c in columns:
        if c in keys:
            continue
        values = stacked[c]
        if c in varying or _is_text(values):
            mode = grouped[c].agg(lambda s: s.value_counts(dropna=False).index[0])
            share = grouped[c].agg(lambda s: s.value_counts(dropna=False).iloc[0] / n)
            result[c], result[f"{c}_share"] = mode.to_numpy(), share.to_numpy()
        elif _is_bool(values):
            share = grouped[c].agg(lambda s: float(s.astype(bool).sum()) / n)
            result[c] = (share.to_numpy() >= robust_share - 1e-12)
            result[f"{c}_share"] = share.to_numpy()
        else:
            numbers = pd.to_numeric(values, errors="coerce").astype(float)
            per_row = pd.DataFrame({"_row": stacked["_row"], c: numbers}).groupby("_row", sort=True)[c]
            median = per_row.median()
            if bool((per_row.max() - per_row.min()).fillna(0).eq(0).all()):
                result[c] = per_row.first().to_numpy()   # the same in every member: one column
                continue
            result[c] = median.to_numpy()
            for q in RANGE_QUANTILES:
                result[f"{c}_member_q{round(q * 100):02d}"] = per_row.quantile(q).to_numpy()
    return pd.DataFrame(result)


def _is_text(column: pd.Series) -> bool:
    return not (pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column))


def _is_bool(column: pd.Series) -> bool:
    return pd.api.types.is_bool_dtype(column)


def _same(a: pd.Series, b: pd.Series) -> bool:
    return bool(pd.Series(a).reset_index(drop=True).equals(pd.Series(b).reset_index(drop=True)))


# -- run summaries ---------------------------------------------------------------------------------------------

def summaries_across_members(summaries: Sequence[Any]) -> Any:
    """The members' run summaries (nested dicts) as one of the same shape, so that every reader of a summary
    reads it as it reads one member's.

    A number -> its median across members; a true/false -> true only when it is true in every member; a list of
    names -> the names listed by at least half of the members (in first-listed order); lists of the same length
    -> element by element; anything else -> the common value, or ``'varies across members'``.
    :func:`summary_spread` gives the ranges and shares behind each.

    Examples
    --------
    >>> summaries_across_members([{"shift": 1.0, "ok": True, "out": ["a"]},
    ...                           {"shift": 3.0, "ok": False, "out": ["a", "b"]},
    ...                           {"shift": 4.0, "ok": True, "out": ["b", "a"]}])
    {'shift': 3.0, 'ok': False, 'out': ['a', 'b']}
    """
    first = summaries[0]
    if all(isinstance(s, Mapping) for s in summaries):
        keys = list(dict.fromkeys(k for s in summaries for k in s))
        return {k: summaries_across_members([s.get(k) for s in summaries]) for k in keys}
    if all(isinstance(s, bool) for s in summaries):
        return all(summaries)
    if all(isinstance(s, (int, float)) and not isinstance(s, bool) for s in summaries):
        values = np.array(summaries, dtype=float)
        finite = values[np.isfinite(values)]
        if not len(finite):
            return first
        median = float(np.median(finite))
        return int(median) if all(isinstance(s, int) for s in summaries) and median == int(median) else median
    if all(s == first for s in summaries):
        return first
    if all(isinstance(s, list) and all(isinstance(v, str) for v in s) for s in summaries):
        names = list(dict.fromkeys(v for s in summaries for v in s))
        return [v for v in names if 2 * sum(v in s for s in summaries) >= len(summaries)]
    if all(isinstance(s, list) and len(s) == len(first) for s in summaries):
        return [summaries_across_members([s[i] for s in summaries]) for i in range(len(first))]
    return "varies across members"


def summary_spread(summaries: Sequence[Any], path: str = "") -> dict[str, dict[str, Any]]:
    """What :func:`summaries_across_members` summarises away, by dotted path: ``ranges_q05_q95`` (every number
    that differs across members: its 5th and 95th percentiles) and ``shares`` (every true/false and every listed
    name that differs across members: the share of members in which it holds or is listed).

    Examples
    --------
    >>> summary_spread([{"shift": 1.0, "ok": True, "out": ["a"]}, {"shift": 3.0, "ok": False, "out": ["a", "b"]}])
    {'ranges_q05_q95': {'shift': [1.1, 2.9]}, 'shares': {'ok': 0.5, 'out': {'a': 1.0, 'b': 0.5}}}
    """
    out: dict[str, dict[str, Any]] = {"ranges_q05_q95": {}, "shares": {}}
    first = summaries[0]
    if all(isinstance(s, Mapping) for s in summaries):
        for k in dict.fromkeys(k for s in summaries for k in s):
            inner = summary_spread([s.get(k) for s in summaries], f"{path}.{k}" if path else str(k))
            for part in out:
                out[part].update(inner[part])
    elif all(isinstance(s, bool) for s in summaries):
        if len(set(summaries)) > 1:
            out["shares"][path] = sum(summaries) / len(summaries)
    elif all(isinstance(s, (int, float)) and not isinstance(s, bool) for s in summaries):
        values = np.array(summaries, dtype=float)
        values = values[np.isfinite(values)]
        if len(values) and values.min() != values.max():
            out["ranges_q05_q95"][path] = [round(float(np.percentile(values, 100 * q)), 6) for q in RANGE_QUANTILES]
    elif all(isinstance(s, list) and all(isinstance(v, str) for v in s) for s in summaries):
        if any(s != first for s in summaries):
            names = list(dict.fromkeys(v for s in summaries for v in s))
            out["shares"][path] = {v: sum(v in s for s in summaries) / len(summaries) for v in names}
    elif all(isinstance(s, list) and len(s) == len(first) for s in summaries):
        for i in range(len(first)):
            inner = summary_spread([s[i] for s in summaries], f"{path}.{i}")
            for part in out:
                out[part].update(inner[part])
    return out


# -- statements about units ------------------------------------------------------------------------------------

def statements(uncertainty_by_member: Mapping[Any, pd.DataFrame], *, top: int, band: int,
               pairs: Sequence[Sequence[str]] = (), robust_share: float = 1.0) -> pd.DataFrame:
    """Statements about units, each with the share of members in which it holds (ensemble_statements.csv).

    From each member's uncertainty table (``unit, q05_rank, median_rank, q95_rank``):

    * ``top <n>``: ``q95_rank <= top`` (the unit is in the top n in 95 % of the member's Monte Carlo samples);
    * ``band < <b>``: ``q95_rank - q05_rank < band`` (its 5-95 % rank band is narrower than b places);
    * ``<A> above <B>``: ``median_rank(A) < median_rank(B)``, for each listed pair.

    Parameters
    ----------
    uncertainty_by_member : mapping of member label to DataFrame
    top, band : int
    pairs : sequence of [A, B]
    robust_share : float in (0, 1]
        ``robust`` is ``share >= robust_share`` (1.0: it holds in every member).

    Returns
    -------
    DataFrame
        ``statement, unit, other, holds_in, members, share, robust`` (``other`` is B of a pair, empty otherwise),
        one row per unit and statement (units in the first member's order), then one per pair. Members that are
        panels give uncertainty tables with a ``time`` column: the statements are then made at each time point
        (in the first member's order), with ``time`` after ``unit``.

    Examples
    --------
    >>> m = {k: pd.DataFrame({"unit": ["a", "b"], "q05_rank": [1, 1], "median_rank": [1 + k % 2, 2 - k % 2],
    ...                       "q95_rank": [2, 2 + k]}) for k in range(3)}
    >>> statements(m, top=2, band=2, pairs=[["a", "b"]])[["statement", "unit", "holds_in", "robust"]].to_dict("list")
    ... # doctest: +NORMALIZE_WHITESPACE
    {'statement': ['top 2', 'top 2', 'band < 2', 'band < 2', 'a above b'], 'unit': ['a', 'b', 'a', 'b', 'a'],
     'holds_in': [3, 1, 3, 1, 2], 'robust': [True, False, True, False, False]}

    Panel members: one set of statements per time point.

    >>> p = {k: pd.concat([f.assign(time=2022), f.assign(time=2023, q95_rank=[2, 2])]) for k, f in m.items()}
    >>> statements(p, top=2, band=2)[["statement", "unit", "time", "holds_in"]].to_dict("list")
    ... # doctest: +NORMALIZE_WHITESPACE
    {'statement': ['top 2', 'top 2', 'band < 2', 'band < 2', 'top 2', 'top 2', 'band < 2', 'band < 2'],
     'unit': ['a', 'b', 'a', 'b', 'a', 'b', 'a', 'b'], 'time': [2022, 2022, 2022, 2022, 2023, 2023, 2023, 2023],
     'holds_in': [3, 1, 3, 1, 3, 3, 3, 3]}
    """
    frames = list(uncertainty_by_member.values())
    if "time" in frames[0].columns:
        # a unit appears once per time point: each time point's tables are one set of statements
        parts = []
        for t in pd.unique(frames[0]["time"]):
            at = {label: f[f["time"] == t].drop(columns="time") for label, f in uncertainty_by_member.items()}
            part = statements(at, top=top, band=band, pairs=pairs, robust_share=robust_share)
            part.insert(list(part.columns).index("unit") + 1, "time", t)
            parts.append(part)
        return pd.concat(parts, ignore_index=True)
    n = len(frames)
    units = list(frames[0]["unit"])
    by_unit = [f.set_index("unit") for f in frames]
    rows = []

    def row(statement: str, unit: str, other: str, holds: list[bool]) -> None:
        count = int(sum(holds))
        rows.append({"statement": statement, "unit": unit, "other": other, "holds_in": count, "members": n,
                     "share": count / n, "robust": count / n >= robust_share - 1e-12})

    for name, test in ((f"top {top}", lambda f, u: f.at[u, "q95_rank"] <= top),
                       (f"band < {band}", lambda f, u: f.at[u, "q95_rank"] - f.at[u, "q05_rank"] < band)):
        for u in units:
            row(name, u, "", [bool(_known(f, u) and test(f, u)) for f in by_unit])
    for a, b in pairs:
        for u in (a, b):
            if u not in units:
                raise ConfigError(f"ensemble.pairs: unknown unit {u!r}; valid choices: {', '.join(units[:8])}, ...")
        row(f"{a} above {b}", a, b, [bool(_known(f, a) and _known(f, b) and
                                          f.at[a, "median_rank"] < f.at[b, "median_rank"]) for f in by_unit])
    return pd.DataFrame(rows, columns=["statement", "unit", "other", "holds_in", "members", "share", "robust"])


def _known(frame: pd.DataFrame, unit: str) -> bool:
    return unit in frame.index and not pd.isna(frame.at[unit, "q95_rank"]) and not pd.isna(frame.at[unit, "q05_rank"])


__all__ = ["KEY_COLUMNS", "RANGE_QUANTILES", "across_members", "long_over", "pooled_frequency", "statements", "summaries_across_members",
           "summary_spread"]
