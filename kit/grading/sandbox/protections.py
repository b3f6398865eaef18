"""Which isolation measures this machine allows, found once per sandbox by a probe.

The probe runs the whole isolation sequence in a throwaway child in *probe*
mode (every step tried, each result reported) and checks from inside what the
child can still reach. :func:`read_probe` turns those reports into the
:class:`Protections` a trainer is told about and the *plan* (the steps every
notebook's process then takes, strictly).

:func:`shortfalls` says what is missing and how to turn it on *on this machine*
(:class:`Machine`: root or not, with ``CAP_SYS_ADMIN`` or not, a user namespace
or not, an interpreter the sandbox's users can read or not). The autograder
refuses to grade while anything is missing, unless the trainer explicitly
allows it (``kit grade autograde --allow-unisolated``).
"""

from __future__ import annotations

import os
import pwd
import stat
import sys
from collections.abc import Mapping
from dataclasses import dataclass, fields

from kit.grading.sandbox.job import Plan

CAP_SYS_ADMIN = 21  # its bit in /proc/self/status's CapEff
_USERNS_SYSCTL = (
    "allow unprivileged user namespaces (sudo sysctl -w kernel.unprivileged_userns_clone=1; on Ubuntu 23.10+ "
    "also sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0)"
)
_CONTAINER_FLAGS = "--cap-add SYS_ADMIN --security-opt seccomp=unconfined --security-opt apparmor=unconfined"

_WHAT_IT_MEANS = {
    "network": "learners' code can use the network and reach servers on this machine (localhost)",
    "filesystem": (
        "learners' code can read the course (gradebook, solutions, hidden tests), other "
        "learners' work and the grader's files"
    ),
    "processes": "a fork bomb is not contained, and processes a notebook starts may outlive it",
    "memory": "a notebook can take all the machine's memory",
    "time": "a notebook can run forever",
    "output": "a notebook can print without limit",
}


@dataclass(frozen=True)
class Machine:
    """Who grades, with which powers: what decides how a missing protection is turned on.

    Attributes
    ----------
    linux
        The system is Linux (namespaces and the separate users need it).
    root
        The grader runs as root (notebooks then run as uids from 61000).
    cap_sys_admin
        The grader has ``CAP_SYS_ADMIN`` (root in a default Docker container has not).
    user_namespace
        Not root, and the probe's child could make a user namespace.
    unreadable
        What notebooks need that the sandbox's users cannot read, one line each:
        ``"the virtual environment (/root/venv): /root is drwx------ (owner root)"``.
    blocking
        The folders and files in the way (for ``chmod o+rx``).
    """

    linux: bool
    root: bool
    cap_sys_admin: bool
    user_namespace: bool = False
    unreadable: tuple[str, ...] = ()
    blocking: tuple[str, ...] = ()

    @classmethod
    def here(cls, protections: Protections | None = None) -> Machine:
        """This machine, as the probe found it (``protections``: which view and users notebooks get)."""
        linux = sys.platform.startswith("linux")
        root = hasattr(os, "geteuid") and os.geteuid() == 0
        user_namespace = bool(protections and not root and (protections.network or protections.filesystem))
        unreadable: list[str] = []
        blocking: list[str] = []
        if protections is not None and root and protections.separate_user:
            for what, path, blocked in unreadable_paths(mounted=protections.filesystem):
                unreadable.append(f"{what} ({path}): {blocked} is {_describe_mode(blocked)}")
                blocking.append(blocked)
        return cls(
            linux=linux,
            root=root,
            cap_sys_admin=_has_capability(CAP_SYS_ADMIN),
            user_namespace=user_namespace,
            unreadable=tuple(unreadable),
            blocking=tuple(dict.fromkeys(blocking)),
        )


def _has_capability(bit: int) -> bool:
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("CapEff:"):
                    return bool(int(line.split()[1], 16) >> bit & 1)
    except (OSError, ValueError):
        pass
    return False


def _describe_mode(path: str) -> str:
    try:
        info = os.stat(path)
    except OSError as exc:
        return f"out of reach ({exc.strerror})"
    try:
        owner = pwd.getpwuid(info.st_uid).pw_name
    except KeyError:
        owner = str(info.st_uid)
    return f"{stat.filemode(info.st_mode)} (owner {owner})"


def unreadable_paths(*, mounted: bool, env: Mapping[str, str] | None = None) -> list[tuple[str, str, str]]:
    """What notebooks need that a sandbox user (an uid of its own, no groups: "others") cannot
    read: ``(what, path, the first folder or file in the way)``.

    With the sandbox's own view of the files (``mounted``), each path a notebook
    keeps is bound at its own place and the folders leading to it are the
    sandbox's own (readable): only the kept path and what is inside it count.
    Without it, every folder from ``/`` down counts. Permission bits only (an
    ACL that lets others in is not seen).
    """
    from kit.grading.sandbox.view import keep_paths, needed_paths

    env = os.environ if env is None else env
    needed = {"the Python interpreter": sys.executable, **needed_paths(env)}
    kept = [os.path.realpath(path) for path in keep_paths(env)] if mounted else []
    found = []
    for what, path in needed.items():
        blocked = _first_blocked(os.path.realpath(path), kept)
        if blocked is not None:
            found.append((what, path, blocked))
    return found


def _first_blocked(path: str, kept: list[str]) -> str | None:
    parts = path.strip("/").split("/")
    chain = ["/" + "/".join(parts[: i + 1]) for i in range(len(parts))]
    start = next((k for k in sorted(kept, key=len) if path == k or path.startswith(k.rstrip("/") + "/")), None)
    if start is not None:
        chain = [p for p in chain if len(p) >= len(start)]
    for at in chain:
        try:
            mode = os.stat(at).st_mode
        except OSError:
            return at
        last = at == path
        need = (stat.S_IROTH | (stat.S_IXOTH if stat.S_ISDIR(mode) else 0)) if last else stat.S_IXOTH
        if mode & need != need:
            return at
    return None


@dataclass(frozen=True)
class Shortfall:
    """One thing missing for a complete sandbox: what it is, what it means, what it needs, how to fix it
    on this machine (``fix`` is shared by the measures one change turns on)."""

    name: str  # "network isolation", "read access to Python for the sandbox's users"
    meaning: str
    fix: str
    needs: str = ""  # "a network namespace"

    def line(self) -> str:
        if self.name.endswith(" isolation"):
            needs = f"it needs {self.needs}: " if self.needs else ""
            return f"{self.name} is OFF: {self.meaning}. To turn it on: {needs}{self.fix}"
        return f"{self.meaning}. To fix it: {self.fix}" if self.fix else self.meaning


@dataclass(frozen=True)
class Protections:
    """Which of the sandbox's measures work on this machine.

    One flag per measure, True when it is on; what each one stops is in README,
    "The grading sandbox". ``filesystem`` is the mount namespace's row (with the
    ``/proc`` of the processes row); ``processes`` needs a pid namespace or a
    sandbox user besides ``RLIMIT_NPROC``; ``time`` and ``output`` are always on.
    """

    network: bool
    filesystem: bool
    separate_user: bool
    processes: bool
    memory: bool
    time: bool = True
    output: bool = True

    def missing(self, machine: Machine | None = None) -> list[str]:
        """One line per measure that is OFF (and per path the sandbox's users cannot read): what it
        means and how to turn it on, on ``machine`` (default: this one, :meth:`Machine.here`)."""
        return [shortfall.line() for shortfall in shortfalls(self, machine)]


def shortfalls(protections: Protections, machine: Machine | None = None) -> list[Shortfall]:
    """What keeps the sandbox from being whole on ``machine`` (default: this one), with fixes that fit it."""
    machine = Machine.here(protections) if machine is None else machine
    found = []
    for field in fields(protections):
        if not getattr(protections, field.name):
            name = f"{field.name.replace('_', ' ')} isolation"
            needs, fix = _how_to_fix(field.name, machine)
            found.append(Shortfall(name, _meaning(field.name, machine), fix, needs))
    if machine.unreadable:
        found.append(_unreadable(machine))
    if found and not machine.linux:
        found.append(
            Shortfall("Linux", f"this system is {sys.platform}, not Linux: only the time and output limits apply", "")
        )
    return found


def _meaning(name: str, machine: Machine) -> str:
    if name != "separate_user":
        return _WHAT_IT_MEANS[name]
    if machine.root:
        return "learners' code runs as root"
    if machine.user_namespace:
        return (
            "learners' code runs as the grader's own user (as root of a user namespace, without "
            "privileges): that user's files outside the hidden paths stay readable"
        )
    return (
        "learners' code runs as the grader's own user, with all its rights: it can read and change what that user can"
    )


def _namespaces_fix(machine: Machine) -> str:
    if not machine.linux:
        return "grade on Linux (a VM will do)"
    if machine.root and not machine.cap_sys_admin:
        return (
            "the grader is root but without CAP_SYS_ADMIN (as in a default Docker container): start the "
            f"container with {_CONTAINER_FLAGS} (or grade in a VM, where root has it)"
        )
    if machine.root:
        return (
            "the kernel refused root new namespaces (a seccomp filter or an AppArmor or SELinux policy, as in "
            f"some containers): start the container with {_CONTAINER_FLAGS}, or grade in a VM"
        )
    return f"{_USERNS_SYSCTL}, or run the grader as root in a VM (or a container with CAP_SYS_ADMIN)"


def _how_to_fix(name: str, machine: Machine) -> tuple[str, str]:
    """What measure ``name`` needs, and how to get it on ``machine``."""
    needs = {
        "network": "a network namespace",
        "filesystem": "a mount namespace and a pid namespace",
        "processes": "a pid namespace or the separate users" if machine.root else "a pid namespace",
    }
    if name in needs:
        return needs[name], _namespaces_fix(machine)
    if name == "separate_user" and machine.root:
        return "", (
            "the grader is root but could not switch notebooks to an unprivileged uid: give it "
            "CAP_SETUID and CAP_SETGID (and allow setgroups)"
        )
    if name == "separate_user":
        return "", (
            "run the grader as root (in a VM, or a container): each worker then runs notebooks as its "
            "own unprivileged user (uids from 61000)"
        )
    if name == "memory" and machine.linux:
        return "", (
            "the memory limit needs RLIMIT_AS and a seccomp filter (refusing memfds and shared memory, "
            "which RLIMIT_AS does not count): raise the grader's hard limit (ulimit -Hv), and run it where "
            "seccomp filters are allowed (a kernel with CONFIG_SECCOMP_FILTER; a container not started "
            "with a profile that forbids them)"
        )
    if name == "memory":
        return "", "RLIMIT_AS is not enforced here; grade on Linux"
    return "", "report this: it should always be on"


def _unreadable(machine: Machine) -> Shortfall:
    meaning = (
        "the sandbox's users (uids from 61000, no groups) cannot read "
        + "; ".join(machine.unreadable)
        + ": notebooks would fail to import what they need"
    )
    fix = (
        "put Python and the kit's virtual environment where every user can read them, not in a private home "
        "folder (e.g. a system Python and python3 -m venv /opt/kit-venv, then install the kit there), or let "
        "others through: chmod o+rx " + " ".join(machine.blocking)
    )
    return Shortfall("read access to Python for the sandbox's users", meaning, fix)


NOTHING = Protections(network=False, filesystem=False, separate_user=False, processes=False, memory=False)


def _ok(steps: dict, name: str) -> bool:
    return name in steps and steps[name] is None


def read_probe(reports: dict[str, dict], *, root: bool, limits) -> tuple[Protections, Plan]:
    """Protections and plan from the probe's reports (``{"monitor": …, "init": …, "worker": …}``)."""
    steps: dict = {}
    for who in ("monitor", "init", "worker"):
        steps.update(reports.get(who, {}).get("steps", {}))
    checks = reports.get("worker", {}).get("checks", {})
    pid1 = bool(reports.get("init", {}).get("pid1"))
    namespaces_ok = root or _ok(steps, "user_ns")
    view_ok = all(_ok(steps, step) for step in ("private", "masks", "hides", "workdir"))
    plan = Plan(
        user_ns=not root and _ok(steps, "user_ns"),
        mount_ns=namespaces_ok and _ok(steps, "mount_ns") and view_ok,
        net_ns=namespaces_ok and _ok(steps, "net_ns"),
        ipc_ns=namespaces_ok and _ok(steps, "ipc_ns"),
        pid_ns=namespaces_ok and _ok(steps, "pid_ns"),
        ro_root=_ok(steps, "ro_root"),
        proc=pid1 and _ok(steps, "proc"),
        drop=_ok(steps, "drop"),
        no_new_privs=_ok(steps, "no_new_privs"),
        seccomp=_ok(steps, "no_new_privs") and _ok(steps, "seccomp"),
    )
    separate_user = root and plan.drop and checks.get("uid") not in (None, 0)
    own_proc = plan.pid_ns and plan.proc
    protections = Protections(
        network=plan.net_ns and checks.get("reaches_host") is False,
        filesystem=(
            plan.mount_ns
            and plan.ro_root
            and checks.get("sees_secret") is False
            and bool(checks.get("bound"))
            and (separate_user or (own_proc and plan.drop))
        ),
        separate_user=separate_user,
        processes=(checks.get("nproc") == limits.processes and (own_proc or separate_user)),
        # without the seccomp filter, memfds and shared memory escape the address-space limit
        memory=checks.get("memory") == limits.memory_mb * 1024 * 1024 and plan.seccomp,
    )
    return protections, plan
