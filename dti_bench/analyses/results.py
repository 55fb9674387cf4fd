"""What every analysis returns: a result object with one table view, the files a run folder holds, and a summary.

Every result class of :mod:`dti_bench.analyses` derives from :class:`Result`:

- ``to_frame()``: the analysis' main table as a DataFrame (the same numbers as its main CSV);
- ``tables()``: file name -> DataFrame, every CSV the analysis writes into a run folder;
- ``summary()``: the numbers the run's ``manifest.json`` records under ``outputs.<analysis>``;
- a short ``repr`` and an HTML one (``_repr_html_``) for notebooks.

The inputs an analysis function accepts are resolved once, at its entry, by :func:`inputs`: a methodology may be
a :class:`~dti_bench.model.methodology.Methodology`, its dict form, or None (the framework's official methodology,
else the package default); data may be a :class:`~dti_bench.model.dataset.Dataset` or a DataFrame.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any

import pandas as pd

from dti_bench.model.dataset import Dataset, resolve_data
from dti_bench.model.framework import Framework
from dti_bench.model.methodology import Methodology, resolve_methodology

#: Rows of a result's table shown in a notebook.
PREVIEW_ROWS = 10


class Result:
    """Base class of analysis results (see the module docstring)."""

    def to_frame(self) -> pd.DataFrame:
        raise NotImplementedError

    def tables(self) -> dict[str, pd.DataFrame]:
        raise NotImplementedError

    def summary(self) -> dict[str, Any]:
        return {}

    def describe(self) -> str:
        """One line: what was analysed and its headline number.

        Examples
        --------
        Every analysis result has one (it is also the result's ``repr``):

        >>> import dti_bench as db
        >>> fw, ds = db.load_framework("dti-provincial-2022"), db.load_dataset("dti2022-published-profiles")
        >>> db.robust_pairs(fw, ds).describe()
        'DTI, weights on the simplex, weak dominance: 3 of 10 pairs robust (0.300)'
        >>> db.coherence(fw, ds)
        CoherenceResult(4 composites, 2 with flagged children)
        """
        return ""

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.describe()})"

    def _repr_html_(self) -> str:
        frame = self.to_frame()
        more = f"<p>… {len(frame) - PREVIEW_ROWS} more rows (<code>.to_frame()</code>)</p>" \
            if len(frame) > PREVIEW_ROWS else ""
        return (f"<p><strong>{html.escape(type(self).__name__)}</strong>: {html.escape(self.describe())}</p>"
                + frame.head(PREVIEW_ROWS).to_html(index=False, escape=True) + more)


def inputs(framework: Framework, data: Dataset | pd.DataFrame,
           methodology: Methodology | Mapping[str, Any] | None) -> tuple[Dataset, Methodology]:
    """:func:`resolve_data` and :func:`resolve_methodology` at once."""
    return resolve_data(framework, data), resolve_methodology(framework, methodology)


__all__ = ["Result", "inputs"]
