"""Course folders anywhere: ``kit-course.yaml`` marks a course, ``kit grade …`` finds it from inside.

``kit.paths`` finds the enclosing course (like nbgrader finds its config), the
checkout's ``grader/`` is a course folder, and :func:`kit.course.new_course.new_course`
writes a self-contained one that the real nbgrader course (release, simulate,
autograde, export) runs in, through the CLI, from inside the folder.
"""

from __future__ import annotations

import csv
import json
import shutil
import tempfile
from pathlib import Path

import pytest
import yaml
from helpers import REPO
from typer.testing import CliRunner

import kit
from kit.course.new_course import MADE_BY, new_course
from kit.course.selfcheck import CHECKS_FILE, lint_checks
from kit.errors import CourseError
from kit.grading.course import open_course
from kit.languages import available_languages
from kit.paths import COURSE_MARKER, bundled_dir, course_dir, datasets_dir, find_course, grader_dir

ASSIGNMENT = "01-intro-movement-data"


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """A course folder made by new_course (both languages), shared by the read-only tests."""
    return new_course(tmp_path_factory.mktemp("courses") / "riverton-fall")


def test_find_course_looks_at_and_above_the_start_folder(tmp_path, monkeypatch):
    (tmp_path / "c" / "a" / "b").mkdir(parents=True)
    (tmp_path / "c" / COURSE_MARKER).write_text("course_id: c\n")
    assert find_course(tmp_path / "c" / "a" / "b") == (tmp_path / "c").resolve()
    assert find_course(tmp_path / "c") == (tmp_path / "c").resolve()
    assert find_course(tmp_path) is None
    monkeypatch.chdir(tmp_path / "c" / "a")
    assert find_course() == (tmp_path / "c").resolve()


def test_course_dir_prefers_the_enclosing_course_then_kit_home_then_the_checkout(tmp_path, monkeypatch):
    (tmp_path / "course").mkdir()
    (tmp_path / "course" / COURSE_MARKER).write_text("course_id: x\n")
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.delenv("KIT_HOME", raising=False)
    monkeypatch.chdir(tmp_path / "elsewhere")
    assert course_dir() == REPO / "grader" == grader_dir()
    monkeypatch.setenv("KIT_HOME", str(tmp_path / "home"))
    assert course_dir() == (tmp_path / "home" / "grader").resolve()
    monkeypatch.chdir(tmp_path / "course")
    assert course_dir() == (tmp_path / "course").resolve()


def test_the_checkouts_grader_is_a_course_folder_with_its_exercises_beside_it(monkeypatch):
    marker = yaml.safe_load((REPO / "grader" / COURSE_MARKER).read_text())
    assert marker["city"] == "riverton"
    assert (marker["exercises"], marker["modules"], marker["datasets"]) == ("../exercises", "../modules", "../datasets")
    monkeypatch.chdir(REPO / "grader" / "simulation")
    assert find_course() == REPO / "grader"
    course = open_course()
    assert course.root == REPO / "grader"
    assert course.source_root == REPO / "exercises"
    assert datasets_dir() == REPO / "datasets"


def test_bundled_dirs_are_the_checkouts_folders_here():
    assert bundled_dir("exercises") == REPO / "exercises"
    assert bundled_dir("simulation") == REPO / "grader" / "simulation"
    assert bundled_dir("cities") == REPO / "cities"
    with pytest.raises(ValueError, match="plans"):
        bundled_dir("plans")


def test_new_course_holds_everything_a_trainer_needs(made):
    marker = yaml.safe_load((made / COURSE_MARKER).read_text())
    assert marker["made_by"] == MADE_BY and marker["kit_version"] == kit.__version__
    assert marker["languages"] == ["en", "es"] and marker["course_id"] == "riverton-fall"
    exercises = sorted(p.name for p in (made / "exercises").iterdir())
    others = [lang for lang in available_languages() if lang not in marker["languages"]]  # e.g. 01-…-pt
    bundled = [p.name for p in REPO.joinpath("exercises").iterdir() if p.name != "templates"]
    assert exercises == sorted(name for name in bundled if not name.endswith(tuple(f"-{o}" for o in others)))
    assert (made / "modules" / "es" / "03-issue-campaigns.ipynb").is_file()
    assert not (made / "modules" / "templates").exists()
    assert sorted(p.name for p in (made / "simulation").iterdir()) == sorted(
        p.name for p in (REPO / "grader" / "simulation").iterdir()
    )
    assert (made / "datasets" / "catalog.yaml").read_bytes() == (REPO / "datasets" / "catalog.yaml").read_bytes()
    course = open_course(made)
    assert course.source_root == made / "exercises"
    assert course.course_id == "riverton-fall"
    assert course.coursedir.db_url == f"sqlite:///{made / 'gradebook.db'}"


def test_load_dataset_inside_a_course_reads_the_courses_datasets(tmp_path, monkeypatch):
    made = new_course(tmp_path / "c", languages=["en"])
    lines = (made / "datasets" / "contacts.csv").read_text().splitlines()
    (made / "datasets" / "contacts.csv").write_text("\n".join(lines[:6]) + "\n")
    monkeypatch.delenv("KIT_HOME", raising=False)
    monkeypatch.chdir(made / "modules")
    assert datasets_dir() == made / "datasets"
    assert len(kit.load_dataset("contacts")) == 5
    monkeypatch.chdir(tmp_path)
    assert len(kit.load_dataset("contacts")) > 5
    monkeypatch.setenv("KIT_COURSE", str(made))  # a notebook graded outside the course folder
    assert datasets_dir() == made / "datasets"
    assert len(kit.load_dataset("contacts")) == 5


def test_new_course_in_one_language_with_a_plan(tmp_path):
    made = new_course(tmp_path / "c", plan_spec=REPO / "plans" / "riverton.yaml", languages=["es"])
    assert all(p.name.endswith("-es") for p in (made / "exercises").iterdir())
    assert not list((made / "modules").glob("*.ipynb")) and list((made / "modules" / "es").glob("*.ipynb"))
    assert (made / "plan" / "riverton.yaml").read_bytes() == (REPO / "plans" / "riverton.yaml").read_bytes()
    with pytest.raises(CourseError, match="fr"):
        new_course(tmp_path / "d", languages=["fr"])
    assert not (tmp_path / "d").exists()


def test_a_portuguese_course_holds_the_portuguese_exercises_and_modules_only(tmp_path):
    made = new_course(tmp_path / "c", languages=["pt"])
    exercises = sorted(p.name for p in (made / "exercises").iterdir())
    assert exercises == sorted(p.name for p in REPO.joinpath("exercises").glob("*-pt") if any(p.glob("*.ipynb")))
    assert exercises and not list((made / "modules").glob("*.ipynb"))
    assert sorted(p.name for p in (made / "modules" / "pt").iterdir()) == sorted(
        p.name for p in (REPO / "modules" / "pt").glob("*.ipynb")
    )


def test_new_course_never_overwrites_a_folder_it_did_not_make(tmp_path):
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("my notes")
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / COURSE_MARKER).write_text("made_by: someone\n")
    for folder in ("mine", "other"):
        before = sorted(p.name for p in (tmp_path / folder).iterdir())
        with pytest.raises(CourseError, match="not empty"):
            new_course(tmp_path / folder)
        assert sorted(p.name for p in (tmp_path / folder).iterdir()) == before
    (tmp_path / "file").write_text("x")
    with pytest.raises(CourseError, match="is a file"):
        new_course(tmp_path / "file")


def test_new_course_again_keeps_the_gradebook_and_nbgraders_folders(tmp_path):
    made = new_course(tmp_path / "c", languages=["en"])
    (made / "gradebook.db").write_bytes(b"grades")
    (made / "submitted" / "ana").mkdir(parents=True)
    (made / "exercises" / "stray").mkdir()
    assert new_course(made, languages=["en", "es"]) == made
    assert (made / "gradebook.db").read_bytes() == b"grades" and (made / "submitted" / "ana").is_dir()
    assert not (made / "exercises" / "stray").exists()
    assert (made / "exercises" / f"{ASSIGNMENT}-es").is_dir()


def test_new_course_for_a_city_uses_its_adapted_exercise_and_data(tmp_path):
    made = new_course(tmp_path / "c", city_profile=REPO / "cities" / "riverton.yaml", languages=["en"], execute=False)
    marker = yaml.safe_load((made / COURSE_MARKER).read_text())
    assert marker["city"] == "riverton" and marker["adapted_exercises"] == ["03-issue-campaigns"]
    adapted = made / "adapt" / "exercises" / "03-issue-campaigns" / "03-issue-campaigns.ipynb"
    assert (made / "exercises" / "03-issue-campaigns" / "03-issue-campaigns.ipynb").read_bytes() == adapted.read_bytes()
    cards = {c["name"] for c in yaml.safe_load((made / "datasets" / "catalog.yaml").read_text())["datasets"]}
    assert {"contacts", "service_requests", "precinct_results"} <= cards  # the kit's kept, the city's added
    es = yaml.safe_load((made / "datasets" / "catalog.es.yaml").read_text())["datasets"]
    assert {"contacts", "precinct_results"} <= set(es)


def test_a_city_course_takes_the_self_check_of_its_own_exercise(awkward_city_profile, tmp_path):
    """The adapted exercise's checks.yaml comes with it: the city's variable names, the city's questions."""
    made = new_course(tmp_path / "c", city_profile=awkward_city_profile, languages=["en"], execute=False)
    folder = made / "exercises" / "03-issue-campaigns"
    questions = yaml.safe_load((folder / CHECKS_FILE).read_text(encoding="utf-8"))["questions"]
    assert "count-duplicate-reports" not in questions  # the city marks no duplicates: no question, no check
    assert lint_checks(folder) == []  # every variable it checks is one the city's notebook assigns


@pytest.mark.grading
def test_kit_grade_works_from_inside_a_course_folder(tmp_path, monkeypatch):
    """release, simulate, autograde and export through the CLI, run in (and below) the course folder."""
    from kit.cli import app

    made = new_course(tmp_path / "course", languages=["en"])
    monkeypatch.delenv("KIT_HOME", raising=False)
    runner = CliRunner()
    steps = [
        (made / "exercises", ["grade", "release", ASSIGNMENT]),
        (made, ["grade", "simulate", "-a", ASSIGNMENT, "-n", "5"]),
        (made / "simulation", ["grade", "autograde", ASSIGNMENT]),
        (made, ["grade", "export"]),
    ]
    for folder, args in steps:
        monkeypatch.chdir(folder)
        result = runner.invoke(app, args)
        assert result.exit_code == 0, f"kit {' '.join(args)}: {result.output}"
    simulated = json.loads((made / "submitted" / ".simulated.json").read_text())[ASSIGNMENT]
    with open(made / "exports" / "grades.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert sorted(r["learner"] for r in rows) == sorted(simulated)
    assert any(float(r["auto_score"]) > 0 for r in rows)
    assert not any((REPO / "grader" / "submitted" / learner).exists() for learner in simulated)


@pytest.mark.grading
def test_a_city_course_is_graded_on_the_citys_data_in_the_sandbox(awkward_city_profile, tmp_path, monkeypatch):
    """The city's exercise 3 asks about the city's areas and types; graded in the sandbox (which hides
    the course folder, datasets and all), its solution earns full marks only on the city's data."""
    from kit.grading.autograde import autograde
    from kit.grading.course import open_course
    from kit.grading.grades import question_scores
    from kit.grading.release import release_assignment

    made = new_course(tmp_path / "c", city_profile=awkward_city_profile, languages=["en"], execute=False)
    monkeypatch.delenv("KIT_HOME", raising=False)
    monkeypatch.chdir(tmp_path)
    course = open_course(made)
    assignment = "03-issue-campaigns"
    release_assignment(course, assignment)
    source = made / "exercises" / assignment / f"{assignment}.ipynb"
    folder = course.step_dir("submitted", "ana", assignment)
    folder.mkdir(parents=True)
    shutil.copy(source, folder)
    (folder / "timestamp.txt").write_text("2026-03-02 17:00:00.000000 UTC")
    autograde(course, assignment, engine="kit")
    scores = question_scores(course, [assignment])
    auto = scores[scores["kind"] == "auto"]
    assert len(auto) >= 5 and (auto["score"] == auto["max_score"]).all(), auto
    assert not list(Path(tempfile.gettempdir()).glob("kit-datasets-*"))  # the run's copy is gone
