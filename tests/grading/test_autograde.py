"""Autograding of exercise 1 through nbgrader's pipeline: unreadable and renamed notebooks, deleted test
cells, the journal's fingerprints."""

from __future__ import annotations

import nbformat
import pytest
from helpers import ASSIGNMENT, submit

from kit.grading.grades import question_scores

pytestmark = pytest.mark.grading


def scores_of(graded, learner, assignment=ASSIGNMENT):
    scores = question_scores(graded.course, [assignment])
    return scores[scores["learner"] == learner].set_index("question")


# Full marks for the solution, zero for the release and for every wrong answer only hidden tests
# catch, in every exercise and both languages, under both engines: tests/grading/test_exercises_assess.py.


def test_a_broken_notebook_gets_a_clear_result_and_the_others_are_graded(graded):
    results = graded.results[ASSIGNMENT]
    broken = results["brokenjson"]
    assert not broken.graded
    assert "not a readable notebook" in broken.problem
    renamed = results["renamed"]
    assert not renamed.graded
    assert "01-intro-movement-data.ipynb is missing" in renamed.problem and "renamed" in renamed.problem
    assert results["solution"].score == 12
    assert sorted(scores_of(graded, "solution").index) == sorted(scores_of(graded, "untouched").index)


def test_after_a_run_the_gradebook_is_one_file_again(graded):
    """A run commits through SQLite's write-ahead log (no wait for the disk per commit); when it ends the log
    is written into the gradebook, which is left in nbgrader's own rollback-journal mode, one file."""
    import sqlite3

    db = graded.course.root / "gradebook.db"
    with sqlite3.connect(db) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    assert not db.with_name("gradebook.db-wal").exists()
    assert not db.with_name("gradebook.db-shm").exists()


def test_deleted_test_cells_are_restored_before_grading(graded):
    """A learner who deletes a test cell does not escape it: the kit puts it back and runs it
    (plain nbgrader would leave that grade empty); ``restore_tests=False`` does as nbgrader does."""
    from kit.grading.autograde import autograde

    course = graded.course
    release = next(course.step_dir("release", ".", ASSIGNMENT).glob("*.ipynb"))
    nb = nbformat.read(release, as_version=4)
    nb.cells = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") != "test-count-contacts"]
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "count-contacts":
            cell.source = "n_contacts = 3"
    submit(course, "deleter", {release.name: nbformat.writes(nb)})
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "count-contacts":
            cell.source = 'n_contacts = int(contacts["date_joined"].between("2025-04-01", "2025-06-30").sum())'
    submit(course, "deleter-right", {release.name: nbformat.writes(nb)})
    submit(course, "deleter-unrestored", {release.name: nbformat.writes(nb)})
    results = {r.learner: r for r in autograde(course, ASSIGNMENT, ["deleter", "deleter-right"])}
    [unrestored] = autograde(course, ASSIGNMENT, ["deleter-unrestored"], restore_tests=False)
    assert all(r.graded for r in [*results.values(), unrestored])
    assert results["deleter"].message == "restored 1 deleted test cell (test-count-contacts)"
    wrong, right, off = (
        scores_of(graded, learner).loc["count-contacts"]
        for learner in ("deleter", "deleter-right", "deleter-unrestored")
    )
    assert (wrong["score"], wrong["max_score"], wrong["needs_manual_grade"]) == (0, 1, False)
    assert (right["score"], right["needs_manual_grade"]) == (1, False)
    assert (off["score"], off["needs_manual_grade"]) == (0, True)  # nbgrader's own behaviour
    assert unrestored.message is None


def test_the_journal_fingerprint_follows_every_file_of_a_submission(tmp_path):
    from kit.grading.journal import Journal, fingerprint

    sub = tmp_path / "sub"
    sub.mkdir()
    (sub / "a.ipynb").write_text("{}")
    (sub / "timestamp.txt").write_text("2026-03-02 17:00:00 UTC")
    source = tmp_path / "a.ipynb"
    source.write_text("source")
    first = fingerprint(sub, [source])
    assert fingerprint(sub, [source]) == first
    (sub / "timestamp.txt").write_text("2026-03-02 18:00:00 UTC")
    assert fingerprint(sub, [source]) != first
    assert fingerprint(sub, [source], "restore_tests=False") != fingerprint(sub, [source])

    journal = Journal(tmp_path / "j" / "a.json")
    journal.start("ana", "fp1")
    assert not journal.is_done("ana", "fp1")  # started, not done: graded again
    journal.finish("ana", "fp1", graded=True, score=3.0, max_score=12.0)
    again = Journal(tmp_path / "j" / "a.json")
    assert again.is_done("ana", "fp1") and not again.is_done("ana", "fp2")
    assert [p.name for p in (tmp_path / "j").iterdir()] == ["a.json"]  # no temporary file left
    (tmp_path / "j" / "a.json").write_text('{"learners": {"ana": ')  # a torn file (never written so)
    assert Journal(tmp_path / "j" / "a.json").get("ana") is None


def test_the_journal_fingerprint_never_reads_through_a_link(tmp_path):
    import os

    from kit.grading.journal import fingerprint

    sub = tmp_path / "sub"
    (sub / "data").mkdir(parents=True)
    (sub / "a.ipynb").write_text("{}")
    secret = tmp_path / "gradebook.db"
    secret.write_text("solutions")
    (sub / "data" / "peek.csv").symlink_to(secret)
    os.mkfifo(sub / "data" / "pipe")
    first = fingerprint(sub, [])
    secret.write_text("other solutions")  # what the link points to is not the submission's
    assert fingerprint(sub, []) == first
    (sub / "data" / "peek.csv").unlink()
    (sub / "data" / "peek.csv").symlink_to(tmp_path / "elsewhere")
    assert fingerprint(sub, []) != first  # the link itself is


def test_unreadable_submissions_are_reported_not_raised(released):
    from kit.grading.autograde import check_submission

    name = f"{ASSIGNMENT}.ipynb"
    submit(released, "binary", {})
    (released.step_dir("submitted", "binary", ASSIGNMENT) / name).write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe" * 50)
    assert "not a readable notebook" in check_submission(released, ASSIGNMENT, "binary")
    submit(released, "linked", {name: "{}"})
    (released.step_dir("submitted", "linked", ASSIGNMENT) / "data.csv").symlink_to(released.root / "gradebook.db")
    assert "symbolic link (data.csv)" in check_submission(released, ASSIGNMENT, "linked")
