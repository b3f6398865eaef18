"""Grading on a dask.distributed cluster: notebooks run in the workers' sandboxes, the gradebook stays here.

``kit grade autograde --scheduler ADDRESS`` grades exactly as the local engine does —
nbgrader's ``Autograde`` converter, its bookkeeping (gradebook, ``autograded/``, the
resume journal) written here, in one place, one learner at a time — except that each
sanitized notebook runs on a dask worker instead of this machine. :class:`ClusterSandbox`
stands in for :class:`kit.grading.sandbox.Sandbox` in :mod:`kit.grading.autograde`.

What travels to a worker: the notebook (which of its cells are tests), the learner's files
(never a notebook: the sanitized notebooks next to them carry the hidden tests, see
:data:`kit.grading.converter.SANITIZED_NOTEBOOKS`), the sandbox limits and the paths to hide,
and the course's datasets (once per worker). What comes back: the
:class:`~kit.grading.sandbox.execution.Execution` (outputs and how the notebook ended).

Each worker runs the same sandbox as a local run: it starts one warm server with a slot per
worker thread, probes its protections and **fails closed** — a worker whose sandbox is
incomplete refuses every notebook unless the trainer allowed it (``--allow-unisolated``); the
run checks every worker's protections before anyone is graded. Learners' files are unpacked
in a folder the worker's sandbox hides, so no notebook sees another learner's work.
"""

from __future__ import annotations

import fnmatch
import hashlib
import io
import os
import shutil
import socket
import tarfile
import tempfile
import threading
from collections.abc import Collection, Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from nbformat import NotebookNode

from kit.grading.sandbox.errors import SandboxError
from kit.grading.sandbox.limits import Limits
from kit.grading.sandbox.protections import Shortfall
from kit.paths import DATASETS_ENV

__all__ = ["ClusterSandbox", "WorkerSettings", "pack_folder"]

CONNECT_SECONDS = 30


@dataclass(frozen=True)
class WorkerSettings:
    """What every worker's sandbox is made with: the same for all workers of a run.

    ``datasets`` is the sha256 of the course's packed datasets (None: the kit's own, which
    every worker has); the packed bytes travel once per worker, as a scattered dask future.
    """

    limits: Mapping[str, float]
    hide: tuple[str, ...]
    env: Mapping[str, str]
    allow_unisolated: bool
    datasets: str | None = None

    @property
    def key(self) -> str:
        text = repr((sorted(self.limits.items()), self.hide, sorted(self.env.items()), self.datasets))
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def pack_folder(folder: Path, leave_out: Sequence[str] = ()) -> bytes:
    """``folder``'s folders, regular files and links as a gzipped tar, leaving out names matching ``leave_out``."""

    def keep(info: tarfile.TarInfo) -> tarfile.TarInfo | None:
        name = Path(info.name).name
        if any(fnmatch.fnmatch(name, pattern) for pattern in leave_out):
            return None
        return info if (info.isfile() or info.isdir() or info.issym()) else None

    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz", compresslevel=1) as tar:
        for entry in sorted(Path(folder).iterdir()):
            tar.add(entry, arcname=entry.name, filter=keep)
    return buffer.getvalue()


def _unpack(packed: bytes, into: Path) -> Path:
    # the "data" filter refuses absolute names, links out of the folder and special files
    with tarfile.open(fileobj=io.BytesIO(packed), mode="r:gz") as tar:
        tar.extractall(into, filter="data")
    return into


class ClusterSandbox:
    """The sandbox of a grading run whose notebooks run on a dask.distributed cluster.

    Parameters
    ----------
    address
        The scheduler's address (``tcp://host:8786``), or a ``distributed.Client``.
    limits, hide, env
        As for :class:`~kit.grading.sandbox.Sandbox`: the limits, the paths notebooks must not
        see (those that exist on a worker are hidden there, besides the kit's own exercise
        sources on that worker) and the notebooks' environment.
    allow_unisolated
        Let a worker whose sandbox is incomplete grade anyway.

    Raises
    ------
    SandboxError
        If the scheduler cannot be reached, has no workers, or a worker's sandbox cannot start.
    """

    def __init__(
        self, address, *, limits: Limits, hide: Sequence[Path], env: Mapping[str, str], allow_unisolated: bool
    ):
        self.client = _connect(address)
        self._own_client = not _is_client(address)
        try:
            env = dict(env)
            datasets = env.pop(DATASETS_ENV, None)
            packed = pack_folder(Path(datasets)) if datasets else None
            self.settings = WorkerSettings(
                limits=asdict(limits),
                hide=tuple(str(p) for p in hide),
                env=env,
                allow_unisolated=allow_unisolated,
                datasets=hashlib.sha256(packed).hexdigest() if packed else None,
            )
            # the workers there now get the datasets with their start; one joining later, from the scattered copy
            self._datasets = self.client.scatter(packed, broadcast=True) if packed else None
            self.workers, self._found = self._start_workers(packed)
        except BaseException:
            self.close()
            raise

    def _start_workers(self, datasets: bytes | None) -> tuple[int, list[Shortfall]]:
        """Start every worker's sandbox: the cluster's worker threads, and what any worker's sandbox misses."""
        threads = self.client.nthreads()
        if not threads:
            raise SandboxError("the dask cluster has no workers", hint="start workers: dask worker SCHEDULER_ADDRESS")
        reports = self.client.run(start_worker_sandbox, self.settings, datasets)
        found: list[Shortfall] = []
        for worker, report in sorted(reports.items()):
            if isinstance(report, str):
                raise SandboxError(f"the sandbox could not start on worker {worker}: {report}")
            found += [replace(s, name=f"{s.name} (on worker {worker})") for s in report]
        return sum(threads.values()), found

    def shortfalls(self) -> list[Shortfall]:
        """What keeps some worker's sandbox from being whole (each named with its worker)."""
        return list(self._found)

    def execute(self, notebook: NotebookNode, files: Path, *, leave_out: Sequence[str] = (), tests=None):
        """Run ``notebook`` on a worker, as :meth:`kit.grading.sandbox.Sandbox.execute` runs it here."""
        packed = pack_folder(Path(files), leave_out)
        future = self.client.submit(
            run_on_worker, self.settings, self._datasets, dict(notebook), packed, tests, pure=False
        )
        outcome, value = future.result()
        if outcome != "ok":
            raise SandboxError(value)
        return value

    def close(self) -> None:
        """Close every worker's sandbox of this run, then the connection."""
        client = getattr(self, "client", None)
        if client is None:
            return
        try:
            if getattr(self, "settings", None) is not None and client.status == "running":
                client.run(close_worker_sandbox, self.settings.key)
        finally:
            if self._own_client:
                client.close()


def _is_client(address) -> bool:
    from distributed import Client

    return isinstance(address, Client)


def _connect(address):
    try:
        from distributed import Client
    except ImportError as exc:  # pragma: no cover - the cluster extra is not installed
        raise SandboxError(
            "grading on a cluster needs dask.distributed", hint='pip install "civic-data-training-kit[cluster]"'
        ) from exc
    if isinstance(address, Client):
        return address
    try:
        _knock(address)  # a closed port is refused at once; dask's client would retry for CONNECT_SECONDS
        return Client(address, timeout=CONNECT_SECONDS, set_as_default=False)
    except (OSError, ValueError) as exc:
        raise SandboxError(
            f"cannot reach the dask scheduler at {address}: {exc}",
            hint="start one with `dask scheduler` and workers with `dask worker ADDRESS`, or check the address",
        ) from exc


def _knock(address: str) -> None:
    """Open and close a TCP connection to the scheduler's port (other protocols: nothing to check)."""
    from distributed.comm import parse_address, parse_host_port

    protocol, location = parse_address(address)
    if protocol == "tcp":
        with socket.create_connection(parse_host_port(location), timeout=CONNECT_SECONDS):
            pass


# -- on the workers -------------------------------------------------------------------------------


class _WorkerSandbox:
    """A worker's sandbox for one run's settings, with a hidden inbox for learners' files."""

    def __init__(self, settings: WorkerSettings, datasets: bytes | None, slots: int):
        from kit.grading.autograde import kit_sources
        from kit.grading.sandbox import Sandbox
        from kit.grading.sandbox.protections import shortfalls

        self.settings = settings
        self.inbox = Path(tempfile.mkdtemp(prefix="kit-cluster-inbox-"))
        self.datasets = Path(tempfile.mkdtemp(prefix="kit-cluster-datasets-")) if datasets else None
        env = dict(settings.env)
        if datasets:
            env[DATASETS_ENV] = str(_readable(_unpack(datasets, self.datasets / "datasets")))
        hide = [Path(p) for p in settings.hide if os.path.exists(p)] + kit_sources() + [self.inbox]
        self.sandbox = Sandbox(workers=slots, limits=Limits(**settings.limits), hide=hide, env=env)
        self.found = shortfalls(self.sandbox.protections)

    def run(self, notebook: dict, packed: bytes, tests: Collection[int] | None):
        import nbformat

        if self.found and not self.settings.allow_unisolated:
            missing = ", ".join(s.name for s in self.found)
            return "refused", f"the sandbox is incomplete on this worker (missing: {missing}); nothing was graded"
        folder = Path(tempfile.mkdtemp(dir=self.inbox))
        try:
            _unpack(packed, folder / "files")
            nb = nbformat.from_dict(notebook)
            return "ok", self.sandbox.execute(nb, folder / "files", tests=tests)
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def close(self) -> None:
        self.sandbox.close()
        for folder in (self.inbox, self.datasets):
            if folder is not None:
                for sub, _, _ in os.walk(folder):
                    os.chmod(sub, 0o755)
                shutil.rmtree(folder, ignore_errors=True)


def _readable(folder: Path) -> Path:
    # the sandbox's users read the datasets; nobody writes them
    for sub, _, files in os.walk(folder):
        os.chmod(sub, 0o555)
        for name in files:
            os.chmod(os.path.join(sub, name), 0o444)
    os.chmod(folder.parent, 0o755)
    return folder


_SANDBOXES: dict[str, _WorkerSandbox] = {}
_SANDBOXES_LOCK = threading.Lock()


def _worker_sandbox(settings: WorkerSettings, datasets: bytes | None, worker) -> _WorkerSandbox:
    """The worker's sandbox for ``settings``, started on first use, with a slot per worker thread."""
    with _SANDBOXES_LOCK:
        if settings.key not in _SANDBOXES:
            _SANDBOXES[settings.key] = _WorkerSandbox(settings, datasets, slots=worker.state.nthreads)
        return _SANDBOXES[settings.key]


def start_worker_sandbox(settings: WorkerSettings, datasets: bytes | None, dask_worker=None) -> list[Shortfall] | str:
    """On a worker (``client.run``): start its sandbox for ``settings``; what it misses, or why it failed."""
    try:
        return _worker_sandbox(settings, datasets, dask_worker).found
    except Exception as exc:
        return f"{exc} ({type(exc).__name__})"


def run_on_worker(settings: WorkerSettings, datasets: bytes | None, notebook: dict, packed: bytes, tests):
    """On a worker (a task): run one notebook in its sandbox; ``("ok", Execution)`` or ``("refused", why)``."""
    from distributed import get_worker

    try:
        return _worker_sandbox(settings, datasets, get_worker()).run(notebook, packed, tests)
    except SandboxError as exc:
        return "failed", f"the sandbox failed on a worker: {exc}"


def close_worker_sandbox(key: str) -> None:
    """On a worker (``client.run``): close the sandbox of a finished run."""
    with _SANDBOXES_LOCK:
        sandbox = _SANDBOXES.pop(key, None)
    if sandbox is not None:
        sandbox.close()
