"""The few Linux system calls the sandbox needs that :mod:`os` does not offer.

``unshare(2)``, ``mount(2)``, ``mount_setattr(2)``, ``prctl(2)`` and
``capset(2)``, called through :mod:`ctypes`. Every function raises
:class:`OSError` (with ``errno`` set) when the kernel refuses, so callers can
try a measure and report that it is unavailable. On other systems
:data:`AVAILABLE` is False and every call raises ``OSError(ENOSYS)``.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import os
import sys

AVAILABLE = sys.platform.startswith("linux")

# unshare(2) flags: each creates a new namespace of one kind for the caller
# (for CLONE_NEWPID: for the caller's *children*; the caller stays where it is).
CLONE_NEWNS = 0x00020000  # mount table
CLONE_NEWIPC = 0x08000000  # System V IPC objects, POSIX message queues
CLONE_NEWUSER = 0x10000000  # user and group ids, capabilities
CLONE_NEWPID = 0x20000000  # process ids: the first child becomes pid 1
CLONE_NEWNET = 0x40000000  # network interfaces, sockets, abstract unix sockets

# mount(2) flags
MS_RDONLY = 1
MS_NOSUID = 2
MS_NODEV = 4
MS_NOEXEC = 8
MS_REMOUNT = 32
MS_BIND = 4096
MS_REC = 16384
MS_PRIVATE = 1 << 18

# mount_setattr(2): change the flags of a mount (and, with AT_RECURSIVE, of every
# mount below it) in one call
AT_FDCWD = -100
AT_RECURSIVE = 0x8000
MOUNT_ATTR_RDONLY = 0x1
MOUNT_ATTR_NOSUID = 0x2
MOUNT_ATTR_NODEV = 0x4
MOUNT_ATTR_NOEXEC = 0x8
_SYS_MOUNT_SETATTR = 442  # the same number on every architecture (added in 5.12)

# prctl(2) options
PR_SET_PDEATHSIG = 1  # signal this process gets when its parent dies
PR_SET_DUMPABLE = 4  # 0: no ptrace, no core dump, /proc/<pid> owned by root
PR_CAPBSET_DROP = 24  # remove a capability from the bounding set (for good)
PR_SET_NO_NEW_PRIVS = 38  # execve() can never grant privileges (setuid bits, file caps)
PR_CAP_AMBIENT = 47
PR_CAP_AMBIENT_CLEAR_ALL = 4

_LINUX_CAPABILITY_VERSION_3 = 0x20080522


class _MountAttr(ctypes.Structure):
    _fields_ = [
        ("attr_set", ctypes.c_uint64),
        ("attr_clr", ctypes.c_uint64),
        ("propagation", ctypes.c_uint64),
        ("userns_fd", ctypes.c_uint64),
    ]


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]


_libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True) if AVAILABLE else None


def _check(result: int, what: str) -> int:
    if result == -1:
        code = ctypes.get_errno()
        raise OSError(code, f"{what}: {os.strerror(code)}")
    return result


def _need_linux(what: str) -> None:
    if _libc is None:
        raise OSError(errno.ENOSYS, f"{what}: only on Linux")


def unshare(flags: int) -> None:
    """Move the calling process into new namespaces (``CLONE_NEW*`` flags)."""
    _need_linux("unshare")
    _check(_libc.unshare(ctypes.c_int(flags)), "unshare")


def mount(source: str | None, target: str, fstype: str | None, flags: int = 0, data: str | None = None) -> None:
    """``mount(2)``; ``source``/``fstype``/``data`` may be None."""
    _need_linux("mount")

    def enc(s):
        return None if s is None else os.fsencode(s)

    _check(_libc.mount(enc(source), enc(target), enc(fstype), ctypes.c_ulong(flags), enc(data)), f"mount {target}")


def mount_setattr(path: str, *, set_flags: int = 0, clear_flags: int = 0, recursive: bool = False) -> None:
    """Set/clear ``MOUNT_ATTR_*`` flags on the mount at ``path`` (and every mount below it)."""
    _need_linux("mount_setattr")
    attr = _MountAttr(set_flags, clear_flags, 0, 0)
    syscall = _libc.syscall
    syscall.restype = ctypes.c_long
    result = syscall(
        ctypes.c_long(_SYS_MOUNT_SETATTR),
        ctypes.c_int(AT_FDCWD),
        os.fsencode(path),
        ctypes.c_uint(AT_RECURSIVE if recursive else 0),
        ctypes.byref(attr),
        ctypes.c_size_t(ctypes.sizeof(attr)),
    )
    _check(int(result), f"mount_setattr {path}")


def prctl(option: int, arg2: int = 0, arg3: int = 0) -> int:
    """``prctl(2)`` with up to two arguments."""
    _need_linux("prctl")
    return _check(
        _libc.prctl(
            ctypes.c_int(option), ctypes.c_ulong(arg2), ctypes.c_ulong(arg3), ctypes.c_ulong(0), ctypes.c_ulong(0)
        ),
        "prctl",
    )


def drop_all_capabilities() -> None:
    """Give up every capability, now and for any program this process runs.

    Empties the bounding set (so even a uid-0 ``execve`` gains nothing back),
    the ambient set, and the effective/permitted/inheritable sets.
    """
    _need_linux("capset")
    try:
        with open("/proc/sys/kernel/cap_last_cap") as f:
            last = int(f.read())
    except OSError:
        last = 40
    for cap in range(last + 1):
        try:
            prctl(PR_CAPBSET_DROP, cap)
        except OSError as exc:
            if exc.errno != errno.EINVAL:  # EINVAL: a capability this kernel does not know
                raise
    try:
        prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL)
    except OSError:
        pass  # kernels before 4.3 have no ambient set
    header = _CapHeader(_LINUX_CAPABILITY_VERSION_3, 0)
    data = (_CapData * 2)()  # all zero
    _check(_libc.capset(ctypes.byref(header), data), "capset")
