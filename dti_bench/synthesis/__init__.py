"""Synthetic datasets calibrated to published figures (the DTI 2022 generator: :mod:`dti_bench.synthesis.dti2022`;
the 2023 year drawn given a 2022 one: :mod:`dti_bench.synthesis.dti2023`).

Layer: above ``io`` (it may read bundled data), below ``reporting``; the CLI imports it lazily.
"""
