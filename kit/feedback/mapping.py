"""Which survey-export column holds what: one small YAML file per survey.

A program lead writes it once per form, naming the questions exactly as the
form asks them (the header of the export)::

    learner_id: "Email"                 # or a self-chosen code column
    skills:                             # 1-5 self-ratings (retrospective post-then-pre)
      find-data: {before: "Before the course: finding data on the portal",
                  after: "Now: finding data on the portal"}
    satisfaction: "How useful was this session?"    # 1-5, optional
    comments: "What should we change?"              # optional
    dataset_requests: "What data do you wish the city published?"   # optional
"""

from __future__ import annotations

import re
from functools import partial
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from kit.errors import KitError
from kit.feedback.text_files import header_key, read_yaml, yaml_field

__all__ = ["ColumnMapping", "SkillColumns", "SurveyError", "load_mapping"]

SKILL_ID = r"^[a-z0-9][a-z0-9-]*$"


class SurveyError(KitError):
    """A survey export or its column mapping cannot be used.

    Parameters
    ----------
    message
        What went wrong, in one line, naming the file.
    path
        The export or mapping file.
    field
        The mapping field at fault, when there is one (``skills.find-data.before``).
    """

    def __init__(
        self, message: str, *, path: str | None = None, field: str | None = None, hint: str | None = None
    ) -> None:
        self.path = path
        self.field = field
        super().__init__(message, hint=hint)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SkillColumns(_Strict):
    """The questions of one skill's self-rating.

    A post survey asks both (retrospective post-then-pre: "before the course" and
    "now"); a pre survey asks only ``before`` (the learner's rating on day one).
    """

    before: str = Field(min_length=1)
    after: str | None = Field(None, min_length=1)

    @model_validator(mode="after")
    def _distinct(self) -> SkillColumns:
        if self.after is not None and header_key(self.before) == header_key(self.after):
            raise ValueError("before and after must name two different questions")
        return self

    @property
    def label(self) -> str:
        """What a report calls the skill when the syllabus does not know it: the words its two
        questions end with ("finding data on the portal" from "Before the course: finding data on
        the portal" and "Now: finding data on the portal"), else the "now" question as written (the
        only question, in a pre survey).

        Examples
        --------
        >>> SkillColumns(before="Antes del curso: usar el portal", after="Ahora: usar el portal").label
        'usar el portal'
        """
        after = (self.after or self.before).split()
        before = self.before.split()
        shared = 0
        while shared < min(len(after), len(before)) - 1 and (
            after[-1 - shared].casefold() == before[-1 - shared].casefold()
        ):
            shared += 1
        label = " ".join(after[-shared:]).strip(" :-–—") if shared and self.after else ""
        return label or " ".join(after)


class ColumnMapping(_Strict):
    """Survey question (column header) for each thing the feedback loop reads."""

    learner_id: str = Field(min_length=1)
    skills: dict[str, SkillColumns] = Field(min_length=1)
    satisfaction: str | None = Field(None, min_length=1)
    comments: str | None = Field(None, min_length=1)
    dataset_requests: str | None = Field(None, min_length=1)

    @field_validator("skills")
    @classmethod
    def _skill_ids(cls, skills: dict[str, SkillColumns]) -> dict[str, SkillColumns]:
        for skill in skills:
            if not re.fullmatch(SKILL_ID, skill):
                raise ValueError(f"skill id {skill!r}: use lowercase letters, digits and '-', e.g. 'find-data'")
        return skills

    @property
    def retrospective(self) -> bool:
        """Whether every skill has both questions (a post survey)."""
        return all(cols.after is not None for cols in self.skills.values())

    def columns(self) -> dict[str, str]:
        """Output column -> question header, in output order (only the mapped ones)."""
        out = {"learner_id": self.learner_id}
        for skill, cols in self.skills.items():
            out[f"{skill}_before"] = cols.before
            if cols.after is not None:
                out[f"{skill}_after"] = cols.after
        for name in ("satisfaction", "comments", "dataset_requests"):
            if getattr(self, name) is not None:
                out[name] = getattr(self, name)
        return out


def load_mapping(path: str | Path) -> ColumnMapping:
    """Read and validate a column-mapping YAML file.

    Raises
    ------
    SurveyError
        One line naming the file and the field (or YAML line) at fault.
    """
    path = Path(path)
    raw = read_yaml(path, "the column mapping", partial(SurveyError, path=str(path)))
    if not isinstance(raw, dict):
        raise SurveyError(
            f"{path}: the column mapping must be a mapping of fields "
            "(learner_id, skills, satisfaction, comments, dataset_requests)",
            path=str(path),
        )
    try:
        return ColumnMapping.model_validate(raw)
    except ValidationError as exc:
        errors = exc.errors()
        fields = [yaml_field(e["loc"]) for e in errors]
        detail = "; ".join(f"{f}: {e['msg']}" for f, e in zip(fields, errors))
        raise SurveyError(f"{path}: {detail}", path=str(path), field=fields[0]) from None
