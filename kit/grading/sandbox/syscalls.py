"""The few Linux system calls the sandbox needs that :mod:`os` does not offer.

``unshare(2)``, ``mount(2)``, ``umount2(2)``, ``pivot_root(2)``,
``mount_setattr(2)``, ``prctl(2)`` (with a ``seccomp`` filter), ``capset(2)``
and ``keyctl(2)``, called through :mod:`ctypes`. Every function raises
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
MNT_DETACH = 2  # umount2(2): detach now, free when no longer in use

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
PR_SET_SECCOMP = 22
SECCOMP_MODE_FILTER = 2

# system calls a notebook is refused (refuse_syscalls), by machine: the audit
# architecture its 64-bit calls carry, and each call's number
SYSCALL_NUMBERS = {
    "x86_64": (
        0xC000003E,
        {"memfd_create": 319, "memfd_secret": 447, "shmget": 29, "add_key": 248, "request_key": 249, "keyctl": 250},
    ),
    "aarch64": (
        0xC00000B7,
        {"memfd_create": 279, "memfd_secret": 447, "shmget": 194, "add_key": 217, "request_key": 218, "keyctl": 219},
    ),
}
_X32_SYSCALL_BIT = 0x40000000  # x86_64's x32 ABI: the same calls under other numbers
_SYS_PIVOT_ROOT = {"x86_64": 155, "aarch64": 41}
_SYS_KEYCTL = {machine: numbers["keyctl"] for machine, (_, numbers) in SYSCALL_NUMBERS.items()}
KEYCTL_JOIN_SESSION_KEYRING = 1

# classic BPF, as seccomp filters are written: load a word of the call's
# seccomp_data (nr at offset 0, arch at 4), compare, return a verdict
_BPF_LD_W_ABS = 0x20
_BPF_JEQ_K = 0x15
_BPF_JGE_K = 0x35
_BPF_RET_K = 0x06
_SECCOMP_RET_ALLOW = 0x7FFF0000
_SECCOMP_RET_ERRNO = 0x00050000

_LINUX_CAPABILITY_VERSION_3 = 0x20080522


class _MountAttr(ctypes.Structure):
    _fields_ = [
        ("attr_set", ctypes.c_uint64),
        ("attr_clr", ctypes.c_uint64),
        ("propagation", ctypes.c_uint64),
        ("userns_fd", ctypes.c_uint64),
    ]


class _SockFilter(ctypes.Structure):
    _fields_ = [("code", ctypes.c_uint16), ("jt", ctypes.c_uint8), ("jf", ctypes.c_uint8), ("k", ctypes.c_uint32)]


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(_SockFilter))]


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


def umount2(target: str, flags: int = 0) -> None:
    """``umount2(2)``: unmount ``target`` (``MNT_DETACH``: now, freed when unused)."""
    _need_linux("umount2")
    _check(_libc.umount2(os.fsencode(target), ctypes.c_int(flags)), f"umount {target}")


def _syscall(number: int, *args) -> int:
    syscall = _libc.syscall
    syscall.restype = ctypes.c_long
    return int(syscall(ctypes.c_long(number), *args))


def _machine_number(table: dict[str, int], what: str) -> int:
    machine = os.uname().machine
    if machine not in table:
        raise OSError(errno.ENOSYS, f"{what}: not known on {machine}")
    return table[machine]


def pivot_root(new_root: str, put_old: str) -> None:
    """``pivot_root(2)``: make ``new_root`` this mount namespace's ``/``; the old one goes to ``put_old``."""
    _need_linux("pivot_root")
    number = _machine_number(_SYS_PIVOT_ROOT, "pivot_root")
    _check(_syscall(number, os.fsencode(new_root), os.fsencode(put_old)), "pivot_root")


def join_new_session_keyring() -> None:
    """Give this process (and its children) a new, empty session keyring: none of the
    keys of the keyring it inherited (the grader's login session's) are its own any more."""
    _need_linux("keyctl")
    number = _machine_number(_SYS_KEYCTL, "keyctl")
    _check(_syscall(number, ctypes.c_int(KEYCTL_JOIN_SESSION_KEYRING), ctypes.c_void_p(None)), "keyctl")


def refuse_syscalls(names, error: int = errno.EPERM) -> None:
    """Install a ``seccomp`` filter: the calls ``names`` fail with ``error`` in this
    process and every process it starts, for good (so do calls of another ABI:
    32-bit or x32 calls from a 64-bit process). Needs ``PR_SET_NO_NEW_PRIVS``
    first (or ``CAP_SYS_ADMIN``)."""
    _need_linux("seccomp")
    machine = os.uname().machine
    if machine not in SYSCALL_NUMBERS:
        raise OSError(errno.ENOSYS, f"seccomp: the system call numbers of {machine} are not known")
    arch, numbers = SYSCALL_NUMBERS[machine]
    refuse = (_BPF_RET_K, 0, 0, _SECCOMP_RET_ERRNO | error)
    program = [(_BPF_LD_W_ABS, 0, 0, 4), (_BPF_JEQ_K, 1, 0, arch), refuse, (_BPF_LD_W_ABS, 0, 0, 0)]
    if machine == "x86_64":
        program += [(_BPF_JGE_K, 0, 1, _X32_SYSCALL_BIT), refuse]
    for name in names:
        program += [(_BPF_JEQ_K, 0, 1, numbers[name]), refuse]
    program.append((_BPF_RET_K, 0, 0, _SECCOMP_RET_ALLOW))
    filters = (_SockFilter * len(program))(*(_SockFilter(*instruction) for instruction in program))
    fprog = _SockFprog(len(program), filters)
    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.addressof(fprog))


def mount_setattr(path: str, *, set_flags: int = 0, clear_flags: int = 0, recursive: bool = False) -> None:
    """Set/clear ``MOUNT_ATTR_*`` flags on the mount at ``path`` (and every mount below it)."""
    _need_linux("mount_setattr")
    attr = _MountAttr(set_flags, clear_flags, 0, 0)
    result = _syscall(
        _SYS_MOUNT_SETATTR,
        ctypes.c_int(AT_FDCWD),
        os.fsencode(path),
        ctypes.c_uint(AT_RECURSIVE if recursive else 0),
        ctypes.byref(attr),
        ctypes.c_size_t(ctypes.sizeof(attr)),
    )
    _check(result, f"mount_setattr {path}")


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
