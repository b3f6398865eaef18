"""How the sandbox's own processes end: one name per exit code.

The learner's code may exit with any code (``os._exit(3)``); the grader reports
it as it is. These are the codes of the processes the sandbox itself runs
around it (fork server, monitor, ``init``, worker). The non-zero ones follow
``sysexits.h``.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Exit codes of the sandbox's own processes."""

    OK = 0
    MONITOR_FAILED = 70  # the fork server's child raised instead of exiting itself (EX_SOFTWARE)
    SETUP_FAILED = 71  # an isolation step failed, or the process's parent was already gone (EX_OSERR)
    PIPE_GONE = 75  # the result pipe is closed: the grader stopped listening (EX_TEMPFAIL)
