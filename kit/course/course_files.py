"""The city's datasets as an adapted course ships them: files under standard names, cards in two languages.

:func:`write_datasets` writes each table :func:`kit.course.facts.course_tables`
gives (service requests, areas, population, precinct results, precincts) under the
sample city's dataset names, so ``kit.load_dataset`` reads them with ``KIT_HOME``
set to the course folder, and a catalog with a card per dataset (columns and types
read from the data), with its Spanish translation.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
import yaml

from kit.data.catalog import Column, DatasetCard

__all__ = ["FILES", "write_datasets"]

FILES = {
    "service_requests": "service_requests.csv",
    "neighborhoods": "neighborhoods.geojson",
    "neighborhood_population": "neighborhood_population.csv",
    "precinct_results": "precinct_results.csv",
    "precincts": "precincts.geojson",
}
_TITLES = {
    "service_requests": ("{city} 311 service requests", "Solicitudes de servicio al 311 de {city}"),
    "neighborhoods": ("{city} areas (boundaries)", "Áreas de {city} (límites)"),
    "neighborhood_population": ("{city} population by area", "Población de {city} por área"),
    "precinct_results": ("{city} election results by precinct", "Resultados electorales de {city} por precinto"),
    "precincts": ("{city} precincts (boundaries)", "Precintos de {city} (límites)"),
}
_DESCRIPTIONS = (
    "The city's own data, in the kit's standard columns, written by `kit course adapt` from the profile {profile}.",
    "Los datos de la propia ciudad, con las columnas estándar del kit, escritos por `kit course adapt` "
    "a partir del perfil {profile}.",
)


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
        title=_TITLES[name][0].format(city=city),
        description=_DESCRIPTIONS[0].format(profile=profile.name),
        source=f"{city}'s own data, through the city profile {profile.name}",
        license="as the city's data portal says",
        made_by="kit course adapt",
        rows=len(frame),
        sha256=hashlib.sha256(path.read_bytes()).hexdigest(),
        columns=[Column(name=c, type=_column_type(frame[c]), description=c.replace("_", " ")) for c in columns],
    )


def write_datasets(tables: dict[str, pd.DataFrame], folder: Path, city: str, profile: Path) -> list[Path]:
    """The city's tables, their catalog and its Spanish translation."""
    folder.mkdir(parents=True, exist_ok=True)
    cards = []
    for name, frame in tables.items():
        cards.append(_card(name, frame, _write_table(name, frame, folder), city, profile))
    catalog = {"city": city, "datasets": [c.model_dump(exclude={"language", "updated_at"}) for c in cards]}
    spanish = {
        "datasets": {
            c.name: {
                "title": _TITLES[c.name][1].format(city=city),
                "description": _DESCRIPTIONS[1].format(profile=profile.name),
            }
            for c in cards
        }
    }
    for file, data in (("catalog.yaml", catalog), ("catalog.es.yaml", spanish)):
        (folder / file).write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return [folder / FILES[n] for n in tables] + [folder / "catalog.yaml", folder / "catalog.es.yaml"]
