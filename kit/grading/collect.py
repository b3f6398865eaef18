"""Collecting submissions from a folder or a zip file into the course.

Accepted layouts, inside a folder or a zip (optionally wrapped in one top folder)::

    <learner>/<notebook>.ipynb
    <learner>/<assignment>/<notebook>.ipynb

Each learner's notebooks (and ``hints-used.json``, if they recorded their hints)
land in ``grader/submitted/<learner>/<assignment>/`` with a ``timestamp.txt``
(theirs if they sent one, else the newest notebook's time), and the learner is
added to the gradebook. A learner whose files are unusable gets a per-learner
problem; every other learner is still collected.

Nothing in the input is followed or read unless it is a plain file or folder:
a learner folder that is a symbolic link (``carol -> alice``), or that holds a
symbolic link or a special file (FIFO, device, socket) anywhere, is not
collected, with a one-line reason. Folders are opened with ``O_NOFOLLOW``
relative to their parent's descriptor, files with ``O_NOFOLLOW | O_NONBLOCK``
and checked with ``fstat`` once open, so nothing can be swapped in between.
A zip's link and special-file entries are never extracted: their learner is
not collected either.
"""

from __future__ import annotations

import errno
import os
import shutil
import stat
import tempfile
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

from kit.data.hint_records import FILENAME as HINTS_FILE
from kit.errors import SubmissionError
from kit.grading.course import Course, check_learner_id, write_timestamp

MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_ARCHIVE_BYTES = 1024 * 1024 * 1024
MAX_DEPTH = 16  # folders inside a learner's folder
_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
# O_NONBLOCK: opening a FIFO swapped in after the check never waits for a writer
_FILE_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
UNIX = 3  # ZipInfo.create_system of an archive made on Unix (its external_attr holds a file mode)


@dataclass
class Collected:
    learner: str
    notebooks: list[str] = field(default_factory=list)
    problem: str | None = None


def _safe_extract(archive: Path, target: Path) -> dict[PurePosixPath, str]:
    """Extract a zip, refusing absolute paths, '..' and oversized members.

    Links and special files are not extracted (their folders are made): returns
    them, ``{path in the zip: "a symbolic link"}``.
    """
    try:
        zf = zipfile.ZipFile(archive)
    except zipfile.BadZipFile:
        raise SubmissionError(f"{archive} is not a readable zip file") from None
    with zf:
        _check_members(archive, zf)
        odd: dict[PurePosixPath, str] = {}
        for info in zf.infolist():
            if "__MACOSX" in info.filename:
                continue
            kind = _special_kind(info.external_attr >> 16) if info.create_system == UNIX else None
            if kind is not None:
                odd[PurePosixPath(info.filename)] = kind
                (target / info.filename).parent.mkdir(parents=True, exist_ok=True)
                continue
            zf.extract(info, target)
            if not info.is_dir():
                stamp = datetime(*info.date_time).timestamp()
                os.utime(target / info.filename, (stamp, stamp))
    return odd


def _check_members(archive: Path, zf: zipfile.ZipFile) -> None:
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


def _special_kind(mode: int) -> str | None:
    """What a file of ``mode`` is, when it is neither a plain file nor a folder (nor of no stated type:
    zip entries often carry permissions only)."""
    if stat.S_IFMT(mode) == 0 or stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return None
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "a special file"


def _refusal(kind: str, name: str) -> SubmissionError:
    return SubmissionError(f"the folder contains {kind} ({name}); submit plain files, not links or special files")


def _learner_root(folder: Path, assignment: str) -> Path:
    """Descend through single wrapper folders (never a link) until learner folders appear."""

    def is_learner_dir(p: Path) -> bool:
        return p.is_dir() and (any(p.glob("*.ipynb")) or any((p / assignment).glob("*.ipynb")))

    current = folder
    for _ in range(3):
        children = [p for p in current.iterdir() if not p.name.startswith((".", "__MACOSX"))]
        if any(is_learner_dir(p) for p in children):
            return current
        dirs = [p for p in children if p.is_dir() and not p.is_symlink()]
        if len(dirs) != 1:
            break
        current = dirs[0]
    raise SubmissionError(
        f"no learner folders with notebooks found in {folder}",
        hint="expected <learner>/<notebook>.ipynb or <learner>/<assignment>/<notebook>.ipynb",
    )


def _check_tree(fd: int, prefix: str = "", depth: int = 0) -> None:
    """Raise a :class:`SubmissionError` naming the first link or special file in the open folder ``fd``."""
    if depth > MAX_DEPTH:
        raise SubmissionError(f"the folder holds folders more than {MAX_DEPTH} deep ({prefix.rstrip('/')})")
    with os.scandir(fd) as scan:
        entries = sorted(scan, key=lambda e: e.name)
    for entry in entries:
        mode = entry.stat(follow_symlinks=False).st_mode
        name = prefix + entry.name
        kind = _special_kind(mode)
        if kind is not None:
            raise _refusal(kind, name)
        if stat.S_ISDIR(mode):
            sub = _open_folder(entry.name, fd, name)
            try:
                _check_tree(sub, name + "/", depth + 1)
            finally:
                os.close(sub)


def _open_folder(path: str | Path, dir_fd: int | None, shown: str, *, learner: bool = False) -> int:
    try:
        return os.open(path, _DIR_FLAGS, dir_fd=dir_fd)
    except OSError as exc:
        # a link fails to open, as ELOOP or (with O_DIRECTORY) ENOTDIR: only the message asks which
        link = exc.errno in (errno.ELOOP, errno.ENOTDIR) and stat.S_ISLNK(os.lstat(path, dir_fd=dir_fd).st_mode)
        if link and learner:
            raise SubmissionError(f"{shown} is a symbolic link, not a folder; submit folders, not links") from None
        if link:
            raise _refusal("a symbolic link", shown) from None
        raise SubmissionError(f"{shown} could not be opened ({exc.strerror})") from None


def _read_file(name: str, dir_fd: int, shown: str) -> tuple[bytes, float]:
    """A plain file's bytes and modification time, opened without following a link."""
    try:
        fd = os.open(name, _FILE_FLAGS, dir_fd=dir_fd)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise _refusal("a symbolic link", shown) from None
        raise SubmissionError(f"{shown} could not be read ({exc.strerror})") from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise SubmissionError(f"{shown} is a folder, not a file")
        kind = _special_kind(info.st_mode)
        if kind is not None:
            raise _refusal(kind, shown)
        with os.fdopen(os.dup(fd), "rb") as fh:
            data = fh.read(MAX_FILE_BYTES + 1)
        if len(data) > MAX_FILE_BYTES:
            raise SubmissionError(f"{shown} is larger than {MAX_FILE_BYTES // 2**20} MB")
        return data, info.st_mtime
    finally:
        os.close(fd)


@dataclass
class _Files:
    notebooks: dict[str, bytes] = field(default_factory=dict)
    newest: float = 0.0
    timestamp: bytes | None = None
    hints: bytes | None = None  # hints-used.json, if the learner recorded their hints (kit.course.selfcheck)


def _read_learner(folder: Path, assignment: str) -> _Files:
    """The notebooks (and ``timestamp.txt``) of one learner's folder, after checking all of it."""
    fd = _open_folder(folder, None, folder.name, learner=True)
    inner = None
    try:
        _check_tree(fd)
        try:
            inner = os.open(assignment, _DIR_FLAGS, dir_fd=fd)
        except (FileNotFoundError, NotADirectoryError):
            inner = None
        where, prefix = (inner, f"{assignment}/") if inner is not None else (fd, "")
        files = _Files()
        for name in sorted(os.listdir(where)):
            if name.endswith(".ipynb") and not name.startswith("."):
                files.notebooks[name], mtime = _read_file(name, where, prefix + name)
                files.newest = max(files.newest, mtime)
            elif name == "timestamp.txt":
                files.timestamp, _ = _read_file(name, where, prefix + name)
            elif name == HINTS_FILE:
                files.hints, _ = _read_file(name, where, prefix + name)
        return files
    finally:
        if inner is not None:
            os.close(inner)
        os.close(fd)


def _collect_one(course: Course, assignment: str, folder: Path, refused: str | None = None) -> Collected:
    learner = folder.name
    try:
        check_learner_id(learner)
        if refused is not None:
            raise SubmissionError(refused)
        files = _read_learner(folder, assignment)
    except SubmissionError as exc:
        return Collected(learner, problem=exc.message)
    if not files.notebooks:
        return Collected(learner, problem="no notebook in the folder")
    target = course.step_dir("submitted", learner, assignment)
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    for name, data in files.notebooks.items():
        (target / name).write_bytes(data)
    if files.hints is not None:
        (target / HINTS_FILE).write_bytes(files.hints)
    if files.timestamp is not None:
        (target / "timestamp.txt").write_bytes(files.timestamp)
    else:
        write_timestamp(target, datetime.fromtimestamp(files.newest, tz=UTC))
    return Collected(learner, list(files.notebooks))


def _learner_entries(root: Path) -> list[Path]:
    """Learner folders in ``root``: real folders, and links to folders (refused, never followed)."""
    found = []
    for entry in sorted(root.iterdir()):
        if entry.name.startswith((".", "__MACOSX")):
            continue
        if entry.is_dir():  # a link to a folder too: it is refused when opened
            found.append(entry)
    return found


def _refused_in_zip(odd: dict[PurePosixPath, str], learner_dir: PurePosixPath) -> str | None:
    for path, kind in sorted(odd.items()):
        if path.parts[: len(learner_dir.parts)] == learner_dir.parts:
            return _refusal(kind, path.relative_to(learner_dir).as_posix()).message
    return None


def collect(course: Course, assignment: str, source: Path) -> list[Collected]:
    """Copy every learner's submission found in ``source`` (a folder or .zip) into the course."""
    course.check_assignment(assignment)
    source = Path(source)
    if not source.exists():
        raise SubmissionError(f"{source} does not exist")
    if not (source.is_file() or source.is_dir()):
        raise SubmissionError(f"{source} is neither a folder nor a zip file")
    with tempfile.TemporaryDirectory(prefix="kit-collect-") as tmp:
        odd: dict[PurePosixPath, str] = {}
        if source.is_file():
            odd = _safe_extract(source, Path(tmp))
            folder = Path(tmp)
        else:
            folder = source
        root = _learner_root(folder, assignment)
        results = []
        for entry in _learner_entries(root):
            refused = _refused_in_zip(odd, PurePosixPath(entry.relative_to(folder).as_posix())) if odd else None
            results.append(_collect_one(course, assignment, entry, refused))
    with course.gradebook() as gb:
        for result in results:
            if result.problem is None:
                gb.update_or_create_student(result.learner)
    return results
