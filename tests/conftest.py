"""Shared fixtures: the bundled frameworks and datasets, and the COINr-style example tables."""

from __future__ import annotations

from pathlib import Path

import pytest

from dti_bench import io

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
