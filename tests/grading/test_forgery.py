"""Grade forgery: nothing a learner's code does changes how a test cell is judged.

nbgrader runs test cells in the learner's own kernel; each attack here gave a
learner full marks there without one correct answer. The kit runs test cells
in a separate judge process that gets the learner's values as data
(kit.grading.sandbox.judge), so each forged submission scores exactly what the
untouched release (an honest empty submission) scores. Each attack replaces the
first answer cell; every other answer is left as released. Two more attacks
try to flood the autograded notebook past the output limit.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass

import nbformat
import pytest
from helpers import ASSIGNMENT, fill_answers, read_nb, submit

pytestmark = pytest.mark.grading

OUTPUT_BYTES = 200_000
LIMITS = {"cell_seconds": 10, "notebook_seconds": 60, "memory_mb": 2048, "output_bytes": OUTPUT_BYTES}
ATTACKED = "count-contacts"  # the answer cell each attack replaces
NOTEBOOK = f"{ASSIGNMENT}.ipynb"
HONEST = "honest-empty"
HIDDEN_TEXT = "Did you keep both end days, and only those three months?"  # a hidden test's message

FIND_JOB = """import sys
def find(name):
    frame = sys._getframe()
    while frame is not None:
        if name in frame.f_locals:
            return frame.f_locals[name]
        frame = frame.f_back
job = find("job")
"""

ATTACKS = {
    # (a) an input transformer that turns every cell holding an assert into `pass`
    "input-transformer": """get_ipython().input_transformers_post.append(
    lambda lines: ["pass\\n"] if any("assert" in line for line in lines) else lines)""",
    # (b) every exception swallowed
    "custom-exc": "get_ipython().set_custom_exc((BaseException,), lambda *a, **k: None)",
    # (c) the job's cells rewritten from run_notebook's frame
    "rewrite-job": FIND_JOB
    + """for cell in getattr(job, "cells", []):
    cell[1] = "pass"
print("JOB", job is not None and hasattr(job, "cells"))""",
    # (d) forged frames on the result pipe, then exit before any test runs
    "forged-frames": FIND_JOB
    + """import os
from kit.grading.sandbox.wire import encode
cells = [index for index, _ in getattr(job, "cells", [])] or list(range(60))
here = cells.index(find("index")) if find("index") in cells else 0
forged = encode({"t": "end", "cell": find("index")})
for index in cells[here + 1:]:
    forged += encode({"t": "start", "cell": index}) + encode({"t": "end", "cell": index})
forged += encode({"t": "done"})
for fd in range(3, 64):
    try:
        os.write(fd, forged)
    except OSError:
        pass
os._exit(0)""",
    # (e) a number equal to everything
    "int-subclass": """class Forged(int):
    def __eq__(self, other): return True
    __ne__ = lambda self, other: False
    __gt__ = __ge__ = __lt__ = __le__ = __eq__
    __hash__ = int.__hash__
n_contacts = Forged(7)
attendance_rate = raised_second_half = contacts_by_deadline = Forged(1)
goal_reached = Forged(1)""",
    # (f) an execute_result shown before the failing assert: nbgrader reads it as credit
    "displayhook-credit": """class Shows(int):
    def __eq__(self, other):
        get_ipython().displayhook(1.0)
        return False
    __hash__ = int.__hash__
n_contacts = Shows(7)""",
    # (g) the builtins the tests use, redefined
    "builtins": """import builtins
builtins.abs = lambda x: 0
builtins.sorted = lambda x, **k: list(range(1, 13))
builtins.all = lambda x: True
n_contacts, attendance_rate, raised_second_half = 7, 0.5, 1.0""",
    # item 2: the hidden tests are nowhere in the learner's process
    "read-hidden-tests": FIND_JOB
    + f"""import gc
needle = "".join(reversed({HIDDEN_TEXT[::-1]!r}))  # not in this cell's own source

def holds(x):
    return isinstance(x, str) and x is not needle and needle in x

found = repr(getattr(job, "cells", "")).count(needle)
for obj in gc.get_objects():
    try:
        if isinstance(obj, (list, tuple)):
            found += sum(holds(x) for x in obj)
        elif isinstance(obj, dict):
            found += sum(holds(x) for x in obj.values())
    except Exception:
        pass
print("FOUND", found)""",
}

# the in-process output limit lifted before every cell, then a megabyte per cell
LIFT_LIMIT = """import gc
def lift(*_):
    for obj in gc.get_objects():
        if type(obj).__name__ == "_Recorder":
            obj.budget = obj.left = 10**12
get_ipython().events.register("pre_run_cell", lift)
lift()
print("x" * 1_000_000)"""
TRACEBACKS = """try:
    1 / 0
except ZeroDivisionError:
    for _ in range(3000):
        get_ipython().showtraceback()"""


def grade_id(cell) -> str | None:
    return cell.metadata.get("nbgrader", {}).get("grade_id")


@dataclass
class Run:
    course: object
    results: dict


@pytest.fixture(scope="module")
def forged(released_template, tmp_path_factory) -> Run:
    from kit.grading.autograde import autograde
    from kit.grading.course import open_course

    root = tmp_path_factory.mktemp("forgery") / "project"
    shutil.copytree(released_template, root, symlinks=True)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("KIT_HOME", str(root))
        course = open_course(root / "grader")
        release = read_nb(course.step_dir("release", ".", ASSIGNMENT) / NOTEBOOK)
        learners = {HONEST: release}
        for name, code in ATTACKS.items():
            learners[name] = fill_answers(release, {ATTACKED: code})
        learners["lift-output-limit"] = fill_answers(release, {ATTACKED: LIFT_LIMIT})
        learners["lift-output-limit"].cells += [nbformat.v4.new_code_cell('print("x" * 1_000_000)') for _ in range(100)]
        learners["tracebacks"] = fill_answers(release, {ATTACKED: TRACEBACKS})
        for learner, nb in learners.items():
            submit(course, learner, {NOTEBOOK: nbformat.writes(nb)})
        run = autograde(course, ASSIGNMENT, list(learners), limits=LIMITS, workers=2)
    return Run(course, {r.learner: r for r in run.results})


def scores(run, learner) -> dict:
    from kit.grading.grades import question_scores

    frame = question_scores(run.course, [ASSIGNMENT])
    rows = frame[(frame["learner"] == learner) & (frame["kind"] == "auto")]
    return dict(zip(rows["question"], rows["score"]))


def autograded(run, learner):
    return run.course.step_dir("autograded", learner, ASSIGNMENT) / NOTEBOOK


def check_forgery(run, learner):
    """Graded, and every question scores what the untouched release scores."""
    assert run.results[learner].graded, run.results[learner].problem
    assert scores(run, learner) == scores(run, HONEST)
    return read_nb(autograded(run, learner))


def test_the_honest_empty_submission_scores_zero(forged):
    assert set(scores(forged, HONEST).values()) == {0.0}


def test_a_input_transformer_dropping_asserts(forged):
    check_forgery(forged, "input-transformer")


def test_b_custom_exception_handler_swallowing_failures(forged):
    check_forgery(forged, "custom-exc")


def test_c_rewriting_the_jobs_cells(forged):
    nb = check_forgery(forged, "rewrite-job")
    cell = next(c for c in nb.cells if grade_id(c) == ATTACKED)
    assert "JOB False" in "".join(o.get("text", "") for o in cell.outputs)  # the job carries no cell


def test_d_forged_frames_on_the_result_pipe(forged):
    check_forgery(forged, "forged-frames")


def test_e_an_int_equal_to_everything(forged):
    check_forgery(forged, "int-subclass")


def test_f_an_execute_result_shown_before_the_assert_fails(forged):
    check_forgery(forged, "displayhook-credit")


def test_g_redefined_builtins(forged):
    check_forgery(forged, "builtins")


def test_the_hidden_tests_are_not_in_the_learners_process(forged):
    nb = check_forgery(forged, "read-hidden-tests")
    cell = next(c for c in nb.cells if grade_id(c) == ATTACKED)
    assert "FOUND 0" in "".join(o.get("text", "") for o in cell.outputs)


@pytest.mark.parametrize("learner", ["lift-output-limit", "tracebacks"])
def test_the_output_limit_holds_for_the_whole_notebook(forged, learner):
    result = forged.results[learner]
    assert result.graded and "output limit" in result.message
    assert autograded(forged, learner).stat().st_size < 2 * OUTPUT_BYTES
    assert scores(forged, learner) == scores(forged, HONEST)
