"""``run(config)``: the only orchestrator. Resolves a config, computes what it asks for, writes one run folder.

Run folder (DESIGN.md section 4): ``config.yaml`` (resolved), ``manifest.json``, ``scores.csv``, ``ranks.csv``,
``grid.csv`` when a grid is asked for, the other analyses' tables, ``figures/`` and ``report.html`` (the audit
report, as ``dti-bench report`` writes it). Written under a temporary name and renamed when
complete, so a folder that exists is complete, and an earlier run is never overwritten.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import platform
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from dti_bench import __version__, io
from dti_bench.config import Config, load_config, parse_grid
from dti_bench.model.methodology import parse_methodology, vary
from dti_bench.model.dataset import Dataset, merge_units
from dti_bench.analyses.factors import label_choice, parse_factors
from dti_bench.engine.batch import DEFAULT_CHUNK, Batch, Engine, default_chunk
from dti_bench.errors import ConfigError, choices
from dti_bench.engine.executors import EXECUTORS
from dti_bench.model.framework import Framework
from dti_bench.index import IndexResult, compute_index
from dti_bench.model.methodology import Methodology
from dti_bench.reporting.figures import draw_run_figures
from dti_bench.reporting.html import write_report
from dti_bench.metrics.robustness import robust_pair_share
from dti_bench.metrics.stability import summarise
from dti_bench.analyses.leave_one_out import leave_one_out, removal_summary
from dti_bench.analyses.screening import run_morris, run_pawn
from dti_bench.analyses.sobol import run_sobol
from dti_bench.analyses.uncertainty import DEFAULT_TOP_K, run_uncertainty


@dataclass(frozen=True)
class Study:
    """A config resolved against its data: what every analysis needs."""

    config: Config
    framework: Framework
    dataset: Dataset
    methodology: Methodology
    reference: Dataset | None = None

    def resolved_config(self) -> dict[str, Any]:
        """The config with every default filled in (what ``config.yaml`` of a run holds)."""
        return {
            "name": self.config.name,
            "description": self.config.description,
            "data": self.config.data.to_dict(),
            "methodology": self.methodology.to_dict(),
            "analyses": dict(self.config.analyses),
        }


def prepare(config: Config) -> Study:
    """Load the framework and data a config names and parse its methodology against the framework."""
    spec = config.data
    if spec.external is not None:
        from dti_bench.io.external import load_external

        framework, dataset = load_external(spec.external, root=spec.root, year=spec.year)
        if spec.framework is not None:
            framework = io.load_framework(spec.framework)
            dataset = dataset.select(framework.indicators)
    elif spec.dataset is not None:
        meta = io.dataset_meta(spec.dataset)
        framework = io.load_framework(spec.framework if spec.framework is not None else meta["framework"])
        dataset = io.load_dataset(spec.dataset, framework)
    else:
        framework = io.load_framework(spec.framework)
        dataset = io.load_idata(spec.indicators, framework, unit_column=spec.unit_column,
                                name_column=spec.name_column, groups=spec.groups, denominators=spec.denominators)
    if spec.merge is not None:
        # e.g. the 2025 provincial arrangement: merged units get the mean of their former units' indicators
        dataset = merge_units(dataset, io.load_mergers(str(spec.merge)), name=f"{dataset.name}-merged-{spec.merge}")
    reference = None
    if spec.reference is not None:
        reference = (io.load_idata(spec.reference, framework, unit_column=spec.unit_column,
                                   name_column=spec.name_column, groups=spec.groups, denominators=spec.denominators)
                     if isinstance(spec.reference, Path) else io.load_dataset(str(spec.reference), framework))
    methodology = parse_methodology(config.methodology, where=f"{config.source}: methodology", framework=framework)
    study = Study(config, framework, dataset, methodology, reference)
    # every alternative and factor must parse before anything runs
    if "grid" in config.analyses:
        grid_variants(config, framework, methodology)
    if "uncertainty" in config.analyses:
        uncertainty_spec(study)
    if "sensitivity" in config.analyses:
        sensitivity_spec(study)
    return study


def grid_variants(config: Config, framework: Framework, nominal: Methodology) -> list[tuple[str, Methodology]]:
    """The full-factorial grid of ``analyses.grid`` as (label, methodology) pairs, nominal settings elsewhere."""
    where = f"{config.source}: analyses.grid"
    axes = parse_grid(config.analyses["grid"], where)
    variants = []
    for combo in itertools.product(*[alternatives for _, alternatives in axes]):
        changes = {path: choice for (path, _), choice in zip(axes, combo)}
        label = "|".join(f"{path}={label_choice(choice)}" for path, choice in changes.items())
        try:
            variants.append((label, vary(nominal, changes, framework=framework)))
        except ConfigError as err:
            raise ConfigError(f"{where}: {err}") from None
    return variants


def run(config_path: str | Path, *, out: str | Path = "experiments", seed: int | None = None,
        samples: int | None = None, quiet: bool = False) -> Path:
    """Run an experiment config and write its run folder; returns the folder's path.

    ``seed`` and ``samples`` override every analysis's own (the command line's ``--seed`` / ``--samples``).
    """
    t0 = time.perf_counter()
    config = load_config(config_path)
    study = prepare(config)
    timings: dict[str, float] = {"prepare": time.perf_counter() - t0}
    resolved = study.resolved_config()
    config_hash = hashlib.sha256(json.dumps(resolved, sort_keys=True, default=str).encode()).hexdigest()
    folder = io.RunFolder(Path(out), config.name, config_hash[:8])
    try:
        t = time.perf_counter()
        nominal = compute_index(study.framework, study.dataset, study.methodology, reference=study.reference)
        write_nominal(nominal, folder)
        nominal_ranks = nominal.ranks.reindex(list(study.dataset.units))
        timings["nominal"] = time.perf_counter() - t
        outputs: dict[str, Any] = {}
        context = RunContext(study, folder, nominal, nominal_ranks, seed, samples, quiet)
        for name, writer in ANALYSES.items():  # in this order: figures and reports read them in it
            if name in config.analyses:
                t = time.perf_counter()
                outputs[name] = writer(context)
                timings[name] = time.perf_counter() - t
        t = time.perf_counter()
        label = f"SYNTHETIC DATA ({study.dataset.name})" if study.dataset.synthetic else None
        outputs["figures"] = draw_run_figures(folder.tmp, label=label)
        timings["figures"] = time.perf_counter() - t
        io.write_yaml(resolved, folder.path("config.yaml"))
        timings["total"] = time.perf_counter() - t0
        manifest = {
            "run_id": folder.run_id, "package": "dti_bench", "version": __version__, "git_commit": _git_commit(),
            "config_path": str(config.path), "config_hash": config_hash, "data_hash": data_hash(study.dataset),
            "dataset": study.dataset.name, "synthetic": study.dataset.synthetic, "framework": study.framework.name,
            "units": len(study.dataset.units), "indicators": len(study.framework.indicators),
            "excluded_units": list(nominal.excluded), "seed": seed, "samples_override": samples,
            "outputs": outputs, "timings_s": {k: round(v, 4) for k, v in timings.items()},
            "platform": {"python": sys.version.split()[0], "numpy": np.__version__, "pandas": pd.__version__,
                         "machine": platform.machine(), "system": platform.platform()},
        }
        io.write_json(manifest, folder.path("manifest.json"))
        write_report(folder.tmp)  # report.html, from the files just written (they are the report's only input)
    except BaseException:
        folder.abandon()
        raise
    final = folder.commit()
    if not quiet:
        print(summary(nominal, final))
        print(f"report: {final / 'report.html'}")
    return final


@dataclass(frozen=True)
class RunContext:
    """What every analysis writer receives: the study, the folder being written, the nominal result, overrides."""

    study: Study
    folder: io.RunFolder
    nominal: IndexResult
    nominal_ranks: pd.DataFrame
    seed: int | None
    samples: int | None
    quiet: bool


def write_nominal(result: IndexResult, folder: io.RunFolder) -> None:
    """scores.csv and ranks.csv: unit, then one column per composite (framework codes); treatment.csv, every
    cell the nominal methodology's outlier treatment changed, and excluded.csv, the units screening removed."""
    for name, frame in (("scores.csv", result.scores), ("ranks.csv", result.ranks)):
        table = frame.reset_index().rename(columns={"index": "unit"})
        if name == "ranks.csv":
            table[list(frame.columns)] = table[list(frame.columns)].astype("Int64")
        io.write_csv(table, folder.path(name))
    rows = [{"indicator": report["indicator"], "unit": result.dataset.units[int(position)], "original": old,
             "treated": new, "method": report.get("method"), "log": bool(report.get("log"))}
            for report in result.treatment for position, old, new in report.get("treated", [])]
    if rows:
        io.write_csv(pd.DataFrame(rows), folder.path("treatment.csv"))
    if result.excluded:
        io.write_csv(pd.DataFrame({"unit": list(result.excluded)}), folder.path("excluded.csv"))


def write_grid(ctx: RunContext) -> dict[str, Any]:
    """grid.csv (unit, variant, node, score, rank), every variant of the grid through the engine, and
    grid_stability.csv (every rank-stability metric of each variant against the nominal ranks, per composite);
    failed variants are recorded with their reason in the manifest, not fatal."""
    study, folder, nominal_ranks = ctx.study, ctx.folder, ctx.nominal_ranks
    variants = grid_variants(study.config, study.framework, study.methodology)
    engine = Engine(study.framework, study.dataset, reference=study.reference)
    ev = engine.evaluate(Batch.of([m for _, m in variants]))
    rows = []
    for i, (label, _) in enumerate(variants):
        if ev.failed[i]:
            continue
        for c, node in enumerate(ev.composites):
            rows.append(pd.DataFrame({"unit": ev.units, "variant": label, "node": node, "score": ev.scores[i, :, c],
                                      "rank": pd.array(_int_or_na(ev.ranks[i, :, c]), dtype="Int64")}))
    columns = ["unit", "variant", "node", "score", "rank"]
    table = pd.concat(rows, ignore_index=True)[columns] if rows else pd.DataFrame(columns=columns)
    io.write_csv(table, folder.path("grid.csv"))
    ok = np.flatnonzero(~ev.failed)
    stability = []
    for c, node in enumerate(ev.composites):
        if ok.size == 0:
            break
        metrics = summarise(nominal_ranks[node].to_numpy(dtype=float), ev.ranks[ok, :, c])
        metrics.insert(0, "variant", [variants[i][0] for i in ok])
        metrics.insert(1, "node", node)
        stability.append(metrics)
    if stability:
        io.write_csv(pd.concat(stability, ignore_index=True), folder.path("grid_stability.csv"))
    failed = [{"variant": variants[i][0], "reason": ev.reasons[i]} for i in np.flatnonzero(ev.failed)]
    return {"variants": len(variants), "failed": failed}


STABILITY_KEYS = ("leave_one_out", "robust_pairs", "nodes")


def write_stability(ctx: RunContext) -> dict[str, Any]:
    """``analyses.stability``: leave-one-out rank changes (removal.csv, removal_summary.csv) and the robust-pair
    share of Foster, McGillivray & Seth over the headline's weights (whole simplex, or a box of ±``box`` around
    the nominal weights)::

        stability: {leave_one_out: true, robust_pairs: {box: 0.25}, nodes: all}
    """
    study, folder, nominal = ctx.study, ctx.folder, ctx.nominal
    where = f"{study.config.source}: analyses.stability"
    block = study.config.analyses["stability"] or {}
    if not isinstance(block, Mapping):
        raise ConfigError(f"{where}: expected a mapping of {choices(STABILITY_KEYS)}")
    unknown = [k for k in block if k not in STABILITY_KEYS]
    if unknown:
        raise ConfigError(f"{where}: unknown key {unknown[0]!r}; valid keys: {choices(STABILITY_KEYS)}")
    out: dict[str, Any] = {}
    if block.get("leave_one_out", True):
        shifts = leave_one_out(study.framework, study.dataset, study.methodology, nodes=block.get("nodes"))
        io.write_csv(shifts, folder.path("removal.csv"))
        summary = removal_summary(shifts)
        io.write_csv(summary, folder.path("removal_summary.csv"))
        out["leave_one_out"] = {"elements": int(shifts["removed"].nunique())}
    pairs = block.get("robust_pairs")
    if pairs:
        pairs = {} if pairs is True else pairs
        head = study.framework.require_headline()
        kids = study.framework.children(head)
        x = nominal.values[list(kids)].to_numpy(dtype=float)
        w = nominal.weights[head]
        box = pairs.get("box") if isinstance(pairs, Mapping) else None
        if box is not None and not (isinstance(box, (int, float)) and 0 < box < 1):
            raise ConfigError(f"{where}.robust_pairs.box: expected a fraction in (0, 1), got {box!r}")
        kwargs = {} if box is None else {"w_lo": w * (1 - box), "w_hi": w * (1 + box)}
        share = robust_pair_share(x, method="vertices" if len(kids) <= 16 else "lp", **kwargs)
        out["robust_pair_share"] = {"node": head, "weights": "simplex" if box is None else f"nominal ±{box:.0%}",
                                    "share": float(share)}
    return out


def _int_or_na(values: np.ndarray) -> list:
    return [pd.NA if np.isnan(v) else int(v) for v in values]


def write_uncertainty(ctx: RunContext) -> dict[str, Any]:
    """uncertainty.csv, rank_frequency.csv and stability.csv of ``analyses.uncertainty``."""
    study, folder, quiet = ctx.study, ctx.folder, ctx.quiet
    spec = uncertainty_spec(study, seed=ctx.seed, samples=ctx.samples)
    t = time.perf_counter()
    result = run_uncertainty(study.framework, study.dataset, study.methodology, spec["factors"],
                             samples=spec["samples"], seed=spec["seed"], node=spec["node"],
                             chunk_size=spec["chunk_size"], executor=spec["executor"], workers=spec["workers"],
                             address=spec["address"], reference=study.reference, keep_ranks=spec["save_ranks"],
                             progress=not quiet)
    wall = time.perf_counter() - t
    chunk = spec["chunk_size"] or default_chunk(study.framework, len(study.dataset.units))
    io.write_csv(result.table(spec["top_k"]), folder.path("uncertainty.csv"))
    io.write_csv(result.frequency_table(), folder.path("rank_frequency.csv"))
    io.write_csv(result.stability(), folder.path("stability.csv"))
    if result.ranks is not None:
        np.savez_compressed(folder.path("uncertainty_ranks.npz"), ranks=result.ranks, units=np.array(result.units))
    return {**result.summary(), "seed": spec["seed"], "chunk_size": chunk,
            "chunks": -(-spec["samples"] // chunk), "executor": spec["executor"],
            "factors": [f.name for f in spec["factors"]], "wall_s": round(wall, 4),
            "samples_per_s": round(spec["samples"] / wall, 1) if wall > 0 else None}


UNCERTAINTY_KEYS = ("samples", "seed", "factors", "node", "chunk_size", "executor", "workers", "address", "top_k",
                    "save_ranks")


def uncertainty_spec(study: Study, *, seed: int | None = None, samples: int | None = None) -> dict[str, Any]:
    """``analyses.uncertainty`` validated, defaults filled, factors parsed; ``seed``/``samples`` override."""
    where = f"{study.config.source}: analyses.uncertainty"
    block = _block(study, "uncertainty", UNCERTAINTY_KEYS)
    spec = {"samples": 1000, "seed": 1, "node": None, "chunk_size": DEFAULT_CHUNK, "executor": "serial",
            "workers": None, "address": None, "top_k": list(DEFAULT_TOP_K), "save_ranks": False, **block}
    if samples is not None:
        spec["samples"] = samples
    if seed is not None:
        spec["seed"] = seed
    for key in ("samples", "chunk_size", "seed"):
        val = spec[key]
        if key == "chunk_size" and val is None:
            continue  # sized to the memory budget
        if isinstance(val, bool) or not isinstance(val, int) or val < (0 if key == "seed" else 1):
            raise ConfigError(f"{where}.{key}: expected a {'non-negative' if key == 'seed' else 'positive'} whole "
                              f"number, got {val!r}")
    if spec["executor"] not in EXECUTORS:
        raise ConfigError(f"{where}.executor: {spec['executor']!r} is not one of {choices(EXECUTORS)}")
    if spec["node"] is not None and spec["node"] not in study.framework.composites:
        raise ConfigError(f"{where}.node: {spec['node']!r} is not a composite; valid choices: "
                          f"{choices(study.framework.composites)}")
    spec["node"] = spec["node"] or study.framework.require_headline()
    spec["factors"] = parse_factors(block.get("factors"), study.framework, study.methodology, f"{where}.factors")
    return spec


IMPORTANCE_KEYS = ("methods", "n_boot", "seed", "target", "optimise", "optimise_method", "compare_to")


def _block(study: Study, key: str, valid: tuple[str, ...]) -> dict[str, Any]:
    """``analyses.<key>`` as a dict (``true`` = defaults), unknown keys refused."""
    where = f"{study.config.source}: analyses.{key}"
    block = study.config.analyses[key]
    if block is True or block is None:
        return {}
    if not isinstance(block, Mapping):
        raise ConfigError(f"{where}: expected true or a mapping of {choices(valid)}")
    unknown = [k for k in block if k not in valid]
    if unknown:
        raise ConfigError(f"{where}: unknown key {unknown[0]!r}; valid keys: {choices(valid)}")
    return dict(block)


def write_importance(ctx: RunContext) -> dict[str, Any]:
    """importance.csv (weights versus importance, Paruolo et al. 2013) and, with ``optimise``, optimised_weights.csv
    (Becker et al. 2017): ``importance: {methods: [bspline, knn], n_boot: 200, optimise: equal}``.

    The optimisation re-estimates importance at every step, so it uses ``optimise_method`` (default ``pearson``:
    r², exact for a linear aggregate of linearly related children and ~20x faster than the spline estimator;
    ``bspline`` follows Becker et al. to the letter at a cost of seconds per composite)."""
    from dti_bench.analyses.importance import CORRELATION_RATIOS, importance_table, optimise_weights

    study, folder, nominal, seed = ctx.study, ctx.folder, ctx.nominal, ctx.seed
    where = f"{study.config.source}: analyses.importance"
    spec = {"methods": ["bspline", "knn"], "n_boot": 200, "seed": 1, "target": "headline", "optimise": None,
            "optimise_method": "pearson", "compare_to": "effective", **_block(study, "importance", IMPORTANCE_KEYS)}
    if seed is not None:
        spec["seed"] = seed
    bad = [m for m in [*spec["methods"], spec["optimise_method"]] if m not in CORRELATION_RATIOS]
    if bad:
        raise ConfigError(f"{where}.methods: unknown estimator {bad[0]!r}; valid choices: {choices(CORRELATION_RATIOS)}")
    if spec["target"] not in ("headline", "parent"):
        raise ConfigError(f"{where}.target: expected 'headline' or 'parent', got {spec['target']!r}")
    if spec["optimise"] not in (None, "equal", "nominal"):
        raise ConfigError(f"{where}.optimise: expected null, 'equal' or 'nominal', got {spec['optimise']!r}")
    table = importance_table(nominal, target=spec["target"], methods=tuple(spec["methods"]), n_boot=spec["n_boot"],
                             seed=spec["seed"], compare_to=spec["compare_to"])
    io.write_csv(table, folder.path("importance.csv"))
    out: dict[str, Any] = {"rows": len(table), "methods": spec["methods"], "seed": spec["seed"]}
    if spec["optimise"]:
        rows = []
        for comp in study.framework.composites:
            kids = list(study.framework.children(comp))
            if len(kids) < 2:
                continue
            x = nominal.values[kids].to_numpy(dtype=float)
            target = "equal" if spec["optimise"] == "equal" else study.framework.nominal_weights(comp)
            res = optimise_weights(x, target, method=spec["optimise_method"])
            for k, child in enumerate(kids):
                rows.append({"parent": comp, "child": child, "target_share": res.target[k],
                             "optimal_weight": res.weights[k], "achieved_share": res.shares[k],
                             "residual": res.residual, "reachable": res.reachable})
        io.write_csv(pd.DataFrame(rows), folder.path("optimised_weights.csv"))
        out["optimised"] = {"target": spec["optimise"], "method": spec["optimise_method"]}
    return out


COHERENCE_KEYS = ("threshold",)


def write_coherence(ctx: RunContext) -> dict[str, Any]:
    """coherence_correlations.csv and coherence_composites.csv (Handbook step 4: correlations, Cronbach's alpha,
    PCA per composite, flagged weak or negative child-parent correlations)."""
    from dti_bench.analyses.coherence import WEAK_CORRELATION, coherence_tables

    study, folder, nominal = ctx.study, ctx.folder, ctx.nominal
    spec = {"threshold": WEAK_CORRELATION, **_block(study, "coherence", COHERENCE_KEYS)}
    tables = coherence_tables(nominal, threshold=spec["threshold"])
    for name, table in tables.items():
        io.write_csv(table, folder.path(f"{name}.csv"))
    return {name: len(t) for name, t in tables.items()}


SENSITIVITY_KEYS = ("method", "samples", "seed", "factors", "node", "target", "max_runs", "converge_on",
                    "num_resamples", "trajectories", "num_levels", "slices")
SENSITIVITY_METHODS = ("sobol", "morris", "pawn")


def sensitivity_spec(study: Study, *, seed: int | None = None, samples: int | None = None) -> dict[str, Any]:
    """``analyses.sensitivity`` validated, defaults filled, factors parsed; ``seed``/``samples`` override.

    ``samples`` is the Sobol' base size N (a power of 2; N (d + 2) runs), the Morris trajectories, or the PAWN
    Monte Carlo sample size.
    """
    where = f"{study.config.source}: analyses.sensitivity"
    block = _block(study, "sensitivity", SENSITIVITY_KEYS)
    spec = {"method": "sobol", "samples": 256, "seed": 1, "node": None, "target": 0.05, "max_runs": 200_000,
            "converge_on": "summary", "num_resamples": 100, "num_levels": 4, "slices": 10, **block}
    if samples is not None:
        spec["samples"] = samples
    if seed is not None:
        spec["seed"] = seed
    if spec["method"] not in SENSITIVITY_METHODS:
        raise ConfigError(f"{where}.method: {spec['method']!r} is not one of {choices(SENSITIVITY_METHODS)}")
    n = spec["samples"]
    if isinstance(n, bool) or not isinstance(n, int) or n < 2:
        raise ConfigError(f"{where}.samples: expected a whole number >= 2, got {n!r}")
    if spec["method"] == "sobol" and n & (n - 1):
        raise ConfigError(f"{where}.samples: the Sobol' base size must be a power of 2 (e.g. 256, 1024), got {n}")
    if spec["target"] is not None and not (isinstance(spec["target"], (int, float)) and 0 < spec["target"] < 1):
        raise ConfigError(f"{where}.target: expected a half-width in (0, 1) or null, got {spec['target']!r}")
    if spec["converge_on"] not in ("summary", "all"):
        raise ConfigError(f"{where}.converge_on: expected 'summary' or 'all', got {spec['converge_on']!r}")
    if spec["node"] is not None and spec["node"] not in study.framework.composites:
        raise ConfigError(f"{where}.node: {spec['node']!r} is not a composite; valid choices: "
                          f"{choices(study.framework.composites)}")
    spec["factors"] = parse_factors(block.get("factors"), study.framework, study.methodology, f"{where}.factors")
    if spec["method"] == "pawn":
        wide = [f.name for f in spec["factors"] if f.dimension != 1]
        if wide:
            raise ConfigError(f"{where}: PAWN conditions on one column per factor; factor {wide[0]!r} spans several "
                              f"(use method sobol or morris for weight factors)")
    return spec


def write_sensitivity(ctx: RunContext) -> dict[str, Any]:
    """sensitivity.csv (Sobol') or screening.csv (Morris, PAWN) of ``analyses.sensitivity``."""
    study, folder = ctx.study, ctx.folder
    spec = sensitivity_spec(study, seed=ctx.seed, samples=ctx.samples)
    args = (study.framework, study.dataset, study.methodology, spec["factors"])
    t = time.perf_counter()
    if spec["method"] == "sobol":
        result = run_sobol(*args, n=spec["samples"], seed=spec["seed"], node=spec["node"], target=spec["target"],
                           max_runs=spec["max_runs"], converge_on=spec["converge_on"],
                           num_resamples=spec["num_resamples"], reference=study.reference)
        io.write_csv(result.table(), folder.path("sensitivity.csv"))
        summary = result.summary()
    else:
        if spec["method"] == "morris":
            table = run_morris(*args, trajectories=spec["samples"], num_levels=spec["num_levels"], seed=spec["seed"],
                               node=spec["node"], reference=study.reference)
        else:
            table = run_pawn(*args, samples=spec["samples"], slices=spec["slices"], seed=spec["seed"],
                             node=spec["node"], reference=study.reference)
        io.write_csv(table, folder.path("screening.csv"))
        summary = {"method": spec["method"], "factors": [f.name for f in spec["factors"]], **table.attrs}
    return {**summary, "seed": spec["seed"], "wall_s": round(time.perf_counter() - t, 4)}


WEIGHT_MAP_KEYS = ("children", "units", "resolution", "node")


def write_weight_map(ctx: RunContext) -> dict[str, Any]:
    """``analyses.weight_map``: each named unit's rank over the simplex of three weights (weight_map-<unit>.csv and
    the ternary figure), e.g. ``weight_map: {children: [digital_government, digital_economy, digital_society],
    units: [ha_noi], resolution: 80}`` (children default: the headline's, when it has three)."""
    from dti_bench.reporting.figures import save_figure, stamp, ternary_rank_map
    from dti_bench.analyses.weight_map import simplex_rank_map

    study = ctx.study
    where = f"{study.config.source}: analyses.weight_map"
    spec = {"children": None, "units": None, "resolution": 60, "node": None,
            **_block(study, "weight_map", WEIGHT_MAP_KEYS)}
    units = spec["units"] or [ctx.nominal.ranks[study.framework.require_headline()].idxmin()]
    for unit in units:
        if unit not in study.dataset.units:
            raise ConfigError(f"{where}.units: unknown unit {unit!r}")
    written = []
    for unit in units:
        table = simplex_rank_map(study.framework, study.dataset, study.methodology, spec["children"], unit,
                                 resolution=int(spec["resolution"]), node=spec["node"])
        io.write_csv(table, ctx.folder.path(f"weight_map-{unit}.csv"))
        fig, drawn = ternary_rank_map(table, unit)
        if study.dataset.synthetic:
            stamp(fig, f"SYNTHETIC DATA ({study.dataset.name})")
        save_figure(fig, drawn, ctx.folder.path("figures"), f"ternary_rank_map-{unit}")
        written.append(unit)
    return {"units": written, "resolution": spec["resolution"]}


#: analysis key -> writer, in the order a run computes them.
ANALYSES = {
    "grid": write_grid,
    "uncertainty": write_uncertainty,
    "stability": write_stability,
    "importance": write_importance,
    "coherence": write_coherence,
    "sensitivity": write_sensitivity,
    "weight_map": write_weight_map,
}


def data_hash(dataset: Dataset) -> str:
    """sha256 of the unit codes, indicator codes and values (NaN included)."""
    h = hashlib.sha256()
    h.update("\x1f".join(dataset.units).encode())
    h.update(b"\x1e")
    h.update("\x1f".join(dataset.indicators).encode())
    h.update(np.ascontiguousarray(dataset.values).tobytes())
    return h.hexdigest()


def _git_commit() -> str | None:
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=io.PACKAGE_DIR, capture_output=True, text=True,
                             timeout=5, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


def summary(result: IndexResult, folder: Path, top: int = 10) -> str:
    """A short table of the headline's top units, and where the run folder is."""
    fw = result.framework
    head = fw.headline or fw.composites[-1]
    table = pd.DataFrame({"rank": result.ranks[head].astype("Int64"), head: result.values[head]})
    names = dict(zip(result.dataset.units, result.dataset.unit_names))
    table.insert(0, "name", [names[u] for u in table.index])
    table = table.sort_values("rank").head(top)
    tag = "  [SYNTHETIC DATA]" if result.dataset.synthetic else ""
    lines = [f"{fw.name} on {result.dataset.name}{tag}: {len(result.dataset.units)} units, "
             f"methodology {result.methodology.label()}", table.to_string(float_format=lambda v: f"{v:.4f}"),
             f"run folder: {folder}"]
    return "\n".join(lines)
