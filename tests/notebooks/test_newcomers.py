"""Modules a newcomer can finish: each states its time (the syllabus's minutes), and at least a third of
its try-it cells ask for new code from a blank cell, each followed by a solution the learner can reveal (a
closed ``<details>`` block); every revealed solution runs where it stands."""

from __future__ import annotations

import re

import nbformat
import pytest
from helpers import REPO, SOLUTION

from kit.course.module_time import BREAK, SITTING_MINUTES, module_time, try_it_marker
from kit.course.module_time import is_blank as _is_blank
from kit.data.syllabus import load_syllabus
from kit.languages import REFERENCE


def _modules() -> list[tuple[str, str]]:
    return [(m.id, lang) for m in load_syllabus().available() for lang in m.languages]


def _path(module: str, lang: str):
    return REPO / "modules" / ("" if lang == "en" else lang) / f"{module}.ipynb"


def try_its(notebook, lang: str) -> list[int]:
    """Indexes of the try-it code cells."""
    return [
        i for i, c in enumerate(notebook.cells) if c.cell_type == "code" and c.source.startswith(try_it_marker(lang))
    ]


TIME = {
    "en": "about {teaching} minutes, and {exercise} for exercise {number}",
    "es": "unos {teaching} minutos, y {exercise} para el ejercicio {number}",
    "pt": "uns {teaching} minutos, e {exercise} para o exercício {number}",
}


@pytest.mark.parametrize(("module", "lang"), _modules(), ids=[f"{m}-{lang}" for m, lang in _modules()])
def test_each_module_states_the_syllabus_minutes(module, lang):
    entry = next(m for m in load_syllabus().available() if m.id == module)
    first = nbformat.read(_path(module, lang), as_version=4).cells[0].source
    expected = TIME[lang].format(teaching=entry.teaching_minutes, exercise=entry.exercise_minutes, number=entry.number)
    assert expected in first


@pytest.mark.parametrize(("module", "lang"), _modules(), ids=[f"{m}-{lang}" for m, lang in _modules()])
def test_a_third_of_the_try_its_start_from_a_blank_cell_with_a_solution_to_reveal(module, lang):
    notebook = nbformat.read(_path(module, lang), as_version=4)
    found = try_its(notebook, lang)
    blank = [i for i in found if _is_blank(notebook.cells[i].source)]
    assert found and 3 * len(blank) >= len(found), f"{len(blank)} of {len(found)} try-its start from a blank cell"
    for i in blank:
        after = notebook.cells[i + 1]
        assert after.cell_type == "markdown" and SOLUTION.match(after.source), f"cell {i}: no solution to reveal"
        assert "<details open" not in after.source  # closed until the learner opens it


TRANSLATED = [(module, lang) for module, lang in _modules() if lang != REFERENCE]


@pytest.mark.notebooks
@pytest.mark.parametrize(("module", "lang"), TRANSLATED, ids=[f"{m}-{lang}" for m, lang in TRANSLATED])
def test_every_revealed_solution_runs_in_its_module(module, lang, executed):
    """The module, each blank try-it filled with its solution, runs top to bottom: each translation's
    shared run (tests/conftest.py executed), whose code is the English one's, token for token."""
    committed = nbformat.read(_path(module, lang), as_version=4)
    blank = [i for i in try_its(committed, lang) if _is_blank(committed.cells[i].source)]
    notebook = executed(_path(module, lang))
    assert blank and not any(_is_blank(notebook.cells[i].source) for i in blank), "the solutions were not filled in"
    errors = [c for c in notebook.cells if c.cell_type == "code" and any(o.output_type == "error" for o in c.outputs)]
    assert all("raises-exception" in c.metadata.get("tags", []) for c in errors)


@pytest.mark.parametrize(("module", "lang"), _modules(), ids=[f"{m}-{lang}" for m, lang in _modules()])
def test_a_module_points_only_to_material_that_exists(module, lang):
    """ "Module 6 shows how…" or "see Supplement B" sends a learner nowhere until that material is available."""
    available = load_syllabus().available()
    text = " ".join(c.source for c in nbformat.read(_path(module, lang), as_version=4).cells)
    numbers = {int(n) for n in re.findall(r"\b[Mm](?:odule|ódulo)s? (\d+)\b", text)}
    missing = numbers - {m.number for m in available}
    assert not missing, f"points to modules {sorted(missing)}, not available yet"
    letters = set(re.findall(r"\b[Ss](?:upplement|uplemento) ([A-Z])\b", text))
    written = {m.id.split("-")[1].upper() for m in available if m.id.startswith("supplement-")}
    assert letters <= written, f"points to supplements {sorted(letters - written)}, not written yet"


@pytest.mark.parametrize(("module", "lang"), _modules(), ids=[f"{m}-{lang}" for m, lang in _modules()])
def test_a_newcomer_finishes_the_module_in_its_minutes_one_sitting_at_a_time(module, lang):
    """The time model (kit.course.module_time): reading, running, trying, within the syllabus's
    teaching minutes; a module longer than a sitting stops halfway at a break, each part one sitting."""
    entry = next(m for m in load_syllabus().available() if m.id == module)
    time = module_time(nbformat.read(_path(module, lang), as_version=4), lang)
    assert time.total <= entry.teaching_minutes, f"{time.total:.0f} minutes for a newcomer"
    assert time.total >= entry.teaching_minutes - 15, f"{time.total:.0f} minutes: the syllabus pads it"
    if entry.teaching_minutes > SITTING_MINUTES:
        assert len(time.parts) == 2 and max(time.parts) <= SITTING_MINUTES, time.parts


def test_the_time_model_counts_what_a_learner_reads_and_does():
    nb = nbformat.v4.new_notebook()
    words = " ".join(["word"] * 240)
    nb.cells = [
        nbformat.v4.new_markdown_cell(words + "\n<details><summary>x</summary>\n\n" + words + "\n</details>"),
        nbformat.v4.new_code_cell("x = 1"),
        nbformat.v4.new_markdown_cell(BREAK + " Halfway\n\n```python\n" + words + "\n```"),
        nbformat.v4.new_code_cell(try_it_marker("en") + "\nx + 1"),
        nbformat.v4.new_code_cell(try_it_marker("en") + "\n# write it here"),
    ]
    time = module_time(nb, "en")
    assert time.parts == (2 + 0.5, 1 / 120 + 3 + 6)  # the hidden solution and code blocks are not read
