"""Collecting submissions from folders and zip files."""

from __future__ import annotations

import zipfile

import pytest
from helpers import ASSIGNMENT

from kit.errors import SubmissionError
from kit.grading.collect import collect

NB = f"{ASSIGNMENT}.ipynb"


def release_text(course) -> str:
    return (course.step_dir("release", ".", ASSIGNMENT) / NB).read_text()


def test_collect_a_zip_of_learner_folders(released, tmp_path):
    archive = tmp_path / "downloads.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr(f"submissions/ana.ruiz/{NB}", release_text(released))
        zf.writestr(f"submissions/sam_lee/{ASSIGNMENT}/{NB}", release_text(released))
        zf.writestr(f"submissions/bad id!/{NB}", release_text(released))
        zf.writestr("submissions/empty/readme.txt", "nothing here")
    results = {r.learner: r for r in collect(released, ASSIGNMENT, archive)}
    assert results["ana.ruiz"].notebooks == [NB] and results["ana.ruiz"].problem is None
    assert results["sam_lee"].notebooks == [NB]
    assert "not a usable learner id" in results["bad id!"].problem
    assert results["empty"].problem == "no notebook in the folder"
    assert released.submitted_learners(ASSIGNMENT) == ["ana.ruiz", "sam_lee"]
    assert (released.step_dir("submitted", "ana.ruiz", ASSIGNMENT) / "timestamp.txt").read_text().endswith("UTC")
    with released.gradebook() as gb:
        assert {s.id for s in gb.students} == {"ana.ruiz", "sam_lee"}


def test_collect_a_folder(released, tmp_path):
    (tmp_path / "in" / "lee").mkdir(parents=True)
    (tmp_path / "in" / "lee" / NB).write_text(release_text(released))
    (tmp_path / "in" / "lee" / "timestamp.txt").write_text("2026-03-01 10:00:00.000000 UTC")
    [result] = collect(released, ASSIGNMENT, tmp_path / "in")
    assert result.problem is None
    assert (
        released.step_dir("submitted", "lee", ASSIGNMENT) / "timestamp.txt"
    ).read_text() == "2026-03-01 10:00:00.000000 UTC"


def test_a_zip_with_an_unsafe_path_is_refused_and_nothing_is_written(released, tmp_path):
    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr(f"ana/{NB}", release_text(released))
        zf.writestr("../../gradebook.db", "overwrite")
    with pytest.raises(SubmissionError, match="unsafe path '../../gradebook.db'"):
        collect(released, ASSIGNMENT, archive)
    assert released.submitted_learners(ASSIGNMENT) == []


def test_not_a_zip(released, tmp_path):
    (tmp_path / "x.zip").write_text("hello")
    with pytest.raises(SubmissionError, match="not a readable zip file"):
        collect(released, ASSIGNMENT, tmp_path / "x.zip")
