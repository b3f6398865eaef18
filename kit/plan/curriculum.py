"""Which modules and datasets each audience takes.

An audience takes the modules of every topic whose issue area it shares; a
module whose prerequisites are missing pulls them in, and the plan says why.
"""

from __future__ import annotations

from dataclasses import dataclass

from kit.data.syllabus import Module, Syllabus
from kit.plan.spec import Audience, PlanSpec


@dataclass(frozen=True)
class Assigned:
    """A module an audience takes, and why."""

    module: Module
    topics: tuple[str, ...]  # the topics that ask for it (empty when pulled in)
    required_by: tuple[int, ...] = ()  # the modules that need it as a prerequisite

    @property
    def pulled_in(self) -> bool:
        return not self.topics


def topics_for(spec: PlanSpec, audience: Audience) -> list:
    return [t for t in spec.topics if t.issue_area in audience.issue_areas]


def modules_for(spec: PlanSpec, audience: Audience, syllabus: Syllabus) -> list[Assigned]:
    """The audience's modules in syllabus order, prerequisites included."""
    asked: dict[int, list[str]] = {}
    for topic in topics_for(spec, audience):
        for ref in topic.modules:
            asked.setdefault(syllabus.module(ref).number, []).append(topic.id)
    needed_by: dict[int, set[int]] = {}
    for number in list(asked):
        for module in syllabus.with_prerequisites([number]):
            if module.number != number:
                needed_by.setdefault(module.number, set()).add(number)
    numbers = set(asked) | set(needed_by)
    return [
        Assigned(m, tuple(asked.get(m.number, ())), tuple(sorted(needed_by.get(m.number, ()))))
        for m in syllabus.modules
        if m.number in numbers
    ]


def untranslated_for(spec: PlanSpec, audience: Audience, syllabus: Syllabus) -> list[Module]:
    """The audience's available modules that do not exist in its language yet (its bundle leaves them out)."""
    return [
        a.module
        for a in modules_for(spec, audience, syllabus)
        if a.module.status == "available" and not a.module.translated_into(audience.language)
    ]


def datasets_for(spec: PlanSpec, audience: Audience, syllabus: Syllabus) -> list[str]:
    """The datasets of the audience's topics and modules, without repeats, in first-use order."""
    names: list[str] = []
    for topic in topics_for(spec, audience):
        names += topic.datasets
    for assigned in modules_for(spec, audience, syllabus):
        names += assigned.module.datasets
    return list(dict.fromkeys(names))


def plan_modules(spec: PlanSpec, syllabus: Syllabus) -> list[Module]:
    """Every module some audience of the plan takes (prerequisites included), in syllabus order."""
    numbers = {a.module.number for audience in spec.audiences for a in modules_for(spec, audience, syllabus)}
    return [m for m in syllabus.modules if m.number in numbers]
