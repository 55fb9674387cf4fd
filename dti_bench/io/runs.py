"""Run folders: the one writer (:class:`RunFolder`) and the one reader (:class:`RunReader`).

A run folder holds everything a run computed (README, "What a run does"): ``config.yaml`` (the resolved config),
``manifest.json``, ``framework.yaml`` (the framework the run used, so that no reader guesses the headline),
``scores.csv``, ``ranks.csv``, ``normalised.csv`` and ``weights.csv`` (:mod:`dti_bench.audit`), one or more tables
per analysis, ``figures/`` and ``report.html``. The audit report, the figures and the paper all read run folders
through :class:`RunReader`.
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
from dti_bench.io.files import SYNTHETIC_COLUMN, read_yaml
from dti_bench.model.framework import Framework

#: Columns of run tables that hold codes (units, indicators, factors, variants), read as text.
CODE_COLUMNS = ("unit", "output", "removed", "node", "factor", "parent", "child", "composite", "target", "variant",
                "node_a", "node_b", "group", "indicator")


class RunFolder:
    """A run folder written under a temporary name and renamed into place when complete.

    ``<out>/<name>/<run-id>/`` never overwrites an earlier run. The id is a UTC timestamp plus a short config hash,
    with ``-2``, ``-3``... appended when taken; it is claimed when the run starts (an exclusive claim file), so
    concurrent runs of one config get distinct ids and each manifest names its own folder. The temporary folder
    ``.<run-id>.<pid>.<random>`` is renamed into place at the end (atomic; it fails rather than replace a
    folder). A failed or interrupted run removes its temporary folder and claim (:meth:`abandon`), and the parent
    folder too when that leaves it empty; temporaries of runs whose process has died (killed, power cut) are
    swept by the next run of the same config.

    Parameters
    ----------
    base : Path
        The parent of the run folders of every config (``experiments`` by default on the command line).
    name : str
        The config's name: the run goes into ``base/name/``.
    tag : str
        A short hash of the resolved config, the run id's suffix.

    Raises
    ------
    DataError
        ``base`` is a file, or cannot be created or written (naming the folder and the reason).

    Examples
    --------
    The folder exists under a temporary name until :meth:`commit` renames it into place:

    >>> import tempfile
    >>> from pathlib import Path
    >>> base = Path(tempfile.mkdtemp())
    >>> run = RunFolder(base, "demo", "abc123")
    >>> _ = run.path("notes.txt").write_text("hello", encoding="utf-8")
    >>> [p.name for p in (base / "demo").iterdir() if p.is_dir() and not p.name.startswith(".")]
    []
    >>> final = run.commit()
    >>> final.parent == base / "demo", final.name.endswith("-abc123")
    (True, True)
    >>> (final / "notes.txt").read_text(encoding="utf-8")
    'hello'
    """

    def __init__(self, base: Path, name: str, tag: str) -> None:
        self.parent = Path(base) / name
        self._made_parent = not self.parent.exists()
        self._claim: Path | None = None
        try:
            self.parent.mkdir(parents=True, exist_ok=True)
            sweep_stale(self.parent)
            stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
            self.run_id, self._claim = self._claim_id(f"{stamp}-{tag}")
            self.tmp = Path(tempfile.mkdtemp(prefix=f".{self.run_id}.{os.getpid()}.", dir=self.parent))
            (self.tmp / "figures").mkdir()
        except OSError as exc:
            if self._claim is not None:
                self._claim.unlink(missing_ok=True)
            if self._made_parent:
                _remove_if_empty(self.parent)
            where = exc.filename or self.parent
            raise DataError(f"{where}: cannot create the run folder ({exc.strerror or exc})") from None

    def _claim_id(self, base_id: str) -> tuple[str, Path]:
        """The first free id (no folder and no claim of that name), claimed with an exclusive file."""
        for n in range(1, 1000):
            run_id = base_id if n == 1 else f"{base_id}-{n}"
            if (self.parent / run_id).exists():
                continue
            claim = self.parent / f".{run_id}.claim"
            try:
                fd = os.open(claim, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            except FileExistsError:
                continue
            with os.fdopen(fd, "w") as handle:
                handle.write(f"{os.getpid()}\n")
            return run_id, claim
        raise OSError(f"no free run id under {self.parent}")

    def path(self, name: str) -> Path:
        """Where file ``name`` of the run goes while the run is written."""
        return self.tmp / name

    def commit(self) -> Path:
        """Rename into place under the claimed id; returns the final path. The folder gets the permissions of any
        folder the user makes (the temporary one is private while it is written)."""
        final = self.parent / self.run_id
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(self.tmp, 0o777 & ~umask)
        os.rename(self.tmp, final)  # atomic; refuses to replace a non-empty folder
        if self._claim is not None:
            self._claim.unlink(missing_ok=True)
        return final

    def abandon(self) -> None:
        """Remove the temporary folder and the claim of a run that failed (and the parent if left empty)."""
        shutil.rmtree(self.tmp, ignore_errors=True)
        if self._claim is not None:
            self._claim.unlink(missing_ok=True)
        _remove_if_empty(self.parent)


def _remove_if_empty(folder: Path) -> None:
    try:
        folder.rmdir()  # only succeeds when nothing is in it
    except OSError:
        pass


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's live process
    return True


def sweep_stale(parent: Path) -> list[Path]:
    """Remove the temporary folders and claims left in ``parent`` by runs whose process is gone.

    A temporary folder is ``.<run-id>.<pid>.<random>``, a claim ``.<run-id>.claim`` holding the pid; those of
    live processes (another run in progress) are left alone. Returns what was removed.
    """
    removed = []
    for entry in parent.glob(".*"):
        parts = entry.name[1:].split(".")
        pid = None
        if entry.is_dir() and len(parts) >= 3 and parts[-2].isdigit():
            pid = int(parts[-2])
        elif entry.name.endswith(".claim"):
            try:
                text = entry.read_text().strip()
            except OSError:
                continue
            pid = int(text) if text.isdigit() else None
        if pid is None or pid == os.getpid() or _alive(pid):
            continue
        if entry.is_dir():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)
        removed.append(entry)
    return removed


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
        """The manifest's per-analysis summaries (``outputs``).

        Examples
        --------
        >>> import dti_bench as db, tempfile
        >>> folder = db.Study.from_config({"name": "demo", "data": {"dataset": "dti2022-published-profiles"},
        ...                                "analyses": {"coherence": True},
        ...                                "output": {"figures": "none", "report": False}}).save(tempfile.mkdtemp())
        >>> sorted(db.RunReader(folder).outputs)
        ['coherence']
        """
        return self.manifest.get("outputs") or {}

    @property
    def analyses(self) -> dict[str, Any]:
        """The resolved config's ``analyses`` block.

        Examples
        --------
        >>> import dti_bench as db, tempfile
        >>> folder = db.Study.from_config({"name": "demo", "data": {"dataset": "dti2022-published-profiles"},
        ...                                "analyses": {"coherence": {"threshold": 0.2}},
        ...                                "output": {"figures": "none", "report": False}}).save(tempfile.mkdtemp())
        >>> db.RunReader(folder).analyses["coherence"]
        {'threshold': 0.2}
        """
        return self.config.get("analyses") or {}

    @property
    def synthetic(self) -> bool:
        """Whether the run's data are synthetic (then every statement about units is about the method).

        Examples
        --------
        >>> import dti_bench as db, tempfile
        >>> folder = db.Study.from_config({"name": "demo", "data": {"dataset": "dti2022-synthetic"},
        ...                                "output": {"figures": "none", "report": False}}).save(tempfile.mkdtemp())
        >>> db.RunReader(folder).synthetic
        True
        """
        return bool(self.manifest.get("synthetic"))

    def table(self, name: str, *, all_times: bool = False) -> pd.DataFrame | None:
        """A CSV of the run folder, or None when absent or empty; codes stay strings ('NA', '001').

        A run on panel data writes ``scores.csv`` and ``ranks.csv`` long, with a ``time`` column after ``unit``:
        by default a reader gets the rows of the time point the run's analyses describe (the manifest's
        ``analyses_at``, the latest), without the column, so that every figure and section reads one time point
        as before; ``all_times=True`` gives the whole table.

        Examples
        --------
        >>> import dti_bench as db, tempfile
        >>> folder = db.Study.from_config({"name": "demo", "data": {"dataset": "dti2022-published-profiles"},
        ...                                "output": {"figures": "none", "report": False}}).save(tempfile.mkdtemp())
        >>> run = db.RunReader(folder)
        >>> run.table("ranks.csv")[["unit", "DTI"]]
                     unit  DTI
        0         da_nang    1
        1     ho_chi_minh    2
        2      quang_ninh    3
        3  thua_thien_hue    4
        4         can_tho    5
        >>> run.table("uncertainty.csv") is None
        True
        """
        frame = self._table(name)
        if all_times or frame is None or "time" not in frame.columns or "analyses_at" not in self.manifest:
            return frame
        at = str(self.manifest["analyses_at"])
        return frame[frame["time"].astype(str) == at].drop(columns="time").reset_index(drop=True)

    @property
    def times(self) -> list[Any]:
        """The time points of a run on panel data (the manifest's ``times``), empty for one time point.

        Examples
        --------
        >>> import dti_bench as db, tempfile
        >>> folder = db.Study.from_config({"name": "demo", "data": {"dataset": "dti2022-published-profiles"},
        ...                                "output": {"figures": "none", "report": False}}).save(tempfile.mkdtemp())
        >>> db.RunReader(folder).times
        []
        """
        return list(self.manifest.get("times") or [])

    def _table(self, name: str) -> pd.DataFrame | None:
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
                if frame is not None and SYNTHETIC_COLUMN in frame.columns:
                    frame = frame.drop(columns=SYNTHETIC_COLUMN)  # the manifest says it; readers get the table
                if frame is not None and frame.empty:
                    frame = None
            self._tables[name] = frame
        return self._tables[name]

    def rank_frequency(self, *, all_times: bool = False) -> pd.DataFrame | None:
        """``rank_frequency.csv`` in its long form, ``unit, rank_lo, rank_hi, count, share`` (with ``time`` after
        ``unit`` for a panel and ``all_times``), whichever format the run wrote; None when absent.

        Runs since the memory-linear rank distributions write it long and sparse (one row per unit and rank bin
        that occurred); earlier runs wrote it wide (``unit, rank_1 ... rank_n``, shares): those are read into the
        same rows, nonzero shares only, ``rank_lo = rank_hi`` the rank, and ``count`` empty (Int64 NA: the wide
        table held shares alone).

        Examples
        --------
        >>> import dti_bench as db, tempfile
        >>> folder = db.Study.from_config({"name": "demo", "data": {"dataset": "dti2022-published-profiles"},
        ...     "analyses": {"uncertainty": {"samples": 50, "seed": 1, "factors": [{"path": "weights", "noise": 0.25}]}},
        ...     "output": {"figures": "none", "report": False}}).save(tempfile.mkdtemp())
        >>> freq = db.RunReader(folder).rank_frequency()
        >>> freq.columns.tolist(), int(freq["count"].sum())   # 5 units x 50 samples
        (['unit', 'rank_lo', 'rank_hi', 'count', 'share'], 250)
        """
        frame = self.table("rank_frequency.csv", all_times=all_times)
        if frame is None or "rank_lo" in frame.columns:
            return frame
        rank_columns = [c for c in frame.columns if re.fullmatch(r"rank_\d+", str(c))]
        keys = [c for c in frame.columns if c not in rank_columns]
        long = frame.melt(id_vars=keys, value_vars=rank_columns, var_name="rank_lo", value_name="share")
        long = long[long["share"] > 0].copy()
        long["rank_lo"] = long["rank_lo"].str.removeprefix("rank_").astype("int64")
        long["rank_hi"] = long["rank_lo"]
        long["count"] = pd.array([pd.NA] * len(long), dtype="Int64")
        # the long format's row order: unit by unit (as the run listed them), rank by rank
        order = {u: i for i, u in enumerate(pd.unique(frame["unit"]))}
        long = long.assign(_unit=long["unit"].map(order)).sort_values(
            ["_unit", *[k for k in keys if k != "unit"], "rank_lo"], kind="stable")
        return long[[*keys, "rank_lo", "rank_hi", "count", "share"]].reset_index(drop=True)

    def has(self, *patterns: str) -> bool:
        """Does the folder hold a file matching any of the glob ``patterns``?

        Examples
        --------
        >>> import dti_bench as db, tempfile
        >>> folder = db.Study.from_config({"name": "demo", "data": {"dataset": "dti2022-published-profiles"},
        ...                                "output": {"figures": "none", "report": False}}).save(tempfile.mkdtemp())
        >>> run = db.RunReader(folder)
        >>> run.has("ranks.csv"), run.has("uncertainty.csv", "sensitivity.csv")
        (True, False)
        """
        return any(any(self.path.glob(p)) for p in patterns)

    def files(self, pattern: str) -> list[Path]:
        """The run's files matching a glob pattern, sorted.

        Examples
        --------
        >>> import dti_bench as db, tempfile
        >>> folder = db.Study.from_config({"name": "demo", "data": {"dataset": "dti2022-published-profiles"},
        ...                                "output": {"figures": "none", "report": False}}).save(tempfile.mkdtemp())
        >>> [p.name for p in db.RunReader(folder).files("[rs]*.csv")]
        ['ranks.csv', 'scores.csv']
        """
        return sorted(self.path.glob(pattern))

    def composites(self) -> list[str]:
        """The composites of ``ranks.csv``, in its column order.

        Examples
        --------
        >>> import dti_bench as db, tempfile
        >>> folder = db.Study.from_config({"name": "demo", "data": {"dataset": "dti2022-published-profiles"},
        ...                                "output": {"figures": "none", "report": False}}).save(tempfile.mkdtemp())
        >>> db.RunReader(folder).composites()
        ['DTI', 'digital_government', 'digital_economy', 'digital_society']
        """
        ranks = self.table("ranks.csv")
        return [str(c) for c in ranks.columns[1:]] if ranks is not None else []

    @functools.cached_property
    def framework(self) -> Framework | None:
        """The framework the run used: its ``framework.yaml``; for a folder written before runs stored one, the
        framework its config names, when that can still be loaded and has the run's composites; else None.

        Examples
        --------
        >>> import dti_bench as db, tempfile
        >>> folder = db.Study.from_config({"name": "demo", "data": {"dataset": "dti2022-published-profiles"},
        ...                                "output": {"figures": "none", "report": False}}).save(tempfile.mkdtemp())
        >>> db.RunReader(folder).framework == db.load_framework("dti-provincial-2022")
        True
        """
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
        ran on, else the last column of ranks.csv (composites come in topological order).

        Examples
        --------
        >>> import dti_bench as db, tempfile
        >>> folder = db.Study.from_config({"name": "demo", "data": {"dataset": "dti2022-published-profiles"},
        ...                                "output": {"figures": "none", "report": False}}).save(tempfile.mkdtemp())
        >>> db.RunReader(folder).headline
        'DTI'
        """
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
        """Unit code -> name: from ``units.csv``, else any table of the run that carries names.

        Examples
        --------
        >>> import dti_bench as db, tempfile
        >>> folder = db.Study.from_config({"name": "demo", "data": {"dataset": "dti2022-published-profiles"},
        ...                                "output": {"figures": "none", "report": False}}).save(tempfile.mkdtemp())
        >>> db.RunReader(folder).names()["da_nang"]
        'Đà Nẵng'
        """
        candidates = ["units.csv", "uncertainty.csv",
                      *sorted(f"figures/{p.name}" for p in (self.path / "figures").glob("*.csv"))]
        for name in candidates:
            table = self.table(name)
            if table is not None and {"unit", "name"} <= set(table.columns):
                return {str(u): str(n) for u, n in zip(table["unit"], table["name"]) if pd.notna(n)}
        return {}

    @property
    def run_id(self) -> str:
        """The run's id: the manifest's (a report written before the folder is renamed sees a temporary name).

        Examples
        --------
        The id starts with the run's start time (UTC) and ends with a random tag:

        >>> import dti_bench as db, re, tempfile
        >>> folder = db.Study.from_config({"name": "demo", "data": {"dataset": "dti2022-published-profiles"},
        ...                                "output": {"figures": "none", "report": False}}).save(tempfile.mkdtemp())
        >>> run_id = db.RunReader(folder).run_id
        >>> bool(re.fullmatch(r"[0-9]{8}T[0-9]{6}Z-[0-9a-f]+", run_id)), run_id == folder.name
        (True, True)
        """
        return str(self.manifest.get("run_id") or self.path.name)

    def run_date(self) -> str:
        """When the run started (UTC), from its id; the manifest's file time for a folder without one.

        Examples
        --------
        >>> import dti_bench as db, re, tempfile
        >>> folder = db.Study.from_config({"name": "demo", "data": {"dataset": "dti2022-published-profiles"},
        ...                                "output": {"figures": "none", "report": False}}).save(tempfile.mkdtemp())
        >>> bool(re.fullmatch(r"[0-9-]{10} [0-9:]{8} UTC", db.RunReader(folder).run_date()))
        True
        """
        match = re.match(r"(\d{8}T\d{6}Z)", self.run_id)
        if match:
            when = datetime.strptime(match.group(1), "%Y%m%dT%H%M%SZ")
            return when.strftime("%Y-%m-%d %H:%M:%S UTC")
        stamp = (self.path / "manifest.json").stat().st_mtime
        return datetime.fromtimestamp(stamp, timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC (file time)")

    def __repr__(self) -> str:
        return f"RunReader({str(self.path)!r})"


__all__ = ["CODE_COLUMNS", "RunFolder", "RunReader", "sweep_stale"]
