"""`kit portal serve` as a learner runs it: a real process, its start-up listing, its one-line errors.

Also the streaming promise: rows of a ``--data`` folder are read into the engine and
written to the wire as they go, so the server's memory stays flat however many rows it serves.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from portal_data import write_data_folder

from kit.portal import four_by_four

ROWS = 200_000


def kit_command(*args: str) -> list[str]:
    script = Path(sys.executable).parent / "kit"
    if script.is_file():
        return [str(script), *args]
    return [sys.executable, "-c", "from kit.cli import main; main()", *args]


def _environment() -> dict[str, str]:
    return os.environ | {"PYTHONUNBUFFERED": "1", "COLUMNS": "160", "NO_COLOR": "1"}


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """``kit portal serve --port 0 --data DIR`` in its own process: (process, listing, domain)."""
    folder = write_data_folder(tmp_path_factory.mktemp("data"), ROWS)
    process = subprocess.Popen(
        kit_command("portal", "serve", "--port", "0", "--data", str(folder), "--quiet"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_environment(),
    )
    listing = []
    for line in process.stdout:  # the listing ends with how to stop it
        listing.append(line)
        if "Ctrl-C" in line:
            break
    text = "".join(listing)
    found = re.search(r"sodapy and `kit data fetch --domain`: (127\.0\.0\.1:\d+)", text)
    assert found, f"no domain in the start-up listing:\n{text}{process.stderr.read() if process.poll() else ''}"
    yield process, text, found[1]
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)


def test_the_listing_names_every_dataset_and_its_id(served):
    _, listing, domain = served
    for name in ("service_requests", "neighborhoods", "big_rows"):
        assert re.search(rf"{four_by_four(name)}\s+│?\s*{name}\b", listing), listing
    assert f"http://{domain}/resource/" in listing and f"{ROWS:,}" in listing


def test_a_data_folder_is_served_whole_in_pages_with_flat_memory(served):
    process, _, domain = served
    ids, session = [], requests.Session()
    for offset in range(0, ROWS, 50_000):
        params = {"$select": "row_id", "$order": ":id", "$limit": 50_000, "$offset": offset}
        page = session.get(f"http://{domain}/resource/{four_by_four('big_rows')}.json", params=params, timeout=60)
        ids += [row["row_id"] for row in page.json()]
    assert ids == [f"R{i:07d}" for i in range(ROWS)]  # complete, in order, none repeated
    status = Path(f"/proc/{process.pid}/status")
    if status.is_file():  # peak memory of the server: rows are never all in memory
        peak_kb = int(re.search(r"VmHWM:\s+(\d+) kB", status.read_text())[1])
        assert peak_kb < 300 * 1024, f"the portal peaked at {peak_kb // 1024} MB"


def test_ctrl_c_stops_it_cleanly(served):
    process, _, domain = served
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=30) == 0
    assert "portal stopped" in process.stdout.read()
    with pytest.raises(requests.ConnectionError):
        requests.get(f"http://{domain}/api/catalog/v1", timeout=5)


def test_a_taken_port_is_one_line_and_a_non_zero_exit():
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        done = subprocess.run(
            kit_command("portal", "serve", "--port", str(port)),
            capture_output=True,
            text=True,
            env=_environment(),
            timeout=120,
        )
    assert done.returncode != 0 and done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:") and f"port {port}" in lines[0], done.stderr


def test_a_data_folder_without_cards_is_one_line(tmp_path):
    done = subprocess.run(
        kit_command("portal", "serve", "--port", "0", "--data", str(tmp_path)),
        capture_output=True,
        text=True,
        env=_environment(),
        timeout=120,
    )
    assert done.returncode != 0 and len(done.stderr.strip().splitlines()) == 1
    assert "catalog.yaml" in done.stderr
