"""The catalogs dataset requests are matched against: the kit's own, or a city's export.

- :func:`bundled_catalog` — the kit's bundled datasets, from their cards in
  every available language plus :data:`kit.feedback.requests.SYNONYMS` and
  :data:`kit.feedback.requests.TOPICS`;
- :func:`load_city_catalog` — a city's own export, told apart by its content:
  Socrata Discovery API JSON (``/api/catalog/v1``), Socrata ``/api/views``
  JSON, or a CSV with name/title/description columns.

Both give :class:`kit.feedback.requests.CatalogEntry` values, in catalog order,
for :func:`kit.feedback.requests.match_requests`.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

from kit.data.catalog import load_catalog, translate_card
from kit.data.text import fold_words
from kit.errors import CatalogError
from kit.feedback.requests import SYNONYMS, TOPICS, CatalogEntry
from kit.feedback.text_files import decode_text
from kit.languages import REFERENCE, available_languages

__all__ = ["bundled_catalog", "load_city_catalog"]


# ---- the bundled catalog -----------------------------------------------------------


def bundled_catalog() -> list[CatalogEntry]:
    """The kit's bundled datasets as catalog entries, in every language the kit speaks.

    Title and description come from each English dataset card; keywords are
    :data:`SYNONYMS` and the card's title in each other available language
    (``catalog.<lang>.yaml``, :func:`kit.languages.available_languages`); notes
    are its description in those languages and :data:`TOPICS`; columns are the
    column names and their meanings in every language.

    Examples
    --------
    >>> [e.name for e in bundled_catalog()][:3]
    ['neighborhoods', 'neighborhood_population', 'service_requests']
    """
    others = [lang for lang in available_languages() if lang != REFERENCE]
    entries = []
    for card in load_catalog().datasets:
        translated = [translate_card(card, lang) for lang in others]
        columns = tuple(c.name for c in card.columns) + tuple(
            c.description for t in (card, *translated) for c in t.columns
        )
        entries.append(
            CatalogEntry(
                name=card.name,
                title=card.title,
                description=card.description.strip(),
                keywords=(*SYNONYMS.get(card.name, ()), *(t.title for t in translated)),
                columns=columns,
                notes=(*(t.description.strip() for t in translated), *TOPICS.get(card.name, ())),
            )
        )
    return entries


# ---- a city's catalog -------------------------------------------------------------


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def _texts(values: object) -> tuple[str, ...]:
    if isinstance(values, str):
        values = [values]
    if not isinstance(values, list):
        return ()
    return tuple(t for t in (_text(v) for v in values) if t)


def _entry(
    path: Path,
    where: str,
    *,
    name: object,
    title: object,
    description: object = "",
    keywords: tuple[str, ...] = (),
    url: object = None,
    columns: tuple[str, ...] = (),
) -> CatalogEntry:
    title_text = _text(title) or _text(name)
    if not title_text:
        raise CatalogError(f"{path}: {where} has no name or title")
    return CatalogEntry(
        name=_text(name) or title_text,
        title=title_text,
        description=_text(description),
        keywords=keywords,
        url=_text(url) or None,
        columns=columns,
    )


def _from_discovery(path: Path, raw: dict) -> list[CatalogEntry]:
    """Socrata Discovery API (``/api/catalog/v1``): ``{"results": [{"resource": ..., "classification": ...}]}``."""
    entries = []
    for i, result in enumerate(raw["results"]):
        resource = result.get("resource") if isinstance(result, dict) else None
        if not isinstance(resource, dict):
            raise CatalogError(f"{path}: results[{i}] has no 'resource' (expected a Socrata Discovery API export)")
        classification = result.get("classification") or {}
        keywords = tuple(
            t
            for key in ("categories", "tags", "domain_tags", "domain_category")
            for t in _texts(classification.get(key))
        )
        columns = _texts(resource.get("columns_name")) + _texts(resource.get("columns_description"))
        entries.append(
            _entry(
                path,
                f"results[{i}]",
                name=resource.get("id"),
                title=resource.get("name"),
                description=resource.get("description"),
                keywords=keywords,
                url=result.get("link") or result.get("permalink"),
                columns=columns,
            )
        )
    return entries


def _from_views(path: Path, views: list) -> list[CatalogEntry]:
    """Socrata ``/api/views``: a list of views (``name``, ``id``, ``description``, ``tags``, ``columns``)."""
    entries = []
    for i, view in enumerate(views):
        if not isinstance(view, dict) or not _text(view.get("name")):
            raise CatalogError(
                f"{path}: item {i} is not a dataset view with a 'name' (expected Socrata "
                "/api/views JSON, not a data export)"
            )
        cols = [c for c in view.get("columns") or [] if isinstance(c, dict)]
        columns = tuple(t for c in cols for t in (_text(c.get("name")), _text(c.get("description"))) if t)
        keywords = _texts(view.get("tags")) + _texts(view.get("category"))
        entries.append(
            _entry(
                path,
                f"item {i}",
                name=view.get("id"),
                title=view.get("name"),
                description=view.get("description"),
                keywords=keywords,
                columns=columns,
            )
        )
    return entries


def _from_json(path: Path, raw: object) -> list[CatalogEntry]:
    if isinstance(raw, dict) and isinstance(raw.get("results"), list):
        return _from_discovery(path, raw)
    if isinstance(raw, dict) and raw.get("error") is True:
        raise CatalogError(f"{path}: is a Socrata error response, not a catalog: {_text(raw.get('message'))}")
    if isinstance(raw, dict) and "id" in raw and "name" in raw:
        return _from_views(path, [raw])  # a single /api/views/<id>.json
    if isinstance(raw, list):
        return _from_views(path, raw)
    raise CatalogError(
        f"{path}: JSON, but not a Socrata catalog (expected /api/catalog/v1 with 'results', "
        "or /api/views: a list of views with 'name')"
    )


_CSV_COLUMNS = {
    "id": ("id", "uid", "u id", "dataset id", "identifier"),
    "name": ("name", "dataset", "dataset name"),
    "title": ("title", "dataset title"),
    "description": ("description", "notes", "summary"),
    "keywords": ("keywords", "tags", "category", "categories", "theme", "topic"),
    "url": ("url", "link", "permalink", "landing page", "landingpage"),
}


def _csv_fields(header: list[str]) -> dict[str, list[int]]:
    """Which header positions hold id, name, title, description, keywords, url (case and spaces ignored)."""
    folded = [fold_words(h) for h in header]
    return {field: [i for i, h in enumerate(folded) if h in names] for field, names in _CSV_COLUMNS.items()}


def _from_csv(path: Path, text: str) -> list[CatalogEntry]:
    """A CSV with name/title/description (and optional keywords, url) columns, any case."""
    try:
        rows = list(csv.reader(io.StringIO(text)))
    except csv.Error as exc:
        raise CatalogError(f"{path}: not a readable CSV ({exc})") from None
    if not rows:
        raise CatalogError(f"{path}: empty file (expected a catalog CSV with a name or title column)")
    fields = _csv_fields(rows[0])
    if not fields["id"] and not fields["name"] and not fields["title"]:
        found = ", ".join(h.strip() for h in rows[0][:8])
        raise CatalogError(
            f"{path}: expected a catalog CSV with a name or title column "
            f"(and description, keywords, url); found columns: {found}"
        )

    def cell(row: list[str], field: str) -> str:
        return next((row[i].strip() for i in fields[field] if i < len(row) and row[i].strip()), "")

    entries = []
    for line, row in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in row):
            continue
        keywords = tuple(
            k.strip() for i in fields["keywords"] if i < len(row) for k in re.split(r"[,;|]", row[i]) if k.strip()
        )
        name, title = cell(row, "id") or cell(row, "name"), cell(row, "title") or cell(row, "name")
        entries.append(
            _entry(
                path,
                f"line {line}",
                name=name,
                title=title,
                description=cell(row, "description"),
                keywords=keywords,
                url=cell(row, "url"),
            )
        )
    return entries


def _read_text(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CatalogError(f"{path}: the catalog cannot be read ({exc.strerror or exc})") from None
    decoded = decode_text(data)
    if decoded is None:
        raise CatalogError(
            f"{path}: not a text file (expected Socrata catalog JSON or a catalog CSV; save a spreadsheet as CSV)"
        )
    return decoded[0]


def load_city_catalog(path: str | Path) -> list[CatalogEntry]:
    """Read a city's own catalog export.

    Three shapes are understood, told apart by their content:

    1. Socrata Discovery API JSON (``/api/catalog/v1?domains=...``):
       ``{"results": [{"resource": {"name", "id", "description", "columns_name"...},
       "classification": {"categories", "tags", "domain_tags"...}, "link"}]}``;
    2. Socrata ``/api/views`` JSON: a list of views (``name``, ``id``,
       ``description``, ``tags``, ``columns: [{"name"}]``), or one view;
    3. a CSV with ``name``, ``title``, ``description`` and optional
       ``keywords`` and ``url`` columns, headers in any case (a CKAN or
       Socrata catalog CSV with ``Name``, ``Description``, ``URL`` works).

    Parameters
    ----------
    path
        The export file.

    Returns
    -------
    list of CatalogEntry
        In file order (the order ties are settled in).

    Raises
    ------
    CatalogError
        One line naming the file and what was expected, when it cannot be read,
        is none of the three shapes, or lists no dataset.
    """
    path = Path(path)
    text = _read_text(path)
    if text.lstrip()[:1] in ("{", "["):
        try:
            raw = json.loads(text)
        except json.JSONDecodeError as exc:
            raise CatalogError(
                f"{path}:{exc.lineno}: not valid JSON ({exc.msg}); expected a Socrata catalog export"
            ) from None
        entries = _from_json(path, raw)
    else:
        entries = _from_csv(path, text)
    if not entries:
        raise CatalogError(f"{path}: the catalog lists no datasets")
    return entries
