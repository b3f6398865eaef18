"""The sign-up and engagement steps: exact numbers on tiny tables, and the bundled sign-in sheets."""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pandas as pd
import pytest

import kit
from kit.analysis.engagement import (
    NOT_ANSWERED,
    NOT_IN_MAPPING,
    PREFER_NOT_TO_SAY,
    cohort_retention,
    deduplicate_contacts,
    gender_mapping,
    ladder_funnel,
    map_categories,
    normalize_emails,
    normalize_names,
    normalize_phones,
    normalize_zip_codes,
    race_ethnicity_mapping,
)
from kit.analysis.errors import AnalysisError, JoinError, MappingError, MissingColumnError
from kit.data.synth import signup_ground_truth
from kit.errors import KitError


def as_list(series: pd.Series) -> list:
    return [None if pd.isna(v) else v for v in series]


# --- cleaning ------------------------------------------------------------------------------------


def test_emails_lose_case_and_spaces_and_keep_the_index():
    values = pd.Series(
        [" Ana.Ruiz@Example.org", "ANA.RUIZ@EXAMPLE.ORG ", "ana.ruiz @example.org", "", None], index=[5, 6, 7, 8, 9]
    )
    clean = normalize_emails(values)
    assert as_list(clean) == ["ana.ruiz@example.org"] * 3 + [None, None]
    assert list(clean.index) == [5, 6, 7, 8, 9]
    assert as_list(values)[0] == " Ana.Ruiz@Example.org"  # input untouched


@pytest.mark.parametrize(
    "written, digits",
    [
        ("(309) 555-0123", "3095550123"),
        ("309.555.0123", "3095550123"),
        ("3095550123", "3095550123"),
        ("309-555-0123", "3095550123"),
        ("+1 309 555 0123", "3095550123"),
        ("1-309-555-0123", "3095550123"),
        ("555-0123", None),  # no area code
        ("23095550123", None),  # 11 digits, not a US country code
        ("", None),
        (None, None),
    ],
)
def test_phones_become_ten_digits_or_missing(written, digits):
    assert as_list(normalize_phones(pd.Series([written], dtype="object"))) == [digits]


def test_phones_a_spreadsheet_stored_as_numbers_are_read_back():
    assert as_list(normalize_phones(pd.Series([3095550123.0, np.nan]))) == ["3095550123", None]
    assert as_list(normalize_phones(pd.Series([13095550123]))) == ["3095550123"]


def test_zip_codes_keep_five_digits():
    values = pd.Series(["61754-3907", "617543907", "61754", " 61754", "2134", "617", None])
    assert as_list(normalize_zip_codes(values)) == ["61754", "61754", "61754", "61754", "02134", None, None]
    assert as_list(normalize_zip_codes(pd.Series([2134, 61754]))) == ["02134", "61754"]


def test_names_are_turned_around_and_capitalized_only_when_all_one_case():
    values = pd.Series(
        [
            "RUIZ, ANA",
            "ana ruiz ",
            "Ruiz,  Ana",
            " Ana  Ruiz",
            "O'BRIEN, SEAN",
            "Sean McDonald",
            "A. Ruiz",
            "Ana R.",
            "",
            None,
        ]
    )
    assert as_list(normalize_names(values)) == [
        "Ana Ruiz",
        "Ana Ruiz",
        "Ana Ruiz",
        "Ana Ruiz",
        "Sean O'Brien",
        "Sean McDonald",
        "A. Ruiz",
        "Ana R.",
        None,
        None,
    ]


@pytest.mark.parametrize("step", [normalize_emails, normalize_phones, normalize_names, normalize_zip_codes])
def test_cleaning_a_whole_table_says_to_pick_a_column(step):
    with pytest.raises(AnalysisError, match="one column, not a whole table") as caught:
        step(pd.DataFrame({"email": ["a@example.org"]}))
    assert isinstance(caught.value, KitError) and "square brackets" in caught.value.hint


# --- deduplication -------------------------------------------------------------------------------


@pytest.fixture
def sheet():
    return pd.DataFrame(
        {
            "full_name": [
                "Ana Ruiz",
                "RUIZ, ANA",
                "Ana Ruiz",
                "ana ruiz",
                "Luis Ruiz",
                "Luis Ruiz",
                "Luis Ruiz",
                "Mia Park",
                "Mia Park",
                "Mia Park",
                "Zoe Li",
            ],
            "email": [
                "ana@example.org",
                " Ana@Example.org",
                None,
                None,
                None,
                None,
                "luis@example.org",
                "mia1@example.org",
                "mia2@example.org",
                None,
                None,
            ],
            "phone": [
                "309-555-0101",
                None,
                "(309) 555-0101",
                None,
                "309.555.0199",
                "3095550199",
                None,
                "309-555-0150",
                "309-555-0150",
                "309-555-0150",
                "309-555-0150",
            ],
            "zip_code": ["61751", "61751", None, "61751-1234", None, None, "61752", None, None, None, "61753"],
        },
        index=range(100, 111),
    )


def test_entries_are_matched_by_email_then_name_and_phone_then_name_and_zip(sheet):
    result = deduplicate_contacts(sheet)
    entries = result.entries
    assert list(entries.index) == list(sheet.index)
    assert list(entries["person_id"]) == [
        "P0001",
        "P0001",
        "P0001",
        "P0001",
        "P0002",
        "P0002",
        "P0003",
        "P0004",
        "P0005",
        "P0006",
        "P0007",
    ]
    assert list(entries["matched_by"]) == [
        "email",
        "email",
        "name + phone",
        "name + ZIP",
        "name + phone",
        "name + phone",
        "email",
        "email",
        "email",
        "no match",
        "no match",
    ]
    assert result.match_counts.to_dict() == {"email": 5, "name + phone": 3, "name + ZIP": 1, "no match": 2}
    assert result.match_counts.sum() == len(sheet)
    assert "person_id" not in sheet.columns  # input untouched


def test_two_emails_are_two_people_and_an_ambiguous_key_matches_no_one(sheet):
    entries = deduplicate_contacts(sheet).entries
    mia = entries[entries["full_name"] == "Mia Park"]
    # same name and phone, different emails: two people; the entry without email fits both: no match
    assert mia["person_id"].nunique() == 3
    assert mia["matched_by"].iloc[2] == "no match"


def test_entries_without_email_that_share_name_and_phone_become_one_person(sheet):
    entries = deduplicate_contacts(sheet).entries
    luis = entries[entries["full_name"] == "Luis Ruiz"]
    # the two without email share name and phone; the one with an email has no phone: a different key
    assert luis["person_id"].tolist() == ["P0002", "P0002", "P0003"]


def test_steps_can_be_skipped_and_columns_renamed(sheet):
    renamed = sheet.rename(columns={"full_name": "name", "phone": "cell"})
    result = deduplicate_contacts(
        renamed, name="name", phone="cell", zip_code=None, person="pid", matched_by="how", prefix="R"
    )
    assert list(result.match_counts.index) == ["email", "name + phone", "no match"]
    assert result.entries["pid"].iloc[0] == "R0001"
    assert result.entries["how"].iloc[3] == "no match"  # name + ZIP was skipped
    only_email = deduplicate_contacts(sheet, phone=None, zip_code=None)
    assert only_email.match_counts.to_dict() == {"email": 5, "no match": 6}


def test_a_missing_column_names_the_parameter_to_pass(sheet):
    with pytest.raises(MissingColumnError, match="no column 'Email'") as caught:
        deduplicate_contacts(sheet, email="Email")
    assert "email=" in caught.value.hint


def test_an_existing_person_column_is_not_overwritten(sheet):
    with pytest.raises(AnalysisError, match="already has a column 'person_id'"):
        deduplicate_contacts(sheet.assign(person_id=1))


def test_an_empty_table_has_no_people(sheet):
    result = deduplicate_contacts(sheet.iloc[:0])
    assert len(result.entries) == 0 and result.match_counts.sum() == 0


def pair_scores(predicted: pd.Series, truth: pd.Series) -> tuple[float, float]:
    """Pairwise precision and recall: of the pairs of entries put together, how many are one person;
    of the pairs that are one person, how many were put together."""

    def pairs(labels: pd.Series) -> set:
        found = set()
        for _, group in labels.groupby(labels):
            found.update(combinations(sorted(group.index), 2))
        return found

    made, real = pairs(predicted), pairs(truth)
    return len(made & real) / len(made), len(made & real) / len(real)


@pytest.fixture(scope="module")
def bundled_people():
    sheets = kit.load_dataset("signup_sheets")
    result = deduplicate_contacts(sheets)
    truth = sheets["entry_id"].map(signup_ground_truth())
    return result, truth


def test_the_bundled_sheets_are_deduplicated_almost_exactly(bundled_people):
    result, truth = bundled_people
    entries = result.entries
    assert truth.nunique() == 352
    precision, recall = pair_scores(entries["person_id"], truth)
    assert precision == 1.0  # no two people merged into one
    assert recall > 0.98
    # every person found is one real person; the few real people split in two are split by an
    # entry that matched no one (a typo or initials), which is the list to check by hand
    assert (entries.groupby("person_id").apply(lambda g: truth[g.index].nunique()) == 1).all()
    split = truth.groupby(truth).apply(lambda g: entries.loc[g.index, "person_id"].nunique())
    assert (split <= 2).all()
    extra = entries.loc[truth.isin(split[split > 1].index)]
    assert (extra.groupby(truth)["matched_by"].apply(lambda m: (m == "no match").sum()) >= 1).all()
    assert entries["person_id"].nunique() == 352 + (split > 1).sum() == 368
    assert result.match_counts.to_dict() == {"email": 1216, "name + phone": 93, "name + ZIP": 21, "no match": 27}


def test_email_alone_recovers_less_than_the_fallbacks(bundled_people):
    _, truth = bundled_people
    sheets = kit.load_dataset("signup_sheets")
    email_only = deduplicate_contacts(sheets, phone=None, zip_code=None).entries
    full = bundled_people[0].entries
    assert pair_scores(email_only["person_id"], truth)[1] < pair_scores(full["person_id"], truth)[1]


# --- consistent categories -----------------------------------------------------------------------

RACE = [
    "Latina",
    "Black, Latino",
    "Vietnamese",
    "prefer not to answer",
    None,
    "",
    "Somali",
    "Mixed",
    "Black and Latina",
    "Afro-Latina",
    "WHITE",
    "Asian, Somali",
]


def test_answers_map_to_several_categories_and_blanks_stay_apart_from_declines():
    race = map_categories(pd.Series(RACE), race_ethnicity_mapping())
    assert race.labels.tolist() == [
        "Hispanic or Latino",
        "Black or African American + Hispanic or Latino",
        "Asian",
        PREFER_NOT_TO_SAY,
        NOT_ANSWERED,
        NOT_ANSWERED,
        NOT_IN_MAPPING,
        "Multiracial, not specified",
        "Black or African American + Hispanic or Latino",
        "Black or African American + Hispanic or Latino",
        "White",
        "Asian + Not in mapping",
    ]
    table = race.categories
    assert table.dtypes.eq(bool).all()
    assert list(table.columns[-3:]) == [NOT_IN_MAPPING, PREFER_NOT_TO_SAY, NOT_ANSWERED]
    assert table["Native Hawaiian or Pacific Islander"].sum() == 0  # in the scheme even when nobody chose it
    assert table.sum(axis=1).min() == 1  # every answer counted somewhere
    assert race.unmapped.to_dict() == {"Somali": 1, "Asian, Somali": 1}


def test_the_detail_level_keeps_the_groups_people_named():
    race = map_categories(pd.Series(RACE), race_ethnicity_mapping(), level="detail")
    labels = race.labels.tolist()
    assert labels[0] == "Hispanic or Latino (not specified)"
    assert labels[2] == "Vietnamese"
    assert labels[9] == "Afro-Latino"
    assert labels[10] == "White"  # no detail in the scheme: no "(not specified)"


def test_per_person_combines_what_each_person_wrote():
    answers = pd.Series(
        [
            "Latina",
            "Mexican",
            None,  # a: Mexican (more precise than Latina)
            None,
            "Prefer not to say",  # b: declined
            None,
            None,  # c: never answered
            "Mixed",
            "White, Asian",  # d: said which, later
            "Black",
            "Prefer not to say",
        ]
    )  # e: an answer wins over a decline
    people = pd.Series(list("aaabbccddee"), name="person_id")
    broad = map_categories(answers, race_ethnicity_mapping(), by=people)
    assert list(broad.categories.index) == list("abcde") and broad.categories.index.name == "person_id"
    assert broad.labels.to_dict() == {
        "a": "Hispanic or Latino",
        "b": PREFER_NOT_TO_SAY,
        "c": NOT_ANSWERED,
        "d": "Asian + White",
        "e": "Black or African American",
    }
    detail = map_categories(answers, race_ethnicity_mapping(), by=people, level="detail")
    assert detail.labels["a"] == "Mexican"


def test_per_person_matches_rows_by_label_and_refuses_rows_without_a_person():
    answers = pd.Series(["F", "Mujer", "M"], index=[10, 11, 12])
    people = pd.Series(["b", "a", "a"], index=[12, 10, 11])  # same rows, another order
    gender = map_categories(answers, gender_mapping(), by=people)
    assert gender.labels.to_dict() == {"a": "Woman", "b": "Man"}
    with pytest.raises(AnalysisError, match="1 answers have no value in by"):
        map_categories(answers, gender_mapping(), by=["a", None, "b"])


def test_an_edited_mapping_covers_new_answers():
    mapping = pd.concat(
        [
            race_ethnicity_mapping(),
            pd.DataFrame({"written": ["Somali"], "category": ["Black or African American"], "detail": ["Somali"]}),
        ],
        ignore_index=True,
    )
    race = map_categories(pd.Series(["Somali", "somali ", "Negra y Latina"]), mapping, level="detail")
    assert race.unmapped.to_dict() == {"Negra y Latina": 1}
    assert race.labels.tolist()[:2] == ["Somali", "Somali"]
    # 'Negra' is not in the mapping: the part that is counts, and the rest is reported, not dropped
    assert race.labels.tolist()[2] == "Hispanic or Latino (not specified) + Not in mapping"
    spanish = pd.concat([mapping, pd.DataFrame({"written": ["Negra"], "category": ["Black or African American"]})])
    assert (
        map_categories(pd.Series(["Negra y Latina"]), spanish).labels[0]
        == "Black or African American + Hispanic or Latino"
    )


def test_gender_answers_and_accents():
    gender = map_categories(
        pd.Series(["F", "Mujer", "HOMBRE", "they/them", "Non-Binary", "", "Prefer not to say"]), gender_mapping()
    )
    assert gender.labels.tolist() == [
        "Woman",
        "Woman",
        "Man",
        "Non-binary",
        "Non-binary",
        NOT_ANSWERED,
        PREFER_NOT_TO_SAY,
    ]
    yes_no = pd.DataFrame({"written": ["yes", "si", "no"], "category": ["Yes", "Yes", "No"]})
    assert map_categories(pd.Series(["Sí", "Y E S", "No"]), yes_no).labels.tolist() == ["Yes", "Yes", "No"]


def test_a_broken_mapping_says_what_to_fix():
    with pytest.raises(MappingError, match="no column 'category'"):
        map_categories(pd.Series(["a"]), pd.DataFrame({"written": ["a"], "group": ["A"]}))
    with pytest.raises(MappingError, match="no column 'detail'"):
        map_categories(pd.Series(["a"]), gender_mapping(), level="detail")
    with pytest.raises(MappingError, match="row 1 .* blank category"):
        map_categories(pd.Series(["a"]), pd.DataFrame({"written": ["a", "b"], "category": ["A", " "]}))
    with pytest.raises(MappingError, match="must be a table"):
        map_categories(pd.Series(["a"]), {"a": "A"})
    with pytest.raises(AnalysisError, match="unknown level"):
        map_categories(pd.Series(["a"]), gender_mapping(), level="broad")
    with pytest.raises(AnalysisError, match="by has 1 values but there are 2"):
        map_categories(pd.Series(["F", "M"]), gender_mapping(), by=["a"])
    assert issubclass(MappingError, KitError)


def test_the_default_mappings_cover_every_bundled_answer(bundled_people):
    entries = bundled_people[0].entries
    for column, mapping in (("race_ethnicity", race_ethnicity_mapping()), ("gender", gender_mapping())):
        result = map_categories(entries[column], mapping, by=entries["person_id"])
        assert result.unmapped.empty, result.unmapped
        assert len(result.categories) == entries["person_id"].nunique()
        assert result.categories.sum(axis=1).min() == 1
    race = map_categories(entries["race_ethnicity"], race_ethnicity_mapping(), by=entries["person_id"])
    counts = race.categories.sum()
    assert counts[PREFER_NOT_TO_SAY] > 0 and counts[NOT_ANSWERED] > 0
    assert (race.categories.drop(columns=[PREFER_NOT_TO_SAY, NOT_ANSWERED]).sum(axis=1) > 1).sum() == 15
    per_entry = map_categories(entries["race_ethnicity"], race_ethnicity_mapping()).categories.sum()
    assert (per_entry >= counts).all()  # counting entries counts frequent attenders many times


# --- the ladder ----------------------------------------------------------------------------------


@pytest.fixture
def history():
    return pd.DataFrame(
        {
            "contact_id": ["a", "b", "c", "d", "a", "b", "a", "e"],
            "level": ["supporter"] * 4 + ["Volunteer ", "volunteer", "leader", "leader"],
            "date_reached": pd.to_datetime(
                [
                    "2025-01-01",
                    "2025-01-01",
                    "2025-02-01",
                    "2025-03-01",
                    "2025-01-11",
                    "2025-01-21",
                    "2025-03-02",
                    "2025-05-01",
                ]
            ),
        }
    )


def test_the_funnel_counts_people_per_rung_with_rates_and_median_days(history):
    funnel = ladder_funnel(history)
    assert list(funnel.index) == ["supporter", "volunteer", "leader"]
    # e has only a leader row: counted on every rung below, but no dates to measure the steps
    assert funnel["people"].tolist() == [5, 3, 2]
    assert funnel["conversion_rate"].tolist()[1:] == pytest.approx([3 / 5, 2 / 3])
    assert funnel["share_of_all"].tolist() == pytest.approx([1, 3 / 5, 2 / 5])
    assert funnel["median_days"].tolist()[1:] == [15.0, 50.0]
    assert np.isnan(funnel["conversion_rate"].iloc[0]) and np.isnan(funnel["median_days"].iloc[0])


def test_the_funnel_takes_other_ladders_and_column_names(history):
    renamed = history.rename(columns={"contact_id": "vanid", "level": "rung", "date_reached": "on"})
    funnel = ladder_funnel(
        renamed[renamed["rung"] != "leader"], person="vanid", level="rung", date="on", levels=["supporter", "volunteer"]
    )
    assert funnel["people"].tolist() == [4, 2]
    text_dates = history.assign(date_reached=history["date_reached"].dt.strftime("%Y-%m-%d"))
    assert ladder_funnel(text_dates).equals(ladder_funnel(history))


def test_an_unknown_rung_is_named(history):
    with pytest.raises(AnalysisError, match="'captain'") as caught:
        ladder_funnel(
            pd.concat(
                [
                    history,
                    pd.DataFrame(
                        {"contact_id": ["x"], "level": ["captain"], "date_reached": [pd.Timestamp("2025-06-01")]}
                    ),
                ]
            )
        )
    assert "levels=" in caught.value.hint
    with pytest.raises(MissingColumnError):
        ladder_funnel(history, date="when")


def test_the_bundled_funnel_matches_the_contact_list():
    funnel = ladder_funnel(kit.load_dataset("ladder_history"))
    levels = kit.load_dataset("contacts")["ladder_level"].value_counts()
    assert funnel["people"].to_dict() == {"supporter": 640, "volunteer": 189, "leader": 27}
    assert funnel.loc["leader", "people"] == levels["leader"]
    assert funnel.loc["volunteer", "people"] == levels["volunteer"] + levels["leader"]
    assert funnel.loc["leader", "conversion_rate"] == pytest.approx(27 / 189)
    assert (funnel["median_days"].iloc[1:] > 0).all()


# --- cohort retention ----------------------------------------------------------------------------


@pytest.fixture
def cohort():
    people = pd.DataFrame(
        {
            "contact_id": ["a", "b", "c", "d"],
            "date_joined": pd.to_datetime(["2025-01-05", "2025-01-20", "2025-02-03", "2025-03-30"]),
        }
    )
    came = pd.DataFrame(
        {
            "contact_id": ["a", "a", "a", "b", "c", "c", "c"],
            "event_date": pd.to_datetime(
                ["2025-01-10", "2025-03-01", "2025-03-20", "2025-02-15", "2025-01-28", "2025-02-20", "2025-04-02"]
            ),
        }
    )
    return people, came


def test_retention_is_the_share_of_each_cohort_who_came_each_month_later(cohort):
    people, came = cohort
    table = cohort_retention(people, came)  # ends in April, the latest date
    assert list(table.index) == ["2025-01", "2025-02", "2025-03"]
    assert list(table.columns) == [0, 1, 2, 3]
    expected = [
        [0.5, 0.5, 0.5, 0.0],
        [1.0, 0.0, 1.0, np.nan],  # c came BEFORE joining: month 0
        [0.0, 0.0, np.nan, np.nan],
    ]
    np.testing.assert_allclose(table.to_numpy(dtype=float), expected)
    counts = cohort_retention(people, came, normalize=False, end="2025-03-31")
    assert counts.loc["2025-01"].tolist() == [1, 1, 1]  # a came twice in March: one person
    assert pd.isna(counts.loc["2025-03", 1])


def test_retention_refuses_people_it_cannot_place(cohort):
    people, came = cohort
    with pytest.raises(JoinError, match="not in the people table, such as 'z'"):
        cohort_retention(
            people, pd.concat([came, pd.DataFrame({"contact_id": ["z"], "event_date": [pd.Timestamp("2025-02-01")]})])
        )
    with pytest.raises(JoinError, match="more than once"):
        cohort_retention(pd.concat([people, people.iloc[:1]]), came)
    with pytest.raises(MissingColumnError) as caught:
        cohort_retention(people, came, date="signed_up_at")
    assert "date=" in caught.value.hint


def test_a_column_of_dates_that_are_not_dates_gets_the_kits_message(history, cohort):
    bad = history.assign(date_reached=history["date_reached"].dt.strftime("%Y-%m-%d").where(history.index != 3, "soon"))
    with pytest.raises(AnalysisError, match="column 'date_reached' of the ladder history table") as caught:
        ladder_funnel(bad)
    assert isinstance(caught.value, KitError)
    assert "such as 'soon'" in str(caught.value) and "column name" in caught.value.hint
    people, came = cohort
    later = came.assign(event_date=came["event_date"].dt.strftime("%Y-%m-%d").where(came.index != 2, "next week"))
    with pytest.raises(AnalysisError, match="column 'event_date' of the attendance table .* such as 'next week'"):
        cohort_retention(people, later)
    with pytest.raises(AnalysisError, match="column 'date_joined' of the people table"):
        cohort_retention(people.assign(date_joined=["2025-01-05", "2025-01-20", "not yet", "2025-03-30"]), came)
    # text dates, as in a CSV export, are read
    text = people.assign(date_joined=people["date_joined"].dt.strftime("%Y-%m-%d"))
    assert cohort_retention(text, came).equals(cohort_retention(people, came))


def test_the_bundled_retention_table():
    contacts, events = kit.load_dataset("contacts"), kit.load_dataset("events")
    signups = kit.load_dataset("event_signups")
    came = signups[signups["attended"]].merge(events[["event_id", "event_date"]], on="event_id")
    table = cohort_retention(contacts, came)
    assert table.shape == (12, 12)
    assert table.stack().dropna().between(0, 1).all()
    assert table.isna().sum().sum() == 66  # the months that had not happened yet by December
    # March's new people who came to something in May, counted by hand
    march = contacts.loc[contacts["date_joined"].dt.month == 3, "contact_id"]
    may = came.loc[(came["event_date"].dt.month == 5) & came["contact_id"].isin(march), "contact_id"].nunique()
    assert table.loc["2025-03", 2] == pytest.approx(may / len(march))
