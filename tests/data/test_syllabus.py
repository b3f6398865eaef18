"""The syllabus file agrees with what is in the repository."""

from __future__ import annotations

import pytest
from helpers import REPO

from kit.data.catalog import load_catalog
from kit.data.syllabus import load_syllabus
from kit.errors import CatalogError


def test_every_available_module_has_its_notebooks_exercise_and_simulation_profile():
    syllabus = load_syllabus()
    assert syllabus.available()
    for m in syllabus.available():
        assert (REPO / "modules" / f"{m.id}.ipynb").is_file(), m.id
        for lang in m.languages:
            if lang != "en":
                assert (REPO / "modules" / lang / f"{m.id}.ipynb").is_file(), f"{m.id} ({lang})"
        assert "en" in m.exercise_languages
        for assignment in m.assignments:
            assert (REPO / "exercises" / assignment / f"{assignment}.ipynb").is_file(), assignment
        assert (REPO / "grader" / "simulation" / f"{m.assignment}.yaml").is_file()


def test_every_notebook_and_exercise_in_the_repository_is_in_the_syllabus():
    syllabus = load_syllabus()
    available = {m.id for m in syllabus.available()}
    assert {p.stem for p in (REPO / "modules").glob("*.ipynb")} <= available
    listed = {a for m in syllabus.available() for a in m.assignments}
    # exercises/templates/ holds Jinja2 templates, rendered per city by `kit course adapt` (tests/course)
    assert {p.name for p in (REPO / "exercises").iterdir() if p.is_dir() and p.name != "templates"} <= listed


def test_modules_name_only_catalog_datasets_and_earlier_prerequisites():
    syllabus = load_syllabus()
    known = {c.name for c in load_catalog().datasets}
    for m in syllabus.available():
        assert set(m.datasets) <= known, m.id
    for m in syllabus.modules:
        assert all(p < m.number for p in m.prerequisites), m.id
        assert m.teaching_minutes > 0 and m.exercise_minutes > 0


def test_prerequisites_are_pulled_in():
    syllabus = load_syllabus()
    assert [m.number for m in syllabus.with_prerequisites(["06-next-top-model"])] == [1, 2, 6]
    assert syllabus.module(3).id == "03-issue-campaigns"


def test_unknown_module_and_bad_file(tmp_path):
    with pytest.raises(CatalogError, match="unknown module 99"):
        load_syllabus().module(99)
    bad = tmp_path / "syllabus.yaml"
    bad.write_text("modules:\n  - number: 1\n    id: x\n")
    with pytest.raises(CatalogError, match="syllabus.yaml"):
        load_syllabus(bad)
