"""What each session covers, paced by the syllabus minutes.

Every module the plan teaches (any audience's, in syllabus order) takes its
teaching minutes, then lab time for its exercise (its exercise minutes), with
the trainer at hand. Items split across sessions when they do not fit. The
first session opens with an orientation, the last closes with a showcase and
the feedback survey; time left over is open lab on the city's own data. A plan
whose modules need more class time than its sessions give is refused when the
spec is checked (:func:`minutes_left_over`), never cut short in silence.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from kit.data.syllabus import Module, Syllabus
from kit.plan.curriculum import modules_for
from kit.plan.schedule import session_dates
from kit.plan.spec import PlanSpec

ORIENTATION_MINUTES = 20
SHOWCASE_MINUTES = 45


@dataclass(frozen=True)
class SessionItem:
    kind: str  # "orientation" | "teach" | "lab" | "open lab" | "showcase"
    module: Module | None
    minutes: int


@dataclass(frozen=True)
class SessionPlan:
    number: int
    date: dt.date
    items: tuple[SessionItem, ...]


def plan_modules(spec: PlanSpec, syllabus: Syllabus) -> list[Module]:
    """Every module any audience takes, in syllabus order."""
    numbers = {a.module.number for audience in spec.audiences for a in modules_for(spec, audience, syllabus)}
    return [m for m in syllabus.modules if m.number in numbers]


def session_plan(spec: PlanSpec, syllabus: Syllabus) -> list[SessionPlan]:
    """The sessions in order, each with what it covers and for how many minutes."""
    return _paced(spec, syllabus)[0]


def minutes_left_over(spec: PlanSpec, syllabus: Syllabus) -> list[tuple[Module, int]]:
    """What the sessions cannot hold: each module with class minutes left over, in syllabus order."""
    left: dict[int, tuple[Module, int]] = {}
    for _, module, minutes in _paced(spec, syllabus)[1]:
        before = left.get(module.number, (module, 0))[1]
        left[module.number] = (module, before + minutes)
    return list(left.values())


def _paced(spec: PlanSpec, syllabus: Syllabus) -> tuple[list[SessionPlan], list[list]]:
    """The sessions, and the queue of [kind, module, minutes] they could not hold."""
    queue = [
        [kind, m, minutes]
        for m in plan_modules(spec, syllabus)
        for kind, minutes in (("teach", m.teaching_minutes), ("lab", m.exercise_minutes))
    ]
    days = session_dates(spec.sprint)
    length = round(spec.sprint.session.hours * 60)
    plans = []
    for number, day in enumerate(days, start=1):
        items: list[SessionItem] = []
        left = length
        if number == 1:
            items.append(SessionItem("orientation", None, min(ORIENTATION_MINUTES, left)))
            left -= items[-1].minutes
        reserve = SHOWCASE_MINUTES if number == len(days) else 0
        while queue and left - reserve > 0:
            kind, module, minutes = queue[0]
            used = min(minutes, left - reserve)
            items.append(SessionItem(kind, module, used))
            left -= used
            queue[0][2] -= used
            if queue[0][2] == 0:
                queue.pop(0)
        if left - reserve > 0:
            items.append(SessionItem("open lab", None, left - reserve))
            left = reserve
        if reserve:
            items.append(SessionItem("showcase", None, left))
        plans.append(SessionPlan(number, day, tuple(items)))
    return plans, queue
