"""PAPI, Viet Nam's Provincial Governance and Public Administration Performance Index, read from a data folder.

Publisher: CECODES, VFF-CRT, RTA and UNDP Viet Nam (papi.org.vn), a citizen survey of the 63 provinces. The
loader reads ``vn_papi/papi_2011_2024_panel.csv`` under the data folder (29 sub-dimension columns ``SC11`` to
``SC83`` per province and year, 2011-2024); nothing of it is bundled.

How the published aggregation is reproduced
-------------------------------------------
PAPI *sums*: a dimension score (1-10) is the sum of its sub-dimension scores, and PAPI is the sum of its
dimensions: 6 in 2011-2017 (range 6-60), 8 from 2018 (8-80). dti_bench's aggregators are weighted *means*, so
the framework writes each sum as a mean times a count, and ranks are those of the published sums:

- a sub-dimension has weight 1 in its dimension, so the dimension composite is the mean of its :math:`k_d`
  sub-dimensions and the published dimension is :math:`D_d = k_d \\cdot \\bar s_d`;
- a dimension has weight :math:`k_d` (its number of sub-dimensions that year) in PAPI, so the headline is

  .. math:: \\mathrm{headline} = \\frac{\\sum_d k_d \\bar s_d}{\\sum_d k_d} = \\frac{1}{N}\\sum_{d,j} s_{dj},
            \\qquad \\mathrm{PAPI} = N \\cdot \\mathrm{headline},

  the mean sub-dimension score, with :math:`N` the number of sub-dimensions (22 in 2011-2017, 28 in 2018 and
  2021-2024, 29 in 2019-2020).

With ``normalise: none``, nominal weights and the arithmetic mean, :func:`published_scores` turns the composite
scores back into the published ones (composite times the number of its sub-dimensions present for the unit).
That conversion is exact because in every year of the panel a dimension is either complete or entirely missing.
Under ``weights: equal`` the dimensions count equally *as means of their sub-dimensions*, which is not PAPI's
rule when the data are not normalised (a 4-sub-dimension dimension has smaller sub-dimension scores).

The framework of a year holds only the sub-dimensions that year has (SOURCE.md of the data folder):
Environmental Governance (SC71-73) and E-Governance (SC81-82) start in 2018 and SC83 in 2019; SC24 is empty in
2011-2017; SC52 (construction permits) is dropped from 2021. The sub-dimension names are those of the 2018
framework: in 2011-2017 the columns SC21-SC23 held Poverty Lists / Communal Budget / Land-Use Plans and SC32-SC33
held People's Inspection Boards / Community Investment Supervision Boards (the dimension sums are unaffected).

Missing data: a province PAPI did not score that year (every cell blank: 2014 Bắc Giang and Đồng Tháp, 2021
Quảng Ninh, Bắc Giang, Bắc Ninh, 2023 Quảng Ninh and Bình Dương, 2024 Vĩnh Phúc and Tiền Giang) is left out of
the dataset and listed in ``dataset.meta['excluded']``. A province missing some dimensions (2018 Quảng Ninh and
Đồng Tháp without Transparency and Control of Corruption, 2022 Bắc Giang and Bắc Ninh) stays, its blanks NaN: the
aggregate renormalises over what is present (the package's missing-data policy), so its headline is the mean of
its present sub-dimensions, while the published "sum" of a partial set of dimensions is not comparable with the
others.

Unit codes are the ``slug`` of ``dti_bench/datasets/dti_published/provinces.csv``, names with diacritics from that
table, and the group column ``region`` its ``region_code``. :func:`province_slugs` is the name matcher shared with
the PCI loader.

:func:`dimension_change_shifts` compares a 2018+ year ranked on all 8 dimensions with the same data ranked on
the original 6 (the question: what did adding Environmental Governance and E-Governance do to the ranking?).

References
----------
CECODES, VFF-CRT, RTA & UNDP (2012-2025), *The Viet Nam Governance and Public Administration Performance Index
(PAPI)*, annual reports, papi.org.vn; OECD/JRC (2008), *Handbook on Constructing Composite Indicators*, step 6.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from pathlib import Path

import pandas as pd

from dti_bench import io
from dti_bench.model.methodology import parse_methodology
from dti_bench.model.dataset import Dataset
from dti_bench.errors import DataError, choices
from dti_bench.model.framework import Framework
from dti_bench.index import IndexResult, compute_index
from dti_bench.model.methodology import Methodology
from dti_bench.metrics.stability import mean_abs_shift, spearman
from dti_bench.analyses.leave_one_out import without

#: The file the loader reads, relative to the data folder.
PANEL = "vn_papi/papi_2011_2024_panel.csv"
PUBLISHER = "CECODES, VFF-CRT, RTA and UNDP Viet Nam (papi.org.vn)"
#: What the loader needs, for error messages: the files under the data folder and who distributes them.
REQUIRED = f"{PANEL} (the 2011-2024 sub-dimension panel, SC11-SC83 by province), published by {PUBLISHER}"
SOURCE = (f"PAPI, {PUBLISHER}; sub-dimension panel 2011-2024 from the hnks-gh/ml-mcdm repository "
          "(data/csv/<year>.csv), checked against the official workbook 'PAPI 2011-2019.xlsx'")

#: Dimension code -> (panel column, English name, Vietnamese name, sub-dimension columns).
DIMENSIONS: Mapping[str, tuple[str, str, str, tuple[str, ...]]] = {
    "participation": ("C01", "Participation at Local Levels", "Tham gia của người dân ở cấp cơ sở",
                      ("SC11", "SC12", "SC13", "SC14")),
    "transparency": ("C02", "Transparency", "Công khai, minh bạch", ("SC21", "SC22", "SC23", "SC24")),
    "accountability": ("C03", "Vertical Accountability", "Trách nhiệm giải trình với người dân",
                       ("SC31", "SC32", "SC33")),
    "corruption": ("C04", "Control of Corruption", "Kiểm soát tham nhũng trong khu vực công",
                   ("SC41", "SC42", "SC43", "SC44")),
    "procedures": ("C05", "Public Administrative Procedures", "Thủ tục hành chính công",
                   ("SC51", "SC52", "SC53", "SC54")),
    "services": ("C06", "Public Service Delivery", "Cung ứng dịch vụ công", ("SC61", "SC62", "SC63", "SC64")),
    "environment": ("C07", "Environmental Governance", "Quản trị môi trường", ("SC71", "SC72", "SC73")),
    "egovernance": ("C08", "E-Governance", "Quản trị điện tử", ("SC81", "SC82", "SC83")),
}
#: The dimensions added in 2018.
NEW_DIMENSIONS = ("environment", "egovernance")

#: Sub-dimension names in the 2018+ framework (the panel codebook's labels).
SUBDIMENSION_NAMES: Mapping[str, str] = {
    "SC11": "Civic Knowledge", "SC12": "Opportunities for Participation", "SC13": "Quality of Local Elections",
    "SC14": "Voluntary Contributions",
    "SC21": "Access to Information", "SC22": "Poverty Lists", "SC23": "Communal Budget and Expenditure",
    "SC24": "Land-Use Plans/Price Frames",
    "SC31": "Interactions with Local Authorities", "SC32": "Local Government's Response to Citizens' Appeals",
    "SC33": "Access to Justice Services",
    "SC41": "Limits on Public Sector Corruption", "SC42": "Limits on Corruption in Service Delivery",
    "SC43": "Equity in Employment", "SC44": "Willingness to Fight Corruption",
    "SC51": "Certification Procedures", "SC52": "Construction Permits", "SC53": "Land-Use Rights Procedures",
    "SC54": "Personal Procedures",
    "SC61": "Public Health", "SC62": "Public Primary Education", "SC63": "Basic Infrastructure",
    "SC64": "Law and Order",
    "SC71": "Seriousness in Environmental Protection", "SC72": "Quality of Air", "SC73": "Quality of Water",
    "SC81": "Access to E-Government Portals", "SC82": "Access to the Internet", "SC83": "E-Responsiveness",
}
SUBDIMENSIONS = tuple(sc for _, _, _, subs in DIMENSIONS.values() for sc in subs)


# -- provinces ------------------------------------------------------------------------------------------------


#: PAPI's own aggregation, the framework's ``official`` methodology: the published sub-scores as they are,
#: nominal weights, arithmetic means.
OFFICIAL = {"normalise": "none", "weights": "nominal", "aggregate": "arithmetic"}
OFFICIAL_SOURCE = "PAPI's published aggregation (sub-scores as published, nominal weights, arithmetic means)"


def province_key(name: str) -> str:
    """A spelling-proof key for a Vietnamese province name.

    Diacritics are dropped (đ -> d), case folded, a parenthesised remark, a leading "TP." / "Thành phố" / "Tỉnh"
    and a trailing "City" / "Province" removed, and then everything but letters and digits: "TP. Hồ Chí Minh",
    "Ho Chi Minh City" and "ho chi minh" all give ``'hochiminh'``; "Hanoi" and "Hà Nội" give ``'hanoi'``.
    """
    text = str(name).replace("đ", "d").replace("Đ", "D")
    text = "".join(ch for ch in unicodedata.normalize("NFD", text) if unicodedata.category(ch) != "Mn")
    text = re.sub(r"\(.*?\)", " ", text.casefold()).strip()
    text = re.sub(r"^(tp\.|tp\s|thanh pho\s|tinh\s)\s*", "", text)
    text = re.sub(r"\s+(city|province)$", "", text)
    return re.sub(r"[^a-z0-9]", "", text)


@lru_cache(maxsize=1)
def _province_lookup() -> tuple[dict[str, str], pd.DataFrame]:
    table = io.provinces().set_index("slug")
    lookup: dict[str, str] = {}
    for slug, row in table.iterrows():
        spellings = [slug, row["province"], row["province_ascii"], *str(row.get("aliases", "")).split(";")]
        for spelling in spellings:
            key = province_key(spelling)
            if not key:
                continue
            if lookup.get(key, slug) != slug:  # a key shared by two provinces would match either silently
                raise DataError(f"provinces.csv: spelling {spelling!r} matches both {lookup[key]!r} and {slug!r}")
            lookup[key] = slug
    return lookup, table


def province_slugs(names: Iterable[str], *, source: str = "data",
                   extra: Mapping[str, str] | None = None) -> list[str]:
    """Province slugs (``provinces.csv``) of province names in any common spelling.

    Parameters
    ----------
    names : iterable of str
        Names with or without diacritics, "TP." prefixes or "City" suffixes (see :func:`province_key`).
    source : str
        Named in the error message.
    extra : mapping of str to str, optional
        Further spellings -> codes, for units outside the 63 (e.g. ``{'Ha Tay': 'ha_tay'}``).

    Raises
    ------
    DataError
        Naming the first name that matches no province.
    """
    lookup, _ = _province_lookup()
    lookup = {**lookup, **{province_key(k): v for k, v in (extra or {}).items()}}
    out = []
    for name in names:
        slug = lookup.get(province_key(name))
        if slug is None:
            raise DataError(f"{source}: province {name!r} matches none of the 63 provinces of provinces.csv "
                            f"(names are compared without diacritics, case, spaces and 'TP.'/'City')")
        out.append(slug)
    return out


def province_attributes(slugs: Sequence[str], *, extra: Mapping[str, tuple[str, str]] | None = None
                        ) -> tuple[list[str], list[str]]:
    """Names with diacritics and region codes of province slugs; ``extra`` maps other codes to (name, region)."""
    _, table = _province_lookup()
    names, regions = [], []
    for slug in slugs:
        if extra and slug in extra:
            name, region = extra[slug]
        else:
            name, region = table.at[slug, "province"], table.at[slug, "region_code"]
        names.append(str(name))
        regions.append(str(region))
    return names, regions


# -- reading --------------------------------------------------------------------------------------------------

def data_file(root: Path, relative: str, *, index: str, required: str) -> Path:
    """The path of ``relative`` under ``root``, or a one-line DataError naming every file needed and the publisher."""
    path = Path(root) / relative
    if not path.is_file():
        raise DataError(f"{index} data not found: no {relative} under {root}; {index} needs {required}; set "
                        f"data.root or DTI_BENCH_DATA to the folder holding them")
    return path


def read_panel(root: Path) -> pd.DataFrame:
    """The PAPI panel as strings (cells validated when the dataset is built), years as int."""
    path = data_file(root, PANEL, index="PAPI", required=REQUIRED)
    table = io.read_table(path)
    needed = ("year", "province", *SUBDIMENSIONS)
    missing = [c for c in needed if c not in table.columns]
    if missing:
        raise DataError(f"{path}: missing column {missing[0]!r}; the PAPI panel needs {choices(needed)}")
    try:
        table["year"] = table["year"].astype(int)
    except ValueError:
        raise DataError(f"{path}: column 'year' holds a value that is not a year") from None
    return table


def pick_year(years: Iterable[int], year: int | None, index: str) -> int:
    years = sorted(set(int(y) for y in years))
    if year is None:
        return years[-1]
    if year not in years:
        raise DataError(f"{index}: no data for year {year}; valid choices: {choices(years)}")
    return int(year)


# -- framework and dataset -----------------------------------------------------------------------------------

def papi_framework(year: int, subdimensions: Sequence[str]) -> Framework:
    """The PAPI framework of ``year`` over the sub-dimensions that year has.

    Sub-dimension weight 1 within its dimension; dimension weight = its number of sub-dimensions within PAPI,
    so that the headline is the mean sub-dimension score and PAPI = headline x N (module docstring).
    """
    unknown = [s for s in subdimensions if s not in SUBDIMENSION_NAMES]
    if unknown:
        raise DataError(f"PAPI {year}: unknown sub-dimension {unknown[0]!r}; valid choices: {choices(SUBDIMENSIONS)}")
    present = set(subdimensions)
    indicators, composites, dim_weights = [], [], {}
    for code, (column, name, name_vi, subs) in DIMENSIONS.items():
        kids = [s for s in subs if s in present]
        if not kids:
            continue
        indicators += [{"code": s, "name": SUBDIMENSION_NAMES[s], "dimension": code} for s in kids]
        composites.append({"code": code, "name": name, "name_vi": name_vi, "children": {s: 1.0 for s in kids},
                           "panel_column": column, "published_scale": len(kids)})
        dim_weights[code] = float(len(kids))
    composites.append({"code": "PAPI", "name": "Provincial Governance and Public Administration Performance Index",
                       "name_vi": "Chỉ số Hiệu quả Quản trị và Hành chính công cấp tỉnh", "children": dim_weights,
                       "published_scale": int(sum(dim_weights.values()))})
    return Framework.from_dict({
        "name": f"papi-{year}", "headline": "PAPI", "indicators": indicators, "composites": composites,
        "groups": ["region"], "source": SOURCE, "year": year, "official": dict(OFFICIAL),
        "official_source": OFFICIAL_SOURCE,
        "published_aggregation": "dimension = sum of sub-dimensions; PAPI = sum of dimensions "
                                 f"({len(dim_weights)} in {year})",
        "notes": "weights express the sums as means: published dimension = k_d x composite, "
                 "published PAPI = N x headline (see dti_bench.io.external.papi)",
    }, source=f"papi-{year}")


def years(root: Path) -> list[int]:
    """The years of the PAPI panel, in order (``data: {external: papi, years: all}``)."""
    return sorted(set(int(y) for y in read_panel(root)["year"]))


def load(root: Path, year: int | None = None) -> tuple[Framework, Dataset]:
    """The PAPI framework and provincial dataset of ``year`` (default: the latest year in the panel).

    Parameters
    ----------
    root : Path
        The data folder holding ``vn_papi/papi_2011_2024_panel.csv``.
    year : int, optional
        2011-2024.

    Returns
    -------
    (Framework, Dataset)
        Indicators = that year's sub-dimensions (22, 28 or 29), composites = its 6 or 8 dimensions and
        ``PAPI``; units = the provinces PAPI scored that year (province slugs), group column ``region``.

    Raises
    ------
    DataError
        The panel is missing (naming the file and papi.org.vn), malformed, or has no such year.
    """
    table = read_panel(root)
    year = pick_year(table["year"], year, "PAPI")
    rows = table[table["year"] == year]
    blank = rows[list(SUBDIMENSIONS)].apply(lambda col: col.str.strip() == "")
    present = [s for s in SUBDIMENSIONS if not blank[s].all()]
    framework = papi_framework(year, present)
    scored = ~blank[present].all(axis=1).to_numpy()
    slugs = province_slugs(rows["province"], source=f"{PANEL} ({year})")
    excluded = [s for s, ok in zip(slugs, scored) if not ok]
    rows, slugs = rows[scored], [s for s, ok in zip(slugs, scored) if ok]
    names, regions = province_attributes(slugs)
    frame = pd.DataFrame({"uCode": slugs, "uName": names, "region": regions})
    for s in present:
        frame[s] = rows[s].to_numpy()
    meta = {"source": SOURCE, "synthetic": False, "year": year, "file": PANEL, "excluded": excluded,
            "notes": "provinces PAPI did not score that year are excluded; dimensions missing for a province stay "
                     "NaN and the aggregate renormalises over the present ones"}
    dataset = Dataset.from_frame(frame, framework=framework, group_columns=["region"], name=f"papi-{year}",
                                 source=f"{PANEL} ({year})", synthetic=False, meta=meta)
    return framework, dataset


# -- the published scale and the 6 -> 8 dimension change -------------------------------------------------------

def _leaves(framework: Framework, code: str) -> list[str]:
    if framework.node(code).kind == "indicator":
        return [code]
    return [leaf for child in framework.children(code) for leaf in _leaves(framework, child)]


def published_scores(result: IndexResult) -> pd.DataFrame:
    """Composite scores on PAPI's published scale: each composite times its count of present sub-dimensions.

    .. math:: D_{u,d} = n_{u,d}\\,\\bar s_{u,d}, \\qquad \\mathrm{PAPI}_u = n_u\\,\\mathrm{headline}_u

    where :math:`n` counts the unit's non-missing sub-dimensions under the node. With the official aggregation
    (``normalise: none``, nominal weights, arithmetic mean) this is the published sum whenever each dimension
    is complete or entirely missing, as in every year of the panel; for other methodologies the numbers mean
    nothing.

    Parameters
    ----------
    result : IndexResult
        From :func:`~dti_bench.index.compute_index` on a PAPI framework.

    Returns
    -------
    DataFrame, (units, composites)
        NaN where the composite is NaN (no sub-dimension present).
    """
    fw = result.framework
    present = result.data.notna()
    out = {}
    for comp in fw.composites:
        count = present[_leaves(fw, comp)].sum(axis=1).to_numpy(dtype=float)
        out[comp] = result.values[comp].to_numpy(dtype=float) * count
    return pd.DataFrame(out, index=result.values.index)


def official_methodology() -> Methodology:
    """PAPI's own aggregation: no normalisation, nominal weights, arithmetic means (see the module docstring)."""
    return parse_methodology(dict(OFFICIAL))


def dimension_change_shifts(root: Path, year: int = 2019) -> pd.DataFrame:
    """A 2018+ year ranked on all 8 dimensions and on the original 6 only, unit by unit.

    The 6-dimension index drops Environmental Governance and E-Governance from the same year's data and keeps
    the 2018 contents of the other six (e.g. Transparency with Access to Information), so the comparison isolates
    the two new dimensions; both sides use PAPI's aggregation (sums, :func:`published_scores`).

    Parameters
    ----------
    root : Path
        The data folder.
    year : int
        A year with 8 dimensions (2018-2024).

    Returns
    -------
    DataFrame
        One row per province: ``unit, name, papi_8, rank_8, papi_6, rank_6, shift, complete`` with
        ``shift = rank_8 - rank_6`` (positive: the province stood higher on the original 6 dimensions, i.e. the
        new dimensions pulled it down) and ``complete`` False for a province missing some dimension (its sums
        are not comparable; its ranks come from the mean of its present sub-dimensions). Ranks: 1 = best, ties
        'min'. ``attrs`` holds ``year``, ``spearman`` (over all ranked provinces) and ``mean_abs_shift``.

    Raises
    ------
    DataError
        For a year before 2018 (there is only one framework to compare).
    """
    framework, dataset = load(root, year)
    missing = [d for d in NEW_DIMENSIONS if d not in framework.composites]
    if missing:
        raise DataError(f"PAPI {year}: has {len(framework.children('PAPI'))} dimensions, not 8; choose a year "
                        f"from 2018 (Environmental Governance and E-Governance start then)")
    original = without(framework, NEW_DIMENSIONS)
    methodology = official_methodology()
    full, reduced = compute_index(framework, dataset, methodology), compute_index(original, dataset, methodology)
    complete = full.data.notna().all(axis=1).to_numpy()
    table = pd.DataFrame({
        "unit": list(dataset.units), "name": list(dataset.unit_names),
        "papi_8": published_scores(full)["PAPI"].to_numpy(), "rank_8": full.rank_values["PAPI"].to_numpy(),
        "papi_6": published_scores(reduced)["PAPI"].to_numpy(), "rank_6": reduced.rank_values["PAPI"].to_numpy(),
    })
    table["shift"] = table["rank_8"] - table["rank_6"]
    table["complete"] = complete
    table.attrs.update({"year": year, "spearman": float(spearman(table["rank_8"], table["rank_6"])),
                        "mean_abs_shift": float(mean_abs_shift(table["rank_8"], table["rank_6"]))})
    return table
