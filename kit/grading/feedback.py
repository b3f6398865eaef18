"""Feedback for learners: nbgrader's generate_feedback, per learner.

Feedback is HTML in ``grader/feedback/<learner>/<assignment>/``. It shows each
learner their answers, their score per question and the messages of the tests
they failed; nbgrader's feedback never includes the source of hidden tests
(the autograded notebook it renders has them, so the kit checks the HTML), and
nothing from the learner's notebook that could run in a browser: the course
config cleans it (:mod:`kit.grading.sanitize`), and the kit checks each file
again with an HTML parser. A file failing either check is withheld, with a
problem naming why.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import nbgrader

from kit.grading.course import Course
from kit.grading.nbgrader_result import first_problem
from kit.grading.release import gather_hidden_test_lines
from kit.grading.sanitize import find_active_html

# nbconvert's template folders for feedback, the kit's first: its mathjax() loads nothing from the network
FEEDBACK_TEMPLATES = [
    str(Path(__file__).parent / "feedback_templates"),
    str(Path(nbgrader.__file__).parent / "server_extensions" / "formgrader" / "templates"),
]


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
            reason = _withhold_reason(html.read_text(encoding="utf-8"), secrets)
            if reason:
                html.unlink()
                problem = f"{html.name} {reason} and was withheld"
        result = FeedbackResult(learner, sorted(folder.glob("*.html")), problem)
        results.append(result)
        if on_result:
            on_result(result)
    return results


def _withhold_reason(html: str, secrets: set[str]) -> str | None:
    """Why a feedback file must not reach the learner, or None."""
    if any(line in html for line in secrets):
        return "showed hidden test code"
    kinds = list(dict.fromkeys(find_active_html(html)))  # each kind once, in page order
    if kinds:
        more = f" and {len(kinds) - 4} more" if len(kinds) > 4 else ""
        return f"held what could run in a browser ({', '.join(kinds[:4])}{more})"
    return None
