"""The facts exercise 3 states and checks for a city, computed from the city's own data.

:func:`exercise3_facts` adds to module 3's facts (:func:`kit.course.facts.module3_facts`)
what the exercise template needs: the area whose rate question 4 asks for, an example
area name, the months question 6 counts, the questions the data supports (a city
that marks no duplicate reports has no question on them; a city without population
has no rate question: each is dropped with its points) and their numbers. The
hidden tests compute their expected values in the notebook from ``kit.load_dataset``
with the notebook's parameters, so the solution earns full marks for every city.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pandas as pd

from kit.analysis.service_requests import (
    assign_areas,
    count_by_area,
    drop_repeated_rows,
    flag_duplicate_reports,
    monthly_counts,
    normalize_complaint_types,
    rate_per_1000,
)
from kit.course.facts import course_tables, prose_name
from kit.data.months import write_month

if TYPE_CHECKING:
    from kit.course.load import CityData

__all__ = ["exercise3_facts"]


def _month_label(month: pd.Timestamp, lang: str) -> str:
    return write_month(month.date(), lang)


def _variable(text: str) -> str:
    """A Python name from an area's name: ``HARBOR FLATS`` -> ``harbor_flats``."""
    name = re.sub(r"\W+", "_", text.lower()).strip("_")
    return name if name.isidentifier() and not name[0].isdigit() else f"area_{name}"


def _originals(tables: dict[str, pd.DataFrame], params: dict) -> pd.DataFrame:
    clean = drop_repeated_rows(normalize_complaint_types(tables["service_requests"]))
    if params["duplicate_column"] is None:
        return clean
    clean = flag_duplicate_reports(clean, column=params["duplicate_column"], pattern=params["duplicate_pattern"])
    return clean[~clean["is_duplicate"]]


def _rate_area(located: pd.DataFrame, tables: dict[str, pd.DataFrame], check: dict | None, focus: str) -> dict:
    """The area question 4 asks about: module 3's area to check (``check_rate``), else the highest rate.

    The rate asked is the focus type's (module 3 prints every area's rate for all types, never this one).
    """
    counts = count_by_area(located, tables["neighborhoods"])
    named_rates = rate_per_1000(counts, tables["neighborhood_population"])
    focus_counts = count_by_area(located[located["complaint_type"] == focus], tables["neighborhoods"])
    focus_rates = rate_per_1000(focus_counts, tables["neighborhood_population"]).set_index("community")["per_1000"]
    rates = named_rates.dropna(subset=["per_1000"])
    rates = rates[rates["requests"] > 0].sort_values("per_1000", ascending=False, kind="stable")
    named = rates[rates["community"].astype(str).map(prose_name) == (check or {}).get("name")]
    row = (named if len(named) else rates).iloc[0]
    return {
        "rate_area": str(row["community"]),
        "rate_area_id": str(row["area_numbe"]),
        "rate_var": f"{_variable(str(row['community']))}_rate",
        "rate_in_range": bool(1 < float(focus_rates.get(row["community"], 0)) < 1000),
    }


def _year_facts(located: pd.DataFrame, months: pd.Index, focus: str, rate_area: str | None, lang: str) -> dict:
    """The year the exercise asks about (the data's latest year with six months or more and closed focus
    requests: module 3 prints the first months only),
    the area question 5 asks about (question 4's, else the area with the most focus requests that year)
    and the months of that year question 6 counts."""
    mask = located["complaint_type"] == focus
    closed = located[mask & located["closed_date"].notna()]
    years = pd.Series(months.year).value_counts()
    # the latest year with at least half a year of months and closed focus requests (not a stray tail)
    year = max(
        (int(y) for y, n in years.items() if n >= 6 and (closed["created_date"].dt.year == y).any()), default=None
    )
    year = int(months[-1].year) if year is None else year
    in_year = months[months.year == year]
    by_area = closed.loc[closed["created_date"].dt.year == year, "community"].value_counts()
    if rate_area not in by_area.index:  # no population, or no closed focus request there that year
        rate_area = str(by_area.index[0])
    return {
        "year": year,
        "median_area": rate_area,
        "year_months": len(in_year),
        "year_first_label": _month_label(in_year[0], lang),
        "year_last_label": _month_label(in_year[-1], lang),
    }


def exercise3_facts(city: CityData, module: dict, lang: str = "en") -> dict:
    """What exercise 3's template states about ``city`` beyond module 3's facts.

    Parameters
    ----------
    city
        The loaded city.
    module
        :func:`kit.course.facts.module3_facts` for the same city and language.
    lang
        The language of month names.

    Returns
    -------
    dict
        Names of the answer variables, the rate area, an example area, the
        months counted, which questions are kept (``duplicates``,
        ``population``) and the number each question gets.
    """
    params, facts = module["params"], module["facts"]
    tables = course_tables(city)
    raw, focus = tables["service_requests"], params["focus_types"][0]
    originals = _originals(tables, params)
    located = assign_areas(originals, tables["neighborhoods"])
    months = monthly_counts(originals, by="complaint_type").index
    heat = focus == "HEAT/HOT WATER"
    names = [str(n) for n in tables["neighborhoods"]["community"].dropna()]
    ex = {
        "group": "".join(w[0] for w in params["city"].split() if w[:1].isalpha()).upper() + "TU",
        "n_var": "n_heat" if heat else "n_focus",
        "month_var": "heat_by_month" if heat else "focus_by_month",
        "focus_all": int((normalize_complaint_types(raw)["complaint_type"] == focus).sum()) == len(raw),
        "spellings": facts["focus"]["spellings"][:3],
        "no_coordinates": int(raw["latitude"].isna().sum()),
        "example_area": sorted(names)[len(names) // 2],
        "upper": all(n == n.upper() for n in names),
        "months": len(months),
        "first_month": months[0].strftime("%Y-%m"),
        "last_month": months[-1].strftime("%Y-%m"),
        "first_label": _month_label(months[0], lang),
        "last_label": _month_label(months[-1], lang),
        "duplicates": facts["duplicates"] is not None,
        "population": "neighborhood_population" in tables,
        "rate_area": None,
        "rate_area_id": None,
    }
    if ex["population"]:
        ex |= _rate_area(located, tables, facts["check_rate"], focus)
    ex |= _year_facts(located, months, focus, ex["rate_area"], lang)
    kept = [True, ex["duplicates"], True, ex["population"], True, True, True, True]
    ex["q"] = {n: sum(kept[:n]) for n in range(1, 9)}
    return ex
