"""A cohort on JupyterHub, end to end over real HTTP (`kit course hub-config`).

A JupyterHub started on localhost from the config :func:`kit.course.hub.write_hub_config` writes
(dummy authenticator, two learners, one trainer), with the trainer's assignment released to the
nbgrader exchange. Each learner, through the hub's proxy with a token of their own, fetches the
assignment with nbgrader's Assignment List endpoints, writes answers into the fetched notebook
with Jupyter's contents API (one learner every answer, one the first four) and submits it with
the same endpoints. The trainer collects from the exchange and autogrades with the kit's grader;
both learners' scores are in the gradebook. About 30 s on 2 cores.
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from contextlib import suppress
from pathlib import Path

import jupyterhub  # noqa: F401 (the test extra installs it: a missing hub fails, never skips)
import nbformat
import pytest
import requests
from helpers import ASSIGNMENT, REPO, exercise_source, fill_answers, make_project

pytestmark = pytest.mark.hub

LEARNERS = ["alice", "bob"]
TRAINER = "trainer"
KIT_BIN = Path(sys.prefix) / "bin"
SERVICE = "kit-hub-test"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def solution_answers() -> dict[str, str]:
    """grade id -> the exercise source's solution code, for every autograded answer cell."""
    answers = {}
    for cell in nbformat.read(exercise_source(), as_version=4).cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code" and meta.get("solution") and not meta.get("grade"):
            answers[meta["grade_id"]] = cell.source
    return answers


def hub_overrides(tmp_path: Path, token: str) -> tuple[str, int]:
    """``jupyterhub_config.local.py`` for this test: what differs from a real cohort's hub."""
    root = os.geteuid() == 0
    ports = {"public": free_port(), "hub": free_port(), "api": free_port()}
    text = f"""\
# TEST OVERRIDES (tests/hub/test_hub.py), loaded last by jupyterhub_config.py. Not for a cohort.
# The spawner is overridden: the test's learners are not system users, so every server runs as the
# test's own user (SimpleLocalProcessSpawner: no isolation between users), with a home under tmp.
c.JupyterHub.spawner_class = "simple"
c.SimpleLocalProcessSpawner.home_dir_template = {str(tmp_path / "home" / "{username}")!r}
c.Spawner.args = {["--ServerApp.allow_root=True"] if root else []!r}
# localhost only, on free ports
c.JupyterHub.bind_url = "http://127.0.0.1:{ports["public"]}"
c.JupyterHub.hub_bind_url = "http://127.0.0.1:{ports["hub"]}"
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{ports["api"]}"
# a service token for the test: start servers, read their pids, issue each user a token
c.JupyterHub.services = [dict(name={SERVICE!r}, api_token={token!r})]
c.JupyterHub.load_roles = [
    dict(name={SERVICE!r}, services=[{SERVICE!r}],
         scopes=["admin:users", "admin:servers", "admin:server_state", "tokens"]),
]
"""
    return text, ports["public"]


class Hub:
    """A running JupyterHub: REST calls with the test service's token, and every pid to stop."""

    def __init__(self, url: str, token: str, process: subprocess.Popen, state: Path, log: Path):
        self.url, self.process, self.state, self.log = url, process, state, log
        self.api = requests.Session()
        self.api.headers["Authorization"] = f"token {token}"
        self.pids: set[int] = set()

    def wait_up(self, seconds: float = 30) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"the hub exited:\n{self.log_tail()}"
            with suppress(requests.ConnectionError):
                if self.api.get(f"{self.url}/hub/api/", timeout=2).ok:
                    return
            time.sleep(0.2)
        raise TimeoutError(f"the hub did not answer:\n{self.log_tail()}")

    def start_server(self, name: str) -> None:
        reply = self.api.post(f"{self.url}/hub/api/users/{name}/server", timeout=10)
        assert reply.status_code in (201, 202), reply.text

    def wait_ready(self, name: str, seconds: float = 60) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            server = self.api.get(f"{self.url}/hub/api/users/{name}", timeout=5).json()["servers"].get("", {})
            if server.get("state", {}).get("pid"):
                self.pids.add(server["state"]["pid"])
            if server.get("ready"):
                return
            time.sleep(0.2)
        raise TimeoutError(f"{name}'s server did not start:\n{self.log_tail()}")

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def user_session(self, name: str) -> requests.Session:
        """A session authenticated as ``name`` (a token issued to them), for their server via the proxy."""
        reply = self.api.post(f"{self.url}/hub/api/users/{name}/tokens", json={"note": "hub test"}, timeout=10)
        assert reply.status_code == 201, reply.text
        session = requests.Session()
        session.headers["Authorization"] = f"token {reply.json()['token']}"
        return session

    def stop(self) -> None:
        """Stop the hub (it stops the servers and the proxy), then kill whatever is left, group by group."""
        pid_file = self.state / "jupyterhub-proxy.pid"
        if pid_file.is_file():
            with suppress(ValueError):
                self.pids.add(int(pid_file.read_text().strip()))
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            with suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=15)
        for pid in [self.process.pid, *self.pids]:  # each was started in a session of its own
            with suppress(ProcessLookupError, PermissionError):
                os.killpg(pid, signal.SIGKILL)
        self.process.wait(timeout=10)


@pytest.fixture
def cohort_hub(tmp_path, monkeypatch):
    """A throwaway course with module 1 released to the exchange, and a hub for it: yields
    ``(hub, course, written)``; the hub and every server it started are stopped afterwards."""
    from kit.course.hub import write_hub_config
    from kit.grading.course import open_course
    from kit.grading.release import release_assignment

    project = make_project(tmp_path)
    (project / "grader" / "kit-course.yaml").write_text((REPO / "grader" / "kit-course.yaml").read_text())
    monkeypatch.setenv("KIT_HOME", str(project))
    course = open_course(project / "grader")
    release_assignment(course, ASSIGNMENT, archive=False)
    roster = tmp_path / "learners.csv"
    roster.write_text("id,name\n" + "".join(f"{name},{name.title()}\n" for name in LEARNERS))
    written = write_hub_config(
        course.root, tmp_path / "hub", learners=roster, trainers=[TRAINER], exchange=tmp_path / "exchange",
        authenticator="dummy",
    )  # fmt: skip
    publish(course, written)
    token = secrets.token_hex(16)
    overrides, port = hub_overrides(tmp_path, token)
    (written.config.parent / "jupyterhub_config.local.py").write_text(overrides)
    log = (tmp_path / "hub.log").open("wb")
    process = subprocess.Popen(
        [str(KIT_BIN / "jupyterhub"), "-f", str(written.config)],
        cwd=tmp_path / "hub" / "state",
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    hub = Hub(f"http://127.0.0.1:{port}", token, process, tmp_path / "hub" / "state", tmp_path / "hub.log")
    try:
        hub.wait_up()
        yield hub, course, written
    finally:
        hub.stop()
        log.close()


def trainer_api(course, written):
    """nbgrader's API for the course with the trainer's hub settings (the exchange), as the trainer's
    server sees them: the hub's trainer config, then the course's own."""
    from nbgrader.apps.api import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config import Config
    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader("nbgrader_config.py", path=str(written.config.parent / "trainer")).load_config()
    config = Config(config)
    config.merge(course.config)
    return NbGraderAPI(coursedir=CourseDirectory(config=config), config=config)


def publish(course, written) -> None:
    """The trainer releases the generated assignment to the exchange (`nbgrader release_assignment`)."""
    result = trainer_api(course, written).release_assignment(ASSIGNMENT)
    assert result["success"], result.get("error") or result.get("log")
    assert (written.exchange / written.course_id / "outbound" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").is_file()


def learner_works(hub: Hub, name: str, course_id: str, answers: dict[str, str]) -> None:
    """As ``name``, through the proxy: fetch, answer, submit with the Assignment List's endpoints."""
    session, base = hub.user_session(name), f"{hub.url}/user/{name}"
    form = {"course_id": course_id, "assignment_id": ASSIGNMENT}
    listed = session.get(f"{base}/assignments", params={"course_id": course_id}, timeout=30).json()
    assert listed["success"], listed
    assert [(a["assignment_id"], a["status"]) for a in listed["value"]] == [(ASSIGNMENT, "released")]
    fetched = session.post(f"{base}/assignments/fetch", data=form, timeout=30).json()
    assert fetched["success"], fetched
    assert [a["status"] for a in fetched["value"]] == ["fetched"]
    path = f"{base}/api/contents/{ASSIGNMENT}/{ASSIGNMENT}.ipynb"
    model = session.get(path, timeout=30).json()
    filled = fill_answers(model["content"], answers)
    saved = session.put(path, json={"type": "notebook", "format": "json", "content": filled}, timeout=30)
    assert saved.status_code == 200, saved.text
    submitted = session.post(f"{base}/assignments/submit", data=form, timeout=60).json()
    assert submitted["success"], submitted
    assert any(a["status"] == "submitted" for a in submitted["value"]), submitted


def test_a_cohort_fetches_submits_and_is_graded_through_the_hub(cohort_hub):
    from kit.grading.autograde import autograde
    from kit.grading.grades import question_scores

    started = time.monotonic()
    hub, course, written = cohort_hub
    for name in [*LEARNERS, TRAINER]:
        hub.start_server(name)
    for name in [*LEARNERS, TRAINER]:
        hub.wait_ready(name)
    answers = solution_answers()
    partial = dict(list(answers.items())[:4])  # the first four questions only
    learner_works(hub, "alice", written.course_id, answers)
    learner_works(hub, "bob", written.course_id, partial)

    # learners have no formgrader; the trainer's formgrader reads the course and sees the exchange's release
    assert hub.user_session("alice").get(f"{hub.url}/user/alice/formgrader", timeout=30).status_code == 404
    listed = hub.user_session(TRAINER).get(f"{hub.url}/user/{TRAINER}/formgrader/api/assignments", timeout=30)
    assert listed.ok, listed.text
    status = {a["name"]: a["status"] for a in listed.json()}
    assert status.pop(ASSIGNMENT) == "released"
    assert set(course.assignments()) - {ASSIGNMENT} <= set(status) and set(status.values()) == {"draft"}

    collected = trainer_api(course, written).collect(ASSIGNMENT)
    assert collected["success"], collected.get("error") or collected.get("log")
    assert course.submitted_learners(ASSIGNMENT) == LEARNERS
    run = autograde(course, ASSIGNMENT)
    assert not run.failed, [r.problem for r in run.failed]

    scores = question_scores(course, [ASSIGNMENT])
    auto = scores[scores["kind"] == "auto"].set_index(["learner", "question"])
    assert set(auto.index.get_level_values("learner")) == set(LEARNERS)
    alice, bob = auto.loc["alice"], auto.loc["bob"]
    assert (alice["score"] == alice["max_score"]).all()  # every answer right: full marks
    assert (bob.loc[list(partial), "score"] == bob.loc[list(partial), "max_score"]).all()
    assert (bob.drop(index=list(partial))["score"] == 0).all()  # unanswered: nothing
    assert bob["score"].sum() < alice["score"].sum() == alice["max_score"].sum()
    print(f"hub test body: {time.monotonic() - started:.1f} s")
