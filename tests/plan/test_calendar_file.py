"""The plan's calendar file: parsed back with the icalendar library, checked against the sample spec."""

from __future__ import annotations

import re
import zoneinfo
from datetime import UTC, date, datetime, time

import icalendar
import pytest
from helpers import REPO

from kit.plan.calendar_file import calendar_text, escape_text, fold, write_calendar
from kit.plan.schedule import plan_events
from kit.plan.validate import check_spec, load_spec

SAMPLE = REPO / "plans" / "riverton.yaml"
CHICAGO = zoneinfo.ZoneInfo("America/Chicago")
SESSION_DAYS = [
    date(2026, 9, 9),
    date(2026, 9, 16),
    date(2026, 9, 23),
    date(2026, 10, 7),
    date(2026, 10, 14),
    date(2026, 10, 21),
    date(2026, 10, 28),
]


@pytest.fixture(scope="module")
def sample_text() -> str:
    return SAMPLE.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def spec(sample_text):
    return check_spec(sample_text, "riverton.yaml")


@pytest.fixture(scope="module")
def ics(spec) -> str:
    return calendar_text(spec)


@pytest.fixture(scope="module")
def cal(ics):
    return icalendar.Calendar.from_ical(ics)


def events_by_uid(cal) -> dict[str, icalendar.Event]:
    return {str(e["UID"]): e for e in cal.walk("VEVENT")}


def of_kind(cal, kind: str) -> list[icalendar.Event]:
    found = [e for e in cal.walk("VEVENT") if str(e["UID"]).startswith(f"{kind}-")]
    return sorted(found, key=lambda e: e["DTSTART"].dt)


def modified(text: str, **replacements: str) -> str:
    for old, new in replacements.items():
        assert old in text
        text = text.replace(old, new)
    return text


def test_the_calendar_has_the_header_clients_need(cal):
    assert str(cal["VERSION"]) == "2.0"
    assert str(cal["PRODID"]) == "-//Civic Data Training Kit//Plan//EN"
    assert str(cal["CALSCALE"]) == "GREGORIAN"
    assert str(cal["METHOD"]) == "PUBLISH"
    assert "Riverton" in str(cal["X-WR-CALNAME"])
    assert str(cal["X-WR-TIMEZONE"]) == "America/Chicago"


def test_the_sample_has_13_events_7_sessions_2_calls_4_office_hours(cal):
    events = cal.walk("VEVENT")
    assert len(events) == 13
    assert [len(of_kind(cal, k)) for k in ("session", "pre-call", "post-call", "office-hours")] == [7, 1, 1, 4]


def test_sessions_fall_on_the_right_days_at_15_to_17_chicago(cal):
    sessions = of_kind(cal, "session")
    assert [e["DTSTART"].dt.date() for e in sessions] == SESSION_DAYS
    for event in sessions:
        start, end = event["DTSTART"].dt, event["DTEND"].dt
        assert (start.time(), end.time()) == (time(15, 0), time(17, 0))
        assert event["DTSTART"].params["TZID"] == event["DTEND"].params["TZID"] == "America/Chicago"
        assert str(start.tzinfo) == "America/Chicago"


def test_calls_and_office_hours_are_on_their_days(cal):
    assert [e["DTSTART"].dt for e in of_kind(cal, "pre-call")] == [datetime(2026, 8, 26, 15, tzinfo=CHICAGO)]
    # the post-sprint call is on the last session's day, so it follows the session
    assert [e["DTSTART"].dt for e in of_kind(cal, "post-call")] == [datetime(2026, 10, 28, 17, tzinfo=CHICAGO)]
    assert [e["DTSTART"].dt.date() for e in of_kind(cal, "office-hours")] == [
        date(2026, 9, 11),
        date(2026, 9, 25),
        date(2026, 10, 16),
        date(2026, 11, 6),
    ]


def test_the_skipped_day_has_no_session(cal):
    days = [e["DTSTART"].dt.date() for e in cal.walk("VEVENT")]
    assert date(2026, 9, 30) not in days


def test_every_event_matches_the_schedule(spec, cal):
    events = plan_events(spec.sprint)
    parsed = sorted(cal.walk("VEVENT"), key=lambda e: (e["DTSTART"].dt, str(e["UID"])))
    expected = sorted(events, key=lambda e: (e.start, e.kind.replace("_", "-")))
    assert [(e["DTSTART"].dt.replace(tzinfo=None), e["DTEND"].dt.replace(tzinfo=None)) for e in parsed] == [
        (e.start, e.end) for e in expected
    ]


def test_summaries_sequence_and_dtstamp(cal):
    summaries = {uid: str(e["SUMMARY"]) for uid, e in events_by_uid(cal).items()}
    suffix = ".riverton@civic-data-training-kit"
    assert summaries["session-3" + suffix] == "Riverton open-data training — session 3 of 7"
    assert summaries["pre-call-1" + suffix] == "Pre-sprint call"
    assert summaries["office-hours-2" + suffix] == "Office hours 2 of 4"
    assert summaries["post-call-1" + suffix] == "Post-sprint call"
    for event in cal.walk("VEVENT"):
        assert int(event["SEQUENCE"]) == 0
        assert event["DTSTAMP"].dt == datetime(2026, 8, 26, tzinfo=UTC)
        assert str(event["DESCRIPTION"]).strip()


def test_uids_are_unique_and_derived_from_city_kind_and_number(cal):
    uids = [str(e["UID"]) for e in cal.walk("VEVENT")]
    assert len(set(uids)) == len(uids) == 13
    assert all(
        re.fullmatch(r"(session|pre-call|post-call|office-hours)-\d+\.riverton@civic-data-training-kit", u)
        for u in uids
    )
    assert "session-3.riverton@civic-data-training-kit" in uids


def test_uids_survive_a_change_of_dates(sample_text, cal):
    text = modified(
        sample_text, **{"skip: [2026-09-30]": "skip: [2026-10-07]", "pre_call: 2026-08-26": "pre_call: 2026-08-19"}
    )
    moved = icalendar.Calendar.from_ical(calendar_text(check_spec(text, "moved.yaml")))
    before, after = events_by_uid(cal), events_by_uid(moved)
    assert set(before) == set(after)
    changed = {uid for uid in before if before[uid]["DTSTART"].dt != after[uid]["DTSTART"].dt}
    assert "session-4.riverton@civic-data-training-kit" in changed  # 10-07 is now skipped: 09-30 instead
    assert "pre-call-1.riverton@civic-data-training-kit" in changed
    assert after["session-4.riverton@civic-data-training-kit"]["DTSTART"].dt.date() == date(2026, 9, 30)
    assert "session-1.riverton@civic-data-training-kit" not in changed


def test_two_builds_are_byte_identical(spec, ics, tmp_path):
    again = load_spec(SAMPLE)
    assert calendar_text(again) == ics
    first = write_calendar(spec, tmp_path / "a" / "plan.ics")
    second = write_calendar(again, tmp_path / "b" / "plan.ics")
    assert first.read_bytes() == second.read_bytes() == ics.encode("utf-8")


def test_lines_are_crlf_and_at_most_75_octets(ics):
    data = ics.encode("utf-8")
    assert data.endswith(b"\r\n")
    lines = data[:-2].split(b"\r\n")
    assert not any(b"\n" in line or b"\r" in line for line in lines)
    assert max(len(line) for line in lines) <= 75
    assert any(line.startswith(b" ") for line in lines)  # the long descriptions are folded
    for line in lines:
        line.decode("utf-8")  # a fold never splits a character


def test_start_times_convert_to_the_right_utc_instants(cal):
    utc = UTC
    first = of_kind(cal, "session")[0]["DTSTART"].dt
    assert first.astimezone(utc) == datetime(2026, 9, 9, 20, 0, tzinfo=utc)  # 15:00 CDT
    last_office = of_kind(cal, "office-hours")[-1]["DTSTART"].dt
    assert last_office.date() == date(2026, 11, 6)
    assert last_office.astimezone(utc) == datetime(2026, 11, 6, 21, 0, tzinfo=utc)  # 15:00 CST, after DST ends


def _vtimezone(cal, tzid: str):
    [component] = [c for c in cal.walk("VTIMEZONE") if str(c["TZID"]) == tzid]
    return component.to_tz(lookup_tzid=False)  # the file's own definition, not the system's


def _at(tz, naive: datetime) -> datetime:
    return tz.localize(naive) if hasattr(tz, "localize") else naive.replace(tzinfo=tz)


def test_the_vtimezone_alone_gives_the_right_instants(cal):
    tz = _vtimezone(cal, "America/Chicago")
    utc = UTC
    assert _at(tz, datetime(2026, 9, 9, 15)).astimezone(utc) == datetime(2026, 9, 9, 20, tzinfo=utc)
    assert _at(tz, datetime(2026, 11, 6, 15)).astimezone(utc) == datetime(2026, 11, 6, 21, tzinfo=utc)


def test_the_vtimezone_lists_the_dst_transitions_of_the_year(ics):
    unfolded = ics.replace("\r\n ", "")
    block = unfolded[unfolded.index("BEGIN:VTIMEZONE") : unfolded.index("END:VTIMEZONE")]
    assert "TZID:America/Chicago" in block
    assert "BEGIN:DAYLIGHT\r\nDTSTART:20260308T020000\r\nTZOFFSETFROM:-0600\r\nTZOFFSETTO:-0500" in block
    assert "BEGIN:STANDARD\r\nDTSTART:20261101T020000\r\nTZOFFSETFROM:-0500\r\nTZOFFSETTO:-0600" in block


@pytest.mark.parametrize(
    "zone",
    [
        "America/Chicago",
        "America/New_York",
        "Europe/Dublin",
        "Australia/Sydney",
        "Asia/Tokyo",
        "America/Mexico_City",
        "UTC",
    ],
)
def test_the_vtimezone_agrees_with_zoneinfo_for_every_event(sample_text, zone):
    spec = check_spec(modified(sample_text, **{"timezone: America/Chicago": f"timezone: {zone}"}), "zone.yaml")
    cal = icalendar.Calendar.from_ical(calendar_text(spec))
    tz, real = _vtimezone(cal, zone), zoneinfo.ZoneInfo(zone)
    for event in plan_events(spec.sprint):
        for moment in (event.start, event.end, datetime(2026, 1, 15, 12), datetime(2026, 7, 15, 12)):
            assert _at(tz, moment).utcoffset() == moment.replace(tzinfo=real).utcoffset(), (zone, moment)


def test_text_is_escaped_and_survives_a_round_trip(sample_text):
    city = 'Riverton, North; "Old\\Town" — Ñuñoa'
    spec = check_spec(modified(sample_text, **{"city: Riverton": f"city: '{city}'"}), "escaped.yaml")
    text = calendar_text(spec)
    unfolded = text.replace("\r\n ", "")
    # icalendar leaves X- properties raw, so check the calendar name as written
    assert '\r\nX-WR-CALNAME:Riverton\\, North\\; "Old\\\\Town" — Ñuñoa open-data training\r\n' in unfolded
    cal = icalendar.Calendar.from_ical(text)
    session = of_kind(cal, "session")[0]
    assert str(session["SUMMARY"]) == f"{city} open-data training — session 1 of 7"
    assert "\n" in str(session["DESCRIPTION"])  # newlines come back as newlines
    assert all(
        str(e["UID"]).endswith(".riverton-north-old-town-nunoa@civic-data-training-kit") for e in cal.walk("VEVENT")
    )
    assert max(len(line) for line in text.encode("utf-8").split(b"\r\n")) <= 75


def test_escape_and_fold_helpers():
    assert escape_text("a\\b;c,d\ne") == "a\\\\b\\;c\\,d\\ne"
    line = "DESCRIPTION:" + "é" * 100
    folded = fold(line).encode("utf-8").split(b"\r\n")
    assert all(len(part) <= 75 for part in folded)
    assert all(part.startswith(b" ") for part in folded[1:])
    assert b"".join(part[1:] if i else part for i, part in enumerate(folded)).decode("utf-8") == line
    assert fold("SHORT:x") == "SHORT:x"
