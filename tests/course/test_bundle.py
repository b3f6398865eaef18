"""Learner bundles hold what one audience's learners use, and nothing a trainer keeps back;
``make lab``'s workspace config turns nbgrader's trainer tools off in a real Jupyter server."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from pathlib import Path

import nbformat
import pytest
import yaml
from helpers import REPO

from kit.course.bundle import build_bundle, build_lab_workspace, build_workspace
from kit.errors import AssignmentError, SpecError
from kit.grading.course import open_course
from kit.grading.release import release_assignment

PLAN = REPO / "plans" / "riverton.yaml"
AUDIENCES = [a["id"] for a in yaml.safe_load(PLAN.read_text(encoding="utf-8"))["audiences"]]
MARKERS = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS")
STUBS = ("YOUR CODE HERE", "YOUR ANSWER HERE", "ESCRIBE TU CÓDIGO AQUÍ", "ESCRIBE TU RESPUESTA AQUÍ")
BLOCK = re.compile(r"### BEGIN (SOLUTION|HIDDEN TESTS)\n(.*?)### END \1", re.S)
LOADS = re.compile(r"""load_dataset\(\s*["']([A-Za-z0-9_]+)["']""")


def secret_lines() -> set[str]:
    """Every substantial line of a solution or hidden-test block of any exercise source."""
    lines = set()
    for source in (REPO / "exercises").glob("0*/*.ipynb"):
        for cell in nbformat.read(source, as_version=4).cells:
            for _, block in BLOCK.findall(cell.source):
                lines.update(line.strip() for line in block.splitlines() if len(line.strip()) > 12)
    return lines


@pytest.fixture(scope="module")
def scratch_course(tmp_path_factory) -> Path:
    """A course that released nothing: the kit's config, the checkout's exercises, modules, datasets."""
    course = tmp_path_factory.mktemp("course")
    shutil.copy2(REPO / "grader" / "nbgrader_config.py", course)
    marker = {"course_id": "bundle-test", "city": "riverton", "languages": ["en", "es"]}
    marker |= {key: str(REPO / key) for key in ("exercises", "modules", "datasets")}
    (course / "kit-course.yaml").write_text(yaml.safe_dump(marker), encoding="utf-8")
    return course


@pytest.fixture(scope="module")
def bundles(scratch_course, tmp_path_factory) -> dict[str, zipfile.ZipFile]:
    out = tmp_path_factory.mktemp("bundles")
    return {a: zipfile.ZipFile(build_bundle(a, out / f"{a}.zip", course=scratch_course, plan=PLAN)) for a in AUDIENCES}


def test_releasing_for_a_bundle_leaves_the_course_untouched(bundles, scratch_course):
    assert sorted(p.name for p in scratch_course.iterdir()) == ["kit-course.yaml", "nbgrader_config.py"]


@pytest.mark.parametrize("audience", AUDIENCES)
def test_a_bundle_holds_no_solution_hidden_test_source_or_gradebook(bundles, audience):
    zf, secrets = bundles[audience], secret_lines()
    names = zf.namelist()
    assert names and all(n.startswith(f"{audience}/") for n in names)
    for name in names:
        parts = name.split("/")
        assert "exercises" not in parts and ".git" not in parts and "gradebook.db" not in parts, name
        assert not name.endswith((".py", ".db")), name
        text = zf.read(name).decode("utf-8", errors="replace")
        assert not [m for m in MARKERS if m in text], name
        if "/modules/" in name:
            continue  # teaching notebooks: their try-it solutions are the learner's to reveal
        assert not [line for line in secrets if line in text], f"{name} holds a solution or hidden-test line"


@pytest.mark.parametrize("audience", AUDIENCES)
def test_released_answer_cells_hold_only_the_stub(bundles, audience):
    zf = bundles[audience]
    exercises = [n for n in zf.namelist() if n.endswith(".ipynb") and "/modules/" not in n]
    assert exercises, "the bundle has no released exercise"
    for name in exercises:
        nb = nbformat.reads(zf.read(name).decode("utf-8"), as_version=4)
        answers = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution")]
        assert answers, name
        for cell in answers:
            assert any(stub in cell.source for stub in STUBS), f"{name}: {cell.source[:200]!r}"


@pytest.mark.parametrize("audience", AUDIENCES)
def test_a_bundle_has_the_audiences_modules_exercises_and_data(bundles, audience):
    zf = bundles[audience]
    names = set(zf.namelist())
    language = next(a for a in yaml.safe_load(PLAN.read_text())["audiences"] if a["id"] == audience)["language"]
    modules = sorted(n for n in names if n.startswith(f"{audience}/modules/"))
    assert modules
    catalog = yaml.safe_load(zf.read(f"{audience}/datasets/catalog.yaml"))
    files = {card["name"]: card["file"] for card in catalog["datasets"]}
    assert set(yaml.safe_load(zf.read(f"{audience}/datasets/catalog.es.yaml"))["datasets"]) == set(files)
    for name in sorted(n for n in names if n.endswith(".ipynb")):
        nb = nbformat.reads(zf.read(name).decode("utf-8"), as_version=4)
        nbformat.validate(nb)
        for dataset in LOADS.findall("\n".join(c.source for c in nb.cells)):
            assert f"{audience}/datasets/{files[dataset]}" in names, f"{name} loads {dataset}"
    for name in modules:
        nb = nbformat.reads(zf.read(name).decode("utf-8"), as_version=4)
        last = nb.cells[-1].source
        folder = re.search(r"`(0\d-[a-z-]+)`", last).group(1)
        assert "exercises/" not in last and folder.endswith("-es") == (language == "es"), last
        assert any(n.startswith(f"{audience}/{folder}/") for n in names), f"{name} points to {folder}"
    readme = zf.read(f"{audience}/README.md").decode("utf-8")
    assert "Assignment List" in readme  # the audience's language first, then English
    assert ("lista de tareas" in readme) == (language == "es")
    assert readme.index("Para entregar") < readme.index("Hand in") if language == "es" else True


def test_an_unzipped_bundle_reads_its_own_datasets_and_checks(bundles, tmp_path):
    """Outside every course (no KIT_HOME, no KIT_COURSE), a notebook in the unzipped bundle loads the
    bundle's datasets (``kit-learner.yaml`` says so), not the kit's; each exercise has its checks.yaml."""
    audience = AUDIENCES[0]
    bundles[audience].extractall(tmp_path)
    root = tmp_path / audience
    assert (root / "kit-learner.yaml").is_file()
    exercises = [p.parent for p in root.glob("0*/*.ipynb")]
    assert exercises and all((folder / "checks.yaml").is_file() for folder in exercises), exercises
    contacts = root / "datasets" / "contacts.csv"
    lines = contacts.read_text(encoding="utf-8").splitlines(keepends=True)
    contacts.write_text("".join(lines[:11]), encoding="utf-8")  # the learner's copy: 10 contacts
    env = {k: v for k, v in os.environ.items() if k not in ("KIT_HOME", "KIT_COURSE")}
    code = "import kit; print(len(kit.load_dataset('contacts')))"
    run = subprocess.run([sys.executable, "-c", code], cwd=root / "modules", env=env, capture_output=True, text=True)
    assert run.returncode == 0 and run.stdout.strip() == "10", run.stderr


def test_an_unknown_audience_is_a_spec_error(tmp_path, scratch_course):
    with pytest.raises(SpecError, match="tenant-orgs"):
        build_workspace("nobody", tmp_path / "w", course=scratch_course, plan=PLAN)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        return error.code, ""
    except urllib.error.URLError:
        return 0, ""  # not listening yet


@pytest.fixture(scope="module")
def learner_lab(scratch_course, tmp_path_factory):
    """A real JupyterLab server on the learner workspace, with the workspace's Jupyter config."""
    folder = tmp_path_factory.mktemp("lab") / "learner"
    config = build_lab_workspace(folder, course=scratch_course, plan=PLAN)
    port, token = free_port(), "bundle-test-token"
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(config), "JUPYTER_RUNTIME_DIR": str(folder.parent / "rt")}
    command = [sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}", "--ServerApp.port_retries=0"]
    command += [f"--IdentityProvider.token={token}", "--ServerApp.ip=127.0.0.1"]
    command += ["--allow-root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []
    server = subprocess.Popen(command, cwd=folder, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while get(f"{base}/api/status?token={token}")[0] != 200:
            assert server.poll() is None, server.stderr.read().decode()[-2000:]
            assert time.monotonic() < deadline, "jupyter lab did not start"
            time.sleep(0.5)
        yield base, token, folder
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_the_learner_lab_has_the_assignment_list_and_no_formgrader(learner_lab):
    base, token, folder = learner_lab
    status, html = get(f"{base}/lab?token={token}")
    assert status == 200
    page = json.loads(
        re.search(r'<script id="jupyter-config-data" type="application/json">(.*?)</script>', html, re.S)[1]
    )
    disabled = set(page["disabledExtensions"])
    for plugin in ("formgrader", "create-assignment", "course-list"):
        assert f"@jupyter/nbgrader:{plugin}" in disabled
    assert not {"@jupyter/nbgrader:assignment-list", "@jupyter/nbgrader:validate-assignment"} & disabled
    assert any(ext["name"] == "@jupyter/nbgrader" for ext in page["federated_extensions"])
    assert get(f"{base}/formgrader?token={token}")[0] == 404  # the formgrader server extension is off
    status, body = get(f"{base}/nbgrader_version?version=0&token={token}")  # the assignment list's handler
    assert status == 200 and body
    status, body = get(f"{base}/assignments?course_id=bundle-test&token={token}")
    assert status == 200, body
    listing = {a["assignment_id"]: a["status"] for a in json.loads(body)["value"]}
    assert listing == {"01-intro-movement-data-es": "fetched", "03-issue-campaigns-es": "fetched"}, listing
    form = urllib.parse.urlencode({"assignment_id": "01-intro-movement-data-es", "course_id": "bundle-test"})
    request = urllib.request.Request(
        f"{base}/assignments/submit", data=form.encode(), headers={"Authorization": f"token {token}"}, method="POST"
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        assert json.loads(response.read())["success"], "Submit from the Assignment List failed"
    inbound = folder / ".exchange" / "bundle-test" / "inbound"
    assert [p.name.split("+")[1] for p in inbound.iterdir()] == ["01-intro-movement-data-es"]
    assert (folder / ".nbgrader_cache" / "bundle-test").is_dir()  # nbgrader's record stays in the workspace
    assert (folder / "modules").is_dir() and not (folder / "gradebook.db").exists()
    assert (folder / ".jupyter" / "labconfig" / "page_config.json").is_file()  # the workspace's own config


@pytest.fixture()
def released_course(tmp_path) -> Path:
    """A course that released exercise 1 in Spanish itself (its own gradebook, its release/)."""
    course = tmp_path / "released"
    course.mkdir()
    shutil.copy2(REPO / "grader" / "nbgrader_config.py", course)
    marker = {"course_id": "bundle-released", "city": "riverton", "languages": ["en", "es"]}
    marker |= {key: str(REPO / key) for key in ("exercises", "modules", "datasets")}
    (course / "kit-course.yaml").write_text(yaml.safe_dump(marker), encoding="utf-8")
    release_assignment(open_course(course), "01-intro-movement-data-es", archive=False)
    return course


def test_a_bundle_takes_the_trainers_release_when_there_is_one(released_course, tmp_path):
    released = released_course / "release" / "01-intro-movement-data-es" / "01-intro-movement-data-es.ipynb"
    nb = nbformat.read(released, as_version=4)
    nb.cells[0].source += "\n\n(Released by the trainer for this cohort.)"
    nbformat.write(nb, released)
    build_workspace("tenant-orgs", tmp_path / "w", course=released_course, plan=PLAN)
    assert "Released by the trainer" in (tmp_path / "w" / released.parent.name / released.name).read_text()


def test_a_release_that_holds_a_hidden_test_is_refused(released_course, tmp_path):
    released = released_course / "release" / "01-intro-movement-data-es" / "01-intro-movement-data-es.ipynb"
    nb = nbformat.read(released, as_version=4)
    nb.cells[-1].source += "\n### BEGIN HIDDEN TESTS\nassert True\n### END HIDDEN TESTS"
    nbformat.write(nb, released)
    with pytest.raises(AssignmentError, match="holds solutions"):
        build_workspace("tenant-orgs", tmp_path / "w", course=released_course, plan=PLAN)
