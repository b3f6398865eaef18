"""Notebooks are code: every module and exercise source runs top to bottom."""

from __future__ import annotations

import json
import re

import nbformat
import pytest
from helpers import REPO

pytestmark = pytest.mark.notebooks

# modules/templates/ holds Jinja2 templates, rendered per city (tests/course test their renderings)
MODULES = sorted(p for p in (REPO / "modules").rglob("*.ipynb") if "templates" not in p.relative_to(REPO).parts)
EXERCISES = sorted((REPO / "exercises").glob("*/*.ipynb"))
ALL = MODULES + EXERCISES


def ids(paths):
    return [str(p.relative_to(REPO)) for p in paths]


@pytest.mark.parametrize("path", MODULES + EXERCISES, ids=ids(MODULES + EXERCISES))
def test_notebook_runs_top_to_bottom(path, executed):
    nb = executed(path)  # from an empty folder, an exercise with its released checks.yaml beside it
    errors = [c for c in nb.cells if c.cell_type == "code" and any(o.output_type == "error" for o in c.outputs)]
    assert all("raises-exception" in c.metadata.get("tags", []) for c in errors)
    for cell in [c for c in nb.cells if c.cell_type == "code" and c.source.startswith("check(")]:
        said = "".join(o.get("text", "") for o in cell.outputs)
        assert said.startswith("✓"), f"the solution does not pass its own self-check: {said}"
    if path in MODULES:  # a module shows at least one chart or map a learner would rather look at
        images = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if "image/png" in o.get("data", {})]
        assert images, "no chart or map in this module"


@pytest.mark.parametrize("path", ALL, ids=ids(ALL))
def test_notebook_is_committed_without_outputs(path):
    nb = json.loads(path.read_text())
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None


@pytest.mark.parametrize("path", ALL, ids=ids(ALL))
def test_data_is_loaded_through_kit_never_by_path(path):
    source = "\n".join(c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code")
    assert not re.search(r"read_(csv|file|json|excel)\(|open\(|\.\./", source), "load data with kit.load_dataset"


def test_every_module_has_objectives_a_recap_and_a_spanish_translation():
    english = [p for p in MODULES if p.parent.name == "modules"]
    assert english
    for path in english:
        text = path.read_text()
        assert "What you will learn" in text and "Recap" in text
        spanish = REPO / "modules" / "es" / path.name
        assert spanish.is_file(), f"no Spanish translation of {path.name}"
        en, es = nbformat.read(path, as_version=4), nbformat.read(spanish, as_version=4)
        assert [c.cell_type for c in en.cells] == [c.cell_type for c in es.cells]


def test_every_exercise_has_six_autograded_questions_with_hidden_tests_and_one_reflection():
    for path in EXERCISES:
        cells = nbformat.read(path, as_version=4).cells
        meta = [c.metadata.get("nbgrader", {}) for c in cells]
        tests = [c for c, m in zip(cells, meta) if m.get("grade") and c.cell_type == "code"]
        manual = [c for c, m in zip(cells, meta) if m.get("grade") and m.get("solution") and c.cell_type == "markdown"]
        assert len(tests) >= 6
        assert all("### BEGIN HIDDEN TESTS" in c.source for c in tests)
        assert all(
            re.search(r"^assert .*\n?.*\"[^\"]{10,}", c.source.split("### BEGIN HIDDEN")[0], re.M) for c in tests
        ), "every visible test says what is wrong"
        assert len(manual) == 1
        ids_ = [m["grade_id"] for m in meta if m.get("grade_id")]
        assert len(ids_) == len(set(ids_))
        for c, m in zip(cells, meta):
            if m.get("grade") and c.cell_type == "code":
                assert m["grade_id"].startswith("test-")


def test_no_function_is_copied_between_modules():
    """Helpers shared by notebooks belong in kit, not pasted into each notebook."""
    seen: dict[str, str] = {}
    for path in ALL:
        module = path.stem.removesuffix("-es")[:2]  # a translation shares its original's code
        for cell in nbformat.read(path, as_version=4).cells:
            for match in re.finditer(r"^def (\w+)\(.*?(?=^\S|\Z)", cell.source, re.M | re.S):
                body = re.sub(r"\s+|#.*", "", match.group(0))
                other = seen.setdefault(body, module)
                assert other == module, f"{match.group(1)} is defined in module {other} and module {module}"


@pytest.mark.parametrize("path", MODULES, ids=ids(MODULES))
def test_module_times_live_only_in_the_syllabus(path):
    """A module states its own minutes, as the syllabus gives them (tests/notebooks/test_newcomers.py), and no other."""
    from test_newcomers import TIME

    from kit.data.syllabus import load_syllabus

    entry = next(m for m in load_syllabus().modules if m.id == path.stem)
    stated = TIME["en" if path.parent.name == "modules" else path.parent.name].format(
        teaching=entry.teaching_minutes, exercise=entry.exercise_minutes, number=entry.number
    )
    text = "\n".join(c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "markdown")
    assert not re.search(r"\d+\s*(?:–|-|to|a)?\s*\d*\s*(?:minutes|minutos)\b", text.replace(stated, "")), (
        "state durations in modules/syllabus.yaml only"
    )
