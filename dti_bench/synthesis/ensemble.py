"""Ensembles of calibrated synthetic datasets: K draws of a generator spanning its free parameters.

What the published numbers pin down is a *set* of datasets, not one: every draw of
:mod:`dti_bench.synthesis.dti2022` reproduces them, whatever its seed and free parameters within
:attr:`~dti_bench.synthesis.dti2022.Dti2022Parameters.RANGES`. An ensemble ships K such draws so that an analysis
can be run on each of them and a conclusion kept only where it holds across the set
(:class:`dti_bench.model.ensemble.Ensemble`, the ``member`` dimension of a run).

A recipe (:class:`EnsembleRecipe`, registered once in :data:`ENSEMBLES`) says how member ``k`` is drawn; the
bundled folder holds every member compactly: one ``data.csv`` whose first column is ``member`` (then the member
dataset's own columns, 4 decimals as the single draw) and a ``meta.yaml`` that lists each member's seed, free
parameters and the attempt that calibrated it. ``dti-bench synthesise --year 2022 --ensemble K --out DIR`` (or
:func:`write_ensemble`) regenerates the folder deterministically; the members do not depend on how many workers
draw them.

The 2022 design (:func:`dti2022_design`): member 0 is the bundled ``dti2022-synthetic`` draw (seed 20220712,
the default parameters); member ``k >= 1`` is seed ``k`` at point ``k`` of a Latin hypercube over the 17 free
parameters (8 loadings, 8 noise sds, the gap log-sd), scrambled with the fixed seed :data:`DESIGN_SEED`, each
coordinate rounded to 4 decimals so that ``meta.yaml`` states it exactly. A Latin hypercube stratifies every
parameter's range into K - 1 equal slices with one member in each, for any K (a Sobol' design needs a power of 2).
Reference: McKay, Beckman & Conover (1979) Technometrics 21:239; scipy.stats.qmc.LatinHypercube.

The 2023 design (:func:`dti2023_design`, ``dti2023-synthetic-ensemble``): every member is a two-year panel
(2022, 2023). Member ``k``'s 2022 year is member ``k`` of the shipped 2022 ensemble, read from its ``data.csv``
(not redrawn); its 2023 year is :func:`dti_bench.synthesis.dti2023.build_2023` of that 2022 year with the member's
seed (the 2022 member's: 20220712 for member 0, ``k`` otherwise; the 2023 draw streams are
``default_rng([seed, 2023, ...])``, so they never repeat the 2022 ones) and the point ``k`` of a second scrambled
Latin hypercube, over the 25 free parameters of
:class:`~dti_bench.synthesis.dti2023.Dti2023Parameters` (persistence 8, change loadings 8, change noise sds 8,
growth sd), seeded by :data:`DESIGN_SEED_2023` and rounded to 4 decimals. Member 0 is the bundled pair
(``dti2022-synthetic``, ``dti2023-synthetic``) exactly. A 2023 ensemble of ``K`` members needs the first ``K``
members of the shipped 2022 ensemble (``K`` at most its 50).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from scipy.stats import qmc

from dti_bench.errors import ConfigError, choices
from dti_bench.synthesis import dti2022, dti2023

#: Seed of the 2022 Latin hypercube (the date the ensemble was designed); changing it changes every member >= 1.
DESIGN_SEED = 20261203
#: Seed of the 2023 Latin hypercube: its own, so that the 2023 design does not repeat the 2022 one's points.
DESIGN_SEED_2023 = 20232023
#: Members of a bundled ensemble unless ``--ensemble K`` says otherwise.
DEFAULT_SIZE = 50
#: Decimals of each design coordinate (meta.yaml prints them exactly, so a member is rebuilt from its meta).
PARAMETER_DECIMALS = 4


@dataclass(frozen=True)
class MemberSpec:
    """How one member is drawn: its label, the generator's seed and its free parameters."""

    member: int
    seed: int
    parameters: Any


@dataclass(frozen=True)
class MemberDraw:
    """One drawn member: its CSV rows (the member label first, as text) and what meta.yaml records of it."""

    member: int
    rows: list[list[str]]
    meta: dict[str, Any]


@dataclass(frozen=True)
class EnsembleRecipe:
    """A registered ensemble: how its members are designed and drawn, and where the bundled copy lives.

    Attributes
    ----------
    name : str
        The dataset name (``data: {dataset: NAME}``).
    folder : str
        Its folder under ``dti_bench/datasets/``.
    year : int
        The edition ``dti-bench synthesise --year`` selects it by.
    header : tuple of str
        The member dataset's columns (``member`` is written before them).
    design : callable
        ``design(size) -> list[MemberSpec]``, deterministic.
    draw : callable
        ``draw(spec) -> MemberDraw``, deterministic for the spec (a module-level function, so that worker
        processes can run it).
    meta_head : callable
        ``meta_head(size) -> list of str``: the meta.yaml lines before ``members:`` (name, synthetic flag,
        description, framework, design).
    """

    name: str
    folder: str
    year: int
    header: tuple[str, ...]
    design: Callable[[int], list[MemberSpec]]
    draw: Callable[[MemberSpec], MemberDraw]
    meta_head: Callable[[int], list[str]]
    extra: dict[str, Any] = field(default_factory=dict)


# -- the 2022 ensemble -------------------------------------------------------------------------------------------

def dti2022_design(size: int = DEFAULT_SIZE, design_seed: int = DESIGN_SEED) -> list[MemberSpec]:
    """The 2022 ensemble's members: seed and free parameters of each.

    Member 0 is the bundled draw (seed :data:`dti2022.SEED`, :data:`dti2022.DEFAULT_PARAMETERS`); member
    ``k = 1 .. size-1`` is seed ``k`` with parameters ``lo + (hi - lo) u_k`` for row ``k - 1`` of a scrambled
    Latin hypercube ``u`` of shape (size - 1, 17) in the order loadings (8), noise sds (8), gap log-sd, each
    rounded to 4 decimals.

    Parameters
    ----------
    size : int
        Number of members K (at least 1).
    design_seed : int
        Seed of the hypercube.

    Returns
    -------
    list of MemberSpec

    Examples
    --------
    >>> specs = dti2022_design(5)
    >>> [s.seed for s in specs]
    [20220712, 1, 2, 3, 4]
    >>> lo, hi = dti2022.Dti2022Parameters.RANGES["gap_sigma"]
    >>> all(lo <= s.parameters.gap_sigma <= hi for s in specs)
    True
    """
    if not isinstance(size, (int, np.integer)) or isinstance(size, bool) or size < 1:
        raise ConfigError(f"--ensemble {size}: expected a whole number of members, at least 1")
    ranges = dti2022.Dti2022Parameters.RANGES
    n_ind = len(dti2022.INDICATORS)
    lo = np.array([ranges["loadings"][0]] * n_ind + [ranges["noise_sd"][0]] * n_ind + [ranges["gap_sigma"][0]])
    hi = np.array([ranges["loadings"][1]] * n_ind + [ranges["noise_sd"][1]] * n_ind + [ranges["gap_sigma"][1]])
    specs = [MemberSpec(0, dti2022.SEED, dti2022.DEFAULT_PARAMETERS)]
    if size > 1:
        unit = qmc.LatinHypercube(d=len(lo), rng=np.random.default_rng(design_seed)).random(size - 1)
        # rounding inward keeps a point at a range's edge inside it
        points = np.clip(np.round(lo + (hi - lo) * unit, PARAMETER_DECIMALS), lo, hi)
        for k, x in enumerate(points, start=1):
            parameters = dti2022.Dti2022Parameters(tuple(float(v) for v in x[:n_ind]),
                                                   tuple(float(v) for v in x[n_ind:2 * n_ind]), float(x[-1]))
            specs.append(MemberSpec(k, k, parameters))
    return specs


def dti2022_draw(spec: MemberSpec) -> MemberDraw:
    """Draw and calibrate one 2022 member (:func:`dti2022.build`): its rows as the bundled draw writes them."""
    result = dti2022.build(spec.seed, spec.parameters)
    rows, k = result["rows"], result["k"]
    records = [[str(spec.member), r["slug"], r["province"], r["region_code"], *(f"{v / dti2022.UNIT:.4f}" for v in k[i])]
               for i, r in enumerate(rows)]
    failed = [name for name, ok, _ in result["checks"] if not ok]
    draw_seed = result["draw_seed"]
    meta = {"member": spec.member, "seed": spec.seed,
            "draw_seed": draw_seed if isinstance(draw_seed, int) else list(draw_seed),
            "attempt": result["attempt"], "ordering": result["ordering"],
            "checks": f"{len(result['checks']) - len(failed)} of {len(result['checks'])} hold",
            "failed_checks": failed, "parameters": spec.parameters}
    return MemberDraw(spec.member, records, meta)


def _dti2022_meta_head(size: int) -> list[str]:
    ranges = dti2022.Dti2022Parameters.RANGES
    return [
        "name: dti2022-synthetic-ensemble",
        "synthetic: true",
        f'title: "Synthetic Vietnam provincial DTI 2022, an ensemble of {size} calibrated draws: 63 provinces x 8 '
        'main indicators each"',
        "description: >-",
        "  SYNTHETIC DATA. Not the official DTI 2022 main-indicator table, which is not published in full.",
        f"  {size} draws of the generator behind dti2022-synthetic (dti_bench.synthesis.dti2022), each calibrated",
        "  so that the official aggregation reproduces every published 2022 rank and value that dti2022-synthetic",
        "  reproduces (its meta.yaml lists them; the real numbers are identical in every member). Invented: every",
        "  other value (58 provinces x 8 indicators), differently in each member: member 0 is dti2022-synthetic",
        "  itself, member k >= 1 is seed k at point k of a Latin hypercube over the generator's free parameters",
        "  (loadings, noise sds, gap log-sd; ranges below). A conclusion about a real province is supported only",
        "  where it holds across the members; use it to exercise methods, never as evidence about a real province.",
        "  Known deviation, in every member: HCM's published profile sums to 0.716355, which rounds to 0.7164, not",
        "  the published 0.7163; the profile is kept exactly and the rank is unaffected.",
        "framework: dti-provincial-2022",
        "unit_column: uCode",
        "name_column: uName",
        "group_columns: [region]",
        "decimals: 4",
        "generator: dti_bench.synthesis.ensemble (dti-bench synthesise --year 2022 --ensemble K)",
        "ensemble:",
        "  member_column: member",
        f"  size: {size}",
        "  design: {method: latin hypercube (scipy.stats.qmc.LatinHypercube, scrambled), "
        f"seed: {DESIGN_SEED}, decimals: {PARAMETER_DECIMALS}, member_0: dti2022-synthetic}}",
        "  ranges: {" + ", ".join(f"{k}: [{lo:g}, {hi:g}]" for k, (lo, hi) in ranges.items()) + "}",
        "source_list: dti_bench/datasets/dti_published/sources.md",
        "calibration_targets: see dti2022_synthetic/meta.yaml (the same targets, met by every member)",
    ]


def _dti2022_member_yaml(meta: dict[str, Any]) -> list[str]:
    draw_seed = meta["draw_seed"]
    lines = [f"  - member: {meta['member']}",
             f"    seed: {meta['seed']}",
             f"    draw_seed: {draw_seed if isinstance(draw_seed, int) else '[' + ', '.join(map(str, draw_seed)) + ']'}",
             f"    attempt: {meta['attempt']}",
             f"    ordering: {meta['ordering']}",
             f"    checks: {dti2022._yaml_str(meta['checks'])}",
             f"    failed_checks: [{', '.join(dti2022._yaml_str(f) for f in meta['failed_checks'])}]",
             "    parameters:",
             *meta["parameters"].yaml_lines(6)]
    return lines


# -- the 2023 ensemble: two-year panels ----------------------------------------------------------------------

#: Where the 2023 ensemble's 2022 years come from (its member k is the 2023 member k's 2022 year).
ENSEMBLE_2022_FOLDER = dti2022.HERE / "dti2022_synthetic_ensemble"


def dti2023_design(size: int = DEFAULT_SIZE, design_seed: int = DESIGN_SEED_2023) -> list[MemberSpec]:
    """The 2023 ensemble's members: seed and 2023 free parameters of each (the 2022 year is the 2022 member's).

    Member 0 is the bundled pair (seed :data:`dti2023.SEED`, :data:`dti2023.DEFAULT_PARAMETERS`); member
    ``k = 1 .. size-1`` is seed ``k`` (the 2022 member's seed) with parameters ``lo + (hi - lo) u_k`` for row
    ``k - 1`` of a scrambled Latin hypercube ``u`` of shape (size - 1, 25) in the order persistence (8), change
    loadings (8), change noise sds (8), growth sd, each rounded to 4 decimals.

    Parameters
    ----------
    size : int
        Number of members K: from 1 to the size of the shipped 2022 ensemble (50), whose first K members give
        the 2022 years.
    design_seed : int
        Seed of the hypercube.

    Returns
    -------
    list of MemberSpec

    Examples
    --------
    >>> specs = dti2023_design(4)
    >>> [s.seed for s in specs]
    [20220712, 1, 2, 3]
    >>> specs[0].parameters == dti2023.DEFAULT_PARAMETERS
    True
    >>> lo, hi = dti2023.Dti2023Parameters.RANGES["growth_sd"]
    >>> all(lo <= s.parameters.growth_sd <= hi for s in specs)
    True
    """
    if not isinstance(size, (int, np.integer)) or isinstance(size, bool) or size < 1:
        raise ConfigError(f"--ensemble {size}: expected a whole number of members, at least 1")
    available = len(_ensemble_2022_members())
    if size > available:
        raise ConfigError(f"--ensemble {size}: the 2023 ensemble draws its 2022 years from the shipped "
                          f"dti2022-synthetic-ensemble, which has {available} members (valid: 1 to {available})")
    ranges = dti2023.Dti2023Parameters.RANGES
    n_ind = len(dti2022.INDICATORS)
    order = [*dti2023.Dti2023Parameters.TUPLES, "growth_sd"]
    lo = np.array([ranges[n][0] for n in order[:-1] for _ in range(n_ind)] + [ranges["growth_sd"][0]])
    hi = np.array([ranges[n][1] for n in order[:-1] for _ in range(n_ind)] + [ranges["growth_sd"][1]])
    specs = [MemberSpec(0, dti2023.SEED, dti2023.DEFAULT_PARAMETERS)]
    if size > 1:
        unit = qmc.LatinHypercube(d=len(lo), rng=np.random.default_rng(design_seed)).random(size - 1)
        # rounding inward keeps a point at a range's edge inside it
        points = np.clip(np.round(lo + (hi - lo) * unit, PARAMETER_DECIMALS), lo, hi)
        for k, x in enumerate(points, start=1):
            tuples = {n: tuple(float(v) for v in x[i * n_ind:(i + 1) * n_ind]) for i, n in enumerate(order[:-1])}
            specs.append(MemberSpec(k, k, dti2023.Dti2023Parameters(**tuples, growth_sd=float(x[-1]))))
    return specs


_MEMBERS_2022: dict[int, Any] = {}


def _ensemble_2022_members() -> dict[int, Any]:
    """The shipped 2022 ensemble's members as tables (``uCode`` and the 8 indicators), by member label; read once
    per process (each worker reads it for itself)."""
    if not _MEMBERS_2022:
        import pandas as pd

        table = pd.read_csv(ENSEMBLE_2022_FOLDER / "data.csv", dtype={"uCode": str})
        for label, rows in table.groupby("member", sort=True):
            _MEMBERS_2022[int(label)] = rows.drop(columns="member").reset_index(drop=True)
    return _MEMBERS_2022


def dti2023_draw(spec: MemberSpec) -> MemberDraw:
    """Draw and calibrate one 2023 member (:func:`dti2023.build_2023` given the 2022 member ``spec.member``):
    its rows, both years long (2022 then 2023, each in the published 2022 row order) as the panel CSV writes them."""
    k22 = dti2023.as_k2022(_ensemble_2022_members()[spec.member], dti2022.load_published())
    result = dti2023.build_2023(k22, spec.seed, spec.parameters)
    panel = dti2023.panel_csv(result["rows"], result["k2022"], result["k"]).splitlines()[1:]
    records = [[str(spec.member), *line.split(",")] for line in panel]
    failed = [name for name, ok, _ in result["checks"] if not ok]
    meta = {"member": spec.member, "seed": spec.seed, "draw_seed": list(result["draw_seed"]),
            "attempt": result["attempt"],
            "checks": f"{len(result['checks']) - len(failed)} of {len(result['checks'])} hold",
            "failed_checks": failed, "parameters": spec.parameters}
    return MemberDraw(spec.member, records, meta)


def _dti2023_meta_head(size: int) -> list[str]:
    ranges = dti2023.Dti2023Parameters.RANGES
    return [
        "name: dti2023-synthetic-ensemble",
        "synthetic: true",
        f'title: "Synthetic Vietnam provincial DTI 2022 and 2023, an ensemble of {size} calibrated two-year draws: '
        '63 provinces x 8 main indicators x 2 years each"',
        "description: >-",
        "  SYNTHETIC DATA. Not the official DTI 2022 or 2023 main-indicator tables, which are not published in full.",
        f"  {size} two-year panels (Time 2022, 2023). Member k's 2022 year is member k of dti2022-synthetic-ensemble",
        "  (read from its data.csv); its 2023 year is drawn conditional on it by dti_bench.synthesis.dti2023",
        "  (build_2023) and calibrated so that the official aggregation reproduces every published 2023 rank and",
        "  value that dti2023-synthetic reproduces and every published 2022 -> 2023 rank change (Hải Phòng 14 -> 8,",
        "  Hà Nội 24 -> 6, Bình Dương 19 -> 7, ...); the real numbers are identical in every member. Invented: every",
        "  other value, differently in each member: member 0 is the bundled pair dti2022-synthetic and",
        "  dti2023-synthetic itself, member k >= 1 is seed k at point k of a Latin hypercube over the 2023",
        "  generator's free parameters (persistence, change loadings, change noise sds, growth sd; ranges below).",
        "  A conclusion about a real province is supported only where it holds across the members; use it to",
        "  exercise methods, never as evidence about a real province.",
        "  Known deviation, in every member's 2022 year: HCM's published profile sums to 0.716355, which rounds to",
        "  0.7164, not the published 0.7163; the profile is kept exactly and the rank is unaffected.",
        "framework: dti-provincial-2022",
        "unit_column: uCode",
        "name_column: uName",
        "group_columns: [region]",
        "decimals: 4",
        "generator: dti_bench.synthesis.ensemble (dti-bench synthesise --year 2023 --ensemble K)",
        "ensemble:",
        "  member_column: member",
        "  time_column: Time",
        f"  size: {size}",
        "  members_2022: dti2022-synthetic-ensemble (member k's 2022 year is its member k)",
        # the method quoted: its comma would otherwise split the flow mapping
        "  design: {method: \"latin hypercube (scipy.stats.qmc.LatinHypercube, scrambled)\", "
        f"seed: {DESIGN_SEED_2023}, decimals: {PARAMETER_DECIMALS}, member_0: dti2023-synthetic}}",
        "  ranges: {" + ", ".join(f"{k}: [{lo:g}, {hi:g}]" for k, (lo, hi) in ranges.items()) + "}",
        "source_list: dti_bench/datasets/dti_published/sources.md",
        "calibration_targets: see dti2023_synthetic/meta.yaml and dti2022_synthetic/meta.yaml (the same targets, "
        "met by every member's 2023 and 2022 year)",
    ]


def _dti2023_member_yaml(meta: dict[str, Any]) -> list[str]:
    return [f"  - member: {meta['member']}",
            f"    seed: {meta['seed']}",
            f"    draw_seed: [{', '.join(map(str, meta['draw_seed']))}]",
            f"    attempt: {meta['attempt']}",
            f"    checks: {dti2022._yaml_str(meta['checks'])}",
            f"    failed_checks: [{', '.join(dti2022._yaml_str(f) for f in meta['failed_checks'])}]",
            "    parameters:",
            *meta["parameters"].yaml_lines(6)]


ENSEMBLES: dict[str, EnsembleRecipe] = {
    "dti2022-synthetic-ensemble": EnsembleRecipe(
        name="dti2022-synthetic-ensemble", folder="dti2022_synthetic_ensemble", year=2022,
        header=("uCode", "uName", "region", *dti2022.INDICATORS), design=dti2022_design, draw=dti2022_draw,
        meta_head=_dti2022_meta_head, extra={"member_yaml": _dti2022_member_yaml}),
    "dti2023-synthetic-ensemble": EnsembleRecipe(
        name="dti2023-synthetic-ensemble", folder="dti2023_synthetic_ensemble", year=2023,
        header=("uCode", "uName", "region", "Time", *dti2022.INDICATORS), design=dti2023_design, draw=dti2023_draw,
        meta_head=_dti2023_meta_head, extra={"member_yaml": _dti2023_member_yaml}),
}


def recipe(name_or_year: str | int) -> EnsembleRecipe:
    """The registered recipe by dataset name or by year (``--year``)."""
    for entry in ENSEMBLES.values():
        if name_or_year in (entry.name, entry.year):
            return entry
    known = [e.name for e in ENSEMBLES.values()] + [str(e.year) for e in ENSEMBLES.values()]
    raise ConfigError(f"synthesise --ensemble: no ensemble for {name_or_year!r}; valid choices: {choices(known)}")


# -- drawing and writing ---------------------------------------------------------------------------------------

def draw_members(entry: EnsembleRecipe, size: int, members: Iterable[int] | None = None, *,
                 workers: int = 1, progress: Callable[[MemberDraw], None] | None = None) -> list[MemberDraw]:
    """Draw members of an ensemble of ``size`` (all, or those listed), in member order whatever ``workers``."""
    specs = entry.design(size)
    chosen = specs if members is None else [specs[k] for k in members]
    if workers <= 1:
        out = []
        for spec in chosen:
            out.append(entry.draw(spec))
            if progress:
                progress(out[-1])
        return out
    with ProcessPoolExecutor(max_workers=workers) as pool:
        out = []
        for drawn in pool.map(entry.draw, chosen):
            out.append(drawn)
            if progress:
                progress(drawn)
        return out


def ensemble_texts(entry: EnsembleRecipe, size: int, drawn: Sequence[MemberDraw]) -> dict[str, str]:
    """``data.csv`` and ``meta.yaml`` of an ensemble from its drawn members (in member order)."""
    records = [row for d in drawn for row in d.rows]
    data = dti2022._csv_text(["member", *entry.header], records)
    meta_lines = [*entry.meta_head(size), "members:"]
    for d in drawn:
        meta_lines += entry.extra["member_yaml"](d.meta)
    return {"data.csv": data, "meta.yaml": "\n".join(meta_lines) + "\n"}


def write_ensemble(out: str | Path, name_or_year: str | int = 2022, size: int = DEFAULT_SIZE, *, workers: int = 1,
                   progress: Callable[[MemberDraw], None] | None = None) -> Path:
    """Draw every member of a registered ensemble and write its folder (``data.csv``, ``meta.yaml``).

    The folder is written under a temporary sibling name and renamed when complete, so ``out`` either holds the
    whole ensemble or does not exist; an existing non-empty ``out`` is refused. Regenerating the bundled copy:
    remove ``dti_bench/datasets/dti2022_synthetic_ensemble/`` and write it again
    (``dti-bench synthesise --year 2022 --ensemble 50 --out dti_bench/datasets/dti2022_synthetic_ensemble``).

    Parameters
    ----------
    out : path-like
        The folder to create.
    name_or_year : str or int
        A recipe of :data:`ENSEMBLES` by dataset name or year.
    size : int
        Number of members K.
    workers : int
        Processes drawing members (the result does not depend on it).
    progress : callable, optional
        Called with each drawn member.

    Returns
    -------
    Path
        ``out``.

    Raises
    ------
    ConfigError
        ``out`` exists and is not empty, or ``size`` is not a positive whole number.
    CalibrationError
        A member could not be calibrated (none of the 50 bundled ones fails).

    Examples
    --------
    >>> import pathlib, tempfile
    >>> folder = write_ensemble(pathlib.Path(tempfile.mkdtemp()) / "ens", size=1)   # doctest: +SKIP
    >>> sorted(p.name for p in folder.iterdir())                                     # doctest: +SKIP
    ['data.csv', 'meta.yaml']
    """
    out = Path(out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ConfigError(f"--out {out}: exists and is not empty; name a new folder")
    entry = recipe(name_or_year)
    drawn = draw_members(entry, size, workers=workers, progress=progress)
    texts = ensemble_texts(entry, size, drawn)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
    try:
        tmp.chmod(0o755)   # mkdtemp makes it private; a dataset folder is as readable as its siblings
        for name, text in texts.items():
            (tmp / name).write_text(text, encoding="utf-8", newline="")
        if out.exists():
            out.rmdir()
        os.rename(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out


__all__ = ["DEFAULT_SIZE", "DESIGN_SEED", "DESIGN_SEED_2023", "ENSEMBLES", "EnsembleRecipe", "MemberDraw", "MemberSpec",
           "draw_members", "dti2022_design", "dti2022_draw", "dti2023_design", "dti2023_draw", "ensemble_texts",
           "recipe", "write_ensemble"]
