"""The sandbox's one error: its own failures, never the learner's."""

from __future__ import annotations

from kit.errors import GradingError


class SandboxError(GradingError):
    """The sandbox itself failed (it could not start, fork or read a result).

    A learner's code that crashes, loops or floods never raises this: that is
    reported in :class:`~kit.grading.sandbox.Execution` (status and message).
    """
