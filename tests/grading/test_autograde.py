"""Real nbgrader autograding of module 1: full marks, zero, and what hidden tests catch."""

from __future__ import annotations

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from helpers import ALL_ASSIGNMENTS, ASSIGNMENT, fill_answers, submit
from kit.grading.scores import question_scores

pytestmark = pytest.mark.grading


def scores_of(graded, learner, assignment=ASSIGNMENT):
    scores = question_scores(graded.course, [assignment])
    return scores[scores["learner"] == learner].set_index("question")


@pytest.mark.parametrize("assignment", ALL_ASSIGNMENTS)
def test_the_solution_submitted_as_a_learner_scores_full_marks(graded, assignment):
    result = graded.results[assignment]["solution"]
    assert result.graded
    rows = scores_of(graded, "solution", assignment)
    auto = rows[rows["kind"] == "auto"]
    assert len(auto) >= 6
    assert (auto["score"] == auto["max_score"]).all()
    manual = rows[rows["kind"] == "manual"]
    assert len(manual) == 1 and manual["needs_manual_grade"].all()  # the reflection waits for a trainer


@pytest.mark.parametrize("assignment", ALL_ASSIGNMENTS)
def test_the_untouched_release_scores_zero(graded, assignment):
    assert graded.results[assignment]["untouched"].graded
    assert graded.results[assignment]["untouched"].score == 0


@pytest.mark.parametrize("learner", ["wrong0", "wrong1"])
@pytest.mark.parametrize("assignment", ALL_ASSIGNMENTS)
def test_hidden_tests_catch_wrong_answers_that_the_visible_tests_let_through(graded, assignment, learner):
    # 1. autograded with hidden tests: every question scores zero
    rows = scores_of(graded, learner, assignment)
    auto = rows[rows["kind"] == "auto"]
    assert (auto["score"] == 0).all(), auto[auto["score"] > 0]
    # 2. the learner's own notebook (visible tests only) runs with no failing check
    release = graded.course.step_dir("release", ".", assignment)
    nb = fill_answers(nbformat.read(next(release.glob("*.ipynb")), as_version=4),
                      graded.wrong_sets[assignment, learner])
    try:
        NotebookClient(nb, timeout=120, kernel_name="python3").execute()
    except CellExecutionError as exc:  # pragma: no cover - the message is the point
        pytest.fail(f"a visible test rejected a 'passes_visible' answer:\n{exc}")


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


def test_deleted_test_cells_are_restored_before_grading(graded, tmp_path):
    """A learner who deletes a test cell does not escape it (nbgrader restores it from the gradebook)."""
    from kit.grading.autograde import autograde

    course = graded.course
    release = next(course.step_dir("release", ".", ASSIGNMENT).glob("*.ipynb"))
    nb = nbformat.read(release, as_version=4)
    nb.cells = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") != "test-count-contacts"]
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "count-contacts":
            cell.source = "n_contacts = 3"
    submit(course, "deleter", {release.name: nbformat.writes(nb)})
    [result] = autograde(course, ASSIGNMENT, ["deleter"])
    assert result.graded
    rows = scores_of(graded, "deleter")
    assert rows.loc["count-contacts", "score"] == 0
    assert rows.loc["count-contacts", "max_score"] == 1
