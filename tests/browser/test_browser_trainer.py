"""The trainer's formgrader (`make formgrader`), in Chromium, on a graded cohort: a reflection graded by typing
a score reaches `kit grade export`, and a hostile learner's HTML never runs in the trainer's browser.

One JupyterLab with nbgrader's formgrader serves the module's tests, started in the throwaway course's
folder as `make formgrader` does (``cd grader && jupyter lab``).
"""

from __future__ import annotations

import csv
from urllib.parse import quote

import nbformat
import pytest
from browser_support import ACTIVE_LEFT, PAYLOAD, TOKEN, jupyter_lab, kit_home
from helpers import ASSIGNMENT, exercise_source
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

SCORE = 2  # of the reflection's 3 points


@pytest.fixture(scope="module")
def formgrader(graded_course, tmp_path_factory):
    """JupyterLab with nbgrader's formgrader in the graded course's folder."""
    runtime = tmp_path_factory.mktemp("formgrader-runtime")
    with jupyter_lab(graded_course.course.root, runtime, {"KIT_HOME": str(graded_course.root)}) as url:
        yield url


def reflection_id() -> str:
    """The grade id of module 1's manually graded answer (a graded markdown answer cell)."""
    for cell in nbformat.read(exercise_source(), as_version=4).cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "markdown" and meta.get("solution") and meta.get("grade"):
            return meta["grade_id"]
    raise AssertionError(f"{ASSIGNMENT} has no manually graded answer")


def open_submission(page, formgrader: str, graded_course, learner: str) -> None:
    """Log in with the token as a trainer does, open Manual Grading's list of the notebook's submissions,
    once it lists them all show the names and follow ``learner``'s; wait until formgrader has loaded its grades."""
    notebook = exercise_source().stem
    listing = f"/formgrader/gradebook/{ASSIGNMENT}/{notebook}"
    page.goto(f"{formgrader}/login?next={quote(listing, safe='')}")
    page.locator("#password_input").fill(TOKEN)
    page.locator("#password_input").press("Enter")
    expect(page.locator("#main-table a.name-hidden")).to_have_count(len(graded_course.learners) + 1)
    page.get_by_role("button", name="Show All Names").click()
    page.get_by_role("link", name=learner, exact=True).click()
    expect(page.locator("input.score").first).to_be_visible()
    page.wait_for_load_state("networkidle")


def exported_reflection(graded_course, path, learner: str) -> str:
    """``learner``'s reflection column in the grades `kit grade export` writes (empty while ungraded)."""
    from kit.grading.workflow import export_grades

    with kit_home(graded_course.root):
        export_grades(path, [ASSIGNMENT], course=graded_course.course)
    with path.open(encoding="utf-8") as fh:
        [row] = [r for r in csv.DictReader(fh) if r["learner"] == learner and r["assignment"] == ASSIGNMENT]
    return row[reflection_id()]


def test_a_reflection_graded_in_formgrader_shows_in_the_export(page, formgrader, graded_course, tmp_path, screenshot):
    """Type a score into the reflection's score box of one learner's submission and leave the box
    (formgrader saves on change): the gradebook takes it, and `kit grade export` shows it for that learner."""
    learner = graded_course.learners[0]
    assert exported_reflection(graded_course, tmp_path / "before.csv", learner) == ""
    open_submission(page, formgrader, graded_course, learner)
    score = page.locator(f"input.score#{reflection_id()}")
    score.click()
    score.press_sequentially(str(SCORE))
    with page.expect_response(lambda r: "/formgrader/api/grade/" in r.url and r.request.method == "PUT") as saved:
        score.press("Tab")
    assert saved.value.ok and saved.value.json()["manual_score"] == SCORE
    assert exported_reflection(graded_course, tmp_path / "after.csv", learner) == f"{SCORE:g}"
    screenshot(page)


FRAMES_PWNED = "() => typeof window.__pwned"


def test_learner_html_never_runs_in_formgrader(page, page_log, formgrader, graded_course, screenshot):
    """A learner's notebook with ``<script>window.__pwned = 1</script>`` (and an ``onerror`` image) in a
    text/html output and in the reflection's markdown, graded, then opened in formgrader's submission view:
    the page keeps the learner's harmless HTML, shows the code that made it as text, and no frame has a
    script or handler of it left, nor ``window.__pwned`` set, nor raised a dialog (alert)."""
    open_submission(page, formgrader, graded_course, graded_course.hostile)
    expect(page.get_by_text("learner html", exact=True)).to_be_visible()  # the output, cleaned, is there
    expect(page.locator(".rendered_html", has_text="My organizing plan.")).to_be_visible()  # so is the reflection
    expect(page.locator(".input_area", has_text="window.__pwned = 1").first).to_be_visible()  # the code, as text
    for frame in page.frames:
        assert frame.evaluate(ACTIVE_LEFT) == [], f"learner HTML left active in {frame.url}"
        assert frame.evaluate(FRAMES_PWNED) == "undefined", f"the learner's script ran in {frame.url}"
    rendered = page.locator(".rendered_html, .output_html").evaluate_all("els => els.map(e => e.innerHTML)")
    assert not [html for html in rendered if "<script" in html or PAYLOAD in html]
    assert page_log.dialogs == []
    screenshot(page)
