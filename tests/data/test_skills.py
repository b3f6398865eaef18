"""The skills in the syllabus: what learners rate themselves on in the surveys."""

from __future__ import annotations

import re

import pytest
import yaml
from helpers import REPO
from pydantic import ValidationError

from kit.data.syllabus import Skill, load_syllabus
from kit.errors import CatalogError
from kit.languages import available_languages


def test_every_available_module_has_two_skills_with_distinct_ids_in_every_language():
    syllabus = load_syllabus()
    skills = [s for m in syllabus.available() for s in m.skills]
    assert all(len(m.skills) == 2 for m in syllabus.available())
    assert len(skills) == 2 * len(syllabus.available()) and len({s.id for s in skills}) == len(skills)
    others = [lang for lang in available_languages() if lang != "en"]
    assert others, "a second language"
    for s in skills:
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", s.id), s.id
        for lang in others:
            phrase = s.text(lang)
            assert phrase.strip() and phrase != s.en, (s.id, lang)
            assert "\n" not in phrase and phrase[0].islower(), (s.id, lang)
        assert s.text("en") == s.en and "\n" not in s.en and s.en[0].islower(), s.id


def test_skills_for_keeps_syllabus_order_without_repeats():
    syllabus = load_syllabus()
    ids = [s.id for s in syllabus.skills_for([3, "01-intro-movement-data", 1])]
    assert ids == [s.id for s in syllabus.module(1).skills] + [s.id for s in syllabus.module(3).skills]
    assert syllabus.skills_for([]) == []
    assert [s.id for s in syllabus.skills_for([6])] == ["build-turnout-model", "check-model-fairness"]
    with pytest.raises(CatalogError, match="unknown module 99"):
        syllabus.skills_for([99])


def test_a_skill_id_used_twice_is_rejected(tmp_path):
    raw = yaml.safe_load((REPO / "modules" / "syllabus.yaml").read_text(encoding="utf-8"))
    raw["modules"][1]["skills"][0]["id"] = raw["modules"][0]["skills"][0]["id"]
    bad = tmp_path / "syllabus.yaml"
    bad.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(CatalogError, match="skill ids must be unique"):
        load_syllabus(bad)


@pytest.mark.parametrize(
    "fields",
    [
        {"id": "Find Data", "en": "x", "es": "y"},
        {"id": "find-data", "en": "", "es": "y"},
        {"id": "find-data", "en": "x", "es": "y", "fr": "z"},
    ],
)
def test_a_bad_skill_is_rejected(fields):
    with pytest.raises(ValidationError):
        Skill(**fields)


def test_a_skill_in_an_unknown_language():
    with pytest.raises(CatalogError, match="no text in language 'fr'"):
        Skill(id="find-data", en="finding data", es="encontrar datos").text("fr")
