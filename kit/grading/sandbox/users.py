"""The users notebooks run as, when the grader is root: one unused uid per worker slot."""

from __future__ import annotations

import fcntl
import os
import pwd
import tempfile

from kit.grading.sandbox.errors import SandboxError

FIRST_UID = 61000  # notebooks run as uids from here on
UID_LOCKS = ("/run/lock/kit-sandbox-uids", os.path.join(tempfile.gettempdir(), "kit-sandbox-uids"))


def claim_uids(count: int) -> tuple[list[int], list[int]]:
    """Unused uids for ``count`` worker slots, each locked (``flock``) for as long as
    this process holds the returned descriptors: two sandboxes on one machine,
    in one grader or two, never share a sandbox user (nor its process limit)."""
    folder = next((f for f in UID_LOCKS if os.path.isdir(os.path.dirname(f))), UID_LOCKS[-1])
    os.makedirs(folder, mode=0o700, exist_ok=True)
    uids: list[int] = []
    fds: list[int] = []
    for uid in range(FIRST_UID, FIRST_UID + 4096):
        if len(uids) == count:
            break
        try:
            pwd.getpwuid(uid)
            continue  # a real user
        except KeyError:
            pass
        fd = os.open(os.path.join(folder, str(uid)), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            continue  # another sandbox's
        uids.append(uid)
        fds.append(fd)
    if len(uids) < count:
        for fd in fds:
            os.close(fd)
        raise SandboxError(f"no free sandbox user ids from {FIRST_UID} on", hint="fewer workers or sandboxes at once")
    return uids, fds
