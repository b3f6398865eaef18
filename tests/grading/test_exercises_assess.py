"""Exercises that assess, in English and Spanish: solution = full marks, release = 0, every plausible
wrong answer the visible tests (and check()) let through = 0 on its question — graded by the kit's
grader, and the English ones by real nbgrader too, with the same scores — and no autograded answer
is printed by the module it follows.

``ASSESSED`` is every exercise of the repository: each asks about data its module never printed (issue 14).
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from helpers import REPO, exercise_source, fill_answers, make_project, read_nb, solution_values, submit

from kit.languages import available_languages

pytestmark = pytest.mark.grading

# every exercise in the repository (its English folder; a translation is ``<name>-<lang>``)
LANGS = {lang: "" if lang == "en" else f"-{lang}" for lang in available_languages()}
ASSESSED = sorted(
    p.name
    for p in (REPO / "exercises").iterdir()
    if (p / f"{p.name}.ipynb").is_file() and not any(p.name.endswith(x) for x in LANGS.values() if x)
)
# how far a hidden test lets an answer be from the expected value (counts: exact)
TOLERANCE = {"compute-rate": 0.001, "find-slowest": 0.051, "compute-open-share": 1e-6, "compute-top-lift": 0.02}
NUMBER = re.compile(r"(?<![\w.])-?\d{1,3}(?:,\d{3})+(?:\.\d+)?|(?<![\w.])-?\d+(?:\.\d+)?(?:e-?\d+)?")


def _wrong_learners(profile) -> dict[str, dict[str, str]]:
    """One learner per variant: learner ``wrongN`` gives each question's N-th visible-passing wrong answer."""
    passing = {gid: [w.code for w in q.wrong if w.passes_visible] for gid, q in profile.questions.items()}
    assert all(passing.values()), [gid for gid, codes in passing.items() if not codes]
    most = max(len(codes) for codes in passing.values())
    return {f"wrong{n}": {gid: codes[n % len(codes)] for gid, codes in passing.items()} for n in range(most)}


CASES = [(a, lang) for a in ASSESSED for lang in LANGS if (REPO / "exercises" / f"{a}{LANGS[lang]}").is_dir()]


# The kit's grader grades every cohort. Plain nbgrader (~3 s a notebook) grades exercise 3 and both
# languages of module 6 and the supplements too — the tests that draw on a city's parameters, on a
# fitted model and on simulations —
# for the solution, the release and two sets of wrong answers, and the scores must be the same;
# tests/grading/test_exact.py compares the two engines cell by cell on exercise 1.
PLAIN_NBGRADER = {
    "03-issue-campaigns",
    *(
        f"{x}{lang}"
        for x in ("06-next-top-model", "supplement-a-experiments", "supplement-b-digital-safety")
        for lang in ("", "-es")
    ),
}


def _engines(assignment: str) -> tuple[str, ...]:
    return ("nbgrader", "kit") if assignment in PLAIN_NBGRADER else ("kit",)


@dataclass
class Cohort:
    assignment: str
    scores: dict[str, pd.DataFrame]  # engine -> learner, question, kind, score, max_score
    wrong: dict[str, dict[str, str]]  # learner -> grade id -> code
    graded: dict[str, nbformat.NotebookNode]  # learner -> the kit's autograded notebook


def _grade(assignment: str, engine: str, folder: Path) -> tuple[pd.DataFrame, dict, dict]:
    """Release, hand in (each notebook with the released checks.yaml, as a learner's folder holds it), grade."""
    from kit.grading.autograde import autograde
    from kit.grading.course import open_course
    from kit.grading.grades import question_scores
    from kit.grading.profile import load_profile
    from kit.grading.release import release_assignment

    with pytest.MonkeyPatch.context() as mp:
        root = make_project(folder)
        mp.setenv("KIT_HOME", str(root))
        course = open_course(root / "grader")
        release = release_assignment(course, assignment)
        name = release.notebooks[0].name
        checks = {"checks.yaml": (release.notebooks[0].parent / "checks.yaml").read_text(encoding="utf-8")}
        release_nb = read_nb(release.notebooks[0])
        wrong = _wrong_learners(load_profile(course.root, assignment))
        if engine == "nbgrader":  # two sets of wrong answers: enough to compare, at ~3 s a notebook
            wrong = dict(list(wrong.items())[:2])
        for learner, answers in wrong.items():
            submit(course, learner, {name: nbformat.writes(fill_answers(release_nb, answers)), **checks}, assignment)
        submit(course, "solution", {name: exercise_source(assignment).read_text(), **checks}, assignment)
        submit(course, "untouched", {name: release.notebooks[0].read_text()}, assignment)
        autograde(course, assignment, engine=engine, allow_unisolated=engine == "nbgrader")
        scores = question_scores(course, [assignment])[["learner", "question", "kind", "score", "max_score"]]
        graded = {learner: read_nb(course.step_dir("autograded", learner, assignment) / name) for learner in wrong}
        graded["solution"] = read_nb(course.step_dir("autograded", "solution", assignment) / name)
    return scores, wrong, graded


@pytest.fixture(scope="module", params=CASES, ids=lambda p: p[0] + LANGS[p[1]])
def cohort(request, tmp_path_factory) -> Cohort:
    """The assignment graded by the kit's engine (and by plain nbgrader, see PLAIN_NBGRADER) for the same learners."""
    base, lang = request.param
    assignment = base + LANGS[lang]
    scores, graded = {}, {}
    for engine in _engines(assignment):
        scores[engine], wrong, found = _grade(assignment, engine, tmp_path_factory.mktemp(f"{assignment}-{engine}"))
        graded = found if engine == "kit" else graded
    return Cohort(assignment, scores, wrong, graded)


def test_both_graders_give_the_same_scores(cohort):
    if "nbgrader" not in cohort.scores:
        pytest.skip("graded by the kit's grader only (PLAIN_NBGRADER lists the ones plain nbgrader grades too)")
    key = ["learner", "question"]
    plain = cohort.scores["nbgrader"].sort_values(key).reset_index(drop=True)
    kit = cohort.scores["kit"][cohort.scores["kit"]["learner"].isin(plain["learner"])]
    kit = kit.sort_values(key).reset_index(drop=True)
    assert {"solution", "untouched", "wrong0", "wrong1"} <= set(plain["learner"])
    assert plain.equals(kit), plain.compare(kit)


def test_the_solution_scores_full_marks_and_the_release_zero(cohort):
    auto = cohort.scores["kit"][cohort.scores["kit"]["kind"] == "auto"].set_index("learner")
    solution = auto.loc["solution"]
    assert len(solution) >= 6 and (solution["score"] == solution["max_score"]).all(), solution
    assert (auto.loc["untouched"]["score"] == 0).all()


def test_every_plausible_wrong_answer_scores_zero_on_its_question(cohort):
    auto = cohort.scores["kit"][cohort.scores["kit"]["kind"] == "auto"]
    for learner in cohort.wrong:
        rows = auto[auto["learner"] == learner]
        assert len(rows) >= 6 and (rows["score"] == 0).all(), rows[rows["score"] > 0]


def test_the_wrong_answers_pass_the_visible_tests_and_check(cohort):
    """Each 'passes_visible' answer fails its test cell only on a hidden test (the error is none of the
    visible asserts' messages), and the learner's check() (the released checks.yaml) passes it, as it
    passes the solution: read from the notebooks the kit's grader ran."""
    for learner, nb in cohort.graded.items():
        said = ["".join(o.get("text", "") for o in c.outputs) for c in nb.cells if c.source.startswith("check(")]
        assert said and all(text.startswith("✓") for text in said), (learner, said)
        for cell in nb.cells:
            errors = [o for o in cell.get("outputs", []) if o.output_type == "error"]
            if errors and cell.metadata.get("nbgrader", {}).get("grade"):
                visible = _visible_messages(cell.source)
                message = errors[0].evalue
                where = (learner, cell.metadata.nbgrader.grade_id)
                assert message and not any(message.startswith(m) for m in visible), where


def _visible_messages(source: str) -> list[str]:
    """How each visible assert's message begins (an f-string's first literal part)."""
    visible = source.split("### BEGIN HIDDEN TESTS")[0]
    starts = []
    for node in ast.walk(ast.parse(visible)):
        if isinstance(node, ast.Assert) and node.msg is not None:
            first = node.msg.values[0] if isinstance(node.msg, ast.JoinedStr) else node.msg
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                starts.append(first.value)
    return starts


# --- the must-show test: no autograded answer appears in the module's executed outputs ---


def _module_outputs(nb) -> list[str]:
    """The text a learner reads under the module's cells: printed text and each result's plain form."""
    texts = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            texts.append(output.get("text", "") if output.output_type == "stream" else "")
            texts.append(output.get("data", {}).get("text/plain", ""))
    return [t for t in texts if t]


DATE = re.compile(r"\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2})?)?|\d{1,2}/\d{1,2}/\d{4}")


def _numbers(text: str) -> list[float]:
    """The numbers a reader sees: not the digits of dates, nor a table's row labels (0, 1, 2 …)."""
    lines = [re.sub(r"^\s*\d+\s+(?=\S)", "", line) for line in DATE.sub(" ", text).splitlines()]
    return [float(m.replace(",", "")) for m in NUMBER.findall("\n".join(lines))]


def _text_shown(value: str, text: str) -> bool:
    """A text answer is shown when an output is that answer (a short output naming it) or a
    sorted table puts it first; a name among the rows of a long table is not an answer."""
    lines = [line.strip() for line in text.strip().splitlines()]
    return (len(lines) <= 3 and any(value in line for line in lines)) or any(
        line.startswith((value, repr(value))) for line in lines[:3]
    )


def _shown(value, tolerance: float, outputs: list[str]) -> list[str]:
    """Where an output shows ``value`` (text as is; a number within the hidden test's tolerance,
    in any format: 1,234 or 35.294117647058826 or 35.3; a series as its run of values)."""
    found = []
    for text in outputs:
        printed = _numbers(text)
        if isinstance(value, str):
            hit = _text_shown(value, text)
        elif isinstance(value, list):
            run = len(value)
            hit = any(printed[i : i + run] == value for i in range(len(printed) - run + 1))
        else:
            hit = any(abs(p - value) <= tolerance for p in printed) or any(
                abs(p / 100 - value) <= tolerance for p in _numbers(" ".join(re.findall(r"[\d.,]+\s?%", text)))
            )
        if hit:
            found.append(text[:200])
    return found


@pytest.mark.notebooks
@pytest.mark.parametrize(("base", "lang"), CASES, ids=[a + LANGS[lang] for a, lang in CASES])
def test_no_autograded_answer_is_printed_by_its_module(base, lang, executed):
    values = solution_values(executed(exercise_source(base + LANGS[lang])))  # the exercise's one run
    module = REPO / "modules" / ("" if lang == "en" else lang) / f"{base}.ipynb"
    outputs = _module_outputs(executed(module))  # the module's run in tests/notebooks, when it ran first
    assert values and outputs
    for key, value in values.items():
        tolerance = TOLERANCE.get(key.split(":")[0], 0.0)
        assert not _shown(value, tolerance, outputs), f"module prints the answer to {key} ({value})"


def test_the_must_show_search_finds_printed_answers():
    """The search itself: module 3's printed numbers are found in every form the prose or Python uses."""
    outputs = ["HARBOR FLATS       366       10370      35.3", "np.int64(146)", "Total: 4,695 rows", "share 2.1%"]
    assert _shown(35.294117647058826, 0.01, outputs)  # the old exercise's tolerance let 35.3 through
    assert not _shown(35.294117647058826, 0.001, outputs)
    assert _shown(146.0, 0.0, outputs) and _shown(4695.0, 0.0, outputs)
    assert _shown(0.021379766365439718, 0.001, outputs)
    assert _shown([366.0, 10370.0], 0.0, outputs) and not _shown([366.0, 35.3], 0.0, outputs)
    assert _shown("HARBOR FLATS", 0.0, outputs)
