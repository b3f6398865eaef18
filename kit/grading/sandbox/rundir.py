"""One execution's folders on the grader's side: the staged copy of the submission and its job."""

from __future__ import annotations

import fnmatch
import os
import shutil
import stat
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class RunDir:
    """``run-*/`` in the sandbox's folder: ``work/`` (the staged submission),
    ``tmp/`` and ``job.json`` (what the isolating child reads)."""

    root: Path

    @property
    def work(self) -> Path:
        return self.root / "work"

    @property
    def tmp(self) -> Path:
        return self.root / "tmp"

    @property
    def job(self) -> Path:
        return self.root / "job.json"


def copy_given(source: Path, target: Path, leave_out: Sequence[str] = ()) -> None:
    """Copy a submission folder: folders, regular files and symlinks (as links, never followed).

    ``leave_out``: name patterns (``fnmatch``) of entries not copied, at any depth.
    """
    target.mkdir()
    for entry in os.scandir(source):
        if any(fnmatch.fnmatch(entry.name, pattern) for pattern in leave_out):
            continue
        path, to = entry.path, target / entry.name
        if entry.is_symlink():
            os.symlink(os.readlink(path), to)
        elif entry.is_dir(follow_symlinks=False):
            copy_given(Path(path), to, leave_out)
        elif entry.is_file(follow_symlinks=False):
            # O_NOFOLLOW: a file swapped for a link meanwhile is not read as the grader
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
            with os.fdopen(fd, "rb") as src, open(to, "wb") as dst:
                shutil.copyfileobj(src, dst)
            os.chmod(to, stat.S_IMODE(entry.stat(follow_symlinks=False).st_mode) | stat.S_IRUSR | stat.S_IWUSR)
        # sockets, fifos, devices: not copied


def remove(path: Path) -> None:
    def retry(function, name, _):
        try:
            os.chmod(os.path.dirname(name), 0o700)
            if os.path.isdir(name) and not os.path.islink(name):
                os.chmod(name, 0o700)
            function(name)
        except OSError:
            pass

    shutil.rmtree(path, onerror=retry)
