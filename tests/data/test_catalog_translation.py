"""Dataset cards in every language the kit has: complete, and changing only what a reader reads."""

from __future__ import annotations

from datetime import date

import pytest
import yaml
from typer.testing import CliRunner

import kit
from kit.cli import app
from kit.data.catalog import load_catalog
from kit.data.months import MESSAGES_DIR, MONTH_NAMES, write_day, write_month
from kit.errors import DatasetError
from kit.languages import REFERENCE, available_languages, card_translation
from kit.pages import check_catalogs, read_catalog
from kit.paths import datasets_dir

TRANSLATIONS = [lang for lang in available_languages() if lang != REFERENCE]


@pytest.fixture(scope="module")
def spanish():
    return yaml.safe_load((datasets_dir() / "catalog.es.yaml").read_text(encoding="utf-8"))["datasets"]


def test_every_card_and_column_has_spanish_text(spanish):
    for card in load_catalog().datasets:
        text = spanish.get(card.name)
        assert text, f"no Spanish card for {card.name}"
        assert text["title"] != card.title and text["description"].strip() != card.description.strip()
        assert set(text.get("columns", {})) == {c.name for c in card.columns}, card.name
        assert len(text.get("quirks", [])) == len(card.quirks), card.name
        for column in card.columns:
            assert text["columns"][column.name].strip(), f"{card.name}.{column.name}"
    assert set(spanish) == {c.name for c in load_catalog().datasets}


def test_a_spanish_card_keeps_names_types_and_hashes():
    english, spanish = kit.describe_dataset("contacts"), kit.describe_dataset("contacts", lang="es")
    assert [c.name for c in spanish.columns] == [c.name for c in english.columns]
    assert [c.type for c in spanish.columns] == [c.type for c in english.columns]
    assert (spanish.sha256, spanish.file, spanish.rows) == (english.sha256, english.file, english.rows)
    text = spanish.to_markdown()
    assert "| columna | tipo | significado |" in text and "**Archivo:** `contacts.csv` (640 filas)" in text


def test_an_unknown_language_is_refused():
    with pytest.raises(DatasetError, match="no dataset cards in language 'fr'"):
        kit.describe_dataset("contacts", lang="fr")


@pytest.mark.parametrize("lang", TRANSLATIONS)
def test_every_card_and_column_has_text_in_each_translation(lang):
    translated = yaml.safe_load(card_translation(lang).read_text(encoding="utf-8"))["datasets"]
    assert set(translated) == {c.name for c in load_catalog().datasets}
    for card in load_catalog().datasets:
        text = translated[card.name]
        assert text["title"] != card.title and text["description"].strip() != card.description.strip(), card.name
        assert set(text.get("columns", {})) == {c.name for c in card.columns}, card.name
        assert len(text.get("quirks", [])) == len(card.quirks), card.name
        for column in card.columns:  # a short meaning may read the same ("Latitude (WGS84)"), a sentence may not
            meaning = text["columns"][column.name].strip()
            assert meaning and (meaning != column.description.strip() or len(meaning.split()) <= 3), column.name


def test_a_portuguese_card_keeps_names_types_and_hashes_and_reads_portuguese():
    english, portuguese = kit.describe_dataset("contacts"), kit.describe_dataset("contacts", lang="pt")
    assert [(c.name, c.type) for c in portuguese.columns] == [(c.name, c.type) for c in english.columns]
    assert (portuguese.sha256, portuguese.file, portuguese.rows) == (english.sha256, english.file, english.rows)
    text = portuguese.to_markdown()
    assert "| coluna | tipo | significado |" in text and "**Arquivo:** `contacts.csv` (640 linhas)" in text
    assert "| rows |" not in text and "Known quirks" not in text


@pytest.mark.parametrize("lang", available_languages())
def test_kit_data_show_prints_the_card_in_each_language(lang):
    result = CliRunner().invoke(app, ["data", "show", "contacts", "--lang", lang])
    assert result.exit_code == 0, result.output
    words = read_catalog(MESSAGES_DIR, lang)
    assert kit.describe_dataset("contacts", lang).title in result.output
    assert f"{words['card.file']}: contacts.csv (640 {words['card.rows']})" in result.output


def test_kit_data_show_refuses_a_language_the_kit_lacks_and_names_those_it_has():
    result = CliRunner().invoke(app, ["data", "show", "contacts", "--lang", "fr"])
    assert result.exit_code != 0
    assert "'fr'" in result.output and ", ".join(available_languages()) in result.output


def test_the_data_catalogs_have_the_same_keys_and_placeholders_in_every_language():
    assert check_catalogs(MESSAGES_DIR, available_languages()) == []


@pytest.mark.parametrize(
    ("lang", "day", "month"),
    [
        ("en", "February 28, 2023", "February 2023"),
        ("es", "28 de febrero de 2023", "febrero de 2023"),
        ("pt", "28 de fevereiro de 2023", "fevereiro de 2023"),
    ],
)
def test_a_day_and_a_month_as_each_language_writes_them(lang, day, month):
    assert (write_day(date(2023, 2, 28), lang), write_month(date(2023, 2, 1), lang)) == (day, month)


def test_month_names_come_from_each_catalog():
    assert set(MONTH_NAMES) == set(available_languages())
    assert MONTH_NAMES["pt"][2] == "março" and MONTH_NAMES["es"][8] == "septiembre"
    assert all(len(set(MONTH_NAMES[lang])) == 12 for lang in MONTH_NAMES)
    with pytest.raises(KeyError):
        MONTH_NAMES["fr"]
