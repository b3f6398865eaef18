"""Real sodapy, as a learner would call it, against the local portal over plain HTTP."""

from __future__ import annotations

import pytest
import requests
from sodapy import Socrata

from kit.data.catalog import load_dataset


@pytest.fixture
def client(portal):
    adapter = {"prefix": "http://", "adapter": requests.adapters.HTTPAdapter()}
    with Socrata(portal.domain, None, session_adapter=adapter) as socrata:
        yield socrata


def test_sodapy_reads_a_page(client, portal):
    page = client.get(portal.datasets["service_requests"], limit=10, order=":id")
    bundled = load_dataset("service_requests").head(10)
    assert [row["unique_key"] for row in page] == list(bundled["unique_key"])
    assert all(isinstance(value, str) for value in page[0].values() if not isinstance(value, dict))


def test_sodapy_queries_with_soql(client, portal):
    counts = client.get(
        portal.datasets["service_requests"], select="status, count(*) AS n", group="status", order="status"
    )
    expected = load_dataset("service_requests")["status"].value_counts()
    assert {row["status"]: int(row["n"]) for row in counts} == expected.to_dict()
    closed = client.get(portal.datasets["service_requests"], status="Closed", select="count(*)")
    assert closed == [{"count": str(expected["Closed"])}]


def test_sodapy_reads_metadata_and_the_catalog(client, portal):
    metadata = client.get_metadata(portal.datasets["events"])
    assert metadata["id"] == portal.datasets["events"]
    assert [c["fieldName"] for c in metadata["columns"]][:2] == ["event_id", "event_name"]
    found = client.datasets(q="311 service requests")  # sodapy sends domains=<its domain>: ours
    assert [d["resource"]["id"] for d in found] == [portal.datasets["service_requests"]]
    assert len(client.datasets()) == len(portal.datasets)


def test_sodapy_reads_csv_and_geojson(client, portal):
    table = client.get(portal.datasets["events"], content_type="csv", limit=3)
    assert table[0][:2] == ["event_id", "event_name"] and len(table) == 4
    shapes = client.get(portal.datasets["neighborhoods"], content_type="geojson")
    assert shapes["type"] == "FeatureCollection" and len(shapes["features"]) == 12


def test_sodapy_reports_socratas_message_for_a_bad_query(client, portal):
    with pytest.raises(requests.HTTPError) as caught:
        client.get(portal.datasets["events"], select="no_such_column")
    assert caught.value.response.status_code == 400
    assert "no_such_column" in str(caught.value)  # sodapy shows the body's message
