"""The trainer's workflows (kit.grading.workflow), called directly, without the CLI."""

from __future__ import annotations

import pytest
from helpers import ASSIGNMENT

from kit.errors import SubmissionError
from kit.grading import workflow


def test_naming_a_learner_without_a_submission_grades_nobody(released):
    with pytest.raises(SubmissionError, match="no submission of 01-intro-movement-data from 'nobody'"):
        workflow.autograde_submissions(ASSIGNMENT, ["nobody"], course=released)
    assert not (released.root / "autograded").exists()


def test_collect_gives_a_result_per_learner_and_keeps_the_good_ones(released, tmp_path):
    good = tmp_path / "in" / "ana"
    good.mkdir(parents=True)
    (good / f"{ASSIGNMENT}.ipynb").write_text(
        (released.step_dir("release", ".", ASSIGNMENT) / f"{ASSIGNMENT}.ipynb").read_text()
    )
    (tmp_path / "in" / "nobook").mkdir()
    results = {r.learner: r for r in workflow.collect_submissions(ASSIGNMENT, tmp_path / "in", course=released)}
    assert results["ana"].problem is None and results["nobook"].problem
    assert released.submitted_learners(ASSIGNMENT) == ["ana"]


@pytest.mark.grading
def test_grades_go_to_the_courses_exports_folder_wherever_the_command_runs(graded, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    done = workflow.export_grades(course=graded.course)
    assert done.grades == graded.course.root / "exports" / "grades.csv" and done.grades.is_file()
    assert done.by_question.is_file() and done.canvas is None
    assert not list(tmp_path.iterdir())
    summary = workflow.gradebook_scores(course=graded.course)
    assert summary.equals(done.scores)
