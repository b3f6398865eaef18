"""What of the machine's files a learner's notebook sees (computed in the grader).

Three lists go to the isolating child (:mod:`kit.grading.sandbox.isolate`):

``masks``
    Folders covered by an empty tmpfs: the shared scratch folders (``/tmp``,
    ``/dev/shm``: private and writable per notebook) and the places where users
    keep secrets and sockets (``/home``, the grader's home, ``/run``: read-only).
``keep``
    What the notebook needs and may read: the interpreter and its
    ``site-packages``, the kit's package, ``datasets/`` and ``modules/``. Those
    under a mask are bound back (read-only) at the same path.
``hide``
    The caller's hidden paths (course, exercises…) and the sandbox's own folder
    of working directories: covered by an empty, read-only tmpfs.
"""

from __future__ import annotations

import os
import pwd
import site
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

import kit.paths
from kit.grading.sandbox.errors import SandboxError

WRITABLE_MASKS = ("/tmp", "/dev/shm")
READ_ONLY_MASKS = ("/run", "/home")


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
    return {what: os.path.abspath(path) for what, path in needed.items() if os.path.exists(path)}


def keep_paths(env: Mapping[str, str]) -> list[str]:
    candidates = list(needed_paths(env).values())
    candidates += [sys.exec_prefix, sys.base_exec_prefix, os.path.dirname(_real(sys.executable))]
    candidates += [path for path in site.getsitepackages() if os.path.isdir(path)]
    candidates.append(str(kit.paths.checkout_root()))  # where `import kit` finds it
    candidates += [path for path in sys.path if path and os.path.exists(path)]
    # both the path as named (a symlink under a mask is bound back where it was)
    # and the folder it leads to
    return _outermost([os.path.abspath(path) for path in candidates] + [_real(path) for path in candidates])


def mask_paths(keep: Sequence[str], file_mb: int) -> list[list]:
    homes = {pwd.getpwuid(os.getuid()).pw_dir, os.environ.get("HOME", ""), "/root"}
    wanted = [(path, True) for path in WRITABLE_MASKS]
    wanted += [(path, False) for path in (*READ_ONLY_MASKS, *sorted(h for h in homes if h and h != "/"))]
    masks: list[list] = []
    for path, writable in sorted(((_real(p), w) for p, w in wanted), key=lambda pw: len(pw[0])):
        if not os.path.isdir(path) or path == "/":
            continue
        # never cover a needed folder (or part of one), nor a folder already covered;
        # needed folders *inside* a mask are bound back
        if any(is_inside(path, k) for k in keep) or any(is_inside(path, m[0]) for m in masks):
            continue
        masks.append([path, writable, 2 * file_mb if writable else 1])
    return masks


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
