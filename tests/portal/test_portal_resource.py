"""`/resource/<id>.json|.csv|.geojson`: rows as a real portal sends them, headers, errors."""

from __future__ import annotations

import csv
import io
import json

import pytest
import requests

from kit.data.catalog import load_dataset


def get(portal, path: str, **params) -> requests.Response:
    return requests.get(f"{portal.url}{path}", params=params, timeout=30)


def rows(portal, name: str, fmt: str = "json", **params) -> requests.Response:
    return get(portal, f"/resource/{portal.datasets[name]}.{fmt}", **params)


def test_json_values_are_strings_and_nulls_are_left_out(portal, wire):
    page = rows(portal, "service_requests", **{"$limit": 50}).json()
    real = wire("sodapy_fixtures/bike_counts_page_1.json")
    assert isinstance(page, list) and len(page) == 50
    for got in (page, real):  # every value a string, but nested geography
        assert all(isinstance(v, str) for row in got for k, v in row.items() if k != "location")
    assert all("due_date" not in row for row in page)  # never filled: left out, not null
    assert all(None not in row.values() for row in page)


def test_a_location_is_nested_with_a_human_address_in_a_string(portal, wire):
    row = rows(portal, "service_requests", **{"$limit": 1}).json()[0]
    location = row["location"]
    assert set(location) == {"latitude", "longitude", "human_address"}
    assert location["latitude"] == row["latitude"] and location["longitude"] == row["longitude"]
    assert json.loads(location["human_address"]) == {"address": "", "city": "", "state": "", "zip": ""}
    real = wire("koop-socrata_seattle_2015/crimes-first.json")[0]["incident_location"]
    assert {"latitude", "longitude"} <= set(real) and all(isinstance(real[k], str) for k in ("latitude", "longitude"))


def test_numbers_dates_and_checkboxes_as_socrata_writes_them(portal):
    first = rows(portal, "service_requests", **{"$limit": 1}).json()[0]
    assert first["created_date"] == "2024-01-01T07:29:45.000"
    assert first["x_coordinate_state_plane"] == "1121842"  # not "1121842.0"
    assert first["latitude"] == "41.59525"
    signup = rows(portal, "event_signups", **{"$limit": 1}).json()[0]
    assert isinstance(signup["attended"], bool)


def test_the_page_is_laid_out_like_a_real_one(portal, realdata):
    text = rows(portal, "event_signups", **{"$limit": 3}).text
    real = (realdata / "sodapy_fixtures" / "bike_counts_page_1.json").read_text()
    for page in (text, real):  # one row a line, "\n," between rows
        assert page.startswith("[{") and page.count("\n,{") == len(json.loads(page)) - 1


def test_headers_name_the_fields_and_types(portal):
    answer = rows(portal, "service_requests", **{"$select": "unique_key, latitude, location", "$limit": 1})
    assert json.loads(answer.headers["X-SODA2-Fields"]) == ["unique_key", "latitude", "location"]
    assert json.loads(answer.headers["X-SODA2-Types"]) == ["text", "number", "location"]
    assert answer.headers["X-SODA2-Data-Out-Of-Date"] == "false"
    assert answer.headers["Last-Modified"].endswith(" GMT")
    assert answer.headers["Content-Type"].startswith("application/json")


def test_count_answers_as_socrata_does(portal, wire):
    got = rows(portal, "service_requests", **{"$select": "count(*)"}).json()
    real = wire("koop-socrata_seattle_2015/crimes-count.json")
    assert [set(r) for r in got] == [set(r) for r in real] and isinstance(got[0]["count"], str)
    assert got == [{"count": "4695"}]


def test_without_a_limit_a_page_has_1000_rows_and_paging_covers_every_row(portal):
    assert len(rows(portal, "service_requests").json()) == 1000
    keys = []
    for offset in range(0, 5000, 1000):
        params = {"$select": "unique_key", "$order": ":id", "$limit": 1000, "$offset": offset}
        keys += [r["unique_key"] for r in rows(portal, "service_requests", **params).json()]
    assert keys == list(load_dataset("service_requests")["unique_key"])  # every row once, in file order


def test_csv_quotes_every_value_and_leaves_nulls_empty(portal, realdata):
    answer = rows(portal, "service_requests", "csv", **{"$limit": 2})
    assert answer.headers["Content-Type"].startswith("text/csv")
    lines = answer.text.splitlines()
    assert lines[0].startswith('"unique_key","created_date","closed_date"')
    assert ",," in lines[1]  # due_date and the other empty fields
    table = list(csv.DictReader(io.StringIO(answer.text)))
    assert table[0]["location"] == "(41.59525, -88.920079)" and table[0]["due_date"] == ""
    real = (realdata / "chicago_soda_csv" / "v6vf-nfxy_select_DISTINCT_SR_TYPE.csv").read_text().splitlines()
    assert real[0] == '"sr_type"' and real[1] == '"311 INFORMATION ONLY CALL"'  # quoted the same way


def test_geojson_is_a_feature_collection_with_text_properties(portal):
    answer = rows(portal, "neighborhoods", "geojson")
    assert answer.headers["Content-Type"].startswith("application/vnd.geo+json")
    collection = answer.json()
    assert collection["type"] == "FeatureCollection" and len(collection["features"]) == 12
    feature = collection["features"][0]
    assert feature["geometry"]["type"] == "MultiPolygon"
    assert feature["properties"]["area_numbe"] == "1" and "the_geom" not in feature["properties"]


def test_a_boundary_dataset_has_its_shape_in_the_geom(portal):
    row = rows(portal, "neighborhoods", **{"$limit": 1}).json()[0]
    assert row["the_geom"]["type"] == "MultiPolygon" and row["community"] == "WESTBROOK"


def test_a_point_dataset_as_geojson_has_point_features(portal):
    feature = rows(portal, "service_requests", "geojson", **{"$limit": 1}).json()["features"][0]
    assert feature["geometry"] == {"type": "Point", "coordinates": [-88.920079, 41.59525]}


def test_a_dataset_is_also_found_by_its_name(portal):
    assert (
        rows(portal, "events", **{"$limit": 1}).json() == get(portal, "/resource/events.json", **{"$limit": 1}).json()
    )


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"$select": "nope"}, "query.soql.no-such-column"),
        ({"$where": "status = "}, "query.compiler.malformed"),
        ({"nope": "x"}, "query.soql.no-such-column"),
    ],
)
def test_a_bad_query_is_a_socrata_400(portal, params, code):
    answer = rows(portal, "service_requests", **params)
    assert answer.status_code == 400
    body = answer.json()
    assert body["error"] is True and body["code"] == code and body["message"]
    assert answer.headers["Content-Type"].startswith("application/json")


def test_an_unknown_parameter_is_refused_as_socrata_does(portal, wire):
    answer = rows(portal, "service_requests", **{"$limt": "5"})
    assert answer.status_code == 400
    assert answer.json() == {"error": True, "message": "Unrecognized arguments [$limt]"}
    assert set(answer.json()) == set(wire("koop-socrata_seattle_2015/filtered-first.json"))


def test_an_unknown_dataset_is_a_socrata_404(portal, wire):
    answer = get(portal, "/resource/abcd-2345.json")
    assert answer.status_code == 404
    real = wire("koop-socrata_seattle_2015/missing-count.json")
    assert answer.json() == real | {"data": {"id": "abcd-2345"}}


def test_an_unknown_url_is_a_socrata_404(portal, wire):
    answer = get(portal, "/no/such/thing")
    assert answer.status_code == 404
    assert answer.json() == wire("koop-socrata_seattle_2015/missing-first.json")
