"""Releases never carry solutions or hidden tests."""

from __future__ import annotations

import pytest
from helpers import ASSIGNMENT, exercise_source

from kit.course.selfcheck import CHECKS_FILE
from kit.errors import AssignmentError
from kit.grading.release import MARKERS, find_leaks, hidden_test_lines, release_assignment


def test_no_solution_or_hidden_test_text_anywhere_under_the_release_tree(released):
    tree = released.root / "release"
    files = [p for p in tree.rglob("*") if p.is_file()]
    assert files
    for path in files:
        text = path.read_text(errors="replace")
        for marker in ("BEGIN SOLUTION", "BEGIN HIDDEN TESTS", *MARKERS):
            assert marker not in text, f"{path} contains {marker}"
        for line in hidden_test_lines(exercise_source()):
            assert line not in text
    assert "raise NotImplementedError()" in (tree / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").read_text()


def test_text_twins_beside_the_source_never_reach_the_release(course):
    folder = course.step_dir("source", ".", ASSIGNMENT)
    (folder / "01-intro-movement-data.py").write_text("# BEGIN SOLUTION\nn_contacts = len(contacts)\n")
    (folder / "notes.md").write_text("### BEGIN HIDDEN TESTS\n")
    release = release_assignment(course, ASSIGNMENT)
    # the self-check file is released on purpose, beside the notebook
    assert sorted(p.name for p in release.directory.iterdir()) == sorted([f"{ASSIGNMENT}.ipynb", CHECKS_FILE])


def test_the_leak_check_finds_a_planted_leak(released, tmp_path):
    folder = released.step_dir("release", ".", ASSIGNMENT)
    (folder / "answers.txt").write_text("### BEGIN SOLUTION\n")
    leaks = find_leaks(folder, [exercise_source()])
    assert leaks == ["answers.txt: contains 'BEGIN SOLUTION'"]


def test_the_handout_zip_holds_the_release(released):
    import zipfile

    with zipfile.ZipFile(released.root / "exports" / f"{ASSIGNMENT}-release.zip") as zf:
        assert sorted(zf.namelist()) == sorted([f"{ASSIGNMENT}/{ASSIGNMENT}.ipynb", f"{ASSIGNMENT}/{CHECKS_FILE}"])


def test_an_unknown_assignment_lists_the_known_ones(course):
    with pytest.raises(AssignmentError, match="unknown assignment 'nope'.*01-intro-movement-data"):
        release_assignment(course, "nope")
