"""Grades as a CSV that Canvas's gradebook import accepts.

Canvas (Grades → Import) reads a CSV whose first columns identify the student
— ``Student``, ``ID``, ``SIS User ID``, ``SIS Login ID``, ``Section`` — followed
by one column per assignment; a second row starting ``Points Possible`` gives
each assignment's maximum. A column whose header matches no Canvas assignment
becomes a new assignment on import; Canvas finds each student by ``ID``, else
``SIS User ID``, else ``SIS Login ID``.

The kit knows learners by their nbgrader id, written as ``SIS Login ID`` (and
``SIS User ID``). With ``roster`` — the course's own gradebook export from
Canvas (Grades → Export) — every learner found in it (by SIS Login ID, SIS User
ID or the part of their email before the ``@``) gets their real Canvas ``ID``,
name and section, and unmatched learners are reported.

Scores are what nbgrader's own export gives: the submission's score (autograded
and manual points) minus the late-submission penalty, never below zero; a
learner who did not submit an assignment gets an empty cell (Canvas leaves it
ungraded).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from nbgrader.api import MissingEntry

from kit.errors import GradingError
from kit.grading.course import Course

__all__ = ["CanvasExport", "read_roster", "write_canvas_csv"]

IDENTITY = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]


@dataclass(frozen=True)
class CanvasExport:
    path: Path
    learners: int
    assignments: list[str]
    unmatched: list[str]  # learners not found in the roster (empty without a roster)


def _key(value: str) -> str:
    return value.strip().casefold()


def read_roster(path: Path) -> dict[str, dict[str, str]]:
    """A Canvas gradebook export, indexed by every key a learner id may match."""
    path = Path(path)
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.DictReader(fh))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise GradingError(f"{path}: the Canvas roster cannot be read ({exc})") from None
    if not rows or not {"Student", "ID"} <= set(rows[0]):
        raise GradingError(
            f"{path}: not a Canvas gradebook export (it needs the columns Student and ID; "
            "export it from Canvas: Grades → Export)"
        )
    index: dict[str, dict[str, str]] = {}
    for row in rows:
        if _key(row.get("Student", "")) in ("points possible", "") or not row.get("ID", "").strip():
            continue
        for column in ("SIS Login ID", "SIS User ID", "Email", "ID"):
            value = row.get(column) or ""
            if value.strip():
                index.setdefault(_key(value), row)
                if "@" in value:
                    index.setdefault(_key(value.split("@")[0]), row)
    return index


def _scores(course: Course, assignments: list[str]) -> tuple[dict, dict, dict]:
    scores: dict[tuple[str, str], float] = {}
    maxima: dict[str, float] = {}
    names: dict[str, str] = {}
    with course.gradebook() as gb:
        for assignment in assignments:
            try:
                maxima[assignment] = float(gb.find_assignment(assignment).max_score)
                submissions = gb.assignment_submissions(assignment)
            except MissingEntry:
                raise GradingError(f"no assignment '{assignment}' in the gradebook; release it first") from None
            for sub in submissions:
                penalty = sub.late_submission_penalty or 0.0
                scores[assignment, sub.student.id] = max(0.0, float(sub.score) - float(penalty))
                full = " ".join(p for p in (sub.student.first_name, sub.student.last_name) if p)
                names[sub.student.id] = full or sub.student.id
    return scores, maxima, names


def write_canvas_csv(course: Course, assignments: list[str], path: Path, roster: Path | None = None) -> CanvasExport:
    """Write ``path`` for Canvas's gradebook import: one row per learner, a column per assignment."""
    scores, maxima, names = _scores(course, assignments)
    index = read_roster(roster) if roster else {}
    learners = sorted({learner for _, learner in scores})
    unmatched = []
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(IDENTITY + assignments)
        writer.writerow(["Points Possible", "", "", "", ""] + [f"{maxima[a]:g}" for a in assignments])
        for learner in learners:
            found = index.get(_key(learner))
            if roster and found is None:
                unmatched.append(learner)
            identity = (
                [found.get(c, "") for c in IDENTITY]
                if found
                else [names.get(learner, learner), "", learner, learner, ""]
            )
            cells = [f"{scores[a, learner]:g}" if (a, learner) in scores else "" for a in assignments]
            writer.writerow(identity + cells)
    return CanvasExport(path, len(learners), list(assignments), unmatched)
