"""The main job (kit.main_job), called directly; `tests/test_cli.py` runs it through `kit demo`."""

from __future__ import annotations

from kit.data.syllabus import Syllabus
from kit.main_job import MainJobEvents, _grade_modules


class Recorded(MainJobEvents):
    def __init__(self) -> None:
        self.lines: list[str] = []

    def section(self, title: str) -> None:
        self.lines.append(f"== {title}")


def test_with_no_module_available_nothing_is_graded_and_nothing_breaks(course, monkeypatch):
    monkeypatch.setattr(Syllabus, "available", lambda self: [])
    events = Recorded()
    assert _grade_modules(course, learners=3, seed=1, events=events) == ([], [])
    assert events.lines == []
