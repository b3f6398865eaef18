"""Which questions needed hints: the ``hints-used.json`` files learners handed in, per module and question.

Recording is opt-in (:mod:`kit.course.selfcheck`), so these counts are about the learners who turned it
on, and the report says how many did. A module's language twins (``03-issue-campaigns`` and
``03-issue-campaigns-es``) share grade ids and are counted together, as in :mod:`kit.feedback.module_scores`.
"""

from __future__ import annotations

from dataclasses import dataclass

from kit.data.hint_records import HintRecord
from kit.data.syllabus import Module

__all__ = ["ModuleHints", "QuestionHints", "hint_usage"]


@dataclass(frozen=True)
class QuestionHints:
    question: str
    learners: int  # learners who asked for at least one hint
    hints: int  # hints they were shown, in all (each learner's most for the question)


@dataclass(frozen=True)
class ModuleHints:
    module: Module
    recording: int  # learners who handed in a hints-used.json for the module
    questions: tuple[QuestionHints, ...]  # most-hinted first

    def share(self, question: QuestionHints) -> float:
        """Share of the recording learners who needed a hint for ``question``."""
        return question.learners / self.recording if self.recording else 0.0


def _module_of(assignment: str, modules: list[Module]) -> Module | None:
    return next((m for m in modules if assignment in m.assignments or assignment == m.assignment), None)


def hint_usage(records: list[tuple[str, str, HintRecord]], modules: list[Module]) -> list[ModuleHints]:
    """Per module (syllabus order), how many recording learners used hints on each question.

    Parameters
    ----------
    records
        ``(learner, assignment, record)`` for every ``hints-used.json`` handed in.
    modules
        The cohort's modules; records of other assignments are left out.

    Examples
    --------
    >>> from kit.data.syllabus import load_syllabus
    >>> m3 = load_syllabus().module(3)
    >>> records = [("ana", m3.assignment, HintRecord(m3.assignment, {"count-heat": 2})),
    ...            ("ben", m3.assignment + "-es", HintRecord(m3.assignment + "-es", {"count-heat": 1})),
    ...            ("eva", m3.assignment, HintRecord(m3.assignment, {}))]
    >>> [mh] = hint_usage(records, [m3])
    >>> mh.recording, [(q.question, q.learners, q.hints) for q in mh.questions]
    (3, [('count-heat', 2, 3)])
    """
    per_module: dict[int, dict[str, dict[str, int]]] = {}  # module -> learner -> question -> hints
    for learner, assignment, record in records:
        module = _module_of(assignment, modules)
        if module is None:
            continue
        seen = per_module.setdefault(module.number, {}).setdefault(learner, {})
        for question, n in record.hints.items():
            seen[question] = max(seen.get(question, 0), n)
    out = []
    for module in modules:
        learners = per_module.get(module.number)
        if not learners:
            continue
        totals: dict[str, list[int]] = {}
        for questions in learners.values():
            for question, n in questions.items():
                if n > 0:
                    totals.setdefault(question, []).append(n)
        questions = sorted(
            (QuestionHints(q, len(ns), sum(ns)) for q, ns in totals.items()), key=lambda q: (-q.learners, q.question)
        )
        out.append(ModuleHints(module, len(learners), tuple(questions)))
    return out
