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

from dti_bench.config.specs import EnsembleSpec, OutputSpec, Spec
from dti_bench.errors import ConfigError, choices
from dti_bench.model.columns import IMETA_MAPPABLE, check_column_mapping, check_type_mapping
from dti_bench.model.methodology import METHODOLOGY_DEFAULTS, parse_methodology

TOP_LEVEL_KEYS = ("name", "description", "data", "methodology", "analyses", "output", "strict", "ensemble")
DATA_KEYS = ("dataset", "indicators", "external", "year", "years", "time", "framework", "frameworks", "unit_column",
             "name_column", "groups", "denominators", "root", "reference", "merge", "not_applicable")
#: A config's name: its runs go to ``<out>/<name>/``, so it is one path component and nothing else (no separator,
#: no '.' or '..', no control character, short enough for any file system).
MAX_NAME = 100
NAME = re.compile(r"[^\W][\w.-]{0,%d}" % (MAX_NAME - 1))
#: The environment variable naming the folder of third-party data (PAPI, PCI, BLI), when data.root is not given.
DATA_ENV = "DTI_BENCH_DATA"
#: The keys of a table given as a mapping (``framework: {path: ..., columns: {...}, types: {...}}``); only an iMeta
#: table has Types to map.
TABLE_KEYS = {"framework": ("path", "columns", "types"), "indicators": ("path", "columns"),
              "reference": ("path", "columns")}
#: The keys of ``merge:`` given as a mapping.
MERGE_KEYS = ("table", "weights")


@dataclass(frozen=True)
class DataSpec:
    """Where the data come from: a bundled dataset, COINr-style CSVs, or third-party data (paths resolved and
    variables expanded in the fields; the block as written in ``written``).

    ``framework_columns`` and ``framework_types`` (from ``framework: {path, columns, types}``), and
    ``indicator_columns`` and ``reference_columns`` (from ``indicators:`` / ``reference: {path, columns}``) read a
    publisher's column names and Type values as COINr's (:mod:`dti_bench.model.columns`); ``merge`` is a merger
    table (a bundled name or a file) and ``merge_weights`` the column weighting its former units (from
    ``merge: {table, weights}``; None: the plain mean)."""

    dataset: str | None = None
    indicators: Path | None = None
    external: str | None = None
    year: int | None = None
    years: tuple[int, ...] | str | None = None
    time: str | None = None
    #: frameworks by period of a panel table: (first year, last year or None for open-ended, framework reference)
    frameworks: tuple[tuple[int, int | None, str | Path], ...] = ()
    root: Path | None = None
    framework: str | Path | None = None
    unit_column: str = "uCode"
    name_column: str | None = "uName"
    groups: tuple[str, ...] = ()
    denominators: tuple[str, ...] = ()
    reference: str | Path | None = None
    merge: str | Path | None = None
    framework_columns: Mapping[str, str] = field(default_factory=dict)
    framework_types: Mapping[str, str] = field(default_factory=dict)
    indicator_columns: Mapping[str, str] = field(default_factory=dict)
    reference_columns: Mapping[str, str] = field(default_factory=dict)
    merge_weights: str | None = None
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
    ensemble : EnsembleSpec or None
        The ``ensemble:`` block (only with an ensemble dataset; None when the config has none: the defaults apply
        to an ensemble).
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
    ensemble: EnsembleSpec | None = None

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
        ensemble = (EnsembleSpec.from_block(raw["ensemble"], f"{src}: ensemble")
                    if raw.get("ensemble") is not None else None)
        return cls(name=name, path=path, data=data, methodology=methodology, analyses=specs, output=output,
                   description=description, source=src, strict=strict, ensemble=ensemble)


def _expand(value: str, src: str, key: str) -> str:
    expanded = os.path.expandvars(value)
    if "$" in expanded:
        var = expanded[expanded.index("$"):].split("/")[0]
        raise ConfigError(f"{src}: data.{key}: environment variable {var} is not set")
    return expanded


def _table_block(block: Mapping[str, Any], key: str, src: str) -> tuple[Any, dict[str, str], dict[str, str]]:
    """``KEY: FILE`` as it is, or ``KEY: {path: FILE, columns: {...}[, types: {...}]}`` split into the file and its
    column and Type mappings (the mappings checked for shape here, against the file when it is read)."""
    value = block.get(key)
    if not isinstance(value, Mapping) or key not in TABLE_KEYS:
        return value, {}, {}
    allowed = TABLE_KEYS[key]
    unknown = [k for k in value if k not in allowed]
    if unknown:
        raise ConfigError(f"{src}: data.{key}: unknown key {unknown[0]!r}; valid keys: {choices(allowed)}")
    path = value.get("path")
    if not isinstance(path, str) or not path.strip():
        raise ConfigError(f"{src}: data.{key}.path: expected the path of a CSV file, got {path!r}")
    if not path.endswith(".csv"):
        raise ConfigError(f"{src}: data.{key}.path: columns and types describe a CSV table; {path!r} is not a "
                          f".csv file (give a bundled name or a YAML file as data.{key}: NAME)")
    if key == "framework":
        columns = check_column_mapping(value.get("columns"), f"{src}: data.{key}.columns", IMETA_MAPPABLE,
                                       "iMeta column")
        types = check_type_mapping(value.get("types"), f"{src}: data.{key}.types")
    else:  # iData keys are the unit columns or framework codes: checked once the framework is loaded
        columns = check_column_mapping(value.get("columns"), f"{src}: data.{key}.columns", None, "iData column")
        types = {}
    return path, columns, types


def _periods(value: Any, src: str) -> tuple[tuple[int, int | None, Any], ...]:
    """``frameworks: {"2011-2017": A, "2018-": B, "2020": C}`` as sorted (first, last or None, reference), checked
    for overlaps."""
    if value is None:
        return ()
    if not isinstance(value, Mapping) or not value:
        raise ConfigError(f"{src}: data.frameworks: expected a mapping of periods to frameworks, e.g. "
                          f"{{'2011-2017': papi_6.csv, '2018-': papi_8.csv}}")
    out = []
    for key, ref in value.items():
        match = re.fullmatch(r"\s*(\d{4})\s*(?:(-)\s*(\d{4})?)?\s*", str(key))
        if match is None:
            raise ConfigError(f"{src}: data.frameworks: {key!r} is not a period; write YEAR, FROM-TO or FROM-")
        lo = int(match.group(1))
        hi = None if match.group(2) and not match.group(3) else int(match.group(3) or lo)
        if hi is not None and hi < lo:
            raise ConfigError(f"{src}: data.frameworks: period {key!r} ends before it starts")
        if not isinstance(ref, str) or not ref.strip():
            raise ConfigError(f"{src}: data.frameworks.{key}: expected a framework (a bundled name, an iMeta CSV or "
                              f"a framework YAML), got {ref!r}")
        out.append((lo, hi, ref))
    out.sort(key=lambda p: p[0])
    for (lo_a, hi_a, _), (lo_b, _, _) in zip(out, out[1:]):
        if hi_a is None or hi_a >= lo_b:
            raise ConfigError(f"{src}: data.frameworks: the periods starting {lo_a} and {lo_b} overlap")
    return tuple(out)


def _merge_block(value: Any, src: str) -> tuple[Any, str | None]:
    """``merge: TABLE`` or ``merge: {table: TABLE, weights: COLUMN}`` as (table, weight column or None)."""
    if not isinstance(value, Mapping):
        return value, None
    unknown = [k for k in value if k not in MERGE_KEYS]
    if unknown:
        raise ConfigError(f"{src}: data.merge: unknown key {unknown[0]!r}; valid keys: {choices(MERGE_KEYS)}")
    table, weights = value.get("table"), value.get("weights")
    if not isinstance(table, str) or not table.strip():
        raise ConfigError(f"{src}: data.merge.table: expected a bundled merger table or a file, got {table!r}")
    if weights is not None and (not isinstance(weights, str) or not weights.strip()):
        raise ConfigError(f"{src}: data.merge.weights: expected a column name (of the merger table, or a "
                          f"denominator column of the data), got {weights!r}")
    return table, weights


def _parse_data(block: Any, src: str, path: Path | None) -> DataSpec:
    if not isinstance(block, Mapping):
        raise ConfigError(f"{src}: data: expected a mapping with 'dataset' (a bundled dataset) or 'indicators' "
                          f"and 'framework' (CSV files)")
    unknown = [k for k in block if k not in DATA_KEYS]
    if unknown:
        raise ConfigError(f"{src}: data: unknown key {unknown[0]!r}; valid keys: {choices(DATA_KEYS)}")
    written = block
    periods = _periods(block.get("frameworks"), src)
    if periods and block.get("framework") is not None:
        raise ConfigError(f"{src}: data: give 'framework' (one for every time point) or 'frameworks' (by period), "
                          f"not both")
    if periods:  # the latest period's framework stands for the study; each time point gets its own
        block = {**block, "framework": max(periods, key=lambda p: p[0])[2]}
    framework, framework_columns, framework_types = _table_block(block, "framework", src)
    indicators, indicator_columns, _ = _table_block(block, "indicators", src)
    reference, reference_columns, _ = _table_block(block, "reference", src)
    merge, merge_weights = _merge_block(block.get("merge"), src)
    # from here on the tables are their paths, as in the plain form
    block = {**block, "framework": framework, "indicators": indicators, "reference": reference, "merge": merge}
    for key in ("dataset", "indicators", "external", "framework", "root", "reference", "merge", "unit_column"):
        value = block.get(key)
        if value is not None and (not isinstance(value, str) or not value.strip()):
            raise ConfigError(f"{src}: data.{key}: expected a name or a path, got {value!r}")
    name_column = block.get("name_column", "uName")
    if name_column is not None and not isinstance(name_column, str):
        raise ConfigError(f"{src}: data.name_column: expected a column name or null, got {name_column!r}")
    for column, key, default in (("uCode", "unit_column", "uCode"), ("uName", "name_column", "uName")):
        for table, mapped in (("indicators", indicator_columns), ("reference", reference_columns)):
            if column in mapped and key in block and block[key] != default:
                raise ConfigError(f"{src}: data.{key}: {block[key]!r}, while data.{table}.columns maps {column} to "
                                  f"{mapped[column]!r}; give one of them")
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
    years = block.get("years")
    if years is not None:
        if external is None:
            raise ConfigError(f"{src}: data.years: only with data.external (a panel of third-party data); a table "
                              f"with a time column is a panel through data.time")
        if year is not None:
            raise ConfigError(f"{src}: data: give 'year' (one time point) or 'years' (a panel), not both")
        if years != "all" and (not isinstance(years, list) or len(years) < 1
                               or not all(isinstance(y, int) and not isinstance(y, bool) for y in years)):
            raise ConfigError(f"{src}: data.years: expected a list of years such as [2019, 2020], or all, got "
                              f"{years!r}")
        years = years if years == "all" else tuple(sorted(set(years)))
    time = block.get("time")
    if time is not None:
        if indicators is None:
            raise ConfigError(f"{src}: data.time: names the time column of an 'indicators' table (COINr's 'Time' "
                              f"is found without it)")
        if not isinstance(time, str) or not time:
            raise ConfigError(f"{src}: data.time: expected a column name, got {time!r}")
    if framework is not None and str(framework).endswith((".yaml", ".yml", ".csv")):
        framework = as_path("framework")
    if indicators is not None and framework is None:
        raise ConfigError(f"{src}: data.framework: an 'indicators' table needs a framework (an iMeta CSV, a "
                          f"framework YAML, or a bundled framework name)")
    if reference is not None and str(reference).endswith(".csv"):
        reference = as_path("reference")
    if merge is not None and str(merge).endswith((".yaml", ".yml", ".csv")):
        merge = as_path("merge")
    for key in ("groups", "denominators"):
        value = block.get(key)
        if value is not None and (not isinstance(value, list) or not all(isinstance(v, str) for v in value)):
            raise ConfigError(f"{src}: data.{key}: expected a list of column names, got {value!r}")
    if periods and indicators is None:
        raise ConfigError(f"{src}: data.frameworks: frameworks by period describe an 'indicators' table with a time "
                          f"column (an external panel keeps each year's own framework without it)")
    periods = tuple((lo, hi, as_path_of(ref, "frameworks") if str(ref).endswith((".yaml", ".yml", ".csv")) else ref)
                    for lo, hi, ref in periods)
    not_applicable = _not_applicable_entries(block.get("not_applicable"), src,
                                             lambda v: as_path_of(v, "not_applicable"))
    return DataSpec(dataset=dataset, indicators=indicators, external=external, year=year, years=years, time=time,
                    frameworks=periods, root=root_path,
                    framework=framework,
                    unit_column=str(block.get("unit_column", "uCode")),
                    name_column=block.get("name_column", "uName"),
                    groups=tuple(block.get("groups") or ()), denominators=tuple(block.get("denominators") or ()),
                    reference=reference, merge=merge, framework_columns=framework_columns,
                    framework_types=framework_types, indicator_columns=indicator_columns,
                    reference_columns=reference_columns, merge_weights=merge_weights, not_applicable=not_applicable,
                    written=dict(written))


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
