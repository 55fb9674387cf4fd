"""What ships with the package: bundled frameworks and datasets, the published DTI tables, the merger tables.

Bundled datasets live in ``dti_bench/datasets/<folder>/`` with a ``meta.yaml`` (name, provenance, framework,
``synthetic`` flag) beside either a ``data.csv`` or a ``view:`` of the bundled published DTI tables (so published
numbers are stored once). Bundled frameworks are ``dti_bench/frameworks/*.yaml``.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from dti_bench.errors import ConfigError, DataError, FrameworkError, choices
from dti_bench.model.columns import (IMETA_MAPPABLE, check_column_mapping, check_type_mapping, map_types,
                                     rename_columns)
from dti_bench.io.files import read_table, read_yaml
from dti_bench.model.dataset import Dataset
from dti_bench.model.ensemble import Ensemble
from dti_bench.model.framework import Framework
from dti_bench.model.panel import Panel

PACKAGE_DIR = Path(__file__).resolve().parents[1]
DATASETS_DIR = PACKAGE_DIR / "datasets"
FRAMEWORKS_DIR = PACKAGE_DIR / "frameworks"
PUBLISHED_DIR = DATASETS_DIR / "dti_published"
#: COINr-style example tables (made-up values: 8 fictitious units), installed with the package so that
#: configs/coinr-example.yaml (whose configs/examples/ links here) works from a wheel too.
EXAMPLES_DIR = DATASETS_DIR / "examples"


# -- frameworks -----------------------------------------------------------------------------------------------

def bundled_frameworks() -> dict[str, Path]:
    """Name -> path of every bundled framework YAML (the merger tables are not frameworks).

    Examples
    --------
    >>> frameworks = bundled_frameworks()
    >>> "dti-provincial-2022" in frameworks, frameworks["dti-provincial-2022"].name
    (True, 'dti-provincial-2022.yaml')
    """
    out = {}
    for path in sorted(FRAMEWORKS_DIR.glob("*.yaml")):
        spec = read_yaml(path)
        if isinstance(spec, Mapping) and ("indicators" in spec or "extends" in spec):
            out[str(spec.get("name", path.stem))] = path
    return out


def load_framework(ref: str | Path, *, columns: Mapping[str, str] | None = None,
                   types: Mapping[str, str] | None = None) -> Framework:
    """A bundled framework by name, or a framework file: ``.yaml``/``.yml`` (our shape) or ``.csv`` (COINr iMeta).

    Parameters
    ----------
    ref : str or Path
        A bundled name (``dti-bench frameworks`` lists them) or a file.
    columns, types : mapping of str to str, optional
        For an iMeta CSV whose publisher names things otherwise: ``{iMeta column: the file's column}`` and ``{the
        file's Type value: COINr Type}`` (see :mod:`dti_bench.model.columns`). Without a ``Level`` column, levels
        follow the Parent chain (indicators 1, a composite one above its highest child).

    Returns
    -------
    Framework
        Frameworks whose publisher's methodology is known carry it as ``framework.official``.

    Examples
    --------
    >>> fw = load_framework("dti-provincial-2022")
    >>> fw.describe()
    'dti-provincial-2022: 8 indicators, 4 composites, 2 levels, headline DTI'
    """
    columns = check_column_mapping(columns, "columns", IMETA_MAPPABLE, "iMeta column")
    types = check_type_mapping(types, "types")
    if isinstance(ref, str) and not ref.endswith((".yaml", ".yml", ".csv")):
        known = bundled_frameworks()
        if ref not in known:
            raise ConfigError(f"unknown framework {ref!r}; valid choices: {choices(known)} (or a path to an "
                              f"iMeta CSV or framework YAML)")
        path = known[ref]
    else:
        path = Path(ref)
    if (columns or types) and path.suffix != ".csv":
        raise ConfigError(f"{path}: columns and types describe an iMeta CSV's columns; this is a framework YAML, "
                          f"which has none")
    return _framework_file(path, tuple(columns.items()), tuple(types.items()))


@lru_cache(maxsize=32)
def _framework_file(path: Path, columns: tuple[tuple[str, str], ...] = (),
                    types: tuple[tuple[str, str], ...] = ()) -> Framework:
    if not path.exists():
        raise FrameworkError(f"{path}: no such file")
    if path.suffix == ".csv":
        table = read_table(path)
        table = map_types(rename_columns(table, dict(columns), str(path)), dict(types), str(path))
        table = table.replace("", np.nan)
        framework = Framework.from_imeta(table, name=path.stem, source=str(path))
    else:
        framework = Framework.from_dict(_resolve_extends(read_yaml(path), path), source=str(path))
    zero = framework.weightless()
    if zero:
        raise FrameworkError(f"{path}: every child of composite {zero[0]!r} has weight 0, so it could never be "
                             f"scored; give at least one child a positive weight")
    return framework


def _resolve_extends(spec: Any, path: Path, seen: tuple[Path, ...] = ()) -> Any:
    """A framework YAML may start from another: ``extends: NAME`` takes the named bundled framework's (or a
    sibling file's) indicators and composites, then adds this file's; other keys override the base's."""
    if not isinstance(spec, Mapping) or "extends" not in spec:
        return spec
    base_ref = str(spec["extends"])
    candidates = [path.parent / f"{base_ref}.yaml", FRAMEWORKS_DIR / f"{base_ref}.yaml"]
    base_path = next((c for c in candidates if c.exists()), None)
    if base_path is None or base_path in seen:
        raise FrameworkError(f"{path}: extends {base_ref!r}, which is not a framework file here "
                             f"(or extends itself)")
    base = _resolve_extends(read_yaml(base_path), base_path, (*seen, path))
    merged = {**base, **{k: v for k, v in spec.items() if k not in ("extends", "indicators", "composites")}}
    merged["indicators"] = list(base.get("indicators", [])) + list(spec.get("indicators") or [])
    merged["composites"] = list(base.get("composites", [])) + list(spec.get("composites") or [])
    return merged


def load_mergers(ref: str | Path = "mergers-2025") -> dict[str, list[str]]:
    """A merger table (merged unit -> its former units), e.g. the 2025 provincial arrangement.

    Parameters
    ----------
    ref : str or Path
        A bundled table by name (``dti_bench/frameworks/mergers-*.yaml``), or a file: a YAML file of the same
        shape (``units: {MERGED: [FORMER, ...]}``) or a CSV with one row per former unit, columns ``unit`` (the
        merged unit) and ``former_unit``, and any other columns (e.g. ``population``, ``area``) that
        :func:`load_merger_weights` reads. In a CSV a former unit belongs to one merged unit.

    Returns
    -------
    dict of str to list of str
        Merged units in the table's order, each with its former units in order.

    Raises
    ------
    ConfigError
        An unknown bundled name (listing the bundled ones).
    DataError
        A file that is not such a table, naming the file (and the row of a CSV).

    Examples
    --------
    >>> load_mergers("mergers-2025")["da_nang"]
    ['da_nang', 'quang_nam']
    """
    return _merger_table(ref)[0]


def load_merger_weights(ref: str | Path, column: str) -> dict[str, float] | None:
    """A numeric column of a merger CSV (former unit -> value, NaN for a blank cell), or None when the table has
    no such column (a YAML table has no columns).

    Raises
    ------
    DataError
        A non-numeric cell, naming the file, row and column.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "m.csv"
    >>> _ = path.write_text("unit,former_unit,population\\nAB,A,1200\\nAB,B,800\\nC,C,\\n")
    >>> load_merger_weights(path, "population")
    {'A': 1200.0, 'B': 800.0, 'C': nan}
    >>> load_merger_weights(path, "area") is None
    True
    """
    _, table, source = _merger_table(ref)
    if column not in table.columns:
        return None
    out = {}
    for row_no, (former, cell) in enumerate(zip(table.index, table[column]), start=2):
        text = str(cell).strip()
        try:
            out[former] = float("nan") if text.lower() in ("", "na", "n/a", "nan", "null", "-", ".") else float(text)
        except ValueError:
            raise DataError(f"{source}: row {row_no}, column {column!r}: non-numeric cell {text!r}") from None
    return out


def merger_table_name(ref: str | Path) -> str:
    """What a merged dataset's name says about its table: a bundled table's name, a file's stem.

    Examples
    --------
    >>> merger_table_name("mergers-2025"), merger_table_name("tables/my_mergers.csv")
    ('mergers-2025', 'my_mergers')
    """
    return Path(ref).stem if isinstance(ref, Path) or str(ref).endswith((".yaml", ".yml", ".csv")) else str(ref)


def _merger_table(ref: str | Path) -> tuple[dict[str, list[str]], pd.DataFrame, str]:
    """(merged unit -> former units, the table's other columns indexed by former unit, the source to name)."""
    if isinstance(ref, Path) or str(ref).endswith((".yaml", ".yml", ".csv")):
        path = Path(ref)
        if path.suffix == ".csv":
            return _merger_csv(path)
        if not path.exists():
            raise DataError(f"{path}: no such file")
    else:
        path = FRAMEWORKS_DIR / f"{ref}.yaml"
        if not path.exists():
            known = sorted(p.stem for p in FRAMEWORKS_DIR.glob("mergers-*.yaml"))
            raise ConfigError(f"data.merge: unknown merger table {ref!r}; valid choices: {choices(known)} (or a "
                              f".yaml or .csv file)")
    spec = read_yaml(path)
    units = spec.get("units") if isinstance(spec, Mapping) else None
    if not isinstance(units, Mapping) or not all(isinstance(v, list) and v and all(isinstance(c, str) for c in v)
                                                 for v in units.values()):
        raise DataError(f"{path}: a merger table needs 'units:', a mapping of each merged unit to the list of its "
                        f"former units")
    return {str(k): list(v) for k, v in units.items()}, pd.DataFrame(index=pd.Index([], dtype=object)), str(path)


def _merger_csv(path: Path) -> tuple[dict[str, list[str]], pd.DataFrame, str]:
    table = read_table(path)
    missing = [c for c in ("unit", "former_unit") if c not in table.columns]
    if missing:
        raise DataError(f"{path}: a merger table needs columns 'unit' (the merged unit) and 'former_unit'; "
                        f"missing {missing[0]!r}; its columns: {choices(table.columns)}")
    mapping: dict[str, list[str]] = {}
    seen: dict[str, int] = {}
    for row_no, (unit, former) in enumerate(zip(table["unit"], table["former_unit"]), start=2):
        unit, former = unit.strip(), former.strip()
        if not unit or not former:
            raise DataError(f"{path}: row {row_no}: empty {'unit' if not unit else 'former_unit'}")
        if former in seen:
            raise DataError(f"{path}: row {row_no}: former unit {former!r} is already merged at row {seen[former]}; "
                            f"a former unit belongs to one merged unit")
        seen[former] = row_no
        mapping.setdefault(unit, []).append(former)
    others = table.drop(columns=["unit", "former_unit"])
    return mapping, others.set_axis(pd.Index([f.strip() for f in table["former_unit"]], name="former_unit")), str(path)


# -- datasets -------------------------------------------------------------------------------------------------

@lru_cache(maxsize=1)
def bundled_datasets() -> dict[str, dict[str, Any]]:
    """Name -> metadata (with its folder under ``_dir``) of every bundled dataset.

    Examples
    --------
    What ``dti-bench datasets`` lists:

    >>> datasets = bundled_datasets()
    >>> "dti2022-synthetic" in datasets, datasets["dti2022-synthetic"]["framework"]
    (True, 'dti-provincial-2022')
    """
    out: dict[str, dict[str, Any]] = {}
    for meta_path in sorted(DATASETS_DIR.glob("*/meta.yaml")):
        meta = read_yaml(meta_path)
        meta["_dir"] = meta_path.parent
        out[str(meta["name"])] = meta
    return out


def dataset_meta(name: str) -> dict[str, Any]:
    """One bundled dataset's ``meta.yaml`` (its folder under ``_dir``); a ConfigError naming the valid ones.

    Examples
    --------
    >>> meta = dataset_meta("dti2022-published-profiles")
    >>> meta["framework"], meta["_dir"].name
    ('dti-provincial-2022', 'dti2022_profiles')
    >>> dataset_meta("dti2099")
    Traceback (most recent call last):
        ...
    dti_bench.errors.ConfigError: unknown dataset 'dti2099'; valid choices: 'dti2020-published-pillars', ...
    """
    known = bundled_datasets()
    if name not in known:
        raise ConfigError(f"unknown dataset {name!r}; valid choices: {choices(known)}")
    return known[name]


def load_dataset(name: str | Path, framework: Framework | None = None) -> Dataset | Panel | Ensemble:
    """A bundled dataset by name, or an iData CSV file, validated against ``framework``.

    A bundled panel (its metadata has ``panel: {TIME: DATASET, ...}``, naming other bundled datasets, e.g.
    ``dti-synthetic-2022-2023``) is returned as a :class:`~dti_bench.model.panel.Panel` of them. A bundled ensemble
    (a ``meta.yaml`` with an ``ensemble:`` block, e.g. ``dti2022-synthetic-ensemble``) is returned as an
    :class:`~dti_bench.model.ensemble.Ensemble` of its members, read from the one ``data.csv`` whose ``member``
    column labels them.

    Parameters
    ----------
    name : str or Path
        A bundled dataset (``dti-bench datasets`` lists them), or the path of a COINr iData CSV.
    framework : Framework, optional
        Default: the framework a bundled dataset's metadata names; a CSV without one takes every column other
        than ``uCode``, ``uName`` and ``Time`` as an indicator.

    Returns
    -------
    Dataset, Ensemble or Panel
        ``synthetic`` is True for generated data (and the name says so).

    Examples
    --------
    >>> ds = load_dataset("dti2022-synthetic")
    >>> ds
    Dataset('dti2022-synthetic' (synthetic): 63 units x 8 indicators)
    >>> ens = load_dataset("dti2022-synthetic-ensemble")
    >>> ens
    Ensemble('dti2022-synthetic-ensemble' (synthetic): 50 members of 63 units x 8 indicators)
    >>> bool((ens.members[0].values == ds.values).all())    # member 0 is the bundled draw
    True
    >>> load_dataset("dti-synthetic-2022-2023").times
    (2022, 2023)
    """
    if isinstance(name, Path) or str(name).endswith(".csv"):
        from dti_bench.io.coinr import load_idata

        return load_idata(Path(name), framework)
    meta = dataset_meta(name)
    framework = framework or load_framework(meta["framework"])
    if "panel" in meta:
        parts = meta["panel"]
        if not isinstance(parts, Mapping) or not all(isinstance(v, str) and "panel" not in dataset_meta(v)
                                                      for v in parts.values()):
            raise DataError(f"{meta['_dir'] / 'meta.yaml'}: panel: expected a mapping of time points to bundled "
                            f"datasets (not panels)")
        return Panel.from_datasets({t: load_dataset(v, framework) for t, v in parts.items()},  # type: ignore[misc]
                                   name=str(name))  # (each part checked above to be no panel)
    public = {k: v for k, v in meta.items() if not k.startswith("_")}
    if "ensemble" in meta:
        return _load_ensemble(name, meta, framework, public)
    if "view" in meta:
        table = _published_view(meta["view"])
        source = f"{PUBLISHED_DIR / meta['view']['table']} (view {name})"
    else:
        path = meta["_dir"] / "data.csv"
        table = read_table(path)
        source = str(path)
    return Dataset.from_frame(table, framework=framework, unit_column=meta.get("unit_column", "uCode"),
                              name_column=meta.get("name_column", "uName"),
                              group_columns=meta.get("group_columns", ()), ignore_columns=meta.get("ignore_columns", ()),
                              name=name, source=source, synthetic=bool(meta.get("synthetic", False)), meta=public)


@lru_cache(maxsize=4)
def _ensemble_table(path: Path) -> pd.DataFrame:
    # read once per process: a study binds each member, and the table of 50 members is 3,150 rows
    return read_table(path)


def _load_ensemble(name: str, meta: Mapping[str, Any], framework: Framework, public: Mapping[str, Any]) -> Ensemble:
    """A bundled ensemble: ``data.csv`` with a member column (and a time column for panel members)."""
    block = meta["ensemble"]
    path = meta["_dir"] / "data.csv"
    return Ensemble.from_frame(_ensemble_table(path).copy(), framework, member_column=block.get("member_column", "member"),
                               time_column=block.get("time_column"), name=name, source=str(path),
                               unit_column=meta.get("unit_column", "uCode"),
                               name_column=meta.get("name_column", "uName"),
                               group_columns=meta.get("group_columns", ()),
                               ignore_columns=meta.get("ignore_columns", ()),
                               synthetic=bool(meta.get("synthetic", False)), meta=public)


def _published_view(view: Mapping[str, Any]) -> pd.DataFrame:
    """Rows of a bundled published table with every listed column present, renamed to indicator codes."""
    table = read_table(PUBLISHED_DIR / view["table"])
    columns: Mapping[str, str] = view["columns"]
    keep = table[[c for c in columns.values()]].apply(lambda col: col.str.strip() != "").all(axis=1)
    rows = table[keep]
    slugs = provinces().set_index("province_ascii")["slug"]
    out = pd.DataFrame({"uCode": [slugs[p] for p in rows["province_ascii"]], "uName": rows["province"].to_numpy()})
    for code, col in columns.items():
        out[code] = rows[col].to_numpy()
    return out


@lru_cache(maxsize=1)
def provinces() -> pd.DataFrame:
    """The 63 provinces (GSO code, names with and without diacritics, slug, region), as bundled (S52, S51).

    Examples
    --------
    >>> table = provinces()
    >>> len(table), table.columns.tolist()[:3]
    (63, ['gso_code', 'province', 'province_ascii'])
    """
    return read_table(PUBLISHED_DIR / "provinces.csv")


def published_table(name: str) -> pd.DataFrame:
    """A bundled published DTI table by file stem (``dti_provincial_2022`` ...), strings as published.

    Examples
    --------
    >>> table = published_table("dti_provincial_2022")
    >>> len(table), table.columns.tolist()[:4]
    (63, ['province', 'province_ascii', 'gso_code', 'rank'])
    """
    path = PUBLISHED_DIR / f"{name}.csv"
    if not path.exists():
        known = sorted(p.stem for p in PUBLISHED_DIR.glob("dti_provincial_*.csv"))
        raise ConfigError(f"unknown published table {name!r}; valid choices: {choices(known)}")
    return read_table(path)


#: The published provincial DTI tables of the 63 provinces, by year (2024: the pre-merger 63-province ranking; the
#: 34-unit ranking of the merged provinces is another set of units).
PUBLISHED_YEARS = {2020: "dti_provincial_2020", 2021: "dti_provincial_2021", 2022: "dti_provincial_2022",
                   2023: "dti_provincial_2023", 2024: "dti_provincial_2024_63"}

#: The columns of :func:`published_panel`, besides ``unit``, ``name`` and ``time``: every rank and score a table
#: publishes for the DTI and its three pillars (empty where the year's sources give none).
PUBLISHED_PANEL_COLUMNS = ("rank", "dti_score", "digital_government_rank", "digital_government_score",
                           "digital_economy_rank", "digital_economy_score", "digital_society_rank",
                           "digital_society_score")


def published_panel() -> pd.DataFrame:
    """The published provincial DTI 2020-2024 as a panel of ranks and scores: one row per province and year.

    Every cell is as the bundled tables give it (``dti_published/sources.md`` names each source); a province or a
    value the year's sources do not publish is missing, never filled in. Provinces are identified by their GSO
    code and given the bundled slugs (``ha_noi``, ``hai_phong``), so they match the datasets' unit codes.

    Returns
    -------
    DataFrame
        ``unit, name, time`` and :data:`PUBLISHED_PANEL_COLUMNS` (ranks as nullable integers, scores as floats).

    Examples
    --------
    >>> panel = published_panel()
    >>> panel.set_index(["unit", "time"]).loc["hai_phong", "rank"].loc[[2022, 2023]].tolist()
    [14, 8]
    """
    codes = provinces().set_index("gso_code")
    frames = []
    for year, stem in PUBLISHED_YEARS.items():
        table = published_table(stem)
        known = table["gso_code"].astype(str).str.strip().isin(codes.index)
        if not known.all():
            bad = table.loc[~known, "gso_code"].iloc[0]
            raise DataError(f"{PUBLISHED_DIR / (stem + '.csv')}: GSO code {bad!r} is not a province of provinces.csv")
        out = pd.DataFrame({"unit": codes.loc[table["gso_code"].astype(str).str.strip(), "slug"].to_numpy(),
                            "name": table["province"].to_numpy(), "time": year})
        for column in PUBLISHED_PANEL_COLUMNS:
            values = pd.to_numeric(table[column], errors="coerce") if column in table else np.nan
            out[column] = values
        frames.append(out)
    panel = pd.concat(frames, ignore_index=True)
    for column in PUBLISHED_PANEL_COLUMNS:
        if column.endswith("rank"):
            panel[column] = panel[column].astype("Int64")
    return panel


def published_rank_changes(time_from: int, time_to: int, column: str = "rank") -> pd.DataFrame:
    """The published rank changes between two years, for the provinces whose rank both years publish.

    ``change = rank at time_from − rank at time_to`` (a rise from 14th to 8th is +6), the convention of
    :func:`dti_bench.analyses.rank_change.rank_change`.

    Examples
    --------
    >>> published_rank_changes(2022, 2023).set_index("unit").loc["hai_phong"].tolist()
    [14, 8, 6]
    """
    panel = published_panel()
    if column not in panel or not column.endswith("rank"):
        raise ConfigError(f"published_rank_changes: {column!r} is not a rank column; valid choices: "
                          f"{choices(c for c in PUBLISHED_PANEL_COLUMNS if c.endswith('rank'))}")
    for t in (time_from, time_to):
        if t not in PUBLISHED_YEARS:
            raise ConfigError(f"published_rank_changes: no published table for {t}; valid choices: "
                              f"{choices(PUBLISHED_YEARS)}")
    a = panel[panel.time == time_from].set_index("unit")[column]
    b = panel[panel.time == time_to].set_index("unit")[column]
    both = a.dropna().index.intersection(b.dropna().index)
    out = pd.DataFrame({"unit": both, "rank_from": a[both].to_numpy(), "rank_to": b[both].to_numpy()})
    out["change"] = out["rank_from"] - out["rank_to"]
    return out.sort_values("unit", kind="stable").reset_index(drop=True)


__all__ = ["DATASETS_DIR", "EXAMPLES_DIR", "FRAMEWORKS_DIR", "PACKAGE_DIR", "PUBLISHED_DIR", "PUBLISHED_PANEL_COLUMNS",
           "PUBLISHED_YEARS", "bundled_datasets", "bundled_frameworks", "dataset_meta", "load_dataset",
           "load_framework", "load_merger_weights", "load_mergers", "merger_table_name", "provinces",
           "published_panel", "published_rank_changes", "published_table"]
