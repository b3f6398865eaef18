"""When each RTU contact climbed each rung of the ladder of engagement.

Everyone becomes a *supporter* the day they join the list. Volunteers step up
later, usually on the day of the first event they came to; leaders step up again
after that. The highest rung a contact reached is the ``ladder_level`` in
``contacts.csv``, and every step falls after joining and by 2025-12-31.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

HEADER = ("contact_id", "level", "date_reached")
LEVELS = ("supporter", "volunteer", "leader")
LAST_DAY = date(2025, 12, 31)


def _day_between(rng: random.Random, first: date, last: date) -> date:
    """A day in [first, last], leaning early: people step up soon after something moves them."""
    return first + timedelta(days=int(((last - first).days + 1) * rng.random() ** 1.5))


def ladder_rows(tables: dict, seed: int) -> list[tuple]:
    """One row per contact per rung reached, in date order.

    Parameters
    ----------
    tables
        RTU's tables as :func:`kit.data.synth.movement.movement_tables` returns them.
    seed
        Seed of this generator's own random stream.
    """
    rng = random.Random(seed)
    events = {e[0]: e[3] for e in tables["events"][1]}
    attended: dict[str, list[date]] = {}
    for _, event_id, contact_id, _, came in tables["event_signups"][1]:
        if came:
            attended.setdefault(contact_id, []).append(events[event_id])
    rows = []
    for contact_id, *_, joined, level in tables["contacts"][1]:
        rows.append((contact_id, "supporter", joined))
        rungs = LEVELS.index(level)
        if rungs == 0:
            continue
        # leave room for the leader step after the volunteer one
        latest = LAST_DAY - timedelta(days=1 if rungs == 2 else 0)
        came = sorted(d for d in attended.get(contact_id, ()) if joined < d <= latest)
        if came and rng.random() < 0.75:
            volunteer = came[0]
        else:
            volunteer = _day_between(rng, joined + timedelta(days=1), latest)
        rows.append((contact_id, "volunteer", volunteer))
        if rungs == 2:
            rows.append((contact_id, "leader", _day_between(rng, volunteer + timedelta(days=1), LAST_DAY)))
    rows.sort(key=lambda r: (r[2], r[0], LEVELS.index(r[1])))
    return rows
