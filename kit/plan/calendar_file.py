"""The plan's calendar file: every dated event of the sprint as iCalendar (RFC 5545).

Written by hand (no third-party library at run time): CRLF line endings, lines
folded at 75 octets, text values escaped. The events come from
:func:`kit.plan.schedule.plan_events` in the city's local time; each VEVENT
refers to a VTIMEZONE built from the zoneinfo database, with the transitions
of the years the events fall in (Outlook and Google need it).

The file is reproducible: each event's UID comes from the city and the event's
kind and number, so re-importing after a date change updates the event instead
of duplicating it, and DTSTAMP comes from the spec (the pre-sprint call's date),
so the same spec always gives the same bytes.
"""

from __future__ import annotations

import re
import unicodedata
import zoneinfo
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from kit.data.months import MONTH_NAMES
from kit.plan.schedule import Event, plan_events, session_dates
from kit.plan.spec import WEEKDAYS, PlanSpec

PRODID = "-//Civic Data Training Kit//Plan//EN"
UID_DOMAIN = "civic-data-training-kit"
CRLF = "\r\n"
MAX_OCTETS = 75

_EPOCH_LOCAL = datetime(1970, 1, 1)  # the start of a zone's only observance when it has no transitions


# --- RFC 5545 text ----------------------------------------------------------------------------------------------


def escape_text(value: str) -> str:
    """A TEXT value: backslash, semicolon, comma and newline escaped (RFC 5545, 3.3.11)."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return value.replace("\n", "\\n")


def _param(value: str) -> str:
    """A parameter value, quoted when it holds ``:``, ``;`` or ``,`` (double quotes cannot be written)."""
    value = value.replace('"', "'").replace("\r", " ").replace("\n", " ")
    return f'"{value}"' if any(c in value for c in ":;,") else value


def fold(line: str) -> str:
    """One content line folded into lines of at most 75 octets, never splitting a UTF-8 character."""
    out: list[str] = []
    current, size, limit = "", 0, MAX_OCTETS
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            out.append(current)
            current, size, limit = "", 0, MAX_OCTETS - 1  # a continuation line starts with a space
        current += char
        size += width
    out.append(current)
    return (CRLF + " ").join(out)


# --- values -----------------------------------------------------------------------------------------------------


def _local(value: datetime) -> str:
    return value.strftime("%Y%m%dT%H%M%S")


def _utc(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _offset(delta: timedelta) -> str:
    """A UTC-OFFSET value: ``-0500``, ``+0530``, ``+004512`` when the offset has seconds."""
    seconds = int(delta.total_seconds())
    sign = "-" if seconds < 0 else "+"
    hours, rest = divmod(abs(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{sign}{hours:02d}{minutes:02d}" + (f"{secs:02d}" if secs else "")


def city_slug(city: str) -> str:
    """The city's name as a UID part: ``"San José"`` -> ``"san-jose"``."""
    ascii_name = unicodedata.normalize("NFKD", city).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    if not slug:  # a name without Latin letters: its code points, still stable
        slug = "city-" + "-".join(f"{ord(c):x}" for c in city if not c.isspace())
    return slug


def event_uid(spec: PlanSpec, event: Event) -> str:
    """A stable UID: ``session-3.riverton@civic-data-training-kit``; it does not depend on the date."""
    return f"{event.kind.replace('_', '-')}-{event.number}.{city_slug(spec.city)}@{UID_DOMAIN}"


def dtstamp(spec: PlanSpec) -> str:
    """DTSTAMP from the spec, not the clock: the pre-sprint call's date at midnight UTC."""
    return _utc(datetime.combine(spec.sprint.pre_call, time(0, 0), tzinfo=UTC))


def calendar_name(spec: PlanSpec) -> str:
    return f"{spec.city} open-data training"


# --- the time zone ------------------------------------------------------------------------------------------------


def _state(zone: zoneinfo.ZoneInfo, instant: datetime) -> tuple[timedelta, timedelta, str]:
    """(UTC offset, DST amount, abbreviation) at an instant."""
    local = instant.astimezone(zone)
    return local.utcoffset() or timedelta(0), local.dst() or timedelta(0), local.tzname() or ""


def _is_daylight(state: tuple, negative_dst: bool) -> bool:
    """Summer time is DAYLIGHT, also where tzdata puts the DST in winter, as a negative amount (Europe/Dublin)."""
    if negative_dst:
        return state[1] == timedelta(0)
    return state[1] > timedelta(0)


def _transitions(zone: zoneinfo.ZoneInfo, start: datetime, end: datetime) -> list[tuple[datetime, tuple, tuple]]:
    """The zone's transitions in [start, end) UTC, each as (instant, state before, state after)."""
    found = []
    step = timedelta(hours=6)
    here, state = start, _state(zone, start)
    while here < end:
        there = min(here + step, end)
        after = _state(zone, there)
        if after != state:
            lo, hi = here, there  # the change happens in (lo, hi]: bisect to the second
            while hi - lo > timedelta(seconds=1):
                mid = lo + (hi - lo) / 2
                mid = mid.replace(microsecond=0)
                if mid <= lo:
                    break
                if _state(zone, mid) == state:
                    lo = mid
                else:
                    hi = mid
            found.append((hi, state, after))
        here, state = there, after
    return found


def _observance(instant: datetime, before: tuple, after: tuple, negative_dst: bool) -> list[str]:
    offset_from, offset_to = before[0], after[0]
    kind = "DAYLIGHT" if _is_daylight(after, negative_dst) else "STANDARD"
    lines = [
        f"BEGIN:{kind}",
        f"DTSTART:{_local((instant + offset_from).replace(tzinfo=None))}",  # local time before the change
        f"TZOFFSETFROM:{_offset(offset_from)}",
        f"TZOFFSETTO:{_offset(offset_to)}",
    ]
    if after[2]:
        lines.append(f"TZNAME:{escape_text(after[2])}")
    return lines + [f"END:{kind}"]


def vtimezone_lines(name: str, first: date, last: date) -> list[str]:
    """A VTIMEZONE for ``name`` covering ``first`` to ``last``.

    It lists every transition of the years concerned, and the last one before
    them, so the observance in force on the first event's day is defined too.
    A zone with no transition in the year before the events starts with one
    observance, from 1970, at the offset it had on 1 January of the first year.
    """
    zone = zoneinfo.ZoneInfo(name)
    begin = datetime(first.year, 1, 1, tzinfo=UTC)
    end = datetime(last.year + 1, 1, 1, tzinfo=UTC) + timedelta(days=1)
    earlier = _transitions(zone, datetime(first.year - 1, 1, 1, tzinfo=UTC) - timedelta(days=1), begin)
    chosen = earlier[-1:] + _transitions(zone, begin, end)
    negative_dst = any(s[1] < timedelta(0) for _, before, after in chosen for s in (before, after))
    lines = ["BEGIN:VTIMEZONE", f"TZID:{name}"]
    if not earlier:  # nothing changed in the year before: the offset in force then, since 1970
        state = _state(zone, begin)
        negative_dst = negative_dst or state[1] < timedelta(0)
        epoch = _EPOCH_LOCAL.replace(tzinfo=UTC) - state[0]
        lines += _observance(epoch, state, state, negative_dst)
    for instant, before, after in chosen:
        lines += _observance(instant, before, after, negative_dst)
    return lines + ["END:VTIMEZONE"]


# --- events -------------------------------------------------------------------------------------------------------


def _count(events: list[Event], kind: str) -> int:
    return sum(1 for e in events if e.kind == kind)


def _hours(value: float) -> str:
    text = f"{value:g}"
    return f"{text} hour" if value == 1 else f"{text} hours"


def _day(day: date) -> str:
    """``Wednesday 9 September 2026``, whatever the process's locale."""
    return f"{WEEKDAYS[day.weekday()].capitalize()} {day.day} {MONTH_NAMES['en'][day.month - 1]} {day.year}"


def event_summary(spec: PlanSpec, event: Event, events: list[Event]) -> str:
    if event.kind == "session":
        return f"{calendar_name(spec)} — session {event.number} of {_count(events, 'session')}"
    if event.kind == "office_hours":
        return f"Office hours {event.number} of {_count(events, 'office_hours')}"
    if event.kind == "pre_call":
        return "Pre-sprint call"
    if event.kind == "post_call":
        return "Post-sprint call"
    return f"{event.kind.replace('_', ' ').capitalize()} {event.number}"


def event_description(spec: PlanSpec, event: Event, events: list[Event]) -> str:
    name = calendar_name(spec)
    sessions = session_dates(spec.sprint)
    when = f"{_day(event.start.date())}, {event.start:%H:%M}–{event.end:%H:%M} ({spec.timezone})"
    if event.kind == "session":
        total = _count(events, "session")
        parts = [f"Session {event.number} of {total} of the {name} ({_hours(event.hours)}).", when]
        if spec.topics:
            parts.append("Topics: " + ", ".join(t.title for t in spec.topics) + ".")
    elif event.kind == "office_hours":
        total = _count(events, "office_hours")
        parts = [
            f"Office hours {event.number} of {total} of the {name}: drop in with questions about "
            "the exercises or your own data.",
            when,
        ]
    elif event.kind == "pre_call":
        parts = [
            f"Pre-sprint call of the {name}: confirm audiences, rooms, datasets and translations "
            f"before the first session on {sessions[0].isoformat()}.",
            when,
        ]
    elif event.kind == "post_call":
        parts = [
            f"Post-sprint call of the {name}: review the feedback, the open-data backlog and the "
            f"next steps after the last session on {sessions[-1].isoformat()}.",
            when,
        ]
    else:
        parts = [f"{event_summary(spec, event, events)} of the {name}.", when]
    if spec.sprint.skip and event.kind == "session":
        parts.append("No session on " + ", ".join(d.isoformat() for d in sorted(spec.sprint.skip)) + ".")
    if spec.portal:
        parts.append(f"Open-data portal: {spec.portal}")
    return "\n".join(parts)


def _organizer(spec: PlanSpec) -> list[str]:
    for member in spec.team:
        if member.role.strip().lower() == "program lead" and member.email:
            return [f"ORGANIZER;CN={_param(member.name)}:mailto:{member.email}"]
    return []


def vevent_lines(spec: PlanSpec, event: Event, events: list[Event]) -> list[str]:
    tzid = _param(spec.timezone)
    return [
        "BEGIN:VEVENT",
        f"UID:{event_uid(spec, event)}",
        f"DTSTAMP:{dtstamp(spec)}",
        "SEQUENCE:0",
        f"DTSTART;TZID={tzid}:{_local(event.start)}",
        f"DTEND;TZID={tzid}:{_local(event.end)}",
        f"SUMMARY:{escape_text(event_summary(spec, event, events))}",
        f"DESCRIPTION:{escape_text(event_description(spec, event, events))}",
        *_organizer(spec),
        "STATUS:CONFIRMED",
        "TRANSP:OPAQUE",
        "END:VEVENT",
    ]


# --- the file -----------------------------------------------------------------------------------------------------


def calendar_text(spec: PlanSpec) -> str:
    """The plan's calendar as iCalendar text: CRLF line endings, folded, byte-identical for the same spec."""
    events = plan_events(spec.sprint)
    first = min(e.start.date() for e in events)
    last = max(e.end.date() for e in events)
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape_text(calendar_name(spec))}",
        f"X-WR-TIMEZONE:{escape_text(spec.timezone)}",
        *vtimezone_lines(spec.timezone, first, last),
    ]
    for event in events:
        lines += vevent_lines(spec, event, events)
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + CRLF for line in lines)


def write_calendar(spec: PlanSpec, path: Path) -> Path:
    """Write the calendar file (bytes, so the CRLF line endings survive on every platform)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(calendar_text(spec).encode("utf-8"))
    return path
