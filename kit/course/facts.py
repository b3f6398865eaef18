"""The facts module 3's prose states about a city, computed from the city's own data.

:func:`course_tables` gives the three tables an adapted course ships (the
standard datasets ``service_requests``, ``neighborhoods`` and
``neighborhood_population``); :func:`module3_facts` runs module 3's steps on
them with :mod:`kit.analysis` -- the same steps, in the same order, as the
notebook -- and returns every number and name its text states, plus the
notebook's parameters. Numbers stay numbers: the template formats them in the
reader's language.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from kit.analysis.service_requests import (
    IN_AREA,
    OUTSIDE_AREAS,
    add_days_to_close,
    assign_areas,
    count_by_area,
    drop_repeated_rows,
    flag_duplicate_reports,
    median_days_to_close,
    monthly_counts,
    normalize_complaint_types,
    rate_per_1000,
)
from kit.errors import CourseError

if TYPE_CHECKING:
    from kit.course.load import CityData

__all__ = ["course_tables", "module3_facts", "module3_params", "plain_value", "prose_name"]

DERIVED = ("is_duplicate", "area")  # the loader's own columns: the notebook derives them itself
TOP = 3
FOCUS_COUNT = 2


def course_tables(city: CityData) -> dict[str, pd.DataFrame]:
    """The datasets an adapted course ships, by their standard names, as the notebooks will load them.

    One per role the profile names: ``service_requests``, ``neighborhoods``,
    ``neighborhood_population`` (module 3), ``precinct_results`` and
    ``precincts`` (module 2).
    """
    tables = {}
    if city.service_requests is not None:
        requests = city.service_requests.drop(columns=[c for c in DERIVED if c in city.service_requests.columns])
        tables["service_requests"] = requests.reset_index(drop=True)
    if city.areas is not None:
        tables["neighborhoods"] = city.areas.reset_index(drop=True)
    if city.population is not None and city.areas is not None:
        tables["neighborhood_population"] = _population_table(city)
    if city.results is not None:
        tables["precinct_results"] = city.results
    if city.precincts is not None:
        tables["precincts"] = city.precincts
    return tables


def _module3_tables(city: CityData) -> dict[str, pd.DataFrame]:
    missing = [role for role in ("service_requests", "areas") if getattr(city, role) is None]
    if missing:
        raise CourseError(
            f"module 3 needs the role{'s' * (len(missing) > 1)} {' and '.join(missing)} in the city profile",
            hint="add a source for each role to the profile (see `kit course init-city`)",
        )
    return course_tables(city)


def _population_table(city: CityData) -> pd.DataFrame:
    """The population with the standard columns; names come from the areas when the source has none."""
    population = city.population.reset_index(drop=True)
    if "community_name" not in population.columns:
        names = dict(zip(city.areas["area_numbe"].astype(str), city.areas["community"].map(prose_name), strict=False))
        population.insert(1, "community_name", population["community_area"].astype(str).map(names))
    return population


def _duplicate_rule(city: CityData) -> tuple[str | None, str | None]:
    """The duplicates column (by its name in the shipped table) and pattern, or (None, None)."""
    rule = city.profile.service_requests.duplicates
    if rule is None:
        return None, None
    standard = {theirs: ours for ours, theirs in city.profile.service_requests.columns.items()}
    return standard.get(rule.column, rule.column), rule.pattern


def module3_params(city: CityData, tables: dict[str, pd.DataFrame], lang: str = "en") -> dict:
    """The notebook's parameters: city name, period, focus types and duplicates rule."""
    profile = city.profile
    clean = normalize_complaint_types(tables["service_requests"])
    present = clean["complaint_type"].value_counts()
    wanted = [t.strip().upper() for t in profile.teaching.focus_types]
    focus = [t for t in wanted if t in present.index]
    focus += [t for t in present.index if t not in focus][: max(0, FOCUS_COUNT - len(focus))]
    column, pattern = _duplicate_rule(city)
    return {
        "city": profile.name.get(lang) or next(iter(profile.name.values())),
        "period": _period(profile, clean),
        "focus_types": focus,
        "duplicate_column": column,
        "duplicate_pattern": pattern,
    }


def _period(profile, requests: pd.DataFrame) -> str:
    """Years of the teaching period (``2024–2025``), or of the data when the profile gives none."""
    if profile.teaching.period is not None:
        first, last = profile.teaching.period.start.year, profile.teaching.period.end.year
    else:
        dates = requests["created_date"].dropna()
        first, last = dates.min().year, dates.max().year
    return str(first) if first == last else f"{first}–{last}"


def prose_name(value: object) -> str:
    """A name as prose writes it: ``HARBOR FLATS`` -> ``Harbor Flats``; mixed case kept as written."""
    text = str(value)
    return text.title() if text.isupper() else text


def _area_rows(table: pd.DataFrame, columns: dict[str, str]) -> list[dict]:
    """Rows of an area table as dicts: ``name`` plus the columns asked for (renamed)."""
    return [
        {"name": prose_name(row["community"])} | {new: plain_value(row[old]) for new, old in columns.items()}
        for _, row in table.iterrows()
    ]


def plain_value(value: object) -> object:
    """A numpy scalar as a Python number (templates and reprs read them cleanly)."""
    return value.item() if hasattr(value, "item") else value


def _cleaning_facts(raw: pd.DataFrame, params: dict) -> tuple[dict, pd.DataFrame]:
    """Section 3: types, spellings, repeated rows, duplicates, missing coordinates, open requests."""
    clean = normalize_complaint_types(raw)
    focus = params["focus_types"][0]
    raw_types = raw["complaint_type"].dropna()
    spellings = raw_types[raw_types.str.strip().str.upper().str.split().str.join(" ") == focus].value_counts()
    facts = {
        "requests": len(raw),
        "columns": raw.shape[1],
        "types_raw": int(raw_types.nunique()),
        "types_clean": int(clean["complaint_type"].nunique()),
        "focus": {"name": focus, "clean": int((clean["complaint_type"] == focus).sum())},
        "repeated": int(clean.duplicated().sum()),
    }
    # counting only the most common spelling, as a first count would
    facts["focus"] |= {"exact": int(spellings.iloc[0]) if len(spellings) else 0, "spellings": list(spellings.index)}
    clean = drop_repeated_rows(clean)
    facts["duplicates"] = None
    if params["duplicate_column"] is not None:
        clean = flag_duplicate_reports(
            clean, column=params["duplicate_column"], pattern=params["duplicate_pattern"], regex=True
        )
        facts["duplicates"] = int(clean["is_duplicate"].sum())
        clean = clean[~clean["is_duplicate"]]
    waiting = clean["closed_date"].isna()
    facts |= {
        "originals": len(clean),
        "no_coordinates": int(clean["latitude"].isna().sum()),
        "open_requests": int(waiting.sum()),
        "open_statuses": list(clean.loc[waiting, "status"].dropna().value_counts().index),
        "has_city_column": "city" in raw.columns,
        "has_channel": "open_data_channel_type" in raw.columns,
    }
    return facts, clean


def _trend_facts(originals: pd.DataFrame, params: dict) -> dict:
    """Section 4: the monthly range and the months each focus type peaks in (month numbers)."""
    monthly = monthly_counts(originals)["requests"]
    by_type = monthly_counts(originals, by="complaint_type")
    peaks = []
    for name in params["focus_types"]:
        per_month = by_type[name].groupby(by_type.index.month).sum().sort_values(ascending=False, kind="stable")
        peaks.append({"name": name, "months": [int(m) for m in per_month.index[:TOP]]})
    others = originals["complaint_type"].value_counts()
    return {
        "monthly_min": int(monthly.min()),
        "monthly_max": int(monthly.max()),
        "focus_peaks": peaks,
        "other_types": [t for t in others.index if t not in params["focus_types"]][:TOP],
    }


def _place_facts(located: pd.DataFrame, counts: pd.DataFrame, rates: pd.DataFrame | None) -> dict:
    """Sections 5-6: where requests are, counts and rates per area (None: no population), a pair rates reorder."""
    status = located["location_status"].value_counts()
    total = len(located)
    by_count = counts.sort_values("requests", ascending=False, kind="stable")
    by_rate = None
    if rates is not None:
        by_rate = rates.sort_values("per_1000", ascending=False, kind="stable").dropna(subset=["per_1000"])
    columns = {"requests": "requests", "population": "population", "rate": "per_1000"}
    ranked = [] if by_rate is None else _area_rows(by_rate, columns)
    return {
        "in_area": int(status.get(IN_AREA, 0)),
        "outside": int(status.get(OUTSIDE_AREAS, 0)),
        "share_no_coordinates": 1 - (status.get(IN_AREA, 0) + status.get(OUTSIDE_AREAS, 0)) / total,
        "share_in_area": status.get(IN_AREA, 0) / total,
        "top_count": [prose_name(n) for n in by_count["community"].head(TOP)],
        "top_rate": ranked[:TOP],
        "lowest_rate": ranked[-1] if ranked else None,
        "pair": None if by_rate is None else _reordered_pair(by_count, by_rate),
    }


def _reordered_pair(by_count: pd.DataFrame, by_rate: pd.DataFrame) -> dict | None:
    """Two areas where the one with more requests has the lower rate (b: the higher rate), or None."""
    count_rank = {k: i + 1 for i, k in enumerate(by_count["area_numbe"])}
    rate_rank = {k: i + 1 for i, k in enumerate(by_rate["area_numbe"])}
    rows = {row["area_numbe"]: row for _, row in by_rate.iterrows()}
    for b in by_rate["area_numbe"]:
        for a in by_count["area_numbe"]:
            if a in rows and rows[a]["requests"] > rows[b]["requests"] and rate_rank[a] > rate_rank[b]:
                return {key: _pair_side(rows[k], count_rank[k], rate_rank[k]) for key, k in (("a", a), ("b", b))}
    return None


def _pair_side(row: pd.Series, count_rank: int, rate_rank: int) -> dict:
    return {
        "name": prose_name(row["community"]),
        "requests": int(row["requests"]),
        "population": int(row["population"]),
        "rate": float(row["per_1000"]),
        "count_rank": count_rank,
        "rate_rank": rate_rank,
    }


def _speed_facts(located: pd.DataFrame, rates: pd.DataFrame | None, focus: str) -> dict:
    """Section 8: fastest and slowest areas, within one type too, and zero-day closures."""
    speed = median_days_to_close(located).dropna(subset=["median_days"])
    order = speed.sort_values("median_days", kind="stable")
    fastest = _area_rows(order.head(2), {"median": "median_days"})
    slowest = _area_rows(order.iloc[::-1].head(TOP), {"median": "median_days"})
    one = median_days_to_close(located[located["complaint_type"] == focus]).dropna(subset=["median_days"])
    one = one.sort_values("median_days", kind="stable")
    days = add_days_to_close(located)["days_to_close"]
    closed = days[days >= 0]
    top_rate = set() if rates is None else set(rates.sort_values("per_1000", ascending=False).head(TOP)["community"])
    return {
        "fastest": fastest,
        "slowest": slowest,
        "speed_ratio": slowest[0]["median"] / fastest[0]["median"] if fastest[0]["median"] > 0 else None,
        "bad_dates": int(speed["bad_dates"].sum()),
        "zero_day_share": float((closed == 0).mean()) if len(closed) else 0.0,
        "focus_slowest": _area_rows(one.tail(1), {"median": "median_days"})[0],
        "focus_fastest": _area_rows(one.head(1), {"median": "median_days"})[0],
        "focus_closed_min": int(one["closed_requests"].min()),
        "focus_closed_max": int(one["closed_requests"].max()),
        "both": [prose_name(n) for n in order.iloc[::-1].head(TOP)["community"] if n in top_rate],
    }


def _name_join(counts: pd.DataFrame, population: pd.DataFrame) -> dict:
    """Section 6's first join mistake: how many rows joining on names keeps, and one pair of spellings."""
    joined = counts.merge(population, left_on="community", right_on="community_name")
    names = dict(zip(population["community_area"].astype(str), population["community_name"], strict=False))
    first = counts.iloc[0]
    return {
        "rows": len(joined),
        "areas": len(counts),
        "area": str(first["community"]),
        "population": str(names.get(str(first["area_numbe"]), "")),
    }


def _resolution_facts(originals: pd.DataFrame) -> dict:
    if "resolution_description" not in originals.columns:
        return {"resolutions": []}
    top = originals["resolution_description"].dropna().value_counts().head(2)
    return {"resolutions": [{"text": str(text), "count": int(n)} for text, n in top.items()]}


def module3_facts(city: CityData, lang: str = "en") -> dict:
    """Every number and name module 3's text states about ``city``, and the notebook's parameters.

    Parameters
    ----------
    city
        The loaded city (:func:`kit.course.load.load_city`), with service
        requests, areas and population.
    lang
        The language of the city's name in the parameters.

    Returns
    -------
    dict
        ``{"params": {...}, "facts": {...}}``: numbers stay numbers (the
        template formats them); ``facts["duplicates"]`` is None when the
        export marks no duplicates.

    Raises
    ------
    CourseError
        If a role module 3 needs is missing.
    """
    tables = _module3_tables(city)
    params = module3_params(city, tables, lang)
    facts, originals = _cleaning_facts(tables["service_requests"], params)
    facts |= _trend_facts(originals, params)
    areas = tables["neighborhoods"]
    located = assign_areas(originals, areas)
    counts = count_by_area(located, areas)
    population = tables.get("neighborhood_population")
    rates = None if population is None else rate_per_1000(counts, population)
    facts |= _place_facts(located, counts, rates)
    facts["has_population"] = population is not None
    facts["name_join"] = None if population is None else _name_join(counts, population)
    facts |= _speed_facts(located, rates, params["focus_types"][0])
    facts |= _resolution_facts(originals)
    rule = city.profile.service_requests.area_code
    facts["area_column"] = _area_column(city) if rule is not None else None
    facts["check_rate"] = facts["pair"]["b"] if facts["pair"] else (facts["top_rate"] or [None])[0]
    return {"params": params, "facts": facts}


def _area_column(city: CityData) -> str:
    rule = city.profile.service_requests.area_code
    standard = {theirs: ours for ours, theirs in city.profile.service_requests.columns.items()}
    return standard.get(rule.column, rule.column)
