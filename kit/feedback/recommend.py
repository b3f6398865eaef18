"""Concrete recommendations for the next cohort's plan, each with the evidence behind it.

Plain rules over the cohort's numbers, in the order a program lead acts on them:
modules most learners failed (give them more time), questions the cohort
struggled with, skills that barely moved, languages the plan promised but a
module lacks, attendance that fell, what comments keep saying, data the
community asked for that the city does not publish, and low satisfaction.

A recommendation is a message key and its values; the report words it in the
reader's language (``rec.<key>`` in ``kit/feedback/messages/<lang>.yaml``).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from kit.data.syllabus import Module
from kit.feedback.attendance import Attendance
from kit.feedback.gains import SkillGain
from kit.feedback.module_scores import PASSING, ModuleScores

__all__ = ["Recommendation", "recommend"]

MOST = 0.5  # "most learners": more than half
HARD_QUESTION = 0.4  # mean share of points below this: revisit the question
SMALL_GAIN = 0.75  # mean self-rating gain (1–5 scale) below this: more practice
MIN_PAIRED = 3  # fewer paired answers than this: no conclusion about a skill
ATTENDANCE_DROP = 0.2  # first session to last session, in share of the list
THEME_SHARE = 0.2  # a theme in this share of comments (and at least 2) is recurring
LOW_SATISFACTION = 3.5
TOP_GAPS = 3
EXTRA_MINUTES = 30


@dataclass(frozen=True)
class Recommendation:
    key: str
    values: dict = field(default_factory=dict)  # a "skill" value is a skill id, worded by the report
    module: int | None = None  # the module it concerns, for its title in the reader's language


def _modules(scores: list[ModuleScores]) -> list[Recommendation]:
    out = []
    for ms in scores:
        failed = 1 - ms.passed
        if failed > MOST:
            out.append(
                Recommendation(
                    "more_time",
                    {"failed": round(100 * failed), "passing": round(100 * PASSING), "minutes": EXTRA_MINUTES},
                    ms.module.number,
                )
            )
        for q in ms.questions:
            if q.mean < HARD_QUESTION:
                out.append(
                    Recommendation(
                        "revisit_question",
                        {"question": q.question, "mean": round(100 * q.mean), "zero": round(100 * q.zero)},
                        ms.module.number,
                    )
                )
    return out


def _skills(gains: list[SkillGain]) -> list[Recommendation]:
    return [
        Recommendation("practice_skill", {"skill": g.skill, "gain": f"{g.gain:+.1f}", "n": g.n})
        for g in gains
        if g.n >= MIN_PAIRED and g.gain is not None and g.gain < SMALL_GAIN
    ]


def _languages(modules: list[Module], languages: list[str]) -> list[Recommendation]:
    out = []
    for module in modules:
        missing = [
            lang
            for lang in languages
            if lang not in module.languages or (module.assignment and lang not in module.exercise_languages)
        ]
        if missing:
            out.append(Recommendation("translate", {"languages": missing}, module.number))
    return out


def _attendance(attendance: Attendance | None) -> list[Recommendation]:
    sessions = attendance.sessions() if attendance else []
    if len(sessions) < 2 or sessions[0].rate - sessions[-1].rate < ATTENDANCE_DROP:
        return []
    return [
        Recommendation(
            "attendance_fell", {"first": round(100 * sessions[0].rate), "last": round(100 * sessions[-1].rate)}
        )
    ]


def _themes(theme_counts: list[tuple[str, int]], comments: int) -> list[Recommendation]:
    return [
        Recommendation(f"theme.{theme}", {"count": count, "share": round(100 * count / comments)})
        for theme, count in theme_counts
        if comments and count >= 2 and count / comments >= THEME_SHARE
    ]


def _gaps(gaps: list[str]) -> list[Recommendation]:
    top = [request for request, _ in Counter(gaps).most_common(TOP_GAPS)]
    return [Recommendation("answer_gaps", {"requests": top, "count": len(set(gaps))})] if top else []


def recommend(
    *,
    modules: list[Module],
    languages: list[str],
    scores: list[ModuleScores],
    gains: list[SkillGain],
    attendance: Attendance | None,
    theme_counts: list[tuple[str, int]],
    comments: int,
    gaps: list[str],
    satisfaction: float | None,
) -> list[Recommendation]:
    """Every recommendation the cohort's numbers support, most pressing first.

    Parameters
    ----------
    modules, languages
        The modules the cohort took and the languages its plan offers.
    theme_counts
        ``(theme id, comments in that theme)``; ``comments`` is how many non-empty
        comments there were.
    gaps
        Dataset requests matched to nothing in the catalog (one entry per asker).
    satisfaction
        Mean satisfaction, 1–5, or ``None`` when not asked.
    """
    recs = _modules(scores) + _skills(gains) + _languages(modules, languages)
    recs += _attendance(attendance) + _themes(theme_counts, comments) + _gaps(gaps)
    if satisfaction is not None and satisfaction < LOW_SATISFACTION:
        recs.append(Recommendation("low_satisfaction", {"mean": f"{satisfaction:.1f}"}))
    return recs
