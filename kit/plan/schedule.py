"""The sprint calendar: weekly sessions, skipped days, calls and office hours.

Pure functions from a :class:`~kit.plan.spec.Sprint` to dated events; the
calendar file, the plan documents and the workplan all read them from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from kit.plan.spec import Sprint


@dataclass(frozen=True)
class Event:
    """One dated event of the plan, in the city's local time."""

    kind: str  # "session" | "pre_call" | "post_call" | "office_hours"
    number: int  # 1-based within its kind
    start: datetime
    hours: float

    @property
    def end(self) -> datetime:
        return self.start + timedelta(hours=self.hours)


def weekly_dates(start: date, weeks: int, skip: set[date]) -> list[date]:
    """``weeks`` weekly dates from ``start``, leaving out ``skip`` (the series slides a week)."""
    days, day = [], start
    while len(days) < weeks:
        if day not in skip:
            days.append(day)
        day += timedelta(weeks=1)
    return days


def session_dates(sprint: Sprint) -> list[date]:
    """The sprint's weekly session days."""
    return weekly_dates(sprint.start, sprint.weeks, set(sprint.skip))


def session_time(sprint: Sprint) -> time:
    hour, minute = (int(x) for x in sprint.session.time.split(":"))
    return time(hour, minute)


def office_hour_dates(sprint: Sprint) -> list[date]:
    """Office hours spread over the sprint, two days after a session; the last one after the sprint."""
    count = sprint.office_hours
    if count == 0:
        return []
    sessions = session_dates(sprint)
    if count == 1:
        return [sessions[-1] + timedelta(days=9)]
    step = (len(sessions) - 1) / (count - 1)
    picks = [sessions[round(i * step)] + timedelta(days=2) for i in range(count - 1)]
    return picks + [sessions[-1] + timedelta(days=9)]


def plan_events(sprint: Sprint) -> list[Event]:
    """Every event of the sprint, in date order: calls, sessions, office hours."""
    at = session_time(sprint)
    events = [Event("pre_call", 1, datetime.combine(sprint.pre_call, at), 1.0)]
    events += [
        Event("session", i, datetime.combine(d, at), sprint.session.hours)
        for i, d in enumerate(session_dates(sprint), start=1)
    ]
    events += [
        Event("office_hours", i, datetime.combine(d, at), 1.0) for i, d in enumerate(office_hour_dates(sprint), start=1)
    ]
    post = datetime.combine(sprint.post_call, at)
    last = [e for e in events if e.kind == "session"][-1]
    if sprint.post_call == last.start.date():  # the same day as the last session: right after it
        post = last.end
    events.append(Event("post_call", 1, post, 1.0))
    return sorted(events, key=lambda e: (e.start, e.kind))
