"""Running the portal: in the foreground (``kit portal serve``), in a thread (tests,
notebooks), or "the one already running" (:func:`start_portal`, for a module's first cell).

The server binds 127.0.0.1 only: nothing outside this machine can reach it.
"""

from __future__ import annotations

import errno
import json
import queue
import socketserver
import threading
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import HTTPServer
from pathlib import Path

from kit.data.catalog import load_catalog
from kit.errors import PortalError
from kit.portal.faults import Faults
from kit.portal.handler import FAULTS_HEADER, PortalHandler
from kit.portal.ids import four_by_four
from kit.portal.store import Dataset, DatasetStore, load_store
from kit.portal.views import DATASET_NAME_KEY

__all__ = ["HOST", "PortalServer", "RunningPortal", "serve_forever", "serve_in_thread", "start_portal"]

HOST = "127.0.0.1"
WORKERS = 16  # connections answered at once


class PortalServer(HTTPServer):
    """The HTTP server: the datasets, the faults to inject, and a fixed set of worker threads.

    Connections are answered by :data:`WORKERS` long-lived threads, not a thread per
    connection: the SoQL engine keeps one SQLite connection per thread that reads, so a
    thread per connection would leave a file open for every connection ever made.
    """

    def __init__(self, port: int, faults: Faults):
        self.faults = faults
        self.store: DatasetStore | None = None
        self.on_request: Callable[[str], None] | None = None
        self._connections: queue.SimpleQueue = queue.SimpleQueue()
        super().__init__((HOST, port), PortalHandler)
        for number in range(WORKERS):
            threading.Thread(target=self._work, name=f"kit-portal-{port}-{number}", daemon=True).start()

    def process_request(self, request, client_address) -> None:
        self._connections.put((request, client_address))

    def connections_waiting(self) -> bool:
        """Whether a connection waits for a worker (then idle kept-alive connections are closed)."""
        return not self._connections.empty()

    def _work(self) -> None:
        while (connection := self._connections.get()) is not None:
            request, client_address = connection
            try:
                self.finish_request(request, client_address)
            except Exception:
                self.handle_error(request, client_address)
            finally:
                self.shutdown_request(request)

    def server_close(self) -> None:
        super().server_close()
        for _ in range(WORKERS):
            self._connections.put(None)

    def server_bind(self) -> None:
        # as HTTPServer.server_bind, without its reverse DNS lookup of the host (slow on some machines)
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]

    @property
    def domain(self) -> str:
        return f"{HOST}:{self.server_port}"

    def is_ours(self, domain: str) -> bool:
        """Whether a domain (``127.0.0.1:8080``, ``localhost:8080``) names this portal."""
        host, _, port = domain.strip().lower().partition(":")
        return host in (HOST, "localhost") and port in ("", str(self.server_port))


@dataclass
class RunningPortal:
    """A portal answering on 127.0.0.1.

    Attributes
    ----------
    url
        ``"http://127.0.0.1:8080"``.
    domain
        ``"127.0.0.1:8080"``: what the kit's client and sodapy take as the domain.
    port
        The port it listens on.
    datasets
        Dataset name → four-by-four id.
    """

    url: str
    domain: str
    port: int
    datasets: dict[str, str]
    _stop: Callable[[], None] | None = field(default=None, repr=False, compare=False)

    @property
    def running_here(self) -> bool:
        """Whether this process runs the portal (and :meth:`stop` stops it)."""
        return self._stop is not None

    def stop(self) -> None:
        """Stop the portal if this process started it (a portal found running is left alone)."""
        stop, self._stop = self._stop, None
        if stop is not None:
            stop()

    def __enter__(self) -> RunningPortal:
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()


def _bind(port: int, faults: Faults) -> PortalServer:
    try:
        return PortalServer(port, faults)
    except OSError as exc:
        domain = f"{HOST}:{port}"
        if exc.errno == errno.EADDRINUSE:
            raise PortalError(
                f"cannot serve the portal: port {port} on {HOST} is already in use",
                domain=domain,
                hint="stop what listens there, or choose another port with --port (--port 0: any free port)",
            ) from None
        raise PortalError(f"cannot serve the portal on {domain}: {exc.strerror}", domain=domain) from None


def _open(data_dir: Path | None, port: int, faults: Faults) -> PortalServer:
    """Bind first (a taken port fails at once), then load the datasets."""
    server = _bind(port, faults)
    try:
        server.store = load_store(data_dir)
    except BaseException:
        server.server_close()
        raise
    return server


def _portal(server: PortalServer, stop: Callable[[], None] | None) -> RunningPortal:
    port = server.server_port
    datasets = {d.name: d.id for d in server.store.datasets}
    return RunningPortal(f"http://{HOST}:{port}", f"{HOST}:{port}", port, datasets, stop)


def serve_in_thread(
    data_dir: Path | None = None,
    *,
    port: int = 0,
    throttle: int | None = None,
    fail_rate: float = 0.0,
    latency_ms: int = 0,
    seed: int | None = None,
    throttle_window_s: float = 60.0,
) -> RunningPortal:
    """Serve the portal from a background thread of this process.

    Parameters
    ----------
    data_dir
        A folder of CSV/GeoJSON files with a ``catalog.yaml`` of cards, served besides the
        bundled datasets.
    port
        The port on 127.0.0.1; 0 (the default) picks a free one.
    throttle, fail_rate, latency_ms, seed
        Faults to inject (see :class:`kit.portal.faults.Faults`).
    throttle_window_s
        The throttle's window, a minute unless a test wants it shorter.

    Returns
    -------
    RunningPortal
        Its ``stop()`` (or leaving its ``with`` block) stops the server.
    """
    faults = Faults(throttle, fail_rate, latency_ms, seed, window_s=throttle_window_s)
    server = _open(data_dir, port, faults)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.1}, name=f"kit-portal-{server.server_port}"
    )
    thread.daemon = True
    thread.start()

    def stop() -> None:
        server.shutdown()
        server.server_close()
        thread.join()
        server.store.close()

    return _portal(server, stop)


def serve_forever(
    data_dir: Path | None = None,
    *,
    port: int = 8080,
    throttle: int | None = None,
    fail_rate: float = 0.0,
    latency_ms: int = 0,
    seed: int | None = None,
    on_start: Callable[[RunningPortal, list[Dataset]], None] | None = None,
    on_request: Callable[[str], None] | None = None,
) -> None:
    """Serve the portal in the foreground until interrupted (Ctrl-C): what ``kit portal serve`` runs.

    Parameters
    ----------
    data_dir, port, throttle, fail_rate, latency_ms, seed
        As for :func:`serve_in_thread` (the port defaults to 8080).
    on_start
        Called once listening, with the portal and its datasets (to list them).
    on_request
        Called after each answer with ``"GET /resource/<id>.json 200"`` (never the query string,
        which may carry an app token).
    """
    server = _open(data_dir, port, Faults(throttle, fail_rate, latency_ms, seed))
    server.on_request = on_request
    try:
        if on_start is not None:
            on_start(_portal(server, None), list(server.store.datasets))
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        server.store.close()


_STARTED: dict[int, RunningPortal] = {}
_STARTED_LOCK = threading.Lock()


def _found_running(port: int) -> RunningPortal | None:
    """The kit portal already answering on ``port`` (another process's), or ``None``.

    Only a portal serving exactly the bundled datasets, with no faults injected, is reused.
    """
    url = f"http://{HOST}:{port}"
    try:
        with urllib.request.urlopen(f"{url}/api/catalog/v1?limit=10000", timeout=3) as answer:
            server, body = answer.headers.get("Server", ""), json.load(answer)
            faults = answer.headers.get(FAULTS_HEADER, "")
    except (OSError, ValueError):  # nothing there, not HTTP, not JSON, or an error status
        return None
    if not server.startswith("kit-portal/") or "resultSetSize" not in body or faults != "none":
        return None  # not a kit portal, or one injecting faults (a trainer's exercise in failure)
    datasets = {}
    for result in body.get("results", []):
        for item in result.get("classification", {}).get("domain_metadata", []):
            if item.get("key") == DATASET_NAME_KEY:
                datasets[item["value"]] = result["resource"]["id"]
    if datasets != {card.name: four_by_four(card.name) for card in load_catalog().datasets}:
        return None  # it serves other data (--data): a notebook needs the bundled datasets
    return RunningPortal(url, f"{HOST}:{port}", port, datasets)


def start_portal(port: int = 8080) -> RunningPortal:
    """The local portal for a notebook: the one already running, or one started in the background.

    Reuses the portal this process started on ``port``, else a kit portal another process
    serves there (``kit portal serve``), else starts one in a background thread: on
    ``port``, or on any free port when something else holds it. Calling it again is cheap.

    Parameters
    ----------
    port
        The port to look at first (8080, as ``kit portal serve`` uses).

    Returns
    -------
    RunningPortal
        Its ``domain`` is what ``sodapy`` and :class:`kit.data.socrata.SocrataClient` take.
    """
    with _STARTED_LOCK:
        started = _STARTED.get(port)
        if started is not None and started.running_here:
            return started
        portal = _found_running(port)
        if portal is None:
            try:
                portal = serve_in_thread(port=port)
            except PortalError:  # the port is held by something that is not a kit portal
                portal = serve_in_thread(port=0)
            _STARTED[port] = portal
        return portal
