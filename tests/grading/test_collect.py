"""Collecting submissions from folders and zip files."""

from __future__ import annotations

import os
import stat
import threading
import time
import zipfile
from pathlib import Path

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


# --------------------------------------------------------------------------- #
# nothing in the input is followed: links and special files


def honest_folder(released, base):
    """``in/alice`` with the released notebook: the learner everyone else's tricks point at."""
    alice = base / "in" / "alice"
    alice.mkdir(parents=True)
    (alice / NB).write_text(release_text(released))
    return base / "in"


def by_learner(released, source):
    return {r.learner: r for r in collect(released, ASSIGNMENT, source)}


def test_a_notebook_linked_to_another_learners_is_not_collected(released, tmp_path):
    folder = honest_folder(released, tmp_path)
    (folder / "bob").mkdir()
    (folder / "bob" / NB).symlink_to(f"../alice/{NB}")
    results = by_learner(released, folder)
    assert results["alice"].problem is None
    assert results["bob"].problem == (
        f"the folder contains a symbolic link ({NB}); submit plain files, not links or special files"
    )
    assert released.submitted_learners(ASSIGNMENT) == ["alice"]


def test_a_learner_folder_that_is_a_link_to_another_is_not_collected(released, tmp_path):
    folder = honest_folder(released, tmp_path)
    (folder / "carol").symlink_to("alice")
    results = by_learner(released, folder)
    assert results["carol"].problem == "carol is a symbolic link, not a folder; submit folders, not links"
    assert results["alice"].problem is None
    assert released.submitted_learners(ASSIGNMENT) == ["alice"]
    with released.gradebook() as gb:
        assert {s.id for s in gb.students} == {"alice"}


def test_a_link_to_dev_zero_is_never_read(released, tmp_path):
    folder = honest_folder(released, tmp_path)
    (folder / "dave").mkdir()
    (folder / "dave" / NB).symlink_to("/dev/zero")
    started = time.monotonic()
    results = by_learner(released, folder)
    assert time.monotonic() - started < 10
    assert "symbolic link" in results["dave"].problem
    assert not released.step_dir("submitted", "dave", ASSIGNMENT).exists()


def collect_in_thread(released, source) -> dict:
    """collect(), failing the test instead of hanging forever on a file that never ends."""
    out: dict = {}
    thread = threading.Thread(target=lambda: out.update(by_learner(released, source)), daemon=True)
    thread.start()
    thread.join(timeout=60)
    assert not thread.is_alive(), "collect hung on a special file"
    return out


def test_a_fifo_or_a_link_deep_in_a_learners_folder_is_refused(released, tmp_path):
    folder = honest_folder(released, tmp_path)
    for learner in ("erin", "finn"):
        (folder / learner / ASSIGNMENT / "data").mkdir(parents=True)
        (folder / learner / ASSIGNMENT / NB).write_text(release_text(released))
    os.mkfifo(folder / "erin" / ASSIGNMENT / "data" / "pipe.csv")
    (folder / "finn" / ASSIGNMENT / "data" / "secret.csv").symlink_to("/etc/passwd")
    results = collect_in_thread(released, folder)
    assert results["erin"].problem.startswith(f"the folder contains a FIFO ({ASSIGNMENT}/data/pipe.csv)")
    assert results["finn"].problem.startswith(f"the folder contains a symbolic link ({ASSIGNMENT}/data/secret.csv)")
    assert released.submitted_learners(ASSIGNMENT) == ["alice"]


@pytest.mark.skipif(os.geteuid() != 0, reason="making a device node needs root")
def test_a_device_in_a_learners_folder_is_refused(released, tmp_path):
    folder = honest_folder(released, tmp_path)
    (folder / "gus").mkdir()
    os.mknod(folder / "gus" / NB, 0o644 | stat.S_IFCHR, os.makedev(1, 5))  # what /dev/zero is
    results = collect_in_thread(released, folder)
    assert results["gus"].problem.startswith(f"the folder contains a device ({NB})")


def test_a_file_swapped_for_a_link_after_the_check_is_not_followed(tmp_path):
    from kit.grading.collect import _read_file

    (tmp_path / "real.ipynb").write_text("{}")
    (tmp_path / "swapped.ipynb").symlink_to(tmp_path / "real.ipynb")
    os.mkfifo(tmp_path / "pipe.ipynb")
    fd = os.open(tmp_path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        assert _read_file("real.ipynb", fd, "real.ipynb")[0] == b"{}"
        with pytest.raises(SubmissionError, match="symbolic link"):
            _read_file("swapped.ipynb", fd, "swapped.ipynb")
        with pytest.raises(SubmissionError, match="a FIFO"):
            _read_file("pipe.ipynb", fd, "pipe.ipynb")  # opened without waiting for a writer
    finally:
        os.close(fd)


def zip_entry(name: str, mode: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name)
    info.create_system = 3  # Unix: external_attr holds the file's mode
    info.external_attr = mode << 16
    return info


def test_links_and_special_files_in_a_zip_are_not_extracted_and_their_learner_is_not_collected(released, tmp_path):
    archive = tmp_path / "downloads.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr(f"alice/{NB}", release_text(released))
        zf.writestr(zip_entry(f"bob/{NB}", stat.S_IFLNK | 0o777), f"../alice/{NB}")
        zf.writestr(f"erin/{NB}", release_text(released))
        zf.writestr(zip_entry("erin/data/pipe.csv", stat.S_IFIFO | 0o644), "")
    results = by_learner(released, archive)
    assert results["alice"].problem is None
    assert results["bob"].problem.startswith(f"the folder contains a symbolic link ({NB})")
    assert results["erin"].problem.startswith("the folder contains a FIFO (data/pipe.csv)")
    assert released.submitted_learners(ASSIGNMENT) == ["alice"]


def test_a_source_that_is_neither_a_folder_nor_a_zip_is_refused(released):
    with pytest.raises(SubmissionError, match="neither a folder nor a zip file"):
        collect(released, ASSIGNMENT, Path("/dev/zero"))
