"""Imports flow one way: cli -> grading / analysis / plan / feedback / course -> data."""

from __future__ import annotations

import ast

import pytest
from helpers import REPO

# what each part may import from the kit (besides itself, kit.errors, kit.paths and kit.pages)
ALLOWED = {
    "data": set(),
    "analysis": {"data"},
    "grading": {"data"},
    "plan": {"data"},
    "feedback": {"data"},
    "course": {"data"},
    "cli": {"data", "analysis", "grading", "plan", "feedback", "course"},
}
THIRD_PARTY_OWNERS = {"nbgrader": {"grading"}, "traitlets": {"grading"}, "sodapy": {"data"}}


def kit_imports(path):
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            yield node.module
        elif isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)


@pytest.mark.parametrize("part", sorted(ALLOWED))
def test_a_part_imports_only_the_parts_below_it(part):
    for path in sorted((REPO / "kit" / part).rglob("*.py")):
        for module in kit_imports(path):
            top = module.split(".")[0]
            if top == "kit" and module.count(".") >= 1:
                target = module.split(".")[1]
                if target in ("errors", "paths", "pages", part):
                    continue
                assert target in ALLOWED[part], f"{path.relative_to(REPO)} imports {module}"
            if top in THIRD_PARTY_OWNERS:
                assert part in THIRD_PARTY_OWNERS[top], f"{path.relative_to(REPO)} imports {top}"
