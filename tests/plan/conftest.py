"""Fixtures shared by the plan tests: the sample city's spec and the syllabus."""

from __future__ import annotations

import pytest
from helpers import REPO


@pytest.fixture(scope="session")
def spec():
    from kit.plan.validate import load_spec

    return load_spec(REPO / "plans" / "riverton.yaml")


@pytest.fixture(scope="session")
def syllabus():
    from kit.data.syllabus import load_syllabus

    return load_syllabus()
