"""The nbgrader course, opened in-process.

:func:`open_course` reads the course's ``nbgrader_config.py`` exactly as nbgrader's
own apps do, and hands back nbgrader's :class:`~nbgrader.apps.api.NbGraderAPI` and
:class:`~nbgrader.coursedir.CourseDirectory` for the other grading steps. The course
is the course folder (``kit-course.yaml``) around the current folder, as nbgrader
finds its config in the current folder, else the project's ``grader/``
(:func:`kit.paths.course_dir`).
"""

from __future__ import annotations

import logging
import os
import re
import sys
import warnings
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from nbgrader.api import Gradebook, MissingEntry
from nbgrader.apps.api import NbGraderAPI
from nbgrader.coursedir import CourseDirectory
from sqlalchemy.exc import SAWarning
from traitlets.config import Config
from traitlets.config.loader import PyFileConfigLoader

from kit.errors import AssignmentError, CourseError
from kit.paths import course_dir

CONFIG_FILE = "nbgrader_config.py"
TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S.%f UTC"  # a submission's timestamp.txt
LEARNER_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


# nbgrader 0.9's gradebook adds objects to relationships before the session
# holds them; SQLAlchemy 2 warns on every autograde. Harmless, and not ours.
warnings.filterwarnings("ignore", category=SAWarning, module=r"nbgrader\.")


def _ensure_own_tools_on_path() -> None:
    # nbgrader runs its `alembic` console script by name when it creates a new
    # gradebook; it lives next to this interpreter, which may not be on PATH
    # when the kit runs as `.venv/bin/kit` without an activated environment.
    bindir = os.path.dirname(sys.executable)
    if bindir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = bindir + os.pathsep + os.environ.get("PATH", "")


def check_learner_id(learner: str) -> str:
    """Learner ids become folder names: letters, digits, ``_ . -`` only."""
    if not LEARNER_ID.match(learner):
        from kit.errors import SubmissionError

        raise SubmissionError(
            f"'{learner}' is not a usable learner id",
            learner=learner,
            hint="use letters, digits, '_', '.' or '-' (at most 64), starting with a letter or digit",
        )
    return learner


@dataclass
class Course:
    """An nbgrader course: its config, directories and API."""

    root: Path
    config: Config
    coursedir: CourseDirectory
    api: NbGraderAPI

    @property
    def course_id(self) -> str:
        return self.coursedir.course_id

    @property
    def source_root(self) -> Path:
        return Path(os.path.normpath(self.root / self.coursedir.source_directory))

    def step_dir(self, step: str, learner: str, assignment: str) -> Path:
        """``grader/<step>/<learner>/<assignment>`` (``learner='.'`` for source/release)."""
        directory = getattr(self.coursedir, f"{step}_directory")
        return Path(os.path.normpath(self.root / directory / learner / assignment))

    def assignments(self) -> list[str]:
        """Assignment ids: the folders of the source directory that hold notebooks."""
        if not self.source_root.is_dir():
            return []
        return sorted(p.name for p in self.source_root.iterdir() if p.is_dir() and any(p.glob("*.ipynb")))

    def check_assignment(self, assignment: str) -> str:
        known = self.assignments()
        if assignment not in known:
            raise AssignmentError(
                f"unknown assignment '{assignment}'",
                assignment=assignment,
                hint=f"assignments in {self.source_root}: {', '.join(known) or 'none'}",
            )
        return assignment

    def source_notebooks(self, assignment: str) -> list[Path]:
        return sorted(self.step_dir("source", ".", assignment).glob("*.ipynb"))

    def submitted_learners(self, assignment: str) -> list[str]:
        return self.learners_in("submitted", assignment)

    def learners_in(self, step: str, assignment: str) -> list[str]:
        """Learners with a folder ``grader/<step>/<learner>/<assignment>`` (``submitted``, ``autograded``…)."""
        base = Path(self.root / getattr(self.coursedir, f"{step}_directory"))
        if not base.is_dir():
            return []
        return sorted(p.name for p in base.iterdir() if (p / assignment).is_dir())

    def check_released(self, assignment: str) -> None:
        """Raise :class:`AssignmentError` unless the gradebook knows ``assignment`` (it was released)."""
        with self.gradebook() as gb:
            try:
                gb.find_assignment(assignment)
            except MissingEntry:
                raise not_released_error(assignment) from None

    @contextmanager
    def gradebook(self):
        """nbgrader's gradebook for this course, closed on exit."""
        with Gradebook(self.coursedir.db_url, course_id=self.course_id) as gb:
            yield gb


def not_released_error(assignment: str) -> AssignmentError:
    """The error for an assignment used before ``kit grade release``."""
    return AssignmentError(
        f"'{assignment}' has not been released",
        assignment=assignment,
        hint=f"run `kit grade release {assignment}` first",
    )


def write_timestamp(folder: Path, when: datetime) -> None:
    """``timestamp.txt`` as nbgrader reads a submission's time (``when`` in UTC)."""
    (folder / "timestamp.txt").write_text(when.strftime(TIMESTAMP_FORMAT))


def open_course(root: Path | None = None) -> Course:
    """Open the nbgrader course in ``root`` (default: :func:`kit.paths.course_dir`: the course folder
    around the current folder, else ``$KIT_HOME/grader``, else the checkout's ``grader/``).

    Raises
    ------
    CourseError
        If the folder has no ``nbgrader_config.py``.
    """
    root = Path(root or course_dir()).resolve()
    if not (root / CONFIG_FILE).is_file():
        raise CourseError(
            f"no nbgrader course at {root} (missing {CONFIG_FILE})",
            hint="run kit inside a course folder (make one with `kit course new DIR`), from a checkout of the kit, "
            "or set KIT_HOME",
        )
    _ensure_own_tools_on_path()
    config = PyFileConfigLoader(CONFIG_FILE, path=str(root)).load_config()
    config.CourseDirectory.root = str(root)
    coursedir = CourseDirectory(config=config)
    api = NbGraderAPI(coursedir=coursedir, config=config)
    # nbgrader logs every step at INFO; the kit reports results itself
    api.log.setLevel(logging.WARNING)
    return Course(root=root, config=config, coursedir=coursedir, api=api)
