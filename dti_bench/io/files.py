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


#: The largest YAML file read (configs, frameworks, metadata are small text files): a bound on what a hostile or
#: mistaken file can cost before it is refused.
MAX_YAML_BYTES = 4 * 2 ** 20
#: Aliases a YAML document may use, and how deep its collections may nest: a few-hundred-byte "alias bomb" that
#: expands to gigabytes, or a 20,000-level nested list, is refused instead of exhausting memory or the stack.
MAX_YAML_ALIASES = 100
MAX_YAML_DEPTH = 64
#: Nodes a document may hold once its aliases are expanded (what a reader that walks it would visit).
MAX_YAML_NODES = 1_000_000


def _loader():
    """A safe YAML loader (no Python tags) that also refuses duplicate keys, alias bombs and deep nesting."""
    import yaml

    class Loader(_safe_base()):
        def __init__(self, stream: str) -> None:
            super().__init__(stream)
            self._aliases = 0
            self._depth = 0

        def compose_node(self, parent, index):  # type: ignore[no-untyped-def]
            if self.check_event(yaml.AliasEvent):
                self._aliases += 1
                if self._aliases > MAX_YAML_ALIASES:
                    raise yaml.YAMLError(f"more than {MAX_YAML_ALIASES} aliases (*name)")
            self._depth += 1
            try:
                if self._depth > MAX_YAML_DEPTH:
                    raise yaml.YAMLError(f"collections nested more than {MAX_YAML_DEPTH} deep")
                return super().compose_node(parent, index)
            finally:
                self._depth -= 1

        def construct_document(self, node):  # type: ignore[no-untyped-def]
            # nine aliases of nine aliases ... share nodes, so composing is cheap, but anything that walks the
            # result (hashing, copying, validating) visits every expanded node: bound that number first
            sizes: dict[int, int] = {}

            def size(n) -> int:  # type: ignore[no-untyped-def]
                if id(n) not in sizes:
                    sizes[id(n)] = 1  # a recursive alias counts once
                    if isinstance(n, yaml.SequenceNode):
                        sizes[id(n)] = 1 + sum(size(c) for c in n.value)
                    elif isinstance(n, yaml.MappingNode):
                        sizes[id(n)] = 1 + sum(size(k) + size(v) for k, v in n.value)
                return sizes[id(n)]

            if size(node) > MAX_YAML_NODES:
                raise yaml.YAMLError(f"its aliases expand to more than {MAX_YAML_NODES:,} nodes")
            return super().construct_document(node)

        def construct_mapping(self, node, deep=False):  # type: ignore[no-untyped-def]
            seen: dict = {}
            for key_node, _ in node.value:
                key = self.construct_object(key_node, deep=True)
                try:
                    first = seen.get(key)
                except TypeError:  # an unhashable key: the base class reports it
                    break
                if first is not None:
                    raise yaml.constructor.ConstructorError(
                        None, None, f"duplicate key {key!r} (first on line {first + 1}; the later one would "
                                    f"silently win)", key_node.start_mark)
                seen[key] = key_node.start_mark.line
            return super().construct_mapping(node, deep=deep)

    return Loader


def _safe_base() -> type:
    """yaml.SafeLoader, with libyaml's scanner and parser in place of PyYAML's Python ones where PyYAML has them.

    Why: reading the config, the bundled frameworks and the dataset metadata took 0.06 s of CPU of every run
    (four times a whole `dti-bench --help`), nearly all in the Python scanner and parser; with libyaml's, 0.014 s. Composing (the nodes, anchors and
    aliases) and constructing (the values) stay PyYAML's Python code, not ``CSafeLoader``'s C composer, so that the
    alias, depth and duplicate-key checks of :func:`_loader` see every node as before; the documents are equal.
    """
    import yaml
    from yaml.composer import Composer
    from yaml.constructor import SafeConstructor
    from yaml.resolver import Resolver

    try:
        from yaml._yaml import CParser
    except ImportError:  # PyYAML built without libyaml
        return yaml.SafeLoader

    class Base(CParser, Composer, SafeConstructor, Resolver):  # type: ignore[misc]
        def __init__(self, stream: str) -> None:
            CParser.__init__(self, stream)
            Composer.__init__(self)
            SafeConstructor.__init__(self)
            Resolver.__init__(self)

        # CParser defines these three in C, on its own composer; take Composer's (which read CParser's events)
        check_node = Composer.check_node
        get_node = Composer.get_node
        get_single_node = Composer.get_single_node

    return Base


def read_yaml(path: str | Path) -> Any:
    r"""Parse a YAML file safely: no Python tags, no duplicate keys, at most :data:`MAX_YAML_BYTES`,
    :data:`MAX_YAML_ALIASES` aliases and :data:`MAX_YAML_DEPTH` levels of nesting.

    Parameters
    ----------
    path : str or Path

    Returns
    -------
    object
        The document (a mapping for configs and frameworks).

    Raises
    ------
    ConfigError
        One line naming the file (and the line of a syntax error): missing, unreadable, a folder, not UTF-8,
        too large, invalid YAML, a duplicate key.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "c.yaml"
    >>> _ = p.write_text("name: x\nname: y\n")
    >>> read_yaml(p)
    Traceback (most recent call last):
    ...
    dti_bench.errors.ConfigError: ...c.yaml: line 2: invalid YAML (duplicate key 'name' (first on line 1; the later one would silently win))
    """
    import yaml

    path = Path(path)
    try:
        if path.stat().st_size > MAX_YAML_BYTES:
            raise ConfigError(f"{path}: {path.stat().st_size:,} bytes, more than the {MAX_YAML_BYTES:,} a config, "
                              f"framework or metadata file may have")
        text = path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise ConfigError(f"{path}: is a directory, not a YAML file") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text (is it a YAML file?)") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    if "\x00" in text:
        raise ConfigError(f"{path}: holds a NUL character (is it a YAML file?)")
    try:
        return yaml.load(text, Loader=_loader())  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}:" if mark is not None else ""
        problem = getattr(exc, "problem", None) or exc
        if problem == "exceeded maximum nesting depth":  # libyaml's own limit (1,000) met before ours: say ours
            problem = f"collections nested more than {MAX_YAML_DEPTH} deep"
        raise ConfigError(f"{path}:{where} invalid YAML ({problem})") from None
    except RecursionError:
        raise ConfigError(f"{path}: invalid YAML (nested too deeply)") from None


# -- tables ---------------------------------------------------------------------------------------------------

def read_table(path: str | Path) -> pd.DataFrame:
    """Read a CSV as strings (cells are validated by the caller, which names the row and column).

    Raises DataError for a missing, empty or unparsable file.

    Examples
    --------
    Every cell stays a string, so codes such as ``001`` keep their zeros:

    >>> import pandas as pd, tempfile
    >>> from pathlib import Path
    >>> path = Path(tempfile.mkdtemp()) / "units.csv"
    >>> pd.DataFrame({"code": ["001", "002"], "value": ["2.5", ""]}).to_csv(path, index=False)
    >>> read_table(path).to_dict("records")
    [{'code': '001', 'value': '2.5'}, {'code': '002', 'value': ''}]
    """
    path = Path(path)
    if not path.exists():
        raise DataError(f"{path}: no such file")
    if path.is_dir():
        raise DataError(f"{path}: is a directory, not a CSV file")
    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except pd.errors.EmptyDataError:
        raise DataError(f"{path}: the file is empty") from None
    except pd.errors.ParserError as exc:
        raise DataError(f"{path}: malformed CSV ({str(exc).strip().splitlines()[-1]})") from None
    except UnicodeDecodeError:
        raise DataError(f"{path}: not UTF-8 text") from None
    except OSError as exc:
        raise DataError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    dup = [c for c in table.columns if "." in c and c.rsplit(".", 1)[0] in table.columns]
    if dup:
        raise DataError(f"{path}: duplicate column {dup[0].rsplit('.', 1)[0]!r}")
    empty = [c for c in table.columns if str(c).startswith("Unnamed:")]
    if empty:
        raise DataError(f"{path}: a column has no header (position {list(table.columns).index(empty[0]) + 1})")
    return table


#: The column every CSV of a run made from synthetic data carries (last), so that no table lifted out of a run
#: folder loses what its numbers describe.
SYNTHETIC_COLUMN = "synthetic"


def write_csv(frame: pd.DataFrame, path: Path, *, index: bool = False, synthetic: bool = False) -> None:
    """Write a CSV whose floats round-trip exactly (the shortest repr that reads back as the same double), so
    that equal numbers give byte-identical files and a check through the files loses nothing.

    Parameters
    ----------
    frame : DataFrame
    path : Path
    index : bool
        Write the index as the first column.
    synthetic : bool
        Add a last column ``synthetic`` (True on every row): the data the numbers come from are synthetic.

    Examples
    --------
    >>> import pandas as pd, tempfile
    >>> from pathlib import Path
    >>> path = Path(tempfile.mkdtemp()) / "scores.csv"
    >>> write_csv(pd.DataFrame({"unit": ["A", "B"], "score": [0.1 + 0.2, 1 / 3]}), path, synthetic=True)
    >>> print(path.read_text(encoding="utf-8"), end="")
    unit,score,synthetic
    A,0.30000000000000004,True
    B,0.3333333333333333,True
    >>> float(pd.read_csv(path)["score"][0]) == 0.1 + 0.2
    True
    """
    if synthetic:
        frame = frame.assign(**{SYNTHETIC_COLUMN: True})
    frame.to_csv(path, index=index, lineterminator="\n")


def write_json(obj: Any, path: Path) -> None:
    """Write ``obj`` as indented UTF-8 JSON (numpy numbers and arrays, tuples and paths as plain values).

    Examples
    --------
    >>> import numpy as np, tempfile
    >>> from pathlib import Path
    >>> path = Path(tempfile.mkdtemp()) / "manifest.json"
    >>> write_json({"n": np.int64(3), "ranks": np.array([1, 2]), "name": "Đà Nẵng"}, path)
    >>> print(path.read_text(encoding="utf-8"), end="")
    {
      "n": 3,
      "ranks": [
        1,
        2
      ],
      "name": "Đà Nẵng"
    }
    """
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
    """Write ``obj`` as YAML, keys in their own order and non-ASCII text as it is.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> path = Path(tempfile.mkdtemp()) / "config.yaml"
    >>> write_yaml({"name": "demo", "data": {"dataset": "dti2022-synthetic"}, "unit": "Đà Nẵng"}, path)
    >>> print(path.read_text(encoding="utf-8"), end="")
    name: demo
    data:
      dataset: dti2022-synthetic
    unit: Đà Nẵng
    >>> read_yaml(path)["data"]
    {'dataset': 'dti2022-synthetic'}
    """
    import yaml

    path.write_text(yaml.safe_dump(obj, sort_keys=False, allow_unicode=True), encoding="utf-8")


__all__ = ["SYNTHETIC_COLUMN", "read_table", "read_yaml", "write_csv", "write_json", "write_yaml"]
