"""Turning nbgrader's ``{"success", "log", "error"}`` results into kit errors."""

from __future__ import annotations

import re

from kit.errors import GradingError

_ERROR_LINE = re.compile(r"^\[(?:ERROR|CRITICAL)\] (.*)$", re.M)
_EXCEPTION_LINE = re.compile(r"^\s*(?:[\w.]+(?:Error|Exception)): (.+)$", re.M)


def first_problem(result: dict) -> str:
    """The most useful single line from a failed nbgrader run."""
    text = (result.get("log") or "") + "\n" + (result.get("error") or "")
    for pattern in (_EXCEPTION_LINE, _ERROR_LINE):
        for match in pattern.finditer(text):
            line = match.group(1).strip()
            if line and not line.startswith(("There was an error", "Please see")):
                return line
    return "nbgrader failed; see the log above"


def require_success(result: dict, what: str) -> None:
    """Raise :class:`GradingError` naming the first problem if nbgrader failed."""
    if not result.get("success"):
        raise GradingError(f"{what}: {first_problem(result)}")
