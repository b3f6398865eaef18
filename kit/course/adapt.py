"""`kit course adapt`: the course, rendered for a city's own data, in a folder of its own.

:func:`adapt_course` loads a city (:func:`kit.course.load.load_city`), writes
its datasets under the kit's standard names with dataset cards made from the
data (English and Spanish), renders module 3's template in each language with
the city's facts (:mod:`kit.course.facts`, :mod:`kit.course.render`), runs each
notebook top to bottom and writes a short report. ``KIT_HOME=DIR`` then makes
``kit.load_dataset`` read the city's data::

    DIR/datasets/service_requests.csv, neighborhoods.geojson,
                 neighborhood_population.csv, catalog.yaml, catalog.es.yaml
    DIR/modules/03-issue-campaigns.ipynb, DIR/modules/es/03-issue-campaigns.ipynb
    DIR/exercises/03-issue-campaigns/03-issue-campaigns.ipynb (+ -es): the exercise's
        nbgrader source, its hidden tests computing their answers from the city's data
    DIR/city.yaml, DIR/adapt-report.md

Nothing is written outside ``DIR``; a ``DIR`` that holds anything but a
previous adaptation is refused.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import pandas as pd
import yaml

from kit.course.exercise import exercise3_facts
from kit.course.facts import course_tables, module3_facts
from kit.course.load import load_city
from kit.course.profile import load_profile
from kit.course.render import render_notebook
from kit.data.catalog import Column, DatasetCard
from kit.errors import CourseError
from kit.paths import checkout_root

__all__ = ["AdaptResult", "adapt_course", "exercise_template_path", "render_exercise", "template_path"]

MODULES = ("03-issue-campaigns",)
REPORT = "adapt-report.md"
FILES = {
    "service_requests": "service_requests.csv",
    "neighborhoods": "neighborhoods.geojson",
    "neighborhood_population": "neighborhood_population.csv",
}
_TITLES = {
    "service_requests": ("{city} 311 service requests", "Solicitudes de servicio al 311 de {city}"),
    "neighborhoods": ("{city} areas (boundaries)", "Áreas de {city} (límites)"),
    "neighborhood_population": ("{city} population by area", "Población de {city} por área"),
}
_DESCRIPTIONS = (
    "The city's own data, in the kit's standard columns, written by `kit course adapt` from the profile {profile}.",
    "Los datos de la propia ciudad, con las columnas estándar del kit, escritos por `kit course adapt` "
    "a partir del perfil {profile}.",
)


@dataclass
class AdaptResult:
    """What :func:`adapt_course` wrote, the executed notebooks and how long it took."""

    out_dir: Path
    files: list[Path] = field(default_factory=list)
    notebooks: dict[str, Path] = field(default_factory=dict)  # "03-issue-campaigns/en" -> path
    exercises: dict[str, Path] = field(default_factory=dict)  # "03-issue-campaigns/es" -> source notebook
    executed: dict[str, nbformat.NotebookNode] = field(default_factory=dict)
    facts: dict[str, dict] = field(default_factory=dict)  # language -> {"params", "facts"}
    seconds: dict[str, float] = field(default_factory=dict)


def template_path(module: str, lang: str) -> Path:
    """The template notebook of ``module`` in ``lang``."""
    folder = checkout_root() / "modules" / "templates"
    return (folder if lang == "en" else folder / lang) / f"{module}.ipynb"


def exercise_template_path(module: str, lang: str) -> Path:
    """The template of ``module``'s exercise (nbgrader source notebook) in ``lang``."""
    name = module if lang == "en" else f"{module}-{lang}"
    return checkout_root() / "exercises" / "templates" / name / f"{name}.ipynb"


def render_exercise(city, module: str, lang: str, context: dict) -> nbformat.NotebookNode:
    """``module``'s exercise for ``city``: solutions, visible and hidden tests, nbgrader metadata kept.

    ``context`` is the module's rendering context; the exercise adds its own facts
    (:func:`kit.course.exercise.exercise3_facts`). A question the city's data cannot
    support (no duplicate markers, no population) is dropped with its points.
    """
    context = context | {"ex": exercise3_facts(city, context, lang)}
    return render_notebook(exercise_template_path(module, lang), context, lang=lang)


def _check_out_dir(out_dir: Path) -> None:
    """Refuse a folder with anything in it unless a previous adaptation wrote it."""
    if out_dir.exists() and not out_dir.is_dir():
        raise CourseError(f"{out_dir} is a file, not a folder", hint="give -o a folder to write the course into")
    if out_dir.is_dir() and any(out_dir.iterdir()) and not (out_dir / REPORT).is_file():
        raise CourseError(
            f"{out_dir} is not empty and is not a previous adaptation (no {REPORT})",
            hint="give -o an empty or new folder; adapt never overwrites other files",
        )


def _column_type(values: pd.Series) -> str:
    kind = values.dtype.kind
    if kind == "M":
        return "datetime"
    if kind == "b" or str(values.dtype) == "boolean":
        return "boolean"
    if kind in "iu" or str(values.dtype).startswith("Int"):
        return "integer"
    if kind == "f":
        return "number"
    return "text"


def _write_table(name: str, frame: pd.DataFrame, folder: Path) -> Path:
    path = folder / FILES[name]
    if name == "neighborhoods":
        text = frame.copy()
        columns = [c for c in text.columns if c != "geometry"]
        text[columns] = text[columns].astype("string")
        text.to_crs("EPSG:4326").to_file(path, driver="GeoJSON")
    else:
        frame.to_csv(path, index=False, date_format="%Y-%m-%dT%H:%M:%S.%f")
    return path


def _card(name: str, frame: pd.DataFrame, path: Path, city: str, profile: Path) -> DatasetCard:
    columns = [c for c in frame.columns if c != "geometry"]
    return DatasetCard(
        name=name,
        file=path.name,
        title=_TITLES[name][0].format(city=city),
        description=_DESCRIPTIONS[0].format(profile=profile.name),
        source=f"{city}'s own data, through the city profile {profile.name}",
        license="as the city's data portal says",
        made_by="kit course adapt",
        rows=len(frame),
        sha256=hashlib.sha256(path.read_bytes()).hexdigest(),
        columns=[Column(name=c, type=_column_type(frame[c]), description=c.replace("_", " ")) for c in columns],
    )


def _write_datasets(tables: dict[str, pd.DataFrame], folder: Path, city: str, profile: Path) -> list[Path]:
    """The city's tables, their catalog and its Spanish translation."""
    folder.mkdir(parents=True, exist_ok=True)
    cards = []
    for name, frame in tables.items():
        cards.append(_card(name, frame, _write_table(name, frame, folder), city, profile))
    catalog = {"city": city, "datasets": [c.model_dump(exclude={"language", "updated_at"}) for c in cards]}
    spanish = {
        "datasets": {
            c.name: {
                "title": _TITLES[c.name][1].format(city=city),
                "description": _DESCRIPTIONS[1].format(profile=profile.name),
            }
            for c in cards
        }
    }
    for file, data in (("catalog.yaml", catalog), ("catalog.es.yaml", spanish)):
        (folder / file).write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return [folder / FILES[n] for n in tables] + [folder / "catalog.yaml", folder / "catalog.es.yaml"]


def _execute(notebook: nbformat.NotebookNode, out_dir: Path, label: str) -> nbformat.NotebookNode:
    """Run ``notebook`` top to bottom with ``KIT_HOME=out_dir``; CourseError naming the first failing cell."""
    from nbclient import NotebookClient

    executed = nbformat.from_dict(notebook)
    client = NotebookClient(executed, timeout=900, kernel_name="python3", allow_errors=True)
    # the kernel reads the city's datasets: KIT_HOME in its environment only, never in ours
    client.execute(cwd=str(out_dir / "modules"), env=os.environ | {"KIT_HOME": str(out_dir.resolve())})
    for index, cell in enumerate(executed.cells):
        errors = [o for o in cell.get("outputs", []) if o.output_type == "error"]
        if errors and "raises-exception" not in cell.metadata.get("tags", []):
            raise CourseError(
                f"{label}: cell {index} failed: {errors[0].ename}: {errors[0].evalue}".splitlines()[0],
                hint="run `kit course check --city …` and fix what it reports, or render with --no-execute to look",
            )
    return executed


def _report(result: AdaptResult, city, profile_path: Path) -> str:
    """adapt-report.md: what was written, what loading changed, what the notebooks skip."""
    facts = next(iter(result.facts.values()))["facts"]
    skipped = []
    if facts["duplicates"] is None:
        skipped.append("duplicate reports: the export marks none (section 3.3 says so)")
    if not facts["has_population"]:
        skipped.append("rates per 1,000 residents and their map: the profile names no population (sections 6-7 say so)")
    if result.exercises and facts["duplicates"] is None:
        skipped.append("exercise 3's question on duplicate reports, with its point (the export marks none)")
    if result.exercises and not facts["has_population"]:
        skipped.append("exercise 3's rate question, with its 2 points (no population)")
    if not facts["resolutions"]:
        skipped.append("resolution texts: the export has no resolution_description column (section 9 says so)")
    lines = [f"# {city.profile.name.get('en', city.profile.slug)}: the course adapted by `kit course adapt`", ""]
    lines += [
        f"- Profile: `{profile_path}`",
        f"- Requests: {facts['requests']:,}; located in an area: {facts['in_area']:,}",
    ]
    lines += ["", "## Files", ""] + [f"- `{p.relative_to(result.out_dir)}`" for p in result.files]
    lines += ["", "## What loading changed or counted", ""] + [f"- {n.role}: {n.text()}" for n in city.notes]
    lines += ["", "## Steps the notebooks skip", ""] + ([f"- {s}" for s in skipped] or ["- none"])
    lines += ["", "## Time", ""] + [f"- {step}: {seconds:.1f} s" for step, seconds in result.seconds.items()]
    return "\n".join(lines) + "\n"


def _render_modules(city, modules, languages, out_dir: Path, result: AdaptResult) -> None:
    for lang in languages:
        context = module3_facts(city, lang)
        result.facts[lang] = context
        context = {"city": context["params"]["city"], "sample": city.profile.slug == "riverton", **context}
        for module in modules:
            notebook = render_notebook(template_path(module, lang), context, lang=lang)
            folder = out_dir / "modules" if lang == "en" else out_dir / "modules" / lang
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / f"{module}.ipynb"
            nbformat.write(notebook, path)
            result.files.append(path)
            result.notebooks[f"{module}/{lang}"] = path
            name = module if lang == "en" else f"{module}-{lang}"
            path = out_dir / "exercises" / name / f"{name}.ipynb"
            path.parent.mkdir(parents=True, exist_ok=True)
            nbformat.write(render_exercise(city, module, lang, context), path)
            result.files.append(path)
            result.exercises[f"{module}/{lang}"] = path


def _execute_all(result: AdaptResult, out_dir: Path) -> None:
    """Run every adapted notebook top to bottom: the modules, and each exercise with its solutions
    in (every test cell passing is what "the solution gets full marks" means for this city)."""
    runs = list(result.notebooks.items()) + [(f"exercise {key}", path) for key, path in result.exercises.items()]
    for key, path in runs:
        step = time.perf_counter()
        result.executed[key] = _execute(nbformat.read(path, as_version=4), out_dir, str(path.relative_to(out_dir)))
        result.seconds[f"run {key}"] = time.perf_counter() - step


def adapt_course(
    profile_path: Path | str,
    out_dir: Path | str,
    *,
    languages: list[str] | None = None,
    modules: list[str] | None = None,
    execute: bool = True,
) -> AdaptResult:
    """Adapt the course to a city: its datasets and cards, module 3 rendered and run, a report.

    Parameters
    ----------
    profile_path
        The city profile (YAML), e.g. ``cities/riverton.yaml``.
    out_dir
        The folder to write into: new, empty, or a previous adaptation.
    languages
        Languages to render (default: the profile's ``languages``).
    modules
        Module ids (default: every module with a template, today ``03-issue-campaigns``).
    execute
        Run each adapted notebook top to bottom (``KIT_HOME=out_dir``).

    Returns
    -------
    AdaptResult
        The files written, the executed notebooks, the facts and the time of each step.

    Raises
    ------
    CourseError
        If ``out_dir`` holds other files, a module has no template, a role module 3
        needs is missing, a template names a missing fact, or a notebook fails (the
        message names the notebook and the cell).
    SpecError
        If the profile has mistakes.
    """
    profile_path, out_dir = Path(profile_path), Path(out_dir)
    _check_out_dir(out_dir)
    unknown = sorted(set(modules or MODULES) - set(MODULES))
    if unknown:
        raise CourseError(f"no template for module {unknown[0]}", hint=f"modules with a template: {', '.join(MODULES)}")
    started = time.perf_counter()
    profile = load_profile(profile_path)
    city = load_city(profile)
    languages = languages or list(profile.languages)
    result = AdaptResult(out_dir=out_dir)
    result.seconds["load the city"] = time.perf_counter() - started
    tables = course_tables(city)
    name = profile.name.get("en") or next(iter(profile.name.values()))
    result.files += _write_datasets(tables, out_dir / "datasets", name, profile_path)
    shutil.copyfile(profile_path, out_dir / "city.yaml")
    result.files.append(out_dir / "city.yaml")
    _render_modules(city, list(modules or MODULES), languages, out_dir, result)
    result.seconds["write and render"] = time.perf_counter() - started - result.seconds["load the city"]
    if execute:
        _execute_all(result, out_dir)
    (out_dir / REPORT).write_text(_report(result, city, profile_path), encoding="utf-8")
    result.files.append(out_dir / REPORT)
    return result
