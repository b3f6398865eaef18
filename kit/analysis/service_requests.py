"""311 service requests: the steps a campaign runs to turn an export into evidence.

Module 3 teaches these steps on Riverton's bundled data; a city runs the same
steps on its own export. Every function takes the names of the columns it uses
as keyword arguments, with defaults from the NYC 311 schema (``erm2-nwe9``) and
the Chicago community-areas boundary export (``igwz-8jzy``), so a city whose
export spells them differently passes its own names. Each function returns a
new table and leaves its input untouched.

The steps, in the order a campaign usually runs them:

1. :func:`normalize_complaint_types` -- one spelling per request type.
2. :func:`drop_repeated_rows` -- the same record exported twice.
3. :func:`flag_duplicate_reports` -- a second report of a condition already reported.
4. :func:`assign_areas` -- which neighborhood each request is in (a spatial join);
   requests without coordinates are labelled, never dropped.
5. :func:`count_by_area` and :func:`rate_per_1000` -- counts, and counts per
   1,000 residents.
6. :func:`add_days_to_close` and :func:`median_days_to_close` -- how long the
   city takes to respond; open requests are left out and counted.
7. :func:`monthly_counts` -- requests per month, for a trend line.
"""

from __future__ import annotations

import json
import re
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from kit.analysis.columns import as_datetime, as_key, require_columns
from kit.analysis.errors import AnalysisError, JoinError, ZeroDayClosuresWarning

if TYPE_CHECKING:  # imported where used: geopandas takes a while to import
    import geopandas

__all__ = [
    "IN_AREA",
    "NO_COORDINATES",
    "OUTSIDE_AREAS",
    "ZERO_DAY_SHARE",
    "add_days_to_close",
    "assign_areas",
    "count_by_area",
    "drop_repeated_rows",
    "flag_duplicate_reports",
    "median_days_to_close",
    "monthly_counts",
    "normalize_complaint_types",
    "rate_per_1000",
]

# What assign_areas writes in its ``location_status`` column.
IN_AREA = "in area"
NO_COORDINATES = "no coordinates"
OUTSIDE_AREAS = "outside areas"

_CASES = {"upper": str.upper, "lower": str.lower, "title": str.title}
_WHITESPACE = re.compile(r"\s+")
_SECONDS_PER_DAY = 86_400


# --- helpers -------------------------------------------------------------------------------------


def _natural_order(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    """Sort by an id column so that "2" comes before "10"."""
    key = as_key(frame[column])
    number = pd.to_numeric(key, errors="coerce")
    order = pd.DataFrame({"n": number, "t": key}, index=frame.index).sort_values(["n", "t"], na_position="last")
    return frame.loc[order.index].reset_index(drop=True)


def _as_number(frame: pd.DataFrame, column: str) -> pd.Series:
    """Coordinates as floats; empty or unreadable values become missing."""
    return pd.to_numeric(frame[column], errors="coerce").astype("float64")


# --- cleaning ------------------------------------------------------------------------------------


def normalize_complaint_types(
    requests: pd.DataFrame, *, column: str = "complaint_type", case: str = "upper"
) -> pd.DataFrame:
    """Give every request type one spelling: trimmed, single spaces, one case.

    Several intake systems (phone, web, app) feed the same 311 table, so the same
    type arrives as ``HEAT/HOT WATER``, ``heat/hot water`` and ``Heat/Hot Water``.
    Counted as they are, one problem looks like three smaller ones.

    Parameters
    ----------
    requests
        Service requests, one row per request.
    column
        The request-type column (NYC: ``complaint_type``; Chicago: ``sr_type``).
    case
        ``"upper"`` (the default, safe for acronyms), ``"lower"`` or ``"title"``.

    Returns
    -------
    pandas.DataFrame
        A copy of ``requests`` with ``column`` rewritten. Missing values stay missing.

    Raises
    ------
    MissingColumnError
        If ``requests`` has no ``column``.

    Examples
    --------
    >>> import kit
    >>> requests = kit.load_dataset("service_requests")
    >>> requests["complaint_type"].nunique()
    36
    >>> clean = normalize_complaint_types(requests)
    >>> clean["complaint_type"].nunique()
    12
    >>> int((clean["complaint_type"] == "HEAT/HOT WATER").sum())
    604
    """
    require_columns(requests, {column: "column"}, "service requests")
    if case not in _CASES:
        raise AnalysisError(f"unknown case {case!r}", hint="use 'upper', 'lower' or 'title'")
    change = _CASES[case]
    result = requests.copy()
    values = result[column]
    present = values.notna()
    cleaned = values[present].astype(str).map(lambda text: change(_WHITESPACE.sub(" ", text).strip()))
    result[column] = values.where(~present, cleaned)
    return result


def drop_repeated_rows(requests: pd.DataFrame) -> pd.DataFrame:
    """Remove rows that repeat an earlier row exactly, in every column.

    An export glitch can write the same record twice. Such a row is the same
    request, not a second report: drop it before counting. (A *duplicate report*
    is different: a new request about a condition someone already reported; see
    :func:`flag_duplicate_reports`.)

    Parameters
    ----------
    requests
        Service requests, one row per request.

    Returns
    -------
    pandas.DataFrame
        The first copy of every row, in the original order, with the original index.

    Nested values, as a SODA JSON page holds them (a ``location`` dict, a list,
    a set), are compared by their JSON text with sorted keys, so two copies of
    the same record match whatever order their keys arrived in; a column of
    such values never stops the step.

    Examples
    --------
    >>> import kit
    >>> requests = kit.load_dataset("service_requests")
    >>> len(requests) - len(drop_repeated_rows(requests))
    12
    >>> soda = pd.DataFrame({"unique_key": ["1", "1"], "location": [{"latitude": "41.6"}, {"latitude": "41.6"}]})
    >>> len(drop_repeated_rows(soda))
    1
    >>> len(drop_repeated_rows(pd.DataFrame({"tags": [{"b", "a"}, {"a", "b"}, ["a"]]})))
    2
    """
    repeated = _comparable(requests).duplicated(keep="first")
    return requests[~repeated]


def _comparable(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every unhashable value (dict, list, set, array) replaced by its JSON text."""
    nested = [c for c in frame.columns if frame[c].dtype == object and frame[c].map(_is_nested).any()]
    if not nested:
        return frame
    result = frame.copy()
    for column in nested:
        result[column] = frame[column].map(_json_text)
    return result


def _is_nested(value: object) -> bool:
    """True for values ``duplicated`` cannot compare: anything unhashable (a tuple holding a list too)."""
    try:
        hash(value)
    except TypeError:
        return True
    return False


def _plain(value: object) -> object:
    """``value`` as JSON can write it, in one order: sets sorted, arrays as lists."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, set | frozenset):
        return sorted((_plain(v) for v in value), key=repr)
    if isinstance(value, list | tuple | np.ndarray):
        return [_plain(v) for v in value]
    return value


def _json_text(value: object) -> object:
    return json.dumps(_plain(value), sort_keys=True, default=str) if _is_nested(value) else value


def flag_duplicate_reports(
    requests: pd.DataFrame,
    *,
    column: str = "resolution_description",
    pattern: str = "duplicate",
    flag: str = "is_duplicate",
    regex: bool = False,
) -> pd.DataFrame:
    """Mark requests that the city itself closed as a duplicate of an earlier report.

    When three neighbors call about the same broken street light, the city opens
    three requests and closes two as duplicates. Counting all three overstates
    how many problems there were (though it does show how many people cared).

    Parameters
    ----------
    requests
        Service requests, one row per request.
    column
        The column that says a request is a duplicate. NYC writes it in
        ``resolution_description``; Chicago in ``status`` (``"Completed - Dup"``,
        pass ``pattern="dup"``) or in a true/false ``duplicate`` column
        (pass ``pattern="true"``).
    pattern
        Text that marks a duplicate in ``column``; matched anywhere in the value,
        ignoring case (``"dup"`` matches ``"Completed - Dup"``).
    flag
        Name of the True/False column to add.
    regex
        Read ``pattern`` as a regular expression (a city profile's ``duplicates.pattern``,
        e.g. ``"- Dup$"``), still ignoring case.

    Returns
    -------
    pandas.DataFrame
        A copy of ``requests`` with a ``flag`` column: True for duplicate reports.

    Raises
    ------
    MissingColumnError
        If ``requests`` has no ``column``.

    Examples
    --------
    >>> import kit
    >>> requests = kit.load_dataset("service_requests")
    >>> flagged = flag_duplicate_reports(requests)
    >>> int(flagged["is_duplicate"].sum())
    147
    >>> originals = flagged[~flagged["is_duplicate"]]
    """
    require_columns(requests, {column: "column"}, "service requests")
    result = requests.copy()
    values = result[column].astype("string")
    result[flag] = values.str.contains(pattern, case=False, regex=regex).fillna(False).astype(bool)
    return result


# --- where ---------------------------------------------------------------------------------------


def assign_areas(
    requests: pd.DataFrame,
    areas,
    *,
    latitude: str = "latitude",
    longitude: str = "longitude",
    area_id: str = "area_numbe",
    area_name: str | None = "community",
    status: str = "location_status",
    crs: str = "EPSG:4326",
) -> pd.DataFrame:
    """Find the area (neighborhood, community area, ward...) each request falls in.

    311 exports give each request a point (latitude, longitude), not the
    neighborhood a campaign cares about. A *spatial join* asks, for every point,
    which polygon it lies in. Requests without coordinates, and points outside
    every polygon, are kept and labelled in a status column, so they can be
    counted and reported instead of silently disappearing.

    Parameters
    ----------
    requests
        Service requests, one row per request.
    areas : geopandas.GeoDataFrame
        The area polygons, such as ``kit.load_dataset("neighborhoods")`` or a
        city's community-areas export. Without a CRS they are taken as WGS84
        longitude/latitude, as GeoJSON files are.
    latitude, longitude
        The coordinate columns of ``requests`` (Chicago: ``Latitude``,
        ``Longitude``). Text is read as numbers; empty values count as missing.
    area_id, area_name
        Columns of ``areas`` to copy onto each request: the area's id (the join
        key for population) and, unless None, its name.
    status
        Name of the column to add that says how each request was placed:
        ``"in area"``, ``"no coordinates"`` or ``"outside areas"``.
    crs
        The coordinate system of ``latitude``/``longitude``; WGS84 unless your
        export says otherwise.

    Returns
    -------
    pandas.DataFrame
        A copy of ``requests`` (same rows, same order, same index) with
        ``area_id``, ``area_name`` and ``status`` columns. Requests not in any
        area have a missing area. A point on the border between two areas goes
        to the first of them in ``areas``.

    Raises
    ------
    MissingColumnError
        If a coordinate column or an area column is missing.
    AnalysisError
        If ``areas`` is not a GeoDataFrame, if ``requests`` already has a column
        the join would overwrite, or if requests have coordinates but none falls
        in any area (latitude and longitude swapped, or another city's map).

    Examples
    --------
    >>> import kit
    >>> requests = kit.load_dataset("service_requests")
    >>> neighborhoods = kit.load_dataset("neighborhoods")
    >>> located = assign_areas(requests, neighborhoods)
    >>> located["location_status"].value_counts()
    location_status
    in area           4415
    no coordinates     280
    Name: count, dtype: int64
    >>> located[["unique_key", "area_numbe", "community"]].head(3)
      unique_key area_numbe  community
    0   60174186          2  IRONWORKS
    1   60969723         12  NORTHGATE
    2   60136057          2  IRONWORKS
    """
    copied = _check_area_inputs(requests, areas, latitude, longitude, area_id, area_name, status)
    lat, lon = _as_number(requests, latitude), _as_number(requests, longitude)
    has_point = (lat.notna() & lon.notna()).to_numpy()
    points = _request_points(lat, lon, has_point, crs)
    joined = _first_area_of_each_point(points, _area_polygons(areas, copied))
    return _copy_areas(requests, joined, copied, has_point, status)


def _check_area_inputs(
    requests: pd.DataFrame,
    areas: geopandas.GeoDataFrame,
    latitude: str,
    longitude: str,
    area_id: str,
    area_name: str | None,
    status: str,
) -> list[str]:
    """The columns to copy from the polygons to each request, once both tables are checked."""
    import geopandas

    if not isinstance(areas, geopandas.GeoDataFrame):
        raise AnalysisError(
            "areas must be polygons (a GeoDataFrame), not a plain table",
            hint='load them with kit.load_dataset("neighborhoods") or geopandas.read_file',
        )
    require_columns(requests, {latitude: "latitude", longitude: "longitude"}, "service requests")
    copied = [area_id] + ([area_name] if area_name is not None else [])
    require_columns(areas, dict(zip(copied, ("area_id", "area_name"))), "areas")
    clash = [c for c in copied + [status] if c in requests.columns]
    if clash:
        raise AnalysisError(
            f"the service requests table already has a column '{clash[0]}'",
            hint="rename or drop it first, or pick another name with area_id=, area_name= or status=",
        )
    return copied


def _request_points(lat: pd.Series, lon: pd.Series, has_point: np.ndarray, crs: str) -> geopandas.GeoDataFrame:
    """The requests that have coordinates as points, each with its row number in ``_row``."""
    import geopandas

    return geopandas.GeoDataFrame(
        {"_row": np.flatnonzero(has_point)},
        geometry=geopandas.points_from_xy(lon.to_numpy()[has_point], lat.to_numpy()[has_point]),
        crs=crs,
    )


def _area_polygons(areas: geopandas.GeoDataFrame, copied: list[str]) -> geopandas.GeoDataFrame:
    """The polygons with only the columns to copy, and their order in ``_order``; no CRS means WGS84."""
    import geopandas

    polygons = geopandas.GeoDataFrame(
        {c: areas[c].to_numpy() for c in copied}, geometry=areas.geometry.to_numpy(), crs=areas.crs or "EPSG:4326"
    )
    polygons["_order"] = np.arange(len(polygons))
    return polygons


def _first_area_of_each_point(points: geopandas.GeoDataFrame, polygons: geopandas.GeoDataFrame) -> pd.DataFrame:
    """The spatial join: one row per point inside an area, with the first area it touches."""
    import geopandas

    joined = geopandas.sjoin(points, polygons.to_crs(points.crs), how="inner", predicate="intersects")
    # a point on a shared border touches two polygons: keep the first, so no request is counted twice
    joined = joined.sort_values(["_row", "_order"]).drop_duplicates("_row")
    if len(points) and joined.empty:
        raise AnalysisError(
            f"none of the {len(points)} requests with coordinates falls inside any area",
            hint="are latitude and longitude swapped, or are the areas another city's map?",
        )
    return joined


def _copy_areas(
    requests: pd.DataFrame, joined: pd.DataFrame, copied: list[str], has_point: np.ndarray, status: str
) -> pd.DataFrame:
    """A copy of ``requests`` with the joined area columns (missing where none) and each row's status."""
    result = requests.copy()
    rows = joined["_row"].to_numpy()
    for column in copied:
        values = joined[column]
        if pd.api.types.is_integer_dtype(values.dtype):
            values = values.astype("Int64")  # whole numbers that can be missing
        spread = pd.Series(values.array, index=rows).reindex(pd.RangeIndex(len(requests)))
        result[column] = spread.set_axis(result.index)
    placed = np.full(len(requests), OUTSIDE_AREAS, dtype=object)
    placed[~has_point] = NO_COORDINATES
    placed[rows] = IN_AREA
    result[status] = placed
    return result


def count_by_area(
    located: pd.DataFrame,
    areas: pd.DataFrame | None = None,
    *,
    area_id: str = "area_numbe",
    area_name: str | None = "community",
    count: str = "requests",
) -> pd.DataFrame:
    """Count requests in each area.

    Parameters
    ----------
    located
        Requests with an area column, as :func:`assign_areas` returns them (or an
        export's own area column, such as Chicago's ``community_area``). Requests
        with no area are not counted: count them from the status column.
    areas
        Optional: the area table (polygons or plain). Given, every area gets a
        row -- those with no requests show 0 -- and names come from it.
    area_id
        The area column (the same name in ``located`` and ``areas``).
    area_name
        The area-name column, shown next to the id when present; None to leave out.
    count
        Name of the count column.

    Returns
    -------
    pandas.DataFrame
        One row per area, in area-number order: ``area_id``, ``area_name`` (when
        available) and ``count``.

    Raises
    ------
    MissingColumnError
        If ``located`` (or ``areas``) has no ``area_id`` column.
    JoinError
        If ``located`` has areas that ``areas`` does not know.

    Examples
    --------
    >>> import kit
    >>> neighborhoods = kit.load_dataset("neighborhoods")
    >>> located = assign_areas(kit.load_dataset("service_requests"), neighborhoods)
    >>> counts = count_by_area(located, neighborhoods)
    >>> counts.head(3)
      area_numbe   community  requests
    0          1   WESTBROOK       199
    1          2   IRONWORKS       436
    2          3  SOUTHFIELD       513
    >>> int(counts["requests"].sum())
    4415
    """
    require_columns(located, {area_id: "area_id"}, "located requests")
    keys = as_key(located[area_id])
    tally = keys.dropna().value_counts()
    if areas is not None:
        names = area_name if area_name is not None and area_name in areas.columns else None
        require_columns(areas, {area_id: "area_id"}, "areas")
        table = pd.DataFrame({c: areas[c].to_numpy() for c in [area_id] + ([names] if names else [])})
        area_keys = as_key(table[area_id])
        unknown = sorted(set(tally.index) - set(area_keys.dropna()))
        if unknown:
            raise JoinError(
                f"{int(tally[unknown].sum())} requests are in areas the area table does not have: "
                + ", ".join(map(repr, unknown[:10])),
                keys=unknown,
                hint="count them apart, or use the area table that produced the area column",
            )
        table[count] = area_keys.map(tally).fillna(0).astype("int64").to_numpy()
    else:
        first = ~keys.isna() & ~keys.duplicated()
        table = pd.DataFrame({area_id: located.loc[first.to_numpy(), area_id].to_numpy()})
        if area_name is not None and area_name in located.columns:
            table[area_name] = located.loc[first.to_numpy(), area_name].to_numpy()
        table[count] = as_key(table[area_id]).map(tally).astype("int64").to_numpy()
    return _natural_order(table, area_id)


def rate_per_1000(
    counts: pd.DataFrame,
    population: pd.DataFrame,
    *,
    area_id: str | Sequence[str] = "area_numbe",
    population_area: str | Sequence[str] = "community_area",
    population_column: str = "population",
    count: str = "requests",
    rate: str = "per_1000",
    on_missing: str = "raise",
    exclude: Iterable[object] | None = None,
    area_name: str | None = "community",
) -> pd.DataFrame:
    """Requests per 1,000 residents of each area: fair comparisons between areas of different sizes.

    A big neighborhood makes more calls simply because more people live there.
    Dividing by population (and multiplying by 1,000) puts areas on the same footing.

    The join key is often text on one side and a number on the other (Chicago's
    boundary export writes ``"35"``; a census table may hold ``35`` or ``"035"``).
    Both sides are cast to the same text form before joining.

    Parameters
    ----------
    counts
        One row per area with a count, as :func:`count_by_area` returns it.
    population
        One row per area with its population.
    area_id
        The area column of ``counts``, or a list of columns for a composite key
        (a borough and a district number).
    population_area
        The area column of ``population``, or a list of as many columns as ``area_id``.
    population_column
        The residents column of ``population``.
    count
        The count column of ``counts``.
    rate
        Name of the rate column to add.
    on_missing
        What to do with an area of ``counts`` that ``population`` lacks:
        ``"raise"`` (the default) stops with a :class:`JoinError`; ``"nan"`` keeps
        it with no population and no rate; ``"drop"`` leaves it out.
    exclude
        Areas to leave out before joining, by id (a tuple for a composite key)
        or by name (in ``area_name``, any case): parks, airports and other
        areas where nobody lives.
    area_name
        The name column of ``counts`` that ``exclude`` may use.

    Returns
    -------
    pandas.DataFrame
        ``counts`` with a ``population_column`` and a ``rate`` column, in the same
        order, without excluded (or, with ``on_missing="drop"``, unmatched)
        areas. ``.attrs["excluded_areas"]`` and ``.attrs["no_population"]`` list
        the keys left out or left without population.

    Raises
    ------
    MissingColumnError
        If a key, count or population column is missing.
    JoinError
        If an area appears more than once in ``population`` (several years? keep
        one), or, with ``on_missing="raise"``, if an area of ``counts`` has no
        population: the hint shows keys from both sides.

    Examples
    --------
    >>> import kit
    >>> neighborhoods = kit.load_dataset("neighborhoods")
    >>> located = assign_areas(kit.load_dataset("service_requests"), neighborhoods)
    >>> rates = rate_per_1000(count_by_area(located, neighborhoods), kit.load_dataset("neighborhood_population"))
    >>> rates.round(1).head(3)
      area_numbe   community  requests  population  per_1000
    0          1   WESTBROOK       199       11440      17.4
    1          2   IRONWORKS       436       13960      31.2
    2          3  SOUTHFIELD       513       18620      27.6

    A composite key, and a park with no residents left out:

    >>> counts = pd.DataFrame({"borough": [1, 1, 2], "district": [1, 2, 1], "requests": [10, 4, 6]})
    >>> people = pd.DataFrame({"boro": ["1", "2"], "cd": ["01", "01"], "population": [5000, 2000]})
    >>> keys = {"area_id": ["borough", "district"], "population_area": ["boro", "cd"]}
    >>> rate_per_1000(counts, people, exclude=[(1, 2)], **keys)
       borough  district  requests  population  per_1000
    0        1         1        10        5000       2.0
    2        2         1         6        2000       3.0
    """
    ids, pop_ids = _key_list(area_id), _key_list(population_area)
    _check_rate_arguments(counts, population, ids, pop_ids, population_column, count, on_missing)
    keys, pop_keys = _joined_keys(counts, ids), _joined_keys(population, pop_ids)
    repeated = sorted(set(pop_keys[pop_keys.duplicated() & pop_keys.notna()]))
    if repeated:
        raise JoinError(
            f"the population table has more than one row for area {repeated[0]!r}",
            keys=repeated,
            hint="keep one row per area (one year, one source) before joining",
        )
    residents = pd.Series(pd.to_numeric(population[population_column]).to_numpy(), index=pop_keys.to_numpy())
    excluded = _excluded(counts, keys, exclude, area_name)
    missing = sorted(set(keys[~excluded].dropna()) - set(residents.index))
    if missing and on_missing == "raise":
        raise _no_population(missing, residents.index, ids, pop_ids)
    dropped = keys.isin(missing) if on_missing == "drop" else pd.Series(False, index=keys.index)
    keep = ~excluded & ~dropped
    result = counts[keep.to_numpy()].copy()
    result[population_column] = keys[keep].map(residents).to_numpy()
    people = pd.to_numeric(result[population_column]).astype("float64")
    result[rate] = (result[count].astype("float64") / people.where(people > 0) * 1000).to_numpy()
    result.attrs["excluded_areas"] = sorted(set(keys[excluded].dropna()))
    result.attrs["no_population"] = missing
    return result


def _key_list(columns: str | Sequence[str]) -> list[str]:
    return [columns] if isinstance(columns, str) else list(columns)


def _check_rate_arguments(counts, population, ids, pop_ids, population_column, count, on_missing) -> None:
    """The columns and options :func:`rate_per_1000` needs, each checked with a hint."""
    if on_missing not in ("raise", "nan", "drop"):
        raise AnalysisError(f"unknown on_missing {on_missing!r}", hint="use 'raise', 'nan' or 'drop'")
    if len(ids) != len(pop_ids):
        raise AnalysisError(
            f"area_id names {len(ids)} column(s) but population_area {len(pop_ids)}",
            hint="a composite key needs the same parts on both sides, in the same order",
        )
    require_columns(counts, dict.fromkeys(ids, "area_id") | {count: "count"}, "counts")
    require_columns(
        population, dict.fromkeys(pop_ids, "population_area") | {population_column: "population_column"}, "population"
    )


def _joined_keys(frame: pd.DataFrame, columns: list[str]) -> pd.Series:
    """One text key per row: the key column as :func:`as_key` writes it, or the parts joined by ``" | "``."""
    parts = [as_key(frame[c]).reset_index(drop=True) for c in columns]
    return parts[0].str.cat(parts[1:], sep=" | ") if len(parts) > 1 else parts[0]


def _excluded(counts: pd.DataFrame, keys: pd.Series, exclude, area_name: str | None) -> pd.Series:
    """True for the rows of ``counts`` that ``exclude`` names, by key or by area name."""
    if not exclude:
        return pd.Series(False, index=keys.index)
    items = list(exclude)
    as_keys = [
        " | ".join(as_key(pd.Series(list(i), dtype=object)).tolist()) if isinstance(i, tuple | list) else i
        for i in items
    ]
    wanted = set(as_key(pd.Series(as_keys, dtype=object)).dropna())
    hit = keys.isin(wanted)
    if area_name is not None and area_name in counts.columns:
        names = {str(i).strip().upper() for i in items}
        hit |= counts[area_name].astype("string").str.strip().str.upper().isin(names).fillna(False).to_numpy()
    return hit


def _no_population(missing: list[str], known: pd.Index, ids: list[str], pop_ids: list[str]) -> JoinError:
    """The error for areas of the counts that the population table lacks: examples from both sides."""
    theirs = ", ".join(repr(k) for k in list(dict.fromkeys(known.dropna()))[:4])
    ours = ", ".join(repr(k) for k in missing[:4])
    left = ids[0] if len(ids) == 1 else ids
    right = pop_ids[0] if len(pop_ids) == 1 else pop_ids
    return JoinError(
        f"no population for area {missing[0]!r} ({len(missing)} area(s) in all)",
        keys=missing,
        hint=(
            f"the counts' {left!r} holds {ours}, which the population's {right!r} ({theirs}, ...) lacks: "
            "make both hold the same codes (or pass population_area= the right column), "
            "exclude=[...] areas where nobody lives (parks, airports), or on_missing='nan' or 'drop'"
        ),
    )


# --- how fast --------------------------------------------------------------------------------------

ZERO_DAY_SHARE = 0.3  # median_days_to_close warns when at least this share of closures took no time at all
_BEFORE_SENTINELS = pd.Timestamp("1970-01-01")


@dataclass
class _Timing:
    """Days to close each request, and why some of them cannot be trusted."""

    start: pd.Series  # created, NaT where missing or a sentinel
    end: pd.Series  # closed, NaT where open or a sentinel (a placeholder is not a close date)
    days: pd.Series  # end - start in days: NaN when open, a sentinel, or closed before created
    raw_days: pd.Series  # closed - created as written
    sentinel: pd.Series  # a sentinel date in either column
    negative: pd.Series  # closed before created (sentinels aside)


def _is_sentinel(dates: pd.Series, sentinels: Iterable[object] | None) -> pd.Series:
    """True for placeholder dates: any date before 1970 by default, else the dates listed (any time of day)."""
    if dates.dt.tz is not None:
        dates = dates.dt.tz_localize(None)
    if sentinels is None:
        return (dates < _BEFORE_SENTINELS).fillna(False)
    listed = pd.to_datetime(pd.Series(list(sentinels), dtype=object), format="mixed").dt.normalize()
    return dates.dt.normalize().isin(set(listed)).fillna(False)


def _timing(requests: pd.DataFrame, created: str, closed: str, sentinels, date_format, dayfirst) -> _Timing:
    options = {"format": date_format, "dayfirst": dayfirst}
    start = as_datetime(requests, created, "service requests", **options)
    end = as_datetime(requests, closed, "service requests", **options)
    raw_days = ((end - start).dt.total_seconds() / _SECONDS_PER_DAY).astype("float64")
    start_bad, end_bad = _is_sentinel(start, sentinels), _is_sentinel(end, sentinels)
    start, end = start.mask(start_bad), end.mask(end_bad)
    days = ((end - start).dt.total_seconds() / _SECONDS_PER_DAY).astype("float64")
    negative = (days < 0).fillna(False)
    return _Timing(start, end, days.mask(negative), raw_days, start_bad | end_bad, negative)


def add_days_to_close(
    requests: pd.DataFrame,
    *,
    created: str = "created_date",
    closed: str = "closed_date",
    days: str = "days_to_close",
    invalid: str = "nan",
    sentinels: Iterable[object] | None = None,
    date_format: str | None = None,
    dayfirst: bool | None = None,
) -> pd.DataFrame:
    """Add how many days each request took to close (fractions of a day included).

    Two kinds of close date cannot be trusted: a *sentinel*, a placeholder
    such as ``1900-01-01`` that some systems write for "not closed yet"
    (−40,977 days to close!), and a close date *before* the request was
    created (a data-entry error). By default both become missing days, and
    are counted in ``.attrs["invalid_days"]``.

    Parameters
    ----------
    requests
        Service requests, one row per request.
    created, closed
        The date columns (Chicago: ``created_date``/``closed_date``; older
        exports ``Creation_Date``/``Completion_Date``). Text dates are parsed.
    days
        Name of the column to add.
    invalid
        ``"nan"`` (the default): untrustworthy days are missing; ``"keep"``:
        keep them as computed (still counted); ``"raise"``: stop with an error.
    sentinels
        The placeholder dates (in either column), such as ``["1900-01-01"]``;
        by default any date before 1970.
    date_format, dayfirst
        How to read text dates, as in :func:`kit.analysis.columns.as_datetime`
        (``format``, ``dayfirst``): needed when a date such as ``05/03/2025``
        reads both ways.

    Returns
    -------
    pandas.DataFrame
        A copy of ``requests`` with ``days``: missing for open requests (no
        close date yet), which took *at least* this long and are not zero-day
        closures, and for invalid ones. ``.attrs["invalid_days"]`` counts those:
        ``{"sentinel_date": ..., "closed_before_created": ...}``.

    Raises
    ------
    MissingColumnError
        If a date column is missing.
    AnalysisError
        If a date column holds values that are not dates, reads both ways, or
        (``invalid="raise"``) a duration cannot be trusted.

    Examples
    --------
    >>> import kit
    >>> timed = add_days_to_close(kit.load_dataset("service_requests"))
    >>> timed["days_to_close"].round(2).head(3).tolist()
    [1.08, 2.85, 8.01]
    >>> int(timed["days_to_close"].isna().sum())
    98
    >>> export = pd.DataFrame({"created_date": ["2025-03-05"] * 2, "closed_date": ["2025-03-07", "1900-01-01"]})
    >>> checked = add_days_to_close(export)
    >>> checked["days_to_close"].tolist(), checked.attrs["invalid_days"]
    ([2.0, nan], {'sentinel_date': 1, 'closed_before_created': 0})
    """
    require_columns(requests, {created: "created", closed: "closed"}, "service requests")
    if invalid not in ("nan", "keep", "raise"):
        raise AnalysisError(f"unknown invalid {invalid!r}", hint="use 'nan', 'keep' or 'raise'")
    timing = _timing(requests, created, closed, sentinels, date_format, dayfirst)
    counts = {"sentinel_date": int(timing.sentinel.sum()), "closed_before_created": int(timing.negative.sum())}
    if invalid == "raise" and any(counts.values()):
        where = (timing.sentinel | timing.negative).to_numpy().nonzero()[0][0]
        raise AnalysisError(
            f"{sum(counts.values())} requests have days to close that cannot be trusted "
            f"({counts['sentinel_date']} sentinel dates, {counts['closed_before_created']} closed before created), "
            f"such as row {requests.index[where]!r}: "
            f"{requests[created].iloc[where]!s} to {requests[closed].iloc[where]!s}",
            hint="pass invalid='nan' to leave them out (counted), or fix those dates",
        )
    result = requests.copy()
    values = timing.raw_days if invalid == "keep" else timing.days.mask(timing.sentinel)
    result[days] = values.to_numpy()
    result.attrs["invalid_days"] = counts
    return result


def median_days_to_close(
    requests: pd.DataFrame,
    by: str | Sequence[str] | None = ("area_numbe", "community"),
    *,
    created: str = "created_date",
    closed: str = "closed_date",
    sentinels: Iterable[object] | None = None,
    date_format: str | None = None,
    dayfirst: bool | None = None,
) -> pd.DataFrame:
    """The median number of days to close a request, in each area (or any group).

    The median is the middle value: half the requests closed faster, half
    slower. Unlike the average, a few requests that sat for a year do not drag it.

    Open requests have no close date yet: they are left out of the median and
    counted in ``open_requests`` (so are requests whose close date is a
    sentinel, a placeholder such as ``1900-01-01``). Requests closed *before*
    they were created, or created on a sentinel date (data-entry errors), are
    left out and counted in ``bad_dates``.

    Requests closed the moment they were created are counted in
    ``zero_day_closures``. When they are at least 30 % of all closures, a
    :class:`~kit.analysis.errors.ZeroDayClosuresWarning` says so: that usually
    reflects how the city records closures (dates without times, closing on
    creation), not instant service.

    Parameters
    ----------
    requests
        Service requests, one row per request.
    by
        The column, or columns, to group by: by default the area id and name
        that :func:`assign_areas` adds; a request-type column; or None for one
        citywide row. Rows with no value in ``by`` are not counted.
    created, closed
        The date columns. Text dates are parsed.
    sentinels, date_format, dayfirst
        As in :func:`add_days_to_close`.

    Returns
    -------
    pandas.DataFrame
        One row per group (in area-number order): the ``by`` columns,
        ``median_days``, ``closed_requests`` (used for the median),
        ``open_requests``, ``bad_dates``, ``zero_day_closures`` and
        ``zero_day_share`` (of the closed requests).

    Raises
    ------
    MissingColumnError
        If a date column or a ``by`` column is missing.

    Examples
    --------
    >>> import kit
    >>> neighborhoods = kit.load_dataset("neighborhoods")
    >>> located = assign_areas(kit.load_dataset("service_requests"), neighborhoods)
    >>> speed = median_days_to_close(located)
    >>> speed[["community", "median_days", "closed_requests", "open_requests"]].round(1).head(3)
        community  median_days  closed_requests  open_requests
    0   WESTBROOK          2.9              193              6
    1   IRONWORKS          5.2              420             16
    2  SOUTHFIELD          4.8              493             20
    >>> median_days_to_close(located, by=None).round(1).T
                            0
    median_days           3.2
    closed_requests    4597.0
    open_requests        98.0
    bad_dates             0.0
    zero_day_closures     0.0
    zero_day_share        0.0
    """
    keys = [] if by is None else [by] if isinstance(by, str) else list(by)
    require_columns(requests, {created: "created", closed: "closed"} | dict.fromkeys(keys, "by"), "service requests")
    timing = _timing(requests, created, closed, sentinels, date_format, dayfirst)
    frame = pd.DataFrame(
        {k: requests[k].to_numpy() for k in keys}
        | {
            "_all": "all",
            "_days": timing.days.to_numpy(),
            "closed_requests": (timing.days >= 0).to_numpy(),
            "open_requests": (timing.end.isna() & timing.start.notna()).to_numpy(),
            "bad_dates": (timing.negative | (timing.start.isna() & timing.sentinel)).to_numpy(),
            "zero_day_closures": (timing.days == 0).to_numpy(),
        }
    )
    groups = keys or ["_all"]
    frame = frame.dropna(subset=groups)
    _warn_zero_days(int(frame["zero_day_closures"].sum()), int(frame["closed_requests"].sum()))
    counted = frame.groupby(groups, sort=False)[_COUNTED].sum().astype("int64")
    medians = frame[frame["closed_requests"]].groupby(groups, sort=False)["_days"].median()
    counted.insert(0, "median_days", medians.reindex(counted.index).astype("float64"))
    closures = counted["closed_requests"].astype("float64")
    counted["zero_day_share"] = counted["zero_day_closures"] / closures.where(closures > 0)
    if not keys:
        return counted.reset_index(drop=True)
    return _natural_order(counted.reset_index(), keys[0])


_COUNTED = ["closed_requests", "open_requests", "bad_dates", "zero_day_closures"]


def _warn_zero_days(zero: int, closures: int) -> None:
    """Warn when so many closures took no time that the median says little about service."""
    if closures and zero / closures >= ZERO_DAY_SHARE:
        warnings.warn(
            f"{zero / closures:.0%} of closed requests ({zero:,} of {closures:,}) were closed the moment they "
            "were created: that probably reflects how the city records closures (dates without times, closing "
            "on creation), not instant service; read a median of 0 days with care",
            ZeroDayClosuresWarning,
            stacklevel=3,
        )


# --- when ----------------------------------------------------------------------------------------


def monthly_counts(
    requests: pd.DataFrame,
    *,
    date: str = "created_date",
    by: str | None = None,
    date_format: str | None = None,
    dayfirst: bool | None = None,
) -> pd.DataFrame:
    """Count requests per calendar month, ready for a line chart.

    Parameters
    ----------
    requests
        Service requests, one row per request.
    date
        The date column to count by (when the request was made). Text dates are
        parsed; rows with no date are not counted.
    by
        Optional: a column to split the counts by (a request type, an area), one
        column of counts per value.
    date_format, dayfirst
        How to read text dates, as in :func:`add_days_to_close`.

    Returns
    -------
    pandas.DataFrame
        Indexed by month (the first day of each month, from the first month in
        the data to the last, months with no requests included as 0), with one
        column ``requests`` -- or, with ``by``, one column per value of ``by``.
        ``.plot()`` draws it as lines.

    Raises
    ------
    MissingColumnError
        If ``date`` or ``by`` is missing.

    Examples
    --------
    >>> import kit
    >>> monthly = monthly_counts(kit.load_dataset("service_requests"))
    >>> monthly.head(3)
                requests
    month
    2024-01-01       197
    2024-02-01       174
    2024-03-01       211
    >>> len(monthly)
    24
    """
    require_columns(requests, {date: "date"} | ({by: "by"} if by is not None else {}), "service requests")
    when = as_datetime(requests, date, "service requests", format=date_format, dayfirst=dayfirst)
    month = when.dt.to_period("M").dt.to_timestamp()
    keep = month.notna()
    if not keep.any():
        raise AnalysisError(f"column '{date}' has no dates to count")
    months = pd.date_range(month[keep].min(), month[keep].max(), freq="MS", name="month")
    if by is None:
        table = month[keep].value_counts().reindex(months, fill_value=0).to_frame("requests")
    else:
        table = pd.crosstab(month[keep].to_numpy(), requests.loc[keep, by].to_numpy())
        table = table.reindex(months, fill_value=0)
        table.columns.name = by
    table.index.name = "month"
    return table.astype("int64")
