"""Module 2's data: precincts, 2025 results, ward 2's voter file and vote history, the calendar."""

from __future__ import annotations

import json
import random

import pandas as pd
import pytest
from shapely.geometry import shape

import kit
from kit.data.synth import SEED
from kit.data.synth.city import build_city
from kit.data.synth.election_calendar import calendar_rows
from kit.data.synth.election_results import HEADER, MAYOR, MAYOR_WRITE_IN, plan_turnout, result_rows
from kit.data.synth.names import FIRST_NAMES, LAST_NAMES
from kit.data.synth.precincts import build_precincts, precinct_features
from kit.data.synth.voter_file import voter_tables
from kit.data.synth.writers import csv_text, geojson_text
from kit.paths import datasets_dir

ELECTION_DATES = ["2020-11-03", "2022-11-08", "2023-02-28", "2024-11-05", "2025-02-25"]


def _election_files(seed: int) -> dict[str, str]:
    """The module-2 files made from ``seed`` as ``generate`` makes them."""
    city = build_city(seed)
    rng = random.Random(seed + 3)
    precincts = build_precincts(city, rng)
    plans = plan_turnout(precincts, rng)
    files = {
        "precincts": geojson_text(precinct_features(precincts)),
        "results": csv_text(HEADER, result_rows(plans, rng)),
    }
    for name, (header, rows) in voter_tables(plans, seed + 4).items():
        files[name] = csv_text(header, rows)
    return files


@pytest.fixture(scope="module")
def precincts():
    return kit.load_dataset("precincts")


@pytest.fixture(scope="module")
def results():
    return kit.load_dataset("precinct_results_2025")


@pytest.fixture(scope="module")
def voters():
    return kit.load_dataset("voter_file")


@pytest.fixture(scope="module")
def history():
    return kit.load_dataset("vote_history")


def test_same_seed_same_bytes_other_seed_other_data():
    first, again = _election_files(7), _election_files(7)
    assert first == again
    other = _election_files(8)
    assert all(first[name] != other[name] for name in first)


def test_the_bundled_files_are_the_generators_output_for_the_kit_seed():
    files = _election_files(SEED)
    assert (datasets_dir() / "precincts.geojson").read_text() == files["precincts"]
    assert (datasets_dir() / "precinct_results_2025.csv").read_text() == files["results"]
    assert (datasets_dir() / "voter_file.csv").read_text() == files["voter_file"]


def test_precincts_tile_each_neighborhood_exactly(precincts):
    hoods = kit.load_dataset("neighborhoods").to_crs(3857)
    projected = precincts.to_crs(3857)
    assert len(projected) == 48 and projected.is_valid.all()
    for _, hood in hoods.iterrows():
        parts = projected[projected["community_area"] == hood["area_numbe"]]
        assert len(parts) == 4
        union = parts.union_all()
        area = hood.geometry.area
        assert union.symmetric_difference(hood.geometry).area / area < 1e-9  # same shape
        assert abs(parts.area.sum() - union.area) / area < 1e-9  # no overlaps
    city = projected.union_all()
    assert abs(projected.area.sum() - city.area) / city.area < 1e-9  # no overlaps across neighborhoods
    assert city.geom_type == "Polygon" and len(city.interiors) == 0  # no gaps


def test_precinct_properties_keep_chicagos_types():
    features = json.loads((datasets_dir() / "precincts.geojson").read_text())["features"]
    keys = [(f["properties"]["ward"], f["properties"]["precinct"]) for f in features]
    assert keys == [(w, p) for w in range(1, 7) for p in range(1, 9)]
    for f in features:
        props = f["properties"]
        assert isinstance(props["ward"], int) and isinstance(props["precinct"], int)
        assert props["ward_prec"] == f"{props['ward']:02d}{props['precinct']:03d}"
        assert isinstance(props["community_area"], str) and isinstance(props["voting_age_population"], int)
        # as in the real export, length and area are measured in degrees on lon/lat
        geometry = shape(f["geometry"])
        assert geometry.geom_type == "Polygon"
        assert props["shape_area"] == pytest.approx(geometry.area, rel=1e-9)
        assert props["shape_leng"] == pytest.approx(geometry.length, rel=1e-9)


def test_wards_pair_neighborhoods_and_voting_age_population_fits_the_census(precincts):
    population = kit.load_dataset("neighborhood_population").set_index("community_area")["population"]
    by_hood = precincts.groupby("community_area").agg(ward=("ward", "unique"), vap=("voting_age_population", "sum"))
    for area, row in by_hood.iterrows():
        assert list(row["ward"]) == [(int(area) + 1) // 2]
        assert 0.76 <= row["vap"] / population[area] <= 0.80


def test_results_are_wide_like_the_chicago_board_of_elections(results):
    raw_header = (datasets_dir() / "precinct_results_2025.csv").read_text().splitlines()[0]
    assert raw_header.startswith("WARD,PRECINCT,REGISTERED VOTERS,BALLOTS CAST,")
    assert '"MARIA ""MAYA"" SOTO"' in raw_header  # embedded quotes, escaped as in the real export
    assert list(results.columns[4:9]) == [*MAYOR, MAYOR_WRITE_IN] and MAYOR_WRITE_IN.endswith("(WRITE-IN)")
    council = results.columns[9:]
    wards_of = {c: set(results.loc[results[c].notna(), "WARD"]) for c in council}
    assert all(len(w) == 1 for w in wards_of.values())  # empty outside the candidate's ward
    per_ward = pd.Series([w.pop() for w in wards_of.values()]).value_counts()
    assert sorted(per_ward.index) == list(range(1, 7)) and per_ward.between(2, 3).all()
    # undervotes: no race gets more votes than there were ballots
    ballots = results["BALLOTS CAST"]
    assert (results[list(results.columns[4:9])].sum(axis=1) <= ballots).all()
    assert (results[list(council)].sum(axis=1) < ballots).all()
    assert (ballots <= results["REGISTERED VOTERS"]).all()


def test_turnout_varies_and_is_lowest_where_311_is_slowest(results, precincts):
    frame = results.merge(
        precincts.drop(columns="geometry"), left_on=["WARD", "PRECINCT"], right_on=["ward", "precinct"]
    )
    turnout = frame["BALLOTS CAST"] / frame["REGISTERED VOTERS"]
    assert turnout.min() < 0.18 and turnout.max() > 0.50
    assert turnout.between(0.14, 0.56).all()
    registration = frame["REGISTERED VOTERS"] / frame["voting_age_population"]
    assert registration.between(0.55, 0.90).all()
    factor = frame["community_area"].map({str(n.number): n.response_factor for n in build_city(SEED).neighborhoods})
    assert turnout.corr(factor) < -0.8
    assert registration.corr(factor) < -0.6


def test_voter_file_agrees_with_the_published_results(voters, history, results):
    ward2 = results[results["WARD"] == 2].set_index("PRECINCT")
    active = voters[voters["status_cd"] == "A"].groupby("precinct").size()
    assert active.to_dict() == ward2["REGISTERED VOTERS"].to_dict()
    voted = history.loc[history["election_date"] == "2025-02-25", "voter_id"]
    assert voted.is_unique
    who = voters.set_index("voter_id").loc[voted]
    assert (who["status_cd"] == "A").all()
    assert who.groupby("precinct").size().to_dict() == ward2["BALLOTS CAST"].to_dict()


def test_turnout_score_predicts_who_votes(voters, history):
    active = voters[voters["status_cd"] == "A"].set_index("voter_id")
    votes = history.groupby("voter_id").size().reindex(active.index, fill_value=0)
    voted_2025 = active.index.isin(history.loc[history["election_date"] == "2025-02-25", "voter_id"])
    quintile = pd.qcut(active["turnout_score"], 5, labels=False, duplicates="drop")
    mean_votes = votes.groupby(quintile).mean()
    assert mean_votes.is_monotonic_increasing
    rate_2025 = pd.Series(voted_2025, index=active.index).groupby(quintile).mean()
    assert rate_2025.is_monotonic_increasing and rate_2025.iloc[-1] > 4 * rate_2025.iloc[0]


def test_voter_file_is_ward_2_invented_people_with_the_documented_mess(voters):
    assert voters["voter_id"].is_unique and voters["voter_id"].str.fullmatch(r"RV\d{6}").all()
    assert set(voters["ward"]) == {2} and set(voters["precinct"]) == set(range(1, 9))
    assert (voters["ward_prec"] == "02" + voters["precinct"].astype(str).str.zfill(3)).all()
    assert voters["first_name"].isin([n.upper() for n in FIRST_NAMES]).all()
    assert voters["last_name"].isin([n.upper() for n in LAST_NAMES]).all()
    assert set(voters["gender_code"]) == {"M", "F", "U"}
    assert set(voters["race_code"]) == set("ABIMOPWU")
    assert set(voters["ethnic_code"]) == {"HL", "NL", "UN"}
    assert set(voters["party_cd"]) == {"DEM", "REP", "LIB", "UNA", "GRE"}
    assert voters["support_score"].between(0, 100).all() and voters["turnout_score"].between(0, 100).all()
    assert voters["zip_code"].eq("61752").all()
    # the mess the card documents
    status = voters["status_cd"].value_counts()
    assert set(status.index) == {"A", "I", "R"} and status["I"] > 500 and status["R"] > 300
    assert (voters["birth_year"] == 1900).sum() == 9
    assert voters.loc[voters["birth_year"] != 1900, "birth_year"].between(1930, 2006).all()
    assert set(voters["res_city_desc"]) == {"RIVERTON", "Riverton", "riverton"}
    assert voters["res_street_address"].duplicated().any()  # households share an address
    assert (voters["registr_dt"] <= "2025-02-25").all()


def test_vote_history_is_consistent_with_the_voter_file(voters, history):
    assert sorted(history["election_date"].dt.strftime("%Y-%m-%d").unique()) == ELECTION_DATES
    assert set(history["voting_method"]) == {"IN-PERSON", "EARLY", "MAIL"}
    assert not history.duplicated(["voter_id", "election_date"]).any()
    assert (history["election_desc"].str[:10] == history["election_date"].dt.strftime("%m/%d/%Y")).all()
    merged = history.merge(voters, on="voter_id", how="left", validate="many_to_one")
    assert merged["status_cd"].notna().all()
    assert (merged["registr_dt"] <= merged["election_date"]).all()
    lapsed = merged[merged["status_cd"] != "A"]
    assert len(lapsed) > 0 and (lapsed["election_date"] < "2024-01-01").all()
    mail_share = merged.groupby(merged["election_date"].dt.year)["voting_method"].apply(lambda m: (m == "MAIL").mean())
    assert mail_share.idxmax() == 2020


def test_voter_file_and_history_stay_small():
    size = sum((datasets_dir() / name).stat().st_size for name in ("voter_file.csv", "vote_history.csv"))
    assert size < 4_000_000


def test_election_calendar_is_in_order_and_leads_to_election_day():
    calendar = kit.load_dataset("election_calendar")
    assert len(calendar) == len(calendar_rows())
    assert calendar["date"].is_monotonic_increasing
    day = dict(zip(calendar["event"], calendar["date"]))
    election = pd.Timestamp("2026-11-03")
    assert day["Election day"] == election
    assert day["Mail ballot applications open"] < day["Mail ballot application deadline"] < election
    assert day["Early voting begins"] < day["Early voting ends"] < election
    assert day["Regular voter registration deadline"] < day["Online voter registration deadline"] < election
    assert election < day["Canvass complete"] <= day["State certification"]
    assert calendar["source"].str.len().gt(0).all()


@pytest.mark.parametrize(
    "name", ["precincts", "precinct_results_2025", "voter_file", "vote_history", "election_calendar"]
)
def test_loads_with_the_types_its_card_declares(name):
    frame = kit.load_dataset(name)
    for column in kit.describe_dataset(name).columns:
        series = frame[column.name]
        check = {
            "date": pd.api.types.is_datetime64_any_dtype,
            "datetime": pd.api.types.is_datetime64_any_dtype,
            "text": pd.api.types.is_string_dtype,
            "integer": pd.api.types.is_integer_dtype,
            "number": pd.api.types.is_float_dtype,
        }[column.type]
        assert check(series), f"{name}.{column.name} is {series.dtype}, the card says {column.type}"
    if name == "voter_file":
        assert frame["zip_code"].map(type).eq(str).all() and frame["ward_prec"].str.startswith("02").all()
