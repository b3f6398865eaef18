"""Which isolation measures this machine allows, found once per sandbox by a probe.

The probe runs the whole isolation sequence in a throwaway child in *probe*
mode (every step tried, each result reported) and checks from inside what the
child can still reach. :func:`read_probe` turns those reports into the
:class:`Protections` a trainer is told about and the *plan* (the steps every
notebook's process then takes, strictly).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, fields

from kit.grading.sandbox.job import Plan

_USERNS_FIX = (
    "run the grader as root, or allow unprivileged user namespaces "
    "(sysctl -w kernel.unprivileged_userns_clone=1; on Ubuntu 23.10+ also "
    "sysctl -w kernel.apparmor_restrict_unprivileged_userns=0)"
)

_WHAT_IT_MEANS = {
    "network": "learners' code can use the network and reach servers on this machine (localhost)",
    "filesystem": (
        "learners' code can read the course (gradebook, solutions, hidden tests), other "
        "learners' work and the grader's files"
    ),
    "separate_user": (
        "learners' code runs as the grader's own user (in a user namespace, without "
        "privileges): that user's files outside the hidden paths stay readable"
    ),
    "processes": "a fork bomb is not contained, and processes a notebook starts may outlive it",
    "memory": "a notebook can take all the machine's memory",
    "time": "a notebook can run forever",
    "output": "a notebook can print without limit",
}

_HOW_TO_FIX = {
    "network": f"it needs a network namespace: {_USERNS_FIX}",
    "filesystem": f"it needs a mount namespace and a pid namespace (or root): {_USERNS_FIX}",
    "separate_user": (
        "run the grader as root: each worker then runs notebooks as its own unprivileged user (uids from 61000)"
    ),
    "processes": f"it needs a pid namespace or root (RLIMIT_NPROC per sandbox user): {_USERNS_FIX}",
    "memory": "RLIMIT_AS is not enforced here; run the grader on Linux",
    "time": "",
    "output": "",
}


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

    def missing(self) -> list[str]:
        """One line per measure that is OFF: what it means and how to turn it on."""
        lines = []
        for field in fields(self):
            if not getattr(self, field.name):
                name = field.name.replace("_", " ")
                lines.append(
                    f"{name} isolation is OFF: {_WHAT_IT_MEANS[field.name]}. To turn it on: {_HOW_TO_FIX[field.name]}"
                )
        if lines and not sys.platform.startswith("linux"):
            lines.append(f"this system is {sys.platform}, not Linux: only the time and output limits apply")
        return lines


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
        memory=checks.get("memory") == limits.memory_mb * 1024 * 1024,
    )
    return protections, plan
