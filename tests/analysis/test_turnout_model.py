"""Turnout-model steps, checked against hand computations on small tables and on the bundled voter file."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

import kit
from kit.analysis.errors import AnalysisError, MissingColumnError
from kit.analysis.turnout_model import (
    compare_scores,
    cut_summary,
    error_rates,
    fit_turnout_model,
    lift_table,
    predict_turnout,
    reliability_table,
    turnout_table,
)

PAST_2023 = {"voted_last_general": "2022-11-08", "voted_general_before": "2020-11-03"}
PAST_2025 = {"voted_last_general": "2024-11-05", "voted_general_before": "2022-11-08"}
FEATURES = ["voted_last_general", "voted_general_before", "age", "years_registered"]


def _voters() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "voter_id": ["V1", "V2", "V3", "V4", "V5"],
            "birth_year": [1980, 1900, 2000, 1950, 1990],
            "registr_dt": ["2001-05-01", "1990-01-01", "2022-12-01", "1972-03-01", "2024-06-01"],
            "status_cd": ["A", "A", "A", "I", "A"],
        }
    )


def _history() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "voter_id": ["V1", "V1", "V2", "V3", "V4", "V5"],
            "election_date": ["2022-11-08", "2023-02-28", "2020-11-03", "2023-02-28", "2023-02-28", "2024-11-05"],
        }
    )


def test_turnout_table_keeps_eligible_active_voters_and_builds_the_features():
    voters = _voters()
    table = turnout_table(voters, _history(), "2023-02-28", past=PAST_2023)
    assert table["voter_id"].tolist() == ["V1", "V2", "V3"]  # V4 inactive, V5 registered later
    assert table["voted"].tolist() == [1, 0, 1]
    assert table["voted_last_general"].tolist() == [1, 0, 0]  # V3 was not registered yet: 0
    assert table["voted_general_before"].tolist() == [0, 1, 0]
    assert table["age"].tolist()[0] == 43 and np.isnan(table["age"].tolist()[1])  # 1900 is a placeholder
    assert table["age_group"].astype(str).tolist() == ["30-44", "unknown", "18-29"]
    assert table["years_registered"].tolist()[2] == round(89 / 365.25, 1)
    assert list(voters.columns) == ["voter_id", "birth_year", "registr_dt", "status_cd"]  # untouched


def test_turnout_table_names_what_is_wrong():
    with pytest.raises(AnalysisError, match="no votes on 2021-11-02"):
        turnout_table(_voters(), _history(), "2021-11-02", past=PAST_2023)
    with pytest.raises(MissingColumnError, match="birth_year"):
        turnout_table(_voters().drop(columns="birth_year"), _history(), "2023-02-28", past=PAST_2023)
    with pytest.raises(AnalysisError, match="past names no earlier election"):
        turnout_table(_voters(), _history(), "2023-02-28", past={})


@pytest.fixture(scope="module")
def southfield():
    voters = kit.load_dataset("voter_file")
    voters = voters[voters["precinct_desc"].str.startswith("SOUTHFIELD")]
    history = kit.load_dataset("vote_history")
    train = turnout_table(voters, history, "2023-02-28", past=PAST_2023)
    test = turnout_table(voters, history, "2025-02-25", past=PAST_2025)
    model = fit_turnout_model(train, FEATURES)
    test["score"] = predict_turnout(model, test)
    test["vendor"] = test["turnout_score"] / 100
    return train, test, model


def test_the_model_learns_from_2023_and_ranks_2025_voters(southfield):
    _, test, model = southfield
    voters = kit.load_dataset("voter_file")
    history = kit.load_dataset("vote_history")
    in_2025 = history.loc[history["election_date"].astype(str).str.startswith("2025-02-25"), "voter_id"]
    south = voters[voters["precinct_desc"].str.startswith("SOUTHFIELD") & (voters["status_cd"] == "A")]
    assert len(test) == len(south) and test["voted"].sum() == south["voter_id"].isin(in_2025).sum()
    assert (model[-1].coef_[0][:2] > 0).all()  # past votes predict a vote
    compared = compare_scores(test, ["score", "vendor"]).set_index("score")
    assert compared.loc["score", "auc"] == pytest.approx(roc_auc_score(test["voted"], test["score"]))
    assert 0.6 < compared.loc["score", "auc"] < compared.loc["vendor", "auc"]  # the vendor knows more
    assert compared.loc["score", "brier"] == pytest.approx(((test["score"] - test["voted"]) ** 2).mean())
    # learned on a higher-turnout election, the model is too high on 2025
    assert compared.loc["score", "mean_score"] > compared.loc["score", "turnout"] + 0.03


def test_predict_turnout_names_a_missing_feature(southfield):
    _, test, model = southfield
    with pytest.raises(MissingColumnError, match="years_registered"):
        predict_turnout(model, test.drop(columns="years_registered"))


def test_fit_refuses_an_outcome_with_one_value():
    table = pd.DataFrame({"x": [1.0, 2.0, 3.0], "voted": [1, 1, 1]})
    with pytest.raises(AnalysisError, match="both values"):
        fit_turnout_model(table, ["x"])
    with pytest.raises(AnalysisError, match="must be numbers"):
        fit_turnout_model(pd.DataFrame({"x": ["a", "b"], "voted": [0, 1]}), ["x"])


SMALL = pd.DataFrame({"score": [0.05, 0.15, 0.12, 0.35, 0.38, 0.95, 0.91, 0.99], "voted": [0, 0, 1, 0, 1, 1, 1, 0]})


def test_reliability_table_bins_by_score():
    table = reliability_table(SMALL)
    assert table["bin"].tolist() == ["0.0-0.1", "0.1-0.2", "0.3-0.4", "0.9-1.0"]
    assert table["voters"].tolist() == [1, 2, 2, 3]
    assert table["turnout"].tolist() == pytest.approx([0, 0.5, 0.5, 2 / 3])
    assert table["mean_score"].tolist() == pytest.approx([0.05, 0.135, 0.365, 0.95])


def test_lift_ranks_top_first_and_its_gains_reach_every_vote():
    table = lift_table(SMALL, groups=4)
    assert table["voters"].tolist() == [2, 2, 2, 2]
    assert table["turnout"].tolist() == [0.5, 1.0, 0.0, 0.5]  # 0.99 0.95 | 0.91 0.38 | 0.35 0.15 | 0.12 0.05
    assert table["lift"].tolist() == pytest.approx([1.0, 2.0, 0.0, 1.0])
    assert table["cumulative_share"].iloc[-1] == pytest.approx(1.0)


def test_cut_summary_and_error_rates_count_the_same_cut():
    cut = cut_summary(SMALL, 0.3)
    assert cut["universe"] == 5 and cut["missed_votes"] == 1
    assert cut["share_of_votes"] == pytest.approx(3 / 4) and cut["turnout_in_universe"] == pytest.approx(3 / 5)
    grouped = SMALL.assign(age=["young"] * 4 + ["old"] * 4)
    rates = error_rates(grouped, "age", 0.3).set_index("age")
    assert rates.loc["young", "missed_voters"] == 1.0  # the young voter scored 0.12 is left out
    assert rates.loc["old", "missed_voters"] == 0.0
    assert rates.loc["young", "wasted_contacts"] == pytest.approx(1 / 3)  # 0.35 did not vote
    assert rates.loc["old", "wasted_contacts"] == 1.0


def test_a_0_to_100_score_is_refused_with_the_fix():
    with pytest.raises(AnalysisError, match="divide a 0-100 score by 100"):
        compare_scores(SMALL.assign(score=SMALL["score"] * 100), ["score"])
    with pytest.raises(MissingColumnError, match="language_pref"):
        error_rates(SMALL, "language_pref", 0.3)
