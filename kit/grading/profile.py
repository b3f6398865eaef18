"""Simulation profiles: how simulated learners answer an assignment.

A profile lives in ``grader/simulation/<assignment>.yaml`` and lists, per answer
cell, plausible wrong answers and code that raises an error. The correct answer
is always the source notebook's own solution.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from kit.errors import AssignmentError
from kit.languages import REFERENCE, available_languages


class WrongAnswer(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str
    why: str
    passes_visible: bool = False


class QuestionProfile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    wrong: list[WrongAnswer]
    error: str


class SimulationProfile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    assignment: str
    questions: dict[str, QuestionProfile]
    reflections: list[str]


def load_profile(course_root: Path, assignment: str) -> SimulationProfile:
    """The simulation profile of ``assignment``.

    A translated assignment (``<id>-<lang>``) has the same answer cells as its
    English original, so it uses the original's profile unless it has its own.
    """
    path = course_root / "simulation" / f"{assignment}.yaml"
    base, _, language = assignment.rpartition("-")
    if not path.is_file() and language in available_languages() and language != REFERENCE:
        path = course_root / "simulation" / f"{base}.yaml"
        assignment = base
    if not path.is_file():
        raise AssignmentError(f"no simulation profile for '{assignment}' at {path}", assignment=assignment)
    try:
        profile = SimulationProfile.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except (yaml.YAMLError, ValidationError) as exc:
        raise AssignmentError(f"{path}: {exc}".splitlines()[0], assignment=assignment) from None
    if profile.assignment != assignment:
        raise AssignmentError(f"{path} describes '{profile.assignment}', not '{assignment}'", assignment=assignment)
    return profile
