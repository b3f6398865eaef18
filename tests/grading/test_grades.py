"""Grades out of the gradebook: the CSV a trainer opens."""

from __future__ import annotations

import csv

import pytest
from helpers import ASSIGNMENT

from kit.grading.grades import question_scores, question_summary, write_grades_csv

pytestmark = pytest.mark.grading


def test_grades_csv_has_a_row_per_learner_and_a_column_per_question(graded, tmp_path):
    path = write_grades_csv(question_scores(graded.course, [ASSIGNMENT]), tmp_path / "grades.csv")
    rows = list(csv.DictReader(path.open()))
    by_learner = {r["learner"]: r for r in rows}
    assert set(by_learner) >= {"solution", "untouched", "wrong0", "wrong1"}
    assert "brokenjson" not in by_learner  # never graded: reported by autograde instead
    header = list(rows[0])
    assert header[:3] == ["learner", "assignment", "count-contacts"]
    assert header[-5:] == ["auto_score", "auto_max", "manual_max", "late_penalty", "status"]
    assert by_learner["solution"]["auto_score"] == "12" and by_learner["solution"]["auto_max"] == "12"
    assert by_learner["solution"]["write-organizing-plan"] == ""  # waits for the trainer
    assert by_learner["solution"]["status"] == "needs manual grading"
    assert by_learner["untouched"]["auto_score"] == "0"


def test_grades_spanning_several_assignments_name_each_question_with_its_assignment(graded, tmp_path):
    from helpers import GRADED as ASSIGNMENTS

    if len(ASSIGNMENTS) < 2:
        pytest.skip("one assignment available")
    path = write_grades_csv(question_scores(graded.course, ASSIGNMENTS), tmp_path / "all.csv")
    rows = list(csv.DictReader(path.open()))
    header = list(rows[0])
    assert f"{ASSIGNMENT}/count-contacts" in header
    solution_m1 = next(r for r in rows if r["learner"] == "solution" and r["assignment"] == ASSIGNMENT)
    assert solution_m1[f"{ASSIGNMENT}/count-contacts"] == "1"
    other = [h for h in header if "/" in h and not h.startswith(ASSIGNMENT)]
    assert other and all(solution_m1[h] == "" for h in other)


def test_question_summary_shows_what_the_cohort_struggled_with(graded):
    summary = question_summary(question_scores(graded.course, [ASSIGNMENT])).set_index("question")
    assert summary.loc["count-contacts", "max_score"] == 1
    assert 0 < summary.loc["count-contacts", "full_marks"] < 1
    assert "write-organizing-plan" not in summary.index


def test_canvas_csv_has_canvas_identity_columns_points_possible_and_a_column_per_assignment(graded, tmp_path):
    from helpers import GRADED as ASSIGNMENTS

    from kit.grading.canvas import write_canvas_csv

    done = write_canvas_csv(graded.course, ASSIGNMENTS, tmp_path / "canvas.csv")
    rows = list(csv.reader((tmp_path / "canvas.csv").open(encoding="utf-8")))
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", *ASSIGNMENTS]
    assert rows[1][0] == "Points Possible" and all(float(x) > 0 for x in rows[1][5:])
    by_login = {r[3]: r for r in rows[2:]}
    assert set(by_login) >= {"solution", "untouched", "wrong0", "wrong1"} and done.unmatched == []
    # the solution's reflection waits for a trainer: its score is the autograded points
    assert by_login["solution"][5] == "12" and by_login["untouched"][5] == "0"


def test_canvas_csv_takes_ids_names_and_sections_from_a_canvas_roster(graded, tmp_path):
    from kit.errors import GradingError
    from kit.grading.canvas import write_canvas_csv

    roster = tmp_path / "roster.csv"
    roster.write_text(
        "Student,ID,SIS User ID,SIS Login ID,Section,Quiz 1 (5)\n"
        "    Points Possible,,,,,5\n"
        '"Rivera, Ana",4711,S-1,solution,Tenants,5\n'
        '"Lee, Sam",4712,S-2,,Councils,4\n',
        encoding="utf-8",
    )
    done = write_canvas_csv(graded.course, [ASSIGNMENT], tmp_path / "canvas.csv", roster)
    rows = {r[3] or r[2]: r for r in csv.reader((tmp_path / "canvas.csv").open(encoding="utf-8"))}
    assert rows["solution"][:5] == ["Rivera, Ana", "4711", "S-1", "solution", "Tenants"]
    assert "untouched" in done.unmatched and "solution" not in done.unmatched
    bad = tmp_path / "bad.csv"
    bad.write_text("name,score\nx,1\n", encoding="utf-8")
    with pytest.raises(GradingError, match="not a Canvas gradebook export"):
        write_canvas_csv(graded.course, [ASSIGNMENT], tmp_path / "c2.csv", bad)
