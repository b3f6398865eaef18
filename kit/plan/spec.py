"""The training-plan spec: one YAML file a city program lead writes.

The field names are those of the issue that introduced the plan builder (see
``plans/riverton.yaml`` for a complete example). pydantic checks shapes and
types; :mod:`kit.plan.validate` checks the rules that need the syllabus, the
dataset catalog or the calendar.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from kit.languages import LanguageCode as Language

Weekday = Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
WEEKDAYS: tuple[str, ...] = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TeamMember(_Strict):
    name: str = Field(min_length=1)
    role: str = Field(min_length=1, description="program lead, data lead, trainer, translator, …")
    email: str | None = None


class Audience(_Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    name: str
    kind: Literal["community organization", "partner agency", "civic group", "city staff"]
    issue_areas: list[str] = Field(min_length=1)
    skill_level: Literal["beginner", "intermediate", "advanced"]
    language: Language
    size: int = Field(gt=0)
    persona: str | None = Field(None, description="a short persona; written from the fields when absent")


class Topic(_Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    title: str
    issue_area: str
    modules: list[int | str] = Field(min_length=1)
    datasets: list[str] = []


class Session(_Strict):
    weekday: Weekday
    time: str
    hours: float = Field(gt=0, le=8)

    @field_validator("time")
    @classmethod
    def _clock(cls, value: str) -> str:
        if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", value):
            raise ValueError('write the time as "HH:MM" on a 24-hour clock, e.g. "15:00"')
        return value


class Sprint(_Strict):
    start: date
    weeks: int = Field(7, ge=1, le=26)
    session: Session
    pre_call: date
    post_call: date
    office_hours: int = Field(0, ge=0, le=20)
    skip: list[date] = []


class PlanSpec(_Strict):
    city: str = Field(min_length=1)
    portal: str | None = None
    timezone: str = "America/Chicago"
    languages: list[Language] = Field(["en"], min_length=1)
    goals: list[str] = []
    team: list[TeamMember] = Field(min_length=1)
    audiences: list[Audience] = Field(min_length=1)
    topics: list[Topic] = Field(min_length=1)
    sprint: Sprint
