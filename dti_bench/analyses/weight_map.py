"""Weight maps: how one unit's rank changes over every split of weight among three nodes.

Three nodes (the DTI 2022 pillars, say) are combined by a composite whose three weights ``(w1, w2, w3)`` run
over the simplex ``w1 + w2 + w3 = 1``. :func:`simplex_rank_map` evaluates that composite at every point of a
barycentric grid through the batched engine and records the chosen unit's rank and score; the figure is drawn
by :func:`dti_bench.reporting.figures.ternary_rank_map`. The map shows at a glance the weight regions in which the unit
keeps its rank and the boundaries where it changes (the graphical counterpart of Foster, McGillivray & Seth's
robust-pair share, which asks the same question of every pair of units at once).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from dti_bench.analyses.results import Result, inputs
from dti_bench.filenames import safe_stem
from dti_bench.config.specs import WeightMapSpec
from dti_bench.index import compute_index
from dti_bench.model.dataset import Dataset
from dti_bench.engine.batch import Batch, Engine
from dti_bench.methods.registry import METHODS
from dti_bench.errors import ConfigError, FrameworkError, choices
from dti_bench.model.framework import Edge, Framework, Node
from dti_bench.model.methodology import Methodology

#: Code of the composite that :func:`simplex_rank_map` adds when the three nodes do not already form one.
SIMPLEX_NODE = "simplex"


def barycentric_grid(resolution: int) -> np.ndarray:
    r"""Every weight triple on the regular simplex grid of step ``1 / resolution``.

    .. math:: \{(i, j, k) / r : i, j, k \in \mathbb{N},\ i + j + k = r\}

    Parameters
    ----------
    resolution : int
        r >= 1, the number of steps along each edge of the triangle.

    Returns
    -------
    ndarray, shape ((r + 1)(r + 2) / 2, 3)
        Rows sum to 1 exactly in integer arithmetic (the division is the only rounding); the three vertices
        (1, 0, 0), (0, 1, 0), (0, 0, 1) are rows, so a map always shows each node alone.
    """
    r = int(resolution)
    if r < 1:
        raise ConfigError(f"resolution must be a whole number >= 1, got {resolution!r}")
    i, j = np.meshgrid(np.arange(r + 1), np.arange(r + 1), indexing="ij")
    keep = i + j <= r
    ijk = np.column_stack([i[keep], j[keep], r - i[keep] - j[keep]])
    return ijk / r


def simplex_rank_map(framework: Framework, dataset: Dataset, methodology: Methodology, children: Sequence[str] | None,
                     unit: str, resolution: int = 40, node: str | None = None) -> pd.DataFrame:
    r"""The rank and score of ``unit`` at every weighting of three nodes.

    The three nodes are combined by a composite :math:`y(w) = M_w(x_1, x_2, x_3)` — the methodology's
    aggregator :math:`M` (arithmetic: :math:`\sum_i w_i x_i`) with weights on the grid of
    :func:`barycentric_grid` — and every grid point is one variant of a single batched
    :class:`~dti_bench.engine.batch.Batch`; everything below the three nodes keeps its nominal weights.

    Parameters
    ----------
    framework, dataset, methodology
        The index; the methodology's weighting must be one the engine batches (nominal, equal or explicit
        weights): a data-driven weighting would replace the grid's weights with its own.
    children : sequence of 3 str, or None
        The three nodes (indicators or composites, distinct). ``None`` takes ``node``'s children.
    unit : str
        The unit whose rank is mapped.
    resolution : int
        Steps along each edge of the triangle: ``(r + 1)(r + 2) / 2`` variants.
    node : str, optional
        An existing composite with exactly these three children, to vary in place (its own aggregator
        applies). By default a new composite ``'simplex'`` over ``children`` becomes the headline of a derived
        framework (aggregated with the methodology's default for its level); composites that already exist
        stay as they are, so the three nodes are scored exactly as in the index.

    Returns
    -------
    DataFrame, ((r + 1)(r + 2) / 2, 5)
        Columns ``w1, w2, w3`` (in ``children`` order, summing to 1), ``rank`` (of ``unit`` among all units,
        1 = best, ties 'min') and ``score`` (of ``unit``). ``attrs`` holds ``children``, ``names`` (their
        display names), ``unit``, ``unit_name``, ``node`` (the composite read) and ``nominal`` (the three
        nominal weights normalised to sum to 1, when some composite of the framework has exactly these three
        children; else None).

    Notes
    -----
    NaN policy: a variant the engine cannot compute (a geometric mean meeting a zero) has NaN rank and score;
    a unit missing one of the three nodes is scored on the others with renormalised weights, so at the vertex
    of a node it is missing it has NaN. At a vertex a zero-weight child is skipped entirely, so with any
    quasi-arithmetic mean the vertex :math:`(1, 0, 0)` reproduces the first node's own score and rank.

    References
    ----------
    Foster, McGillivray & Seth (2013), Econometric Reviews 32(1):172 — rank robustness to weights;
    OECD/JRC Handbook on Constructing Composite Indicators (2008), step 8.
    """
    if methodology.weights.data_driven:
        driven = next(m for m in methodology.weights.methods() if m.entry.data_driven)
        raise ConfigError(f"simplex_rank_map: weights {driven.name!r} are data-driven and would "
                          f"override the simplex weights; use one of "
                          f"{choices(n for n, e in METHODS['weights'].items() if not e.data_driven)} or explicit weights")
    if node is not None:
        kids = framework.children(node)
        if children is None:
            children = kids
        if len(kids) != 3 or set(kids) != set(children):
            raise FrameworkError(f"simplex_rank_map: composite {node!r} has children {choices(kids)}, not exactly "
                                 f"the three nodes {choices(children)}")
    if children is None or len(children) != 3 or len(set(children)) != 3:
        raise FrameworkError(f"simplex_rank_map: need three distinct nodes, got {children!r}")
    children = tuple(str(c) for c in children)
    for code in children:
        framework.node(code)  # unknown codes fail here, with the valid choices
    if unit not in dataset.units:
        raise ConfigError(f"simplex_rank_map: unknown unit {unit!r}; valid choices: {choices(dataset.units)}")

    derived, target = (framework, node) if node is not None else (_with_simplex_node(framework, children), SIMPLEX_NODE)
    edge_pos = {e.child: i for i, e in enumerate(derived.edges) if e.parent == target}
    grid = barycentric_grid(resolution)
    weights = np.full((len(grid), len(derived.edges)), np.nan)
    weights[:, [edge_pos[c] for c in children]] = grid
    engine = Engine(derived, dataset)
    design = Batch(methodologies=(methodology,), which=np.zeros(len(grid), dtype=int), weights=weights)
    u = engine.units.index(unit)
    rank, score = np.full(len(grid), np.nan), np.full(len(grid), np.nan)
    # memory bounded by the chunk, whatever the resolution; the target alone (one weighted sum when it can)
    for rows, result in engine.chunks(design, only=[target]):
        rank[rows], score[rows] = result.ranks[:, u, 0], result.scores[:, u, 0]
    table = pd.DataFrame({"w1": grid[:, 0], "w2": grid[:, 1], "w3": grid[:, 2], "rank": rank, "score": score})
    table.attrs.update(children=list(children), names=[framework.node(k).name or k for k in children],
                       unit=unit, unit_name=dataset.unit_names[dataset.unit_index(unit)], node=target,
                       nominal=_nominal(framework, methodology, children, node))
    return table


def _with_simplex_node(framework: Framework, children: tuple[str, ...]) -> Framework:
    """``framework`` plus a composite :data:`SIMPLEX_NODE` over ``children`` (equal placeholder weights), as headline."""
    if SIMPLEX_NODE in framework.nodes:
        raise FrameworkError(f"simplex_rank_map: the framework already has a node {SIMPLEX_NODE!r}")
    nodes = [framework.node(code) for code in framework.nodes]
    nodes.append(Node(code=SIMPLEX_NODE, kind="composite", name="Simplex composite"))
    edges = list(framework.edges) + [Edge(SIMPLEX_NODE, c, 1.0) for c in children]
    # keep the framework's levels, so per-level aggregator overrides still address the same nodes
    levels = {code: framework.level(code) for code in framework.nodes}
    levels[SIMPLEX_NODE] = 1 + max(levels[c] for c in children)
    return Framework(framework.name, nodes, edges, headline=SIMPLEX_NODE, levels=levels,
                     groups=framework.groups, denominators=framework.denominators, meta=framework.meta)


def _nominal(framework: Framework, methodology: Methodology, children: tuple[str, ...],
             node: str | None) -> list[float] | None:
    """The weights the methodology gives the composite whose children are exactly ``children`` (as the engine
    reads them: nominal, overridden by explicit weights, or equal), in ``children`` order, summing to 1."""
    candidates = [node] if node is not None else [
        c for c in framework.composites if len(framework.children(c)) == 3 and set(framework.children(c)) == set(children)]
    if not candidates:
        return None
    parent = candidates[0]
    explicit = dict(methodology.weights.explicit)
    kids = framework.children(parent)
    base = np.array([explicit.get(c, v) for c, v in zip(kids, framework.nominal_weights(parent))], dtype=float)
    # nominal or equal: data-driven weightings were refused above
    method = methodology.weights.for_node(parent, framework.level(parent))
    w = dict(zip(kids, np.asarray(method.function(None, base, **method.kwargs), dtype=float)))
    total = sum(w.values())
    if total <= 0:
        return None
    return [float(w[c] / total) for c in children]


@dataclass(frozen=True, eq=False, repr=False)
class WeightMapResult(Result):
    """Each mapped unit's rank over the simplex of three weights.

    Attributes
    ----------
    maps : dict of str to DataFrame
        Unit code -> the table of :func:`simplex_rank_map` (``attrs`` hold the children, their names, the
        composite read and the nominal weights).
    resolution : int
    """

    maps: dict[str, pd.DataFrame]
    resolution: int

    def to_frame(self) -> pd.DataFrame:
        """Every map in one table, with a ``unit`` column first.

        Examples
        --------
        >>> import dti_bench as db
        >>> fw, ds = db.load_framework("dti-provincial-2022"), db.load_dataset("dti2022-published-profiles")
        >>> pillars = ["digital_government", "digital_economy", "digital_society"]
        >>> result = db.weight_map(fw, ds, None, ["da_nang", "can_tho"], pillars, resolution=2)
        >>> table = result.to_frame()
        >>> table.columns.tolist()[:4], len(table)   # 6 weightings of a resolution-2 triangle, 2 units
        (['unit', 'w1', 'w2', 'w3'], 12)
        """
        return pd.concat([m.assign(unit=u)[["unit", *m.columns]] for u, m in self.maps.items()], ignore_index=True)

    def tables(self) -> dict[str, pd.DataFrame]:
        """File name -> table: the CSV files a run folder holds for this analysis.

        Examples
        --------
        >>> import dti_bench as db
        >>> fw, ds = db.load_framework("dti-provincial-2022"), db.load_dataset("dti2022-published-profiles")
        >>> pillars = ["digital_government", "digital_economy", "digital_society"]
        >>> result = db.weight_map(fw, ds, None, ["da_nang", "can_tho"], pillars, resolution=2)
        >>> sorted(result.tables())
        ['weight_map-can_tho.csv', 'weight_map-da_nang.csv']
        """
        return {f"weight_map-{safe_stem(unit)}.csv": table for unit, table in self.maps.items()}

    def summary(self) -> dict[str, Any]:
        """The numbers the manifest records for this analysis (``outputs`` in ``manifest.json``).

        Examples
        --------
        >>> import dti_bench as db
        >>> fw, ds = db.load_framework("dti-provincial-2022"), db.load_dataset("dti2022-published-profiles")
        >>> pillars = ["digital_government", "digital_economy", "digital_society"]
        >>> result = db.weight_map(fw, ds, None, ["da_nang", "can_tho"], pillars, resolution=2)
        >>> s = result.summary()
        >>> s['units'], s['resolution']
        (['da_nang', 'can_tho'], 2)
        """
        return {"units": list(self.maps), "resolution": self.resolution,
                "maps": {u: dict(m.attrs) for u, m in self.maps.items()}}

    def describe(self) -> str:
        """One line: what was analysed and its headline number.

        Examples
        --------
        >>> import dti_bench as db
        >>> fw, ds = db.load_framework("dti-provincial-2022"), db.load_dataset("dti2022-published-profiles")
        >>> pillars = ["digital_government", "digital_economy", "digital_society"]
        >>> result = db.weight_map(fw, ds, None, ["da_nang", "can_tho"], pillars, resolution=2)
        >>> result.describe()
        'da_nang, can_tho over 6 weightings'
        """
        return f"{', '.join(self.maps)} over {len(next(iter(self.maps.values())))} weightings"


def weight_map(framework: Framework, data: Dataset | pd.DataFrame, methodology: Methodology | Mapping | None = None,
               units: str | Sequence[str] | None = None, children: Sequence[str] | None = None, *,
               resolution: int = WeightMapSpec.resolution, node: str | None = None) -> WeightMapResult:
    """Where on the simplex of three weights does a unit's rank change? (:func:`simplex_rank_map` per unit.)

    Parameters
    ----------
    framework, data, methodology
        The index (methodology None: the framework's official one, else the package default); its weighting must
        not be data-driven.
    units : str or sequence of str, optional
        The units mapped (default: the nominal first of the headline).
    children : sequence of 3 str, optional
        The three nodes whose weights vary (default: ``node``'s children, or the headline's when it has three).
    resolution : int
        Steps along each edge of the triangle: ``(r + 1)(r + 2) / 2`` weightings.
    node : str, optional
        An existing composite with exactly these three children, varied in place.

    Returns
    -------
    WeightMapResult
        ``.maps[unit]``: columns ``w1, w2, w3, rank, score``.

    Examples
    --------
    >>> import dti_bench as db
    >>> fw, ds = db.load_framework("dti-provincial-2022"), db.load_dataset("dti2022-synthetic")
    >>> pillars = ["digital_government", "digital_economy", "digital_society"]
    >>> result = db.weight_map(fw, ds, None, "hai_phong", pillars, resolution=10)
    >>> len(result.maps["hai_phong"])
    66
    """
    dataset, nominal = inputs(framework, data, methodology)
    if units is None:
        ranks = compute_index(framework, dataset, nominal).rank_values[framework.require_headline()]
        units = [str(ranks.idxmin())]
    elif isinstance(units, str):
        units = [units]
    if children is None and node is None and framework.headline is not None \
            and len(framework.children(framework.headline)) == 3:
        children = framework.children(framework.headline)
    maps = {u: simplex_rank_map(framework, dataset, nominal, children, u, resolution=resolution, node=node)
            for u in units}
    return WeightMapResult(maps, int(resolution))


__all__ = ["SIMPLEX_NODE", "WeightMapResult", "barycentric_grid", "simplex_rank_map", "weight_map"]
