"""The learner's JupyterLab (`make lab`), in Chromium: module 1 runs top to bottom and draws its charts,
a typed answer passes the exercise's self-check, and nbgrader's Validate button accepts a correct notebook.

One JupyterLab serves the module's tests: the sample city's learner workspace built in a temporary folder
with the kit's own ``build_lab_workspace`` (its Jupyter config, nbgrader's Assignment List and Validate,
a local exchange), started as `make lab` starts it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest
from browser_support import TOKEN, jupyter_lab, kit_home, source_answers
from helpers import REPO, make_project
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

RUN_ALL_MS = 90_000
KERNEL_MS = 60_000
# nbgrader 0.9.6's labextension (nbgrader/labextension/static/*.js): the Validate dialog's title and the
# text it shows when every test passes.
VALIDATE_TITLE = "Validation Results"
VALIDATE_SUCCESS = "Success! Your notebook passes all the tests."
PROMPT_RUN = re.compile(r"^\[\d+\]:$")
KERNEL_IDLE = """() => {
    const panel = [...document.querySelectorAll('.jp-NotebookPanel')].find(p => !p.classList.contains('lm-mod-hidden'));
    const status = panel && panel.querySelector('.jp-Notebook-ExecutionIndicator');
    return !!status && status.getAttribute('data-status') === 'idle';
}"""
# Per cell of the open notebook, in order: is it code, its prompt, does it show stderr or a traceback.
CELL_STATES = """() => [...document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell')]
    .map(cell => ({
        code: cell.classList.contains('jp-CodeCell'),
        prompt: (cell.querySelector('.jp-InputPrompt') || {}).textContent?.trim() ?? '',
        error: [...cell.querySelectorAll('.jp-OutputArea-output')].some(o =>
            o.getAttribute('data-mime-type') === 'application/vnd.jupyter.stderr' || /Traceback/.test(o.textContent)),
    }))"""


@dataclass(frozen=True)
class Workspace:
    folder: Path
    module: Path  # module 1, relative to folder
    exercise: Path  # module 1's released exercise, relative to folder
    correct: Path  # a copy of it with every answer cell holding the source's solution, relative to folder
    source: Path  # the exercise's source (with solutions) in the repository


def build_workspace(base: Path) -> Workspace:
    """The learner workspace of `make lab`, built from a throwaway copy of the course, and a correct copy
    of module 1's released exercise beside it (written with nbformat before JupyterLab opens it)."""
    from kit.course.bundle import build_lab_workspace

    root = make_project(base)
    folder = base / "learner"
    with kit_home(root):
        build_lab_workspace(folder, course=root / "grader")
    module = next((folder / "modules").glob("01-*.ipynb")).relative_to(folder)
    [exercise_dir] = [d for d in folder.glob("01-*") if d.is_dir()]
    exercise = exercise_dir / f"{exercise_dir.name}.ipynb"
    source = REPO / "exercises" / exercise_dir.name / exercise.name
    nb = nbformat.read(exercise, as_version=4)
    answers = {gid: text for gid, (_, text) in source_answers(source).items()}
    for cell in nb.cells:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        if gid in answers:
            cell.source = answers[gid]
    correct = exercise_dir / f"{exercise_dir.name}-correct.ipynb"
    nbformat.write(nb, correct)
    return Workspace(folder, module, exercise.relative_to(folder), correct.relative_to(folder), source)


@pytest.fixture(scope="module")
def workspace(tmp_path_factory) -> Workspace:
    return build_workspace(tmp_path_factory.mktemp("browser-learner"))


@pytest.fixture(scope="module")
def lab(workspace, tmp_path_factory):
    """The learner's JupyterLab on the workspace, with the workspace's own Jupyter config (as `make lab`)."""
    runtime = tmp_path_factory.mktemp("learner-runtime")
    with jupyter_lab(workspace.folder, runtime, {"JUPYTER_CONFIG_DIR": str(workspace.folder / ".jupyter")}) as url:
        yield url


def open_notebook(page, lab: str, path: Path, folder: Path):
    """Open ``path`` in a JupyterLab workspace of its own (nothing else restored), once every cell is
    on the page and the kernel is idle; return the locator of its cells."""
    nb = nbformat.read(folder / path, as_version=4)
    page.goto(f"{lab}/lab/workspaces/{path.stem}/tree/{path.as_posix()}?token={TOKEN}")
    cells = page.locator(".jp-NotebookPanel:visible .jp-Notebook .jp-Cell")
    expect(cells).to_have_count(len(nb.cells), timeout=KERNEL_MS)
    page.wait_for_function(KERNEL_IDLE, timeout=KERNEL_MS)
    return cells


def test_module_1_runs_all_cells_without_error_and_shows_a_chart(page, page_log, lab, workspace, screenshot):
    """Run > Run All Cells on module 1: every code cell runs (an execution count each, the kernel idle after),
    no cell shows an error or stderr except the module's deliberate break-it cells (tagged
    ``raises-exception``: the learner is shown an error on purpose), and a chart (an image in an output)
    is drawn with a real size."""
    nb = nbformat.read(workspace.folder / workspace.module, as_version=4)
    deliberate = [i for i, c in enumerate(nb.cells) if "raises-exception" in c.metadata.get("tags", [])]
    to_run = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and c.source.strip()]
    open_notebook(page, lab, workspace.module, workspace.folder)
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
    page.wait_for_function(
        f"() => ({KERNEL_IDLE})() && ({CELL_STATES})().filter((c, i) => {to_run}.includes(i))"
        ".every(c => /^\\[\\d+\\]:$/.test(c.prompt))",
        timeout=RUN_ALL_MS,
    )
    states = page.evaluate(CELL_STATES)
    assert [i for i in to_run if not PROMPT_RUN.match(states[i]["prompt"])] == []
    errors = [i for i, state in enumerate(states) if state["error"]]
    assert errors == deliberate, (
        f"cells with an error or stderr output: {errors}; only the raises-exception cells {deliberate} may have one"
    )
    images = page.locator(".jp-OutputArea-output img")
    assert images.count() > 0, "module 1 drew no chart"
    images.first.scroll_into_view_if_needed()
    expect(images.first).to_be_visible()
    sizes = images.evaluate_all("imgs => imgs.map(i => [i.naturalWidth, i.getBoundingClientRect().width])")
    assert all(natural > 0 and shown > 0 for natural, shown in sizes), sizes
    assert page_log.page_errors == []
    screenshot(page)


def first_code_question(exercise: nbformat.NotebookNode) -> tuple[int, int, str]:
    """(index of the first code answer cell, index of its ``check(...)`` cell, its grade id)."""
    for i, cell in enumerate(exercise.cells):
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution") and cell.cell_type == "code":
            gid = meta["grade_id"]
            check = next(j for j in range(i + 1, len(exercise.cells)) if f'check("{gid}")' in exercise.cells[j].source)
            return i, check, gid
    raise AssertionError("the exercise has no code question")


def run_cell(page, cell) -> None:
    """Click into a cell's editor and run it with Shift+Enter; wait until it has an execution count."""
    cell.locator(".jp-InputArea-editor").click()
    page.keyboard.press("Shift+Enter")
    expect(cell.locator(".jp-InputPrompt")).to_have_text(PROMPT_RUN, timeout=KERNEL_MS)


def test_a_typed_correct_answer_passes_the_self_check(page, page_log, lab, workspace, screenshot):
    """In module 1's released exercise, run the data cell, type the source's solution into the first
    question's answer cell (replacing the stub), run it and its ``check(...)`` cell: the kit's pass message
    appears, in the exercise's language."""
    from kit.course.selfcheck import load_checks

    exercise = nbformat.read(workspace.folder / workspace.exercise, as_version=4)
    answer_at, check_at, gid = first_code_question(exercise)
    _, answer = source_answers(workspace.source)[gid]
    passed = load_checks((workspace.folder / workspace.exercise).parent).say("pass", gid=gid)
    cells = open_notebook(page, lab, workspace.exercise, workspace.folder)
    for i, cell in enumerate(exercise.cells[:answer_at]):
        if cell.cell_type == "code" and cell.source.strip():
            run_cell(page, cells.nth(i))
    cells.nth(answer_at).locator(".jp-InputArea-editor").click()
    page.keyboard.press("Control+a")
    page.keyboard.type(answer)
    assert cells.nth(answer_at).locator(".cm-content").inner_text() == answer
    run_cell(page, cells.nth(answer_at))
    run_cell(page, cells.nth(check_at))
    expect(cells.nth(check_at).locator(".jp-OutputArea-output")).to_have_text(passed.strip(), timeout=KERNEL_MS)
    assert page.evaluate(CELL_STATES)[answer_at]["error"] is False
    assert page_log.page_errors == []
    screenshot(page)


def test_validate_button_accepts_a_correct_notebook(page, page_log, lab, workspace, screenshot):
    """nbgrader's Validate toolbar button on a copy of the released exercise whose every answer cell holds
    the source's solution: nbgrader's dialog says the notebook passes all the tests."""
    open_notebook(page, lab, workspace.correct, workspace.folder)
    page.locator(".jp-NotebookPanel:visible .validate-button").get_by_role("button", name="Validate").click()
    dialog = page.locator(".jp-Dialog")
    expect(dialog).to_be_visible(timeout=RUN_ALL_MS)
    expect(dialog.locator(".jp-Dialog-header")).to_have_text(VALIDATE_TITLE)
    expect(dialog.locator(".validation-success")).to_have_text(VALIDATE_SUCCESS)
    assert page_log.page_errors == []
    screenshot(page)
