"""Fail closed: where the sandbox is incomplete, nobody is graded unless the trainer says so.

The sandbox probes the machine as it starts; here every protection is on, so
the tests take one away after the real probe (a :class:`Sandbox` whose
``protections`` lose the network) or stand in for a started sandbox. Without
``allow_unisolated`` the run stops before any learner's bookkeeping: the
gradebook, ``autograded/`` and the journal are untouched, and the CLI prints
one line naming what is missing and ``--allow-unisolated``. With it, grading
runs after a red warning. The hints fit the machine: root without
``CAP_SYS_ADMIN``, a user without user namespaces, an interpreter the
sandbox's users cannot read.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import shutil
import stat
import sys
import tempfile
from pathlib import Path

import pytest
from helpers import ASSIGNMENT, submit
from typer.testing import CliRunner

from kit.errors import IsolationUnavailableError
from kit.grading.sandbox.protections import Machine, Protections, shortfalls, unreadable_paths

NOTEBOOK = f"{ASSIGNMENT}.ipynb"
ALL_ON = Protections(network=True, filesystem=True, separate_user=True, processes=True, memory=True)


def gradebook_hash(course) -> str:
    return hashlib.sha256(Path(course.coursedir.db_url.removeprefix("sqlite:///")).read_bytes()).hexdigest()


def journal_path(course) -> Path:
    return course.root / ".kit" / "autograde" / f"{ASSIGNMENT}.json"


def one_line(output: str) -> str:
    """The CLI's output, which must be a single line."""
    lines = [line for line in output.splitlines() if line.strip()]
    assert len(lines) == 1, output
    return lines[0]


@pytest.fixture
def cohort(released):
    release = (released.step_dir("release", ".", ASSIGNMENT) / NOTEBOOK).read_text()
    for learner in ("ana", "ben", "cleo"):
        submit(released, learner, {NOTEBOOK: release})
    return released


@pytest.fixture
def no_network(monkeypatch):
    """The real sandbox, as if this machine had no network namespace."""
    import kit.grading.sandbox
    from kit.grading.sandbox import Sandbox

    class WithoutNetwork(Sandbox):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.protections = dataclasses.replace(self.protections, network=False)

    monkeypatch.setattr(kit.grading.sandbox, "Sandbox", WithoutNetwork)


class NoNamespaces:
    """Stands in for a started sandbox where no namespace could be made (nothing runs in it)."""

    def __init__(self, **_):
        self.protections = dataclasses.replace(ALL_ON, network=False, filesystem=False)
        self.users: list[int] = []

    def shortfalls(self) -> list:
        return shortfalls(self.protections, Machine.here(self.protections))

    def close(self) -> None:
        pass


@pytest.mark.grading
def test_nobody_is_graded_when_a_protection_is_missing(cohort, no_network):
    from kit.grading.autograde import autograde

    before = gradebook_hash(cohort)
    with pytest.raises(IsolationUnavailableError) as raised:
        autograde(cohort, ASSIGNMENT, workers=2)
    message = str(raised.value)
    assert "\n" not in message
    assert "missing: network isolation" in message and "--allow-unisolated" in message
    assert raised.value.problems[0].startswith("network isolation is OFF")
    assert gradebook_hash(cohort) == before
    assert not (cohort.root / "autograded").exists()
    assert not journal_path(cohort).exists()


def test_the_cli_refuses_in_one_line_naming_the_override(cohort, monkeypatch):
    import kit.grading.sandbox
    from kit.cli import app

    monkeypatch.setattr(kit.grading.sandbox, "Sandbox", NoNamespaces)
    before = gradebook_hash(cohort)
    result = CliRunner().invoke(app, ["grade", "autograde", ASSIGNMENT])
    assert result.exit_code == 1
    line = one_line(result.output)
    assert line.startswith("error: refusing to grade")
    assert "network isolation, filesystem isolation" in line and "--allow-unisolated" in line
    assert gradebook_hash(cohort) == before and not journal_path(cohort).exists()


@pytest.mark.grading
def test_with_the_override_it_grades_after_a_red_warning(cohort, no_network):
    from kit.cli import app

    result = CliRunner().invoke(app, ["grade", "autograde", ASSIGNMENT, "--learner", "ana", "--allow-unisolated"])
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "protections OFF" in text and "network isolation is OFF" in text
    assert text.index("network isolation is OFF") < text.index("graded 1 of 1")
    assert (cohort.step_dir("autograded", "ana", ASSIGNMENT) / NOTEBOOK).is_file()


def test_the_nbgrader_engine_has_no_sandbox_and_needs_the_override(cohort):
    from kit.cli import app
    from kit.grading.autograde import autograde

    before = gradebook_hash(cohort)
    with pytest.raises(IsolationUnavailableError, match="--engine nbgrader --allow-unisolated"):
        autograde(cohort, ASSIGNMENT, engine="nbgrader")
    result = CliRunner().invoke(app, ["grade", "autograde", ASSIGNMENT, "--engine", "nbgrader"])
    assert result.exit_code == 1
    assert "--allow-unisolated" in one_line(result.output)
    assert gradebook_hash(cohort) == before and not (cohort.root / "autograded").exists()


def test_no_course_setting_turns_the_check_off():
    from kit.grading.converter import SandboxedAutograde, SandboxExecute

    for configurable in (SandboxExecute, SandboxedAutograde):
        assert not [name for name in configurable.class_trait_names() if "isol" in name or "unsafe" in name]


# --------------------------------------------------------------------------- #
# hints that fit the machine


def text_of(protections: Protections, machine: Machine) -> str:
    return " | ".join(protections.missing(machine))


def test_root_without_cap_sys_admin_is_told_about_the_capability_not_to_run_as_root():
    # a default Docker container: root, no CAP_SYS_ADMIN, so no namespaces; the separate users work
    docker = dataclasses.replace(ALL_ON, network=False, filesystem=False)
    text = text_of(docker, Machine(linux=True, root=True, cap_sys_admin=False))
    assert text.startswith("network isolation is OFF") and "filesystem isolation is OFF" in text
    assert "without CAP_SYS_ADMIN" in text and "--cap-add SYS_ADMIN" in text
    assert "as root" not in text and "user namespace" not in text and "sysctl" not in text


def test_a_user_without_user_namespaces_is_not_told_of_one():
    bare = Protections(network=False, filesystem=False, separate_user=False, processes=False, memory=True)
    lines = bare.missing(Machine(linux=True, root=False, cap_sys_admin=False, user_namespace=False))
    assert [line.split(" is OFF")[0] for line in lines] == [
        "network isolation",
        "filesystem isolation",
        "separate user isolation",
        "processes isolation",
    ]
    text = " | ".join(lines)
    assert "kernel.unprivileged_userns_clone=1" in text and "apparmor_restrict_unprivileged_userns" in text
    assert "user namespace whose" not in text and "of a user namespace" not in text
    separate = lines[2]
    assert "runs as the grader's own user, with all its rights" in separate
    assert "run the grader as root" in separate


def test_a_user_with_user_namespaces_is_told_what_the_namespace_leaves_readable():
    userns = dataclasses.replace(ALL_ON, separate_user=False)
    [line] = userns.missing(Machine(linux=True, root=False, cap_sys_admin=False, user_namespace=True))
    assert "as root of a user namespace, without privileges" in line and "run the grader as root" in line


@pytest.fixture
def private_venv(monkeypatch):
    """An interpreter and a virtual environment inside a home folder of mode 0700, as /root is."""
    base = Path(tempfile.mkdtemp(prefix="kit-home-", dir="/tmp"))
    os.chmod(base, 0o755)
    home = base / "root"
    (home / "venv" / "bin").mkdir(parents=True)
    python = home / "venv" / "bin" / "python"
    python.write_text("")
    python.chmod(0o755)
    home.chmod(0o700)
    monkeypatch.setattr(sys, "executable", str(python))
    monkeypatch.setattr(sys, "prefix", str(home / "venv"))
    yield home
    shutil.rmtree(base)


def test_an_interpreter_the_sandbox_users_cannot_read_is_named_with_its_fix(private_venv):
    found = {what: (path, blocked) for what, path, blocked in unreadable_paths(mounted=False)}
    assert found["the Python interpreter"] == (sys.executable, str(private_venv))
    assert found["the virtual environment"] == (sys.prefix, str(private_venv))
    assert stat.S_IMODE(private_venv.stat().st_mode) == 0o700
    machine = Machine(
        linux=True,
        root=True,
        cap_sys_admin=False,
        unreadable=(f"the virtual environment ({sys.prefix}): {private_venv} is drwx------ (owner root)",),
        blocking=(str(private_venv),),
    )
    [shortfall] = shortfalls(ALL_ON, machine)
    assert shortfall.name == "read access to Python for the sandbox's users"
    line = shortfall.line()
    assert f"cannot read the virtual environment ({sys.prefix}): {private_venv} is drwx------" in line
    assert "where every user can read them" in line and f"chmod o+rx {private_venv}" in line


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="the sandbox's users exist for root")
def test_root_is_told_when_the_sandbox_users_cannot_read_the_interpreter(private_venv):
    # root without namespaces (no private view of the files): notebooks run as uids from 61000
    docker = dataclasses.replace(ALL_ON, network=False, filesystem=False)
    machine = Machine.here(docker)
    assert machine.root and str(private_venv) in machine.blocking
    text = " | ".join(docker.missing(machine))
    assert f"the Python interpreter ({sys.executable}): {private_venv} is drwx------" in text
    assert f"chmod o+rx {private_venv}" in text


def test_every_protection_is_on_on_this_machine_and_python_is_readable():
    # as root with the sandbox's own view of the files, /root's 0700 is no obstacle
    assert ALL_ON.missing(Machine.here(ALL_ON)) == []
