"""Reading YAML while remembering the line of every field.

Validation messages name the field path (``audiences[0].language``) and the
line of the file where it is written (a plan spec, a city profile), so its author can find it.
"""

from __future__ import annotations

import re

import yaml

from kit.errors import SpecError


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


class _Loader(yaml.SafeLoader):
    """The safe loader, except that a date-shaped value that is no date (``2024-13-01``) stays text.

    PyYAML raises a bare ``ValueError`` for it; kept as text, the spec's own validation
    reports it at its field and line like any other wrong value.
    """

    def construct_yaml_timestamp(self, node: yaml.Node):
        try:
            return super().construct_yaml_timestamp(node)
        except ValueError:
            return self.construct_scalar(node)


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _Loader.construct_yaml_timestamp)


def load_with_lines(text: str) -> tuple[object, dict[str, int]]:
    """The YAML document and a map from field path to its 1-based line."""
    data = yaml.load(text, Loader=_Loader)
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


def load_mapping_with_lines(text: str, name: str, fields: str) -> tuple[dict, dict[str, int]]:
    """:func:`load_with_lines` for a spec file that must be a mapping; :class:`SpecError` otherwise.

    ``name`` is the file as the user wrote it; ``fields`` names a few of its fields for the message
    (``"city, team, audiences"``).
    """
    try:
        raw, lines = load_with_lines(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else 1
        raise SpecError(name, [f"{name}:{line}: not valid YAML: {getattr(exc, 'problem', exc)}"]) from None
    if not isinstance(raw, dict):
        raise SpecError(name, [f"{name}:1: it must be a mapping of fields ({fields}, …)"])
    return raw, lines
