"""Loading a city's data through its profile: the kit's standard columns, typed, with notes.

:func:`load_city` reads every role the profile names with one typed loader per
role, so the modules see any city's data as they see the sample city's:

- columns renamed to the kit's standard names (:mod:`kit.course.schema`); the
  city's other columns are kept under their own names;
- every value read as text first, then empty text treated as missing on
  purpose (the trial's bug: ``dtype=str`` made 57 empty coordinates invisible);
- dates read as the profile says (``dates.format`` or ``dates.dayfirst``); a
  value that is not a date is missing and counted, never a raw pandas error;
- sentinel closed dates (``1900-01-01`` on open requests) and closed dates
  before the created date are missing and counted;
- ``is_duplicate`` from the profile's duplicates rule, ``area`` from its area
  code; areas keyed by a column or an expression, named by a column or a label,
  the ``exclude`` list left out; population keyed the same way.

Everything changed or worth a look is a :class:`LoadNote` in ``CityData.notes``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from kit.analysis.columns import as_datetime, as_key
from kit.analysis.errors import AnalysisError
from kit.analysis.service_requests import flag_duplicate_reports
from kit.course.keys import ExpressionError, evaluate_key, key_columns, parse_key
from kit.course.load_elections import load_precincts, load_results
from kit.course.load_steps import LoadNote, counts, missing_as_na, note, plain_text, require, source_name
from kit.course.profile import AreasRole, CityProfile, PopulationRole, RequestsRole, load_profile
from kit.course.schema import AREAS, POPULATION, REQUEST_COLUMNS
from kit.course.sources import ProfileDataError, read_source

__all__ = ["CityData", "LoadNote", "ProfileDataError", "load_city", "marked_duplicates", "read_source"]

_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")


@dataclass
class CityData:
    """A city's data in the kit's standard columns, and what loading it changed or counted."""

    profile: CityProfile
    service_requests: pd.DataFrame | None = None
    areas: object | None = None  # a geopandas.GeoDataFrame
    population: pd.DataFrame | None = None
    results: pd.DataFrame | None = None  # precinct results, wide (kit.course.load_elections)
    precincts: object | None = None  # precinct shapes, a GeoDataFrame
    notes: list[LoadNote] = field(default_factory=list)

    def notes_for(self, role: str) -> list[LoadNote]:
        """The notes about one role."""
        return [note for note in self.notes if note.role == role]


def load_city(profile: CityProfile | Path | str, *, refresh: bool = False) -> CityData:
    """Load every dataset role a city profile names, in the kit's standard columns.

    Parameters
    ----------
    profile
        A :class:`CityProfile`, or the path of its YAML file.
    refresh
        Fetch portal sources again even when the cache holds them.

    Returns
    -------
    CityData
        ``service_requests``, ``areas`` (a GeoDataFrame, WGS84), ``population``,
        ``results`` and ``precincts`` (None for a role the profile does not name),
        and ``notes``.

    Raises
    ------
    SpecError
        If the profile file has mistakes.
    ProfileDataError
        (a :class:`kit.errors.CourseError`) if the data does not read as the profile
        says -- a missing file or column, ambiguous dates, an unknown excluded area --
        naming the profile field to fix in ``.field`` and in its message.

    Examples
    --------
    >>> from kit.paths import checkout_root
    >>> city = load_city(checkout_root() / "cities" / "riverton.yaml")
    >>> city.service_requests["is_duplicate"].sum(), len(city.areas), city.population["population"].dtype
    (np.int64(147), 12, Int64Dtype())
    """
    if not isinstance(profile, CityProfile):
        profile = load_profile(Path(profile))
    city = CityData(profile=profile)
    if profile.service_requests is not None:
        city.service_requests = _load_requests(profile, profile.service_requests, city.notes, refresh)
    if profile.areas is not None:
        city.areas = _load_areas(profile, profile.areas, city.notes, refresh)
    if profile.population is not None:
        city.population = _load_population(profile, profile.population, city.notes, refresh)
    if profile.results is not None:
        city.results = load_results(profile, profile.results, city.notes, refresh)
    if profile.precincts is not None:
        city.precincts = load_precincts(profile, profile.precincts, city.notes, refresh)
    return city


# --- shared steps -----------------------------------------------------------------------------------


def _key(frame: pd.DataFrame, expression: str | None, column: str | None, field_name: str) -> pd.Series:
    """Area ids as text: a column's values as keys, or a key expression evaluated over columns."""
    if expression is None:
        return plain_text(as_key(frame[column]))
    try:
        return evaluate_key(expression, frame)
    except ExpressionError as exc:
        raise ProfileDataError(str(exc), field=field_name) from None


# --- service requests -------------------------------------------------------------------------------


def _rule_columns(spec: RequestsRole) -> list[tuple[str, str]]:
    wanted = [(f"service_requests.columns.{std}", col) for std, col in spec.columns.items()]
    for rule in ("duplicates", "area_code"):
        if getattr(spec, rule) is not None:
            wanted.append((f"service_requests.{rule}.column", getattr(spec, rule).column))
    return wanted


def _load_requests(profile: CityProfile, spec: RequestsRole, notes: list[LoadNote], refresh: bool) -> pd.DataFrame:
    raw = read_source(profile, spec.source, field="service_requests.source", refresh=refresh)
    require(raw, _rule_columns(spec), source_name(spec.source))
    text = missing_as_na(raw)
    frame = _standard_names(text, spec.columns)
    for column, kind in REQUEST_COLUMNS.items():
        if column in frame.columns and kind == "datetime":
            frame[column] = _dates(frame[column], spec, column, notes)
        elif column in frame.columns and kind == "number":
            frame[column] = _numbers(frame[column], column, notes)
    if {"created_date", "closed_date"} <= set(frame.columns):
        _closing_rules(frame, spec, notes)
    if spec.open_statuses and {"status", "closed_date"} <= set(frame.columns):
        _status_notes(frame, spec, notes)
    if spec.duplicates is not None:
        frame["is_duplicate"] = marked_duplicates(text[spec.duplicates.column], spec.duplicates.pattern)
        marked = int(frame["is_duplicate"].sum())
        note(notes, "service_requests", spec.duplicates.column, "duplicates", marked)
    if spec.area_code is not None:
        frame["area"] = _area_codes(text[spec.area_code.column], spec.area_code.pattern, notes)
    elif "area" in frame.columns:
        frame["area"] = plain_text(as_key(frame["area"]))
    if {"latitude", "longitude"} <= set(frame.columns):
        lacking = frame["latitude"].isna() | frame["longitude"].isna()
        note(notes, "service_requests", "latitude", "no_coordinates", int(lacking.sum()))
    return frame


def _standard_names(frame: pd.DataFrame, columns: dict[str, str]) -> pd.DataFrame:
    """The frame with each mapped city column under its standard name, in the file's order.

    A city column mapped to two standard names is copied; an unmapped city column
    that happens to carry a standard name the profile gives to another column
    keeps its values as ``<name>_city``.
    """
    first = {}
    for standard, city in columns.items():
        first.setdefault(city, standard)
    out = {}
    for column in frame.columns:
        if column in first:
            out[first[column]] = frame[column]
        elif column in columns:
            out[f"{column}_city"] = frame[column]
        else:
            out[column] = frame[column]
    for standard, city in columns.items():
        if standard not in out:
            out[standard] = frame[city]
    return pd.DataFrame(out, index=frame.index)


def _dates(values: pd.Series, spec: RequestsRole, column: str, notes: list[LoadNote]) -> pd.Series:
    """A date column read as the profile says; values that are not dates are missing and counted."""
    fmt, dayfirst = spec.dates.format, spec.dates.dayfirst
    iso = pd.to_datetime(values, format="ISO8601", errors="coerce")
    if fmt is None and iso.notna().sum() == values.notna().sum():
        return iso
    loose = pd.to_datetime(values, format=fmt or "mixed", dayfirst=bool(dayfirst), errors="coerce")
    bad = values.notna() & loose.isna()
    if bad.any():
        note(notes, "service_requests", column, "not_a_date", int(bad.sum()), str(values[bad].iloc[0]))
    try:
        return as_datetime(values.mask(bad).to_frame(column), column, "service requests", format=fmt, dayfirst=dayfirst)
    except AnalysisError as exc:
        raise ProfileDataError(
            exc.message,
            field=f"service_requests.dates.{'format' if fmt else 'dayfirst'}",
            hint="set dates.dayfirst (true when 05/03/2025 means 5 March) or dates.format, e.g. '%d/%m/%Y'",
        ) from None


def _numbers(values: pd.Series, column: str, notes: list[LoadNote]) -> pd.Series:
    number = pd.to_numeric(values.astype("str").str.strip().where(values.notna()), errors="coerce")
    bad = values.notna() & number.isna()
    if bad.any():
        note(notes, "service_requests", column, "not_a_number", int(bad.sum()), str(values[bad].iloc[0]))
    return number.astype("float64")


def _closing_rules(frame: pd.DataFrame, spec: RequestsRole, notes: list[LoadNote]) -> None:
    """Sentinel closed dates and closed-before-created become missing, counted; zero-day closures counted."""
    created, closed = frame["created_date"], frame["closed_date"]
    if spec.closed_sentinels:
        sentinels = [pd.Timestamp(day) for day in spec.closed_sentinels]
        sentinel = closed.dt.normalize().isin(sentinels)
        example = str(closed[sentinel].iloc[0].date()) if sentinel.any() else None
        note(notes, "service_requests", "closed_date", "sentinel_closed", int(sentinel.sum()), example)
        closed = closed.mask(sentinel)
    negative = closed < created
    example = None
    if negative.any():
        first = negative.idxmax()
        example = f"created {created[first]}, closed {closed[first]}"
    note(notes, "service_requests", "closed_date", "negative_duration", int(negative.sum()), example)
    frame["closed_date"] = closed.mask(negative)
    zero = int((frame["closed_date"] == created).sum())
    note(notes, "service_requests", "closed_date", "zero_day_closures", zero)


def _status_notes(frame: pd.DataFrame, spec: RequestsRole, notes: list[LoadNote]) -> None:
    """Open statuses with a closed date, closed statuses without one (counted, not changed)."""
    status = frame["status"].astype("string").str.strip()
    is_open = status.str.casefold().isin({s.strip().casefold() for s in spec.open_statuses}).fillna(False)
    closed = frame["closed_date"].notna()
    for what, rows in (("open_with_closed_date", is_open & closed), ("closed_without_date", ~is_open & ~closed)):
        example = str(status[rows].iloc[0]) if rows.any() else None
        note(notes, "service_requests", "status", what, int(rows.sum()), example)


def marked_duplicates(values: pd.Series, pattern: str) -> pd.Series:
    """True where the pattern is found in the value (case-insensitive); False where it is empty."""
    marked = flag_duplicate_reports(values.to_frame("value"), column="value", pattern=pattern, regex=True)
    return marked["is_duplicate"]


def _area_codes(values: pd.Series, pattern: str, notes: list[LoadNote]) -> pd.Series:
    """The area id each text code names: the pattern's first group (or whole match), as a key."""
    compiled = re.compile(pattern, re.IGNORECASE)
    if compiled.groups == 0:
        compiled = re.compile(f"({pattern})", re.IGNORECASE)
    found = values.astype("string").str.extract(compiled, expand=True)[0]
    unmatched = values.notna() & found.isna()
    example = str(values[unmatched].iloc[0]) if unmatched.any() else None
    note(notes, "service_requests", values.name, "area_code_unmatched", int(unmatched.sum()), example)
    return plain_text(as_key(found))


# --- areas --------------------------------------------------------------------------------------------


def _load_areas(profile: CityProfile, spec: AreasRole, notes: list[LoadNote], refresh: bool):
    raw = read_source(profile, spec.source, field="areas.source", refresh=refresh)
    wanted = [(f"areas.columns.{role}", column) for role, column in spec.columns.items()]
    if spec.key is not None:
        wanted += [("areas.key", column) for column in sorted(key_columns(parse_key(spec.key)))]
    if spec.label is not None:
        wanted += [("areas.label", column) for column in _PLACEHOLDER.findall(spec.label)]
    require(raw, wanted, source_name(spec.source))
    frame = missing_as_na(raw)
    ids = _key(frame, spec.key, spec.columns.get("area_id"), "areas.key")
    names = _label(frame, spec.label) if spec.label else None
    frame = frame.rename(columns={column: AREAS[role] for role, column in spec.columns.items()})
    if spec.key is not None:
        frame.insert(0, "area_numbe", ids)
    else:
        frame["area_numbe"] = ids
    if names is not None:
        frame.insert(1, "community", names)
    elif "community" not in frame.columns:
        frame.insert(1, "community", ids)
    lacking = frame["area_numbe"].isna()
    if lacking.any():
        note(notes, "areas", "area_numbe", "areas_without_id", int(lacking.sum()))
        frame = frame[~lacking]
    return _exclude(frame, spec.exclude, notes)


def _label(frame: pd.DataFrame, template: str) -> pd.Series:
    """Each area's name written from the template: ``{column}`` is that column's value."""
    parts = _PLACEHOLDER.split(template)  # literal, column, literal, column, …
    label = pd.Series("", index=frame.index, dtype=object)
    for i, part in enumerate(parts):
        label = label + (frame[part].fillna("").astype(str) if i % 2 else part)
    return label.str.strip()


def _exclude(frame, exclude: list, notes: list[LoadNote]):
    """Leave out the areas the profile excludes, each matched by id or by name."""
    if not exclude:
        return frame
    ids = frame["area_numbe"].astype(str)
    names = frame["community"].astype(str).str.strip().str.casefold()
    drop = pd.Series(False, index=frame.index)
    for i, item in enumerate(exclude):
        key = as_key(pd.Series([item])).iloc[0]
        match = (ids == key) | (names == str(item).strip().casefold())
        if not match.any():
            known = ", ".join(f"{a} ({n})" for a, n in zip(frame["area_numbe"], frame["community"], strict=True))
            raise ProfileDataError(
                f"no area has the id or name {item!r}; areas: {known}",
                field=f"areas.exclude[{i}]",
                hint="write an area's id or its name as the areas file has it",
            )
        drop |= match
    left_out = ", ".join(frame.loc[drop, "community"].astype(str))
    note(notes, "areas", "community", "excluded_areas", int(drop.sum()), left_out)
    return frame[~drop]


# --- population ---------------------------------------------------------------------------------------


def _load_population(profile: CityProfile, spec: PopulationRole, notes: list[LoadNote], refresh: bool):
    raw = read_source(profile, spec.source, field="population.source", refresh=refresh)
    wanted = [(f"population.columns.{role}", column) for role, column in spec.columns.items()]
    if spec.key is not None:
        wanted += [("population.key", column) for column in sorted(key_columns(parse_key(spec.key)))]
    require(raw, wanted, source_name(spec.source))
    frame = missing_as_na(raw)
    ids = _key(frame, spec.key, spec.columns.get("area_id"), "population.key")
    frame = frame.rename(columns={column: POPULATION[role] for role, column in spec.columns.items()})
    if spec.key is not None:
        frame.insert(0, "community_area", ids)
    else:
        frame["community_area"] = ids
    frame["population"] = counts(frame["population"], "population.columns.population", notes)
    if "year" in frame.columns:
        frame["year"] = counts(frame["year"], "population.columns.year", notes)
    elif spec.year is not None:
        frame["year"] = pd.array([spec.year] * len(frame), dtype="Int64")
    else:
        frame["year"] = pd.array([pd.NA] * len(frame), dtype="Int64")
        note(notes, "population", "year", "no_year", 0)
    return frame
