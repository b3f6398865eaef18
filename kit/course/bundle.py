"""One audience's learner bundle: what its learners download, and nothing else.

A bundle holds, for one audience of a plan (:func:`kit.plan.matrix.bundle_specs`):
the audience's modules in its language (``modules/``), the **released** exercises
(nbgrader's release output, one folder per assignment: ``02-electoral-cycle-es/``),
the datasets the modules and exercises load with their catalog cards (``datasets/``),
and a README (English and Spanish) on how to open it in JupyterLab and how to hand
the work back. Never the exercises' sources, a gradebook or solutions.

The exercises come from the course's ``release/`` when the trainer released them;
otherwise they are released in-process into a throw-away copy of the course (its
config, a temporary gradebook), so the trainer's gradebook is untouched.

Like ``kit/feedback/workflow.py``, this workflow reads a plan spec and drives nbgrader's
release, so it imports ``kit.plan`` and ``kit.grading`` (an exception in tests/test_layering.py).
"""

from __future__ import annotations

import re
import shutil
import tempfile
import zipfile
from pathlib import Path

import yaml

from kit.data.syllabus import load_syllabus
from kit.errors import AssignmentError, CourseError, SpecError
from kit.grading.course import Course, open_course
from kit.grading.release import find_leaks, release_assignment
from kit.languages import REFERENCE, card_translation
from kit.pages import read_catalog
from kit.paths import LEARNER_MARKER, bundled_dir, course_dir, course_folder, find_course, plans_dir
from kit.plan.matrix import bundle_specs
from kit.plan.validate import load_spec

LEARNER_LAB = Path(__file__).parent / "learner_lab"
DATASET_CALL = re.compile(r"""load_dataset\(\s*\\?["']([A-Za-z0-9_]+)\\?["']""")
# what a course folder holds that a learner must never get
NEVER = ("gradebook.db", ".git", ".ipynb_checkpoints", "__pycache__")


def audience_bundle(audience: str, plan: Path | None = None) -> dict:
    """The bundle spec of ``audience`` in ``plan`` (default: the sample city's ``plans/riverton.yaml``)."""
    specs = bundle_specs(load_spec(Path(plan or plans_dir() / "riverton.yaml")), load_syllabus())
    if audience not in specs:
        problems = [f"audiences: no audience '{audience}' (the plan has: {', '.join(specs) or 'none'})"]
        raise SpecError(str(plan or plans_dir() / "riverton.yaml"), problems)
    return specs[audience]


def default_audience(plan: Path | None = None) -> str:
    """The plan's first audience (``make lab`` builds its workspace)."""
    spec = load_spec(Path(plan or plans_dir() / "riverton.yaml"))
    return spec.audiences[0].id


def course_part(course: Path, key: str) -> Path:
    """The course's ``modules`` or ``datasets`` folder (the kit's own when the course has no marker)."""
    if find_course(course) == course:
        folder = course_folder(course, key)
        if folder.is_dir():
            return folder
    return bundled_dir(key)


def released_copy(course: Course, assignment: str, scratch: Path) -> Path:
    """The released ``assignment``: the course's ``release/`` if released, else released into ``scratch``
    by a copy of the course (same config, own gradebook and release folder)."""
    released = course.step_dir("release", ".", assignment)
    if released.is_dir() and any(released.glob("*.ipynb")):
        leaks = find_leaks(released, course.source_notebooks(assignment))
        if leaks:
            raise AssignmentError(
                f"the course's release of '{assignment}' holds solutions: {leaks[0]}",
                assignment=assignment,
                hint=f"release it again: `kit grade release {assignment}`",
            )
        return released
    scratch.mkdir(parents=True, exist_ok=True)
    config = (course.root / "nbgrader_config.py").read_text(encoding="utf-8")
    config += (
        "\n# bundle: release into this throw-away copy, never the trainer's gradebook\n"
        f"c.CourseDirectory.course_id = {course.course_id!r}\n"
        f"c.CourseDirectory.source_directory = {str(course.source_root)!r}\n"
        f"c.CourseDirectory.db_url = {'sqlite:///' + str(scratch / 'gradebook.db')!r}\n"
    )
    (scratch / "nbgrader_config.py").write_text(config, encoding="utf-8")
    copy = open_course(scratch)
    return release_assignment(copy, assignment, archive=False).directory


def datasets_loaded(folder: Path) -> list[str]:
    """Dataset names the notebooks under ``folder`` load with ``load_dataset("…")``, sorted."""
    names = set()
    for notebook in folder.rglob("*.ipynb"):
        names.update(DATASET_CALL.findall(notebook.read_text(encoding="utf-8")))
    return sorted(names)


def copy_datasets(names: list[str], source: Path, target: Path) -> None:
    """Copy the named datasets and their cards (``catalog.yaml`` and every translation,
    ``catalog.<lang>.yaml``) into ``target``."""
    target.mkdir(parents=True, exist_ok=True)
    for path in sorted(source.glob("catalog*.yaml"), key=lambda p: p.name != "catalog.yaml"):
        catalog_name = path.name
        catalog = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        cards = catalog.get("datasets") or []
        if isinstance(cards, dict):  # a translation's cards: name -> texts
            cards = {name: card for name, card in cards.items() if name in names}
        else:
            cards = [card for card in cards if card.get("name") in names]
        if catalog_name == "catalog.yaml":
            missing = sorted(set(names) - {c["name"] for c in cards})
            if missing:
                raise CourseError(f"datasets not in {path}: {', '.join(missing)}")
            for card in cards:
                shutil.copy2(source / card["file"], target / card["file"])
        text = yaml.safe_dump({**catalog, "datasets": cards}, sort_keys=False, allow_unicode=True, width=100)
        (target / catalog_name).write_text(text, encoding="utf-8")


def build_workspace(audience: str, folder: Path, *, course: Path | None = None, plan: Path | None = None) -> list[Path]:
    """Write ``audience``'s learner workspace into ``folder`` (replaced if it exists); return its files.

    Parameters
    ----------
    audience
        An audience id of the plan.
    folder
        Where to write it (``make lab`` uses ``out/learner``).
    course
        The course folder (default :func:`kit.paths.course_dir`).
    plan
        The plan spec (default ``plans/riverton.yaml``).
    """
    bundle = audience_bundle(audience, plan)
    lang = bundle["language"]
    course_root = Path(course or course_dir()).resolve()
    nb_course = open_course(course_root)
    folder = Path(folder)
    if folder.exists():
        shutil.rmtree(folder)
    (folder / "modules").mkdir(parents=True)
    modules = course_part(course_root, "modules")
    with tempfile.TemporaryDirectory(prefix="kit-bundle-") as tmp:
        for module in bundle["modules"]:
            source = modules / (f"{module['id']}.ipynb" if lang == "en" else f"{lang}/{module['id']}.ipynb")
            shutil.copy2(source, folder / "modules" / source.name)
            if module["assignment"]:
                released = released_copy(nb_course, module["assignment"], Path(tmp) / "course")
                shutil.copytree(released, folder / module["assignment"], ignore=shutil.ignore_patterns(*NEVER))
    names = sorted(set(bundle["datasets"]) | set(datasets_loaded(folder)))
    copy_datasets(names, course_part(course_root, "datasets"), folder / "datasets")
    (folder / "README.md").write_text(learner_readme(bundle), encoding="utf-8")
    marker = {"audience": audience, "language": lang, "datasets": "datasets"}  # kit.load_dataset reads these
    (folder / LEARNER_MARKER).write_text(yaml.safe_dump(marker, sort_keys=False), encoding="utf-8")
    return sorted(p for p in folder.rglob("*") if p.is_file())


def build_bundle(audience: str, out_zip: Path, *, course: Path | None = None, plan: Path | None = None) -> Path:
    """Zip ``audience``'s learner workspace (:func:`build_workspace`) into ``out_zip``, under a folder
    named after the audience; return ``out_zip``."""
    out_zip = Path(out_zip)
    out_zip.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="kit-bundle-") as tmp:
        folder = Path(tmp) / audience
        files = build_workspace(audience, folder, course=course, plan=plan)
        with zipfile.ZipFile(out_zip, "w", zipfile.ZIP_DEFLATED) as zf:
            for path in files:
                info = zipfile.ZipInfo(f"{audience}/{path.relative_to(folder).as_posix()}", (2026, 1, 1, 0, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                zf.writestr(info, path.read_bytes())
    return out_zip


MESSAGES_DIR = Path(__file__).with_name("messages")  # bundle.* in each language's catalog


def learner_readme(bundle: dict) -> str:
    """The bundle's README: in the audience's language, then in English; it names the modules the
    bundle leaves out because they are not translated into the audience's language yet."""
    modules = ", ".join(f"`modules/{Path(m['notebook']).name}`" for m in bundle["modules"])
    exercises = ", ".join(f"`{m['assignment']}/`" for m in bundle["modules"] if m["assignment"])
    left_out = ", ".join(f"{m['number']} (`{m['id']}`)" for m in bundle.get("not_translated", []))
    texts = []
    for lang in dict.fromkeys([bundle["language"], REFERENCE]):
        words = read_catalog(MESSAGES_DIR, lang)
        cards = card_translation(lang, Path(".")).name
        text = words["bundle.readme"].format(name=bundle["name"], modules=modules, exercises=exercises, cards=cards)
        texts.append(text + (f"\n{words['bundle.not_translated'].format(modules=left_out)}\n" if left_out else ""))
    return "\n".join([f"# {bundle['name']}\n", *texts])


def local_exchange(folder: Path, course_id: str, assignments: list[str], config: Path) -> Path:
    """An nbgrader exchange inside the workspace (``folder/.exchange``) that has released
    ``assignments`` (copies of the workspace's folders), and ``config/nbgrader_config.py`` naming it,
    so the Assignment List shows them and **Submit** works without a JupyterHub; nbgrader's record of
    submissions stays in the workspace too (``folder/.nbgrader_cache``). Return the exchange."""
    exchange = folder / ".exchange"
    for assignment in assignments:
        shutil.copytree(folder / assignment, exchange / course_id / "outbound" / assignment)
    inbound = exchange / course_id / "inbound"
    inbound.mkdir(parents=True)
    inbound.chmod(0o2733)  # as nbgrader makes it: learners write, only the trainer lists
    (config / "nbgrader_config.py").write_text(
        "# The learner workspace's nbgrader settings (written by `make lab`).\n"
        "c = get_config()  # noqa: F821\n"
        f"c.CourseDirectory.course_id = {course_id!r}\n"
        f"c.Exchange.root = {str(exchange.resolve())!r}\n"
        f"c.Exchange.cache = {str((folder / '.nbgrader_cache').resolve())!r}\n",
        encoding="utf-8",
    )
    return exchange


def build_lab_workspace(folder: Path, *, course: Path | None = None, plan: Path | None = None) -> Path:
    """The plan's first audience's workspace in ``folder`` (``make lab``: ``out/learner``), with a
    workspace-local Jupyter config in ``folder/.jupyter`` (start JupyterLab with
    ``JUPYTER_CONFIG_DIR`` set to it): nbgrader's Assignment List and Validate on, its Formgrader,
    Create Assignment and Course List off; its nbgrader exchange is ``folder/.exchange``
    (:func:`local_exchange`). Return the config folder."""
    folder = Path(folder)
    audience = default_audience(plan)
    build_workspace(audience, folder, course=course, plan=plan)
    config = folder / ".jupyter"
    shutil.copytree(LEARNER_LAB, config, ignore=shutil.ignore_patterns("README.md", "__pycache__"))
    assignments = [m["assignment"] for m in audience_bundle(audience, plan)["modules"] if m["assignment"]]
    local_exchange(folder, open_course(Path(course or course_dir())).course_id, assignments, config)
    return config
