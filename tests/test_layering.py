"""Imports flow one way: cli -> main_job -> feedback -> plan / grading / analysis / course -> data.

- Each part of the kit (a folder, or a top-level module such as ``kit/main_job.py``)
  imports only the parts below it; ``kit.errors``, ``kit.paths``, ``kit.pages`` and ``kit.languages``
  are shared by all.
- ``kit.feedback`` analyses plain values; its workflows (``kit/feedback/workflow.py``)
  alone read a plan spec and the gradebook.
- The CLI only parses options, calls one function and prints: a command module
  imports no other command module, only ``kit.cli.output`` (``kit/cli/__init__.py``
  mounts the command groups on the app).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from helpers import REPO

KIT = REPO / "kit"
SHARED = {"errors", "paths", "pages", "languages"}
# what each part may import from the kit (besides itself and SHARED)
ALLOWED = {
    "data": set(),
    "analysis": {"data"},
    "grading": {"data"},
    "plan": {"data"},
    "feedback": {"data"},
    "course": {"data", "analysis"},
    "portal": {"data"},
    "main_job": {"data", "grading", "plan", "feedback"},
    "cli": {"data", "analysis", "grading", "plan", "feedback", "course", "portal", "main_job"},
}
# single modules allowed more than their part
# workflows that join parts: a feedback report reads plans and grades; a learner bundle releases exercises for a plan
EXCEPTIONS = {"feedback/workflow.py": {"plan", "grading"}, "course/bundle.py": {"plan", "grading"}}
THIRD_PARTY_OWNERS = {"nbgrader": {"grading"}, "traitlets": {"grading"}, "sodapy": {"data"}}


def kit_imports(path: Path):
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            yield node.module
            if node.module == "kit":  # from kit import data (a part), not from kit import __version__
                yield from (
                    f"kit.{a.name}" for a in node.names if (KIT / a.name).is_dir() or (KIT / f"{a.name}.py").is_file()
                )
        elif isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)


def part_files(part: str) -> list[Path]:
    single = KIT / f"{part}.py"
    return [single] if single.is_file() else sorted((KIT / part).rglob("*.py"))


def test_every_part_of_the_kit_has_a_rule():
    parts = {p.stem if p.is_file() else p.name for p in KIT.iterdir() if not p.name.startswith(("_", "."))}
    parts -= SHARED | {"py.typed"}
    assert parts == set(ALLOWED), "add the new part to ALLOWED with what it may import"


@pytest.mark.parametrize("part", sorted(ALLOWED))
def test_a_part_imports_only_the_parts_below_it(part):
    assert part_files(part), f"no files for {part}"
    for path in part_files(part):
        name = str(path.relative_to(KIT))
        allowed = ALLOWED[part] | EXCEPTIONS.get(name, set())
        for module in kit_imports(path):
            top = module.split(".")[0]
            if top == "kit" and module.count(".") >= 1:
                target = module.split(".")[1]
                if target in SHARED or target == part:
                    continue
                assert target in allowed, f"kit/{name} imports {module}"
            if top in THIRD_PARTY_OWNERS:
                assert part in THIRD_PARTY_OWNERS[top], f"kit/{name} imports {top}"


@pytest.mark.parametrize("path", part_files("cli"), ids=lambda p: p.name)
def test_a_cli_module_imports_no_other_cli_module_but_output(path):
    if path.name == "__init__.py":
        return
    for module in kit_imports(path):
        if module.startswith("kit.cli"):
            assert module == "kit.cli.output", f"kit/cli/{path.name} imports {module}"
