"""The "you said, we did" log: kit.feedback.log.

Every log is a real SQLite file in tmp_path; the clock is fixed so timestamps are exact.
Requests and learners are made up.
"""

from __future__ import annotations

import csv
import sqlite3
from datetime import UTC, datetime, timedelta, timezone

import pytest

from kit.data.text import fold_words
from kit.errors import KitError
from kit.feedback.log import (
    STATUSES,
    AskedRequest,
    FeedbackLog,
    FeedbackLogError,
    StatusChange,
    request_key,
)

START = datetime(2024, 3, 1, 18, 0, tzinfo=UTC)


class Clock:
    """A clock that moves one day each time it is read."""

    def __init__(self, start: datetime = START):
        self.now = start - timedelta(days=1)

    def __call__(self) -> datetime:
        self.now += timedelta(days=1)
        return self.now


def cohort_a() -> list[AskedRequest]:
    return [
        AskedRequest("Bus stop locations.", "L01", None),
        AskedRequest("Building permits", "L01", "permits", "Building Permits 2015-present"),
        AskedRequest("bus  STOP locations", "L02", None),
        AskedRequest("Tree canopy by block", "L03", None),
        AskedRequest("   ", "L03", None),
        AskedRequest("", "L02", None),
    ]


def cohort_b() -> list[AskedRequest]:
    return [
        AskedRequest("Bus stop locations!", "L11", None),
        AskedRequest("Eviction filings", "L12", None),
    ]


def dump(path) -> list[str]:
    with sqlite3.connect(path) as conn:
        return list(conn.iterdump())


@pytest.fixture
def log_path(tmp_path):
    return tmp_path / "logs" / "feedback.sqlite"


@pytest.fixture
def log(log_path):
    with FeedbackLog(log_path, clock=Clock()) as opened:
        yield opened


def by_text(log: FeedbackLog) -> dict[str, object]:
    return {item.text: item for item in log.requests()}


# -- keys ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "a, b",
    [
        ("Bus stop locations.", "bus  stop locations"),
        ("Éclairage public", "eclairage PUBLIC"),
        ("street-lights/poles", "street lights poles"),
        ("Straße", "STRASSE"),
    ],
)
def test_request_key_ignores_case_accents_punctuation_and_spacing(a, b):
    assert request_key(a) == request_key(b)


def test_request_key_of_punctuation_only_is_empty():
    assert request_key(" .,;- ") == ""


@pytest.mark.parametrize(
    "text, key",
    [
        ("  Éclairage public / Street-lights ", "eclairage public street lights"),
        ("Straße_Nº 5", "strasse no 5"),
        ("POBLACIÓN\tpor  barrio!", "poblacion por barrio"),
        ("ﬁre permits (2024–25)", "fire permits 2024 25"),
        ("Ｆｕｌｌｗｉｄｔｈ 311", "fullwidth 311"),
    ],
)
def test_request_key_is_the_kits_one_folding_and_keeps_the_keys_logs_hold(text, key):
    assert request_key(text) == fold_words(text) == key


# -- opening ------------------------------------------------------------------


def test_a_new_log_creates_folders_file_and_schema(log_path):
    with FeedbackLog(log_path) as log:
        assert log.cohorts() == [] and log.requests() == []
    assert log_path.is_file()
    with sqlite3.connect(log_path) as conn:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert {"event", "cohort", "request", "asker", "status_change"} <= tables
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 1


def test_reopening_keeps_everything(log_path):
    with FeedbackLog(log_path, clock=Clock()) as log:
        log.record_cohort("A", cohort_a())
        log.set_status(1, "planned", "on the Q2 plan")
        before = log.requests(), log.cohorts()
    with FeedbackLog(log_path) as reopened:
        assert (reopened.requests(), reopened.cohorts()) == before
        assert reopened.request(1).status == "planned"


def test_times_are_stored_as_iso_utc_text(log_path):
    paris = timezone(timedelta(hours=2))
    with FeedbackLog(log_path, clock=lambda: datetime(2024, 6, 1, 20, 30, tzinfo=paris)) as log:
        record = log.record_cohort("A", cohort_a()).cohort
    assert record.recorded_at == datetime(2024, 6, 1, 18, 30, tzinfo=UTC)
    with sqlite3.connect(log_path) as conn:
        assert conn.execute("SELECT recorded_at FROM cohort").fetchone()[0] == "2024-06-01T18:30:00+00:00"
        assert {r[0] for r in conn.execute("SELECT changed_at FROM status_change")} == {"2024-06-01T18:30:00+00:00"}


def test_two_open_logs_on_one_file_see_each_other(log_path):
    with FeedbackLog(log_path, clock=Clock()) as first, FeedbackLog(log_path, clock=Clock()) as second:
        first.record_cohort("A", cohort_a())
        second.set_status(1, "planned", "seen from the second")
        assert first.request(1).status == "planned"
        assert second.record_cohort("A", cohort_a()).new_askers == 0


def test_an_empty_file_is_taken_as_a_new_log(tmp_path):
    path = tmp_path / "feedback.sqlite"
    path.touch()
    with FeedbackLog(path) as log:
        assert log.cohorts() == []


def test_a_file_that_is_not_sqlite_is_refused(tmp_path):
    path = tmp_path / "feedback.sqlite"
    path.write_text("id,request\n1,bus stops\n", encoding="utf-8")
    with pytest.raises(FeedbackLogError) as info:
        FeedbackLog(path)
    message = str(info.value)
    assert "\n" not in message and str(path) in message and "not an SQLite database" in message
    assert info.value.path == str(path)
    assert path.read_text(encoding="utf-8") == "id,request\n1,bus stops\n"


def test_a_damaged_sqlite_file_is_refused(tmp_path):
    path = tmp_path / "feedback.sqlite"
    path.write_bytes(b"SQLite format 3\x00" + b"\xff" * 200)
    with pytest.raises(FeedbackLogError, match=r"feedback\.sqlite: the feedback log is damaged"):
        FeedbackLog(path)


def test_a_sqlite_file_with_other_tables_is_refused(tmp_path):
    path = tmp_path / "gradebook.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE student (id TEXT PRIMARY KEY)")
    with pytest.raises(FeedbackLogError, match=r"gradebook\.db: not a kit feedback log .*student") as info:
        FeedbackLog(path)
    assert "\n" not in str(info.value)
    with sqlite3.connect(path) as conn:  # untouched
        assert [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")] == ["student"]


def test_a_log_with_a_foreign_table_added_is_refused(log_path):
    FeedbackLog(log_path).close()
    with sqlite3.connect(log_path) as conn:
        conn.execute("CREATE TABLE notes (x)")
    with pytest.raises(FeedbackLogError, match="unexpected tables: notes"):
        FeedbackLog(log_path)


def test_a_log_from_a_newer_kit_is_refused(log_path):
    FeedbackLog(log_path).close()
    with sqlite3.connect(log_path) as conn:
        conn.execute("PRAGMA user_version = 2")
    with pytest.raises(FeedbackLogError, match=r"newer kit \(log schema 2, this kit reads 1\); upgrade"):
        FeedbackLog(log_path)


def test_a_folder_is_refused(tmp_path):
    with pytest.raises(FeedbackLogError, match="is a folder"):
        FeedbackLog(tmp_path)


def test_the_error_is_a_kit_error():
    assert issubclass(FeedbackLogError, KitError)


def test_a_closed_log_says_so(log_path):
    log = FeedbackLog(log_path)
    log.close()
    log.close()
    with pytest.raises(FeedbackLogError, match="closed"):
        log.requests()


# -- two cohorts in a row -------------------------------------------------------


def test_two_cohorts_in_a_row(log):
    first = log.record_cohort("2024-spring", cohort_a())
    assert (first.new_requests, first.new_askers) == (3, 4)
    assert first.cohort.name == "2024-spring" and first.cohort.position == 1
    assert first.cohort.recorded_at == START

    items = by_text(log)
    assert list(items) == ["Bus stop locations.", "Building permits", "Tree canopy by block"]
    bus, permits, trees = items.values()
    assert bus.askers == (("2024-spring", "L01"), ("2024-spring", "L02"))
    assert bus.key == "bus stop locations"
    assert (bus.status, bus.note, bus.dataset) == ("new", "", None)
    assert permits.status == "published"
    assert permits.note == "already published: Building Permits 2015-present"
    assert permits.history[0].cohort == "2024-spring" and permits.history[0].changed_at == START
    assert trees.askers == (("2024-spring", "L03"),)

    # between cohorts the city acts on the bus-stop request
    planned = log.set_status(bus.id, "planned", "on the transit team's Q2 plan")
    published = log.set_status(bus.id, "published", "published as 'Bus Stops'")
    assert isinstance(planned, StatusChange) and planned.cohort is None
    assert planned.seq < published.seq
    assert published.changed_at == START + timedelta(days=2)

    second = log.record_cohort("2024-fall", cohort_b())
    assert (second.new_requests, second.new_askers) == (1, 2)
    assert second.cohort.position == 2 and second.cohort.seq > published.seq

    assert log.changes_since("2024-spring") == [planned, published]
    assert log.changes_since("2024-fall") == []
    assert log.changes_since("2024-spring", until="2024-fall") == [planned, published]

    bus = log.request(bus.id)
    assert bus.askers == (("2024-spring", "L01"), ("2024-spring", "L02"), ("2024-fall", "L11"))
    assert bus.cohorts == ("2024-spring", "2024-fall")
    assert bus.text == "Bus stop locations."  # the first wording stays
    assert (bus.status, bus.note) == ("published", "published as 'Bus Stops'")
    assert [c.status for c in bus.history] == ["new", "planned", "published"]

    evictions = by_text(log)["Eviction filings"]
    assert evictions.cohorts == ("2024-fall",) and evictions.history[0].cohort == "2024-fall"
    assert [c.name for c in log.cohorts()] == ["2024-spring", "2024-fall"]
    assert log.previous_cohort("2024-fall") == log.cohort("2024-spring")
    assert log.previous_cohort("2024-spring") is None
    assert [i.text for i in log.requests(cohort="2024-fall")] == ["Bus stop locations.", "Eviction filings"]
    assert [i.text for i in log.requests("new")] == ["Tree canopy by block", "Eviction filings"]


def test_recording_again_changes_nothing(log, log_path):
    log.record_cohort("A", cohort_a())
    log.set_status(1, "planned", "on the plan")
    log.record_cohort("B", cohort_b())
    before = dump(log_path)
    seq = log.cohort("B").seq

    again_a = log.record_cohort("A", cohort_a())
    again_b = log.record_cohort("B", list(reversed(cohort_b())))

    assert (again_a.new_requests, again_a.new_askers) == (0, 0)
    assert (again_b.new_requests, again_b.new_askers) == (0, 0)
    assert again_a.cohort == log.cohort("A") and again_a.cohort.recorded_at == START
    assert dump(log_path) == before
    assert log.cohort("B").seq == seq
    assert max(c.seq for item in log.requests() for c in item.history) < log.record_cohort("C", []).cohort.seq


def test_a_cohort_asking_twice_counts_one_asker(log):
    result = log.record_cohort(
        "A",
        [
            AskedRequest("Crime data", "L01", None),
            AskedRequest("crime data.", "L01", None),
            AskedRequest("Crime data", "", None),
            AskedRequest("Crime data", "", None),
        ],
    )
    assert (result.new_requests, result.new_askers) == (1, 2)
    assert log.request(1).askers == (("A", "L01"), ("A", ""))


def test_the_first_match_in_a_cohort_decides_the_first_status(log):
    log.record_cohort(
        "A", [AskedRequest("311 calls", "L01", None), AskedRequest("311 Calls", "L02", "erm3-yzhq", None)]
    )
    item = log.request(1)
    assert (item.status, item.note, item.dataset) == ("published", "already published: erm3-yzhq", "erm3-yzhq")


def test_a_gap_that_later_matches_records_the_dataset_but_keeps_its_status(log):
    log.record_cohort("A", [AskedRequest("Bike lanes", "L01", None)])
    log.set_status(1, "planned", "asked the transport team")
    result = log.record_cohort("B", [AskedRequest("bike lanes", "L09", "bike-lanes", "Bike Lanes")])
    assert result.newly_matched == (1,)
    item = log.request(1)
    assert (item.dataset, item.dataset_title, item.status) == ("bike-lanes", "Bike Lanes", "planned")
    assert len(item.history) == 2
    assert log.record_cohort("B", [AskedRequest("bike lanes", "L09", "bike-lanes", "Bike Lanes")]).newly_matched == ()


def test_a_cohort_name_is_required(log):
    with pytest.raises(FeedbackLogError, match="cohort name '  ' is empty"):
        log.record_cohort("  ", cohort_a())
    assert log.cohorts() == []


def test_an_unknown_cohort_is_an_error(log):
    log.record_cohort("A", [])
    with pytest.raises(FeedbackLogError, match=r"no cohort 'Z' \(recorded cohorts: A\)") as info:
        log.cohort("Z")
    assert info.value.cohort == "Z"
    for call in (lambda: log.previous_cohort("Z"), lambda: log.changes_since("Z"), lambda: log.requests(cohort="Z")):
        with pytest.raises(FeedbackLogError, match="no cohort 'Z'"):
            call()


def test_a_failed_recording_leaves_nothing_behind(log, log_path):
    log.record_cohort("A", cohort_a())
    before = dump(log_path)

    def broken():
        yield AskedRequest("Noise complaints", "L05", None)
        raise RuntimeError("export cut off")

    with pytest.raises(RuntimeError):
        log.record_cohort("B", broken())
    assert dump(log_path) == before


def test_the_clock_must_be_timezone_aware(log_path):
    with FeedbackLog(log_path, clock=lambda: datetime(2024, 1, 1)) as log:
        with pytest.raises(ValueError, match="timezone-aware"):
            log.record_cohort("A", cohort_a())
        assert log.cohorts() == []


# -- statuses -------------------------------------------------------------------

ALLOWED = {
    "new": {"planned", "published", "declined"},
    "planned": {"published", "declined", "new"},
    "declined": {"planned", "new"},
    "published": {"planned"},
}

# how to bring a fresh "new" request to each status
PATH_TO = {"new": [], "planned": ["planned"], "published": ["published"], "declined": ["declined"]}


def fresh_request(log: FeedbackLog, status: str) -> int:
    cohort = f"c{len(log.cohorts()) + 1}"
    log.record_cohort(cohort, [AskedRequest(f"request for {cohort}", "L01", None)])
    request_id = log.requests()[-1].id
    for step in PATH_TO[status]:
        log.set_status(request_id, step, "because")
    return request_id


@pytest.mark.parametrize("current, target", [(c, t) for c in STATUSES for t in STATUSES])
def test_every_transition(log, current, target):
    request_id = fresh_request(log, current)
    if target in ALLOWED[current]:
        change = log.set_status(request_id, target, "done")
        assert log.request(request_id).status == target and change.note == "done"
        return
    with pytest.raises(FeedbackLogError) as info:
        log.set_status(request_id, target, "done")
    message = str(info.value)
    problem = f"already {target}" if target == current else f"cannot go from {current} to {target}"
    allowed = ", ".join(s for s in ("planned", "published", "declined", "new") if s in ALLOWED[current])
    assert message == f"{log.path}: request {request_id}: {problem}; from {current} it can go to: {allowed}"
    assert info.value.request_id == request_id
    assert log.request(request_id).status == current


def test_the_transition_messages(log):
    request_id = fresh_request(log, "published")
    with pytest.raises(FeedbackLogError) as info:
        log.set_status(request_id, "declined", "no")
    assert str(info.value).endswith(
        f"request {request_id}: cannot go from published to declined; from published it can go to: planned"
    )
    with pytest.raises(FeedbackLogError, match="already published; from published it can go to: planned"):
        log.set_status(request_id, "published")


@pytest.mark.parametrize("note", ["", "   "])
def test_declined_needs_a_note(log, note):
    request_id = fresh_request(log, "new")
    with pytest.raises(FeedbackLogError, match=f"request {request_id}: declined needs a note saying why"):
        log.set_status(request_id, "declined", note)
    change = log.set_status(request_id, "declined", "  holds personal data  ")
    assert change.note == "holds personal data"


def test_an_unknown_status_is_an_error(log):
    request_id = fresh_request(log, "new")
    with pytest.raises(FeedbackLogError) as info:
        log.set_status(request_id, "done", "x")
    assert str(info.value) == (
        f"{log.path}: request {request_id}: unknown status 'done' "
        "(statuses: new, planned, published, declined); "
        "from new it can go to: planned, published, declined"
    )
    with pytest.raises(FeedbackLogError, match="unknown status 'done'; use one of"):
        log.requests("done")


def test_an_unknown_request_is_an_error(log):
    with pytest.raises(FeedbackLogError, match=r"no request 1 \(the log has no requests yet\)"):
        log.set_status(1, "planned")
    log.record_cohort("A", cohort_a())
    with pytest.raises(FeedbackLogError, match=r"no request 7 \(requests are numbered 1-3\)") as info:
        log.set_status(7, "planned")
    assert info.value.request_id == 7
    for bad in (7, "1", True):
        with pytest.raises(FeedbackLogError, match="no request"):
            log.request(bad)


def test_a_refused_change_writes_nothing(log, log_path):
    request_id = fresh_request(log, "published")
    before = dump(log_path)
    with pytest.raises(FeedbackLogError):
        log.set_status(request_id, "declined", "x")
    assert dump(log_path) == before


def test_the_database_refuses_a_declined_without_note(log, log_path):
    fresh_request(log, "new")
    with sqlite3.connect(log_path) as conn, pytest.raises(sqlite3.IntegrityError):
        conn.execute("INSERT INTO event (kind) VALUES ('status')")
        conn.execute("INSERT INTO status_change VALUES (99, 1, 'declined', '', '2024-01-01T00:00:00+00:00', NULL)")


def test_automatic_first_statuses_are_not_changes(log):
    log.record_cohort("A", cohort_a())
    log.record_cohort("B", cohort_b())
    assert log.changes_since("A") == []


# -- export ---------------------------------------------------------------------


def test_export_backlog(log, tmp_path):
    log.record_cohort(
        "A",
        [
            AskedRequest("Bus stops", "L01", None),
            AskedRequest("bus stops.", "L02", None),
            AskedRequest("Permits, 2015–", "", "permits", "Building Permits"),
        ],
    )
    log.set_status(1, "declined", "holds home addresses; we publish, by block")
    log.record_cohort("B", [AskedRequest("Bus Stops", "L01", None), AskedRequest("Parks", "L03", "parks")])

    out = log.export_backlog(tmp_path / "out" / "backlog.csv")

    raw = out.read_bytes()
    assert b"\r" not in raw and raw.endswith(b"\n")
    rows = list(csv.reader(raw.decode("utf-8").splitlines()))
    assert rows == [
        ["id", "request", "asked_by", "learners", "cohorts", "match", "dataset", "status", "note", "updated"],
        [
            "1",
            "Bus stops",
            "3",
            "L01;L02",
            "A;B",
            "gap",
            "",
            "declined",
            "holds home addresses; we publish, by block",
            "2024-03-02",
        ],
        [
            "2",
            "Permits, 2015–",
            "1",
            "",
            "A",
            "published",
            "Building Permits",
            "published",
            "already published: Building Permits",
            "2024-03-01",
        ],
        ["3", "Parks", "1", "L03", "B", "published", "parks", "published", "already published: parks", "2024-03-03"],
    ]


def test_export_of_an_empty_log_has_only_the_header(log, tmp_path):
    out = log.export_backlog(tmp_path / "backlog.csv")
    assert out.read_text(encoding="utf-8") == "id,request,asked_by,learners,cohorts,match,dataset,status,note,updated\n"
