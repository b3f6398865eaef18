"""Helpers of the browser tests: the system's Chromium, what a page reported, JupyterLab servers on free
localhost ports, and the hostile learner's notebook.

Chromium comes from the system's packages (`make install-browser`); Playwright never downloads one.
Screenshots go to ``out/test-artifacts/browser/<test-name>.png``, the only files these tests write in
the repository.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import pytest
from helpers import REPO, exercise_source, fill_answers

ARTIFACTS = REPO / "out" / "test-artifacts" / "browser"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TOKEN = "kit-browser-test"
SERVER_START_SECONDS = 90
# What a hostile learner hands in, as an HTML output and in the reflection (markdown): formgrader and
# the feedback must never run it (README: "Learner HTML never runs in the trainer's browser").
PAYLOAD = '<script>window.__pwned = 1</script><img src="x" onerror="window.__pwned = 2; alert(2)">'
HOSTILE = "mallory"
# Anything of the learner's that could still run, in the page's DOM.
ACTIVE_LEFT = """() => [...document.querySelectorAll('script, [onerror], [onload], iframe, object, embed')]
    .filter(e => (e.outerHTML || '').includes('__pwned')).map(e => e.outerHTML)"""
LOCAL = re.compile(r"^(?!(https?://127\.0\.0\.1[:/]|file:|data:|blob:|about:)).*")


def chromium_executable() -> str:
    """The system's Chromium; a test fails (never skips) without it."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        pytest.fail("Chromium is not installed: run `make install-browser` (the browser tests drive the system's one)")
    return found


@dataclass
class PageLog:
    """What a page reported: console errors, uncaught exceptions, dialogs (alert…), failed requests."""

    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)

    def problems(self) -> list[str]:
        return [
            *(f"console error: {m}" for m in self.console_errors),
            *(f"uncaught exception: {m}" for m in self.page_errors),
            *(f"dialog: {m}" for m in self.dialogs),
            *(f"failed request: {m}" for m in self.failed_requests),
        ]


def watch(page) -> PageLog:
    """Record ``page``'s problems; dismiss any dialog (a test asserts there was none)."""
    log = PageLog()
    page.on("console", lambda m: m.type == "error" and log.console_errors.append(m.text))
    page.on("pageerror", lambda e: log.page_errors.append(str(e)))
    page.on("requestfailed", lambda r: log.failed_requests.append(f"{r.url[:120]} ({r.failure})"))

    def on_dialog(dialog):
        log.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    page.on("dialog", on_dialog)
    return log


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def jupyter_lab(folder: Path, runtime: Path, env: dict[str, str]) -> Iterator[str]:
    """A real ``jupyter lab`` in ``folder`` on a free localhost port, token auth, no browser.

    Yields its base URL once the server says it is running; stops it (and its kernels) afterwards."""
    command = [str(Path(sys.executable).parent / "jupyter"), "lab", "--no-browser", f"--port={free_port()}"]
    command += [f"--IdentityProvider.token={TOKEN}", "--ServerApp.ip=127.0.0.1", "--ServerApp.port_retries=0"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")
    env = {**os.environ, **env, "JUPYTER_RUNTIME_DIR": str(runtime), "PYTHONUNBUFFERED": "1"}
    server = subprocess.Popen(command, cwd=folder, env=env, stderr=subprocess.PIPE, text=True, start_new_session=True)
    started, lines, found = threading.Event(), [], {}

    def read() -> None:  # reads the log to its end, so the server never blocks on a full pipe
        for line in server.stderr:
            lines.append(line)
            match = re.search(r"(http://127\.0\.0\.1:\d+)/", line)
            if match and not started.is_set():
                found["url"] = match.group(1)
                started.set()
        started.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        if not started.wait(SERVER_START_SECONDS) or "url" not in found:
            pytest.fail(f"jupyter lab did not start in {folder}:\n" + "".join(lines[-30:]))
        yield found["url"]
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, 9)  # the process group this test started the server in
            server.wait()
        reader.join(timeout=10)


@contextmanager
def kit_home(root: Path) -> Iterator[None]:
    """``KIT_HOME`` points at a throwaway project while the kit works in-process."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("KIT_HOME", str(root))
        yield


@dataclass(frozen=True)
class GradedCourse:
    root: Path  # the project (KIT_HOME)
    course: object  # kit.grading.course.Course of root/grader
    learners: list[str]  # the simulated ones
    hostile: str  # the learner whose notebook carries PAYLOAD


def source_answers(source: Path) -> dict[str, tuple[str, str]]:
    """grade id -> (cell type, solution) of each answer cell of an exercise's source, in notebook order:
    the code between the solution markers, or a written answer whole."""
    from kit.grading.simulated_cohort import solution_code

    answers = {}
    for cell in nbformat.read(source, as_version=4).cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution"):
            code = cell.cell_type == "code"
            answers[meta["grade_id"]] = (cell.cell_type, solution_code(cell.source) if code else cell.source)
    return answers


def hostile_notebook(release_nb) -> nbformat.NotebookNode:
    """The release with every answer solved, the first code answer also displaying PAYLOAD as HTML (so the
    grader's own run puts PAYLOAD in a text/html output), and PAYLOAD in the reflection (markdown)."""
    solved = source_answers(exercise_source())
    answers = {gid: text for gid, (_, text) in solved.items()}
    first = next(gid for gid, (kind, _) in solved.items() if kind == "code")
    answers[first] += f"\nfrom IPython.display import HTML, display\ndisplay(HTML({PAYLOAD!r} + '<b>learner html</b>'))"
    for gid, (kind, _) in solved.items():
        if kind == "markdown":
            answers[gid] = f"My organizing plan. {PAYLOAD}"
    return fill_answers(release_nb, answers)
