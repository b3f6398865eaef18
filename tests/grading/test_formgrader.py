"""The course stays a real nbgrader course: JupyterLab's formgrader reads it."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest
from helpers import ASSIGNMENT

pytestmark = pytest.mark.grading


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get_json(url: str, deadline: float):
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return json.load(response)
        except OSError:
            if time.time() > deadline:
                raise
            time.sleep(0.5)


@contextmanager
def running_formgrader(course_root: Path, tmp_path: Path):
    """JupyterLab with nbgrader's formgrader, started in the course folder as `make formgrader` does.

    Yields its base URL and token once formgrader answers.
    """
    port, token = free_port(), "kit-test"
    command = [
        str(Path(sys.executable).parent / "jupyter"),
        "lab",
        "--no-browser",
        f"--port={port}",
        f"--IdentityProvider.token={token}",
        "--ServerApp.ip=127.0.0.1",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime")}
    server = subprocess.Popen(command, cwd=course_root, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}"
        get_json(f"{base}/formgrader/api/assignments?token={token}", time.time() + 90)
        yield base, token
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_formgrader_lists_the_course_and_its_graded_submissions(released, tmp_path):
    from kit.grading.autograde import autograde, submission_score
    from kit.grading.simulated_cohort import simulate_cohort

    cohort = simulate_cohort(released, ASSIGNMENT, 3, seed=4)
    autograde(released, ASSIGNMENT)
    with running_formgrader(released.root, tmp_path) as (server, token):
        base = f"{server}/formgrader/api"
        assignments = get_json(f"{base}/assignments?token={token}", time.time() + 30)
        by_name = {a["name"]: a for a in assignments}
        assert by_name[ASSIGNMENT]["num_submissions"] == 3
        submissions = get_json(f"{base}/submissions/{ASSIGNMENT}?token={token}", time.time() + 30)
        assert sorted(s["student"] for s in submissions) == sorted(c.learner for c in cohort)
        for s in submissions:  # formgrader shows the scores the kit reads from the gradebook
            assert (s["score"], s["max_score"]) == submission_score(released, ASSIGNMENT, s["student"])
