"""Graded notebooks read the graded course's datasets: named in place when the sandbox lets them see
the folder, copied (read-only, for the run) when the folder lies inside a hidden one, nothing named
for a course without its own datasets."""

from __future__ import annotations

import os
from pathlib import Path

import yaml

from kit.grading.course_datasets import course_datasets
from kit.paths import COURSE_MARKER, DATASETS_ENV


def _course(root: Path, datasets: str = "datasets") -> Path:
    root.mkdir(parents=True)
    (root / COURSE_MARKER).write_text(yaml.safe_dump({"datasets": datasets}))
    folder = (root / datasets).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "catalog.yaml").write_text("datasets: []\n")
    (folder / "contacts.csv").write_text("contact_id\nC1\n")
    return root


def test_datasets_inside_a_hidden_course_are_copied_for_the_run_and_removed(tmp_path):
    course = _course(tmp_path / "c")
    with course_datasets(course, hidden=[course]) as env:
        copy = Path(env[DATASETS_ENV])
        assert not copy.is_relative_to(course) and (copy / "contacts.csv").read_text() == "contact_id\nC1\n"
        assert (
            oct(copy.stat().st_mode & 0o777) == "0o555"
            and oct((copy / "contacts.csv").stat().st_mode & 0o777) == "0o444"
        )
        assert os.stat(copy.parent).st_mode & 0o005 == 0o005  # every user may enter and read it
    assert not copy.exists()


def test_datasets_the_sandbox_shows_are_named_in_place(tmp_path):
    course = _course(tmp_path / "c", datasets="../shared-data")
    with course_datasets(course, hidden=[course]) as env:
        assert env == {DATASETS_ENV: str((tmp_path / "shared-data").resolve())}


def test_a_folder_without_a_course_marker_names_nothing(tmp_path):
    with course_datasets(tmp_path, hidden=[tmp_path]) as env:
        assert env == {}


def test_kit_reads_the_named_datasets_first(tmp_path, monkeypatch):
    from kit.paths import datasets_dir

    course = _course(tmp_path / "c")
    monkeypatch.setenv(DATASETS_ENV, str(course / "datasets"))
    monkeypatch.setenv("KIT_HOME", str(tmp_path / "elsewhere"))
    assert datasets_dir() == course / "datasets"
