"""Running learners' notebooks in isolated, resource-limited processes.

nbgrader runs each submission in a fresh ipykernel with the trainer's rights and
re-imports pandas and geopandas every time. :class:`Sandbox` instead forks every
notebook from a warm server that has imported them once, isolates the fresh
process before any learner code runs, and executes the cells as ipykernel +
nbclient do with nbgrader's settings, so the outputs (and so the scores
nbgrader's ``SaveAutoGrades`` gives) are the same.

What each measure stops (network, filesystem, separate user, processes, memory,
files, time, output): see README, "The grading sandbox" — the one table of them.

Which of them this machine allows is probed once per sandbox
(:attr:`Sandbox.protections`); :meth:`Protections.missing` explains any that
is off and how to turn it on. Grading runs either way.

Modules: :mod:`~.sandbox` (the public class), :mod:`~.server` (the warm fork
server), :mod:`~.isolate` (what the fresh process does before learner code),
:mod:`~.shell` (running cells inside it), :mod:`~.execution` and
:mod:`~.outputs` (the grader's side: following a process, recording outputs),
:mod:`~.view` (what of the files a notebook sees), :mod:`~.users` (one uid
per worker slot), :mod:`~.rundir` (an execution's staged files),
:mod:`~.job` (what the grader asks of a child), :mod:`~.protections`,
:mod:`~.limits`, :mod:`~.wire` (frames), :mod:`~.exit_codes`,
:mod:`~.syscalls` (Linux calls).
"""

from __future__ import annotations

from kit.grading.sandbox.errors import SandboxError
from kit.grading.sandbox.execution import Execution
from kit.grading.sandbox.limits import Limits
from kit.grading.sandbox.protections import Protections
from kit.grading.sandbox.sandbox import DEFAULT_PRELOAD, Sandbox

__all__ = ["DEFAULT_PRELOAD", "Execution", "Limits", "Protections", "Sandbox", "SandboxError"]
