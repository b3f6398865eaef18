"""Grading on a dask.distributed cluster (a LocalCluster of two worker processes) scores exactly as grading here."""

from __future__ import annotations

import shutil

import pytest
from helpers import ASSIGNMENT

pytestmark = [pytest.mark.grading, pytest.mark.cluster]


@pytest.fixture(scope="module")
def cohort(graded, tmp_path_factory):
    """A copy of the shared graded cohort's course (module 1 graded here: the reference) and its scores
    (other tests add learners to it, some graded with other settings: they are regraded, not compared)."""
    from kit.grading.course import open_course
    from kit.grading.grades import question_scores

    root = tmp_path_factory.mktemp("cluster") / "project"
    shutil.copytree(graded.course.root.parent, root, symlinks=True)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("KIT_HOME", str(root))  # before the workers start: they inherit it
        course = open_course(root / "grader")
        local = graded.results[ASSIGNMENT]
        scores = question_scores(course, [ASSIGNMENT])
        yield course, local, {(r.learner, r.question): r.score for r in scores.itertuples() if r.learner in local}


@pytest.fixture(scope="module")
def cluster(cohort):
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as local:
        yield local


def test_a_cluster_of_two_workers_gives_every_cell_the_local_score(cohort, cluster):
    """Every learner's score on every graded cell, after regrading on two dask workers, is the local grader's;
    the gradebook is written here, the run reports the cluster's two worker threads and no missing protection."""
    from kit.grading.autograde import autograde
    from kit.grading.grades import question_scores

    course, local, reference = cohort
    run = autograde(course, ASSIGNMENT, force=True, scheduler=cluster.scheduler_address)
    assert run.workers == 2
    assert run.protections_off == []
    ours = {r.learner: (r.graded, r.score) for r in run}
    assert {learner: ours[learner] for learner in local} == {k: (r.graded, r.score) for k, r in local.items()}
    assert sum(r.graded for r in run) >= 4  # solution, untouched, two wrong sets (the broken ones are refused)
    scores = question_scores(course, [ASSIGNMENT])
    assert {(r.learner, r.question): r.score for r in scores.itertuples() if r.learner in local} == reference
    assert len(set(reference.values())) > 1  # a cohort with different scores

    again = autograde(course, ASSIGNMENT, scheduler=cluster.scheduler_address)  # resumable, as a local run
    assert sorted(again.skipped) == sorted(r.learner for r in run if r.graded)


def test_the_workers_sandboxes_are_closed_after_the_run(cohort, cluster):
    """A run leaves no sandbox (warm server, claimed users) behind on the workers."""
    from distributed import Client

    import kit.grading.cluster as cluster_module

    with Client(cluster.scheduler_address, set_as_default=False) as client:
        left = client.run(lambda: len(cluster_module._SANDBOXES))
    assert set(left.values()) == {0}


def test_an_unreachable_scheduler_is_a_clear_error_and_grades_nobody(cohort):
    """A wrong address: one error naming it, before anything is written."""
    from kit.grading.autograde import autograde
    from kit.grading.sandbox import SandboxError

    course, _, _ = cohort
    with pytest.raises(SandboxError, match="cannot reach the dask scheduler at tcp://127.0.0.1:9"):
        autograde(course, ASSIGNMENT, force=True, scheduler="tcp://127.0.0.1:9")


def test_what_travels_to_a_worker_is_the_learners_files_never_a_notebook(tmp_path):
    """The packed folder leaves out the sanitized notebooks (hidden tests) at any depth and keeps the rest."""
    import io
    import tarfile

    from kit.grading.cluster import pack_folder
    from kit.grading.converter import SANITIZED_NOTEBOOKS

    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "wards.csv").write_text("ward\n1\n")
    (tmp_path / "answers.ipynb").write_text("{}")
    (tmp_path / "data" / "copy.ipynb").write_text("{}")
    (tmp_path / "notes.txt").write_text("mine")
    with tarfile.open(fileobj=io.BytesIO(pack_folder(tmp_path, SANITIZED_NOTEBOOKS))) as tar:
        assert sorted(tar.getnames()) == ["data", "data/wards.csv", "notes.txt"]


def test_kit_grade_autograde_with_a_scheduler_grades_on_the_cluster(cohort, cluster):
    """`kit grade autograde --scheduler ADDRESS` grades the learner named on the cluster, with the local score."""
    from typer.testing import CliRunner

    from kit.cli import app

    _, local, _ = cohort
    result = CliRunner().invoke(
        app, ["grade", "autograde", ASSIGNMENT, "--learner", "solution", "--scheduler", cluster.scheduler_address]
    )
    assert result.exit_code == 0, result.output
    assert "graded 1 of 1 submission(s)" in result.output
    assert f"{local['solution'].score:g}" in result.output
