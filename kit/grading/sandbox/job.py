"""What the grader asks of an isolating child: a :class:`Job`, written as JSON beside the staged files.

The grader writes ``job.json`` into the execution's folder (:class:`~kit.grading.sandbox.rundir.RunDir`)
and sends its path to the fork server; the child reads it back
(:mod:`kit.grading.sandbox.isolate`, :mod:`kit.grading.sandbox.shell`). Both ends
are the grader's own code, so the file is plain JSON of these dataclasses.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

from kit.grading.sandbox.limits import Limits


@dataclass(frozen=True)
class Plan:
    """The isolation steps a child takes: all of them in the probe, those found working for notebooks."""

    user_ns: bool = False
    mount_ns: bool = False
    net_ns: bool = False
    ipc_ns: bool = False
    pid_ns: bool = False
    ro_root: bool = False
    proc: bool = False
    drop: bool = False
    no_new_privs: bool = False
    seccomp: bool = False


@dataclass(frozen=True)
class ProbeTargets:
    """What the probe's worker tries to reach (it should reach neither)."""

    secret: str  # a file of the grader's, hidden from the child
    port: int  # a server listening on the grader's localhost


@dataclass(frozen=True)
class Job:
    """One child's instructions.

    Attributes
    ----------
    kind
        ``"execute"`` (the learner's process: runs the cells the grader sends on
        its command pipe, one at a time), ``"judge"`` (runs the test cells:
        :mod:`kit.grading.sandbox.judge`) or ``"probe"`` (try every step, report).
        A job never carries a cell: the notebook's cells are sent one by one as
        they are about to run, and test cells only to the judge.
    strict
        Stop at the first step that fails (notebooks) instead of trying them all (probe).
    uid, gid
        The sandbox user to drop to (root only), else None.
    workdir, tmp
        The staged submission and the scratch folder, as the grader sees them.
    inside
        Where the notebook works: ``/tmp/work`` in its own view of the files, else ``workdir``.
    masks
        ``[path, writable, size_mb]`` of each folder covered by an empty tmpfs.
    keep, hide
        Paths bound back under the masks; paths hidden (see :mod:`kit.grading.sandbox.view`).
    """

    kind: str
    strict: bool
    plan: Plan
    uid: int | None
    gid: int | None
    workdir: str
    tmp: str
    inside: str
    masks: list[list]
    keep: list[str]
    hide: list[str]
    limits: Limits
    env: dict[str, str]
    probe: ProbeTargets | None = None

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> Job:
        data = json.loads(text)
        probe = data.pop("probe", None)
        return cls(
            **{
                **data,
                "plan": Plan(**data["plan"]),
                "limits": Limits(**data["limits"]),
                "probe": ProbeTargets(**probe) if probe is not None else None,
            }
        )
