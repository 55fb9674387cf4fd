"""Experiment configs: load, validate, resolve. Strings become functions here, once.

Every user error raises :class:`~dti_bench.errors.ConfigError` with the file, the dotted key and the valid
choices, e.g. ``configs/x.yaml: methodology.normalise: unknown method 'minmx'; valid choices: 'none', ...``.

The methodology block (every key optional; defaults in :data:`METHODOLOGY_DEFAULTS`)::

    denominate: false | true
    screen:     none | {min_coverage: 0.9, max_zero_share: 1.0, include: [...], exclude: [...]}
    impute:     none | mean | median | {method: group_mean, group: COLUMN} | ...
    treat:      none | {method: winsorise, winmax: 5, skew: 2, kurtosis: 3.5}
    normalise:  none | minmax | {method: minmax, lo: 0, hi: 1} | {default: METHOD, CODE: METHOD, ...}
    weights:    nominal | equal | {method: pca} | {CODE: weight, ...}
    aggregate:  arithmetic | {method: power, p: 0.5} | {LEVEL_OR_NODE_CODE: METHOD, ..., default: METHOD}
    steps:      [denominate, impute, screen, treat]
    round:      null | 4
"""

from __future__ import annotations

import copy
import inspect
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dti_bench.errors import ConfigError, choices
from dti_bench.io import read_yaml
from dti_bench.model.methodology import (METHODOLOGY_DEFAULTS, parse_methodology)

TOP_LEVEL_KEYS = ("name", "description", "data", "methodology", "analyses", "output")
DATA_KEYS = ("dataset", "indicators", "external", "year", "framework", "unit_column", "name_column", "groups",
             "denominators", "root", "reference", "merge")
#: The environment variable naming the folder of third-party data (PAPI, PCI, BLI), when data.root is not given.
DATA_ENV = "DTI_BENCH_DATA"
ANALYSIS_KEYS = ("grid", "uncertainty", "sensitivity", "importance", "coherence", "stability", "weight_map")


# -- the experiment config ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class DataSpec:
    """Where the data come from: a bundled dataset, or COINr-style CSVs (paths resolved, variables expanded)."""

    dataset: str | None = None
    indicators: Path | None = None
    external: str | None = None
    year: int | None = None
    root: Path | None = None
    framework: str | Path | None = None
    unit_column: str = "uCode"
    name_column: str | None = "uName"
    groups: tuple[str, ...] = ()
    denominators: tuple[str, ...] = ()
    reference: str | Path | None = None
    merge: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key in DATA_KEYS:
            val = getattr(self, key, None)
            if val not in (None, ()):
                out[key] = list(val) if isinstance(val, tuple) else str(val) if isinstance(val, Path) else val
        return out


@dataclass(frozen=True)
class Config:
    """A validated experiment config. ``methodology`` is the raw block (parsed against the framework later)."""

    name: str
    path: Path | None
    data: DataSpec
    methodology: Mapping[str, Any] = field(default_factory=dict)
    analyses: Mapping[str, Any] = field(default_factory=dict)
    description: str = ""
    source: str = "config"


def load_config(path: str | Path) -> Config:
    """Read and validate an experiment config file."""
    path = Path(path)
    return parse_config(read_yaml(path), path=path)


def parse_config(raw: Any, *, path: Path | None = None) -> Config:
    """Validate a config mapping (top-level keys, the data block, the shape of analyses)."""
    src = str(path) if path else "config"
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{src}: a config must be a mapping with keys {choices(TOP_LEVEL_KEYS)}")
    unknown = [k for k in raw if k not in TOP_LEVEL_KEYS]
    if unknown:
        raise ConfigError(f"{src}: unknown key {unknown[0]!r}; valid keys: {choices(TOP_LEVEL_KEYS)}")
    name = raw.get("name") or (path.stem if path else None)
    if not isinstance(name, str) or not name or any(c in name for c in "/\\ "):
        raise ConfigError(f"{src}: name: expected a name without spaces or slashes, got {name!r}")
    data = _parse_data(raw.get("data"), src, path)
    methodology = raw.get("methodology") or {}
    if not isinstance(methodology, Mapping):
        raise ConfigError(f"{src}: methodology: expected a mapping of {choices(METHODOLOGY_DEFAULTS)}")
    parse_methodology(methodology, where=f"{src}: methodology")  # shape check now; codes checked with the framework
    analyses = raw.get("analyses") or {}
    if not isinstance(analyses, Mapping):
        raise ConfigError(f"{src}: analyses: expected a mapping of {choices(ANALYSIS_KEYS)}")
    unknown = [k for k in analyses if k not in ANALYSIS_KEYS]
    if unknown:
        raise ConfigError(f"{src}: analyses: unknown analysis {unknown[0]!r}; valid choices: {choices(ANALYSIS_KEYS)}")
    if "grid" in analyses:
        parse_grid(analyses["grid"], f"{src}: analyses.grid")
    return Config(name=name, path=path, data=data, methodology=dict(methodology), analyses=dict(analyses),
                  description=str(raw.get("description") or ""), source=src)


def _expand(value: str, src: str, key: str) -> str:
    expanded = os.path.expandvars(value)
    if "$" in expanded:
        var = expanded[expanded.index("$"):].split("/")[0]
        raise ConfigError(f"{src}: data.{key}: environment variable {var} is not set")
    return expanded


def _parse_data(block: Any, src: str, path: Path | None) -> DataSpec:
    if not isinstance(block, Mapping):
        raise ConfigError(f"{src}: data: expected a mapping with 'dataset' (a bundled dataset) or 'indicators' "
                          f"and 'framework' (CSV files)")
    unknown = [k for k in block if k not in DATA_KEYS]
    if unknown:
        raise ConfigError(f"{src}: data: unknown key {unknown[0]!r}; valid keys: {choices(DATA_KEYS)}")
    base = path.parent if path else Path.cwd()
    root = block.get("root")
    root_path = None
    if root is not None:
        root_path = Path(_expand(str(root), src, "root"))
        root_path = root_path if root_path.is_absolute() else base / root_path
        base = root_path
    elif os.environ.get(DATA_ENV):
        root_path = Path(os.environ[DATA_ENV])

    def as_path(key: str) -> Path | None:
        val = block.get(key)
        if val is None:
            return None
        p = Path(_expand(str(val), src, key))
        return p if p.is_absolute() else base / p

    dataset = block.get("dataset")
    indicators = as_path("indicators")
    external = block.get("external")
    if sum(v is not None for v in (dataset, indicators, external)) != 1:
        raise ConfigError(f"{src}: data: give exactly one of 'dataset' (a bundled dataset; `dti-bench datasets` "
                          f"lists them), 'indicators' (an iData CSV) or 'external' (third-party data read from the "
                          f"data folder: data.root or ${DATA_ENV})")
    year = block.get("year")
    if year is not None and (isinstance(year, bool) or not isinstance(year, int)):
        raise ConfigError(f"{src}: data.year: expected a year such as 2019, got {year!r}")
    framework = block.get("framework")
    if framework is not None and str(framework).endswith((".yaml", ".yml", ".csv")):
        framework = as_path("framework")
    if indicators is not None and framework is None:
        raise ConfigError(f"{src}: data.framework: an 'indicators' table needs a framework (an iMeta CSV, a "
                          f"framework YAML, or a bundled framework name)")
    reference = block.get("reference")
    if reference is not None and str(reference).endswith(".csv"):
        reference = as_path("reference")
    for key in ("groups", "denominators"):
        if block.get(key) is not None and not isinstance(block.get(key), list):
            raise ConfigError(f"{src}: data.{key}: expected a list of column names")
    return DataSpec(dataset=dataset, indicators=indicators, external=external, year=year, root=root_path,
                    framework=framework,
                    unit_column=str(block.get("unit_column", "uCode")),
                    name_column=block.get("name_column", "uName"),
                    groups=tuple(block.get("groups") or ()), denominators=tuple(block.get("denominators") or ()),
                    reference=reference, merge=block.get("merge"))


def parse_grid(block: Any, where: str) -> list[tuple[str, list[Any]]]:
    """``{PATH: [choice, ...], ...}`` -> ordered (path, choices) pairs; each choice validated later."""
    if not isinstance(block, Mapping) or not block:
        raise ConfigError(f"{where}: expected a mapping of methodology paths to lists of alternatives, "
                          f"e.g. {{normalise: [minmax, zscore]}}")
    out = []
    for path, alternatives in block.items():
        root = str(path).split(".")[0]
        if root not in METHODOLOGY_DEFAULTS:
            raise ConfigError(f"{where}: unknown methodology path {path!r}; valid roots: {choices(METHODOLOGY_DEFAULTS)}")
        if not isinstance(alternatives, list) or not alternatives:
            raise ConfigError(f"{where}.{path}: expected a non-empty list of alternatives")
        out.append((str(path), list(alternatives)))
    return out
