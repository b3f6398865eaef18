"""Ways around the sandbox's limits: memory no limit counts, kernel memory in files, keys that outlive a notebook.

Each test is one attack, with one assertion on what the learner's cell got;
after each, another notebook runs normally (the grader survived).
"""

from __future__ import annotations

import os

import pytest
from helpers import REPO
from nbformat.v4 import new_code_cell, new_notebook

from kit.grading.converter import sandbox_settings
from kit.grading.sandbox import Limits, Sandbox
from kit.grading.sandbox.syscalls import SYSCALL_NUMBERS

pytestmark = pytest.mark.grading

LIMITS = Limits(cell_seconds=30, notebook_seconds=90, memory_mb=1024, tmp_files=3000)
NUMBERS = SYSCALL_NUMBERS.get(os.uname().machine, (0, {}))[1]
KEY = "kit-test-learner-a-secret"


@pytest.fixture(scope="module")
def sandbox():
    """One worker: every notebook runs as the same sandbox user, one after the other."""
    with Sandbox(workers=1, limits=LIMITS, hide=[REPO / "grader", REPO / "exercises"]) as sandbox:
        assert sandbox.protections.missing() == []
        yield sandbox


def execute(sandbox, files, *sources: str):
    run = sandbox.execute(new_notebook(cells=[new_code_cell(source) for source in sources]), files)
    assert run.status == "ok", run.message
    return run


def outputs(run, index: int) -> list[str]:
    """``stdout: text`` and ``Error: message`` of one cell."""
    return [
        f"{o.name}: {o.text}" if o.output_type == "stream" else f"{o.ename}: {o.evalue}"
        for o in run.notebook.cells[index].outputs
    ]


def assert_fine_afterwards(sandbox, files) -> None:
    assert outputs(execute(sandbox, files, "print(6 * 7)"), 0) == ["stdout: 42\n"]


# --------------------------------------------------------------------------- #
# memory outside the address space


def test_memfds_beyond_the_memory_limit_fail_in_the_cell(sandbox, files):
    hoard = f"""import os
held = []
try:
    while len(held) * 64 < {LIMITS.memory_mb * 3 // 2}:  # half as much again as the limit
        fd = os.memfd_create("hoard")
        for _ in range(64):
            os.write(fd, b"x" * (1 << 20))
        held.append(fd)
finally:
    print("held", len(held) * 64, "MB")"""
    run = execute(sandbox, files, hoard, "print('next cell')")
    assert outputs(run, 0) + outputs(run, 1) == [
        "stdout: held 0 MB\n",
        "PermissionError: [Errno 1] Operation not permitted",
        "stdout: next cell\n",
    ]
    assert_fine_afterwards(sandbox, files)


@pytest.mark.skipif(not NUMBERS, reason="system call numbers known for x86_64 and aarch64")
def test_memfd_through_a_raw_system_call_is_refused(sandbox, files):
    code = f"""import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
print(libc.syscall({NUMBERS["memfd_create"]}, b"hoard", 0), os.strerror(ctypes.get_errno()))"""
    assert outputs(execute(sandbox, files, code), 0) == ["stdout: -1 Operation not permitted\n"]


def test_system_v_shared_memory_is_refused(sandbox, files):
    # a segment written through shmat and detached stays allocated, outside RLIMIT_AS
    code = """import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
print(libc.shmget(0, 1 << 30, 0o1600), os.strerror(ctypes.get_errno()))"""
    assert outputs(execute(sandbox, files, code), 0) == ["stdout: -1 Operation not permitted\n"]


# --------------------------------------------------------------------------- #
# kernel memory: files in the private scratch folders


@pytest.mark.parametrize("folder", ["/tmp", "/dev/shm"])
def test_200000_files_stop_at_the_file_cap_with_an_os_error(sandbox, files, folder):
    code = f"""import os
os.mkdir("{folder}/many")
made = 0
try:
    while made < 200_000:
        open(f"{folder}/many/{{made}}", "w").close()
        made += 1
finally:
    print({LIMITS.tmp_files} - 100 < made < {LIMITS.tmp_files})"""
    run = execute(sandbox, files, code)
    assert [line.split(": '")[0] for line in outputs(run, 0)] == [
        "stdout: True\n",
        "OSError: [Errno 28] No space left on device",
    ]
    assert_fine_afterwards(sandbox, files)


def test_the_file_cap_is_a_course_setting():
    from traitlets.config import Config

    config = Config()
    config.SandboxExecute.tmp_files = 1234
    assert Limits(**sandbox_settings(config).limits).tmp_files == 1234


# --------------------------------------------------------------------------- #
# the kernel's keyrings


@pytest.mark.skipif(not NUMBERS, reason="system call numbers known for x86_64 and aarch64")
def test_a_key_added_by_one_learner_is_not_visible_to_the_next(sandbox, files):
    add = f"""import ctypes
libc = ctypes.CDLL(None, use_errno=True)
for keyring in (-4, -3):  # the user's keyring (outlives the notebook), the session's
    libc.syscall({NUMBERS["add_key"]}, b"user", {KEY.encode()!r}, b"learner A's answers", 19, keyring)"""
    find = f"""import ctypes
libc = ctypes.CDLL(None, use_errno=True)
key = libc.syscall({NUMBERS["request_key"]}, b"user", {KEY.encode()!r}, None, 0)
found = b""
if key > 0:
    buffer = ctypes.create_string_buffer(100)
    found = buffer.raw[: libc.syscall({NUMBERS["keyctl"]}, 11, key, buffer, 100)]  # KEYCTL_READ
print(key, found)"""
    execute(sandbox, files, add)
    assert outputs(execute(sandbox, files, find), 0) == ["stdout: -1 b''\n"]


@pytest.mark.skipif(not NUMBERS, reason="system call numbers known for x86_64 and aarch64")
def test_adding_a_key_is_refused(sandbox, files):
    code = f"""import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
print(libc.syscall({NUMBERS["add_key"]}, b"user", {KEY.encode()!r}, b"x", 1, -4), os.strerror(ctypes.get_errno()))"""
    assert outputs(execute(sandbox, files, code), 0) == ["stdout: -1 Operation not permitted\n"]


def _reports(seccomp_error):
    from kit.grading.sandbox.limits import Limits

    limits = Limits()
    steps = dict.fromkeys(
        ["mount_ns", "net_ns", "ipc_ns", "pid_ns", "private", "masks", "hides", "workdir", "ro_root", "proc"]
        + ["drop", "no_new_privs", "limits"]
    )
    steps["seccomp"] = seccomp_error
    checks = {"uid": 61000, "reaches_host": False, "sees_secret": False, "bound": True}
    checks |= {"nproc": limits.processes, "memory": limits.memory_mb * 1024 * 1024}
    reports = {"monitor": {"steps": steps}, "init": {"pid1": True}, "worker": {"checks": checks}}
    return reports, limits


def test_without_the_seccomp_filter_the_memory_limit_counts_as_off():
    from kit.grading.sandbox.protections import read_probe

    reports, limits = _reports(None)
    protections, plan = read_probe(reports, root=True, limits=limits)
    assert plan.seccomp and protections.memory
    reports, limits = _reports("Invalid argument")
    protections, plan = read_probe(reports, root=True, limits=limits)
    assert not plan.seccomp and not protections.memory  # so grading refuses without --allow-unisolated
    assert any("seccomp" in line for line in protections.missing())
