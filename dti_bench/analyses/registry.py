"""The one registry of analyses: what a config may ask for under ``analyses:``, in the order a run computes them.

Config validation, the orchestrator, the figures, the audit report and the paper all iterate :data:`ANALYSES`.
Each :class:`Analysis` row says:

- ``spec``: its spec class (:mod:`dti_bench.config.specs`: every option, default and check; ``spec.key`` is the
  config key);
- ``bind``: ``bind(study, spec, where) -> Bound``, which checks the block against the study's framework and data
  (node codes, factors, units) before anything runs, and returns what runs it;
- ``files``: the run-folder files (glob patterns) whose presence shows it ran;
- ``figures``: the figures drawn from those files (names in :data:`dti_bench.reporting.figures.FIGURES`);
- ``section``: the report section that presents it.

To add an analysis: write its module in this package (a function ``(framework, data, methodology, ...)``
returning a :class:`~dti_bench.analyses.results.Result`), its spec in :mod:`dti_bench.config.specs`, and one row
here; the config, the run folder and the report pick it up.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from dti_bench.analyses.coherence import coherence
from dti_bench.analyses.factors import parse_factors
from dti_bench.analyses.grid import grid, grid_variants
from dti_bench.analyses.importance import CORRELATION_RATIOS, importance
from dti_bench.analyses.leave_one_out import compared_nodes, leave_one_out
from dti_bench.analyses.morris import check_design, morris
from dti_bench.analyses.pawn import pawn
from dti_bench.analyses.rank_change import check_rank_change, rank_change, rank_change_sensitivity
from dti_bench.analyses.results import Result
from dti_bench.analyses.sobol import sobol
from dti_bench.analyses.soundness import design_warnings, variants_warnings
from dti_bench.analyses.stability import StabilityResult, robust_pairs
from dti_bench.analyses.uncertainty import uncertainty
from dti_bench.analyses.weight_map import weight_map
from dti_bench.config.specs import (CoherenceSpec, GridSpec, ImportanceSpec, RankChangeSpec, SensitivitySpec, Spec,
                                    StabilitySpec, UncertaintySpec, WeightMapSpec)
from dti_bench.engine.batch import default_chunk
from dti_bench.engine.memory import physical_memory
from dti_bench.errors import ConfigError, UserError, choices
from dti_bench.index import IndexResult
from dti_bench.methods.registry import METHODS
from dti_bench.metrics.rank_distribution import rank_bin_width
from dti_bench.model.dataset import Dataset
from dti_bench.model.framework import Framework
from dti_bench.model.methodology import Methodology
from dti_bench.model.panel import Panel


@dataclass(frozen=True, eq=False)
class StudyInputs:
    """What every analysis of a study shares: the framework, the data, the nominal methodology and its result;
    for panel data, the panel too (``dataset`` is then its latest time point)."""

    framework: Framework
    dataset: Dataset
    methodology: Methodology
    nominal: IndexResult
    reference: Dataset | None = None
    progress: bool = False
    panel: Panel | None = None


@dataclass(frozen=True, eq=False)
class Bound:
    """An analysis checked against its study and ready to run.

    ``run()`` computes the result; ``summary(result)`` is what the manifest records under ``outputs.<key>``
    (the result's own summary plus the settings that produced it); ``warnings`` are the methodology warnings of
    the variants it will compute (:mod:`dti_bench.analyses.soundness`), known before it runs.
    """

    run: Callable[[], Result]
    settings: Mapping[str, Any] = field(default_factory=dict)
    files: Callable[[Result], Mapping[str, Any]] | None = None
    warnings: tuple[str, ...] = ()

    def summary(self, result: Result) -> dict[str, Any]:
        return {**result.summary(), **self.settings}

    def tables(self, result: Result) -> Mapping[str, Any]:
        """File name -> what goes in it: a DataFrame (a CSV) or a mapping of arrays (an ``.npz``)."""
        return result.tables() if self.files is None else self.files(result)


@dataclass(frozen=True)
class Analysis:
    """One row of :data:`ANALYSES` (see the module docstring)."""

    spec: type[Spec]
    bind: Callable[[StudyInputs, Any, str], Bound]
    files: tuple[str, ...]
    figures: tuple[str, ...] = ()
    section: str = ""

    @property
    def key(self) -> str:
        return self.spec.key

    @property
    def title(self) -> str:
        return self.spec.title


# -- binding: the checks that need the framework ----------------------------------------------------------------

def _node(node: str | None, framework: Framework, where: str) -> str:
    if node is not None and node not in framework.composites:
        raise ConfigError(f"{where}: {node!r} is not a composite; valid choices: {choices(framework.composites)}")
    return node or framework.require_headline()


#: The share of physical memory an analysis' results may be planned to take before it is refused up front.
MEMORY_SHARE = 0.8


def _fits(where: str, parts: list[tuple[str, float]]) -> None:
    """Refuse, before anything runs, an analysis whose results cannot fit in memory, showing the arithmetic."""
    total = sum(b for _, b in parts)
    memory = physical_memory()
    if memory is None or total <= MEMORY_SHARE * memory:
        return
    detail = " + ".join(f"{what} {b / 1e9:,.1f} GB" for what, b in parts if b >= 1e6)
    raise ConfigError(f"{where}: needs about {total / 1e9:,.1f} GB of memory ({detail}), more than "
                      f"{MEMORY_SHARE:.0%} of this machine's {memory / 1e9:,.1f} GB; use fewer samples")


def _bind_grid(study: StudyInputs, spec: GridSpec, where: str) -> Bound:
    variants = grid_variants(spec, study.framework, study.methodology, where)  # every alternative parses now
    return Bound(lambda: grid(study.framework, study.dataset, study.methodology, dict(spec.to_dict()),
                              reference=study.reference),
                 warnings=tuple(variants_warnings(study.framework, [m for _, m in variants], _short(where))))


def _short(where: str) -> str:
    """``analyses.grid`` from ``configs/x.yaml: analyses.grid`` (a warning line names the analysis; the file is
    the run's)."""
    return where.rpartition(": ")[2]


def _bind_uncertainty(study: StudyInputs, spec: UncertaintySpec, where: str) -> Bound:
    factors = parse_factors(spec.factors, study.framework, study.methodology, f"{where}.factors")
    node = _node(spec.node, study.framework, f"{where}.node")
    chunk = spec.chunk_size or default_chunk(study.framework, len(study.dataset.units))
    units = len(study.dataset.units)
    bins = -(-units // rank_bin_width(units, spec.rank_bins))
    _fits(f"{where}.samples", [("per-sample statistics (4 x 8 bytes a sample)", 32.0 * spec.samples),
                               ("rank counts (units x rank bins x 4 bytes)", 4.0 * units * bins),
                               ("kept ranks (2 bytes a unit and sample)", 2.0 * units * spec.samples * spec.save_ranks)])

    def run() -> Result:
        return uncertainty(study.framework, study.dataset, study.methodology, factors, n=spec.samples, seed=spec.seed,
                           node=node, chunk_size=spec.chunk_size, executor=spec.executor, workers=spec.workers,
                           address=spec.address, reference=study.reference, keep_ranks=spec.save_ranks,
                           top_k_robustness=spec.top_k_robustness, progress=study.progress,
                           top_k=tuple(spec.top_k), rank_bins=spec.rank_bins)

    def files(result: Any) -> dict[str, Any]:
        out: dict[str, Any] = dict(result.tables(tuple(spec.top_k)))
        if spec.save_ranks:
            out["uncertainty_ranks.npz"] = {"ranks": result.ranks, "units": np.array(result.units)}
        return out

    return Bound(run, {"seed": spec.seed, "chunk_size": chunk, "chunks": -(-spec.samples // chunk),
                       "executor": spec.executor, "factors": [f.name for f in factors]}, files,
                 tuple(design_warnings(study.framework, study.methodology, factors, _short(where))))


def _bind_sensitivity(study: StudyInputs, spec: SensitivitySpec, where: str) -> Bound:
    factors = parse_factors(spec.factors, study.framework, study.methodology, f"{where}.factors")
    node = _node(spec.node, study.framework, f"{where}.node")
    args = (study.framework, study.dataset, study.methodology, factors)
    flagged = tuple(design_warnings(study.framework, study.methodology, factors, _short(where)))
    # every run's ranks and scores are kept until the indices are estimated (and stacked once more for them)
    per_run = 3 * 8.0 * (2 * len(study.dataset.units) + 1)
    d = len(factors)
    runs = {"sobol": spec.samples * (d + 2) if spec.target is None else max(spec.samples * (d + 2), spec.max_runs),
            "morris": spec.samples * (d + 1), "pawn": spec.samples}[spec.method]
    _fits(f"{where}.samples", [(f"{runs:,} runs' ranks and scores", per_run * runs)])
    if spec.method == "pawn":
        wide = [f.name for f in factors if f.dimension != 1]
        if wide:
            raise ConfigError(f"{where}: PAWN conditions on one column per factor; factor {wide[0]!r} spans several "
                              f"(use method sobol or morris for weight factors)")
        return Bound(lambda: pawn(*args, n=spec.samples, slices=spec.slices, seed=spec.seed, node=node,
                                  reference=study.reference), {"seed": spec.seed}, warnings=flagged)
    if spec.method == "morris":
        check_design(factors, spec.samples, spec.num_levels, f"{where}.samples", f"{where}.num_levels")
        return Bound(lambda: morris(*args, n=spec.samples, num_levels=spec.num_levels, seed=spec.seed, node=node,
                                    reference=study.reference), {"seed": spec.seed}, warnings=flagged)
    return Bound(lambda: sobol(*args, n=spec.samples, seed=spec.seed, node=node, target=spec.target,
                               max_runs=spec.max_runs, converge_on=spec.converge_on,
                               num_resamples=spec.num_resamples, reference=study.reference,
                               progress=study.progress), {"seed": spec.seed},
                 warnings=flagged)


def _bind_importance(study: StudyInputs, spec: ImportanceSpec, where: str) -> Bound:
    bad = [m for m in [*spec.methods, spec.optimise_method] if m not in CORRELATION_RATIOS]
    if bad:
        key = "optimise_method" if bad[0] not in spec.methods else "methods"
        raise ConfigError(f"{where}.{key}: unknown estimator {bad[0]!r}; valid choices: {choices(CORRELATION_RATIOS)}")
    return Bound(lambda: importance(study.framework, study.dataset, study.methodology, methods=spec.methods,
                                    n_boot=spec.n_boot, seed=spec.seed, target=spec.target,
                                    compare_to=spec.compare_to, optimise=spec.optimise,
                                    optimise_method=spec.optimise_method, reference=study.reference,
                                    progress=study.progress))


def _bind_coherence(study: StudyInputs, spec: CoherenceSpec, where: str) -> Bound:
    return Bound(lambda: coherence(study.framework, study.dataset, study.methodology, threshold=spec.threshold,
                                   reference=study.reference))


def _bind_stability(study: StudyInputs, spec: StabilitySpec, where: str) -> Bound:
    try:
        compared_nodes(study.framework, spec.nodes)
    except UserError as err:
        raise ConfigError(f"{where}.nodes: {err}") from None
    pairs = spec.robust_pairs  # None, or the block with every default filled in (box, dominance)

    def run() -> Result:
        loo = leave_one_out(study.framework, study.dataset, study.methodology,
                            nodes=spec.nodes) if spec.leave_one_out else None
        share = robust_pairs(study.framework, study.dataset, study.methodology, box=pairs["box"],
                             dominance=pairs["dominance"], reference=study.reference) if pairs else None
        return StabilityResult(loo, share)

    return Bound(run)


def _bind_weight_map(study: StudyInputs, spec: WeightMapSpec, where: str) -> Bound:
    fw, ds = study.framework, study.dataset
    for unit in spec.units or ():
        if unit not in ds.units:
            shown = choices(ds.units[:10]) + (" ..." if len(ds.units) > 10 else "")
            raise ConfigError(f"{where}.units: unknown unit {unit!r}; valid choices: {shown}")
    for code in spec.children or ():
        if code not in fw.nodes:
            raise ConfigError(f"{where}.children: unknown code {code!r}; valid choices: {choices(fw.nodes)}")
    if spec.node is not None and spec.node not in fw.composites:
        raise ConfigError(f"{where}.node: {spec.node!r} is not a composite; valid choices: {choices(fw.composites)}")
    children = spec.children
    if spec.node is not None:
        kids = fw.children(spec.node)
        if len(kids) != 3 or (children is not None and set(children) != set(kids)):
            raise ConfigError(f"{where}.node: composite {spec.node!r} has children {choices(kids)}; a weight map "
                              f"varies exactly three (give children: the node's three, or another node)")
    elif children is None:
        head = fw.require_headline()
        if len(fw.children(head)) != 3:
            raise ConfigError(f"{where}.children: give the three nodes whose weights vary (the headline {head!r} "
                              f"has {len(fw.children(head))} children, not 3)")
    elif len(children) != 3 or len(set(children)) != 3:
        raise ConfigError(f"{where}.children: a weight map varies three distinct nodes, got {choices(children)}")
    if study.methodology.weights.data_driven:
        batched = choices(n for n, e in METHODS["weights"].items() if not e.data_driven)
        driven = next(m for m in study.methodology.weights.methods() if m.entry.data_driven)
        raise ConfigError(f"{where}: weights {driven.name!r} are data-driven and would "
                          f"override the simplex weights; use one of {batched} or explicit weights")
    return Bound(lambda: weight_map(fw, ds, study.methodology, spec.units, spec.children,
                                    resolution=spec.resolution, node=spec.node))


def _bind_rank_change(study: StudyInputs, spec: RankChangeSpec, where: str) -> Bound:
    if study.panel is None:
        raise ConfigError(f"{where}: a rank change needs data at several time points (a 'Time' column in the iData, "
                          f"data.time: COLUMN, or data.years for an external panel)")
    panel = study.panel
    factors = parse_factors(spec.factors, study.framework, study.methodology, f"{where}.factors", across_time=True)
    for i, f in enumerate(factors):  # the reference years of a normalise_over factor must be in the panel
        for alt in f.choices if f.kind == "time_normalisation" else ():
            if isinstance(alt, Mapping):
                try:
                    panel[alt["reference"]]
                except UserError as err:
                    raise ConfigError(f"{where}.factors[{i}]: {err}") from None
    node = _node(spec.node, study.framework, f"{where}.node")
    pairs = panel.check_pairs(spec.pairs, f"{where}.pairs")
    if spec.normalise_over == "reference":
        try:
            panel[spec.reference_time]
        except UserError as err:
            raise ConfigError(f"{where}.reference_time: {err}") from None
    try:  # what only the time points' own frameworks can say (a factor whose columns changed with them)
        check_rank_change(study.framework, panel, study.methodology, spec.factors, node=node, pairs=pairs,
                          normalise_over=spec.normalise_over, reference_time=spec.reference_time)
    except UserError as err:
        raise ConfigError(f"{where}: {err}") from None
    units = len(panel.units)
    runs = (spec.sobol_samples or 0) * (len(factors) + 2)
    _fits(f"{where}.samples", [("rank-change counts (pairs x units x 2 units x 8 bytes)",
                                8.0 * len(pairs) * units * 2 * units),
                               (f"{runs:,} Sobol' runs' changes", 8.0 * runs * units * (len(pairs) + len(panel.times)))])

    def run() -> Result:
        # the factors as written: each time point resolves them against its own framework
        result = rank_change(study.framework, panel, study.methodology, spec.factors, pairs=pairs, n=spec.samples,
                             seed=spec.seed, node=node, normalise_over=spec.normalise_over,
                             reference_time=spec.reference_time, chunk_size=spec.chunk_size)
        if spec.sobol_samples is None:
            return result
        sensitivity = rank_change_sensitivity(study.framework, panel, study.methodology, spec.factors, pairs=pairs,
                                              n=spec.sobol_samples, seed=spec.seed, node=node,
                                              normalise_over=spec.normalise_over, reference_time=spec.reference_time)
        return dataclasses.replace(result, sensitivity=sensitivity)

    return Bound(run, {"seed": spec.seed, "factors": [f.name for f in factors]},
                 warnings=tuple(design_warnings(study.framework, study.methodology, factors, _short(where))))


#: Every analysis, in the order a run computes them (and the manifest lists them).
ANALYSES: Mapping[str, Analysis] = {a.key: a for a in (
    Analysis(GridSpec, _bind_grid, ("grid.csv",), ("grid_heatmap", "bump_chart"), "uncertainty"),
    Analysis(UncertaintySpec, _bind_uncertainty, ("uncertainty.csv",),
             ("rank_intervals", "rank_shift_histogram", "rank_bands_over_time"), "uncertainty"),
    Analysis(StabilitySpec, _bind_stability, ("removal_summary.csv",), (), "removal"),
    Analysis(ImportanceSpec, _bind_importance, ("importance.csv",), ("weights_vs_importance",), "importance"),
    Analysis(CoherenceSpec, _bind_coherence, ("coherence_composites.csv",), (), "coherence"),
    Analysis(SensitivitySpec, _bind_sensitivity, ("sensitivity.csv", "screening.csv"), ("sobol_bars", "sobol_heatmap"),
             "sensitivity"),
    Analysis(WeightMapSpec, _bind_weight_map, ("weight_map-*.csv",), ("ternary_rank_map",), "importance"),
    Analysis(RankChangeSpec, _bind_rank_change, ("rank_change.csv", "rank_change_sensitivity.csv"),
             ("rank_change_intervals",), "rank_change"),
)}


def specs() -> dict[str, type[Spec]]:
    """Config key -> spec class of every analysis (what :meth:`dti_bench.config.Config.from_mapping` validates)."""
    return {key: a.spec for key, a in ANALYSES.items()}


__all__ = ["ANALYSES", "Analysis", "Bound", "StudyInputs", "specs"]
