"""The dataset catalog: one card per bundled file, and loading by name.

The catalog is data (``datasets/catalog.yaml``), validated by pydantic. Each card
gives title, description, source, license, columns with types and meaning, known
quirks, how the file was made, its row count and its sha256.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from kit.errors import CatalogError, DatasetError
from kit.languages import REFERENCE, available_languages
from kit.languages import LanguageCode as Language
from kit.pages import read_catalog
from kit.paths import datasets_dir

ColumnType = Literal["text", "integer", "number", "datetime", "date", "boolean", "point"]

MESSAGES_DIR = Path(__file__).with_name("messages")  # card.* and type.* in each language's catalog

__all__ = [
    "Catalog",
    "Column",
    "DatasetCard",
    "dataset_path",
    "describe_dataset",
    "list_datasets",
    "load_catalog",
    "load_dataset",
]


class Column(BaseModel):
    """One column of a dataset: its name, type and meaning."""

    model_config = ConfigDict(extra="forbid")

    name: str
    type: ColumnType
    description: str


class DatasetCard(BaseModel):
    """Everything a user needs to know about one bundled file."""

    model_config = ConfigDict(extra="forbid")

    name: str
    file: str
    title: str
    description: str
    source: str
    license: str
    made_by: str
    rows: int
    sha256: str
    quirks: list[str] = []
    columns: list[Column]
    language: Language = REFERENCE
    updated_at: str | None = None  # when a portal last updated the rows (cards made from portal metadata)

    @property
    def is_geo(self) -> bool:
        return self.file.endswith(".geojson")

    def to_markdown(self) -> str:
        """The card as Markdown, in the card's language, for notebooks and docs."""
        words = read_catalog(MESSAGES_DIR, self.language)
        w = {key.removeprefix("card."): text for key, text in words.items() if key.startswith("card.")}
        types = {key.removeprefix("type."): text for key, text in words.items() if key.startswith("type.")}
        lines = [
            f"### {self.title} (`{self.name}`)",
            "",
            self.description.strip(),
            "",
            f"- **{w['file']}:** `{self.file}` ({self.rows:,} {w['rows']})",
            f"- **{w['source']}:** {self.source}",
            f"- **{w['license']}:** {self.license}",
            f"- **{w['made_by']}:** `{self.made_by}`",
            *([f"- **{w['updated_at']}:** {self.updated_at}"] if self.updated_at else []),
            "",
            f"| {w['column']} | {w['type']} | {w['meaning']} |",
            "|---|---|---|",
        ]
        lines += [f"| `{c.name}` | {types.get(c.type, c.type)} | {c.description} |" for c in self.columns]
        if self.quirks:
            lines += ["", f"**{w['quirks']}**", ""] + [f"- {q}" for q in self.quirks]
        return "\n".join(lines)

    def _repr_markdown_(self) -> str:  # shown by Jupyter
        return self.to_markdown()


class Catalog(BaseModel):
    """The catalog file: the sample city and its datasets."""

    model_config = ConfigDict(extra="forbid")

    city: str
    datasets: list[DatasetCard]

    def card(self, name: str) -> DatasetCard:
        for card in self.datasets:
            if card.name == name:
                return card
        known = ", ".join(sorted(c.name for c in self.datasets))
        raise DatasetError(f"unknown dataset '{name}'", dataset=name, hint=f"known datasets: {known}")


def _catalog_file(root: Path | None) -> Path:
    return (root or datasets_dir()) / "catalog.yaml"


@lru_cache(maxsize=8)
def _load_catalog_cached(path: Path, mtime: float) -> Catalog:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise CatalogError(f"{path}: not valid YAML: {exc}") from None
    try:
        return Catalog.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise CatalogError(f"{path}: {where}: {first['msg']}") from None


def load_catalog(root: Path | None = None) -> Catalog:
    """Read and validate the dataset catalog."""
    path = _catalog_file(root)
    if not path.is_file():
        raise CatalogError(f"no dataset catalog at {path}", hint="set KIT_HOME to a checkout of the kit")
    return _load_catalog_cached(path, path.stat().st_mtime)


def dataset_path(name: str, root: Path | None = None) -> Path:
    """The file behind a dataset name."""
    card = load_catalog(root).card(name)
    return (root or datasets_dir()) / card.file


def list_datasets() -> pd.DataFrame:
    """A table of the bundled datasets: name, title, rows and file."""
    cards = load_catalog().datasets
    return pd.DataFrame(
        {
            "name": [c.name for c in cards],
            "title": [c.title for c in cards],
            "rows": [c.rows for c in cards],
            "file": [c.file for c in cards],
        }
    )


@lru_cache(maxsize=8)
def _load_translation(path: Path, mtime: float) -> dict:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))["datasets"]
    except (yaml.YAMLError, KeyError, TypeError) as exc:
        raise CatalogError(f"{path}: not a card translation file ({exc})") from None


def translate_card(card: DatasetCard, language: Language, root: Path | None = None) -> DatasetCard:
    """The card with its words in ``language``, from ``catalog.<language>.yaml``.

    Names, types, files, hashes and data values never change; only what a
    reader reads: title, description, quirks and what each column means.
    """
    if language == REFERENCE:
        return card
    path = (root or datasets_dir()) / f"catalog.{language}.yaml"
    if not path.is_file():
        raise DatasetError(f"no {language} translation of the dataset cards at {path}", dataset=card.name)
    text = _load_translation(path, path.stat().st_mtime).get(card.name)
    if text is None:
        raise DatasetError(f"{path.name} has no card for '{card.name}'", dataset=card.name)
    meanings = text.get("columns", {})
    columns = [c.model_copy(update={"description": meanings.get(c.name, c.description)}) for c in card.columns]
    return card.model_copy(
        update={
            "title": text.get("title", card.title),
            "description": text.get("description", card.description),
            "quirks": text.get("quirks", card.quirks),
            "columns": columns,
            "language": language,
        }
    )


def describe_dataset(name: str, lang: Language = REFERENCE) -> DatasetCard:
    """The dataset card for ``name`` in ``lang``: English (``"en"``) or any language the kit has.

    Jupyter shows it as a table: what each column means, where the data comes
    from and its known quirks.
    """
    if lang not in available_languages():
        known = ", ".join(available_languages())
        raise DatasetError(f"no dataset cards in language {lang!r}", dataset=name, hint=f"use one of {known}")
    return translate_card(load_catalog().card(name), lang)


_READS_AS = {"integer": "whole numbers", "number": "numbers", "datetime": "ISO 8601 dates", "date": "ISO 8601 dates"}


def _coerce(frame: pd.DataFrame, card: DatasetCard) -> pd.DataFrame:
    """Give each column the type its card declares; a value that does not fit is a :class:`DatasetError`."""
    for column in card.columns:
        values = frame[column.name]
        try:
            frame[column.name] = _typed(values, column.type, card, column.name)
        except (ValueError, TypeError, OverflowError):
            raise _unreadable(values, column, card) from None
    return frame


def _typed(values: pd.Series, kind: str, card: DatasetCard, name: str) -> pd.Series:
    if kind == "integer":
        return pd.to_numeric(values).astype("Int64")
    if kind == "number":
        return pd.to_numeric(values).astype("float64")
    if kind in ("datetime", "date"):
        return pd.to_datetime(values, format="ISO8601")
    if kind == "boolean":
        lowered = values.str.lower()
        bad = lowered.notna() & ~lowered.isin(["true", "false"])
        if bad.any():
            raise DatasetError(
                f"{card.file}: column '{name}' has non-boolean values such as {values[bad].iloc[0]!r}",
                dataset=card.name,
            )
        return lowered.map({"true": True, "false": False}).astype("boolean")
    return values.astype("str").where(values.notna())


def _unreadable(values: pd.Series, column: Column, card: DatasetCard) -> DatasetError:
    """The error for a column whose values are not what its card declares, naming the first bad one."""
    if column.type in ("datetime", "date"):
        parsed = pd.to_datetime(values, format="ISO8601", errors="coerce")
        hint = (
            "the kit reads a card's dates as ISO 8601 (2025-03-05 or 2025-03-05T14:30:00): rewrite the column so, "
            "declare it `text` in the card, or describe the file in a city profile (date_format or dayfirst) "
            "and check it with `kit course check --city FILE`"
        )
    else:
        number = pd.to_numeric(values, errors="coerce")
        parsed = number.where(number.round() == number) if column.type == "integer" else number
        hint = f"fix those values in {card.file}, or declare the column `text` in the card"
    bad = values[parsed.isna() & values.notna()]
    example = bad.iloc[0] if len(bad) else values.dropna().iloc[0]
    return DatasetError(
        f"{card.file}: column '{column.name}' ({column.type}) holds values that are not {_READS_AS[column.type]}, "
        f"such as {example!r}",
        dataset=card.name,
        hint=hint,
    )


def load_dataset(name: str):
    """Load a bundled dataset by name, with the column types its card declares.

    Dates become datetimes, ids and codes stay text (``"007"`` keeps its zeros),
    counts become integers and coordinates floats. Polygons come back as a
    GeoDataFrame in WGS84.

    Parameters
    ----------
    name
        A dataset name from ``kit.list_datasets()``, e.g. ``"service_requests"``.

    Returns
    -------
    pandas.DataFrame or geopandas.GeoDataFrame

    Raises
    ------
    DatasetError
        If the name is unknown, the file is missing or does not match its card,
        or a value does not fit its column's type (a date that is not ISO 8601,
        say): the message names the file, the column and the value.

    Examples
    --------
    >>> contacts = load_dataset("contacts")
    >>> contacts["date_joined"].dtype.kind
    'M'
    """
    card = load_catalog().card(name)
    path = datasets_dir() / card.file
    if not path.is_file():
        from kit.data.bundle import repair_hint  # bundle reads the catalog: imported only when needed

        raise DatasetError(f"dataset '{name}' is missing its file {path}", dataset=name, hint=repair_hint())
    stat = path.stat()
    return _read_dataset(name, str(path), stat.st_mtime_ns, stat.st_size).copy()


def warm_datasets() -> list[str]:
    """Parse every bundled dataset once, so later :func:`load_dataset` calls only copy it.

    The grading sandbox's warm server calls this (through :mod:`kit.data.warm`)
    before it forks a process per notebook, so no notebook re-reads the files.
    """
    names = [card.name for card in load_catalog().datasets]
    for name in names:
        load_dataset(name)
    return names


@lru_cache(maxsize=64)
def _read_dataset(name: str, path_text: str, mtime_ns: int, size: int):
    """The parsed dataset, cached by file identity (a regenerated file is read again)."""
    card = load_catalog().card(name)
    path = Path(path_text)
    if card.is_geo:
        import geopandas

        frame = geopandas.read_file(path)
        columns = [c for c in frame.columns if c != "geometry"]
        frame[columns] = frame[columns].astype("str")
    else:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
        columns = list(frame.columns)
    expected = [c.name for c in card.columns]
    if columns != expected:
        missing = sorted(set(expected) - set(columns))
        extra = sorted(set(columns) - set(expected))
        raise DatasetError(
            f"{card.file} does not match its catalog card: missing columns {missing}, unexpected columns {extra}",
            dataset=name,
        )
    return _coerce(frame, card)
