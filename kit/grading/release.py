"""Releasing an assignment: nbgrader's generate_assignment, then a leak check.

The release is what learners get. After nbgrader writes it, every file is
checked for solution and hidden-test text: a release that leaks is deleted and
reported, never left for a trainer to hand out.
"""

from __future__ import annotations

import shutil
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import nbformat
import yaml
from traitlets.config import Config

from kit.data.exercise_secrets import hidden_test_lines, secret_lines, strings_in
from kit.errors import AssignmentError
from kit.grading.course import Course
from kit.grading.nbgrader_result import require_success
from kit.grading.preprocessors import generate_assignment_steps

MARKERS = (
    "BEGIN SOLUTION",
    "END SOLUTION",
    "BEGIN HIDDEN TESTS",
    "END HIDDEN TESTS",
    "BEGIN MARK SCHEME",
    "END MARK SCHEME",
)


@dataclass(frozen=True)
class Release:
    assignment: str
    directory: Path
    notebooks: list[Path]
    archive: Path | None


def gather_hidden_test_lines(sources: list[Path]) -> set[str]:
    """:func:`hidden_test_lines` of every source notebook."""
    return set().union(*(hidden_test_lines(s) for s in sources))


def find_leaks(release_dir: Path, sources: list[Path]) -> list[str]:
    """Every place in ``release_dir`` that holds solution or hidden-test text.

    Notebooks are searched for hidden-test lines; every other file (a ``checks.yaml``, a data
    file) for hidden-test and solution lines too.
    """
    hidden, secrets = gather_hidden_test_lines(sources), secret_lines(sources)
    leaks = []
    for path in sorted(p for p in release_dir.rglob("*") if p.is_file()):
        text = path.read_text(encoding="utf-8", errors="replace")
        leaks += [f"{path.name}: contains '{m}'" for m in MARKERS if m in text]
        if path.suffix == ".ipynb":
            body = "\n".join(c.source for c in nbformat.read(path, as_version=4).cells)
            leaks += [f"{path.name}: contains hidden test line {line!r}" for line in hidden if line in body]
        else:
            text = _searchable(path, text)
            found = sorted(line for line in secrets if line in text)
            leaks += [f"{path.name}: contains a hidden-test or solution line {line!r}" for line in found]
    return leaks


def _searchable(path: Path, text: str) -> str:
    """A file's text, and for YAML and JSON also its strings as parsed (quoting can hide a line)."""
    if path.suffix not in (".yaml", ".yml", ".json"):
        return text
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError:
        return text
    strings = strings_in(data)
    return "\n".join([text, *strings])


def use_language_stubs(course: Course) -> None:
    """Have ``generate_assignment`` write answer stubs in each notebook's language
    (:class:`kit.grading.preprocessors.ClearSolutionsInLanguage`), unless the course's
    ``nbgrader_config.py`` sets ``GenerateAssignment.preprocessors`` itself."""
    if "preprocessors" in course.api.config.get("GenerateAssignment", {}):
        return
    course.api.update_config(Config({"GenerateAssignment": {"preprocessors": generate_assignment_steps()}}))


def set_due_date(course: Course, assignment: str, due: datetime | None) -> None:
    """Record the assignment's deadline in the gradebook (naive times are the course's local time,
    stored as nbgrader stores them: UTC). ``None`` leaves it as it is."""
    if due is None:
        return
    if due.tzinfo is not None:
        due = due.astimezone(UTC).replace(tzinfo=None)
    else:
        due = due.astimezone().astimezone(UTC).replace(tzinfo=None)
    with course.gradebook() as gb:
        gb.update_or_create_assignment(assignment, duedate=due)


def release_assignment(
    course: Course, assignment: str, *, archive: bool = True, due: datetime | None = None
) -> Release:
    """Generate the learner version of ``assignment`` into ``grader/release``.

    Parameters
    ----------
    course
        The open course.
    assignment
        An assignment id (a folder of ``exercises/``).
    archive
        Also write ``grader/exports/<assignment>-release.zip`` to hand out.
    due
        The deadline; submissions after it (and after the course's grace period)
        lose points as the course's late policy says (:mod:`kit.grading.late`).
    """
    course.check_assignment(assignment)
    use_language_stubs(course)
    require_success(
        course.api.generate_assignment(assignment, force=True, create=True), f"could not release '{assignment}'"
    )
    directory = course.step_dir("release", ".", assignment)
    leaks = find_leaks(directory, course.source_notebooks(assignment))
    if leaks:
        shutil.rmtree(directory)
        raise AssignmentError(
            f"release of '{assignment}' leaked solutions and was deleted: {leaks[0]}", assignment=assignment
        )
    set_due_date(course, assignment, due)
    notebooks = sorted(directory.glob("*.ipynb"))
    zip_path = None
    if archive:
        zip_path = course.root / "exports" / f"{assignment}-release.zip"
        zip_path.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(zip_path, "w", zipfile.ZIP_DEFLATED) as zf:
            for path in sorted(p for p in directory.rglob("*") if p.is_file()):
                info = zipfile.ZipInfo(
                    f"{assignment}/{path.relative_to(directory).as_posix()}", date_time=(2026, 1, 1, 0, 0, 0)
                )
                info.compress_type = zipfile.ZIP_DEFLATED
                zf.writestr(info, path.read_bytes())
    return Release(assignment=assignment, directory=directory, notebooks=notebooks, archive=zip_path)
