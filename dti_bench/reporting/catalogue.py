"""The methods catalogue: every registered method and analysis as one documentation page, generated from the
registries so that it cannot drift from the code.

Each method of :data:`dti_bench.methods.registry.METHODS` gets its traits (the scale it needs and produces, its
exponent as a quasi-arithmetic mean, whether it is data-driven, batched by block, direction-aware, column-wise, its
parameter check and standing warning), its config parameters with their defaults (the function's signature, as the
methodology parser reads it), and its function's own docstring (formula, NaN policy, degenerate cases, reference),
which Sphinx renders in place. Each family opens with its catalogue module's docstring (the family's contract and
the degenerate cases decided once for it). Each analysis of :data:`dti_bench.analyses.registry.ANALYSES` gets its
config key, run-folder files, figures, report section and Python functions.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping

from dti_bench.analyses.registry import ANALYSES
from dti_bench.methods.registry import FAMILIES, METHODS, RATIO, MethodEntry
from dti_bench.model.methodology import method_parameters

#: The Python functions behind each analysis key (what a notebook calls instead of the config block).
ANALYSIS_FUNCTIONS: Mapping[str, tuple[str, ...]] = {
    "grid": ("dti_bench.grid",),
    "uncertainty": ("dti_bench.uncertainty",),
    "stability": ("dti_bench.leave_one_out", "dti_bench.robust_pairs"),
    "importance": ("dti_bench.importance",),
    "coherence": ("dti_bench.coherence",),
    "sensitivity": ("dti_bench.sobol", "dti_bench.morris", "dti_bench.pawn"),
    "weight_map": ("dti_bench.weight_map",),
    "rank_change": ("dti_bench.rank_change",),
}

FAMILY_TITLES = {"screen": "Screening units", "impute": "Imputation", "treat": "Outlier treatment",
                 "normalise": "Normalisation", "weights": "Weighting", "aggregate": "Aggregation"}


def _defaults(entry: MethodEntry) -> dict[str, object]:
    return {n: p.default for n, p in method_parameters(entry.function).items()
            if p.default is not inspect.Parameter.empty}


def traits(entry: MethodEntry) -> list[tuple[str, str]]:
    """(trait, value) rows of one method, evaluated at its default parameters.

    Examples
    --------
    >>> dict(traits(METHODS["aggregate"]["geometric"]))["needs scale"]
    'ratio'
    >>> dict(traits(METHODS["normalise"]["minmax"]))["output scale (ratio-scale input)"]
    'interval'
    """
    params = _defaults(entry)
    rows = [("function", f"`{entry.function.__module__}.{entry.function.__name__}`")]
    if entry.family in ("normalise", "aggregate"):
        scale = entry.output_scale(params, RATIO) if entry.output_scale else RATIO
        rows.append(("output scale (ratio-scale input)", scale))
    if entry.needs_scale is not None:
        rows.append(("needs scale", entry.needs_scale(params)))
    if entry.exponent is not None:
        rows.append(("quasi-arithmetic exponent p", f"{entry.p(params):g}" if entry.p(params) is not None else "—"))
    if entry.family == "weights":
        rows.append(("data-driven (computed one variant at a time)", "yes" if entry.data_driven else "no"))
    if entry.family in ("normalise", "treat"):
        rows.append(("block version (indicators sharing it prepared in one call)", "yes" if entry.block else "no"))
    if entry.direction_aware:
        rows.append(("direction-aware", "yes: scores a lower-is-better indicator on its raw scale"))
    if entry.family == "impute":
        rows.append(("column-wise (may impute composites)", "yes" if entry.columnwise else "no"))
    if entry.check is not None:
        rows.append(("parameters checked when the config is parsed",
                     f"`{entry.check.__module__}.{entry.check.__name__}`"))
    if entry.warning:
        rows.append(("standing warning", entry.warning))
    return rows


def _literal(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value)


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _method_section(entry: MethodEntry) -> list[str]:
    lines = [f"### `{entry.family}: {entry.name}`", "", "| trait | value |", "| --- | --- |"]
    lines += [f"| {_cell(k)} | {_cell(v)} |" for k, v in traits(entry)]
    params = method_parameters(entry.function)
    lines.append("")
    if params:
        shown = ", ".join(f"`{n}: {_literal(p.default)}`" if p.default is not inspect.Parameter.empty
                          else f"`{n}` (required)" for n, p in params.items())
        lines += [f"Config: `{entry.family}: {{method: {entry.name}, ...}}` with {shown}.", ""]
    else:
        lines += [f"Config: `{entry.family}: {entry.name}` (no parameters).", ""]
    lines += ["```{eval-rst}", f".. autofunction:: {entry.function.__module__}.{entry.function.__name__}",
              "   :no-index:", "```", ""]
    return lines


def methods_catalogue_markdown() -> str:
    """The methods catalogue as one Markdown (MyST) page: each family, each method, each analysis.

    Examples
    --------
    >>> page = methods_catalogue_markdown()
    >>> page.splitlines()[0]
    '# Methods catalogue'
    >>> "### `aggregate: geometric`" in page and "## Analyses" in page
    True
    """
    counts = ", ".join(f"{len(METHODS[f])} {f}" for f in FAMILIES)
    lines = ["# Methods catalogue", "",
             f"Every method a methodology can name ({counts}) and every analysis a config can ask for, generated "
             "from the registries (`dti_bench.methods.registry.METHODS`, `dti_bench.analyses.registry.ANALYSES`) "
             "when the documentation is built. Each method's traits are evaluated at its default parameters; its "
             "formula, NaN policy, degenerate cases and reference are its function's docstring. The scales are "
             "those of [measurement scales](../getting-started.md#measurement-scales): a mean is meaningful only on "
             "inputs whose scale supports it.", ""]
    for family in FAMILIES:
        module = next(iter(METHODS[family].values())).function.__module__
        lines += [f"## {FAMILY_TITLES[family]} (`{family}:`)", "",
                  "Methods: " + ", ".join(f"`{n}`" for n in METHODS[family]) + ".", "",
                  "```{eval-rst}", f".. automodule:: {module}", "   :no-members:", "   :no-index:", "```", ""]
        for entry in METHODS[family].values():
            lines += _method_section(entry)
    lines += ["## Analyses", "",
              "Each analysis is a config block (`analyses.<key>:`, options in the [config reference](config.md)) "
              "and a Python function `(framework, data, methodology, ...)` returning a result with `.to_frame()`.",
              ""]
    for key, analysis in ANALYSES.items():
        functions = ANALYSIS_FUNCTIONS[key]
        lines += [f"### `analyses.{key}`: {analysis.title}", "", " ".join((analysis.spec.__doc__ or "").split()), "",
                  "| | |", "| --- | --- |",
                  f"| run-folder files | {', '.join(f'`{f}`' for f in analysis.files)} |",
                  f"| figures | {', '.join(f'`{f}`' for f in analysis.figures) or '—'} |",
                  f"| report section | {analysis.section or '—'} |",
                  f"| Python | {', '.join(f'`{f}`' for f in functions)} |", ""]
        lines += ["```{eval-rst}"] + [f".. autofunction:: {f}\n   :no-index:\n" for f in functions] + ["```", ""]
    return "\n".join(lines)


__all__ = ["ANALYSIS_FUNCTIONS", "methods_catalogue_markdown", "traits"]
