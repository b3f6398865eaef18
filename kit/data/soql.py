"""SoQL, Socrata's query language, run on SQLite: what the local portal and module 5 query with.

A :class:`SoqlEngine` holds datasets as SQLite tables (a file, or a private
temporary one). :meth:`SoqlEngine.execute` parses each clause of a
:class:`SoqlQuery` with a real grammar (:mod:`kit.data.soql_grammar`), compiles it
to SQL with every value bound as a parameter, and streams the rows back from the
cursor as Python values. :func:`query` does the same on a DataFrame or a bundled
dataset, in-process, for notebooks and the grading sandbox (no network).

What is supported
-----------------
``$select``
    columns, ``*``, ``DISTINCT``, aliases (``AS``), ``count(*)``, ``count(col)``,
    ``sum``, ``avg``, ``min``, ``max``, ``date_trunc_ym``/``_y``/``_ymd``,
    ``date_extract_y``/``_m``/``_d``/``_hh``, ``upper``, ``lower``,
    ``starts_with``, arithmetic (``+ - * / %``) and ``||``. Unnamed outputs are
    named as Socrata names them: ``count(*)`` → ``count``, ``sum(x)`` → ``sum_x``,
    ``date_trunc_ym(d)`` → ``date_trunc_ym_d``.
``$where``, ``$having``
    ``= != <> < <= > >=``, ``AND``/``OR``/``NOT``, parentheses, ``like`` and
    ``not like``, ``between … and …``, ``in (…)``
    and ``not in``, ``IS NULL``/``IS NOT NULL``, strings in single (``''``
    escapes a quote) or double quotes, numbers, ``true``/``false``, and dates
    written as text (``'2024-01-05'``, ``'2024-01-05T10:00:00'``). Text
    matching (``=``, ``like``, ``in``) is case-sensitive, as on Socrata's 2.1
    endpoints: ``upper(name) = 'FOO'`` ignores case.
``$group``, ``$order``
    expressions, aliases and aggregates; ``ASC``/``DESC``. NULLs sort as on
    Socrata (PostgreSQL): last in ascending order, first in descending order;
    ``NULL FIRST``/``NULL LAST`` (or ``NULLS …``) choose.
``$limit``, ``$offset``, ``$q``, simple filters
    ``$limit`` ``None`` returns every row (Socrata's default of 1,000 is the
    portal's business). ``$q``: every word appears, ignoring case, in some text
    column of the row (a substring, not Socrata's stemmed full-text search).
    Simple filters (``?status=Closed``): the column equals the value, read as
    the column's type. Column names ignore case, as on Socrata; ``:id`` is the
    row's position.

Types (Socrata ``dataTypeName``) and how they are stored
--------------------------------------------------------
``text``, ``url`` as TEXT; ``number`` as REAL; ``checkbox`` as 0/1, returned as
``bool``; ``calendar_date`` (a floating timestamp) as ISO text
``YYYY-MM-DDTHH:MM:SS.fff``, which sorts and compares as time does;
``point``/``location`` as ``"lat,lon"`` text, returned as a ``(lat, lon)`` tuple;
``multipolygon`` as GeoJSON text, returned as a dict. An empty string is NULL.

Examples
--------
>>> import pandas as pd
>>> frame = pd.DataFrame({"status": ["Open", "Closed", "Closed"], "days": [1.0, 2.0, 4.0]})
>>> query(frame, select="status, count(*), avg(days)", group="status", order="status")
   status  count  avg_days
0  Closed      2       3.0
1    Open      1       1.0
>>> query(frame, where="days > 1 AND status = 'Closed'", order="days DESC")["days"].tolist()
[4.0, 2.0]
"""

from __future__ import annotations

import json
import math
import os
import re
import sqlite3
import tempfile
import threading
import weakref
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path

import pandas as pd

from kit.data.soql_grammar import TYPE_MISMATCH, Expr, Scope, compile_clause, date_text, quote_name
from kit.errors import DatasetError, QueryError

__all__ = [
    "SOCRATA_TYPES",
    "SoqlEngine",
    "SoqlQuery",
    "SoqlResult",
    "card_socrata_types",
    "query",
    "socrata_types",
]

SOCRATA_TYPES = ("text", "number", "checkbox", "calendar_date", "point", "location", "multipolygon", "url")
_TYPE_ALIASES = {"floating_timestamp": "calendar_date", "boolean": "checkbox"}
_SQL_TYPES = {"number": "REAL", "checkbox": "INTEGER"}  # everything else is TEXT
_META_TABLE = "_soql_columns"
_META_COLUMNS = "(dataset TEXT, position INTEGER, field TEXT, type TEXT)"
_CHUNK = 5_000
_PARAMS = {"$select", "$where", "$group", "$having", "$order", "$limit", "$offset", "$q"}


# ---------------------------------------------------------------------------
# the query and its result


@dataclass(frozen=True)
class SoqlQuery:
    """One SoQL query: the ``$``-parameters of a SODA request, each clause as text.

    ``filters`` are Socrata's simple filters (``?status=Closed``): ``(column, value)`` pairs.
    """

    select: str | None = None
    where: str | None = None
    group: str | None = None
    having: str | None = None
    order: str | None = None
    limit: int | None = None
    offset: int = 0
    q: str | None = None
    filters: tuple[tuple[str, str], ...] = ()

    @classmethod
    def from_params(cls, params: Mapping[str, str]) -> SoqlQuery:
        """The query in a SODA request's parameters: ``$select``… keys; other keys are filters.

        ``$$``-keys (``$$app_token``) are ignored; an unknown ``$``-key is an error.

        Examples
        --------
        >>> soql = SoqlQuery.from_params({"$where": "days > 1", "$limit": "10", "status": "Open"})
        >>> soql.where, soql.limit, soql.offset, soql.filters
        ('days > 1', 10, 0, (('status', 'Open'),))
        """
        unknown = sorted(k for k in params if k.startswith("$") and not k.startswith("$$") and k not in _PARAMS)
        if unknown:
            raise QueryError(
                f"Unrecognized query parameter {unknown[0]}",
                code="query.soql.invalid-parameter",
                hint="SoQL parameters are " + ", ".join(sorted(_PARAMS)),
            )
        clauses = {key[1:]: params[key] for key in _PARAMS - {"$limit", "$offset"} if params.get(key) not in (None, "")}
        filters = tuple((k, str(v)) for k, v in params.items() if not k.startswith("$"))
        limit = _whole_number("$limit", params.get("$limit"))
        offset = _whole_number("$offset", params.get("$offset")) or 0
        return cls(**clauses, limit=limit, offset=offset, filters=filters)


def _whole_number(key: str, value: object) -> int | None:
    if value is None or value == "":
        return None
    try:
        number = int(str(value))
    except ValueError:
        number = -1
    if number < 0:
        raise QueryError(f"{key} must be a whole number >= 0, not {value!r}", code="query.compiler.malformed")
    return number


@dataclass
class SoqlResult:
    """A query's answer: output names and Socrata types, and the rows, streamed.

    ``rows`` is an iterator over tuples of Python values (``str``, ``float``,
    ``int``, ``bool``, ``None``; dates as ``YYYY-MM-DDTHH:MM:SS.fff`` text; points as
    ``(lat, lon)``; multipolygons as GeoJSON dicts); it reads the cursor as it goes.
    """

    fields: list[str]
    types: list[str]
    rows: Iterator[tuple] = field(repr=False)


# ---------------------------------------------------------------------------
# values: Python or CSV text -> stored, stored -> Python, by dataTypeName


def _missing(value: object) -> bool:
    if value is None or value is pd.NA or value is pd.NaT or (isinstance(value, str) and value == ""):
        return True
    return isinstance(value, float) and math.isnan(value)


def _to_number(value: object) -> float:
    return float(value)


_TRUTH = {"true": 1, "t": 1, "1": 1, "yes": 1, "y": 1, "false": 0, "f": 0, "0": 0, "no": 0, "n": 0}


def _to_checkbox(value: object) -> int:
    if isinstance(value, str):
        if value.strip().lower() not in _TRUTH:
            raise ValueError(value)
        return _TRUTH[value.strip().lower()]
    return int(bool(value))


def _to_date(value: object) -> str:
    if value.__class__ is str and len(value) == 23 and _STORED_DATE.fullmatch(value):
        datetime.fromisoformat(value)  # a real day and time, or ValueError
        return value
    if isinstance(value, datetime):  # pandas Timestamps too; a time zone is dropped (floating)
        return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}"
    if isinstance(value, date):
        return value.strftime("%Y-%m-%dT00:00:00.000")
    text = date_text(str(value))
    if text is None:
        return _to_date(datetime.fromisoformat(str(value)))
    return text


_STORED_DATE = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}")
_PAREN_POINT = re.compile(r"^\(?\s*(-?[\d.]+(?:e-?\d+)?)\s*,\s*(-?[\d.]+(?:e-?\d+)?)\s*\)?$", re.I)
_WKT_POINT = re.compile(r"^POINT\s*\(\s*(-?[\d.]+(?:e-?\d+)?)\s+(-?[\d.]+(?:e-?\d+)?)\s*\)$", re.I)


def _point_pair(value: object) -> tuple[float, float]:
    """``(lat, lon)`` from a tuple, a ``"(lat, lon)"`` or ``"POINT (lon lat)"`` text, or GeoJSON."""
    if value.__class__ is str and (match := _PAREN_POINT.match(value)):
        return float(match[1]), float(match[2])
    if hasattr(value, "__geo_interface__"):
        value = value.__geo_interface__
    if isinstance(value, str) and value.lstrip().startswith("{"):
        value = json.loads(value)
    if isinstance(value, dict):
        if "coordinates" in value:
            lon, lat = value["coordinates"][:2]
            return float(lat), float(lon)
        return float(value["latitude"]), float(value["longitude"])
    if isinstance(value, str):
        if match := _PAREN_POINT.match(value.strip()):
            return float(match[1]), float(match[2])
        if match := _WKT_POINT.match(value.strip()):
            return float(match[2]), float(match[1])
        raise ValueError(value)
    lat, lon = value
    return float(lat), float(lon)


def _to_point(value: object) -> str:
    lat, lon = _point_pair(value)
    return f"{lat!r},{lon!r}"


def _to_geojson(value: object) -> str:
    if hasattr(value, "__geo_interface__"):
        value = value.__geo_interface__
    if isinstance(value, str):
        json.loads(value)  # must be GeoJSON text
        return value
    return json.dumps(value)


_TO_STORED: dict[str, Callable[[object], object]] = {
    "text": str,
    "url": str,
    "number": _to_number,
    "checkbox": _to_checkbox,
    "calendar_date": _to_date,
    "point": _to_point,
    "location": _to_point,
    "multipolygon": _to_geojson,
}


def _from_point(stored: str | None) -> tuple[float, float] | None:
    if stored is None:
        return None
    lat, lon = stored.split(",")
    return float(lat), float(lon)


def _same(value: object) -> object:
    return value


_FROM_STORED: dict[str, Callable[[object], object]] = {
    "checkbox": lambda v: None if v is None else bool(v),
    "point": _from_point,
    "location": _from_point,
    "multipolygon": lambda v: None if v is None else json.loads(v),
}


def _normal_type(column: str, type_: str) -> str:
    type_ = _TYPE_ALIASES.get(type_, type_)
    if type_ not in SOCRATA_TYPES:
        raise DatasetError(
            f"column '{column}' has an unknown Socrata type {type_!r}", hint="use one of " + ", ".join(SOCRATA_TYPES)
        )
    return type_


# ---------------------------------------------------------------------------
# the engine


def _remove_file(path: str, pid: int) -> None:
    if os.getpid() == pid:  # a forked child never removes its parent's file
        for suffix in ("", "-journal", "-wal", "-shm"):
            Path(path + suffix).unlink(missing_ok=True)


def _register_functions(connection: sqlite3.Connection) -> None:
    """The Python functions SoQL's compiled SQL calls: Unicode-aware case folding."""
    fold = {"soql_upper": str.upper, "soql_lower": str.lower, "soql_fold": str.casefold}
    for name, function in fold.items():
        connection.create_function(name, 1, lambda v, f=function: None if v is None else f(v), deterministic=True)


class SoqlEngine:
    """An SQLite database holding datasets as tables, queried with SoQL.

    Thread-safe: each thread reads through its own connection (read-only);
    loading goes through one writer connection under a lock. Load first, then
    query: a dataset is read-only once loaded.

    Parameters
    ----------
    path
        The database file (kept, and reusable by a later engine); ``None`` for a
        private temporary file removed by :meth:`close`.
    """

    def __init__(self, path: Path | None = None):
        self._pid = os.getpid()
        if path is None:
            handle, name = tempfile.mkstemp(prefix="kit-soql-", suffix=".sqlite")
            os.close(handle)
            self._cleanup = weakref.finalize(self, _remove_file, name, self._pid)
            path = Path(name)
        else:
            self._cleanup = None
        self.path = Path(path)
        self._lock = threading.Lock()
        self._local = threading.local()
        self._readers: list[sqlite3.Connection] = []
        self._closed = False
        self._writer = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._writer.execute(f"CREATE TABLE IF NOT EXISTS {_META_TABLE} {_META_COLUMNS}")
        self._schemas = self._read_schemas()

    def __enter__(self) -> SoqlEngine:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def _read_schemas(self) -> dict[str, dict[str, str]]:
        schemas: dict[str, dict[str, str]] = {}
        rows = self._writer.execute(f"SELECT dataset, field, type FROM {_META_TABLE} ORDER BY dataset, position")
        for dataset, field_name, type_ in rows:
            schemas.setdefault(dataset, {})[field_name] = type_
        return schemas

    def _reader(self) -> sqlite3.Connection:
        """This thread's read-only connection (a new one after a fork)."""
        if self._closed:
            raise DatasetError("this SoQL engine is closed", hint="make a new SoqlEngine")
        connection = getattr(self._local, "connection", None)
        if connection is None or self._local.pid != os.getpid():
            connection = sqlite3.connect(self.path, check_same_thread=False)
            connection.execute("PRAGMA query_only = ON")
            _register_functions(connection)
            with self._lock:
                self._readers.append(connection)
            self._local.connection, self._local.pid = connection, os.getpid()
        return connection

    # -- loading
    def add_frame(self, name: str, frame: pd.DataFrame, types: dict[str, str]) -> None:
        """Load ``frame`` as dataset ``name`` (replacing one of that name); ``types`` by column.

        Columns missing from ``types`` get :func:`socrata_types`' guess.
        """
        untyped = [c for c in frame.columns if c not in types]
        guessed = socrata_types(frame[untyped]) if untyped else {}
        types = {str(c): types.get(c) or types.get(str(c)) or guessed[str(c)] for c in frame.columns}
        plain = frame.astype(object).where(frame.notna(), None)  # NaN, NaT, pd.NA -> None
        self.add_rows(name, list(types), types, plain.itertuples(index=False, name=None))

    def add_rows(
        self, name: str, columns: list[str], types: dict[str, str], rows: Iterable[Sequence[str | None]]
    ) -> None:
        """Load rows (CSV text or Python values) as dataset ``name``, streaming them in chunks.

        Each value is converted by its column's type; an empty string or a
        missing value is NULL. Replaces a dataset of the same name.
        """
        columns = [str(c) for c in columns]
        schema = {c: _normal_type(c, types.get(c, "text")) for c in columns}
        _check_names(name, columns)
        table = quote_name(f"ds_{name}")
        with self._lock:
            self._writer.execute("BEGIN")
            try:
                self._create(name, table, schema)
                self._insert(name, table, schema, rows)
                self._writer.execute("COMMIT")
            except BaseException:
                self._writer.execute("ROLLBACK")
                raise
            self._schemas[name] = schema

    def _create(self, name: str, table: str, schema: dict[str, str]) -> None:
        definitions = ", ".join(f"{quote_name(c)} {_SQL_TYPES.get(t, 'TEXT')}" for c, t in schema.items())
        self._writer.execute(f"DROP TABLE IF EXISTS {table}")
        self._writer.execute(f"CREATE TABLE {table} ({definitions})")
        self._writer.execute(f"DELETE FROM {_META_TABLE} WHERE dataset = ?", (name,))
        meta = [(name, i, c, t) for i, (c, t) in enumerate(schema.items())]
        self._writer.executemany(f"INSERT INTO {_META_TABLE} VALUES (?, ?, ?, ?)", meta)

    def _insert(self, name: str, table: str, schema: dict[str, str], rows: Iterable[Sequence]) -> None:
        converters = [(c, t, _TO_STORED[t]) for c, t in schema.items()]
        statement = f"INSERT INTO {table} VALUES ({', '.join('?' * len(converters))})"
        chunk: list[Sequence] = []
        first = 1  # the number of the chunk's first row
        for row in rows:
            chunk.append(row)
            if len(chunk) >= _CHUNK:
                self._writer.executemany(statement, _stored_chunk(name, first, chunk, converters))
                first += len(chunk)
                chunk = []
        if chunk:
            self._writer.executemany(statement, _stored_chunk(name, first, chunk, converters))

    # -- reading
    def columns(self, name: str) -> dict[str, str]:
        """The dataset's columns: field name → Socrata dataTypeName, in order."""
        if self._closed:
            raise DatasetError("this SoQL engine is closed", hint="make a new SoqlEngine")
        if name not in self._schemas:
            known = ", ".join(sorted(self._schemas)) or "none loaded"
            raise DatasetError(f"no dataset '{name}' in this SoQL engine", dataset=name, hint=f"known: {known}")
        return dict(self._schemas[name])

    def count(self, name: str) -> int:
        """How many rows dataset ``name`` has."""
        self.columns(name)
        return self._reader().execute(f"SELECT count(*) FROM {quote_name(f'ds_{name}')}").fetchone()[0]

    def execute(self, name: str, query: SoqlQuery) -> SoqlResult:
        """Run ``query`` on dataset ``name``; the rows stream from the cursor as they are read.

        Raises
        ------
        QueryError
            The query is malformed, names an unknown column, or mixes types;
            ``.code`` is Socrata's error code.
        """
        plan = plan_query(name, self.columns(name), query)
        try:
            cursor = self._reader().execute(plan.sql, plan.params)
        except (sqlite3.Error, OverflowError) as exc:
            raise _failed(name, exc) from None
        converters = [_FROM_STORED.get(t, _same) for t in plan.types]
        return SoqlResult(plan.fields, plan.types, _stream(name, cursor, converters))

    def close(self) -> None:
        """Close every connection; a temporary database file is removed."""
        with self._lock:
            self._closed = True
            for connection in [*self._readers, self._writer]:
                connection.close()
            self._readers.clear()
        if self._cleanup is not None:
            self._cleanup()


def _check_names(name: str, columns: list[str]) -> None:
    lowered = [c.lower() for c in columns]
    repeated = sorted({c for c in lowered if lowered.count(c) > 1})
    if repeated:
        raise DatasetError(
            f"dataset '{name}' has columns differing only in case: {repeated}",
            dataset=name,
            hint="SoQL column names ignore case: rename one",
        )


def _stored_chunk(name: str, first: int, chunk: list[Sequence], converters: list) -> list[tuple]:
    """Rows ready for SQLite, converted column by column (row by row only to name a bad value)."""
    if any(len(row) != len(converters) for row in chunk):
        for number, row in enumerate(chunk, start=first):
            _stored_row(name, number, row, converters)
    try:
        columns = [
            [None if v is None or (v.__class__ is str and v == "") else convert(v) for v in values]
            for values, (_, _, convert) in zip(zip(*chunk, strict=True), converters, strict=True)
        ]
    except (ValueError, TypeError, KeyError, IndexError):
        for number, row in enumerate(chunk, start=first):
            _stored_row(name, number, row, converters)
        raise
    return list(zip(*columns, strict=True))


def _stored_row(name: str, number: int, row: Sequence, converters: list) -> tuple:
    if len(row) != len(converters):
        raise DatasetError(f"dataset '{name}', row {number}: {len(row)} values for {len(converters)} columns")
    values = []
    for value, (column, type_, convert) in zip(row, converters, strict=True):
        if _missing(value):
            values.append(None)
            continue
        try:
            values.append(convert(value))
        except (ValueError, TypeError, KeyError, IndexError):
            raise DatasetError(
                f"dataset '{name}', row {number}: column '{column}' holds {value!r}, not a {type_}", dataset=name
            ) from None
    return tuple(values)


def _failed(name: str, exc: Exception) -> QueryError:
    reason = str(exc).split("\n")[0]
    return QueryError(f"The query on '{name}' could not run ({reason})", code="query.execution.failed", dataset=name)


def _stream(name: str, cursor: sqlite3.Cursor, converters: list) -> Iterator[tuple]:
    try:
        while batch := cursor.fetchmany(1_000):
            for row in batch:
                yield tuple(convert(value) for convert, value in zip(converters, row, strict=True))
    except sqlite3.Error as exc:
        raise _failed(name, exc) from None
    finally:
        cursor.close()


# ---------------------------------------------------------------------------
# SoQL -> one SQL statement


@dataclass(frozen=True)
class QueryPlan:
    """A compiled query: SQL with ``?`` placeholders, their values, output names and types."""

    sql: str
    params: tuple
    fields: list[str]
    types: list[str]


def plan_query(name: str, schema: Mapping[str, str], query: SoqlQuery) -> QueryPlan:
    """Compile ``query`` for dataset ``name`` with columns ``schema`` (field → dataTypeName)."""
    scope = Scope({f.lower(): (f, t) for f, t in schema.items()}, dataset=name)
    distinct, items = _select_items(scope, query.select or "*")
    conditions = _conditions(scope, query)  # before aliases exist: filters and $q name columns
    for alias, expr in items:
        (scope.aliases if alias.explicit else scope.auto).setdefault(alias.lower(), expr)
    if query.where:
        conditions.insert(0, _condition(scope, "$where", query.where))
    group = compile_clause("$group", query.group, scope) if query.group else []
    having = _condition(scope, "$having", query.having) if query.having else None
    order = compile_clause("$order", query.order, scope) if query.order else []
    _check_grouping(scope, [e for _, e in items], group, having, [e for e, _ in order])
    parts = [f"SELECT {'DISTINCT ' if distinct else ''}" + ", ".join(e.sql for _, e in items)]
    parts.append(f"FROM {quote_name(f'ds_{name}')}")
    parts += [f"WHERE {' AND '.join(c.sql for c in conditions)}"] if conditions else []
    parts += [f"GROUP BY {', '.join(g.sql for g in group)}"] if group else []
    parts += [f"HAVING {having.sql}"] if having else []
    parts += [f"ORDER BY {', '.join(f'{e.sql} {suffix}' for e, suffix in order)}"] if order else []
    parts.append("LIMIT ? OFFSET ?")
    if query.offset < 0 or (query.limit is not None and query.limit < 0):
        raise QueryError("$limit and $offset must be >= 0", code="query.compiler.malformed", dataset=name)
    used = [e for _, e in items] + conditions + group + ([having] if having else []) + [e for e, _ in order]
    params = tuple(p for e in used for p in e.params) + (-1 if query.limit is None else query.limit, query.offset)
    return QueryPlan(" ".join(parts), params, [a for a, _ in items], [_output_type(e) for _, e in items])


class _Alias(str):
    """An output name, remembering whether the query chose it (``AS``)."""

    explicit = False


def _select_items(scope: Scope, text: str) -> tuple[bool, list[tuple[_Alias, Expr]]]:
    compiled = compile_clause("$select", text, scope)
    distinct = bool(compiled) and compiled[0][0] == "DISTINCT"
    items: list[tuple[_Alias, Expr]] = []
    taken: set[str] = set()
    for alias, expr in compiled[1:] if distinct else compiled:
        if alias == "*" and expr is None:
            items += [(_unique(f, taken, False), scope.resolve(f)) for f, _ in scope.columns.values()]
        else:
            items.append((_unique(alias or expr.name, taken, alias is not None), expr))
    return distinct, items


def _unique(name: str, taken: set[str], explicit: bool) -> _Alias:
    candidate, n = name, 0
    while candidate.lower() in taken:
        n += 1
        candidate = f"{name}_{n}"
    taken.add(candidate.lower())
    alias = _Alias(candidate)
    alias.explicit = explicit
    return alias


def _condition(scope: Scope, clause: str, text: str) -> Expr:
    expr = compile_clause(clause, text, scope)
    if expr.type not in ("checkbox", "null"):
        raise scope.error(f"Type mismatch: {clause} must be true or false, not {expr.type}", TYPE_MISMATCH)
    if clause == "$where" and expr.aggregate:
        raise scope.error("Type mismatch: aggregates belong in $having, not $where", TYPE_MISMATCH)
    return expr


def _conditions(scope: Scope, query: SoqlQuery) -> list[Expr]:
    """Simple filters (``column = value`` as the column's type) and ``$q``, as conditions."""
    conditions = []
    for column, value in query.filters:
        target = scope.resolve(column)
        if target.type not in _FILTER_CASTS:
            raise scope.error(f"Type mismatch: cannot filter the {target.type} column {column} by value", TYPE_MISMATCH)
        cast = _FILTER_CASTS[target.type](value)
        if cast is None:
            raise scope.error(f"Type mismatch: {value!r} is not a {target.type} (column {column})", TYPE_MISMATCH)
        conditions.append(Expr(f"({target.sql} = ?)", (cast,), "checkbox", columns=target.columns))
    if query.q and query.q.split():
        conditions.append(_full_text(scope, query.q))
    return conditions


_FILTER_CASTS: dict[str, Callable[[str], object]] = {
    "text": str,
    "url": str,
    "number": lambda v: float(v) if re.fullmatch(r"\s*-?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?\s*", v, re.I) else None,
    "checkbox": lambda v: {"true": True, "false": False}.get(v.strip().lower()),
    "calendar_date": date_text,
}


def _full_text(scope: Scope, q: str) -> Expr:
    """Every word of ``q`` appears, ignoring case, in some text column of the row."""
    texts = [quote_name(f) for f, t in scope.columns.values() if t in ("text", "url")]
    if not texts:
        return Expr("(0)", (), "checkbox")
    haystack = "soql_fold(" + " || char(31) || ".join(f"coalesce({c}, '')" for c in texts) + ")"
    words = q.casefold().split()
    sql = "(" + " AND ".join(f"instr({haystack}, ?) > 0" for _ in words) + ")"
    return Expr(sql, tuple(words), "checkbox")


def _check_grouping(scope: Scope, selected: list[Expr], group: list[Expr], having, order: list[Expr]) -> None:
    """In a grouped query every output, ordering and $having term is grouped or aggregated."""
    for expr in group:
        if expr.aggregate:
            raise scope.error(f"Type mismatch: cannot group by the aggregate {expr.name}", TYPE_MISMATCH)
    for expr in order:
        if expr.type in ("point", "location", "multipolygon"):
            raise scope.error(f"Type mismatch: cannot order by the {expr.type} {expr.name}", TYPE_MISMATCH)
    grouped = bool(group) or having is not None or any(e.aggregate for e in selected)
    if not grouped:
        if any(e.aggregate for e in order):
            raise scope.error("Type mismatch: ordering by an aggregate needs a grouped query", TYPE_MISMATCH)
        return
    group_sql = {g.sql for g in group}
    group_columns = frozenset().union(*(g.columns for g in group if g.sql == quote_name(g.name) or g.sql == "rowid"))
    for expr in [*selected, *order, *([having] if having else [])]:
        if expr.sql not in group_sql and not expr.columns <= group_columns:
            missing = ", ".join(sorted(expr.columns - group_columns))
            raise scope.error(
                f"Type mismatch: {missing} is neither grouped nor aggregated",
                TYPE_MISMATCH,
                hint=f"add {missing} to $group, or wrap it in an aggregate such as count({missing})",
            )


def _output_type(expr: Expr) -> str:
    return "text" if expr.type == "null" else expr.type


# ---------------------------------------------------------------------------
# types of frames and cards, and SoQL on a DataFrame


def socrata_types(frame: pd.DataFrame) -> dict[str, str]:
    """Each column's Socrata dataTypeName, from its pandas dtype (and first value, for objects).

    Booleans are ``checkbox``, numbers ``number``, datetimes ``calendar_date``,
    geometries and GeoJSON dicts ``multipolygon`` (a ``Point`` is ``point``),
    ``(lat, lon)`` pairs ``point``; everything else is ``text``.

    Examples
    --------
    >>> socrata_types(pd.DataFrame({"n": [1.5], "ok": [True], "when": pd.to_datetime(["2024-01-05"]), "s": ["x"]}))
    {'n': 'number', 'ok': 'checkbox', 'when': 'calendar_date', 's': 'text'}
    """
    return {str(column): _series_type(frame[column]) for column in frame.columns}


def _series_type(series: pd.Series) -> str:
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return "checkbox"
    if pd.api.types.is_numeric_dtype(dtype):
        return "number"
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "calendar_date"
    if str(dtype) == "geometry":
        first = series.dropna().iloc[0] if series.notna().any() else None
        return "point" if getattr(first, "geom_type", "") == "Point" else "multipolygon"
    values = series.dropna()
    return _value_type(values.iloc[0]) if len(values) else "text"


def _value_type(value: object) -> str:
    if isinstance(value, bool):
        return "checkbox"
    if isinstance(value, datetime | date):
        return "calendar_date"
    geo = getattr(value, "__geo_interface__", value)
    if isinstance(geo, dict) and "type" in geo:
        return "point" if geo["type"] == "Point" else "multipolygon"
    if isinstance(value, tuple) and len(value) == 2 and all(isinstance(v, int | float) for v in value):
        return "point"
    return "text"


_CARD_TYPES = {"text": "text", "integer": "number", "number": "number", "datetime": "calendar_date"}
_CARD_TYPES |= {"date": "calendar_date", "boolean": "checkbox", "point": "location"}


def card_socrata_types(card) -> dict[str, str]:
    """Socrata dataTypeNames for a :class:`~kit.data.catalog.DatasetCard`'s columns.

    text → text, integer/number → number, datetime/date → calendar_date,
    boolean → checkbox, point (``"(lat, lon)"`` text) → location; a GeoJSON
    file's geometry is ``the_geom``, a multipolygon.
    """
    types = {column.name: _CARD_TYPES[column.type] for column in card.columns}
    return types | ({"the_geom": "multipolygon"} if card.is_geo else {})


def query(
    data: pd.DataFrame | str,
    *,
    select: str | None = None,
    where: str | None = None,
    group: str | None = None,
    having: str | None = None,
    order: str | None = None,
    limit: int | None = None,
    offset: int = 0,
    q: str | None = None,
    **filters: object,
) -> pd.DataFrame:
    """Run a SoQL query in-process on a DataFrame or a bundled dataset; no portal, no network.

    The same engine as the local portal, so a query that works here works
    there. Keyword arguments other than the clauses are simple filters
    (``status="Closed"``).

    Parameters
    ----------
    data
        A DataFrame (column types from :func:`socrata_types`) or a bundled
        dataset's name (types from its card), e.g. ``"service_requests"``.
    select, where, group, having, order, limit, offset, q
        SoQL's ``$select``, ``$where``… clauses, as text (``limit`` and ``offset``
        as numbers or text: ``"500"``).

    Returns
    -------
    pandas.DataFrame
        Numbers float (counts, and integer columns, ``Int64``), dates datetime64, checkboxes
        ``boolean``, text ``str``, points ``(lat, lon)`` tuples.

    Examples
    --------
    >>> top = query("service_requests", select="borough, count(*) AS n", group="borough", order="n DESC")
    >>> list(top.columns), len(top)
    (['borough', 'n'], 3)
    """
    clauses = {"select": select, "where": where, "group": group, "having": having, "order": order, "q": q}
    # as a SODA request's parameters: "$limit": "500" (text, as sodapy sends it) works as 500 does
    params = {f"${key}": value for key, value in clauses.items()} | {"$limit": limit, "$offset": offset}
    soql = SoqlQuery.from_params(params | {key: str(value) for key, value in filters.items()})
    if isinstance(data, str):
        from kit.data.catalog import load_catalog

        whole = {c.name.lower() for c in load_catalog().card(data).columns if c.type == "integer"}
        return _to_frame(_bundled_engine(data).execute(data, soql), whole)
    whole = {str(c).lower() for c in data.columns if pd.api.types.is_integer_dtype(data[c].dtype)}
    with SoqlEngine() as engine:
        engine.add_frame("frame", data, socrata_types(data))
        return _to_frame(engine.execute("frame", soql), whole)


def _bundled_engine(name: str) -> SoqlEngine:
    from kit.data.catalog import dataset_path

    path = dataset_path(name)
    stat = path.stat() if path.is_file() else None
    return _cached_engine(name, stat.st_mtime_ns if stat else 0, os.getpid())


@lru_cache(maxsize=4)
def _cached_engine(name: str, mtime_ns: int, pid: int) -> SoqlEngine:
    """A bundled dataset loaded once per process (and again when its file changes)."""
    from kit.data.catalog import load_catalog, load_dataset

    frame = load_dataset(name)
    types = card_socrata_types(load_catalog().card(name))
    if "geometry" in frame.columns:
        frame = frame.rename(columns={"geometry": "the_geom"})
    engine = SoqlEngine()
    engine.add_frame(name, frame, types)
    return engine


def _to_frame(result: SoqlResult, whole: set[str]) -> pd.DataFrame:
    """The rows as a typed frame; numbers named in ``whole`` (integer columns) stay whole if they are."""
    columns = list(zip(*result.rows, strict=True)) or [()] * len(result.fields)
    data = {
        f"_{i}": _typed(list(values), t, name.lower() in whole)
        for i, (values, t, name) in enumerate(zip(columns, result.types, result.fields, strict=True))
    }
    frame = pd.DataFrame(data)
    frame.columns = result.fields
    return frame


def _typed(values: list, type_: str, integer_column: bool = False) -> pd.Series:
    if type_ == "number":
        present = [v for v in values if v is not None]
        counts = bool(present) and all(isinstance(v, int) for v in present)  # count(*), date_extract_y…
        whole = integer_column and all(float(v).is_integer() and abs(v) < 2**53 for v in present)
        return pd.Series(values, dtype="Int64" if counts or whole else "float64")
    if type_ == "calendar_date":
        return pd.to_datetime(pd.Series(values, dtype=object), format="ISO8601")
    if type_ == "checkbox":
        return pd.Series(values, dtype="boolean")
    if type_ in ("text", "url"):
        return pd.Series(values, dtype="str")
    return pd.Series(values, dtype=object)
