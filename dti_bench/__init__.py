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


def __getattr__(name: str):
    # db.plot imports matplotlib: only when first used, so that the command line and plain analyses start fast
    if name == "plot":
        from dti_bench.reporting import figures

        globals()["plot"] = figures
        return figures
    raise AttributeError(f"module 'dti_bench' has no attribute {name!r}")


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
