"""The election steps: exact numbers on tiny tables, the bundled city, and a real Chicago export."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from helpers import REPO

import kit
from kit.analysis.elections import (
    CITYWIDE,
    UnknownCandidateError,
    add_days_until,
    add_ward_prec,
    gotv_universe,
    persuasion_universe,
    precinct_winners,
    race_columns,
    registration_by_precinct,
    tidy_results,
    turnout_by_precinct,
    turnout_from_history,
)
from kit.analysis.errors import AnalysisError, JoinError, MissingColumnError
from kit.errors import KitError

CHICAGO = REPO.parent / "shared" / "realdata" / "chicago"


# --- tiny hand-made tables -----------------------------------------------------------------------


@pytest.fixture
def wide():
    """Two wards, three precincts: a citywide race (A, B) and one council race per ward."""
    return pd.DataFrame(
        {
            "WARD": [1, 1, 10],
            "PRECINCT": [1, 12, 3],
            "REGISTERED VOTERS": [100, 200, 0],
            "BALLOTS CAST": [40, 50, 0],
            "ANN A": [10, 30, 0],
            'BO "BOBBY" B': [25, 15, 0],
            "CY C (WRITE-IN)": [0, 1, 0],
            "DEE D": [20, 30, None],  # ward 1 council
            "EVE E": [15, 12, None],  # ward 1 council
            "FAY F": [None, None, 0],  # ward 10 council: on the ballot, no votes
        },
        index=[7, 8, 9],
    )


@pytest.fixture
def voters():
    return pd.DataFrame(
        {
            "voter_id": ["v1", "v2", "v3", "v4", "v5", "v6"],
            "ward_prec": ["02001", "02001", "02001", "02002", "02002", "02002"],
            "status_cd": ["A", "A", "I", "A", "R", "A"],
            "registr_dt": pd.to_datetime(
                ["2010-01-01", "2020-01-01", "2010-01-01", "2024-06-01", "2010-01-01", "2019-06-30"]
            ),
            "res_street_address": ["1 MAIN ST", "1 MAIN ST", "2 OAK ST", "3 ELM ST", "4 PINE ST", "5 ASH ST"],
            "support_score": [40, 60, 80, 70, 75, 100],
            "turnout_score": [50, 90, 50, 30, 50, 70],
        }
    )


@pytest.fixture
def history():
    return pd.DataFrame(
        {
            "voter_id": ["v1", "v1", "v2", "v3", "v4", "v6", "v6", "ghost"],
            "election_date": [
                "2020-11-03",
                "2024-11-05",
                "2020-11-03",
                "2020-11-03",
                "2024-11-05",
                "2024-11-05",
                "2024-11-05",
                "2020-11-03",
            ],
        }
    )


def test_add_ward_prec_pads_ward_and_precinct_from_numbers_floats_or_text():
    table = pd.DataFrame({"WARD": [2, 10.0, " 3"], "PRECINCT": ["5", 12, 101.0]}, dtype=object)
    keyed = add_ward_prec(table)
    assert keyed.columns.tolist() == ["ward_prec", "WARD", "PRECINCT"]
    assert keyed["ward_prec"].tolist() == ["02005", "10012", "03101"]
    assert "ward_prec" not in table.columns  # the input is untouched
    assert add_ward_prec(pd.DataFrame({"w": [1], "p": [2]}), ward="w", precinct="p", column="key")["key"][0] == "01002"


def test_add_ward_prec_rejects_a_precinct_that_is_not_a_whole_number():
    with pytest.raises(AnalysisError, match="'PRECINCT'.*whole numbers.*'5a'"):
        add_ward_prec(pd.DataFrame({"WARD": [1], "PRECINCT": ["5a"]}))
    with pytest.raises(AnalysisError, match="whole numbers"):
        add_ward_prec(pd.DataFrame({"WARD": [1, None], "PRECINCT": [1, 2]}))


def test_turnout_by_precinct_divides_ballots_by_registered(wide):
    turnout = turnout_by_precinct(wide)
    assert turnout.columns.tolist() == ["ward_prec", "ward", "precinct", "registered", "ballots_cast", "turnout"]
    assert turnout["ward_prec"].tolist() == ["01001", "01012", "10003"]
    assert turnout["turnout"].iloc[:2].tolist() == [0.4, 0.25]
    assert np.isnan(turnout["turnout"].iloc[2])  # nobody registered: no rate, not a division error
    assert turnout.index.tolist() == [0, 1, 2]


def test_turnout_by_precinct_takes_a_city_s_own_column_names_and_text_counts():
    table = pd.DataFrame({"Ward": ["1"], "Precinct": ["2"], "Registered": ["1,200"], "Ballots": ["300"]})
    turnout = turnout_by_precinct(table, ward="Ward", precinct="Precinct", registered="Registered", ballots="Ballots")
    assert turnout.loc[0, ["registered", "ballots_cast", "turnout"]].tolist() == [1200, 300, 0.25]


def test_a_missing_column_is_named_with_the_keyword_to_pass(wide):
    with pytest.raises(MissingColumnError, match="no column 'BALLOTS CAST'.*pass ballots=") as caught:
        turnout_by_precinct(wide.drop(columns="BALLOTS CAST"))
    assert isinstance(caught.value, KitError) and caught.value.column == "BALLOTS CAST"


def test_registration_by_precinct_joins_on_the_text_key_even_without_its_leading_zero(wide):
    precincts = pd.DataFrame(
        {"ward_prec": ["01001", "01012", "10003", "01099"], "voting_age_population": [200, 250, 10, 5]}
    )
    rates = registration_by_precinct(wide, precincts)
    assert rates["registration_rate"].tolist() == [0.5, 0.8, 0.0]
    assert rates["turnout"].iloc[0] == 0.4
    # the same key after a spreadsheet turned it into a number
    as_numbers = precincts.assign(ward_prec=[1001, 1012, 10003, 1099])
    assert registration_by_precinct(wide, as_numbers)["registration_rate"].tolist() == [0.5, 0.8, 0.0]


def test_registration_by_precinct_refuses_missing_or_repeated_precincts(wide):
    precincts = pd.DataFrame({"ward_prec": ["01001", "01012"], "voting_age_population": [200, 250]})
    with pytest.raises(JoinError, match="1 precinct.*not in the precincts table.*10003") as caught:
        registration_by_precinct(wide, precincts)
    assert caught.value.keys == ["10003"]
    twice = pd.DataFrame({"ward_prec": ["01001", "01001", "01012", "10003"], "voting_age_population": [1, 2, 3, 4]})
    with pytest.raises(JoinError, match="01001 more than once"):
        registration_by_precinct(wide, twice)
    with pytest.raises(MissingColumnError, match="precincts table has no column 'ward_prec'.*key="):
        registration_by_precinct(wide, precincts.rename(columns={"ward_prec": "WARD_PREC"}))


def test_race_columns_reads_races_from_the_empty_cells(wide):
    races = race_columns(wide)
    assert races == {CITYWIDE: ["ANN A", 'BO "BOBBY" B', "CY C (WRITE-IN)"], 1: ["DEE D", "EVE E"], 10: ["FAY F"]}
    # a candidate on the ballot in some wards but not all is set apart
    odd = wide.assign(**{"GUS G": [1, None, 2]})
    assert race_columns(odd)["other"] == ["GUS G"]


def test_tidy_results_is_one_row_per_precinct_and_candidate_and_drops_off_ballot_cells(wide):
    long = tidy_results(wide, ["DEE D", "EVE E", "FAY F"], race="council")
    assert long.columns.tolist() == ["ward_prec", "ward", "precinct", "race", "candidate", "votes"]
    assert long[["ward_prec", "candidate", "votes"]].values.tolist() == [
        ["01001", "DEE D", 20],
        ["01001", "EVE E", 15],
        ["01012", "DEE D", 30],
        ["01012", "EVE E", 12],
        ["10003", "FAY F", 0],  # on the ballot with no votes: kept as 0
    ]
    assert str(long["votes"].dtype) == "Int64"
    everything = tidy_results(wide, ["DEE D", "FAY F"], keep_off_ballot=True)
    assert len(everything) == 6 and everything["votes"].isna().sum() == 3
    assert wide["DEE D"].isna().sum() == 1  # the input is untouched


def test_tidy_results_adds_up_to_the_wide_totals(wide):
    citywide = race_columns(wide)[CITYWIDE]
    totals = tidy_results(wide, citywide).groupby("candidate")["votes"].sum()
    assert totals.to_dict() == {"ANN A": 40, 'BO "BOBBY" B': 40, "CY C (WRITE-IN)": 1}
    assert tidy_results(wide, "ANN A")["votes"].tolist() == [10, 30, 0]  # one name is a list of one


def test_tidy_results_suggests_the_candidate_a_typo_meant(wide):
    with pytest.raises(
        UnknownCandidateError, match="no candidate column 'BOBBY B'.*did you mean 'BO \"BOBBY\" B'"
    ) as caught:
        tidy_results(wide, ["ANN A", "BOBBY B"])
    assert isinstance(caught.value, MissingColumnError) and caught.value.column == "BOBBY B"
    assert caught.value.suggestion == 'BO "BOBBY" B' and "WARD" not in caught.value.available
    with pytest.raises(UnknownCandidateError, match="copy candidate names exactly"):
        tidy_results(wide, ["ZACHARIAH QUIXOTE"])
    with pytest.raises(AnalysisError, match="no candidate columns"):
        tidy_results(wide, [])
    with pytest.raises(AnalysisError, match="listed twice"):
        tidy_results(wide, ["ANN A", "ANN A"])


def test_tidy_results_rejects_vote_counts_that_are_not_whole_numbers(wide):
    with pytest.raises(AnalysisError, match="'ANN A'.*whole numbers.*'ten'"):
        tidy_results(wide.astype({"ANN A": object}).assign(**{"ANN A": ["ten", 30, 0]}), ["ANN A"])


def test_precinct_winners_by_precinct_ward_and_overall_with_ties(wide):
    long = tidy_results(wide, race_columns(wide)[CITYWIDE])
    winners = precinct_winners(long)
    assert winners["ward_prec"].tolist() == ["01001", "01012", "10003"]
    first = winners.iloc[0]
    assert (first["winner"], first["winner_votes"], first["runner_up"], first["margin"]) == (
        'BO "BOBBY" B',
        25,
        "ANN A",
        15,
    )
    assert first["total_votes"] == 35 and first["share"] == pytest.approx(25 / 35)
    assert winners.iloc[1]["winner"] == "ANN A" and winners.iloc[1]["margin"] == 15
    nobody = winners.iloc[2]  # 0 - 0 - 0: a three-way tie, no share
    assert nobody["winner"] == 'ANN A / BO "BOBBY" B / CY C (WRITE-IN)' and nobody["margin"] == 0
    assert np.isnan(nobody["share"])
    overall = precinct_winners(long, by=None)
    assert overall.columns.tolist() == ["winner", "winner_votes", "runner_up", "margin", "total_votes", "share"]
    assert overall.iloc[0]["winner"] == 'ANN A / BO "BOBBY" B' and overall.iloc[0]["runner_up"] == 'BO "BOBBY" B'
    by_ward = precinct_winners(long, by="ward")
    assert by_ward["ward"].tolist() == [1, 10] and by_ward.iloc[0]["winner_votes"] == 40


def test_turnout_from_history_counts_eligible_active_voters_once(voters, history):
    table = turnout_from_history(voters, history, "2024-11-05")
    # 02001: v1, v2 active (v3 inactive); v1 voted. 02002: v4 and v6 active (v5 removed); v6 has two rows
    assert table.to_dict("list") == {
        "ward_prec": ["02001", "02002"],
        "registered": [2, 2],
        "voted": [1, 2],
        "turnout": [0.5, 1.0],
    }
    # 2020: v4 had not registered yet; v3 (inactive now) voted but is not counted by default
    assert turnout_from_history(voters, history, "2020-11-03", by=None).iloc[0].tolist() == [3, 2, 2 / 3]
    everyone = turnout_from_history(voters, history, pd.Timestamp("2020-11-03"), by=None, statuses=None)
    assert everyone[["registered", "voted"]].iloc[0].tolist() == [5, 3]
    no_dates = turnout_from_history(voters, history, "2020-11-03", by=None, registration_date=None)
    assert no_dates["registered"].iloc[0] == 4


def test_turnout_from_history_names_the_elections_it_has(voters, history):
    with pytest.raises(AnalysisError, match="no votes on 2024-11-06.*2020-11-03, 2024-11-05"):
        turnout_from_history(voters, history, "2024-11-06")
    with pytest.raises(MissingColumnError, match="vote history table has no column 'election_date'.*date="):
        turnout_from_history(voters, history.rename(columns={"election_date": "ELECTION_LBL"}), "2020-11-03")
    with pytest.raises(AnalysisError, match="not a date"):
        turnout_from_history(voters, history, "the last one")


def test_universes_keep_active_voters_in_the_score_ranges_both_ends_included(voters):
    persuade = persuasion_universe(voters)
    assert persuade["voter_id"].tolist() == ["v1", "v2"]  # support 40 and 60, turnout 50 and 90
    assert persuasion_universe(voters, support_between=(40, 59))["voter_id"].tolist() == ["v1"]
    assert persuasion_universe(voters, support_between=(40, 60), turnout_at_least=90)["voter_id"].tolist() == ["v2"]
    gotv = gotv_universe(voters)
    assert gotv["voter_id"].tolist() == ["v4", "v6"]  # v3 inactive and v5 removed are left out
    assert gotv.index.tolist() == [3, 5]
    assert len(gotv_universe(voters, status=None)) == 4
    assert gotv_universe(voters, active=["A", "I"])["voter_id"].tolist() == ["v3", "v4", "v6"]
    assert gotv_universe(voters, support_at_least=90, turnout_between=(0, 100))["voter_id"].tolist() == ["v6"]


def test_universes_reject_thresholds_that_are_not_scores_and_name_missing_columns(voters):
    with pytest.raises(AnalysisError, match=r"turnout_between=\(70, 30\)"):
        gotv_universe(voters, turnout_between=(70, 30))
    with pytest.raises(AnalysisError, match="support_at_least=700"):
        gotv_universe(voters, support_at_least=700)
    with pytest.raises(AnalysisError, match=r"support_between=\(-1, 60\)"):
        persuasion_universe(voters, support_between=(-1, 60))
    with pytest.raises(MissingColumnError, match="voter file table has no column 'support_score'.*support="):
        persuasion_universe(voters.drop(columns="support_score"))
    # a missing score leaves the voter out rather than failing
    gaps = voters.astype({"support_score": "Int64"})
    gaps.loc[5, "support_score"] = pd.NA
    assert gotv_universe(gaps)["voter_id"].tolist() == ["v4"]


def test_add_days_until_counts_whole_days_and_negative_for_past_dates():
    calendar = pd.DataFrame({"when": ["2026-11-03", "2026-10-06", "2026-06-01"], "event": ["E", "R", "P"]})
    days = add_days_until(calendar, pd.Timestamp("2026-06-02 15:30"), date="when", column="left")
    assert days["left"].tolist() == [154, 126, -1]
    assert "left" not in calendar.columns
    with pytest.raises(MissingColumnError, match="no column 'date'"):
        add_days_until(calendar, "2026-06-01")
    with pytest.raises(AnalysisError, match="today 'next tuesday' is not a date"):
        add_days_until(calendar, "next tuesday", date="when")
    with pytest.raises(AnalysisError, match="'when'.*not dates.*'soon'"):
        add_days_until(calendar.assign(when=["soon", "2026-10-06", "2026-06-01"]), "2026-06-01", date="when")


# --- the bundled city ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def riverton():
    return {
        name: kit.load_dataset(name)
        for name in ("precincts", "precinct_results_2025", "voter_file", "vote_history", "election_calendar")
    }


def test_riverton_turnout_is_38_percent_citywide_and_ranges_by_ward(riverton):
    turnout = turnout_by_precinct(riverton["precinct_results_2025"])
    assert len(turnout) == 48 and turnout["ward_prec"].is_unique
    assert round(turnout["ballots_cast"].sum() / turnout["registered"].sum(), 3) == 0.380
    assert turnout["turnout"].min() > 0.14 and turnout["turnout"].max() < 0.56
    wards = turnout.groupby("ward")[["ballots_cast", "registered"]].sum()
    by_ward = (wards["ballots_cast"] / wards["registered"]).round(3)
    assert by_ward[2] == 0.234 and by_ward[5] == 0.521 and by_ward.idxmin() == 2
    # the mean of the precinct rates is a different (wrong) citywide number
    assert round(turnout["turnout"].mean(), 3) == 0.373


def test_riverton_registration_joins_all_48_precincts(riverton):
    rates = registration_by_precinct(riverton["precinct_results_2025"], riverton["precincts"])
    assert len(rates) == 48 and rates["voting_age_population"].notna().all()
    assert rates["registration_rate"].between(0.5, 0.9).all()
    ward2 = rates[rates["ward"] == 2]
    assert ward2.loc[ward2["registration_rate"].idxmin(), "ward_prec"] == "02007"


def test_riverton_results_tidy_into_races_with_the_published_totals(riverton):
    results = riverton["precinct_results_2025"]
    races = race_columns(results)
    assert len(races[CITYWIDE]) == 5 and [len(races[w]) for w in range(1, 7)] == [2, 3, 2, 3, 2, 3]
    mayor = tidy_results(results, races[CITYWIDE], race="mayor")
    assert len(mayor) == 48 * 5
    totals = mayor.groupby("candidate")["votes"].sum()
    assert totals["THOMAS J. KAVANAGH"] == 12451 and round(totals.max() / totals.sum(), 3) == 0.316
    assert totals["EUGENE PRATT (WRITE-IN)"] == 10
    council = tidy_results(results, races[2])
    assert len(council) == 8 * 3 and set(council["ward"]) == {2}
    assert council.groupby("candidate")["votes"].sum().to_dict() == {
        "ROSA QUINTERO": 1376,
        "GARY P. DWYER": 1341,
        'KIMBERLY "KIM" OSEI': 548,
    }
    ward = precinct_winners(council, by="ward").iloc[0]
    assert (ward["winner"], ward["margin"]) == ("ROSA QUINTERO", 35)
    # every race's votes are at most the ballots cast (undervotes)
    ballots = turnout_by_precinct(results).set_index("ward_prec")["ballots_cast"]
    for race in races.values():
        per_precinct = tidy_results(results, race).groupby("ward_prec")["votes"].sum()
        assert (per_precinct <= ballots[per_precinct.index]).all()


def test_riverton_voter_file_agrees_with_the_published_results(riverton):
    counted = turnout_from_history(riverton["voter_file"], riverton["vote_history"], "2025-02-25")
    official = turnout_by_precinct(riverton["precinct_results_2025"])
    official = official[official["ward"] == 2].reset_index(drop=True)
    assert counted["ward_prec"].tolist() == official["ward_prec"].tolist()
    assert counted["registered"].tolist() == official["registered"].tolist()
    assert counted["voted"].tolist() == official["ballots_cast"].tolist()
    # November elections bring out far more of ward 2 than municipal ones
    general = turnout_from_history(riverton["voter_file"], riverton["vote_history"], "2024-11-05", by=None)
    assert general["turnout"].iloc[0] > 2 * counted["voted"].sum() / counted["registered"].sum()


def test_riverton_universes_are_active_voters_and_turnout_score_predicts_voting(riverton):
    voters, history = riverton["voter_file"], riverton["vote_history"]
    gotv, persuade = gotv_universe(voters), persuasion_universe(voters)
    assert (len(gotv), len(persuade)) == (2037, 1142)
    assert set(gotv["status_cd"]) == set(persuade["status_cd"]) == {"A"}
    assert not set(gotv["voter_id"]) & set(persuade["voter_id"])
    voted = voters["voter_id"].isin(history.loc[history["election_date"] == "2025-02-25", "voter_id"])
    active = voters["status_cd"] == "A"
    high = voted[active & (voters["turnout_score"] >= 70)].mean()
    low = voted[active & (voters["turnout_score"] < 30)].mean()
    assert high > 3 * low


def test_riverton_calendar_counts_down_to_election_day(riverton):
    days = add_days_until(riverton["election_calendar"], "2026-09-01").set_index("event")["days_until"]
    assert days["Election day"] == 63 and days["Regular voter registration deadline"] == 35
    assert days["Mail ballot applications open"] == -27


# --- a real export: Chicago's 2023 municipal general, precinct by precinct ----------------------


@pytest.fixture(scope="module")
def chicago_2023():
    path = CHICAGO / "municipal_general_2023.csv"
    if not path.is_file():
        pytest.skip(f"real Chicago results not found at {path}")
    return pd.read_csv(path)


def test_chicago_2023_mayoral_race_tidies_to_the_certified_totals(chicago_2023):
    races = race_columns(chicago_2023)
    assert len(races[CITYWIDE]) == 15 and "other" not in races
    assert sum(len(columns) for ward, columns in races.items() if ward != CITYWIDE) == 189
    mayor = tidy_results(chicago_2023, races[CITYWIDE], race="mayor")
    assert len(mayor) == len(chicago_2023) * 15
    totals = mayor.groupby("candidate")["votes"].sum()
    assert totals["PAUL VALLAS"] == 185_743 and totals["BRANDON JOHNSON"] == 122_093
    assert totals.sort_values(ascending=False).index[:2].tolist() == ["PAUL VALLAS", "BRANDON JOHNSON"]
    overall = precinct_winners(mayor, by=None).iloc[0]
    assert overall["winner"] == "PAUL VALLAS" and overall["share"] < 0.5  # no majority: a runoff
    # a council race: ward 1's candidates are on ward 1's ballots only
    ward1 = tidy_results(chicago_2023, races[1])
    assert set(ward1["ward"]) == {1} and ward1["ward_prec"].str.startswith("01").all()


def test_chicago_2023_turnout_by_precinct(chicago_2023):
    turnout = turnout_by_precinct(chicago_2023)
    assert len(turnout) == len(chicago_2023) and turnout["ward_prec"].is_unique
    assert turnout["ward_prec"].str.len().eq(5).all()
    assert turnout["turnout"].between(0, 1).all()
    assert turnout["registered"].sum() == chicago_2023["REGISTERED VOTERS"].sum()
    citywide = turnout["ballots_cast"].sum() / turnout["registered"].sum()
    assert 0.35 < citywide < 0.37
