"""SODA's wire format, to and from flat text rows and typed frames (no network here).

A Socrata portal answers every value as a string (``"41.59"``, ``"2024-01-01T07:29:45.000"``),
omits null fields, and nests geography: a ``location`` is
``{"latitude": "41.6", "longitude": "-88.9", "human_address": "{…}"}``, a ``point`` is GeoJSON
(``{"type": "Point", "coordinates": [lon, lat]}``), a ``multipolygon`` is GeoJSON too. This module
turns such a JSON page into flat text rows (what the client streams to disk, page by page) and
reads the flat file back with the types the dataset's metadata declares (``dataTypeName``):

=====================================  ===============================================
``dataTypeName``                       column(s) in the frame
=====================================  ===============================================
text, url (its ``url``)                text (object, missing as NaN)
number, money, percent, double         float64
checkbox                               boolean (nullable)
calendar_date, floating_timestamp      datetime64 (no time zone, as the portal keeps it)
fixed_timestamp                        datetime64 in UTC
point, location                        ``<col>_latitude``, ``<col>_longitude`` (float64)
multipolygon, polygon, line, …         shapely geometry; the first makes a GeoDataFrame
=====================================  ===============================================

``:@computed_region_*`` columns (the regions a portal joins on by itself) are left out unless
asked for.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from kit.data.catalog import Column

__all__ = [
    "COMPUTED_REGION",
    "SodaField",
    "card_columns",
    "fields_from_headers",
    "fields_from_metadata",
    "flat_header",
    "flat_rows",
    "read_flat",
    "to_frame",
]

COMPUTED_REGION = ":@computed_region_"
GEOMETRY_TYPES = frozenset({"multipolygon", "polygon", "line", "multiline", "multipoint"})
POINT_TYPES = frozenset({"point", "location"})
# spellings a portal uses for the same type (metadata vs. X-SODA2-Types)
_ALIASES = {"boolean": "checkbox", "double": "number", "money": "number", "percent": "number", "date": "calendar_date"}
# what each kind of column becomes in a dataset card (kit.data.catalog.ColumnType)
_CARD_TYPES = {
    "text": "text",
    "url": "text",
    "number": "number",
    "checkbox": "boolean",
    "calendar_date": "datetime",
    "floating_timestamp": "datetime",
    "fixed_timestamp": "datetime",
    "point": "point",
    "location": "point",
}


@dataclass(frozen=True)
class SodaField:
    """One field of a SODA answer: its name on the wire and its Socrata ``dataTypeName``."""

    name: str
    type: str
    description: str = ""

    @property
    def kind(self) -> str:
        """The type with the portal's synonyms folded (``boolean`` → ``checkbox``, ``money`` → ``number``)."""
        return _ALIASES.get(self.type, self.type)

    @property
    def flat_names(self) -> tuple[str, ...]:
        """The column(s) this field becomes: a point or location splits into latitude and longitude."""
        if self.kind in POINT_TYPES:
            return (f"{self.name}_latitude", f"{self.name}_longitude")
        return (self.name,)


def fields_from_metadata(metadata: dict, *, computed_regions: bool = False) -> list[SodaField]:
    """The fields of a dataset from its ``/api/views/<id>.json`` metadata, in column order.

    System fields (``:id``, ``:created_at``) are never data columns; ``:@computed_region_*``
    columns are kept only when ``computed_regions`` is true.

    Examples
    --------
    >>> metadata = {"columns": [
    ...     {"fieldName": "unique_key", "dataTypeName": "text", "position": 1},
    ...     {"fieldName": "location", "dataTypeName": "location", "position": 2},
    ...     {"fieldName": ":@computed_region_efsh_h5xi", "dataTypeName": "number", "position": 3}]}
    >>> [f.name for f in fields_from_metadata(metadata)]
    ['unique_key', 'location']
    >>> flat_header(fields_from_metadata(metadata))
    ['unique_key', 'location_latitude', 'location_longitude']
    """
    columns = sorted(metadata.get("columns", []), key=lambda c: c.get("position", 0))
    fields = []
    for column in columns:
        name = column["fieldName"]
        if name.startswith(COMPUTED_REGION) and not computed_regions:
            continue
        if name.startswith(":") and not name.startswith(COMPUTED_REGION):
            continue
        fields.append(SodaField(name, column.get("dataTypeName", "text"), column.get("description") or ""))
    return fields


def fields_from_headers(
    names: Sequence[str], types: Sequence[str], *, computed_regions: bool = False
) -> list[SodaField]:
    """The fields of one answer from its ``X-SODA2-Fields`` and ``X-SODA2-Types`` headers (parsed)."""
    return [
        SodaField(name, kind)
        for name, kind in zip(names, types, strict=True)
        if computed_regions or not name.startswith(COMPUTED_REGION)
    ]


def flat_header(fields: Sequence[SodaField]) -> list[str]:
    """The flat file's header: every field's column(s), in order."""
    return [name for field in fields for name in field.flat_names]


# --- JSON rows -> flat text rows ------------------------------------------------------------------


def _scalar(value: object) -> object:
    return value


def _url(value: object) -> object:
    return value.get("url") if isinstance(value, dict) else value


def _geometry_text(value: object) -> object:
    return json.dumps(value, separators=(",", ":")) if isinstance(value, dict) else value


def _latitude_longitude(value: object) -> tuple[object, object]:
    """A location ``{"latitude", "longitude", …}`` or a GeoJSON point, as ``(lat, lon)`` text."""
    if not isinstance(value, dict):
        return (None, None)
    if "coordinates" in value:  # GeoJSON: [longitude, latitude]
        coordinates = value.get("coordinates") or (None, None)
        return (coordinates[1], coordinates[0])
    return (value.get("latitude"), value.get("longitude"))


_FLATTEN: dict[str, Callable[[object], object]] = {"url": _url, **dict.fromkeys(GEOMETRY_TYPES, _geometry_text)}


def _row_converter(fields: Sequence[SodaField]) -> Callable[[dict], list]:
    """A function turning one JSON row (a dict of strings, nulls omitted) into flat cells.

    Every value is looked up in one list comprehension; the few nested ones (url, geometry) are
    then rewritten in place, and points split into two cells from the right, so that earlier
    positions stay valid. A million rows go through this while fetching: it is kept lean.
    """
    names = [field.name for field in fields]
    rewrites = [(i, _FLATTEN[f.kind]) for i, f in enumerate(fields) if f.kind in _FLATTEN]
    points = [i for i, f in reversed(list(enumerate(fields))) if f.kind in POINT_TYPES]
    if not rewrites and not points:
        return lambda row: [row.get(name) for name in names]

    def convert(row: dict) -> list:
        cells = [row.get(name) for name in names]
        for i, flatten in rewrites:
            cells[i] = flatten(cells[i])
        for i in points:
            cells[i : i + 1] = _latitude_longitude(cells[i])
        return cells

    return convert


def flat_rows(page: Iterable[dict], fields: Sequence[SodaField]) -> Iterator[list]:
    """Flat cells for every JSON row of a page, in the order of :func:`flat_header`.

    Examples
    --------
    >>> fields = [SodaField("id", "text"), SodaField("shape", "location"), SodaField("open", "checkbox")]
    >>> page = [{"id": "1", "shape": {"latitude": "47.5", "longitude": "-122.2"}, "open": True}, {"id": "2"}]
    >>> list(flat_rows(page, fields))
    [['1', '47.5', '-122.2', True], ['2', None, None, None]]
    """
    convert = _row_converter(fields)
    return (convert(row) for row in page)


# --- flat text -> typed frame ---------------------------------------------------------------------


def _as_text(values: pd.Series) -> pd.Series:
    return values.astype("str").where(values.notna())


def _as_number(values: pd.Series) -> pd.Series:
    return pd.to_numeric(values).astype("float64")


def _as_boolean(values: pd.Series) -> pd.Series:
    return values.str.lower().map({"true": True, "false": False}).astype("boolean")


def _as_floating(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values, format="ISO8601")


def _as_fixed(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values, format="ISO8601", utc=True)


def _as_geometry(values: pd.Series) -> pd.Series:
    from shapely.geometry import shape

    return values.map(lambda text: shape(json.loads(text)) if isinstance(text, str) else None)


_CONVERT: dict[str, Callable[[pd.Series], pd.Series]] = {
    "number": _as_number,
    "checkbox": _as_boolean,
    "calendar_date": _as_floating,
    "floating_timestamp": _as_floating,
    "fixed_timestamp": _as_fixed,
    **dict.fromkeys(POINT_TYPES, _as_number),
    **dict.fromkeys(GEOMETRY_TYPES, _as_geometry),
}


def to_frame(frame: pd.DataFrame, fields: Sequence[SodaField]):
    """Give each flat text column the type its field declares; geometry makes a GeoDataFrame.

    ``frame`` holds the flat columns as text (as :func:`read_flat` reads them). A text type this
    module does not know (``photo``, ``document``…) stays text.

    Examples
    --------
    >>> flat = pd.DataFrame({"n": ["1.5", None], "when": ["2024-01-05T10:00:00.000", None], "ok": ["true", "false"]})
    >>> fields = [SodaField("n", "number"), SodaField("when", "calendar_date"), SodaField("ok", "checkbox")]
    >>> typed = to_frame(flat, fields)
    >>> str(typed["n"].dtype), typed["when"].dtype.kind, str(typed["ok"].dtype)
    ('float64', 'M', 'boolean')
    """
    for field in fields:
        convert = _CONVERT.get(field.kind, _as_text)
        for name in field.flat_names:
            frame[name] = convert(frame[name])
    geometry = [f.name for f in fields if f.kind in GEOMETRY_TYPES]
    if not geometry:
        return frame
    import geopandas

    return geopandas.GeoDataFrame(frame, geometry=geometry[0], crs="EPSG:4326")


def read_flat(path: Path, fields: Sequence[SodaField]):
    """Read a flat file the client wrote (CSV, every value as text) with the fields' types."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""], quoting=csv.QUOTE_MINIMAL)
    return to_frame(frame, fields)


# --- metadata -> dataset card ---------------------------------------------------------------------


def card_columns(fields: Sequence[SodaField]) -> list[Column]:
    """The columns of a dataset card: each field with the card type nearest its Socrata type.

    Geometry (multipolygon…) is the card's file being GeoJSON, not a column, as in the bundled
    catalog; a type a card has no word for (``photo``, ``document``) is described as text.
    """
    return [
        Column(name=f.name, type=_CARD_TYPES.get(f.kind, "text"), description=f.description or f.name)
        for f in fields
        if f.kind not in GEOMETRY_TYPES
    ]
