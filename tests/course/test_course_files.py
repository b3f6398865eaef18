"""The city's datasets as an adapted course writes them: a card per table, translated into every language."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml

from kit.course.course_files import MESSAGES_DIR, write_datasets
from kit.course.new_course import _merge_catalogs
from kit.data.catalog import load_catalog, translate_card
from kit.languages import REFERENCE, available_languages, card_translation
from kit.pages import read_catalog

PROFILE = Path("cities") / "lakeside.yaml"


@pytest.fixture
def tables() -> dict[str, pd.DataFrame]:
    requests = pd.DataFrame({"request_id": [1, 2], "type": ["POTHOLE", "GRAFFITI"], "open": [True, False]})
    people = pd.DataFrame({"area": ["North", "South"], "population": [1200, 3400]})
    return {"service_requests": requests, "neighborhood_population": people}


def test_the_city_cards_are_written_in_every_language_the_kit_has(tables, tmp_path):
    files = write_datasets(tables, tmp_path, "Lakeside", PROFILE)
    translations = {card_translation(lang, tmp_path) for lang in available_languages() if lang != REFERENCE}
    assert len(translations) >= 2 and translations <= set(files)
    assert all(path.is_file() for path in files)
    catalog = load_catalog(tmp_path)
    for lang in available_languages():
        words = read_catalog(MESSAGES_DIR, lang)
        for name in tables:
            card = translate_card(catalog.card(name), lang, root=tmp_path)
            assert card.title == words[f"datasets.title.{name}"].format(city="Lakeside")
            assert "Lakeside" in card.title and PROFILE.name in card.description
            assert card.columns == catalog.card(name).columns  # names and types never change


def test_the_portuguese_cards_read_portuguese(tables, tmp_path):
    write_datasets(tables, tmp_path, "Lakeside", PROFILE)
    card = translate_card(load_catalog(tmp_path).card("service_requests"), "pt", root=tmp_path)
    assert card.title == "Solicitações de serviço ao 311 de Lakeside"
    assert card.description.startswith("Os dados da própria cidade")


def test_the_spanish_cards_are_unchanged(tables, tmp_path):
    write_datasets(tables, tmp_path, "Lakeside", PROFILE)
    words = yaml.safe_load((tmp_path / "catalog.es.yaml").read_text(encoding="utf-8"))["datasets"]
    assert words["neighborhood_population"] == {
        "title": "Población de Lakeside por área",
        "description": "Los datos de la propia ciudad, con las columnas estándar del kit, escritos por "
        "`kit course adapt` a partir del perfil lakeside.yaml.",
    }


def test_only_the_languages_asked_for(tables, tmp_path):
    files = write_datasets(tables, tmp_path, "Lakeside", PROFILE, languages=["en", "pt"])
    assert [p.name for p in files if p.name.startswith("catalog")] == ["catalog.yaml", "catalog.pt.yaml"]
    assert not (tmp_path / "catalog.es.yaml").exists()


def test_a_course_merges_the_city_cards_into_each_translation_of_the_kit(tables, tmp_path):
    kit = tmp_path / "kit"
    kit.mkdir()
    write_datasets({"neighborhood_population": tables["neighborhood_population"]}, kit, "Riverton", PROFILE)
    city, course = tmp_path / "city", tmp_path / "course"
    course.mkdir()
    write_datasets({"service_requests": tables["service_requests"]}, city, "Lakeside", PROFILE, languages=["en"])
    (city / "catalog.pt.yaml").write_text(
        yaml.safe_dump({"datasets": {"service_requests": {"title": "Pedidos de Lakeside"}}}), encoding="utf-8"
    )
    _merge_catalogs(city, kit, course)
    for lang in available_languages():
        if lang == REFERENCE:
            continue
        words = yaml.safe_load(card_translation(lang, course).read_text(encoding="utf-8"))["datasets"]
        assert "neighborhood_population" in words  # the kit's cards stay in every translation
        assert ("service_requests" in words) == (lang == "pt")  # the city's, where the city has the words
    pt = yaml.safe_load((course / "catalog.pt.yaml").read_text(encoding="utf-8"))["datasets"]
    assert pt["service_requests"] == {"title": "Pedidos de Lakeside"}
