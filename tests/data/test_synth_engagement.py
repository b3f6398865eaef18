"""Module 4's data: raw sign-in sheets (with their hidden ground truth) and the ladder history."""

from __future__ import annotations

import re

import pandas as pd
import pytest

import kit
from kit.data.synth import SEED, signup_ground_truth
from kit.data.synth.city import build_city
from kit.data.synth.ladder import ladder_rows
from kit.data.synth.movement import movement_tables
from kit.data.synth.signup_sheets import signup_sheet_rows


@pytest.fixture(scope="module")
def sheets():
    return kit.load_dataset("signup_sheets")


@pytest.fixture(scope="module")
def contacts():
    return kit.load_dataset("contacts").set_index("contact_id")


@pytest.fixture(scope="module")
def truth(sheets):
    return sheets["entry_id"].map(signup_ground_truth())


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)[-10:]


def test_same_seed_same_rows_other_seed_other_rows():
    movement = movement_tables(build_city(7), 9)
    assert signup_sheet_rows(movement, 12) == signup_sheet_rows(movement, 12)
    assert signup_sheet_rows(movement, 12)[0] != signup_sheet_rows(movement, 13)[0]
    assert ladder_rows(movement, 13) == ladder_rows(movement, 13)
    assert ladder_rows(movement, 13) != ladder_rows(movement, 14)


def test_the_ground_truth_is_kept_out_of_the_file_but_covers_every_entry(sheets):
    truth = signup_ground_truth()
    assert "contact_id" not in sheets.columns
    assert list(truth) == list(sheets["entry_id"])
    assert signup_ground_truth(SEED) == truth


def test_every_entry_is_a_real_contact_at_an_event_they_signed_up_for(sheets, contacts, truth):
    assert truth.isin(contacts.index).all()
    signups = kit.load_dataset("event_signups")
    pairs = set(zip(signups["event_id"], signups["contact_id"]))
    assert all(pair in pairs for pair in zip(sheets["event_id"], truth))
    # paper sheets (typed in whole minutes) are signed on the event's day, only by people who came
    came = set(zip(signups.loc[signups["attended"], "event_id"], signups.loc[signups["attended"], "contact_id"]))
    paper = sheets["submitted_at"].dt.second == 0
    events = kit.load_dataset("events").set_index("event_id")["event_date"]
    assert 300 < paper.sum() < len(sheets) - 300
    assert (sheets.loc[paper, "submitted_at"].dt.normalize() == sheets.loc[paper, "event_id"].map(events)).all()
    assert all(pair in came for pair in zip(sheets.loc[paper, "event_id"], truth[paper]))


def test_entries_are_the_contacts_own_details_with_noise(sheets, contacts, truth):
    person = contacts.loc[truth].reset_index()
    email = sheets["email"].str.strip().str.lower()
    has_email = email.notna()
    assert (email[has_email].values == person.loc[has_email.values, "email"].values).all()
    phone = sheets["phone"].dropna().map(_digits)
    assert (phone.values == person.loc[phone.index, "phone"].map(_digits).values).all()
    names = sheets["full_name"].str.lower().str.replace(r"[^a-z ]", "", regex=True).str.split().map(set)
    whole = person["first_name"].str.lower() + " " + person["last_name"].str.lower()
    assert (names.values == whole.str.split().map(set).values).mean() > 0.6
    zip5 = sheets["zip_code"].dropna().str[:5]
    assert (zip5.values == person.loc[zip5.index, "zip_code"].values).all()


def test_people_appear_many_times_across_and_within_events(sheets, truth):
    assert 1200 <= len(sheets) <= 1800
    people = truth.nunique()
    assert people < len(sheets) / 2
    events_per_person = pd.Series(list(zip(sheets["event_id"], truth))).drop_duplicates().str[1].value_counts()
    assert (events_per_person > 1).sum() > 100  # across events
    assert pd.Series(list(zip(sheets["event_id"], truth))).duplicated().sum() > 200  # within events


def test_normalized_email_dedupes_without_merging_different_people(sheets, truth):
    email = sheets["email"].str.strip().str.lower()
    keyed = pd.DataFrame({"email": email, "contact": truth}).dropna()
    assert keyed.groupby("email")["contact"].nunique().eq(1).all()
    assert keyed.groupby("contact")["email"].nunique().eq(1).all()


def test_names_and_phones_alone_are_not_keys(contacts):
    assert contacts.duplicated(["first_name", "last_name"]).any()
    assert contacts["phone"].duplicated().any()


def test_the_documented_mess_is_present(sheets):
    name = sheets["full_name"]
    assert name.str.endswith(" ").any() and name.str.startswith(" ").any()
    assert name.str.fullmatch(r"[A-Z]+, [A-Z]+").any()  # 'RUIZ, ANA'
    assert name.str.fullmatch(r"[a-z]+ [a-z]+ ").any()  # 'ana ruiz '
    email = sheets["email"]
    assert email.isna().mean() > 0.05 and email.str.contains(r"[A-Z]").any() and email.str.contains(" ").any()
    phone = sheets["phone"].dropna()
    for pattern in (r"\(\d{3}\) \d{3}-\d{4}", r"\d{3}\.\d{3}\.\d{4}", r"\d{10}", r"\d{3}-\d{3}-\d{4}"):
        assert phone.str.fullmatch(pattern).any(), pattern
    assert sheets["phone"].isna().mean() > 0.05
    hoods = set(sheets["neighborhood"].dropna())
    assert {"Old Mill", "old mill", "OldMill"} <= hoods or {"Old Mill", "old mill", "Oldmill"} <= hoods
    assert len(hoods) > 30
    race = sheets["race_ethnicity"]
    for written in (
        "Latina",
        "Hispanic/Latino",
        "latinx",
        "Black",
        "African American",
        "White",
        "Asian",
        "Prefer not to say",
    ):
        assert (race == written).any(), written
    assert race.isna().any() and race.str.contains(",").any()
    assert {"Female", "F", "female", "Male", "M"} <= set(sheets["gender"].dropna())
    assert sheets["age_range"].str.fullmatch(r"\d+").any() and (sheets["age_range"] == "25-34").any()
    assert {"yes", "Y", "si", "no"} <= set(sheets["wants_to_volunteer"].dropna())
    assert sheets["wants_to_volunteer"].isna().any()
    assert sheets["zip_code"].str.contains("-").any() and sheets["zip_code"].isna().any()


def test_ladder_history_agrees_with_contacts(contacts):
    ladder = kit.load_dataset("ladder_history")
    assert set(ladder["contact_id"]) == set(contacts.index)
    assert not ladder.duplicated(["contact_id", "level"]).any()
    supporter = ladder[ladder["level"] == "supporter"].set_index("contact_id")["date_reached"]
    assert len(supporter) == len(contacts)
    assert (supporter.sort_index() == contacts["date_joined"].sort_index()).all()
    rank = {"supporter": 0, "volunteer": 1, "leader": 2}
    highest = ladder.assign(rank=ladder["level"].map(rank)).groupby("contact_id")["rank"].max()
    assert (highest.sort_index() == contacts["ladder_level"].map(rank).sort_index()).all()
    # every rung below the highest was reached, in order, after joining and by year end
    counts = ladder.groupby("contact_id").size()
    assert (counts.sort_index() == highest.sort_index() + 1).all()
    wide = ladder.pivot(index="contact_id", columns="level", values="date_reached")
    volunteers = wide["volunteer"].notna()
    assert (wide.loc[volunteers, "volunteer"] > wide.loc[volunteers, "supporter"]).all()
    leaders = wide["leader"].notna()
    assert (wide.loc[leaders, "leader"] > wide.loc[leaders, "volunteer"]).all()
    assert (ladder["date_reached"] <= "2025-12-31").all()


@pytest.mark.parametrize("name", ["signup_sheets", "ladder_history"])
def test_loads_with_the_types_its_card_declares(name):
    frame = kit.load_dataset(name)
    for column in kit.describe_dataset(name).columns:
        series = frame[column.name]
        check = {
            "date": pd.api.types.is_datetime64_any_dtype,
            "datetime": pd.api.types.is_datetime64_any_dtype,
            "text": pd.api.types.is_string_dtype,
        }[column.type]
        assert check(series), f"{name}.{column.name} is {series.dtype}, the card says {column.type}"


def test_loading_keeps_the_raw_whitespace_and_text(sheets):
    assert sheets["full_name"].str.endswith(" ").any()  # not stripped on the way in
    assert (sheets["race_ethnicity"] == "N/A").any()  # what someone wrote, not a missing value
