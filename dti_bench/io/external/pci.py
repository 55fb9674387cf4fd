"""PCI, Viet Nam's Provincial Competitiveness Index (VCCI with USAID), read from a data folder.

Publisher: the Vietnam Chamber of Commerce and Industry with USAID (pcivietnam.vn), a survey of private firms.
The loader reads ``vn_pci/pci_2005_2019_subindices.csv`` (sub-index scores 1-10 and the published PCI per
province and year) and ``vn_pci/pci_weights_by_year.csv`` (the weights, in per cent, that reproduce each year)
under the data folder; nothing of it is bundled.

How the published aggregation is reproduced
-------------------------------------------
The published PCI (0-100) is a weighted sum of 8-10 sub-indices scored 1-10, with weights in per cent that sum
to 100 and change by era (2006-2008, 2009-2012, 2013-2019):

.. math:: \\mathrm{PCI}_u = \\frac{1}{10}\\sum_i w_i\\, x_{ui}
          = 10 \\cdot \\frac{\\sum_i w_i x_{ui}}{\\sum_i w_i} \\qquad (\\textstyle\\sum_i w_i = 100).

The framework carries the weights as the published percentages, so with ``normalise: none``, nominal weights
and the arithmetic mean the headline is the weighted mean sub-index (1-10) and the published PCI is
:math:`10 \\times` headline (:func:`published_pci`; the headline node records ``published_scale: 10``). Ranks
are the published ones. To see the published scale in a run's scores.csv, normalise with
``{method: goalposts, lo: 0, hi: 10, scale: 100}`` instead, which multiplies every sub-index by 10 and changes
no rank.

The reproduction holds to 1e-5 in 2006-2010 and 2012-2019. **2011 does not reproduce** (the published PCI is up
to 0.55 points above the weighted sum, for reasons outside these files); its weights are the 2009-2012 ones.
2005 (42 provinces, a pilot methodology) fits no round weights and has none in the weights file, so
:func:`load` refuses it.

Sub-indices: ``bias_soe`` (SOE policy bias, 2006-2008) and ``bias`` (policy bias / equal competition, from
2013) fill the same slot of the framework under different definitions; :func:`era_weights` keeps each era's own
codes, and :func:`weight_revision_shifts` applies an era's weight for one to the other when the year has only
the other (a sub-index an era did not weigh gets weight 0, i.e. does not count). Every sub-index is scored so
that higher is better.

Units: province slugs of ``provinces.csv``; Hà Tây, scored separately in 2006-2008 before it was merged into
Hà Nội (August 2008), gets its own code ``ha_tay`` (region DBSH). Group column ``region``.

References
----------
VCCI & USAID (2006-2020), *The Viet Nam Provincial Competitiveness Index*, annual reports and methodology
notes, pcivietnam.vn; Malesky, E. (2007-2019), *The Vietnam Provincial Competitiveness Index: Measuring economic
governance for private sector development*, final reports.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from dti_bench import io
from dti_bench.model.methodology import parse_methodology
from dti_bench.model.dataset import Dataset
from dti_bench.errors import DataError, choices
from dti_bench.io.external.papi import data_file, pick_year, province_attributes, province_slugs
from dti_bench.model.framework import Framework
from dti_bench.index import IndexResult, compute_index
from dti_bench.model.methodology import Methodology

#: The files the loader reads, relative to the data folder.
SUBINDICES_FILE = "vn_pci/pci_2005_2019_subindices.csv"
WEIGHTS_FILE = "vn_pci/pci_weights_by_year.csv"
PUBLISHER = "VCCI and USAID (pcivietnam.vn)"
#: What the loader needs, for error messages: the files under the data folder and who distributes them.
REQUIRED = (f"{SUBINDICES_FILE} (sub-index scores and published PCI by province, 2005-2019) and {WEIGHTS_FILE} "
            f"(weights in per cent by year), published by {PUBLISHER}")
SOURCE = (f"PCI, {PUBLISHER}; 2010-2019 parsed from the official VCCI workbooks, 2006-2009 from "
          "mdtrinh/vietnam_elections Data/PCI/PCI_cleaned.RData (a cleaning of the same workbooks)")
#: Published PCI = PUBLISHED_SCALE x the weighted mean sub-index.
PUBLISHED_SCALE = 10.0

#: Sub-index code -> (English name, Vietnamese name), in the order of the published tables.
SUBINDICES: Mapping[str, tuple[str, str]] = {
    "entry": ("Entry costs", "Chi phí gia nhập thị trường"),
    "land": ("Land access and security of tenure", "Tiếp cận đất đai và sự ổn định trong sử dụng đất"),
    "transparency": ("Transparency and access to information", "Tính minh bạch và tiếp cận thông tin"),
    "time": ("Time costs of regulatory compliance", "Chi phí thời gian để thực hiện các quy định của Nhà nước"),
    "informal": ("Informal charges", "Chi phí không chính thức"),
    "implementation": ("Implementation of central policies (2005 pilot)", "Thực hiện chính sách của Trung ương"),
    "bias_soe": ("SOE policy bias (2006-2008)", "Ưu đãi đối với doanh nghiệp nhà nước"),
    "bias": ("Policy bias / equal competition (2013+)", "Cạnh tranh bình đẳng"),
    "proactivity": ("Proactivity of provincial leadership", "Tính năng động và tiên phong của lãnh đạo tỉnh"),
    "support": ("Business support services", "Dịch vụ hỗ trợ doanh nghiệp"),
    "labor": ("Labour training", "Đào tạo lao động"),
    "legal": ("Legal institutions", "Thiết chế pháp lý"),
}
#: Sub-indices that fill the same slot under different definitions (see the module docstring).
COUNTERPARTS: Mapping[str, str] = {"bias": "bias_soe", "bias_soe": "bias"}
#: Hà Tây (PCI 2006-2008) is not one of the 63 provinces.
HA_TAY = {"Ha Tay": "ha_tay"}
HA_TAY_ATTRIBUTES = {"ha_tay": ("Hà Tây", "DBSH")}



#: PCI's own aggregation, the framework's ``official`` methodology: the published sub-scores as they are,
#: nominal weights, arithmetic means.
OFFICIAL = {"normalise": "none", "weights": "nominal", "aggregate": "arithmetic"}
OFFICIAL_SOURCE = "PCI's published aggregation (sub-scores as published, nominal weights, arithmetic means)"


def _read_subindices(root: Path) -> pd.DataFrame:
    path = data_file(root, SUBINDICES_FILE, index="PCI", required=REQUIRED)
    table = io.read_table(path)
    needed = ("year", "province", "pci", *SUBINDICES)
    missing = [c for c in needed if c not in table.columns]
    if missing:
        raise DataError(f"{path}: missing column {missing[0]!r}; the PCI table needs {choices(needed)}")
    try:
        table["year"] = table["year"].astype(int)
    except ValueError:
        raise DataError(f"{path}: column 'year' holds a value that is not a year") from None
    return table


def _read_weights(root: Path) -> pd.DataFrame:
    path = data_file(root, WEIGHTS_FILE, index="PCI", required=REQUIRED)
    table = io.read_table(path)
    missing = [c for c in ("year", "subindex", "weight_percent") if c not in table.columns]
    if missing:
        raise DataError(f"{path}: missing column {missing[0]!r}; need year, subindex, weight_percent")
    unknown = sorted(set(table["subindex"]) - set(SUBINDICES))
    if unknown:
        raise DataError(f"{path}: unknown sub-index {unknown[0]!r}; valid choices: {choices(SUBINDICES)}")
    try:
        return pd.DataFrame({"year": table["year"].astype(int), "subindex": table["subindex"],
                             "weight": table["weight_percent"].astype(float)})
    except ValueError:
        raise DataError(f"{path}: a year or weight_percent cell is not a number") from None


def _weights_by_year(weights: pd.DataFrame) -> dict[int, dict[str, float]]:
    return {int(y): dict(zip(g["subindex"], g["weight"])) for y, g in weights.groupby("year", sort=True)}


def era_weights(root: Path) -> dict[str, dict[str, float]]:
    """The PCI weight sets, one per era of consecutive years with the same weights.

    Parameters
    ----------
    root : Path
        The data folder holding ``vn_pci/pci_weights_by_year.csv``.

    Returns
    -------
    dict
        Era label (``'2006-2008'``, ``'2009-2012'``, ``'2013-2019'``) -> {sub-index: weight in per cent},
        sub-indices in the order of :data:`SUBINDICES`; each set sums to 100.
    """
    by_year = _weights_by_year(_read_weights(root))
    eras: list[tuple[int, int, dict[str, float]]] = []
    for year, w in by_year.items():
        if eras and eras[-1][2] == w and eras[-1][1] == year - 1:
            eras[-1] = (eras[-1][0], year, w)
        else:
            eras.append((year, year, w))
    return {f"{a}-{b}": {s: w[s] for s in SUBINDICES if s in w} for a, b, w in eras}


def era_of(year: int, eras: Mapping[str, Mapping[str, float]]) -> str:
    """The label of the era (``'2009-2012'``) whose years include ``year``."""
    for label in eras:
        first, last = (int(v) for v in label.split("-"))
        if first <= year <= last:
            return label
    raise DataError(f"PCI: no weights for {year}; eras with weights: {choices(eras)}")


def map_weights(weights: Mapping[str, float], subindices: Sequence[str]) -> dict[str, float]:
    """One era's weights applied to another year's sub-indices.

    A sub-index takes the era's weight for its own code, else for its counterpart (``bias`` <-> ``bias_soe``,
    the same slot of the framework), else 0 (it does not count). Weights of sub-indices the year lacks are
    dropped; only ratios matter, so the rest renormalise in the mean.

    Examples
    --------
    >>> map_weights({"entry": 5, "bias_soe": 5, "legal": 10}, ["entry", "bias", "labor"])
    {'entry': 5.0, 'bias': 5.0, 'labor': 0.0}
    """
    out = {}
    for s in subindices:
        w = weights.get(s, weights.get(COUNTERPARTS.get(s, ""), 0.0))
        out[s] = float(w)
    return out


def pci_framework(year: int, weights: Mapping[str, float]) -> Framework:
    """The PCI framework of ``year``: its sub-indices under ``PCI`` with ``weights`` in per cent."""
    unknown = [s for s in weights if s not in SUBINDICES]
    if unknown:
        raise DataError(f"PCI {year}: unknown sub-index {unknown[0]!r}; valid choices: {choices(SUBINDICES)}")
    codes = [s for s in SUBINDICES if s in weights]
    return Framework.from_dict({
        "name": f"pci-{year}", "headline": "PCI",
        "indicators": [{"code": s, "name": SUBINDICES[s][0], "name_vi": SUBINDICES[s][1]} for s in codes],
        "composites": [{"code": "PCI", "name": "Provincial Competitiveness Index",
                        "name_vi": "Chỉ số Năng lực cạnh tranh cấp tỉnh",
                        "children": {s: float(weights[s]) for s in codes}, "published_scale": PUBLISHED_SCALE}],
        "groups": ["region"], "source": SOURCE, "year": year, "official": dict(OFFICIAL),
        "official_source": OFFICIAL_SOURCE,
        "published_aggregation": "PCI = sum of weight (per cent) x sub-index (1-10) / 10",
        "notes": "weights in per cent; published PCI = 10 x headline (see dti_bench.io.external.pci)"
                 + ("; 2011 does not reproduce from these weights" if year == 2011 else ""),
    }, source=f"pci-{year}")


def years(root: Path) -> list[int]:
    """The PCI years that have both sub-indices and weights (2005, the pilot, has none), in order."""
    weights = _weights_by_year(_read_weights(root))
    return sorted(set(int(y) for y in _read_subindices(root)["year"]) & set(weights))


def load(root: Path, year: int | None = None) -> tuple[Framework, Dataset]:
    """The PCI framework (that year's era weights) and provincial dataset of ``year`` (default: the latest).

    Parameters
    ----------
    root : Path
        The data folder holding ``vn_pci/pci_2005_2019_subindices.csv`` and ``vn_pci/pci_weights_by_year.csv``.
    year : int, optional
        2006-2019 (2005, the pilot, has no weights).

    Returns
    -------
    (Framework, Dataset)
        Indicators = the year's 9 or 10 sub-indices, one composite ``PCI``; units = province slugs (64 in
        2006-2008 with ``ha_tay``), group column ``region``; the published PCI in ``dataset.meta['published']``
        (unit -> value) for comparison.

    Raises
    ------
    DataError
        A file is missing (naming it and pcivietnam.vn), malformed, or the year has no data or no weights.
    """
    table = _read_subindices(root)
    weights = _weights_by_year(_read_weights(root))
    year = pick_year(table["year"], year, "PCI")
    if year not in weights:
        raise DataError(f"PCI {year}: no weights in {WEIGHTS_FILE} (2005 was a pilot that fits no round "
                        f"weights); valid choices: {choices(sorted(weights))}")
    rows = table[table["year"] == year]
    w = weights[year]
    empty = [s for s in w if (rows[s].str.strip() == "").all()]
    if empty:
        raise DataError(f"{SUBINDICES_FILE}: {year} has no values of weighted sub-index {empty[0]!r}")
    framework = pci_framework(year, w)
    slugs = province_slugs(rows["province"], source=f"{SUBINDICES_FILE} ({year})", extra=HA_TAY)
    names, regions = province_attributes(slugs, extra=HA_TAY_ATTRIBUTES)
    frame = pd.DataFrame({"uCode": slugs, "uName": names, "region": regions})
    for s in framework.indicators:
        frame[s] = rows[s].to_numpy()
    published = pd.to_numeric(rows["pci"], errors="coerce").to_numpy(dtype=float)
    meta = {"source": SOURCE, "synthetic": False, "year": year, "files": [SUBINDICES_FILE, WEIGHTS_FILE],
            "published": dict(zip(slugs, published.tolist())),
            "notes": ("Ha Tay (merged into Ha Noi in 2008) has its own code ha_tay. " if "ha_tay" in slugs else "")
            + ("2011: the published PCI does not reproduce from the weights (up to 0.55 points)." if year == 2011
               else "published PCI = 10 x headline under the official aggregation")}
    dataset = Dataset.from_frame(frame, framework=framework, group_columns=["region"], name=f"pci-{year}",
                                 source=f"{SUBINDICES_FILE} ({year})", synthetic=False, meta=meta)
    return framework, dataset


def official_methodology() -> Methodology:
    """PCI's own aggregation: no normalisation, nominal (era) weights, arithmetic weighted mean."""
    return parse_methodology(dict(OFFICIAL))


def published_pci(result: IndexResult) -> pd.Series:
    """The headline on the published 0-100 scale: ``10 x`` the weighted mean sub-index.

    Exact for the official aggregation (:func:`official_methodology`), whose headline is
    :math:`\\sum_i w_i x_i / \\sum_i w_i` with :math:`\\sum_i w_i = 100`; NaN stays NaN.
    """
    return PUBLISHED_SCALE * result.headline


def weight_revision_shifts(root: Path, year: int = 2019) -> pd.DataFrame:
    """One year's data ranked under every era's weights, against its own (published) weights.

    Parameters
    ----------
    root : Path
        The data folder.
    year : int
        2006-2019.

    Returns
    -------
    DataFrame
        Long, one row per (weight set, province): ``weights`` (era label), ``official`` (True for the year's
        own era), ``unit, name, score`` (the PCI on the published 0-100 scale under those weights, mapped onto
        the year's sub-indices by :func:`map_weights`), ``rank``, ``official_rank`` and
        ``shift = official_rank - rank`` (positive: the province climbs under that weight set). Ranks: 1 = best,
        ties 'min'. ``attrs`` holds ``year``, ``official`` (the year's era) and ``mean_abs_shift`` (era -> float).
    """
    framework, dataset = load(root, year)
    eras = era_weights(root)
    own = era_of(year, eras)
    methodology = official_methodology()
    reference = compute_index(framework, dataset, methodology).rank_values["PCI"].to_numpy()
    parts = []
    for label, w in eras.items():
        mapped = map_weights(w, framework.indicators)
        variant = framework.with_weights({("PCI", s): v for s, v in mapped.items()})
        result = compute_index(variant, dataset, methodology)
        rank = result.rank_values["PCI"].to_numpy()
        parts.append(pd.DataFrame({
            "weights": label, "official": label == own, "unit": list(dataset.units), "name": list(dataset.unit_names),
            "score": published_pci(result).to_numpy(), "rank": rank, "official_rank": reference,
            "shift": reference - rank}))
    table = pd.concat(parts, ignore_index=True)
    table.attrs.update({"year": year, "official": own,
                        "mean_abs_shift": {k: float(np.mean(np.abs(g["shift"]))) for k, g in table.groupby("weights")}})
    return table
