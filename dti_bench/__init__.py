"""dti_bench: composite-indicator methodology, with Vietnam's provincial DTI as the flagship case.

Everything a config can do is one flat namespace away (``import dti_bench as db``)::

    fw = db.load_framework("dti-provincial-2022")             # or db.read_coinr(iData, iMeta), Framework.from_tree
    data = db.load_dataset("dti2022-synthetic")               # or db.Dataset.from_frame(df, fw)
    official = db.compute_index(fw, data, fw.official)        # .scores, .ranks, .normalised, .weights, .to_frame()
    variant = fw.official.vary({"normalise": {"method": "zscore", "m": 10, "s": 2}, "aggregate": "geometric"})
    factors = [db.factors.choice("aggregate.method", ["arithmetic", "geometric"]), db.factors.weight_noise(0.25)]
    db.uncertainty(fw, data, fw.official, factors, n=2000).to_frame()     # rank bands
    db.sobol(fw, data, fw.official, factors, n=256).to_frame()            # Sobol' indices
    db.Study.from_config("configs/dti2022.yaml").save("experiments")      # a whole run folder, as the CLI does

The layers, each a subpackage with imports pointing down: :mod:`~dti_bench.methods` (the catalogues and the one
method registry), :mod:`~dti_bench.metrics`, :mod:`~dti_bench.model` (framework, dataset, methodology),
:mod:`~dti_bench.index` (one variant, the oracle), :mod:`~dti_bench.engine` (many variants at once),
:mod:`~dti_bench.config` (spec dataclasses), :mod:`~dti_bench.analyses` (and the one analysis registry),
:mod:`~dti_bench.io` (files, bundled data, run folders), :mod:`~dti_bench.reporting`, then
:mod:`~dti_bench.experiment` and the command line.
"""

from __future__ import annotations

__version__ = "0.1.0"

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # what _PUBLIC below loads on first use, spelt out for type checkers and editors
    from dti_bench.analyses import factors
    from dti_bench.analyses.coherence import coherence
    from dti_bench.analyses.grid import grid
    from dti_bench.analyses.importance import importance
    from dti_bench.analyses.leave_one_out import leave_one_out
    from dti_bench.analyses.morris import morris
    from dti_bench.analyses.pawn import pawn
    from dti_bench.analyses.rank_change import rank_change
    from dti_bench.analyses.sobol import sobol
    from dti_bench.analyses.stability import robust_pairs
    from dti_bench.analyses.uncertainty import uncertainty
    from dti_bench.analyses.weight_map import weight_map
    from dti_bench.errors import UserError
    from dti_bench.experiment import Study, StudyResults, load_config, run
    from dti_bench.index import IndexResult, compute_index
    from dti_bench.io import RunReader, load_dataset, load_framework, read_coinr
    from dti_bench.model.dataset import Dataset
    from dti_bench.model.ensemble import Ensemble
    from dti_bench.model.framework import Framework
    from dti_bench.model.methodology import Methodology
    from dti_bench.model.panel import Panel
    from dti_bench.reporting import figures as plot

#: Where each public name lives: (module, attribute), the attribute None for a module itself. The names are
#: imported on first use (PEP 562 module ``__getattr__``, as SciPy's SPEC 1 lazy loading does), not here: every
#: ``import dti_bench.<anything>`` runs this file first, and importing the analyses eagerly costs about a second
#: (numpy, pandas, scipy), which ``dti-bench --help`` and ``dti-bench validate`` would pay for nothing.
_PUBLIC = {
    "factors": ("dti_bench.analyses.factors", None),
    "coherence": ("dti_bench.analyses.coherence", "coherence"),
    "grid": ("dti_bench.analyses.grid", "grid"),
    "importance": ("dti_bench.analyses.importance", "importance"),
    "leave_one_out": ("dti_bench.analyses.leave_one_out", "leave_one_out"),
    "morris": ("dti_bench.analyses.morris", "morris"),
    "pawn": ("dti_bench.analyses.pawn", "pawn"),
    "rank_change": ("dti_bench.analyses.rank_change", "rank_change"),
    "sobol": ("dti_bench.analyses.sobol", "sobol"),
    "robust_pairs": ("dti_bench.analyses.stability", "robust_pairs"),
    "uncertainty": ("dti_bench.analyses.uncertainty", "uncertainty"),
    "weight_map": ("dti_bench.analyses.weight_map", "weight_map"),
    "UserError": ("dti_bench.errors", "UserError"),
    "Study": ("dti_bench.experiment", "Study"),
    "StudyResults": ("dti_bench.experiment", "StudyResults"),
    "load_config": ("dti_bench.experiment", "load_config"),
    "run": ("dti_bench.experiment", "run"),
    "IndexResult": ("dti_bench.index", "IndexResult"),
    "compute_index": ("dti_bench.index", "compute_index"),
    "RunReader": ("dti_bench.io", "RunReader"),
    "load_dataset": ("dti_bench.io", "load_dataset"),
    "load_framework": ("dti_bench.io", "load_framework"),
    "read_coinr": ("dti_bench.io", "read_coinr"),
    "Dataset": ("dti_bench.model.dataset", "Dataset"),
    "Ensemble": ("dti_bench.model.ensemble", "Ensemble"),
    "Framework": ("dti_bench.model.framework", "Framework"),
    "Methodology": ("dti_bench.model.methodology", "Methodology"),
    "Panel": ("dti_bench.model.panel", "Panel"),
    # matplotlib comes with it: only when a script draws
    "plot": ("dti_bench.reporting.figures", None),
}


def __getattr__(name: str):
    if name in _PUBLIC:
        module, attribute = _PUBLIC[name]
        value = importlib.import_module(module)
        if attribute is not None:
            value = getattr(value, attribute)
        globals()[name] = value  # once: later lookups are plain attribute reads
        return value
    if not name.startswith("_"):  # a subpackage as an attribute (``dti_bench.io.bundled_datasets()``), as before
        try:
            return importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as err:
            if err.name != f"{__name__}.{name}":
                raise
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_PUBLIC})


def report(run_folder, out=None):
    """Write the audit report of a run folder: one self-contained HTML file (what ``dti-bench report`` does).

    Parameters
    ----------
    run_folder : str or Path
        A run folder (holding ``manifest.json``).
    out : str or Path, optional
        The HTML file to write (default: ``run_folder/report.html``).

    Returns
    -------
    Path
        The file written.

    Examples
    --------
    >>> import dti_bench as db, tempfile
    >>> folder = db.Study.from_config({"name": "demo", "data": {"dataset": "dti2022-published-profiles"},
    ...                                "output": {"figures": "none", "report": False}}).save(tempfile.mkdtemp())
    >>> db.report(folder).name
    'report.html'
    """
    from dti_bench.reporting.html import write_report

    return write_report(run_folder, out=out)


__all__ = ["Dataset", "Ensemble", "Framework", "IndexResult", "Methodology", "Panel", "RunReader", "Study", "StudyResults", "UserError",
           "__version__", "coherence", "compute_index", "factors", "grid", "importance", "leave_one_out",
           "load_config", "load_dataset", "load_framework", "morris", "pawn", "plot", "rank_change", "read_coinr", "report",
           "robust_pairs", "run", "sobol", "uncertainty", "weight_map"]
