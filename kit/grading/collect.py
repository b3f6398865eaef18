"""Collecting submissions from a folder or a zip file into the course.

Accepted layouts, inside a folder or a zip (optionally wrapped in one top folder)::

    <learner>/<notebook>.ipynb
    <learner>/<assignment>/<notebook>.ipynb

Each learner's notebooks land in ``grader/submitted/<learner>/<assignment>/``
with a ``timestamp.txt`` (theirs if they sent one, else the newest notebook's
time), and the learner is added to the gradebook. A learner whose files are
unusable gets a per-learner problem; every other learner is still collected.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

from kit.errors import SubmissionError
from kit.grading.course import Course, check_learner_id, write_timestamp

MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_ARCHIVE_BYTES = 1024 * 1024 * 1024


@dataclass
class Collected:
    learner: str
    notebooks: list[str] = field(default_factory=list)
    problem: str | None = None


def _safe_extract(archive: Path, target: Path) -> None:
    """Extract a zip, refusing absolute paths, '..' and oversized members."""
    try:
        zf = zipfile.ZipFile(archive)
    except zipfile.BadZipFile:
        raise SubmissionError(f"{archive} is not a readable zip file") from None
    with zf:
        total = 0
        for info in zf.infolist():
            name = PurePosixPath(info.filename)
            if name.is_absolute() or ".." in name.parts:
                raise SubmissionError(f"{archive}: refusing unsafe path {info.filename!r} in the zip")
            if info.file_size > MAX_FILE_BYTES:
                raise SubmissionError(f"{archive}: {info.filename} is larger than {MAX_FILE_BYTES // 2**20} MB")
            total += info.file_size
        if total > MAX_ARCHIVE_BYTES:
            raise SubmissionError(f"{archive}: more than {MAX_ARCHIVE_BYTES // 2**30} GB when unpacked")
        for info in zf.infolist():
            if "__MACOSX" in info.filename:
                continue
            zf.extract(info, target)
            if not info.is_dir():
                stamp = datetime(*info.date_time).timestamp()
                os.utime(target / info.filename, (stamp, stamp))


def _learner_root(folder: Path, assignment: str) -> Path:
    """Descend through single wrapper folders until learner folders appear."""

    def is_learner_dir(p: Path) -> bool:
        return p.is_dir() and (any(p.glob("*.ipynb")) or any((p / assignment).glob("*.ipynb")))

    current = folder
    for _ in range(3):
        children = [p for p in current.iterdir() if not p.name.startswith((".", "__MACOSX"))]
        if any(is_learner_dir(p) for p in children):
            return current
        dirs = [p for p in children if p.is_dir()]
        if len(dirs) != 1:
            break
        current = dirs[0]
    raise SubmissionError(
        f"no learner folders with notebooks found in {folder}",
        hint="expected <learner>/<notebook>.ipynb or <learner>/<assignment>/<notebook>.ipynb",
    )


def _collect_one(course: Course, assignment: str, folder: Path) -> Collected:
    learner = folder.name
    try:
        check_learner_id(learner)
    except SubmissionError as exc:
        return Collected(learner, problem=exc.message)
    inner = folder / assignment if (folder / assignment).is_dir() else folder
    notebooks = sorted(p for p in inner.glob("*.ipynb") if not p.name.startswith("."))
    if not notebooks:
        return Collected(learner, problem="no notebook in the folder")
    target = course.step_dir("submitted", learner, assignment)
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    for nb in notebooks:
        shutil.copyfile(nb, target / nb.name)
    sent = inner / "timestamp.txt"
    if sent.is_file():
        shutil.copyfile(sent, target / "timestamp.txt")
    else:
        newest = max(nb.stat().st_mtime for nb in notebooks)
        write_timestamp(target, datetime.fromtimestamp(newest, tz=UTC))
    return Collected(learner, [nb.name for nb in notebooks])


def collect(course: Course, assignment: str, source: Path) -> list[Collected]:
    """Copy every learner's submission found in ``source`` (a folder or .zip) into the course."""
    course.check_assignment(assignment)
    source = Path(source)
    if not source.exists():
        raise SubmissionError(f"{source} does not exist")
    with tempfile.TemporaryDirectory(prefix="kit-collect-") as tmp:
        if source.is_file():
            _safe_extract(source, Path(tmp))
            folder = Path(tmp)
        else:
            folder = source
        root = _learner_root(folder, assignment)
        results = [
            _collect_one(course, assignment, d)
            for d in sorted(root.iterdir())
            if d.is_dir() and not d.name.startswith((".", "__MACOSX"))
        ]
    with course.gradebook() as gb:
        for result in results:
            if result.problem is None:
                gb.update_or_create_student(result.learner)
    return results
