"""Shared fixtures: a throwaway copy of the course, so tests never touch grader/."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from helpers import ASSIGNMENT, REPO, dump_answers_cell, make_project, with_revealed_solutions


@pytest.fixture
def project(tmp_path, monkeypatch) -> Path:
    """A throwaway project; ``KIT_HOME`` points at it, so the kit (and the
    grading kernels, which inherit the environment) use it, not the checkout."""
    root = make_project(tmp_path)
    monkeypatch.setenv("KIT_HOME", str(root))
    return root


@pytest.fixture
def course(project):
    from kit.grading.course import open_course

    return open_course(project / "grader")


@pytest.fixture(scope="session")
def released_template(tmp_path_factory) -> Path:
    """A project with module 1 released, made once (nbgrader's gradebook set-up is slow)."""
    from kit.grading.course import open_course
    from kit.grading.release import release_assignment

    with pytest.MonkeyPatch.context() as mp:
        root = make_project(tmp_path_factory.mktemp("template"))
        mp.setenv("KIT_HOME", str(root))
        release_assignment(open_course(root / "grader"), ASSIGNMENT)
    return root


@pytest.fixture
def released(released_template, tmp_path, monkeypatch):
    """A fresh copy of the course with module 1 released."""
    from kit.grading.course import open_course

    root = tmp_path / "project"
    shutil.copytree(released_template, root, symlinks=True)
    monkeypatch.setenv("KIT_HOME", str(root))
    return open_course(root / "grader")


@pytest.fixture(scope="session")
def executed(tmp_path_factory):
    """``executed(path)``: the notebook run top to bottom once per test session, from an empty folder
    (with its ``checks.yaml`` beside it, as released), shared by the tests that read its outputs. An
    exercise's run ends with a cell that writes its solution's answers to ``answers.json`` in that
    folder (``helpers.solution_values`` reads them), after every cell of its own. A translated module
    (``modules/<lang>/``) runs with its blank try-its filled with the solutions it reveals (the English
    runs as committed; the code of the two is the same, token for token), so one run proves both the
    notebook and its solutions."""
    import nbformat
    from nbclient import NotebookClient

    done: dict[Path, nbformat.NotebookNode] = {}

    def run(path: Path) -> nbformat.NotebookNode:
        if path not in done:
            folder = tmp_path_factory.mktemp("run")
            if (path.parent / "checks.yaml").is_file():
                shutil.copy(path.parent / "checks.yaml", folder)
            nb = nbformat.read(path, as_version=4)
            if path.is_relative_to(REPO / "exercises"):
                nb.cells.append(nbformat.v4.new_code_cell(dump_answers_cell(nb)))
            if path.parent.parent == REPO / "modules":  # a translation: modules/<lang>/
                with_revealed_solutions(nb, path.parent.name)
            nb.metadata["kit_test_run_folder"] = str(folder)
            # from an empty folder: a relative data path would fail here
            NotebookClient(
                nb, timeout=180, kernel_name="python3", resources={"metadata": {"path": str(folder)}}
            ).execute()
            done[path] = nb
        return done[path]

    return run
