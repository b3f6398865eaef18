"""The 311 analysis steps: exact numbers on tiny tables, the bundled city, and a real Chicago export."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from helpers import REPO
from shapely.geometry import box

import kit
from kit.analysis.errors import AnalysisError, JoinError, MissingColumnError
from kit.analysis.service_requests import (
    IN_AREA,
    NO_COORDINATES,
    OUTSIDE_AREAS,
    add_days_to_close,
    assign_areas,
    count_by_area,
    drop_repeated_rows,
    flag_duplicate_reports,
    median_days_to_close,
    monthly_counts,
    normalize_complaint_types,
    rate_per_1000,
)

CHICAGO = REPO.parent / "shared" / "realdata" / "chicago"


# --- tiny hand-made tables -----------------------------------------------------------------------


@pytest.fixture
def squares():
    """Two unit squares side by side: area "1" is x 0..1, area "10" is x 1..2 (y 0..1)."""
    return gpd.GeoDataFrame(
        {"area_numbe": ["1", "10"], "community": ["WEST", "EAST"]},
        geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1)],
        crs="EPSG:4326",
    )


@pytest.fixture
def points():
    return pd.DataFrame(
        {
            "unique_key": ["a", "b", "c", "d", "e", "f"],
            "latitude": [0.5, 0.5, 0.5, np.nan, 5.0, 0.2],
            "longitude": [0.5, 1.5, 1.0, 0.5, 5.0, None],
        },
        index=[10, 11, 12, 13, 14, 15],  # not 0..n: the result must keep it
    )


def test_normalize_complaint_types_trims_collapses_spaces_and_picks_one_case():
    requests = pd.DataFrame({"complaint_type": [" heat/hot water ", "HEAT/HOT  WATER", None, "Noise - Residential"]})
    clean = normalize_complaint_types(requests)
    assert clean["complaint_type"].tolist()[:2] == ["HEAT/HOT WATER", "HEAT/HOT WATER"]
    assert pd.isna(clean["complaint_type"].iloc[2])
    assert clean["complaint_type"].iloc[3] == "NOISE - RESIDENTIAL"
    assert normalize_complaint_types(requests, case="title")["complaint_type"].iloc[0] == "Heat/Hot Water"
    assert normalize_complaint_types(requests, case="lower")["complaint_type"].nunique() == 2
    assert requests["complaint_type"].iloc[0] == " heat/hot water "  # the input is untouched


def test_normalize_complaint_types_takes_a_city_s_own_column_and_rejects_an_unknown_case():
    chicago_style = pd.DataFrame({"sr_type": ["Pothole in Street Complaint", "pothole in street complaint"]})
    assert normalize_complaint_types(chicago_style, column="sr_type")["sr_type"].nunique() == 1
    with pytest.raises(AnalysisError, match="unknown case"):
        normalize_complaint_types(chicago_style, column="sr_type", case="camel")


def test_drop_repeated_rows_keeps_the_first_copy_and_the_index():
    requests = pd.DataFrame(
        {"unique_key": ["1", "2", "2", "3"], "status": ["Closed", "Open", "Open", "Open"]}, index=[5, 6, 7, 8]
    )
    once = drop_repeated_rows(requests)
    assert once.index.tolist() == [5, 6, 8]
    # same request id but a different value somewhere: not a repeated row
    changed = pd.DataFrame({"unique_key": ["1", "1"], "status": ["Open", "Closed"]})
    assert len(drop_repeated_rows(changed)) == 2


def test_drop_repeated_rows_on_a_soda_json_page_with_nested_values():
    # as NYC 311 answers /resource/erm2-nwe9.json: strings, null fields omitted, a nested location
    location = {"latitude": "40.7", "longitude": "-73.9", "human_address": '{"address": "", "city": ""}'}
    same_reordered = {"human_address": location["human_address"], "longitude": "-73.9", "latitude": "40.7"}
    elsewhere = {**location, "latitude": "40.8"}
    page = [
        {"unique_key": "1", "status": "Closed", "location": location},
        {"unique_key": "2", "status": "Open"},
        {"unique_key": "1", "status": "Closed", "location": same_reordered},  # the same record again
        {"unique_key": "1", "status": "Closed", "location": elsewhere},  # a different value inside
        {"unique_key": "2", "status": "Open"},
        {"unique_key": "3", "status": "Open", "tags": ["a", "b"]},
        {"unique_key": "3", "status": "Open", "tags": ["a", "b"]},
    ]
    requests = pd.DataFrame(page)
    once = drop_repeated_rows(requests)
    assert once.index.tolist() == [0, 1, 3, 5]
    assert once.loc[0, "location"] is location  # values come back as they were, not as JSON text


def test_drop_repeated_rows_on_a_real_soda_page():
    page_file = REPO.parent / "shared" / "realdata" / "socrata_wire" / "koop-socrata_seattle_2015" / "schools-page.json"
    if not page_file.is_file():
        pytest.skip("the real Socrata wire files are not on this machine")
    rows = json.loads(page_file.read_text())
    doubled = pd.DataFrame(rows + rows[:3])
    assert isinstance(doubled.loc[0, "shape"], dict)
    once = drop_repeated_rows(doubled)
    assert once.index.tolist() == list(range(len(rows)))  # every school once (objectid is unique)


def test_flag_duplicate_reports_nyc_and_chicago_style():
    nyc = pd.DataFrame(
        {
            "resolution_description": [
                "This complaint is a DUPLICATE of an earlier report.",
                "The Department fixed it.",
                None,
            ]
        }
    )
    assert flag_duplicate_reports(nyc)["is_duplicate"].tolist() == [True, False, False]
    chicago = pd.DataFrame({"Status": ["Completed - Dup", "Open - Dup", "Completed", "Open", ""]})
    flagged = flag_duplicate_reports(chicago, column="Status", pattern="dup", flag="dup")
    assert flagged["dup"].tolist() == [True, True, False, False, False]
    assert flagged["dup"].dtype == bool


def test_assign_areas_places_every_request_and_labels_the_ones_it_cannot(squares, points):
    located = assign_areas(points, squares)
    assert located.index.tolist() == points.index.tolist()
    assert located["unique_key"].tolist() == points["unique_key"].tolist()
    assert located["area_numbe"].tolist()[:3] == ["1", "10", "1"]  # c sits on the border: first area wins
    assert located["area_numbe"].iloc[3:].isna().all()
    assert located["community"].tolist()[:3] == ["WEST", "EAST", "WEST"]
    assert located["location_status"].tolist() == [
        IN_AREA,
        IN_AREA,
        IN_AREA,
        NO_COORDINATES,
        OUTSIDE_AREAS,
        NO_COORDINATES,
    ]
    assert "area_numbe" not in points.columns


def test_assign_areas_reads_text_coordinates_and_a_city_s_own_column_names(squares):
    export = pd.DataFrame({"Latitude": ["0.5", "", "0.5"], "Longitude": ["0.5", "", "1.5"]})
    located = assign_areas(export, squares, latitude="Latitude", longitude="Longitude", area_name=None, status="where")
    assert located["area_numbe"].tolist()[::2] == ["1", "10"]
    assert located["where"].tolist() == [IN_AREA, NO_COORDINATES, IN_AREA]
    assert "community" not in located.columns


def test_assign_areas_accepts_projected_polygons_and_number_ids(squares, points):
    projected = squares.to_crs("EPSG:3857")
    assert assign_areas(points, projected)["area_numbe"].tolist()[:2] == ["1", "10"]
    numbered = squares.assign(area_numbe=[1, 10])
    ids = assign_areas(points, numbered)["area_numbe"]
    assert str(ids.dtype) == "Int64" and ids.tolist()[:3] == [1, 10, 1] and ids.isna().sum() == 3


def test_assign_areas_errors_name_the_problem(squares, points):
    with pytest.raises(MissingColumnError, match="no column 'latitude'") as info:
        assign_areas(points.rename(columns={"latitude": "lat"}), squares)
    assert info.value.column == "latitude" and "lat" in info.value.available
    assert "latitude='<your column>'" in str(info.value)
    with pytest.raises(MissingColumnError, match="areas table has no column 'area_numbe'"):
        assign_areas(points, squares.rename(columns={"area_numbe": "id"}))
    with pytest.raises(AnalysisError, match="GeoDataFrame"):
        assign_areas(points, pd.DataFrame(squares.drop(columns="geometry")))
    with pytest.raises(AnalysisError, match="already has a column 'community'"):
        assign_areas(points.assign(community="x"), squares)
    swapped = points.assign(latitude=points["longitude"] + 40, longitude=points["latitude"])
    with pytest.raises(AnalysisError, match="swapped"):
        assign_areas(swapped, squares)


def test_count_by_area_lists_every_area_in_number_order_with_zeros(squares):
    located = pd.DataFrame({"area_numbe": ["10", "10", "1", None], "community": ["EAST", "EAST", "WEST", None]})
    counts = count_by_area(located, squares)
    assert counts.to_dict("list") == {"area_numbe": ["1", "10"], "community": ["WEST", "EAST"], "requests": [1, 2]}
    only_east = count_by_area(located[located["area_numbe"] == "10"], squares)
    assert only_east["requests"].tolist() == [0, 2]
    without_areas = count_by_area(located)
    assert without_areas.to_dict("list") == {
        "area_numbe": ["1", "10"],
        "community": ["WEST", "EAST"],
        "requests": [1, 2],
    }


def test_count_by_area_on_an_export_s_own_area_column_and_unknown_areas():
    export = pd.DataFrame({"Community_Area": ["2", "", "10", "2", "0", None]})
    counts = count_by_area(export, area_id="Community_Area", area_name=None)
    assert counts.to_dict("list") == {"Community_Area": ["0", "2", "10"], "requests": [1, 2, 1]}
    areas = pd.DataFrame({"Community_Area": ["2", "10"]})
    with pytest.raises(JoinError, match="1 requests are in areas the area table does not have: '0'") as info:
        count_by_area(export, areas, area_id="Community_Area", area_name=None)
    assert info.value.keys == ["0"]


def test_rate_per_1000_casts_text_and_number_keys_and_computes_exact_rates():
    counts = pd.DataFrame({"area_numbe": ["1", "2", "10"], "requests": [5, 30, 0]})
    population = pd.DataFrame({"community_area": [1, 10, 2], "population": pd.array([2000, 500, 12000], "Int64")})
    rates = rate_per_1000(counts, population)
    assert rates["area_numbe"].tolist() == ["1", "2", "10"]
    assert rates["population"].tolist() == [2000, 12000, 500]
    assert rates["per_1000"].tolist() == [2.5, 2.5, 0.0]
    padded = pd.DataFrame({"GEOID": ["001", "002", "010"], "residents": [2000, 12000, 500]})
    again = rate_per_1000(counts, padded, population_area="GEOID", population_column="residents", rate="rate")
    assert again["rate"].tolist() == [2.5, 2.5, 0.0]


def test_rate_per_1000_refuses_a_join_that_does_not_fit():
    counts = pd.DataFrame({"area_numbe": ["1", "2"], "requests": [5, 3]})
    two_years = pd.DataFrame({"community_area": ["1", "1", "2"], "population": [10, 11, 12]})
    with pytest.raises(JoinError, match="more than one row for area '1'"):
        rate_per_1000(counts, two_years)
    missing = pd.DataFrame({"community_area": ["1"], "population": [1000]})
    with pytest.raises(JoinError, match="no population for area '2'") as info:
        rate_per_1000(counts, missing)
    assert info.value.keys == ["2"]
    with pytest.raises(MissingColumnError, match="population table has no column 'population'"):
        rate_per_1000(counts, missing.rename(columns={"population": "pop"}))


@pytest.fixture
def timed():
    """Area A: closed after 1, 3 and 10 days, one still open. Area B: 2 days, and one closed before it opened."""
    return pd.DataFrame(
        {
            "area_numbe": ["A", "A", "A", "A", "B", "B", None],
            "created_date": pd.to_datetime(
                ["2024-01-01", "2024-01-01", "2024-01-01", "2024-01-01", "2024-02-01", "2024-02-05", "2024-02-01"]
            ),
            "closed_date": pd.to_datetime(
                ["2024-01-02", "2024-01-04", "2024-01-11", None, "2024-02-03", "2024-02-04", "2024-02-02"]
            ),
        }
    )


def test_add_days_to_close_counts_fractions_of_a_day_and_leaves_open_requests_missing():
    requests = pd.DataFrame(
        {
            "created_date": ["2024-01-01T00:00:00.000", "2024-01-01T06:00:00.000"],
            "closed_date": ["2024-01-03T12:00:00.000", ""],
        }
    )
    days = add_days_to_close(requests)["days_to_close"]
    assert days.iloc[0] == 2.5 and np.isnan(days.iloc[1])
    # NYC's CSV download writes US-style dates with AM/PM: read month first once a day > 12 says so
    nyc_csv = pd.DataFrame(
        {
            "Created Date": ["01/05/2024 01:22:10 PM", "01/13/2024 01:00:00 AM"],
            "Closed Date": ["01/06/2024 01:22:10 AM", "01/14/2024 01:00:00 AM"],
        }
    )
    days = add_days_to_close(nyc_csv, created="Created Date", closed="Closed Date")["days_to_close"]
    assert days.tolist() == [0.5, 1.0]
    # ... and refused when every date reads both ways, unless the order is given
    with pytest.raises(AnalysisError, match="read two ways.*'01/05/2024 01:22:10 PM'") as info:
        add_days_to_close(nyc_csv.head(1), created="Created Date", closed="Closed Date")
    assert "dayfirst" in info.value.hint and "date_format" in info.value.hint
    once = add_days_to_close(nyc_csv.head(1), created="Created Date", closed="Closed Date", dayfirst=False)
    assert once["days_to_close"].tolist() == [0.5]


def test_median_days_to_close_leaves_out_and_counts_open_requests_and_bad_dates(timed):
    speed = median_days_to_close(timed, by="area_numbe")
    assert speed.to_dict("list") == {
        "area_numbe": ["A", "B"],
        "median_days": [3.0, 2.0],
        "closed_requests": [3, 1],
        "open_requests": [1, 0],
        "bad_dates": [0, 1],
        "zero_day_closures": [0, 0],
        "zero_day_share": [0.0, 0.0],
    }
    citywide = median_days_to_close(timed, by=None)
    assert citywide.to_dict("list") == {
        "median_days": [2.0],
        "closed_requests": [5],
        "open_requests": [1],
        "bad_dates": [1],
        "zero_day_closures": [0],
        "zero_day_share": [0.0],
    }
    with pytest.raises(MissingColumnError, match="no column 'community'"):
        median_days_to_close(timed)  # the default groups by area id and name


def test_median_days_to_close_with_a_city_s_own_date_columns(timed):
    export = timed.rename(columns={"created_date": "Creation_Date", "closed_date": "Completion_Date"})
    export = export.astype({"Creation_Date": str, "Completion_Date": str})  # as text, like a CSV
    speed = median_days_to_close(export, by="area_numbe", created="Creation_Date", closed="Completion_Date")
    assert speed["median_days"].tolist() == [3.0, 2.0]
    with pytest.raises(AnalysisError, match="'Creation_Date'.*not dates.*'last tuesday'"):
        median_days_to_close(
            export.assign(Creation_Date="last tuesday"),
            by="area_numbe",
            created="Creation_Date",
            closed="Completion_Date",
        )


def test_monthly_counts_fills_empty_months_and_splits_by_a_column():
    requests = pd.DataFrame(
        {
            "created_date": pd.to_datetime(["2024-01-05 08:00", "2024-01-20 00:00", "2024-03-03 23:59"]),
            "complaint_type": ["RODENT", "NOISE", "RODENT"],
        }
    )
    monthly = monthly_counts(requests)
    assert monthly.index.strftime("%Y-%m").tolist() == ["2024-01", "2024-02", "2024-03"]
    assert monthly["requests"].tolist() == [2, 0, 1]
    by_type = monthly_counts(requests, by="complaint_type")
    assert by_type.loc["2024-01-01"].to_dict() == {"NOISE": 1, "RODENT": 1}
    assert by_type["RODENT"].tolist() == [1, 0, 1]
    with pytest.raises(MissingColumnError, match="no column 'Creation_Date'"):
        monthly_counts(requests, date="Creation_Date")


def test_every_analysis_error_is_a_kit_error():
    assert issubclass(MissingColumnError, kit.KitError) and issubclass(JoinError, kit.KitError)


# --- the bundled city ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def riverton():
    requests = kit.load_dataset("service_requests")
    neighborhoods = kit.load_dataset("neighborhoods")
    clean = flag_duplicate_reports(drop_repeated_rows(normalize_complaint_types(requests)))
    located = assign_areas(clean[~clean["is_duplicate"]], neighborhoods)
    return requests, neighborhoods, located


def test_bundled_data_has_the_mess_its_card_documents(riverton):
    requests, _, _ = riverton
    assert normalize_complaint_types(requests)["complaint_type"].nunique() == 12
    assert len(requests) - len(drop_repeated_rows(requests)) == 12
    assert 0.02 < flag_duplicate_reports(requests)["is_duplicate"].mean() < 0.04
    assert assign_areas(requests, kit.load_dataset("neighborhoods"))["location_status"].value_counts().to_dict() == {
        IN_AREA: 4415,
        NO_COORDINATES: 280,
    }


def test_the_spatial_join_agrees_with_the_neighborhood_number_in_community_board(riverton):
    _, _, located = riverton
    inside = located[located["location_status"] == IN_AREA]
    assert (inside["area_numbe"] == inside["community_board"].str[:2].astype(int).astype(str)).all()


def test_rates_and_response_times_differ_by_neighborhood(riverton):
    _, neighborhoods, located = riverton
    rates = rate_per_1000(count_by_area(located, neighborhoods), kit.load_dataset("neighborhood_population"))
    assert len(rates) == 12 and rates["requests"].sum() == (located["location_status"] == IN_AREA).sum()
    assert rates.loc[rates["per_1000"].idxmax(), "community"] == "DOWNTOWN"
    speed = median_days_to_close(located)
    assert speed.loc[speed["median_days"].idxmax(), "community"] == "HARBOR FLATS"
    assert speed.loc[speed["median_days"].idxmin(), "community"] == "CEDAR HEIGHTS"
    assert speed["median_days"].max() > 2 * speed["median_days"].min()
    assert speed["open_requests"].sum() == located.loc[located["area_numbe"].notna(), "closed_date"].isna().sum()


def test_monthly_counts_cover_two_years_and_every_request(riverton):
    _, _, located = riverton
    monthly = monthly_counts(located)
    assert len(monthly) == 24 and monthly["requests"].sum() == len(located)


# --- a real export: Chicago's 311 sanitation code complaints (me59-5fac) ------------------------------


@pytest.fixture(scope="module")
def chicago():
    """The real export read as text (as a portal's CSV download arrives), and the real community areas."""
    requests_file = CHICAGO / "chicago_311_sanitation_code_complaints_me59-5fac.csv"
    areas_file = CHICAGO / "community_areas_cauq-8yn6_socrata_export.geojson"
    if not (requests_file.is_file() and areas_file.is_file()):
        pytest.skip(f"real Chicago exports not found in {CHICAGO}")
    raw = pd.read_csv(requests_file, dtype=str, keep_default_na=False)
    areas = gpd.read_file(areas_file)
    return raw, areas


# The whole adaptation a city makes: its own column names, passed as keywords.
CHICAGO_COLUMNS = {"latitude": "Latitude", "longitude": "Longitude"}
CHICAGO_DATES = {"created": "Creation_Date", "closed": "Completion_Date"}


@pytest.fixture(scope="module")
def chicago_located(chicago):
    raw, areas = chicago
    once = drop_repeated_rows(raw)
    flagged = flag_duplicate_reports(once, column="Status", pattern="dup")
    originals = flagged[~flagged["is_duplicate"]]
    return raw, areas, once, flagged, assign_areas(originals, areas, **CHICAGO_COLUMNS)


def test_chicago_repeated_rows_and_duplicates_flagged_in_status_are_removed(chicago_located):
    raw, _, once, flagged, located = chicago_located
    assert len(raw) - len(once) == 3
    assert flagged["is_duplicate"].sum() == (once["Status"].str.endswith("- Dup")).sum() == 3633
    assert not located["Status"].str.contains("Dup").any()
    assert set(located["Status"]) == {"Completed", "Open"}


def test_chicago_requests_without_coordinates_are_counted_not_lost(chicago_located):
    _, _, _, _, located = chicago_located
    status = located["location_status"].value_counts()
    assert status.sum() == len(located)
    assert status[NO_COORDINATES] == (located["Latitude"] == "").sum() == 24
    assert status[IN_AREA] / len(located) > 0.99


def test_chicago_spatial_join_agrees_with_the_export_s_own_community_area(chicago_located):
    _, areas, _, _, located = chicago_located
    inside = located[located["location_status"] == IN_AREA]
    # the export's Community_Area is text, '0' is a code for "unknown", and the boundary key is text too
    same = inside["area_numbe"] == inside["Community_Area"].str.strip()
    assert same.mean() > 0.97
    ours = count_by_area(located, areas)
    assert len(ours) == 77 and ours["community"].iloc[0] == "ROGERS PARK"
    theirs = count_by_area(located, area_id="Community_Area", area_name=None)
    assert "0" in set(theirs["Community_Area"])  # the zero code shows up as an "area" of its own
    with pytest.raises(JoinError, match="'0'"):
        count_by_area(located.drop(columns="area_numbe").rename(columns={"Community_Area": "area_numbe"}), areas)
    both = ours.merge(theirs, left_on="area_numbe", right_on="Community_Area")
    assert len(both) == 77
    off = (both["requests_x"] - both["requests_y"]).abs()
    assert off.sum() / both["requests_y"].sum() < 0.02  # points near a border land on the other side
    assert (off / both["requests_y"]).max() < 0.15


def test_chicago_median_days_to_close_and_monthly_counts(chicago_located):
    _, _, _, _, located = chicago_located
    speed = median_days_to_close(located, **CHICAGO_DATES)
    assert len(speed) == 77 and speed["area_numbe"].tolist()[:3] == ["1", "2", "3"]
    assert (speed["median_days"] >= 0).all() and speed["bad_dates"].sum() == 0
    in_area = located[located["location_status"] == IN_AREA]
    assert (
        speed["open_requests"].sum() == (in_area["Status"] == "Open").sum() == (in_area["Completion_Date"] == "").sum()
    )
    assert speed["closed_requests"].sum() == (in_area["Status"] == "Completed").sum()
    # the citywide median agrees with a direct computation in plain pandas
    closed = located[located["Completion_Date"] != ""]
    direct = (pd.to_datetime(closed["Completion_Date"]) - pd.to_datetime(closed["Creation_Date"])).dt.days.median()
    assert median_days_to_close(located, by=None, **CHICAGO_DATES)["median_days"].iloc[0] == direct
    monthly = monthly_counts(located, date="Creation_Date")
    assert monthly["requests"].sum() == len(located)
    assert (
        monthly.loc["2013-01-01":"2013-12-01", "requests"].sum()
        == located["Creation_Date"].str.startswith("2013").sum()
    )
