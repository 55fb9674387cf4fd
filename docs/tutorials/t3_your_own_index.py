"""
Bring your own index
====================

Two ways in: a pandas DataFrame with a framework written in code, and COINr's iData / iMeta tables (the R
package's vocabulary: ``uCode``, ``uName``, group and denominator columns; ``iCode``, ``Parent``, ``Weight``,
``Direction``, ``Type``).
"""

import numpy as np
import pandas as pd

import dti_bench as db

# %%
# From a DataFrame
# ----------------
# ``Framework.from_tree`` builds a framework from nested mappings (equal weights, every indicator higher-is-better)
# and ``Dataset.from_frame`` takes the unit codes from the index.
tree = db.Framework.from_tree({"Index": {"Economy": ["gdp", "jobs", "trade"],
                                         "Society": ["health", "school", "safety"]}})
table = pd.DataFrame(np.random.default_rng(1).uniform(1, 9, (10, 6)), index=[f"unit{i}" for i in range(10)],
                     columns=["gdp", "jobs", "trade", "health", "school", "safety"])
own = db.compute_index(tree, db.Dataset.from_frame(table, tree),
                       {"normalise": {"method": "minmax", "lo": 0, "hi": 100}})
print(own.to_frame().head())

# %%
# From COINr's tables
# -------------------
# ``db.read_coinr`` reads iData and iMeta (paths or DataFrames). A framework read from iMeta carries COINr's
# defaults as its official methodology: min-max onto [0, 100], arithmetic means.
from dti_bench.io import EXAMPLES_DIR

fw, data = db.read_coinr(EXAMPLES_DIR / "example_iData.csv", EXAMPLES_DIR / "example_iMeta.csv")
print(fw)
print(data)
print(fw.official.to_dict())
result = db.compute_index(fw, data, fw.official)
print(result.to_frame().head())

# %%
# The tables may be DataFrames too: here the COINr-style tables the test suite checks COINr equivalence on
# (``tests/data/``: a Region group, a Population denominator, missing values written ``NA`` as R writes them).
from dti_bench.io import PACKAGE_DIR

tables = PACKAGE_DIR.parent / "tests" / "data"  # the repository's checkout, which the documentation is built from
idata, imeta = pd.read_csv(tables / "coinr_iData.csv"), pd.read_csv(tables / "coinr_iMeta.csv")
print(idata.head(3))
fw_tests, data_tests = db.read_coinr(idata, imeta)
print(data_tests)
print(db.compute_index(fw_tests, data_tests, {"denominate": True, "impute": "mean"}).to_frame().head(3))

# %%
# The same pipeline as a COINr workflow
# -------------------------------------
# ``Impute`` by the mean of the unit's region (COINr's ``i_mean_grp``), ``Treat`` with COINr's winsorisation rule,
# ``Normalise`` onto [1, 100] and ``Aggregate`` with arithmetic means, as one methodology value.
methodology = {"impute": {"method": "group_mean", "group": "Region"},
               "treat": {"method": "winsorise", "winmax": 5, "skew": 2, "kurtosis": 3.5},
               "normalise": {"method": "minmax", "lo": 1, "hi": 100}, "aggregate": {"default": "arithmetic"}}
rebuilt = db.compute_index(fw, data, methodology)
headline = fw.require_headline()
print(rebuilt.to_frame()[[headline]].head())

# %%
# How robust is that ranking? Leave each indicator out in turn (COINr's ``remove_elements``).
loo = db.leave_one_out(fw, data, methodology)
print(loo.to_frame().head(10))

import matplotlib.pyplot as plt

scores = rebuilt.to_frame()[headline].sort_values()
fig, ax = plt.subplots(figsize=(6, 4))
ax.barh(scores.index.astype(str), scores.values, color="#009E73")
ax.set_xlabel(f"{headline} (example COINr tables)")
fig.tight_layout()
