"""The cohort's exercise scores, per module and per question (Kirkpatrick level 2).

Input is the gradebook as a table, one row per learner, assignment and question
(``learner, assignment, question, kind, score, max_score, needs_manual_grade``:
what :func:`kit.grading.grades.question_scores` returns). A module's language
twins (``03-issue-campaigns`` and ``03-issue-campaigns-es``) have the same
questions and grade ids, so they are counted together. Only autograded questions
count; a reflection waiting for a trainer is not a zero.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from kit.data.syllabus import Module

__all__ = ["PASSING", "STRUGGLED", "ModuleScores", "QuestionScores", "module_scores"]

PASSING = 0.6  # share of a module's autograded points that counts as "passed"
STRUGGLED = 0.5  # a question whose mean share is below this is one the cohort struggled with


@dataclass(frozen=True)
class QuestionScores:
    question: str
    learners: int
    mean: float  # mean share of the question's points, 0–1
    full_marks: float  # share of learners with every point
    zero: float  # share of learners with none

    @property
    def struggled(self) -> bool:
        return self.mean < STRUGGLED


@dataclass(frozen=True)
class ModuleScores:
    module: Module
    learners: int  # learners with a graded submission
    shares: tuple[float, ...]  # each learner's share of the autograded points, 0–1, ascending
    questions: tuple[QuestionScores, ...]

    @property
    def mean(self) -> float:
        return sum(self.shares) / len(self.shares) if self.shares else 0.0

    @property
    def median(self) -> float:
        return float(pd.Series(self.shares).median()) if self.shares else 0.0

    @property
    def passed(self) -> float:
        """Share of learners with at least :data:`PASSING` of the points."""
        return sum(s >= PASSING for s in self.shares) / len(self.shares) if self.shares else 0.0

    def completion(self, cohort_size: int) -> float:
        return self.learners / cohort_size if cohort_size else 0.0


def _module_of(assignment: str, modules: list[Module]) -> Module | None:
    for module in modules:
        if assignment in module.assignments or assignment == module.assignment:
            return module
    return None


def _questions(auto: pd.DataFrame) -> tuple[QuestionScores, ...]:
    out = []
    for question, rows in auto.groupby("question", sort=False):
        share = rows["score"] / rows["max_score"]
        out.append(
            QuestionScores(
                str(question),
                int(rows["learner"].nunique()),
                float(share.mean()),
                float((rows["score"] >= rows["max_score"]).mean()),
                float((rows["score"] == 0).mean()),
            )
        )
    return tuple(out)


def module_scores(scores: pd.DataFrame, modules: list[Module]) -> list[ModuleScores]:
    """Per module (in syllabus order): each learner's share of the points and each question's results.

    Assignments that belong to no module in ``modules`` are left out.

    Examples
    --------
    >>> from kit.data.syllabus import load_syllabus
    >>> m1 = load_syllabus().module(1)
    >>> rows = [("ana", m1.assignment, "q1", "auto", 2.0, 2.0, False),
    ...         ("ana", m1.assignment, "q2", "auto", 0.0, 2.0, False),
    ...         ("ben", m1.assignment + "-es", "q1", "auto", 2.0, 2.0, False),
    ...         ("ben", m1.assignment + "-es", "q2", "auto", 2.0, 2.0, False)]
    >>> frame = pd.DataFrame(rows, columns=["learner", "assignment", "question", "kind", "score",
    ...                                     "max_score", "needs_manual_grade"])
    >>> [ms] = module_scores(frame, [m1])
    >>> ms.learners, ms.shares, [(q.question, q.mean) for q in ms.questions]
    (2, (0.5, 1.0), [('q1', 1.0), ('q2', 0.5)])
    """
    if scores is None or scores.empty:
        return []
    auto = scores[scores["kind"] == "auto"].copy()
    auto["module"] = [getattr(_module_of(a, modules), "number", None) for a in auto["assignment"]]
    out = []
    for module in modules:
        rows = auto[auto["module"] == module.number]
        if rows.empty:
            continue
        per_learner = rows.groupby("learner").agg(score=("score", "sum"), max_score=("max_score", "sum"))
        shares = sorted(float(s / m) if m else 0.0 for s, m in zip(per_learner["score"], per_learner["max_score"]))
        out.append(ModuleScores(module, len(per_learner), tuple(shares), _questions(rows)))
    return out
