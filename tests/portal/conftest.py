"""Fixtures of the portal tests: a portal on a free port of 127.0.0.1, the real wire fixtures."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import REPO

from kit.portal import serve_in_thread

REALDATA = REPO.parent / "shared" / "realdata" / "socrata_wire"


@pytest.fixture(scope="session")
def portal():
    """One portal serving the bundled datasets, shared by the tests that only read."""
    with serve_in_thread() as running:
        yield running


@pytest.fixture
def realdata() -> Path:
    """The real Socrata answers of ``../shared/realdata/socrata_wire`` (the test skips without them)."""
    if not REALDATA.is_dir():
        pytest.skip(f"the real Socrata wire fixtures are not here ({REALDATA})")
    return REALDATA


@pytest.fixture
def wire(realdata):
    """``wire("koop-socrata_seattle_2015/crimes-count.json")``: a real Socrata answer, parsed."""

    def read(name: str):
        return json.loads((realdata / name).read_text(encoding="utf-8"))

    return read
