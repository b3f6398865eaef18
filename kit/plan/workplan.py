"""The workplan: who does what, and when, around the sprint.

Every date comes from the spec's sprint (:mod:`kit.plan.schedule`): the work
before the sprint is counted back from the pre-sprint call, the sessions and
office hours are the sprint's own days, and the follow-up is counted on from
the post-sprint call. Owners are team members chosen by role; a role nobody
holds falls to the program lead.

Task names are short, stable English phrases; ``depends_on`` names other tasks,
and every task starts on or after the day its dependencies end.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from kit.data.syllabus import Syllabus
from kit.plan.curriculum import modules_for
from kit.plan.schedule import office_hour_dates, session_dates
from kit.plan.spec import PlanSpec

PROGRAM_LEAD, DATA_LEAD, TRAINER, TRANSLATOR = "program lead", "data lead", "trainer", "translator"

# Lead times, in days before the pre-sprint call or after the post-sprint call.
RECRUIT_DAYS = 42  # recruiting starts six weeks before the pre-sprint call
ADAPT_DAYS = 42  # so does adapting the modules and data to the city's portal ...
ADAPT_END_DAYS = 15  # ... which ends a fortnight before it
TRANSLATE_END_DAYS = 8  # translating takes the week after adapting
PILOT_DAYS = 7  # the pilot session, a week before the pre-sprint call
REPORT_DAYS = 14  # the report, in the two weeks after the post-sprint call
BACKLOG_DAYS = 14  # the "you said, we did" backlog, in the two weeks after the report

CSV_COLUMNS = ("task", "owner", "start", "end", "depends_on", "milestone")


@dataclass(frozen=True)
class Task:
    """One line of the workplan (and one bar or diamond of the Gantt chart)."""

    task: str
    owner: str
    start: date
    end: date
    depends_on: tuple[str, ...] = ()
    milestone: bool = False


def _norm(role: str) -> str:
    return " ".join(role.lower().split())


def owner_for(spec: PlanSpec, role: str) -> str:
    """The first team member with ``role``; the program lead when nobody has it."""
    for wanted in (role, PROGRAM_LEAD):
        for member in spec.team:
            if _norm(member.role) == wanted:
                return member.name
    return spec.team[0].name  # a spec without a program lead does not pass validation


def translation_languages(spec: PlanSpec, syllabus: Syllabus) -> list[str]:
    """The non-English languages the audiences learn in (the material to translate), in spec order."""
    langs = [a.language for a in spec.audiences if a.language != "en" and modules_for(spec, a, syllabus)]
    return list(dict.fromkeys(langs))


def workplan_tasks(spec: PlanSpec, syllabus: Syllabus) -> list[Task]:
    """The plan's tasks in reading order: preparation, the sprint, the follow-up."""
    sprint = spec.sprint
    pre, post = sprint.pre_call, sprint.post_call
    sessions = session_dates(sprint)
    office = office_hour_dates(sprint)
    lead, data, trainer = owner_for(spec, PROGRAM_LEAD), owner_for(spec, DATA_LEAD), owner_for(spec, TRAINER)

    def before(days: int) -> date:
        return pre - timedelta(days=days)

    tasks = [
        Task("Recruit audiences", lead, before(RECRUIT_DAYS), before(1)),
        Task("Adapt modules and data", data, before(ADAPT_DAYS), before(ADAPT_END_DAYS)),
    ]
    ready = ["Adapt modules and data"]
    if translation_languages(spec, syllabus):
        tasks.append(
            Task(
                "Translate materials",
                owner_for(spec, TRANSLATOR),
                before(ADAPT_END_DAYS - 1),
                before(TRANSLATE_END_DAYS),
                ("Adapt modules and data",),
            )
        )
        ready.append("Translate materials")
    tasks += [
        Task("Pilot a session", trainer, before(PILOT_DAYS), before(PILOT_DAYS), tuple(ready)),
        Task("Pre-sprint call", lead, pre, pre, ("Recruit audiences", "Pilot a session"), milestone=True),
    ]
    previous = "Pre-sprint call"
    for number, day in enumerate(sessions, start=1):
        tasks.append(Task(f"Session {number}", trainer, day, day, (previous,)))
        previous = f"Session {number}"
    last = previous
    if office:
        tasks.append(Task("Office hours", data, office[0], office[-1], ("Session 1",)))
    tasks += [
        Task("Collect feedback", trainer, sessions[0], sessions[-1], ("Session 1",)),
        Task("Post-sprint call", lead, post, post, (last, "Collect feedback"), milestone=True),
        Task(
            "Write sprint report",
            lead,
            post + timedelta(days=1),
            post + timedelta(days=REPORT_DAYS),
            ("Post-sprint call",),
        ),
        Task(
            "Publish you-said-we-did backlog",
            data,
            post + timedelta(days=REPORT_DAYS + 1),
            post + timedelta(days=REPORT_DAYS + BACKLOG_DAYS),
            ("Write sprint report",),
        ),
    ]
    return tasks


def write_workplan_csv(tasks: list[Task], path: Path) -> Path:
    """Write the workplan as CSV: ISO dates, ``"; "``-joined dependencies, ``true``/``false`` milestones."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(CSV_COLUMNS)
        for t in tasks:
            writer.writerow(
                [
                    t.task,
                    t.owner,
                    t.start.isoformat(),
                    t.end.isoformat(),
                    "; ".join(t.depends_on),
                    "true" if t.milestone else "false",
                ]
            )
    return path
