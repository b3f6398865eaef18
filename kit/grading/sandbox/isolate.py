"""Isolating a fresh child of the fork server before any learner code runs.

Three processes per notebook, each a ``fork()`` of the one before:

``monitor`` (the fork server's child)
    Enters new namespaces — user (when not root), mount, network, IPC, pid — and
    waits for ``init``. To stop a notebook, the grader (through the server)
    sends it SIGUSR1 and it kills ``init``: when a pid namespace's pid 1 dies,
    the kernel kills every process in it. If the monitor itself dies, ``init``
    dies with it (``PR_SET_PDEATHSIG``).
``init`` (pid 1 of the new pid namespace)
    Builds the learner's view of the files (below), starts ``worker``, reaps
    every orphan, and when ``worker`` ends kills whatever the notebook left
    running (a fork bomb leaves nothing behind) and reports how ``worker``
    ended on the status pipe, which only it holds.
``worker`` (the notebook)
    Drops to an unprivileged user, sets resource limits, and runs the notebook
    (:mod:`kit.grading.sandbox.shell`), writing frames to the result pipe.

What each measure stops: see README, "The grading sandbox". How ``init``
builds the learner's view of the files (a private mount namespace, nothing of
it reaches the grader's; what goes in it: :mod:`kit.grading.sandbox.view`):

- a new ``/``: an empty tmpfs (in the run's scratch folder) where every *keep*
  (the system's programs and libraries, a few files of ``/etc``, a few
  devices, the interpreter, the kit's package, datasets and modules) is bound,
  read-only and ``nosuid``, at its own path; ``pivot_root`` makes it the
  namespace's root and the machine's tree is detached: nothing else of it (the
  project's checkout, home folders, other users' files) can be reached;
- a fresh ``/proc`` showing only the notebook's own processes;
- *masks*: the notebook's own empty tmpfs at ``/tmp`` and ``/dev/shm``
  (writable, capped in size and in files: ``nr_inodes``);
- *hides*: an empty read-only tmpfs over each hidden folder still reachable
  (the course, the exercises with solutions and hidden tests, every other
  execution's files), an unreadable empty file over each hidden file;
- the execution's own working folder at ``/tmp/work``: a copy of the staged
  submission inside the private ``/tmp``, so what the notebook writes is
  capped by that tmpfs's size and gone with it.

The worker then gets a new session keyring, drops its privileges, and a
``seccomp`` filter refuses it the calls that hold memory no limit counts
(``memfd_create``, ``memfd_secret``, System V ``shmget``) and the kernel's
keyrings (``add_key``, ``request_key``, ``keyctl``: a sandbox user's keyring
outlives the notebook, and the next notebook of that worker would read it).

Each step is a measure that can be missing on a machine: :func:`run_monitor`
runs in *probe* mode once per sandbox (try every step, report which work) and
in *strict* mode for notebooks (apply the steps the probe found working; any
failure ends the execution with a setup error, never a weaker sandbox).
"""

from __future__ import annotations

import errno
import os
import resource
import select
import shutil
import signal
import socket
import stat
import sys
import time
from pathlib import Path

from kit.grading.sandbox import syscalls as sc
from kit.grading.sandbox.exit_codes import ExitCode
from kit.grading.sandbox.job import Job
from kit.grading.sandbox.limits import Limits
from kit.grading.sandbox.view import is_inside
from kit.grading.sandbox.wire import encode, write_all

# refused to the notebook by a seccomp filter (EPERM): memory outside its address
# space (memfd pages and System V segments are not RLIMIT_AS until mapped, and
# stay once unmapped), and the kernel's keyrings (a sandbox user's outlives the notebook)
REFUSED_SYSCALLS = ("memfd_create", "memfd_secret", "shmget", "add_key", "request_key", "keyctl")


class _Steps:
    """Runs setup steps; remembers which worked (probe) or stops at the first failure (strict)."""

    def __init__(self, fd: int, strict: bool, who: str):
        self.fd, self.strict, self.who = fd, strict, who
        self.results: dict[str, str | None] = {}

    def run(self, name: str, action, *args, **kwargs) -> bool:
        try:
            action(*args, **kwargs)
        except Exception as exc:
            self.results[name] = f"{type(exc).__name__}: {exc}"
            if self.strict:
                write_all(
                    self.fd, encode({"t": "setup_error", "who": self.who, "step": name, "error": self.results[name]})
                )
                os._exit(ExitCode.SETUP_FAILED)
            return False
        self.results[name] = None
        return True

    def report(self, **extra) -> None:
        write_all(self.fd, encode({"t": "probe", "who": self.who, "steps": self.results, **extra}))


def _die_with_parent(parent: int | None = None, alive: int | None = None) -> None:
    # SIGKILL this process as soon as its parent (thread) exits. If the parent
    # exited before this call, give up now: either it is no longer our parent,
    # or (pid 1 of a new namespace, whose getppid() is 0) the pipe it held open
    # has reached its end
    if sc.AVAILABLE:
        sc.prctl(sc.PR_SET_PDEATHSIG, signal.SIGKILL)
    if parent is not None and os.getppid() != parent:
        os._exit(ExitCode.SETUP_FAILED)
    if alive is not None and select.select([alive], [], [], 0)[0]:
        os._exit(ExitCode.SETUP_FAILED)


def _write(path: str, text: str) -> None:
    with open(path, "w") as f:
        f.write(text)


def _enter_user_namespace(uid: int, gid: int) -> None:
    # not root: a new user namespace where this process is root (uid 0 mapped to
    # the grader's own uid, nothing else), owning the namespaces made next;
    # "deny" setgroups first, or an unprivileged process may not write gid_map
    sc.unshare(sc.CLONE_NEWUSER)
    _write("/proc/self/uid_map", f"0 {uid} 1")
    _write("/proc/self/setgroups", "deny")
    _write("/proc/self/gid_map", f"0 {gid} 1")


_init_pid: int | None = None


def _stop_init(*_) -> None:
    # SIGUSR1 from the fork server: the grader wants this notebook stopped
    if _init_pid is None:
        os._exit(ExitCode.SETUP_FAILED)
    try:
        os.kill(_init_pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def run_monitor(job_path: str, result_fd: int, status_fd: int, server_pid: int) -> None:
    """The fork server's child for one job: namespaces, then ``init``. Never returns.

    It keeps the status pipe open until ``init`` has been reaped, and ``init``
    (pid 1 of the namespace) is reaped only once every process in its namespace
    is gone: the grader's end of the status pipe reaches its end only when
    nothing the notebook started is left.
    """
    global _init_pid
    signal.signal(signal.SIGUSR1, _stop_init)
    _die_with_parent(parent=server_pid)
    job = Job.from_json(Path(job_path).read_text())
    plan, steps = job.plan, _Steps(result_fd, job.strict, "monitor")
    outer_uid, outer_gid = os.getuid(), os.getgid()
    if plan.user_ns:
        steps.run("user_ns", _enter_user_namespace, outer_uid, outer_gid)
    for name, flag in (
        ("mount_ns", sc.CLONE_NEWNS),
        ("net_ns", sc.CLONE_NEWNET),
        ("ipc_ns", sc.CLONE_NEWIPC),
        ("pid_ns", sc.CLONE_NEWPID),
    ):
        if getattr(plan, name):
            steps.run(name, sc.unshare, flag)
    if not job.strict:
        steps.report()
    alive_r, alive_w = os.pipe()  # open here as long as this process lives
    pid = os.fork()
    if pid == 0:
        try:
            signal.signal(signal.SIGUSR1, signal.SIG_DFL)
            os.close(alive_w)
            _run_init(job, result_fd, status_fd, alive_r)
        finally:
            os._exit(ExitCode.SETUP_FAILED)
    _init_pid = pid
    os.close(alive_r)
    os.close(result_fd)
    while True:
        try:
            os.waitpid(pid, 0)
            break
        except ChildProcessError:
            break
        except InterruptedError:
            continue
    os._exit(ExitCode.OK)  # closes the status pipe: everything is gone


# --------------------------------------------------------------------------- #
# init: the learner's view of the files, then the worker


def _open_path(path: str) -> tuple[int, bool] | None:
    try:
        fd = os.open(path, os.O_PATH | os.O_CLOEXEC)  # a handle on the folder itself, not its contents
    except OSError:
        return None
    return fd, stat.S_ISDIR(os.fstat(fd).st_mode)


def _bind(fd: int, is_dir: bool, target: str) -> None:
    if is_dir:
        os.makedirs(target, mode=0o755, exist_ok=True)
    elif not os.path.exists(target):
        os.makedirs(os.path.dirname(target), mode=0o755, exist_ok=True)
        open(target, "x").close()
    # /proc/self/fd/N names the folder opened before masks and hides covered
    # its path; MS_BIND|MS_REC copies it and every mount below it
    sc.mount(f"/proc/self/fd/{fd}", target, None, sc.MS_BIND | sc.MS_REC)
    sc.mount_setattr(target, set_flags=sc.MOUNT_ATTR_RDONLY | sc.MOUNT_ATTR_NOSUID, recursive=True)


def _mount_scratch(target: str, size_mb: int, files: int) -> None:
    # a new, empty tmpfs: size= caps the memory its files take, nr_inodes= how
    # many there may be (each costs kernel memory, whatever its size)
    os.makedirs(target, mode=0o755, exist_ok=True)
    sc.mount("tmpfs", target, "tmpfs", sc.MS_NOSUID | sc.MS_NODEV, f"size={size_mb}m,nr_inodes={files},mode=1777")


_DEVICE_LINKS = {
    "fd": "/proc/self/fd",
    "stdin": "/proc/self/fd/0",
    "stdout": "/proc/self/fd/1",
    "stderr": "/proc/self/fd/2",
}


def _enter_new_root(job: Job, keeps: dict[str, tuple[int, bool]], mount_proc) -> None:
    """Build the allowlisted ``/`` in the run's scratch folder, then switch to it."""
    root = job.tmp.rstrip("/")  # the grader's folder for this run: nobody else's
    sc.mount("tmpfs", root, "tmpfs", sc.MS_NOSUID | sc.MS_NODEV, "size=1m,mode=0755")
    scratch = sorted(job.masks, key=lambda mask: len(mask[0]))  # [path, writable, size_mb]
    for path, (fd, is_dir) in keeps.items():
        if not any(is_inside(path, mask[0]) for mask in scratch):
            _bind(fd, is_dir, root + path)
    os.makedirs(root + "/proc", exist_ok=True)
    if not mount_proc(root + "/proc"):
        sc.mount("/proc", root + "/proc", None, sc.MS_BIND | sc.MS_REC)  # no pid namespace: the machine's
    for path, _, size_mb in scratch:
        _mount_scratch(root + path, size_mb, job.limits.tmp_files)
        for keep, (fd, is_dir) in keeps.items():
            if is_inside(keep, path) and keep != path:
                _bind(fd, is_dir, root + keep)
    os.makedirs(root + "/dev", mode=0o755, exist_ok=True)
    for name, target in _DEVICE_LINKS.items():
        if not os.path.lexists(f"{root}/dev/{name}"):
            os.symlink(target, f"{root}/dev/{name}")
    # the new root replaces the machine's; the machine's, stacked on top of it
    # by pivot_root(".", "."), is detached
    os.chdir(root)
    sc.pivot_root(".", ".")
    sc.umount2(".", sc.MNT_DETACH)
    os.chdir("/")
    sc.mount_setattr("/", set_flags=sc.MOUNT_ATTR_RDONLY | sc.MOUNT_ATTR_NOSUID)


def _hide(hides: list[str], empty_file: str) -> None:
    for path in hides:
        if os.path.islink(path) or not os.path.exists(path):
            continue  # already out of sight (under a mask) or never there
        if os.path.isdir(path):
            sc.mount(
                "tmpfs", path, "tmpfs", sc.MS_RDONLY | sc.MS_NOSUID | sc.MS_NODEV | sc.MS_NOEXEC, "size=4k,mode=0555"
            )
        else:
            if not os.path.exists(empty_file):
                fd = os.open(empty_file, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0)
                os.close(fd)
            sc.mount(empty_file, path, None, sc.MS_BIND)
            sc.mount_setattr(path, set_flags=sc.MOUNT_ATTR_RDONLY)


def _build_view(job: Job, steps: _Steps, pid1: bool) -> bool:
    """Mount the learner's view; True when the working folder is at ``job.inside``."""
    plan = job.plan
    # mounts made from here on stay in this namespace (the host's / may be shared)
    if not steps.run("private", sc.mount, None, "/", None, sc.MS_REC | sc.MS_PRIVATE):
        return False
    work = _open_path(job.workdir)
    keeps = {path: opened for path in job.keep if (opened := _open_path(path))}
    if plan.ro_root:
        # what is bound from the machine's tree comes read-only and nosuid
        steps.run(
            "ro_root", sc.mount_setattr, "/", set_flags=sc.MOUNT_ATTR_RDONLY | sc.MOUNT_ATTR_NOSUID, recursive=True
        )

    def mount_proc(target: str) -> bool:
        # a procfs mounted from inside the new pid namespace lists only its processes
        flags = sc.MS_NOSUID | sc.MS_NODEV | sc.MS_NOEXEC
        return pid1 and plan.proc and steps.run("proc", sc.mount, "proc", target, "proc", flags)

    steps.run("masks", _enter_new_root, job, keeps, mount_proc)
    steps.run("hides", _hide, job.hide, "/tmp/.hidden")
    ready = steps.run("workdir", _populate, work[0], job.inside, job.uid, job.gid) if work else False
    for fd, _ in [*keeps.values(), *([work] if work else [])]:
        os.close(fd)
    return ready


def _populate(source_fd: int, inside: str, uid: int | None, gid: int | None) -> None:
    # the working folder lives in the private, size-capped /tmp: what the
    # notebook writes can fill neither the grader's disk nor another's folder.
    # Its files come from the grader's staged copy (made safely: links kept as
    # links), reached through the descriptor opened before the masks
    os.mkdir(inside, 0o755)
    shutil.copytree(f"/proc/self/fd/{source_fd}", inside, symlinks=True, dirs_exist_ok=True)
    if uid is not None:
        _chown_tree(inside, uid, gid)


def _chown_tree(root: str, uid: int, gid: int) -> None:
    os.lchown(root, uid, gid)
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            os.lchown(os.path.join(folder, name), uid, gid)


def _sweep_uid(uid: int, gid: int) -> None:
    # no pid namespace: kill every process of the sandbox user, from a helper
    # that is that user (kill(-1) reaches exactly the processes it may signal)
    pid = os.fork()
    if pid == 0:
        try:
            os.setgroups([])
            os.setresgid(gid, gid, gid)
            os.setresuid(uid, uid, uid)
            for _ in range(1000):
                os.kill(-1, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        finally:
            os._exit(ExitCode.OK)
    os.waitpid(pid, 0)


def _run_init(job: Job, result_fd: int, status_fd: int, alive: int) -> None:
    _die_with_parent(alive=alive)
    os.close(alive)
    plan, steps = job.plan, _Steps(result_fd, job.strict, "init")
    if sc.AVAILABLE:
        # nothing running as the same user may ptrace this process or read its memory
        sc.prctl(sc.PR_SET_DUMPABLE, 0)
    pid1 = os.getpid() == 1
    uid, gid = job.uid, job.gid
    bound = _build_view(job, steps, pid1) if plan.mount_ns else False
    if not bound and uid is not None:
        # no private view: the notebook works in the staged folders themselves
        steps.run("chown", _chown_tree, job.workdir, uid, gid)
        steps.run("chown", _chown_tree, job.tmp, uid, gid)
    if not job.strict:
        steps.report(pid1=pid1)
    os.chdir(job.inside if bound else job.workdir)

    worker = os.fork()
    if worker == 0:
        try:
            os.close(status_fd)
            _run_worker(job, result_fd, bound)
        finally:
            os._exit(ExitCode.SETUP_FAILED)
    os.close(result_fd)
    status = None
    while status is None:
        try:
            pid, wait_status = os.waitpid(-1, 0)
        except InterruptedError:
            continue
        except ChildProcessError:
            status = 0
            break
        if pid == worker:
            status = wait_status
    # whatever the notebook left running goes now
    if pid1:
        _empty_namespace()
    else:
        try:
            os.killpg(worker, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        if uid is not None:
            _sweep_uid(uid, gid)
        _reap_all()
    write_all(status_fd, encode({"t": "exit", "status": status}))
    os._exit(ExitCode.OK)


def _reap_all() -> None:
    while True:
        try:
            os.waitpid(-1, 0)
        except ChildProcessError:
            return
        except InterruptedError:
            continue


def _empty_namespace() -> None:
    # pid 1 of a namespace: kill(-1) reaches every other process in it, atomically
    # (a fork in progress is aborted). Repeat until nothing is left to signal:
    # processes still dying are not yet re-parented to us, and zombies count
    # until reaped, so when kill(-1) finds nobody the namespace is empty
    while True:
        try:
            os.kill(-1, signal.SIGKILL)
        except ProcessLookupError:
            return
        try:
            while os.waitpid(-1, os.WNOHANG)[0]:
                pass
        except ChildProcessError:
            pass
        time.sleep(0.001)


# --------------------------------------------------------------------------- #
# worker: privileges and limits, then the notebook


def _close_fds_except(keep: set[int]) -> None:
    try:
        fds = [int(name) for name in os.listdir("/proc/self/fd")]
    except OSError:
        fds = list(range(3, 1024))
    for fd in fds:
        if fd > 2 and fd not in keep:
            try:
                os.close(fd)
            except OSError:
                pass


def _drop_to(uid: int, gid: int) -> None:
    # no supplementary groups, then gid, then uid (after setuid we could not
    # change the gid any more); all three ids each, so nothing can switch back
    os.setgroups([])
    os.setresgid(gid, gid, gid)
    os.setresuid(uid, uid, uid)
    # setuid made the process non-dumpable: /proc/self would be root's and
    # unreadable to the notebook. Its own files are fine to read
    sc.prctl(sc.PR_SET_DUMPABLE, 1)


def _leave_session_keyring() -> None:
    try:
        sc.join_new_session_keyring()
    except OSError as exc:
        # no keys on this system, refused by an outer sandbox (no keyring to reach
        # then), or the grader's key quota is full (the seccomp filter refuses keyctl anyway)
        if exc.errno not in (errno.ENOSYS, errno.EPERM, errno.EACCES, errno.EDQUOT):
            raise


def _refuse_syscalls() -> None:
    sc.refuse_syscalls(REFUSED_SYSCALLS)


def _set_limits(limits: Limits) -> None:
    mb = 1024 * 1024
    for which, value in (
        (resource.RLIMIT_AS, limits.memory_mb * mb),
        (resource.RLIMIT_NPROC, limits.processes),
        (resource.RLIMIT_FSIZE, limits.file_mb * mb),
        (resource.RLIMIT_CORE, 0),
        (resource.RLIMIT_NOFILE, 256),
    ):
        value = int(value)
        _, hard = resource.getrlimit(which)
        if hard != resource.RLIM_INFINITY and hard < value:
            value = hard
        resource.setrlimit(which, (value, value))
    # a write past RLIMIT_FSIZE fails with EFBIG instead of killing the process
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)


def _run_worker(job: Job, result_fd: int, bound: bool) -> None:
    # its own session and process group: the grader's terminal signals never reach it
    os.setsid()
    _close_fds_except({result_fd})
    plan, steps = job.plan, _Steps(result_fd, job.strict, "worker")
    if plan.drop:
        # none of the grader's keys (its login session's keyring) go with the notebook
        steps.run("keyring", _leave_session_keyring)
    if plan.drop and job.uid is not None:
        steps.run("drop", _drop_to, job.uid, job.gid)
    elif plan.drop:
        # root only inside its own user namespace: give up those powers too
        # (they would let it unmount the hides)
        steps.run("drop", sc.drop_all_capabilities)
    if plan.no_new_privs:
        # setuid programs and file capabilities grant nothing from here on
        steps.run("no_new_privs", sc.prctl, sc.PR_SET_NO_NEW_PRIVS, 1)
    steps.run("limits", _set_limits, job.limits)
    if plan.no_new_privs and plan.seccomp:
        # what no limit counts (memory outside the address space) and what outlives
        # the notebook (the sandbox user's keyring) is refused, to every process it starts too
        steps.run("seccomp", _refuse_syscalls)
    if job.kind == "probe":
        steps.report(checks=_probe_checks(job, bound))
        write_all(result_fd, encode({"t": "done"}))
        os._exit(ExitCode.OK)
    from kit.grading.sandbox.shell import run_notebook

    run_notebook(job, result_fd)


def _probe_checks(job: Job, bound: bool) -> dict:
    """What the probe's worker can still see and do (each should be False)."""
    probe = job.probe
    checks = {"uid": os.getuid(), "pid": os.getpid(), "bound": bound}
    checks["sees_secret"] = os.path.exists(probe.secret)
    try:
        with socket.create_connection(("127.0.0.1", probe.port), timeout=1):
            checks["reaches_host"] = True
    except OSError:
        checks["reaches_host"] = False
    try:
        checks["processes_visible"] = sum(name.isdigit() for name in os.listdir("/proc"))
    except OSError:
        checks["processes_visible"] = None
    checks["nproc"] = resource.getrlimit(resource.RLIMIT_NPROC)[0]
    checks["memory"] = resource.getrlimit(resource.RLIMIT_AS)[0]
    checks["platform"] = sys.platform
    return checks
