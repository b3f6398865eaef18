"""check() and hint() for learners, on a small fixture exercise in English and Spanish.

The fixture (built below) asks for two answers about a list of rents: how many are above 1,500
(``n_high``: 13) and their median (``median_rent``: 1462.5). Its ``checks.yaml`` holds visible
checks and two hints per question; the hidden tests hold the values. Neither the released files nor
anything ``check()`` or ``hint()`` prints may show a solution value or a hidden-test line.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import nbformat
import pandas as pd
import pytest
import yaml
from helpers import REPO

from kit.course.selfcheck import CHECKS_FILE, lint_checks, load_checks, next_hint, run_check, set_recording
from kit.data.hint_records import FILENAME, read_hint_record
from kit.errors import AssignmentError

FIXTURE = "90-fixture-rents"
RENTS = [900, 1100, 1200, 1250, 1300, 1350, 1400, 1425, 1440, 1450, 1455, 1460, 1461] + [
    1464,
    1470,
    1480,
    1490,
    1495,
    1499,
    1500,
    1510,
    1520,
    1600,
    1700,
    1800,
    1900,
    2000,
    2100,
    2200,
    2300,
    2400,
    2500,
]
SOLUTION_VALUES = {"n_high": 13, "median_rent": 1462.5}  # what the hidden tests want

CHECKS = {
    "questions": {
        "count-high-rents": {
            "variable": "n_high",
            "uses": ["rents"],
            "checks": [
                {
                    "expect": "isinstance(n_high, int) and not isinstance(n_high, bool)",
                    "message": {
                        "en": "n_high should be a whole number (a count of rents), not a {type}.",
                        "es": "n_high debe ser un número entero (un conteo de alquileres), no un {type}.",
                    },
                },
                {
                    "expect": "0 <= n_high <= len(rents)",
                    "message": {
                        "en": "n_high counts rents in the list, so it is between 0 and the list's length.",
                        "es": "n_high cuenta alquileres de la lista: va de 0 al largo de la lista.",
                    },
                },
            ],
            "hints": [
                {
                    "en": "Compare each rent with 1,500 and count the ones above it.",
                    "es": "Compara cada alquiler con 1,500.",
                },
                {
                    "en": "In pandas: (rents > 1500).sum() counts the True values; ask whether 1,500 itself counts.",
                    "es": "Con pandas: (rents > 1500).sum() cuenta los True; piensa si 1,500 cuenta.",
                },
            ],
        },
        "find-median-rent": {
            "variable": "median_rent",
            "checks": [
                {
                    "expect": "isinstance(median_rent, (int, float)) and not isinstance(median_rent, bool)",
                    "message": {
                        "en": "median_rent should be a single number, not a {type}.",
                        "es": "median_rent debe ser un solo número, no un {type}.",
                    },
                },
                {
                    "expect": "900 <= median_rent <= 2500",
                    "message": {
                        "en": "median_rent should lie between the smallest and the largest rent.",
                        "es": "median_rent debe estar entre el alquiler más bajo y el más alto.",
                    },
                },
            ],
            "hints": [{"en": "The median is the middle value once sorted.", "es": "La mediana es el valor del medio."}],
        },
        "explain-median": {
            "written": True,
            "hints": [
                {
                    "en": "Say who the median describes, in one sentence a neighbor would follow.",
                    "es": "Di a quién describe la mediana, en una frase que entienda una vecina.",
                }
            ],
        },
    }
}

# test cells hold asserts only: they run in the grader's judge, where the notebook's functions
# (check() included) are not available
VISIBLE = {
    "count-high-rents": "assert isinstance(n_high, int), 'n_high should be a whole number'",
    "find-median-rent": "assert isinstance(median_rent, float), 'median_rent should be a number'",
}
HIDDEN = {
    "count-high-rents": "assert n_high == len([r for r in rents if r > 1500]), 'not the count of rents above 1,500'",
    "find-median-rent": "assert abs(median_rent - float(pd.Series(rents).median())) < 0.01, 'not the median rent'",
}
SOLUTIONS = {
    "count-high-rents": "n_high = int((pd.Series(rents) > 1500).sum())",
    "find-median-rent": "median_rent = float(pd.Series(rents).median())",
}


def _cell(kind: str, source: str, **nbgrader):
    make = nbformat.v4.new_code_cell if kind == "code" else nbformat.v4.new_markdown_cell
    cell = make(source)
    if nbgrader:
        cell.metadata["nbgrader"] = {
            "schema_version": 3,
            "grade": False,
            "solution": False,
            "locked": False,
            **nbgrader,
        }
    return cell


def fixture_notebook(language: str):
    """The fixture exercise: two autograded questions, each followed by its check() cell."""
    intro = {"en": "# Rents\n\nRun every cell.", "es": "# Alquileres\n\nEjecuta cada celda."}[language]
    cells = [
        _cell("markdown", intro, grade_id="intro", locked=True),
        _cell(
            "code",
            f"import pandas as pd\nfrom kit.course.selfcheck import check, hint, record_hints\n\nrents = {RENTS}",
            grade_id="load",
            locked=True,
        ),
    ]
    for gid, solution in SOLUTIONS.items():
        test = f"test-{gid}"
        visible = f"check({gid!r})"
        cells += [
            _cell("code", f"### BEGIN SOLUTION\n{solution}\n### END SOLUTION", grade_id=gid, solution=True),
            _cell("code", visible),
            _cell(
                "code",
                f"{VISIBLE[gid]}\n### BEGIN HIDDEN TESTS\n{HIDDEN[gid]}\n### END HIDDEN TESTS",
                grade_id=test,
                grade=True,
                locked=True,
                points=1,
            ),
        ]
    written = {"en": "Rents vary.", "es": "Los alquileres varían."}[language]
    cells += [
        _cell("markdown", written, grade_id="explain-median", solution=True, grade=True, points=1),
        _cell("code", "hint('explain-median')"),
    ]
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "language": "python", "display_name": "Python 3"}
    return nb


def write_fixture(exercises: Path) -> dict[str, Path]:
    """The fixture in ``exercises/`` in both languages, each folder with its checks.yaml."""
    folders = {}
    for language, assignment in (("en", FIXTURE), ("es", f"{FIXTURE}-es")):
        folder = exercises / assignment
        folder.mkdir(parents=True)
        nbformat.write(fixture_notebook(language), folder / f"{assignment}.ipynb")
        (folder / CHECKS_FILE).write_text(yaml.safe_dump(CHECKS, allow_unicode=True, sort_keys=False))
        folders[language] = folder
    return folders


@pytest.fixture
def folders(tmp_path) -> dict[str, Path]:
    return write_fixture(tmp_path / "exercises")


@pytest.fixture(scope="module")
def fixture_course(tmp_path_factory):
    """A course with the fixture exercise released, in both languages, through the kit's release path."""
    from kit.grading.course import open_course
    from kit.grading.release import release_assignment

    root = tmp_path_factory.mktemp("selfcheck") / "project"
    (root / "grader").mkdir(parents=True)
    shutil.copy(REPO / "grader" / "nbgrader_config.py", root / "grader")
    write_fixture(root / "exercises")
    (root / "datasets").symlink_to(REPO / "datasets")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("KIT_HOME", str(root))
        course = open_course(root / "grader")
        releases = {a: release_assignment(course, a, archive=False) for a in (FIXTURE, f"{FIXTURE}-es")}
        yield course, releases


def _solution_value_pattern() -> re.Pattern:
    values = {str(v) for v in SOLUTION_VALUES.values()} | {"1,462.5", "1462.50"}
    return re.compile(r"(?<![\w.,])(" + "|".join(re.escape(v) for v in values) + r")(?![\w])")


def _assert_nothing_secret(text: str) -> None:
    assert not _solution_value_pattern().search(text), f"a solution value in: {text!r}"
    for line in (*HIDDEN.values(), *SOLUTIONS.values()):
        assert line not in text


# --- the checks file --------------------------------------------------------------------------


def test_the_checks_file_is_read_per_question(folders):
    checks = load_checks(folders["en"])
    assert list(checks.questions) == ["count-high-rents", "find-median-rent", "explain-median"]
    assert checks.questions["explain-median"].variables == () and not checks.questions["explain-median"].checks
    assert checks.questions["count-high-rents"].variables == ("n_high",)
    assert len(checks.questions["count-high-rents"].hints) == 2
    assert checks.language == "en" and load_checks(folders["es"]).language == "es"


@pytest.mark.parametrize(
    ("change", "error"),
    [
        (lambda q: q["checks"][0]["message"].pop("en"), "needs a text in en"),
        (lambda q: q["hints"].append(q["hints"][0]), "give 1 or 2 hints"),
        (lambda q: q["checks"][0].update(expect="n_high ==="), "is not a Python expression"),
        (lambda q: q.update(variable="n high"), "must name the answer variable"),
        (lambda q: q.update(checks=[]), "at least one visible check"),
        (lambda q: q.update(written=True), "a written answer has hints, no checks"),
    ],
)
def test_a_malformed_checks_file_says_which_question_and_what(folders, change, error):
    data = yaml.safe_load((folders["en"] / CHECKS_FILE).read_text())
    change(data["questions"]["count-high-rents"])
    (folders["en"] / CHECKS_FILE).write_text(yaml.safe_dump(data))
    with pytest.raises(AssignmentError, match=f"count-high-rents.*{error}"):
        load_checks(folders["en"])


def test_lint_finds_unknown_questions_unassigned_variables_and_secrets(folders):
    data = yaml.safe_load((folders["en"] / CHECKS_FILE).read_text())
    data["questions"]["count-heat"] = data["questions"].pop("find-median-rent")
    data["questions"]["count-high-rents"]["variable"] = "n_above"
    data["questions"]["count-high-rents"]["hints"][0]["es"] = f"La prueba: {HIDDEN['count-high-rents']}"
    (folders["en"] / CHECKS_FILE).write_text(yaml.safe_dump(data, allow_unicode=True))
    assert sorted(lint_checks(folders["en"])) == [
        f"{CHECKS_FILE} holds a hidden-test or solution line: {HIDDEN['count-high-rents']!r}",
        f"{CHECKS_FILE}: count-heat is not an answer cell of the notebook",
        f"{CHECKS_FILE}: count-high-rents: the solution never assigns n_above",
    ]


def _exercise_folders_with_checks() -> list[Path]:
    return sorted(p.parent for p in (REPO / "exercises").glob(f"*/{CHECKS_FILE}"))


def test_every_exercise_checks_file_is_consistent_with_its_notebook(folders):
    """The fixture, and every real exercise that has a checks.yaml (the lead adds them)."""
    for folder in [*folders.values(), *_exercise_folders_with_checks()]:
        assert lint_checks(folder) == [], folder.name


# --- check() --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "namespace", "expected"),
    [
        ("en", {}, "there is no `n_high` yet"),
        ("es", {}, "todavía no existe `n_high`"),
        ("en", {"n_high": 3}, "there is no `rents`: run the notebook's cells from the top first"),
        ("en", {"n_high": pd.Series([1, 2]), "rents": RENTS}, "a whole number (a count of rents), not a Series"),
        ("es", {"n_high": "many", "rents": RENTS}, "debe ser un número entero (un conteo de alquileres), no un str"),
        ("en", {"n_high": 40, "rents": RENTS}, "between 0 and the list's length"),
        ("en", {"n_high": 3, "rents": RENTS}, "✓ count-high-rents: the visible checks pass"),
        ("es", {"n_high": 3, "rents": RENTS}, "✓ count-high-rents: pasan las comprobaciones visibles"),
    ],
)
def test_check_says_in_plain_words_what_is_wrong(folders, language, namespace, expected):
    result = run_check(load_checks(folders[language]), "count-high-rents", namespace)
    assert expected in result.message
    assert result.passed == ("✓" in expected)
    _assert_nothing_secret(result.message)


def test_a_check_that_raises_fails_with_its_message_not_a_traceback(folders):
    frame = pd.DataFrame({"rent": RENTS})
    result = run_check(load_checks(folders["en"]), "find-median-rent", {"median_rent": frame})
    assert not result.passed and "a single number, not a DataFrame" in result.message


def test_visible_checks_pass_a_wrong_answer_only_hidden_tests_catch(folders):
    # the checks are about shape and range: 14 (1,500 counted as high: wrong) passes them, as it must
    assert run_check(load_checks(folders["en"]), "count-high-rents", {"n_high": 14, "rents": RENTS}).passed


def test_a_written_answer_has_hints_and_check_says_the_trainer_grades_it(folders):
    checks = load_checks(folders["es"])
    said = run_check(checks, "explain-median", {}).message
    assert "es una respuesta escrita: la lee y califica quien te capacita" in said
    assert next_hint(checks, "explain-median").startswith("Pista 1 de 1: Di a quién describe la mediana")


def test_an_unknown_question_lists_the_known_ones(folders):
    result = run_check(load_checks(folders["es"]), "count-heat", {})
    assert "No hay una pregunta 'count-heat'" in result.message and "find-median-rent" in result.message


# --- hint() and recording ----------------------------------------------------------------------


def test_hints_come_one_at_a_time_then_the_last_again(folders):
    checks = load_checks(folders["es"])
    shown = [next_hint(checks, "count-high-rents") for _ in range(3)]
    assert shown[0] == "Pista 1 de 2: Compara cada alquiler con 1,500."
    assert shown[1].startswith("Pista 2 de 2: Con pandas") and shown[1].endswith("(Era la última pista.)")
    assert shown[2] == shown[1]
    for text in shown:
        _assert_nothing_secret(text)


def test_nothing_is_recorded_unless_the_learner_turns_it_on(folders):
    checks = load_checks(folders["en"])
    next_hint(checks, "count-high-rents")
    assert not (folders["en"] / FILENAME).exists()


def test_recording_counts_hints_per_question_and_can_be_withdrawn(folders):
    checks = load_checks(folders["en"])
    next_hint(checks, "find-median-rent")
    assert "counted in hints-used.json" in set_recording(checks, True)
    assert read_hint_record(folders["en"] / FILENAME).hints == {"find-median-rent": 1}
    next_hint(checks, "count-high-rents")
    next_hint(checks, "count-high-rents")
    next_hint(checks, "count-high-rents")
    record = read_hint_record(folders["en"] / FILENAME)
    assert record.assignment == FIXTURE and record.hints == {"count-high-rents": 2, "find-median-rent": 1}
    assert "deleted" in set_recording(checks, False)
    assert not (folders["en"] / FILENAME).exists()


# --- released and run in a real kernel --------------------------------------------------------


def test_checks_yaml_is_released_with_the_notebook_and_holds_nothing_secret(fixture_course):
    from kit.grading.release import find_leaks, secret_lines

    course, releases = fixture_course
    for assignment, release in releases.items():
        assert sorted(p.name for p in release.directory.iterdir()) == [f"{assignment}.ipynb", CHECKS_FILE]
        secrets = secret_lines(course.source_notebooks(assignment))
        assert HIDDEN["count-high-rents"] in secrets and SOLUTIONS["find-median-rent"] in secrets
        assert find_leaks(release.directory, course.source_notebooks(assignment)) == []
        assert lint_checks(course.step_dir("source", ".", assignment)) == []  # in the source: also consistent
        notebook = nbformat.read(release.notebooks[0], as_version=4)
        _assert_nothing_secret("\n".join(c.source for c in notebook.cells))
        _assert_nothing_secret((release.directory / CHECKS_FILE).read_text())


def test_a_checks_file_that_gives_a_hidden_test_away_stops_the_release(fixture_course, tmp_path, monkeypatch):
    from kit.grading.course import open_course
    from kit.grading.release import release_assignment

    course, _ = fixture_course
    root = tmp_path / "project"
    shutil.copytree(course.root.parent, root, symlinks=True)
    monkeypatch.setenv("KIT_HOME", str(root))
    checks = root / "exercises" / FIXTURE / CHECKS_FILE
    data = yaml.safe_load(checks.read_text())
    data["questions"]["count-high-rents"]["hints"][1]["en"] = f"The test is: {HIDDEN['count-high-rents']}"
    checks.write_text(yaml.safe_dump(data, width=1000))
    with pytest.raises(AssignmentError, match="leaked solutions"):
        release_assignment(open_course(root / "grader"), FIXTURE, archive=False)


def _fill(nb, answers: dict[str, str], extra: list[str]):
    for cell in nb.cells:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        if gid in answers:
            cell.source = answers[gid]
    nb.cells += [nbformat.v4.new_code_cell(code) for code in extra]
    return nb


def _outputs(nb) -> str:
    texts = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            texts.append(out.get("text", "") + str(out.get("data", {}).get("text/plain", "")) + out.get("evalue", ""))
    return "\n".join(texts)


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", ["✗ count-high-rents: n_high should be a whole number", "✓ find-median-rent", "Hint 1 of 2"]),
        ("es", ["✗ count-high-rents: n_high debe ser un número entero", "✓ find-median-rent", "Pista 1 de 2"]),
    ],
)
def test_in_the_released_notebook_check_and_hint_speak_its_language(fixture_course, tmp_path, language, expected):
    from nbclient import NotebookClient

    _, releases = fixture_course
    release = releases[FIXTURE if language == "en" else f"{FIXTURE}-es"]
    folder = tmp_path / release.directory.name
    shutil.copytree(release.directory, folder)
    notebook = folder / f"{folder.name}.ipynb"
    answers = {"count-high-rents": "n_high = pd.Series(rents) > 1500", "find-median-rent": "median_rent = 1400.0"}
    extra = ["record_hints()", "hint('count-high-rents')", "hint('count-high-rents')", "hint('find-median-rent')"]
    nb = _fill(nbformat.read(notebook, as_version=4), answers, extra)
    nb.cells = [c for c in nb.cells if not c.metadata.get("nbgrader", {}).get("grade")]  # the learner's view
    NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(folder)}}).execute()
    printed = _outputs(nb)
    for text in expected:
        assert text in printed
    _assert_nothing_secret(printed)
    record = read_hint_record(folder / FILENAME)
    assert record.hints == {"count-high-rents": 2, "find-median-rent": 1, "explain-median": 1}


@pytest.mark.grading
def test_check_cells_change_no_grade(fixture_course):
    """Autograded in the sandbox, with check() cells under every answer: solution full marks, release zero."""
    from helpers import submit

    from kit.grading.autograde import autograde

    course, releases = fixture_course
    for assignment, release in releases.items():
        name = release.notebooks[0].name
        source = course.step_dir("source", ".", assignment) / name
        submit(course, "solution", {name: source.read_text()}, assignment)
        submit(course, "untouched", {name: release.notebooks[0].read_text()}, assignment)
        scores = {r.learner: (r.score, r.max_score, r.problem) for r in autograde(course, assignment)}
        # 2 autograded points, and 1 for the written answer, which waits for the trainer
        assert scores == {"solution": (2.0, 3.0, None), "untouched": (0.0, 3.0, None)}
