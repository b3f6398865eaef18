"""Following one notebook's process from the grader: frames in, an :class:`Execution` out.

:class:`ProcessFollower` reads the result pipe (frames from the learner's process) and the
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


class ProcessFollower:
    """Follows one notebook's process to its end, from the grader.

    ``cells`` are the indices of the code cells the process runs, in order.
    ``kill`` kills the process and everything it started; ``closing`` is set when
    the sandbox closes; ``started`` is when the execution began (``time.monotonic()``).
    :meth:`follow` reads both pipes until they end and returns the execution.
    """

    def __init__(
        self,
        nb: NotebookNode,
        cells: list[int],
        limits: Limits,
        result_fd: int,
        status_fd: int,
        *,
        kill: Callable[[], None],
        closing: threading.Event,
        started: float,
    ):
        self.nb, self.cells, self.limits = nb, cells, limits
        self.result_fd, self.status_fd = result_fd, status_fd
        self.kill, self.closing, self.started = kill, closing, started
        self.recorder = OutputRecorder(nb)
        # JSON may take up to 6 bytes for one byte of text (\u001b): bounds with room
        self.reader = FrameReader(max_frame=8 * (limits.output_bytes + 4 * ERROR_MAX_BYTES))
        self.status_reader = FrameReader(max_frame=1 << 12)
        self.hard_cap = 8 * (limits.output_bytes + (len(cells) + 4) * 2 * ERROR_MAX_BYTES) + (1 << 20)
        self.notebook_deadline = started + limits.notebook_seconds
        self.position = 0  # how many of `cells` have ended
        self.current: int | None = None  # the cell running now
        self.cell_deadline: float | None = None
        self.first_cell: float | None = None  # seconds from the start to the first cell
        self.done = False  # the process said every cell ran
        self.outcome: _Outcome | None = None  # why the grader stopped it
        self.setup_error: str | None = None
        self.exit_status: int | None = None
        self.open_fds = {result_fd, status_fd}
        self.final_deadline: float | None = None  # for the process to be gone

    def follow(self) -> tuple[Execution, float | None]:
        """The execution, and the seconds to its first cell.

        Raises :class:`SandboxError` when the process could not be isolated.
        """
        while self.open_fds:
            now = time.monotonic()
            if self.outcome is None and not self.done and self.setup_error is None:
                self._enforce_limits(now)
            if (self.outcome is not None or self.done or self.setup_error) and self.final_deadline is None:
                self.final_deadline = now + EXIT_WAIT_SECONDS
            if self.final_deadline is not None and now >= self.final_deadline:
                self.kill()
                if now >= self.final_deadline + EXIT_WAIT_SECONDS:
                    break  # give up waiting: the fork server kills everything when the sandbox closes
            for fd in self._wait_for_data(now):
                self._read(fd)
        return self._execution()

    # -- limits ---------------------------------------------------------------

    def _enforce_limits(self, now: float) -> None:
        try:
            self._check_limits(now)
        except _Outcome as stop:
            self.outcome = stop
            self.kill()

    def _check_limits(self, now: float) -> None:
        limits = self.limits
        if self.closing.is_set():
            raise _Outcome("died", "stopped: the sandbox was closed while the notebook ran")
        if now >= self.notebook_deadline:
            raise _Outcome("timeout", f"stopped after {limits.notebook_seconds:g} s, the notebook's time budget")
        if self.cell_deadline is not None and now >= self.cell_deadline:
            raise _Outcome(
                "died",
                f"{self._cell_name()} ran longer than {limits.cell_seconds:g} s and did not stop "
                "when interrupted, so the notebook's process was stopped",
                cell_timeout=True,
            )
        if self.reader.received > self.hard_cap:
            raise _Outcome(
                "died",
                f"the notebook's process sent more than {self.hard_cap} bytes of output "
                "past its limit, so it was stopped",
            )

    def _cell_name(self) -> str:
        return f"cell {self.current + 1}" if self.current is not None else "between cells"

    # -- reading --------------------------------------------------------------

    def _wait_for_data(self, now: float) -> list[int]:
        deadlines = [d for d in (self.notebook_deadline, self.cell_deadline, self.final_deadline) if d is not None]
        timeout = max(0.0, min([*deadlines, now + 0.5]) - now)
        ready, _, _ = select.select(list(self.open_fds), [], [], timeout)
        return ready

    def _read(self, fd: int) -> None:
        data = os.read(fd, 1 << 16)
        if not data:
            self.open_fds.discard(fd)
            return
        try:
            if fd == self.status_fd:
                self._read_status(data)
            else:
                for frame in self.reader.feed(data):
                    self._handle(frame)
        except (FrameError, BadMessage, KeyError, TypeError, IndexError) as exc:
            if fd == self.status_fd:
                return
            self.open_fds.discard(fd)  # read no more from it
            if self.outcome is None and not self.done:
                self.outcome = _Outcome(
                    "died", f"the notebook's process sent output the grader cannot read ({exc}), so it was stopped"
                )
                self.kill()

    def _read_status(self, data: bytes) -> None:
        for frame in self.status_reader.feed(data):
            if isinstance(frame, dict) and frame.get("t") == "exit" and isinstance(frame.get("status"), int):
                self.exit_status = frame["status"]

    def _handle(self, frame) -> None:
        if not isinstance(frame, dict):
            raise BadMessage("a frame that is not a mapping")
        kind = frame.get("t")
        if kind == "out":
            self.recorder.add(frame.get("msg_type"), frame.get("content"))
        elif kind == "start":
            self._start_cell(frame)
        elif kind == "end":
            if frame.get("cell") != self.current:
                raise BadMessage("a cell ended that was not running")
            self.recorder.end()
            self.current, self.cell_deadline = None, None
            self.position += 1
        elif kind == "done":
            if self.position != len(self.cells) or self.current is not None:
                raise BadMessage("done before the last cell")
            self.done = True
        elif kind == "setup_error":
            self.setup_error = f"{frame.get('step')}: {frame.get('error')}"
        elif kind != "ready":
            raise BadMessage(f"unknown frame {kind!r}")

    def _start_cell(self, frame: dict) -> None:
        now = time.monotonic()
        if (
            self.current is not None
            or self.position >= len(self.cells)
            or frame.get("cell") != self.cells[self.position]
        ):
            raise BadMessage("cells out of order")
        self.current = frame["cell"]
        self.cell_deadline = now + self.limits.cell_seconds + INTERRUPT_GRACE_SECONDS
        if self.first_cell is None:
            self.first_cell = now - self.started
        self.recorder.start(frame["cell"], self.position + 1)

    # -- the result -----------------------------------------------------------

    def _execution(self) -> tuple[Execution, float | None]:
        if self.setup_error is not None:
            raise SandboxError(
                f"the sandbox could not isolate a notebook's process ({self.setup_error})",
                hint="the machine's isolation features changed since the sandbox started",
            )
        outcome = self.outcome
        if outcome is None:
            if self.done:
                return Execution(self.nb, "ok", None, time.monotonic() - self.started), self.first_cell
            where = self._cell_name() if self.first_cell is not None else "before the first cell"
            status = self.exit_status
            verb = "died" if status is None or os.WIFSIGNALED(status) else "ended"
            outcome = _Outcome(
                "died", f"the notebook's process {verb} in {where} ({describe_exit(status, self.limits)})"
            )
        self._mark_unfinished(outcome)
        return Execution(self.nb, outcome.status, outcome.message, time.monotonic() - self.started), self.first_cell

    def _mark_unfinished(self, outcome: _Outcome) -> None:
        ename = NOTEBOOK_TIMEOUT if outcome.status == "timeout" else DEAD_KERNEL
        position = self.position
        if self.current is not None:
            outputs = self.nb.cells[self.current].outputs
            if outcome.cell_timeout:
                outputs.append(error_output(**CELL_TIMEOUT_ERROR))
            outputs.append(error_output(ename, outcome.message))
            position += 1
        for index in self.cells[position:]:
            self.nb.cells[index].outputs = [error_output(ename, outcome.message)]
            self.nb.cells[index].execution_count = None
