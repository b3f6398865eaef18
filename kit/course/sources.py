"""Reading a profile's sources as the city wrote them: every value text, nothing guessed.

A CSV file is read with ``dtype=str, keep_default_na=False``, so ``"007"``
keeps its zeros and nothing is turned into a number or a date behind the
loader's back; empty text stays empty text here (the loader decides it is
missing). Polygons (GeoJSON, zipped Shapefile, GeoPackage) come back as a
GeoDataFrame in WGS84 with text properties. A portal dataset is fetched
through :class:`kit.data.socrata.SocrataClient` (its cache answers a query
already asked) and turned to text the same way.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from kit.course.profile import CityProfile, Source
from kit.errors import CourseError, KitError

__all__ = ["ProfileDataError", "read_source"]

GEO_SUFFIXES = (".geojson", ".json", ".zip", ".shp", ".gpkg")


class ProfileDataError(CourseError):
    """A city's data does not read as its profile says.

    Parameters
    ----------
    message
        What is wrong, naming the profile field.
    field
        The profile field to fix, e.g. ``service_requests.columns.created_date``.
    hint
        How to fix it.
    """

    def __init__(self, message: str, *, field: str, hint: str | None = None):
        self.field = field
        super().__init__(f"{field}: {message}", hint=hint)


def read_source(profile: CityProfile, source: Source, *, field: str = "source", refresh: bool = False):
    """A source as raw text: a DataFrame, or a GeoDataFrame in WGS84 for polygons.

    Parameters
    ----------
    profile
        The profile (relative files resolve against its folder).
    source
        One role's ``source``.
    field
        The profile field of the source, for messages (``areas.source``).
    refresh
        Fetch a portal dataset again even when the cache holds it.

    Raises
    ------
    ProfileDataError
        If the file is missing or unreadable, or the portal refuses; naming ``field``.
    """
    if source.file is None:
        return _read_portal(source, field, refresh)
    path = profile.resolve(source.file)
    if not path.is_file():
        raise ProfileDataError(
            f"no file {path}", field=f"{field}.file", hint="write the path relative to the profile's folder"
        )
    if path.suffix.lower() in GEO_SUFFIXES:
        return _read_polygons(path, field)
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False, encoding=source.encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        raise ProfileDataError(
            f"{path.name} cannot be read as {source.encoding} text ({exc.__class__.__name__})",
            field=f"{field}.encoding",
            hint="set encoding to the file's encoding, e.g. latin-1 or cp1252",
        ) from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, OSError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ProfileDataError(f"{path.name} is not a readable CSV file ({first})", field=f"{field}.file") from None


def _read_polygons(path: Path, field: str):
    import geopandas

    try:
        frame = geopandas.read_file(path)
    except (RuntimeError, ValueError, OSError) as exc:  # pyogrio's errors are RuntimeErrors
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ProfileDataError(
            f"{path.name} is not a readable polygon file ({first})",
            field=f"{field}.file",
            hint="give a GeoJSON file, a zipped Shapefile or a GeoPackage",
        ) from None
    if frame.crs is None:
        frame = frame.set_crs(4326)
    elif frame.crs.to_epsg() != 4326:
        frame = frame.to_crs(4326)
    return _as_text(frame)


def _read_portal(source: Source, field: str, refresh: bool):
    from kit.data.socrata import SocrataClient

    try:
        with SocrataClient(source.domain) as client:
            frame = client.fetch(source.dataset, where=source.where, refresh=refresh)
    except KitError as exc:
        raise ProfileDataError(exc.message, field=field, hint=exc.hint) from None
    return _as_text(frame)


def _as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Every column but the geometry as text, empty where a value is missing (as a CSV export writes it)."""
    frame = frame.copy()
    for column in frame.columns:
        if column == getattr(frame, "_geometry_column_name", None):
            continue
        values = frame[column]
        if pd.api.types.is_datetime64_any_dtype(values):
            text = values.dt.strftime("%Y-%m-%dT%H:%M:%S")
        else:
            text = values.astype("str")
        frame[column] = text.where(values.notna(), "")
    return frame
