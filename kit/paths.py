"""Where the kit finds its bundled material.

In a source checkout (the usual case: ``pip install -e .``) the folders sit next
to the package: ``datasets/``, ``modules/``, ``exercises/``, ``grader/``. A wheel
carries ``datasets/`` inside the package (``kit/_bundled/datasets``). The
``KIT_HOME`` environment variable points the kit at another checkout.
"""

from __future__ import annotations

import os
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def checkout_root() -> Path:
    """The folder the ``kit`` package is imported from: in a source checkout, the one holding
    ``grader/`` and ``exercises/`` (what :func:`project_root` is unless ``KIT_HOME`` is set)."""
    return _PACKAGE_DIR.parent


def project_root() -> Path:
    """The folder holding ``datasets/``, ``exercises/`` and ``grader/``."""
    env = os.environ.get("KIT_HOME")
    if env:
        return Path(env).expanduser().resolve()
    return checkout_root()


def datasets_dir() -> Path:
    """The bundled datasets folder (source checkout first, then the wheel copy)."""
    checkout = project_root() / "datasets"
    if (checkout / "catalog.yaml").is_file():
        return checkout
    return _PACKAGE_DIR / "_bundled" / "datasets"


def grader_dir() -> Path:
    """The nbgrader course folder."""
    return project_root() / "grader"


def modules_dir() -> Path:
    """The teaching notebooks."""
    return project_root() / "modules"


def plans_dir() -> Path:
    """City plan specs (the sample city's is ``riverton.yaml``)."""
    return project_root() / "plans"


def output_dir() -> Path:
    """Where the main job writes what it builds (git-ignored)."""
    return project_root() / "out"
