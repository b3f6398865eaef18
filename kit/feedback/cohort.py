"""One cohort's feedback, analysed: everything the report shows, as plain values.

:func:`analyse` takes what a program lead collected (survey exports already read,
attendance, the gradebook's scores, a catalog to match dataset requests against)
and returns a :class:`CohortAnalysis`. It writes nothing: the report
(:mod:`kit.feedback.report`) and the log (:mod:`kit.feedback.log`) take it from here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from kit.data.syllabus import Module, Skill
from kit.feedback.attendance import Attendance
from kit.feedback.gains import SkillGain, skill_gains
from kit.feedback.hints import ModuleHints, hint_usage
from kit.feedback.log import AskedRequest
from kit.feedback.module_scores import ModuleScores, module_scores
from kit.feedback.read import SurveyResponses
from kit.feedback.recommend import Recommendation, recommend
from kit.feedback.requests import CatalogEntry, RequestMatch, RequestMatcher
from kit.feedback.themes import Theme, ThemeSummary, group_comments
from kit.languages import available_languages

__all__ = ["CohortAnalysis", "CohortInputs", "analyse", "rated_skills"]


@dataclass
class CohortInputs:
    """What a program lead brings to a cohort's report.

    ``post`` and ``pre`` hold one :class:`SurveyResponses` per export (a cohort
    may have a form per language). ``modules`` are the modules the
    cohort took and ``languages`` the languages its plan offers; ``skills`` the
    skills its surveys rated (in report order).
    """

    cohort: str
    city: str
    modules: list[Module]
    skills: list[Skill]
    languages: list[str]
    post: list[SurveyResponses]
    pre: list[SurveyResponses] = field(default_factory=list)
    attendance: Attendance | None = None
    scores: pd.DataFrame | None = None
    catalog: list[CatalogEntry] = field(default_factory=list)
    catalog_source: str = "bundled"
    themes: list[Theme] | None = None
    hints: list | None = None  # (learner, assignment, HintRecord) per hints-used.json handed in


@dataclass
class CohortAnalysis:
    inputs: CohortInputs
    responses: pd.DataFrame  # every post export, one row per learner
    cohort_size: int
    gains: list[SkillGain]
    scores: list[ModuleScores]
    satisfaction: list[int]  # how many learners gave 1, 2, 3, 4, 5
    themes: ThemeSummary
    requests: list[tuple[str, RequestMatch]]  # (learner, match), one per request
    recommendations: list[Recommendation]
    hints: list[ModuleHints] = field(default_factory=list)

    @property
    def respondents(self) -> int:
        return len(self.responses)

    @property
    def mean_satisfaction(self) -> float | None:
        return _mean_rating(self.satisfaction)

    def asked(self) -> list[AskedRequest]:
        """The cohort's dataset requests, as the log records them."""
        return [AskedRequest(m.request, learner, m.dataset, m.title) for learner, m in self.requests]


def rated_skills(exports: list[SurveyResponses], known: list[Skill]) -> list[Skill]:
    """The skills the exports rate, in report order: the ``known`` ones (the syllabus's, with their
    labels) in their order, then a city's own skills in the order of their mappings, each labelled
    from its questions (:attr:`kit.feedback.mapping.SkillColumns.label`), in every language.

    Examples
    --------
    >>> from kit.feedback.read import SurveyResponses
    >>> export = SurveyResponses(
    ...     pd.DataFrame(columns=["learner_id", "find-data_before", "maps_before"]), "csv", "utf-8",
    ...     skill_labels={"find-data": "finding data on the portal", "maps": "making maps"})
    >>> [(s.id, s.en) for s in rated_skills([export], [Skill(id="maps", en="mapping", es="mapas")])]
    [('maps', 'mapping'), ('find-data', 'finding data on the portal')]
    """
    rated = {skill for export in exports for skill in export.skills}
    ours = {s.id for s in known}
    own: dict[str, Skill] = {}
    for export in exports:
        for skill in export.skills:
            if skill not in ours and skill not in own:
                label = export.skill_labels.get(skill) or skill
                own[skill] = Skill(id=skill, **dict.fromkeys(available_languages(), label))
    return [s for s in known if s.id in rated] + list(own.values())


def _naive(frame: pd.DataFrame) -> pd.DataFrame:
    """Submission times in UTC without a zone (Google exports carry one, Microsoft's do not)."""
    stamps = frame.get("submitted_at")
    if stamps is not None and getattr(stamps.dt, "tz", None) is not None:
        frame = frame.assign(submitted_at=stamps.dt.tz_convert("UTC").dt.tz_localize(None))
    return frame


def _combine(exports: list[SurveyResponses]) -> pd.DataFrame:
    """Every export's rows; a learner in two exports keeps their latest answer."""
    frames = [_naive(e.responses) for e in exports if len(e.responses)]
    if not frames:
        return pd.DataFrame({"learner_id": pd.Series(dtype=object)})
    frame = pd.concat(frames, ignore_index=True)
    if "submitted_at" in frame:
        frame = frame.sort_values("submitted_at", kind="stable", na_position="first")
    return frame.drop_duplicates("learner_id", keep="last").reset_index(drop=True)


def _column(frame: pd.DataFrame, name: str) -> list:
    return [v for v in frame[name] if v is not None and not pd.isna(v)] if name in frame else []


def _mean_rating(counts: list[int]) -> float | None:
    """The mean of 1-5 ratings given as how many learners gave each."""
    total = sum(counts)
    return sum((i + 1) * c for i, c in enumerate(counts)) / total if total else None


def _satisfaction(frame: pd.DataFrame) -> list[int]:
    ratings = _column(frame, "satisfaction")
    return [sum(1 for r in ratings if int(r) == k) for k in range(1, 6)]


def _requests(frame: pd.DataFrame, catalog: list[CatalogEntry]) -> list[tuple[str, RequestMatch]]:
    """Every learner's requests, matched against the catalog (indexed once)."""
    if "dataset_requests" not in frame:
        return []
    matcher = RequestMatcher(catalog)
    out = []
    for learner, answer in zip(frame["learner_id"], frame["dataset_requests"]):
        if answer is None or pd.isna(answer):
            continue
        out += [(str(learner), match) for match in matcher.match_answers([answer])]
    return out


def _cohort_size(inputs: CohortInputs, responses: pd.DataFrame, scores: list[ModuleScores]) -> int:
    if inputs.attendance is not None and len(inputs.attendance.records):
        return len(inputs.attendance.learners)
    return max([len(responses), *(ms.learners for ms in scores)])


def analyse(inputs: CohortInputs) -> CohortAnalysis:
    """Everything the report says about the cohort, computed once."""
    responses = _combine(inputs.post)
    pre = _combine(inputs.pre) if inputs.pre else None
    skills = [s.id for s in inputs.skills]
    gains = skill_gains(responses, skills, pre)
    scores = module_scores(inputs.scores, inputs.modules) if inputs.scores is not None else []
    themes = group_comments(_column(responses, "comments"), inputs.themes)
    requests = _requests(responses, inputs.catalog)
    satisfaction = _satisfaction(responses)
    recs = recommend(
        modules=inputs.modules,
        languages=inputs.languages,
        scores=scores,
        gains=gains,
        attendance=inputs.attendance,
        theme_counts=[(tc.theme.id, tc.count) for tc in themes.themes],
        comments=themes.total,
        gaps=[m.request for _, m in requests if m.dataset is None],
        satisfaction=_mean_rating(satisfaction),
    )
    return CohortAnalysis(
        inputs,
        responses,
        _cohort_size(inputs, responses, scores),
        gains,
        scores,
        satisfaction,
        themes,
        requests,
        recs,
        hint_usage(inputs.hints or [], inputs.modules),
    )
