"""Is every variant of a design meaningful? The scale check of :mod:`dti_bench.model.scales` over a whole design.

A grid lists its variants; an uncertainty, Sobol' or screening design draws them from factors. The scale of a
variant's inputs depends only on its normalisations and aggregators, so the check enumerates the combinations of
the factors that set those (``normalise...``, ``aggregate...``, including a range of ``aggregate.p``, whose ends
are checked; ``weights`` choices too, for a method's standing warning) and leaves the rest (weight noise,
exclusions, data noise) at their nominal values. Each problem is reported
once per analysis as one line naming the aggregation, the normalisation and the composites, with the share of the
design's settings that have it.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Sequence

from dti_bench.analyses.factors import Factor, methodology_for
from dti_bench.model.framework import Framework
from dti_bench.model.methodology import ByNode, Method, Methodology
from dti_bench.model.scales import ScaleWarning, method_warnings, scale_warnings

#: At most this many combinations of the scale-relevant factors are checked (in design order); a larger product
#: is checked on its first ones and the warning says so.
MAX_COMBINATIONS = 4096

#: Methodology keys whose choices change a variant's scales (weights too are enumerated, for the standing warnings
#: of a weighting method such as bod_weights).
SCALE_ROOTS = ("normalise", "aggregate")


def variants_warnings(framework: Framework, methodologies: Sequence[Methodology], where: str) -> list[str]:
    """One line per distinct (aggregation, cause) problem among ``methodologies`` (a grid's variants).

    Parameters
    ----------
    framework : Framework
    methodologies : sequence of Methodology
    where : str
        The analysis, to start each line (``analyses.grid``).

    Returns
    -------
    list of str

    Examples
    --------
    >>> import dti_bench as db
    >>> fw = db.load_framework("dti-provincial-2022")
    >>> ms = [fw.official.vary({"aggregate": a}) for a in ("arithmetic", "geometric")]
    >>> variants_warnings(fw, ms, "grid")           # points / max points: both means are meaningful
    []
    """
    return (_lines([scale_warnings(framework, m) for m in methodologies], where, "variants", len(methodologies))
            + _method_lines([method_warnings(m) for m in methodologies], where, "variants", len(methodologies)))


def design_warnings(framework: Framework, nominal: Methodology, factors: Sequence[Factor], where: str) -> list[str]:
    """One line per distinct scale problem among the variants ``factors`` can draw around ``nominal``.

    Parameters
    ----------
    framework : Framework
    nominal : Methodology
    factors : sequence of Factor
        Resolved factors (:func:`~dti_bench.analyses.factors.parse_factors`).
    where : str
        The analysis, to start each line.

    Returns
    -------
    list of str
        Empty when every combination of the scale-relevant factors is meaningful.

    Examples
    --------
    >>> import dti_bench as db
    >>> from dti_bench.analyses.factors import parse_factors
    >>> fw = db.load_framework("dti-provincial-2022")
    >>> factors = parse_factors([db.factors.choice("normalise", ["none", {"method": "zscore", "m": 10, "s": 2}]),
    ...                          db.factors.choice("aggregate.method", ["arithmetic", "geometric"], node="DTI")],
    ...                         fw, fw.official)
    >>> [line] = design_warnings(fw, fw.official, factors, "analyses.uncertainty")
    >>> line[:96]
    "analyses.uncertainty: 1 of 4 settings: composite 'DTI': geometric needs ratio-scale inputs (a na"
    """
    relevant = [f for f in factors if f.path.split(".")[0] in SCALE_ROOTS + ("weights",)
                and f.kind in ("choice", "range")]
    if not relevant:
        return (_lines([scale_warnings(framework, nominal)], where, "settings", 1)
                + _method_lines([method_warnings(nominal)], where, "settings", 1))
    options = [f.choices if f.kind == "choice" else (f.low, f.high) for f in relevant]
    total = 1
    for o in options:
        total *= len(o)
    found, standing = [], []
    for combination in itertools.islice(itertools.product(*options), MAX_COMBINATIONS):
        variant = _variant(framework, nominal, relevant, combination)
        found.append(scale_warnings(framework, variant))
        standing.append(method_warnings(variant))
    lines = _lines(found, where, "settings", len(found)) + _method_lines(standing, where, "settings", len(found))
    if total > MAX_COMBINATIONS and lines:
        lines = [f"{line} (the first {MAX_COMBINATIONS:,} of {total:,} settings checked)" for line in lines]
    return lines


def _variant(framework: Framework, nominal: Methodology, factors: Sequence[Factor], values: Sequence) -> Methodology:
    """The nominal methodology with these factor values; a range of ``aggregate.p`` (which the engine applies as
    a per-variant exponent, not through the methodology) becomes ``power(p)`` at the factor's composites."""
    settings = [(f, v) for f, v in zip(factors, values) if not (f.kind == "range" and f.path == "aggregate.p")]
    m = methodology_for(nominal, settings, framework) if settings else nominal
    for f, v in zip(factors, values):
        if f.kind == "range" and f.path == "aggregate.p":
            power = Method("aggregate", "power", (("p", float(v)),))
            overrides = dict(m.aggregate.overrides)
            overrides.update({framework.composites[c]: power for c in f.targets})
            m = dataclasses.replace(m, aggregate=ByNode(m.aggregate.default, tuple(overrides.items())))
    return m


def _method_lines(found: Sequence[Sequence[str]], where: str, what: str, total: int) -> list[str]:
    """The methods' standing warnings over many variants: one line each, with how many variants use the method."""
    counts: dict[str, int] = {}
    for lines in found:
        for line in lines:
            counts[line] = counts.get(line, 0) + 1
    return [f"{where}: {f'{n} of {total} {what}: ' if total > 1 else ''}{line}" for line, n in counts.items()]


def _lines(found: Sequence[Sequence[ScaleWarning]], where: str, what: str, total: int) -> list[str]:
    """Group the warnings of many variants by (aggregation, needed and present scales, causes): one line each,
    naming its composites and how many of the ``total`` variants have it."""
    groups: dict[tuple, tuple[list[str], set[int]]] = {}
    for i, warnings in enumerate(found):
        for w in warnings:
            key = (w.aggregation, w.needs, w.have, w.causes)
            nodes, variants = groups.setdefault(key, ([], set()))
            if w.node not in nodes:
                nodes.append(w.node)
            variants.add(i)
    lines = []
    for (aggregation, needs, have, causes), (nodes, variants) in groups.items():
        first = ScaleWarning(nodes[0], aggregation, needs, have, causes).message()
        more = f" (also at {len(nodes) - 1} other composite{'s' if len(nodes) > 2 else ''}: " \
               f"{', '.join(nodes[1:4])}{' ...' if len(nodes) > 4 else ''})" if len(nodes) > 1 else ""
        share = f"{len(variants)} of {total} {what}: " if total > 1 else ""
        lines.append(f"{where}: {share}{first}{more}")
    return lines


__all__ = ["MAX_COMBINATIONS", "design_warnings", "variants_warnings"]
