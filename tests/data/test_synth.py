"""The seeded generators: determinism, shapes and the documented mess."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

import kit
from kit.data.synth.city import build_city
from kit.data.synth.movement import movement_tables
from kit.data.synth.service_requests import DUPLICATE_RESOLUTION, service_request_rows


def test_another_seed_makes_other_data():
    # same seed, same bytes: test_catalog proves the committed files equal a fresh run
    city = build_city(7)
    assert movement_tables(city, 7)["contacts"] != movement_tables(city, 8)["contacts"]
    assert build_city(7).neighborhoods[0].ring != build_city(8).neighborhoods[0].ring
    assert service_request_rows(city, 7)[0][:50] != service_request_rows(city, 8)[0][:50]


def test_neighborhoods_tile_the_city_without_gaps_or_overlaps():
    hoods = kit.load_dataset("neighborhoods").to_crs(3857)
    union = hoods.union_all()
    assert abs(hoods.area.sum() - union.area) / union.area < 1e-9  # no overlaps
    assert union.geom_type == "Polygon"  # one piece, no holes between neighborhoods
    assert len(union.interiors) == 0


def test_every_located_request_falls_in_exactly_one_neighborhood():
    requests = kit.load_dataset("service_requests").dropna(subset=["latitude"])
    points = gpd.GeoDataFrame(requests, geometry=gpd.points_from_xy(requests.longitude, requests.latitude), crs=4326)
    joined = gpd.sjoin(points, kit.load_dataset("neighborhoods"), predicate="within")
    assert len(joined) == len(points)
    assert joined.index.is_unique


def test_service_requests_carry_the_mess_the_card_documents():
    requests = kit.load_dataset("service_requests")
    rows, mess = service_request_rows(build_city(2026), 2027)
    assert len(rows) == len(requests)
    # repeated export rows: exact duplicates
    assert requests.duplicated().sum() == mess["repeated_export_rows"] == 12
    # duplicate reports, flagged in the resolution text
    assert (requests["resolution_description"] == DUPLICATE_RESOLUTION).sum() >= 100
    # rows without coordinates: about 5.5 %
    missing = requests["latitude"].isna().mean()
    assert 0.04 < missing < 0.07
    assert requests.loc[requests["latitude"].isna(), ["longitude", "location"]].isna().all().all()
    # open requests have no closed date
    open_ = requests["status"] != "Closed"
    assert open_.sum() > 50 and requests.loc[open_, "closed_date"].isna().all()
    # inconsistent casing
    types = requests["complaint_type"]
    assert types.nunique() > types.str.upper().nunique()
    assert set(requests["city"]) == {"RIVERTON", "Riverton", "riverton", "RIVERTON CITY"}


def test_service_requests_follow_the_nyc_311_schema_column_for_column():
    nyc = [
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
    ]
    assert list(kit.load_dataset("service_requests").columns) == nyc


def test_requests_span_two_years_and_close_after_they_open():
    requests = kit.load_dataset("service_requests")
    assert requests["created_date"].min() >= pd.Timestamp("2024-01-01")
    assert requests["created_date"].max() < pd.Timestamp("2026-01-01")
    closed = requests.dropna(subset=["closed_date"])
    assert (closed["closed_date"] >= closed["created_date"]).all()


def test_movement_tables_are_consistent_with_each_other():
    contacts = kit.load_dataset("contacts")
    signups = kit.load_dataset("event_signups")
    events = kit.load_dataset("events")
    donations = kit.load_dataset("donations")
    assert contacts["contact_id"].is_unique
    assert set(signups["contact_id"]) <= set(contacts["contact_id"])
    assert set(signups["event_id"]) <= set(events["event_id"])
    assert set(donations["contact_id"]) <= set(contacts["contact_id"])
    assert not signups.duplicated(["event_id", "contact_id"]).any()
    assert contacts["email"].str.endswith("@example.org").all()
    merged = signups.merge(contacts[["contact_id", "date_joined"]], on="contact_id")
    merged = merged.merge(events[["event_id", "event_date"]], on="event_id")
    assert (merged["date_joined"] < merged["event_date"]).all()  # people sign up after they join
