"""The orchestrator: an experiment config in, its results as objects (:meth:`Study.run`) or a run folder out
(:meth:`Study.save`; :func:`run` is what ``dti-bench run`` calls).

A :class:`Study` is a config bound to its data: the framework and dataset loaded, the nominal methodology
resolved (the config's, else the framework's official one, else the package default, and the run says which),
the nominal index computed, and every analysis checked against them through the analysis registry
(:data:`dti_bench.analyses.registry.ANALYSES`). Nothing runs until everything has been checked, so ``validate``
accepts exactly what ``run`` accepts.

Run folder (README, "What a run does"): ``config.yaml`` (the resolved config, every default filled in),
``manifest.json``, ``framework.yaml``, ``units.csv``, ``scores.csv``, ``ranks.csv``, ``normalised.csv`` and
``weights.csv`` (what aggregation received and the weights it used: :mod:`dti_bench.audit`), each analysis' tables,
``figures/`` and ``report.html``. Over an ensemble dataset (:class:`~dti_bench.model.ensemble.Ensemble`) every
analysis runs on each member: its tables report each statistic's median and 5-95 % range across members, beside
``<table>_members.csv`` (long, with a ``member`` column) and ``ensemble_statements.csv``
(:mod:`dti_bench.analyses.ensemble`). It is written under a temporary name and renamed when complete, so a folder that
exists is complete, and an earlier run is never overwritten.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import subprocess
import sys
import time
import warnings
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from dti_bench import __version__, io
from dti_bench.analyses.ensemble import (across_members, long_over, pooled_frequency, statements,
                                         summaries_across_members, summary_spread)
from dti_bench.analyses.registry import ANALYSES, Bound, StudyInputs, specs
from dti_bench.analyses.results import Result
from dti_bench.audit import normalised_table, weights_by_unit_table, weights_table
from dti_bench.config import Config, DataSpec
from dti_bench.config.specs import DASK_ADDRESS_ENV, EnsembleSpec
from dti_bench.errors import ConfigError, DataError, MethodologyWarning, collect_methodology_warnings
from dti_bench.index import IndexResult, compute_index
from dti_bench.model.dataset import Dataset, merge_units
from dti_bench.model.ensemble import Ensemble
from dti_bench.model.framework import Framework
from dti_bench.model.methodology import Methodology
from dti_bench.model.panel import Panel

#: How the nominal methodology was chosen, as the run summary and the manifest say it.
METHODOLOGY_SOURCES = ("config", "official", "default")


def load_config(source: str | Path | Mapping[str, Any]) -> Config:
    """Read and validate an experiment config: a YAML file, or the same structure as a dict.

    Parameters
    ----------
    source : str, Path or mapping
        A config file (paths in its ``data:`` block are relative to it), or a dict (paths relative to the working
        directory).

    Returns
    -------
    Config

    Raises
    ------
    ConfigError
        Naming the file, the dotted key and the valid choices.

    Examples
    --------
    >>> config = load_config({"name": "demo", "data": {"dataset": "dti2022-synthetic"},
    ...                       "analyses": {"uncertainty": {"samples": 500,
    ...                                                    "factors": [{"path": "weights", "noise": 0.25}]}}})
    >>> config.analyses["uncertainty"].samples, config.analyses["uncertainty"].seed
    (500, 1)
    """
    if isinstance(source, Mapping):
        return Config.from_mapping(source, analyses=specs())
    path = Path(source)
    return Config.from_mapping(io.read_yaml(path), path=path, analyses=specs())


@dataclass(frozen=True, eq=False, repr=False)
class StudyResults(Mapping[str, Result]):
    """What :meth:`Study.run` returns: the nominal index and each analysis' result, by config key.

    Attributes
    ----------
    nominal : IndexResult
    results : dict of str to Result
    summaries : dict of str to dict
        What the manifest records under ``outputs``.
    timings : dict of str to float
        Seconds per step.

    Examples
    --------
    >>> import dti_bench as db
    >>> results = db.Study.from_config({"name": "demo", "data": {"dataset": "dti2022-published-profiles"},
    ...                                 "analyses": {"coherence": True}}).run()
    >>> list(results), results.nominal.ranks["DTI"].tolist()
    (['coherence'], [1, 2, 3, 4, 5])
    """

    nominal: IndexResult
    results: dict[str, Result]
    summaries: dict[str, dict[str, Any]]
    tables: dict[str, Mapping[str, Any]]
    timings: dict[str, float] = field(default_factory=dict)

    def __getitem__(self, key: str) -> Result:
        return self.results[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.results)

    def __len__(self) -> int:
        return len(self.results)

    def __repr__(self) -> str:
        inner = "".join(f"\n  {k}: {r!r}" for k, r in self.results.items())
        return f"StudyResults({self.nominal!r}{inner})"


class Study:
    """An experiment config bound to its data, every analysis checked, ready to run.

    Build one with :meth:`from_config`; :meth:`run` computes everything in memory, :meth:`save` writes a run
    folder.

    Attributes
    ----------
    config : Config
    framework : Framework
    dataset : Dataset
    methodology : Methodology
        The nominal methodology.
    methodology_source : {'config', 'official', 'default'}
        Where it comes from: the config's ``methodology:`` block, the framework's official methodology (for a
        config without one), or the package default (for a config without one, on a framework without one).
    reference : Dataset or None
    nominal : IndexResult
        The nominal index.
    analyses : dict of str to Bound
        Every analysis the config asks for, checked and ready (for panel data, at the latest time point).
    panel : Panel or None
        The data's time points, when there are several (``dataset`` is then the latest).
    nominals : dict
        Panel data: the nominal index at every time point.
    earlier : dict of str to dict
        Panel data: each analysis of one time point bound at every earlier time point (``earlier[key][time]``);
        a run writes their tables long over time.
    ensemble : Ensemble or None
        Ensemble data (the members the run uses): the study is then its first member's (``dataset``,
        ``nominal`` and ``analyses`` are member 0's) and ``members`` holds a study per member (the first is the
        study itself); :meth:`run` runs every member and reports across them.
    ensemble_spec : EnsembleSpec or None
        The config's ``ensemble:`` block with its defaults (ensemble data only).
    warnings : list of str
        Methodology warnings, each once: the nominal methodology's (a line starting with the composite) and those
        of the variants each analysis will draw (a line starting with ``analyses.<key>``), known before anything
        runs; :meth:`run` adds any its computations raise. Each is also issued as a
        :class:`~dti_bench.errors.MethodologyWarning`; with ``strict: true`` in the config the first is an error.
    progress : bool
        Whether its phases show progress bars (:mod:`dti_bench.progress`): the analyses, and by default
        :meth:`save`'s figures and report.

    Examples
    --------
    >>> import dti_bench as db
    >>> study = db.Study.from_config({"name": "demo", "data": {"dataset": "dti2022-synthetic"},
    ...                               "analyses": {"grid": {"aggregate": ["arithmetic", "geometric"]}}})
    >>> study.methodology_source, study.methodology.label()
    ('official', 'none / nominal / arithmetic')
    >>> results = study.run()
    >>> results["grid"]
    GridResult(2 variants (0 failed) x 4 composites)

    Over an ensemble every analysis runs on each member, and its tables report medians across members:

    >>> over = db.Study.from_config({"name": "demo", "data": {"dataset": "dti2022-synthetic-ensemble"},
    ...                              "ensemble": {"members": 2}, "analyses": {"coherence": True}})
    >>> list(over.members), over.ensemble
    ([0, 1], Ensemble('dti2022-synthetic-ensemble' (synthetic): 2 members of 63 units x 8 indicators))
    >>> sorted(over.run().tables["coherence"])    # doctest: +NORMALIZE_WHITESPACE
    ['coherence_composites.csv', 'coherence_composites_members.csv', 'coherence_correlations.csv',
     'coherence_correlations_members.csv']
    """

    def __init__(self, config: Config, *, seed: int | None = None, samples: int | None = None,
                 progress: bool = False, dask_address: str | None = None,
                 _member: tuple[Framework, Dataset | Panel, Dataset | None] | None = None) -> None:
        t0 = time.perf_counter()
        self.config = config
        self.seed, self.samples = seed, samples
        self.progress = progress
        framework, data, reference = _load_data(config) if _member is None else _member
        # ensemble data: this study is member 0's, and every other member gets a study of its own (bound below,
        # so that validate checks every member as run does)
        self.ensemble: Ensemble | None = None
        self.ensemble_spec: EnsembleSpec | None = None
        if isinstance(data, Ensemble):
            self.ensemble_spec = config.ensemble or EnsembleSpec()
            n = self.ensemble_spec.members
            self.ensemble = data if n == 0 else data.head(n, f"{config.source}: ensemble.members")
            data = self.ensemble.members[0]
        elif config.ensemble is not None and _member is None:
            raise ConfigError(f"{config.source}: ensemble: only for ensemble data (e.g. data: {{dataset: "
                              f"dti2022-synthetic-ensemble}}); {config.data.dataset or 'these data'!s} is one dataset")
        # a panel: its latest time point is the study's dataset; every analysis of one time point also runs at the
        # earlier ones (self.earlier), and rank_change compares time points
        self.panel: Panel | None = data if isinstance(data, Panel) else None
        dataset = data.datasets[-1] if isinstance(data, Panel) else data
        self.framework, self.dataset, self.reference = framework, dataset, reference
        where = f"{config.source}: methodology"
        if config.methodology is not None:
            self.methodology = Methodology.from_dict(config.methodology, framework, where=where)
            self.methodology_source = "config"
        elif framework.official is not None:
            self.methodology, self.methodology_source = framework.official, "official"
        else:
            self.methodology, self.methodology_source = Methodology.default(), "default"
        t1 = time.perf_counter()
        self.warnings: list[str] = []
        # panel data whose framework changed over time: each time point's own framework, and the methodology for it
        self.frameworks: dict[Any, Framework] = {}
        self.methodologies: dict[Any, Methodology] = {}
        if self.panel is not None:
            for i, t in enumerate(self.panel.times):
                fw_t = self.panel.framework_at(i, framework)
                self.frameworks[t] = fw_t
                self.methodologies[t] = self.methodology if fw_t is framework else _methodology_for(
                    config, fw_t, self.methodology_source, f"{where} (time {t})")
        with collect_methodology_warnings(self.warnings):
            self.nominal = compute_index(framework, dataset, self.methodology, reference=reference)
            # every time point of a panel, each normalised on its own as a publisher does (the latest is .nominal)
            self.nominals: dict[Any, IndexResult] = (
                {t: (self.nominal if ds is dataset else compute_index(self.frameworks[t], ds, self.methodologies[t],
                                                                       reference=reference))
                 for t, ds in zip(self.panel.times, self.panel.datasets)} if self.panel is not None else {})
        self.timings = {"prepare": t1 - t0, "nominal": time.perf_counter() - t1}
        inputs = StudyInputs(framework, dataset, self.methodology, self.nominal, reference, progress, self.panel)
        self.specs = {key: _override(spec, seed, samples, f"{config.source}: analyses.{key}")
                      for key, spec in config.analyses.items()}
        # the dask scheduler comes from the person running the study, never from the config (config.specs)
        address = dask_address or os.environ.get(DASK_ADDRESS_ENV) or None
        if address and "uncertainty" in self.specs:
            self.specs["uncertainty"] = self.specs["uncertainty"].replace(address=address)
        self.analyses: dict[str, Bound] = {}
        # panel data: every analysis of one time point is bound (and run) at each time point; the latest's is
        # self.analyses[key], the others in self.earlier[key][time]
        self.earlier: dict[str, dict[Any, Bound]] = {}
        for key, analysis in ANALYSES.items():  # the registry's order: the order a run computes them
            if key in self.specs:
                where = f"{config.source}: analyses.{key}"
                self.analyses[key] = analysis.bind(inputs, self.specs[key], where)
                self.warnings.extend(w for w in self.analyses[key].warnings if w not in self.warnings)
                if self.panel is not None and key not in ACROSS_TIME:
                    self.earlier[key] = {
                        t: analysis.bind(StudyInputs(self.frameworks[t], ds, self.methodologies[t], self.nominals[t],
                                                     reference, progress, self.panel), self.specs[key],
                                         f"{where} (time {t})")
                        for t, ds in zip(self.panel.times[:-1], self.panel.datasets[:-1])}
                    for bound in self.earlier[key].values():
                        self.warnings.extend(w for w in bound.warnings if w not in self.warnings)
        self.members: dict[int, Study] = {}
        if self.ensemble is not None:
            self._bind_members(framework, reference, progress, dask_address)
        self._strict(self.warnings)
        for message in self.warnings:
            warnings.warn(message, MethodologyWarning, stacklevel=3)
        self._results: StudyResults | None = None
        self._own: StudyResults | None = None

    def _bind_members(self, framework: Framework, reference: Dataset | None, progress: bool,
                      dask_address: str | None) -> None:
        """A study per member of the ensemble (the same config, seed and samples: common random numbers), and the
        checks of the ``ensemble:`` block that need the data."""
        where = f"{self.config.source}: ensemble"
        spec, ensemble = self.ensemble_spec, self.ensemble
        assert spec is not None and ensemble is not None  # called only for ensemble data
        units = self.dataset.units
        for a, b in spec.pairs:
            for u in (a, b):
                if u not in units:
                    raise ConfigError(f"{where}.pairs: unknown unit {u!r}; valid choices: "
                                      f"{', '.join(units[:10])}, ... ({len(units)} units)")
        if spec.pairs and "uncertainty" not in self.specs:
            raise ConfigError(f"{where}.pairs: the pair statements read the uncertainty analysis; add "
                              f"analyses.uncertainty")
        self.members[ensemble.labels[0]] = self
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", MethodologyWarning)   # collected below, each once
            for label, member in zip(ensemble.labels[1:], ensemble.members[1:]):
                study = Study(self.config, seed=self.seed, samples=self.samples, progress=False,
                              dask_address=dask_address, _member=(framework, member, reference))
                self.members[label] = study
                self.warnings.extend(w for w in study.warnings if w not in self.warnings)

    def _strict(self, found: list[str]) -> None:
        """With ``strict: true``, the first methodology warning is an error (the rest counted)."""
        if self.config.strict and found:
            more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
            raise ConfigError(f"{self.config.source}: strict: {found[0]}{more}")

    @classmethod
    def from_config(cls, source: str | Path | Mapping[str, Any] | Config, *, seed: int | None = None,
                    samples: int | None = None, progress: bool = False, dask_address: str | None = None) -> Study:
        """Load a config and bind it to its data.

        Parameters
        ----------
        source : str, Path, mapping or Config
            A config file, its dict form, or a loaded :class:`~dti_bench.config.Config`.
        seed, samples : int, optional
            Override every analysis' seed, and the Monte Carlo sample size of uncertainty and PAWN (the command
            line's ``--seed`` and ``--samples``).
        progress : bool
            Show progress bars.
        dask_address : str, optional
            The dask scheduler of ``executor: dask`` (else ``$DTI_BENCH_DASK_ADDRESS``, else a local cluster); a
            config file cannot name one.

        Returns
        -------
        Study

        Raises
        ------
        UserError
            Any problem with the config, its data or framework, or an analysis block, in one line.

        Examples
        --------
        >>> study = Study.from_config("configs/dti2022.yaml", samples=500)   # doctest: +SKIP
        >>> Study.from_config({"name": "demo", "data": {"dataset": "dti2022-synthetic"},
        ...                    "analyses": {"grid": {"weights": ["nominal", "equal"]}}}).methodology_source
        'official'
        """
        config = source if isinstance(source, Config) else load_config(source)
        return cls(config, seed=seed, samples=samples, progress=progress, dask_address=dask_address)

    @property
    def methodology_note(self) -> str:
        """The nominal methodology and where it comes from, in one line (the run summary prints it).

        Examples
        --------
        >>> import dti_bench as db
        >>> study = db.Study.from_config({"name": "demo", "data": {"dataset": "dti2022-published-profiles"},
        ...                               "methodology": {"weights": "equal"}})
        >>> study.methodology_note
        'methodology minmax(hi=1.0, lo=0.0) / equal / arithmetic: from the config'
        """
        where = {"config": "from the config",
                 "official": f"the framework's official methodology ({self.framework.official_source})",
                 "default": "the package default: the config gives no methodology and the framework carries no "
                            "official one"}[self.methodology_source]
        return f"methodology {self.methodology.label()}: {where}"

    def resolved_config(self) -> dict[str, Any]:
        """The config with every default filled in (what ``config.yaml`` of a run holds; it runs as it is).

        Examples
        --------
        >>> import dti_bench as db
        >>> study = db.Study.from_config({"name": "demo", "data": {"dataset": "dti2022-published-profiles"},
        ...                               "analyses": {"coherence": True}})
        >>> resolved = study.resolved_config()
        >>> resolved["analyses"]["coherence"], resolved["methodology"]["normalise"]   # defaults filled in
        ({'threshold': 0.3}, 'none')
        """
        return {
            "name": self.config.name,
            "description": self.config.description,
            "data": self.config.data.to_dict(),
            "methodology": self.methodology.to_dict(),
            "analyses": {key: spec.to_dict() for key, spec in self.specs.items()},
            "output": self.config.output.to_dict(),
            "strict": self.config.strict,
            # only over an ensemble, so that every other config resolves (and hashes) as it always did
            **({"ensemble": self.ensemble_spec.to_dict()} if self.ensemble_spec is not None else {}),
        }

    def run(self) -> StudyResults:
        """Compute every analysis in memory (once; later calls return the same results).

        Returns
        -------
        StudyResults
            ``results[key]`` is each analysis' result object; ``results.nominal`` the nominal index.

        Examples
        --------
        >>> study = Study.from_config({"name": "demo", "data": {"dataset": "dti2022-synthetic"},
        ...                            "analyses": {"grid": {"aggregate": ["arithmetic", "geometric"]}}})
        >>> study.run()["grid"].to_frame().shape
        (504, 5)
        """
        if self._results is None:
            own = self._run_own()
            self._results = own if self.ensemble is None else self._across_members(own)
        return self._results

    def _run_own(self) -> StudyResults:
        """Every analysis of this study's own data (one member of an ensemble)."""
        if self._own is None:
            results, summaries, tables, timings = {}, {}, {}, {}
            known = len(self.warnings)
            for key, bound in self.analyses.items():
                t = time.perf_counter()
                with collect_methodology_warnings(self.warnings):
                    result = bound.run()
                    earlier = {time_point: (b, b.run()) for time_point, b in self.earlier.get(key, {}).items()}
                timings[key] = time.perf_counter() - t
                results[key] = result
                summaries[key] = bound.summary(result)
                tables[key] = bound.tables(result)
                if earlier:  # panel data: the same analysis at every time point, in long tables
                    assert self.panel is not None  # only a panel binds earlier time points
                    latest = self.panel.times[-1]
                    by_time = {**{tp: b.tables(r) for tp, (b, r) in earlier.items()}, latest: tables[key]}
                    tables[key] = _long_over_time(by_time)
                    summaries[key]["by_time"] = {str(tp): b.summary(r) for tp, (b, r) in earlier.items()}
                if key in ("uncertainty", "sensitivity"):
                    summaries[key]["wall_s"] = round(timings[key], 4)
                if key == "uncertainty" and timings[key] > 0:
                    summaries[key]["samples_per_s"] = round(result.samples / timings[key], 1)  # type: ignore[attr-defined]
            self._strict(self.warnings[known:])
            for message in self.warnings[known:]:
                warnings.warn(message, MethodologyWarning, stacklevel=2)
            self._own = StudyResults(self.nominal, results, summaries, tables, timings)
        return self._own

    def _across_members(self, own: StudyResults) -> StudyResults:
        """Ensemble data: every member run, each table as its median and 5-95 % range across members (the same
        name) beside the members' own (``<name>_members.csv``, long with ``member``), each summary's numbers as
        medians with their ranges, and the statements about units (``ensemble_statements.csv``)."""
        spec, ensemble = self.ensemble_spec, self.ensemble
        assert spec is not None and ensemble is not None  # called only for ensemble data
        runs: dict[int, StudyResults] = {}
        known = len(self.warnings)
        for label, study in self.members.items():
            runs[label] = own if study is self else study._run_own()
            self.warnings.extend(w for w in study.warnings if w not in self.warnings)
        self._strict(self.warnings[known:])
        for message in self.warnings[known:]:
            warnings.warn(message, MethodologyWarning, stacklevel=3)
        # each analysis' time summed over members; "ensemble": the time to summarise them
        timings = {key: sum(r.timings.get(key, 0.0) for r in runs.values()) for key in own.timings}
        t0 = time.perf_counter()
        tables: dict[str, dict[str, Any]] = {}
        summaries: dict[str, dict[str, Any]] = {}
        for key in own.tables:
            tables[key] = {}
            for name, content in own.tables[key].items():
                if not isinstance(content, pd.DataFrame):   # arrays (.npz): the first member's, as for a panel
                    tables[key][name] = content
                    continue
                frames = {label: r.tables[key][name] for label, r in runs.items()}
                # a rank distribution pools over members (absent cells are zeros, not missing statistics)
                tables[key][name] = (pooled_frequency(list(frames.values())) if name == "rank_frequency.csv" else
                                     across_members(list(frames.values()), spec.robust_share))
                tables[key][members_table(name)] = long_over(frames, "member")
            # timings are the machine's, not results: the ensemble's are the totals over members, never a median
            member_summaries = [{k: v for k, v in r.summaries[key].items() if k not in MACHINE_KEYS}
                                for r in runs.values()]
            summaries[key] = summaries_across_members(member_summaries)
            summaries[key]["ensemble"] = {"members": len(runs), **summary_spread(member_summaries)}
            if key in ("uncertainty", "sensitivity"):
                summaries[key]["wall_s"] = round(timings[key], 4)
            if key == "uncertainty" and timings[key] > 0:
                total = sum(r.results[key].samples for r in runs.values())  # type: ignore[attr-defined]
                summaries[key]["samples_per_s"] = round(total / timings[key], 1)
        labels = list(runs)
        ensemble_summary: dict[str, Any] = {
            "dataset": ensemble.name, "members": labels, "robust_share": spec.robust_share,
            "note": "every number of the run's tables and summaries is the median across members; *_member_q05 / "
                    "*_member_q95 columns (and ranges_q05_q95) give the 5-95 % range; *_members.csv hold each "
                    "member's; scores.csv, ranks.csv, normalised.csv and weights.csv are member "
                    f"{labels[0]}'s, scores_members.csv and ranks_members.csv every member's"}
        if "uncertainty" in own.tables:
            table = statements({label: r.tables["uncertainty"]["uncertainty.csv"] for label, r in runs.items()},
                               top=spec.top, band=spec.band, pairs=spec.pairs, robust_share=spec.robust_share)
            tables["ensemble"] = {"ensemble_statements.csv": table}
            # panel members: statements at each time point, named "<statement> in <time>"
            table = table.assign(named=table.statement + (" in " + table.time.astype(str) if "time" in table
                                                          else ""))
            per_unit, pairs = table[table.other == ""], table[table.other != ""]
            ensemble_summary["statements"] = {
                statement: {"robust": sorted(group.loc[group.robust, "unit"].tolist()),
                            "in_some_member": int((group.holds_in > 0).sum())}
                for statement, group in per_unit.groupby("named", sort=False)}
            ensemble_summary["pairs"] = {row.named: {"holds_in": int(row.holds_in), "members": int(row.members),
                                                     "robust": bool(row.robust)} for row in pairs.itertuples()}
        summaries["ensemble"] = ensemble_summary
        timings["ensemble"] = time.perf_counter() - t0
        return StudyResults(self.nominal, own.results, summaries, tables, timings)  # type: ignore[arg-type]

    def save(self, out: str | Path = "experiments", *, figures: str | None = None, pdf: bool | None = None,
             report: bool | None = None, progress: bool | None = None) -> Path:
        """Run (unless :meth:`run` already did) and write a new run folder under ``out/<name>/``.

        Parameters
        ----------
        out : str or Path
            The parent of the config's run folders.
        figures : {'headline', 'all', 'none'}, optional
            Override the config's ``output.figures``.
        pdf, report : bool, optional
            Override ``output.pdf`` and ``output.report``.
        progress : bool, optional
            Show progress bars for the figures and the report; default the study's own ``progress``.

        Returns
        -------
        Path
            The run folder (complete: it is renamed into place only once everything is written).

        Examples
        --------
        >>> import tempfile
        >>> study = Study.from_config({"name": "demo", "data": {"dataset": "dti2022-published-profiles"}})
        >>> folder = study.save(tempfile.mkdtemp(), figures="none", report=False)
        >>> sorted(p.name for p in folder.iterdir())[:4]
        ['config.yaml', 'figures', 'framework.yaml', 'manifest.json']
        """
        t0 = time.perf_counter()
        output = self.config.output
        figures = output.figures if figures is None else figures
        pdf = output.pdf if pdf is None else pdf
        report = output.report if report is None else report
        progress = self.progress if progress is None else progress
        if figures not in ("headline", "all", "none"):
            raise ConfigError(f"figures: {figures!r} is not one of 'headline', 'all', 'none'")
        self._ran_in_save = self._results is None
        resolved = self.resolved_config()
        config_hash = hashlib.sha256(json.dumps(_string_keys(resolved), sort_keys=True, default=str).encode()).hexdigest()
        results = self.run()
        timings = {**self.timings, **results.timings}
        folder = io.RunFolder(Path(out), self.config.name, config_hash[:8])
        try:
            write_nominal(self.nominal, folder, self.nominals or None)
            if self.ensemble is not None:
                write_members_nominal(self.members, folder)
            io.write_yaml(self.framework.to_dict(), folder.path("framework.yaml"))
            for tables in results.tables.values():
                for name, content in tables.items():
                    if isinstance(content, pd.DataFrame):
                        io.write_csv(content, folder.path(name), synthetic=self.dataset.synthetic)
                    else:
                        np.savez_compressed(folder.path(name), **content)
            io.write_yaml(resolved, folder.path("config.yaml"))
            outputs: dict[str, Any] = dict(results.summaries)
            # the figures read the folder through RunReader, which needs a manifest (the weight maps' labels are
            # in it); it is written again below with the figures and the total time
            io.write_json(self._manifest(folder.run_id, config_hash, outputs, timings), folder.path("manifest.json"))
            t = time.perf_counter()
            if figures != "none":
                from dti_bench.reporting.run_figures import draw_run_figures

                data_name = (f"{self.ensemble.name}, {len(self.ensemble)} members" if self.ensemble is not None
                             else self.dataset.name)
                label = f"SYNTHETIC DATA ({data_name})" if self.dataset.synthetic else None
                outputs["figures"] = draw_run_figures(folder.tmp, label=label, which=figures, pdf=pdf,
                                                      progress=progress)
            timings["figures"] = time.perf_counter() - t
            # the analyses ran before this call when run() was called first: count them either way
            analysed = sum(self.timings.values()) + (0.0 if self._ran_in_save else sum(results.timings.values()))
            timings["total"] = time.perf_counter() - t0 + analysed
            io.write_json(self._manifest(folder.run_id, config_hash, outputs, timings), folder.path("manifest.json"))
            if report:
                from dti_bench.reporting.html import write_report

                t = time.perf_counter()
                write_report(folder.tmp, progress=progress)  # from the files just written (its only input)
                # the report shows the manifest it read, which cannot hold the report's own time: the manifest
                # is written once more with it (and the total that includes it)
                timings["report"] = time.perf_counter() - t
                del timings["total"]  # re-added after the report's time, the order in which the run spent them
                timings["total"] = time.perf_counter() - t0 + analysed
                io.write_json(self._manifest(folder.run_id, config_hash, outputs, timings),
                              folder.path("manifest.json"))
        except OSError as exc:  # a full disk, a folder made read-only meanwhile: the run's fault is not the user's
            folder.abandon()
            raise DataError(f"{exc.filename or folder.parent}: cannot write the run folder "
                            f"({exc.strerror or exc})") from None
        except BaseException:
            folder.abandon()
            raise
        try:
            return folder.commit()
        except OSError as exc:
            folder.abandon()
            raise DataError(f"{folder.parent}: cannot move the finished run into place ({exc.strerror or exc})") from None

    def _manifest(self, run_id: str, config_hash: str, outputs: Mapping[str, Any],
                  timings: Mapping[str, float]) -> dict[str, Any]:
        return {
            "run_id": run_id, "package": "dti_bench", "version": __version__, "git_commit": _git_commit(),
            "config_path": str(self.config.path), "config_hash": config_hash, "data_hash": data_hash(self.dataset),
            "dataset": self.dataset.name, "synthetic": self.dataset.synthetic, "framework": self.framework.name,
            "units": len(self.dataset.units), "indicators": len(self.framework.indicators),
            **({"times": list(self.panel.times), "analyses_at": self.panel.times[-1]} if self.panel else {}),
            # the ensemble block as resolved, with the labels of the members run (config.yaml has the count asked)
            **({"ensemble": {**self.ensemble_spec.to_dict(), "dataset": self.ensemble.name,  # type: ignore[union-attr]
                             "members": list(self.members),
                             "member_data_hashes": {str(k): data_hash(_latest(s.dataset))
                                                    for k, s in self.members.items()}}}
               if self.ensemble is not None else {}),
            "excluded_units": list(self.nominal.excluded), "seed": self.seed, "samples_override": self.samples,
            "methodology_source": self.methodology_source, "methodology_note": self.methodology_note,
            "warnings": list(self.warnings),
            "outputs": dict(outputs), "timings_s": {k: round(v, 4) for k, v in timings.items()},
            "platform": {"python": sys.version.split()[0], "numpy": np.__version__, "pandas": pd.__version__,
                         "machine": platform.machine(), "system": platform.platform()},
        }

    def describe(self) -> str:
        """One line: framework, data and nominal methodology.

        Examples
        --------
        >>> import dti_bench as db
        >>> study = db.Study.from_config({"name": "demo", "data": {"dataset": "dti2022-published-profiles"}})
        >>> print(study.describe())
        dti-provincial-2022: 8 indicators, 4 composites, 2 levels, headline DTI;
        data Dataset('dti2022-published-profiles': 5 units x 8 indicators);
        methodology none / nominal / arithmetic: the framework's official methodology (...)
        """
        data = f"{self.ensemble!r} (member {self.ensemble.labels[0]}: {self.dataset!r})" if self.ensemble \
            else repr(self.dataset)
        return f"{self.framework.describe()}; data {data}; {self.methodology_note}"

    def __repr__(self) -> str:
        return f"Study({self.config.name!r}: {self.describe()}; analyses {', '.join(self.analyses) or 'none'})"


#: Summary keys that measure the machine (an ensemble reports their totals over members, not medians).
MACHINE_KEYS = ("wall_s", "samples_per_s")

#: Analyses that compare time points themselves (they run once on a panel, not at each time point).
ACROSS_TIME = ("rank_change",)


def _long_over_time(by_time: Mapping[Any, Mapping[str, Any]]) -> dict[str, Any]:
    """Each table of an analysis run at every time point, stacked with a ``time`` column (after ``unit`` where
    there is one, else first); arrays (``.npz``) are kept for the latest time point only."""
    latest = list(by_time)[-1]
    out: dict[str, Any] = {}
    for name, content in by_time[latest].items():
        if not isinstance(content, pd.DataFrame):
            out[name] = content
            continue
        frames = []
        for t, tables in by_time.items():
            frame = tables.get(name)
            if isinstance(frame, pd.DataFrame):
                frame = frame.copy()
                frame.insert(list(frame.columns).index("unit") + 1 if "unit" in frame.columns else 0, "time", t)
                frames.append(frame)
        out[name] = pd.concat(frames, ignore_index=True)
    return out


def members_table(name: str) -> str:
    """The file of an ensemble's per-member table: ``uncertainty.csv`` -> ``uncertainty_members.csv``."""
    stem, dot, suffix = name.rpartition(".")
    return f"{stem}_members.{suffix}" if dot else f"{name}_members"


def _latest(data: Dataset | Panel) -> Dataset:
    return data.datasets[-1] if isinstance(data, Panel) else data


def write_members_nominal(members: Mapping[int, Study], folder: io.RunFolder) -> None:
    """scores_members.csv and ranks_members.csv: every member's nominal scores and ranks, long (unit, member,
    then the composites; for panel members unit, member, time)."""
    for name, attribute in (("scores_members.csv", "scores"), ("ranks_members.csv", "ranks")):
        frames = {}
        for label, study in members.items():
            by_time = study.nominals or {None: study.nominal}
            parts = [getattr(r, attribute).reset_index().rename(columns={"index": "unit"}).assign(time=t)
                     for t, r in by_time.items()]
            frame = pd.concat(parts, ignore_index=True)
            if not study.nominals:
                frame = frame.drop(columns=["time"])
            else:
                frame = frame[["unit", "time", *[c for c in frame.columns if c not in ("unit", "time")]]]
            frames[label] = frame
        synthetic = any(s.dataset.synthetic for s in members.values())
        io.write_csv(long_over(frames, "member"), folder.path(name), synthetic=synthetic)


def _period_lookup(periods: list[tuple[int, int | None, Framework]], source: str):
    """Time -> the framework of the period holding it (``data.frameworks``); a time in no period is an error."""
    def lookup(time: Any) -> Framework:
        year = time if isinstance(time, int) else int(str(time)[:4])
        for lo, hi, fw in periods:
            if lo <= year and (hi is None or year <= hi):
                return fw
        raise ConfigError(f"{source}: data.frameworks: time {time} is in no period; periods: "
                          + ", ".join(f"{lo}-{'' if hi is None else hi}" for lo, hi, _ in periods))
    return lookup


def _methodology_for(config: Config, framework: Framework, source: str, where: str) -> Methodology:
    """The nominal methodology on another time point's framework: the config's block parsed against it, or that
    framework's official methodology (else the default), as the study's own was chosen."""
    if source == "config":
        return Methodology.from_dict(config.methodology, framework, where=where)
    if source == "official" and framework.official is not None:
        return framework.official
    return Methodology.default()


def _string_keys(value: Any) -> Any:
    """The resolved config with every mapping key a string, so that it hashes in a stable order (a per-level map
    mixes level numbers and node codes as keys)."""
    if isinstance(value, Mapping):
        return {str(k): _string_keys(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_string_keys(v) for v in value]
    return value


def _override(spec: Any, seed: int | None, samples: int | None, where: str) -> Any:
    """The command line's ``--seed`` (every analysis with a seed) and ``--samples`` (the Monte Carlo sample size:
    uncertainty and PAWN; a Sobol' base size must be a power of 2 and Morris counts trajectories, so those keep
    the config's)."""
    changes = {}
    if seed is not None and hasattr(spec, "seed"):
        changes["seed"] = seed
    monte_carlo = spec.key == "uncertainty" or (spec.key == "sensitivity" and spec.method == "pawn")
    if samples is not None and monte_carlo:
        changes["samples"] = samples
    if not changes:
        return spec
    spec = spec.replace(**changes)
    spec.check(f"{where} (with --samples {samples})" if "samples" in changes else where)
    return spec


def _load_data(config: Config) -> tuple[Framework, Dataset | Panel, Dataset | None]:
    """The framework and the data (a dataset, or a panel of them) a config's ``data:`` block names, merged and
    referenced as it says."""
    spec: DataSpec = config.data

    def framework_of(ref: str | Path) -> Framework:
        return io.load_framework(ref, columns=spec.framework_columns, types=spec.framework_types)

    if spec.external is not None and spec.years is not None:
        return _load_external_panel(spec)
    if spec.external is not None:
        from dti_bench.io.external import load_external

        framework, dataset = load_external(spec.external, root=spec.root, year=spec.year)
        if spec.framework is not None:
            framework = framework_of(spec.framework)
            dataset = dataset.select(framework.indicators)
    elif spec.dataset is not None:
        meta = io.dataset_meta(spec.dataset)
        framework = framework_of(spec.framework if spec.framework is not None else meta["framework"])
        dataset = io.load_dataset(spec.dataset, framework)  # type: ignore[assignment]  # a bundled panel too
    else:
        framework = framework_of(spec.framework)  # type: ignore[arg-type]  # DataSpec.check: indicators need one
        by_period = [(lo, hi, framework_of(ref)) for lo, hi, ref in spec.frameworks]
        dataset = io.load_panel(spec.indicators, framework, time=spec.time,  # type: ignore[assignment]
                                unit_column=spec.unit_column,
                                name_column=spec.name_column, groups=spec.groups, denominators=spec.denominators,
                                columns=spec.indicator_columns,
                                frameworks=_period_lookup(by_period, config.source) if by_period else None)
    if spec.merge is not None and isinstance(dataset, Ensemble):
        raise ConfigError(f"{config.source}: data.merge: merging the units of an ensemble's members is not supported "
                          f"yet; merge one member's table (data.indicators) instead")
    if spec.merge is not None and isinstance(dataset, Panel):
        raise ConfigError(f"{config.source}: data.merge: merging the units of a panel is not supported yet; merge "
                          f"each time point's table first")
    if spec.merge is not None:
        # e.g. the 2025 provincial arrangement: merged units get the mean of their former units' indicators
        name = f"{dataset.name}-merged-{io.merger_table_name(spec.merge)}"
        weights: str | pd.Series | None = spec.merge_weights
        if weights is not None:
            column = io.load_merger_weights(spec.merge, weights)
            if column is not None and weights in dataset.denominators.columns:
                raise ConfigError(f"{config.source}: data.merge.weights: {weights!r} is a column of both the merger "
                                  f"table and the data; rename one of them")
            name = f"{name}-by-{weights}"
            if column is not None:  # the table's column, by former unit; a Series keeps its name for messages
                weights = pd.Series(column, name=weights)
        dataset = merge_units(dataset, io.load_mergers(spec.merge), name=name, weights=weights)
    if spec.not_applicable:
        from dti_bench.model.not_applicable import with_not_applicable

        entries = [io.read_table(e) if isinstance(e, Path) else e for e in spec.not_applicable]
        where = f"{config.source}: data.not_applicable"
        if isinstance(dataset, Ensemble):  # the same cells do not apply in any member
            dataset = dataset.map(lambda member: with_not_applicable(framework, member, entries, where=where))
        elif isinstance(dataset, Panel):  # the same cells do not apply at any time point
            dataset = Panel(dataset.name, dataset.times, tuple(with_not_applicable(framework, ds, entries, where=where)
                                                               for ds in dataset.datasets))
        else:
            dataset = with_not_applicable(framework, dataset, entries, where=where)
    reference: Dataset | Panel | Ensemble | None = None
    if spec.reference is not None:
        reference = (io.load_idata(spec.reference, framework, unit_column=spec.unit_column,
                                   name_column=spec.name_column, groups=spec.groups, denominators=spec.denominators,
                                   columns=spec.reference_columns)
                     if isinstance(spec.reference, Path) else io.load_dataset(str(spec.reference), framework))
        if isinstance(reference, Panel):  # a reference fixes one set of bounds: one time point's data
            raise ConfigError(f"{config.source}: data.reference: {spec.reference!r} is a panel; name one time "
                              f"point's dataset (e.g. one of {', '.join(repr(str(t)) for t in reference.times)})")
        if isinstance(reference, Ensemble):
            raise ConfigError(f"{config.source}: data.reference: {spec.reference!r} is an ensemble; name one "
                              f"dataset (e.g. member 0, {reference.name.removesuffix('-ensemble')!r})")
    assert not isinstance(reference, (Panel, Ensemble))
    return framework, dataset, reference


def _load_external_panel(spec: DataSpec) -> tuple[Framework, Panel, None]:
    """Third-party data at several years (``data: {external: papi, years: [2019, 2020]}`` or ``years: all``)."""
    from dti_bench.io.external import available_years, load_external

    assert spec.external is not None and spec.years is not None  # what _load_data sends here
    years: list[int] = (available_years(spec.external, root=spec.root) if spec.years == "all"
                        else list(spec.years))  # type: ignore[arg-type]
    loaded = {y: load_external(spec.external, root=spec.root, year=y) for y in years}
    framework = (io.load_framework(spec.framework, columns=spec.framework_columns, types=spec.framework_types)
                 if spec.framework is not None else loaded[years[-1]][0])
    name = f"{spec.external}-{years[0]}-{years[-1]}"
    # a province the publisher did not score one year is a row of missing values there (unranked that year)
    if spec.framework is not None:
        datasets = {y: ds.select(framework.indicators) for y, (_, ds) in loaded.items()}
        return framework, Panel.from_datasets(datasets, name=name, align=True), None
    frameworks = {y: fw for y, (fw, _) in loaded.items()}
    same = all(tuple(fw.indicators) == tuple(framework.indicators) and fw.edges == framework.edges
               for fw in frameworks.values())
    # where the publisher changed its framework (PAPI 2018, PCI's weight eras), each year keeps its own
    return framework, Panel.from_datasets({y: ds for y, (_, ds) in loaded.items()}, name=name, align=True,
                                          frameworks=None if same else frameworks), None


def write_nominal(result: IndexResult, folder: io.RunFolder, by_time: Mapping[Any, IndexResult] | None = None) -> None:
    """scores.csv and ranks.csv (unit, then one column per composite, framework codes; for a panel, long: unit,
    time, then the composites, one row per unit and time point), units.csv (unit, name and group columns),
    normalised.csv and weights.csv (what aggregation received and the weights it used, always; weights_by_unit.csv
    too when weights are unit-specific: :mod:`dti_bench.audit`; for a panel, of the time point the analyses
    describe), treatment.csv (every cell the nominal outlier treatment changed, with the fallback that ran and the
    indicator's skew and kurtosis before and after) and excluded.csv (the units screening removed); each marked
    synthetic when the data are."""
    synthetic = result.dataset.synthetic
    for name, attribute in (("scores.csv", "scores"), ("ranks.csv", "ranks")):
        if by_time:
            frame = pd.concat([getattr(r, attribute).reset_index().rename(columns={"index": "unit"}).assign(time=t)
                               for t, r in by_time.items()], ignore_index=True)
            frame = frame[["unit", "time", *[c for c in frame.columns if c not in ("unit", "time")]]]
        else:
            frame = getattr(result, attribute).reset_index().rename(columns={"index": "unit"})
        io.write_csv(frame, folder.path(name), synthetic=synthetic)
    io.write_csv(normalised_table(result), folder.path("normalised.csv"), synthetic=synthetic)
    io.write_csv(weights_table(result), folder.path("weights.csv"), synthetic=synthetic)
    by_unit = weights_by_unit_table(result)
    if by_unit is not None:
        io.write_csv(by_unit, folder.path("weights_by_unit.csv"), synthetic=synthetic)
    units = pd.DataFrame({"unit": result.dataset.units, "name": result.dataset.unit_names})
    for column in result.dataset.groups.columns:
        units[column] = result.dataset.groups[column].to_numpy()
    io.write_csv(units, folder.path("units.csv"), synthetic=synthetic)
    # the indicator's fallback and its skew and kurtosis before -> after repeat on each of its rows, so that one
    # table says both what changed and whether the change helped
    rows = [{"indicator": report["indicator"], "unit": result.dataset.units[int(position)], "original": old,
             "treated": new, "method": report.get("method"), "log": bool(report.get("log")),
             "fallback": report.get("fallback"), "reflected": bool(report.get("reflected")),
             **{key: report.get(key) for key in ("skew_before", "kurt_before", "skew_after", "kurt_after")}}
            for report in result.treatment for position, old, new in report.get("treated", [])]
    if rows:
        io.write_csv(pd.DataFrame(rows), folder.path("treatment.csv"), synthetic=synthetic)
    if result.excluded:
        io.write_csv(pd.DataFrame({"unit": list(result.excluded)}), folder.path("excluded.csv"), synthetic=synthetic)
    not_applicable = result.not_applicable.stack()
    cells = not_applicable[not_applicable].index.tolist()
    if cells:  # what tells a cell that does not apply from a missing one (both are empty in scores.csv)
        io.write_csv(pd.DataFrame(cells, columns=["unit", "code"]), folder.path("not_applicable.csv"),
                     synthetic=synthetic)


def run(config: str | Path | Mapping[str, Any], *, out: str | Path = "experiments", seed: int | None = None,
        samples: int | None = None, quiet: bool = False, figures: str | None = None, pdf: bool | None = None,
        dask_address: str | None = None) -> Path:
    """Run an experiment config and write its run folder; what ``dti-bench run`` calls.

    Parameters
    ----------
    config : str, Path or mapping
        A config file or its dict form.
    out : str or Path
        The parent of run folders (a config's runs go to ``out/<name>/``).
    seed, samples : int, optional
        Override every analysis' seed, and the Monte Carlo sample size of uncertainty and PAWN.
    quiet : bool
        Print nothing (no summary, no progress bars). Otherwise every long phase shows a bar on standard error
        when it is a terminal: the Monte Carlo chunks, the Sobol' doublings, the importance bootstrap, the
        figures and the report (:mod:`dti_bench.progress`).
    figures : {'headline', 'all', 'none'}, optional
        Override the config's ``output.figures``.
    pdf : bool, optional
        Override the config's ``output.pdf`` (the command line's ``--pdf``).
    dask_address : str, optional
        The dask scheduler for ``executor: dask`` (the command line's ``--dask-address``).

    Returns
    -------
    Path
        The new run folder.

    Examples
    --------
    >>> import tempfile
    >>> folder = run({"name": "demo", "data": {"dataset": "dti2022-published-profiles"}}, out=tempfile.mkdtemp(),
    ...              quiet=True, figures="none")
    >>> (folder / "ranks.csv").read_text().splitlines()[1]
    'da_nang,1,1,1,1'
    """
    study = Study.from_config(config, seed=seed, samples=samples, progress=not quiet, dask_address=dask_address)
    final = study.save(out, figures=figures, pdf=pdf)
    if not quiet:
        print(summary(study, final))
        if (final / "report.html").exists():
            print(f"report: {final / 'report.html'}")
    return final


def data_hash(dataset: Dataset) -> str:
    """sha256 of the unit codes, indicator codes and values (NaN included), and of the not-applicable cells when
    there are any (so that the hash of data without them is what it always was)."""
    h = hashlib.sha256()
    h.update("\x1f".join(dataset.units).encode())
    h.update(b"\x1e")
    h.update("\x1f".join(dataset.indicators).encode())
    h.update(np.ascontiguousarray(dataset.values).tobytes())
    if dataset.not_applicable:
        h.update(b"\x1d" + "\x1f".join(f"{u}\x1e{c}" for u, c in sorted(dataset.not_applicable)).encode())
    return h.hexdigest()


def _git_commit() -> str | None:
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=io.PACKAGE_DIR, capture_output=True, text=True,
                             timeout=5, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


def summary(study: Study, folder: Path, top: int = 10) -> str:
    """A short table of the headline's top units, the nominal methodology and where the run folder is."""
    result = study.nominal
    fw = result.framework
    head = fw.headline or fw.composites[-1]
    table = result.to_frame()[["name", "rank", head]].head(top)
    tag = "  [SYNTHETIC DATA]" if result.dataset.synthetic else ""
    return "\n".join([f"{fw.name} on {result.dataset.name}{tag}: {len(result.dataset.units)} units",
                      study.methodology_note, table.to_string(float_format=lambda v: f"{v:.4f}"),
                      *ensemble_lines(study), *warning_lines(study.warnings), f"run folder: {folder}"])


def ensemble_lines(study: Study) -> list[str]:
    """Over an ensemble: what the tables report, the headline spread across members and the robust statements."""
    if study.ensemble is None or study._results is None:
        return []
    found = study._results.summaries
    spec = study.ensemble_spec
    assert spec is not None and study.ensemble is not None  # called only for ensemble data
    lines = [f"ensemble {study.ensemble.name}: {len(study.members)} members (the table above is member "
             f"{study.ensemble.labels[0]}'s); every table gives the median and 5-95 % range across members"]
    uncertainty = found.get("uncertainty", {})
    if "mean_abs_rank_shift" in uncertainty:
        lo_hi = uncertainty["ensemble"]["ranges_q05_q95"].get("mean_abs_rank_shift")
        spread = f" (5-95 % across members {lo_hi[0]:.2f}-{lo_hi[1]:.2f})" if lo_hi else " (the same in every member)"
        lines.append(f"  mean absolute rank shift: median {uncertainty['mean_abs_rank_shift']:.2f}{spread}")
    share = "every member" if spec.robust_share >= 1 else f"at least {spec.robust_share:.0%} of members"
    for statement, counts in found.get("ensemble", {}).get("statements", {}).items():
        lines.append(f"  '{statement}': robust (in {share}) for {len(counts['robust'])} units, true in some member "
                     f"for {counts['in_some_member']} (ensemble_statements.csv)")
    for statement, pair in found.get("ensemble", {}).get("pairs", {}).items():
        verdict = "robust" if pair["robust"] else "not robust"
        lines.append(f"  '{statement}': holds in {pair['holds_in']} of {pair['members']} members ({verdict})")
    return lines


def warning_lines(found: list[str]) -> list[str]:
    """The methodology warnings as the run summary and ``validate`` print them, one line each."""
    return [f"warning: {w}" for w in found]


__all__ = ["METHODOLOGY_SOURCES", "Study", "StudyResults", "load_config", "run", "summary"]
