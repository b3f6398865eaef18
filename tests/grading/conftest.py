"""A small cohort graded once by real nbgrader, shared by the grading tests."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest
from helpers import (
    ASSIGNMENT,
    GRADED,
    exercise_source,
    fill_answers,
    make_project,
    read_nb,
    submit,
    wrong_visible_answers,
)


@dataclass
class GradedCohort:
    course: object
    results: dict  # assignment -> learner -> LearnerResult
    wrong_sets: dict  # (assignment, learner) -> {grade_id: code}


@pytest.fixture(scope="session")
def graded(tmp_path_factory) -> GradedCohort:
    """Two English assignments (exercise 1 and the next) graded by the kit's grader for: the solution, the
    untouched release, two sets of wrong answers the visible tests let through;
    and, for module 1, a broken notebook and a renamed one."""
    from kit.grading.autograde import autograde
    from kit.grading.course import open_course
    from kit.grading.profile import load_profile
    from kit.grading.release import release_assignment

    with pytest.MonkeyPatch.context() as mp:
        root = make_project(tmp_path_factory.mktemp("graded"))
        mp.setenv("KIT_HOME", str(root))
        course = open_course(root / "grader")
        results, wrong_sets = {}, {}
        for assignment in GRADED:
            release = release_assignment(course, assignment)
            name = release.notebooks[0].name
            release_nb = read_nb(release.notebooks[0])
            profile = load_profile(course.root, assignment)
            for variant in (0, 1):
                answers = wrong_visible_answers(profile, variant)
                wrong_sets[assignment, f"wrong{variant}"] = answers
                submit(
                    course, f"wrong{variant}", {name: nbformat.writes(fill_answers(release_nb, answers))}, assignment
                )
            submit(course, "solution", {name: exercise_source(assignment).read_text()}, assignment)
            submit(course, "untouched", {name: release.notebooks[0].read_text()}, assignment)
            if assignment == ASSIGNMENT:
                submit(course, "brokenjson", {name: release.notebooks[0].read_text()[:-200]}, assignment)
                submit(course, "renamed", {"my-exercise.ipynb": exercise_source().read_text()}, assignment)
            results[assignment] = {r.learner: r for r in autograde(course, assignment)}
        yield GradedCohort(course, results, wrong_sets)


@pytest.fixture
def files(tmp_path) -> Path:
    """A learner's folder for the sandbox to run a notebook in: one small data file."""
    folder = tmp_path / "submission"
    folder.mkdir()
    (folder / "data.csv").write_text("a,b\n1,2\n")
    return folder
