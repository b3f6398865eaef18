"""The cohort simulator."""

from __future__ import annotations

import pytest
from helpers import ASSIGNMENT

from kit.errors import AssignmentError
from kit.grading.simulated_cohort import simulate_cohort


def submitted_bytes(course, learners):
    return {
        learner: (course.step_dir("submitted", learner, ASSIGNMENT) / f"{ASSIGNMENT}.ipynb").read_bytes()
        for learner in learners
    }


def test_the_same_seed_writes_the_same_cohort(released):
    first = simulate_cohort(released, ASSIGNMENT, 12, seed=5)
    files = submitted_bytes(released, [c.learner for c in first])
    again = simulate_cohort(released, ASSIGNMENT, 12, seed=5)
    assert first == again
    assert submitted_bytes(released, [c.learner for c in again]) == files


def test_a_cohort_mixes_perfect_blank_partial_and_crashing_learners(released):
    cohort = simulate_cohort(released, ASSIGNMENT, 25, seed=2026)
    assert len({c.learner for c in cohort}) == 25
    kinds = {c.archetype for c in cohort}
    assert {"perfect", "blank"} <= kinds and len(kinds) >= 4
    answers = {a for c in cohort for a in c.answers.values()}
    assert {"correct", "wrong", "wrong-visible", "blank", "error"} <= answers


def test_resimulating_replaces_the_previous_simulated_cohort(released):
    simulate_cohort(released, ASSIGNMENT, 10, seed=1)
    smaller = simulate_cohort(released, ASSIGNMENT, 3, seed=2)
    assert released.submitted_learners(ASSIGNMENT) == sorted(c.learner for c in smaller)


def test_simulating_before_release_says_what_to_do(course):
    with pytest.raises(AssignmentError, match="has not been released.*kit grade release"):
        simulate_cohort(course, ASSIGNMENT, 3)
