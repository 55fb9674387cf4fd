"""Third-party index data read from a data folder, never bundled: PAPI, PCI (Vietnam) and the OECD BLI.

These tables belong to their publishers, so the package reads them from a folder the user names
(``data.root`` in a config, or the ``DTI_BENCH_DATA`` environment variable) and ships only the code that reads
them and the frameworks that aggregate them. :data:`EXTERNAL` maps a name to its loader; each loader has the
signature ``load(root: Path, year: int | None) -> (Framework, Dataset)`` and raises a DataError naming the files
it needs and where the publisher distributes them when they are absent.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from types import MappingProxyType

from dti_bench.model.dataset import Dataset
from dti_bench.errors import ConfigError, DataError, choices
from dti_bench.model.framework import Framework

Loader = Callable[[Path, "int | None"], "tuple[Framework, Dataset]"]


def _registry() -> MappingProxyType:
    from dti_bench.io.external import bli, papi, pci

    return MappingProxyType({"papi": papi.load, "pci": pci.load, "bli": bli.load})


def available_years(name: str, *, root: Path | None) -> list[int]:
    """Every year third-party index ``name`` has data for (``data: {external: NAME, years: all}``)."""
    import importlib

    if name not in _registry():
        raise ConfigError(f"data.external: unknown source {name!r}; valid choices: {choices(_registry())}")
    module = importlib.import_module(f"dti_bench.io.external.{name}")
    if not hasattr(module, "years"):
        raise ConfigError(f"data.years: {name} has one time point; use data.year or leave it out")
    if root is None:
        load_external(name, root=None)  # the one-line error naming the data folder it needs
    return module.years(Path(root))  # type: ignore[arg-type]


def load_external(name: str, *, root: Path | None, year: int | None = None) -> tuple[Framework, Dataset]:
    """The framework and dataset of third-party index ``name`` for ``year``, read from ``root``."""
    registry = _registry()
    if name not in registry:
        raise ConfigError(f"data.external: unknown source {name!r}; valid choices: {choices(registry)}")
    if root is None:
        import importlib

        needs = getattr(importlib.import_module(f"dti_bench.io.external.{name}"), "REQUIRED", f"{name}'s files")
        raise DataError(f"data.external {name!r}: no data folder; set data.root in the config or the DTI_BENCH_DATA "
                        f"environment variable to the folder holding {needs}")
    return registry[name](Path(root), year)
