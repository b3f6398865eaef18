"""The datasets a portal serves: cards, ids and one SoQL engine holding their rows.

The bundled datasets (``datasets/catalog.yaml``) are always served; a folder given
as ``--data DIR`` adds its own, described by a ``catalog.yaml`` of cards in the
same format. CSV files are streamed into the engine row by row (a million rows
never sit in memory); GeoJSON files are read whole (boundary files are small) and
their geometry becomes a ``multipolygon`` column, ``the_geom``, as Socrata names it.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from kit.data.catalog import DatasetCard, load_catalog
from kit.data.soql import SoqlEngine
from kit.errors import DatasetError
from kit.paths import datasets_dir
from kit.portal.ids import four_by_four

__all__ = ["Dataset", "DatasetStore", "Field", "load_store", "socrata_type"]

# a card's column type -> Socrata's dataTypeName
_SOCRATA_TYPES = {
    "text": "text",
    "integer": "number",
    "number": "number",
    "datetime": "calendar_date",
    "date": "calendar_date",
    "boolean": "checkbox",
    "point": "location",
}
GEOMETRY_FIELD = "the_geom"


def socrata_type(card_type: str) -> str:
    """Socrata's ``dataTypeName`` for a card's column type (``integer`` → ``number``)."""
    return _SOCRATA_TYPES[card_type]


@dataclass(frozen=True)
class Field:
    """One column as the portal serves it: API field name, display name, type, meaning."""

    field_name: str
    name: str
    type: str
    description: str


@dataclass(frozen=True)
class Dataset:
    """One served dataset: its id, card, fields, row count and when its rows last changed."""

    id: str
    name: str
    card: DatasetCard
    fields: tuple[Field, ...]
    rows: int
    updated_at: int  # seconds since the epoch (the file's modification time)


class DatasetStore:
    """The served datasets, in catalog order, and the engine answering SoQL on them."""

    def __init__(self, engine: SoqlEngine, datasets: list[Dataset]):
        self.engine = engine
        self.datasets = datasets
        self._by_key = {d.id: d for d in datasets} | {d.name: d for d in datasets}

    def find(self, key: str) -> Dataset | None:
        """The dataset with this id or (a kit convenience) this name, or ``None``."""
        return self._by_key.get(key)

    def close(self) -> None:
        self.engine.close()


def field_name(name: str) -> str:
    """Socrata's API name of a column: lower case, runs of other characters as ``_``.

    >>> field_name('MARIA "MAYA" SOTO')
    'maria_maya_soto'
    """
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_") or "column"


def _fields(card: DatasetCard) -> tuple[Field, ...]:
    fields = [Field(GEOMETRY_FIELD, GEOMETRY_FIELD, "multipolygon", "The shape")] if card.is_geo else []
    fields += [Field(field_name(c.name), c.name, socrata_type(c.type), c.description) for c in card.columns]
    names = [f.field_name for f in fields]
    if len(set(names)) != len(names):
        raise DatasetError(
            f"dataset '{card.name}': two columns share the API name of {sorted(names)}",
            dataset=card.name,
            hint="rename the columns so that lower case with _ for other characters tells them apart",
        )
    return tuple(fields)


def _csv_rows(path: Path, card: DatasetCard) -> Iterator[list[str | None]]:
    """The file's rows as text, empty values as ``None``, read one at a time."""
    expected = [c.name for c in card.columns]
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle)
        header = next(reader, [])
        if header != expected:
            raise DatasetError(
                f"{path.name}: its header does not match the card of '{card.name}' "
                f"(missing {sorted(set(expected) - set(header))}, unexpected {sorted(set(header) - set(expected))})",
                dataset=card.name,
            )
        width = len(expected)
        for row in reader:
            if len(row) != width:
                raise DatasetError(
                    f"{path.name}, line {reader.line_num}: {len(row)} values, not {width}", dataset=card.name
                )
            yield [value if value != "" else None for value in row]


def _geometry_text(geometry: dict | None) -> str | None:
    if not geometry:
        return None
    if geometry.get("type") == "Polygon":  # Socrata serves boundaries as multipolygons
        geometry = {"type": "MultiPolygon", "coordinates": [geometry["coordinates"]]}
    return json.dumps(geometry, separators=(",", ":"))


def _text(value: object) -> str | None:
    if value is None or value == "":
        return None
    return value if isinstance(value, str) else json.dumps(value)


def _geojson_rows(path: Path, card: DatasetCard) -> Iterator[list[str | None]]:
    """Each feature as text: its geometry (GeoJSON text) first, then its properties."""
    try:
        features = json.loads(path.read_text(encoding="utf-8-sig"))["features"]
    except (ValueError, KeyError, TypeError) as exc:
        raise DatasetError(f"{path.name}: not a GeoJSON FeatureCollection ({exc})", dataset=card.name) from None
    names = [c.name for c in card.columns]
    for feature in features:
        properties = feature.get("properties") or {}
        yield [_geometry_text(feature.get("geometry"))] + [_text(properties.get(name)) for name in names]


def _add(engine: SoqlEngine, card: DatasetCard, path: Path) -> Dataset:
    if not path.is_file():
        raise DatasetError(f"dataset '{card.name}' is missing its file {path}", dataset=card.name)
    fields = _fields(card)
    rows = _geojson_rows(path, card) if card.is_geo else _csv_rows(path, card)
    engine.add_rows(card.name, [f.field_name for f in fields], {f.field_name: f.type for f in fields}, rows)
    return Dataset(
        id=four_by_four(card.name),
        name=card.name,
        card=card,
        fields=fields,
        rows=engine.count(card.name),
        updated_at=int(path.stat().st_mtime),
    )


def _cards(data_dir: Path | None) -> list[tuple[DatasetCard, Path]]:
    """Every card to serve with its file: the bundled ones, then the folder's."""
    found = [(card, datasets_dir() / card.file) for card in load_catalog().datasets]
    if data_dir is not None:
        data_dir = Path(data_dir)
        if not (data_dir / "catalog.yaml").is_file():
            raise DatasetError(
                f"{data_dir} has no catalog.yaml",
                hint="describe each CSV or GeoJSON file there by a card, in the format of datasets/catalog.yaml",
            )
        bundled = {card.name for card, _ in found}
        for card in load_catalog(data_dir.resolve()).datasets:
            if card.name in bundled:
                raise DatasetError(
                    f"{data_dir / 'catalog.yaml'}: dataset '{card.name}' is already a bundled dataset",
                    dataset=card.name,
                    hint="give it another name",
                )
            found.append((card, data_dir / card.file))
    return found


def load_store(data_dir: Path | None = None, engine_path: Path | None = None) -> DatasetStore:
    """Load the bundled datasets, and those of ``data_dir``, into a new SoQL engine.

    Parameters
    ----------
    data_dir
        Optional folder of CSV/GeoJSON files with a ``catalog.yaml`` of cards.
    engine_path
        Where the engine keeps its SQLite file (default: a private temporary file).
    """
    engine = SoqlEngine(engine_path)
    try:
        datasets = [_add(engine, card, path) for card, path in _cards(data_dir)]
    except BaseException:
        engine.close()
        raise
    ids = [d.id for d in datasets]
    if len(set(ids)) != len(ids):  # 40 bits: never seen, but it would silently hide a dataset
        engine.close()
        raise DatasetError("two dataset names have the same four-by-four id", hint="rename one of them")
    return DatasetStore(engine, datasets)
