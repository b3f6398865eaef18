"""The kit's HTML documents, opened in Chromium from disk as their readers open them: the training plan
(`kit plan build`), the cohort's feedback report (`kit feedback report`) and a learner's feedback
(`kit grade feedback`). Each loads with no broken image, no console error, no uncaught exception and no
dialog, and no learner script runs in it. All are built in temporary folders, never in the repository.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from browser_support import ACTIVE_LEFT, kit_home
from helpers import ASSIGNMENT, REPO

pytestmark = pytest.mark.browser

PLAN = REPO / "plans" / "riverton.yaml"
BROKEN_IMAGES = """() => [...document.images]
    .filter(i => !i.complete || i.naturalWidth === 0).map(i => i.currentSrc.slice(0, 120) || i.outerHTML)"""
DOCUMENTS = ["plan.en", "plan.es", "report.en", "report.es", "feedback"]
HOSTILE_FEEDBACK = "feedback-hostile"


def feedback_report(graded_course, folder: Path) -> dict[str, Path]:
    """The cohort's feedback report in each plan language, as `kit feedback report` writes it, from simulated
    survey exports (English Google Forms, Spanish Microsoft Forms), attendance and the course's grades."""
    from kit.feedback.simulated_surveys import simulate_attendance, simulate_post_survey
    from kit.feedback.workflow import build_report, write_survey_instruments
    from kit.plan.schedule import session_dates
    from kit.plan.validate import load_spec

    spec = load_spec(PLAN)
    instruments = write_survey_instruments(PLAN, folder / "instruments")
    learners = [*graded_course.learners, graded_course.hostile]
    surveys = [
        simulate_post_survey(folder / "en.csv", learners[:2], spec.city, instruments.skills, "en", "google", 1),
        simulate_post_survey(folder / "es.csv", learners[2:], spec.city, instruments.skills, "es", "microsoft", 1),
    ]
    attendance = simulate_attendance(folder / "attendance.csv", learners, session_dates(spec.sprint), 1)
    outputs = {lang: folder / f"report.{lang}" for lang in spec.languages}
    _, files = build_report(
        cohort="browser-test",
        surveys=surveys,
        mappings=[folder / "instruments" / "mapping-post.en.yaml", folder / "instruments" / "mapping-post.es.yaml"],
        attendance=attendance,
        plan=PLAN,
        course=graded_course.course.root,
        log=folder / "you-said-we-did.sqlite",
        outputs=outputs,
    )
    return {f"report.{lang}": report.html for lang, report in zip(outputs, files)}


def learner_feedback(graded_course) -> dict[str, Path]:
    """`kit grade feedback` for a simulated learner and for the hostile one (inside the throwaway course)."""
    from kit.grading.feedback import generate_feedback

    learners = {"feedback": graded_course.learners[0], HOSTILE_FEEDBACK: graded_course.hostile}
    results = generate_feedback(graded_course.course, ASSIGNMENT, list(learners.values()))
    files = {r.learner: r.files for r in results}
    assert all(len(files[learner]) == 1 for learner in learners.values()), results
    return {name: files[learner][0] for name, learner in learners.items()}


@pytest.fixture(scope="module")
def documents(graded_course, tmp_path_factory) -> dict[str, Path]:
    """Every document, built once into temporary folders: name -> its HTML file."""
    from kit.plan.build import build_plan

    folder = tmp_path_factory.mktemp("browser-documents")
    with kit_home(graded_course.root):
        plan = {p.name.removesuffix(".html"): p for p in build_plan(PLAN, folder / "plan") if p.suffix == ".html"}
        built = {**plan, **feedback_report(graded_course, folder / "feedback"), **learner_feedback(graded_course)}
    assert sorted(built) == sorted([*DOCUMENTS, HOSTILE_FEEDBACK])
    assert not any(path.resolve().is_relative_to(REPO) for path in built.values())
    return built


@pytest.mark.parametrize("name", DOCUMENTS)
def test_document_loads_cleanly(page, page_log, documents, name, screenshot):
    """Open the document from disk (file://): every image loads with a real size, the console shows no
    error, nothing throws, no dialog opens, no learner script ran (``window.__pwned``); a full-page
    screenshot is kept."""
    page.goto(documents[name].as_uri())
    page.wait_for_load_state("load")
    assert page.locator("body").inner_text().strip(), f"{name} is empty"
    assert page.evaluate(BROKEN_IMAGES) == [], f"{name} has broken images"
    assert page.evaluate("() => typeof window.__pwned") == "undefined", f"a learner's script ran in {name}"
    screenshot(page)
    assert page_log.problems() == [], (
        f"{name} ({documents[name].name}) reported problems: {page_log.problems()}"
        " (this machine is offline, as a training room may be: a document must not need the internet)"
    )


def test_hostile_learner_feedback_runs_none_of_their_html(page, page_log, documents, screenshot):
    """The feedback of the learner who handed in ``<script>window.__pwned = 1</script>`` and an ``onerror``
    image (in an HTML output and in the reflection): opened from disk, it keeps the learner's harmless
    HTML, holds no script or handler of theirs, sets no ``window.__pwned``, opens no dialog and throws nothing.
    (Their images with a disallowed source lose it, so a broken image here is the learner's own.)"""
    page.goto(documents[HOSTILE_FEEDBACK].as_uri())
    page.wait_for_load_state("load")
    assert page.get_by_text("learner html", exact=True).count() == 1
    assert page.get_by_text("My organizing plan.").count() == 1
    assert page.evaluate(ACTIVE_LEFT) == []
    assert page.evaluate("() => typeof window.__pwned") == "undefined", "the learner's script ran in their feedback"
    screenshot(page)
    assert page_log.dialogs == [] and page_log.page_errors == [], page_log
