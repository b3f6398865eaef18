"""Synthetic 311 service requests for the sample city, in the NYC 311 schema.

Columns follow NYC Open Data ``erm2-nwe9`` column for column, so that a city can
swap in a real export. The mess a lesson needs is put in on purpose and counted
in the dataset card: duplicate requests, repeated export rows, rows without
coordinates, open requests with no closed date, inconsistent casing.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from kit.data.synth.city import FT_PER_DEG_LAT, FT_PER_DEG_LON, City, Neighborhood

HEADER = (
    "unique_key",
    "created_date",
    "closed_date",
    "agency",
    "agency_name",
    "complaint_type",
    "descriptor",
    "location_type",
    "incident_zip",
    "incident_address",
    "street_name",
    "cross_street_1",
    "cross_street_2",
    "intersection_street_1",
    "intersection_street_2",
    "address_type",
    "city",
    "landmark",
    "facility_type",
    "status",
    "due_date",
    "resolution_description",
    "resolution_action_updated_date",
    "community_board",
    "bbl",
    "borough",
    "x_coordinate_state_plane",
    "y_coordinate_state_plane",
    "open_data_channel_type",
    "park_facility_name",
    "park_borough",
    "vehicle_type",
    "taxi_company_borough",
    "taxi_pick_up_location",
    "bridge_highway_name",
    "bridge_highway_direction",
    "road_ramp",
    "bridge_highway_segment",
    "latitude",
    "longitude",
    "location",
)

START = datetime(2024, 1, 1)
END = datetime(2026, 1, 1)  # exclusive
EXTRACTED = datetime(2026, 1, 6, 6, 0, 0)  # the day the "export" was taken

AGENCIES = {
    "RPD": "Riverton Police Department",
    "HCD": "Department of Housing and Community Development",
    "DPW": "Department of Public Works",
    "DSS": "Department of Sanitation Services",
    "DOH": "Riverton Health Department",
    "WTR": "Riverton Water Department",
}

RESOLUTIONS = {
    "RPD": (
        "The Police Department responded to the complaint and took action to fix the condition.",
        "The Police Department responded and upon arrival those responsible for the condition were gone.",
        "The Police Department responded to the complaint and determined that police action was not necessary.",
    ),
    "HCD": (
        "The Department of Housing and Community Development inspected the following conditions. Violations were issued.",  # noqa: E501
        "The Department of Housing and Community Development contacted a tenant by phone and verified that the condition was corrected.",  # noqa: E501
        "The Department of Housing and Community Development was not able to gain access to inspect the conditions.",
    ),
    "DPW": (
        "The Department of Public Works inspected the condition and repaired the problem.",
        "The Department of Public Works inspected the condition and scheduled the repair.",
        "The Department of Public Works inspected the location and did not find the condition reported.",
    ),
    "DSS": (
        "The Department of Sanitation Services cleaned the location.",
        "The Department of Sanitation Services investigated this complaint and found no condition at the location.",
        "The Department of Sanitation Services issued a summons to the property owner.",
    ),
    "DOH": (
        "The Health Department inspected the property and issued a notice to correct the condition.",
        "The Health Department inspected the property and did not find signs of the condition reported.",
    ),
    "WTR": (
        "The Water Department fixed the problem.",
        "The Water Department investigated and found no problem.",
    ),
}

DUPLICATE_RESOLUTION = (
    "This complaint is a duplicate of an earlier report of the same condition at this location. "
    "The earlier report will be used to track the city's response."
)


@dataclass(frozen=True)
class RequestType:
    complaint_type: str
    agency: str
    descriptors: tuple[str, ...]
    location_types: tuple[str, ...]
    weight: float
    median_days: float
    peak_month: int | None  # seasonality peak; None = flat


TYPES = (
    RequestType(
        "Noise - Residential",
        "RPD",
        ("Loud Music/Party", "Banging/Pounding", "Loud Talking"),
        ("Residential Building/House",),
        16,
        0.15,
        7,
    ),
    RequestType("HEAT/HOT WATER", "HCD", ("ENTIRE BUILDING", "APARTMENT ONLY"), ("RESIDENTIAL BUILDING",), 11, 3.5, 1),
    RequestType(
        "Illegal Parking",
        "RPD",
        ("Blocked Hydrant", "Double Parked Blocking Traffic", "Posted Parking Sign Violation"),
        ("Street/Sidewalk",),
        12,
        0.25,
        None,
    ),
    RequestType("Street Condition", "DPW", ("Pothole", "Cave-in", "Defective Hardware"), ("Street",), 10, 11.0, 4),
    RequestType("Street Light Condition", "DPW", ("Street Light Out", "Street Light Cycling"), ("Street",), 6, 8.0, 11),
    RequestType(
        "Rodent",
        "DOH",
        ("Rat Sighting", "Mouse Sighting", "Signs of Rodents"),
        ("3+ Family Apt. Building", "1-2 Family Dwelling", "Vacant Lot"),
        7,
        14.0,
        8,
    ),
    RequestType(
        "Missed Collection", "DSS", ("Trash", "Recycling", "Yard Waste"), ("Residential Building/House",), 8, 1.5, None
    ),
    RequestType(
        "Illegal Dumping", "DSS", ("Removal Request", "Dumping on Sidewalk"), ("Sidewalk", "Vacant Lot"), 6, 6.0, 6
    ),
    RequestType(
        "Water System", "WTR", ("Hydrant Leaking", "Low Water Pressure", "No Water"), ("Street",), 5, 2.5, None
    ),
    RequestType("Graffiti", "DPW", ("Graffiti",), ("Building (Non-Residential)", "Sidewalk"), 4, 18.0, None),
    RequestType(
        "Abandoned Vehicle", "RPD", ("With License Plate", "No License Plate"), ("Street/Sidewalk",), 5, 5.0, None
    ),
    RequestType(
        "UNSANITARY CONDITION",
        "HCD",
        ("PESTS", "MOLD", "GARBAGE/RECYCLING STORAGE"),
        ("RESIDENTIAL BUILDING",),
        6,
        9.0,
        None,
    ),
)

CHANNELS = ("PHONE", "ONLINE", "MOBILE", "UNKNOWN")
CHANNEL_WEIGHTS = (40, 30, 25, 5)


def _recase(text: str, rng: random.Random) -> str:
    """Inconsistent casing, as happens when several intake systems feed one table."""
    return rng.choice((text.upper(), text.lower(), text.title()))


def _created(rng: random.Random, rtype: RequestType) -> datetime:
    span = (END - START).total_seconds()
    while True:
        moment = START + timedelta(seconds=rng.uniform(0, span))
        if rtype.peak_month is None:
            break
        # cosine seasonality: three times as likely in the peak month as six months away
        phase = 2 * math.pi * (moment.month - rtype.peak_month) / 12
        if rng.random() < (2 + math.cos(phase)) / 3:
            break
    # more requests in the day than at night
    hour = rng.choices(range(24), weights=[1, 1, 1, 1, 1, 2, 3, 5, 7, 8, 8, 8, 8, 8, 8, 8, 7, 7, 6, 6, 5, 4, 3, 2])[0]
    return moment.replace(hour=hour, microsecond=0)


def _address(rng: random.Random, hood: Neighborhood) -> tuple[str, str, str, str]:
    street = rng.choice(hood.streets)
    cross1, cross2 = rng.sample([s for s in hood.streets if s != street], 2)
    number = rng.randrange(100, 4000, 2)
    return f"{number} {street}", street, cross1, cross2


def _one_request(rng: random.Random, key: int, hood: Neighborhood, rtype: RequestType) -> dict:
    created = _created(rng, rtype)
    address, street, cross1, cross2 = _address(rng, hood)
    lon, lat = hood.random_point(rng)
    # lognormal time to close, slower where the city responds slower
    days = rtype.median_days * hood.response_factor * math.exp(rng.gauss(0, 0.9))
    closed = created + timedelta(days=days)
    residential = "RESIDENTIAL" in rtype.location_types[0].upper() or "Family" in rtype.location_types[0]
    row = dict.fromkeys(HEADER, "")
    row.update(
        unique_key=str(key),
        created_date=created,
        closed_date=closed.replace(microsecond=0),
        agency=rtype.agency,
        agency_name=AGENCIES[rtype.agency],
        complaint_type=rtype.complaint_type,
        descriptor=rng.choice(rtype.descriptors),
        location_type=rng.choice(rtype.location_types),
        incident_zip=hood.zip_code,
        incident_address=address,
        street_name=street,
        cross_street_1=cross1,
        cross_street_2=cross2,
        address_type="ADDRESS",
        city="RIVERTON",
        status="Closed",
        resolution_description=rng.choice(RESOLUTIONS[rtype.agency]),
        community_board=f"{hood.number:02d} {hood.district}",
        bbl=f"3{hood.number:02d}{rng.randrange(1000, 9999)}{rng.randrange(1, 999):03d}" if residential else "",
        borough=hood.district,
        x_coordinate_state_plane=str(round(1_100_000 + (lon + 89.0) * FT_PER_DEG_LON)),
        y_coordinate_state_plane=str(round(1_800_000 + (lat - 41.5) * FT_PER_DEG_LAT)),
        open_data_channel_type=rng.choices(CHANNELS, CHANNEL_WEIGHTS)[0],
        park_facility_name="Unspecified",
        park_borough=hood.district,
        latitude=f"{lat:.6f}",
        longitude=f"{lon:.6f}",
        location=f"({lat:.6f}, {lon:.6f})",
    )
    row["resolution_action_updated_date"] = row["closed_date"]
    return row


def _make_open(row: dict, rng: random.Random) -> None:
    row["status"] = rng.choice(("Open", "In Progress", "Assigned"))
    row["closed_date"] = ""
    row["resolution_description"] = ""
    row["resolution_action_updated_date"] = ""


def _drop_coordinates(row: dict) -> None:
    for col in ("x_coordinate_state_plane", "y_coordinate_state_plane", "latitude", "longitude", "location"):
        row[col] = ""


def _timestamp(value: object) -> str:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%S.000")
    return str(value)


def service_request_rows(city: City, seed: int) -> tuple[list[list[str]], dict[str, int]]:
    """Generate the rows and a count of each kind of deliberate mess."""
    rng = random.Random(seed)
    weights = [t.weight for t in TYPES]
    rows: list[dict] = []
    key = 60_000_000 + rng.randrange(0, 500_000)
    for hood in city.neighborhoods:
        n = round(hood.population / 1000 * hood.request_rate * 2)  # two years
        for _ in range(n):
            key += rng.randrange(1, 400)
            rows.append(_one_request(rng, key, hood, rng.choices(TYPES, weights)[0]))
    rows.sort(key=lambda r: r["created_date"])
    mess = {
        "duplicate_requests": 0,
        "repeated_export_rows": 0,
        "missing_coordinates": 0,
        "open_no_closed_date": 0,
        "recased_complaint_type": 0,
        "recased_city": 0,
    }

    # duplicate requests: a neighbor reports the same condition again within two days
    duplicates = []
    for row in rng.sample(rows, k=len(rows) // 30):
        dup = dict(row)
        key += rng.randrange(1, 400)
        dup["unique_key"] = str(key)
        dup["created_date"] = row["created_date"] + timedelta(hours=rng.uniform(0.5, 48))
        dup["created_date"] = dup["created_date"].replace(microsecond=0)
        dup["closed_date"] = dup["created_date"] + timedelta(minutes=rng.randrange(5, 600))
        dup["resolution_action_updated_date"] = dup["closed_date"]
        dup["resolution_description"] = DUPLICATE_RESOLUTION
        dup["open_data_channel_type"] = rng.choices(CHANNELS, CHANNEL_WEIGHTS)[0]
        duplicates.append(dup)
    mess["duplicate_requests"] = len(duplicates)
    rows.extend(duplicates)
    rows.sort(key=lambda r: (r["created_date"], r["unique_key"]))

    for row in rows:
        if row["closed_date"] and row["closed_date"] > EXTRACTED:
            _make_open(row, rng)
            mess["open_no_closed_date"] += 1
        elif rng.random() < 0.012:
            _make_open(row, rng)  # stuck in a queue
            mess["open_no_closed_date"] += 1
        if rng.random() < 0.055:
            _drop_coordinates(row)
            mess["missing_coordinates"] += 1
        if rng.random() < 0.07:
            row["complaint_type"] = _recase(row["complaint_type"], rng)
            mess["recased_complaint_type"] += 1
        if rng.random() < 0.10:
            row["city"] = rng.choice(("Riverton", "riverton", "RIVERTON CITY"))
            mess["recased_city"] += 1

    # repeated export rows: the same record twice, byte for byte
    for row in rng.sample(rows, k=12):
        rows.insert(rows.index(row) + 1, dict(row))
        mess["repeated_export_rows"] += 1

    table = [[_timestamp(r[h]) for h in HEADER] for r in rows]
    return table, mess
