"""A client for Socrata open-data portals, on sodapy: the only module of the kit that imports it.

What it adds to ``sodapy.Socrata``:

- **Paging that cannot skip or repeat rows**: every page is asked for with ``$order`` (``:id``,
  or the query's order followed by ``:id``) and ``$limit``/``$offset``. sodapy's ``get_all``
  pages without an order, so a portal is free to answer page 2 in another order than page 1.
- **Retries** on 429, 5xx, connection errors and timeouts, with exponential backoff and jitter,
  honouring ``Retry-After`` (:mod:`kit.data.retry`); then one :class:`~kit.errors.PortalError`
  naming the domain, the dataset and the status.
- **Types** from the dataset's metadata (:mod:`kit.data.soda_wire`): numbers, dates, booleans,
  ``<col>_latitude``/``<col>_longitude`` for points and locations, a GeoDataFrame for geometry.
  ``:@computed_region_*`` columns are dropped unless asked for.
- **A disk cache** per domain + dataset + query, with the time fetched
  (:mod:`kit.data.socrata_cache`); ``refresh=True`` fetches again.
- **Streaming**: each page is appended to a file on disk as it arrives, so a million rows are
  never all in memory while fetching; the typed frame is read from that file at the end.
- **The app token** comes from ``SOCRATA_APP_TOKEN`` (or ``app_token=``) and goes only into the
  request headers: never printed, logged, cached or written to a file.

A domain on a loopback address (``127.0.0.1:8080``, ``localhost:8080``: the kit's local portal,
``kit portal serve``) is spoken to over plain HTTP; every other domain over HTTPS.
"""

from __future__ import annotations

import csv
import ipaddress
import json
import logging
import os
import re
import shutil
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import requests
from sodapy import Socrata

from kit.data.catalog import DatasetCard
from kit.data.retry import RetryPolicy, call_with_retries
from kit.data.socrata_cache import CacheEntry, SocrataCache
from kit.data.soda_wire import (
    GEOMETRY_TYPES,
    SodaField,
    card_columns,
    fields_from_headers,
    fields_from_metadata,
    flat_header,
    flat_rows,
    read_flat,
)
from kit.errors import DatasetError, PortalError

__all__ = [
    "TOKEN_VARIABLE",
    "Download",
    "FetchQuery",
    "SocrataClient",
    "download_dataset",
    "is_loopback",
    "search_portal",
    "sodapy_client",
]

TOKEN_VARIABLE = "SOCRATA_APP_TOKEN"
Progress = Callable[[int, "int | None"], None]
_UNREACHABLE = object()  # the portal gave no answer (see SocrataClient._current_metadata)
_AGGREGATE = re.compile(r"\b(count|sum|avg|min|max)\s*\(", re.IGNORECASE)
_NO_TOKEN_WARNING = "Requests made without an app_token"


# --- connecting -----------------------------------------------------------------------------------


def is_loopback(domain: str) -> bool:
    """Whether ``domain`` (``host`` or ``host:port``) is this machine: spoken to over plain HTTP.

    Examples
    --------
    >>> is_loopback("127.0.0.1:8080"), is_loopback("localhost"), is_loopback("[::1]:8080")
    (True, True, True)
    >>> is_loopback("data.cityofnewyork.us")
    False
    """
    host = domain.rsplit("@", 1)[-1]
    if host.startswith("["):
        host = host[1 : host.find("]")]
    elif host.count(":") == 1:
        host = host.split(":")[0]
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class _HideNoTokenWarning(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return _NO_TOKEN_WARNING not in record.getMessage()


def sodapy_client(domain: str, app_token: str | None = None, timeout: float = 30) -> Socrata:
    """A ``sodapy.Socrata`` for ``domain``: plain HTTP to a loopback domain, HTTPS otherwise.

    ``app_token`` defaults to the ``SOCRATA_APP_TOKEN`` environment variable; it is sent as the
    ``X-App-Token`` header and kept nowhere else. sodapy's warning about a missing token is not
    shown for a local portal, which never throttles by token.
    """
    token = app_token if app_token is not None else os.environ.get(TOKEN_VARIABLE)
    if not domain or "/" in domain:
        raise PortalError(
            f"not a portal domain: {domain!r}",
            domain=domain,
            hint="give the host name only, e.g. data.cityofnewyork.us or 127.0.0.1:8080",
        )
    adapter = {"prefix": "http://", "adapter": requests.adapters.HTTPAdapter()} if is_loopback(domain) else None
    quiet = _HideNoTokenWarning()
    root = logging.getLogger()
    if adapter:
        root.addFilter(quiet)
    try:
        return Socrata(domain, token or None, session_adapter=adapter, timeout=timeout)
    finally:
        root.removeFilter(quiet)


# --- queries --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FetchQuery:
    """What to fetch from a dataset; ``None`` means the parameter is not sent."""

    select: str | None = None
    where: str | None = None
    order: str | None = None
    q: str | None = None
    limit: int | None = None
    computed_regions: bool = False

    @property
    def aggregates(self) -> bool:
        """Whether ``select`` aggregates (``count(*)``…): its rows have no ``:id`` to order by."""
        return bool(self.select and _AGGREGATE.search(self.select))

    def page_order(self) -> str | None:
        """The ``$order`` every page is asked with: the query's order, then ``:id`` to break ties.

        Examples
        --------
        >>> FetchQuery().page_order()
        ':id'
        >>> FetchQuery(order="created_date DESC").page_order()
        'created_date DESC, :id'
        """
        if self.aggregates:
            return self.order
        if not self.order:
            return ":id"
        return self.order if ":id" in self.order else f"{self.order}, :id"

    def params(self) -> dict[str, str]:
        """The SoQL parameters (sodapy's keyword names) of every page, without paging."""
        chosen = {"select": self.select, "where": self.where, "order": self.page_order(), "q": self.q}
        return {name: value for name, value in chosen.items() if value}


@dataclass(frozen=True)
class Download:
    """What :func:`download_dataset` wrote."""

    path: Path
    rows: int
    fetched_at: datetime
    from_cache: bool


# --- the client -----------------------------------------------------------------------------------


class SocrataClient:
    """A Socrata portal: search its catalog, read metadata as a dataset card, fetch typed frames.

    Parameters
    ----------
    domain
        The portal, e.g. ``data.cityofnewyork.us``, or ``127.0.0.1:8080`` for ``kit portal serve``.
    app_token
        A Socrata app token; by default ``SOCRATA_APP_TOKEN`` from the environment.
    cache_dir
        The cache folder (default ``$KIT_CACHE_DIR`` or ``~/.cache/kit/socrata``).
    page_size
        Rows per request (SODA 2.0 answers at most 50,000).
    retries, backoff
        Attempts after the first, and the first wait in seconds (doubling, with jitter).
    timeout
        Seconds to wait for each answer.
    """

    def __init__(
        self,
        domain: str,
        *,
        app_token: str | None = None,
        cache_dir: Path | None = None,
        page_size: int = 50_000,
        retries: int = 5,
        backoff: float = 0.5,
        timeout: float = 30,
    ) -> None:
        if page_size < 1:
            raise DatasetError(f"page_size must be at least 1, not {page_size}")
        self.domain = domain
        self.page_size = page_size
        self.retry = RetryPolicy(retries=retries, backoff=backoff)
        self.cache = SocrataCache(cache_dir)
        self._soda = sodapy_client(domain, app_token, timeout)

    def __repr__(self) -> str:  # never shows the token
        return f"SocrataClient({self.domain!r}, page_size={self.page_size})"

    def __enter__(self) -> SocrataClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the HTTP session."""
        self._soda.close()

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:8080`` or ``https://data.cityofnewyork.us``."""
        return f"{self._soda.uri_prefix}{self.domain}"

    def _call(self, call: Callable, dataset: str | None = None, policy: RetryPolicy | None = None):
        return call_with_retries(call, policy or self.retry, domain=self.domain, dataset=dataset)

    # metadata and catalog

    def metadata(self, dataset: str) -> dict:
        """The dataset's metadata, ``/api/views/<id>.json``: name, description, license, columns…"""
        return self._call(lambda: self._soda.get_metadata(dataset), dataset)

    def card(self, dataset: str) -> DatasetCard:
        """The dataset's metadata as a dataset card, the format of ``datasets/catalog.yaml``.

        The card's ``source`` names the portal and when its rows were last updated; ``rows`` is
        a ``count(*)`` asked now; ``file`` is what ``kit data fetch`` would write. ``sha256`` is
        empty: nothing has been downloaded yet.
        """
        return _card(self.metadata(dataset), dataset, self.count(dataset), self.base_url, self.domain)

    def search(self, q: str, *, limit: int = 20) -> pd.DataFrame:
        """Datasets of this portal matching ``q``, through the Discovery API (``/api/catalog/v1``).

        Returns a table: id, name, type, updated_at, description, columns.
        """
        results = self._call(lambda: self._soda.datasets(limit=limit, q=q))
        return _search_table(results)

    def count(self, dataset: str, *, where: str | None = None, q: str | None = None) -> int:
        """Rows of ``dataset`` (matching ``where`` and ``q``), by a ``count(*)`` query."""
        params = {name: value for name, value in {"where": where, "q": q}.items() if value}
        answer = self._call(lambda: self._soda.get(dataset, select="count(*)", **params), dataset)
        try:
            return int(float(next(iter(answer[0].values()))))
        except (IndexError, StopIteration, TypeError, ValueError, AttributeError):
            raise PortalError(
                f"{self.domain}, dataset {dataset}: unexpected answer to count(*): {str(answer)[:80]}",
                domain=self.domain,
                dataset=dataset,
            ) from None

    # rows

    def fetch(
        self,
        dataset: str,
        *,
        select: str | None = None,
        where: str | None = None,
        order: str | None = None,
        q: str | None = None,
        limit: int | None = None,
        refresh: bool = False,
        computed_regions: bool = False,
        progress: Progress | None = None,
    ):
        """The rows of ``dataset`` as a typed DataFrame (a GeoDataFrame when it has geometry).

        Parameters
        ----------
        dataset
            The dataset id (four-by-four), e.g. ``erm2-nwe9``.
        select, where, order, q
            SoQL ``$select``, ``$where``, ``$order``, ``$q``. Pages are always ordered: by
            ``order`` then ``:id``, or by ``:id``.
        limit
            At most this many rows (default: all).
        refresh
            Fetch again even when the cache holds this query.
        computed_regions
            Keep the portal's ``:@computed_region_*`` columns.
        progress
            Called after each page with (rows so far, total rows or ``None``).

        Returns
        -------
        pandas.DataFrame or geopandas.GeoDataFrame
            Types as :mod:`kit.data.soda_wire` describes; a point or location column ``loc``
            becomes ``loc_latitude`` and ``loc_longitude``.
        """
        query = FetchQuery(select, where, order, q, limit, computed_regions)
        entry, _ = self._fetched(dataset, query, refresh=refresh, progress=progress)
        return read_flat(entry.path, entry.fields)

    def fetch_to_file(self, dataset: str, path: Path, **options) -> Path:
        """Stream the rows of ``dataset`` to a CSV file at ``path`` (same options as :meth:`fetch`).

        The file holds the flat columns as the portal sent them (points split into latitude and
        longitude, geometry as GeoJSON text), one page appended at a time.
        """
        return self.download(dataset, Path(path), **options).path

    def download(
        self, dataset: str, path: Path, *, refresh: bool = False, progress: Progress | None = None, **query
    ) -> Download:
        """:meth:`fetch_to_file`, telling also how many rows, when fetched and whether from the cache."""
        if path.suffix.lower() != ".csv":
            raise DatasetError(f"cannot write {path.name}: the client writes CSV", hint="name the file *.csv")
        entry, from_cache = self._fetched(dataset, FetchQuery(**query), refresh=refresh, progress=progress)
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(entry.path, path)
        return Download(path, entry.rows, entry.fetched_at, from_cache)

    def _fetched(
        self, dataset: str, query: FetchQuery, *, refresh: bool, progress: Progress | None
    ) -> tuple[CacheEntry, bool]:
        """The cache entry for this query: from the cache, or fetched now page by page into it.

        A cached answer is used while the dataset's ``rowsUpdatedAt`` is the one it was fetched
        at, or when the portal cannot be reached to ask (working offline).
        """
        key = {"format": "flat-csv-1", **asdict(query)}
        cached = None if refresh else self.cache.get(self.domain, dataset, key)
        metadata = self._current_metadata(dataset, offline_ok=cached is not None)
        updated = None if metadata is _UNREACHABLE else metadata.get("rowsUpdatedAt")
        if cached is not None and (metadata is _UNREACHABLE or cached.rows_updated_at == updated):
            if progress:
                progress(cached.rows, cached.rows)
            return cached, True
        fields = self._fields(dataset, query, metadata)
        total = self._total(dataset, query)
        with self.cache.writing(self.domain, dataset, key) as partial:
            rows = self._stream(dataset, query, fields, partial, progress=progress, total=total)
            return self.cache.commit(partial, self.domain, dataset, key, fields, rows, updated), False

    def _current_metadata(self, dataset: str, *, offline_ok: bool):
        """The dataset's metadata now; :data:`_UNREACHABLE` when no answer came and ``offline_ok``."""
        policy = replace(self.retry, retries=0) if offline_ok else self.retry  # a cache at hand: no waiting
        try:
            return self._call(lambda: self._soda.get_metadata(dataset), dataset, policy)
        except PortalError as exc:
            if offline_ok and exc.status is None:
                return _UNREACHABLE
            raise

    def _total(self, dataset: str, query: FetchQuery) -> int | None:
        """How many rows the query will give, for the progress bar (``None`` for aggregates)."""
        if query.aggregates:
            return None
        total = self.count(dataset, where=query.where, q=query.q)
        return total if query.limit is None else min(total, query.limit)

    def _fields(self, dataset: str, query: FetchQuery, metadata: dict) -> list[SodaField]:
        """The answer's fields: the metadata's columns, or (with ``$select``) the answer's headers."""
        if not query.select:
            return fields_from_metadata(metadata, computed_regions=query.computed_regions)
        names, types = self._answer_header(dataset, query)
        by_name = {f.name: f for f in fields_from_metadata(metadata, computed_regions=True)}
        return [
            by_name.get(f.name, f) for f in fields_from_headers(names, types, computed_regions=query.computed_regions)
        ]

    def _answer_header(self, dataset: str, query: FetchQuery) -> tuple[list[str], list[str]]:
        """``X-SODA2-Fields`` and ``X-SODA2-Types`` of the query's answer (asked for one row)."""
        soql = {f"${name}": value for name, value in query.params().items()} | {"$limit": "1"}

        def ask() -> requests.Response:
            response = self._soda.session.get(
                f"{self.base_url}/resource/{dataset}.json", params=soql, timeout=self._soda.timeout
            )
            response.raise_for_status()
            return response

        headers = self._call(ask, dataset).headers
        try:
            return json.loads(headers["X-SODA2-Fields"]), json.loads(headers["X-SODA2-Types"])
        except (KeyError, ValueError):
            raise PortalError(
                f"{self.domain}, dataset {dataset}: the answer has no X-SODA2-Fields/X-SODA2-Types headers",
                domain=self.domain,
                dataset=dataset,
                hint="fetch without select= and choose columns from the frame",
            ) from None

    def _pages(self, dataset: str, query: FetchQuery, total: int | None) -> Iterator[list[dict]]:
        """Every page of the answer, in a stable order, each asked for with retries.

        The next page is asked for (in one background thread) while the caller writes this one,
        so the portal and the client work at the same time; at most two pages are in memory.
        """
        params, offset = query.params(), 0

        def ask(size: int, offset: int) -> list[dict]:
            return self._call(lambda: self._soda.get(dataset, limit=size, offset=offset, **params), dataset)

        def size_at(offset: int) -> int:
            return self.page_size if query.limit is None else min(self.page_size, query.limit - offset)

        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="kit-socrata-page") as pool:
            size = size_at(0)
            pending = pool.submit(ask, size, 0)
            while pending is not None:
                page = pending.result()
                got, pending = len(page), None
                offset += got
                # a short page is the end, unless the portal caps pages below our size and rows remain
                last = not got or (got < size and (total is None or offset >= total))
                if not last and (query.limit is None or offset < query.limit):
                    size = size_at(offset)
                    pending = pool.submit(ask, size, offset)
                if got:
                    yield page
                del page  # dropped before the page after next is asked for

    def _stream(
        self,
        dataset: str,
        query: FetchQuery,
        fields: list[SodaField],
        out: Path,
        *,
        progress: Progress | None,
        total: int | None,
    ) -> int:
        """Append every page to ``out`` as flat CSV rows as it arrives; the number of rows."""
        rows = 0
        with out.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(flat_header(fields))
            for page in self._pages(dataset, query, total):
                writer.writerows(flat_rows(page, fields))
                rows += len(page)
                del page
                if progress:
                    progress(rows, total)
        return rows


# --- plain values from portal answers -------------------------------------------------------------


def _updated_at(metadata: dict) -> str | None:
    stamp = metadata.get("rowsUpdatedAt") or metadata.get("viewLastModified")
    if not isinstance(stamp, int | float):
        return None
    return datetime.fromtimestamp(stamp, UTC).strftime("%Y-%m-%d %H:%M UTC")


def _license(metadata: dict) -> str:
    license_ = metadata.get("license")
    if isinstance(license_, dict) and license_.get("name"):
        return str(license_["name"])
    return str(metadata.get("licenseId") or "not stated on the portal")


def _card(metadata: dict, dataset: str, rows: int, base_url: str, domain: str) -> DatasetCard:
    fields = fields_from_metadata(metadata)
    geo = any(f.kind in GEOMETRY_TYPES for f in fields)
    file = f"{dataset}.{'geojson' if geo else 'csv'}"
    updated = _updated_at(metadata)
    source = f"Socrata portal {base_url}/d/{dataset}"
    quirks = ["Every value arrives as text; kit.data.socrata types it from this card's column types."]
    if any(f.kind in ("point", "location") for f in fields):
        quirks.append("Point and location columns are fetched as <column>_latitude and <column>_longitude.")
    return DatasetCard(
        name=dataset,
        file=file,
        title=str(metadata.get("name") or dataset),
        description=str(metadata.get("description") or "(no description on the portal)"),
        source=source,
        license=_license(metadata),
        made_by=f"kit data fetch --domain {domain} --dataset {dataset} -o {dataset}.csv",
        rows=rows,
        sha256="",
        quirks=quirks,
        columns=card_columns(fields),
        updated_at=updated,
    )


def _search_table(results: list[dict]) -> pd.DataFrame:
    rows = []
    for result in results:
        resource = result.get("resource", {})
        rows.append(
            {
                "id": resource.get("id"),
                "name": resource.get("name"),
                "type": resource.get("type"),
                "updated_at": resource.get("updatedAt") or resource.get("data_updated_at"),
                "description": (resource.get("description") or "").strip(),
                "columns": ", ".join(resource.get("columns_field_name") or []),
            }
        )
    return pd.DataFrame(rows, columns=["id", "name", "type", "updated_at", "description", "columns"])


# --- what the CLI calls ---------------------------------------------------------------------------


def search_portal(domain: str, q: str, *, limit: int = 20) -> pd.DataFrame:
    """``kit data search``: datasets of ``domain`` matching ``q`` (see :meth:`SocrataClient.search`)."""
    with SocrataClient(domain) as client:
        return client.search(q, limit=limit)


def download_dataset(
    domain: str,
    dataset: str,
    path: Path,
    *,
    select: str | None = None,
    where: str | None = None,
    refresh: bool = False,
    cache_dir: Path | None = None,
    progress: Progress | None = None,
) -> Download:
    """``kit data fetch``: stream a dataset (or a query of it) to a CSV file, through the cache."""
    with SocrataClient(domain, cache_dir=cache_dir) as client:
        return client.download(dataset, Path(path), select=select, where=where, refresh=refresh, progress=progress)
