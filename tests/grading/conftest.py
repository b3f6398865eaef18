"""A small cohort graded once by real nbgrader, shared by the grading tests."""

from __future__ import annotations

from dataclasses import dataclass

import nbformat
import pytest

from helpers import ASSIGNMENT, exercise_source, fill_answers, make_project, read_nb, submit, wrong_visible_answers


@dataclass
class GradedCohort:
    course: object
    results: dict  # learner -> LearnerResult
    wrong_sets: dict  # learner -> {grade_id: code}


@pytest.fixture(scope="session")
def graded(tmp_path_factory) -> GradedCohort:
    from kit.grading.autograde import autograde
    from kit.grading.course import open_course
    from kit.grading.profile import load_profile
    from kit.grading.release import release_assignment

    with pytest.MonkeyPatch.context() as mp:
        root = make_project(tmp_path_factory.mktemp("graded"))
        mp.setenv("KIT_HOME", str(root))
        course = open_course(root / "grader")
        release = release_assignment(course, ASSIGNMENT)
        name = release.notebooks[0].name
        release_nb = read_nb(release.notebooks[0])
        profile = load_profile(course.root, ASSIGNMENT)
        wrong_sets = {f"wrong{v}": wrong_visible_answers(profile, v) for v in (0, 1)}
        submit(course, "solution", {name: exercise_source().read_text()})
        submit(course, "untouched", {name: release.notebooks[0].read_text()})
        for learner, answers in wrong_sets.items():
            submit(course, learner, {name: nbformat.writes(fill_answers(release_nb, answers))})
        submit(course, "brokenjson", {name: release.notebooks[0].read_text()[:-200]})
        submit(course, "renamed", {"my-exercise.ipynb": exercise_source().read_text()})
        results = {r.learner: r for r in autograde(course, ASSIGNMENT)}
        yield GradedCohort(course, results, wrong_sets)

