"""Dataset cards in Spanish: complete, and changing only what a reader reads."""

from __future__ import annotations

import pytest
import yaml

import kit
from kit.data.catalog import load_catalog
from kit.errors import DatasetError
from kit.paths import datasets_dir


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
