"""The plan as documents: ``plan.<lang>.md`` and ``plan.<lang>.html`` for a mayor's office.

Every sentence a reader sees lives in a message catalog per language
(``kit/plan/messages/<lang>.yaml``: key -> text with ``{placeholders}``), parallel
files a translator edits without touching code. The Jinja2 template
(``kit/plan/templates/plan.md.j2``) holds the structure and ``t("key", **values)``
calls; this module gathers the values (from :mod:`~kit.plan.schedule`,
:mod:`~kit.plan.curriculum`, :mod:`~kit.plan.pacing`), formats dates, times and
lists with the catalog's own words (no locale), and renders. Nothing depends on
the clock or the machine: the same spec gives byte-identical files.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

from kit.data.catalog import describe_dataset
from kit.data.syllabus import Module, Syllabus
from kit.languages import REFERENCE, available_languages
from kit.pages import Messages as BaseMessages
from kit.pages import (
    check_catalogs,
    markdown_cell,
    markdown_to_html,
    placeholders,
    read_catalog,
    template_environment,
    tidy_markdown,
    write_text,
)
from kit.plan.curriculum import modules_for, topics_for, untranslated_for
from kit.plan.pacing import session_plan
from kit.plan.schedule import office_hour_dates, plan_events, session_dates, session_time
from kit.plan.spec import PlanSpec
from kit.plan.workplan import BACKLOG_DAYS, DATA_LEAD, PROGRAM_LEAD, REPORT_DAYS, TRAINER, owner_for

__all__ = [
    "Messages",
    "check_messages",
    "load_messages",
    "markdown_to_html",
    "placeholders",
    "render_plan",
    "write_documents",
]

MESSAGES_DIR = Path(__file__).parent / "messages"
TEMPLATES_DIR = Path(__file__).parent / "templates"
TEMPLATE = "plan.md.j2"


def load_messages(lang: str) -> dict[str, str]:
    """The plan's message catalog for ``lang``: key -> text with ``{placeholders}``."""
    return read_catalog(MESSAGES_DIR, lang)


def check_messages(languages: tuple[str, ...] | None = None, reference: str = REFERENCE) -> list[str]:
    """Every problem with the plan's catalogs in ``languages`` (default: every available one; see
    :func:`kit.pages.check_catalogs`)."""
    return check_catalogs(MESSAGES_DIR, languages or available_languages(), reference)


def _slug(value: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", value.lower()).strip("_")


class Messages(BaseMessages):
    """The plan's catalog in one language, with times and the plan's own terms."""

    directory = MESSAGES_DIR

    def language(self, code: str) -> str:
        """A language's name in this catalog's language (``language.<code>``), else its own name
        (``language.self`` in its catalog): a new language needs no edit to the others."""
        key = f"language.{code}"
        return self(key) if key in self.text else read_catalog(self.directory, code)["language.self"]

    def term(self, prefix: str, value: str) -> str:
        """A free-text spec value in this language when the catalog knows it, else as written."""
        key = f"{prefix}.{_slug(value)}"
        return self(key) if key in self.text else value

    def clock(self, at: time | datetime) -> str:
        hour = at.hour % 12 or 12
        return self("time.am" if at.hour < 12 else "time.pm", hour=hour, minute=f"{at.minute:02d}")

    def clock_range(self, start: datetime, end: datetime) -> str:
        return self("time.range", start=self.clock(start), end=self.clock(end))

    def module(self, module: Module, key: str = "module.inline") -> str:
        return self(key, number=module.number, title=module.title_in(self.lang))


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


# --- the values the template lays out -----------------------------------------------------


@dataclass(frozen=True)
class Line:
    """A sentence to look up in the catalog: ``t(line.key, **line.values)``."""

    key: str
    values: dict
    owner: str = ""
    when: str = ""


def _audiences(spec: PlanSpec, syllabus: Syllabus, m: Messages) -> list[dict]:
    out = []
    for audience in spec.audiences:
        kind = _slug(audience.kind)
        areas = m.join([m.term("issue_area", a) for a in audience.issue_areas])
        language = m.language(audience.language)
        assigned = modules_for(spec, audience, syllabus)
        untranslated = untranslated_for(spec, audience, syllabus)
        minutes = sum(a.module.minutes for a in assigned)
        persona = audience.persona or m(
            "persona.generated",
            kind=m(f"kind.{kind}"),
            people=m.count("count.people", audience.size),
            issue_areas=areas,
            skill=m(f"skill.{audience.skill_level}"),
            language=language,
        )
        out.append(
            {
                "name": audience.name,
                "persona": persona,
                "kind": m(f"kind_label.{kind}"),
                "size": audience.size,
                "skill": m(f"skill_label.{audience.skill_level}"),
                "language": language,
                "issue_areas": areas,
                "topics": m.join([t.title for t in topics_for(spec, audience)]),
                "modules": m.join([m.module(a.module) for a in assigned]),
                "untranslated": m.join([m.module(x) for x in untranslated]),
                "untranslated_count": len(untranslated),
                "hours": m.count("count.hours", round(minutes / 30) / 2),
            }
        )
    return out


def _topics(spec: PlanSpec, syllabus: Syllabus, m: Messages) -> list[dict]:
    out = []
    for topic in spec.topics:
        takers = [a.name for a in spec.audiences if topic.issue_area in a.issue_areas]
        out.append(
            {
                "title": topic.title,
                "issue_area": m.term("issue_area", topic.issue_area),
                "audiences": m.join(takers) if takers else m("topic.no_audience"),
                "modules": m.join([m.module(syllabus.module(ref)) for ref in topic.modules]),
                "datasets": [{"title": describe_dataset(name, m.lang).title, "name": name} for name in topic.datasets],
            }
        )
    return out


def _matrix(spec: PlanSpec, syllabus: Syllabus, m: Messages) -> dict:
    taken = {a.id: modules_for(spec, a, syllabus) for a in spec.audiences}
    numbers = {x.module.number for assigned in taken.values() for x in assigned}
    columns = [mod for mod in syllabus.modules if mod.number in numbers]
    rows, pulled_in = [], []
    for audience in spec.audiences:
        cells = {
            x.module.number: m("matrix.prerequisite" if x.pulled_in else "matrix.asked") for x in taken[audience.id]
        }
        rows.append({"name": markdown_cell(audience.name), "cells": [cells.get(c.number, "") for c in columns]})
        for x in taken[audience.id]:
            if x.pulled_in:
                needed_by = [m.module(syllabus.module(n)) for n in x.required_by]
                pulled_in.append(
                    Line(
                        f"matrix.pulled_in.{'one' if len(needed_by) == 1 else 'other'}",
                        {"audience": audience.name, "module": m.module(x.module), "needed_by": m.join(needed_by)},
                    )
                )
    return {
        "columns": [markdown_cell(m.module(c, "module.column")) for c in columns],
        "rows": rows,
        "pulled_in": pulled_in,
    }


def _item_text(item, part: tuple[int, int], m: Messages) -> str:
    if item.module is None:
        return m("session.item." + _slug(item.kind))
    text = m("session.item." + _slug(item.kind), module=m.module(item.module))
    if part[1] > 1:
        text += " (" + m("session.part", part=part[0], parts=part[1]) + ")"
    return text


def _sessions(spec: PlanSpec, syllabus: Syllabus, m: Messages) -> list[dict]:
    plans = session_plan(spec, syllabus)
    pieces: dict[tuple, int] = {}
    for plan in plans:
        for item in plan.items:
            if item.module is not None:
                pieces[(item.kind, item.module.number)] = pieces.get((item.kind, item.module.number), 0) + 1
    seen: dict[tuple, int] = {}
    out = []
    for plan in plans:
        clock = datetime.combine(plan.date, session_time(spec.sprint))
        items = []
        for item in plan.items:
            key = (item.kind, item.module.number if item.module else None)
            seen[key] = seen.get(key, 0) + 1
            end = clock + timedelta(minutes=item.minutes)
            items.append(
                {
                    "when": m.clock_range(clock, end),
                    "minutes": m("unit.minutes", minutes=item.minutes),
                    "text": _item_text(item, (seen[key], pieces.get(key, 1)), m),
                }
            )
            clock = end
        out.append({"number": plan.number, "date": m.date(plan.date), "agenda": items})
    return out


def _events(spec: PlanSpec, m: Messages) -> list[dict]:
    return [
        {
            "date": m.date(e.start.date()),
            "time": m.clock_range(e.start, e.end),
            "event": m(f"event.{e.kind}", number=e.number),
        }
        for e in plan_events(spec.sprint)
    ]


def _calls(spec: PlanSpec, m: Messages) -> dict:
    events = {(e.kind, e.number): e for e in plan_events(spec.sprint)}
    pre, post = events[("pre_call", 1)], events[("post_call", 1)]
    office = office_hour_dates(spec.sprint)
    at = m.clock(session_time(spec.sprint))
    lines = [Line("calls.pre_call", {"date": m.date(pre.start.date()), "time": m.clock(pre.start)})]
    if office:
        lines.append(Line("calls.office_hours", {"dates": m.join([m.date(d) for d in office]), "time": at}))
    else:
        lines.append(Line("calls.no_office_hours", {}))
    lines.append(Line("calls.post_call", {"date": m.date(post.start.date()), "time": m.clock(post.start)}))
    return {"lines": lines}


def _skipped(spec: PlanSpec, m: Messages) -> Line | None:
    sessions = session_dates(spec.sprint)
    skipped = sorted(d for d in spec.sprint.skip if sessions[0] <= d <= sessions[-1])
    if not skipped:
        return None
    return Line(
        f"schedule.skipped.{'one' if len(skipped) == 1 else 'other'}", {"dates": m.join([m.date(d) for d in skipped])}
    )


def _milestones(spec: PlanSpec, m: Messages) -> list[Line]:
    sprint = spec.sprint
    sessions, office = session_dates(sprint), office_hour_dates(sprint)
    lead, data, trainer = (owner_for(spec, r) for r in (PROGRAM_LEAD, DATA_LEAD, TRAINER))
    post = sprint.post_call
    found = [
        (sprint.pre_call, "milestone.pre_call", lead),
        (sessions[0], "milestone.first_session", trainer),
        (sessions[-1], "milestone.last_session", trainer),
    ]
    if office:
        found.append((office[-1], "milestone.last_office_hours", data))
    found += [
        (post, "milestone.post_call", lead),
        (post + timedelta(days=REPORT_DAYS), "milestone.report", lead),
        (post + timedelta(days=REPORT_DAYS + BACKLOG_DAYS), "milestone.backlog", data),
    ]
    found.sort(key=lambda f: f[0])  # stable: same-day milestones keep their order
    return [Line(key, {}, markdown_cell(owner), m.date(day)) for day, key, owner in found]


# the roadmap's steps, quarter by quarter: (message key, who owns it)
ROADMAP = (
    (
        ("roadmap.q1.backlog", DATA_LEAD),
        ("roadmap.q1.answer", DATA_LEAD),
        ("roadmap.q1.report", PROGRAM_LEAD),
        ("roadmap.q1.office_hours", DATA_LEAD),
    ),
    (("roadmap.q2.cohort", PROGRAM_LEAD), ("roadmap.q2.adapt", DATA_LEAD), ("roadmap.q2.requests", DATA_LEAD)),
    (("roadmap.q3.trainers", TRAINER), ("roadmap.q3.inventory", DATA_LEAD), ("roadmap.q3.update", PROGRAM_LEAD)),
    (("roadmap.q4.cohort", TRAINER), ("roadmap.q4.follow_up", PROGRAM_LEAD), ("roadmap.q4.review", PROGRAM_LEAD)),
)


def _roadmap(spec: PlanSpec, m: Messages) -> list[dict]:
    """Twelve months from the month after the post-sprint call, a quarter at a time."""
    values = {
        "portal": spec.portal or m("portal.none"),
        "languages": m.join([m.language(lang) for lang in spec.languages]),
    }
    quarters = []
    for q, steps in enumerate(ROADMAP):
        first, last = q * 3 + 1, q * 3 + 3
        months = m(
            "date.month_range",
            start=m.month_year(_add_months(spec.sprint.post_call, first)),
            end=m.month_year(_add_months(spec.sprint.post_call, last)),
        )
        quarters.append(
            {
                "heading": Line("roadmap.quarter", {"first": first, "last": last, "months": months}),
                "steps": [Line(key, values, owner_for(spec, role)) for key, role in steps],
            }
        )
    return quarters


def plan_context(spec: PlanSpec, syllabus: Syllabus, lang: str) -> dict:
    """Everything the template lays out, as plain values in ``lang``."""
    m = Messages(lang)
    sprint = spec.sprint
    sessions = session_dates(sprint)
    people = m.count("count.people", sum(a.size for a in spec.audiences))
    groups = m.count("count.groups", len(spec.audiences))
    summary = {
        "city": spec.city,
        "people": people,
        "groups": groups,
        "start": m.date(sessions[0]),
        "end": m.date(sessions[-1]),
        "sessions": m.count("count.sessions", len(sessions)),
        "hours": m.count("count.hours", sprint.session.hours),
        "weekday_plural": m(f"weekday_plural.{sprint.session.weekday}"),
        "time": m.clock(session_time(sprint)),
        "languages": m.join([m.language(x) for x in spec.languages]),
        "pre_call": m.date(sprint.pre_call),
        "post_call": m.date(sprint.post_call),
        "portal": spec.portal or m("portal.none"),
    }
    return {
        "lang": lang,
        "city": spec.city,
        "summary": summary,
        "office_hours": sprint.office_hours,
        "goals": list(spec.goals),
        "team": [{"name": x.name, "role": m.term("role", x.role), "email": x.email} for x in spec.team],
        "audiences": _audiences(spec, syllabus, m),
        "topics": _topics(spec, syllabus, m),
        "matrix": _matrix(spec, syllabus, m),
        "schedule": {
            "city": spec.city,
            "timezone": spec.timezone,
            "hours": m.count("count.hours", sprint.session.hours),
        },
        "skipped": _skipped(spec, m),
        "events": _events(spec, m),
        "sessions": _sessions(spec, syllabus, m),
        "calls": _calls(spec, m),
        "milestones": _milestones(spec, m),
        "workplan": {"csv": "[workplan.csv](workplan.csv)", "png": "[workplan.png](workplan.png)"},
        "roadmap": _roadmap(spec, m),
    }


# --- rendering -----------------------------------------------------------------------------


def render_plan(spec: PlanSpec, syllabus: Syllabus, lang: str) -> str:
    """The plan as Markdown in ``lang`` (any available language)."""
    context = plan_context(spec, syllabus, lang)
    return tidy_markdown(template_environment(TEMPLATES_DIR).get_template(TEMPLATE).render(t=Messages(lang), **context))


def write_documents(spec: PlanSpec, syllabus: Syllabus, directory: Path) -> list[Path]:
    """Write ``plan.<lang>.md`` and ``plan.<lang>.html`` for each of the spec's languages."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for lang in spec.languages:
        md = render_plan(spec, syllabus, lang)
        written.append(write_text(directory / f"plan.{lang}.md", md))
        title = Messages(lang)("title", city=spec.city)
        written.append(write_text(directory / f"plan.{lang}.html", markdown_to_html(md, title, lang)))
    return written
