"""The portal's HTTP handler: routes a GET to its endpoint and answers as Socrata does.

=========================================  ==============================================
``/resource/<id>.json`` (``.csv``,         rows of a SoQL query (``$select``, ``$where``,
``.geojson``; no suffix: JSON)             ``$group``, ``$having``, ``$order``, ``$limit``
                                           (default 1000), ``$offset``, ``$q``, ``col=value``)
``/api/views/<id>.json``                   the dataset's metadata
``/api/catalog/v1``                        the Discovery API (``q``, ``domains``, ``ids``,
                                           ``only``, ``limit``, ``offset``)
=========================================  ==============================================

``<id>`` is the dataset's four-by-four, or (a kit convenience) its name. Errors have
Socrata's bodies: 400 ``{"code": "query.soql.…", "error": true, "message": …}`` for a bad
query, 404 ``dataset.missing`` for an unknown dataset (``not_found`` for an unknown view or
URL), 405 for anything but GET (the portal is read-only).
"""

from __future__ import annotations

import dataclasses
import json
import re
import select
import time
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, urlsplit

from kit import __version__
from kit.data.soql import SoqlQuery
from kit.errors import QueryError
from kit.portal.views import catalog_json, view_json
from kit.portal.wire import CONTENT_TYPES, csv_chunks, geojson_chunks, json_chunks

__all__ = ["DEFAULT_LIMIT", "PortalHandler"]

FAULTS_HEADER = "X-Kit-Portal-Faults"  # "none", or the faults injected (start_portal reuses only a faultless portal)
DEFAULT_LIMIT = 1000  # rows a SODA query answers when it gives no $limit
SOQL_PARAMETERS = {"$select", "$where", "$order", "$group", "$having", "$limit", "$offset", "$q"}
WRITERS = {"json": json_chunks, "csv": csv_chunks, "geojson": geojson_chunks}
NO_SERVICE = {"code": "not_found", "error": True, "message": "No service found for this URL."}
READ_ONLY = {"code": "method_not_allowed", "error": True, "message": "This portal is read-only: it answers GET only"}
INTERNAL_ERROR = {"error": True, "message": "Internal error", "status": 500}
ROUTES = [
    (re.compile(r"/resource/(?P<key>[^/.]+)(?:\.(?P<format>json|csv|geojson))?"), "_resource"),
    (re.compile(r"/api/views/(?P<key>[^/.]+)(?:\.json)?"), "_view"),
    (re.compile(r"/api/catalog/v1/?"), "_catalog"),
]


class PortalHandler(BaseHTTPRequestHandler):
    """One connection to the portal; ``self.server`` is a :class:`kit.portal.running.PortalServer`."""

    protocol_version = "HTTP/1.1"  # keep-alive, and chunked answers streamed as they are read
    server_version = f"kit-portal/{__version__}"
    idle_timeout = 5  # seconds a kept-alive connection may wait for its next request (it holds a worker)
    send_timeout = 60  # seconds a client may take to read a part of an answer

    def version_string(self) -> str:
        return self.server_version

    def handle_one_request(self) -> None:
        if self._answered and not self._next_request_comes():
            self.close_connection = True  # idle: give the worker to a waiting connection
            return
        self._answered = True
        self.connection.settimeout(self.idle_timeout)
        super().handle_one_request()

    _answered = False

    def _next_request_comes(self) -> bool:
        """Wait (at most :attr:`idle_timeout`) for a kept-alive connection's next request; give
        up early when another connection waits for a worker."""
        deadline = time.monotonic() + self.idle_timeout
        while time.monotonic() < deadline:
            if select.select([self.connection], [], [], 0.05)[0]:
                return True
            if self.server.connections_waiting():
                return False
        return False

    def do_GET(self) -> None:
        try:
            self._answer()
        except (ConnectionError, TimeoutError):  # the client went away, or stopped reading, mid-answer
            self.close_connection = True

    def _refuse_method(self) -> None:
        self.close_connection = True
        self._send_json(405, READ_ONLY, {"Allow": "GET"})

    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _refuse_method

    def _answer(self) -> None:
        self._headers_sent = False  # one handler answers every request of a kept-alive connection
        url = urlsplit(self.path)
        fault = self.server.faults.check()
        if fault is not None:
            return self._send_json(fault.status, fault.body, fault.headers)
        params = parse_qs(url.query, keep_blank_values=True)
        for pattern, method in ROUTES:
            match = pattern.fullmatch(url.path)
            if match:
                try:
                    return getattr(self, method)(match, params)
                except (ConnectionError, TimeoutError):
                    raise
                except Exception:
                    if not self._headers_sent:
                        self._send_json(500, INTERNAL_ERROR)
                    raise
        return self._send_json(404, NO_SERVICE)

    # --- endpoints

    def _resource(self, match: re.Match, params: dict[str, list[str]]) -> None:
        key = match["key"]
        dataset = self.server.store.find(key)
        if dataset is None:
            body = {"code": "dataset.missing", "error": True, "message": "Not found", "data": {"id": key}}
            return self._send_json(404, body)
        flat = {name: values[-1] for name, values in params.items() if not name.startswith("$$")}
        unknown = sorted(name for name in flat if name.startswith("$") and name not in SOQL_PARAMETERS)
        if unknown:
            return self._send_json(400, {"error": True, "message": f"Unrecognized arguments [{', '.join(unknown)}]"})
        try:
            query = SoqlQuery.from_params(flat)
            if query.limit is None:
                query = dataclasses.replace(query, limit=DEFAULT_LIMIT)
            result = self.server.store.engine.execute(dataset.name, query)
            chunks = WRITERS[match["format"] or "json"](result.fields, result.types, result.rows)
            first = next(chunks)  # runs the query: its errors are still a 400, not a broken 200
        except QueryError as exc:
            return self._send_json(400, _query_error(exc, dataset.id))
        headers = {
            "Content-Type": CONTENT_TYPES[match["format"] or "json"],
            "X-SODA2-Fields": json.dumps(result.fields, separators=(",", ":")),
            "X-SODA2-Types": json.dumps(result.types, separators=(",", ":")),
            "X-SODA2-Data-Out-Of-Date": "false",
            "X-SODA2-Truth-Last-Modified": formatdate(dataset.updated_at, usegmt=True),
            "Last-Modified": formatdate(dataset.updated_at, usegmt=True),
        }
        self._send_stream(headers, first, chunks)

    def _view(self, match: re.Match, params: dict[str, list[str]]) -> None:
        dataset = self.server.store.find(match["key"])
        if dataset is None:
            body = {"code": "not_found", "error": True, "message": f"Cannot find view with id {match['key']}"}
            return self._send_json(404, body)
        self._send_json(200, view_json(dataset), {"Last-Modified": formatdate(dataset.updated_at, usegmt=True)})

    def _catalog(self, match: re.Match, params: dict[str, list[str]]) -> None:
        try:
            body = catalog_json(self.server.store.datasets, params, self.server.domain, self.server.is_ours)
        except ValueError as exc:
            return self._send_json(400, {"error": True, "message": str(exc)})
        self._send_json(200, body)

    # --- sending

    _headers_sent = False

    def _start(self, status: int, headers: dict[str, str]) -> None:
        self.connection.settimeout(self.send_timeout)
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Access-Control-Allow-Origin", "*")
        self.send_header(FAULTS_HEADER, self.server.faults.describe())
        self.end_headers()
        self._headers_sent = True

    def _send_json(self, status: int, body: dict, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        extra = {"Content-Type": CONTENT_TYPES["json"], "Content-Length": str(len(data))} | (headers or {})
        if self.close_connection:
            extra["Connection"] = "close"
        self._start(status, extra)
        if self.command != "HEAD":
            self.wfile.write(data)

    def _send_stream(self, headers: dict[str, str], first: bytes, rest) -> None:
        """Send the answer chunked (HTTP/1.1), each chunk as the writer yields it."""
        self._start(200, headers | {"Transfer-Encoding": "chunked"})
        for chunk in _chain(first, rest):
            if chunk:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        self.wfile.write(b"0\r\n\r\n")

    # --- logging: only what the server was asked to report, never a query string (it may hold a token)

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        report = getattr(self.server, "on_request", None)
        if report is not None:
            report(f"{self.command} {urlsplit(self.path).path} {code}")

    def log_message(self, format: str, *args) -> None:
        pass


def _chain(first: bytes, rest):
    yield first
    yield from rest


def _query_error(exc: QueryError, dataset_id: str) -> dict:
    """Socrata's body for a query it cannot run: its code, a message and what it was about."""
    body = {"code": exc.code, "error": True, "message": exc.message}
    body["data"] = {"dataset": dataset_id} | ({"hint": exc.hint} if exc.hint else {})
    return body
