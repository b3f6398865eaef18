"""Every Examples section in kit.analysis runs on the bundled data and prints what it says."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "kit.analysis.service_requests",
    "kit.analysis.elections",
    "kit.analysis.engagement",
    "kit.analysis.categories",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 15 and result.failed == 0
