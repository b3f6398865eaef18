"""The "you said, we did" log: every dataset request, across cohorts, and what the city did.

Each cohort's survey asks "What data do you wish the city published?". The log keeps
those requests in one embedded SQLite database (a real file, stdlib :mod:`sqlite3`):

- a **cohort** is recorded once, in order (its *position*: 1, 2, …);
- a **request** is one thing asked for, keyed by its normalized text
  (:func:`request_key`: ``"Bus stop locations."`` and ``"bus  stop locations"`` are one);
- an **asker** is one ``(cohort, learner)`` pair who asked for a request;
- a **status change** moves a request through ``new → planned → published / declined``,
  each with a note. The first status is automatic (``published`` when the request matched
  a catalog dataset, else ``new``); every later one is made by a person (:meth:`FeedbackLog.set_status`).

Every cohort and status change takes the next number of one *event* sequence, so
"what the city did after cohort A asked" is an ordering question, not a clock question
(:meth:`FeedbackLog.changes_since`).

Recording is idempotent: recording the same cohort with the same requests again changes
nothing. Each write is one transaction (``BEGIN IMMEDIATE``), so two processes recording at
once wait for each other instead of interleaving.

Examples
--------
>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> with FeedbackLog(folder / "feedback.sqlite") as log:
...     result = log.record_cohort("2024-spring", [
...         AskedRequest("Bus stop locations.", learner="L01", dataset=None),
...         AskedRequest("bus  stop locations", learner="L02", dataset=None),
...     ])
...     change = log.set_status(1, "planned", "on the Q3 publishing plan")
...     item = log.request(1)
>>> result.new_requests, result.new_askers
(1, 2)
>>> item.status, item.note, item.cohorts
('planned', 'on the Q3 publishing plan', ('2024-spring',))
"""

from __future__ import annotations

import csv
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from kit.data.text import fold_words
from kit.errors import KitError

__all__ = [
    "STATUSES",
    "TRANSITIONS",
    "AskedRequest",
    "BacklogItem",
    "CohortRecord",
    "FeedbackLog",
    "FeedbackLogError",
    "RecordResult",
    "StatusChange",
    "request_key",
]

STATUSES = ("new", "planned", "published", "declined")

# Where a request may go next, by hand. "published -> planned" reopens a request
# (the dataset was withdrawn, or the match was wrong).
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "new": ("planned", "published", "declined"),
    "planned": ("published", "declined", "new"),
    "declined": ("planned", "new"),
    "published": ("planned",),
}

BACKLOG_HEADER = ("id", "request", "asked_by", "learners", "cohorts", "match", "dataset", "status", "note", "updated")

SQLITE_MAGIC = b"SQLite format 3\x00"
APPLICATION_ID = 0x4B495446  # "KITF": marks the file as a kit feedback log
SCHEMA_VERSION = 1
BUSY_TIMEOUT_SECONDS = 10.0

# -- SQL ----------------------------------------------------------------------

SCHEMA = (
    """CREATE TABLE event (
        seq  INTEGER PRIMARY KEY AUTOINCREMENT,
        kind TEXT NOT NULL CHECK (kind IN ('cohort', 'status'))
    )""",
    """CREATE TABLE cohort (
        id          INTEGER PRIMARY KEY,
        name        TEXT NOT NULL UNIQUE CHECK (name <> ''),
        recorded_at TEXT NOT NULL,
        seq         INTEGER NOT NULL UNIQUE REFERENCES event (seq)
    )""",
    """CREATE TABLE request (
        id            INTEGER PRIMARY KEY,
        key           TEXT NOT NULL UNIQUE CHECK (key <> ''),
        text          TEXT NOT NULL CHECK (text <> ''),
        dataset       TEXT CHECK (dataset <> ''),
        dataset_title TEXT
    )""",
    """CREATE TABLE asker (
        id         INTEGER PRIMARY KEY,
        request_id INTEGER NOT NULL REFERENCES request (id),
        cohort_id  INTEGER NOT NULL REFERENCES cohort (id),
        learner    TEXT NOT NULL,
        UNIQUE (request_id, cohort_id, learner)
    )""",
    """CREATE TABLE status_change (
        seq        INTEGER PRIMARY KEY REFERENCES event (seq),
        request_id INTEGER NOT NULL REFERENCES request (id),
        status     TEXT NOT NULL CHECK (status IN ('new', 'planned', 'published', 'declined')),
        note       TEXT NOT NULL CHECK (status <> 'declined' OR note <> ''),
        changed_at TEXT NOT NULL,
        cohort_id  INTEGER REFERENCES cohort (id)
    )""",
    "CREATE INDEX status_change_by_request ON status_change (request_id, seq)",
    f"PRAGMA application_id = {APPLICATION_ID}",
    f"PRAGMA user_version = {SCHEMA_VERSION}",
)
TABLES = frozenset({"event", "cohort", "request", "asker", "status_change"})

SELECT_TABLES = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite%'"

INSERT_EVENT = "INSERT INTO event (kind) VALUES (?)"

SELECT_COHORTS = "SELECT id, name, recorded_at, seq FROM cohort ORDER BY id"
SELECT_COHORT = "SELECT id, name, recorded_at, seq FROM cohort WHERE name = ?"
SELECT_PREVIOUS_COHORT = "SELECT id, name, recorded_at, seq FROM cohort WHERE id < ? ORDER BY id DESC LIMIT 1"
INSERT_COHORT = "INSERT INTO cohort (name, recorded_at, seq) VALUES (?, ?, ?)"

SELECT_REQUEST_BY_KEY = "SELECT id, dataset, dataset_title FROM request WHERE key = ?"
SELECT_REQUEST_IDS = "SELECT min(id), max(id) FROM request"
INSERT_REQUEST = "INSERT INTO request (key, text, dataset, dataset_title) VALUES (?, ?, ?, ?)"
UPDATE_REQUEST_MATCH = """UPDATE request SET dataset = ?, dataset_title = ?
    WHERE id = ? AND dataset IS NULL"""
UPDATE_REQUEST_TITLE = """UPDATE request SET dataset_title = ?
    WHERE id = ? AND dataset = ? AND dataset_title IS NULL"""

INSERT_ASKER = "INSERT OR IGNORE INTO asker (request_id, cohort_id, learner) VALUES (?, ?, ?)"

INSERT_CHANGE = """INSERT INTO status_change (seq, request_id, status, note, changed_at, cohort_id)
    VALUES (?, ?, ?, ?, ?, ?)"""
SELECT_CURRENT_STATUS = """SELECT status FROM status_change
    WHERE request_id = ? ORDER BY seq DESC LIMIT 1"""

# The three reads behind BacklogItem; ``?1`` is a request id, or NULL for every request.
SELECT_ITEMS = """SELECT id, text, key, dataset, dataset_title FROM request
    WHERE ?1 IS NULL OR id = ?1 ORDER BY id"""
SELECT_ITEM_ASKERS = """SELECT a.request_id, c.name, a.learner, c.id FROM asker a
    JOIN cohort c ON c.id = a.cohort_id
    WHERE ?1 IS NULL OR a.request_id = ?1 ORDER BY a.id"""
SELECT_ITEM_HISTORY = """SELECT s.seq, s.request_id, s.status, s.note, s.changed_at, c.name
    FROM status_change s LEFT JOIN cohort c ON c.id = s.cohort_id
    WHERE ?1 IS NULL OR s.request_id = ?1 ORDER BY s.seq"""

# Changes made by people (no cohort) after one event, optionally before another.
SELECT_CHANGES_BETWEEN = """SELECT s.seq, s.request_id, s.status, s.note, s.changed_at, NULL
    FROM status_change s
    WHERE s.cohort_id IS NULL AND s.seq > ? AND (?2 IS NULL OR s.seq < ?2) ORDER BY s.seq"""


# -- values -------------------------------------------------------------------


class FeedbackLogError(KitError):
    """The feedback log cannot be opened, or a change to it is not allowed.

    Parameters
    ----------
    message
        What went wrong, in one line, naming the log file.
    path
        The log file.
    request_id
        The request at fault, when there is one.
    cohort
        The cohort at fault, when there is one.
    """

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        request_id: int | None = None,
        cohort: str | None = None,
        hint: str | None = None,
    ) -> None:
        self.path = path
        self.request_id = request_id
        self.cohort = cohort
        super().__init__(message, hint=hint)


@dataclass(frozen=True)
class AskedRequest:
    """One request from one learner in a cohort (one request: the caller splits lists).

    ``learner`` is ``""`` when the survey is anonymous; ``dataset`` is the catalog
    dataset the request matched, ``None`` for a gap.
    """

    text: str
    learner: str
    dataset: str | None
    dataset_title: str | None = None


@dataclass(frozen=True)
class StatusChange:
    """One status of one request, with its note.

    ``cohort`` names the cohort whose recording set it (the automatic first status);
    it is ``None`` for a change made by a person. ``seq`` orders every cohort and
    change in the log without relying on clocks.
    """

    request_id: int
    status: str
    note: str
    changed_at: datetime
    cohort: str | None
    seq: int


@dataclass(frozen=True)
class BacklogItem:
    """One request as it stands: who asked, what it matched, where it is now."""

    id: int
    text: str
    key: str
    dataset: str | None
    dataset_title: str | None
    status: str
    note: str
    askers: tuple[tuple[str, str], ...]
    cohorts: tuple[str, ...]
    history: tuple[StatusChange, ...]

    @property
    def updated(self) -> datetime:
        """When the latest status change happened (UTC)."""
        return self.history[-1].changed_at


@dataclass(frozen=True)
class CohortRecord:
    """One recorded cohort: its place in the order cohorts were first recorded."""

    name: str
    position: int
    recorded_at: datetime
    seq: int


@dataclass(frozen=True)
class RecordResult:
    """What one :meth:`FeedbackLog.record_cohort` call added.

    ``newly_matched`` lists requests that were gaps and now match a dataset (their
    status is unchanged: a person decides whether that means "published").
    """

    cohort: CohortRecord
    new_requests: int
    new_askers: int
    newly_matched: tuple[int, ...] = ()


@dataclass
class _Group:
    """The requests of one cohort that share a key."""

    text: str
    dataset: str | None = None
    dataset_title: str | None = None
    learners: list[str] = field(default_factory=list)


# -- helpers ------------------------------------------------------------------


def request_key(text: str) -> str:
    """The normalized text that identifies a request across wordings.

    Case-folded, accents stripped, punctuation turned into spaces, whitespace collapsed:
    :func:`kit.data.text.fold_words`, which the keys in existing logs were made with.

    Examples
    --------
    >>> request_key("Bus stop locations.") == request_key("bus  stop locations")
    True
    >>> request_key("  Éclairage public / Street-lights ")
    'eclairage public street lights'
    """
    return fold_words(text)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def _parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _default_clock() -> datetime:
    return datetime.now(UTC)


def _group(requests: Iterable[AskedRequest]) -> dict[str, _Group]:
    """Requests by key, in first-appearance order; the first wording and first match win."""
    groups: dict[str, _Group] = {}
    for asked in requests:
        text = " ".join((asked.text or "").split())
        key = request_key(text)
        if not key:
            continue
        group = groups.setdefault(key, _Group(text=text))
        if group.dataset is None and asked.dataset:
            group.dataset, group.dataset_title = asked.dataset, asked.dataset_title or None
        learner = (asked.learner or "").strip()
        if learner not in group.learners:
            group.learners.append(learner)
    return groups


def _change(row: tuple) -> StatusChange:
    seq, request_id, status, note, changed_at, cohort = row
    return StatusChange(
        request_id=request_id, status=status, note=note, changed_at=_parse_time(changed_at), cohort=cohort, seq=seq
    )


def _cohort(row: tuple) -> CohortRecord:
    position, name, recorded_at, seq = row
    return CohortRecord(name=name, position=position, recorded_at=_parse_time(recorded_at), seq=seq)


def _join(items: Iterable[str]) -> str:
    return ", ".join(items) or "nothing"


# -- the log ------------------------------------------------------------------


class FeedbackLog:
    """The "you said, we did" log in one SQLite file.

    Parameters
    ----------
    path
        The database file; it, its parent folders and its tables are created when missing.
    clock
        Returns the current time, timezone-aware (default: now, UTC). Tests fix it.

    Raises
    ------
    FeedbackLogError
        The file is not a kit feedback log (not SQLite, other tables, a newer schema),
        or cannot be opened.
    """

    def __init__(self, path: str | Path, clock: Callable[[], datetime] | None = None) -> None:
        self.path = Path(path)
        self._clock = clock or _default_clock
        self._conn: sqlite3.Connection | None = None
        self._check_file()
        self._conn = self._connect()
        try:
            self._prepare()
        except BaseException:
            self.close()
            raise

    # -- opening --------------------------------------------------------------

    def _error(self, what: str, **fields) -> FeedbackLogError:
        return FeedbackLogError(f"{self.path}: {what}", path=str(self.path), **fields)

    def _check_file(self) -> None:
        """Refuse a folder or a file that is not SQLite before sqlite3 touches it."""
        if self.path.is_dir():
            raise self._error("is a folder; give the feedback log's file name (e.g. feedback.sqlite)")
        if not self.path.exists():
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise self._error(f"cannot create the folder for the feedback log ({exc.strerror})") from None
            return
        try:
            with self.path.open("rb") as handle:
                head = handle.read(len(SQLITE_MAGIC))
        except OSError as exc:
            raise self._error(f"cannot read the feedback log ({exc.strerror})") from None
        if head and head != SQLITE_MAGIC:
            raise self._error(
                "not a kit feedback log (not an SQLite database); give a new file name or the log the kit made"
            )

    def _connect(self) -> sqlite3.Connection:
        try:
            conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None)
        except sqlite3.Error as exc:
            raise self._error(f"cannot open the feedback log ({exc})") from None
        conn.execute("PRAGMA foreign_keys = ON")
        return conn

    def _prepare(self) -> None:
        """Create the schema in an empty database, or check that this one is ours."""
        with self._transaction() as conn:
            tables = {row[0] for row in conn.execute(SELECT_TABLES)}
            application_id = conn.execute("PRAGMA application_id").fetchone()[0]
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if not tables and application_id == 0 and version == 0:
                for statement in SCHEMA:
                    conn.execute(statement)
                return
            self._check_schema(tables, application_id, version)

    def _check_schema(self, tables: set[str], application_id: int, version: int) -> None:
        if application_id != APPLICATION_ID:
            found = _join(sorted(tables)) if tables else "no tables"
            raise self._error(
                f"not a kit feedback log (an SQLite database with {found}); "
                "give a new file name or the log the kit made"
            )
        if version > SCHEMA_VERSION:
            raise self._error(
                f"written by a newer kit (log schema {version}, this kit reads {SCHEMA_VERSION}); upgrade the kit"
            )
        if version != SCHEMA_VERSION or tables != TABLES:
            extra, missing = sorted(tables - TABLES), sorted(TABLES - tables)
            detail = "; ".join(
                part
                for part in (
                    f"unexpected tables: {', '.join(extra)}" if extra else "",
                    f"missing tables: {', '.join(missing)}" if missing else "",
                    f"schema {version}" if version != SCHEMA_VERSION else "",
                )
                if part
            )
            raise self._error(f"not a kit feedback log as this kit writes it ({detail})")

    # -- connection -----------------------------------------------------------

    def close(self) -> None:
        """Close the database connection (safe to call twice)."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def __enter__(self) -> FeedbackLog:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    @contextmanager
    def _transaction(self, write: bool = True) -> Iterator[sqlite3.Connection]:
        """One transaction: ``BEGIN IMMEDIATE`` for writes (take the write lock first),
        a plain ``BEGIN`` for a consistent read; committed or rolled back by ``with conn``."""
        if self._conn is None:
            raise self._error("the feedback log is closed; open it again")
        conn = self._conn
        try:
            with conn:
                conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
                yield conn
        except sqlite3.OperationalError as exc:
            raise self._error(
                f"the feedback log cannot be used ({exc})", hint="another program may hold it; try again"
            ) from None
        except sqlite3.IntegrityError:
            raise  # a bug in this module, not the file's fault
        except sqlite3.DatabaseError as exc:
            raise self._error(f"the feedback log is damaged ({exc})") from None

    def _now(self) -> datetime:
        moment = self._clock()
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise ValueError("the feedback log's clock must return timezone-aware datetimes")
        return moment.astimezone(UTC)

    @staticmethod
    def _new_event(conn: sqlite3.Connection, kind: str) -> int:
        return conn.execute(INSERT_EVENT, (kind,)).lastrowid

    # -- recording a cohort ---------------------------------------------------

    def record_cohort(self, cohort: str, requests: Iterable[AskedRequest]) -> RecordResult:
        """Record one cohort's dataset requests, in one transaction.

        A request never seen before (by :func:`request_key`) gets its first status:
        ``published`` when it matched a dataset, else ``new``. A known request gains
        the ``(cohort, learner)`` asker; a known gap that now matches a dataset records
        the dataset (its status is left to a person). Requests with empty text are
        skipped. Recording the same cohort with the same requests again changes nothing.

        Parameters
        ----------
        cohort
            The cohort's name, e.g. ``"2024-spring"``.
        requests
            One :class:`AskedRequest` per request per learner.

        Returns
        -------
        RecordResult
            The cohort as recorded and what this call added.
        """
        name = self._cohort_name(cohort)
        groups = _group(requests)
        at = self._now()
        new_requests = new_askers = 0
        matched: list[int] = []
        with self._transaction() as conn:
            record = self._ensure_cohort(conn, name, at)
            for key, group in groups.items():
                request_id, created, now_matched = self._ensure_request(conn, key, group, record, at)
                new_requests += created
                if now_matched:
                    matched.append(request_id)
                for learner in group.learners:
                    new_askers += conn.execute(INSERT_ASKER, (request_id, record.position, learner)).rowcount
        return RecordResult(
            cohort=record, new_requests=new_requests, new_askers=new_askers, newly_matched=tuple(matched)
        )

    def _cohort_name(self, cohort: str) -> str:
        name = cohort.strip() if isinstance(cohort, str) else ""
        if not name:
            raise self._error(f"cohort name {cohort!r} is empty; name the cohort (e.g. '2024-spring')")
        return name

    def _ensure_cohort(self, conn: sqlite3.Connection, name: str, at: datetime) -> CohortRecord:
        row = conn.execute(SELECT_COHORT, (name,)).fetchone()
        if row is not None:
            return _cohort(row)
        seq = self._new_event(conn, "cohort")
        position = conn.execute(INSERT_COHORT, (name, _iso(at), seq)).lastrowid
        return CohortRecord(name=name, position=position, recorded_at=at, seq=seq)

    def _ensure_request(
        self, conn: sqlite3.Connection, key: str, group: _Group, cohort: CohortRecord, at: datetime
    ) -> tuple[int, bool, bool]:
        """Return ``(request id, created, a gap that now matches)``."""
        row = conn.execute(SELECT_REQUEST_BY_KEY, (key,)).fetchone()
        if row is None:
            request_id = conn.execute(INSERT_REQUEST, (key, group.text, group.dataset, group.dataset_title)).lastrowid
            if group.dataset:
                status, note = "published", f"already published: {group.dataset_title or group.dataset}"
            else:
                status, note = "new", ""
            seq = self._new_event(conn, "status")
            conn.execute(INSERT_CHANGE, (seq, request_id, status, note, _iso(at), cohort.position))
            return request_id, True, False
        request_id, dataset, _title = row
        if group.dataset is None:
            return request_id, False, False
        if dataset is None:
            conn.execute(UPDATE_REQUEST_MATCH, (group.dataset, group.dataset_title, request_id))
            return request_id, False, True
        if group.dataset_title:
            conn.execute(UPDATE_REQUEST_TITLE, (group.dataset_title, request_id, group.dataset))
        return request_id, False, False

    # -- changing a status ----------------------------------------------------

    def set_status(self, request_id: int, status: str, note: str = "") -> StatusChange:
        """Move a request to another status, saying what was done.

        Allowed: ``new → planned | published | declined``; ``planned → published |
        declined | new``; ``declined → planned | new``; ``published → planned`` (reopen).
        ``declined`` needs a note saying why.

        Raises
        ------
        FeedbackLogError
            Unknown request or status, the same status again, a transition not allowed,
            or ``declined`` without a note; one line naming the request and where it can go.
        """
        note = (note or "").strip()
        with self._transaction() as conn:
            current = self._current_status(conn, request_id)
            self._check_transition(request_id, current, status, note)
            at = self._now()
            seq = self._new_event(conn, "status")
            conn.execute(INSERT_CHANGE, (seq, request_id, status, note, _iso(at), None))
        return StatusChange(request_id=request_id, status=status, note=note, changed_at=at, cohort=None, seq=seq)

    def _current_status(self, conn: sqlite3.Connection, request_id: int) -> str:
        row = None
        if isinstance(request_id, int) and not isinstance(request_id, bool):
            row = conn.execute(SELECT_CURRENT_STATUS, (request_id,)).fetchone()
        if row is None:
            low, high = conn.execute(SELECT_REQUEST_IDS).fetchone()
            known = f"requests are numbered {low}-{high}" if low is not None else "the log has no requests yet"
            raise self._error(
                f"no request {request_id!r} ({known})", request_id=request_id if isinstance(request_id, int) else None
            )
        return row[0]

    def _check_transition(self, request_id: int, current: str, status: str, note: str) -> None:
        allowed = TRANSITIONS[current]
        where = f"from {current} it can go to: {_join(allowed)}"
        if status not in STATUSES:
            problem = f"unknown status {status!r} (statuses: {', '.join(STATUSES)})"
        elif status == current:
            problem = f"already {status}"
        elif status not in allowed:
            problem = f"cannot go from {current} to {status}"
        elif status == "declined" and not note:
            problem = 'declined needs a note saying why (that is the "we did")'
        else:
            return
        raise self._error(f"request {request_id}: {problem}; {where}", request_id=request_id)

    # -- reading --------------------------------------------------------------

    def requests(self, status: str | None = None, *, cohort: str | None = None) -> list[BacklogItem]:
        """Every request, ordered by id; only those with ``status`` / asked by ``cohort`` when given."""
        if status is not None and status not in STATUSES:
            raise self._error(f"unknown status {status!r}; use one of: {', '.join(STATUSES)}")
        if cohort is not None:
            self.cohort(cohort)
        items = self._items(None)
        return [
            item
            for item in items
            if (status is None or item.status == status) and (cohort is None or cohort in item.cohorts)
        ]

    def request(self, request_id: int) -> BacklogItem:
        """One request as it stands.

        Raises
        ------
        FeedbackLogError
            No request has this id.
        """
        valid = isinstance(request_id, int) and not isinstance(request_id, bool)
        items = self._items(request_id) if valid else []
        if not items:
            with self._transaction(write=False) as conn:
                self._current_status(conn, request_id)
        return items[0]

    def _items(self, request_id: int | None) -> list[BacklogItem]:
        with self._transaction(write=False) as conn:
            rows = conn.execute(SELECT_ITEMS, (request_id,)).fetchall()
            askers = conn.execute(SELECT_ITEM_ASKERS, (request_id,)).fetchall()
            history = [_change(row) for row in conn.execute(SELECT_ITEM_HISTORY, (request_id,))]
        asked: dict[int, list[tuple[str, str]]] = {}
        positions: dict[int, dict[str, int]] = {}
        for rid, name, learner, position in askers:
            asked.setdefault(rid, []).append((name, learner))
            positions.setdefault(rid, {})[name] = position
        changes: dict[int, list[StatusChange]] = {}
        for change in history:
            changes.setdefault(change.request_id, []).append(change)
        items = []
        for rid, text, key, dataset, title in rows:
            cohorts = sorted(positions.get(rid, {}).items(), key=lambda pair: pair[1])
            latest = changes[rid][-1]
            items.append(
                BacklogItem(
                    id=rid,
                    text=text,
                    key=key,
                    dataset=dataset,
                    dataset_title=title,
                    status=latest.status,
                    note=latest.note,
                    askers=tuple(asked.get(rid, ())),
                    cohorts=tuple(name for name, _ in cohorts),
                    history=tuple(changes[rid]),
                )
            )
        return items

    def cohorts(self) -> list[CohortRecord]:
        """Every recorded cohort, in the order they were first recorded."""
        with self._transaction(write=False) as conn:
            return [_cohort(row) for row in conn.execute(SELECT_COHORTS)]

    def cohort(self, name: str) -> CohortRecord:
        """One recorded cohort.

        Raises
        ------
        FeedbackLogError
            No cohort of that name was recorded.
        """
        with self._transaction(write=False) as conn:
            row = conn.execute(SELECT_COHORT, (name,)).fetchone()
            if row is None:
                names = [r[1] for r in conn.execute(SELECT_COHORTS)]
        if row is None:
            known = f"recorded cohorts: {', '.join(names)}" if names else "no cohort recorded yet"
            raise self._error(f"no cohort {name!r} ({known})", cohort=name)
        return _cohort(row)

    def previous_cohort(self, name: str) -> CohortRecord | None:
        """The cohort recorded just before ``name``; ``None`` for the first one."""
        current = self.cohort(name)
        with self._transaction(write=False) as conn:
            row = conn.execute(SELECT_PREVIOUS_COHORT, (current.position,)).fetchone()
        return None if row is None else _cohort(row)

    def changes_since(self, cohort: str, *, until: str | None = None) -> list[StatusChange]:
        """What the city did after ``cohort`` was first recorded: changes made by people, in order.

        Automatic first statuses are not changes. With ``until``, only the changes made
        before that cohort was first recorded (what the next cohort could already see).
        """
        start = self.cohort(cohort).seq
        end = self.cohort(until).seq if until is not None else None
        with self._transaction(write=False) as conn:
            return [_change(row) for row in conn.execute(SELECT_CHANGES_BETWEEN, (start, end))]

    # -- export ---------------------------------------------------------------

    def export_backlog(self, path: Path) -> Path:
        """Write the open-data backlog as CSV (UTF-8, ``\\n`` line ends), one row per request.

        Columns: ``id, request, asked_by, learners, cohorts, match, dataset, status, note,
        updated``. ``asked_by`` counts ``(cohort, learner)`` askers; ``learners`` and
        ``cohorts`` are ``;``-joined (distinct, anonymous learners left out); ``match`` is
        ``published`` or ``gap``; ``updated`` is the UTC date of the latest status change.

        Returns
        -------
        Path
            The file written.
        """
        path = Path(path)
        rows = [_backlog_row(item) for item in self.requests()]
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("w", encoding="utf-8", newline="") as handle:
                writer = csv.writer(handle, lineterminator="\n")
                writer.writerow(BACKLOG_HEADER)
                writer.writerows(rows)
        except OSError as exc:
            raise FeedbackLogError(f"{path}: cannot write the backlog ({exc.strerror})", path=str(path)) from None
        return path


def _backlog_row(item: BacklogItem) -> tuple:
    learners = list(dict.fromkeys(learner for _, learner in item.askers if learner))
    return (
        item.id,
        item.text,
        len(item.askers),
        ";".join(learners),
        ";".join(item.cohorts),
        "published" if item.dataset else "gap",
        item.dataset_title or item.dataset or "",
        item.status,
        item.note,
        item.updated.date().isoformat(),
    )
