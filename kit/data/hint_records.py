"""``hints-used.json``: the hints a learner asked for in one assignment, recorded only if they turned it on.

The learner's ``hint()`` (:mod:`kit.course.selfcheck`) writes it in the assignment's folder, so it
travels with the submission; the trainer's feedback report (:mod:`kit.feedback.hints`) counts it.
It holds no name, no time and no answer: the assignment and, per question (grade id), how many of its
hints were shown::

    {"format": "kit-hints/1", "assignment": "03-issue-campaigns", "hints": {"count-heat": 2}}
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["FILENAME", "FORMAT", "HintRecord", "read_hint_record", "write_hint_record"]

FILENAME = "hints-used.json"
FORMAT = "kit-hints/1"
MAX_BYTES = 64 * 1024  # a learner's file is read by the trainer's kit: never a large one


@dataclass
class HintRecord:
    """How many hints a learner saw, per question of one assignment."""

    assignment: str
    hints: dict[str, int] = field(default_factory=dict)

    def used(self, grade_id: str, count: int) -> None:
        """Note that ``count`` hints of ``grade_id`` have been shown (the count never goes down)."""
        self.hints[grade_id] = max(self.hints.get(grade_id, 0), int(count))


def read_hint_record(path: Path) -> HintRecord | None:
    """The record in ``path``; ``None`` when it is missing, too large or not a hint record.

    A learner's file is untrusted: anything unexpected is skipped, never an error.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> write_hint_record(folder / FILENAME, HintRecord("03-issue-campaigns", {"count-heat": 2}))
    >>> read_hint_record(folder / FILENAME)
    HintRecord(assignment='03-issue-campaigns', hints={'count-heat': 2})
    >>> read_hint_record(folder / "missing.json") is None
    True
    """
    path = Path(path)
    if not path.is_file() or path.is_symlink() or path.stat().st_size > MAX_BYTES:
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None
    if not isinstance(data, dict) or data.get("format") != FORMAT or not isinstance(data.get("hints"), dict):
        return None
    hints = {
        str(k): int(v)
        for k, v in data["hints"].items()
        if isinstance(v, int) and not isinstance(v, bool) and 0 < v < 100 and len(str(k)) <= 100
    }
    return HintRecord(str(data.get("assignment", "")), hints)


def write_hint_record(path: Path, record: HintRecord) -> None:
    """Write ``record`` to ``path`` (sorted keys: the same hints give the same file)."""
    data = {"format": FORMAT, "assignment": record.assignment, "hints": dict(sorted(record.hints.items()))}
    Path(path).write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
