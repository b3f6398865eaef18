"""Turnout models: build one from a voter file's history, and check it (module 6).

Campaigns buy a "turnout score" for every voter: a model's chance, 0 to 1 (or 0 to
100), that the voter votes in the next election. Module 6 builds one the way a data
team would, on ward 2's voter file and vote history, and checks it against the
election that followed. The steps, in the order a model needs them:

1. :func:`turnout_table` -- one row per voter who could vote in an election: did they
   (``voted``), did they vote in the elections before it (one 0/1 column each), their
   age and years registered. Built twice: for an earlier election (to learn from) and
   for the latest (to test on), with the same column names.
2. :func:`fit_turnout_model` and :func:`predict_turnout` -- a logistic regression
   (scikit-learn) fitted on the earlier election, scoring the latest.
3. :func:`compare_scores` -- how well scores rank voters (AUC) and how close they are
   to what happened (Brier score, mean score against turnout): our model against the
   vendor's ``turnout_score``.
4. :func:`reliability_table` -- calibration: of the voters scored about 0.3, did about
   30% vote? (the reliability curve).
5. :func:`lift_table` and :func:`cut_summary` -- if we contact the top-scored voters
   first, how many voters do we reach; what a universe cut at a score takes in and
   leaves out.
6. :func:`error_rates` -- the same cut, group by group (age, race code, language):
   whom it leaves out.

Every function takes the names of the columns it uses as keyword arguments and
leaves its input untouched.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss, roc_auc_score
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from kit.analysis.columns import as_datetime, require_columns
from kit.analysis.elections import _as_day, _eligible_voters, _voted_on
from kit.analysis.errors import AnalysisError

__all__ = [
    "AGE_GROUPS",
    "compare_scores",
    "cut_summary",
    "error_rates",
    "fit_turnout_model",
    "lift_table",
    "predict_turnout",
    "reliability_table",
    "turnout_table",
]

AGE_GROUPS = ((18, "18-29"), (30, "30-44"), (45, "45-64"), (65, "65+"))
UNKNOWN_AGE = "unknown"
PLACEHOLDER_BIRTH_YEAR = 1900  # legacy records: an unknown birth date


def _age_groups(age: pd.Series) -> pd.Series:
    """18-29, 30-44, 45-64, 65+ or ``unknown``, as an ordered categorical."""
    edges = [low for low, _ in AGE_GROUPS] + [np.inf]
    labels = [label for _, label in AGE_GROUPS]
    groups = pd.cut(age, edges, right=False, labels=labels).cat.add_categories(UNKNOWN_AGE)
    return groups.fillna(UNKNOWN_AGE)


def turnout_table(
    voters: pd.DataFrame,
    history: pd.DataFrame,
    election_date: object,
    *,
    past: Mapping[str, object],
    voter_id: str = "voter_id",
    date: str = "election_date",
    birth_year: str = "birth_year",
    registration_date: str = "registr_dt",
    status: str = "status_cd",
    statuses: Sequence[str] = ("A",),
) -> pd.DataFrame:
    """One row per voter who could vote on ``election_date``: what a turnout model learns from.

    Parameters
    ----------
    voters, history
        The voter file (one row per voter) and its vote history (one row per vote).
    election_date
        The election to explain (``"2023-02-28"``) or to predict (``"2025-02-25"``).
    past
        The earlier elections whose votes become features, name -> date, e.g.
        ``{"voted_last_general": "2022-11-08", "voted_general_before": "2020-11-03"}``.
        Use the same names for every election, so one model reads both tables.
    voter_id, date, birth_year, registration_date, status
        Column names: ``voter_id`` in both tables, ``date`` in the history, the rest in
        the voter file.
    statuses
        Keep voters with one of these statuses (active voters: whom a campaign can
        contact today), registered on or before the election.

    Returns
    -------
    pandas.DataFrame
        The eligible voters' rows with every voter-file column, plus ``age`` (in the
        election's year; missing when the birth year is missing or 1900, the legacy
        placeholder), ``age_group`` (18-29, 30-44, 45-64, 65+, unknown),
        ``years_registered``, one 0/1 column per ``past`` election and ``voted`` (0/1).
        A voter not yet registered for a past election has 0 for it.

    Raises
    ------
    MissingColumnError
        If a column is missing.
    AnalysisError
        If the history has no votes on one of the elections, or ``past`` is empty.

    Examples
    --------
    >>> import kit
    >>> voters, history = kit.load_dataset("voter_file"), kit.load_dataset("vote_history")
    >>> train = turnout_table(voters, history, "2023-02-28",
    ...     past={"voted_last_general": "2022-11-08", "voted_general_before": "2020-11-03"})
    >>> len(train), round(float(train["voted"].mean()), 3)
    (12116, 0.285)
    """
    if not past:
        raise AnalysisError("past names no earlier election", hint="e.g. past={'voted_last_general': '2022-11-08'}")
    needed = {voter_id: "voter_id", birth_year: "birth_year", registration_date: "registration_date", status: "status"}
    require_columns(voters, needed, "voter file")
    require_columns(history, {voter_id: "voter_id", date: "date"}, "vote history")
    day = _as_day(election_date, "election_date")
    eligible = _eligible_voters(voters, day, status=status, statuses=statuses, registration_date=registration_date)
    table = voters.loc[eligible].copy()
    born = pd.to_numeric(table[birth_year], errors="coerce")
    table["age"] = (day.year - born.where(born > PLACEHOLDER_BIRTH_YEAR)).astype("float64")
    table["age_group"] = _age_groups(table["age"])
    registered = as_datetime(table, registration_date, "voter file")
    table["years_registered"] = ((day - registered).dt.days / 365.25).round(1)
    for name, when in past.items():
        table[name] = _voted_on(table, history, _as_day(when, name), voter_id=voter_id, date=date).astype("int64")
    table["voted"] = _voted_on(table, history, day, voter_id=voter_id, date=date).astype("int64")
    return table.reset_index(drop=True)


def fit_turnout_model(table: pd.DataFrame, features: Sequence[str], *, outcome: str = "voted") -> Pipeline:
    """A logistic regression of ``outcome`` on ``features``, fitted on ``table``.

    The features are standardized first (so their coefficients compare), and a missing
    value (an unknown age) is filled with the feature's median in ``table``.

    Returns
    -------
    sklearn.pipeline.Pipeline
        Fitted; :func:`predict_turnout` scores a table with it. Its last step,
        ``model[-1]``, is the ``LogisticRegression`` (``coef_``, ``intercept_``).

    Raises
    ------
    MissingColumnError
        If a feature or the outcome is missing.
    AnalysisError
        If the outcome is not all 0/1 or has one value only, or a feature is not numeric.
    """
    features = list(features)
    require_columns(table, {outcome: "outcome", **dict.fromkeys(features, "features")}, "training")
    y = table[outcome]
    if not y.isin([0, 1]).all() or y.nunique() < 2:
        raise AnalysisError(f"{outcome!r} must be 0/1 with both values present, to learn who votes")
    not_numeric = [f for f in features if not pd.api.types.is_numeric_dtype(table[f])]
    if not_numeric:
        raise AnalysisError(f"features must be numbers; not: {', '.join(not_numeric)}")
    model = make_pipeline(SimpleImputer(strategy="median"), StandardScaler(), LogisticRegression())
    return model.fit(table[features], y.astype("int64"))


def predict_turnout(model: Pipeline, table: pd.DataFrame) -> pd.Series:
    """Each row's chance of voting (0 to 1) by ``model``, named ``score``, on ``table``'s index.

    Raises
    ------
    MissingColumnError
        If ``table`` lacks a feature the model was fitted on.
    """
    features = list(model.feature_names_in_)
    require_columns(table, dict.fromkeys(features, "features"), "scored")
    return pd.Series(model.predict_proba(table[features])[:, 1], index=table.index, name="score")


def _scored(table: pd.DataFrame, score: str, outcome: str) -> tuple[pd.Series, pd.Series]:
    """The score (checked to be within 0-1) and the 0/1 outcome columns."""
    require_columns(table, {score: "score", outcome: "outcome"}, "scored")
    values = pd.to_numeric(table[score], errors="coerce")
    if values.isna().any() or not values.between(0, 1).all():
        raise AnalysisError(
            f"{score!r} must be a chance between 0 and 1 in every row",
            hint="divide a 0-100 score by 100 first" if values.max() > 1 else None,
        )
    if not table[outcome].isin([0, 1, True, False]).all():
        raise AnalysisError(f"{outcome!r} must be 0/1 (did the voter vote)")
    return values, table[outcome].astype("int64")


def compare_scores(table: pd.DataFrame, scores: Sequence[str], *, outcome: str = "voted") -> pd.DataFrame:
    """How well each score column predicts ``outcome``, one row per score.

    Columns: ``auc`` (the chance a random voter is scored above a random non-voter;
    0.5 is a coin, 1 is perfect ranking), ``brier`` (mean squared gap between score and
    outcome; lower is better), ``mean_score`` and ``turnout`` (a calibrated score's mean
    is close to the turnout).
    """
    rows = []
    for name in scores:
        values, y = _scored(table, name, outcome)
        rows.append(
            {
                "score": name,
                "auc": roc_auc_score(y, values),
                "brier": brier_score_loss(y, values),
                "mean_score": values.mean(),
                "turnout": y.mean(),
            }
        )
    return pd.DataFrame(rows)


def reliability_table(
    table: pd.DataFrame, *, score: str = "score", outcome: str = "voted", bins: int = 10
) -> pd.DataFrame:
    """Calibration: voters binned by score (0-0.1, 0.1-0.2, ...), each bin's mean score and turnout.

    A calibrated score has ``turnout`` close to ``mean_score`` in every bin (points on
    the diagonal of a reliability curve). Empty bins are left out.

    Returns
    -------
    pandas.DataFrame
        ``bin`` (e.g. ``"0.3-0.4"``), ``voters`` (rows in the bin), ``mean_score``,
        ``turnout`` and ``gap`` (turnout minus mean score).
    """
    values, y = _scored(table, score, outcome)
    edges = np.linspace(0, 1, bins + 1)
    which = np.clip(np.digitize(values, edges[1:-1]), 0, bins - 1)
    grouped = pd.DataFrame({"which": which, "score": values.to_numpy(), "y": y.to_numpy()}).groupby("which")
    out = grouped.agg(voters=("y", "size"), mean_score=("score", "mean"), turnout=("y", "mean")).reset_index()
    out.insert(0, "bin", [f"{edges[i]:.1f}-{edges[i + 1]:.1f}" for i in out["which"]])
    out["gap"] = out["turnout"] - out["mean_score"]
    return out.drop(columns="which")


def lift_table(table: pd.DataFrame, *, score: str = "score", outcome: str = "voted", groups: int = 10) -> pd.DataFrame:
    """Voters ranked by score and split into ``groups`` equal slices (deciles), the top first.

    Returns
    -------
    pandas.DataFrame
        ``group`` (1 = the top-scored tenth), ``voters`` (rows), ``turnout``, ``lift``
        (the slice's turnout over everyone's: 2 means twice as likely to vote) and
        ``share_of_votes`` / ``cumulative_share`` (of everyone who voted, the share in
        this slice / in this slice and those above it: the gains curve).
    """
    values, y = _scored(table, score, outcome)
    if y.sum() == 0:
        raise AnalysisError(f"nobody voted ({outcome!r} is 0 in every row): lift is undefined")
    order = np.argsort(-values.to_numpy(), kind="stable")
    slices = np.array_split(order, groups)
    ranked = y.to_numpy()
    rows = [{"group": k, "voters": len(s), "votes": int(ranked[s].sum())} for k, s in enumerate(slices, start=1)]
    out = pd.DataFrame(rows)
    out["turnout"] = out["votes"] / out["voters"]
    out["lift"] = out["turnout"] / y.mean()
    out["share_of_votes"] = out["votes"] / y.sum()
    out["cumulative_share"] = out["share_of_votes"].cumsum()
    return out.drop(columns="votes")


def cut_summary(table: pd.DataFrame, threshold: float, *, score: str = "score", outcome: str = "voted") -> pd.Series:
    """A universe cut (everyone scored ``threshold`` or more), in numbers.

    Returns
    -------
    pandas.Series
        ``universe`` (voters in it), ``share_of_file``, ``turnout_in_universe``,
        ``share_of_votes`` (of everyone who voted, the share the universe reaches) and
        ``missed_votes`` (voters left out of it who voted).
    """
    values, y = _scored(table, score, outcome)
    inside = values >= threshold
    return pd.Series(
        {
            "universe": int(inside.sum()),
            "share_of_file": inside.mean(),
            "turnout_in_universe": y[inside].mean() if inside.any() else np.nan,
            "share_of_votes": y[inside].sum() / y.sum() if y.sum() else np.nan,
            "missed_votes": int(y[~inside].sum()),
        },
        name=f"{score} >= {threshold:g}",
    )


def error_rates(
    table: pd.DataFrame, by: str, threshold: float, *, score: str = "score", outcome: str = "voted"
) -> pd.DataFrame:
    """A universe cut's errors, group by group of ``by`` (age group, race code, language).

    Returns
    -------
    pandas.DataFrame
        One row per group: ``voters``, ``turnout``, ``mean_score`` (compare with turnout:
        is the score calibrated for this group?), ``in_universe`` (share of the group the
        cut takes in), ``missed_voters`` (of the group's voters, the share the cut leaves
        out: the false negative rate) and ``wasted_contacts`` (of the group's non-voters,
        the share the cut takes in: the false positive rate).
    """
    require_columns(table, {by: "by"}, "scored")
    values, y = _scored(table, score, outcome)
    frame = pd.DataFrame({"group": table[by], "score": values, "y": y, "inside": values >= threshold})
    frame["missed"] = (frame["y"] == 1) & ~frame["inside"]
    frame["wasted"] = (frame["y"] == 0) & frame["inside"]
    grouped = frame.groupby("group", observed=True, dropna=False)
    out = grouped.agg(
        voters=("y", "size"),
        turnout=("y", "mean"),
        mean_score=("score", "mean"),
        in_universe=("inside", "mean"),
        missed=("missed", "sum"),
        wasted=("wasted", "sum"),
        votes=("y", "sum"),
    )
    out["missed_voters"] = out["missed"] / out["votes"].where(out["votes"] > 0)
    out["wasted_contacts"] = out["wasted"] / (out["voters"] - out["votes"]).where(out["voters"] > out["votes"])
    return out.drop(columns=["missed", "wasted", "votes"]).rename_axis(by).reset_index()
