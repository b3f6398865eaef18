"""The dataset catalog: one card per bundled file, and loading by name.

The catalog is data (``datasets/catalog.yaml``), validated by pydantic. Each card
gives title, description, source, license, columns with types and meaning, known
quirks, how the file was made, its row count and its sha256.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path
from typing import Literal

import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from kit.errors import CatalogError, DatasetError
from kit.paths import datasets_dir

ColumnType = Literal["text", "integer", "number", "datetime", "date", "boolean", "point"]

__all__ = ["Catalog", "Column", "DatasetCard", "describe_dataset", "list_datasets", "load_catalog",
           "load_dataset", "dataset_path"]


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

    @property
    def is_geo(self) -> bool:
        return self.file.endswith(".geojson")

    def to_markdown(self) -> str:
        """The card as Markdown, for notebooks and docs."""
        lines = [f"### {self.title} (`{self.name}`)", "", self.description.strip(), "",
                 f"- **File:** `{self.file}` ({self.rows:,} rows)",
                 f"- **Source:** {self.source}", f"- **License:** {self.license}",
                 f"- **Made by:** `{self.made_by}`", "", "| column | type | meaning |", "|---|---|---|"]
        lines += [f"| `{c.name}` | {c.type} | {c.description} |" for c in self.columns]
        if self.quirks:
            lines += ["", "**Known quirks**", ""] + [f"- {q}" for q in self.quirks]
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
        {"name": [c.name for c in cards], "title": [c.title for c in cards],
         "rows": [c.rows for c in cards], "file": [c.file for c in cards]}
    )


def describe_dataset(name: str) -> DatasetCard:
    """The dataset card for ``name`` (shown as a table in Jupyter)."""
    return load_catalog().card(name)


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _coerce(frame: pd.DataFrame, card: DatasetCard) -> pd.DataFrame:
    """Give each column the type its card declares."""
    for column in card.columns:
        values = frame[column.name]
        if column.type == "integer":
            frame[column.name] = pd.to_numeric(values).astype("Int64")
        elif column.type == "number":
            frame[column.name] = pd.to_numeric(values).astype("float64")
        elif column.type in ("datetime", "date"):
            frame[column.name] = pd.to_datetime(values, format="ISO8601")
        elif column.type == "boolean":
            lowered = values.str.lower()
            bad = lowered.notna() & ~lowered.isin(["true", "false"])
            if bad.any():
                raise DatasetError(f"{card.file}: column '{column.name}' has non-boolean values "
                                   f"such as {values[bad].iloc[0]!r}", dataset=card.name)
            frame[column.name] = lowered.map({"true": True, "false": False}).astype("boolean")
        else:
            frame[column.name] = values.astype("str").where(values.notna())
    return frame


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

    Examples
    --------
    >>> contacts = load_dataset("contacts")
    >>> contacts["date_joined"].dtype.kind
    'M'
    """
    card = load_catalog().card(name)
    path = datasets_dir() / card.file
    if not path.is_file():
        raise DatasetError(f"dataset '{name}' is missing its file {path}", dataset=name,
                           hint="run `kit data generate` to rebuild the bundled files")
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
        raise DatasetError(f"{card.file} does not match its catalog card: missing columns {missing}, "
                           f"unexpected columns {extra}", dataset=name)
    return _coerce(frame, card)
