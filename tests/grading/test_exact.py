"""The kit's autograder scores exactly as ``nbgrader autograde`` does, cell by cell.

One cohort — a simulated one plus hand-made edge cases — is graded by plain
nbgrader (``engine="nbgrader"``) in one copy of the course and by the kit's
sandboxed, parallel engine in another. Every grade and comment in the two
gradebooks must be identical, except the kit's documented divergences, each
tested here: a deleted test cell is put back and run; a notebook whose process
dies keeps the scores of the cells before it; and a learner's code cannot change
how a test cell is judged (test cells run apart, on the learner's values as
data), where nbgrader lets it — to the learner's loss in the two cases here.
"""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass

import nbformat
import pytest
from helpers import ASSIGNMENT, exercise_source, fill_answers, read_nb, submit

pytestmark = pytest.mark.grading

COHORT, SEED = 6, 11  # with the two edge cases; the assess tests compare the engines on nine more cohorts
DELETED_TEST = "deletedtest"  # divergence 1
KERNEL_DEATH = "kerneldeath"  # divergence 2
STDERR_WARN, PARTIAL_CREDIT_CASE = "stderrwarn", "partialcredit"  # divergence 3
DIVERGENT = {DELETED_TEST, KERNEL_DEATH, STDERR_WARN, PARTIAL_CREDIT_CASE}

STDERR_WARNING = """import warnings

class Count(int):
    def __gt__(self, other):
        warnings.warn("comparing a count")  # the test cell compares: a warning on stderr
        return int(self) > other

n_contacts = Count(contacts["date_joined"].between("2025-04-01", "2025-06-30").sum())"""

# every later cell ends with the value 0.5: test cells then show an execute_result,
# which nbgrader reads as partial credit
PARTIAL_CREDIT = """n_contacts = int(contacts["date_joined"].between("2025-04-01", "2025-06-30").sum())
get_ipython().input_transformers_post.append(lambda lines: lines + ["\\n", "0.5\\n"])"""


def solutions() -> dict[str, str]:
    from kit.grading.simulated_cohort import solution_code

    source = read_nb(exercise_source())
    return {
        c.metadata["nbgrader"]["grade_id"]: solution_code(c.source)
        for c in source.cells
        if c.metadata.get("nbgrader", {}).get("solution") and c.cell_type == "code"
    }


def grade_id(cell) -> str | None:
    return cell.metadata.get("nbgrader", {}).get("grade_id")


def edge_cases(release_nb) -> dict[str, nbformat.NotebookNode]:
    """Hand-made submissions: each the solution with one thing changed."""
    answers = solutions()
    cases = {}
    cases["stderrwarn"] = fill_answers(release_nb, {**answers, "count-contacts": STDERR_WARNING})
    cases["partialcredit"] = fill_answers(release_nb, {**answers, "count-contacts": PARTIAL_CREDIT})
    nb = fill_answers(release_nb, answers)
    nb.cells = [c for c in nb.cells if grade_id(c) != "count-sources"]
    cases["nosolutioncell"] = nb
    nb = fill_answers(release_nb, {**answers, "count-contacts": "n_contacts = 1"})
    next(c for c in nb.cells if grade_id(c) == "test-count-contacts").source = "pass"
    cases["editedtest"] = nb
    nb = fill_answers(release_nb, answers)
    nb.cells = [c for c in nb.cells if grade_id(c) != "test-count-contacts"]
    cases[DELETED_TEST] = nb
    cases[KERNEL_DEATH] = fill_answers(release_nb, {**answers, "find-top-neighborhood": "import os\nos._exit(1)"})
    return cases


@dataclass
class Graded:
    course: object
    run: object
    seconds: float


@dataclass
class Both:
    nbgrader: Graded
    kit: Graded


@pytest.fixture(scope="module")
def both(released_template, tmp_path_factory) -> Both:
    from kit.grading.autograde import autograde
    from kit.grading.course import open_course
    from kit.grading.simulated_cohort import simulate_cohort

    graded = {}
    with pytest.MonkeyPatch.context() as mp:
        for engine in ("nbgrader", "kit"):
            root = tmp_path_factory.mktemp(f"exact-{engine}") / "project"
            shutil.copytree(released_template, root, symlinks=True)
            mp.setenv("KIT_HOME", str(root))
            course = open_course(root / "grader")
            simulate_cohort(course, ASSIGNMENT, COHORT, SEED)
            release = next(course.step_dir("release", ".", ASSIGNMENT).glob("*.ipynb"))
            for learner, nb in edge_cases(read_nb(release)).items():
                submit(course, learner, {release.name: nbformat.writes(nb)})
            started = time.monotonic()
            # plain nbgrader has no sandbox: run on purpose, as the reference
            run = autograde(course, ASSIGNMENT, engine=engine, allow_unisolated=engine == "nbgrader")
            graded[engine] = Graded(course, run, time.monotonic() - started)
    print(
        f"\n{len(graded['kit'].run.results)} learners: nbgrader {graded['nbgrader'].seconds:.1f}s, "
        f"kit {graded['kit'].seconds:.1f}s ({graded['kit'].run.workers} workers)"
    )
    return Both(graded["nbgrader"], graded["kit"])


def gradebook_cells(course) -> dict:
    """Every grade and comment of every submission: (learner, notebook, cell) -> values."""
    cells = {}
    with course.gradebook() as gb:
        for submission in gb.assignment_submissions(ASSIGNMENT):
            for notebook in submission.notebooks:
                for g in notebook.grades:
                    cells[submission.student.id, notebook.name, g.name] = (
                        g.auto_score,
                        g.manual_score,
                        g.extra_credit,
                        float(g.score),
                        float(g.max_score),
                        bool(g.needs_manual_grade),
                        bool(g.failed_tests),
                    )
                for c in notebook.comments:
                    cells[submission.student.id, notebook.name, "comment:" + c.name] = (
                        c.auto_comment,
                        c.manual_comment,
                    )
                cells[submission.student.id, notebook.name, "late_penalty"] = notebook.late_submission_penalty
    return cells


def scores(course, learner):
    from kit.grading.grades import question_scores

    frame = question_scores(course, [ASSIGNMENT])
    return frame[frame["learner"] == learner].set_index("question")


def test_every_cell_scores_exactly_as_nbgrader_scores_it(both):
    from kit.grading.grades import question_scores

    reference, ours = (question_scores(g.course, [ASSIGNMENT]) for g in (both.nbgrader, both.kit))
    reference = reference[~reference["learner"].isin(DIVERGENT)].reset_index(drop=True)
    ours = ours[~ours["learner"].isin(DIVERGENT)].reset_index(drop=True)
    assert reference["learner"].nunique() == COHORT + 2  # the simulated cohort and two edge cases
    assert len(reference) == len(ours)
    assert reference.equals(ours), reference.compare(ours)
    # and beyond the scores: auto/manual parts, flags, comments, late penalties
    theirs, mine = gradebook_cells(both.nbgrader.course), gradebook_cells(both.kit.course)
    assert {k for k in theirs if k[0] not in DIVERGENT} == {k for k in mine if k[0] not in DIVERGENT}
    different = {k: (theirs[k], mine[k]) for k in theirs if k[0] not in DIVERGENT and theirs[k] != mine[k]}
    assert not different


def test_learner_results_match(both):
    theirs = {r.learner: r for r in both.nbgrader.run.results}
    mine = {r.learner: r for r in both.kit.run.results}
    assert theirs.keys() == mine.keys()
    for learner in theirs.keys() - DIVERGENT:
        assert (theirs[learner].graded, theirs[learner].score, theirs[learner].max_score) == (
            mine[learner].graded,
            mine[learner].score,
            mine[learner].max_score,
        ), learner
        assert mine[learner].status == "ok"
    assert len({r.score for r in mine.values()}) > 3  # a cohort with varied scores, not all zero


def test_the_edge_cases_are_graded_as_nbgrader_grades_them(both):
    for graded in (both.nbgrader, both.kit):
        assert scores(graded.course, "nosolutioncell").loc["count-sources", "score"] == 0
        assert scores(graded.course, "editedtest").loc["count-contacts", "score"] == 0  # `pass` was undone


def test_divergence_a_deleted_test_cell_is_put_back_and_run(both):
    # nbgrader: the test never runs; its grade stays empty (0, waiting for a human)
    theirs = scores(both.nbgrader.course, DELETED_TEST).loc["count-contacts"]
    assert (theirs["score"], theirs["needs_manual_grade"]) == (0, True)
    # the kit: the test is put back where it stood, runs, and the correct answer earns its point
    ours = scores(both.kit.course, DELETED_TEST)
    assert (ours.loc["count-contacts", "score"], ours.loc["count-contacts", "needs_manual_grade"]) == (1, False)
    auto = ours[ours["kind"] == "auto"]
    assert (auto["score"] == auto["max_score"]).all()
    result = next(r for r in both.kit.run.results if r.learner == DELETED_TEST)
    assert result.graded and result.message == "restored 1 deleted test cell (test-count-contacts)"
    folder = both.kit.course.step_dir("autograded", DELETED_TEST, ASSIGNMENT)
    ids = [grade_id(c) for c in read_nb(folder / f"{ASSIGNMENT}.ipynb").cells]
    assert ids.index("test-count-contacts") == ids.index("count-contacts") + 1
    restored = read_nb(folder / f"{ASSIGNMENT}.ipynb").cells[ids.index("test-count-contacts")]
    assert restored.source.startswith("# This cell (test-count-contacts) was missing from your submission")


def test_divergence_a_dead_kernel_keeps_the_scores_of_the_cells_before_it(both):
    # nbgrader: the whole submission fails
    theirs = next(r for r in both.nbgrader.run.results if r.learner == KERNEL_DEATH)
    assert not theirs.graded
    # the kit: graded; the questions before the crash keep their points, the rest score zero
    ours = next(r for r in both.kit.run.results if r.learner == KERNEL_DEATH)
    assert ours.graded and ours.status == "died"
    assert "process ended in cell" in ours.message  # where, and how (the exit code)
    rows = scores(both.kit.course, KERNEL_DEATH)
    auto = rows[rows["kind"] == "auto"]
    before = ["count-contacts", "count-sources", "filter-spanish", "compute-attendance"]
    assert (auto.loc[before, "score"] == auto.loc[before, "max_score"]).all()
    assert (auto.drop(before)["score"] == 0).all()
    assert ours.score == auto.loc[before, "max_score"].sum()


def test_divergence_the_learners_code_does_not_change_how_a_test_is_judged(both):
    # nbgrader runs the test in the learner's kernel: the learner's int subclass warns on
    # stderr while the test compares it (0 points), and the learner's input transformer
    # makes every test cell show 0.5 (partial credit)
    assert scores(both.nbgrader.course, STDERR_WARN).loc["count-contacts", "score"] == 0
    assert scores(both.nbgrader.course, PARTIAL_CREDIT_CASE).loc["compute-attendance", "score"] == 0.5
    # the kit judges the values: a plain int, and test cells the transformer never sees
    for learner in (STDERR_WARN, PARTIAL_CREDIT_CASE):
        auto = scores(both.kit.course, learner)
        auto = auto[auto["kind"] == "auto"]
        assert (auto["score"] == auto["max_score"]).all(), learner
    result = next(r for r in both.kit.run.results if r.learner == PARTIAL_CREDIT_CASE)
    assert result.graded and result.status == "ok"


def test_feedback_works_on_the_kit_graded_course_and_shows_no_hidden_test(both):
    from kit.grading.feedback import generate_feedback
    from kit.grading.release import hidden_test_lines

    course = both.kit.course
    learners = [DELETED_TEST, KERNEL_DEATH, "partialcredit", both.kit.run.results[0].learner]
    results = generate_feedback(course, ASSIGNMENT, learners)
    secrets = hidden_test_lines(exercise_source())
    assert secrets
    for result in results:
        assert result.problem is None and len(result.files) == 1, result
        html = result.files[0].read_text(encoding="utf-8")
        assert not any(line in html for line in secrets)
    html = course.step_dir("feedback", DELETED_TEST, ASSIGNMENT) / f"{ASSIGNMENT}.html"
    assert "was missing from your submission" in html.read_text(encoding="utf-8")


def test_the_kit_is_faster_than_nbgrader(both):
    assert both.kit.seconds < both.nbgrader.seconds
