"""One crafted submission never stops grading for everyone else.

A notebook with 700 nested ``[`` in its metadata (about 20 KB) makes nbformat
raise ``RecursionError``. Its learner is "not graded" with a one-line reason and
journaled; two honest learners beside it get their usual scores; the command
exits 1; and a second run does not abort either. Any other exception while one
learner is checked or graded does the same; a failure of the whole sandbox, and
Ctrl-C, still stop the run.
"""

from __future__ import annotations

import json

import nbformat
import pytest
from helpers import ASSIGNMENT, exercise_source, fill_answers, read_nb, submit
from typer.testing import CliRunner

pytestmark = pytest.mark.grading

NOTEBOOK = f"{ASSIGNMENT}.ipynb"
DEPTH = 700


def crafted_notebook(release_text: str) -> str:
    """The released notebook with DEPTH nested lists in its metadata."""
    nb = json.loads(release_text)
    text = json.dumps(nb)
    at = text.index('"metadata": {') + len('"metadata": {')
    return text[:at] + '"deep": ' + "[" * DEPTH + "]" * DEPTH + ", " + text[at:]


def journal(course) -> dict:
    return json.loads((course.root / ".kit" / "autograde" / f"{ASSIGNMENT}.json").read_text())["learners"]


def solved(release_text: str) -> str:
    """The released notebook with every answer cell holding the solution."""
    from kit.grading.simulated_cohort import solution_code

    answers = {
        c.metadata["nbgrader"]["grade_id"]: solution_code(c.source)
        for c in read_nb(exercise_source()).cells
        if c.metadata.get("nbgrader", {}).get("solution") and c.cell_type == "code"
    }
    return nbformat.writes(fill_answers(nbformat.reads(release_text, as_version=4), answers))


@pytest.fixture
def cohort(released):
    """``honest-full`` (the solution), ``honest-zero`` (the untouched release) and ``crafted``."""
    release = (released.step_dir("release", ".", ASSIGNMENT) / NOTEBOOK).read_text()
    submit(released, "honest-full", {NOTEBOOK: solved(release)})
    submit(released, "honest-zero", {NOTEBOOK: release})
    crafted = crafted_notebook(release)
    assert len(crafted) < 30_000
    submit(released, "crafted", {NOTEBOOK: crafted})
    return released


def test_a_deeply_nested_notebook_is_one_learners_problem_and_a_rerun_does_not_abort(cohort):
    from kit.cli import app
    from kit.grading.autograde import submission_score

    runner = CliRunner()
    result = runner.invoke(app, ["grade", "autograde", ASSIGNMENT, "--workers", "2"])
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    reason = f"the notebook {NOTEBOOK} could not be read: nested too deeply (RecursionError)"
    assert f"crafted: {reason}" in " ".join(result.output.split())
    assert "graded 2 of 3 submission(s)" in result.output
    assert submission_score(cohort, ASSIGNMENT, "honest-full") == (12, 15)  # all but the reflection
    assert submission_score(cohort, ASSIGNMENT, "honest-zero")[0] == 0
    assert submission_score(cohort, ASSIGNMENT, "crafted") is None
    entry = journal(cohort)["crafted"]
    assert entry["state"] == "done" and not entry["graded"] and entry["problem"] == reason

    again = runner.invoke(app, ["grade", "autograde", ASSIGNMENT])
    assert again.exit_code == 1, again.output
    assert "2 unchanged" in again.output and reason in " ".join(again.output.split())


class StartedSandbox:
    """Stands in for a started sandbox whose protections are all on (nothing runs in it)."""

    def __init__(self, **_):
        from kit.grading.sandbox import Protections

        self.protections = Protections(network=True, filesystem=True, separate_user=True, processes=True, memory=True)
        self.users: list[int] = []

    def shortfalls(self) -> list:
        return []

    def close(self) -> None:
        pass


@pytest.fixture
def three(released, monkeypatch):
    """Three learners with the release; the sandbox is a stand-in: each test fakes the grading itself."""
    import kit.grading.sandbox

    monkeypatch.setattr(kit.grading.sandbox, "Sandbox", StartedSandbox)
    release = (released.step_dir("release", ".", ASSIGNMENT) / NOTEBOOK).read_text()
    for learner in ("ana", "ben", "cleo"):
        submit(released, learner, {NOTEBOOK: release})
    return released


def converting(monkeypatch, fail: dict[str, BaseException]):
    """nbgrader's conversion replaced: raises ``fail[learner]``, else reports success."""
    from kit.grading import autograde

    def convert(self, session, learner, restoring):
        if learner in fail:
            raise fail[learner]
        return {"success": True}

    monkeypatch.setattr(autograde._KitRun, "_convert", convert)


def test_any_exception_while_grading_one_learner_is_that_learners_problem(three, monkeypatch):
    from kit.grading.autograde import autograde

    converting(monkeypatch, {"ben": MemoryError("no room to convert")})
    run = autograde(three, ASSIGNMENT, workers=2)
    by = {r.learner: r for r in run.results}
    assert not by["ben"].graded and by["ben"].problem == "grading failed: no room to convert (MemoryError)"
    assert by["ana"].problem is None and by["cleo"].problem is None
    entry = journal(three)["ben"]
    assert entry["state"] == "done" and not entry["graded"] and "MemoryError" in entry["problem"]


def test_any_exception_while_checking_one_learner_is_that_learners_problem(three, monkeypatch):
    from kit.grading import autograde as module

    real = module.check_submission

    def check(course, assignment, learner):
        if learner == "cleo":
            raise OSError(5, "Input/output error")
        return real(course, assignment, learner)

    monkeypatch.setattr(module, "check_submission", check)
    converting(monkeypatch, {})
    run = module.autograde(three, ASSIGNMENT, workers=2)
    [failed] = run.failed
    assert failed.learner == "cleo" and failed.problem == (
        "the submission could not be read: [Errno 5] Input/output error (OSError)"
    )
    assert len(run.results) == 3


@pytest.mark.parametrize("stop", [KeyboardInterrupt(), SystemExit(2)], ids=lambda e: type(e).__name__)
def test_ctrl_c_and_exit_still_stop_the_run(three, monkeypatch, stop):
    from kit.grading.autograde import autograde

    converting(monkeypatch, {"ben": stop})
    with pytest.raises(type(stop)):
        autograde(three, ASSIGNMENT, workers=1)


def test_a_failure_of_the_whole_sandbox_still_stops_the_run(three, monkeypatch):
    from kit.grading.autograde import autograde
    from kit.grading.sandbox import SandboxError

    converting(monkeypatch, {"ana": SandboxError("the sandbox's server died")})
    with pytest.raises(SandboxError, match="server died"):
        autograde(three, ASSIGNMENT, workers=1)


def test_the_nbgrader_engine_also_grades_the_others(cohort):
    from kit.grading.autograde import autograde

    run = autograde(cohort, ASSIGNMENT, ["crafted", "honest-zero"], engine="nbgrader", allow_unisolated=True)
    by = {r.learner: r for r in run.results}
    assert "nested too deeply (RecursionError)" in by["crafted"].problem
    assert by["honest-zero"].graded and by["honest-zero"].score == 0


def test_the_deep_notebook_really_is_unreadable(cohort):
    path = cohort.step_dir("submitted", "crafted", ASSIGNMENT) / NOTEBOOK
    with pytest.raises(RecursionError):
        nbformat.validate(read_nb(path))


def test_inside_sandboxes_kept_runs_with_the_same_settings_share_one_sandbox(three, monkeypatch):
    """The main job's eight runs start one warm sandbox: kept between runs of one course inside the block,
    closed when it ends; outside it each run starts and closes its own; a run stopped by an error never
    leaves its sandbox to the next."""
    import kit.grading.sandbox
    from kit.grading.autograde import autograde, sandboxes_kept

    started, closed = [], []

    class Counted(StartedSandbox):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            started.append(self)

        def close(self) -> None:
            closed.append(self)

    monkeypatch.setattr(kit.grading.sandbox, "Sandbox", Counted)
    converting(monkeypatch, {})
    with sandboxes_kept():
        autograde(three, ASSIGNMENT, workers=2, force=True)
        autograde(three, ASSIGNMENT, workers=2, force=True)
        assert len(started) == 1 and closed == []
        autograde(three, ASSIGNMENT, workers=1, force=True)  # other settings: a sandbox of its own
        assert len(started) == 2
        converting(monkeypatch, {"ben": KeyboardInterrupt()})
        with pytest.raises(KeyboardInterrupt):
            autograde(three, ASSIGNMENT, workers=2, force=True)
        assert closed == [started[0]]
    assert sorted(map(id, closed)) == sorted(map(id, started))
    converting(monkeypatch, {})
    autograde(three, ASSIGNMENT, workers=2, force=True)
    assert len(started) == 3 and closed[-1] is started[-1]
