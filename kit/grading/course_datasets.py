"""The datasets a course's notebooks read while they are graded.

A course folder made for a city (``kit course new DIR --city …``) holds the city's datasets inside
it, and the sandbox hides the whole course folder from graded notebooks (gradebook, sources,
every learner's work). Without help a graded notebook would load the kit's sample datasets, and
every hidden test would compute its answer from the wrong city. :func:`course_datasets` names the
course's datasets to the notebooks (``KIT_DATASETS``, :func:`kit.paths.datasets_dir`): the folder
itself when notebooks may see it, else a read-only copy made for the run, outside the course, and
removed after it.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from kit.grading.sandbox.view import is_inside
from kit.paths import COURSE_MARKER, DATASETS_ENV, course_folder

__all__ = ["course_datasets"]


def _datasets_folder(course_root: Path) -> Path | None:
    """The course's datasets folder, if the course names one that holds a catalog."""
    if not (course_root / COURSE_MARKER).is_file():
        return None
    folder = course_folder(course_root, "datasets")
    return folder if (folder / "catalog.yaml").is_file() else None


def _inside_any(path: Path, folders: Sequence[Path]) -> bool:
    real = os.path.realpath(path)
    return any(is_inside(real, os.path.realpath(folder)) for folder in folders)


def _readable_copy(source: Path, into: Path) -> Path:
    """``source`` copied into ``into`` (a fresh temporary folder), readable by every user, written by none."""
    copy = into / "datasets"
    shutil.copytree(source, copy, ignore=shutil.ignore_patterns(".*", "__pycache__"))
    for folder, _, files in os.walk(copy):
        os.chmod(folder, 0o555)
        for name in files:
            os.chmod(os.path.join(folder, name), 0o444)
    os.chmod(into, 0o755)
    return copy


@contextmanager
def course_datasets(course_root: Path, hidden: Sequence[Path]) -> Iterator[dict[str, str]]:
    """The environment that points graded notebooks at the course's datasets (empty when the course
    names none); a copy lives as long as the ``with`` block when the datasets lie in a ``hidden`` path."""
    folder = _datasets_folder(Path(course_root))
    if folder is None:
        yield {}
    elif not _inside_any(folder, hidden):
        yield {DATASETS_ENV: str(folder.resolve())}
    else:
        scratch = Path(tempfile.mkdtemp(prefix="kit-datasets-"))
        try:
            yield {DATASETS_ENV: str(_readable_copy(folder, scratch))}
        finally:
            for sub, _, _ in os.walk(scratch):
                os.chmod(sub, 0o755)
            shutil.rmtree(scratch, ignore_errors=True)
