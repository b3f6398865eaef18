"""Synthetic movement data: the records an organizing group keeps.

Riverton Tenants United (RTU) is a fictional tenants' organization in the sample
city. Its contact list, events, event sign-ups and donations for 2025 are made
here from a seed. Every person is invented (see :mod:`kit.data.synth.names`).
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

from kit.data.synth.city import City, Neighborhood
from kit.data.synth.names import FIRST_NAMES, LAST_NAMES

YEAR_START = date(2025, 1, 6)
YEAR_END = date(2025, 12, 20)

CONTACTS_HEADER = (
    "contact_id",
    "first_name",
    "last_name",
    "email",
    "phone",
    "zip_code",
    "neighborhood",
    "preferred_language",
    "source",
    "date_joined",
    "ladder_level",
)
EVENTS_HEADER = ("event_id", "event_name", "event_type", "event_date", "neighborhood", "capacity")
SIGNUPS_HEADER = ("signup_id", "event_id", "contact_id", "signed_up_at", "attended")
DONATIONS_HEADER = ("donation_id", "contact_id", "donation_date", "amount", "method", "recurring")

SOURCES = ("door knock", "event", "online form", "referral", "phone bank")
SOURCE_WEIGHTS = (35, 25, 20, 12, 8)

EVENT_TYPES = {
    # type: (how many in the year, capacity range, attendance probability)
    "meeting": (14, (20, 40), 0.72),
    "training": (8, (15, 25), 0.80),
    "canvass": (10, (10, 30), 0.62),
    "phone bank": (6, (8, 16), 0.58),
    "rally": (2, (80, 150), 0.55),
}
EVENT_TITLES = {
    "meeting": "Tenant meeting",
    "training": "Know your rights training",
    "canvass": "Door-knocking canvass",
    "phone bank": "Phone bank",
    "rally": "Rally for safe housing",
}


def _join_date(rng: random.Random) -> date:
    """Joins accelerate through the year, as a campaign builds momentum."""
    span = (YEAR_END - YEAR_START).days
    return YEAR_START + timedelta(days=int(span * rng.random() ** 0.75))


def movement_tables(city: City, seed: int) -> dict[str, tuple[tuple[str, ...], list[tuple]]]:
    """Make RTU's four tables: contacts, events, event sign-ups and donations.

    Parameters
    ----------
    city
        The sample city: people and events are spread over its neighborhoods,
        more where there are more people and more service requests.
    seed
        The seed of the one random generator the four tables draw from, in this
        order: contacts, events, sign-ups, donations. The same seed gives the
        same tables.

    Returns
    -------
    dict
        Table name (``contacts``, ``events``, ``event_signups``, ``donations``)
        to its header and rows.
    """
    rng = random.Random(seed)
    hoods = city.neighborhoods
    hood_weights = [h.population * h.request_rate for h in hoods]  # organizing follows need
    contacts = _contact_rows(rng, hoods, hood_weights)
    event_rows = _event_rows(rng, hoods, hood_weights)
    signup_rows = _signup_rows(rng, contacts, event_rows)
    donation_rows = _donation_rows(rng, contacts)
    return {
        "contacts": (CONTACTS_HEADER, contacts),
        "events": (EVENTS_HEADER, event_rows),
        "event_signups": (SIGNUPS_HEADER, signup_rows),
        "donations": (DONATIONS_HEADER, donation_rows),
    }


def _contact_rows(rng: random.Random, hoods: list[Neighborhood], hood_weights: list[float]) -> list[tuple]:
    """640 people, with ids in the order they joined (``CONTACTS_HEADER``)."""
    people = []
    for _ in range(640):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        hood = rng.choices(hoods, hood_weights)[0]
        level = rng.choices(("supporter", "volunteer", "leader"), (70, 25, 5))[0]
        phone = f"({rng.choice(('309', '815', '779'))}) 555-01{rng.randrange(100):02d}"
        language = rng.choices(("en", "es"), (68, 32))[0]
        source = rng.choices(SOURCES, SOURCE_WEIGHTS)[0]
        people.append((_join_date(rng), first, last, phone, hood, language, source, level))
    people.sort(key=lambda p: p[0])  # ids follow the order people joined
    return [
        (
            f"C{i:04d}",
            first,
            last,
            f"{first.lower()}.{last.lower()}{i}@example.org",
            phone,
            hood.zip_code,
            hood.name,
            language,
            source,
            joined,
            level,
        )
        for i, (joined, first, last, phone, hood, language, source, level) in enumerate(people, start=1)
    ]


def _event_rows(rng: random.Random, hoods: list[Neighborhood], hood_weights: list[float]) -> list[tuple]:
    """Each type's events spread over the year, in date order (``EVENTS_HEADER``)."""
    events = []
    plan = [(etype, k) for etype, (count, _, _) in EVENT_TYPES.items() for k in range(count)]
    for etype, k in plan:
        count, (lo, hi), _ = EVENT_TYPES[etype]
        day = YEAR_START + timedelta(days=int((YEAR_END - YEAR_START).days * (k + rng.uniform(0.1, 0.9)) / count))
        hood = rng.choices(hoods, hood_weights)[0]
        events.append([etype, day, hood.name, rng.randrange(lo, hi + 1)])
    events.sort(key=lambda e: (e[1], e[0]))
    return [
        (f"E{i:03d}", f"{EVENT_TITLES[etype]} ({hood})", etype, day, hood, cap)
        for i, (etype, day, hood, cap) in enumerate(events, start=1)
    ]


def _signup_rows(rng: random.Random, contacts: list[tuple], event_rows: list[tuple]) -> list[tuple]:
    """Who signed up for each event, when, and whether they came, in sign-up order (``SIGNUPS_HEADER``)."""
    signups = []
    for event_id, _, etype, day, hood, cap in event_rows:
        eligible = [c for c in contacts if c[9] < day]
        if not eligible:
            continue
        # neighbors are likelier to sign up for an event in their neighborhood
        weights = [3 if c[6] == hood else 1 for c in eligible]
        wanted = min(len(eligible), max(3, round(cap * rng.uniform(0.55, 1.15))))
        chosen: dict[str, tuple] = {}
        while len(chosen) < wanted:
            c = rng.choices(eligible, weights)[0]
            chosen[c[0]] = c
        p_attend = EVENT_TYPES[etype][2]
        for contact_id in sorted(chosen):
            joined = chosen[contact_id][9]
            lead_days = rng.randrange(0, max(1, min(21, (day - joined).days)))
            signed = datetime.combine(day - timedelta(days=lead_days), datetime.min.time()) + timedelta(
                minutes=rng.randrange(8 * 60, 22 * 60)
            )
            signups.append([event_id, contact_id, signed, rng.random() < p_attend])
    signups.sort(key=lambda s: (s[2], s[0], s[1]))
    return [(f"S{i:05d}", *s) for i, s in enumerate(signups, start=1)]


def _donation_rows(rng: random.Random, contacts: list[tuple]) -> list[tuple]:
    """170 donors' gifts, one-off or monthly, in date order (``DONATIONS_HEADER``)."""
    donations = []
    donors = rng.sample(contacts, k=170)
    for c in donors:
        recurring = rng.random() < 0.2
        amount = rng.choices((5.0, 10.0, 20.0, 25.0, 50.0, 100.0, 250.0), (10, 25, 25, 20, 12, 6, 2))[0]
        if rng.random() < 0.15:
            amount = round(rng.uniform(3, 150), 2)  # a gift of any amount
        day = c[9] + timedelta(days=rng.randrange(0, 30))
        while day <= YEAR_END:
            donations.append([c[0], day, amount, rng.choices(("online", "cash", "check"), (70, 20, 10))[0], recurring])
            if not recurring and rng.random() < 0.7:
                break
            day += timedelta(days=30 if recurring else rng.randrange(30, 150))
    donations.sort(key=lambda d: (d[1], d[0]))
    return [(f"D{i:04d}", *d) for i, d in enumerate(donations, start=1)]
