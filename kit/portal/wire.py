"""SODA's wire format: rows of a query's answer as JSON, CSV or GeoJSON text, written as read.

As a real portal answers (see ``../shared/realdata/socrata_wire/``): every JSON value is a
string (``"41.59525"``, ``"2024-01-01T07:29:45.000"``), checkboxes are JSON booleans,
nulls are left out, a ``location`` is ``{"latitude": …, "longitude": …, "human_address":
"{\\"address\\": …}"}`` (JSON inside a string, as NYC 311 writes it), a ``point`` or
``multipolygon`` is GeoJSON, a ``url`` is ``{"url": …}``. CSV quotes every value and leaves
nulls empty. Each writer yields byte chunks of about 64 KB, so a page of 50,000 rows is
sent while the engine's cursor is still reading it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal

__all__ = ["CONTENT_TYPES", "csv_chunks", "geojson_chunks", "json_chunks", "wire_value"]

CONTENT_TYPES = {
    "json": "application/json;charset=utf-8",
    "csv": "text/csv; charset=UTF-8",
    "geojson": "application/vnd.geo+json;charset=utf-8",
}
CHUNK_BYTES = 64 * 1024
# what a Socrata portal writes in a location's human_address when it knows no address
EMPTY_ADDRESS = json.dumps({"address": "", "city": "", "state": "", "zip": ""})
GEO_TYPES = ("multipolygon", "location", "point")
_COMPACT = {"separators": (",", ":"), "ensure_ascii": False}


def number_text(value: object) -> str:
    """A number as Socrata writes it: no exponent, no trailing ``.0``.

    >>> number_text(1121842.0), number_text(41.59525), number_text(7), number_text(1e-07)
    ('1121842', '41.59525', '7', '0.0000001')
    """
    if value.__class__ is float:
        if value.is_integer() and -1e16 < value < 1e16:
            return str(int(value))
        text = repr(value)
        return text if "e" not in text else format(Decimal(text), "f")
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return _text(value)


def _text(value: object) -> str:
    if value.__class__ is str:
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return number_text(value)
    return json.dumps(value, **_COMPACT)


def _lat_lon(value: object) -> tuple[str, str]:
    latitude, longitude = value
    return number_text(latitude), number_text(longitude)


def _location(value: object) -> dict:
    latitude, longitude = _lat_lon(value)
    return {"latitude": latitude, "longitude": longitude, "human_address": EMPTY_ADDRESS}


def _point(value: object) -> dict:
    latitude, longitude = value
    return {"type": "Point", "coordinates": [longitude, latitude]}


def _geometry(value: object) -> object:
    return json.loads(value) if isinstance(value, str) else value


def _checkbox(value: object) -> bool:
    return value if isinstance(value, bool) else str(value).lower() in ("true", "1")


# dataTypeName -> the JSON value of a (non-null) Python value; any other type is text
_JSON_VALUES: dict[str, Callable[[object], object]] = {
    "number": number_text,
    "checkbox": _checkbox,
    "location": _location,
    "point": _point,
    "multipolygon": _geometry,
    "url": lambda value: {"url": _text(value)},
}
# dataTypeName -> the CSV text of a (non-null) value
_CSV_VALUES: dict[str, Callable[[object], str]] = {
    "number": number_text,
    "checkbox": lambda value: "true" if _checkbox(value) else "false",
    "location": lambda value: "({}, {})".format(*_lat_lon(value)),
    "point": lambda value: "POINT ({1} {0})".format(*_lat_lon(value)),
    "multipolygon": lambda value: json.dumps(_geometry(value), **_COMPACT),
}


def wire_value(value: object, data_type: str) -> object:
    """The JSON value SODA sends for one non-null value of a column of ``data_type``.

    >>> wire_value(3.0, "number"), wire_value(True, "checkbox")
    ('3', True)
    >>> wire_value((41.6, -88.9), "location")["latitude"]
    '41.6'
    """
    convert = _JSON_VALUES.get(data_type)
    return convert(value) if convert else _text(value)


def _batched(pieces: Iterable[str], first: str, last: str) -> Iterator[bytes]:
    """Join text pieces into UTF-8 chunks of about :data:`CHUNK_BYTES`."""
    buffer, size = [first], len(first)
    for piece in pieces:
        buffer.append(piece)
        size += len(piece)
        if size >= CHUNK_BYTES:
            yield "".join(buffer).encode("utf-8")
            buffer, size = [], 0
    buffer.append(last)
    yield "".join(buffer).encode("utf-8")


def _json_objects(fields: list[str], types: list[str], rows: Iterable[tuple]) -> Iterator[dict]:
    converters = [_JSON_VALUES.get(t, _text) for t in types]
    columns = list(zip(fields, converters, strict=True))
    for row in rows:
        yield {name: convert(value) for (name, convert), value in zip(columns, row) if value is not None}


def json_chunks(fields: list[str], types: list[str], rows: Iterable[tuple]) -> Iterator[bytes]:
    """A JSON page, ``[{…}\\n,{…}]``, as a real portal writes it (one row a line, nulls left out)."""
    objects = (json.dumps(obj, **_COMPACT) for obj in _json_objects(fields, types, rows))
    pieces = (("\n," if i else "") + text for i, text in enumerate(objects))
    return _batched(pieces, "[", "]\n")


def _quoted(text: str | None) -> str:
    return "" if text is None else '"' + text.replace('"', '""') + '"'


def csv_chunks(fields: list[str], types: list[str], rows: Iterable[tuple]) -> Iterator[bytes]:
    """CSV with a header of field names, every value quoted, nulls empty."""
    converters = [_CSV_VALUES.get(t, _text) for t in types]
    lines = (
        ",".join(_quoted(None if value is None else convert(value)) for convert, value in zip(converters, row)) + "\n"
        for row in rows
    )
    return _batched(lines, ",".join(_quoted(f) for f in fields) + "\n", "")


def _features(fields: list[str], types: list[str], rows: Iterable[tuple]) -> Iterator[dict]:
    geo = next((i for i, t in enumerate(types) if t in GEO_TYPES), None)
    converters = [_JSON_VALUES.get(t, _text) for t in types]
    for row in rows:
        properties = {
            name: None if value is None else convert(value)
            for i, (name, convert, value) in enumerate(zip(fields, converters, row))
            if i != geo
        }
        shape = None if geo is None or row[geo] is None else row[geo]
        if shape is not None and types[geo] != "multipolygon":
            shape = _point(shape)
        yield {"type": "Feature", "geometry": _geometry(shape), "properties": properties}


def geojson_chunks(fields: list[str], types: list[str], rows: Iterable[tuple]) -> Iterator[bytes]:
    """A GeoJSON FeatureCollection: the first geographic column is each feature's geometry,
    the others its properties (text, nulls as ``null``), as Socrata's ``.geojson`` answers."""
    features = (json.dumps(f, **_COMPACT) for f in _features(fields, types, rows))
    pieces = (("\n," if i else "") + text for i, text in enumerate(features))
    crs = '{"type":"name","properties":{"name":"urn:ogc:def:crs:OGC:1.3:CRS84"}}'
    return _batched(pieces, '{"type":"FeatureCollection","features":[', f'],"crs":{crs}}}\n')
