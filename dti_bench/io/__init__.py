"""Files, bundled data, COINr tables, third-party index data and run folders: everything that touches the disk.

- :mod:`~dti_bench.io.files`: CSV and YAML readers and writers with errors that name the file and line;
- :mod:`~dti_bench.io.bundled`: the frameworks, datasets and published DTI tables that ship with the package;
- :mod:`~dti_bench.io.coinr`: COINr's iData and iMeta tables, from files or DataFrames;
- :mod:`~dti_bench.io.external`: PAPI, PCI and the OECD BLI, read from a data folder (never bundled);
- :mod:`~dti_bench.io.runs`: the run-folder writer and the one reader that report, figures and paper share.
"""

from dti_bench.io.bundled import (DATASETS_DIR, EXAMPLES_DIR, FRAMEWORKS_DIR, PACKAGE_DIR, PUBLISHED_DIR, bundled_datasets,
                                  bundled_frameworks, dataset_meta, load_dataset, load_framework, load_merger_weights,
                                  load_mergers, merger_table_name, provinces, published_panel,
                                  published_rank_changes, published_table)
from dti_bench.io.coinr import load_idata, load_panel, read_coinr, read_imeta
from dti_bench.io.files import read_table, read_yaml, write_csv, write_json, write_yaml
from dti_bench.io.runs import RunFolder, RunReader

__all__ = ["DATASETS_DIR", "EXAMPLES_DIR", "FRAMEWORKS_DIR", "PACKAGE_DIR", "PUBLISHED_DIR", "RunFolder", "RunReader",
           "bundled_datasets", "bundled_frameworks", "dataset_meta", "load_dataset", "load_framework", "load_idata",
           "load_merger_weights", "load_mergers", "load_panel", "merger_table_name", "provinces", "published_panel",
           "published_rank_changes", "published_table", "read_coinr", "read_imeta", "read_table", "read_yaml",
           "write_csv", "write_json", "write_yaml"]
