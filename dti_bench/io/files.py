"""The only module that touches files: CSV and YAML, bundled data and frameworks, COINr tables, run folders.

Bundled datasets live in ``dti_bench/datasets/<folder>/`` with a ``meta.yaml`` (name, provenance, framework,
``synthetic`` flag) beside either a ``data.csv`` or a ``view:`` of the bundled published DTI tables (so published
numbers are stored once). Bundled frameworks are ``dti_bench/frameworks/*.yaml``.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Mapping
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from dti_bench.model.dataset import Dataset
from dti_bench.errors import ConfigError, DataError, FrameworkError, choices
from dti_bench.model.framework import Framework

PACKAGE_DIR = Path(__file__).resolve().parents[1]
DATASETS_DIR = PACKAGE_DIR / "datasets"
FRAMEWORKS_DIR = PACKAGE_DIR / "frameworks"
PUBLISHED_DIR = DATASETS_DIR / "dti_published"


def read_yaml(path: str | Path) -> Any:
    """Parse a YAML file; a missing file or a syntax error is a ConfigError naming the file (and line)."""
    import yaml

    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise ConfigError(f"{path}: is a directory, not a YAML file") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        raise ConfigError(f"{path}:{where}: invalid YAML ({getattr(exc, 'problem', None) or exc})") from None


# -- tables ---------------------------------------------------------------------------------------------------

def read_table(path: str | Path) -> pd.DataFrame:
    """Read a CSV as strings (cells are validated by the caller, which names the row and column).

    Raises DataError for a missing, empty or unparsable file.
    """
    path = Path(path)
    if not path.exists():
        raise DataError(f"{path}: no such file")
    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except pd.errors.EmptyDataError:
        raise DataError(f"{path}: the file is empty") from None
    except pd.errors.ParserError as exc:
        raise DataError(f"{path}: malformed CSV ({str(exc).strip().splitlines()[-1]})") from None
    except UnicodeDecodeError:
        raise DataError(f"{path}: not UTF-8 text") from None
    dup = [c for c in table.columns if "." in c and c.rsplit(".", 1)[0] in table.columns]
    if dup:
        raise DataError(f"{path}: duplicate column {dup[0].rsplit('.', 1)[0]!r}")
    empty = [c for c in table.columns if str(c).startswith("Unnamed:")]
    if empty:
        raise DataError(f"{path}: a column has no header (position {list(table.columns).index(empty[0]) + 1})")
    return table


def write_csv(frame: pd.DataFrame, path: Path, *, index: bool = False) -> None:
    """Write a CSV with a fixed float format (so that equal numbers give byte-identical files)."""
    frame.to_csv(path, index=index, float_format="%.10g", lineterminator="\n")


def write_json(obj: Any, path: Path) -> None:
    path.write_text(json.dumps(obj, indent=2, ensure_ascii=False, sort_keys=False, default=_json_default) + "\n",
                    encoding="utf-8")


def _json_default(obj: Any) -> Any:
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, (np.floating,)):
        return float(obj)
    if isinstance(obj, (np.ndarray, tuple)):
        return list(obj)
    if isinstance(obj, Path):
        return str(obj)
    raise TypeError(f"cannot serialise {type(obj).__name__}")


def write_yaml(obj: Any, path: Path) -> None:
    import yaml

    path.write_text(yaml.safe_dump(obj, sort_keys=False, allow_unicode=True), encoding="utf-8")


# -- frameworks -----------------------------------------------------------------------------------------------

def bundled_frameworks() -> dict[str, Path]:
    """Name -> path of every bundled framework YAML (the merger tables are not frameworks)."""
    out = {}
    for path in sorted(FRAMEWORKS_DIR.glob("*.yaml")):
        spec = read_yaml(path)
        if isinstance(spec, Mapping) and ("indicators" in spec or "extends" in spec):
            out[str(spec.get("name", path.stem))] = path
    return out


def load_framework(ref: str | Path) -> Framework:
    """A bundled framework by name, or a framework file: ``.yaml``/``.yml`` (our shape) or ``.csv`` (COINr iMeta)."""
    if isinstance(ref, str) and not ref.endswith((".yaml", ".yml", ".csv")):
        known = bundled_frameworks()
        if ref not in known:
            raise ConfigError(f"unknown framework {ref!r}; valid choices: {choices(known)} (or a path to an "
                              f"iMeta CSV or framework YAML)")
        return _framework_file(known[ref])
    return _framework_file(Path(ref))


@lru_cache(maxsize=32)
def _framework_file(path: Path) -> Framework:
    if not path.exists():
        raise FrameworkError(f"{path}: no such file")
    if path.suffix == ".csv":
        table = read_table(path)
        table = table.replace("", np.nan)
        return Framework.from_imeta(table, name=path.stem, source=str(path))
    return Framework.from_dict(_resolve_extends(read_yaml(path), path), source=str(path))


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


def load_mergers(name: str = "mergers-2025") -> dict[str, list[str]]:
    """A merger table (new unit -> former units), e.g. the 2025 provincial arrangement."""
    path = FRAMEWORKS_DIR / f"{name}.yaml"
    if not path.exists():
        known = sorted(p.stem for p in FRAMEWORKS_DIR.glob("mergers-*.yaml"))
        raise ConfigError(f"data.merge: unknown merger table {name!r}; valid choices: {choices(known)}")
    return {k: list(v) for k, v in read_yaml(path)["units"].items()}


# -- datasets -------------------------------------------------------------------------------------------------

@lru_cache(maxsize=1)
def bundled_datasets() -> dict[str, dict[str, Any]]:
    """Name -> metadata (with its folder under ``_dir``) of every bundled dataset."""
    out: dict[str, dict[str, Any]] = {}
    for meta_path in sorted(DATASETS_DIR.glob("*/meta.yaml")):
        meta = read_yaml(meta_path)
        meta["_dir"] = meta_path.parent
        out[str(meta["name"])] = meta
    return out


def dataset_meta(name: str) -> dict[str, Any]:
    known = bundled_datasets()
    if name not in known:
        raise ConfigError(f"unknown dataset {name!r}; valid choices: {choices(known)}")
    return known[name]


def load_dataset(name: str, framework: Framework | None = None) -> Dataset:
    """A bundled dataset, validated against ``framework`` (default: the one its metadata names)."""
    meta = dataset_meta(name)
    framework = framework or load_framework(meta["framework"])
    public = {k: v for k, v in meta.items() if not k.startswith("_")}
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


def load_idata(path: str | Path, framework: Framework, *, unit_column: str = "uCode",
               name_column: str | None = "uName", groups: tuple[str, ...] = (),
               denominators: tuple[str, ...] = ()) -> Dataset:
    """A COINr iData table (or any CSV with a unit column) validated against ``framework``."""
    path = Path(path)
    table = read_table(path)
    if "Time" in table.columns and table["Time"].nunique() > 1:
        raise DataError(f"{path}: column 'Time' has {table['Time'].nunique()} values; dti_bench builds one time "
                        f"point per run, so filter the table to one 'Time' first")
    return Dataset.from_frame(table, framework=framework, unit_column=unit_column, name_column=name_column,
                              group_columns=groups, denominator_columns=denominators, name=path.stem,
                              source=str(path), meta={"source": str(path)})


@lru_cache(maxsize=1)
def provinces() -> pd.DataFrame:
    """The 63 provinces (GSO code, names with and without diacritics, slug, region), as bundled (S52, S51)."""
    return read_table(PUBLISHED_DIR / "provinces.csv")


def published_table(name: str) -> pd.DataFrame:
    """A bundled published DTI table by file stem (``dti_provincial_2022`` ...), strings as published."""
    path = PUBLISHED_DIR / f"{name}.csv"
    if not path.exists():
        known = sorted(p.stem for p in PUBLISHED_DIR.glob("dti_provincial_*.csv"))
        raise ConfigError(f"unknown published table {name!r}; valid choices: {choices(known)}")
    return read_table(path)


# -- run folders ----------------------------------------------------------------------------------------------

class RunFolder:
    """A run folder written under a temporary name and renamed into place when complete.

    ``experiments/<name>/<run-id>/`` never overwrites an earlier run: the id is a UTC timestamp plus a short
    config hash, with ``-2``, ``-3``... appended if that name is taken; the final rename is atomic and fails
    rather than replace an existing folder. A failed run leaves only its hidden temporary folder behind,
    which :meth:`abandon` removes.
    """

    def __init__(self, base: Path, name: str, tag: str) -> None:
        self.parent = Path(base) / name
        self.parent.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        self.run_id = f"{stamp}-{tag}"
        self.tmp = Path(tempfile.mkdtemp(prefix=f".{self.run_id}.", dir=self.parent))
        (self.tmp / "figures").mkdir()

    def path(self, name: str) -> Path:
        return self.tmp / name

    def commit(self) -> Path:
        """Rename into place under a free name; returns the final path."""
        for n in range(1, 1000):
            final = self.parent / (self.run_id if n == 1 else f"{self.run_id}-{n}")
            if final.exists():
                continue
            try:
                os.rename(self.tmp, final)  # atomic; refuses to replace a non-empty folder
            except OSError:
                continue
            return final
        raise OSError(f"could not find a free run folder name under {self.parent}")

    def abandon(self) -> None:
        shutil.rmtree(self.tmp, ignore_errors=True)
