"""Key dates of Riverton's 2026 general election (Tuesday, 2026-11-03).

Riverton is fictional, but its deadlines follow the pattern of the Illinois
Election Code, counted from election day: regular registration closes 28 days
before, online registration 16 days before, grace-period registration runs to
election day; mail-ballot applications are taken from 90 to 5 days before;
early voting runs from day 40 to the day before; mail ballots postmarked by
election day count if they arrive within 14 days; the canvass ends within 21.
No randomness: the table is the same for every seed.
"""

from __future__ import annotations

from datetime import date, timedelta

ELECTION_DAY = date(2026, 11, 3)
HEADER = ("date", "event", "description", "source")

_BOARD = "Riverton Board of Election Commissioners, 2026 General Election calendar (fictional)"
_STATE = (
    "Illinois State Board of Elections, 2026 election calendar (pattern followed; dates for Riverton are fictional)"
)

# (days from election day, event, description, source)
_EVENTS = (
    (
        -90,
        "Mail ballot applications open",
        "First day the Board accepts applications to vote by mail (any registered voter may apply).",
        _BOARD,
    ),
    (
        -40,
        "Early voting begins",
        "Early voting opens at the Board's downtown office; mail ballots start going out to applicants.",
        _BOARD,
    ),
    (
        -28,
        "Regular voter registration deadline",
        "Last day to register or update a registration by mail or at a registration site.",
        _STATE,
    ),
    (
        -27,
        "Grace-period registration begins",
        "After the regular deadline, residents can still register and vote in person at the Board's "
        "office and early-voting sites, through election day.",
        _STATE,
    ),
    (-16, "Online voter registration deadline", "Last day to register or update an address online.", _STATE),
    (
        -15,
        "Early voting expands to all sites",
        "Early voting opens at every neighborhood site, including Sundays.",
        _BOARD,
    ),
    (
        -5,
        "Mail ballot application deadline",
        "Last day for the Board to receive a mail-ballot application by mail or online.",
        _STATE,
    ),
    (-1, "Early voting ends", "Last day of early voting at every site.", _BOARD),
    (
        0,
        "Election day",
        "Polls open 6:00 a.m. to 7:00 p.m.; mail ballots must be postmarked or dropped off today.",
        _STATE,
    ),
    (
        14,
        "Last day for mail ballots to arrive",
        "Mail ballots postmarked by election day are counted if they arrive by today.",
        _STATE,
    ),
    (21, "Canvass complete", "The Board finishes the canvass and proclaims Riverton's official results.", _BOARD),
    (31, "State certification", "The State Board of Elections certifies the statewide results.", _STATE),
)


def calendar_rows() -> list[tuple]:
    """The calendar in date order."""
    return [
        (ELECTION_DAY + timedelta(days=days), event, description, source)
        for days, event, description, source in _EVENTS
    ]
