"""The config reference: every key a config may hold, with its default, its valid values and one line of meaning,
read from the code that parses it.

The documentation site's "Config reference" page is :func:`config_reference_markdown`; the test
``tests/unit/reporting/test_reference.py`` asks the parser itself, level by level, which keys it accepts (the
"valid keys" its error names for an unknown one) and checks that they are exactly the documented ones, so the page
cannot drift from the parser. What the page reads:

- the top-level keys and the ``data:`` keys from :mod:`dti_bench.config.experiment` (their one-line meanings are
  here, beside the tuples they document; the test fails when a key is added there and not here);
- the ``methodology:`` keys and their defaults from :data:`~dti_bench.model.methodology.METHODOLOGY_DEFAULTS`,
  the method names from :data:`~dti_bench.methods.registry.METHODS`, each method's parameters and defaults from
  its function's signature (what :func:`~dti_bench.model.methodology.parse_method` accepts);
- every ``analyses:`` block and the ``output:`` block from their spec dataclasses (:mod:`dti_bench.config.specs`:
  field, default, the check's ``accepts`` and the field's doc), sub-blocks (``top_k_robustness``,
  ``robust_pairs``) under their parent's key;
- the factor keys from :mod:`dti_bench.analyses.factors`.

It lives in the reporting layer because it reads the analysis registry and the factors, which sit above the config
layer.
"""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from dti_bench.analyses.factors import DATA_FACTOR_KEYS, FACTOR_KEYS
from dti_bench.analyses.registry import ANALYSES
from dti_bench.config.experiment import DATA_KEYS, MERGE_KEYS, TABLE_KEYS, TOP_LEVEL_KEYS
from dti_bench.config.specs import EnsembleSpec, OutputSpec, Spec
from dti_bench.methods.registry import FAMILIES, METHODS
from dti_bench.model.methodology import DEFAULT_STEPS, METHODOLOGY_DEFAULTS, method_parameters
from dti_bench.model.not_applicable import RULE_KEYS

#: The top-level keys of a config (:data:`dti_bench.config.experiment.TOP_LEVEL_KEYS`).
TOP_LEVEL_DOCS: Mapping[str, tuple[Any, str, str]] = {
    "name": (None, "a name of letters, digits, '-', '_' and '.'",
             "the run folders go to <out>/<name>/ (default: the config file's stem)"),
    "description": ("", "text", "a sentence shown in the run summary and the report"),
    "data": (None, "a mapping of the data keys", "where the data and the framework come from (required)"),
    "methodology": (None, "null or a mapping of the methodology keys",
                    "the nominal methodology; null or empty: the framework's official one, else the package default"),
    "analyses": ({}, "a mapping of analysis keys to true or a block", "the analyses a run computes, in the registry's "
                                                                         "order"),
    "output": ({}, "a mapping of the output keys", "what a run writes besides its tables"),
    "ensemble": (None, "a mapping of the ensemble keys", "how a run over an ensemble dataset states its results "
                                                       "across members (only with ensemble data)"),
    "strict": (False, "true or false", "refuse, instead of flag, a methodology whose means the inputs' measurement "
                                       "scale does not support, and any other methodology warning"),
}

#: The ``data:`` keys (:data:`dti_bench.config.experiment.DATA_KEYS`).
DATA_DOCS: Mapping[str, tuple[Any, str, str]] = {
    "dataset": (None, "a bundled dataset name (dti-bench datasets)", "a bundled dataset (give exactly one of dataset, "
                                                                     "indicators and external)"),
    "indicators": (None, "a CSV path, or {path, columns}", "an iData table: uCode, uName, group and denominator "
                                                          "columns, one column per indicator (relative to the config)"),
    "external": (None, "papi, pci or bli", "third-party data read from the data folder (data.root or "
                                           "$DTI_BENCH_DATA)"),
    "year": (None, "a year", "the time point of external data (default: the latest)"),
    "years": (None, "a list of years, or all", "an external panel: several time points, each with its own framework"),
    "time": (None, "a column name", "the time column of an indicators table (COINr's Time is found without it)"),
    "framework": (None, "a bundled framework, an iMeta CSV, a framework YAML, or {path, columns, types}",
                  "the framework of an indicators table"),
    "frameworks": (None, "{PERIOD: framework}, periods YEAR, FROM-TO or FROM-",
                   "frameworks by period of a panel table (instead of framework)"),
    "unit_column": ("uCode", "a column name", "the column of unit codes"),
    "name_column": ("uName", "a column name or null", "the column of unit names"),
    "groups": ([], "a list of column names", "group columns kept beside the units (group means, not-applicable "
                                             "rules)"),
    "denominators": ([], "a list of column names", "denominator columns (denominate: true, weighted mergers)"),
    "root": ("${DTI_BENCH_DATA}", "a folder", "the data folder of external data and of relative paths"),
    "reference": (None, "a bundled dataset, a CSV path, or {path, columns}",
                  "a reference dataset whose statistics normalise the data (a base year)"),
    "merge": (None, "a bundled merger table, a YAML or CSV file, or {table, weights}",
              "merge units before anything else (the mean, or weighted by a column)"),
    "not_applicable": (None, "a CSV of unit, code pairs, a rule {group, value, codes}, or a list of them",
                       "cells that do not apply: NaN from the start, skipped by their parents, never imputed"),
}

#: Keys of the mappings some data keys may be (``framework: {path, columns, types}``, ``merge: {table, weights}``,
#: a not-applicable rule).
DATA_SUB_DOCS: Mapping[str, str] = {
    "path": "the CSV file",
    "columns": "{COINr column: the file's column}: a publisher's column names read as COINr's",
    "types": "{the file's value: COINr Type}: a publisher's Type values read as COINr's (iMeta only)",
    "table": "the merger table: a bundled name, a YAML or a CSV file",
    "weights": "the column weighting each former unit (of the merger table, or a denominator of the data)",
    "group": "the group column the rule reads",
    "value": "the group value (or list of values) to which the rule applies",
    "codes": "the indicators or composites that do not apply to those units",
}

#: The ``methodology:`` keys (:data:`dti_bench.model.methodology.METHODOLOGY_DEFAULTS`).
METHODOLOGY_DOCS: Mapping[str, str] = {
    "steps": "the order of the data-treatment steps (each of denominate, impute, screen, treat once)",
    "denominate": "divide indicators by their denominator column (iMeta Denominator) first",
    "screen": "drop units with too little data (coverage: {min_coverage, max_zero_share, include, exclude})",
    "impute": "fill missing indicator values; {default: .., LEVEL_OR_CODE: ..} imputes composites too",
    "treat": "outlier treatment (COINr's Treat rule and defaults); per indicator with {default: .., CODE: ..}",
    "normalise": "bring indicators to a common scale; per indicator with {default: .., CODE: ..}",
    "weights": "nominal, a method, {CODE: weight}, or {default: .., LEVEL_OR_CODE: METHOD_OR_WEIGHT}",
    "aggregate": "the mean of each composite's children; per level or composite with {default: .., KEY: ..}",
    "round": "decimals every composite is rounded to before ranking (half to even); null: none",
    "round_levels": "{LEVEL_OR_CODE: decimals}: round a composite as soon as it is computed, before its parents use it",
}

#: The keys of a factor (:data:`dti_bench.analyses.factors.FACTOR_KEYS`).
FACTOR_DOCS: Mapping[str, tuple[str, str]] = {
    "path": ("a methodology path (normalise, aggregate.method ...), weights, indicators, data or normalise_over",
             "what the factor varies"),
    "name": ("text", "the factor's name in the outputs (default: the path)"),
    "choices": ("a list of alternatives", "a categorical factor: one alternative per sample"),
    "range": ("[low, high]", "a continuous factor drawn uniformly in the range (aggregate.p ...)"),
    "noise": ("a number, or {column: SE}", "weights: multiplicative noise of ±noise; data: the measurement error σ"),
    "levels": ("a list of levels", "weights noise: the levels whose edges are perturbed"),
    "level": ("a level", "the level a factor applies to (exclusion, data noise, a choice per level)"),
    "node": ("a composite code", "the composite a factor applies to"),
    "dirichlet": ("a positive number", "weights: a Dirichlet draw on the node's children (1: uniform)"),
    "uniform": ("true", "weights: uniform on the node's weight simplex"),
    "exclude": ("a probability in [0, 1)", "indicators: each indicator left out with this probability"),
    "leave_one_out": ("true", "indicators: nothing left out, or one indicator left out, per sample"),
    "kind": ("multiplicative or additive", "data: x·exp(σε) or x + σ·sd·ε"),
    "indicators": ("a list of indicator codes", "data: the indicators perturbed (default: all)"),
    "draws": ("a positive whole number", "data: perturbed copies of the data drawn from (default 100)"),
    "seed": ("a whole number", "data: seed of the perturbations"),
}


@dataclass(frozen=True)
class Key:
    """One documented config key: its dotted path, default, valid values and meaning."""

    path: str
    default: Any
    accepts: str
    doc: str


def _spec_keys(spec: type[Spec], prefix: str) -> list[Key]:
    out: list[Key] = []
    fields = {f.name: f for f in dataclasses.fields(spec)}
    for name, default, doc in spec.reference():
        check = fields[name].metadata.get("check") if name in fields else None
        out.append(Key(f"{prefix}.{name}", default, getattr(check, "accepts", "see the meaning"), doc))
        block = getattr(check, "block", None)
        if block is not None:
            out.extend(_spec_keys(block, f"{prefix}.{name}"))
    return out


def method_parameter_keys() -> list[Key]:
    """Every method's parameters, ``methodology.<family>.<method>.<parameter>``, with their defaults (what
    :func:`~dti_bench.model.methodology.parse_method` accepts in ``{method: NAME, PARAMETER: VALUE}``)."""
    out = []
    for family in FAMILIES:
        for name, entry in METHODS[family].items():
            for param, p in method_parameters(entry.function).items():
                default = None if p.default is inspect.Parameter.empty else p.default
                accepts = {bool: "true or false", int: "a number", float: "a number"}.get(type(default), "a value")
                required = "required" if p.default is inspect.Parameter.empty else ""
                out.append(Key(f"methodology.{family}.{name}.{param}", default, accepts,
                               required or f"a parameter of {family} method {name!r}"))
    return out


def config_reference() -> dict[str, list[Key]]:
    """Every key a config may hold, by section (top level, data, methodology, method parameters, each analysis,
    output, factors).

    Examples
    --------
    >>> ref = config_reference()
    >>> [k.path for k in ref["analyses.uncertainty"]][:3]
    ['analyses.uncertainty.factors', 'analyses.uncertainty.samples', 'analyses.uncertainty.seed']
    >>> next(k.default for k in ref["methodology"] if k.path == "methodology.aggregate")
    'arithmetic'
    """
    sections: dict[str, list[Key]] = {}
    sections["top level"] = [Key(k, *TOP_LEVEL_DOCS[k]) for k in TOP_LEVEL_KEYS]
    data = [Key(f"data.{k}", *DATA_DOCS[k]) for k in DATA_KEYS]
    for key, subs in TABLE_KEYS.items():
        data += [Key(f"data.{key}.{s}", None, "see the meaning", DATA_SUB_DOCS[s]) for s in subs]
    data += [Key(f"data.merge.{s}", None, "see the meaning", DATA_SUB_DOCS[s]) for s in MERGE_KEYS]
    data += [Key(f"data.not_applicable.{s}", None, "see the meaning", DATA_SUB_DOCS[s]) for s in RULE_KEYS]
    sections["data"] = data
    methodology = []
    for key, default in METHODOLOGY_DEFAULTS.items():
        if key in METHODS:
            accepts = "a method: " + ", ".join(METHODS[key])
        elif key == "steps":
            accepts = "a permutation of " + ", ".join(DEFAULT_STEPS)
        else:
            accepts = {"denominate": "true or false", "round": "null or a whole number of decimals from 0 to 15",
                       "round_levels": "{LEVEL_OR_CODE: decimals}"}[key]
        methodology.append(Key(f"methodology.{key}", default, accepts, METHODOLOGY_DOCS[key]))
    sections["methodology"] = methodology
    sections["method parameters"] = method_parameter_keys()
    for key, analysis in ANALYSES.items():
        sections[f"analyses.{key}"] = _spec_keys(analysis.spec, f"analyses.{key}")
    sections["output"] = _spec_keys(OutputSpec, "output")
    sections["ensemble"] = _spec_keys(EnsembleSpec, "ensemble")
    factors = [Key(f"factor.{k}", None, *FACTOR_DOCS[k]) for k in FACTOR_KEYS]
    sections["factors"] = factors
    return sections


def _literal(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value or '""'
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_literal(v) for v in value) + "]"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k}: {_literal(v)}" for k, v in value.items()) + "}"
    return repr(value)


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _table(keys: Iterable[Key], show_default: bool = True) -> list[str]:
    head = ["| key | default | valid values | meaning |", "| --- | --- | --- | --- |"] if show_default else \
        ["| key | valid values | meaning |", "| --- | --- | --- |"]
    rows = []
    for k in keys:
        cells = [f"`{k.path}`"] + ([f"`{_cell(_literal(k.default))}`"] if show_default else []) + \
                [_cell(k.accepts), _cell(k.doc)]
        rows.append("| " + " | ".join(cells) + " |")
    return head + rows


def config_reference_markdown() -> str:
    """The config reference as one Markdown (MyST) page: one table per section.

    Examples
    --------
    >>> page = config_reference_markdown()
    >>> page.splitlines()[0]
    '# Config reference'
    >>> "`analyses.sensitivity.samples`" in page
    True
    """
    sections = config_reference()
    lines = ["# Config reference", "",
             "Generated from the code that parses a config (`dti_bench.reporting.reference`), so every key below is "
             "one the parser accepts and every key it accepts is below (a test checks both). A block may be "
             "written `true` for every default. Dotted paths name nested keys: `analyses.uncertainty.samples` is "
             "`samples:` inside `uncertainty:` inside `analyses:`.", ""]
    intro = {
        "top level": "A config file's top-level keys.",
        "data": "Where the data and the framework come from (paths are relative to the config file; `${VAR}` "
                "expands environment variables).",
        "methodology": "The nominal methodology; every key optional. A family key takes a method name, "
                       "`{method: NAME, PARAMETER: VALUE}`, or (all but `screen`) the override form "
                       "`{default: METHOD, LEVEL_OR_CODE: METHOD}`. The methods are in the "
                       "[methods catalogue](methods.md).",
        "method parameters": "Each method's parameters, set as `{method: NAME, PARAMETER: VALUE}` (normalisers' "
                             "`lo`, `hi` and `target` left out are taken from the framework's node).",
        "output": "What a run writes besides its tables.",
        "factors": "The keys of one factor of `analyses.uncertainty.factors`, `analyses.sensitivity.factors` and "
                   "`analyses.rank_change.factors` (in Python, `db.factors`). A data factor (`path: data`) takes "
                   + ", ".join(f"`{k}`" for k in DATA_FACTOR_KEYS) + ".",
    }
    for name, keys in sections.items():
        lines += [f"## {name[0].upper() + name[1:]}" if not name.startswith("analyses.") else f"## `{name}`", ""]
        if name.startswith("analyses."):
            spec = ANALYSES[name.split(".", 1)[1]].spec
            lines += [f"The {spec.title}: " + " ".join((spec.__doc__ or "").split()), ""]
        elif name in intro:
            lines += [intro[name], ""]
        lines += _table(keys, show_default=name != "factors") + [""]
    return "\n".join(lines)


__all__ = ["Key", "config_reference", "config_reference_markdown", "method_parameter_keys"]
