"""The OECD Better Life Index (BLI), about the 2020 edition, read from a data folder.

Publisher: OECD (stats.oecd.org, dataset BLI; now the OECD Data Explorer, data-explorer.oecd.org), free to
reuse with attribution. The loader reads ``oecd_bli/oecd_bli_total_wide.csv`` under the data folder (the
``INEQUALITY == TOT`` rows of the OECD export, one column per indicator); nothing of it is bundled.

The framework
-------------
24 indicators in 11 topics (housing 3, income 2, jobs 4, community 1, education 3, environment 2, civic
engagement 2, health 2, life satisfaction 1, safety 2, work-life balance 2) under the headline ``BLI``, with
equal indicator weights within a topic and equal topic weights: the OECD's default view, where every topic is
rated the same. The OECD publishes no composite value (users rate the topics 0-5 themselves), so there is nothing
to reproduce; the site shows each indicator min-max normalised over the countries (0-10, direction applied) and
a topic as the mean of its indicators, which the case-study config uses as its nominal methodology.

Directions (-1, lower is better): air pollution, dwellings without basic facilities, housing expenditure, labour
market insecurity, long-term unemployment rate, homicide rate, employees working very long hours. Codes are the
OECD's ``INDICATOR`` codes (``HO_BASE`` ...); names as in the file.

Units: ISO 3166 alpha-3 ``LOCATION`` codes of 37 OECD members and 3 partners (Brazil, Russia, South Africa),
group column ``membership`` (``member`` / ``partner``). The "OECD - Total" row (``LOCATION`` OECD, called OTO in
some exports) is an average of the members, not a country, so it is left out unless
``load(..., include_oecd_total=True)``: ranking an average against its own members, or letting it move the
min-max range, would be a category error.

Missing data: 73 of the 984 country cells are blank (time devoted to leisure 18, household net wealth 12,
household income 11, labour market insecurity 7, ...). They stay NaN: a topic averages its present indicators
and the index its present topics (the package's missing-data policy). Brazil and South Africa miss 9 of 24.

References
----------
OECD (2020), *How's Life? 2020: Measuring Well-being*; OECD Better Life Index, definitions and methodology,
oecdbetterlifeindex.org; Durand, M. (2015), "The OECD Better Life Initiative", *Review of Income and Wealth*
61(1), 4-17.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from dti_bench import io
from dti_bench.model.dataset import Dataset
from dti_bench.errors import DataError, choices
from dti_bench.io.external.papi import data_file
from dti_bench.model.framework import Framework

#: The file the loader reads, relative to the data folder.
WIDE_FILE = "oecd_bli/oecd_bli_total_wide.csv"
PUBLISHER = "the OECD's data portal (stats.oecd.org dataset BLI, now data-explorer.oecd.org)"
#: What the loader needs, for error messages: the file under the data folder and who distributes it.
REQUIRED = (f"{WIDE_FILE} (the Better Life Index indicators, INEQUALITY = TOT, one row per country), from "
            f"{PUBLISHER}")
SOURCE = ("OECD Better Life Index, about the 2020 edition (stats.oecd.org, DataSetCode=BLI), INEQUALITY == TOT; "
          "copy from ageron/data lifesat/oecd_bli.csv")
#: The edition year (inferred from the member list and indicator set; the file does not state it).
EDITION = 2020
#: LOCATION codes of the OECD aggregate row ("OECD" in this export, "OTO" in others).
OECD_TOTAL = ("OECD", "OTO")
#: Non-members in the file.
PARTNERS = ("BRA", "RUS", "ZAF")

#: Topic code -> (name, {indicator code: (column name in the file, direction, unit)}).
TOPICS: Mapping[str, tuple[str, Mapping[str, tuple[str, int, str]]]] = {
    "housing": ("Housing", {
        "HO_BASE": ("Dwellings without basic facilities", -1, "percentage"),
        "HO_HISH": ("Housing expenditure", -1, "percentage"),
        "HO_NUMR": ("Rooms per person", 1, "ratio")}),
    "income": ("Income", {
        "IW_HADI": ("Household net adjusted disposable income", 1, "US dollar"),
        "IW_HNFW": ("Household net wealth", 1, "US dollar")}),
    "jobs": ("Jobs", {
        "JE_LMIS": ("Labour market insecurity", -1, "percentage"),
        "JE_EMPL": ("Employment rate", 1, "percentage"),
        "JE_LTUR": ("Long-term unemployment rate", -1, "percentage"),
        "JE_PEARN": ("Personal earnings", 1, "US dollar")}),
    "community": ("Community", {
        "SC_SNTWS": ("Quality of support network", 1, "percentage")}),
    "education": ("Education", {
        "ES_EDUA": ("Educational attainment", 1, "percentage"),
        "ES_STCS": ("Student skills", 1, "average score"),
        "ES_EDUEX": ("Years in education", 1, "years")}),
    "environment": ("Environment", {
        "EQ_AIRP": ("Air pollution", -1, "micrograms per cubic metre"),
        "EQ_WATER": ("Water quality", 1, "percentage")}),
    "civic_engagement": ("Civic engagement", {
        "CG_SENG": ("Stakeholder engagement for developing regulations", 1, "average score"),
        "CG_VOTO": ("Voter turnout", 1, "percentage")}),
    "health": ("Health", {
        "HS_LEB": ("Life expectancy", 1, "years"),
        "HS_SFRH": ("Self-reported health", 1, "percentage")}),
    "life_satisfaction": ("Life satisfaction", {
        "SW_LIFS": ("Life satisfaction", 1, "average score")}),
    "safety": ("Safety", {
        "PS_FSAFEN": ("Feeling safe walking alone at night", 1, "percentage"),
        "PS_REPH": ("Homicide rate", -1, "ratio")}),
    "work_life_balance": ("Work-life balance", {
        "WL_EWLH": ("Employees working very long hours", -1, "percentage"),
        "WL_TNOW": ("Time devoted to leisure and personal care", 1, "hours")}),
}
#: Indicator code -> column name in the file.
COLUMNS = {code: column for _, items in TOPICS.values() for code, (column, _, _) in items.items()}


def bli_framework() -> Framework:
    """The BLI framework: 24 indicators, 11 topics, equal weights at both levels (the OECD default view)."""
    indicators, composites = [], []
    for topic, (name, items) in TOPICS.items():
        for code, (column, direction, unit) in items.items():
            indicators.append({"code": code, "name": column, "direction": direction, "unit": unit, "topic": topic})
        composites.append({"code": topic, "name": name, "children": {code: 1.0 for code in items}})
    composites.append({"code": "BLI", "name": "Better Life Index (equal topic weights)",
                       "children": {topic: 1.0 for topic in TOPICS}})
    return Framework.from_dict({
        "name": f"oecd-bli-{EDITION}", "headline": "BLI", "indicators": indicators, "composites": composites,
        "groups": ["membership"], "source": SOURCE,
        "notes": "no official composite: equal indicator weights within topics and equal topic weights are the "
                 "OECD's default view; the OECD site normalises each indicator min-max over the countries",
    }, source=f"oecd-bli-{EDITION}")


def load(root: Path, year: int | None = None, *, include_oecd_total: bool = False) -> tuple[Framework, Dataset]:
    """The BLI framework and the country dataset.

    Parameters
    ----------
    root : Path
        The data folder holding ``oecd_bli/oecd_bli_total_wide.csv``.
    year : int, optional
        None or 2020: the file holds one edition.
    include_oecd_total : bool
        Keep the "OECD - Total" row as a unit (module docstring: left out by default).

    Returns
    -------
    (Framework, Dataset)
        24 indicators, 11 topics and ``BLI``; 40 countries (41 with the OECD total), unit codes = ISO3
        ``LOCATION``, group column ``membership``.

    Raises
    ------
    DataError
        The file is missing (naming it and the OECD's data portal), lacks an indicator column, or ``year`` is
        not the edition the file holds.
    """
    if year is not None and year != EDITION:
        raise DataError(f"BLI: the data file holds one edition (about {EDITION}), not {year}; valid choices: "
                        f"{EDITION} or no year")
    path = data_file(root, WIDE_FILE, index="BLI", required=REQUIRED)
    table = io.read_table(path)
    needed = ("LOCATION", "Country", *COLUMNS.values())
    missing = [c for c in needed if c not in table.columns]
    if missing:
        raise DataError(f"{path}: missing column {missing[0]!r}; the BLI table needs {choices(needed)}")
    excluded = []
    if not include_oecd_total:
        total = table["LOCATION"].str.strip().isin(OECD_TOTAL)
        excluded = table.loc[total, "LOCATION"].tolist()
        table = table[~total]
    framework = bli_framework()
    frame = pd.DataFrame({"uCode": table["LOCATION"].str.strip().to_numpy(), "uName": table["Country"].to_numpy()})
    frame["membership"] = ["partner" if c in PARTNERS else "aggregate" if c in OECD_TOTAL else "member"
                           for c in frame["uCode"]]
    for code, column in COLUMNS.items():
        frame[code] = table[column].to_numpy()
    meta = {"source": SOURCE, "synthetic": False, "year": EDITION, "file": WIDE_FILE, "excluded": excluded,
            "notes": "OECD - Total left out by default (an average of the members, not a country)"}
    dataset = Dataset.from_frame(frame, framework=framework, group_columns=["membership"],
                                 name=f"oecd-bli-{EDITION}", source=str(path), synthetic=False, meta=meta)
    return framework, dataset
