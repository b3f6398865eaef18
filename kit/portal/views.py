"""What a portal says about its datasets: view metadata and the Discovery API's catalog.

``/api/views/<id>.json`` answers as Socrata's views API does (compare
``../shared/realdata/socrata_wire/koop-socrata_seattle_2015/schools-view.json``): id,
name, description, attribution, license, times in seconds since the epoch, and
``columns[]`` with ``fieldName``, ``name``, ``dataTypeName``, ``description`` and
``position``. ``/api/catalog/v1`` answers as the Discovery API does (compare
``sodapy_fixtures/catalog_api_get_datasets.json``): ``results[].resource``,
``classification``, ``metadata.domain``, ``permalink``, ``link``, ``resultSetSize``.
The dataset's kit name rides along where Socrata keeps custom key/values:
``classification.domain_metadata`` (key ``kit_dataset-name``).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime

from kit.portal.store import Dataset

__all__ = ["DATASET_NAME_KEY", "catalog_json", "view_json"]

DATASET_NAME_KEY = "kit_dataset-name"
OWNER = {"id": "kit0-0000", "displayName": "Civic Data Training Kit", "screenName": "Civic Data Training Kit"}
# dataTypeName -> how the Discovery API spells the type of a column
_DISCOVERY_TYPES = {
    "text": "Text",
    "number": "Number",
    "checkbox": "Checkbox",
    "calendar_date": "Calendar date",
    "location": "Location",
    "point": "Point",
    "multipolygon": "MultiPolygon",
    "url": "URL",
}


def _column_id(dataset: Dataset, field_name: str) -> int:
    """A stable number for a column, as Socrata gives each column an integer id."""
    return int.from_bytes(hashlib.sha256(f"{dataset.id}/{field_name}".encode()).digest()[:3], "big")


def _columns(dataset: Dataset) -> list[dict]:
    return [
        {
            "id": _column_id(dataset, f.field_name),
            "name": f.name,
            "dataTypeName": f.type,
            "description": f.description,
            "fieldName": f.field_name,
            "position": position,
            "renderTypeName": f.type,
            "tableColumnId": _column_id(dataset, f.field_name),
            "format": {},
        }
        for position, f in enumerate(dataset.fields, start=1)
    ]


def view_json(dataset: Dataset) -> dict:
    """The metadata of one dataset, as ``/api/views/<id>.json`` answers it."""
    card, updated = dataset.card, dataset.updated_at
    return {
        "id": dataset.id,
        "name": card.title,
        "attribution": card.source,
        "averageRating": 0,
        "createdAt": updated,
        "description": card.description.strip(),
        "displayType": "map" if card.is_geo else "table",
        "downloadCount": 0,
        "indexUpdatedAt": updated,
        "newBackend": True,
        "numberOfComments": 0,
        "publicationAppendEnabled": False,
        "publicationDate": updated,
        "publicationStage": "published",
        "rowsUpdatedAt": updated,
        "rowsUpdatedBy": OWNER["id"],
        "viewLastModified": updated,
        "viewType": "tabular",
        "columns": _columns(dataset),
        "license": {"name": card.license},
        "metadata": {
            "custom_fields": {
                "Provenance": {"Made by": card.made_by, "Known quirks": " ".join(card.quirks)},
                "Kit": {"Dataset name": dataset.name},
            },
            "rowLabel": "Row",
        },
        "owner": OWNER,
        "query": {},
        "rights": ["read"],
        "tableAuthor": OWNER,
        "tags": [],
        "flags": ["default"],
    }


def _iso(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _slug(title: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", title).strip("-")


def _result(dataset: Dataset, domain: str) -> dict:
    card, fields = dataset.card, dataset.fields
    return {
        "resource": {
            "name": card.title,
            "id": dataset.id,
            "parent_fxf": None,
            "description": card.description.strip(),
            "attribution": card.source,
            "type": "dataset",
            "updatedAt": _iso(dataset.updated_at),
            "createdAt": _iso(dataset.updated_at),
            "columns_name": [f.name for f in fields],
            "columns_field_name": [f.field_name for f in fields],
            "columns_datatype": [_DISCOVERY_TYPES.get(f.type, f.type) for f in fields],
            "columns_description": [f.description for f in fields],
            "columns_format": [{} for _ in fields],
            "download_count": 0,
            "provenance": "official",
        },
        "classification": {
            "categories": [],
            "tags": [],
            "domain_category": None,
            "domain_tags": [],
            "domain_metadata": [{"key": DATASET_NAME_KEY, "value": dataset.name}],
        },
        "metadata": {"domain": domain, "license": card.license},
        "permalink": f"http://{domain}/d/{dataset.id}",
        "link": f"http://{domain}/dataset/{_slug(card.title)}/{dataset.id}",
        "owner": {"id": OWNER["id"], "display_name": OWNER["displayName"]},
    }


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text.casefold())


def _matches(dataset: Dataset, words: list[str]) -> bool:
    """Whether every word of the search appears in the dataset's title, description or columns."""
    card = dataset.card
    text = " ".join(
        [dataset.name, card.title, card.description, card.source]
        + [f"{f.name} {f.field_name} {f.description}" for f in dataset.fields]
    )
    found = set(_words(text))
    return all(word in found for word in words)


def _values(params: Mapping[str, Sequence[str]], key: str) -> list[str]:
    """A parameter given once, repeated, or as a comma-separated list."""
    return [part.strip() for value in params.get(key, []) for part in value.split(",") if part.strip()]


def _count(params: Mapping[str, Sequence[str]], key: str, default: int) -> int:
    """A non-negative whole number parameter; ``ValueError`` naming it otherwise."""
    text = (params.get(key) or [str(default)])[-1]
    if not text.isdigit():
        raise ValueError(f"{key} must be a whole number, not {text!r}")
    return int(text)


def catalog_json(
    datasets: Sequence[Dataset],
    params: Mapping[str, Sequence[str]],
    domain: str,
    is_ours: Callable[[str], bool],
) -> dict:
    """The Discovery API's answer to ``/api/catalog/v1?<params>``.

    Parameters
    ----------
    datasets
        Every served dataset, in catalog order.
    params
        The query's parameters, each a list of values: ``q``, ``domains``, ``ids``,
        ``only``, ``limit`` (default 100) and ``offset``.
    domain
        This portal's domain, written in each result.
    is_ours
        ``is_ours(domain) -> bool``: whether a ``domains=`` value names this portal.
    """
    domains, ids, only = _values(params, "domains"), _values(params, "ids"), _values(params, "only")
    words = _words(" ".join(params.get("q", [])))
    chosen = [
        d
        for d in datasets
        if (not domains or any(is_ours(x) for x in domains))
        and (not ids or d.id in ids)
        and (not only or "dataset" in only or "datasets" in only)
        and _matches(d, words)
    ]
    limit, offset = _count(params, "limit", 100), _count(params, "offset", 0)
    return {
        "results": [_result(d, domain) for d in chosen[offset : offset + limit]],
        "resultSetSize": len(chosen),
        "timings": {"serviceMillis": 0, "searchMillis": [0, 0]},
    }
