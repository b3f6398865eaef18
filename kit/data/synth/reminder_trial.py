"""Two randomized trials of a reminder message, run by Riverton Tenants United (Supplement A).

Before an action, RTU sends each invited member one of three reminders, drawn at
random: **none**, a text message (**SMS**) or a phone **call**. Whether the member
then came is ``attended``. Two trials sit in one table (column ``trial``):

``assembly-2025``
    The tenants' assembly of 2025-10-18: 900 members, 300 per arm.
``hearing-2026``
    The City Council hearing on rent rules of 2026-03-12: 1,500 members, 500 per arm.

Each trial's arms are assigned by shuffling a list holding each arm equally often
(complete randomization with this module's seed), so the arms have equal sizes and
the members' covariates are balanced only by chance.

The truth, known because the data is made
-----------------------------------------
A member's chance of coming is a *baseline* set by how many RTU meetings they came
to in the past year (``past_meetings``), plus the *lift* of the reminder they got:

================  ============  ============  ==========  =====  =====
trial             0 meetings    1 meeting     2 or more   SMS    call
================  ============  ============  ==========  =====  =====
assembly-2025     0.15 (half)   0.35 (30 %)   0.60 (20 %) +0.06  +0.12
hearing-2026      0.10 (half)   0.20 (30 %)   0.45 (20 %) +0.03  +0.10
================  ============  ============  ==========  =====  =====

The shares in brackets are how members are drawn, so the true attendance rates over
the members RTU invites are 0.30, 0.36 and 0.42 (none, SMS, call) at the assembly and
0.20, 0.23 and 0.30 at the hearing. The *true effects* are the lifts: SMS +0.06 and
call +0.12 at the assembly; SMS +0.03 and call +0.10 at the hearing. Age group,
neighborhood and language do not change anyone's chance of coming. Every member is
invented (ids ``A0001``, ``H0001``), never a real person.
"""

from __future__ import annotations

import random

HEADER = ("trial", "member_id", "age_group", "neighborhood", "language", "past_meetings", "arm", "attended")
ARMS = ("none", "SMS", "call")
AGE_GROUPS = (("18-29", 0.22), ("30-44", 0.33), ("45-64", 0.30), ("65+", 0.15))
LANGUAGES = (("English", 0.55), ("Spanish", 0.35), ("Vietnamese", 0.10))

# trial -> (id prefix, members per arm, baseline by past meetings 0 / 1 / 2+, lift by arm)
TRIALS = {
    "assembly-2025": ("A", 300, (0.15, 0.35, 0.60), {"none": 0.0, "SMS": 0.06, "call": 0.12}),
    "hearing-2026": ("H", 500, (0.10, 0.20, 0.45), {"none": 0.0, "SMS": 0.03, "call": 0.10}),
}
# how often members came to 0, 1 or 2+ meetings in the past year (2+ spread over 2..6)
PAST_SHARES = (0.5, 0.3, 0.2)


def true_rates(trial: str) -> dict[str, float]:
    """The true attendance rate of each arm over the members RTU invites to ``trial``.

    Examples
    --------
    >>> true_rates("hearing-2026")
    {'none': 0.2, 'SMS': 0.23, 'call': 0.3}
    """
    _, _, baseline, lift = TRIALS[trial]
    base = sum(share * rate for share, rate in zip(PAST_SHARES, baseline, strict=True))
    return {arm: round(base + lift[arm], 10) for arm in ARMS}


def _pick(rng: random.Random, weighted: tuple[tuple[str, float], ...]) -> str:
    return rng.choices([v for v, _ in weighted], weights=[w for _, w in weighted])[0]


def _past_meetings(rng: random.Random) -> int:
    band = rng.choices((0, 1, 2), weights=PAST_SHARES)[0]
    return band if band < 2 else rng.randint(2, 6)


def reminder_trial_rows(neighborhoods: list[str], seed: int) -> list[tuple]:
    """One row per invited member per trial, trials in order, members by id.

    Parameters
    ----------
    neighborhoods
        The sample city's neighborhood names (members live in any of them).
    seed
        Seed of this generator's own random stream.
    """
    rng = random.Random(seed)
    rows = []
    for trial, (prefix, per_arm, baseline, lift) in TRIALS.items():
        arms = [arm for arm in ARMS for _ in range(per_arm)]
        rng.shuffle(arms)
        for number, arm in enumerate(arms, start=1):
            age, language = _pick(rng, AGE_GROUPS), _pick(rng, LANGUAGES)
            hood = rng.choice(neighborhoods)
            past = _past_meetings(rng)
            chance = baseline[min(past, 2)] + lift[arm]
            came = rng.random() < chance
            rows.append((trial, f"{prefix}{number:04d}", age, hood, language, past, arm, came))
    return rows
