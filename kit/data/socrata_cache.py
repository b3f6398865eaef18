"""The disk cache of portal fetches: one flat file per domain + dataset + query, with when it was fetched.

Layout, under the cache folder (``$KIT_CACHE_DIR``, else ``$XDG_CACHE_HOME/kit/socrata``, else
``~/.cache/kit/socrata``)::

    <domain>/<dataset>/<key>.csv     the rows, flat text (see kit.data.soda_wire)
    <domain>/<dataset>/<key>.json    the entry: domain, dataset, query, fields, rows, fetched_at

The key is a hash of the domain, the dataset and the query only: an app token is never part
of it, nor of anything written here. A fetch is written under a temporary name and renamed
into place when complete, so an interrupted fetch never leaves a half entry behind.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from kit.data.soda_wire import SodaField

__all__ = ["CacheEntry", "SocrataCache", "cache_key", "default_cache_dir"]

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def default_cache_dir() -> Path:
    """Where fetches are cached unless a folder is given."""
    if os.environ.get("KIT_CACHE_DIR"):
        return Path(os.environ["KIT_CACHE_DIR"]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "kit" / "socrata"


def cache_key(domain: str, dataset: str, query: Mapping[str, object]) -> str:
    """A stable key for one fetch: the same domain, dataset and query give the same key.

    Parameter order does not matter; an unset parameter is the same as a missing one.

    Examples
    --------
    >>> a = cache_key("127.0.0.1:8080", "abcd-2345", {"where": "status = 'Open'", "select": None})
    >>> a == cache_key("127.0.0.1:8080", "abcd-2345", {"where": "status = 'Open'"})
    True
    >>> a == cache_key("127.0.0.1:8080", "abcd-2345", {"where": "status = 'Closed'"})
    False
    >>> len(a)
    24
    """
    set_only = {name: value for name, value in sorted(query.items()) if value is not None}
    text = json.dumps([domain.lower(), dataset, set_only], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:24]


@dataclass(frozen=True)
class CacheEntry:
    """One cached fetch: its flat file, the fields to type it with, and when it was fetched."""

    path: Path
    fields: list[SodaField]
    rows: int
    fetched_at: datetime
    rows_updated_at: object = None  # the dataset's rowsUpdatedAt when fetched (None: unknown)


class SocrataCache:
    """The cache folder of one client."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = Path(root) if root is not None else default_cache_dir()

    def _base(self, domain: str, dataset: str, key: str) -> Path:
        return self.root / _UNSAFE.sub("_", domain) / _UNSAFE.sub("_", dataset) / key

    def get(self, domain: str, dataset: str, query: Mapping[str, object]) -> CacheEntry | None:
        """The cached fetch for this query, or ``None`` (never fetched, or its files are gone)."""
        base = self._base(domain, dataset, cache_key(domain, dataset, query))
        data, entry = base.with_suffix(".csv"), base.with_suffix(".json")
        if not (data.is_file() and entry.is_file()):
            return None
        try:
            saved = json.loads(entry.read_text(encoding="utf-8"))
            fields = [SodaField(f["name"], f["type"], f.get("description", "")) for f in saved["fields"]]
            fetched_at = datetime.fromisoformat(saved["fetched_at"])
            return CacheEntry(data, fields, int(saved["rows"]), fetched_at, saved.get("rows_updated_at"))
        except (ValueError, KeyError, TypeError):
            return None  # an entry from another version of the kit: fetch again

    @contextmanager
    def writing(self, domain: str, dataset: str, query: Mapping[str, object]) -> Iterator[Path]:
        """A temporary path to stream the rows into; :meth:`commit` moves it into place.

        Left without a commit (an error while fetching), the temporary file is removed.
        """
        base = self._base(domain, dataset, cache_key(domain, dataset, query))
        base.parent.mkdir(parents=True, exist_ok=True)
        partial = base.with_name(f"{base.name}.{os.getpid()}.partial")
        try:
            yield partial
        finally:
            partial.unlink(missing_ok=True)

    def commit(
        self,
        partial: Path,
        domain: str,
        dataset: str,
        query: Mapping[str, object],
        fields: list[SodaField],
        rows: int,
        rows_updated_at: object = None,
    ) -> CacheEntry:
        """Move a complete fetch into place and record what it holds, when it was fetched, and
        the dataset's ``rowsUpdatedAt`` then."""
        base = self._base(domain, dataset, cache_key(domain, dataset, query))
        fetched_at = datetime.now(UTC).replace(microsecond=0)
        saved = {
            "domain": domain,
            "dataset": dataset,
            "query": {name: value for name, value in sorted(query.items()) if value is not None},
            "fields": [{"name": f.name, "type": f.type, "description": f.description} for f in fields],
            "rows": rows,
            "fetched_at": fetched_at.isoformat(),
            "rows_updated_at": rows_updated_at,
        }
        data, entry = base.with_suffix(".csv"), base.with_suffix(".json")
        os.replace(partial, data)
        temporary = entry.with_name(entry.name + ".partial")
        temporary.write_text(json.dumps(saved, indent=2) + "\n", encoding="utf-8")
        os.replace(temporary, entry)
        return CacheEntry(data, fields, rows, fetched_at, rows_updated_at)
