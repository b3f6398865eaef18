"""`kit course adapt`: the course, rendered for a city's own data, in a folder of its own.

:func:`adapt_course` loads a city (:func:`kit.course.load.load_city`), writes
its datasets under the kit's standard names with dataset cards made from the
data, English and Spanish (:mod:`kit.course.course_files`), renders each module
whose roles the profile provides in each language with the city's facts
(:mod:`kit.course.facts`, :mod:`kit.course.election_facts`, :mod:`kit.course.render`),
runs each notebook top to bottom and writes a report that also says which modules
were not adapted, and why. ``KIT_HOME=DIR`` then makes ``kit.load_dataset`` read
the city's data::

    DIR/datasets/service_requests.csv, neighborhoods.geojson, neighborhood_population.csv,
                 precinct_results.csv, precincts.geojson, catalog.yaml, catalog.es.yaml
    DIR/modules/02-electoral-cycle.ipynb, 03-issue-campaigns.ipynb (+ es/)
    DIR/exercises/03-issue-campaigns/03-issue-campaigns.ipynb (+ -es): the exercise's
        nbgrader source, its hidden tests computing their answers from the city's data
    DIR/city.yaml, DIR/adapt-report.md

Nothing is written outside ``DIR``; a ``DIR`` that holds anything but a
previous adaptation is refused.
"""

from __future__ import annotations

import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import yaml

from kit.course.course_files import write_datasets
from kit.course.election_facts import module2_facts
from kit.course.exercise import exercise3_facts
from kit.course.facts import course_tables, module3_facts
from kit.course.load import CityData, load_city
from kit.course.profile import load_profile
from kit.course.render import render_notebook, render_text
from kit.course.selfcheck import CHECKS_FILE
from kit.errors import CourseError
from kit.languages import REFERENCE
from kit.paths import bundled_dir

__all__ = ["AdaptResult", "adapt_course", "exercise_template_path", "render_exercise", "template_path"]

REPORT = "adapt-report.md"
# the modules with a city template: the profile roles each needs, and the facts its template states
TEMPLATES = {
    "02-electoral-cycle": (("results", "precincts"), module2_facts),
    "03-issue-campaigns": (("service_requests", "areas"), module3_facts),
}
MODULES = tuple(TEMPLATES)
EXERCISES = ("03-issue-campaigns",)  # modules whose exercise has a city template
# the course's other modules, and why no city profile adapts them
NOT_ADAPTED = {
    "01-intro-movement-data": "it teaches with an organization's own records (contacts, events, sign-ups, "
    "donations), which no city publishes; learners take the course's own module 1, with its invented tenants' group",
    "04-ladder-of-engagement": "it teaches with an organization's own records (contacts, events, sign-ups, "
    "its ladder history), which no city publishes; learners take the course's own module 4",
    "05-open-data": "no city template yet: module 5 reaches a portal and its quality checks work on any "
    "city's data as they are",
}
_VOTER_FILE = (
    "module 2's voter file, vote history, scores and calendar sections, and exercise 2: a voter file lists "
    "real people and no city publishes it as open data; the city edition covers the published precinct results"
)


def adaptable(city: CityData) -> list[str]:
    """The modules with a template whose roles ``city`` has, in course order."""
    return [m for m, (roles, _) in TEMPLATES.items() if all(getattr(city, r) is not None for r in roles)]


@dataclass
class AdaptResult:
    """What :func:`adapt_course` wrote, the executed notebooks and how long it took."""

    out_dir: Path
    files: list[Path] = field(default_factory=list)
    notebooks: dict[str, Path] = field(default_factory=dict)  # "03-issue-campaigns/en" -> path
    exercises: dict[str, Path] = field(default_factory=dict)  # "03-issue-campaigns/es" -> source notebook
    executed: dict[str, nbformat.NotebookNode] = field(default_factory=dict)
    facts: dict[str, dict] = field(default_factory=dict)  # "03-issue-campaigns/en" -> {"params", "facts"}
    skipped: dict[str, str] = field(default_factory=dict)  # module -> why it was not adapted
    seconds: dict[str, float] = field(default_factory=dict)


def template_path(module: str, lang: str) -> Path:
    """The template notebook of ``module`` in ``lang``."""
    folder = bundled_dir("modules") / "templates"
    return (folder if lang == REFERENCE else folder / lang) / f"{module}.ipynb"


def exercise_template_path(module: str, lang: str) -> Path:
    """The template of ``module``'s exercise (nbgrader source notebook) in ``lang``."""
    name = module if lang == REFERENCE else f"{module}-{lang}"
    return bundled_dir("exercises") / "templates" / name / f"{name}.ipynb"


def render_exercise(city, module: str, lang: str, context: dict) -> tuple[nbformat.NotebookNode, str]:
    """``module``'s exercise for ``city``: the notebook (solutions, visible and hidden tests, nbgrader
    metadata kept) and its ``checks.yaml`` (self-check and hints, :mod:`kit.course.selfcheck`).

    ``context`` is the module's rendering context; the exercise adds its own facts
    (:func:`kit.course.exercise.exercise3_facts`). A question the city's data cannot
    support (no duplicate markers, no population) is dropped with its points, and its checks with it.
    """
    context = context | {"ex": exercise3_facts(city, context, lang)}
    notebook = render_notebook(exercise_template_path(module, lang), context, lang=lang)
    template = exercise_template_path(module, REFERENCE).parent / CHECKS_FILE
    text = render_text(template.read_text(encoding="utf-8"), context, lang=lang, where=str(template.name))
    return notebook, _checks_of_kept_questions(yaml.safe_load(text), notebook)


def _checks_of_kept_questions(checks: dict, notebook: nbformat.NotebookNode) -> str:
    """``checks.yaml`` with only the questions the rendered notebook asks (answer or written cells)."""
    kept = {
        c.metadata["nbgrader"]["grade_id"] for c in notebook.cells if c.metadata.get("nbgrader", {}).get("solution")
    }
    checks["questions"] = {gid: q for gid, q in checks["questions"].items() if gid in kept}
    return yaml.safe_dump(checks, allow_unicode=True, sort_keys=False, width=110)


def _check_out_dir(out_dir: Path) -> None:
    """Refuse a folder with anything in it unless a previous adaptation wrote it."""
    if out_dir.exists() and not out_dir.is_dir():
        raise CourseError(f"{out_dir} is a file, not a folder", hint="give -o a folder to write the course into")
    if out_dir.is_dir() and any(out_dir.iterdir()) and not (out_dir / REPORT).is_file():
        raise CourseError(
            f"{out_dir} is not empty and is not a previous adaptation (no {REPORT})",
            hint="give -o an empty or new folder; adapt never overwrites other files",
        )


def _execute(
    notebook: nbformat.NotebookNode, out_dir: Path, label: str, cwd: Path | None = None
) -> nbformat.NotebookNode:
    """Run ``notebook`` top to bottom in ``cwd`` with ``KIT_HOME=out_dir``; CourseError naming the first
    failing cell, or the first ``check()`` cell whose visible checks do not pass (the solution's)."""
    from nbclient import NotebookClient

    executed = nbformat.from_dict(notebook)
    client = NotebookClient(executed, timeout=900, kernel_name="python3", allow_errors=True)
    # the kernel reads the city's datasets: KIT_HOME in its environment only, never in ours
    client.execute(cwd=str(cwd or out_dir / "modules"), env=os.environ | {"KIT_HOME": str(out_dir.resolve())})
    for index, cell in enumerate(executed.cells):
        errors = [o for o in cell.get("outputs", []) if o.output_type == "error"]
        if errors and "raises-exception" not in cell.metadata.get("tags", []):
            raise CourseError(
                f"{label}: cell {index} failed: {errors[0].ename}: {errors[0].evalue}".splitlines()[0],
                hint="run `kit course check --city …` and fix what it reports, or render with --no-execute to look",
            )
        said = "".join(o.get("text", "") for o in cell.get("outputs", []) if o.output_type == "stream")
        if cell.cell_type == "code" and cell.source.startswith("check(") and not said.startswith("✓"):
            raise CourseError(
                f"{label}: cell {index}: the solution does not pass its self-check: {said.strip()}",
                hint=f"the visible checks in {CHECKS_FILE} do not fit this city's data: widen the range they test",
            )
    return executed


def _module3_skips(facts: dict, exercise: bool) -> list[str]:
    skipped = []
    if facts["duplicates"] is None:
        skipped.append("module 3, duplicate reports: the export marks none (section 3.3 says so)")
    if not facts["has_population"]:
        skipped.append("module 3, rates per 1,000 residents and their map: the profile names no population")
    if exercise and facts["duplicates"] is None:
        skipped.append("exercise 3's question on duplicate reports, with its point (the export marks none)")
    if exercise and not facts["has_population"]:
        skipped.append("exercise 3's rate question, with its 2 points (no population)")
    if not facts["resolutions"]:
        skipped.append("module 3, resolution texts: the export has no resolution_description column")
    return skipped


def _module2_skips(facts: dict) -> list[str]:
    skipped = [_VOTER_FILE]
    if facts["race"] is None:
        skipped.append("module 2, the citywide race: no candidate was on every precinct's ballot")
    if facts["ward_race"] is None:
        skipped.append("module 2, the focus ward's race: the ward had no contested race of its own")
    if facts["no_shape_count"] or facts["no_results_count"]:
        skipped.append(
            f"module 2's maps leave out the precincts without a shape ({facts['no_shape_count']}; the notebook "
            f"lists them) and the shapes without results ({facts['no_results_count']})"
        )
    return skipped


def _report(result: AdaptResult, city: CityData, profile_path: Path) -> str:
    """adapt-report.md: what was written, what loading changed, what the notebooks skip, what was not adapted."""
    first: dict[str, dict] = {}  # module -> its facts in the first language (the skips are the same in each)
    for key, context in result.facts.items():
        first.setdefault(key.split("/")[0], context["facts"])
    skipped = _module2_skips(first["02-electoral-cycle"]) if "02-electoral-cycle" in first else []
    if "03-issue-campaigns" in first:
        skipped += _module3_skips(first["03-issue-campaigns"], bool(result.exercises))
    lines = [f"# {city.profile.name.get('en', city.profile.slug)}: the course adapted by `kit course adapt`", ""]
    lines += [f"- Profile: `{profile_path}`", f"- Modules adapted: {', '.join(first) or 'none'}"]
    lines += ["", "## Files", ""] + [f"- `{p.relative_to(result.out_dir)}`" for p in result.files]
    lines += ["", "## What loading changed or counted", ""] + [f"- {n.role}: {n.text()}" for n in city.notes]
    lines += ["", "## Steps the notebooks skip", ""] + ([f"- {s}" for s in skipped] or ["- none"])
    lines += ["", "## Modules not adapted", ""] + ([f"- {m}: {why}" for m, why in result.skipped.items()] or ["- none"])
    lines += ["", "## Time", ""] + [f"- {step}: {seconds:.1f} s" for step, seconds in result.seconds.items()]
    return "\n".join(lines) + "\n"


def _write_notebook(notebook: nbformat.NotebookNode, path: Path, result: AdaptResult) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, path)
    result.files.append(path)
    return path


def _render_modules(city: CityData, modules: list[str], languages: list[str], out_dir: Path, result: AdaptResult):
    """Each module in each language, and its exercise where it has a city template."""
    for module in modules:
        facts_of = TEMPLATES[module][1]
        for lang in languages:
            context = facts_of(city, lang)
            result.facts[f"{module}/{lang}"] = context
            context = {"city": context["params"]["city"], "sample": city.profile.slug == "riverton", **context}
            folder = out_dir / "modules" if lang == REFERENCE else out_dir / "modules" / lang
            notebook = render_notebook(template_path(module, lang), context, lang=lang)
            result.notebooks[f"{module}/{lang}"] = _write_notebook(notebook, folder / f"{module}.ipynb", result)
            if module in EXERCISES:
                name = module if lang == REFERENCE else f"{module}-{lang}"
                exercise, checks = render_exercise(city, module, lang, context)
                path = out_dir / "exercises" / name / f"{name}.ipynb"
                result.exercises[f"{module}/{lang}"] = _write_notebook(exercise, path, result)
                (path.parent / CHECKS_FILE).write_text(checks, encoding="utf-8")
                result.files.append(path.parent / CHECKS_FILE)


def _execute_all(result: AdaptResult, out_dir: Path) -> None:
    """Run every adapted notebook top to bottom: the modules, and each exercise with its solutions
    in (every test cell passing is what "the solution gets full marks" means for this city)."""
    runs = list(result.notebooks.items()) + [(f"exercise {key}", path) for key, path in result.exercises.items()]
    for key, path in runs:
        step = time.perf_counter()
        notebook = nbformat.read(path, as_version=4)
        result.executed[key] = _execute(notebook, out_dir, str(path.relative_to(out_dir)), cwd=path.parent)
        result.seconds[f"run {key}"] = time.perf_counter() - step


def adapt_course(
    profile_path: Path | str,
    out_dir: Path | str,
    *,
    languages: list[str] | None = None,
    modules: list[str] | None = None,
    execute: bool = True,
) -> AdaptResult:
    """Adapt the course to a city: its datasets and cards, modules 2 and 3 rendered and run, a report.

    Parameters
    ----------
    profile_path
        The city profile (YAML), e.g. ``cities/riverton.yaml``.
    out_dir
        The folder to write into: new, empty, or a previous adaptation.
    languages
        Languages to render (default: the profile's ``languages``).
    modules
        Module ids (default: every module with a template whose roles the profile
        gives: ``02-electoral-cycle`` needs ``results`` and ``precincts``,
        ``03-issue-campaigns`` needs ``service_requests`` and ``areas``).
    execute
        Run each adapted notebook top to bottom (``KIT_HOME=out_dir``).

    Returns
    -------
    AdaptResult
        The files written, the executed notebooks, the facts and the time of each step.

    Raises
    ------
    CourseError
        If ``out_dir`` holds other files, a module asked for has no template (the
        message says why) or lacks a role, the profile gives no module's roles, a
        template names a missing fact, or a notebook fails (the message names the
        notebook and the cell).
    SpecError
        If the profile has mistakes.
    """
    profile_path, out_dir = Path(profile_path), Path(out_dir)
    _check_out_dir(out_dir)
    for module in modules or []:
        if module not in TEMPLATES:
            why = NOT_ADAPTED.get(module, "the course has no such module")
            raise CourseError(
                f"module {module} is not adapted to cities: {why}",
                hint=f"modules with a template: {', '.join(MODULES)}",
            )
    started = time.perf_counter()
    profile = load_profile(profile_path)
    city = load_city(profile)
    result = AdaptResult(out_dir=out_dir, skipped=_not_adapted(city))
    modules = _modules_for(city, modules)
    result.seconds["load the city"] = time.perf_counter() - started
    name = profile.name.get(REFERENCE) or next(iter(profile.name.values()))
    result.files += write_datasets(course_tables(city), out_dir / "datasets", name, profile_path)
    shutil.copyfile(profile_path, out_dir / "city.yaml")
    result.files.append(out_dir / "city.yaml")
    _render_modules(city, modules, languages or list(profile.languages), out_dir, result)
    result.seconds["write and render"] = time.perf_counter() - started - result.seconds["load the city"]
    if execute:
        _execute_all(result, out_dir)
    (out_dir / REPORT).write_text(_report(result, city, profile_path), encoding="utf-8")
    result.files.append(out_dir / REPORT)
    return result


def _missing_roles(city: CityData, module: str) -> list[str]:
    return [role for role in TEMPLATES[module][0] if getattr(city, role) is None]


def _not_adapted(city: CityData) -> dict[str, str]:
    """Every module of the course that will not be adapted for ``city``, and why."""
    lacking = {m: _missing_roles(city, m) for m in TEMPLATES}
    why = {m: f"the profile has no {' and '.join(roles)}" for m, roles in lacking.items() if roles}
    return dict(sorted((NOT_ADAPTED | why).items()))


def _modules_for(city: CityData, asked: list[str] | None) -> list[str]:
    """The modules to adapt: those asked for (each must have its roles), else every one the profile supports."""
    for module in asked or []:
        if _missing_roles(city, module):
            raise CourseError(
                f"module {module} needs the role{'s' * (len(_missing_roles(city, module)) > 1)} "
                f"{' and '.join(_missing_roles(city, module))} in the city profile",
                hint="add a source for each role to the profile (see `kit course init-city`)",
            )
    modules = list(asked) if asked else adaptable(city)
    if not modules:
        needs = "; ".join(f"module {m} needs {' and '.join(roles)}" for m, (roles, _) in TEMPLATES.items())
        raise CourseError(f"the profile gives the roles of no module with a city template: {needs}",
                          hint="add those roles' sources to the profile (see `kit course init-city`)")  # fmt: skip
    return modules
