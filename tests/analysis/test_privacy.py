"""Digital safety steps (Supplement B): PII inventory and k-anonymity, keyed pseudonyms, small-cell
suppression that the totals cannot undo, and the scored self-assessment."""

from __future__ import annotations

import hashlib
import hmac

import numpy as np
import pandas as pd
import pytest

import kit
from kit.analysis.errors import AnalysisError, MissingColumnError
from kit.analysis.privacy import (
    KEY_VARIABLE,
    AssessmentError,
    PseudonymKeyError,
    load_key,
    pii_inventory,
    practice_key,
    pseudonymize,
    safety_questions,
    safety_score,
    smallest_group,
    suppress_small_cells,
)
from kit.languages import REFERENCE, available_languages

# --- PII inventory and k-anonymity


def test_the_inventory_sorts_columns_and_counts_who_one_column_singles_out():
    people = pd.DataFrame(
        {
            "email": ["a@x.org", "b@x.org", "c@x.org", "d@x.org"],
            "zip_code": ["61753", "61753", "61754", "61754"],
            "age_range": ["25-34", "25-34", "25-34", "35-44"],
            "ladder_level": ["supporter"] * 4,
        }
    )
    inventory = pii_inventory(people)
    assert inventory.columns["kind"].to_dict() == {
        "email": "direct identifier",
        "zip_code": "quasi-identifier",
        "age_range": "quasi-identifier",
        "ladder_level": "other",
    }
    assert inventory.columns.loc["email", "singled_out"] == 4
    assert inventory.columns.loc["zip_code", "singled_out"] == 0  # harmless alone...
    assert inventory.quasi == ("zip_code", "age_range")
    assert inventory.k == 1  # ...identifying together: the one 35-44 in 61754
    assert inventory.groups.iloc[0] == 1 and inventory.groups.sum() == len(people)


def test_a_group_names_its_own_columns_and_empty_values_are_a_group():
    people = pd.DataFrame({"mail": ["a", "b", "c"], "barrio": ["Norte", None, None]})
    inventory = pii_inventory(people, direct=["mail"], quasi=["barrio"])
    assert inventory.columns.loc["mail", "kind"] == "direct identifier"
    assert inventory.k == 1 and smallest_group(people, ["barrio"]) == 1
    assert smallest_group(people.iloc[1:], ["barrio"]) == 2


def test_k_on_the_contact_list_falls_as_quasi_identifiers_combine():
    contacts = kit.load_dataset("contacts")
    assert smallest_group(contacts, ["preferred_language"]) > smallest_group(
        contacts, ["neighborhood", "preferred_language"]
    )
    assert pii_inventory(contacts).k == 1  # the day someone joined nearly names them


def test_a_missing_quasi_identifier_names_the_keyword():
    with pytest.raises(MissingColumnError, match="age_range") as error:
        smallest_group(pd.DataFrame({"zip_code": ["1"]}), ["age_range"])
    assert error.value.parameter == "quasi"


# --- Pseudonyms


def test_pseudonyms_are_keyed_hmac_sha256_not_a_plain_hash():
    values = pd.Series(["ana@x.org", "bo@x.org", None, "ana@x.org"])
    out = pseudonymize(values, practice_key())
    expected = hmac.new(practice_key(), b"ana@x.org", hashlib.sha256).hexdigest()[:16]
    assert out[0] == expected == out[3] and out[1] != out[0] and pd.isna(out[2])
    assert out[0] != hashlib.sha256(b"ana@x.org").hexdigest()[:16]  # a guessed email cannot be hashed to match
    assert pseudonymize(values, b"another key")[0] != out[0]
    assert pseudonymize(values, "text key")[0] == pseudonymize(values, b"text key")[0]
    assert len(pseudonymize(values, practice_key(), length=64)[0]) == 64


def test_an_empty_key_or_a_bad_length_is_refused():
    with pytest.raises(PseudonymKeyError):
        pseudonymize(pd.Series(["a"]), b"")
    with pytest.raises(ValueError, match="length"):
        pseudonymize(pd.Series(["a"]), practice_key(), length=0)


def test_the_practice_key_says_what_it_is():
    assert b"PRACTICE" in practice_key() and b"NEVER" in practice_key()


def test_the_key_comes_from_the_environment_or_a_key_file(monkeypatch, tmp_path):
    monkeypatch.delenv(KEY_VARIABLE, raising=False)
    key_file = tmp_path / "pseudonym.key"
    with pytest.raises(PseudonymKeyError, match=KEY_VARIABLE) as error:
        load_key(path=key_file)
    assert "never write the key in a notebook" in str(error.value.hint)
    assert isinstance(error.value, AnalysisError)
    key_file.write_text("from-the-file\n")
    assert load_key(path=key_file) == b"from-the-file"
    monkeypatch.setenv(KEY_VARIABLE, "from-the-environment")
    assert load_key(path=key_file) == b"from-the-environment"


# --- Small-cell suppression


def _recoverable(published: pd.DataFrame) -> list[tuple[str, str]]:
    """Hidden cells a reader gets back by subtraction: alone in their row or column (with its total)."""
    hidden = published.isna().to_numpy()
    found = [(published.index[i], published.columns[j]) for i in range(len(hidden)) for j in np.flatnonzero(hidden[i])
             if hidden[i].sum() == 1 or hidden[:, j].sum() == 1]  # fmt: skip
    return found


COUNTS = pd.DataFrame(
    {"yes": [12, 3, 20], "no": [9, 8, 14], "maybe": [6, 7, 11]}, index=["Downtown", "Old Mill", "Eastside"]
)


def test_naive_suppression_leaks_a_cell_through_the_totals():
    table = COUNTS.copy()
    table["Total"] = table.sum(axis=1)
    table.loc["Total"] = table.sum()
    naive = table.astype("Int64").mask((table > 0) & (table < 5))
    assert naive.isna().sum().sum() == 1
    row = naive.loc["Old Mill"]
    assert row["Total"] - row.drop(["yes", "Total"]).sum() == 3  # the hidden 3, given back by the total
    assert _recoverable(naive) == [("Old Mill", "yes")]


def test_complementary_suppression_leaves_no_cell_alone_in_its_row_or_column():
    result = suppress_small_cells(COUNTS, k=5)
    assert result.primary.sum().sum() == 1 and result.primary.loc["Old Mill", "yes"]
    assert result.complementary.sum().sum() >= 3
    assert _recoverable(result.table) == []
    shown = result.table.notna()
    full = COUNTS.assign(Total=COUNTS.sum(axis=1))
    full.loc["Total"] = full.sum()
    assert (result.table[shown] == full[shown]).all().all()  # what is shown is true
    assert result.table.loc["Total", "Total"] == COUNTS.to_numpy().sum()
    assert result.hidden == result.primary.sum().sum() + result.complementary.sum().sum()


def test_zeros_are_shown_and_complementary_cells_prefer_people_over_zeros():
    counts = pd.DataFrame({"a": [0, 2, 30], "b": [10, 40, 25], "c": [50, 60, 0]}, index=["x", "y", "z"])
    result = suppress_small_cells(counts, k=5)
    assert result.table.loc["x", "a"] == 0 and not result.primary.loc["z", "c"]
    assert _recoverable(result.table) == []
    assert not result.table.loc["y"].drop("Total").notna().all()


def test_small_totals_are_hidden_too_and_nothing_under_k_is_shown():
    counts = pd.DataFrame({"a": [2, 1, 30], "b": [1, 9, 25]}, index=["x", "y", "z"])
    result = suppress_small_cells(counts, k=5)
    shown = result.table.stack().dropna()
    assert not ((shown > 0) & (shown < 5)).any()
    assert pd.isna(result.table.loc["x", "Total"])  # 3 people in x: the total names them too
    assert _recoverable(result.table) == []


def test_nothing_small_nothing_hidden_and_k_must_be_positive():
    assert suppress_small_cells(pd.DataFrame({"a": [5, 6]}), k=5).hidden == 0
    with pytest.raises(ValueError, match="k"):
        suppress_small_cells(COUNTS, k=0)


# --- Self-assessment


def test_the_questions_are_data_in_every_language():
    en, es = safety_questions("en"), safety_questions("es")
    assert list(en["id"]) == list(es["id"]) and len(en) >= 8
    assert (en["question"] != es["question"]).all()
    areas = {"Logins", "Who can see what", "Keeping data", "Sharing", "Lost devices"}
    assert set(en["area"]) == areas


@pytest.mark.parametrize("lang", [lang for lang in available_languages() if lang != REFERENCE])
def test_every_translation_asks_every_question_and_names_every_area(lang):
    en, other = safety_questions(REFERENCE), safety_questions(lang)
    assert list(other["id"]) == list(en["id"]) and list(other["weight"]) == list(en["weight"])
    assert (other["question"] != en["question"]).all() and other["question"].str.strip().all()
    assert other["area"].nunique() == en["area"].nunique() and not set(other["area"]) & set(en["area"])


def test_the_report_in_portuguese():
    answers = dict.fromkeys(safety_questions()["id"], "yes") | {"two-factor": "no"}
    report = safety_score(answers, "pt", fixes=3)
    assert report.text.startswith(f"Pontuação de segurança dos dados: {report.score:.0f} / 100")
    assert "Por área:" in report.text and "Corrigir primeiro:" in report.text
    assert "1. Ative a verificação em duas etapas" in report.text and "2. " not in report.text
    assert "Dispositivos perdidos" in report.by_area.index
    everything = safety_score(dict.fromkeys(safety_questions()["id"], "yes"), "pt")
    assert everything.score == 100 and "Todas as práticas estão em dia." in everything.text


def test_the_score_weighs_answers_and_the_report_lists_the_heaviest_fixes_first():
    questions = safety_questions()
    answers = dict.fromkeys(questions["id"], "yes") | {"lost-device-plan": "no", "two-factor": "partly"}
    report = safety_score(answers)
    total = questions["weight"].sum()
    assert report.score == pytest.approx(100 * (total - 1 - 1.5) / total)
    assert report.to_fix["id"].tolist() == ["two-factor", "lost-device-plan"]
    assert report.by_area["Logins"] == pytest.approx(100 * 3.5 / 5)
    assert report.by_area["Sharing"] == 100
    assert report.text.startswith(f"Data safety score: {report.score:.0f} / 100")
    assert "1. Turn on two-factor login" in report.text


def test_the_report_speaks_the_learners_language_and_keeps_it_short():
    answers = dict.fromkeys(safety_questions()["id"], "no")
    report = safety_score(answers, "es", fixes=3)
    assert report.score == 0 and report.text.startswith("Puntaje de seguridad de datos: 0 / 100")
    assert "3. " in report.text and "4. " not in report.text
    assert "Dispositivos perdidos" in report.by_area.index


def test_answers_that_do_not_fit_name_the_questions():
    answers = dict.fromkeys(safety_questions()["id"], "yes")
    with pytest.raises(AssessmentError, match="unanswered: two-factor") as error:
        safety_score({k: v for k, v in answers.items() if k != "two-factor"})
    assert error.value.ids == ["two-factor"]
    with pytest.raises(AssessmentError, match="not a question"):
        safety_score(answers | {"vpn": "yes"})
    with pytest.raises(AssessmentError, match="something else"):
        safety_score(answers | {"two-factor": "maybe"})
