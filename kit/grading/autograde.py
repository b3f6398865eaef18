"""Autograding submissions with nbgrader, one learner at a time.

Each learner is graded by nbgrader's own ``Autograde`` converter (through its
API, in-process), so the gradebook, formgrader and feedback work unchanged. A
submission that cannot be graded (broken JSON, no notebook) gets a clear
per-learner result and the run goes on to the next learner.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

import nbformat
from nbgrader.api import MissingEntry

from kit.grading.course import Course
from kit.grading.nbgrader_result import first_problem


@dataclass(frozen=True)
class LearnerResult:
    """The outcome of grading one learner's submission."""

    learner: str
    graded: bool
    score: float | None = None
    max_score: float | None = None
    problem: str | None = None


def check_submission(course: Course, assignment: str, learner: str) -> str | None:
    """A one-line description of what is wrong with a submission, or None."""
    folder = course.step_dir("submitted", learner, assignment)
    expected = [p.name for p in course.source_notebooks(assignment)]
    found = sorted(p.name for p in folder.glob("*.ipynb"))
    if not found:
        return f"no notebook in the submission (expected {', '.join(expected)})"
    missing = [name for name in expected if name not in found]
    if missing:
        return f"notebook {missing[0]} is missing (found {', '.join(found)}); was it renamed?"
    for name in expected:
        try:
            nbformat.validate(nbformat.read(folder / name, as_version=4))
        except (json.JSONDecodeError, nbformat.reader.NotJSONError) as exc:
            return f"{name} is not a readable notebook (broken JSON: {str(exc).splitlines()[0][:120]})"
        except nbformat.ValidationError as exc:
            return f"{name} is not a valid notebook ({exc.message[:120]})"
    return None


def submission_score(course: Course, assignment: str, learner: str) -> tuple[float, float] | None:
    with course.gradebook() as gb:
        try:
            submission = gb.find_submission(assignment, learner)
        except MissingEntry:
            return None
        return submission.score, submission.max_score


def autograde(course: Course, assignment: str, learners: list[str] | None = None,
              on_result: Callable[[LearnerResult], None] | None = None) -> list[LearnerResult]:
    """Autograde ``assignment`` for ``learners`` (default: everyone who submitted).

    Parameters
    ----------
    on_result
        Called after each learner, e.g. to advance a progress bar.
    """
    course.check_assignment(assignment)
    learners = learners if learners is not None else course.submitted_learners(assignment)
    results = []
    for learner in learners:
        problem = check_submission(course, assignment, learner)
        if problem is None:
            outcome = course.api.autograde(assignment, learner, force=True, create=True)
            if not outcome.get("success"):
                problem = first_problem(outcome)
        if problem is None:
            score, max_score = submission_score(course, assignment, learner)
            result = LearnerResult(learner, True, score, max_score)
        else:
            result = LearnerResult(learner, False, problem=problem)
        results.append(result)
        if on_result:
            on_result(result)
    return results
