"""The framework: indicators and composite nodes as a weighted DAG.

A composite is a weighted aggregate of named children; a child may feed several composites (the DTI pillars
share the five foundation indicators). COINr's iMeta tree is the special case with one parent per node.

Levels count as COINr's ``Level`` column does: indicators are level 1 and a composite sits one level above its
highest child, unless the source (an iMeta table) states levels explicitly, in which case those are kept after
checking that every child sits below its parents.

Weights are relative within each composite's children: only their ratios matter.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from dti_bench.model.readonly import ReadOnlyDict
from dti_bench.errors import FrameworkError, choices

if TYPE_CHECKING:
    from dti_bench.model.methodology import Methodology

#: iMeta ``Type`` values, as COINr names them ("Other": unit metadata columns of iData, carried but not used).
IMETA_TYPES = ("Indicator", "Aggregate", "Group", "Denominator", "Other")
#: Cell values that mean "empty" in an iMeta table (R's write.csv writes NA).
_EMPTY_CELLS = {"", "na", "nan", "n/a", "null"}
#: The methodology COINr applies when a coin is built with its defaults (``Normalise``: ``n_minmax`` to [0, 100];
#: ``Aggregate``: ``a_amean`` with the iMeta weights): the ``official`` methodology of a framework read from iMeta.
COINR_DEFAULTS: Mapping[str, Any] = {"normalise": {"method": "minmax", "lo": 0, "hi": 100}, "weights": "nominal",
                                     "aggregate": "arithmetic"}
COINR_DEFAULTS_SOURCE = "COINr's defaults for a coin built from iMeta (n_minmax to [0, 100], a_amean)"
#: iMeta columns that the framework model reads; any other column is kept in ``Node.extra``.
IMETA_COLUMNS = ("iCode", "iName", "Level", "Parent", "Weight", "Direction", "Type")


@dataclass(frozen=True)
class Node:
    """One indicator or composite.

    Parameters
    ----------
    code : str
        Unique code (a column of the data for an indicator).
    kind : {'indicator', 'composite'}
    name, name_vi : str
        English and Vietnamese names, where known ('' otherwise).
    direction : {1, -1}
        +1 when more is better; -1 flips the indicator once, before normalisation.
    lo, hi : float or None
        Goalposts (used by goalpost normalisation).
    target : float or None
        Target value (distance-to-target and ratio-to-target normalisations).
    denominator : str or None
        Name of the denominator column for the ``denominate`` step.
    extra : mapping
        Any other metadata (unit, source, max points...), read-only.
    """

    code: str
    kind: str
    name: str = ""
    name_vi: str = ""
    direction: int = 1
    lo: float | None = None
    hi: float | None = None
    target: float | None = None
    denominator: str | None = None
    extra: Mapping[str, Any] = field(default_factory=lambda: ReadOnlyDict({}), compare=False, hash=False)


@dataclass(frozen=True)
class Edge:
    """``parent`` aggregates ``child`` with relative weight ``weight`` (>= 0)."""

    parent: str
    child: str
    weight: float


class Framework:
    """A weighted DAG of indicators (leaves) and composites.

    Build one with :meth:`from_dict` (the YAML shape) or :meth:`from_imeta` (a COINr iMeta table); the
    constructor validates and raises :class:`~dti_bench.errors.FrameworkError` naming the offending code.

    Attributes
    ----------
    indicators : tuple of str
        Indicator codes in declared order: the column order of every ``(units, indicators)`` array.
    composites : tuple of str
        Composite codes in topological order (every child before its parents; ties by declared order).
    nodes : tuple of str
        ``indicators + composites``: the order of every ``(..., nodes)`` axis.
    edges : tuple of Edge
        Grouped by parent in ``composites`` order, children in declared order.
    headline : str or None
        The headline node (e.g. ``'DTI'``); inferred when exactly one composite has no parent.
    official : Methodology or None
        The publisher's own methodology, when the framework carries it (the ``official:`` block of a framework
        YAML; COINr's defaults for an iMeta table). A config without a ``methodology:`` block uses it.
    groups, denominators, others : tuple of str
        Data columns declared as grouping variables / denominators / other unit metadata (COINr ``Type`` Group /
        Denominator / Other); "other" columns are accepted in the data and not used.

    Examples
    --------
    >>> import dti_bench as db
    >>> fw = db.load_framework("dti-provincial-2022")
    >>> fw.headline, fw.children("digital_society")[-1], fw.parents("awareness")
    ('DTI', 'society_activity', ('DTI', 'digital_government', 'digital_economy', 'digital_society'))
    """

    def __init__(
        self,
        name: str,
        nodes: Sequence[Node],
        edges: Sequence[Edge],
        *,
        headline: str | None = None,
        levels: Mapping[str, int] | None = None,
        groups: Sequence[str] = (),
        denominators: Sequence[str] = (),
        others: Sequence[str] = (),
        meta: Mapping[str, Any] | None = None,
        official: Mapping[str, Any] | None = None,
    ) -> None:
        self.name = name
        self._official = None if official is None else ReadOnlyDict(dict(official))
        self.meta = ReadOnlyDict(dict(meta or {}))
        self.groups = tuple(groups)
        self.denominators = tuple(denominators)
        self.others = tuple(others)
        self._node = _unique_nodes(nodes)
        self._children, self._parents = _adjacency(self._node, edges)
        self.indicators = tuple(n.code for n in nodes if n.kind == "indicator")
        declared_composites = [n.code for n in nodes if n.kind == "composite"]
        for code in declared_composites:
            if not self._children[code]:
                raise FrameworkError(f"framework {name!r}: composite {code!r} has no children")
        for code in self.indicators:
            if self._children[code]:
                raise FrameworkError(f"framework {name!r}: indicator {code!r} cannot have children "
                                     f"({choices(c for c, _ in self._children[code])})")
        self.composites = _topological(declared_composites, self._children, name)
        self.nodes = self.indicators + self.composites
        self.edges = tuple(Edge(p, c, w) for p in self.composites for c, w in self._children[p])
        self._level = _levels(self, levels)
        roots = [c for c in self.composites if not self._parents[c]]
        if headline is None and len(roots) == 1:
            headline = roots[0]
        if headline is not None and headline not in self.composites:
            raise FrameworkError(f"framework {name!r}: headline {headline!r} is not a composite; "
                                 f"valid choices: {choices(self.composites)}")
        self.headline = headline
        self.roots = tuple(roots)

    # -- queries -------------------------------------------------------------------------------------
    @functools.cached_property
    def official(self) -> Methodology | None:
        """The publisher's methodology (``official:`` in the framework's source), parsed against this framework;
        None when the framework carries none.

        Examples
        --------
        >>> from dti_bench.io import load_framework
        >>> load_framework("dti-provincial-2022").official.label()
        'none / nominal / arithmetic'
        """
        if self._official is None:
            return None
        from dti_bench.model.methodology import Methodology

        return Methodology.from_dict(dict(self._official), self, where=f"framework {self.name!r}: official")

    @property
    def official_source(self) -> str:
        """Where :attr:`official` comes from, in words ('' when there is none).

        Examples
        --------
        >>> import dti_bench as db
        >>> db.load_framework("dti-provincial-2022").official_source
        'Decision 922/QĐ-BTTTT (points / max points, weighted by max points, summed; ranked on 4 decimals)'
        >>> db.Framework.from_tree({"Index": ["x", "y"]}).official_source
        ''
        """
        if self._official is None:
            return ""
        return str(self.meta.get("official_source") or self.meta.get("source") or self.name)

    def node(self, code: str) -> Node:
        """The :class:`Node` called ``code``.

        Examples
        --------
        >>> import dti_bench as db
        >>> fw = db.Framework.from_tree({"Index": {"Economy": ["gdp", "jobs"], "Society": ["health"]}})
        >>> fw.node("gdp").kind, fw.node("Economy").kind, fw.node("gdp").direction
        ('indicator', 'composite', 1)
        """
        try:
            return self._node[code]
        except KeyError:
            raise FrameworkError(f"framework {self.name!r}: unknown code {code!r}; valid choices: "
                                 f"{choices(self.nodes)}") from None

    def children(self, code: str) -> tuple[str, ...]:
        """Children of ``code`` in declared order (empty for an indicator).

        Examples
        --------
        >>> import dti_bench as db
        >>> fw = db.Framework.from_tree({"Index": {"Economy": ["gdp", "jobs"], "Society": ["health"]}})
        >>> fw.children("Index"), fw.children("Economy"), fw.children("gdp")
        (('Economy', 'Society'), ('gdp', 'jobs'), ())
        """
        return tuple(c for c, _ in self._children[self.node(code).code])

    def parents(self, code: str) -> tuple[str, ...]:
        """Parents of ``code`` (empty for a root).

        Examples
        --------
        >>> import dti_bench as db
        >>> fw = db.Framework.from_tree({"Index": {"Economy": ["gdp", "jobs"], "Society": ["health"]}})
        >>> fw.parents("gdp"), fw.parents("Index")
        (('Economy',), ())
        """
        return tuple(self._parents[self.node(code).code])

    def ancestors(self, code: str) -> tuple[str, ...]:
        """Every composite whose score is computed from ``code``'s, directly or through other composites (its
        parents, their parents, ...), in :attr:`composites` order; empty for a root.

        These are the composites that a weight of ``code``'s children, or ``code``'s own weight, can move: a
        composite that is neither ``code`` nor one of its ancestors does not depend on them. The relation is
        structural (a zero weight on the way still counts as an edge).

        Examples
        --------
        >>> import dti_bench as db
        >>> fw = db.load_framework("dti-provincial-2022")
        >>> fw.ancestors("gov_activity"), fw.ancestors("digital_government")
        (('DTI', 'digital_government'), ())
        >>> Framework.from_tree({"Index": {"A": {"S": ["x", "y"]}, "B": ["z"]}}).ancestors("x")
        ('S', 'A', 'Index')
        """
        seen: set[str] = set()
        stack = list(self.parents(code))
        while stack:
            parent = stack.pop()
            if parent not in seen:
                seen.add(parent)
                stack.extend(self._parents[parent])
        return tuple(c for c in self.composites if c in seen)

    def nominal_weights(self, code: str) -> np.ndarray:
        """Nominal weights of ``code``'s children, shape ``(k,)``, as declared (not normalised).

        Examples
        --------
        >>> import dti_bench as db
        >>> fw = db.Framework.from_tree({"Index": {"Economy": ["gdp", "jobs"], "Society": {"health": 2, "school": 1}}})
        >>> fw.nominal_weights("Society"), fw.nominal_weights("Economy")
        (array([2., 1.]), array([1., 1.]))
        """
        return np.array([w for _, w in self._children[self.node(code).code]], dtype=float)

    def weightless(self, explicit: Mapping[str, float] | None = None) -> tuple[str, ...]:
        """Composites whose children all weigh 0 (with the ``explicit`` child weights of a methodology applied):
        such a composite is missing for every unit. Files and configs that make one are refused (naming it); a
        framework built in code may keep one on purpose.

        Examples
        --------
        >>> fw = Framework.from_tree({"Index": {"A": {"a1": 1, "a2": 1}, "B": ["b1"]}})
        >>> fw.weightless(), fw.weightless({"a1": 0, "a2": 0})
        ((), ('A',))
        """
        explicit = dict(explicit or {})
        return tuple(c for c in self.composites
                     if not any(explicit.get(k, w) > 0 for k, w in self._children[c]))

    def level(self, code: str) -> int:
        """COINr-style level: 1 for indicators, higher for composites.

        Examples
        --------
        >>> import dti_bench as db
        >>> fw = db.Framework.from_tree({"Index": {"Economy": ["gdp", "jobs"], "Society": ["health"]}})
        >>> fw.level("gdp"), fw.level("Economy"), fw.level("Index")
        (1, 2, 3)
        """
        return self._level[self.node(code).code]

    @property
    def n_levels(self) -> int:
        """The number of levels: the highest :meth:`level` (indicators are level 1, as COINr numbers them).

        Examples
        --------
        >>> import dti_bench as db
        >>> db.Framework.from_tree({"Index": {"Economy": ["gdp", "jobs"], "Society": ["health"]}}).n_levels
        3
        """
        return max(self._level.values())

    def at_level(self, level: int) -> tuple[str, ...]:
        """Codes at ``level``, in ``nodes`` order.

        Examples
        --------
        >>> import dti_bench as db
        >>> fw = db.Framework.from_tree({"Index": {"Economy": ["gdp", "jobs"], "Society": ["health"]}})
        >>> fw.at_level(1), fw.at_level(2), fw.at_level(3)
        (('gdp', 'jobs', 'health'), ('Economy', 'Society'), ('Index',))
        """
        return tuple(c for c in self.nodes if self._level[c] == level)

    def require_headline(self) -> str:
        """The headline node; an error naming the candidates when it is ambiguous.

        Examples
        --------
        One root is the headline; two roots and no ``headline:`` leave none to choose:

        >>> import dti_bench as db
        >>> db.Framework.from_tree({"Index": {"Economy": ["gdp"], "Society": ["health"]}}).require_headline()
        'Index'
        >>> db.Framework.from_tree({"Economy": ["gdp"], "Society": ["health"]}).require_headline()
        Traceback (most recent call last):
            ...
        dti_bench.errors.FrameworkError: framework 'framework': more than one headline candidate ('Economy', ...
        """
        if self.headline is None:
            raise FrameworkError(f"framework {self.name!r}: more than one headline candidate "
                                 f"({choices(self.roots)}); name one with 'headline:'")
        return self.headline

    def with_weights(self, weights: Mapping[tuple[str, str], float]) -> Framework:
        """A copy with the edge weights in ``weights`` (keyed by ``(parent, child)``) replaced.

        Examples
        --------
        >>> import dti_bench as db
        >>> fw = db.Framework.from_tree({"Index": {"Economy": ["gdp", "jobs"], "Society": ["health"]}})
        >>> fw.with_weights({("Economy", "gdp"): 3.0}).nominal_weights("Economy")
        array([3., 1.])
        """
        unknown = [k for k in weights if k not in {(e.parent, e.child) for e in self.edges}]
        if unknown:
            raise FrameworkError(f"framework {self.name!r}: no edge {unknown[0]!r}")
        edges = [Edge(e.parent, e.child, float(weights.get((e.parent, e.child), e.weight))) for e in self.edges]
        return Framework(self.name, list(self._node.values()), edges, headline=self.headline,
                         levels=dict(self._level), groups=self.groups, denominators=self.denominators,
                         others=self.others, meta=self.meta, official=self._official)

    def subset(self, indicators: Sequence[str]) -> Framework:
        """The framework restricted to ``indicators``; composites left without children are dropped.

        Examples
        --------
        Without ``health``, the Society pillar has no child left and is dropped:

        >>> import dti_bench as db
        >>> fw = db.Framework.from_tree({"Index": {"Economy": ["gdp", "jobs"], "Society": ["health"]}})
        >>> fw.subset(["gdp", "jobs"]).describe()
        'framework: 2 indicators, 2 composites, 3 levels, headline Index'
        """
        keep = set(indicators)
        for code in keep:
            if self.node(code).kind != "indicator":
                raise FrameworkError(f"framework {self.name!r}: {code!r} is not an indicator")
        nodes = [n for n in self._node.values() if n.kind == "indicator" and n.code in keep]
        edges: list[Edge] = []
        for comp in self.composites:
            kids = [(c, w) for c, w in self._children[comp] if c in keep]
            if kids:
                keep.add(comp)
                nodes.append(self._node[comp])
                edges.extend(Edge(comp, c, w) for c, w in kids)
        headline = self.headline if self.headline in keep else None
        return Framework(self.name, nodes, edges, headline=headline, groups=self.groups,
                         denominators=self.denominators, others=self.others, meta=self.meta)

    def to_imeta(self) -> pd.DataFrame:
        """The framework as a COINr iMeta table (one row per edge; a node with two parents gets two rows).

        Examples
        --------
        The table COINr's ``new_coin(iData, iMeta)`` reads (an aggregate's ``Parent`` is empty at the top):

        >>> import dti_bench as db
        >>> fw = db.Framework.from_tree({"Index": {"Economy": ["gdp", "jobs"], "Society": ["health"]}})
        >>> fw.to_imeta()
             iCode iName  Level   Parent  Weight  Direction       Type
        0      gdp            1  Economy     1.0          1  Indicator
        1     jobs            1  Economy     1.0          1  Indicator
        2   health            1  Society     1.0          1  Indicator
        3  Economy            2    Index     1.0          1  Aggregate
        4  Society            2    Index     1.0          1  Aggregate
        5    Index            3      NaN     1.0          1  Aggregate
        """
        rows: list[dict[str, Any]] = []
        for code in self.nodes:
            node = self._node[code]
            parents = self._parents[code] or [None]
            for parent in parents:
                weight = next(w for c, w in self._children[parent] if c == code) if parent else 1.0
                rows.append({"iCode": code, "iName": node.name, "Level": self._level[code], "Parent": parent,
                             "Weight": weight, "Direction": node.direction,
                             "Type": "Indicator" if node.kind == "indicator" else "Aggregate"})
        rows += [{"iCode": g, "Type": "Group"} for g in self.groups]
        rows += [{"iCode": d, "Type": "Denominator"} for d in self.denominators]
        rows += [{"iCode": o, "Type": "Other"} for o in self.others]
        return pd.DataFrame(rows)

    def to_dict(self) -> dict[str, Any]:
        """The framework in the YAML shape of :meth:`from_dict` (round-trips: ``from_dict(fw.to_dict()) == fw``);
        what a run folder stores as ``framework.yaml``.

        Examples
        --------
        >>> import dti_bench as db
        >>> fw = db.Framework.from_tree({"Index": {"Economy": ["gdp", "jobs"]}})
        >>> fw.to_dict()["composites"]
        [{'code': 'Economy', 'children': {'gdp': 1.0, 'jobs': 1.0}}, {'code': 'Index', 'children': {'Economy': 1.0}}]
        >>> db.Framework.from_dict(fw.to_dict()) == fw
        True
        """
        computed = _levels(self, None)

        def node_dict(code: str) -> dict[str, Any]:
            node = self._node[code]
            out: dict[str, Any] = {"code": code}
            for key in ("name", "name_vi"):
                if getattr(node, key):
                    out[key] = getattr(node, key)
            if node.direction != 1:
                out["direction"] = node.direction
            for key in ("lo", "hi", "target", "denominator"):
                if getattr(node, key) is not None:
                    out[key] = getattr(node, key)
            if self._level[code] != computed[code]:
                out["level"] = self._level[code]
            out.update({k: _plain(v) for k, v in node.extra.items() if k not in out and k != "children"})
            if node.kind == "composite":
                out["children"] = {c: w for c, w in self._children[code]}
            return out

        spec: dict[str, Any] = {"name": self.name, **{k: _plain(v) for k, v in self.meta.items()}}
        if self.headline is not None:
            spec["headline"] = self.headline
        for key in ("groups", "denominators", "others"):
            if getattr(self, key):
                spec[key] = list(getattr(self, key))
        if self._official is not None:
            spec["official"] = _plain(self._official)
        declared = [c for c in self._node if self._node[c].kind == "composite"]
        spec["indicators"] = [node_dict(c) for c in self.indicators]
        spec["composites"] = [node_dict(c) for c in declared]
        return spec

    def describe(self) -> str:
        """A one-line summary: name, counts, headline.

        Examples
        --------
        >>> import dti_bench as db
        >>> db.load_framework("dti-provincial-2022").describe()
        'dti-provincial-2022: 8 indicators, 4 composites, 2 levels, headline DTI'
        """
        return (f"{self.name}: {len(self.indicators)} indicators, {len(self.composites)} composites, "
                f"{self.n_levels} levels, headline {self.headline or '-'}")

    def __repr__(self) -> str:
        return f"Framework({self.describe()})"

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, Framework) and self.name == other.name and self.nodes == other.nodes
                and self.edges == other.edges and self.headline == other.headline)

    def __hash__(self) -> int:
        return hash((self.name, self.nodes, self.edges, self.headline))

    # -- construction ----------------------------------------------------------------------------------
    @classmethod
    def from_dict(cls, spec: Mapping[str, Any], *, source: str = "framework") -> Framework:
        """Build from the YAML shape.

        ::

            name: dti-provincial-2022
            headline: DTI
            indicators:
              - {code: awareness, name: Digital awareness, name_vi: Nhận thức số, direction: 1}
            composites:
              - {code: DTI, name: ..., children: {awareness: 100, ...}}   # or a list of codes (equal weights)
            groups: [region]
            denominators: [population]

        Any other key of an indicator or composite is kept in ``Node.extra``; top-level keys other than those
        above go to ``meta`` (source, citation, notes...).

        Examples
        --------
        The YAML shape of ``dti_bench/frameworks/*.yaml`` as a mapping:

        >>> import dti_bench as db
        >>> fw = db.Framework.from_dict({"name": "tiny",
        ...                              "indicators": [{"code": "gdp"}, {"code": "crime", "direction": -1}],
        ...                              "composites": [{"code": "Index", "children": {"gdp": 2, "crime": 1}}]})
        >>> fw.describe(), fw.node("crime").direction, fw.nominal_weights("Index")
        ('tiny: 2 indicators, 1 composites, 2 levels, headline Index', -1, array([2., 1.]))
        """
        if not isinstance(spec, Mapping):
            raise FrameworkError(f"{source}: a framework must be a mapping with keys name, indicators, composites")
        for key in ("indicators", "composites"):
            if not isinstance(spec.get(key), list) or not spec[key]:
                raise FrameworkError(f"{source}: key {key!r} must be a non-empty list")
        name = str(spec.get("name", source))
        nodes: list[Node] = []
        edges: list[Edge] = []
        node_keys = {"code", "name", "name_vi", "direction", "lo", "hi", "target", "denominator", "level"}
        levels: dict[str, int] = {}
        for kind, items in (("indicator", spec["indicators"]), ("composite", spec["composites"])):
            for i, item in enumerate(items):
                where = f"{source}: {kind}s[{i}]"
                if isinstance(item, str):
                    item = {"code": item}
                if not isinstance(item, Mapping) or "code" not in item:
                    raise FrameworkError(f"{where}: each entry needs a 'code'")
                code = str(item["code"])
                extra = {k: v for k, v in item.items() if k not in node_keys | {"children"}}
                if "level" in item:
                    if isinstance(item["level"], bool) or not isinstance(item["level"], int):
                        raise FrameworkError(f"{where}: level of {code!r} must be a whole number, got {item['level']!r}")
                    levels[code] = item["level"]
                nodes.append(Node(
                    code=code, kind=kind, name=str(item.get("name", "")), name_vi=str(item.get("name_vi", "")),
                    direction=_direction(item.get("direction", 1), code, source),
                    lo=_opt_float(item.get("lo"), code, "lo", source), hi=_opt_float(item.get("hi"), code, "hi", source),
                    target=_opt_float(item.get("target"), code, "target", source),
                    denominator=item.get("denominator"), extra=ReadOnlyDict(extra)))
                if kind == "composite":
                    kids = item.get("children")
                    if isinstance(kids, list):
                        kids = {str(k): 1.0 for k in kids}
                    if not isinstance(kids, Mapping) or not kids:
                        raise FrameworkError(f"{source}: composite {code!r} has no children")
                    edges.extend(Edge(code, str(c), _weight(w, code, str(c), source)) for c, w in kids.items())
        meta = {k: v for k, v in spec.items() if k not in {"name", "headline", "indicators", "composites",
                                                             "groups", "denominators", "others", "official"}}
        official = spec.get("official")
        if official is not None and not isinstance(official, Mapping):
            raise FrameworkError(f"{source}: 'official' must be a methodology block (a mapping), got {official!r}")
        framework = cls(name, nodes, edges, headline=spec.get("headline"), levels=levels or None,
                        groups=spec.get("groups") or (), denominators=spec.get("denominators") or (),
                        others=spec.get("others") or (), meta=meta, official=official)
        if official is not None:
            framework.official  # noqa: B018 -- parse now: a bad block is an error when the framework is read, not when used
        return framework

    @classmethod
    def from_tree(cls, tree: Mapping[str, Any], *, name: str = "framework", weights: Mapping[str, float] | None = None,
                  directions: Mapping[str, int] | None = None, official: Mapping[str, Any] | None = None) -> Framework:
        """Build a tree-shaped framework from nested mappings, the quickest way to write one in code.

        Parameters
        ----------
        tree : mapping
            ``{composite: children}`` where ``children`` is a list of indicator codes (equal weights), or a mapping
            whose values are numbers (indicators with those weights), ``None`` (an indicator of weight 1), lists or
            mappings (sub-composites, weight 1). The top-level keys are the roots; one root is the headline.
        name : str
        weights : mapping of str to float, optional
            Weight of a child (indicator or composite) within its parent, overriding the tree's.
        directions : mapping of str to {1, -1}, optional
            Indicators where less is better.
        official : mapping, optional
            The publisher's methodology block, if there is one.

        Returns
        -------
        Framework

        Examples
        --------
        >>> fw = Framework.from_tree({"Index": {"Economy": ["gdp", "jobs"], "Society": {"health": 2, "school": 1}}})
        >>> fw.describe()
        'framework: 4 indicators, 3 composites, 3 levels, headline Index'
        >>> fw.nominal_weights("Society")
        array([2., 1.])
        """
        weights = dict(weights or {})
        directions = dict(directions or {})
        indicators: list[dict[str, Any]] = []
        composites: list[dict[str, Any]] = []
        seen: set[str] = set()

        def add(code: str, children: Any) -> None:
            if isinstance(children, (list, tuple)):
                children = {c: None for c in children}
            if not isinstance(children, Mapping) or not children:
                raise FrameworkError(f"framework {name!r}: composite {code!r} needs a list or mapping of children, "
                                     f"got {children!r}")
            kids: dict[str, float] = {}
            for child, value in children.items():
                child = str(child)
                if isinstance(value, (list, tuple, Mapping)):
                    add(child, value)
                    kids[child] = float(weights.get(child, 1.0))
                else:
                    if child not in seen:
                        seen.add(child)
                        indicators.append({"code": child, "direction": directions.get(child, 1)})
                    kids[child] = float(weights.get(child, 1.0 if value is None else value))
            composites.append({"code": code, "children": kids})

        for root, children in tree.items():
            add(str(root), children)
        unknown = [c for c in directions if c not in seen]
        if unknown:
            raise FrameworkError(f"framework {name!r}: direction given for {unknown[0]!r}, which is not an indicator")
        spec: dict[str, Any] = {"name": name, "indicators": indicators, "composites": composites}
        if official is not None:
            spec["official"] = dict(official)
        return cls.from_dict(spec, source=f"framework {name!r}")

    @classmethod
    def from_imeta(cls, table: pd.DataFrame, *, name: str = "imeta", source: str = "iMeta") -> Framework:
        """Build from a COINr iMeta table.

        Columns ``iCode, Level, Parent, Weight, Type`` are required (``iName, Direction`` optional; Direction
        defaults to 1, Weight to 1); ``Type`` is one of Indicator, Aggregate, Group, Denominator. Extra
        columns (Unit, Target, Denominator, goalposts ``lo``/``hi``...) are kept in ``Node.extra``, and the
        recognised ones (Target, Denominator, lo, hi, iName_vi) also fill the node's fields. A node listed on
        several rows with different parents feeds each of them (a DAG, beyond COINr's tree).

        Examples
        --------
        COINr's iMeta table, one row per node (the Python side of ``new_coin(iData, iMeta)``):

        >>> import dti_bench as db, pandas as pd
        >>> imeta = pd.DataFrame({"iCode": ["gdp", "crime", "Index"], "Level": [1, 1, 2],
        ...                       "Parent": ["Index", "Index", None], "Weight": [2, 1, 1], "Direction": [1, -1, 1],
        ...                       "Type": ["Indicator", "Indicator", "Aggregate"]})
        >>> fw = db.Framework.from_imeta(imeta)
        >>> fw.describe(), fw.nominal_weights("Index")
        ('imeta: 2 indicators, 1 composites, 2 levels, headline Index', array([2., 1.]))
        """
        missing = [c for c in ("iCode", "Type", "Parent") if c not in table.columns]
        if missing:
            raise FrameworkError(f"{source}: missing column {missing[0]!r}; an iMeta table needs "
                                 f"{choices(IMETA_COLUMNS)}")
        nodes: dict[str, Node] = {}
        edges: list[Edge] = []
        levels: dict[str, int] = {}
        groups: list[str] = []
        denominators: list[str] = []
        others: list[str] = []
        for row_no, row in enumerate(table.to_dict("records"), start=2):  # row 1 is the header
            code = _cell(row.get("iCode"))
            typ = _cell(row.get("Type"))
            where = f"{source}: row {row_no}"
            if not code:
                raise FrameworkError(f"{where}: empty iCode")
            if typ not in IMETA_TYPES:
                raise FrameworkError(f"{where} ({code}): Type {typ!r} is not one of {choices(IMETA_TYPES)}")
            if typ == "Group":
                groups.append(code)
                continue
            if typ == "Denominator":
                denominators.append(code)
                continue
            if typ == "Other":
                others.append(code)
                continue
            level = _cell(row.get("Level"))
            if level is not None:
                try:
                    levels[code] = int(float(level))
                except ValueError:
                    raise FrameworkError(f"{where} ({code}): Level {level!r} is not a whole number") from None
            extra = {k: v for k, v in row.items() if k not in IMETA_COLUMNS and _cell(v) is not None}
            node = Node(
                code=code, kind="indicator" if typ == "Indicator" else "composite", name=_cell(row.get("iName")) or "",
                name_vi=_cell(row.get("iName_vi")) or "",
                direction=_direction(_cell(row.get("Direction")) or 1, code, source),
                lo=_opt_float(_cell(row.get("lo")), code, "lo", source),
                hi=_opt_float(_cell(row.get("hi")), code, "hi", source),
                target=_opt_float(_cell(row.get("Target")), code, "Target", source),
                denominator=_cell(row.get("Denominator")), extra=ReadOnlyDict(extra))
            if code in nodes and nodes[code].kind != node.kind:
                raise FrameworkError(f"{where}: duplicate code {code!r} with a different Type")
            if code in nodes and not _cell(row.get("Parent")):
                raise FrameworkError(f"{where}: duplicate code {code!r}")
            nodes.setdefault(code, node)
            parent = _cell(row.get("Parent"))
            if parent:
                weight = _cell(row.get("Weight"))
                edges.append(Edge(str(parent), code, _weight(1.0 if weight is None else weight, str(parent), code, source)))
        return cls(name, list(nodes.values()), edges, levels=levels or None, groups=groups, denominators=denominators,
                   others=others, meta={"source": source, "official_source": COINR_DEFAULTS_SOURCE},
                   official=COINR_DEFAULTS)


# -- helpers -------------------------------------------------------------------------------------------

def _plain(value: Any) -> Any:
    """Read-only mappings and tuples as plain dicts and lists (for YAML)."""
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _cell(value: Any) -> Any:
    """A table cell with blanks and NaN as None, strings stripped."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, str):
        value = value.strip()
        return None if value.lower() in _EMPTY_CELLS else value
    return value


def _direction(value: Any, code: str, source: str) -> int:
    try:
        d = int(float(value))
    except (TypeError, ValueError):
        d = 0
    if d not in (1, -1):
        raise FrameworkError(f"{source}: {code!r} has direction {value!r}; valid choices: 1, -1")
    return d


def _opt_float(value: Any, code: str, key: str, source: str) -> float | None:
    if value is None:
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        raise FrameworkError(f"{source}: {code!r} has non-numeric {key} {value!r}") from None


def _weight(value: Any, parent: str, child: str, source: str) -> float:
    try:
        w = float(value)
    except (TypeError, ValueError):
        raise FrameworkError(f"{source}: weight of {child!r} in {parent!r} is not a number: {value!r}") from None
    if not math.isfinite(w) or w < 0:
        raise FrameworkError(f"{source}: negative or non-finite weight {w} of {child!r} in {parent!r}")
    return w


def _unique_nodes(nodes: Sequence[Node]) -> dict[str, Node]:
    out: dict[str, Node] = {}
    for n in nodes:
        if n.code in out:
            raise FrameworkError(f"duplicate code {n.code!r}")
        if n.kind not in ("indicator", "composite"):
            raise FrameworkError(f"{n.code!r}: kind {n.kind!r} is not 'indicator' or 'composite'")
        out[n.code] = n
    if not any(n.kind == "indicator" for n in nodes):
        raise FrameworkError("a framework needs at least one indicator")
    return out


def _adjacency(nodes: Mapping[str, Node], edges: Sequence[Edge]):
    children: dict[str, list[tuple[str, float]]] = {c: [] for c in nodes}
    parents: dict[str, list[str]] = {c: [] for c in nodes}
    for e in edges:
        if e.parent not in nodes:
            raise FrameworkError(f"{e.child!r} has unknown parent {e.parent!r}; valid choices: "
                                 f"{choices(c for c, n in nodes.items() if n.kind == 'composite')}")
        if e.child not in nodes:
            raise FrameworkError(f"composite {e.parent!r} has unknown child {e.child!r}")
        if nodes[e.parent].kind != "composite":
            raise FrameworkError(f"{e.child!r} has parent {e.parent!r}, which is an indicator, not a composite")
        if e.child in parents and e.parent in parents[e.child]:
            raise FrameworkError(f"{e.child!r} is listed twice under {e.parent!r}")
        if e.weight < 0:
            raise FrameworkError(f"negative weight {e.weight} of {e.child!r} in {e.parent!r}")
        children[e.parent].append((e.child, float(e.weight)))
        parents[e.child].append(e.parent)
    return children, parents


def _topological(composites: list[str], children: Mapping[str, list[tuple[str, float]]], name: str) -> tuple[str, ...]:
    """Composites ordered children-first (Kahn's algorithm, stable in declared order); cycles are an error."""
    pending = {c: {k for k, _ in children[c] if k in children and children[k]} for c in composites}
    order: list[str] = []
    while pending:
        ready = [c for c in composites if c in pending and not pending[c]]
        if not ready:
            cycle = sorted(pending)
            raise FrameworkError(f"framework {name!r}: cycle among {choices(cycle)}")
        for c in ready:
            order.append(c)
            del pending[c]
        for deps in pending.values():
            deps.difference_update(ready)
    return tuple(order)


def _levels(fw: Framework, explicit: Mapping[str, int] | None) -> dict[str, int]:
    computed: dict[str, int] = {c: 1 for c in fw.indicators}
    for comp in fw.composites:
        computed[comp] = 1 + max(computed[c] for c, _ in fw._children[comp])
    if not explicit:
        return computed
    levels = {c: int(explicit.get(c, computed[c])) for c in fw.nodes}
    for e in fw.edges:
        if levels[e.child] >= levels[e.parent]:
            raise FrameworkError(f"framework {fw.name!r}: {e.child!r} (level {levels[e.child]}) must sit below its "
                                 f"parent {e.parent!r} (level {levels[e.parent]})")
    for c in fw.indicators:
        if levels[c] != 1:
            raise FrameworkError(f"framework {fw.name!r}: indicator {c!r} has level {levels[c]}; indicators are level 1")
    return levels
