"""Attendance: who came to which session, read from a sign-in CSV.

The file has one row per learner and session::

    learner,date,present
    AN12,2026-09-09,yes
    AN12,2026-09-16,no

Headers are matched ignoring case and accents (``learner``/``learner_id``/``code``,
``date``/``session``, ``present``/``attended``; Spanish ``participante``, ``fecha``,
``asistió``; Portuguese ``participante``, ``data``, ``presença``…: every available
language's ``read.attendance.*`` in its survey catalog). ``present`` is yes/no in
any of them, 1/0, true/false or x/blank. A cell that cannot be read is counted and listed, never
fatal; a file without those columns fails with one line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pandas as pd

from kit.data.text import fold
from kit.feedback.form_names import SheetWords, sheet_words
from kit.feedback.mapping import SurveyError
from kit.feedback.read import Problem, header_key, read_records

__all__ = ["Attendance", "SessionAttendance", "read_attendance"]

COLUMNS = ("learner", "date", "present")


@dataclass(frozen=True)
class SessionAttendance:
    day: date
    present: int
    enrolled: int

    @property
    def rate(self) -> float:
        return self.present / self.enrolled if self.enrolled else 0.0


@dataclass
class Attendance:
    """Sign-ins read: one row per learner and session (``learner``, ``date``, ``present``)."""

    records: pd.DataFrame
    path: Path | None = None
    problems: list[Problem] = field(default_factory=list)

    @property
    def learners(self) -> list[str]:
        return sorted(self.records["learner"].unique())

    def sessions(self) -> list[SessionAttendance]:
        """Per session, in date order: learners present out of learners on the list."""
        out = []
        for day, rows in self.records.groupby("date", sort=True):
            out.append(SessionAttendance(day, int(rows["present"].sum()), int(rows["learner"].nunique())))
        return out

    @property
    def rate(self) -> float:
        """Share of (learner, session) sign-ins that were present."""
        return float(self.records["present"].mean()) if len(self.records) else 0.0

    def regulars(self, share: float = 0.5) -> int:
        """Learners present at ``share`` of the sessions or more."""
        sessions = self.records["date"].nunique()
        per_learner = self.records.groupby("learner")["present"].sum()
        return int((per_learner >= share * sessions).sum()) if sessions else 0


def _column(header: list[str], name: str, path: Path, words: SheetWords) -> int:
    wanted = words.attendance[name]
    for i, h in enumerate(header):
        if fold(header_key(h)) in wanted:
            return i
    raise SurveyError(
        f"{path}: no {name!r} column in the attendance file (expected one of "
        f"{', '.join(sorted(wanted))}; the header has: {', '.join(header)})",
        path=str(path),
    )


def read_attendance(path: str | Path) -> Attendance:
    """Read an attendance CSV (any encoding and delimiter a survey export may have).

    Raises
    ------
    SurveyError
        The file cannot be read, or lacks a learner, date or present column.
    """
    path = Path(path)
    rows = [r for r in read_records(path)[0] if any(c.strip() for c in r)]
    if not rows:
        raise SurveyError(f"{path}: the attendance file is empty", path=str(path))
    header = [h.strip() for h in rows[0]]
    words = sheet_words()
    where = {name: _column(header, name, path, words) for name in COLUMNS}
    records, problems = [], []
    for number, row in enumerate(rows[1:], start=1):
        cells = {name: (row[i].strip() if i < len(row) else "") for name, i in where.items()}
        try:
            day = date.fromisoformat(cells["date"])
        except ValueError:
            problems.append(Problem(number, header[where["date"]], cells["date"], "not a date (YYYY-MM-DD)"))
            continue
        mark = fold(cells["present"])
        if not cells["learner"] or mark not in words.yes | words.no:
            column, value = ("learner", cells["learner"]) if not cells["learner"] else ("present", cells["present"])
            problems.append(
                Problem(
                    number, header[where[column]], value or None, "no learner" if column == "learner" else "not yes/no"
                )
            )
            continue
        records.append((cells["learner"], day, mark in words.yes))
    frame = pd.DataFrame(records, columns=["learner", "date", "present"])
    frame = frame.drop_duplicates(["learner", "date"], keep="last").reset_index(drop=True)
    return Attendance(frame, path, problems)
