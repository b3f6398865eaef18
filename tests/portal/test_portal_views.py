"""`/api/views/<id>.json` and `/api/catalog/v1`: metadata and search, shaped like the real answers."""

from __future__ import annotations

import requests

from kit.data.catalog import load_catalog
from kit.portal.views import DATASET_NAME_KEY


def get(portal, path: str, **params) -> requests.Response:
    return requests.get(f"{portal.url}{path}", params=params, timeout=30)


def test_view_metadata_has_the_keys_of_a_real_view(portal, wire):
    view = get(portal, f"/api/views/{portal.datasets['service_requests']}.json").json()
    real = wire("koop-socrata_seattle_2015/schools-view.json")
    assert set(view) <= set(real) | set(wire("koop-socrata_seattle_2015/crimes-views.json"))
    assert {"id", "name", "description", "rowsUpdatedAt", "license", "columns", "attribution"} <= set(view)
    real_column = {k for c in real["columns"] for k in c}
    assert all(set(c) <= real_column for c in view["columns"])
    assert isinstance(view["rowsUpdatedAt"], int) and view["license"] == {"name": "CC0-1.0 (made for the kit)"}


def test_view_columns_come_from_the_card(portal):
    card = load_catalog().card("service_requests")
    view = get(portal, f"/api/views/{portal.datasets['service_requests']}.json").json()
    assert view["name"] == card.title and view["id"] == portal.datasets["service_requests"]
    assert [c["fieldName"] for c in view["columns"]] == [c.name for c in card.columns]
    assert [c["position"] for c in view["columns"]] == list(range(1, len(card.columns) + 1))
    types = {c["fieldName"]: c["dataTypeName"] for c in view["columns"]}
    assert (types["unique_key"], types["created_date"], types["latitude"], types["location"]) == (
        "text",
        "calendar_date",
        "number",
        "location",
    )
    assert view["columns"][0]["description"] == "Request id"


def test_field_names_are_socratas_and_display_names_the_cards(portal):
    view = get(portal, f"/api/views/{portal.datasets['precinct_results_2025']}.json").json()
    soto = next(c for c in view["columns"] if c["name"] == 'MARIA "MAYA" SOTO')
    assert soto["fieldName"] == "maria_maya_soto" and soto["dataTypeName"] == "number"
    geo = get(portal, f"/api/views/{portal.datasets['neighborhoods']}.json").json()
    assert geo["columns"][0]["fieldName"] == "the_geom" and geo["columns"][0]["dataTypeName"] == "multipolygon"


def test_an_unknown_view_is_the_real_404(portal, wire):
    answer = get(portal, "/api/views/missing.json")
    assert answer.status_code == 404 and answer.json() == wire("koop-socrata_seattle_2015/missing-views.json")


def test_the_catalog_has_the_shape_of_the_discovery_api(portal, wire):
    body = get(portal, "/api/catalog/v1", domains=portal.domain).json()
    real = wire("sodapy_fixtures/catalog_api_get_datasets.json")
    assert set(body) == set(real) and body["resultSetSize"] == len(portal.datasets) == len(body["results"])
    result, real_result = body["results"][0], real["results"][0]
    assert set(result) <= set(real_result)
    assert set(result["resource"]) <= set(real_result["resource"])
    assert set(result["classification"]) == set(real_result["classification"])
    assert result["metadata"]["domain"] == portal.domain
    for key in ("columns_name", "columns_field_name", "columns_datatype", "columns_description"):
        assert len(result["resource"][key]) == len(result["resource"]["columns_name"])
    names = {i["value"] for r in body["results"] for i in r["classification"]["domain_metadata"]}
    assert names == set(portal.datasets) and result["classification"]["domain_metadata"][0]["key"] == DATASET_NAME_KEY


def test_the_catalog_searches_with_q(portal):
    body = get(portal, "/api/catalog/v1", q="311 service").json()
    assert [r["resource"]["id"] for r in body["results"]] == [portal.datasets["service_requests"]]
    assert get(portal, "/api/catalog/v1", q="no such words here").json()["resultSetSize"] == 0


def test_the_catalog_pages_and_filters_by_domain_and_id(portal):
    everything = get(portal, "/api/catalog/v1").json()["results"]
    page = get(portal, "/api/catalog/v1", limit=3, offset=2).json()
    assert page["results"] == everything[2:5] and page["resultSetSize"] == len(everything)
    assert get(portal, "/api/catalog/v1", domains="data.cityofnewyork.us").json()["results"] == []
    assert get(portal, "/api/catalog/v1", domains=f"localhost:{portal.port}").json()["resultSetSize"] == len(everything)
    one = get(portal, "/api/catalog/v1", ids=portal.datasets["events"]).json()["results"]
    assert [r["resource"]["id"] for r in one] == [portal.datasets["events"]]


def test_a_bad_catalog_limit_is_a_400(portal):
    answer = get(portal, "/api/catalog/v1", limit="many")
    assert answer.status_code == 400 and answer.json()["error"] is True
