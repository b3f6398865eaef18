"""A notebook's files are an allowlist: of the project and of the kit's checkout it sees only what it needs.

The project (``KIT_HOME``) lies outside the scratch folders the sandbox always
covers (``/tmp``), holds a git history with the exercises (solutions, hidden
tests), the course's exports, a roster and a zip, as a trainer's checkout
does. One notebook tries each way in; each test checks one attack, and that
``import kit`` and the datasets still work.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import zipfile
from pathlib import Path

import pytest
from helpers import ASSIGNMENT, REPO, make_project
from nbformat.v4 import new_code_cell, new_notebook

from kit.grading.sandbox import Limits, Sandbox

pytestmark = pytest.mark.grading

EXERCISE = f"exercises/{ASSIGNMENT}/{ASSIGNMENT}.ipynb"
PRIVATE_NOTE = "private-notes.csv"  # hidden, though inside the (bound) datasets folder
LEAKS = """import os
def leaked(paths):
    found = []
    for path in paths:
        try:
            if os.path.isdir(path):
                if os.listdir(path):
                    found.append(path)
            elif open(path, "rb").read(100):
                found.append(path)
        except OSError:
            pass
    return found"""


def _git(root: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=Trainer", "-c", "user.email=trainer@example.org", *args],
        cwd=root,
        check=True,
        capture_output=True,
    )


@pytest.fixture(scope="module")
def project():
    """A trainer's project outside /tmp: exercises committed to git, exports, a roster, a zip."""
    if not os.access("/var/tmp", os.W_OK):
        pytest.skip("needs a writable /var/tmp (a project outside the sandbox's scratch folders)")
    base = Path(tempfile.mkdtemp(prefix="kit-allowlist-", dir="/var/tmp"))
    base.chmod(0o755)  # as a trainer's folders are: readable, but for what the sandbox leaves out
    try:
        root = make_project(base)
        (root / "datasets").unlink()
        shutil.copytree(REPO / "datasets", root / "datasets")
        (root / "datasets" / PRIVATE_NOTE).write_text("learner,grade\nana,42\n")
        _git(root, "init", "-q")
        _git(root, "add", "exercises")
        _git(root, "commit", "-q", "-m", "exercises")
        (root / "grader" / "exports").mkdir()
        (root / "grader" / "exports" / "grades.csv").write_text("learner,score\nana,12\n")
        (root / "canvas.csv").write_text("Student,ID\nAna,1\n")
        with zipfile.ZipFile(root / "backup.zip", "w") as archive:
            archive.write(root / EXERCISE, EXERCISE)
        yield root
    finally:
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="module")
def run(project, tmp_path_factory):
    """One notebook, one attack per cell (cell 0 defines ``leaked``)."""
    files = tmp_path_factory.mktemp("submission")
    (files / "link-to-git").symlink_to(REPO / ".git")
    hide = [project / "grader", project / "exercises", REPO / "grader", REPO / "exercises"]
    hide.append(project / "datasets" / PRIVATE_NOTE)
    env = {"PATH": os.environ.get("PATH", os.defpath), "KIT_HOME": str(project)}
    git_show = (
        f"import subprocess\nfor root in {[str(project), str(REPO)]!r}:\n"
        f"    done = subprocess.run(['git', '--git-dir', root + '/.git', 'show', 'HEAD:{EXERCISE}'], "
        "capture_output=True)\n    print(done.returncode, len(done.stdout))"
    )
    git_files = [f"{root}/.git{tail}" for root in (project, REPO) for tail in ("", "/HEAD", "/config", "/index")]
    exports = [project / "grader" / "exports" / "grades.csv", project / "canvas.csv", project / "backup.zip"]
    cells = [
        LEAKS,
        git_show,
        f"print(leaked({git_files!r} + ['link-to-git', 'link-to-git/HEAD']))",
        f"print(leaked({[str(p) for p in exports]!r}))",
        f"print(sorted(os.listdir({str(project)!r})))",
        f"print(sorted(os.listdir({str(REPO)!r})))",
        f"print(leaked({[str(REPO / name) for name in ('README.md', 'pyproject.toml', 'tests', 'out', '.git')]!r}))",
        "import kit, kit.plan.pacing\nprint(kit.load_dataset('contacts').shape)",
        "import subprocess, sys\n"
        "print(subprocess.run([sys.executable, '-c', 'import kit.paths; print(kit.paths.checkout_root())'],"
        " capture_output=True, text=True).stdout)",
        f"print(leaked([kit.paths.datasets_dir() / {PRIVATE_NOTE!r}]), (kit.paths.datasets_dir() / 'catalog.yaml')"
        ".is_file())",
    ]
    limits = Limits(cell_seconds=30, notebook_seconds=120, memory_mb=2048)
    with Sandbox(workers=1, limits=limits, hide=hide, env=env) as sandbox:
        assert sandbox.protections.missing() == []
        execution = sandbox.execute(new_notebook(cells=[new_code_cell(c) for c in cells]), files)
    assert execution.status == "ok", execution.message
    return execution


def text(execution, index: int) -> str:
    outputs = execution.notebook.cells[index].outputs
    assert all(o.output_type == "stream" for o in outputs), outputs
    return "".join(o.text for o in outputs)


def test_git_cannot_show_a_solution_from_the_projects_or_the_checkouts_history(run):
    assert text(run, 1).split("\n")[:2] == ["128 0", "128 0"]  # "not a git repository", nothing printed


def test_the_git_folders_cannot_be_read_directly_nor_through_a_link(run):
    assert text(run, 2) == "[]\n"


def test_exports_rosters_and_zips_in_the_project_cannot_be_read(run):
    assert text(run, 3) == "[]\n"


def test_the_project_lists_only_what_notebooks_need(run):
    assert text(run, 4) == "['datasets', 'modules']\n"  # the mount points of what is bound


def test_the_checkout_lists_only_the_kit_its_data_and_the_environment(run):
    listed = eval(text(run, 5))
    assert set(listed) <= {"kit", "datasets", "modules", ".venv"} and "kit" in listed


def test_the_checkouts_own_files_cannot_be_read(run):
    assert text(run, 6) == "[]\n"


def test_the_kit_and_its_datasets_still_work(run):
    assert text(run, 7) == "(640, 11)\n"


def test_a_fresh_interpreter_imports_the_kit_from_its_checkout(run):
    assert text(run, 8).strip() == str(REPO)


def test_a_hidden_file_under_a_bound_folder_stays_hidden(run):
    assert text(run, 9) == "[] True\n"
