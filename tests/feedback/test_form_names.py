"""The form tools' own column names come from the survey catalogs (kit.feedback.form_names):
every available language's, and a new language's exports are read once its catalog exists."""

from __future__ import annotations

import csv
import shutil

import pandas as pd
import pytest

from kit.feedback import form_names as module
from kit.feedback.form_names import form_names
from kit.feedback.instruments import SURVEYS_DIR
from kit.feedback.mapping import ColumnMapping
from kit.feedback.read import read_export
from kit.languages import available_languages
from kit.pages import read_catalog

KEYS = (*module.GOOGLE_METADATA, *module.MICROSOFT_METADATA, "form.anonymous", "form.dayfirst")


@pytest.mark.parametrize("lang", available_languages())
def test_every_available_survey_catalog_names_the_form_columns(lang):
    catalog = read_catalog(SURVEYS_DIR, lang)
    assert all(catalog.get(key, "").strip() for key in KEYS), lang
    assert catalog["form.dayfirst"] in ("yes", "no")


def test_the_names_gather_every_language():
    names = form_names()
    assert {"timestamp", "marca temporal"} <= names.google_timestamp
    assert {"completion time", "hora de finalización"} <= names.microsoft_submitted
    assert {"id", "id."} <= names.microsoft_id
    assert "anonimo" in names.anonymous  # compared without accents


def test_only_names_no_month_first_language_writes_mark_a_day_first_export():
    names = form_names()
    assert {"marca temporal", "id.", "hora de inicio"} <= names.dayfirst_markers
    assert not {"id", "email", "timestamp", "completion time"} & names.dayfirst_markers


def test_portuguese_names_once_portuguese_is_there():
    names = form_names(("en", "es", "pt"))
    assert "carimbo de data/hora" in names.google_timestamp and "hora de conclusão" in names.microsoft_submitted
    assert {"carimbo de data/hora", "endereço de e-mail", "hora de início"} <= names.dayfirst_markers
    assert "id" not in names.dayfirst_markers  # Microsoft writes "ID" in English and Portuguese alike


def test_a_fourth_language_export_is_read_by_adding_its_catalog_alone(tmp_path, monkeypatch):
    surveys = tmp_path / "surveys"
    shutil.copytree(SURVEYS_DIR, surveys)
    french = (SURVEYS_DIR / "en.yaml").read_text(encoding="utf-8")
    french = french.replace('form.google.timestamp: "Timestamp"', 'form.google.timestamp: "Horodateur"')
    french = french.replace('form.dayfirst: "no"', 'form.dayfirst: "yes"')
    (surveys / "xx.yaml").write_text(french, encoding="utf-8")
    monkeypatch.setattr(module, "SURVEYS_DIR", surveys)
    monkeypatch.setattr(module, "available_languages", lambda: (*available_languages(), "xx"))

    path = tmp_path / "export.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(
            [["Horodateur", "Code", "Avant", "Maintenant"], ["03/04/2026 14:03:22", "AB01CD", "2", "4"]]
        )
    mapping = ColumnMapping(learner_id="Code", skills={"find-data": {"before": "Avant", "after": "Maintenant"}})
    got = read_export(path, mapping)
    assert got.source == "google" and got.unknown_columns == []
    assert list(got.responses["submitted_at"]) == [pd.Timestamp("2026-04-03 14:03:22")]  # 3 April, day first
