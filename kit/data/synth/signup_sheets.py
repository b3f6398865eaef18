"""Raw sign-in entries from RTU's 2025 events, before anyone cleaned them.

Each entry is what was typed from a paper sign-in sheet at the door, or what a
person typed into the web sign-up form before an event. Every entry is a real
contact of Riverton Tenants United (see :mod:`kit.data.synth.movement`) and a real
sign-up of that contact to that event, written down the way people write: names
in any order and case, emails with capitals and stray spaces, phones in five
formats, neighborhoods misspelled, race and ethnicity and gender in free text.
The same person appears many times: at several events, and at one event both on
the web form and on the paper sheet (or twice on either).

Which contact an entry belongs to is NOT in the file (that is the deduplication
exercise); :func:`signup_sheet_rows` returns it beside the rows, for tests and
answer keys.
"""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta

from kit.data.synth.name_genders import is_feminine

HEADER = (
    "entry_id",
    "event_id",
    "submitted_at",
    "full_name",
    "email",
    "phone",
    "zip_code",
    "neighborhood",
    "race_ethnicity",
    "gender",
    "age_range",
    "wants_to_volunteer",
)

# when each kind of event starts (paper sheets are signed around then)
START_TIMES = {
    "meeting": time(18, 30),
    "training": time(18, 0),
    "canvass": time(10, 0),
    "phone bank": time(17, 30),
    "rally": time(12, 0),
}

WEB_FORM_SHARE = 0.80  # sign-ups made on the web form (the rest by phone or in person)
PAPER_SHARE = 0.90  # attendees who wrote their name on the sheet
DOUBLE_SUBMIT = 0.04  # web forms sent twice
DOUBLE_SIGN = 0.03  # people who signed the paper sheet twice

# how people write each identity; "{a}" is Latina or Latino
RACE_ETHNICITY = {
    "latino": (
        30,
        (
            "Latin{a}",
            "Hispanic/Latino",
            "latinx",
            "Hispanic",
            "Latine",
            "latin{a}",
            "Mexican",
            "Puerto Rican",
            "HISPANIC",
        ),
    ),
    "black": (30, ("Black", "African American", "black", "Black/African American", "AA", "Black or African American")),
    "white": (18, ("White", "white", "Caucasian", "WHITE", "white/caucasian")),
    "asian": (7, ("Asian", "Asian American", "asian", "Vietnamese", "Filipino", "Chinese")),
    "black_latino": (4, ("Black, Latino", "Afro-Latin{a}", "Black/Hispanic", "Black and Latin{a}", "latin{a}, black")),
    "multiracial": (3, ("Mixed", "Multiracial", "White, Asian", "two or more", "biracial")),
    "mena": (2, ("Middle Eastern", "Arab", "MENA")),
    "native": (2, ("Native American", "American Indian", "Indigenous")),
    "undisclosed": (4, ("Prefer not to say", "prefer not to answer", "N/A", "decline")),
}
GENDER = {
    "woman": ("Female", "F", "female", "Woman", "woman", "f", "FEMALE"),
    "man": ("Male", "M", "male", "Man", "man", "m", "MALE"),
    "nonbinary": ("Non-binary", "nonbinary", "NB", "genderqueer", "they/them"),
}
GENDER_ES = {"woman": "Mujer", "man": "Hombre"}
AGE_RANGES = ((18, 24), (25, 34), (35, 44), (45, 54), (55, 64), (65, 120))
YES = ("yes", "Yes", "Y", "y", "si", "Sí", "YES")
NO = ("no", "No", "N", "n")
NEIGHBORHOOD_SPELLINGS = {
    "Harbor Flats": ("Harbour Flats",),
    "Cedar Heights": ("Cedar Hts", "Cedar Hgts"),
    "Downtown": ("Down Town", "DT"),
    "Old Mill": ("Oldmill", "Old mill"),
    "Maple Grove": ("Maple Grv",),
    "Northgate": ("North Gate",),
    "Southfield": ("South Field",),
    "Eastport": ("East Port",),
}


def _person_traits(contact: tuple, rng: random.Random) -> dict:
    """What is true of a contact, however they write it down."""
    first, language = contact[1], contact[7]
    weights = {k: w for k, (w, _) in RACE_ETHNICITY.items()}
    if language == "es":
        weights["latino"] *= 8
        weights["black_latino"] *= 3
    kinds = list(weights)
    race = rng.choices(kinds, [weights[k] for k in kinds])[0]
    usual = "woman" if is_feminine(first) else "man"
    gender = rng.choices((usual, "nonbinary"), (96, 4))[0]
    return {"race": race, "gender": gender, "age": 18 + int(62 * rng.betavariate(1.6, 2.4)), "language": language}


def _swap_letters(word: str, rng: random.Random) -> str:
    if len(word) < 4:
        return word
    i = rng.randrange(1, len(word) - 2)
    return word[:i] + word[i + 1] + word[i] + word[i + 2 :]


def _full_name(first: str, last: str, rng: random.Random) -> str:
    style = rng.choices(range(10), (36, 12, 10, 6, 9, 5, 5, 6, 6, 5))[0]
    return (
        f"{first} {last}",
        f"{first.lower()} {last.lower()} ",
        f"{last.upper()}, {first.upper()}",
        f"{last}, {first}",
        f"{first.upper()} {last.upper()}",
        f"{first}  {last}",
        f" {first} {last}",
        f"{first} {_swap_letters(last, rng)}",  # a typo
        f"{first[0]}. {last}",
        f"{first} {last[0]}.",
    )[style]


def _email(email: str, rng: random.Random, paper: bool) -> str:
    style = rng.choices(range(6), (52, 12, 5, 8, 5, 18 if paper else 6))[0]
    local, domain = email.split("@")
    return (
        email,
        f"{local.capitalize()}@{domain.capitalize()}",
        email.upper(),
        f" {email} ",
        f"{email} ",
        "",
    )[style]


def _phone(phone: str, rng: random.Random) -> str:
    area, exchange, line = phone[1:4], phone[6:9], phone[10:]
    return rng.choices(
        (
            phone,
            f"{area}.{exchange}.{line}",
            f"{area}{exchange}{line}",
            f"{area}-{exchange}-{line}",
            f"+1 {area} {exchange} {line}",
            "",
        ),
        (28, 14, 20, 16, 5, 17),
    )[0]


def _neighborhood(name: str, rng: random.Random) -> str:
    variants = (name, name.lower(), name.upper(), name.replace(" ", ""), " " + name, "")
    special = NEIGHBORHOOD_SPELLINGS.get(name, ())
    return rng.choices(variants + special, (50, 14, 8, 5, 3, 6) + (5,) * len(special))[0]


def _race_ethnicity(traits: dict, rng: random.Random) -> str:
    if rng.random() < 0.12:
        return ""
    forms = RACE_ETHNICITY[traits["race"]][1]
    written = rng.choices(forms, range(len(forms), 0, -1))[0]  # the first forms are the commonest
    return written.replace("{a}", "a" if traits["gender"] == "woman" else "o")


def _gender(traits: dict, rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.09:
        return ""
    if roll < 0.11:
        return "Prefer not to say"
    if traits["language"] == "es" and traits["gender"] in GENDER_ES and rng.random() < 0.3:
        return GENDER_ES[traits["gender"]]
    return rng.choice(GENDER[traits["gender"]])


def _age_range(traits: dict, rng: random.Random, paper: bool) -> str:
    if rng.random() < 0.1:
        return ""
    age = traits["age"]
    if paper and rng.random() < 0.25:
        return str(age)  # paper sheets leave a blank line: some write their age
    lo, hi = next(r for r in AGE_RANGES if r[0] <= age <= r[1])
    if hi > 100:
        return rng.choices(("65+", "65 and over"), (80, 20))[0]
    return rng.choices((f"{lo}-{hi}", f"{lo} - {hi}", f"{lo} to {hi}"), (80, 12, 8))[0]


def _volunteer(level: str, rng: random.Random) -> str:
    p_yes = {"supporter": 0.25, "volunteer": 0.6, "leader": 0.8}[level]
    if rng.random() < 0.18:
        return ""
    return rng.choice(YES) if rng.random() < p_yes else rng.choice(NO)


def _entry(contact: tuple, traits: dict, event_id: str, when: datetime, paper: bool, rng: random.Random) -> list:
    _, first, last, email, phone, zip_code, hood, _, _, _, level = contact
    zip_written = rng.choices((zip_code, "", f"{zip_code}-{rng.randrange(1000, 9999)}"), (88, 8, 4))[0]
    return [
        event_id,
        when,
        _full_name(first, last, rng),
        _email(email, rng, paper),
        _phone(phone, rng),
        zip_written,
        _neighborhood(hood, rng),
        _race_ethnicity(traits, rng),
        _gender(traits, rng),
        _age_range(traits, rng, paper),
        _volunteer(level, rng),
    ]


def signup_sheet_rows(tables: dict, seed: int) -> tuple[list[list], dict[str, str]]:
    """Raw sign-in entries, and the ground truth: entry_id -> contact_id.

    Parameters
    ----------
    tables
        RTU's tables as :func:`kit.data.synth.movement.movement_tables` returns them.
    seed
        Seed of this generator's own random stream.

    Returns
    -------
    rows, truth
        The rows (without ``entry_id`` headers) and which contact each entry is.
    """
    rng = random.Random(seed)
    contacts = {c[0]: c for c in tables["contacts"][1]}
    events = {e[0]: e for e in tables["events"][1]}
    traits = {cid: _person_traits(c, rng) for cid, c in contacts.items()}
    entries: list[tuple[list, str]] = []
    for _, event_id, contact_id, signed_up_at, attended in tables["event_signups"][1]:
        contact = contacts[contact_id]
        if rng.random() < WEB_FORM_SHARE:
            when = signed_up_at + timedelta(seconds=rng.randrange(1, 60))  # web forms keep seconds
            entries.append((_entry(contact, traits[contact_id], event_id, when, False, rng), contact_id))
            if rng.random() < DOUBLE_SUBMIT:
                again = when + timedelta(minutes=rng.randrange(1, 15))  # same seconds: still a web form
                entries.append((_entry(contact, traits[contact_id], event_id, again, False, rng), contact_id))
        if attended and rng.random() < PAPER_SHARE:
            _, _, etype, day, _, _ = events[event_id]
            start = datetime.combine(day, START_TIMES[etype])
            for _ in range(2 if rng.random() < DOUBLE_SIGN else 1):
                when = start + timedelta(minutes=rng.randrange(-20, 45))
                entries.append((_entry(contact, traits[contact_id], event_id, when, True, rng), contact_id))
    order = sorted(range(len(entries)), key=lambda i: (entries[i][0][1], entries[i][0][0], i))
    rows, truth = [], {}
    for number, i in enumerate(order, start=1):
        entry_id = f"SH{number:05d}"
        row, contact_id = entries[i]
        rows.append([entry_id, *row])
        truth[entry_id] = contact_id
    return rows, truth
