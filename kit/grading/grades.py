"""Scores out of nbgrader's gradebook: per question, per learner, as CSV.

Everything here reads the gradebook through nbgrader's own API; nothing is
computed from files on disk, so manual grades entered in formgrader show up.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pandas as pd
from nbgrader.api import MissingEntry

from kit.grading.course import Course

QUESTION_COLUMNS = [
    "learner",
    "assignment",
    "notebook",
    "question",
    "kind",
    "score",
    "max_score",
    "needs_manual_grade",
    "late_penalty",
]


def question_of(grade_id: str) -> str:
    """The question a grade cell belongs to: ``test-count-contacts`` -> ``count-contacts``."""
    return grade_id.removeprefix("test-")


def question_order(course: Course, assignment: str) -> dict[str, int]:
    """Position of each graded question in the assignment's source notebooks."""
    order: dict[str, int] = {}
    for path in course.source_notebooks(assignment):
        for cell in nbformat.read(path, as_version=4).cells:
            meta = cell.metadata.get("nbgrader", {})
            if meta.get("grade"):
                order.setdefault(question_of(meta["grade_id"]), len(order))
    return order


def question_scores(course: Course, assignments: list[str] | None = None) -> pd.DataFrame:
    """One row per learner, assignment and graded question, in notebook order.

    ``late_penalty`` is the submission's late-submission penalty in points (the
    same on each of its rows; see :mod:`kit.grading.late`)."""
    rows = []
    with course.gradebook() as gb:
        for assignment in assignments or [a.name for a in gb.assignments]:
            try:
                submissions = gb.assignment_submissions(assignment)
            except MissingEntry:
                continue
            for submission in submissions:
                penalty = float(submission.late_submission_penalty or 0.0)
                for notebook in submission.notebooks:
                    for grade in notebook.grades:
                        rows.append(
                            (
                                submission.student.id,
                                assignment,
                                notebook.name,
                                question_of(grade.name),
                                "manual" if grade.cell_type == "markdown" else "auto",
                                float(grade.score),
                                float(grade.max_score),
                                bool(grade.needs_manual_grade),
                                penalty,
                            )
                        )
    frame = pd.DataFrame(rows, columns=QUESTION_COLUMNS)
    positions = {a: question_order(course, a) for a in frame["assignment"].unique()}
    frame["position"] = [positions[a].get(q, len(positions[a])) for a, q in zip(frame["assignment"], frame["question"])]
    frame = frame.sort_values(["assignment", "learner", "position"], ignore_index=True)
    return frame.drop(columns="position")


@dataclass(frozen=True)
class LearnerTotal:
    learner: str
    assignment: str
    auto_score: float
    auto_max: float
    manual_max: float
    pending_manual: int
    late_penalty: float = 0.0

    @property
    def status(self) -> str:
        return "needs manual grading" if self.pending_manual else "graded"


def learner_totals(scores: pd.DataFrame) -> list[LearnerTotal]:
    """Autograded totals per learner and assignment, and what still needs a human."""
    totals = []
    for (assignment, learner), rows in scores.groupby(["assignment", "learner"], sort=True):
        auto = rows[rows["kind"] == "auto"]
        manual = rows[rows["kind"] == "manual"]
        penalty = float(rows["late_penalty"].max()) if "late_penalty" in rows else 0.0
        totals.append(
            LearnerTotal(
                learner,
                assignment,
                float(auto["score"].sum()),
                float(auto["max_score"].sum()),
                float(manual["max_score"].sum()),
                int(manual["needs_manual_grade"].sum()),
                penalty,
            )
        )
    return totals


def question_summary(scores: pd.DataFrame) -> pd.DataFrame:
    """Per question: learners, mean score, share with full marks, share with zero."""
    auto = scores[scores["kind"] == "auto"]
    grouped = auto.groupby(["assignment", "question"], sort=False)
    summary = grouped.agg(learners=("learner", "nunique"), max_score=("max_score", "max"), mean_score=("score", "mean"))
    summary["full_marks"] = grouped.apply(lambda g: (g["score"] >= g["max_score"]).mean(), include_groups=False)
    summary["zero"] = grouped.apply(lambda g: (g["score"] == 0).mean(), include_groups=False)
    return summary.reset_index()


def write_grades_csv(scores: pd.DataFrame, path: Path) -> Path:
    """Write one row per learner and assignment, with a column per question.

    Columns: ``learner, assignment, <question>…, auto_score, auto_max,
    manual_max, late_penalty, status`` (the penalty, in points, is taken off the
    submission's score by the course's late policy). Question scores are points; the reflection's column is
    empty until a trainer grades it in formgrader. When the grades span several
    assignments, question columns are named ``<assignment>/<question>`` (two
    exercises may use the same question id).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    several = scores["assignment"].nunique() > 1
    columns = list(dict.fromkeys(zip(scores["assignment"], scores["question"])))
    headers = [f"{a}/{q}" if several else q for a, q in columns]
    totals = {(t.assignment, t.learner): t for t in learner_totals(scores)}
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(
            ["learner", "assignment", *headers, "auto_score", "auto_max", "manual_max", "late_penalty", "status"]
        )
        for (assignment, learner), rows in scores.groupby(["assignment", "learner"], sort=True):
            by_question = {r.question: r for r in rows.itertuples()}
            cells = []
            for a, q in columns:
                r = by_question.get(q) if a == assignment else None
                cells.append("" if r is None or (r.kind == "manual" and r.needs_manual_grade) else f"{r.score:g}")
            t = totals[assignment, learner]
            writer.writerow(
                [
                    learner,
                    assignment,
                    *cells,
                    f"{t.auto_score:g}",
                    f"{t.auto_max:g}",
                    f"{t.manual_max:g}",
                    f"{t.late_penalty:g}",
                    t.status,
                ]
            )
    return path
