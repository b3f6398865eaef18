"""What an exercise's source notebook keeps from learners, as lines to search released files for.

nbgrader marks solutions (``### BEGIN SOLUTION`` … ``### END SOLUTION``) and hidden
tests (``### BEGIN HIDDEN TESTS`` … ``### END HIDDEN TESTS``) in a source notebook's
cells. The release's leak check (:mod:`kit.grading.release`) and the self-check files'
lint (:mod:`kit.course.selfcheck`) both search other files for the substantial lines of
those regions; :func:`strings_in` gives the strings of parsed YAML or JSON, where quoting
can hide a line from a plain text search.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat

__all__ = ["hidden_test_lines", "secret_lines", "solution_lines", "strings_in"]

HIDDEN_BLOCK = re.compile(r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS", re.S)
SOLUTION_BLOCK = re.compile(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", re.S)
SUBSTANTIAL = 12  # shorter lines (``)``, ``return x``) are too common to mean a leak


def _block_lines(source: Path, block: re.Pattern) -> set[str]:
    lines = set()
    for cell in nbformat.read(source, as_version=4).cells:
        for found in block.findall(cell.source):
            lines.update(line.strip() for line in found.splitlines() if len(line.strip()) > SUBSTANTIAL)
    return lines


def hidden_test_lines(source: Path) -> set[str]:
    """Substantial lines of every hidden-test block in a source notebook."""
    return _block_lines(source, HIDDEN_BLOCK)


def solution_lines(source: Path) -> set[str]:
    """Substantial lines of every solution region in a source notebook."""
    return _block_lines(source, SOLUTION_BLOCK)


def secret_lines(sources: list[Path]) -> set[str]:
    """What no file beside a released notebook may hold: hidden-test lines and solution lines."""
    return set().union(*(hidden_test_lines(s) | solution_lines(s) for s in sources))


def strings_in(data: object) -> list[str]:
    """Every string of parsed YAML or JSON: keys and values, at any depth."""
    if isinstance(data, dict):
        return [s for k, v in data.items() for s in (*strings_in(k), *strings_in(v))]
    if isinstance(data, list):
        return [s for item in data for s in strings_in(item)]
    return [data] if isinstance(data, str) else []
