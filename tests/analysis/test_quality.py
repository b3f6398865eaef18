"""The data-quality profile: each dimension on small tables, the bundled 311 data, a real Chicago export
and a page of SODA JSON with nested values."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from helpers import REPO

import kit
from kit.analysis.errors import AnalysisError, MissingColumnError
from kit.analysis.quality import MESSAGES_DIR, Matches, NotBefore, OneOf, Range, quality_profile
from kit.languages import REFERENCE, available_languages
from kit.pages import check_catalogs, read_catalog

CHICAGO = REPO.parent / "shared" / "realdata" / "chicago" / "chicago_311_sanitation_code_complaints_me59-5fac.csv"
NYC_PAGE = REPO.parent / "shared" / "realdata" / "socrata_wire"


def row(report, dimension, column, check=None):
    s = report.summary
    found = s[(s["dimension"] == dimension) & (s["column"] == column)]
    if check is not None:
        found = found[found["check"] == check]
    assert len(found) == 1, found
    return found.iloc[0]


def test_completeness_counts_placeholders_and_named_codes_as_missing():
    frame = pd.DataFrame(
        {"zip": ["60601", "", "  ", "0"], "area": [12, 0, None, 3], "note": ["N/A", "Unspecified", "ok", None]}
    )
    report = quality_profile(frame, required={"zip": [0], "area": [0], "note": []})
    assert row(report, "completeness", "zip")[["passed", "failed"]].tolist() == [1, 3]
    assert row(report, "completeness", "area")[["passed", "failed"]].tolist() == [2, 2]
    assert row(report, "completeness", "note")[["passed", "failed"]].tolist() == [1, 3]
    assert row(report, "completeness", "note")["share"] == 0.25
    # without the codes a zero is a value; with no placeholder list, "N/A" is too
    plain = quality_profile(frame, required=["zip", "note"], missing_text=[""])
    assert row(plain, "completeness", "zip")["failed"] == 2
    assert row(plain, "completeness", "note")["failed"] == 1


def test_every_column_is_profiled_when_none_is_named():
    frame = pd.DataFrame({"a": [1, None], "b": ["x", "y"]})
    report = quality_profile(frame)
    assert report.summary.loc[report.summary["dimension"] == "completeness", "column"].tolist() == ["a", "b"]


def test_validity_rules_judge_only_filled_values():
    frame = pd.DataFrame(
        {
            "lat": ["41.8", "52.0", None, "oops"],
            "status": ["Open", "Closed", "Closed - Dup", None],
            "created": ["2025-01-05", "2025-01-05", "2025-01-05", "2025-01-05"],
            "closed": ["2025-01-06", "2025-01-04", None, "2025-01-05"],
            "zip": ["60601", "6060", "60601-1234", None],
        }
    )
    report = quality_profile(
        frame,
        valid={
            "lat": Range(41.6, 42.1),
            "status": ["Open", "Closed"],
            "closed": NotBefore("created"),
            "zip": [Matches(r"\d{5}"), OneOf(["60601"])],
        },
    )
    lat = row(report, "validity", "lat")
    assert (lat["passed"], lat["failed"]) == (1, 2) and "'oops'" in lat["detail"]
    status = row(report, "validity", "status")
    assert (status["check"], status["passed"], status["failed"], status["detail"]) == (
        "one of 2 values",
        2,
        1,
        "'Closed - Dup'",
    )
    assert row(report, "validity", "closed")[["passed", "failed"]].tolist() == [2, 1]
    assert row(report, "validity", "zip", "matches `\\d{5}`")[["passed", "failed"]].tolist() == [1, 2]
    assert row(report, "validity", "zip", "one of 1 values")["failed"] == 2


def test_a_tuple_is_a_range_and_dates_have_ranges_too():
    frame = pd.DataFrame({"n": [1, 5, 9], "when": pd.to_datetime(["2024-12-31", "2025-06-01", "2026-02-01"])})
    report = quality_profile(frame, valid={"n": (0, 5), "when": Range("2025-01-01", "2025-12-31")})
    assert row(report, "validity", "n")[["check", "failed"]].tolist() == ["between 0 and 5", 1]
    assert row(report, "validity", "when")["failed"] == 2


def test_duplicates_count_extra_copies_of_rows_and_keys():
    frame = pd.DataFrame({"id": ["a", "a", "b", "b", None, None], "v": [1, 1, 2, 3, 4, 4]})
    report = quality_profile(frame, key="id")
    assert row(report, "duplicates", "<row>")[["passed", "failed"]].tolist() == [4, 2]
    keys = row(report, "duplicates", "id")
    assert keys[["passed", "failed"]].tolist() == [2, 2]  # rows without a key are a completeness problem
    assert keys["detail"] == "'a', 'b'"


def test_timeliness_latest_record_future_dates_and_gaps():
    dates = ["2025-01-01", "2025-01-02", "2025-01-20", "2025-01-21", "2027-01-01", "not a date"]
    report = quality_profile(pd.DataFrame({"d": dates}), date_column="d", as_of="2025-01-25", expected_days=7)
    latest = row(report, "timeliness", "d", "latest within 7 days")
    assert latest["failed"] == 0 and latest["detail"] == "latest 2027-01-01, -706 days before 2025-01-25"
    assert row(report, "timeliness", "d", "not after the as-of date")[["failed", "detail"]].tolist() == [
        1,
        "'2027-01-01'",
    ]
    gaps = row(report, "timeliness", "d", "no gap over 7 days")
    assert gaps[["passed", "failed"]].tolist() == [2, 2]
    stale = quality_profile(pd.DataFrame({"d": dates[:4]}), date_column="d", as_of="2025-03-01", expected_days=7)
    assert row(stale, "timeliness", "d", "latest within 7 days")[["passed", "failed"]].tolist() == [0, 1]


def test_the_report_in_english_and_spanish():
    frame = pd.DataFrame({"id": ["1", "1"], "ok": ["x", ""]})
    report = quality_profile(frame, key="id", date_column=None)
    en, es = report.to_markdown("en"), report.to_markdown("es")
    assert en.startswith("### Data quality profile (2 rows)")
    assert "| completeness | filled | `ok` | 1 | 1 | 50.0% |" in en
    assert es.startswith("### Perfil de calidad de los datos (2 filas)")
    assert "| completitud | con valor | `ok` | 1 | 1 | 50.0% |" in es
    assert "| duplicados | filas repetidas | fila completa | 2 | 0 | 100.0% |" in es
    assert "| duplicados | claves repetidas | `id` | 1 | 1 | 50.0% | '1' |" in es
    assert report._repr_markdown_() == en
    assert list(report.failed("duplicates")["column"]) == ["id"]
    with pytest.raises(AnalysisError, match="language 'fr'"):
        report.to_markdown("fr")


def test_the_report_in_portuguese_writes_numbers_as_brazil_does():
    frame = pd.DataFrame({"id": [str(n) for n in range(1500)] + ["1"], "ok": ["x"] * 1500 + [""]})
    report = quality_profile(frame, key="id", date_column=None)
    pt = report.to_markdown("pt")
    assert pt.startswith("### Perfil de qualidade dos dados (1.501 linhas)")
    assert "| completude | preenchido | `ok` | 1.500 | 1 | 99,9% | '' |" in pt
    assert "| duplicados | chaves repetidas | `id` | 1.500 | 1 | 99,9% | '1' |" in pt
    assert "(1,501 filas)" in report.to_markdown("es") and "| 1,500 | 1 | 99.9% |" in report.to_markdown("en")


@pytest.mark.parametrize("lang", available_languages())
def test_every_language_names_every_dimension_and_check(lang):
    frame = pd.DataFrame({"id": ["1", "1"], "n": [1, 20], "d": ["2025-01-01", "2025-03-01"]})
    valid = {"n": Range(0, 10)}
    report = quality_profile(frame, key="id", valid=valid, date_column="d", as_of="2025-03-02", expected_days=7)
    text = report.to_markdown(lang)
    words = read_catalog(MESSAGES_DIR, lang)
    for dimension in ("completeness", "validity", "duplicates", "timeliness"):
        assert f"| {words[f'quality.{dimension}']} |" in text
    if lang != REFERENCE:
        english = report.to_markdown(REFERENCE).splitlines()
        assert not {line for line in text.splitlines() if line.startswith("| ")} & set(english), "a row in English"


def test_the_analysis_catalogs_have_the_same_keys_and_placeholders_in_every_language():
    assert check_catalogs(MESSAGES_DIR, available_languages()) == []


def test_clear_errors_for_a_wrong_column_rule_or_table():
    frame = pd.DataFrame({"a": [1]})
    with pytest.raises(MissingColumnError, match="no column 'b'"):
        quality_profile(frame, key="b")
    with pytest.raises(MissingColumnError, match="no column 'created'"):
        quality_profile(frame, valid={"a": NotBefore("created")})
    with pytest.raises(AnalysisError, match="not a validity rule") as info:
        quality_profile(frame, valid={"a": "positive"})
    assert "Range(low, high)" in info.value.hint
    with pytest.raises(AnalysisError, match="not list"):
        quality_profile([1, 2])


def test_the_bundled_requests_show_their_documented_quirks():
    requests = kit.load_dataset("service_requests")
    report = quality_profile(
        requests,
        key="unique_key",
        required=["latitude", "closed_date", "park_facility_name"],
        valid={"closed_date": NotBefore("created_date"), "latitude": Range(41.0, 42.5)},
        date_column="created_date",
        as_of="2026-01-05",
    )
    assert row(report, "completeness", "latitude")["failed"] == requests["latitude"].isna().sum()
    assert row(report, "completeness", "park_facility_name")["share"] == 0  # 'Unspecified' everywhere
    assert row(report, "duplicates", "<row>")["failed"] == 12  # the twelve rows exported twice
    assert row(report, "validity", "closed_date")["failed"] == 0


def test_a_card_checks_that_text_reads_as_its_declared_type():
    card = kit.describe_dataset("service_requests")
    text = kit.load_dataset("service_requests").head(50).astype("string")  # as a SODA page sends it
    text.loc[3, "latitude"] = "forty-one"
    text.loc[4, "created_date"] = "yesterday"
    report = quality_profile(text, card=card, required=["latitude"])
    assert row(report, "validity", "latitude")[["check", "failed", "detail"]].tolist() == [
        "is a number",
        1,
        "'forty-one'",
    ]
    assert row(report, "validity", "created_date")["failed"] == 1


def test_nested_soda_json_values_do_not_crash_it():
    location = {"latitude": "40.7", "longitude": "-73.9", "human_address": '{"address": "1 MAIN ST"}'}
    page = pd.DataFrame(
        {
            "unique_key": ["1", "2", "2"],
            "location": [location, dict(location), {}],
            "tags": [["a"], ["a"], []],
            "x": ["1", "2", "2"],
        }
    )
    report = quality_profile(page, key="unique_key", valid={"location": OneOf([location])})
    assert row(report, "completeness", "location")["failed"] == 1  # the empty dict
    assert row(report, "completeness", "tags")["failed"] == 1
    assert row(report, "duplicates", "<row>")["failed"] == 0
    assert row(report, "duplicates", "unique_key")["failed"] == 1
    assert row(report, "validity", "location")["passed"] == 2


def test_a_real_soda_json_page_profiles(tmp_path):
    pages = sorted(NYC_PAGE.rglob("*.json")) if NYC_PAGE.is_dir() else []
    records = None
    for path in pages:
        data = json.loads(path.read_text())
        if isinstance(data, list) and len(data) > 10 and isinstance(data[0], dict):
            records = data
            break
    if records is None:
        pytest.skip("no SODA JSON page in ../shared/realdata/socrata_wire")
    frame = pd.DataFrame(records)
    report = quality_profile(frame)
    assert len(report.summary) >= frame.shape[1] + 1
    assert report.to_markdown("es")


@pytest.mark.skipif(not CHICAGO.is_file(), reason="../shared/realdata is not here")
def test_a_real_chicago_export_shows_its_sentinels():
    complaints = pd.read_csv(CHICAGO, dtype=str, keep_default_na=False)  # as text, empty strings kept
    report = quality_profile(
        complaints,
        key="Service_Request_Number",
        required={
            "What_is_the_Nature_of_this_Code_Violation": [],
            "ZIP_Code": [0],
            "Ward": [0],
            "Community_Area": [0],
            "Latitude": [],
        },
        valid={
            "Status": OneOf(["Completed", "Open"]),
            "Community_Area": Range(1, 77),
            "Completion_Date": NotBefore("Creation_Date"),
        },
        date_column="Creation_Date",
        as_of="2015-01-01",
    )
    nature = row(report, "completeness", "What_is_the_Nature_of_this_Code_Violation")
    assert nature["failed"] >= 3753  # empty strings, not nulls
    assert "'0'" in row(report, "completeness", "ZIP_Code")["detail"]
    assert "'0'" in row(report, "completeness", "Ward")["detail"]
    assert "'0'" in row(report, "completeness", "Community_Area")["detail"]
    assert row(report, "completeness", "Community_Area")["failed"] >= 3
    assert row(report, "completeness", "Latitude")["failed"] == 24
    status = row(report, "validity", "Status")
    assert status["failed"] == 3509 + 124 and "'Completed - Dup'" in status["detail"]
    assert row(report, "duplicates", "Service_Request_Number")["failed"] > 0
    assert row(report, "validity", "Community_Area")["failed"] == 0  # the zeros are already missing
    assert "Completed - Dup" in report.to_markdown("en")
