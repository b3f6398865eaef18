"""Feedback shows learners their messages, never the hidden tests."""

from __future__ import annotations

import pytest
from helpers import ASSIGNMENT, exercise_source

from kit.grading.feedback import generate_feedback
from kit.grading.release import hidden_test_lines

pytestmark = pytest.mark.grading


@pytest.fixture(scope="module")
def feedback(graded):
    learners = ["solution", "untouched", "wrong0"]
    return {r.learner: r for r in generate_feedback(graded.course, ASSIGNMENT, learners)}


def test_feedback_is_written_for_each_learner(feedback):
    for result in feedback.values():
        assert result.problem is None
        assert [f.name for f in result.files] == [f"{ASSIGNMENT}.html"]


def test_feedback_loads_no_script_from_the_network(feedback):
    """nbconvert's template loads MathJax from a CDN (offline the page errors; online third-party code runs
    beside the learner's notebook): the kit's feedback template loads nothing from anywhere."""
    from html.parser import HTMLParser

    class Sources(HTMLParser):
        def __init__(self):
            super().__init__()
            self.found: list[str] = []

        def handle_starttag(self, tag, attrs):
            self.found += [value for name, value in attrs if name in ("src", "href") and "://" in (value or "")]

    for result in feedback.values():
        parser = Sources()
        parser.feed(result.files[0].read_text())
        assert [url for url in parser.found if not url.startswith("file://")] == []


def test_feedback_never_shows_hidden_test_source(feedback):
    secrets = hidden_test_lines(exercise_source())
    assert len(secrets) > 10
    for result in feedback.values():
        html = result.files[0].read_text()
        assert "HIDDEN TESTS" not in html
        assert "BEGIN SOLUTION" not in html or result.learner == "solution"
        for line in secrets:
            assert line not in html


def test_feedback_shows_the_message_written_for_the_learner(feedback):
    html = feedback["wrong0"].files[0].read_text()
    assert "n_contacts is not the number of contacts who joined from April 1 through June 30" in html
    assert "Did you include people who joined on October 31 itself?" in html
