"""Where the kit finds its course and its bundled material.

In a source checkout (the usual case: ``pip install -e .``) the folders sit next
to the package: ``datasets/``, ``modules/``, ``exercises/``, ``cities/``,
``grader/``. A wheel carries copies inside the package (``kit/_bundled/<name>``).
The ``KIT_HOME`` environment variable points the kit at another checkout.

A *course folder* is any folder holding ``kit-course.yaml`` (the marker) and
``nbgrader_config.py``: ``kit course new DIR`` makes one, and the checkout's
``grader/`` is one. ``kit grade …`` run anywhere inside a course folder works on
that course, as nbgrader finds its config in the current folder.
"""

from __future__ import annotations

import os
from pathlib import Path

import yaml

_PACKAGE_DIR = Path(__file__).resolve().parent

COURSE_MARKER = "kit-course.yaml"
LEARNER_MARKER = "kit-learner.yaml"  # a learner's workspace (a bundle, unzipped): its own datasets
DATASETS_ENV = "KIT_DATASETS"  # a datasets folder, named for notebooks graded in the sandbox (kit.grading)
COURSE_ENV = "KIT_COURSE"  # a course folder, for a notebook that runs outside it (datasets_dir)
BUNDLED = ("exercises", "modules", "cities", "simulation", "datasets")
# where each bundled folder sits in a source checkout
_CHECKOUT_FOLDER = {"simulation": Path("grader") / "simulation"}
# the marker keys naming a course's folders, and their defaults (relative to the course folder)
COURSE_FOLDERS = {"exercises": "exercises", "modules": "modules", "datasets": "datasets"}


def checkout_root() -> Path:
    """The folder the ``kit`` package is imported from: in a source checkout, the one holding
    ``grader/`` and ``exercises/`` (what :func:`project_root` is unless ``KIT_HOME`` is set)."""
    return _PACKAGE_DIR.parent


def project_root() -> Path:
    """The folder holding ``datasets/``, ``exercises/`` and ``grader/``."""
    env = os.environ.get("KIT_HOME")
    if env:
        return Path(env).expanduser().resolve()
    return checkout_root()


def _find_upwards(start: Path | None, markers: tuple[str, ...]) -> Path | None:
    """The nearest folder at or above ``start`` (default: the current folder) holding one of ``markers``."""
    try:
        here = Path(start or Path.cwd()).resolve()
    except FileNotFoundError:  # the current folder was deleted
        return None
    for folder in (here, *here.parents):
        if any((folder / marker).is_file() for marker in markers):
            return folder
    return None


def find_course(start: Path | None = None) -> Path | None:
    """The nearest folder at or above ``start`` (default: the current folder) holding ``kit-course.yaml``.

    Returns ``None`` outside every course folder.
    """
    return _find_upwards(start, (COURSE_MARKER,))


def _course_from_env() -> Path | None:
    """The course folder ``KIT_COURSE`` names (set for notebooks that run outside it, e.g. while
    grading in the sandbox), if it is one."""
    env = os.environ.get(COURSE_ENV)
    if env and (Path(env) / COURSE_MARKER).is_file():
        return Path(env).expanduser().resolve()
    return None


def course_settings(course: Path) -> dict:
    """The course folder's ``kit-course.yaml`` as a mapping (empty if it holds nothing)."""
    data = yaml.safe_load((Path(course) / COURSE_MARKER).read_text(encoding="utf-8"))
    return data if isinstance(data, dict) else {}


def course_folder(course: Path, key: str) -> Path:
    """A course folder's ``exercises``, ``modules`` or ``datasets`` folder, as its marker names it."""
    value = course_settings(course).get(key) or COURSE_FOLDERS[key]
    return Path(os.path.normpath(Path(course) / value))


def course_dir() -> Path:
    """The nbgrader course the kit works on: the course folder enclosing the current folder,
    else ``$KIT_HOME/grader`` when ``KIT_HOME`` is set, else the checkout's ``grader/``."""
    found = find_course()
    if found is not None:
        return found
    return project_root() / "grader"


def grader_dir() -> Path:
    """The nbgrader course folder (an alias of :func:`course_dir`)."""
    return course_dir()


def bundled_dir(name: str) -> Path:
    """The kit's own ``exercises``, ``modules``, ``cities``, ``simulation`` or ``datasets``:
    the source checkout's folder when present, else the wheel's copy ``kit/_bundled/<name>``."""
    if name not in BUNDLED:
        raise ValueError(f"no bundled folder '{name}' (one of {', '.join(BUNDLED)})")
    checkout = checkout_root() / _CHECKOUT_FOLDER.get(name, Path(name))
    if checkout.is_dir():
        return checkout
    return _PACKAGE_DIR / "_bundled" / name


def _datasets_of(owner: Path) -> Path:
    """A course folder's datasets folder, or a learner workspace's (its marker may name it)."""
    if (owner / COURSE_MARKER).is_file():
        return course_folder(owner, "datasets")
    data = yaml.safe_load((owner / LEARNER_MARKER).read_text(encoding="utf-8"))
    name = data.get("datasets") if isinstance(data, dict) else None
    return owner / (name or "datasets")


def datasets_dir() -> Path:
    """The datasets ``kit.load_dataset`` reads: ``KIT_DATASETS`` (set by the grader for the course it
    grades), else ``KIT_HOME``'s, else those of the nearest course folder or learner workspace
    (``kit-learner.yaml``: an unzipped bundle) around the current folder, else ``KIT_COURSE``'s, else the
    source checkout's, else the wheel's copy."""
    candidates = [Path(os.environ[DATASETS_ENV])] if os.environ.get(DATASETS_ENV) else []
    if os.environ.get("KIT_HOME"):
        candidates.append(project_root() / "datasets")
    owner = _find_upwards(None, (COURSE_MARKER, LEARNER_MARKER)) or _course_from_env()
    if owner is not None:
        candidates.append(_datasets_of(owner))
    candidates.append(checkout_root() / "datasets")
    for folder in candidates:
        if (folder / "catalog.yaml").is_file():
            return folder
    return _PACKAGE_DIR / "_bundled" / "datasets"


def modules_dir() -> Path:
    """The teaching notebooks."""
    return project_root() / "modules"


def plans_dir() -> Path:
    """City plan specs (the sample city's is ``riverton.yaml``)."""
    return project_root() / "plans"


def output_dir() -> Path:
    """Where the main job writes what it builds (git-ignored)."""
    return project_root() / "out"
