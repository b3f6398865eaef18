"""Helpers shared by the tests: a throwaway project, notebook builders."""

from __future__ import annotations

import ast
import json
import re
import shutil
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parent.parent
ASSIGNMENT = "01-intro-movement-data"  # the module the grading-mechanics tests use


def available_assignments(languages: tuple[str, ...] = ("en",)) -> list[str]:
    """Every assignment of an available module, in the given languages."""
    from kit.data.syllabus import load_syllabus

    return [a for m in load_syllabus().available() for lang in languages if (a := m.assignment_for(lang))]


ASSIGNMENTS = available_assignments()  # what the main job grades
ALL_ASSIGNMENTS = available_assignments(("en", "es"))  # every language's exercise
GRADED = ASSIGNMENTS[:2]  # the shared graded cohort's (tests/grading/conftest.py): grades across assignments


def make_project(base: Path) -> Path:
    """A project folder with the real course config, exercises and datasets."""
    root = base / "project"
    (root / "grader").mkdir(parents=True)
    shutil.copy(REPO / "grader" / "nbgrader_config.py", root / "grader")
    shutil.copytree(REPO / "grader" / "simulation", root / "grader" / "simulation")
    shutil.copytree(REPO / "exercises", root / "exercises")
    (root / "datasets").symlink_to(REPO / "datasets")
    (root / "modules").symlink_to(REPO / "modules")
    (root / "plans").symlink_to(REPO / "plans")
    return root


def exercise_source(assignment: str = ASSIGNMENT) -> Path:
    return REPO / "exercises" / assignment / f"{assignment}.ipynb"


def read_nb(path: Path):
    return nbformat.read(path, as_version=4)


def wrong_visible_answers(profile, variant: int) -> dict[str, str]:
    """For each question, its ``variant``-th wrong answer that the visible tests let through."""
    answers = {}
    for gid, question in profile.questions.items():
        passing = [w for w in question.wrong if w.passes_visible]
        assert passing, f"{gid} has no wrong answer that passes the visible tests"
        answers[gid] = passing[variant % len(passing)].code
    return answers


def fill_answers(release_nb, answers: dict[str, str]):
    nb = nbformat.from_dict(release_nb)
    for cell in nb.cells:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        if gid in answers:
            cell.source = answers[gid]
    return nb


def submit(course, learner: str, files: dict[str, str], assignment: str = ASSIGNMENT) -> None:
    folder = course.step_dir("submitted", learner, assignment)
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text)
    (folder / "timestamp.txt").write_text("2026-03-02 17:00:00.000000 UTC")


def answer_names(nb) -> dict[str, list[str]]:
    """grade id -> the names each autograded solution cell assigns and the test cell after it checks."""
    names, pending = {}, None
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution") and cell.cell_type == "code" and "BEGIN SOLUTION" in cell.source:
            assigns = [node for node in ast.parse(cell.source).body if isinstance(node, ast.Assign)]
            pending = (meta["grade_id"], [t.id for node in assigns for t in node.targets if isinstance(t, ast.Name)])
        elif meta.get("grade") and cell.cell_type == "code" and pending:
            used = {n.id for n in ast.walk(ast.parse(cell.source)) if isinstance(n, ast.Name)}
            names[pending[0]] = [n for n in pending[1] if n in used]
            pending = None
    return names


ANSWERS_FILE = "answers.json"


def dump_answers_cell(nb) -> str:
    """Code that writes each autograded answer of an exercise's solution to ``answers.json`` in the
    working folder: numbers, text, a short numeric Series' values (``None`` for anything else)."""
    return (
        "import json as _j, numbers as _n, numpy as _np, pandas as _pd\n_v = {}\n"
        f"for _g, _names in {answer_names(nb)!r}.items():\n"
        "    for _x in _names:\n"
        "        _o = globals()[_x]\n"
        "        if isinstance(_o, (_pd.Series, _pd.DataFrame)):\n"
        "            _o = _o.iloc[:, 0] if isinstance(_o, _pd.DataFrame) else _o\n"
        "            _ty = _pd.api.types\n"
        "            _ok = len(_o) < 100 and _ty.is_numeric_dtype(_o) and not _ty.is_bool_dtype(_o)\n"
        "            _v[_g + ':' + _x] = [None if _pd.isna(i) else float(i) for i in _o] if _ok else None\n"
        "        elif isinstance(_o, (_n.Real, str)) and not isinstance(_o, (bool, _np.bool_)):\n"
        "            _v[_g + ':' + _x] = _o if isinstance(_o, str) else float(_o)\n"
        f"open({ANSWERS_FILE!r}, 'w').write(_j.dumps(_v))\n"
    )


def solution_values(executed_nb) -> dict[str, object]:
    """The answers an exercise's solution gives, from its run by the ``executed`` fixture."""
    folder = Path(executed_nb.metadata["kit_test_run_folder"])
    return {k: v for k, v in json.loads((folder / ANSWERS_FILE).read_text()).items() if v is not None}


SOLUTION = re.compile(r"^<details><summary><b>[^<]+</b></summary>\s*```python\n(.*?)\n```", re.S)


def with_revealed_solutions(nb, lang: str):
    """``nb`` (a teaching module) with each blank try-it filled with the solution revealed under it."""
    from kit.course.module_time import is_blank, try_it_marker

    for cell, after in zip(nb.cells, nb.cells[1:]):
        if cell.cell_type == "code" and cell.source.startswith(try_it_marker(lang)) and is_blank(cell.source):
            cell.source = SOLUTION.match(after.source).group(1)
    return nb
