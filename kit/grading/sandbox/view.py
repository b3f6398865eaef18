"""What of the machine's files a learner's notebook sees (computed in the grader).

An allowlist: the notebook's ``/`` is a new, empty, read-only folder where only
what it needs is bound, read-only, each at its own path. Three lists go to the
isolating child (:mod:`kit.grading.sandbox.isolate`):

``keep``
    What is bound: the system's programs and libraries (``/usr``, ``/lib``…),
    the few files of ``/etc`` Python and its libraries read, a handful of
    devices, the interpreter and its ``site-packages``, the data folders the
    environment names (``PROJ_DATA``, ``GDAL_DATA``…), and of the project only
    the ``kit`` package, ``datasets/`` and ``modules/``. Never a project folder
    itself (the kit's checkout with its ``.git``, ``KIT_HOME``'s project, where
    exports, rosters and zips lie about), a home folder, ``/tmp`` or ``/run``: a
    path that holds one of those is bound entry by entry around it, and a path
    named for it (the checkout on ``sys.path``, for an editable install) not at all.
``masks``
    ``[path, writable, size_mb]``: the notebook's own empty, writable tmpfs at
    ``/tmp`` and ``/dev/shm`` (what it needs under them is bound back).
``hide``
    The caller's hidden paths (course, exercises…) and the sandbox's own folder
    of working directories: covered by an empty, read-only tmpfs wherever they
    are still reachable (under a bound path).
"""

from __future__ import annotations

import glob
import os
import pwd
import site
import sys
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import kit.paths
from kit.grading.sandbox.errors import SandboxError

WRITABLE_MASKS = ("/tmp", "/dev/shm")
# the system's programs and libraries (on most systems /bin, /lib… lead into /usr)
SYSTEM_PATHS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
# what of /etc Python, its libraries and the programs a notebook may start read
# (the dynamic loader, users and groups, time zone, certificates, fonts, MIME types)
ETC_PATHS = (
    "alternatives",
    "ca-certificates",
    "fonts",
    "gai.conf",
    "group",
    "host.conf",
    "hosts",
    "ld.so.cache",
    "ld.so.conf",
    "ld.so.conf.d",
    "locale.alias",
    "localtime",
    "magic",
    "mime.types",
    "nsswitch.conf",
    "os-release",
    "passwd",
    "pki/ca-trust/extracted",
    "pki/tls/certs",
    "pki/tls/openssl.cnf",
    "protocols",
    "services",
    "ssl/certs",
    "ssl/openssl.cnf",
    "timezone",
    "python3*",  # a distribution's Python reads its sitecustomize there
)
# data folders and files the notebooks' environment names (map projections, certificates)
DATA_ENV = ("PROJ_DATA", "PROJ_LIB", "GDAL_DATA", "SSL_CERT_FILE", "SSL_CERT_DIR")
DEVICES = ("/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom", "/dev/tty")
# never bound as a whole: what users, the system and the grader keep there
NEVER_BOUND = ("/tmp", "/var/tmp", "/dev", "/proc", "/sys", "/run", "/home", "/root", "/mnt", "/media", "/srv")


def _real(path) -> str:
    return os.path.realpath(os.fspath(path))


def is_inside(path: str, folder: str) -> bool:
    """Whether ``path`` is ``folder`` or under it (both absolute, as strings)."""
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def _outermost(paths) -> list[str]:
    result: list[str] = []
    for path in sorted(set(paths), key=len):
        if not any(is_inside(path, kept) for kept in result):
            result.append(path)
    return result


def project_root_for(env: Mapping[str, str]) -> Path:
    """The project root the notebooks' ``kit`` will use, given their environment
    (:func:`kit.paths.project_root`, for ``env`` instead of this process's environment)."""
    if env.get("KIT_HOME"):
        return Path(env["KIT_HOME"]).expanduser().resolve()
    return kit.paths.checkout_root()


def needed_paths(env: Mapping[str, str]) -> dict[str, str]:
    """Paths a notebook must be able to read, by what they are (as the kit names them:
    ``datasets/`` may be a symlink)."""
    root = project_root_for(env)
    package = Path(kit.paths.__file__).resolve().parent
    needed = {
        "the Python installation": sys.base_prefix,
        "the virtual environment": sys.prefix,
        "the kit package": package,
        "the datasets": root / "datasets",
        "the modules": root / "modules",
    }
    if env.get(kit.paths.DATASETS_ENV):  # the graded course's own datasets (kit.grading.course_datasets)
        needed["the course's datasets"] = Path(env[kit.paths.DATASETS_ENV])
    return {what: os.path.abspath(path) for what, path in needed.items() if os.path.exists(path)}


def _site_folders() -> list[str]:
    found = [*site.getsitepackages(), site.getusersitepackages()]
    found += [path for path in sys.path if os.path.basename(path) in ("site-packages", "dist-packages")]
    return [_real(path) for path in found if path]


def project_roots(env: Mapping[str, str]) -> list[str]:
    """The projects: ``KIT_HOME``'s and the checkout the kit is imported from (unless that is a
    ``site-packages``, for a wheel), as named and as they really are."""
    checkout = _real(kit.paths.checkout_root())
    installed = any(is_inside(checkout, folder) for folder in _site_folders())
    # a wheel's "checkout" is site-packages: no project (what notebooks import lies there)
    roots = [str(project_root_for(env))] if env.get("KIT_HOME") or not installed else []
    if not installed:
        roots.append(checkout)
    return sorted({form for root in roots if root != "/" for form in (os.path.abspath(root), _real(root))})


def _home_folder() -> str:
    try:
        return pwd.getpwuid(os.getuid()).pw_dir
    except KeyError:  # a uid with no entry in /etc/passwd (in some containers)
        return ""


def private_roots(env: Mapping[str, str]) -> list[str]:
    """Folders a notebook never sees as a whole, only what :func:`keep_paths` binds of them:
    the projects, the home folders, the scratch and system folders of :data:`NEVER_BOUND`."""
    roots = [_home_folder(), os.environ.get("HOME", ""), *NEVER_BOUND]
    forms = {form for root in roots if root and root != "/" for form in (os.path.abspath(root), _real(root))}
    return sorted(forms | set(project_roots(env)))


def _around(path: str, avoid: Sequence[str]) -> list[str]:
    # `path`, or, when it holds an avoided folder, its entries (recursively) but that folder
    inner = [folder for folder in avoid if is_inside(folder, path)]
    if not inner:
        return [path]
    if path in inner:
        return []
    try:
        names = sorted(os.listdir(path))
    except OSError:
        return []  # cannot tell what it holds: bind none of it
    entries = [os.path.join(path, name) for name in names]
    return [kept for entry in entries if not _leads_to(entry, inner) for kept in _around(entry, inner)]


def _leads_to(path: str, avoid: Iterable[str]) -> bool:
    # a symlink (or a path through one) to an avoided folder, or to a folder holding one
    real = _real(path)
    return real != path and any(is_inside(real, folder) or is_inside(folder, real) for folder in avoid)


def keep_paths(env: Mapping[str, str]) -> list[str]:
    """What a notebook's ``/`` holds, bound read-only at the same paths (see the module's docstring)."""
    candidates = [*SYSTEM_PATHS, *DEVICES]
    candidates += [found for name in ETC_PATHS for found in sorted(glob.glob(f"/etc/{name}"))]
    candidates += list(needed_paths(env).values())
    candidates += [sys.exec_prefix, sys.base_exec_prefix, os.path.dirname(_real(sys.executable))]
    candidates += site.getsitepackages()
    # of the projects, sys.path and the environment bring nothing (the checkout, for
    # an editable install, whatever a test runner added): kit/ is bound on its own
    projects = project_roots(env)
    named_elsewhere = [env[name] for name in DATA_ENV if env.get(name)] + [path for path in sys.path if path]
    candidates += [path for path in named_elsewhere if not _is_in_any(os.path.abspath(path), projects)]
    named = [os.path.abspath(path) for path in candidates if os.path.exists(path)]
    avoid = private_roots(env)
    # both the path as named (a symlink is bound where it was: unless it leads to a
    # folder holding an avoided one) and the path it leads to
    paths = [path for path in named if not _holds_avoided(path, avoid)] + [_real(path) for path in named]
    return _outermost(kept for path in paths for kept in _around(path, avoid))


def _is_in_any(path: str, folders: Iterable[str]) -> bool:
    return any(is_inside(path, folder) or is_inside(_real(path), folder) for folder in folders)


def _holds_avoided(path: str, avoid: Iterable[str]) -> bool:
    real = _real(path)
    return real != path and any(is_inside(folder, real) for folder in avoid)


def mask_paths(keep: Sequence[str], file_mb: int) -> list[list]:
    """The notebook's own scratch folders: ``[path, True, size_mb]`` (twice ``file_mb``; the
    grader adds the size of the staged submission). What of ``keep`` is under them is bound back."""
    return [[path, True, 2 * file_mb] for path in WRITABLE_MASKS]


def hide_paths(hide: Sequence, base: Path, env: Mapping[str, str]) -> list[str]:
    """The caller's hidden paths plus the sandbox's own folder, checked against what notebooks need."""
    hidden = _outermost([_real(path) for path in hide] + [_real(base)])
    for what, path in needed_paths(env).items():
        for folder in hidden:
            if is_inside(path, folder) or is_inside(_real(path), folder):
                raise SandboxError(
                    f"cannot hide {folder}: it holds {what} ({path}), which notebooks need",
                    hint="hide the course folders themselves (grader/, exercises/), not their parent",
                )
    return hidden
