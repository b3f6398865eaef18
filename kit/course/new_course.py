"""`kit course new DIR`: a self-contained course folder, anywhere.

:func:`new_course` writes everything a trainer needs to run the course with
``kit grade …`` from inside ``DIR``, with no checkout of the kit::

    DIR/kit-course.yaml        the marker: course id, city, languages, where the folders are
    DIR/nbgrader_config.py     the kit's course config (sandbox, late penalty, feedback, sanitizing)
    DIR/exercises/             nbgrader sources, in the course's languages (a city's adapted ones with a city)
    DIR/modules/               the teaching notebooks (English; each other language in modules/<lang>/)
    DIR/datasets/              the kit's datasets (with a city: the city's, the others kept)
    DIR/simulation/            the simulated cohort's answers (`kit grade simulate`)
    DIR/plan/                  a copy of the plan spec, when one is given

nbgrader writes ``release/``, ``submitted/``, ``autograded/``, ``feedback/`` and
``gradebook.db`` next to them. Nothing is written outside ``DIR``, and a folder
holding anything but a course this function made is refused.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import yaml

from kit import __version__
from kit.data.syllabus import load_syllabus
from kit.errors import CourseError
from kit.languages import REFERENCE, available_languages, card_translation
from kit.paths import COURSE_MARKER, bundled_dir, checkout_root

__all__ = ["MADE_BY", "new_course"]

MADE_BY = "kit course new"
CONFIG_FILE = "nbgrader_config.py"
# what new_course writes (and rewrites in a course it made); nbgrader's own folders are never touched
MATERIAL = ("exercises", "modules", "datasets", "simulation", "plan", "adapt", CONFIG_FILE, COURSE_MARKER)
_IGNORED = shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__", "*.pyc")
_COURSE_ID = re.compile(r"[^a-z0-9]+")


def _config_source() -> Path:
    """The kit's course config: the checkout's ``grader/nbgrader_config.py``, else the wheel's copy."""
    checkout = checkout_root() / "grader" / CONFIG_FILE
    if checkout.is_file():
        return checkout
    return Path(__file__).resolve().parent.parent / "_bundled" / CONFIG_FILE


def _check_folder(folder: Path) -> None:
    """Refuse a file, or a folder with anything in it that is not a course :func:`new_course` made."""
    if folder.exists() and not folder.is_dir():
        raise CourseError(f"{folder} is a file, not a folder", hint="give `kit course new` a folder")
    if not folder.is_dir() or not any(folder.iterdir()):
        return
    marker = folder / COURSE_MARKER
    made_by = ""
    if marker.is_file():
        data = yaml.safe_load(marker.read_text(encoding="utf-8"))
        made_by = str(data.get("made_by", "")) if isinstance(data, dict) else ""
    if made_by != MADE_BY:
        raise CourseError(
            f"{folder} is not empty and is not a course made by `{MADE_BY}`",
            hint="give `kit course new` a new or empty folder; it never overwrites other files",
        )


def _languages(languages, plan: dict, city: dict) -> list[str]:
    """The course's languages: those asked for, else the plan's, else the city's, else every language
    all the available modules are written in (English and Spanish today)."""
    modules = load_syllabus(bundled_dir("modules") / "syllabus.yaml").available()
    complete = [lang for lang in available_languages() if all(lang in m.languages for m in modules)]
    chosen = list(languages or plan.get("languages") or city.get("languages") or complete)
    unknown = [lang for lang in chosen if lang not in available_languages()]
    if unknown or not chosen:
        raise CourseError(
            f"the kit's course is not written in {', '.join(unknown) or 'no language'}",
            hint=f"choose among {', '.join(available_languages())}",
        )
    return list(dict.fromkeys(chosen))


def _read_yaml(path: Path | None, what: str) -> dict:
    if path is None:
        return {}
    if not path.is_file():
        raise CourseError(f"no {what} at {path}", hint=f"give the path of a {what} (YAML)")
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise CourseError(f"{path} is not a {what}: it holds no YAML mapping", hint=f"give the path of a {what}")
    return data


def _exercise_language(folder: Path) -> str:
    """An exercise folder's language: its ``-<lang>`` suffix when the kit has that language, else English."""
    prefix, _, suffix = folder.name.rpartition("-")
    return suffix if prefix and suffix in available_languages() else REFERENCE


def _copy_exercises(target: Path, languages: list[str]) -> list[str]:
    """The bundled exercises in ``languages`` (never the city templates); their assignment ids."""
    source = bundled_dir("exercises")
    copied = []
    for folder in sorted(p for p in source.iterdir() if p.is_dir() and p.name != "templates"):
        if _exercise_language(folder) in languages and any(folder.glob("*.ipynb")):
            shutil.copytree(folder, target / folder.name, ignore=_IGNORED)
            copied.append(folder.name)
    return copied


def _copy_modules(target: Path, languages: list[str]) -> None:
    """The teaching notebooks in ``languages`` and the syllabus (never the city templates)."""
    source = bundled_dir("modules")
    target.mkdir(parents=True)
    for lang in languages:
        folder, into = (source, target) if lang == REFERENCE else (source / lang, target / lang)
        into.mkdir(exist_ok=True)
        for notebook in sorted(folder.glob("*.ipynb")):
            shutil.copyfile(notebook, into / notebook.name)
    for extra in source.glob("*.yaml"):
        shutil.copyfile(extra, target / extra.name)


def _merge_catalogs(city: Path, kit_datasets: Path, target: Path) -> None:
    """The kit's catalog with the city's cards in place of the kit's of the same name (and the city's name),
    and so each translation of the cards."""
    ours = yaml.safe_load((kit_datasets / "catalog.yaml").read_text(encoding="utf-8"))
    theirs = yaml.safe_load((city / "catalog.yaml").read_text(encoding="utf-8"))
    cards = {card["name"]: card for card in ours["datasets"]} | {card["name"]: card for card in theirs["datasets"]}
    merged = {"city": theirs.get("city", ours.get("city")), "datasets": list(cards.values())}
    (target / "catalog.yaml").write_text(yaml.safe_dump(merged, allow_unicode=True, sort_keys=False), "utf-8")
    for lang in available_languages():
        if lang != REFERENCE:
            _merge_translation(card_translation(lang, city), card_translation(lang, kit_datasets), target)


def _merge_translation(city: Path, kit: Path, target: Path) -> None:
    """The kit's card translation with the city's cards in it (when the city has that language's words)."""
    words = yaml.safe_load(kit.read_text(encoding="utf-8"))
    if city.is_file():
        theirs = yaml.safe_load(city.read_text(encoding="utf-8"))
        words["datasets"] = words.get("datasets", {}) | theirs.get("datasets", {})
    (target / kit.name).write_text(yaml.safe_dump(words, allow_unicode=True, sort_keys=False), "utf-8")


def _adapt_for_city(folder: Path, profile: Path, languages: list[str], execute: bool) -> dict:
    """Adapt the course to the city (:func:`kit.course.adapt.adapt_course`, into ``folder/adapt``) and put
    its datasets, modules and exercises in the course in place of the kit's. Returns the city's marker keys."""
    from kit.course.adapt import adapt_course

    adapted = folder / "adapt"
    result = adapt_course(profile, adapted, languages=languages, execute=execute)
    for file in (adapted / "datasets").iterdir():
        if not file.name.startswith("catalog"):
            shutil.copyfile(file, folder / "datasets" / file.name)
    _merge_catalogs(adapted / "datasets", bundled_dir("datasets"), folder / "datasets")
    for path in (adapted / "modules").rglob("*.ipynb"):
        shutil.copyfile(path, folder / "modules" / path.relative_to(adapted / "modules"))
    adapted_exercises = []
    for source in result.exercises.values():
        into = folder / "exercises" / source.parent.name
        if into.is_dir():  # an adapted exercise in one of the course's languages: notebook and checks.yaml
            for file in source.parent.iterdir():
                shutil.copyfile(file, into / file.name)
            adapted_exercises.append(into.name)
    city = _read_yaml(profile, "city profile")
    return {"city": _slug(str(city.get("slug") or profile.stem)), "adapted": sorted(adapted_exercises)}


def _slug(text: str) -> str:
    return _COURSE_ID.sub("-", text.lower()).strip("-") or "course"


def _clear_material(folder: Path) -> None:
    """In a course :func:`new_course` made before: remove what it wrote (never nbgrader's folders)."""
    for name in MATERIAL:
        path = folder / name
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()


def _write_marker(folder: Path, settings: dict) -> None:
    marker = {
        "course_id": settings["course_id"],
        "city": settings["city"],
        "languages": settings["languages"],
        "exercises": "exercises",
        "modules": "modules",
        "datasets": "datasets",
        "made_by": MADE_BY,
        "kit_version": __version__,
    }
    if settings.get("adapted"):
        marker["adapted_exercises"] = settings["adapted"]
    header = (
        "# A kit course folder: `kit grade …` run here (or below) works on this course.\n"
        f"# Made by `{MADE_BY}`; folders are relative to this file.\n"
    )
    text = header + yaml.safe_dump(marker, allow_unicode=True, sort_keys=False)
    (folder / COURSE_MARKER).write_text(text, encoding="utf-8")


def new_course(
    dir: Path | str,
    *,
    city_profile: Path | str | None = None,
    plan_spec: Path | str | None = None,
    languages: list[str] | None = None,
    execute: bool = True,
) -> Path:
    """Make a self-contained course folder in ``dir`` (see the module's docstring for what it holds).

    Parameters
    ----------
    dir
        The course folder: new, empty, or a course this function made (its material is
        rewritten; nbgrader's ``release/``, ``submitted/``… and ``gradebook.db`` are kept).
    city_profile
        A city profile (e.g. ``cities/riverton.yaml``): the course uses the city's datasets and
        the modules and exercises :func:`kit.course.adapt.adapt_course` adapts, the kit's others.
    plan_spec
        A city training plan (e.g. ``plans/riverton.yaml``), copied to ``plan/``; its
        ``languages`` choose the course's languages unless ``languages`` is given.
    languages
        ``en``, ``es`` or both (default: the plan's, else the city's, else both).
    execute
        With a city: run each adapted notebook top to bottom, as ``kit course adapt`` does.

    Returns
    -------
    Path
        The course folder (absolute).

    Raises
    ------
    CourseError
        If ``dir`` is a file or holds anything but a course made by ``kit course new``, a
        language is not one the course is written in, a spec is missing, or the city's adaptation fails.
    """
    folder = Path(dir).expanduser().resolve()
    plan_path = Path(plan_spec) if plan_spec else None
    city_path = Path(city_profile) if city_profile else None
    _check_folder(folder)
    plan, city = _read_yaml(plan_path, "plan spec"), _read_yaml(city_path, "city profile")
    chosen = _languages(languages, plan, city)
    folder.mkdir(parents=True, exist_ok=True)
    _clear_material(folder)
    settings = {"course_id": _slug(folder.name), "city": "riverton", "languages": chosen}
    _write_marker(folder, settings)  # first: a run that fails half-way can be run again
    shutil.copyfile(_config_source(), folder / CONFIG_FILE)
    _copy_exercises(folder / "exercises", chosen)
    _copy_modules(folder / "modules", chosen)
    shutil.copytree(bundled_dir("datasets"), folder / "datasets", ignore=_IGNORED)
    shutil.copytree(bundled_dir("simulation"), folder / "simulation", ignore=_IGNORED)
    if plan_path is not None:
        (folder / "plan").mkdir()
        shutil.copyfile(plan_path, folder / "plan" / plan_path.name)
    if city_path is not None:
        settings |= _adapt_for_city(folder, city_path, chosen, execute)
        _write_marker(folder, settings)
    return folder
