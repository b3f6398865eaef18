"""A synthetic voter file and vote history for Riverton's ward 2.

Ward 2 (Southfield and Harbor Flats) is the turf of the campaign in module 2. The
layout follows public state voter files, North Carolina's ``ncvoter`` and
``ncvhis`` above all: one row per registration, names in upper case, NC's race,
ethnicity and party codes, a status code (A active, I inactive, R removed), plus
the language the voter asked for election mail in and the two model scores campaigns
buy (support and turnout, 0-100).

Every voter is invented from the pools in :mod:`kit.data.synth.names`. The file is
a snapshot taken after the 2025 municipal canvass, so it agrees with the published
results: the active voters of each precinct are its ``REGISTERED VOTERS`` and the
voters with a 2025-02-25 history row are its ``BALLOTS CAST``. The turnout score
is made from the same hidden propensity that decides who votes, so it predicts
voting (as a good model would), without being perfect.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from kit.data.synth.election_results import ELECTION_DAY, PrecinctTurnout
from kit.data.synth.name_genders import is_feminine
from kit.data.synth.names import FIRST_NAMES, LAST_NAMES
from kit.data.synth.precincts import QUADRANTS

CAMPAIGN_WARD = 2
SNAPSHOT = date(2025, 3, 18)  # the day the file was pulled, after the canvass

VOTER_HEADER = (
    "voter_id",
    "last_name",
    "first_name",
    "birth_year",
    "gender_code",
    "race_code",
    "ethnic_code",
    "party_cd",
    "registr_dt",
    "status_cd",
    "res_street_address",
    "res_city_desc",
    "zip_code",
    "ward",
    "precinct",
    "ward_prec",
    "precinct_desc",
    "language_pref",
    "support_score",
    "turnout_score",
)
HISTORY_HEADER = ("voter_id", "election_date", "election_desc", "voting_method")


@dataclass(frozen=True)
class Election:
    """A past election in the vote history."""

    day: date
    description: str
    offset: float  # turnout logit before the voter's propensity
    methods: tuple[int, int, int]  # weights of IN-PERSON, EARLY, MAIL


ELECTIONS = (
    Election(date(2020, 11, 3), "11/03/2020 GENERAL", 0.9, (35, 25, 40)),  # pandemic: much mail
    Election(date(2022, 11, 8), "11/08/2022 GENERAL", -0.2, (62, 22, 16)),
    Election(date(2023, 2, 28), "02/28/2023 MUNICIPAL GENERAL", -0.9, (72, 17, 11)),
    Election(date(2024, 11, 5), "11/05/2024 GENERAL", 0.7, (48, 32, 20)),
    Election(ELECTION_DAY, "02/25/2025 MUNICIPAL GENERAL", -1.0, (68, 20, 12)),
)
METHODS = ("IN-PERSON", "EARLY", "MAIL")
DESCRIPTIONS = {e.day: e.description for e in ELECTIONS}

HISPANIC_SURNAMES = frozenset(
    (
        "Garcia",
        "Hernandez",
        "Lopez",
        "Martinez",
        "Rodriguez",
        "Perez",
        "Ramirez",
        "Flores",
        "Rivera",
        "Torres",
        "Sanchez",
        "Cruz",
        "Morales",
        "Reyes",
        "Ortiz",
        "Diaz",
        "Gomez",
        "Vargas",
    )
)
ASIAN_SURNAMES = frozenset(("Nguyen", "Kim", "Patel", "Chen"))
# the language a voter asked for election mail in, by surname (Riverton prints ballots in all four)
SURNAME_LANGUAGES = {"Nguyen": ("VI", 45), "Kim": ("KO", 40), "Chen": ("ZH", 45)}

PARTIES = ("DEM", "UNA", "REP", "LIB", "GRE")
PARTY_WEIGHTS = (50, 33, 13, 2, 2)
PARTY_SUPPORT = {"DEM": 0.9, "GRE": 1.1, "UNA": 0.0, "LIB": -0.7, "REP": -1.5}

BIRTH_YEAR_PLACEHOLDERS = 9  # legacy records with an unknown birth date, entered as 1900


@dataclass
class Voter:
    """One registration, before ids are given out."""

    last_name: str
    first_name: str
    birth_year: int
    gender_code: str
    race_code: str
    ethnic_code: str
    party_cd: str
    registr_dt: date
    address: str
    renter: bool
    plan: PrecinctTurnout
    propensity: float
    status_cd: str = "A"
    voted: dict[date, str] = field(default_factory=dict)
    voter_id: str = ""


def _sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x))


def _logit(p: float) -> float:
    return math.log(p / (1 - p))


def _race_and_ethnicity(last_name: str, rng: random.Random) -> tuple[str, str]:
    """NC race code (A B I M O P W U) and ethnic code (HL NL UN)."""
    if last_name in HISPANIC_SURNAMES:
        ethnic = rng.choices(("HL", "NL", "UN"), (80, 6, 14))[0]
        race = rng.choices(("W", "O", "U", "M", "B", "I"), (34, 26, 24, 9, 5, 2))[0]
    elif last_name in ASIAN_SURNAMES:
        ethnic = rng.choices(("NL", "UN"), (85, 15))[0]
        race = rng.choices(("A", "U", "M", "P"), (84, 9, 5, 2))[0]
    else:
        ethnic = rng.choices(("NL", "UN", "HL"), (82, 15, 3))[0]
        race = rng.choices(("B", "W", "U", "M", "O", "I", "P"), (52, 32, 8, 4, 2, 1, 1))[0]
    return race, ethnic


def _registration_date(birth_year: int, rng: random.Random) -> date:
    """Between the voter's 18th year (or 1972) and election day, skewed recent (people move)."""
    start = max(date(birth_year + 18, 1, 1), date(1972, 1, 1))
    span = (ELECTION_DAY - start).days
    return start + timedelta(days=int(span * rng.random() ** 0.6))


def _person(
    last_name: str, address: str, renter: bool, plan: PrecinctTurnout, offset: float, rng: random.Random
) -> Voter:
    first = rng.choice(FIRST_NAMES)
    usual = "F" if is_feminine(first) else "M"
    gender = rng.choices((usual, "U"), (94, 6))[0]
    age = 18 + int(72 * rng.betavariate(1.3, 2.1))  # age at the end of 2024
    birth_year = 2024 - age
    race, ethnic = _race_and_ethnicity(last_name, rng)
    party = rng.choices(PARTIES, PARTY_WEIGHTS)[0]
    propensity = rng.gauss(0, 1) + 0.025 * (age - 45) + offset
    return Voter(
        last_name.upper(),
        first.upper(),
        birth_year,
        gender,
        race,
        ethnic,
        party,
        _registration_date(birth_year, rng),
        address,
        renter,
        plan,
        propensity,
    )


def _precinct_voters(plan: PrecinctTurnout, rng: random.Random) -> list[Voter]:
    """Everyone registered at an address in one precinct: active, inactive and removed."""
    p = plan.precinct
    inactive = round(plan.registered * rng.uniform(0.05, 0.09))
    removed = round(plan.registered * rng.uniform(0.03, 0.06))
    wanted = plan.registered + inactive + removed
    # low-turnout precincts have low-propensity voters
    offset = _logit(plan.ballots / plan.registered) - _logit(0.30)
    base = 100 + 1000 * QUADRANTS.index(p.quadrant)  # house numbers differ by quarter
    used: set[tuple[str, int]] = set()
    voters: list[Voter] = []
    while len(voters) < wanted:
        street = rng.choice(p.neighborhood.streets)
        number = base + rng.randrange(0, 900, 2)
        if (street, number) in used:
            continue
        used.add((street, number))
        units = [""] if rng.random() < 0.6 else [f" APT {k}" for k in range(1, rng.randint(3, 12) + 1)]
        for unit in units:
            if unit and rng.random() < 0.2:
                continue  # no registered voter in this unit
            family = rng.choice(LAST_NAMES)
            for _ in range(rng.choices((1, 2, 3, 4), (40, 35, 15, 10))[0]):
                last = family if rng.random() < 0.7 else rng.choice(LAST_NAMES)
                voters.append(_person(last, f"{number} {street}{unit}", bool(unit), plan, offset, rng))
    del voters[wanted:]
    for k, i in enumerate(rng.sample(range(wanted), inactive + removed)):
        voters[i].status_cd = "I" if k < inactive else "R"
    return voters


def _vote_history(voters: list[Voter], plan: PrecinctTurnout, rng: random.Random) -> None:
    """Fill ``voted`` for the past elections, then pick exactly the 2025 ballots cast."""
    *past, latest = ELECTIONS
    for v in voters:
        for election in past:
            if v.registr_dt > election.day or v.birth_year + 18 > election.day.year:
                continue
            if v.status_cd != "A" and election.day.year >= 2024:
                continue  # inactive and removed voters stopped voting (moved, mostly)
            if rng.random() < _sigmoid(election.offset + 1.5 * v.propensity):
                v.voted[election.day] = rng.choices(METHODS, election.methods)[0]
    # 2025: exactly BALLOTS CAST active voters, drawn by propensity (Efraimidis-Spirakis keys)
    active = [v for v in voters if v.status_cd == "A"]
    keys = [math.log(1.0 - rng.random()) / _sigmoid(latest.offset + 1.5 * v.propensity) for v in active]
    chosen = sorted(range(len(active)), key=lambda i: (-keys[i], i))[: plan.ballots]
    for i in chosen:
        active[i].voted[latest.day] = rng.choices(METHODS, latest.methods)[0]


def _scores(v: Voter, rng: random.Random) -> tuple[int, int]:
    """Support for the campaign and likelihood to vote, as a vendor's model would score them."""
    age = 2024 - v.birth_year
    support = -0.3 + PARTY_SUPPORT[v.party_cd] + (0.7 if v.renter else -0.2) - 0.015 * (age - 45) + rng.gauss(0, 0.8)
    turnout = -0.3 + 1.5 * v.propensity + rng.gauss(0, 0.45)
    return (min(99, max(1, round(100 * _sigmoid(support)))), min(99, max(1, round(100 * _sigmoid(turnout)))))


def _language(v: Voter, rng: random.Random) -> str:
    """EN, ES, VI, KO or ZH: Spanish for about half the Hispanic/Latino voters, more among renters."""
    name = v.last_name.title()
    if name in SURNAME_LANGUAGES:
        code, percent = SURNAME_LANGUAGES[name]
        return code if rng.random() < percent / 100 else "EN"
    if v.ethnic_code == "HL":
        return "ES" if rng.random() < (0.55 if v.renter else 0.38) else "EN"
    return "ES" if rng.random() < 0.01 else "EN"


def voter_tables(plans: list[PrecinctTurnout], seed: int) -> dict[str, tuple[tuple[str, ...], list[list]]]:
    """The ward-2 voter file and vote history, consistent with the 2025 results.

    Parameters
    ----------
    plans
        Registered voters and ballots cast per precinct (from
        :func:`kit.data.synth.election_results.plan_turnout`); only ward 2 is used.
    seed
        Seed of this generator's own random stream.
    """
    rng = random.Random(seed)
    voters: list[Voter] = []
    for plan in plans:
        if plan.precinct.ward != CAMPAIGN_WARD:
            continue
        precinct_voters = _precinct_voters(plan, rng)
        _vote_history(precinct_voters, plan, rng)
        voters.extend(precinct_voters)
    # ids in order of registration, as a county's system hands them out
    order = sorted(range(len(voters)), key=lambda i: (voters[i].registr_dt, i))
    for number, i in enumerate(order, start=1):
        voters[i].voter_id = f"RV{number:06d}"
    voters = [voters[i] for i in order]

    scores = [_scores(v, rng) for v in voters]  # on the true age
    # a stream of its own, added later, so that no other column changed when it came
    language_rng = random.Random(seed * 7919 + 6)
    languages = [_language(v, language_rng) for v in voters]
    for v in rng.sample(voters, BIRTH_YEAR_PLACEHOLDERS):
        v.birth_year = 1900
    voter_rows = []
    history_rows = []
    for v, (support, turnout), language in zip(voters, scores, languages):
        city = rng.choices(("RIVERTON", "Riverton", "riverton"), (90, 6, 4))[0]
        p = v.plan.precinct
        voter_rows.append(
            [
                v.voter_id,
                v.last_name,
                v.first_name,
                v.birth_year,
                v.gender_code,
                v.race_code,
                v.ethnic_code,
                v.party_cd,
                v.registr_dt,
                v.status_cd,
                v.address,
                city,
                p.neighborhood.zip_code,
                p.ward,
                p.precinct,
                p.ward_prec,
                p.description,
                language,
                support,
                turnout,
            ]
        )
        for day in sorted(v.voted):
            history_rows.append([v.voter_id, day, DESCRIPTIONS[day], v.voted[day]])
    history_rows.sort(key=lambda r: (r[1], r[0]))
    return {"voter_file": (VOTER_HEADER, voter_rows), "vote_history": (HISTORY_HEADER, history_rows)}
