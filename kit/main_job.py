"""The main job: everything the kit does, end to end on the bundled sample city, offline.

:func:`run_main_job` builds Riverton's training plan; then, for each available
module, releases the exercise, simulates a cohort's submissions, autogrades them
and writes their feedback; exports the grades; and finally runs the cohort's
feedback loop on simulated survey exports (instruments, then the report in
English and Spanish). ``kit demo`` runs it and prints what it did.

It tells what it is doing through a :class:`MainJobEvents` (the CLI's prints;
the default says nothing), so tests run it without a terminal.
"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from kit.errors import GradingError
from kit.paths import output_dir, plans_dir

if TYPE_CHECKING:
    import pandas as pd

    from kit.feedback.cohort import CohortAnalysis
    from kit.feedback.report import ReportFiles
    from kit.grading.autograde import Progress
    from kit.grading.course import Course

__all__ = ["COHORT", "SAMPLE_PLAN", "MainJobEvents", "MainJobResult", "run_main_job"]

COHORT = "riverton-2026-fall"
SAMPLE_PLAN = "riverton.yaml"


class MainJobEvents:
    """What :func:`run_main_job` reports as it goes; every method does nothing here.

    Override the ones you want to show.
    """

    def section(self, title: str) -> None:
        """A new part of the job starts (``"training plan"``, an assignment, ``"feedback"``)."""

    def done(self, what: str, where: Path | str | None = None) -> None:
        """A step finished: ``what`` happened, its result is at ``where``."""

    def autograding(self, assignment: str) -> AbstractContextManager[Progress | None]:
        """Entered around autograding ``assignment``; gives the progress callback to pass to
        :func:`kit.grading.autograde.autograde` (here none)."""
        return nullcontext(None)

    def grades(self, scores: pd.DataFrame, path: Path) -> None:
        """The cohort's grades were exported to ``path``."""


@dataclass(frozen=True)
class MainJobResult:
    """What the main job made."""

    plan_files: list[Path]
    grades: Path
    scores: pd.DataFrame
    analysis: CohortAnalysis
    reports: dict[str, ReportFiles]


def run_main_job(learners: int = 25, seed: int = 2026, events: MainJobEvents | None = None) -> MainJobResult:
    """Run the main job on the sample city; see the module docstring.

    Parameters
    ----------
    learners
        Size of the simulated cohort.
    seed
        Seed of the simulated cohort and surveys: the same seed gives the same files.
    events
        Told about each step (default: nothing is shown).

    Raises
    ------
    GradingError
        If a simulated submission could not be graded.
    """
    from kit.grading.course import open_course
    from kit.grading.workflow import write_grades
    from kit.plan.build import build_plan

    events = events or MainJobEvents()
    events.section("training plan")
    plan_dir = output_dir() / "plan"
    plan_files = build_plan(plans_dir() / SAMPLE_PLAN, plan_dir)
    events.done(f"built Riverton's training plan: {len(plan_files)} files", plan_dir)
    course = open_course()
    assignments, cohort = _grade_modules(course, learners, seed, events)
    exported = write_grades(course, course.root / "exports" / "grades.csv", assignments)
    events.grades(exported.scores, exported.grades)
    events.section("feedback")
    analysis, reports = _feedback_loop(course.root, cohort, seed, events)
    return MainJobResult(plan_files, exported.grades, exported.scores, analysis, reports)


def _grade_modules(course: Course, learners: int, seed: int, events: MainJobEvents) -> tuple[list[str], list[str]]:
    """Release, simulate, autograde and give feedback for every available module; return the assignments
    and the simulated cohort's learner ids."""
    from kit.data.syllabus import load_syllabus
    from kit.grading.autograde import sandboxes_kept

    assignments = [m.assignment for m in load_syllabus().available()]
    cohort: list[str] = []
    with sandboxes_kept():  # one warm sandbox grades every module, instead of one started per module
        for assignment in assignments:
            cohort = _grade_module(course, assignment, learners, seed, events)
    return assignments, cohort


def _grade_module(course: Course, assignment: str, learners: int, seed: int, events: MainJobEvents) -> list[str]:
    """Release, simulate, autograde and give feedback for one module; return the cohort's learner ids."""
    from kit.grading.autograde import autograde
    from kit.grading.feedback import generate_feedback
    from kit.grading.release import release_assignment
    from kit.grading.simulated_cohort import simulate_cohort

    events.section(assignment)
    release = release_assignment(course, assignment)
    events.done(f"released {assignment}", release.directory)
    cohort = [c.learner for c in simulate_cohort(course, assignment, learners, seed)]
    events.done(f"simulated {len(cohort)} learners' submissions")
    with events.autograding(assignment) as progress:
        run = autograde(course, assignment, cohort, progress=progress)
    if run.failed:
        raise GradingError(f"{len(run.failed)} simulated submission(s) could not be graded")
    feedback = generate_feedback(course, assignment, cohort)
    events.done(
        f"feedback for {sum(1 for f in feedback if f.files)} learners",
        course.root / course.coursedir.feedback_directory,
    )
    return cohort


def _feedback_loop(
    course_root: Path, learners: list[str], seed: int, events: MainJobEvents
) -> tuple[CohortAnalysis, dict[str, ReportFiles]]:
    """The cohort's feedback loop on simulated survey exports: instruments, then reports in every plan language.

    A third of the learners answer the Spanish form (Microsoft Forms), the rest the English one (Google Forms).
    """
    from kit.feedback.simulated_surveys import simulate_attendance, simulate_post_survey
    from kit.feedback.workflow import build_report, write_survey_instruments
    from kit.plan.schedule import session_dates
    from kit.plan.validate import load_spec

    spec_path = plans_dir() / SAMPLE_PLAN
    spec = load_spec(spec_path)
    root = output_dir() / "feedback"
    instruments = write_survey_instruments(spec_path, root / "instruments")
    events.done("survey instruments (pre, post, session; en + es)", root / "instruments")
    spanish, english = learners[: len(learners) // 3], learners[len(learners) // 3 :]
    exports = root / "exports"
    surveys = [
        simulate_post_survey(
            exports / "post-google-en.csv", english, spec.city, instruments.skills, "en", "google", seed
        ),
        simulate_post_survey(
            exports / "post-microsoft-es.csv", spanish, spec.city, instruments.skills, "es", "microsoft", seed
        ),
    ]
    attendance = simulate_attendance(exports / "attendance.csv", learners, session_dates(spec.sprint), seed)
    events.done("simulated survey exports and attendance", exports)
    outputs = {lang: root / f"report.{lang}" for lang in spec.languages}
    analysis, files = build_report(
        cohort=COHORT,
        surveys=surveys,
        mappings=[root / "instruments" / "mapping-post.en.yaml", root / "instruments" / "mapping-post.es.yaml"],
        attendance=attendance,
        plan=spec_path,
        course=course_root,
        log=root / "you-said-we-did.sqlite",
        outputs=outputs,
    )
    reports = dict(zip(outputs, files))
    for lang, report in reports.items():
        events.done(f"feedback report ({lang})", report.html)
    return analysis, reports
