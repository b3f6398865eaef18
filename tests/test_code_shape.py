"""The code stays readable: every function in `kit/` fits in a reader's head.

A function has at most 60 lines of code: its signature and body, without its
docstring, blank lines or comment-only lines. Nested functions count towards the
function that holds them.
"""

from __future__ import annotations

import ast
import io
import tokenize
from pathlib import Path

import pytest
from helpers import REPO

MAX_LINES = 60
KIT_FILES = sorted((REPO / "kit").rglob("*.py"))


def _code_lines(source: str) -> set[int]:
    """Line numbers holding code (not only a comment, a blank or part of a string token alone)."""
    lines: set[int] = set()
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type in (tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT):
            continue
        lines.update(range(token.start[0], token.end[0] + 1))
    return lines


def _docstring_lines(node: ast.AST) -> set[int]:
    body = getattr(node, "body", [])
    first = body[0] if body else None
    if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
        return set(range(first.lineno, first.end_lineno + 1))
    return set()


def long_functions(path: Path) -> list[tuple[str, int]]:
    """``(qualified name, lines of code)`` of every top-level or method function over the limit."""
    source = path.read_text()
    code = _code_lines(source)
    found = []

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                start = min([child.lineno] + [d.lineno for d in child.decorator_list])
                span = set(range(start, child.end_lineno + 1)) - _docstring_lines(child)
                count = len(span & code)
                if count > MAX_LINES:
                    found.append((f"{prefix}{child.name}", count))
            elif isinstance(child, ast.ClassDef):
                visit(child, f"{prefix}{child.name}.")

    visit(ast.parse(source), "")
    return found


def test_the_counter_counts_code_only(tmp_path):
    body = "\n".join(f"    x{i} = {i}  # a comment" for i in range(MAX_LINES))
    padded = f'def f():\n    """Doc\n\n    string.\n    """\n\n    # only a comment\n{body}\n'
    path = tmp_path / "m.py"
    path.write_text(padded)
    assert long_functions(path) == [("f", MAX_LINES + 1)]
    path.write_text(padded.replace("    x0 = 0  # a comment\n", ""))
    assert long_functions(path) == []


@pytest.mark.parametrize("path", KIT_FILES, ids=lambda p: str(p.relative_to(REPO)))
def test_no_function_is_longer_than_60_lines_of_code(path):
    assert long_functions(path) == [], f"split these into named steps ({MAX_LINES} lines of code at most)"
