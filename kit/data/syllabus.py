"""The syllabus: every module's title, level, minutes, prerequisites and skills, in one file.

``modules/syllabus.yaml`` is the single source for these numbers; the plan
builder schedules from it, course packaging reads it and the feedback surveys
ask learners to rate themselves on its skills.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from kit.errors import CatalogError
from kit.languages import REFERENCE, LanguageCode, available_languages
from kit.paths import modules_dir

Language = LanguageCode


class Skill(BaseModel):
    """One skill a learner rates themselves on (1-5) before and after the course.

    Besides ``id``, a key per language (``en``, ``es``, …) holds a short phrase that
    completes a survey question, e.g. "How confident are you today: loading and
    reading a table of data". English is required; the others are translations.
    """

    model_config = ConfigDict(extra="allow", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    en: str = Field(min_length=1)

    @model_validator(mode="after")
    def _languages(self) -> Skill:
        for lang, text in (self.model_extra or {}).items():
            if lang not in available_languages():
                raise ValueError(f"skill {self.id!r}: {lang!r} is not a language ({', '.join(available_languages())})")
            if not isinstance(text, str) or not text.strip():
                raise ValueError(f"skill {self.id!r}: the {lang} phrase must be a non-empty text")
        return self

    @property
    def phrases(self) -> dict[str, str]:
        """Language -> phrase, English first."""
        return {REFERENCE: self.en, **(self.model_extra or {})}

    def text(self, lang: str) -> str:
        """The skill's phrase in ``lang``.

        Raises
        ------
        CatalogError
            When the syllabus has no phrase in that language.
        """
        if lang not in self.phrases:
            raise CatalogError(
                f"skill {self.id!r} has no text in language {lang!r}",
                hint=f"add `{lang}:` to the skill in modules/syllabus.yaml (it has {', '.join(self.phrases)})",
            )
        return self.phrases[lang]


class Module(BaseModel):
    """One module of the curriculum."""

    model_config = ConfigDict(extra="forbid")

    number: int
    id: str
    track: Literal["movement", "city", "supplement"]
    title: dict[Language, str]
    level: Literal["beginner", "intermediate", "advanced"]
    teaching_minutes: int
    exercise_minutes: int
    prerequisites: list[int]
    status: Literal["available", "planned"]
    languages: list[Language]
    assignment: str | None = None
    exercise_languages: list[Language] = []
    datasets: list[str]
    skills: list[Skill] = []

    @property
    def minutes(self) -> int:
        return self.teaching_minutes + self.exercise_minutes

    def assignment_for(self, language: Language) -> str | None:
        """The nbgrader assignment in ``language``: the English id, or ``<id>-<language>``.

        Every language's exercise has the same questions, tests and grade ids;
        only the prose and the messages a learner reads differ.
        """
        if self.assignment is None or language not in self.exercise_languages:
            return None
        return self.assignment if language == "en" else f"{self.assignment}-{language}"

    def title_in(self, language: str) -> str:
        """The module's title in ``language``, or the English one until it is translated."""
        return self.title.get(language) or self.title[REFERENCE]

    def translated_into(self, language: str) -> bool:
        """Whether a learner can take the module in ``language``: its notebook and, when it has one,
        its exercise exist in that language."""
        return language in self.languages and (self.assignment is None or language in self.exercise_languages)

    @property
    def assignments(self) -> list[str]:
        """The module's assignment in every language it has one."""
        return [a for a in (self.assignment_for(lang) for lang in self.exercise_languages) if a]


class Syllabus(BaseModel):
    model_config = ConfigDict(extra="forbid")

    modules: list[Module]

    @model_validator(mode="after")
    def _check(self) -> Syllabus:
        numbers = [m.number for m in self.modules]
        if len(set(numbers)) != len(numbers) or len({m.id for m in self.modules}) != len(numbers):
            raise ValueError("module numbers and ids must be unique")
        for m in self.modules:
            unknown = [p for p in m.prerequisites if p not in numbers]
            if unknown:
                raise ValueError(f"module {m.number} has unknown prerequisites {unknown}")
        ids = [s.id for m in self.modules for s in m.skills]
        repeated = sorted({i for i in ids if ids.count(i) > 1})
        if repeated:
            raise ValueError(f"skill ids must be unique across the syllabus: {', '.join(repeated)}")
        return self

    def module(self, ref: int | str) -> Module:
        """A module by number (``3``) or id (``"03-issue-campaigns"``)."""
        for m in self.modules:
            if m.number == ref or m.id == ref or str(m.number) == str(ref):
                return m
        raise CatalogError(f"unknown module {ref!r}", hint="modules: " + ", ".join(m.id for m in self.modules))

    def available(self) -> list[Module]:
        return [m for m in self.modules if m.status == "available"]

    def with_prerequisites(self, refs: list[int | str]) -> list[Module]:
        """The modules asked for plus every prerequisite they need, in syllabus order."""
        wanted: set[int] = set()

        def add(m: Module) -> None:
            if m.number not in wanted:
                wanted.add(m.number)
                for p in m.prerequisites:
                    add(self.module(p))

        for ref in refs:
            add(self.module(ref))
        return [m for m in self.modules if m.number in wanted]

    def skills_for(self, refs: list[int | str]) -> list[Skill]:
        """The skills of the modules asked for, in syllabus order, each once.

        Parameters
        ----------
        refs
            Module numbers (``3``) or ids (``"03-issue-campaigns"``); order and
            repeats do not matter.

        Raises
        ------
        CatalogError
            When a module is unknown.
        """
        wanted = {self.module(ref).number for ref in refs}
        skills: dict[str, Skill] = {}
        for m in self.modules:
            if m.number in wanted:
                for skill in m.skills:
                    skills.setdefault(skill.id, skill)
        return list(skills.values())


@lru_cache(maxsize=4)
def _load(path: Path, mtime: float) -> Syllabus:
    try:
        return Syllabus.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except yaml.YAMLError as exc:
        raise CatalogError(f"{path}: not valid YAML: {' '.join(str(exc).split())}") from None
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "(top level)"
        more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        raise CatalogError(f"{path}: {where}: {first['msg']}{more}") from None


def load_syllabus(path: Path | None = None) -> Syllabus:
    """Read and validate ``modules/syllabus.yaml``."""
    path = path or modules_dir() / "syllabus.yaml"
    if not path.is_file():
        raise CatalogError(f"no syllabus at {path}")
    return _load(path, path.stat().st_mtime)
