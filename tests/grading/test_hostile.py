"""Hostile learners: one bad submission never stops, corrupts or leaks into the rest of a run.

One run grades a cohort of attackers and three ordinary learners with small
limits. Each attacker is the solution with its first answer cell replaced by
an attack (or a test cell deleted or rewritten). Before the run, a "victim" is
graded; every attacker tries to read or change the victim's work, the
gradebook, the solutions and hidden tests. Each test checks one attack: the
attacker gets a clear result with the attacked question scored zero, the
ordinary learners get their expected scores, nobody else's files changed, the
gradebook is intact, and the run finished.
"""

from __future__ import annotations

import hashlib
import shutil
import socket
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest
from helpers import ASSIGNMENT, REPO, exercise_source, fill_answers, read_nb, submit, wrong_visible_answers

pytestmark = pytest.mark.grading

LIMITS = {"cell_seconds": 5, "notebook_seconds": 40, "memory_mb": 2048}
VICTIM = "victim"
ATTACKED = "count-contacts"  # the answer cell each attack replaces
NORMAL = {"normal-solution": "full", "normal-untouched": "zero", "normal-wrong": "zero"}
NOTEBOOK = f"{ASSIGNMENT}.ipynb"


def attacks(project: Path, port: int) -> dict[str, str]:
    """Attack code for the first answer cell, by attack name."""
    grader, hidden_cache = project / "grader", Path.home() / ".local/share/jupyter/nbgrader_cache"
    secrets = [
        project / "exercises" / ASSIGNMENT / NOTEBOOK,
        REPO / "exercises" / ASSIGNMENT / NOTEBOOK,
        grader / "gradebook.db",
        REPO / "grader" / "gradebook.db",
        grader / "release" / ASSIGNMENT / NOTEBOOK,
        grader / "submitted" / VICTIM / ASSIGNMENT / NOTEBOOK,
        grader / "autograded" / VICTIM / ASSIGNMENT / NOTEBOOK,
        hidden_cache,
    ]
    victim_folders = [grader / "submitted" / VICTIM / ASSIGNMENT, grader / "autograded" / VICTIM / ASSIGNMENT]
    return {
        "read-secrets": f"""import glob, os
targets = {[str(p) for p in secrets]!r}
home = os.environ.get("KIT_HOME", "/nonexistent")
targets += glob.glob("*.ipynb") + glob.glob("../*.ipynb") + glob.glob("../../*/*.ipynb")
targets += glob.glob(home + "/exercises/*/*.ipynb") + glob.glob(home + "/grader/*/*/*.ipynb")
targets += glob.glob(home + "/grader/*/*/*/*.ipynb") + glob.glob(home + "/grader/*.db")
leaked = []
for target in targets:
    try:
        if os.path.isdir(target):
            if os.listdir(target):
                leaked.append(target)
        elif open(target, "rb").read(100):
            leaked.append(target)
    except OSError:
        pass
print("LEAKED", leaked)""",
        "write-gradebook": f"""import sqlite3
wrote = []
for db in {[str(grader / "gradebook.db"), str(REPO / "grader" / "gradebook.db")]!r}:
    try:
        con = sqlite3.connect(db)
        con.execute("UPDATE grade SET manual_score = 99")
        con.commit()
        wrote.append(db)
    except Exception:
        pass
print("WROTE", wrote)""",
        "write-other-learner": f"""import os
wrote = []
for folder in {[str(p) for p in victim_folders]!r}:
    for name in ({NOTEBOOK!r}, "extra.txt"):
        try:
            with open(os.path.join(folder, name), "w") as f:
                f.write("hacked")
            wrote.append(os.path.join(folder, name))
        except OSError:
            pass
print("WROTE", wrote)""",
        "network": f"""import socket
try:
    socket.create_connection(("127.0.0.1", {port}), timeout=3).sendall(b"hello")
    print("CONNECTED")
except OSError as e:
    print("REFUSED", type(e).__name__)""",
        "loop-forever": "while True:\n    pass",
        # bytes(n) asks for zeroed memory the system hands out lazily: the limit is hit at once
        "allocate-without-bound": "blocks = []\nwhile True:\n    blocks.append(bytes(200_000_000))",
        "fork-without-end": """import os, time
children = 0
try:
    while children < 2000:  # a cap for this test's sake: the limit is 32
        if os.fork() == 0:
            time.sleep(30)
            os._exit(0)
        children += 1
except OSError as e:
    print("FORK REFUSED after", children, type(e).__name__)""",
        "print-gigabytes": 'line = "x" * 1_000_000\nfor _ in range(5_000):\n    print(line)',
        "kill-the-kernel": "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)",
        "exit-the-interpreter": "exit()",
    }


# attacks after which the rest of the notebook runs as usual (every other question full marks)
NOTEBOOK_GOES_ON = {
    "read-secrets",
    "write-gradebook",
    "write-other-learner",
    "network",
    "loop-forever",
    "fork-without-end",
    "delete-test-cell",
    "rewrite-test-cell",
}


def solutions() -> dict[str, str]:
    from kit.grading.simulated_cohort import solution_code

    return {
        c.metadata["nbgrader"]["grade_id"]: solution_code(c.source)
        for c in read_nb(exercise_source()).cells
        if c.metadata.get("nbgrader", {}).get("solution") and c.cell_type == "code"
    }


def grade_id(cell) -> str | None:
    return cell.metadata.get("nbgrader", {}).get("grade_id")


def tree_hash(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        digest.update(str(path.relative_to(folder)).encode())
        if path.is_file():
            digest.update(path.read_bytes())
    return digest.hexdigest()


def grades_of(course, learner: str) -> dict:
    with course.gradebook() as gb:
        submission = gb.find_submission(ASSIGNMENT, learner)
        return {(nb.name, g.name): (g.auto_score, g.manual_score) for nb in submission.notebooks for g in nb.grades}


class Listener:
    """A TCP server on 127.0.0.1 that counts the connections it accepts."""

    def __init__(self):
        self.socket = socket.create_server(("127.0.0.1", 0))
        self.socket.settimeout(0.2)
        self.port = self.socket.getsockname()[1]
        self.accepted = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while not self.stop.is_set():
            try:
                conn, _ = self.socket.accept()
            except OSError:
                continue
            self.accepted += 1
            conn.close()

    def close(self):
        self.stop.set()
        self.thread.join()
        self.socket.close()


@dataclass
class HostileRun:
    course: object
    results: dict
    seconds: float
    before: dict  # learner -> hash of their submitted (and victim's autograded) folder
    after: dict
    victim_grades: tuple[dict, dict]
    connections: int
    protections_off: list[str]


@pytest.fixture(scope="module")
def hostile(released_template, tmp_path_factory) -> HostileRun:
    from kit.grading.autograde import autograde
    from kit.grading.course import open_course
    from kit.grading.profile import load_profile

    root = tmp_path_factory.mktemp("hostile") / "project"
    shutil.copytree(released_template, root, symlinks=True)
    listener = Listener()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("KIT_HOME", str(root))
        course = open_course(root / "grader")
        release = read_nb(course.step_dir("release", ".", ASSIGNMENT) / NOTEBOOK)
        answers = solutions()
        submit(course, VICTIM, {NOTEBOOK: nbformat.writes(fill_answers(release, answers))})
        [victim] = autograde(course, ASSIGNMENT, [VICTIM], limits=LIMITS)
        assert victim.graded and victim.score == 12
        victim_before = grades_of(course, VICTIM)

        learners = {}
        for name, code in attacks(root, listener.port).items():
            learners[name] = fill_answers(release, {**answers, ATTACKED: code})
        nb = fill_answers(release, answers)
        nb.cells = [c for c in nb.cells if grade_id(c) != f"test-{ATTACKED}"]
        learners["delete-test-cell"] = nb
        nb = fill_answers(release, {**answers, ATTACKED: "n_contacts = -5"})
        next(c for c in nb.cells if grade_id(c) == f"test-{ATTACKED}").source = "pass"
        learners["rewrite-test-cell"] = nb
        learners["normal-solution"] = fill_answers(release, answers)
        learners["normal-untouched"] = release
        learners["normal-wrong"] = fill_answers(
            release, wrong_visible_answers(load_profile(course.root, ASSIGNMENT), 0)
        )
        for learner, nb in learners.items():
            submit(course, learner, {NOTEBOOK: nbformat.writes(nb)})

        def folders():
            found = {
                learner: tree_hash(course.step_dir("submitted", learner, ASSIGNMENT)) for learner in [VICTIM, *learners]
            }
            found["autograded/victim"] = tree_hash(course.step_dir("autograded", VICTIM, ASSIGNMENT))
            return found

        before = folders()
        started = time.monotonic()
        run = autograde(course, ASSIGNMENT, list(learners), limits=LIMITS, workers=2)
        seconds = time.monotonic() - started
        after = folders()
    listener.close()
    print(f"\nhostile run: {len(run.results)} learners in {seconds:.1f}s")
    return HostileRun(
        course,
        {r.learner: r for r in run.results},
        seconds,
        before,
        after,
        (victim_before, grades_of(course, VICTIM)),
        listener.accepted,
        run.protections_off,
    )


def scores(hostile, learner):
    from kit.grading.grades import question_scores

    frame = question_scores(hostile.course, [ASSIGNMENT])
    rows = frame[(frame["learner"] == learner) & (frame["kind"] == "auto")]
    return dict(zip(rows["question"], rows["score"])), dict(zip(rows["question"], rows["max_score"]))


def cell_text(hostile, learner: str, gid: str = ATTACKED) -> str:
    nb = read_nb(hostile.course.step_dir("autograded", learner, ASSIGNMENT) / NOTEBOOK)
    cell = next(c for c in nb.cells if grade_id(c) == gid)
    return "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")


def check_attacker(hostile, learner: str, *, attacked_score: float = 0):
    """The attacker is graded, the attacked question scores as given, and nobody else is affected."""
    result = hostile.results[learner]
    assert result.graded, result.problem
    got, max_scores = scores(hostile, learner)
    assert got[ATTACKED] == attacked_score
    if learner in NOTEBOOK_GOES_ON:
        assert all(got[q] == max_scores[q] for q in got if q != ATTACKED), got
    check_everyone_else(hostile, learner)
    return result


def check_everyone_else(hostile, attacker: str):
    for learner, expected in NORMAL.items():
        got, max_scores = scores(hostile, learner)
        assert got == (max_scores if expected == "full" else dict.fromkeys(max_scores, 0.0)), learner
    assert {k: v for k, v in hostile.after.items() if k != attacker} == {
        k: v for k, v in hostile.before.items() if k != attacker
    }
    assert hostile.victim_grades[0] == hostile.victim_grades[1]
    db = Path(hostile.course.coursedir.db_url.removeprefix("sqlite:///"))
    with sqlite3.connect(db) as con:
        assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert con.execute("SELECT count(*) FROM grade WHERE manual_score IS NOT NULL").fetchone() == (0,)
        assert con.execute("SELECT count(*) FROM submitted_assignment").fetchone() == (len(hostile.results) + 1,)


def test_the_run_finished_and_the_sandbox_was_whole(hostile):
    assert len(hostile.results) == len(NORMAL) + 12
    assert hostile.seconds < 240
    assert hostile.protections_off == []


def test_reading_solutions_hidden_tests_the_gradebook_or_others_work_finds_nothing(hostile):
    check_attacker(hostile, "read-secrets")
    assert "LEAKED []" in cell_text(hostile, "read-secrets")


def test_writing_to_the_gradebook_fails(hostile):
    check_attacker(hostile, "write-gradebook")
    assert "WROTE []" in cell_text(hostile, "write-gradebook")


def test_writing_to_another_learners_folders_fails(hostile):
    check_attacker(hostile, "write-other-learner")
    assert "WROTE []" in cell_text(hostile, "write-other-learner")


def test_no_network_not_even_the_graders_localhost(hostile):
    check_attacker(hostile, "network")
    assert "REFUSED" in cell_text(hostile, "network")
    assert hostile.connections == 0


def test_an_endless_loop_is_stopped_and_the_notebook_goes_on(hostile):
    result = check_attacker(hostile, "loop-forever")
    assert f"{ATTACKED} timed out" in result.message


def test_endless_allocation_hits_the_memory_limit(hostile):
    result = check_attacker(hostile, "allocate-without-bound")
    assert "memory" in (result.message or "").lower()


def test_endless_forking_hits_the_process_limit(hostile):
    check_attacker(hostile, "fork-without-end")
    text = cell_text(hostile, "fork-without-end")
    assert "FORK REFUSED after" in text
    assert int(text.split("after")[1].split()[0]) <= 32


def test_printing_gigabytes_is_capped(hostile):
    result = check_attacker(hostile, "print-gigabytes")
    assert "output limit" in result.message
    autograded = hostile.course.step_dir("autograded", "print-gigabytes", ASSIGNMENT) / NOTEBOOK
    assert autograded.stat().st_size < 3_000_000


def test_killing_the_kernel_keeps_a_clear_result(hostile):
    result = check_attacker(hostile, "kill-the-kernel")
    assert result.status == "died" and "cell" in result.message


def test_exiting_the_interpreter_keeps_a_clear_result(hostile):
    result = check_attacker(hostile, "exit-the-interpreter")
    assert result.status in ("ok", "died")


def test_a_deleted_test_cell_is_put_back(hostile):
    result = check_attacker(hostile, "delete-test-cell", attacked_score=1)
    assert result.message == f"restored 1 deleted test cell (test-{ATTACKED})"


def test_a_test_cell_rewritten_to_pass_is_put_back(hostile):
    check_attacker(hostile, "rewrite-test-cell")
    nb = read_nb(hostile.course.step_dir("autograded", "rewrite-test-cell", ASSIGNMENT) / NOTEBOOK)
    test = next(c for c in nb.cells if grade_id(c) == f"test-{ATTACKED}")
    assert test.source != "pass" and any(o.output_type == "error" for o in test.outputs)
