"""The experiment config: its top-level shape, the ``data:`` block, and the analysis blocks through their specs.

A config (README, "What a run does") has ``name``, ``description``, ``data``, ``methodology``, ``analyses`` and
``output``. :meth:`Config.from_mapping` validates every key: the data block here, the methodology block through
:meth:`dti_bench.model.Methodology.from_dict`, each analysis block through the spec class the caller passes for
it (the analysis registry's, :data:`dti_bench.analyses.registry.ANALYSES`), the output block through
:class:`~dti_bench.config.specs.OutputSpec`. Every error names the file, the dotted key and the valid choices.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dti_bench.config.specs import OutputSpec, Spec
from dti_bench.errors import ConfigError, choices
from dti_bench.model.methodology import METHODOLOGY_DEFAULTS, parse_methodology

TOP_LEVEL_KEYS = ("name", "description", "data", "methodology", "analyses", "output", "strict")
DATA_KEYS = ("dataset", "indicators", "external", "year", "framework", "unit_column", "name_column", "groups",
             "denominators", "root", "reference", "merge", "not_applicable")
#: A config's name: its runs go to ``<out>/<name>/``, so it is one path component and nothing else (no separator,
#: no '.' or '..', no control character, short enough for any file system).
MAX_NAME = 100
NAME = re.compile(r"[^\W][\w.-]{0,%d}" % (MAX_NAME - 1))
#: The environment variable naming the folder of third-party data (PAPI, PCI, BLI), when data.root is not given.
DATA_ENV = "DTI_BENCH_DATA"


@dataclass(frozen=True)
class DataSpec:
    """Where the data come from: a bundled dataset, COINr-style CSVs, or third-party data (paths resolved and
    variables expanded in the fields; the block as written in ``written``)."""

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
    #: not-applicable cells (:mod:`dti_bench.model.not_applicable`): tables of (unit, code) pairs (paths) and rules
    #: ``{group, value, codes}``, checked against the data when they are loaded
    not_applicable: tuple[Path | Mapping[str, Any], ...] = ()
    written: Mapping[str, Any] = field(default_factory=dict, compare=False)

    def to_dict(self) -> dict[str, Any]:
        """The block as the config wrote it, with the column defaults filled in: paths as written (relative to the
        config file) and ``${VAR}`` unexpanded, so that a run folder records no machine's absolute paths or
        variable values; a data folder taken from the environment is recorded as the variable's name, and only
        when the data are third-party ones read from it."""
        out = {k: (list(v) if isinstance(v, tuple) else v) for k, v in self.written.items()}
        out.setdefault("unit_column", self.unit_column)
        out.setdefault("name_column", self.name_column)
        if self.external is not None and "root" not in out and self.root is not None:
            out["root"] = "${" + DATA_ENV + "}"
        return out


@dataclass(frozen=True)
class Config:
    """A validated experiment config.

    Attributes
    ----------
    name : str
        The run folders go to ``<out>/<name>/``.
    path : Path or None
        The config file (paths in ``data:`` are relative to it).
    data : DataSpec
    methodology : mapping or None
        The raw ``methodology:`` block (parsed against the framework once it is loaded); None when the config has
        none or an empty one: the framework's official methodology is then used (or the package default).
    analyses : mapping of str to Spec
        Each analysis asked for, every default filled in, in the config's order.
    output : OutputSpec
    description, source : str
    strict : bool
        Refuse, instead of flag, a methodology whose means the inputs' measurement scale does not support (in the
        nominal methodology or any variant an analysis draws) and any other methodology warning.
    """

    name: str
    path: Path | None
    data: DataSpec
    methodology: Mapping[str, Any] | None = None
    analyses: Mapping[str, Spec] = field(default_factory=dict)
    output: OutputSpec = field(default_factory=OutputSpec)
    description: str = ""
    source: str = "config"
    strict: bool = False

    @classmethod
    def from_mapping(cls, raw: Any, *, path: Path | None = None,
                     analyses: Mapping[str, type[Spec]]) -> Config:
        """Validate a config mapping.

        Parameters
        ----------
        raw : mapping
            The parsed YAML (or a dict written in code).
        path : Path, optional
            The file it came from (paths in ``data:`` are relative to its folder; else to the working directory).
        analyses : mapping of str to Spec class
            The analyses a config may ask for (the analysis registry's specs).
        """
        src = str(path) if path else "config"
        if not isinstance(raw, Mapping):
            raise ConfigError(f"{src}: a config must be a mapping with keys {choices(TOP_LEVEL_KEYS)}")
        unknown = [k for k in raw if k not in TOP_LEVEL_KEYS]
        if unknown:
            raise ConfigError(f"{src}: unknown key {unknown[0]!r}; valid keys: {choices(TOP_LEVEL_KEYS)}")
        name = raw.get("name") or (path.stem if path else None)
        if not isinstance(name, str) or not NAME.fullmatch(name):
            shown = repr(name) if not isinstance(name, str) or len(name) <= 60 else repr(name[:60] + "...")
            raise ConfigError(f"{src}: name: expected a name of letters, digits, '-', '_' and '.' (at most "
                              f"{MAX_NAME} characters, not starting with '.' or '-'), got {shown}")
        data = _parse_data(raw.get("data"), src, path)
        methodology = raw.get("methodology")
        if methodology is not None and not isinstance(methodology, Mapping):
            raise ConfigError(f"{src}: methodology: expected a mapping of {choices(METHODOLOGY_DEFAULTS)}")
        methodology = dict(methodology) if methodology else None
        if methodology is not None:  # shape check now; codes are checked with the framework
            parse_methodology(methodology, where=f"{src}: methodology")
        blocks = raw.get("analyses") or {}
        if not isinstance(blocks, Mapping):
            raise ConfigError(f"{src}: analyses: expected a mapping of {choices(analyses)}")
        specs: dict[str, Spec] = {}
        for key, block in blocks.items():
            if key not in analyses:
                raise ConfigError(f"{src}: analyses: unknown analysis {key!r}; valid choices: {choices(analyses)}")
            specs[key] = analyses[key].from_block(block, f"{src}: analyses.{key}")
        output = OutputSpec.from_block(raw.get("output"), f"{src}: output")
        description = raw.get("description") or ""
        if not isinstance(description, str):
            raise ConfigError(f"{src}: description: expected text, got {description!r}")
        strict = raw.get("strict", False)
        if not isinstance(strict, bool):
            raise ConfigError(f"{src}: strict: expected true or false, got {strict!r}")
        return cls(name=name, path=path, data=data, methodology=methodology, analyses=specs, output=output,
                   description=description, source=src, strict=strict)


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
    for key in ("dataset", "indicators", "external", "framework", "root", "reference", "merge", "unit_column"):
        value = block.get(key)
        if value is not None and (not isinstance(value, str) or not value.strip()):
            raise ConfigError(f"{src}: data.{key}: expected a name or a path, got {value!r}")
    name_column = block.get("name_column", "uName")
    if name_column is not None and not isinstance(name_column, str):
        raise ConfigError(f"{src}: data.name_column: expected a column name or null, got {name_column!r}")
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
        return as_path_of(val, key)

    def as_path_of(val: Any, key: str) -> Path:
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
        value = block.get(key)
        if value is not None and (not isinstance(value, list) or not all(isinstance(v, str) for v in value)):
            raise ConfigError(f"{src}: data.{key}: expected a list of column names, got {value!r}")
    not_applicable = _not_applicable_entries(block.get("not_applicable"), src,
                                             lambda v: as_path_of(v, "not_applicable"))
    return DataSpec(dataset=dataset, indicators=indicators, external=external, year=year, root=root_path,
                    framework=framework,
                    unit_column=str(block.get("unit_column", "uCode")),
                    name_column=block.get("name_column", "uName"),
                    groups=tuple(block.get("groups") or ()), denominators=tuple(block.get("denominators") or ()),
                    reference=reference, merge=block.get("merge"), not_applicable=not_applicable,
                    written=dict(block))


def _not_applicable_entries(value: Any, src: str, as_path) -> tuple[Path | Mapping[str, Any], ...]:
    """``data.not_applicable``: a CSV path, a rule ``{group, value, codes}``, or a list of them (the rules' keys
    are checked here, their columns, units and codes when the data are loaded)."""
    from dti_bench.model.not_applicable import RULE_KEYS

    if value is None:
        return ()
    entries = value if isinstance(value, list) else [value]
    out: list[Path | Mapping[str, Any]] = []
    for n, entry in enumerate(entries):
        at = f"{src}: data.not_applicable" + (f"[{n}]" if isinstance(value, list) else "")
        if isinstance(entry, str) and entry.strip():
            out.append(as_path(entry))
        elif isinstance(entry, Mapping):
            unknown = [k for k in entry if k not in RULE_KEYS]
            absent = [k for k in RULE_KEYS if k not in entry]
            if unknown or absent:
                raise ConfigError(f"{at}: a rule has keys {choices(RULE_KEYS)}; "
                                  + (f"unknown key {unknown[0]!r}" if unknown else f"{absent[0]!r} is missing"))
            out.append(dict(entry))
        else:
            raise ConfigError(f"{at}: expected a CSV of (unit, code) pairs or a rule {{group: COLUMN, value: V, "
                              f"codes: [CODE, ...]}}, got {entry!r}")
    return tuple(out)


__all__ = ["Config", "DATA_ENV", "DataSpec"]
