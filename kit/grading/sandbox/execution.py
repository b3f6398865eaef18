"""Following one notebook's process from the grader: frames in, an :class:`Execution` out.

:func:`follow` reads the result pipe (frames from the learner's process) and the
status pipe (how it ended, from its ``init``), enforces the cell and notebook
time limits and a hard cap on what the process may send, and kills it (through
the fork server) when it must. Whatever the process sent before it died stays
in the notebook.
"""

from __future__ import annotations

import os
import select
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from nbformat import NotebookNode

from kit.grading.sandbox.errors import SandboxError
from kit.grading.sandbox.limits import Limits
from kit.grading.sandbox.outputs import (
    CELL_TIMEOUT_ERROR,
    DEAD_KERNEL,
    ERROR_MAX_BYTES,
    NOTEBOOK_TIMEOUT,
    BadMessage,
    OutputRecorder,
    error_output,
)
from kit.grading.sandbox.wire import FrameError, FrameReader

INTERRUPT_GRACE_SECONDS = 3  # a cell past its limit has this long to stop once interrupted
EXIT_WAIT_SECONDS = 10  # for a killed process tree to be gone


@dataclass
class Execution:
    """How one notebook ran in the sandbox.

    Attributes
    ----------
    notebook
        A copy of the input notebook with every executed code cell's
        ``outputs`` and ``execution_count`` filled in, as nbclient fills them.
        Empty code cells are not run and keep what they had (as in nbclient).
    status
        ``"ok"`` (every code cell ran), ``"timeout"`` (the notebook's time
        budget ran out) or ``"died"`` (its process ended or was killed before
        the last cell ended).
    message
        One plain line for trainer and learner when the status is not ``"ok"``.
    seconds
        Wall-clock time from the call to the end.

    Notes
    -----
    When the process dies, nbgrader (nbclient) raises ``DeadKernelError`` and the
    submission loses every output. Here, on purpose, every finished cell keeps
    its outputs, and the cell that was running and every later code cell get an
    ``error`` output (``DeadKernelError`` or ``NotebookTimeoutError``, with the
    message), so each grade cell scores what it would have scored, or zero.
    """

    notebook: NotebookNode
    status: str
    message: str | None
    seconds: float


_SIGNALS = {
    signal.SIGKILL: "killed",
    signal.SIGSEGV: "crashed with a segmentation fault",
    signal.SIGABRT: "aborted",
    signal.SIGBUS: "crashed with a bus error",
    signal.SIGFPE: "crashed with a floating-point error",
    signal.SIGILL: "crashed on an illegal instruction",
    signal.SIGTERM: "terminated",
    signal.SIGXCPU: "out of CPU time",
}


def describe_exit(status: int | None, limits: Limits) -> str:
    """``"exit code -9: killed …"`` from a raw wait status."""
    if status is None:
        return "it stopped reporting"
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        what = _SIGNALS.get(sig, f"killed by signal {sig}")
        if sig == signal.SIGKILL:
            what += f": out of memory (limit {limits.memory_mb} MB), or the notebook killed itself"
        return f"exit code -{sig}: {what}"
    return f"exit code {os.WEXITSTATUS(status) if os.WIFEXITED(status) else status}"


class _Outcome(Exception):
    def __init__(self, status: str, message: str, *, cell_timeout: bool = False):
        super().__init__(message)
        self.status, self.message, self.cell_timeout = status, message, cell_timeout


def follow(
    nb: NotebookNode,
    cells: list[int],
    limits: Limits,
    result_fd: int,
    status_fd: int,
    *,
    kill: Callable[[], None],
    closing: threading.Event,
    started: float,
) -> tuple[Execution, float | None]:
    """Follow one process to its end; returns the execution and the seconds to its first cell.

    ``cells`` are the indices of the code cells it runs, in order. ``kill`` kills
    the process and everything it started. Raises :class:`SandboxError` when the
    process could not be isolated.
    """
    recorder = OutputRecorder(nb)
    # JSON may take up to 6 bytes for one byte of text (\u001b): bounds with room
    reader = FrameReader(max_frame=8 * (limits.output_bytes + 4 * ERROR_MAX_BYTES))
    status_reader = FrameReader(max_frame=1 << 12)
    hard_cap = 8 * (limits.output_bytes + (len(cells) + 4) * 2 * ERROR_MAX_BYTES) + (1 << 20)
    notebook_deadline = started + limits.notebook_seconds
    state = {"position": 0, "current": None, "cell_deadline": None, "first_cell": None, "done": False}
    outcome: _Outcome | None = None
    setup_error: str | None = None
    exit_status: int | None = None
    open_fds = {result_fd, status_fd}
    final_deadline: float | None = None

    def handle(frame) -> None:
        nonlocal setup_error
        if not isinstance(frame, dict):
            raise BadMessage("a frame that is not a mapping")
        kind = frame.get("t")
        now = time.monotonic()
        if kind == "out":
            recorder.add(frame.get("msg_type"), frame.get("content"))
        elif kind == "start":
            if (
                state["current"] is not None
                or state["position"] >= len(cells)
                or frame.get("cell") != cells[state["position"]]
            ):
                raise BadMessage("cells out of order")
            state["current"] = frame["cell"]
            state["cell_deadline"] = now + limits.cell_seconds + INTERRUPT_GRACE_SECONDS
            if state["first_cell"] is None:
                state["first_cell"] = now - started
            recorder.start(frame["cell"], state["position"] + 1)
        elif kind == "end":
            if frame.get("cell") != state["current"]:
                raise BadMessage("a cell ended that was not running")
            recorder.end()
            state["current"], state["cell_deadline"] = None, None
            state["position"] += 1
        elif kind == "done":
            if state["position"] != len(cells) or state["current"] is not None:
                raise BadMessage("done before the last cell")
            state["done"] = True
        elif kind == "setup_error":
            setup_error = f"{frame.get('step')}: {frame.get('error')}"
        elif kind != "ready":
            raise BadMessage(f"unknown frame {kind!r}")

    def cell_name() -> str:
        return f"cell {state['current'] + 1}" if state["current"] is not None else "between cells"

    while open_fds:
        now = time.monotonic()
        if outcome is None and not state["done"] and setup_error is None:
            try:
                if closing.is_set():
                    raise _Outcome("died", "stopped: the sandbox was closed while the notebook ran")
                if now >= notebook_deadline:
                    raise _Outcome(
                        "timeout", f"stopped after {limits.notebook_seconds:g} s, the notebook's time budget"
                    )
                if state["cell_deadline"] is not None and now >= state["cell_deadline"]:
                    raise _Outcome(
                        "died",
                        f"{cell_name()} ran longer than {limits.cell_seconds:g} s and did not stop "
                        "when interrupted, so the notebook's process was stopped",
                        cell_timeout=True,
                    )
                if reader.received > hard_cap:
                    raise _Outcome(
                        "died",
                        f"the notebook's process sent more than {hard_cap} bytes of output "
                        "past its limit, so it was stopped",
                    )
            except _Outcome as stop:
                outcome = stop
                kill()
        if (outcome is not None or state["done"] or setup_error) and final_deadline is None:
            final_deadline = now + EXIT_WAIT_SECONDS
        if final_deadline is not None and now >= final_deadline:
            kill()
            if now >= final_deadline + EXIT_WAIT_SECONDS:
                break  # give up waiting: the fork server kills everything when the sandbox closes
        deadlines = [d for d in (notebook_deadline, state["cell_deadline"], final_deadline) if d is not None]
        timeout = max(0.0, min([*deadlines, now + 0.5]) - now)
        ready, _, _ = select.select(list(open_fds), [], [], timeout)
        for fd in ready:
            data = os.read(fd, 1 << 16)
            if not data:
                open_fds.discard(fd)
                continue
            try:
                if fd == status_fd:
                    for frame in status_reader.feed(data):
                        if (
                            isinstance(frame, dict)
                            and frame.get("t") == "exit"
                            and isinstance(frame.get("status"), int)
                        ):
                            exit_status = frame["status"]
                    continue
                for frame in reader.feed(data):
                    handle(frame)
            except (FrameError, BadMessage, KeyError, TypeError, IndexError) as exc:
                if fd == status_fd:
                    continue
                open_fds.discard(fd)  # read no more from it
                if outcome is None and not state["done"]:
                    outcome = _Outcome(
                        "died", f"the notebook's process sent output the grader cannot read ({exc}), so it was stopped"
                    )
                    kill()

    if setup_error is not None:
        raise SandboxError(
            f"the sandbox could not isolate a notebook's process ({setup_error})",
            hint="the machine's isolation features changed since the sandbox started",
        )
    if outcome is None:
        if state["done"]:
            return Execution(nb, "ok", None, time.monotonic() - started), state["first_cell"]
        where = cell_name() if state["first_cell"] is not None else "before the first cell"
        verb = "died" if exit_status is None or os.WIFSIGNALED(exit_status) else "ended"
        outcome = _Outcome("died", f"the notebook's process {verb} in {where} ({describe_exit(exit_status, limits)})")
    _mark_unfinished(nb, cells, state, outcome)
    return Execution(nb, outcome.status, outcome.message, time.monotonic() - started), state["first_cell"]


def _mark_unfinished(nb: NotebookNode, cells: list[int], state: dict, outcome: _Outcome) -> None:
    ename = NOTEBOOK_TIMEOUT if outcome.status == "timeout" else DEAD_KERNEL
    position = state["position"]
    if state["current"] is not None:
        outputs = nb.cells[state["current"]].outputs
        if outcome.cell_timeout:
            outputs.append(error_output(**CELL_TIMEOUT_ERROR))
        outputs.append(error_output(ename, outcome.message))
        position += 1
    for index in cells[position:]:
        nb.cells[index].outputs = [error_output(ename, outcome.message)]
        nb.cells[index].execution_count = None
