"""pyproject.toml declares every third-party package the kit imports."""

from __future__ import annotations

import ast
import sys
import tomllib
from importlib.metadata import packages_distributions

from helpers import REPO
from packaging.requirements import Requirement


def _imported_top_levels() -> set[str]:
    names: set[str] = set()
    for path in (REPO / "kit").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module.split(".")[0])
    return names - set(sys.stdlib_module_names) - {"kit", "__future__"}


def _normalized(name: str) -> str:
    return name.lower().replace("_", "-").replace(".", "-")


def test_every_imported_package_is_a_declared_dependency():
    """A dependency, or in an extra a feature names when it is missing (hub, cluster; never the test tools)."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    extras = [r for name, reqs in project["optional-dependencies"].items() if name != "test" for r in reqs]
    declared = {_normalized(Requirement(r).name) for r in project["dependencies"] + extras}
    owners = packages_distributions()
    missing = {}
    for name in sorted(_imported_top_levels()):
        distributions = {_normalized(d) for d in owners.get(name, [name])}
        if not distributions & declared:
            missing[name] = sorted(distributions)
    assert missing == {}, "add these to [project] dependencies in pyproject.toml"
