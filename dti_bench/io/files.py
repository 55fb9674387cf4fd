"""Reading and writing files: CSV and YAML, with the errors a user can act on.

Every reader turns a missing, unreadable or malformed file into a :class:`~dti_bench.errors.UserError` naming the
file (and the line, row or column); the writers give byte-identical files for equal inputs.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from dti_bench.errors import ConfigError, DataError


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


__all__ = ["read_table", "read_yaml", "write_csv", "write_json", "write_yaml"]
