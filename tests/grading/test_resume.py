"""An interrupted autograding run loses nothing already graded, and resumes.

One cohort, graded in steps: a ``kit grade autograde`` process killed with
SIGKILL after a few learners; an in-process run stopped by Ctrl-C (a progress
callback raising ``KeyboardInterrupt``) after two more; a run that finishes the
rest. Each run skips exactly the learners the journal says are done. The end
result must be what grading everyone again from scratch gives.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from helpers import ASSIGNMENT, submit
from typer.testing import CliRunner

pytestmark = pytest.mark.grading

LEARNERS, SEED = 8, 5


def journal_done(course) -> set[str]:
    path = course.root / ".kit" / "autograde" / f"{ASSIGNMENT}.json"
    if not path.is_file():
        return set()
    entries = json.loads(path.read_text())["learners"]  # always whole: written by rename
    return {learner for learner, e in entries.items() if e["state"] == "done" and e["graded"]}


@dataclass
class Resumed:
    course: object
    learners: set
    killed_after: set  # done when the process was killed
    skipped_second: set  # skipped by the run after the kill
    interrupted: bool
    done_after_interrupt: set
    skipped_third: set
    graded_third: set
    scores: object  # question scores after the third run
    graded_twice: list


@pytest.fixture(scope="module")
def resumed(released_template, tmp_path_factory) -> Resumed:
    from kit.grading.autograde import autograde
    from kit.grading.course import open_course
    from kit.grading.grades import question_scores
    from kit.grading.simulated_cohort import simulate_cohort

    base = tmp_path_factory.mktemp("resume")
    root = base / "project"
    shutil.copytree(released_template, root, symlinks=True)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("KIT_HOME", str(root))
        course = open_course(root / "grader")
        learners = {c.learner for c in simulate_cohort(course, ASSIGNMENT, LEARNERS, SEED)}

        # 1. `kit grade autograde`, killed with SIGKILL once two learners are done
        kit = Path(sys.executable).with_name("kit")
        with open(base / "kit.log", "wb") as log:
            process = subprocess.Popen(
                [str(kit), "grade", "autograde", ASSIGNMENT, "--workers", "2"],
                env={**os.environ, "KIT_HOME": str(root)},
                stdout=log,
                stderr=log,
                start_new_session=True,
            )
            deadline = time.monotonic() + 120
            while len(journal_done(course)) < 2 and process.poll() is None and time.monotonic() < deadline:
                time.sleep(0.1)
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        killed_after = journal_done(course)
        assert 2 <= len(killed_after) < LEARNERS, (base / "kit.log").read_text()

        # 2. in-process, stopped by Ctrl-C after two more learners
        seen: dict = {"skipped": set(), "graded": []}

        def interrupt(run, result):
            if result is None:
                seen["skipped"] = set(run.skipped)
            elif len(run.results) == 2:
                raise KeyboardInterrupt

        interrupted = False
        try:
            autograde(course, ASSIGNMENT, progress=interrupt)
        except KeyboardInterrupt:
            interrupted = True
        done_after_interrupt = journal_done(course)

        # 3. the rest
        third = autograde(course, ASSIGNMENT)
        scores = question_scores(course, [ASSIGNMENT])
        graded_third = {r.learner for r in third.results if r.graded}
    return Resumed(
        course,
        learners,
        killed_after,
        seen["skipped"],
        interrupted,
        done_after_interrupt,
        set(third.skipped),
        graded_third,
        scores,
        sorted(graded_third & set(third.skipped)),
    )


def test_a_run_killed_with_sigkill_loses_nothing_already_graded(resumed):
    assert resumed.skipped_second == resumed.killed_after
    for learner in resumed.killed_after:
        assert (resumed.course.step_dir("autograded", learner, ASSIGNMENT) / f"{ASSIGNMENT}.ipynb").is_file()


def test_a_run_stopped_by_ctrl_c_keeps_what_it_graded(resumed):
    assert resumed.interrupted
    assert len(resumed.done_after_interrupt - resumed.killed_after) >= 2
    assert resumed.skipped_third == resumed.done_after_interrupt


def test_the_last_run_grades_only_the_rest_and_everyone_is_graded(resumed):
    assert not resumed.graded_twice
    assert resumed.graded_third == resumed.learners - resumed.done_after_interrupt
    assert resumed.graded_third | resumed.skipped_third == resumed.learners
    assert journal_done(resumed.course) == resumed.learners


def test_the_resumed_grades_are_those_of_grading_everyone_from_scratch(resumed):
    from kit.grading.autograde import autograde
    from kit.grading.grades import question_scores

    run = autograde(resumed.course, ASSIGNMENT, force=True)
    assert not run.skipped and len(run.results) == LEARNERS and all(r.graded for r in run.results)
    again = question_scores(resumed.course, [ASSIGNMENT])
    assert set(again["learner"]) == resumed.learners
    assert again.equals(resumed.scores)


def test_a_changed_submission_is_graded_again_and_the_others_are_not(resumed):
    from kit.grading.autograde import autograde

    learner = sorted(resumed.learners)[0]
    (resumed.course.step_dir("submitted", learner, ASSIGNMENT) / "timestamp.txt").write_text(
        "2026-03-03 09:00:00.000000 UTC"
    )
    run = autograde(resumed.course, ASSIGNMENT)
    assert [r.learner for r in run.results] == [learner] and run.results[0].graded
    assert set(run.skipped) == resumed.learners - {learner}


def test_the_cli_regrades_one_named_learner_and_fails_only_for_a_broken_one(resumed, monkeypatch):
    from kit.cli import app

    monkeypatch.setenv("KIT_HOME", str(resumed.course.root.parent))
    runner = CliRunner()
    learner = sorted(resumed.learners)[1]
    result = runner.invoke(app, ["grade", "autograde", ASSIGNMENT, "--learner", learner])
    assert result.exit_code == 0, result.output
    assert "graded 1 of 1 submission(s)" in result.output and learner in result.output

    name = f"{ASSIGNMENT}.ipynb"
    good = (resumed.course.step_dir("release", ".", ASSIGNMENT) / name).read_text()
    submit(resumed.course, "zbroken", {name: good[:-300]})
    result = runner.invoke(app, ["grade", "autograde", ASSIGNMENT])
    assert result.exit_code == 1
    assert "zbroken" in result.output and "not a readable notebook" in result.output
    assert f"{LEARNERS} unchanged" in result.output


def test_the_cli_warns_about_protections_that_are_off_before_grading(project, monkeypatch):
    from kit.cli import app
    from kit.grading import autograde as module

    def fake(course, assignment, learners=None, *, progress=None, **_):
        run = module.AutogradeRun(assignment, "kit", total=2, protections_off=["network: no network namespace"])
        progress(run, None)
        run.results = [
            module.LearnerResult("ana", True, 12.0, 15.0, status="ok", message="test-x timed out", seconds=1.0),
            module.LearnerResult("ben", False, problem="no notebook in the submission"),
        ]
        for result in run.results:
            progress(run, result)
        return run

    monkeypatch.setattr(module, "autograde", fake)
    result = CliRunner().invoke(app, ["grade", "autograde", ASSIGNMENT])
    assert result.exit_code == 1
    text = result.output
    assert "protections OFF" in text and "network: no network namespace" in text
    assert text.index("protections OFF") < text.index("graded 1 of 2")
    assert "test-x timed out" in text and "no notebook in the submission" in text
