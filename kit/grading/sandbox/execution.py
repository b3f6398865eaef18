"""Driving one notebook from the grader: commands out, frames in, an :class:`Execution` out.

:class:`ProcessFollower` drives two sandboxed processes cell by cell: the
learner's (each of the notebook's own cells, sent one at a time on its command
pipe when it is about to run) and the judge's (each test cell, with the values
of the names it reads, which the learner's process sends as data:
:mod:`kit.grading.sandbox.judge`). It reads both result pipes (frames) and
status pipes (how each ended, from its ``init``), enforces the cell and
notebook time limits and the notebook's output limit — every output recorded,
whatever its kind, counted here, so nothing the learner's process does lifts it
— and kills the processes (through the fork server) when it must. Whatever a
cell output before the process died stays in the notebook.
"""

from __future__ import annotations

import functools
import json
import os
import select
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from nbformat import NotebookNode

from kit.grading.sandbox.errors import SandboxError
from kit.grading.sandbox.judge import names_read
from kit.grading.sandbox.limits import Limits
from kit.grading.sandbox.outputs import (
    CELL_TIMEOUT_ERROR,
    DEAD_KERNEL,
    ERROR_MAX_BYTES,
    NOTEBOOK_TIMEOUT,
    OUTPUT_LIMIT,
    BadMessage,
    OutputRecorder,
    error_output,
)
from kit.grading.sandbox.values import VALUES_MAX_BYTES
from kit.grading.sandbox.wire import FrameError, FrameReader, encode

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
    def __init__(self, status: str, message: str, *, cell_timeout: bool = False, output_limit: bool = False):
        super().__init__(message)
        self.status, self.message = status, message
        self.cell_timeout, self.output_limit = cell_timeout, output_limit


@dataclass(frozen=True)
class Step:
    """One code cell of the notebook, in order: ``test`` cells run in the judge."""

    index: int
    source: str
    test: bool = False

    @functools.cached_property
    def names(self) -> list[str]:
        """The names a test cell reads (:func:`names_read`), worked out once."""
        return names_read(self.source)


@dataclass
class Process:
    """One sandboxed process as the grader holds it: its pipes and how to kill it."""

    result_fd: int
    status_fd: int
    command_fd: int
    kill: Callable[[], None]
    max_frame: int = 1 << 20
    reader: FrameReader = field(init=False)
    status_reader: FrameReader = field(init=False)
    outgoing: bytearray = field(init=False, default_factory=bytearray)
    open_fds: set = field(init=False)
    ended: bool = False  # its result pipe reached its end
    exit_status: int | None = None
    setup_error: str | None = None

    def __post_init__(self):
        self.reader = FrameReader(self.max_frame)
        self.status_reader = FrameReader(1 << 12)
        self.open_fds = {self.result_fd, self.status_fd}
        os.set_blocking(self.command_fd, False)

    def send(self, frame: dict) -> None:
        """Queue a command; written as the pipe takes it (never blocking the grader)."""
        self.outgoing += encode(frame)
        self.write()

    def write(self) -> None:
        try:
            while self.outgoing:
                del self.outgoing[: os.write(self.command_fd, self.outgoing[: 1 << 16])]
        except BlockingIOError:
            pass
        except OSError:
            self.outgoing.clear()  # nobody reads it any more

    def read_status(self, data: bytes) -> None:
        try:
            for frame in self.status_reader.feed(data):
                if isinstance(frame, dict) and frame.get("t") == "exit" and isinstance(frame.get("status"), int):
                    self.exit_status = frame["status"]
        except FrameError:
            pass


class ProcessFollower:
    """Drives one notebook through its learner's process and its judge, to the end.

    ``steps`` are the notebook's code cells in order; ``judge`` runs the test
    cells (None when there are none). ``closing`` is set when the sandbox
    closes; ``started`` is when the execution began (``time.monotonic()``).
    :meth:`follow` runs every step and returns the execution.
    """

    def __init__(
        self,
        nb: NotebookNode,
        steps: list[Step],
        limits: Limits,
        learner: Process,
        judge: Process | None,
        *,
        closing: threading.Event,
        started: float,
    ):
        self.nb, self.steps, self.limits = nb, steps, limits
        self.learner, self.judge = learner, judge
        self.closing, self.started = closing, started
        self.recorder = OutputRecorder(nb)
        # every output the notebook keeps, counted as stored (JSON), whatever its kind
        self.output_cap = limits.output_bytes + limits.output_bytes // 2
        self.output_total = 0
        # all the learner's process may send: its outputs (JSON may take 6 bytes for
        # one of text) and one set of values per test cell
        tests = sum(step.test for step in steps)
        self.received_cap = 8 * (limits.output_bytes + 4 * ERROR_MAX_BYTES) + tests * VALUES_MAX_BYTES + (1 << 20)
        self.notebook_deadline = started + limits.notebook_seconds
        self.position = 0  # how many steps have ended
        self.phase = "ready"  # ready | idle | cell (learner) | values (learner) | judge
        self.current: int | None = None  # the cell running now
        self.step_deadline: float | None = None
        self.first_cell: float | None = None  # seconds from the start to the first cell
        self.done = False  # every step ran
        self.outcome: _Outcome | None = None  # why the grader stopped the notebook
        self.final_deadline: float | None = None  # for the processes to be gone

    @property
    def finished(self) -> bool:
        # a learner's process gone while the judge runs a test: that test still ends
        lost = self.learner.ended and self.phase != "judge" and self.position < len(self.steps)
        return self.done or self.outcome is not None or lost or self._setup_error() is not None

    def follow(self) -> tuple[Execution, float | None]:
        """The execution, and the seconds to its first cell.

        Raises :class:`SandboxError` when a process could not be isolated.
        """
        processes = [p for p in (self.learner, self.judge) if p is not None]
        while any(p.open_fds for p in processes):
            now = time.monotonic()
            if not self.finished:
                self._enforce_limits(now)
            if not self.finished:
                self._advance(now)
            if self.finished and self.final_deadline is None:
                self.final_deadline = now + EXIT_WAIT_SECONDS
                # a process that ended by itself says how (its status pipe): it is not killed first
                self._kill(natural=self.learner.ended and self.outcome is None and not self.done)
            if self.final_deadline is not None and now >= self.final_deadline:
                self._kill()
                if now >= self.final_deadline + EXIT_WAIT_SECONDS:
                    break  # give up waiting: the fork server kills everything when the sandbox closes
            for process, fd in self._wait(processes, now):
                self._read(process, fd)
        return self._execution()

    def _kill(self, *, natural: bool = False) -> None:
        for process in (self.learner, self.judge):
            if process is not None and not (natural and process is self.learner):
                process.kill()

    def _setup_error(self) -> str | None:
        return self.learner.setup_error or (self.judge.setup_error if self.judge is not None else None)

    # -- driving ----------------------------------------------------------------

    def _advance(self, now: float) -> None:
        if self.phase != "idle":
            return
        if self.position == len(self.steps):
            self.done = True
            return
        step = self.steps[self.position]
        deadline = now + self.limits.cell_seconds + INTERRUPT_GRACE_SECONDS
        if not step.test:
            self.learner.send({"t": "run", "cell": step.index, "count": self.position + 1, "source": step.source})
            self.phase, self.step_deadline = "cell", deadline
        elif self.judge is None or self.judge.ended:
            self.outcome = _Outcome("died", "the process that runs the tests is gone")
        else:
            self.learner.send({"t": "values", "cell": step.index, "names": step.names})
            self.phase, self.step_deadline = "values", deadline

    def _start(self, step: Step) -> None:
        now = time.monotonic()
        self.current = step.index
        if self.first_cell is None:
            self.first_cell = now - self.started
        self.recorder.start(step.index, self.position + 1)

    def _end(self) -> None:
        self.recorder.end()
        self.current, self.step_deadline, self.phase = None, None, "idle"
        self.position += 1

    # -- limits ---------------------------------------------------------------

    def _enforce_limits(self, now: float) -> None:
        try:
            self._check_limits(now)
        except _Outcome as stop:
            self.outcome = stop

    def _check_limits(self, now: float) -> None:
        limits = self.limits
        if self.closing.is_set():
            raise _Outcome("died", "stopped: the sandbox was closed while the notebook ran")
        if now >= self.notebook_deadline:
            raise _Outcome("timeout", f"stopped after {limits.notebook_seconds:g} s, the notebook's time budget")
        if self.step_deadline is not None and now >= self.step_deadline:
            if self.phase == "values":
                raise _Outcome(
                    "died", f"the notebook's process did not answer for the test {self._cell_name()}, so it was stopped"
                )
            raise _Outcome(
                "died",
                f"{self._cell_name()} ran longer than {limits.cell_seconds:g} s and did not stop "
                "when interrupted, so the notebook's process was stopped",
                cell_timeout=True,
            )
        if self.learner.reader.received > self.received_cap:
            raise _Outcome(
                "died",
                f"the notebook's process sent more than {self.received_cap} bytes, so it was stopped",
            )

    def _cell_name(self) -> str:
        index = self.current
        if index is None and self.phase in ("values", "cell", "judge") and self.position < len(self.steps):
            index = self.steps[self.position].index
        return f"cell {index + 1}" if index is not None else "between cells"

    # -- reading --------------------------------------------------------------

    def _wait(self, processes: list[Process], now: float) -> list[tuple[Process, int]]:
        deadlines = [d for d in (self.notebook_deadline, self.step_deadline, self.final_deadline) if d is not None]
        timeout = max(0.0, min([*deadlines, now + 0.5]) - now)
        reading = {fd: p for p in processes for fd in p.open_fds}
        writing = [p.command_fd for p in processes if p.outgoing]
        ready, writable, _ = select.select(list(reading), writing, [], timeout)
        for process in processes:
            if process.command_fd in writable:
                process.write()
        return [(reading[fd], fd) for fd in ready]

    def _read(self, process: Process, fd: int) -> None:
        data = os.read(fd, 1 << 16)
        if not data:
            process.open_fds.discard(fd)
            if fd == process.result_fd:
                self._ended(process)
            return
        if fd == process.status_fd:
            process.read_status(data)
            return
        try:
            for frame in process.reader.feed(data):
                if process is self.learner:
                    self._handle_learner(frame)
                else:
                    self._handle_judge(frame)
        except (FrameError, BadMessage, KeyError, TypeError, IndexError, ValueError) as exc:
            process.open_fds.discard(fd)  # read no more from it
            if not self.finished:
                who = "notebook's process" if process is self.learner else "process that runs the tests"
                self.outcome = _Outcome(
                    "died", f"the {who} sent output the grader cannot read ({exc}), so it was stopped"
                )

    def _ended(self, process: Process) -> None:
        process.ended = True
        if process is self.judge and self.phase == "judge" and not self.finished:
            self.outcome = _Outcome("died", f"the process that runs the tests died in {self._cell_name()}")

    def _handle_learner(self, frame) -> None:
        if not isinstance(frame, dict):
            raise BadMessage("a frame that is not a mapping")
        kind, step = frame.get("t"), self.steps[self.position] if self.position < len(self.steps) else None
        if kind == "out":
            if self.phase == "cell" and self.current is not None:
                self._record(frame.get("msg_type"), frame.get("content"))
        elif kind == "start":
            if self.phase != "cell" or self.current is not None or frame.get("cell") != step.index:
                raise BadMessage("cells out of order")
            self._start(step)
        elif kind == "end":
            if self.phase != "cell" or frame.get("cell") != self.current:
                raise BadMessage("a cell ended that was not running")
            self._end()
        elif kind == "values":
            if self.phase != "values" or frame.get("cell") != step.index or not isinstance(frame.get("values"), dict):
                raise BadMessage("values that were not asked for")
            names = step.names
            self.judge.send(
                {
                    "t": "test",
                    "cell": step.index,
                    "count": self.position + 1,
                    "source": step.source,
                    "names": names,
                    "values": {k: v for k, v in frame["values"].items() if k in names},
                }
            )
            self.phase = "judge"
            self.step_deadline = time.monotonic() + self.limits.cell_seconds + INTERRUPT_GRACE_SECONDS
        elif kind == "ready":
            if self.phase == "ready":
                self.phase = "idle"
        elif kind == "setup_error":
            self.learner.setup_error = f"{frame.get('step')}: {frame.get('error')}"
        else:
            raise BadMessage(f"unknown frame {kind!r}")

    def _handle_judge(self, frame) -> None:
        if not isinstance(frame, dict):
            raise BadMessage("a frame that is not a mapping")
        kind, step = frame.get("t"), self.steps[self.position] if self.position < len(self.steps) else None
        if kind == "out":
            if self.phase == "judge" and self.current is not None:
                self._record(frame.get("msg_type"), frame.get("content"))
        elif kind == "start":
            if self.phase != "judge" or self.current is not None or frame.get("cell") != step.index:
                raise BadMessage("tests out of order")
            self._start(step)
        elif kind == "end":
            if self.phase != "judge" or frame.get("cell") != self.current:
                raise BadMessage("a test ended that was not running")
            self._end()
        elif kind == "setup_error":
            self.judge.setup_error = f"{frame.get('step')}: {frame.get('error')}"
        elif kind != "ready":
            raise BadMessage(f"unknown frame {kind!r}")

    def _record(self, msg_type, content) -> None:
        if isinstance(content, dict) and msg_type in ("stream", "display_data", "execute_result", "error"):
            size = len(json.dumps(content, ensure_ascii=False, default=str))
            self.output_total += size
            if self.output_total > self.output_cap:
                self.outcome = _Outcome(
                    "died",
                    f"the notebook output more than {self.output_cap} bytes, past its output limit, so it was stopped",
                    output_limit=True,
                )
                return
        self.recorder.add(msg_type, content)

    # -- the result -----------------------------------------------------------

    def _execution(self) -> tuple[Execution, float | None]:
        if self._setup_error() is not None:
            raise SandboxError(
                f"the sandbox could not isolate a notebook's process ({self._setup_error()})",
                hint="the machine's isolation features changed since the sandbox started",
            )
        outcome = self.outcome
        if outcome is None:
            if self.done:
                return Execution(self.nb, "ok", None, time.monotonic() - self.started), self.first_cell
            where = self._cell_name() if self.first_cell is not None else "before the first cell"
            status = self.learner.exit_status
            verb = "died" if status is None or os.WIFSIGNALED(status) else "ended"
            outcome = _Outcome(
                "died", f"the notebook's process {verb} in {where} ({describe_exit(status, self.limits)})"
            )
        self._mark_unfinished(outcome)
        return Execution(self.nb, outcome.status, outcome.message, time.monotonic() - self.started), self.first_cell

    def _mark_unfinished(self, outcome: _Outcome) -> None:
        ename = NOTEBOOK_TIMEOUT if outcome.status == "timeout" else DEAD_KERNEL
        position = self.position
        if self.current is not None or self.phase in ("cell", "values", "judge"):
            cell = self.nb.cells[self.steps[position].index]
            if self.current is None:
                self.recorder.start(self.steps[position].index, position + 1)
            if outcome.cell_timeout:
                cell.outputs.append(error_output(**CELL_TIMEOUT_ERROR))
            if outcome.output_limit:
                cell.outputs.append(error_output(OUTPUT_LIMIT, outcome.message))
            else:
                cell.outputs.append(error_output(ename, outcome.message))
            position += 1
        for step in self.steps[position:]:
            self.nb.cells[step.index].outputs = [error_output(ename, outcome.message)]
            self.nb.cells[step.index].execution_count = None
