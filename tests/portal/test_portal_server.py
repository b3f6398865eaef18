"""The server: 127.0.0.1 only, GET only, a clear error when the port is taken, reuse by notebooks."""

from __future__ import annotations

import socket

import pytest
import requests
from portal_data import write_data_folder

from kit.errors import KitError, PortalError
from kit.portal import serve_in_thread, start_portal
from kit.portal.running import _STARTED


def test_it_listens_on_127_0_0_1_only(portal):
    assert portal.url == f"http://127.0.0.1:{portal.port}" and portal.domain == f"127.0.0.1:{portal.port}"
    with socket.create_connection(("127.0.0.1", portal.port), timeout=5):
        pass
    with pytest.raises(OSError), socket.create_connection(("127.0.0.2", portal.port), timeout=5):
        pass  # another loopback address: nothing listens there, let alone on the network


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_only_get_is_answered(portal, method):
    answer = requests.request(method, f"{portal.url}/resource/{portal.datasets['events']}.json", json=[], timeout=10)
    assert answer.status_code == 405 and answer.headers["Allow"] == "GET"
    assert answer.json()["error"] is True and answer.json()["code"] == "method_not_allowed"


def test_head_is_refused_without_a_body(portal):
    answer = requests.head(f"{portal.url}/api/catalog/v1", timeout=10)
    assert answer.status_code == 405 and answer.content == b""


def test_a_taken_port_is_one_clear_error():
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        with pytest.raises(PortalError) as caught:
            serve_in_thread(port=port)
    assert isinstance(caught.value, KitError) and caught.value.hint and "--port" in caught.value.hint
    assert f"port {port}" in caught.value.message and "\n" not in str(caught.value)


def test_stop_frees_the_port():
    with serve_in_thread() as portal:
        port = portal.port
        assert requests.get(f"{portal.url}/api/catalog/v1", timeout=10).ok
    with pytest.raises(requests.ConnectionError):
        requests.get(f"http://127.0.0.1:{port}/api/catalog/v1", timeout=5)
    with serve_in_thread(port=port) as again:  # and it can be served again at once
        assert again.port == port


def test_start_portal_reuses_a_kit_portal_and_starts_one_otherwise(portal):
    found = start_portal(portal.port)  # another process's portal looks just the same
    assert (found.url, found.datasets) == (portal.url, portal.datasets) and not found.running_here
    found.stop()  # leaves a portal it did not start alone
    assert requests.get(f"{portal.url}/api/catalog/v1", timeout=10).ok

    with socket.socket() as holder:  # a port held by something else: it starts its own elsewhere
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        started = start_portal(port)
        try:
            assert started.running_here and started.port != port and started.datasets == portal.datasets
            assert start_portal(port) is started  # idempotent within the process
        finally:
            started.stop()
            _STARTED.pop(port, None)


def _starts_its_own_beside(occupied, bundled) -> None:
    """start_portal on ``occupied``'s port leaves it alone and serves the bundled data elsewhere."""
    started = start_portal(occupied.port)
    try:
        assert started.running_here and started.port != occupied.port and started.datasets == bundled.datasets
    finally:
        started.stop()
        _STARTED.pop(occupied.port, None)


def test_start_portal_does_not_reuse_a_portal_injecting_faults(portal):
    # a trainer's `kit portal serve --throttle 5` on the port: a notebook starts its own instead
    with serve_in_thread(throttle=5) as throttled:
        faults = requests.get(f"{throttled.url}/api/catalog/v1", timeout=10).headers["X-Kit-Portal-Faults"]
        assert faults == "throttle=5"
        _starts_its_own_beside(throttled, portal)
    assert requests.get(f"{portal.url}/api/catalog/v1", timeout=10).headers["X-Kit-Portal-Faults"] == "none"


def test_start_portal_does_not_reuse_a_portal_serving_other_data(portal, tmp_path):
    with serve_in_thread(write_data_folder(tmp_path / "city", 10)) as other:
        assert "big_rows" in other.datasets
        _starts_its_own_beside(other, portal)


def test_many_connections_leave_no_open_files_behind(portal):
    import os
    import urllib.request

    url = f"{portal.url}/resource/{portal.datasets['events']}.json?$limit=1"
    urllib.request.urlopen(url, timeout=10).read()
    before = len(os.listdir("/proc/self/fd")) if os.path.isdir("/proc/self/fd") else None
    for _ in range(300):  # a new connection each time, as urllib makes them
        urllib.request.urlopen(url, timeout=10).read()
    if before is not None:
        assert len(os.listdir("/proc/self/fd")) < before + 20


def test_idle_kept_alive_connections_do_not_block_others(portal):
    sessions = [requests.Session() for _ in range(40)]  # more than the portal's workers
    try:
        for session in sessions:
            assert session.get(f"{portal.url}/api/catalog/v1", params={"limit": 1}, timeout=30).ok
    finally:
        for session in sessions:
            session.close()
