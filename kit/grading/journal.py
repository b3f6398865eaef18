"""The autograding journal: which learners are graded, so an interrupted run resumes.

One JSON file per assignment, ``grader/.kit/autograde/<assignment>.json``,
rewritten atomically (a temporary file, then a rename) after every change, so a
run killed at any moment — Ctrl-C, ``kill -9``, a power cut — leaves either the
previous journal or the new one, never half of one.

Each learner's entry holds the *fingerprint* of what was graded: a hash of every
file of the submission (``timestamp.txt`` included), of the assignment's source
notebooks and of the grading settings that change scores. A learner is done
when the entry says so and the fingerprint still matches; a learner whose entry
says ``started`` was interrupted, and is graded again from scratch.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

__all__ = ["Journal", "JournalEntry", "fingerprint"]

VERSION = 1


@dataclass(frozen=True)
class JournalEntry:
    """What the journal knows about one learner."""

    fingerprint: str
    state: str  # "started" | "done"
    graded: bool = False
    score: float | None = None
    max_score: float | None = None
    problem: str | None = None
    status: str | None = None
    message: str | None = None


# a plain file is opened without following a link, and without waiting on a FIFO
# swapped in since it was listed (as kit.grading.collect reads submissions)
_FILE_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC


def _hash_tree(digest, folder: Path) -> None:
    """Every plain file's name and bytes; a link or special file by its name and kind only.

    Nothing is followed or read beyond the submission: a link is hashed as the
    path it holds (``check_submission`` refuses it when the learner is graded).
    """
    if not folder.is_dir():
        digest.update(b"<missing>")
        return
    for path in sorted(folder.rglob("*")):
        name = path.relative_to(folder).as_posix().encode()
        mode = path.lstat().st_mode
        if stat.S_ISDIR(mode):
            continue
        if not stat.S_ISREG(mode):
            target = os.readlink(path).encode() if stat.S_ISLNK(mode) else b""
            digest.update(b"\3" + name + b"\0" + stat.filemode(mode).encode() + b"\0" + target + b"\0")
            continue
        digest.update(name + b"\0")
        fd = os.open(path, _FILE_FLAGS)
        with os.fdopen(fd, "rb") as fh:
            if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
                raise OSError(f"{path.name} changed while it was read")
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
        digest.update(b"\0")


def fingerprint(submission: Path, sources: list[Path], settings: str = "") -> str:
    """A hash of a submission folder, the assignment's source notebooks and ``settings``."""
    digest = hashlib.sha256()
    _hash_tree(digest, submission)
    for source in sources:
        digest.update(b"\1" + source.name.encode() + b"\0" + source.read_bytes())
    digest.update(b"\2" + settings.encode())
    return digest.hexdigest()


class Journal:
    """The journal of one assignment's autograding, on disk.

    Not thread-safe by itself: callers serialise :meth:`start` and
    :meth:`finish` (the autograder does, under its bookkeeping lock).

    Parameters
    ----------
    path
        The JSON file (created on the first write).
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._entries: dict[str, JournalEntry] = {}
        if self.path.is_file():
            try:
                data = json.loads(self.path.read_text(encoding="utf-8"))
                self._entries = {k: JournalEntry(**v) for k, v in data.get("learners", {}).items()}
            except (ValueError, TypeError):
                self._entries = {}  # an unreadable journal only costs a full regrade

    @classmethod
    def for_assignment(cls, course_root: Path, assignment: str) -> Journal:
        return cls(Path(course_root) / ".kit" / "autograde" / f"{assignment}.json")

    def get(self, learner: str) -> JournalEntry | None:
        return self._entries.get(learner)

    def is_done(self, learner: str, fingerprint: str) -> bool:
        """Whether ``learner`` was graded (or found ungradable) with this exact submission."""
        entry = self._entries.get(learner)
        return entry is not None and entry.state == "done" and entry.fingerprint == fingerprint

    def start(self, learner: str, fingerprint: str) -> None:
        """Record that grading ``learner`` began (a crash from here on means: grade again)."""
        self._entries[learner] = JournalEntry(fingerprint, "started")
        self._write()

    def finish(self, learner: str, fingerprint: str, **result) -> None:
        """Record ``learner``'s outcome (the fields of :class:`JournalEntry`)."""
        self._entries[learner] = JournalEntry(fingerprint, "done", **result)
        self._write()

    def forget(self, learner: str) -> None:
        if self._entries.pop(learner, None) is not None:
            self._write()

    def _write(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        data = {"version": VERSION, "learners": {k: asdict(v) for k, v in sorted(self._entries.items())}}
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.path.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(data, fh, indent=1)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
