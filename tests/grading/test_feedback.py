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
