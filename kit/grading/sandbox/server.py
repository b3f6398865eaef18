"""The warm fork server: heavy imports once, a fresh process per notebook.

:class:`ForkServer` (in the grader) starts one Python process that imports the
preload list (pandas, geopandas, matplotlib, IPython, the kit…) once, then
``fork()``\\ s a child for every notebook. The child starts with everything
already imported (copy-on-write) and isolates itself before any learner code
runs (:mod:`kit.grading.sandbox.isolate`).

Why not ``multiprocessing``'s ``forkserver`` context: it is one server per
grader process, shared by every user of that context (its preload list and
environment are whatever the first user set, and stopping it would stop
everyone's), and it inherits the grader's whole environment. This server
belongs to one :class:`~kit.grading.sandbox.Sandbox`: it starts with the
environment the notebooks get (so ``/proc/self/environ`` of a learner's process
shows no grader secrets), talks over an anonymous socket pair, and ``close()``
stops it and everything it started.

Protocol (over a unix stream socket pair; length-prefixed pickled tuples, file
descriptors as ``SCM_RIGHTS`` with the length: both ends are the grader's own code):

- server -> grader, once: ``("ready", ServerInfo)``
- grader -> server: ``("fork", request, job_path)`` with three file descriptors
  (result pipe, status pipe, command pipe's read end); reply ``("forked", request, pid)`` or
  ``("failed", request, error)``
- grader -> server: ``("kill", request)`` (no reply): SIGUSR1 to that child
  (it kills the notebook's processes and exits once they are gone), SIGKILL if
  asked again; only while it has not been reaped, so a recycled pid is never hit
- grader -> server: ``("stop",)`` or end of file: kill every child and exit
"""

from __future__ import annotations

import array
import gc
import importlib
import itertools
import json
import os
import pickle
import pkgutil
import select
import shutil
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path

from kit.grading.sandbox.errors import SandboxError
from kit.grading.sandbox.exit_codes import ExitCode

_FD_VAR = "KIT_SANDBOX_SERVER_FD"
_PRELOAD_VAR = "KIT_SANDBOX_PRELOAD"
_PATH_VAR = "KIT_SANDBOX_SYS_PATH"
_FOLDER_VAR = "KIT_SANDBOX_FOLDER"
_MAX_MESSAGE = 1 << 16
_LENGTH = struct.Struct(">I")
_BOOT = (
    "import json, os, sys\n"
    f"sys.path[:] = json.loads(os.environ.pop({_PATH_VAR!r}))\n"
    "from kit.grading.sandbox.server import serve\n"
    "serve()\n"
)


# --------------------------------------------------------------------------- #
# Messages


def _send(sock: socket.socket, message: tuple, fds: list[int] = ()) -> None:
    data = pickle.dumps(message)
    data = _LENGTH.pack(len(data)) + data
    ancillary = [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", fds))] if fds else []
    sent = sock.sendmsg([data], ancillary)
    if sent < len(data):
        sock.sendall(data[sent:])


def _recv_exactly(sock: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            raise EOFError
        data += chunk
    return data


def _recv(sock: socket.socket) -> tuple[tuple, list[int]]:
    """One message and the file descriptors that came with it; EOFError at the end."""
    head, ancillary, _, _ = sock.recvmsg(_LENGTH.size, socket.CMSG_SPACE(4 * array.array("i").itemsize))
    if not head:
        raise EOFError
    fds: list[int] = []
    for level, kind, data in ancillary:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds += array.array("i", data[: len(data) - len(data) % 4]).tolist()
    head += _recv_exactly(sock, _LENGTH.size - len(head))
    (size,) = _LENGTH.unpack(head)
    if size > _MAX_MESSAGE:
        raise EOFError
    return pickle.loads(_recv_exactly(sock, size)), fds


# --------------------------------------------------------------------------- #
# The grader's end


class ForkServer:
    """A running fork server (grader side). Thread-safe.

    Parameters
    ----------
    preload
        Modules to import once (``"pkg.*"``: the package and its submodules).
    env
        The server's whole environment (the notebooks start from it).
    log
        File that receives the server's own stderr (import crashes). The folder
        it is in is the sandbox's: the server removes it when it stops, so it goes
        even if the grader is killed.
    timeout
        Seconds to wait for the imports.
    """

    def __init__(self, *, preload, env: dict[str, str], log: Path, timeout: float = 300):
        started = time.perf_counter()
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        self._socket = ours
        self._lock = threading.Lock()
        self._requests = itertools.count(1)
        self._stopped = False
        env = dict(env)
        env[_FD_VAR] = str(theirs.fileno())
        env[_PRELOAD_VAR] = json.dumps(list(preload))
        env[_PATH_VAR] = json.dumps([os.path.abspath(p) if p else os.getcwd() for p in sys.path])
        env[_FOLDER_VAR] = str(Path(log).parent)
        with open(log, "wb") as err:
            try:
                self._process = subprocess.Popen(
                    [sys.executable, "-c", _BOOT],
                    env=env,
                    cwd="/",
                    pass_fds=[theirs.fileno()],
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL,
                    stderr=err,
                    # its own session: a Ctrl-C at the grader's terminal reaches
                    # the grader, which then stops the server in order
                    start_new_session=True,
                )
            finally:
                theirs.close()
        ours.settimeout(timeout)
        try:
            _kind, info = self._receive()
        except (OSError, EOFError, SandboxError) as exc:
            self._process.kill()
            self._process.wait()
            tail = Path(log).read_text(errors="replace").strip().splitlines()[-5:]
            raise SandboxError(
                f"the sandbox's fork server did not start ({exc})", hint=" / ".join(tail) or "see " + str(log)
            ) from None
        ours.settimeout(None)
        self.info: ServerInfo = replace(info, start_seconds=time.perf_counter() - started)

    @property
    def pid(self) -> int:
        return self._process.pid

    def _receive(self):
        try:
            message, fds = _recv(self._socket)
        except EOFError:
            raise SandboxError("the sandbox's fork server stopped", hint="see its log in the sandbox folder") from None
        for fd in fds:
            os.close(fd)
        return message

    def fork(self, job_path: Path) -> tuple[int, int, int, int, int]:
        """Start a child for ``job_path``: returns ``(request, pid, result_fd, status_fd, command_fd)``.

        ``result_fd`` and ``status_fd`` are the read ends of the child's result
        pipe (frames from the sandboxed process) and status pipe (how it ended);
        ``command_fd`` is the write end of its command pipe (the grader's
        commands: its descriptor 0 until it takes it).
        """
        result_r, result_w = os.pipe()
        status_r, status_w = os.pipe()
        command_r, command_w = os.pipe()
        ours, theirs = (result_r, status_r, command_w), (result_w, status_w, command_r)
        try:
            with self._lock:
                if self._stopped:
                    raise SandboxError("the sandbox is closed")
                request = next(self._requests)
                try:
                    _send(self._socket, ("fork", request, str(job_path)), list(theirs))
                    reply = self._receive()
                except OSError as exc:
                    raise SandboxError(f"the sandbox's fork server stopped ({exc})") from None
        except BaseException:
            for fd in ours:
                os.close(fd)
            raise
        finally:
            for fd in theirs:
                os.close(fd)
        if reply[0] != "forked":
            for fd in ours:
                os.close(fd)
            raise SandboxError(
                f"the sandbox could not start a process ({reply[2]})",
                hint="the machine may be out of memory or processes",
            )
        return request, reply[2], result_r, status_r, command_w

    def kill(self, request: int) -> None:
        """Stop the child of ``request`` and everything it started, if it still runs.

        The first call asks it (it kills the notebook's processes, then exits);
        a second one SIGKILLs it.
        """
        with self._lock:
            if not self._stopped:
                try:
                    _send(self._socket, ("kill", request))
                except OSError:
                    pass

    def stop(self, timeout: float = 10) -> None:
        """Kill every child, stop the server and wait for it."""
        with self._lock:
            if self._stopped:
                return
            self._stopped = True
            try:
                _send(self._socket, ("stop",))
            except OSError:
                pass
        try:
            self._process.wait(timeout)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._socket.close()


# --------------------------------------------------------------------------- #
# The server's end


def _preload(names) -> dict[str, str]:
    failed = {}
    for name in names:
        try:
            if name.endswith(".*"):
                package = importlib.import_module(name[:-2])
                for info in pkgutil.iter_modules(package.__path__, package.__name__ + "."):
                    importlib.import_module(info.name)
            else:
                importlib.import_module(name)
        except Exception as exc:  # a module that fails to import is imported (and fails) in the notebook
            failed[name] = f"{type(exc).__name__}: {exc}"
    return failed


def _threads() -> int:
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:
        return threading.active_count()


def _reap(children: dict[int, int]) -> None:
    while children:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            children.clear()
            return
        if pid == 0:
            return
        for request, child in list(children.items()):
            if child == pid:
                del children[request]


def _start_child(sock, wakeup: tuple[int, int], job_path: str, fds: list[int]) -> int:
    pid = os.fork()
    if pid:
        return pid
    # the child: forget the server's sockets and handlers, then isolate itself
    try:
        signal.set_wakeup_fd(-1)
        for sig in (signal.SIGCHLD, signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, signal.SIG_DFL)
        sock.close()
        for fd in wakeup:
            os.close(fd)
        # the command pipe becomes descriptor 0: every process down to the
        # sandboxed one keeps it (kit.grading.sandbox.shell.take_commands)
        os.dup2(fds[2], 0)
        os.close(fds[2])
        from kit.grading.sandbox.isolate import run_monitor

        run_monitor(job_path, fds[0], fds[1], os.getppid())
    finally:
        os._exit(ExitCode.MONITOR_FAILED)


def serve() -> None:
    """The fork server's main loop (runs in its own process, started by :class:`ForkServer`)."""
    sock = socket.socket(fileno=int(os.environ.pop(_FD_VAR)))
    preload = json.loads(os.environ.pop(_PRELOAD_VAR))
    folder = os.environ.pop(_FOLDER_VAR)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _send(sock, ("ready", _warm_up(preload)))
    server = _Server(sock)
    try:
        server.answer_requests()
    finally:
        server.stop_children()
        shutil.rmtree(folder, ignore_errors=True)
        os._exit(ExitCode.OK)


@dataclass(frozen=True)
class ServerInfo:
    """What the server tells the grader once it is ready (pickled, like every message)."""

    pid: int
    import_seconds: float  # its preload imports
    failed: dict[str, str]  # preload modules that failed to import, with the error
    threads: int  # its threads when ready (a fork copies only the calling one)
    start_seconds: float = 0.0  # from the grader's start to ready (set by the grader)


def _warm_up(preload) -> ServerInfo:
    """Import ``preload`` once; what the grader is told in the ``ready`` message."""
    started = time.perf_counter()
    failed = _preload(preload)
    # move everything imported so far out of the garbage collector's reach: the
    # collector then never writes to those pages, and forked children keep
    # sharing them with the server
    gc.collect()
    gc.freeze()
    return ServerInfo(pid=os.getpid(), import_seconds=time.perf_counter() - started, failed=failed, threads=_threads())


class _Server:
    """The server answering the grader: its children by request, woken when one ends."""

    def __init__(self, sock: socket.socket):
        self.sock = sock
        self.wake_r, self.wake_w = os.pipe()
        os.set_blocking(self.wake_r, False)
        os.set_blocking(self.wake_w, False)
        signal.set_wakeup_fd(self.wake_w)
        signal.signal(signal.SIGCHLD, lambda *_: None)  # wakes select() when a child ends
        self.children: dict[int, int] = {}  # request -> pid
        self.asked: set[int] = set()  # requests already asked to stop

    def answer_requests(self) -> None:
        """Fork, kill and reap until the grader says stop or goes away."""
        while True:
            ready, _, _ = select.select([self.sock, self.wake_r], [], [], 5.0)
            _reap(self.children)
            self.asked &= set(self.children)
            if self.wake_r in ready:
                try:
                    os.read(self.wake_r, 4096)
                except BlockingIOError:
                    pass
            if self.sock not in ready:
                continue
            try:
                message, fds = _recv(self.sock)
            except (EOFError, OSError):
                return  # the grader is gone
            if message[0] == "fork":
                _, request, job_path = message
                self._fork(request, job_path, fds)
            elif message[0] == "kill":
                self._kill(message[1])
            elif message[0] == "stop":
                return

    def _fork(self, request: int, job_path: str, fds: list[int]) -> None:
        try:
            if len(fds) != 3:
                raise OSError(f"{len(fds)} file descriptors instead of 3")
            self.children[request] = _start_child(self.sock, (self.wake_r, self.wake_w), job_path, fds)
            reply = ("forked", request, self.children[request])
        except OSError as exc:
            reply = ("failed", request, f"fork: {exc}")
        finally:
            for fd in fds:
                os.close(fd)
        _send(self.sock, reply)

    def _kill(self, request: int) -> None:
        # first ask the child (SIGUSR1: it kills the notebook's processes), then SIGKILL it
        pid = self.children.get(request)
        if pid is not None:
            try:
                os.kill(pid, signal.SIGKILL if request in self.asked else signal.SIGUSR1)
            except ProcessLookupError:
                pass
            self.asked.add(request)

    def stop_children(self) -> None:
        """Kill every child and reap them (for at most 10 seconds)."""
        for pid in self.children.values():
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + 10
        while self.children and time.monotonic() < deadline:
            _reap(self.children)
            time.sleep(0.01)
