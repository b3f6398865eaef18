"""The `kit` command line: groups, version, one-line errors and exit codes."""

from __future__ import annotations

import csv

import pytest
from helpers import ASSIGNMENT, ASSIGNMENTS
from typer.testing import CliRunner

from kit import __version__
from kit.cli import app
from kit.data.catalog import load_catalog

runner = CliRunner()


def run(*args):
    return runner.invoke(app, list(args))


def test_help_lists_every_command_group():
    result = run("--help")
    assert result.exit_code == 0
    text = " ".join(result.output.replace("│", " ").split())  # undo rich's wrapping
    for group in ("plan", "feedback", "grade", "data", "course", "demo"):
        assert f" {group} " in text
    assert "not built yet" not in text


def test_version():
    result = run("--version")
    assert result.exit_code == 0 and result.output.strip() == f"kit {__version__}"


def test_unknown_dataset_is_one_line_and_exit_1():
    result = run("data", "show", "contact")
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: unknown dataset 'contact'")


def test_data_list_and_verify():
    assert "service_requests" in run("data", "list").output
    result = run("data", "verify")
    count = len(load_catalog().datasets)
    assert result.exit_code == 0 and f"all {count} datasets match the catalog" in result.output


def test_usage_errors_exit_2():
    assert run("grade", "simulate", "--learners", "3").exit_code == 2  # --assignment missing


def test_grade_release_unknown_assignment(project):
    result = run("grade", "release", "nope")
    assert result.exit_code == 1 and "unknown assignment 'nope'" in result.output


def test_autograde_an_unknown_learner_is_refused(released):
    result = run("grade", "autograde", ASSIGNMENT, "--learner", "nobody")
    assert result.exit_code == 1 and "no submission of 01-intro-movement-data from 'nobody'" in result.output


def test_collect_reports_bad_learners_and_exits_non_zero(released, tmp_path):
    good = tmp_path / "in" / "ana"
    good.mkdir(parents=True)
    (good / f"{ASSIGNMENT}.ipynb").write_text(
        (released.step_dir("release", ".", ASSIGNMENT) / f"{ASSIGNMENT}.ipynb").read_text()
    )
    (tmp_path / "in" / "nobook").mkdir()
    (tmp_path / "in" / "nobook" / "x.txt").write_text("")
    result = run("grade", "collect", ASSIGNMENT, str(tmp_path / "in"))
    assert result.exit_code == 1
    assert "collected 1 of 2 learner(s)" in result.output
    assert released.submitted_learners(ASSIGNMENT) == ["ana"]


@pytest.mark.grading
def test_the_main_job_grades_a_cohort_and_writes_grades(project):
    result = run("demo", "--learners", "6", "--seed", "3")
    assert result.exit_code == 0, result.output
    plan = project / "out" / "plan"
    for name in ("plan.en.md", "plan.es.html", "schedule.ics", "workplan.csv", "workplan.png", "matrix.csv"):
        assert (plan / name).is_file(), name
    grades = project / "grader" / "exports" / "grades.csv"
    rows = list(csv.DictReader(grades.open()))
    assert len({r["learner"] for r in rows}) == 6
    assert sorted({r["assignment"] for r in rows}) == ASSIGNMENTS
    assert len(rows) == 6 * len(ASSIGNMENTS)
    for assignment in ASSIGNMENTS:
        assert len({r["auto_score"] for r in rows if r["assignment"] == assignment}) > 1  # scores differ
    assert "Per question" in result.output and "Per learner" in result.output
    feedback = list((project / "grader" / "feedback").glob("*/*/*.html"))
    assert len(feedback) == 6 * len(ASSIGNMENTS)
    for path in (project / "grader" / "release").rglob("*"):
        if path.is_file():
            assert "BEGIN SOLUTION" not in path.read_text() and "BEGIN HIDDEN TESTS" not in path.read_text()
    # the cohort's feedback loop: instruments, simulated exports, the report in both languages
    fb = project / "out" / "feedback"
    assert len(list((fb / "instruments").glob("*.md"))) == 6
    for lang in ("en", "es"):
        md = (fb / f"report.{lang}" / "report.md").read_text(encoding="utf-8")
        assert "data:image" not in md and "charts/questions.png" in md  # scores came from the gradebook
        assert (fb / f"report.{lang}" / "report.html").stat().st_size > 50_000  # charts inline
    assert (fb / "you-said-we-did.sqlite").is_file()


def test_collect_refuses_a_learner_whose_folder_is_a_link(released, tmp_path):
    alice = tmp_path / "in" / "alice"
    alice.mkdir(parents=True)
    (alice / f"{ASSIGNMENT}.ipynb").write_text(
        (released.step_dir("release", ".", ASSIGNMENT) / f"{ASSIGNMENT}.ipynb").read_text()
    )
    (tmp_path / "in" / "carol").symlink_to("alice")
    result = run("grade", "collect", ASSIGNMENT, str(tmp_path / "in"))
    assert result.exit_code == 1
    assert "carol is a symbolic link, not a folder" in " ".join(result.output.split())
    assert released.submitted_learners(ASSIGNMENT) == ["alice"]
