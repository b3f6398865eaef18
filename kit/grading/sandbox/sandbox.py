"""The sandbox: notebooks run one per fresh, isolated, limited process from a warm server."""

from __future__ import annotations

import copy
import os
import queue
import select
import shutil
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path

import nbformat
from nbformat import NotebookNode

from kit.grading.sandbox.errors import SandboxError
from kit.grading.sandbox.execution import Execution, Process, ProcessFollower, Step
from kit.grading.sandbox.job import Job, Plan, ProbeTargets
from kit.grading.sandbox.limits import Limits
from kit.grading.sandbox.protections import NOTHING, Machine, Protections, Shortfall, read_probe, shortfalls
from kit.grading.sandbox.rundir import RunDir, copy_given, remove
from kit.grading.sandbox.server import ForkServer
from kit.grading.sandbox.users import claim_uids
from kit.grading.sandbox.values import VALUES_MAX_BYTES
from kit.grading.sandbox.view import hide_paths, keep_paths, mask_paths
from kit.grading.sandbox.wire import FrameReader

DEFAULT_PRELOAD: tuple[str, ...] = (
    "kit.grading.sandbox.shell",  # the child's own code: IPython, ipykernel's shell
    "kit.grading.sandbox.judge",
    # what making the shell imports (its history, completer, inspector): twice per notebook
    "sqlite3",
    "IPython.core.application",
    "IPython.core.completer",
    "IPython.core.completerlib",
    "IPython.core.oinspect",
    "ipykernel_launcher",
    "numpy",
    "pandas",
    "shapely",
    "pyogrio",
    "geopandas",
    "matplotlib",
    "matplotlib.pyplot",
    "matplotlib_inline.backend_inline",
    "sklearn.linear_model",  # module 6 fits a turnout model
    "sklearn.metrics",
    "sklearn.pipeline",
    "IPython",
    "kit",
    "kit.data.catalog",
    "kit.analysis.*",
    "kit.data.warm",  # every bundled dataset parsed once: notebooks copy it instead of reading files
)
INSIDE = "/tmp/work"  # the working folder, as the notebook sees it
INLINE_BACKEND = "module://matplotlib_inline.backend_inline"
ONE_THREAD = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
# taken from the grader's environment when no `env` is given (nothing secret)
PASSED_ENV = (
    "PATH",
    "LANG",
    "LANGUAGE",
    "TZ",
    "KIT_HOME",
    "PYTHONPATH",
    "VIRTUAL_ENV",
    "CONDA_PREFIX",
    "CONDA_DEFAULT_ENV",
    "PROJ_DATA",
    "PROJ_LIB",
    "GDAL_DATA",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
)
# only the server's imports need these (matplotlib's font cache)
SERVER_ENV = ("HOME", "MPLCONFIGDIR", "XDG_CACHE_HOME", "XDG_CONFIG_HOME")
PROBE_SECONDS = 60


def grader_env() -> dict[str, str]:
    """The harmless variables of the grader's environment that notebooks get by default."""
    return {k: v for k, v in os.environ.items() if k in PASSED_ENV or k.startswith("LC_")}


def _notebook_env(env: Mapping[str, str] | None) -> dict[str, str]:
    if env is None:
        base = grader_env()
    else:
        base = {str(k): str(v) for k, v in env.items()}
    base.setdefault("PATH", os.defpath)
    base.setdefault("NBGRADER_EXECUTION", "autograde")  # what nbgrader's autograde sets for its kernels
    return base


def _source(cell) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def test_cells(nb: NotebookNode) -> set[int]:
    """Indices of nbgrader's autograder tests: grade cells that are not solution cells."""
    found = set()
    for index, cell in enumerate(nb.cells):
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if cell.get("cell_type") == "code" and meta.get("grade") and not meta.get("solution"):
            found.add(index)
    return found


class Sandbox:
    """Runs learners' notebooks, each in a fresh, isolated, resource-limited process.

    A warm server process imports ``preload`` once; every :meth:`execute` forks
    a child of it, which isolates itself before any learner code runs and then
    executes the notebook as ipykernel + nbclient would (with nbgrader's
    settings: errors allowed, a cell past its time limit interrupted), so
    nbgrader's ``SaveAutoGrades`` gives the same scores.

    Protections: see README, "The grading sandbox" (the one table of what each
    measure stops). Each one is reported in :attr:`protections`; one that the
    machine does not allow is OFF, grading still runs, and
    ``protections.missing()`` says how to turn it on. Only a copy of ``files``
    is writable, at ``/tmp/work`` (the working directory and ``HOME``).

    Parameters
    ----------
    workers
        Notebooks that may run at once (each in its own slot).
    limits
        Resource limits for every notebook.
    hide
        Paths a notebook must never see (the course folder with its gradebook and
        every learner's work, the exercises with solutions and hidden tests). They
        must not contain the datasets, the modules or the Python environment.
    preload
        Modules the server imports once (``"pkg.*"``: a package and its submodules).
    env
        The notebooks' environment; by default a few harmless variables of the
        grader's (``PATH``, ``LANG``, ``KIT_HOME``…). ``NBGRADER_EXECUTION``
        defaults to ``"autograde"``; ``HOME``, ``TMPDIR`` and the like are the sandbox's.

    Attributes
    ----------
    protections : Protections
        Which measures work on this machine (probed once, at start).
    users : list of int
        The uid each worker slot runs notebooks as (empty when not root).
    preload_failures : dict
        Preload modules that failed to import, with the error (notebooks that
        need them import them, and fail, themselves).
    server_seconds : float
        How long the warm server took to start.

    Raises
    ------
    SandboxError
        When the server cannot start, or ``hide`` would hide what notebooks need.

    Examples
    --------
    >>> with Sandbox(workers=2, hide=[course.root, course.source_root]) as sandbox:  # doctest: +SKIP
    ...     sandbox.protections.missing()
    ...     run = sandbox.execute(nb, files=Path("autograded/ana/01-intro"))
    ...     run.status, run.message
    []
    ('ok', None)
    """

    def __init__(
        self,
        *,
        workers: int,
        limits: Limits = Limits(),
        hide: Sequence[Path] = (),
        preload: Sequence[str] = DEFAULT_PRELOAD,
        env: Mapping[str, str] | None = None,
    ):
        if workers < 1:
            raise ValueError("workers must be at least 1")
        if not hasattr(os, "fork"):
            raise SandboxError("the sandbox needs a system with fork() (Linux, macOS)")
        self.workers = workers
        self.limits = limits
        self.protections: Protections = NOTHING
        self.preload_failures: dict[str, str] = {}
        self._closing = threading.Event()
        self._closed = False
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._running = 0
        self._first_cell_seconds: list[float] = []
        self._server: ForkServer | None = None
        self._uid_locks: list[int] = []
        self.users: list[int] = []
        self._base = Path(tempfile.mkdtemp(prefix="kit-sandbox-"))
        try:
            if os.geteuid() == 0:
                self.users, self._uid_locks = claim_uids(2 * workers)
            os.chmod(self._base, 0o711)
            self._env = _notebook_env(env)
            self._hide = hide_paths(hide, self._base, self._env)
            self._keep = keep_paths(self._env)
            self._masks = mask_paths(self._keep, limits.file_mb)
            server_env = {
                **self._env,
                **{k: os.environ[k] for k in SERVER_ENV if k in os.environ},
                **ONE_THREAD,
                "MPLBACKEND": INLINE_BACKEND,
            }
            self._server = ForkServer(preload=preload, env=server_env, log=self._base / "server.log")
            self.preload_failures = dict(self._server.info.failed)
            self.protections, self._plan = self._probe()
        except BaseException:
            self._shutdown()
            raise
        self._slots: queue.SimpleQueue[int] = queue.SimpleQueue()
        for slot in range(workers):
            self._slots.put(slot)

    # -- context manager ------------------------------------------------------

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *_) -> None:
        self.close()

    @property
    def server_seconds(self) -> float:
        """How long the warm server took to start (its imports)."""
        return self._server.info.start_seconds if self._server else 0.0

    def shortfalls(self) -> list[Shortfall]:
        """What keeps this sandbox from being whole on this machine, with fixes that fit it."""
        return shortfalls(self.protections, Machine.here(self.protections))

    # -- running --------------------------------------------------------------

    def execute(
        self,
        notebook: NotebookNode,
        files: Path,
        *,
        leave_out: Sequence[str] = (),
        tests: Collection[int] | None = None,
    ) -> Execution:
        """Run ``notebook``'s code cells in a fresh sandboxed process, in a copy of ``files``.

        Thread-safe; blocks until the notebook ends. At most ``workers`` run at
        once, the others wait for a slot.

        Parameters
        ----------
        notebook
            The notebook (not changed: the result holds a copy).
        files
            The folder the notebook runs in (the submission as nbgrader prepared
            it). It is copied into a private working folder, deleted afterwards;
            symlinks are copied as links and resolve inside the sandbox.
        leave_out
            Name patterns (``fnmatch``, at any depth) of what in ``files`` is not
            copied, e.g. ``("*.ipynb",)``.
        tests
            Indices of the test cells: they run in the judge, never in the
            learner's process (:mod:`kit.grading.sandbox.judge`). By default,
            nbgrader's grade cells that are not solution cells.

        Returns
        -------
        Execution
            The executed copy, ``status`` (``"ok"``, ``"timeout"``, ``"died"``),
            ``message`` and ``seconds``.

        Raises
        ------
        SandboxError
            The sandbox is closed, or could not start or isolate the process.
        """
        files = Path(files)
        if not files.is_dir():
            raise SandboxError(f"{files} is not a folder", hint="pass the folder the notebook runs in")
        nb = nbformat.from_dict(copy.deepcopy(dict(notebook)))
        tests = test_cells(nb) if tests is None else set(tests)
        steps = [
            Step(i, _source(c), i in tests)
            for i, c in enumerate(nb.cells)
            if c.get("cell_type") == "code" and _source(c).strip()
        ]
        with self._lock:
            if self._closed:
                raise SandboxError("the sandbox is closed")
            self._running += 1
        try:
            slot = self._slots.get()
            try:
                return self._execute(nb, steps, files, slot, leave_out)
            finally:
                self._slots.put(slot)
        finally:
            with self._lock:
                self._running -= 1
                self._idle.notify_all()

    def _execute(
        self, nb: NotebookNode, steps: list[Step], files: Path, slot: int, leave_out: Sequence[str]
    ) -> Execution:
        started = time.monotonic()
        if self._closing.is_set():
            raise SandboxError("the sandbox is closed")
        runs = [self._new_run(files, leave_out)]
        processes: list[Process] = []
        try:
            # the judge works in an empty folder of its own, as a user of its own
            kinds = ["execute", "judge"] if any(step.test for step in steps) else ["execute"]
            if len(kinds) == 2:
                runs.append(self._new_run(None))
            for kind, run in zip(kinds, runs):
                job = self._job(kind, run, slot, self._plan, strict=True)
                run.job.write_text(job.to_json())
                processes.append(
                    self._start(run, max_frame=VALUES_MAX_BYTES + (1 << 20) if kind == "execute" else 1 << 24)
                )
            execution, first = ProcessFollower(
                nb,
                steps,
                self.limits,
                processes[0],
                processes[1] if len(processes) == 2 else None,
                closing=self._closing,
                started=started,
            ).follow()
            if first is not None:
                self._first_cell_seconds.append(first)
            return execution
        finally:
            for process in processes:
                process.kill()
                for fd in (process.result_fd, process.status_fd, process.command_fd):
                    os.close(fd)
            for run in runs:
                remove(run.root)

    def _start(self, run: RunDir, *, max_frame: int) -> Process:
        request, _, result_fd, status_fd, command_fd = self._server.fork(run.job)
        return Process(result_fd, status_fd, command_fd, kill=lambda: self._server.kill(request), max_frame=max_frame)

    def _new_run(self, files: Path | None, leave_out: Sequence[str] = ()) -> RunDir:
        run = RunDir(Path(tempfile.mkdtemp(prefix="run-", dir=self._base)))
        os.chmod(run.root, 0o711)
        if files is None:
            run.work.mkdir()
        else:
            copy_given(files, run.work, leave_out)
        run.tmp.mkdir()
        return run

    def _job(
        self,
        kind: str,
        run: RunDir,
        slot: int,
        plan: Plan,
        *,
        strict: bool,
        probe: ProbeTargets | None = None,
    ) -> Job:
        mounted = plan.mount_ns
        # each slot has two users: one for the learner's process, one for its judge
        user = slot + (self.workers if kind == "judge" else 0)
        uid = self.users[user] if self.users and plan.drop else None
        inside = INSIDE if mounted else str(run.work)
        tmp = "/tmp" if mounted else str(run.tmp)
        env = {
            **self._env,
            "HOME": inside,
            "TMPDIR": tmp,
            "IPYTHONDIR": f"{tmp}/.ipython",
            "MPLCONFIGDIR": f"{tmp}/.config/matplotlib",
            "MPLBACKEND": INLINE_BACKEND,
            **ONE_THREAD,
        }
        # the private /tmp holds the working folder too: room for the submission
        staged_mb = sum(p.stat().st_size for p in run.work.rglob("*") if p.is_file() and not p.is_symlink()) >> 20
        masks = [[path, writable, size + staged_mb if writable else size] for path, writable, size in self._masks]
        return Job(
            kind=kind,
            strict=strict,
            plan=plan,
            uid=uid,
            gid=uid,
            workdir=str(run.work),
            tmp=str(run.tmp),
            inside=inside,
            masks=masks,
            keep=self._keep,
            hide=self._hide,
            limits=self.limits,
            env=env,
            probe=probe,
        )

    # -- probing --------------------------------------------------------------

    def _probe(self) -> tuple[Protections, Plan]:
        """Try every measure in a throwaway child; see which work here."""
        if not sys.platform.startswith("linux"):
            return NOTHING, Plan()
        root = os.geteuid() == 0
        plan = Plan(
            user_ns=not root,
            mount_ns=True,
            net_ns=True,
            ipc_ns=True,
            pid_ns=True,
            ro_root=True,
            proc=True,
            drop=True,
            no_new_privs=True,
            seccomp=True,
        )
        run = self._new_run(None)
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            listener.bind(("127.0.0.1", 0))
            listener.listen(1)
            targets = ProbeTargets(secret=str(run.job), port=listener.getsockname()[1])
            job = self._job("probe", run, 0, plan, strict=False, probe=targets)
            run.job.write_text(job.to_json())
            reports = self._read_probe(run)
        finally:
            listener.close()
            remove(run.root)
        if "done" not in reports:
            tail = (self._base / "server.log").read_text(errors="replace").strip().splitlines()[-3:]
            raise SandboxError("the sandbox could not run a test process", hint=" / ".join(tail) or None)
        return read_probe(reports, root=root, limits=self.limits)

    def _read_probe(self, run: RunDir) -> dict:
        request, _, result_fd, status_fd, command_fd = self._server.fork(run.job)
        os.close(command_fd)
        reports: dict = {}
        deadline = time.monotonic() + PROBE_SECONDS
        buffers = {result_fd: b"", status_fd: b""}
        try:
            reader = FrameReader(1 << 20)
            while buffers and time.monotonic() < deadline:
                ready, _, _ = select.select(list(buffers), [], [], max(0.0, deadline - time.monotonic()))
                for fd in ready:
                    data = os.read(fd, 1 << 16)
                    if not data:
                        del buffers[fd]
                    elif fd == result_fd:
                        for frame in reader.feed(data):
                            if frame.get("t") == "probe":
                                reports[frame["who"]] = frame
                            elif frame.get("t") in ("done", "setup_error"):
                                reports[frame["t"]] = frame
        finally:
            self._server.kill(request)
            os.close(result_fd)
            os.close(status_fd)
        return reports

    # -- closing --------------------------------------------------------------

    def close(self) -> None:
        """Stop every running notebook (their executions end as ``"died"``) and the server."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
        self._closing.set()
        with self._lock:
            self._idle.wait_for(lambda: self._running == 0, timeout=30)
        self._shutdown()

    def _shutdown(self) -> None:
        if self._server is not None:
            self._server.stop()
        shutil.rmtree(self._base, ignore_errors=True)
        for fd in self._uid_locks:
            os.close(fd)  # the uids are free for another sandbox
        self._uid_locks = []
