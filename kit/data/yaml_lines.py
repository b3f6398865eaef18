"""Reading YAML while remembering the line of every field.

Validation messages name the field path (``audiences[0].language``) and the
line of the file where it is written (a plan spec, a city profile), so its author can find it.
"""

from __future__ import annotations

import re

import yaml


def _walk(node: yaml.Node, path: str, lines: dict[str, int]) -> None:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            child = f"{path}.{key.value}" if path else str(key.value)
            lines[child] = key.start_mark.line + 1
            _walk(value, child, lines)
            lines[child] = key.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _walk(item, f"{path}[{i}]", lines)


def load_with_lines(text: str) -> tuple[object, dict[str, int]]:
    """The YAML document and a map from field path to its 1-based line."""
    data = yaml.safe_load(text)
    node = yaml.compose(text)
    lines: dict[str, int] = {}
    if node is not None:
        _walk(node, "", lines)
    return data, lines


def line_of(lines: dict[str, int], path: str) -> int:
    """The line of ``path``, or of its nearest written parent (for a missing field)."""
    while path and path not in lines:
        path = re.sub(r"(\.[^.\[\]]+|\[\d+\])$", "", path)
    return lines.get(path, 1)
