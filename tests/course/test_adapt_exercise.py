"""Exercise 3 adapted to cities that are not Riverton: the source notebook (solutions in) runs top to
bottom with the city's data and every test cell passes (= full marks); a plausible wrong answer fails
its hidden test; no Riverton fact is left; the Riverton rendering keeps the committed grade ids and points."""

from __future__ import annotations

import re

import nbformat
import pytest
import yaml
from helpers import REPO
from test_adapt import RIVERTON

from kit.course.adapt import _execute, adapt_course, render_exercise
from kit.course.selfcheck import CHECKS_FILE, lint_checks
from kit.errors import CourseError

pytestmark = pytest.mark.notebooks

COMMITTED = {
    "en": REPO / "exercises" / "03-issue-campaigns" / "03-issue-campaigns.ipynb",
    "es": REPO / "exercises" / "03-issue-campaigns-es" / "03-issue-campaigns-es.ipynb",
}


def _grades(notebook) -> list[tuple[str, object]]:
    """(grade id, points) of every nbgrader cell but the parameters cell templates add."""
    cells = [c.metadata.get("nbgrader", {}) for c in notebook.cells]
    return [(m["grade_id"], m.get("points")) for m in cells if m and m["grade_id"] != "parameters"]


def _cell(notebook, grade_id: str) -> int:
    return next(i for i, c in enumerate(notebook.cells) if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def _no_riverton_left(text: str, key: str) -> None:
    left = [word for word in RIVERTON if re.search(rf"(?<![\d,.]){re.escape(word)}(?![\d,])", text)]
    assert not left, f"{key} still states Riverton facts: {left}"


def _adapt_and_run(profile, tmp_path, languages):
    out = tmp_path / "course"
    result = adapt_course(profile, out, languages=languages, execute=False)
    for key, path in result.exercises.items():
        _no_riverton_left(path.read_text(encoding="utf-8"), key)
        notebook = nbformat.read(path, as_version=4)
        for cell in notebook.cells:  # nbgrader's cells, and the plain check() cells under the answers
            assert cell.metadata.get("nbgrader", {"schema_version": 3})["schema_version"] == 3
        _execute(notebook, out, f"exercises {key}", cwd=path.parent)  # a failing test or check() cell raises
    return result, out


def _wrong_answer_fails(path, out, grade_id: str, wrong: str) -> None:
    """Replace the solution cell ``grade_id`` with ``wrong``: the test cell right after it fails."""
    notebook = nbformat.read(path, as_version=4)
    # check() may well say so first; this is about the hidden test, so the check() cells go
    notebook.cells = [c for c in notebook.cells if not c.source.startswith("check(")]
    index = _cell(notebook, grade_id)
    notebook.cells[index].source = wrong
    test = next(i for i in range(index + 1, len(notebook.cells)) if "nbgrader" in notebook.cells[i].metadata)
    assert notebook.cells[test].metadata["nbgrader"]["grade"]
    with pytest.raises(CourseError, match=rf"cell {test} failed: AssertionError"):
        _execute(notebook, out, str(path), cwd=path.parent)


def test_exercise_3_adapts_to_the_awkward_city_with_full_marks(awkward_city_profile, tmp_path):
    result, out = _adapt_and_run(awkward_city_profile, tmp_path, ["en", "es"])
    en = nbformat.read(result.exercises["03-issue-campaigns/en"], as_version=4)
    ids = [g for g, _ in _grades(en)]
    assert "test-count-duplicate-reports" not in ids, "the city marks no duplicates: question 2 is dropped"
    assert "test-compute-rate" in ids
    assert "### Question 2 — Requests that cannot go on the map" in en.cells[_cell(en, "q3")].source
    for key, path in result.exercises.items():  # the self-check follows the questions the city keeps
        questions = yaml.safe_load((path.parent / CHECKS_FILE).read_text(encoding="utf-8"))["questions"]
        assert "count-duplicate-reports" not in questions and "compute-rate" in questions, key
        assert lint_checks(path.parent) == [], key
    # counting before cleaning: only the most common spelling of the focus type
    wrong = "n_focus = int((requests['complaint_type'] == FOCUS_TYPE).sum())"
    _wrong_answer_fails(result.exercises["03-issue-campaigns/en"], out, "count-heat", wrong)


def test_exercise_3_adapts_to_chicago_with_full_marks(chicago_profile, tmp_path):
    result, out = _adapt_and_run(chicago_profile, tmp_path, ["en"])
    en = nbformat.read(result.exercises["03-issue-campaigns/en"], as_version=4)
    ids = [g for g, _ in _grades(en)]
    assert "test-compute-rate" not in ids, "Chicago's profile names no population: question 4 is dropped"
    assert "test-count-duplicate-reports" in ids
    # the share of open requests before dropping repeated rows and duplicate reports
    wrong = "open_share = requests['closed_date'].isna().mean()"
    _wrong_answer_fails(result.exercises["03-issue-campaigns/en"], out, "compute-open-share", wrong)


@pytest.mark.parametrize("lang", ["en", "es"])
def test_the_riverton_rendering_keeps_the_committed_grade_ids_and_points(lang):
    from kit.course.facts import module3_facts
    from kit.course.load import load_city

    city = load_city(REPO / "cities" / "riverton.yaml")
    context = module3_facts(city, lang)
    context = {"city": context["params"]["city"], "sample": True, **context}
    rendered, checks = render_exercise(city, "03-issue-campaigns", lang, context)
    committed = nbformat.read(COMMITTED[lang], as_version=4)
    assert _grades(rendered) == _grades(committed)
    assert checks == (COMMITTED[lang].parent / CHECKS_FILE).read_text(encoding="utf-8")
    graded = [c for c in rendered.cells if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("solution")]
    solutions = [c.source for c in graded]
    assert solutions[0].count("n_heat") == 1 and "harbor_flats_rate" in solutions[3]
    parameters = rendered.cells[2]
    assert parameters.metadata["tags"] == ["parameters"] and "FOCUS_TYPE = 'HEAT/HOT WATER'" in parameters.source


def test_exercise_3_rendered_for_riverton_gets_full_marks(tmp_path):
    result = adapt_course(REPO / "cities" / "riverton.yaml", tmp_path / "course", languages=["en"], execute=False)
    path = result.exercises["03-issue-campaigns/en"]
    _execute(nbformat.read(path, as_version=4), tmp_path / "course", "exercises riverton", cwd=path.parent)
    wrong = "n_heat = int((requests['complaint_type'] == FOCUS_TYPE).sum())"
    _wrong_answer_fails(path, tmp_path / "course", "count-heat", wrong)
    # a visible check that does not fit the city's data stops the adaptation, naming the cell
    checks = path.parent / CHECKS_FILE
    checks.write_text(checks.read_text(encoding="utf-8").replace("0 < open_share < 1", "open_share > 1"))
    with pytest.raises(CourseError, match=r"cell \d+: the solution does not pass its self-check: ✗ compute-open-share"):
        _execute(nbformat.read(path, as_version=4), tmp_path / "course", "exercises riverton", cwd=path.parent)
