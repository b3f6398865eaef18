"""The trainer's workflows: one function per ``kit grade`` command.

Each function opens the course (the folder nbgrader's config is in), checks what
the trainer asked for, calls the grading steps and returns plain values. Nothing
here prints: ``kit.cli`` shows the results, tests call these directly.

- :func:`release` -- the learner version of an assignment and a zip to hand out;
- :func:`collect_submissions` -- submissions from a folder or a zip;
- :func:`autograde_submissions` -- autograde everyone, or the learners named;
- :func:`write_feedback` -- HTML feedback for every autograded learner;
- :func:`export_grades` -- the grades CSVs (and Canvas's import file);
- :func:`simulate` -- a simulated cohort's submissions, for a dry run;
- :func:`gradebook_scores` -- every question's score, for a summary.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from kit.errors import SubmissionError

if TYPE_CHECKING:
    import pandas as pd

    from kit.grading.autograde import AutogradeRun, Progress
    from kit.grading.canvas import CanvasExport
    from kit.grading.collect import Collected
    from kit.grading.course import Course
    from kit.grading.feedback import FeedbackResult
    from kit.grading.release import Release
    from kit.grading.simulated_cohort import SimulatedLearner

# nbgrader and nbformat take seconds to import: each workflow imports the grading
# step it needs, so `kit --help` and `kit data …` stay quick.

__all__ = [
    "GradesExport",
    "autograde_submissions",
    "collect_submissions",
    "export_grades",
    "gradebook_scores",
    "release",
    "simulate",
    "write_feedback",
    "write_grades",
]


def _course(course: Course | None) -> Course:
    from kit.grading.course import open_course

    return course if course is not None else open_course()


def release(assignment: str, *, due: datetime | None = None, course: Course | None = None) -> Release:
    """Generate the learner version of ``assignment`` (no solutions, no hidden tests) and its zip."""
    from kit.grading.release import release_assignment

    return release_assignment(_course(course), assignment, due=due)


def collect_submissions(assignment: str, source: Path, *, course: Course | None = None) -> list[Collected]:
    """Collect learners' submissions of ``assignment`` from a folder or zip: a result per learner,
    with the ``problem`` that kept a learner's files out, if any (everyone else is collected)."""
    from kit.grading.collect import collect

    return collect(_course(course), assignment, source)


def autograde_submissions(
    assignment: str,
    learners: list[str] | None = None,
    *,
    workers: int | None = None,
    force: bool = False,
    engine: str = "kit",
    progress: Progress | None = None,
    allow_unisolated: bool = False,
    scheduler: str | None = None,
    course: Course | None = None,
) -> AutogradeRun:
    """Autograde ``assignment``: everyone who submitted, or the ``learners`` named.

    Naming a learner means "grade them now": they are graded again even if their
    submission has not changed. See :func:`kit.grading.autograde.autograde` for
    ``workers``, ``force``, ``engine``, ``progress``, ``allow_unisolated`` and ``scheduler``.

    A submission that cannot be graded is in ``run.failed`` with its reason; everyone
    else is graded.

    Raises
    ------
    SubmissionError
        If a named learner has no submission (nothing is graded then).
    IsolationUnavailableError
        If the sandbox is incomplete on this machine (or ``engine="nbgrader"``) and
        ``allow_unisolated`` is not given: nobody is graded.
    """
    from kit.grading.autograde import autograde
    from kit.grading.course import check_learner_id

    course = _course(course)
    course.check_assignment(assignment)
    submitted = set(course.submitted_learners(assignment)) if learners else set()
    for one in learners or ():
        check_learner_id(one)
        if one not in submitted:
            raise SubmissionError(f"no submission of {assignment} from '{one}'", learner=one)
    return autograde(
        course,
        assignment,
        list(learners) if learners else None,
        workers=workers,
        force=force or bool(learners),
        engine=engine,
        progress=progress,
        allow_unisolated=allow_unisolated,
        scheduler=scheduler,
    )


def write_feedback(
    assignment: str, learners: list[str] | None = None, *, course: Course | None = None
) -> list[FeedbackResult]:
    """Write HTML feedback for every autograded learner (or the ``learners`` named)."""
    from kit.grading.feedback import generate_feedback

    return generate_feedback(_course(course), assignment, learners)


@dataclass(frozen=True)
class GradesExport:
    """What :func:`export_grades` wrote."""

    scores: pd.DataFrame
    grades: Path
    by_question: Path
    canvas: CanvasExport | None = None


def write_grades(course: Course, output: Path, assignments: list[str] | None = None) -> GradesExport:
    """Write ``output`` (a row per learner and assignment) and ``<output>-by-question.csv`` beside it."""
    from kit.grading.grades import question_scores, write_grades_csv

    scores = question_scores(course, assignments)
    write_grades_csv(scores, output)
    by_question = output.with_name(output.stem + "-by-question.csv")
    scores.to_csv(by_question, index=False)
    return GradesExport(scores, output, by_question)


def export_grades(
    output: Path | None = None,
    assignments: list[str] | None = None,
    *,
    canvas: Path | None = None,
    roster: Path | None = None,
    course: Course | None = None,
) -> GradesExport:
    """Export grades from the gradebook, and with ``canvas`` a file Canvas's gradebook import accepts.

    Parameters
    ----------
    output
        The grades CSV; default ``exports/grades.csv`` in the course folder (wherever
        the command runs from).
    assignments
        Only these assignments (default: all in the gradebook).
    canvas, roster
        See :func:`kit.grading.canvas.write_canvas_csv`.
    """
    from kit.grading.canvas import write_canvas_csv

    course = _course(course)
    done = write_grades(course, Path(output) if output else course.root / "exports" / "grades.csv", assignments)
    if canvas is None:
        return done
    graded = sorted(done.scores["assignment"].unique())
    return GradesExport(done.scores, done.grades, done.by_question, write_canvas_csv(course, graded, canvas, roster))


def simulate(assignment: str, learners: int, seed: int = 0, *, course: Course | None = None) -> list[SimulatedLearner]:
    """Write a simulated cohort's submissions of ``assignment`` into the course."""
    from kit.grading.simulated_cohort import simulate_cohort

    return simulate_cohort(_course(course), assignment, learners, seed)


def gradebook_scores(assignments: list[str] | None = None, *, course: Course | None = None) -> pd.DataFrame:
    """Every question's score in the gradebook (see :func:`kit.grading.grades.question_scores`)."""
    from kit.grading.grades import question_scores

    return question_scores(_course(course), assignments)
