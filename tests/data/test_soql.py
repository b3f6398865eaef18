"""SoQL on SQLite: every clause gives what the same computation in pandas gives.

The reference data is the bundled 311 file through ``kit.load_dataset``; a small
frame covers checkboxes, points, polygons and quoting. Then the errors (with
Socrata's codes), injection attempts, threads, streaming and loading CSV text.
"""

from __future__ import annotations

import json
import threading
import tracemalloc

import pandas as pd
import pytest
from helpers import REPO

import kit
from kit.data.catalog import load_catalog
from kit.data.soql import SoqlEngine, SoqlQuery, card_socrata_types, query, socrata_types
from kit.errors import DatasetError, QueryError

SR = "service_requests"
WIRE = REPO.parent / "shared" / "realdata" / "socrata_wire"


@pytest.fixture(scope="module")
def sr() -> pd.DataFrame:
    return kit.load_dataset(SR)


@pytest.fixture(scope="module")
def engine(sr):
    engine = SoqlEngine()
    engine.add_frame(SR, sr, card_socrata_types(load_catalog().card(SR)))
    yield engine
    engine.close()


@pytest.fixture
def small() -> pd.DataFrame:
    square = {"type": "MultiPolygon", "coordinates": [[[[0, 0], [1, 0], [1, 1], [0, 0]]]]}
    return pd.DataFrame(
        {
            "name": ["O'Brien", "Ana", None, "ana"],
            "active": pd.array([True, False, None, True], dtype="boolean"),
            "spot": [(41.5, -88.9), None, (41.75, -88.25), (40.0, -87.0)],
            "area": [square, None, square, None],
            "score": [1.5, None, 3.0, -2.0],
        }
    )


def rows(engine, **clauses) -> list[tuple]:
    return list(engine.execute(SR, SoqlQuery(**clauses)).rows)


def same(result: pd.DataFrame, expected: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(
        result.reset_index(drop=True), expected.reset_index(drop=True), check_dtype=False, check_index_type=False
    )


# ---------------------------------------------------------------------------
# $select


def test_select_columns_and_star_equal_the_loaded_dataset(sr):
    same(
        query(SR, select="unique_key, status, created_date, latitude"),
        sr[["unique_key", "status", "created_date", "latitude"]],
    )
    everything = query(SR)
    assert list(everything.columns) == list(sr.columns)
    same(everything.drop(columns="location"), sr.drop(columns="location"))
    parsed = sr["location"].map(lambda t: None if pd.isna(t) else tuple(float(x) for x in t.strip("()").split(",")))
    assert everything["location"].tolist() == parsed.tolist()


def test_select_keeps_text_and_date_types(sr):
    result = query(SR, select="unique_key, created_date", limit=5)
    assert result["unique_key"].dtype == sr["unique_key"].dtype
    assert result["created_date"].dtype.kind == "M"


def test_aliases_and_socrata_names_of_aggregates(engine):
    result = engine.execute(
        SR,
        SoqlQuery(
            select="complaint_type AS kind, count(*), count(closed_date), sum(latitude), avg(latitude)",
            group="kind",
        ),
    )
    assert result.fields == ["kind", "count", "count_closed_date", "sum_latitude", "avg_latitude"]
    assert result.types == ["text", "number", "number", "number", "number"]


def test_count_star_and_count_column(sr):
    result = query(SR, select="count(*), count(closed_date), count(latitude)")
    assert result.iloc[0].tolist() == [len(sr), sr["closed_date"].notna().sum(), sr["latitude"].notna().sum()]


@pytest.mark.parametrize("function", ["sum", "avg", "min", "max"])
def test_aggregates_by_group_equal_pandas(sr, function):
    result = query(SR, select=f"borough, {function}(latitude)", group="borough", order="borough")
    pandas_name = {"avg": "mean"}.get(function, function)
    expected = sr.groupby("borough")["latitude"].agg(pandas_name).reset_index()
    expected.columns = ["borough", f"{function}_latitude"]
    same(result, expected)


def test_min_and_max_of_dates_and_text(sr):
    result = query(SR, select="min(created_date), max(created_date), min(complaint_type), max(status)")
    assert result.iloc[0].tolist() == [
        sr["created_date"].min(),
        sr["created_date"].max(),
        sr["complaint_type"].min(),
        sr["status"].max(),
    ]


@pytest.mark.parametrize(
    ("function", "period"), [("date_trunc_ym", "M"), ("date_trunc_y", "Y"), ("date_trunc_ymd", "D")]
)
def test_date_trunc_groups_equal_pandas(sr, function, period):
    result = query(SR, select=f"{function}(created_date) AS period, count(*)", group="period", order="period")
    expected = sr.groupby(sr["created_date"].dt.to_period(period).dt.start_time).size().reset_index()
    expected.columns = ["period", "count"]
    same(result, expected)
    assert result["period"].dtype.kind == "M"


def test_distinct_equals_unique(sr):
    result = query(SR, select="DISTINCT borough", order="borough")
    assert result["borough"].tolist() == sorted(sr["borough"].dropna().unique())


def test_arithmetic_and_concatenation(sr):
    result = query(SR, select="latitude * 2 - 1 AS twice, borough || '/' || status AS label", limit=50)
    expected = sr.head(50)
    assert result["twice"].tolist() == pytest.approx((expected["latitude"] * 2 - 1).tolist(), nan_ok=True)
    assert result["label"].tolist() == (expected["borough"] + "/" + expected["status"]).tolist()


# ---------------------------------------------------------------------------
# $where


@pytest.mark.parametrize("op", ["=", "!=", "<>", "<", "<=", ">", ">="])
def test_comparisons_equal_pandas(sr, op):
    threshold = float(sr["latitude"].median())
    result = query(SR, select="unique_key", where=f"latitude {op} {threshold}")
    pandas_op = {"=": "==", "<>": "!="}.get(op, op)
    expected = sr[sr["latitude"].notna()].query(f"latitude {pandas_op} @threshold")
    assert result["unique_key"].tolist() == expected["unique_key"].tolist()


def test_and_or_not_and_parentheses(sr):
    where = "NOT (borough = 'NORTH' OR borough = 'SOUTH') AND (status = 'Closed' OR latitude > 41.6)"
    result = query(SR, select="unique_key", where=where)
    mask = ~sr["borough"].isin(["NORTH", "SOUTH"]) & ((sr["status"] == "Closed") | (sr["latitude"] > 41.6))
    assert result["unique_key"].tolist() == sr.loc[mask.fillna(False), "unique_key"].tolist()


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("HEAT%", lambda s: s.str.startswith("HEAT")),
        ("%water%", lambda s: s.str.contains("water", regex=False)),
        ("Noise _ %", lambda s: s.str.match(r"Noise . ")),
    ],
)
def test_like_is_case_sensitive_as_on_socrata(sr, pattern, expected):
    result = query(SR, select="unique_key", where=f"complaint_type like '{pattern}'")
    mask = expected(sr["complaint_type"]).fillna(False).astype(bool)
    assert result["unique_key"].tolist() == sr.loc[mask, "unique_key"].tolist()
    negated = query(SR, select="unique_key", where=f"complaint_type not like '{pattern}'")
    assert negated["unique_key"].tolist() == sr.loc[~mask & sr["complaint_type"].notna(), "unique_key"].tolist()


def test_between_dates_with_date_literals(sr):
    result = query(SR, select="unique_key", where="created_date between '2024-03-01' and '2024-03-31T23:59:59'")
    mask = sr["created_date"].between(pd.Timestamp("2024-03-01"), pd.Timestamp("2024-03-31T23:59:59"))
    assert result["unique_key"].tolist() == sr.loc[mask, "unique_key"].tolist()
    outside = query(SR, select="count(*)", where="created_date not between '2024-03-01' and '2024-03-31T23:59:59'")
    assert outside.iloc[0, 0] == (~mask).sum()


@pytest.mark.parametrize("literal", ["'2024-06-01'", "'2024-06-01T12:00:00'", "'2024-06-01T12:00:00.500'"])
def test_date_literals_compare_as_times(sr, literal):
    result = query(SR, select="unique_key", where=f"created_date >= {literal}")
    cutoff = pd.Timestamp(literal.strip("'"))
    assert result["unique_key"].tolist() == sr.loc[sr["created_date"] >= cutoff, "unique_key"].tolist()


def test_in_and_not_in(sr):
    result = query(SR, select="unique_key", where="borough in ('NORTH', 'SOUTH')")
    assert result["unique_key"].tolist() == sr.loc[sr["borough"].isin(["NORTH", "SOUTH"]), "unique_key"].tolist()
    result = query(SR, select="unique_key", where="borough not in ('NORTH', 'SOUTH')")
    mask = ~sr["borough"].isin(["NORTH", "SOUTH"]) & sr["borough"].notna()
    assert result["unique_key"].tolist() == sr.loc[mask, "unique_key"].tolist()


def test_is_null_and_is_not_null(sr):
    assert len(query(SR, where="closed_date IS NULL")) == sr["closed_date"].isna().sum()
    assert len(query(SR, where="closed_date is not null")) == sr["closed_date"].notna().sum()


def test_keywords_and_column_names_ignore_case(sr):
    result = query(SR, select="STATUS, Borough", where="BOROUGH = 'NORTH' And Status = 'Closed'")
    assert list(result.columns) == ["status", "borough"]
    assert len(result) == ((sr["borough"] == "NORTH") & (sr["status"] == "Closed")).sum()


def test_double_quoted_strings_as_chicago_writes_them(sr):
    # realdata/socrata_wire/chicago_soda_csv: sr_type LIKE "Fly Dumping Complaint"
    result = query(SR, select="count(*)", where='status LIKE "Closed"')
    assert result.iloc[0, 0] == (sr["status"] == "Closed").sum()


# ---------------------------------------------------------------------------
# $group, $having, $order, $limit, $offset


def test_group_and_having_equal_pandas(sr):
    result = query(
        SR,
        select="complaint_type, count(*) AS n",
        group="complaint_type",
        having="count(*) > 100",
        order="n DESC, complaint_type",
    )
    sizes = sr.groupby("complaint_type").size()
    expected = sizes[sizes > 100].reset_index(name="n").sort_values(["n", "complaint_type"], ascending=[False, True])
    same(result, expected)


def test_having_on_an_alias_and_order_by_auto_name(sr):
    result = query(SR, select="borough, count(*)", group="borough", having="count > 1000", order="count")
    sizes = sr.groupby("borough").size()
    expected = sizes[sizes > 1000].sort_values().reset_index(name="count")
    same(result, expected)


def test_order_by_several_columns_and_directions(sr):
    result = query(
        SR,
        select="unique_key, borough, latitude",
        where="latitude IS NOT NULL",
        order="borough DESC, latitude ASC, unique_key",
    )
    expected = sr.loc[sr["latitude"].notna(), ["unique_key", "borough", "latitude"]]
    expected = expected.sort_values(["borough", "latitude", "unique_key"], ascending=[False, True, True], kind="stable")
    same(result, expected)


def test_nulls_sort_last_ascending_and_first_descending_as_on_socrata(sr):
    ascending = query(SR, select="closed_date, unique_key", order="closed_date, unique_key")
    expected = sr.sort_values(["closed_date", "unique_key"], na_position="last")
    assert ascending["unique_key"].tolist() == expected["unique_key"].tolist()
    descending = query(SR, select="closed_date", order="closed_date DESC")
    assert descending["closed_date"].isna().iloc[: sr["closed_date"].isna().sum()].all()
    first = query(SR, select="closed_date", order="closed_date ASC NULL FIRST")
    assert first["closed_date"].isna().iloc[0] and first["closed_date"].notna().iloc[-1]


def test_limit_and_offset_page_through_an_ordered_result(sr):
    pages = [query(SR, select="unique_key", order="unique_key", limit=1000, offset=o) for o in range(0, len(sr), 1000)]
    keys = pd.concat(pages)["unique_key"].tolist()
    assert keys == sorted(sr["unique_key"])
    assert len(query(SR, limit=0)) == 0
    assert len(query(SR, offset=len(sr) - 3)) == 3


def test_limit_and_offset_may_be_given_as_text_as_soda_parameters_are():
    as_text = query(SR, select="unique_key", order="unique_key", limit="5", offset="10")
    assert as_text.equals(query(SR, select="unique_key", order="unique_key", limit=5, offset=10))
    with pytest.raises(QueryError, match=r"\$limit must be a whole number") as caught:
        query(SR, limit="five")
    assert caught.value.code == "query.compiler.malformed"


def test_order_by_id_is_load_order(sr):
    result = query(SR, select="unique_key", order=":id DESC", limit=5)
    assert result["unique_key"].tolist() == sr["unique_key"].iloc[::-1].head(5).tolist()


# ---------------------------------------------------------------------------
# $q and simple filters


@pytest.mark.parametrize("words", ["heat", "HEAT water", "north closed", "nothing-matches-this"])
def test_full_text_q_every_word_in_some_text_column_ignoring_case(sr, words):
    result = query(SR, select="unique_key", q=words)
    text = sr[[c for c, t in socrata_types(sr).items() if t == "text"]]
    mask = pd.Series(True, index=sr.index)
    for word in words.casefold().split():
        mask &= text.apply(lambda col, w=word: col.str.casefold().str.contains(w, regex=False).fillna(False)).any(
            axis=1
        )
    assert result["unique_key"].tolist() == sr.loc[mask, "unique_key"].tolist()


def test_simple_filters_are_exact_matches(sr):
    result = query(SR, select="unique_key", status="Closed", borough="NORTH")
    mask = (sr["status"] == "Closed") & (sr["borough"] == "NORTH")
    assert result["unique_key"].tolist() == sr.loc[mask, "unique_key"].tolist()
    assert len(query(SR, status="closed")) == 0  # exact: case matters
    latitude = sr["latitude"].dropna().iloc[0]
    assert len(query(SR, latitude=str(latitude))) == (sr["latitude"] == latitude).sum()


def test_from_params_reads_dollar_keys_and_filters():
    params = {"$select": "a", "$where": "b > 1", "$order": "a", "$limit": "5", "$offset": "10", "$q": "x", "c": "d"}
    soql = SoqlQuery.from_params(params | {"$$app_token": "secret"})
    assert soql == SoqlQuery(select="a", where="b > 1", order="a", limit=5, offset=10, q="x", filters=(("c", "d"),))
    assert SoqlQuery.from_params({}) == SoqlQuery()


@pytest.mark.parametrize("params", [{"$limit": "-1"}, {"$limit": "ten"}, {"$offset": "-5"}, {"$bogus": "1"}])
def test_from_params_refuses_bad_parameters(params):
    with pytest.raises(QueryError) as info:
        SoqlQuery.from_params(params)
    assert info.value.code.startswith("query.")


# ---------------------------------------------------------------------------
# errors, as Socrata reports them


@pytest.mark.parametrize(
    "clauses",
    [
        {"select": "foo"},
        {"where": "foo = 1"},
        {"order": "foo"},
        {"group": "foo"},
        {"select": "count(foo)"},
        {"q": "x", "where": "status = 'x' AND foo IS NULL"},
    ],
)
def test_an_unknown_column_is_named(engine, clauses):
    with pytest.raises(QueryError) as info:
        rows(engine, **clauses)
    assert info.value.code == "query.soql.no-such-column"
    assert info.value.message == "No such column: foo"
    assert info.value.dataset == SR


def test_an_unknown_filter_column_is_named(engine):
    with pytest.raises(QueryError, match="No such column: nope") as info:
        rows(engine, filters=(("nope", "1"),))
    assert info.value.code == "query.soql.no-such-column"


@pytest.mark.parametrize(
    ("clauses", "character"),
    [
        ({"where": "status = "}, 10),
        ({"where": "status = 'Closed"}, 10),
        ({"select": "status,, borough"}, 8),
        ({"where": "(status = 'Closed'"}, 19),
        ({"order": "status sideways"}, 8),
        ({"where": "status === 'x'"}, 10),
    ],
)
def test_malformed_queries_say_where(engine, clauses, character):
    with pytest.raises(QueryError) as info:
        rows(engine, **clauses)
    assert info.value.code == "query.compiler.malformed"
    assert info.value.position == (1, character)
    assert f"line 1 character {character}" in info.value.message


@pytest.mark.parametrize(
    "clauses",
    [
        {"select": "status, count(*)"},
        {"select": "complaint_type, count(*)", "group": "borough"},
        {"where": "count(*) > 1"},
        {"group": "count(*)"},
        {"order": "count(*)"},
        {"select": "sum(status)"},
        {"select": "sum(count(*))"},
        {"where": "latitude = 'north'"},
        {"where": "status > 3"},
        {"where": "status"},
        {"where": "created_date > 'yesterday'"},
        {"select": "date_trunc_ym(status)"},
        {"where": "status like borough"},
        {"filters": (("latitude", "north"),)},
        {"select": "min(location)"},
        {"order": "location"},
    ],
)
def test_type_and_aggregate_misuse_is_a_type_mismatch(engine, clauses):
    with pytest.raises(QueryError) as info:
        rows(engine, **clauses)
    assert info.value.code == "query.soql.type-mismatch"
    assert info.value.hint is None or info.value.hint


def test_an_unknown_function_is_named(engine):
    with pytest.raises(QueryError, match="No such function: frobnicate") as info:
        rows(engine, select="frobnicate(status)")
    assert info.value.code == "query.soql.no-such-function"


def test_an_unknown_dataset_is_a_dataset_error(engine):
    with pytest.raises(DatasetError, match="no dataset 'nope'"):
        engine.execute("nope", SoqlQuery())


def test_sqlite_errors_never_leak(engine):
    with pytest.raises(QueryError) as info:
        rows(engine, select="upper(status)", where="status = 'x'", limit=2**70)
    assert not info.value.message.startswith("Python int")


# ---------------------------------------------------------------------------
# injection: values are values


@pytest.mark.parametrize(
    "clauses",
    [
        {"where": "status = 'x''); DROP TABLE ds_service_requests; --'"},
        {"where": 'status = "x""; DROP TABLE ds_service_requests; --"'},
        {"filters": (("status", "x'); DROP TABLE ds_service_requests; --"),)},
        {"q": "'); DROP TABLE ds_service_requests; --"},
        {"where": "status in ('a', 'b''); DELETE FROM ds_service_requests; --')"},
    ],
)
def test_injection_attempts_are_just_values(engine, sr, clauses):
    assert rows(engine, **clauses) == []
    assert engine.count(SR) == len(sr)


def test_a_quote_inside_a_value_matches_that_value(small):
    assert query(small, select="name", where="name = 'O''Brien'")["name"].tolist() == ["O'Brien"]
    assert query(small, select="name", name="O'Brien")["name"].tolist() == ["O'Brien"]


@pytest.mark.parametrize(
    "clauses",
    [
        {"select": "status; DROP TABLE ds_service_requests"},
        {"select": "status FROM ds_service_requests"},
        {"order": "status; DELETE FROM ds_service_requests"},
        {"where": "1 = 1; DROP TABLE ds_service_requests"},
    ],
)
def test_sql_in_a_clause_is_malformed_soql(engine, sr, clauses):
    with pytest.raises(QueryError) as info:
        rows(engine, **clauses)
    assert info.value.code == "query.compiler.malformed"
    assert engine.count(SR) == len(sr)


def test_reading_connections_cannot_write(engine):
    with pytest.raises(Exception, match="readonly|read-only|attempt to write"):
        engine._reader().execute("DELETE FROM ds_service_requests")


# ---------------------------------------------------------------------------
# checkboxes, points, polygons (a small frame)


def test_checkboxes_are_booleans_and_true_false_literals_work(small):
    result = query(small, select="name, active", where="active = true")
    assert result["name"].tolist() == ["O'Brien", "ana"]
    assert result["active"].tolist() == [True, True]
    assert query(small, select="name", where="active")["name"].tolist() == ["O'Brien", "ana"]
    assert query(small, select="name", where="NOT active")["name"].tolist() == ["Ana"]
    assert query(small, select="name", active="false")["name"].tolist() == ["Ana"]


def test_points_come_back_as_lat_lon_and_polygons_as_geojson(small):
    engine = SoqlEngine()
    engine.add_frame("small", small, socrata_types(small))
    assert engine.columns("small") == {
        "name": "text",
        "active": "checkbox",
        "spot": "point",
        "area": "multipolygon",
        "score": "number",
    }
    result = engine.execute("small", SoqlQuery(select="spot, area", where="spot IS NOT NULL"))
    assert result.types == ["point", "multipolygon"]
    got = list(result.rows)
    assert [r[0] for r in got] == [(41.5, -88.9), (41.75, -88.25), (40.0, -87.0)]
    assert got[0][1] == small["area"][0] and got[2][1] is None
    engine.close()


def test_numbers_with_nulls_and_sorting_with_nulls_in_a_frame(small):
    result = query(small, select="name, score", order="score DESC")
    assert result["score"].tolist()[1:] == [3.0, 1.5, -2.0] and pd.isna(result["score"].iloc[0])
    assert query(small, select="sum(score), count(score)").iloc[0].tolist() == [2.5, 3]


def test_socrata_types_of_pandas_dtypes(small):
    frame = small.assign(when=pd.to_datetime(["2024-01-05"] * 4), n=[1, 2, 3, 4], flag=[True, False, True, True])
    types = socrata_types(frame)
    assert types == {
        "name": "text",
        "active": "checkbox",
        "spot": "point",
        "area": "multipolygon",
        "score": "number",
        "when": "calendar_date",
        "n": "number",
        "flag": "checkbox",
    }


def test_card_types_as_the_portal_serves_them():
    types = card_socrata_types(load_catalog().card(SR))
    assert types["created_date"] == "calendar_date"
    assert types["latitude"] == "number" and types["location"] == "location" and types["status"] == "text"


# ---------------------------------------------------------------------------
# loading CSV text, streaming, threads, a file that persists


def test_add_rows_converts_csv_text_by_type():
    engine = SoqlEngine()
    columns = ["id", "n", "ok", "when", "where", "place", "shape"]
    types = {"id": "text", "n": "number", "ok": "checkbox", "when": "calendar_date", "where": "point"}
    types |= {"place": "location", "shape": "multipolygon"}
    polygon = json.dumps({"type": "MultiPolygon", "coordinates": []})
    engine.add_rows(
        "t",
        columns,
        types,
        iter(
            [
                ["a", "1.5", "true", "2024-01-05T10:00:00.000", "(41.5, -88.25)", "POINT (-88.25 41.5)", polygon],
                ["b", "", "false", "2024-01-05", "", "", ""],
                ["", "-3", "", "2024-02-01T10:11:12", "(1, 2)", "", ""],
            ]
        ),
    )
    got = list(engine.execute("t", SoqlQuery(order="id")).rows)
    assert got[0] == ("a", 1.5, True, "2024-01-05T10:00:00.000", (41.5, -88.25), (41.5, -88.25), json.loads(polygon))
    assert got[1] == ("b", None, False, "2024-01-05T00:00:00.000", None, None, None)
    assert got[2] == (None, -3.0, None, "2024-02-01T10:11:12.000", (1.0, 2.0), None, None)  # NULL sorts last
    engine.close()


@pytest.mark.parametrize(("type_", "value"), [("number", "abc"), ("checkbox", "maybe"), ("calendar_date", "soon")])
def test_add_rows_names_a_bad_value(type_, value):
    with SoqlEngine() as engine, pytest.raises(DatasetError, match=f"row 2: column 'x' holds '{value}', not a {type_}"):
        engine.add_rows("t", ["x"], {"x": type_}, [[""], [value]])


def test_an_unknown_type_is_refused():
    with SoqlEngine() as engine, pytest.raises(DatasetError, match="unknown Socrata type 'money'"):
        engine.add_rows("t", ["x"], {"x": "money"}, [])


def _many(count: int):
    for i in range(count):
        yield (f"id-{i:07d}", str(i % 1000), "2024-01-05T00:00:00.000" if i % 2 else "")


def test_loading_and_reading_stream_without_holding_every_row():
    count = 100_000
    with SoqlEngine() as engine:
        tracemalloc.start()
        engine.add_rows("big", ["id", "n", "when"], {"n": "number", "when": "calendar_date"}, _many(count))
        result = engine.execute("big", SoqlQuery(order=":id"))
        assert iter(result.rows) is result.rows  # an iterator, not a list
        seen = sum(1 for _ in result.rows)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert seen == count == engine.count("big")
        assert peak < 20_000_000, f"peak {peak / 1e6:.1f} MB: rows were held in memory"


def test_two_threads_query_the_same_engine(engine, sr):
    expected = sr.groupby("borough").size().sort_index().tolist()
    failures: list[object] = []

    def work():
        try:
            for _ in range(20):
                got = rows(engine, select="borough, count(*)", group="borough", order="borough")
                assert [n for _, n in got] == expected
                assert len(rows(engine, where="status = 'Closed'", limit=50)) == 50
        except Exception as exc:  # collected and asserted on below
            failures.append(exc)

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []


def test_a_database_file_can_be_reopened(tmp_path, small):
    path = tmp_path / "portal.sqlite"
    with SoqlEngine(path) as engine:
        engine.add_frame("small", small, socrata_types(small))
    assert path.is_file()
    with SoqlEngine(path) as again:
        assert again.count("small") == 4 and again.columns("small")["spot"] == "point"


def test_a_private_database_is_removed_on_close():
    engine = SoqlEngine()
    path = engine.path
    assert path.is_file()
    engine.close()
    assert not path.exists()
    with pytest.raises(DatasetError, match="closed"):
        engine.count("x")


def test_a_reloaded_dataset_replaces_the_old_one(small):
    with SoqlEngine() as engine:
        engine.add_frame("t", small, {})
        engine.add_frame("t", small.head(2), {})
        assert engine.count("t") == 2


# ---------------------------------------------------------------------------
# Socrata's own wire format


def test_count_is_named_count_as_in_socrata_answers(engine):
    fixture = WIRE / "koop-socrata_seattle_2015" / "crimes-count.json"
    if not fixture.is_file():
        pytest.skip("the real Socrata wire fixtures are not on this machine")
    real = json.loads(fixture.read_text())
    assert engine.execute(SR, SoqlQuery(select="count(*)")).fields == list(real[0])


def test_text_functions_fold_case_beyond_ascii_and_extract_date_parts(sr):
    frame = pd.DataFrame(
        {"name": ["Peña", "PEÑA", "Ana"], "when": pd.to_datetime(["2024-03-05 10:30", "2025-12-31 00:00", None])}
    )
    assert query(frame, select="name", where="upper(name) = 'PEÑA'")["name"].tolist() == ["Peña", "PEÑA"]
    assert query(frame, select="lower(name) AS low")["low"].tolist() == ["peña", "peña", "ana"]
    assert query(frame, select="name", where="starts_with(name, 'PE')")["name"].tolist() == ["PEÑA"]
    parts = query(frame, select="date_extract_y(when) AS y, date_extract_m(when) AS m, date_extract_hh(when) AS h")
    assert parts.head(2).to_dict("list") == {"y": [2024, 2025], "m": [3, 12], "h": [10, 0]}
    assert parts.iloc[2].isna().all()
    counts = query(SR, select="date_extract_y(created_date) AS year, count(*)", group="year", order="year")
    assert counts["count"].tolist() == sr.groupby(sr["created_date"].dt.year).size().tolist()


def test_query_on_a_named_dataset_keeps_whole_numbers_whole():
    population = query("neighborhood_population", select="population, year", limit=3)
    assert population.dtypes.tolist() == ["Int64", "Int64"]
    shapes = query("neighborhoods", select="the_geom", limit=1)
    assert shapes["the_geom"].iloc[0]["type"] in ("Polygon", "MultiPolygon")
