"""
A real case study: Vietnam's PAPI
=================================

The Provincial Governance and Public Administration Performance Index (PAPI) is published with its indicator
values, so the published ranks can be reproduced and their robustness measured on real data. PAPI's data are
third-party and not in the repository: point ``DTI_BENCH_DATA`` at a folder holding ``vn_papi/`` (``make docs``
uses ``../shared/datasets`` when it exists). Without it this tutorial prints a note and stops.
"""

import os
from pathlib import Path

import dti_bench as db

root = os.environ.get("DTI_BENCH_DATA")
available = bool(root) and (Path(root) / "vn_papi").is_dir()
if not available:
    print("SKIPPED: the PAPI data folder is absent. Set DTI_BENCH_DATA to a folder holding vn_papi/ "
          "(papi.org.vn distributes the data) and rebuild the documentation to run this case study.")

# %%
# The published methodology, reproduced
# -------------------------------------
# A config's ``data: {external: papi}`` is, in Python, a study bound from a config mapping. It loads the latest
# year with the publisher's framework and methodology.
if available:
    study = db.Study.from_config({"name": "papi-docs", "data": {"external": "papi"},
                                  "output": {"figures": "none", "report": False}})
    fw, data = study.framework, study.dataset
    print(fw)
    print(data)
    nominal = db.compute_index(fw, data, fw.official).to_frame()
    print(nominal.sort_values("rank").head(10))

# %%
# How robust are the published ranks?
# ------------------------------------
# Rank bands under an alternative aggregation and ±25 % noise on the weights of PAPI's dimensions.
if available:
    factors = [db.factors.choice("aggregate.method", ["arithmetic", "geometric"], name="aggregation"),
               db.factors.weight_noise(0.25, name="weight noise")]
    bands = db.uncertainty(fw, data, fw.official, factors, n=300, seed=1)
    print(bands.to_frame().set_index("unit")[["nominal_rank", "q05_rank", "q95_rank"]].head(10))
    fig = db.plot.rank_intervals(bands)
