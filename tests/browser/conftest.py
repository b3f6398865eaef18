"""Fixtures of the browser tests: one Chromium per session (the system's, driven by Playwright), a fresh
page per test with what went wrong in it recorded, screenshots as artifacts, and a small cohort graded once
(formgrader and the documents read it). Helpers are in ``browser_support``."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
from browser_support import (
    ARTIFACTS,
    CHROMIUM_ARGS,
    HOSTILE,
    LOCAL,
    GradedCourse,
    PageLog,
    chromium_executable,
    hostile_notebook,
    kit_home,
    watch,
)
from helpers import ASSIGNMENT, make_project, submit


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    executable = chromium_executable()
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    """A fresh page with its own cookies. The machine is offline: requests leaving localhost are
    refused at once (the page sees them fail) rather than waiting on DNS."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    context.set_default_timeout(30_000)
    new_page = context.new_page()
    new_page.route(LOCAL, lambda route: route.abort())
    yield new_page
    context.close()


@pytest.fixture
def page_log(page) -> PageLog:
    """What ``page`` reports, recorded from before the test opens anything."""
    return watch(page)


@pytest.fixture
def screenshot(request):
    """``screenshot(page)`` saves a full-page screenshot as the test's artifact
    (``out/test-artifacts/browser/<test-name>[-label].png``); returns its path."""

    def save(page, label: str = "") -> Path:
        name = re.sub(r"[^A-Za-z0-9_.-]+", "-", request.node.name).strip("-") + (f"-{label}" if label else "")
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return save


@pytest.fixture(scope="session")
def graded_course(tmp_path_factory) -> GradedCourse:
    """Module 1 (English) released, a simulated cohort of two plus a hostile learner, autograded by the kit."""
    from kit.grading.autograde import autograde
    from kit.grading.course import open_course
    from kit.grading.release import release_assignment
    from kit.grading.simulated_cohort import simulate_cohort

    root = make_project(tmp_path_factory.mktemp("browser-course"))
    with kit_home(root):
        course = open_course(root / "grader")
        release = release_assignment(course, ASSIGNMENT)
        cohort = simulate_cohort(course, ASSIGNMENT, 2, seed=4)
        notebook = release.notebooks[0]
        hostile = hostile_notebook(nbformat.read(notebook, as_version=4))
        submit(course, HOSTILE, {notebook.name: nbformat.writes(hostile)})
        run = autograde(course, ASSIGNMENT)
    assert [r.learner for r in run.results if not r.graded] == [], run
    return GradedCourse(root, course, [c.learner for c in cohort], HOSTILE)
