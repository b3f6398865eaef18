"""Seeded generators for the sample city's bundled data.

``generate()`` returns every generated file's bytes, keyed by file name; the
catalog (``datasets/catalog.yaml``) names the command that rewrites them,
``kit data generate``, and a test proves the committed files equal this output.
"""

from __future__ import annotations

import random

from kit.data.synth.city import POPULATION_HEADER, build_city, neighborhood_features, population_rows
from kit.data.synth.election_calendar import HEADER as CALENDAR_HEADER
from kit.data.synth.election_calendar import calendar_rows
from kit.data.synth.election_results import HEADER as RESULTS_HEADER
from kit.data.synth.election_results import plan_turnout, result_rows
from kit.data.synth.ladder import HEADER as LADDER_HEADER
from kit.data.synth.ladder import ladder_rows
from kit.data.synth.movement import movement_tables
from kit.data.synth.precincts import build_precincts, precinct_features
from kit.data.synth.reminder_trial import HEADER as TRIAL_HEADER
from kit.data.synth.reminder_trial import reminder_trial_rows
from kit.data.synth.service_requests import HEADER as SERVICE_REQUEST_HEADER
from kit.data.synth.service_requests import service_request_rows
from kit.data.synth.signup_sheets import HEADER as SIGNUP_SHEET_HEADER
from kit.data.synth.signup_sheets import signup_sheet_rows
from kit.data.synth.voter_file import voter_tables
from kit.data.synth.writers import csv_text, geojson_text

SEED = 2026

__all__ = ["SEED", "generate", "signup_ground_truth"]


def generate(seed: int = SEED) -> dict[str, bytes]:
    """Build every synthetic file of the sample city.

    Parameters
    ----------
    seed
        The seed for every generator; the bundled files use :data:`SEED`.

    Returns
    -------
    dict
        File name (relative to ``datasets/``) to the file's bytes.
    """
    city = build_city(seed)
    files = {
        "neighborhoods.geojson": geojson_text(neighborhood_features(city)),
        "neighborhood_population.csv": csv_text(POPULATION_HEADER, population_rows(city)),
    }
    requests, _ = service_request_rows(city, seed + 1)
    files["service_requests.csv"] = csv_text(SERVICE_REQUEST_HEADER, requests)
    movement = movement_tables(city, seed + 2)
    for name, (header, rows) in movement.items():
        files[f"{name}.csv"] = csv_text(header, rows)
    # module 2: precincts, the 2025 results, ward 2's voter file, the 2026 calendar
    election_rng = random.Random(seed + 3)
    precincts = build_precincts(city, election_rng)
    turnout = plan_turnout(precincts, election_rng)
    files["precincts.geojson"] = geojson_text(precinct_features(precincts))
    files["precinct_results_2025.csv"] = csv_text(RESULTS_HEADER, result_rows(turnout, election_rng))
    for name, (header, rows) in voter_tables(turnout, seed + 4).items():
        files[f"{name}.csv"] = csv_text(header, rows)
    files["election_calendar.csv"] = csv_text(CALENDAR_HEADER, calendar_rows())
    # module 4: raw sign-in sheets and the ladder of engagement
    entries, _ = signup_sheet_rows(movement, seed + 5)
    files["signup_sheets.csv"] = csv_text(SIGNUP_SHEET_HEADER, entries)
    files["ladder_history.csv"] = csv_text(LADDER_HEADER, ladder_rows(movement, seed + 6))
    # supplement A: two randomized trials of a reminder message
    hoods = [n.name for n in city.neighborhoods]
    files["reminder_trial.csv"] = csv_text(TRIAL_HEADER, reminder_trial_rows(hoods, seed + 7))
    return {name: text.encode("utf-8") for name, text in files.items()}


def signup_ground_truth(seed: int = SEED) -> dict[str, str]:
    """Which contact each raw sign-in entry is: ``entry_id -> contact_id``.

    ``signup_sheets.csv`` leaves this out on purpose (finding it is the
    deduplication exercise); tests and answer keys get it here.

    Examples
    --------
    >>> truth = signup_ground_truth()
    >>> truth["SH00001"].startswith("C")
    True
    """
    city = build_city(seed)
    _, truth = signup_sheet_rows(movement_tables(city, seed + 2), seed + 5)
    return truth
