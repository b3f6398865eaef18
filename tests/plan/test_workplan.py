"""The workplan and its Gantt chart, on the sample spec (plans/riverton.yaml)."""

from __future__ import annotations

import struct
from datetime import date

from kit.plan.gantt import write_gantt_png
from kit.plan.schedule import office_hour_dates, plan_events, session_dates
from kit.plan.spec import TeamMember
from kit.plan.workplan import CSV_COLUMNS, Task, workplan_tasks, write_workplan_csv


def by_name(tasks: list[Task]) -> dict[str, Task]:
    return {t.task: t for t in tasks}


def test_the_sample_plan_has_every_step_in_reading_order(spec, syllabus):
    names = [t.task for t in workplan_tasks(spec, syllabus)]
    assert names == [
        "Recruit audiences",
        "Adapt modules and data",
        "Translate materials",
        "Pilot a session",
        "Pre-sprint call",
        *(f"Session {n}" for n in range(1, 8)),
        "Office hours",
        "Collect feedback",
        "Post-sprint call",
        "Write sprint report",
        "Publish you-said-we-did backlog",
    ]


def test_names_are_unique_and_dependencies_name_earlier_tasks_that_end_first(spec, syllabus):
    tasks = workplan_tasks(spec, syllabus)
    assert len({t.task for t in tasks}) == len(tasks)
    seen: dict[str, Task] = {}
    for t in tasks:
        assert t.start <= t.end, t.task
        for dep in t.depends_on:
            assert dep in seen, f"{t.task} depends on {dep!r}, not an earlier task"
            assert seen[dep].end <= t.start, f"{t.task} starts before {dep} ends"
        seen[t.task] = t


def test_sessions_calls_and_office_hours_fall_on_the_schedule_s_days(spec, syllabus):
    tasks = by_name(workplan_tasks(spec, syllabus))
    sessions = [tasks[f"Session {n}"] for n in range(1, spec.sprint.weeks + 1)]
    assert [(s.start, s.end) for s in sessions] == [(d, d) for d in session_dates(spec.sprint)]
    events = plan_events(spec.sprint)
    assert [s.start for s in sessions] == [e.start.date() for e in events if e.kind == "session"]
    assert session_dates(spec.sprint)[3] == date(2026, 10, 7)  # 2026-09-30 is skipped
    assert date(2026, 9, 30) not in [s.start for s in sessions]
    pre, post = tasks["Pre-sprint call"], tasks["Post-sprint call"]
    assert pre.milestone and post.milestone
    assert (pre.start, pre.end) == (date(2026, 8, 26), date(2026, 8, 26))
    assert (post.start, post.end) == (date(2026, 10, 28), date(2026, 10, 28))
    office = office_hour_dates(spec.sprint)
    assert (tasks["Office hours"].start, tasks["Office hours"].end) == (office[0], office[-1])
    assert [t.task for t in tasks.values() if t.milestone] == ["Pre-sprint call", "Post-sprint call"]


def test_preparation_comes_before_the_pre_call_and_the_report_after_the_post_call(spec, syllabus):
    tasks = by_name(workplan_tasks(spec, syllabus))
    for name in ("Recruit audiences", "Adapt modules and data", "Translate materials", "Pilot a session"):
        assert tasks[name].end < spec.sprint.pre_call, name
    assert tasks["Collect feedback"].start == session_dates(spec.sprint)[0]
    assert tasks["Collect feedback"].end == session_dates(spec.sprint)[-1]
    for name in ("Write sprint report", "Publish you-said-we-did backlog"):
        assert tasks[name].start > spec.sprint.post_call, name


def test_owners_are_chosen_by_role(spec, syllabus):
    owners = {t.task: t.owner for t in workplan_tasks(spec, syllabus)}
    assert owners["Recruit audiences"] == owners["Pre-sprint call"] == owners["Post-sprint call"] == "Ana Ruiz"
    assert owners["Adapt modules and data"] == owners["Publish you-said-we-did backlog"] == "Sam Lee"
    assert owners["Pilot a session"] == owners["Session 1"] == owners["Collect feedback"] == "Dee Park"
    assert owners["Translate materials"] == "Luz Ortega"


def test_a_team_without_a_translator_or_trainer_falls_back_to_the_program_lead(spec, syllabus):
    team = [TeamMember(name="Ana Ruiz", role="Program Lead"), TeamMember(name="Sam Lee", role="data lead")]
    tasks = by_name(workplan_tasks(spec.model_copy(update={"team": team}), syllabus))
    assert tasks["Translate materials"].owner == "Ana Ruiz"
    assert tasks["Pilot a session"].owner == tasks["Session 3"].owner == "Ana Ruiz"
    assert tasks["Adapt modules and data"].owner == "Sam Lee"


def test_an_english_only_plan_has_no_translation_and_no_office_hours_when_none_are_asked(spec, syllabus):
    audiences = [a.model_copy(update={"language": "en"}) for a in spec.audiences]
    sprint = spec.sprint.model_copy(update={"office_hours": 0})
    tasks = by_name(workplan_tasks(spec.model_copy(update={"audiences": audiences, "sprint": sprint}), syllabus))
    assert "Translate materials" not in tasks and "Office hours" not in tasks
    assert tasks["Pilot a session"].depends_on == ("Adapt modules and data",)


def test_the_csv_has_the_exact_columns_and_is_byte_identical_across_builds(spec, syllabus, tmp_path):
    first = write_workplan_csv(workplan_tasks(spec, syllabus), tmp_path / "a" / "workplan.csv")
    second = write_workplan_csv(workplan_tasks(spec, syllabus), tmp_path / "b" / "workplan.csv")
    data = first.read_bytes()
    assert data == second.read_bytes()
    assert b"\r" not in data and data.endswith(b"\n")
    lines = data.decode("utf-8").splitlines()
    assert lines[0] == "task,owner,start,end,depends_on,milestone" == ",".join(CSV_COLUMNS)
    assert lines[1] == "Recruit audiences,Ana Ruiz,2026-07-15,2026-08-25,,false"
    assert "Pilot a session,Dee Park,2026-08-19,2026-08-19,Adapt modules and data; Translate materials,false" in lines
    assert "Pre-sprint call,Ana Ruiz,2026-08-26,2026-08-26,Recruit audiences; Pilot a session,true" in lines
    assert "Session 4,Dee Park,2026-10-07,2026-10-07,Session 3,false" in lines
    assert len(lines) == 1 + len(workplan_tasks(spec, syllabus))


def test_the_gantt_png_is_1200_pixels_wide_and_byte_identical_across_builds(spec, syllabus, tmp_path):
    title = "Riverton training plan: workplan"
    first = write_gantt_png(workplan_tasks(spec, syllabus), tmp_path / "a" / "gantt.png", title)
    second = write_gantt_png(workplan_tasks(spec, syllabus), tmp_path / "b" / "gantt.png", title)
    data = first.read_bytes()
    assert data == second.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert width == 1200 and height > 400
    assert b"Software" not in data and b"matplotlib" not in data.lower()
