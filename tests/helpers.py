"""Helpers shared by the tests: a throwaway project, notebook builders."""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parent.parent
ASSIGNMENT = "01-intro-movement-data"  # the module the grading-mechanics tests use


def available_assignments(languages: tuple[str, ...] = ("en",)) -> list[str]:
    """Every assignment of an available module, in the given languages."""
    from kit.data.syllabus import load_syllabus

    return [a for m in load_syllabus().available() for lang in languages if (a := m.assignment_for(lang))]


ASSIGNMENTS = available_assignments()  # what the main job grades
ALL_ASSIGNMENTS = available_assignments(("en", "es"))  # every language's exercise
GRADED = ASSIGNMENTS[:2]  # the shared graded cohort's (tests/grading/conftest.py): grades across assignments


def make_project(base: Path) -> Path:
    """A project folder with the real course config, exercises and datasets."""
    root = base / "project"
    (root / "grader").mkdir(parents=True)
    shutil.copy(REPO / "grader" / "nbgrader_config.py", root / "grader")
    shutil.copytree(REPO / "grader" / "simulation", root / "grader" / "simulation")
    shutil.copytree(REPO / "exercises", root / "exercises")
    (root / "datasets").symlink_to(REPO / "datasets")
    (root / "modules").symlink_to(REPO / "modules")
    (root / "plans").symlink_to(REPO / "plans")
    return root


def exercise_source(assignment: str = ASSIGNMENT) -> Path:
    return REPO / "exercises" / assignment / f"{assignment}.ipynb"


def read_nb(path: Path):
    return nbformat.read(path, as_version=4)


def wrong_visible_answers(profile, variant: int) -> dict[str, str]:
    """For each question, its ``variant``-th wrong answer that the visible tests let through."""
    answers = {}
    for gid, question in profile.questions.items():
        passing = [w for w in question.wrong if w.passes_visible]
        assert passing, f"{gid} has no wrong answer that passes the visible tests"
        answers[gid] = passing[variant % len(passing)].code
    return answers


def fill_answers(release_nb, answers: dict[str, str]):
    nb = nbformat.from_dict(release_nb)
    for cell in nb.cells:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        if gid in answers:
            cell.source = answers[gid]
    return nb


def submit(course, learner: str, files: dict[str, str], assignment: str = ASSIGNMENT) -> None:
    folder = course.step_dir("submitted", learner, assignment)
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text)
    (folder / "timestamp.txt").write_text("2026-03-02 17:00:00.000000 UTC")
