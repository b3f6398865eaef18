"""Feedback for learners: nbgrader's generate_feedback, per learner.

Feedback is HTML in ``grader/feedback/<learner>/<assignment>/``. It shows each
learner their answers, their score per question and the messages of the tests
they failed; nbgrader's feedback never includes the source of hidden tests
(the autograded notebook it renders has them, so the kit checks the HTML).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from kit.grading.course import Course
from kit.grading.nbgrader_result import first_problem
from kit.grading.release import gather_hidden_test_lines


@dataclass(frozen=True)
class FeedbackResult:
    learner: str
    files: list[Path]
    problem: str | None = None


def generate_feedback(
    course: Course,
    assignment: str,
    learners: list[str] | None = None,
    on_result: Callable[[FeedbackResult], None] | None = None,
) -> list[FeedbackResult]:
    """Write HTML feedback for each autograded learner of ``assignment``."""
    course.check_assignment(assignment)
    if learners is None:
        learners = course.learners_in("autograded", assignment)
    secrets = gather_hidden_test_lines(course.source_notebooks(assignment))
    results = []
    for learner in learners:
        outcome = course.api.generate_feedback(assignment, learner, force=True)
        folder = course.step_dir("feedback", learner, assignment)
        files = sorted(folder.glob("*.html"))
        problem = None if outcome.get("success") else first_problem(outcome)
        for html in files:
            text = html.read_text(encoding="utf-8")
            if any(line in text for line in secrets):
                html.unlink()
                problem = f"{html.name} showed hidden test code and was withheld"
        result = FeedbackResult(learner, sorted(folder.glob("*.html")), problem)
        results.append(result)
        if on_result:
            on_result(result)
    return results
