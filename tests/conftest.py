"""Shared fixtures: the bundled frameworks and datasets, and the COINr-style example tables."""

from __future__ import annotations

from pathlib import Path

import os

import pytest
from hypothesis import settings

from dti_bench import io

# CI (.ci/run sets HYPOTHESIS_PROFILE=ci) draws the same examples on every clean clone, so a pass or a failure
# there is reproducible; a developer's runs draw new ones each time and keep finding what CI would not.
settings.register_profile("ci", derandomize=True, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "configs" / "examples"


@pytest.fixture(scope="session")
def dti2022():
    return io.load_framework("dti-provincial-2022")


@pytest.fixture(scope="session")
def dti2020():
    return io.load_framework("dti-provincial-2020")


@pytest.fixture(scope="session")
def profiles(dti2022):
    return io.load_dataset("dti2022-published-profiles", dti2022)


@pytest.fixture(scope="session")
def example_framework():
    return io.load_framework(EXAMPLES / "example_iMeta.csv")


@pytest.fixture(scope="session")
def example_data(example_framework):
    return io.load_idata(EXAMPLES / "example_iData.csv", example_framework)


@pytest.fixture(autouse=True)
def _allocator_left_alone():
    """The command line tunes its process's allocator (dti_bench.engine.memory); tests call it in process, so
    each test starts and ends with tuning off, as a library user's process is."""
    from dti_bench.engine import memory

    memory.tune_allocator(False)
    yield
    memory.tune_allocator(False)
