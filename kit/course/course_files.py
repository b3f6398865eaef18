"""The city's datasets as an adapted course ships them: files under standard names, cards in every language.

:func:`write_datasets` writes each table :func:`kit.course.facts.course_tables`
gives (service requests, areas, population, precinct results, precincts) under the
sample city's dataset names, so ``kit.load_dataset`` reads them with ``KIT_HOME``
set to the course folder, and a catalog with a card per dataset (columns and types
read from the data), with its translation into each language the kit has
(``catalog.<lang>.yaml``). A card's title and description are ``datasets.title.<name>`` and
``datasets.description`` in the course catalog (``kit/course/messages/<lang>.yaml``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

import pandas as pd
import yaml

from kit.data.catalog import Column, DatasetCard
from kit.languages import REFERENCE, available_languages, card_translation
from kit.pages import read_catalog

MESSAGES_DIR = Path(__file__).with_name("messages")  # datasets.* in each language's catalog

__all__ = ["FILES", "write_datasets"]

FILES = {
    "service_requests": "service_requests.csv",
    "neighborhoods": "neighborhoods.geojson",
    "neighborhood_population": "neighborhood_population.csv",
    "precinct_results": "precinct_results.csv",
    "precincts": "precincts.geojson",
}


def _column_type(values: pd.Series) -> str:
    kind = values.dtype.kind
    if kind == "M":
        return "datetime"
    if kind == "b" or str(values.dtype) == "boolean":
        return "boolean"
    if kind in "iu" or str(values.dtype).startswith("Int"):
        return "integer"
    if kind == "f":
        return "number"
    return "text"


def _write_table(name: str, frame: pd.DataFrame, folder: Path) -> Path:
    path = folder / FILES[name]
    if name in ("neighborhoods", "precincts"):
        text = frame.copy()
        columns = [c for c in text.columns if c != "geometry"]
        text[columns] = text[columns].astype("string")
        text.to_crs("EPSG:4326").to_file(path, driver="GeoJSON")
    else:
        frame.to_csv(path, index=False, date_format="%Y-%m-%dT%H:%M:%S.%f")
    return path


def _card(name: str, frame: pd.DataFrame, path: Path, city: str, profile: Path) -> DatasetCard:
    columns = [c for c in frame.columns if c != "geometry"]
    return DatasetCard(
        name=name,
        file=path.name,
        title=_title(name, city, REFERENCE),
        description=_description(profile, REFERENCE),
        source=f"{city}'s own data, through the city profile {profile.name}",
        license="as the city's data portal says",
        made_by="kit course adapt",
        rows=len(frame),
        sha256=hashlib.sha256(path.read_bytes()).hexdigest(),
        columns=[Column(name=c, type=_column_type(frame[c]), description=c.replace("_", " ")) for c in columns],
    )


def _title(name: str, city: str, lang: str) -> str:
    return read_catalog(MESSAGES_DIR, lang)[f"datasets.title.{name}"].format(city=city)


def _description(profile: Path, lang: str) -> str:
    return read_catalog(MESSAGES_DIR, lang)["datasets.description"].format(profile=profile.name)


def _translation(cards: list[DatasetCard], city: str, profile: Path, lang: str) -> dict:
    """The words of ``cards`` in ``lang``, as a ``catalog.<lang>.yaml`` holds them."""
    return {
        "datasets": {
            c.name: {"title": _title(c.name, city, lang), "description": _description(profile, lang)} for c in cards
        }
    }


def write_datasets(
    tables: dict[str, pd.DataFrame], folder: Path, city: str, profile: Path, languages: Iterable[str] | None = None
) -> list[Path]:
    """The city's tables, their catalog and its translation into each of ``languages`` but English
    (default: every language the kit has)."""
    folder.mkdir(parents=True, exist_ok=True)
    cards = []
    for name, frame in tables.items():
        cards.append(_card(name, frame, _write_table(name, frame, folder), city, profile))
    catalog = {"city": city, "datasets": [c.model_dump(exclude={"language", "updated_at"}) for c in cards]}
    written = {folder / "catalog.yaml": catalog}
    for lang in languages or available_languages():
        if lang != REFERENCE:
            written[card_translation(lang, folder)] = _translation(cards, city, profile, lang)
    for path, data in written.items():
        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return [folder / FILES[n] for n in tables] + list(written)
