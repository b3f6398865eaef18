"""Staging a submission for the sandbox: what is copied, and what is left out."""

from __future__ import annotations

import os

from kit.grading.sandbox.rundir import copy_given


def test_the_given_files_are_copied_without_the_notebooks_and_links_stay_links(tmp_path):
    given = tmp_path / "autograded" / "ana" / "01"
    (given / "data").mkdir(parents=True)
    (given / "01.ipynb").write_text("sanitized notebook with hidden tests")
    (given / "data" / "old.ipynb").write_text("another notebook")
    (given / "data" / "trips.csv").write_text("a,b\n")
    (given / "notes.txt").write_text("mine")
    os.symlink("data/trips.csv", given / "link.csv")
    copy_given(given, tmp_path / "work", leave_out=("*.ipynb",))
    copied = sorted(p.relative_to(tmp_path / "work").as_posix() for p in (tmp_path / "work").rglob("*"))
    assert copied == ["data", "data/trips.csv", "link.csv", "notes.txt"]
    assert os.readlink(tmp_path / "work" / "link.csv") == "data/trips.csv"
    copy_given(given, tmp_path / "all")
    assert (tmp_path / "all" / "01.ipynb").is_file() and (tmp_path / "all" / "data" / "old.ipynb").is_file()
