"""Every Examples section in `kit/` runs and prints what it says.

Modules are found by their source (a ``>>>`` line), so a module without examples
is never imported here: importing ``kit.data.warm`` parses every bundled dataset,
which only the grading sandbox's warm server should pay for.
"""

from __future__ import annotations

import doctest
import importlib

import pytest
from helpers import REPO

NOT_IMPORTED = {"kit.data.warm"}  # importing it parses every bundled dataset (and it has no examples)
# the lesson steps a city reuses show every public function at work on the bundled data
AT_LEAST = dict.fromkeys(
    ["kit.analysis.service_requests", "kit.analysis.elections", "kit.analysis.engagement", "kit.analysis.categories"],
    16,
)
# examples shown but not run (doctest: +SKIP), with why
ONLY_SHOWN = {"kit.grading.sandbox.sandbox": "starting a sandbox takes seconds and a course; tests/grading run it"}


def _modules_with_examples() -> list[str]:
    names = []
    for path in sorted((REPO / "kit").rglob("*.py")):
        name = ".".join(path.relative_to(REPO).with_suffix("").parts).removesuffix(".__init__")
        if name not in NOT_IMPORTED and ">>> " in path.read_text():
            names.append(name)
    return names


MODULES = _modules_with_examples()


def test_modules_with_examples_are_found():
    assert set(AT_LEAST) | {"kit.data.text"} <= set(MODULES) and len(MODULES) >= 10


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0
    assert result.attempted >= AT_LEAST.get(name, 1) or name in ONLY_SHOWN
