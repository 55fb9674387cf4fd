"""Run folders: the one writer (:class:`RunFolder`) and the one reader (:class:`RunReader`).

A run folder holds everything a run computed (README, "What a run does"): ``config.yaml`` (the resolved config),
``manifest.json``, ``framework.yaml`` (the framework the run used, so that no reader guesses the headline),
``scores.csv``, ``ranks.csv``, one or more tables per analysis, ``figures/`` and ``report.html``. The audit report,
the figures and the paper all read run folders through :class:`RunReader`.
"""

from __future__ import annotations

import functools
import json
import os
import re
import shutil
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pandas as pd

from dti_bench.errors import DataError, UserError
from dti_bench.io.files import read_yaml
from dti_bench.model.framework import Framework

#: Columns of run tables that hold codes (units, indicators, factors, variants), read as text.
CODE_COLUMNS = ("unit", "output", "removed", "node", "factor", "parent", "child", "composite", "target", "variant",
                "node_a", "node_b", "group")


class RunFolder:
    """A run folder written under a temporary name and renamed into place when complete.

    ``<out>/<name>/<run-id>/`` never overwrites an earlier run: the id is a UTC timestamp plus a short config
    hash, with ``-2``, ``-3``... appended if that name is taken; the final rename is atomic and fails rather than
    replace an existing folder. A failed run leaves only its hidden temporary folder behind, which
    :meth:`abandon` removes.

    Parameters
    ----------
    base : Path
        The parent of the run folders of every config (``experiments`` by default on the command line).
    name : str
        The config's name: the run goes into ``base/name/``.
    tag : str
        A short hash of the resolved config, the run id's suffix.
    """

    def __init__(self, base: Path, name: str, tag: str) -> None:
        self.parent = Path(base) / name
        self.parent.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        self.run_id = f"{stamp}-{tag}"
        self.tmp = Path(tempfile.mkdtemp(prefix=f".{self.run_id}.", dir=self.parent))
        (self.tmp / "figures").mkdir()

    def path(self, name: str) -> Path:
        """Where file ``name`` of the run goes while the run is written."""
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
        """Remove the temporary folder of a run that failed."""
        shutil.rmtree(self.tmp, ignore_errors=True)


class RunReader:
    """A run folder's manifest, resolved config, framework and tables, read once and on demand.

    Every file except ``manifest.json`` is optional (a run writes only what its config asks for): a table that is
    absent reads as None.

    Parameters
    ----------
    path : str or Path
        A run folder (holding ``manifest.json``).

    Raises
    ------
    DataError
        ``path`` does not exist, is not a folder, or holds no readable ``manifest.json``.

    Examples
    --------
    >>> import dti_bench as db, tempfile
    >>> folder = db.Study.from_config({"name": "demo", "data": {"dataset": "dti2022-published-profiles"},
    ...                                "output": {"figures": "none", "report": False}}).save(tempfile.mkdtemp())
    >>> run = RunReader(folder)
    >>> run.headline, run.table("ranks.csv").shape
    ('DTI', (5, 5))
    """

    def __init__(self, path: str | Path) -> None:
        path = Path(path)
        if not path.exists():
            raise DataError(f"{path}: no such folder")
        if not path.is_dir():
            raise DataError(f"{path}: not a folder (expected a run folder holding manifest.json)")
        manifest = path / "manifest.json"
        if not manifest.is_file():
            inner = sorted(p.parent for p in path.glob("*/manifest.json"))
            hint = f"; it holds run folders, e.g. {inner[-1]}" if inner else ""
            raise DataError(f"{path}: not a run folder (no manifest.json){hint}")
        self.path = path
        try:
            self.manifest_text = manifest.read_text(encoding="utf-8")
            self.manifest: dict[str, Any] = json.loads(self.manifest_text)
        except UnicodeDecodeError:
            raise DataError(f"{manifest}: not UTF-8 text") from None
        except json.JSONDecodeError as exc:
            raise DataError(f"{manifest}: invalid JSON (line {exc.lineno}: {exc.msg})") from None
        if not isinstance(self.manifest, dict):
            raise DataError(f"{manifest}: expected a JSON object")
        config = path / "config.yaml"
        self.config_text = config.read_text(encoding="utf-8") if config.is_file() else ""
        parsed = read_yaml(config) if config.is_file() else None
        self.config: dict[str, Any] = parsed if isinstance(parsed, dict) else {}
        self._tables: dict[str, pd.DataFrame | None] = {}

    # -- what the run holds ------------------------------------------------------------------------------------
    @property
    def outputs(self) -> dict[str, Any]:
        """The manifest's per-analysis summaries (``outputs``)."""
        return self.manifest.get("outputs") or {}

    @property
    def analyses(self) -> dict[str, Any]:
        """The resolved config's ``analyses`` block."""
        return self.config.get("analyses") or {}

    @property
    def synthetic(self) -> bool:
        """Whether the run's data are synthetic (then every statement about units is about the method)."""
        return bool(self.manifest.get("synthetic"))

    def table(self, name: str) -> pd.DataFrame | None:
        """A CSV of the run folder, or None when absent or empty; codes stay strings ('NA', '001')."""
        if name not in self._tables:
            path = self.path / name
            frame = None
            if path.is_file():
                try:
                    frame = pd.read_csv(path, keep_default_na=False, na_values=[""],
                                        dtype={c: str for c in CODE_COLUMNS})
                except pd.errors.EmptyDataError:
                    frame = None
                except (pd.errors.ParserError, UnicodeDecodeError) as exc:
                    raise DataError(f"{path}: unreadable CSV ({str(exc).strip().splitlines()[-1]})") from None
                if frame is not None and frame.empty:
                    frame = None
            self._tables[name] = frame
        return self._tables[name]

    def has(self, *patterns: str) -> bool:
        """Does the folder hold a file matching any of the glob ``patterns``?"""
        return any(any(self.path.glob(p)) for p in patterns)

    def files(self, pattern: str) -> list[Path]:
        """The run's files matching a glob pattern, sorted."""
        return sorted(self.path.glob(pattern))

    def composites(self) -> list[str]:
        """The composites of ``ranks.csv``, in its column order."""
        ranks = self.table("ranks.csv")
        return [str(c) for c in ranks.columns[1:]] if ranks is not None else []

    @functools.cached_property
    def framework(self) -> Framework | None:
        """The framework the run used: its ``framework.yaml``; for a folder written before runs stored one, the
        framework its config names, when that can still be loaded and has the run's composites; else None."""
        stored = self.path / "framework.yaml"
        if stored.is_file():
            return Framework.from_dict(read_yaml(stored), source=str(stored))
        from dti_bench.io.bundled import dataset_meta, load_framework

        data = self.config.get("data") or {}
        refs = [data.get("framework")]
        if data.get("dataset") is not None:
            try:
                refs.append(dataset_meta(str(data["dataset"])).get("framework"))
            except UserError:
                pass
        refs.append(self.manifest.get("framework"))
        for ref in refs:
            if not ref:
                continue
            try:
                fw = load_framework(str(ref))
            except (UserError, OSError):
                continue
            if set(fw.composites) == set(self.composites()):
                return fw
        return None

    @functools.cached_property
    def headline(self) -> str | None:
        """The headline composite: the framework's; for an old folder without a framework, the node the analyses
        ran on, else the last column of ranks.csv (composites come in topological order)."""
        composites = self.composites()
        if not composites:
            return None
        if self.framework is not None and self.framework.headline in composites:
            return self.framework.headline
        analysed = [(self.outputs.get(k) or {}).get("node") for k in ("uncertainty", "sensitivity")]
        loo = self.table("removal_summary.csv")
        if loo is not None and "node" in loo:
            analysed += [str(n) for n in pd.unique(loo["node"])]
        for node in analysed:
            if node in composites:
                return str(node)
        return composites[-1]

    def names(self) -> dict[str, str]:
        """Unit code -> name: from ``units.csv``, else any table of the run that carries names."""
        candidates = ["units.csv", "uncertainty.csv",
                      *sorted(f"figures/{p.name}" for p in (self.path / "figures").glob("*.csv"))]
        for name in candidates:
            table = self.table(name)
            if table is not None and {"unit", "name"} <= set(table.columns):
                return {str(u): str(n) for u, n in zip(table["unit"], table["name"]) if pd.notna(n)}
        return {}

    @property
    def run_id(self) -> str:
        """The run's id: the manifest's (a report written before the folder is renamed sees a temporary name)."""
        return str(self.manifest.get("run_id") or self.path.name)

    def run_date(self) -> str:
        """When the run started (UTC), from its id; the manifest's file time for a folder without one."""
        match = re.match(r"(\d{8}T\d{6}Z)", self.run_id)
        if match:
            when = datetime.strptime(match.group(1), "%Y%m%dT%H%M%SZ")
            return when.strftime("%Y-%m-%d %H:%M:%S UTC")
        stamp = (self.path / "manifest.json").stat().st_mtime
        return datetime.fromtimestamp(stamp, timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC (file time)")

    def __repr__(self) -> str:
        return f"RunReader({str(self.path)!r})"


__all__ = ["CODE_COLUMNS", "RunFolder", "RunReader"]
