"""Riverton's 2025 municipal general election, precinct by precinct.

The table is WIDE, as the Chicago Board of Election Commissioners publishes its
precinct results (and as datamade's scrapes keep them): ``WARD``, ``PRECINCT``,
``REGISTERED VOTERS``, ``BALLOTS CAST``, then one column per mayoral candidate, a
write-in candidate's column, then one column per ward-council candidate, empty in
the precincts of other wards. Which columns belong to which race is not labelled.

Registration and turnout fall where the city answers 311 slowest (a neighborhood's
``response_factor``): the same neighborhoods wait longest for repairs and vote
least, which is the inequity a lesson can map.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date

from kit.data.synth.precincts import Precinct, split_total

ELECTION_DAY = date(2025, 2, 25)

MAYOR = ('MARIA "MAYA" SOTO', "DERRICK L. HOLLOWAY", "PATRICIA WEN", "THOMAS J. KAVANAGH")
MAYOR_WRITE_IN = "EUGENE PRATT (WRITE-IN)"

# ward -> (candidate, base strength); two or three candidates a ward
COUNCIL = {
    1: (("LORETTA A. GRAVES", 1.2), ("MIKE DUBROWSKI", 1.0)),
    2: (("ROSA QUINTERO", 1.1), ("GARY P. DWYER", 1.15), ('KIMBERLY "KIM" OSEI', 0.45)),
    3: (("HOWARD LIN", 0.9), ("BEATRIZ ECHEVARRIA", 1.1)),
    4: (("CALVIN MOORE, JR.", 1.0), ("JANET SORENSEN", 0.9), ("AMIR HADDAD", 0.6)),
    5: (("ELLEN FITZGERALD", 1.3), ("VICTOR NAKAMURA", 0.8)),
    6: (("DENISE ABERNATHY", 1.0), ("JOSE LUIS PARDO", 0.95), ("TREVOR HOLM", 0.35)),
}

HEADER = (
    ("WARD", "PRECINCT", "REGISTERED VOTERS", "BALLOTS CAST")
    + MAYOR
    + (MAYOR_WRITE_IN,)
    + tuple(name for ward in sorted(COUNCIL) for name, _ in COUNCIL[ward])
)


@dataclass(frozen=True)
class PrecinctTurnout:
    """How many were registered in a precinct, and how many voted."""

    precinct: Precinct
    registered: int
    ballots: int


def plan_turnout(precincts: list[Precinct], rng: random.Random) -> list[PrecinctTurnout]:
    """Registration (55-90 % of adults) and turnout (15-55 %) for every precinct.

    Both fall as the neighborhood's 311 response factor rises (0.65 to 1.90).
    """
    plans = []
    for p in precincts:
        factor = p.neighborhood.response_factor
        registration = min(0.90, max(0.55, 0.95 - 0.18 * factor + rng.uniform(-0.05, 0.05)))
        turnout = min(0.55, max(0.15, 0.70 - 0.28 * factor + rng.uniform(-0.06, 0.06)))
        registered = round(p.voting_age_population * registration)
        plans.append(PrecinctTurnout(p, registered, round(registered * turnout)))
    return plans


def _mayor_appeal(p: Precinct) -> tuple[float, ...]:
    n = p.neighborhood
    district = {"SOUTH": 0, "CENTRAL": 1, "NORTH": 2}[n.district]
    return (
        max(0.3, 1.0 + 1.4 * (n.response_factor - 1.0)),
        (1.6, 1.1, 0.6)[district],
        (0.4, 1.0, 1.7)[district],
        max(0.3, 1.3 - 0.5 * (n.response_factor - 1.0)) + (0.0, 0.3, 0.0)[district],
    )


def result_rows(plans: list[PrecinctTurnout], rng: random.Random) -> list[list]:
    """One wide row per precinct, in the Chicago Board of Elections layout."""
    council_names = [name for ward in sorted(COUNCIL) for name, _ in COUNCIL[ward]]
    rows = []
    for plan in plans:
        p = plan.precinct
        ballots = plan.ballots
        # mayor: a few ballots skip the race; a write-in gets a vote now and then
        write_in = min(ballots, rng.choices((0, 1, 2), (70, 22, 8))[0])
        mayor_votes = ballots - write_in - round(ballots * rng.uniform(0.005, 0.03))
        weights = [a * rng.gammavariate(25, 1) for a in _mayor_appeal(p)]
        mayor = split_total(max(0, mayor_votes), weights)
        # council: more ballots skip the down-ballot race
        candidates = COUNCIL[p.ward]
        council_votes = ballots - round(ballots * rng.uniform(0.04, 0.09))
        strengths = [s * rng.gammavariate(30, 1) for _, s in candidates]
        council = dict(zip((name for name, _ in candidates), split_total(council_votes, strengths)))
        rows.append(
            [
                p.ward,
                p.precinct,
                plan.registered,
                ballots,
                *mayor,
                write_in,
                *(council.get(name) for name in council_names),
            ]
        )
    return rows
