"""Answer stubs in the notebook's language: a Spanish release says "# ESCRIBE TU CÓDIGO AQUÍ"."""

from __future__ import annotations

import nbformat
import pytest
from helpers import ASSIGNMENT, REPO, exercise_source, read_nb, submit

from kit.grading.preprocessors import ClearSolutionsInLanguage, generate_assignment_steps, notebook_language

SPANISH = f"{ASSIGNMENT}-es"
PORTUGUESE = f"{ASSIGNMENT}-pt"
EN_CODE, EN_TEXT = "# YOUR CODE HERE\nraise NotImplementedError()", "YOUR ANSWER HERE"
ES_CODE, ES_TEXT = "# ESCRIBE TU CÓDIGO AQUÍ\nraise NotImplementedError()", "ESCRIBE TU RESPUESTA AQUÍ"


def _answer_cells(path):
    return [c for c in read_nb(path).cells if c.metadata.get("nbgrader", {}).get("solution")]


def _notebook(*, language: str | None = None):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "language": "python", "display_name": "Python 3"}
    if language:
        nb.metadata["kit"] = {"language": language}
    meta = {"solution": True, "grade": False, "locked": False, "grade_id": "answer", "schema_version": 3}
    nb.cells = [
        nbformat.v4.new_code_cell("### BEGIN SOLUTION\nx = 1\n### END SOLUTION", metadata={"nbgrader": dict(meta)}),
        nbformat.v4.new_markdown_cell("The answer.", metadata={"nbgrader": {**meta, "grade_id": "why"}}),
    ]
    return nb


@pytest.mark.parametrize(
    ("language", "assignment", "code", "text"),
    [
        (None, "03-issue-campaigns", EN_CODE, EN_TEXT),
        (None, "03-issue-campaigns-es", ES_CODE, ES_TEXT),
        ("es", "anything", ES_CODE, ES_TEXT),  # the notebook's metadata says so
        ("en", "odd-name-es", EN_CODE, EN_TEXT),  # metadata wins over the name
        (None, "unknown-fr", EN_CODE, EN_TEXT),  # a language with no stubs gets nbgrader's
    ],
)
def test_the_stub_follows_the_notebooks_language(language, assignment, code, text):
    resources = {"nbgrader": {"assignment": assignment, "notebook": assignment}}
    step = ClearSolutionsInLanguage()
    nb, _ = step.preprocess(_notebook(language=language), resources)
    assert [c.source for c in nb.cells] == [code, text]
    assert step.code_stub["python"] == EN_CODE and step.text_stub == EN_TEXT  # the course's stubs are left as they were


def test_the_language_comes_from_metadata_then_the_suffix():
    assert notebook_language(_notebook(), {"nbgrader": {"assignment": "02-electoral-cycle-es"}}) == "es"
    assert notebook_language(_notebook(), {"nbgrader": {"assignment": "02-electoral-cycle"}}) == "en"
    assert notebook_language(_notebook(language="es"), {}) == "es"


def test_the_step_takes_clear_solutions_place_in_nbgraders_chain():
    from nbgrader.converters import GenerateAssignment
    from nbgrader.preprocessors import ClearSolutions

    default = GenerateAssignment.class_traits()["preprocessors"].make_dynamic_default()
    steps = generate_assignment_steps()
    assert ClearSolutions not in steps and len(steps) == len(default)
    assert steps.index(ClearSolutionsInLanguage) == default.index(ClearSolutions)


@pytest.fixture(scope="module")
def released_both(tmp_path_factory):
    """Module 1 released in English and Spanish through the kit's release path."""
    from helpers import make_project

    from kit.grading.course import open_course
    from kit.grading.release import release_assignment

    with pytest.MonkeyPatch.context() as mp:
        root = make_project(tmp_path_factory.mktemp("stubs"))
        mp.setenv("KIT_HOME", str(root))
        course = open_course(root / "grader")
        releases = {a: release_assignment(course, a, archive=False) for a in (ASSIGNMENT, SPANISH, PORTUGUESE)}
        yield course, releases


def test_the_spanish_release_says_escribe_tu_codigo_aqui(released_both):
    _, releases = released_both
    cells = _answer_cells(releases[SPANISH].notebooks[0])
    code = [c.source for c in cells if c.cell_type == "code"]
    text = [c.source for c in cells if c.cell_type == "markdown"]
    assert code and all(s.startswith("# ESCRIBE TU CÓDIGO AQUÍ") and "NotImplementedError" in s for s in code)
    assert text and all(s == ES_TEXT for s in text)
    assert not [c for c in cells if "YOUR CODE HERE" in c.source or "YOUR ANSWER HERE" in c.source]


def test_the_portuguese_release_says_escreva_seu_codigo_aqui(released_both):
    _, releases = released_both
    cells = _answer_cells(releases[PORTUGUESE].notebooks[0])
    code = [c.source for c in cells if c.cell_type == "code"]
    text = [c.source for c in cells if c.cell_type == "markdown"]
    assert code and all(s == "# ESCREVA SEU CÓDIGO AQUI\nraise NotImplementedError()" for s in code)
    assert text and all(s == "ESCREVA SUA RESPOSTA AQUI" for s in text)


def test_the_english_release_keeps_nbgraders_default(released_both):
    _, releases = released_both
    cells = _answer_cells(releases[ASSIGNMENT].notebooks[0])
    assert all(c.source.startswith("# YOUR CODE HERE") for c in cells if c.cell_type == "code")
    assert all(c.source == EN_TEXT for c in cells if c.cell_type == "markdown")
    assert "ESCRIBE" not in releases[ASSIGNMENT].notebooks[0].read_text()


@pytest.mark.grading
def test_autograding_is_unchanged_in_both_languages(released_both):
    """Solution: full marks; the untouched release (stubs in its language): nothing; same in en, es and pt."""
    from kit.grading.autograde import autograde

    course, releases = released_both
    scores = {}
    for assignment, release in releases.items():
        name = release.notebooks[0].name
        submit(course, "solution", {name: exercise_source(assignment).read_text()}, assignment)
        submit(course, "untouched", {name: release.notebooks[0].read_text()}, assignment)
        scores[assignment] = {r.learner: (r.score, r.max_score) for r in autograde(course, assignment)}
    assert scores[SPANISH] == scores[ASSIGNMENT] == scores[PORTUGUESE]
    solution, untouched = scores[SPANISH]["solution"], scores[SPANISH]["untouched"]
    with course.gradebook() as gb:
        notebook = gb.find_assignment(SPANISH).notebooks[0]
        auto_points = sum(c.max_score for c in notebook.grade_cells if c.cell_type == "code")
    assert solution[0] == auto_points > 0
    assert untouched[0] == 0


CONFIG_LINES = """
from kit.grading.preprocessors import generate_assignment_steps  # noqa: E402

c.GenerateAssignment.preprocessors = generate_assignment_steps()
"""


def test_formgraders_generate_button_uses_the_stubs_once_the_config_says_so(project):
    """nbgrader's own API (what formgrader's *Generate* calls), with the lines for nbgrader_config.py."""
    from kit.grading.course import open_course
    from kit.grading.nbgrader_result import require_success

    config = project / "grader" / "nbgrader_config.py"
    config.write_text(config.read_text() + CONFIG_LINES)
    course = open_course(project / "grader")
    require_success(course.api.generate_assignment(SPANISH), "generate")
    cells = _answer_cells(course.step_dir("release", ".", SPANISH) / f"{SPANISH}.ipynb")
    assert cells and all(c.source in (ES_CODE, ES_TEXT) or c.source.startswith("# ESCRIBE") for c in cells)


@pytest.mark.parametrize(
    "source",
    sorted((REPO / "exercises").glob("**/*-pt/*-pt.ipynb")),
    ids=lambda p: p.parent.name,
)
def test_portuguese_exercises_tell_learners_the_portuguese_stub(source):
    text = "\n".join(c.source for c in nbformat.read(source, as_version=4).cells if c.cell_type == "markdown")
    assert "YOUR CODE HERE" not in text and "ESCRIBE" not in text
    assert "ESCREVA SEU CÓDIGO AQUI" in text


@pytest.mark.parametrize(
    "source",
    sorted((REPO / "exercises").glob("**/*-es/*-es.ipynb")),
    ids=lambda p: p.parent.name + ("-template" if "templates" in p.parts else ""),
)
def test_spanish_exercises_tell_learners_the_spanish_stub(source):
    """The release writes ESCRIBE TU CÓDIGO AQUÍ: the instructions must not send learners to look for English."""
    text = "\n".join(c.source for c in nbformat.read(source, as_version=4).cells if c.cell_type == "markdown")
    assert "YOUR CODE HERE" not in text and "YOUR ANSWER HERE" not in text
    assert "ESCRIBE TU CÓDIGO AQUÍ" in text
