"""Measurement error in the data, as a methodology-like choice: one of a fixed set of perturbed copies of the data.

Indicator values are measurements, not facts: most of the DTI's are self-assessed by the provinces or scored by
experts, and only about a fifth are measured automatically. An uncertainty or sensitivity design can therefore
draw the data too (the factor ``{path: data, noise: ...}`` of :mod:`dti_bench.analyses.factors`). Each variant
then uses one of ``draws`` perturbed copies of the raw indicators, copy ``r`` fixed by the factor's seed:

- ``multiplicative``: :math:`\\tilde x_{uj} = x_{uj} \\exp(\\sigma_j \\varepsilon_{uj})`, a log-normal error that
  keeps the sign and zeros of a ratio-scale value and the median of each cell; :math:`\\sigma_j` is about the
  relative standard error for small values (0.05: about ±5 %);
- ``additive``: :math:`\\tilde x_{uj} = x_{uj} + \\sigma_j \\varepsilon_{uj}`, with :math:`\\sigma_j` in
  standard deviations of indicator ``j`` across units when the noise is one number (so 0.1 means the same for
  every indicator whatever its unit), or in the indicator's own units when it comes from a standard-error
  column of the framework;

with :math:`\\varepsilon_{uj} \\sim N(0, 1)` drawn for every unit and indicator of the dataset from
``SeedSequence(seed, spawn_key=(DATA_STREAM, stream, r))``. The same copy ``r`` therefore perturbs a cell the
same way whatever the noise size, the indicators chosen or the chunk a variant falls in (common random numbers:
larger noise gives wider rank bands draw by draw, not only on average). Missing values stay missing. Noise acts
on the raw values, before denominating, imputing, screening and treating (it is the data that are uncertain, not
the method).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dti_bench.model.dataset import Dataset

#: The first spawn key of every data-noise stream (the ASCII of "data"), apart from the Monte Carlo blocks'.
DATA_STREAM = 0x64617461

#: The kinds of error a data-noise factor may add.
NOISE_KINDS = ("multiplicative", "additive")


@dataclass(frozen=True)
class DataNoise:
    """One perturbed copy of the data: which indicators, how much, and which draw.

    Attributes
    ----------
    kind : {'multiplicative', 'additive'}
    sigma : tuple of (str, float)
        Indicator code -> :math:`\\sigma_j`, for the indicators perturbed (the others are left as they are).
    relative : bool
        Additive noise only: :math:`\\sigma_j` is in standard deviations of the indicator (True) or in its units.
    seed : int
        The factor's seed: which set of copies.
    draw : int
        Which copy, ``0 <= draw < draws``.
    stream : int
        The factor's position among a design's data factors, so two factors draw independent errors.

    Examples
    --------
    >>> import dti_bench as db
    >>> data = db.load_dataset("dti2022-published-profiles")
    >>> noisy = DataNoise("multiplicative", (("awareness", 0.05),), seed=0, draw=3).apply(data)
    >>> bool((noisy.values[:, 0] != data.values[:, 0]).all()), bool((noisy.values[:, 1:] == data.values[:, 1:]).all())
    (True, True)
    """

    kind: str
    sigma: tuple[tuple[str, float], ...]
    relative: bool = True
    seed: int = 0
    draw: int = 0
    stream: int = 0

    def errors(self, dataset: Dataset) -> np.ndarray:
        """The standard normal errors :math:`\\varepsilon` of this copy, ``(units, indicators)`` of ``dataset``."""
        rng = np.random.default_rng(np.random.SeedSequence(self.seed, spawn_key=(DATA_STREAM, self.stream,
                                                                                  self.draw)))
        return rng.standard_normal(dataset.values.shape)

    def apply(self, dataset: Dataset) -> Dataset:
        """``dataset`` with this copy's errors on the indicators of :attr:`sigma` (NaN stays NaN).

        Parameters
        ----------
        dataset : Dataset
            The raw data; indicators of :attr:`sigma` it lacks are skipped.

        Returns
        -------
        Dataset
            A new dataset, same units and indicators.
        """
        eps = self.errors(dataset)
        x = np.array(dataset.values, dtype=float)
        position = {c: j for j, c in enumerate(dataset.indicators)}
        for code, sigma in self.sigma:
            j = position.get(code)
            if j is None or sigma == 0:
                continue
            if self.kind == "multiplicative":
                x[:, j] = x[:, j] * np.exp(sigma * eps[:, j])
            else:
                column = x[:, j]
                scale = sigma * (np.nanstd(column, ddof=1) if self.relative and np.isfinite(column).sum() > 1
                                 else 1.0 if not self.relative else 0.0)
                x[:, j] = column + scale * eps[:, j]
        return dataset.replace(values=x)

    def __str__(self) -> str:
        return f"data draw {self.draw} ({self.kind})"


__all__ = ["DATA_STREAM", "DataNoise", "NOISE_KINDS"]
