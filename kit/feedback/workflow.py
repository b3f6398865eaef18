"""The program lead's workflows: one function per ``kit feedback`` command.

These read the plan, the survey exports, attendance, the gradebook and a catalog,
call the analysis (:func:`kit.feedback.cohort.analyse`) and the writers, and return
plain values. Nothing here prints: ``kit.cli`` shows the results, tests call these
directly. This module is the one place in ``kit.feedback`` that reads a plan spec
(:mod:`kit.plan`) and the gradebook (:mod:`kit.grading`); the analysis itself takes
plain values.

- :func:`write_survey_instruments` -- the pre, post and session surveys for a plan;
- :func:`build_report` -- the cohort's report, in one or more languages, and its log entries;
- :func:`list_backlog`, :func:`set_request_status`, :func:`export_backlog` -- the
  you-said-we-did log.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from kit.errors import KitError
from kit.languages import available_languages
from kit.paths import project_root

if TYPE_CHECKING:
    import pandas as pd

    from kit.data.syllabus import Module, Skill
    from kit.feedback.cohort import CohortAnalysis
    from kit.feedback.log import BacklogItem, StatusChange
    from kit.feedback.read import SurveyResponses
    from kit.feedback.report import ReportFiles
    from kit.plan.spec import PlanSpec

__all__ = [
    "Instruments",
    "build_report",
    "default_log",
    "export_backlog",
    "list_backlog",
    "set_request_status",
    "write_survey_instruments",
]


def default_log() -> Path:
    """Where a city keeps its you-said-we-did log unless told otherwise."""
    return project_root() / "feedback" / "you-said-we-did.sqlite"


def _load_plan(spec: Path) -> tuple[PlanSpec, list[Module]]:
    from kit.data.syllabus import load_syllabus
    from kit.plan.curriculum import plan_modules
    from kit.plan.validate import load_spec

    plan = load_spec(spec)
    return plan, plan_modules(plan, load_syllabus())


@dataclass(frozen=True)
class Instruments:
    """What :func:`write_survey_instruments` wrote."""

    files: list[Path]
    skills: list[Skill]
    languages: list[str]


def write_survey_instruments(plan: Path, output: Path) -> Instruments:
    """Write the pre, post and session surveys (text to paste into Google or Microsoft Forms) and the
    column mappings that read their exports back, in each of the plan's languages."""
    from kit.data.syllabus import load_syllabus
    from kit.feedback.instruments import write_instruments

    spec, modules = _load_plan(plan)
    skills = load_syllabus().skills_for([m.number for m in modules])
    files = write_instruments(spec.city, skills, list(spec.languages), output)
    return Instruments(files, skills, list(spec.languages))


def _read_exports(files: list[Path], mappings: list[Path], what: str) -> list[SurveyResponses]:
    from kit.feedback.mapping import load_mapping
    from kit.feedback.read import read_export

    if not files:
        return []
    if len(mappings) not in (1, len(files)):
        raise KitError(
            f"{len(files)} {what} exports but {len(mappings)} mappings: give one mapping for all, "
            "or one per export in the same order"
        )
    loaded = [load_mapping(m) for m in mappings]
    return [read_export(f, loaded[0] if len(loaded) == 1 else loaded[i]) for i, f in enumerate(files)]


def _grades(modules: list[Module], course_dir: Path | None) -> pd.DataFrame | None:
    from kit.grading.course import open_course
    from kit.grading.grades import question_scores

    course = open_course(course_dir)
    assignments = [a for m in modules for a in m.assignments]
    scores = question_scores(course, assignments)
    return scores if len(scores) else None


def _hint_records(modules: list[Module], course_dir: Path | None) -> list:
    """``(learner, assignment, record)`` for every ``hints-used.json`` handed in with the cohort's exercises."""
    from kit.data.hint_records import FILENAME, read_hint_record
    from kit.grading.course import open_course

    course = open_course(course_dir)
    records = []
    for assignment in (a for m in modules for a in m.assignments):
        for learner in course.learners_in("submitted", assignment):
            record = read_hint_record(course.step_dir("submitted", learner, assignment) / FILENAME)
            if record is not None:
                records.append((learner, assignment, record))
    return records


def build_report(
    *,
    cohort: str,
    surveys: list[Path],
    mappings: list[Path],
    outputs: dict[str, Path],
    log: Path | None = None,
    pre: list[Path] = (),
    pre_mappings: list[Path] = (),
    attendance: Path | None = None,
    plan: Path | None = None,
    grades: bool = True,
    course: Path | None = None,
    catalog: Path | None = None,
) -> tuple[CohortAnalysis, list[ReportFiles]]:
    """Read every input and analyse the cohort once, record it in the log, and write the report in
    each language of ``outputs``.

    Parameters
    ----------
    cohort
        The cohort's name, e.g. ``riverton-2026-fall``; running again for the same cohort
        changes nothing in the log.
    surveys, mappings
        Post-survey exports and their column mappings (one for all, or one per export).
    outputs
        Language -> folder for ``report.html``, ``report.md``, ``backlog.csv`` and ``charts/``.
    log
        The you-said-we-did log (default :func:`default_log`).
    pre, pre_mappings
        Pre-survey exports and their mappings (default: ``mappings``).
    attendance
        Attendance CSV: ``learner,date,present``.
    plan
        The cohort's plan spec: city, modules, languages (default: the available modules).
    grades, course
        Read exercise scores from the gradebook of ``course`` (default: the kit's course).
    catalog
        The city's catalog export to match dataset requests against (default: the bundled one).

    Returns
    -------
    The analysis and each report's files, in the order of ``outputs``.
    """
    from kit.data.syllabus import load_syllabus
    from kit.feedback.attendance import read_attendance
    from kit.feedback.catalogs import bundled_catalog, load_city_catalog
    from kit.feedback.cohort import CohortInputs, analyse, rated_skills
    from kit.feedback.log import FeedbackLog
    from kit.feedback.report import write_report

    for lang in outputs:
        if lang not in available_languages():
            raise KitError(f"--lang {lang!r}: the report is written in {', '.join(available_languages())}")
    syllabus = load_syllabus()
    post = _read_exports(list(surveys), list(mappings), "post-survey")
    pre_exports = _read_exports(list(pre), list(pre_mappings or mappings), "pre-survey")
    if plan is not None:
        spec, modules = _load_plan(plan)
        city, languages = spec.city, list(spec.languages)
    else:
        city, languages, modules = project_root().name, ["en"], syllabus.available()
    inputs = CohortInputs(
        cohort=cohort,
        city=city,
        modules=modules,
        skills=rated_skills(post, syllabus.skills_for([m.number for m in syllabus.modules])),
        languages=languages,
        post=post,
        pre=pre_exports,
        attendance=read_attendance(attendance) if attendance else None,
        scores=_grades(modules, course) if grades else None,
        hints=_hint_records(modules, course) if grades else None,
        catalog=load_city_catalog(catalog) if catalog else bundled_catalog(),
        catalog_source=catalog.name if catalog else "bundled",
    )
    analysis = analyse(inputs)
    with FeedbackLog(log or default_log()) as book:
        files = [write_report(analysis, book, output, lang) for lang, output in outputs.items()]
    return analysis, files


def list_backlog(log: Path | None = None, status: str | None = None) -> list[BacklogItem]:
    """The requests in the log (default :func:`default_log`), optionally only those with ``status``."""
    from kit.feedback.log import FeedbackLog

    with FeedbackLog(log or default_log()) as book:
        return book.requests(status)


def set_request_status(
    request_id: int, status: str, note: str = "", *, log: Path | None = None
) -> tuple[StatusChange, BacklogItem]:
    """Change a request's status, with a note the next cohort's report shows; return the change and
    the request."""
    from kit.feedback.log import FeedbackLog

    with FeedbackLog(log or default_log()) as book:
        change = book.set_status(request_id, status, note)
        return change, book.request(request_id)


def export_backlog(path: Path, *, log: Path | None = None) -> Path:
    """Write the backlog as CSV: request, who asked, matched dataset or gap, status."""
    from kit.feedback.log import FeedbackLog

    with FeedbackLog(log or default_log()) as book:
        book.export_backlog(path)
    return path
