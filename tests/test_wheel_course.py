"""The kit as a trainer installs it: a wheel in a fresh venv, a course folder anywhere.

Builds the wheel from this checkout (``pip wheel``; the build backend comes from the
package registry or pip's cache), creates a new venv *without* system site-packages,
installs the wheel with its dependencies (the registry or pip's cache: about 35 s here),
then, in a temporary folder outside the repository: makes a course folder, and from
inside it releases module 1, simulates a cohort, autogrades it and exports the
grades. The venv must import ``kit`` from its own site-packages, never from this checkout.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import pytest
from helpers import REPO

pytestmark = pytest.mark.packaging

ASSIGNMENT = "01-intro-movement-data"
LEARNERS = 6


def _run(args, *, cwd: Path, env: dict, timeout: int = 600) -> str:
    done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{' '.join(map(str, args))} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def _clean_env(venv: Path) -> dict:
    """This process's environment without anything that points at the checkout or its venv."""
    env = {k: v for k, v in os.environ.items() if k not in ("KIT_HOME", "PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    path = [p for p in env.get("PATH", "").split(os.pathsep) if p and not p.startswith(str(REPO))]
    env["PATH"] = os.pathsep.join([str(venv / "bin"), *path])
    env["VIRTUAL_ENV"] = str(venv)
    return env


@pytest.fixture(scope="module")
def installed():
    """A fresh venv with the kit's wheel (and its dependencies) installed: ``(venv, env, base folder)``.

    The folder is one the grading sandbox's users may read (``o+rx``, as a trainer's venv
    must be), so autograding runs in the real sandbox: pytest's own tmp folders are private.
    """
    base = Path(tempfile.mkdtemp(prefix="kit-wheel-"))
    base.chmod(0o755)
    assert not base.resolve().is_relative_to(REPO)
    try:
        yield _install(base)
    finally:
        shutil.rmtree(base, ignore_errors=True)


def _install(base: Path):
    seconds = {}
    started = time.perf_counter()
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", base / "dist", REPO], cwd=base, env=os.environ)
    (wheel,) = (base / "dist").glob("civic_data_training_kit-*.whl")
    seconds["build"] = time.perf_counter() - started
    venv = base / "venv"
    _run([sys.executable, "-m", "venv", venv], cwd=base, env=os.environ)
    env = _clean_env(venv)
    started = time.perf_counter()
    _run([venv / "bin" / "python", "-m", "pip", "install", "-q", wheel], cwd=base, env=env, timeout=900)
    seconds["install"] = time.perf_counter() - started
    print(f"wheel: built in {seconds['build']:.1f}s, installed with its dependencies in {seconds['install']:.1f}s")
    return venv, env, base


def test_the_venv_imports_kit_from_its_site_packages_not_the_checkout(installed):
    venv, env, base = installed
    config = (venv / "pyvenv.cfg").read_text()
    assert "include-system-site-packages = false" in config
    code = "import kit, sys; print(kit.__file__); print(sys.flags.no_site)"
    where = Path(_run([venv / "bin" / "python", "-c", code], cwd=base, env=env).splitlines()[0])
    assert where.is_relative_to(venv.resolve()) or where.is_relative_to(venv)
    assert "site-packages" in where.parts
    assert not where.resolve().is_relative_to(REPO)


def test_the_wheel_carries_the_course_material_and_no_caches(installed):
    venv, env, base = installed
    code = "import kit.paths as p; print(p.bundled_dir('exercises').parent)"
    bundled = Path(_run([venv / "bin" / "python", "-c", code], cwd=base, env=env).strip())
    assert bundled.name == "_bundled" and bundled.parent.parent.name == "site-packages"
    for name, source in [
        ("exercises", REPO / "exercises"),
        ("modules", REPO / "modules"),
        ("cities", REPO / "cities"),
        ("simulation", REPO / "grader" / "simulation"),
        ("datasets", REPO / "datasets"),
    ]:
        wanted = {p.relative_to(source) for p in source.rglob("*.ipynb")} | {
            p.relative_to(source) for p in source.rglob("*.yaml")
        }
        found = {p.relative_to(bundled / name) for p in (bundled / name).rglob("*")}
        assert wanted <= found, f"{name}: the wheel lacks {sorted(map(str, wanted - found))[:5]}"
    assert (bundled / "modules" / "templates" / "es").is_dir() and (bundled / "nbgrader_config.py").is_file()
    (wheel,) = (base / "dist").glob("*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert not [n for n in names if {"__pycache__", ".ipynb_checkpoints", "gradebook.db"} & set(n.split("/"))]


def test_a_course_folder_made_by_the_wheel_grades_a_simulated_cohort(installed):
    venv, env, base = installed
    kit, python = venv / "bin" / "kit", venv / "bin" / "python"
    _run([kit, "course", "new", "C"], cwd=base, env=env)
    course = base / "C"
    assert (course / "kit-course.yaml").is_file() and (course / "nbgrader_config.py").is_file()
    _run([kit, "grade", "release", ASSIGNMENT], cwd=course, env=env)
    assert (course / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").is_file()
    _run([kit, "grade", "simulate", "-a", ASSIGNMENT, "-n", str(LEARNERS)], cwd=course, env=env)
    simulated = json.loads((course / "submitted" / ".simulated.json").read_text())[ASSIGNMENT]
    assert len(simulated) == LEARNERS
    # from a folder below the course's top, as nbgrader users expect
    graded = _run([kit, "grade", "autograde", ASSIGNMENT], cwd=course / "exercises", env=env, timeout=900)
    assert "died" not in graded, f"notebooks could not run in the grading sandbox:\n{graded}"
    _run([kit, "grade", "export"], cwd=course, env=env)
    with open(course / "exports" / "grades.csv", newline="") as f:
        rows = [row for row in csv.DictReader(f) if row["assignment"] == ASSIGNMENT]
    assert sorted(row["learner"] for row in rows) == sorted(simulated)
    assert any(float(row["auto_score"]) > 0 for row in rows)
    # the wheel carries the exercises' sources inside the kit package: graded notebooks never see them
    code = (
        "from kit.grading.autograde import hidden_paths; from kit.grading.course import open_course; "
        "import kit.paths as p; print(p.bundled_dir('exercises').resolve() in hidden_paths(open_course()))"
    )
    assert _run([python, "-c", code], cwd=course, env=env).strip() == "True"
    # the course folder is the only place the kit wrote to: the checkout's course is untouched
    assert not (REPO / "grader" / "submitted" / simulated[0]).exists()
