"""Running a notebook's code cells in the sandboxed process, as ipykernel does.

The learner's process uses ipykernel's own shell (``ZMQInteractiveShell``, with
ipykernel's display hook, display publisher, traceback sender and cell
compiler), so outputs are built by the same code as in a Jupyter kernel; only
the transport differs: instead of ZeroMQ, every message goes as a frame down
the result pipe to the grader (:mod:`kit.grading.sandbox.wire`), as soon as it
is produced, so a process that dies keeps what it had sent.

What matches ipykernel + nbclient with nbgrader's settings:

- one shell per notebook, cells in order, ``__name__ == "__main__"``,
  ``store_history=True``; matplotlib's inline backend (figures become
  ``image/png`` display data, ``plt.show()`` writes nothing to stderr);
- ``sys.stdout``/``sys.stderr`` buffered per stream as ipykernel does (flushed
  before every other output, at the end of a cell, and every 0.2 s), and what
  is written straight to file descriptors 1 and 2 (C libraries, subprocesses)
  captured into the same streams, as ipykernel's fd watcher does;
- warnings on stderr; ``input()`` raises ``StdinNotImplementedError``;
  ``sys.exit()`` shows ``SystemExit`` and the next cell runs; ``exit()`` does nothing;
- a cell past ``cell_seconds`` is interrupted (``KeyboardInterrupt``, as
  nbclient's interrupt gives) and gets nbgrader's ``CellTimeoutError`` output.

What is the sandbox's own: the output limit. Past ``output_bytes``, output is no
longer recorded (one note says so), a ``print`` raises :class:`OutputLimitError`
in the cell, and any cell whose output was cut gets that error as an output.
"""

from __future__ import annotations

import builtins
import getpass
import io
import json
import os
import random
import signal
import sys
import tempfile
import threading
import time
import types

from ipykernel.compiler import XCachingCompiler
from ipykernel.zmqshell import ZMQInteractiveShell
from IPython.core.error import StdinNotImplementedError
from jupyter_client.session import Session
from traitlets.config import Config

from kit.grading.sandbox.exit_codes import ExitCode
from kit.grading.sandbox.job import Job
from kit.grading.sandbox.outputs import CELL_TIMEOUT_ERROR, ERROR_MAX_BYTES
from kit.grading.sandbox.values import VALUES_MAX_BYTES, encode_value
from kit.grading.sandbox.wire import FrameSource, encode, write_all
from kit.grading.sandbox.wire import frame as wire_frame

FLUSH_SECONDS = 0.2  # ipykernel's OutStream.flush_interval
FLUSH_BYTES = 64 * 1024
CAPTURE_TRUNCATE = 1 << 20


class OutputLimitError(Exception):
    """The notebook printed or displayed more than its output limit."""


class _Pipe:
    """The worker's end of the result pipe. Only the notebook's own process writes to it
    (a process the notebook forked would interleave frames)."""

    def __init__(self, fd: int):
        self.fd = fd
        self.pid = os.getpid()
        self.lock = threading.RLock()

    def send(self, frame: dict) -> None:
        if os.getpid() == self.pid:
            self._write(encode(frame))

    def send_raw(self, payload: bytes) -> None:
        """One frame of JSON already encoded."""
        if os.getpid() == self.pid:
            self._write(wire_frame(payload))

    def _write(self, data: bytes) -> None:
        main = threading.current_thread() is threading.main_thread()
        with self.lock:
            # a cell timeout (SIGALRM) must not cut a frame in half: block it
            # while writing, its KeyboardInterrupt comes right after
            old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM, signal.SIGINT}) if main else None
            try:
                write_all(self.fd, data)
            except OSError:
                os._exit(ExitCode.PIPE_GONE)  # the grader stopped listening, or the notebook closed the pipe
            finally:
                if old is not None:
                    signal.pthread_sigmask(signal.SIG_SETMASK, old)


class _Recorder:
    """Everything the notebook outputs, buffered like ipykernel and counted against the limit."""

    def __init__(self, pipe: _Pipe, budget: int, captured: dict[str, int]):
        self.pipe = pipe
        self.budget = budget
        self.left = budget
        self.message = f"the notebook printed more than {budget} bytes"
        self.buffers: dict[str, list[str]] = {"stdout": [], "stderr": []}
        self.pending = 0
        self.since: float | None = None
        self.captured = captured  # stream name -> fd that file descriptor 1 or 2 writes into
        self.offsets = dict.fromkeys(captured, 0)
        self.over = False  # this cell's output was cut
        self.noted = False
        self.errors: list[str] = []  # enames shown in this cell
        self.lock = threading.RLock()

    # -- streams -------------------------------------------------------------

    def write(self, name: str, text: str) -> None:
        if os.getpid() != self.pipe.pid:
            # a process the notebook forked: through its file descriptor, which
            # the notebook's process captures, as ipykernel forwards it
            os.write(1 if name == "stdout" else 2, text.encode("utf-8", "replace"))
            return
        with self.lock:
            self._drain()
            fits = self._take(name, text)
            if self.pending >= FLUSH_BYTES or (
                self.since is not None and time.monotonic() - self.since >= FLUSH_SECONDS
            ):
                self._flush()
        if not fits:
            raise OutputLimitError(self.message)

    def flush(self) -> None:
        if os.getpid() != self.pipe.pid:
            return
        with self.lock:
            self._drain()
            self._flush()

    def _take(self, name: str, text: str) -> bool:
        data = text.encode("utf-8", "replace")
        if len(data) <= self.left:
            self.left -= len(data)
            self._buffer(name, text, len(data))
            return True
        if self.left > 0:
            self._buffer(name, data[: self.left].decode("utf-8", "ignore"), self.left)
            self.left = 0
        self._exceeded()
        return False

    def _buffer(self, name: str, text: str, size: int) -> None:
        if text:
            self.buffers[name].append(text)
            self.pending += size
            if self.since is None:
                self.since = time.monotonic()

    def _exceeded(self) -> None:
        self.over = True
        if not self.noted:
            self.noted = True
            self._flush()
            self.pipe.send(
                {
                    "t": "out",
                    "msg_type": "stream",
                    "content": {"name": "stderr", "text": f"\n… output truncated: {self.message}\n"},
                }
            )

    def _flush(self) -> None:
        # stdout first, then stderr: what ipykernel's two buffers give for
        # writes within one flush interval
        for name in ("stdout", "stderr"):
            if self.buffers[name]:
                text = "".join(self.buffers[name])
                self.buffers[name] = []
                # in pieces, so no frame is huge (the grader joins them again)
                for start in range(0, len(text), FLUSH_BYTES):
                    self.pipe.send(
                        {
                            "t": "out",
                            "msg_type": "stream",
                            "content": {"name": name, "text": text[start : start + FLUSH_BYTES]},
                        }
                    )
        self.pending = 0
        self.since = None

    def _drain(self) -> None:
        # what C code and subprocesses wrote to file descriptors 1 and 2
        for name, fd in self.captured.items():
            try:
                size = os.fstat(fd).st_size
                if size <= self.offsets[name]:
                    continue
                data = os.pread(fd, size - self.offsets[name], self.offsets[name])
                self.offsets[name] += len(data)
                if self.offsets[name] > CAPTURE_TRUNCATE:
                    os.ftruncate(fd, 0)
                    self.offsets[name] = 0
            except OSError:
                continue
            self._take(name, data.decode("utf-8", "replace"))

    def skip_captured(self) -> None:
        """Forget what was written so far (the shell's own start-up)."""
        for name, fd in self.captured.items():
            try:
                os.ftruncate(fd, 0)
            except OSError:
                pass
            self.offsets[name] = 0
        self.buffers = {"stdout": [], "stderr": []}
        self.pending, self.since, self.left = 0, None, self.budget

    # -- other outputs (from ipykernel's shell, through the session) ---------

    def emit(self, msg_type: str, content: dict) -> None:
        if os.getpid() != self.pipe.pid:
            return
        with self.lock:
            self._drain()
            self._flush()
            if msg_type == "error":
                self.errors.append(str(content.get("ename")))
                self.pipe.send({"t": "out", "msg_type": "error", "content": _cap_error(content)})
                return
            if msg_type != "clear_output":
                size = len(encode(content))
                if size > self.left:
                    self.left = 0
                    self._exceeded()
                    return
                self.left -= size
            self.pipe.send({"t": "out", "msg_type": msg_type, "content": content})

    def end_cell(self, timed_out: bool) -> None:
        for stream in (sys.__stdout__, sys.__stderr__):
            try:
                stream.flush()
            except (OSError, ValueError, AttributeError):
                pass
        with self.lock:
            self._drain()
            self._flush()
            if self.over and "OutputLimitError" not in self.errors:
                self.emit(
                    "error",
                    {
                        "ename": "OutputLimitError",
                        "evalue": self.message,
                        "traceback": [f"\x1b[0;31mOutputLimitError\x1b[0m: {self.message}"],
                    },
                )
            if timed_out:
                self.emit("error", CELL_TIMEOUT_ERROR)
            self.over = False
            self.errors = []


def _cap_error(content: dict) -> dict:
    traceback = [str(line) for line in content.get("traceback") or []]
    if sum(len(line) for line in traceback) > ERROR_MAX_BYTES:
        lines = [line[:2000] for line in traceback]
        if len(lines) > 40:
            lines = lines[:20] + [f"… {len(lines) - 40} more lines …"] + lines[-20:]
        traceback = lines
    return {
        "ename": str(content.get("ename")),
        "evalue": str(content.get("evalue"))[:ERROR_MAX_BYTES],
        "traceback": traceback,
    }


class _CellStream(io.TextIOBase):
    """``sys.stdout``/``sys.stderr`` of the notebook (ipykernel's ``OutStream``, over the pipe)."""

    encoding = "UTF-8"

    def __init__(self, recorder: _Recorder, name: str):
        super().__init__()
        self._recorder = recorder
        self.name = name
        self._devnull: int | None = None

    def write(self, text) -> int:
        if not isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text)}")
        self._recorder.write(self.name, text)
        return len(text)

    def writelines(self, lines) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        self._recorder.flush()

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return False

    def fileno(self) -> int:
        # ipykernel hands out a copy of the kernel's original descriptor, whose
        # output never reaches the notebook; ours goes nowhere either
        if self._devnull is None:
            self._devnull = os.open(os.devnull, os.O_WRONLY)
        return self._devnull


class _PipeSession(Session):
    """ipykernel's shell sends its messages through a Session: this one hands them to the recorder."""

    def send(
        self,
        stream,
        msg_or_type,
        content=None,
        parent=None,
        ident=None,
        buffers=None,
        track=False,
        header=None,
        metadata=None,
    ):
        if isinstance(msg_or_type, dict):
            msg_type, content = msg_or_type["header"]["msg_type"], msg_or_type["content"]
        else:
            msg_type = msg_or_type
        stream.emit(msg_type, content)
        return None


class _Kernel:
    """What ipykernel's shell asks of its kernel: no event loop to stop on ``exit()``."""

    eventloop = None


def _enable_gui(shell, gui=None):
    from ipykernel.eventloops import enable_gui
    from IPython.core.error import UsageError

    try:
        enable_gui(gui, kernel=shell.kernel)
        shell.active_eventloop = gui
    except ValueError as exc:
        raise UsageError(str(exc)) from exc


def _raw_input(prompt=""):
    raise StdinNotImplementedError("raw_input was called, but this frontend does not support input requests.")


def _getpass(prompt="Password: ", stream=None, **_):
    raise StdinNotImplementedError("getpass was called, but this frontend does not support input requests.")


def _capture_fd(fd: int, name: str) -> int:
    """Point file descriptor ``fd`` (1 or 2) at an anonymous, append-only file; return a reader.

    The file lives in the notebook's private ``/tmp`` (a capped tmpfs in the sandbox) with no
    name (``O_TMPFILE``): memfds are refused inside the sandbox, whose memory they would escape.
    """
    folder = tempfile.gettempdir()
    try:
        reader = os.open(folder, os.O_TMPFILE | os.O_RDWR | os.O_CLOEXEC, 0o600)
    except (AttributeError, OSError):  # no O_TMPFILE here: a named file, unlinked at once
        handle, path = tempfile.mkstemp(prefix=f"kit-{name}-", dir=folder)
        os.unlink(path)
        reader = handle
        os.set_inheritable(reader, False)
    os.dup2(reader, fd)
    import fcntl

    # O_APPEND on the shared file description: every writer appends, whatever
    # the reader truncates
    fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) | os.O_APPEND)
    return reader


def _prepare_process(job: Job) -> dict[str, int]:
    os.environ.clear()
    os.environ.update(job.env)
    tempfile.tempdir = None  # computed again from TMPDIR
    # a fork shares its parent's random state: every notebook would draw the
    # same "random" numbers. Seed from the OS, as a fresh interpreter does
    random.seed()
    numpy = sys.modules.get("numpy")
    if numpy is not None:
        numpy.random.seed()
    try:
        import ipykernel_launcher

        launcher = ipykernel_launcher.__file__
    except ImportError:
        launcher = "ipykernel_launcher.py"
    sys.argv = [launcher, "-f", os.path.join(job.env.get("TMPDIR", "/tmp"), "kernel-sandbox.json")]
    if "" not in sys.path:
        sys.path.insert(0, "")  # the working folder, as in a kernel
    for sig in (signal.SIGINT, signal.SIGALRM):
        signal.signal(sig, signal.default_int_handler)
    for sig in (signal.SIGTERM, signal.SIGCHLD, signal.SIGHUP):
        signal.signal(sig, signal.SIG_DFL)
    return {"stdout": _capture_fd(1, "stdout"), "stderr": _capture_fd(2, "stderr")}


def _make_shell(recorder: _Recorder) -> ZMQInteractiveShell:
    config = Config()
    config.HistoryManager.hist_file = ":memory:"
    shell = ZMQInteractiveShell.instance(config=config, kernel=_Kernel(), compiler_class=XCachingCompiler)
    # `%matplotlib inline` asks ipykernel for the running kernel's event loop:
    # hand it ours (none), keeping the shell's class ipykernel's own
    shell.enable_gui = types.MethodType(_enable_gui, shell)
    session = _PipeSession()
    for hook in (shell.displayhook, shell.display_pub):
        hook.session = session
        hook.pub_socket = recorder
    builtins.input = _raw_input
    getpass.getpass = _getpass
    try:
        from matplotlib_inline import backend_inline
    except ImportError:
        return shell
    # what importing the inline backend does inside a kernel: pyplot switches to
    # it, figures left at a cell's end are shown and closed
    backend_inline._enable_matplotlib_integration()
    return shell


def _run_cell(shell: ZMQInteractiveShell, source: str, seconds: float) -> None:
    signal.pthread_sigmask(signal.SIG_SETMASK, set())
    signal.signal(signal.SIGALRM, signal.default_int_handler)
    try:
        try:
            # SIGALRM after `seconds`; its handler (the one SIGINT has) raises
            # KeyboardInterrupt in the cell, as nbclient's interrupt does
            signal.setitimer(signal.ITIMER_REAL, seconds)
            shell.run_cell(source, store_history=True, silent=False)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
    except KeyboardInterrupt:
        signal.setitimer(signal.ITIMER_REAL, 0)  # the alarm came between the cell's end and the disarm
    except BaseException:
        # something escaped IPython's own handling (an error while it printed)
        signal.setitimer(signal.ITIMER_REAL, 0)
        try:
            shell.showtraceback()
        except BaseException:
            pass


COMMAND_MAX_BYTES = VALUES_MAX_BYTES + (4 << 20)  # one command from the grader (a test and its values, for the judge)


def take_commands() -> FrameSource:
    """The command pipe (file descriptor 0, from the fork server) as a frame source.

    It moves to a descriptor of its own, not inherited; descriptor 0 becomes
    ``/dev/null``, so what the notebook starts reads nothing of it.
    """
    fd = os.dup(0)
    os.set_inheritable(fd, False)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    return FrameSource(fd, COMMAND_MAX_BYTES)


def start_shell(job: Job, fd: int) -> tuple[_Pipe, _Recorder, ZMQInteractiveShell]:
    """The process's environment, output capture and IPython shell, ready for cells."""
    pipe = _Pipe(fd)
    captured = _prepare_process(job)
    recorder = _Recorder(pipe, int(job.limits.output_bytes), captured)
    sys.stdout = _CellStream(recorder, "stdout")
    sys.stderr = _CellStream(recorder, "stderr")
    shell = _make_shell(recorder)
    recorder.skip_captured()
    return pipe, recorder, shell


def run_cell(pipe: _Pipe, recorder: _Recorder, shell, command: dict, seconds: float) -> None:
    """Run one cell the grader sent (``cell``, ``count``, ``source``), framed by ``start`` and ``end``."""
    index, source = int(command["cell"]), str(command["source"])
    shell.execution_count = int(command["count"])
    pipe.send({"t": "start", "cell": index})
    started = time.monotonic()
    _run_cell(shell, source, seconds)
    if os.getpid() != pipe.pid:
        os._exit(ExitCode.OK)  # a process the notebook forked came back here: it has nothing to run
    try:
        recorder.end_cell(timed_out=time.monotonic() - started >= seconds)
    except KeyboardInterrupt:
        pass
    pipe.send({"t": "end", "cell": index})


def _send_values(pipe: _Pipe, namespace, command: dict) -> None:
    # the values of the names a test cell reads, as data (kit.grading.sandbox.values):
    # the test runs in the judge's process, never here
    parts, left = [], VALUES_MAX_BYTES - 4096
    for name in command.get("names", []):
        try:
            if not isinstance(name, str) or name not in namespace:
                continue
            text = json.dumps(encode_value(namespace[name]), ensure_ascii=False, allow_nan=True)
        except BaseException as exc:  # whatever the value does while it is read
            text = json.dumps({"$": "unavailable", "type": type(exc).__name__})
        if len(text) > left:
            text = json.dumps({"$": "unavailable", "type": "a value too large to send"})
        left -= len(text)
        parts.append(f"{json.dumps(name)}:{text}")
    payload = '{"t":"values","cell":' + str(int(command["cell"])) + ',"values":{' + ",".join(parts) + "}}"
    pipe.send_raw(payload.encode("utf-8", "replace"))


def run_notebook(job: Job, fd: int) -> None:
    """Run the cells the grader sends on the command pipe and report on ``fd``. Never returns.

    Commands: ``run`` (one cell: ``cell``, ``count``, ``source``) and ``values``
    (the values of ``names``, for a test cell the judge runs). The notebook's
    test cells never come here (:mod:`kit.grading.sandbox.judge`).
    """
    if job.kind == "judge":
        from kit.grading.sandbox.judge import run_judge

        run_judge(job, fd)
    commands = take_commands()
    pipe, recorder, shell = start_shell(job, fd)
    pipe.send({"t": "ready"})
    seconds = float(job.limits.cell_seconds)
    while True:
        command = commands.next()
        kind = command.get("t") if isinstance(command, dict) else None
        if kind == "run":
            run_cell(pipe, recorder, shell, command, seconds)
        elif kind == "values":
            _send_values(pipe, shell.user_ns, command)
        else:
            os._exit(ExitCode.OK)  # the grader is done with this notebook, or gone
