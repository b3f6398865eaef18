"""The Socrata client (kit.data.socrata): wire types, retries, cache and token offline; then real HTTP.

The HTTP tests run real sodapy against the kit's own portal (``kit.portal.serve_in_thread``) on
127.0.0.1, started by the tests: paging, retries through throttling and failures, typed frames
equal to ``kit.load_dataset``, the cache, search, the card, and the app token written nowhere.
"""

from __future__ import annotations

import csv
import json
import logging
import os
import random
import time
from pathlib import Path

import pandas as pd
import pytest
import requests
import yaml
from helpers import REPO

import kit
from kit.data.retry import RetryPolicy, call_with_retries, retry_after_seconds
from kit.data.socrata import FetchQuery, SocrataClient, is_loopback, sodapy_client
from kit.data.socrata_cache import SocrataCache, cache_key
from kit.data.soda_wire import (
    SodaField,
    card_columns,
    fields_from_headers,
    fields_from_metadata,
    flat_header,
    flat_rows,
    read_flat,
)
from kit.errors import DatasetError, PortalError
from kit.portal import serve_in_thread

WIRE = REPO.parent / "shared" / "realdata" / "socrata_wire"
SEATTLE = WIRE / "koop-socrata_seattle_2015"
TOKEN = "kit-test-token-Zq9xW3"  # a made-up app token: it must appear in no file and no output


def wire_file(name: str):
    path = WIRE / name
    if not path.is_file():
        pytest.skip(f"the real Socrata wire files are not on this machine ({path})")
    return json.loads(path.read_text())


# --- wire types, from real metadata and pages ---------------------------------------------------


def test_fields_from_real_metadata_keep_column_order_and_types():
    fields = fields_from_metadata(wire_file("koop-socrata_seattle_2015/crimes-views.json"))
    kinds = {f.name: f.kind for f in fields}
    assert kinds["event_clearance_date"] == "calendar_date"
    assert kinds["latitude"] == "number"
    assert kinds["incident_location"] == "location"
    header = flat_header(fields)
    assert "incident_location_latitude" in header and "incident_location_longitude" in header
    assert "incident_location" not in header
    assert header[0] == "cad_cdw_id"


def test_computed_regions_and_system_fields_are_dropped_unless_asked():
    metadata = wire_file("koop-socrata_seattle_2015/crimes-views.json")
    extra = [
        {"fieldName": ":@computed_region_ru88_fbhk", "dataTypeName": "number", "position": 98},
        {"fieldName": ":id", "dataTypeName": "row_identifier", "position": 99},
    ]
    metadata = {**metadata, "columns": metadata["columns"] + extra}
    plain = [f.name for f in fields_from_metadata(metadata)]
    asked = [f.name for f in fields_from_metadata(metadata, computed_regions=True)]
    assert ":@computed_region_ru88_fbhk" not in plain and ":id" not in plain
    assert asked == plain + [":@computed_region_ru88_fbhk"]
    headers = fields_from_headers(["a", ":@computed_region_x"], ["text", "number"])
    assert [f.name for f in headers] == ["a"]


def _through_a_flat_file(page: list[dict], fields: list[SodaField], path: Path):
    """A JSON page written flat to ``path`` as the client writes pages, then read back typed."""
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(flat_header(fields))
        writer.writerows(flat_rows(page, fields))
    return read_flat(path, fields)


def test_a_real_page_becomes_a_typed_frame(tmp_path):
    fields = fields_from_metadata(wire_file("koop-socrata_seattle_2015/schools-view.json"))
    page = wire_file("koop-socrata_seattle_2015/schools-page.json")
    frame = _through_a_flat_file(page, fields, tmp_path / "schools.csv")
    assert len(frame) == len(page)
    assert frame["objectid"].dtype == "float64" and frame["objectid"].tolist()[:3] == [1.0, 2.0, 3.0]
    assert frame["shape_latitude"].dtype == "float64"
    assert frame["shape_latitude"].iloc[0] == pytest.approx(float(page[0]["shape"]["latitude"]))
    assert frame["shape_longitude"].iloc[0] == pytest.approx(float(page[0]["shape"]["longitude"]))
    assert frame["name"].iloc[0] == page[0]["name"]
    columns = {c.name: c.type for c in card_columns(fields)}
    assert columns["shape"] == "point" and columns["objectid"] == "number"


def test_points_checkboxes_urls_and_geometry_flatten_and_type(tmp_path):
    fields = [
        SodaField("id", "text"),
        SodaField("spot", "point"),
        SodaField("open", "checkbox"),
        SodaField("site", "url"),
        SodaField("when", "fixed_timestamp"),
        SodaField("the_geom", "multipolygon"),
    ]
    square = {"type": "MultiPolygon", "coordinates": [[[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]]]}
    page = [
        {
            "id": "7",
            "spot": {"type": "Point", "coordinates": [-88.9, 41.6]},
            "open": True,
            "site": {"url": "https://example.org", "description": "home"},
            "when": "2024-01-05T10:00:00.000Z",
            "the_geom": square,
        },
        {"id": "8", "open": False},  # nulls omitted, as the portal sends them
    ]
    frame = _through_a_flat_file(page, fields, tmp_path / "flat.csv")
    assert frame.geometry.name == "the_geom" and frame.crs.to_epsg() == 4326
    assert frame.loc[0, "the_geom"].area == 1.0 and frame.loc[1, "the_geom"] is None
    assert frame["spot_latitude"].tolist()[0] == 41.6 and pd.isna(frame["spot_longitude"].iloc[1])
    assert frame["open"].tolist() == [True, False]
    assert frame["site"].tolist()[0] == "https://example.org"
    assert str(frame["when"].dt.tz) == "UTC"


# --- retries -------------------------------------------------------------------------------------


def _answer(status: int, body: dict | None = None, retry_after: str | None = None) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response.reason = {429: "Too Many Requests", 500: "Internal Server Error", 400: "Bad Request"}.get(status, "")
    response._content = json.dumps(body or {}).encode()
    if retry_after is not None:
        response.headers["Retry-After"] = retry_after
    return response


def _failing(answers: list, result: object = "rows"):
    """A call failing with ``answers`` in turn (HTTP answers or exceptions), then returning ``result``."""
    calls = []

    def call():
        calls.append(1)
        if len(calls) <= len(answers):
            failure = answers[len(calls) - 1]
            if isinstance(failure, requests.Response):
                raise requests.HTTPError(f"{failure.status_code}", response=failure)
            raise failure
        return result

    return call, calls


def test_backoff_doubles_with_jitter_and_retry_after_is_honoured():
    policy = RetryPolicy(backoff=0.5, max_wait=60, random=random.Random(3).random)
    for attempt in range(6):
        ceiling = 0.5 * 2**attempt
        assert ceiling / 2 <= policy.wait(attempt) <= ceiling
    assert policy.wait(2, retry_after=9) == 9
    assert RetryPolicy(backoff=10, max_wait=15).wait(5) <= 15
    assert retry_after_seconds("2") == 2.0 and retry_after_seconds(None) is None


def test_transient_failures_are_retried_then_succeed():
    waits = []
    policy = RetryPolicy(retries=5, backoff=0.1, sleep=waits.append, random=lambda: 1.0)
    call, calls = _failing(
        [_answer(429, retry_after="2"), _answer(503), requests.ConnectionError("refused"), requests.ReadTimeout("slow")]
    )
    assert call_with_retries(call, policy, domain="d.example", dataset="abcd-2345") == "rows"
    assert len(calls) == 5
    assert waits == [2.0, 0.2, 0.4, 0.8]  # Retry-After first, then the doubling backoff


def test_a_permanent_failure_is_one_error_naming_domain_dataset_and_status():
    waits = []
    policy = RetryPolicy(retries=3, backoff=0.1, sleep=waits.append)
    body = {"error": True, "code": "internal", "message": "Internal error"}
    call, calls = _failing([_answer(500, body)] * 10)
    with pytest.raises(PortalError) as caught:
        call_with_retries(call, policy, domain="d.example", dataset="abcd-2345")
    error = caught.value
    assert len(calls) == 4 and len(waits) == 3
    assert (error.domain, error.dataset, error.status) == ("d.example", "abcd-2345", 500)
    assert "d.example" in str(error) and "abcd-2345" in str(error) and "HTTP 500" in str(error)
    assert "after 4 attempts" in str(error)


def test_a_bad_query_is_not_retried_and_keeps_socratas_code():
    policy = RetryPolicy(sleep=lambda s: pytest.fail("a 400 must not be retried"))
    body = {"error": True, "code": "query.soql.no-such-column", "message": "No such column: nope"}
    call, calls = _failing([_answer(400, body)])
    with pytest.raises(PortalError, match="No such column: nope") as caught:
        call_with_retries(call, policy, domain="d.example", dataset="abcd-2345")
    assert caught.value.code == "query.soql.no-such-column" and len(calls) == 1


def test_a_retry_after_longer_than_allowed_is_reported_not_waited():
    policy = RetryPolicy(max_wait=5, sleep=lambda s: pytest.fail("must not wait an hour"))
    call, _ = _failing([_answer(429, retry_after="3600")])
    with pytest.raises(PortalError, match="Retry-After: 3600") as caught:
        call_with_retries(call, policy, domain="d.example")
    assert caught.value.status == 429 and "SOCRATA_APP_TOKEN" in caught.value.hint


# --- queries, cache keys, token ------------------------------------------------------------------


def test_pages_are_always_ordered_by_id_last():
    assert FetchQuery().page_order() == ":id"
    assert FetchQuery(order="created_date DESC").page_order() == "created_date DESC, :id"
    assert FetchQuery(order=":id DESC").page_order() == ":id DESC"
    assert FetchQuery(select="count(*) AS n").page_order() is None  # one row, no :id to order by
    assert FetchQuery(where="a > 1").params() == {"where": "a > 1", "order": ":id"}


def test_cache_keys_depend_on_domain_dataset_and_query_only(tmp_path):
    base = cache_key("127.0.0.1:8080", "abcd-2345", {"where": "a = 1", "select": None})
    assert base == cache_key("127.0.0.1:8080", "abcd-2345", {"select": None, "where": "a = 1"})
    assert base != cache_key("127.0.0.1:8081", "abcd-2345", {"where": "a = 1"})
    assert base != cache_key("127.0.0.1:8080", "abcd-2346", {"where": "a = 1"})
    assert base != cache_key("127.0.0.1:8080", "abcd-2345", {"where": "a = 2"})
    cache = SocrataCache(tmp_path)
    fields = [SodaField("a", "number")]
    assert cache.get("d", "x", {"where": "a = 1"}) is None
    with cache.writing("d", "x", {"where": "a = 1"}) as partial:
        partial.write_text("a\n1\n")
        entry = cache.commit(partial, "d", "x", {"where": "a = 1"}, fields, rows=1)
    again = cache.get("d", "x", {"where": "a = 1"})
    assert again == entry and again.fields == fields and again.fetched_at.tzinfo is not None
    assert not list(tmp_path.rglob("*.partial"))


def test_an_interrupted_fetch_leaves_no_cache_entry(tmp_path):
    cache = SocrataCache(tmp_path)
    with pytest.raises(RuntimeError), cache.writing("d", "x", {}) as partial:
        partial.write_text("a\n1\n")
        raise RuntimeError("connection lost")
    assert cache.get("d", "x", {}) is None and not [p for p in tmp_path.rglob("*") if p.is_file()]


def test_loopback_domains_get_plain_http_others_https(monkeypatch):
    monkeypatch.delenv("SOCRATA_APP_TOKEN", raising=False)
    assert is_loopback("127.0.0.1:8080") and is_loopback("localhost:9") and is_loopback("[::1]:80")
    assert not is_loopback("data.cityofchicago.org") and not is_loopback("10.0.0.1:8080")
    assert sodapy_client("127.0.0.1:8080").uri_prefix == "http://"
    assert sodapy_client("data.cityofchicago.org").uri_prefix == "https://"
    with pytest.raises(PortalError, match="host name only"):
        sodapy_client("https://data.cityofchicago.org/resource")


def test_the_token_comes_from_the_environment_and_is_never_shown(monkeypatch, caplog):
    monkeypatch.setenv("SOCRATA_APP_TOKEN", TOKEN)
    with caplog.at_level(logging.DEBUG):
        client = SocrataClient("127.0.0.1:9", cache_dir=None)
    assert client._soda.session.headers["X-App-token"] == TOKEN  # sent, as sodapy sends it
    assert TOKEN not in repr(client) and TOKEN not in str(vars(client))
    assert TOKEN not in caplog.text
    monkeypatch.delenv("SOCRATA_APP_TOKEN")
    assert "X-App-token" not in SocrataClient("127.0.0.1:9")._soda.session.headers


def test_an_unreachable_portal_is_one_clear_error(tmp_path):
    client = SocrataClient("127.0.0.1:9", cache_dir=tmp_path, retries=1, backoff=0.01)  # port 9: nothing listens
    with pytest.raises(PortalError, match=r"127\.0\.0\.1:9, dataset abcd-2345: the portal could not be reached"):
        client.fetch("abcd-2345")
    with pytest.raises(DatasetError, match="name the file"):
        client.fetch_to_file("abcd-2345", tmp_path / "rows.parquet")


# --- over real HTTP: real sodapy against the kit's portal on 127.0.0.1 ---------------------------


@pytest.fixture(scope="module")
def portal():
    with serve_in_thread() as running:
        yield running


@pytest.fixture
def client(portal, tmp_path):
    with SocrataClient(portal.domain, cache_dir=tmp_path / "cache", page_size=500) as soda:
        yield soda


def bundled_as_fetched(name: str) -> pd.DataFrame:
    """``kit.load_dataset(name)`` as the client gives it: a card's ``point`` column ``loc`` (text
    ``"(lat, lon)"``, served as a Socrata ``location``) becomes ``loc_latitude``, ``loc_longitude``
    floats; integers come back as float64 (SODA has one ``number`` type)."""
    frame = kit.load_dataset(name)
    card = kit.describe_dataset(name)
    for column in card.columns:
        if column.type == "point":
            pair = frame[column.name].str.strip("()").str.split(",", expand=True)
            at = frame.columns.get_loc(column.name)
            frame.insert(at, f"{column.name}_latitude", pd.to_numeric(pair[0]).astype("float64"))
            frame.insert(at + 1, f"{column.name}_longitude", pd.to_numeric(pair[1]).astype("float64"))
            frame = frame.drop(columns=column.name)
        elif column.type == "integer":
            frame[column.name] = frame[column.name].astype("float64")
    return frame


def test_paging_is_stable_and_complete(client, portal):
    seen = []
    fetched = client.fetch(portal.datasets["service_requests"], progress=lambda rows, total: seen.append((rows, total)))
    bundled = kit.load_dataset("service_requests")
    assert len(fetched) == len(bundled) == 4695
    assert seen == [(rows, 4695) for rows in [*range(500, 4695, 500), 4695]]  # ten pages of 500 and the rest
    # every row once, none repeated: the same ids as often as in the file (its 12 exact copies included)
    assert fetched["unique_key"].value_counts().sort_index().equals(bundled["unique_key"].value_counts().sort_index())
    assert fetched["unique_key"].tolist() == bundled["unique_key"].tolist()  # :id is the file's order


def test_paging_by_another_order_breaks_ties_by_id(client, portal):
    fetched = client.fetch(portal.datasets["service_requests"], order="status")
    bundled = kit.load_dataset("service_requests")
    # status has four values: thousands of ties, each run in :id order, none lost or repeated between pages
    expected = bundled.sort_values("status", kind="stable")["unique_key"].tolist()
    assert fetched["unique_key"].tolist() == expected


def test_typed_frame_equals_the_bundled_csv(client, portal):
    fetched = client.fetch(portal.datasets["service_requests"])
    pd.testing.assert_frame_equal(fetched, bundled_as_fetched("service_requests"))


def test_geometry_makes_a_geodataframe_equal_to_the_bundled_geojson(client, portal):
    fetched = client.fetch(portal.datasets["neighborhoods"])
    bundled = kit.load_dataset("neighborhoods")
    assert fetched.geometry.name == "the_geom" and fetched.crs.to_epsg() == 4326
    assert fetched.geometry.geom_equals(bundled.geometry).all()
    pd.testing.assert_frame_equal(
        pd.DataFrame(fetched.drop(columns="the_geom")), pd.DataFrame(bundled.drop(columns="geometry"))
    )


def test_select_where_order_and_limit(client, portal):
    dataset = portal.datasets["service_requests"]
    fetched = client.fetch(
        dataset,
        select="unique_key, created_date, location",
        where="status = 'Open'",
        order="created_date DESC",
        limit=700,
    )
    bundled = bundled_as_fetched("service_requests")
    expected = bundled[bundled["status"] == "Open"].sort_values("created_date", ascending=False, kind="stable")
    expected = expected[["unique_key", "created_date", "location_latitude", "location_longitude"]].head(700)
    pd.testing.assert_frame_equal(fetched, expected.reset_index(drop=True))
    assert client.count(dataset, where="status = 'Open'") == int((bundled["status"] == "Open").sum())


def test_an_aggregate_select_is_typed_from_the_answers_headers(client, portal):
    fetched = client.fetch(portal.datasets["service_requests"], select="count(*) AS n")
    assert fetched["n"].tolist() == [4695.0]


def test_bad_soql_is_one_error_carrying_socratas_code(client, portal):
    with pytest.raises(PortalError, match="HTTP 400") as caught:
        client.fetch(portal.datasets["service_requests"], where="no_such_column = 1")
    assert caught.value.code == "query.soql.no-such-column" and caught.value.status == 400
    with pytest.raises(PortalError, match="HTTP 404") as caught:
        client.metadata("zzzz-9999")
    assert caught.value.dataset == "zzzz-9999"


def test_retries_get_through_throttling_and_random_failures(tmp_path):
    with serve_in_thread(throttle=4, throttle_window_s=1, fail_rate=0.25, seed=7) as faulty:
        soda = SocrataClient(faulty.domain, cache_dir=tmp_path, page_size=1000, retries=10, backoff=0.05)
        waits = []
        soda.retry.sleep = lambda seconds: (waits.append(seconds), time.sleep(seconds))
        fetched = soda.fetch(faulty.datasets["service_requests"])
    pd.testing.assert_frame_equal(fetched, bundled_as_fetched("service_requests"))
    assert any(w >= 1 for w in waits), "no 429 was waited out as its Retry-After said"
    assert any(w < 1 for w in waits), "no 500 was retried after a backoff"


def test_a_portal_that_always_fails_gives_one_clear_error(tmp_path):
    with serve_in_thread(fail_rate=1.0, seed=1) as broken:
        soda = SocrataClient(broken.domain, cache_dir=tmp_path, retries=2, backoff=0.01)
        dataset = broken.datasets["service_requests"]
        with pytest.raises(PortalError) as caught:
            soda.fetch(dataset)
    error = caught.value
    assert (error.domain, error.dataset, error.status) == (broken.domain, dataset, 500)
    assert str(error).startswith(f"{broken.domain}, dataset {dataset}: HTTP 500")
    assert "after 3 attempts" in str(error)
    assert not [p for p in tmp_path.rglob("*") if p.is_file()]  # nothing half-written in the cache


def test_the_cache_answers_without_the_portal_and_refresh_fetches_again(tmp_path):
    with serve_in_thread() as running:
        soda = SocrataClient(running.domain, cache_dir=tmp_path, page_size=2000)
        dataset = running.datasets["neighborhood_population"]
        first = soda.download(dataset, tmp_path / "a.csv", where="population > 0")
        again = soda.download(dataset, tmp_path / "b.csv", where="population > 0")
        fresh = soda.download(dataset, tmp_path / "c.csv", where="population > 0", refresh=True)
        other = soda.download(dataset, tmp_path / "d.csv")
    assert (first.from_cache, again.from_cache, fresh.from_cache, other.from_cache) == (False, True, False, False)
    assert again.fetched_at == first.fetched_at <= fresh.fetched_at
    assert (tmp_path / "a.csv").read_text() == (tmp_path / "b.csv").read_text() == (tmp_path / "c.csv").read_text()
    # the portal is gone: the same query still comes from the cache, typed
    frame = soda.fetch(dataset, where="population > 0")
    assert len(frame) == 12 and frame["population"].dtype == "float64"
    entries = [json.loads(p.read_text()) for p in tmp_path.rglob("*.json")]
    assert {e["query"].get("where") for e in entries} == {"population > 0", None}
    assert all(e["fetched_at"] and e["domain"] == running.domain for e in entries)


def test_search_and_card(client, portal):
    found = client.search("311")
    assert portal.datasets["service_requests"] in found["id"].tolist()
    assert {"id", "name", "type", "updated_at", "description", "columns"} <= set(found.columns)
    card = client.card(portal.datasets["service_requests"])
    bundled = kit.describe_dataset("service_requests")
    assert card.rows == 4695 and card.title == bundled.title
    assert [(c.name, c.type) for c in card.columns] == [
        (c.name, "number" if c.type == "integer" else c.type) for c in bundled.columns
    ]
    assert portal.domain in card.source and card.license
    assert card.updated_at and card.updated_at.endswith("UTC") and card.updated_at in card.to_markdown()
    assert "kit data fetch" in card.to_markdown()


def test_the_app_token_is_written_nowhere(portal, tmp_path, monkeypatch, caplog, capfd):
    from typer.testing import CliRunner

    from kit.cli import app

    monkeypatch.setenv("SOCRATA_APP_TOKEN", TOKEN)
    monkeypatch.setenv("KIT_CACHE_DIR", str(tmp_path / "cli-cache"))
    dataset = portal.datasets["service_requests"]
    runner = CliRunner()
    with caplog.at_level(logging.DEBUG):
        outputs = [
            runner.invoke(app, ["data", "search", "311", "--domain", portal.domain]),
            runner.invoke(
                app,
                ["data", "fetch", "--domain", portal.domain, "--dataset", dataset, "-o", str(tmp_path / "rows.csv")],
            ),
            runner.invoke(
                app,
                [
                    "data",
                    "fetch",
                    "--domain",
                    portal.domain,
                    "--dataset",
                    dataset,
                    "--where",
                    "nope = 1",
                    "-o",
                    str(tmp_path / "bad.csv"),
                ],
            ),
        ]
        soda = SocrataClient(portal.domain, cache_dir=tmp_path / "client-cache", page_size=1000)
        soda.fetch_to_file(dataset, tmp_path / "client.csv", where="status = 'Open'")
        soda.card(dataset)
    assert [o.exit_code for o in outputs] == [0, 0, 1]
    assert "wrote 4,695 rows" in outputs[1].output and "No such column" in outputs[2].output
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert len(written) >= 6  # two outputs, and a flat file + an entry in each cache
    for path in written:
        assert TOKEN.encode() not in path.read_bytes(), path
    captured = capfd.readouterr()
    for text in [*(o.output for o in outputs), caplog.text, captured.out, captured.err]:
        assert TOKEN not in text


def _city_folder(folder: Path, amounts: list[int]) -> Path:
    """A ``--data`` folder with one small CSV and its card, as a city gives them to the portal."""
    folder.mkdir(parents=True, exist_ok=True)
    rows = "".join(f"R{i},{amount}\n" for i, amount in enumerate(amounts))
    (folder / "permits.csv").write_text("permit_id,amount\n" + rows)
    stamp = 1_700_000_000 + sum(amounts)  # a new file on the portal is a new rowsUpdatedAt
    os.utime(folder / "permits.csv", (stamp, stamp))
    card = {
        "name": "permits",
        "file": "permits.csv",
        "title": "Permits",
        "description": "Permits of a test city",
        "source": "tests/data/test_socrata.py",
        "license": "CC0-1.0",
        "made_by": "by hand",
        "rows": len(amounts),
        "sha256": "0" * 64,
        "columns": [
            {"name": "permit_id", "type": "text", "description": "Permit id"},
            {"name": "amount", "type": "number", "description": "Fee"},
        ],
    }
    (folder / "catalog.yaml").write_text(yaml.safe_dump({"city": "Testville", "datasets": [card]}))
    return folder


def test_a_cached_answer_is_fetched_again_once_the_dataset_changed(tmp_path):
    cache = tmp_path / "cache"
    with serve_in_thread(_city_folder(tmp_path / "city", [10, 20])) as running:
        soda = SocrataClient(running.domain, cache_dir=cache)
        first = soda.download(running.datasets["permits"], tmp_path / "a.csv")
        port = running.port
    with serve_in_thread(_city_folder(tmp_path / "city", [10, 20, 30]), port=port) as running:  # republished
        again = SocrataClient(running.domain, cache_dir=cache).download(running.datasets["permits"], tmp_path / "b.csv")
    assert (first.rows, first.from_cache) == (2, False)
    assert (again.rows, again.from_cache) == (3, False)
