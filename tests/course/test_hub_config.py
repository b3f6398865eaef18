"""`kit course hub-config`: the JupyterHub config it writes loads, names the cohort, and bad input
is one clear error (no hub is started here: tests/hub/test_hub.py starts one)."""

from __future__ import annotations

import os
import shutil
import stat
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml
from helpers import REPO
from traitlets.config.loader import PyFileConfigLoader
from typer.testing import CliRunner

from kit.cli import app
from kit.course.hub import read_learners, write_hub_config
from kit.errors import CourseError

runner = CliRunner()
COURSE_ID = "fall-2026"


@pytest.fixture
def course(tmp_path) -> Path:
    """A course folder: the kit's nbgrader config and a marker naming the course and the kit's datasets."""
    folder = tmp_path / "fall-2026"
    folder.mkdir()
    shutil.copy(REPO / "grader" / "nbgrader_config.py", folder)
    marker = {"course_id": COURSE_ID, "exercises": str(REPO / "exercises"), "datasets": str(REPO / "datasets")}
    (folder / "kit-course.yaml").write_text(yaml.safe_dump(marker))
    return folder


@pytest.fixture
def roster(tmp_path) -> Path:
    path = tmp_path / "learners.txt"
    path.write_text("# fall cohort\nalice\n\nbob\nalice\n")
    return path


def load(path: Path):
    return PyFileConfigLoader(path.name, path=str(path.parent)).load_config()


def test_the_config_loads_and_names_the_learners_exchange_and_course(course, roster, tmp_path):
    written = write_hub_config(course, tmp_path / "hub", learners=roster, trainers=["tess"], exchange=tmp_path / "ex")
    config = load(written.config)
    assert written.learners == ["alice", "bob"] and written.course_id == COURSE_ID
    assert config.Authenticator.allowed_users == {"alice", "bob", "tess"}
    assert config.Authenticator.admin_users == {"tess"}
    assert config.JupyterHub.authenticator_class == "pam"  # a real authenticator by default
    assert config.JupyterHub.spawner_class == "localprocess"
    assert Path(config.ConfigurableHTTPProxy.command[0]).is_absolute()
    assert Path(config.Spawner.cmd[0]).name == "jupyterhub-singleuser" and Path(config.Spawner.cmd[0]).is_file()
    assert "FOR TESTS ONLY" not in written.config.read_text()

    learner = load(written.config.parent / "learner" / "nbgrader_config.py")
    assert learner.Exchange.root == str(tmp_path / "ex") and learner.CourseDirectory.course_id == COURSE_ID
    pages = yaml.safe_load((written.config.parent / "learner" / "labconfig" / "page_config.json").read_text())
    assert pages["disabledExtensions"]["@jupyter/nbgrader:formgrader"] is True
    trainer = load(written.config.parent / "trainer" / "nbgrader_config.py")  # loads the course's config too
    assert trainer.Exchange.root == str(tmp_path / "ex") and trainer.CourseDirectory.root == str(course)

    exchange = tmp_path / "ex"
    assert stat.S_IMODE((exchange / COURSE_ID / "inbound").stat().st_mode) == 0o2733
    assert stat.S_IMODE(exchange.stat().st_mode) == 0o1777
    assert stat.S_IMODE((written.config.parent / "state").stat().st_mode) == 0o700


def test_trainers_servers_open_the_course_and_learners_get_the_learner_lab(course, roster, tmp_path):
    written = write_hub_config(course, tmp_path / "hub", learners=roster, trainers=["tess"], exchange=tmp_path / "ex")
    hook = load(written.config).Spawner.pre_spawn_hook
    spawners = {
        name: SimpleNamespace(user=SimpleNamespace(name=name), environment={}, notebook_dir="")
        for name in ("alice", "tess")
    }
    for spawner in spawners.values():
        hook(spawner)
    alice, tess = spawners["alice"], spawners["tess"]
    assert alice.environment["JUPYTER_CONFIG_PATH"] == str(written.config.parent / "learner")
    assert (Path(alice.environment["KIT_DATASETS"]) / "catalog.yaml").is_file() and not alice.notebook_dir
    assert tess.notebook_dir == str(course)
    assert tess.environment["JUPYTER_CONFIG_PATH"] == str(written.config.parent / "trainer")


def test_the_dummy_authenticator_says_loudly_it_is_for_tests(course, roster, tmp_path):
    written = write_hub_config(
        course, tmp_path / "hub", learners=roster, trainers=["tess"], exchange=tmp_path / "ex", authenticator="dummy"
    )
    text = written.config.read_text()
    assert "FOR TESTS ONLY" in text and "ANY password" in text
    config = load(written.config)
    assert config.JupyterHub.authenticator_class == "dummy"
    assert "TEST HUB" in config.JupyterHub.template_vars["announcement"]


def test_learners_come_from_a_csv_roster_or_the_gradebook(course, tmp_path, monkeypatch):
    csv_roster = tmp_path / "roster.csv"
    csv_roster.write_text("email,username\na@example.org,alice\nb@example.org,bob\n")
    assert read_learners(csv_roster) == ["alice", "bob"]
    plain = tmp_path / "plain.csv"
    plain.write_text("alice,Alice A\nbob,Bob B\n")
    assert read_learners(plain) == ["alice", "bob"]

    from nbgrader.api import Gradebook

    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")  # nbgrader's alembic
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", course_id=COURSE_ID) as gb:
        gb.add_student("carol")
        gb.add_student("dan")
    written = write_hub_config(course, tmp_path / "hub", trainers=["tess"], exchange=tmp_path / "ex")
    assert written.learners == ["carol", "dan"]


def hub_config(*args: str):
    return runner.invoke(app, ["course", "hub-config", *args])


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("unknown course", "is not a course folder"),
        ("empty learners", "no learners in"),
        ("bad username", "'Alice Smith' (row 2 of"),
        ("trainer is a learner", "'alice' is both a trainer and a learner"),
        ("unknown authenticator", "unknown authenticator 'ldap'"),
    ],
)
def test_bad_input_is_one_clear_error(course, roster, tmp_path, case, message):
    empty, bad = tmp_path / "empty.txt", tmp_path / "bad.txt"
    empty.write_text("# nobody yet\n")
    bad.write_text("bob\nAlice Smith\n")
    args = {
        "unknown course": [str(tmp_path / "nowhere"), "--learners", str(roster), "--trainer", "tess"],
        "empty learners": [str(course), "--learners", str(empty), "--trainer", "tess"],
        "bad username": [str(course), "--learners", str(bad), "--trainer", "tess"],
        "trainer is a learner": [str(course), "--learners", str(roster), "--trainer", "alice"],
        "unknown authenticator": [str(course), "--learners", str(roster), "--trainer", "tess", "--authenticator=ldap"],
    }[case]
    result = hub_config(*args, "--out", str(tmp_path / "hub"), "--exchange", str(tmp_path / "ex"))
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], result.output
    assert not (tmp_path / "hub").exists()  # nothing written


def test_the_cli_writes_the_config(course, roster, tmp_path):
    result = hub_config(
        str(course), "--learners", str(roster), "--trainer", "tess", "--out", str(tmp_path / "hub"),
        "--exchange", str(tmp_path / "ex"), "--port", "8123", "--authenticator", "dummy",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "any password" in result.output
    assert load(tmp_path / "hub" / "jupyterhub_config.py").JupyterHub.bind_url == "http://:8123"


def test_no_learners_in_the_gradebook_is_an_error(course, tmp_path):
    with pytest.raises(CourseError, match="no learners in the gradebook"):
        write_hub_config(course, tmp_path / "hub", trainers=["tess"], exchange=tmp_path / "ex")
    assert os.listdir(tmp_path) == [course.name]
