"""Configs: the spec dataclasses that hold every option's default, check and documentation, and the experiment
config they make up.

- :mod:`~dti_bench.config.specs`: one spec per analysis (and the ``output:`` block);
- :mod:`~dti_bench.config.experiment`: the experiment config's shape and its ``data:`` block.

Reading a config file and binding it to its data is the orchestrator's (:mod:`dti_bench.experiment`).
"""

from dti_bench.config.experiment import DATA_ENV, Config, DataSpec
from dti_bench.config.specs import (CoherenceSpec, GridSpec, ImportanceSpec, OutputSpec, SensitivitySpec, Spec,
                                    StabilitySpec, UncertaintySpec, WeightMapSpec)

__all__ = ["CoherenceSpec", "Config", "DATA_ENV", "DataSpec", "GridSpec", "ImportanceSpec", "OutputSpec",
           "SensitivitySpec", "Spec", "StabilitySpec", "UncertaintySpec", "WeightMapSpec"]
