"""A job crosses from the grader to the isolating child as JSON, and comes back whole."""

from __future__ import annotations

import json

from kit.grading.sandbox.job import Job, Plan, ProbeTargets
from kit.grading.sandbox.limits import Limits

FIELDS = {"kind", "strict", "plan", "uid", "gid", "workdir", "tmp", "inside", "masks", "keep", "hide"}
FIELDS |= {"limits", "env", "probe"}  # never a cell: cells go one by one down the command pipe


def job(**changes) -> Job:
    fields = {
        "kind": "execute",
        "strict": True,
        "plan": Plan(mount_ns=True, net_ns=True, drop=True),
        "uid": 61000,
        "gid": 61000,
        "workdir": "/tmp/kit-sandbox-x/run-y/work",
        "tmp": "/tmp/kit-sandbox-x/run-y/tmp",
        "inside": "/tmp/work",
        "masks": [["/tmp", True, 201], ["/home", False, 1]],
        "keep": ["/usr"],
        "hide": ["/srv/course/grader"],
        "limits": Limits(cell_seconds=5, memory_mb=2048),
        "env": {"PATH": "/usr/bin", "HOME": "/tmp/work"},
    }
    return Job(**{**fields, **changes})


def test_a_job_comes_back_from_json_as_it_was_sent():
    for sent in (
        job(),
        job(kind="judge", uid=61001, gid=61001),
        job(kind="probe", strict=False, uid=None, gid=None, probe=ProbeTargets("/x/job.json", 4242)),
    ):
        assert Job.from_json(sent.to_json()) == sent


def test_the_json_holds_plain_values_under_the_job_fields():
    data = json.loads(job().to_json())
    assert set(data) == FIELDS
    assert data["plan"]["mount_ns"] is True and data["plan"]["user_ns"] is False
    assert data["limits"] == {
        "cell_seconds": 5,
        "notebook_seconds": 300,
        "memory_mb": 2048,
        "output_bytes": 1_000_000,
        "processes": 32,
        "file_mb": 100,
        "tmp_files": 10_000,
    }
    assert data["probe"] is None and "cells" not in data
