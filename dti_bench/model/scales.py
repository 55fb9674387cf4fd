"""Measurement scales through a methodology: which composites aggregate values their mean cannot mean anything on.

A mean is *meaningful* when the ranking it gives does not change under the transformations the inputs' scale
allows (Ebert & Welsch 2004). On a **ratio** scale (a natural zero: counts, shares, points / max points) only a
change of unit is allowed, ``x -> a x``; every weighted power mean, the geometric mean included, ranks units the
same after it. On an **interval** scale (an arbitrary zero: z-scores, min-max scores, distances to the minimum)
``x -> a x + b`` is allowed too, and only the arithmetic mean (and order statistics such as the minimum or the
median) survive it: the geometric or harmonic mean of z-scores ranks differently when the z-score's mean ``m``
moves from 10 to 100, although nothing about the units changed. On an **ordinal** scale (ranks, percentiles,
categories) any increasing map is allowed, and only comparisons (minimum, median, Copeland, Borda) survive.

The scale of every node follows from the methodology alone:

- an indicator's raw scale is ``ratio`` unless its framework entry says ``measurement: interval`` or
  ``measurement: ordinal`` (the iMeta column ``Measurement``); direction −1 negates the values, which keeps the
  differences but not the natural zero (``ratio`` becomes ``interval``), except under a normaliser that scores
  the raw lower-is-better quantity itself (registry trait ``direction_aware``: ``frac_max``'s min v / v);
- its normaliser maps that to an output scale (the registry trait ``output_scale``: min-max and z-score give
  ``interval``, dividing by the maximum or a target keeps ``ratio``, ranks give ``ordinal``);
- a composite's scale is its aggregator's output scale (trait ``output_scale``) given the weakest of its
  children's: a mean of ratio-scale values is ratio-scale, Copeland's counts of wins are ordinal.

A composite whose aggregator needs a stronger scale (trait ``needs_scale``) than the weakest of its children has
is reported as a :class:`ScaleWarning`. The check reads the methodology, not the data, so ``validate`` gives the
same answer as ``run``; it does not see a log transform that outlier treatment applies to some columns only
when the data call for it.

References
----------
Ebert, U. & Welsch, H. (2004). Meaningful environmental indices: a social choice approach. *Journal of
Environmental Economics and Management* 47:270-283.

Stevens, S. S. (1946). On the theory of scales of measurement. *Science* 103:677-680.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from dti_bench.errors import FrameworkError, choices
from dti_bench.methods.registry import INTERVAL, RATIO, SCALES, supports

if TYPE_CHECKING:
    from dti_bench.model.framework import Framework
    from dti_bench.model.methodology import Method, Methodology

#: The key (framework YAML) or column (iMeta ``Measurement``) that declares an indicator's raw scale.
MEASUREMENT_KEYS = ("measurement", "Measurement")


@dataclass(frozen=True)
class ScaleWarning:
    """A composite whose aggregator needs a stronger scale than its inputs have.

    Attributes
    ----------
    node : str
        The composite.
    aggregation : str
        Its aggregator as a methodology writes it (``geometric``, ``power(p=0.5)``).
    needs, have : str
        The scale the aggregator needs and the weakest scale among its children (:data:`SCALES`).
    causes : tuple of str
        What gave the children that scale: the normalisations of the indicators below (``zscore(m=10, s=2)``),
        ``direction -1``, a declared ``measurement``, or a child composite's aggregator.

    Examples
    --------
    >>> import dti_bench as db
    >>> fw = db.load_framework("dti-provincial-2022")
    >>> m = fw.official.vary({"normalise": {"method": "zscore", "m": 10, "s": 2}, "aggregate": {"default": "arithmetic",
    ...                                                                                       "DTI": "geometric"}})
    >>> [w] = scale_warnings(fw, m)
    >>> print(w.message())  # doctest: +NORMALIZE_WHITESPACE
    composite 'DTI': geometric needs ratio-scale inputs (a natural zero) but gets interval-scale values from
    normalisation zscore(m=10, s=2); its ranks change when that arbitrary zero moves (Ebert & Welsch 2004)
    """

    node: str
    aggregation: str
    needs: str
    have: str
    causes: tuple[str, ...]

    def message(self) -> str:
        """One line naming the node, the aggregation, the scales and what caused the weaker one."""
        why = {RATIO: "ratio-scale inputs (a natural zero)", INTERVAL: "interval-scale inputs (equal differences)"}
        return (f"composite {self.node!r}: {self.aggregation} needs {why.get(self.needs, self.needs + '-scale inputs')} "
                f"but gets {self.have}-scale values from {', '.join(self.causes)}; its ranks change when "
                + ("that arbitrary zero moves" if self.have == INTERVAL else "those values are rescaled monotonically")
                + " (Ebert & Welsch 2004)")


def measurement(framework: Framework, code: str) -> str:
    """The raw measurement scale of indicator ``code``: its framework entry's ``measurement`` (or iMeta column
    ``Measurement``), ``ratio`` when it declares none.

    Raises
    ------
    FrameworkError
        When the declared value is not one of :data:`~dti_bench.methods.registry.SCALES`.

    Examples
    --------
    >>> from dti_bench.model.framework import Framework
    >>> fw = Framework.from_tree({"I": ["a", "b"]})
    >>> measurement(fw, "a")
    'ratio'
    """
    extra = framework.node(code).extra
    value = next((extra[k] for k in MEASUREMENT_KEYS if k in extra and extra[k] is not None), RATIO)
    value = str(value).strip().lower()
    if value not in SCALES:
        raise FrameworkError(f"framework {framework.name!r}: indicator {code!r}: measurement {value!r} is not a "
                             f"scale; valid choices: {choices(SCALES)}")
    return value


def _weakest(scales: list[str]) -> str:
    return min(scales, key=SCALES.index)


def node_scales(framework: Framework, methodology: Methodology) -> dict[str, tuple[str, tuple[str, ...]]]:
    """Every node's scale under ``methodology``, with what made it that weak: code -> (scale, causes).

    Returns
    -------
    dict
        ``{code: (scale, causes)}`` for every indicator (after direction and normalisation) and composite (after
        its aggregation); ``causes`` is empty for a ratio-scale node.

    Examples
    --------
    >>> import dti_bench as db
    >>> fw = db.load_framework("dti-provincial-2022")
    >>> node_scales(fw, fw.official)["DTI"]
    ('ratio', ())
    >>> node_scales(fw, fw.official.vary({"normalise": "minmax"}))["DTI"]
    ('interval', ('normalisation minmax',))
    """
    out: dict[str, tuple[str, tuple[str, ...]]] = {}
    for code in framework.indicators:
        raw = measurement(framework, code)
        method = methodology.normalise.for_node(code, 1)
        entry, params = method.entry, _normaliser_params(framework, code, method)
        # -x keeps differences, not the natural zero, unless the normaliser scores the raw quantity (frac_max's
        # min v / v for direction -1)
        flipped = framework.node(code).direction == -1 and raw == RATIO and not entry.direction_aware
        given = INTERVAL if flipped else raw

        def output(scale: str) -> str:
            return scale if entry.output_scale is None else entry.output_scale(params, scale)  # noqa: B023 -- used at once

        scale = output(given)
        if scale == RATIO:
            causes: tuple[str, ...] = ()
        elif raw != RATIO:
            causes = (f"declared measurement {raw} ({code})",)
        elif output(raw) == scale:     # the normaliser alone gives this scale
            causes = (f"normalisation {method}",)
        else:
            causes = (f"direction -1 under normalisation {method}",)
        out[code] = (scale, causes)
    for comp in framework.composites:  # children first (topological order)
        kids = [out[k] for k in framework.children(comp)]
        have = _weakest([s for s, _ in kids])
        method = methodology.aggregate.for_node(comp, framework.level(comp))
        entry = method.entry
        scale = have if entry.output_scale is None else entry.output_scale(method.kwargs, have)
        if scale == have:
            causes = tuple(dict.fromkeys(c for s, cs in kids if s == have for c in cs))
        else:
            causes = (f"aggregation {method} of {comp!r}",)
        out[comp] = (scale, causes if scale != RATIO else ())
    return out


def _normaliser_params(framework: Framework, code: str, method: Method) -> dict:
    """The normaliser's parameters with the framework's goalposts filled in (as the pipeline fills them), so
    that ``goalposts`` with the framework's ``lo: 0`` keeps a ratio scale."""
    params = method.kwargs
    node = framework.node(code)
    for key, value in (("lo", node.lo), ("hi", node.hi), ("target", node.target)):
        if key not in params and value is not None:
            params[key] = -value if node.direction == -1 else value
    return params


def scale_warnings(framework: Framework, methodology: Methodology) -> list[ScaleWarning]:
    """The composites of ``methodology`` whose aggregator needs a stronger scale than its children have.

    Parameters
    ----------
    framework : Framework
    methodology : Methodology

    Returns
    -------
    list of ScaleWarning
        In the framework's composite order; empty when every mean is meaningful on its inputs.

    Examples
    --------
    >>> import dti_bench as db
    >>> fw = db.load_framework("dti-provincial-2022")
    >>> scale_warnings(fw, fw.official)     # points / max points are ratio-scale: nothing to say
    []
    >>> [w.node for w in scale_warnings(fw, fw.official.vary({"normalise": "minmax", "aggregate": "harmonic"}))]
    ['DTI', 'digital_government', 'digital_economy', 'digital_society']
    """
    scales = node_scales(framework, methodology)
    found = []
    for comp in framework.composites:
        method = methodology.aggregate.for_node(comp, framework.level(comp))
        if method.entry.needs_scale is None:
            continue
        needs = method.entry.needs_scale(method.kwargs)
        kids = [scales[k] for k in framework.children(comp)]
        have = _weakest([s for s, _ in kids])
        if not supports(have, needs):
            causes = tuple(dict.fromkeys(c for s, cs in kids if not supports(s, needs) for c in cs))
            found.append(ScaleWarning(comp, str(method), needs, have, causes))
    return found


def method_warnings(methodology: Methodology) -> list[str]:
    """The registry's standing warnings of the methods ``methodology`` uses (a method that is not what its name may
    suggest, such as ``weights: bod_weights``), one line each naming the family and the method.

    Examples
    --------
    >>> from dti_bench.model.methodology import Methodology
    >>> method_warnings(Methodology.from_dict({"weights": "bod_weights"}))[0][:60]
    'weights bod_weights: bod_weights is not the benefit-of-the-d'
    """
    imputers = (methodology.impute, *(m for _, m in methodology.impute_composites))
    used = [("screen", (methodology.screen,)), ("impute", imputers), ("treat", methodology.treat.methods()),
            ("normalise", methodology.normalise.methods()), ("weights", methodology.weights.methods()),
            ("aggregate", methodology.aggregate.methods())]
    out: list[str] = []
    for family, methods in used:
        for method in methods:
            line = f"{family} {method}: {method.entry.warning}" if method.entry.warning else None
            if line and line not in out:
                out.append(line)
    return out


def methodology_warnings(framework: Framework, methodology: Methodology) -> list[str]:
    """Everything that makes ``methodology`` mean less than it seems: each :class:`ScaleWarning`'s message, then
    :func:`method_warnings` (what :func:`~dti_bench.index.compute_index` issues and keeps in ``result.warnings``).

    Examples
    --------
    >>> import dti_bench as db
    >>> fw = db.load_framework("dti-provincial-2022")
    >>> methodology_warnings(fw, fw.official)
    []
    """
    return [w.message() for w in scale_warnings(framework, methodology)] + method_warnings(methodology)


__all__ = ["MEASUREMENT_KEYS", "ScaleWarning", "measurement", "method_warnings", "methodology_warnings",
           "node_scales", "scale_warnings"]
